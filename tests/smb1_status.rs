//! The Status of SMB1 headers against tshark 4.0.17 ([MS-CIFS] 2.2.3.1): an
//! NTSTATUS when Flags2 has SMB_FLAGS2_NT_STATUS, else the DOS form,
//! ErrorClass (byte 0) and ErrorCode (bytes 2-3). For every SMB1 message of
//! the captures in samples/ and, when present, ../shared/corpus/public,
//! `smbscope messages` must read the form as tshark does (smb.flags2.nt_error)
//! and give the same NTSTATUS (smb.nt_status) or class and code
//! (smb.error_class, smb.error_code, in the `smb1` object); a DOS-form
//! response's `status` must be its class/code name, never an NTSTATUS name.
//!
//! tshark's fields are stored in tests/data/smb1_status_tshark.tsv
//! (scripts/tshark-smb1-status.sh writes it), so this runs without tshark.

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use serde_json::Value;
use smbscope::capture::CaptureReader;
use smbscope::pipeline::{self, Event, Kind, Options};
use smbscope::report::messages::MessageJson;

/// (capture, frame) → tshark's columns by name.
type Theirs = BTreeMap<(String, u64), BTreeMap<String, String>>;

fn theirs() -> Theirs {
    let text = include_str!("data/smb1_status_tshark.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let mut out = Theirs::new();
    for line in lines {
        let cols: Vec<&str> = line.split('\t').collect();
        let row: BTreeMap<String, String> = header
            .iter()
            .zip(&cols)
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        let frame = row["frame.number"].parse().expect("frame number");
        out.insert((row["capture"].clone(), frame), row);
    }
    out
}

/// Our reading of each SMB1 message, per frame (in the frame's order): the
/// values as tshark writes them, and the message's JSON.
#[derive(Debug, Default)]
struct Frame {
    response: Vec<String>,
    nt_error: Vec<String>,
    nt_status: Vec<String>,
    error_class: Vec<String>,
    error_code: Vec<String>,
    json: Vec<Value>,
}

fn ours(path: &Path) -> BTreeMap<u64, Frame> {
    let mut reader = CaptureReader::new(File::open(path).expect("opens")).expect("capture");
    let mut o = Options::default();
    o.smb_ports.extend_from_slice(&[4455, 4456, 4457]);
    let mut out: BTreeMap<u64, Frame> = BTreeMap::new();
    pipeline::run(&mut reader, &o, |ev| {
        let Event::Message(m) = ev else { return };
        if m.kind != Kind::Smb1 {
            return;
        }
        let dec = m.decode();
        let v = serde_json::to_value(MessageJson { msg: m, dec: &dec }).expect("serializes");
        let Some(s1) = v.get("smb1") else {
            // Too short for a header: tshark has no smb fields for it either.
            return;
        };
        let f = out.entry(m.frame).or_default();
        let nt = s1["flags2"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "NT_STATUS"));
        f.response
            .push(if m.is_response() { "1" } else { "0" }.into());
        f.nt_error.push(if nt { "1" } else { "0" }.into());
        let raw = s1["status"].as_u64().expect("status");
        if nt {
            f.nt_status.push(format!("0x{raw:08x}"));
        } else {
            let class = s1["error_class"].as_u64().expect("error_class");
            let code = s1["error_code"].as_u64().expect("error_code");
            f.error_class.push(format!("0x{class:02x}"));
            f.error_code.push(format!("0x{code:04x}"));
        }
        f.json.push(v);
    });
    out
}

fn list(v: &[String]) -> String {
    v.join(",")
}

/// The class names of [MS-CIFS] 2.2.2.4.
fn class_name(class: u64) -> Option<&'static str> {
    Some(match class {
        0 => "SUCCESS",
        1 => "ERRDOS",
        2 => "ERRSRV",
        3 => "ERRHRD",
        0xFF => "ERRCMD",
        _ => return None,
    })
}

