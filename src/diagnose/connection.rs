//! Connection findings: a NetBIOS session refused on TCP 139 (RFC 1002
//! 4.3.4), a server that never answered (or whose side of the connection
//! the capture lacks), a connection reset or closed during
//! setup, and sessions deleted or expired under the client ([MS-SMB2]
//! 3.3.5.2.9 USER_SESSION_DELETED / NETWORK_SESSION_EXPIRED).

use std::net::IpAddr;

use crate::capture::Timestamp;
use crate::ntstatus::NtStatus;
use crate::session::{
    secs_between, ConnEnd, Connection, ErrorEvent as ConnError, HeldBy, Model, Outcome,
    SkippedHead, Tree,
};
use crate::tcp::hash::KeyedHashMap;

use super::group::ordered;
use super::logon::span;
use super::{nt_meaning, nt_next, Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    let reached = reached_smb(model);
    unanswered(model, &reached, out);
    not_smb(model, out);
    let mut logoffs = None;
    for c in &model.connections {
        refused(&reached, c, out);
        netbios_refused(c, out);
        if !ended_early(model, c, out) {
            closed(model, c, out);
        }
        session_errors(model, c, &mut logoffs, out);
    }
}

/// A connection refused as [`refused`] sees it: the client's SYN, nothing
/// sent (and nothing lost in a gap), a RST from the server.
fn is_refused(c: &Connection) -> bool {
    c.saw_syn && c.messages == 0 && c.gaps == 0 && c.end.as_ref().is_some_and(ConnEnd::server_reset)
}

/// (client address, server address) → the first connection between them
/// that negotiated SMB; built only when some connection was refused (one
/// pass, not one per refused connection: an amplified capture has
/// hundreds of thousands of connections).
fn reached_smb(model: &Model) -> KeyedHashMap<(IpAddr, IpAddr), &Connection> {
    let mut m = KeyedHashMap::default();
    if model
        .connections
        .iter()
        .any(|c| is_refused(c) || is_unanswered(c))
    {
        for o in &model.connections {
            if o.negotiate.is_some() || o.smb1_negotiate.is_some() {
                m.entry((o.client.ip(), o.server.ip())).or_insert(o);
            }
        }
    }
    m
}

/// A connection the server never answered as [`unanswered`] sees it: the
/// client's SYN, and nothing at all from the server (no SYN-ACK, no RST).
fn is_unanswered(c: &Connection) -> bool {
    c.saw_syn && c.messages == 0 && c.gaps == 0 && c.server_silent && c.end.is_some()
}

/// Seconds a SYN must go unanswered before the capture's end for it to
/// count: a client retransmits its SYN after one second.
const UNANSWERED_SECS: f64 = 1.0;

/// The server sent nothing back to the client's SYNs: a firewall that drops,
/// an address not in use, a host that is down or a missing route. One
/// finding per client and server address: clients try ports 445 and 139 at
/// once.
fn unanswered(
    model: &Model,
    reached: &KeyedHashMap<(IpAddr, IpAddr), &Connection>,
    out: &mut Sink,
) {
    let long_enough = |c: &&Connection| {
        c.end
            .as_ref()
            .is_some_and(|e| secs_between(e.time, c.first_time) >= UNANSWERED_SECS)
    };
    let groups = ordered(
        model
            .connections
            .iter()
            .filter(|c| is_unanswered(c))
            .filter(long_enough),
        |c| (c.client.ip(), c.server.ip()),
        |_| Vec::new(),
        |g: &mut Vec<&Connection>, c| g.push(c),
    );
    for g in &groups {
        let (Some(first), Some(last)) = (g.first(), g.last()) else {
            continue;
        };
        let server = first.server.ip();
        // The ports in the order first tried (a client may try one again).
        let mut ports: Vec<u16> = Vec::new();
        for p in g.iter().map(|c| c.server.port()) {
            if !ports.contains(&p) {
                ports.push(p);
            }
        }
        let ports_text: Vec<String> = ports.iter().map(u16::to_string).collect();
        let tries: Vec<String> = g
            .iter()
            .take(5)
            .map(|c| {
                format!(
                    "port {} (tcp.stream {}, frame {})",
                    c.server.port(),
                    c.stream,
                    c.first_frame
                )
            })
            .collect();
        let more = g.len().saturating_sub(5);
        let until = last.end.as_ref().map_or(String::new(), |e| {
            format!(" in the {}", waited(last.first_time, e))
        });
        let mut d = Draft::new(
            Severity::Error,
            "connection.unanswered",
            format!("The server at {server} did not answer the TCP connection (port{} {})", if ports.len() > 1 { "s" } else { "" }, ports_text.join(", ")),
        )
        .explain(format!(
            "The client at {} sent SYNs to {server}, {}{}, and nothing came back{until}: no SYN-ACK and no RST. The packets are dropped on the way or at the server (a firewall that drops rather than rejects), the address is not in use or the host is down, or a route is missing. The client gives up after its connect timeout (smbclient: NT_STATUS_IO_TIMEOUT; Windows: system error 53, \"The network path was not found\").",
            first.client.ip(),
            tries.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() },
        ))
        .next(format!("Check that {server} is up and has that address (ping, the ARP or neighbour table), that TCP {} {} allowed by every firewall on the way and on the server (Windows: the 'File and Printer Sharing (SMB-In)' rule), and the route from the client; from the client: Test-NetConnection {server} -Port {port}, or nc -vz {server} {port}.", ports_text.join(" and "), if ports.len() > 1 { "are" } else { "is" }, port = first.server.port()));
        if let Some(o) = reached.get(&(first.client.ip(), server)) {
            d = d.severity(Severity::Info).explain(format!("The client sent SYNs to {server} port {} (tcp.stream {}) and got no answer, but reached SMB on the same server over {} (tcp.stream eq {}): clients try ports 445 and 139 at once and use the one that answers, so this did no harm.", ports_text.join(", "), first.stream, o.server, o.stream)).next("Nothing to do, unless the other port is expected to answer too.");
        }
        let frames: Vec<u64> = g.iter().take(8).map(|c| c.first_frame).collect();
        out.push(
            d.covers(g.iter().map(|c| (c.stream, None)))
                .frames(frames)
                .done(),
        );
    }
}

