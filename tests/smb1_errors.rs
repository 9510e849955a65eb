//! SMB1 error responses in the report, against tshark 4.0.17: every SMB1
//! response with an error Status ([MS-CIFS] 2.2.3.1: an NTSTATUS other
//! than 0, or a DOS-form ErrorClass other than SUCCESS) in the captures of
//! samples/ and, when present, ../shared/corpus/public is an entry of its
//! connection's `errors[]`, as SMB2's are, unless SMB2's would be left out
//! too: a SESSION_SETUP_ANDX's (the session has it), a normal step (a
//! TRANS2_FIND_FIRST2 that matches nothing, a TRANS2_GET_DFS_REFERRAL to a
//! server without DFS). Each entry has the frame, the request's frame
//! (smb.response_to), the command refused (the last of an AndX chain, as
//! `smbscope messages` names it), the status by name, the UID as its
//! session and the TID as its tree.
//!
//! tshark's fields are stored in tests/data/smb1_errors_tshark.tsv
//! (scripts/tshark-smb1-errors.sh writes it), so this runs without tshark;
//! the captures whose SMB1 messages tests/data/smb1_status_tshark.tsv lists
//! are those looked at.

mod pcap_build;

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use smbscope::ntstatus::{dos, NtStatus};
use smbscope::smb2::smb1::Smb1Command;

/// One SMB1 error entry: (stream, frame, request frame, command, status,
/// session, tree).
type Entry = (
    u64,
    u64,
    Option<u64>,
    String,
    String,
    String,
    Option<String>,
);

/// Rows of a stored tshark TSV (its first column the capture) by header.
fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t'))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The JSON report's `connections[]` entry of tcp.stream `stream`.
fn stream_entry(v: &Value, stream: u64) -> &Value {
    v["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .find(|c| c["stream"] == stream)
        .expect("its connection")
}

fn hex(s: &str) -> u32 {
    u32::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex")
}

fn report(path: &Path, format: &str) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smbscope"))
        .arg(path)
        .args(["--format", format])
        .args(["--port", "4455", "--port", "4456", "--port", "4457"])
        .output()
        .expect("runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}: {:?}",
        path.display(),
        out.status
    );
    out.stdout
}

/// The SMB1 entries (command SMB_COM_…) of the connections' `errors[]`.
fn ours(v: &Value) -> BTreeSet<Entry> {
    let mut out = BTreeSet::new();
    for c in v["connections"].as_array().expect("connections") {
        for e in c["errors"].as_array().expect("errors") {
            let command = e["command"].as_str().expect("command");
            if !command.starts_with("SMB_COM_") {
                continue;
            }
            out.insert((
                c["stream"].as_u64().expect("stream"),
                e["frame"].as_u64().expect("frame"),
                e["request_frame"].as_u64(),
                command.to_string(),
                e["status"].as_str().expect("status").to_string(),
                e["session_id"].as_str().expect("session").to_string(),
                e["tree_id"].as_str().map(str::to_string),
            ));
        }
    }
    out
}

/// Why tshark's error response is not an entry, if it is not: SMB2 leaves
/// out a SESSION_SETUP's refusal and the same normal steps.
fn left_out(cmd: u8, status: NtStatus, trans2: Option<u32>) -> Option<&'static str> {
    let dos = status.dos_error();
    match (cmd, trans2) {
        (0x72, _) => Some("NEGOTIATE"),
        (0x73, _) => Some("SESSION_SETUP_ANDX"),
        // ERRDOS/ERRnofiles and ERRDOS/ERRmoredata are benign as theirs.
        _ if status.is_benign() || dos::is_benign(status) => Some("benign"),
        // TRANS2_FIND_FIRST2 matching nothing ([MS-CIFS] 3.3.5.58.3, 2.2.6.2.2).
        (0x32, Some(0x0001)) if status == NtStatus::NO_SUCH_FILE || dos == Some((1, 2)) => {
            Some("no match")
        }
        // A LOGOFF_ANDX of a UID the connection does not have: gone
        // already, as SMB2's LOGOFF answered USER_SESSION_DELETED; smbd
        // answers ERRSRV/ERRbaduid (0x02/0x005b), [MS-CIFS] 2.2.2.4 names
        // it STATUS_SMB_BAD_UID (0x005B0002).
        (0x74, _)
            if status == NtStatus::USER_SESSION_DELETED
                || status.0 == 0x005B_0002
                || dos == Some((2, 0x005B)) =>
        {
            Some("LOGOFF of an unknown UID")
        }
        // TRANS2_GET_DFS_REFERRAL to a server without DFS.
        (0x32, Some(0x0010)) if status == NtStatus::NOT_FOUND => Some("no DFS"),
        _ => None,
    }
}

