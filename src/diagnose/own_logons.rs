//! The logons a client made to a server with an identity of its own (not
//! guest, not anonymous), indexed once by (client address, server): what
//! findings of a refused logon ask to tell whether the client got past the
//! refusal (logon.anonymous_refused: any own logon; session.expired and the
//! logon.* refusals: one after the refusal, soon enough to be its retry).
//! One pass over the sessions, then a lookup per finding: no scan of every
//! session per refusal, whose number the capture sets.

use std::net::{IpAddr, SocketAddr};

use crate::capture::Timestamp;
use crate::session::{secs_between, Model, Outcome, Session, MECHANISM_NTLM};
use crate::tcp::hash::KeyedHashMap;

use super::logon::{identity, span};
use super::Severity;

/// A logon this long after a refusal, or sooner, is the client's retry of
/// it (seconds). A client whose SESSION_SETUP was refused because its
/// session expired authenticates again at once, on the same connection or
/// a new one (Windows' redirector reconnects and sets up a new session; a
/// tool's retry loop does the same), within seconds; a logon minutes later
/// is a new attempt, after the refusal had already held the work up, which
/// a finding should not play down. The Kerberos findings give a client's
/// retry over TCP as long (kerberos::TCP_RETRY_SECS).
pub(super) const RETRY_SECS: f64 = 30.0;

/// Refused logons of one client to one server in the [`RETRY_SECS`]
/// before its own logon, this many or more, are a run of guesses, not a
/// retry: a logon that ends such a run does not soften their finding.
/// A person who mistypes a password, or a client that tries one mechanism
/// or saved credential before another, makes a few: Windows sent one wrong
/// password four times in 55 ms, on four connections (corpus
/// sv-smb2-ntlm-logon-failure, frames 710 to 740), and a second mistake
/// would make eight. Brute force and password spraying make dozens or
/// more; ten is the account lockout threshold Windows sets by default
/// (since Windows 11 22H2), which a guesser stays under per account but
/// not per client.
pub(crate) const GUESSES: usize = 10;

/// The own logons of the refused user after a refusal that
/// [`OwnLogons::retry_of`] looks at, within [`RETRY_SECS`]: a bound on its
/// scan whatever the capture holds. Only a logon of the same account name
/// that [`same_user`] still refuses (a session that names two, one of them
/// another) makes the scan go past the first.
const SCAN: usize = 64;

/// An anonymous or guest logon this long after a refused logon of the
/// same client to the same server, or sooner, is the client's fallback
/// from it (seconds): a client whose own logon is refused tries an
/// anonymous one next at once, in milliseconds (corpus
/// pcapattack-smb311-spoolsample-ntlm: the machine account refused with
/// STATUS_NO_LOGON_SERVERS at frame 39, anonymous AUTHENTICATEs 3.0 ms and
/// 6.0 ms later, frames 48 and 58). A few seconds leave room for a slow
/// client; a logon later than that is an attempt of its own.
pub(super) const FALLBACK_SECS: f64 = 5.0;

/// Refused logons looked at when looking for the one an anonymous or
/// guest logon fell back from, and anonymous or guest logons looked at
/// after a refusal: a bound on the scan whatever the capture holds.
const FALLBACK_SCAN: usize = 16;

/// (client address, server).
type Pair = (IpAddr, SocketAddr);

/// (client address, server, an account name ([`account`]) folded by
/// ASCII case).
type Named = (IpAddr, SocketAddr, String);

/// The [`OwnLogons`] of a model, made at the first finding that asks for
/// them and then shared by the modules that do (logon, anonymous,
/// kerberos): each made its own, three passes over the sessions and three
/// sets of maps (1.3 % of the text report's instructions on session-64m).
pub(super) struct SharedOwnLogons<'a> {
    model: &'a Model,
    own: std::cell::OnceCell<OwnLogons<'a>>,
}

impl<'a> SharedOwnLogons<'a> {
    pub fn new(model: &'a Model) -> Self {
        SharedOwnLogons {
            model,
            own: std::cell::OnceCell::new(),
        }
    }

