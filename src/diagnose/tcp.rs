//! TCP findings of SMB connections: a handshake answered late (the
//! client's SYN retransmitted before the server's SYN-ACK, RFC 9293 3.5,
//! RFC 6298 5.7).

use crate::session::{secs_between, Connection, HandshakeSeen, Model, SLOW_HANDSHAKE_SECS};

use super::{Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        if let Some(h) = c.handshake {
            slow_connect(model, c, h, out);
        }
    }
}

/// A connection opened by the client right after `c`'s SYN-ACK (within
/// 1 s), between the same two addresses, that carried SMB: where the
/// client did its work when it closed `c` without any.
fn next_connection<'a>(
    model: &'a Model,
    c: &Connection,
    h: HandshakeSeen,
) -> Option<&'a Connection> {
    if c.messages > 0 {
        return None;
    }
    model.connections.iter().find(|o| {
        o.stream != c.stream
            && o.client.ip() == c.client.ip()
            && o.server.ip() == c.server.ip()
            && o.messages > 0
            && o.first_time >= h.time
            && secs_between(o.first_time, h.time) < 1.0
    })
}

/// The server's SYN-ACK came a second or more after the client's first SYN.
fn slow_connect(model: &Model, c: &Connection, h: HandshakeSeen, out: &mut Sink) {
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
    let after = match next_connection(model, c, h) {
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
