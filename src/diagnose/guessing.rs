//! Password guessing: one client address whose logons are refused over
//! many accounts (password spraying) or many times for one account (brute
//! force), in one run. The refusals counted are those of a wrong password
//! or an unknown user: SMB2 and SMB1 SESSION_SETUPs answered
//! STATUS_LOGON_FAILURE, STATUS_WRONG_PASSWORD, STATUS_NO_SUCH_USER or
//! STATUS_ACCOUNT_LOCKED_OUT ([MS-ERREF] 2.3.1; an SMB1 DOS-form error as
//! the NTSTATUS [MS-CIFS] pairs it with), and AS-REQs the KDC answered
//! KDC_ERR_PREAUTH_FAILED or KDC_ERR_C_PRINCIPAL_UNKNOWN (RFC 4120 7.5.9).
//!
//! A server that maps names it does not know to its guest account (Samba
//! 'map to guest = bad user', Windows with the Guest account enabled)
//! answers a sprayer's unknown names with guest sessions instead
//! (STATUS_SUCCESS with SessionFlags IS_GUEST, [MS-SMB2] 2.2.6): those
//! logons count toward spraying (the accounts tried), not toward brute
//! force (no password was refused).
//!
//! One finding (attack.password_guessing) per run; the logon findings of
//! its refusals, the guest findings of its guest sessions and the refused
//! TREE_CONNECTs of those sessions ([`explained`]) then say that they are
//! part of it, and lose their next steps, which are about one user.

use std::net::IpAddr;

use crate::auth::kerberos::KrbMsgType;
use crate::capture::Timestamp;
use crate::ntstatus::NtStatus as S;
use crate::session::{KdcExchange, Model, Outcome, Session};
use crate::tcp::hash::KeyedHashMap;

use super::logon::{identity, span};
use super::{Draft, Finding, Severity, Sink};

pub(super) const CODE: &str = "attack.password_guessing";

/// Distinct accounts refused to one client address in one run, this many
/// or more, are password spraying. A person who mistypes fails one
/// account; a client that tries saved or default credentials before the
/// user's own fails two or three (the user, the user in another domain,
/// guest). Sprayers try every account they know: Sigma's rule for 4625
/// events ("Multiple Users Remotely Failing To Authenticate From Single
/// Source", SigmaHQ add2ef8d) fires at more than 10 accounts per source
/// address in 24 h, and SIEM rules built on it use 5 to 10 in minutes; a
/// capture shows minutes, not a day, so five.
pub(super) const SPRAY_ACCOUNTS: usize = 5;

/// Refusals of one account to one client address in one run, this many or
/// more, are brute force: the run of guesses of `own_logons::GUESSES` (10,
/// the account lockout threshold Windows sets by default since Windows 11
/// 22H2, and the most CIS benchmarks allow), which a person who mistypes
/// never reaches.
pub(super) const BRUTE_FORCE_ATTEMPTS: u64 = super::own_logons::GUESSES as u64;

/// A refusal more than this long after the client's previous one begins a
/// new run (seconds): attempts of one guesser come seconds apart, or
/// minutes with a tool's delay; five minutes is the window most SIEM rules
/// for 4625/4771 bursts count over. A successful logon this long after the
/// run's last refusal, or sooner, is told as its outcome.
pub(super) const RUN_GAP_SECS: i64 = 300;

/// Accounts kept per run (names, refusal counts); past this the run counts
/// its refusals but tells no more accounts apart.
const MAX_ACCOUNTS: usize = 64;

/// Accounts named in a finding before "and N more".
const ACCOUNTS_NAMED: usize = 5;

/// Attempts whose frames a finding lists: the first ones, then the last.
const ATTEMPTS_SHOWN: usize = 4;

/// Servers named in a finding before "and N more".
const SERVERS_NAMED: usize = 3;

/// One refused logon, or one mapped to guest.
#[derive(Clone, Copy)]
struct Attempt<'a> {
    frame: u64,
    response_frame: Option<u64>,
    time: Timestamp,
    client: IpAddr,
    server: IpAddr,
    kind: Kind,
    /// The account name as sent: the NTLM user name, or the Kerberos
    /// client principal's name without its realm.
    name: &'a str,
    from: Source<'a>,
}

