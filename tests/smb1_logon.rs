//! SMB1 logons and tree connects against tshark: for every capture of
//! samples/ and ../shared/corpus/public with an SMB_COM_SESSION_SETUP_ANDX
//! or SMB_COM_TREE_CONNECT_ANDX, each field we read from those messages
//! ([MS-CIFS] 2.2.4.53, 2.2.4.55; [MS-SMB] 2.2.4.6) equals tshark's for the
//! same frame, and every such message tshark decodes we decode too. Then the
//! report's sessions: the user of each SMB1 session is the account or the
//! NTLMSSP user tshark shows in its setup, and its SessionId is the UID.
//!
//! tshark runs live (as in tests/auth_corpus.rs); without it the test says
//! so and checks nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use serde_json::Value;
use smbscope::capture::CaptureReader;
use smbscope::ntstatus::NtStatus;
use smbscope::pipeline::{self, Event, Kind, Options};
use smbscope::report::messages::MessageJson;

/// (our key under `smb1.session_setup` / `smb1.tree_connect`, tshark field)
const FIELDS: &[(&str, &str)] = &[
    ("account", "smb.account"),
    ("primary_domain", "smb.primary_domain"),
    ("native_os", "smb.native_os"),
    ("native_lanman", "smb.native_lanman"),
    ("oem_password_length", "smb.ansi_pwlen"),
    ("unicode_password_length", "smb.unicode_pwlen"),
    ("security_blob_length", "smb.security_blob_len"),
    ("path", "smb.path"),
    ("service", "smb.service"),
    ("native_file_system", "smb.native_fs"),
];

/// Where tshark differs, with the reason: (capture, frame, field).
///
/// sv-smb21-kerberos-many-sessions 186 is an MS17-010 grooming request
/// with Flags2 UNICODE and an empty security blob: its bytes begin at the
/// odd offset 59 with f0 ff 00 00 00. [MS-CIFS] 2.2.3.1 aligns Unicode
/// strings to 16 bits from the SMB header's start, so f0 is the pad and
/// NativeOS is the UTF-16 unit ff 00 (U+00FF); tshark 4.0 gives the single
/// byte 0xff.
///
/// smb1-impacket-server-logoff-relogon 13, 25 and 37: impacket's SMB1
/// server writes the TREE_CONNECT_ANDX response's NativeFileSystem, "NTFS"
/// in UTF-16, right after the OEM Service at the odd offset 47 from the
/// SMB header, without the pad byte [MS-CIFS] 2.2.3.1 puts before a
/// Unicode string there. Both read the same 8 bytes from the aligned
/// offset 48 (tshark's smb.native_fs_raw: 0054004600530000), U+5400
/// U+4600 U+5300 in UTF-16LE; tshark 4.0 shows them as "???".
const KNOWN: &[(&str, u64, &str)] = &[
    ("sv-smb21-kerberos-many-sessions.pcap", 186, "smb.native_os"),
    (
        "smb1-impacket-server-logoff-relogon.pcap",
        13,
        "smb.native_fs",
    ),
    (
        "smb1-impacket-server-logoff-relogon.pcap",
        25,
        "smb.native_fs",
    ),
    (
        "smb1-impacket-server-logoff-relogon.pcap",
        37,
        "smb.native_fs",
    ),
];

