//! The text report of `smbscope FILE`: a header with the capture and
//! counts; per connection its negotiate result and timeline (relative time,
//! frame, direction, command, status, a short summary of the body); then
//! tables of sessions and trees (see `table`), the Kerberos exchanges not
//! joined to an SMB connection, and the diagnosis. Fits 80 columns, with
//! `--verbose` too.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::fastfmt;
use super::filter::Filter;
use super::messages::CaptureSummary;
use super::spool::Spool;
use super::style::{cut, text_width, wrap, wrap_into, StatusKind, Style};
use super::table::{Row, Table};
use super::Observer;
use crate::capture::Timestamp;
use crate::diagnose::{Diagnosis, Finding, Severity};
use crate::ntstatus::NtStatus;
use crate::session::{
    Connection, KdcExchange, KdcTcpFailure, Model, Outcome, Session, Timeline, TimelineEntry, Tree,
};

/// Columns of the text report.
pub const WIDTH: usize = 80;

/// The timeline's command column, in characters: SMB2's longest usual
/// name (QUERY_DIRECTORY) and SMB1's SESSION_SETUP_ANDX fit it.
const COMMAND_WIDTH: usize = 18;

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

/// Hands each connection's timeline to a [`Spool`] when it closes (an
/// [`Observer`] of [`crate::report::analyze_with`]), between the lines of
/// the connection's head (negotiate result, end, column heads) and what was
/// left out, and frees it, so the timelines of a capture are not all kept
/// until the report is printed. (The entries' lines are written as their
/// messages come, see [`write_entry`].)
pub struct TimelineWriter<'a> {
    pub filter: &'a Filter,
    pub verbose: bool,
    pub style: Style,
    pub spool: Spool,
    buf: String,
    tail: String,
    /// Room to make a line of a connection's head in.
    line: String,
}

impl<'a> TimelineWriter<'a> {
    /// A writer for the timelines that `build` made: their lines were
    /// written with `build.verbose` and `build.color`, and the connection
    /// heads and tails written here follow the same two.
    pub fn new(filter: &'a Filter, build: &crate::session::BuildOptions) -> Self {
        TimelineWriter {
            filter,
            verbose: build.verbose,
            style: Style { color: build.color },
            spool: Spool::new(),
            buf: String::with_capacity(CHUNK),
            tail: String::new(),
            line: String::new(),
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
                verbose: self.verbose,
                style: self.style,
            };
            self.buf.clear();
            text.head(&mut self.buf, &mut self.line, c, model);
            self.tail.clear();
            text.tail(&mut self.tail, c);
            self.spool.add_parts(
                c.stream,
                &[
                    self.buf.as_bytes(),
                    c.timeline.text.as_bytes(),
                    self.tail.as_bytes(),
                ],
            );
        }
        model.connections[ci].timeline = Timeline::default();
    }
}

