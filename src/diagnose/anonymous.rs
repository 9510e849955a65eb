//! Anonymous (null) logons: an NTLM AUTHENTICATE with no user name and no
//! password ([MS-NLMP] 3.2.5.1.2), or SessionFlags IS_NULL ([MS-SMB2]
//! 2.2.6). Those the server accepted (session.anonymous, and
//! posture.anonymous_allowed for the server), and those it refused with an
//! error (logon.anonymous_refused; [MS-SMB2] 3.3.5.5.3: the server fails
//! the SESSION_SETUP with the status its authentication gave, or with
//! STATUS_ACCESS_DENIED when it requires encryption, 3.3.5.5).
//!
//! Each is one finding per client address and server (per server for the
//! posture), however many times the client logged on: clients and scanners
//! log on anonymously again and again, and one finding with the count says
//! that better than one each.

use std::net::SocketAddr;

use crate::ntstatus::NtStatus;
use crate::session::dcerpc::SyntaxId;
use crate::session::token::concat;
use crate::session::{Model, Outcome, Session};
use crate::smb2::session_setup::SessionFlags;
use crate::tcp::hash::KeyedHashMap;

use super::group::{groups, Group};
use super::logon::{identity, span};
use super::own_logons::{Fallback, SharedOwnLogons};
use super::platform::{self, Platform};
use super::rpc;
use super::{unc, Draft, Severity, Sink};

pub(super) fn findings(model: &Model, own: &SharedOwnLogons<'_>, out: &mut Sink) {
    accepted(model, out);
    refused(model, own, out);
}

/// A failed session setup whose AUTHENTICATE was anonymous.
pub(super) fn is_refused_anonymous(s: &Session) -> bool {
    s.outcome == Outcome::Failure
        && s.mechanism != Some("kerberos")
        && s.ntlm_response == Some("anonymous")
        && s.user.as_deref().is_none_or(str::is_empty)
}

fn is_accepted(s: &Session) -> bool {
    s.outcome == Outcome::Anonymous
}

/// Anonymous sessions set up: one note per client address and server, one
/// posture warning per server.
fn accepted(model: &Model, out: &mut Sink) {
    for g in groups(model, is_accepted, |s| (s.client.ip(), s.server)) {
        let s = g.first();
        let title = if g.count == 1 {
            "Anonymous (null) session".to_string()
        } else {
            format!("{} anonymous (null) sessions", g.count)
        };
        let mut why = String::from("The client authenticated with no user name and no password (an NTLM anonymous AUTHENTICATE, SessionFlags IS_NULL, or an SMB1 SESSION_SETUP_ANDX with an empty account and password). Normal for share listing and some RPC calls; anything else usually needs a real user.");
        if g.count > 1 {
            why.push_str(&format!(
                " The client at {} did so {} with the server at {}.",
                s.client.ip(),
                g.times(),
                s.server
            ));
        }
        why.push_str(&pipes_opened(model, g.covers()));
        out.push(
            Draft::new(Severity::Info, "session.anonymous", title)
                .explain(why)
                .next(format!("If the user expected their own identity, check that the client was given credentials ({}).", credentials_step(model, s)))
                .covers(g.covers())
                .frames(g.frames())
                .session(s.session_id)
                .done(),
        );
    }
    let servers = groups(model, is_accepted, |s| s.server);
    let files = if servers.is_empty() {
        KeyedHashMap::default()
    } else {
        file_access(model)
    };
    for g in servers {
        let s = g.first();
        let set_up = if g.count == 1 {
            "An anonymous (null) session was set up".to_string()
        } else {
            format!(
                "{} anonymous (null) sessions were set up ({})",
                g.count,
                g.streams()
            )
        };
        let reach = match files.get(&s.server) {
            Some(f) => format!(" Here the anonymous sessions reached file data: {} byte(s) read and {} written on the disk share {}{}.", f.read, f.written, f.share, if f.shares > 1 { format!(" and {} more", f.shares - 1) } else { String::new() }),
            None => String::new(),
        };
        let pipes = pipes_opened(model, g.covers());
        out.push(
            Draft::new(Severity::Warning, "posture.anonymous_allowed", format!("The server at {} accepts anonymous sessions", s.server))
                .explain(format!("{set_up}. Anyone who can reach the server can then list shares and query some RPC interfaces.{reach}{pipes}"))
                .next(restrict_step(&platform::server(model, s)))
                .covers(g.covers())
                .frames(g.frames())
                .session(s.session_id)
                .done(),
        );
    }
}