fn captures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = Vec::new();
    for d in [root.join("samples"), root.join("../shared/corpus/public")] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let n = p.to_string_lossy();
            if n.ends_with(".pcap") || n.ends_with(".pcapng") {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

/// tshark's values per frame for the SMB1 logon and tree connect messages;
/// None when tshark is not there (a tshark that fails is a test failure).
fn theirs(path: &Path) -> Option<BTreeMap<u64, BTreeMap<String, String>>> {
    let mut cmd = common::tshark_fields(path, "smb.cmd == 0x73 || smb.cmd == 0x75", '|');
    cmd.args(["-E", "header=y"]);
    cmd.args(["-e", "frame.number", "-e", "smb.cmd", "-e", "smb.uid"]);
    cmd.args(["-e", "smb.flags.response"]);
    cmd.args(["-e", "smb.setup.action"]);
    for (_, f) in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().ok()?;
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next()?.split('\t').map(str::to_string).collect();
    let mut rows = BTreeMap::new();
    for line in lines {
        let cols: Vec<&str> = line.split('\t').collect();
        let Some(frame) = cols.first().and_then(|f| f.parse::<u64>().ok()) else {
            continue;
        };
        let mut row: BTreeMap<String, String> = header
            .iter()
            .zip(cols)
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        // tshark repeats the tree's path (smb.path, generated from the TID)
        // under the header of later messages: a request's own Path is the
        // last, and a response, or a request without a TREE_CONNECT_ANDX,
        // has none of its own (impacket's SMB1 client keeps the TID of a
        // disconnected tree in its next SESSION_SETUP_ANDX's header, which
        // tshark then names: smb1-impacket-server-logoff-relogon frame 20).
        let response = row.get("smb.flags.response").map(String::as_str) == Some("1");
        let tree = row
            .get("smb.cmd")
            .is_some_and(|c| c.split('|').any(|c| c == "0x75"));
        if let Some(p) = row.remove("smb.path") {
            if !response && tree {
                let own = p.rsplit('|').next().unwrap_or("").to_string();
                row.insert("smb.path".into(), own);
            }
        }
        for v in row.values_mut() {
            if let Some((first, _)) = v.split_once('|') {
                *v = first.to_string();
            }
        }
        rows.insert(frame, row);
    }
    Some(rows)
}

/// How many SMB1 SESSION_SETUP_ANDX messages the capture holds, and
/// whether it holds SMB2 messages (our own reading: tshark is slow to run
/// on every capture, and tests/differential.rs holds our message list to
/// tshark's).
fn kinds(path: &Path) -> (usize, bool) {
    let mut reader = CaptureReader::new(File::open(path).expect("opens")).expect("capture");
    let (mut setups, mut smb2) = (0, false);
    pipeline::run(&mut reader, &Options::default(), |ev| {
        let Event::Message(m) = ev else { return };
        match m.kind {
            Kind::Smb1 if m.smb1.is_some_and(|s| s.command == 0x73) => setups += 1,
            Kind::Smb2 => smb2 = true,
            _ => {}
        }
    });
    (setups, smb2)
}

/// Our decoded SMB1 logon / tree connect objects per frame, and the UIDs.
fn ours(path: &Path) -> BTreeMap<u64, (Value, u64)> {
    let mut reader = CaptureReader::new(File::open(path).expect("opens")).expect("capture");
    let mut out = BTreeMap::new();
    pipeline::run(&mut reader, &Options::default(), |ev| {
        let Event::Message(m) = ev else { return };
        if m.kind != Kind::Smb1 {
            return;
        }
        let dec = m.decode();
        let v = serde_json::to_value(MessageJson { msg: m, dec: &dec }).expect("serializes");
        let uid = v.pointer("/smb1/uid").and_then(Value::as_u64).unwrap_or(0);
        // A TREE_CONNECT_ANDX chained to a SESSION_SETUP_ANDX is in the
        // same message: their keys, which differ, in one object.
        for k in ["session_setup", "tree_connect"] {
            if let Some(Value::Object(o)) = v.pointer(&format!("/smb1/{k}")) {
                let (all, _) = out
                    .entry(m.frame)
                    .or_insert_with(|| (Value::Object(Default::default()), uid));
                if let Value::Object(all) = all {
                    all.extend(o.clone());
                }
            }
        }
    });
    out
}

/// Whether the capture holds any SMB1 message (tests/differential.rs
/// holds our SMB1 messages to tshark's, so one without is not run by
/// tshark here).
fn ours_any_smb1(path: &Path) -> bool {
    let mut reader = CaptureReader::new(File::open(path).expect("opens")).expect("capture");
    let mut any = false;
    pipeline::run(&mut reader, &Options::default(), |ev| {
        if let Event::Message(m) = ev {
            any |= m.kind == Kind::Smb1;
        }
    });
    any
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[test]
fn smb1_logons_and_tree_connects_agree_with_tshark() {
    let (mut files, mut messages, mut values) = (0, 0, 0);
    let mut problems = Vec::new();
    for cap in captures() {
        let name = cap.file_name().unwrap().to_string_lossy().to_string();
        if !ours_any_smb1(&cap) {
            continue;
        }
        let Some(theirs) = theirs(&cap) else {
            println!("note: tshark did not run; nothing checked");
            return;
        };
        if theirs.is_empty() {
            continue;
        }
        files += 1;
        let ours = ours(&cap);
        for (frame, row) in &theirs {
            let Some((o, uid)) = ours.get(frame) else {
                // An error response has none of the fields (WordCount 0).
                if FIELDS.iter().any(|(_, f)| row.contains_key(*f)) {
                    problems.push(format!(
                        "{name} frame {frame}: tshark decodes it, we do not"
                    ));
                }
                continue;
            };
            messages += 1;
            if row.get("smb.uid").map(String::as_str) != Some(&uid.to_string()) {
                problems.push(format!("{name} frame {frame}: uid {uid}, tshark {row:?}"));
            }
            for (key, field) in FIELDS {
                let mine = o.get(key).and_then(text);
                let t = row.get(*field).cloned();
                if KNOWN.contains(&(name.as_str(), *frame, *field)) {
                    continue;
                }
                // tshark shows an empty string as no value.
                if mine.as_deref().filter(|s| !s.is_empty()) != t.as_deref() {
                    problems.push(format!(
                        "{name} frame {frame} {field}: ours {mine:?}, tshark {t:?}"
                    ));
                } else if t.is_some() {
                    values += 1;
                }
            }
            let guest = o
                .get("action")
                .and_then(Value::as_array)
                .map(|a| a.iter().any(|x| x == "GUEST"));
            if let (Some(g), Some(a)) = (guest, row.get("smb.setup.action")) {
                let bit = u16::from_str_radix(a.trim_start_matches("0x"), 16).unwrap_or(0) & 1;
                if g != (bit == 1) {
                    problems.push(format!(
                        "{name} frame {frame}: guest {g}, tshark action {a}"
                    ));
                }
            }
        }
    }
    println!("{files} capture(s), {messages} SMB1 logon/tree connect message(s), {values} value(s) agree");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    if files > 0 {
        assert!(values > 0, "SMB1 messages found but no value compared");
    }
}

/// The report of an SMB1 capture: sessions by UID, with the account (or
/// NTLMSSP user) tshark shows in their setup, and the shares tshark shows
/// in their tree connects.
#[test]
fn smb1_sessions_in_the_report_agree_with_tshark() {
    let exe = env!("CARGO_BIN_EXE_smbscope");
    let mut checked = 0;
    for cap in captures() {
        let name = cap.file_name().unwrap().to_string_lossy().to_string();
        // Only SMB1 captures with a logon: the users tshark lists are SMB1's.
        let (smb1_setups, smb2) = kinds(&cap);
        if smb1_setups == 0 || smb2 {
            continue;
        }
        let mut cmd = std::process::Command::new("tshark");
        cmd.arg("-r")
            .arg(&cap)
            .args(["-Y", "smb.flags.response == 0"]);
        cmd.args(["-T", "fields", "-E", "aggregator=|", "-e", "smb.cmd"]);
        cmd.args(["-e", "smb.account", "-e", "ntlmssp.auth.username"]);
        cmd.args(["-e", "smb.path"]);
        let Ok(out) = cmd.output() else {
            println!("note: tshark did not run; nothing checked");
            return;
        };
        assert!(out.status.success(), "{name}: tshark failed");
        let (mut users, mut shares) = (BTreeSet::new(), BTreeSet::new());
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let f: Vec<&str> = line.split('\t').collect();
            // smb.cmd lists the AndX commands after the first (a
            // TREE_CONNECT_ANDX may be chained to a SESSION_SETUP_ANDX);
            // smb.path the tree's path (from the TID) before the request's
            // own, the last.
            let cmds: Vec<&str> = f
                .first()
                .map(|c| c.split('|').collect())
                .unwrap_or_default();
            if cmds.first() == Some(&"0x73") {
                users.extend(
                    f[1..]
                        .iter()
                        .take(2)
                        .filter(|u| !u.is_empty() && **u != "NULL")
                        .map(|u| u.to_string()),
                );
            }
            if cmds.contains(&"0x75") {
                shares.extend(
                    f.get(3)
                        .and_then(|p| p.rsplit('|').next())
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                );
            }
        }
        let out = std::process::Command::new(exe)
            .arg(&cap)
            .args(["--format", "json"])
            .output()
            .expect("runs");
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        let sessions = v["sessions"].as_array().expect("sessions");
        assert!(
            !sessions.is_empty(),
            "{name}: no session from its SMB1 logons"
        );
        let ours: BTreeSet<String> = sessions
            .iter()
            .filter_map(|s| s["user"].as_str().map(str::to_string))
            .collect();
        assert_eq!(ours, users, "{name}: session users");
        let our_shares: BTreeSet<String> = v["trees"]
            .as_array()
            .expect("trees")
            .iter()
            .filter_map(|t| t["share"].as_str().map(str::to_string))
            .collect();
        assert_eq!(our_shares, shares, "{name}: shares");
        checked += 1;
    }
    println!("{checked} capture(s) with SMB1 logons checked");
}

/// One SMB1 tree connect as tshark shows it: (stream, response frame) →
/// (request frame, share, UID, TID when it succeeded, status).
type TreeRows = BTreeMap<(u64, u64), (u64, String, String, Option<String>, String)>;

/// tshark's SMB1 tree connects, the header's own TREE_CONNECT_ANDX or one
/// chained to a SESSION_SETUP_ANDX (smb.cmd 0x73,0x75,0xff): per response,
/// its request (smb.response_to), the request's Path (its last smb.path:
/// tshark puts the tree's path from the TID before it), the UID, the TID,
/// and the status, the Status when TREE_CONNECT_ANDX is the chain's last
/// command and success when one follows it ([MS-CIFS] 3.2.5.1.3). None
/// when tshark is not there.
fn their_trees(path: &Path) -> Option<TreeRows> {
    let mut cmd = common::tshark_fields(path, "smb.cmd == 0x75", '|');
    for f in [
        "frame.number",
        "tcp.stream",
        "smb.cmd",
        "smb.flags.response",
        "smb.path",
        "smb.uid",
        "smb.tid",
        "smb.flags2.nt_error",
        "smb.nt_status",
        "smb.error_class",
        "smb.error_code",
        "smb.response_to",
    ] {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().ok()?;
    assert!(out.status.success(), "tshark failed on {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let hex = |s: &str| u32::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex");
    let (mut paths, mut rows) = (BTreeMap::new(), TreeRows::new());
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let frame: u64 = f[0].parse().expect("frame");
        if f[3] != "1" {
            paths.insert(frame, f[4].rsplit('|').next().unwrap_or("").to_string());
            continue;
        }
        let cmds: Vec<&str> = f[2].split('|').filter(|c| *c != "0xff").collect();
        let status = if cmds.last() != Some(&"0x75") {
            NtStatus::SUCCESS
        } else if f[7] == "1" {
            NtStatus(hex(f[8]))
        } else {
            let class = u8::try_from(hex(f[9])).expect("class");
            NtStatus::dos(class, u16::try_from(hex(f[10])).expect("code"))
        };
        let request: u64 = f[11].parse().expect("smb.response_to");
        let ok = status == NtStatus::SUCCESS;
        let tid = ok.then(|| format!("{:#x}", f[6].parse::<u64>().expect("tid")));
        let uid = format!("{:#x}", f[5].parse::<u64>().expect("uid"));
        let share = paths.get(&request).cloned().unwrap_or_default();
        let stream = f[1].parse().expect("stream");
        rows.insert(
            (stream, frame),
            (request, share, uid, tid, status.to_string()),
        );
    }
    Some(rows)
}

/// Every SMB1 tree connect of the samples and the corpus, a
/// TREE_CONNECT_ANDX chained to a SESSION_SETUP_ANDX included
/// (smb1-chained-tree-connect, smb1-chained-tree-connect-bad-share), is a
/// tree of the report with tshark's share, UID, TID (when it succeeded),
/// status and frames.
#[test]
fn smb1_trees_agree_with_tshark() {
    let (mut checked, mut chained) = (0, 0);
    let mut problems = Vec::new();
    for cap in captures() {
        let name = cap.file_name().unwrap().to_string_lossy().to_string();
        if !ours_any_smb1(&cap) {
            continue;
        }
        let Some(theirs) = their_trees(&cap) else {
            println!("note: tshark did not run; nothing checked");
            return;
        };
        if theirs.is_empty() {
            continue;
        }
        let v = report(&cap);
        let ours: TreeRows = v["trees"]
            .as_array()
            .expect("trees")
            .iter()
            .filter_map(|t| {
                let key = (t["stream"].as_u64()?, t["response_frame"].as_u64()?);
                theirs.contains_key(&key).then(|| {
                    let s = |k: &str| t[k].as_str().unwrap_or("").to_string();
                    let tid = t["tree_id"].as_str().map(str::to_string);
                    let request = t["request_frame"].as_u64().unwrap_or(0);
                    (
                        key,
                        (request, s("share"), s("session_id"), tid, s("status")),
                    )
                })
            })
            .collect();
        for (key, want) in &theirs {
            match ours.get(key) {
                Some(got) if got == want => checked += 1,
                got => problems.push(format!("{name} {key:?}: ours {got:?}, tshark {want:?}")),
            }
        }
        if name.starts_with("smb1-chained-tree-connect") {
            chained += theirs.len();
        }
    }
    println!("{checked} SMB1 tree connect(s) agree with tshark, {chained} chained");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    if checked > 0 {
        assert_eq!(chained, 2, "the chained tree connects of the samples");
    }
}

mod common;
mod pcap_build;

fn report(path: &Path) -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smbscope"))
        .arg(path)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    serde_json::from_slice(&out.stdout).expect("json")
}

