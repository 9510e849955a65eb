//! The report filters: `--stream N`, `--session ID`, `--user NAME`,
//! `--host ADDR`, `--failed-only`. Each applies to connections, sessions,
//! trees, Kerberos exchanges and findings as documented in docs/report.md.

use std::net::IpAddr;

use crate::diagnose::{Finding, Severity};
use crate::session::{Connection, KdcExchange, Model, Session, Tree};

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

    fn user_ok(&self, s: &Session) -> bool {
        let Some(u) = &self.user else { return true };
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
        let sessions = model.sessions_of(c);
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

    pub fn tree(&self, t: &Tree, model: &Model) -> bool {
        let conn = model.connection(t.stream);
        self.stream.is_none_or(|n| n == t.stream)
            && self.session.is_none_or(|id| id == t.sid)
            && conn.is_none_or(|c| self.host_ok(c.client.ip(), c.server.ip()))
            && (self.user.is_none()
                || conn.is_some_and(|c| {
                    model
                        .sessions_of(c)
                        .any(|s| s.id == t.sid && self.user_ok(s))
                }))
            && (!self.failed_only || t.status.0 != 0)
    }

    pub fn kdc(&self, x: &KdcExchange) -> bool {
        self.stream
            .is_none_or(|n| n == x.stream || x.smb_stream == Some(n))
            && self.host_ok(x.client.ip(), x.server.ip())
            && self.session.is_none()
            && self.user.as_ref().is_none_or(|u| {
                x.client_principal
                    .as_ref()
                    .is_some_and(|p| p.to_lowercase().contains(&u.to_lowercase()))
            })
            && (!self.failed_only || x.error_code.is_some())
    }

    pub fn finding(&self, f: &Finding, model: &Model) -> bool {
        if self.failed_only && f.severity != Severity::Error {
            return false;
        }
        if let Some(id) = self.session {
            if f.session_id.as_deref() != Some(crate::session::sid_hex(id).as_str()) {
                return false;
            }
        }
        if let Some(u) = &self.user {
            if !f
                .user
                .as_ref()
                .is_some_and(|x| x.to_lowercase().contains(&u.to_lowercase()))
            {
                return false;
            }
        }
        if let Some(n) = self.stream {
            let kdc_joined = model.kdc.iter().any(|x| x.is(f) && x.smb_stream == Some(n));
            let own = f.transport == "tcp" && f.stream == Some(n);
            if !own && !kdc_joined {
                return false;
            }
        }
        if let Some(h) = self.host {
            let conn = f
                .stream
                .filter(|_| f.transport == "tcp")
                .and_then(|n| model.connection(n));
            let kdc = model.kdc.iter().find(|x| x.is(f));
            let ok = conn.is_some_and(|c| c.client.ip() == h || c.server.ip() == h)
                || kdc.is_some_and(|x| x.client.ip() == h || x.server.ip() == h);
            if !ok {
                return false;
            }
        }
        true
    }
}

impl KdcExchange {
    /// Whether the finding's evidence is on this exchange's stream.
    fn is(&self, f: &Finding) -> bool {
        Some(self.stream) == f.stream && self.transport == f.transport
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids() {
        assert_eq!(parse_session_id("0x8f7d7777"), Ok(0x8f7d_7777));
        assert_eq!(parse_session_id("8f7d7777"), Ok(0x8f7d_7777));
        assert_eq!(parse_session_id("1234"), Ok(1234));
        assert!(parse_session_id("zz").is_err());
    }
}
