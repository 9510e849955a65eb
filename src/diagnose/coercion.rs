//! Authentication coercion (PrinterBug/SpoolSample, PetitPotam,
//! DFSCoerce, ShadowCoerce): a client C opens, on a server S, the pipe of
//! an RPC interface with calls that make S open a path or printer that C
//! names ([MS-RPRN] RpcRemoteFindFirstPrinterChangeNotification[Ex],
//! [MS-EFSR] EfsRpcOpenFileRaw and the like, [MS-DFSNM] NetrDfsAddStdRoot,
//! [MS-FSRVP] IsPathSupported), and S, from the same address, soon opens an
//! SMB connection back to C and authenticates there as its computer account
//! (a name ending in `$`) or anonymously. C then holds the computer's
//! authentication to relay or, with unconstrained delegation, its TGT.
//!
//! One finding (attack.coercion) per pipe open followed by such logons;
//! the logon findings of those logons ([`explained`]) then say that they
//! are its consequence, and lose their operational next steps.

use std::net::IpAddr;

use crate::session::pipes::{Bound, PipeOpen, RpcCall};
use crate::session::{Model, Outcome, Session};
use crate::tcp::hash::KeyedHashMap;

use super::logon::{identity, span};
use super::rpc;
use super::{Draft, Finding, Severity, Sink};

pub(super) const CODE: &str = "attack.coercion";

/// Seconds after the pipe's open or its last call seen within which a
/// logon back counts as coerced.
const WINDOW_SECS: i64 = 5;

/// An RPC interface known for coercion, by the pipe it is reached through.
struct Interface {
    /// Pipe names (lower case) that reach it.
    pipes: &'static [&'static str],
    /// The protocol document.
    doc: &'static str,
    /// What it is, for a reader.
    what: &'static str,
    /// Opnums of its coercing calls (only when the pipe names this
    /// interface alone), named by [`rpc::KNOWN`].
    calls: &'static [u16],
    /// Whether a bind names it: its UUIDs are those of `doc` in
    /// [`rpc::KNOWN`] (the protocol document's section 1.9), which an RPC
    /// filter blocks.
    bound: bool,
    /// What to do on the coerced server.
    step: &'static str,
}

/// The next step on a server coerced through [MS-EFSR].
const EFSR_STEP: &str = "install the Windows updates for PetitPotam (CVE-2021-36942) and, where EFS is not used remotely, block the [MS-EFSR] interface with an RPC filter: in 'netsh rpc filter', for each of its interface UUIDs c681d488-d850-11d0-8c52-00c04fd90f7e (reached through lsarpc, samr, lsass, netlogon) and df1941c5-fe89-4e79-bf10-463657acf44d (through efsrpc): 'add rule layer=um actiontype=block', 'add condition field=if_uuid matchtype=equal data=UUID', 'add filter'";

const INTERFACES: &[Interface] = &[
    Interface {
        pipes: &["spoolss"],
        doc: "[MS-RPRN]",
        what: "the Print Spooler",
        calls: &[62, 65],
        bound: true,
        step: "disable the Print Spooler service on domain controllers and on every server that does not print ('Stop-Service Spooler; Set-Service Spooler -StartupType Disabled', or the Group Policy 'Allow Print Spooler to accept client connections' set to Disabled)",
    },
    Interface {
        pipes: &["efsrpc"],
        doc: "[MS-EFSR]",
        what: "Encrypting File System Remote Protocol (PetitPotam)",
        calls: &[0, 4, 5, 6, 7, 8, 9, 12, 13, 15],
        bound: true,
        step: EFSR_STEP,
    },
    Interface {
        pipes: &["lsarpc", "lsass", "samr", "netlogon"],
        doc: "[MS-EFSR]",
        what: "a pipe that also reaches the Encrypting File System Remote Protocol (PetitPotam)",
        calls: &[],
        // A bind names the interface: [MS-EFSR] by its UUIDs (the entry
        // above), anything else (LSA, SAMR, Netlogon) is no coercion.
        bound: false,
        step: EFSR_STEP,
    },
    Interface {
        pipes: &["netdfs"],
        doc: "[MS-DFSNM]",
        what: "DFS Namespace Management (DFSCoerce)",
        calls: &[12, 13],
        bound: true,
        step: "block the [MS-DFSNM] interface with an RPC filter on domain controllers (netsh rpc filter: 'add rule layer=um actiontype=block', 'add condition field=if_uuid matchtype=equal data=4fc742e0-4a10-11cf-8273-00aa004ae673', 'add filter'), or stop the DFS Namespace service where it is not needed",
    },
    Interface {
        pipes: &["fssagentrpc"],
        doc: "[MS-FSRVP]",
        what: "File Server Remote VSS (ShadowCoerce)",
        calls: &[8, 9],
        bound: true,
        step: "install the Windows update for CVE-2022-30154, or stop the 'File Server VSS Agent Service' where it is not needed (or block its interface a8e0653c-2744-4389-a61d-7373df8b2292 with an RPC filter, as for [MS-EFSR])",
    },
];

