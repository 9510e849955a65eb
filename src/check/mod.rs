//! `smbscope check`: expectations and policies evaluated on a capture, for
//! CI. Each check gives one [`CheckResult`] with pass/fail and evidence.
//! The same checks come from flags or from a TOML policy file ([`Policy`]).

mod dialect;
pub mod json;
pub mod junit;
mod rules;

pub use rules::Scope;

use serde::{Deserialize, Serialize};

use crate::diagnose::Diagnosis;
use crate::report::filter::Filter;
use crate::session::Model;

/// What to check. Flags and the TOML file fill the same structure:
///
/// ```toml
/// expect_success = true
/// expect_status = ["STATUS_LOGON_FAILURE"]
/// expect_dialect = "3.1.1"
/// expect_mechanism = "kerberos"
/// deny = ["ntlmv1", "smb1", "guest", "anonymous", "plaintext"]
/// require = ["signing", "encryption"]
/// deny_finding = ["attack.", "posture.ms17_010"]
/// cannot_tell = "pass"        # not judged: let pass (default "fail")
/// nothing_to_check = "pass"
/// ```
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub expect_success: bool,
    #[serde(default)]
    pub expect_status: Vec<String>,
    #[serde(default)]
    pub expect_dialect: Option<String>,
    #[serde(default)]
    pub expect_mechanism: Option<String>,
    #[serde(default)]
    pub deny: Vec<String>,
    #[serde(default)]
    pub require: Vec<String>,
    /// Finding codes (`posture.ms17_010`) or prefixes ending in a dot
    /// (`attack.`): one check each, failed by any finding that matches.
    #[serde(default)]
    pub deny_finding: Vec<String>,
    /// What a `cannot_tell` check does to the verdict (`--cannot-tell`);
    /// none given: it fails it.
    #[serde(default)]
    pub cannot_tell: Option<Treat>,
    /// What a `nothing_to_check` check does to the verdict
    /// (`--nothing-to-check`); none given: it fails it.
    #[serde(default)]
    pub nothing_to_check: Option<Treat>,
}

/// What a check that did not judge (`cannot_tell`, `nothing_to_check`)
/// does to the verdict: fail it (the default: a check passes only on what
/// it judged), or let it pass, the check shown as skipped (its result
/// unchanged).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Treat {
    #[default]
    Fail,
    Pass,
}

impl Treat {
    /// "fail" or "pass", as the flags and the policy file spell it.
    pub fn parse(s: &str) -> Result<Treat, String> {
        match s {
            "fail" => Ok(Treat::Fail),
            "pass" => Ok(Treat::Pass),
            _ => Err(format!("{s:?}: fail or pass")),
        }
    }
}

/// How the checks that did not judge count in a verdict: `--cannot-tell`
/// and `--nothing-to-check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Unjudged {
    pub cannot_tell: Treat,
    pub nothing_to_check: Treat,
}

impl Unjudged {
    /// The check did not judge and is let pass: skipped, neither passed
    /// nor failed.
    pub fn skipped(&self, r: &CheckResult) -> bool {
        match r.outcome {
            CheckOutcome::CannotTell => self.cannot_tell == Treat::Pass,
            CheckOutcome::NothingToCheck => self.nothing_to_check == Treat::Pass,
            CheckOutcome::Pass | CheckOutcome::Fail => false,
        }
    }

    /// The check makes the verdict fail.
    pub fn fails(&self, r: &CheckResult) -> bool {
        !r.pass() && !self.skipped(r)
    }
}

/// What `--deny` accepts.
pub const DENY: &[&str] = &[
    "ntlmv1",
    "lm",
    "ntlm",
    "smb1",
    "smb1-offered",
    "smb2",
    "guest",
    "anonymous",
    "weak-enctype",
    "unsigned",
    "unencrypted",
    "plaintext",
];
/// What `--require` accepts.
pub const REQUIRE: &[&str] = &["signing", "encryption", "kerberos", "smb3"];

