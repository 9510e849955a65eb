//! TCP headers cut by the snaplen, against a live tshark: copies of real
//! captures with every record cut inside the TCP header (what `editcap -s N`
//! writes, made with pcap_build::snapped and checked against editcap where it
//! is installed), for each link type the samples have (Ethernet, 802.1ad +
//! 802.1Q, Linux cooked v1 and v2, raw IP) and IPv4 and IPv6. Per frame, the
//! conversation number (tshark's `tcp.stream`), the flags and the sequence
//! number agree with tshark's, whatever is cut; the pipeline's connections
//! start at the frame where tshark's streams do, with the SYN seen where
//! tshark saw one; and a frame whose TCP header kept the 16 bytes tshark needs
//! is not counted as malformed. Skipped, with a note, where tshark is not
//! installed.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use smbscope::capture::CaptureReader;
use smbscope::net::{self, Packet};
use smbscope::pipeline::{self, Event, Options};
use smbscope::tcp::{Ctx, EndReason, FlowInfo, Gap, Limits, Reassembler, StreamSink};

mod common;
mod pcap_build;

/// What a frame is at the TCP layer: (tcp.stream, the flags FIN..URG,
/// tcp.seq_raw), or nothing.
type Row = Option<(u64, u8, u32)>;

/// Numbers conversations and follows none.
struct NumberOnly;

impl StreamSink for NumberOnly {
    type State = ();
    fn open(&mut self, _: &FlowInfo, _: &Ctx) -> Option<()> {
        None
    }
    fn data(&mut self, _: &mut (), _: &Ctx, _: usize, _: &[u8]) {}
    fn gap(&mut self, _: &mut (), _: &Ctx, _: usize, _: Gap) {}
    fn end(&mut self, _: &mut (), _: &Ctx, _: usize, _: EndReason, _: bool) {}
    fn close(&mut self, _: (), _: &Ctx) {}
}

/// Our rows, frame by frame: the net layer and the tcp layer's numbering.
fn our_rows(cap: &Path) -> Vec<Row> {
    let mut reader = CaptureReader::new(File::open(cap).expect("opens")).expect("a capture");
    let mut tcp = Reassembler::new(Limits::default());
    let mut rows = Vec::new();
    while let Some(f) = reader.next_frame().expect("reads") {
        assert_eq!(f.number, rows.len() as u64 + 1);
        rows.push(match net::decode(f.link_type, f.data) {
            Ok(Packet::Tcp(seg)) => {
                let stream = tcp.process(&seg, f.number, f.ts, &mut NumberOnly);
                Some((stream, seg.flags.0, seg.seq))
            }
            _ => None,
        });
    }
    rows
}

