//! The checks themselves; each returns a [`CheckResult`] with its evidence.

use crate::diagnose::{Diagnosis, Finding, Severity};
use crate::ntstatus::{self, NtStatus};
use crate::session::{
    Connection, Encryption, HexId, Model, Outcome, Session, UnseenSetup, MECHANISM_NTLM,
};

use super::{CheckOutcome, CheckResult};

/// What the checks look at: the capture's model and diagnosis, and the
/// ports followed as SMB (to say which when the capture has no SMB).
pub struct Scope<'a> {
    pub model: &'a Model,
    pub diagnosis: &'a Diagnosis,
    /// The TCP ports followed as SMB (445, 139 and each --port).
    pub ports: &'a [u16],
    /// The filters that chose the part of the capture checked
    /// ([`super::scoped`]), in words ("user alice"), if any.
    pub only: Option<String>,
}

impl<'a> Scope<'a> {
    /// The connections that carried at least one SMB message (not a
    /// connection refused or unanswered: nothing of it can be judged).
    fn smb_connections(&self) -> impl Iterator<Item = &'a Connection> + 'a {
        self.model
            .connections
            .iter()
            .filter(|c| smb_messages(c) > 0)
    }

    /// "nothing to check: ..." when the capture holds no SMB connection
    /// (and, with `kerberos`, no Kerberos exchange either): a check that
    /// judged nothing must not pass.
    pub fn nothing(&self, kerberos: bool) -> Option<String> {
        if self.smb_connections().next().is_some() || (kerberos && !self.model.kdc.is_empty()) {
            return None;
        }
        let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
        let ports = ports.join(", ");
        let nothing = CheckOutcome::NOTHING_TO_CHECK;
        let mut t = match &self.only {
            Some(only) => {
                format!("{nothing}no SMB connection of {only} on the ports followed ({ports})")
            }
            None => format!(
                "{nothing}no SMB connection on the ports followed ({ports}; add --port for another)"
            ),
        };
        if kerberos {
            t.push_str(" and no Kerberos exchange");
        }
        Some(t)
    }
}

pub(super) fn result(
    name: impl Into<String>,
    pass: bool,
    evidence: impl Into<String>,
) -> CheckResult {
    CheckResult {
        name: name.into(),
        outcome: if pass {
            CheckOutcome::Pass
        } else {
            CheckOutcome::Fail
        },
        evidence: evidence.into(),
    }
}

/// A check that fails because the capture cut off what it would judge:
/// its evidence reads "cannot tell: ...".
pub(super) fn cannot_tell(name: impl Into<String>, why: &str) -> CheckResult {
    CheckResult {
        name: name.into(),
        outcome: CheckOutcome::CannotTell,
        evidence: format!("{}{why}", CheckOutcome::CANNOT_TELL),
    }
}

/// "session 0x54402ac0 (stream 0, frames 8-11)".
fn place(s: &Session) -> String {
    // "frame 5" for a request that had no response.
    match s.rounds.last().and_then(|r| r.response_frame) {
        Some(last) => format!(
            "session {} (stream {}, frames {}-{last})",
            s.session_id, s.stream, s.first_frame
        ),
        None => format!(
            "session {} (stream {}, frame {})",
            s.session_id, s.stream, s.first_frame
        ),
    }
}

/// "session 0x54402ac0 (stream 0, frames 8-11) SAMPLES\alice".
fn describe(s: &Session) -> String {
    format!("{} {}", place(s), crate::diagnose::identity(s))
}

/// A session whose setup the capture shows unfinished because it lacks
/// the server's side of the connection: no SMB message from the server,
/// whose acknowledged bytes the capture lacks (the report's
/// connection.one_sided). Whether it was set up, and as what, is not
/// known: the checks of what the server answered cannot tell on it.
fn server_side_missing(model: &Model, s: &Session) -> Option<String> {
    let c = model.connection(s.stream)?;
    let one_sided =
        s.outcome == Outcome::Unfinished && c.server_messages == 0 && c.server_gap_bytes > 0;
    one_sided.then(|| match &s.client_went_on {
        None => format!(
            "{}: no SESSION_SETUP response in the capture, which lacks the server's side of the connection ({} bytes the server sent; connection.one_sided), so whether it was set up, and as what, is not known",
            describe(s),
            c.server_gap_bytes
        ),
        Some(w) => format!(
            "{}: no SESSION_SETUP response in the capture, which lacks the server's side of the connection ({} bytes the server sent; connection.one_sided); the client went on with SessionId {} ({} request(s) from frame {}, {} signed), which a client takes from a SESSION_SETUP response ([MS-SMB2] 3.2.5.3), so the logon almost certainly succeeded, but as what (a guest or anonymous session, or the user's) is the response's to say",
            describe(s),
            c.server_gap_bytes,
            s.session_id,
            w.requests,
            w.first_frame,
            w.signed_requests
        ),
    })
}

/// [`server_side_missing`] for a session the client did not go on with
/// ([`Session::client_went_on`]): one it went on with is judged by the
/// requests it sent ([`judge_pre_capture`]).
fn server_side_unjudged(model: &Model, s: &Session) -> Option<String> {
    if s.client_went_on.is_some() {
        return None;
    }
    server_side_missing(model, s)
}

/// Lists at most 3 items, then "and N more".
pub(super) fn some(items: Vec<String>) -> String {
    let n = items.len();
    let mut v: Vec<String> = items.into_iter().take(3).collect();
    if n > 3 {
        v.push(format!("and {} more", n - 3));
    }
    v.join("; ")
}

/// A failing error finding as evidence: "CODE (tcp.stream eq N, frames A,
/// B, C and 5 more): title", then how many other error findings there are
/// (in the whole capture: those past the 1,000 kept included). The place
/// goes before the title, which often ends in a parenthesis of its own
/// (the identity, a status), so that no ") (" follows it.
fn error_evidence(f: &Finding, others: u64) -> String {
    let mut place = Vec::new();
    let mut filter = String::new();
    if f.stream_filter(&mut filter) {
        place.push(filter);
    }
    if !f.frames.is_empty() {
        let shown: Vec<String> = f.frames.iter().take(3).map(u64::to_string).collect();
        let word = if f.frames.len() == 1 {
            "frame"
        } else {
            "frames"
        };
        let mut frames = format!("{word} {}", shown.join(", "));
        if f.frames.len() > 3 {
            frames.push_str(&format!(" and {} more", f.frames.len() - 3));
        }
        place.push(frames);
    }
    let mut text = f.code.to_string();
    if !place.is_empty() {
        text.push_str(&format!(" ({})", place.join(", ")));
    }
    text.push_str(&format!(": {}", f.title));
    if others > 0 {
        text.push_str(&format!("; and {others} other error finding(s)"));
    }
    text
}