/// The interface a pipe name reaches, if it is one known for coercion.
fn interface(pipe: &str) -> Option<&'static Interface> {
    let name = pipe.trim_start_matches('\\');
    let name = name
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("pipe\\"))
        .map_or(name, |_| name.get(5..).unwrap_or(""));
    INTERFACES
        .iter()
        .find(|i| i.pipes.iter().any(|p| p.eq_ignore_ascii_case(name)))
}

/// The coercion interface a pipe open reached: the one its bind named,
/// when the capture shows a bind (and none when the bind named another
/// interface: LSA on lsarpc is no coercion); else the one its name reaches.
fn interface_of(pipe: &str, bound: &[Bound]) -> Option<(&'static Interface, Option<Bound>)> {
    if bound.is_empty() {
        return interface(pipe).map(|i| (i, None));
    }
    bound.iter().find_map(|b| {
        let r = rpc::of(&b.syntax)?;
        INTERFACES
            .iter()
            .find(|i| i.bound && i.doc.trim_matches(['[', ']']) == r.doc)
            .map(|i| (i, Some(*b)))
    })
}

/// The name of a coercing call of `i` ([`rpc::KNOWN`]).
fn call_name(i: &Interface, opnum: u16) -> Option<&'static str> {
    if !i.calls.contains(&opnum) {
        return None;
    }
    let doc = i.doc.trim_matches(['[', ']']);
    rpc::KNOWN
        .iter()
        .filter(|r| r.doc == doc)
        .find_map(|r| rpc::op_name(r, opnum))
}

/// A logon that authenticates a computer: its account name ends in `$`
/// (NTLM user or Kerberos client principal), or anonymous.
fn computer_or_anonymous(s: &Session) -> bool {
    let machine = |n: &str| n.split('@').next().is_some_and(|u| u.ends_with('$'));
    s.user.as_deref().is_some_and(machine)
        || s.client_principal.as_deref().is_some_and(machine)
        || s.ntlm_response == Some("anonymous")
        || s.outcome == Outcome::Anonymous
}

/// A coercion: the pipe open, the call pending when the server called
/// back (when the capture shows one), and the logons back.
pub(super) struct Coercion<'a> {
    pipe: &'a PipeOpen,
    iface: &'static Interface,
    /// The bind that named the interface, when the capture shows it.
    bound: Option<Bound>,
    call: Option<RpcCall>,
    logons: Vec<&'a Session>,
}

