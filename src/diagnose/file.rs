//! File operations the server refused ([MS-SMB2] 3.3.5.9 CREATE, 3.3.5.13
//! WRITE, 3.3.5.10 CLOSE, 3.3.5.14 LOCK, 3.3.5.20 QUERY_INFO...) for a
//! reason the user can act on: no access, a file in use (with the open
//! that holds it when the capture shows it), no space or quota left, a
//! read-only file system, a locked byte range. Grouped per client address,
//! server, identity, command and status; refusals for a read-only file
//! system of every command together (one cause, one remedy).

use std::net::{IpAddr, SocketAddr};

use arrayvec::ArrayVec;

use crate::ntstatus::{dos, NtStatus};
use crate::session::{Connection, ErrorEvent, HeldBy, HexId, Model, Outcome, Session};

use super::group::ordered;
use super::logon::identity;
use super::{Draft, Severity, Sink};

/// Names (files, pipes) quoted in a finding.
const NAMES: usize = 3;

/// Commands named in a finding.
const COMMANDS: usize = 4;

/// Named pipes of remote administration: opening them needs an
/// administrator ([MS-SCMR] svcctl, [MS-TSCH] atsvc, [MS-RRP] winreg).
const ADMIN_PIPES: &[&str] = &["svcctl", "atsvc", "winreg"];

/// Commands whose refusals other findings explain, SMB2's and SMB1's (as
/// `smbscope messages` names them).
const ELSEWHERE: &[&str] = &[
    "NEGOTIATE",
    "SESSION_SETUP",
    "TREE_CONNECT",
    "LOGOFF",
    "SMB_COM_NEGOTIATE",
    "SMB_COM_SESSION_SETUP_ANDX",
    "SMB_COM_TREE_CONNECT_ANDX",
    "SMB_COM_LOGOFF_ANDX",
];

struct Refused<'a> {
    kind: Kind,
    /// The first open the capture shows holding the file (sharing violations).
    held_by: Option<&'a HeldBy>,
    client: IpAddr,
    server: SocketAddr,
    command: &'a str,
    /// Every command refused (more than one only for a read-only file
    /// system), in the order first seen.
    commands: ArrayVec<&'a str, COMMANDS>,
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
    /// (tcp.stream, SessionId) of every refusal (see `Draft::covers`).
    covers: Vec<(u64, Option<u64>)>,
}

/// One refused request: why, its connection, the error, and its session
/// when the model has it.
type Refusal<'a> = (Kind, &'a Connection, &'a ErrorEvent, Option<&'a Session>);

impl<'a> Refused<'a> {
    fn new((kind, c, e, s): Refusal<'a>) -> Self {
        Refused {
            kind,
            client: c.client.ip(),
            server: c.server,
            command: e.command.as_str(),
            commands: ArrayVec::new(),
            who: s.map(who),
            user: s
                .filter(|s| s.outcome == Outcome::Success)
                .and_then(super::logon::user_of),
            count: 0,
            omitted: false,
            first: e,
            first_stream: c.stream,
            last: (e, c.stream),
            names: ArrayVec::new(),
            covers: Vec::new(),
            held_by: None,
        }
    }

    fn add(&mut self, (_, c, e, _): Refusal<'a>) {
        self.count += 1;
        self.omitted |= c.errors_omitted > 0;
        self.last = (e, c.stream);
        if self.covers.len() < super::MAX_COVERS {
            self.covers.push((c.stream, Some(e.session_id.0)));
        }
        if self.held_by.is_none() {
            self.held_by = e.held_by.as_deref();
        }
        let command = e.command.as_str();
        if !self.commands.contains(&command) && !self.commands.is_full() {
            self.commands.push(command);
        }
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
            .filter_map(|e| Some((Kind::of(e)?, e)))
            .map(move |(k, e)| (k, c, e, session(model, c, e.session_id)))
    });
    for g in ordered(refusals, key, Refused::new, Refused::add) {
        out.push(finding(model, &g));
    }
}

/// Refusals are grouped per client address, server, identity, command and
/// status; those for a read-only file system of every command together: a
/// CREATE and the CLOSE after it refused so have one cause and one remedy.
fn key<'a>((kind, c, e, s): Refusal<'a>) -> (IpAddr, SocketAddr, Option<String>, &'a str, u32) {
    let command = match kind {
        Kind::WriteProtected => "",
        _ => e.command.as_str(),
    };
    (c.client.ip(), c.server, s.map(who), command, e.status_code)
}

