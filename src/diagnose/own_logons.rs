//! The logons a client made to a server with an identity of its own (not
//! guest, not anonymous), indexed once by (client address, server): what
//! findings of a refused logon ask to tell whether the client got past the
//! refusal (logon.anonymous_refused: any own logon; session.expired: one
//! after the refusal, soon enough to be its retry). One pass over the
//! sessions, then a lookup per finding: no scan of every session per
//! refusal, whose number the capture sets.

use std::net::{IpAddr, SocketAddr};

use crate::capture::Timestamp;
use crate::session::{secs_between, Model, Outcome, Session};
use crate::tcp::hash::KeyedHashMap;

use super::logon::{identity, span};

/// A logon this long after a refusal, or sooner, is the client's retry of
/// it (seconds). A client whose SESSION_SETUP was refused because its
/// session expired authenticates again at once, on the same connection or
/// a new one (Windows' redirector reconnects and sets up a new session; a
/// tool's retry loop does the same), within seconds; a logon minutes later
/// is a new attempt, after the refusal had already held the work up, which
/// a finding should not play down. The Kerberos findings give a client's
/// retry over TCP as long (kerberos::TCP_RETRY_SECS).
pub(super) const RETRY_SECS: f64 = 30.0;

/// (client address, server) → the sessions set up with the client's own
/// identity, in the order they were set up.
pub(super) struct OwnLogons<'a>(KeyedHashMap<(IpAddr, SocketAddr), Vec<&'a Session>>);

/// A logon that followed a refusal: the session, and the seconds from the
/// refusal to its set-up response.
pub(super) struct Retry<'a> {
    pub session: &'a Session,
    pub secs: f64,
    /// The refused logon's last SESSION_SETUP frame.
    refused_frame: u64,
}

/// The frame of `s`'s first successful SESSION_SETUP response (its last
/// SESSION_SETUP frame when the model has none).
fn set_up_frame(s: &Session) -> u64 {
    s.set_up_frame.unwrap_or(s.last_setup_frame)
}

/// When the response in frame `frame` of `s`'s rounds was captured (of
/// its last round when none is in that frame): a request's time and the
/// seconds to its response.
fn response_time(s: &Session, frame: u64) -> (Timestamp, f64) {
    let r = s
        .rounds
        .iter()
        .find(|r| r.response_frame == Some(frame))
        .or(s.rounds.last());
    match r {
        Some(r) => (r.time, r.duration.unwrap_or(0.0)),
        None => (s.first_time, 0.0),
    }
}

impl<'a> OwnLogons<'a> {
    pub fn new(model: &'a Model) -> Self {
        let mut by: KeyedHashMap<_, Vec<&Session>> = KeyedHashMap::default();
        for s in model
            .sessions
            .iter()
            .filter(|s| s.outcome == Outcome::Success)
        {
            by.entry((s.client.ip(), s.server)).or_default().push(s);
        }
        for v in by.values_mut() {
            // Stable: sessions set up in one frame keep the model's order.
            v.sort_by_key(|s| set_up_frame(s));
        }
        OwnLogons(by)
    }

    /// The client's first own logon to `server`.
    pub fn first(&self, client: IpAddr, server: SocketAddr) -> Option<&'a Session> {
        self.0.get(&(client, server))?.first().copied()
    }

    /// The first own logon of `refused`'s client to its server set up after
    /// `refused`'s last SESSION_SETUP response, within [`RETRY_SECS`] of
    /// it, with the same user when the refused logon names one (else
    /// another user's logon is no retry of it).
    pub fn retry_of(&self, refused: &Session) -> Option<Retry<'a>> {
        let v = self.0.get(&(refused.client.ip(), refused.server))?;
        let after = refused.last_setup_frame;
        let next = *v.get(v.partition_point(|s| set_up_frame(s) <= after))?;
        let (t, d) = response_time(next, set_up_frame(next));
        let (rt, rd) = response_time(refused, after);
        let secs = secs_between(t, rt) + d - rd;
        (secs <= RETRY_SECS && same_user(refused, next)).then_some(Retry {
            session: next,
            secs,
            refused_frame: after,
        })
    }
}

/// `b` logged on as the user `a` named, or `a` named none (its token is
/// not in the capture): user names and Kerberos client principals, by
/// ASCII case. A domain is not compared: one client writes the same domain
/// as CONTOSO or CONTOSO.LOCAL.
fn same_user(a: &Session, b: &Session) -> bool {
    let eq = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (Some(_), None) => false,
        (None, _) => true,
    };
    eq(&a.user, &b.user) && eq(&a.client_principal, &b.client_principal)
}

impl Retry<'_> {
    /// " The same client logged on as X at frame 14 on tcp.stream 0, 0.9 ms
    /// later ...": the sentence a finding of the refusal tells it with.
    pub fn sentence(&self) -> String {
        let s = self.session;
        let frame = set_up_frame(s);
        // A logon under way when the refusal came: the client had
        // already turned to it.
        let begun = if s.first_frame < self.refused_frame {
            format!(
                " (a logon it had begun at frame {}, before the refusal)",
                s.first_frame
            )
        } else {
            String::new()
        };
        format!(
            " The same client logged on to the same server as {} at frame {frame} on tcp.stream {}, {} later{begun}: it got past this refusal.",
            identity(s),
            s.stream,
            span(self.secs.max(0.0)),
        )
    }
}
