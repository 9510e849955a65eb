//! The net layer: link-layer framing and IPv4/IPv6 → TCP segments and UDP datagrams.
//!
//! Link types: Ethernet (with 802.1Q / 802.1ad / QinQ VLAN tags), Linux cooked
//! capture SLL and SLL2, raw IPv4/IPv6, BSD loopback (NULL and LOOP). The IP and
//! transport headers are read in place (IPv6 extension headers with
//! etherparse's `Ipv6ExtensionsSlice`); lengths come from
//! the IP header, so Ethernet padding is dropped and a cut by the snaplen is seen.
//! Everything else is a [`Skip`] with its reason, for the counters.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::{IpNumber, Ipv6ExtensionsSlice};

use crate::capture::LinkType;

/// TCP header flags (RFC 9293 3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;

    pub fn fin(self) -> bool {
        self.0 & Self::FIN != 0
    }
    pub fn syn(self) -> bool {
        self.0 & Self::SYN != 0
    }
    pub fn rst(self) -> bool {
        self.0 & Self::RST != 0
    }
    pub fn ack(self) -> bool {
        self.0 & Self::ACK != 0
    }
}

/// A TCP segment, borrowing the frame's bytes.
#[derive(Clone, Copy, Debug)]
pub struct TcpSegment<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// The payload bytes present in the capture.
    pub payload: &'a [u8],
    /// The payload length on the wire (from the IP header); more than
    /// `payload.len()` when the snaplen cut the packet.
    pub wire_len: u32,
}

/// A UDP datagram, borrowing the frame's bytes.
#[derive(Clone, Copy, Debug)]
pub struct UdpDatagram<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
    pub wire_len: u32,
}

#[derive(Clone, Copy, Debug)]
pub enum Packet<'a> {
    Tcp(TcpSegment<'a>),
    Udp(UdpDatagram<'a>),
}

/// Why a frame carries no TCP or UDP for us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// A link type we do not decode.
    LinkType(LinkType),
    /// Not IPv4 or IPv6 (ARP, LLDP, …): the EtherType or address family.
    NotIp,
    /// An IP fragment (not reassembled).
    Fragment,
    /// IP, but neither TCP nor UDP (ICMP, …).
    OtherTransport,
    /// Headers cut short or inconsistent. A TCP header cut by the snaplen
    /// after its first 16 bytes is not: it is a segment whose payload is cut.
    Malformed(&'static str),
}

impl Skip {
    /// A stable key for counters and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Skip::LinkType(_) => "unsupported_link_type",
            Skip::NotIp => "not_ip",
            Skip::Fragment => "ip_fragment",
            Skip::OtherTransport => "not_tcp_or_udp",
            Skip::Malformed(_) => "malformed",
        }
    }
}

const ETH_ARP: u16 = 0x0806;
const ETH_IPV4: u16 = 0x0800;
const ETH_IPV6: u16 = 0x86DD;
const ETH_VLAN: [u16; 3] = [0x8100, 0x88A8, 0x9100];

/// Decodes a frame's link layer, IP and TCP/UDP headers.
pub fn decode(link: LinkType, data: &[u8]) -> Result<Packet<'_>, Skip> {
    let ip = match link {
        LinkType::ETHERNET => ethernet(data)?,
        LinkType::RAW
        | LinkType::RAW_BSD
        | LinkType::RAW_BSD14
        | LinkType::IPV4
        | LinkType::IPV6 => data,
        LinkType::NULL | LinkType::LOOP => null_loopback(link, data)?,
        LinkType::LINUX_SLL => {
            let proto = be16(data, 14).ok_or(Skip::Malformed("Linux SLL header"))?;
            ip_by_ethertype(proto, data.get(16..).unwrap_or_default())?
        }
        LinkType::LINUX_SLL2 => {
            let proto = be16(data, 0).ok_or(Skip::Malformed("Linux SLL2 header"))?;
            ip_by_ethertype(
                proto,
                data.get(20..).ok_or(Skip::Malformed("Linux SLL2 header"))?,
            )?
        }
        other => return Err(Skip::LinkType(other)),
    };
    ip_packet(ip)
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn ip_by_ethertype(ethertype: u16, rest: &[u8]) -> Result<&[u8], Skip> {
    match ethertype {
        ETH_IPV4 | ETH_IPV6 => Ok(rest),
        _ => Err(Skip::NotIp),
    }
}

