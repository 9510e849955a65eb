//! TCP findings of SMB connections: a handshake answered late (the
//! client's SYN retransmitted before the server's SYN-ACK, RFC 9293 3.5,
//! RFC 6298 5.7), and one side's bytes retransmitted again and again
//! without the other's acknowledgement (RFC 6298 5.5: a peer that is gone
//! or cut off).

use crate::session::{
    secs_between, Connection, HandshakeSeen, Model, Unacknowledged, SLOW_HANDSHAKE_SECS,
    UNACKNOWLEDGED_MIN_RETRANSMISSIONS,
};

use super::{Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for (i, c) in model.connections.iter().enumerate() {
        if let Some(h) = c.handshake {
            slow_connect(model, i, h, out);
        }
        if let Some(u) = c.unacknowledged.as_deref() {
            unacknowledged(c, u, out);
        }
    }
}

/// A connection opened by the client right after `c`'s SYN-ACK (within
/// 1 s), between the same two addresses, that carried SMB: where the
/// client did its work when it closed `c` without any.
/// How many connections opened after a slow one are looked at for the one
/// the client went on with: a bound, so that a capture of many slow
/// handshakes costs time in proportion to its connections.
const NEXT_CONNECTIONS_LOOKED_AT: usize = 64;

/// The connection the client opened right after (within 1 s of the late
/// SYN-ACK, among the next [`NEXT_CONNECTIONS_LOOKED_AT`] in order of first
/// appearance, which is the order of `model.connections`) and did its SMB
/// work on, when the slow one `model.connections[i]` carried none.
fn next_connection(model: &Model, i: usize, h: HandshakeSeen) -> Option<&Connection> {
    let c = model.connections.get(i)?;
    if c.messages > 0 {
        return None;
    }
    let after = model.connections.get(i + 1..).unwrap_or_default();
    after.iter().take(NEXT_CONNECTIONS_LOOKED_AT).find(|o| {
        o.stream != c.stream
            && o.client.ip() == c.client.ip()
            && o.server.ip() == c.server.ip()
            && o.messages > 0
            && o.first_time >= h.time
            && secs_between(o.first_time, h.time) < 1.0
    })
}

/// The server's SYN-ACK came a second or more after the client's first SYN.
fn slow_connect(model: &Model, i: usize, h: HandshakeSeen, out: &mut Sink) {
    let Some(c) = model.connections.get(i) else {
        return;
    };
    let waited = secs_between(h.time, c.first_time);
    if waited < SLOW_HANDSHAKE_SECS {
        return;
    }
    let syns = match h.syns.saturating_sub(1) {
        0 => "the client sent its SYN once: it was not lost, the answer was late".to_string(),
        1 => "the client sent its SYN twice: the first got no answer and was retransmitted"
            .to_string(),
        n => format!(
            "the client sent its SYN {} times: it got no answer and was retransmitted {n} times",
            h.syns
        ),
    };
    let after = match next_connection(model, i, h) {
        _ if c.messages > 0 => " The connection then worked, so everything the client did on it waited those seconds first.".to_string(),
        Some(o) => format!(" The client then closed this connection without sending anything{} and did its SMB work on tcp.stream {}, which it opened right after (frame {}): the wait still fell on it, a drive mapping or mount took {waited:.1} s longer.", c.end.as_ref().map_or(String::new(), |e| format!(" (frame {})", e.frame)), o.stream, o.first_frame),
        None => " No SMB message followed on this connection.".to_string(),
    };
    let why = if h.syns > 1 {
        "First SYNs lost on the way are usually dropped by a firewall or IPS between the two (a rate limit or SYN flood protection, a state table that is full, a rule set being reloaded), by a server whose queue of connections waiting to be accepted is full (an overloaded smbd or Server service, a SYN flood), by a congested link, or the server was not reachable yet (booting, its address moving to another node in a failover)."
    } else {
        "With the first SYN answered late, the server or a device in front of it (a load balancer, a firewall that proxies SYNs) took that long to answer: it was overloaded, or the path is very slow."
    };
    let (ip, port) = (c.server.ip(), c.server.port());
    out.push(
        Draft::new(Severity::Warning, "connection.slow_connect", format!("The TCP connection to {} took {waited:.1} s to set up", c.server))
            .explain(format!("The client's first SYN to {} (frame {}) was answered with the server's SYN-ACK only {waited:.1} s later (frame {}); {syns}.{after} {why}", c.server, c.first_frame, h.frame))
            .next(format!("Time the connection from the client again: Test-NetConnection -ComputerName {ip} -Port {port} (Windows), or time nc -vz {ip} {port}; if it is slow again, read the logs of the firewalls and IPS between the two for dropped SYNs to port {port}, and capture on the server at the same time to see whether the first SYNs reach it. On the server, look for a full listen queue: Linux (Samba): nstat -az TcpExtListenOverflows TcpExtListenDrops, ss -ltn 'sport = :{port}'; Windows: netstat -s -p tcp (Failed Connection Attempts) and the load of the Server service."))
            .stream(c.stream)
            .frames([c.first_frame, h.frame])
            .done(),
    );
}