impl TextReport<'_> {
    /// Writes the report; `timelines` holds the connections' timelines
    /// (from a [`TimelineWriter`]).
    pub fn write(&self, out: &mut impl Write, timelines: &mut Spool) -> io::Result<()> {
        let mut s = String::with_capacity(2 * CHUNK);
        // The findings the filters let through: their errors and warnings
        // are named under the header, and all are in the Diagnosis.
        let findings = self.filter.findings(&self.diagnosis.findings, self.model);
        self.header(&mut s, &findings);
        out.write_all(s.as_bytes())?;
        s.clear();
        timelines.write_sorted(out)?;
        // The tables have a row per session and per tree: written out in
        // chunks of [`CHUNK`] bytes as they are drawn, not gathered whole.
        let mut failed = None;
        let mut flush = |s: &mut String| {
            if s.len() >= CHUNK {
                if failed.is_none() {
                    failed = out.write_all(s.as_bytes()).err();
                }
                s.clear();
            }
        };
        self.sessions(&mut s, &mut flush);
        self.trees(&mut s, &mut flush);
        self.kerberos(&mut s);
        self.findings(&mut s, &findings);
        if let Some(e) = failed {
            return Err(e);
        }
        out.write_all(s.as_bytes())
    }

    fn start(&self) -> Timestamp {
        self.capture
            .stats
            .first_ts
            .or(self.model.first_time)
            .unwrap_or_default()
    }

    fn header(&self, s: &mut String, findings: &[&Finding]) {
        let st = self.capture.stats;
        let m = self.model;
        // A channel bound to a session ([MS-SMB2] 3.3.5.5.2) is an entry of
        // its own, not another session: counted apart.
        let (mut sessions, mut failed, mut channels, mut unbound) = (0, 0, 0, 0);
        for x in &m.sessions {
            let (n, f) = match x.bound_to_stream {
                Some(_) => (&mut channels, &mut unbound),
                None => (&mut sessions, &mut failed),
            };
            *n += 1;
            if !x.outcome.established() {
                *f += 1;
            }
        }
        let span = match st.first_ts {
            Some(_) => {
                let (a, b) = (st.earliest_ts, st.latest_ts);
                format!("{:.3} s from {a}", crate::session::secs_between(b, a))
            }
            None => "empty".to_string(),
        };
        let _ = writeln!(
            s,
            "{}",
            self.style.bold(&format!("smbscope report: {}", self.file))
        );
        let _ = writeln!(s, "{} frames, {span}", st.frames);
        let _ = write!(
            s,
            "{} SMB connection(s), {sessions} session(s) ({failed} not set up),",
            m.connections.len(),
        );
        if channels > 0 {
            let _ = write!(s, "\n{channels} more channel(s) bound to them");
            if unbound > 0 {
                let _ = write!(s, " ({unbound} not bound)");
            }
            s.push(',');
        }
        s.push('\n');
        let unseen_sessions = m.unseen_sessions.len();
        if unseen_sessions > 0 {
            let _ = writeln!(
                s,
                "{unseen_sessions} session(s) in use whose setup is not in the capture,"
            );
        }
        let unseen = m
            .trees
            .iter()
            .filter(|t| t.unseen_connect.is_some())
            .count();
        let _ = write!(s, "{} tree connect(s), ", m.trees.len() - unseen);
        if unseen > 0 {
            let _ = writeln!(s, "{unseen} tree(s) in use without one in the capture,");
        }
        let _ = write!(
            s,
            "{} Kerberos exchange(s) on port 88",
            m.kdc.len() as u64 + m.kdc_omitted
        );
        let tcp_failed = m.kdc_tcp_failures.len() as u64 + m.kdc_tcp_failures_omitted;
        if tcp_failed > 0 {
            let _ = write!(s, ",\n{tcp_failed} failed TCP connection(s) to port 88");
        }
        s.push('\n');
        let d = self.diagnosis;
        let _ = write!(
            s,
            "Diagnosis: {} error(s), {} warning(s), {} note(s)",
            d.total(Severity::Error),
            d.total(Severity::Warning),
            d.total(Severity::Info)
        );
        if d.omitted > 0 {
            let _ = write!(s, "; the first {} are kept", d.findings.len());
        }
        s.push('\n');
        self.header_findings(s, findings);
        let gaps_where = gaps_where(&m.connections);
        for n in self.capture.cut_notes(gaps_where.as_deref()) {
            s.push_str(&wrap(&format!("Note: {n}"), "", WIDTH));
        }
        if st.first_ts.is_some_and(|f| st.earliest_ts < f) {
            s.push_str(&wrap(
                "Note: time stamps go backwards in the capture; times in the timelines are relative to the first frame's, so some are negative.",
                "",
                WIDTH,
            ));
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

/// Errors and warnings named under the header's count of findings.
const HEADER_FINDINGS: usize = 5;

/// Where a title named under the header goes on: after its severity.
const HEADER_FINDING_INDENT: &str = "           ";

impl TextReport<'_> {
    /// The titles of the first [`HEADER_FINDINGS`] errors and warnings of
    /// `findings` (most severe first, as the Diagnosis section has them),
    /// one each after its severity, then how many more the Diagnosis holds:
    /// the Diagnosis comes last, after the timelines and tables.
    fn header_findings(&self, s: &mut String, findings: &[&Finding]) {
        let mut serious = findings
            .iter()
            .filter(|f| matches!(f.severity, Severity::Error | Severity::Warning));
        for f in serious.by_ref().take(HEADER_FINDINGS) {
            let start = s.len();
            if wrap_into(s, &f.title, HEADER_FINDING_INDENT, WIDTH) == 0 {
                continue;
            }
            let name = upper_name(f.severity);
            let mut head = String::with_capacity(HEADER_FINDING_INDENT.len() + 9);
            head.push_str("  ");
            head.push_str(&self.style.severity(f.severity, name));
            head.extend(std::iter::repeat_n(
                ' ',
                HEADER_FINDING_INDENT.len() - 2 - name.len(),
            ));
            s.replace_range(start..start + HEADER_FINDING_INDENT.len(), &head);
        }
        let more = serious.count();
        if more > 0 {
            let _ = writeln!(s, "  and {more} more — see Diagnosis below");
        }
    }
}

/// How a connection's timeline is written.
#[derive(Clone, Copy, Debug)]
struct ConnText {
    verbose: bool,
    style: Style,
}

impl ConnText {
    /// What comes before the entries: the connection, its negotiate
    /// result and end, the column heads.
    fn head(&self, s: &mut String, line: &mut String, c: &Connection, model: &Model) {
        s.push('\n');
        // "Connection tcp.stream eq N: CLIENT -> SERVER", bold.
        if self.style.color {
            s.push_str("\x1b[1m");
        }
        s.push_str("Connection tcp.stream eq ");
        s.push_str(itoa::Buffer::new().format(c.stream));
        s.push_str(": ");
        s.push_str(fastfmt::socket_addr(&c.client).as_str());
        s.push_str(" -> ");
        s.push_str(fastfmt::socket_addr(&c.server).as_str());
        if self.style.color {
            s.push_str("\x1b[0m");
        }
        s.push('\n');
        negotiate_lines(s, line, c);
        unseen_setup_lines(s, c, model);
        // `format!("{:>10} {:>7} dir {:<18} status", "time", "frame", "command")`, dim.
        const COLUMNS: &str = "      time   frame dir command            status";
        if self.style.color {
            s.push_str("\x1b[2m");
            s.push_str(COLUMNS);
            s.push_str("\x1b[0m");
        } else {
            s.push_str(COLUMNS);
        }
        s.push('\n');
    }

    /// What comes after the entries: what was not kept or not shown.
    fn tail(&self, s: &mut String, c: &Connection) {
        if c.timeline_omitted > 0 {
            s.push_str("  … ");
            s.push_str(itoa::Buffer::new().format(c.timeline_omitted));
            s.push_str(" more entries not kept\n");
        }
        if !self.verbose {
            let hidden = c.messages.saturating_sub(c.timeline.smb_kept);
            if hidden > 0 {
                s.push_str("  (");
                s.push_str(itoa::Buffer::new().format(hidden));
                s.push_str(" routine messages not shown; --verbose shows them)\n");
            }
        }
    }
}

/// The connection's sessions in use whose SESSION_SETUP the capture lacks
/// ([`crate::session::unseen::in_use`]), a line each: "session
/// 0x28000000001d: SESSION_SETUP not in the capture (first answered at
/// frame 2); 84 message(s), frames 2-101, 0 signed, 0 encrypted" (an SMB1
/// one's "UID 0x800"), and a line when more were not followed.
fn unseen_setup_lines(s: &mut String, c: &Connection, model: &Model) {
    for u in crate::session::unseen::in_use(model, c) {
        let what = if u.smb1 { "UID" } else { "session" };
        let mut t = format!(
            "{what} {}: SESSION_SETUP not in the capture (first answered at frame {}); {} message(s), frames {}-{}, {} signed, {} encrypted",
            crate::session::HexId(u.session_id),
            u.shown_frame.unwrap_or(u.first_frame),
            u.messages,
            u.first_frame,
            u.last_frame,
            u.signed,
            u.encrypted
        );
        if let Some(f) = u.ended_frame {
            let _ = write!(t, "; logged off at frame {f}");
        }
        s.push_str(&wrap(&t, "  ", WIDTH));
    }
    if c.unseen_setup_untracked {
        s.push_str(&wrap(
            &format!(
                "(more sessions whose SESSION_SETUP is not in the capture, not followed: {} a connection at most)",
                crate::session::MAX_UNSEEN_SETUP_SESSIONS
            ),
            "  ",
            WIDTH,
        ));
    }
}

/// A frame number right-aligned in the frame column (`{:>7}`).
fn push_frame(s: &mut String, frame: u64) {
    let mut n = itoa::Buffer::new();
    let frame = n.format(frame);
    for _ in frame.len()..7 {
        s.push(' ');
    }
    s.push_str(frame);
}

/// Writes a timeline entry's line (relative time, frame, direction, command,
/// status, summary), its summary wrapped under it when the line would not
/// fit [`WIDTH`]: three lines at most, or all of it when `verbose`. Times
/// are relative to `start`, the capture's first frame.
pub fn write_entry(
    s: &mut String,
    e: &TimelineEntry<'_>,
    start: Timestamp,
    verbose: bool,
    style: Style,
) {
    let line_start = s.len();
    write_rel_time(s, e.time.nanos_since(start));
    s.push(' ');
    push_frame(s, e.frame);
    s.push_str(if e.from_client { " C>S " } else { " S>C " });
    // An SMB1 command without its "SMB_COM_" ([MS-CIFS] 2.2.2.1): the
    // connection's first line names the dialect, and "SESSION_SETUP_ANDX"
    // fits the column where "SMB_COM_SESSION_SETUP_ANDX" would be cut.
    let command = e.command.strip_prefix("SMB_COM_").unwrap_or(e.command);
    let command_chars = text_width(command);
    if command_chars <= COMMAND_WIDTH {
        s.push_str(command);
        for _ in command_chars..COMMAND_WIDTH {
            s.push(' ');
        }
    } else {
        s.push_str(&cut(command, COMMAND_WIDTH));
    }
    s.push(' ');
    // The head and the status, unpainted, in characters.
    let head = &s[line_start..];
    let mut head_len = text_width(head);
    match (e.krb_error, e.status) {
        (Some((code, name)), _) => {
            head_len += name.chars().count();
            let kind = if crate::ntstatus::kerberos::is_benign(code) {
                StatusKind::Normal
            } else {
                StatusKind::Error
            };
            style.status_kind_into(s, kind, name);
        }
        (None, Some(v)) => {
            let kind = match StatusKind::of(v) {
                StatusKind::Error | StatusKind::Warning if e.normal_step => StatusKind::Normal,
                k => k,
            };
            match NtStatus(v).name() {
                Some(name) => {
                    head_len += name.chars().count();
                    style.status_kind_into(s, kind, name);
                }
                None => {
                    let t = NtStatus(v).to_string();
                    head_len += t.chars().count();
                    style.status_kind_into(s, kind, &t);
                }
            }
        }
        (None, None) => {}
    }
    let summary = e.summary;
    if summary.is_empty() {
        s.truncate(s.trim_end_matches(' ').len());
        s.push('\n');
        return;
    }
    let summary_chars = text_width(summary);
    if head_len + 2 + summary_chars <= WIDTH {
        s.push_str("  ");
        s.push_str(summary);
        s.push('\n');
        return;
    }
    // A request's empty status leaves the padding at the line's end.
    s.truncate(s.trim_end_matches(' ').len());
    s.push('\n');
    let from = s.len();
    if wrap_into(s, summary, SUMMARY_INDENT, WIDTH) <= 3 || verbose {
        return;
    }
    // Three lines at most: the third ends with " …" as more followed,
    // after a whole word. No word is cut (a user greps the report for a
    // principal or a path): the third line's last words give way while
    // " …" does not fit after them, and a line of one word keeps it whole,
    // " …" past WIDTH, as a word longer than a line is kept whole.
    let mut third = from;
    for _ in 0..2 {
        match s[third..].find('\n') {
            Some(i) => third += i + 1,
            None => return,
        }
    }
    let Some(third_len) = s[third..].find('\n') else {
        return;
    };
    if third + third_len + 1 == s.len() {
        return;
    }
    // The line's words start after the indent; a line ends at a word's end.
    let words = third + SUMMARY_INDENT.len();
    let mut end = third + third_len;
    while text_width(s.get(third..end).unwrap_or_default()) + 2 > WIDTH {
        match s.get(words..end).and_then(|w| w.rfind(' ')) {
            Some(i) => end = words + i,
            None => break,
        }
    }
    s.truncate(end);
    s.push_str(" …\n");
}

/// `format!("{:>10.6}", nanos as f64 / 1e9)`: seconds with six decimals,
/// right-aligned in ten columns, written from the integer nanoseconds.
fn write_rel_time(s: &mut String, nanos: i64) {
    // The f64 quotient is within 2^-53 relative of the exact one, so below
    // 10^15 ns (and off the exact half-microsecond, where the f64 falls
    // either side) it rounds to the same microsecond as the integers do.
    if !(0..1_000_000_000_000_000).contains(&nanos) || nanos % 1000 == 500 {
        let _ = write!(s, "{:>10.6}", nanos as f64 / 1e9);
        return;
    }
    let micros = (nanos + 500) / 1000;
    let mut secs = itoa::Buffer::new();
    let secs = secs.format(micros / 1_000_000);
    // "S.ffffff" is the seconds, a dot and six digits.
    for _ in secs.len() + 7..10 {
        s.push(' ');
    }
    s.push_str(secs);
    s.push('.');
    let frac = (micros % 1_000_000) as u32;
    let mut digits = [b'0'; 6];
    let mut v = frac;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    // Six ASCII digits, pushed one by one: `str::from_utf8` of the six
    // (a call of ~90 instructions) cost more than making them.
    for d in digits {
        s.push(char::from(d));
    }
}

impl TextReport<'_> {
    fn sessions(&self, s: &mut String, flush: &mut dyn FnMut(&mut String)) {
        let rows: Vec<&Session> = self
            .model
            .sessions
            .iter()
            .chain(&self.model.unseen_sessions)
            .filter(|x| self.filter.session(x))
            .collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{}", self.style.bold("Sessions"));
        // The sign column only when a session has something to show in it:
        // a table of failed logons keeps its width.
        let sign = rows.iter().any(|x| sign_cell(x) != "-");
        let header: &[&str] = if sign {
            &[
                "strm", "session", "user", "mech", "outcome", "sign", "status", "frames",
            ]
        } else {
            &[
                "strm", "session", "user", "mech", "outcome", "status", "frames",
            ]
        };
        Table {
            header,
            // The user, then the status (a long one under its row when the
            // page is too narrow for both).
            flexible: if sign { &[2, 6] } else { &[2, 5] },
            rows: rows.len(),
            row: |i, r: &mut Row| session_row(rows[i], sign, r),
            width: WIDTH,
        }
        .write_with(s, flush);
    }

    fn trees(&self, s: &mut String, flush: &mut dyn FnMut(&mut String)) {
        let rows = self.filter.trees(self.model);
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{}", self.style.bold("Trees"));
        // The status too gives up room when a row tells what the client
        // went on with after an unanswered TREE_CONNECT.
        let went_on = rows
            .iter()
            .any(|t| t.client_went_on.is_some() || t.unseen_connect.is_some());
        Table {
            header: &[
                "strm", "share", "type", "status", "opens", "reads", "writes", "errors",
            ],
            flexible: if went_on { &[1, 7, 3] } else { &[1, 7] },
            rows: rows.len(),
            row: |i, r: &mut Row| tree_row(rows[i], r),
            width: WIDTH,
        }
        .write_with(s, flush);
    }

    /// The KDC exchanges not shown under an SMB connection, and the TCP
    /// connections to port 88 that failed, in the order they began.
    fn kerberos(&self, s: &mut String) {
        // By the frame each began at: a request, or a SYN.
        let exchanges = self
            .model
            .kdc
            .iter()
            // Here also when the filters hide the SMB connection it is
            // joined to (--failed-only and a logon that fell back to NTLM).
            .filter(|x| {
                self.filter.kdc(x)
                    && x.smb_stream.is_none_or(|n| {
                        !self
                            .model
                            .connection(n)
                            .is_some_and(|c| self.filter.connection(c, self.model))
                    })
            })
            .map(|x| (x.request_frame, KdcLine::Exchange(x)));
        let failures = self
            .model
            .kdc_tcp_failures
            .iter()
            .filter(|f| self.filter.kdc_tcp_failure(f))
            .map(|f| (f.syn_frame, KdcLine::TcpFailure(f)));
        let mut lines: Vec<(u64, KdcLine<'_>)> = exchanges.chain(failures).collect();
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{}", self.style.bold("Kerberos exchanges (port 88)"));
        let start = self.start();
        lines.sort_by_key(|(frame, _)| *frame);
        for (_, line) in lines {
            match line {
                KdcLine::Exchange(x) => self.kdc_line(s, x, start),
                KdcLine::TcpFailure(f) => self.kdc_tcp_failure_line(s, f, start),
            }
        }
        if self.model.kdc_tcp_failures_omitted > 0 {
            let _ = writeln!(
                s,
                "  ({} more failed TCP connections to port 88 not kept)",
                self.model.kdc_tcp_failures_omitted
            );
        }
    }

    /// `{rel:>10.6} {frame:>7} TCP tcp.stream {n} -> refused (RST at frame
    /// F)` or `... no answer`, then `{client} -> {server}` under it.
    fn kdc_tcp_failure_line(&self, s: &mut String, f: &KdcTcpFailure, start: Timestamp) {
        write_rel_time(s, f.time.nanos_since(start));
        s.push(' ');
        push_frame(s, f.syn_frame);
        let _ = write!(s, " TCP tcp.stream {} -> ", f.stream);
        let what = if f.refused() {
            format!("refused (RST at frame {})", f.end.frame)
        } else {
            "no answer (no SYN-ACK)".to_string()
        };
        self.style.status_into(s, 0xC000_0000, &what);
        s.push('\n');
        wrap_into(
            s,
            &format!("{} -> {}", f.client, f.server),
            KDC_INDENT,
            WIDTH,
        );
    }

    /// `{rel:>10.6} {frame:>7} {request} {transport}.stream {n} -> {reply}`
    /// of one exchange, then `{client} for {service}` wrapped to the width
    /// under it, without the formatting machinery.
    fn kdc_line(&self, s: &mut String, x: &KdcExchange, start: Timestamp) {
        write_rel_time(s, x.time.nanos_since(start));
        s.push(' ');
        push_frame(s, x.request_frame);
        s.push(' ');
        push_code(s, x.request, x.request.name());
        s.push(' ');
        s.push_str(x.transport);
        s.push_str(".stream ");
        s.push_str(itoa::Buffer::new().format(x.stream));
        s.push_str(" -> ");
        match (&x.reply, &x.error) {
            (_, Some(e)) => self.style.status_into(s, 0xC000_0000, e),
            (Some(r), None) => push_code(s, *r, r.name()),
            (None, None) => s.push_str("no reply"),
        }
        s.push('\n');
        let mut who = String::with_capacity(64);
        who.push_str(x.client_principal.as_deref().unwrap_or("?"));
        who.push_str(" for ");
        who.push_str(x.service_principal.as_deref().unwrap_or("?"));
        if x.forwarded_tgt {
            who.push_str(" (forwarded TGT)");
        }
        wrap_into(s, &who, KDC_INDENT, WIDTH);
    }

    fn findings(&self, s: &mut String, list: &[&Finding]) {
        let _ = writeln!(s, "\n{}", self.style.bold("Diagnosis"));
        counts_by_code(s, self.diagnosis, self.style);
        if list.is_empty() {
            let analysed = !(self.model.connections.is_empty()
                && self.model.kdc.is_empty()
                && self.model.kdc_tcp_failures.is_empty());
            let line = nothing_found(self.diagnosis, self.filter, analysed);
            wrap_into(s, &line, "  ", WIDTH);
        }
        // One line buffer for the evidence and "Next:" texts, wrapped from it.
        let mut line = String::new();
        for f in list.iter().copied() {
            let sev = self.style.severity(f.severity, upper_name(f.severity));
            let _ = writeln!(s, "\n{sev} {}", f.code);
            wrap_into(s, &f.title, "  ", WIDTH);
            evidence_text(&mut line, f);
            wrap_into(s, &line, "  ", WIDTH);
            wrap_into(s, &f.explanation, "  ", WIDTH);
            line.clear();
            line.push_str("Next: ");
            line.push_str(&f.next_step);
            wrap_into(s, &line, "  ", WIDTH);
        }
        if self.diagnosis.omitted > 0 {
            let _ = writeln!(s, "\n… {} more findings not kept", self.diagnosis.omitted);
        }
    }
}

/// The Diagnosis section's line when no finding is shown: nothing to
/// look at (no SMB or Kerberos traffic was followed: `analysed` false),
/// nothing found, or nothing that the filters let through (and how many
/// they hide).
fn nothing_found(d: &crate::diagnose::Diagnosis, filter: &Filter, analysed: bool) -> String {
    let all = d.findings.len() as u64 + d.omitted;
    if !analysed && all == 0 {
        return "Nothing analysed: no SMB connection and no Kerberos exchange was found on the ports followed (445, 139, 88 and --port), so no finding could be made.".to_string();
    }
    if filter.is_empty() || all == 0 {
        return "Nothing to report: no failure or weakness found.".to_string();
    }
    format!(
        "No finding matches the filter ({}); the whole capture has {all}: {} error(s), {} warning(s), {} note(s).",
        filter.describe(),
        d.total(Severity::Error),
        d.total(Severity::Warning),
        d.total(Severity::Info)
    )
}

/// Findings past which the Diagnosis section begins with their count per
/// code.
const COUNTS_FROM: u64 = 10;

/// "Findings by code" (the whole capture's, those not kept included), when
/// there are more than [`COUNTS_FROM`]: one line per code and severity,
/// most severe first, then the most frequent.
fn counts_by_code(s: &mut String, d: &crate::diagnose::Diagnosis, style: Style) {
    let all = d.findings.len() as u64 + d.omitted;
    if all <= COUNTS_FROM {
        return;
    }
    let _ = writeln!(s, "\nFindings by code ({all} in the whole capture):");
    for c in &d.counts {
        let name = upper_name(c.severity);
        let pad = " ".repeat(8 - name.len());
        let _ = writeln!(
            s,
            "  {:>7}  {}{pad}{}",
            c.count,
            style.severity(c.severity, name),
            c.code
        );
    }
}

/// A severity's name in capitals, as the findings' heads show it.
fn upper_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

/// "Evidence: tcp.stream eq N, frames A, B" ("frame A" for one; or "tcp.stream in {N, M}"
/// when the finding stands for items on a few streams, no stream when on
/// many), into `line`.
fn evidence_text(line: &mut String, f: &crate::diagnose::Finding) {
    line.clear();
    line.push_str("Evidence: ");
    if f.stream_filter(line) {
        line.push_str(", ");
    }
    line.push_str(if f.frames.len() == 1 {
        "frame "
    } else {
        "frames "
    });
    for (i, &n) in f.frames.iter().enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        line.push_str(itoa::Buffer::new().format(n));
    }
}