pub fn expect_success(model: &Model, d: &Diagnosis) -> CheckResult {
    let ok: Vec<&Session> = model
        .sessions
        .iter()
        .filter(|s| s.outcome == Outcome::Success && identity_unknown(s).is_none())
        .collect();
    let cut: Vec<String> = model
        .sessions
        .iter()
        .filter(|s| s.outcome == Outcome::Success)
        .filter_map(identity_unknown)
        .collect();
    // Logons whose answer a one-sided capture lacks.
    let unseen: Vec<String> = model
        .sessions
        .iter()
        .filter_map(|s| server_side_missing(model, s))
        .collect();
    let first_error = d.findings.iter().find(|f| f.severity == Severity::Error);
    match (ok.first(), first_error) {
        (Some(s), None) => result(
            "expect-success",
            true,
            format!("{} set up, no error found", describe(s)),
        ),
        (_, Some(f)) => {
            let others = d.total(Severity::Error).saturating_sub(1);
            result("expect-success", false, error_evidence(f, others))
        }
        (None, None) if !cut.is_empty() => cannot_tell("expect-success", &some(cut)),
        (None, None) if !unseen.is_empty() => cannot_tell("expect-success", &some(unseen)),
        (None, None) => {
            let seen: Vec<String> = model
                .sessions
                .iter()
                .map(|s| format!("{} {}", describe(s), s.outcome.as_str()))
                .collect();
            let ev = if seen.is_empty() {
                "no session setup in the capture".to_string()
            } else {
                some(seen)
            };
            result("expect-success", false, ev)
        }
    }
}

/// A status by name ("STATUS_LOGON_FAILURE", "LOGON_FAILURE") or value
/// ("0xC000006D"), or an SMB1 error in the DOS form by its [MS-CIFS]
/// 2.2.2.4 name ("ERRDOS/ERRnoaccess", as the report writes it; see
/// [`ntstatus::dos`]), as the model keeps it.
///
/// A number is an NTSTATUS, never the DOS form: a DOS-form error is kept
/// apart from every NTSTATUS by a value with the N bit (0x10000000) set,
/// which [MS-ERREF] 2.3 reserves and no NTSTATUS has, so a number with
/// that bit is refused rather than taken for one (the DOS form's bytes as
/// sent, 0x00050001 for ERRDOS/ERRnoaccess, are an NTSTATUS's number, and
/// match only that NTSTATUS).
pub fn status_code(s: &str) -> Result<u32, String> {
    let t = s.trim();
    if t.contains('/') {
        return ntstatus::dos::by_name(t)
            .map(|st| st.0)
            .ok_or_else(|| format!("unknown SMB1 DOS-form error {s:?}"));
    }
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        let n = u32::from_str_radix(h, 16).map_err(|_| format!("not an NTSTATUS: {s:?}"))?;
        if n & NTSTATUS_N_BIT != 0 {
            return Err(format!(
                "not an NTSTATUS: {s:?} has the N bit (0x10000000), which [MS-ERREF] 2.3 reserves; give an SMB1 error in the DOS form by name, e.g. ERRDOS/ERRnoaccess"
            ));
        }
        return Ok(n);
    }
    let upper = t.to_ascii_uppercase();
    let name = if upper.starts_with("STATUS_") {
        upper
    } else {
        format!("STATUS_{upper}")
    };
    ntstatus::by_name(&name)
        .map(|e| e.code)
        .ok_or_else(|| format!("unknown NTSTATUS name {s:?}"))
}

/// What `--expect-status` looks for: an NTSTATUS (or the DOS form's
/// value) in SMB responses, or a Kerberos error code in KRB-ERRORs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    Nt(u32),
    Krb(i32),
}

/// `--expect-status`'s forms: a Kerberos error by name
/// (`KDC_ERR_PREAUTH_FAILED`, `KRB_AP_ERR_TKT_NYV`, any case) or as
/// `krb:24` / `krb:KDC_ERR_PREAUTH_FAILED` (as `smbscope status` takes
/// them), otherwise what [`status_code`] reads.
pub fn wanted_status(s: &str) -> Result<Wanted, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let kerberos = ["krb:", "kerberos:", "krb_", "kdc_"]
        .iter()
        .any(|p| lower.starts_with(p));
    if kerberos {
        // Read as `smbscope status` reads a query.
        return match ntstatus::parse_query(t) {
            ntstatus::Query::Kerberos(code) => Ok(Wanted::Krb(code)),
            _ => Err(format!("unknown Kerberos error {s:?}")),
        };
    }
    status_code(t).map(Wanted::Nt)
}

/// "KDC_ERR_PREAUTH_FAILED (24)", "krb:99" for a code without a name.
fn krb_name(code: i32) -> String {
    match ntstatus::kerberos::name(code) {
        Some(n) => format!("{n} ({code})"),
        None => format!("krb:{code}"),
    }
}

/// `--expect-status` with a Kerberos error: a KRB-ERROR the KDC sent
/// (port 88), or one inside a SESSION_SETUP response's SPNEGO token.
fn expect_krb_error(model: &Model, name: String, code: i32) -> CheckResult {
    let want = krb_name(code);
    for s in &model.sessions {
        if let Some(r) = s
            .rounds
            .iter()
            .find(|r| r.kerberos_error_code() == Some(code))
        {
            return result(
                name,
                true,
                format!(
                    "{}: its SESSION_SETUP response (frame {}) carried KRB-ERROR {want}",
                    describe(s),
                    r.response_frame.unwrap_or(r.request_frame)
                ),
            );
        }
    }
    if let Some(x) = model.kdc.iter().find(|x| x.error_code == Some(code)) {
        return result(
            name,
            true,
            format!(
                "the KDC answered {} ({} stream {}, frame {}) with KRB-ERROR {want}",
                x.request,
                x.transport,
                x.stream,
                x.reply_frame.unwrap_or(x.request_frame)
            ),
        );
    }
    let mut seen: Vec<(u64, i32)> = model
        .sessions
        .iter()
        .flat_map(|s| s.rounds.iter())
        .filter_map(|r| Some((r.response_frame?, r.kerberos_error_code()?)))
        .chain(
            model
                .kdc
                .iter()
                .filter_map(|x| Some((x.reply_frame?, x.error_code?))),
        )
        .collect();
    seen.sort_unstable();
    let mut distinct: Vec<i32> = Vec::new();
    let mut list = Vec::new();
    for (frame, c) in seen {
        if !distinct.contains(&c) {
            distinct.push(c);
            list.push(format!("{} (frame {frame})", krb_name(c)));
        }
    }
    let text = if list.is_empty() {
        format!("{want} not seen: no KRB-ERROR in the capture (KDC exchanges on port 88, SESSION_SETUP tokens)")
    } else {
        format!(
            "{want} not in any KRB-ERROR; {} distinct error(s) seen: {}",
            list.len(),
            some(list)
        )
    };
    result(name, false, text)
}

/// The N bit of an NTSTATUS, reserved ([MS-ERREF] 2.3).
const NTSTATUS_N_BIT: u32 = 0x1000_0000;

