//! The `smbscope FILE` (report) and `smbscope check` commands.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use smbscope::capture::CaptureReader;
use smbscope::check::{self, Policy};
use smbscope::report::filter::{parse_session_id, Filter};
use smbscope::report::messages::CaptureSummary;
use smbscope::report::report_json::{self, ReportJson};
use smbscope::report::style::Style;
use smbscope::report::timeline::{TextReport, TimelineWriter};
use smbscope::report::{analyze_with, Analysis, Format, Observer};
use smbscope::session::events::EventLines;
use smbscope::session::{BuildOptions, Model};

use super::{
    describe, display_name, exit, is_live, is_stdin, open_input, options, output, parse_port,
    write_failure, InputArgs,
};

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format: text (timeline, tables, diagnosis), json (one document), jsonl (events).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Show every message in the timelines, with header fields and full summaries.
    #[arg(long, short)]
    verbose: bool,
    /// Only this TCP stream (Wireshark's tcp.stream).
    #[arg(long, value_name = "N")]
    stream: Option<u64>,
    /// Only this session (SessionId, 0x... hex or decimal).
    #[arg(long, value_name = "ID", value_parser = parse_session_id)]
    session: Option<u64>,
    /// Only sessions, trees, Kerberos exchanges and findings of this user (substring of user, DOMAIN\user or Kerberos principal).
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Only connections from or to this address (with their sessions, trees, Kerberos exchanges and findings).
    #[arg(long, value_name = "ADDR")]
    host: Option<std::net::IpAddr>,
    /// Only sessions that were not set up, failed trees, Kerberos errors and error findings.
    #[arg(long)]
    failed_only: bool,
}