/// A connection seen from its SYN, with nothing lost, whose bytes held no
/// SMB message at all: where NetBIOS framing puts a message ([MS-SMB2]
/// 2.1), the bytes did not start with an SMB header.
fn is_not_smb(c: &Connection) -> bool {
    c.saw_syn && c.gaps == 0 && c.messages == 0 && c.skipped_bytes > 0 && c.netbios.is_none()
}

/// Connections to an SMB port that carried another protocol, a probe or an
/// exploit: one finding per client address and server address and port.
fn not_smb(model: &Model, out: &mut Sink) {
    let groups = ordered(
        model.connections.iter().filter(|c| is_not_smb(c)),
        |c| (c.client.ip(), c.server),
        |_| Vec::new(),
        |g: &mut Vec<&Connection>, c| g.push(c),
    );
    // (client address, server) → the stream of its EternalBlue exploit.
    let mut exploits: KeyedHashMap<(IpAddr, std::net::SocketAddr), u64> = KeyedHashMap::default();
    if !groups.is_empty() {
        for o in model.connections.iter().filter(|o| o.eternalblue.is_some()) {
            exploits
                .entry((o.client.ip(), o.server))
                .or_insert(o.stream);
        }
    }
    for g in &groups {
        let Some(first) = g.first() else { continue };
        let n = g.len();
        let from_server: u64 = g.iter().map(|c| c.server_skipped_bytes).sum();
        let from_client: u64 = g.iter().map(|c| c.skipped_bytes).sum::<u64>() - from_server;
        let streams: Vec<String> = g.iter().take(5).map(|c| c.stream.to_string()).collect();
        let more = n.saturating_sub(5);
        let which = format!(
            "tcp.stream {}{}",
            streams.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        let head = first.skipped_head.as_ref().map_or(String::new(), |h| {
            format!(
                " The {}'s first bytes on tcp.stream {}: {}.",
                if h.from_client { "client" } else { "server" },
                first.stream,
                h.describe()
            )
        });
        let exploit = exploits.get(&(first.client.ip(), first.server));
        // Another protocol's request, the same on every connection of the
        // group (and no exploit from this client): said as what it is.
        let protocol = match exploit {
            None => g
                .iter()
                .map(|c| c.skipped_head.as_deref().and_then(other_protocol))
                .reduce(|a, b| a.filter(|a| Some(*a) == b))
                .flatten(),
            Some(_) => None,
        };
        let exploit = exploit.map_or(String::new(), |st| format!(" The same client sent the EternalBlue exploit to this server on tcp.stream {st} (attack.eternalblue): these connections are most likely its grooming of the server's memory."));
        let why = match protocol {
            Some(what) => format!("{what} was sent to port {}: not an SMB client (a scanner, or a misdirected client)", first.server.port()),
            None => "another protocol was sent to the SMB port, or a tool probed or attacked the server with malformed messages (exploits such as EternalBlue, MS17-010, open many connections and send large messages that are not SMB to groom the server's memory)".to_string(),
        };
        let (conns, they) = if n == 1 {
            ("A connection".to_string(), "it")
        } else {
            (format!("{n} connections"), "them")
        };
        out.push(
            Draft::new(Severity::Warning, "connection.not_smb", format!("{conns} from {} to {} carried {}", first.client.ip(), first.server, protocol.map_or("no SMB".to_string(), |p| format!("{p}, not SMB"))))
                .explain(format!("The client sent {from_client} bytes and the server {from_server} bytes on {which}, and none of them is an SMB message: where the 4-byte length header of SMB over TCP ([MS-SMB2] 2.1) puts a message, the bytes do not begin with an SMB1 or SMB2 header (0xFF, 0xFE, 0xFD or 0xFC followed by 'SMB').{head} The capture holds {they} from the SYN with nothing lost, so this is not a capture that began mid-message: {why}. smbscope skipped these bytes.{exploit}"))
                .next(format!("Look at what was sent (Wireshark: Follow TCP Stream on tcp.stream eq {}). If it is not a program you expect, find the process on {} that opened the connection (Windows: Get-NetTCPConnection -RemotePort {port} with its OwningProcess; Linux: ss -tnp), and check {} for signs of attack and for missing security updates.", first.stream, first.client.ip(), first.server.ip(), port = first.server.port()))
                .covers(g.iter().map(|c| (c.stream, None)))
                .frames(g.iter().take(8).filter_map(|c| c.first_skipped_frame))
                .done(),
        );
    }
}

/// The protocol a client's first bytes on the SMB port belong to, when
/// they say it plainly: an HTTP request (printable text that begins with a
/// method and a space, RFC 9110 9.1, as curl and scanners send) or a TLS
/// handshake record (content type 22, version 3.x: RFC 8446 5.1).
fn other_protocol(h: &SkippedHead) -> Option<&'static str> {
    const METHODS: [&[u8]; 9] = [
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"OPTIONS ",
        b"CONNECT ",
        b"DELETE ",
        b"PATCH ",
        b"TRACE ",
    ];
    let b = &h.bytes[..];
    if !h.from_client {
        return None;
    }
    if let [0x16, 0x03, ..] = b {
        return Some("a TLS handshake");
    }
    let printable = b
        .iter()
        .all(|x| (0x20..0x7f).contains(x) || matches!(x, b'\r' | b'\n'));
    (printable && METHODS.iter().any(|m| b.starts_with(m))).then_some("an HTTP request")
}

