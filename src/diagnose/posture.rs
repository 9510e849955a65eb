//! Security posture: NTLMv1/LM responses ([MS-NLMP] 3.3.1), SMB1 offered
//! or used, signing not required ([MS-SMB2] 2.2.4 SecurityMode), weak
//! Kerberos enctypes (RC4 [RFC 4757], DES [RFC 6649]), anonymous access.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use crate::auth::kerberos::EncType;
use crate::session::{Model, Round, Session, MECHANISM_NTLM};
use crate::tcp::hash::KeyedHashMap;

use super::group::groups;
use super::logon::identity;
use super::platform::{self, Platform};
use super::{Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    ntlmv1(model, out);
    smb1(model, out);
    plaintext_passwords(model, out);
    signing(model, out);
    enctypes(model, out);
    weak_reply_keys(model, out);
}

/// The NTLMv1 or LM response a session set up with, and the round of its
/// AUTHENTICATE (SMB1 without extended security: the logon's round).
fn ntlmv1_round(s: &Session) -> Option<(&'static str, &Round)> {
    let kind = s
        .ntlm_response
        .filter(|k| matches!(*k, "NTLMv1" | "NTLMv1-ESS" | "LM"))?;
    if !s.outcome.established() {
        return None; // a refused NTLMv1 logon is logon.ntlmv1_rejected
    }
    let r = s.rounds.iter().rev().find(|r| {
        r.request_token.as_deref() == Some("NTLMSSP AUTHENTICATE")
            || r.mechanism == Some(MECHANISM_NTLM)
    })?;
    Some((kind, r))
}

/// Client address, server, kind of response, account.
type V1Key<'a> = (
    (IpAddr, SocketAddr, Option<&'static str>),
    (Option<&'a str>, Option<&'a str>),
);

fn ntlmv1_key(s: &Session) -> V1Key<'_> {
    let kind = ntlmv1_round(s).map(|(k, _)| k);
    (
        (s.client.ip(), s.server, kind),
        (s.domain.as_deref(), s.user.as_deref()),
    )
}

/// Sessions set up with an NTLMv1 or LM response: one finding per client
/// address, server, account and kind of response, as logons are grouped.
fn ntlmv1(model: &Model, out: &mut Sink) {
    let keep = |s: &Session| ntlmv1_round(s).is_some();
    for g in groups(model, keep, ntlmv1_key) {
        let s = g.first();
        let Some((kind, _)) = ntlmv1_round(s) else {
            continue;
        };
        let frames = g.frames_of(|s| {
            ntlmv1_round(s)
                .into_iter()
                .flat_map(|(_, r)| [r.request_frame].into_iter().chain(r.response_frame))
        });
        // Not kept whatever its texts: not written.
        let first = frames.iter().copied().min().unwrap_or(0);
        if out.unkept("posture.ntlmv1", Severity::Warning, first, None) {
            continue;
        }
        let mut title = format!("{kind} response accepted");
        let mut why = format!("The client answered the NTLM challenge with an {kind} response and the server accepted it.");
        if g.count > 1 {
            title.push_str(&format!(", {} times", g.count));
            why.push_str(&format!(
                " The client at {} did so as {} {} with the server at {}.",
                s.client.ip(),
                identity(s),
                g.times(),
                s.server
            ));
        }
        why.push_str(
            " NTLMv1 and LM responses can be cracked or relayed easily; NTLMv2 should be required.",
        );
        out.push(
            Draft::new(Severity::Warning, "posture.ntlmv1", title)
                .explain(why)
                .next(ntlmv1_next(
                    &platform::server(model, s),
                    &platform::client(model, s),
                ))
                .covers(g.covers())
                .frames(frames)
                .session(s.session_id)
                .ntlm_response(kind)
                .user(super::logon::user_of(s))
                .done(),
        );
    }
}

/// The step of posture.ntlmv1: require NTLMv2 on the server (and, for a
/// domain account, on its domain controllers, which check the response)
/// and on the client, each with the setting of the OS the capture shows
/// it to run ([`platform`]), both Windows' and Samba's where it does not.
fn ntlmv1_next(server: &Platform, client: &Platform) -> String {
    const SAMBA_SERVER: &str = "'ntlm auth = ntlmv2-only' is its default (since 4.5, named so since 4.7), so remove an 'ntlm auth = yes' or 'ntlmv1-permitted' from smb.conf ('testparm -s --parameter-name=\"ntlm auth\"' shows the value in force)";
    const SAMBA_CLIENT: &str = "'client ntlmv2 auth = yes' is the default (deprecated since 4.13): remove a 'no' from smb.conf";
    let windows_server = super::steps::lm_level(false);
    let on_server = if server.windows() {
        format!("on the server ({}, Windows) and, for domain accounts, on the domain controllers: {windows_server}", server.shown)
    } else if server.samba() {
        format!("on the server ({}, Samba; a domain account's logon is checked by its domain controller, which must refuse NTLMv1 too): {SAMBA_SERVER}", server.shown)
    } else {
        format!("on the server and, for domain accounts, on the domain controllers: Windows, {windows_server}; Samba, {SAMBA_SERVER}")
    };
    let windows_client = super::steps::lm_level(true);
    let on_client = if client.windows() {
        format!(
            "on the client ({}, Windows): {windows_client}",
            client.shown
        )
    } else if client.samba() {
        format!("on the client ({}, Samba): {SAMBA_CLIENT}", client.shown)
    } else {
        format!("on the client: Windows, {windows_client}; Samba, {SAMBA_CLIENT}")
    };
    format!("Require NTLMv2 {on_server}. Send NTLMv2 only {on_client}.")
}

