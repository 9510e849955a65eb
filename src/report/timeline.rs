//! The text report of `smbscope FILE`: a header with the capture and
//! counts; per connection its negotiate result and timeline (relative time,
//! frame, direction, command, status, a short summary of the body); then
//! tables of sessions and trees (comfy-table), the Kerberos exchanges not
//! joined to an SMB connection, and the diagnosis. Fits 80 columns unless
//! `--verbose`.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::filter::Filter;
use super::messages::CaptureSummary;
use super::spool::Spool;
use super::style::{cut, wrap, wrap_into, Style};
use super::table::Table;
use super::Observer;
use crate::capture::Timestamp;
use crate::diagnose::{Diagnosis, Severity};
use crate::ntstatus::NtStatus;
use crate::session::{Connection, Model, Session, TimelineEntry, Tree};

/// Columns of the text report.
pub const WIDTH: usize = 80;

/// The indent of a summary wrapped under its timeline line.
const SUMMARY_INDENT: &str = "                       ";

/// Bytes of report text gathered before they are written out.
const CHUNK: usize = 1 << 16;

/// Everything the text report needs.
pub struct TextReport<'a> {
    pub file: &'a str,
    pub model: &'a Model,
    pub diagnosis: &'a Diagnosis,
    pub capture: &'a CaptureSummary<'a>,
    pub filter: &'a Filter,
    pub verbose: bool,
    pub style: Style,
}

/// Renders each connection's timeline when it closes (an [`Observer`] of
/// [`crate::report::analyze_with`]) into a [`Spool`], and frees it, so the
/// timelines of a capture are not all kept until the report is printed.
pub struct TimelineWriter<'a> {
    pub filter: &'a Filter,
    pub verbose: bool,
    pub style: Style,
    pub spool: Spool,
    buf: String,
}

impl<'a> TimelineWriter<'a> {
    pub fn new(filter: &'a Filter, verbose: bool, style: Style) -> Self {
        TimelineWriter {
            filter,
            verbose,
            style,
            spool: Spool::new(),
            buf: String::with_capacity(CHUNK),
        }
    }
}

impl Observer for TimelineWriter<'_> {
    fn closed(&mut self, model: &mut Model, ci: usize) {
        let Some(c) = model.connections.get(ci) else {
            return;
        };
        if self.filter.connection(c, model) {
            let text = ConnText {
                start: model.capture_start.or(model.first_time).unwrap_or_default(),
                verbose: self.verbose,
                style: self.style,
            };
            self.buf.clear();
            text.connection(&mut self.buf, c);
            self.spool.add(c.stream, self.buf.as_bytes());
        }
        model.connections[ci].timeline = Vec::new();
    }
}

impl TextReport<'_> {
    /// Writes the report; `timelines` holds the connections' timelines
    /// (from a [`TimelineWriter`]).
    pub fn write(&self, out: &mut impl Write, timelines: &mut Spool) -> io::Result<()> {
        let mut s = String::with_capacity(2 * CHUNK);
        self.header(&mut s);
        out.write_all(s.as_bytes())?;
        s.clear();
        timelines.write_sorted(out)?;
        self.sessions(&mut s);
        self.trees(&mut s);
        self.kerberos(&mut s);
        self.findings(&mut s);
        out.write_all(s.as_bytes())
    }

    fn start(&self) -> Timestamp {
        self.capture
            .stats
            .first_ts
            .or(self.model.first_time)
            .unwrap_or_default()
    }

    fn header(&self, s: &mut String) {
        let st = self.capture.stats;
        let m = self.model;
        let failed = m
            .sessions
            .iter()
            .filter(|x| !x.outcome.established())
            .count();
        let span = match (st.first_ts, st.last_ts) {
            (Some(a), Some(b)) => format!("{:.3} s from {a}", crate::session::secs_between(b, a)),
            _ => "empty".to_string(),
        };
        let _ = writeln!(
            s,
            "{}",
            self.style.bold(&format!("smbscope report: {}", self.file))
        );
        let _ = writeln!(s, "{} frames, {span}", st.frames);
        let _ = writeln!(
            s,
            "{} SMB connection(s), {} session(s) ({} not set up),",
            m.connections.len(),
            m.sessions.len(),
            failed
        );
        let _ = writeln!(
            s,
            "{} tree connect(s), {} Kerberos exchange(s) on port 88",
            m.trees.len(),
            m.kdc.len()
        );
        let d = self.diagnosis;
        let _ = writeln!(
            s,
            "Diagnosis: {} error(s), {} warning(s), {} note(s)",
            d.count(Severity::Error),
            d.count(Severity::Warning),
            d.count(Severity::Info)
        );
        for n in self.capture.cut_notes() {
            let _ = writeln!(s, "Note: {n}");
        }
        if let Some(e) = &self.capture.error {
            let _ = writeln!(
                s,
                "Note: the capture is damaged: {e}; what came before is reported."
            );
        }
        if !self.filter.is_empty() {
            s.push_str(&wrap(
                &format!("Filtered: {}", self.filter.describe()),
                "",
                WIDTH,
            ));
        }
    }
}

