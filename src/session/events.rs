//! The events of `--format jsonl` (docs/report.md, schema/report-events.schema.json),
//! serialized when they happen: the line holds the state of the model at
//! that moment, as later messages may change it. Each line is
//! `{"type":KIND,...}` with the event's keys in their declared order, written
//! with serde straight into one buffer (no `serde_json::Value` tree per
//! event); a [`EventMark`] per line keeps what the filters need.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::model::{ErrorEvent, HexId, KdcExchange, Negotiate, Outcome, Round, TreeWentOn, WentOn};
use crate::capture::Timestamp;
use crate::ntstatus::NtStatus;
use crate::smb2::tree::ShareType;

/// Where a line is in [`EventLines::buf`], and the keys the filters look at.
#[derive(Clone, Copy, Debug)]
pub struct EventMark {
    pub start: usize,
    pub end: usize,
    /// The event's top-level `stream`.
    pub stream: u64,
    /// The event's top-level `session_id`, if it has one.
    pub session_id: Option<u64>,
    /// A `kerberos` event over UDP: its `stream` is a udp.stream, which
    /// `--stream` (a tcp.stream) does not name.
    pub udp: bool,
    /// A `kerberos` event: the SMB connection (tcp.stream) it is joined to.
    pub smb_stream: Option<u64>,
    /// The client's and the server's address: of the event's connection,
    /// or of a `kerberos` event's client and KDC (what `--host` looks at).
    pub hosts: Option<(IpAddr, IpAddr)>,
}

/// Event lines made since the reader last took them.
#[derive(Debug, Default)]
pub struct EventLines {
    buf: Vec<u8>,
    marks: Vec<EventMark>,
}

impl EventLines {
    /// Adds one line: `v` (a struct) with `"type": kind` first; `hosts`,
    /// the client's and the server's address.
    pub fn push<T: Serialize>(
        &mut self,
        kind: &str,
        stream: u64,
        session_id: Option<u64>,
        hosts: Option<(IpAddr, IpAddr)>,
        v: &T,
    ) {
        let start = self.buf.len();
        if record_into(&mut self.buf, kind, v).is_err() {
            // Only a type that is not an object gets here (a bug, not input).
            self.buf.truncate(start);
            return;
        }
        self.marks.push(EventMark {
            start,
            end: self.buf.len(),
            stream,
            session_id,
            udp: false,
            smb_stream: None,
            hosts,
        });
    }

    /// Adds a `kerberos` line: [`EventLines::push`], with what `--stream`
    /// looks at for a KDC exchange (its transport and its SMB connection).
    pub(super) fn push_kerberos(&mut self, x: &KdcExchange, v: &Kerberos<'_>) {
        let n = self.marks.len();
        let hosts = Some((x.client.ip(), x.server.ip()));
        self.push("kerberos", x.stream, None, hosts, v);
        if let Some(m) = self.marks.get_mut(n) {
            m.udp = x.transport == "udp";
            m.smb_stream = x.smb_stream;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Each line (ending in `\n`) with its mark.
    pub fn lines(&self) -> impl Iterator<Item = (&EventMark, &[u8])> + '_ {
        self.marks.iter().map(|m| (m, &self.buf[m.start..m.end]))
    }

    /// Forgets the lines, keeping the buffers (within 1 MiB).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.marks.clear();
        if self.buf.capacity() > 1 << 20 {
            self.buf = Vec::new();
        }
    }
}

/// Appends `v` (a struct, serialized as an object) to `line` as one line
/// with `"type": kind` first and then its keys in their declared order.
pub fn record_into<T: Serialize>(line: &mut Vec<u8>, kind: &str, v: &T) -> std::io::Result<()> {
    line.extend_from_slice(b"{\"type\":");
    crate::json::push_str(line, kind);
    let start = line.len();
    crate::json::to_vec(line, v)?;
    match &line[start..] {
        b"{}" => {
            line.truncate(start);
            line.push(b'}');
        }
        [b'{', ..] => line[start] = b',',
        _ => {
            return Err(std::io::Error::other(
                "a report record is not a JSON object",
            ))
        }
    }
    line.push(b'\n');
    Ok(())
}

/// `connection`: an SMB connection's first frame.
#[derive(Serialize)]
pub(super) struct ConnectionOpened {
    pub stream: u64,
    pub frame: u64,
    pub time: Timestamp,
    pub client: SocketAddr,
    pub server: SocketAddr,
}