/// Why SMB1 is a finding, and what to do: the same for SMB1 offered,
/// negotiated, or seen in use mid-stream.
const SMB1_WHY: &str =
    "SMB1 is deprecated and insecure (no pre-authentication integrity, weak signing; EternalBlue).";

/// [`SMB1_WHY`] for a server the capture shows to be Samba: EternalBlue
/// (MS17-010) is a flaw of Windows' srv.sys, not of smbd, whose default
/// 'server min protocol' is SMB2_02 since Samba 4.11.
const SMB1_WHY_SAMBA: &str = "SMB1 is deprecated and insecure (no pre-authentication integrity, weak signing); Samba turns it off by default since 4.11 ('server min protocol = SMB2_02'). EternalBlue (MS17-010) is a flaw of Windows' srv.sys, not of Samba.";

/// Why SMB1 is a finding, for the server of `c` as the capture shows it.
fn smb1_why(model: &Model, c: &crate::session::Connection) -> &'static str {
    if platform::server_of(model, c).samba() {
        SMB1_WHY_SAMBA
    } else {
        SMB1_WHY
    }
}
const SMB1_NEXT: &str = "Disable SMB1 on the client (Windows: 'Disable-WindowsOptionalFeature -Online -FeatureName SMB1Protocol'; Samba: 'client min protocol = SMB2') and on the server (Windows: 'Set-SmbServerConfiguration -EnableSMB1Protocol $false'; Samba: 'server min protocol = SMB2').";

/// The step of `posture.smb1` for connection `c`, by what the capture
/// shows of its two sides ([`platform`]): a Windows NT 5.x side (2000,
/// XP, Server 2003) has no SMB2 to move to, nor the commands that turn
/// SMB1 off, so the step for it is to upgrade it; a client that offers no
/// SMB2 dialect (`offers_smb2` false) is cut off by a server without SMB1,
/// which the step says. Unknown sides: [`SMB1_NEXT`].
fn smb1_next(model: &Model, c: &crate::session::Connection, offers_smb2: bool) -> String {
    let client = platform::client_of(model, c);
    let server = platform::server_of(model, c);
    if !client.legacy() && !server.legacy() && offers_smb2 {
        return SMB1_NEXT.to_string();
    }
    const CLIENT: &str = "(Windows: 'Disable-WindowsOptionalFeature -Online -FeatureName SMB1Protocol'; Samba: 'client min protocol = SMB2')";
    const SERVER: &str = "(Windows: 'Set-SmbServerConfiguration -EnableSMB1Protocol $false'; Samba: 'server min protocol = SMB2')";
    let legacy = |who: &str, p: &Platform| {
        format!("Upgrade the {who}: it states {}, a Windows NT 5.x (2000, XP, Server 2003), which has no SMB2 and no setting or cmdlet to turn SMB1 off, and gets no security updates", p.shown)
    };
    let mut next = if client.legacy() {
        legacy("client", &client)
    } else {
        format!("Disable SMB1 on the client {CLIENT}")
    };
    if server.legacy() {
        next.push_str(&format!(
            "; {}",
            legacy("server", &server).replacen("Upgrade", "upgrade", 1)
        ));
    } else {
        next.push_str(&format!("; disable SMB1 on the server {SERVER}"));
    }
    next.push('.');
    if !offers_smb2 && !server.legacy() {
        next.push_str(" Disabling SMB1 on the server cuts this client off: its NEGOTIATE offers no SMB2 dialect, so make it speak SMB2 first (upgrade, reconfigure or replace it).");
    }
    next
}

fn smb1(model: &Model, out: &mut Sink) {
    // Servers the capture shows using SMB1: the warning about each says
    // what to do on the server, so a note of SMB1 only offered to one of
    // them says what to do on the client alone.
    let used_servers: KeyedHashMap<SocketAddr, ()> = model
        .connections
        .iter()
        .filter(|c| {
            c.smb1_answered_frame.is_some()
                || c.smb1_negotiate
                    .as_ref()
                    .is_some_and(|s| s.answer == Some("smb1"))
        })
        .map(|c| (c.server, ()))
        .collect();
    for c in &model.connections {
        let Some(s) = &c.smb1_negotiate else {
            smb1_midstream(c, out);
            continue;
        };
        let used = s.answer == Some("smb1");
        let servers_using = &used_servers;
        if s.answer == Some("none") && !s.offers_smb2 {
            continue; // negotiate.smb1_only_client
        }
        let (sev, title) = if used {
            (
                Severity::Warning,
                format!("SMB1 in use with the server at {}", c.server),
            )
        } else {
            (
                Severity::Info,
                format!("SMB1 offered by the client to the server at {}", c.server),
            )
        };
        // A repeat (same server, same severity) is merged into the first
        // before its texts are made: they would be thrown away.
        let frames: Vec<u64> = [s.request_frame]
            .into_iter()
            .chain(s.response_frame)
            .collect();
        if out.repeat("posture.smb1", sev, &title, Some(c.stream), "tcp", &frames) {
            continue;
        }
        let next = if !used && servers_using.contains_key(&c.server) {
            format!("Disable SMB1 on the client (Windows: 'Disable-WindowsOptionalFeature -Online -FeatureName SMB1Protocol'; Samba: 'client min protocol = SMB2'); the server at {} is in SMB1 use with other connections of this capture, whose posture.smb1 warning says what to do there.", c.server)
        } else {
            smb1_next(model, c, s.offers_smb2)
        };
        out.push(
            Draft::new(sev, "posture.smb1", title)
                .explain(format!(
                    "The client sent an SMB1 NEGOTIATE offering {}{}. {}",
                    s.dialects.join(", "),
                    if used {
                        ", and the server chose an SMB1 dialect"
                    } else {
                        "; the server answered with SMB2, so SMB1 was not used"
                    },
                    smb1_why(model, c)
                ))
                .next(next)
                .stream(c.stream)
                .frames(frames)
                .done(),
        );
    }
}