/// Why a file operation was refused, as this module explains it.
#[derive(Clone, Copy)]
enum Kind {
    AccessDenied,
    SharingViolation,
    DiskFull,
    Quota,
    WriteProtected,
    LockConflict,
    CannotDelete,
    TooManyOpenFiles,
}

impl Kind {
    /// The kind of a refused file operation, if this module explains it.
    fn of(e: &ErrorEvent) -> Option<Kind> {
        if ELSEWHERE.contains(&e.command.as_str()) {
            return None;
        }
        // An SMB1 DOS-form refusal as the NTSTATUS [MS-CIFS] pairs it with
        // for its command (ERRDOS/ERRbadshare to an NT_CREATE_ANDX:
        // STATUS_SHARING_VIOLATION); the finding still names it as sent.
        Some(match dos::as_nt(NtStatus(e.status_code), &e.command) {
            NtStatus::ACCESS_DENIED => Kind::AccessDenied,
            NtStatus::SHARING_VIOLATION => Kind::SharingViolation,
            NtStatus::DISK_FULL => Kind::DiskFull,
            NtStatus::QUOTA_EXCEEDED | NtStatus::DISK_QUOTA_EXCEEDED => Kind::Quota,
            NtStatus::MEDIA_WRITE_PROTECTED => Kind::WriteProtected,
            NtStatus::FILE_LOCK_CONFLICT | NtStatus::LOCK_NOT_GRANTED => Kind::LockConflict,
            NtStatus::CANNOT_DELETE => Kind::CannotDelete,
            // Of other commands this status says too little to explain.
            NtStatus::INSUFFICIENT_RESOURCES | NtStatus::TOO_MANY_OPENED_FILES
                if matches!(
                    e.command.as_str(),
                    "CREATE" | dos::NT_CREATE_ANDX | dos::OPEN_ANDX
                ) =>
            {
                Kind::TooManyOpenFiles
            }
            _ => return None,
        })
    }

    fn code(self) -> &'static str {
        match self {
            Kind::AccessDenied => "file.access_denied",
            Kind::SharingViolation => "file.sharing_violation",
            Kind::DiskFull => "file.disk_full",
            Kind::Quota => "file.quota_exceeded",
            Kind::WriteProtected => "file.write_protected",
            Kind::LockConflict => "file.lock_conflict",
            Kind::CannotDelete => "file.cannot_delete",
            Kind::TooManyOpenFiles => "file.too_many_open_files",
        }
    }
}

/// The session `session_id` of connection `c`, if the model has it.
fn session<'a>(model: &'a Model, c: &'a Connection, session_id: HexId) -> Option<&'a Session> {
    model.sessions_of(c).find(|s| s.session_id == session_id)
}

/// Whose requests: the identity, or the kind of session when it has none.
fn who(s: &Session) -> String {
    match s.outcome {
        Outcome::Guest => "a guest session".to_string(),
        Outcome::Anonymous => "an anonymous session".to_string(),
        _ => identity(s),
    }
}

fn finding(model: &Model, g: &Refused<'_>) -> super::Finding {
    // Several commands refused once each: "CREATE and CLOSE" says it.
    let once_each = g.commands.len() > 1 && g.count == g.commands.len() as u64;
    let times = match (g.count, g.omitted) {
        (1, false) => String::new(),
        (_, false) if once_each => String::new(),
        (n, false) => format!(", {n} times"),
        (n, true) => format!(", at least {n} times"),
    };
    let names = if g.names.is_empty() {
        String::new()
    } else {
        format!(" ({})", g.names.join(", "))
    };
    let who = g.who.as_deref().unwrap_or("a session not in the capture");
    let status = NtStatus(g.first.status_code);
    let commands = and_list(&g.commands);
    let title = format!("{commands} refused with {status}{names}{times}");
    let what = format!(
        "The server {} refused {commands} requests of {who} from {} with {status}{times}.",
        g.server, g.client
    );
    let (severity, why, next) = match g.kind {
        Kind::AccessDenied => access_denied(g),
        Kind::SharingViolation => sharing_violation(model, g),
        Kind::DiskFull => no_space(g.command, false),
        Kind::Quota => no_space(g.command, true),
        Kind::WriteProtected => write_protected(&g.commands),
        Kind::LockConflict => lock_conflict(g.command),
        Kind::CannotDelete => cannot_delete(),
        Kind::TooManyOpenFiles => too_many_open_files(g.first.open_files),
    };
    let (last, last_stream) = g.last;
    // The holder of a file in use is named in the text only: its frames
    // are on its own stream, often another than the refusals'.
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
    Draft::new(severity, g.kind.code(), title)
        .explain(format!("{what} {why}{streams}"))
        .next(next)
        .covers(g.covers.iter().copied())
        .frames(frames)
        .status(status.to_string())
        .user(g.user.clone())
        .done()
}