#[test]
fn smb1_status_agrees_with_tshark() {
    let theirs = theirs();
    let mut captures: Vec<&str> = theirs.keys().map(|(c, _)| c.as_str()).collect();
    captures.dedup();
    let (mut messages, mut dos, mut dos_errors, mut files) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for cap in captures {
        let path = common::capture_path(cap);
        if !path.exists() {
            continue; // the corpus is absent
        }
        files += 1;
        let ours = ours(&path);
        let frames: Vec<u64> = theirs
            .keys()
            .filter(|(c, _)| c == cap)
            .map(|(_, f)| *f)
            .chain(ours.keys().copied())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for frame in frames {
            let t = theirs.get(&(cap.to_string(), frame));
            let Some(o) = ours.get(&frame) else {
                problems.push(format!(
                    "{cap} frame {frame}: tshark has an SMB1 header, we none"
                ));
                continue;
            };
            let Some(t) = t else {
                problems.push(format!("{cap} frame {frame}: ours, not tshark's"));
                continue;
            };
            for (col, mine) in [
                ("smb.flags.response", &o.response),
                ("smb.flags2.nt_error", &o.nt_error),
                ("smb.nt_status", &o.nt_status),
                ("smb.error_class", &o.error_class),
                ("smb.error_code", &o.error_code),
            ] {
                if t[col] != list(mine) {
                    problems.push(format!(
                        "{cap} frame {frame} {col}: ours {:?}, tshark {:?}",
                        list(mine),
                        t[col]
                    ));
                }
            }
            messages += o.json.len();
            // What `messages` writes for a DOS-form response.
            for v in &o.json {
                let s1 = &v["smb1"];
                let (Some(class), Some(code)) =
                    (s1["error_class"].as_u64(), s1["error_code"].as_u64())
                else {
                    continue;
                };
                dos += 1;
                if v["response"] != true {
                    assert!(v.get("status").is_none());
                    continue;
                }
                let status = v["status"].as_str().unwrap_or_default();
                let status_code = v["status_code"].as_u64().unwrap_or(u64::MAX);
                assert_eq!(
                    (status_code & 0xFF, status_code >> 16),
                    (class, code),
                    "{cap} frame {frame}: status_code is the Status as sent"
                );
                if (class, code) == (0, 0) {
                    assert_eq!(status, "STATUS_SUCCESS", "{cap} frame {frame}");
                    continue;
                }
                dos_errors += 1;
                let want = format!("{}/", class_name(class).unwrap_or("0x"));
                assert!(
                    status.starts_with(&want) && !status.starts_with("STATUS_"),
                    "{cap} frame {frame}: {status:?} for class {class:#04x} code {code:#06x}"
                );
                assert_eq!(
                    smbscope::ntstatus::name(status_code as u32),
                    None,
                    "{cap} frame {frame}: the test's own check that these bytes name no NTSTATUS"
                );
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!("{files} captures, {messages} SMB1 messages, {dos} in the DOS form, {dos_errors} DOS-form errors");
    // samples/smb1-dos-*: 14 DOS-form headers, of them 3 errors.
    assert!(
        dos >= 14 && dos_errors >= 3,
        "{dos} DOS-form messages, {dos_errors} errors"
    );
}

/// The DOS-form errors of the samples, by name, with the bytes as sent, and
/// the NTSTATUS form beside them.
#[test]
fn smb1_dos_form_names_on_samples() {
    for (cap, frame, status, code, class_code) in [
        (
            "smb1-dos-wrong-password.pcap",
            9,
            "ERRDOS/ERRnoaccess",
            0x0005_0001u32,
            Some((1, 5)),
        ),
        (
            "smb1-dos-bad-share-missing-file.pcap",
            11,
            "ERRDOS/ERRnosuchshare",
            0x0043_0001,
            Some((1, 0x43)),
        ),
        (
            "smb1-dos-bad-share-missing-file.pcap",
            15,
            "ERRDOS/ERRbadfile",
            0x0002_0001,
            Some((1, 2)),
        ),
        (
            "smb1-dos-bad-share-missing-file.pcap",
            9,
            "STATUS_SUCCESS",
            0,
            Some((0, 0)),
        ),
        // smbd's NEGOTIATE response carries NT_STATUS before it knows the
        // client's capabilities.
        ("smb1-dos-wrong-password.pcap", 6, "STATUS_SUCCESS", 0, None),
        (
            "smb1-ms17-010-check-smbd.pcap",
            15,
            "STATUS_INVALID_HANDLE",
            0xC000_0008,
            None,
        ),
        (
            "smb1-no-spnego-wrong-password.pcap",
            9,
            "STATUS_LOGON_FAILURE",
            0xC000_006D,
            None,
        ),
    ] {
        let o = ours(&common::capture_path(cap));
        let v = &o[&frame].json[0];
        assert_eq!(v["status"], status, "{cap} {frame}");
        assert_eq!(v["status_code"], code, "{cap} {frame}");
        let got = v["smb1"]["error_class"]
            .as_u64()
            .zip(v["smb1"]["error_code"].as_u64());
        assert_eq!(got, class_code, "{cap} {frame}");
    }
}
