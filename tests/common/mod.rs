//! Test helpers: paths of samples and corpus captures, the smbscope binary,
//! tshark's fields; and a test-only capture walker: pcap / pcapng → link layer → IPv4/IPv6 → TCP
//! port 445/139 payload → NetBIOS session messages → SMB PDUs. Only frames
//! whose TCP payload starts at a NetBIOS message boundary are used, and only
//! complete messages (no TCP reassembly): enough for single-segment PDUs.
#![allow(dead_code)]

pub mod advice;

use pcap_parser::pcapng::Block;
use pcap_parser::{PcapCapture, PcapNGCapture};
use std::path::{Path, PathBuf};

/// The `code` of each finding of a report's JSON, in order.
pub fn finding_codes(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect()
}

/// `../shared/corpus/public` next to the crate, when present.
pub fn corpus_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    d.is_dir().then_some(d)
}

/// A capture of `../shared/corpus/public`, when it is there; else None,
/// with a note that the test that asked skips it.
pub fn corpus_capture(name: &str) -> Option<PathBuf> {
    let p = capture_path(&format!("corpus:{name}"));
    if !p.exists() {
        eprintln!("skipping: {} not present", p.display());
        return None;
    }
    Some(p)
}

/// The path of a capture as the stored tshark tables name it:
/// `corpus:NAME` in `../shared/corpus/public`, otherwise `samples/NAME`.
pub fn capture_path(capture: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match capture.strip_prefix("corpus:") {
        Some(n) => root.join("../shared/corpus/public").join(n),
        None => root.join("samples").join(capture),
    }
}

/// `tshark -r PATH -Y FILTER -T fields` writing each frame's fields on a
/// line, separated by tabs, every occurrence of a field given and joined by
/// `aggregator`: the form the tests split tshark's tables by (and
/// scripts/tshark-fields.sh writes them in, with ','). The caller adds its
/// `-e` fields, and `-E header=y` or `-d` options where it wants them.
pub fn tshark_fields(path: &Path, filter: &str, aggregator: char) -> std::process::Command {
    let mut cmd = std::process::Command::new("tshark");
    cmd.arg("-r").arg(path).args(["-Y", filter, "-T", "fields"]);
    cmd.args(["-E", "separator=/t", "-E", "occurrence=a", "-E"]);
    cmd.arg(format!("aggregator={aggregator}"));
    cmd
}

/// tshark's `fields` of the frames `filter` keeps, a line each (tabs
/// between fields, ',' between occurrences); tshark must succeed.
pub fn tshark_text(path: &Path, filter: &str, fields: &[&str]) -> String {
    let mut cmd = tshark_fields(path, filter, ',');
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .stderr(std::process::Stdio::null())
        .output()
        .expect("tshark (.ci/run installs it)");
    assert!(out.status.success(), "tshark on {}", path.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Each UDP or TCP frame's stream as tshark numbers it: ("udp",
/// udp.stream) or ("tcp", tcp.stream); a user types "udp.stream eq N" or
/// "tcp.stream eq N" into Wireshark to find it.
pub fn frame_streams(path: &Path) -> std::collections::HashMap<u64, (&'static str, u64)> {
    tshark_text(
        path,
        "udp || tcp",
        &["frame.number", "udp.stream", "tcp.stream"],
    )
    .lines()
    .map(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        let (t, n) = if f[1].is_empty() {
            ("tcp", f[2])
        } else {
            ("udp", f[1])
        };
        let stream = n.split(',').next().unwrap_or(n);
        (
            f[0].parse::<u64>().expect("frame"),
            (t, stream.parse::<u64>().expect("stream")),
        )
    })
    .collect()
}

/// Each IP frame's addresses as tshark reads them (ip.src, ip.dst or
/// ipv6.src, ipv6.dst; those of an inner header too when a frame has two).
pub fn frame_hosts(path: &Path) -> std::collections::HashMap<u64, Vec<std::net::IpAddr>> {
    let fields = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst"];
    tshark_text(path, "ip || ipv6", &fields)
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            let frame = f.next().and_then(|n| n.parse::<u64>().ok()).expect("frame");
            let hosts = f
                .flat_map(|x| x.split(','))
                .filter_map(|x| x.parse().ok())
                .collect();
            (frame, hosts)
        })
        .collect()
}

/// One frame's TCP payload on port 445 or 139.
pub struct Frame {
    /// 1-based frame number, as tshark counts.
    pub number: u32,
    pub payload: Vec<u8>,
}