/// Where a logon is: an SMB session, or a KDC exchange on port 88.
#[derive(Clone, Copy)]
enum Source<'a> {
    Smb(&'a Session),
    Kdc(&'a KdcExchange),
}

/// What refused it, as the explanation counts it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// STATUS_LOGON_FAILURE or STATUS_WRONG_PASSWORD.
    LogonFailure,
    NoSuchUser,
    LockedOut,
    PreauthFailed,
    PrincipalUnknown,
    /// STATUS_SUCCESS with SessionFlags IS_GUEST for a named user: not a
    /// refusal, a name the server does not know mapped to its guest
    /// account.
    GuestMapped,
}

impl Kind {
    fn words(self) -> &'static str {
        match self {
            Kind::LogonFailure => "STATUS_LOGON_FAILURE (wrong password or unknown user)",
            Kind::NoSuchUser => "STATUS_NO_SUCH_USER",
            Kind::LockedOut => "STATUS_ACCOUNT_LOCKED_OUT",
            Kind::PreauthFailed => "KDC_ERR_PREAUTH_FAILED (wrong password, at the KDC)",
            Kind::PrincipalUnknown => "KDC_ERR_C_PRINCIPAL_UNKNOWN (no such user, at the KDC)",
            Kind::GuestMapped => "STATUS_SUCCESS as guest",
        }
    }
}

const KINDS: [Kind; 6] = [
    Kind::LogonFailure,
    Kind::NoSuchUser,
    Kind::LockedOut,
    Kind::PreauthFailed,
    Kind::PrincipalUnknown,
    Kind::GuestMapped,
];

/// The index of [`Kind::GuestMapped`] in [`KINDS`].
const GUEST: usize = 5;

const KDC_ERR_C_PRINCIPAL_UNKNOWN: i32 = 6;
const KDC_ERR_PREAUTH_FAILED: i32 = 24;

/// A refused SMB logon counted, and what refused it: not Kerberos (an
/// AP-REQ refused says nothing of a password), not anonymous, with a user
/// name.
fn smb_attempt(s: &Session) -> Option<Attempt<'_>> {
    if s.outcome != Outcome::Failure || s.mechanism == Some("kerberos") {
        return None;
    }
    let kind = match super::dos::logon(s.status?).map_or(s.status?, |e| e.nt) {
        S::LOGON_FAILURE | S::WRONG_PASSWORD => Kind::LogonFailure,
        S::NO_SUCH_USER => Kind::NoSuchUser,
        S::ACCOUNT_LOCKED_OUT => Kind::LockedOut,
        _ => return None,
    };
    smb_logon(s, kind)
}

/// A named user's SMB logon the server mapped to its guest account: not
/// Kerberos, not a logon as the guest account itself ("guest", which a
/// person who wants guest access types).
fn guest_attempt(s: &Session) -> Option<Attempt<'_>> {
    if s.outcome != Outcome::Guest || s.mechanism == Some("kerberos") {
        return None;
    }
    let a = smb_logon(s, Kind::GuestMapped)?;
    (!a.name.eq_ignore_ascii_case("guest")).then_some(a)
}

/// The attempt of an SMB session with a user name: its last round.
fn smb_logon(s: &Session, kind: Kind) -> Option<Attempt<'_>> {
    let name = s.user.as_deref().filter(|u| !u.is_empty())?;
    let last = s.rounds.last()?;
    Some(Attempt {
        frame: last.request_frame,
        response_frame: last.response_frame,
        time: last.time,
        client: s.client.ip(),
        server: s.server.ip(),
        kind,
        name,
        from: Source::Smb(s),
    })
}

