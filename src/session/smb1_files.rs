//! SMB1 file operations on their trees: every response on a tree of the
//! connection (its UID and TID, [MS-CIFS] 2.2.1.6) is counted there as
//! SMB2's are (see `trees.rs`): NT_CREATE_ANDX and OPEN_ANDX as opens
//! (refused ones as open errors too), READ_ANDX as reads with the bytes
//! read (DataLength, [MS-SMB] 2.2.4.2.2: with DataLengthHigh), WRITE_ANDX
//! as writes with the bytes written (Count, [MS-SMB] 2.2.4.3.2: with
//! CountHigh), anything else (CLOSE, TRANSACTION2, ...) as another request,
//! and each non-success status once per response. Commands chained by AndX
//! ([MS-CIFS] 2.2.3.4) are counted each; a response's status is its last
//! command's (a chain stops at the command that fails).
//!
//! The files opened are followed as SMB2's (see `opens.rs`): an open is
//! known by the server, the UID and the FID, made the connection's own (a
//! FID is unique within its connection, [MS-CIFS] 3.3.1.7), until its
//! CLOSE, its session's LOGOFF_ANDX, its tree's TREE_DISCONNECT or the end
//! of the connection; so an open of an SMB1 client can be named as the
//! holder of a file another client is refused. A READ_ANDX or WRITE_ANDX
//! answered is counted on its open's entry in its tree's `files` too, by
//! the FID its request named ([`Builder::keep_smb1_io`]), as SMB2's READ
//! and WRITE are by FileId.
//!
//! A response on a TID no TREE_CONNECT_ANDX of the capture gave makes the
//! tree it shows in use ([`Builder::smb1_tree_or_unseen`]).

use crate::ntstatus::dos::{ERRDOS, ERR_MOREDATA};
use crate::ntstatus::NtStatus;
use crate::pipeline::Message;
use crate::smb2::create::ShareAccess;
use crate::smb2::smb1::{Smb1Command, Smb1File, Smb1Message};
use crate::smb2::wire::AccessMaskBits;
use crate::smb2::FileId;

use super::model::Tree;
use super::opens::OpenAsk;
use super::smb1_errors::benign;
use super::smb1_logon::{chained_key, pending_key};
use super::trees::count_status;
use super::{Builder, Detail, Pending};

/// The upper word of an SMB1 open's FileId: marks it an SMB1 FID, with the
/// connection's tcp.stream in the rest (a FID is the connection's own).
const SMB1_FILE_ID: u64 = 1 << 63;

/// The FileId an SMB1 open of connection `stream` is followed by.
fn file_id(stream: u64, fid: u16) -> FileId {
    FileId {
        persistent: SMB1_FILE_ID | stream,
        volatile: u64::from(fid),
    }
}

impl Builder {
    /// An SMB1 message other than a logon's: a request that opens a file is
    /// kept until its response; a CLOSE ends its open; a response is
    /// counted on its tree. Runs before [`Builder::smb1_error`], which takes
    /// the request a response answers (and its TRANSACTION2 subcommand, by
    /// which a status may be a normal step).
    pub(super) fn smb1_files(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message) {
        match x.command {
            Smb1Command::NEGOTIATE
            | Smb1Command::SESSION_SETUP_ANDX
            | Smb1Command::LOGOFF_ANDX
            | Smb1Command::TREE_CONNECT_ANDX
            | Smb1Command::TREE_DISCONNECT => return,
            _ => {}
        }
        if x.is_response {
            self.smb1_file_response(ci, m, x);
        } else if m.from_client {
            self.smb1_file_request(ci, m, x);
        }
    }

    fn smb1_file_request(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message) {
        let own = x.own_file();
        let detail = match (x.command, own) {
            (Smb1Command::NT_CREATE_ANDX | Smb1Command::OPEN_ANDX, Some(f)) => {
                let (desired_access, share_access) = access_of(f);
                Detail::Open(OpenAsk {
                    name: f.file_name.clone().unwrap_or_default(),
                    desired_access,
                    share_access,
                    disposition: None,
                    // A CLOSE chained to it closes what it opens.
                    closed_in_chain: x
                        .file_commands
                        .iter()
                        .any(|c| c.command == Smb1Command::CLOSE),
                })
            }
            (Smb1Command::CLOSE, Some(f)) => {
                if let Some(fid) = f.fid {
                    let server = self.model.connections[ci].server.ip();
                    self.unfollow(&(server, u64::from(x.uid), file_id(m.stream, fid)));
                }
                return;
            }
            _ => {
                self.keep_smb1_io(ci, m, x, false);
                return;
            }
        };
        self.keep_smb1_pending(ci, m, x, detail);
        self.keep_smb1_io(ci, m, x, true);
    }