/// One message of a NetBIOS session: SMB2 PDUs (a compound split at
/// NextCommand) or an SMB1 message.
pub enum Msg {
    Smb2(Vec<Vec<u8>>),
    Smb1(Vec<u8>),
    Transform,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// TCP payload of a packet whose link type is `lt`, if it is TCP to/from 445/139.
fn tcp_payload(lt: i32, d: &[u8]) -> Option<Vec<u8>> {
    let (mut et, mut at) = match lt {
        1 => (be16(d, 12)?, 14usize), // Ethernet
        0 | 108 => (
            if d.get(0..4)? == [2, 0, 0, 0] || d.get(0..4)? == [0, 0, 0, 2] {
                0x0800
            } else {
                0x86DD
            },
            4,
        ), // NULL/LOOP
        113 => (be16(d, 14)?, 16),    // Linux SLL
        276 => (be16(d, 0)?, 20),     // Linux SLL2
        101 | 12 | 14 => (if d.first()? >> 4 == 4 { 0x0800 } else { 0x86DD }, 0), // raw IP
        _ => return None,
    };
    while et == 0x8100 || et == 0x88A8 {
        et = be16(d, at + 2)?;
        at += 4;
    }
    let (proto, l4) = match et {
        0x0800 => {
            let ihl = usize::from(d.get(at)? & 0x0F) * 4;
            let total = usize::from(be16(d, at + 2)?);
            let end = (at + total).min(d.len());
            (*d.get(at + 9)?, d.get(at + ihl..end)?)
        }
        0x86DD => {
            let plen = usize::from(be16(d, at + 4)?);
            let end = (at + 40 + plen).min(d.len());
            (*d.get(at + 6)?, d.get(at + 40..end)?)
        }
        _ => return None,
    };
    if proto != 6 {
        return None;
    }
    let (sp, dp) = (be16(l4, 0)?, be16(l4, 2)?);
    if ![445, 139].contains(&sp) && ![445, 139].contains(&dp) {
        return None;
    }
    let off = usize::from(l4.get(12)? >> 4) * 4;
    let p = l4.get(off..)?;
    (!p.is_empty()).then(|| p.to_vec())
}

/// Every TCP 445/139 frame with payload in the capture at `path`.
pub fn frames(path: &Path) -> Vec<Frame> {
    let data = std::fs::read(path).expect("read capture");
    let mut out = Vec::new();
    if let Ok(cap) = PcapCapture::from_file(&data) {
        let lt = cap.header.network.0;
        for (i, b) in cap.blocks.iter().enumerate() {
            if let Some(payload) = tcp_payload(lt, b.data) {
                out.push(Frame {
                    number: i as u32 + 1,
                    payload,
                });
            }
        }
    } else if let Ok(cap) = PcapNGCapture::from_file(&data) {
        let mut n = 0u32;
        for s in &cap.sections {
            let mut lts = Vec::new();
            for b in &s.blocks {
                match b {
                    Block::InterfaceDescription(idb) => lts.push(idb.linktype.0),
                    Block::EnhancedPacket(epb) => {
                        n += 1;
                        let lt = lts.get(epb.if_id as usize).copied().unwrap_or(1);
                        let d = &epb.data[..(epb.caplen as usize).min(epb.data.len())];
                        if let Some(payload) = tcp_payload(lt, d) {
                            out.push(Frame { number: n, payload });
                        }
                    }
                    Block::SimplePacket(_) => n += 1,
                    _ => {}
                }
            }
        }
    } else {
        panic!("{}: neither pcap nor pcapng", path.display());
    }
    out
}

/// Splits a TCP payload that starts at a NetBIOS message boundary into the
/// complete messages it holds; `None` when it does not start at a boundary.
pub fn messages(p: &[u8]) -> Option<Vec<Msg>> {
    if p.len() < 8
        || p[0] != 0
        || !matches!(&p[4..8], b"\xfeSMB" | b"\xffSMB" | b"\xfdSMB" | b"\xfcSMB")
    {
        return None;
    }
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 4 <= p.len() {
        let ln =
            (usize::from(p[at + 1]) << 16) | (usize::from(p[at + 2]) << 8) | usize::from(p[at + 3]);
        let Some(m) = p.get(at + 4..at + 4 + ln) else {
            break;
        };
        let typ = p[at];
        at += 4 + ln;
        if typ != 0 {
            continue;
        }
        match m.get(0..4) {
            Some(b"\xfeSMB") => {
                let mut pdus = Vec::new();
                let mut off = 0usize;
                while let Some(h) = m.get(off..off + 64) {
                    let next = u32::from_le_bytes([h[20], h[21], h[22], h[23]]) as usize;
                    let end = if next == 0 {
                        m.len()
                    } else {
                        (off + next).min(m.len())
                    };
                    pdus.push(m[off..end].to_vec());
                    if next == 0 || end >= m.len() {
                        break;
                    }
                    off = end;
                }
                out.push(Msg::Smb2(pdus));
            }
            Some(b"\xffSMB") => out.push(Msg::Smb1(m.to_vec())),
            _ => out.push(Msg::Transform),
        }
    }
    Some(out)
}

/// Every capture file (.pcap, .pcapng) of a directory, by name.
pub fn corpus_captures(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".pcap") || n.ends_with(".pcapng")
        })
        .collect();
    v.sort();
    v
}

