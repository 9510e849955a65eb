//! The smbscope command line.

use std::borrow::Cow;
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufWriter, LineWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use smbscope::capture::{CaptureError, CaptureReader};
use smbscope::pipeline::{self, Options};
use smbscope::report::messages::MessagesWriter;
use smbscope::report::Format;

/// `eprintln!` that ignores a failed write: `eprintln!` panics when standard
/// error is a pipe whose reader has gone (`smbscope ... 2>&1 | head`).
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Exit codes (documented in README.md).
mod exit {
    pub const OK: u8 = 0;
    /// `check`: an expectation or policy failed.
    pub const CHECK_FAILED: u8 = 1;
    /// `status`: nothing matched.
    pub const NO_MATCH: u8 = 1;
    /// The capture could not be read at all, or the command line is wrong.
    pub const UNREADABLE: u8 = 2;
    /// The capture is damaged (truncated, corrupt record): what came before was reported.
    pub const DAMAGED: u8 = 3;
    /// Writing the output failed (other than a closed pipe).
    pub const OUTPUT: u8 = 4;
}

#[derive(Parser)]
#[command(
    name = "smbscope",
    version,
    about = "Reads packet captures and explains SMB2/SMB3 conversations",
    long_about = "Reads packet captures and explains SMB2/SMB3 conversations.\n\n\
        `smbscope FILE` prints the session-setup timeline and a diagnosis \
        (the same as `smbscope report FILE`)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// `smbscope FILE ...` means `smbscope report FILE ...`: inserts `report`
/// when the first argument is not a command or a top-level flag (a name
/// that is not UTF-8, which Linux allows, is neither).
fn with_default_command(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    const TOP: &[&str] = &[
        "messages",
        "status",
        "report",
        "check",
        "help",
        "-h",
        "--help",
        "-V",
        "--version",
    ];
    let is_top = match args.get(1) {
        Some(a) => a.to_str().is_some_and(|f| TOP.contains(&f)),
        None => true,
    };
    if !is_top {
        args.insert(1, "report".into());
    }
    args
}

#[derive(Subcommand)]
enum Command {
    /// The session-setup timeline and diagnosis (the default: `smbscope FILE`).
    Report(ReportArgs),
    /// Evaluate expectations and policies on captures, for CI (exit 0 pass, 1 fail (also: cannot tell, nothing to check, unless --cannot-tell pass or --nothing-to-check pass lets them pass), 2 usage or unreadable capture, 3 passed on a damaged capture; of several captures, the first of 2, 1, 3 that any gives, else 0).
    Check(CheckArgs),
    /// List every SMB2 message (and SMB1, NetBIOS and Kerberos messages) of a capture.
    Messages(MessagesArgs),
    /// Look up an NTSTATUS or Kerberos error code, or an SMB1 DOS-form error, by value, name or word.
    Status(StatusArgs),
}

#[derive(Args, Clone)]
struct InputArgs {
    /// A pcap or pcapng file, as it is or compressed by gzip, zstd or lz4, or - for standard input.
    #[arg(value_parser = clap::value_parser!(PathBuf))]
    file: PathBuf,
    /// Another TCP port that carries SMB (445 and 139 always do), 1 to 65535 (port 0 is a usage error, exit 2). Repeatable.
    #[arg(long = "port", value_name = "PORT", value_parser = parse_port)]
    ports: Vec<u16>,
}

/// A `--port`: a TCP port a server listens on, 1 to 65535. Port 0 is
/// reserved (RFC 6335 6) and no server listens on it: a usage error (exit 2)
/// rather than a port followed that no connection can use.
fn parse_port(s: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(0) => Err("port 0 is not a TCP port a server listens on: give 1 to 65535".to_string()),
        Ok(p) => Ok(p),
        Err(_) => Err("not a TCP port: give 1 to 65535".to_string()),
    }
}

#[derive(Args)]
struct MessagesArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

mod cli;
use cli::{CheckArgs, ReportArgs};

#[derive(Args)]
struct StatusArgs {
    /// A code (0xC000006D, 3221225581), a name (STATUS_LOGON_FAILURE, KRB_AP_ERR_SKEW), an SMB1 error in the DOS form (ERRDOS/ERRnoaccess, ERRnoaccess, 0x01/0x0005) or words (logon); what a Linux cifs mount reports: errno:13, EACCES, 'mount error(13)' (a negative number after --).
    query: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: StatusFormat,
}

/// Output formats of `status`: its answer is one list, so no JSON Lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum StatusFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_command(std::env::args_os().collect()));
    let code = match cli.command {
        Command::Messages(a) => messages(a),
        Command::Status(a) => status(a),
        Command::Report(a) => cli::report(a),
        Command::Check(a) => cli::check(a),
    };
    ExitCode::from(code)
}

/// Whether `path` is `-`, standard input.
fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A file's name as smbscope writes it (messages, JSON, JUnit): its bytes
/// as UTF-8, each sequence that is not UTF-8 (a Linux file name is bytes)
/// written U+FFFD, as [`Path::display`] writes it.
fn display_name(path: &Path) -> Cow<'_, str> {
    path.to_string_lossy()
}

/// Opens `path` (`-`: standard input); on failure, why, naming it.
fn open_input(path: &Path) -> Result<Box<dyn Read>, String> {
    if is_stdin(path) {
        return Ok(Box::new(io::stdin().lock()));
    }
    let f = File::open(path).map_err(|e| format!("smbscope: {}: {e}", path.display()))?;
    // A directory opens on Linux and fails at the first read ("read error
    // at byte 0: Is a directory"): say what it is.
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(format!(
            "smbscope: {}: is a directory, not a capture file",
            path.display()
        ));
    }
    Ok(Box::new(f))
}

