//! SMB1 logons and shares: SESSION_SETUP_ANDX ([MS-CIFS] 2.2.4.53,
//! [MS-SMB] 2.2.4.6), LOGOFF_ANDX (2.2.4.54), TREE_CONNECT_ANDX (2.2.4.55)
//! and TREE_DISCONNECT (2.2.4.51), read into the same sessions and trees
//! as SMB2's. The UID is the session's SessionId, the TID its TreeId.
//!
//! A TREE_CONNECT_ANDX may be chained by AndX to the SESSION_SETUP_ANDX
//! ([MS-CIFS] 2.2.3.4), as Windows NT 4.0 to XP and many NAS send it: both
//! are answered in one response, whose UID is the new session's and TID
//! the new tree's, and whose Status is the last command's; a command
//! answered before it succeeded (3.2.5.1.3). So a logon whose chained tree
//! connect is refused (smbd: STATUS_BAD_NETWORK_NAME in the header, the
//! tree connect's response an error response, WordCount 0) is a session
//! set up and a tree refused.
//!
//! A logon with extended security carries a SPNEGO or NTLMSSP blob, read
//! as SMB2's is. One without carries the account name in clear and the
//! password fields ([MS-CIFS] 3.2.4.2.4): an LM, NTLMv1 or NTLMv2 response
//! ([MS-NLMP] 3.3.1, 3.3.2), or the password itself when the server's
//! NEGOTIATE asked for plaintext (SecurityMode without
//! NEGOTIATE_ENCRYPT_PASSWORDS).

use std::borrow::Cow;

use crate::ntstatus::NtStatus;
use crate::pipeline::{Decoded, Message};
use crate::smb2::session_setup::SessionFlags;
use crate::smb2::smb1::{
    SessionSetupAndx, Smb1Command, Smb1Message, Smb1SetupAction, TreeConnectAndx,
};
use crate::smb2::tree::ShareFlags;

use super::model::{Connection, GivenTo, HexId};
use super::setup::{SetupAnswer, SetupRequest};
use super::token::TokenFacts;
use super::{events, Builder, Detail, Pending, Protection};

/// SMB1 requests wait among the connection's pending SMB2 requests under
/// this bit (a connection speaks one or the other after NEGOTIATE; the bit
/// keeps them apart when both appear) with their command, PID and MID.
const SMB1_PENDING: u64 = 1 << 63;

/// Most SMB1 trees followed per connection (for TREE_DISCONNECT).
const MAX_SMB1_TREES: usize = 256;

/// The pending key of an SMB1 request or of its response: a response is
/// paired by PID and MID ([MS-CIFS] 2.2.1.6.2), and of the same command.
pub(super) fn pending_key(x: &Smb1Message) -> u64 {
    chained_key(x, x.command)
}

/// The pending key of `command` of the AndX chain of `x` (its header's
/// command or one chained to it): each command of a chain waits for its
/// response apart.
pub(super) fn chained_key(x: &Smb1Message, command: Smb1Command) -> u64 {
    SMB1_PENDING | u64::from(command.0) << 48 | u64::from(x.pid) << 16 | u64::from(x.mid)
}

/// Whether a pending key is an SMB1 request's ([`chained_key`]).
pub(super) fn is_smb1_key(k: u64) -> bool {
    k & SMB1_PENDING != 0
}

/// A pending key's PID and MID part ([`chained_key`]).
const SMB1_PID_MID: u64 = (1 << 48) - 1;

/// The pending key `k` without its command: equal for the commands of one
/// AndX chain ([`chained_key`]), the key itself for an SMB2 MessageId.
pub(super) fn message_key(k: u64) -> u64 {
    if k & SMB1_PENDING != 0 {
        SMB1_PENDING | k & SMB1_PID_MID
    } else {
        k
    }
}

/// The mechanism of a logon without extended security.
pub const MECHANISM_NTLM: &str = "ntlm";

