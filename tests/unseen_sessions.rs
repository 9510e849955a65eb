//! Sessions the capture shows in use without their SESSION_SETUP
//! (`sessions[]` entries with outcome `unseen` and `unseen_setup`),
//! checked against tshark's SMB2 headers (smb2.sesid, smb2.flags.*,
//! smb2.nt_status, transform headers) and SMB1 headers (smb.uid): a
//! SessionId the server sent a message of, not an error (severity bits 11:
//! STATUS_USER_SESSION_DELETED says there is no such session, [MS-SMB2]
//! 3.3.5.2.9) nor a response to NEGOTIATE or SESSION_SETUP, with no
//! SESSION_SETUP of the capture for it; and its messages, signed and
//! encrypted ones, counted from its first to the LOGOFF that ended it.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// What one such session shows: (first frame, last frame, the server's
/// first message showing it, messages, signed, encrypted, LOGOFF frame).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Seen {
    first: u64,
    last: u64,
    shown: Option<u64>,
    messages: u64,
    signed: u64,
    encrypted: u64,
    logoff: Option<u64>,
}

/// (stream, SessionId, SMB1) → [`Seen`].
type Sessions = BTreeMap<(u64, u64, bool), Seen>;

fn split(s: &str) -> Vec<&str> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').collect()
    }
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or(u64::MAX)
}

/// The sessions tshark's headers show in use without a SESSION_SETUP.
fn theirs(path: &Path, server_ports: &[u64]) -> Sessions {
    let text = common::tshark_text(
        path,
        "smb2 || smb",
        &[
            "frame.number",
            "tcp.stream",
            "tcp.srcport",
            "smb2.cmd",
            "smb2.flags.response",
            "smb2.nt_status",
            "smb2.msg_id",
            "smb2.sesid",
            "smb2.flags.signature",
            "smb2.flags.async",
            "smb2.header.transform.msg_size",
            "smb.cmd",
            "smb.flags.response",
            "smb.uid",
            "smb.nt_status",
            "smb.error_class",
        ],
    );
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    // SessionIds (UIDs per stream) a SESSION_SETUP of the capture names.
    let mut set_up: HashSet<u64> = HashSet::new();
    let mut set_up_smb1: HashSet<(u64, u64)> = HashSet::new();
    for f in &rows {
        let get = |i: usize| f.get(i).copied().unwrap_or("");
        let stream: u64 = get(1).parse().unwrap_or(u64::MAX);
        for (c, s) in split(get(3)).iter().zip(split(get(7))) {
            if *c == "1" {
                set_up.insert(hex(s));
            }
        }
        if split(get(11)).contains(&"0x73") {
            for u in split(get(13)) {
                set_up_smb1.insert((stream, u.parse().unwrap_or(u64::MAX)));
            }
        }
    }
    let mut all = Sessions::new();
    for f in &rows {
        let get = |i: usize| f.get(i).copied().unwrap_or("");
        let frame: u64 = get(0).parse().expect("frame");
        let stream: u64 = get(1).parse().unwrap_or(u64::MAX);
        let from_server = server_ports.contains(&get(2).parse().unwrap_or(0));
        let sids = split(get(7));
        if !get(10).is_empty() && get(3).is_empty() {
            // TRANSFORM headers: encrypted messages of their SessionId.
            for s in sids {
                let sid = hex(s);
                if sid == 0 || set_up.contains(&sid) {
                    continue;
                }
                let e = all.entry((stream, sid, false)).or_insert(Seen {
                    first: frame,
                    ..Seen::default()
                });
                if e.logoff.is_none() {
                    e.messages += 1;
                    e.encrypted += 1;
                    e.last = frame;
                    if from_server {
                        e.shown.get_or_insert(frame);
                    }
                }
            }
            continue;
        }
        let (cmds, resps, statuses) = (split(get(3)), split(get(4)), split(get(5)));
        let (mids, signed, asyncs) = (split(get(6)), split(get(8)), split(get(9)));
        let mut st = statuses.iter();
        for (i, cmd) in cmds.iter().enumerate() {
            let cmd: u64 = cmd.parse().unwrap_or(u64::MAX);
            let response = resps.get(i) == Some(&"1");
            let status = if response {
                st.next().map_or(u64::MAX, |s| hex(s))
            } else {
                0
            };
            let sid = sids.get(i).map_or(0, |s| hex(s));
            let mid = mids.get(i).map_or(0, |m| m.parse().unwrap_or(0));
            // What may go unsigned in a signed session, not counted: an
            // interim response, a notification, a CANCEL request.
            let interim = response && status == 0x103 && asyncs.get(i) == Some(&"1");
            let unsigned_by_rule = interim || mid == u64::MAX || (!response && cmd == 12);
            if sid == 0 || set_up.contains(&sid) || unsigned_by_rule {
                continue;
            }
            if response != from_server {
                continue;
            }
            let shows = response && status >> 30 != 3 && cmd != 0 && cmd != 1;
            if cmd == 1 && !all.contains_key(&(stream, sid, false)) {
                continue;
            }
            let e = all.entry((stream, sid, false)).or_insert(Seen {
                first: frame,
                ..Seen::default()
            });
            if e.logoff.is_some() {
                continue;
            }
            e.messages += 1;
            e.last = frame;
            e.signed += u64::from(signed.get(i) == Some(&"1"));
            if shows {
                e.shown.get_or_insert(frame);
            }
            if response && cmd == 2 && (status == 0 || status == 0xC000_0203) {
                e.logoff = Some(frame);
            }
        }
        // SMB1: a response answered with success, not to NEGOTIATE or
        // SESSION_SETUP_ANDX, with a UID no SESSION_SETUP_ANDX of its
        // connection names (the first command of a chain is the header's).
        let smb1 = split(get(11));
        if let (Some(&c), Some(&uid)) = (smb1.first(), split(get(13)).first()) {
            let uid: u64 = uid.parse().unwrap_or(0);
            let response = get(12).starts_with('1');
            let ok = get(14).split(',').next() == Some("0x00000000")
                || get(15).split(',').next() == Some("0x00");
            if uid != 0 && !set_up_smb1.contains(&(stream, uid)) && c != "0x72" && c != "0x73" {
                let e = all.entry((stream, uid, true)).or_insert(Seen {
                    first: frame,
                    ..Seen::default()
                });
                if e.logoff.is_none() {
                    e.last = frame;
                    if response && ok {
                        e.shown.get_or_insert(frame);
                    }
                    if response && c == "0x74" {
                        e.logoff = Some(frame);
                    }
                }
            }
        }
    }
    // Those the server showed in use.
    all.retain(|_, s| s.shown.is_some());
    all
}

