//! `--format json` (one document) and `--format jsonl` (one object per
//! event, streamed while reading) for `smbscope FILE`. Keys are documented
//! in docs/report.md and schema/report.schema.json,
//! schema/report-events.schema.json.

use std::io::{self, Write};

use serde::Serialize;

use super::filter::Filter;
use super::json;
use super::messages::CaptureSummary;
use super::SCHEMA_VERSION;
use crate::diagnose::{CodeCount, Diagnosis, Finding};
use crate::session::events::{record_into, EventLines, EventMark};
use crate::session::{Connection, KdcExchange, KdcTcpFailure, Model, Session, Tree};

/// The JSON document.
#[derive(Serialize)]
pub struct ReportJson<'a> {
    pub schema_version: u32,
    pub capture: &'a CaptureSummary<'a>,
    pub connections: Vec<&'a Connection>,
    pub sessions: Vec<&'a Session>,
    pub trees: Vec<&'a Tree>,
    pub kerberos: Vec<&'a KdcExchange>,
    /// KDC exchanges past the ones kept (the whole capture's).
    pub kerberos_omitted: u64,
    pub kerberos_tcp_failures: Vec<&'a KdcTcpFailure>,
    /// Failed TCP connections to port 88 past the ones kept.
    pub kerberos_tcp_failures_omitted: u64,
    pub findings: Vec<&'a Finding>,
    pub findings_omitted: u64,
    /// The whole capture's findings per code and severity (not filtered;
    /// those not kept included).
    pub finding_counts: &'a [CodeCount],
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
            sessions: model
                .sessions
                .iter()
                .chain(&model.unseen_sessions)
                .filter(|s| f.session(s))
                .collect(),
            trees: f.trees(model),
            kerberos: model.kdc.iter().filter(|x| f.kdc(x)).collect(),
            kerberos_omitted: model.kdc_omitted,
            kerberos_tcp_failures: model
                .kdc_tcp_failures
                .iter()
                .filter(|x| f.kdc_tcp_failure(x))
                .collect(),
            kerberos_tcp_failures_omitted: model.kdc_tcp_failures_omitted,
            findings: f.findings(&d.findings, model),
            findings_omitted: d.omitted,
            finding_counts: &d.counts,
        }
    }

    /// Writes the document as `serde_json::to_writer_pretty` lays it out
    /// (and a newline), one list item at a time through
    /// [`crate::json::to_vec_pretty`]: the document is never whole in memory.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut buf = Vec::with_capacity(2 * CHUNK);
        buf.extend_from_slice(b"{\n  \"schema_version\": ");
        json::to_vec_pretty(&mut buf, &self.schema_version, 1)?;
        buf.extend_from_slice(b",\n  \"capture\": ");
        json::to_vec_pretty(&mut buf, self.capture, 1)?;
        list(out, &mut buf, "connections", &self.connections)?;
        list(out, &mut buf, "sessions", &self.sessions)?;
        list(out, &mut buf, "trees", &self.trees)?;
        list(out, &mut buf, "kerberos", &self.kerberos)?;
        buf.extend_from_slice(b",\n  \"kerberos_omitted\": ");
        json::to_vec_pretty(&mut buf, &self.kerberos_omitted, 1)?;
        list(
            out,
            &mut buf,
            "kerberos_tcp_failures",
            &self.kerberos_tcp_failures,
        )?;
        buf.extend_from_slice(b",\n  \"kerberos_tcp_failures_omitted\": ");
        json::to_vec_pretty(&mut buf, &self.kerberos_tcp_failures_omitted, 1)?;
        list(out, &mut buf, "findings", &self.findings)?;
        buf.extend_from_slice(b",\n  \"findings_omitted\": ");
        json::to_vec_pretty(&mut buf, &self.findings_omitted, 1)?;
        list(out, &mut buf, "finding_counts", self.finding_counts)?;
        buf.extend_from_slice(b"\n}\n");
        out.write_all(&buf)
    }
}

/// Bytes of the JSON document gathered before they are written out.
const CHUNK: usize = 1 << 16;

/// Writes `,\n  "key": [...]` of the document, items at depth 2.
fn list<T: Serialize>(
    out: &mut impl Write,
    buf: &mut Vec<u8>,
    key: &str,
    items: &[T],
) -> io::Result<()> {
    buf.extend_from_slice(b",\n  ");
    json::push_str(buf, key);
    buf.extend_from_slice(b": [");
    for (i, item) in items.iter().enumerate() {
        buf.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
        json::to_vec_pretty(buf, item, 2)?;
        if buf.len() >= CHUNK {
            out.write_all(buf)?;
            buf.clear();
        }
    }
    if !items.is_empty() {
        buf.extend_from_slice(b"\n  ");
    }
    buf.push(b']');
    Ok(())
}

/// An event passes the stream, session and host filters (the others apply
/// to the records written at the end).
pub fn event_passes(ev: &EventMark, f: &Filter) -> bool {
    f.stream
        .is_none_or(|n| (!ev.udp && ev.stream == n) || ev.smb_stream == Some(n))
        && f.session
            .is_none_or(|id| ev.session_id.is_none_or(|s| s == id))
        && f.host
            .is_none_or(|h| ev.hosts.is_some_and(|(a, b)| a == h || b == h))
}

/// Writes the event lines that pass the filters.
pub fn write_events(out: &mut impl Write, events: &EventLines, f: &Filter) -> io::Result<()> {
    for (mark, line) in events.lines() {
        if event_passes(mark, f) {
            out.write_all(line)?;
        }
    }
    Ok(())
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
    record_into(line, kind, v)?;
    out.write_all(line)
}

/// The last record of `--format jsonl`.
#[derive(Serialize)]
struct CaptureRecord<'a> {
    schema_version: u32,
    capture: &'a CaptureSummary<'a>,
    kerberos_omitted: u64,
    kerberos_tcp_failures_omitted: u64,
    findings_omitted: u64,
    finding_counts: &'a [CodeCount],
}

/// The records written after the capture is read: sessions, trees, failed
/// TCP connections to port 88, findings, then the capture summary.
pub fn write_end(
    out: &mut impl Write,
    model: &Model,
    d: &Diagnosis,
    capture: &CaptureSummary<'_>,
    f: &Filter,
) -> io::Result<()> {
    let mut line = Vec::new();
    let sessions = model.sessions.iter().chain(&model.unseen_sessions);
    for s in sessions.filter(|s| f.session(s)) {
        write_record(out, &mut line, "session", s)?;
    }
    for t in f.trees(model) {
        write_record(out, &mut line, "tree", t)?;
    }
    for x in model
        .kdc_tcp_failures
        .iter()
        .filter(|x| f.kdc_tcp_failure(x))
    {
        write_record(out, &mut line, "kerberos_tcp_failure", x)?;
    }
    for x in f.findings(&d.findings, model) {
        write_record(out, &mut line, "finding", x)?;
    }
    let cap = CaptureRecord {
        schema_version: SCHEMA_VERSION,
        capture,
        kerberos_omitted: model.kdc_omitted,
        kerberos_tcp_failures_omitted: model.kdc_tcp_failures_omitted,
        findings_omitted: d.omitted,
        finding_counts: &d.counts,
    };
    write_record(out, &mut line, "capture", &cap)
}