impl Builder {
    /// An SMB1 logon, logoff or tree connect/disconnect message.
    pub(super) fn smb1_logon(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        x: &Smb1Message,
        dec: &Decoded,
    ) {
        if !x.is_response {
            self.smb1_request(ci, m, x, dec);
            return;
        }
        match x.command {
            Smb1Command::SESSION_SETUP_ANDX => self.smb1_setup_answered(ci, m, x, dec),
            Smb1Command::TREE_CONNECT_ANDX => {
                let p = self.conn_state[ci].pending.remove(&pending_key(x));
                self.smb1_tree_connected(ci, m, x, p);
            }
            Smb1Command::LOGOFF_ANDX => {
                let p = self.conn_state[ci].pending.remove(&pending_key(x));
                self.logged_off_smb1(ci, m, x, p);
            }
            Smb1Command::TREE_DISCONNECT if x.succeeded() => {
                // A tree whose connect the capture lacks ends too.
                self.smb1_tree_or_unseen(ci, m, x);
                let trees = &mut self.conn_state[ci].smb1_trees;
                let at = trees.iter().position(|&(u, t, _)| (u, t) == (x.uid, x.tid));
                if let Some((_, _, i)) = at.map(|k| trees.swap_remove(k)) {
                    self.model.trees[i].disconnect_frame = Some(m.frame);
                    self.tree_ended(ci, i);
                }
            }
            _ => {}
        }
    }

    /// A SESSION_SETUP_ANDX response, and the TREE_CONNECT_ANDX response
    /// chained to it, if any (see the module's documentation).
    fn smb1_setup_answered(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message, dec: &Decoded) {
        let pending = &mut self.conn_state[ci].pending;
        let p = pending.remove(&pending_key(x));
        // The tree connect chained to the request: answered here, or, when
        // the chain stopped at a refused logon, never run ([MS-CIFS]
        // 3.3.4.1.2); a request of another message with the same PID and
        // MID is left alone.
        let tree_key = chained_key(x, Smb1Command::TREE_CONNECT_ANDX);
        let tree = x.status_of(Smb1Command::TREE_CONNECT_ANDX).is_some();
        let same_message = pending
            .get(&tree_key)
            .is_some_and(|t| p.as_ref().is_some_and(|p| p.frame == t.frame));
        let tree_request = if tree || same_message {
            pending.remove(&tree_key)
        } else {
            None
        };
        if let Some(s) = &x.session_setup {
            note_native_os(&mut self.model.connections[ci], s, true);
        }
        let status = x
            .status_of(Smb1Command::SESSION_SETUP_ANDX)
            .unwrap_or_else(|| x.read_status());
        let guest = x
            .session_setup
            .as_ref()
            .and_then(|s| s.action)
            .is_some_and(|a| a.contains(Smb1SetupAction::GUEST));
        // A DOS-form error (Flags2 without NT_STATUS, [MS-CIFS] 2.2.3.1) is
        // kept as such: a failure, named "ERRDOS/ERRnoaccess", never read
        // as an NTSTATUS.
        let answer = SetupAnswer {
            session_id: u64::from(x.uid),
            status: status.0,
            flags: if guest && status == NtStatus::SUCCESS {
                SessionFlags::IS_GUEST
            } else {
                SessionFlags::default()
            },
            per_connection: true,
            signed: x.signed,
        };
        self.setup_answer(ci, m, dec, p, answer);
        if tree {
            self.smb1_tree_connected(ci, m, x, tree_request);
        }
    }