/// Ethernet II with any number (up to 4) of 802.1Q/802.1ad tags.
fn ethernet(data: &[u8]) -> Result<&[u8], Skip> {
    let (ethertype, rest) = ethernet_payload(data)?;
    ip_by_ethertype(ethertype, rest)
}

/// The EtherType and payload of an Ethernet II frame, past its VLAN tags.
fn ethernet_payload(data: &[u8]) -> Result<(u16, &[u8]), Skip> {
    let mut ethertype = be16(data, 12).ok_or(Skip::Malformed("Ethernet header"))?;
    let mut off = 14;
    for _ in 0..4 {
        if !ETH_VLAN.contains(&ethertype) {
            break;
        }
        ethertype = be16(data, off + 2).ok_or(Skip::Malformed("VLAN tag"))?;
        off += 4;
    }
    Ok((ethertype, data.get(off..).unwrap_or_default()))
}

/// An ARP message for IPv4 over Ethernet (RFC 826): a request ("who has
/// `target`? tell `sender`") or a reply (`sender` is at its hardware
/// address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    pub request: bool,
    /// The sender's protocol address (ar$spa).
    pub sender: Ipv4Addr,
    /// The target's protocol address (ar$tpa).
    pub target: Ipv4Addr,
}

/// The ARP message of a frame that is not IP ([`Skip::NotIp`]), when it is
/// one: Ethernet (VLAN tags too) and Linux cooked captures; hardware type
/// Ethernet (1), protocol type IPv4, address lengths 6 and 4, operation 1
/// (request) or 2 (reply). None for anything else.
pub fn arp(link: LinkType, data: &[u8]) -> Option<Arp> {
    let (ethertype, b) = match link {
        LinkType::ETHERNET => ethernet_payload(data).ok()?,
        LinkType::LINUX_SLL => (be16(data, 14)?, data.get(16..)?),
        LinkType::LINUX_SLL2 => (be16(data, 0)?, data.get(20..)?),
        _ => return None,
    };
    if ethertype != ETH_ARP {
        return None;
    }
    let h: &[u8; 28] = b.first_chunk()?;
    if h[..6] != [0, 1, 0x08, 0x00, 6, 4] {
        return None;
    }
    let request = match u16::from_be_bytes([h[6], h[7]]) {
        1 => true,
        2 => false,
        _ => return None,
    };
    Some(Arp {
        request,
        sender: Ipv4Addr::new(h[14], h[15], h[16], h[17]),
        target: Ipv4Addr::new(h[24], h[25], h[26], h[27]),
    })
}

/// BSD loopback: a 4-byte address family, host byte order (NULL) or network order (LOOP).
fn null_loopback(link: LinkType, data: &[u8]) -> Result<&[u8], Skip> {
    let b = data.get(..4).ok_or(Skip::Malformed("loopback header"))?;
    let raw = [b[0], b[1], b[2], b[3]];
    let family = if link == LinkType::LOOP || u32::from_le_bytes(raw) > 0xFFFF {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    };
    match family {
        // AF_INET; AF_INET6 on NetBSD/OpenBSD (24), FreeBSD (28), Darwin (30)
        2 | 24 | 28 | 30 => Ok(&data[4..]),
        _ => Err(Skip::NotIp),
    }
}

fn ip_packet(ip: &[u8]) -> Result<Packet<'_>, Skip> {
    match ip.first().map(|b| b >> 4) {
        Some(4) => ipv4(ip),
        Some(6) => ipv6(ip),
        _ => Err(Skip::NotIp),
    }
}

/// Reads the IPv4 header (RFC 791 3.1) in place: the fields needed, with the
/// checks etherparse's `Ipv4HeaderSlice` made (version, IHL of at least 5,
/// the whole header present).
fn ipv4(ip: &[u8]) -> Result<Packet<'_>, Skip> {
    const MALFORMED: Skip = Skip::Malformed("IPv4 header");
    let h: &[u8; 20] = ip.first_chunk().ok_or(MALFORMED)?;
    let ihl = h[0] & 0x0F;
    if h[0] >> 4 != 4 || ihl < 5 {
        return Err(MALFORMED);
    }
    let hlen = usize::from(ihl) * 4;
    if ip.len() < hlen {
        return Err(MALFORMED);
    }
    // More fragments, or a fragment offset: part of a fragmented datagram.
    if h[6] & 0x20 != 0 || u16::from_be_bytes([h[6] & 0x1F, h[7]]) != 0 {
        return Err(Skip::Fragment);
    }
    // A total length of 0 is what TCP segmentation offload leaves in captures taken on the sender.
    let total = match usize::from(u16::from_be_bytes([h[2], h[3]])) {
        0 => ip.len(),
        n if n < hlen => return Err(Skip::Malformed("IPv4 total length")),
        n => n,
    };
    let present = ip.get(hlen..total.min(ip.len())).unwrap_or_default();
    let src = IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19]));
    transport(IpNumber(h[9]), src, dst, present, (total - hlen) as u32)
}

