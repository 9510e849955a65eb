//! The facts the session layer keeps: connections with their negotiate
//! result, sessions with their setup rounds, trees with their file
//! operations, and Kerberos exchanges on port 88. Everything here is plain
//! data that serializes with the keys documented in docs/report.md.
//!
//! Every list that could grow with the bytes of a capture is bounded (the
//! `MAX_*` constants); what is not kept is counted in an `*_omitted` field.

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use crate::auth::kerberos::{EncType, KdcOptions, KrbMsgType, PaDataType};
use crate::capture::Timestamp;
use crate::ntstatus::NtStatus;
use crate::smb2::negotiate::{
    Capabilities, Cipher, CompressionAlgorithm, Dialect, SigningAlgorithm,
};
use crate::smb2::session_setup::SessionFlags;
use crate::smb2::tree::{ShareFlags, ShareType};
use crate::smb2::wire::Guid;

/// Setup rounds kept per session.
pub const MAX_ROUNDS: usize = 16;
/// Distinct error statuses counted per tree.
pub const MAX_STATUS_KINDS: usize = 32;
/// Notable error responses kept per connection.
pub const MAX_ERRORS: usize = 64;
/// Timeline entries kept per connection.
pub const MAX_TIMELINE: usize = 1000;
/// Kerberos exchanges on port 88 kept for the whole capture.
pub const MAX_KDC_EXCHANGES: usize = 4096;
/// Requests remembered per connection while they wait for a response.
pub const MAX_PENDING: usize = 4096;

/// How a session setup ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// STATUS_SUCCESS with the user's own identity.
    Success,
    /// STATUS_SUCCESS with SessionFlags IS_GUEST.
    Guest,
    /// STATUS_SUCCESS with SessionFlags IS_NULL or an anonymous NTLM AUTHENTICATE.
    Anonymous,
    /// The last SESSION_SETUP response carried an error status.
    Failure,
    /// No final response: the client gave up, the connection ended or the capture did.
    Unfinished,
    /// No SESSION_SETUP of the capture: a session set up before it began,
    /// that the server answered for ([`Session::unseen_setup`]). Who logged
    /// on, and how, is not known. Only in [`super::Model::unseen_sessions`].
    Unseen,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Guest => "guest",
            Outcome::Anonymous => "anonymous",
            Outcome::Failure => "failure",
            Outcome::Unfinished => "unfinished",
            Outcome::Unseen => "unseen",
        }
    }

    /// The session was established (whatever the identity).
    pub fn established(self) -> bool {
        matches!(
            self,
            Outcome::Success | Outcome::Guest | Outcome::Anonymous | Outcome::Unseen
        )
    }
}

/// What a server looked up while a request of its client waited (see
/// `session::lookups`): ARP requests (RFC 826) and DNS queries (UDP to port
/// 53) it sent between the request and its answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lookups {
    pub arp_requests: u32,
    /// The address its first ARP request asked for.
    pub arp_target: Option<IpAddr>,
    /// An ARP reply from that address came in the span.
    pub arp_answered: bool,
    pub dns_queries: u32,
    /// The DNS server of its last query.
    pub dns_server: Option<IpAddr>,
    pub first_frame: u64,
    pub last_frame: u64,
    /// More lookups than are kept came in the span: the counts are of the
    /// latest only.
    pub partial: bool,
}

/// The SMB2 NEGOTIATE exchange of a connection ([MS-SMB2] 2.2.3, 2.2.4).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Negotiate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_frame: Option<u64>,
    /// Final NTSTATUS of the NEGOTIATE response (serialized by name).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "opt_status_name"
    )]
    pub status: Option<NtStatus>,
    /// Dialects the client offered (SMB2 NEGOTIATE request).
    #[serde(serialize_with = "ser_list")]
    pub offered_dialects: SharedList<Dialect>,
    /// DialectCount of the request as sent (may exceed the dialects kept);
    /// None when the request is not in the capture.
    #[serde(skip)]
    pub client_dialect_count: Option<u16>,
    /// How many SMB2_PREAUTH_INTEGRITY_CAPABILITIES negotiate contexts the
    /// request carried ([MS-SMB2] 2.2.3.1.1; 3.1.1 needs exactly one); None
    /// when the request was not read whole (cut by the snaplen).
    #[serde(skip)]
    pub client_preauth_contexts: Option<u16>,
    /// The dialect the server chose, e.g. "3.1.1".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    #[serde(skip)]
    pub dialect_code: u16,
    pub client_signing_required: bool,
    pub server_signing_required: bool,
    pub server_signing_enabled: bool,
    /// The client's Capabilities (serialized as the list of names).
    pub client_capabilities: Capabilities,
    /// The server's Capabilities.
    pub capabilities: Capabilities,
    /// Ciphers the client offered (ENCRYPTION_CAPABILITIES).
    #[serde(skip_serializing_if = "empty_list", serialize_with = "ser_list")]
    pub ciphers_offered: SharedList<Cipher>,
    /// The cipher the server chose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher: Option<Cipher>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<SigningAlgorithm>,
    /// Mechanisms the server advertised in its SPNEGO hint.
    #[serde(skip_serializing_if = "empty_list", serialize_with = "ser_list")]
    pub server_mechanisms: SharedList<Cow<'static, str>>,
    /// Seconds from request to response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// When the SMB2 NEGOTIATE request was sent (none without it): how long
    /// one left unanswered waited.
    #[serde(skip)]
    pub request_time: Option<Timestamp>,
    /// What the server looked up between the request and the response.
    #[serde(skip)]
    pub server_lookups: Option<Box<Lookups>>,
    /// The largest of the response's MaxTransactSize, MaxReadSize and
    /// MaxWriteSize (0 before a response was read).
    #[serde(skip)]
    pub server_max_size: u32,
    /// The response agreed on a compression algorithm other than NONE
    /// (SMB2_COMPRESSION_CAPABILITIES, [MS-SMB2] 2.2.4.1.3).
    #[serde(skip)]
    pub compression_negotiated: bool,
    /// The algorithm the response's SMB2_COMPRESSION_CAPABILITIES named
    /// first, when it is not NONE.
    #[serde(skip)]
    pub compression_algorithm: Option<CompressionAlgorithm>,
    /// The request carried an SMB2_COMPRESSION_CAPABILITIES context naming
    /// an algorithm other than NONE ([MS-SMB2] 2.2.3.1.3).
    #[serde(skip)]
    pub client_compression_offered: bool,
    /// The request's ClientGuid ([MS-SMB2] 2.2.3: the client's own
    /// identifier, the same on each of its connections, from SMB 2.1 on;
    /// zeros from a 2.0.2 client). Absent without a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_guid: Option<Guid>,
    /// How far the server's SystemTime in the response is ahead of the
    /// capture's timestamp of that frame, in seconds (negative: behind);
    /// None when the response carries no SystemTime (0).
    #[serde(skip)]
    pub server_clock_offset: Option<f64>,
}

impl Negotiate {
    /// The request's ClientGuid was all zeros ([MS-SMB2] 2.2.3: a client
    /// of 2.1 or later sends its own identifier there).
    pub fn client_guid_zero(&self) -> bool {
        self.client_guid.is_some_and(|g| g.0 == [0; 16])
    }
}

/// A list that many connections have alike (a client offers the same
/// dialects on each of its connections, a server the same mechanisms),
/// kept once by the builder and shared; serialized as the list.
pub type SharedList<T> = std::sync::Arc<[T]>;

fn ser_list<T: Serialize, S: serde::Serializer>(
    l: &SharedList<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(l.iter())
}

fn empty_list<T>(l: &SharedList<T>) -> bool {
    l.is_empty()
}

/// An SMB1 NEGOTIATE seen on a connection ([MS-CIFS] 2.2.4.52).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Smb1Negotiate {
    pub request_frame: u64,
    pub dialects: Vec<String>,
    /// The client offered an SMB2 dialect string ("SMB 2.002", "SMB 2.???").
    pub offers_smb2: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_frame: Option<u64>,
    /// How the server answered: "smb2" (upgrade), "smb1" (an SMB1 dialect
    /// chosen), "none" (DialectIndex 0xFFFF: no common dialect).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<&'static str>,
    /// The SMB1 dialect the server chose: the string the client offered at
    /// the response's DialectIndex ("NT LM 0.12"); none when it chose none
    /// (0xFFFF), answered in SMB2, or the index is past the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
    /// The server chose NT LM 0.12 and its SecurityMode lacks
    /// NEGOTIATE_ENCRYPT_PASSWORDS: it asks for plaintext passwords
    /// ([MS-CIFS] 2.2.4.52.2).
    pub plaintext_passwords: bool,
    /// The server's SecurityMode has NEGOTIATE_SECURITY_SIGNATURES_REQUIRED
    /// ([MS-CIFS] 2.2.4.52.2).
    pub signing_required: bool,
    /// The server's SecurityMode has NEGOTIATE_SECURITY_SIGNATURES_ENABLED
    /// ([MS-CIFS] 2.2.4.52.2; tshark smb.sm.signatures).
    pub signing_enabled: bool,
    /// The client's NEGOTIATE request has SMB_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED
    /// in its Flags2 ([MS-SMB] 2.2.3.1; tshark smb.flags2.sec_sig_required),
    /// as a Windows client that requires signing sets it.
    pub client_signing_required: bool,
    /// The response had a SecurityMode (NT LM 0.12's format, WordCount
    /// 17): the three fields above are the server's word, not defaults.
    #[serde(skip)]
    pub security_mode_seen: bool,
}

/// The dialect of a session's connection: an SMB2 dialect revision, or the
/// SMB1 dialect string the server chose ([MS-CIFS] 2.2.4.52.2), as the
/// client offered it. Written as a string either way: "3.1.1", "NT LM 0.12".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionDialect {
    Smb2(Dialect),
    Smb1(Box<str>),
}

impl std::fmt::Display for SessionDialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionDialect::Smb2(d) => d.fmt(f),
            SessionDialect::Smb1(d) => f.write_str(d),
        }
    }
}

impl Serialize for SessionDialect {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SessionDialect::Smb2(d) => d.serialize(s),
            SessionDialect::Smb1(d) => s.serialize_str(d),
        }
    }
}

/// The NetBIOS session set-up that opens an SMB connection on TCP 139
/// (RFC 1002 4.3.2–4.3.5): the client's SESSION REQUEST and the server's answer.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NetbiosSession {
    pub request_frame: u64,
    /// The server name asked for, as Wireshark prints it (`FILESRV<20>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_frame: Option<u64>,
    /// "positive", "negative" or "retarget"; absent while unanswered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<&'static str>,
    /// A negative response's error code (RFC 1002 4.3.4) and its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::smb2::nbss::NbssError>,
    /// A retarget response's address ("ip:port").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retarget: Option<String>,
    /// A retarget response the capture cut after its address: the
    /// address ("ip") without the port (RFC 1002 4.3.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retarget_address: Option<String>,
}

/// A TCP handshake of which the capture holds the client's SYN and the
/// server's SYN-ACK (RFC 9293 3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeSeen {
    /// The SYN-ACK.
    pub frame: u64,
    pub time: Timestamp,
    /// The client's SYNs until the SYN-ACK: 1 when the first was answered,
    /// the rest are its retransmissions.
    pub syns: u32,
}

/// A TCP handshake whose SYN-ACK came this long (seconds) or more after
/// the client's first SYN is slow (connection.slow_connect): a client
/// retransmits an unanswered SYN after its initial retransmission timeout,
/// 1 s in RFC 6298 2.1 (Linux, macOS) — an answer so late means a SYN was
/// lost or the server was slow to take it.
pub const SLOW_HANDSHAKE_SECS: f64 = 1.0;