/// A server that asks for plaintext passwords: it chose NT LM 0.12 with a
/// SecurityMode without NEGOTIATE_ENCRYPT_PASSWORDS ([MS-CIFS]
/// 2.2.4.52.2), so a client that agrees sends the password itself in
/// SESSION_SETUP_ANDX ([MS-CIFS] 3.2.4.2.4). An error when a client did.
fn plaintext_passwords(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        let Some(n) = c.smb1_negotiate.as_ref().filter(|n| n.plaintext_passwords) else {
            continue;
        };
        let frames = [n.request_frame].into_iter().chain(n.response_frame);
        let sent = model
            .sessions_of(c)
            .find(|s| s.ntlm_response == Some("plaintext"));
        let d = if let Some(s) = sent {
            let who = s.rounds.iter().find_map(|r| r.identity.clone());
            let who = who.unwrap_or_else(|| "an empty account name".into());
            Draft::new(Severity::Error, "posture.plaintext_passwords", format!("Password sent in clear ({who})"))
                .explain(format!("The server's SMB1 NEGOTIATE response (frame {}) asked for plaintext passwords (SecurityMode without NEGOTIATE_ENCRYPT_PASSWORDS), and the client sent the password of {who} in clear in its SESSION_SETUP_ANDX (frame {}). Anyone who captures the traffic has it.", n.response_frame.unwrap_or(n.request_frame), s.first_frame))
                .next("Change that password. Then make the server ask for encrypted passwords (Samba: 'encrypt passwords = yes', the default) and stop clients from sending plaintext (Samba: 'client plaintext auth = no'; Windows: EnablePlainTextPassword = 0).")
                .frames(frames.chain([s.first_frame]))
                .session(s.session_id)
                .user(super::logon::user_of(s))
        } else {
            let none = model.sessions_of(c).next().is_none();
            // The client closed the connection with no SESSION_SETUP: it
            // would not send a password in clear, and the logon it came
            // for did not happen.
            let gave_up = c
                .end
                .as_ref()
                .filter(|e| none && e.by == "client" && matches!(e.reason, "fin" | "reset"));
            const REFUSE: &str = "current clients refuse to send a password in clear (Samba 'client plaintext auth = no', Windows EnablePlainTextPassword = 0, both the default), so they cannot log on to this server.";
            let why = match gave_up {
                Some(e) => format!("The client sent no SESSION_SETUP after it and closed the connection (frame {}): {REFUSE}", e.frame),
                None if none => format!("The client sent no SESSION_SETUP after it: {REFUSE}"),
                None => "No logon in the capture sent one.".to_string(),
            };
            let (severity, title) = match gave_up {
                Some(_) => (
                    Severity::Error,
                    "No logon: the server asks for plaintext passwords",
                ),
                None => (Severity::Warning, "The server asks for plaintext passwords"),
            };
            Draft::new(severity, "posture.plaintext_passwords", title)
                .explain(format!("The server's SMB1 NEGOTIATE response (frame {}) asked for plaintext passwords (SecurityMode without NEGOTIATE_ENCRYPT_PASSWORDS). {why}", n.response_frame.unwrap_or(n.request_frame)))
                .next("Make the server ask for encrypted passwords (Samba: 'encrypt passwords = yes', the default; an old NAS or printer: its firmware), rather than allowing plaintext on the clients.")
                .frames(frames.chain(gave_up.map(|e| e.frame)))
        };
        out.push(d.stream(c.stream).done());
    }
}

/// SMB1 commands answered on a connection whose NEGOTIATE is not in the
/// capture (it began before): SMB1 in use all the same, also when every
/// answer is an error ([`crate::session::Connection::smb1_answered_frame`]).
fn smb1_midstream(c: &crate::session::Connection, out: &mut Sink) {
    let (f, answered) = match (c.smb1_used_frame, c.smb1_answered_frame) {
        (Some(f), _) => (f, format!("with success (the first at frame {f})")),
        (None, Some(f)) => (f, format!("with errors only (the first at frame {f}), which a server sends only once an SMB1 dialect is negotiated ([MS-CIFS] 2.2.4.52)")),
        (None, None) => return,
    };
    let title = format!("SMB1 in use with the server at {}", c.server);
    // A repeat is merged before its texts are made, as in smb1().
    if out.repeat(
        "posture.smb1",
        Severity::Warning,
        &title,
        Some(c.stream),
        "tcp",
        &[f],
    ) {
        return;
    }
    out.push(
        Draft::new(Severity::Warning, "posture.smb1", title)
            .explain(format!("The server answered SMB1 commands on this connection {answered}; its NEGOTIATE is not in the capture, which began after it. {SMB1_WHY}"))
            .next(SMB1_NEXT)
            .stream(c.stream)
            .frames([f])
            .done(),
    );
}