/// Severity, explanation and next step of a finding.
type Text = (Severity, String, String);

fn text(severity: Severity, why: &str, next: &str) -> Text {
    (severity, why.to_string(), next.to_string())
}

fn access_denied(g: &Refused<'_>) -> Text {
    let admin_pipe = g.names.iter().any(|n| {
        ADMIN_PIPES
            .iter()
            .any(|p| n.trim_start_matches('\\').eq_ignore_ascii_case(p))
    });
    match g.command {
        "CREATE" if admin_pipe => text(
            Severity::Warning,
            "Opening the remote administration pipes (svcctl: the service control manager; atsvc: the task scheduler; winreg: the registry) needs an administrator of the server; from an anonymous, guest or ordinary account this is refused. Remote execution tools (PsExec, impacket's psexec/smbexec) and attack tools open these pipes.",
            "If an administrator was expected, check the account's membership of the server's Administrators group (and, on Windows, UAC remote restrictions: LocalAccountTokenFilterPolicy for local accounts). If nobody should be doing this, find out who runs the client.",
        ),
        "CREATE" => text(
            Severity::Warning,
            "The user lacks the access the CREATE asked for (its DesiredAccess) on the file, folder or pipe: its ACL, the share's permissions, or on Samba the file's mode and 'read only', 'valid users', 'write list'.",
            "Check the user's effective access to the names above (Windows: the Security tab's Effective Access, Get-SmbShareAccess; Samba: ls -l on the server, 'read only', 'write list', 'valid users').",
        ),
        "WRITE" => text(
            Severity::Warning,
            "The write was refused: the file was opened without write access, the share or file is read-only, or a byte-range lock or the file system refused it. The data was not written.",
            "Check that the share is writable for this user (Samba: 'read only = no', 'write list'; Windows: share and NTFS permissions) and the file's read-only attribute.",
        ),
        "CLOSE" => text(
            Severity::Warning,
            "CLOSE needs no access right of its own: a server answers it with STATUS_ACCESS_DENIED when the work it does at close fails, such as deleting a file marked delete-on-close, or changes it had put off until the close (times, attributes, data cached on the server). The client is told that closing failed; what it wrote or deleted may not be as it meant.",
            "Check on the server that the files are as the client left them, and the server's log at the times of the refusals; look at the permissions on the folder (a delete needs DELETE on the file or delete-child on the folder).",
        ),
        "QUERY_INFO" | "SET_INFO" => text(
            if g.command == "QUERY_INFO" { Severity::Info } else { Severity::Warning },
            "Reading or changing a file's information needs rights the handle was not opened with: a security descriptor needs READ_CONTROL (WRITE_DAC or WRITE_OWNER to change it), attributes FILE_READ_ATTRIBUTES or FILE_WRITE_ATTRIBUTES. File browsers ask for security descriptors as a matter of course, so refused queries are usually harmless; a refused SET_INFO (rename, delete, truncate, times) means the change was not made.",
            "If a rename, delete or permission change failed for the user, check their rights on the file and its folder.",
        ),
        _ => text(
            Severity::Warning,
            "The user lacks the rights this operation needs on the file or share.",
            "Check the user's rights on the share and the files named.",
        ),
    }
}

