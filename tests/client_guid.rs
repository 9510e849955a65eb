//! The ClientGuid of each connection's SMB2 NEGOTIATE request
//! (`connections[].negotiate.client_guid`, [MS-SMB2] 2.2.3) against
//! tshark's smb2.client_guid, and `activity.impacket_client` against the
//! GUIDs made of sixteen ASCII letters, as impacket's client makes them:
//! on every capture of samples/ and the corpus. tshark's fields are in
//! tests/data/client_guids.tsv (scripts/tshark-test-data.sh, which is
//! to be run again when a capture is added or changed: the test names such
//! a capture).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// tshark's (frame, tcp.stream, ClientGuid) of each SMB2 NEGOTIATE
/// request, and the capture's size, per capture.
struct Theirs {
    bytes: u64,
    requests: Vec<(u64, u64, String)>,
}

fn stored() -> BTreeMap<String, Theirs> {
    common::capture_rows(include_str!("data/client_guids.tsv"))
        .map(|(name, bytes, rest)| {
            let requests = rest
                .split_whitespace()
                .filter_map(|item| {
                    let mut p = item.splitn(3, ':');
                    let frame = p.next()?.parse().ok()?;
                    let stream = p.next()?.parse().ok()?;
                    Some((frame, stream, p.next()?.to_string()))
                })
                .collect();
            (name, Theirs { bytes, requests })
        })
        .collect()
}

/// The 16 bytes of a GUID in its text form (Data1..Data3 little-endian,
/// [MS-DTYP] 2.3.4), as they were on the wire.
fn wire_bytes(text: &str) -> Vec<u8> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let b: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    assert_eq!(b.len(), 16, "{text}");
    let mut w = Vec::with_capacity(16);
    w.extend(b[0..4].iter().rev());
    w.extend(b[4..6].iter().rev());
    w.extend(b[6..8].iter().rev());
    w.extend(&b[8..]);
    w
}

fn letters(text: &str) -> bool {
    wire_bytes(text).iter().all(u8::is_ascii_alphabetic)
}

#[test]
fn wire_bytes_of_a_guid_text() {
    // impacket-client-ntlm-smbd frame 8: tshark's text of the ClientGuid
    // whose bytes on the wire read "NwzRbpNjNQHDDCmg".
    assert_eq!(
        wire_bytes("527a774e-7062-6a4e-4e51-484444436d67"),
        b"NwzRbpNjNQHDDCmg"
    );
}

#[test]
fn client_guids_are_tsharks_and_impacket_is_told_by_them() {
    let stored = stored();
    let mut impacket_captures = 0;
    let mut compared = 0;
    for path in common::all_captures() {
        let name = path_name(&path);
        let Some(theirs) = stored.get(&name) else {
            panic!("{name}: not in tests/data/client_guids.tsv (scripts/tshark-test-data.sh)");
        };
        let bytes = std::fs::metadata(&path).expect("capture").len();
        assert_eq!(
            theirs.bytes, bytes,
            "{name}: changed since tests/data/client_guids.tsv"
        );
        let a = common::advice::run(&path);
        let by_frame: BTreeMap<u64, (u64, &str)> = theirs
            .requests
            .iter()
            .map(|(f, s, g)| (*f, (*s, g.as_str())))
            .collect();
        let mut ours_streams = BTreeSet::new();
        for c in &a.model.connections {
            let Some(n) = &c.negotiate else { continue };
            let Some(g) = n.client_guid else {
                assert!(n.request_frame.is_none(), "{name}: stream {}", c.stream);
                continue;
            };
            let frame = n
                .request_frame
                .expect("a ClientGuid comes with its request");
            let Some(&(stream, guid)) = by_frame.get(&frame) else {
                panic!("{name}: frame {frame}: tshark has no NEGOTIATE request there");
            };
            assert_eq!(
                (c.stream, g.to_string()),
                (stream, guid.to_string()),
                "{name}: frame {frame}"
            );
            ours_streams.insert(c.stream);
            compared += 1;
        }
        let their_streams: BTreeSet<u64> = theirs.requests.iter().map(|r| r.1).collect();
        assert_eq!(
            ours_streams, their_streams,
            "{name}: streams with a NEGOTIATE request"
        );
        // activity.impacket_client covers exactly the streams whose
        // ClientGuid is sixteen letters.
        let impacket: BTreeSet<u64> = theirs
            .requests
            .iter()
            .filter(|r| letters(&r.2))
            .map(|r| r.1)
            .collect();
        let found: BTreeSet<u64> = a
            .diagnosis
            .findings
            .iter()
            .filter(|f| f.code == "activity.impacket_client")
            .flat_map(|f| f.stream.into_iter().chain(f.covers.iter().map(|c| c.0)))
            .collect();
        assert_eq!(found, impacket, "{name}: activity.impacket_client");
        impacket_captures += usize::from(!impacket.is_empty());
    }
    // 11 impacket samples, and the corpus' zerologon and account-disabled
    // captures when the corpus is there.
    assert!(impacket_captures >= 11, "{impacket_captures}");
    assert!(compared >= 150, "{compared}");
}

fn path_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What the finding says of the zerologon capture (corpus): 11 impacket
/// connections of one address (tcp.stream 42 to 52), 10 anonymous logons
/// answered with success (tshark: ntlmssp.auth.username NULL at frames
/// 639 ... 986, smb2.nt_status 0 on their SESSION_SETUP responses) and a
/// refused administrator logon (frame 861, tcp.stream 48).
#[test]
fn impacket_finding_on_the_zerologon_capture() {
    let Some(path) = common::corpus_capture("sv-smb3-zerologon-anon-ntlm.pcap") else {
        return;
    };
    let a = common::advice::run(&path);
    let f = common::advice::with_code(&a, "activity.impacket_client");
    assert_eq!(f.len(), 1);
    let f = f[0];
    assert_eq!(
        f.title,
        "impacket's SMB client on 172.16.0.10 (11 connections to 172.16.5.58:445)"
    );
    assert_eq!(f.severity, smbscope::diagnose::Severity::Warning);
    common::advice::says(&f.explanation, "frame 633, tcp.stream 42");
    common::advice::says(
        &f.explanation,
        "'SwqaFEarFIcQNlcp' (61717753-4546-7261-4649-63514e6c6370)",
    );
    common::advice::says(
        &f.explanation,
        "It logged on anonymously 10 times. Logons refused: lab.local\\administrator.",
    );
    common::advice::says(&f.next_step, "Find out who ran it on 172.16.0.10");
}