/// The coercions of a capture: pipe opens of [`INTERFACES`] followed,
/// within [`WINDOW_SECS`] of the open or of its last call seen, by logons
/// of the server's address to the client's address that
/// [`computer_or_anonymous`] accepts.
pub(super) fn find(model: &Model) -> Vec<Coercion<'_>> {
    let pipes: Vec<(&PipeOpen, &Interface, Option<Bound>)> = model
        .pipes
        .iter()
        // Opens the capture shows made (not a one-sided capture's
        // CREATE requests: lateral reads those).
        .filter(|p| !p.unanswered && p.client.ip() != p.server.ip())
        .filter_map(|p| interface_of(&p.name, &p.interfaces).map(|(i, b)| (p, i, b)))
        .collect();
    if pipes.is_empty() {
        return Vec::new();
    }
    // (logon's client address, its server address) → its logons.
    let mut back: KeyedHashMap<(IpAddr, IpAddr), Vec<&Session>> = KeyedHashMap::default();
    for s in model.sessions.iter().filter(|s| computer_or_anonymous(s)) {
        back.entry((s.client.ip(), s.server.ip()))
            .or_default()
            .push(s);
    }
    let mut out = Vec::new();
    for (p, iface, bound) in pipes {
        let Some(cands) = back.get(&(p.server.ip(), p.client.ip())) else {
            continue;
        };
        let last = p.calls.last().map_or(p.time, |c| c.time.max(p.time));
        let logons: Vec<&Session> = cands
            .iter()
            .copied()
            .filter(|s| {
                s.first_time >= p.time
                    && s.first_time.nanos_since(last) <= WINDOW_SECS * 1_000_000_000
            })
            .collect();
        let Some(first) = logons.first() else {
            continue;
        };
        out.push(Coercion {
            pipe: p,
            iface,
            bound,
            call: pending_call(p, first),
            logons,
        });
    }
    out
}

/// The call waiting for its answer when the logon back began, or else the
/// last call before it.
fn pending_call(p: &PipeOpen, logon: &Session) -> Option<RpcCall> {
    let mut before = p.calls.iter().filter(|c| c.frame < logon.first_frame);
    let pending = before
        .clone()
        .rfind(|c| c.response_frame.is_none_or(|r| r > logon.first_frame));
    pending.or_else(|| before.next_back()).copied()
}