/// Pipe names listed by [`pipes_opened`]; past these, counted.
const PIPES_NAMED: usize = 8;

/// The named pipes the sessions of `covers` ((tcp.stream, SessionId))
/// opened, with how many times each (`Model::pipes`, in order), and the
/// RPC interfaces their binds named ([`rpc::label`]): " They opened the
/// named pipe samr (5 times) and bound MS-SAMR (samr) on it.", or nothing
/// when they opened none. Binding [MS-SAMR] or [MS-LSAT] anonymously is
/// the null-session enumeration of a domain's accounts: said so.
fn pipes_opened(model: &Model, covers: impl Iterator<Item = (u64, Option<u64>)>) -> String {
    if model.pipes.is_empty() {
        return String::new();
    }
    let sessions: KeyedHashMap<(u64, u64), ()> =
        covers.filter_map(|(n, id)| Some(((n, id?), ()))).collect();
    let mut names: Vec<(&str, u64)> = Vec::new();
    let mut more = 0u64;
    let mut bound: Vec<SyntaxId> = Vec::new();
    for p in &model.pipes {
        if p.unanswered || !sessions.contains_key(&(p.stream, p.session_id)) {
            continue;
        }
        for b in &p.interfaces {
            if bound.len() < PIPES_NAMED && !bound.contains(&b.syntax) {
                bound.push(b.syntax);
            }
        }
        if let Some((_, c)) = names
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&p.name))
        {
            *c += 1;
        } else if names.len() < PIPES_NAMED {
            names.push((&p.name, 1));
        } else {
            more += 1;
        }
    }
    if names.is_empty() {
        return String::new();
    }
    let list: Vec<String> = names
        .iter()
        .map(|&(n, c)| match c {
            1 => n.to_string(),
            _ => format!("{n} ({c} times)"),
        })
        .collect();
    let extra = match more {
        0 => String::new(),
        n => format!(" and {n} more open(s) of other pipes"),
    };
    let one = names.len() == 1 && more == 0;
    let noun = if one { "named pipe" } else { "named pipes" };
    let mut s = format!(" They opened the {noun} {}{extra}", list.join(", "));
    if !bound.is_empty() {
        let labels: Vec<String> = bound.iter().map(rpc::label).collect();
        let on = if one { "it" } else { "them" };
        s.push_str(&format!(" and bound {} on {on}", labels.join(", ")));
    }
    s.push('.');
    let enumerated: Vec<&str> = bound
        .iter()
        .filter_map(|b| rpc::of(b))
        .filter(|r| r.uuid == rpc::SAMR || r.uuid == rpc::LSA)
        .map(|r| r.doc)
        .collect();
    if !enumerated.is_empty() {
        s.push_str(&format!(" {} bound in a null session is the classic null-session enumeration: with no password, a client lists the domain's users and groups, their RIDs and SIDs, and its password policy (enum4linux, rpcclient, Impacket's samrdump and lookupsid).", enumerated.join(" and ")));
    }
    s
}

/// What anonymous sessions did on a server's disk shares.
struct FileAccess {
    share: String,
    shares: u64,
    read: u64,
    written: u64,
}

/// Server → the disk shares its anonymous sessions connected to, with the
/// bytes they read and wrote (one pass over the sessions and the trees).
fn file_access(model: &Model) -> KeyedHashMap<SocketAddr, FileAccess> {
    let anonymous: KeyedHashMap<(u64, u64), SocketAddr> = model
        .sessions
        .iter()
        .filter(|s| is_accepted(s))
        .map(|s| ((s.stream, s.id), s.server))
        .collect();
    let mut by_server: KeyedHashMap<SocketAddr, FileAccess> = KeyedHashMap::default();
    for t in &model.trees {
        let Some(&server) = anonymous.get(&(t.stream, t.sid)) else {
            continue;
        };
        if t.share_type != Some(crate::smb2::tree::ShareType::DISK) || t.opens == 0 {
            continue;
        }
        let f = by_server.entry(server).or_insert_with(|| FileAccess {
            share: t.share.clone(),
            shares: 0,
            read: 0,
            written: 0,
        });
        f.shares += 1;
        f.read += t.read_bytes;
        f.written += t.write_bytes;
    }
    by_server
}