/// A service principal of a computer account: the service classes a
/// computer's own account holds (cifs/HOST, host/HOST), or a principal
/// whose name ends in '$'. Its password is set by the computer, random
/// and long (120 characters), and changed every 30 days: its tickets are
/// no Kerberoasting target, as a user's service account is.
fn computer_spn(spn: &str) -> bool {
    let name = spn.split('@').next().unwrap_or(spn);
    let class = name.split('/').next().unwrap_or(name);
    name.ends_with('$')
        || (name.contains('/')
            && (class.eq_ignore_ascii_case("cifs") || class.eq_ignore_ascii_case("host")))
}

/// Why a weak ticket of `s` matters and what to do, by the ticket's
/// principal ([`computer_spn`]) and by the two sides' OS as the capture
/// shows them ([`platform`]): Windows NT 5.x (2000, XP, Server 2003) has
/// no AES Kerberos, so disallowing RC4 would cut it off.
/// The next step for weak tickets the KDC issued (`xs`, all of `enc`), by
/// what their requests offered: weak enctypes alone (the client asked for
/// `enc`, as Kerberoasting tools do: the account allows it), or AES too
/// (the KDC chose `enc` over it: the account has no AES keys, or its
/// msDS-SupportedEncryptionTypes allows no AES, [MS-KILE] 3.3.5.7).
fn kdc_weak_ticket_next(enc: EncType, xs: &[&crate::session::KdcExchange]) -> String {
    // (the accounts, still allow(s), has/have, them/it, their/its password(s))
    let (the, allow, has, obj, passwords) = match xs {
        [_] => (
            "the account the ticket is for",
            "still allows",
            "has",
            "it",
            "its password",
        ),
        _ => (
            "the accounts the tickets are for",
            "still allow",
            "have",
            "them",
            "their passwords",
        ),
    };
    let offered = |x: &&crate::session::KdcExchange| !x.etypes.is_empty();
    if !xs.iter().all(offered) {
        return format!("Enable AES on {the} and disallow RC4/DES on the domain.");
    }
    if xs.iter().all(|x| x.etypes.iter().all(|e| e.is_weak())) {
        format!("The client asked for {enc} and offered no AES, and the KDC issued it: {the} {allow} {enc}. Set msDS-SupportedEncryptionTypes to 0x18 (AES128 and AES256 only) on {obj}, so the KDC refuses {enc} for {obj} whatever a client asks, and disallow RC4/DES on the domain ('Network security: Configure encryption types allowed for Kerberos'). Find out what on the client asked for {enc} alone: Kerberoasting tools (Rubeus, impacket's GetUserSPNs.py) do.")
    } else if xs.iter().all(|x| x.etypes.iter().any(|e| !e.is_weak())) {
        format!("The client offered AES, and the KDC chose {enc}: {the} {has} no AES keys, or an msDS-SupportedEncryptionTypes without AES. Set it to 0x18 (AES128 and AES256) and reset {passwords} so AES keys exist; then disallow RC4/DES on the domain.")
    } else {
        format!("Enable AES on {the} (msDS-SupportedEncryptionTypes = 0x18, and a password reset so AES keys exist) and disallow RC4/DES on the domain.")
    }
}

/// When the AP-REQ's authenticator of `s` is encrypted with a strong
/// type though its ticket (`ticket`) is weak: a sentence telling the two
/// keys apart. The authenticator is encrypted with the session key (RFC
/// 4120 5.5.1), whose type the KDC chose from the client's list; the
/// ticket with the key of the account holding the SPN (5.3), whose type
/// the KDC chose by that account: its msDS-SupportedEncryptionTypes and
/// the keys it has. So the client could use AES, and
/// the service account is what to change (corpus
/// pcapattack-smb2-kerberos-rc4 frame 14: ticket rc4-hmac, authenticator
/// aes256-cts-hmac-sha1-96).
fn session_key_sentence(s: &Session, ticket: EncType, frame: Option<u64>) -> String {
    let Some(a) = s
        .authenticator_enctype
        .filter(|&a| is_strong(a) && a != ticket)
    else {
        return String::new();
    };
    let at = frame.map(|f| format!(" (frame {f})")).unwrap_or_default();
    format!(" The AP-REQ{at} has the ticket in {ticket} but its authenticator in {a}: the authenticator is encrypted with the session key, whose type the KDC chose from the client's list, and the ticket with the key of the account that holds the SPN, whose type the KDC chose by that account's msDS-SupportedEncryptionTypes and the keys it has. The client can use {a}: the service's account is what keeps the ticket in {ticket}.")
}

fn weak_ticket_advice(model: &Model, s: &Session, spn: Option<&str>) -> (String, String) {
    let computer = spn.is_some_and(computer_spn);
    let why = if computer {
        "It is a computer account's ticket (a cifs/ or host/ principal): the account's password is random, long and changed by the computer itself, so cracking the ticket offline (Kerberoasting) is not practical; RC4 and DES are being disabled by Microsoft all the same."
    } else {
        "RC4 and DES tickets can be cracked offline (Kerberoasting) and are being disabled by Microsoft."
    };
    let (client, server) = (platform::client(model, s), platform::server(model, s));
    let old: Vec<String> = [("client", &client), ("server", &server)]
        .into_iter()
        .filter(|(_, p)| p.legacy())
        .map(|(who, p)| format!("the {who} states {}", p.shown))
        .collect();
    let next = if !old.is_empty() {
        format!("Upgrade first: {}: Windows NT 5.x (2000, XP, Server 2003) has no AES Kerberos (it came with Windows Vista and Server 2008), so disallowing RC4 would cut it off. Once both sides are newer, enable AES on the account the ticket is for and disallow RC4.", old.join(" and "))
    } else if computer {
        "Enable AES on the computer account (msDS-SupportedEncryptionTypes = 0x18; Windows sets it on a computer it runs on), and let the computer change its password ('Reset-ComputerMachinePassword' on it) so AES keys exist; then disallow RC4.".to_string()
    } else {
        "Enable AES on the service account (msDS-SupportedEncryptionTypes = 0x18) and reset its password so AES keys exist; then disallow RC4.".to_string()
    };
    (why.to_string(), next)
}

