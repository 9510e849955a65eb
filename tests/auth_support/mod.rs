//! Test-only helpers: a minimal frame walk over pcap/pcapng captures that
//! finds SMB security blobs and Kerberos port-88 messages in single-segment
//! messages. Not the product's pipeline; just enough to feed the auth layer
//! real bytes.
#![allow(dead_code)]

use etherparse::{LaxSlicedPacket, TransportSlice};
use pcap_parser::{Block, Capture, Linktype, PcapBlock};
use pcap_parser::{PcapCapture, PcapNGCapture};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the shared public corpus lives, relative to the crate root.
pub fn corpus_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    p.is_dir().then_some(p)
}

/// One TCP/UDP payload.
pub struct Segment {
    pub frame: u64,
    pub tcp: bool,
    pub src_port: u16,
    pub dst_port: u16,
    /// Flow key (addresses + ports as text), per direction.
    pub flow: String,
    pub seq: u32,
    pub payload: Vec<u8>,
}

/// Every TCP/UDP payload of a capture, with 1-based frame numbers as tshark counts them.
pub fn segments(path: &Path) -> Vec<Segment> {
    let data = std::fs::read(path).expect("read capture");
    let mut out = Vec::new();
    let mut push = |frame: u64, linktype, pkt: &[u8]| {
        let linktype: Linktype = linktype;
        let sliced = match linktype {
            Linktype::ETHERNET => LaxSlicedPacket::from_ethernet(pkt).ok(),
            Linktype::NULL | Linktype::LOOP => {
                pkt.get(4..).and_then(|d| LaxSlicedPacket::from_ip(d).ok())
            }
            Linktype::LINUX_SLL => pkt.get(16..).and_then(|d| LaxSlicedPacket::from_ip(d).ok()),
            Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => LaxSlicedPacket::from_ip(pkt).ok(),
            _ => None,
        };
        let Some(s) = sliced else { return };
        let addrs = match &s.net {
            Some(n) => format!("{:?}", n.ip_payload_ref().map(|p| p.ip_number)),
            None => String::new(),
        };
        let ips = match &s.net {
            Some(etherparse::LaxNetSlice::Ipv4(v4)) => {
                format!(
                    "{:?}>{:?}",
                    v4.header().source_addr(),
                    v4.header().destination_addr()
                )
            }
            Some(etherparse::LaxNetSlice::Ipv6(v6)) => {
                format!(
                    "{:?}>{:?}",
                    v6.header().source_addr(),
                    v6.header().destination_addr()
                )
            }
            _ => addrs,
        };
        match &s.transport {
            Some(TransportSlice::Tcp(t)) => out.push(Segment {
                frame,
                tcp: true,
                src_port: t.source_port(),
                dst_port: t.destination_port(),
                flow: format!("{ips}:{}>{}", t.source_port(), t.destination_port()),
                seq: t.sequence_number(),
                payload: t.payload().to_vec(),
            }),
            Some(TransportSlice::Udp(u)) => out.push(Segment {
                frame,
                tcp: false,
                src_port: u.source_port(),
                dst_port: u.destination_port(),
                flow: format!("{ips}:{}>{}", u.source_port(), u.destination_port()),
                seq: 0,
                payload: u.payload().to_vec(),
            }),
            _ => {}
        }
    };
    let mut frame = 0u64;
    if let Ok(cap) = PcapCapture::from_file(&data) {
        let lt = cap.get_datalink();
        for b in cap.iter() {
            if let PcapBlock::Legacy(p) = b {
                frame += 1;
                let n = (p.caplen as usize).min(p.data.len());
                push(frame, lt, &p.data[..n]);
            }
        }
    } else if let Ok(cap) = PcapNGCapture::from_file(&data) {
        // section by section: pcap-parser's PcapNGCapture::iter() supports
        // only one (samples/ntlm-pcapng-two-sections.pcapng has two), and
        // interface numbers start again in each section
        for section in &cap.sections {
            let mut lts: Vec<Linktype> = Vec::new();
            for b in &section.blocks {
                match b {
                    Block::InterfaceDescription(i) => lts.push(i.linktype),
                    Block::EnhancedPacket(p) => {
                        frame += 1;
                        let lt = lts
                            .get(p.if_id as usize)
                            .copied()
                            .unwrap_or(Linktype::ETHERNET);
                        let n = (p.caplen as usize).min(p.data.len());
                        push(frame, lt, &p.data[..n]);
                    }
                    Block::SimplePacket(p) => {
                        frame += 1;
                        let lt = lts.first().copied().unwrap_or(Linktype::ETHERNET);
                        push(frame, lt, p.data);
                    }
                    _ => {}
                }
            }
        }
    } else {
        panic!("{}: neither pcap nor pcapng", path.display());
    }
    out
}