/// An AS-REQ refused for a wrong password or an unknown client.
fn kdc_attempt(x: &KdcExchange) -> Option<Attempt<'_>> {
    if x.request != KrbMsgType::AS_REQ {
        return None;
    }
    let kind = match x.error_code? {
        KDC_ERR_PREAUTH_FAILED => Kind::PreauthFailed,
        KDC_ERR_C_PRINCIPAL_UNKNOWN => Kind::PrincipalUnknown,
        _ => return None,
    };
    let p = x.client_principal.as_deref()?;
    let name = p.split('@').next().filter(|n| !n.is_empty())?;
    Some(Attempt {
        frame: x.request_frame,
        response_frame: x.reply_frame,
        time: x.time,
        client: x.client.ip(),
        server: x.server.ip(),
        kind,
        name,
        from: Source::Kdc(x),
    })
}

/// An account of a run: its name as first sent, its attempts and, of
/// them, its refusals.
struct Account<'a> {
    name: &'a str,
    shown: String,
    count: u64,
    refused: u64,
}

/// The refusals (and logons mapped to guest) of one client address, each
/// less than [`RUN_GAP_SECS`] after the one before.
pub(super) struct Run<'a> {
    client: IpAddr,
    first: Attempt<'a>,
    last: Attempt<'a>,
    attempts: u64,
    accounts: Vec<Account<'a>>,
    /// Refusals of accounts past [`MAX_ACCOUNTS`], not told apart.
    untold: u64,
    /// Attempts by [`Kind`], in the order of [`KINDS`].
    by_kind: [u64; 6],
    /// The first [`SERVERS_NAMED`] servers, and how many more.
    servers: Vec<IpAddr>,
    more_servers: u64,
    /// The first workstation name an NTLM AUTHENTICATE of the run sent.
    workstation: Option<&'a str>,
    /// The first [`ATTEMPTS_SHOWN`] attempts, whose frames are evidence.
    shown: Vec<Attempt<'a>>,
    /// (tcp.stream, SessionId) of its SMB sessions, and the tcp.stream of
    /// its KDC exchanges over TCP.
    covers: Vec<(u64, Option<u64>)>,
    /// Some of its KDC exchanges are over UDP.
    udp: bool,
    success: Option<Success<'a>>,
}

/// A logon of the run's client address that succeeded after its first
/// refusal: its account and where it is.
#[derive(Clone, Copy)]
struct Success<'a> {
    frame: u64,
    time: Timestamp,
    name: &'a str,
    from: Source<'a>,
}

impl<'a> Run<'a> {
    fn new(a: Attempt<'a>) -> Self {
        Run {
            client: a.client,
            first: a,
            last: a,
            attempts: 0,
            accounts: Vec::new(),
            untold: 0,
            by_kind: [0; 6],
            servers: Vec::new(),
            more_servers: 0,
            workstation: None,
            shown: Vec::new(),
            covers: Vec::new(),
            udp: false,
            success: None,
        }
    }

    fn add(&mut self, a: Attempt<'a>) {
        self.attempts += 1;
        self.last = a;
        if let Some(i) = KINDS.iter().position(|&k| k == a.kind) {
            if let Some(n) = self.by_kind.get_mut(i) {
                *n += 1;
            }
        }
        let refused = u64::from(a.kind != Kind::GuestMapped);
        let known = self
            .accounts
            .iter_mut()
            .find(|x| x.name.eq_ignore_ascii_case(a.name));
        if let Some(x) = known {
            x.count += 1;
            x.refused += refused;
        } else if self.accounts.len() < MAX_ACCOUNTS {
            self.accounts.push(Account {
                name: a.name,
                shown: shown_name(&a),
                count: 1,
                refused,
            });
        } else {
            self.untold += 1;
        }
        if !self.servers.contains(&a.server) {
            if self.servers.len() < SERVERS_NAMED {
                self.servers.push(a.server);
            } else {
                self.more_servers += 1;
            }
        }
        if self.shown.len() < ATTEMPTS_SHOWN {
            self.shown.push(a);
        }
        match a.from {
            Source::Smb(s) => {
                if self.workstation.is_none() {
                    self.workstation = s.workstation.as_deref().filter(|w| !w.is_empty());
                }
                if self.covers.len() < super::MAX_COVERS {
                    self.covers.push((s.stream, Some(s.id)));
                }
            }
            Source::Kdc(x) if x.transport == "udp" => self.udp = true,
            Source::Kdc(x) => {
                if self.covers.len() < super::MAX_COVERS {
                    self.covers.push((x.stream, None));
                }
            }
        }
    }