pub fn expect_status(model: &Model, wanted: &str) -> CheckResult {
    let name = format!("expect-status {wanted}");
    let code = match wanted_status(wanted) {
        Ok(Wanted::Nt(c)) => c,
        Ok(Wanted::Krb(c)) => return expect_krb_error(model, name, c),
        Err(e) => return result(name, false, e),
    };
    let st = NtStatus(code).to_string();
    if let Some(s) = model
        .sessions
        .iter()
        .find(|s| s.status == Some(NtStatus(code)))
    {
        return result(name, true, format!("{} ended with {st}", describe(s)));
    }
    if let Some(t) = model
        .trees
        .iter()
        .find(|t| t.status == Some(NtStatus(code)))
    {
        return result(
            name,
            true,
            format!(
                "TREE_CONNECT {} (stream {}, frame {}) answered {st}",
                t.share,
                t.stream,
                t.response_frame.or(t.request_frame).unwrap_or_default()
            ),
        );
    }
    for c in &model.connections {
        if let Some(e) = c.errors.iter().find(|e| e.status_code == code) {
            return result(
                name,
                true,
                format!(
                    "{} answered {st} (stream {}, frame {})",
                    e.command, c.stream, e.frame
                ),
            );
        }
    }
    if let Some(x) = model.statuses.get(&code) {
        return result(
            name,
            true,
            format!(
                "{} response (stream {}, frame {}) carried {st}",
                x.command, x.stream, x.frame
            ),
        );
    }
    // First carried outside a check's filter: a kept connection may have
    // carried it later, which the model does not keep.
    if let Some(&(_, stream)) = model.statuses_outside.iter().find(|(c, _)| *c == code) {
        return cannot_tell(
            name,
            &format!("the capture's first response with {st} is on tcp.stream {stream}, which the filter leaves out, and only the first response of each status is kept; check without --user, --host or --stream, or with --stream {stream}"),
        );
    }
    // What the responses did carry, in the order they came.
    let mut seen: Vec<(&u32, &crate::session::StatusSeen)> = model.statuses.iter().collect();
    seen.sort_unstable_by_key(|(c, x)| (x.frame, **c));
    let seen: Vec<String> = seen
        .into_iter()
        .map(|(c, x)| format!("{} (frame {})", NtStatus(*c), x.frame))
        .collect();
    let mut text = if seen.is_empty() {
        format!("{st} not seen: no SMB2 or SMB1 response in the capture")
    } else {
        format!(
            "{st} not in any SMB2 or SMB1 response; {} distinct status(es) seen: {}",
            seen.len(),
            some(seen)
        )
    };
    if model.statuses_omitted > 0 {
        text.push_str(&format!(
            "; {} response(s) carried statuses past the first {} distinct ones, not kept",
            model.statuses_omitted,
            crate::session::MAX_STATUSES
        ));
    }
    result(name, false, text)
}

/// "kerberos"/"krb5" → "kerberos"; "ntlm"/"ntlmssp" → "ntlmssp".
pub fn mechanism_name(m: &str) -> Result<&'static str, String> {
    match m.trim().to_ascii_lowercase().as_str() {
        "kerberos" | "krb5" => Ok("kerberos"),
        "ntlm" | "ntlmssp" => Ok("ntlmssp"),
        "negoex" => Ok("negoex"),
        _ => Err(format!(
            "unknown mechanism {m:?}; one of kerberos, ntlm, negoex"
        )),
    }
}

pub fn expect_mechanism(model: &Model, wanted: &str) -> CheckResult {
    let name = format!("expect-mechanism {wanted}");
    let want = match mechanism_name(wanted) {
        Ok(m) => m,
        Err(e) => return result(name, false, e),
    };
    let with: Vec<&Session> = model
        .sessions
        .iter()
        .filter(|s| s.mechanism.is_some())
        .collect();
    let unknown = mechanisms_unknown(model);
    if with.is_empty() {
        if !unknown.is_empty() {
            return cannot_tell(name, &some(unknown));
        }
        return result(name, false, "no session setup with a known mechanism");
    }
    let bad: Vec<String> = with
        .iter()
        // An SMB1 logon without SPNEGO (mechanism "ntlm") is NTLM too.
        .filter(|s| {
            s.mechanism != Some(want) && !(want == "ntlmssp" && s.mechanism == Some(MECHANISM_NTLM))
        })
        .map(|s| format!("{} used {}", describe(s), s.mechanism.unwrap_or("?")))
        .collect();
    if !bad.is_empty() {
        let mut t = some(bad);
        if !unknown.is_empty() {
            t.push_str(&format!("; cannot tell for {} more", unknown.len()));
        }
        result(name, false, t)
    } else if !unknown.is_empty() {
        cannot_tell(name, &some(unknown))
    } else {
        let all = match want {
            "ntlmssp" => "NTLM (NTLMSSP, or an SMB1 logon without SPNEGO)",
            w => w,
        };
        result(name, true, format!("{} session(s), all {all}", with.len()))
    }
}

/// The sessions whose mechanism the capture does not show: those whose
/// SESSION_SETUP it cut ([`mechanism_unknown`]), and those whose
/// SESSION_SETUP it lacks (set up before it began, or in a part it lost),
/// which its other messages do not tell.
fn mechanisms_unknown(model: &Model) -> Vec<String> {
    let mut v = unknowns(model, mechanism_unknown);
    v.extend(untracked_setups(model));
    v.extend(
        pre_capture(model)
            .map(|(c, u)| format!("{}, so its mechanism is not known", pre_capture_place(c, u))),
    );
    v
}