#[test]
fn smb1_error_responses_are_their_connections_errors_as_tshark_shows_them() {
    let theirs = rows(include_str!("data/smb1_errors_tshark.tsv"));
    // Every capture with SMB1 messages, errors or not.
    let captures: BTreeSet<String> = rows(include_str!("data/smb1_status_tshark.tsv"))
        .into_iter()
        .map(|r| r["capture"].clone())
        .collect();
    let (mut files, mut responses, mut entries) = (0, 0, 0);
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for capture in &captures {
        let path = common::capture_path(capture);
        if !path.exists() {
            continue;
        }
        files += 1;
        let mut expected = BTreeSet::new();
        for r in theirs.iter().filter(|r| &r["capture"] == capture) {
            responses += 1;
            // An AndX chain's commands, the header's first: the Status is
            // the last one's ([MS-CIFS] 3.2.5.1.3), the command refused (a
            // TREE_CONNECT_ANDX chained to a SESSION_SETUP_ANDX: 0x73,0x75).
            let last = r["smb.cmd"]
                .split(',')
                .rfind(|c| *c != "0xff")
                .expect("command");
            let cmd = u8::try_from(hex(last)).expect("a command byte");
            let status = if r["smb.flags2.nt_error"] == "1" {
                NtStatus(hex(&r["smb.nt_status"]))
            } else {
                let class = u8::try_from(hex(&r["smb.error_class"])).expect("class");
                let code = u16::try_from(hex(&r["smb.error_code"])).expect("code");
                NtStatus::dos(class, code)
            };
            let trans2 = Some(r["smb.trans2.cmd"].as_str())
                .filter(|s| !s.is_empty())
                .map(hex);
            if let Some(why) = left_out(cmd, status, trans2) {
                *reasons.entry(why).or_default() += 1;
                continue;
            }
            let uid: u64 = r["smb.uid"].parse().expect("uid");
            let tid: u64 = r["smb.tid"].parse().expect("tid");
            // A refused TREE_CONNECT_ANDX is on no tree, nor is a response
            // with TID 0xFFFF (a LOGOFF_ANDX's); the others' trees were
            // connected in the capture.
            let tree = (cmd != 0x75 && tid != 0xFFFF).then(|| format!("{tid:#x}"));
            expected.insert((
                r["tcp.stream"].parse().expect("stream"),
                r["frame.number"].parse().expect("frame"),
                r["smb.response_to"].parse().ok(),
                Smb1Command(cmd).to_string(),
                status.to_string(),
                format!("{uid:#x}"),
                tree,
            ));
        }
        let v: Value = serde_json::from_slice(&report(&path, "json")).expect("json");
        let ours = ours(&v);
        assert_eq!(ours, expected, "{capture}");
        entries += ours.len();
    }
    println!(
        "{files} capture(s) with SMB1 messages; {responses} SMB1 error response(s): {entries} in errors[], left out {reasons:?}"
    );
    if files > 0 {
        assert!(entries > 0, "no SMB1 error compared");
    }
}