    /// The FID of each READ_ANDX and WRITE_ANDX of a request's chain, kept
    /// for its response under its own command ([`chained_key`]) when some
    /// open is followed or the chain opens one (`opens`), as SMB2 keeps a
    /// READ's or WRITE's FileId ([`Builder::file_io`]). A FID of 0xFFFF
    /// chained after an open names the file it opens ([MS-CIFS] 2.2.4.41.1:
    /// impacket sends it so; sample smb1-files-andx frame 14): it is
    /// kept as such and read from the open's response.
    fn keep_smb1_io(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message, opens: bool) {
        if !opens && !self.follows_opens() {
            return;
        }
        for f in &x.file_commands {
            let (Smb1Command::READ_ANDX | Smb1Command::WRITE_ANDX, Some(fid)) = (f.command, f.fid)
            else {
                continue;
            };
            let key = chained_key(x, f.command);
            let io = Detail::Io(file_id(m.stream, fid));
            self.keep_smb1_pending_as(ci, m, x, key, io);
        }
    }

    /// The READ_ANDX and WRITE_ANDX answered in an SMB1 response, each
    /// counted on its open's entry in its tree's `files` (as SMB2's READ
    /// and WRITE, [`Builder::file_io`]): the bytes read (DataLength) or
    /// written (Count) of a response of its form, with the FID its request
    /// named. The requests of its chain not answered (the chain stopped at
    /// a command that failed) are forgotten with it.
    fn smb1_file_io(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message) {
        // The FID an open of the chain gave, for a FID of 0xFFFF after it.
        let opened = x
            .file_commands
            .iter()
            .find(|f| {
                matches!(
                    f.command,
                    Smb1Command::NT_CREATE_ANDX | Smb1Command::OPEN_ANDX
                )
            })
            .and_then(|f| f.fid);
        for command in [Smb1Command::READ_ANDX, Smb1Command::WRITE_ANDX] {
            let Some(Pending {
                detail: Detail::Io(mut fid),
                sid,
                ..
            }) = self.conn_state[ci].pending.remove(&chained_key(x, command))
            else {
                continue;
            };
            let write = command == Smb1Command::WRITE_ANDX;
            let Some(bytes) = x
                .file_commands
                .iter()
                .find(|f| f.command == command)
                .and_then(|f| if write { f.count } else { f.data_length })
            else {
                continue;
            };
            if fid.volatile == u64::from(u16::MAX) {
                match opened {
                    Some(o) => fid = file_id(m.stream, o),
                    None => continue,
                }
            }
            self.file_io(ci, sid, fid, write, u64::from(bytes));
        }
    }

    fn smb1_file_response(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message) {
        let kept = matches!(
            x.command,
            Smb1Command::NT_CREATE_ANDX | Smb1Command::OPEN_ANDX
        );
        let p = if kept {
            self.conn_state[ci].pending.remove(&pending_key(x))
        } else {
            None
        };
        let tree = self.smb1_tree_or_unseen(ci, m, x);
        let status = x.read_status();
        if let Some(i) = tree {
            let benign = status != NtStatus::SUCCESS
                && benign(x.command, status, self.smb1_subcommand(ci, x));
            if let Some(t) = self.model.trees.get_mut(i) {
                count_smb1(t, m.frame, x, status, benign);
            }
        }
        // An open made: followed until its CLOSE.
        let own = x.own_file();
        // An open refused: its error entry (smb1_error, next) names the file.
        if let Some(Pending {
            detail: Detail::Open(ask),
            ..
        }) = p
            .as_ref()
            .filter(|_| !opened_ok(status) && x.file_commands.len() <= 1)
        {
            self.conn_state[ci].smb1_refused_open = Some(Box::new((ask.clone(), tree)));
        }
        if let (
            Some(
                p @ Pending {
                    detail: Detail::Open(_),
                    ..
                },
            ),
            Some(fid),
        ) = (p, own.and_then(|f| f.fid))
        {
            // A chain is answered up to the command that fails: an open
            // followed by more commands was made whatever the status.
            if opened_ok(status) || x.file_commands.len() > 1 {
                self.opened(ci, (m.frame, None), p, tree, file_id(m.stream, fid));
            }
        }
        self.smb1_file_io(ci, m, x);
    }
}