/// What the capture shows of a session's signing, and whether that makes
/// it signed or encrypted ([`Session::signed_or_encrypted`]): "4 of 24
/// message(s) after its setup signed; the first unsigned: frame 14", or,
/// with no message after the setup, what NEGOTIATE and the setup said
/// ([`Session::signed`]), Err (cannot tell) where they do not show it (no
/// NEGOTIATE in the capture, and a final SESSION_SETUP response that does
/// not settle it).
/// Err (cannot tell) when every message after the setup was signed, none
/// encrypted, but only ones [MS-SMB2] signs in a session that signs
/// nothing else ([`Session::signed_regardless_after_setup`]: SMB 3.1.1's
/// TREE_CONNECT), unless NEGOTIATE required signing for a session of the
/// user's own, as for a session with no message after its setup: the rule
/// [`pre_capture_signing`] follows.
pub fn signing_seen(model: &Model, s: &Session) -> Result<(bool, String), String> {
    let ok = s.signed_or_encrypted();
    let n = model
        .connection(s.stream)
        .and_then(|c| c.negotiate.as_ref());
    let who = match n.map(|n| (n.client_signing_required, n.server_signing_required)) {
        Some((true, true)) => Some("both sides"),
        Some((true, false)) => Some("the client"),
        Some((false, true)) => Some("the server"),
        _ => None,
    };
    if s.messages_after_setup > 0 {
        let counts = SignedCounts {
            messages: s.messages_after_setup,
            signed: s.signed_after_setup,
            encrypted: s.encrypted_after_setup,
            regardless: s.signed_regardless_after_setup,
            first_unsigned: s.first_unsigned_frame,
            compressed: s.compressed_after_setup,
        };
        let t = counts.text("after its setup");
        if counts.regardless_only(ok) {
            let t = format!("{t}, but only {REGARDLESS}");
            return match (who, by_setup(s)) {
                (Some(w), _) if s.outcome == Outcome::Success => Ok((
                    true,
                    format!("{t}; signing required by {w} in NEGOTIATE, so both sides must sign"),
                )),
                (None, Some(b)) if s.outcome == Outcome::Success => Ok((true, format!("{t}; {b}"))),
                _ => Err(t),
            };
        }
        return Ok((ok, t));
    }
    let mut t = "no message after its setup".to_string();
    if s.compressed_after_setup > 0 {
        t = "no message after its setup whose header could be read".to_string();
    }
    if s.encrypted {
        t.push_str("; the server asked for encryption (SessionFlags ENCRYPT_DATA)");
    }
    let smb1 = model
        .connection(s.stream)
        .and_then(|c| c.smb1_negotiate.as_deref())
        .filter(|n| n.answer == Some("smb1"));
    let who = who.or_else(|| smb1.filter(|n| n.signing_required).map(|_| "the server"));
    let negotiate = if smb1.is_some() {
        "its SMB1 NEGOTIATE"
    } else {
        "NEGOTIATE"
    };
    let final_signed = s.final_response_signed.map(|f| {
        let command = if smb1.is_some() {
            "SESSION_SETUP_ANDX"
        } else {
            "SESSION_SETUP"
        };
        format!("its final {command} response (frame {f}) was signed")
    });
    match (who, s.signed) {
        (Some(w), Some(true)) => t.push_str(&format!(
            "; signing required by {w} in {negotiate}, so both sides must sign"
        )),
        (None, Some(true)) if by_setup(s).is_some() => {
            t.push_str(&format!("; {}", by_setup(s).unwrap_or_default()))
        }
        (Some(w), _) => t.push_str(&format!(
            "; signing required by {w} in {negotiate}, but {} session is not signed",
            a_session(s.outcome)
        )),
        (None, Some(true)) if smb1.is_some() => t.push_str(&format!(
            "; {}: SMB1 signing is active on the connection, activated by this logon, and signs every message after it ([MS-CIFS] 3.2.5.3, 3.3.5.3)",
            final_signed.unwrap_or_default()
        )),
        (None, Some(true)) => t.push_str(&format!(
            "; {}, which in SMB 2.0.2 and 2.1 the server does only for a session that requires signing, all of whose messages are signed ([MS-SMB2] 3.3.5.5.3, 3.2.4.1.1)",
            final_signed.unwrap_or_default()
        )),
        (None, Some(false)) if s.outcome != Outcome::Success => {
            t.push_str(&format!("; {} session is not signed", a_session(s.outcome)))
        }
        (None, Some(false)) => {
            t.push_str(&format!("; neither side required signing in {negotiate}"))
        }
        (None, None) => {
            let mut why = format!("{t}, and the capture lacks the NEGOTIATE (or half of it) that would show whether signing was required");
            if let Some(f) = final_signed {
                why.push_str(&format!("; {f}, which shows the session has a key, not that it signs: SMB 3.x signs that response in every session with a key ([MS-SMB2] 3.3.5.5.3), 2.0.2 and 2.1 only in one that requires signing, and the dialect is not in the capture"));
            }
            why.push_str(&compressed_unchecked(s.compressed_after_setup));
            return Err(why);
        }
    }
    t.push_str(&compressed_unchecked(s.compressed_after_setup));
    Ok((ok, t))
}

/// "signing required by the client in its SESSION_SETUP request (frame
/// 14), …": what a session's setup said of signing when NEGOTIATE did not
/// say it ([`Session::setup_signing_required`]).
fn by_setup(s: &Session) -> Option<String> {
    s.setup_signing_required.map(|f| {
        format!("signing required by the client in its SESSION_SETUP request (frame {f}), whose SecurityMode has SIGNING_REQUIRED as a client's does when it requires signing ([MS-SMB2] 3.2.4.2.3), so the client signs the session of the user's own it set up ([MS-SMB2] 3.2.4.1.1)")
    })
}

/// "a guest", "an anonymous": the outcome with its article.
fn a_session(o: Outcome) -> String {
    let article = if o == Outcome::Anonymous { "an" } else { "a" };
    format!("{article} {}", o.as_str())
}

/// What a signed session may show that proves nothing of its signing.
const REGARDLESS: &str = "TREE_CONNECT or SESSION_SETUP ones, which SMB 3.x signs also in a session that signs nothing else ([MS-SMB2] 3.3.5.7, 3.3.5.5.3)";

/// What a session's messages show of its signing, as [`signing_seen`]
/// (a session set up in the capture, its messages after the setup) and
/// [`pre_capture_signing`] (one set up before it) count them.
struct SignedCounts {
    messages: u64,
    signed: u64,
    encrypted: u64,
    /// Of the signed, those SMB signs whatever the session ([`REGARDLESS`]).
    regardless: u64,
    first_unsigned: Option<u64>,
    compressed: u64,
}

impl SignedCounts {
    /// "4 of 24 message(s) PLACE signed, 2 encrypted; the first unsigned:
    /// frame 14", and the compression transforms not checked.
    fn text(&self, place: &str) -> String {
        let mut t = format!(
            "{} of {} message(s) {place} signed",
            self.signed, self.messages
        );
        if self.encrypted > 0 {
            t.push_str(&format!(", {} encrypted", self.encrypted));
        }
        if let Some(f) = self.first_unsigned {
            t.push_str(&format!("; the first unsigned: frame {f}"));
        }
        t.push_str(&compressed_unchecked(self.compressed));
        t
    }

    /// Every message signed or encrypted (`ok`), none encrypted, and the
    /// signed only those SMB signs whatever the session: they show nothing
    /// of the session's own signing.
    fn regardless_only(&self, ok: bool) -> bool {
        ok && self.encrypted == 0 && self.regardless >= self.signed
    }
}

/// "; 2 compressed message(s) on its connection could not be checked": the
/// compression transforms after the setup, whose SMB2 header (its signing
/// flag, its SessionId) is compressed ([`Session::compressed_after_setup`]);
/// empty without any.
fn compressed_unchecked(compressed: u64) -> String {
    match compressed {
        0 => String::new(),
        n => format!(
            "; {n} compressed message(s) on its connection could not be checked (the SMB2 header inside is compressed, not decompressed here)"
        ),
    }
}

/// What the capture shows of a session's encryption: every message of it
/// after its setup in a TRANSFORM header ("12 of 12 message(s) after its
/// setup encrypted"), or, with none after the setup, the server's
/// SessionFlags ENCRYPT_DATA. One encrypted message, or the flag, is not
/// enough when plain messages follow the setup (a share that requires
/// encryption on a session that does not).
pub fn encryption_seen(s: &Session) -> (bool, String) {
    if s.messages_after_setup == 0 {
        return if Encryption::of(s) == Encryption::Required {
            (true, "no message after its setup; the server asked for encryption (SessionFlags ENCRYPT_DATA)".to_string())
        } else {
            (
                false,
                "no message after its setup, and no ENCRYPT_DATA in its SessionFlags".to_string(),
            )
        };
    }
    let ok = s.encrypted_after_setup == s.messages_after_setup;
    let mut t = format!(
        "{} of {} message(s) after its setup encrypted",
        s.encrypted_after_setup, s.messages_after_setup
    );
    if let Some(f) = s.first_unencrypted_frame {
        t.push_str(&format!(
            "; the first outside a TRANSFORM header: frame {f}"
        ));
    }
    if s.compressed_after_setup > 0 {
        // Sent in the clear, but of which session the compressed header hides.
        t.push_str(&format!(
            "; {} compressed message(s) on its connection, not encrypted, could not be told to be its own (the SessionId inside is compressed)",
            s.compressed_after_setup
        ));
    }
    (ok, t)
}

