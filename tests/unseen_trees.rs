//! Trees the capture shows in use without their TREE_CONNECT
//! (`trees[].unseen_connect`), checked against tshark's SMB2 headers: a
//! response, not STATUS_NETWORK_NAME_DELETED, STATUS_USER_SESSION_DELETED
//! nor STATUS_ACCESS_DENIED, to a request on a TreeId no successful
//! TREE_CONNECT response of the capture gave its session ([MS-SMB2]
//! 3.3.5.2.4, 3.3.5.2.9, 3.3.5.2.11), and the CREATEs answered on it
//! (its `opens`, `open_errors`).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// (SessionId, TreeId) → CREATE responses and of them the errors.
type Opens = BTreeMap<(u64, u64), (u64, u64)>;

/// (SessionId, TreeId) → the share type a response shows ("PIPE",
/// "DISK") and that response's frame.
type Types = BTreeMap<(u64, u64), (&'static str, u64)>;

/// (SessionId, TreeId) → CREATE responses and of them the errors (the
/// tree's `opens` and `open_errors`), of the trees tshark's
/// headers show in use without a TREE_CONNECT, in the order first seen.
fn theirs(path: &Path) -> (Opens, Types) {
    let text = common::tshark_text(
        path,
        "smb2",
        &[
            "frame.number",
            "smb2.ioctl.function",
            "smb2.file_attribute.directory",
            "tcp.stream",
            "smb2.cmd",
            "smb2.flags.response",
            "smb2.nt_status",
            "smb2.msg_id",
            "smb2.sesid",
            "smb2.tid",
        ],
    );
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or(u64::MAX);
    let split = |s: &str| -> Vec<String> {
        if s.is_empty() {
            Vec::new()
        } else {
            s.split(',').map(str::to_string).collect()
        }
    };
    // (stream, MessageId) → the request's TreeId.
    let mut asked: HashMap<(u64, u64), u64> = HashMap::new();
    let mut known: Vec<(u64, u64)> = Vec::new();
    let mut unseen = Opens::new();
    let mut types = Types::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let frame: u64 = f.first().and_then(|n| n.parse().ok()).unwrap_or(0);
        // A frame's first IOCTL function and first FileAttributes
        // DIRECTORY bit: of its IOCTL, of its CREATE response, when that
        // is the frame's first command (a compound CREATE comes first).
        let ioctl = f.get(1).and_then(|s| s.split(',').next()).unwrap_or("");
        let directory = f.get(2).and_then(|s| s.split(',').next()) == Some("1");
        let f = f.get(3..).unwrap_or(&[]);
        let get = |i: usize| f.get(i).copied().unwrap_or("");
        let stream: u64 = get(0).parse().unwrap_or(u64::MAX);
        let (cmds, resps, statuses) = (split(get(1)), split(get(2)), split(get(3)));
        let (mids, sids, tids) = (split(get(4)), split(get(5)), split(get(6)));
        let n_resp = resps.iter().filter(|r| *r == "1").count();
        let mut st = statuses.iter();
        for (i, cmd) in cmds.iter().enumerate() {
            let cmd: u16 = cmd.parse().unwrap_or(u16::MAX);
            let mid: u64 = mids.get(i).and_then(|m| m.parse().ok()).unwrap_or(u64::MAX);
            let sid = sids.get(i).map_or(u64::MAX, |s| hex(s));
            let tid = (tids.len() == cmds.len()).then(|| hex(&tids[i]));
            if resps.get(i).map(String::as_str) != Some("1") {
                if let Some(t) = tid {
                    asked.insert((stream, mid), t);
                }
                continue;
            }
            assert_eq!(
                statuses.len(),
                n_resp,
                "{}: statuses of a frame",
                path.display()
            );
            let status = st.next().map_or(u64::MAX, |s| hex(s));
            // An interim response: the final one comes later.
            if status == 0x103 {
                continue;
            }
            let Some(tid) = tid.or_else(|| asked.get(&(stream, mid)).copied()) else {
                continue;
            };
            if cmd == 3 && status == 0 {
                known.push((sid, tid));
                continue;
            }
            // Commands on a tree: TREE_DISCONNECT 4 to SET_INFO 17, but
            // CANCEL 12 and ECHO 13.
            let on_a_tree = (4..=17).contains(&cmd) && cmd != 12 && cmd != 13;
            let refused = [0xC000_00C9, 0xC000_0203, 0xC000_0022].contains(&status);
            if sid == 0 || tid == 0 || !on_a_tree || known.contains(&(sid, tid)) {
                continue;
            }
            if refused && !unseen.contains_key(&(sid, tid)) {
                continue;
            }
            let opens = unseen.entry((sid, tid)).or_default();
            // What shows the share's type ([MS-SMB2] 3.3.5.15.3, 3.3.5.18,
            // 2.2.14): an FSCTL_PIPE_TRANSCEIVE answered; a QUERY_DIRECTORY
            // answered past its directory check; a CREATE of a directory.
            let shown = match cmd {
                11 if cmds.len() == 1
                    && ioctl == "0x0011c017"
                    && (status == 0 || status == 0x8000_0005) =>
                {
                    Some("PIPE")
                }
                14 if [0, 0x8000_0006, 0xC000_000F].contains(&status) => Some("DISK"),
                5 if i == 0 && status == 0 && directory => Some("DISK"),
                _ => None,
            };
            if let Some(t) = shown {
                types.entry((sid, tid)).or_insert((t, frame));
            }
            if cmd == 5 {
                opens.0 += 1;
                opens.1 += u64::from(status != 0 && status != 0x8000_0005);
            }
        }
    }
    (unseen, types)
}