/// The SMB1 errors of a capture whose names (DOS form and NTSTATUS) and
/// commands are fixed here: smb1-dos-bad-share-missing-file (ERRDOS 0x0043
/// to the share, ERRDOS/ERRbadfile to NT_CREATE_ANDX on TID 0x1148) and
/// smb1-ms17-010-check-smbd (smbd answers the MS17-010 check's
/// TRANSACTION STATUS_INVALID_HANDLE).
#[test]
fn smb1_errors_by_name() {
    let v: Value = serde_json::from_slice(&report(
        &common::capture_path("smb1-dos-bad-share-missing-file.pcap"),
        "json",
    ))
    .expect("json");
    assert_eq!(
        v["connections"][0]["errors"],
        serde_json::json!([
            {"frame": 11, "request_frame": 10, "command": "SMB_COM_TREE_CONNECT_ANDX",
             "status": "ERRDOS/ERRnosuchshare", "session_id": "0xadb8",
             "detail": "\\\\127.0.0.2\\NOSUCHSHARE"},
            {"frame": 15, "request_frame": 14, "command": "SMB_COM_NT_CREATE_ANDX",
             "status": "ERRDOS/ERRbadfile", "session_id": "0xadb8", "tree_id": "0x1148",
             "detail": "no-such-file.txt"}
        ])
    );
    let v: Value = serde_json::from_slice(&report(
        &common::capture_path("smb1-ms17-010-check-smbd.pcap"),
        "json",
    ))
    .expect("json");
    let e = &v["connections"][0]["errors"];
    assert_eq!(e.as_array().map(Vec::len), Some(1), "{e}");
    assert_eq!(e[0]["command"], "SMB_COM_TRANSACTION");
    assert_eq!(e[0]["status"], "STATUS_INVALID_HANDLE");
}

/// A TREE_CONNECT_ANDX chained to a SESSION_SETUP_ANDX and refused
/// (smb1-chained-tree-connect-bad-share, frame 9: tshark's smb.cmd
/// 0x73,0x75, STATUS_BAD_NETWORK_NAME, UID 5744, TID 65535) is the same
/// error entry as an unchained one (smb1-ntlm-bad-share, frame 19), with
/// the share it asked for; the logon it was chained to succeeded, and the
/// report's tree and finding are those of an unchained refusal.
#[test]
fn a_refused_chained_tree_connect_is_a_tree_connect_error() {
    let v: Value = serde_json::from_slice(&report(
        &common::capture_path("smb1-chained-tree-connect-bad-share.pcap"),
        "json",
    ))
    .expect("json");
    assert_eq!(
        v["connections"][0]["errors"],
        serde_json::json!([
            {"frame": 9, "request_frame": 8, "command": "SMB_COM_TREE_CONNECT_ANDX",
             "status": "STATUS_BAD_NETWORK_NAME", "session_id": "0x1670",
             "detail": "\\\\127.0.0.2\\NOSUCHSHARE"}
        ])
    );
    let s = &v["sessions"][0];
    assert_eq!(
        (&s["outcome"], &s["status"]),
        (&Value::from("success"), &Value::from("STATUS_SUCCESS"))
    );
    let t = &v["trees"][0];
    assert_eq!(t["status"], "STATUS_BAD_NETWORK_NAME");
    assert_eq!(
        (&t["request_frame"], &t["response_frame"]),
        (&Value::from(8), &Value::from(9))
    );
    let codes = common::finding_codes(&v);
    assert!(codes.contains(&"tree.not_found"), "{codes:?}");
    assert!(!codes.iter().any(|c| c.starts_with("logon.")), "{codes:?}");
    let unchained: Value = serde_json::from_slice(&report(
        &common::capture_path("smb1-ntlm-bad-share.pcap"),
        "json",
    ))
    .expect("json");
    let e = &unchained["connections"][0]["errors"][0];
    assert_eq!(e["command"], "SMB_COM_TREE_CONNECT_ANDX");
    assert_eq!(e["status"], "STATUS_BAD_NETWORK_NAME");
    assert_eq!(e["detail"], "\\\\127.0.0.2\\NOSUCHSHARE");
}