impl Policy {
    /// Reads a TOML policy.
    pub fn from_toml(text: &str) -> Result<Policy, String> {
        let p: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        p.validate()?;
        Ok(p)
    }

    /// Adds another policy's checks (flags after a file).
    pub fn merge(&mut self, o: Policy) {
        self.expect_success |= o.expect_success;
        self.expect_status.extend(o.expect_status);
        if o.expect_dialect.is_some() {
            self.expect_dialect = o.expect_dialect;
        }
        if o.expect_mechanism.is_some() {
            self.expect_mechanism = o.expect_mechanism;
        }
        self.deny.extend(o.deny);
        self.require.extend(o.require);
        self.deny_finding.extend(o.deny_finding);
        if o.cannot_tell.is_some() {
            self.cannot_tell = o.cannot_tell;
        }
        if o.nothing_to_check.is_some() {
            self.nothing_to_check = o.nothing_to_check;
        }
    }

    /// No check: what it says of checks that do not judge is none.
    pub fn is_empty(&self) -> bool {
        Policy {
            cannot_tell: None,
            nothing_to_check: None,
            ..self.clone()
        } == Policy::default()
    }

    /// How the checks that did not judge count in the verdict.
    pub fn unjudged(&self) -> Unjudged {
        Unjudged {
            cannot_tell: self.cannot_tell.unwrap_or_default(),
            nothing_to_check: self.nothing_to_check.unwrap_or_default(),
        }
    }

    /// Rejects unknown deny/require words, dialects, mechanisms and status names.
    pub fn validate(&self) -> Result<(), String> {
        for d in &self.deny {
            if !DENY.contains(&d.to_ascii_lowercase().as_str()) {
                return Err(format!("unknown deny {d:?}; one of {}", DENY.join(", ")));
            }
        }
        for r in &self.require {
            if !REQUIRE.contains(&r.to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "unknown require {r:?}; one of {}",
                    REQUIRE.join(", ")
                ));
            }
        }
        if let Some(m) = &self.expect_mechanism {
            rules::mechanism_name(m)?;
        }
        if let Some(d) = &self.expect_dialect {
            dialect::dialect_name(d)?;
        }
        for s in &self.expect_status {
            rules::wanted_status(s)?;
        }
        for c in &self.deny_finding {
            rules::finding_pattern(c)?;
        }
        Ok(())
    }
}