    /// A TREE_CONNECT_ANDX response, the header's own command or chained to
    /// a SESSION_SETUP_ANDX, with its request `p`: a tree of the response's
    /// UID and TID, with the tree connect's status.
    fn smb1_tree_connected(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        x: &Smb1Message,
        p: Option<Pending>,
    ) {
        let (share, request) = match p {
            Some(Pending {
                detail: Detail::Share(s),
                frame,
                ts,
                ..
            }) => (s, (frame, Some(ts))),
            _ => (String::from("?"), (m.frame, None)),
        };
        let status = x
            .status_of(Smb1Command::TREE_CONNECT_ANDX)
            .unwrap_or_else(|| x.read_status());
        let ids = (u64::from(x.uid), u32::from(x.tid), status.0);
        let share_type = x.tree_connect.as_ref().and_then(|t| t.share_type());
        let kind = (share_type, ShareFlags(0));
        let i = self.tree_connected(ci, m, ids, share, request, kind);
        // UID and TID are the connection's own ([MS-CIFS] 2.2.1.6): its
        // trees are kept apart from other connections'.
        let trees = &mut self.conn_state[ci].smb1_trees;
        if status == NtStatus::SUCCESS && trees.len() < MAX_SMB1_TREES {
            trees.push((x.uid, x.tid, i));
        }
    }

    /// The tree (index in `model.trees`) of an SMB1 message's UID and TID
    /// on connection `ci`, when the capture shows its connect, or shows it
    /// in use ([`Builder::smb1_unseen_tree`]).
    pub(super) fn smb1_tree(&self, ci: usize, x: &Smb1Message) -> Option<usize> {
        self.conn_state[ci]
            .smb1_trees
            .iter()
            .find(|&&(u, t, _)| (u, t) == (x.uid, x.tid))
            .map(|&(_, _, i)| i)
    }

    /// The tree of the SMB1 response `x`, made for it when the response
    /// shows a tree connected whose TREE_CONNECT_ANDX the capture lacks
    /// ([`UnseenConnect`], as SMB2's): a response of a UID on a TID, to a
    /// command on a tree ([`on_a_tree`]), not answered with a status
    /// that refuses the TID or the UID ([`refuses_the_tree`]). A server
    /// checks the UID and then the TID of every such request before it
    /// runs it ([MS-CIFS] 3.3.5.2), so the TID was a tree connect of the
    /// UID: mostly connected before the capture began. At most
    /// [`MAX_UNSEEN_TREES`] a connection, and [`MAX_SMB1_TREES`] trees
    /// followed; TID 0 and 0xFFFF, which clients send for no tree (smbclient
    /// after its `tdis`, impacket before a tree connect), are none.
    ///
    /// [`UnseenConnect`]: super::model::UnseenConnect
    /// [`MAX_UNSEEN_TREES`]: super::trees::MAX_UNSEEN_TREES
    pub(super) fn smb1_tree_or_unseen(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        x: &Smb1Message,
    ) -> Option<usize> {
        if let Some(i) = self.smb1_tree(ci, x) {
            return Some(i);
        }
        let st = &self.conn_state[ci];
        if !x.is_response
            || m.from_client
            || x.uid == 0
            || x.tid == 0
            || x.tid == u16::MAX
            || !on_a_tree(x.command)
            || refuses_the_tree(x.last_command(), x.read_status())
            || st.unseen_trees >= super::trees::MAX_UNSEEN_TREES
            || st.smb1_trees.len() >= MAX_SMB1_TREES
        {
            return None;
        }
        let given_to = self.smb1_given_to(ci, x);
        let (sid, tid) = (u64::from(x.uid), u32::from(x.tid));
        let i = self.push_unseen_tree(ci, m.frame, sid, tid, given_to);
        self.conn_state[ci].smb1_trees.push((x.uid, x.tid, i));
        Some(i)
    }

    /// The tree connect of another UID of the connection that the capture
    /// shows given the TID of `x`, the latest (see
    /// [`super::model::UnseenConnect::given_to`]).
    fn smb1_given_to(&self, ci: usize, x: &Smb1Message) -> Option<GivenTo> {
        self.model
            .trees
            .iter()
            .filter(|t| t.stream == self.model.connections[ci].stream)
            .filter(|t| t.tid == u32::from(x.tid) && t.sid != u64::from(x.uid))
            .filter_map(|t| {
                let response_frame = t
                    .response_frame
                    .filter(|_| t.status == Some(NtStatus::SUCCESS))?;
                let logoff_frame = self
                    .session_index
                    .get(&(t.stream, t.sid))
                    .and_then(|&i| self.model.sessions.get(i))
                    .and_then(|s| s.logoff_frame);
                Some(GivenTo {
                    session_id: HexId(t.sid),
                    share: t.share.clone(),
                    response_frame,
                    logoff_frame,
                })
            })
            .max_by_key(|g| g.response_frame)
    }