fn options(input: &InputArgs) -> Options {
    let mut o = Options::default();
    for p in &input.ports {
        if !o.smb_ports.contains(p) {
            o.smb_ports.push(*p);
        }
    }
    o
}

/// Whether `file` is a live stream rather than a file on disk: standard
/// input that is a pipe or a terminal, or a path that names a pipe, FIFO or
/// device (`<(tcpdump -w - ...)`). Its output goes out as each message
/// arrives. Standard input redirected from a file (`< x.pcap`) is a file.
fn is_live(path: &Path) -> bool {
    if is_stdin(path) {
        return !stdin_is_file();
    }
    std::fs::metadata(path).is_ok_and(|m| !m.is_file())
}

/// Whether standard input is a regular file (a shell's `< FILE`).
#[cfg(unix)]
fn stdin_is_file() -> bool {
    use std::os::fd::AsFd;
    io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(File::from)
        .and_then(|f| f.metadata().ok())
        .is_some_and(|m| m.is_file())
}

#[cfg(not(unix))]
fn stdin_is_file() -> bool {
    false
}

/// Output: line-buffered when reading a live stream, so lines appear as messages arrive.
fn output(live: bool) -> Box<dyn Write> {
    if live {
        Box::new(LineWriter::new(io::stdout().lock()))
    } else {
        Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock()))
    }
}

fn describe(file: &str, e: &CaptureError) -> String {
    format!("smbscope: {file}: {}", e.about(file))
}

fn messages(a: MessagesArgs) -> u8 {
    let path = a.input.file.as_path();
    let name = display_name(path);
    let file: &str = &name;
    let src = match open_input(path) {
        Ok(s) => s,
        Err(e) => {
            note!("{e}");
            return exit::UNREADABLE;
        }
    };
    let mut reader = match CaptureReader::new(src) {
        Ok(r) => r,
        Err(e) => {
            note!("{}", describe(file, &e));
            return exit::UNREADABLE;
        }
    };
    let opts = options(&a.input);
    let live = is_live(path);
    let mut w = MessagesWriter::new(output(live), a.format, live);
    if let Err(e) = w.begin(file) {
        return write_failure(&e).unwrap_or(exit::OK);
    }
    // A write that fails (the reader has gone, `| head`) stops the reading.
    let stop = Cell::new(false);
    let outcome = pipeline::run_until(&mut reader, &opts, &stop, |ev| {
        w.event(ev);
        stop.set(w.error.is_some());
    });
    let finished = match w.error.take() {
        Some(e) => Err(e),
        None => w.finish(&outcome, file),
    };
    let reader_gone = match finished {
        Ok(notes) => {
            for n in notes {
                note!("smbscope: {file}: {n}");
            }
            false
        }
        Err(e) => match write_failure(&e) {
            Some(code) => return code,
            None => true,
        },
    };
    // Damage read before the reader went is still reported: the capture
    // is damaged whoever reads the output.
    match &outcome.error {
        Some(e) if reader_gone => {
            note!("{}", describe(file, e));
            exit::DAMAGED
        }
        Some(e) => {
            note!(
                "{} (the messages before it were reported)",
                describe(file, e)
            );
            exit::DAMAGED
        }
        None => exit::OK,
    }
}

/// What a failed write of the output makes the exit code: nothing when
/// the output's reader closed it (`| head` took what it wanted: the caller
/// goes on with the code it would give anyway), otherwise 4, after saying why.
fn write_failure(e: &io::Error) -> Option<u8> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return None;
    }
    note!("smbscope: writing output: {e}");
    Some(exit::OUTPUT)
}

fn status(a: StatusArgs) -> u8 {
    let q = a.query.join(" ");
    if q.trim().is_empty() {
        note!("smbscope status: give a code, a name or a word, e.g. 0xC000006D, STATUS_LOGON_FAILURE or logon");
        return exit::UNREADABLE;
    }
    let query = smbscope::ntstatus::parse_query(&q);
    if let smbscope::ntstatus::Query::BadNumber(n) = &query {
        note!("smbscope status: {n:?} is not a code: 0x takes 1 to 8 hexadecimal digits, e.g. 0xC000006D");
        return exit::UNREADABLE;
    }
    let reports = smbscope::ntstatus::resolve(&query);
    let mut out = io::stdout().lock();
    let r = match a.format {
        StatusFormat::Json => serde_json::to_writer_pretty(&mut out, &reports)
            .map_err(io::Error::from)
            .and_then(|_| writeln!(out)),
        StatusFormat::Text if reports.is_empty() => {
            note!("smbscope status: nothing matches {q:?}");
            return exit::NO_MATCH;
        }
        StatusFormat::Text if reports.len() > 3 => write!(
            out,
            "{}\n{} matches; ask for one by name or code for its explanation.\n",
            smbscope::ntstatus::render_summary(&reports),
            reports.len()
        ),
        StatusFormat::Text => {
            let note = smbscope::ntstatus::query_note(&query, &reports)
                .map(|n| format!("{n}\n\n"))
                .unwrap_or_default();
            write!(out, "{note}{}", smbscope::ntstatus::render_text(&reports))
        }
    };
    if let Err(e) = r {
        if let Some(code) = write_failure(&e) {
            return code;
        }
    }
    // A code in no table is printed with what its bits say (severity,
    // facility), but matched nothing.
    if reports.iter().any(|r| r.is_known()) {
        exit::OK
    } else {
        exit::NO_MATCH
    }
}
