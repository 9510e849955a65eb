//! Our body parsers on the PDUs of our own sample captures (Samba smbd,
//! smbclient, impacket; made by scripts/make-samples.sh in the samples
//! worktree), embedded as hex in tests/data/sample_pdus.txt, against tshark
//! 4.0.17's fields for the same frames in tests/data/sample_tshark.tsv (both
//! written by scripts/extract-sample-pdus.py). Runs in plain `cargo test`.

mod common;

use smbscope::smb2::body::Body;
use smbscope::smb2::negotiate::{Cipher, ContextData, Dialect};
use smbscope::smb2::{parse_body, parse_smb1, Smb2Header};
use std::collections::{BTreeMap, HashMap};

/// tshark's columns per (capture, frame).
type Rows = HashMap<(String, u32), Vec<String>>;

fn tshark_rows() -> (Vec<String>, Rows) {
    let text = include_str!("data/sample_tshark.tsv");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_string)
        .collect();
    let mut rows = HashMap::new();
    for l in lines {
        let c: Vec<String> = l.split('\t').map(str::to_string).collect();
        if let Ok(n) = c[1].parse::<u32>() {
            rows.insert((c[0].clone(), n), c);
        }
    }
    (header, rows)
}

fn list(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').map(str::to_string).collect()
    }
}

/// Every sample PDU, grouped by (capture, frame), in order.
fn frames() -> BTreeMap<(String, u32), Vec<Vec<u8>>> {
    let mut m: BTreeMap<(String, u32), Vec<Vec<u8>>> = BTreeMap::new();
    for (name, bytes) in common::sample_pdus() {
        let mut it = name.split(':');
        let cap = it.next().unwrap().to_string();
        let frame: u32 = it.next().unwrap().parse().unwrap();
        m.entry((cap, frame)).or_default().push(bytes);
    }
    m
}

fn pdu(name: &str) -> Vec<u8> {
    common::sample_pdus()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sample PDU {name}"))
        .1
}

fn body(name: &str) -> Body {
    let p = pdu(name);
    let h = Smb2Header::parse(&p).unwrap();
    parse_body(&h, &p).unwrap()
}