/// Reads the IPv6 fixed header (RFC 8200 3) in place; its extension headers
/// with etherparse's `Ipv6ExtensionsSlice`.
fn ipv6(ip: &[u8]) -> Result<Packet<'_>, Skip> {
    const MALFORMED: Skip = Skip::Malformed("IPv6 header");
    let (h, after): (&[u8; 40], &[u8]) = ip.split_first_chunk().ok_or(MALFORMED)?;
    if h[0] >> 4 != 6 {
        return Err(MALFORMED);
    }
    let wire = match usize::from(u16::from_be_bytes([h[4], h[5]])) {
        0 => after.len(),
        n => n,
    };
    let present = &after[..wire.min(after.len())];
    let (exts, proto, rest) = Ipv6ExtensionsSlice::from_slice(IpNumber(h[6]), present)
        .map_err(|_| Skip::Malformed("IPv6 extension headers"))?;
    if exts.is_fragmenting_payload() {
        return Err(Skip::Fragment);
    }
    let ext_len = present.len() - rest.len();
    let addr = |at: usize| {
        let mut a = [0u8; 16];
        a.copy_from_slice(&h[at..at + 16]);
        IpAddr::V6(Ipv6Addr::from(a))
    };
    transport(
        proto,
        addr(8),
        addr(24),
        rest,
        wire.saturating_sub(ext_len) as u32,
    )
}

/// TCP header bytes a segment needs in the capture: the ports, sequence and
/// acknowledgement numbers, data offset, flags and window. Wireshark numbers
/// the conversation (`tcp.stream`) and shows the flags and sequence number
/// of a packet with these 16 bytes kept (`packet-tcp.c` reads them before
/// the checksum), so a header cut by the snaplen after them, or inside its
/// options, is still a segment here: its payload is all cut.
const TCP_KEPT_MIN: usize = 16;

