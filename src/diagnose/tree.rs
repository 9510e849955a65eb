//! TREE_CONNECT failures ([MS-SMB2] 3.3.5.7).

use crate::ntstatus::NtStatus as S;
use std::net::IpAddr;

use crate::session::{Lookups, Model, Negotiate, Outcome, Tree};
use crate::smb2::negotiate::Capabilities;

use super::logon::SLOW_ROUND_SECS;
use super::{nt_meaning, nt_next, unc, Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for t in &model.trees {
        slow(model, t, out);
    }
    for (t, st) in model
        .trees
        .iter()
        .filter_map(|t| t.failed_status().map(|st| (t, st)))
    {
        let conn = model.connection(t.stream);
        let negotiate = conn.and_then(|c| c.negotiate.as_ref());
        // Not kept whatever its texts: not written.
        let first = first_frame(t);
        if out.unkept(failure_code(st, negotiate), Severity::Error, first, None) {
            continue;
        }
        let session =
            conn.and_then(|c| model.sessions_of(c).find(|s| s.session_id == t.session_id));
        // Who is refused, as the text says it: the session's user, or the
        // guest account a named user's logon was mapped to.
        let who = session.map(|s| match s.outcome {
            Outcome::Guest => format!(
                "the session is a guest session (the server mapped the logon of {} to its guest account), and a guest may use only a share open to guests (Samba: 'guest ok = yes'; Windows: share and file permissions for Guest or Everyone)",
                super::identity(s)
            ),
            _ => format!("the session's user, {}, may not use this share", super::identity(s)),
        });
        let keyless =
            session.is_some_and(|s| matches!(s.outcome, Outcome::Guest | Outcome::Anonymous));
        let smb1 = conn.is_some_and(|c| c.smb1_used_frame.is_some()) && negotiate.is_none();
        // The user the text names (the session's, in a refusal of access).
        let user = session.and_then(super::logon::user_of);
        // Whom a client step is for: the session's client, else the
        // connection's.
        let client = match (session, conn) {
            (Some(s), _) => super::platform::client(model, s),
            (None, Some(c)) => super::platform::client_of(model, c),
            (None, None) => super::platform::Platform::UNKNOWN,
        };
        out.push(
            failure(
                t,
                st,
                negotiate,
                who.as_deref(),
                keyless || smb1,
                smb1,
                &client,
            )
            .user(user)
            .done(),
        );
    }
}

/// The first frame of a tree's findings' evidence: its request's, or its
/// response's.
fn first_frame(t: &Tree) -> u64 {
    t.request_frame
        .into_iter()
        .chain(t.response_frame)
        .min()
        .unwrap_or_default()
}

/// A TREE_CONNECT answered after more than [`SLOW_ROUND_SECS`], as a slow
/// SESSION_SETUP round is reported: the server checks the share before it
/// answers (its path, a DFS referral, its host rules, Samba's 'preexec'
/// scripts). Not an SMB1 TREE_CONNECT_ANDX chained to a SESSION_SETUP_ANDX,
/// whose time is the logon's too (a slow one is a logon.slow_round).
fn slow(model: &Model, t: &Tree, out: &mut Sink) {
    let (Some(d), Some(status)) = (t.duration.filter(|d| *d > SLOW_ROUND_SECS), t.status) else {
        return;
    };
    let chained = model.connection(t.stream).is_some_and(|c| {
        model
            .sessions_of(c)
            .flat_map(|s| s.rounds.iter())
            .any(|r| Some(r.request_frame) == t.request_frame)
    });
    if chained {
        return;
    }
    // Not kept whatever its texts: not written.
    let first = first_frame(t);
    if out.unkept("tree.slow", Severity::Warning, first, None) {
        return;
    }
    let share = &t.share;
    let (_, name) = split_share(share);
    let (seen, check) = t
        .server_lookups
        .as_deref()
        .map_or((String::new(), String::new()), |l| {
            lookups_text(t.server_ip, l)
        });
    out.push(
        Draft::new(Severity::Warning, "tree.slow", format!("Slow TREE_CONNECT response: {d:.3} s ({share})"))
            .explain(format!("The server took {d:.3} s to answer the TREE_CONNECT to {share} ({}). Servers answer a tree connect in milliseconds. A slow one waits on something the share needs first: its path on slow or unreachable storage (a network file system or a hung mount under the share, a disk spinning up), a DFS referral to resolve, a name lookup of the client ('hosts allow' / 'hosts deny' of the share naming hosts, against a DNS server that does not answer), a Samba 'preexec' or 'root preexec' script, which runs before the answer; or the server is overloaded.{seen}", status))
            .next(format!("{check}On the server, check the share's path and the storage under it (Samba: testparm -s --section-name={name} shows the path and any 'preexec'; time 'ls' of it there; Windows: Get-SmbShare {name} | select Path), its DNS (time a lookup of the client's address), and its load at that time."))
            .stream(t.stream)
            .frames(t.request_frame.into_iter().chain(t.response_frame))
            .session(t.session_id)
            .done(),
    );
}

