//! Remote execution over SMB, as an incident responder looks for it in the
//! files and pipes a client opened on a server (`Tree::files`):
//! - a program or script written to ADMIN$ or a drive share (C$, D$, ...);
//! - the Service Control Manager's pipe `svcctl` ([MS-SCMR] 2.1: the
//!   RPC interface over `\PIPE\svcctl`) opened with success: creating and
//!   starting a service on the server (sc.exe \\host, PsExec, Impacket's
//!   psexec and smbexec, Metasploit's psexec);
//! - the pipes the service of such a tool opens for its console (PsExec's
//!   `PSEXESVC*`, RemCom's `RemCom_*`, which Impacket's psexec.py uses, and
//!   PAExec's `PAExec*`), which name the tool;
//! - the Task Scheduler's pipe `atsvc` ([MS-TSCH] 2.1: ATSvc and ITaskSchedulerService
//!   over `\PIPE\atsvc`) opened with success: a task created remotely
//!   (at.exe, schtasks /s, Impacket's atexec).
//!
//! In a capture that lacks the server's side of a connection
//! (connection.one_sided), the same findings are made of the client's
//! requests: the CREATE requests it went on with (`FileOpen::unanswered`)
//! and the DCE/RPC binds and calls it wrote to them
//! (`PipeOpen::unanswered`), said so in the finding.
//!
//! A call that creates a service names it and its command line
//! (`PipeOpen::services`, [MS-SCMR] 3.1.4.12 lpBinaryPathName), and the
//! finding says when the server refused it (a fault).
//!
//! One finding per client address and server address and kind.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::session::pipes::{PipeOpen, RpcCall};
use crate::session::scmr::ServiceArgs;
use crate::session::{FileOpen, Model, Tree};
use crate::smb2::create::CreateAction;

use super::rpc;
use super::{Draft, Severity, Sink};
use crate::session::dcerpc;

/// Names listed in a finding; the rest are counted.
const MAX_NAMED: usize = 4;
/// Client and server pairs looked at; past them, no more are.
const MAX_PAIRS: usize = 4096;

/// The extensions of programs and scripts Windows runs.
const EXECUTABLE: &[&str] = &["exe", "dll", "sys", "ps1", "bat", "cmd", "vbs"];

/// The pipe prefixes of remote execution tools and their names.
const TOOLS: &[(&str, &str)] = &[
    ("PSEXESVC", "PsExec"),
    (
        "RemCom",
        "RemCom (or Impacket's psexec.py, which uses its service)",
    ),
    ("PAExec", "PAExec"),
];

/// An open on a tree of `model.trees`.
#[derive(Clone, Copy)]
struct Seen<'a> {
    tree: &'a Tree,
    file: &'a FileOpen,
}

/// What one client did on one server.
#[derive(Default)]
struct Pair<'a> {
    svcctl: Option<Seen<'a>>,
    atsvc: Option<Seen<'a>>,
    tool: Option<(&'static str, Seen<'a>)>,
    dropped: Vec<Seen<'a>>,
    dropped_more: u64,
}

pub(super) fn findings(model: &Model, out: &mut Sink) {
    let opens = model.trees.iter().flat_map(|t| {
        let admin = admin_share(&t.share);
        let pair = model
            .connection(t.stream)
            .map(|c| (c.client.ip(), c.server.ip()));
        // Opens the capture shows made, and, in a capture of the client's
        // side alone, the CREATE requests the client went on with
        // (unanswered): those of a connection whose server's side shows
        // are not listed.
        t.files.iter().filter_map(move |f| match kind_of(f, admin) {
            Kind::Other => None,
            kind => Some((pair?, kind, Seen { tree: t, file: f })),
        })
    });
    let pairs = super::group::ordered_capped(
        opens,
        MAX_PAIRS,
        |(pair, _, _)| pair,
        |(pair, _, _)| (pair, Pair::default()),
        |(_, p), (_, kind, seen)| p.add(kind, seen),
    );
    for ((client, server), p) in &pairs {
        let who = Who {
            model,
            client: *client,
            server: *server,
        };
        service(&who, p, out);
        task(&who, p, out);
    }
}