impl ReportArgs {
    fn filter(&self) -> Filter {
        Filter {
            stream: self.stream,
            session: self.session,
            user: self.user.clone(),
            host: self.host,
            failed_only: self.failed_only,
        }
    }
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Junit,
    Json,
    Jsonl,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Pcap or pcapng files, as they are or compressed by gzip, zstd or lz4, or - for standard input (once): each is judged on its own, one after another, with the same checks.
    #[arg(required = true, value_name = "FILE", value_parser = clap::value_parser!(PathBuf))]
    files: Vec<PathBuf>,
    /// Another TCP port that carries SMB (445 and 139 always do), 1 to 65535 (port 0 is a usage error, exit 2). Repeatable.
    #[arg(long = "port", value_name = "PORT", value_parser = parse_port)]
    ports: Vec<u16>,
    /// A session was set up with the user's own identity (not guest or anonymous, and not one whose identity the capture cut off) and the diagnosis has no error finding: over the whole capture, or, with --user, --host or --stream, over what they keep.
    #[arg(long)]
    expect_success: bool,
    /// A session setup ended with this status, or a tree connect or any other SMB2 or SMB1 response carried it, normal steps included (a search that matches nothing), in the form the server sent: an NTSTATUS by name or number (STATUS_LOGON_FAILURE, 0xC000006D; a number is always an NTSTATUS), or an SMB1 error in the DOS form by name (ERRDOS/ERRnoaccess); or a Kerberos error a KRB-ERROR carried, from the KDC or inside SESSION_SETUP (KDC_ERR_PREAUTH_FAILED, KRB_AP_ERR_TKT_NYV, krb:24). Repeatable.
    #[arg(long, value_name = "NAME")]
    expect_status: Vec<String>,
    /// Every connection that negotiated a dialect negotiated this one, at least one did (2.0.2, 2.1, 3.0, 3.0.2, 3.1.1, or a DialectRevision such as 0x0311).
    #[arg(long, value_name = "DIALECT")]
    expect_dialect: Option<String>,
    /// Every session used this mechanism (kerberos, ntlm, negoex), at least one.
    #[arg(long, value_name = "MECH")]
    expect_mechanism: Option<String>,
    /// Fail when the capture shows this (or cannot tell, having cut it off): ntlmv1, lm, plaintext (a password sent in clear), ntlm, smb1 (SMB1 used: an SMB1 dialect negotiated, or an SMB1 command answered with success, or answered at all where the NEGOTIATE is not in the capture), smb1-offered (any SMB1 NEGOTIATE, also one the server answered in SMB2), smb2 (SMB 2.0.2 or 2.1 negotiated), guest, anonymous, weak-enctype, unsigned, unencrypted. Repeatable.
    #[arg(long, value_name = "WHAT")]
    deny: Vec<String>,
    /// Fail unless the capture shows this: signing, encryption (every established session), kerberos (every session), smb3 (every connection). Repeatable.
    #[arg(long, value_name = "WHAT")]
    require: Vec<String>,
    /// Fail when the diagnosis has a finding of this code (posture.ms17_010), or of a code that starts with it when it ends in a dot (attack.), whatever its severity. Repeatable.
    #[arg(long, value_name = "CODE")]
    deny_finding: Vec<String>,
    /// A check the capture cannot judge, having cut off what it would (result cannot_tell): fail (default) makes the exit code 1; pass lets it pass, shown as skipped (text SKIP, JUnit <skipped>, JSON skipped), its result still cannot_tell.
    #[arg(long, value_name = "fail|pass", value_parser = check::Treat::parse)]
    cannot_tell: Option<check::Treat>,
    /// A check the capture holds nothing for (result nothing_to_check: no SMB connection on the ports followed, no session set up for --require signing or encryption): fail (default) or pass, as --cannot-tell.
    #[arg(long, value_name = "fail|pass", value_parser = check::Treat::parse)]
    nothing_to_check: Option<check::Treat>,
    /// A TOML file with the same checks (expect_success, expect_status, expect_dialect, expect_mechanism, deny, require, deny_finding, and cannot_tell, nothing_to_check); flags add to it.
    #[arg(long, value_name = "FILE.toml", value_parser = clap::value_parser!(PathBuf))]
    policy: Option<PathBuf>,
    /// Output: one line per check (text; a "== FILE" header per capture when several), JUnit XML (one testsuite per capture), json (one document, schema/check.schema.json; one capture only) or jsonl (that document on one line per capture).
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// Check only the sessions of this user, with their connections, trees, Kerberos exchanges and findings (as the report's --user: a substring of user, DOMAIN\user or Kerberos principal, any case).
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Check only the connections from or to this address (as the report's --host).
    #[arg(long, value_name = "ADDR")]
    host: Option<std::net::IpAddr>,
    /// Check only this TCP stream (as the report's --stream).
    #[arg(long, value_name = "N")]
    stream: Option<u64>,
}

/// Opens the capture; on failure, why (for standard error): the capture
/// cannot be read (exit 2).
fn read(
    input: &InputArgs,
    build: BuildOptions,
    obs: &mut impl Observer,
) -> Result<Analysis, String> {
    let src = open_input(&input.file)?;
    let mut reader =
        CaptureReader::new(src).map_err(|e| describe(&display_name(&input.file), &e))?;
    Ok(analyze_with(&mut reader, &options(input), build, obs))
}

/// What the report takes while the capture is read: JSON Lines events,
/// written at once, and connection timelines, rendered as they close.
struct ReportObserver<'a, W: Write> {
    out: &'a mut W,
    filter: &'a Filter,
    write_err: Option<io::Error>,
    timelines: Option<TimelineWriter<'a>>,
}

impl<W: Write> Observer for ReportObserver<'_, W> {
    fn events(&mut self, events: &EventLines) {
        if self.write_err.is_some() {
            return;
        }
        if let Err(e) = report_json::write_events(self.out, events, self.filter) {
            self.write_err = Some(e);
        }
    }

    fn closed(&mut self, model: &mut Model, ci: usize) {
        if let Some(t) = &mut self.timelines {
            t.closed(model, ci);
        }
    }

    /// The output failed (its reader has gone): nothing more is written,
    /// so reading on would be for nothing.
    fn stop(&self) -> bool {
        self.write_err.is_some()
    }
}

/// An observer that takes nothing.
struct Nothing;

impl Observer for Nothing {}