/// Anonymous logons refused: one finding per client address, server and
/// status.
fn refused(model: &Model, shared: &SharedOwnLogons<'_>, out: &mut Sink) {
    let groups = groups(model, is_refused_anonymous, |s| {
        (s.client.ip(), s.server, s.status.map_or(0, |st| st.0))
    });
    if groups.is_empty() {
        return;
    }
    let own = shared.get();
    for g in &groups {
        let server = platform::server(model, g.first());
        let causes = refusal_causes(model, g.first(), &server);
        let fell_back = own.fell_back_from(g.first());
        let own = own.first(g.first().client.ip(), g.first().server);
        push_refused(model, g, own, fell_back, &causes, out);
    }
}

/// The security options of a Windows server that govern anonymous access
/// to its shares and named pipes (Local Security Policy, Security Options;
/// registry RestrictNullSessAccess, NullSessionShares, NullSessionPipes
/// under LanmanServer\Parameters). RestrictAnonymous governs the
/// enumeration of accounts and shares over RPC, not access to them.
const WINDOWS_ANONYMOUS: &str = "'Network access: Restrict anonymous access to Named Pipes and Shares', 'Network access: Shares that can be accessed anonymously' and 'Network access: Named Pipes that can be accessed anonymously'";

/// How to restrict anonymous access on the server, for the server the
/// capture shows, or for both.
fn restrict_step(server: &Platform) -> String {
    // smb.conf(5), restrict anonymous: "Setting guest ok = yes on any
    // share will remove the security advantage"; anonymous-list-shares'
    // server has a [public] share with 'guest ok = yes'.
    const SAMBA: &str = "'restrict anonymous = 2', and 'guest ok = no' (the default) on every share, since smb.conf(5) says one share with 'guest ok = yes' removes the advantage of restrict anonymous ('testparm -s' lists them), and 'map to guest = Never' (the default) so that no unknown user becomes a guest either";
    const WINDOWS: &str = "enable 'Network access: Restrict anonymous access to Named Pipes and Shares' and empty the lists of 'Network access: Shares that can be accessed anonymously' and 'Network access: Named Pipes that can be accessed anonymously'";
    if server.windows() {
        format!(
            "Restrict anonymous access: the server states Windows ({}): {WINDOWS}.",
            server.shown
        )
    } else if server.samba() {
        format!(
            "Restrict anonymous access: the server states Samba ({}): {SAMBA}.",
            server.shown
        )
    } else {
        format!("Restrict anonymous access (Windows: {WINDOWS}; Samba: {SAMBA}).")
    }
}

/// Where to allow anonymous access on the server, for the server the
/// capture shows ([`platform::server`]), or for both.
fn allow_step(server: &Platform) -> String {
    // 'restrict anonymous = 0' is the default; smbd requires encryption of
    // every session, anonymous and guest ones too (which have no key),
    // when 'server smb encrypt = required' is set in [global].
    const SAMBA: &str = "'restrict anonymous' left at 0, its default; and since smbd refuses every anonymous logon while [global] has 'server smb encrypt = required' (an anonymous session has no key to encrypt with), either drop that global requirement or require encryption per share instead ('server smb encrypt = required' in the sections of the shares that need it, not in [global])";
    if server.windows() {
        format!("the server states Windows ({}): list the share under 'Network access: Shares that can be accessed anonymously' or the pipe under 'Network access: Named Pipes that can be accessed anonymously', or disable 'Network access: Restrict anonymous access to Named Pipes and Shares'", server.shown)
    } else if server.samba() {
        format!("the server states Samba ({}): {SAMBA}", server.shown)
    } else {
        format!("Samba: {SAMBA}; Windows: the security options {WINDOWS_ANONYMOUS}")
    }
}