fn signing(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        let Some(n) = &c.negotiate else {
            smb1_signing(model, c, out);
            continue;
        };
        // no dialect: the response's body is not in the capture (cut by the
        // snaplen, or lost), so its SecurityMode is unknown
        if n.response_frame.is_none()
            || n.dialect.is_none()
            || n.server_signing_required
            || n.status != Some(crate::ntstatus::NtStatus::SUCCESS)
        {
            continue;
        }
        // The client required signing and the server's NTLM could not give
        // it a signing key: negotiate.signing_unsupported says so, and no
        // session was set up for this note to speak of, nor can this server
        // sign one when it is asked to require signing.
        if model
            .sessions_of(c)
            .any(|s| super::logon::signing_refused(s, c))
        {
            continue;
        }
        let title = if n.client_signing_required {
            "The server does not require SMB signing (this client does)"
        } else {
            "The server does not require SMB signing"
        };
        // A repeat (another connection to a server that does not require
        // signing) merges into the first: its texts would be thrown away.
        if repeat_signing(out, title, c.stream, n.response_frame.as_slice()) {
            continue;
        }
        let encrypted = c.encrypted_messages > 0;
        let protected = if encrypted {
            " (this connection was encrypted, which protects it anyway)"
        } else {
            ""
        };
        let why = if n.client_signing_required {
            // The client's SIGNING_REQUIRED makes the server sign too
            // ([MS-SMB2] 3.3.5.4 Connection.ShouldSign, 3.3.5.5.3), and the
            // client signs and checks every message of its sessions
            // (3.2.5.3.1, 3.2.4.1.1): this connection is not the one at risk.
            let (mut sessions, mut signed) = (0u64, 0u64);
            for s in model.sessions_of(c).filter(|s| s.is_signed()) {
                sessions += 1;
                signed += s.signed_after_setup;
            }
            let shown = match (sessions, signed) {
                (0, _) | (_, 0) => String::new(),
                (1, m) => format!(" The capture shows its session signed ({m} signed messages after the setup)."),
                (k, m) => format!(" The capture shows its {k} sessions signed ({m} signed messages after their setup)."),
            };
            let asked = n
                .request_frame
                .map(|f| format!(" in its NEGOTIATE (frame {f})"))
                .unwrap_or_default();
            if encrypted {
                format!("The NEGOTIATE response's SecurityMode lacks SIGNING_REQUIRED{protected}, and this client required signing{asked} as well. A client that does not require signing gets unsigned sessions from this server, which a machine in the middle can relay or alter.")
            } else {
                format!("The NEGOTIATE response's SecurityMode lacks SIGNING_REQUIRED. This client required signing{asked}, so the sessions it sets up on this connection are signed all the same ([MS-SMB2] 3.3.5.4, 3.2.4.1.1).{shown} A client that does not require signing gets unsigned sessions from this server, which a machine in the middle can relay or alter.")
            }
        } else {
            // What the capture shows of the client: its NEGOTIATE without
            // SIGNING_REQUIRED, and whether its sessions were signed anyway.
            let client = match n.request_frame {
                Some(f) if !encrypted => {
                    let (signed, sessions) = signing_shown(model, c);
                    let shown = match (signed, sessions) {
                        (0, 0) => String::new(),
                        (0, _) => " The capture shows unsigned messages in this connection's sessions.".to_string(),
                        (k, n) if k == n => " This client signed its sessions all the same, as the capture shows.".to_string(),
                        (k, n) => format!(" The capture shows {k} of this connection's {n} sessions signed."),
                    };
                    format!(" This client did not require signing either (its NEGOTIATE, frame {f}), so signing was up to the client: a machine in the middle can relay or alter an unsigned session.{shown}")
                }
                _ => " Unless the client requires signing, a machine in the middle can relay or alter the session.".to_string(),
            };
            format!(
                "The NEGOTIATE response's SecurityMode lacks SIGNING_REQUIRED{protected}.{client}"
            )
        };
        out.push(
            Draft::new(Severity::Info, "posture.signing_not_required", title)
                .explain(why)
                .next(signing_next(model, c, n.client_signing_required))
                .stream(c.stream)
                .frames(n.response_frame)
                .done(),
        );
    }
}

