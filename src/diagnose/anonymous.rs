//! Anonymous logons the server refused: an NTLM AUTHENTICATE with no user
//! name and no password ([MS-NLMP] 3.2.5.1.2, anonymous authentication)
//! answered with an error ([MS-SMB2] 3.3.5.5.3: the server fails the
//! SESSION_SETUP with the status its authentication gave, or with
//! STATUS_ACCESS_DENIED when it requires encryption, 3.3.5.5).
//!
//! One finding per client address, server and status, however many times
//! the client tried: some clients try an anonymous logon again and again
//! next to a working session of their own, and one line says that better
//! than one error each.

use std::net::{IpAddr, SocketAddr};

use crate::ntstatus::NtStatus;
use crate::session::token::concat;
use crate::session::{Model, Outcome, Session};
use crate::tcp::hash::KeyedHashMap;

use super::logon::identity;
use super::{Draft, Severity, Sink};

/// Streams named in a finding's explanation before "and N more".
const STREAMS_NAMED: usize = 5;

/// A failed session setup whose AUTHENTICATE was anonymous.
pub(super) fn is_refused_anonymous(s: &Session) -> bool {
    s.outcome == Outcome::Failure
        && s.mechanism != Some("kerberos")
        && s.ntlm_response == Some("anonymous")
        && s.user.as_deref().is_none_or(str::is_empty)
}

/// The refused anonymous logons of one client address to one server, with
/// one status.
struct Refusals<'a> {
    first: &'a Session,
    last: &'a Session,
    count: u64,
    streams: Vec<u64>,
    more_streams: u64,
}

type Key = (IpAddr, SocketAddr, u32);

pub(super) fn findings(model: &Model, out: &mut Sink) {
    let groups = refusals(model);
    if groups.is_empty() {
        return;
    }
    let own = own_logons(model);
    for g in &groups {
        let key = (g.first.client.ip(), g.first.server);
        push(g, own.get(&key).copied(), out);
    }
}

/// The refusals, grouped, in the order of their first session.
fn refusals(model: &Model) -> Vec<Refusals<'_>> {
    let mut groups: Vec<Refusals<'_>> = Vec::new();
    let mut index: KeyedHashMap<Key, usize> = KeyedHashMap::default();
    for s in model.sessions.iter().filter(|s| is_refused_anonymous(s)) {
        let key = (s.client.ip(), s.server, s.status.map_or(0, |st| st.0));
        let i = *index.entry(key).or_insert_with(|| {
            groups.push(Refusals {
                first: s,
                last: s,
                count: 0,
                streams: Vec::new(),
                more_streams: 0,
            });
            groups.len() - 1
        });
        let g = &mut groups[i];
        g.count += 1;
        g.last = s;
        if !g.streams.contains(&s.stream) {
            if g.streams.len() < STREAMS_NAMED {
                g.streams.push(s.stream);
            } else {
                g.more_streams += 1;
            }
        }
    }
    groups
}

/// For each (client address, server), the first session that logged on
/// with an identity of its own (not guest, not anonymous).
fn own_logons(model: &Model) -> KeyedHashMap<(IpAddr, SocketAddr), &Session> {
    let mut own = KeyedHashMap::default();
    for s in model
        .sessions
        .iter()
        .filter(|s| s.outcome == Outcome::Success)
    {
        own.entry((s.client.ip(), s.server)).or_insert(s);
    }
    own
}

fn push(g: &Refusals<'_>, own: Option<&Session>, out: &mut Sink) {
    let s = g.first;
    let status = s.status.unwrap_or(NtStatus(0));
    let times = if g.count == 1 {
        "an anonymous logon".to_string()
    } else {
        format!("{} anonymous logons", g.count)
    };
    let (severity, title) = match own {
        Some(_) => (
            Severity::Info,
            format!("The server refused {times} ({status}); the client's own logon worked"),
        ),
        None => (
            Severity::Error,
            format!("The server refused {times} ({status})"),
        ),
    };
    let mut why = format!(
        "{} from {} sent an anonymous NTLM AUTHENTICATE (no user name, no password) to the server at {} {} ({}), and the server answered {status}: it does not accept anonymous (null) sessions. A server refuses them by policy, or because it requires signing or encryption for every session, which an anonymous session cannot do, having no session key (smbd answers STATUS_ACCESS_DENIED to an anonymous logon when 'server smb encrypt = required').",
        s.workstation.as_deref().map_or_else(|| "The client".to_string(), |w| concat(&["The client ", w])),
        s.client.ip(),
        s.server,
        if g.count == 1 { "once".to_string() } else { format!("{} times", g.count) },
        streams_text(g),
    );
    let next = match own {
        Some(o) => {
            why.push_str(&format!(" The same client logged on as {} (tcp.stream eq {}), so the anonymous attempts were a side path: some clients try an anonymous logon first, or for background work, and go on with the user's credentials when it is refused.", identity(o), o.stream));
            "Nothing to do unless anonymous access was wanted; if it was, find which of the server's settings refuses it (anonymous access restricted, signing or encryption required for every session)."
        }
        None => {
            why.push_str(" No logon of the client's own worked on this server in the capture.");
            "Give the client a user name and password (smbclient -U user, mount -o username=); or, if anonymous access is wanted and its traffic may travel unencrypted, allow it on the server (Samba: 'restrict anonymous = 0' and no 'server smb encrypt = required' for it; Windows: the 'Network access' security options for anonymous users)."
        }
    };
    let mut frames: Vec<u64> = evidence(s).collect();
    if g.count > 1 {
        frames.extend(evidence(g.last));
    }
    out.push(
        Draft::new(severity, "logon.anonymous_refused", title)
            .explain(why)
            .next(next)
            .stream(s.stream)
            .frames(frames)
            .session(s.session_id)
            .status(status.to_string())
            .done(),
    );
}

/// "tcp.stream 0", or "tcp.stream 2, 3 and 4 more".
fn streams_text(g: &Refusals<'_>) -> String {
    let mut t = String::from("tcp.stream ");
    for (i, st) in g.streams.iter().enumerate() {
        if i > 0 {
            t.push_str(", ");
        }
        t.push_str(&st.to_string());
    }
    if g.more_streams > 0 {
        t.push_str(&format!(" and {} more", g.more_streams));
    }
    t
}

/// The last round's request and response frames.
fn evidence(s: &Session) -> impl Iterator<Item = u64> + '_ {
    s.rounds
        .last()
        .into_iter()
        .flat_map(|r| [r.request_frame].into_iter().chain(r.response_frame))
}
