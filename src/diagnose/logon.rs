//! Session setup failures by NTSTATUS ([MS-SMB2] 3.3.5.5.3; [MS-ERREF]
//! 2.3), abandoned exchanges, guest and anonymous sessions, slow rounds.

use std::net::{IpAddr, SocketAddr};

use crate::ntstatus::NtStatus as S;
use crate::session::model::secs_between;
use crate::session::token::concat;
use crate::session::{Connection, Model, Negotiate, Outcome, Round, Session, MECHANISM_NTLM};
use crate::tcp::hash::KeyedHashMap;

use super::group::{evidence, groups, Group};
use super::linux::{self, Cifs};
use super::own_logons::{Fallback, Later, OwnLogons, SharedOwnLogons};
use super::platform::{Kind, Platform};
use super::{nt_meaning, nt_next, Draft, Finding, Severity, Sink};

/// A round slower than this is reported (seconds); so are a NEGOTIATE and
/// a TREE_CONNECT (negotiate.slow, tree.slow).
pub const SLOW_ROUND_SECS: f64 = 1.0;

pub(super) fn findings(model: &Model, own: &SharedOwnLogons<'_>, out: &mut Sink) {
    for s in &model.sessions {
        let conn = model.connection(s.stream);
        match s.outcome {
            // Grouped by client and server: the anonymous module.
            Outcome::Failure if super::anonymous::is_refused_anonymous(s) => {}
            Outcome::Failure if encryption_refused(s, conn) => {
                // Not kept whatever its texts: not written.
                let first = evidence(s).min().unwrap_or(0);
                if !out.unkept("session.encryption_required", Severity::Error, first, None) {
                    encryption(s, &super::platform::client(model, s), out)
                }
            }
            // Grouped by client, server, identity and status: failures().
            Outcome::Failure => {}
            Outcome::Unfinished => {
                if let Some(c) = conn {
                    unfinished(model, s, c, out);
                }
            }
            // Not kept whatever its texts: not written.
            Outcome::Guest
                if out.unkept(
                    "session.guest",
                    Severity::Warning,
                    evidence(s).min().unwrap_or(0),
                    None,
                ) => {}
            Outcome::Guest => {
                let sides = (
                    super::platform::server(model, s),
                    super::platform::client(model, s),
                );
                guest(s, conn, &sides, out)
            }
            // Anonymous sessions: grouped by the anonymous module. No
            // unseen setup is in `model.sessions` (`Model::unseen_sessions`).
            Outcome::Anonymous | Outcome::Success | Outcome::Unseen => {}
        }
    }
    let slow = slow_list(model);
    let index = SlowIndex::new(&slow);
    // The findings not kept whatever their texts are not written, and the
    // walk of every session's rounds that names a round answered together
    // with each is not made when none is kept.
    let kept: Vec<bool> = slow
        .iter()
        .map(|x| {
            let first =
                x.r.response_frame
                    .map_or(x.r.request_frame, |f| f.min(x.r.request_frame));
            !out.unkept("logon.slow_round", Severity::Warning, first, None)
        })
        .collect();
    if kept.contains(&true) {
        for ((x, with), _) in slow
            .iter()
            .zip(index.first_together(model))
            .zip(&kept)
            .filter(|(_, &k)| k)
        {
            slow_round(x, with, out);
        }
    }
    failures(model, own, &index, out);
}

/// Session setups refused with a status, one finding per client address,
/// server, identity and code (not Kerberos: the kerberos module explains
/// those; not anonymous: the anonymous module; not encryption).
fn failures(model: &Model, shared: &SharedOwnLogons<'_>, slow: &SlowIndex<'_>, out: &mut Sink) {
    let keep = |s: &Session| {
        s.outcome == Outcome::Failure
            && s.status.is_some()
            && s.mechanism != Some("kerberos")
            && !super::anonymous::is_refused_anonymous(s)
            && !encryption_refused(s, model.connection(s.stream))
    };
    let v1 = V1Index::new(model);
    let all = groups(model, keep, |s| failure_key(s, &v1));
    let bad = bad_passwords(&all);
    // A refusal that the client's own logon to the same server soon
    // followed did not keep it out.
    let own = (!all.is_empty()).then(|| shared.get());
    for g in &all {
        let ev = v1.evidence(g.first());
        let later = own
            .as_ref()
            .map_or(Later::Nothing, |o| logon_after(o, g, ev));
        let bad_before = bad_passwords_before(g, &bad);
        // Not kept whatever its texts: not written.
        if let Some(status) = g.first().status {
            let code = failure_code(status.0, g.first(), ev).0;
            let first = g.frames().into_iter().min().unwrap_or(0);
            if out.unkept(code, later.severity(), first, bad_before.from) {
                continue;
            }
        }
        let logoff = logged_off_before(model, g.first());
        let told = Told {
            fallback: own.as_ref().and_then(|o| o.fallback_after(g.last)),
            server: super::platform::server(model, g.first()),
            client: super::platform::client(model, g.first()),
            stall: slow.together_with(g.first()),
        };
        failure(g, bad_before, ev, later, logoff, told, out);
    }
}

/// What else a refusal's finding tells: the client's anonymous or guest
/// logon after it ([`OwnLogons::fallback_after`]), and the server's OS as
/// the capture shows it, for the step.
struct Told<'a> {
    fallback: Option<Fallback<'a>>,
    server: Platform,
    client: Platform,
    /// A slow round of another session that the server answered together
    /// with this refusal ([`together`]).
    stall: Option<Together<'a>>,
}

/// For a SESSION_SETUP refused with STATUS_USER_SESSION_DELETED: the
/// LOGOFF response (its frame) that ended, earlier on the same connection,
/// the session whose SessionId the request named. The server removed that
/// session then ([MS-SMB2] 3.3.5.6) and refuses a SESSION_SETUP naming it
/// (3.3.5.5); the session model keeps that request apart from the ended
/// session. One look at the connection's sessions, for such refusals only.
fn logged_off_before(model: &Model, s: &Session) -> Option<u64> {
    if s.status != Some(S::USER_SESSION_DELETED) || s.id == 0 {
        return None;
    }
    let c = model.connection(s.stream)?;
    model
        .sessions_of(c)
        .filter(|o| o.id == s.id)
        .filter_map(|o| o.logoff_frame)
        .find(|&f| f < s.first_frame)
}

/// The client's own logon after a group of refusals, for the codes that
/// tell it: session.expired (the retry of the last refusal) and the
/// logon.* refusals ([`OwnLogons::after_refusals`]); not session.deleted,
/// whose session the server no longer knew.
fn logon_after<'a>(own: &OwnLogons<'a>, g: &Group<'_>, v1: V1Evidence<'_>) -> Later<'a> {
    let s = g.first();
    let status = s.status.map_or(0, |st| st.0);
    match failure_code(status, s, v1).0 {
        "session.expired" => own.retry_of(g.last).map_or(Later::Nothing, Later::GotPast),
        c if c.starts_with("logon.") => own.after_refusals(s, g.last),
        _ => Later::Nothing,
    }
}

/// An SMB1 logon without extended security ([MS-CIFS] 2.2.4.53: the
/// password fields, no SPNEGO) with an NTLMv2 response.
fn raw_ntlmv2(s: &Session) -> bool {
    s.mechanism == Some(MECHANISM_NTLM) && s.ntlm_response == Some("NTLMv2")
}

/// An NTLMv1 or LM response ([MS-NLMP] 3.3.1).
fn sent_ntlmv1(s: &Session) -> bool {
    matches!(s.ntlm_response, Some("NTLMv1" | "NTLMv1-ESS" | "LM"))
}

/// A session's NTLM domain, folded by ASCII case ("" when it sent none).
fn domain(s: &Session) -> String {
    s.domain.as_deref().unwrap_or("").to_ascii_lowercase()
}

/// The step of a logon with a local account of the client's machine
/// ([`own_machine_account`]): an account of the server, with its name
/// filled in, or a matching local account on the server; where to read
/// why, without a domain controller when the server is standalone.
fn own_machine_next(s: &Session, o: &OwnMachine<'_>) -> String {
    let u = super::steps::user_arg(s.user.as_deref());
    let unc = super::unc::windows_path(&s.server.ip().to_string(), "SHARE");
    let log = if o.standalone {
        "the server's own Security log (event 4625, Sub Status 0xC0000064 no such user, 0xC000006A wrong password) says which; there is no domain controller to look at"
    } else {
        "the server's Security log (event 4625), and event 4776 on its domain controller for a domain account, say why"
    };
    format!("Log on with an account of the server, its name as the domain: net use {unc} /user:{}\\{u} (smbclient -U '{}\\{u}'); or give the server a local account {u} with the same password. If it still fails, {log}.", o.server, o.server)
}

/// A logon whose NTLM AUTHENTICATE names the client's own machine as the
/// domain: DomainName equal to Workstation ([MS-NLMP] 2.2.1.3), and
/// neither the server's NetBIOS computer name nor its NetBIOS domain name
/// in the CHALLENGE (MsvAvNbComputerName, MsvAvNbDomainName, 2.2.2.1): a
/// local account of the client's machine, which the server cannot check.
struct OwnMachine<'a> {
    /// The client's name, the domain it sent.
    client: &'a str,
    /// The server's NetBIOS computer name.
    server: &'a str,
    /// MsvAvNbDomainName is the server's computer name: a standalone
    /// (workgroup) server, with no domain and no domain controller.
    standalone: bool,
}

fn own_machine_account(s: &Session) -> Option<OwnMachine<'_>> {
    let d = s.domain.as_deref().filter(|d| !d.is_empty())?;
    let w = s.workstation.as_deref()?;
    let names = s.server_names.as_deref()?;
    let server = names.nb_computer_name.as_deref()?;
    let dom = names.nb_domain_name.as_deref();
    let other = |n: &str| !n.eq_ignore_ascii_case(d);
    (d.eq_ignore_ascii_case(w) && other(server) && dom.is_none_or(other)).then(|| OwnMachine {
        client: d,
        server,
        standalone: dom.is_some_and(|n| n.eq_ignore_ascii_case(server)),
    })
}

/// The domain whose domain controller the server of `s` looks for: the
/// DNS domain name of its NTLM CHALLENGE, else its NetBIOS domain name,
/// else the domain the client named.
fn dc_domain(s: &Session) -> Option<&str> {
    let n = s.server_names.as_deref();
    n.and_then(|n| n.dns_domain_name.as_deref())
        .or_else(|| n.and_then(|n| n.nb_domain_name.as_deref()))
        .or(s.domain.as_deref())
        .filter(|d| !d.is_empty())
}