/// Where a security blob came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobSource {
    Smb2Negotiate,
    Smb2SessionSetupRequest,
    Smb2SessionSetupResponse,
    Smb1SessionSetupRequest,
    Smb1SessionSetupResponse,
}

pub struct Blob {
    pub frame: u64,
    pub source: BlobSource,
    pub bytes: Vec<u8>,
}

fn le16(b: &[u8], off: usize) -> Option<usize> {
    b.get(off..off + 2)
        .map(|x| usize::from(u16::from_le_bytes([x[0], x[1]])))
}

fn le32(b: &[u8], off: usize) -> Option<usize> {
    b.get(off..off + 4)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize)
}

/// Does `p` start with a NetBIOS session message holding SMB?
fn starts_pdu(p: &[u8]) -> bool {
    p.len() >= 8
        && p[0] == 0
        && matches!(&p[4..8], b"\xfeSMB" | b"\xffSMB" | b"\xfdSMB" | b"\xfcSMB")
}

/// Security blobs of SMB messages over TCP 445/139 (NetBIOS session
/// framing, [MS-SMB2] 2.1). Segments are joined per direction while they
/// arrive in sequence (retransmitted bytes dropped); after a gap, or
/// mid-stream, the flow waits for a segment that starts a PDU. A message is
/// credited to the frame of its last segment, as tshark does.
pub fn smb_blobs(segs: &[Segment]) -> Vec<Blob> {
    struct Flow {
        next_seq: u32,
        buf: Vec<u8>,
        synced: bool,
    }
    let mut flows: HashMap<String, Flow> = HashMap::new();
    let mut out = Vec::new();
    for s in segs.iter().filter(|s| {
        s.tcp
            && !s.payload.is_empty()
            && [s.src_port, s.dst_port]
                .iter()
                .any(|p| *p == 445 || *p == 139)
    }) {
        let len = s.payload.len() as u32;
        let f = flows.entry(s.flow.clone()).or_insert(Flow {
            next_seq: s.seq,
            buf: Vec::new(),
            synced: false,
        });
        let ahead = s.seq.wrapping_sub(f.next_seq) as i32;
        let mut data: &[u8] = &s.payload;
        if ahead < 0 {
            // Retransmission, maybe with some new bytes at the end.
            let old = (-(ahead as i64)) as usize;
            if old >= data.len() {
                continue;
            }
            data = &data[old..];
        } else if ahead > 0 {
            // Gap: what we had can't be completed.
            f.buf.clear();
            f.synced = false;
        }
        f.next_seq = s.seq.wrapping_add(len);
        if !f.synced {
            if !starts_pdu(data) {
                continue;
            }
            f.synced = true;
        }
        f.buf.extend_from_slice(data);
        loop {
            let p = &f.buf[..];
            if p.len() < 4 {
                break;
            }
            if p[0] != 0 && p[0] != 0x85 {
                // Lost framing: resync on a later PDU start.
                f.buf.clear();
                f.synced = false;
                break;
            }
            let n = (usize::from(p[1]) << 16) | (usize::from(p[2]) << 8) | usize::from(p[3]);
            let Some(msg) = p.get(4..4 + n) else { break };
            if p[0] == 0 {
                if msg.starts_with(b"\xfeSMB") {
                    smb2(s.frame, msg, &mut out);
                } else if msg.starts_with(b"\xffSMB") {
                    smb1(s.frame, msg, &mut out);
                }
            }
            f.buf.drain(..4 + n);
        }
    }
    out
}