/// The part of a capture `filter` keeps (the report's filters, so
/// `check --user NAME` keeps what `smbscope FILE --user NAME` shows): its
/// sessions, the connections and trees of those, its Kerberos exchanges
/// and findings, and the statuses seen on the connections kept. The
/// checks then look at this part alone.
///
/// Under `--user`, a connection that carries a session whose SESSION_SETUP
/// the capture lacks is kept whenever the other filters keep it: whose
/// that session is, is not known, so it may be the user's, and dropping
/// it would let a check pass on what it did not judge. Its such sessions
/// are not followed (the checks cannot tell on them, naming its stream).
pub fn scoped(model: &Model, d: &Diagnosis, filter: &Filter) -> (Model, Diagnosis) {
    let unknown_user = Filter {
        user: None,
        ..filter.clone()
    };
    let keep = |c: &crate::session::Connection| {
        filter.connection(c, model)
            || (filter.user.is_some()
                && c.unseen_setup_messages > 0
                && unknown_user.connection(c, model))
    };
    let mut m = Model {
        connections: model
            .connections
            .iter()
            .filter(|c| keep(c))
            .cloned()
            .collect(),
        sessions: model
            .sessions
            .iter()
            .filter(|s| filter.session(s))
            .cloned()
            .collect(),
        trees: filter.trees(model).into_iter().cloned().collect(),
        kdc: model
            .kdc
            .iter()
            .filter(|x| filter.kdc(x))
            .cloned()
            .collect(),
        ..Model::default()
    };
    // A set: up to 4096 statuses against every connection kept.
    let kept: std::collections::HashSet<u64> = m.connections.iter().map(|c| c.stream).collect();
    for (&code, x) in &model.statuses {
        if kept.contains(&x.stream) {
            m.statuses.insert(code, *x);
        } else {
            m.statuses_outside.push((code, x.stream));
        }
    }
    m.statuses_omitted = model.statuses_omitted;
    // Connection::session_indexes point into the whole model's sessions:
    // the checks do not use them, and none may follow them here.
    for c in &mut m.connections {
        c.session_indexes.clear();
        // Whose a session is that the capture does not show logging on is
        // not known: --user cannot tell it is the user's, nor that it is
        // not, and the checks cannot tell on it, as without its messages.
        if filter.user.is_some() && c.unseen_setup_messages > 0 {
            c.unseen_setup_sessions.clear();
            c.unseen_setup_untracked = true;
        }
    }
    let findings: Vec<crate::diagnose::Finding> = filter
        .findings(&d.findings, model)
        .into_iter()
        .cloned()
        .collect();
    let mut counts: Vec<crate::diagnose::CodeCount> = Vec::new();
    for f in &findings {
        match counts
            .iter_mut()
            .find(|c| c.code == f.code && c.severity == f.severity)
        {
            Some(c) => c.count += 1,
            None => counts.push(crate::diagnose::CodeCount {
                code: f.code,
                severity: f.severity,
                count: 1,
            }),
        }
    }
    let d = Diagnosis {
        findings,
        omitted: 0,
        counts,
    };
    (m, d)
}

/// How a check came out. A check passes only on what it judged: one that
/// judged nothing, or that the capture's cuts leave open, fails too, and
/// says which of the two it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Pass,
    /// The capture shows what the check forbids, or lacks what it needs.
    Fail,
    /// The capture cut off what the check would judge (snaplen, lost
    /// bytes, a filter that leaves it out); the evidence starts
    /// [`CheckOutcome::CANNOT_TELL`].
    CannotTell,
    /// The capture (or the part the filters keep) holds nothing the check
    /// could judge; the evidence starts [`CheckOutcome::NOTHING_TO_CHECK`].
    NothingToCheck,
}

impl CheckOutcome {
    pub const CANNOT_TELL: &'static str = "cannot tell: ";
    pub const NOTHING_TO_CHECK: &'static str = "nothing to check: ";
}

/// The result of one check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    /// e.g. "expect-success", "deny ntlmv1".
    pub name: String,
    pub outcome: CheckOutcome,
    /// What was seen: sessions, frames, statuses; as the text line gives
    /// it, "cannot tell: " or "nothing to check: " first for those outcomes.
    pub evidence: String,
}

impl CheckResult {
    pub fn pass(&self) -> bool {
        self.outcome == CheckOutcome::Pass
    }

    /// The evidence without the "cannot tell: " or "nothing to check: "
    /// that [`CheckResult::outcome`] says.
    pub fn detail(&self) -> &str {
        let prefix = match self.outcome {
            CheckOutcome::CannotTell => CheckOutcome::CANNOT_TELL,
            CheckOutcome::NothingToCheck => CheckOutcome::NOTHING_TO_CHECK,
            _ => "",
        };
        self.evidence.strip_prefix(prefix).unwrap_or(&self.evidence)
    }

    /// The check's kind and its argument as given ("deny", "ntlmv1";
    /// "expect-success", none): its name split at the first space.
    pub fn kind(&self) -> (&str, Option<&str>) {
        match self.name.split_once(' ') {
            Some((k, a)) => (k, Some(a)),
            None => (&self.name, None),
        }
    }
}