/// What a server's NTLM CHALLENGE says of its place, from the names of its
/// TargetInfo ([MS-NLMP] 2.2.2.1): a standalone (workgroup) computer gives
/// its own name as its domain (MsvAvNbDomainName equal to
/// MsvAvNbComputerName: smbd standalone, "FILESRV" for both in samples/;
/// a Windows workgroup computer, corpus sv-smb2-ntlm-logon-failure frame
/// 708, its MsvAvDnsDomainName too); a computer in a domain gives the
/// domain's (the Samba DC of samples/ntlm-dc-*: "SAMPLES" and
/// "samples.smbscope.test", computer "DC1"). A domain member and a domain
/// controller state alike.
enum Place<'a> {
    /// No CHALLENGE, or one without both names.
    Unknown,
    Standalone {
        computer: &'a str,
    },
    InDomain {
        computer: &'a str,
        domain: &'a str,
        dns_domain: Option<&'a str>,
    },
}

fn place(s: &Session) -> Place<'_> {
    let Some(n) = s.server_names.as_deref() else {
        return Place::Unknown;
    };
    let (Some(computer), Some(domain)) =
        (n.nb_computer_name.as_deref(), n.nb_domain_name.as_deref())
    else {
        return Place::Unknown;
    };
    if computer.eq_ignore_ascii_case(domain) {
        Place::Standalone { computer }
    } else {
        Place::InDomain {
            computer,
            domain,
            dns_domain: n.dns_domain_name.as_deref(),
        }
    }
}

/// STATUS_LOGON_FAILURE's meaning worded by the server's place
/// ([`place`]); None where the capture does not show it (the status's
/// general meaning stands). impacket's smbserver.py ([`Platform::impacket`])
/// names itself with random NetBIOS and DNS names, which say nothing of a
/// place: it checks the user name, lowercased and whatever the domain,
/// against the credentials it was started with, and answers
/// STATUS_LOGON_FAILURE for a name it does not have and for a wrong
/// response alike (impacket 0.10.0 smbserver.py, smb2SessionSetup and
/// smbComSessionSetupAndX); started without credentials, it lets every
/// logon in as guest.
fn logon_failure_meaning(s: &Session, server: &Platform) -> Option<String> {
    const SAME: &str = "Servers report both 'no such user' and 'wrong password' as this";
    if server.impacket() {
        return Some(format!("SESSION_SETUP failed: the server did not accept the user name and credentials. Its NTLM CHALLENGE states {}, as impacket's smbserver.py does, whose NetBIOS and DNS names are random: it is in no domain and asks no domain controller, but checks the user name (whatever the domain) and the response against the credentials it was started with (-username with -password or -hashes). It answers this status for a user it was not given and for a wrong password alike.", server.shown));
    }
    match place(s) {
        Place::Unknown => None,
        Place::Standalone { computer } => Some(format!("SESSION_SETUP failed: the server did not accept the user name and credentials. Its NTLM CHALLENGE gives its own computer name, {computer}, as its domain (MsvAvNbDomainName, [MS-NLMP] 2.2.2.1): a standalone (workgroup) server, which checks them against its own accounts; no domain controller took part. {SAME}, so the real reason is in the server's own log, not on the wire.")),
        Place::InDomain { computer, .. }
            if s.domain.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(computer)) =>
        {
            Some(format!("SESSION_SETUP failed: the server did not accept the user name and credentials. The client named the server itself, {computer}, as the domain: an account local to the server, which checks it against its own accounts, not with a domain controller. {SAME}, so the real reason is in the server's own log, not on the wire."))
        }
        Place::InDomain { computer, domain, dns_domain } => {
            let dns = dns_domain
                .filter(|d| !d.eq_ignore_ascii_case(domain))
                .map_or_else(String::new, |d| format!(" ({d})"));
            Some(format!("SESSION_SETUP failed: the server, or the domain controller it asked, did not accept the user name and credentials. Its NTLM CHALLENGE names the domain {domain}{dns}, not its own computer name {computer} (MsvAvNbDomainName, [MS-NLMP] 2.2.2.1): it is in that domain (a member or a domain controller), and a domain account's logon is checked by a domain controller. {SAME}, so the real reason is in the server's or the DC's logs, not on the wire."))
        }
    }
}

/// What the capture shows about a logon refused with an NTLMv1 response.
/// A server that refuses NTLMv1 answers it with LOGON_FAILURE (Samba's
/// ntlm_password_check returns WRONG_PASSWORD under 'ntlm auth =
/// ntlmv2-only', which smbd sends as LOGON_FAILURE; Windows with
/// LmCompatibilityLevel 5), and so does a server that accepts NTLMv1 when
/// the password is wrong: only other logons to the same server tell which.
#[derive(Clone, Copy)]
enum V1Evidence<'a> {
    /// Nothing in the capture tells which.
    Unknown,
    /// The server accepted this session's NTLMv1/LM response, of an account
    /// of the same domain: the refused logon's password (or user) was wrong.
    Accepted(&'a Session),
    /// The same identity logged on to the server with this NTLMv2 session:
    /// the credentials are good, NTLMv1 is what the server refused.
    GoodWithNtlmV2(&'a Session),
}

/// Per server address and domain, the first session the server accepted an
/// NTLMv1/LM response in, and per server address and identity the first
/// NTLMv2 logon (names folded by ASCII case). Built only when some NTLMv1
/// logon was refused. By domain, because a server applies its own NTLMv1
/// setting to its local accounts only and passes a domain account's logon
/// to a domain controller, which applies its own (smb.conf(5) 'ntlm auth';
/// Windows LmCompatibilityLevel is read on the DC for domain accounts).
#[derive(Default)]
struct V1Index<'a> {
    accepted: KeyedHashMap<(IpAddr, String), &'a Session>,
    good_v2: KeyedHashMap<(IpAddr, String), &'a Session>,
}

impl<'a> V1Index<'a> {
    fn new(model: &'a Model) -> Self {
        let mut index = V1Index::default();
        let refused = |s: &Session| {
            s.outcome == Outcome::Failure
                && sent_ntlmv1(s)
                && matches!(
                    s.status.map(read),
                    Some(S::LOGON_FAILURE | S::WRONG_PASSWORD)
                )
        };
        if !model.sessions.iter().any(refused) {
            return index;
        }
        for s in model.sessions.iter().filter(|s| s.outcome.established()) {
            let ip = s.server.ip();
            if sent_ntlmv1(s) {
                index.accepted.entry((ip, domain(s))).or_insert(s);
            } else if s.ntlm_response == Some("NTLMv2") {
                let who = identity(s).to_ascii_lowercase();
                index.good_v2.entry((ip, who)).or_insert(s);
            }
        }
        index
    }

    fn evidence(&self, s: &Session) -> V1Evidence<'a> {
        if !sent_ntlmv1(s) || (self.accepted.is_empty() && self.good_v2.is_empty()) {
            return V1Evidence::Unknown;
        }
        let ip = s.server.ip();
        if let Some(a) = self.accepted.get(&(ip, domain(s))) {
            return V1Evidence::Accepted(a);
        }
        let who = identity(s).to_ascii_lowercase();
        match self.good_v2.get(&(ip, who)) {
            Some(v2) => V1Evidence::GoodWithNtlmV2(v2),
            None => V1Evidence::Unknown,
        }
    }
}

/// What groups failures: client address, server, status, code and the
/// fields identity() reads for a session that is not Kerberos, borrowed
/// (no string is made per session).
type FailureKey<'a> = (
    (IpAddr, SocketAddr, u32, &'static str),
    (Option<&'a str>, Option<&'a str>),
    bool,
);

fn failure_key<'a>(s: &'a Session, v1: &V1Index<'_>) -> FailureKey<'a> {
    let status = s.status.map_or(0, |st| st.0);
    (
        (
            s.client.ip(),
            s.server,
            status,
            failure_code(status, s, v1.evidence(s)).0,
        ),
        (s.domain.as_deref(), s.user.as_deref()),
        s.ntlm_response.is_none() && s.service_principal.is_none(),
    )
}

/// Wrong passwords by (client address, server, identity): each group's
/// first frame and count. Built only when some logon was locked out.
type BadPasswords = KeyedHashMap<(IpAddr, SocketAddr, String), Vec<(u64, u64)>>;