/// posture.signing_not_required of an SMB1 connection: the server chose an
/// SMB1 dialect with a SecurityMode ([MS-CIFS] 2.2.4.52.2, NT LM 0.12's
/// response) without NEGOTIATE_SECURITY_SIGNATURES_REQUIRED. The same code
/// as SMB2's: the same fact (a server that lets a client go unsigned), the
/// same setting on either OS, and the same consumers (`check --deny-finding
/// posture.signing_not_required`, dashboards) catch both. Whether the server signs at all
/// (SIGNATURES_ENABLED) and whether the client asked for signing
/// (SMB_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED in its NEGOTIATE, [MS-SMB]
/// 2.2.3.1) are said; SMB1's posture.smb1 warning says to leave SMB1.
fn smb1_signing(model: &Model, c: &crate::session::Connection, out: &mut Sink) {
    let Some(n) = c.smb1_negotiate.as_deref() else {
        return;
    };
    let Some(resp) = n.response_frame else { return };
    if n.answer != Some("smb1") || !n.security_mode_seen || n.signing_required {
        return;
    }
    let title = if n.client_signing_required {
        "The SMB1 server does not require signing (this client does)"
    } else {
        "The SMB1 server does not require signing"
    };
    if repeat_signing(out, title, c.stream, &[resp]) {
        return;
    }
    let enabled = if n.signing_enabled {
        "has NEGOTIATE_SECURITY_SIGNATURES_ENABLED but not _REQUIRED: it signs a session only when the client asks for it"
    } else {
        "has neither NEGOTIATE_SECURITY_SIGNATURES_ENABLED nor _REQUIRED: this server does not sign SMB1 sessions at all"
    };
    let (signed, sessions) = signing_shown(model, c);
    let shown = match (signed, sessions) {
        (0, 0) => String::new(),
        (0, _) => " The capture shows unsigned messages in this connection's sessions.".to_string(),
        (k, n) if k == n => {
            " This connection's sessions were signed, as the capture shows.".to_string()
        }
        (k, n) => format!(" The capture shows {k} of this connection's {n} sessions signed."),
    };
    let client = if n.client_signing_required {
        format!(" The client required signing (SMB_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED in its NEGOTIATE, frame {}), so its sessions must be signed; a client that does not require it gets unsigned sessions from this server, which a machine in the middle can relay or alter.", n.request_frame)
    } else {
        format!(" This client did not require signing either (no SMB_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED in its NEGOTIATE, frame {}): a machine in the middle can relay or alter an unsigned session.", n.request_frame)
    };
    let mut next = signing_next(model, c, n.client_signing_required);
    next.push_str(" Better, leave SMB1 (posture.smb1): its signing uses MD5, and nothing protects its NEGOTIATE from a downgrade.");
    out.push(
        Draft::new(Severity::Info, "posture.signing_not_required", title)
            .explain(format!(
                "The SMB1 NEGOTIATE response's SecurityMode (frame {resp}) {enabled} ([MS-CIFS] 2.2.4.52.2).{client}{shown}"
            ))
            .next(next)
            .stream(c.stream)
            .frames([resp])
            .done(),
    );
}

/// A posture.signing_not_required with this title is there already: this
/// connection's frames are merged into it ([`Sink::repeat`]), as pushing
/// the whole finding would merge them, without making its texts (on
/// session-64m, 4,000 of them made and thrown away: 6 % of the report's
/// instructions).
fn repeat_signing(out: &mut Sink, title: &str, stream: u64, frames: &[u64]) -> bool {
    out.repeat(
        "posture.signing_not_required",
        Severity::Info,
        title,
        Some(stream),
        "tcp",
        frames,
    )
}

/// Of the sessions of `c` whose signing the capture shows, how many it
/// shows signed, and how many there are: those with messages after their
/// setup, and those signed by their setup alone ([`Session::signed`]: a
/// SESSION_SETUP that required signing, a signed final response of SMB1
/// or SMB 2.x) with none after it, which messages alone would leave out
/// and so say "1 of 0" (impacket-setup-requires-signing). Signed ones are
/// among those counted, so the first is never more than the second.
fn signing_shown(model: &Model, c: &crate::session::Connection) -> (usize, usize) {
    model
        .sessions_of(c)
        .filter(|s| s.messages_after_setup > 0 || s.is_signed())
        .fold((0, 0), |(k, n), s| (k + usize::from(s.is_signed()), n + 1))
}

/// The step of posture.signing_not_required: the server's setting, by
/// what the capture shows of it, and, for a client that did not require
/// signing, the client's as well, by what it shows of the client.
fn signing_next(model: &Model, c: &crate::session::Connection, client_required: bool) -> String {
    let mut next = super::steps::server_signing_step(&platform::server_of(model, c));
    if !client_required {
        next.push_str(" Or require signing on ");
        next.push_str(&super::steps::client_signing_step(
            &platform::client_of(model, c),
            true,
        ));
        next.push_str(", so its sessions are signed whatever the server.");
    }
    next
}