/// The same of our report: the `sessions[]` entries with `unseen_setup`
/// (SMB1 ones' messages not compared: `messages` left 0).
fn ours(v: &serde_json::Value) -> Sessions {
    let mut got = Sessions::new();
    for s in v["sessions"].as_array().expect("sessions") {
        let Some(u) = s.get("unseen_setup") else {
            assert_ne!(s["outcome"], "unseen");
            continue;
        };
        assert_eq!(s["outcome"], "unseen");
        for k in ["status", "mechanism", "user", "domain", "client_principal"] {
            assert!(s[k].is_null(), "{k}");
        }
        assert_eq!(s["rounds"], serde_json::json!([]));
        assert!(s.get("last_setup_frame").is_none());
        let n = |v: &serde_json::Value| v.as_u64().expect("number");
        let smb1 = u.get("smb1").is_some();
        let (messages, signed, encrypted) = if smb1 {
            (0, 0, 0)
        } else {
            (
                n(&s["messages_after_setup"]),
                n(&s["signed_after_setup"]),
                n(&s["encrypted_after_setup"]),
            )
        };
        got.insert(
            (
                n(&s["stream"]),
                hex(s["session_id"].as_str().expect("id")),
                smb1,
            ),
            Seen {
                first: n(&u["first_frame"]),
                last: n(&u["last_frame"]),
                shown: Some(n(&u["shown_frame"])),
                messages,
                signed,
                encrypted,
                logoff: s.get("logoff_frame").map(n),
            },
        );
    }
    got
}