fn bad_passwords(all: &[Group<'_>]) -> BadPasswords {
    let mut bad = BadPasswords::default();
    if !all
        .iter()
        .any(|g| g.first().status == Some(S::ACCOUNT_LOCKED_OUT))
    {
        return bad;
    }
    for g in all {
        let f = g.first();
        if matches!(
            f.status.map(read),
            Some(S::LOGON_FAILURE | S::WRONG_PASSWORD)
        ) {
            bad.entry((f.client.ip(), f.server, identity(f)))
                .or_default()
                .push((f.first_frame, g.count));
        }
    }
    bad
}

/// For a lockout, the wrong passwords of the same client and identity
/// before it: how many, and the first frame of the first of them.
struct BadBefore {
    count: u64,
    from: Option<u64>,
}

fn bad_passwords_before(g: &Group<'_>, bad: &BadPasswords) -> BadBefore {
    let s = g.first();
    let mut b = BadBefore {
        count: 0,
        from: None,
    };
    if s.status != Some(S::ACCOUNT_LOCKED_OUT) {
        return b;
    }
    let earlier = bad
        .get(&(s.client.ip(), s.server, identity(s)))
        .into_iter()
        .flatten()
        .filter(|(frame, _)| *frame < s.first_frame);
    for &(frame, n) in earlier {
        b.count += n;
        b.from = Some(b.from.map_or(frame, |f| f.min(frame)));
    }
    b
}

/// The identity of `s` as a finding's `user` carries it: as [`identity`]
/// writes it in the text (`DOMAIN\user`, or `user` alone, of an NTLM
/// logon; the Kerberos client principal with its ticket's service
/// principal), and None where the text names nobody but says so ("an
/// identity not in the capture", "(anonymous)"): no user to filter or
/// group by.
pub(crate) fn user_of(s: &Session) -> Option<String> {
    let principal = s.client_principal.is_some() || s.service_principal.is_some();
    if s.mechanism == Some("kerberos") && principal {
        return Some(identity(s));
    }
    match (s.domain.as_deref(), s.user.as_deref()) {
        (Some(d), Some(u)) => Some(concat(&[d, "\\", u])),
        (None, Some(u)) => Some(u.to_string()),
        _ => None,
    }
}

/// DOMAIN\user, a Kerberos principal, "(anonymous)" for an anonymous NTLM
/// logon (an empty user name and no NtChallengeResponse, [MS-NLMP]
/// 3.2.5.1.2, 3.3.1), or, for an empty user name with a response (a guest
/// logon, as a server maps it), "DOMAIN\(no user name)" or "(no user name)":
/// not anonymous.
pub(crate) fn identity(s: &Session) -> String {
    if let Some(p) = s.client_principal.as_ref().or(s.service_principal.as_ref()) {
        if s.mechanism == Some("kerberos") {
            return match (&s.client_principal, &s.service_principal) {
                (Some(c), Some(sp)) => concat(&[c, " (ticket for ", sp, ")"]),
                (None, Some(sp)) => concat(&["a ticket for ", sp]),
                _ => p.clone(),
            };
        }
    }
    match (s.domain.as_deref(), s.user.as_deref()) {
        (Some(d), Some(u)) => concat(&[d, "\\", u]),
        (None, Some(u)) => u.to_string(),
        _ if s.ntlm_response.is_none() && s.service_principal.is_none() => {
            if s.rounds.iter().any(|r| r.token_cut) {
                "an identity the capture cut off".to_string()
            } else {
                "an identity not in the capture".to_string()
            }
        }
        _ if s.ntlm_response == Some("anonymous") => "(anonymous)".to_string(),
        (Some(d), None) => concat(&[d, "\\", NO_USER_NAME]),
        _ => NO_USER_NAME.to_string(),
    }
}

/// What [`identity`] writes for an empty user name that is not an
/// anonymous logon.
const NO_USER_NAME: &str = "(no user name)";

/// A session setup's status as the findings read it: an SMB1 DOS-form
/// error as the NTSTATUS [MS-CIFS] pairs it with there ([`super::dos::logon`]),
/// any other status as it is.
fn read(st: S) -> S {
    super::dos::logon(st).map_or(st, |e| e.nt)
}

/// Code and title for a failed session setup's final status; `v1`, what
/// the capture shows of the server and NTLMv1.
fn failure_code(status: u32, s: &Session, v1: V1Evidence<'_>) -> (&'static str, &'static str) {
    match (read(S(status)), v1) {
        (S::LOGON_FAILURE | S::WRONG_PASSWORD, V1Evidence::GoodWithNtlmV2(_)) => {
            ("logon.ntlmv1_rejected", "NTLMv1 logon refused")
        }
        (S::INVALID_PARAMETER, _) if raw_ntlmv2(s) => (
            "logon.raw_ntlmv2_refused",
            "NTLMv2 logon without SPNEGO refused",
        ),
        (S::LOGON_FAILURE | S::WRONG_PASSWORD, V1Evidence::Unknown) if sent_ntlmv1(s) => (
            "logon.ntlmv1_rejected",
            "Logon with an NTLMv1 response refused: NTLMv1 not allowed, or a wrong password",
        ),
        _ => failure_code_by_status(status),
    }
}

/// Code and title for a failed session setup's final status alone.
fn failure_code_by_status(status: u32) -> (&'static str, &'static str) {
    match read(S(status)) {
        S::LOGON_FAILURE | S::WRONG_PASSWORD => (
            "logon.bad_password",
            "Logon failed: wrong password or unknown user",
        ),
        S::NO_SUCH_USER => ("logon.unknown_user", "Logon failed: no such user"),
        S::ACCOUNT_DISABLED => (
            "logon.account_disabled",
            "Logon failed: the account is disabled",
        ),
        S::ACCOUNT_LOCKED_OUT => (
            "logon.account_locked_out",
            "Logon failed: the account is locked out",
        ),
        S::ACCOUNT_EXPIRED => (
            "logon.account_expired",
            "Logon failed: the account has expired",
        ),
        S::PASSWORD_EXPIRED => (
            "logon.password_expired",
            "Logon failed: the password has expired",
        ),
        S::PASSWORD_MUST_CHANGE => (
            "logon.password_must_change",
            "Logon failed: the password must be changed",
        ),
        S::INVALID_LOGON_HOURS => (
            "logon.logon_hours",
            "Logon failed: outside the account's logon hours",
        ),
        S::INVALID_WORKSTATION => (
            "logon.workstation_restriction",
            "Logon failed: the account may not log on from this workstation",
        ),
        S::ACCOUNT_RESTRICTION => (
            "logon.account_restriction",
            "Logon failed: an account restriction applies",
        ),
        S::NO_LOGON_SERVERS => (
            "logon.no_logon_servers",
            "Logon failed: the server could not reach a domain controller",
        ),
        S::NETWORK_SESSION_EXPIRED => (
            "session.expired",
            "Session setup refused with STATUS_NETWORK_SESSION_EXPIRED: the authentication has expired",
        ),
        S::USER_SESSION_DELETED => (
            "session.deleted",
            "Session setup refused with STATUS_USER_SESSION_DELETED: the server no longer knows the session",
        ),
        _ => ("logon.failed", "Session setup failed"),
    }
}

fn failure(
    g: &Group<'_>,
    bad_before: BadBefore,
    v1: V1Evidence<'_>,
    later: Later<'_>,
    logoff: Option<u64>,
    told: Told<'_>,
    out: &mut Sink,
) {
    let s = g.first();
    let Some(status) = s.status.map(|st| st.0) else {
        return;
    };
    let (code, title) = failure_code(status, s, v1);
    let who = identity(s);
    let name = S(status).to_string();
    // What the explanation and the next step are about: a DOS-form error's
    // NTSTATUS where [MS-CIFS] pairs them, the status itself otherwise.
    let dos = super::dos::logon(S(status));
    let meant = dos.map_or(status, |e| e.nt.0);
    // "{title}: {name} ({who})" for logon.failed, else "{title} ({who})".
    let mut title = if code == "logon.failed" {
        concat(&[title, ": ", &name, " (", &who, ")"])
    } else {
        concat(&[title, " (", &who, ")"])
    };
    let mut why = String::with_capacity(256);
    if g.count == 1 {
        for part in [
            "The server answered the SESSION_SETUP of ",
            &who,
            " with ",
            &name,
            ".",
        ] {
            why.push_str(part);
        }
    } else {
        title.push_str(&format!(", {} times", g.count));
        why.push_str(&format!(
            "The server answered {} SESSION_SETUPs of {who} from {} with {name} ({}).",
            g.count,
            s.client.ip(),
            g.streams()
        ));
    }
    if code == "session.expired" {
        // The status's usual meaning is that of a request on an established
        // session; to a SESSION_SETUP it is the authentication's own error
        // ([MS-SMB2] 3.3.5.5.3 fails the request with it).
        why.push_str(if s.reauthentications > 0 {
            " This was the re-authentication of an existing session, and it failed: the new credentials had expired too, so the client must end the session ([MS-SMB2] 3.2.4.23)."
        } else {
            " To a SESSION_SETUP this is not the request to re-authenticate that it is on other commands ([MS-SMB2] 3.3.5.2.9): it is the status the server's authentication returned ([MS-SMB2] 3.3.5.5.3), and the logon failed."
        });
        why.push_str(match s.mechanism {
            // Kerberos sessions are explained in `kerberos::refused`.
            Some(_) => " The mechanism was not Kerberos, so no ticket expired: the server's authentication package refused the credentials as expired, and only the server's logs say why.",
            None => " The capture does not show the mechanism (no security token of this session was decoded; here the SESSION_SETUP requests may have been sent before the capture began): with Kerberos this means a service ticket past its end time; with NTLM, only the server's logs say why.",
        });
        if let Later::GotPast(r) = &later {
            why.push_str(&r.sentence());
        }
    } else {
        if let Some(d) = dos {
            why.push(' ');
            why.push_str(d.why);
        } else if let Some(m) = super::dos::meaning(S(status)) {
            why.push(' ');
            why.push_str(&m);
        }
        // The status's general meaning, unless the capture tells this
        // refusal's own reason, which the general one would repeat or
        // contradict.
        let own_reason = own_reason_of(code, v1);
        if !own_reason {
            let placed = (S(meant) == S::LOGON_FAILURE)
                .then(|| logon_failure_meaning(s, &told.server))
                .flatten();
            if let Some(m) = placed {
                why.push(' ');
                why.push_str(&m);
            } else if let Some(m) = nt_meaning(meant) {
                why.push(' ');
                why.push_str(m);
            }
        }
    }
    ntlmv1_evidence(code, &who, v1, &told.server, &mut why);
    let plaintext = s.ntlm_response == Some("plaintext")
        && matches!(S(meant), S::LOGON_FAILURE | S::WRONG_PASSWORD);
    if plaintext {
        why.push_str(&format!(" The password went in clear (frame {}; the server asked for plaintext passwords). A Samba server that asks for them ('encrypt passwords = no') checks them against the system's own accounts (PAM, or the passwd and shadow files), not its smbpasswd or passdb: an account with a Samba password and no Unix one, or another Unix one, is refused with this status though the password is its Samba one.", s.first_frame));
    }
    // The last cut round: the one that carried the credentials.
    if let Some(r) = s.rounds.iter().rev().find(|r| r.token_cut) {
        why.push_str(&format!(" The capture cut the SESSION_SETUP request of frame {} (a short snaplen, or bytes lost) before its security token, so who logged on is not in it: capture whole packets (tcpdump -s 0, dumpcap without -s) to see it.", r.request_frame));
    }
    if code == "logon.raw_ntlmv2_refused" {
        why.push_str(" The client logged on without extended security (an SMB1 SESSION_SETUP_ANDX with the password fields and no SPNEGO, [MS-CIFS] 2.2.4.53) and sent an NTLMv2 response there. Samba refuses NTLMv2 outside NTLMSSP unless 'raw NTLMv2 auth = yes' (the default is no, and the option is deprecated since Samba 4.13), and answers such a logon with this status.");
    }
    if bad_before.count > 0 {
        why.push_str(&format!(" Before it, the capture shows {} logon(s) of {who} from the same client refused as a wrong password (logon.bad_password): they, or failures elsewhere, count toward the lockout threshold.", bad_before.count));
    }
    let guest_account = s
        .user
        .as_deref()
        .is_some_and(|u| u.eq_ignore_ascii_case("guest"));
    if code == "logon.account_disabled" && guest_account {
        why.push_str(" The user name is Guest: Windows keeps its built-in Guest account disabled unless an administrator enables it.");
    }
    if code != "session.expired" {
        why.push_str(&later.sentence(g.count));
    }
    if let Some(f) = &told.fallback {
        title.push_str(&f.title_suffix());
        why.push_str(&f.sentence());
    }
    if let Some(t) = &told.stall {
        why.push_str(&t.of_refusal());
    }
    if let Some(f) = logoff {
        why.push_str(&format!(" The client itself logged this session off at frame {f} (LOGOFF), on this connection, and then sent this SESSION_SETUP with its SessionId: the server removed the session at the LOGOFF ([MS-SMB2] 3.3.5.6), so it does not take the request as a re-authentication of it (3.3.5.5). A new session is set up with SessionId 0."));
    }
    let own_machine = own_machine_account(s)
        .filter(|_| matches!(code, "logon.bad_password" | "logon.unknown_user"));
    if let Some(o) = &own_machine {
        let told_standalone = S(meant) == S::LOGON_FAILURE && !own_reason_of(code, v1);
        let standalone = if o.standalone && !told_standalone {
            " The server is standalone (a workgroup computer: its NTLM CHALLENGE gives its own name as its domain, MsvAvNbDomainName), so no domain controller took part."
        } else {
            ""
        };
        why.push_str(&format!(" The client sent {} as the domain, its own name (the AUTHENTICATE's workstation): an account local to the client's machine, not one of the server {}, which checks such a name against its own accounts and refuses it unless it has an account of that name with the same password.{standalone}", o.client, o.server));
    }
    if let Some(w) = &s.workstation {
        why.push_str(" Workstation: ");
        why.push_str(w);
        why.push('.');
    }
    // Without extended security NTLMv2 is no test: smbd refuses it there
    // whatever the password ('raw NTLMv2 auth = no', its default:
    // smb1-no-spnego-ntlmv2-refused, STATUS_INVALID_PARAMETER), so the
    // test is a logon with NTLMSSP, whose NTLMv2 every server takes.
    let raw = s.mechanism == Some(MECHANISM_NTLM);
    let standalone_failure = matches!(S(meant), S::LOGON_FAILURE | S::WRONG_PASSWORD)
        && matches!(place(s), Place::Standalone { .. });
    let next = match (code, v1) {
        ("logon.ntlmv1_rejected", V1Evidence::Unknown) if raw => "Log on again with extended security, which carries NTLMv2 in NTLMSSP (Samba client: 'client use spnego = yes' and 'client ntlmv2 auth = yes', both defaults, deprecated since Samba 4.13: remove a 'no' of either from smb.conf; other clients: their extended security or SPNEGO setting), or better over SMB2 ('client min protocol = SMB2'): if that succeeds, the server refuses NTLMv1, and the client should keep NTLMSSP with NTLMv2 rather than the server re-enable NTLMv1; if it fails too, check the user name and password. An NTLMv2 response without extended security tells nothing: Samba refuses it whatever the password ('raw NTLMv2 auth = no', its default, answers STATUS_INVALID_PARAMETER).".to_string(),
        ("logon.ntlmv1_rejected", _) if raw => "Configure the client for extended security with NTLMv2 (Samba client: 'client use spnego = yes' and 'client ntlmv2 auth = yes', both defaults, deprecated since Samba 4.13: remove a 'no' of either from smb.conf), or better SMB2 ('client min protocol = SMB2'), rather than re-enabling NTLMv1 on the server; NTLMv2 without extended security is refused by Samba ('raw NTLMv2 auth = no', its default).".to_string(),
        ("logon.ntlmv1_rejected", V1Evidence::Unknown) => format!("Log on again with NTLMv2 ({}): if that succeeds, the server refuses NTLMv1, and the client should keep NTLMv2 rather than the server re-enable NTLMv1; if it fails too, check the user name and password.", ntlmv2_client_setting(&told.client)),
        ("logon.raw_ntlmv2_refused", _) => "Let the client log on with extended security, NTLMSSP in SPNEGO (Samba client: 'client use spnego = yes', the default, deprecated since 4.13: remove a 'no' from smb.conf), or better over SMB2 ('client min protocol = SMB2'). Allowing it on the server ('raw NTLMv2 auth = yes') lasts only until Samba removes the option.".to_string(),
        ("logon.ntlmv1_rejected", _) => format!("Configure the client for NTLMv2 ({}) rather than re-enabling NTLMv1 on the server.", ntlmv2_client_setting(&told.client)),
        ("session.expired", _) if matches!(later, Later::GotPast(_)) => format!("Nothing to do if the work went on over the new logon. If such refusals recur, read the server's security log at the time of frame {} for why it found the authentication expired.", g.last.last_setup_frame),
        ("session.expired", _) if s.mechanism.is_none() => "Capture from before the connection is made, to see the mechanism. With Kerberos, get a new ticket (klist purge, or kinit, then connect again) and compare the server's clock with the KDC's; otherwise read the server's security log for this logon.".to_string(),
        ("session.expired", _) => "Read the server's security log for this logon, and connect again to see whether a fresh logon works.".to_string(),
        ("session.deleted", _) if logoff.is_some() => "Fix or update the client: after a LOGOFF it must set up a new session (a SESSION_SETUP with SessionId 0) and send nothing more on the old SessionId. The server is not at fault.".to_string(),
        (_, _) if plaintext => format!("Compare the password sent in clear (frame {}) with the account's Unix password on the server ('su - {}', or pamtester's 'authenticate'), and stop sending passwords in clear: Samba, 'encrypt passwords = yes' on the server and 'client plaintext auth = no' on the client, both defaults and deprecated (since 4.11 and 4.13; testparm warns of either when set): remove an 'encrypt passwords = no' or 'client plaintext auth = yes' from smb.conf; Windows servers never ask for them.", s.first_frame, super::steps::user_arg(s.user.as_deref())),
        ("logon.no_logon_servers", _) => super::steps::no_logon_servers_next(&told.server, dc_domain(s)),
        (_, _) if own_machine.is_some() => own_machine.as_ref().map_or_else(String::new, |o| own_machine_next(s, o)),
        ("logon.bad_password", _) if told.server.samba() => super::steps::samba_logon_failure_next(&told.server, standalone_failure),
        ("logon.bad_password", _) if told.server.impacket() => IMPACKET_LOGON_FAILURE_NEXT.to_string(),
        ("logon.account_disabled", _) if guest_account => "Log on with a user account of the server or the domain. Enabling the Guest account is not recommended: guest sessions cannot be signed or encrypted, and Windows clients refuse them where 'Enable insecure guest logons' is disabled (the default of Enterprise, Education and Server editions, and of every edition since Windows 11 24H2; KB4046019).".to_string(),
        ("logon.account_disabled", _) if !disabled_event(&told.server).is_empty() => {
            let step = super::steps::logon_next(S(meant), s.user.as_deref(), s.domain.as_deref(), s.workstation.as_deref()).unwrap_or_default();
            format!("{step} {}", disabled_event(&told.server))
        }
        _ if standalone_failure => "The server's own log says whether the user is unknown or the password wrong (it is standalone: there is no domain controller to look at): Windows, Security event 4625 on the server, Sub Status 0xC0000064 (no such user) or 0xC000006A (wrong password); Samba, its log with 'log level = 1 auth_audit:2', NT_STATUS_NO_SUCH_USER or NT_STATUS_WRONG_PASSWORD.".to_string(),
        _ => super::steps::logon_next(S(meant), s.user.as_deref(), s.domain.as_deref(), s.workstation.as_deref())
            .or_else(|| nt_next(meant))
            .unwrap_or_else(|| "Check the server's security log for this logon.".to_string()),
    };
    let next = if code == "session.expired" {
        next
    } else {
        later.next(next)
    };
    out.push(
        Draft::new(later.severity(), code, title)
            .explain(why)
            .next(next)
            .covers(g.covers())
            .frames(g.frames())
            .session(s.session_id)
            .status(name)
            .user(user_of(s))
            // The lockout is what ended the work: read before the wrong
            // passwords that led to it.
            .explains_from(bad_before.from)
            .done(),
    );
}

/// The setting that makes a client send NTLMv2 responses, by what the
/// capture shows of it ([`Platform`]): Samba's smb.conf, Windows' security
/// option, or both.
fn ntlmv2_client_setting(client: &Platform) -> String {
    const SAMBA: &str = "'client ntlmv2 auth = yes', the default, deprecated since 4.13: remove a 'no' from smb.conf";
    if client.samba() {
        format!("the client states {}, Samba: {SAMBA}", client.shown)
    } else if client.windows() {
        format!(
            "the client states {}, Windows: {}",
            client.shown,
            super::steps::lm_level(true)
        )
    } else {
        format!(
            "Samba client: {SAMBA}; Windows: {}",
            super::steps::lm_level(true)
        )
    }
}

/// The step of a logon that impacket's smbserver.py refused
/// ([`logon_failure_meaning`]): it prints each AUTHENTICATE it gets
/// ("AUTHENTICATE_MESSAGE (DOMAIN\\user,HOST)", impacket 0.10.0
/// smbserver.py) and knows only the accounts it was started with.
const IMPACKET_LOGON_FAILURE_NEXT: &str = "Compare the user name and password with those smbserver.py was started with (-username, -password or -hashes; it knows no other account and ignores the domain); its console prints 'AUTHENTICATE_MESSAGE (DOMAIN\\user,HOST)' for each logon. impacket's server is a tool of NTLM capture and relay attacks too: if it is not one you run, find out who does.";

/// Where a Windows server logs a logon refused because the account is
/// disabled: Security event 4625 (An account failed to log on), Status
/// 0xC000006E (STATUS_ACCOUNT_RESTRICTION) and Sub Status 0xC0000072
/// (STATUS_ACCOUNT_DISABLED). Not for a server the capture shows to be
/// Samba or impacket, which log no Windows events.
const DISABLED_4625: &str = "On a Windows server, Security event 4625 for this logon shows Status 0xC000006E with Sub Status 0xC0000072 (account disabled) and names the client's address.";

/// [`DISABLED_4625`] where the server is, or may be, Windows; "" for one
/// the capture shows to be Samba or impacket.
fn disabled_event(server: &Platform) -> &'static str {
    if server.samba() || server.impacket() {
        ""
    } else {
        DISABLED_4625
    }
}