    /// Password spraying: [`SPRAY_ACCOUNTS`] accounts or more.
    fn spraying(&self) -> bool {
        self.accounts.len() >= SPRAY_ACCOUNTS
    }

    /// The account refused [`BRUTE_FORCE_ATTEMPTS`] times or more, the
    /// most refused one.
    fn brute_forced(&self) -> Option<&Account<'a>> {
        self.accounts
            .iter()
            .filter(|x| x.refused >= BRUTE_FORCE_ATTEMPTS)
            .max_by_key(|x| x.refused)
    }

    /// Its logons mapped to guest.
    fn guests(&self) -> u64 {
        self.by_kind.get(GUEST).copied().unwrap_or(0)
    }

    /// Its refused logons.
    fn refusals(&self) -> u64 {
        self.attempts - self.guests()
    }

    fn guessing(&self) -> bool {
        self.spraying() || self.brute_forced().is_some()
    }

    /// The request and response frames of the first attempts and the last.
    fn frames(&self) -> Vec<u64> {
        let mut f: Vec<u64> = Vec::new();
        let last = (self.attempts > self.shown.len() as u64).then_some(self.last);
        for a in self.shown.iter().chain(last.iter()) {
            f.push(a.frame);
            f.extend(a.response_frame);
        }
        f
    }
}

/// "SAMPLES\alice" of an NTLM logon, the client principal of an AS-REQ.
fn shown_name(a: &Attempt<'_>) -> String {
    match a.from {
        Source::Smb(s) => identity(s),
        Source::Kdc(x) => x
            .client_principal
            .clone()
            .unwrap_or_else(|| a.name.to_string()),
    }
}

/// The runs of password guessing of a capture, and the request and
/// response frames of their attempts (to the run's index), for
/// [`explained`].
#[derive(Default)]
pub(super) struct Guessing<'a> {
    runs: Vec<Run<'a>>,
    frames: KeyedHashMap<u64, usize>,
}

/// The runs of refusals of the capture that are password guessing, each
/// with the logon of its client that succeeded after it, if any.
pub(super) fn find(model: &Model) -> Guessing<'_> {
    let mut all: Vec<Attempt<'_>> = model
        .sessions
        .iter()
        .filter_map(|s| smb_attempt(s).or_else(|| guest_attempt(s)))
        .chain(model.kdc.iter().filter_map(kdc_attempt))
        .collect();
    if all.is_empty() {
        return Guessing::default();
    }
    all.sort_by_key(|a| a.frame);
    let mut open: KeyedHashMap<IpAddr, Run<'_>> = KeyedHashMap::default();
    let mut found: Vec<Run<'_>> = Vec::new();
    for a in all.iter().copied() {
        let gap = open
            .get(&a.client)
            .is_some_and(|r| a.time.nanos_since(r.last.time) > RUN_GAP_SECS * 1_000_000_000);
        if gap {
            if let Some(r) = open.remove(&a.client) {
                if r.guessing() {
                    found.push(r);
                }
            }
        }
        open.entry(a.client).or_insert_with(|| Run::new(a)).add(a);
    }
    found.extend(open.into_values().filter(Run::guessing));
    if found.is_empty() {
        return Guessing::default();
    }
    found.sort_by_key(|r| r.first.frame);
    // Per client address, the frame range of each of its runs (in order)
    // and the run's index.
    let mut ranges: KeyedHashMap<IpAddr, Vec<(u64, u64, usize)>> = KeyedHashMap::default();
    for (i, r) in found.iter().enumerate() {
        ranges
            .entry(r.client)
            .or_default()
            .push((r.first.frame, r.last.frame, i));
    }
    let mut frames: KeyedHashMap<u64, usize> = KeyedHashMap::default();
    // The guest sessions of the runs, by (tcp.stream, SessionId).
    let mut guests: KeyedHashMap<(u64, u64), usize> = KeyedHashMap::default();
    for a in &all {
        let Some(v) = ranges.get(&a.client) else {
            continue;
        };
        let at = v.partition_point(|&(_, last, _)| last < a.frame);
        if let Some(&(_, _, i)) = v.get(at).filter(|&&(first, _, _)| first <= a.frame) {
            frames.insert(a.frame, i);
            if let Some(f) = a.response_frame {
                frames.insert(f, i);
            }
            if let (Kind::GuestMapped, Source::Smb(s)) = (a.kind, a.from) {
                guests.insert((s.stream, s.session_id.0), i);
            }
        }
    }
    tree_frames(model, &guests, &mut frames);
    let successes = successes(model);
    for r in &mut found {
        r.success = successes.get(&r.client).and_then(|v| {
            let from = v.partition_point(|s| s.frame <= r.first.frame);
            v.get(from)
                .filter(|s| s.time.nanos_since(r.last.time) <= RUN_GAP_SECS * 1_000_000_000)
                .copied()
        });
    }
    Guessing {
        runs: found,
        frames,
    }
}