/// How long a connection begun at `since` waited for an answer until `end`
/// (the capture's end, or the connection forgotten, idle): "4.1 s until the
/// capture ends".
pub(super) fn waited(since: Timestamp, end: &ConnEnd) -> String {
    let how = if end.reason == "evicted" {
        "the connection was forgotten, idle"
    } else {
        "the capture ends"
    };
    format!("{:.1} s until {how}", secs_between(end.time, since))
}

/// The server reset the connection before anything was sent on it: the
/// answer of a closed port to a SYN, or of a firewall that rejects.
fn refused(reached: &KeyedHashMap<(IpAddr, IpAddr), &Connection>, c: &Connection, out: &mut Sink) {
    let Some(e) = c.end.as_ref().filter(|_| is_refused(c)) else {
        return;
    };
    // Clients often try 445 and 139 at once and use whichever answers.
    let other = reached
        .get(&(c.client.ip(), c.server.ip()))
        .filter(|o| o.server.port() != c.server.port());
    let mut d = Draft::new(Severity::Error, "connection.refused", format!("The server at {} refused the TCP connection", c.server))
        .explain(format!("The client opened a TCP connection to {} (frame {}) and the server's side ended it with a RST (frame {}) before any SMB message: usually nothing listens on that port at that address (a closed port answers the SYN so), or a firewall or the server's access rules reject the client; a server that accepted the connection and then reset it (e.g. 'hosts deny', an idle timeout) looks the same apart from its SYN-ACK.", c.server, c.first_frame, e.frame))
        .next(format!("Check that the SMB service runs and listens on {} (ss -ltn or netstat -an on the server; 'smb ports', 'interfaces' and 'hosts allow' in smb.conf; the Server service and firewall profile on Windows), and any firewall between; from the client, Test-NetConnection -Port {} or nc -vz.", c.server, c.server.port()));
    if let Some(o) = other {
        d = d.severity(Severity::Info).explain(format!("The client opened a TCP connection to {} (frame {}) and the server's side answered with a RST (frame {}). The same client reached SMB on the same server over {} (tcp.stream eq {}): clients try ports 445 and 139 at once and use the one that answers, so this refusal did no harm.", c.server, c.first_frame, e.frame, o.server, o.stream)).next("Nothing to do, unless the other port is expected to answer too.");
    }
    out.push(d.stream(c.stream).frames([c.first_frame, e.frame]).done());
}