fn corpus(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/public")
        .join(name);
    p.exists().then_some(p)
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The sessions of a report by stream: (session id, outcome, user,
/// messages after setup, signed after setup, signed).
fn sessions(v: &Value) -> Vec<(u64, String, String, Value, u64, u64, bool)> {
    v["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| {
            (
                s["stream"].as_u64().unwrap(),
                s["session_id"].as_str().unwrap().to_string(),
                s["outcome"].as_str().unwrap().to_string(),
                s["user"].clone(),
                s["messages_after_setup"].as_u64().unwrap(),
                s["signed_after_setup"].as_u64().unwrap(),
                s["signed"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// SMB1 signing as the capture shows it ([MS-CIFS] 3.1.5.1): arkime's
/// session signs its 6 messages after setup (tshark: smb.flags2.sec_sig 1
/// with a signature); the anonymous SMB1 session of sv-smb2-ntlm-logon-
/// failure (stream 1) sets the flag with an all-zero SecuritySignature
/// (tshark smb.signature 00:…:00; its server's NEGOTIATE, frame 239, has
/// signatures not enabled): not signed. Its LOGOFF_ANDX (frames 259/260)
/// ends it.
#[test]
fn smb1_signing_counts_signatures_not_flags() {
    let Some(a) = corpus("arkime-smb1-vlan-ntlm.pcap") else {
        return;
    };
    let s = sessions(&report(&a));
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].4, s[0].5, s[0].6), (6, 6, true), "{s:?}");
    let Some(b) = corpus("sv-smb2-ntlm-logon-failure.pcap") else {
        return;
    };
    let v = report(&b);
    let anon: Vec<_> = v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["stream"] == 1)
        .collect();
    assert_eq!(anon.len(), 1);
    assert_eq!(anon[0]["outcome"], "anonymous");
    assert_eq!(anon[0]["messages_after_setup"], 10);
    assert_eq!(anon[0]["signed_after_setup"], 0);
    assert_eq!(anon[0]["signed"], false);
    assert_eq!(anon[0]["logoff_frame"], 260);
}

/// UIDs and TIDs are each connection's own ([MS-CIFS] 2.2.1.6): in
/// sv-smb21-kerberos-many-sessions, Windows gives UID 0x800 on streams 4, 5
/// and 19. Each session counts only its own connection's messages: stream
/// 4's 27 after its setup (tshark: the SMB frames of tcp.stream 4 with
/// smb.uid 2048 after frame 112, the setup's response), none on 5 and 19,
/// whose setups (empty security blobs, no credentials) are null sessions.
/// smb1-ntlm-success's two TREE_DISCONNECTs (frames 17 and 33) end the
/// trees of IPC$ and SHARE.
#[test]
fn smb1_uids_and_tids_are_per_connection() {
    if let Some(p) = corpus("sv-smb21-kerberos-many-sessions.pcap") {
        let v = report(&p);
        let smb1: Vec<_> = sessions(&v)
            .into_iter()
            .filter(|s| s.1 == "0x800")
            .map(|s| (s.0, s.2, s.4))
            .collect();
        assert_eq!(
            smb1,
            [
                (4, "anonymous".to_string(), 27),
                (5, "anonymous".to_string(), 0),
                (19, "anonymous".to_string(), 0)
            ]
        );
    }
    let v = report(&sample("smb1-ntlm-success.pcap"));
    let trees: Vec<(String, Value)> = v["trees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["share"].as_str().unwrap().to_string(),
                t["disconnect_frame"].clone(),
            )
        })
        .collect();
    assert_eq!(
        trees,
        [
            ("\\\\127.0.0.2\\IPC$".to_string(), Value::from(17)),
            ("\\\\127.0.0.2\\SHARE".to_string(), Value::from(33)),
        ]
    );
}

