//! The JSON document of `smbscope check --format json|jsonl`: one per
//! capture (schema/check.schema.json).

use serde::Serialize;

use super::{CheckOutcome, CheckResult, Unjudged, Verdict};
use crate::capture::CaptureError;

/// Version of the document's shape; a key's meaning changing or a key
/// going away raises it.
pub const SCHEMA_VERSION: u32 = 1;

/// Where a damaged capture is cut or corrupt: what the text's `NOTE
/// capture damaged:` line says.
#[derive(Serialize)]
pub struct Damage {
    pub byte_offset: u64,
    /// The frame whose record is cut or corrupt (the first not read);
    /// null for a read error.
    pub frame: Option<u64>,
    pub message: String,
}

impl Damage {
    pub fn of(e: &CaptureError) -> Damage {
        Damage {
            byte_offset: e.offset(),
            frame: e.frame(),
            message: e.to_string(),
        }
    }
}

/// The filters given (`--user`, `--host`, `--stream`), each absent when not.
#[derive(Serialize, Default)]
pub struct Filters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<u64>,
}

#[derive(Serialize)]
struct Check<'a> {
    name: &'a str,
    kind: &'a str,
    argument: Option<&'a str>,
    result: CheckOutcome,
    evidence: &'a str,
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    file: &'a str,
    verdict: Verdict,
    exit_code: u8,
    damage: Option<&'a Damage>,
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filters: Option<&'a Filters>,
    checks: Vec<Check<'a>>,
    passed: usize,
    failed: usize,
    skipped: usize,
    unjudged: Unjudged,
}

/// The document of a capture's checks, those that did not judge counted
/// as `u` says; `pretty` for `--format json`, one line for `--format
/// jsonl`; a newline at its end either way.
pub fn render(
    file: &str,
    results: &[CheckResult],
    damage: Option<&Damage>,
    filters: Option<&Filters>,
    u: Unjudged,
    pretty: bool,
) -> String {
    let verdict = Verdict::of(results, damage.is_some(), u);
    let checks: Vec<Check> = results
        .iter()
        .map(|r| {
            let (kind, argument) = r.kind();
            Check {
                name: &r.name,
                kind,
                argument,
                result: r.outcome,
                evidence: r.detail(),
            }
        })
        .collect();
    let passed = results.iter().filter(|r| r.pass()).count();
    let skipped = results.iter().filter(|r| u.skipped(r)).count();
    write(
        &Document {
            schema_version: SCHEMA_VERSION,
            file,
            verdict,
            exit_code: verdict.exit_code(),
            damage,
            error: None,
            filters,
            checks,
            passed,
            failed: results.len() - passed - skipped,
            skipped,
            unjudged: u,
        },
        pretty,
    )
}

/// The document of a capture that could not be read at all: verdict
/// `error`, exit code 2, no check, `error` saying why.
pub fn render_unreadable(
    file: &str,
    error: &str,
    filters: Option<&Filters>,
    u: Unjudged,
    pretty: bool,
) -> String {
    write(
        &Document {
            schema_version: SCHEMA_VERSION,
            file,
            verdict: Verdict::Error,
            exit_code: Verdict::Error.exit_code(),
            damage: None,
            error: Some(error),
            filters,
            checks: Vec::new(),
            passed: 0,
            failed: 0,
            skipped: 0,
            unjudged: u,
        },
        pretty,
    )
}

fn write(d: &Document, pretty: bool) -> String {
    let r = if pretty {
        serde_json::to_string_pretty(d)
    } else {
        serde_json::to_string(d)
    };
    // Serializing strings, numbers and enums into a String cannot fail.
    let mut s = r.unwrap_or_default();
    s.push('\n');
    s
}
