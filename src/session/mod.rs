//! The session layer: builds the [`Model`] of a capture from the pipeline's
//! events — connections and their NEGOTIATE result, sessions keyed by
//! (connection, SessionId) with their SESSION_SETUP rounds, trees with their
//! file operations, and Kerberos exchanges on port 88 joined to the SMB
//! connection of the same client ([MS-SMB2] 3.2, 3.3; RFC 4120 3.1–3.3).
//!
//! Messages are decoded lazily: only NEGOTIATE, SESSION_SETUP, TREE_CONNECT,
//! CREATE, IOCTL, error responses, SMB1 and Kerberos messages are decoded in
//! full; READ and WRITE responses get a fixed-part parse for their byte
//! counts; the rest is read from the header alone.
//!
//! Memory grows with the connections, sessions and trees kept, never with
//! the bytes: the per-item lists are bounded (see [`model`]).

mod compression;
pub mod dcerpc;
pub mod events;
pub mod kdc;
mod lookups;
pub mod model;
pub(crate) mod opens;
pub mod pipes;
pub mod rpc;
pub mod scmr;
mod setup;
mod smb1;
mod smb1_errors;
mod smb1_files;
mod smb1_logon;
pub mod token;
mod trees;
pub mod unseen;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::IpAddr;

use crate::capture::Timestamp;
use crate::pipeline::{ConnInfo, Decoded, Event, Kind, Message};
use crate::report::messages::{command_str, summary};
use crate::smb2::{Body, Command, FileId};
use crate::tcp::hash::KeyedHashMap;
use crate::tcp::EndReason;

pub use model::*;
pub use smb1_logon::MECHANISM_NTLM;

/// What the builder keeps besides the model.
#[derive(Clone, Copy, Debug, Default)]
pub struct BuildOptions {
    /// Every message goes to the timeline, with the long summary.
    pub verbose: bool,
    /// Make the JSON Lines events of `--format jsonl` (see [`Builder::events`]).
    pub events: bool,
    /// Keep the per-connection timelines (the text report shows them).
    pub timeline: bool,
    /// Colour the timelines' status names (the text report's [`Style`]).
    ///
    /// [`Style`]: crate::report::style::Style
    pub color: bool,
}

/// Everything the session layer learned from a capture.
#[derive(Debug, Default)]
pub struct Model {
    pub connections: Vec<Connection>,
    pub sessions: Vec<Session>,
    /// Sessions in use whose SESSION_SETUP the capture lacks, connection by
    /// connection (see [`unseen::fill`]; [`Outcome::Unseen`]): apart from
    /// [`Model::sessions`], which the diagnosis and `check` judge; the
    /// report lists them after those.
    pub unseen_sessions: Vec<Session>,
    pub trees: Vec<Tree>,
    pub kdc: Vec<KdcExchange>,
    pub kdc_omitted: u64,
    /// TCP connections to port 88 refused or never answered, in the order
    /// they ended (at most [`MAX_KDC_TCP_FAILURES`]).
    pub kdc_tcp_failures: Vec<KdcTcpFailure>,
    pub kdc_tcp_failures_omitted: u64,
    pub first_time: Option<Timestamp>,
    pub last_time: Option<Timestamp>,
    /// The time of the capture's first frame, of any protocol.
    pub capture_start: Option<Timestamp>,
    /// Each status an SMB2 or SMB1 response carried (interim
    /// STATUS_PENDING responses and normal steps included; an SMB1 error in
    /// the DOS form as [`crate::ntstatus::NtStatus::dos`] keeps it), with
    /// the first response that carried it; at most [`MAX_STATUSES`]
    /// distinct values.
    pub statuses: KeyedHashMap<u32, StatusSeen>,
    /// Responses whose status is not in [`Model::statuses`]: it was full.
    pub statuses_omitted: u64,
    /// Statuses a check's filter left out of [`Model::statuses`] because
    /// the response that first carried them is on a connection it does not
    /// keep, with that connection's stream: only a status's first response
    /// is kept, so whether a kept connection carried it too is not known.
    /// Empty but in `check::scoped`.
    pub statuses_outside: Vec<(u32, u64)>,
    /// Named pipes opened with success, in the order of their CREATE
    /// responses (at most [`pipes::MAX_PIPES`]).
    pub pipes: Vec<pipes::PipeOpen>,
    /// Pipe opens past [`pipes::MAX_PIPES`], not kept.
    pub pipes_omitted: u64,
    /// The streams of `connections`, in order, when they rise strictly, as
    /// [`Builder::finish`] leaves them: [`Model::connection`] searches these
    /// 8 bytes a connection, not the connections themselves (hundreds of
    /// bytes apart: a cache and TLB miss at each probe, which made the
    /// diagnosis's lookups of a session's connection a hot spot on
    /// session-1g). Empty in a model made otherwise: the connections are
    /// searched then.
    pub(crate) streams: Vec<u64>,
}

/// Distinct statuses kept in [`Model::statuses`].
pub const MAX_STATUSES: usize = 4096;

/// Sessions of a connection, the latest, that a compression transform is
/// counted on ([`Session::compressed_after_setup`]).
pub const MAX_COMPRESSED_SESSIONS: usize = 256;

/// The first SMB2 or SMB1 response that carried a status
/// ([`Model::statuses`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusSeen {
    pub frame: u64,
    pub stream: u64,
    pub command: StatusCommand,
}

/// The command of a [`StatusSeen`]: `READ`, `SMB_COM_TRANSACTION2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusCommand {
    Smb2(Command),
    Smb1(crate::smb2::smb1::Smb1Command),
}

impl std::fmt::Display for StatusCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusCommand::Smb2(c) => c.fmt(f),
            StatusCommand::Smb1(c) => c.fmt(f),
        }
    }
}

impl Model {
    /// The sessions of a connection.
    pub fn sessions_of<'a>(&'a self, c: &'a Connection) -> impl Iterator<Item = &'a Session> + 'a {
        c.session_indexes
            .iter()
            .filter_map(|&i| self.sessions.get(i))
    }

    /// The sessions of a connection whose SESSION_SETUP the capture lacks
    /// ([`Model::unseen_sessions`]).
    pub fn unseen_sessions_of<'a>(
        &'a self,
        c: &'a Connection,
    ) -> impl Iterator<Item = &'a Session> + 'a {
        c.unseen_session_indexes
            .iter()
            .filter_map(|&i| self.unseen_sessions.get(i))
    }

    /// The connection of a TCP stream (connections are kept in stream order).
    pub fn connection(&self, stream: u64) -> Option<&Connection> {
        if self.streams.len() == self.connections.len() && !self.streams.is_empty() {
            // The same keys in the same order as the connections': the
            // search finds the same index; and in a rising list a stream
            // not found is in no connection.
            return match self.streams.binary_search(&stream) {
                Ok(i) => self.connections.get(i),
                Err(_) => None,
            };
        }
        match self.connections.binary_search_by_key(&stream, |c| c.stream) {
            Ok(i) => self.connections.get(i),
            Err(_) => self.connections.iter().find(|c| c.stream == stream),
        }
    }

    /// Fills [`Model::streams`] when the connections' streams rise strictly.
    fn index_streams(&mut self) {
        let streams: Vec<u64> = self.connections.iter().map(|c| c.stream).collect();
        self.streams = if streams.windows(2).all(|w| w[0] < w[1]) {
            streams
        } else {
            Vec::new()
        };
    }
}

/// A request waiting for its response.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub frame: u64,
    pub ts: Timestamp,
    pub sid: u64,
    /// TreeId of the request (an async response carries AsyncId instead).
    pub tid: Option<u32>,
    /// An SMB2 request the client sent signed (SMB2_FLAGS_SIGNED).
    pub signed: bool,
    pub detail: Detail,
}

#[derive(Clone, Debug)]
pub(crate) enum Detail {
    None,
    Setup(Box<setup::SetupRequest>),
    Share(String),
    /// A CREATE's file name and what it asked for.
    Open(opens::OpenAsk),
    Fsctl(String),
    /// The FileId of a READ or WRITE, when an open is followed.
    Io(FileId),
}

impl Detail {
    fn text(&self) -> Option<String> {
        match self {
            Detail::Share(s) | Detail::Fsctl(s) => Some(s.clone()),
            Detail::Open(o) => Some(o.name.clone()),
            _ => None,
        }
    }
}