/// STATUS_SHARING_VIOLATION ([MS-SMB2] 3.3.5.9, [MS-FSA] 2.1.5.1.2), with
/// the open that holds the file when the capture shows it.
fn sharing_violation(model: &Model, g: &Refused<'_>) -> Text {
    const WHY: &str = "The file is in use: another open of it does not share the access this CREATE asked for, or this CREATE's ShareAccess excludes access that open already has ([MS-FSA] 2.1.5.1.2). Deleting or renaming needs every other open to share DELETE, writing needs them to share WRITE.";
    // The file's last name component, for the server's list of opens.
    let file = g
        .names
        .first()
        .and_then(|n| n.rsplit('\\').next())
        .filter(|n| !n.is_empty())
        .unwrap_or("name");
    let find = format!("Windows: Get-SmbOpenFile | Where-Object Path -like '*{file}*' (ClientComputerName, ClientUserName), and Close-SmbOpenFile for a handle left behind; Samba: smbstatus -L (the opens, their deny modes and users).");
    let Some(h) = g.held_by else {
        return (
            Severity::Warning,
            format!("{WHY} The capture shows no open of the file still open that conflicts (opens made before the capture began, on another server address of a multichannel client, or past the bounds followed are not known): it is held by a client whose traffic is not in the capture, by a program on a Windows server itself (antivirus, backup, indexing; on Samba only with 'kernel share modes'), or by a handle the server keeps for a client that went away (a durable handle)."),
            format!("Find who has the file open: {find} Retry once it is closed."),
        );
    };
    let holder = model
        .connection(h.stream)
        .and_then(|c| session(model, c, h.session_id))
        .map_or_else(|| "a session not in the capture".to_string(), who);
    let access = h.desired_access.bits().names().join(", ");
    let shares = match h.share_access.names().join(", ") {
        s if s.is_empty() => "sharing nothing".to_string(),
        s => format!("sharing only {s}"),
    };
    let mut how = Vec::new();
    if h.conflict_asked.0 != 0 {
        how.push(format!(
            "the refused CREATE asked for {} access, which that open does not share",
            h.conflict_asked.names().join(", ")
        ));
    }
    if h.conflict_held.0 != 0 {
        how.push(format!(
            "the refused CREATE does not share {} access, which that open has",
            h.conflict_held.names().join(", ")
        ));
    }
    (
        Severity::Warning,
        format!(
            "{WHY} The capture shows the holder: the CREATE of frame {} (answered in frame {}) on tcp.stream {} from {}, by {holder}, opened the file asking for {access} and {shares}, and the capture shows no CLOSE, TREE_DISCONNECT or LOGOFF ending it before the refusal: {}.",
            h.request_frame,
            h.frame,
            h.stream,
            h.client,
            how.join("; and ")
        ),
        format!(
            "Have {holder} on {} close the file, then retry. If that client is gone, close the handle on the server: {find}",
            h.client.ip()
        ),
    )
}

/// STATUS_DISK_FULL, or the quota statuses when `quota`.
fn no_space(command: &str, quota: bool) -> Text {
    let lost = match command {
        "WRITE" => "The data of these writes was not stored: the file is shorter than the client meant, and a copy that stops here leaves a partial file behind.",
        "CREATE" => "The file could not be created.",
        "CLOSE" => "The data the server had put off writing until the close could not be written.",
        _ => "The change was not made.",
    };
    if quota {
        (
            Severity::Error,
            format!("The server refused it for a quota: a disk quota of the user (STATUS_DISK_QUOTA_EXCEEDED: NTFS or FSRM quotas on Windows) or a quota of the server's own resources (STATUS_QUOTA_EXCEEDED), while the volume itself may have room. {lost}"),
            "Look at the user's quota and usage on the server (Windows: fsutil quota query, Get-FsrmQuota); raise it or free space, then copy again and check the files left partial.".to_string(),
        )
    } else {
        (
            Severity::Error,
            format!("The volume behind the share has no space left (or, on Linux, no free inodes), or the user's disk quota is used up: Samba answers a quota (EDQUOT) with this status too, and an FSRM hard quota looks like a full disk. {lost}"),
            "Free space on the server's volume for this share or grow it (Windows: Get-Volume; Linux and Samba: df -h and df -i on the share's path, and quota -u USER; Samba's 'max disk size' only changes what clients are told). Then copy again and check the files left partial.".to_string(),
        )
    }
}

