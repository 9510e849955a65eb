//! SMB1 file commands against tshark 4.0.17: for every SMB_COM_NT_CREATE_ANDX,
//! OPEN_ANDX, READ_ANDX, WRITE_ANDX and CLOSE of the captures in samples/ and,
//! when present, ../shared/corpus/public (anywhere in an AndX chain), the
//! commands and fields `smbscope messages` gives in `smb1.file_commands`
//! ([MS-CIFS] 2.2.4.64, 2.2.4.41, 2.2.4.42, 2.2.4.43, 2.2.4.5; [MS-SMB]
//! 2.2.4.2, 2.2.4.3, 2.2.4.9) equal tshark's for the same frame; then each
//! SMB1 tree of the report counts the opens, reads and writes, with their
//! bytes, that tshark's fields add up to for its UID and TID; and the
//! anonymous session of corpus sv-smb1-sll-ntlm is said to have reached file
//! data.
//!
//! tshark's fields are stored in tests/data/smb1_files_tshark.tsv
//! (scripts/tshark-smb1-files.sh writes it), so this runs without tshark.

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use smbscope::capture::CaptureReader;
use smbscope::pipeline::{self, Event, Kind, Options};
use smbscope::report::messages::MessageJson;

/// tshark's columns of one frame, by name; each value the field's
/// occurrences in the frame's order.
type Row = BTreeMap<String, Vec<String>>;