    /// The model's own logons, made at the first call.
    pub fn get(&self) -> &OwnLogons<'a> {
        self.own.get_or_init(|| OwnLogons::new(self.model))
    }
}

/// (client address, server) → the sessions set up with the client's own
/// identity, in the order they were set up, also per account name (of the
/// NTLM user name and of the Kerberos client principal alike), and the
/// refused ones, in the order of their last SESSION_SETUP frame.
pub(super) struct OwnLogons<'a> {
    logons: KeyedHashMap<Pair, Vec<&'a Session>>,
    by_name: KeyedHashMap<Named, Vec<&'a Session>>,
    refused: KeyedHashMap<Pair, Vec<&'a Session>>,
    /// Anonymous and guest logons ([`is_fallback`]), accepted or refused,
    /// in the order of their first frame.
    fallbacks: KeyedHashMap<Pair, Vec<&'a Session>>,
}

/// A logon with no identity of the client's own: anonymous (accepted or
/// refused), or guest without a user name or as the guest account.
pub(super) fn is_fallback(s: &Session) -> bool {
    let guest_by_name = s
        .user
        .as_deref()
        .is_none_or(|u| u.is_empty() || u.eq_ignore_ascii_case("guest"));
    match s.outcome {
        Outcome::Anonymous => true,
        Outcome::Guest => guest_by_name,
        Outcome::Failure => super::anonymous::is_refused_anonymous(s),
        _ => false,
    }
}

/// A refused logon with an identity of the client's own, not Kerberos
/// (its findings are the kerberos module's), that an anonymous or guest
/// logon may fall back from.
fn is_own_refusal(s: &Session) -> bool {
    s.outcome == Outcome::Failure
        && s.mechanism != Some("kerberos")
        && s.user.as_deref().is_some_and(|u| !u.is_empty())
}

/// An anonymous or guest logon that soon followed a refused logon of the
/// same client to the same server ([`FALLBACK_SECS`]): the refused one,
/// the fallback, and the seconds from the refusal to the fallback's first
/// request.
pub(super) struct Fallback<'a> {
    pub refused: &'a Session,
    pub fallback: &'a Session,
    pub secs: f64,
}

/// A logon that followed a refusal: the session, and the seconds from the
/// refusal to its set-up response.
pub(super) struct Retry<'a> {
    pub session: &'a Session,
    pub secs: f64,
    /// The refused logon's last SESSION_SETUP frame.
    refused_frame: u64,
    /// The refused logon was Kerberos and this one NTLM: the client fell
    /// back to NTLM ([`falls_back`]). The user got in, but the Kerberos
    /// failure is not mended by it: a finding that tells it stays a
    /// warning at least, its next step the Kerberos fix.
    pub fell_back: bool,
}

