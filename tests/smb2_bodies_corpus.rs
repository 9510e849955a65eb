//! Our body parsers against tshark 4.0.17 on the public corpus
//! (`../shared/corpus/public`, read at test time, never copied here).
//!
//! For every frame whose TCP payload starts at a NetBIOS message boundary and
//! whose SMB2 command list equals tshark's `smb2.cmd` for that frame (so both
//! saw the same PDUs; frames needing TCP reassembly are skipped), we compare:
//! - `smb2.dialect`: the dialects of NEGOTIATE requests, the DialectRevision of
//!   NEGOTIATE responses and the VALIDATE_NEGOTIATE_INFO dialects, in PDU
//!   order, must equal tshark's list exactly;
//! - `smb2.tree`: each TREE_CONNECT request's share path must be one of
//!   tshark's values for the frame (tshark also repeats the tracked tree name
//!   on other PDUs of the frame), and equal it when the frame holds only that PDU;
//! - `smb2.filename`: each CREATE request's file name likewise (tshark prints
//!   no filename for an empty name — the share root — and we then expect none
//!   in single-PDU frames).
//!
//! With the `.tshark.json` references (single-PDU frames only: tshark's JSON
//! repeats keys for compounds) we also compare `smb2.share_type`,
//! `smb2.ioctl.function`, `smb2.create.disposition`, `smb2.ses_flags.guest`,
//! `smb2.ses_flags.null` and `smb2.ses_flags.encrypt`.
//!
//! Every SMB2 PDU in those frames must parse (no BodyError), and SMB1
//! NEGOTIATE requests must give dialect strings.
//!
//! Known tshark disagreements on the values compared: none.
//!
//! Expected parse errors ([`EXPECTED_ERRORS`]): PDUs that are not valid SMB2,
//! where we return a `BodyError` and tshark prints nonsense.

mod common;

use serde_json::Value;
use smbscope::smb2::body::Body;
use smbscope::smb2::smb1::Smb1Negotiate;
use smbscope::smb2::{parse_body, parse_smb1, Smb2Header};
use std::collections::HashMap;
use std::path::Path;

/// (capture, frame, why) of PDUs we rightly refuse.
const EXPECTED_ERRORS: &[(&str, u32, &str)] = &[(
    "zeek-smb2-fscontrol-port139.pcap",
    4,
    "garbage after a valid protocol id (Header Length 319, flags 0xff, SET_INFO response \
     StructureSize 0x8248); [MS-SMB2] 2.2.40 says StructureSize MUST be 2 and we return \
     BodyError::StructureSize, while tshark 4.0.17 reads 'Fixed Part Length: 16676'",
)];

#[derive(Default, Debug)]
struct Tally {
    frames_compared: usize,
    frames_skipped: usize,
    pdus: usize,
    parse_errors: Vec<String>,
    dialect_frames: usize,
    tree_checks: usize,
    filename_checks: usize,
    json_checks: usize,
    smb1_negotiates: usize,
    mismatches: Vec<String>,
}

struct Row {
    cols: Vec<String>,
}

fn load_tsv(path: &Path) -> (HashMap<String, usize>, HashMap<u32, Row>, Vec<u32>) {
    let text = std::fs::read_to_string(path).expect("tsv");
    let mut lines = text.lines();
    let header: HashMap<String, usize> = lines
        .next()
        .unwrap_or("")
        .split('\t')
        .enumerate()
        .map(|(i, h)| (h.to_string(), i))
        .collect();
    let mut rows = HashMap::new();
    let mut order = Vec::new();
    for l in lines {
        let cols: Vec<String> = l.split('\t').map(str::to_string).collect();
        if let Some(Ok(n)) = cols.first().map(|c| c.parse::<u32>()) {
            order.push(n);
            rows.insert(n, Row { cols });
        }
    }
    (header, rows, order)
}

fn list(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').map(str::to_string).collect()
    }
}

/// Finds the first value of `key` anywhere under `v`, skipping the header subtree.
fn find(v: &Value, key: &str) -> Option<String> {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "SMB2 Header" {
                    continue;
                }
                if k == key {
                    return x.as_str().map(str::to_string);
                }
                if let Some(r) = find(x, key) {
                    return Some(r);
                }
            }
            None
        }
        Value::Array(a) => a.iter().find_map(|x| find(x, key)),
        _ => None,
    }
}

fn tshark_bool(s: &str) -> bool {
    s == "1" || s == "True" || s == "true"
}