/// AS-REPs whose encrypted part, made with the client's long-term key, uses
/// a weak enctype although the AS-REQ offered a strong one: the KDC takes
/// the first enctype of the client's list it has a key for (RFC 4120
/// 3.1.3), so the account has no AES keys, or the KDC was made to prefer
/// RC4. The explanation quotes the etypes the KDC offered for the
/// account's key (see [`kdc_offer`]).
fn weak_reply_keys(model: &Model, out: &mut Sink) {
    use crate::auth::kerberos::KrbMsgType;
    // The latest KRB-ERROR offering etypes (ETYPE-INFO2 or ETYPE-INFO in
    // its METHOD-DATA) by client address and principal, as the exchanges
    // go by in capture order.
    let mut errors: KeyedHashMap<(IpAddr, &str), usize> = KeyedHashMap::default();
    for (i, x) in model.kdc.iter().enumerate() {
        let key = x.client_principal.as_deref().map(|p| (x.client.ip(), p));
        let earlier = key
            .and_then(|k| errors.get(&k))
            .and_then(|&j| model.kdc.get(j));
        if x.request == KrbMsgType::AS_REQ
            && x.reply == Some(KrbMsgType::KRB_ERROR)
            && !x.offered_etypes.is_empty()
        {
            if let Some(k) = key {
                errors.insert(k, i);
            }
        }
        let Some(e) = x.reply_enctype.filter(|e| e.is_weak()) else {
            continue;
        };
        let strong = x.etypes.iter().find(|t| is_strong(**t));
        let (Some(strong), Some(reply)) = (strong, x.reply_frame) else {
            continue;
        };
        if x.reply != Some(KrbMsgType::AS_REP) {
            continue;
        }
        // The KDC's name for the client (its realm, not as typed).
        let who = x.client_named().unwrap_or("the client");
        let offer = kdc_offer(x, earlier);
        let skeleton = if offer.as_ref().is_some_and(|o| o.no_strong_key) {
            ": it hides the accounts' AES keys from the KDC, which then offers RC4 alone, as here"
        } else {
            ""
        };
        let offer = offer.map(|o| o.text).unwrap_or_default();
        out.push(
            Draft::new(Severity::Warning, "posture.weak_enctype", format!("The KDC encrypted its AS-REP for {who} with {e}, though the client offered {strong}"))
                .explain(format!("The AS-REP (frame {reply}) is encrypted with the client's long-term key, and the KDC used {e} although the AS-REQ (frame {}) offered {strong}.{offer} A KDC uses the first enctype of the client's list that it has a key for (RFC 4120 3.1.3), so the account has no {strong} key (its password was last set before the domain made AES keys), or the KDC was made to prefer RC4, as the 'Skeleton Key' malware does on a domain controller{skeleton}. An RC4 reply can be cracked offline for the user's password.", x.request_frame))
                .next("Reset the account's password so that the domain controller makes AES keys, and check its msDS-SupportedEncryptionTypes; if the account has AES keys (a password set since the domain's functional level reached 2008), look at the domain controller for tampering.")
                .stream(x.stream)
                .transport(x.transport)
                .frames([x.request_frame, reply])
                .enctype(e.to_string())
                .user(x.client_named().map(str::to_string))
                .done(),
        );
    }
}

/// What the KDC offered for an account's key, as a sentence of
/// posture.weak_enctype.
struct KdcOffer {
    text: String,
    /// The KDC offered no strong enctype to a client that asked for one.
    no_strong_key: bool,
}

/// The etypes the KDC offered for the client's key of AS exchange `x`
/// (RFC 4120 3.1.3): those of `earlier`, the KRB-ERROR (most often
/// KDC_ERR_PREAUTH_REQUIRED) it answered the same client and principal's
/// last AS-REQ before with, which lists the keys it takes
/// pre-authentication in; else those of the AS-REP's own padata, which
/// names the reply's key. From PA-ETYPE-INFO2 (5.2.7.5), else PA-ETYPE-INFO
/// (5.2.7.4).
fn kdc_offer(
    x: &crate::session::KdcExchange,
    earlier: Option<&crate::session::KdcExchange>,
) -> Option<KdcOffer> {
    let from = earlier.unwrap_or(x);
    let (Some(frame), Some(pa)) = (from.reply_frame, from.offered_in) else {
        return None;
    };
    let mut list = String::new();
    crate::text::push_joined(&mut list, &from.offered_etypes, ", ");
    if from.offered_etypes.len() == 1 {
        list.push_str(" alone");
    }
    let Some(y) = earlier else {
        let text = format!(" The AS-REP's {pa} names {list} for the account's key.");
        return Some(KdcOffer {
            text,
            no_strong_key: false,
        });
    };
    let what = y.error.as_deref().unwrap_or("KRB-ERROR");
    let mut text = format!(
        " Before, the KDC's {what} at frame {frame} ({}.stream {}) offered {list} for the account's key ({pa})",
        y.transport, y.stream
    );
    let asked = y.etypes.iter().find(|t| is_strong(**t));
    let no_strong_key = asked.is_some() && !y.offered_etypes.iter().any(|t| is_strong(*t));
    match asked.filter(|_| no_strong_key) {
        Some(a) => {
            let _ = write!(text, ", though the AS-REQ it answered (frame {}) offered {a}: the KDC had, or showed, no {a} key of the account.", y.request_frame);
        }
        None => text.push('.'),
    }
    Some(KdcOffer {
        text,
        no_strong_key,
    })
}

/// An enctype with a name that is not weak: AES, Camellia.
fn is_strong(e: EncType) -> bool {
    e.name().is_some() && !e.is_weak()
}

