//! Every JSON output of the binary against its JSON Schema in schema/: each
//! capture of samples/ and of the corpus (../shared/corpus/public, skipped
//! when absent) in `messages --format json|jsonl` and `report --format
//! json|jsonl`, every document and every line. The validator
//! (tests/schema_check) treats an object schema that lists `properties` as
//! closed, so a key written but not documented fails as much as a missing
//! required key, a wrong type or a value outside an enum.

mod common;
mod pcap_build;
mod schema_check;

use common::port_args;
use schema_check::Schemas;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> Option<PathBuf> {
    let d = root().join("../shared/corpus/public");
    d.is_dir().then_some(d)
}

fn schemas() -> Schemas {
    Schemas::load(&root().join("schema"))
}

/// The captures: samples/ and, when present, the corpus; sorted by name.
fn captures() -> Vec<PathBuf> {
    let mut dirs = vec![root().join("samples")];
    match corpus() {
        Some(d) => dirs.push(d),
        None => eprintln!("skipping the corpus captures: ../shared/corpus/public not present"),
    }
    let mut out = Vec::new();
    for d in dirs {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
            .collect();
        v.sort();
        out.extend(v);
    }
    assert!(out.len() > 50, "too few captures found: {}", out.len());
    out
}

#[derive(Clone, Copy)]
enum Shape {
    /// One JSON document.
    Document,
    /// One JSON object per line.
    Lines,
}

/// Runs `smbscope <cmd> FILE --format <format>` on every capture and
/// validates what it writes against `schema` (FILE#pointer).
fn check_all(cmd: &str, format: &str, shape: Shape, schema: &str) {
    check_files(cmd, format, shape, schema, &captures());
}