fn check_capture(cap: &Path, t: &mut Tally) {
    let name = cap.file_name().unwrap().to_string_lossy().to_string();
    let tsv = cap.with_file_name(format!("{name}.tshark.tsv"));
    if !tsv.exists() {
        return;
    }
    let (hdr, rows, order) = load_tsv(&tsv);
    let json: Option<Vec<Value>> = std::fs::read(cap.with_file_name(format!("{name}.tshark.json")))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let json_index: HashMap<u32, usize> = order.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let col = |r: &Row, k: &str| -> String {
        hdr.get(k)
            .and_then(|&i| r.cols.get(i))
            .cloned()
            .unwrap_or_default()
    };

    for f in common::frames(cap) {
        let Some(row) = rows.get(&f.number) else {
            continue;
        };
        let Some(msgs) = common::messages(&f.payload) else {
            t.frames_skipped += 1;
            continue;
        };
        let mut cmds = Vec::new();
        let mut parsed: Vec<(Smb2Header, Vec<u8>, Result<Body, smbscope::smb2::BodyError>)> =
            Vec::new();
        for m in &msgs {
            match m {
                common::Msg::Smb2(pdus) => {
                    for p in pdus {
                        let Ok(h) = Smb2Header::parse(p) else {
                            continue;
                        };
                        cmds.push(h.command.0.to_string());
                        let b = parse_body(&h, p);
                        parsed.push((h, p.clone(), b));
                    }
                }
                common::Msg::Smb1(p) => {
                    let m1 = parse_smb1(p).expect("SMB1 header");
                    if m1.command.0 == 0x72 && !m1.is_response {
                        match &m1.negotiate {
                            Some(Smb1Negotiate::Request { dialects }) if !dialects.is_empty() => {
                                t.smb1_negotiates += 1
                            }
                            _ => t.mismatches.push(format!(
                                "{name} #{}: SMB1 NEGOTIATE without dialects",
                                f.number
                            )),
                        }
                    }
                }
                common::Msg::Transform => {}
            }
        }
        if cmds != list(&col(row, "smb2.cmd")) {
            t.frames_skipped += 1;
            continue;
        }
        if parsed.is_empty() {
            continue;
        }
        t.frames_compared += 1;
        let single = parsed.len() == 1;
        let mut dialects = Vec::new();
        let tree_vals = list(&col(row, "smb2.tree"));
        let file_vals = list(&col(row, "smb2.filename"));
        for (h, p, b) in &parsed {
            t.pdus += 1;
            let b = match b {
                Ok(b) => b,
                Err(e) => {
                    if let Some((_, _, why)) = EXPECTED_ERRORS
                        .iter()
                        .find(|(c, n, _)| *c == name && *n == f.number)
                    {
                        eprintln!("expected error {name} #{}: {e} ({why})", f.number);
                        continue;
                    }
                    t.parse_errors.push(format!(
                        "{name} #{} {} {}: {e}",
                        f.number,
                        h.command,
                        if h.is_response() { "resp" } else { "req" }
                    ));
                    continue;
                }
            };
            // JSON must round-trip without error
            serde_json::to_string(b).expect("serialize");
            let _ = b.summary();
            match b {
                Body::NegotiateRequest(n) => {
                    dialects.extend(n.dialects.iter().map(|d| d.code_hex()))
                }
                Body::NegotiateResponse(n) => dialects.push(n.dialect.code_hex()),
                Body::IoctlRequest(i) => {
                    if let Some(v) = &i.validate_negotiate_info {
                        dialects.extend(v.dialects.iter().map(|d| d.code_hex()));
                    }
                }
                Body::IoctlResponse(i) => {
                    if let Some(v) = &i.validate_negotiate_info {
                        dialects.push(v.dialect.code_hex());
                    }
                }
                Body::TreeConnectRequest(tc) => {
                    t.tree_checks += 1;
                    let ok = if single {
                        tree_vals.len() == 1 && tree_vals[0] == *tc.share
                    } else {
                        tree_vals.iter().any(|v| *v == *tc.share)
                    };
                    if !ok {
                        t.mismatches.push(format!(
                            "{name} #{}: tree {:?} vs tshark {:?}",
                            f.number, tc.share, tree_vals
                        ));
                    }
                }
                Body::CreateRequest(c) => {
                    t.filename_checks += 1;
                    let ok = match (single, c.filename.is_empty()) {
                        (true, true) => file_vals.is_empty(),
                        (true, false) => {
                            file_vals.len() == 1 && file_vals[0] == c.filename.as_str()
                        }
                        (false, true) => true,
                        (false, false) => file_vals.iter().any(|f| f == c.filename.as_str()),
                    };
                    if !ok {
                        t.mismatches.push(format!(
                            "{name} #{}: filename {:?} vs tshark {:?}",
                            f.number, c.filename, file_vals
                        ));
                    }
                }
                _ => {}
            }
            // per-field JSON comparisons on single-PDU frames
            let (Some(js), true) = (&json, single) else {
                continue;
            };
            let Some(pkt) = json_index.get(&f.number).and_then(|&i| js.get(i)) else {
                continue;
            };
            let smb2 = &pkt["_source"]["layers"]["smb2"];
            let cmp = |field: &str, ours: String, t: &mut Tally| {
                if let Some(theirs) = find(smb2, field) {
                    t.json_checks += 1;
                    if theirs != ours {
                        t.mismatches.push(format!(
                            "{name} #{}: {field} ours {ours} tshark {theirs}",
                            f.number
                        ));
                    }
                }
            };
            match b {
                Body::TreeConnectResponse(r) => {
                    cmp("smb2.share_type", format!("0x{:02x}", r.share_type.0), t)
                }
                Body::IoctlRequest(r) => cmp("smb2.ioctl.function", r.ctl_code_hex.to_string(), t),
                Body::IoctlResponse(r) => cmp("smb2.ioctl.function", r.ctl_code_hex.to_string(), t),
                Body::CreateRequest(r) => cmp(
                    "smb2.create.disposition",
                    r.create_disposition.0.to_string(),
                    t,
                ),
                Body::SessionSetupResponse(r) => {
                    let sf = r.session_flags.0;
                    for (field, bit) in [
                        ("smb2.ses_flags.guest", 1u16),
                        ("smb2.ses_flags.null", 2),
                        ("smb2.ses_flags.encrypt", 4),
                    ] {
                        if let Some(theirs) = find(smb2, field) {
                            t.json_checks += 1;
                            if tshark_bool(&theirs) != (sf & bit != 0) {
                                t.mismatches.push(format!(
                                    "{name} #{}: {field} ours {sf:#x} tshark {theirs}",
                                    f.number
                                ));
                            }
                        }
                    }
                }
                _ => {}
            }
            let _ = p;
        }
        let theirs = list(&col(row, "smb2.dialect"));
        if !dialects.is_empty() || !theirs.is_empty() {
            t.dialect_frames += 1;
            if dialects != theirs {
                t.mismatches.push(format!(
                    "{name} #{}: dialects {:?} vs tshark {:?}",
                    f.number, dialects, theirs
                ));
            }
        }
    }
}

