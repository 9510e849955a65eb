//! SMB1 error responses ([MS-CIFS] 2.2.3.1: the Status of a response, an
//! NTSTATUS or the DOS form's ErrorClass/ErrorCode) as the connection's
//! errors, as SMB2's are (`trees.rs`): kept in [`Connection::errors`] (at
//! most [`MAX_ERRORS`], the others counted) and each an `error` event.
//!
//! The command refused is the last of the response's AndX chain, the one
//! its Status is of ([MS-CIFS] 3.2.5.1.3): a TREE_CONNECT_ANDX chained to
//! a SESSION_SETUP_ANDX that succeeded is an error of its own.
//!
//! Left out as SMB2's are: a NEGOTIATE's refusal (the connection's
//! `smb1_negotiate` has it), a SESSION_SETUP_ANDX's (the session's rounds
//! have it), a LOGOFF_ANDX answered STATUS_USER_SESSION_DELETED or its
//! DOS form ERRSRV/ERRbaduid (no session of that UID on the connection,
//! [`dos::uid_unknown`]), and the statuses that are a normal step
//! ([`benign`]).
//!
//! A response is paired with its request by command, PID and MID
//! ([MS-CIFS] 2.2.1.6.2) among the connection's latest requests
//! ([`REQUESTS_KEPT`]): the request gives its frame and, for a
//! TRANSACTION2, its subcommand.
//!
//! [`Connection::errors`]: super::model::Connection::errors
//! [`MAX_ERRORS`]: super::model::MAX_ERRORS

use arrayvec::ArrayVec;

use crate::ntstatus::dos::{self, ERRDOS, ERR_BADFILE};
use crate::ntstatus::NtStatus;
use crate::pipeline::Message;
use crate::smb2::smb1::{Smb1Command, Smb1Message};

use super::model::{ErrorEvent, HexId};
use super::opens::OpenAsk;
use super::{no_dfs_referral, Builder};

/// Requests remembered per connection for their response: those not
/// answered yet, the oldest forgotten past this many (an SMB1 client has at
/// most MaxMpxCount requests outstanding, [MS-CIFS] 2.2.4.52.2; servers
/// give 50).
pub(crate) const REQUESTS_KEPT: usize = 64;

/// TRANS2_FIND_FIRST2, a TRANSACTION2 subcommand ([MS-CIFS] 2.2.6.2).
const TRANS2_FIND_FIRST2: u16 = 0x0001;
/// TRANS2_GET_DFS_REFERRAL, a TRANSACTION2 subcommand ([MS-CIFS] 2.2.6.16).
const TRANS2_GET_DFS_REFERRAL: u16 = 0x0010;

/// An SMB1 request waiting for its response.
#[derive(Clone, Copy)]
struct Sent {
    /// Its command's [`family`].
    family: u8,
    pid: u32,
    mid: u16,
    frame: u64,
    /// A TRANSACTION or TRANSACTION2 request's first Setup word: a
    /// TRANSACTION2's subcommand.
    subcommand: Option<u16>,
}

/// What pairs a response with its request besides PID and MID: the
/// command, but one for the three transactions (TRANSACTION, TRANSACTION2,
/// NT_TRANSACT): every message of a command has its PID and MID ([MS-CIFS]
/// 3.2.4.1.1), and a server that took a TRANSACTION2_SECONDARY for the rest
/// of an NT_TRANSACT with that MID answers it as a TRANSACTION2
/// (EternalBlue's requests).
fn family(c: Smb1Command) -> u8 {
    match c {
        Smb1Command::TRANSACTION2 | Smb1Command::NT_TRANSACT => Smb1Command::TRANSACTION.0,
        c => c.0,
    }
}

/// A request that no response answers: a secondary request of a
/// transaction (its final response answers the primary, [MS-CIFS]
/// 2.2.4.34, 2.2.4.47, 2.2.4.63) and NT_CANCEL (2.2.4.65).
fn unanswered(c: Smb1Command) -> bool {
    matches!(
        c,
        Smb1Command::TRANSACTION_SECONDARY
            | Smb1Command::TRANSACTION2_SECONDARY
            | Smb1Command::NT_TRANSACT_SECONDARY
            | Smb1Command::NT_CANCEL
    )
}