/// One side retransmitted bytes the other never acknowledged, up to the
/// connection's end or the capture's: the other side is gone (crashed,
/// asleep, cut off) or the path to it drops what is sent.
fn unacknowledged(c: &Connection, u: &Unacknowledged, out: &mut Sink) {
    if u.retransmissions < UNACKNOWLEDGED_MIN_RETRANSMISSIONS {
        return;
    }
    let (sender, peer, peer_addr) = if u.from_client {
        ("client", "server", c.server.ip())
    } else {
        ("server", "client", c.client.ip())
    };
    let sent = u.message.and_then(|m| m.first_sent);
    let since = sent.unwrap_or(u.first);
    let over = secs_between(u.last.1, since.1);
    let what = match (u.message, sent) {
        (Some(m), Some((frame, _))) => format!("its {} (first sent in frame {frame})", m.name()),
        (Some(m), None) => m.describe(),
        (None, _) => "bytes".to_string(),
    };
    let heard = if u.peer_silent {
        format!("The {peer} sent nothing at all meanwhile: no acknowledgement, no data.")
    } else {
        format!("The {peer} did send segments meanwhile, but none acknowledged these bytes: the retransmissions do not reach it (lost one way), or it cannot take them (its receive window is closed).")
    };
    let end = match &c.end {
        Some(e) if e.reason == "reset" => format!(" The {} then reset the connection (frame {}).", e.by, e.frame),
        Some(e) if e.reason == "capture_end" => match secs_between(e.time, u.last.1) {
            w if w < 0.05 => " The capture ends there, still without an acknowledgement.".to_string(),
            w => format!(" The capture ends {w:.1} s after the last of them, still without an acknowledgement."),
        },
        _ => String::new(),
    };
    let cause = if u.peer_silent {
        format!(" TCP sends unacknowledged bytes again after a doubling wait (RFC 6298 5.5); none of them answered means the {peer} is gone (crashed, asleep or hibernating, its network down, roaming to another network, a new address) or the path to it drops everything (a firewall, NAT or VPN that forgot the connection, e.g. after an idle timeout or a failover).")
    } else {
        String::new()
    };
    let waits = match u.message.filter(|m| m.is_break()) {
        Some(_) => " A break waits for the client's acknowledgement: until it comes, or until the server gives up on it ([MS-SMB2] 3.3.2.1, 3.3.2.5; 35 s on Windows servers), every other client that opens the same file waits, and its open may time out.",
        None => "",
    };
    let (severity, title) = if u.peer_silent {
        (
            Severity::Error,
            format!(
                "The {peer} at {peer_addr} stopped answering: {} sent {} times, never acknowledged",
                short(u, sender),
                u.retransmissions + 1
            ),
        )
    } else {
        (
            Severity::Warning,
            format!(
                "{} retransmitted {} times to the {peer} at {peer_addr}, never acknowledged",
                capital(&short(u, sender)),
                u.retransmissions
            ),
        )
    };
    let next = if u.from_client {
        format!("Check that the server {peer_addr} is up and reachable from the client (ping; Test-NetConnection -ComputerName {peer_addr} -Port {port}): it may have crashed or rebooted (Windows: the System event log; Samba: its log and 'journalctl -u smbd'), moved its address in a failover, or the path may drop its traffic (firewall, VPN); the client reconnects when it answers again.", port = c.server.port())
    } else {
        format!("Find out what happened to the client {peer_addr} at that time: did it sleep or hibernate, lose its network (Wi-Fi, VPN, cable) or change its address (Windows: the System event log, Kernel-Power and network events)? If it keeps happening, look for a firewall, NAT or VPN between the two whose idle timeout drops the connection. The client's opens stay on the server until it drops the connection: Get-SmbSession and Get-SmbOpenFile -ClientComputerName {peer_addr} (Windows) or smbstatus (Samba) show them, and Close-SmbSession (Windows) or ending that client's smbd process (Samba) frees them.")
    };
    let frames: Vec<u64> = sent
        .map(|(f, _)| f)
        .into_iter()
        .chain([u.first.0, u.last.0])
        .collect();
    out.push(
        Draft::new(severity, "connection.unacknowledged", title)
            .explain(format!("The {sender} sent {what} again {} times (frames {} to {}), over {over:.1} s in all, and the {peer} acknowledged none of it. {heard}{end}{cause}{waits}", u.retransmissions, u.first.0, u.last.0))
            .next(next)
            .stream(c.stream)
            .frames(frames)
            .done(),
    );
}

/// What was retransmitted, short: "its lease break notification",
/// "the server's data".
fn short(u: &Unacknowledged, sender: &str) -> String {
    match u.message {
        Some(m) => format!("the {sender}'s {}", m.name()),
        None => format!("the {sender}'s data"),
    }
}

/// `s` with its first letter in capitals.
fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}