/// capture → frame → tshark's row.
fn theirs() -> BTreeMap<String, BTreeMap<u64, Row>> {
    let text = include_str!("data/smb1_files_tshark.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let mut out: BTreeMap<String, BTreeMap<u64, Row>> = BTreeMap::new();
    for line in lines {
        let cols: Vec<&str> = line.split('\t').collect();
        let row: Row = header
            .iter()
            .zip(cols.iter().chain(std::iter::repeat(&"")))
            .map(|(h, v)| {
                let vals = if v.is_empty() {
                    Vec::new()
                } else {
                    v.split('|').map(str::to_string).collect()
                };
                (h.to_string(), vals)
            })
            .collect();
        let frame = row["frame.number"][0].parse().expect("frame number");
        out.entry(row["capture"][0].clone())
            .or_default()
            .insert(frame, row);
    }
    out
}

/// The SMB1 file commands [MS-CIFS] 2.2.2.1 numbers, by our names.
const FILE_COMMANDS: &[(&str, u8)] = &[
    ("SMB_COM_NT_CREATE_ANDX", 0xa2),
    ("SMB_COM_OPEN_ANDX", 0x2d),
    ("SMB_COM_READ_ANDX", 0x2e),
    ("SMB_COM_WRITE_ANDX", 0x2f),
    ("SMB_COM_CLOSE", 0x04),
];

fn code_of(name: &str) -> u8 {
    FILE_COMMANDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
        .unwrap_or_else(|| panic!("not a file command: {name}"))
}

/// Our `smb1.file_commands` of each frame's SMB1 messages, in order.
fn ours(path: &Path) -> BTreeMap<u64, Vec<Value>> {
    let mut reader = CaptureReader::new(File::open(path).expect("opens")).expect("capture");
    let mut o = Options::default();
    o.smb_ports.extend_from_slice(&[4455, 4456, 4457]);
    let mut out: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    pipeline::run(&mut reader, &o, |ev| {
        let Event::Message(m) = ev else { return };
        if m.kind != Kind::Smb1 {
            return;
        }
        let dec = m.decode();
        let v = serde_json::to_value(MessageJson { msg: m, dec: &dec }).expect("serializes");
        if let Some(Value::Array(files)) = v.get("smb1").and_then(|s| s.get("file_commands")) {
            out.entry(m.frame)
                .or_default()
                .extend(files.iter().cloned());
        }
    });
    out
}

fn hex(v: u64, digits: usize) -> String {
    format!("0x{v:0digits$x}")
}

/// tshark's numbers of a field in a frame.
fn nums(row: &Row, field: &str) -> Vec<u64> {
    row[field]
        .iter()
        .map(|s| {
            s.strip_prefix("0x")
                .map_or_else(|| s.parse(), |h| u64::from_str_radix(h, 16))
                .unwrap_or_else(|_| panic!("{field}: {s}"))
        })
        .collect()
}

/// `low + high * 65536` of tshark's pairs of fields.
fn with_high(row: &Row, low: &str, high: &str) -> Vec<u64> {
    let (l, h) = (nums(row, low), nums(row, high));
    assert_eq!(l.len(), h.len(), "{low} and {high} pair up");
    l.iter().zip(&h).map(|(l, h)| l + (h << 16)).collect()
}

/// Our values of `key` over the frame's file commands that have one.
fn our_nums(files: &[Value], key: &str) -> Vec<u64> {
    files.iter().filter_map(|f| f[key].as_u64()).collect()
}

#[test]
fn smb1_file_commands_agree_with_tshark() {
    let theirs = theirs();
    let (mut captures, mut frames, mut commands) = (0, 0, 0);
    let mut fields = BTreeMap::<&str, usize>::new();
    let mut problems = Vec::new();
    for (cap, rows) in &theirs {
        let path = common::capture_path(cap);
        if !path.exists() {
            continue; // the corpus is absent
        }
        captures += 1;
        let ours = ours(&path);
        for f in ours.keys() {
            if !rows.contains_key(f) {
                problems.push(format!(
                    "{cap} frame {f}: file commands tshark does not show"
                ));
            }
        }
        for (frame, row) in rows {
            frames += 1;
            let empty = Vec::new();
            let mine = ours.get(frame).unwrap_or(&empty);
            let mut check = |what: &'static str, a: String, b: String| {
                *fields.entry(what).or_default() += 1;
                if a != b {
                    problems.push(format!("{cap} frame {frame} {what}: ours {a}, tshark {b}"));
                }
            };
            // The chain's file commands, and their WordCounts: tshark's
            // smb.cmd is the header's command and each AndXCommand (0xff
            // ends a chain), smb.wct one per command present.
            let cmds: Vec<u8> = nums(row, "smb.cmd")
                .into_iter()
                .filter(|&c| c != 0xff)
                .map(|c| c as u8)
                .collect();
            let wct = nums(row, "smb.wct");
            let is_file = |c: &u8| FILE_COMMANDS.iter().any(|(_, x)| x == c);
            let their_files: Vec<String> = cmds
                .iter()
                .filter(|c| is_file(c))
                .map(|&c| hex(c.into(), 2))
                .collect();
            let their_wct: Vec<String> = cmds
                .iter()
                .zip(&wct)
                .filter(|(c, _)| is_file(c))
                .map(|(_, w)| w.to_string())
                .collect();
            let my_files: Vec<String> = mine
                .iter()
                .map(|f| hex(code_of(f["command"].as_str().unwrap()).into(), 2))
                .collect();
            let my_wct: Vec<String> = mine
                .iter()
                .map(|f| f["word_count"].as_u64().unwrap().to_string())
                .collect();
            commands += mine.len();
            check("commands", my_files.join(","), their_files.join(","));
            check("smb.wct", my_wct.join(","), their_wct.join(","));
            let response = row["smb.flags.response"].iter().all(|r| r == "1");
            // Lengths: READ_ANDX responses' and WRITE_ANDX requests'
            // DataLength (with DataLengthHigh); WRITE_ANDX responses' Count.
            let dl = with_high(row, "smb.data_len_low", "smb.data_len_high");
            check(
                "data_length",
                format!("{:?}", our_nums(mine, "data_length")),
                format!("{dl:?}"),
            );
            let count = with_high(row, "smb.count_low", "smb.count_high");
            check(
                "count",
                format!("{:?}", our_nums(mine, "count")),
                format!("{count:?}"),
            );
            if !response {
                // Requests: the FIDs (READ_ANDX, WRITE_ANDX, CLOSE) and
                // offsets are tshark's fields, the first file name and
                // access mask too (later ones are tshark's own, found by
                // the FID).
                check(
                    "smb.fid",
                    format!("{:?}", our_nums(mine, "fid")),
                    format!("{:?}", nums(row, "smb.fid")),
                );
                let off: Vec<u64> = our_nums(mine, "offset")
                    .iter()
                    .map(|o| o & 0xffff_ffff)
                    .collect();
                check(
                    "smb.offset",
                    format!("{off:?}"),
                    format!("{:?}", nums(row, "smb.offset")),
                );
                let high: Vec<u64> = nums(row, "smb.offset_high");
                let my_high: Vec<u64> = mine
                    .iter()
                    .zip(&wct)
                    .filter(|(f, w)| f["offset"].is_u64() && (**w == 12 || **w == 14))
                    .map(|(f, _)| f["offset"].as_u64().unwrap() >> 32)
                    .collect();
                check(
                    "smb.offset_high",
                    format!("{my_high:?}"),
                    format!("{high:?}"),
                );
                if let Some(name) = mine.iter().find_map(|f| f["file_name"].as_str()) {
                    check(
                        "smb.file",
                        name.to_string(),
                        row["smb.file"].first().cloned().unwrap_or_default(),
                    );
                }
                if let Some(a) = mine
                    .iter()
                    .find_map(|f| f["desired_access"]["hex"].as_str())
                {
                    check(
                        "smb.access_mask",
                        a.to_string(),
                        row["smb.access_mask"].first().cloned().unwrap_or_default(),
                    );
                    let share: u64 = mine
                        .iter()
                        .find_map(|f| f["share_access"].as_array())
                        .unwrap()
                        .iter()
                        .map(|n| match n.as_str().unwrap() {
                            "READ" => 1,
                            "WRITE" => 2,
                            "DELETE" => 4,
                            h => u64::from_str_radix(h.trim_start_matches("0x"), 16).unwrap(),
                        })
                        .sum();
                    check(
                        "smb.share_access",
                        hex(share, 8),
                        row["smb.share_access"].first().cloned().unwrap_or_default(),
                    );
                }
                if let Some(a) = mine.iter().find_map(|f| f["access_mode"].as_u64()) {
                    check(
                        "smb.access.desired",
                        hex(a, 4),
                        row["smb.access.desired"]
                            .first()
                            .cloned()
                            .unwrap_or_default(),
                    );
                }
            } else if let Some(fid) = mine.first().and_then(|f| f["fid"].as_u64()) {
                // An open's answer: its FID is tshark's first.
                check(
                    "smb.fid",
                    hex(fid, 4),
                    row["smb.fid"].first().cloned().unwrap_or_default(),
                );
            }
        }
    }
    eprintln!(
        "{captures} captures, {frames} frames, {commands} file commands; fields compared: {fields:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        captures >= 5 && frames >= 40 && commands >= 45,
        "too little compared"
    );
}

