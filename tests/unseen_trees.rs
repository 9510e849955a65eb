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
    let mut types = Types::new();
    for t in v["trees"].as_array().expect("trees") {
        if t.get("unseen_connect").is_none() {
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