/// Bytes of one side retransmitted again and again that the other side
/// never acknowledged, as far as the capture shows ([`crate::tcp::Stall`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unacknowledged {
    /// The side that retransmitted: the client's bytes, or the server's.
    pub from_client: bool,
    pub retransmissions: u32,
    /// The first and last retransmission (frame, time).
    pub first: (u64, Timestamp),
    pub last: (u64, Timestamp),
    /// The other side sent no segment at all from the first retransmission on.
    pub peer_silent: bool,
    /// The SMB2 message at the start of the retransmitted bytes, when they
    /// start with one.
    pub message: Option<StalledMessage>,
}

/// The SMB2 message a retransmission began with ([MS-SMB2] 2.2.1), and
/// the frame it was first sent in when the capture shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StalledMessage {
    pub command: crate::smb2::Command,
    pub response: bool,
    pub message_id: u64,
    /// The body's StructureSize: an OPLOCK_BREAK notification of an oplock
    /// has 24, of a lease 44 ([MS-SMB2] 2.2.23.1, 2.2.23.2).
    pub structure_size: Option<u16>,
    /// The frame of the same message (command and MessageId, the last
    /// one the side sent) when first sent.
    pub first_sent: Option<(u64, Timestamp)>,
}

impl StalledMessage {
    /// "lease break notification", "SMB2 WRITE request".
    pub fn name(&self) -> String {
        match (self.is_break(), self.structure_size) {
            (true, Some(44)) => "lease break notification".to_string(),
            (true, Some(24)) => "oplock break notification".to_string(),
            (true, _) => "OPLOCK_BREAK notification".to_string(),
            (false, _) => format!(
                "SMB2 {} {}",
                self.command,
                if self.response { "response" } else { "request" }
            ),
        }
    }

    /// [`StalledMessage::name`] with its article: "a lease break
    /// notification", "an SMB2 WRITE request".
    pub fn describe(&self) -> String {
        let name = self.name();
        let article = if name.starts_with('l') { "a" } else { "an" };
        format!("{article} {name}")
    }

    /// An oplock or lease break notification, which waits for the client's
    /// acknowledgement ([MS-SMB2] 3.3.2.1, 3.3.2.5).
    pub fn is_break(&self) -> bool {
        self.command == crate::smb2::Command::OPLOCK_BREAK
            && self.response
            && self.message_id == u64::MAX
    }
}

/// Retransmissions never acknowledged that make a connection.unacknowledged
/// finding: a single one may be the capture stopping just then; three, each
/// after a longer wait (RFC 6298 5.5), are a peer that is gone or cut off.
pub const UNACKNOWLEDGED_MIN_RETRANSMISSIONS: u32 = 3;

/// How and where a connection ended.
#[derive(Clone, Debug, Serialize)]
pub struct ConnEnd {
    pub frame: u64,
    pub time: Timestamp,
    /// "fin", "reset", "evicted" or "capture_end".
    pub reason: &'static str,
    /// "client" or "server": who closed it first.
    pub by: &'static str,
}

impl ConnEnd {
    /// How the TCP layer's [`EndReason`] is written.
    ///
    /// [`EndReason`]: crate::tcp::EndReason
    pub fn reason_name(r: crate::tcp::EndReason) -> &'static str {
        use crate::tcp::EndReason;
        match r {
            EndReason::Fin => "fin",
            EndReason::Reset => "reset",
            EndReason::Evicted => "evicted",
            EndReason::CaptureEnd => "capture_end",
        }
    }

    /// The end of a connection, as the first direction to end tells it.
    pub fn new(
        frame: u64,
        time: Timestamp,
        r: crate::tcp::EndReason,
        from_client: bool,
    ) -> ConnEnd {
        ConnEnd {
            frame,
            time,
            reason: Self::reason_name(r),
            by: if from_client { "client" } else { "server" },
        }
    }

    /// The server's RST ended it. With the client's SYN seen and nothing
    /// sent before it, the connection was refused: a closed port's answer
    /// to a SYN, or a firewall's that rejects.
    pub fn server_reset(&self) -> bool {
        self.reason == "reset" && self.by == "server"
    }
}

/// A TCP connection to a KDC's port 88 (RFC 4120 7.2.2) on which no
/// Kerberos message went: refused (the server's RST, [`ConnEnd::server_reset`])
/// or never answered (nothing at all from the server).
#[derive(Clone, Debug)]
pub struct KdcTcpFailure {
    /// Wireshark's tcp.stream.
    pub stream: u64,
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// The client's SYN.
    pub syn_frame: u64,
    pub time: Timestamp,
    /// The server's RST, or (unanswered) the capture's end or the
    /// connection forgotten, idle.
    pub end: ConnEnd,
}

impl KdcTcpFailure {
    pub fn refused(&self) -> bool {
        self.end.server_reset()
    }

    /// "refused" (the server's RST) or "no_answer" (nothing from it).
    pub fn outcome(&self) -> &'static str {
        if self.refused() {
            "refused"
        } else {
            "no_answer"
        }
    }
}

/// The JSON report's `kerberos_tcp_failures[]` item (and the `--format
/// jsonl` record of the same name): the connection, its `outcome`, and how
/// it ended.
impl Serialize for KdcTcpFailure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Addr<'a>(&'a SocketAddr);
        impl Serialize for Addr<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                addr_text(self.0, s)
            }
        }
        let mut o = s.serialize_struct("KdcTcpFailure", 7)?;
        o.serialize_field("stream", &self.stream)?;
        o.serialize_field("client", &Addr(&self.client))?;
        o.serialize_field("server", &Addr(&self.server))?;
        o.serialize_field("syn_frame", &self.syn_frame)?;
        o.serialize_field("time", &self.time)?;
        o.serialize_field("outcome", self.outcome())?;
        o.serialize_field("end", &self.end)?;
        o.end()
    }
}

/// Failed TCP connections to port 88 kept; past this they are counted.
pub const MAX_KDC_TCP_FAILURES: usize = 1024;

/// An error response worth showing (not a normal protocol step).
#[derive(Clone, Debug, Serialize)]
pub struct ErrorEvent {
    pub frame: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_frame: Option<u64>,
    pub command: String,
    pub status: String,
    #[serde(skip)]
    pub status_code: u32,
    pub session_id: HexId,
    /// The TreeId (SMB1: the TID) of the request, when its tree is one of
    /// the model's trees (the capture shows its tree connect): what joins
    /// the error to its entry in `trees[]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_id: Option<HexId>,
    /// The TreeId of an SMB2 request (its header's, or for an async
    /// response its request's), whether or not `trees[]` has its tree.
    #[serde(skip)]
    pub request_tid: Option<u32>,
    /// The share, file name or FSCTL the request named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A CREATE answered STATUS_SHARING_VIOLATION: the open the capture
    /// shows holding the file (see `session::opens`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<Box<HeldBy>>,
    /// A CREATE refused for want of resources (STATUS_INSUFFICIENT_RESOURCES,
    /// STATUS_TOO_MANY_OPENED_FILES): the files opened on this connection
    /// that the capture shows still open then (at most
    /// `session::opens::MAX_OPENS` are followed). An SMB2 LOGOFF refused
    /// (not STATUS_USER_SESSION_DELETED): the files of its session opened
    /// on this connection that the capture shows still open then, which the
    /// session keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_files: Option<u64>,
}

/// The open that a refused CREATE fails the sharing check against
/// ([MS-FSA] 2.1.5.1.2): a CREATE of the same file on the same share and
/// server, answered with success and not closed before the refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeldBy {
    /// Its connection (tcp.stream) and client.
    pub stream: u64,
    pub client: SocketAddr,
    /// Its CREATE request and response.
    pub request_frame: u64,
    pub frame: u64,
    pub session_id: HexId,
    pub desired_access: crate::smb2::wire::AccessMask,
    pub share_access: crate::smb2::create::ShareAccess,
    /// Share modes the refused CREATE needed for its DesiredAccess and
    /// this open does not grant.
    pub conflict_asked: crate::smb2::create::ShareAccess,
    /// Share modes this open uses and the refused CREATE's ShareAccess
    /// does not grant.
    pub conflict_held: crate::smb2::create::ShareAccess,
}

/// One line of a connection's timeline, borrowed from the message it
/// stands for: it is written into the connection's [`Timeline`] at once.
#[derive(Clone, Copy, Debug)]
pub struct TimelineEntry<'a> {
    pub frame: u64,
    pub time: Timestamp,
    pub from_client: bool,
    pub command: &'a str,
    pub summary: &'a str,
    /// A response's status as an [`NtStatus`] holds it: an SMB1 DOS-form
    /// error as [`NtStatus::dos`] keeps it.
    pub status: Option<u32>,
    /// A Kerberos error (code, name) carried by the message.
    pub krb_error: Option<(i32, &'a str)>,
    /// `status`, an error by its code, is a normal step where it came: a
    /// DFS referral refused by a server without DFS, a search that matches
    /// nothing ([`super::benign_in_context`]); coloured as one.
    pub normal_step: bool,
    /// The entry stands for a message of the connection itself (counted in
    /// [`Timeline::smb_kept`]); not for a Kerberos message on port 88 or
    /// the end of the TCP connection.
    pub smb: bool,
}

/// A connection's timeline: its entries' lines as the text report shows
/// them, written as the messages came (at most [`MAX_TIMELINE`] entries).
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// The lines of the entries kept.
    pub text: String,
    /// Entries kept.
    pub kept: usize,
    /// Entries kept that stand for an SMB message (not a Kerberos message
    /// on port 88, not the end of the TCP connection).
    pub smb_kept: u64,
}

/// Why a server must refuse a compression transform ([MS-SMB2] 3.3.5.2.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompressionFault {
    /// Offset + OriginalCompressedSegmentSize does not fit in 32 bits: the
    /// integer overflow of CVE-2020-0796 ("SMBGhost").
    Overflow,
    /// OriginalCompressedSegmentSize exceeds 256 + the header + the largest
    /// of the server's MaxTransactSize, MaxReadSize and MaxWriteSize (the
    /// limit, in bytes).
    TooLarge { limit: u64 },
    /// The NEGOTIATE agreed on no compression algorithm.
    NotNegotiated,
}

/// The first compression transform of a connection that a server must
/// refuse ([MS-SMB2] 2.2.42, 3.3.5.2.1.2), and how many there were.
#[derive(Clone, Debug)]
pub struct BadCompression {
    pub frame: u64,
    pub from_client: bool,
    /// None when the capture cut the header before it.
    pub original_size: Option<u32>,
    pub offset: Option<u32>,
    pub algorithm: Option<u16>,
    pub fault: CompressionFault,
    pub count: u64,
}

/// The MS17-010 check of vulnerability scanners (nmap smb-vuln-ms17-010,
/// Metasploit's smb_ms17_010): an SMB1 TRANSACTION TRANS_PEEK_NMPIPE on FID
/// 0 ([MS-CIFS] 2.2.5.5), and the server's answer.
#[derive(Clone, Debug, Serialize)]
pub struct Ms17010Check {
    pub request_frame: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_frame: Option<u64>,
    /// The answer's status (by name); STATUS_INSUFF_SERVER_RESOURCES is
    /// that of a server without the MS17-010 update.
    #[serde(serialize_with = "opt_status_name")]
    pub status: Option<NtStatus>,
}

/// SMB1 TRANSACTION2_SECONDARY requests that continue an NT_TRANSACT (the
/// same MID): the transaction type confusion of the EternalBlue exploit
/// (CVE-2017-0144). A secondary request must match its primary's type
/// ([MS-CIFS] 2.2.4.47, 2.2.4.63).
#[derive(Clone, Debug, Serialize)]
pub struct EternalBlue {
    pub nt_transact_frame: u64,
    /// The NT_TRANSACT's Function (EternalBlue sends 0, which is not defined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nt_function: Option<u16>,
    pub secondary_frame: u64,
    /// TRANSACTION2_SECONDARY requests with that MID.
    pub secondaries: u64,
}

