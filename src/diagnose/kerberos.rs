//! Kerberos findings: KRB-ERROR inside SPNEGO (RFC 4121 4.1, RFC 4120
//! 5.9.1), AP-REQs refused without one, KDC errors on port 88 (RFC 4120
//! 7.5.9, [MS-KILE] 3.1.5), and the fallback from Kerberos to NTLM.

use std::cell::OnceCell;
use std::net::IpAddr;

use arrayvec::ArrayVec;

use crate::auth::{EncType, KrbMsgType};
use crate::capture::Timestamp;
use crate::ntstatus::NtStatus;
use crate::session::{secs_between, KdcExchange, KdcTcpFailure, Model, Outcome, Session};
use crate::tcp::hash::KeyedHashMap;

use super::linux::{self, Cifs};
use super::logon::{identity, user_of};
use super::own_logons::{Later, OwnLogons, Retry, SharedOwnLogons};
use super::platform::{self, Kdcs, Kind, Platform};
use super::time::{self, clock_note, seconds, ClockError, ErrorTimes};
use super::{krb_text, Draft, Severity, Sink};

const KRB_AP_ERR_TKT_EXPIRED: i32 = 32;
const KRB_AP_ERR_TKT_NYV: i32 = 33;
const KRB_AP_ERR_SKEW: i32 = 37;
const KRB_AP_ERR_MODIFIED: i32 = 41;
const KDC_ERR_C_PRINCIPAL_UNKNOWN: i32 = 6;
const KDC_ERR_CANNOT_POSTDATE: i32 = 10;
const KDC_ERR_POLICY: i32 = 12;
const KDC_ERR_S_PRINCIPAL_UNKNOWN: i32 = 7;
const KDC_ERR_ETYPE_NOSUPP: i32 = 14;
const KDC_ERR_CLIENT_REVOKED: i32 = 18;
const KDC_ERR_KEY_EXPIRED: i32 = 23;
const KDC_ERR_PREAUTH_FAILED: i32 = 24;
const KDC_ERR_PREAUTH_REQUIRED: i32 = 25;
const KRB_ERR_RESPONSE_TOO_BIG: i32 = 52;
const KDC_ERR_WRONG_REALM: i32 = 68;

pub(super) fn findings(model: &Model, shared: &SharedOwnLogons<'_>, out: &mut Sink) {
    let last_success = last_success_by_client(model);
    let mut clock = kdc_clock_by_client(model);
    // Built at the first refused logon that asks (this module's or
    // another's), for its client's later logon.
    for s in &model.sessions {
        let later = later_session(&last_success, s);
        // The SMB server's clock, read only for the findings that tell it.
        let smb_clock = || negotiate_clock(model, s);
        // Whether the SMB server is a domain controller, read only for
        // the findings that tell it.
        let dc = || dc_of(model, s);
        let facts: ServerFacts<'_> = (&smb_clock, &dc);
        // A Linux cifs mount's way to a new ticket, where the client is
        // not shown to be Windows.
        let cifs = linux::step(&platform::client(model, s), Cifs::Ticket);
        if s.mechanism == Some("kerberos") && s.outcome == Outcome::Failure {
            let own = shared.get();
            // The client's NTLM logon after this refusal, which the
            // findings tell; not when it came after 10 or more refusals,
            // which `after_refusals` tells as guesses (an error).
            let fell_back = match own.after_refusals(s, s) {
                Later::AfterGuesses(..) => None,
                _ => own.retry_of(s).filter(|r| r.fell_back),
            };
            spnego_errors(s, later, fell_back.as_ref(), facts, &mut clock, cifs, out);
            refused(s, later, own, fell_back.as_ref(), facts, cifs, out);
        } else {
            spnego_errors(s, later, None, facts, &mut clock, cifs, out);
        }
    }
    let last_ticket = last_ticket_by_client(model);
    // The failed TCP connections to port 88 a KRB_ERR_RESPONSE_TOO_BIG
    // finding already tells of.
    let mut told = vec![false; model.kdc_tcp_failures.len()];
    let mut merged = Merged::default();
    let accounts = OnceCell::new();
    let kdcs = OnceCell::new();
    for (i, x) in model.kdc.iter().enumerate() {
        let told_by_smb = x
            .error_code
            .is_some_and(|c| clock.get(&(x.client.ip(), c)).is_some_and(|k| k.told));
        if !told_by_smb {
            let by = (&last_success, &last_ticket, &accounts, &kdcs);
            kdc_error(model, by, i, x, &mut told, &mut merged, out);
        }
    }
    for ((id, severity, title), list) in &merged {
        if list.len() > 1 {
            if let Some(f) = out.merged_into(id, *severity, title) {
                f.explanation.insert_str(0, &repeats_told(model, list));
            }
        }
    }
    for (f, _) in model
        .kdc_tcp_failures
        .iter()
        .zip(&told)
        .filter(|(_, &t)| !t)
    {
        kdc_unreachable(model, f, out);
    }
    fallback(model, out);
    forwarded_tgts(model, out);
}

/// kerberos.forwarded_tgt: a TGS-REQ for a forwarded TGT answered with
/// one ([`KdcExchange::forwarded_tgt`]): the client hands its TGT to the
/// server it logs on to, inside the AP-REQ's authenticator (GSS-API
/// delegation, RFC 4121 4.1.1: the KRB-CRED in the checksum's Deleg
/// field, encrypted, so not in the capture), and the server can then act
/// as the user toward any service (Windows: unconstrained delegation). A
/// note: a client delegates where it is told to (smbclient by default,
/// its gensec_gssapi:delegation; a Windows client only to a server
/// trusted for delegation, the ticket's ok-as-delegate flag). The
/// session it went with: the client's first Kerberos logon after the
/// reply, on the SMB connection open around it.
fn forwarded_tgts(model: &Model, out: &mut Sink) {
    for x in model.kdc.iter().filter(|x| x.forwarded_tgt) {
        let Some(reply) = x
            .reply_frame
            .filter(|_| x.reply == Some(KrbMsgType::TGS_REP))
        else {
            continue;
        };
        let s = model.sessions.iter().find(|s| {
            s.client.ip() == x.client.ip()
                && s.mechanism == Some("kerberos")
                && s.first_frame > reply
                && x.smb_stream.is_none_or(|n| n == s.stream)
        });
        let to = s
            .and_then(|s| s.service_principal.as_deref())
            .unwrap_or("the server");
        let title = format!(
            "The client forwarded its ticket-granting ticket to {to} (Kerberos delegation)"
        );
        let frames = [x.request_frame, reply];
        if out.repeat(
            "kerberos.forwarded_tgt",
            Severity::Info,
            &title,
            Some(x.stream),
            x.transport,
            &frames,
        ) {
            continue;
        }
        let options = x.kdc_options.names().join(", ");
        let sp = x.service_principal.as_deref().unwrap_or("krbtgt");
        let went = match s {
            Some(s) => format!(" It went with the AP-REQ of the SESSION_SETUP at frame {} (tcp.stream {}) for {to}, inside its authenticator, encrypted (the capture cannot show it).", s.first_frame, s.stream),
            None => " No Kerberos logon of this client follows it in the capture.".to_string(),
        };
        out.push(
            Draft::new(Severity::Info, "kerberos.forwarded_tgt", title)
                .explain(format!("The client's TGS-REQ at frame {} asked for {sp} with the FORWARDED option (kdc-options {options}), and the KDC answered with a TGS-REP (frame {reply}): a forwarded ticket-granting ticket (RFC 4120 2.6), which a client hands to the server it logs on to so that the server can act as the user (GSS-API delegation, RFC 4121 4.1.1).{went} With it the server can reach any service as this user, which Windows calls unconstrained delegation. Clients delegate where they are told to: smbclient and other Samba tools by default (gensec_gssapi:delegation) when the TGT is forwardable (kinit -f, 'forwardable = true' in krb5.conf); a Windows client only to a server whose account is trusted for delegation (the ticket's ok-as-delegate flag).", x.request_frame))
                .next("Nothing to do if the server is meant to act for its users. Otherwise: on Windows, clear 'Trust this computer for delegation to any service (Kerberos only)' on the server's account (or use constrained delegation), and mark sensitive accounts 'Account is sensitive and cannot be delegated' or put them in Protected Users; on a Samba or MIT client, 'gensec_gssapi:delegation = no' in its smb.conf, or a TGT that is not forwardable (kinit without -f; 'forwardable = false' in krb5.conf).")
                .stream(x.stream)
                .transport(x.transport)
                .frames(frames)
                .user(
                    x.client_named()
                        .filter(|p| !crate::session::token::is_anonymous(p))
                        .or_else(|| s.and_then(|s| s.client_principal.as_deref()))
                        .map(str::to_string),
                )
                .done(),
        );
    }
}

/// What the SystemTime of the NEGOTIATE response on `s`'s connection says
/// of the SMB server's clock (a sentence with a leading space), or "".
fn negotiate_clock(model: &Model, s: &Session) -> String {
    model
        .connection(s.stream)
        .and_then(|c| c.negotiate.as_ref())
        .and_then(|n| {
            Some(time::negotiate_note(
                n.response_frame?,
                n.server_clock_offset?,
            ))
        })
        .unwrap_or_default()
}

/// A session of the same client set up after `s`'s last SESSION_SETUP: a
/// refused ticket was then renewed and used.
fn later_session(by: &ByClient, s: &Session) -> bool {
    by.get(&s.client.ip())
        .is_some_and(|&last| last > s.last_setup_frame)
}

/// Client address → the frame of its last KDC reply that was a ticket
/// (AS-REP or TGS-REP).
fn last_ticket_by_client(model: &Model) -> ByClient {
    let mut m = ByClient::default();
    for x in &model.kdc {
        let (Some(reply), Some(frame)) = (x.reply, x.reply_frame) else {
            continue;
        };
        if reply == KrbMsgType::AS_REP || reply == KrbMsgType::TGS_REP {
            let last = m.entry(x.client.ip()).or_insert(frame);
            *last = (*last).max(frame);
        }
    }
    m
}