/// The same of our report: `trees[]` entries with `unseen_connect`.
fn ours(path: &Path) -> (Opens, Types, serde_json::Value) {
    let out = common::smbscope(&[path.to_str().expect("path"), "--format", "json"]);
    assert!(out.status.success(), "{}", path.display());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hex = |s: &serde_json::Value| {
        u64::from_str_radix(s.as_str().unwrap_or("").trim_start_matches("0x"), 16).unwrap_or(0)
    };
    let mut got = BTreeMap::new();
    // SMB1 connections' trees are another test's (their_smb1).
    let smb1: Vec<&serde_json::Value> = v["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .filter(|c| c.get("smb1_used_frame").is_some())
        .map(|c| &c["stream"])
        .collect();
    let mut types = Types::new();
    for t in v["trees"].as_array().expect("trees") {
        if t.get("unseen_connect").is_none() || smb1.contains(&&t["stream"]) {
            continue;
        }
        let key = (hex(&t["session_id"]), hex(&t["tree_id"]));
        let shown = &t["unseen_connect"]["share_type_shown"];
        match t["share_type"].as_str() {
            Some(ty) => {
                let ty = if ty == "PIPE" { "PIPE" } else { "DISK" };
                types.insert(key, (ty, shown["frame"].as_u64().expect("frame")));
                // A pipe share's files are pipes, a disk share's not.
                for f in t["files"].as_array().into_iter().flatten() {
                    assert_eq!(f["pipe"], ty == "PIPE");
                }
            }
            None => assert!(shown.is_null()),
        }
        assert!(t["share"].is_null() && t["status"].is_null() && t["request_frame"].is_null());
        let files = t["files"].as_array().map_or(0, Vec::len) as u64;
        let opens = t["opens"].as_u64().expect("opens");
        let errors = t["open_errors"].as_u64().expect("open_errors");
        // A CREATE answered whose request is before the capture is counted
        // and not listed (its name is the request's).
        assert!(files + t["files_omitted"].as_u64().unwrap_or(0) <= opens - errors);
        got.insert(key, (opens, errors));
    }
    (got, types, v)
}

/// The captures that show trees in use without their TREE_CONNECT (six
/// begin mid-connection; smbclient after `logoff; logon` against impacket's
/// server), and one against smbd, which refuses the same requests.
const CAPTURES: &[&str] = &[
    "corpus:ndpi-smb2-deletefile-midstream.pcap",
    "corpus:zeek-smb2-readwrite-midstream.pcap",
    "corpus:zeek-smb2-compound-midstream.pcap",
    "corpus:sv-smb2-async.pcap",
    "corpus:zeek-smb2-multiple-pdus.pcap",
    "corpus:sv-smb21-psexec-kerberos-port139.pcap",
    "smbclient-impacket-server-logoff-relogon.pcap",
    "smbclient-logoff-relogon-smbd.pcap",
    "ntlm-success-copy.pcap",
    "smb2-capture-after-logon.pcap",
];

#[test]
fn trees_in_use_without_their_tree_connect_agree_with_tshark() {
    let mut shown = 0;
    let mut types = std::collections::BTreeSet::new();
    for c in CAPTURES {
        let path = common::capture_path(c);
        if !path.exists() {
            eprintln!("skipping: {} not present", path.display());
            continue;
        }
        let (want, want_types) = theirs(&path);
        let (got, got_types, _) = ours(&path);
        assert_eq!(got, want, "{c}");
        assert_eq!(got_types, want_types, "{c}");
        shown += got.len();
        types.extend(got_types.into_values().map(|(t, _)| t));
    }
    // Of the trees in the corpus and samples/, pipe and disk shares.
    assert!(
        types.contains("PIPE") && types.contains("DISK"),
        "{types:?}"
    );
    // The six corpus captures give 7; samples/ alone 1.
    assert!(shown >= 1, "no capture showed such a tree");
}

/// smbclient's second session goes on with the first one's TreeId: smbd
/// refuses it (its tree connects are the session's), impacket's server
/// answers, and the tree tells whose TreeId it was.
#[test]
fn a_tree_id_of_a_logged_off_session_is_told() {
    let (got, _, v) = ours(&common::capture_path(
        "smbclient-impacket-server-logoff-relogon.pcap",
    ));
    assert_eq!(got.len(), 1);
    let t = v["trees"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t.get("unseen_connect").is_some()))
        .expect("tree");
    // tshark: frame 13 TREE_CONNECT response, SessionId 0x3f01d432, TreeId
    // 1; frame 31 its LOGOFF response; frame 37 the first CREATE response
    // of session 0x2ecb051d with TreeId 1.
    assert_eq!(
        t["unseen_connect"],
        serde_json::json!({"first_frame": 37, "given_to": {
            "session_id": "0x3f01d432", "share": "\\\\127.0.0.4\\SHARE",
            "response_frame": 13, "logoff_frame": 31},
            // tshark: frame 37's CREATE response has FileAttributes
            // DIRECTORY (smb2.file_attribute.directory 1).
            "share_type_shown": {"frame": 37, "by": "CREATE of a directory"}})
    );
    let text = common::smbscope(&[&common::sample(
        "smbclient-impacket-server-logoff-relogon.pcap",
    )]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("1 tree connect(s), 1 tree(s) in use without one in the capture,"),
        "{text}"
    );
    assert!(text.contains("TREE_CONNECT not in the capture (first answered at frame 37)"));
    let (got, _, _) = ours(&common::capture_path("smbclient-logoff-relogon-smbd.pcap"));
    assert!(got.is_empty(), "smbd answered STATUS_NETWORK_NAME_DELETED");
}