/// A connection's SMB messages (SMB2, its transforms, SMB1): its
/// messages but the NetBIOS session packets.
pub(super) fn smb_messages(c: &Connection) -> u64 {
    c.messages.saturating_sub(c.netbios_messages)
}

/// The last request of a session's setup that the capture cut before its
/// security token ([`crate::session::Round::token_cut`]: snaplen, lost
/// bytes): what it carried is not known.
fn cut_request(s: &Session) -> Option<u64> {
    s.rounds
        .iter()
        .rev()
        .find(|r| r.token_cut)
        .map(|r| r.request_frame)
}

/// "cannot tell: ..." for a session one of whose facts the capture cut off.
fn cut_off(s: &Session, what: &str) -> Option<String> {
    let f = cut_request(s)?;
    // "session 0x54402ac0 (stream 0, frames 8-11), an identity the capture
    // cut off: the capture cut ...": the identity set off by a comma.
    Some(format!(
        "{}, {}: the capture cut its SESSION_SETUP request (frame {f}) before the security token, so {what} is not known",
        place(s),
        crate::diagnose::identity(s)
    ))
}

/// The NTLM response a session sent is not known: none was read, the
/// session is not a Kerberos one, and a request of its setup was cut
/// before its token (the AUTHENTICATE may be the one cut).
fn response_unknown(s: &Session) -> Option<String> {
    if s.ntlm_response.is_some() || s.mechanism == Some("kerberos") {
        return None;
    }
    cut_off(s, "which response it sent")
}

/// Whether a session sent its password in clear is not known: as for
/// [`response_unknown`], on a connection that may have asked for one. A
/// password goes in clear only in an SMB1 logon to a server whose
/// NEGOTIATE asked for it ([MS-CIFS] 2.2.4.52.2, 3.2.4.2.4): not when the
/// connection negotiated SMB2, or SMB1 with encrypted passwords.
fn plaintext_unknown(model: &Model, s: &Session) -> Option<String> {
    let cannot = model.connection(s.stream).is_some_and(|c| {
        // The server answered in SMB2 (the dialect may be cut off).
        c.negotiate
            .as_ref()
            .is_some_and(|n| n.response_frame.is_some() || n.dialect.is_some())
            || c.smb1_negotiate
                .as_ref()
                .is_some_and(|n| n.response_frame.is_some() && !n.plaintext_passwords)
    });
    if cannot {
        return None;
    }
    response_unknown(s)
}

/// The session's mechanism is not known: its tokens were cut.
fn mechanism_unknown(s: &Session) -> Option<String> {
    if s.mechanism.is_some() {
        return None;
    }
    cut_off(s, "its mechanism")
}

/// Who a session set up with success logged on as is not known: the
/// capture cut the token that named them (an anonymous NTLM AUTHENTICATE
/// the server did not flag IS_NULL looks the same).
fn identity_unknown(s: &Session) -> Option<String> {
    if s.user.is_some() || s.client_principal.is_some() || s.ntlm_response.is_some() {
        return None;
    }
    cut_off(s, "who it logged on as")
}

/// The enctype of a Kerberos (or unknown mechanism) session's ticket is
/// not known: its AP-REQ was cut.
fn enctype_unknown(s: &Session) -> Option<String> {
    if s.ticket_enctype.is_some() || !matches!(s.mechanism, None | Some("kerberos")) {
        return None;
    }
    cut_off(s, "its ticket's enctype")
}

/// The facts of `unknown` sessions, for a deny that cannot tell.
fn unknowns(model: &Model, f: impl Fn(&Session) -> Option<String>) -> Vec<String> {
    model.sessions.iter().filter_map(f).collect()
}

fn offenders(model: &Model, f: impl Fn(&Session) -> bool, what: &str) -> Vec<String> {
    model
        .sessions
        .iter()
        .filter(|s| f(s))
        .map(|s| format!("{} {what}", describe(s)))
        .collect()
}

/// The connections that carried a session whose SESSION_SETUP is not in
/// the capture ([`Connection::unseen_setup_messages`]), SMB1 ones only
/// with `smb1`: how it logged on is not known.
fn unseen_setups(model: &Model, smb1: bool) -> Vec<String> {
    unseen_setup_lines(model, |c| !smb1 || c.unseen_setup_smb1)
}

/// [`unseen_setups`] of the connections `keep` keeps.
fn unseen_setup_lines(model: &Model, keep: impl Fn(&Connection) -> bool) -> Vec<String> {
    model
        .connections
        .iter()
        .filter(|c| c.unseen_setup_messages > 0 && keep(c))
        .map(|c| {
            format!(
                "stream {}: {} server message(s) of a session whose SESSION_SETUP the capture lacks (the first: frame {})",
                c.stream,
                c.unseen_setup_messages,
                c.first_unseen_setup_frame.unwrap_or(c.first_frame)
            )
        })
        .collect()
}

/// The sessions whose SESSION_SETUP the capture lacks that the server
/// answered for ([`UnseenSetup::shown_frame`]), on connections whose such
/// sessions are all followed (not [`Connection::unseen_setup_untracked`]).
fn pre_capture(model: &Model) -> impl Iterator<Item = (&Connection, &UnseenSetup)> {
    model
        .connections
        .iter()
        .filter(|c| !c.unseen_setup_untracked)
        .flat_map(|c| {
            c.unseen_setup_sessions
                .iter()
                .filter(|u| u.shown_frame.is_some())
                .map(move |u| (c, u))
        })
}

/// The connections whose sessions without a SESSION_SETUP in the capture
/// are not all followed ([`Connection::unseen_setup_untracked`]): as
/// [`unseen_setups`] says them, a check of what those sessions are
/// cannot tell.
fn untracked_setups(model: &Model) -> Vec<String> {
    unseen_setup_lines(model, |c| c.unseen_setup_untracked)
}

/// The SessionIds a client went on with after a SESSION_SETUP whose
/// response a one-sided capture lacks ([`UnseenSetup::went_on_from`]):
/// judged by the requests the client sent with them, as a session set up
/// before the capture is by its messages.
fn went_on(model: &Model) -> impl Iterator<Item = (&Connection, &UnseenSetup)> {
    model.connections.iter().flat_map(|c| {
        c.unseen_setup_sessions
            .iter()
            .filter(|u| u.went_on_from.is_some())
            .map(move |u| (c, u))
    })
}

