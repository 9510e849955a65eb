//! Kerberos roasting: KDC replies encrypted with an account's long-term key,
//! which whoever holds them can try passwords against offline (RFC 4120 10:
//! "a client can request a ticket for any server principal and can attempt
//! a brute force or dictionary attack").
//! - `posture.no_preauth`: an AS-REQ without pre-authentication answered
//!   with an AS-REP (RFC 4120 3.1.1, 7.5.2): the account does not require
//!   pre-authentication ([MS-ADTS] 2.2.16 UF_DONT_REQUIRE_PREAUTH), and its
//!   AS-REP's enc-part (RFC 4120 5.4.2) is there for anyone to take.
//! - `attack.asrep_roasting`: such AS-REQs in the shape of the tools
//!   (impacket's GetNPUsers.py, Rubeus asreproast): RC4 alone in the
//!   etype list, no pre-authentication, one after another for names of a
//!   list, and no pre-authenticated retry.
//! - `attack.kerberoasting`: TGS-REQs (RFC 4120 3.3) that offer RC4 and no
//!   AES for services other than krbtgt, from a client whose AS-REQ offered
//!   AES or RC4 alone (impacket's GetUserSPNs.py asks its TGT with the NT
//!   hash, RC4 alone), or for many services in a short time; the ticket's
//!   enc-part is made with the service account's key.
//!
//! Thresholds: the Sigma rule "Suspicious Kerberos RC4 Ticket Encryption"
//! (496a0e47-0a33-4dca-b009-9e6ca3591f39: event 4769, ticket encryption
//! 0x17, service names not ending in $) flags every RC4 service ticket; on
//! the wire, the request tells more: what the client offered. The burst
//! of 10 distinct services in 15 minutes is the threat-hunting rule of
//! thumb for Kerberoasting sweeps (a logon fetches a handful: krbtgt,
//! cifs, ldap, host of a few servers).

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::auth::{EncType, KrbMsgType};
use crate::session::token::is_anonymous;
use crate::session::{KdcExchange, Model};
use crate::tcp::hash::KeyedHashMap;

use super::{Draft, Finding, Severity, Sink};

/// Accounts or services named in a finding; the rest are counted.
const MAX_NAMED: usize = 6;
/// Frames listed as a finding's evidence.
const MAX_FRAMES: usize = 32;
/// Distinct services asked for by one client within [`BURST_SECS`] that
/// make a Kerberoasting sweep.
const BURST_SERVICES: usize = 10;
const BURST_SECS: i64 = 15 * 60;
/// Distinct accounts asked for without pre-authentication, none answered,
/// that make an AS-REP roasting attempt.
const SWEEP_ACCOUNTS: usize = 2;

pub(super) fn findings(model: &Model, out: &mut Sink) {
    no_preauth(model, out);
    let by_client = by_client(&model.kdc);
    for (ip, xs) in &by_client {
        asrep_roasting(*ip, xs, out);
        kerberoasting(*ip, xs, out);
    }
}

/// The attack codes whose requests other rules also answer (a KDC error
/// per account asked for): what those findings are part of.
const ATTACKS: [(&str, &str); 2] = [
    ("attack.asrep_roasting", "AS-REP roasting"),
    ("attack.kerberoasting", "Kerberoasting"),
];