/// tshark's per-tree totals: (stream, UID, TID) → (opens, open errors,
/// reads, read bytes, writes, write bytes), from the responses.
type Totals = BTreeMap<(u64, u64, u64), [u64; 6]>;

fn their_totals(rows: &BTreeMap<u64, Row>) -> Totals {
    let mut out = Totals::new();
    for row in rows.values() {
        if !row["smb.flags.response"].iter().all(|r| r == "1") {
            continue;
        }
        let one = |f: &str| {
            let v = nums(row, f);
            assert!(
                v.windows(2).all(|w| w[0] == w[1]),
                "one {f} per frame: {v:?}"
            );
            v[0]
        };
        let key = (one("tcp.stream"), one("smb.uid"), one("smb.tid"));
        let cmds: Vec<u64> = nums(row, "smb.cmd")
            .into_iter()
            .filter(|&c| c != 0xff)
            .collect();
        // A failed response's status is its last command's.
        let failed = !row["smb.nt_status"].iter().all(|s| s == "0x00000000")
            || nums(row, "smb.error_class").iter().any(|&c| c != 0);
        assert!(
            !failed || row["smb.flags.response"].len() == 1,
            "one failed message a frame"
        );
        // A request on a TID the server does not have is on no tree: smbd
        // answers an NT_CREATE_ANDX so with STATUS_INVALID_HANDLE or
        // ERRDOS/ERRbadfid (samples smb1-nt-stale-tid and
        // smb1-dos-stale-tid, frame 21, after the TREE_DISCONNECT of
        // frame 17), other commands with STATUS_NETWORK_NAME_DELETED.
        let no_tree = cmds.first() == Some(&0xa2)
            && (row["smb.nt_status"].iter().any(|s| s == "0xc0000008")
                || (nums(row, "smb.error_class"), nums(row, "smb.error_code"))
                    == (vec![1], vec![6]));
        if no_tree || row["smb.nt_status"].iter().any(|s| s == "0xc00000c9") {
            continue;
        }
        let t = out.entry(key).or_default();
        for (i, c) in cmds.iter().enumerate() {
            match c {
                0xa2 | 0x2d => {
                    t[0] += 1;
                    t[1] += u64::from(failed && i + 1 == cmds.len());
                }
                0x2e => t[2] += 1,
                0x2f => t[4] += 1,
                _ => {}
            }
        }
        t[3] += with_high(row, "smb.data_len_low", "smb.data_len_high")
            .iter()
            .sum::<u64>();
        t[5] += with_high(row, "smb.count_low", "smb.count_high")
            .iter()
            .sum::<u64>();
    }
    out
}