/// What the capture shows the server (`server`) looking up while its
/// client waited: a sentence for the explanation, and a first step when an
/// ARP request of it went unanswered ("" when there is none).
pub(super) fn lookups_text(server: IpAddr, l: &Lookups) -> (String, String) {
    let mut parts: Vec<String> = Vec::new();
    if let (n, Some(target)) = (l.arp_requests, l.arp_target) {
        parts.push(format!("{n} ARP request{} for {target}", plural(n)));
    }
    if let (n, Some(dns)) = (l.dns_queries, l.dns_server) {
        parts.push(format!(
            "{n} DNS quer{} to {dns}",
            if n == 1 { "y" } else { "ies" }
        ));
    }
    let frames = if l.first_frame == l.last_frame {
        format!("frame {}", l.first_frame)
    } else {
        format!("frames {}-{}", l.first_frame, l.last_frame)
    };
    let mut seen = format!(
        " Meanwhile the server ({server}) sent {}{} ({frames})",
        if l.partial { "at least " } else { "" },
        parts.join(" and ")
    );
    let unanswered = l.arp_target.filter(|_| !l.arp_answered);
    match unanswered {
        Some(target) => seen.push_str(&format!(", and no ARP reply from {target} is in the capture: it was trying to reach that address on its own network (most likely its DNS server, which its lookup waited for) and got no answer.")),
        None if l.dns_queries > 0 => seen.push_str(": it was looking names up before it answered."),
        None => seen.push('.'),
    }
    let check = unanswered.map_or(String::new(), |target| {
        format!("Check {target}, which the server's ARP requests got no answer from: whether it is the server's DNS server (/etc/resolv.conf; Windows: Get-DnsClientServerAddress) and whether it is up and on the server's network. ")
    });
    (seen, check)
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Whether the connection can encrypt, as [MS-SMB2] 3.3.5.7 asks before it
/// refuses a share that requires encryption: a 3.1.1 connection with a
/// cipher, or a 3.0/3.0.2 one where both sides have CAP_ENCRYPTION. `None`
/// when the NEGOTIATE is not in the capture.
fn can_encrypt(n: Option<&Negotiate>) -> Option<bool> {
    let n = n?;
    let d = n.dialect_code;
    if d == 0 || n.response_frame.is_none() {
        return None;
    }
    Some(match d {
        0x0311.. => n.cipher.is_some(),
        0x0300.. => {
            n.capabilities.contains(Capabilities::ENCRYPTION)
                && n.client_capabilities.contains(Capabilities::ENCRYPTION)
        }
        _ => false,
    })
}

/// The likely meant name of an administrative share typed with its '$' at
/// the wrong end ("$IPC", "$C"), as the next step's first words.
fn share_typo(name: &str) -> String {
    match name.strip_prefix('$') {
        Some(rest) if !rest.is_empty() && !rest.ends_with('$') && rest.len() <= 8 => {
            format!("The name begins with '$': the share meant is probably '{rest}$' (administrative and hidden shares end in '$'). ")
        }
        _ => String::new(),
    }
}

/// `\\server\share` split into the server and the share's name.
fn split_share(path: &str) -> (&str, &str) {
    let p = path.trim_start_matches('\\');
    match p.rsplit_once('\\') {
        Some((server, name)) => (server, name),
        None => ("SERVER", p),
    }
}

/// The code of [`failure`]'s finding, as its arms choose it.
fn failure_code(st: S, n: Option<&Negotiate>) -> &'static str {
    let d_code = n.map_or(0, |n| n.dialect_code);
    let cannot_encrypt = d_code != 0 && d_code < 0x0300;
    match super::dos::tree(st).map_or(st, |e| e.nt) {
        S::BAD_NETWORK_NAME => "tree.not_found",
        S::ACCESS_DENIED if cannot_encrypt => "tree.encryption_required",
        S::ACCESS_DENIED | S::NETWORK_ACCESS_DENIED => "tree.access_denied",
        _ => "tree.failed",
    }
}