/// Counts one SMB1 response on its tree, as `trees::count_operation`
/// counts an SMB2 one: each command of its chain, and its status once.
fn count_smb1(t: &mut Tree, frame: u64, x: &Smb1Message, status: NtStatus, benign: bool) {
    let files = &x.file_commands;
    // The header's command, when it is not a file command of a known form.
    if x.own_file().is_none() {
        count_command(t, x.command, None, files.is_empty(), status);
    }
    for (i, f) in files.iter().enumerate() {
        count_command(t, f.command, Some(f), i + 1 == files.len(), status);
    }
    if status != NtStatus::SUCCESS {
        count_status(t, status.0, frame, benign);
    }
}

/// One command of a response: `last` of its chain, the one `status` is of.
fn count_command(t: &mut Tree, c: Smb1Command, f: Option<&Smb1File>, last: bool, status: NtStatus) {
    match c {
        Smb1Command::NT_CREATE_ANDX | Smb1Command::OPEN_ANDX => {
            t.opens += 1;
            if last && !opened_ok(status) {
                t.open_errors += 1;
            }
        }
        Smb1Command::READ_ANDX => {
            t.reads += 1;
            t.read_bytes += u64::from(f.and_then(|f| f.data_length).unwrap_or(0));
        }
        Smb1Command::WRITE_ANDX => {
            t.writes += 1;
            t.write_bytes += u64::from(f.and_then(|f| f.count).unwrap_or(0));
        }
        _ => t.other_requests += 1,
    }
}

/// Success, or partial data (STATUS_BUFFER_OVERFLOW, ERRDOS/ERRmoredata),
/// as SMB2's count takes it.
fn opened_ok(status: NtStatus) -> bool {
    status == NtStatus::SUCCESS
        || status == NtStatus::BUFFER_OVERFLOW
        || status.dos_error() == Some((ERRDOS, ERR_MOREDATA))
}

/// The DesiredAccess and ShareAccess of an NT_CREATE_ANDX request, or what
/// an OPEN_ANDX request's AccessMode stands for ([MS-CIFS] 2.2.4.41.1: the
/// access in bits 0-2, the sharing mode in bits 4-6), mapped as smbd maps
/// them; the compatibility and FCB modes, and values not defined, claim
/// no conflict (they share read and write and ask for no access).
fn access_of(f: &Smb1File) -> (u32, u32) {
    const READ: u32 = AccessMaskBits::FILE_READ_DATA.0;
    const WRITE: u32 = AccessMaskBits::FILE_WRITE_DATA.0;
    const EXECUTE: u32 = AccessMaskBits::FILE_EXECUTE.0;
    const SHARE_RW: u32 = ShareAccess::READ.0 | ShareAccess::WRITE.0;
    if let (Some(a), Some(s)) = (f.desired_access, f.share_access) {
        return (a.0, s.0);
    }
    let Some(mode) = f.access_mode else {
        return (0, SHARE_RW);
    };
    let access = match mode & 0x7 {
        0 => READ,
        1 => WRITE,
        2 => READ | WRITE,
        3 => EXECUTE,
        _ => return (0, SHARE_RW),
    };
    let share = match (mode >> 4) & 0x7 {
        1 => 0,
        2 => ShareAccess::READ.0,
        3 => ShareAccess::WRITE.0,
        4 => SHARE_RW,
        _ => return (0, SHARE_RW),
    };
    (access, share)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smb2::wire::AccessMask;

    #[test]
    fn open_andx_access_modes() {
        let open = |mode| Smb1File {
            command: Smb1Command::OPEN_ANDX,
            access_mode: Some(mode),
            ..Smb1File::default()
        };
        // read, deny none (impacket's)
        assert_eq!(access_of(&open(0x0040)), (0x1, 0x3));
        // read/write, deny read/write (exclusive)
        assert_eq!(access_of(&open(0x0012)), (0x3, 0));
        // compatibility mode: no claim
        assert_eq!(access_of(&open(0x0002)).0, 0);
        let create = Smb1File {
            desired_access: Some(AccessMask(0x0012_019f)),
            share_access: Some(ShareAccess(0x7)),
            ..Smb1File::default()
        };
        assert_eq!(access_of(&create), (0x0012_019f, 0x7));
    }
}