fn report(path: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_smbscope"))
        .args([
            "--format", "json", "--port", "4455", "--port", "4456", "--port", "4457",
        ])
        .arg(path)
        .output()
        .expect("runs");
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn id(v: &Value) -> u64 {
    let s = v.as_str().expect("hex id");
    u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex")
}

#[test]
fn smb1_trees_count_what_tshark_shows() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for (cap, rows) in &theirs() {
        let path = common::capture_path(cap);
        if !path.exists() {
            continue;
        }
        let want = their_totals(rows);
        let r = report(&path);
        let mut got = Totals::new();
        for t in r["trees"].as_array().expect("trees") {
            let Some(tid) = t.get("tree_id") else {
                continue;
            };
            let key = (t["stream"].as_u64().unwrap(), id(&t["session_id"]), id(tid));
            let n = |k: &str| t[k].as_u64().unwrap();
            let c = [
                n("opens"),
                n("open_errors"),
                n("reads"),
                n("read_bytes"),
                n("writes"),
                n("write_bytes"),
            ];
            let e = got.entry(key).or_default();
            for (a, b) in e.iter_mut().zip(c) {
                *a += b;
            }
        }
        for (key, w) in &want {
            let g = got.get(key).copied().unwrap_or_default();
            if g != *w {
                problems.push(format!("{cap} tree {key:?}: ours {g:?}, tshark {w:?}"));
            }
            checked += 1;
        }
        for (key, g) in &got {
            if !want.contains_key(key) && *g != [0; 6] {
                problems.push(format!("{cap} tree {key:?}: ours {g:?}, none in tshark"));
            }
        }
    }
    eprintln!("{checked} trees compared");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 8, "too little compared");
}

/// tshark's per-open totals: (stream, the open's response frame) → (reads,
/// read bytes, writes, write bytes). An open is an NT_CREATE_ANDX or
/// OPEN_ANDX response with a FID; a READ_ANDX or WRITE_ANDX response
/// (tshark gives it its request's FID) counts on the latest open of its
/// stream with that FID, when it has its form's DataLength or Count (an
/// error response has none: not counted, as SMB2's file counts leave out
/// a READ or WRITE answered with an error).
type OpenTotals = BTreeMap<(u64, u64), [u64; 4]>;

fn their_open_totals(rows: &BTreeMap<u64, Row>) -> OpenTotals {
    let mut out = OpenTotals::new();
    // (stream, FID) → the response frame of its latest open.
    let mut open: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    for (&frame, row) in rows {
        if !row["smb.flags.response"].iter().all(|r| r == "1") {
            continue;
        }
        let stream = nums(row, "tcp.stream")[0];
        let cmds = nums(row, "smb.cmd");
        let mut fids = nums(row, "smb.fid");
        fids.dedup();
        let Some(&fid) = fids.first() else {
            continue;
        };
        assert_eq!(fids.len(), 1, "one FID a frame: frame {frame}");
        let opened = cmds.iter().any(|c| matches!(c, 0xa2 | 0x2d));
        if opened {
            out.insert((stream, frame), [0; 4]);
            open.insert((stream, fid), frame);
        }
        let Some(&at) = open.get(&(stream, fid)) else {
            continue;
        };
        let reads = with_high(row, "smb.data_len_low", "smb.data_len_high");
        let writes = with_high(row, "smb.count_low", "smb.count_high");
        let t = out.entry((stream, at)).or_default();
        t[0] += reads.len() as u64;
        t[1] += reads.iter().sum::<u64>();
        t[2] += writes.len() as u64;
        t[3] += writes.iter().sum::<u64>();
    }
    out
}