/// "session 0x3c231cc0 (stream 0, frames 2-53), its SESSION_SETUP not in
/// the capture"; for a SessionId the client went on with, "session
/// 0x240004000045 (stream 0, frames 5-82), its SESSION_SETUP response not
/// in the capture (connection.one_sided), the client's requests with it
/// from frame 6".
fn pre_capture_place(c: &Connection, u: &UnseenSetup) -> String {
    if let Some(from) = u.went_on_from {
        return format!(
            "session {} (stream {}, frames {from}-{}), its SESSION_SETUP response not in the capture (connection.one_sided), the client's requests with it from frame {}",
            HexId(u.session_id),
            c.stream,
            u.last_frame,
            u.first_frame
        );
    }
    let frames = if u.first_frame == u.last_frame {
        format!("frame {}", u.first_frame)
    } else {
        format!("frames {}-{}", u.first_frame, u.last_frame)
    };
    format!(
        "session {} (stream {}, {frames}), its SESSION_SETUP not in the capture",
        HexId(u.session_id),
        c.stream
    )
}

/// Why a session whose SESSION_SETUP the capture lacks cannot be judged:
/// no message of it was counted.
const NONE_COUNTED: &str = "none of its messages counted (only what may go unsigned in a signed session: interim responses, CANCEL requests, notifications)";

/// What a session whose SESSION_SETUP the capture lacks shows of its
/// signing, as [`signing_seen`] for one set up in it: "4 of 24 message(s)
/// of it seen signed; the first unsigned: frame 14". Err (cannot tell)
/// when no message of it was counted, or when every one was signed and
/// none encrypted but the signed are TREE_CONNECT and SESSION_SETUP
/// messages alone, which SMB 3.x signs in a session that signs nothing
/// else ([`UnseenSetup::signed_regardless`]).
fn pre_capture_signing(u: &UnseenSetup) -> Result<(bool, String), String> {
    if u.messages == 0 {
        return Err(NONE_COUNTED.to_string());
    }
    let counts = SignedCounts {
        messages: u.messages,
        signed: u.signed,
        encrypted: u.encrypted,
        regardless: u.signed_regardless,
        first_unsigned: u.first_unsigned_frame,
        compressed: u.compressed,
    };
    let t = counts.text("of it seen");
    let ok = u.first_unsigned_frame.is_none();
    if counts.regardless_only(ok) {
        return Err(format!("{t}, but only {REGARDLESS}"));
    }
    Ok((ok, t))
}

/// Whether a session whose SESSION_SETUP the capture lacks is shown not
/// to be a guest session (`anonymous` false) or an anonymous one (true),
/// as clients make them: Ok when its client signs it
/// ([`UnseenSetup::verified_signed`]: a signed request the server verified,
/// [MS-SMB2] 3.3.5.2.4), which Windows and Samba clients do not do in a
/// guest or anonymous session; against guest also when the server
/// encrypts it ([`UnseenSetup::server_encrypted`], 3.2.4.1.8). Not a proof
/// against a client that signs a guest session with the all-zero key
/// Samba gives one. Err (cannot tell) otherwise. Never a failure: nothing
/// shows such a session is one. An SMB1 UID shows nothing by its signing:
/// SMB1 signs every message of a connection with the key of the first
/// session that had one ([MS-CIFS] 3.2.1.2 Client.Connection.SigningSessionKey, 3.2.5.3).
fn pre_capture_key(u: &UnseenSetup, anonymous: bool) -> Result<(bool, String), String> {
    let what = if anonymous { "an anonymous" } else { "a guest" };
    if u.smb1 {
        return Err(format!(
            "an SMB1 UID, whose signing shows nothing of it (SMB1 signs every message of a connection with the key of its first session, [MS-CIFS] 3.2.1.2), so whether it is {what} session is not known"
        ));
    }
    if let Some((request, response)) = u.verified_signed {
        return Ok((
            true,
            format!(
                "the server answered its signed request of frame {request} without an error (frame {response}), having verified the signature ([MS-SMB2] 3.3.5.2.4): its client signs it, which Windows and Samba clients do not do in {what} session"
            ),
        ));
    }
    match u.server_encrypted {
        Some(f) if !anonymous => Ok((
            true,
            format!(
                "the server sent it a TRANSFORM (frame {f}): it is encrypted, which a guest session is not ([MS-SMB2] 3.2.4.1.8)"
            ),
        )),
        _ => Err(format!(
            "no request of it signed (other than those SMB signs whatever the session) and answered without an error{}, so whether it is {what} session is not known",
            if anonymous { "" } else { ", and no TRANSFORM from the server" }
        )),
    }
}

/// What a session whose SESSION_SETUP the capture lacks shows of its
/// encryption, as [`encryption_seen`]: "12 of 12 message(s) of it seen
/// encrypted", or the first outside a TRANSFORM header. Err (cannot tell)
/// when no message of it was counted.
fn pre_capture_encryption(u: &UnseenSetup) -> Result<(bool, String), String> {
    if u.messages == 0 {
        return Err(NONE_COUNTED.to_string());
    }
    let mut t = format!(
        "{} of {} message(s) of it seen encrypted",
        u.encrypted, u.messages
    );
    if let Some(f) = u.first_unencrypted_frame {
        t.push_str(&format!(
            "; the first outside a TRANSFORM header: frame {f}"
        ));
    }
    if u.compressed > 0 {
        t.push_str(&format!(
            "; {} compressed message(s) on its connection, not encrypted, could not be told to be its own (the SessionId inside is compressed)",
            u.compressed
        ));
    }
    Ok((u.encrypted == u.messages, t))
}

/// The sessions whose SESSION_SETUP the capture lacks, judged
/// ([`judge_pre_capture`]): those that are ("…: 23 of 23 message(s) of it
/// seen signed"), those that are not ("…, not signed: …"), and those it
/// cannot tell (no message counted, or a connection whose such sessions
/// are not all followed).
struct PreCaptureJudged {
    ok: Vec<String>,
    bad: Vec<String>,
    unknown: Vec<String>,
}

/// What a session that fails `--deny unsigned` is, by its counts: "neither
/// signed nor encrypted" when none of its messages was either, else "not
/// all signed or encrypted" (8 of 266 signed is not "neither").
fn not_signed(signed: u64, encrypted: u64) -> &'static str {
    not_signed_or(signed, encrypted, "neither signed nor encrypted")
}

/// [`not_signed`], saying `none` when none of its messages was signed or
/// encrypted (`--require signing`: "not signed").
fn not_signed_or(signed: u64, encrypted: u64, none: &'static str) -> &'static str {
    if signed == 0 && encrypted == 0 {
        none
    } else {
        "not all signed or encrypted"
    }
}

/// What a session that fails `--deny unencrypted` is, by its counts: "not
/// encrypted" when none of its messages was, else "not all encrypted".
fn not_encrypted(encrypted: u64) -> &'static str {
    if encrypted == 0 {
        "not encrypted"
    } else {
        "not all encrypted"
    }
}