/// The TREE_CONNECT frames of the runs' guest sessions, as frames of their
/// run: a guest refused a share it may not use is part of the run.
fn tree_frames(
    model: &Model,
    guests: &KeyedHashMap<(u64, u64), usize>,
    frames: &mut KeyedHashMap<u64, usize>,
) {
    if guests.is_empty() {
        return;
    }
    for t in &model.trees {
        if let Some(&i) = guests.get(&(t.stream, t.session_id.0)) {
            for f in t.request_frame.into_iter().chain(t.response_frame) {
                frames.insert(f, i);
            }
        }
    }
}

/// Per client address, its logons that succeeded with an identity of its
/// own (not guest, not anonymous): SMB sessions and AS-REQs answered with
/// an AS-REP, in frame order.
fn successes(model: &Model) -> KeyedHashMap<IpAddr, Vec<Success<'_>>> {
    let mut by: KeyedHashMap<IpAddr, Vec<Success<'_>>> = KeyedHashMap::default();
    for s in model
        .sessions
        .iter()
        .filter(|s| s.outcome == Outcome::Success)
    {
        let name = s
            .user
            .as_deref()
            .or(s.client_principal.as_deref())
            .and_then(|n| n.split('@').next())
            .filter(|n| !n.is_empty());
        let (Some(name), Some(r)) = (name, s.rounds.last()) else {
            continue;
        };
        by.entry(s.client.ip()).or_default().push(Success {
            frame: r.response_frame.unwrap_or(r.request_frame),
            time: r.time,
            name,
            from: Source::Smb(s),
        });
    }
    for x in model
        .kdc
        .iter()
        .filter(|x| x.request == KrbMsgType::AS_REQ && x.reply == Some(KrbMsgType::AS_REP))
    {
        let Some(name) = x
            .client_principal
            .as_deref()
            .and_then(|p| p.split('@').next())
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        by.entry(x.client.ip()).or_default().push(Success {
            frame: x.reply_frame.unwrap_or(x.request_frame),
            time: x.reply_time.unwrap_or(x.time),
            name,
            from: Source::Kdc(x),
        });
    }
    for v in by.values_mut() {
        v.sort_by_key(|s| s.frame);
    }
    by
}

pub(super) fn findings(found: &Guessing<'_>, out: &mut Sink) {
    for r in &found.runs {
        out.push(finding(r));
    }
}

/// "2 refused and 8 mapped to guest", "all 8 mapped to guest".
fn guest_split(r: &Run<'_>) -> String {
    match r.refusals() {
        0 => format!("all {} mapped to guest", r.guests()),
        n => format!("{n} refused and {} mapped to guest", r.guests()),
    }
}