pub fn report(a: ReportArgs) -> u8 {
    let file = display_name(&a.input.file).into_owned();
    let filter = a.filter();
    let jsonl = a.format == Format::Jsonl;
    let style = Style::detect();
    let build = BuildOptions {
        verbose: a.verbose,
        events: jsonl,
        timeline: a.format == Format::Text,
        color: style.color,
    };
    let mut out = output(is_live(&a.input.file));
    let mut obs = ReportObserver {
        out: &mut out,
        filter: &filter,
        write_err: None,
        timelines: (a.format == Format::Text).then(|| TimelineWriter::new(&filter, &build)),
    };
    let analysis = match read(&a.input, build, &mut obs) {
        Ok(x) => x,
        Err(e) => {
            note!("{e}");
            return exit::UNREADABLE;
        }
    };
    let write_err = obs.write_err.take();
    let mut timelines = obs.timelines.take().map(|t| t.spool).unwrap_or_default();
    let Analysis {
        model,
        diagnosis,
        outcome,
    } = &analysis;
    let r = match write_err {
        Some(e) => Err(e),
        None => {
            let capture = CaptureSummary::new(
                &file,
                &outcome.stats,
                outcome.error.as_ref().map(|e| e.to_string()),
            );
            match a.format {
                Format::Text => TextReport {
                    file: &file,
                    model,
                    diagnosis,
                    capture: &capture,
                    filter: &filter,
                    verbose: a.verbose,
                    style,
                }
                .write(&mut out, &mut timelines),
                Format::Json => {
                    ReportJson::new(model, diagnosis, &capture, &filter).write(&mut out)
                }
                Format::Jsonl => {
                    report_json::write_end(&mut out, model, diagnosis, &capture, &filter)
                }
            }
            .and_then(|_| out.flush())
        }
    };
    let reader_gone = match r {
        Ok(()) => false,
        Err(e) => match write_failure(&e) {
            Some(code) => return code,
            None => true,
        },
    };
    let damaged = outcome.error.as_ref().map(|e| describe(&file, e));
    // The process ends right after: freeing a model of thousands of
    // connections piece by piece costs time and gives nothing back.
    std::mem::forget(analysis);
    // Damage read before the output's reader went is still reported.
    match damaged {
        Some(e) if reader_gone => {
            note!("{e}");
            exit::DAMAGED
        }
        Some(e) => {
            note!("{e} (what came before it was reported)");
            exit::DAMAGED
        }
        None => exit::OK,
    }
}

fn policy(a: &CheckArgs) -> Result<Policy, String> {
    let mut p = match &a.policy {
        Some(path) => {
            let name = path.display();
            let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
            Policy::from_toml(&text).map_err(|e| format!("{name}: {e}"))?
        }
        None => Policy::default(),
    };
    p.merge(Policy {
        expect_success: a.expect_success,
        expect_status: a.expect_status.clone(),
        expect_dialect: a.expect_dialect.clone(),
        expect_mechanism: a.expect_mechanism.clone(),
        deny: a.deny.clone(),
        require: a.require.clone(),
        deny_finding: a.deny_finding.clone(),
        cannot_tell: a.cannot_tell,
        nothing_to_check: a.nothing_to_check,
    });
    p.validate()?;
    if p.is_empty() {
        return Err(match &a.policy {
            Some(path) => format!("nothing to check: the policy file {} has no checks, and no --expect-*, --deny, --require or --deny-finding was given", path.display()),
            None => "nothing to check: give --expect-*, --deny, --require, --deny-finding or --policy".to_string(),
        });
    }
    Ok(p)
}

/// One capture judged: its checks' results and its damage, or why it
/// could not be read. What is kept of it once its model is gone.
enum Judged {
    Unreadable(String),
    Read {
        results: Vec<check::CheckResult>,
        damage: Option<smbscope::capture::CaptureError>,
    },
}

impl Judged {
    fn verdict(&self, u: check::Unjudged) -> check::Verdict {
        match self {
            Judged::Unreadable(_) => check::Verdict::Error,
            Judged::Read { results, damage } => check::Verdict::of(results, damage.is_some(), u),
        }
    }
}