/// tshark's rows, frame by frame; `None` when tshark cannot be run.
fn their_rows(cap: &Path) -> Option<Vec<Row>> {
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(cap)
        .args(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"])
        .args(["-e", "frame.number", "-e", "tcp.stream"])
        .args(["-e", "tcp.flags", "-e", "tcp.seq_raw"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    assert!(out.status.success(), "tshark on {}", cap.display());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut rows = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f[0], (rows.len() + 1).to_string(), "{line}");
        rows.push(match f[1] {
            "" => None,
            stream => {
                let flags = u16::from_str_radix(f[2].trim_start_matches("0x"), 16).expect(line);
                Some((
                    stream.parse().expect(line),
                    // Ours are FIN..URG; tshark's also ECE, CWR, AE.
                    (flags & 0x3F) as u8,
                    f[3].parse().expect(line),
                ))
            }
        });
    }
    Some(rows)
}

/// The captures, with where their TCP headers start in a frame (raw IP
/// frames of both versions: two places).
fn captures() -> Vec<(PathBuf, Vec<u32>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let samples = root.join("samples");
    let mut v = vec![
        // Ethernet, IPv4: SYN and SYN-ACK with 20 bytes of options, the
        // rest with 12 (timestamps)
        (samples.join("ntlm-wrong-password.pcap"), vec![34]),
        (samples.join("ntlm-ipv6-success.pcap"), vec![54]),
        (samples.join("ntlm-port139-qinq.pcap"), vec![42]),
        // Linux cooked v2, nanoseconds
        (samples.join("ntlm-sll2-nanosecond.pcap"), vec![40]),
        // IPv4 and IPv6 connections with the same ports
        (samples.join("ntlm-rawip-tun.pcap"), vec![20, 40]),
    ];
    let corpus = root.join("../shared/corpus/public");
    for (name, at) in [
        ("sv-smb1-sll-ntlm.pcap", 36),
        ("arkime-smb1-vlan-ntlm.pcap", 38),
    ] {
        if corpus.join(name).is_file() {
            v.push((corpus.join(name), vec![at]));
        }
    }
    v
}

/// Bytes of the TCP header kept: fewer than the 16 tshark needs, the 16,
/// the fixed header cut after the window, whole but its options cut (all
/// of them, inside the timestamps, inside a SYN's).
const KEPT: [u32; 6] = [15, 16, 19, 24, 31, 39];

/// Compares one cut copy; returns the frames compared.
fn compare(label: &str, cap: &Path, theirs: &[Row], problems: &mut Vec<String>) -> usize {
    let ours = our_rows(cap);
    if ours.len() != theirs.len() {
        problems.push(format!(
            "{label}: {} frames, tshark {}",
            ours.len(),
            theirs.len()
        ));
        return 0;
    }
    for (i, (o, t)) in ours.iter().zip(theirs).enumerate() {
        if o != t {
            problems.push(format!(
                "{label} frame {}: (stream, flags, seq) {o:?}, tshark {t:?}",
                i + 1
            ));
        }
    }
    // Where each of tshark's streams starts, and whether with a pure SYN.
    let mut starts = BTreeMap::new();
    for (i, t) in theirs.iter().enumerate() {
        if let Some((stream, flags, _)) = *t {
            starts
                .entry(stream)
                .or_insert((i as u64 + 1, flags & 0x12 == 0x02));
        }
    }
    let mut reader = CaptureReader::new(File::open(cap).expect("opens")).expect("a capture");
    let mut opened = BTreeMap::new();
    let outcome = pipeline::run(&mut reader, &Options::default(), |ev| {
        if let Event::ConnectionOpen { info, frame, .. } = ev {
            opened.insert(info.stream, (frame, info.saw_syn));
        }
    });
    assert!(outcome.error.is_none(), "{label}: {:?}", outcome.error);
    for (stream, start) in &opened {
        if starts.get(stream) != Some(start) {
            problems.push(format!(
                "{label}: connection {stream} opens at (frame, SYN seen) {start:?}, tshark's at {:?}",
                starts.get(stream)
            ));
        }
    }
    if opened.is_empty() && !starts.is_empty() {
        problems.push(format!("{label}: no connection, tshark has {starts:?}"));
    }
    // Every frame of these captures is TCP: the ones tshark numbers are
    // segments, the others (headers cut before 16 TCP bytes) malformed.
    let malformed = outcome
        .stats
        .skipped
        .iter()
        .find(|(k, _)| *k == "malformed");
    let malformed = malformed.map_or(0, |(_, n)| *n);
    let numbered = theirs.iter().filter(|t| t.is_some()).count() as u64;
    let segments = outcome.stats.tcp.segments;
    if segments != numbered || malformed != theirs.len() as u64 - numbered {
        problems.push(format!(
            "{label}: {segments} segments, {malformed} frames skipped as malformed; \
             tshark numbers {numbered} frames of {}",
            theirs.len()
        ));
    }
    ours.len()
}

#[test]
fn tcp_headers_cut_by_the_snaplen_agree_with_tshark() {
    let dir = common::ScratchDir::new("tcpcut");
    let mut jobs = Vec::new();
    for (cap, starts) in captures() {
        let source = std::fs::read(&cap).expect("capture");
        let name = cap.file_name().unwrap().to_string_lossy().into_owned();
        let mut snaplens: Vec<u32> = starts
            .iter()
            .flat_map(|s| KEPT.iter().map(move |k| s + k))
            .collect();
        snaplens.sort_unstable();
        snaplens.dedup();
        for snaplen in snaplens {
            let bytes = pcap_build::snapped(&source, snaplen);
            let cut = dir.join(format!("{name}-s{snaplen}.pcap"));
            std::fs::write(&cut, &bytes).expect("written");
            jobs.push((format!("{name} cut to {snaplen}"), cut));
        }
        // The copies are editcap's (checked on one).
        let nanosecond = source[..4] == [0x4d, 0x3c, 0xb2, 0xa1];
        let by_editcap = dir.join(format!("{name}-editcap.pcap"));
        let snaplen = (starts[0] + KEPT[3]).to_string();
        let ran = std::process::Command::new("editcap")
            .args(["-F", if nanosecond { "nsecpcap" } else { "pcap" }])
            .args(["-s", &snaplen])
            .arg(&cap)
            .arg(&by_editcap)
            .status();
        if ran.is_ok_and(|s| s.success()) {
            let ours = dir.join(format!("{name}-s{snaplen}.pcap"));
            assert!(
                std::fs::read(&by_editcap).unwrap() == std::fs::read(&ours).unwrap(),
                "{name}: not what editcap writes"
            );
        }
    }
    // tshark takes half a second a copy: two at a time.
    let (left, right) = jobs.split_at(jobs.len() / 2);
    let run = |jobs: &[(String, PathBuf)]| -> Option<(Vec<String>, usize)> {
        let (mut problems, mut frames) = (Vec::new(), 0);
        for (label, cut) in jobs {
            let theirs = their_rows(cut)?;
            frames += compare(label, cut, &theirs, &mut problems);
        }
        Some((problems, frames))
    };
    let results = std::thread::scope(|s| {
        let a = s.spawn(|| run(left));
        let b = run(right);
        [a.join().expect("no panic"), b]
    });
    let (mut problems, mut frames) = (Vec::new(), 0);
    for r in results {
        let Some((p, n)) = r else {
            eprintln!("note: tshark is not installed; cut TCP headers not compared");
            return;
        };
        problems.extend(p);
        frames += n;
    }
    eprintln!("{frames} frames of {} cut copies compared", jobs.len());
    // 14, 46, 40, 38 and 76 frames in the samples: 6 copies each, 12 of the
    // raw IP one.
    assert!(frames >= 6 * (14 + 46 + 40 + 38) + 12 * 76, "{frames}");
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