/// A session's cells: stream, id, user, mechanism, outcome, `sign` (when
/// the table has that column), status, frames.
fn session_row(x: &Session, sign: bool, r: &mut Row) {
    r.num(x.stream);
    r.end();
    r.push_str(x.session_id.text().as_str());
    r.end();
    user_cell(x, r);
    r.end();
    // As the JSON names it: "ntlmssp" (NTLMSSP, in SPNEGO or raw) stays
    // apart from SMB1's "ntlm" (a logon without extended security).
    r.cell(x.mechanism.unwrap_or("-"));
    // A channel bound to the session of another row: the same session.
    match x.bound_to_stream {
        Some(b) if x.outcome.established() => {
            r.push_str("bound to ");
            r.num(b);
            r.end();
        }
        _ => r.cell(x.outcome.as_str()),
    }
    if sign {
        r.cell(sign_cell(x));
    }
    // A KRB-ERROR the server put in its last answer's token says more than
    // that answer's MORE_PROCESSING_REQUIRED.
    let krb_error = x.rounds.last().and_then(|l| {
        l.kerberos_error_code()
            .filter(|&k| !crate::ntstatus::kerberos::is_benign(k))
            .and(l.kerberos_error())
    });
    // An unfinished setup whose last request got no answer: its status is
    // the round before's (MORE_PROCESSING_REQUIRED), not an outcome.
    let unanswered = x.outcome == Outcome::Unfinished
        && x.rounds.last().is_some_and(|l| l.response_frame.is_none());
    match (krb_error, x.status) {
        (Some(e), _) => r.cell(e),
        // A session in use whose SESSION_SETUP the capture lacks.
        _ if x.unseen_setup.is_some() => {
            if let Some(u) = &x.unseen_setup {
                r.push_str(&u.told(x.logoff_frame));
            }
            r.end();
        }
        // The client went on with a SessionId: what that shows.
        _ if unanswered => match &x.client_went_on {
            Some(w) => {
                r.push_str("no response; ");
                r.push_str(&w.told(x.session_id));
                r.end();
            }
            None => r.cell("no response"),
        },
        (None, Some(st)) => status_cell(r, st),
        (None, None) => r.cell("-"),
    }
    r.num(x.first_frame);
    r.push_str("-");
    // Its setup's last response; of one the capture lacks, its last
    // message.
    let last = x.rounds.last().and_then(|r| r.response_frame);
    if let Some(l) = last.or(x.unseen_setup.as_ref().map(|u| u.last_frame)) {
        r.num(l);
    }
    r.end();
}

