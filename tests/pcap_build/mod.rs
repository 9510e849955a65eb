//! Test-only builder of small classic pcaps for edge cases no sample
//! reaches (one TCP connection, Ethernet + IPv4, client 10.0.0.1:50000).
#![allow(dead_code)]

/// One Ethernet + IPv4 + TCP frame (IPv4 and TCP headers of 20 bytes, no
/// checksums) between 10.0.0.1:50000 (the client) and 10.0.0.2:`port`.
pub fn tcp_frame(
    port: u16,
    from_client: bool,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let (src, dst, sp, dp) = if from_client {
        ([10, 0, 0, 1], [10, 0, 0, 2], 50000u16, port)
    } else {
        ([10, 0, 0, 2], [10, 0, 0, 1], port, 50000)
    };
    let mut f = vec![0u8; 12];
    f.extend_from_slice(&[0x08, 0x00, 0x45, 0]);
    f.extend_from_slice(&((40 + payload.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&sp.to_be_bytes());
    f.extend_from_slice(&dp.to_be_bytes());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&ack.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

/// A classic pcap (little-endian, microseconds, Ethernet) of `frames`, one a
/// second from capture time 1000.
pub fn classic_pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    classic_pcap_every(frames, 1_000_000)
}

/// [`classic_pcap`] with the frames `micros` microseconds apart (a server
/// answers in a millisecond; a second apart, every NEGOTIATE of a sample
/// would take two and be slow).
pub fn classic_pcap_every(frames: &[Vec<u8>], micros: u64) -> Vec<u8> {
    let mut pcap = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    pcap.extend_from_slice(&[0; 8]);
    pcap.extend_from_slice(&65535u32.to_le_bytes());
    pcap.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        let at = i as u64 * micros;
        pcap.extend_from_slice(&(1000 + (at / 1_000_000) as u32).to_le_bytes());
        pcap.extend_from_slice(&((at % 1_000_000) as u32).to_le_bytes());
        pcap.extend_from_slice(&(f.len() as u32).to_le_bytes());
        pcap.extend_from_slice(&(f.len() as u32).to_le_bytes());
        pcap.extend_from_slice(f);
    }
    pcap
}

/// The frames of a classic little-endian pcap (a sample), in order.
pub fn frames_of(pcap: &[u8]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    let mut at = 24;
    while let Some(h) = pcap.get(at..at + 16) {
        let len = u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize;
        frames.push(pcap[at + 16..at + 16 + len].to_vec());
        at += 16 + len;
    }
    frames
}

/// `frame` (Ethernet + IPv4 + TCP) with the port that is not `server_port`
/// changed to `client_port`: the same conversation from another client port.
pub fn with_client_port(frame: &[u8], server_port: u16, client_port: u16) -> Vec<u8> {
    let mut f = frame.to_vec();
    let tcp = 14 + usize::from(f[14] & 0x0f) * 4;
    let dst_is_server = f[tcp + 2..tcp + 4] == server_port.to_be_bytes();
    let at = if dst_is_server { tcp } else { tcp + 2 };
    f[at..at + 2].copy_from_slice(&client_port.to_be_bytes());
    f
}

/// `frame` (Ethernet + IPv4 + TCP) as [`with_client_port`], and with the
/// client's IPv4 address changed to `client_ip` (the IPv4 header checksum
/// made again): the same conversation from another client machine.
pub fn with_client(
    frame: &[u8],
    server_port: u16,
    client_ip: [u8; 4],
    client_port: u16,
) -> Vec<u8> {
    let mut f = with_client_port(frame, server_port, client_port);
    let ihl = usize::from(f[14] & 0x0f) * 4;
    let tcp = 14 + ihl;
    let client_is_src = f[tcp + 2..tcp + 4] == server_port.to_be_bytes();
    let at = if client_is_src { 26 } else { 30 };
    f[at..at + 4].copy_from_slice(&client_ip);
    f[24..26].copy_from_slice(&[0, 0]);
    let sum = f[14..14 + ihl]
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum::<u32>();
    let sum = (sum & 0xffff) + (sum >> 16);
    let sum = (sum & 0xffff) + (sum >> 16);
    f[24..26].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    f
}

/// A classic pcap (either byte order) with every record cut to `snaplen`
/// bytes and the file header's snaplen set to it: for a little-endian
/// file, byte for byte what `editcap -F pcap -s SNAPLEN` writes (`-F
/// nsecpcap` for nanoseconds; tests/differential.rs checks so where
/// editcap is installed; editcap writes little-endian whatever it reads),
/// made here so that tests need no editcap.
/// Each record keeps its original length, so the cut is seen as the
/// snaplen's.
pub fn snapped(pcap: &[u8], snaplen: u32) -> Vec<u8> {
    let be = pcap[..4] == [0xa1, 0xb2, 0xc3, 0xd4] || pcap[..4] == [0xa1, 0xb2, 0x3c, 0x4d];
    let rd = |at: usize| {
        let w = [pcap[at], pcap[at + 1], pcap[at + 2], pcap[at + 3]];
        if be {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    let wr = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut out = pcap[..24].to_vec();
    out[16..20].copy_from_slice(&wr(snaplen));
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let caplen = rd(at + 8) as usize;
        let kept = caplen.min(snaplen as usize);
        out.extend_from_slice(&pcap[at..at + 8]);
        out.extend_from_slice(&wr(kept as u32));
        out.extend_from_slice(&pcap[at + 12..at + 16 + kept]);
        at += 16 + caplen;
    }
    out
}