fn enctypes(model: &Model, out: &mut Sink) {
    // The KDC's weak tickets by (client address, service, enctype): a
    // session that used one names the TGS-REP that issued it, and the KDC
    // exchange makes no finding of its own.
    let mut issued: KeyedHashMap<(IpAddr, &str, EncType), usize> = KeyedHashMap::default();
    for (i, x) in model.kdc.iter().enumerate() {
        if let (Some(e), Some(spn)) = (
            x.ticket_enctype.filter(|e| e.is_weak()),
            x.service_principal.as_deref(),
        ) {
            issued.insert((x.client.ip(), spn, e), i);
        }
    }
    let mut covered = vec![false; model.kdc.len()];
    for s in &model.sessions {
        let Some(enc) = s.ticket_enctype.filter(|e| e.is_weak()) else {
            continue;
        };
        let e = enc.to_string();
        let r = s
            .rounds
            .iter()
            .find(|r| r.request_token.as_deref() == Some("Kerberos AP-REQ"));
        let spn = s.service_principal.as_deref();
        let kdc = spn
            .and_then(|spn| issued.get(&(s.client.ip(), spn, enc)))
            .and_then(|&i| Some((i, model.kdc.get(i)?)));
        let from_kdc = match kdc {
            Some((i, x)) => {
                if let Some(c) = covered.get_mut(i) {
                    *c = true;
                }
                match (x.reply, x.reply_frame) {
                    (Some(reply), Some(f)) => format!(
                        " The KDC issued it in the {reply} at frame {f} ({}.stream {}).",
                        x.transport, x.stream
                    ),
                    _ => String::new(),
                }
            }
            None => String::new(),
        };
        let (why, next) = weak_ticket_advice(model, s, spn);
        let why = format!(
            "{why}{}",
            session_key_sentence(s, enc, r.map(|r| r.request_frame))
        );
        out.push(
            Draft::new(
                Severity::Warning,
                "posture.weak_enctype",
                format!("Kerberos service ticket encrypted with {e}"),
            )
            .explain(format!(
                "The ticket for {} uses {e}. {why}{from_kdc}",
                spn.unwrap_or("the service")
            ))
            .next(next)
            .stream(s.stream)
            .frames(r.map(|r| r.request_frame))
            .session(s.session_id)
            .enctype(e)
            .user(Some(identity(s)))
            .done(),
        );
    }
    let uncovered: Vec<&crate::session::KdcExchange> = model
        .kdc
        .iter()
        .zip(&covered)
        .filter(|(x, c)| !**c && x.ticket_enctype.is_some_and(|e| e.is_weak()))
        .map(|(x, _)| x)
        .collect();
    // The findings of one enctype merge into the first (one title), which
    // keeps only its own texts: each enctype's text names every ticket.
    let mut by_enctype: Vec<(EncType, Vec<&crate::session::KdcExchange>)> = Vec::new();
    for x in &uncovered {
        let Some(enc) = x.ticket_enctype else {
            continue;
        };
        match by_enctype.iter_mut().find(|(e, _)| *e == enc) {
            Some((_, xs)) => xs.push(x),
            None => by_enctype.push((enc, vec![x])),
        }
    }
    let texts: Vec<(EncType, String, String)> = by_enctype
        .iter()
        .map(|(enc, xs)| match xs.as_slice() {
            [x] => (
                *enc,
                format!(
                    "The {} for {} was answered with a ticket using {enc}.",
                    x.request,
                    x.service_principal.as_deref().unwrap_or("?")
                ),
                kdc_weak_ticket_next(*enc, xs),
            ),
            _ => (
                *enc,
                format!(
                    "The KDC answered {} requests with tickets using {enc}: {}.",
                    xs.len(),
                    weak_tickets(xs)
                ),
                kdc_weak_ticket_next(*enc, xs),
            ),
        })
        .collect();
    for x in &uncovered {
        let Some((enc, explanation, next)) = texts.iter().find(|t| Some(t.0) == x.ticket_enctype)
        else {
            continue;
        };
        let e = enc.to_string();
        out.push(
            Draft::new(
                Severity::Warning,
                "posture.weak_enctype",
                format!("KDC issued a ticket encrypted with {e}"),
            )
            .explain(explanation.clone())
            .next(next.clone())
            .stream(x.stream)
            .transport(x.transport)
            .frames(x.reply_frame)
            .enctype(e)
            .user(x.client_principal.clone())
            .done(),
        );
    }
}

/// Tickets named in a `posture.weak_enctype` of KDC exchanges before "and
/// N more".
const WEAK_TICKETS_NAMED: usize = 5;

/// "the TGS-REQ for A (frame 20) and the TGS-REQ for B (frame 30)": the
/// requests answered with a weak ticket, the first few by name.
fn weak_tickets(xs: &[&crate::session::KdcExchange]) -> String {
    let named: Vec<String> = xs
        .iter()
        .take(WEAK_TICKETS_NAMED)
        .map(|x| {
            let frame = x
                .reply_frame
                .map(|f| format!(" (frame {f})"))
                .unwrap_or_default();
            format!(
                "the {} for {}{frame}",
                x.request,
                x.service_principal.as_deref().unwrap_or("?")
            )
        })
        .collect();
    let more = xs.len().saturating_sub(WEAK_TICKETS_NAMED);
    let mut t = match named.split_last() {
        Some((last, rest)) if !rest.is_empty() && more == 0 => {
            format!("{} and {last}", rest.join(", "))
        }
        _ => named.join(", "),
    };
    if more > 0 {
        let _ = write!(t, " and {more} more");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::super::platform::Kind;
    use super::*;

    fn p(kind: Kind) -> Platform {
        Platform::shown_as(kind)
    }

    /// posture.ntlmv1's step: Windows' security option at level 5 on a
    /// Windows server (and its domain controllers), at 3 or more on a
    /// Windows client; smb.conf's settings on Samba; both where unknown.
    #[test]
    fn ntlmv1_step_follows_each_side() {
        let w = ntlmv1_next(&p(Kind::Windows), &p(Kind::Windows));
        assert!(w.contains("on the server (SHOWN, Windows) and, for domain accounts, on the domain controllers: Group Policy 'Network security: LAN Manager authentication level' = 'Send NTLMv2 response only. Refuse LM & NTLM'"), "{w}");
        assert!(w.contains("on the client (SHOWN, Windows): Group Policy 'Network security: LAN Manager authentication level' = 'Send NTLMv2 response only' or stricter"), "{w}");
        assert!(!w.contains("smb.conf"), "{w}");
        let s = ntlmv1_next(&p(Kind::Samba), &p(Kind::Samba));
        assert!(
            !s.contains("LAN Manager") && s.contains("'ntlm auth = ntlmv2-only'"),
            "{s}"
        );
        let u = ntlmv1_next(&p(Kind::Unknown), &p(Kind::Unknown));
        assert!(
            u.contains("LmCompatibilityLevel = 5") && u.contains("'client ntlmv2 auth = yes'"),
            "{u}"
        );
    }
}