/// A client's KRB_AP_ERR_SKEW or KRB_AP_ERR_TKT_NYV errors from the KDC,
/// per code: their reply frames (the first few), and whether an SMB
/// session's finding of the same error told of them, so that one clock
/// makes one finding.
#[derive(Default)]
struct KdcClock {
    frames: ArrayVec<u64, 4>,
    told: bool,
    /// The KDC's clock against the capturing host's (seconds, ahead > 0),
    /// from the first of these errors with a readable stime.
    offset: Option<f64>,
}

type KdcClocks = KeyedHashMap<(IpAddr, i32), KdcClock>;

fn kdc_clock_by_client(model: &Model) -> KdcClocks {
    let mut m = KdcClocks::default();
    for x in &model.kdc {
        let Some(code @ (KRB_AP_ERR_SKEW | KRB_AP_ERR_TKT_NYV)) = x.error_code else {
            continue;
        };
        let k = m.entry((x.client.ip(), code)).or_default();
        if let Some(f) = x.reply_frame {
            if !k.frames.is_full() {
                k.frames.push(f);
            }
        }
        if k.offset.is_none() {
            let at = seconds(x.reply_time.unwrap_or(x.time));
            k.offset = time::offset(x.server_time.as_deref(), at);
        }
    }
    m
}

/// What the findings of a session may ask of its SMB server, each made
/// when asked: what its NEGOTIATE's SystemTime says of its clock
/// ([`negotiate_clock`]), and whether it is a domain controller
/// ([`dc_of`]).
type ServerFacts<'a> = (&'a dyn Fn() -> String, &'a dyn Fn() -> Option<Dc>);

/// KRB-ERRORs the server sent inside SESSION_SETUP responses.
fn spnego_errors(
    s: &Session,
    later: bool,
    fell_back: Option<&Retry<'_>>,
    (smb_clock, dc): ServerFacts<'_>,
    clock: &mut KdcClocks,
    cifs: &str,
    out: &mut Sink,
) {
    for r in &s.rounds {
        let (Some(code), Some(name)) = (r.kerberos_error_code(), r.kerberos_error()) else {
            continue;
        };
        let recovered = s.outcome.established();
        // A normal step (PREAUTH_REQUIRED, MORE_PREAUTH_DATA_REQUIRED of an
        // IAKERB exchange) or a realm referral the client followed.
        if crate::ntstatus::kerberos::is_benign(code) || (code == KDC_ERR_WRONG_REALM && recovered)
        {
            continue;
        }
        let (meaning, check) = krb_text(code);
        let frames = [r.request_frame].into_iter().chain(r.response_frame);
        let sp = s
            .service_principal
            .clone()
            .unwrap_or_else(|| "the service".to_string());
        let answered = seconds(r.time) + r.duration.unwrap_or(0.0);
        // The server's clock against the capturing host's.
        let server_offset = time::offset(r.kerberos_server_time(), answered);
        let note = clock_kind(code)
            .map(|kind| {
                let captured = seconds(r.time);
                let t = ErrorTimes {
                    stime: r.kerberos_server_time(),
                    ctime: r.kerberos_client_time(),
                    frame: r.response_frame.unwrap_or(r.request_frame),
                    captured: captured + r.duration.unwrap_or(0.0),
                    request_captured: captured,
                    client_time_in: "the AP-REQ's authenticator",
                    who: "server",
                };
                format!(" {}{}", clock_note(kind, &t), smb_clock())
            })
            .unwrap_or_default();
        // The KDC's answers of the same error to this client, told here.
        let mut domain_off = None;
        let kdc = match clock.get_mut(&(s.client.ip(), code)) {
            Some(k) => {
                k.told = true;
                let list: Vec<String> = k.frames.iter().map(u64::to_string).collect();
                let frames = if list.len() == 1 { "frame" } else { "frames" };
                let list = list.join(", ");
                let too = format!("The KDC refused this client's requests with {name} too (KRB-ERROR at {frames} {list})");
                match (server_offset, k.offset) {
                    // Both clocks read alike and apart from the capturing
                    // host's: one clock, the domain's (here one DC may be
                    // both KDC and server).
                    (Some(so), Some(ko)) if !time::agrees(so) && time::agrees(so - ko) => {
                        domain_off = Some(so);
                        let rel = time::relative_words(ko);
                        if code == KRB_AP_ERR_SKEW {
                            format!(" {too}, and the KDC's clock is {rel} the capturing host's as well: the server and the KDC agree with each other, not with the capturing host, so if the client's clock agrees with the capturing host's, the domain's clock is the one off.")
                        } else {
                            format!(" {too}, and the KDC's clock is {rel} the capturing host's as well: the server and the KDC agree with each other, so the tickets were issued while the issuing KDC's clock was ahead of theirs now: the domain's clock was set back, or another domain controller's clock is ahead.")
                        }
                    }
                    (Some(so), Some(ko)) if !time::agrees(so) || !time::agrees(ko) => {
                        format!(" {too}; the KDC's clock is {} the capturing host's, the server's {}: more than one clock is off.", time::relative_words(ko), time::relative_words(so))
                    }
                    _ if code == KRB_AP_ERR_SKEW => format!(" {too}: one clock difference, most likely the client's, is behind both."),
                    _ => format!(" {too}: its tickets were issued while a clock was ahead, one cause behind both."),
                }
            }
            None => String::new(),
        };
        let d = match code {
            KRB_AP_ERR_SKEW => {
                Draft::new(Severity::Error, "kerberos.clock_skew", "Kerberos refused: client and server clocks differ too much (KRB_AP_ERR_SKEW)")
                    .explain(format!("The server rejected the AP-REQ for {sp}: the authenticator's time is outside its allowed skew (5 minutes by default).{note}{kdc}"))
                    .next(match domain_off {
                        Some(d) => format!("Compare the domain controllers' clocks with a reliable time source (Windows: w32tm /stripchart /computer:DC /samples:3; Linux: chronyc tracking on the DC): the server's and the KDC's read {} the capturing host's. Fix the clock that is off (w32tm /resync, chronyc makestep), then compare the stime in the KRB-ERRORs with the client's time.", time::relative_words(d)),
                        None if kdc.is_empty() => check.unwrap_or_else(|| "Synchronise the clocks of client, server and domain controllers (Windows: w32tm /resync; Linux: 'chronyc tracking' shows the offset, 'chronyc makestep' corrects it at once).".to_string()),
                        None => "Synchronise the client's clock with the domain controllers (Windows: w32tm /resync; Linux: 'chronyc tracking' shows the offset, 'chronyc makestep' corrects it at once; timedatectl), then compare the stime in the KRB-ERRORs with the client's time.".to_string(),
                    })
            }
            KRB_AP_ERR_MODIFIED => modified(&sp, check, ticket_key(s).as_deref(), dc().as_ref()),
            KRB_AP_ERR_TKT_EXPIRED => Draft::new(unless_recovered(later), "kerberos.ticket_expired", "Kerberos ticket expired (KRB_AP_ERR_TKT_EXPIRED)")
                .explain(format!("The service ticket for {sp} had expired.{note}{}", expired_outcome(later)))
                .next(check.unwrap_or_else(|| format!("Get a new ticket ('klist purge' on Windows, 'kinit' on Linux) and check the clocks.{cifs}"))),
            _ => Draft::new(Severity::Error, "kerberos.ap_error", format!("Kerberos error in the session setup: {name}"))
                .explain(format!("The server answered the AP-REQ for {sp} with {name}. {}{note}{kdc}", meaning.unwrap_or("")))
                .next(check.unwrap_or_else(|| "Read the server's log for this logon (Samba: 'log level = 3') and check its Kerberos setup: keytab, SPN, clock.".to_string())),
        };
        let d = if recovered {
            d.severity(Severity::Warning)
        } else {
            d
        };
        let d = if recovered {
            let t = format!(
                "{} The client retried and the session was set up.",
                d.0.explanation
            );
            d.explain(t)
        } else {
            d
        };
        let d = match fell_back {
            Some(r) => fallen_back(d, r),
            None => d,
        };
        out.push(
            d.stream(s.stream)
                .frames(frames)
                .session(s.session_id)
                .status(name)
                .user(user_of(s))
                .done(),
        );
    }
}

/// A Kerberos refusal's finding `d` when the client then fell back to
/// NTLM and got in (`r`, [`Retry::fell_back`]): the title says so, the
/// explanation names that logon, and the step stays the Kerberos fix.
/// A warning, as kerberos.fallback_ntlm is for a KDC's refusal: the work
/// went on, but the Kerberos setup is as broken as before, and it is
/// never hidden behind the NTLM logon that succeeded.
fn fallen_back(d: Draft, r: &Retry<'_>) -> Draft {
    let title = format!("{}; the client fell back to NTLM", d.0.title);
    let explanation = format!("{}{}", d.0.explanation, r.sentence());
    let next = r.fallback_next(&d.0.next_step);
    let mut d = d
        .severity(Severity::Warning)
        .explain(explanation)
        .next(next);
    d.0.title = title;
    d
}

/// The time-related errors whose findings measure the clocks.
fn clock_kind(code: i32) -> Option<ClockError> {
    match code {
        KRB_AP_ERR_SKEW => Some(ClockError::Skew),
        KRB_AP_ERR_TKT_NYV => Some(ClockError::NotYetValid),
        KRB_AP_ERR_TKT_EXPIRED => Some(ClockError::Expired),
        _ => None,
    }
}

/// A Kerberos failure the client recovered from (a later session or ticket
/// of the same client in the capture) did not stop the work: a warning;
/// when it did not recover, the user got nothing: an error.
fn unless_recovered(recovered: bool) -> Severity {
    if recovered {
        Severity::Warning
    } else {
        Severity::Error
    }
}

fn expired_outcome(recovered: bool) -> &'static str {
    if recovered {
        " The same client got a new ticket or session later in the capture."
    } else {
        " No later ticket or session of this client is in the capture: it did not recover."
    }
}

/// The title of `kerberos.ap_modified`.
const MODIFIED_TITLE: &str = "The server cannot decrypt the Kerberos ticket (KRB_AP_ERR_MODIFIED)";

fn modified(sp: &str, check: Option<String>, key: Option<&str>, dc: Option<&Dc>) -> Draft {
    let (explanation, next) = modified_texts(sp, check, key, dc);
    Draft::new(Severity::Error, "kerberos.ap_modified", MODIFIED_TITLE)
        .explain(explanation)
        .next(next)
}