/// A SESSION_SETUP_ANDX without extended security cut by the snaplen
/// in its passwords or its account name (smb1-no-spnego-wrong-password:
/// the request is frame 8, its bytes from 131 of the frame, 48 bytes of
/// passwords, a pad byte, then AccountName "bob" in UTF-16 at 180..188)
/// gives no name rather than a part of it or an empty one: the logon is not
/// taken for an anonymous one, and no "b" appears.
#[test]
fn smb1_logon_cut_in_its_account_names_nobody() {
    let whole = std::fs::read(sample("smb1-no-spnego-wrong-password.pcap")).unwrap();
    let dir = common::ScratchDir::new("smb1-cut");
    for snaplen in [150, 182, 186] {
        let p = dir.join(format!("cut{snaplen}.pcap"));
        std::fs::write(&p, pcap_build::snapped(&whole, snaplen)).unwrap();
        let s = sessions(&report(&p));
        assert_eq!(s.len(), 1, "snaplen {snaplen}: {s:?}");
        assert_eq!(s[0].2, "failure", "snaplen {snaplen}: {s:?}");
        assert_eq!(s[0].3, Value::Null, "snaplen {snaplen}: {s:?}");
    }
    let s = sessions(&report(&sample("smb1-no-spnego-wrong-password.pcap")));
    assert_eq!(s[0].3, "bob");
}