/// A connection's SMB1 requests waiting for their response, oldest first
/// (boxed in the connection's state: only connections with SMB1 requests
/// have one).
#[derive(Default)]
pub(crate) struct Requests {
    sent: ArrayVec<Sent, REQUESTS_KEPT>,
}

impl Requests {
    /// Remembers a request; one with the same key before it is forgotten
    /// (its MID was taken again: it is not waiting any more).
    fn push(&mut self, s: Sent) {
        if let Some(at) = self.find(s.family, s.pid, s.mid) {
            self.sent.remove(at);
        }
        if self.sent.is_full() {
            self.sent.remove(0);
        }
        self.sent.push(s);
    }

    /// Where the request of this [`family`], PID and MID is.
    fn find(&self, family: u8, pid: u32, mid: u16) -> Option<usize> {
        self.sent
            .iter()
            .rposition(|s| (s.family, s.pid, s.mid) == (family, pid, mid))
    }
}

impl Builder {
    /// An SMB1 message of connection `ci`: a request is remembered, an
    /// error response kept with its request as the connection's error
    /// (see the module's documentation). Runs after [`Builder::smb1_logon`],
    /// whose tree a refused TREE_CONNECT_ANDX names.
    pub(super) fn smb1_error(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message) {
        let refused = self.conn_state[ci].smb1_refused_open.take();
        let requests = &mut self.conn_state[ci].smb1_requests;
        let family = family(x.command);
        if !x.is_response {
            // The server's oplock break, a LOCKING_ANDX request, is answered
            // by none ([MS-CIFS] 2.2.4.32).
            if m.from_client && !unanswered(x.command) {
                requests.get_or_insert_with(Box::default).push(Sent {
                    family,
                    pid: x.pid,
                    mid: x.mid,
                    frame: m.frame,
                    subcommand: x.setup.map(|(s, _)| s),
                });
            }
            return;
        }
        let Some(r) = requests.as_deref_mut() else {
            return self.smb1_error_answered(ci, m, x, None, refused);
        };
        let at = r.find(family, x.pid, x.mid);
        let status = x.read_status();
        // A transaction answered with success may go on: an interim
        // response asks for its secondary requests, and a long answer takes
        // several final responses ([MS-CIFS] 3.2.4.1.5, 3.2.5.1.4).
        let sent = match at {
            Some(i) if status == NtStatus::SUCCESS && family == Smb1Command::TRANSACTION.0 => {
                r.sent.get(i).copied()
            }
            Some(i) => Some(r.sent.remove(i)),
            None => None,
        };
        self.smb1_error_answered(ci, m, x, sent, refused);
    }

    /// The TRANSACTION2 subcommand of the request an SMB1 response answers,
    /// when that request is waiting (for [`benign`]).
    pub(super) fn smb1_subcommand(&self, ci: usize, x: &Smb1Message) -> Option<u16> {
        let r = self.conn_state[ci].smb1_requests.as_deref()?;
        let at = r.find(family(x.command), x.pid, x.mid)?;
        r.sent.get(at)?.subcommand
    }

    /// An SMB1 response with its request, if known: kept as an error when
    /// it is one (see the module's documentation).
    fn smb1_error_answered(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        x: &Smb1Message,
        sent: Option<Sent>,
        refused: Option<Box<(OpenAsk, Option<usize>)>>,
    ) {
        let status = x.read_status();
        if status == NtStatus::SUCCESS {
            return;
        }
        // The command refused: the last of the chain, the one the Status
        // is of ([MS-CIFS] 3.2.5.1.3), such as a TREE_CONNECT_ANDX chained
        // to a SESSION_SETUP_ANDX that succeeded.
        let refused_command = x.last_command();
        match refused_command {
            Smb1Command::NEGOTIATE | Smb1Command::SESSION_SETUP_ANDX => return,
            Smb1Command::LOGOFF_ANDX if dos::uid_unknown(status) => return,
            _ => {}
        }
        if benign(refused_command, status, sent.and_then(|s| s.subcommand)) {
            return;
        }
        let (detail, tree_id) = if refused_command == Smb1Command::TREE_CONNECT_ANDX {
            // The share of the tree smb1_logon has just made of it.
            let share = self
                .model
                .trees
                .last()
                .filter(|t| t.stream == m.stream && t.response_frame == Some(m.frame))
                .map(|t| t.share.clone())
                .filter(|s| s != "?");
            (share, None)
        } else {
            let tree = self.smb1_tree(ci, x).and_then(|i| self.model.trees.get(i));
            // A refused open: its file, as SMB2's CREATE errors name theirs.
            let file = refused.as_ref().map(|r| r.0.name.clone());
            (file, tree.and_then(|t| t.tree_id))
        };
        let mut e = ErrorEvent {
            frame: m.frame,
            request_frame: sent.map(|s| s.frame),
            // As `smbscope messages` names it: SMB_COM_TREE_CONNECT_ANDX.
            command: refused_command.to_string(),
            status: status.to_string(),
            status_code: status.0,
            session_id: HexId(u64::from(x.uid)),
            tree_id,
            request_tid: None,
            detail,
            held_by: None,
            open_files: None,
        };
        // A file in use: the open that holds it, as for SMB2's CREATE.
        if let Some(r) = refused.as_deref() {
            self.refused_create(ci, &mut e, &r.0, r.1);
        }
        self.keep_error(ci, m, e);
    }
}