/// SMB1 trees by (stream, UID, TID).
type Smb1Trees = BTreeMap<(u64, u64, u64), ()>;

/// (stream, UID, TID) of the SMB1 trees tshark's headers show in use
/// without a TREE_CONNECT_ANDX of the capture: a response of a UID (not 0)
/// on a TID (not 0 nor 0xFFFF, which clients send for no tree) to a
/// command on a tree (not NEGOTIATE 0x72, SESSION_SETUP_ANDX 0x73,
/// LOGOFF_ANDX 0x74, TREE_CONNECT 0x70, TREE_CONNECT_ANDX 0x75, ECHO 0x2b,
/// NT_CANCEL 0xa4, LOCKING_ANDX 0x24), that no successful
/// TREE_CONNECT_ANDX response of the stream gave (or whose tree a
/// TREE_DISCONNECT 0x71 ended since), not answered with a
/// status that refuses the TID or the UID ([MS-CIFS] 3.3.5.2, 2.2.2.4):
/// STATUS_NETWORK_NAME_DELETED, STATUS_USER_SESSION_DELETED,
/// STATUS_ACCESS_DENIED, STATUS_SMB_BAD_TID, STATUS_SMB_BAD_UID,
/// ERRSRV/ERRinvtid, ERRSRV/ERRbaduid, ERRDOS/ERRnoaccess, ERRDOS/0x0040
/// (smbd's DOS form of STATUS_NETWORK_NAME_DELETED), and to an
/// NT_CREATE_ANDX STATUS_INVALID_HANDLE or ERRDOS/ERRbadfid (smbd's answer
/// to that command on a TID it does not have). Also the count of
/// responses on a TID of no tree that such a status refused, and the
/// streams with SMB1 responses.
fn their_smb1(path: &Path) -> (Smb1Trees, usize, Vec<u64>) {
    let text = common::tshark_text(
        path,
        "smb.flags.response == 1",
        &[
            "tcp.stream",
            "smb.cmd",
            "smb.nt_status",
            "smb.error_class",
            "smb.error_code",
            "smb.uid",
            "smb.tid",
        ],
    );
    let num = |s: &str| {
        s.strip_prefix("0x")
            .map_or_else(|| s.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
    };
    let mut known = Vec::new();
    let mut unseen = BTreeMap::new();
    let mut refused = 0;
    let mut streams = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let first = |i: usize| f.get(i).and_then(|v| v.split(',').next()).and_then(num);
        let (Some(stream), Some(cmd), Some(uid), Some(tid)) =
            (first(0), first(1), first(5), first(6))
        else {
            continue;
        };
        if !streams.contains(&stream) {
            streams.push(stream);
        }
        let cmds: Vec<u64> = f[1].split(',').filter_map(num).collect();
        let nt = first(2);
        let dos = (first(3).unwrap_or(0), first(4).unwrap_or(0));
        let ok = nt.is_none_or(|s| s == 0) && dos == (0, 0);
        if cmds.contains(&0x75) && ok {
            known.push((stream, uid, tid));
            continue;
        }
        // A TREE_DISCONNECT ends the tree: its TID is none after it (one
        // of a tree not known shows it, as any response).
        if cmd == 0x71 && ok && known.contains(&(stream, uid, tid)) {
            known.retain(|k| *k != (stream, uid, tid));
            continue;
        }
        if uid == 0
            || tid == 0
            || tid == 0xffff
            || [0x72, 0x73, 0x74, 0x70, 0x75, 0x2b, 0xa4, 0x24].contains(&cmd)
            || known.contains(&(stream, uid, tid))
        {
            continue;
        }
        let last = cmds
            .iter()
            .rev()
            .find(|&&c| c != 0xff)
            .copied()
            .unwrap_or(cmd);
        let refuses = nt.is_some_and(|s| {
            [
                0xC000_00C9,
                0xC000_0203,
                0xC000_0022,
                0x0005_0002,
                0x005B_0002,
            ]
            .contains(&s)
                || (last == 0xa2 && s == 0xC000_0008)
        }) || nt.is_none()
            && ([(2, 5), (2, 0x5b), (1, 5), (1, 0x40)].contains(&dos)
                || (last == 0xa2 && dos == (1, 6)));
        if refuses {
            refused += usize::from(!unseen.contains_key(&(stream, uid, tid)));
            continue;
        }
        unseen.insert((stream, uid, tid), ());
    }
    (unseen, refused, streams)
}