/// The Kerberos findings (made by other rules) of a roasting attack's
/// requests say so, and their next steps give way to the attack's: a
/// KDC_ERR_C_PRINCIPAL_UNKNOWN for a name on the attacker's list is not an
/// account to create, nor an unretried KDC_ERR_PREAUTH_REQUIRED a client
/// to fix. A finding is one of them when its code is a Kerberos one and
/// all its evidence frames are the attack finding's; one already told as
/// part of another attack is left as it is.
pub(super) fn explained(all: &mut [Finding]) {
    let attacks: Vec<(&'static str, &str, Vec<u64>)> = all
        .iter()
        .filter_map(|f| {
            let (code, what) = ATTACKS.iter().find(|(c, _)| *c == f.code)?;
            let mut frames = f.frames.clone();
            frames.sort_unstable();
            Some((*code, *what, frames))
        })
        .collect();
    if attacks.is_empty() {
        return;
    }
    for f in all.iter_mut() {
        if !f.code.starts_with("kerberos.")
            || f.frames.is_empty()
            || f.title.starts_with("Part of ")
        {
            continue;
        }
        let Some((code, what, frames)) = attacks
            .iter()
            .find(|(_, _, fr)| f.frames.iter().all(|x| fr.binary_search(x).is_ok()))
        else {
            continue;
        };
        let first = frames.first().copied().unwrap_or_default();
        f.title = format!("Part of {code}: {}", f.title);
        f.explanation = format!(
            "Part of the {what} of {code} (from frame {first}): the requests are the attack's, not a user's or a client's fault. {}",
            f.explanation
        );
        f.next_step = format!("See {code} (frame {first}).");
    }
}

/// The KDC exchanges of each client address, in capture order; clients in
/// the order of their first exchange.
fn by_client(kdc: &[KdcExchange]) -> Vec<(IpAddr, Vec<&KdcExchange>)> {
    super::group::ordered(
        kdc,
        |x| x.client.ip(),
        |x| (x.client.ip(), Vec::new()),
        |g, x| g.1.push(x),
    )
}

/// An AS-REQ without pre-authentication answered with an AS-REP, for a
/// principal that is not the anonymous one (anonymous PKINIT, RFC 8062,
/// carries PA-PK-AS-REQ anyway).
fn unauthenticated_as_rep(x: &KdcExchange) -> bool {
    x.without_preauth()
        && x.reply == Some(KrbMsgType::AS_REP)
        && x.client_principal
            .as_deref()
            .is_some_and(|p| !is_anonymous(p))
}

/// Offers RC4 and no strong enctype (AES, Camellia).
fn rc4_without_aes(etypes: &[EncType]) -> bool {
    etypes.contains(&EncType::RC4_HMAC) && !etypes.iter().any(|e| is_strong(*e))
}

fn is_strong(e: EncType) -> bool {
    e.name().is_some() && !e.is_weak()
}

/// RC4 alone: what the roasting tools ask for, and no Kerberos
/// implementation by default (clients without AES, Windows XP and Server
/// 2003 among them, also offer DES and the old RC4 variants).
fn rc4_alone(etypes: &[EncType]) -> bool {
    etypes.iter().all(|e| *e == EncType::RC4_HMAC) && !etypes.is_empty()
}

/// The hashcat mode for the enc-part of an AS-REP made with `e`.
fn asrep_mode(e: EncType) -> &'static str {
    match e.0 {
        23 => ", hashcat mode 18200",
        17 => ", hashcat mode 32100",
        18 => ", hashcat mode 32200",
        _ => "",
    }
}

/// The hashcat mode for a service ticket's enc-part made with `e`.
fn tgs_mode(e: EncType) -> &'static str {
    match e.0 {
        23 => ", hashcat mode 13100",
        17 => ", hashcat mode 19600",
        18 => ", hashcat mode 19700",
        _ => "",
    }
}

/// The frames of `xs` (requests and replies), at most [`MAX_FRAMES`].
fn frames<'a>(xs: impl IntoIterator<Item = &'a &'a KdcExchange>) -> Vec<u64> {
    xs.into_iter()
        .flat_map(|x| std::iter::once(x.request_frame).chain(x.reply_frame))
        .take(MAX_FRAMES)
        .collect()
}

/// Names the streams of `xs` on `d`: one stream, or the TCP ones when they
/// mix UDP and TCP.
fn streams(d: Draft, xs: &[&KdcExchange]) -> Draft {
    let Some(first) = xs.first() else {
        return d;
    };
    if xs.iter().all(|x| x.transport == first.transport) {
        d.transport(first.transport)
            .covers(xs.iter().map(|x| (x.stream, None)))
    } else {
        d.udp_and_tcp(
            xs.iter()
                .filter(|x| x.transport == "tcp")
                .map(|x| (x.stream, None)),
        )
    }
}

/// "a, b, c and 2 more".
fn named(names: &[String]) -> String {
    let mut s = String::new();
    let shown = names.len().min(MAX_NAMED);
    for (i, n) in names.iter().take(shown).enumerate() {
        if i > 0 {
            s.push_str(if i + 1 == shown && shown == names.len() {
                " and "
            } else {
                ", "
            });
        }
        s.push_str(n);
    }
    if names.len() > shown {
        let _ = write!(s, " and {} more", names.len() - shown);
    }
    s
}