    /// Counts an SMB1 message of a session after its setup, signed or not
    /// (see [`Smb1Message::signed`]), as SMB2's are counted. The server's
    /// oplock break (a LOCKING_ANDX request) is exempt from signing
    /// ([MS-CIFS] 3.2.5.1.2) and not counted. A LOGOFF_ANDX response is
    /// the session's of its request's UID, whatever UID its header carries
    /// ([`Builder::logged_off_smb1`]; impacket's server: 0), and is
    /// counted, as SMB2's LOGOFF response is, before the logoff ends it.
    pub(super) fn smb1_signing(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message) {
        let oplock_break =
            x.command == Smb1Command::LOCKING_ANDX && !x.is_response && !m.from_client;
        // A reply the client sent is none of a session's either: the
        // server sets SMB_FLAGS_REPLY on its responses ([MS-CIFS] 2.2.3.1),
        // and sends no request but the oplock break.
        let reply_from_client = x.is_response && m.from_client;
        let uid = if x.is_response && x.command == Smb1Command::LOGOFF_ANDX {
            let request = self.conn_state[ci].pending.get(&pending_key(x));
            request.map_or(u64::from(x.uid), |p| p.sid)
        } else {
            u64::from(x.uid)
        };
        if uid == 0 || oplock_break || reply_from_client {
            return;
        }
        let p = if x.signed {
            Protection::Signed
        } else {
            Protection::Neither
        };
        // The session of this connection only: a UID is the connection's
        // own ([MS-CIFS] 2.2.1.6), unlike a multichannel SessionId.
        let own = self.session_index.get(&(m.stream, uid)).copied();
        match own.and_then(|i| self.model.sessions.get_mut(i)) {
            Some(s) => {
                s.note_after_setup(p, m.frame);
            }
            None => {
                let setup = x.command == Smb1Command::SESSION_SETUP_ANDX;
                let what = super::UnseenMessage::Smb1 { setup };
                self.note_unseen_setup(ci, m, uid, p, what);
            }
        }
    }

    /// A SESSION_SETUP_ANDX, TREE_CONNECT_ANDX or LOGOFF_ANDX request,
    /// kept until its response (same command, PID and MID:
    /// [`pending_key`]); a TREE_CONNECT_ANDX chained to a
    /// SESSION_SETUP_ANDX is kept apart under its own command.
    fn smb1_request(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message, dec: &Decoded) {
        let share = x.tree_connect.as_ref().map(|t| share_of(t));
        match (x.command, &x.session_setup, share) {
            (Smb1Command::SESSION_SETUP_ANDX, Some(s), share) => {
                note_native_os(&mut self.model.connections[ci], s, false);
                let plaintext = self.model.connections[ci]
                    .smb1_negotiate
                    .as_ref()
                    .is_some_and(|n| n.plaintext_passwords);
                let setup = Detail::Setup(Box::new(setup_request(s, dec, plaintext)));
                self.keep_smb1_pending(ci, m, x, setup);
                if let Some(share) = share {
                    let key = chained_key(x, Smb1Command::TREE_CONNECT_ANDX);
                    self.keep_smb1_pending_as(ci, m, x, key, share);
                }
            }
            (Smb1Command::TREE_CONNECT_ANDX, _, Some(share)) => {
                self.keep_smb1_pending(ci, m, x, share)
            }
            // Its UID names the session it ends ([`Builder::logged_off_smb1`]).
            (Smb1Command::LOGOFF_ANDX, ..) => self.keep_smb1_pending(ci, m, x, Detail::None),
            _ => {}
        }
    }