/// A refused NT_CREATE_ANDX or OPEN_ANDX names its file in `detail`, as an
/// SMB2 CREATE's error does: the name tshark reads in the request
/// (tests/data/smb1_files_tshark.tsv, smb.file of the request frame), on
/// every capture with such an error.
#[test]
fn a_refused_smb1_open_names_its_file() {
    let files = rows(include_str!("data/smb1_files_tshark.tsv"));
    let captures: BTreeSet<&String> = files.iter().map(|r| &r["capture"]).collect();
    let mut named = 0;
    for capture in captures {
        let path = common::capture_path(capture);
        if !path.exists() {
            continue;
        }
        let v: Value = serde_json::from_slice(&report(&path, "json")).expect("json");
        let conns = v["connections"].as_array().expect("connections");
        for e in conns
            .iter()
            .flat_map(|c| c["errors"].as_array().into_iter().flatten())
        {
            if !matches!(
                e["command"].as_str(),
                Some("SMB_COM_NT_CREATE_ANDX" | "SMB_COM_OPEN_ANDX")
            ) {
                continue;
            }
            let request = e["request_frame"]
                .as_u64()
                .expect("request frame")
                .to_string();
            // A frame with several requests has their names joined by "|".
            let theirs: Vec<&str> = files
                .iter()
                .find(|r| &r["capture"] == capture && r["frame.number"] == request)
                .map(|r| r["smb.file"].split('|').collect())
                .unwrap_or_default();
            let ours = e["detail"].as_str().unwrap_or("(none)");
            assert!(theirs.contains(&ours), "{capture}: {e} against {theirs:?}");
            named += 1;
        }
    }
    assert!(named >= 2, "{named}");
}

/// An SMB1 header ([MS-CIFS] 2.2.3.1) in an NBSS session message: `status`
/// an NTSTATUS (Flags2 NT_STATUS), UID 0x0800, TID 0x0801, PID 0xFEFF.
fn smb1(command: u8, response: bool, status: u32, mid: u16) -> Vec<u8> {
    smb1_form(command, response, status, true, mid)
}

/// [`smb1`], `status` in the DOS form (its bytes as sent, read as a
/// little-endian number) unless `nt`.
fn smb1_form(command: u8, response: bool, status: u32, nt: bool, mid: u16) -> Vec<u8> {
    let mut h = vec![0xFF, b'S', b'M', b'B', command];
    h.extend_from_slice(&status.to_le_bytes());
    h.push(if response { 0x98 } else { 0x18 });
    let flags2: u16 = if nt { 0xC001 } else { 0x8001 };
    h.extend_from_slice(&flags2.to_le_bytes());
    h.extend_from_slice(&[0; 12]); // PIDHigh, SecuritySignature, Reserved
    h.extend_from_slice(&0x0801u16.to_le_bytes());
    h.extend_from_slice(&0xFEFFu16.to_le_bytes());
    h.extend_from_slice(&0x0800u16.to_le_bytes());
    h.extend_from_slice(&mid.to_le_bytes());
    h.extend_from_slice(&[0, 0, 0]); // WordCount, ByteCount
    let mut m = vec![0, 0];
    m.extend_from_slice(&(h.len() as u16).to_be_bytes());
    m.extend_from_slice(&h);
    m
}

/// More SMB1 error responses on a connection than its `errors[]` keeps (64,
/// as SMB2's): the first 64 are kept, the others counted in
/// `errors_omitted`, and each has its `error` event.
#[test]
fn smb1_errors_past_the_cap_are_counted() {
    const N: u16 = 70;
    let mut frames = Vec::new();
    let (mut c, mut s) = (1u32, 1u32);
    for mid in 1..=N {
        let req = smb1(0xA2, false, 0, mid);
        frames.push(pcap_build::tcp_frame(445, true, c, s, 0x18, &req));
        c += req.len() as u32;
        let rsp = smb1(0xA2, true, NtStatus::ACCESS_DENIED.0, mid);
        frames.push(pcap_build::tcp_frame(445, false, s, c, 0x18, &rsp));
        s += rsp.len() as u32;
    }
    let dir = common::ScratchDir::new("smb1-errors");
    let p = dir.join("denied.pcap");
    std::fs::write(&p, pcap_build::classic_pcap(&frames)).expect("writes");
    let v: Value = serde_json::from_slice(&report(&p, "json")).expect("json");
    let c = &v["connections"][0];
    let errors = c["errors"].as_array().expect("errors");
    assert_eq!((errors.len(), c["errors_omitted"].as_u64()), (64, Some(6)));
    assert_eq!(errors[0]["frame"], 2);
    assert_eq!(errors[0]["request_frame"], 1);
    assert_eq!(errors[0]["command"], "SMB_COM_NT_CREATE_ANDX");
    assert_eq!(errors[0]["status"], "STATUS_ACCESS_DENIED");
    assert_eq!(errors[0]["session_id"], "0x800");
    assert_eq!(errors[63]["frame"], 128);
    let lines = String::from_utf8(report(&p, "jsonl")).expect("utf-8");
    let events: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .filter(|e| e["type"] == "error")
        .map(|e| e["error"].clone())
        .collect();
    assert_eq!(events.len(), usize::from(N));
    assert_eq!(&events[..64], &errors[..]);
    assert_eq!(events[69]["frame"], 140);
}