/// A SESSION_SETUP_ANDX with a TREE_CONNECT_ANDX chained to it is one
/// request, answered by one response ([MS-CIFS] 2.2.3.4): cut after it
/// (smb1-chained-tree-connect's first 8 frames, tshark: frame 8 is the
/// request, smb.cmd 0x73,0x75, and nothing answers it), the connection has
/// one unanswered request, not one per command (before: 2). The whole
/// capture has none.
#[test]
fn a_chained_request_unanswered_counts_once() {
    let path = common::capture_path("smb1-chained-tree-connect.pcap");
    let b = std::fs::read(&path).expect("sample");
    let mut cut = b[..24].to_vec();
    let (mut at, mut n) = (24, 0u64);
    while at + 16 <= b.len() && n < 8 {
        let len = u32::from_le_bytes(b[at + 8..at + 12].try_into().expect("4 bytes")) as usize;
        cut.extend_from_slice(&b[at..at + 16 + len]);
        at += 16 + len;
        n += 1;
    }
    let dir = common::ScratchDir::new("chain-cut");
    let p = dir.join("cut.pcap");
    std::fs::write(&p, &cut).expect("writes");
    if let Ok(out) = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&p)
        .args(["-Y", "smb", "-T", "fields", "-e", "frame.number"])
        .args(["-e", "smb.cmd", "-e", "smb.flags.response"])
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        let last = text.lines().last().unwrap_or("");
        assert_eq!(last, "8\t0x73,0x75,0xff\t0", "tshark: {text}");
    }
    let unanswered = |v: &Value| {
        let c = &v["connections"][0];
        (
            c["unanswered_requests"].as_u64(),
            c["first_unanswered_frame"].as_u64(),
        )
    };
    assert_eq!(unanswered(&report(&p)), (Some(1), Some(8)));
    assert_eq!(unanswered(&report(&path)), (Some(0), None));
}