/// What a finding of refused logons (one client, server and identity)
/// tells of the client's own logon after them.
pub(super) enum Later<'a> {
    /// None of the same user within [`RETRY_SECS`] of every refusal: the
    /// refusals stand (an error).
    Nothing,
    /// The client's retry got past the refusals (a warning).
    GotPast(Retry<'a>),
    /// A logon that ended a run of [`GUESSES`] refusals or more (the count,
    /// up to [`GUESSES`]): still an error, which names it.
    AfterGuesses(Retry<'a>, usize),
}

/// The frame of `s`'s first successful SESSION_SETUP response (its last
/// SESSION_SETUP frame when the model has none).
fn set_up_frame(s: &Session) -> u64 {
    s.set_up_frame.unwrap_or(s.last_setup_frame)
}

/// When the response in frame `frame` of `s`'s rounds was captured (of
/// its last round when none is in that frame): a request's time and the
/// seconds to its response.
fn response_time(s: &Session, frame: u64) -> (Timestamp, f64) {
    let r = s
        .rounds
        .iter()
        .find(|r| r.response_frame == Some(frame))
        .or(s.rounds.last());
    match r {
        Some(r) => (r.time, r.duration.unwrap_or(0.0)),
        None => (s.first_time, 0.0),
    }
}

/// Seconds from `refused`'s last SESSION_SETUP response to `logon`'s
/// set-up response (negative when the logon's response was captured
/// first: in a capture made of others joined out of time order, or a logon
/// under way on another connection that finished first).
fn secs_after(refused: &Session, logon: &Session) -> f64 {
    let (t, d) = response_time(logon, set_up_frame(logon));
    let (rt, rd) = response_time(refused, refused.last_setup_frame);
    secs_between(t, rt) + d - rd
}

/// The request of `s`'s last round (the one that carried its credentials,
/// or none: an anonymous AUTHENTICATE), its frame and time; the session's
/// first when it has no round.
fn last_request(s: &Session) -> (u64, Timestamp) {
    s.rounds
        .last()
        .map_or((s.first_frame, s.first_time), |r| (r.request_frame, r.time))
}

/// Seconds from `refused`'s last SESSION_SETUP response to the request of
/// `fallback`'s last round ([`last_request`]; negative when that request
/// was captured first).
fn secs_before_fallback(refused: &Session, fallback: &Session) -> f64 {
    let (rt, rd) = response_time(refused, refused.last_setup_frame);
    secs_between(last_request(fallback).1, rt) - rd
}

/// A logon `secs` after a refusal retries it: after it in time, and soon.
fn soon_after(secs: f64) -> bool {
    (0.0..=RETRY_SECS).contains(&secs)
}

impl<'a> OwnLogons<'a> {
    pub fn new(model: &'a Model) -> Self {
        let mut own = OwnLogons {
            logons: KeyedHashMap::default(),
            by_name: KeyedHashMap::default(),
            refused: KeyedHashMap::default(),
            fallbacks: KeyedHashMap::default(),
        };
        for s in &model.sessions {
            let (ip, server) = (s.client.ip(), s.server);
            if is_fallback(s) {
                own.fallbacks.entry((ip, server)).or_default().push(s);
            }
            match s.outcome {
                Outcome::Success => {
                    own.logons.entry((ip, server)).or_default().push(s);
                    let [a, b] = names(s);
                    // Once when the user name and the principal name one
                    // account.
                    let b = b.filter(|b| a.is_none_or(|a| !a.eq_ignore_ascii_case(b)));
                    for n in [a, b].into_iter().flatten() {
                        let key = (ip, server, n.to_ascii_lowercase());
                        own.by_name.entry(key).or_default().push(s);
                    }
                }
                Outcome::Failure => own.refused.entry((ip, server)).or_default().push(s),
                _ => {}
            }
        }
        // Stable: sessions set up in one frame keep the model's order.
        for v in own.logons.values_mut().chain(own.by_name.values_mut()) {
            v.sort_by_key(|s| set_up_frame(s));
        }
        for v in own.refused.values_mut() {
            v.sort_by_key(|s| s.last_setup_frame);
        }
        for v in own.fallbacks.values_mut() {
            v.sort_by_key(|s| s.first_frame);
        }
        own
    }

    /// The first anonymous or guest logon of `refused`'s client to its
    /// server begun after `refused`'s last SESSION_SETUP response, within
    /// [`FALLBACK_SECS`] of it: the client's fallback from the refusal.
    /// None for a refusal that is itself anonymous, or Kerberos.
    pub fn fallback_after(&self, refused: &'a Session) -> Option<Fallback<'a>> {
        if !is_own_refusal(refused) {
            return None;
        }
        let v = self.fallbacks.get(&(refused.client.ip(), refused.server))?;
        let after = refused.last_setup_frame;
        let from = v.partition_point(|s| s.first_frame <= after);
        for &next in v.get(from..)?.iter().take(FALLBACK_SCAN) {
            let secs = secs_before_fallback(refused, next);
            if secs > FALLBACK_SECS {
                break;
            }
            if secs >= 0.0 {
                return Some(Fallback {
                    refused,
                    fallback: next,
                    secs,
                });
            }
        }
        None
    }

    /// The last refused logon of `fallback`'s client to its server, with
    /// an identity of its own ([`is_own_refusal`]), that `fallback`, an
    /// anonymous or guest logon, began within [`FALLBACK_SECS`] after.
    pub fn fell_back_from(&self, fallback: &'a Session) -> Option<Fallback<'a>> {
        let v = self.refused.get(&(fallback.client.ip(), fallback.server))?;
        let before = v.partition_point(|s| s.last_setup_frame < fallback.first_frame);
        for &s in v.get(..before)?.iter().rev().take(FALLBACK_SCAN) {
            let secs = secs_before_fallback(s, fallback);
            if secs > FALLBACK_SECS {
                break;
            }
            if secs >= 0.0 && is_own_refusal(s) {
                return Some(Fallback {
                    refused: s,
                    fallback,
                    secs,
                });
            }
        }
        None
    }

    /// The own logons of `refused`'s client to its server that
    /// [`same_user`] may accept: those of the account it names (of its user
    /// name, else of its client principal), else all.
    fn candidates(&self, refused: &Session) -> Option<&Vec<&'a Session>> {
        let (ip, server) = (refused.client.ip(), refused.server);
        match names(refused) {
            [Some(n), _] | [None, Some(n)] => {
                self.by_name.get(&(ip, server, n.to_ascii_lowercase()))
            }
            [None, None] => self.logons.get(&(ip, server)),
        }
    }

    /// The client's first own logon to `server`.
    pub fn first(&self, client: IpAddr, server: SocketAddr) -> Option<&'a Session> {
        self.logons.get(&(client, server))?.first().copied()
    }

    /// The first own logon of `refused`'s client to its server set up after
    /// `refused`'s last SESSION_SETUP response, within [`RETRY_SECS`] of
    /// it, with the same user when the refused logon names one (another
    /// user's logon is no retry of it, and other users' logons before the
    /// same user's do not hide it): a binary search in the logons of that
    /// user name (or principal), then a scan of at most [`SCAN`] of them
    /// that ends past the window. A Kerberos principal and an NTLM user
    /// name of one account are one user: the retry may be the client's
    /// fallback to NTLM ([`Retry::fell_back`]).
    pub fn retry_of(&self, refused: &Session) -> Option<Retry<'a>> {
        let v = self.candidates(refused)?;
        let after = refused.last_setup_frame;
        let from = v.partition_point(|s| set_up_frame(s) <= after);
        for &next in v.get(from..)?.iter().take(SCAN) {
            let secs = secs_after(refused, next);
            if secs > RETRY_SECS {
                break;
            }
            if soon_after(secs) && same_user(refused, next) {
                return Some(Retry {
                    session: next,
                    secs,
                    refused_frame: after,
                    fell_back: falls_back(refused, next),
                });
            }
        }
        None
    }

    /// What followed the refused logons `first` to `last` of one client,
    /// server and identity: the retry of `last` ([`OwnLogons::retry_of`]),
    /// when it came within [`RETRY_SECS`] of `first` too, and whether it
    /// ended a run of guesses ([`GUESSES`]).
    pub fn after_refusals(&self, first: &Session, last: &Session) -> Later<'a> {
        let Some(r) = self.retry_of(last) else {
            return Later::Nothing;
        };
        if !soon_after(secs_after(first, r.session)) {
            return Later::Nothing;
        }
        match self.refused_before(r.session) {
            n if n >= GUESSES => Later::AfterGuesses(r, n),
            _ => Later::GotPast(r),
        }
    }

    /// The logons of `logon`'s client to its server refused in the
    /// [`RETRY_SECS`] before it, counted up to [`GUESSES`]: a walk back
    /// from it of [`GUESSES`] refusals in the window, or fewer.
    fn refused_before(&self, logon: &Session) -> usize {
        let Some(v) = self.refused.get(&(logon.client.ip(), logon.server)) else {
            return 0;
        };
        let before = v.partition_point(|s| s.last_setup_frame < set_up_frame(logon));
        let mut n = 0;
        // Refusals whose response came after the logon's, though earlier
        // in the capture (joined out of time order), are skipped: bounded
        // too, so the walk is.
        let mut skipped = 0;
        for s in v.get(..before).unwrap_or_default().iter().rev() {
            let secs = secs_after(s, logon);
            if secs > RETRY_SECS || n >= GUESSES || skipped >= GUESSES {
                break;
            }
            if secs < 0.0 {
                skipped += 1;
            } else {
                n += 1;
            }
        }
        n
    }
}