#[test]
fn bodies_agree_with_tshark_on_public_corpus() {
    let Some(dir) = common::corpus_dir() else {
        eprintln!("note: ../shared/corpus/public is absent; corpus comparison skipped");
        return;
    };
    let mut total = Tally::default();
    for cap in common::corpus_captures(&dir) {
        let mut t = Tally::default();
        check_capture(&cap, &mut t);
        eprintln!(
            "{}: frames compared {} skipped {}, pdus {}, parse errors {}, dialect frames {}, tree {}, filename {}, json {}, smb1 negotiate {}, mismatches {}",
            cap.file_name().unwrap().to_string_lossy(),
            t.frames_compared,
            t.frames_skipped,
            t.pdus,
            t.parse_errors.len(),
            t.dialect_frames,
            t.tree_checks,
            t.filename_checks,
            t.json_checks,
            t.smb1_negotiates,
            t.mismatches.len()
        );
        total.frames_compared += t.frames_compared;
        total.frames_skipped += t.frames_skipped;
        total.pdus += t.pdus;
        total.dialect_frames += t.dialect_frames;
        total.tree_checks += t.tree_checks;
        total.filename_checks += t.filename_checks;
        total.json_checks += t.json_checks;
        total.smb1_negotiates += t.smb1_negotiates;
        total.parse_errors.extend(t.parse_errors);
        total.mismatches.extend(t.mismatches);
    }
    eprintln!(
        "TOTAL: frames compared {} skipped {}, pdus {}, dialect frames {}, tree {}, filename {}, json field checks {}, smb1 negotiate {}",
        total.frames_compared,
        total.frames_skipped,
        total.pdus,
        total.dialect_frames,
        total.tree_checks,
        total.filename_checks,
        total.json_checks,
        total.smb1_negotiates
    );
    for e in total.parse_errors.iter().take(40) {
        eprintln!("parse error: {e}");
    }
    for m in total.mismatches.iter().take(40) {
        eprintln!("mismatch: {m}");
    }
    assert!(total.frames_compared > 0);
    assert!(
        total.parse_errors.is_empty(),
        "{} parse errors",
        total.parse_errors.len()
    );
    assert!(
        total.mismatches.is_empty(),
        "{} mismatches",
        total.mismatches.len()
    );
}