/// How the session's messages after its setup were protected, as the JSON's
/// `signed` and `encryption` say: `enc` all encrypted (or ENCRYPT_DATA with
/// nothing after the setup), `yes` signed (what was not encrypted),
/// `part` some encrypted and the rest not all signed, `no` none of them
/// signed nor encrypted, `-` not set up, or nothing after the setup to tell.
fn sign_cell(x: &Session) -> &'static str {
    use crate::session::Encryption;
    match x.encryption {
        Encryption::All | Encryption::Required => "enc",
        _ if x.is_signed() => "yes",
        _ if !x.outcome.established() || x.messages_after_setup == 0 => "-",
        Encryption::Some => "part",
        Encryption::None => "no",
    }
}

/// A tree's cells: stream, share, type, status, opens, reads, writes, errors.
fn tree_row(x: &Tree, r: &mut Row) {
    r.num(x.stream);
    r.end();
    if x.unseen_connect.is_some() {
        r.cell("?");
    } else {
        r.cell(x.share.rsplit('\\').next().unwrap_or(&x.share));
    }
    match x.share_type {
        Some(t) => {
            push_code(r, t, t.name());
            r.end();
        }
        None => r.cell("-"),
    }
    match (x.status, &x.client_went_on) {
        (Some(st), _) => status_cell(r, st),
        // A tree in use whose TREE_CONNECT the capture lacks.
        (None, None) if x.unseen_connect.is_some() => {
            if let Some(u) = &x.unseen_connect {
                r.push_str(&u.told());
            }
            r.end();
        }
        // A TREE_CONNECT the capture holds no answer to (its server's
        // side missing): what the client's later requests show.
        (None, Some(w)) => {
            r.push_str("no response; ");
            r.push_str(&w.told(x.tree_id));
            r.end();
        }
        (None, None) => r.cell("no response"),
    }
    if x.status.is_none() && x.unseen_connect.is_none() {
        // No response to count (the status cell tells what the client's
        // requests asked, when it went on with a TreeId).
        r.cell("-");
        r.cell("-");
        r.cell("-");
    } else {
        r.num(x.opens);
        r.end();
        count_bytes_cell(r, x.reads, x.read_bytes);
        count_bytes_cell(r, x.writes, x.write_bytes);
    }
    let mut any = false;
    for e in x.errors.iter().filter(|e| !e.benign) {
        if any {
            r.push_str(", ");
        }
        any = true;
        status_text(r, e.status);
        r.push_str(" x");
        r.num(e.count);
    }
    if !any {
        r.push_str("-");
    }
    r.end();
}