/// What the logons mapped to guest tell: the refused names exist.
fn guest_words(r: &Run<'_>) -> String {
    let mut t = format!(
        " {} of these logons succeeded as guest (SessionFlags IS_GUEST, [MS-SMB2] 2.2.6): the server gives a name it does not know its guest account (Samba 'map to guest = bad user'; Windows with the Guest account enabled). That is not a guessed password, but it tells the guesser which names exist:",
        match r.guests() {
            1 => "One".to_string(),
            n => n.to_string(),
        }
    );
    let refused: Vec<&str> = r
        .accounts
        .iter()
        .filter(|x| x.refused > 0)
        .map(|x| x.shown.as_str())
        .collect();
    match refused.as_slice() {
        [] => t.push_str(" none here, every name was mapped to guest, so the guesser learned no account name, but it has the guest's access to every share open to guests."),
        names => {
            let shown = names.iter().take(ACCOUNTS_NAMED).copied().collect::<Vec<_>>().join(", ");
            let more = names.len().saturating_sub(ACCOUNTS_NAMED);
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            t.push_str(&format!(" the names it refused ({shown}{more}) are accounts the server has, only their password was wrong."));
        }
    }
    t
}

/// "3 times" or "once".
fn times(n: u64) -> String {
    if n == 1 {
        "once".to_string()
    } else {
        format!("{n} times")
    }
}

/// "SAMPLES\alice (once), SAMPLES\bob (once) and 8 more".
fn accounts_words(r: &Run<'_>) -> String {
    let mut t = String::new();
    let named = r.accounts.len().min(ACCOUNTS_NAMED);
    for (i, x) in r.accounts.iter().take(named).enumerate() {
        if i > 0 {
            t.push_str(
                if i + 1 == named && r.accounts.len() == named && r.untold == 0 {
                    " and "
                } else {
                    ", "
                },
            );
        }
        t.push_str(&format!("{} ({})", x.shown, times(x.count)));
    }
    let more = r.accounts.len() - named;
    if more > 0 {
        t.push_str(&format!(" and {more} more"));
    }
    if r.untold > 0 {
        t.push_str(&format!(
            ", and {} more refusals of accounts past the first {MAX_ACCOUNTS}, not told apart",
            r.untold
        ));
    }
    t
}