/// The capture tells this refusal's own reason, which the status's general
/// meaning would repeat or contradict.
fn own_reason_of(code: &str, v1: V1Evidence<'_>) -> bool {
    code == "logon.raw_ntlmv2_refused" || matches!(v1, V1Evidence::GoodWithNtlmV2(_))
}

/// What the capture shows of the server and NTLMv1, for the explanation of
/// a logon refused with an NTLMv1/LM response.
fn ntlmv1_evidence(code: &str, who: &str, v1: V1Evidence<'_>, server: &Platform, why: &mut String) {
    const SAMBA: &str = "Samba 'ntlm auth = ntlmv2-only', its default since 4.5";
    const WINDOWS: &str = "Windows 'Network security: LAN Manager authentication level' = 'Send NTLMv2 response only. Refuse LM & NTLM', LmCompatibilityLevel 5, on the server or, for a domain account, on the domain controller";
    let refuses = if server.samba() {
        format!("({SAMBA})")
    } else if server.windows() {
        format!("({WINDOWS})")
    } else {
        format!("({SAMBA}; {WINDOWS})")
    };
    let refuses = refuses.as_str();
    let at = |o: &Session| {
        let frame = o.set_up_frame.unwrap_or(o.last_setup_frame);
        format!("frame {frame} (tcp.stream {})", o.stream)
    };
    match v1 {
        V1Evidence::GoodWithNtlmV2(o) => why.push_str(&format!(" The client sent an NTLMv1/LM response, and {who} logged on to this server with an NTLMv2 response at {}: the credentials are good, so the server refuses NTLMv1 {refuses}.", at(o))),
        V1Evidence::Accepted(o) => why.push_str(&format!(" The client sent an NTLMv1/LM response, but that is not why it was refused: this server accepted the {} response of {} at {}.", o.ntlm_response.unwrap_or("NTLMv1"), identity(o), at(o))),
        V1Evidence::Unknown if code == "logon.ntlmv1_rejected" => why.push_str(&format!(" The client sent an NTLMv1/LM response. A server that refuses NTLMv1 {refuses} answers it with this status, and so does a server that accepts NTLMv1 when the password is wrong; no other logon to this server in the capture tells which.")),
        V1Evidence::Unknown => {}
    }
}

