//! Captures that hold one side of a connection only, or lose bytes: the
//! TCP bytes a FIN's sequence number shows were sent and not captured,
//! against tshark on the same captures.

mod common;

use common::{smbscope, ScratchFile};
use serde_json::{json, Value};

fn report_json(path: &str) -> Value {
    let o = smbscope(&[path, "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

/// The records of a classic pcap but those numbered in `dropped` (from 1),
/// each kept byte for byte with its header: what `editcap IN OUT N...`
/// keeps, frames deleted, none edited.
fn without_frames(pcap: &[u8], dropped: &[usize]) -> Vec<u8> {
    assert_eq!(pcap[..4], [0xd4, 0xc3, 0xb2, 0xa1], "little-endian µs pcap");
    let mut out = pcap[..24].to_vec();
    let mut at = 24;
    let mut n = 0;
    while let Some(h) = pcap.get(at..at + 16) {
        let len = u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize;
        n += 1;
        if !dropped.contains(&n) {
            out.extend_from_slice(&pcap[at..at + 16 + len]);
        }
        at += 16 + len;
    }
    assert_eq!(at, pcap.len());
    out
}

/// samples/ntlm-success-copy.pcap without frame 206, the server's last
/// data (its TREE_DISCONNECT response, 72 bytes of TCP payload) before its
/// FIN: the FIN's sequence number (tshark: "previous segment(s) not
/// captured", tcp.analysis.lost_segment on it) shows bytes sent that the
/// capture lacks, and the client's ACK of the FIN ("ACKed segment that
/// wasn't captured") that the client received them. Before, no gap was
/// reported: a hole with no later data behind it was never closed. Now
/// the gap is reported on the server's direction, its bytes the FIN's
/// sequence number less the end of the server's last segment, found at
/// the FIN's frame, as tshark has them; and so when the client's last ACK
/// is dropped too (the FIN never acknowledged: the gap is known at the
/// capture's end).
#[test]
fn bytes_missing_before_a_fin_are_a_gap() {
    let src = std::fs::read(common::root().join("samples/ntlm-success-copy.pcap")).expect("sample");
    for dropped in [&[206][..], &[206, 209]] {
        let cut = ScratchFile::new("one-sided", "cut.pcap", &without_frames(&src, dropped));
        let lost = common::tshark_text(
            cut.path(),
            "tcp.analysis.lost_segment",
            &[
                "frame.number",
                "tcp.srcport",
                "tcp.flags.fin",
                "tcp.seq_raw",
            ],
        );
        let f: Vec<&str> = lost.trim_end().split('\t').collect();
        assert_eq!(f[..3], ["207", "445", "1"], "{lost}");
        let fin_seq: u64 = f[3].parse().expect("seq");
        // The end of the server's last segment in the capture before it.
        let before = common::tshark_text(
            cut.path(),
            "tcp.srcport == 445 && frame.number < 207",
            &["tcp.seq_raw", "tcp.len"],
        );
        let last = before.lines().last().expect("a segment");
        let (seq, len) = last.split_once('\t').expect("two fields");
        let end = seq.parse::<u64>().expect("seq") + len.parse::<u64>().expect("len");
        let missing = fin_seq - end;
        assert_eq!(missing, 72);
        let path = cut.path().to_string_lossy();
        let v = report_json(&path);
        let c = &v["connections"][0];
        assert_eq!(
            (&c["gaps"], &c["gap_bytes"], &c["server_gap_bytes"]),
            (&json!(1), &json!(missing), &json!(missing)),
            "dropped {dropped:?}: {c}"
        );
        let o = smbscope(&[&path]);
        let text = String::from_utf8_lossy(&o.stdout);
        let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let note = "Note: 72 bytes of TCP payload missing from the capture (1 gap): tcp.stream 0, in what the server sent: found at frame 207";
        assert!(words.contains(note), "dropped {dropped:?}: {text}");
    }
}