/// How a connection's timeline is written.
#[derive(Clone, Copy, Debug)]
struct ConnText {
    /// The capture's first frame: times are relative to it.
    start: Timestamp,
    verbose: bool,
    style: Style,
}

impl ConnText {
    fn connection(&self, s: &mut String, c: &Connection) {
        let _ = writeln!(s);
        let title = format!(
            "Connection tcp.stream eq {}: {} -> {}",
            c.stream, c.client, c.server
        );
        let _ = writeln!(s, "{}", self.style.bold(&title));
        for line in negotiate_lines(c) {
            wrap_into(s, &line, "  ", WIDTH);
        }
        let _ = writeln!(
            s,
            "{}",
            self.style.dim(&format!(
                "{:>10} {:>7} dir {:<16} status",
                "time", "frame", "command"
            ))
        );
        for e in &c.timeline {
            self.entry(s, e);
        }
        if c.timeline_omitted > 0 {
            let _ = writeln!(s, "  … {} more entries not kept", c.timeline_omitted);
        }
        if !self.verbose {
            let hidden = c.messages.saturating_sub(
                c.timeline
                    .iter()
                    .filter(|e| !e.command.starts_with("krb ") && !e.command.starts_with("TCP "))
                    .count() as u64,
            );
            if hidden > 0 {
                let _ = writeln!(
                    s,
                    "  ({hidden} routine messages not shown; --verbose shows them)"
                );
            }
        }
    }

    fn entry(&self, s: &mut String, e: &TimelineEntry) {
        let rel = crate::session::secs_between(e.time, self.start);
        let dir = if e.from_client { "C>S" } else { "S>C" };
        let line_start = s.len();
        let _ = write!(s, "{rel:>10.6} {:>7} {dir} ", e.frame);
        if e.command.len() <= 16 || e.command.chars().count() <= 16 {
            let _ = write!(s, "{:<16}", e.command);
        } else {
            let _ = write!(s, "{:<16}", cut(&e.command, 16));
        }
        s.push(' ');
        // The head and the status, unpainted, in characters.
        let head = &s[line_start..];
        let mut head_len = if head.is_ascii() {
            head.len()
        } else {
            head.chars().count()
        };
        match (&e.krb_error, e.status) {
            (Some((code, name)), _) => {
                let benign = crate::ntstatus::kerberos::is_benign(*code);
                head_len += name.chars().count();
                if self.style.color {
                    s.push_str(
                        &self
                            .style
                            .status(if benign { 0x0000_0103 } else { 0xC000_0000 }, name),
                    );
                } else {
                    s.push_str(name);
                }
            }
            (None, Some(v)) => {
                if self.style.color {
                    let t = NtStatus(v).to_string();
                    head_len += t.chars().count();
                    s.push_str(&self.style.status(v, &t));
                } else {
                    let from = s.len();
                    let _ = write!(s, "{}", NtStatus(v));
                    head_len += s[from..].chars().count();
                }
            }
            (None, None) => {}
        }
        let summary = &e.summary;
        if summary.is_empty() {
            s.push('\n');
            return;
        }
        if self.verbose || head_len + 2 + summary.chars().count() <= WIDTH {
            s.push_str("  ");
            s.push_str(summary);
            s.push('\n');
        } else {
            s.push('\n');
            let mut wrapped = String::with_capacity(summary.len() + 96);
            wrap_into(&mut wrapped, summary, SUMMARY_INDENT, WIDTH);
            let mut lines = wrapped.lines();
            for i in 0..3 {
                let Some(l) = lines.next() else {
                    break;
                };
                if i == 2 && lines.clone().next().is_some() {
                    s.push_str(&cut(&format!("{l} …"), WIDTH));
                } else {
                    s.push_str(l);
                }
                s.push('\n');
            }
        }
    }
}