/// A status that is a normal step of SMB1, as SMB2's are
/// ([`super::benign_in_context`]): one of [`crate::ntstatus::is_benign`]
/// or of their DOS forms ([`dos::is_benign`]); a TRANS2_FIND_FIRST2 whose
/// pattern matches nothing, STATUS_NO_SUCH_FILE ([MS-CIFS] 3.3.5.58.3) or
/// in the DOS form ERRDOS/ERRbadfile (2.2.6.2.2 pairs them; as SMB2's
/// first QUERY_DIRECTORY); a TRANS2_GET_DFS_REFERRAL answered by a server
/// without DFS ([`no_dfs_referral`]).
pub(super) fn benign(command: Smb1Command, status: NtStatus, subcommand: Option<u16>) -> bool {
    if status.is_benign() || dos::is_benign(status) {
        return true;
    }
    if command != Smb1Command::TRANSACTION2 {
        return false;
    }
    match subcommand {
        Some(TRANS2_FIND_FIRST2) => {
            status == NtStatus::NO_SUCH_FILE || status.dos_error() == Some((ERRDOS, ERR_BADFILE))
        }
        Some(TRANS2_GET_DFS_REFERRAL) => no_dfs_referral(status),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ntstatus::dos::{ERR_MOREDATA, ERR_NOFILES};

    #[test]
    fn normal_steps_of_smb1() {
        use Smb1Command as C;
        let dos = |code| NtStatus::dos(ERRDOS, code);
        let find = Some(TRANS2_FIND_FIRST2);
        let dfs = Some(TRANS2_GET_DFS_REFERRAL);
        assert!(benign(C::READ_ANDX, NtStatus::BUFFER_OVERFLOW, None));
        assert!(benign(C::READ_ANDX, dos(ERR_MOREDATA), None));
        assert!(benign(C::TRANSACTION2, dos(ERR_NOFILES), Some(0x0002)));
        assert!(benign(C::TRANSACTION2, NtStatus::NO_SUCH_FILE, find));
        assert!(benign(C::TRANSACTION2, dos(ERR_BADFILE), find));
        assert!(benign(C::TRANSACTION2, NtStatus::NOT_FOUND, dfs));
        // Elsewhere, or to another subcommand, they are errors.
        assert!(!benign(C::NT_CREATE_ANDX, dos(ERR_BADFILE), None));
        assert!(!benign(C::NT_CREATE_ANDX, NtStatus::NO_SUCH_FILE, None));
        assert!(!benign(C::TRANSACTION2, NtStatus::NOT_FOUND, find));
        assert!(!benign(C::TRANSACTION2, NtStatus::NO_SUCH_FILE, None));
        assert!(!benign(C::TRANSACTION, NtStatus::NOT_FOUND, dfs));
        // No other DOS-form error is read as a benign NTSTATUS.
        assert!(!benign(C::TRANSACTION2, dos(ERR_BADFILE), dfs));
        assert!(!benign(
            C::READ_ANDX,
            NtStatus::dos(0x02, ERR_MOREDATA),
            None
        ));
    }
}