/// Writes `messages` (client's and server's, in order) as one TCP
/// connection to port 445 and gives the report's first connection.
fn connection_of(name: &str, messages: &[(bool, Vec<u8>)]) -> Value {
    let mut frames = Vec::new();
    let (mut c, mut s) = (1u32, 1u32);
    for (from_client, m) in messages {
        let (seq, ack) = if *from_client { (c, s) } else { (s, c) };
        frames.push(pcap_build::tcp_frame(445, *from_client, seq, ack, 0x18, m));
        if *from_client {
            c += m.len() as u32;
        } else {
            s += m.len() as u32;
        }
    }
    let dir = common::ScratchDir::new(&format!("smb1-{name}"));
    let p = dir.join(format!("{name}.pcap"));
    std::fs::write(&p, pcap_build::classic_pcap(&frames)).expect("writes");
    let v: Value = serde_json::from_slice(&report(&p, "json")).expect("json");
    v["connections"][0].clone()
}

/// A LOGOFF_ANDX refused is an error, in the DOS form too (ERRDOS/
/// ERRnoaccess, frame 2), unless the session was gone already: answered
/// USER_SESSION_DELETED (frame 4), ERRSRV/ERRbaduid, smbd's form of it
/// (frame 10, as in smb1-sharing-violation), or STATUS_SMB_BAD_UID, [MS-CIFS]
/// 2.2.2.4's (frame 12); left out as SMB2's LOGOFF's is. A transaction's
/// error comes after an interim response and its secondary request: its
/// request is the primary (frame 5, [MS-CIFS] 3.2.4.1.5).
#[test]
fn smb1_logoff_and_transaction_errors() {
    const ERRDOS_NOACCESS: u32 = 0x0005_0001; // 01 00 05 00
    const ERRSRV_BADUID: u32 = 0x005B_0002; // 02 00 5b 00
    let messages = [
        (true, smb1(0x74, false, 0, 1)),
        (false, smb1_form(0x74, true, ERRDOS_NOACCESS, false, 1)),
        (true, smb1(0x74, false, 0, 2)),
        (false, smb1(0x74, true, NtStatus::USER_SESSION_DELETED.0, 2)),
        (true, smb1(0x32, false, 0, 3)),
        (false, smb1(0x32, true, 0, 3)),
        (true, smb1(0x33, false, 0, 3)),
        (false, smb1(0x32, true, NtStatus::INVALID_PARAMETER.0, 3)),
        (true, smb1(0x74, false, 0, 4)),
        (false, smb1_form(0x74, true, ERRSRV_BADUID, false, 4)),
        (true, smb1(0x74, false, 0, 5)),
        (false, smb1(0x74, true, ERRSRV_BADUID, 5)),
    ];
    let c = connection_of("logoff", &messages);
    assert_eq!(
        c["errors"],
        serde_json::json!([
            {"frame": 2, "request_frame": 1, "command": "SMB_COM_LOGOFF_ANDX",
             "status": "ERRDOS/ERRnoaccess", "session_id": "0x800"},
            // Its TID, which no TREE_CONNECT_ANDX here gave, is a tree
            // in use (trees[].unseen_connect: the interim response of
            // frame 6 answered on it), so the error names it.
            {"frame": 8, "request_frame": 5, "command": "SMB_COM_TRANSACTION2",
             "status": "STATUS_INVALID_PARAMETER", "session_id": "0x800",
             "tree_id": "0x801"}
        ])
    );
}