/// The explanation and next step of `kerberos.ap_modified` (its own text:
/// the code's general meaning would say the same again). `key`: the
/// ticket's key in words ([`ticket_key`]), when the AP-REQ shows it;
/// `dc`: the server is a domain controller ([`dc_of`]).
fn modified_texts(
    sp: &str,
    check: Option<String>,
    key: Option<&str>,
    dc: Option<&Dc>,
) -> (String, String) {
    (
        format!(
            "The ticket for {sp} was encrypted with a key the server does not have.{} {}",
            key_sentence(key),
            modified_causes(sp, dc)
        ),
        check.unwrap_or_else(|| match dc {
            Some(dc) => dc_key_step(sp, key, dc),
            None => key_step(sp, key),
        }),
    )
}

/// The usual causes of a server's KRB_AP_ERR_MODIFIED, a member server's
/// or, when `dc` shows it, a domain controller's.
fn modified_causes(sp: &str, dc: Option<&Dc>) -> String {
    match dc {
        None => "Usual causes: the server's keytab or machine password is stale (re-joined, password reset, restored from backup), or the SPN is registered on another account too (duplicate SPN), so the KDC used that account's key.".to_string(),
        Some(dc) => format!("The server is a domain controller: {}. The ticket is then for the DC's own computer account ({}), whose keys the KDC takes from the directory, and no member's keytab is involved. Usual causes on a DC: its machine password is out of step between the domain controllers (another DC issued the ticket before the DC's last password change replicated to it, or the DC was restored from a backup), or, on a Samba AD DC, the keytab its smbd decrypts tickets with (private/secrets.keytab) no longer holds the account's keys; a duplicate SPN on another account is possible too.", dc.shown, host_account(sp)),
    }
}

/// The title of `kerberos.ap_modified` from the KDC, to a TGS-REQ.
const KDC_MODIFIED_TITLE: &str =
    "The KDC cannot decrypt the client's ticket-granting ticket (KRB_AP_ERR_MODIFIED)";

/// KRB_AP_ERR_MODIFIED from the KDC to a TGS-REQ for `sp`: the ticket the
/// KDC could not decrypt is the one in the request's PA-TGS-REQ, the
/// client's TGT (RFC 4120 3.3.2, 5.4.1), encrypted with the realm's
/// krbtgt key (or a trust's inter-realm key), not a server's key: no
/// keytab is involved. A TGT issued before the krbtgt password was reset
/// twice (the KDC keeps the previous key only: Windows' reset procedure
/// has the two resets apart by the ticket lifetime for this), a TGT from
/// a DC that has the krbtgt password another DC has not replicated yet, a
/// read-only DC's TGT (its own krbtgt_NNNNN account) at a DC that has not
/// its keys, a cross-realm TGT whose trust password differs between the
/// realms, or a forged one.
fn tgt_modified_texts(sp: &str, kdc: &Platform) -> (String, String) {
    let replication = kdc.per_os(&[
        (Kind::Windows, "'repadmin /replsummary' and 'repadmin /showrepl' on the DCs, and the krbtgt account's pwdLastSet and msDS-KeyVersionNumber on each ('Get-ADUser krbtgt -Properties msDS-KeyVersionNumber -Server DC')"),
        (Kind::Samba, "'samba-tool drs showrepl' on the DCs, and 'samba-tool user show krbtgt --attributes=msDS-KeyVersionNumber,pwdLastSet' on each"),
    ]);
    (
        format!("The KDC refused the client's TGS-REQ for {sp}: it could not decrypt the ticket the request presents, the client's ticket-granting ticket, which is encrypted with the realm's krbtgt key (or, for another realm's TGT, the trust's key), not with any server's key. Usual causes: the TGT is stale, issued before the krbtgt password was reset twice (a KDC keeps only the previous key), or issued by a DC whose krbtgt password another DC has not replicated yet; a read-only DC's TGT presented to a DC that lacks that RODC's krbtgt keys; a cross-realm TGT whose trust password differs between the realms; or a forged ticket (a golden ticket made with a wrong key)."),
        format!("Get the client a new TGT (Linux: kdestroy, then kinit; Windows: 'klist purge', or log off and on) and retry. If a fresh TGT is refused too, compare the krbtgt key between the domain controllers{replication}. If nobody reset krbtgt, a refused TGT can be a forged one: look for where the client got it."),
    )
}

/// The SMB server of a session shown to be a domain controller ([`dc_of`]):
/// what shows it, and what the capture shows of its kind.
struct Dc {
    shown: String,
    kind: Platform,
}

/// When the SMB server of `s` is a domain controller as the capture shows
/// it: its address answered Kerberos on port 88 (a KDC reply from it).
fn dc_of(model: &Model, s: &Session) -> Option<Dc> {
    let ip = model.connection(s.stream)?.server.ip();
    let (reply, frame) = model
        .kdc
        .iter()
        .filter(|x| x.server.ip() == ip)
        .find_map(|x| Some((x.reply?, x.reply_frame?)))?;
    let kind = platform::kdcs(model)
        .remove(&ip)
        .unwrap_or(Platform::UNKNOWN);
    Some(Dc {
        shown: format!(
            "its address, {ip}, answered Kerberos on port 88 (the {reply} at frame {frame})"
        ),
        kind,
    })
}

/// The computer account of the host an SPN names ("DC1$"), "SERVER$"
/// when it names none.
fn host_account(sp: &str) -> String {
    spn_arg(sp)
        .split_once('/')
        .map(|(_, host)| host.split(['.', ':']).next().unwrap_or(host))
        .filter(|h| !h.is_empty() && *h != "SERVER")
        .map_or_else(
            || "SERVER$".to_string(),
            |h| format!("{}$", h.to_ascii_uppercase()),
        )
}

/// Where to look when a domain controller cannot decrypt the tickets for
/// its own names: its account's keys as the directory and the other DCs
/// hold them, not a member's keytab. Windows: replication (repadmin) and
/// the reset of a DC's machine password against another DC (netdom
/// resetpwd, with the KDC service stopped, as Microsoft's procedure has
/// it); Samba AD: the keys of private/secrets.keytab against the
/// directory's (samba-tool domain exportkeytab for the one principal),
/// replication (samba-tool drs showrepl). By the DC's kind where the
/// capture shows it ([`Platform::per_os`]).
fn dc_key_step(sp: &str, key: Option<&str>, dc: &Dc) -> String {
    let account = host_account(sp);
    let spn = spn_arg(sp);
    let ticket = key
        .map(|k| format!(" (the ticket's: {k})"))
        .unwrap_or_default();
    let windows = format!("'repadmin /replsummary' and 'repadmin /showrepl' show failed replication between the DCs and 'setspn -Q {spn}' any other holder of the name, and a DC whose own password is out of step is reset against another DC (stop its Kerberos Key Distribution Center service, 'klist purge', 'netdom resetpwd /server:OTHERDC /userd:DOMAIN\\administrator /passwordd:*', then restart it)");
    let samba = format!("'klist -ke /var/lib/samba/private/secrets.keytab' lists the keys smbd uses{ticket}, 'samba-tool domain exportkeytab /tmp/dc.keytab --principal={account}' then 'klist -ke /tmp/dc.keytab' the directory's, and 'samba-tool user show {account} --attributes=msDS-KeyVersionNumber' the account's key version (a secrets.keytab that differs was replaced or left from an earlier provision or join: restore it from a backup of private/), and 'samba-tool drs showrepl' shows replication with the other DCs");
    format!(
        "Check the DC's own account ({account}), not a member's keytab{}.",
        dc.kind
            .per_os(&[(Kind::Windows, &windows), (Kind::Samba, &samba)])
    )
}

/// The key of the service ticket of `s` in words, "aes256-cts-hmac-sha1-96,
/// key version (kvno) 1": its enc-part's etype and kvno, in the clear in
/// the AP-REQ (RFC 4120 5.2.9, 5.3); None when the ticket has no kvno.
fn ticket_key(s: &Session) -> Option<String> {
    let kvno = s.ticket_kvno?;
    Some(match s.ticket_enctype {
        Some(e) => format!("{e}, key version (kvno) {kvno}"),
        None => format!("key version (kvno) {kvno}"),
    })
}

/// " The AP-REQ shows …": the key the server needs, or nothing.
fn key_sentence(key: Option<&str>) -> String {
    key.map(|k| format!(" The AP-REQ shows the ticket's key in the clear: {k}, of the account that holds the SPN; the server needs that key."))
        .unwrap_or_default()
}

/// Where to look when a server cannot decrypt the tickets for `sp`: who
/// holds the SPN (a duplicate makes the KDC use the other account's key),
/// then the server's key, for Windows and Samba both (the capture does not
/// say which the server is). samba-tool has no query by SPN (samba-tool spn
/// list takes an account, python/samba/netcmd/spn.py), so on a Samba DC
/// ldbsearch of sam.ldb finds the holders; 'net ads keytab create' writes a
/// member's keytab from its machine password (net(8)).
fn key_step(sp: &str, key: Option<&str>) -> String {
    let spn = spn_arg(sp);
    let account = host_account(sp);
    let keys = match key {
        Some(k) => format!("Then compare the server's keys with the ticket's ({k}): on a Linux or Samba server, 'klist -ke' lists its keytab's key versions and enctypes (a Samba AD DC's is private/secrets.keytab); the account's current key version is its msDS-KeyVersionNumber ('Get-ADComputer {account} -Properties msDS-KeyVersionNumber'; Samba AD: 'samba-tool user show {account} --attributes=msDS-KeyVersionNumber'). A keytab without that kvno, or with it but with keys made from another password, cannot decrypt the ticket."),
        None => "Then compare the server's key version with the ticket's kvno ('klist -ke' on a Linux or Samba server).".to_string(),
    };
    format!("Check which accounts hold the SPN: Windows, 'setspn -Q {spn}' and 'setspn -X' for duplicates; Samba AD, 'samba-tool spn list {account}' for the server's account, and on a DC 'ldbsearch -H /var/lib/samba/private/sam.ldb \"(servicePrincipalName={spn})\" dn' for every holder (remove a duplicate with 'setspn -D {spn} ACCOUNT' or 'samba-tool spn delete {spn} ACCOUNT'). {keys} Refresh the server's key: Windows, 'Test-ComputerSecureChannel -Repair' or re-join; a Samba member, 'net ads testjoin', then 'net ads keytab create' (or re-join with 'net ads join -U administrator').")
}