/// A status as a cell: its name without "STATUS_", or its code in hex.
fn status_cell(r: &mut Row, st: NtStatus) {
    status_text(r, st);
    r.end();
}

/// `st.to_string().trim_start_matches("STATUS_")`, appended to the current cell.
fn status_text(r: &mut Row, st: NtStatus) {
    match st.name() {
        Some(mut n) => {
            // `trim_start_matches` with a `&str` pattern sets up a searcher
            // each time; this loop removes the same prefixes.
            while let Some(rest) = n.strip_prefix("STATUS_") {
                n = rest;
            }
            r.push_str(n);
        }
        None => {
            let _ = write!(r, "{st}");
        }
    }
}

/// "N (size)" as a cell: an operation count and its bytes.
fn count_bytes_cell(r: &mut Row, count: u64, n: u64) {
    r.num(count);
    r.push_str(" (");
    bytes(r, n);
    r.push_str(")");
    r.end();
}

/// Who the session is for: the Kerberos client, DOMAIN\\user, "(client
/// unknown) ticket for" the ticket's service (the AP-REQ carries the client
/// encrypted), or "-".
fn user_cell(x: &Session, r: &mut Row) {
    if let Some(p) = &x.client_principal {
        return r.push_str(p);
    }
    match (&x.domain, &x.user) {
        (Some(d), Some(u)) => {
            r.push_str(d);
            r.push_str("\\");
            r.push_str(u);
        }
        (None, Some(u)) => r.push_str(u),
        // A session whose logon the capture lacks: whose, not known.
        _ if x.unseen_setup.is_some() => r.push_str("?"),
        _ => match &x.service_principal {
            Some(sp) => {
                r.push_str("(client unknown) ticket for ");
                r.push_str(sp);
            }
            None => r.push_str("-"),
        },
    }
}

