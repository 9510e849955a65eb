//! Captures that hold one side of a connection only, or lose bytes: the
//! tree connects of a capture that lacks the server's side, and the TCP
//! bytes a FIN's sequence number shows were sent and not captured, against
//! tshark on the same captures.

mod common;

use std::collections::BTreeMap;

use common::{smbscope, ScratchFile};
use serde_json::{json, Value};

fn report_json(path: &str) -> Value {
    let o = smbscope(&[path, "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

/// One request of the client, as tshark reads it: (frame, smb2.cmd,
/// smb2.sesid, smb2.tid, smb2.tree, smb2.read_length or smb2.write_length:
/// a READ's or WRITE's Length).
type Request = (u64, u64, String, u32, String, u64);

/// A TreeId's requests: the first and last frame, how many, the first
/// TREE_DISCONNECT; then CREATEs, READs and their Lengths, WRITEs and
/// theirs.
type Use = (u64, u64, u64, Option<u64>, [u64; 5]);

fn requests(path: &std::path::Path) -> Vec<Request> {
    let text = common::tshark_text(
        path,
        "smb2 && smb2.flags.response == 0",
        &[
            "frame.number",
            "smb2.cmd",
            "smb2.sesid",
            "smb2.tid",
            "smb2.tree",
            "smb2.read_length",
            "smb2.write_length",
        ],
    );
    let mut rows = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        // One SMB2 message a frame in this capture (no compound chains).
        assert!(!f[1].contains(','), "{line}");
        let tid = u32::from_str_radix(f[3].trim_start_matches("0x"), 16).expect("tid");
        rows.push((
            f[0].parse().expect("frame"),
            f[1].parse().expect("cmd"),
            f[2].to_string(),
            tid,
            f[4].to_string(),
            format!("{}{}", f[5], f[6]).parse().unwrap_or(0),
        ));
    }
    rows
}

/// sv-smb2-oneside-kerberos holds the client's side of its connection
/// alone (no SMB2 frame from port 445; the session's test in
/// tests/check_cli.rs shows the logon the client went on with). Its
/// TREE_CONNECT requests (tshark: smb2.cmd 3, frames 6 for \\dc1\IPC$ and 74
/// for \\dc1\ADMIN$) have no response, yet each is followed by requests
/// with a TreeId no earlier request carried (smb2.tid 1 from frame 7, 5
/// from frame 75), up to a TREE_DISCONNECT with it: a request's TreeId is
/// one "received from a previous SMB2 TREE_CONNECT Response" ([MS-SMB2]
/// 2.2.1.2). The report lists both tree connects, status null and
/// `client_went_on` as tshark's rows give it (counted here from them: the
/// requests with the TreeId, the first and last, the TREE_DISCONNECT, and
/// what the client asked with it: its CREATE requests, its READ and WRITE
/// requests with the sum of their Length, smb2.read_length and
/// smb2.write_length), the tree's own counts, of responses, staying 0; and
/// the text counts them and tells it in the trees table, where the opens,
/// reads and writes of such a tree are "-".
#[test]
fn tree_connects_of_a_one_sided_capture_are_listed_with_the_tree_ids_the_client_went_on_with() {
    let Some(f) = common::corpus_capture("sv-smb2-oneside-kerberos.pcap") else {
        return;
    };
    let from_server = common::tshark_text(&f, "smb2 && tcp.srcport == 445", &["frame.number"]);
    assert_eq!(from_server, "");
    let rows = requests(&f);
    let connects: Vec<&Request> = rows.iter().filter(|r| r.1 == 3).collect();
    assert_eq!(
        connects
            .iter()
            .map(|r| (r.0, r.4.as_str()))
            .collect::<Vec<_>>(),
        [(6, "\\\\dc1\\IPC$"), (74, "\\\\dc1\\ADMIN$")]
    );
    // Each TreeId's requests (not 0: TREE_CONNECT, LOGOFF), by first use.
    let mut uses: BTreeMap<u32, Use> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.3 != 0) {
        let u = uses.entry(r.3).or_insert((r.0, r.0, 0, None, [0; 5]));
        u.1 = r.0;
        u.2 += 1;
        match r.1 {
            4 => _ = u.3.get_or_insert(r.0),
            5 => u.4[0] += 1,
            8 => (u.4[1], u.4[2]) = (u.4[1] + 1, u.4[2] + r.5),
            9 => (u.4[3], u.4[4]) = (u.4[3] + 1, u.4[4] + r.5),
            _ => {}
        }
    }
    let mut want = Vec::new();
    for (k, c) in connects.iter().enumerate() {
        let next = connects.get(k + 1).map_or(u64::MAX, |n| n.0);
        let new: Vec<(&u32, &Use)> = uses
            .iter()
            .filter(|(_, u)| u.0 > c.0 && u.0 < next)
            .collect();
        assert_eq!(new.len(), 1, "one new TreeId after frame {}", c.0);
        let (tid, (first, last, n, disconnect, asked)) = new[0];
        want.push(json!({
            "share": c.4,
            "session_id": format!("0x{:x}", u64::from_str_radix(c.2.trim_start_matches("0x"), 16).expect("sesid")),
            "tree_id": format!("{tid:#x}"),
            "status": null,
            "request_frame": c.0,
            "client_went_on": {
                "first_frame": first,
                "last_frame": last,
                "requests": n,
                "disconnect_request_frame": disconnect.expect("a TREE_DISCONNECT"),
                "create_requests": asked[0],
                "read_requests": asked[1],
                "read_length": asked[2],
                "write_requests": asked[3],
                "write_length": asked[4],
            },
        }));
    }
    let path = f.to_string_lossy();
    let v = report_json(&path);
    let trees = v["trees"].as_array().expect("trees");
    let got: Vec<Value> = trees
        .iter()
        .map(|t| {
            let keys = [
                "share",
                "session_id",
                "tree_id",
                "status",
                "request_frame",
                "client_went_on",
            ];
            keys.iter().map(|k| (k.to_string(), t[k].clone())).collect()
        })
        .collect();
    assert_eq!(got, want);
    for t in trees {
        assert!(t.get("response_frame").is_none(), "{t}");
        assert_eq!(t["stream"], 0);
    }
    // The numbers tshark gives, written out. The tree's own counts are of
    // responses: none.
    assert_eq!(
        want[0]["client_went_on"],
        json!({"first_frame": 7, "last_frame": 81, "requests": 63, "disconnect_request_frame": 81,
            "create_requests": 6, "read_requests": 12, "read_length": 21192,
            "write_requests": 4, "write_length": 19276})
    );
    assert_eq!(
        want[1]["client_went_on"],
        json!({"first_frame": 75, "last_frame": 80, "requests": 4, "disconnect_request_frame": 80,
            "create_requests": 1, "read_requests": 0, "read_length": 0,
            "write_requests": 0, "write_length": 0})
    );
    for t in trees {
        for k in ["opens", "reads", "read_bytes", "writes", "write_bytes"] {
            assert_eq!(t[k], 0, "{k}: {t}");
        }
    }
    let o = smbscope(&[&path]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\n2 tree connect(s), "), "{text}");
    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for told in [
        "IPC$ - ↓ - - - - status: no response; almost certainly connected: the client went on with TreeId 0x1 in 63 request(s), frames 7-81 (TREE_DISCONNECT at frame 81), asking to open 6 file(s), to read up to 21192 bytes (12 READ(s)) and to write 19276 bytes (4 WRITE(s)); the server's side is not in the capture",
        "ADMIN$ - ↓ - - - - status: no response; almost certainly connected: the client went on with TreeId 0x5 in 4 request(s), frames 75-80 (TREE_DISCONNECT at frame 80), asking to open 1 file(s); the server's side is not in the capture",
    ] {
        assert!(words.contains(told), "{told}\n{text}");
    }
    // Not a failed tree connect: --failed-only leaves them out, and no
    // tree finding is made.
    let o = smbscope(&[&path, "--failed-only", "--format", "json"]);
    let failed: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(failed["trees"], json!([]));
    // PsExec's requests make their finding (report_findings'
    // one_sided_psexec); the tree connects are no finding of their own.
    let codes = common::finding_codes(&v);
    assert_eq!(codes, ["attack.service_execution", "connection.one_sided"]);
    let one_sided = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "connection.one_sided"))
        .expect("connection.one_sided");
    let explanation = one_sided["explanation"].as_str().expect("text");
    let told = "Its tree connects too: the client went on with TreeId 0x1 after the TREE_CONNECT to \\\\dc1\\IPC$ of frame 6, TreeId 0x5 after the TREE_CONNECT to \\\\dc1\\ADMIN$ of frame 74; a client takes a TreeId from the successful TREE_CONNECT response that gives it ([MS-SMB2] 3.2.5.5), so they almost certainly succeeded (the trees table lists them).";
    assert!(explanation.ends_with(told), "{explanation}");
}