/// A service principal as a setspn / samba-tool argument: the name without
/// its realm ("cifs/fs1.example.com") when it is a plain one, "cifs/SERVER"
/// otherwise.
fn spn_arg(sp: &str) -> String {
    let name = sp.split('@').next().unwrap_or(sp);
    let plain = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '$');
    if name.contains('/') && name.chars().all(plain) {
        name.to_string()
    } else {
        "cifs/SERVER".to_string()
    }
}

/// logon.failed: a Kerberos AP-REQ answered with a status no other code
/// explains. An error, but a warning when the client's own logon of the
/// same principal (when the session names one) followed soon, as the
/// logon module tells its refusals ([`OwnLogons::after_refusals`]).
fn failed(sp: &str, status: NtStatus, later: Later<'_>) -> Draft {
    let next = super::nt_next(status.0)
        .unwrap_or_else(|| "Check the server's log for this logon.".to_string());
    Draft::new(
        later.severity(),
        "logon.failed",
        format!("Kerberos session setup failed with {status}"),
    )
    .explain(format!(
        "The server answered the AP-REQ for {sp} with {status}. {}{}",
        super::nt_meaning(status.0).unwrap_or(""),
        later.sentence(1)
    ))
    .next(later.next(next))
}

/// A Kerberos AP-REQ answered with an error status and no KRB-ERROR.
fn refused(
    s: &Session,
    later: bool,
    own: &OwnLogons<'_>,
    fell_back: Option<&Retry<'_>>,
    (smb_clock, dc): ServerFacts<'_>,
    cifs: &str,
    out: &mut Sink,
) {
    let Some(r) = s.rounds.last() else { return };
    if r.kerberos_error().is_some() {
        return;
    }
    let status = s.status.unwrap_or(NtStatus::SUCCESS);
    let sp = s
        .service_principal
        .clone()
        .unwrap_or_else(|| "the service".to_string());
    let d = if status == NtStatus::LOGON_FAILURE {
        let key = ticket_key(s);
        let dc = dc();
        let mut d = modified(&sp, None, key.as_deref(), dc.as_ref());
        // No KRB-ERROR says so: the title gives it as the likely cause.
        d.0.title = "The server probably cannot decrypt the Kerberos ticket (no KRB-ERROR; likely KRB_AP_ERR_MODIFIED)".to_string();
        d.0.explanation = match &dc {
            None => format!("The server answered the Kerberos AP-REQ for {sp} with STATUS_LOGON_FAILURE and no KRB-ERROR. The ticket came from the KDC, so the user's password is not the problem: the server could not accept the ticket, which is almost always because it cannot decrypt it (KRB_AP_ERR_MODIFIED): the server's keytab or machine password is stale, or the SPN is registered on another account too (duplicate SPN).{}", key_sentence(key.as_deref())),
            Some(_) => format!("The server answered the Kerberos AP-REQ for {sp} with STATUS_LOGON_FAILURE and no KRB-ERROR. The ticket came from the KDC, so the user's password is not the problem: the server could not accept the ticket, which is almost always because it cannot decrypt it (KRB_AP_ERR_MODIFIED).{} {}", key_sentence(key.as_deref()), modified_causes(&sp, dc.as_ref())),
        };
        d
    } else if status == NtStatus::INVALID_PARAMETER {
        // Samba's gensec_gssapi maps KRB5KRB_AP_ERR_TKT_EXPIRED to
        // NT_STATUS_INVALID_PARAMETER and sends no KRB-ERROR (its Heimdal
        // acceptor returns an error token only for SKEW and TKT_NYV).
        Draft::new(unless_recovered(later), "kerberos.ticket_expired", "Kerberos ticket refused, probably expired (STATUS_INVALID_PARAMETER)")
            .explain(format!("The server answered the Kerberos AP-REQ for {sp} with STATUS_INVALID_PARAMETER and no KRB-ERROR. A Samba server answers this way when the service ticket has expired (KRB_AP_ERR_TKT_EXPIRED, which it does not send; its log says \"ticket is expired\"); the other cause is a malformed token. Clients that check their tickets (Windows, MIT) get a new one before using it; tools that take a ticket from a cache as it is (impacket with KRB5CCNAME) do not.{}{}", smb_clock(), expired_outcome(later)))
            .next(format!("Get a new ticket (kinit, or klist purge) and retry, and compare the clocks of client, server and KDC; the server's log (Samba: log level 1) names the reason.{cifs}"))
    } else if status == NtStatus::NETWORK_SESSION_EXPIRED {
        // A refusal the client got past at once (a new ticket, a new
        // session) did not stop the work: as logon.rs tells it (a fallback
        // to NTLM below).
        let (severity, again, next) = match &own.retry_of(s).filter(|r| !r.fell_back) {
            Some(r) => (Severity::Warning, r.sentence(), format!("Nothing to do if the work went on over the new logon. If such refusals recur, compare the server's clock with the KDC's and read the server's log at the time of frame {} for why it found the ticket expired.", s.last_setup_frame)),
            None => (Severity::Error, String::new(), format!("Make the client get a new ticket (klist purge, or kinit, then connect again) and compare the server's clock with the KDC's; in the capture, the ticket's times are in the KDC's TGS-REP when it is there.{cifs}")),
        };
        Draft::new(severity, "session.expired", "Session setup refused with STATUS_NETWORK_SESSION_EXPIRED: the authentication has expired")
            .explain(format!("The server answered the Kerberos AP-REQ for {sp} with STATUS_NETWORK_SESSION_EXPIRED and no KRB-ERROR: the service ticket was past its end time, as the server's clock tells it (a server clock ahead of the KDC's makes fresh tickets look old).{}{}{again}", smb_clock(), if s.reauthentications > 0 { " This was the re-authentication of an existing session, so the client must end the session ([MS-SMB2] 3.2.4.23)." } else { "" }))
            .next(next)
    } else if fell_back.is_some() {
        failed(&sp, status, Later::Nothing)
    } else {
        failed(&sp, status, own.after_refusals(s, s))
    };
    let d = match fell_back {
        Some(r) => fallen_back(d, r),
        None => d,
    };
    out.push(
        d.stream(s.stream)
            .frames([r.request_frame].into_iter().chain(r.response_frame))
            .session(s.session_id)
            .status(status.to_string())
            .user(user_of(s))
            .done(),
    );
}

/// A later request from the same client address for the same client and
/// service principals that answers a benign error.
fn retried(model: &Model, i: usize, x: &KdcExchange, tcp_only: bool) -> bool {
    model.kdc[i + 1..].iter().any(|y| {
        y.client.ip() == x.client.ip()
            && y.request == x.request
            && y.service_principal == x.service_principal
            && y.client_principal == x.client_principal
            && (!tcp_only || y.transport == "tcp")
    })
}

/// Client address → the last SESSION_SETUP frame of its established
/// sessions (the latest of them): what [`later_success`] asks of all the
/// client's sessions, kept once rather than scanned for each KDC error.
type ByClient = KeyedHashMap<IpAddr, u64>;

fn last_success_by_client(model: &Model) -> ByClient {
    let mut m = ByClient::default();
    for s in model.sessions.iter().filter(|s| s.outcome.established()) {
        let last = m.entry(s.client.ip()).or_insert(s.last_setup_frame);
        *last = (*last).max(s.last_setup_frame);
    }
    m
}

/// A later SMB session from the same client succeeded: its last
/// SESSION_SETUP came after the KDC request.
fn later_success(by: &ByClient, x: &KdcExchange) -> bool {
    by.get(&x.client.ip())
        .is_some_and(|&last| last > x.request_frame)
}

/// What a Samba AD DC logs of a refused AS-REQ: Samba's authentication
/// audit (source4/kdc, 'Kerberos KDC'), failures at level 2.
const SAMBA_AUTH_LOG: &str = "with 'log level = 1 auth_audit:2', a line for each failed authentication ('Kerberos KDC') with its NTSTATUS";

/// What MIT's KDC logs: a line for each request, with the client's
/// address and its status string (krb5kdc, kdc.conf [logging]).
const MIT_KDC_LOG: &str = "krb5kdc's log (kdc.conf [logging] kdc, often /var/log/krb5kdc.log) has a line for each request with its status";

/// "The KDC logs {what} with the client's address: Windows, {windows};
/// Samba, {samba}." Where the capture shows the KDC's kind
/// ([`platform::kdcs`]), only that kind's text, after what shows it.
fn kdc_log(kdc: &Platform, what: &str, windows: &str, samba: &str) -> String {
    let samba = format!("its log (log.samba), {samba}");
    format!(
        "The KDC logs {what} with the client's address{}.",
        kdc.per_os(&[
            (Kind::Windows, windows),
            (Kind::Samba, &samba),
            (Kind::Mit, MIT_KDC_LOG)
        ])
    )
}