/// The first bytes of a connection that were not an SMB message header.
#[derive(Clone, Debug, Serialize)]
pub struct SkippedHead {
    /// Sent by the client (else by the server).
    pub from_client: bool,
    /// Up to 8 bytes, written as lowercase hex.
    #[serde(rename = "hex", serialize_with = "hex_text")]
    pub bytes: arrayvec::ArrayVec<u8, 8>,
}

fn hex_text<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    crate::smb2::inline::with_hex(b, |h| s.serialize_str(h))
}

impl SkippedHead {
    /// The bytes as lowercase hex, as the JSON key `hex` writes them.
    pub fn hex(&self) -> String {
        crate::smb2::inline::with_hex(&self.bytes, str::to_string)
    }

    /// What the bytes are, in words: `text "GET / HT"`, "a TLS handshake
    /// record (16 03 01 …)", or the bytes in hex, read as a length header
    /// ([MS-SMB2] 2.1) when they start with a zero byte.
    pub fn describe(&self) -> String {
        let b = &self.bytes[..];
        let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
        let hex = hex.join(" ");
        let printable = |x: &u8| (0x20..0x7f).contains(x) || matches!(x, b'\r' | b'\n' | b'\t');
        let quoted = |t: &[u8]| -> String {
            t.iter()
                .flat_map(|&x| char::from(x).escape_default())
                .collect()
        };
        if let [0x16, 0x03, ..] = b {
            return format!("a TLS handshake record ({hex})");
        }
        if b.len() >= 4 && b.iter().all(printable) {
            return format!("text \"{}\"", quoted(b));
        }
        if let [0x00, l1, l2, l3, rest @ ..] = b {
            let len = u32::from_be_bytes([0, *l1, *l2, *l3]);
            let after = if !rest.is_empty() && rest.iter().all(printable) {
                format!(", beginning \"{}\"", quoted(rest))
            } else {
                String::new()
            };
            return format!(
                "{hex} (a message of {len} bytes by its length header{after}, with no SMB header)"
            );
        }
        hex
    }
}

/// What the two sides of an SMB1 connection say of themselves in their
/// SESSION_SETUP_ANDX ([MS-CIFS] 2.2.4.53.1 request, 2.2.4.53.2
/// response): NativeOS and NativeLanMan, the first non-empty value of
/// each side, as sent (e.g. "Windows 5.0", "Windows 2000 LAN Manager";
/// smbclient: "Unix", "Samba"; smbd: "Windows 6.1", "Samba 4.17.12-Debian").
/// Serialized as a connection's `smb1_native`, a key each value given.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NativeOs {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_os: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_lanman: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_os: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_lanman: Option<String>,
}

impl NativeOs {
    /// No value given (all were empty): not serialized.
    fn is_empty(n: &Option<Box<NativeOs>>) -> bool {
        n.as_deref().is_none_or(|n| {
            n.client_os.is_none()
                && n.client_lanman.is_none()
                && n.server_os.is_none()
                && n.server_lanman.is_none()
        })
    }
}

impl NativeOs {
    /// Keeps the strings of `s`, a request's (`response` false) or a
    /// response's, where none is kept yet.
    pub fn note(&mut self, s: &crate::smb2::smb1::SessionSetupAndx, response: bool) {
        let (os, lanman) = if response {
            (&mut self.server_os, &mut self.server_lanman)
        } else {
            (&mut self.client_os, &mut self.client_lanman)
        };
        for (slot, v) in [(os, &s.native_os), (lanman, &s.native_lanman)] {
            if slot.is_none() {
                *slot = v
                    .as_deref()
                    .filter(|v| !v.trim().is_empty())
                    .map(str::to_string);
            }
        }
    }
}

/// A TCP connection that carried SMB.
#[derive(Clone, Debug, Serialize)]
pub struct Connection {
    pub stream: u64,
    #[serde(serialize_with = "addr_text")]
    pub client: SocketAddr,
    #[serde(serialize_with = "addr_text")]
    pub server: SocketAddr,
    pub first_frame: u64,
    pub first_time: Timestamp,
    pub last_frame: u64,
    pub last_time: Timestamp,
    /// The capture saw the client's SYN (else it started mid-stream).
    pub saw_syn: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiate: Option<Negotiate>,
    /// Boxed: few connections have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smb1_negotiate: Option<Box<Smb1Negotiate>>,
    /// The first SMB1 response other than NEGOTIATE that the server answered
    /// with success: SMB1 in use, also when the NEGOTIATE is not in the
    /// capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smb1_used_frame: Option<u64>,
    /// The first SMB1 response other than NEGOTIATE whatever its status,
    /// an error too: SMB1 in use all the same, since "an SMB_COM_NEGOTIATE
    /// exchange MUST be completed before any other SMB messages are sent
    /// to the server" ([MS-CIFS] 2.2.4.52), and a server that chose no
    /// SMB1 dialect answers no other SMB1 command (smbd closes the
    /// connection). Never after [`Connection::smb1_used_frame`]; not
    /// serialized.
    #[serde(skip)]
    pub smb1_answered_frame: Option<u64>,
    /// The NativeOS and NativeLanMan strings of the connection's SMB1
    /// SESSION_SETUP_ANDX request and response (boxed: few connections
    /// have them), serialized as `smb1_native` when one is given.
    #[serde(rename = "smb1_native", skip_serializing_if = "NativeOs::is_empty")]
    pub native_os: Option<Box<NativeOs>>,
    /// The MS17-010 vulnerability check, the first one (boxed: rare).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms17_010_check: Option<Box<Ms17010Check>>,
    /// The EternalBlue exploit's transaction confusion, the first one
    /// (boxed: rare).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eternalblue: Option<Box<EternalBlue>>,
    /// The NetBIOS session request on TCP 139 and its answer (boxed: few
    /// connections have one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netbios: Option<Box<NetbiosSession>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<ConnEnd>,
    pub messages: u64,
    pub server_messages: u64,
    pub signed_messages: u64,
    pub encrypted_messages: u64,
    pub compressed_messages: u64,
    /// Of [`Connection::messages`], the NetBIOS session packets (request,
    /// answer, keep-alive): not SMB. Not serialized (`check` uses it).
    #[serde(skip)]
    pub netbios_messages: u64,
    /// Boxed: almost no connection has one.
    #[serde(skip)]
    pub bad_compression: Option<Box<BadCompression>>,
    /// Requests still waiting for a response when the connection or capture ended.
    pub unanswered_requests: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_unanswered_frame: Option<u64>,
    pub gaps: u64,
    pub gap_bytes: u64,
    /// Of `gap_bytes`, those of the server's direction: bytes the server
    /// sent that the capture lacks (all of them in a one-sided capture).
    pub server_gap_bytes: u64,
    /// The first gap: the direction that lacks the bytes (true: the
    /// client's) and the frame being read when it was found (the report's
    /// "where"; not written in the JSON).
    #[serde(skip)]
    pub first_gap: Option<(bool, u64)>,
    /// The first message with bytes missing after a gap: its frame.
    #[serde(skip)]
    pub first_gap_message_frame: Option<u64>,
    /// Bytes of the connection that held no SMB message (skipped while
    /// looking for a message header: a start mid-stream, after a gap, or
    /// another protocol on the SMB port).
    pub skipped_bytes: u64,
    /// Of `skipped_bytes`, those the server sent.
    pub server_skipped_bytes: u64,
    /// The frame being read when bytes were first skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_skipped_frame: Option<u64>,
    /// The first bytes (up to 8, hex) found where a message header was
    /// expected and not plausible as one, of the first direction that had
    /// some (boxed: almost no connection has them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_head: Option<Box<SkippedHead>>,
    /// The capture holds no segment at all from the server: not even a
    /// SYN-ACK or RST to the client's SYN.
    pub server_silent: bool,
    /// The server's first SYN-ACK to the client's SYN, when the capture
    /// holds both (the SYN is [`Connection::first_frame`]).
    #[serde(skip)]
    pub handshake: Option<HandshakeSeen>,
    /// The first run of one side's retransmissions that the other side
    /// never acknowledged (boxed: almost no connection has one).
    #[serde(skip)]
    pub unacknowledged: Option<Box<Unacknowledged>>,
    pub errors: Vec<ErrorEvent>,
    pub errors_omitted: u64,
    #[serde(skip)]
    pub timeline: Timeline,
    #[serde(skip)]
    pub timeline_omitted: u64,
    /// Indexes in [`super::Model::sessions`] of this connection's sessions.
    #[serde(skip)]
    pub session_indexes: Vec<usize>,
    /// The server's messages of a session whose SESSION_SETUP the capture
    /// does not show (set up before the capture began, or in a part it
    /// lacks): SMB2 responses not an error (severity bits 11) nor to
    /// NEGOTIATE or SESSION_SETUP, and TRANSFORM messages, with a SessionId
    /// that has no entry on this connection nor on another of the same
    /// server (a channel of it); SMB1 responses answered with success, but
    /// to NEGOTIATE or SESSION_SETUP_ANDX, with a UID that has no entry on
    /// this connection. `check`'s session denies cannot tell on them.
    #[serde(skip)]
    pub unseen_setup_messages: u64,
    /// The first of [`Connection::unseen_setup_messages`].
    #[serde(skip)]
    pub first_unseen_setup_frame: Option<u64>,
    /// Some of [`Connection::unseen_setup_messages`] were SMB1.
    #[serde(skip)]
    pub unseen_setup_smb1: bool,
    /// The SessionIds (SMB1: UIDs) of the connection that no SESSION_SETUP
    /// of the capture set up, each with its messages counted as a
    /// session's after its setup are: the first
    /// [`MAX_UNSEEN_SETUP_SESSIONS`] to come. Those the server answered
    /// for ([`UnseenSetup::shown_frame`]) are the sessions set up before
    /// the capture that [`Connection::unseen_setup_messages`] counts.
    #[serde(skip)]
    pub unseen_setup_sessions: Vec<UnseenSetup>,
    /// A server message counted in [`Connection::unseen_setup_messages`]
    /// was of a SessionId (UID) not in
    /// [`Connection::unseen_setup_sessions`], which was full when it first
    /// came: those sessions' messages are not all counted.
    #[serde(skip)]
    pub unseen_setup_untracked: bool,
    /// Indexes in [`super::Model::unseen_sessions`] of this connection's.
    #[serde(skip)]
    pub unseen_session_indexes: Vec<usize>,
}

/// SessionIds (SMB1: UIDs) followed per connection in
/// [`Connection::unseen_setup_sessions`].
pub const MAX_UNSEEN_SETUP_SESSIONS: usize = 16;