/// A byte count: "N B", or in KiB or MiB with one decimal.
fn bytes(r: &mut Row, n: u64) {
    if n >= 1 << 20 {
        let _ = write!(r, "{:.1} MiB", n as f64 / f64::from(1u32 << 20));
    } else if n >= 1 << 10 {
        let _ = write!(r, "{:.1} KiB", n as f64 / 1024.0);
    } else {
        r.num(n);
        r.push_str(" B");
    }
}

/// The lines about a connection's setup in words (NetBIOS session, SMB1
/// and SMB2 NEGOTIATE, how it ended), each wrapped into `s`; `line` is room
/// to make them in.
fn negotiate_lines(s: &mut String, line: &mut String, c: &Connection) {
    line.clear();
    if let Some(n) = &c.netbios {
        netbios_line(line, n);
        wrap_line(s, line);
    }
    if let Some(x) = &c.smb1_negotiate {
        let ans = match x.answer {
            Some("smb2") => "answered with SMB2",
            Some("smb1") => "an SMB1 dialect chosen",
            Some(_) => "no common dialect",
            None => "no answer",
        };
        let _ = write!(
            line,
            "SMB1 NEGOTIATE offering {}: {ans}",
            x.dialects.join(", ")
        );
        if x.plaintext_passwords {
            line.push_str(", which asks for plaintext passwords");
        }
        wrap_line(s, line);
    }
    match &c.negotiate {
        Some(n) => match n.dialect {
            Some(d) => dialect_line(line, c, n, d),
            None => no_dialect_line(line, n, c.server_gap_bytes > 0),
        },
        // after a refused NetBIOS session there can be none
        None if c
            .netbios
            .as_ref()
            .is_some_and(|x| x.answer == Some("negative")) => {}
        None if c.smb1_negotiate.is_none() && c.saw_syn && c.server_silent && c.messages == 0 => {
            line.push_str("no answer from the server to the client's SYN (no SYN-ACK, no RST)")
        }
        None if c.smb1_negotiate.is_none() && c.messages == 0 && c.skipped_bytes > 0 => {
            let _ = write!(
                line,
                "no SMB message: {} bytes from the client and {} from the server are not SMB",
                c.skipped_bytes - c.server_skipped_bytes,
                c.server_skipped_bytes
            );
            if let Some(f) = c.first_skipped_frame {
                let _ = write!(line, " (from frame {f})");
            }
            if let Some(h) = &c.skipped_head {
                let _ = write!(line, "; they begin with {}", h.describe());
            }
        }
        None if c.smb1_negotiate.is_none() && c.saw_syn => line.push_str("no NEGOTIATE seen"),
        None if c.smb1_negotiate.is_none() => {
            line.push_str("no NEGOTIATE seen (the capture starts mid-connection)")
        }
        None => {}
    }
    wrap_line(s, line);
    end_line(line, c);
    wrap_line(s, line);
    if c.gap_bytes > 0 {
        let _ = write!(
            line,
            "{} bytes missing from the capture ({} gap{}), ",
            c.gap_bytes,
            c.gaps,
            if c.gaps == 1 { "" } else { "s" }
        );
        gap_place(line, c);
        wrap_line(s, line);
    }
}