/// The KDC errors of each finding of [`kdc_error`] (code, severity,
/// title): their indexes in `model.kdc`, the first one's and its repeats'.
type Merged = KeyedHashMap<(&'static str, Severity, String), Vec<usize>>;

fn kdc_error(
    model: &Model,
    (by, tickets, accounts, kdcs): (&ByClient, &ByClient, &OnceCell<Accounts>, &OnceCell<Kdcs>),
    i: usize,
    x: &KdcExchange,
    told: &mut [bool],
    merged: &mut Merged,
    out: &mut Sink,
) {
    let (Some(code), Some(name)) = (x.error_code, x.error.as_deref()) else {
        return;
    };
    let renewed = later_success(by, x) || later_success(tickets, x);
    if code == KRB_ERR_RESPONSE_TOO_BIG && !retried(model, i, x, true) {
        if let Some(fi) = tcp_failure_after(model, x) {
            if let Some(t) = told.get_mut(fi) {
                *t = true;
            }
            too_big_tcp_failed(x, &model.kdc_tcp_failures[fi], renewed, out);
            return;
        }
    }
    let who = x
        .client_principal
        .clone()
        .unwrap_or_else(|| x.client.ip().to_string());
    let sp = x.service_principal.as_deref().unwrap_or("?");
    let Some((severity, id, title)) = kdc_head(model, by, renewed, i, x, code, name, &who, sp)
    else {
        return;
    };
    merged
        .entry((id, severity, title.clone()))
        .or_default()
        .push(i);
    let both = [x.request_frame, x.reply_frame.unwrap_or_default()];
    let frames = &both[..1 + usize::from(x.reply_frame.is_some())];
    // A repeat (the same error to each retry) merges into the first: its
    // texts would be thrown away.
    if out.repeat(id, severity, &title, Some(x.stream), x.transport, frames) {
        return;
    }
    let account = (code == KDC_ERR_S_PRINCIPAL_UNKNOWN)
        .then(|| server_account(model, accounts.get_or_init(|| server_accounts(model)), x))
        .flatten();
    let kdc = kdcs
        .get_or_init(|| platform::kdcs(model))
        .get(&x.server.ip())
        .unwrap_or(&Platform::UNKNOWN);
    let (mut explanation, next) = kdc_texts(x, code, (&who, sp), account, kdc);
    if code == KRB_AP_ERR_TKT_EXPIRED {
        explanation.push_str(expired_outcome(renewed));
    }
    if severity == Severity::Error {
        explanation.push_str(&smb_given_up(model, x));
    }
    out.push(
        Draft::new(severity, id, title)
            .explain(explanation)
            .next(next)
            .stream(x.stream)
            .transport(x.transport)
            .frames(frames.iter().copied())
            .status(name)
            .user(x.client_principal.clone())
            .done(),
    );
}

/// Frames named before "and N more" where one finding tells of KDC errors
/// merged into it.
const REPEATS_NAMED: usize = 5;

/// "1, 2 and 3", or "1, 2, 3, 4, 5 and 2 more".
fn frame_list(frames: &[u64]) -> String {
    let shown = &frames[..frames.len().min(REPEATS_NAMED)];
    let mut t = String::new();
    for (i, f) in shown.iter().enumerate() {
        if i > 0 {
            t.push_str(if i + 1 == shown.len() && frames.len() == shown.len() {
                " and "
            } else {
                ", "
            });
        }
        t.push_str(itoa::Buffer::new().format(*f));
    }
    if frames.len() > shown.len() {
        t.push_str(&format!(" and {} more", frames.len() - shown.len()));
    }
    t
}

/// The KDC errors `list` (indexes in `model.kdc`, in order) one finding
/// stands for, counted, a sentence to open its explanation with: "The KDC
/// answered KRB_AP_ERR_SKEW 3 times (frames 11, 29, 37): to the AS-REQ of
/// frame 10, after which the client got a ticket on a later one (AS-REP,
/// frame 19), and to the TGS-REQs of frames 27 and 35, after which it got
/// no ticket. " A later request of the same kind (AS-REQ or TGS-REQ) of the
/// client, for the same service, answered with a ticket is what it got.
fn repeats_told(model: &Model, list: &[usize]) -> String {
    let errors: Vec<&KdcExchange> = list.iter().filter_map(|&i| model.kdc.get(i)).collect();
    let Some(first) = errors.first() else {
        return String::new();
    };
    let replies: Vec<u64> = errors.iter().filter_map(|x| x.reply_frame).collect();
    let mut t = format!(
        "The KDC answered {} {} times (frames {}): ",
        first.error.as_deref().unwrap_or("this error"),
        errors.len(),
        frame_list(&replies)
    );
    // AS-REQs and TGS-REQs apart, in the order of their first error.
    let mut kinds: ArrayVec<KrbMsgType, 2> = ArrayVec::new();
    for x in &errors {
        if !kinds.contains(&x.request) && kinds.try_push(x.request).is_err() {
            break;
        }
    }
    for (k, kind) in kinds.iter().enumerate() {
        let of_kind: Vec<(usize, &KdcExchange)> = list
            .iter()
            .zip(&errors)
            .filter(|(_, x)| x.request == *kind)
            .map(|(&i, &x)| (i, x))
            .collect();
        let Some(&(last_i, last)) = of_kind.last() else {
            continue;
        };
        let requests: Vec<u64> = of_kind.iter().map(|(_, x)| x.request_frame).collect();
        if k > 0 {
            t.push_str(", and ");
        }
        let (s, frames) = if requests.len() == 1 {
            ("", "frame")
        } else {
            ("s", "frames")
        };
        t.push_str(&format!(
            "to the {kind}{s} of {frames} {}, ",
            frame_list(&requests)
        ));
        let ticket = model.kdc.get(last_i + 1..).unwrap_or_default().iter().find(|y| {
            y.client.ip() == last.client.ip()
                && y.request == *kind
                && y.service_principal == last.service_principal
                && matches!(y.reply, Some(r) if r == KrbMsgType::AS_REP || r == KrbMsgType::TGS_REP)
        });
        let who = if k == 0 { "the client" } else { "it" };
        match ticket.and_then(|y| Some((y.reply?, y.reply_frame?))) {
            Some((reply, frame)) => t.push_str(&format!(
                "after which {who} got a ticket on a later one ({reply}, frame {frame})"
            )),
            None => t.push_str(&format!("after which {who} got no ticket")),
        }
    }
    t.push_str(". ");
    t
}

/// When the SMB connection that KDC request `x` was made for (the client's
/// connection open around it) ended after the error, closed by the client,
/// without a SESSION_SETUP: a sentence saying so, since the error is then
/// why no logon was tried.
fn smb_given_up(model: &Model, x: &KdcExchange) -> String {
    let Some(c) = x.smb_stream.and_then(|n| model.connection(n)) else {
        return String::new();
    };
    let Some(e) = c.end.as_ref() else {
        return String::new();
    };
    let after = x.reply_frame.unwrap_or(x.request_frame);
    let closed = matches!(e.reason, "fin" | "reset") && e.by == "client";
    if !c.session_indexes.is_empty() || e.frame < after || !closed {
        return String::new();
    }
    format!(" The client's SMB connection to {} (tcp.stream {}) sent no SESSION_SETUP and was closed by the client (frame {}): without the ticket it did not try to log on.", c.server, c.stream, e.frame)
}

/// SMB server address → the NetBIOS computer name the first NTLM
/// CHALLENGE of a logon to it gave ([MS-NLMP] 2.2.2.1
/// MsvAvNbComputerName): made once, when a finding asks.
type Accounts = KeyedHashMap<IpAddr, String>;

fn server_accounts(model: &Model) -> Accounts {
    let mut m = Accounts::default();
    for s in &model.sessions {
        let name = s
            .server_names
            .as_ref()
            .and_then(|n| n.nb_computer_name.as_deref());
        if let (Some(name), Some(c)) = (name, model.connection(s.stream)) {
            m.entry(c.server.ip()).or_insert_with(|| name.to_string());
        }
    }
    m
}

/// The machine account of the SMB server that KDC request `x` was made
/// for ("FS1$"), by [`server_accounts`], when its name is a plain one.
fn server_account(model: &Model, accounts: &Accounts, x: &KdcExchange) -> Option<String> {
    let server = model.connection(x.smb_stream?)?.server.ip();
    let name = accounts.get(&server)?;
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    (!name.is_empty() && name.len() <= 15 && name.chars().all(plain))
        .then(|| format!("{}$", name.to_ascii_uppercase()))
}

/// The severity, code and title of the finding a KDC error makes, or
/// `None` when it makes none (a benign error, or one the client answered
/// with the retry it asked for).
#[allow(clippy::too_many_arguments)]
fn kdc_head(
    model: &Model,
    by: &ByClient,
    renewed: bool,
    i: usize,
    x: &KdcExchange,
    code: i32,
    name: &str,
    who: &str,
    sp: &str,
) -> Option<(Severity, &'static str, String)> {
    let (severity, id, title) = match code {
        KDC_ERR_PREAUTH_REQUIRED => {
            if retried(model, i, x, false) {
                return None;
            }
            (Severity::Warning, "kerberos.preauth_not_retried", "The client did not retry with pre-authentication".to_string())
        }
        KRB_ERR_RESPONSE_TOO_BIG => {
            if retried(model, i, x, true) {
                return None;
            }
            (unless_recovered(renewed), "kerberos.tcp_not_retried", "No Kerberos request over TCP after KRB_ERR_RESPONSE_TOO_BIG".to_string())
        }
        KDC_ERR_S_PRINCIPAL_UNKNOWN => {
            let sev = unless_recovered(later_success(by, x));
            (sev, "kerberos.unknown_spn", format!("No account has the SPN {sp} (KDC_ERR_S_PRINCIPAL_UNKNOWN)"))
        }
        KDC_ERR_PREAUTH_FAILED => (Severity::Error, "kerberos.preauth_failed", format!("Kerberos pre-authentication failed for {who}: wrong password")),
        KDC_ERR_C_PRINCIPAL_UNKNOWN => (Severity::Error, "kerberos.client_unknown", format!("The KDC does not know {who}")),
        KDC_ERR_CLIENT_REVOKED => (Severity::Error, "kerberos.client_revoked", match account_reason(x) {
            Some(why) => format!("The KDC refused {who}: {why}"),
            None => format!("The KDC refused {who}: account disabled, locked out, expired or outside its logon hours"),
        }),
        KDC_ERR_KEY_EXPIRED => (Severity::Error, "kerberos.password_expired", match account_reason(x) {
            Some(why) => format!("The KDC refused {who}: {why}"),
            None => format!("The password of {who} has expired or must be changed"),
        }),
        KDC_ERR_ETYPE_NOSUPP => (Severity::Error, "kerberos.etype_unsupported", "No common Kerberos encryption type (KDC_ERR_ETYPE_NOSUPP)".to_string()),
        KRB_AP_ERR_SKEW => {
            let sev = unless_recovered(later_success(by, x));
            (sev, "kerberos.clock_skew", "The KDC refused the request: clocks differ too much (KRB_AP_ERR_SKEW)".to_string())
        }
        KRB_AP_ERR_MODIFIED if x.request == KrbMsgType::TGS_REQ => (Severity::Error, "kerberos.ap_modified", KDC_MODIFIED_TITLE.to_string()),
        KRB_AP_ERR_MODIFIED => (Severity::Error, "kerberos.ap_modified", MODIFIED_TITLE.to_string()),
        // The ticket in the TGS-REQ (the TGT) is refused as expired. A Samba
        // AD DC also refuses a TGT with two minutes or less left this way.
        KRB_AP_ERR_TKT_EXPIRED => (unless_recovered(renewed), "kerberos.ticket_expired", "The KDC refused an expired ticket-granting ticket (KRB_AP_ERR_TKT_EXPIRED)".to_string()),
        c if crate::ntstatus::kerberos::is_benign(c) => return None,
        KDC_ERR_POLICY | KDC_ERR_CANNOT_POSTDATE if postdate_request(x).is_some() => (Severity::Error, "kerberos.kdc_error", format!("The KDC refused a postdated ticket for {who} ({name})")),
        _ => (Severity::Error, "kerberos.kdc_error", format!("The KDC answered {name}")),
    };
    Some((severity, id, title))
}

/// How long after KRB_ERR_RESPONSE_TOO_BIG a client's failed TCP
/// connection to port 88 counts as its retry (clients retry at once).
const TCP_RETRY_SECS: f64 = 30.0;

/// The index in `model.kdc_tcp_failures` of the client's failed TCP
/// connection to port 88 that is its retry of `x` (answered
/// KRB_ERR_RESPONSE_TOO_BIG, RFC 4120 7.2.1): the first SYN after the
/// error, within [`TCP_RETRY_SECS`].
fn tcp_failure_after(model: &Model, x: &KdcExchange) -> Option<usize> {
    let after = x.reply_frame?;
    model
        .kdc_tcp_failures
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.client.ip() == x.client.ip()
                && f.syn_frame > after
                && secs_between(f.time, x.time) <= TCP_RETRY_SECS
        })
        .min_by_key(|(_, f)| f.syn_frame)
        .map(|(i, _)| i)
}