/// The messages of one SessionId (SMB1: UID) of a connection that no
/// SESSION_SETUP of the capture set up there, nor, for SMB2, on another
/// connection of the same server (it would be a channel of that session):
/// counted from its first message in the capture, as
/// [`Session::note_after_setup`] counts a session's after its setup (both
/// directions; not what [MS-SMB2] 3.2.4.1.1, 3.3.4.1.1 and 3.2.5.1.3 let
/// go unsigned in a signed session: interim STATUS_PENDING responses,
/// CANCEL requests, notifications with MessageId 0xFFFFFFFFFFFFFFFF; nor
/// SMB1's oplock breaks from the server, [MS-CIFS] 3.2.5.1.2), until the
/// LOGOFF response that ended it. A SESSION_SETUP message counts on an
/// entry that is there already (a reauthentication), and makes none: a new
/// session's carries the SessionId the server gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnseenSetup {
    pub session_id: u64,
    /// The first request of the session ([`Session::first_frame`]) whose
    /// SessionId this is, as the client went on with it after a
    /// SESSION_SETUP whose response the capture lacks ([`WentOn`]): a
    /// session the capture shows the setup of, judged by `check` as one set
    /// up before it is, by its messages.
    pub went_on_from: Option<u64>,
    /// A UID of SMB1 (a UID is the connection's own, [MS-CIFS] 2.2.1.6).
    pub smb1: bool,
    /// The server's first message that showed the session set up (as
    /// [`Connection::unseen_setup_messages`] counts them: a response not
    /// an error, not to NEGOTIATE or SESSION_SETUP, or a TRANSFORM); none:
    /// maybe a SessionId the server does not know, answered
    /// STATUS_USER_SESSION_DELETED.
    pub shown_frame: Option<u64>,
    /// Its first message and its last counted.
    pub first_frame: u64,
    pub last_frame: u64,
    /// Its messages counted, and of them the signed ones and those in a
    /// TRANSFORM header.
    pub messages: u64,
    pub signed: u64,
    pub encrypted: u64,
    /// Of [`UnseenSetup::signed`], the SMB2 TREE_CONNECT and SESSION_SETUP
    /// messages: SMB 3.1.1 signs a TREE_CONNECT request of a session not
    /// anonymous or guest whether or not the session signs the rest
    /// ([MS-SMB2] 3.3.5.7: the server disconnects on an unsigned one), the
    /// server its response (3.3.4.1.1: a signed request's), and SMB 3.x
    /// the final SESSION_SETUP response (3.3.5.5.3). They do not show that
    /// the session signs its other messages (samples/ntlm-smb311.pcap: its
    /// TREE_CONNECTs alone are signed).
    pub signed_regardless: u64,
    /// COMPRESSION_TRANSFORM headers on the connection until the session
    /// ended, from the capture's start (the session was there before its
    /// first message), not in [`UnseenSetup::messages`]: their SMB2 header,
    /// its signing flag and SessionId, is compressed
    /// ([`Session::compressed_after_setup`]).
    pub compressed: u64,
    /// The first of its messages neither signed nor encrypted.
    pub first_unsigned_frame: Option<u64>,
    /// The first of its messages outside a TRANSFORM header.
    pub first_unencrypted_frame: Option<u64>,
    /// The LOGOFF response that ended it (STATUS_SUCCESS or
    /// STATUS_USER_SESSION_DELETED; for SMB1 also ERRSRV/ERRbaduid).
    pub ended_frame: Option<u64>,
    /// A signed request of it, not one SMB signs whatever the session
    /// ([`signed_whatever_the_session`]: a 3.1.1 TREE_CONNECT, a 3.x
    /// SESSION_SETUP), that the server answered without an error, and that
    /// answer (the first such): the server verifies the signature of every
    /// signed request and fails one that does not verify with
    /// STATUS_ACCESS_DENIED ([MS-SMB2] 3.3.5.2.4), so its client signs the
    /// session, which Windows and Samba clients do not do in a guest or
    /// anonymous session (not a proof: Samba gives a guest session an
    /// all-zero key a client could sign with). SMB2 only.
    pub verified_signed: Option<(u64, u64)>,
    /// The first TRANSFORM the server sent with its SessionId (3.3.4.1.4,
    /// 2.2.41): an encrypted session, which a guest session is not
    /// (3.2.4.1.8: the client MUST NOT encrypt when Session.IsGuest; for an
    /// anonymous one it says only SHOULD NOT).
    pub server_encrypted: Option<u64>,
}

/// A signed SMB2 message of `command` that [MS-SMB2] signs also in a
/// session that signs nothing else, so that it shows nothing of the
/// session's own signing, on a connection of `dialect` (its
/// DialectRevision; 0 when the capture does not show it): a TREE_CONNECT
/// request in SMB 3.1.1 (3.2.4.1.1; the server disconnects on an unsigned
/// one, 3.3.5.7) and its response (3.3.4.1.1: a signed request's), and a
/// SESSION_SETUP in SMB 3.x, whose final response the server signs
/// (3.3.5.5.3). With the dialect unknown, both.
pub fn signed_whatever_the_session(command: crate::smb2::Command, dialect: u16) -> bool {
    use crate::smb2::Command;
    let known = dialect != 0 && dialect != 0x02FF;
    match command {
        Command::TREE_CONNECT => !known || dialect == 0x0311,
        Command::SESSION_SETUP => !known || dialect >= 0x0300,
        _ => false,
    }
}

impl UnseenSetup {
    /// Counts one of its messages, protected so, unless it ended.
    pub fn note(&mut self, p: Protection, frame: u64) {
        if self.ended_frame.is_some() {
            return;
        }
        if p == Protection::Compressed {
            self.compressed += 1;
            return;
        }
        self.messages += 1;
        self.last_frame = frame;
        match p {
            Protection::Signed => self.signed += 1,
            Protection::Encrypted => self.encrypted += 1,
            Protection::Neither | Protection::Compressed => {}
        }
        if p == Protection::Neither {
            self.first_unsigned_frame.get_or_insert(frame);
        }
        if p != Protection::Encrypted {
            self.first_unencrypted_frame.get_or_insert(frame);
        }
    }
}

impl Connection {
    /// The [`Connection::unseen_setup_sessions`] entry of `sid` (an SMB1
    /// UID with `smb1`), if it has one.
    pub(crate) fn unseen_setup_mut(&mut self, sid: u64, smb1: bool) -> Option<&mut UnseenSetup> {
        self.unseen_setup_sessions
            .iter_mut()
            .find(|u| u.session_id == sid && u.smb1 == smb1)
    }

    /// A connection seen first at `frame`/`ts`, with nothing counted yet.
    pub fn new(
        stream: u64,
        client: SocketAddr,
        server: SocketAddr,
        saw_syn: bool,
        frame: u64,
        ts: Timestamp,
    ) -> Self {
        Connection {
            stream,
            client,
            server,
            first_frame: frame,
            first_time: ts,
            last_frame: frame,
            last_time: ts,
            saw_syn,
            negotiate: None,
            smb1_negotiate: None,
            smb1_used_frame: None,
            smb1_answered_frame: None,
            native_os: None,
            ms17_010_check: None,
            eternalblue: None,
            netbios: None,
            end: None,
            messages: 0,
            server_messages: 0,
            signed_messages: 0,
            encrypted_messages: 0,
            compressed_messages: 0,
            netbios_messages: 0,
            bad_compression: None,
            unanswered_requests: 0,
            first_unanswered_frame: None,
            gaps: 0,
            gap_bytes: 0,
            server_gap_bytes: 0,
            first_gap: None,
            first_gap_message_frame: None,
            skipped_bytes: 0,
            server_skipped_bytes: 0,
            first_skipped_frame: None,
            skipped_head: None,
            server_silent: false,
            handshake: None,
            unacknowledged: None,
            errors: Vec::new(),
            errors_omitted: 0,
            timeline: Timeline::default(),
            timeline_omitted: 0,
            session_indexes: Vec::new(),
            unseen_setup_messages: 0,
            first_unseen_setup_frame: None,
            unseen_setup_smb1: false,
            unseen_setup_sessions: Vec::new(),
            unseen_setup_untracked: false,
            unseen_session_indexes: Vec::new(),
        }
    }
}

/// One SESSION_SETUP request and its response ([MS-SMB2] 2.2.5, 2.2.6).
/// Serialized with its KRB-ERROR's keys among its own (see the `Serialize`
/// impl below).
#[derive(Clone, Debug, Default)]
pub struct Round {
    pub request_frame: u64,
    pub time: Timestamp,
    pub response_frame: Option<u64>,
    /// Seconds from request to response.
    pub duration: Option<f64>,
    pub mechanism: Option<&'static str>,
    /// What the request carried, e.g. "NTLMSSP AUTHENTICATE", "Kerberos AP-REQ".
    pub request_token: Option<Cow<'static, str>>,
    pub response_token: Option<Cow<'static, str>>,
    /// DOMAIN\user (NTLM) or the Kerberos service principal asked for.
    pub identity: Option<String>,
    /// SPNEGO negResult of the response.
    pub spnego_result: Option<Cow<'static, str>>,
    /// The NTSTATUS of the response (serialized by name).
    pub status: Option<NtStatus>,
    /// A KRB-ERROR in the response token (its keys are the round's own).
    pub kerberos: Option<Box<RoundKrbError>>,
    /// NTLM challenge flags lack NEGOTIATE_SIGN ([MS-NLMP] 2.2.2.5 D).
    pub challenge_without_signing: bool,
    /// SessionFlags of the response (serialized as the list of names).
    pub session_flags: SessionFlags,
    /// SESSION_SETUP Flags BINDING (multichannel).
    pub binding: bool,
    /// A new authentication of an established session.
    pub reauthentication: bool,
    /// The capture cut the request (snaplen or lost bytes) before its
    /// security token could be read: who it named is not known. Not
    /// serialized; the findings say so.
    pub token_cut: bool,
}

impl Round {
    /// The KRB-ERROR's name, e.g. "KRB_AP_ERR_SKEW".
    pub fn kerberos_error(&self) -> Option<&str> {
        self.kerberos.as_ref()?.error.as_deref()
    }

    /// The KRB-ERROR's error-code.
    pub fn kerberos_error_code(&self) -> Option<i32> {
        self.kerberos.as_ref()?.error_code
    }

    /// The KRB-ERROR's stime.
    pub fn kerberos_server_time(&self) -> Option<&str> {
        self.kerberos.as_ref()?.server_time.as_deref()
    }

    /// The KRB-ERROR's ctime.
    pub fn kerberos_client_time(&self) -> Option<&str> {
        self.kerberos.as_ref()?.client_time.as_deref()
    }
}

/// The keys of a round in their order, absent options left out; the
/// KRB-ERROR's as if they were the round's own (what `#[serde(flatten)]`
/// wrote, without the map that flattening makes every key go through).
impl Serialize for Round {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        /// Writes `key: value` when the value is there.
        fn opt<M: SerializeStruct, T: Serialize>(
            m: &mut M,
            key: &'static str,
            v: Option<T>,
        ) -> Result<(), M::Error> {
            match v {
                Some(v) => m.serialize_field(key, &v),
                None => m.skip_field(key),
            }
        }
        let k = self.kerberos.as_deref();
        let mut m = s.serialize_struct("Round", 16)?;
        m.serialize_field("request_frame", &self.request_frame)?;
        m.serialize_field("time", &self.time)?;
        opt(&mut m, "response_frame", self.response_frame)?;
        opt(&mut m, "duration", self.duration)?;
        opt(&mut m, "mechanism", self.mechanism)?;
        opt(&mut m, "request_token", self.request_token.as_deref())?;
        opt(&mut m, "response_token", self.response_token.as_deref())?;
        opt(&mut m, "identity", self.identity.as_deref())?;
        opt(&mut m, "spnego_result", self.spnego_result.as_deref())?;
        opt(&mut m, "status", self.status.map(StatusName))?;
        opt(&mut m, "kerberos_error", k.and_then(|k| k.error.as_deref()))?;
        opt(
            &mut m,
            "kerberos_server_time",
            k.and_then(|k| k.server_time.as_deref()),
        )?;
        opt(
            &mut m,
            "kerberos_client_time",
            k.and_then(|k| k.client_time.as_deref()),
        )?;
        if self.challenge_without_signing {
            m.serialize_field("challenge_without_signing", &true)?;
        }
        if !no_session_flags(&self.session_flags) {
            m.serialize_field("session_flags", &self.session_flags)?;
        }
        m.serialize_field("binding", &self.binding)?;
        m.serialize_field("reauthentication", &self.reauthentication)?;
        m.end()
    }
}

