//! The SESSION_SETUP request's SecurityMode, Flags and PreviousSessionId
//! ([MS-SMB2] 2.2.5) and SMB1's Flags2 SMB_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED
//! ([MS-SMB] 2.2.3.1) as `smbscope` reads them, against tshark 4.0.17's
//! `smb2.sec_mode`, `smb2.ses_req_flags`, `smb2.previous_sesid` and
//! `smb.flags2.sec_sig_required`, on every capture of samples/ and of
//! ../shared/corpus/public (when that folder is there), run at test time.
//!
//! Compared: every SMB2 SESSION_SETUP request whose fixed part we read (also
//! one the snaplen cut after it, as tshark does:
//! ntlm-snaplen-160.pcap), and every SMB1 message read whole, by frame; a
//! request tshark shows must be one of ours. A frame of several such messages compares as the
//! sorted list of their values, since tshark lists a frame's occurrences in
//! its own order. Known disagreements: none.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use smbscope::capture::CaptureReader;
use smbscope::pipeline::{self, Event, Kind, Options};
use smbscope::smb2::{Body, Command};

mod common;

/// Per frame, the values of its messages, sorted, joined by ','.
type Fields = BTreeMap<u64, String>;

/// Ours: SESSION_SETUP requests as "sec_mode/flags/previous", SMB1
/// messages as "0"/"1" for SECURITY_SIGNATURE_REQUIRED.
fn ours(path: &Path) -> (Fields, Fields) {
    let file = File::open(path).expect("capture opens");
    let mut reader = CaptureReader::new(file).expect("a capture");
    let mut opts = Options::default();
    opts.smb_ports.extend([4455, 4456, 4457]);
    let mut setups: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut smb1: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let _ = pipeline::run(&mut reader, &opts, |ev| {
        let Event::Message(m) = ev else { return };
        match (m.kind, m.header) {
            (Kind::Smb2, Some(h)) if h.command == Command::SESSION_SETUP && !h.is_response() => {
                if let Some(Ok(Body::SessionSetupRequest(r))) = m.decode().body {
                    setups.entry(m.frame).or_default().push(format!(
                        "0x{:02x}/{}/0x{:016x}",
                        r.security_mode.0,
                        r.flags.0,
                        r.previous_session_id.unwrap_or(0)
                    ));
                }
            }
            (Kind::Smb1, _) if m.missing == 0 => {
                if let Some(s) = m.decode().smb1 {
                    let req = s
                        .flags2
                        .contains(smbscope::smb2::smb1::Smb1Flags2::SECURITY_SIGNATURE_REQUIRED);
                    smb1.entry(m.frame)
                        .or_default()
                        .push(u8::from(req).to_string());
                }
            }
            _ => {}
        }
    });
    (joined(setups), joined(smb1))
}

fn joined(m: BTreeMap<u64, Vec<String>>) -> Fields {
    m.into_iter()
        .map(|(f, mut v)| {
            v.sort();
            (f, v.join(","))
        })
        .collect()
}

/// tshark's fields of the frames `filter` keeps, per frame; each line's
/// fields zipped occurrence by occurrence with `fmt`.
fn theirs(path: &Path, filter: &str, fields: &[&str], fmt: fn(&[&str]) -> String) -> Fields {
    let mut cmd = common::tshark_fields(path, filter, ',');
    cmd.args(["-d", "tcp.port==4455,nbss", "-d", "tcp.port==4456,nbss"]);
    cmd.args(["-d", "tcp.port==4457,nbss", "-e", "frame.number"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .stderr(std::process::Stdio::null())
        .output()
        .expect("tshark runs");
    assert!(out.status.success(), "tshark on {}", path.display());
    let mut m = Fields::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let Some(frame) = cols.first().and_then(|f| f.parse::<u64>().ok()) else {
            continue;
        };
        let lists: Vec<Vec<&str>> = cols[1..]
            .iter()
            .map(|c| c.split(',').filter(|s| !s.is_empty()).collect())
            .collect();
        let n = lists.iter().map(Vec::len).max().unwrap_or(0);
        let mut v: Vec<String> = (0..n)
            .map(|i| {
                let row: Vec<&str> = lists
                    .iter()
                    .map(|l| l.get(i).copied().unwrap_or(""))
                    .collect();
                fmt(&row)
            })
            .collect();
        v.sort();
        if !v.is_empty() {
            m.insert(frame, v.join(","));
        }
    }
    m
}

fn captures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = common::sample_names()
        .iter()
        .map(|n| common::root().join("samples").join(n))
        .collect();
    match common::corpus_dir() {
        Some(dir) => v.extend(common::corpus_captures(&dir)),
        None => eprintln!("note: the corpus is absent; only samples/ are compared"),
    }
    v
}

/// Our frames that tshark lacks or shows with other values; the number of
/// frames compared.
fn compare(name: &str, what: &str, got: &Fields, want: &Fields, bad: &mut Vec<String>) -> usize {
    let mut n = 0;
    for (frame, g) in got {
        n += 1;
        match want.get(frame) {
            Some(w) if w == g => {}
            w => bad.push(format!("{name} #{frame} {what}: ours {g} tshark {w:?}")),
        }
    }
    n
}

#[test]
fn session_setup_security_mode_flags_and_previous_session_agree_with_tshark() {
    let (mut setups, mut smb1, mut bad) = (0, 0, Vec::new());
    let mut required = 0;
    for cap in captures() {
        let name = cap.file_name().unwrap().to_string_lossy().into_owned();
        let (got_setup, got_smb1) = ours(&cap);
        let want_setup = theirs(
            &cap,
            "smb2.cmd == 1 && smb2.flags.response == 0",
            &["smb2.sec_mode", "smb2.ses_req_flags", "smb2.previous_sesid"],
            |r| {
                let flags = u8::from_str_radix(r[1].trim_start_matches("0x"), 16).unwrap_or(255);
                format!("{}/{flags}/{}", r[0], r[2])
            },
        );
        setups += compare(&name, "SESSION_SETUP", &got_setup, &want_setup, &mut bad);
        required += got_setup
            .values()
            .filter(|v| v.contains("0x02/") || v.contains("0x03/"))
            .count();
        // Every request tshark shows whole is one of ours.
        for (frame, w) in &want_setup {
            if !got_setup.contains_key(frame) && !w.is_empty() {
                bad.push(format!(
                    "{name} #{frame} SESSION_SETUP: tshark {w}, ours none"
                ));
            }
        }
        if got_smb1.is_empty() {
            continue;
        }
        let want_smb1 = theirs(&cap, "smb", &["smb.flags2.sec_sig_required"], |r| {
            r[0].to_string()
        });
        smb1 += compare(&name, "SMB1 Flags2", &got_smb1, &want_smb1, &mut bad);
    }
    eprintln!(
        "{setups} frames of SESSION_SETUP requests ({required} with SIGNING_REQUIRED), {smb1} frames of SMB1, {} mismatches",
        bad.len()
    );
    // samples/ alone hold SESSION_SETUP requests that require signing
    // (smbclient-impacket-server-signing-required.pcap: smb2.sec_mode 0x03).
    assert!(
        setups > 100 && required > 0 && smb1 > 100,
        "too few compared"
    );
    assert!(bad.is_empty(), "{bad:#?}");
}
