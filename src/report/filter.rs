//! The report filters: `--stream N`, `--session ID`, `--user NAME`,
//! `--host ADDR`, `--failed-only`. Each applies to connections, sessions,
//! trees, Kerberos exchanges and findings as documented in docs/report.md.

use std::net::IpAddr;

use crate::diagnose::{Finding, Severity};
use crate::session::{Connection, KdcExchange, KdcTcpFailure, Model, Session, Tree};

/// (stream, SessionId) of sessions.
type UserSessions = std::collections::HashSet<(u64, u64), crate::tcp::hash::KeyedState>;

/// What to keep; empty keeps everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub stream: Option<u64>,
    pub session: Option<u64>,
    /// Case-insensitive substring of the user, domain\user or client principal.
    pub user: Option<String>,
    pub host: Option<IpAddr>,
    pub failed_only: bool,
}

/// Parses a session id: "0x8f7d7777", "8f7d7777" (hex) or a decimal number.
pub fn parse_session_id(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None if t.bytes().all(|b| b.is_ascii_digit()) => t.parse(),
        None => u64::from_str_radix(t, 16),
    };
    r.map_err(|_| format!("not a session id: {s:?} (give 0x... hex or a decimal number)"))
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.stream.is_none()
            && self.session.is_none()
            && self.user.is_none()
            && self.host.is_none()
            && !self.failed_only
    }

    /// The filters in words, e.g. "stream 3, failed only".
    pub fn describe(&self) -> String {
        let mut v = Vec::new();
        if let Some(n) = self.stream {
            v.push(format!("stream {n}"));
        }
        if let Some(id) = self.session {
            v.push(format!("session {}", crate::session::sid_hex(id)));
        }
        if let Some(u) = &self.user {
            v.push(format!("user {u}"));
        }
        if let Some(h) = self.host {
            v.push(format!("host {h}"));
        }
        if self.failed_only {
            v.push("failed only".to_string());
        }
        v.join(", ")
    }

    fn host_ok(&self, a: IpAddr, b: IpAddr) -> bool {
        self.host.is_none_or(|h| h == a || h == b)
    }

    /// `s` passes `--user`: its user, `DOMAIN\user` or client principal
    /// holds NAME; or its setup is not in the capture
    /// ([`Session::unseen_setup`]): whose it is, is not known, so it may
    /// be NAME's (as `check --user` keeps its connection).
    fn user_ok(&self, s: &Session) -> bool {
        let Some(u) = &self.user else { return true };
        if s.unseen_setup.is_some() {
            return true;
        }
        let u = u.to_lowercase();
        [s.user.as_ref(), s.client_principal.as_ref()]
            .into_iter()
            .flatten()
            .chain(
                s.domain
                    .as_ref()
                    .zip(s.user.as_ref())
                    .map(|(d, n)| format!("{d}\\{n}"))
                    .as_ref(),
            )
            .any(|x| x.to_lowercase().contains(&u))
    }

    pub fn session(&self, s: &Session) -> bool {
        self.stream.is_none_or(|n| n == s.stream)
            && self.session.is_none_or(|id| id == s.id)
            && self.host_ok(s.client.ip(), s.server.ip())
            && self.user_ok(s)
            && (!self.failed_only || !s.outcome.established())
    }

    pub fn connection(&self, c: &Connection, model: &Model) -> bool {
        if !(self.stream.is_none_or(|n| n == c.stream)
            && self.host_ok(c.client.ip(), c.server.ip()))
        {
            return false;
        }
        if self.session.is_none() && self.user.is_none() && !self.failed_only {
            return true;
        }
        // Under `--user`, a connection with a session whose SESSION_SETUP
        // the capture lacks, whose user is not known: it may be NAME's
        // (the rule of `check --user`, see `check::scoped`).
        if self.user.is_some()
            && self.session.is_none()
            && !self.failed_only
            && c.unseen_setup_messages > 0
        {
            return true;
        }
        // Those whose setup the capture lacks too: a connection with one is
        // not one that failed before any login.
        let sessions = model.sessions_of(c).chain(model.unseen_sessions_of(c));
        let mut any = false;
        for s in sessions {
            any = true;
            if self.session(s) {
                return true;
            }
        }
        // A connection without sessions failed before any login.
        !any && self.session.is_none() && self.user.is_none()
    }

    /// With `--user`, the sessions (stream, SessionId) that pass it, found
    /// once for all the trees or findings matched on them; with `unseen`,
    /// those whose setup the capture lacks too ([`Model::unseen_sessions`],
    /// whose user is not known: their trees are kept, as their
    /// connections are; a finding, made of the sessions set up in the
    /// capture, is not kept for them).
    fn user_sessions(&self, model: &Model, unseen: bool) -> Option<UserSessions> {
        let unseen = if unseen {
            &model.unseen_sessions[..]
        } else {
            &[]
        };
        self.user.as_ref().map(|_| {
            model
                .sessions
                .iter()
                .chain(unseen)
                .filter(|s| self.user_ok(s))
                .map(|s| (s.stream, s.id))
                .collect()
        })
    }

    /// The trees kept, in model order. A tree passes `--user` when the
    /// session it was connected in does: those sessions, (stream,
    /// SessionId), are found once here, where a look through its
    /// connection's sessions for each tree costs trees × sessions on one
    /// connection.
    pub fn trees<'a>(&self, model: &'a Model) -> Vec<&'a Tree> {
        let users = self.user_sessions(model, true);
        model
            .trees
            .iter()
            .filter(|t| self.tree(t, model, users.as_ref()))
            .collect()
    }

    /// A tree is kept; `users` holds the sessions that pass `--user`, if
    /// given.
    fn tree(&self, t: &Tree, model: &Model, users: Option<&UserSessions>) -> bool {
        let conn = model.connection(t.stream);
        self.stream.is_none_or(|n| n == t.stream)
            && self.session.is_none_or(|id| id == t.sid)
            && conn.is_none_or(|c| self.host_ok(c.client.ip(), c.server.ip()))
            && users.is_none_or(|u| conn.is_some() && u.contains(&(t.stream, t.sid)))
            && (!self.failed_only || t.failed_status().is_some())
    }

    /// `--stream N` keeps an exchange on tcp.stream N or joined to the SMB
    /// connection N; one over UDP is on a udp.stream, which N does not name.
    pub fn kdc(&self, x: &KdcExchange) -> bool {
        self.stream
            .is_none_or(|n| (x.transport == "tcp" && n == x.stream) || x.smb_stream == Some(n))
            && self.host_ok(x.client.ip(), x.server.ip())
            && self.session.is_none()
            && self.user.as_ref().is_none_or(|u| {
                x.client_principal
                    .as_ref()
                    .is_some_and(|p| p.to_lowercase().contains(&u.to_lowercase()))
            })
            && (!self.failed_only || (x.error_code.is_some() && !x.retry_answered))
    }

    /// A failed TCP connection to port 88: it has no user or session, so
    /// a filter on either leaves it out.
    pub fn kdc_tcp_failure(&self, f: &KdcTcpFailure) -> bool {
        self.stream.is_none_or(|n| n == f.stream)
            && self.host_ok(f.client.ip(), f.server.ip())
            && self.session.is_none()
            && self.user.is_none()
    }

    /// The findings kept, in order. What a finding is matched on besides
    /// its own fields is found once here: the sessions that pass `--user`,
    /// and the KDC exchanges and failed TCP connections to port 88 by
    /// frame, those whose frames are a finding's evidence being its own.
    pub fn findings<'a>(&self, all: &'a [Finding], model: &Model) -> Vec<&'a Finding> {
        if self.is_empty() {
            return all.iter().collect();
        }
        let users = self.user_sessions(model, false);
        let by_frame = if self.stream.is_some() || self.host.is_some() || self.user.is_some() {
            Evidence::of_model(model)
        } else {
            Evidence::default()
        };
        all.iter()
            .filter(|f| self.finding(f, model, users.as_ref(), &by_frame))
            .collect()
    }

    /// A finding is kept: by `--stream N` when it names or covers tcp.stream
    /// N or its evidence is a KDC exchange over TCP on N or joined to the
    /// SMB connection N, or a failed TCP connection to port 88 on N (a KDC
    /// exchange over UDP is on a udp.stream, which N does not name, as for
    /// the exchanges); by `--host` when a connection it names or covers,
    /// or a KDC exchange or failed TCP connection of its evidence, is from
    /// or to the address; by `--user` when its identity, a session it names
    /// or covers, or the client principal of a KDC exchange of its evidence
    /// matches.
    fn finding(
        &self,
        f: &Finding,
        model: &Model,
        users: Option<&UserSessions>,
        by_frame: &Evidence<'_>,
    ) -> bool {
        if self.failed_only && f.severity != Severity::Error {
            return false;
        }
        if let Some(id) = self.session {
            let own = f.session_id.as_deref() == Some(crate::session::sid_hex(id).as_str());
            if !own && !f.covers.iter().any(|&(_, s)| s == Some(id)) {
                return false;
            }
        }
        if let Some(u) = &self.user {
            let u = u.to_lowercase();
            let matches = |x: &str| x.to_lowercase().contains(&u);
            let own = f.user.as_deref().is_some_and(matches);
            let session = || users.is_some_and(|set| named_sessions(f).any(|k| set.contains(&k)));
            let kdc = || {
                by_frame.of(f).any(|e| match e {
                    Ev::Kdc(x) => x.client_principal.as_deref().is_some_and(matches),
                    Ev::TcpFailure(_) => false,
                })
            };
            if !(own || session() || kdc()) {
                return false;
            }
        }
        if let Some(n) = self.stream {
            let own = (f.transport == "tcp" && f.stream == Some(n))
                || f.covers.iter().any(|&(s, _)| s == n);
            let evidence = || {
                by_frame.of(f).any(|e| match e {
                    Ev::Kdc(x) => {
                        (x.transport == "tcp" && x.stream == n) || x.smb_stream == Some(n)
                    }
                    Ev::TcpFailure(t) => t.stream == n,
                })
            };
            if !(own || evidence()) {
                return false;
            }
        }
        if let Some(h) = self.host {
            let on_host = |n: u64| {
                model
                    .connection(n)
                    .is_some_and(|c| c.client.ip() == h || c.server.ip() == h)
            };
            let own = (f.transport == "tcp" && f.stream.is_some_and(on_host))
                || f.covers.iter().any(|&(s, _)| on_host(s));
            let evidence = || {
                by_frame.of(f).any(|e| {
                    let (a, b) = match e {
                        Ev::Kdc(x) => (x.client.ip(), x.server.ip()),
                        Ev::TcpFailure(t) => (t.client.ip(), t.server.ip()),
                    };
                    a == h || b == h
                })
            };
            if !(own || evidence()) {
                return false;
            }
        }
        true
    }
}