/// Every capture of `samples/` and, when it is there, of the corpus.
pub fn all_captures() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = sample_names()
        .iter()
        .map(|n| PathBuf::from(sample(n)))
        .collect();
    if let Some(d) = corpus_dir() {
        all.extend(corpus_captures(&d));
    }
    all
}

/// The SMB1 captures: the samples named `smb1-*` and the corpus' four SMB1
/// captures (arkime-smb1-vlan-ntlm, sv-smb1-sll-ntlm,
/// zeek-smb1-gssapi-kerberos, zeek-smb1-raw-ntlm-port139, when the corpus
/// is there), then the corpus captures `more` names.
pub fn smb1_captures(more: &[&str]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = sample_names()
        .into_iter()
        .filter(|n| n.starts_with("smb1-"))
        .map(|n| capture_path(&n))
        .collect();
    let corpus = [
        "arkime-smb1-vlan-ntlm.pcap",
        "sv-smb1-sll-ntlm.pcap",
        "zeek-smb1-gssapi-kerberos.pcap",
        "zeek-smb1-raw-ntlm-port139.pcap",
    ];
    for c in corpus.iter().chain(more) {
        paths.extend(corpus_capture(c));
    }
    paths
}

/// The rows of a per-capture file of tests/data written by a tshark script
/// (dcerpc_frames.tsv, client_guids.tsv): (capture, its size in bytes,
/// the rest of the row), `#` lines left out.
pub fn capture_rows(text: &'static str) -> impl Iterator<Item = (String, u64, &'static str)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            let name = f.next()?.to_string();
            let bytes = f.next()?.parse().ok()?;
            Some((name, bytes, f.next().unwrap_or("")))
        })
}

/// The PDUs of our own samples (tests/data/sample_pdus.txt): (name, bytes).
pub fn sample_pdus() -> Vec<(String, Vec<u8>)> {
    include_str!("../data/sample_pdus.txt")
        .lines()
        .filter_map(|l| {
            let (name, hex) = l.split_once(' ')?;
            let bytes = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .ok()?;
            Some((name.to_string(), bytes))
        })
        .collect()
}

/// The crate's directory, where the tests run smbscope.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The path of `samples/NAME`, as a command-line argument.
pub fn sample(name: &str) -> String {
    root()
        .join("samples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The file names of the captures in `samples/`, sorted.
pub fn sample_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("samples"))
        .expect("samples")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
        .collect();
    names.sort();
    names
}

/// The smbscope binary run with `args` in the crate's directory, without
/// colour.
pub fn smbscope(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_smbscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(root())
        .output()
        .expect("run smbscope")
}

/// `smbscope check ARGS`: exit code (-1 when killed by a signal) and
/// standard output.
pub fn check(args: &[&str]) -> (i32, String) {
    let mut a = vec!["check"];
    a.extend_from_slice(args);
    let o = smbscope(&a);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

/// `--port N` for a capture whose name says SMB is on port N ("…-port4455.pcap";
/// 139 and 445 are always followed).
pub fn port_args(name: &str) -> Vec<String> {
    let Some(at) = name.find("port") else {
        return vec![];
    };
    let digits: String = name[at + 4..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    match digits.as_str() {
        "" | "139" | "445" => vec![],
        p => vec!["--port".into(), p.into()],
    }
}

/// `tool args` with `input` on its standard input: its standard output.
pub fn filter(tool: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool}: {e} (.ci/run installs it)"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feed = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    feed.join().unwrap().unwrap();
    assert!(out.status.success(), "{tool} {args:?}");
    out.stdout
}

/// A directory of its own under the system's temporary directory,
/// `smbscope-NAME-PID-N` (N counts the directories of this test binary),
/// removed with what it holds when dropped: at the end of the test, also of
/// one that fails (the drop runs as the panic unwinds).
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(name: &str) -> ScratchDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("smbscope-{name}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        ScratchDir(dir)
    }
}

impl std::ops::Deref for ScratchDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for ScratchDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file named `name` holding `bytes`, in a [`ScratchDir`] of its own
/// (`smbscope-DIR-PID-N`), removed with it when dropped. Its path is
/// [`ScratchFile::path`], not an `AsRef`: `.arg(ScratchFile::new(..))`
/// would drop the file before the command runs.
pub struct ScratchFile {
    path: PathBuf,
    _dir: ScratchDir,
}

impl ScratchFile {
    pub fn new(dir: &str, name: &str, bytes: &[u8]) -> ScratchFile {
        let d = ScratchDir::new(dir);
        let path = d.join(name);
        std::fs::write(&path, bytes).expect("a scratch file");
        ScratchFile { path, _dir: d }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::ops::Deref for ScratchFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}
