//! File operations the server refused with STATUS_ACCESS_DENIED ([MS-SMB2]
//! 3.3.5.9 CREATE, 3.3.5.13 WRITE, 3.3.5.10 CLOSE, 3.3.5.20 QUERY_INFO...),
//! grouped per client address, server, identity and command.

use std::net::{IpAddr, SocketAddr};

use arrayvec::ArrayVec;

use crate::ntstatus::NtStatus;
use crate::session::{Connection, ErrorEvent, Model, Outcome, Session};

use super::group::ordered;
use super::logon::identity;
use super::{Draft, Severity, Sink};

/// Names (files, pipes) quoted in a finding.
const NAMES: usize = 3;

/// Named pipes of remote administration: opening them needs an
/// administrator ([MS-SCMR] svcctl, [MS-TSCH] atsvc, [MS-RRP] winreg).
const ADMIN_PIPES: &[&str] = &["svcctl", "atsvc", "winreg"];

/// Commands whose refusals other findings explain.
const ELSEWHERE: &[&str] = &["NEGOTIATE", "SESSION_SETUP", "TREE_CONNECT", "LOGOFF"];

struct Denied<'a> {
    client: IpAddr,
    server: SocketAddr,
    command: &'a str,
    who: Option<String>,
    /// The identity for `--user` (none for guest and anonymous sessions).
    user: Option<String>,
    count: u64,
    /// Errors left out of the connections' lists (so the count is a floor).
    omitted: bool,
    first: &'a ErrorEvent,
    first_stream: u64,
    last: (&'a ErrorEvent, u64),
    names: ArrayVec<&'a str, NAMES>,
}

/// One refused request: its connection, the error, and its session when
/// the model has it.
type Refusal<'a> = (&'a Connection, &'a ErrorEvent, Option<&'a Session>);

impl<'a> Denied<'a> {
    fn new((c, e, s): Refusal<'a>) -> Self {
        Denied {
            client: c.client.ip(),
            server: c.server,
            command: e.command.as_str(),
            who: s.map(who),
            user: s.filter(|s| s.outcome == Outcome::Success).map(identity),
            count: 0,
            omitted: false,
            first: e,
            first_stream: c.stream,
            last: (e, c.stream),
            names: ArrayVec::new(),
        }
    }

    fn add(&mut self, (c, e, _): Refusal<'a>) {
        self.count += 1;
        self.omitted |= c.errors_omitted > 0;
        self.last = (e, c.stream);
        if let Some(n) = e.detail.as_deref().filter(|n| !n.is_empty()) {
            if !self.names.contains(&n) && !self.names.is_full() {
                self.names.push(n);
            }
        }
    }
}

pub(super) fn findings(model: &Model, out: &mut Sink) {
    let refusals = model.connections.iter().flat_map(|c| {
        c.errors
            .iter()
            .filter(|e| counted(e))
            .map(move |e| (c, e, session(model, c, e)))
    });
    for g in ordered(refusals, key, Denied::new, Denied::add) {
        out.push(finding(&g));
    }
}

/// Refusals are grouped per client address, server, identity and command.
fn key<'a>((c, e, s): Refusal<'a>) -> (IpAddr, SocketAddr, Option<String>, &'a str) {
    (c.client.ip(), c.server, s.map(who), e.command.as_str())
}

fn counted(e: &ErrorEvent) -> bool {
    e.status_code == NtStatus::ACCESS_DENIED.0 && !ELSEWHERE.contains(&e.command.as_str())
}

fn session<'a>(model: &'a Model, c: &'a Connection, e: &ErrorEvent) -> Option<&'a Session> {
    model.sessions_of(c).find(|s| s.session_id == e.session_id)
}

/// Whose requests: the identity, or the kind of session when it has none.
fn who(s: &Session) -> String {
    match s.outcome {
        Outcome::Guest => "a guest session".to_string(),
        Outcome::Anonymous => "an anonymous session".to_string(),
        _ => identity(s),
    }
}

