//! SMB clients that are attack and test tools, known by what they send:
//! impacket's, by its SMB2 NEGOTIATE ClientGuid of sixteen ASCII letters
//! ([`platform::impacket_client_guid`]). impacket is the Python library
//! for SMB, MSRPC and Kerberos whose example scripts (psexec.py,
//! smbexec.py, wmiexec.py, secretsdump.py, GetUserSPNs.py, ntlmrelayx.py)
//! penetration testers and attackers run (MITRE ATT&CK S0357).
//!
//! One finding per client address: `activity.impacket_client`.

use std::net::{IpAddr, SocketAddr};

use arrayvec::ArrayVec;

use crate::session::{Connection, Model, Outcome};

use super::platform;
use super::{Draft, Severity, Sink};

/// Client addresses looked at; past them, no more are.
const MAX_CLIENTS: usize = 4096;
/// Servers, and users, named in a finding; the rest are counted.
const NAMED: usize = 4;
/// NEGOTIATE requests a finding gives as evidence: its first connections'.
const FRAMES: usize = 8;

/// Names listed up to [`NAMED`], the rest counted.
struct Named<T> {
    items: ArrayVec<T, NAMED>,
    more: u64,
}

impl<T: PartialEq> Named<T> {
    fn new() -> Self {
        Named {
            items: ArrayVec::new(),
            more: 0,
        }
    }

    fn add(&mut self, x: T) {
        if self.items.contains(&x) {
            return;
        }
        if self.items.try_push(x).is_err() {
            self.more += 1;
        }
    }
}

impl<T: std::fmt::Display> Named<T> {
    /// "a, b and c", or "a, b, c, d and 3 more".
    fn text(&self) -> String {
        let mut names: Vec<String> = self.items.iter().map(ToString::to_string).collect();
        if self.more > 0 {
            names.push(format!("{} more", self.more));
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        super::file::and_list(&refs)
    }
}

/// The impacket connections of one client address.
struct Client<'a> {
    ip: IpAddr,
    first: &'a Connection,
    connections: u64,
    servers: Named<SocketAddr>,
    logged_on: Named<String>,
    refused: Named<String>,
    /// Anonymous logons that the server took.
    anonymous: u64,
    covers: Vec<(u64, Option<u64>)>,
    frames: ArrayVec<u64, FRAMES>,
}

impl<'a> Client<'a> {
    fn new(c: &'a Connection) -> Self {
        Client {
            ip: c.client.ip(),
            first: c,
            connections: 0,
            servers: Named::new(),
            logged_on: Named::new(),
            refused: Named::new(),
            anonymous: 0,
            covers: Vec::new(),
            frames: ArrayVec::new(),
        }
    }

    fn add(&mut self, model: &Model, c: &'a Connection) {
        self.connections += 1;
        self.servers.add(c.server);
        if self.covers.len() < super::MAX_COVERS {
            self.covers.push((c.stream, None));
        }
        if let Some(f) = c.negotiate.as_ref().and_then(|n| n.request_frame) {
            let _ = self.frames.try_push(f);
        }
        for s in model.sessions_of(c) {
            if s.outcome == Outcome::Anonymous {
                self.anonymous += 1;
                continue;
            }
            let Some(user) = super::logon::user_of(s) else {
                continue;
            };
            match s.outcome {
                o if o.established() => self.logged_on.add(user),
                Outcome::Failure => self.refused.add(user),
                _ => {}
            }
        }
    }
}

/// Whether a connection's client is impacket's, by its ClientGuid.
fn impacket(c: &Connection) -> bool {
    c.negotiate
        .as_ref()
        .and_then(|n| n.client_guid)
        .is_some_and(|g| platform::impacket_client_guid(&g))
}

pub(super) fn findings(model: &Model, out: &mut Sink) {
    let clients = super::group::ordered_capped(
        model.connections.iter().filter(|c| impacket(c)),
        MAX_CLIENTS,
        |c| c.client.ip(),
        Client::new,
        |g, c| g.add(model, c),
    );
    for g in &clients {
        out.push(finding(g));
    }
}

fn finding(g: &Client<'_>) -> super::Finding {
    let c = g.first;
    let n = c.negotiate.as_ref();
    let guid = n.and_then(|n| n.client_guid).unwrap_or_default();
    let frame = n.and_then(|n| n.request_frame).unwrap_or(c.first_frame);
    let plural = if g.connections == 1 { "" } else { "s" };
    let title = format!(
        "impacket's SMB client on {} ({} connection{plural} to {})",
        g.ip,
        g.connections,
        g.servers.text()
    );
    let mut users = String::new();
    if !g.logged_on.items.is_empty() {
        users.push_str(&format!(" It logged on as {}.", g.logged_on.text()));
    }
    if g.anonymous > 0 {
        let times = if g.anonymous == 1 { "once" } else { "times" };
        let n = if g.anonymous == 1 {
            String::new()
        } else {
            format!("{} ", g.anonymous)
        };
        users.push_str(&format!(" It logged on anonymously {n}{times}."));
    }
    if !g.refused.items.is_empty() {
        users.push_str(&format!(" Logons refused: {}.", g.refused.text()));
    }
    if !(g.logged_on.items.is_empty() && g.refused.items.is_empty()) {
        users.push_str(" ntlmrelayx.py logs on with another client's relayed logon: the account may be that client's.");
    }
    let user = g
        .logged_on
        .items
        .first()
        .or_else(|| g.refused.items.first())
        .cloned();
    Draft::new(Severity::Warning, "activity.impacket_client", title)
        .explain(format!(
            "The client's SMB2 NEGOTIATE request (frame {frame}, tcp.stream {}) carries the ClientGuid '{}' ({guid}): sixteen ASCII letters, as impacket's SMB client makes it (smb3.py: random.choice(string.ascii_letters), sixteen times). Windows, Samba, macOS and Linux send a random GUID, all letters by chance less than once in 10^11 ([MS-SMB2] 2.2.3). impacket is a Python library for SMB, MSRPC and Kerberos whose example scripts (psexec.py, smbexec.py, wmiexec.py, secretsdump.py, GetUserSPNs.py, ntlmrelayx.py) penetration testers and attackers run (MITRE ATT&CK S0357); some administrators' scripts use it too.{users}",
            c.stream,
            String::from_utf8_lossy(&guid.0),
        ))
        .next(format!(
            "Find out who ran it on {} and why (a Python process running one of impacket's scripts). Unless it was an authorised test, treat the accounts it used as compromised: reset their passwords, review their logons and what they did on {} (the sessions, trees and files of these connections), and look for what the scripts leave on a server: a service with a random name (psexec.py, smbexec.py), a program in ADMIN$ or C$, a scheduled task (atexec.py).",
            g.ip,
            g.servers.text()
        ))
        .covers(g.covers.iter().copied())
        .frames(g.frames.iter().copied())
        .user(user)
        .done()
}