impl TextReport<'_> {
    fn sessions(&self, s: &mut String) {
        let rows: Vec<&Session> = self
            .model
            .sessions
            .iter()
            .filter(|x| self.filter.session(x))
            .collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{}", self.style.bold("Sessions"));
        Table {
            header: &[
                "strm", "session", "user", "mech", "outcome", "status", "frames",
            ],
            rows: rows.len(),
            row: |i| session_row(rows[i]),
            width: WIDTH,
        }
        .write(s);
    }

    fn trees(&self, s: &mut String) {
        let rows: Vec<_> = self
            .model
            .trees
            .iter()
            .filter(|t| self.filter.tree(t, self.model))
            .collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{}", self.style.bold("Trees"));
        Table {
            header: &[
                "strm", "share", "type", "status", "opens", "reads", "writes", "errors",
            ],
            rows: rows.len(),
            row: |i| tree_row(rows[i]),
            width: WIDTH,
        }
        .write(s);
    }

    fn kerberos(&self, s: &mut String) {
        let rows: Vec<_> = self
            .model
            .kdc
            .iter()
            .filter(|x| x.smb_stream.is_none() && self.filter.kdc(x))
            .collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{}", self.style.bold("Kerberos exchanges (port 88)"));
        for x in rows {
            let rel = crate::session::secs_between(x.time, self.start());
            let reply = match (&x.reply, &x.error) {
                (_, Some(e)) => self.style.status(0xC000_0000, e),
                (Some(r), None) => r.to_string(),
                (None, None) => "no reply".to_string(),
            };
            let line = format!(
                "{rel:>10.6} {:>7} {} {}.stream {} {} for {} -> {reply}",
                x.request_frame,
                x.request,
                x.transport,
                x.stream,
                x.client_principal.as_deref().unwrap_or("?"),
                x.service_principal.as_deref().unwrap_or("?"),
            );
            let _ = writeln!(s, "{line}");
        }
    }

    fn findings(&self, s: &mut String) {
        let list: Vec<_> = self
            .diagnosis
            .findings
            .iter()
            .filter(|f| self.filter.finding(f, self.model))
            .collect();
        let _ = writeln!(s, "\n{}", self.style.bold("Diagnosis"));
        if list.is_empty() {
            let _ = writeln!(s, "  Nothing to report: no failure or weakness found.");
        }
        for f in list {
            let sev = self
                .style
                .severity(f.severity, &f.severity.as_str().to_uppercase());
            let _ = writeln!(s, "\n{sev} {}", f.code);
            s.push_str(&wrap(&f.title, "  ", WIDTH));
            let frames: Vec<String> = f.frames.iter().map(u64::to_string).collect();
            let where_ = match f.stream {
                Some(n) => format!(
                    "Evidence: {}.stream eq {n}, frames {}",
                    f.transport,
                    frames.join(", ")
                ),
                None => format!("Evidence: frames {}", frames.join(", ")),
            };
            s.push_str(&wrap(&where_, "  ", WIDTH));
            s.push_str(&wrap(&f.explanation, "  ", WIDTH));
            s.push_str(&wrap(&format!("Next: {}", f.next_step), "  ", WIDTH));
        }
        if self.diagnosis.omitted > 0 {
            let _ = writeln!(s, "\n… {} more findings not kept", self.diagnosis.omitted);
        }
    }
}