/// Why a server refuses anonymous logons, as far as the capture allows.
/// Policy always; signing only where the NEGOTIATE response of the
/// logon's connection says SIGNING_REQUIRED (smbd exempts anonymous and
/// guest sessions from signing, smb2_sesssetup.c "force no signing", so a
/// server that does not even require it cannot refuse for it); encryption
/// unless a session of this server was set up without it (smbd refuses
/// every anonymous logon when 'server smb encrypt = required', and sets up
/// no session without encryption then).
/// A server the capture shows to be Windows ([`platform::server`]) is
/// told its own causes: Windows refuses a client at SESSION_SETUP for
/// encryption only when the client cannot encrypt ([MS-SMB2] 3.3.5.5), not
/// for being anonymous, so policy is the cause there; smbd's settings are
/// not offered for it.
struct Causes {
    /// For the explanation: "A server refuses them by policy, ...".
    why: String,
    /// For the step: "anonymous access restricted, ...".
    settings: String,
    /// Where to allow anonymous access ([`allow_step`]).
    allow: String,
}

fn refusal_causes(model: &Model, s: &Session, server: &Platform) -> Causes {
    let allow = allow_step(server);
    if server.windows() {
        return Causes {
            why: format!("The server states Windows ({}): it refuses them by policy, its security options for anonymous access; requiring encryption makes Windows refuse only a client that cannot encrypt ([MS-SMB2] 3.3.5.5), whoever it logs on as.", server.shown),
            settings: format!("the security options {WINDOWS_ANONYMOUS}"),
            allow,
        };
    }
    let signing = model
        .connection(s.stream)
        .and_then(|c| c.negotiate.as_ref())
        .is_some_and(|n| n.server_signing_required);
    let set_up = |o: &&Session| {
        o.server == s.server
            && matches!(
                o.outcome,
                Outcome::Success | Outcome::Guest | Outcome::Anonymous
            )
    };
    let encrypted = model.sessions.iter().filter(set_up).find(|o| {
        o.session_flags.contains(SessionFlags::ENCRYPT_DATA) || o.encrypted_after_setup > 0
    });
    let clear = model.sessions.iter().filter(set_up).find(|o| {
        o.messages_after_setup > 0
            && o.encrypted_after_setup == 0
            && !o.session_flags.contains(SessionFlags::ENCRYPT_DATA)
    });
    const NO_KEY: &str = "which an anonymous session cannot do, having no session key";
    const SMBD: &str = "(smbd answers STATUS_ACCESS_DENIED to an anonymous logon when 'server smb encrypt = required')";
    let at = |o: &Session| format!("session {} (tcp.stream {})", o.session_id, o.stream);
    let (why, settings) = match (encrypted, clear, signing) {
        (Some(o), _, _) => (
            format!("A server refuses them by policy, or because it requires encryption for every session, {NO_KEY} {SMBD}: this server encrypted {}.", at(o)),
            "anonymous access restricted, encryption required for every session",
        ),
        (None, Some(o), true) => (
            format!("A server refuses them by policy, or because it requires signing for every session, {NO_KEY}: this one says SIGNING_REQUIRED in its NEGOTIATE. Encryption is not the reason: it set up {} without it.", at(o)),
            "anonymous access restricted, signing required",
        ),
        (None, Some(o), false) => (
            format!("A server refuses them by policy. Encryption is not the reason: this server set up {} without it; nor signing, which its NEGOTIATE does not require.", at(o)),
            "anonymous access restricted",
        ),
        (None, None, true) => (
            format!("A server refuses them by policy, or because it requires signing or encryption for every session, {NO_KEY} {SMBD}; this one says SIGNING_REQUIRED in its NEGOTIATE."),
            "anonymous access restricted, signing or encryption required for every session",
        ),
        (None, None, false) => (
            format!("A server refuses them by policy, or because it requires encryption for every session, {NO_KEY} {SMBD}; not for signing, which its NEGOTIATE does not require."),
            "anonymous access restricted, encryption required for every session",
        ),
    };
    Causes {
        why,
        settings: settings.to_string(),
        allow,
    }
}

