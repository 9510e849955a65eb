//! `--format json` (one document) and `--format jsonl` (one object per
//! event, streamed while reading) for `smbscope FILE`. Keys are documented
//! in docs/report.md and schema/report.schema.json,
//! schema/report-events.schema.json.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::filter::Filter;
use super::messages::CaptureSummary;
use super::SCHEMA_VERSION;
use crate::diagnose::{Diagnosis, Finding};
use crate::session::{Connection, KdcExchange, Model, Session, Tree};

/// The JSON document.
#[derive(Serialize)]
pub struct ReportJson<'a> {
    pub schema_version: u32,
    pub capture: &'a CaptureSummary<'a>,
    pub connections: Vec<&'a Connection>,
    pub sessions: Vec<&'a Session>,
    pub trees: Vec<&'a Tree>,
    pub kerberos: Vec<&'a KdcExchange>,
    pub findings: Vec<&'a Finding>,
    pub findings_omitted: u64,
}

impl<'a> ReportJson<'a> {
    pub fn new(
        model: &'a Model,
        d: &'a Diagnosis,
        capture: &'a CaptureSummary<'a>,
        f: &Filter,
    ) -> Self {
        ReportJson {
            schema_version: SCHEMA_VERSION,
            capture,
            connections: model
                .connections
                .iter()
                .filter(|c| f.connection(c, model))
                .collect(),
            sessions: model.sessions.iter().filter(|s| f.session(s)).collect(),
            trees: model.trees.iter().filter(|t| f.tree(t, model)).collect(),
            kerberos: model.kdc.iter().filter(|x| f.kdc(x)).collect(),
            findings: d.findings.iter().filter(|x| f.finding(x, model)).collect(),
            findings_omitted: d.omitted,
        }
    }

    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        // serde writes in small pieces: buffer them here, where the
        // writer's type is known, rather than through a `dyn Write`.
        let mut w = io::BufWriter::with_capacity(1 << 16, out);
        serde_json::to_writer_pretty(&mut w, self)?;
        writeln!(w)?;
        w.flush()
    }
}

/// An event passes the stream and session filters (the others apply to the
/// records written at the end).
pub fn event_passes(ev: &Value, f: &Filter) -> bool {
    if let Some(n) = f.stream {
        if ev
            .get("stream")
            .and_then(Value::as_u64)
            .is_some_and(|s| s != n)
        {
            return false;
        }
    }
    if let Some(id) = f.session {
        let want = crate::session::sid_hex(id);
        if ev
            .get("session_id")
            .and_then(Value::as_str)
            .is_some_and(|s| s != want)
        {
            return false;
        }
    }
    true
}

/// Writes one event line (made in memory, then written at once: the
/// writer is often a `dyn Write`, too slow for serde's many small writes).
pub fn write_event(out: &mut impl Write, ev: &Value) -> io::Result<()> {
    thread_local! {
        static LINE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    LINE.with_borrow_mut(|line| {
        line.clear();
        serde_json::to_writer(&mut *line, ev)?;
        line.push(b'\n');
        let r = out.write_all(line);
        if line.capacity() > 1 << 20 {
            *line = Vec::new();
        }
        r
    })
}

fn tagged<T: Serialize>(kind: &str, key: &str, v: &T) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("type".into(), Value::from(kind));
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) if key.is_empty() => o.extend(m),
        Ok(x) => {
            o.insert(key.into(), x);
        }
        Err(e) => {
            o.insert("error".into(), Value::from(e.to_string()));
        }
    }
    Value::Object(o)
}

/// Writes `v` (a struct, serialized as an object) as one line with `"type":
/// kind` first and then its keys in their declared order — directly, not
/// through a `serde_json::Value` (which would sort the keys, and cost a
/// tree of allocations per record).
fn write_record<T: Serialize>(
    out: &mut impl Write,
    line: &mut Vec<u8>,
    kind: &str,
    v: &T,
) -> io::Result<()> {
    line.clear();
    line.extend_from_slice(b"{\"type\":");
    serde_json::to_writer(&mut *line, kind)?;
    let start = line.len();
    serde_json::to_writer(&mut *line, v)?;
    match &line[start..] {
        b"{}" => line.truncate(start + 1),
        [b'{', ..] => line[start] = b',',
        _ => return Err(io::Error::other("a report record is not a JSON object")),
    }
    if line.len() == start + 1 {
        line[start] = b'}';
    }
    line.push(b'\n');
    out.write_all(line)
}

/// The records written after the capture is read: sessions, trees,
/// findings, then the capture summary.
pub fn write_end(
    out: &mut impl Write,
    model: &Model,
    d: &Diagnosis,
    capture: &CaptureSummary<'_>,
    f: &Filter,
) -> io::Result<()> {
    let mut line = Vec::new();
    for s in model.sessions.iter().filter(|s| f.session(s)) {
        write_record(out, &mut line, "session", s)?;
    }
    for t in model.trees.iter().filter(|t| f.tree(t, model)) {
        write_record(out, &mut line, "tree", t)?;
    }
    for x in d.findings.iter().filter(|x| f.finding(x, model)) {
        write_record(out, &mut line, "finding", x)?;
    }
    let mut cap = tagged("capture", "capture", capture);
    if let Value::Object(o) = &mut cap {
        o.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
    }
    write_event(out, &cap)
}