/// The (tcp.stream, SessionId) of the sessions a finding names: those it
/// covers, or its own.
fn named_sessions(f: &Finding) -> impl Iterator<Item = (u64, u64)> + '_ {
    let own = match (f.stream, f.session_id.as_deref()) {
        (Some(n), Some(id)) if f.covers.is_empty() && f.transport == "tcp" => {
            parse_session_id(id).ok().map(|id| (n, id))
        }
        _ => None,
    };
    f.covers
        .iter()
        .filter_map(|&(n, id)| Some((n, id?)))
        .chain(own)
}

/// A KDC exchange or a failed TCP connection to port 88 whose frame is a
/// finding's evidence.
#[derive(Clone, Copy)]
enum Ev<'m> {
    Kdc(&'m KdcExchange),
    TcpFailure(&'m KdcTcpFailure),
}

/// The KDC exchanges (request and reply frames) and failed TCP connections
/// to port 88 (SYN and end frames) by frame, sorted.
#[derive(Default)]
struct Evidence<'m>(Vec<(u64, Ev<'m>)>);

impl<'m> Evidence<'m> {
    fn of_model(model: &'m Model) -> Self {
        let mut v: Vec<(u64, Ev<'m>)> =
            Vec::with_capacity(2 * (model.kdc.len() + model.kdc_tcp_failures.len()));
        for x in &model.kdc {
            v.push((x.request_frame, Ev::Kdc(x)));
            v.extend(x.reply_frame.map(|r| (r, Ev::Kdc(x))));
        }
        for t in &model.kdc_tcp_failures {
            v.push((t.syn_frame, Ev::TcpFailure(t)));
            v.push((t.end.frame, Ev::TcpFailure(t)));
        }
        v.sort_by_key(|&(frame, _)| frame);
        Evidence(v)
    }

    /// Those of the finding's evidence frames.
    fn of<'s>(&'s self, f: &'s Finding) -> impl Iterator<Item = Ev<'m>> + 's {
        f.frames.iter().flat_map(move |&frame| {
            let from = self.0.partition_point(|&(n, _)| n < frame);
            self.0
                .get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(move |&&(n, _)| n == frame)
                .map(|&(_, e)| e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::diagnose::tests::{conn, model, session};
    use crate::session::{HexId, Outcome};

    /// One connection with `n` sessions (SessionId 1..=n; user alice for
    /// odd ones, bob for even ones), and a tree in each.
    fn one_connection(n: u64) -> Model {
        let sessions = (1..=n)
            .map(|id| {
                let mut s = session(0, Outcome::Success, None, Vec::new());
                s.id = id;
                s.session_id = HexId(id);
                s.user = Some(if id % 2 == 1 { "alice" } else { "bob" }.into());
                s
            })
            .collect();
        let mut m = model(vec![conn(0)], sessions);
        for id in 1..=n {
            let ip = "10.0.0.2".parse().unwrap();
            m.trees
                .push(Tree::new(0, ip, id, "\\\\fs1\\share".into(), 0, 10, 11));
        }
        m
    }

    #[test]
    fn user_keeps_the_trees_of_the_user_sessions() {
        let m = one_connection(6);
        let f = Filter {
            user: Some("ALICE".into()),
            ..Filter::default()
        };
        let sids: Vec<u64> = f.trees(&m).iter().map(|t| t.sid).collect();
        assert_eq!(sids, [1, 3, 5]);
        let f = Filter {
            user: Some("corp\\bob".into()),
            session: Some(4),
            ..Filter::default()
        };
        let sids: Vec<u64> = f.trees(&m).iter().map(|t| t.sid).collect();
        assert_eq!(sids, [4]);
        assert_eq!(Filter::default().trees(&m).len(), 6);
    }

    #[test]
    fn user_filter_of_trees_is_not_quadratic() {
        // 40,000 sessions and trees on one connection: looking through
        // the connection's sessions for each tree took 5.5 s (release)
        // before the user's sessions were found once; now 0.02 s.
        let m = one_connection(40_000);
        let f = Filter {
            user: Some("alice".into()),
            ..Filter::default()
        };
        let t = std::time::Instant::now();
        let kept = f.trees(&m).len();
        let took = t.elapsed();
        let bound = if cfg!(debug_assertions) { 10.0 } else { 0.5 };
        assert!(took.as_secs_f64() < bound, "took {took:?}");
        assert_eq!(kept, 20_000);
    }

    #[test]
    fn session_ids() {
        assert_eq!(parse_session_id("0x8f7d7777"), Ok(0x8f7d_7777));
        assert_eq!(parse_session_id("8f7d7777"), Ok(0x8f7d_7777));
        assert_eq!(parse_session_id("1234"), Ok(1234));
        assert!(parse_session_id("zz").is_err());
    }
}