/// "STATUS_NO_LOGON_SERVERS": the final status of `s`.
fn status_of(s: &Session) -> String {
    s.status
        .map_or_else(|| "?".to_string(), |st| st.to_string())
}

/// How to give the client of `s` credentials, for the client the capture
/// shows ([`platform::client`]): net use for Windows, smbclient for
/// Samba's client; else for Windows, Samba and a Linux cifs mount.
fn credentials_step(model: &Model, s: &Session) -> String {
    let domain = s
        .server_names
        .as_ref()
        .and_then(|n| n.nb_domain_name.as_deref())
        .unwrap_or("DOMAIN");
    let ip = s.server.ip().to_string();
    let windows = unc::windows_path(&ip, "SHARE");
    let samba = unc::samba_path(&ip, "SHARE");
    let client = platform::client(model, s);
    if client.windows() {
        format!(
            "the client states Windows, {}: net use {windows} /user:{domain}\\USER",
            client.shown
        )
    } else if client.samba() {
        format!(
            "the client states Samba, {}: smbclient {samba} -U USER -W {domain}",
            client.shown
        )
    } else {
        format!("Windows: net use {windows} /user:{domain}\\USER; Samba and Linux: smbclient {samba} -U USER -W {domain}, mount -t cifs {samba} /mnt -o username=USER,domain={domain}")
    }
}

fn push_refused(
    model: &Model,
    g: &Group<'_>,
    own: Option<&Session>,
    fell_back: Option<Fallback<'_>>,
    causes: &Causes,
    out: &mut Sink,
) {
    let s = g.first();
    let status = s.status.unwrap_or(NtStatus(0));
    let logons = if g.count == 1 {
        "an anonymous logon".to_string()
    } else {
        format!("{} anonymous logons", g.count)
    };
    let (severity, title) = match (&fell_back, own) {
        (Some(f), _) => (
            Severity::Info,
            format!("The server refused {logons} ({status}), the client's fallback after its own logon was refused ({})", status_of(f.refused)),
        ),
        (None, Some(_)) => (
            Severity::Info,
            format!("The server refused {logons} ({status}); the client's own logon worked"),
        ),
        (None, None) => (
            Severity::Error,
            format!("The server refused {logons} ({status})"),
        ),
    };
    let mut why = format!(
        "{} from {} sent an anonymous NTLM AUTHENTICATE (no user name, no password) to the server at {} {}, and the server answered {status}: it does not accept anonymous (null) sessions. {}",
        s.workstation.as_deref().map_or_else(|| "The client".to_string(), |w| concat(&["The client ", w])),
        s.client.ip(),
        s.server,
        g.times(),
        causes.why,
    );
    let next = match (fell_back, own) {
        (Some(f), _) => {
            let r = f.refused;
            why.push_str(&format!(" The client fell back to them {} after the server refused its logon as {} with {} (frame {}, tcp.stream {}): that refusal is the cause, and its own finding says what to do; a client whose logon is refused may try an anonymous one next.", span(f.secs.max(0.0)), identity(r), status_of(r), r.last_setup_frame, r.stream));
            format!("Nothing to do for these on their own: fix the refused logon of {} ({}, frame {}), and the client will not fall back. Allow anonymous access only if it is wanted ({}).", identity(r), status_of(r), r.last_setup_frame, causes.allow)
        }
        (None, Some(o)) => {
            why.push_str(&format!(" The same client logged on as {} (tcp.stream eq {}), so the anonymous attempts were a side path: some clients try an anonymous logon first, or for background work, and go on with the user's credentials when it is refused.", identity(o), o.stream));
            format!("Nothing to do unless anonymous access was wanted; if it was, find which of the server's settings refuses it ({}).", causes.settings)
        }
        (None, None) => {
            why.push_str(" No logon of the client's own worked on this server in the capture.");
            format!("Give the client a user name and password ({}); or, if anonymous access is wanted and its traffic may travel unencrypted, allow it on the server ({}).", credentials_step(model, s), causes.allow)
        }
    };
    out.push(
        Draft::new(severity, "logon.anonymous_refused", title)
            .explain(why)
            .next(next)
            .covers(g.covers())
            .frames(g.frames())
            .session(s.session_id)
            .status(status.to_string())
            .done(),
    );
}