/// The server answered the NetBIOS session request with a negative response.
fn netbios_refused(c: &Connection, out: &mut Sink) {
    use crate::smb2::nbss::NbssError as E;
    let Some(s) = c
        .netbios
        .as_deref()
        .filter(|s| s.answer == Some("negative"))
    else {
        return;
    };
    // The code is absent when the response was cut short (snaplen) or empty:
    // say so rather than name a code the capture does not hold.
    let (title, said) = match s.error {
        Some(e) => (
            format!("{} (0x{:02x})", e.meaning(), e.0),
            format!("error 0x{:02x} {e}: {}", e.0, e.meaning()),
        ),
        None => (
            "error code not in the capture".to_string(),
            "whose error code is not in the capture (the packet is cut short or empty)".to_string(),
        ),
    };
    let unknown = "(not decoded)";
    let called = s.called_name.as_deref().unwrap_or(unknown);
    let calling = s.calling_name.as_deref().unwrap_or(unknown);
    let next = match s.error.unwrap_or(E::UNSPECIFIED_ERROR) {
        E::NOT_LISTENING_ON_CALLED_NAME | E::CALLED_NAME_NOT_PRESENT
            if calling.ends_with("<52>") =>
        {
            format!("The calling name {calling} has the NetBIOS suffix 0x52, which Samba refuses with this code (it takes the client for a DEC PATHWORKS client): give the client an ordinary workstation name (suffix 0x00), or connect over TCP 445, which has no NetBIOS session.")
        }
        E::NOT_LISTENING_ON_CALLED_NAME | E::CALLED_NAME_NOT_PRESENT => format!("The server does not answer to the called name {called}: connect with the server's own NetBIOS name (or *SMBSERVER, which Windows and Samba accept), or over TCP 445, which needs no NetBIOS name."),
        E::NOT_LISTENING_FOR_CALLING_NAME => format!("The server takes sessions on {called} only from some calling names: check the client's NetBIOS name ({calling}) and the server's configuration, or connect over TCP 445."),
        E::INSUFFICIENT_RESOURCES => "The server knows the name but has no resources for another session: check its connection limits and load at that time.".to_string(),
        _ => "Check the server's log at that time, or connect over TCP 445, which has no NetBIOS session.".to_string(),
    };
    let frames = [s.request_frame]
        .into_iter()
        .chain(s.response_frame)
        .collect::<Vec<_>>();
    out.push(
        Draft::new(Severity::Error, "connection.netbios_refused", format!("The server at {} refused the NetBIOS session: {title}", c.server))
            .explain(format!("On TCP 139 a client asks for a NetBIOS session to the server's name before any SMB. The client's SESSION REQUEST (frame {}, called name {called}, calling name {calling}) was answered with a NEGATIVE SESSION RESPONSE, {said}. No SMB was exchanged on this connection.", s.request_frame))
            .next(next)
            .stream(c.stream)
            .frames(frames)
            .done(),
    );
}

/// The server sent nothing at all, or nothing the capture holds.
fn ended_early(model: &Model, c: &Connection, out: &mut Sink) -> bool {
    // Not without a request left unanswered: a stream that holds only a
    // response (from a capture's middle) asked nothing.
    if c.messages == 0 || c.server_messages > 0 || c.unanswered_requests == 0 {
        return false;
    }
    if c.server_gap_bytes > 0 {
        one_sided(model, c, out);
        return true;
    }
    let first = c.first_unanswered_frame.unwrap_or(c.first_frame);
    let until = c
        .end
        .as_ref()
        .map_or(c.last_time, |e| e.time)
        .max(model.last_time.unwrap_or(c.last_time));
    let waited = secs_between(until, c.first_time);
    let how = match &c.end {
        Some(e) if e.reason == "fin" || e.reason == "reset" => format!(
            "the {} closed the connection ({}) after {waited:.1} s",
            e.by,
            e.reason.to_uppercase()
        ),
        _ => format!("the capture ends {waited:.1} s later"),
    };
    let (sev, one_sided) = if c.saw_syn {
        (Severity::Error, "")
    } else {
        (Severity::Warning, " The capture starts in the middle of this connection, so it may simply hold only the client's direction (a one-sided capture, e.g. from a SPAN port or a capture filter on one host): check that first.")
    };
    out.push(
        Draft::new(sev, "connection.no_response", format!("The server at {} never answered", c.server))
            .explain(format!("The client sent {} SMB request(s) starting at frame {first}, and the server sent no SMB message back; {how}. Something accepts connections on {} but is not answering SMB: a hung smbd/srvsvc, a proxy or load balancer without a backend, or a port that is not SMB.{one_sided}", c.unanswered_requests.max(1), c.server))
            .next("Check that the SMB service answers on that address and port (smbclient -L, Test-NetConnection -Port), look at its log, and at any proxy, firewall or IPS in the path.")
            .stream(c.stream)
            .frames([first].into_iter().chain(c.end.as_ref().map(|e| e.frame)))
            .done(),
    );
    true
}