fn finding(g: &Denied<'_>) -> super::Finding {
    let times = match (g.count, g.omitted) {
        (1, false) => String::new(),
        (n, false) => format!(", {n} times"),
        (n, true) => format!(", at least {n} times"),
    };
    let names = if g.names.is_empty() {
        String::new()
    } else {
        format!(" ({})", g.names.join(", "))
    };
    let who = g.who.as_deref().unwrap_or("a session not in the capture");
    let title = format!(
        "{} refused with STATUS_ACCESS_DENIED{names}{times}",
        g.command
    );
    let what = format!(
        "The server {} refused {} requests of {who} from {} with STATUS_ACCESS_DENIED{times}.",
        g.server, g.command, g.client
    );
    let admin_pipe = g.names.iter().any(|n| {
        ADMIN_PIPES
            .iter()
            .any(|p| n.trim_start_matches('\\').eq_ignore_ascii_case(p))
    });
    let (severity, why, next) = match g.command {
        "CREATE" if admin_pipe => (
            Severity::Warning,
            "Opening the remote administration pipes (svcctl: the service control manager; atsvc: the task scheduler; winreg: the registry) needs an administrator of the server; from an anonymous, guest or ordinary account this is refused. Remote execution tools (PsExec, impacket's psexec/smbexec) and attack tools open these pipes.",
            "If an administrator was expected, check the account's membership of the server's Administrators group (and, on Windows, UAC remote restrictions: LocalAccountTokenFilterPolicy for local accounts). If nobody should be doing this, find out who runs the client.",
        ),
        "CREATE" => (
            Severity::Warning,
            "The user lacks the access the CREATE asked for (its DesiredAccess) on the file, folder or pipe: its ACL, the share's permissions, or on Samba the file's mode and 'read only', 'valid users', 'write list'.",
            "Check the user's effective access to the names above (Windows: the Security tab's Effective Access, Get-SmbShareAccess; Samba: ls -l on the server, 'read only', 'write list', 'valid users').",
        ),
        "WRITE" => (
            Severity::Warning,
            "The write was refused: the file was opened without write access, the share or file is read-only, or a byte-range lock or the file system refused it. The data was not written.",
            "Check that the share is writable for this user (Samba: 'read only = no', 'write list'; Windows: share and NTFS permissions) and the file's read-only attribute.",
        ),
        "CLOSE" => (
            Severity::Warning,
            "CLOSE needs no access right of its own: a server answers it with STATUS_ACCESS_DENIED when the work it does at close fails, such as deleting a file marked delete-on-close, or changes it had put off until the close (times, attributes, data cached on the server). The client is told that closing failed; what it wrote or deleted may not be as it meant.",
            "Check on the server that the files are as the client left them, and the server's log at the times of the refusals; look at the permissions on the folder (a delete needs DELETE on the file or delete-child on the folder).",
        ),
        "QUERY_INFO" | "SET_INFO" => (
            if g.command == "QUERY_INFO" { Severity::Info } else { Severity::Warning },
            "Reading or changing a file's information needs rights the handle was not opened with: a security descriptor needs READ_CONTROL (WRITE_DAC or WRITE_OWNER to change it), attributes FILE_READ_ATTRIBUTES or FILE_WRITE_ATTRIBUTES. File browsers ask for security descriptors as a matter of course, so refused queries are usually harmless; a refused SET_INFO (rename, delete, truncate, times) means the change was not made.",
            "If a rename, delete or permission change failed for the user, check their rights on the file and its folder.",
        ),
        _ => (
            Severity::Warning,
            "The user lacks the rights this operation needs on the file or share.",
            "Check the user's rights on the share and the files named.",
        ),
    };
    let (last, last_stream) = g.last;
    let mut frames: ArrayVec<u64, 4> = ArrayVec::new();
    for e in [g.first, last] {
        for f in e.request_frame.into_iter().chain([e.frame]) {
            if !frames.contains(&f) && !frames.is_full() {
                frames.push(f);
            }
        }
    }
    let streams = if g.first_stream == last_stream {
        String::new()
    } else {
        format!(
            " The first is on tcp.stream {} and the last on tcp.stream {}.",
            g.first_stream, last_stream
        )
    };
    Draft::new(severity, "file.access_denied", title)
        .explain(format!("{what} {why}{streams}"))
        .next(next)
        .stream(g.first_stream)
        .frames(frames)
        .status(NtStatus::ACCESS_DENIED.to_string())
        .user(g.user.clone())
        .done()
}