/// "A", "A and B", "A, B and C".
pub(super) fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// STATUS_MEDIA_WRITE_PROTECTED: the server's file system is read-only;
/// what was lost, for each command refused.
fn write_protected(commands: &[&str]) -> Text {
    let mut lost: Vec<&str> = Vec::new();
    for command in commands {
        let l = match *command {
            "CREATE" => "it could not create or change the files named",
            "WRITE" => "the data was not written",
            "CLOSE" => "the work it does at the close (deleting a file marked delete-on-close, changes put off until then) failed",
            _ => "the change was not made",
        };
        if !lost.contains(&l) {
            lost.push(l);
        }
    }
    let lost = match lost.as_slice() {
        [] => "the change was not made".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    };
    (
        Severity::Error,
        format!("The file system under the share is read-only, so {lost}. Linux can remount a file system read-only after disk or file system errors (errors=remount-ro); a snapshot, a read-only mount or a volume set read-only give the same. Samba answers EROFS with this status; Windows a write-protected volume or disk."),
        "On the server: Linux: findmnt or mount for 'ro' on the share's path, and dmesg or journalctl -k for the errors that made it so; repair (fsck) and remount read-write. Windows: Get-Volume, Get-Disk (IsReadOnly), diskpart's attributes. If the share is meant to be read-only, say so in its settings (Samba: read only = yes) so that clients are refused write access from the start.".to_string(),
    )
}

/// STATUS_CANNOT_DELETE: a CREATE with DELETE or delete-on-close, or a
/// SET_INFO of FileDispositionInformation, on a file that may not be
/// deleted ([MS-FSA] 2.1.5.1.2.1, 2.1.5.14.3).
fn cannot_delete() -> Text {
    text(
        Severity::Warning,
        "The file may not be deleted: it has the read-only attribute (FILE_ATTRIBUTE_READONLY: files copied from read-only media, or marked so on purpose), or the server's file system will not delete it (an executable or DLL loaded on the server). The delete was not done.",
        "Clear the read-only attribute and delete again (Windows: attrib -r, or the file's Properties; from a client: smbclient setmode NAME -r). On Samba the attribute is the one stored in the user.DOSATTRIB extended attribute ('store dos attributes'), or the owner's write bit when 'map readonly = yes'.",
    )
}

/// STATUS_INSUFFICIENT_RESOURCES or STATUS_TOO_MANY_OPENED_FILES to a
/// CREATE, with the opens the capture shows this connection holding.
fn too_many_open_files(open: Option<u64>) -> Text {
    let held = match open {
        Some(0) | None => " The capture shows no file this connection had open then: the limit was reached by opens made before the capture began or on other connections, or the server ran short of memory.".to_string(),
        Some(n) => {
            // No more are followed on one connection.
            let floor = if n as usize >= crate::session::opens::MAX_OPENS { "at least " } else { "" };
            format!(" When the first was refused, this connection had {floor}{n} files open in the capture, opened and not closed: the client keeps handles open, whether it needs them (a program that works on many files at once) or leaks them.")
        }
    };
    (
        Severity::Error,
        format!("The server had no room for another open of this client. Samba refuses an open (SMB2 CREATE, SMB1 NT_CREATE_ANDX) so when the client's smbd process has 'max open files' files open, or reaches its file descriptor limit (ulimit -n, LimitNOFILE); Windows when its memory for opens (paged or nonpaged pool) runs out.{held}"),
        "Find the program that holds the files (on the server: Get-SmbOpenFile grouped by ClientComputerName, or smbstatus -L; on the client: handle.exe or Process Explorer, lsof); close what it leaks. If the load is genuine, raise the server's limit (Samba: 'max open files' and the smbd service's LimitNOFILE; Windows: look for srv events 2019/2020, pool exhausted).".to_string(),
    )
}

/// STATUS_FILE_LOCK_CONFLICT, STATUS_LOCK_NOT_GRANTED: byte-range locks
/// ([MS-SMB2] 3.3.5.14 LOCK, 3.3.5.12 READ, 3.3.5.13 WRITE).
fn lock_conflict(command: &str) -> Text {
    let what = match command {
        "LOCK" => "The byte-range lock asked for overlaps a lock already held (by another open, or by this one), and the request asked not to wait (FAIL_IMMEDIATELY).",
        "READ" | "WRITE" => "The range read or written is locked (by another open, or a shared lock of this one refusing a write), so the I/O was refused.",
        _ => "A byte range of the file is locked.",
    };
    (
        Severity::Warning,
        format!("{what} Multi-user databases and Office lock ranges of shared files this way, and retry; a lock left by a client that went away (its handle kept as durable) stays until the server drops it."),
        "Find the open that holds the lock: Windows: Get-SmbOpenFile (Close-SmbOpenFile for one left behind); Samba: smbstatus -B (byte-range locks) and 'strict locking'. If the application retries and then succeeds, nothing is wrong.".to_string(),
    )
}