/// No SMB message of the server's is in the capture, but the client
/// acknowledged bytes from it (the TCP layer reports those as a gap of the
/// server's direction): the server answered, the capture missed it.
fn one_sided(model: &Model, c: &Connection, out: &mut Sink) {
    let first = c.first_unanswered_frame.unwrap_or(c.first_frame);
    // A logon the client went on from (session::WentOn): what that shows.
    let went_on = model
        .sessions_of(c)
        .find_map(|s| s.client_went_on.as_ref().map(|w| (s, w)));
    let logon = match went_on {
        Some((s, w)) => format!("What the server answered cannot be read from this capture. Its logon of frame {}, though, {}: a client takes a SessionId from the SESSION_SETUP response that gives it ([MS-SMB2] 3.2.5.3) and signs with the key the finished logon gave it (3.2.4.1.1), so the client had an answer; whether that made a guest or anonymous session, or the user's, only the response says.", s.first_frame, w.told(s.session_id)),
        None => "What the server answered, and whether the logon worked, cannot be read from this capture.".to_string(),
    };
    let trees = trees_went_on(model, c);
    out.push(
        Draft::new(Severity::Warning, "connection.one_sided", format!("The capture lacks the server's side of the connection to {}", c.server))
            .explain(format!("The client sent {} SMB request(s) starting at frame {first}, and the capture holds no SMB message from the server; yet the client's TCP acknowledgements show that the server sent about {} bytes on this connection. The capture saw one direction only (a SPAN or mirror port that copies one direction, asymmetric routing, a capture filter on one host), or lost the server's packets. {logon}{trees}", c.messages.max(1), c.server_gap_bytes))
            .next(format!("Capture again where both directions pass: on the client or on the server itself (tcpdump -i any host {}), or from a mirror port that copies both directions.", c.server.ip()))
            .stream(c.stream)
            .frames([first].into_iter().chain(c.end.as_ref().map(|e| e.frame)))
            .done(),
    );
}

/// Tree connects shown per one-sided connection in its finding.
const MAX_TREES_TOLD: usize = 4;

/// " Its tree connects too: the client went on with TreeId 0x1 after the
/// TREE_CONNECT to \\dc1\IPC$ of frame 6, ..." for the trees of a
/// one-sided connection whose TreeId the client went on with
/// (session::TreeWentOn); empty when there is none.
fn trees_went_on(model: &Model, c: &Connection) -> String {
    let went_on: Vec<String> = model
        .trees
        .iter()
        .filter(|t| t.stream == c.stream && t.client_went_on.is_some())
        .filter_map(|t| {
            let (id, frame) = (t.tree_id?, t.request_frame?);
            Some(format!(
                "TreeId {id} after the TREE_CONNECT to {} of frame {frame}",
                t.share
            ))
        })
        .collect();
    if went_on.is_empty() {
        return String::new();
    }
    let (what, they, them) = if went_on.len() == 1 {
        ("tree connect", "it", "it")
    } else {
        ("tree connects", "they", "them")
    };
    let more = went_on.len().saturating_sub(MAX_TREES_TOLD);
    let mut list = went_on
        .into_iter()
        .take(MAX_TREES_TOLD)
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    format!(" Its {what} too: the client went on with {list}; a client takes a TreeId from the successful TREE_CONNECT response that gives it ([MS-SMB2] 3.2.5.5), so {they} almost certainly succeeded (the trees table lists {them}).")
}

/// A reset or close before any session was set up, while setup was under way.
fn closed(model: &Model, c: &Connection, out: &mut Sink) {
    let Some(e) = &c.end else { return };
    if e.reason != "fin" && e.reason != "reset" {
        return;
    }
    if c.smb1_negotiate
        .as_ref()
        .is_some_and(|s| s.answer == Some("none"))
    {
        return;
    }
    let sessions: Vec<_> = model.sessions_of(c).collect();
    if sessions.iter().any(|s| s.outcome.established()) {
        return;
    }
    let pending = sessions
        .iter()
        .filter(|s| s.outcome == Outcome::Unfinished)
        .filter_map(|s| s.rounds.last())
        .find(|r| r.response_frame.is_none());
    let negotiating = c
        .negotiate
        .as_ref()
        .is_some_and(|n| n.response_frame.is_none());
    // What waited, and since when.
    let (what, since) = match (pending, negotiating) {
        (Some(r), _) => (
            format!(
                "a SESSION_SETUP request (frame {}, {}) was waiting for its answer",
                r.request_frame,
                r.request_token.as_deref().unwrap_or("token")
            ),
            Some(r.time),
        ),
        (None, true) => (
            "the NEGOTIATE request was waiting for its answer".to_string(),
            c.negotiate.as_ref().and_then(|n| n.request_time),
        ),
        (None, false) => return,
    };
    let waited = since.map(|t| secs_between(e.time, t).max(0.0));
    let frames: Vec<u64> = pending
        .map(|r| r.request_frame)
        .into_iter()
        .chain([e.frame])
        .collect();
    let d = if e.reason == "reset" {
        Draft::new(Severity::Error, "connection.reset_during_setup", format!("Connection reset by the {} during session setup", e.by))
            .explain(format!("The {} reset the TCP connection while {what}. No session was set up. A reset in the middle of authentication usually comes from the server process dying or refusing the client, or from a firewall, IPS or proxy cutting the connection.", e.by))
            .next("Check the server's log at that time (crashes, 'connection denied'), and any firewall/IPS between client and server; compare with a capture taken on the server side.")
    } else {
        let (why, next) = closed_texts(e, waited, || super::platform::client_of(model, c));
        Draft::new(Severity::Error, "connection.closed_during_setup", format!("Connection closed by the {} during session setup", e.by))
            .explain(format!("The {} closed the TCP connection (FIN at frame {}) while {what}. No session was set up.{why}", e.by, e.frame))
            .next(next)
    };
    out.push(d.stream(c.stream).frames(frames).done());
}