/// Where a connection's first gap is: "in what the server sent: the
/// message of frame N is cut" ("the first in ..." of several gaps; "found at
/// frame N" when no message was cut by it).
fn gap_place(line: &mut String, c: &Connection) {
    let Some((from_client, found)) = c.first_gap else {
        return;
    };
    if c.gaps > 1 {
        line.push_str("the first ");
    }
    line.push_str(if from_client {
        "in what the client sent: "
    } else {
        "in what the server sent: "
    });
    match c.first_gap_message_frame {
        Some(f) => {
            let _ = write!(line, "the message of frame {f} is cut");
        }
        None => {
            let _ = write!(line, "found at frame {found}");
        }
    }
}

/// Where the capture's gaps are, for the header's note: the SMB connection
/// with the first gap, and how many have gaps.
fn gaps_where(connections: &[Connection]) -> Option<String> {
    let with: Vec<&Connection> = connections.iter().filter(|c| c.gaps > 0).collect();
    let first = with
        .iter()
        .min_by_key(|c| c.first_gap.map_or(u64::MAX, |(_, f)| f))?;
    let mut s = String::new();
    if with.len() > 1 {
        let _ = write!(s, "{} SMB connections, the first ", with.len());
    }
    let _ = write!(s, "tcp.stream {}, ", first.stream);
    gap_place(&mut s, first);
    Some(s)
}

/// Wraps `line` (nothing when empty) into `s` and empties it.
fn wrap_line(s: &mut String, line: &mut String) {
    wrap_into(s, line, "  ", WIDTH);
    line.clear();
}

/// Appends an open code's name, or what its `Display` writes when it has
/// none (its number): the text of `{v}` without the formatting machinery
/// for known codes.
fn push_code<W: std::fmt::Write, T: std::fmt::Display>(out: &mut W, v: T, name: Option<&str>) {
    let _ = match name {
        Some(n) => out.write_str(n),
        None => write!(out, "{v}"),
    };
}

/// "SMB 3.1.1, signing not required, cipher AES-128-GCM, server offers ntlmssp".
fn dialect_line(
    line: &mut String,
    c: &Connection,
    n: &crate::session::model::Negotiate,
    d: crate::smb2::negotiate::Dialect,
) {
    line.push_str("SMB ");
    push_code(line, d, d.name());
    if d == crate::smb2::negotiate::Dialect::SMB2_WILDCARD {
        line.push_str(" (");
        line.push_str(crate::smb2::negotiate::Dialect::WILDCARD_MEANING);
        line.push_str(", no SMB2 NEGOTIATE after it)");
    }
    line.push_str(
        match (n.server_signing_required, n.client_signing_required) {
            (true, _) => ", signing required by the server",
            (false, true) => ", signing required by the client",
            (false, false) => ", signing not required",
        },
    );
    if let Some(ci) = n.cipher {
        line.push_str(", cipher ");
        push_code(line, ci, ci.name());
    }
    if !n.server_mechanisms.is_empty() {
        line.push_str(", server offers ");
        for (i, m) in n.server_mechanisms.iter().enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            line.push_str(m);
        }
    }
    if c.encrypted_messages > 0 {
        line.push_str("; ");
        line.push_str(itoa::Buffer::new().format(c.encrypted_messages));
        line.push_str(" encrypted messages");
    }
}

/// Where the principals of a "Kerberos exchanges (port 88)" line go: under
/// the request's name.
const KDC_INDENT: &str = "                   ";