/// Reads `file` and evaluates `p` on it (on what the filters keep). The
/// capture's model is dropped before the next capture is read.
fn judge(a: &CheckArgs, p: &Policy, file: &Path) -> Judged {
    let input = InputArgs {
        file: file.to_path_buf(),
        ports: a.ports.clone(),
    };
    let analysis = match read(&input, BuildOptions::default(), &mut Nothing) {
        Ok(x) => x,
        Err(e) => return Judged::Unreadable(e),
    };
    let ports = options(&input).smb_ports;
    let filter = Filter {
        stream: a.stream,
        session: None,
        user: a.user.clone(),
        host: a.host,
        failed_only: false,
    };
    let part =
        (!filter.is_empty()).then(|| check::scoped(&analysis.model, &analysis.diagnosis, &filter));
    let (model, diagnosis) = match &part {
        Some((m, d)) => (m, d),
        None => (&analysis.model, &analysis.diagnosis),
    };
    let scope = check::Scope {
        model,
        diagnosis,
        ports: &ports,
        only: (!filter.is_empty()).then(|| filter.describe()),
    };
    let results = check::evaluate(p, &scope);
    Judged::Read {
        results,
        damage: analysis.outcome.error,
    }
}

/// Exit codes: 0 every check passed; 1 a check failed; 2 the capture could
/// not be read (or the command line or policy is wrong); 3 every check
/// passed but the capture is damaged, so a pass covers only its readable
/// part. Of several captures, each judged on its own with the same checks:
/// 2 if any could not be read, else 1 if any failed, else 3 if any passed
/// on a damaged capture, else 0.
pub fn check(a: CheckArgs) -> u8 {
    let p = match policy(&a) {
        Ok(p) => p,
        Err(e) => {
            note!("smbscope check: {e}");
            return exit::UNREADABLE;
        }
    };
    if a.files.iter().filter(|f| is_stdin(f)).count() > 1 {
        note!("smbscope check: - (standard input) can be given once");
        return exit::UNREADABLE;
    }
    if a.format == CheckFormat::Json && a.files.len() > 1 {
        note!("smbscope check: --format json writes one document, for one capture; --format jsonl writes one a line, for any number");
        return exit::UNREADABLE;
    }
    let several = a.files.len() > 1;
    let filters = json_filters(&a);
    let u = p.unjudged();
    let mut out = output(false);
    // Cleared when the output's reader has gone (`| head`): the captures
    // are still judged, and the verdict stands.
    let mut writing = true;
    let mut verdict = check::Verdict::Pass;
    let mut counts = [0usize; 4];
    let mut suites = Vec::new();
    for path in &a.files {
        let judged = judge(&a, &p, path);
        // As every message names it (not UTF-8: U+FFFD for each bad sequence).
        let name = display_name(path);
        let file: &str = &name;
        let v = judged.verdict(u);
        verdict = verdict.combine(v);
        counts[usize::from(v.exit_code())] += 1;
        let damaged = match &judged {
            Judged::Read {
                damage: Some(e), ..
            } => Some(format!(
                "capture damaged: {e}; {}",
                // Bytes after the compressed data come after the whole capture.
                if matches!(e, smbscope::capture::CaptureError::Trailing { .. }) {
                    "the checks cover the whole capture"
                } else {
                    "the checks cover the part before it"
                }
            )),
            _ => None,
        };
        // Without the file's name, which the document or header gives.
        let why = |e: &str| -> String {
            e.strip_prefix(&format!("smbscope: {file}: "))
                .unwrap_or(e)
                .to_string()
        };
        let piece = match (&judged, a.format) {
            (Judged::Unreadable(e), CheckFormat::Junit) => {
                note!("{e}");
                // A JUnit document all the same: `> report.xml` must not
                // leave an empty file, which CI test reporters reject.
                suites.push(check::junit::unreadable_suite(file, &why(e)));
                String::new()
            }
            (Judged::Read { results, .. }, CheckFormat::Junit) => {
                suites.push(check::junit::suite(file, results, damaged.as_deref(), u));
                String::new()
            }
            (Judged::Unreadable(e), CheckFormat::Json | CheckFormat::Jsonl) => {
                note!("{e}");
                let pretty = a.format == CheckFormat::Json;
                check::json::render_unreadable(file, &why(e), filters.as_ref(), u, pretty)
            }
            (Judged::Read { results, damage }, CheckFormat::Json | CheckFormat::Jsonl) => {
                let damage = damage.as_ref().map(check::json::Damage::of);
                let pretty = a.format == CheckFormat::Json;
                check::json::render(file, results, damage.as_ref(), filters.as_ref(), u, pretty)
            }
            (Judged::Unreadable(e), CheckFormat::Text) => {
                note!("{e}");
                if several {
                    format!("== {file}\nERROR capture could not be read: {}\n", why(e))
                } else {
                    String::new()
                }
            }
            (Judged::Read { results, .. }, CheckFormat::Text) => {
                let mut t = Vec::new();
                if several {
                    let _ = writeln!(t, "== {file}");
                }
                let _ = write_text(&mut t, results, damaged.as_deref(), u);
                String::from_utf8_lossy(&t).into_owned()
            }
        };
        drop(judged);
        if writing && !piece.is_empty() {
            if let Err(e) = out.write_all(piece.as_bytes()) {
                match write_failure(&e) {
                    Some(code) => return code,
                    None => writing = false,
                }
            }
        }
    }
    let tail = match a.format {
        CheckFormat::Junit => check::junit::document(&suites),
        CheckFormat::Text if several => format!(
            "{} capture(s): {} passed, {} failed, {} passed on a damaged capture, {} could not be read\n",
            a.files.len(),
            counts[0],
            counts[1],
            counts[3],
            counts[2]
        ),
        _ => String::new(),
    };
    // The verdict stands when the output's reader has gone (`| head`): a
    // closed pipe must not turn a failed check into a pass.
    if writing {
        if let Err(e) = out.write_all(tail.as_bytes()).and_then(|_| out.flush()) {
            if let Some(code) = write_failure(&e) {
                return code;
            }
        }
    }
    exit_code(verdict)
}