/// "STATUS_LOGON_FAILURE (...) 10 times, KDC_ERR_... once".
fn kinds_words(r: &Run<'_>) -> String {
    KINDS
        .iter()
        .zip(r.by_kind.iter())
        .filter(|(_, &n)| n > 0)
        .map(|(k, &n)| format!("{} {}", k.words(), times(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn servers_words(r: &Run<'_>) -> String {
    let mut t = r
        .servers
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if r.more_servers > 0 {
        t.push_str(&format!(" and {} more", r.more_servers));
    }
    t
}

/// Where a success is: "tcp.stream 10, NTLMv2" or "an AS-REP, udp.stream 7".
fn success_where(s: &Success<'_>) -> String {
    match s.from {
        Source::Smb(x) => format!(
            "an SMB session, {}, tcp.stream {}, to {}",
            x.ntlm_response.or(x.mechanism).unwrap_or("its logon"),
            x.stream,
            x.server
        ),
        Source::Kdc(x) => format!(
            "an AS-REP from the KDC at {}: a TGT, {}.stream {}",
            x.server.ip(),
            x.transport,
            x.stream
        ),
    }
}

fn success_identity(s: &Success<'_>) -> String {
    match s.from {
        Source::Smb(x) => identity(x),
        Source::Kdc(x) => x
            .client_principal
            .clone()
            .unwrap_or_else(|| s.name.to_string()),
    }
}

fn finding(r: &Run<'_>) -> Finding {
    let ip = r.client;
    let secs = r.last.time.nanos_since(r.first.time).max(0) as f64 / 1e9;
    let over = span(secs);
    let brute = r.brute_forced();
    let kind = match (r.spraying(), brute) {
        (true, Some(_)) => "Password spraying and brute force",
        (true, None) => "Password spraying",
        _ => "Password brute force",
    };
    let n = r.accounts.len();
    let accounts = if r.untold > 0 {
        format!("{n} or more accounts")
    } else if n == 1 {
        "1 account".to_string()
    } else {
        format!("{n} accounts")
    };
    let mut title = match brute {
        Some(b) if !r.spraying() => format!(
            "{kind} from {ip}: {} refused {} times in {over}",
            b.shown, b.refused
        ),
        _ if r.guests() > 0 => format!(
            "{kind} from {ip}: {} logons over {accounts} in {over}, {}",
            r.attempts,
            guest_split(r)
        ),
        _ => format!(
            "{kind} from {ip}: {} logons refused over {accounts} in {over}",
            r.attempts
        ),
    };
    let guessed = r.success.map(|s| {
        let who = success_identity(&s);
        let tried = r
            .accounts
            .iter()
            .find(|x| x.name.eq_ignore_ascii_case(s.name));
        (s, who, tried.map(|x| x.refused).filter(|&n| n > 0))
    });
    if let Some((s, who, _)) = &guessed {
        title.push_str(&format!(
            "; then {who} logged on (frame {}): a guessed password",
            s.frame
        ));
    }
    let ws = r.workstation.map_or(String::new(), |w| {
        format!(" (workstation {w}, as its NTLM AUTHENTICATE names it)")
    });
    let had = if r.guests() > 0 { "tried" } else { "had" };
    let (refused, by) = if r.guests() > 0 {
        ("", "answered by")
    } else {
        (" refused", "by")
    };
    let mut why = format!(
        "The client at {ip}{ws} {had} {} logons{refused} over {accounts}, {}, between frame {} and frame {} ({over}), {by} {}: {}.",
        r.attempts,
        accounts_words(r),
        r.first.frame,
        r.end_frame(),
        servers_words(r),
        kinds_words(r),
    );
    if r.spraying() {
        let what = if r.guests() > 0 {
            "Logons refused or mapped to guest"
        } else {
            "Refusals"
        };
        why.push_str(&format!(" {what} over {SPRAY_ACCOUNTS} accounts or more from one address within minutes are password spraying: a guesser tries one or a few common passwords against every account name it has, once or twice each, to stay under each account's lockout threshold. A person who mistypes fails one account, and a client trying saved credentials two or three."));
    }
    if let Some(b) = brute {
        why.push_str(&format!(" {} refused {} times is brute force: a person who mistypes gives up or asks after a few tries, and {BRUTE_FORCE_ATTEMPTS} is the account lockout threshold Windows sets by default (since Windows 11 22H2), at which a locked account would have stopped it. A program retrying an old saved password (a service account, a mapped drive, a mail client) makes the same refusals, but at a steady pace and for hours: check what on the client sent them.", b.shown, b.refused));
    }
    if r.guests() > 0 {
        why.push_str(&guest_words(r));
    }
    match &guessed {
        Some((s, who, tried)) => {
            let before = match tried {
                Some(n) => format!(", whose own logon the run had refused {},", times(*n)),
                None => String::new(),
            };
            why.push_str(&format!(
                " Then a logon succeeded, which matters most: {who}{before} logged on from the same address at frame {} ({} after the first {}; {}). That is the password the run was looking for: treat {who} as compromised.",
                s.frame,
                span(s.time.nanos_since(r.first.time).max(0) as f64 / 1e9),
                if r.first.kind == Kind::GuestMapped {
                    "attempt"
                } else {
                    "refusal"
                },
                success_where(s),
            ));
        }
        None if r.guests() > 0 => why.push_str(&format!(
            " No logon from {ip} succeeded with an identity of its own (not guest) in the capture after the first attempt and up to {} minutes after the last: no password was guessed here, as far as the capture shows.",
            RUN_GAP_SECS / 60
        )),
        None => why.push_str(&format!(
            " No logon from {ip} succeeded in the capture after the first refusal and up to {} minutes after the last: no password was guessed here, as far as the capture shows.",
            RUN_GAP_SECS / 60
        )),
    }
    if r.spraying() {
        why.push_str(&format!(" A terminal server, jump host or NAT gateway in front of many users can look the same: check what {ip} is."));
    }
    why.push_str(if r.guests() > 0 {
        " The logon, Kerberos, guest-session and share findings of these attempts are part of this run."
    } else {
        " The logon and Kerberos findings of these refusals are part of this run."
    });
    let mut next = format!("Block {ip} at the firewall and find out what runs on it");
    if let Some(w) = r.workstation {
        next.push_str(&format!(" (it calls itself {w})"));
    }
    next.push_str(". ");
    if let Some((_, who, _)) = &guessed {
        next.push_str(&format!("Reset the password of {who} now, end its sessions and tickets, and find out what it did after that logon (its logons elsewhere: event 4624, 4768 on the domain controller). "));
    }
    next.push_str("On the domain controller (or, for a server's local accounts, the server) read Security events 4625 (NTLM: Sub Status 0xC000006A wrong password, 0xC0000064 no such user), 4771 (Kerberos pre-authentication failed), 4768 with Result Code 0x6 (unknown user) and 4740 (locked out) with this source address; on Samba, the auth_audit log ('log level = 1 auth_audit:3'). Check the account lockout policy ('net accounts' on Windows, 'samba-tool domain passwordsettings show' on a Samba AD DC, 'pdbedit -P \"bad lockout attempt\"' on a standalone Samba server): a threshold of 10 or fewer stops brute force");
    if r.spraying() {
        next.push_str(", but not spraying, which tries each account once or twice: there, strong passwords (a banned-password list) and MFA are the defence");
    }
    next.push('.');
    if r.guests() > 0 {
        next.push_str(" Turn the guest mapping off where guests are not wanted (Samba: 'map to guest = never' in [global]; Windows: keep the Guest account disabled, 'Accounts: Guest account status'): while it is on, every name the server refuses is one it has.");
    }
    let mut frames = r.frames();
    frames.extend(guessed.as_ref().map(|(s, _, _)| s.frame));
    let user = match (brute, &guessed) {
        (Some(b), _) if !r.spraying() => Some(b.shown.clone()),
        (_, Some((_, who, _))) => Some(who.clone()),
        _ => None,
    };
    // The successful logon's stream too.
    let (mut covers, mut udp) = (r.covers.clone(), r.udp);
    match guessed.as_ref().map(|(s, _, _)| s.from) {
        Some(Source::Smb(x)) => covers.push((x.stream, Some(x.id))),
        Some(Source::Kdc(x)) if x.transport == "tcp" => covers.push((x.stream, None)),
        Some(Source::Kdc(_)) => udp = true,
        None => {}
    }
    let draft = Draft::new(Severity::Error, CODE, title);
    // KDC exchanges over UDP alone: a udp.stream each (MIT kinit opens a
    // socket per request), none named.
    let draft = match (udp, covers.is_empty()) {
        (true, false) => draft.udp_and_tcp(covers),
        (false, false) => draft.covers(covers),
        (_, true) => draft,
    };
    draft
        .user(user)
        .explain(why)
        .next(next)
        .frames(frames)
        .explains_from(Some(r.first.frame))
        .done()
}

impl Run<'_> {
    /// The response to its last attempt (or that attempt, unanswered).
    fn end_frame(&self) -> u64 {
        self.last.response_frame.unwrap_or(self.last.frame)
    }
}

/// The findings (made by other rules) of a run's attempts say so, and
/// their next steps give way to the run's. A finding is one of them when
/// its code is a logon's, a Kerberos one's, session.guest or a tree's, and
/// all its evidence frames are frames of one run's attempts (or of the
/// TREE_CONNECTs of its guest sessions).
pub(super) fn explained(found: &Guessing<'_>, all: &mut [Finding]) {
    if found.runs.is_empty() {
        return;
    }
    for f in all.iter_mut() {
        let part = ["logon.", "kerberos.", "session.guest", "tree."]
            .iter()
            .any(|p| f.code.starts_with(p));
        if f.code == CODE || !part {
            continue;
        }
        let Some(&i) = f.frames.first().and_then(|x| found.frames.get(x)) else {
            continue;
        };
        if !f.frames.iter().all(|x| found.frames.get(x) == Some(&i)) {
            continue;
        }
        let Some(r) = found.runs.get(i) else {
            continue;
        };
        f.title = format!("Part of attack.password_guessing: {}", f.title);
        f.explanation = format!(
            "Part of the password guessing from {} (attack.password_guessing, frames {} to {}), not a user's mistake. {}",
            r.client,
            r.first.frame,
            r.end_frame(),
            f.explanation
        );
        f.next_step = format!(
            "See attack.password_guessing (frame {}): block {} and check the accounts it tried, above all one it then logged on with.",
            r.first.frame, r.client
        );
    }
}
