//! What the user reads, on a capture: the report in its three formats
//! (text with the connections' timelines, JSON, JSON Lines events and end
//! lines), verbose and not, in colour and not, whole and through each
//! filter (`--stream`, `--user`, `--host`, `--session`, `--failed`), and
//! `check` with every expectation and policy word on the same model, whole
//! and scoped, with its JSON and JUnit documents. The `pipeline` target
//! covers the chain up to the diagnosis; this one the layers after it,
//! which index the model by what the capture said (frames, streams,
//! SessionIds, users). Seeds are real captures cut at a record boundary
//! (the `capture` target's).
//!
//! Invariants: no panic; the JSON report is one JSON object; every JSON
//! Lines line is one JSON object; the text report is UTF-8; `check`'s JSON
//! document is a JSON object whose verdict agrees with its results.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::capture::CaptureReader;
use smbscope::check::{self, json as check_json, junit, Policy, Scope, Verdict};
use smbscope::pipeline::Options;
use smbscope::report::filter::Filter;
use smbscope::report::messages::CaptureSummary;
use smbscope::report::report_json::{self, ReportJson};
use smbscope::report::style::Style;
use smbscope::report::timeline::{TextReport, TimelineWriter};
use smbscope::report::{analyze_with, Analysis, Observer};
use smbscope::session::events::EventLines;
use smbscope::session::{BuildOptions, Model};

fuzz_target!(|data: &[u8]| {
    // Which filter and which options, from the input's length (not from a
    // byte of it: the capture's first bytes are its magic number), so the
    // corpus explores them without each run paying for all of them.
    let sel = data.len();
    let verbose = sel & 1 != 0;
    let color = sel & 2 != 0;
    let Some(a) = report(data, verbose, color, &Filter::default()) else {
        return;
    };
    let filter = filter_of(sel >> 2, &a);
    if !filter.is_empty() {
        report(data, verbose, color, &filter);
    }
    checks(&a, &filter);
});

/// A filter chosen by `n` among those the model offers: its first stream,
/// a user of its first session, a client address, a SessionId, failures.
fn filter_of(n: usize, a: &Analysis) -> Filter {
    let mut f = Filter::default();
    let first_session = a.model.sessions.first();
    match n % 6 {
        1 => f.stream = a.model.connections.first().map(|c| c.stream),
        2 => f.user = first_session.and_then(|s| s.user.clone()),
        3 => f.host = a.model.connections.first().map(|c| c.client.ip()),
        4 => f.session = first_session.map(|s| s.session_id.0),
        5 => f.failed_only = true,
        _ => {}
    }
    f
}

/// Takes the events (JSON Lines) and the timelines (text) while reading.
struct Both<'a> {
    events: Vec<u8>,
    filter: &'a Filter,
    timelines: TimelineWriter<'a>,
}

impl Observer for Both<'_> {
    fn events(&mut self, events: &EventLines) {
        report_json::write_events(&mut self.events, events, self.filter).expect("write to a Vec");
    }

    fn closed(&mut self, model: &mut Model, ci: usize) {
        self.timelines.closed(model, ci);
    }
}

/// The report of `data` in the three formats, through `filter`; the
/// analysis, or None when `data` is not a capture.
fn report(data: &[u8], verbose: bool, color: bool, filter: &Filter) -> Option<Analysis> {
    let mut r = CaptureReader::new(data).ok()?;
    let build = BuildOptions {
        verbose,
        events: true,
        timeline: true,
        color,
    };
    let mut obs = Both {
        events: Vec::new(),
        filter,
        timelines: TimelineWriter::new(filter, &build),
    };
    let a = analyze_with(&mut r, &Options::default(), build, &mut obs);
    let error = a.outcome.error.as_ref().map(|e| e.to_string());
    let capture = CaptureSummary::new("fuzz", &a.outcome.stats, error);

    let mut text = Vec::new();
    TextReport {
        file: "fuzz",
        model: &a.model,
        diagnosis: &a.diagnosis,
        capture: &capture,
        filter,
        verbose,
        style: Style { color },
    }
    .write(&mut text, &mut obs.timelines.spool)
    .expect("write to a Vec");
    std::str::from_utf8(&text).expect("the text report is UTF-8");

    let mut json = Vec::new();
    ReportJson::new(&a.model, &a.diagnosis, &capture, filter)
        .write(&mut json)
        .expect("write to a Vec");
    let v: serde_json::Value = serde_json::from_slice(&json).expect("the JSON report parses");
    assert!(v.is_object());

    let mut lines = obs.events;
    report_json::write_end(&mut lines, &a.model, &a.diagnosis, &capture, filter)
        .expect("write to a Vec");
    let lines = std::str::from_utf8(&lines).expect("JSON Lines are UTF-8");
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON Lines object");
        assert!(v.is_object());
    }
    Some(a)
}

/// Every check word, on the whole model and through `filter`.
fn checks(a: &Analysis, filter: &Filter) {
    let policy = Policy {
        expect_success: true,
        expect_status: vec![
            "STATUS_LOGON_FAILURE".into(),
            "krb:24".into(),
            "ERRDOS/ERRnoaccess".into(),
        ],
        expect_dialect: Some("3.1.1".into()),
        expect_mechanism: Some("kerberos".into()),
        deny: check::DENY.iter().map(|s| s.to_string()).collect(),
        require: check::REQUIRE.iter().map(|s| s.to_string()).collect(),
        deny_finding: vec!["attack.".into(), "posture.".into(), "logon.".into()],
        cannot_tell: Some(check::Treat::Pass),
        nothing_to_check: None,
    };
    policy.validate().expect("a valid policy");
    let ports = [445, 139];
    judge(&policy, &a.model, &a.diagnosis, &ports, None, a);
    let check_filter = Filter {
        session: None,
        failed_only: false,
        ..filter.clone()
    };
    if !check_filter.is_empty() {
        let (m, d) = check::scoped(&a.model, &a.diagnosis, &check_filter);
        judge(&policy, &m, &d, &ports, Some(check_filter.describe()), a);
    }
}

fn judge(
    policy: &Policy,
    model: &Model,
    diagnosis: &smbscope::diagnose::Diagnosis,
    ports: &[u16],
    only: Option<String>,
    a: &Analysis,
) {
    let scope = Scope {
        model,
        diagnosis,
        ports,
        only,
    };
    let results = check::evaluate(policy, &scope);
    assert!(!results.is_empty());
    let damage = a.outcome.error.as_ref().map(check_json::Damage::of);
    let u = policy.unjudged();
    let doc = check_json::render("fuzz", &results, damage.as_ref(), None, u, false);
    let v: serde_json::Value = serde_json::from_str(&doc).expect("the check document parses");
    let verdict = Verdict::of(&results, damage.is_some(), u);
    assert_eq!(
        v["exit_code"].as_u64(),
        Some(u64::from(verdict.exit_code())),
        "the document's exit code is its verdict's"
    );
    let suite = junit::suite("fuzz", &results, damage.as_ref().map(|_| "damaged"), u);
    junit::document(&[suite]);
}