/// The account a user name or a Kerberos principal names, the part
/// [`same_user`] compares: the name before the realm ('@') and, of a
/// multi-component principal name, its first component ('/'; RFC 4120
/// 6.2): "alice" of the principal alice@CONTOSO.COM and of the NTLM user
/// name alice, and of alice@contoso.com, the UPN form an NTLM client may
/// send with an empty domain (samples/krb5-fallback-ntlm, frame 45).
fn account(name: &str) -> &str {
    let name = name.split('@').next().unwrap_or(name);
    name.split('/').next().unwrap_or(name)
}

/// The accounts `s` names ([`account`]): of its NTLM user name (or SMB1
/// account) and of its Kerberos client principal.
fn names(s: &Session) -> [Option<&str>; 2] {
    [s.user.as_deref(), s.client_principal.as_deref()].map(|n| n.map(account))
}

/// `b` logged on as the user `a` named, or `a` named none (its token is
/// not in the capture): every account `a` names ([`names`]) is one `b`
/// names, by ASCII case, so a Kerberos logon of alice@CONTOSO.COM and an
/// NTLM one of CONTOSO\alice are the same user's. A domain or realm is not
/// compared: one client writes the same domain as CONTOSO,
/// CONTOSO.LOCAL or a realm.
fn same_user(a: &Session, b: &Session) -> bool {
    let theirs = names(b);
    names(a).into_iter().flatten().all(|x| {
        theirs
            .into_iter()
            .flatten()
            .any(|y| x.eq_ignore_ascii_case(y))
    })
}