/// Evaluates every check of `p` on a capture's model and diagnosis. A
/// check fails with "nothing to check: ..." when the capture holds nothing
/// it could judge: no SMB connection (for `deny weak-enctype` and a
/// Kerberos error in `expect-status`, no Kerberos exchange either).
pub fn evaluate(p: &Policy, scope: &Scope) -> Vec<CheckResult> {
    let mut v = evaluate_all(p, scope.model, scope.diagnosis);
    // A check given twice (flags and policy file) is one check; a code in
    // two spellings was left out by `evaluate_all`.
    let mut seen = std::collections::HashSet::new();
    v.retain(|r| seen.insert(r.name.clone()));
    for r in &mut v {
        let kerberos = r.name == "deny weak-enctype"
            || r.name.starts_with("deny-finding ")
            || r.name
                .strip_prefix("expect-status ")
                .is_some_and(|s| matches!(rules::wanted_status(s), Ok(rules::Wanted::Krb(_))));
        if let Some(why) = scope.nothing(kerberos) {
            r.outcome = CheckOutcome::NothingToCheck;
            r.evidence = why;
        }
    }
    v
}

fn evaluate_all(p: &Policy, model: &Model, d: &Diagnosis) -> Vec<CheckResult> {
    let mut v = Vec::new();
    if p.expect_success {
        v.push(rules::expect_success(model, d));
    }
    // One code given twice, in any spelling (`krb:24` and
    // `KDC_ERR_PREAUTH_FAILED`; `LOGON_FAILURE` and `0xC000006D`), is one
    // check, named as first given.
    let mut wanted: Vec<rules::Wanted> = Vec::new();
    for s in &p.expect_status {
        if let Ok(w) = rules::wanted_status(s) {
            if wanted.contains(&w) {
                continue;
            }
            wanted.push(w);
        }
        v.push(rules::expect_status(model, s));
    }
    if let Some(x) = &p.expect_dialect {
        v.push(dialect::expect_dialect(model, x));
    }
    if let Some(x) = &p.expect_mechanism {
        v.push(rules::expect_mechanism(model, x));
    }
    for x in &p.deny {
        v.push(rules::deny(model, &x.to_ascii_lowercase()));
    }
    for x in &p.require {
        v.push(rules::require(model, &x.to_ascii_lowercase()));
    }
    // A code in any case, with spaces around it (` attack.`, `ATTACK.`),
    // is the code as the findings table spells it: one check, whatever the
    // spelling, named so (an unknown one was refused by `validate`).
    for x in &p.deny_finding {
        let pattern = rules::finding_pattern(x).unwrap_or_else(|_| x.to_ascii_lowercase());
        v.push(rules::deny_finding(d, &pattern));
    }
    v
}

/// A capture's verdict over all its checks, and the exit code it gives
/// when it is the only capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed (exit 0), or did not judge and was let pass.
    Pass,
    /// At least one check did not pass (exit 1), damaged capture or not;
    /// not one that did not judge and that [`Unjudged`] lets pass.
    Fail,
    /// The capture could not be read at all (exit 2).
    Error,
    /// Every check passed, but the capture is damaged: the checks cover
    /// only the part before the damage (exit 3).
    PassDamaged,
}

impl Verdict {
    /// The verdict of a capture's checks, those that did not judge
    /// counted as `u` says.
    pub fn of(results: &[CheckResult], damaged: bool, u: Unjudged) -> Verdict {
        if results.iter().any(|r| u.fails(r)) {
            Verdict::Fail
        } else if damaged {
            Verdict::PassDamaged
        } else {
            Verdict::Pass
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Error => 2,
            Verdict::PassDamaged => 3,
        }
    }

    /// The verdict of several captures, each judged on its own: error
    /// (one could not be read) over fail over pass_damaged over pass.
    pub fn combine(self, o: Verdict) -> Verdict {
        let rank = |v: Verdict| match v {
            Verdict::Error => 3,
            Verdict::Fail => 2,
            Verdict::PassDamaged => 1,
            Verdict::Pass => 0,
        };
        if rank(o) > rank(self) {
            o
        } else {
            self
        }
    }
}