/// A KRB-ERROR in a SESSION_SETUP response token (RFC 4120 5.9.1), kept
/// apart from [`Round`] because few rounds have one (serialized with the
/// round, its keys prefixed `kerberos_`).
#[derive(Clone, Debug, Default)]
pub struct RoundKrbError {
    /// The error's name, e.g. "KRB_AP_ERR_SKEW".
    pub error: Option<String>,
    pub error_code: Option<i32>,
    /// stime (the server's clock).
    pub server_time: Option<String>,
    /// ctime, when the server echoed the client's time.
    pub client_time: Option<String>,
}

/// A session: (connection, SessionId) with its setup rounds.
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub stream: u64,
    /// SessionId as hex, "0x..." (a 64-bit value; not a JSON number).
    pub session_id: HexId,
    #[serde(skip)]
    pub id: u64,
    #[serde(serialize_with = "addr_text")]
    pub client: SocketAddr,
    #[serde(serialize_with = "addr_text")]
    pub server: SocketAddr,
    pub outcome: Outcome,
    /// The final NTSTATUS of the setup (serialized by name).
    #[serde(serialize_with = "opt_status_name")]
    pub status: Option<NtStatus>,
    /// "ntlmssp", "kerberos", "negoex".
    pub mechanism: Option<&'static str>,
    pub user: Option<String>,
    pub domain: Option<String>,
    pub workstation: Option<String>,
    /// The VERSION the client's NTLM NEGOTIATE or AUTHENTICATE states (its
    /// last), for the wording of steps; not serialized.
    #[serde(skip)]
    pub client_ntlm_version: Option<crate::auth::ntlmssp::Version>,
    /// The message `client_ntlm_version` came from: "NEGOTIATE" or
    /// "AUTHENTICATE"; not serialized.
    #[serde(skip)]
    pub client_ntlm_version_of: Option<&'static str>,
    /// The VERSION the server's NTLM CHALLENGE states (its last;
    /// [MS-NLMP] 2.2.2.10): the server's operating system as it states it,
    /// for the wording of steps; not serialized.
    #[serde(skip)]
    pub server_ntlm_version: Option<crate::auth::ntlmssp::Version>,
    /// Kerberos client principal, from the KDC reply joined to this session.
    pub client_principal: Option<String>,
    /// Kerberos service principal of the AP-REQ ticket, e.g. cifs/fs1@REALM.
    pub service_principal: Option<String>,
    /// NTLM response kind: "NTLMv2", "NTLMv1", "NTLMv1-ESS", "LM", "anonymous".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntlm_response: Option<&'static str>,
    /// Enctype of the Kerberos service ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_enctype: Option<EncType>,
    /// Key version (kvno) of the service ticket's enc-part (RFC 4120
    /// 5.2.9, in the clear in the AP-REQ): which key of the account
    /// holding the SPN the server needs; not serialized, for the findings.
    #[serde(skip)]
    pub ticket_kvno: Option<i64>,
    /// Enctype of the AP-REQ's authenticator (RFC 4120 5.5.1): the
    /// session key's, which the KDC chose from the client's list, where
    /// the ticket's is the service account's key; not serialized, for
    /// the findings.
    #[serde(skip)]
    pub authenticator_enctype: Option<EncType>,
    /// The server's names in the NTLM CHALLENGE of the setup (its last),
    /// written as `server_nb_computer_name` … `server_dns_tree_name`; boxed,
    /// as most sessions have none.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub server_names: Option<Box<super::token::ServerNames>>,
    /// The dialect its connection negotiated: "3.1.1", or for SMB1 the
    /// dialect string the server chose ("NT LM 0.12").
    pub dialect: Option<SessionDialect>,
    /// SessionFlags of the successful setup (serialized as the list of names).
    pub session_flags: SessionFlags,
    /// Some message with this SessionId was seen in a TRANSFORM header (at
    /// any time), or the server set ENCRYPT_DATA in its SessionFlags: any
    /// encryption at all, not that all was encrypted ([`Session::encryption`]).
    pub encrypted: bool,
    /// How much of the session the capture shows encrypted
    /// ([`Encryption::of`]); set when the model is finished.
    pub encryption: Encryption,
    /// The session's messages after its setup (see [`Session::messages_after_setup`])
    /// that are not encrypted were all signed, and at least one was. With no
    /// message after the setup, what its connection's NEGOTIATE, its
    /// SESSION_SETUP requests' SecurityMode and its final SESSION_SETUP
    /// response show (`session::setup::signed_by_setup`),
    /// None (JSON null) when they do not show it: no NEGOTIATE in the
    /// capture, and a final response that does not settle it.
    pub signed: Option<bool>,
    /// The frame of the successful SESSION_SETUP response that set the
    /// session up, when it was signed (SMB2_FLAGS_SIGNED; SMB1: a
    /// SecuritySignature).
    #[serde(skip)]
    pub final_response_signed: Option<u64>,
    /// The first SESSION_SETUP request of the setup whose SecurityMode had
    /// SMB2_NEGOTIATE_SIGNING_REQUIRED ([MS-SMB2] 2.2.5): the client's
    /// RequireMessageSigning is TRUE (3.2.4.2.3: "If RequireMessageSigning
    /// is TRUE, the client MUST set the SMB2_NEGOTIATE_SIGNING_REQUIRED bit
    /// in the SecurityMode field"), the same setting that sets the bit in
    /// its NEGOTIATE request (3.2.4.2.2.2), so a session of the user's own
    /// it sets up is signed as one on a connection whose NEGOTIATE request
    /// required signing ([`Session::signed`]).
    #[serde(skip)]
    pub setup_signing_required: Option<u64>,
    /// The session's SMB2 messages after its first successful SESSION_SETUP
    /// response, until the LOGOFF response that ended it on any channel
    /// ([`Session::ended_frame`]): both directions, on this
    /// connection and, for the session's first entry, on every channel
    /// bound to it (its binding SESSION_SETUP exchange included), or
    /// carrying its SessionId on a connection whose NEGOTIATE the capture
    /// lacks (a binding before the capture); not on a connection that set
    /// up no entry of it and whose NEGOTIATE is seen: no channel of it, the
    /// server answers USER_SESSION_DELETED there ([MS-SMB2] 3.3.5.2.9);
    /// encrypted ones included.
    /// Not counted: what [MS-SMB2] 3.2.4.1.1, 3.2.4.24, 3.3.4.1.1 and
    /// 3.2.5.1.3 leave unsigned (interim STATUS_PENDING responses, CANCEL
    /// requests, notifications with MessageId 0xFFFFFFFFFFFFFFFF such as
    /// oplock and lease breaks).
    pub messages_after_setup: u64,
    /// Of [`Session::messages_after_setup`], the signed ones.
    pub signed_after_setup: u64,
    /// Of [`Session::messages_after_setup`], those in TRANSFORM headers.
    pub encrypted_after_setup: u64,
    /// Of [`Session::signed_after_setup`], those [MS-SMB2] signs also in a
    /// session that signs nothing else ([`signed_whatever_the_session`]:
    /// TREE_CONNECT in SMB 3.1.1, a reauthentication's SESSION_SETUP in
    /// 3.x): they alone do not show that the session signs.
    #[serde(skip)]
    pub signed_regardless_after_setup: u64,
    /// COMPRESSION_TRANSFORM headers ([MS-SMB2] 2.2.42) on the session's
    /// connection (and, for the session's first entry, on its bound
    /// channels) in the same span, not in [`Session::messages_after_setup`]:
    /// the SMB2 header inside is compressed, and nothing here decompresses
    /// it, so neither its signing flag nor its SessionId can be read: the
    /// signature is in the SMB2 header (3.1.4.1), which compression (3.1.4.4)
    /// puts inside the transform, so such a message may be signed or not,
    /// and the transform does not say which session it is of.
    pub compressed_after_setup: u64,
    /// The first of [`Session::messages_after_setup`] neither signed nor encrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_unsigned_frame: Option<u64>,
    /// The first of [`Session::messages_after_setup`] not encrypted (signed
    /// or not): what `check --require encryption` names.
    #[serde(skip)]
    pub first_unencrypted_frame: Option<u64>,
    /// The frame of the first successful SESSION_SETUP response: messages
    /// after it are counted in [`Session::messages_after_setup`].
    #[serde(skip)]
    pub set_up_frame: Option<u64>,
    pub first_frame: u64,
    /// The setup's last response (0, not serialized: none in the capture,
    /// [`Session::unseen_setup`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub last_setup_frame: u64,
    /// Seconds from the first request to the last response of the setup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_duration: Option<f64>,
    pub rounds: Vec<Round>,
    pub rounds_omitted: u64,
    pub reauthentications: u32,
    /// This entry is a channel bound to the session first set up on that stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound_to_stream: Option<u64>,
    /// Streams of the other channels bound to this session.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logoff_frame: Option<u64>,
    /// The LOGOFF response, on this channel or another of the session, that
    /// ended it: the server removes the session from every channel
    /// ([MS-SMB2] 3.3.5.6), so no message after it is counted in
    /// [`Session::messages_after_setup`].
    #[serde(skip)]
    pub ended_frame: Option<u64>,
    /// Frames of the KDC exchange (TGS-REQ, TGS-REP) that fetched the ticket.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kdc_frames: Vec<u64>,
    /// A setup whose last request a capture lacking the server's side of
    /// the connection shows unanswered, and the SessionId the client went
    /// on with (boxed: rare); see [`WentOn`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_went_on: Option<Box<WentOn>>,
    /// A session whose SESSION_SETUP the capture lacks (boxed: rare); see
    /// [`UnseenSetupSeen`]. Only on an entry of
    /// [`super::Model::unseen_sessions`], whose outcome is
    /// [`Outcome::Unseen`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unseen_setup: Option<Box<UnseenSetupSeen>>,
    #[serde(skip)]
    pub first_time: Timestamp,
}

/// A session in use whose SESSION_SETUP the capture does not show (set up
/// before the capture began, as when tcpdump starts on a mount in use):
/// the server answered a message of its SessionId (SMB1: UID), not with an
/// error: a server looks the SessionId up in the connection's session
/// table first and answers STATUS_USER_SESSION_DELETED when it is not
/// there ([MS-SMB2] 3.3.5.2.9; SMB1 ERRSRV/ERRbaduid, [MS-CIFS] 3.3.5.2).
/// Its messages are counted from its first in the capture as a session's
/// after its setup are ([`Session::messages_after_setup`]); who logged on,
/// and how, the capture does not show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnseenSetupSeen {
    /// Its first message in the capture, and its last counted.
    pub first_frame: u64,
    pub last_frame: u64,
    /// The server's first message that showed the session set up
    /// ([`UnseenSetup::shown_frame`]).
    pub shown_frame: u64,
    /// A UID of SMB1.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub smb1: bool,
    /// A signed request of it that the server answered without an error,
    /// and that answer ([`UnseenSetup::verified_signed`]): `[request,
    /// response]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_signed: Option<[u64; 2]>,
    /// The TreeIds of its trees in `trees[]` (with this stream and
    /// SessionId), in order.
    pub trees: Vec<HexId>,
}

/// What the client did after a SESSION_SETUP request whose response the
/// capture lacks because it holds the client's side of the connection
/// alone (connection.one_sided): it went on with a SessionId no
/// SESSION_SETUP of the capture shows, on a connection whose NEGOTIATE
/// the capture holds (so no session was set up before it), from its next
/// message on (before any other SESSION_SETUP of a new session). A client
/// takes a session's SessionId from a SESSION_SETUP response ([MS-SMB2]
/// 3.2.5.3: "the client MUST ... store the SessionId of the response")
/// and signs with the key the finished authentication gave it (3.2.4.1.1,
/// 3.2.5.3.1), so a client that goes on with the id, signing, almost
/// certainly had the logon succeed; the session is named by that id
/// ([`Session::session_id`]), its outcome stays unfinished and its status
/// unknown: the response is not in the capture, and what it said (a
/// guest, an anonymous session) is not known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WentOn {
    /// The client's first and last request with the SessionId.
    pub first_frame: u64,
    pub last_frame: u64,
    /// Its requests with the SessionId, counted as a session's messages
    /// after its setup are, and of them the signed ones.
    pub requests: u64,
    pub signed_requests: u64,
}