/// Where to look when a KDC does not take Kerberos over TCP on `server`.
fn kdc_tcp_check(server: &std::net::SocketAddr) -> String {
    format!("check that the KDC listens on TCP port {} at {} (ss -ltn on the KDC; a Samba AD DC's KDC runs with 'kdc' in 'server services' and, with 'bind interfaces only = yes', listens only on the addresses of 'interfaces'), that no firewall between rejects or drops TCP {} from the client, and that the client's krb5.conf (kdc =) or DNS (_kerberos._tcp SRV records) names the right KDC", server.port(), server.ip(), server.port())
}

/// How a failed TCP connection to port 88 went, in words, for "the client
/// opened a TCP connection to ... (frame N) and ...".
fn tcp_failure_words(f: &KdcTcpFailure) -> String {
    if f.refused() {
        format!("the server's side answered with a RST (frame {}) before any Kerberos message: nothing listens on TCP port {} at that address (a closed port answers a SYN so), or a firewall rejects the connection", f.end.frame, f.server.port())
    } else {
        format!("got no answer at all, neither SYN-ACK nor RST, in the {}: a firewall drops TCP to port {} at that address, or the address is unreachable", super::connection::waited(f.time, &f.end), f.server.port())
    }
}

/// KRB_ERR_RESPONSE_TOO_BIG: the client turned to TCP, but its TCP
/// connection `f` was refused or not answered, so no Kerberos request went
/// over TCP (`kerberos.tcp_not_retried`). The evidence is on a udp.stream
/// (the exchange) and a tcp.stream (the connection): the finding names no
/// stream, its transport is written as null, and `streams` names the
/// connection's tcp.stream.
fn too_big_tcp_failed(x: &KdcExchange, f: &KdcTcpFailure, renewed: bool, out: &mut Sink) {
    let sp = x.service_principal.as_deref().unwrap_or("?");
    let (title, next) = if f.refused() {
        (
            format!("No Kerberos request over TCP after KRB_ERR_RESPONSE_TOO_BIG: the KDC at {} refused the TCP connection", f.server),
            format!("Make the KDC accept Kerberos over TCP: {}. Preferring TCP (udp_preference_limit = 1 in krb5.conf) does not help while TCP is refused.", kdc_tcp_check(&f.server)),
        )
    } else {
        (
            format!("No Kerberos request over TCP after KRB_ERR_RESPONSE_TOO_BIG: the KDC at {} did not answer the TCP connection", f.server),
            format!("Let Kerberos over TCP reach the KDC: {}. Preferring TCP (udp_preference_limit = 1 in krb5.conf) does not help while TCP is dropped.", kdc_tcp_check(&f.server)),
        )
    };
    let frames = [x.request_frame]
        .into_iter()
        .chain(x.reply_frame)
        .chain([f.syn_frame])
        .chain(f.refused().then_some(f.end.frame));
    out.push(
        Draft::new(unless_recovered(renewed), "kerberos.tcp_not_retried", title)
            .explain(format!("The KDC's reply to the {} for {sp} did not fit in a UDP datagram, so it answered KRB_ERR_RESPONSE_TOO_BIG (frame {}) for the client to retry over TCP (RFC 4120 7.2.1). The client turned to TCP as asked: it opened a TCP connection to {} (frame {}, tcp.stream {}), and {}. No Kerberos request went over TCP, so the client got no ticket from this KDC{}", x.request, x.reply_frame.unwrap_or_default(), f.server, f.syn_frame, f.stream, tcp_failure_words(f), if renewed { "; it got one later in the capture." } else { "." }))
            .next(next)
            .frames(frames)
            .udp_and_tcp([(f.stream, None)])
            .status(x.error.as_deref().unwrap_or("KRB_ERR_RESPONSE_TOO_BIG"))
            .user(x.client_principal.clone())
            .done(),
    );
}

/// A TCP connection to a KDC's port 88 refused or never answered, without
/// a KRB_ERR_RESPONSE_TOO_BIG before it: a client that prefers TCP (Windows,
/// or udp_preference_limit = 1) could not reach the KDC over TCP.
fn kdc_unreachable(model: &Model, f: &KdcTcpFailure, out: &mut Sink) {
    // What the client's next KDC request (over UDP, or to another KDC) got.
    let next_request = model
        .kdc
        .iter()
        .filter(|y| y.client.ip() == f.client.ip() && y.request_frame > f.syn_frame)
        .min_by_key(|y| y.request_frame);
    // Unanswered over UDP too, at the same address: nothing answers
    // Kerberos there, the address itself is the first suspect.
    let silent = next_request
        .filter(|y| y.reply_frame.is_none() && y.transport == "udp" && y.server == f.server);
    let title = match (silent, f.refused()) {
        (Some(_), true) => format!("Nothing answered Kerberos at {}: the TCP connection was refused, and the request over UDP got no answer", f.server),
        (Some(_), false) => format!("Nothing answered Kerberos at {}: neither the TCP connection nor the request over UDP got an answer", f.server),
        (None, refused) => format!(
            "The KDC at {} {} the TCP connection to port {}",
            f.server,
            if refused { "refused" } else { "did not answer" },
            f.server.port()
        ),
    };
    let (sev, then) = match next_request {
        Some(y) if y.reply_frame.is_some() => (
            Severity::Warning,
            format!(" The client then reached a KDC another way: its {} over {} to {} (frame {}) was answered (frame {}).", y.request, y.transport, y.server, y.request_frame, y.reply_frame.unwrap_or_default()),
        ),
        Some(y) => (
            Severity::Error,
            format!(" Its next request, the {} over {} to {} (frame {}), got no answer either.", y.request, y.transport, y.server, y.request_frame),
        ),
        None => (Severity::Error, " No Kerberos request of this client follows in the capture.".to_string()),
    };
    // The evidence holds the next request the text names, and its answer.
    let frames = [f.syn_frame]
        .into_iter()
        .chain(f.refused().then_some(f.end.frame))
        .chain(next_request.map(|y| y.request_frame))
        .chain(next_request.and_then(|y| y.reply_frame));
    if out.repeat(
        "kerberos.kdc_unreachable",
        sev,
        &title,
        Some(f.stream),
        "tcp",
        &[f.syn_frame],
    ) {
        return;
    }
    let draft = Draft::new(sev, "kerberos.kdc_unreachable", title);
    // The next request went over UDP (udp.stream) or on another TCP stream.
    let draft = match next_request {
        Some(y) if y.transport == "udp" => draft.udp_and_tcp([(f.stream, None)]),
        Some(y) if y.stream != f.stream => draft.covers([(f.stream, None), (y.stream, None)]),
        _ => draft.stream(f.stream),
    };
    out.push(
        draft
            .explain(format!("The client opened a TCP connection to the KDC at {} (frame {}) to send a Kerberos request over TCP (RFC 4120 7.2.2), and {}.{then}{}", f.server, f.syn_frame, tcp_failure_words(f), if silent.is_some() { " Nothing answers Kerberos at that address over either transport: most likely no KDC is there (the client's configuration or DNS names a wrong address), or the KDC is not running." } else { "" }))
            .next(match silent {
                Some(y) => nothing_answers_next(f, y),
                None => format!("Make the KDC reachable over TCP: {}.", kdc_tcp_check(&f.server)),
            })
            .frames(frames)
            .done(),
    );
}

/// The step when neither TCP nor UDP got an answer at `f.server`: the
/// address the client took first (krb5.conf's kdc, DNS SRV records, RFC
/// 4120 7.2.3), then the KDC service and port 88 at it.
fn nothing_answers_next(f: &KdcTcpFailure, y: &KdcExchange) -> String {
    let realm = y
        .service_principal
        .as_deref()
        .or(y.client_principal.as_deref())
        .and_then(|p| p.rsplit_once('@'))
        .map(|(_, r)| r)
        .filter(|r| !r.is_empty());
    let (of_realm, srv) = match realm {
        Some(r) => (
            format!(" for {r}"),
            format!(
                "_kerberos._udp.{r} and _kerberos._tcp.{r} (dig +short SRV _kerberos._udp.{r})"
            ),
        ),
        None => (
            String::new(),
            "_kerberos._udp.REALM and _kerberos._tcp.REALM".to_string(),
        ),
    };
    let ip = f.server.ip();
    let port = f.server.port();
    format!("Check the KDC address the client uses: 'kdc =' in the [realms] section of its krb5.conf{of_realm}, or, without one, the DNS SRV records {srv}; they must name a domain controller, and the client went to {ip}. If that is a domain controller, check that its KDC runs and listens on port {port} over TCP and UDP (ss -ltnu on it; a Samba AD DC's KDC runs with 'kdc' in 'server services' and, with 'bind interfaces only = yes', listens only on the addresses of 'interfaces'; Windows: the Kerberos Key Distribution Center service), and that no firewall between rejects or drops port {port} from the client.")
}