#[test]
fn every_sample_pdu_agrees_with_tshark() {
    let (hdr, rows) = tshark_rows();
    let col = |r: &Vec<String>, k: &str| -> String {
        let i = hdr.iter().position(|h| h == k).unwrap();
        r.get(i).cloned().unwrap_or_default()
    };
    let (mut frames_n, mut pdus_n, mut checks) = (0, 0, 0);
    let mut bad = Vec::new();
    for ((cap, frame), pdus) in frames() {
        let Some(row) = rows.get(&(cap.clone(), frame)) else {
            continue;
        };
        frames_n += 1;
        let mut cmds = Vec::new();
        let mut dialects = Vec::new();
        for p in &pdus {
            pdus_n += 1;
            if p.starts_with(b"\xffSMB") {
                let m = parse_smb1(p).unwrap();
                assert_eq!(
                    list(&col(row, "smb.cmd")),
                    vec![format!("0x{:02x}", m.command.0)]
                );
                continue;
            }
            let h = Smb2Header::parse(p).unwrap();
            cmds.push(h.command.0.to_string());
            let b = parse_body(&h, p).unwrap_or_else(|e| panic!("{cap} #{frame}: {e}"));
            serde_json::to_string(&b).unwrap();
            let mut want_in = |field: &str, ours: String| {
                checks += 1;
                let theirs = list(&col(row, field));
                if !theirs.contains(&ours) {
                    bad.push(format!(
                        "{cap} #{frame}: {field} ours {ours:?} tshark {theirs:?}"
                    ));
                }
            };
            match &b {
                Body::NegotiateRequest(n) => {
                    dialects.extend(n.dialects.iter().map(|d| d.code_hex()))
                }
                Body::NegotiateResponse(n) => dialects.push(n.dialect.code_hex()),
                Body::IoctlRequest(i) => {
                    want_in("smb2.ioctl.function", i.ctl_code_hex.to_string());
                    if let Some(v) = &i.validate_negotiate_info {
                        dialects.extend(v.dialects.iter().map(|d| d.code_hex()));
                    }
                }
                Body::IoctlResponse(i) => {
                    want_in("smb2.ioctl.function", i.ctl_code_hex.to_string());
                    if let Some(v) = &i.validate_negotiate_info {
                        dialects.push(v.dialect.code_hex());
                    }
                }
                Body::TreeConnectRequest(t) => want_in("smb2.tree", t.share.to_string()),
                Body::TreeConnectResponse(t) => {
                    want_in("smb2.share_type", format!("0x{:02x}", t.share_type.0))
                }
                Body::CreateRequest(c) => {
                    if !c.filename.is_empty() {
                        want_in("smb2.filename", c.filename.to_string());
                    }
                    want_in(
                        "smb2.create.disposition",
                        c.create_disposition.0.to_string(),
                    );
                }
                Body::SessionSetupResponse(s) => {
                    for (field, bit) in [
                        ("smb2.ses_flags.guest", 1u16),
                        ("smb2.ses_flags.null", 2),
                        ("smb2.ses_flags.encrypt", 4),
                    ] {
                        want_in(
                            field,
                            if s.session_flags.0 & bit != 0 {
                                "1"
                            } else {
                                "0"
                            }
                            .to_string(),
                        );
                    }
                }
                _ => {}
            }
        }
        if cmds != list(&col(row, "smb2.cmd")) {
            bad.push(format!(
                "{cap} #{frame}: commands {cmds:?} vs tshark {:?}",
                col(row, "smb2.cmd")
            ));
        }
        checks += 1;
        if dialects != list(&col(row, "smb2.dialect")) {
            bad.push(format!(
                "{cap} #{frame}: dialects {dialects:?} vs tshark {:?}",
                col(row, "smb2.dialect")
            ));
        }
    }
    eprintln!(
        "samples: {frames_n} frames, {pdus_n} PDUs, {checks} field checks, {} mismatches",
        bad.len()
    );
    assert!(frames_n > 100);
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn negotiate_311_with_contexts() {
    let Body::NegotiateRequest(r) = body("ntlm-smb311.pcap:4:0") else {
        panic!()
    };
    assert_eq!(r.summary(), "dialects 2.0.2,2.1,3.0,3.0.2,3.1.1");
    let Body::NegotiateResponse(n) = body("ntlm-smb311.pcap:6:0") else {
        panic!()
    };
    assert_eq!(n.dialect, Dialect::SMB3_1_1);
    assert!(n.missing.is_empty());
    assert!(n.security_buffer.length > 0 && n.security_buffer.is_complete());
    assert!(n
        .ciphers()
        .is_some_and(|c| c.contains(&Cipher::AES_128_GCM) || c.contains(&Cipher::AES_128_CCM)));
    assert!(n
        .negotiate_contexts
        .iter()
        .any(|c| matches!(c.data, ContextData::PreauthIntegrity { .. })));
    let j = serde_json::to_value(&n).unwrap();
    assert_eq!(j["dialect"], "3.1.1");
    assert_eq!(j["dialect_code"], "0x0311");
    assert!(
        n.summary().starts_with("dialect 3.1.1 signing"),
        "{}",
        n.summary()
    );
}

#[test]
fn negotiate_202() {
    let Body::NegotiateRequest(r) = body("ntlm-smb202.pcap:4:0") else {
        panic!()
    };
    assert_eq!(&r.dialects[..], [Dialect::SMB2_0_2]);
    let Body::NegotiateResponse(n) = body("ntlm-smb202.pcap:6:0") else {
        panic!()
    };
    assert_eq!(n.dialect.to_string(), "2.0.2");
    assert!(n.negotiate_contexts.is_empty());
}

#[test]
fn session_setup_security_buffer_is_handed_over() {
    let p = pdu("ntlm-smb311.pcap:9:0");
    let h = Smb2Header::parse(&p).unwrap();
    assert_eq!(h.status, 0xC000_0016);
    let b = parse_body(&h, &p).unwrap();
    assert!(matches!(b, Body::SessionSetupResponse(_)));
    let token = b.security_buffer().unwrap().slice(&p).unwrap();
    assert_eq!(token[0], 0xa1, "SPNEGO negTokenResp");
    let Body::SessionSetupRequest(r) = body("ntlm-smb311.pcap:10:0") else {
        panic!()
    };
    assert!(r
        .security_buffer
        .slice(&pdu("ntlm-smb311.pcap:10:0"))
        .is_some());
}

#[test]
fn wrong_password_is_an_error_response() {
    let p = pdu("ntlm-wrong-password.pcap:11:0");
    let h = Smb2Header::parse(&p).unwrap();
    assert_eq!(h.status, 0xC000_006D);
    let Ok(Body::Error(e)) = parse_body(&h, &p) else {
        panic!()
    };
    assert_eq!(e.byte_count, 0);
}

#[test]
fn bad_share_tree_connect() {
    let Body::TreeConnectRequest(t) = body("ntlm-bad-share.pcap:18:0") else {
        panic!()
    };
    assert_eq!(t.share, r"\\127.0.0.2\nosuchshare");
    assert_eq!(t.summary(), r"\\127.0.0.2\nosuchshare");
    let j = serde_json::to_value(&t).unwrap();
    assert_eq!(j["share"], r"\\127.0.0.2\nosuchshare");
    assert!(matches!(body("ntlm-bad-share.pcap:19:0"), Body::Error(_)));
    let Body::IoctlRequest(i) = body("ntlm-bad-share.pcap:14:0") else {
        panic!()
    };
    assert_eq!(i.summary(), "DFS_GET_REFERRALS");
}

#[test]
fn validate_negotiate_info_202() {
    let Body::IoctlRequest(i) = body("ntlm-smb202.pcap:14:0") else {
        panic!()
    };
    assert_eq!(i.summary(), "VALIDATE_NEGOTIATE_INFO");
    assert_eq!(
        i.validate_negotiate_info.unwrap().dialects,
        vec![Dialect::SMB2_0_2]
    );
    let Body::IoctlResponse(o) = body("ntlm-smb202.pcap:15:0") else {
        panic!()
    };
    assert_eq!(
        o.validate_negotiate_info.unwrap().dialect,
        Dialect::SMB2_0_2
    );
}

#[test]
fn copy_create_write_read() {
    let Body::CreateRequest(c) = body("ntlm-success-copy.pcap:20:0") else {
        panic!()
    };
    assert_eq!(c.filename, "payload.bin");
    let j = serde_json::to_value(&c).unwrap();
    assert_eq!(j["filename"], "payload.bin");
    assert!(c.summary().starts_with("payload.bin ("));
    // the 3 MiB WRITE (first segment, frame 22), cut to its first 512 bytes:
    // the fixed part decodes
    let Body::WriteRequest(w) = body("ntlm-success-copy.pcap:22:0") else {
        panic!()
    };
    assert_eq!(w.length, 3 * 1024 * 1024);
    assert!(w.data_present < w.length);
    assert_eq!(w.summary(), format!("offset 0 len {}", 3 * 1024 * 1024));
    // READ: STATUS_PENDING interim response is an ERROR response
    let p = pdu("ntlm-success-copy.pcap:112:0");
    let h = Smb2Header::parse(&p).unwrap();
    assert_eq!(h.status, 0x103);
    assert!(matches!(parse_body(&h, &p), Ok(Body::Error(_))));
    let Body::ReadRequest(r) = body("ntlm-success-copy.pcap:111:0") else {
        panic!()
    };
    assert_eq!(r.length, 3 * 1024 * 1024);
    assert_eq!(r.summary(), format!("offset 0 len {}", 3 * 1024 * 1024));
    // the final READ response, cut to 512 bytes
    let Body::ReadResponse(rr) = body("ntlm-success-copy.pcap:113:0") else {
        panic!()
    };
    assert_eq!(rr.data_length, 3 * 1024 * 1024);
    assert_eq!(rr.data_present, 512 - u32::from(rr.data_offset));
}

/// Prints the JSON and summary of a few sample bodies (for docs and reports):
/// `cargo test --test smb2_bodies_samples print_examples -- --ignored --nocapture`
#[test]
#[ignore]
fn print_examples() {
    for name in [
        "ntlm-smb311.pcap:4:0",
        "ntlm-smb311.pcap:6:0",
        "ntlm-smb311.pcap:8:0",
        "ntlm-smb311.pcap:9:0",
        "ntlm-smb311.pcap:11:0",
        "guest-bad-user.pcap:11:0",
        "ntlm-smb311.pcap:18:0",
        "ntlm-smb311.pcap:19:0",
        "ntlm-success-copy.pcap:20:0",
        "ntlm-success-copy.pcap:21:0",
        "ntlm-smb202.pcap:14:0",
        "ntlm-wrong-password.pcap:11:0",
        "ntlm-success-copy.pcap:22:0",
    ] {
        let b = body(name);
        println!(
            "{name}: {}\n  {}",
            b.summary(),
            serde_json::to_string(&b).unwrap()
        );
    }
}