/// What an open is to these findings.
#[derive(Clone, Copy)]
enum Kind {
    Svcctl,
    Atsvc,
    Tool(&'static str),
    Dropped,
    Other,
}

impl<'a> Pair<'a> {
    /// The first open of each kind (the first few dropped files, and a
    /// count of the others).
    fn add(&mut self, kind: Kind, seen: Seen<'a>) {
        match kind {
            Kind::Svcctl => {
                self.svcctl.get_or_insert(seen);
            }
            Kind::Atsvc => {
                self.atsvc.get_or_insert(seen);
            }
            Kind::Tool(name) => {
                self.tool.get_or_insert((name, seen));
            }
            Kind::Dropped if self.dropped.len() < MAX_NAMED => self.dropped.push(seen),
            Kind::Dropped => self.dropped_more += 1,
            Kind::Other => {}
        }
    }
}

fn kind_of(f: &FileOpen, admin: bool) -> Kind {
    let name = f.name.trim_start_matches('\\');
    if f.pipe {
        // An SMB1 NT_CREATE_ANDX may name the pipe with its \PIPE\ prefix.
        let pipe = strip_prefix_ci(name, "PIPE\\").unwrap_or(name);
        if pipe.eq_ignore_ascii_case("svcctl") {
            return Kind::Svcctl;
        }
        if pipe.eq_ignore_ascii_case("atsvc") {
            return Kind::Atsvc;
        }
        if let Some(&(_, tool)) = TOOLS
            .iter()
            .find(|(prefix, _)| strip_prefix_ci(pipe, prefix).is_some())
        {
            return Kind::Tool(tool);
        }
        return Kind::Other;
    }
    if admin && executable(name) && written(f) {
        return Kind::Dropped;
    }
    Kind::Other
}

/// `s` without `prefix`, compared without case (ASCII).
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// ADMIN$ or a drive's administrative share (C$, D$, ...), the shares
/// Windows makes for administrators: `\\server\ADMIN$`, `\\server\c$`.
fn admin_share(unc: &str) -> bool {
    let share = unc.rsplit('\\').next().unwrap_or(unc);
    if share.eq_ignore_ascii_case("ADMIN$") {
        return true;
    }
    let b = share.as_bytes();
    b.len() == 2 && b[0].is_ascii_alphabetic() && b[1] == b'$'
}

/// A name whose last component ends with one of [`EXECUTABLE`].
fn executable(name: &str) -> bool {
    let last = name.rsplit('\\').next().unwrap_or(name);
    let Some((stem, ext)) = last.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty() && EXECUTABLE.iter().any(|e| ext.eq_ignore_ascii_case(e))
}

/// Written to: bytes written on it, or the file made anew by the CREATE
/// (CreateAction CREATED, OVERWRITTEN or SUPERSEDED, [MS-SMB2] 2.2.14);
/// of an unanswered CREATE request, bytes the client sent to be written
/// with the FileId it went on with (`FileOpen::write_length`).
fn written(f: &FileOpen) -> bool {
    f.write_bytes > 0
        || f.write_length > 0
        || matches!(
            f.action,
            Some(CreateAction::CREATED | CreateAction::OVERWRITTEN | CreateAction::SUPERSEDED)
        )
}

/// The client and server of a pair, and the model to name the user from.
struct Who<'a> {
    model: &'a Model,
    client: IpAddr,
    server: IpAddr,
}

impl Who<'_> {
    /// The user of the session an open was made on.
    fn user(&self, s: Seen<'_>) -> Option<String> {
        let c = self.model.connection(s.tree.stream)?;
        let session = self
            .model
            .sessions_of(c)
            .find(|x| x.session_id == s.tree.session_id)?;
        super::logon::user_of(session)
    }
}

/// "`name` on `\\server\share` (frame N)".
fn open_text(s: Seen<'_>) -> String {
    let mut t = format!(
        "{} on {} (frame {}",
        s.file.name.trim_start_matches('\\'),
        s.tree.share,
        s.file.request_frame
    );
    if s.file.write_bytes > 0 {
        t.push_str(&format!(", {} bytes written", s.file.write_bytes));
    }
    if s.file.write_length > 0 {
        t.push_str(&format!(
            ", {} bytes sent to be written in {} WRITE request(s)",
            s.file.write_length, s.file.write_requests
        ));
    }
    if s.file.unanswered {
        t.push_str(", a request the capture holds no answer to");
    }
    t.push(')');
    t
}