    /// Keeps an SMB1 request with `detail` until its response, under its
    /// UID and TID and [`pending_key`].
    pub(super) fn keep_smb1_pending(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        x: &Smb1Message,
        detail: Detail,
    ) {
        self.keep_smb1_pending_as(ci, m, x, pending_key(x), detail);
    }

    /// [`Builder::keep_smb1_pending`] under `key`.
    pub(super) fn keep_smb1_pending_as(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        x: &Smb1Message,
        key: u64,
        detail: Detail,
    ) {
        let p = Pending {
            frame: m.frame,
            ts: m.ts,
            sid: u64::from(x.uid),
            tid: Some(u32::from(x.tid)),
            signed: false,
            detail,
        };
        self.keep_pending(ci, key, p);
    }

    /// A LOGOFF_ANDX response, with its request `p` when the capture has
    /// it: the UID is gone ([MS-CIFS] 3.3.5.44), on this connection only;
    /// or, refused, it is not (its opens and its `logoff_frame` stay as
    /// they were), but for STATUS_USER_SESSION_DELETED or ERRSRV/ERRbaduid,
    /// gone already (as SMB2's LOGOFF; [`dos::uid_unknown`]).
    ///
    /// The UID is the request's: it names the user to be logged off
    /// (2.2.4.54.1), the server ends that session (3.3.5.44) and the
    /// client discards "the UID that was indicated in the SMB Header of the
    /// initial request" when the response succeeds; a response answers the
    /// request of its PID and MID (2.2.1.6.2), whatever UID its header
    /// carries. impacket's SMB1 server answers every LOGOFF_ANDX with UID 0
    /// in the header (its smbComLogOffAndX clears the connection's UID
    /// before the response is built): sample
    /// smb1-impacket-server-logoff-relogon, frames 18/19. Without the
    /// request, the response's UID.
    fn logged_off_smb1(&mut self, ci: usize, m: &Message<'_>, x: &Smb1Message, p: Option<Pending>) {
        let sid = p.map_or(u64::from(x.uid), |p| p.sid);
        if x.succeeded() || crate::ntstatus::dos::uid_unknown(x.read_status()) {
            self.unseen_setup_ended(ci, sid, true, m.frame);
            self.mark_session(m.stream, sid, |s| {
                s.logoff_frame = Some(m.frame);
                s.ended_frame.get_or_insert(m.frame);
            });
            self.session_ended(ci, sid, true);
        }
        let (stream, frame, time) = (m.stream, m.frame, m.ts);
        self.emit("logoff", stream, Some(sid), || events::Logoff {
            stream,
            frame,
            time,
            session_id: HexId(sid),
        });
    }
}

/// SMB_COM_TREE_CONNECT ([MS-CIFS] 2.2.4.50), deprecated.
const SMB_COM_TREE_CONNECT: Smb1Command = Smb1Command(0x70);

/// A command whose request names a tree connect by its TID ([MS-CIFS]
/// 3.3.5.2): not NEGOTIATE, SESSION_SETUP_ANDX, LOGOFF_ANDX, the tree
/// connects, ECHO or NT_CANCEL; nor LOCKING_ANDX, whose request from the
/// server (an oplock break) names the open's tree but is no answer of it.
fn on_a_tree(c: Smb1Command) -> bool {
    !matches!(
        c,
        Smb1Command::NEGOTIATE
            | Smb1Command::SESSION_SETUP_ANDX
            | Smb1Command::LOGOFF_ANDX
            | SMB_COM_TREE_CONNECT
            | Smb1Command::TREE_CONNECT_ANDX
            | Smb1Command::ECHO
            | Smb1Command::NT_CANCEL
            | Smb1Command::LOCKING_ANDX
    )
}