/// `retry`, the same user's logon after the refused Kerberos logon
/// `refused`, was NTLM (NTLMSSP, or an SMB1 logon without extended
/// security): the client fell back to NTLM.
fn falls_back(refused: &Session, retry: &Session) -> bool {
    refused.mechanism == Some("kerberos")
        && matches!(retry.mechanism, Some("ntlmssp" | MECHANISM_NTLM))
}

impl Later<'_> {
    /// A refusal the client got past at once did not stop the work: a
    /// warning; an error otherwise.
    pub fn severity(&self) -> Severity {
        match self {
            Later::GotPast(_) => Severity::Warning,
            Later::Nothing | Later::AfterGuesses(..) => Severity::Error,
        }
    }

    /// The sentence that tells the logon, for a finding of `refusals`
    /// refused logons ("" for none).
    pub fn sentence(&self, refusals: u64) -> String {
        match self {
            Later::Nothing => String::new(),
            Later::GotPast(r) => r.sentence_of(refusals),
            Later::AfterGuesses(r, n) => r.guesses_sentence(*n),
        }
    }

    /// The next step of a refusal, `next`, with what the logon after it
    /// changes.
    pub fn next(&self, next: String) -> String {
        match self {
            Later::Nothing => next,
            Later::GotPast(r) if r.fell_back => r.fallback_next(&next),
            Later::GotPast(_) => format!("Nothing to do if the work went on over the new logon: a mistyped password typed again, or a client that tries another mechanism or other credentials first, is refused and then gets in. If such refusals recur: {next}"),
            Later::AfterGuesses(r, _) => format!("Find out whether the logon at frame {} was the account owner's: so many refusals before it are a guess that succeeded, or a misconfigured client. {next}", r.frame()),
        }
    }
}