/// STATUS_ACCESS_DENIED to the final NTLM SESSION_SETUP of a connection
/// that negotiated SMB 2.x: a server that requires encryption for every
/// session (Samba 'server smb encrypt = required', Windows
/// EncryptData/RejectUnencryptedAccess) refuses clients that cannot encrypt
/// this way ([MS-SMB2] 3.3.5.5.3); a wrong password gives LOGON_FAILURE.
fn encryption_refused(s: &Session, c: Option<&Connection>) -> bool {
    let code = c
        .and_then(|c| c.negotiate.as_ref())
        .map_or(0, |n| n.dialect_code);
    s.status == Some(S::ACCESS_DENIED)
        && s.mechanism != Some("kerberos")
        && code != 0
        && code < 0x0300
}

fn encryption(s: &Session, client: &Platform, out: &mut Sink) {
    let who = identity(s);
    let dialect = s
        .dialect
        .as_ref()
        .map_or_else(|| "2.x".to_string(), |d| d.to_string());
    out.push(
        Draft::new(Severity::Error, "session.encryption_required", format!("Session refused: the server probably requires encryption, which SMB {dialect} cannot do ({who})"))
            .explain(format!("The server answered the SESSION_SETUP of {who} with STATUS_ACCESS_DENIED on a connection that negotiated SMB {dialect}. SMB 2.x has no encryption, and a server that requires encryption for every session (Samba 'server smb encrypt = required', Windows EncryptData with RejectUnencryptedAccess) refuses such clients at session setup; a wrong password would give STATUS_LOGON_FAILURE instead."))
            .next(format!("Let the client negotiate SMB 3.0 or later (Samba: 'client max protocol = SMB3', check 'client min/max protocol' and -m; Windows: SMB2/3 enabled), or, if the data may travel unencrypted, relax the server's encryption requirement.{}", linux::step(client, Cifs::Encrypt)))
            .stream(s.stream)
            .frames(evidence(s))
            .session(s.session_id)
            .status(S::ACCESS_DENIED.to_string())
            .user(user_of(s))
            .done(),
    );
}

/// A session setup that got no final answer.
fn unfinished(model: &Model, s: &Session, c: &Connection, out: &mut Sink) {
    let Some(last) = s.rounds.last() else { return };
    if last.response_frame.is_none() {
        // No answer to the last request: the connection findings tell why
        // the connection ended, or that the server sent nothing at all; a
        // capture that ends while the server still owes the answer is ours.
        capture_ended_before_answer(s, c, last, out);
        return;
    }
    if c.end
        .as_ref()
        .is_some_and(|e| e.reason == "reset" && e.by == "server")
    {
        return;
    }
    // The server refused with a KRB-ERROR in its SPNEGO token (e.g.
    // KRB_AP_ERR_TKT_NYV): the client had no way on, and the kerberos
    // findings already explain why.
    if last
        .kerberos_error_code()
        .is_some_and(|k| !crate::ntstatus::kerberos::is_benign(k))
    {
        return;
    }
    if let Some(n) = c.negotiate.as_ref().filter(|_| signing_refused(s, c)) {
        // Not kept whatever its texts: not written.
        let first = frames_of(last, c).into_iter().min().unwrap_or(0);
        if !out.unkept(
            "negotiate.signing_unsupported",
            Severity::Error,
            first,
            None,
        ) {
            let client = super::platform::client(model, s);
            out.push(signing_unsupported(s, c, n, last, &client));
        }
        return;
    }
    let who = identity(s);
    let client = super::platform::client(model, s);
    if capture_ended_mid_logon(s, c, last, &who, &client, out) {
        return;
    }
    abandoned(model, s, c, last, &who, &client, out);
}

/// The client required signing in its NEGOTIATE and the last NTLM
/// CHALLENGE of the session does not offer NTLMSSP_NEGOTIATE_SIGN
/// ([MS-NLMP] 2.2.2.5 D): the NTLM exchange yields no signing key, so the
/// client cannot go on. posture.rs leaves out its signing note for such a
/// connection.
pub(super) fn signing_refused(s: &Session, c: &Connection) -> bool {
    s.outcome == Outcome::Unfinished
        && s.rounds.last().is_some_and(|r| r.challenge_without_signing)
        && c.negotiate
            .as_ref()
            .is_some_and(|n| n.client_signing_required)
}

/// negotiate.signing_unsupported. An SMB2 server sets SIGNING_ENABLED in
/// every NEGOTIATE response ([MS-SMB2] 3.3.5.3.1, 3.3.5.4: "MUST"): no
/// setting of its is to blame, but its NTLM, which does not offer SIGN
/// although [MS-NLMP] 2.2.2.5 has it return the flag when the client asks
/// for it, as a client that must sign does (smbclient's NEGOTIATE_MESSAGE
/// in the samples: flags 0x62088215, SIGN set; impacket's CHALLENGE:
/// 0x628a0205). The explanation says what the response's SecurityMode
/// says, the step is the same.
fn signing_unsupported(
    s: &Session,
    c: &Connection,
    n: &Negotiate,
    last: &Round,
    client: &Platform,
) -> Finding {
    let at = |f: Option<u64>| f.map(|f| format!(" (frame {f})")).unwrap_or_default();
    let (asked, answered, challenge) = (
        at(n.request_frame),
        at(n.response_frame),
        at(last.response_frame),
    );
    let enabled = if n.server_signing_enabled {
        "says signing is enabled"
    } else {
        "lacks SIGNING_ENABLED, which an SMB2 server always sets"
    };
    Draft::new(
        Severity::Error,
        "negotiate.signing_unsupported",
        "The client requires signing; the server's NTLM challenge does not offer it",
    )
    .explain(format!("The client said SIGNING_REQUIRED in its NEGOTIATE{asked}, and the server's NEGOTIATE response{answered} {enabled}, but the server's NTLMSSP CHALLENGE{challenge} lacks NTLMSSP_NEGOTIATE_SIGN, which [MS-NLMP] 2.2.2.5 has a server return when the client asks for it, as a client that must sign does. Without it the client's NTLM does not offer it signing (Samba's client fails with SEC_E_UNSUPPORTED_FUNCTION), so the client could not sign the session as it must and stopped before sending AUTHENTICATE (session {}). This is a limit or bug of the server's NTLM implementation (older releases of impacket's smbserver leave the flag out), not a setting: an SMB2 server has signing on always ([MS-SMB2] 3.3.5.4).", s.session_id))
    .next(format!("Use another server, or a release of this one whose NTLM offers signing, or, if the data may travel unsigned, stop requiring signing on {}.", super::steps::client_signing_step(client, false)))
    .stream(s.stream)
    .frames(frames_of(last, c))
    .session(s.session_id)
    .done()
}