/// What the KDC's extended error (the NTSTATUS in the KRB-ERROR's e-data)
/// says of the account, in words, with the status.
fn account_reason(x: &KdcExchange) -> Option<String> {
    let st = x.nt_status.as_deref()?;
    let why = match st {
        "STATUS_ACCOUNT_DISABLED" => "the account is disabled",
        "STATUS_ACCOUNT_LOCKED_OUT" => "the account is locked out",
        "STATUS_ACCOUNT_EXPIRED" => "the account has expired",
        "STATUS_INVALID_LOGON_HOURS" => "outside the account's logon hours",
        "STATUS_INVALID_WORKSTATION" => "the account may not log on from this workstation",
        "STATUS_PASSWORD_EXPIRED" => "the password has expired",
        "STATUS_PASSWORD_MUST_CHANGE" => "the password must be changed",
        _ => return None,
    };
    Some(format!("{why} ({st})"))
}

/// The explanation and next step of the finding of a KDC error that
/// [`kdc_head`] makes one of. A code with a text of its own here does not
/// repeat the code's general meaning, which only [`generic_kdc_text`] adds.
fn kdc_texts(
    x: &KdcExchange,
    code: i32,
    (who, sp): (&str, &str),
    account: Option<String>,
    kdc: &Platform,
) -> (String, String) {
    let (meaning, check) = krb_text(code);
    let extra = x
        .nt_status
        .as_ref()
        .map(|n| format!(" The KDC's extended error says {n}."))
        .unwrap_or_default();
    let user = x.client_principal.as_deref();
    let u = super::steps::user_arg(user);
    let note = clock_kind(code)
        .map(|kind| {
            let t = ErrorTimes {
                stime: x.server_time.as_deref(),
                ctime: None,
                frame: x.reply_frame.unwrap_or(x.request_frame),
                captured: seconds(x.reply_time.unwrap_or(x.time)),
                request_captured: seconds(x.time),
                client_time_in: if x.request == crate::auth::kerberos::KrbMsgType::AS_REQ {
                    "the pre-authentication timestamp"
                } else {
                    "the authenticator of the TGS-REQ"
                },
                who: "KDC",
            };
            format!(" {}", clock_note(kind, &t))
        })
        .unwrap_or_default();
    let (explanation, next): (String, String) = match code {
        KDC_ERR_PREAUTH_REQUIRED => (
            format!("The KDC asked {who} for pre-authentication (KDC_ERR_PREAUTH_REQUIRED, a normal first answer), but no pre-authenticated AS-REQ follows in the capture."),
            "Check that the client has a password or key for the user (kinit prompts, keytab), and that the capture includes all of the client's KDC traffic.".to_string(),
        ),
        KRB_ERR_RESPONSE_TOO_BIG => (
            "The KDC's reply did not fit in a UDP datagram and it asked the client to use TCP, but no Kerberos request over TCP follows: either the client did not retry, or its TCP connection to port 88 failed (refused or blocked by a firewall), so it got no ticket.".to_string(),
            "Check that TCP port 88 to the KDC is open from the client (or set udp_preference_limit = 1 in krb5.conf).".to_string(),
        ),
        KDC_ERR_S_PRINCIPAL_UNKNOWN => (
            format!("The client asked the KDC for a ticket to {sp} and the KDC knows no account with that service principal name. The client then cannot use Kerberos for this server; it fails or falls back to NTLM. Usual cause: the client used an alias, a CNAME or an IP address that is not registered as an SPN.{extra}"),
            format!("Register the name as an SPN of the server's account (Windows: 'setspn -Q {n}' confirms that no account holds it, 'setspn -S {n} {a}' adds it; Samba AD: 'samba-tool spn add {n} {a}'), or connect with the server's real host name. {}", kdc_log(kdc, "each such request", "event 4769 with Failure Code 0x7 in the domain controller's Security log, where other clients asking for the same name show too", "with 'log level = 3', a line of the KDC ('Server not found in database') for the name"), n = spn_arg(sp), a = account.as_deref().unwrap_or("SERVER$")),
        ),
        KDC_ERR_PREAUTH_FAILED => (
            format!("The KDC could not decrypt the pre-authentication timestamp of {who}, which the client encrypts with a key made from the password: the password (or the key in a keytab) is wrong. It counts toward the account's lockout.{extra}"),
            format!("Check the password ('kinit {u}' with the current one; a keytab's key version with 'klist -ke'). {}", kdc_log(kdc, "each refusal", "event 4771 with Failure Code 0x18 in the domain controller's Security log", "with 'log level = 1 auth_audit:2', a line for each failed authentication ('Kerberos KDC', NT_STATUS_WRONG_PASSWORD)")),
        ),
        KDC_ERR_C_PRINCIPAL_UNKNOWN => (
            format!("The KDC has no account {who}: the user name (or UPN) in the AS-REQ is not an account of that realm.{extra}"),
            format!("Check the user name and the realm (in upper case), and that the account exists: Samba AD, 'samba-tool user show {u}'; Windows, 'Get-ADUser {u}'. {}", kdc_log(kdc, "each such request", "event 4768 with Result Code 0x6 in the domain controller's Security log, naming the machine that sends the name", SAMBA_AUTH_LOG)),
        ),
        KDC_ERR_CLIENT_REVOKED => match x.nt_status.as_deref().and_then(crate::ntstatus::by_name) {
            Some(e) if account_reason(x).is_some() => (
                format!("The KDC refused {who} with KDC_ERR_CLIENT_REVOKED, and its extended error (an NTSTATUS in the KRB-ERROR's e-data) says why: {}.", account_reason(x).unwrap_or_default()),
                super::steps::logon_next(crate::ntstatus::NtStatus(e.code), user, None, None)
                    .unwrap_or_else(|| super::steps::account_check(user)),
            ),
            _ => (
                format!("The KDC refused {who} with KDC_ERR_CLIENT_REVOKED: the account is disabled, locked out or expired, or outside its logon hours or allowed workstations. {}", if extra.is_empty() { "This KDC sent no NTSTATUS in the error (a Windows KDC puts one in the e-data), so the capture does not say which." } else { extra.trim_start() }),
                format!("{} {}", super::steps::account_check(user), kdc_log(kdc, "the refusal", "event 4768 or 4771 with code 0x12 in the domain controller's Security log", SAMBA_AUTH_LOG)),
            ),
        },
        KDC_ERR_KEY_EXPIRED => (
            format!("The KDC refused {who}: the password has expired or must be changed at the next logon, and the KDC issues no ticket until it is changed.{extra}"),
            format!("Change the password ('kpasswd {u}', or at a Windows logon), then retry; or an administrator sets a new one (Samba: 'samba-tool user setpassword {u}'; Windows: 'Set-ADAccountPassword {u} -Reset'). {}", kdc_log(kdc, "the refusal", "event 4768 or 4771 with code 0x17 in the domain controller's Security log", SAMBA_AUTH_LOG)),
        ),
        KDC_ERR_ETYPE_NOSUPP => etype_texts(x, who),
        KRB_AP_ERR_SKEW => (
            format!("The KDC found the client's timestamp outside the allowed skew.{note}"),
            {
                let step = match time::offset(x.server_time.as_deref(), seconds(x.reply_time.unwrap_or(x.time))) {
                    Some(d) if !time::agrees(d) => format!("Compare the KDC's clock and the client's with a reliable time source (the KDC's reads {} the capturing host's) and fix the one that is off (Windows: w32tm /resync; Linux: chronyc makestep, timedatectl).", time::relative_words(d)),
                    _ => "Synchronise the client's clock with the domain controllers (Windows: w32tm /resync; Linux: 'chronyc tracking' shows the offset, 'chronyc makestep' corrects it).".to_string(),
                };
                // Windows audits a refused pre-authentication as 4771, a
                // refused TGS-REQ as 4769, both with the error code; one
                // finding may hold both (repeats merged), so both are named.
                format!("{step} {}", kdc_log(kdc, "the refusal", "event 4771 (an AS-REQ's pre-authentication) or 4769 (a TGS-REQ) with Failure Code 0x25 in the domain controller's Security log", "with 'log level = 3', the KDC's line 'Too large time skew' with the client's time"))
            },
        ),
        KRB_AP_ERR_MODIFIED if x.request == KrbMsgType::TGS_REQ => tgt_modified_texts(sp, kdc),
        KRB_AP_ERR_MODIFIED => modified_texts(sp, check, None, None),
        KRB_AP_ERR_TKT_EXPIRED => (
            format!("The client's {} for {sp} was refused because the ticket it presented, its ticket-granting ticket, has expired (a Samba AD DC also refuses a TGT with two minutes or less left). The client gets no new service ticket until it has a new TGT.{note}", x.request),
            "Get a new ticket-granting ticket, then connect again: Linux, 'kinit' (with a lifetime that outlasts the work, 'kinit -l'); Windows, lock and unlock the session, or 'klist purge'. If a fresh TGT is refused too, compare the clocks of client and KDC.".to_string(),
        ),
        KDC_ERR_POLICY | KDC_ERR_CANNOT_POSTDATE if postdate_request(x).is_some() => (
            format!("The client's {} for {sp} asked for a postdated ticket (RFC 4120 2.4): {}. The KDC answered {}: its policy does not allow postdated tickets for this client or service. A Samba AD DC refuses every such request: its KDC (Heimdal) grants ALLOW-POSTDATE only when the client's and the service's accounts both have the postdate flag, and Samba gives that flag to no account (source4/kdc/db-glue.c), so no setting allows it. This is not a logon restriction of the account.{}", x.request, postdate_request(x).unwrap_or_default(), x.error.as_deref().unwrap_or("the error"), e_text(x)),
            "Ask for a ticket valid now: run kinit without -s (a start time asks for a postdated ticket), and get the ticket when it is needed instead (e.g. from the job that needs it). If postdated tickets are wanted, the KDC must allow them: a Samba AD DC cannot; an MIT KDC refuses principals with -allow_postdated (kadmin modprinc +allow_postdated clears it).".to_string(),
        ),
        _ => (
            generic_kdc_text(x, code, sp, meaning, &extra) + &note,
            check.unwrap_or_else(|| format!("Read the KDC's log for this request{}.", kdc.per_os(&[(Kind::Windows, "the System log's Kerberos-Key-Distribution-Center events and the Security log's events 4768, 4769 and 4771"), (Kind::Samba, "with 'log level = 3'"), (Kind::Mit, MIT_KDC_LOG)]))),
        ),
    };
    (explanation, next)
}