impl Retry<'_> {
    /// " The same client logged on as X at frame 14 on tcp.stream 0, 0.9 ms
    /// later ...": the sentence a finding of the refusal tells it with.
    pub fn sentence(&self) -> String {
        self.sentence_of(1)
    }

    /// [`Retry::sentence`] for a finding of `refusals` refused logons
    /// (the retry followed the last of them). A fallback to NTLM
    /// ([`Retry::fell_back`]) is told as such: the user got in, and
    /// Kerberos still fails.
    pub fn sentence_of(&self, refusals: u64) -> String {
        let (when, what) = if refusals > 1 {
            ("after the last of them", "these refusals")
        } else {
            ("later", "this refusal")
        };
        if self.fell_back {
            let s = self.session;
            return format!(
                " The same client then fell back to NTLM and got in: it logged on to the same server as {} with NTLM at frame {} on tcp.stream {}{}. The NTLM logon does not mend Kerberos: until the cause above is fixed, this client's logons to this server fall back the same way, to NTLM, which is weaker, cannot be delegated, and is refused where NTLM is restricted.",
                identity(s),
                self.frame(),
                s.stream,
                self.begun(when)
            );
        }
        format!(
            "{}{}: it got past {what}.",
            self.logged_on(),
            self.begun(when)
        )
    }

    /// The next step of a Kerberos refusal the client fell back from
    /// ([`Retry::fell_back`]): `next`, the Kerberos fix, still to do.
    pub fn fallback_next(&self, next: &str) -> String {
        format!("The user got in with NTLM, but Kerberos to this server stays broken until this is fixed: {next}")
    }

    /// The sentence of a logon that ended a run of `guesses` refusals
    /// ([`Later::AfterGuesses`]).
    pub fn guesses_sentence(&self, guesses: usize) -> String {
        let more = if guesses >= GUESSES { " or more" } else { "" };
        format!("{}{}, after {guesses}{more} refused logons of this client to this server in the {RETRY_SECS:.0} s before it: a run of guesses (brute force, password spraying) that ended in a logon looks like this, so the refusals stay an error.", self.logged_on(), self.begun("later"))
    }

    /// The logon's frame, the first of its SESSION_SETUPs.
    pub fn frame(&self) -> u64 {
        set_up_frame(self.session)
    }

    /// " The same client logged on to the same server as X at frame 14 on
    /// tcp.stream 0".
    fn logged_on(&self) -> String {
        let s = self.session;
        format!(
            " The same client logged on to the same server as {} at frame {} on tcp.stream {}",
            identity(s),
            self.frame(),
            s.stream,
        )
    }

    /// ", 0.9 ms {when}", and whether the client had begun the logon
    /// before the refusal.
    fn begun(&self, when: &str) -> String {
        let s = self.session;
        // A logon under way when the refusal came: the client had
        // already turned to it.
        let begun = if s.first_frame < self.refused_frame {
            format!(
                " (a logon it had begun at frame {}, before the refusal)",
                s.first_frame
            )
        } else {
            String::new()
        };
        format!(", {} {when}{begun}", span(self.secs.max(0.0)))
    }
}

impl Fallback<'_> {
    /// What the client fell back to, for a title: "anonymous, refused
    /// too", "an anonymous session", "a guest session".
    fn what(&self) -> &'static str {
        match self.fallback.outcome {
            Outcome::Failure => "anonymous, refused too",
            Outcome::Anonymous => "an anonymous session",
            _ => "a guest session",
        }
    }

    /// "; the client fell back to anonymous, refused too": what the title
    /// of the refusal's finding ends with.
    pub fn title_suffix(&self) -> String {
        format!("; the client fell back to {}", self.what())
    }

    /// " The same client then fell back to ...": the sentence the
    /// refusal's finding tells the fallback with.
    pub fn sentence(&self) -> String {
        let f = self.fallback;
        let (logon, answer) = match f.outcome {
            Outcome::Failure => (
                "an anonymous logon (no user name, no password)",
                format!(
                    "and the server refused that too ({}; logon.anonymous_refused)",
                    f.status.map_or_else(|| "?".to_string(), |s| s.to_string())
                ),
            ),
            Outcome::Anonymous => (
                "an anonymous logon (no user name, no password)",
                "and the server accepted it (session.anonymous): the client went on with no identity of its own".to_string(),
            ),
            _ => (
                "a guest logon",
                "and got a guest session (session.guest): the client went on with the guest's rights, not its own".to_string(),
            ),
        };
        format!(
            " The same client then fell back to {logon} to the same server at frame {} on tcp.stream {}, {} later, {answer}: that logon is this refusal's consequence, not a problem of its own.",
            last_request(f).0,
            f.stream,
            span(self.secs.max(0.0)),
        )
    }
}