pub(super) fn findings(found: &[Coercion<'_>], model: &Model, out: &mut Sink) {
    for c in found {
        out.push(finding(c, model));
    }
}

/// The name of a call: "RpcRemoteFindFirstPrinterChangeNotificationEx
/// (opnum 65, frame 28, answered at frame 61)".
fn call_words(i: &Interface, call: &RpcCall) -> String {
    let mut s = match call_name(i, call.opnum) {
        Some(n) => format!("{n} (opnum {}, frame {}", call.opnum, call.frame),
        None => format!("opnum {} (frame {}", call.opnum, call.frame),
    };
    if let Some(r) = call.response_frame {
        s.push_str(&format!(", answered at frame {r}"));
    }
    s.push(')');
    s
}

/// Who logged on back: "its computer account 3B\\HOST$ (NTLMv2, frame 38,
/// tcp.stream 1) and 2 times anonymously (tcp.stream 2, 3)".
fn logons_words(logons: &[&Session]) -> String {
    let (anon, machine): (Vec<&Session>, Vec<&Session>) = logons
        .iter()
        .partition(|s| s.ntlm_response == Some("anonymous") || s.outcome == Outcome::Anonymous);
    let streams = |v: &[&Session]| {
        let mut n: Vec<u64> = v.iter().map(|s| s.stream).collect();
        n.dedup();
        n.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    };
    let mut parts = Vec::new();
    if let Some(m) = machine.first() {
        let kind = m.ntlm_response.or(m.mechanism).unwrap_or("authentication");
        let outcome = match m.status {
            Some(st) if m.outcome == Outcome::Failure => format!(", refused with {st}"),
            _ => String::new(),
        };
        let more = if machine.len() > 1 {
            format!(" ({} logons)", machine.len())
        } else {
            String::new()
        };
        parts.push(format!(
            "as its computer account {}{more} ({kind}, frame {}, tcp.stream {}{outcome})",
            identity(m),
            m.rounds.last().map_or(m.first_frame, |r| r.request_frame),
            streams(&machine)
        ));
    }
    if !anon.is_empty() {
        let times = if anon.len() == 1 {
            "once".to_string()
        } else {
            format!("{} times", anon.len())
        };
        parts.push(format!(
            "{times} anonymously (tcp.stream {})",
            streams(&anon)
        ));
    }
    parts.join(", and ")
}

fn finding(c: &Coercion<'_>, model: &Model) -> Finding {
    let p = c.pipe;
    let i = c.iface;
    let (cip, sip) = (p.client.ip(), p.server.ip());
    let who = model
        .sessions
        .iter()
        .find(|s| s.stream == p.stream && s.id == p.session_id)
        .map(identity)
        .filter(|u| !u.is_empty());
    let as_user = who
        .as_deref()
        .map_or(String::new(), |u| format!(", logged on as {u},"));
    let first = c.logons.first().copied();
    let since = c.call.map_or(p.time, |x| x.time);
    let after = first.map_or(String::new(), |s| {
        format!(
            "{} later, ",
            span(s.first_time.nanos_since(since).max(0) as f64 / 1e9)
        )
    });
    let call = match c.call {
        Some(x) => format!(" and called {}", call_words(i, &x)),
        None => String::new(),
    };
    let bind = c.bound.map_or(String::new(), |b| {
        let doc = rpc::of(&b.syntax).map_or(String::new(), |r| format!("{} ", r.doc));
        format!(
            ", bound its interface {doc}{} v{}.{} (frame {})",
            b.syntax.uuid_text(),
            b.syntax.version_major,
            b.syntax.version_minor,
            b.frame
        )
    });
    let server_port = first.map_or(String::new(), |s| format!("{}", s.server));
    let explanation = format!(
        "The client at {cip}{as_user} opened the {} pipe ({}, {}) on the server at {sip} (frame {}, tcp.stream {}){bind}{call}; {after}the server at {sip} connected back to {server_port} and authenticated there {}. The calls of this interface make the server open a path or printer the caller names, as its computer account: this is authentication coercion (PrinterBug/SpoolSample, PetitPotam, DFSCoerce, ShadowCoerce), not an IT fault. Whoever listens at {cip} gets the server's computer account's NTLM authentication, which it can relay: to LDAP on a domain controller (to give itself rights or resource-based delegation), to AD CS web enrollment (a certificate of that computer, then its TGT), to SMB servers that do not require signing; or, on a host trusted for unconstrained delegation, it receives the computer's Kerberos TGT. When the coerced computer is a domain controller, that is the domain. The logon findings of these connections are this attack's consequence.",
        p.name,
        i.doc,
        i.what,
        p.request_frame,
        p.stream,
        logons_words(&c.logons),
    );
    let next = format!(
        "Treat {cip}{} as compromised and investigate it. On the coerced server {sip}: {}. Against the relay: require LDAP signing and LDAP channel binding on the domain controllers; turn on Extended Protection for Authentication (EPA) and require HTTPS on AD CS Web Enrollment and the Certificate Enrollment Web Service, or disable NTLM there (KB5005413); require SMB signing; block outbound TCP 445 from servers to clients at the firewall; trust no computer but the domain controllers for unconstrained delegation.",
        who.as_deref().map_or(String::new(), |u| format!(" (and the account {u})")),
        i.step
    );
    let mut frames: Vec<u64> = std::iter::once(p.request_frame).chain(p.frame).collect();
    frames.extend(c.bound.map(|b| b.frame));
    if let Some(x) = c.call {
        frames.push(x.frame);
        frames.extend(x.response_frame);
    }
    let mut covers = vec![(p.stream, Some(p.session_id))];
    for s in &c.logons {
        covers.push((s.stream, Some(s.id)));
        frames.extend(s.rounds.last().map(|r| r.request_frame));
        frames.extend(s.rounds.last().and_then(|r| r.response_frame));
    }
    let title = format!(
        "Authentication coercion: {cip} made {sip} authenticate to it through the {} pipe ({})",
        p.name, i.doc
    );
    Draft::new(Severity::Error, CODE, title)
        .explain(explanation)
        .next(next)
        .covers(covers)
        .frames(frames)
        .session(crate::session::HexId(p.session_id))
        .user(who)
        .done()
}

/// The findings (made by other rules) of the logons back of a coercion
/// say so, and their operational next steps give way to the coercion's.
/// A finding is one of them when all the (stream, SessionId) it stands
/// for, or its stream, are those of the logons back, and its code is a
/// logon's or a session's.
pub(super) fn explained(found: &[Coercion<'_>], all: &mut [Finding]) {
    if found.is_empty() {
        return;
    }
    for f in all.iter_mut() {
        if f.code == CODE || !(f.code.starts_with("logon.") || f.code.starts_with("session.")) {
            continue;
        }
        let Some(c) = found.iter().find(|c| covered_by(f, c)) else {
            continue;
        };
        let p = c.pipe;
        let these = if f.covers.len() > 1 {
            "These logons are"
        } else {
            "This logon is"
        };
        f.title = format!("Coerced callback of attack.coercion: {}", f.title);
        f.explanation = format!(
            "{these} the coerced callback of attack.coercion: the server at {} authenticated to {} because that client asked it to, through the {} pipe (frame {}). {}",
            p.server.ip(),
            p.client.ip(),
            p.name,
            p.request_frame,
            f.explanation
        );
        f.next_step = format!(
            "Nothing to repair on {} for this: it is the consequence of attack.coercion (frame {}); see that finding.",
            p.client.ip(),
            p.request_frame
        );
    }
}

/// `f` stands only for logons back of `c`.
fn covered_by(f: &Finding, c: &Coercion<'_>) -> bool {
    let back = |stream: u64| c.logons.iter().any(|s| s.stream == stream);
    if f.covers.is_empty() {
        f.stream.is_some_and(back)
    } else {
        f.covers.iter().all(|&(n, _)| back(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_names_of_the_coercion_interfaces() {
        assert_eq!(interface("spoolss").map(|i| i.doc), Some("[MS-RPRN]"));
        assert_eq!(
            interface("\\PIPE\\efsrpc").map(|i| i.doc),
            Some("[MS-EFSR]")
        );
        assert_eq!(interface("FssagentRpc").map(|i| i.doc), Some("[MS-FSRVP]"));
        assert_eq!(interface("srvsvc").map(|i| i.doc), None);
        assert_eq!(interface("winreg").map(|i| i.doc), None);
    }

    fn bound(uuid: [u8; 16]) -> Bound {
        let syntax = crate::session::dcerpc::SyntaxId {
            uuid,
            version_major: 1,
            version_minor: 0,
        };
        Bound {
            syntax,
            frame: 7,
            result: None,
        }
    }

    /// A bind names the interface: [MS-EFSR] on lsarpc (PetitPotam's
    /// usual way) is EFSR with its call names; LSA on lsarpc is none.
    #[test]
    fn a_bind_decides_which_interface_a_pipe_reached() {
        // c681d488-d850-11d0-8c52-00c04fd90f7e, as text order.
        let efsr = [
            0xc6, 0x81, 0xd4, 0x88, 0xd8, 0x50, 0x11, 0xd0, 0x8c, 0x52, 0x00, 0xc0, 0x4f, 0xd9,
            0x0f, 0x7e,
        ];
        // 12345778-1234-abcd-ef00-0123456789ab ([MS-LSAD]).
        let lsad = [
            0x12, 0x34, 0x57, 0x78, 0x12, 0x34, 0xab, 0xcd, 0xef, 0x00, 0x01, 0x23, 0x45, 0x67,
            0x89, 0xab,
        ];
        let (i, b) = interface_of("lsarpc", &[bound(efsr)]).expect("EFSR");
        assert_eq!(
            (i.doc, i.calls.is_empty(), b.map(|b| b.frame)),
            ("[MS-EFSR]", false, Some(7))
        );
        assert!(interface_of("lsarpc", &[bound(lsad)]).is_none());
        assert!(interface_of("lsarpc", &[bound(lsad), bound(efsr)]).is_some());
        // No bind in the capture: the pipe's name decides.
        assert_eq!(
            interface_of("lsarpc", &[]).map(|(i, _)| i.calls.is_empty()),
            Some(true)
        );
    }
}