/// The request's PA-DATA, by name: "no PA-DATA" or "only PA-PAC-REQUEST".
fn padata_words(x: &KdcExchange) -> String {
    if x.request_padata.is_empty() {
        return "no PA-DATA".to_string();
    }
    let names: Vec<String> = x.request_padata.iter().map(|t| t.to_string()).collect();
    format!("only {}", named(&names))
}

/// `posture.no_preauth`: one finding per account and KDC address.
fn no_preauth(model: &Model, out: &mut Sink) {
    let mut seen: Vec<(IpAddr, String, Vec<&KdcExchange>)> = Vec::new();
    for x in model.kdc.iter().filter(|x| unauthenticated_as_rep(x)) {
        let Some(p) = x.client_principal.as_deref() else {
            continue;
        };
        let key = p.to_ascii_lowercase();
        match seen
            .iter_mut()
            .find(|(ip, k, _)| *ip == x.server.ip() && *k == key)
        {
            Some((_, _, v)) => v.push(x),
            None => seen.push((x.server.ip(), key, vec![x])),
        }
    }
    for (kdc, _, xs) in &seen {
        let Some(x) = xs.first() else { continue };
        let who = x.client_principal.clone().unwrap_or_default();
        let (Some(reply), Some(e)) = (x.reply_frame, x.reply_enctype) else {
            continue;
        };
        let more = match xs.len() {
            1 => String::new(),
            n => format!(" The KDC did so {n} times in the capture."),
        };
        let weak = if e.is_weak() {
            format!(" {e} is the weakest: the key is the account's NT hash.")
        } else {
            String::new()
        };
        out.push(
            streams(
                Draft::new(
                    Severity::Warning,
                    "posture.no_preauth",
                    format!("{who} does not require Kerberos pre-authentication"),
                ),
                xs,
            )
            .explain(format!(
                "The AS-REQ at frame {} from {} carried no pre-authentication ({}), and the KDC {kdc} answered it with an AS-REP (frame {reply}) instead of KDC_ERR_PREAUTH_REQUIRED. Its encrypted part is made with the account's long-term key, {e}: whoever asks for it, without knowing anything of the account, can try passwords against it offline (AS-REP roasting{}).{weak}{more} The account has \"Do not require Kerberos preauthentication\" set (userAccountControl UF_DONT_REQUIRE_PREAUTH 0x400000), or the KDC requires pre-authentication of no principal (MIT: a principal without +requires_preauth).",
                x.request_frame,
                x.client.ip(),
                padata_words(x),
                asrep_mode(e),
            ))
            .next(format!("Clear \"Do not require Kerberos preauthentication\" on the account (Windows: Set-ADAccountControl {} -DoesNotRequirePreAuth $false; MIT: kadmin modprinc +requires_preauth) unless a client of it cannot pre-authenticate; then give it a long random password.", who.split('@').next().unwrap_or(&who)))
            .frames(frames(xs.iter()))
            .enctype(e.to_string())
            .user(Some(who))
            .done(),
        );
    }
}