/// The connection ended (not the capture) with the logon waiting for the
/// client's next token. What the capture shows decides the finding: the
/// client began another SESSION_SETUP on the connection (a note: that
/// one's outcome is its own); the client closed the connection right after
/// an NTLM CHALLENGE without sending AUTHENTICATE (a warning: what the
/// NTLM information probes of scanners do); otherwise an error.
fn abandoned(
    model: &Model,
    s: &Session,
    c: &Connection,
    last: &Round,
    who: &str,
    client: &Platform,
    out: &mut Sink,
) {
    let status = last
        .status
        .map_or_else(|| "?".to_string(), |st| st.to_string());
    let answer = last.response_frame.unwrap_or(last.request_frame);
    let draft = |severity, title: String, why: String, next: String| {
        Draft::new(severity, "logon.abandoned", title)
            .explain(why)
            .next(next)
            .stream(s.stream)
            .frames(frames_of(last, c))
            .session(s.session_id)
            .user(user_of(s))
            .done()
    };
    // Another session's SESSION_SETUP on this connection after the answer
    // (the connection's own sessions: a scan of the model's would cost
    // sessions × abandoned ones on a capture of many probes).
    let restart = model
        .sessions_of(c)
        .filter(|o| o.stream == s.stream && o.id != s.id)
        .flat_map(|o| o.rounds.iter().map(move |r| (r.request_frame, o)))
        .filter(|&(f, _)| f > answer)
        .min_by_key(|&(f, _)| f);
    if let Some((frame, o)) = restart {
        out.push(draft(
            Severity::Info,
            format!("The client left this authentication and began another SESSION_SETUP ({who})"),
            format!("The server answered the last SESSION_SETUP of session {} with {status} at frame {answer}; the client sent no further token for it, and began a new SESSION_SETUP (session {}) at frame {frame} on the same connection. Clients do this when they fall back to another mechanism or other credentials; how the new one ended is in its own row of the sessions table.", s.session_id, o.session_id),
            "Nothing for this one; look at the outcome of the SESSION_SETUP that followed.".to_string(),
        ));
        return;
    }
    let closed_by_client = c
        .end
        .as_ref()
        .filter(|e| e.by == "client" && (e.reason == "fin" || e.reason == "reset"));
    let probe = s.rounds.len() == 1
        && last.request_token.as_deref() == Some("NTLMSSP NEGOTIATE")
        && last.response_token.as_deref() == Some("NTLMSSP CHALLENGE");
    if let (Some(end), true) = (closed_by_client, probe) {
        let waited = (secs_between(end.time, last.time) - last.duration.unwrap_or(0.0)).max(0.0);
        let how = if end.reason == "fin" { "FIN" } else { "RST" };
        out.push(draft(
            Severity::Warning,
            format!("The client read the server's NTLM CHALLENGE and disconnected without authenticating ({who})"),
            format!("The client sent an NTLMSSP NEGOTIATE, the server answered with its CHALLENGE at frame {answer}, and the client closed the connection ({how} at frame {}) {} without sending AUTHENTICATE. This is what NTLM information probes do (nmap's ntlm-info script, impacket, NetExec and other scanners): the CHALLENGE carries the server's names, domain and version. A client that meant to log on but could not build its AUTHENTICATE (no credentials, a policy blocking NTLM) looks the same.", end.frame, later(waited)),
            format!("If the client is a scanner or inventory tool, nothing. If it is a client that should have logged on, find out why it could not build its AUTHENTICATE (e.g. no credentials, or an NTLM policy blocking it) from the client{}.", client.client_logs()),
        ));
        return;
    }
    let ended = c.end.as_ref().map_or_else(String::new, |e| match e.reason {
        "fin" => format!(
            ", and the {} closed the connection (FIN) at frame {}",
            e.by, e.frame
        ),
        "reset" => format!(
            ", and the {} reset the connection at frame {}",
            e.by, e.frame
        ),
        _ => format!(", and the connection ended at frame {}", e.frame),
    });
    out.push(draft(
        Severity::Error,
        format!("The client stopped in the middle of the authentication ({who})"),
        format!("The server answered the last SESSION_SETUP with {status} at frame {answer}; the client sent no further token{ended}. The client could not build its next token: no credentials, a policy blocking the mechanism, a signing or mutual-authentication requirement the server did not meet."),
        format!("Find out why it could not build its next token (e.g. no credentials, or an NTLM policy blocking it) from the client{}.", client.client_logs()),
    ));
}

/// A client sends its next SESSION_SETUP within milliseconds of the
/// answer; this long without one, it is waiting (for a user at a
/// credentials prompt) or stuck.
const STALLED_SECS: f64 = 5.0;

/// The connection was still open when the capture ended, with the logon
/// waiting for the client's next token: whether the client went on is not
/// in the capture. Pushes `logon.capture_ended` and returns true then.
fn capture_ended_mid_logon(
    s: &Session,
    c: &Connection,
    last: &Round,
    who: &str,
    client: &Platform,
    out: &mut Sink,
) -> bool {
    let Some(end) = c.end.as_ref().filter(|e| e.reason == "capture_end") else {
        return false;
    };
    let answered = last.duration.unwrap_or(0.0);
    let waited = (secs_between(end.time, last.time) - answered).max(0.0);
    let status = last
        .status
        .map_or_else(|| "?".to_string(), |st| st.to_string());
    let frame = last.response_frame.unwrap_or(last.request_frame);
    let (severity, why, next) = if waited < STALLED_SECS {
        (
            Severity::Info,
            format!("The server answered the last SESSION_SETUP with {status} at frame {frame}, and the capture ends {} with the connection still open: the client's next token, if it sent one, is not in the capture, so how the logon ended cannot be told from it.", later(waited)),
            "Capture the whole logon: start the capture before the client connects, and stop it only after the client has succeeded or shown its error.".to_string(),
        )
    } else {
        (
            Severity::Warning,
            format!("The server answered the last SESSION_SETUP with {status} at frame {frame}, and the client sent nothing more in the {} until the capture ends, with the connection still open: it is waiting (e.g. for a user at a credentials prompt) or stuck. Clients send their next token within milliseconds of the answer.", span(waited)),
            format!("To see how the logon ends, capture longer; find out why the client did not go on from the client{}.", client.client_logs()),
        )
    };
    out.push(
        Draft::new(
            severity,
            "logon.capture_ended",
            format!("The capture ends in the middle of the authentication ({who})"),
        )
        .explain(why)
        .next(next)
        .stream(s.stream)
        .frames(frames_of(last, c))
        .session(s.session_id)
        .user(user_of(s))
        .done(),
    );
    true
}

/// The capture ends with the connection open and the server's answer to
/// the logon's last request not in it (a server that sent nothing at all
/// is `connection.no_response`'s). A request older than
/// [`SLOW_ROUND_SECS`] when the capture ends is a warning: answered then,
/// it would have been a slow round (`logon.slow_round`); a younger one is a
/// note, the capture simply stopped before the answer.
fn capture_ended_before_answer(s: &Session, c: &Connection, last: &Round, out: &mut Sink) {
    let Some(end) = c.end.as_ref().filter(|e| e.reason == "capture_end") else {
        return;
    };
    if c.server_messages == 0 {
        return;
    }
    let who = identity(s);
    let waited = secs_between(end.time, last.time).max(0.0);
    let token = last
        .request_token
        .as_deref()
        .map_or_else(String::new, |t| concat(&[" carrying ", t]));
    let lost = if c.server_gap_bytes > 0 {
        format!(" The capture lacks {} bytes the server sent on this connection: the answer may be among them.", c.server_gap_bytes)
    } else {
        String::new()
    };
    let sent = format!(
        "The client sent its SESSION_SETUP{token} at frame {}, and the capture ends {} with no answer from the server and the connection still open: the outcome of the logon is not in the capture.",
        last.request_frame,
        later(waited)
    );
    let (severity, why, next) = if waited <= SLOW_ROUND_SECS {
        (
            Severity::Info,
            format!("{sent} A server answers in milliseconds, and {}: the capture simply stopped before the answer came.{lost}", if end.frame == last.request_frame { "the request is the capture's last frame".to_string() } else { format!("the request was only {} old", span(waited)) }),
            "Capture the whole logon: start the capture before the client connects, and stop it only after the client has succeeded or shown its error.",
        )
    } else {
        (
            Severity::Warning,
            format!("{sent} A server answers in milliseconds; one that has not answered after {} is slow or stuck (answered this late, the round would be a logon.slow_round), usually waiting on a domain controller (NTLM pass-through, PAC validation) or on name resolution.{lost}", span(waited)),
            "Check the server's connection to its domain controllers (Windows: nltest /sc_query:DOMAIN; Samba: wbinfo -t, wbinfo -P), its DNS and its log at that time; capture longer to see the answer.",
        )
    };
    out.push(
        Draft::new(
            severity,
            "logon.capture_ended",
            format!("The capture ends before the server answered the logon ({who})"),
        )
        .explain(why)
        .next(next)
        .stream(s.stream)
        .frames([last.request_frame, end.frame])
        .session(s.session_id)
        .user(Some(who))
        .done(),
    );
}

/// "there", or "0.4 ms later".
fn later(secs: f64) -> String {
    if secs < 0.000_05 {
        "there".to_string()
    } else {
        format!("{} later", span(secs))
    }
}

/// "0.4 ms" or "2.5 s".
pub(super) fn span(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{secs:.1} s")
    }
}

fn frames_of(r: &Round, c: &Connection) -> Vec<u64> {
    let mut f = vec![r.request_frame];
    f.extend(r.response_frame);
    if let Some(e) = &c.end {
        f.push(e.frame);
    }
    f
}

/// What turns a guest session off on the client, by what the capture
/// shows of it ([`Platform`]): a Windows SMB2/SMB3 client takes one only
/// with the policy 'Enable insecure guest logons' (Computer Configuration\\
/// Administrative Templates\\Network\\Lanman Workstation; its
/// PowerShell twin 'Set-SmbClientConfiguration -EnableInsecureGuestLogons';
/// KB4046019: off by default on Windows 10 1709 and later Enterprise and
/// Education editions and Windows Server 2019, enabled on Home and Pro until
/// Windows 11 24H2). Windows' SMB1 client has no such setting, nor has a
/// Samba or Linux client: "" for them. A client the capture does not show
/// is told the Windows setting as a condition.
fn guest_client_step(client: &Platform, smb1: bool) -> String {
    const POLICY: &str = "'Enable insecure guest logons' (Computer Configuration\\Administrative Templates\\Network\\Lanman Workstation; KB4046019) to Disabled, or run 'Set-SmbClientConfiguration -EnableInsecureGuestLogons $false'";
    if smb1 || client.legacy() || client.samba() || client.impacket() {
        String::new()
    } else if client.windows() {
        format!(" The client states {}, Windows, which takes a guest session over SMB2/SMB3 only where insecure guest logons are allowed (the default of Home and Pro editions before Windows 11 24H2): where guests are not wanted, set {POLICY}.", client.shown)
    } else {
        format!(" If the client is Windows, it takes a guest session over SMB2/SMB3 only where insecure guest logons are allowed: where guests are not wanted, set {POLICY}.")
    }
}

/// What turns guest access off on the server, by what the capture shows
/// of it ([`Platform`]): smb.conf(5)'s 'map to guest' (default Never) and
/// 'guest ok' (default no); Windows' Guest account (disabled by default);
/// impacket's smbserver.py lets every logon in as guest when started
/// without -username (impacket 0.10.0 smbserver.py).
fn guest_server_off(server: &Platform) -> String {
    const SAMBA: &str = "'map to guest = Never' (the default) in [global], and no share with 'guest ok = yes' ('testparm -s' lists them)";
    const WINDOWS: &str = "keep the Guest account disabled (the default)";
    if server.impacket() {
        return format!("on the server ({}, impacket's smbserver.py): start it with -username and -password, without which it lets every logon in as guest", server.shown);
    }
    format!(
        "on the server{}",
        server.per_os(&[(Kind::Samba, SAMBA), (Kind::Windows, WINDOWS)])
    )
}

/// How to check that `u` exists where the server looks, by what the
/// capture shows of the server.
fn guest_user_check(server: &Platform, domain: Option<&str>, u: &str) -> String {
    let samba = format!(
        "'pdbedit -L', wbinfo -i {}, 'samba-tool user show {u}'",
        super::steps::account_arg(domain, Some(u))
    );
    let windows = format!("'Get-LocalUser {u}', 'Get-ADUser {u}'");
    if server.samba() {
        format!("Samba: {samba}")
    } else if server.windows() {
        format!("Windows: {windows}")
    } else {
        format!("Samba: {samba}; Windows: {windows}")
    }
}