/// Judges the sessions whose SESSION_SETUP the capture lacks by `seen`
/// ([`pre_capture_signing`], [`pre_capture_encryption`]); `not` says what
/// one that fails is not, by its counts.
fn judge_pre_capture(
    model: &Model,
    not: impl Fn(&UnseenSetup) -> &'static str,
    seen: impl Fn(&UnseenSetup) -> Result<(bool, String), String>,
) -> PreCaptureJudged {
    let mut j = PreCaptureJudged {
        ok: Vec::new(),
        bad: Vec::new(),
        unknown: untracked_setups(model),
    };
    for (c, u) in pre_capture(model).chain(went_on(model)) {
        let place = pre_capture_place(c, u);
        match seen(u) {
            Ok((true, t)) => j.ok.push(format!("{place}: {t}")),
            Ok((false, t)) => j.bad.push(format!("{place}, {}: {t}", not(u))),
            Err(why) => j.unknown.push(format!("{place}: {why}")),
        }
    }
    j
}

pub fn deny(model: &Model, what: &str) -> CheckResult {
    if let Some(r) = super::dialect::deny(model, what) {
        return r;
    }
    let name = format!("deny {what}");
    // What the capture cut off: a deny cannot pass on it.
    let mut unknown: Vec<String> = match what {
        "ntlmv1" | "lm" => unknowns(model, response_unknown),
        "plaintext" => unknowns(model, |s| plaintext_unknown(model, s)),
        "ntlm" => unknowns(model, mechanism_unknown),
        "anonymous" => unknowns(model, |s| {
            (s.outcome == Outcome::Success)
                .then(|| identity_unknown(s))
                .flatten()
        }),
        "weak-enctype" => {
            let mut v = unknowns(model, enctype_unknown);
            v.extend(
                model
                    .kdc
                    .iter()
                    .filter(|x| {
                        x.ticket_enctype.is_none()
                            && x.reply.is_some_and(|r| {
                                r == crate::auth::kerberos::KrbMsgType::AS_REP
                                    || r == crate::auth::kerberos::KrbMsgType::TGS_REP
                            })
                    })
                    .map(|x| {
                        format!(
                            "{} frame {}: the ticket's enctype of its reply (frame {}) could not be read",
                            x.request,
                            x.request_frame,
                            x.reply_frame.unwrap_or(x.request_frame)
                        )
                    }),
            );
            v
        }
        _ => Vec::new(),
    };
    // A session of the capture that it does not show logging on: a deny of
    // how sessions logged on, or of what they are (guest, anonymous),
    // cannot pass on it. A password goes in clear in SMB1 only. Whether
    // such a session is signed or encrypted, the capture shows: its
    // messages are judged as a session's after its setup.
    let mut pre = None;
    match what {
        "plaintext" => unknown.extend(unseen_setups(model, true)),
        "guest" | "anonymous" => {
            let anonymous = what == "anonymous";
            pre = Some(judge_pre_capture(
                model,
                |_| "",
                |u| pre_capture_key(u, anonymous),
            ))
        }
        "unsigned" => {
            pre = Some(judge_pre_capture(
                model,
                |u| not_signed(u.signed, u.encrypted),
                pre_capture_signing,
            ))
        }
        "unencrypted" => {
            pre = Some(judge_pre_capture(
                model,
                |u| not_encrypted(u.encrypted),
                pre_capture_encryption,
            ))
        }
        _ => unknown.extend(unseen_setups(model, false)),
    }
    if matches!(what, "guest" | "anonymous" | "unsigned" | "unencrypted") {
        unknown.extend(unknowns(model, |s| server_side_unjudged(model, s)));
    }
    let (pre_ok, pre_bad) = match pre {
        Some(j) => {
            unknown.extend(j.unknown);
            (j.ok, j.bad)
        }
        None => (Vec::new(), Vec::new()),
    };
    let mut bad: Vec<String> = match what {
        "ntlmv1" => offenders(
            model,
            |s| matches!(s.ntlm_response, Some("NTLMv1" | "NTLMv1-ESS")),
            "sent an NTLMv1 response",
        ),
        "lm" => offenders(
            model,
            |s| s.ntlm_response == Some("LM"),
            "sent an LM response",
        ),
        "plaintext" => offenders(
            model,
            |s| s.ntlm_response == Some("plaintext"),
            "sent its password in clear (SMB1 plaintext password)",
        ),
        "ntlm" => offenders(
            model,
            |s| matches!(s.mechanism, Some("ntlmssp" | MECHANISM_NTLM)),
            "used NTLM",
        ),
        "guest" => offenders(model, |s| s.outcome == Outcome::Guest, "is a guest session"),
        "anonymous" => offenders(
            model,
            |s| s.outcome == Outcome::Anonymous,
            "is an anonymous session",
        ),
        "unsigned" => {
            let mut bad = Vec::new();
            for s in model.sessions.iter().filter(|s| s.outcome.established()) {
                match signing_seen(model, s) {
                    Ok((true, _)) => {}
                    Ok((false, seen)) => bad.push(format!(
                        "{} {}: {seen}",
                        describe(s),
                        not_signed(s.signed_after_setup, s.encrypted_after_setup)
                    )),
                    Err(why) => unknown.push(format!("{}: {why}", describe(s))),
                }
            }
            bad
        }
        "unencrypted" => model
            .sessions
            .iter()
            .filter(|s| s.outcome.established())
            .filter_map(|s| {
                let (ok, seen) = encryption_seen(s);
                (!ok).then(|| {
                    format!(
                        "{} {}: {seen}",
                        describe(s),
                        not_encrypted(s.encrypted_after_setup)
                    )
                })
            })
            .collect(),
        "weak-enctype" => {
            let mut v = offenders(
                model,
                |s| s.ticket_enctype.is_some_and(|e| e.is_weak()),
                "used a weak ticket enctype",
            );
            v.extend(model.kdc.iter().filter_map(weak_kdc_reply));
            v
        }
        _ => vec![format!("unknown deny {what:?}")],
    };
    bad.extend(pre_bad);
    if !bad.is_empty() {
        let mut t = some(bad);
        if !unknown.is_empty() {
            t.push_str(&format!("; cannot tell for {} more", unknown.len()));
        }
        return result(name, false, t);
    }
    if !unknown.is_empty() {
        return cannot_tell(name, &some(unknown));
    }
    let mut t = format!(
        "none in {} session(s), {} connection(s)",
        model.sessions.len(),
        model.connections.len()
    );
    if what == "weak-enctype" {
        t.push_str(&format!(
            ", {} Kerberos exchange(s) with a KDC",
            model.kdc.len()
        ));
    }
    if !pre_ok.is_empty() {
        t.push_str(&format!(
            ", nor in {} session(s) whose SESSION_SETUP the capture lacks: {}",
            pre_ok.len(),
            some(pre_ok)
        ));
    }
    result(name, true, t)
}