/// Reads the TCP header (RFC 9293 3.1) or UDP header (RFC 768) in place,
/// with the checks etherparse's header slices made for TCP (a data offset
/// of at least 5, a header no longer than the segment), except that a
/// header cut by the snaplen needs only its first [`TCP_KEPT_MIN`] bytes in
/// the capture. Inlined in each IP version's reader, so that the addresses
/// go straight into the packet.
#[inline(always)]
fn transport<'a>(
    proto: IpNumber,
    src: IpAddr,
    dst: IpAddr,
    present: &'a [u8],
    wire: u32,
) -> Result<Packet<'a>, Skip> {
    match proto {
        IpNumber::TCP => {
            const MALFORMED: Skip = Skip::Malformed("TCP header");
            let t: &[u8; TCP_KEPT_MIN] = present.first_chunk().ok_or(MALFORMED)?;
            let hl = usize::from(t[12] >> 4) * 4;
            if hl < 20 {
                return Err(MALFORMED);
            }
            let payload = match present.get(hl..) {
                Some(payload) => payload,
                // The header is longer than the bytes kept, but not than
                // the segment on the wire: the snaplen cut it (in its
                // options, or after the window). A segment without payload.
                None if hl as u32 <= wire => &[],
                None => return Err(MALFORMED),
            };
            Ok(Packet::Tcp(TcpSegment {
                src,
                dst,
                src_port: u16::from_be_bytes([t[0], t[1]]),
                dst_port: u16::from_be_bytes([t[2], t[3]]),
                seq: u32::from_be_bytes([t[4], t[5], t[6], t[7]]),
                ack: u32::from_be_bytes([t[8], t[9], t[10], t[11]]),
                flags: TcpFlags(t[13] & 0x3F),
                payload,
                wire_len: wire.saturating_sub(hl as u32).max(payload.len() as u32),
            }))
        }
        IpNumber::UDP => {
            let (u, avail): (&[u8; 8], &[u8]) = present
                .split_first_chunk()
                .ok_or(Skip::Malformed("UDP header"))?;
            let declared = usize::from(u16::from_be_bytes([u[4], u[5]])).saturating_sub(8);
            let payload = &avail[..declared.min(avail.len())];
            Ok(Packet::Udp(UdpDatagram {
                src,
                dst,
                src_port: u16::from_be_bytes([u[0], u[1]]),
                dst_port: u16::from_be_bytes([u[2], u[3]]),
                payload,
                wire_len: (declared as u32).max(payload.len() as u32),
            }))
        }
        _ => Err(Skip::OtherTransport),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One IPv4+TCP packet, wrapped in each link-layer framing below. Real
    /// captures of every link type run through tests/differential.rs.
    const IPV4_TCP: [u8; 44] = [
        0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 127, 0, 0, 1, 127,
        0, 0, 2, // IPv4
        0xd4, 0x31, 0x01, 0xbd, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x18, 0x01, 0x00, 0, 0, 0,
        0, // TCP
        0xde, 0xad, 0xbe, 0xef, // payload
    ];

    fn check(p: Result<Packet<'_>, Skip>) {
        match p {
            Ok(Packet::Tcp(t)) => {
                assert_eq!((t.src_port, t.dst_port, t.seq, t.ack), (54321, 445, 1, 2));
                assert_eq!(t.payload, &[0xde, 0xad, 0xbe, 0xef]);
                assert_eq!(t.wire_len, 4);
                assert!(t.flags.ack() && !t.flags.syn());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn link_types() {
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&[0x81, 0x00, 0, 1, 0x88, 0xa8, 0, 2, 0x08, 0x00]);
        eth.extend_from_slice(&IPV4_TCP);
        eth.extend_from_slice(&[0; 6]); // Ethernet padding is dropped
        check(decode(LinkType::ETHERNET, &eth));
        check(decode(LinkType::RAW, &IPV4_TCP));
        let mut null = vec![2, 0, 0, 0];
        null.extend_from_slice(&IPV4_TCP);
        check(decode(LinkType::NULL, &null));
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(&IPV4_TCP);
        check(decode(LinkType::LINUX_SLL, &sll));
        let mut sll2 = vec![0x08, 0x00];
        sll2.extend_from_slice(&[0; 18]);
        sll2.extend_from_slice(&IPV4_TCP);
        check(decode(LinkType::LINUX_SLL2, &sll2));
        assert_eq!(
            decode(LinkType(147), &IPV4_TCP).err(),
            Some(Skip::LinkType(LinkType(147)))
        );
    }

    #[test]
    fn snaplen_cut_keeps_the_wire_length() {
        let cut = &IPV4_TCP[..42];
        match decode(LinkType::RAW, cut) {
            Ok(Packet::Tcp(t)) => assert_eq!((t.payload.len(), t.wire_len), (2, 4)),
            other => panic!("{other:?}"),
        }
    }

    /// The frames of samples/ntlm-wrong-password.pcap (Ethernet, IPv4; a
    /// classic little-endian pcap), whole.
    fn sample_frames() -> Vec<Vec<u8>> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-wrong-password.pcap"
        );
        let b = std::fs::read(path).expect("the sample reads");
        let (mut frames, mut at) = (Vec::new(), 24);
        while let Some(rec) = b.get(at..at + 16) {
            let kept = u32::from_le_bytes([rec[8], rec[9], rec[10], rec[11]]) as usize;
            frames.push(b[at + 16..at + 16 + kept].to_vec());
            at += 16 + kept;
        }
        frames
    }

    /// ARP messages of corpus sv-smb2-peter-guest, as tshark reads them
    /// (arp.opcode, arp.src.proto_ipv4, arp.dst.proto_ipv4): frame 7, a
    /// request for 10.3.1.1 from 10.3.1.2; frame 8, the reply; frame 15, a
    /// request for 10.0.2.3 from 10.3.1.1. Each is not IP to `decode`; cut
    /// short it is no ARP message; an IP frame is none either; the same
    /// bytes behind an 802.1Q tag read alike.
    #[test]
    fn arp_messages() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/public/sv-smb2-peter-guest.pcap");
        let Ok(b) = std::fs::read(p) else {
            eprintln!("corpus not present: skipped");
            return;
        };
        // Classic little-endian pcap: records after the 24-byte header.
        let mut frames = Vec::new();
        let mut at = 24;
        while frames.len() < 15 {
            let len = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
            frames.push(b[at + 16..at + 16 + len].to_vec());
            at += 16 + len;
        }
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        for (n, request, sender, target) in [
            (7, true, "10.3.1.2", "10.3.1.1"),
            (8, false, "10.3.1.1", "10.3.1.2"),
            (15, true, "10.3.1.1", "10.0.2.3"),
        ] {
            let f = &frames[n - 1];
            assert_eq!(decode(LinkType::ETHERNET, f).err(), Some(Skip::NotIp));
            let want = Some(Arp {
                request,
                sender: ip(sender),
                target: ip(target),
            });
            assert_eq!(arp(LinkType::ETHERNET, f), want, "frame {n}");
            let mut tagged = f[..12].to_vec();
            tagged.extend_from_slice(&[0x81, 0x00, 0x00, 0x64]);
            tagged.extend_from_slice(&f[12..]);
            assert_eq!(arp(LinkType::ETHERNET, &tagged), want, "frame {n} tagged");
            assert_eq!(arp(LinkType::ETHERNET, &f[..14 + 27]), None);
            assert_eq!(arp(LinkType::RAW, f), None);
        }
        // Frame 9, the SYN to port 445: IP, no ARP.
        assert_eq!(arp(LinkType::ETHERNET, &frames[8]), None);
    }

    /// A TCP header cut by the snaplen, real bytes cut at every length: with
    /// its first 16 bytes kept (as for Wireshark, whose `tcp.stream`, flags
    /// and sequence number such a packet has) it is a segment whose payload
    /// is all cut; with fewer it is malformed.
    #[test]
    fn tcp_header_cut_by_the_snaplen_is_a_segment() {
        let frames = sample_frames();
        // The SYN (a 40-byte header: 20 bytes of options) and the NEGOTIATE
        // request (32 bytes: timestamps; 230 bytes of payload), the TCP
        // header at byte 34.
        let cases = [
            (&frames[0], 40, 3250660993, TcpFlags::SYN, 0),
            (
                &frames[3],
                32,
                3250660994,
                TcpFlags::PSH | TcpFlags::ACK,
                230,
            ),
        ];
        for (frame, hlen, seq, flags, wire) in cases {
            for n in 34..34 + hlen {
                match decode(LinkType::ETHERNET, &frame[..n]) {
                    Err(Skip::Malformed("TCP header")) if n < 34 + 16 => {}
                    Ok(Packet::Tcp(t)) if n >= 34 + 16 => {
                        assert_eq!((t.src_port, t.dst_port), (53928, 445));
                        assert_eq!((t.seq, t.flags), (seq, TcpFlags(flags)), "{n}");
                        assert_eq!((t.payload.len(), t.wire_len), (0, wire), "{n}");
                    }
                    other => panic!("cut to {n}: {other:?}"),
                }
            }
        }
    }

    /// What is malformed whatever the snaplen: a data offset under 5, or a
    /// header longer than the segment on the wire (a bare ACK, a 32-byte
    /// header, with a data offset of 15). Wireshark gives both a
    /// `tcp.stream`; we skip them (README.md says so, after the exit codes).
    #[test]
    fn bogus_tcp_data_offsets_are_malformed() {
        let ack = &sample_frames()[2];
        assert_eq!((ack.len(), ack[34 + 12] >> 4), (66, 8));
        for offset in [0u8, 4, 9, 15] {
            let mut bogus = ack.clone();
            bogus[34 + 12] = offset << 4 | (ack[34 + 12] & 0x0F);
            for n in [50, 54, 60, 66] {
                let got = decode(LinkType::ETHERNET, &bogus[..n]).err();
                assert_eq!(got, Some(Skip::Malformed("TCP header")), "{offset} {n}");
            }
        }
    }

    #[test]
    fn fragments_and_garbage_are_skipped() {
        let mut frag = IPV4_TCP;
        frag[6] = 0x20; // more fragments
        assert_eq!(decode(LinkType::RAW, &frag).err(), Some(Skip::Fragment));
        assert!(matches!(
            decode(LinkType::RAW, &IPV4_TCP[..30]),
            Err(Skip::Malformed(_))
        ));
        assert_eq!(
            decode(LinkType::ETHERNET, &[0; 3]).err(),
            Some(Skip::Malformed("Ethernet header"))
        );
        for n in 0..IPV4_TCP.len() {
            let _ = decode(LinkType::RAW, &IPV4_TCP[..n]);
        }
    }
}
