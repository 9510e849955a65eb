//! Connection findings: a server that never answered, a connection reset or
//! closed during setup, and sessions deleted or expired under the client
//! ([MS-SMB2] 3.3.5.2.9 USER_SESSION_DELETED / NETWORK_SESSION_EXPIRED).

use crate::ntstatus::NtStatus;
use crate::session::{secs_between, Connection, Model, Outcome};

use super::{nt_check, nt_meaning, Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        if !ended_early(model, c, out) {
            closed(model, c, out);
        }
        session_errors(model, c, out);
    }
}

/// The server sent nothing at all.
fn ended_early(model: &Model, c: &Connection, out: &mut Sink) -> bool {
    if c.messages == 0 || c.server_messages > 0 {
        return false;
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
    let what = match (pending, negotiating) {
        (Some(r), _) => format!(
            "a SESSION_SETUP request (frame {}, {}) was waiting for its answer",
            r.request_frame,
            r.request_token.as_deref().unwrap_or("token")
        ),
        (None, true) => "the NEGOTIATE request was waiting for its answer".to_string(),
        (None, false) => return,
    };
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
        Draft::new(Severity::Error, "connection.closed_during_setup", format!("Connection closed by the {} during session setup", e.by))
            .explain(format!("The {} closed the TCP connection while {what}. No session was set up.", e.by))
            .next("If the client closed it, it timed out or gave up: check its log and timeout; if the server closed it, check the server's log.")
    };
    out.push(d.stream(c.stream).frames(frames).done());
}

fn session_errors(model: &Model, c: &Connection, out: &mut Sink) {
    for e in &c.errors {
        let st = NtStatus(e.status_code);
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
        let own = match logoff {
            Some(f) if st == NtStatus::USER_SESSION_DELETED => format!(" The client itself logged this session off at frame {f} (LOGOFF) and then went on using it: a client bug, such as two users of one connection sharing the session, or a request sent after the logoff was issued."),
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
                .next(nt_check(st.0).unwrap_or("Check the server's log."))
                .stream(c.stream)
                .frames(logoff.into_iter().chain(e.request_frame).chain([e.frame]))
                .session(e.session_id)
                .status(st.to_string())
                .done(),
        );
    }
}