/// Per-connection state that is not part of the model.
#[derive(Default)]
pub(crate) struct ConnState {
    pub pending: KeyedHashMap<u64, Pending>,
    pub pending_dropped: u64,
    /// Which directions ended (client, server).
    ended: [bool; 2],
    /// Closed: both directions ended, nothing more will change it.
    closed: bool,
    /// The opens made on it that are followed (at most [`opens::MAX_OPENS`]).
    opens: Vec<opens::OpenKey>,
    /// The MessageId of the CREATE that began the compound chain being
    /// read, for a related CLOSE later in it.
    chain_create: Option<u64>,
    /// SMB1 transactions to match (see [`smb1::watch`]).
    smb1: Option<Box<smb1::Watch>>,
    /// The last SMB2 message each side sent (client, server): its frame,
    /// time, command and MessageId, for a retransmission of it.
    last_sent: [Option<(u64, Timestamp, Command, u64)>; 2],
    /// SMB1 trees connected on it: (UID, TID, index in `model.trees`).
    smb1_trees: Vec<(u16, u16, usize)>,
    /// While the server has sent no SMB message on it: the TreeIds the
    /// client's requests carried that no tree connect of the capture gave
    /// (at most [`trees::MAX_TREE_USES`]; see [`trees::TreeUse`]).
    tree_uses: Vec<trees::TreeUse>,
    /// The trees made for TreeIds in use without a TREE_CONNECT of the
    /// capture (at most [`trees::MAX_UNSEEN_TREES`]).
    unseen_trees: u16,
    /// SMB1 requests waiting for their response (see [`smb1_errors`]).
    smb1_requests: Option<Box<smb1_errors::Requests>>,
    /// The NT_CREATE_ANDX or OPEN_ANDX request the SMB1 response being read
    /// refuses, and its tree (index in `model.trees`): left by
    /// `smb1_files` for `smb1_error`, which names its file and holder.
    smb1_refused_open: Option<Box<(opens::OpenAsk, Option<usize>)>>,
    /// Unanswered pipe opens were made on it ([`pipes::PipeOpen::unanswered`]).
    unanswered_pipes: bool,
    /// While the server has sent no SMB message on it: the WRITE requests
    /// sent after its unanswered CREATE requests (at most
    /// [`opens::MAX_WENT_ON_FILES`]).
    went_on_writes: Vec<opens::WentOnWrites>,
}

/// Builds a [`Model`] from pipeline events; see the module doc.
pub struct Builder {
    pub model: Model,
    opts: BuildOptions,
    conn_index: KeyedHashMap<u64, usize>,
    conn_state: Vec<ConnState>,
    /// (stream, SessionId) → index in `model.sessions` (the latest attempt).
    session_index: KeyedHashMap<(u64, u64), usize>,
    /// (server address, SessionId) → the first session entry, for binding.
    session_by_id: KeyedHashMap<(IpAddr, u64), usize>,
    tree_index: KeyedHashMap<(IpAddr, u64, u32), usize>,
    /// KDC request frame → index in `model.kdc`.
    kdc_pending: KeyedHashMap<u64, usize>,
    /// Kerberos TCP connections (tcp.stream) that began with the client's
    /// SYN and have had nothing since (no message, no gap): the (SYN frame,
    /// time). At most [`MAX_PENDING`]; one not kept is not followed.
    kdc_connecting: KeyedHashMap<u64, (u64, Timestamp)>,
    /// The latest SMB connection of each client address.
    last_conn_of_client: KeyedHashMap<IpAddr, usize>,
    /// The KDC exchanges sessions are joined to, indexed.
    kdc_index: kdc::KdcIndex,
    /// Connections closed since the last [`Builder::next_closed`].
    closed: Vec<usize>,
    /// The `--format jsonl` event lines made since they were last taken.
    pub events: events::EventLines,
    /// The lists of [`Negotiate`] kept once (see [`SharedList`]).
    dialect_lists: Lists<crate::smb2::negotiate::Dialect>,
    cipher_lists: Lists<crate::smb2::negotiate::Cipher>,
    mech_lists: Lists<std::borrow::Cow<'static, str>>,
    /// The summary of the timeline entry being written.
    timeline_summary: String,
    /// What a message's DCE/RPC PDU on a named pipe says, for its timeline
    /// line (see `pipes`), made again for each such message.
    rpc_note: String,
    /// The files open on all connections, in bounds.
    opens: opens::Tracker,
    /// The latest ARP requests and DNS queries (with pipeline::Options::lookups).
    lookups: lookups::Recent,
}

/// Distinct lists kept so far, up to [`MAX_SHARED_LISTS`].
type Lists<T> = std::collections::HashSet<SharedList<T>, crate::tcp::hash::KeyedState>;

/// Distinct lists of each kind kept for sharing; others are kept each alone.
const MAX_SHARED_LISTS: usize = 1024;

/// The list equal to `items` kept in `lists`, or a new one (kept there too
/// while there is room).
fn shared<T: Clone + Eq + std::hash::Hash>(lists: &mut Lists<T>, items: &[T]) -> SharedList<T> {
    if let Some(l) = lists.get(items) {
        return l.clone();
    }
    let l: SharedList<T> = items.into();
    if lists.len() < MAX_SHARED_LISTS {
        lists.insert(l.clone());
    }
    l
}

/// One direction of a TCP connection ended ([`Event::ConnectionEnd`]).
#[derive(Clone, Copy)]
struct DirectionEnd {
    from_client: bool,
    frame: u64,
    ts: Timestamp,
    reason: EndReason,
    /// The direction sent no segment at all.
    silent: bool,
}

impl Builder {
    pub fn new(opts: BuildOptions) -> Builder {
        Builder {
            model: Model::default(),
            opts,
            conn_index: KeyedHashMap::default(),
            conn_state: Vec::new(),
            session_index: KeyedHashMap::default(),
            session_by_id: KeyedHashMap::default(),
            tree_index: KeyedHashMap::default(),
            kdc_pending: KeyedHashMap::default(),
            kdc_connecting: KeyedHashMap::default(),
            last_conn_of_client: KeyedHashMap::default(),
            kdc_index: kdc::KdcIndex::default(),
            closed: Vec::new(),
            events: events::EventLines::default(),
            dialect_lists: Lists::default(),
            cipher_lists: Lists::default(),
            mech_lists: Lists::default(),
            timeline_summary: String::new(),
            rpc_note: String::new(),
            opens: opens::Tracker::default(),
            lookups: lookups::Recent::default(),
        }
    }

    /// Adds an event line when events are on: `ev` is made only then.
    pub(crate) fn emit<T: serde::Serialize>(
        &mut self,
        kind: &str,
        stream: u64,
        session_id: Option<u64>,
        ev: impl FnOnce() -> T,
    ) {
        if self.opts.events {
            let hosts = self.hosts(stream);
            self.events.push(kind, stream, session_id, hosts, &ev());
        }
    }

    /// The client's and the server's address of the connection `stream`.
    pub(crate) fn hosts(&self, stream: u64) -> Option<(IpAddr, IpAddr)> {
        let &ci = self.conn_index.get(&stream)?;
        let c = self.model.connections.get(ci)?;
        Some((c.client.ip(), c.server.ip()))
    }

    /// Takes one pipeline event.
    pub fn event(&mut self, ev: Event<'_>) {
        match ev {
            Event::CaptureStart { ts, .. } => {
                self.model.capture_start.get_or_insert(ts);
            }
            Event::Message(m) => self.message(m),
            Event::Lookup {
                frame,
                ts,
                kind,
                from,
                target,
            } => self.lookups.push((frame, ts, kind, from, target)),
            Event::ConnectionOpen {
                info,
                frame,
                ts,
                capture_start,
            } => {
                self.model.capture_start.get_or_insert(capture_start);
                self.open(&info, frame, ts);
            }
            Event::Gap {
                info,
                from_client,
                frame,
                ts,
                bytes,
                ..
            } => self.gap(&info, from_client, frame, ts, bytes),
            Event::Skipped {
                info,
                from_client,
                frame,
                bytes,
                head,
            } => self.skipped(&info, from_client, frame, bytes, head),
            Event::Handshake {
                info,
                frame,
                ts,
                syns,
            } => self.handshake(
                &info,
                HandshakeSeen {
                    frame,
                    time: ts,
                    syns,
                },
            ),
            Event::Unacknowledged {
                info,
                from_client,
                stall,
            } => self.unacknowledged(&info, from_client, stall),
            Event::ConnectionEnd {
                info,
                from_client,
                frame,
                ts,
                reason,
                silent,
            } => {
                let e = DirectionEnd {
                    from_client,
                    frame,
                    ts,
                    reason,
                    silent,
                };
                if info.kerberos {
                    self.kdc_end(&info, e)
                } else {
                    self.end(&info, e)
                }
            }
        }
    }

    fn open(&mut self, info: &ConnInfo, frame: u64, ts: Timestamp) {
        if info.kerberos {
            if info.saw_syn && self.kdc_connecting.len() < MAX_PENDING {
                self.kdc_connecting.insert(info.stream, (frame, ts));
            }
            return;
        }
        let idx = self.model.connections.len();
        self.model.connections.push(Connection::new(
            info.stream,
            info.client,
            info.server,
            info.saw_syn,
            frame,
            ts,
        ));
        self.conn_state.push(ConnState::default());
        self.conn_index.insert(info.stream, idx);
        self.last_conn_of_client.insert(info.client.ip(), idx);
        self.model.first_time.get_or_insert(ts);
        let (stream, client, server) = (info.stream, info.client, info.server);
        self.emit("connection", stream, None, || events::ConnectionOpened {
            stream,
            frame,
            time: ts,
            client,
            server,
        });
    }

    /// The server answered the client's SYN: a slow answer is shown in the
    /// timeline.
    fn handshake(&mut self, info: &ConnInfo, h: HandshakeSeen) {
        let Some(&ci) = self.conn_index.get(&info.stream) else {
            return;
        };
        let c = &mut self.model.connections[ci];
        c.handshake = Some(h);
        let waited = secs_between(h.time, c.first_time);
        if !self.opts.timeline || waited < SLOW_HANDSHAKE_SECS {
            return;
        }
        let summary = if h.syns > 1 {
            format!(
                "the server answered {waited:.1} s after the client's first SYN, which was sent {} times",
                h.syns
            )
        } else {
            format!("the server answered {waited:.1} s after the client's SYN")
        };
        self.push_tcp_entry(ci, (h.frame, h.time), false, "TCP SYN-ACK", &summary);
    }

