//! The decoding pipeline: capture → net → tcp → smb2 framing, and Kerberos on
//! port 88. It hands each message, in capture order, to a callback as an
//! [`Event`]; the session and report layers build on those events.
//!
//! Requests and responses are paired per connection by message id (SMB2),
//! across STATUS_PENDING interim responses; an SMB1 multi-protocol NEGOTIATE
//! is paired with the SMB2 NEGOTIATE response that answers it; Kerberos
//! replies are paired with the last request of their TCP or UDP conversation.

use std::cell::Cell;
use std::io::Read;
use std::net::SocketAddr;

use serde::Serialize;

use crate::auth::{kerberos_tcp_record, KrbTcpRecord};
use crate::capture::{CaptureError, CaptureReader, Frame, Timestamp};
use crate::net::{self, Packet, Skip};
use crate::ntstatus::NtStatus;
use crate::smb2::framing::{Framer, NbssType, Pdu};
use crate::smb2::header::{COMPRESSION_MAGIC, SMB1_MAGIC, SMB2_MAGIC, TRANSFORM_MAGIC};
use crate::smb2::{Command, Smb2Header};
use crate::tcp::hash::{KeyedHashMap, KeyedState};
use crate::tcp::udp::UdpStreams;
use crate::tcp::{
    Ctx, EndReason, FlowInfo, Gap, GapReason, Handshake, Limits, Reassembler, Stall, StreamSink,
    TcpStats,
};

/// What to decode.
#[derive(Clone, Debug)]
pub struct Options {
    /// TCP ports that carry SMB (NetBIOS session service framing).
    pub smb_ports: Vec<u16>,
    /// TCP and UDP ports that carry Kerberos.
    pub kerberos_ports: Vec<u16>,
    pub limits: Limits,
    /// Report the ARP messages and DNS queries seen ([`Event::Lookup`]):
    /// the report's evidence of a server looking a name or an address up
    /// while a client waits. Off by default (`messages` has no use for them).
    pub lookups: bool,
    /// Memory that the messages being reassembled on all SMB connections
    /// may hold (the framers' keep buffers); past it a message keeps its
    /// first [`crate::smb2::framing::MIN_KEEP`] bytes, the rest counted in
    /// [`Stats::bytes_not_kept`].
    pub max_kept_total: usize,
    /// Memory that the Kerberos-over-TCP record buffers of all connections
    /// may hold; past it a direction's records are dropped and counted in
    /// [`Stats::kerberos_bytes_dropped`].
    pub max_krb_total: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            smb_ports: vec![445, 139],
            kerberos_ports: vec![88],
            limits: Limits::default(),
            lookups: false,
            max_kept_total: 64 << 20,
            max_krb_total: 16 << 20,
        }
    }
}

/// A lookup a host made ([`Event::Lookup`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupKind {
    /// An ARP request for `target`.
    ArpRequest,
    /// An ARP reply: `from` is at its hardware address.
    ArpReply,
    /// A UDP datagram to port 53: a DNS query to `target`.
    DnsQuery,
}

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An SMB2 PDU (one of a compound chain counts as one).
    Smb2,
    /// An SMB2 TRANSFORM_HEADER message: encrypted ([MS-SMB2] 2.2.41).
    Smb2Transform,
    /// An SMB2 COMPRESSION_TRANSFORM_HEADER message ([MS-SMB2] 2.2.42).
    Smb2Compressed,
    /// An SMB1 message, e.g. a multi-protocol NEGOTIATE ([MS-CIFS] 2.2.3.1).
    Smb1,
    /// A NetBIOS session service packet other than a session message (RFC
    /// 1002 4.3); or a session message of which the capture kept fewer than
    /// the 4 bytes of the protocol id that would tell what it carries.
    Netbios,
    /// A Kerberos message on port 88 (RFC 4120).
    Kerberos,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Smb2 => "smb2",
            Kind::Smb2Transform => "smb2_transform",
            Kind::Smb2Compressed => "smb2_compressed",
            Kind::Smb1 => "smb1",
            Kind::Netbios => "netbios",
            Kind::Kerberos => "kerberos",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Tcp,
    Udp,
}

/// The request a response answers.
#[derive(Clone, Copy, Debug)]
pub struct RequestRef {
    pub frame: u64,
    pub ts: Timestamp,
}

/// Fields of the SMB2 TRANSFORM_HEADER ([MS-SMB2] 2.2.41) or
/// COMPRESSION_TRANSFORM_HEADER ([MS-SMB2] 2.2.42) that can be read without keys.
#[derive(Clone, Copy, Debug, Default)]
pub struct TransformInfo {
    /// Encrypted: OriginalMessageSize; compressed: OriginalCompressedSegmentSize.
    /// None when the capture cut the header before the field's end.
    pub original_size: Option<u32>,
    /// Encrypted: the session id.
    pub session_id: Option<u64>,
    /// Compressed: CompressionAlgorithm.
    pub algorithm: Option<u16>,
    /// Encrypted: Flags (1 = encrypted); compressed: Flags (1 = chained).
    /// None when the capture cut the header before the field's end.
    pub flags: Option<u16>,
    /// Compressed, unchained ([MS-SMB2] 2.2.42.1): Offset, the length of the
    /// uncompressed part that precedes the compressed segment.
    pub offset: Option<u32>,
}

/// An SMB1 header's fields ([MS-CIFS] 2.2.3.1).
#[derive(Clone, Copy, Debug)]
pub struct Smb1Info {
    pub command: u8,
    /// Status as sent, its 4 bytes read as a little-endian number.
    pub status: u32,
    pub response: bool,
    /// Flags2 has SMB_FLAGS2_NT_STATUS: `status` is an NTSTATUS; without
    /// it, ErrorClass (byte 0) and ErrorCode (bytes 2-3) of the DOS form.
    pub nt_status: bool,
}

/// One message.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// The frame in which the message's last byte arrived.
    pub frame: u64,
    pub ts: Timestamp,
    pub transport: Transport,
    /// Wireshark's tcp.stream or udp.stream.
    pub stream: u64,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// Sent by the client (the side that talks to the SMB or Kerberos port).
    pub from_client: bool,
    pub kind: Kind,
    /// SMB2 header, for kind [`Kind::Smb2`].
    pub header: Option<Smb2Header>,
    pub transform: Option<TransformInfo>,
    pub smb1: Option<Smb1Info>,
    /// NetBIOS packet type, for kind [`Kind::Netbios`].
    pub netbios: Option<NbssType>,
    /// The message's kept bytes: for SMB2, from its header to the end of its
    /// part of a compound (a prefix when not all was kept).
    pub bytes: &'a [u8],
    /// The message's length on the wire.
    pub len: u32,
    /// Position in a compound chain (0 for the first or only PDU).
    pub chain_index: u16,
    /// Bytes of the NetBIOS message missing from the capture (gaps, snaplen).
    pub missing: u64,
    /// For responses: the request answered.
    pub request: Option<RequestRef>,
}