/// A status of an SMB1 response (to `command`, its chain's last) that
/// does not show its TID a tree connect of its UID: the TID not known
/// (STATUS_SMB_BAD_TID 0x00050002 or ERRSRV/ERRinvtid, [MS-CIFS] 2.2.2.4,
/// 3.3.5.2; smbd's STATUS_NETWORK_NAME_DELETED and its DOS form
/// ERRDOS/0x0040, ERROR_NETNAME_DELETED: samples smb1-nt-stale-tid and
/// smb1-dos-stale-tid frame 19), the UID not known (STATUS_SMB_BAD_UID
/// 0x005B0002, ERRSRV/ERRbaduid, STATUS_USER_SESSION_DELETED), access
/// denied (a signature that does not verify, checked before the TID: also
/// in the DOS form ERRDOS/ERRnoaccess), and to an NT_CREATE_ANDX,
/// STATUS_INVALID_HANDLE or its DOS form ERRDOS/ERRbadfid, which smbd
/// answers that command on a TID it does not have (the same samples,
/// frame 21).
fn refuses_the_tree(command: Smb1Command, status: NtStatus) -> bool {
    const REFUSED: [u32; 5] = [
        0xC000_00C9, // STATUS_NETWORK_NAME_DELETED
        0xC000_0203, // STATUS_USER_SESSION_DELETED
        0xC000_0022, // STATUS_ACCESS_DENIED
        0x0005_0002, // STATUS_SMB_BAD_TID
        0x005B_0002, // STATUS_SMB_BAD_UID
    ];
    use crate::ntstatus::dos::{
        ERRDOS, ERRSRV, ERR_BADFID, ERR_BADUID, ERR_INVTID, ERR_NETNAME_DELETED, ERR_NOACCESS,
    };
    if REFUSED.contains(&status.0) {
        return true;
    }
    match status.dos_error() {
        Some((ERRSRV, ERR_INVTID | ERR_BADUID) | (ERRDOS, ERR_NOACCESS | ERR_NETNAME_DELETED)) => {
            true
        }
        Some((ERRDOS, ERR_BADFID)) => command == Smb1Command::NT_CREATE_ANDX,
        _ => command == Smb1Command::NT_CREATE_ANDX && status == NtStatus::INVALID_HANDLE,
    }
}

/// A TREE_CONNECT_ANDX request's share: the path, as SMB2's TREE_CONNECT
/// gives it (\\server\share).
fn share_of(t: &TreeConnectAndx) -> Detail {
    Detail::Share(t.path.clone().unwrap_or_else(|| "?".into()))
}

/// Keeps the NativeOS and NativeLanMan of a SESSION_SETUP_ANDX on its
/// connection ([`crate::session::model::NativeOs`]): one allocation per
/// connection that sends them, none when neither is given.
fn note_native_os(c: &mut Connection, s: &SessionSetupAndx, response: bool) {
    if s.native_os.is_none() && s.native_lanman.is_none() {
        return;
    }
    c.native_os
        .get_or_insert_with(Box::default)
        .note(s, response);
}

/// What a SESSION_SETUP_ANDX request says: the security blob's facts, or,
/// without extended security, the account and the kind of its password
/// fields.
fn setup_request(s: &SessionSetupAndx, dec: &Decoded, plaintext: bool) -> SetupRequest {
    let facts = match &dec.auth {
        Some(Ok(a)) => TokenFacts::from_auth(a),
        // Extended security with nothing in it: no credentials at all, a
        // null session (as EternalBlue's setups are).
        _ if s.security_blob_length == Some(0) => TokenFacts {
            token: Some(Cow::Borrowed("empty security blob")),
            user: Some(String::new()),
            ntlm_response: Some("anonymous"),
            ..TokenFacts::default()
        },
        _ if s.security_blob_length.is_some() => TokenFacts::default(),
        // The account cut off by the capture: who it was is not known.
        _ if s.account.is_none() && s.cut => TokenFacts {
            mechanism: Some(MECHANISM_NTLM),
            ..TokenFacts::default()
        },
        _ => {
            let kind = password_kind(s, plaintext);
            TokenFacts {
                mechanism: Some(MECHANISM_NTLM),
                token: Some(Cow::Borrowed(password_token(kind))),
                user: Some(s.account.clone().unwrap_or_default()),
                domain: Some(s.primary_domain.clone().unwrap_or_default()),
                ntlm_response: Some(kind),
                ..TokenFacts::default()
            }
        }
    };
    // Who logged on is not known because the capture cut the request.
    let cut = s.cut && facts.user.is_none() && !matches!(&dec.auth, Some(Ok(_)));
    SetupRequest {
        facts,
        binding: false,
        // SMB1's SESSION_SETUP_ANDX has no SecurityMode: signing is the
        // connection's ([MS-CIFS] 3.2.4.2.4), seen by its SecuritySignature.
        signing_required: false,
        cut,
    }
}