/// What `--deny weak-enctype` holds against a KDC exchange: a reply whose
/// ticket (RFC 4120 5.3) or whose encrypted part (RFC 4120 5.4.2: in an
/// AS-REP the client's long-term key, in a TGS-REP the TGT's session key
/// or the request's subkey) uses RC4 or DES. The report's
/// `posture.weak_enctype` names an RC4 AS-REP only when the client offered
/// AES (the account has no AES key); a deny names every weak key the
/// capture shows, whoever chose it.
fn weak_kdc_reply(x: &crate::session::KdcExchange) -> Option<String> {
    let reply = x
        .reply
        .map_or_else(|| "reply".to_string(), |r| r.to_string());
    let frames = match x.reply_frame {
        Some(f) => format!("{} frame {}, {reply} frame {f}", x.request, x.request_frame),
        None => format!("{} frame {}", x.request, x.request_frame),
    };
    let ticket = x.ticket_enctype.filter(|e| e.is_weak());
    let key = x.reply_enctype.filter(|e| e.is_weak());
    match (ticket, key) {
        (None, None) => None,
        (Some(t), None) => Some(format!("{frames}: a {t} ticket")),
        (None, Some(k)) => Some(format!("{frames}: reply encrypted with {k}")),
        (Some(t), Some(k)) => Some(format!("{frames}: a {t} ticket, reply encrypted with {k}")),
    }
}

/// A `--deny-finding` pattern: a finding code of the table
/// ([`crate::diagnose::codes::CODES`]) or a prefix of some ending in a dot
/// (`attack.`), any case, spaces around it: trimmed, in lower case.
pub fn finding_pattern(p: &str) -> Result<String, String> {
    let p = p.trim().to_ascii_lowercase();
    let codes = crate::diagnose::codes::CODES;
    let known = if p.ends_with('.') {
        codes.iter().any(|(c, _, _)| c.starts_with(p.as_str()))
    } else {
        codes.iter().any(|(c, _, _)| *c == p)
    };
    if known {
        Ok(p)
    } else {
        let mut prefixes: Vec<&str> = codes
            .iter()
            .filter_map(|(c, _, _)| c.split_once('.').map(|(a, _)| a))
            .collect();
        prefixes.dedup();
        Err(format!(
            "unknown finding code {p:?}: a code of the findings table (posture.ms17_010) or a prefix ending in a dot ({})",
            prefixes
                .iter()
                .map(|x| format!("{x}."))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// `--deny-finding CODE`: no finding whose code is CODE (or starts with
/// it, for a prefix ending in a dot), whatever its severity; those past
/// the 1,000 findings kept counted from [`Diagnosis::counts`].
pub fn deny_finding(d: &Diagnosis, pattern: &str) -> CheckResult {
    let name = format!("deny-finding {pattern}");
    let matches = |code: &str| {
        if pattern.ends_with('.') {
            code.starts_with(pattern)
        } else {
            code == pattern
        }
    };
    let total: u64 = d
        .counts
        .iter()
        .filter(|c| matches(c.code))
        .map(|c| c.count)
        .sum();
    match d.findings.iter().find(|f| matches(f.code)) {
        Some(f) => {
            let mut t = error_evidence(f, 0);
            t.insert_str(0, &format!("{}: ", f.severity.as_str()));
            if total > 1 {
                t.push_str(&format!("; {} finding(s) in all", total));
            }
            result(name, false, t)
        }
        None if total > 0 => result(
            name,
            false,
            format!("{total} finding(s) past the ones kept"),
        ),
        None => result(
            name,
            true,
            format!("none among {} finding(s)", d.findings.len()),
        ),
    }
}

/// `require signing` / `require encryption`: every established session
/// passes `seen` (whose text says what the capture shows), and every
/// session whose SESSION_SETUP the capture lacks passes `pre` (judged by
/// its messages, [`judge_pre_capture`]), at least one; with none, nothing
/// to check (a failure still, told apart in the JSON).
fn every_established(
    model: &Model,
    name: String,
    all_are: &str,
    not: (
        impl Fn(&Session) -> &'static str,
        impl Fn(&UnseenSetup) -> &'static str,
    ),
    seen: impl Fn(&Session) -> Result<(bool, String), String>,
    pre: impl Fn(&UnseenSetup) -> Result<(bool, String), String>,
) -> CheckResult {
    let est: Vec<&Session> = model
        .sessions
        .iter()
        .filter(|s| s.outcome.established())
        .collect();
    let (not_session, not_unseen) = not;
    let mut pre = judge_pre_capture(model, not_unseen, pre);
    pre.unknown
        .extend(unknowns(model, |s| server_side_unjudged(model, s)));
    if est.is_empty() && pre.ok.is_empty() && pre.bad.is_empty() && pre.unknown.is_empty() {
        let tried = model.sessions.len();
        return CheckResult {
            name,
            outcome: CheckOutcome::NothingToCheck,
            evidence: format!(
                "{}no session was set up ({tried} tried)",
                CheckOutcome::NOTHING_TO_CHECK
            ),
        };
    }
    let mut unknown = Vec::new();
    let seen: Vec<(bool, String, String, &str)> = est
        .iter()
        .filter_map(|s| match seen(s) {
            Ok((ok, text)) => Some((ok, describe(s), text, not_session(s))),
            Err(why) => {
                unknown.push(format!("{}: {why}", describe(s)));
                None
            }
        })
        .collect();
    unknown.append(&mut pre.unknown);
    pre.unknown = unknown;
    let mut bad: Vec<String> = seen
        .iter()
        .filter(|x| !x.0)
        .map(|x| format!("{} {}: {}", x.1, x.3, x.2))
        .collect();
    bad.extend(pre.bad);
    if !bad.is_empty() {
        let mut t = some(bad);
        if !pre.unknown.is_empty() {
            t.push_str(&format!("; cannot tell for {} more", pre.unknown.len()));
        }
        return result(name, false, t);
    }
    if !pre.unknown.is_empty() {
        return cannot_tell(name, &some(pre.unknown));
    }
    let mut all: Vec<String> = seen
        .into_iter()
        .map(|x| format!("{}: {}", x.1, x.2))
        .collect();
    all.extend(pre.ok);
    result(
        name,
        true,
        format!("{} session(s), all {all_are}: {}", all.len(), some(all)),
    )
}

pub fn require(model: &Model, what: &str) -> CheckResult {
    let name = format!("require {what}");
    match what {
        "signing" => every_established(
            model,
            name,
            "signed or encrypted",
            (
                |s: &Session| {
                    not_signed_or(s.signed_after_setup, s.encrypted_after_setup, "not signed")
                },
                |u: &UnseenSetup| not_signed_or(u.signed, u.encrypted, "not signed"),
            ),
            |s| signing_seen(model, s),
            pre_capture_signing,
        ),
        "encryption" => every_established(
            model,
            name,
            "encrypted",
            (
                |s: &Session| not_encrypted(s.encrypted_after_setup),
                |u: &UnseenSetup| not_encrypted(u.encrypted),
            ),
            |s| Ok(encryption_seen(s)),
            pre_capture_encryption,
        ),
        "kerberos" => {
            let mut r = expect_mechanism(model, "kerberos");
            r.name = name;
            r
        }
        "smb3" => super::dialect::require_smb3(model, name),
        _ => result(name, false, format!("unknown require {what:?}")),
    }
}