impl Message<'_> {
    /// Whether the message is a response, as far as the capture shows it:
    /// for SMB2 the header's SMB2_FLAGS_SERVER_TO_REDIR ([MS-SMB2] 2.2.1.2,
    /// in Flags, bytes 16 to 19), for SMB1 its SMB_FLAGS_REPLY ([MS-CIFS]
    /// 2.2.3.1, Flags, byte 9), read from the kept bytes also when the
    /// header is cut after them; `None` when the capture cut the header
    /// before them (a PDU of a compound chain wholly past the snaplen), and
    /// for a NetBIOS SESSION MESSAGE cut before its protocol id's end: the
    /// flag is in the header, not in the direction. Kerberos, other NetBIOS
    /// packets and the transform and compression headers: sent by the server.
    pub fn response(&self) -> Option<bool> {
        match (self.kind, self.header, self.smb1) {
            (_, Some(h), _) => Some(h.is_response()),
            (_, None, Some(s)) => Some(s.response),
            (Kind::Smb2, None, None) => header_flag(self.bytes, SMB2_MAGIC, 16, 0x01),
            (Kind::Smb1, None, None) => header_flag(self.bytes, SMB1_MAGIC, 9, 0x80),
            // A session message whose protocol id the capture cut: the
            // flag would be in the header it carries.
            (Kind::Netbios, None, None) if self.netbios == Some(NbssType::SESSION_MESSAGE) => None,
            _ => Some(!self.from_client),
        }
    }

    /// [`Self::response`] is known and true.
    pub fn is_response(&self) -> bool {
        self.response() == Some(true)
    }
}

/// Whether `bit` of the byte at `at` of a header that starts with `magic`
/// is set; `None` when the kept bytes do not reach it (or are not such a
/// header).
fn header_flag(b: &[u8], magic: [u8; 4], at: usize, bit: u8) -> Option<bool> {
    if b.get(..4) != Some(&magic[..]) {
        return None;
    }
    b.get(at).map(|f| f & bit != 0)
}

/// A connection followed as SMB or Kerberos.
#[derive(Clone, Copy, Debug)]
pub struct ConnInfo {
    pub stream: u64,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub kerberos: bool,
    /// The capture saw the client's SYN.
    pub saw_syn: bool,
}

/// What the pipeline reports.
#[derive(Debug)]
pub enum Event<'a> {
    /// The capture's first frame was read (whatever it holds, TCP or not):
    /// its time is the base of relative times, Wireshark's
    /// frame.time_relative. Reported once, before any other event.
    CaptureStart {
        frame: u64,
        ts: Timestamp,
    },
    Message(&'a Message<'a>),
    /// A followed connection's first packet.
    ConnectionOpen {
        info: ConnInfo,
        frame: u64,
        ts: Timestamp,
        /// The time of the capture's first frame (the base of relative times).
        capture_start: Timestamp,
    },
    /// Bytes missing from a followed connection.
    Gap {
        info: ConnInfo,
        from_client: bool,
        /// The first frame that showed the hole (see [`crate::tcp::Gap`]).
        frame: u64,
        ts: Timestamp,
        bytes: u64,
        reason: GapReason,
    },
    /// Bytes of a followed SMB connection that held no SMB message: the
    /// framer skipped them looking for a message header (a start
    /// mid-stream, after a gap, or another protocol on the port).
    Skipped {
        info: ConnInfo,
        from_client: bool,
        /// The frame being read when the bytes were given up.
        frame: u64,
        bytes: u64,
        /// The first bytes of this direction found where a message header
        /// was expected and not plausible as one (up to 8).
        head: &'a [u8],
    },
    /// An ARP message, or a DNS query (UDP to port 53), with
    /// [`Options::lookups`] set.
    Lookup {
        frame: u64,
        ts: Timestamp,
        kind: LookupKind,
        /// The host that sent it (an ARP message's sender address).
        from: std::net::IpAddr,
        /// The address asked for (ARP), or the DNS server asked.
        target: std::net::IpAddr,
    },
    /// The server's first SYN-ACK to the client's SYN, on a followed
    /// connection whose first packet was that SYN.
    Handshake {
        info: ConnInfo,
        /// The SYN-ACK.
        frame: u64,
        ts: Timestamp,
        /// The client's SYNs until then (1: its first was answered).
        syns: u32,
    },
    /// One side of a followed connection sent bytes again and again
    /// that the other did not acknowledge (see [`crate::tcp::Stall`]):
    /// reported when the acknowledgement came, or when the direction
    /// ended without it.
    Unacknowledged {
        info: ConnInfo,
        /// The side whose bytes were retransmitted.
        from_client: bool,
        /// By reference: the events of every message are no larger for it.
        stall: &'a Stall<'a>,
    },
    /// One direction of a followed connection ended.
    ConnectionEnd {
        info: ConnInfo,
        from_client: bool,
        frame: u64,
        ts: Timestamp,
        reason: EndReason,
        /// The direction sent no segment at all: for the server's, its
        /// SYN-ACK (or RST) never came.
        silent: bool,
    },
}

/// Counters for the whole run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub frames: u64,
    pub bytes: u64,
    pub first_ts: Option<Timestamp>,
    pub last_ts: Option<Timestamp>,
    /// The earliest and latest time stamps (differ from the first and last
    /// when time goes backwards, e.g. between pcapng sections).
    #[serde(skip)]
    pub earliest_ts: Timestamp,
    #[serde(skip)]
    pub latest_ts: Timestamp,
    pub link_types: Vec<u32>,
    /// Frames skipped, by reason (`unsupported_link_type`, `not_ip`, `ip_fragment`, …).
    pub skipped: Vec<(&'static str, u64)>,
    pub frames_cut_by_snaplen: u64,
    pub tcp: TcpStats,
    pub udp_streams: u64,
    pub smb_connections: u64,
    /// TCP connections to or from a Kerberos port.
    pub kerberos_connections: u64,
    /// UDP conversations to or from a Kerberos port (each usually one
    /// request and its answer).
    pub kerberos_udp_streams: u64,
    pub messages: u64,
    /// Messages whose bytes were not all in the capture (gaps, snaplen).
    pub messages_incomplete: u64,
    /// Bytes of messages not kept for decoding (READ/WRITE data, ciphertext, past the keep limit).
    pub bytes_not_kept: u64,
    /// Bytes skipped while resynchronizing on a message header.
    pub resync_skipped_bytes: u64,
    pub responses_unpaired: u64,
    /// Requests forgotten because a connection had too many outstanding.
    pub requests_dropped: u64,
    pub compound_chains_malformed: u64,
    /// Bytes of Kerberos-over-TCP directions not decoded: after a record
    /// marker with the reserved bit set or announcing more than 1 MiB, or
    /// after a gap, the rest of that direction (its record boundaries are
    /// lost).
    pub kerberos_bytes_dropped: u64,
    /// The server ports of TCP connections not followed (their first packet
    /// a SYN), with how many: at most [`OTHER_PORTS`] ports, the first
    /// seen. For the note that names the TCP traffic not examined, and the
    /// hint to give `--port` when no SMB was found. Written as
    /// `other_tcp_ports`, `{port, connections}` objects, the busiest first.
    #[serde(serialize_with = "busiest_ports")]
    pub other_tcp_ports: Vec<(u16, u64)>,
}