/// A client times out waiting for an answer after seconds (smbclient: 20 s
/// by default, Windows: tens of seconds); closing sooner, it gave up on its
/// own.
const CLIENT_TIMEOUT_SECS: f64 = 5.0;

/// The explanation's last sentences and the next step of a connection
/// closed (FIN) with a request `waited` seconds old (none when the capture
/// does not tell), written for the side that closed it.
fn closed_texts(
    e: &ConnEnd,
    waited: Option<f64>,
    client: impl FnOnce() -> super::platform::Platform,
) -> (String, String) {
    let after = |whose: &str| match waited {
        Some(w) if w < 1.0 => format!(" right after {whose} request ({})", span(w)),
        Some(w) => format!(" {} after {whose} request", span(w)),
        None => String::new(),
    };
    let long = waited.is_some_and(|w| w >= CLIENT_TIMEOUT_SECS);
    if e.by == "server" {
        let why = if long {
            "after waiting that long it gave up on something the answer needed (a domain controller, a name lookup), or"
        } else {
            "it refused the client at that step (a server closes a connection it will not serve), or"
        };
        return (
            format!(" The server's side ended it{} without an answer: {why} a proxy, IPS or relay between client and server closed it in the server's name.", after("the client's")),
            "Check the server's log at that time for why it ended the connection (Samba: log.smbd and the client's log.%m, at 'log level = 3'; Windows: the Microsoft-Windows-SMBServer Operational and Security logs). If the server logged no such close, look at any proxy, IPS or relay between client and server: a capture taken on the server shows whether the server itself sent the FIN.".to_string(),
        );
    }
    if long {
        let w = waited.map_or(String::new(), span);
        return (
            format!(" The client closed it{} with no answer: it timed out waiting for the server.", after("its")),
            format!("Find out why the server did not answer within {w}: its log and load at that time, and, for a SESSION_SETUP, its connection to its domain controllers (Windows: nltest /sc_query:DOMAIN; Samba: wbinfo -t). Raise the client's timeout (smbclient -t, Windows SessTimeout) only if the server is merely slow."),
        );
    }
    (
        format!(" The client closed it{}, too soon for a timeout: it gave up or aborted on its own (an error of its own, a cancelled operation, a crash).", after("its own")),
        format!("The client did not wait for the server's answer: find out why it stopped from the client{}.", client().client_logs()),
    )
}

fn session_errors<'a>(
    model: &'a Model,
    c: &Connection,
    logoffs: &mut Option<SessionIndex<'a>>,
    out: &mut Sink,
) {
    for e in &c.errors {
        let st = NtStatus(e.status_code);
        // A LOGOFF refused ends nothing; expired, the session must
        // re-authenticate first (session.expired, below).
        let logoff = e.command == "LOGOFF" || e.command == "SMB_COM_LOGOFF_ANDX";
        if logoff && st != NtStatus::NETWORK_SESSION_EXPIRED {
            let index = logoffs.get_or_insert_with(|| SessionIndex::new(model));
            logoff_refused(model, index, c, e, out);
            continue;
        }
        let (code, sev, title) = match st {
            NtStatus::USER_SESSION_DELETED => (
                "session.deleted",
                Severity::Error,
                "The server no longer knows the session (STATUS_USER_SESSION_DELETED)",
            ),
            NtStatus::NETWORK_SESSION_EXPIRED => (
                "session.expired",
                Severity::Warning,
                "The session expired and must re-authenticate (STATUS_NETWORK_SESSION_EXPIRED)",
            ),
            _ => continue,
        };
        // The client logged this session off itself, earlier on this connection.
        let logoff = model
            .sessions_of(c)
            .filter(|s| s.session_id == e.session_id)
            .filter_map(|s| s.logoff_frame)
            .find(|&f| f < e.request_frame.unwrap_or(e.frame));
        // Or on another channel of it: a LOGOFF ends the session on every
        // channel ([MS-SMB2] 3.3.5.6).
        let other_channel = || {
            model
                .sessions_of(c)
                .filter(|s| s.session_id == e.session_id)
                .filter_map(|s| s.ended_frame)
                .find(|&f| f < e.request_frame.unwrap_or(e.frame))
        };
        let ended_elsewhere = if logoff.is_none() && st == NtStatus::USER_SESSION_DELETED {
            other_channel()
        } else {
            None
        };
        let own = match logoff {
            Some(f) if st == NtStatus::USER_SESSION_DELETED => format!(" The client itself logged this session off at frame {f} (LOGOFF) and then went on using it: a client bug, such as two users of one connection sharing the session, or a request sent after the logoff was issued."),
            None if st == NtStatus::USER_SESSION_DELETED => ended_elsewhere.map_or(String::new(), |f| format!(" The session was logged off at frame {f} by a LOGOFF on another channel of it (another TCP connection bound to the same session), which ends it on every channel ([MS-SMB2] 3.3.5.6); the client then went on using it here: a client that does not tell its channels apart when it logs off.")),
            _ => String::new(),
        };
        out.push(
            Draft::new(sev, code, title)
                .explain(format!(
                    "The server answered {} on session {} with {st}. {}{own}",
                    e.command,
                    e.session_id,
                    nt_meaning(st.0).unwrap_or("")
                ))
                .next(match (logoff, ended_elsewhere) {
                    (Some(_), _) | (_, Some(_)) if st == NtStatus::USER_SESSION_DELETED => "Fix or update the client: after a LOGOFF it must set up a new session (a new SESSION_SETUP) and send nothing more on the old SessionId. The server is not at fault.".to_string(),
                    _ => nt_next(st.0).unwrap_or_else(|| "Check the server's log.".to_string()),
                })
                .stream(c.stream)
                .frames(logoff.into_iter().chain(e.request_frame).chain([e.frame]))
                .session(e.session_id)
                .status(st.to_string())
                .done(),
        );
    }
}