/// `gap`: bytes missing from a connection.
#[derive(Serialize)]
pub(super) struct Gap {
    pub stream: u64,
    pub frame: u64,
    /// The time of `frame`, the frame the gap is placed at.
    pub time: Timestamp,
    pub bytes: u64,
}

/// `connection_end`: the first direction of a connection ended.
#[derive(Serialize)]
pub(super) struct ConnectionEnded {
    pub stream: u64,
    pub frame: u64,
    pub time: Timestamp,
    pub reason: &'static str,
    pub by: &'static str,
}

/// `negotiate_request`: an SMB2 NEGOTIATE request.
#[derive(Serialize)]
pub(super) struct NegotiateRequest {
    pub stream: u64,
    pub frame: u64,
    pub time: Timestamp,
    /// How many dialects the client offered.
    pub dialects: usize,
}

/// `negotiate`: a NEGOTIATE response and the connection's result so far.
#[derive(Serialize)]
pub(super) struct NegotiateDone<'a> {
    pub stream: u64,
    pub frame: u64,
    pub time: Timestamp,
    pub negotiate: &'a Negotiate,
}

/// `session_setup`: a SESSION_SETUP response, with the session so far;
/// or, when the connection closes, a SESSION_SETUP request the capture
/// holds no response to (its `frame` and `time` the request's, `round`
/// the unanswered one, [`WentOn`] as the session's).
#[derive(Serialize)]
pub(super) struct SessionSetup<'a> {
    pub stream: u64,
    pub session_id: HexId,
    pub frame: u64,
    pub time: Timestamp,
    pub outcome: Outcome,
    pub user: Option<&'a str>,
    pub domain: Option<&'a str>,
    pub mechanism: Option<&'a str>,
    pub round: Option<&'a Round>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_went_on: Option<&'a WentOn>,
}

/// `logoff`: a LOGOFF response.
#[derive(Serialize)]
pub(super) struct Logoff {
    pub stream: u64,
    pub frame: u64,
    pub time: Timestamp,
    pub session_id: HexId,
}

/// `session_in_use`: the server's first message that shows a session
/// whose SESSION_SETUP the capture lacks ([`super::UnseenSetup::shown_frame`];
/// its `sessions[]` entry, outcome `unseen`, comes after the capture).
#[derive(Serialize)]
pub(super) struct SessionInUse {
    pub stream: u64,
    pub frame: u64,
    pub time: Timestamp,
    /// The SessionId (SMB1: the UID, with `smb1`).
    pub session_id: HexId,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub smb1: bool,
}

/// `tree_connect`: a TREE_CONNECT response; or, when the connection
/// closes, a TREE_CONNECT request a capture lacking the server's side
/// holds no response to (its `frame` and `time` the request's, `status`
/// none, [`TreeWentOn`] as the tree's).
#[derive(Serialize)]
pub(super) struct TreeConnect<'a> {
    pub stream: u64,
    pub frame: u64,
    pub time: Timestamp,
    pub session_id: HexId,
    /// The tree's `tree_id`: the TreeId of a response with success
    /// ([MS-SMB2] 2.2.10, 3.2.5.5; SMB1 the TID), or the one the client
    /// went on with ([`TreeWentOn`]); none for a refused connect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_id: Option<HexId>,
    pub share: &'a str,
    pub share_type: Option<ShareType>,
    #[serde(serialize_with = "super::model::opt_status_name")]
    pub status: Option<NtStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_went_on: Option<&'a TreeWentOn>,
}

/// `error`: an error response kept on its connection.
#[derive(Serialize)]
pub(super) struct Error<'a> {
    pub stream: u64,
    pub time: Timestamp,
    pub error: &'a ErrorEvent,
}

/// `kerberos`: a KDC exchange on port 88, when its reply comes, or, when
/// the capture holds none, when the capture ends (the exchange without
/// `reply`; see [`super::Builder::capture_ended`]).
#[derive(Serialize)]
pub(super) struct Kerberos<'a> {
    /// The exchange's stream: a udp.stream or a tcp.stream, as `transport`
    /// says.
    pub stream: u64,
    /// "udp" or "tcp".
    pub transport: &'static str,
    /// The SMB connection (tcp.stream) the exchange is joined to, as the
    /// exchange's `smb_stream`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smb_stream: Option<u64>,
    pub time: Timestamp,
    pub exchange: &'a KdcExchange,
}