/// The encryption types an Active Directory KDC issues tickets in: AES256, AES128 and RC4 ([MS-KILE] 3.1.5.2:
/// KILE must support the AES types, should support RC4 and DES, and should
/// reject all others; Samba's KDC supports these three only, its 'kdc
/// supported enctypes'; Windows DCs have DES off by default since Windows
/// Server 2008 R2).
fn ad_issues(e: EncType) -> bool {
    matches!(
        e,
        EncType::AES256_CTS_HMAC_SHA1_96 | EncType::AES128_CTS_HMAC_SHA1_96 | EncType::RC4_HMAC
    )
}

/// KDC_ERR_ETYPE_NOSUPP. When the client offered only types no AD account
/// has a key of (krb5-kinit-etype-nosupp: des3-cbc-sha1-kd alone), no
/// setting of the account helps: the client's list must take AES. When it
/// offered one an account can have (RC4 alone, say), the account's types
/// decide, and the step compares the two.
fn etype_texts(x: &KdcExchange, who: &str) -> (String, String) {
    let offered = x
        .etypes
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let head = format!("The KDC has no key for {who} in any of the encryption types the client asked for ({offered}), so it cannot issue the ticket.");
    if x.etypes.is_empty() || x.etypes.iter().any(|&e| ad_issues(e)) {
        return (
            head,
            "Compare the client's permitted_enctypes with the account's msDS-SupportedEncryptionTypes; RC4/DES are often disabled now.".to_string(),
        );
    }
    (
        format!("{head} An Active Directory KDC (Windows or Samba) issues no ticket in any of them: it uses AES256, AES128 and RC4 ([MS-KILE] 3.1.5.2 has it reject other types; Samba's KDC supports only these three, and Windows domain controllers have DES off by default since Windows Server 2008 R2), so no setting of the account helps. The client's Kerberos configuration limits it to the types it offered."),
        "Let the client use AES: in its krb5.conf [libdefaults], default_tkt_enctypes, default_tgs_enctypes and permitted_enctypes must include aes256-cts-hmac-sha1-96 and aes128-cts-hmac-sha1-96 (or leave them out: the defaults include both), then get a ticket again (kinit); Windows: the policy 'Network security: Configure encryption types allowed for Kerberos' with the AES types. If the KDC is not Active Directory's (MIT, Heimdal), 'supported_enctypes' in its kdc.conf says which types it has keys of.".to_string(),
    )
}

/// A KDC error without a text of its own: the request, the RFC's meaning
/// of the code, what the KDC added, and that no ticket came of it.
fn generic_kdc_text(
    x: &KdcExchange,
    code: i32,
    sp: &str,
    meaning: Option<&str>,
    extra: &str,
) -> String {
    let name = x.error.as_deref().unwrap_or("an error");
    let rfc = crate::ntstatus::kerberos::lookup(code)
        .map(|e| format!(" ({})", e.meaning))
        .unwrap_or_default();
    let ticket =
        if x.request == crate::auth::kerberos::KrbMsgType::AS_REQ || sp.starts_with("krbtgt/") {
            "ticket-granting ticket"
        } else {
            "service ticket"
        };
    let mut t = format!("The KDC answered the client's {} for {sp} with {name}{rfc}, so the client got no {ticket} from this request.", x.request);
    if let Some(m) = meaning.filter(|m| !m.is_empty()) {
        t.push(' ');
        t.push_str(m);
    }
    t.push_str(extra);
    t.push_str(&e_text(x));
    t
}

/// What of the KDC request `x` asks for postdating (RFC 4120 2.4, 5.4.1),
/// in words: the ALLOW-POSTDATE or POSTDATED option, or a `from` later
/// than the request by more than the usual five minutes of clock skew.
fn postdate_request(x: &KdcExchange) -> Option<String> {
    use crate::auth::kerberos::{KDC_OPT_ALLOW_POSTDATE, KDC_OPT_POSTDATED};
    let options: Vec<&str> = [
        (KDC_OPT_ALLOW_POSTDATE, "ALLOW-POSTDATE"),
        (KDC_OPT_POSTDATED, "POSTDATED"),
    ]
    .into_iter()
    .filter(|&(bit, _)| x.kdc_options.has(bit))
    .map(|(_, name)| name)
    .collect();
    // A start time at or before the request is no postdating (the TGS-REQs
    // of samples/krb5-success.pcap carry 1970-01-01T00:00:00Z).
    let later = x.from.as_deref().and_then(|from| {
        let d = super::time::parse_utc(from)? - super::time::seconds(x.time);
        (d > 300.0).then_some((from, d))
    });
    if options.is_empty() && later.is_none() {
        return None;
    }
    let mut said = String::new();
    if !options.is_empty() {
        said = format!("its kdc-options carry {}", options.join(" and "));
    }
    if let Some((from, d)) = later {
        let sep = if said.is_empty() { "its" } else { ", and its" };
        said.push_str(&format!(
            "{sep} start time (from) is {from}, {} after the request",
            duration_words(d)
        ));
    }
    Some(said)
}

/// "3.0 h", "12 min", "40 s".
fn duration_words(secs: f64) -> String {
    if secs >= 3570.0 {
        format!("{:.1} h", secs / 3600.0)
    } else if secs >= 120.0 {
        format!("{:.0} min", secs / 60.0)
    } else {
        format!("{secs:.0} s")
    }
}

/// The KDC's own words (the KRB-ERROR's e-text), which often say which
/// policy refused the request.
fn e_text(x: &KdcExchange) -> String {
    x.e_text
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(|t| format!(" The KDC's error text: \"{}\".", t.trim()))
        .unwrap_or_default()
}

/// NTLM sessions set up after a Kerberos attempt of the same client failed.
fn fallback(model: &Model, out: &mut Sink) {
    let errors_of = errors_by_client(&model.kdc);
    for s in model
        .sessions
        .iter()
        .filter(|s| s.mechanism == Some("ntlmssp"))
    {
        let conn = model.connection(s.stream);
        let offered = conn
            .and_then(|c| c.negotiate.as_ref())
            .is_some_and(|n| n.server_mechanisms.iter().any(|m| m.contains("kerberos")));
        let start = conn.map_or(s.first_time, |c| c.first_time);
        let Some(list) = errors_of.get(&s.client.ip()) else {
            continue;
        };
        let Some(x) = latest_error(list, start, s.first_time).and_then(|i| model.kdc.get(i)) else {
            continue;
        };
        if !offered && x.smb_stream != Some(s.stream) {
            continue;
        }
        let err = x.error.clone().unwrap_or_else(|| "an error".to_string());
        let sp = x.service_principal.clone().unwrap_or_default();
        let draft = Draft::new(Severity::Warning, "kerberos.fallback_ntlm", format!("Kerberos failed ({err}); the client fell back to NTLM"))
                .explain(format!("Before this NTLM session setup for {}, the client's {} for {sp} was answered {err}, so it could not use Kerberos and used NTLM instead. NTLM works, but it is weaker, cannot be delegated, and is blocked where NTLM is restricted.", identity(s), x.request))
                .next("Fix the Kerberos error shown (for KDC_ERR_S_PRINCIPAL_UNKNOWN: register the SPN or use the server's real name) so the client can use Kerberos.");
        // The evidence is the KDC exchange's and the session's frames: one
        // stream when the KDC exchange travelled on the SMB connection (or
        // within it), both TCP streams otherwise; a KDC exchange over UDP
        // has no stream filter in common with the session: the session's
        // stream is named in `streams` only.
        let session = (s.stream, Some(s.session_id.0));
        let draft = match x.transport {
            "tcp" => draft.covers([(x.stream, None), session]),
            _ => draft.udp_and_tcp([session]),
        };
        let draft = match x.error.clone() {
            Some(e) => draft.status(e),
            None => draft,
        };
        out.push(
            draft
                .frames(
                    [x.request_frame]
                        .into_iter()
                        .chain(x.reply_frame)
                        .chain([s.first_frame]),
                )
                .session(s.session_id)
                .user(user_of(s))
                .done(),
        );
    }
}

/// The (time, index in `model.kdc`) of each KDC error that is not a normal
/// step, per client address, sorted: [`latest_error`] finds a session's
/// cause in it by binary search, where a scan of the client's exchanges
/// for each NTLM session would cost sessions × exchanges (4096 kept) on a
/// capture of one busy client.
type ErrorsByClient = crate::tcp::hash::KeyedHashMap<std::net::IpAddr, Vec<(Timestamp, usize)>>;

fn errors_by_client(kdc: &[KdcExchange]) -> ErrorsByClient {
    let mut m = ErrorsByClient::default();
    for (i, x) in kdc.iter().enumerate() {
        if x.error_code
            .is_some_and(|c| !crate::ntstatus::kerberos::is_benign(c))
        {
            m.entry(x.client.ip()).or_default().push((x.time, i));
        }
    }
    for v in m.values_mut() {
        v.sort_unstable();
    }
    m
}

/// The index of the latest error of `list` (by time, then capture order)
/// timed within `from..=until` ([`crate::session::kdc::latest`], which
/// says what "latest" is when time stamps go backwards).
pub(super) fn latest_error(
    list: &[(Timestamp, usize)],
    from: Timestamp,
    until: Timestamp,
) -> Option<usize> {
    let (t, i) = crate::session::kdc::latest(list, until)?;
    (t >= from).then_some(i)
}