/// A LOGOFF the server refused with a status other than
/// STATUS_USER_SESSION_DELETED (which the model takes as the session gone
/// already, and is never an error here): it ended nothing ([MS-SMB2]
/// 3.3.5.6), the session and what it holds stay. STATUS_ACCESS_DENIED on a
/// session under signing is the server's answer to a signature that does
/// not verify ([MS-SMB2] 3.3.5.2.4).
fn logoff_refused(
    model: &Model,
    index: &SessionIndex<'_>,
    c: &Connection,
    e: &ConnError,
    out: &mut Sink,
) {
    let st = NtStatus(e.status_code);
    let sid = e.session_id;
    let session = model.sessions_of(c).find(|s| s.session_id == sid);
    let who = session.map(super::identity);
    let smb2 = e.command == "LOGOFF";
    let signing = smb2
        && (session.is_some_and(|s| s.is_signed())
            || c.negotiate
                .as_ref()
                .is_some_and(|n| n.client_signing_required || n.server_signing_required));
    let asked = e
        .request_frame
        .map_or(String::new(), |f| format!(" (frame {f})"));
    let mut why = format!(
        "The server answered the client's {} of session {sid}{asked} with {st} at frame {}.",
        if smb2 { "LOGOFF" } else { "LOGOFF_ANDX" },
        e.frame
    );
    let bad_signature = signing && st == NtStatus::ACCESS_DENIED;
    if bad_signature {
        why.push_str(" The session is signed, and that is the server's answer to a request whose signature does not verify ([MS-SMB2] 3.3.5.2.4): the client signed it with a key that is not the session's (a client bug in deriving or choosing the signing key), something on the path changed the message after it was signed (a relay, IPS, proxy or WAN optimizer that rewrites SMB), or the client changed it after signing.");
    } else if let Some(m) = nt_meaning(st.0) {
        why.push(' ');
        why.push_str(m);
    }
    why.push_str(" A refused LOGOFF ends nothing ([MS-SMB2] 3.3.5.6): the session stayed open");
    let (with, held) = kept(index, c, e);
    why.push_str(&with);
    let later = session
        .and_then(|s| s.logoff_frame)
        .filter(|&f| f > e.frame);
    match (later, &c.end) {
        (Some(f), _) => why.push_str(&format!(", until the client logged it off at frame {f}.")),
        (None, Some(end)) if end.reason == "fin" || end.reason == "reset" => why.push_str(&format!(", until the connection ended at frame {} (a server ends a connection's sessions with it).", end.frame)),
        _ => why.push_str(", still at the end of the capture."),
    }
    why.push_str(&held);
    let next = if bad_signature {
        "Find what changes or mis-signs the client's messages: capture on the client and on the server and compare the LOGOFF's bytes; if they differ, something on the path rewrites SMB (turn off SMB inspection or optimisation on the IPS, proxy or WAN optimizer); if not, the client's signing is at fault: update it. Until the connection closes, the server keeps the session and its open files.".to_string()
    } else {
        nt_next(st.0).unwrap_or_else(|| "Check the server's log at that time; until the connection closes, the server keeps the session and its open files.".to_string())
    };
    let title = format!(
        "LOGOFF refused with {st}: the session stayed open ({})",
        who.as_deref()
            .unwrap_or("a session the capture did not see set up")
    );
    out.push(
        Draft::new(Severity::Warning, "session.logoff_refused", title)
            .explain(why)
            .next(next)
            .stream(c.stream)
            .frames(e.request_frame.into_iter().chain([e.frame]).chain(later))
            .session(sid)
            .status(st.to_string())
            .user(who)
            .done(),
    );
}