fn failure(
    t: &Tree,
    st: S,
    n: Option<&Negotiate>,
    // "the session's user, DOMAIN\user, may not use this share": who is
    // refused, as the text says it.
    who: Option<&str>,
    keyless: bool,
    smb1: bool,
    client: &super::platform::Platform,
) -> Draft {
    let d_code = n.map_or(0, |n| n.dialect_code);
    let d_name = n.and_then(|n| n.dialect).map(|d| d.to_string());
    let cannot_encrypt = d_code != 0 && d_code < 0x0300;
    let share = &t.share;
    let (server, name) = split_share(share);
    // An SMB1 DOS-form error is read as the NTSTATUS [MS-CIFS] pairs it
    // with for a tree connect, and otherwise as no NTSTATUS at all.
    let dos = super::dos::tree(st);
    // The code as [`failure_code`] gives it ([`Sink::unkept`] counted it so).
    let code = failure_code(st, n);
    let d = match dos.map_or(st, |e| e.nt) {
        S::BAD_NETWORK_NAME => Draft::new(Severity::Error, code, format!("Share not found: {share}"))
            .explain(match dos {
                Some(e) => format!("The server answered the TREE_CONNECT to {share} with {st}. {} {}", e.why, nt_meaning(e.nt.0).unwrap_or("")),
                None => format!("The server answered the TREE_CONNECT to {share} with STATUS_BAD_NETWORK_NAME. {}", nt_meaning(st.0).unwrap_or("")),
            })
            .next(format!("{}List the shares of {server} (smbclient -L {} -U USER; net view {}) and compare them with '{name}'. On a Samba server, 'testparm -s' shows each share's path, which must exist and be readable by smbd.", share_typo(name), unc::samba_path(server, ""), unc::windows_path(server, ""))),
        S::ACCESS_DENIED if cannot_encrypt => Draft::new(Severity::Error, code, format!("Access to {share} denied: the share probably requires encryption, which SMB {} cannot do", d_name.as_deref().unwrap_or("2.x")))
            .explain(format!("TREE_CONNECT to {share} was refused with STATUS_ACCESS_DENIED on a connection that negotiated SMB {}. SMB 2.x has no encryption, and a server refuses such clients on shares that require it (Samba 'smb encrypt = required', Windows EncryptData / RejectUnencryptedAccess). If the share does not require encryption, the user lacks permission on it.", d_name.as_deref().unwrap_or("2.x")))
            .next(format!("Let the client negotiate SMB 3.0 or later (Samba: 'client max protocol = SMB3'; check 'client min/max protocol'), or check the share's encryption setting and permissions.{}", super::linux::step(client, super::linux::Cifs::Encrypt))),
        S::ACCESS_DENIED | S::NETWORK_ACCESS_DENIED => {
            let refused = who.unwrap_or("the session's user may not use this share");
            // [MS-SMB2] 3.3.5.7: a share that requires encryption accepts a
            // connection that can encrypt, and marks it SHAREFLAG_ENCRYPT_DATA.
            let encryption = match (can_encrypt(n), keyless) {
                (_, true) if smb1 => " The share may also require encryption, which an SMB1 connection cannot do (Samba's UNIX extensions aside).".to_string(),
                (_, true) => " The share may also require encryption, which a guest or anonymous session cannot do (it has no key).".to_string(),
                (Some(true), false) => format!(" Encryption is not the reason: this connection can encrypt (SMB {}{}), and a share that requires encryption accepts such a connection ([MS-SMB2] 3.3.5.7).", d_name.as_deref().unwrap_or("3.x"), n.and_then(|n| n.cipher).map(|c| format!(", {c}")).unwrap_or_default()),
                (Some(false), false) => format!(" The share may also require encryption, which this connection cannot do (SMB {} without a cipher).", d_name.as_deref().unwrap_or("3.x")),
                (None, false) => " The share may also require encryption, which the connection may not be able to do (its NEGOTIATE is not in the capture).".to_string(),
            };
            Draft::new(Severity::Error, code, format!("Access to share {share} denied"))
                .explain(format!("TREE_CONNECT to {share} was refused with {st}: {refused}. On Samba the share's 'valid users', 'invalid users', 'hosts allow' and 'hosts deny' decide that; on Windows its share permissions.{encryption}"))
                .next(format!("Check who may use '{name}': Samba, its 'valid users', 'invalid users', 'hosts allow' and 'hosts deny' (testparm -s --section-name={name}) and the share's own ACL, which smbd checks too ('sharesec {name} --view'; set from Windows in the share's Permissions); Windows, Get-SmbShareAccess {name}."))
        }
        S::INSUFFICIENT_RESOURCES => Draft::new(Severity::Error, code, format!("TREE_CONNECT to {share} failed: {st}"))
            .explain(format!("The server refused the tree connect to {share} with {st}. Samba answers a TREE_CONNECT so when the share's connection limit ('max connections') is used up; otherwise the server ran out of memory or another resource such as handles."))
            .next("Look at the share's connection limit and who holds its connections (Samba: 'max connections', smbstatus -S; Windows: the share's user limit, Get-SmbShare | select Name,ConcurrentUserLimit), then at the server's memory."),
        _ => Draft::new(Severity::Error, code, format!("TREE_CONNECT to {share} failed: {st}"))
            .explain(match super::dos::meaning(st) {
                Some(m) => format!("The server refused the tree connect. {m}"),
                None => nt_meaning(st.0).unwrap_or("The server refused the tree connect.").to_string(),
            })
            .next(nt_next(st.0).unwrap_or_else(|| "Check the server's log for this share.".to_string())),
    };
    d.stream(t.stream)
        .frames(t.request_frame.into_iter().chain(t.response_frame))
        .session(t.session_id)
        .status(st.to_string())
}