/// `attack.asrep_roasting` for the exchanges `xs` of client `ip`.
fn asrep_roasting(ip: IpAddr, xs: &[&KdcExchange], out: &mut Sink) {
    let tool: Vec<&KdcExchange> = xs
        .iter()
        .copied()
        .filter(|x| x.without_preauth() && rc4_alone(&x.etypes))
        .filter(|x| {
            x.client_principal
                .as_deref()
                .is_some_and(|p| !is_anonymous(p))
        })
        .collect();
    if tool.is_empty() {
        return;
    }
    // A client that pre-authenticates after KDC_ERR_PREAUTH_REQUIRED is
    // doing a logon, not collecting replies.
    let retried = |p: &str| {
        xs.iter().any(|y| {
            y.request == KrbMsgType::AS_REQ
                && !y.without_preauth()
                && y.client_principal
                    .as_deref()
                    .is_some_and(|q| q.eq_ignore_ascii_case(p))
        })
    };
    let mut accounts: Vec<String> = Vec::new();
    for p in tool.iter().filter_map(|x| x.client_principal.as_deref()) {
        if !retried(p) && !accounts.iter().any(|a| a.eq_ignore_ascii_case(p)) {
            accounts.push(p.to_string());
        }
    }
    let answered: Vec<&KdcExchange> = tool
        .iter()
        .copied()
        .filter(|x| unauthenticated_as_rep(x))
        .collect();
    let evidence: Vec<&KdcExchange> = tool
        .iter()
        .copied()
        .filter(|x| {
            x.client_principal
                .as_deref()
                .is_some_and(|p| accounts.iter().any(|a| a.eq_ignore_ascii_case(p)))
        })
        .collect();
    let refused = |code: i32| {
        evidence
            .iter()
            .filter(|x| x.error_code == Some(code))
            .count()
    };
    let (preauth_required, unknown) = (refused(25), refused(6));
    let mut tally = format!(
        "It asked the KDC for {} account(s) this way ({})",
        accounts.len(),
        named(&accounts)
    );
    if preauth_required > 0 {
        let _ = write!(
            tally,
            "; {preauth_required} answered KDC_ERR_PREAUTH_REQUIRED"
        );
    }
    if unknown > 0 {
        let _ = write!(tally, "; {unknown} KDC_ERR_C_PRINCIPAL_UNKNOWN");
    }
    tally.push('.');
    let shape = "AS-REQs without pre-authentication that offer RC4 alone, one account after another and never retried with pre-authentication: the shape of impacket's GetNPUsers.py and Rubeus asreproast";
    let next = "Find who ran it on that client; clear \"Do not require Kerberos preauthentication\" on every account that has it (Get-ADUser -Filter 'DoesNotRequirePreAuth -eq $true'); change the passwords of the accounts answered, whose replies are in the attacker's hands.";
    if answered.is_empty() {
        if accounts.len() < SWEEP_ACCOUNTS {
            return;
        }
        out.push(
            streams(
                Draft::new(
                    Severity::Warning,
                    "attack.asrep_roasting",
                    format!("AS-REP roasting attempt from {ip}: no account answered without pre-authentication"),
                ),
                &evidence,
            )
            .explain(format!("{ip} sent {shape}. {tally} The KDC gave it no AS-REP: no account it tried lacks pre-authentication, so the capture holds nothing to crack."))
            .next(next)
            .frames(frames(evidence.iter()))
            .done(),
        );
        return;
    }
    let mut roasted: Vec<String> = Vec::new();
    for x in &answered {
        let (Some(p), Some(e), Some(f)) = (
            x.client_principal.as_deref(),
            x.reply_enctype,
            x.reply_frame,
        ) else {
            continue;
        };
        roasted.push(format!("{p} ({e}{}, frame {f})", asrep_mode(e)));
    }
    let enctype = answered
        .iter()
        .filter_map(|x| x.reply_enctype)
        .find(|e| e.is_weak())
        .or_else(|| answered.iter().find_map(|x| x.reply_enctype));
    let user = match answered.as_slice() {
        [one] => one.client_principal.clone(),
        _ => None,
    };
    let mut d = streams(
        Draft::new(
            Severity::Error,
            "attack.asrep_roasting",
            format!(
                "AS-REP roasting from {ip}: {} account(s) answered without pre-authentication",
                answered.len()
            ),
        ),
        &evidence,
    )
    .explain(format!("{ip} sent {shape}. {tally} The KDC answered with an AS-REP, whose encrypted part is made with the account's password key, for {}: crackable offline.", named(&roasted)))
    .next(next)
    .frames(frames(answered.iter().chain(evidence.iter())))
    .user(user);
    if let Some(e) = enctype {
        d = d.enctype(e.to_string());
    }
    out.push(d.done());
}

/// A TGS-REQ for a service ticket (not krbtgt, not kadmin): a ticket whose
/// enc-part is made with the service account's key.
fn for_service(x: &KdcExchange) -> Option<String> {
    if x.request != KrbMsgType::TGS_REQ {
        return None;
    }
    let name = x.service_name()?;
    let class = name.split('/').next().unwrap_or_default();
    (!matches!(class, "krbtgt" | "kadmin")).then_some(name)
}