/// A LOGOFF_ANDX answered with UID 0 in the response's header ends the
/// session of its request's UID ([MS-CIFS] 2.2.4.54.1, 3.3.5.44; paired by
/// PID and MID, 2.2.1.6.2), and a logon after it with the same UID, even
/// one whose request names the logged-off UID, is a session of its own.
/// smb1-impacket-server-logoff-relogon: impacket's SMB1 server gives each
/// of the three logons of one connection UID 10 and answers each
/// LOGOFF_ANDX with UID 0; the second logon's first request carries UID 10
/// (tshark, below). Before, the logoffs were missed and the second logon
/// was a re-authentication of the first session (19 messages after it).
/// Each session's messages after setup are the SMB1 messages with its UID
/// from its set-up response to its LOGOFF_ANDX response, and that response,
/// whose UID is its request's (smb.response_to), counted here from tshark;
/// so are the signed ones (smb.flags2.sec_sig: none, impacket's server does
/// not sign).
#[test]
fn smb1_logoff_answered_with_uid_0_ends_the_requests_session() {
    let path = sample("smb1-impacket-server-logoff-relogon.pcap");
    let t = common::tshark_text(
        &path,
        "smb",
        &[
            "frame.number",
            "smb.cmd",
            "smb.flags.response",
            "smb.uid",
            "smb.response_to",
            "smb.nt_status",
            "smb.flags2.sec_sig",
        ],
    );
    let rows: Vec<Vec<u64>> = t
        .lines()
        .map(|l| {
            l.split('\t')
                .map(|f| {
                    let f = f.split(',').next().unwrap_or(f);
                    match f.strip_prefix("0x") {
                        Some(h) => u64::from_str_radix(h, 16).expect("hex"),
                        None => f.parse().unwrap_or(u64::MAX),
                    }
                })
                .collect()
        })
        .collect();
    let uid_of = |frame: u64| rows.iter().find(|r| r[0] == frame).map(|r| r[3]);
    // (request UID, response frame) of each LOGOFF_ANDX answered with success.
    let logoffs: Vec<(u64, u64)> = rows
        .iter()
        .filter(|r| r[1] == 0x74 && r[2] == 1 && r[5] == 0)
        .map(|r| (uid_of(r[4]).expect("its request"), r[0]))
        .collect();
    let answered_with_0 = rows
        .iter()
        .filter(|r| r[1] == 0x74 && r[2] == 1 && r[3] == 0)
        .count();
    assert_eq!(
        answered_with_0, 3,
        "tshark: LOGOFF_ANDX responses with UID 0"
    );
    // The session-setup responses that succeeded, and the first request
    // of each logon (the request after the previous logon's end).
    let set_up: Vec<u64> = rows
        .iter()
        .filter(|r| r[1] == 0x73 && r[2] == 1 && r[5] == 0)
        .map(|r| r[0])
        .collect();
    assert_eq!(set_up.len(), 3);
    assert_eq!(logoffs.len(), 3);
    let second_first_request = rows
        .iter()
        .find(|r| r[1] == 0x73 && r[2] == 0 && r[0] > logoffs[0].1)
        .expect("the second logon");
    assert_eq!(second_first_request[3], 10, "it names the logged-off UID");
    let v = report(&path);
    let ours = v["sessions"].as_array().expect("sessions");
    assert_eq!(ours.len(), 3, "{ours:?}");
    for ((s, &(uid, logoff)), &setup) in ours.iter().zip(&logoffs).zip(&set_up) {
        assert_eq!(s["session_id"], format!("{uid:#x}"));
        assert_eq!(s["outcome"], "success");
        assert_eq!(s["reauthentications"], 0);
        assert_eq!(s["last_setup_frame"], setup);
        assert_eq!(s["logoff_frame"], logoff);
        // A LOGOFF_ANDX response is of its request's UID.
        let session_uid = |r: &Vec<u64>| match (r[1], r[2]) {
            (0x74, 1) => uid_of(r[4]).expect("its request"),
            _ => r[3],
        };
        let between: Vec<&Vec<u64>> = rows
            .iter()
            .filter(|r| r[0] > setup && r[0] <= logoff && session_uid(r) == uid)
            .collect();
        assert!(between.iter().any(|r| r[0] == logoff && r[3] == 0));
        assert_eq!(s["messages_after_setup"], between.len() as u64, "{s}");
        let signed = between.iter().filter(|r| r[6] == 1).count();
        assert_eq!(s["signed_after_setup"], signed as u64, "{s}");
    }
    assert_eq!(ours[1]["first_frame"], second_first_request[0]);
}