/// How to log on with a user name, by what the capture shows of the
/// client: net use on Windows; smbclient's -U (its -N, --no-pass, sends no
/// password) for Samba's client; both and a cifs mount's username= (its
/// 'guest' and 'sec=none' ask for a logon without one, mount.cifs(8))
/// where it does not tell.
fn guest_give_user(client: &Platform) -> &'static str {
    const WINDOWS: &str = "net use \\\\SERVER\\SHARE /user:DOMAIN\\USER";
    const SAMBA: &str = "smbclient -U USER, without -N (--no-pass)";
    if client.windows() {
        WINDOWS
    } else if client.samba() {
        SAMBA
    } else {
        "net use \\\\SERVER\\SHARE /user:DOMAIN\\USER; smbclient -U USER, without -N (--no-pass); a Linux cifs mount, '-o username=USER' (or credentials=FILE) instead of 'guest' or 'sec=none'"
    }
}

fn guest(s: &Session, c: Option<&Connection>, sides: &(Platform, Platform), out: &mut Sink) {
    let (server, client) = (&sides.0, &sides.1);
    const NO_KEY: &str = "SMB signing and encryption are not possible in a guest session, so its traffic can be read and changed on the way.";
    // Windows' insecure guest logon setting is one of its SMB2/SMB3 client.
    let smb1 = c.is_some_and(|c| c.smb1_used_frame.is_some());
    let client_step = guest_client_step(client, smb1);
    let (title, why, next) = match s.user.as_deref() {
        Some(u) if u.eq_ignore_ascii_case("guest") => (
            "Guest session (the client logged on as guest)".to_string(),
            format!("The SESSION_SETUP succeeded with the guest flag (SessionFlags IS_GUEST; SMB1: Action GUEST): the client authenticated as {}, the guest account, and got a guest session. {NO_KEY}", identity(s)),
            format!("If the share holds anything not meant for everyone, give the client a user account and turn guest access off {}.{client_step}", guest_server_off(server)),
        ),
        Some(u) if server.legacy() => {
            let u = super::steps::user_arg(Some(u));
            (
                format!("Logged on as guest, not as {}", identity(s)),
                format!("The SESSION_SETUP succeeded with the guest flag (SessionFlags IS_GUEST; SMB1: Action GUEST): the client authenticated as {}, but the server mapped the logon to its guest account. The user gets the guest's rights, not their own. {NO_KEY} The server states {}, a Windows NT 5.x (2000, XP, Server 2003): Windows XP not in a domain maps every network logon with a local account to Guest ('Network access: Sharing and security model for local accounts' = 'Guest only', ForceGuest, its default there), and any of them maps a user it does not know to Guest when its Guest account is enabled.", identity(s), server.shown),
                format!("Upgrade the server: Windows NT 5.x gets no security updates, and its SMB1 cannot sign or encrypt a guest session. Until then, on it: 'Network access: Sharing and security model for local accounts' = 'Classic - local users authenticate as themselves' (secpol.msc; ForceGuest = 0 under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa), and 'net user {u}' to check the account exists."),
            )
        }
        Some(u) => {
            let u = super::steps::user_arg(Some(u));
            let rules = if server.samba() {
                "A Samba server with 'map to guest = Bad User' maps only a user name it does not know to guest, so the account may not exist there; with 'Bad Password' it maps a wrong password too."
            } else if server.windows() {
                "A Windows server maps a logon to guest only when its Guest account is enabled, for a user it does not know."
            } else {
                "A Samba server with 'map to guest = Bad User' maps only a user name it does not know to guest, so the account may not exist there; with 'Bad Password' it maps a wrong password too, and a Windows server maps by its own rules."
            };
            (
                format!("Logged on as guest, not as {}", identity(s)),
                format!("The SESSION_SETUP succeeded with the guest flag (SessionFlags IS_GUEST; SMB1: Action GUEST): the client authenticated as {}, but the server mapped the logon to its guest account. The user gets the guest's rights, not their own. {NO_KEY} {rules}", identity(s)),
                format!("If the user expected their own identity, check that {u} exists on the server or its domain ({}), then the password; where guests are not wanted, turn guest access off {}.{client_step}", guest_user_check(server, s.domain.as_deref(), u), guest_server_off(server)),
            )
        }
        None => (
            "Logged on as guest (the client sent no user name)".to_string(),
            format!("The SESSION_SETUP succeeded with the guest flag (SessionFlags IS_GUEST; SMB1: Action GUEST): the client sent no user name, and the server mapped the logon to its guest account. The user gets the guest's rights, not their own. {NO_KEY}"),
            format!("If the user expected their own identity, give the client a user name and password ({}); where guests are not wanted, turn guest access off {}.{client_step}", guest_give_user(client), guest_server_off(server)),
        ),
    };
    out.push(
        Draft::new(Severity::Warning, "session.guest", title)
            .explain(why)
            .next(next)
            .stream(s.stream)
            .frames(evidence(s))
            .session(s.session_id)
            .user(user_of(s))
            .done(),
    );
}

/// A SESSION_SETUP response of the same server this close to a slow
/// round's, or closer, was answered together with it (seconds): a server
/// that holds a logon for seconds and then answers it and another within
/// milliseconds stalled once, for both (corpus
/// sv-smb311-named-pipe-unicode: STATUS_NETWORK_SESSION_EXPIRED at frame
/// 12 on tcp.stream 1, 0.9 ms before the 3.780 s AUTHENTICATE round's
/// answer, frame 14, on tcp.stream 0).
const TOGETHER_SECS: f64 = 0.010;

/// A round slower than [`SLOW_ROUND_SECS`], answered, and its session.
pub(super) struct Slow<'a> {
    s: &'a Session,
    r: &'a Round,
    secs: f64,
}

/// The answered rounds slower than [`SLOW_ROUND_SECS`], in the model's
/// session order.
fn slow_list(model: &Model) -> Vec<Slow<'_>> {
    let mut v = Vec::new();
    for s in &model.sessions {
        for r in &s.rounds {
            if let Some(secs) = r.duration.filter(|d| *d > SLOW_ROUND_SECS) {
                v.push(Slow { s, r, secs });
            }
        }
    }
    v
}

/// Another session's SESSION_SETUP answered together with a slow round
/// ([`TOGETHER_SECS`]): the slow round, the other's round, and the seconds
/// from the slow round's answer to the other's (negative: before it).
struct Together<'a> {
    slow: &'a Slow<'a>,
    other: &'a Session,
    round: &'a Round,
    gap: f64,
}

/// The round of `o`, a session other than the slow round's, of the same
/// server, that the server answered together with it: within
/// [`TOGETHER_SECS`] of its answer, of the same client, and asked no later than the slow
/// round was (its request before it, or before the capture began: a
/// response whose request the capture lacks), so that the server held
/// both.
fn together<'a>(slow: &'a Slow<'a>, o: &'a Session) -> Option<Together<'a>> {
    if std::ptr::eq(slow.s, o) || o.server != slow.s.server || o.client.ip() != slow.s.client.ip() {
        return None;
    }
    let sr = slow.r;
    o.rounds.iter().find_map(|q| {
        q.response_frame?;
        let unseen = q.response_frame == Some(q.request_frame);
        let asked = secs_between(q.time, sr.time);
        let gap = asked + q.duration.unwrap_or(0.0) - slow.secs;
        (gap.abs() <= TOGETHER_SECS && (unseen || asked <= 0.0)).then_some(Together {
            slow,
            other: o,
            round: q,
            gap,
        })
    })
}

impl Together<'_> {
    /// "0.9 ms before" or "0.2 ms after": when the other round was
    /// answered, from the slow round's answer.
    fn when(&self) -> String {
        let rel = if self.gap < 0.0 { "before" } else { "after" };
        concat(&[&span(self.gap.abs()), " ", rel])
    }

    /// How long the other round waited: "its request was sent before the
    /// capture began" or "it had waited 4.2 s".
    fn other_wait(&self) -> String {
        if self.round.response_frame == Some(self.round.request_frame) {
            "its request was sent before the capture began".to_string()
        } else {
            format!(
                "its request (frame {}) waited {}",
                self.round.request_frame,
                span(self.round.duration.unwrap_or(0.0))
            )
        }
    }

    fn status(s: &Session, r: &Round) -> String {
        r.status
            .or(s.status)
            .map_or_else(|| "?".to_string(), |st| st.to_string())
    }

    /// The sentence of the slow round's finding.
    fn of_slow(&self) -> String {
        let o = self.other;
        let st = Self::status(o, self.round);
        format!(" The server answered another SESSION_SETUP of the same client {} this one: frame {} on tcp.stream {}, {st} (session {}; {}). It held both logons and answered them together: one stall of the server, not two problems.", self.when(), self.round.response_frame.unwrap_or(0), o.stream, o.session_id, self.other_wait())
    }

    /// The sentence of the other session's refusal.
    fn of_refusal(&self) -> String {
        let (s, r) = (self.slow.s, self.slow.r);
        format!(" The server answered it {} it answered the slow SESSION_SETUP of frame {} on tcp.stream {} ({} for {}, {:.3} s, to frame {}: logon.slow_round); {}. It held both logons and answered them together: one stall of the server, not two problems; look at the stall first.", self.when(), r.request_frame, s.stream, r.request_token.as_deref().unwrap_or("a token"), identity(s), self.slow.secs, r.response_frame.unwrap_or(0), self.other_wait())
    }
}

/// How far apart (seconds) the answer times [`SlowIndex`] computes from
/// one base may be from those [`together`] computes pairwise, at most:
/// rounding, far below it.
const ANSWER_TIME_SLACK: f64 = 0.001;

/// Times further than this from the first slow round's (nanoseconds, about
/// 146 years) could saturate [`crate::capture::Timestamp::nanos_since`]: a
/// round asked that far is compared with every slow round, and with a slow
/// round that far [`SlowIndex`] walks every session.
const FAR_NANOS: i64 = 1 << 62;

/// The slow rounds by the time of their answer, to find the rounds of
/// other sessions answered together with them ([`together`]) among those
/// answered about the same time instead of walking every session for each
/// slow round (quadratic: 22 % of the text report's time on session-1g,
/// with 791 slow rounds among 90,965 sessions).
pub(super) struct SlowIndex<'a> {
    slow: &'a [Slow<'a>],
    /// The slow rounds' answer times, seconds from the first slow round's
    /// request, with their index in `slow`, sorted by time; `None` when a
    /// slow round was asked too far from the first ([`FAR_NANOS`]).
    by_answer: Option<Vec<(f64, usize)>>,
}