/// SMB1 trees in use without their TREE_CONNECT_ANDX: (stream, UID, TID)
/// of `trees[]` with `unseen_connect` equal tshark's on every SMB1 capture
/// of samples/ and the corpus. smb1-capture-after-tree-connect (smbclient
/// connected before the capture), smb1-capture-after-logon-errors-only and
/// corpus sv-smb21-psexec-kerberos-port139 show one each; smb1-nt-stale-tid and smb1-dos-stale-tid send requests
/// on the TID of a tree they disconnected, which smbd refuses (tshark:
/// frame 19 0xc00000c9 / ERRDOS 0x0040, frame 21 0xc0000008 / ERRDOS
/// 0x0006): no tree for them. Before, SMB1 made no such tree.
#[test]
fn smb1_trees_in_use_without_their_tree_connect_agree_with_tshark() {
    // sv-smb21-psexec-kerberos-port139's SMB1 connection (tcp.stream 4)
    // begins mid-stream with a TREE_DISCONNECT of UID 2048 TID 2048
    // answered with success.
    let paths = common::smb1_captures(&["sv-smb21-psexec-kerberos-port139.pcap"]);
    let (mut shown, mut refused) = (0, 0);
    for path in &paths {
        let (want, r, streams) = their_smb1(path);
        let out = common::smbscope(&[path.to_str().expect("path"), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let hex = |s: &serde_json::Value| {
            u64::from_str_radix(s.as_str().unwrap_or("").trim_start_matches("0x"), 16)
                .unwrap_or(u64::MAX)
        };
        let got: Smb1Trees = v["trees"]
            .as_array()
            .expect("trees")
            .iter()
            .filter(|t| t.get("unseen_connect").is_some())
            .filter(|t| t["stream"].as_u64().is_some_and(|s| streams.contains(&s)))
            .map(|t| {
                let stream = t["stream"].as_u64().expect("stream");
                ((stream, hex(&t["session_id"]), hex(&t["tree_id"])), ())
            })
            .collect();
        assert_eq!(got, want, "{}", path.display());
        shown += got.len();
        refused += r;
    }
    assert!(shown >= 2, "{shown} SMB1 trees without their connect");
    eprintln!(
        "{} captures, {shown} trees, {refused} refusals",
        paths.len()
    );
    assert!(refused >= 4, "{refused} refusals of a TID");
}

/// smbclient's put, get, ls and rm on a tree connected before the capture
/// began, then its `tdis` and an `ls` on TID 0 (tshark: NT_CREATE_ANDX
/// responses at frames 2 and 14, TREE_DISCONNECT response 42, frame 45
/// TRANS2 0xc00000c9 with TID 0): one tree, its opens, reads and writes
/// with their bytes, ended by the TREE_DISCONNECT; the refusal at frame 45
/// makes none and names none.
#[test]
fn an_smb1_tree_connected_before_the_capture() {
    let path = common::capture_path("smb1-capture-after-tree-connect.pcap");
    let out = common::smbscope(&[path.to_str().expect("path"), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let trees = v["trees"].as_array().expect("trees");
    assert_eq!(trees.len(), 1, "{trees:?}");
    let t = &trees[0];
    assert_eq!(t["unseen_connect"], serde_json::json!({"first_frame": 2}));
    let n = |k: &str| t[k].as_u64().expect(k);
    assert_eq!(
        [
            n("disconnect_frame"),
            n("opens"),
            n("reads"),
            n("read_bytes")
        ],
        [42, 2, 2, 100_000]
    );
    assert_eq!([n("writes"), n("write_bytes")], [1, 100_000]);
    let e = &v["connections"][0]["errors"][0];
    assert_eq!(
        (&e["frame"], &e["status"]),
        (&45.into(), &"STATUS_NETWORK_NAME_DELETED".into())
    );
    assert!(e.get("tree_id").is_none());
    let text = common::smbscope(&[path.to_str().expect("path")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("1 tree(s) in use without one in the capture"),
        "{text}"
    );
    assert!(text.contains("TREE_CONNECT not in the capture (first answered at frame 2)"));
}