impl WentOn {
    /// "almost certainly succeeded: the client went on with SessionId
    /// 0x240004000045 and signed requests from frame 6; the server's side is
    /// not in the capture".
    pub fn told(&self, session_id: HexId) -> String {
        let signed = if self.signed_requests == self.requests {
            "signed requests"
        } else if self.signed_requests > 0 {
            "requests, some signed,"
        } else {
            "unsigned requests"
        };
        format!(
            "almost certainly succeeded: the client went on with SessionId {} and {signed} from frame {}; the server's side is not in the capture",
            session_id,
            self.first_frame
        )
    }
}

/// How a message of a session was protected (see [`Session::note_after_setup`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protection {
    Signed,
    Encrypted,
    Neither,
    /// A compression transform: its header, and so its signing, is not
    /// seen ([`Session::compressed_after_setup`]).
    Compressed,
}

/// How much of a session the capture shows encrypted, as `check --require
/// encryption` judges it (serialized in lower case).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encryption {
    /// Every message after the setup in a TRANSFORM header.
    All,
    /// Some of them, not all.
    Some,
    /// None of them; or no message after the setup and no ENCRYPT_DATA.
    #[default]
    None,
    /// No message after the setup; the server set ENCRYPT_DATA in its SessionFlags.
    Required,
}

impl Encryption {
    pub fn of(s: &Session) -> Encryption {
        let (n, e) = (s.messages_after_setup, s.encrypted_after_setup);
        if n == 0 {
            if s.session_flags.contains(SessionFlags::ENCRYPT_DATA) {
                Encryption::Required
            } else {
                Encryption::None
            }
        } else if e >= n {
            Encryption::All
        } else if e > 0 {
            Encryption::Some
        } else {
            Encryption::None
        }
    }
}

/// Where a session is, for [`Session::blank`].
pub(crate) struct SessionPlace {
    pub stream: u64,
    pub sid: u64,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub dialect: Option<SessionDialect>,
    pub first_frame: u64,
    pub first_time: Timestamp,
}

impl Session {
    /// A session of this outcome of which nothing is known yet but where
    /// it is: no round, no identity, no message counted, not signed nor
    /// encrypted; `last_setup_frame` its first frame.
    pub(crate) fn blank(at: SessionPlace, outcome: Outcome) -> Session {
        Session {
            stream: at.stream,
            session_id: HexId(at.sid),
            id: at.sid,
            client: at.client,
            server: at.server,
            outcome,
            status: None,
            mechanism: None,
            user: None,
            domain: None,
            workstation: None,
            client_ntlm_version: None,
            client_ntlm_version_of: None,
            server_ntlm_version: None,
            client_principal: None,
            service_principal: None,
            ntlm_response: None,
            ticket_enctype: None,
            ticket_kvno: None,
            authenticator_enctype: None,
            server_names: None,
            dialect: at.dialect,
            session_flags: SessionFlags(0),
            encrypted: false,
            encryption: Encryption::default(),
            signed: Some(false),
            final_response_signed: None,
            setup_signing_required: None,
            messages_after_setup: 0,
            signed_after_setup: 0,
            encrypted_after_setup: 0,
            signed_regardless_after_setup: 0,
            compressed_after_setup: 0,
            first_unsigned_frame: None,
            first_unencrypted_frame: None,
            set_up_frame: None,
            first_frame: at.first_frame,
            last_setup_frame: at.first_frame,
            setup_duration: None,
            rounds: Vec::new(),
            rounds_omitted: 0,
            reauthentications: 0,
            bound_to_stream: None,
            channels: Vec::new(),
            logoff_frame: None,
            ended_frame: None,
            kdc_frames: Vec::new(),
            client_went_on: None,
            unseen_setup: None,
            first_time: at.first_time,
        }
    }

    /// Counts a message of the session in [`Session::messages_after_setup`]
    /// when it comes after the setup and before the LOGOFF that ended it,
    /// on any channel ([`Session::ended_frame`]), and updates
    /// [`Session::signed`].
    /// Whether it was counted.
    pub fn note_after_setup(&mut self, p: Protection, frame: u64) -> bool {
        if self.set_up_frame.is_none() || self.ended_frame.is_some() {
            return false;
        }
        if p == Protection::Compressed {
            self.compressed_after_setup += 1;
            return true;
        }
        self.messages_after_setup += 1;
        match p {
            Protection::Signed => {
                self.signed_after_setup += 1;
                self.first_unencrypted_frame.get_or_insert(frame);
            }
            Protection::Encrypted => self.encrypted_after_setup += 1,
            Protection::Neither => {
                self.first_unsigned_frame.get_or_insert(frame);
                self.first_unencrypted_frame.get_or_insert(frame);
            }
            Protection::Compressed => {}
        }
        self.signed = Some(self.first_unsigned_frame.is_none() && self.signed_after_setup > 0);
        true
    }

    /// Every message after the setup was signed or encrypted (at least
    /// one); with none, [`Session::signed`] or [`Session::encrypted`] as
    /// the setup left them (not signed when the capture does not show it).
    pub fn signed_or_encrypted(&self) -> bool {
        if self.messages_after_setup > 0 {
            self.first_unsigned_frame.is_none()
        } else {
            self.is_signed() || self.encrypted
        }
    }

    /// [`Session::signed`] is true: the capture shows the session signed.
    pub fn is_signed(&self) -> bool {
        self.signed == Some(true)
    }
}

/// Count of one error status on a tree.
#[derive(Clone, Debug, Serialize)]
pub struct StatusCount {
    /// Serialized by name.
    #[serde(serialize_with = "status_name")]
    pub status: NtStatus,
    pub count: u64,
    pub first_frame: u64,
    /// A normal step of the protocol in its context (NO_MORE_FILES ending a
    /// directory listing, a DFS referral answered NOT_FOUND by a server
    /// without DFS, BUFFER_OVERFLOW asking for a bigger buffer), not a failure.
    pub benign: bool,
}

/// A tree connect ([MS-SMB2] 2.2.9, 2.2.10) and the file operations on it.
#[derive(Clone, Debug, Serialize)]
pub struct Tree {
    pub stream: u64,
    pub session_id: HexId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_id: Option<HexId>,
    /// The path the TREE_CONNECT request named; empty (serialized null)
    /// when the capture lacks it ([`Tree::unseen_connect`]).
    #[serde(serialize_with = "empty_as_null")]
    pub share: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_type: Option<ShareType>,
    /// ShareFlags (serialized as the list of names).
    #[serde(skip_serializing_if = "no_share_flags")]
    pub share_flags: ShareFlags,
    /// The response's status, serialized by name; none (null) when the
    /// capture holds no response ([`Tree::client_went_on`]).
    #[serde(serialize_with = "opt_status_name")]
    pub status: Option<NtStatus>,
    /// The TREE_CONNECT request (none: [`Tree::unseen_connect`]).
    pub request_frame: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_frame: Option<u64>,
    /// Seconds from the request to its response (none when the capture
    /// lacks the request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// What the server looked up between the request and the response.
    #[serde(skip)]
    pub server_lookups: Option<Box<Lookups>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnect_frame: Option<u64>,
    pub opens: u64,
    pub open_errors: u64,
    pub reads: u64,
    pub read_bytes: u64,
    pub writes: u64,
    pub write_bytes: u64,
    pub other_requests: u64,
    /// Non-success statuses of the operations on this tree, each marked
    /// benign or not.
    pub errors: Vec<StatusCount>,
    pub error_kinds_omitted: u64,
    /// The files and named pipes opened on it with success, in the order
    /// of their CREATE responses; on a tree with [`Tree::client_went_on`],
    /// the CREATE requests the client sent with its TreeId, unanswered
    /// ([`FileOpen::unanswered`]), in their order (at most
    /// [`MAX_FILES_PER_TREE`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileOpen>,
    /// Opens made with success (or unanswered CREATE requests) past those
    /// listed in `files`.
    #[serde(skip_serializing_if = "is_zero")]
    pub files_omitted: u64,
    /// A TREE_CONNECT request a capture lacking the server's side of the
    /// connection shows unanswered, and the TreeId the client went on with
    /// (boxed: rare); see [`TreeWentOn`]. Only on such a tree, whose
    /// `status` and `response_frame` are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_went_on: Option<Box<TreeWentOn>>,
    /// A tree the capture shows in use without its TREE_CONNECT (boxed:
    /// rare); see [`UnseenConnect`]. Only on such a tree, whose `share`
    /// is empty and whose `status`, `request_frame` and `response_frame`
    /// are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unseen_connect: Option<Box<UnseenConnect>>,
    #[serde(skip)]
    pub server_ip: std::net::IpAddr,
    #[serde(skip)]
    pub sid: u64,
    #[serde(skip)]
    pub tid: u32,
}

impl Tree {
    /// A tree connect of `share` on session `sid`, answered with
    /// `status` at `response_frame`, with no operation counted yet.
    pub fn new(
        stream: u64,
        server_ip: std::net::IpAddr,
        sid: u64,
        share: String,
        status: u32,
        request_frame: u64,
        response_frame: u64,
    ) -> Self {
        Tree {
            stream,
            session_id: HexId(sid),
            tree_id: None,
            share,
            share_type: None,
            share_flags: ShareFlags(0),
            status: Some(NtStatus(status)),
            request_frame: Some(request_frame),
            response_frame: Some(response_frame),
            duration: None,
            server_lookups: None,
            disconnect_frame: None,
            opens: 0,
            open_errors: 0,
            reads: 0,
            read_bytes: 0,
            writes: 0,
            write_bytes: 0,
            other_requests: 0,
            errors: Vec::new(),
            error_kinds_omitted: 0,
            files: Vec::new(),
            files_omitted: 0,
            client_went_on: None,
            unseen_connect: None,
            server_ip,
            sid,
            tid: 0,
        }
    }

    /// Answered with success: the response is in the capture and says so.
    pub fn succeeded(&self) -> bool {
        self.status == Some(NtStatus::SUCCESS)
    }

    /// Refused: the response is in the capture, with an error status.
    pub fn failed_status(&self) -> Option<NtStatus> {
        self.status.filter(|s| *s != NtStatus::SUCCESS)
    }
}

/// A tree the capture shows in use without the TREE_CONNECT that made it:
/// the server answered a request of the session with the TreeId, and
/// not with STATUS_NETWORK_NAME_DELETED (the TreeId is not the session's),
/// STATUS_USER_SESSION_DELETED (nor the SessionId a session) or
/// STATUS_ACCESS_DENIED (which a signature that does not verify gets
/// before the TreeId is looked at): a server verifies the session and
/// then the tree connect of every request but those without one
/// ([MS-SMB2] 3.3.5.2.9, 3.3.5.2.11), so the tree was connected. Mostly
/// before the capture began (tcpdump started on a share in use), or by
/// another session of the connection ([`UnseenConnect::given_to`]). Its
/// operations are counted as any tree's; its share is not known (a
/// CREATE names a file relative to the share, 2.2.13).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnseenConnect {
    /// The first response counted on it.
    pub first_frame: u64,
    /// A tree connect of another session of the same connection that the
    /// capture shows answered with this TreeId.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_to: Option<GivenTo>,
    /// The response that showed the share's type ([`Tree::share_type`],
    /// inferred: the TREE_CONNECT response that says it is not in the
    /// capture); see [`ShareTypeShown`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_type_shown: Option<ShareTypeShown>,
}