/// A file in use, refused in both forms (smb1-sharing-violation:
/// STATUS_SHARING_VIOLATION; smb1-dos-sharing-violation: ERRDOS/ERRbadshare,
/// its DOS form, [MS-CIFS] 2.2.2.4): each refused NT_CREATE_ANDX names its
/// holder, the NT_CREATE_ANDX of the same file that the other connection
/// made with ShareAccess 0 and had not closed (tshark's smb.file, smb.fid,
/// smb.uid, smb.access_mask, smb.share_access). Between the two refusals
/// the refused client sent a LOGOFF_ANDX with the holder's UID, refused
/// ERRSRV/ERRbaduid (a UID is its connection's own, [MS-CIFS] 2.2.1.6): it
/// ended no session, so the second refusal names the holder too. That
/// answer is smbd's form of USER_SESSION_DELETED (in both captures, DOS
/// form though the NT one asked for NT status codes): no session of that
/// UID on the connection, so it is not one of the connection's errors, as
/// SMB2's LOGOFF answered USER_SESSION_DELETED is not.
#[test]
fn a_file_in_use_names_its_holder_in_both_forms() {
    let files = rows(include_str!("data/smb1_files_tshark.tsv"));
    let errors = rows(include_str!("data/smb1_errors_tshark.tsv"));
    for capture in [
        "smb1-sharing-violation.pcap",
        "smb1-dos-sharing-violation.pcap",
    ] {
        let (files, errors) = (of(&files, capture), of(&errors, capture));
        let frame = |r: &BTreeMap<String, String>| r["frame.number"].parse::<u64>().expect("frame");
        let refused: Vec<_> = errors
            .iter()
            .filter(|r| {
                r["smb.cmd"] == "0xa2"
                    && (r["smb.nt_status"] == "0xc0000043"
                        || (r["smb.error_class"].as_str(), r["smb.error_code"].as_str())
                            == ("0x01", "0x0020"))
            })
            .collect();
        assert_eq!(refused.len(), 2, "{capture}");
        // The holder: an NT_CREATE_ANDX answered with a FID on the other
        // connection, and its request (the same stream's request before it).
        let answered = files
            .iter()
            .find(|r| {
                r["smb.cmd"].starts_with("0xa2")
                    && r["smb.flags.response"] == "1"
                    && !r["smb.fid"].is_empty()
                    && r["smb.fid"] != "0x0000"
            })
            .expect("an open");
        let request = files
            .iter()
            .rev()
            .find(|r| {
                r["tcp.stream"] == answered["tcp.stream"]
                    && r["smb.flags.response"] == "0"
                    && frame(r) < frame(answered)
            })
            .expect("its request");
        assert_eq!(request["smb.file"], "report.txt");
        assert_eq!(request["smb.share_access"], "0x00000000");
        let uid: u64 = answered["smb.uid"].parse().expect("uid");
        // The refused LOGOFF_ANDX, with the holder's UID, between the two.
        let logoff = errors
            .iter()
            .find(|r| r["smb.cmd"] == "0x74")
            .expect("a refused LOGOFF_ANDX");
        assert_eq!(
            (
                logoff["smb.error_class"].as_str(),
                logoff["smb.error_code"].as_str()
            ),
            ("0x02", "0x005b")
        );
        assert_eq!(logoff["smb.uid"], answered["smb.uid"]);
        assert!(frame(refused[0]) < frame(logoff) && frame(logoff) < frame(refused[1]));
        assert_eq!(logoff["smb.flags2.nt_error"], "0", "{capture}: DOS form");
        // The holder's CLOSE comes after both.
        let close = files
            .iter()
            .find(|r| r["smb.cmd"] == "0x04" && r["smb.fid"] == answered["smb.fid"])
            .expect("its CLOSE");
        assert!(frame(close) > frame(refused[1]));

        let v: Value =
            serde_json::from_slice(&report(&common::capture_path(capture), "json")).expect("json");
        for r in &refused {
            let stream: u64 = r["tcp.stream"].parse().expect("stream");
            let c = stream_entry(&v, stream);
            let e = c["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .find(|e| e["frame"] == frame(r))
                .expect("its error entry");
            let h = &e["held_by"];
            assert_eq!(
                (
                    h["stream"].as_u64(),
                    h["request_frame"].as_u64(),
                    h["frame"].as_u64(),
                    h["session_id"].as_str(),
                    h["desired_access"]["hex"].as_str(),
                ),
                (
                    answered["tcp.stream"].parse().ok(),
                    Some(frame(request)),
                    Some(frame(answered)),
                    Some(format!("{uid:#x}").as_str()),
                    Some(request["smb.access_mask"].as_str()),
                ),
                "{capture} frame {}: {e}",
                frame(r)
            );
            assert_eq!(h["share_access"], serde_json::json!([]), "{capture}");
        }
        // The LOGOFF_ANDX with the other connection's UID is no error of
        // the connection it came on, and ended no session: the holder's
        // session ends at its own LOGOFF_ANDX.
        let stream: u64 = logoff["tcp.stream"].parse().expect("stream");
        let c = stream_entry(&v, stream);
        let errors = c["errors"].as_array().expect("errors");
        assert!(
            errors.iter().all(|e| e["frame"] != frame(logoff)),
            "{capture}: {errors:?}"
        );
        assert_eq!(errors.len(), 2, "{capture}: the two refused opens");
        let holder_stream: u64 = answered["tcp.stream"].parse().expect("stream");
        let holder = v["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .find(|s| s["stream"] == holder_stream)
            .expect("the holder's session");
        let ended = holder["logoff_frame"].as_u64();
        assert!(
            ended.is_some_and(|f| f > frame(logoff)),
            "{capture}: {ended:?}"
        );
    }
}

/// Too many open files in the DOS form (smb1-dos-too-many-open-files:
/// smbd with 'max open files = 101' answers ERRDOS/ERRnomem, its DOS form
/// of STATUS_INSUFFICIENT_RESOURCES): each refused NT_CREATE_ANDX says how
/// many files the connection had open then, as SMB2's CREATE does: the
/// NT_CREATE_ANDX responses with a FID before it that no CLOSE ended
/// (tshark's smb.fid).
#[test]
fn too_many_open_files_in_the_dos_form_counts_the_opens() {
    let capture = "smb1-dos-too-many-open-files.pcap";
    let files: Vec<_> = rows(include_str!("data/smb1_files_tshark.tsv"))
        .into_iter()
        .filter(|r| r["capture"] == capture)
        .collect();
    let refused: Vec<_> = rows(include_str!("data/smb1_errors_tshark.tsv"))
        .into_iter()
        .filter(|r| r["capture"] == capture)
        .collect();
    assert_eq!(refused.len(), 3);
    let frame = |r: &BTreeMap<String, String>| r["frame.number"].parse::<u64>().expect("frame");
    let v: Value =
        serde_json::from_slice(&report(&common::capture_path(capture), "json")).expect("json");
    let ours = v["connections"][0]["errors"].as_array().expect("errors");
    assert_eq!(ours.len(), 3);
    for (r, e) in refused.iter().zip(ours) {
        assert_eq!(
            (r["smb.error_class"].as_str(), r["smb.error_code"].as_str()),
            ("0x01", "0x0008")
        );
        let before = |cmd: &str| {
            files
                .iter()
                .filter(|f| f["smb.cmd"].starts_with(cmd) && f["smb.flags.response"] == "1")
                .filter(|f| !f["smb.fid"].is_empty() && frame(f) < frame(r))
                .count()
        };
        let open = before("0xa2") - before("0x04");
        assert_eq!(open, 101);
        assert_eq!(e["frame"].as_u64(), Some(frame(r)));
        assert_eq!(e["status"], "ERRDOS/ERRnomem");
        assert_eq!(e["open_files"].as_u64(), Some(open as u64), "{e}");
    }
}

/// A stored table's rows of one capture.
fn of<'a>(
    table: &'a [BTreeMap<String, String>],
    capture: &str,
) -> Vec<&'a BTreeMap<String, String>> {
    table.iter().filter(|r| r["capture"] == capture).collect()
}