    /// A timeline line of the TCP layer (no SMB message, no status).
    fn push_tcp_entry(
        &mut self,
        ci: usize,
        (frame, time): (u64, Timestamp),
        from_client: bool,
        command: &'static str,
        summary: &str,
    ) {
        let entry = TimelineEntry {
            frame,
            time,
            from_client,
            command,
            summary,
            status: None,
            krb_error: None,
            normal_step: false,
            smb: false,
        };
        self.push_timeline(ci, &entry);
    }

    /// One side retransmitted bytes the other did not acknowledge: the
    /// first such run never acknowledged is kept, and shown in the
    /// timeline when it makes a finding.
    fn unacknowledged(&mut self, info: &ConnInfo, from_client: bool, s: &crate::tcp::Stall<'_>) {
        if s.acked.is_some() {
            return;
        }
        let Some(&ci) = self.conn_index.get(&info.stream) else {
            return;
        };
        if self.model.connections[ci].unacknowledged.is_some() {
            return;
        }
        let last = self.conn_state[ci].last_sent[usize::from(!from_client)];
        let message = stalled_message(s.head, last);
        let u = Unacknowledged {
            from_client,
            retransmissions: s.retransmissions,
            first: s.first,
            last: s.last,
            peer_silent: s.peer_silent,
            message,
        };
        if self.opts.timeline && u.retransmissions >= UNACKNOWLEDGED_MIN_RETRANSMISSIONS {
            let (side, peer) = if from_client {
                ("the client's bytes", "server")
            } else {
                ("the server's bytes", "client")
            };
            let what = match message {
                Some(m) => match m.first_sent {
                    Some((frame, _)) => format!("{} (frame {frame})", m.describe()),
                    None => m.describe(),
                },
                None => side.to_string(),
            };
            let summary = format!(
                "{what} sent again {} times from frame {}, never acknowledged by the {peer}",
                u.retransmissions, u.first.0
            );
            self.push_tcp_entry(ci, u.last, from_client, "TCP retransmission", &summary);
        }
        self.model.connections[ci].unacknowledged = Some(Box::new(u));
    }

    fn gap(&mut self, info: &ConnInfo, from_client: bool, frame: u64, ts: Timestamp, bytes: u64) {
        if info.kerberos {
            self.kdc_connecting.remove(&info.stream);
            return;
        }
        if let Some(&ci) = self.conn_index.get(&info.stream) {
            if from_client {
                // A CLOSE, LOGOFF or TREE_DISCONNECT may be in the gap.
                self.forget_opens(ci);
            }
            let c = &mut self.model.connections[ci];
            c.gaps += 1;
            c.gap_bytes += bytes;
            c.first_gap.get_or_insert((from_client, frame));
            if !from_client {
                c.server_gap_bytes += bytes;
            }
            let stream = info.stream;
            self.emit("gap", stream, None, || events::Gap {
                stream,
                frame,
                time: ts,
                bytes,
            });
        }
    }

    fn skipped(&mut self, info: &ConnInfo, from_client: bool, frame: u64, bytes: u64, head: &[u8]) {
        let Some(&ci) = self.conn_index.get(&info.stream) else {
            return;
        };
        let c = &mut self.model.connections[ci];
        c.skipped_bytes += bytes;
        if !from_client {
            c.server_skipped_bytes += bytes;
        }
        c.first_skipped_frame.get_or_insert(frame);
        if c.skipped_head.is_none() && !head.is_empty() {
            c.skipped_head = Some(Box::new(SkippedHead {
                from_client,
                bytes: head.iter().copied().take(8).collect(),
            }));
        }
    }

    fn end(&mut self, info: &ConnInfo, e: DirectionEnd) {
        let Some(&ci) = self.conn_index.get(&info.stream) else {
            return;
        };
        if e.silent && !e.from_client {
            self.model.connections[ci].server_silent = true;
        }
        self.conn_state[ci].ended[usize::from(!e.from_client)] = true;
        if self.model.connections[ci].end.is_none() {
            self.first_end(ci, info.stream, e);
        }
        if self.conn_state[ci].ended == [true, true] {
            self.close(ci);
        }
    }

    /// Records the end of the first direction to end.
    fn first_end(&mut self, ci: usize, stream: u64, e: DirectionEnd) {
        let DirectionEnd {
            from_client,
            frame,
            ts,
            reason: r,
            ..
        } = e;
        let c = &mut self.model.connections[ci];
        let end = ConnEnd::new(frame, ts, r, from_client);
        let (reason, by) = (end.reason, end.by);
        c.end = Some(end);
        if self.opts.timeline && matches!(r, EndReason::Fin | EndReason::Reset) {
            let entry = TimelineEntry {
                frame,
                time: ts,
                from_client,
                command: if reason == "reset" {
                    "TCP RST"
                } else {
                    "TCP FIN"
                },
                summary: if from_client {
                    "connection closed by the client"
                } else {
                    "connection closed by the server"
                },
                status: None,
                krb_error: None,
                normal_step: false,
                smb: false,
            };
            self.push_timeline(ci, &entry);
        }
        self.emit("connection_end", stream, None, || events::ConnectionEnded {
            stream,
            frame,
            time: ts,
            reason,
            by,
        });
    }

    /// One direction of a Kerberos TCP connection ended: one that had
    /// nothing since the client's SYN is kept as refused when the server's
    /// RST ended it, as unanswered when the server sent nothing at all.
    fn kdc_end(&mut self, info: &ConnInfo, e: DirectionEnd) {
        // The client's direction ends first at the capture's end (or an
        // eviction): the server's, after it, says whether it was silent.
        if e.from_client && e.reason != EndReason::Reset && e.reason != EndReason::Fin {
            return;
        }
        let Some((syn_frame, time)) = self.kdc_connecting.remove(&info.stream) else {
            return;
        };
        let end = ConnEnd::new(e.frame, e.ts, e.reason, e.from_client);
        if !(end.server_reset() || (!e.from_client && e.silent)) {
            return;
        }
        if self.model.kdc_tcp_failures.len() >= MAX_KDC_TCP_FAILURES {
            self.model.kdc_tcp_failures_omitted += 1;
            return;
        }
        self.model.kdc_tcp_failures.push(KdcTcpFailure {
            stream: info.stream,
            client: info.client,
            server: info.server,
            syn_frame,
            time,
            end,
        });
    }

    fn message(&mut self, m: &Message<'_>) {
        self.model.first_time.get_or_insert(m.ts);
        self.model.last_time = Some(m.ts);
        if m.kind == Kind::Kerberos {
            if m.transport == crate::pipeline::Transport::Tcp && !self.kdc_connecting.is_empty() {
                self.kdc_connecting.remove(&m.stream);
            }
            self.kerberos(m);
            return;
        }
        let Some(&ci) = self.conn_index.get(&m.stream) else {
            return;
        };
        if let Some(h) = &m.header {
            self.conn_state[ci].last_sent[usize::from(!m.from_client)] =
                Some((m.frame, m.ts, h.command, h.message_id));
        }
        {
            let c = &mut self.model.connections[ci];
            c.messages += 1;
            c.last_frame = m.frame;
            c.last_time = m.ts;
            if !m.from_client {
                c.server_messages += 1;
            }
            if m.missing > 0 && c.gaps > 0 && c.first_gap_message_frame.is_none() {
                c.first_gap_message_frame = Some(m.frame);
            }
        }
        match m.kind {
            Kind::Smb2 => self.smb2(ci, m),
            Kind::Smb2Transform => self.transform(ci, m),
            Kind::Smb2Compressed => self.compressed(ci, m),
            Kind::Smb1 => self.smb1(ci, m),
            // A session message whose protocol id the capture cut: an SMB
            // message of unknown kind, counted as a message, no more.
            Kind::Netbios if m.netbios == Some(crate::smb2::framing::NbssType::SESSION_MESSAGE) => {
            }
            Kind::Netbios => {
                self.model.connections[ci].netbios_messages += 1;
                let dec = m.decode();
                self.netbios(ci, m, &dec);
                self.timeline(ci, m, &dec);
            }
            Kind::Kerberos => {}
        }
    }