/// A line of the "Kerberos exchanges (port 88)" list.
enum KdcLine<'a> {
    Exchange(&'a KdcExchange),
    TcpFailure(&'a KdcTcpFailure),
}

/// A NEGOTIATE without a dialect: never answered (or its answer not in a
/// capture that lacks server bytes: `server_unseen`), refused, or its
/// response's body not in the capture.
fn no_dialect_line(line: &mut String, n: &crate::session::model::Negotiate, server_unseen: bool) {
    let offering = if n.offered_dialects.is_empty() {
        String::new()
    } else {
        format!(
            " (offering {})",
            crate::smb2::negotiate::dialect_list(&n.offered_dialects)
        )
    };
    let _ = match (n.response_frame, n.status) {
        (Some(f), Some(crate::ntstatus::NtStatus::SUCCESS)) => write!(
            line,
            "NEGOTIATE{offering} answered at frame {f}; the dialect is not in the capture (the response's body is cut short or malformed)"
        ),
        (Some(f), Some(st)) => write!(line, "NEGOTIATE{offering} answered at frame {f} with {st}"),
        _ if server_unseen => write!(
            line,
            "NEGOTIATE{offering}: no answer in the capture, which lacks bytes the server sent"
        ),
        _ => write!(line, "NEGOTIATE{offering} never answered"),
    };
}

/// "NetBIOS session to FILESRV<20> from CLIENT1<00>: accepted", or why not.
fn netbios_line(line: &mut String, s: &crate::session::model::NetbiosSession) {
    line.push_str("NetBIOS session");
    if let Some(n) = &s.called_name {
        let _ = write!(line, " to {n}");
    }
    if let Some(n) = &s.calling_name {
        let _ = write!(line, " from {n}");
    }
    let _ = match (s.answer, s.error) {
        (Some("positive"), _) => write!(line, ": accepted"),
        (Some("negative"), Some(e)) => {
            write!(line, ": refused (0x{:02x} {e}, {})", e.0, e.meaning())
        }
        (Some("negative"), None) => write!(line, ": refused (error code not in the capture)"),
        (Some("retarget"), _) => match (&s.retarget, &s.retarget_address) {
            (Some(to), _) => write!(line, ": retargeted to {to}"),
            (None, Some(ip)) => write!(line, ": retargeted to {ip} (port not in the capture)"),
            (None, None) => write!(line, ": retargeted (address not in the capture)"),
        },
        _ => write!(line, ": no answer"),
    };
}

/// "closed by the client (FIN) at frame N", for a FIN or RST.
fn end_line(line: &mut String, c: &Connection) {
    let Some(e) = c
        .end
        .as_ref()
        .filter(|e| e.reason == "reset" || e.reason == "fin")
    else {
        return;
    };
    line.push_str("closed by the ");
    line.push_str(e.by);
    line.push_str(if e.reason == "reset" {
        " (RESET) at frame "
    } else {
        " (FIN) at frame "
    });
    line.push_str(itoa::Buffer::new().format(e.frame));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_time_matches_float_formatting() {
        let mut values: Vec<i64> = vec![
            0,
            1,
            499,
            500,
            501,
            999,
            1000,
            1500,
            232_000,
            999_999_499,
            999_999_500,
            999_999_501,
            9_999_999_999,
            99_999_999_499,
            4_159_510_000_500,
            66_136_510_123_456,
            999_999_999_999_999,
            1_000_000_000_000_000,
            -1,
            -1_500,
            i64::MAX,
            i64::MIN,
        ];
        // A fixed pseudo-random walk over the nanoseconds of a long capture.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x % 200_000_000_000_000) as i64);
            values.push((x % 10_000_000_000) as i64);
        }
        for n in values {
            let mut s = String::from("|");
            write_rel_time(&mut s, n);
            assert_eq!(s, format!("|{:>10.6}", n as f64 / 1e9), "{n}");
        }
    }

    /// The coloured timelines (`-v`, on a terminal) of a capture, or None
    /// when it is absent (a corpus capture).
    fn coloured_timelines(path: &std::path::Path) -> Option<String> {
        use crate::session::{BuildOptions, Builder};
        let f = std::fs::File::open(path).ok()?;
        let mut r = crate::capture::CaptureReader::new(f).expect("capture");
        let mut b = Builder::new(BuildOptions {
            verbose: true,
            timeline: true,
            color: true,
            events: false,
        });
        crate::pipeline::run(&mut r, &crate::pipeline::Options::default(), |ev| {
            b.event(ev)
        });
        b.close_all();
        Some(
            b.model
                .connections
                .iter()
                .map(|c| c.timeline.text.as_str())
                .collect(),
        )
    }

    /// How often `name` is painted in each colour in `text`: (ANSI code,
    /// count).
    fn paints(text: &str, name: &str) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for (i, _) in text.match_indices(&format!("m{name}\x1b[0m")) {
            let code = text[..i]
                .rsplit("\x1b[")
                .next()
                .unwrap_or_default()
                .to_string();
            match out.iter_mut().find(|(c, _)| *c == code) {
                Some((_, n)) => *n += 1,
                None => out.push((code, 1)),
            }
        }
        out
    }

    /// A status is coloured by what it means where it came: the middle
    /// round of a logon (MORE_PROCESSING_REQUIRED, [MS-SMB2] 3.3.5.5.3), an
    /// interim PENDING, the end of a listing or a file, a change notify's
    /// NOTIFY_ENUM_DIR and a DFS referral refused by a server without DFS
    /// (NOT_FOUND to FSCTL_DFS_GET_REFERRALS) in cyan as normal steps, not
    /// yellow as warnings; success green, a refused logon red. On the
    /// samples and public captures that hold each (tshark: smb2.nt_status).
    #[test]
    fn statuses_are_coloured_by_what_they_mean() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let cases: [(&str, &[(&str, &str)]); 5] = [
            (
                "samples/ntlm-wrong-password.pcap",
                &[
                    ("STATUS_MORE_PROCESSING_REQUIRED", "36"),
                    ("STATUS_LOGON_FAILURE", "31"),
                    ("STATUS_SUCCESS", "32"),
                ],
            ),
            (
                "samples/anonymous-list-shares.pcap",
                &[("STATUS_PENDING", "36")],
            ),
            // Frame 15: IOCTL FSCTL_DFS_GET_REFERRALS answered 0xc0000225.
            ("samples/file-disk-full.pcap", &[("STATUS_NOT_FOUND", "36")]),
            (
                "../shared/corpus/public/sv-smb2-peter-guest.pcap",
                &[("STATUS_NO_MORE_FILES", "36"), ("STATUS_END_OF_FILE", "36")],
            ),
            (
                "../shared/corpus/public/zeek-smb2-readwrite-midstream.pcap",
                &[("STATUS_NOTIFY_ENUM_DIR", "36")],
            ),
        ];
        for (path, want) in cases {
            let Some(text) = coloured_timelines(&root.join(path)) else {
                assert!(path.contains("corpus"), "{path} missing");
                continue;
            };
            for (name, code) in want {
                let got = paints(&text, name);
                assert!(
                    got.len() == 1 && got[0].0 == *code,
                    "{path}: {name} painted {got:?}, want all {code}"
                );
            }
        }
    }
}