fn session_row(x: &Session) -> Vec<String> {
    let status = x
        .status
        .map_or_else(|| "-".to_string(), |st| st.to_string());
    let status = status.trim_start_matches("STATUS_");
    let frames = match x.rounds.last().and_then(|r| r.response_frame) {
        Some(l) => format!("{}-{l}", x.first_frame),
        None => format!("{}-", x.first_frame),
    };
    vec![
        x.stream.to_string(),
        x.session_id.to_string(),
        user_cell(x),
        x.mechanism.unwrap_or("-").replace("ntlmssp", "ntlm"),
        x.outcome.as_str().to_string(),
        status.to_string(),
        frames,
    ]
}

fn tree_row(x: &Tree) -> Vec<String> {
    let mut errors = String::new();
    for e in x.errors.iter().filter(|e| !e.benign) {
        if !errors.is_empty() {
            errors.push_str(", ");
        }
        let _ = write!(
            errors,
            "{} x{}",
            e.status.to_string().trim_start_matches("STATUS_"),
            e.count
        );
    }
    if errors.is_empty() {
        errors.push('-');
    }
    vec![
        x.stream.to_string(),
        x.share.rsplit('\\').next().unwrap_or(&x.share).to_string(),
        x.share_type.map_or_else(|| "-".into(), |t| t.to_string()),
        x.status
            .to_string()
            .trim_start_matches("STATUS_")
            .to_string(),
        x.opens.to_string(),
        format!("{} ({})", x.reads, bytes(x.read_bytes)),
        format!("{} ({})", x.writes, bytes(x.write_bytes)),
        errors,
    ]
}

fn user_cell(x: &Session) -> String {
    if let Some(p) = &x.client_principal {
        return p.clone();
    }
    match (&x.domain, &x.user) {
        (Some(d), Some(u)) => format!("{d}\\{u}"),
        (None, Some(u)) => u.clone(),
        _ => match &x.service_principal {
            Some(sp) => format!("(ticket {sp})"),
            None => "-".into(),
        },
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20))
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

/// The negotiate result in words.
fn negotiate_lines(c: &Connection) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(s) = &c.smb1_negotiate {
        let ans = match s.answer {
            Some("smb2") => "answered with SMB2",
            Some("smb1") => "an SMB1 dialect chosen",
            Some(_) => "no common dialect",
            None => "no answer",
        };
        v.push(format!(
            "SMB1 NEGOTIATE offering {}: {ans}",
            s.dialects.join(", ")
        ));
    }
    match &c.negotiate {
        Some(n) => {
            let Some(d) = &n.dialect else {
                v.push(format!(
                    "NEGOTIATE (offering {}) never answered",
                    n.offered_dialects
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                v.extend(end_line(c));
                return v;
            };
            let mut line = format!("SMB {d}");
            let signing = match (n.server_signing_required, n.client_signing_required) {
                (true, _) => "signing required by the server",
                (false, true) => "signing required by the client",
                (false, false) => "signing not required",
            };
            let _ = write!(line, ", {signing}");
            if let Some(ci) = &n.cipher {
                let _ = write!(line, ", cipher {ci}");
            }
            if !n.server_mechanisms.is_empty() {
                let _ = write!(line, ", server offers {}", n.server_mechanisms.join(", "));
            }
            if c.encrypted_messages > 0 {
                let _ = write!(line, "; {} encrypted messages", c.encrypted_messages);
            }
            v.push(line);
        }
        None if c.smb1_negotiate.is_none() => {
            v.push("no NEGOTIATE seen (the capture starts mid-connection)".to_string())
        }
        None => {}
    }
    v.extend(end_line(c));
    v
}

/// "closed by the client (FIN) at frame N", for a FIN or RST.
fn end_line(c: &Connection) -> Option<String> {
    let e = c
        .end
        .as_ref()
        .filter(|e| e.reason == "reset" || e.reason == "fin")?;
    Some(format!(
        "closed by the {} ({}) at frame {}",
        e.by,
        e.reason.to_uppercase(),
        e.frame
    ))
}