    /// A NetBIOS session request, or the server's answer to it.
    fn netbios(&mut self, ci: usize, m: &Message<'_>, dec: &Decoded) {
        use crate::smb2::framing::NbssType;
        use crate::smb2::nbss::NbssPacket;
        let c = &mut self.model.connections[ci];
        let packet = dec.netbios.as_ref().and_then(|r| r.as_deref().ok());
        // a request counts from the client, an answer from the server
        match m.netbios {
            Some(NbssType::SESSION_REQUEST) if m.from_client => {
                let mut s = model::NetbiosSession {
                    request_frame: m.frame,
                    ..Default::default()
                };
                if let Some(NbssPacket::SessionRequest { called, calling }) = packet {
                    s.called_name = called.as_ref().map(|n| n.0.clone());
                    s.calling_name = calling.as_ref().map(|n| n.0.clone());
                }
                c.netbios = Some(Box::new(s));
            }
            Some(t) if !m.from_client => {
                let Some(s) = c.netbios.as_deref_mut().filter(|s| s.answer.is_none()) else {
                    return;
                };
                let answer = match t {
                    NbssType::POSITIVE_RESPONSE => "positive",
                    NbssType::NEGATIVE_RESPONSE => "negative",
                    NbssType::RETARGET_RESPONSE => "retarget",
                    _ => return,
                };
                s.answer = Some(answer);
                s.response_frame = Some(m.frame);
                match packet {
                    Some(NbssPacket::NegativeResponse { error }) => {
                        s.error_code = error.map(|e| e.0);
                        s.error = *error;
                    }
                    Some(p @ NbssPacket::Retarget { ip, .. }) => match p.retarget_to() {
                        Some(to) => s.retarget = Some(to.to_string()),
                        None => s.retarget_address = ip.map(|ip| ip.to_string()),
                    },
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn smb2(&mut self, ci: usize, m: &Message<'_>) {
        let Some(h) = m.header else {
            return;
        };
        let signed = h.is_signed();
        if signed {
            self.model.connections[ci].signed_messages += 1;
        }
        // A request the server sent, or a response the client sent, is no
        // message of a session: SMB2_FLAGS_SERVER_TO_REDIR MUST be set on
        // the server's responses and MUST NOT be on the client's requests
        // ([MS-SMB2] 2.2.1.1, 2.2.1.2). zeek-smb2-fscontrol-port139's one
        // message is such a "response", sent to port 139.
        let right_way = h.is_response() != m.from_client;
        if h.session_id != 0 && !unsigned_by_rule(&h) && right_way {
            let p = if signed {
                Protection::Signed
            } else {
                Protection::Neither
            };
            let binding = self.binding_exchange(ci, m, &h);
            let regardless =
                signed && model::signed_whatever_the_session(h.command, self.dialect_code(ci));
            let at = (m.stream, m.frame);
            self.after_setup(ci, at, h.session_id, p, binding, regardless);
            self.note_unseen_setup(ci, m, h.session_id, p, UnseenMessage::Smb2(h.command));
            // Severity bits 11: an error, such as USER_SESSION_DELETED for a
            // SessionId the server does not know.
            if h.is_response()
                && h.status >> 30 != 3
                && h.command != Command::NEGOTIATE
                && h.command != Command::SESSION_SETUP
            {
                self.unseen_setup(ci, m, h.session_id, false);
            }
        }
        if !h.is_response() {
            self.request(ci, m, &h);
            return;
        }
        self.note_status(m, h.status, StatusCommand::Smb2(h.command));
        // An interim STATUS_PENDING: the final response comes later.
        if h.is_async() && h.status == crate::smb2::body::STATUS_PENDING {
            self.verbose_entry(ci, m, None);
            return;
        }
        let pending = self.conn_state[ci].pending.remove(&h.message_id);
        if let Some(p) = pending.as_ref() {
            self.verified_signature(ci, m, &h, p);
        }
        match h.command {
            Command::NEGOTIATE => self.negotiate_response(ci, m, &h),
            Command::SESSION_SETUP => self.setup_response(ci, m, &h, pending),
            Command::TREE_CONNECT => self.tree_connect_response(ci, m, &h, pending),
            Command::LOGOFF => self.logoff(ci, m, &h, pending),
            Command::TREE_DISCONNECT => self.tree_disconnect(ci, m, &h, pending),
            _ => self.operation_response(ci, m, &h, pending),
        }
    }

    fn request(&mut self, ci: usize, m: &Message<'_>, h: &crate::smb2::Smb2Header) {
        self.chain_step(ci, h);
        if self.model.connections[ci].server_messages == 0 {
            self.tree_use(ci, m, h);
        }
        let detail = match h.command {
            Command::NEGOTIATE => {
                self.negotiate_request(ci, m, h);
                Detail::None
            }
            Command::SESSION_SETUP => {
                let dec = m.decode();
                let req = setup::SetupRequest::new(m, &dec);
                self.timeline(ci, m, &dec);
                Detail::Setup(Box::new(req))
            }
            Command::TREE_CONNECT | Command::CREATE | Command::IOCTL => {
                let dec = m.decode();
                // A DCE/RPC PDU on a pipe is named on the line.
                let noted = match &dec.body {
                    Some(Ok(Body::IoctlRequest(i))) => self.pipe_call(m, h, i),
                    _ => false,
                };
                if h.command != Command::CREATE || self.opts.verbose {
                    self.timeline_rpc(ci, m, &dec, noted, false);
                }
                match &dec.body {
                    Some(Ok(Body::TreeConnectRequest(t))) => Detail::Share(t.share.to_string()),
                    Some(Ok(Body::CreateRequest(c))) => Detail::Open(opens::OpenAsk {
                        name: c.filename.to_string(),
                        desired_access: c.desired_access.0,
                        share_access: c.share_access.0,
                        disposition: Some(c.create_disposition),
                        closed_in_chain: false,
                    }),
                    Some(Ok(Body::IoctlRequest(i))) => Detail::Fsctl(i.ctl_code.to_string()),
                    _ => Detail::None,
                }
            }
            Command::CLOSE => {
                self.verbose_entry(ci, m, None);
                self.close_request(ci, m, h);
                Detail::None
            }
            Command::LOGOFF | Command::TREE_DISCONNECT => {
                self.timeline(ci, m, &Decoded::default());
                Detail::None
            }
            Command::READ | Command::WRITE => {
                let (detail, noted) = self.io_detail(m, h);
                // A WRITE of a DCE/RPC PDU on a pipe is shown as an
                // FSCTL_PIPE_TRANSCEIVE is, with what it asks.
                if noted && self.opts.timeline {
                    self.timeline_rpc(ci, m, &m.decode(), true, false);
                } else {
                    self.verbose_entry(ci, m, None);
                }
                detail
            }
            _ => {
                self.verbose_entry(ci, m, None);
                Detail::None
            }
        };
        if h.command == Command::CANCEL {
            return;
        }
        let p = Pending {
            frame: m.frame,
            ts: m.ts,
            sid: h.session_id,
            tid: h.tree_id,
            signed: h.is_signed() && m.from_client,
            detail,
        };
        self.keep_pending(ci, h.message_id, p);
    }

    /// Keeps a request until its response, under `key` (an SMB2
    /// MessageId, or an SMB1 request's key); past [`MAX_PENDING`] on the
    /// connection, those waiting are forgotten and counted.
    fn keep_pending(&mut self, ci: usize, key: u64, p: Pending) {
        let st = &mut self.conn_state[ci];
        if st.pending.len() >= MAX_PENDING {
            st.pending.clear();
            st.pending_dropped += 1;
            // CLOSEs among them would go unseen.
            self.forget_opens(ci);
        }
        self.conn_state[ci].pending.insert(key, p);
    }

    fn transform(&mut self, ci: usize, m: &Message<'_>) {
        let c = &mut self.model.connections[ci];
        c.encrypted_messages += 1;
        let first = c.encrypted_messages == 1;
        if let Some(sid) = m.transform.and_then(|t| t.session_id) {
            self.mark_session(m.stream, sid, |s| s.encrypted = true);
            if sid != 0 {
                let p = Protection::Encrypted;
                self.after_setup(ci, (m.stream, m.frame), sid, p, false, false);
                self.note_unseen_setup(ci, m, sid, p, UnseenMessage::Transform);
                if !m.from_client {
                    self.unseen_setup(ci, m, sid, false);
                    self.unseen_setup_keyed(ci, m.stream, sid, |u| {
                        u.server_encrypted.get_or_insert(m.frame);
                    });
                }
            }
        }
        if first || self.opts.verbose {
            self.timeline(ci, m, &Decoded::default());
        }
    }

    /// A compression transform: counted; the first one, and any a server
    /// must refuse, go into the timeline.
    fn compressed(&mut self, ci: usize, m: &Message<'_>) {
        self.compressed_after_setup(ci, m.frame);
        let c = &mut self.model.connections[ci];
        c.compressed_messages += 1;
        for u in &mut c.unseen_setup_sessions {
            u.note(Protection::Compressed, m.frame);
        }
        let first = c.compressed_messages == 1;
        let fault = m
            .transform
            .and_then(|t| compression::fault(&t, c.negotiate.as_ref()).map(|f| (t, f)));
        if let Some((t, fault)) = fault {
            match c.bad_compression.as_mut() {
                Some(b) => b.count += 1,
                None => {
                    c.bad_compression = Some(Box::new(BadCompression {
                        frame: m.frame,
                        from_client: m.from_client,
                        original_size: t.original_size,
                        offset: t.offset,
                        algorithm: t.algorithm,
                        fault,
                        count: 1,
                    }))
                }
            }
        }
        if first || fault.is_some() || self.opts.verbose {
            self.timeline(ci, m, &Decoded::default());
        }
    }

    fn smb1(&mut self, ci: usize, m: &Message<'_>) {
        let dec = m.decode();
        let c = &mut self.model.connections[ci];
        setup::smb1_negotiate(c, m, &dec);
        if let Some(x) = dec.smb1.as_ref() {
            smb1::watch(&mut self.conn_state[ci].smb1, c, m, x);
            // A command answered with success, as a logon answered before
            // its chained tree connect was refused.
            let answered = x.is_response && x.command != crate::smb2::smb1::Smb1Command::NEGOTIATE;
            if answered && x.any_succeeded() && c.smb1_used_frame.is_none() {
                c.smb1_used_frame = Some(m.frame);
            }
            // Any answer, an error too: SMB1 was negotiated before it.
            if answered && c.smb1_answered_frame.is_none() {
                c.smb1_answered_frame = Some(m.frame);
            }
        }
        // The timeline entry first: a logon's event follows it, as SMB2's.
        self.timeline(ci, m, &dec);
        if let Some(x) = dec.smb1.as_ref() {
            // Every status, a normal step's too, as SMB2's
            // (`check --expect-status`).
            if x.is_response {
                let command = StatusCommand::Smb1(x.command);
                self.note_status(m, x.read_status().0, command);
            }
            self.smb1_signing(ci, m, x);
            self.smb1_logon(ci, m, x, &dec);
            if x.is_response
                && x.uid != 0
                && x.any_succeeded()
                && x.command != crate::smb2::smb1::Smb1Command::NEGOTIATE
                && x.command != crate::smb2::smb1::Smb1Command::SESSION_SETUP_ANDX
            {
                self.unseen_setup(ci, m, u64::from(x.uid), true);
            }
            self.smb1_files(ci, m, x);
            self.smb1_error(ci, m, x);
        }
    }

    /// Remembers the status of a response in [`Model::statuses`]: an
    /// NTSTATUS, or an SMB1 DOS-form error as [`NtStatus::dos`] keeps it.
    ///
    /// [`NtStatus::dos`]: crate::ntstatus::NtStatus::dos
    fn note_status(&mut self, m: &Message<'_>, status: u32, command: StatusCommand) {
        let statuses = &mut self.model.statuses;
        if statuses.contains_key(&status) {
            return;
        }
        if statuses.len() >= MAX_STATUSES {
            self.model.statuses_omitted += 1;
            return;
        }
        statuses.insert(
            status,
            StatusSeen {
                frame: m.frame,
                stream: m.stream,
                command,
            },
        );
    }

    /// Counts a server's message of `sid` (an SMB1 UID with `smb1`) in
    /// [`Connection::unseen_setup_messages`] when no SESSION_SETUP of the
    /// capture set it up: no entry on this connection, nor for SMB2 on
    /// another connection of the same server (a channel of it). Its entry
    /// in [`Connection::unseen_setup_sessions`] is then shown to be
    /// a session ([`UnseenSetup::shown_frame`]); without one, the
    /// connection's are not all followed
    /// ([`Connection::unseen_setup_untracked`]).
    fn unseen_setup(&mut self, ci: usize, m: &Message<'_>, sid: u64, smb1: bool) {
        if !self.setup_unseen(ci, m.stream, sid, smb1) {
            return;
        }
        let c = &mut self.model.connections[ci];
        c.unseen_setup_messages += 1;
        c.first_unseen_setup_frame.get_or_insert(m.frame);
        c.unseen_setup_smb1 |= smb1;
        match c.unseen_setup_mut(sid, smb1) {
            Some(u) if u.shown_frame.is_none() => {
                u.shown_frame = Some(m.frame);
                let (stream, frame, time) = (m.stream, m.frame, m.ts);
                self.emit("session_in_use", stream, Some(sid), || {
                    events::SessionInUse {
                        stream,
                        frame,
                        time,
                        session_id: HexId(sid),
                        smb1,
                    }
                });
            }
            Some(_) => {}
            None => c.unseen_setup_untracked = true,
        }
    }

    /// No SESSION_SETUP of the capture set up `sid` (an SMB1 UID with
    /// `smb1`) on connection `ci` (`stream`), nor, for SMB2, on another
    /// connection of the same server (a channel of it).
    fn setup_unseen(&self, ci: usize, stream: u64, sid: u64, smb1: bool) -> bool {
        if self.session_index.contains_key(&(stream, sid)) {
            return false;
        }
        let server = self.model.connections[ci].server.ip();
        smb1 || !self.session_by_id.contains_key(&(server, sid))
    }

    /// Counts a message of `sid` (an SMB1 UID for an SMB1 message),
    /// protected as `p`, in its [`Connection::unseen_setup_sessions`]
    /// entry when no SESSION_SETUP of the capture set it up
    /// ([`Builder::setup_unseen`]); the first message of one makes its
    /// entry, while there is room, unless it is a SESSION_SETUP message: a
    /// new session's carries the SessionId the server gives it, before its
    /// entry in the sessions is made.
    fn note_unseen_setup(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        sid: u64,
        p: Protection,
        what: UnseenMessage,
    ) {
        let smb1 = matches!(what, UnseenMessage::Smb1 { .. });
        let setup = matches!(
            what,
            UnseenMessage::Smb2(Command::SESSION_SETUP) | UnseenMessage::Smb1 { setup: true }
        );
        let dialect = self.dialect_code(ci);
        let regardless = matches!(
            what,
            UnseenMessage::Smb2(c) if model::signed_whatever_the_session(c, dialect)
        );
        if !self.setup_unseen(ci, m.stream, sid, smb1) {
            return;
        }
        let c = &mut self.model.connections[ci];
        if let Some(u) = c.unseen_setup_mut(sid, smb1) {
            u.note(p, m.frame);
            if regardless && p == Protection::Signed && u.ended_frame.is_none() {
                u.signed_regardless += 1;
            }
            return;
        }
        if setup || c.unseen_setup_sessions.len() >= MAX_UNSEEN_SETUP_SESSIONS {
            return;
        }
        let mut u = UnseenSetup {
            session_id: sid,
            smb1,
            first_frame: m.frame,
            last_frame: m.frame,
            // The session was there before its first message: the
            // connection's compression transforms so far may be its.
            compressed: c.compressed_messages,
            ..UnseenSetup::default()
        };
        u.note(p, m.frame);
        if regardless && p == Protection::Signed {
            u.signed_regardless = 1;
        }
        c.unseen_setup_sessions.push(u);
    }

    /// A LOGOFF response of `sid` (an SMB1 UID with `smb1`) on connection
    /// `ci` ended its [`Connection::unseen_setup_sessions`] entry.
    pub(super) fn unseen_setup_ended(&mut self, ci: usize, sid: u64, smb1: bool, frame: u64) {
        if let Some(u) = self.model.connections[ci].unseen_setup_mut(sid, smb1) {
            u.ended_frame.get_or_insert(frame);
        }
    }

    /// Counts a message of session `sid` on `stream` ([`Session::note_after_setup`])
    /// on the session's entry of that connection and, when the message is
    /// on another channel than the session's first entry (a bound channel,
    /// or a connection whose binding the capture lacks), on that first
    /// entry too: it counts the messages of every channel.
    ///
    /// A connection whose NEGOTIATE is in the capture and that has no entry
    /// of `sid` set up no session and bound no channel of it: the server
    /// does not find `sid` in that connection's session table and answers
    /// STATUS_USER_SESSION_DELETED ([MS-SMB2] 3.3.5.2.9), so the message is
    /// none of the session's and is not counted. A binding SESSION_SETUP
    /// exchange (`binding`, [MS-SMB2] 3.3.5.5) is the session's before its
    /// channel's entry exists, and is counted on the first entry.
    /// `regardless`: a signed message that [MS-SMB2] signs whatever the
    /// session's signing ([`Session::signed_regardless_after_setup`]).
    pub(super) fn after_setup(
        &mut self,
        ci: usize,
        (stream, frame): (u64, u64),
        sid: u64,
        p: Protection,
        binding: bool,
        regardless: bool,
    ) {
        let own = self.session_index.get(&(stream, sid)).copied();
        let channel = match own.and_then(|i| self.model.sessions.get_mut(i)) {
            Some(s) => {
                if s.note_after_setup(p, frame) && regardless {
                    s.signed_regardless_after_setup += 1;
                }
                s.bound_to_stream.is_some()
            }
            // Only a connection begun before the capture can hide a binding.
            None => binding || self.model.connections[ci].negotiate.is_none(),
        };
        if !channel {
            return;
        }
        let server = self.model.connections[ci].server.ip();
        let Some(&first) = self.session_by_id.get(&(server, sid)) else {
            return;
        };
        if Some(first) == own {
            return;
        }
        if let Some(s) = self.model.sessions.get_mut(first) {
            if s.stream != stream && s.note_after_setup(p, frame) && regardless {
                s.signed_regardless_after_setup += 1;
            }
        }
    }

    /// The DialectRevision connection `ci` negotiated; 0 when the capture
    /// does not show it.
    fn dialect_code(&self, ci: usize) -> u16 {
        self.model.connections[ci]
            .negotiate
            .as_ref()
            .map_or(0, |n| n.dialect_code)
    }

    /// The server's final response `m` (header `h`) to request `p`: when
    /// the request was signed and is of a session whose SESSION_SETUP the
    /// capture lacks, not one SMB signs whatever the session
    /// ([`signed_whatever_the_session`]), and the response is not an error,
    /// the server verified its signature ([MS-SMB2] 3.3.5.2.4): the
    /// session's client signs it ([`UnseenSetup::verified_signed`]).
    fn verified_signature(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        h: &crate::smb2::Smb2Header,
        p: &Pending,
    ) {
        let error = crate::ntstatus::NtStatus(h.status).is_error();
        if !p.signed || p.sid == 0 || m.from_client || error {
            return;
        }
        if model::signed_whatever_the_session(h.command, self.dialect_code(ci)) {
            return;
        }
        let frames = (p.frame, m.frame);
        self.unseen_setup_keyed(ci, m.stream, p.sid, |u| {
            u.verified_signed.get_or_insert(frames);
        });
    }

    /// Notes with `f` what shows that SMB2 session `sid` on connection
    /// `ci` (`stream`) has a key ([`UnseenSetup::verified_signed`],
    /// [`UnseenSetup::server_encrypted`]), when no SESSION_SETUP of the
    /// capture set it up and its entry is followed and not ended.
    fn unseen_setup_keyed(
        &mut self,
        ci: usize,
        stream: u64,
        sid: u64,
        f: impl FnOnce(&mut UnseenSetup),
    ) {
        if !self.setup_unseen(ci, stream, sid, false) {
            return;
        }
        if let Some(u) = self.model.connections[ci].unseen_setup_mut(sid, false) {
            if u.ended_frame.is_none() {
                f(u);
            }
        }
    }

    /// `m` is a SESSION_SETUP request with the BINDING flag ([MS-SMB2]
    /// 2.2.5), or the response to one that is still pending.
    fn binding_exchange(&self, ci: usize, m: &Message<'_>, h: &crate::smb2::Smb2Header) -> bool {
        if h.command != Command::SESSION_SETUP {
            return false;
        }
        if !h.is_response() {
            // Flags, after the body's StructureSize.
            let flags = m.bytes.get(crate::smb2::header::HEADER_LEN + 2).copied();
            return flags.is_some_and(|f| {
                crate::smb2::session_setup::SessionSetupRequestFlags(f)
                    .contains(crate::smb2::session_setup::SessionSetupRequestFlags::BINDING)
            });
        }
        matches!(
            self.conn_state[ci].pending.get(&h.message_id),
            Some(Pending { detail: Detail::Setup(req), .. }) if req.binding
        )
    }

    /// A compression transform on connection `ci`: which session it is of
    /// is inside its compressed SMB2 header, so it is counted
    /// ([`Session::compressed_after_setup`]) on every session of the
    /// connection that is set up and not logged off, and for a bound
    /// channel on the session's first entry too (which counts the messages
    /// of every channel). Only the connection's latest
    /// [`MAX_COMPRESSED_SESSIONS`] sessions are looked at, so a connection
    /// with a great many sessions costs a bounded time per transform.
    fn compressed_after_setup(&mut self, ci: usize, frame: u64) {
        let server = self.model.connections[ci].server.ip();
        let stream = self.model.connections[ci].stream;
        let n = self.model.connections[ci].session_indexes.len();
        for k in (n.saturating_sub(MAX_COMPRESSED_SESSIONS)..n).rev() {
            let i = self.model.connections[ci].session_indexes[k];
            let Some(s) = self.model.sessions.get_mut(i) else {
                continue;
            };
            s.note_after_setup(Protection::Compressed, frame);
            if s.bound_to_stream.is_none() {
                continue;
            }
            let sid = s.id;
            let first = self.session_by_id.get(&(server, sid)).copied();
            if let Some(f) = first
                .filter(|&f| f != i)
                .and_then(|f| self.model.sessions.get_mut(f))
            {
                if f.stream != stream {
                    f.note_after_setup(Protection::Compressed, frame);
                }
            }
        }
    }

    /// Applies `f` to the session (stream, sid), if known.
    fn mark_session(&mut self, stream: u64, sid: u64, f: impl FnOnce(&mut Session)) {
        if sid == 0 {
            return;
        }
        if let Some(&i) = self.session_index.get(&(stream, sid)) {
            f(&mut self.model.sessions[i]);
        }
    }

    /// Adds a message to the timeline in verbose mode only.
    fn verbose_entry(&mut self, ci: usize, m: &Message<'_>, dec: Option<&Decoded>) {
        if !self.opts.verbose || !self.opts.timeline {
            return;
        }
        match dec {
            Some(d) => self.timeline(ci, m, d),
            None => {
                let d = m.decode();
                self.timeline(ci, m, &d);
            }
        }
    }

    /// Adds a message to a connection's timeline.
    pub(crate) fn timeline(&mut self, ci: usize, m: &Message<'_>, dec: &Decoded) {
        self.timeline_noted(ci, m, dec, None);
    }

    /// [`Builder::timeline`] with `note` after the summary.
    pub(crate) fn timeline_noted(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        dec: &Decoded,
        note: Option<&str>,
    ) {
        self.timeline_entry(ci, m, dec, note.map(|n| (n, false)), false);
    }

    /// [`Builder::timeline`] of a response whose error status is a normal
    /// step where it came ([`benign_in_context`]).
    pub(crate) fn timeline_normal_step(&mut self, ci: usize, m: &Message<'_>, dec: &Decoded) {
        self.timeline_entry(ci, m, dec, None, true);
    }

    /// [`Builder::timeline`] with [`Builder::rpc_note`] after the summary
    /// when `noted`; `normal_step`: see [`TimelineEntry::normal_step`].
    /// Without `--verbose`, the note is all a response's line and a
    /// WRITE's says ("bind_ack accepted", not "len 92"): the interface, the
    /// call and its answer are what the line is shown for, and fit it.
    pub(crate) fn timeline_rpc(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        dec: &Decoded,
        noted: bool,
        normal_step: bool,
    ) {
        if !noted {
            self.timeline_entry(ci, m, dec, None, normal_step);
            return;
        }
        let note = std::mem::take(&mut self.rpc_note);
        let write = matches!(dec.body, Some(Ok(Body::WriteRequest(_))));
        let alone = !self.opts.verbose && (!m.from_client || write);
        self.timeline_entry(ci, m, dec, Some((&note, alone)), normal_step);
        self.rpc_note = note;
    }

    /// [`Builder::timeline_noted`]; `note`: what follows the summary, and
    /// whether it replaces the short one; `normal_step`: see
    /// [`TimelineEntry::normal_step`].
    fn timeline_entry(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        dec: &Decoded,
        note: Option<(&str, bool)>,
        normal_step: bool,
    ) {
        if !self.opts.timeline || self.timeline_full(ci) {
            return;
        }
        // Kerberos messages on port 88 have their own entry (kdc.rs).
        let command = command_str(m, dec).unwrap_or(Cow::Borrowed(m.kind.name()));
        let mut text = std::mem::take(&mut self.timeline_summary);
        text.clear();
        if self.opts.verbose {
            text.push_str(&summary(m, dec));
        } else if !note.is_some_and(|(_, alone)| alone) {
            short_summary(&mut text, m, dec);
        }
        if let Some((n, _)) = note {
            if !text.is_empty() {
                text.push_str("  ");
            }
            text.push_str(n);
        }
        let entry = TimelineEntry {
            frame: m.frame,
            time: m.ts,
            from_client: m.from_client,
            command: &command,
            summary: &text,
            status: crate::report::messages::read_status_of(m).map(|s| s.0),
            krb_error: None,
            normal_step,
            smb: true,
        };
        self.push_timeline(ci, &entry);
        self.timeline_summary = text;
    }

    /// The connection's timeline holds [`MAX_TIMELINE`] entries: one more
    /// is counted as omitted (and need not be made).
    pub(crate) fn timeline_full(&mut self, ci: usize) -> bool {
        let c = &mut self.model.connections[ci];
        if c.timeline.kept < MAX_TIMELINE {
            return false;
        }
        c.timeline_omitted += 1;
        true
    }

    /// Writes an entry into a connection's timeline, within [`MAX_TIMELINE`].
    pub(crate) fn push_timeline(&mut self, ci: usize, e: &TimelineEntry<'_>) {
        if self.timeline_full(ci) {
            return;
        }
        let start = self
            .model
            .capture_start
            .or(self.model.first_time)
            .unwrap_or_default();
        let style = crate::report::style::Style {
            color: self.opts.color,
        };
        let t = &mut self.model.connections[ci].timeline;
        if t.text.capacity() == 0 {
            // Room for a dozen lines before the first growth.
            t.text.reserve(TIMELINE_FIRST_CAPACITY);
        }
        crate::report::timeline::write_entry(&mut t.text, e, start, self.opts.verbose, style);
        t.kept += 1;
        if e.smb {
            t.smb_kept += 1;
        }
    }

    /// Closes a connection whose two directions ended: requests never
    /// answered become unfinished rounds and counts, its Kerberos sessions
    /// are given the KDC exchange that fetched their ticket. It is then
    /// handed out by [`Builder::next_closed`].
    fn close(&mut self, ci: usize) {
        if std::mem::replace(&mut self.conn_state[ci].closed, true) {
            return;
        }
        self.finish_connection(ci);
        self.forget_opens(ci);
        // What only the connection's messages to come would read: freed
        // now, not kept with every connection to the end (the SMB1 requests
        // are 1.5 KiB a connection that sent any).
        let st = &mut self.conn_state[ci];
        st.smb1_requests = None;
        st.smb1 = None;
        st.smb1_refused_open = None;
        let sessions = std::mem::take(&mut self.model.connections[ci].session_indexes);
        for &si in &sessions {
            kdc::join_session(&mut self.model, &self.kdc_index, si);
        }
        self.model.connections[ci].session_indexes = sessions;
        self.closed.push(ci);
    }

    /// A connection closed since the last call, whose timeline will not
    /// change any more (its sessions still may, by binding or re-use of
    /// the SessionId on another connection).
    pub fn next_closed(&mut self) -> Option<usize> {
        self.closed.pop()
    }

    /// Closes every connection still open (the capture ended).
    pub fn close_all(&mut self) {
        for ci in 0..self.model.connections.len() {
            self.close(ci);
        }
    }

    /// Ends the build (closing what is still open) and returns the model.
    pub fn finish(mut self) -> Model {
        self.close_all();
        for s in &mut self.model.sessions {
            s.encryption = Encryption::of(s);
        }
        kdc::mark_answered_retries(&mut self.model.kdc);
        pipes::drop_unshown(&mut self.model, None);
        pipes::rpc_on_files(&mut self.model);
        let mut model = std::mem::take(&mut self.model);
        unseen::fill(&mut model);
        // The builder's tables are freed first: the index takes their room,
        // not more (peak RSS on session-1g).
        drop(self);
        model.index_streams();
        model
    }

    fn finish_connection(&mut self, ci: usize) {
        let st = &mut self.conn_state[ci];
        let pending = std::mem::take(&mut st.pending);
        let pending_dropped = st.pending_dropped;
        // By frame, then MessageId: several requests can share a frame, and
        // the table's (randomly keyed) order must not leak into the model.
        // The commands of one SMB1 AndX chain (kept apart under their
        // commands) are next to each other: one request, answered by one
        // response ([MS-CIFS] 2.2.3.4), counted once.
        // An SMB1 READ_ANDX's or WRITE_ANDX's FID, kept for per-file
        // counts only when opens are followed (`smb1_files`), is no request
        // of those counted here, which SMB1 keeps whatever is followed.
        let mut left: Vec<(u64, Pending)> = pending
            .into_iter()
            .filter(|(id, p)| !(smb1_logon::is_smb1_key(*id) && matches!(p.detail, Detail::Io(_))))
            .collect();
        left.sort_unstable_by_key(|(id, p)| (p.frame, smb1_logon::message_key(*id), *id));
        let chained = left
            .windows(2)
            .filter(|w| {
                let ((a, pa), (b, pb)) = (&w[0], &w[1]);
                pa.frame == pb.frame
                    && a != b
                    && smb1_logon::message_key(*a) == smb1_logon::message_key(*b)
            })
            .count();
        let c = &mut self.model.connections[ci];
        c.unanswered_requests = (left.len() - chained) as u64 + pending_dropped;
        c.first_unanswered_frame = left.first().map(|(_, p)| p.frame);
        let one_sided = c.server_messages == 0 && c.server_gap_bytes > 0;
        let mut tree_connects = Vec::new();
        let mut creates = Vec::new();
        // The unanswered requests whose events are written now: (frame,
        // time, a tree connect, its session's or tree's index).
        let mut unanswered = Vec::new();
        for (_, p) in left {
            match p.detail {
                Detail::Setup(req) => {
                    let si = self.unanswered_setup(ci, &p.frame, p.ts, p.sid, *req);
                    unanswered.push((p.frame, p.ts, false, si));
                }
                Detail::Share(share) if one_sided => {
                    tree_connects.push((p.frame, p.ts, p.sid, share));
                }
                Detail::Open(ask) if one_sided => creates.push((p.frame, p.sid, p.tid, ask)),
                _ => {}
            }
        }
        self.went_on(ci);
        if one_sided {
            let trees = self.unanswered_tree_connects(ci, tree_connects);
            let made: Vec<usize> = trees.iter().map(|t| t.2).collect();
            self.list_unanswered_creates(ci, &made, creates);
            self.unanswered_pipes_closed(ci, &made, true);
            unanswered.extend(trees.into_iter().map(|(f, ts, t)| (f, ts, true, t)));
        } else {
            self.unanswered_pipes_closed(ci, &[], false);
        }
        // In the order of the requests (they are after the session's
        // events, written when the connection closes: what the client
        // went on with is known then).
        unanswered.sort_by_key(|u| u.0);
        for (frame, ts, tree, i) in unanswered {
            if tree {
                self.unanswered_tree_event(i, ts);
            } else {
                self.unanswered_setup_event(i, frame, ts);
            }
        }
    }
}

/// Bytes first given to a connection's timeline text.
const TIMELINE_FIRST_CAPACITY: usize = 2048;

/// The body and token summary, without header fields, appended to `s`
/// (which holds nothing yet).
fn short_summary(s: &mut String, m: &Message<'_>, dec: &Decoded) {
    // The parts are joined by two spaces; an empty part is left out.
    fn part(s: &mut String, p: &str) {
        if !p.is_empty() {
            sep(s);
            s.push_str(p);
        }
    }
    fn sep(s: &mut String) {
        if !s.is_empty() {
            s.push_str("  ");
        }
    }
    // `part` for a part written straight into `s` by `write`.
    fn part_into(s: &mut String, write: impl FnOnce(&mut String)) {
        let start = s.len();
        sep(s);
        let text = s.len();
        write(s);
        if s.len() == text {
            s.truncate(start);
        }
    }
    match &dec.body {
        Some(Ok(Body::Error(_))) | None => {}
        Some(Ok(b)) => part_into(s, |s| b.summary_into(s)),
        Some(Err(e)) => {
            sep(s);
            let _ = write!(s, "[{e}]");
        }
    }
    if let Some(Ok(a)) = &dec.auth {
        part_into(s, |s| a.summary_into(s));
    }
    if let Some(Ok(k)) = &dec.kerberos {
        part_into(s, |s| k.summary_into(s));
    }
    if let Some(s1) = &dec.smb1 {
        if let Some(n) = &s1.negotiate {
            part(s, &setup::smb1_summary(n));
        }
        if let Some(d) = s1.trans_detail().or_else(|| s1.logon_detail()) {
            part(s, &d);
        } else if let Some(d) = crate::smb2::smb1_file::files_detail(&s1.file_commands) {
            part(s, &d);
        }
    }
    if let Some(t) = &m.transform {
        match (m.kind, t.session_id) {
            (Kind::Smb2Transform, Some(id)) => {
                sep(s);
                let _ = write!(s, "encrypted (session {id:#x}); what follows is encrypted");
            }
            (Kind::Smb2Transform, None) => {
                part(s, "encrypted (session cut off); what follows is encrypted")
            }
            _ => part(s, &crate::report::messages::compressed_summary(t)),
        }
    }
    if let Some(nb) = m.netbios {
        sep(s);
        let _ = match &dec.netbios {
            Some(Ok(p)) => write!(s, "NetBIOS {}", p.summary()),
            _ => write!(s, "NetBIOS {}", nb.name().unwrap_or("packet")),
        };
    }
}

/// What a message counted in [`Connection::unseen_setup_sessions`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnseenMessage {
    /// An SMB2 message of this command.
    Smb2(Command),
    /// A TRANSFORM (encrypted) message.
    Transform,
    /// An SMB1 message; `setup`: a SESSION_SETUP_ANDX.
    Smb1 { setup: bool },
}

/// A message that may go unsigned in a signed session, not counted in
/// [`Session::messages_after_setup`]: an interim STATUS_PENDING response
/// ([MS-SMB2] 3.3.4.1.1; the client does not verify it, 3.2.5.1.3), a
/// notification with MessageId 0xFFFFFFFFFFFFFFFF such as an oplock or
/// lease break (3.2.5.1.3), a CANCEL request (it takes no sequence number,
/// 3.2.4.24, and servers accept it unsigned: Samba's smbd "Cancel requests
/// are allowed to skip the signing").
fn unsigned_by_rule(h: &crate::smb2::Smb2Header) -> bool {
    if h.message_id == u64::MAX {
        return true;
    }
    if h.is_response() {
        h.status == crate::smb2::body::STATUS_PENDING
    } else {
        h.command == Command::CANCEL
    }
}

/// A benign status in context: a normal step of the protocol, not an error.
pub(crate) fn benign_in_context(command: Command, status: u32, detail: &Detail) -> bool {
    use crate::ntstatus::NtStatus as S;
    if crate::ntstatus::is_benign(status) {
        return true;
    }
    // A search whose pattern matches nothing: the first QUERY_DIRECTORY is
    // answered so, later ones NO_MORE_FILES ([MS-FSA] 2.1.5.6.3).
    if command == Command::QUERY_DIRECTORY && S(status) == S::NO_SUCH_FILE {
        return true;
    }
    // A DFS referral request answered by a server (or path) without DFS.
    let dfs = matches!(detail, Detail::Fsctl(f) if f.contains("DFS_GET_REFERRALS"));
    dfs && command == Command::IOCTL && no_dfs_referral(S(status))
}

/// A status a server without DFS (or a path outside it) answers a DFS
/// referral request with (SMB2's FSCTL_DFS_GET_REFERRALS, SMB1's
/// TRANS2_GET_DFS_REFERRAL): the client goes on without DFS.
pub(crate) fn no_dfs_referral(status: crate::ntstatus::NtStatus) -> bool {
    use crate::ntstatus::NtStatus as S;
    matches!(
        status,
        S::NOT_FOUND
            | S::FS_DRIVER_REQUIRED
            | S::INVALID_PARAMETER
            | S::INVALID_DEVICE_REQUEST
            | S::NOT_SUPPORTED
    )
}

/// The SMB2 message that retransmitted bytes (`head`, their first bytes)
/// begin with, when they begin with a NetBIOS session message ([MS-SMB2]
/// 2.1: a zero byte and a 3-byte length) holding an SMB2 header; `last` is
/// the last SMB2 message the same side sent (frame, time, command,
/// MessageId): the retransmitted one's first sending when they match.
fn stalled_message(
    head: &[u8],
    last: Option<(u64, Timestamp, Command, u64)>,
) -> Option<StalledMessage> {
    if head.first() != Some(&0) {
        return None;
    }
    let smb = head.get(4..)?;
    let h = crate::smb2::Smb2Header::parse(smb).ok()?;
    let structure_size = crate::smb2::wire::u16_at(smb, crate::smb2::header::HEADER_LEN);
    let first_sent = last
        .filter(|&(_, _, command, mid)| command == h.command && mid == h.message_id)
        .map(|(frame, ts, ..)| (frame, ts));
    Some(StalledMessage {
        command: h.command,
        response: h.is_response(),
        message_id: h.message_id,
        structure_size,
        first_sent,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::capture::CaptureReader;
    use crate::pipeline::{self, Options};
    use crate::smb2::Smb2Header;

    /// [`Model::connection`] finds through [`Model::streams`] what the
    /// search of the connections finds, for every stream of every sample
    /// and public capture and for those between and after them, which no
    /// connection has; the index is there whenever the model has
    /// connections.
    #[test]
    fn the_stream_index_finds_what_the_connections_search_finds() {
        let mut indexed = 0;
        for path in crate::test_captures::all() {
            let Some(mut r) = std::fs::File::open(&path)
                .ok()
                .and_then(|f| CaptureReader::new(f).ok())
            else {
                continue;
            };
            let mut b = Builder::new(BuildOptions::default());
            pipeline::run(&mut r, &Options::default(), |ev| b.event(ev));
            let mut m = b.finish();
            if m.connections.is_empty() {
                continue;
            }
            assert_eq!(m.streams.len(), m.connections.len(), "{}", path.display());
            indexed += 1;
            let last = m.streams.last().copied().unwrap_or(0);
            let found: Vec<Option<*const Connection>> = (0..last + 3)
                .map(|n| m.connection(n).map(|c| c as *const Connection))
                .collect();
            m.streams.clear();
            for (n, f) in found.iter().enumerate() {
                let want = m.connection(n as u64).map(|c| c as *const Connection);
                assert_eq!(*f, want, "{} stream {n}", path.display());
            }
        }
        assert!(indexed > 100, "{indexed} captures with connections");
    }

    /// [`Model::statuses`] keeps at most [`MAX_STATUSES`] distinct statuses,
    /// the first seen. The real responses of ntlm-wrong-password.pcap go
    /// through [`Builder::event`]; right after the first one (the NEGOTIATE
    /// response, frame 6, STATUS_SUCCESS) the same message is given again
    /// with 5000 other statuses, which fill the set. The capture's later
    /// statuses (MORE_PROCESSING_REQUIRED at frame 9, LOGON_FAILURE at 11)
    /// find it full: they are counted in `statuses_omitted`, not kept; a
    /// status the set already holds is not counted.
    #[test]
    fn the_status_set_keeps_the_first_statuses_up_to_its_cap() {
        const EXTRA: u32 = 5000;
        const BASE: u32 = 0xC0F0_0000;
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/ntlm-wrong-password.pcap");
        let mut r = CaptureReader::new(std::fs::File::open(path).expect("sample")).expect("pcap");
        let mut b = Builder::new(BuildOptions::default());
        let mut replayed = false;
        let mut responses = Vec::new();
        pipeline::run(&mut r, &Options::default(), |ev| {
            let first = match ev {
                Event::Message(m) => m.header.filter(|h| h.is_response()).map(|h| (*m, h)),
                _ => None,
            };
            b.event(ev);
            let Some((m, h)) = first else { return };
            responses.push((m.frame, h.status));
            if replayed {
                return;
            }
            replayed = true;
            for i in 0..=EXTRA {
                // The last one repeats the first: already in the set.
                let status = BASE + i % EXTRA;
                let mut copy = m;
                copy.header = Some(Smb2Header { status, ..h });
                b.event(Event::Message(&copy));
            }
        });
        assert_eq!(
            responses,
            [(6, 0), (9, 0xC000_0016), (11, 0xC000_006D)],
            "the sample's responses"
        );
        let model = b.finish();
        let s = &model.statuses;
        assert_eq!(s.len(), MAX_STATUSES);
        assert_eq!(
            s.get(&0).map(|x| (x.frame, x.command)),
            Some((6, StatusCommand::Smb2(Command::NEGOTIATE)))
        );
        // SUCCESS came first, then BASE, BASE + 1, …: 4095 of them fit.
        let kept = MAX_STATUSES as u32 - 1;
        assert!((0..kept).all(|i| s.get(&(BASE + i)).is_some_and(|x| x.frame == 6)));
        assert!((kept..EXTRA).all(|i| !s.contains_key(&(BASE + i))));
        assert!(!s.contains_key(&0xC000_0016) && !s.contains_key(&0xC000_006D));
        assert_eq!(model.statuses_omitted, u64::from(EXTRA - kept) + 2);
    }

    /// The compression transform of pcapattack-smbghost-loopback-compression
    /// (frame 8: the CVE-2020-0796 exploit's, its SMB2 header compressed):
    /// its bytes, length and header fields. None without the corpus.
    fn smbghost_transform() -> Option<(Vec<u8>, u32, crate::pipeline::TransformInfo)> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/public/pcapattack-smbghost-loopback-compression.pcapng");
        let mut r = CaptureReader::new(std::fs::File::open(p).ok()?).expect("pcapng");
        let mut found = None;
        pipeline::run(&mut r, &Options::default(), |ev| {
            if let Event::Message(m) = ev {
                if m.kind == Kind::Smb2Compressed {
                    found = Some((m.bytes.to_vec(), m.len, m.transform.expect("fields")));
                }
            }
        });
        found
    }

    /// A compression transform after a session's setup is counted apart
    /// ([`Session::compressed_after_setup`]), not as signed nor unsigned,
    /// and `check --require signing` says it could not be checked. The
    /// session is that of signing-server-mandatory-client-disabled.pcap (24
    /// messages after the setup, all signed); the real compressed transform
    /// of the SMBGhost capture is handed to the builder as a message of
    /// that connection from the client, after each TREE_CONNECT response
    /// (frames 13 and 19).
    #[test]
    fn a_compressed_message_after_the_setup_is_counted_as_unchecked() {
        let Some((bytes, len, t)) = smbghost_transform() else {
            return;
        };
        assert_eq!((t.original_size, t.offset), (Some(0xFFFF_FFFF), Some(16)));
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples/signing-server-mandatory-client-disabled.pcap");
        let mut r = CaptureReader::new(std::fs::File::open(path).expect("sample")).expect("pcap");
        let mut b = Builder::new(BuildOptions::default());
        let mut after = Vec::new();
        pipeline::run(&mut r, &Options::default(), |ev| {
            let at = match ev {
                Event::Message(m) => m
                    .header
                    .filter(|h| h.is_response() && h.command == Command::TREE_CONNECT)
                    .map(|_| *m),
                _ => None,
            };
            b.event(ev);
            let Some(m) = at else { return };
            after.push(m.frame);
            let compressed = Message {
                frame: m.frame,
                from_client: true,
                kind: Kind::Smb2Compressed,
                header: None,
                transform: Some(t),
                bytes: &bytes,
                len,
                request: None,
                ..m
            };
            b.event(Event::Message(&compressed));
        });
        assert_eq!(after, [13, 19], "the sample's TREE_CONNECT responses");
        let model = b.finish();
        assert_eq!(model.connections[0].compressed_messages, 2);
        let s = &model.sessions[0];
        assert_eq!(
            (
                s.messages_after_setup,
                s.signed_after_setup,
                s.compressed_after_setup,
                s.first_unsigned_frame,
                s.is_signed()
            ),
            (24, 24, 2, None, true)
        );
        let policy = crate::check::Policy {
            require: vec!["signing".to_string()],
            ..Default::default()
        };
        let d = crate::diagnose::diagnose(&model);
        let scope = crate::check::Scope {
            model: &model,
            diagnosis: &d,
            ports: &[445, 139],
            only: None,
        };
        let [r] = &crate::check::evaluate(&policy, &scope)[..] else {
            panic!("one check");
        };
        assert!(r.pass(), "{}", r.evidence);
        assert!(
            r.evidence.contains(
                "24 of 24 message(s) after its setup signed; 2 compressed message(s) on its connection could not be checked"
            ),
            "{}",
            r.evidence
        );
    }
}