fn report(path: &Path, port: &[String]) -> serde_json::Value {
    let mut args = vec![path.to_str().expect("path"), "--format", "json"];
    args.extend(port.iter().map(String::as_str));
    let out = common::smbscope(&args);
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{}",
        path.display()
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Every capture of samples/ and the corpus: the sessions in use without
/// their SESSION_SETUP agree with tshark's headers, their frames and
/// message counts too.
#[test]
fn sessions_in_use_without_their_setup_agree_with_tshark() {
    let mut paths: Vec<std::path::PathBuf> = common::sample_names()
        .iter()
        .map(|n| common::capture_path(n))
        .collect();
    if let Some(dir) = common::corpus_dir() {
        paths.extend(common::corpus_captures(&dir));
    }
    let mut shown = Vec::new();
    for path in &paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let port = common::port_args(name);
        let mut server_ports = vec![445, 139];
        server_ports.extend(port.get(1).and_then(|p| p.parse::<u64>().ok()));
        let mut want = theirs(path, &server_ports);
        let got = ours(&report(path, &port));
        // One session_in_use event each, at its shown_frame, in frame
        // order with the other events.
        let mut args = vec![path.to_str().expect("path"), "--format", "jsonl"];
        args.extend(port.iter().map(String::as_str));
        let lines = common::smbscope(&args).stdout;
        let mut events = Vec::new();
        let mut last = 0;
        for l in String::from_utf8_lossy(&lines).lines() {
            let e: serde_json::Value = serde_json::from_str(l).expect("line");
            let frame = e["frame"].as_u64();
            if e["type"] == "session_in_use" {
                let f = frame.expect("frame");
                assert!(f >= last, "{name}: out of order at {f}");
                let sid = hex(e["session_id"].as_str().expect("id"));
                let smb1 = e.get("smb1").is_some();
                events.push(((e["stream"].as_u64().expect("stream"), sid, smb1), f));
            }
            if matches!(
                e["type"].as_str(),
                Some("session_setup" | "logoff" | "session_in_use")
            ) {
                last = frame.unwrap_or(last).max(last);
            }
        }
        let at: Vec<_> = got
            .iter()
            .map(|(k, s)| (*k, s.shown.unwrap_or(0)))
            .collect();
        events.sort();
        assert_eq!(events, at, "{name}: session_in_use events");
        for ((_, _, smb1), s) in want.iter_mut() {
            if *smb1 {
                (s.messages, s.signed, s.encrypted) = (0, 0, 0);
            }
        }
        assert_eq!(got, want, "{name}");
        shown.extend(got.keys().map(|k| (name.to_string(), *k)));
    }
    // Seven corpus captures have 8 (one an SMB1 UID); samples/ 3
    // (smb2-capture-after-logon's 2, smb1-capture-after-tree-connect's
    // UID 0x2879).
    let samples = common::sample_names();
    let corpus = shown.iter().filter(|(n, _)| !samples.contains(n)).count();
    assert_eq!(shown.len() - corpus, 3, "{shown:?}");
    if common::corpus_dir().is_some() {
        assert_eq!(corpus, 8, "{shown:?}");
    }
}

/// ndpi-smb2-deletefile-midstream: 84 responses carry SessionId
/// 0x28000000001d (tshark smb2.sesid), none of a SESSION_SETUP; the
/// session is listed with its tree, and the header counts it.
#[test]
fn a_session_in_use_is_listed_with_its_tree() {
    let Some(path) = common::corpus_capture("ndpi-smb2-deletefile-midstream.pcap") else {
        eprintln!("skipping: no corpus");
        return;
    };
    let v = report(&path, &[]);
    let s = &v["sessions"][0];
    assert_eq!(s["session_id"], "0x28000000001d");
    assert_eq!(s["unseen_setup"]["trees"], serde_json::json!(["0x11"]));
    assert_eq!(s["signed"], false);
    assert_eq!(v["trees"][0]["session_id"], "0x28000000001d");
    let text = common::smbscope(&[path.to_str().expect("path")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("1 session(s) in use whose setup is not in the capture,"),
        "{text}"
    );
    assert!(text.contains("SESSION_SETUP not in the capture (first answered at frame 2)"));
    // --session keeps the connection, --failed-only drops the session.
    let only = common::smbscope(&[path.to_str().expect("path"), "--session", "0x28000000001d"]);
    assert!(String::from_utf8_lossy(&only.stdout).contains("0x28000000001d  ?"));
    let failed = common::smbscope(&[path.to_str().expect("path"), "--failed-only"]);
    assert!(!String::from_utf8_lossy(&failed.stdout).contains("unseen"));
    // --user NAME keeps it with its connection and tree (whose user is
    // not known), as check --user keeps the connection.
    let p = path.to_str().expect("path");
    let user = common::smbscope(&[p, "--user", "alice", "--format", "json"]);
    let user: serde_json::Value = serde_json::from_slice(&user.stdout).expect("json");
    assert_eq!(user["connections"].as_array().map(Vec::len), Some(1));
    assert_eq!(user["sessions"][0]["outcome"], "unseen");
    assert_eq!(user["trees"].as_array().map(Vec::len), Some(1));
}

/// An unseen session is no logon of the user's own: `check
/// --expect-success` judges what it did before (a capture without a
/// session set up in it has nothing to check).
#[test]
fn an_unseen_session_is_no_logon_for_expect_success() {
    let Some(path) = common::corpus_capture("zeek-smb2-readwrite-midstream.pcap") else {
        eprintln!("skipping: no corpus");
        return;
    };
    let (code, out) = common::check(&[path.to_str().expect("path"), "--expect-success"]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("PASS"), "{out}");
}