/// Seconds since 1970 of an RFC 3339 UTC time with 9 digits of the second
/// ("2017-10-09T16:45:00.280462000Z"), as tshark's frame.time_epoch
/// writes them ("1507567500.280462000").
fn epoch_text(t: &str) -> String {
    let num = |r: std::ops::Range<usize>| -> i64 { t[r].parse().expect("digits") };
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    // Days from civil (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + num(11..13) * 3600 + num(14..16) * 60 + num(17..19);
    format!("{secs}.{}", &t[20..29])
}

/// `--format jsonl` writes a `tree_connect` event for each tree connect of
/// sv-smb2-oneside-kerberos, whose responses the capture lacks, as for any
/// other tree: when the connection closes (after its `connection_end` and
/// `gap` lines: the trees are made then), in the order of the requests,
/// with the request's frame and its time as tshark has it
/// (frame.time_epoch), status null and the tree's `client_went_on` and
/// `tree_id` (inferred: 0x1 and 0x5, as tshark's smb2.tid of the client's
/// requests after frames 6 and 74). Before, no such event was written.
#[test]
fn one_sided_tree_connects_have_their_tree_connect_events() {
    let Some(f) = common::corpus_capture("sv-smb2-oneside-kerberos.pcap") else {
        return;
    };
    let path = f.to_string_lossy();
    let trees = report_json(&path)["trees"].clone();
    let o = smbscope(&[&path, "--format", "jsonl"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let kinds: Vec<&str> = lines.iter().filter_map(|l| l["type"].as_str()).collect();
    let events: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == "tree_connect")
        .collect();
    assert_eq!(events.len(), 2, "{kinds:?}");
    let at = |k: &str| kinds.iter().position(|x| *x == k).expect(k);
    let first = kinds
        .iter()
        .position(|x| *x == "tree_connect")
        .expect("event");
    assert!(
        at("connection_end") < first && at("gap") < first,
        "{kinds:?}"
    );
    assert_eq!(kinds[first + 1], "tree_connect", "{kinds:?}");
    assert!(first + 1 < at("tree"), "{kinds:?}");
    let times = common::tshark_text(
        &f,
        "frame.number == 6 || frame.number == 74",
        &["frame.number", "frame.time_epoch"],
    );
    let times: Vec<(&str, &str)> = times
        .lines()
        .map(|l| l.split_once('\t').expect("two fields"))
        .collect();
    assert_eq!(times.len(), 2);
    for ((e, t), (frame, epoch)) in events
        .iter()
        .zip(trees.as_array().expect("trees"))
        .zip(&times)
    {
        let keys = [
            "type",
            "stream",
            "frame",
            "time",
            "session_id",
            "tree_id",
            "share",
            "share_type",
            "status",
            "client_went_on",
        ];
        let mut want = serde_json::Map::new();
        for k in keys {
            want.insert(k.to_string(), t[k].clone());
        }
        want.insert("type".into(), json!("tree_connect"));
        want.insert("frame".into(), t["request_frame"].clone());
        want.insert("share_type".into(), Value::Null);
        want.insert("time".into(), e["time"].clone());
        assert_eq!(*e, &Value::Object(want));
        assert_eq!(e["frame"].to_string(), *frame);
        assert_eq!(epoch_text(e["time"].as_str().expect("time")), *epoch);
        assert!(
            t["status"].is_null() && t["client_went_on"].is_object(),
            "{t}"
        );
    }
    let ids: Vec<&Value> = events.iter().map(|e| &e["tree_id"]).collect();
    assert_eq!(ids, [&json!("0x1"), &json!("0x5")]);
}

/// The records of a classic pcap but those numbered in `dropped` (from 1),
/// each kept byte for byte with its header: what `editcap IN OUT N...`
/// keeps, frames deleted, none edited.
fn without_frames(pcap: &[u8], dropped: &[usize]) -> Vec<u8> {
    assert_eq!(pcap[..4], [0xd4, 0xc3, 0xb2, 0xa1], "little-endian µs pcap");
    let mut out = pcap[..24].to_vec();
    let mut at = 24;
    let mut n = 0;
    while let Some(h) = pcap.get(at..at + 16) {
        let len = u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize;
        n += 1;
        if !dropped.contains(&n) {
            out.extend_from_slice(&pcap[at..at + 16 + len]);
        }
        at += 16 + len;
    }
    assert_eq!(at, pcap.len());
    out
}

/// samples/ntlm-success-copy.pcap without frame 206, the server's last
/// data (its TREE_DISCONNECT response, 72 bytes of TCP payload) before its
/// FIN: the FIN's sequence number (tshark: "previous segment(s) not
/// captured", tcp.analysis.lost_segment on it) shows bytes sent that the
/// capture lacks, and the client's ACK of the FIN ("ACKed segment that
/// wasn't captured") that the client received them. Before, no gap was
/// reported: a hole with no later data behind it was never closed. Now
/// the gap is reported on the server's direction, its bytes the FIN's
/// sequence number less the end of the server's last segment, found at
/// the FIN's frame, as tshark has them; and so when the client's last ACK
/// is dropped too (the FIN never acknowledged: the gap is known at the
/// capture's end).
#[test]
fn bytes_missing_before_a_fin_are_a_gap() {
    let src = std::fs::read(common::root().join("samples/ntlm-success-copy.pcap")).expect("sample");
    for dropped in [&[206][..], &[206, 209]] {
        let cut = ScratchFile::new("one-sided", "cut.pcap", &without_frames(&src, dropped));
        let lost = common::tshark_text(
            cut.path(),
            "tcp.analysis.lost_segment",
            &[
                "frame.number",
                "tcp.srcport",
                "tcp.flags.fin",
                "tcp.seq_raw",
            ],
        );
        let f: Vec<&str> = lost.trim_end().split('\t').collect();
        assert_eq!(f[..3], ["207", "445", "1"], "{lost}");
        let fin_seq: u64 = f[3].parse().expect("seq");
        // The end of the server's last segment in the capture before it.
        let before = common::tshark_text(
            cut.path(),
            "tcp.srcport == 445 && frame.number < 207",
            &["tcp.seq_raw", "tcp.len"],
        );
        let last = before.lines().last().expect("a segment");
        let (seq, len) = last.split_once('\t').expect("two fields");
        let end = seq.parse::<u64>().expect("seq") + len.parse::<u64>().expect("len");
        let missing = fin_seq - end;
        assert_eq!(missing, 72);
        let path = cut.path().to_string_lossy();
        let v = report_json(&path);
        let c = &v["connections"][0];
        assert_eq!(
            (&c["gaps"], &c["gap_bytes"], &c["server_gap_bytes"]),
            (&json!(1), &json!(missing), &json!(missing)),
            "dropped {dropped:?}: {c}"
        );
        let o = smbscope(&[&path]);
        let text = String::from_utf8_lossy(&o.stdout);
        let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let note = "Note: 72 bytes of TCP payload missing from the capture (1 gap): tcp.stream 0, in what the server sent: found at frame 207";
        assert!(words.contains(note), "dropped {dropped:?}: {text}");
    }
}

/// The end (sequence number past the last payload byte) of what `port`
/// sent in the capture before frame `before`, as tshark reads it.
fn sent_end(path: &std::path::Path, port: u16, before: u64) -> u64 {
    let rows = common::tshark_text(
        path,
        &format!("tcp.srcport == {port} && tcp.len > 0 && frame.number < {before}"),
        &["tcp.seq_raw", "tcp.len"],
    );
    rows.lines()
        .map(|l| {
            let (seq, len) = l.split_once('\t').expect("two fields");
            seq.parse::<u64>().expect("seq") + len.parse::<u64>().expect("len")
        })
        .max()
        .expect("a segment")
}

/// samples/reset-during-session-setup-port4456.pcap ends with the relay's
/// RST with the ACK bit (frame 11: an abortive close, SO_LINGER 0), whose
/// sequence number is the relay's next (SND.NXT, RFC 9293 3.10.5) and
/// acknowledgement number the next byte it expected from the client
/// (3.1). Cut by dropping whole records: without frame 9 (the relay's
/// last data, 241 bytes) and 10 (the client's, 514 bytes, and its ACK of
/// 9) only the RST shows both were sent; without 10, the RST's
/// acknowledgement shows the client's. tshark flags the RST
/// "ACKed segment that wasn't captured" (tcp.analysis.ack_lost_segment)
/// then, and never "previous segment(s) not captured" (its analysis
/// skips a RST's sequence number); smbscope reports both holes, each the
/// RST's number less the end of the bytes seen before it. Before, the
/// RST's numbers were not read: 0 bytes missing in both cuts.
#[test]
fn bytes_a_rst_shows_sent_are_a_gap() {
    let src =
        std::fs::read(common::root().join("samples/reset-during-session-setup-port4456.pcap"))
            .expect("sample");
    // (dropped, the relay's bytes missing, the client's)
    for (dropped, relay, client) in [(&[10][..], 0, 514), (&[9, 10], 241, 514)] {
        let cut = ScratchFile::new("one-sided", "rst.pcap", &without_frames(&src, dropped));
        let rst_frame = 11 - dropped.len() as u64;
        let rst = common::tshark_text(
            cut.path(),
            "tcp.flags.reset == 1",
            &[
                "frame.number",
                "tcp.flags.ack",
                "tcp.seq_raw",
                "tcp.ack_raw",
                "tcp.analysis.ack_lost_segment",
                "tcp.analysis.lost_segment",
            ],
        );
        let f: Vec<&str> = rst.trim_end_matches('\n').split('\t').collect();
        assert_eq!(f[0], rst_frame.to_string(), "{rst}");
        // The ACK bit, tshark's ack_lost_segment, no lost_segment.
        assert_eq!((f[1], f[4], f[5]), ("1", "1", ""), "{rst}");
        let seq: u64 = f[2].parse().expect("seq");
        let ack: u64 = f[3].parse().expect("ack");
        assert_eq!(seq - sent_end(cut.path(), 4456, rst_frame), relay);
        assert_eq!(ack - sent_end(cut.path(), 44982, rst_frame), client);
        let path = cut.path().to_string_lossy();
        let o = smbscope(&[&path, "--port", "4456", "--format", "json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        let c = &v["connections"][0];
        let gaps = if relay > 0 { 2 } else { 1 };
        assert_eq!(
            (&c["gaps"], &c["gap_bytes"], &c["server_gap_bytes"]),
            (&json!(gaps), &json!(relay + client), &json!(relay)),
            "dropped {dropped:?}: {c}"
        );
    }
}

/// A FIN takes one sequence number and is not a byte (RFC 9293 3.4).
/// samples/ntlm-success-copy.pcap without frame 207, the client's FIN:
/// the server's FIN (now frame 207) acknowledges it, one past the
/// client's last byte (tshark: "ACKed segment that wasn't captured"), and
/// the client's last ACK carries its sequence number (tshark: "previous
/// segment(s) not captured"), yet no byte is missing. Before, that was a
/// gap of one byte; now none. Without frames 206 (the server's last 72
/// bytes) and 207: 72 bytes, not 73.
#[test]
fn a_fin_the_capture_lacks_is_not_a_missing_byte() {
    let src = std::fs::read(common::root().join("samples/ntlm-success-copy.pcap")).expect("sample");
    for (dropped, missing) in [(&[207][..], 0), (&[206, 207], 72)] {
        let cut = ScratchFile::new("one-sided", "fin.pcap", &without_frames(&src, dropped));
        let fin = 208 - dropped.len() as u64;
        let acks = common::tshark_text(
            cut.path(),
            &format!("frame.number == {fin}"),
            &[
                "tcp.flags.fin",
                "tcp.ack_raw",
                "tcp.analysis.ack_lost_segment",
            ],
        );
        let f: Vec<&str> = acks.trim_end().split('\t').collect();
        assert_eq!((f[0], f[2]), ("1", "1"), "{acks}");
        let acked: u64 = f[1].parse().expect("ack");
        // One past the client's bytes: its FIN.
        assert_eq!(acked, sent_end(cut.path(), 46558, fin) + 1);
        let path = cut.path().to_string_lossy();
        let c = report_json(&path)["connections"][0].clone();
        let gaps = u64::from(missing > 0);
        assert_eq!(
            (&c["gaps"], &c["gap_bytes"], &c["server_gap_bytes"]),
            (&json!(gaps), &json!(missing), &json!(missing)),
            "dropped {dropped:?}: {c}"
        );
    }
}

/// The JSON lines of `smbscope FILE --format jsonl` (with `--port N` for
/// a capture named so).
fn jsonl(path: &std::path::Path) -> Vec<Value> {
    let name = path.file_name().expect("name").to_string_lossy();
    let mut args = vec![path.to_string_lossy().into_owned()];
    args.extend(common::port_args(&name));
    args.extend(["--format".to_string(), "jsonl".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = smbscope(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Every SESSION_SETUP request of the samples and the corpus that tshark
/// shows unanswered (`tshark -2`, smb2.cmd == 1 requests without
/// smb2.response_in: frame 10 of four samples whose capture ended, or
/// whose connection was closed, reset or interrupted during the setup,
/// and frame 5 of sv-smb2-oneside-kerberos, which lacks the server's
/// side) has a `session_setup` event in `--format jsonl`, as an answered
/// one has: written when the connection closes (after its
/// `connection_end`), with frame and time the request's (tshark's
/// frame.time_epoch), `round` the unanswered round of the session's
/// `rounds[]` (no response_frame, no status), the session's state
/// (outcome unfinished) and, for the one-sided logon, its
/// `client_went_on`, the session named by the SessionId the client went
/// on with; in the order of the requests before the one-sided tree
/// connects (frames 6, 74). Before, no event was written for them.
#[test]
fn unanswered_session_setups_have_their_session_setup_events() {
    let captures = [
        "capture-ends-before-logon-answer.pcap",
        "client-interrupted-during-session-setup.pcap",
        "close-during-session-setup-port4457.pcap",
        "reset-during-session-setup-port4456.pcap",
        "corpus:sv-smb2-oneside-kerberos.pcap",
    ];
    let mut seen = 0;
    for capture in captures {
        let path = common::capture_path(capture);
        if !path.exists() {
            eprintln!("skipping: {} not present", path.display());
            continue;
        }
        let mut cmd = std::process::Command::new("tshark");
        cmd.arg("-2").arg("-r").arg(&path);
        if let [_, port] = common::port_args(capture).as_slice() {
            cmd.args(["-d", &format!("tcp.port=={port},nbss")]);
        }
        cmd.args([
            "-Y",
            "smb2.cmd == 1 && smb2.flags.response == 0 && !smb2.response_in",
        ]);
        cmd.args([
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "frame.time_epoch",
        ]);
        let out = cmd
            .stderr(std::process::Stdio::null())
            .output()
            .expect("tshark");
        assert!(out.status.success(), "tshark on {capture}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let unanswered: Vec<(&str, &str)> = text
            .lines()
            .map(|l| l.split_once('\t').expect("two fields"))
            .collect();
        assert_eq!(unanswered.len(), 1, "{capture}: {text}");
        let (frame, epoch) = unanswered[0];
        let frame: u64 = frame.parse().expect("frame");
        let lines = jsonl(&path);
        let kinds: Vec<&str> = lines.iter().filter_map(|l| l["type"].as_str()).collect();
        let at = |e: &Value| lines.iter().position(|l| l == e).expect("a line");
        let events: Vec<&Value> = lines
            .iter()
            .filter(|l| l["type"] == "session_setup" && l["frame"] == frame)
            .collect();
        assert_eq!(events.len(), 1, "{capture}: {kinds:?}");
        let e = events[0];
        let end = kinds
            .iter()
            .position(|k| *k == "connection_end")
            .expect("end");
        assert!(end < at(e), "{capture}: {kinds:?}");
        assert_eq!(
            epoch_text(e["time"].as_str().expect("time")),
            epoch,
            "{capture}"
        );
        let sessions: Vec<&Value> = lines.iter().filter(|l| l["type"] == "session").collect();
        assert_eq!(sessions.len(), 1, "{capture}");
        let s = sessions[0];
        let round = s["rounds"]
            .as_array()
            .expect("rounds")
            .iter()
            .find(|r| r["request_frame"] == frame)
            .expect("the round");
        assert_eq!(e["round"], *round, "{capture}");
        assert!(round.get("response_frame").is_none() && round.get("status").is_none());
        for k in [
            "stream",
            "session_id",
            "outcome",
            "user",
            "domain",
            "mechanism",
        ] {
            assert_eq!(e[k], s[k], "{capture}: {k}");
        }
        assert_eq!(e["outcome"], "unfinished");
        assert_eq!(
            e.get("client_went_on"),
            s.get("client_went_on"),
            "{capture}"
        );
        if capture.starts_with("corpus:") {
            assert_eq!(e["session_id"], "0x240004000045");
            assert_eq!(
                e["client_went_on"],
                json!({"first_frame": 6, "last_frame": 82, "requests": 70, "signed_requests": 70})
            );
            let trees: Vec<usize> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l["type"] == "tree_connect")
                .map(|(i, _)| i)
                .collect();
            assert_eq!(trees, [at(e) + 1, at(e) + 2], "{kinds:?}");
        } else {
            assert!(e.get("client_went_on").is_none());
        }
        seen += 1;
    }
    assert!(seen >= 4);
}

/// The trees of sv-smb2-oneside-kerberos, whose TREE_CONNECT responses the
/// capture lacks, list in `files[]` the CREATE requests the client sent
/// with each TreeId it went on with, as tshark reads them (smb2.cmd 5
/// requests: smb2.filename, smb2.create.disposition, smb.access_mask, by
/// smb2.sesid and smb2.tid), in their order: `unanswered` true, no
/// response `frame` and no `action` (the capture holds no response), 0
/// reads and writes (the FileId the response gave is not known); as many
/// as `client_went_on.create_requests`. They are PsExec's pipes (svcctl,
/// PSEXESVC and its stdin, stdout and stderr) on IPC$ and PSEXESVC.exe
/// on ADMIN$, which the remote-execution findings read (PsExec:
/// attack.service_execution, said to be made of the client's requests).
/// Before, `files[]` was absent.
#[test]
fn one_sided_trees_list_the_files_the_client_asked_to_open() {
    let Some(f) = common::corpus_capture("sv-smb2-oneside-kerberos.pcap") else {
        return;
    };
    let rows = common::tshark_text(
        &f,
        "smb2.cmd == 5 && smb2.flags.response == 0",
        &[
            "frame.number",
            "smb2.sesid",
            "smb2.tid",
            "smb2.filename",
            "smb2.create.disposition",
            "smb.access_mask",
        ],
    );
    // [MS-SMB2] 2.2.13 CreateDisposition, as the report names them.
    let dispositions = [
        "supersede",
        "open",
        "create",
        "open_if",
        "overwrite",
        "overwrite_if",
    ];
    let mut want: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for line in rows.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        assert!(!c[2].contains(','), "one CREATE a frame: {line}");
        let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex");
        let key = (format!("{:#x}", hex(c[1])), format!("{:#x}", hex(c[2])));
        let d: usize = c[4].parse().expect("disposition");
        want.entry(key).or_default().push(json!({
            "name": c[3],
            "request_frame": c[0].parse::<u64>().expect("frame"),
            "unanswered": true,
            "disposition": dispositions[d],
            "access": format!("0x{:08x}", hex(c[5])),
        }));
    }
    assert_eq!(want.values().map(Vec::len).sum::<usize>(), 7, "{rows}");
    let v = report_json(&f.to_string_lossy());
    let trees = v["trees"].as_array().expect("trees");
    assert_eq!(trees.len(), 2);
    let mut got: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for t in trees {
        let files = t["files"].as_array().expect("files");
        assert_eq!(
            files.len() as u64,
            t["client_went_on"]["create_requests"]
                .as_u64()
                .expect("count"),
            "{t}"
        );
        let key = (
            t["session_id"].as_str().expect("sid").to_string(),
            t["tree_id"].as_str().expect("tid").to_string(),
        );
        for file in files {
            for k in ["frame", "action"] {
                assert!(file.get(k).is_none(), "{k}: {file}");
            }
            for k in ["reads", "read_bytes", "writes", "write_bytes"] {
                assert_eq!(file[k], 0, "{k}: {file}");
            }
            let share = t["share"].as_str().expect("share");
            assert_eq!(file["pipe"], share.ends_with("IPC$"), "{file}");
            got.entry(key.clone()).or_default().push(json!({
                "name": file["name"],
                "request_frame": file["request_frame"],
                "unanswered": file["unanswered"],
                "disposition": file["disposition"],
                "access": file["desired_access"]["hex"],
            }));
        }
        assert!(t.get("files_omitted").is_none(), "{t}");
    }
    assert_eq!(got, want);
    assert_eq!(
        common::finding_codes(&v),
        ["attack.service_execution", "connection.one_sided"]
    );
}