/// The most distinct services asked for in [`BURST_SECS`] by `tgs` (in
/// capture order), and the services of that window.
fn burst(tgs: &[(String, &KdcExchange)]) -> usize {
    let mut best = 0;
    let mut counts: KeyedHashMap<&str, usize> = KeyedHashMap::default();
    let mut start = 0;
    for (end, (name, x)) in tgs.iter().enumerate() {
        *counts.entry(name.as_str()).or_default() += 1;
        while let Some((old, y)) = tgs.get(start) {
            if start >= end || x.time.nanos_since(y.time) <= BURST_SECS * 1_000_000_000 {
                break;
            }
            if let Some(c) = counts.get_mut(old.as_str()) {
                *c -= 1;
                if *c == 0 {
                    counts.remove(old.as_str());
                }
            }
            start += 1;
        }
        best = best.max(counts.len());
    }
    best
}

/// `attack.kerberoasting` for the exchanges `xs` of client `ip`.
fn kerberoasting(ip: IpAddr, xs: &[&KdcExchange], out: &mut Sink) {
    let tgs: Vec<(String, &KdcExchange)> = xs
        .iter()
        .filter_map(|x| Some((for_service(x)?, *x)))
        .collect();
    if tgs.is_empty() {
        return;
    }
    let rc4: Vec<&(String, &KdcExchange)> = tgs
        .iter()
        .filter(|(_, x)| rc4_without_aes(&x.etypes))
        .collect();
    let as_reqs = || xs.iter().filter(|x| x.request == KrbMsgType::AS_REQ);
    let offered_aes = as_reqs().find(|x| x.etypes.iter().any(|e| is_strong(*e)));
    let nt_hash_tgt = as_reqs().find(|x| rc4_alone(&x.etypes));
    let burst = burst(&tgs);
    let mut services: Vec<String> = Vec::new();
    let picked: Vec<&(String, &KdcExchange)> = if rc4.is_empty() {
        tgs.iter().collect()
    } else {
        rc4.clone()
    };
    for (name, x) in &picked {
        let sp = x.service_principal.as_deref().unwrap_or(name);
        if !services.iter().any(|s| s.eq_ignore_ascii_case(sp)) {
            services.push(sp.to_string());
        }
    }
    let why = if !rc4.is_empty() {
        if let Some(a) = offered_aes {
            let strong = a.etypes.iter().find(|e| is_strong(**e)).copied();
            Some((Severity::Error, format!("its own AS-REQ (frame {}) offered {}: it asked for RC4 on purpose, as Kerberoasting tools do (Rubeus, Invoke-Kerberoast, MIT kvno -e rc4-hmac)", a.request_frame, strong.map_or_else(String::new, |e| e.to_string()))))
        } else if let Some(a) = nt_hash_tgt {
            Some((Severity::Error, format!("its AS-REQ (frame {}) offered RC4 alone, which no client does by default: a TGT asked for with the NT hash, as impacket's GetUserSPNs.py does", a.request_frame)))
        } else if burst >= BURST_SERVICES {
            Some((
                Severity::Error,
                format!("it asked for {burst} different services within 15 minutes"),
            ))
        } else if as_reqs().next().is_none() {
            Some((Severity::Warning, "its AS-REQ is not in the capture: a client without AES (Windows XP or Server 2003, an old Java or appliance) also asks this way, but then offers DES and the old RC4 variants in its AS-REQ too".to_string()))
        } else {
            // The client's AS-REQ offered weak enctypes only, several: a
            // client without AES, whose tickets posture.weak_enctype names.
            None
        }
    } else if burst >= BURST_SERVICES {
        Some((Severity::Warning, format!("it asked for {burst} different services within 15 minutes, more than a logon does; its requests offered AES, whose tickets crack far more slowly")))
    } else {
        None
    };
    let Some((severity, why)) = why else {
        return;
    };
    let evidence: Vec<&KdcExchange> = picked.iter().map(|(_, x)| *x).collect();
    let mut tickets: Vec<String> = Vec::new();
    for x in &evidence {
        if let (Some(e), Some(f)) = (x.ticket_enctype, x.reply_frame) {
            let sp = x.service_principal.as_deref().unwrap_or("?");
            tickets.push(format!("{sp} ({e}{}, frame {f})", tgs_mode(e)));
        }
    }
    let issued = if tickets.is_empty() {
        " The KDC issued none of them in the capture.".to_string()
    } else {
        format!(" The KDC issued {} ticket(s), each encrypted with the service account's key, crackable offline for its password: {}.", tickets.len(), named(&tickets))
    };
    let asked = if rc4.is_empty() {
        "service tickets"
    } else {
        "service tickets offering RC4 and no AES"
    };
    let user = evidence
        .iter()
        .find_map(|x| x.client_principal.clone())
        .filter(|_| {
            let first = evidence.iter().find_map(|x| x.client_principal.as_deref());
            evidence
                .iter()
                .filter_map(|x| x.client_principal.as_deref())
                .all(|p| Some(p) == first)
        });
    let enctype = evidence
        .iter()
        .filter_map(|x| x.ticket_enctype)
        .find(|e| e.is_weak())
        .or_else(|| evidence.iter().find_map(|x| x.ticket_enctype));
    let mut d = streams(
        Draft::new(
            severity,
            "attack.kerberoasting",
            format!(
                "Kerberoasting from {ip}: {asked} for {} service(s)",
                services.len()
            ),
        ),
        &evidence,
    )
    .explain(format!(
        "{ip} asked the KDC for {asked} for {}, and {why}.{issued}",
        named(&services)
    ))
    .next("Find who used that client then; give the service accounts named long random passwords (or group Managed Service Accounts), set their msDS-SupportedEncryptionTypes to AES only and stop RC4 on the domain; treat the passwords of the accounts whose tickets were issued as exposed.")
    .frames(frames(evidence.iter()))
    .user(user);
    if let Some(e) = enctype {
        d = d.enctype(e.to_string());
    }
    out.push(d.done());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::PaDataType;
    use crate::diagnose::tests::{kdc, model, ts};

    fn codes(m: &Model) -> Vec<(&'static str, Severity)> {
        let mut out = Sink::default();
        findings(m, &mut out);
        out.all.iter().map(|f| (f.code, f.severity)).collect()
    }

    /// An AS exchange of 10.0.0.1 for `cname` at frame `frame`, offering
    /// `etypes` with PA-DATA `padata`, answered with an AS-REP (enc-part
    /// rc4-hmac) or with KRB-ERROR `error`.
    fn as_req(
        frame: u64,
        cname: &str,
        etypes: &[i32],
        padata: &[i32],
        error: Option<(i32, &str)>,
    ) -> KdcExchange {
        let mut x = kdc("AS-REQ", frame, error);
        x.client_principal = Some(cname.into());
        x.etypes = etypes.iter().map(|&e| EncType(e)).collect();
        x.request_padata = padata.iter().map(|&t| PaDataType(t)).collect();
        if error.is_none() {
            x.reply_enctype = Some(EncType::RC4_HMAC);
        }
        x
    }

    /// A TGS exchange of 10.0.0.1 for `sp` offering `etypes`, answered
    /// with a ticket of `ticket`.
    fn tgs_req(frame: u64, sp: &str, etypes: &[i32], ticket: i32) -> KdcExchange {
        let mut x = kdc("TGS-REQ", frame, None);
        x.reply = Some(KrbMsgType::TGS_REP);
        x.service_principal = Some(sp.into());
        x.etypes = etypes.iter().map(|&e| EncType(e)).collect();
        x.ticket_enctype = Some(EncType(ticket));
        x
    }

    fn with(kdc: Vec<KdcExchange>) -> Model {
        let mut m = model(Vec::new(), Vec::new());
        m.kdc = kdc;
        m
    }

    const PREAUTH_REQUIRED: Option<(i32, &str)> = Some((25, "KDC_ERR_PREAUTH_REQUIRED"));

    #[test]
    fn kinit_preauth_required_then_answered_is_not_roasting() {
        // MIT kinit: no pre-auth first, KDC_ERR_PREAUTH_REQUIRED, then
        // PA-ENC-TIMESTAMP answered with the AS-REP.
        let m = with(vec![
            as_req(
                1,
                "alice@CORP.TEST",
                &[18, 17, 23],
                &[150, 149],
                PREAUTH_REQUIRED,
            ),
            as_req(3, "alice@CORP.TEST", &[18, 17, 23], &[2, 150, 149], None),
        ]);
        assert!(codes(&m).is_empty(), "{:?}", codes(&m));
    }

    #[test]
    fn anonymous_and_fast_as_reps_are_not_no_preauth() {
        let m = with(vec![
            as_req(
                1,
                "WELLKNOWN/ANONYMOUS@WELLKNOWN:ANONYMOUS",
                &[18],
                &[128],
                None,
            ),
            as_req(3, "alice@CORP.TEST", &[18], &[136], None),
            as_req(5, "bob@CORP.TEST", &[18], &[16], None),
        ]);
        assert!(codes(&m).is_empty(), "{:?}", codes(&m));
    }

    #[test]
    fn one_unanswered_rc4_request_is_no_sweep_two_are() {
        let one = with(vec![as_req(
            1,
            "a@CORP.TEST",
            &[23],
            &[128],
            PREAUTH_REQUIRED,
        )]);
        assert!(codes(&one).is_empty());
        let two = with(vec![
            as_req(1, "a@CORP.TEST", &[23], &[128], PREAUTH_REQUIRED),
            as_req(3, "b@CORP.TEST", &[23], &[128], PREAUTH_REQUIRED),
        ]);
        assert_eq!(codes(&two), [("attack.asrep_roasting", Severity::Warning)]);
    }

    #[test]
    fn an_old_client_that_retries_is_not_asrep_roasting() {
        // RC4 alone, refused, then retried with PA-ENC-TIMESTAMP: a logon.
        let m = with(vec![
            as_req(1, "a@CORP.TEST", &[23], &[128], PREAUTH_REQUIRED),
            as_req(3, "b@CORP.TEST", &[23], &[128], PREAUTH_REQUIRED),
            as_req(5, "a@CORP.TEST", &[23], &[2, 128], None),
            as_req(7, "b@CORP.TEST", &[23], &[2, 128], None),
        ]);
        assert!(codes(&m).is_empty(), "{:?}", codes(&m));
    }

    #[test]
    fn a_client_without_aes_is_not_kerberoasting() {
        // Windows XP's lists: RC4 with DES and the old RC4 variants.
        let old = [23, -133, -128, 3, 1, 24, -135];
        let m = with(vec![
            as_req(1, "a@CORP.TEST", &old, &[2, 128], None),
            tgs_req(3, "MSSQLSvc/sql@CORP.TEST", &old, 23),
        ]);
        assert!(codes(&m).is_empty(), "{:?}", codes(&m));
        // The same TGS-REQ after an AS-REQ that offered AES: on purpose.
        let m = with(vec![
            as_req(1, "a@CORP.TEST", &[18, 17, 23], &[2, 128], None),
            tgs_req(3, "MSSQLSvc/sql@CORP.TEST", &[23], 23),
        ]);
        assert_eq!(codes(&m), [("attack.kerberoasting", Severity::Error)]);
        // A logon's tickets offering AES, and krbtgt asked for with RC4.
        let m = with(vec![
            as_req(1, "a@CORP.TEST", &[18, 17, 23], &[2, 128], None),
            tgs_req(3, "cifs/fs1@CORP.TEST", &[18, 17, 23], 23),
            tgs_req(5, "krbtgt/CORP.TEST@CORP.TEST", &[23], 23),
        ]);
        assert!(codes(&m).is_empty(), "{:?}", codes(&m));
    }

    #[test]
    fn many_services_in_15_minutes_are_a_sweep() {
        let spns = |n: u64, step: i64| -> Vec<KdcExchange> {
            (0..n)
                .map(|i| {
                    let mut x =
                        tgs_req(2 * i + 1, &format!("http/web{i}@CORP.TEST"), &[18, 17], 18);
                    x.time = ts(100 + step * i as i64);
                    x
                })
                .collect()
        };
        assert_eq!(
            codes(&with(spns(10, 60))),
            [("attack.kerberoasting", Severity::Warning)]
        );
        assert!(codes(&with(spns(9, 60))).is_empty());
        // 10 services, 2 minutes apart: never 10 within 15 minutes.
        assert!(codes(&with(spns(10, 120))).is_empty());
    }
}