/// The SMB1 NativeOS and NativeLanMan of each connection
/// (`connections[].smb1_native`) equal tshark's (smb.native_os,
/// smb.native_lanman): per tcp.stream, the first non-empty value of the
/// SESSION_SETUP_ANDX requests (client_*) and responses (server_*).
/// smbclient's "Unix"/"Samba" and smbd's "Windows 6.1"/"Samba
/// 4.17.12-Debian" (smb1-ntlm-success frames 8, 9), impacket's client
/// (smb1_flows.py: "Unix"/"smbscope sample") and server (random names),
/// pysmb's "posix"/"pysmb", Windows 2000, XP and Server 2008 R2/2019
/// (corpus), macOS (zeek-smb1-raw-ntlm-port139); a capture with no
/// SESSION_SETUP_ANDX has no key. Before, these were not in the JSON.
#[test]
fn smb1_native_strings_as_tshark() {
    let paths = common::smb1_captures(&["sv-smb2-ntlm-logon-failure.pcap"]);
    let mut compared = 0;
    for path in &paths {
        let text = common::tshark_text(
            path,
            "smb.cmd == 0x73",
            &[
                "tcp.stream",
                "smb.flags.response",
                "smb.native_os",
                "smb.native_lanman",
            ],
        );
        let mut want: std::collections::BTreeMap<u64, serde_json::Map<String, serde_json::Value>> =
            Default::default();
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("");
            let stream: u64 = get(0).parse().expect("stream");
            let side = if get(1) == "1" { "server" } else { "client" };
            let e = want.entry(stream).or_default();
            for (key, v) in [("os", get(2)), ("lanman", get(3))] {
                let v = v.trim();
                if !v.is_empty() {
                    e.entry(format!("{side}_{key}")).or_insert(v.into());
                }
            }
        }
        want.retain(|_, m| !m.is_empty());
        let out = common::smbscope(&[path.to_str().expect("path"), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let got: std::collections::BTreeMap<u64, serde_json::Map<String, serde_json::Value>> = v
            ["connections"]
            .as_array()
            .expect("connections")
            .iter()
            .filter_map(|c| {
                let n = c.get("smb1_native")?.as_object()?.clone();
                Some((c["stream"].as_u64()?, n))
            })
            .collect();
        assert_eq!(got, want, "{}", path.display());
        compared += got.len();
    }
    assert!(compared >= 25, "{compared} connections compared");
}