/// Whether `t` is less than [`FAR_NANOS`] from `base`.
fn near_in_time(t: crate::capture::Timestamp, base: crate::capture::Timestamp) -> bool {
    t.nanos_since(base)
        .checked_abs()
        .is_some_and(|n| n < FAR_NANOS)
}

impl<'a> SlowIndex<'a> {
    fn new(slow: &'a [Slow<'a>]) -> SlowIndex<'a> {
        let by_answer = slow.first().and_then(|first| {
            let base = first.r.time;
            if !slow.iter().all(|x| near_in_time(x.r.time, base)) {
                return None;
            }
            let mut v: Vec<(f64, usize)> = slow
                .iter()
                .enumerate()
                .map(|(i, x)| (secs_between(x.r.time, base) + x.secs, i))
                .collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            Some(v)
        });
        SlowIndex { slow, by_answer }
    }

    /// The slow rounds (with their index in `slow`) answered within
    /// [`TOGETHER_SECS`] (and [`ANSWER_TIME_SLACK`]) of `q`'s answer; all
    /// of them when `q` was asked too far from the first ([`FAR_NANOS`]).
    fn near<'b>(&self, by_answer: &'b [(f64, usize)], q: &Round) -> &'b [(f64, usize)] {
        let Some(base) = self.slow.first().map(|x| x.r.time) else {
            return &[];
        };
        if !near_in_time(q.time, base) {
            return by_answer;
        }
        let at = secs_between(q.time, base) + q.duration.unwrap_or(0.0);
        let reach = TOGETHER_SECS + ANSWER_TIME_SLACK;
        let from = by_answer.partition_point(|a| a.0 < at - reach);
        let to = by_answer.partition_point(|a| a.0 <= at + reach);
        by_answer.get(from..to).unwrap_or(&[])
    }

    /// For each slow round, in order, what `model.sessions.iter()
    /// .find_map(|o| together(x, o))` finds: the first session in the
    /// model's order with a round answered together with it.
    fn first_together(&self, model: &'a Model) -> Vec<Option<Together<'a>>> {
        let Some(by_answer) = &self.by_answer else {
            return self
                .slow
                .iter()
                .map(|x| model.sessions.iter().find_map(|o| together(x, o)))
                .collect();
        };
        let mut found: Vec<Option<Together<'a>>> = self.slow.iter().map(|_| None).collect();
        for o in &model.sessions {
            for q in o.rounds.iter().filter(|q| q.response_frame.is_some()) {
                for &(_, i) in self.near(by_answer, q) {
                    if let (Some(f @ None), Some(x)) = (found.get_mut(i), self.slow.get(i)) {
                        *f = together(x, o);
                    }
                }
            }
        }
        found
    }

    /// What `slow.iter().find_map(|x| together(x, o))` finds: the first
    /// slow round that `o` was answered together with.
    fn together_with(&self, o: &'a Session) -> Option<Together<'a>> {
        let Some(by_answer) = &self.by_answer else {
            return self.slow.iter().find_map(|x| together(x, o));
        };
        let first = o
            .rounds
            .iter()
            .filter(|q| q.response_frame.is_some())
            .flat_map(|q| self.near(by_answer, q).iter().map(|a| a.1))
            .filter(|&i| self.slow.get(i).is_some_and(|x| together(x, o).is_some()))
            .min()?;
        together(self.slow.get(first)?, o)
    }
}

/// logon.slow_round of `x`, naming the SESSION_SETUP of another session
/// the server answered together with it (`with`, see [`together`]), if any.
fn slow_round(x: &Slow<'_>, with: Option<Together<'_>>, out: &mut Sink) {
    let (s, r, d) = (x.s, x.r, x.secs);
    let mut why = format!("The server took {d:.3} s to answer the SESSION_SETUP carrying {} for {}. Servers usually answer in milliseconds; a slow answer usually means the server waits on a domain controller (NTLM pass-through, PAC validation) or on name resolution.", r.request_token.as_deref().unwrap_or("a token"), identity(s));
    if let Some(t) = &with {
        why.push_str(&t.of_slow());
    }
    out.push(
        Draft::new(Severity::Warning, "logon.slow_round", format!("Slow SESSION_SETUP round: {d:.3} s"))
            .explain(why)
            .next("Check the server's connection to its domain controllers (Windows: nltest /sc_query:DOMAIN; Samba: wbinfo -t, wbinfo -P) and its DNS.")
            .stream(s.stream)
            .frames([r.request_frame].into_iter().chain(r.response_frame))
            .session(s.session_id)
            .done(),
    );
}

#[cfg(test)]
mod tests {
    use super::super::platform::Kind;
    use super::*;

    fn p(kind: Kind) -> Platform {
        Platform::shown_as(kind)
    }

    /// The model of a capture, or None when it is absent (a corpus capture).
    fn model_of(path: &std::path::Path) -> Option<Model> {
        let f = std::fs::File::open(path).ok()?;
        let mut r = crate::capture::CaptureReader::new(f).ok()?;
        let opts = crate::pipeline::Options::default();
        Some(crate::report::analyze(&mut r, &opts, Default::default(), |_| {}).model)
    }

    /// What a [`Together`] points at, to compare two.
    fn ids(t: &Option<Together<'_>>) -> Option<(*const Round, *const Session, *const Round)> {
        t.as_ref().map(|t| {
            (
                t.slow.r as *const Round,
                t.other as *const Session,
                t.round as *const Round,
            )
        })
    }

    /// [`SlowIndex`] finds what walking every session finds, slow round by
    /// slow round and session by session; `found` counts the pairs found.
    fn index_agrees(model: &Model, found: &mut usize) -> bool {
        let slow = slow_list(model);
        let index = SlowIndex::new(&slow);
        let firsts = index.first_together(model);
        for (x, got) in slow.iter().zip(&firsts) {
            let want = model.sessions.iter().find_map(|o| together(x, o));
            assert_eq!(ids(got), ids(&want));
            *found += usize::from(want.is_some());
        }
        for o in &model.sessions {
            let want = slow.iter().find_map(|x| together(x, o));
            assert_eq!(ids(&index.together_with(o)), ids(&want));
            *found += usize::from(want.is_some());
        }
        index.by_answer.is_some()
    }

    /// On every sample and public capture with a slow SESSION_SETUP round;
    /// in sv-smb311-named-pipe-unicode (two answers together, see
    /// tests/report_findings.rs) also with a request 200 years on: a copy
    /// of its slow round's (the index gives way to the walk) and another
    /// round's moved there (it is compared with every slow round).
    #[test]
    fn slow_index_finds_what_the_walk_finds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut slow, mut found) = (0, 0);
        for path in crate::test_captures::all() {
            let Some(model) = model_of(&path) else {
                continue;
            };
            if slow_list(&model).is_empty() {
                continue;
            }
            slow += 1;
            assert!(index_agrees(&model, &mut found), "{}", path.display());
        }
        assert!(slow > 0, "no capture with a slow round");
        let path = root.join("../shared/corpus/public/sv-smb311-named-pipe-unicode.pcap");
        if !path.exists() {
            return;
        }
        assert!(found >= 2, "the two answers together were found: {found}");
        for slow_one in [true, false] {
            let mut model = model_of(&path).expect("corpus capture");
            let is_slow = |r: &Round| r.duration.is_some_and(|d| d > SLOW_ROUND_SECS);
            let (si, ri) = model
                .sessions
                .iter()
                .enumerate()
                .find_map(|(i, s)| {
                    let j = s.rounds.iter().position(|r| is_slow(r) == slow_one)?;
                    Some((i, j))
                })
                .expect("a round");
            let later = 200 * 365 * 86_400;
            if slow_one {
                // A second slow round, 200 years after the first (its copy).
                let mut copy = model.sessions[si].clone();
                copy.rounds[ri].time.secs += later;
                model.sessions.push(copy);
            } else {
                model.sessions[si].rounds[ri].time.secs += later;
            }
            let mut found = 0;
            let indexed = index_agrees(&model, &mut found);
            assert_eq!(
                indexed, !slow_one,
                "the index gives way for a slow round only"
            );
        }
    }

    /// The Windows insecure-guest policy goes to a client that is or may
    /// be a current Windows over SMB2/SMB3 only; event 4625 to a server
    /// that is or may be Windows; NTLMv2's client setting by the client.
    #[test]
    fn steps_follow_the_os() {
        let w = guest_client_step(&p(Kind::Windows), false);
        assert!(w.contains("'Enable insecure guest logons' (Computer Configuration\\Administrative Templates\\Network\\Lanman Workstation; KB4046019)"), "{w}");
        assert!(w.contains("-EnableInsecureGuestLogons $false"), "{w}");
        assert!(
            guest_client_step(&p(Kind::Unknown), false).starts_with(" If the client is Windows")
        );
        for (kind, smb1) in [
            (Kind::Windows, true),
            (Kind::LegacyWindows, false),
            (Kind::Samba, false),
            (Kind::Impacket, false),
        ] {
            assert_eq!(guest_client_step(&p(kind), smb1), "", "{kind:?}");
        }
        assert!(guest_server_off(&p(Kind::Impacket)).contains("-username and -password"));
        assert!(!guest_give_user(&p(Kind::Windows)).contains("smbclient"));
        let samba = guest_give_user(&p(Kind::Samba));
        assert!(
            !samba.contains("net use") && !samba.contains("cifs"),
            "{samba}"
        );
        assert!(guest_give_user(&p(Kind::Unknown)).contains("'-o username=USER'"));
        assert!(disabled_event(&p(Kind::Windows))
            .contains("Status 0xC000006E with Sub Status 0xC0000072"));
        assert!(!disabled_event(&p(Kind::Unknown)).is_empty());
        assert_eq!(disabled_event(&p(Kind::Samba)), "");
        assert_eq!(disabled_event(&p(Kind::Impacket)), "");
        let c = ntlmv2_client_setting(&p(Kind::Windows));
        assert!(
            c.contains("'Send NTLMv2 response only' or stricter") && !c.contains("smb.conf"),
            "{c}"
        );
        let c = ntlmv2_client_setting(&p(Kind::Samba));
        assert!(
            c.contains("'client ntlmv2 auth = yes'") && !c.contains("LmCompat"),
            "{c}"
        );
    }
}