/// [`ShareTypeShown::by`] of an FSCTL_PIPE_TRANSCEIVE answered (PIPE).
pub const SHOWN_BY_TRANSCEIVE: &str = "FSCTL_PIPE_TRANSCEIVE";
/// [`ShareTypeShown::by`] of a QUERY_DIRECTORY answered (DISK).
pub const SHOWN_BY_QUERY_DIRECTORY: &str = "QUERY_DIRECTORY";
/// [`ShareTypeShown::by`] of a CREATE that opened a directory (DISK).
pub const SHOWN_BY_DIRECTORY: &str = "CREATE of a directory";

/// A response on a tree whose TREE_CONNECT the capture lacks that shows
/// what the share is ([`UnseenConnect::share_type_shown`]):
/// - a named pipe share (PIPE): an IOCTL FSCTL_PIPE_TRANSCEIVE answered
///   with success or STATUS_BUFFER_OVERFLOW: a server fails it on a share
///   that is not a named pipe share ([MS-SMB2] 3.3.5.15.3:
///   STATUS_NOT_SUPPORTED), as the object store does on a handle that is
///   not a pipe ([MS-FSCC] 2.3.48: STATUS_INVALID_DEVICE_REQUEST);
/// - a disk share (DISK): a directory opened on it, which only a file
///   system has (a pipe share holds named pipes, a print share print
///   files; [MS-SMB2] 2.2.10): a QUERY_DIRECTORY answered with success or
///   STATUS_NO_MORE_FILES (the server fails one on an open that is not a
///   directory with STATUS_INVALID_PARAMETER before it looks further,
///   3.3.5.18), or a CREATE response whose FileAttributes has
///   FILE_ATTRIBUTE_DIRECTORY (2.2.14, [MS-FSCC] 2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ShareTypeShown {
    /// The response.
    pub frame: u64,
    /// What it was: "FSCTL_PIPE_TRANSCEIVE", "QUERY_DIRECTORY",
    /// "CREATE of a directory".
    pub by: &'static str,
}

/// The tree connect of another session that gave a TreeId
/// ([`UnseenConnect::given_to`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GivenTo {
    pub session_id: HexId,
    pub share: String,
    /// Its TREE_CONNECT response.
    pub response_frame: u64,
    /// The LOGOFF response that ended that session, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logoff_frame: Option<u64>,
}

impl UnseenSetupSeen {
    /// "SESSION_SETUP not in the capture (first answered at frame 3)", and
    /// "; logged off at frame 90" with the LOGOFF response `logoff`.
    pub fn told(&self, logoff: Option<u64>) -> String {
        let mut s = format!(
            "SESSION_SETUP not in the capture (first answered at frame {})",
            self.shown_frame
        );
        if let Some(f) = logoff {
            s.push_str(&format!("; logged off at frame {f}"));
        }
        s
    }
}

impl UnseenConnect {
    /// "TREE_CONNECT not in the capture (first answered at frame 37)", and
    /// "; TreeId given to session 0x3f01d432's \\127.0.0.4\SHARE at
    /// frame 13, logged off at frame 31" when another session had it.
    pub fn told(&self) -> String {
        let mut s = format!(
            "TREE_CONNECT not in the capture (first answered at frame {})",
            self.first_frame
        );
        if let Some(g) = &self.given_to {
            s.push_str(&format!(
                "; TreeId given to session {}'s {} at frame {}",
                g.session_id, g.share, g.response_frame
            ));
            if let Some(f) = g.logoff_frame {
                s.push_str(&format!(", logged off at frame {f}"));
            }
        }
        if let Some(x) = &self.share_type_shown {
            let what = if x.by == SHOWN_BY_TRANSCEIVE {
                "a pipe share"
            } else {
                "a disk share"
            };
            s.push_str(&format!("; {what}: {} answered at frame {}", x.by, x.frame));
        }
        s
    }
}

/// What the client did after a TREE_CONNECT request whose response the
/// capture lacks because it holds the client's side of the connection
/// alone (connection.one_sided), on a connection whose NEGOTIATE request
/// the capture holds: its requests on the same session carried a TreeId
/// no tree connect of the capture gave, first used after this request
/// and before the session's next TREE_CONNECT request, the only such
/// TreeId there. A client takes a tree connect's TreeId from the
/// successful TREE_CONNECT response ([MS-SMB2] 3.2.5.5: "TreeConnectId
/// ... set to the TreeId in the SMB2 header of the response"), and a
/// request's TreeId is one "received from a previous SMB2 TREE_CONNECT
/// Response" (2.2.1.2), so the tree connect almost certainly succeeded; its status stays unknown
/// (none), as the response is not in the capture. The tree's `tree_id`
/// is the one the client went on with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeWentOn {
    /// The client's first and last request with the TreeId.
    pub first_frame: u64,
    pub last_frame: u64,
    /// Its requests with the TreeId, and the frame of its TREE_DISCONNECT
    /// request, if the capture holds one.
    pub requests: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnect_request_frame: Option<u64>,
    /// What those requests asked, the answers not being in the capture (so
    /// not the tree's `opens`, `reads` and `writes`, which count
    /// responses): CREATE requests ([MS-SMB2] 2.2.13), READ requests
    /// and the sum of their Length (the bytes asked for, 2.2.19), WRITE
    /// requests and the sum of their Length (the bytes sent to be written,
    /// 2.2.21).
    pub create_requests: u64,
    pub read_requests: u64,
    pub read_length: u64,
    pub write_requests: u64,
    pub write_length: u64,
}

impl TreeWentOn {
    /// "almost certainly connected: the client went on with TreeId 0x1 in
    /// 63 request(s), frames 7-81 (TREE_DISCONNECT at frame 81), asking to
    /// open 6 file(s), to read up to 21192 bytes (12 READ(s)) and to write
    /// 19276 bytes (4 WRITE(s)); the server's side is not in the capture".
    pub fn told(&self, tree_id: Option<HexId>) -> String {
        let id = tree_id.map_or_else(|| "?".to_string(), |t| t.to_string());
        let disconnect = self
            .disconnect_request_frame
            .map(|f| format!(" (TREE_DISCONNECT at frame {f})"))
            .unwrap_or_default();
        format!(
            "almost certainly connected: the client went on with TreeId {id} in {} request(s), frames {}-{}{disconnect}{}; the server's side is not in the capture",
            self.requests,
            self.first_frame,
            self.last_frame,
            self.asked()
        )
    }

    /// ", asking to open 6 file(s), to read up to 21192 bytes (12 READ(s))
    /// and to write 19276 bytes (4 WRITE(s))": the CREATE, READ and WRITE
    /// requests, those there are; empty when none.
    fn asked(&self) -> String {
        let mut parts = Vec::new();
        if self.create_requests > 0 {
            parts.push(format!("to open {} file(s)", self.create_requests));
        }
        if self.read_requests > 0 {
            parts.push(format!(
                "to read up to {} bytes ({} READ(s))",
                self.read_length, self.read_requests
            ));
        }
        if self.write_requests > 0 {
            parts.push(format!(
                "to write {} bytes ({} WRITE(s))",
                self.write_length, self.write_requests
            ));
        }
        match parts.split_last() {
            None => String::new(),
            Some((last, [])) => format!(", asking {last}"),
            Some((last, rest)) => format!(", asking {} and {last}", rest.join(", ")),
        }
    }
}

/// Opens listed per tree in `Tree::files`.
pub const MAX_FILES_PER_TREE: usize = 256;

/// A file or named pipe opened with success on a tree, like a line of
/// Zeek's smb_files.log: an SMB2 CREATE ([MS-SMB2] 2.2.13, its response
/// 2.2.14) or an SMB1 NT_CREATE_ANDX / OPEN_ANDX ([MS-CIFS] 2.2.4.64,
/// 2.2.4.41), with the READs and WRITEs on it ([MS-SMB2] 2.2.19–2.2.22)
/// while it is followed (see `session::opens`; SMB1 reads and writes are
/// counted on the tree only).
#[derive(Clone, Debug, Serialize)]
pub struct FileOpen {
    /// The name as the CREATE sent it, relative to the share.
    pub name: String,
    pub request_frame: u64,
    /// The response's frame; none for an unanswered request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// A CREATE request ([MS-SMB2] 2.2.13) the capture holds no response
    /// to, on a tree a capture lacking the server's side shows the client
    /// went on with ([`Tree::client_went_on`]): a file or pipe the client
    /// asked to open, not an open (no `frame`, no `action`; `reads` and
    /// `writes` 0, as the FileId the response gave is not known).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unanswered: bool,
    /// CreateDisposition of an SMB2 CREATE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<crate::smb2::create::CreateDisposition>,
    /// CreateAction of an SMB2 CREATE response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<crate::smb2::create::CreateAction>,
    pub desired_access: crate::smb2::wire::AccessMask,
    /// Opened on a pipe share (IPC$): a named pipe.
    pub pipe: bool,
    pub reads: u64,
    pub read_bytes: u64,
    pub writes: u64,
    pub write_bytes: u64,
    /// Of an unanswered CREATE request (`unanswered`): the WRITE requests
    /// ([MS-SMB2] 2.2.21) the client sent with the FileId it went on with
    /// ([`super::opens::WentOnWrites`]), and the sum of their Length: the
    /// bytes it sent to be written, not bytes written (`writes` and
    /// `write_bytes` count responses).
    #[serde(skip_serializing_if = "is_zero")]
    pub write_requests: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub write_length: u64,
    /// The first of those WRITE requests (the findings' evidence).
    #[serde(skip)]
    pub first_write_request: Option<u64>,
    /// A named pipe's DCE/RPC binds and calls, when the capture shows any
    /// (SMB2; see `session::pipes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc: Option<Box<PipeRpc>>,
}

/// The DCE/RPC binds and calls written to a named pipe (C706 chapter 12),
/// as JSON gives them with the pipe's open.
#[derive(Clone, Debug, Serialize)]
pub struct PipeRpc {
    /// The interfaces its binds and alter_contexts asked for, each once.
    pub interfaces: Vec<RpcInterface>,
    /// Its requests (first fragments), at most `session::pipes::MAX_CALLS`.
    pub calls: Vec<RpcCallFacts>,
    /// Requests past them, not listed.
    pub calls_omitted: u64,
}

/// An interface a bind asked for: its UUID and version
/// (p_syntax_id_t, C706 12.6.3.1).
#[derive(Clone, Debug, Serialize)]
pub struct RpcInterface {
    pub uuid: String,
    /// "MAJOR.MINOR".
    pub version: String,
    /// Its protocol document ("MS-SCMR"), when known by its UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// The frame of the first bind or alter_context that asked for it.
    pub bind_frame: u64,
    /// "accepted", "refused" (a bind_ack that accepted no presentation
    /// context) or "nak" (a bind_nak), when the answer is in the capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<&'static str>,
    /// The frame that brought that answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_frame: Option<u64>,
}

/// A DCE/RPC request written to a pipe (C706 12.6.4.9) and its answer.
#[derive(Clone, Debug, Serialize)]
pub struct RpcCallFacts {
    /// The IOCTL or WRITE request that carried it.
    pub frame: u64,
    pub opnum: u16,
    /// The operation's name, by the interface its presentation context
    /// was bound to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// The IOCTL response, or the READ response that brought the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_frame: Option<u64>,
    /// The status of a fault PDU that answered it ("0x1c010002").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// Its name ("nca_s_op_rng_error"), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_name: Option<&'static str>,
    /// What a call to the Service Control Manager says of a service: its
    /// name and command line ([MS-SCMR] 3.1.4.11, 3.1.4.12, 3.1.4.16,
    /// 3.1.4.41; `session::scmr`), as far as the capture keeps the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceFacts>,
}

/// A service as a call to the Service Control Manager names it.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceFacts {
    /// lpServiceName.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// lpBinaryPathName: the command line the service runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary_path: Option<String>,
    /// The capture keeps the call's start only: the last string given is
    /// cut, what follows it unread.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
}