/// What the password fields of a SESSION_SETUP_ANDX without extended
/// security hold, by their lengths ([MS-CIFS] 3.2.4.2.4; [MS-NLMP] 3.3.1:
/// a 24-byte NT response is NTLMv1, a longer one NTLMv2 (3.3.2), an LM
/// response alone is 24 bytes in the OEM field): "anonymous" (no account,
/// no password beyond one NUL), "NTLMv1", "NTLMv2", "LM", "plaintext"
/// (other lengths, when the server asked for plaintext passwords), or
/// "unknown".
pub fn password_kind(s: &SessionSetupAndx, plaintext_asked: bool) -> &'static str {
    let oem = s.oem_password_length.unwrap_or(0);
    let uni = s.unicode_password_length.unwrap_or(0);
    let no_account = s.account.as_deref().is_none_or(str::is_empty);
    if no_account && uni == 0 && oem <= 1 {
        return "anonymous";
    }
    // A client may answer with a challenge response all the same (the
    // server sends a challenge either way): only other lengths are taken
    // for a password in clear.
    match (oem, uni) {
        (_, 24) => "NTLMv1",
        (_, n) if n > 24 => "NTLMv2",
        (24, 0) => "LM",
        _ if plaintext_asked && (oem > 0 || uni > 0) => "plaintext",
        _ => "unknown",
    }
}

/// The round's request token for a logon without extended security.
fn password_token(kind: &str) -> &'static str {
    match kind {
        "NTLMv1" => "NTLMv1 response (no SPNEGO)",
        "NTLMv2" => "NTLMv2 response (no SPNEGO)",
        "LM" => "LM response (no SPNEGO)",
        "anonymous" => "anonymous (no SPNEGO)",
        "plaintext" => "plaintext password (no SPNEGO)",
        _ => "password fields (no SPNEGO)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(account: &str, oem: u16, uni: u16) -> SessionSetupAndx {
        SessionSetupAndx {
            word_count: 13,
            oem_password_length: Some(oem),
            unicode_password_length: Some(uni),
            account: Some(account.into()),
            ..SessionSetupAndx::default()
        }
    }

    #[test]
    fn password_kinds_by_length() {
        assert_eq!(password_kind(&setup("", 1, 0), false), "anonymous");
        assert_eq!(password_kind(&setup("", 0, 0), true), "anonymous");
        assert_eq!(password_kind(&setup("alice", 24, 24), false), "NTLMv1");
        assert_eq!(password_kind(&setup("alice", 24, 66), false), "NTLMv2");
        assert_eq!(password_kind(&setup("alice", 24, 0), false), "LM");
        assert_eq!(password_kind(&setup("alice", 10, 0), true), "plaintext");
        // A challenge response sent all the same is not a password in clear.
        assert_eq!(password_kind(&setup("alice", 24, 24), true), "NTLMv1");
        assert_eq!(password_kind(&setup("alice", 0, 20), true), "plaintext");
        assert_eq!(password_kind(&setup("alice", 10, 0), false), "unknown");
    }
}