/// [`check_all`] on the captures `caps`.
fn check_files(cmd: &str, format: &str, shape: Shape, schema: &str, caps: &[PathBuf]) {
    let schemas = schemas();
    let started = std::time::Instant::now();
    let mut failures: Vec<(String, String, String)> = Vec::new();
    let mut values = 0usize;
    for cap in caps {
        let name = cap
            .file_name()
            .and_then(|n| n.to_str())
            .expect("capture name")
            .to_string();
        let o = Command::new(env!("CARGO_BIN_EXE_smbscope"))
            .arg(cmd)
            .arg(cap)
            .args(["--format", format])
            .args(port_args(&name))
            .env("NO_COLOR", "1")
            .output()
            .expect("run smbscope");
        // 3: a damaged capture, reported up to the damage.
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{name}: smbscope {cmd} --format {format}: {}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        let text = String::from_utf8(o.stdout)
            .unwrap_or_else(|e| panic!("{name}: {cmd} --format {format}: not UTF-8: {e}"));
        let mut check = |what: String, doc: &str| {
            values += 1;
            let v: Value = match serde_json::from_str(doc) {
                Ok(v) => v,
                Err(e) => {
                    let full = format!("{name} [{cmd} {format}] {what}: not JSON: {e}");
                    failures.push((String::new(), "not JSON".into(), full));
                    return;
                }
            };
            for e in schemas.validate(schema, &v) {
                let full = format!("{name} [{cmd} {format}] {what}: {e}");
                failures.push((e.pointer, e.schema, full));
            }
        };
        match shape {
            Shape::Document => check("document".into(), &text),
            Shape::Lines => {
                for (i, l) in text.lines().enumerate() {
                    check(format!("line {}", i + 1), l);
                }
            }
        }
    }
    eprintln!(
        "{cmd} --format {format}: {} captures, {values} JSON values validated in {:.1?}",
        caps.len(),
        started.elapsed()
    );
    if !failures.is_empty() {
        // One line per kind of violation (the pointer with its array indices
        // as *, and the schema keyword failed), with its first occurrence
        // and a count.
        let mut kinds: Vec<(String, String, usize)> = Vec::new();
        for (pointer, schema, full) in &failures {
            let kind = format!("{} {schema}", generic(pointer));
            match kinds.iter_mut().find(|k| k.0 == kind) {
                Some(k) => k.2 += 1,
                None => kinds.push((kind, full.clone(), 1)),
            }
        }
        let shown = kinds.len().min(60);
        panic!(
            "{} schema violations of {} kinds (first occurrence of each, and how often; first {shown} kinds):\n{}",
            failures.len(),
            kinds.len(),
            kinds[..shown]
                .iter()
                .map(|(_, full, n)| format!("{full} ({n}x)"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// A JSON pointer with its array indices as `*`.
fn generic(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|t| {
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn messages_json_conforms() {
    check_all(
        "messages",
        "json",
        Shape::Document,
        "messages.schema.json#/$defs/document",
    );
}

#[test]
fn messages_jsonl_conforms() {
    check_all(
        "messages",
        "jsonl",
        Shape::Lines,
        "messages.schema.json#/$defs/message",
    );
}

#[test]
fn report_json_conforms() {
    check_all("report", "json", Shape::Document, "report.schema.json");
}

#[test]
fn report_jsonl_conforms() {
    check_all("report", "jsonl", Shape::Lines, "report-events.schema.json");
}

/// Every kind of check, so that each capture's `check --format json`
/// document holds a result of each.
const EVERY_CHECK: &[&str] = &[
    "--expect-success",
    "--expect-status",
    "STATUS_LOGON_FAILURE",
    "--expect-status",
    "KDC_ERR_PREAUTH_FAILED",
    "--expect-dialect",
    "3.1.1",
    "--expect-mechanism",
    "kerberos",
    "--deny",
    "ntlmv1",
    "--deny",
    "smb1",
    "--deny",
    "smb1-offered",
    "--deny",
    "weak-enctype",
    "--require",
    "signing",
    "--deny-finding",
    "attack.",
];

/// `check CAP EVERY_CHECK ARGS --format json` on each of `caps`: the
/// document validates against schema/check.schema.json, its `exit_code`
/// is the process's, and its `verdict` goes with it.
fn check_documents(caps: &[PathBuf], args: &[&str]) -> Vec<Value> {
    let schemas = schemas();
    let mut failures = Vec::new();
    let mut docs = Vec::new();
    for cap in caps {
        let name = cap.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let o = Command::new(env!("CARGO_BIN_EXE_smbscope"))
            .arg("check")
            .arg(cap)
            .args(EVERY_CHECK)
            .args(args)
            .args(["--format", "json"])
            .args(port_args(name))
            .output()
            .expect("run smbscope");
        let code = o.status.code();
        let v: Value = match serde_json::from_slice(&o.stdout) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: not JSON ({code:?}): {e}"));
                continue;
            }
        };
        for e in schemas.validate("check.schema.json", &v) {
            failures.push(format!("{name}: {e}"));
        }
        let verdict = v["verdict"].as_str().unwrap_or("?");
        let want = match code {
            Some(0) => "pass",
            Some(1) => "fail",
            Some(2) => "error",
            Some(3) => "pass_damaged",
            _ => "(no such exit code)",
        };
        if v["exit_code"].as_i64() != code.map(i64::from) || verdict != want {
            failures.push(format!(
                "{name}: exit {code:?}, document says exit_code {} verdict {verdict}",
                v["exit_code"]
            ));
        }
        docs.push(v);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    docs
}

/// Every capture's `check --format json` document conforms, with every
/// kind of check in it and with a filter; a damaged copy (cut inside a
/// record) and a file that is no capture give documents that conform too.
#[test]
fn check_json_conforms() {
    let caps = captures();
    let docs = check_documents(&caps, &[]);
    let kinds: std::collections::BTreeSet<&str> = docs
        .iter()
        .flat_map(|d| d["checks"].as_array().into_iter().flatten())
        .filter_map(|c| c["result"].as_str())
        .collect();
    // Every result occurs on the samples: passes, failures, cuts, and
    // captures without SMB.
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["cannot_tell", "fail", "nothing_to_check", "pass"]
    );
    let samples: Vec<PathBuf> = caps
        .iter()
        .filter(|c| c.starts_with(root().join("samples")))
        .take(10)
        .cloned()
        .collect();
    for d in check_documents(&samples, &["--user", "alice", "--stream", "0"]) {
        assert_eq!(d["filters"], json!({"user": "alice", "stream": 0}), "{d}");
    }
    // Checks that did not judge let pass: counted in `skipped`, their
    // result kept; on the samples, some are.
    let lenient = ["--cannot-tell", "pass", "--nothing-to-check", "pass"];
    let mut skipped = 0;
    for d in check_documents(&caps, &lenient) {
        let n = |k: &str| d[k].as_u64().unwrap_or(u64::MAX);
        let checks = d["checks"].as_array().map_or(0, Vec::len) as u64;
        assert_eq!(n("passed") + n("failed") + n("skipped"), checks, "{d}");
        let unjudged = d["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| {
                matches!(
                    c["result"].as_str(),
                    Some("cannot_tell" | "nothing_to_check")
                )
            })
            .count() as u64;
        assert_eq!(n("skipped"), unjudged, "{d}");
        skipped += n("skipped");
    }
    assert!(skipped > 0);
    // All captures in one run, --format jsonl: one line each, in order,
    // each a document that conforms.
    let o = Command::new(env!("CARGO_BIN_EXE_smbscope"))
        .arg("check")
        .args(&caps)
        .args(EVERY_CHECK)
        .args(["--format", "jsonl"])
        .output()
        .expect("run smbscope");
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), caps.len());
    let schemas = schemas();
    for (l, cap) in lines.iter().zip(&caps) {
        let v: Value = serde_json::from_str(l).expect("a JSON line");
        assert_eq!(v["file"].as_str(), cap.to_str(), "{l}");
        let errors = schemas.validate("check.schema.json", &v);
        assert!(errors.is_empty(), "{}: {errors:?}", cap.display());
    }
    let dir = common::ScratchDir::new("schema-check");
    let source = std::fs::read(root().join("samples/ntlm-wrong-password.pcap")).expect("sample");
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &source[..source.len() - 10]).expect("written");
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a capture\n").expect("written");
    let docs = check_documents(&[cut, text], &[]);
    assert!(docs[0]["damage"]["frame"].as_u64().is_some(), "{}", docs[0]);
    assert_eq!(docs[1]["verdict"], "error", "{}", docs[1]);
}

/// What a capture cut by the snaplen writes of its NetBIOS session packets
/// (the fields kept, as `netbios_error` is not written for a cut): copies
/// of the samples with a session request, a negative and a retarget
/// response cut as `editcap -s` cuts them, inside each field (tests/cli.rs
/// says which bytes each snaplen keeps).
#[test]
fn netbios_packets_cut_by_the_snaplen_conform() {
    let dir = common::ScratchDir::new("schema-nbss");
    let mut caps = Vec::new();
    for name in [
        "ntlm-port139-netbios.pcap",
        "nbss-negative-response-keepalive.pcap",
        "nbss-retarget-response.pcap",
    ] {
        let source = std::fs::read(root().join("samples").join(name)).expect("sample");
        for snaplen in [70, 71, 74, 75, 76, 104] {
            let cut = dir.join(format!("{name}-s{snaplen}.pcap"));
            std::fs::write(&cut, pcap_build::snapped(&source, snaplen)).expect("written");
            caps.push(cut);
        }
    }
    let message = "messages.schema.json#/$defs/message";
    check_files("messages", "jsonl", Shape::Lines, message, &caps);
    check_files(
        "report",
        "json",
        Shape::Document,
        "report.schema.json",
        &caps,
    );
    let events = "report-events.schema.json";
    check_files("report", "jsonl", Shape::Lines, events, &caps);
}

/// The schemas' roots accept what the specific definitions above accept: a
/// messages document and a message line both validate against the root.
#[test]
fn messages_root_accepts_documents_and_lines() {
    let s = schemas();
    let cap = root().join("samples/ntlm-wrong-password.pcap");
    for format in ["json", "jsonl"] {
        let o = Command::new(env!("CARGO_BIN_EXE_smbscope"))
            .arg("messages")
            .arg(&cap)
            .args(["--format", format])
            .output()
            .expect("run smbscope");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let docs: Vec<&str> = match format {
            "json" => vec![&text],
            _ => text.lines().take(3).collect(),
        };
        for d in docs {
            let v: Value = serde_json::from_str(d).expect("JSON");
            let errs = s.validate("messages.schema.json", &v);
            assert!(errs.is_empty(), "{format}: {errs:?}");
        }
    }
}

/// The validator itself fails on each kind of drift, naming where.
#[test]
fn validator_catches_drift() {
    let schema = json!({
        "$defs": {
            "base": {
                "type": "object",
                "required": ["a"],
                "properties": {
                    "a": { "type": "integer", "minimum": 0 },
                    "e": { "enum": ["x", "y"] },
                    "n": { "type": "object", "properties": { "k": { "const": true } } },
                    "p": { "type": "string", "pattern": "^0x[0-9a-f]+$" },
                    "alt": { "type": "string", "pattern": "^0x0$|^0x[1-9a-f][0-9a-f]{0,3}$|^[|]$" },
                    "t": { "type": "string", "format": "date-time" },
                    "free": { "type": "object" },
                    "u": { "oneOf": [
                        { "type": "object", "required": ["x"], "properties": { "x": {} }, "unevaluatedProperties": false },
                        { "type": "object", "required": ["x", "y"], "properties": { "x": {}, "y": {} }, "unevaluatedProperties": false }
                    ] },
                    "pp": { "type": "object", "patternProperties": { "^k[0-9]+$": { "type": "integer" } }, "additionalProperties": false },
                    "pair": { "type": "array", "prefixItems": [ { "type": "string" }, { "type": "integer" } ], "items": false, "minItems": 2 }
                }
            }
        },
        "oneOf": [
            { "allOf": [ { "$ref": "#/$defs/base" }, { "properties": { "type": { "const": "one" } }, "required": ["type"] } ] },
            { "type": "object", "required": ["type"], "properties": { "type": { "const": "two" } } }
        ]
    });
    let s = Schemas::from_values(&[("t.json", schema)]);
    let errors = |v: Value| -> Vec<String> {
        s.validate("t.json", &v)
            .iter()
            .filter(|e| !e.schema.ends_with("oneOf"))
            .map(|e| format!("{} {}", e.pointer, e.message))
            .collect()
    };
    let ok = json!({"type": "one", "a": 1, "e": "x", "n": {"k": true}, "p": "0x1f", "alt": "0x0",
                    "t": "2024-01-02T03:04:05.123456789Z", "free": {"any": 1},
                    "u": {"x": 1}, "pp": {"k1": 1, "k22": 2}, "pair": ["a", 1]});
    assert_eq!(errors(ok), Vec::<String>::new());
    assert_eq!(
        errors(json!({"type": "one", "a": 1, "u": {"x": 1, "y": 2}})),
        Vec::<String>::new()
    );
    assert_eq!(errors(json!({"type": "two"})), Vec::<String>::new());
    for alt in ["0xffff", "0x1", "|"] {
        assert_eq!(
            errors(json!({"type": "one", "a": 1, "alt": alt})),
            Vec::<String>::new()
        );
    }
    let cases = [
        (
            json!({"type": "one", "a": 1, "b": 2}),
            "/b key \"b\" is not declared",
        ),
        (
            json!({"type": "one", "a": 1, "n": {"k": true, "z": 0}}),
            "/n/z key \"z\" is not declared",
        ),
        (
            json!({"type": "two", "a": 1}),
            "/a key \"a\" is not declared",
        ),
        (json!({"type": "one"}), " required key \"a\" is missing"),
        (
            json!({"type": "one", "a": "1"}),
            "/a \"1\" is not of type integer",
        ),
        (
            json!({"type": "one", "a": -1}),
            "/a -1 is not within minimum",
        ),
        (
            json!({"type": "one", "a": 1, "e": "z"}),
            "/e \"z\" is not one of",
        ),
        (
            json!({"type": "one", "a": 1, "n": {"k": false}}),
            "/n/k false is not the constant true",
        ),
        (
            json!({"type": "one", "a": 1, "p": "0x1G"}),
            "/p \"0x1G\" does not match",
        ),
        (
            json!({"type": "one", "a": 1, "alt": "0x01"}),
            "/alt \"0x01\" does not match",
        ),
        (
            json!({"type": "one", "a": 1, "alt": "0x10000"}),
            "/alt \"0x10000\" does not match",
        ),
        (
            json!({"type": "one", "a": 1, "alt": "0x00"}),
            "/alt \"0x00\" does not match",
        ),
        (
            json!({"type": "one", "a": 1, "t": "2024-01-02 03:04:05Z"}),
            "/t \"2024-01-02 03:04:05Z\" is not an RFC 3339",
        ),
        (
            json!({"type": "one", "a": 1, "u": {"x": 1, "z": 2}}),
            "/u/z key \"z\" is not declared",
        ),
        (
            json!({"type": "one", "a": 1, "pp": {"k1": "1"}}),
            "/pp/k1 \"1\" is not of type integer",
        ),
        (
            json!({"type": "one", "a": 1, "pp": {"kx": 1}}),
            "/pp/kx the schema `false` allows no value",
        ),
        (
            json!({"type": "one", "a": 1, "pair": ["a", "1"]}),
            "/pair/1 \"1\" is not of type integer",
        ),
        (
            json!({"type": "one", "a": 1, "pair": ["a", 1, 2]}),
            "/pair/2 the schema `false` allows no value",
        ),
        (
            json!({"type": "one", "a": 1, "pair": ["a"]}),
            "/pair 1 items are not within minItems 2",
        ),
        (
            json!({"type": "three"}),
            "/type \"three\" is not the constant",
        ),
    ];
    for (v, want) in cases {
        let got = errors(v.clone());
        assert!(
            got.iter().any(|g| g.starts_with(want)),
            "{v}: want an error starting {want:?}, got {got:?}"
        );
    }
}

#[test]
fn port_args_from_names() {
    assert_eq!(
        port_args("no-smb-response-port4455.pcap"),
        vec!["--port", "4455"]
    );
    assert!(port_args("zeek-smb2-fscontrol-port139.pcap").is_empty());
    assert!(port_args("ntlm-success-copy.pcap").is_empty());
}

/// `status --format json` conforms to schema/status.schema.json: words
/// that match most of the tables (1,529 codes for "the", both kinds), the
/// SMB1 DOS forms (by name, by number, a name in two classes), and codes in
/// no table, each form as the README gives it.
#[test]
fn status_json_conforms() {
    let schemas = schemas();
    let mut kinds = std::collections::BTreeSet::new();
    let mut unnamed = 0;
    for q in [
        "the",
        "KDC",
        "krb:37",
        "ERRDOS/ERRnoaccess",
        "ERRnomem",
        "ERRbaduid",
        "ERRDOS/0x00B7",
        "0x01/0x0005",
        "0xDEADBEEF",
        "krb:999",
        "STATUS_PENDING",
        "EACCES",
        "13",
        "mount error(112): Host is down",
        "errno:115",
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_smbscope"))
            .args(["status", q, "--format", "json"])
            .output()
            .expect("run smbscope");
        let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
        let errors = schemas.validate("status.schema.json", &v);
        assert!(errors.is_empty(), "{q}: {errors:?}");
        for item in v.as_array().expect("an array") {
            kinds.insert(item["kind"].as_str().expect("kind").to_string());
            unnamed += usize::from(item["name"].is_null());
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["dos", "errno", "kerberos", "ntstatus"]
    );
    assert_eq!(
        unnamed, 3,
        "0xDEADBEEF, krb:999 and ERRDOS/0x00B7 are in no table"
    );
}

/// The schema files are closed themselves, not only under tests/schema_check
/// (which takes an object schema that lists `properties` as closed): every
/// such schema says `additionalProperties: false` or `unevaluatedProperties:
/// false`, except a branch of an `allOf` (closed by the `allOf`'s holder)
/// and a definition used as one (closed where it is used).
#[test]
fn schema_files_are_closed() {
    fn walk(v: &Value, at: &str, in_all_of: bool, composed: &[String], open: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                let closed = o.get("additionalProperties") == Some(&Value::Bool(false))
                    || o.get("unevaluatedProperties") == Some(&Value::Bool(false));
                let lists = o.contains_key("properties") || o.contains_key("allOf");
                if lists && !closed && !in_all_of && !composed.iter().any(|c| at.ends_with(c)) {
                    open.push(at.to_string());
                }
                for (k, x) in o {
                    let all_of = k == "allOf";
                    if let Value::Array(a) = x {
                        for (i, y) in a.iter().enumerate() {
                            walk(y, &format!("{at}/{k}/{i}"), all_of, composed, open);
                        }
                    } else {
                        walk(x, &format!("{at}/{k}"), false, composed, open);
                    }
                }
            }
            Value::Array(a) => {
                for (i, y) in a.iter().enumerate() {
                    walk(y, &format!("{at}/{i}"), false, composed, open);
                }
            }
            _ => {}
        }
    }
    let composed: Vec<String> = ["session", "tree", "kerberos_tcp_failure", "finding"]
        .iter()
        .map(|d| format!("report.schema.json#/$defs/{d}"))
        .collect();
    let mut open = Vec::new();
    for f in [
        "messages.schema.json",
        "report.schema.json",
        "report-events.schema.json",
        "check.schema.json",
        "status.schema.json",
    ] {
        let text = std::fs::read_to_string(root().join("schema").join(f)).expect(f);
        let v: Value = serde_json::from_str(&text).expect(f);
        walk(&v, &format!("{f}#"), false, &composed, &mut open);
    }
    assert!(open.is_empty(), "open object schemas: {open:#?}");
    // Those definitions are closed at every use in report.schema.json.
    fn uses(v: &Value, out: &mut Vec<(String, bool)>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    let closed = o.get("unevaluatedProperties") == Some(&Value::Bool(false));
                    out.push((r.clone(), closed));
                }
                o.values().for_each(|x| uses(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| uses(x, out)),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(root().join("schema/report.schema.json")).unwrap();
    let mut refs = Vec::new();
    uses(&serde_json::from_str(&text).unwrap(), &mut refs);
    for d in ["session", "tree", "kerberos_tcp_failure", "finding"] {
        let r = format!("#/$defs/{d}");
        let of: Vec<bool> = refs.iter().filter(|u| u.0 == r).map(|u| u.1).collect();
        assert!(!of.is_empty() && of.iter().all(|c| *c), "{d}: {of:?}");
    }
}

/// Where a report document or event line writes a hex id: (JSON pointer,
/// "session_id" or "tree_id"), for each `session_id` and `tree_id` string
/// and each item of a `session_ids`.
fn hex_ids(v: &Value, at: &str, out: &mut Vec<(String, &'static str)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let p = format!("{at}/{k}");
                match (k.as_str(), x) {
                    ("session_id", Value::String(_)) => out.push((p, "session_id")),
                    ("tree_id", Value::String(_)) => out.push((p, "tree_id")),
                    ("session_ids", Value::Array(a)) => {
                        out.extend((0..a.len()).map(|i| (format!("{p}/{i}"), "session_id")))
                    }
                    _ => hex_ids(x, &p, out),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                hex_ids(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The report's hex ids (schema `$defs/session_id` and `$defs/tree_id`:
/// "0x" and lowercase digits without leading zeros, at most 16 and 8) are
/// checked by their pattern wherever the report writes one. On real
/// reports (file-sharing-violation: sessions, trees, errors with a tree_id
/// and a held_by, their events; ntlm-dc-account-locked-out: a finding's
/// session_id and session_ids; impacket-logoff-refused: logoff events),
/// each id in turn written as `smbscope messages` writes it (a JSON
/// number), as tshark does (zero-padded to 16 or 8 digits), in upper case,
/// without "0x", or, a TreeId, past 32 bits, fails at its place.
#[test]
fn report_hex_ids_are_checked_where_they_are_written() {
    let schemas = schemas();
    let mut places = BTreeSet::new();
    let mut missed = Vec::new();
    for name in [
        "file-sharing-violation.pcap",
        "ntlm-dc-account-locked-out.pcap",
        "impacket-logoff-refused.pcap",
    ] {
        for (format, schema) in [
            ("json", "report.schema.json"),
            ("jsonl", "report-events.schema.json"),
        ] {
            let o = Command::new(env!("CARGO_BIN_EXE_smbscope"))
                .arg(root().join("samples").join(name))
                .args(["--format", format])
                .output()
                .expect("run smbscope");
            let text = String::from_utf8(o.stdout).expect("UTF-8");
            let values: Vec<Value> = match format {
                "json" => vec![serde_json::from_str(&text).expect("JSON")],
                _ => text
                    .lines()
                    .map(|l| serde_json::from_str(l).expect("JSON"))
                    .collect(),
            };
            for v in &values {
                assert_eq!(schemas.validate(schema, v).len(), 0, "{name} {v}");
                let mut ids = Vec::new();
                hex_ids(v, "", &mut ids);
                for (ptr, kind) in ids {
                    let line = v.get("type").and_then(Value::as_str).unwrap_or("document");
                    places.insert(format!("{line} {}", generic(&ptr)));
                    let hex = v.pointer(&ptr).and_then(Value::as_str).expect("a string");
                    let n =
                        u64::from_str_radix(hex.strip_prefix("0x").expect("0x"), 16).expect("hex");
                    let mut wrong = vec![
                        json!(n),
                        json!(hex.to_uppercase().replacen("0X", "0x", 1)),
                        json!(format!("{n:x}")),
                    ];
                    match kind {
                        "session_id" => wrong.push(json!(format!("0x{n:016x}"))),
                        _ => {
                            wrong.push(json!(format!("0x{n:08x}")));
                            wrong.push(json!(format!("{:#x}", n | 1 << 32)));
                        }
                    }
                    for w in wrong {
                        if w == json!(hex) {
                            continue; // the same text (digits only, all 16 or 8)
                        }
                        let mut bad = v.clone();
                        *bad.pointer_mut(&ptr).expect("place") = w.clone();
                        if !schemas
                            .validate(schema, &bad)
                            .iter()
                            .any(|e| e.pointer == ptr)
                        {
                            missed.push(format!("{name} {format} {ptr} = {w}: passes"));
                        }
                    }
                }
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    for want in [
        "document /sessions/*/session_id",
        "document /trees/*/session_id",
        "document /trees/*/tree_id",
        "document /connections/*/errors/*/session_id",
        "document /connections/*/errors/*/tree_id",
        "document /connections/*/errors/*/held_by/session_id",
        "document /findings/*/session_id",
        "document /findings/*/session_ids/*",
        "session /session_id",
        "tree /session_id",
        "tree /tree_id",
        "finding /session_id",
        "finding /session_ids/*",
        "error /error/session_id",
        "error /error/tree_id",
        "error /error/held_by/session_id",
        "session_setup /session_id",
        "tree_connect /session_id",
        "tree_connect /tree_id",
        "logoff /session_id",
    ] {
        assert!(places.contains(want), "no {want} in {places:#?}");
    }
}