/// [MS-SMB2] 2.2.4 NEGOTIATE response, 2.2.5/2.2.6 SESSION_SETUP; follows NextCommand.
fn smb2(frame: u64, msg: &[u8], out: &mut Vec<Blob>) {
    let mut start = 0usize;
    for _ in 0..32 {
        let Some(h) = msg.get(start..) else { return };
        if h.len() < 64 || !h.starts_with(b"\xfeSMB") {
            return;
        }
        let cmd = le16(h, 12).unwrap_or(0xffff);
        let resp = le32(h, 16).unwrap_or(0) & 1 == 1;
        let next = le32(h, 20).unwrap_or(0);
        let (off_at, src) = match (cmd, resp) {
            (0, true) => (64 + 56, BlobSource::Smb2Negotiate),
            (1, false) => (64 + 12, BlobSource::Smb2SessionSetupRequest),
            (1, true) => (64 + 4, BlobSource::Smb2SessionSetupResponse),
            _ => (0, BlobSource::Smb2Negotiate),
        };
        if off_at != 0 {
            if let (Some(o), Some(l)) = (le16(h, off_at), le16(h, off_at + 2)) {
                let end = if next == 0 {
                    h.len()
                } else {
                    next.min(h.len())
                };
                if l > 0 {
                    if let Some(b) = h.get(o..o + l).filter(|_| o + l <= end) {
                        out.push(Blob {
                            frame,
                            source: src,
                            bytes: b.to_vec(),
                        });
                    }
                }
            }
        }
        if next == 0 {
            return;
        }
        start += next;
    }
}

/// [MS-CIFS] 2.2.4.53 / [MS-SMB] 2.2.4.6 SESSION_SETUP_ANDX with extended security.
fn smb1(frame: u64, msg: &[u8], out: &mut Vec<Blob>) {
    if msg.get(4) != Some(&0x73) {
        return;
    }
    let resp = msg.get(9).is_some_and(|f| f & 0x80 != 0);
    let wc = msg.get(32).copied().unwrap_or(0);
    let (len_at, data_at, src) = match (resp, wc) {
        (false, 12) => (33 + 14, 33 + 24 + 2, BlobSource::Smb1SessionSetupRequest),
        (true, 4) => (33 + 6, 33 + 8 + 2, BlobSource::Smb1SessionSetupResponse),
        _ => return,
    };
    if let Some(l) = le16(msg, len_at) {
        if let Some(b) = msg.get(data_at..data_at + l).filter(|_| l > 0) {
            out.push(Blob {
                frame,
                source: src,
                bytes: b.to_vec(),
            });
        }
    }
}

/// Kerberos messages on port 88: UDP payloads, and TCP records
/// (RFC 4120 7.2.2) reassembled per direction when segments arrive in order.
/// Returns (frame of the last segment, message bytes).
pub fn kerberos88(segs: &[Segment]) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut bufs: HashMap<String, Vec<u8>> = HashMap::new();
    for s in segs.iter().filter(|s| s.src_port == 88 || s.dst_port == 88) {
        if !s.tcp {
            out.push((s.frame, s.payload.clone()));
            continue;
        }
        if s.payload.is_empty() {
            continue;
        }
        let buf = bufs.entry(s.flow.clone()).or_default();
        buf.extend_from_slice(&s.payload);
        loop {
            match smbscope::auth::kerberos_tcp_record(buf) {
                Ok(smbscope::auth::KrbTcpRecord::Complete { message, consumed }) => {
                    out.push((s.frame, message.to_vec()));
                    buf.drain(..consumed);
                }
                Ok(smbscope::auth::KrbTcpRecord::Incomplete { .. }) => break,
                Err(_) => {
                    buf.clear();
                    break;
                }
            }
        }
    }
    out
}

/// A tshark TSV (header row, tab-separated): frame number → column → value.
pub fn read_tsv(path: &Path) -> HashMap<u64, HashMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("read tsv");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split('\t')
        .map(str::to_string)
        .collect();
    let mut out = HashMap::new();
    for l in lines {
        let cols: Vec<&str> = l.split('\t').collect();
        let mut row = HashMap::new();
        for (h, v) in header.iter().zip(cols.iter()) {
            row.insert(h.clone(), (*v).to_string());
        }
        if let Some(Ok(f)) = row.get("frame.number").map(|f| f.parse::<u64>()) {
            out.insert(f, row);
        }
    }
    out
}