impl PipeRpc {
    /// What `p` shows; None when it shows no bind and no call.
    pub fn of(p: &super::pipes::PipeOpen) -> Option<PipeRpc> {
        if p.interfaces.is_empty() && p.calls.is_empty() && p.calls_omitted == 0 {
            return None;
        }
        let interfaces = p
            .interfaces
            .iter()
            .map(|b| RpcInterface {
                uuid: b.syntax.uuid_text(),
                version: format!("{}.{}", b.syntax.version_major, b.syntax.version_minor),
                name: super::rpc::of(&b.syntax).map(|r| r.doc),
                bind_frame: b.frame,
                result: b.result.map(|(_, r)| r.key()),
                result_frame: b.result.map(|(f, _)| f),
            })
            .collect();
        let calls = p
            .calls
            .iter()
            .map(|c| RpcCallFacts {
                frame: c.frame,
                opnum: c.opnum,
                operation: p.op_name(c),
                response_frame: c.response_frame,
                fault: c.fault.map(|f| format!("{f:#010x}")),
                fault_name: c.fault.and_then(super::dcerpc::fault_name),
                service: p
                    .services
                    .iter()
                    .find(|(f, _)| *f == c.frame)
                    .map(|(_, a)| ServiceFacts {
                        name: a.name.clone(),
                        binary_path: a.binary_path.clone(),
                        cut: a.cut,
                    }),
            })
            .collect();
        Some(PipeRpc {
            interfaces,
            calls,
            calls_omitted: p.calls_omitted,
        })
    }
}

/// A Kerberos request on port 88 and its reply (RFC 4120 5.4).
#[derive(Clone, Debug, Serialize)]
pub struct KdcExchange {
    pub stream: u64,
    pub transport: &'static str,
    #[serde(serialize_with = "addr_text")]
    pub client: SocketAddr,
    #[serde(serialize_with = "addr_text")]
    pub server: SocketAddr,
    /// "AS-REQ" or "TGS-REQ".
    pub request: KrbMsgType,
    pub request_frame: u64,
    pub time: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_principal: Option<String>,
    /// The principal asked for, e.g. "cifs/fs1.example.com@EXAMPLE.COM".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_principal: Option<String>,
    pub etypes: Vec<EncType>,
    /// The request's PA-DATA types (RFC 4120 5.2.7), in order: an AS-REQ
    /// with none of [`PREAUTH_PADATA`] answered with an AS-REP is a client
    /// the KDC did not ask to pre-authenticate (RFC 4120 3.1.1, 7.5.2).
    /// Not serialized (the findings name them).
    #[serde(skip)]
    pub request_padata: Vec<PaDataType>,
    /// The request's KDCOptions (RFC 4120 5.4.1), by name.
    #[serde(skip_serializing_if = "KdcOptions::is_empty")]
    pub kdc_options: KdcOptions,
    /// A TGS-REQ for a forwarded TGT: the FORWARDED option and a krbtgt
    /// service (RFC 4120 2.6), which the client hands to the server it
    /// logs on to, so that the server acts as the client (delegation).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub forwarded_tgt: bool,
    /// The request's `from` (RFC 4120 5.4.1): later than the request in a
    /// request for a postdated ticket (RFC 4120 2.4); some clients send
    /// 1970-01-01T00:00:00Z.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The request's `till` (RFC 4120 5.4.1): the expiration time the
    /// client asks for (2037-09-13T02:48:05Z: Windows' no limit; some
    /// clients send 1970-01-01T00:00:00Z).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub till: Option<String>,
    /// "AS-REP", "TGS-REP" or "KRB-ERROR".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<KrbMsgType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_frame: Option<u64>,
    /// The reply frame's capture time (not serialized: the findings
    /// compare the KRB-ERROR's stime with it).
    #[serde(skip)]
    pub reply_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e_text: Option<String>,
    /// The NTSTATUS in the KRB-ERROR e-data ([MS-KILE] 2.2.1), e.g. STATUS_ACCOUNT_DISABLED.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nt_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_enctype: Option<EncType>,
    /// The enctype of the reply's encrypted part (RFC 4120 5.4.2): in an
    /// AS-REP the client's long-term key, in a TGS-REP the TGT's session
    /// key or the request's subkey.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_enctype: Option<EncType>,
    /// The etypes the KDC's reply offered for the client's key, its
    /// preference first (RFC 4120 3.1.3): those of the PA-ETYPE-INFO2
    /// (5.2.7.5) in a KRB-ERROR's METHOD-DATA or an AS-REP's padata, else
    /// of its PA-ETYPE-INFO (5.2.7.4), which a KDC older than RFC 4120
    /// sends alone; at most [`MAX_OFFERED_ETYPES`]. Not serialized
    /// (posture.weak_enctype quotes them).
    #[serde(skip)]
    pub offered_etypes: Vec<EncType>,
    /// Which of the two `offered_etypes` came from: PA-ETYPE-INFO2 or
    /// PA-ETYPE-INFO. Not serialized.
    #[serde(skip)]
    pub offered_in: Option<PaDataType>,
    /// The client as the KDC's AS-REP or TGS-REP names it, cname@crealm
    /// (RFC 4120 5.4.2): the realm as the KDC has it ("THREEBEESCO.COM")
    /// where the request's is as typed ("3b"); None for another reply,
    /// or a name hidden by FAST (the anonymous principal). Not serialized
    /// (`client_principal` stays the request's): for the findings' words,
    /// [`KdcExchange::client_named`].
    #[serde(skip)]
    pub reply_client_principal: Option<String>,
    /// The SMB connection of the same client open at the time, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smb_stream: Option<u64>,
    /// A KDC_ERR_PREAUTH_REQUIRED or KRB_ERR_RESPONSE_TOO_BIG that the
    /// capture shows to be the normal step it is: the same client sent the
    /// same request for the same principal again (over TCP after
    /// RESPONSE_TOO_BIG) and got a reply. Set when the model is finished;
    /// `--failed-only` leaves these out. Not serialized.
    #[serde(skip)]
    pub retry_answered: bool,
}

/// PA-DATA types that pre-authenticate an AS-REQ, or may carry
/// pre-authentication: PA-ENC-TIMESTAMP (RFC 4120 5.2.7.2), PKINIT's
/// PA-PK-AS-REQ and its old form (RFC 4556 3.2.1), PA-ENCRYPTED-CHALLENGE
/// and PA-FX-FAST, whose armored request hides its own PA-DATA (RFC 6113
/// 5.4.2, 5.4.6), PA-SAM-RESPONSE and PA-OTP-REQUEST (RFC 6560 4.2).
pub const PREAUTH_PADATA: &[PaDataType] = &[
    PaDataType::ENC_TIMESTAMP,
    PaDataType::SAM_RESPONSE,
    PaDataType::PK_AS_REQ_OLD,
    PaDataType::PK_AS_REQ,
    PaDataType::FX_FAST,
    PaDataType::ENCRYPTED_CHALLENGE,
    PaDataType::OTP_REQUEST,
];

/// How many of the etypes a KDC reply offered [`KdcExchange`] keeps: a
/// KDC offers one per key of the account (Windows and Samba: AES256,
/// AES128, RC4; MIT a few more).
pub const MAX_OFFERED_ETYPES: usize = 8;

impl KdcExchange {
    /// The service part of the principal asked for, lower case, without realm.
    pub fn service_name(&self) -> Option<String> {
        self.service_principal.as_deref().map(strip_realm)
    }

    /// The client as the KDC's reply names it where it does
    /// ([`KdcExchange::reply_client_principal`]), else as the request did.
    pub fn client_named(&self) -> Option<&str> {
        self.reply_client_principal
            .as_deref()
            .or(self.client_principal.as_deref())
    }

    /// An AS-REQ whose PA-DATA holds none of [`PREAUTH_PADATA`].
    pub fn without_preauth(&self) -> bool {
        self.request == KrbMsgType::AS_REQ
            && !self
                .request_padata
                .iter()
                .any(|t| PREAUTH_PADATA.contains(t))
    }
}

/// "cifs/Fs1@REALM" → "cifs/fs1".
pub fn strip_realm(p: &str) -> String {
    p.split('@').next().unwrap_or(p).to_ascii_lowercase()
}

/// An NTSTATUS by name, as [`NtStatus`]'s Display writes it.
pub(crate) fn status_name<S: serde::Serializer>(st: &NtStatus, s: S) -> Result<S::Ok, S::Error> {
    match st.name() {
        Some(n) => s.serialize_str(n),
        None => s.collect_str(st),
    }
}

/// [`status_name`] of a status that may be absent.
pub(crate) fn opt_status_name<S: serde::Serializer>(
    st: &Option<NtStatus>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match st {
        Some(x) => s.serialize_some(&StatusName(*x)),
        None => s.serialize_none(),
    }
}

/// An NTSTATUS that serializes by name ([`status_name`]).
struct StatusName(NtStatus);

impl Serialize for StatusName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        status_name(&self.0, s)
    }
}

/// A socket address as its `Display` writes it ("a.b.c.d:port",
/// "[v6]:port"), formatted on the stack and written without the escape
/// check (digits, letters and punctuation only).
fn addr_text<S: serde::Serializer>(a: &SocketAddr, s: S) -> Result<S::Ok, S::Error> {
    let text = crate::report::fastfmt::socket_addr(a);
    crate::json::ascii_text(text.as_str().as_bytes()).serialize(s)
}

/// No SessionFlags bit set: the list of names is empty.
fn no_session_flags(f: &SessionFlags) -> bool {
    f.0 == 0
}

/// No ShareFlags bit set: the list of names is empty.
/// An empty string as null (a share the capture does not show).
fn empty_as_null<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    if v.is_empty() {
        s.serialize_none()
    } else {
        s.serialize_str(v)
    }
}

fn no_share_flags(f: &ShareFlags) -> bool {
    f.0 == 0
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A SessionId or TreeId, shown (and serialized, as a string) in hex,
/// "0x..." (a 64-bit value is not a JSON number).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HexId(pub u64);

impl HexId {
    /// `format!("{:#x}", id)`: "0x" and lowercase hex digits, no leading
    /// zeros, in a buffer on the stack; the text is `buf[at..]`.
    pub fn text(self) -> HexText {
        let mut buf = [0u8; 18];
        crate::smb2::wire::put_hex(&mut buf[2..], self.0);
        // The significant digits (one for 0), "0x" before them.
        let digits = (64 - self.0.leading_zeros() as usize).div_ceil(4).max(1);
        let at = 16 - digits;
        buf[at..at + 2].copy_from_slice(b"0x");
        HexText { buf, at }
    }
}

/// The text of a [`HexId`].
pub struct HexText {
    buf: [u8; 18],
    at: usize,
}

impl HexText {
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(self.at..).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        // "0x" and hex digits: ASCII.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl std::fmt::Display for HexId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text().as_str())
    }
}

impl Serialize for HexId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::json::ascii_text(self.text().as_bytes()).serialize(s)
    }
}

/// Hex form of a session id.
pub fn sid_hex(id: u64) -> String {
    HexId(id).text().as_str().to_string()
}

/// Seconds between two timestamps.
pub fn secs_between(later: Timestamp, earlier: Timestamp) -> f64 {
    later.nanos_since(earlier) as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_id_text_is_the_format_string() {
        let mut v = 0x9e37_79b9_7f4a_7c15u64;
        let mut ids = vec![0, 1, 0xf, 0x10, u64::MAX, 1 << 63];
        for _ in 0..200 {
            v ^= v << 13;
            v ^= v >> 7;
            v ^= v << 17;
            ids.push(v >> (v % 64));
        }
        for id in ids {
            assert_eq!(HexId(id).text().as_str(), format!("{id:#x}"));
            assert_eq!(HexId(id).to_string(), format!("{id:#x}"));
        }
    }
}