/// Each SMB1 open of `files[]` counts the READ_ANDX and WRITE_ANDX
/// answered on its FID, with their bytes (DataLength, Count, each with its
/// upper 16 bits), as tshark's fields add them up per open: smbclient's
/// put and get of 139,264 bytes (smb1-files-put-get: two WRITE_ANDX on the
/// first open, three READ_ANDX on the second), impacket's READ_ANDX chained
/// to its OPEN_ANDX with FID 0xFFFF (smb1-files-andx frame 15: 21 bytes of
/// hello.txt), the 100,000 bytes put and got on a tree whose connect the
/// capture lacks (smb1-capture-after-tree-connect), corpus sv-smb1-sll-ntlm's
/// 68 bytes written. Before, an SMB1 open's reads and writes were 0.
#[test]
fn smb1_opens_count_their_reads_and_writes_as_tshark() {
    let mut checked = 0;
    let mut with_io = 0;
    let mut problems = Vec::new();
    for (cap, rows) in &theirs() {
        let path = common::capture_path(cap);
        if !path.exists() {
            continue;
        }
        let want = their_open_totals(rows);
        let r = report(&path);
        let mut got = OpenTotals::new();
        for t in r["trees"].as_array().expect("trees") {
            let stream = t["stream"].as_u64().unwrap();
            for f in t["files"].as_array().into_iter().flatten() {
                let n = |k: &str| f[k].as_u64().unwrap();
                let c = [n("reads"), n("read_bytes"), n("writes"), n("write_bytes")];
                got.insert((stream, n("frame")), c);
            }
        }
        for (key, w) in &want {
            // An open past the bounds, or on no tree, is not listed.
            let Some(g) = got.get(key) else {
                if *w != [0; 4] {
                    problems.push(format!("{cap} open {key:?}: not listed, tshark {w:?}"));
                }
                continue;
            };
            if g != w {
                problems.push(format!("{cap} open {key:?}: ours {g:?}, tshark {w:?}"));
            }
            checked += 1;
            with_io += u64::from(*w != [0; 4]);
        }
    }
    eprintln!("{checked} opens compared, {with_io} with reads or writes");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 20 && with_io >= 6, "too little compared");
}

/// An anonymous SMB1 session that writes a file: the posture finding says
/// file data was reached, as for SMB2's (corpus sv-smb1-sll-ntlm: an
/// NTLMSSP anonymous logon, \\192.168.1.3\PUBLIC, 68 bytes of eicar
/// written by WRITE_ANDX in frame 20).
#[test]
fn anonymous_smb1_session_reached_file_data() {
    let path = common::capture_path("corpus:sv-smb1-sll-ntlm.pcap");
    if !path.exists() {
        eprintln!("corpus absent: nothing checked");
        return;
    }
    let r = report(&path);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "posture.anonymous_allowed")
        .expect("posture.anonymous_allowed");
    let why = f["explanation"].as_str().unwrap();
    assert!(
        why.contains(
            "reached file data: 0 byte(s) read and 68 written on the disk share \\\\192.168.1.3\\PUBLIC."
        ),
        "{why}"
    );
    let t = &r["trees"][0];
    assert_eq!(
        (
            &t["opens"],
            &t["writes"],
            &t["write_bytes"],
            &t["other_requests"]
        ),
        (&1.into(), &1.into(), &68.into(), &1.into()),
        "the NT_CREATE_ANDX, WRITE_ANDX and CLOSE of \\eicar"
    );
}