/// "opened", or "asked to open" for a CREATE request the capture holds no
/// answer to.
fn opened(s: Seen<'_>) -> &'static str {
    if s.file.unanswered {
        "asked to open"
    } else {
        "opened"
    }
}

/// When some of `seen` are CREATE requests of a capture that lacks the
/// server's side: that the finding is made of the client's requests, and
/// what the client did next as if they had succeeded (`rpc`: the pipe
/// open of svcctl or atsvc, whose binds and calls it wrote). Empty
/// otherwise.
fn one_sided_text(seen: &[Seen<'_>], rpc: Option<&PipeOpen>) -> String {
    if !seen.iter().any(|s| s.file.unanswered) {
        return String::new();
    }
    let wrote = rpc
        .filter(|p| p.unanswered)
        .and_then(|p| {
            let first = p.interfaces.first().map(|b| b.frame);
            let frames = first.into_iter().chain(p.calls.iter().map(|c| c.frame));
            let (lo, hi) = (frames.clone().min()?, frames.max()?);
            Some(format!(
                ": it wrote its bind and calls to {} (frames {lo} to {hi}) with the FileId the CREATE response must have given it",
                p.name
            ))
        })
        .or_else(|| {
            let s = seen.iter().find(|s| s.file.write_length > 0)?;
            Some(format!(
                ": it sent {} bytes to be written to {} (first WRITE request at frame {}) with the FileId the CREATE response must have given it",
                s.file.write_length,
                s.file.name.trim_start_matches('\\'),
                s.file.first_write_request.unwrap_or(0)
            ))
        })
        .unwrap_or_default();
    format!(
        " The capture lacks the server's side of this connection (connection.one_sided): these are the client's requests, without their answers. The client went on as if they had succeeded{wrote}; almost certainly they did."
    )
}

fn covers(seen: &[Seen<'_>]) -> Vec<(u64, Option<u64>)> {
    seen.iter()
        .map(|s| (s.tree.stream, Some(s.tree.session_id.0)))
        .collect()
}

fn frames(seen: &[Seen<'_>]) -> Vec<u64> {
    seen.iter()
        .flat_map(|s| {
            let first_write = s.file.first_write_request;
            std::iter::once(s.file.request_frame)
                .chain(s.file.frame)
                .chain(first_write)
        })
        .collect()
}

/// Calls of a pipe open named in a finding; the rest are counted.
const CALLS_NAMED: usize = 10;

/// svcctl, and the calls its findings name when it made some: those that
/// create, start, change or delete a service.
const SVCCTL: (&str, &[u16]) = ("svcctl", rpc::SCMR_SERVICE_CHANGES);

/// The pipe open (`Model::pipes`) of the open `s`.
fn pipe_of<'a>(model: &'a Model, s: Seen<'_>) -> Option<&'a PipeOpen> {
    model
        .pipes
        .iter()
        .find(|p| p.stream == s.tree.stream && p.request_frame == s.file.request_frame)
}

/// The first call of `key` on a pipe, and what it says of a service
/// (`PipeOpen::services`).
type KeyCall<'a> = (RpcCall, Option<&'a ServiceArgs>);

/// What the capture shows written to the pipe of `s` (`Model::pipes`):
/// the interface its bind named and its calls, by name ([`rpc::KNOWN`];
/// without a bind, the interface of the pipe's name `pipe`), as a
/// sentence (only those in `notable`, the others counted, when some are:
/// [`rpc::notable_calls_words`]); the frames of the bind and of the calls
/// in `key` (those that make the finding's case:
/// [`rpc::SCMR_CREATE_SERVICE`]); and the first of those calls, with the
/// service it names. None when the capture shows neither.
fn rpc_seen<'a>(
    model: &'a Model,
    s: Seen<'_>,
    (pipe, notable): (&str, &[u16]),
    key: &[u16],
) -> Option<(String, Vec<u64>, Option<KeyCall<'a>>)> {
    let p = pipe_of(model, s)?;
    let bound = p.interfaces.first().copied();
    if bound.is_none() && p.calls.is_empty() {
        return None;
    }
    let r = match bound {
        Some(b) => rpc::of(&b.syntax),
        None => rpc::KNOWN
            .iter()
            .find(|r| r.pipe.eq_ignore_ascii_case(pipe)),
    };
    let mut frames: Vec<u64> = bound.map(|b| b.frame).into_iter().collect();
    let mut text = match bound {
        Some(b) => format!(" It bound {} (frame {})", rpc::labels(p), b.frame),
        None => " The capture shows no bind".to_string(),
    };
    if p.calls.is_empty() {
        text.push_str(" and no call.");
    } else {
        text.push_str(&format!(
            " and {}.",
            rpc::notable_calls_words(p, r, notable, CALLS_NAMED)
        ));
    }
    let first = p.calls.iter().find(|c| key.contains(&c.opnum)).map(|&c| {
        let args = p.services.iter().find(|(f, _)| *f == c.frame);
        (c, args.map(|(_, a)| a))
    });
    for c in p.calls.iter().filter(|c| key.contains(&c.opnum)) {
        frames.push(c.frame);
        frames.extend(c.response_frame);
    }
    Some((text, frames, first))
}

/// " RCreateServiceWOW64W (opnum 45, frame 160) asked to create the
/// service PSEXESVC, whose command line is %SystemRoot%\PSEXESVC.exe
/// ([MS-SCMR] 3.1.4); answered without a fault at frame 161." when the
/// pipe of `s` shows a call of [`rpc::SCMR_CREATE_SERVICE`]: the service
/// and command line when the capture keeps them ([`ServiceArgs`]), and
/// the server's answer: a fault refused it, no service was created.
fn created_text(c: Option<KeyCall<'_>>) -> String {
    let Some((c, args)) = c else {
        return String::new();
    };
    // The strings are the client's: no control character reaches the text.
    let shown = |t: &str| -> String {
        t.chars()
            .map(|c| if c.is_control() { '\u{fffd}' } else { c })
            .collect()
    };
    let scmr = rpc::KNOWN.iter().find(|r| r.uuid == rpc::SCMR);
    let name = scmr.and_then(|r| rpc::op_name(r, c.opnum)).unwrap_or("");
    let mut t = format!(
        " {name} (opnum {}, frame {}) asked to create ",
        c.opnum, c.frame
    );
    match args.and_then(|a| a.name.as_deref()) {
        Some(n) => t.push_str(&format!("the service {}", shown(n))),
        None => t.push_str("a service"),
    }
    if let Some(path) = args.and_then(|a| a.binary_path.as_deref()) {
        let cut = if args.is_some_and(|a| a.cut) {
            " (its start: the capture keeps no more of the call)"
        } else {
            ""
        };
        t.push_str(&format!(
            ", whose command line (lpBinaryPathName) is `{}`{cut}",
            shown(path)
        ));
    }
    t.push_str(" ([MS-SCMR] 3.1.4)");
    match (c.fault, c.response_frame) {
        (Some(status), Some(at)) => t.push_str(&format!(
            "; the server refused it with a fault ({}, frame {at}): no service was created.",
            dcerpc::fault_words(status)
        )),
        (None, Some(at)) => t.push_str(&format!("; answered without a fault at frame {at}.")),
        _ => t.push_str("; the capture holds no answer to it."),
    }
    if let Some(path) = args.and_then(|a| a.binary_path.as_deref()) {
        t.push_str(shell_words(path));
    }
    t
}

/// What a service's command line that runs a shell's command says: that
/// of Impacket's smbexec (`%COMSPEC% /Q /c echo CMD ^> \\127.0.0.1\C$\__output
/// ...`: it writes a batch file of the command and runs it, its output
/// to `__output` on a share the client then reads), or of another
/// command run through cmd.exe or PowerShell; empty for a program.
fn shell_words(path: &str) -> &'static str {
    let lower = path.to_ascii_lowercase();
    let shell = ["%comspec%", "cmd.exe", "cmd ", "powershell"]
        .iter()
        .any(|s| lower.contains(s));
    if !shell {
        return "";
    }
    if lower.contains("__output") && lower.contains("echo") {
        return " That command line is Impacket's smbexec's: a service that runs one command through %COMSPEC% (cmd.exe), its output written to __output on a share the client reads back; no program is copied.";
    }
    " That command line runs a command through a shell (cmd.exe or PowerShell), not a program of its own."
}

/// The dropped programs, named: "A, B and 3 more".
fn dropped_text(p: &Pair<'_>) -> String {
    let mut t = p
        .dropped
        .iter()
        .map(|s| open_text(*s))
        .collect::<Vec<_>>()
        .join(", ");
    if p.dropped_more > 0 {
        t.push_str(&format!(" and {} more", p.dropped_more));
    }
    t
}

/// The Windows logs that show a remote service or task, and what to do.
fn steps(who: &Who<'_>, user: Option<&str>, service: bool) -> String {
    let (client, server) = (who.client, who.server);
    let account = user.map_or(String::new(), |u| format!(" with {u}"));
    let what = if service {
        "the System log's event 7045 (A service was installed in the system: its ServiceName and ImagePath; 4697 in the Security log when 'Audit Security System Extension' is on)"
    } else {
        "the Security log's event 4698 (A scheduled task was created) and the Microsoft-Windows-TaskScheduler/Operational log (106, task registered; 200, action started)"
    };
    format!(
        "Find out whether this was an administrator's work{account} from {client}. On {server}, read {what}, the Security log's 4624 (An account was successfully logged on) of logon type 3 from {client}, and, with 'Audit Detailed File Share' on, 5145 (its Share Name and Relative Target Name are the share and file above). If it was not authorized, isolate {server} and {client}, reset the account's password, and look on {client} for how it was taken over."
    )
}

/// svcctl with a program dropped or a tool's pipes: a remote service run;
/// svcctl alone: service control; a program dropped alone: its own finding.
fn service(who: &Who<'_>, p: &Pair<'_>, out: &mut Sink) {
    let (client, server) = (who.client, who.server);
    let run = p.tool.is_some() || (p.svcctl.is_some() && !p.dropped.is_empty());
    if run {
        let mut seen: Vec<Seen<'_>> = p.svcctl.into_iter().collect();
        seen.extend(p.tool.map(|(_, s)| s));
        seen.extend(p.dropped.iter().copied());
        let tool = p.tool.map(|(name, _)| name);
        let title = match tool {
            Some(t) => format!("{t}: {client} ran a program as a service on {server}"),
            None => format!("{client} copied a program to {server} and ran it as a service"),
        };
        let mut parts = Vec::new();
        if !p.dropped.is_empty() {
            parts.push(format!(
                "wrote a program to an administrative share: {}",
                dropped_text(p)
            ));
        }
        let mut rpc_text = String::new();
        let mut rpc_frames = Vec::new();
        if let Some(s) = p.svcctl {
            parts.push(format!(
                "{} the Service Control Manager's pipe svcctl (frame {}), through which a client creates and starts services ([MS-SCMR])",
                opened(s),
                s.file.request_frame
            ));
            if let Some((t, f, created)) = rpc_seen(who.model, s, SVCCTL, rpc::SCMR_CREATE_SERVICE)
            {
                rpc_text = format!("{}{}", t, created_text(created));
                rpc_frames = f;
            }
        }
        if let Some((name, s)) = p.tool {
            parts.push(format!(
                "{} the pipe {} (frame {}), which the service of {name} opens for the program's input and output",
                opened(s),
                s.file.name.trim_start_matches('\\'),
                s.file.request_frame
            ));
        }
        let user = seen.first().and_then(|s| who.user(*s));
        let sided = one_sided_text(&seen, p.svcctl.and_then(|s| pipe_of(who.model, s)));
        out.push(
            Draft::new(Severity::Error, "attack.service_execution", title)
                .explain(format!(
                    "The client {}.{rpc_text}{sided} This is how PsExec and its kind run a program on another machine: copy it to ADMIN$ (C:\\Windows), install it as a service and start it; the service runs as LocalSystem. Administrators do this too, and so do attackers moving from host to host (MITRE ATT&CK T1021.002, T1569.002).",
                    parts.join("; then ")
                ))
                .next(steps(who, user.as_deref(), true))
                .covers(covers(&seen))
                .frames(frames(&seen).into_iter().chain(rpc_frames))
                .user(user)
                .done(),
        );
        return;
    }
    if let Some(s) = p.svcctl {
        let user = who.user(s);
        let seen = rpc_seen(who.model, s, SVCCTL, rpc::SCMR_CREATE_SERVICE);
        let (calls, rpc_frames) = match seen {
            Some((t, f, created)) => (format!("{t}{}", created_text(created)), f),
            None => (" The capture does not show which calls were made: they travel in the pipe's WRITE and READ data.".to_string(), Vec::new()),
        };
        let calls = format!("{calls}{}", one_sided_text(&[s], pipe_of(who.model, s)));
        out.push(
            Draft::new(Severity::Warning, "activity.service_control", format!("{client} opened the Service Control Manager of {server} (svcctl)"))
                .explain(format!(
                    "The client {} the pipe svcctl on {} (frame {}): the RPC interface of the Service Control Manager ([MS-SCMR]), through which a client lists, changes, creates and starts services. sc.exe \\\\host, the Services console, management agents use it; so do Impacket's smbexec (a service whose command line runs the attacker's command, no program copied) and other remote execution tools.{calls}",
                    opened(s), s.tree.share, s.file.request_frame
                ))
                .next(steps(who, user.as_deref(), true))
                .covers(covers(&[s]))
                .frames(frames(&[s]).into_iter().chain(rpc_frames))
                .user(user)
                .done(),
        );
    }
    if let Some(&first) = p.dropped.first() {
        let user = who.user(first);
        out.push(
            Draft::new(Severity::Warning, "activity.admin_share_executable", format!("{client} wrote a program to an administrative share of {server}"))
                .explain(format!(
                    "The client wrote {}.{} ADMIN$ (C:\\Windows) and the drive shares (C$, D$) are open to administrators only; a program or script put there is software deployment, or the first step of running it remotely (a service, a scheduled task, WMI) by someone who holds an administrator's credentials (MITRE ATT&CK T1570).",
                    dropped_text(p),
                    one_sided_text(&p.dropped, None)
                ))
                .next(steps(who, user.as_deref(), true))
                .covers(covers(&p.dropped))
                .frames(frames(&p.dropped))
                .user(user)
                .done(),
        );
    }
}

/// atsvc opened: a task created or managed remotely.
fn task(who: &Who<'_>, p: &Pair<'_>, out: &mut Sink) {
    let Some(s) = p.atsvc else {
        return;
    };
    let (client, server) = (who.client, who.server);
    let user = who.user(s);
    let (calls, rpc_frames) = rpc_seen(who.model, s, ("atsvc", &[]), &[])
        .map_or((String::new(), Vec::new()), |(t, f, _)| (t, f));
    let calls = format!("{calls}{}", one_sided_text(&[s], pipe_of(who.model, s)));
    out.push(
        Draft::new(Severity::Warning, "activity.task_scheduler", format!("{client} opened the Task Scheduler of {server} (atsvc)"))
            .explain(format!(
                "The client {} the pipe atsvc on {} (frame {}): the RPC interfaces of the Task Scheduler ([MS-TSCH]), through which a client creates, runs and deletes scheduled tasks, which run as the account they name, LocalSystem included. at.exe and schtasks /s use it; so does Impacket's atexec to run a command remotely (MITRE ATT&CK T1053.005).{calls}",
                opened(s), s.tree.share, s.file.request_frame
            ))
            .next(steps(who, user.as_deref(), false))
            .covers(covers(&[s]))
            .frames(frames(&[s]).into_iter().chain(rpc_frames))
            .user(user)
            .done(),
    );
}

/// Pairs a finding of files rewritten under a new extension needs.
const MIN_REWRITES: usize = 5;
/// Distinct extensions of the files read those pairs need: a build that
/// makes `x.o` of each `x.c`, or a converter of one kind of file, has one.
const MIN_ORIGINAL_KINDS: usize = 3;

/// Files rewritten under a new extension, as ransomware does: on one tree,
/// a file read (`dir\x.docx`) and then a file of the same folder and stem
/// and another extension (`dir\x.enc`) made anew by its CREATE (CREATED,
/// OVERWRITTEN or SUPERSEDED) and written to; at least [`MIN_REWRITES`]
/// such pairs with the same new extension, from at least
/// [`MIN_ORIGINAL_KINDS`] extensions. One finding per tree.
pub(super) fn rewrites(model: &Model, out: &mut Sink) {
    for t in &model.trees {
        let Some((ext, pairs, kinds)) = rewritten(t) else {
            continue;
        };
        let Some(c) = model.connection(t.stream) else {
            continue;
        };
        let (client, server) = (c.client.ip(), c.server.ip());
        let who = Who {
            model,
            client,
            server,
        };
        let first = pairs.first().map(|p| p.1);
        let user = first.and_then(|f| who.user(Seen { tree: t, file: f }));
        let named: Vec<String> = pairs
            .iter()
            .take(MAX_NAMED)
            .map(|(r, w)| {
                format!(
                    "{} (frame {}) then {} (frame {})",
                    r.name, r.request_frame, w.name, w.request_frame
                )
            })
            .collect();
        let more = pairs.len().saturating_sub(MAX_NAMED);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let account = user.as_deref().map_or(String::new(), |u| format!(" ({u})"));
        out.push(
            Draft::new(Severity::Error, "attack.ransomware_like", format!("{client} rewrote {} files on {} under the extension .{ext} (ransomware-like)", pairs.len(), t.share))
                .explain(format!(
                    "The client{account} read files and then created, next to each, a file of the same name with the extension .{ext} and wrote it: {}{more}; {} pairs, from {} kinds of file ({}). This is what ransomware does to a share it reaches: it reads each file and writes it back encrypted under its own extension (and then deletes or overwrites the original). A backup or conversion tool may do the same; the capture cannot show the written data is encrypted.",
                    named.join(", "),
                    pairs.len(),
                    kinds.len(),
                    kinds.iter().map(|k| format!(".{k}")).collect::<Vec<_>>().join(", ")
                ))
                .next(format!(
                    "If this is not a known tool: disconnect {client} from the network now (on {server}: Get-SmbSession -ClientComputerName {client} | Close-SmbSession, and block it), disable the account it used, and keep {server}'s snapshots and backups out of its reach. Then on {server}, read the Security log's 5145 events (Relative Target Name: the files above) and 4624 of logon type 3 from {client}, list the files changed since frame {}'s time, and restore them from snapshots (Previous Versions, vssadmin list shadows; Samba: the file system's snapshots) or backups.",
                    first.map_or(0, |f| f.request_frame)
                ))
                .stream(t.stream)
                .session(t.session_id)
                .frames(pairs.iter().take(MAX_NAMED).flat_map(|(r, w)| [r.request_frame, w.request_frame]))
                .user(user)
                .done(),
        );
    }
}

/// A new extension, its pairs (file read, file rewritten), and the
/// extensions of the files read.
type Rewrites<'a> = (String, Vec<(&'a FileOpen, &'a FileOpen)>, Vec<String>);

/// The pairs (file read, file rewritten) of the new extension with the most
/// of them on `t`, and the extensions of the files read, when they are
/// enough for a finding.
fn rewritten(t: &Tree) -> Option<Rewrites<'_>> {
    // Files read, by folder and stem (ASCII lower case): the first.
    let mut read: HashMap<String, &FileOpen> = HashMap::new();
    let mut pairs: HashMap<String, Vec<(&FileOpen, &FileOpen)>> = HashMap::new();
    for f in t.files.iter().filter(|f| !f.pipe) {
        let Some((stem, ext)) = split_ext(&f.name) else {
            continue;
        };
        if f.read_bytes > 0 {
            read.entry(stem.clone()).or_insert(f);
        }
        if f.write_bytes == 0 || !written(f) {
            continue;
        }
        let Some(r) = read.get(&stem).copied() else {
            continue;
        };
        let same = split_ext(&r.name).is_some_and(|(_, e)| e == ext);
        if !same && r.request_frame < f.request_frame {
            pairs.entry(ext).or_default().push((r, f));
        }
    }
    let (ext, list) = pairs
        .into_iter()
        .max_by_key(|(e, l)| (l.len(), std::cmp::Reverse(e.clone())))?;
    let mut kinds: Vec<String> = list
        .iter()
        .filter_map(|(r, _)| split_ext(&r.name).map(|(_, e)| e))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    (list.len() >= MIN_REWRITES && kinds.len() >= MIN_ORIGINAL_KINDS).then_some((ext, list, kinds))
}

/// A name's folder and stem, and its extension, in ASCII lower case; none
/// without an extension.
fn split_ext(name: &str) -> Option<(String, String)> {
    let name = name.trim_start_matches('\\');
    let (stem, ext) = name.rsplit_once('.')?;
    let last = stem.rsplit('\\').next().unwrap_or(stem);
    if last.is_empty() || ext.is_empty() || ext.contains('\\') {
        return None;
    }
    Some((stem.to_ascii_lowercase(), ext.to_ascii_lowercase()))
}