/// A refused CREATE whose holder the capture names: its connection, the
/// error and the holder.
type Held<'a> = (&'a Connection, &'a ConnError, &'a HeldBy);

/// The trees and the opens that held a file against a refused CREATE, by
/// (tcp.stream, SessionId) of their session: built once, when some LOGOFF
/// was refused (one pass over the trees and the errors, not one per
/// refusal).
pub(super) struct SessionIndex<'a> {
    trees: KeyedHashMap<(u64, u64), Vec<&'a Tree>>,
    held: KeyedHashMap<(u64, u64), Vec<Held<'a>>>,
}

impl<'a> SessionIndex<'a> {
    fn new(model: &'a Model) -> Self {
        let mut trees: KeyedHashMap<(u64, u64), Vec<&Tree>> = KeyedHashMap::default();
        for t in model.trees.iter().filter(|t| t.succeeded()) {
            trees.entry((t.stream, t.session_id.0)).or_default().push(t);
        }
        let mut held: KeyedHashMap<(u64, u64), Vec<Held<'_>>> = KeyedHashMap::default();
        for o in &model.connections {
            for x in &o.errors {
                if let Some(h) = x.held_by.as_deref() {
                    held.entry((h.stream, h.session_id.0))
                        .or_default()
                        .push((o, x, h));
                }
            }
        }
        SessionIndex { trees, held }
    }
}

/// What a session whose LOGOFF was refused (`e`) kept: its open files
/// then and its tree connects not ended before it (", with 1 open file and
/// its tree connect to \\\\srv\\share"), and the first later CREATE refused for
/// a file one of its opens held (" Its open of ...").
fn kept(index: &SessionIndex<'_>, c: &Connection, e: &ConnError) -> (String, String) {
    let key = (c.stream, e.session_id.0);
    let mut parts: Vec<String> = Vec::new();
    match e.open_files {
        Some(1) => parts.push("1 open file".to_string()),
        Some(n) if n > 1 => parts.push(format!("{n} open files")),
        _ => {}
    }
    let trees: Vec<&str> = index
        .trees
        .get(&key)
        .into_iter()
        .flatten()
        .filter(|t| {
            t.request_frame.is_some_and(|f| f < e.frame)
                && t.disconnect_frame.is_none_or(|d| d > e.frame)
        })
        .take(3)
        .map(|t| t.share.as_str())
        .collect();
    if !trees.is_empty() {
        parts.push(format!(
            "its tree connect{} to {}",
            if trees.len() > 1 { "s" } else { "" },
            trees.join(", ")
        ));
    }
    let with = if parts.is_empty() {
        String::new()
    } else {
        format!(", with {}", parts.join(" and "))
    };
    let held = index
        .held
        .get(&key)
        .into_iter()
        .flatten()
        .filter(|(_, x, _)| x.frame > e.frame)
        .min_by_key(|(_, x, _)| x.frame);
    let held = held.map_or(String::new(), |(o, x, h)| {
        format!(
            " Its open of {} (frame {}) went on holding the file meanwhile: the CREATE of it on tcp.stream {} at frame {} was refused with {}.",
            x.detail.as_deref().unwrap_or("a file"),
            h.frame,
            o.stream,
            x.frame,
            x.status
        )
    });
    (with, held)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(from_client: bool, b: &[u8]) -> SkippedHead {
        SkippedHead {
            from_client,
            bytes: b.iter().copied().collect(),
        }
    }

    /// The heads other_protocol knows: curl's request of
    /// not-smb-http-to-445 (frame 4), the first 8 bytes of a TLS 1.2
    /// ClientHello record (RFC 8446 5.1: type 22, legacy version 3.1,
    /// length, then handshake type 1), and what it leaves alone: the
    /// EternalBlue grooming head of the corpus capture (a NetBIOS length
    /// and "BAAD"), text that is no method, a method without its space, a
    /// server's bytes.
    #[test]
    fn other_protocols_are_known_by_their_first_bytes() {
        assert_eq!(
            other_protocol(&head(true, b"GET / HT")),
            Some("an HTTP request")
        );
        assert_eq!(
            other_protocol(&head(true, b"OPTIONS ")),
            Some("an HTTP request")
        );
        assert_eq!(
            other_protocol(&head(
                true,
                &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]
            )),
            Some("a TLS handshake")
        );
        for (from_client, b) in [
            (true, &[0x00, 0x00, 0xff, 0xf7, 0x42, 0x41, 0x41, 0x44][..]),
            (true, b"HELLO TH"),
            (true, b"GETX / H"),
            (true, b"GET\x00\x01\x02\x03\x04"),
            (false, b"GET / HT"),
        ] {
            assert_eq!(other_protocol(&head(from_client, b)), None, "{b:?}");
        }
    }
}