/// A verdict's exit code (as [`check::Verdict::exit_code`] writes it into
/// the JSON document).
fn exit_code(v: check::Verdict) -> u8 {
    let code = match v {
        check::Verdict::Pass => exit::OK,
        check::Verdict::Fail => exit::CHECK_FAILED,
        check::Verdict::Error => exit::UNREADABLE,
        check::Verdict::PassDamaged => exit::DAMAGED,
    };
    debug_assert_eq!(code, v.exit_code());
    code
}

/// The filters given, for the JSON document; none when none was.
fn json_filters(a: &CheckArgs) -> Option<check::json::Filters> {
    (a.user.is_some() || a.host.is_some() || a.stream.is_some()).then(|| check::json::Filters {
        user: a.user.clone(),
        host: a.host.map(|h| h.to_string()),
        stream: a.stream,
    })
}

fn write_text(
    out: &mut impl Write,
    results: &[check::CheckResult],
    note: Option<&str>,
    u: check::Unjudged,
) -> io::Result<()> {
    for r in results {
        // A check let pass without judging keeps its "cannot tell: " or
        // "nothing to check: ".
        let word = if r.pass() {
            "PASS"
        } else if u.skipped(r) {
            "SKIP"
        } else {
            "FAIL"
        };
        writeln!(out, "{word} {}: {}", r.name, r.evidence)?;
    }
    if let Some(n) = note {
        writeln!(out, "NOTE {n}")?;
    }
    let passed = results.iter().filter(|r| r.pass()).count();
    let skipped = results.iter().filter(|r| u.skipped(r)).count();
    let failed = results.len() - passed - skipped;
    write!(
        out,
        "{} check(s), {passed} passed, {failed} failed",
        results.len()
    )?;
    if skipped > 0 {
        write!(out, ", {skipped} skipped (not judged, let pass)")?;
    }
    writeln!(out)
}