/// `ports` ((port, connections)) the busiest first, then by port.
pub fn busiest(ports: &[(u16, u64)]) -> Vec<(u16, u64)> {
    let mut p = ports.to_vec();
    p.sort_by_key(|&(port, n)| (std::cmp::Reverse(n), port));
    p
}

/// [`Stats::other_tcp_ports`] as `{port, connections}` objects, the
/// busiest first.
fn busiest_ports<S: serde::Serializer>(ports: &[(u16, u64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    #[derive(Serialize)]
    struct Port {
        port: u16,
        connections: u64,
    }
    let p = busiest(ports);
    let mut seq = s.serialize_seq(Some(p.len()))?;
    for (port, connections) in p {
        seq.serialize_element(&Port { port, connections })?;
    }
    seq.end()
}

/// Server ports of connections not followed kept in [`Stats`].
pub const OTHER_PORTS: usize = 8;

impl Stats {
    fn other_port(&mut self, port: u16) {
        let ports = &mut self.other_tcp_ports;
        if let Some((_, n)) = ports.iter_mut().find(|(p, _)| *p == port) {
            *n += 1;
        } else if ports.len() < OTHER_PORTS {
            ports.push((port, 1));
        }
    }

    fn skip(&mut self, why: Skip) {
        let key = why.key();
        match self.skipped.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => self.skipped.push((key, 1)),
        }
    }
}

/// The end of a run: the counters, and what stopped the reading early, if anything.
#[derive(Debug)]
pub struct Outcome {
    pub stats: Stats,
    pub error: Option<CaptureError>,
}

/// Requests remembered per connection, waiting for their response.
const MAX_PENDING: usize = 16_384;
/// Most bytes of a Kerberos-over-TCP direction buffered: the largest record
/// `kerberos_tcp_record` accepts and its 4-byte marker, so a record that is
/// accepted always completes within the buffer.
const MAX_KRB_BUF: usize = crate::auth::kerberos::MAX_KRB_TCP_RECORD + 4;

/// Requests kept in place per connection before [`Outstanding`] turns to
/// its hash map: a session setup has one or two outstanding at a time.
const FEW_OUTSTANDING: usize = 8;

/// A connection's requests waiting for their response, by MessageId: the
/// first [`FEW_OUTSTANDING`] in a short list searched in order (no
/// allocation, no hashing: most connections never have more outstanding),
/// the rest in a keyed hash map. A MessageId is in one of the two at most.
struct Outstanding {
    few: [(u64, RequestRef); FEW_OUTSTANDING],
    /// Entries of `few` in use.
    n: usize,
    more: KeyedHashMap<u64, RequestRef>,
}

impl Outstanding {
    fn new(keys: KeyedState) -> Outstanding {
        let unused = RequestRef {
            frame: 0,
            ts: Timestamp::default(),
        };
        Outstanding {
            few: [(0, unused); FEW_OUTSTANDING],
            n: 0,
            more: KeyedHashMap::with_hasher(keys),
        }
    }

    fn len(&self) -> usize {
        self.n + self.more.len()
    }

    fn clear(&mut self) {
        self.n = 0;
        self.more.clear();
    }

    /// Where `id` is in `few`.
    fn position(&self, id: u64) -> Option<usize> {
        self.few.get(..self.n)?.iter().position(|e| e.0 == id)
    }

    /// Remembers a request, replacing one with the same MessageId.
    fn insert(&mut self, id: u64, r: RequestRef) {
        if let Some(i) = self.position(id) {
            self.few[i].1 = r;
        } else if self.n < FEW_OUTSTANDING && !self.more.contains_key(&id) {
            self.few[self.n] = (id, r);
            self.n += 1;
        } else {
            self.more.insert(id, r);
        }
    }

    fn get(&self, id: u64) -> Option<RequestRef> {
        match self.position(id) {
            Some(i) => Some(self.few[i].1),
            None => self.more.get(&id).copied(),
        }
    }

    fn remove(&mut self, id: u64) -> Option<RequestRef> {
        match self.position(id) {
            Some(i) => {
                let r = self.few[i].1;
                self.n -= 1;
                self.few.swap(i, self.n);
                Some(r)
            }
            None => self.more.remove(&id),
        }
    }
}

/// Per-connection state.
pub struct Conn {
    info: ConnInfo,
    /// Which TCP direction (0: the first packet's sender) is the client.
    client_dir: usize,
    /// Made when the first payload or gap comes: a connection that never
    /// carries any (a SYN of a scan or flood, a refused connection) costs
    /// the tracking table ~600 bytes instead of ~1.3 KB.
    io: Option<Box<ConnIo>>,
}

/// What a connection's payload needs: its framers or Kerberos record
/// buffers, and its requests awaiting their response.
struct ConnIo {
    framers: [Framer; 2],
    krb_buf: [Vec<u8>; 2],
    krb_broken: [bool; 2],
    pending: Outstanding,
    smb1_negotiate: Option<RequestRef>,
    krb_request: Option<RequestRef>,
}

impl ConnIo {
    fn new(keys: KeyedState) -> Box<ConnIo> {
        Box::new(ConnIo {
            framers: [Framer::default(), Framer::default()],
            krb_buf: [Vec::new(), Vec::new()],
            krb_broken: [false; 2],
            pending: Outstanding::new(keys),
            smb1_negotiate: None,
            krb_request: None,
        })
    }
}

struct Driver<'o, F> {
    opts: &'o Options,
    on: F,
    stats: Stats,
    udp: UdpStreams,
    /// The last Kerberos request per UDP stream.
    udp_krb: KeyedHashMap<u64, RequestRef>,
    /// The hash key of every connection's `pending` (drawn once: drawing
    /// one is dearer than a short connection's lookups).
    keys: KeyedState,
    /// The room of every SMB connection's keep buffers, in all
    /// (within [`Options::max_kept_total`]).
    kept_total: usize,
    /// The room of every Kerberos-over-TCP record buffer, in all
    /// (within [`Options::max_krb_total`]).
    krb_total: usize,
}

