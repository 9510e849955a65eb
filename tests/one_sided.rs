//! Captures that hold one side of a connection only, or lose bytes: the
//! tree connects of a capture that lacks the server's side, and the TCP
//! bytes a FIN's sequence number shows were sent and not captured, against
//! tshark on the same captures.

mod common;

use std::collections::BTreeMap;

use common::{smbscope, ScratchFile};
use serde_json::{json, Value};

fn report_json(path: &str) -> Value {
    let o = smbscope(&[path, "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

/// One request of the client, as tshark reads it: (frame, smb2.cmd,
/// smb2.sesid, smb2.tid, smb2.tree).
type Request = (u64, u64, String, u32, String);

/// A TreeId's requests: the first and last frame, how many, the first
/// TREE_DISCONNECT.
type Use = (u64, u64, u64, Option<u64>);

fn requests(path: &std::path::Path) -> Vec<Request> {
    let text = common::tshark_text(
        path,
        "smb2 && smb2.flags.response == 0",
        &[
            "frame.number",
            "smb2.cmd",
            "smb2.sesid",
            "smb2.tid",
            "smb2.tree",
        ],
    );
    let mut rows = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        // One SMB2 message a frame in this capture (no compound chains).
        assert!(!f[1].contains(','), "{line}");
        let tid = u32::from_str_radix(f[3].trim_start_matches("0x"), 16).expect("tid");
        rows.push((
            f[0].parse().expect("frame"),
            f[1].parse().expect("cmd"),
            f[2].to_string(),
            tid,
            f[4].to_string(),
        ));
    }
    rows
}

/// sv-smb2-oneside-kerberos holds the client's side of its connection
/// alone (no SMB2 frame from port 445; the session's test in
/// tests/check_cli.rs shows the logon the client went on with). Its
/// TREE_CONNECT requests (tshark: smb2.cmd 3, frames 6 for \\dc1\IPC$ and 74
/// for \\dc1\ADMIN$) have no response, yet each is followed by requests
/// with a TreeId no earlier request carried (smb2.tid 1 from frame 7, 5
/// from frame 75), up to a TREE_DISCONNECT with it: a request's TreeId is
/// one "received from a previous SMB2 TREE_CONNECT Response" ([MS-SMB2]
/// 2.2.1.2). The report lists both tree connects, status null and
/// `client_went_on` as tshark's rows give it (counted here from them: the
/// requests with the TreeId, the first and last, the TREE_DISCONNECT), and
/// the text counts them and tells it in the trees table.
#[test]
fn tree_connects_of_a_one_sided_capture_are_listed_with_the_tree_ids_the_client_went_on_with() {
    let Some(f) = common::corpus_capture("sv-smb2-oneside-kerberos.pcap") else {
        return;
    };
    let from_server = common::tshark_text(&f, "smb2 && tcp.srcport == 445", &["frame.number"]);
    assert_eq!(from_server, "");
    let rows = requests(&f);
    let connects: Vec<&Request> = rows.iter().filter(|r| r.1 == 3).collect();
    assert_eq!(
        connects
            .iter()
            .map(|r| (r.0, r.4.as_str()))
            .collect::<Vec<_>>(),
        [(6, "\\\\dc1\\IPC$"), (74, "\\\\dc1\\ADMIN$")]
    );
    // Each TreeId's requests (not 0: TREE_CONNECT, LOGOFF), by first use.
    let mut uses: BTreeMap<u32, Use> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.3 != 0) {
        let u = uses.entry(r.3).or_insert((r.0, r.0, 0, None));
        u.1 = r.0;
        u.2 += 1;
        if r.1 == 4 {
            u.3.get_or_insert(r.0);
        }
    }
    let mut want = Vec::new();
    for (k, c) in connects.iter().enumerate() {
        let next = connects.get(k + 1).map_or(u64::MAX, |n| n.0);
        let new: Vec<(&u32, &Use)> = uses
            .iter()
            .filter(|(_, u)| u.0 > c.0 && u.0 < next)
            .collect();
        assert_eq!(new.len(), 1, "one new TreeId after frame {}", c.0);
        let (tid, (first, last, n, disconnect)) = new[0];
        want.push(json!({
            "share": c.4,
            "session_id": format!("0x{:x}", u64::from_str_radix(c.2.trim_start_matches("0x"), 16).expect("sesid")),
            "tree_id": format!("{tid:#x}"),
            "status": null,
            "request_frame": c.0,
            "client_went_on": {
                "first_frame": first,
                "last_frame": last,
                "requests": n,
                "disconnect_request_frame": disconnect.expect("a TREE_DISCONNECT"),
            },
        }));
    }
    let path = f.to_string_lossy();
    let v = report_json(&path);
    let trees = v["trees"].as_array().expect("trees");
    let got: Vec<Value> = trees
        .iter()
        .map(|t| {
            let keys = [
                "share",
                "session_id",
                "tree_id",
                "status",
                "request_frame",
                "client_went_on",
            ];
            keys.iter().map(|k| (k.to_string(), t[k].clone())).collect()
        })
        .collect();
    assert_eq!(got, want);
    for t in trees {
        assert!(t.get("response_frame").is_none(), "{t}");
        assert_eq!(t["stream"], 0);
    }
    // The numbers tshark gives, written out.
    assert_eq!(
        want[0]["client_went_on"],
        json!({"first_frame": 7, "last_frame": 81, "requests": 63, "disconnect_request_frame": 81})
    );
    assert_eq!(
        want[1]["client_went_on"],
        json!({"first_frame": 75, "last_frame": 80, "requests": 4, "disconnect_request_frame": 80})
    );
    let o = smbscope(&[&path]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\n2 tree connect(s), "), "{text}");
    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for told in [
        "IPC$ - ↓ 0 0 (0 B) 0 (0 B) - status: no response; almost certainly connected: the client went on with TreeId 0x1 in 63 request(s), frames 7-81 (TREE_DISCONNECT at frame 81); the server's side is not in the capture",
        "ADMIN$ - ↓ 0 0 (0 B) 0 (0 B) - status: no response; almost certainly connected: the client went on with TreeId 0x5 in 4 request(s), frames 75-80 (TREE_DISCONNECT at frame 80); the server's side is not in the capture",
    ] {
        assert!(words.contains(told), "{told}\n{text}");
    }
    // Not a failed tree connect: --failed-only leaves them out, and no
    // tree finding is made.
    let o = smbscope(&[&path, "--failed-only", "--format", "json"]);
    let failed: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(failed["trees"], json!([]));
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert_eq!(codes, ["connection.one_sided"]);
    let explanation = v["findings"][0]["explanation"].as_str().expect("text");
    let told = "Its tree connects too: the client went on with TreeId 0x1 after the TREE_CONNECT to \\\\dc1\\IPC$ of frame 6, TreeId 0x5 after the TREE_CONNECT to \\\\dc1\\ADMIN$ of frame 74; a client takes a TreeId from the successful TREE_CONNECT response that gives it ([MS-SMB2] 3.2.5.5), so they almost certainly succeeded (the trees table lists them).";
    assert!(explanation.ends_with(told), "{explanation}");
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