/// Runs the pipeline over a whole capture, calling `on` for each event.
pub fn run<R: Read>(
    reader: &mut CaptureReader<R>,
    opts: &Options,
    on: impl FnMut(Event<'_>),
) -> Outcome {
    run_until(reader, opts, &Cell::new(false), on)
}

/// [`run`], which stops reading frames once `stop` is set (by `on`, when
/// the reader of its output has gone): the connections still open end as at
/// the end of a capture, and the outcome counts the frames read until then.
pub fn run_until<R: Read>(
    reader: &mut CaptureReader<R>,
    opts: &Options,
    stop: &Cell<bool>,
    on: impl FnMut(Event<'_>),
) -> Outcome {
    let mut drv = Driver {
        opts,
        on,
        stats: Stats::default(),
        udp: UdpStreams::default(),
        udp_krb: KeyedHashMap::default(),
        keys: KeyedState::default(),
        kept_total: 0,
        krb_total: 0,
    };
    let mut tcp: Reassembler<Conn> = Reassembler::new(opts.limits);
    let mut last = (Timestamp::default(), 0u64);
    let error = loop {
        if stop.get() {
            break None;
        }
        match reader.next_frame() {
            Ok(Some(frame)) => {
                last = (frame.ts, frame.number);
                drv.frame(&frame, &mut tcp);
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    tcp.finish(last.0, last.1, &mut drv);
    // Set once here, not per frame: nothing reads it during the run.
    if drv.stats.frames > 0 {
        drv.stats.last_ts = Some(last.0);
    }
    drv.stats.tcp = tcp.stats;
    drv.stats.udp_streams = drv.udp.count();
    drv.stats.link_types = reader.link_types().iter().map(|l| l.0).collect();
    Outcome {
        stats: drv.stats,
        error,
    }
}

fn sock(ip: std::net::IpAddr, port: u16) -> SocketAddr {
    SocketAddr::new(ip, port)
}

impl<F: FnMut(Event<'_>)> Driver<'_, F> {
    fn frame(&mut self, frame: &Frame<'_>, tcp: &mut Reassembler<Conn>) {
        let st = &mut self.stats;
        st.frames += 1;
        st.bytes += frame.data.len() as u64;
        let first = st.first_ts.is_none();
        if first {
            st.first_ts = Some(frame.ts);
            st.earliest_ts = frame.ts;
            st.latest_ts = frame.ts;
        } else if frame.ts < st.earliest_ts {
            st.earliest_ts = frame.ts;
        } else if frame.ts > st.latest_ts {
            st.latest_ts = frame.ts;
        }
        if (frame.data.len() as u64) < u64::from(frame.orig_len) {
            st.frames_cut_by_snaplen += 1;
        }
        if first {
            (self.on)(Event::CaptureStart {
                frame: frame.number,
                ts: frame.ts,
            });
        }
        // Matched by reference: the segment is read where decode put it.
        match &net::decode(frame.link_type, frame.data) {
            Ok(Packet::Tcp(seg)) => {
                tcp.process(seg, frame.number, frame.ts, self);
            }
            Ok(Packet::Udp(d)) => {
                let before = self.udp.count();
                let stream =
                    self.udp
                        .number((d.src, d.src_port), (d.dst, d.dst_port), frame.ts.secs);
                if d.dst_port == 53 && self.opts.lookups {
                    (self.on)(Event::Lookup {
                        frame: frame.number,
                        ts: frame.ts,
                        kind: LookupKind::DnsQuery,
                        from: d.src,
                        target: d.dst,
                    });
                }
                let krb = &self.opts.kerberos_ports;
                if krb.contains(&d.dst_port) || krb.contains(&d.src_port) {
                    // A new stream number: this datagram began the conversation.
                    if self.udp.count() > before {
                        self.stats.kerberos_udp_streams += 1;
                    }
                    self.udp_kerberos(frame, stream, d);
                }
            }
            Err(why) => {
                self.stats.skip(*why);
                if *why == Skip::NotIp && self.opts.lookups {
                    self.arp(frame);
                }
            }
        }
    }

    /// An ARP message of a frame that is not IP, as an [`Event::Lookup`].
    fn arp(&mut self, frame: &Frame<'_>) {
        let Some(a) = net::arp(frame.link_type, frame.data) else {
            return;
        };
        (self.on)(Event::Lookup {
            frame: frame.number,
            ts: frame.ts,
            kind: if a.request {
                LookupKind::ArpRequest
            } else {
                LookupKind::ArpReply
            },
            from: a.sender.into(),
            target: a.target.into(),
        });
    }

    fn udp_kerberos(&mut self, frame: &Frame<'_>, stream: u64, d: &net::UdpDatagram<'_>) {
        let from_client = self.opts.kerberos_ports.contains(&d.dst_port);
        let msg = Message {
            frame: frame.number,
            ts: frame.ts,
            transport: Transport::Udp,
            stream,
            src: sock(d.src, d.src_port),
            dst: sock(d.dst, d.dst_port),
            from_client,
            kind: Kind::Kerberos,
            header: None,
            transform: None,
            smb1: None,
            netbios: None,
            bytes: d.payload,
            len: d.wire_len,
            chain_index: 0,
            missing: u64::from(d.wire_len) - d.payload.len() as u64,
            request: None,
        };
        let request = pair_kerberos(&msg, self.udp_krb.get(&stream).copied());
        if is_kerberos_request(d.payload) {
            if self.udp_krb.len() >= MAX_PENDING {
                self.udp_krb.clear();
            }
            self.udp_krb.insert(
                stream,
                RequestRef {
                    frame: frame.number,
                    ts: frame.ts,
                },
            );
        }
        self.emit(&Message { request, ..msg });
    }

    fn emit(&mut self, msg: &Message<'_>) {
        emit_message(&mut self.stats, &mut self.on, msg);
    }
}

/// Counts a message and hands it on.
fn emit_message<F: FnMut(Event<'_>)>(stats: &mut Stats, on: &mut F, msg: &Message<'_>) {
    stats.messages += 1;
    if msg.missing > 0 {
        stats.messages_incomplete += 1;
    }
    on(Event::Message(msg));
}

/// Kerberos requests: AS-REQ [APPLICATION 10], TGS-REQ [APPLICATION 12] (RFC 4120 5.4.1).
fn is_kerberos_request(b: &[u8]) -> bool {
    matches!(b.first(), Some(0x6a | 0x6c))
}

fn pair_kerberos(msg: &Message<'_>, last_request: Option<RequestRef>) -> Option<RequestRef> {
    if is_kerberos_request(msg.bytes) {
        None
    } else {
        last_request
    }
}

/// Everything the per-connection handlers need besides the connection.
struct Out<'d, F> {
    on: &'d mut F,
    stats: &'d mut Stats,
    ctx: Ctx,
}

impl<F: FnMut(Event<'_>)> Out<'_, F> {
    fn emit(&mut self, msg: &Message<'_>) {
        emit_message(self.stats, self.on, msg);
    }
}

/// One NetBIOS message of an SMB connection.
fn smb_pdu<F: FnMut(Event<'_>)>(
    info: &ConnInfo,
    pending: &mut Outstanding,
    smb1_negotiate: &mut Option<RequestRef>,
    out: &mut Out<'_, F>,
    from_client: bool,
    pdu: Pdu<'_>,
) {
    out.stats.bytes_not_kept +=
        u64::from(pdu.len).saturating_sub(pdu.bytes.len() as u64 + pdu.missing);
    let mut msg = tcp_message(info, &out.ctx, from_client, Kind::Netbios, pdu.bytes);
    msg.len = pdu.len;
    msg.missing = pdu.missing;
    if pdu.kind != NbssType::SESSION_MESSAGE {
        msg.netbios = Some(pdu.kind);
        out.emit(&msg);
        return;
    }
    let magic = pdu.bytes.get(..4).map(|m| [m[0], m[1], m[2], m[3]]);
    match magic {
        Some(SMB2_MAGIC) => {
            msg.kind = Kind::Smb2;
            smb2_chain(pending, smb1_negotiate, out, &mut msg, &pdu);
        }
        Some(TRANSFORM_MAGIC) => {
            msg.kind = Kind::Smb2Transform;
            msg.transform = Some(transform_info(pdu.bytes));
            out.emit(&msg);
        }
        Some(COMPRESSION_MAGIC) => {
            msg.kind = Kind::Smb2Compressed;
            msg.transform = Some(compression_info(pdu.bytes));
            out.emit(&msg);
        }
        Some(SMB1_MAGIC) => {
            msg.kind = Kind::Smb1;
            let b = pdu.bytes;
            let info = (b.len() >= 14).then(|| Smb1Info {
                command: b[4],
                status: u32::from_le_bytes([b[5], b[6], b[7], b[8]]),
                response: b[9] & 0x80 != 0,
                // Flags2 (bytes 10-11, little-endian): 0x4000 is NT_STATUS.
                nt_status: b[11] & 0x40 != 0,
            });
            msg.smb1 = info;
            // SMB_COM_NEGOTIATE (0x72) request: an SMB2 server may answer it with an SMB2 NEGOTIATE.
            if let Some(i) = info {
                if i.command == 0x72 && !i.response {
                    *smb1_negotiate = Some(RequestRef {
                        frame: msg.frame,
                        ts: msg.ts,
                    });
                }
            }
            out.emit(&msg);
        }
        _ => {
            // A session message of which the capture kept fewer than the 4
            // bytes of a protocol id (the snaplen, or a lost segment, cut
            // it; the framer took those it saw for a message): what it
            // carries is not known, so it is told as what it is, a NetBIOS
            // SESSION MESSAGE (RFC 1002 4.3.6), as tshark shows it.
            msg.netbios = Some(pdu.kind);
            out.emit(&msg);
        }
    }
}

/// Reads the fields of a TRANSFORM_HEADER ([MS-SMB2] 2.2.41) that need no
/// key, each one whose bytes were kept: a header cut by the snaplen gives
/// OriginalMessageSize from 40 bytes on, Flags from 44, SessionId from 52.
fn transform_info(b: &[u8]) -> TransformInfo {
    use crate::smb2::wire::{u16_at, u32_at, u64_at};
    TransformInfo {
        original_size: u32_at(b, 36),
        flags: u16_at(b, 42),
        session_id: u64_at(b, 44),
        ..TransformInfo::default()
    }
}

/// Reads a COMPRESSION_TRANSFORM_HEADER ([MS-SMB2] 2.2.42), each field whose
/// bytes were kept: OriginalCompressedSegmentSize from 8 bytes on,
/// CompressionAlgorithm from 10, Flags from 12, an unchained header's Offset
/// from 16.
fn compression_info(b: &[u8]) -> TransformInfo {
    use crate::smb2::wire::{u16_at, u32_at};
    let flags = u16_at(b, 10);
    TransformInfo {
        original_size: u32_at(b, 4),
        algorithm: u16_at(b, 8),
        flags,
        offset: flags
            .filter(|f| f & SMB2_COMPRESSION_FLAG_CHAINED == 0)
            .and_then(|_| u32_at(b, 12)),
        session_id: None,
    }
}

/// Flags of a COMPRESSION_TRANSFORM_HEADER: the payload is a chain of
/// SMB2_COMPRESSION_CHAINED_PAYLOAD_HEADERs ([MS-SMB2] 2.2.42.2).
const SMB2_COMPRESSION_FLAG_CHAINED: u16 = 0x0001;

/// Splits an SMB2 message into its compound chain ([MS-SMB2] 3.2.4.1.4) and
/// pairs each PDU. `msg` is the whole message; it is rewritten in place into
/// each PDU of the chain in turn, each with the missing bytes of `pdu` that
/// fall within it.
fn smb2_chain<'b, F: FnMut(Event<'_>)>(
    pending: &mut Outstanding,
    smb1_negotiate: &mut Option<RequestRef>,
    out: &mut Out<'_, F>,
    msg: &mut Message<'b>,
    pdu: &Pdu<'_>,
) {
    let whole: &'b [u8] = msg.bytes;
    let total = msg.len as usize;
    let mut off = 0usize;
    for index in 0..u16::MAX {
        let kept = whole.get(off..).unwrap_or_default();
        // Parsed straight into the message (no local copy of the header).
        msg.header = Smb2Header::parse(kept).ok();
        let next = msg.header.as_ref().map_or(0, |h| h.next_command as usize);
        let end = if next == 0 {
            total
        } else {
            off.saturating_add(next).min(total)
        };
        msg.bytes = &kept[..kept.len().min(end - off)];
        msg.len = (end - off) as u32;
        msg.missing = pdu.missing_in(off as u32, end as u32);
        msg.chain_index = index;
        msg.request = match &msg.header {
            Some(h) => pair_smb2(pending, smb1_negotiate, out.stats, h, msg.frame, msg.ts),
            None => None,
        };
        out.emit(msg);
        if next == 0 || end >= total {
            return;
        }
        // NextCommand must advance past a header and stay 8-byte aligned.
        if next < 64 || !next.is_multiple_of(8) {
            out.stats.compound_chains_malformed += 1;
            return;
        }
        off = end;
    }
}

fn pair_smb2(
    pending: &mut Outstanding,
    smb1_negotiate: &mut Option<RequestRef>,
    stats: &mut Stats,
    h: &Smb2Header,
    frame: u64,
    ts: Timestamp,
) -> Option<RequestRef> {
    if !h.is_response() {
        // CANCEL reuses the MessageId of the request it cancels ([MS-SMB2] 2.2.30).
        if h.command != Command::CANCEL {
            if pending.len() >= MAX_PENDING {
                stats.requests_dropped += pending.len() as u64;
                pending.clear();
            }
            pending.insert(h.message_id, RequestRef { frame, ts });
        }
        return None;
    }
    // Unsolicited: oplock/lease breaks use MessageId 0xFFFFFFFFFFFFFFFF ([MS-SMB2] 3.3.4.6).
    if h.message_id == u64::MAX {
        return None;
    }
    let interim = h.is_async() && NtStatus(h.status) == NtStatus::PENDING;
    let found = if interim {
        pending.get(h.message_id)
    } else {
        pending.remove(h.message_id)
    };
    let found = found.or_else(|| {
        (h.command == Command::NEGOTIATE && h.message_id == 0)
            .then(|| smb1_negotiate.take())
            .flatten()
    });
    if found.is_none() {
        stats.responses_unpaired += 1;
    }
    found
}

/// A message of a followed TCP connection, before its kind-specific fields.
fn tcp_message<'b>(
    info: &ConnInfo,
    ctx: &Ctx,
    from_client: bool,
    kind: Kind,
    bytes: &'b [u8],
) -> Message<'b> {
    let (src, dst) = if from_client {
        (info.client, info.server)
    } else {
        (info.server, info.client)
    };
    Message {
        frame: ctx.frame,
        ts: ctx.ts,
        transport: Transport::Tcp,
        stream: ctx.stream,
        src,
        dst,
        from_client,
        kind,
        header: None,
        transform: None,
        smb1: None,
        netbios: None,
        bytes,
        len: bytes.len() as u32,
        chain_index: 0,
        missing: 0,
        request: None,
    }
}

impl<F: FnMut(Event<'_>)> StreamSink for Driver<'_, F> {
    type State = Conn;

    fn open(&mut self, f: &FlowInfo, ctx: &Ctx) -> Option<Conn> {
        let is = |ports: &[u16]| (ports.contains(&f.dst_port), ports.contains(&f.src_port));
        let (kerberos, (to_server, from_server)) =
            match (is(&self.opts.smb_ports), is(&self.opts.kerberos_ports)) {
                ((false, false), (false, false)) => {
                    if f.saw_syn {
                        self.stats.other_port(f.dst_port);
                    }
                    return None;
                }
                ((false, false), k) => (true, k),
                (s, _) => (false, s),
            };
        // Direction 0 is the first packet's sender: the client if it talks to the port.
        let client_dir = match (to_server, from_server) {
            (true, true) => usize::from(!f.saw_syn && f.src_port < f.dst_port),
            (true, false) => 0,
            _ => 1,
        };
        let (a, b) = (sock(f.src, f.src_port), sock(f.dst, f.dst_port));
        let (client, server) = if client_dir == 0 { (a, b) } else { (b, a) };
        let info = ConnInfo {
            stream: f.stream,
            client,
            server,
            kerberos,
            saw_syn: f.saw_syn,
        };
        if kerberos {
            self.stats.kerberos_connections += 1;
        } else {
            self.stats.smb_connections += 1;
        }
        (self.on)(Event::ConnectionOpen {
            info,
            frame: ctx.frame,
            ts: ctx.ts,
            capture_start: self.stats.first_ts.unwrap_or(ctx.ts),
        });
        Some(Conn {
            info,
            client_dir,
            io: None,
        })
    }

    fn data(&mut self, st: &mut Conn, ctx: &Ctx, dir: usize, bytes: &[u8]) {
        if st.info.kerberos {
            self.kerberos_tcp(st, ctx, dir, bytes);
            return;
        }
        self.with_framer(st, ctx, dir, Step::Data(bytes));
    }

    fn gap(&mut self, st: &mut Conn, ctx: &Ctx, dir: usize, gap: Gap) {
        let from_client = dir == st.client_dir;
        let Gap {
            len,
            reason,
            frame,
            ts,
        } = gap;
        (self.on)(Event::Gap {
            info: st.info,
            from_client,
            frame,
            ts,
            bytes: len,
            reason,
        });
        if st.info.kerberos {
            let io = st.io.get_or_insert_with(|| ConnIo::new(self.keys));
            self.stats.kerberos_bytes_dropped += io.krb_buf[dir].len() as u64;
            self.krb_total = self.krb_total.saturating_sub(io.krb_buf[dir].capacity());
            io.krb_buf[dir] = Vec::new();
            io.krb_broken[dir] = true;
            return;
        }
        self.with_framer(st, ctx, dir, Step::Gap(len));
    }

    fn end(&mut self, st: &mut Conn, ctx: &Ctx, dir: usize, reason: EndReason, silent: bool) {
        let from_client = dir == st.client_dir;
        // A framer that was never given bytes has nothing to finish.
        if !st.info.kerberos && st.io.is_some() {
            self.with_framer(st, ctx, dir, Step::End);
        }
        (self.on)(Event::ConnectionEnd {
            info: st.info,
            from_client,
            frame: ctx.frame,
            ts: ctx.ts,
            reason,
            silent,
        });
    }

    #[cold]
    fn handshake(&mut self, st: &mut Conn, ctx: &Ctx, h: Handshake) {
        (self.on)(Event::Handshake {
            info: st.info,
            frame: ctx.frame,
            ts: ctx.ts,
            syns: h.syns,
        });
    }

    #[cold]
    fn unacknowledged(&mut self, st: &mut Conn, _ctx: &Ctx, dir: usize, stall: Stall<'_>) {
        (self.on)(Event::Unacknowledged {
            info: st.info,
            from_client: dir == st.client_dir,
            stall: &stall,
        });
    }

    fn close(&mut self, st: Conn, _ctx: &Ctx) {
        let Some(io) = st.io else {
            return;
        };
        for f in &io.framers {
            self.stats.resync_skipped_bytes += f.stats.resync_skipped;
            self.kept_total = self.kept_total.saturating_sub(f.kept_room());
        }
        for b in &io.krb_buf {
            self.krb_total = self.krb_total.saturating_sub(b.capacity());
        }
    }
}

/// What a framer is given: the [`StreamSink`] call it comes from.
enum Step<'a> {
    Data(&'a [u8]),
    Gap(u64),
    End,
}

impl<F: FnMut(Event<'_>)> Driver<'_, F> {
    /// Runs `step` on direction `dir`'s framer of an SMB connection; each
    /// message it completes becomes events.
    fn with_framer(&mut self, st: &mut Conn, ctx: &Ctx, dir: usize, step: Step<'_>) {
        let from_client = dir == st.client_dir;
        let Conn { info, io, .. } = st;
        let ConnIo {
            framers,
            pending,
            smb1_negotiate,
            ..
        } = &mut **io.get_or_insert_with(|| ConnIo::new(self.keys));
        let mut out = Out {
            on: &mut self.on,
            stats: &mut self.stats,
            ctx: *ctx,
        };
        let mut emit =
            |pdu: Pdu<'_>| smb_pdu(info, pending, smb1_negotiate, &mut out, from_client, pdu);
        let framer = &mut framers[dir];
        let skipped = framer.stats.resync_skipped;
        // What the other connections' buffers hold leaves this one the rest.
        let others = self.kept_total.saturating_sub(framer.kept_room());
        let max = self.opts.max_kept_total;
        framer.limit_keep(max.saturating_sub(others));
        match step {
            Step::Data(bytes) => framer.data(bytes, &mut emit),
            Step::Gap(len) => framer.gap(len, &mut emit),
            Step::End => framer.end(&mut emit),
        }
        self.kept_total = others + framer.kept_room();
        let bytes = framer.stats.resync_skipped - skipped;
        if bytes > 0 {
            (self.on)(Event::Skipped {
                info: *info,
                from_client,
                frame: ctx.frame,
                bytes,
                head: framer.stats.first_skipped(),
            });
        }
    }

    /// Kerberos over TCP: 4-byte record markers (RFC 4120 7.2.2). The
    /// segment is taken in pieces that keep the buffer within one record of
    /// the largest size accepted (1 MiB and its marker), so a record that
    /// ends in a segment carrying the start of the next is still decoded.
    fn kerberos_tcp(&mut self, st: &mut Conn, ctx: &Ctx, dir: usize, bytes: &[u8]) {
        let from_client = dir == st.client_dir;
        let info = st.info;
        let st = &mut **st.io.get_or_insert_with(|| ConnIo::new(self.keys));
        // What the other connections' buffers hold leaves this one the rest.
        let others = self.krb_total.saturating_sub(st.krb_buf[dir].capacity());
        let most = MAX_KRB_BUF.min(self.opts.max_krb_total.saturating_sub(others));
        let mut rest = bytes;
        while !rest.is_empty() {
            let room = most.saturating_sub(st.krb_buf[dir].len());
            if room == 0 {
                // Only when the buffers of all connections hold too much: a
                // record no longer than MAX_KRB_BUF completes when the
                // buffer is full, and a longer one is an error.
                self.stats.kerberos_bytes_dropped += st.krb_buf[dir].len() as u64;
                st.krb_buf[dir].clear();
                st.krb_broken[dir] = true;
            }
            if st.krb_broken[dir] {
                self.stats.kerberos_bytes_dropped += rest.len() as u64;
                break;
            }
            let (piece, tail) = rest.split_at(room.min(rest.len()));
            rest = tail;
            st.krb_buf[dir].extend_from_slice(piece);
            self.kerberos_records(&info, from_client, st, ctx, dir);
        }
        let buf = &mut st.krb_buf[dir];
        if buf.is_empty() && (buf.capacity() > 64 * 1024 || st.krb_broken[dir]) {
            *buf = Vec::new();
        }
        self.krb_total = others + buf.capacity();
    }

    /// Emits the complete records at the start of the direction's buffer and
    /// drops their bytes.
    fn kerberos_records(
        &mut self,
        info: &ConnInfo,
        from_client: bool,
        st: &mut ConnIo,
        ctx: &Ctx,
        dir: usize,
    ) {
        let buf = &mut st.krb_buf[dir];
        let mut used = 0;
        loop {
            match kerberos_tcp_record(&buf[used..]) {
                Ok(KrbTcpRecord::Complete { message, consumed }) => {
                    let mut msg = tcp_message(info, ctx, from_client, Kind::Kerberos, message);
                    msg.request = if is_kerberos_request(message) {
                        None
                    } else {
                        st.krb_request
                    };
                    if is_kerberos_request(message) {
                        st.krb_request = Some(RequestRef {
                            frame: ctx.frame,
                            ts: ctx.ts,
                        });
                    }
                    self.emit(&msg);
                    used += consumed;
                }
                Ok(KrbTcpRecord::Incomplete { .. }) => break,
                Err(_) => {
                    st.krb_broken[dir] = true;
                    self.stats.kerberos_bytes_dropped += (buf.len() - used) as u64;
                    used = buf.len();
                    break;
                }
            }
        }
        buf.drain(..used);
    }
}

/// A message's decoded contents: its SMB2 body or SMB1 header fields, and
/// the security blob or Kerberos message it carries.
#[derive(Debug, Default)]
pub struct Decoded {
    pub body: Option<Result<crate::smb2::Body, crate::smb2::BodyError>>,
    pub smb1: Option<crate::smb2::Smb1Message>,
    /// The security blob (boxed, as `kerberos`: most messages carry none).
    pub auth: Option<Result<Box<crate::auth::AuthInfo>, crate::auth::AuthError>>,
    /// A Kerberos message on port 88 (boxed: 512 bytes that most messages
    /// would otherwise carry and move).
    pub kerberos: Option<Result<Box<crate::auth::KerberosInfo>, crate::auth::AuthError>>,
    /// A NetBIOS session request, negative or retarget response (RFC 1002 4.3).
    pub netbios:
        Option<Result<Box<crate::smb2::nbss::NbssPacket>, crate::smb2::nbss::NbssDecodeError>>,
}

impl<'a> Message<'a> {
    /// Decodes the message's body and any security token in it.
    pub fn decode(&self) -> Decoded {
        match self.kind {
            Kind::Smb2 => match &self.header {
                Some(h) if self.body_kept() => self.decode_smb2(h),
                _ => Decoded::default(),
            },
            Kind::Smb1 => self.decode_smb1(),
            Kind::Kerberos => Decoded {
                kerberos: Some(crate::auth::parse_kerberos_message_boxed(self.bytes)),
                ..Decoded::default()
            },
            Kind::Netbios => Decoded {
                netbios: self
                    .netbios
                    .and_then(|t| {
                        let cut = (self.bytes.len() as u64) < u64::from(self.len);
                        crate::smb2::nbss::parse_nbss_kept(t, self.bytes, cut)
                    })
                    .map(|r| r.map(Box::new)),
                ..Decoded::default()
            },
            _ => Decoded::default(),
        }
    }

    /// Whether an SMB2 body is there to decode: none when the capture cut
    /// the message inside its header (the header's fields were read; the
    /// message says what is missing). A message shorter than a header on the
    /// wire is decoded, for the body error that says so.
    fn body_kept(&self) -> bool {
        self.bytes.len() >= crate::smb2::header::HEADER_LEN
            || self.bytes.len() as u64 >= u64::from(self.len)
    }

    /// An SMB2 body and the security blob in it, written straight into the
    /// returned value.
    fn decode_smb2(&self, h: &crate::smb2::Smb2Header) -> Decoded {
        let body = crate::smb2::parse_body(h, self.bytes);
        Decoded {
            auth: self
                .security_blob(&body)
                .map(crate::auth::parse_security_blob_boxed),
            body: Some(body),
            ..Decoded::default()
        }
    }

    /// An SMB1 message and the security blob of a SESSION_SETUP_ANDX with
    /// extended security ([MS-SMB] 2.2.4.6).
    fn decode_smb1(&self) -> Decoded {
        let smb1 = crate::smb2::parse_smb1(self.bytes).ok();
        let auth = smb1
            .as_ref()
            .and_then(|x| x.session_setup.as_ref())
            .and_then(|s| s.security_blob.clone())
            .and_then(|r| self.bytes.get(r))
            .filter(|b| !b.is_empty())
            .map(crate::auth::parse_security_blob_boxed);
        Decoded {
            smb1,
            auth,
            ..Decoded::default()
        }
    }

    /// The security blob an SMB2 body points to, when it is not empty.
    fn security_blob(
        &self,
        body: &Result<crate::smb2::Body, crate::smb2::BodyError>,
    ) -> Option<&'a [u8]> {
        body.as_ref()
            .ok()
            .and_then(|b| b.security_buffer())
            .and_then(|r| r.slice(self.bytes))
            .filter(|b| !b.is_empty())
    }

    /// [`Message::decode`], except that the security blob of an SMB2 body
    /// is not parsed (`auth` is `None`; [`Message::security_blob_of`] finds
    /// it): for a caller that keeps what it made of blobs it saw before.
    pub fn decode_without_blob(&self) -> Decoded {
        match (self.kind, &self.header) {
            (Kind::Smb2, Some(h)) if self.body_kept() => Decoded {
                body: Some(crate::smb2::parse_body(h, self.bytes)),
                ..Decoded::default()
            },
            _ => self.decode(),
        }
    }

    /// The security blob of the SMB2 body in `dec`, when not empty.
    pub fn security_blob_of(&self, dec: &Decoded) -> Option<&'a [u8]> {
        self.security_blob(dec.body.as_ref()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frames of a classic little-endian pcap.
    fn pcap_frames(pcap: &[u8]) -> Vec<Vec<u8>> {
        let (mut out, mut at) = (Vec::new(), 24);
        while let Some(h) = pcap.get(at..at + 16) {
            let incl = u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize;
            out.push(pcap[at + 16..at + 16 + incl].to_vec());
            at += 16 + incl;
        }
        out
    }

    /// A copy of real frame `base` (Ethernet, IPv4, TCP) with the client
    /// port (`from_client`: the source's), the sequence number (when given)
    /// and the payload replaced.
    fn reframe(
        base: &[u8],
        client_port: u16,
        from_client: bool,
        seq: Option<u32>,
        payload: &[u8],
    ) -> Vec<u8> {
        let l4 = 14 + usize::from(base[14] & 0x0F) * 4;
        let doff = usize::from(base[l4 + 12] >> 4) * 4;
        let mut f = base[..l4 + doff].to_vec();
        let total = (l4 - 14 + doff + payload.len()) as u16;
        f[16..18].copy_from_slice(&total.to_be_bytes());
        let at = if from_client { l4 } else { l4 + 2 };
        f[at..at + 2].copy_from_slice(&client_port.to_be_bytes());
        if let Some(seq) = seq {
            f[l4 + 4..l4 + 8].copy_from_slice(&seq.to_be_bytes());
        }
        f.extend_from_slice(payload);
        f
    }

    /// `conns` connections of ntlm-wrong-password's handshake to `port`,
    /// each sending a record of which 192,004 bytes come and more are
    /// announced: a NetBIOS header claiming 200,000 bytes (SMB), or a
    /// Kerberos record marker claiming 1,000,000 (port 88), then the
    /// sample's SESSION_SETUP request bytes over and over.
    fn unfinished_records(conns: u16, port: u16) -> Vec<u8> {
        let sample = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-wrong-password.pcap"
        ))
        .expect("sample");
        let frames = pcap_frames(&sample);
        let (syn, syn_ack, ack, request) = (&frames[0], &frames[1], &frames[2], &frames[7]);
        let l4 = 14 + usize::from(request[14] & 0x0F) * 4;
        let body = &request[l4 + usize::from(request[l4 + 12] >> 4) * 4 + 4..];
        let isn = u32::from_be_bytes([syn[l4 + 4], syn[l4 + 5], syn[l4 + 6], syn[l4 + 7]]);
        let mut data = if port == 88 { 1_000_000u32 } else { 200_000 }
            .to_be_bytes()
            .to_vec();
        while data.len() < 192_004 {
            data.extend_from_slice(body);
        }
        data.truncate(192_004);
        let mut out = sample[..24].to_vec();
        let mut add = |f: Vec<u8>| {
            out.extend_from_slice(&1_000u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&f);
        };
        for c in 0..conns {
            let cp = 20_000 + c;
            let server = |f: &[u8]| {
                let mut f = f.to_vec();
                f[l4..l4 + 2].copy_from_slice(&port.to_be_bytes());
                f
            };
            let client = |f: &[u8]| {
                let mut f = f.to_vec();
                f[l4 + 2..l4 + 4].copy_from_slice(&port.to_be_bytes());
                f
            };
            add(reframe(&client(syn), cp, true, None, b""));
            add(reframe(&server(syn_ack), cp, false, None, b""));
            add(reframe(&client(ack), cp, true, None, b""));
            for (i, piece) in data.chunks(64_000).enumerate() {
                let seq = isn.wrapping_add(1 + (i * 64_000) as u32);
                add(reframe(&client(request), cp, true, Some(seq), piece));
            }
        }
        out
    }

    /// A connection tracked without payload (each SYN of a flood: 200,000
    /// of them at the tracking limit) holds its addresses, not its framers
    /// and pending-request table (~620 bytes, made with the first payload).
    /// `smbscope messages` on 300,000 SYNs (scripts/hostile/gen.py syn):
    /// peak RSS 266 MB before, 141 MB after.
    #[test]
    fn a_connection_without_payload_holds_no_framers() {
        assert!(
            std::mem::size_of::<Conn>() <= 104,
            "{}",
            std::mem::size_of::<Conn>()
        );
        assert!(std::mem::size_of::<ConnIo>() > 512);
    }

    /// Runs `pcap` with `opts`: the stats and the bytes kept of its messages.
    fn kept_of(pcap: &[u8], opts: &Options) -> (Stats, usize) {
        let mut reader = CaptureReader::new(std::io::Cursor::new(pcap)).expect("pcap");
        let mut kept = 0;
        let outcome = run(&mut reader, opts, |ev| {
            if let Event::Message(m) = ev {
                kept += m.bytes.len();
            }
        });
        (outcome.stats, kept)
    }

    /// Twelve connections each with 192,000 bytes of an unfinished message
    /// (the bytes of a real sample): within a 1 MiB budget in all, the
    /// messages keep at most the budget (and MIN_KEEP each), the rest
    /// counted in bytes_not_kept; with the default budget all is kept.
    /// Before the budget, each connection kept its 256 KiB whatever the
    /// others held (1,600 such connections: 398 MB of memory).
    #[test]
    fn messages_under_way_are_kept_within_the_budget_in_all() {
        let pcap = unfinished_records(12, 445);
        let (stats, kept) = kept_of(&pcap, &Options::default());
        assert_eq!(
            (stats.messages, stats.bytes_not_kept, kept),
            (12, 0, 12 * 192_000)
        );
        let small = Options {
            max_kept_total: 1 << 20,
            ..Options::default()
        };
        let (stats, kept) = kept_of(&pcap, &small);
        assert_eq!(stats.messages, 12);
        assert!(
            kept <= (1 << 20) + 12 * crate::smb2::framing::MIN_KEEP,
            "{kept} bytes kept"
        );
        assert_eq!(stats.bytes_not_kept, (12 * 192_000 - kept) as u64);
    }

    /// The same with Kerberos records on port 88: within a 1 MiB budget for
    /// the record buffers of all connections, what does not fit is dropped
    /// and counted in kerberos_bytes_dropped; with the default budget (16
    /// MiB) nothing is.
    #[test]
    fn kerberos_records_under_way_are_held_within_the_budget_in_all() {
        let pcap = unfinished_records(12, 88);
        let (stats, _) = kept_of(&pcap, &Options::default());
        assert_eq!(
            (stats.kerberos_connections, stats.kerberos_bytes_dropped),
            (12, 0)
        );
        let small = Options {
            max_krb_total: 1 << 20,
            ..Options::default()
        };
        let (stats, _) = kept_of(&pcap, &small);
        assert!(
            stats.kerberos_bytes_dropped > 12 * 192_004 - (1 << 20),
            "{}",
            stats.kerberos_bytes_dropped
        );
    }

    /// The short list and its hash map behave as one map: checked against
    /// a `HashMap` on a run of inserts (new and repeated ids), lookups and
    /// removals that crosses the list's size both ways.
    #[test]
    fn outstanding_requests_behave_as_one_map() {
        let mut o = Outstanding::new(KeyedState::default());
        let mut model = std::collections::HashMap::new();
        let req = |frame| RequestRef {
            frame,
            ts: Timestamp::default(),
        };
        let mut x: u64 = 7;
        for frame in 0..4000u64 {
            // A small id space, so that ids repeat and the list fills and empties.
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = (x >> 33) % 24;
            match (x >> 60) % 3 {
                0 => {
                    o.insert(id, req(frame));
                    model.insert(id, frame);
                }
                1 => assert_eq!(o.remove(id).map(|r| r.frame), model.remove(&id)),
                _ => assert_eq!(o.get(id).map(|r| r.frame), model.get(&id).copied()),
            }
            assert_eq!(o.len(), model.len());
            if frame % 1000 == 999 {
                o.clear();
                model.clear();
            }
        }
    }
}
