//! Files the capture shows open: CREATEs answered with success and not yet
//! closed. When a CREATE is answered STATUS_SHARING_VIOLATION, the open of
//! the same file that the sharing check ([MS-FSA] 2.1.5.1.2, which
//! [MS-SMB2] 3.3.5.9 applies) fails against is named as its holder.
//!
//! An open is known by (server, SessionId, FileId): a FileId names an open
//! within its session, on every channel of it ([MS-SMB2] 3.3.1.10), so a
//! multichannel client may close on one connection what it opened on
//! another. An open ends at its CLOSE, its session's LOGOFF (one that
//! succeeded, or that found the session gone already), its tree's
//! TREE_DISCONNECT, or when the connection it was made on closes.
//!
//! Bounded: at most [`MAX_OPENS`] opens made on one connection and
//! [`MAX_LIVE`] (with [`MAX_LIVE_BYTES`] of names) in all are followed at a
//! time, the rest are not; at most [`MAX_HOLDER_SEARCHES`] searches for a
//! holder in a capture, each over the opens followed.

use std::net::IpAddr;

use crate::pipeline::Message;
use crate::smb2::create::{CreateAction, CreateDisposition, ShareAccess};
use crate::smb2::read_write::WriteRequest;
use crate::smb2::tree::ShareType;
use crate::smb2::wire::{AccessMask, AccessMaskBits};
use crate::smb2::{parse_body, Body, Command, FileId, Smb2Header};
use crate::tcp::hash::KeyedHashMap;

use super::model::{ErrorEvent, FileOpen, HeldBy, HexId, MAX_FILES_PER_TREE};
use super::{Builder, Detail, Pending};
use crate::ntstatus::{dos, NtStatus};

/// Opens made on one connection followed at a time.
pub(crate) const MAX_OPENS: usize = 256;
/// Opens followed at a time, on all connections.
pub(crate) const MAX_LIVE: usize = 65_536;
/// Bytes of the names of the opens followed at a time.
pub(crate) const MAX_LIVE_BYTES: usize = 16 << 20;
/// Sharing violations whose holder is looked for.
pub(crate) const MAX_HOLDER_SEARCHES: u32 = 1024;
/// Opens listed on their trees (`Tree::files`), on all trees.
pub(crate) const MAX_LISTED: usize = 65_536;
/// Bytes of the names of the opens listed on their trees.
pub(crate) const MAX_LISTED_BYTES: usize = 16 << 20;

/// An open's key: the server's address, the SessionId, the FileId.
pub(crate) type OpenKey = (IpAddr, u64, FileId);

/// The opens followed on all connections.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    opens: KeyedHashMap<OpenKey, Open>,
    /// Bytes of the names of `opens`.
    live_bytes: usize,
    /// Searches for a holder so far.
    searches: u32,
    /// Opens still followed when the connection they were made on closed.
    left_open: u64,
    /// Sessions a LOGOFF ended with success (at most [`MAX_LIVE`]): their
    /// opens on other channels are not named as holders either.
    ended_sessions: KeyedHashMap<(IpAddr, u64), ()>,
    /// Opens listed on their trees so far, and the bytes of their names.
    listed: (usize, usize),
}

impl Tracker {
    /// Takes an open out of the map, with its name's bytes.
    fn take(&mut self, key: &OpenKey) -> Option<Open> {
        let o = self.opens.remove(key)?;
        self.live_bytes -= o.name.len();
        Some(o)
    }
}

/// What a CREATE request asked for, kept until its response.
#[derive(Clone, Debug)]
pub(crate) struct OpenAsk {
    pub name: String,
    pub desired_access: u32,
    pub share_access: u32,
    /// CreateDisposition (SMB2 CREATE only).
    pub disposition: Option<CreateDisposition>,
    /// A CLOSE related to it later in its compound chain (FileId all ones,
    /// [MS-SMB2] 3.2.4.1.4) closes what it opens, before its response.
    pub closed_in_chain: bool,
}

/// An open the capture shows.
#[derive(Clone, Debug)]
pub(crate) struct Open {
    /// The connection it was made on (index in `model.connections`).
    conn: usize,
    /// Index of its tree in `model.trees` (none when the TREE_CONNECT is
    /// not in the capture: counted, never named as a holder).
    tree: Option<usize>,
    name: String,
    request_frame: u64,
    frame: u64,
    desired_access: u32,
    share_access: u32,
    /// Its entry in its tree's `files`, where its READs and WRITEs count.
    file: Option<usize>,
}

// The bits of the smb2 layer's tables ([MS-SMB2] 2.2.13.1.1, 2.2.13).
const FILE_READ_DATA: u32 = AccessMaskBits::FILE_READ_DATA.0;
const FILE_WRITE_DATA: u32 = AccessMaskBits::FILE_WRITE_DATA.0;
const FILE_APPEND_DATA: u32 = AccessMaskBits::FILE_APPEND_DATA.0;
const FILE_EXECUTE: u32 = AccessMaskBits::FILE_EXECUTE.0;
const DELETE: u32 = AccessMaskBits::DELETE.0;
const GENERIC_ALL: u32 = AccessMaskBits::GENERIC_ALL.0;
const GENERIC_EXECUTE: u32 = AccessMaskBits::GENERIC_EXECUTE.0;
const GENERIC_WRITE: u32 = AccessMaskBits::GENERIC_WRITE.0;
const GENERIC_READ: u32 = AccessMaskBits::GENERIC_READ.0;
const FILE_SHARE_READ: u32 = ShareAccess::READ.0;
const FILE_SHARE_WRITE: u32 = ShareAccess::WRITE.0;
const FILE_SHARE_DELETE: u32 = ShareAccess::DELETE.0;

/// The rights the sharing check looks at, with generic rights mapped
/// ([MS-FSA] 2.1.5.1.2; the generic mapping of files, [MS-DTYP] 2.4.3).
/// MAXIMUM_ALLOWED is left out: the check uses the access granted, which
/// the capture does not show, so no conflict is claimed through it.
fn checked_rights(access: u32) -> u32 {
    let mut a = access;
    if access & GENERIC_ALL != 0 {
        a |= FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_EXECUTE | DELETE;
    }
    if access & GENERIC_READ != 0 {
        a |= FILE_READ_DATA;
    }
    if access & GENERIC_WRITE != 0 {
        a |= FILE_WRITE_DATA | FILE_APPEND_DATA;
    }
    if access & GENERIC_EXECUTE != 0 {
        a |= FILE_EXECUTE;
    }
    a
}

/// The share modes `access` needs, as ShareAccess bits: READ for reading
/// or executing, WRITE for writing or appending, DELETE for deleting.
fn needs(access: u32) -> u32 {
    let a = checked_rights(access);
    let mut s = 0;
    if a & (FILE_READ_DATA | FILE_EXECUTE) != 0 {
        s |= FILE_SHARE_READ;
    }
    if a & (FILE_WRITE_DATA | FILE_APPEND_DATA) != 0 {
        s |= FILE_SHARE_WRITE;
    }
    if a & DELETE != 0 {
        s |= FILE_SHARE_DELETE;
    }
    s
}

/// How a new open (access, share) fails the sharing check against an
/// existing one ([MS-FSA] 2.1.5.1.2): the share modes the new open needs
/// and the existing one does not grant, and those the existing one uses
/// and the new one does not grant. Both empty: no conflict.
/// An open asking for none of these rights (attributes, security alone)
/// takes no part in the check, on either side.
pub(crate) fn conflict(existing: (u32, u32), new: (u32, u32)) -> (u32, u32) {
    let (held, asked) = (needs(existing.0), needs(new.0));
    if held == 0 || asked == 0 {
        return (0, 0);
    }
    (asked & !existing.1, held & !new.1)
}

fn conflicts(existing: (u32, u32), new: (u32, u32)) -> bool {
    conflict(existing, new) != (0, 0)
}

/// The share of a UNC path (`\\\\server\\share`): the server's own name
/// for it, whatever name or address the client used for the server.
fn share_name(unc: &str) -> &str {
    unc.rsplit('\\').next().unwrap_or(unc)
}

/// Names as the server compares them: without a leading backslash, and
/// case-insensitive (ASCII; Windows and Samba by default compare wider).
fn same_name(a: &str, b: &str) -> bool {
    a.trim_start_matches('\\')
        .eq_ignore_ascii_case(b.trim_start_matches('\\'))
}

/// CREATE requests followed for the WRITE requests sent after them, on a
/// connection: [`WentOnWrites`] kept at most.
pub(super) const MAX_WENT_ON_FILES: usize = 64;

/// On a connection whose capture lacks the server's side: the WRITE
/// requests the client sent with a FileId it went on with after an
/// unanswered CREATE request: the latest CREATE request before the first
/// of them on the same SessionId and TreeId, still unanswered (a FileId
/// comes from the CREATE response, [MS-SMB2] 3.2.5.14, 2.2.14), the first
/// FileId for it (a second one is not counted: which CREATE it went on
/// from is not known).
#[derive(Clone, Copy, Debug)]
pub(crate) struct WentOnWrites {
    pub create_frame: u64,
    sid: u64,
    file_id: FileId,
    /// The first WRITE request.
    pub first_frame: u64,
    /// The WRITE requests and the sum of their Length.
    pub requests: u64,
    pub length: u64,
}

impl Builder {
    /// A CREATE answered with success (`action`: its CreateAction, SMB2
    /// only): listed on its tree, and followed until its CLOSE.
    pub(super) fn opened(
        &mut self,
        ci: usize,
        (frame, action): (u64, Option<CreateAction>),
        p: Pending,
        tree: Option<usize>,
        file_id: FileId,
    ) {
        let Detail::Open(ask) = p.detail else {
            return;
        };
        let file = tree.and_then(|t| self.list_file(t, &ask, (p.frame, Some(frame)), action));
        let key = (self.model.connections[ci].server.ip(), p.sid, file_id);
        let t = &self.opens;
        let st = &self.conn_state[ci];
        if ask.closed_in_chain
            || st.closed
            || st.opens.len() >= MAX_OPENS
            || t.opens.len() >= MAX_LIVE
            || t.live_bytes + ask.name.len() > MAX_LIVE_BYTES
        {
            // An open of the same FileId followed before is over.
            self.unfollow(&key);
            return;
        }
        let t = &mut self.opens;
        let st = &mut self.conn_state[ci];
        t.live_bytes += ask.name.len();
        st.opens.push(key);
        let OpenAsk {
            name,
            desired_access,
            share_access,
            ..
        } = ask;
        let open = Open {
            conn: ci,
            tree,
            name,
            request_frame: p.frame,
            frame,
            desired_access,
            share_access,
            file,
        };
        // A FileId given out again (its CLOSE was not seen): the new open
        // takes its place.
        if let Some(old) = t.opens.insert(key, open) {
            t.live_bytes -= old.name.len();
            unlist(&mut self.conn_state[old.conn].opens, &key);
        }
    }

    /// Lists an open on tree `t` (within [`MAX_FILES_PER_TREE`],
    /// [`MAX_LISTED`] and [`MAX_LISTED_BYTES`]; past them it is counted in
    /// `files_omitted`): gives its index in the tree's `files`. Without a
    /// response `frame`, an unanswered CREATE request
    /// ([`FileOpen::unanswered`]).
    fn list_file(
        &mut self,
        t: usize,
        ask: &OpenAsk,
        (request_frame, frame): (u64, Option<u64>),
        action: Option<CreateAction>,
    ) -> Option<usize> {
        let (listed, bytes) = &mut self.opens.listed;
        let tree = self.model.trees.get_mut(t)?;
        if tree.files.len() >= MAX_FILES_PER_TREE
            || *listed >= MAX_LISTED
            || *bytes + ask.name.len() > MAX_LISTED_BYTES
        {
            tree.files_omitted += 1;
            return None;
        }
        *listed += 1;
        *bytes += ask.name.len();
        let pipe = tree.share_type == Some(ShareType::PIPE)
            || tree.share.len() >= 4
                && tree.share.is_char_boundary(tree.share.len() - 4)
                && tree.share[tree.share.len() - 4..].eq_ignore_ascii_case("IPC$");
        tree.files.push(FileOpen {
            name: ask.name.clone(),
            request_frame,
            frame,
            unanswered: frame.is_none(),
            disposition: ask.disposition,
            action,
            desired_access: AccessMask(ask.desired_access),
            pipe,
            reads: 0,
            read_bytes: 0,
            writes: 0,
            write_bytes: 0,
            write_requests: 0,
            write_length: 0,
            first_write_request: None,
            rpc: None,
        });
        Some(tree.files.len() - 1)
    }

    /// The CREATE requests of a connection whose capture lacks the
    /// server's side, left unanswered when it closed (`creates`: frame,
    /// SessionId, TreeId and what each asked, in frame order): each is
    /// listed on the tree of `trees` (the connection's trees made of its
    /// unanswered TREE_CONNECT requests) with its SessionId and the TreeId
    /// the client went on with, as an unanswered request
    /// ([`FileOpen::unanswered`]), within the bounds of
    /// [`Builder::list_file`].
    pub(super) fn list_unanswered_creates(
        &mut self,
        ci: usize,
        trees: &[usize],
        creates: Vec<(u64, u64, Option<u32>, OpenAsk)>,
    ) {
        let writes = std::mem::take(&mut self.conn_state[ci].went_on_writes);
        for (frame, sid, tid, ask) in creates {
            let Some(tid) = tid else {
                continue;
            };
            let tree = trees.iter().copied().find(|&t| {
                self.model
                    .trees
                    .get(t)
                    .is_some_and(|t| t.sid == sid && t.client_went_on.is_some() && t.tid == tid)
            });
            let Some(t) = tree else {
                continue;
            };
            let listed = self.list_file(t, &ask, (frame, None), None);
            let asked = writes.iter().find(|w| w.create_frame == frame);
            let file = listed.and_then(|i| self.model.trees.get_mut(t)?.files.get_mut(i));
            if let (Some(f), Some(w)) = (file, asked) {
                f.write_requests = w.requests;
                f.write_length = w.length;
                f.first_write_request = Some(w.first_frame);
            }
        }
    }

    /// A WRITE request `w` on a connection that has shown no message of
    /// the server yet: counted on the CREATE request its FileId went on
    /// from ([`WentOnWrites`]), within [`MAX_WENT_ON_FILES`].
    fn unanswered_write(&mut self, m: &Message<'_>, h: &Smb2Header, w: &WriteRequest) {
        let Some(tid) = h.tree_id.filter(|&t| t != 0) else {
            return;
        };
        let Some(st) = self
            .conn_index
            .get(&m.stream)
            .and_then(|&ci| self.conn_state.get_mut(ci))
        else {
            return;
        };
        let sid = h.session_id;
        let same = |e: &&mut WentOnWrites| e.sid == sid && e.file_id == w.file_id;
        if let Some(e) = st.went_on_writes.iter_mut().find(same) {
            e.requests += 1;
            e.length += u64::from(w.length);
            return;
        }
        if st.went_on_writes.len() >= MAX_WENT_ON_FILES {
            return;
        }
        let create = st
            .pending
            .values()
            .filter(|p| p.sid == sid && p.tid == Some(tid) && p.frame < m.frame)
            .filter(|p| matches!(p.detail, Detail::Open(_)))
            .map(|p| p.frame)
            .max();
        let Some(create_frame) = create else {
            return;
        };
        if st
            .went_on_writes
            .iter()
            .any(|e| e.create_frame == create_frame)
        {
            return;
        }
        st.went_on_writes.push(WentOnWrites {
            create_frame,
            sid,
            file_id: w.file_id,
            first_frame: m.frame,
            requests: 1,
            length: u64::from(w.length),
        });
    }

    /// A READ (`write` false) or WRITE answered with `bytes` on the open
    /// (`sid`, `file_id`) of the connection's server: counted on its entry
    /// in its tree's `files`, when it is followed and listed.
    pub(super) fn file_io(
        &mut self,
        ci: usize,
        sid: u64,
        file_id: FileId,
        write: bool,
        bytes: u64,
    ) {
        let key = (self.model.connections[ci].server.ip(), sid, file_id);
        let Some((Some(t), Some(f))) = self.opens.opens.get(&key).map(|o| (o.tree, o.file)) else {
            return;
        };
        let Some(e) = self.model.trees.get_mut(t).and_then(|t| t.files.get_mut(f)) else {
            return;
        };
        if write {
            e.writes += 1;
            e.write_bytes += bytes;
        } else {
            e.reads += 1;
            e.read_bytes += bytes;
        }
    }

    /// Whether any open is followed now (a READ or WRITE request's FileId
    /// is kept for its response only then).
    pub(super) fn follows_opens(&self) -> bool {
        !self.opens.opens.is_empty()
    }

    /// The FileId of a READ or WRITE request, kept for its response when
    /// some open is followed (see [`Builder::file_io`]).
    /// A WRITE's data is also looked at for a DCE/RPC PDU on a pipe
    /// ([`Builder::pipe_write`]): true when it holds one.
    pub(super) fn io_detail(&mut self, m: &Message<'_>, h: &Smb2Header) -> (Detail, bool) {
        // On a connection that shows no message of the server, a WRITE
        // may write a DCE/RPC PDU to a pipe whose CREATE is unanswered.
        if self.opens.opens.is_empty() && !self.client_only(m.stream) {
            return (Detail::None, false);
        }
        match parse_body(h, m.bytes) {
            Ok(Body::ReadRequest(r)) => (Detail::Io(r.file_id), false),
            Ok(Body::WriteRequest(w)) => {
                if self.client_only(m.stream) {
                    self.unanswered_write(m, h, &w);
                }
                let noted = self.pipe_write(m, h, &w);
                (Detail::Io(w.file_id), noted)
            }
            _ => (Detail::None, false),
        }
    }

    /// Notes where a compound chain begins: a CREATE, until a request
    /// that is not related to the one before it ([MS-SMB2] 3.2.4.1.4).
    pub(super) fn chain_step(&mut self, ci: usize, h: &Smb2Header) {
        let st = &mut self.conn_state[ci];
        if h.command == Command::CREATE {
            st.chain_create = Some(h.message_id);
        } else if !h.is_related() {
            st.chain_create = None;
        }
    }

    /// A CLOSE request: its open is no longer followed (a server closes it
    /// even when the close fails, [MS-SMB2] 3.3.5.10). One related to its
    /// chain's CREATE (FileId all ones) comes before that CREATE's FileId
    /// is known: the CREATE is marked, and its open is never followed.
    pub(super) fn close_request(&mut self, ci: usize, m: &Message<'_>, h: &Smb2Header) {
        if !h.is_related() && self.opens.opens.is_empty() {
            return;
        }
        let Ok(Body::CloseRequest(c)) = parse_body(h, m.bytes) else {
            return;
        };
        if c.file_id.is_related_placeholder() {
            let st = &mut self.conn_state[ci];
            let create = st.chain_create.filter(|_| h.is_related());
            if let Some(Pending {
                detail: Detail::Open(ask),
                ..
            }) = create.and_then(|id| st.pending.get_mut(&id))
            {
                ask.closed_in_chain = true;
            }
            return;
        }
        self.unfollow(&(
            self.model.connections[ci].server.ip(),
            h.session_id,
            c.file_id,
        ));
    }

    pub(super) fn unfollow(&mut self, key: &OpenKey) {
        if let Some(o) = self.opens.take(key) {
            unlist(&mut self.conn_state[o.conn].opens, key);
        }
    }

    /// A LOGOFF that succeeded closes every open of its session, a
    /// TREE_DISCONNECT every open of its tree ([MS-SMB2] 3.3.5.6, 3.3.5.8):
    /// those made on this connection (at most [`MAX_OPENS`]) are no longer
    /// followed. Opens of the session on other channels are kept but no
    /// longer named as holders; those of a disconnected tree neither (its
    /// `disconnect_frame`). A session that ended on this connection only
    /// (`per_connection`) has its opens here dropped and no more: an SMB1
    /// UID is its connection's own ([MS-CIFS] 2.2.1.6), and a LOGOFF
    /// answered STATUS_USER_SESSION_DELETED says only that this
    /// connection has no such session ([MS-SMB2] 3.3.5.2.9), so another
    /// connection's session of the same id, and its opens, are still named.
    /// A refused LOGOFF ends nothing and does not come here.
    pub(super) fn session_ended(&mut self, ci: usize, session_id: u64, per_connection: bool) {
        self.drop_opens(ci, |&(_, sid, _), _| sid == session_id);
        let ended = &mut self.opens.ended_sessions;
        if !per_connection && ended.len() < MAX_LIVE {
            ended.insert((self.model.connections[ci].server.ip(), session_id), ());
        }
    }

    pub(super) fn tree_ended(&mut self, ci: usize, tree: usize) {
        self.drop_opens(ci, |_, o| o.tree == Some(tree));
    }

    fn drop_opens(&mut self, ci: usize, ended: impl Fn(&OpenKey, &Open) -> bool) {
        let t = &mut self.opens;
        self.conn_state[ci].opens.retain(|k| {
            // A key not in the map (replaced by a reuse) goes too.
            let keep = t.opens.get(k).is_some_and(|o| !ended(k, o));
            if !keep {
                t.take(k);
            }
            keep
        });
    }

    /// A CREATE (`ask`, on `tree`) refused: for a file in use, the open
    /// that holds it; for want of resources (STATUS_INSUFFICIENT_RESOURCES,
    /// STATUS_TOO_MANY_OPENED_FILES), the opens made on this connection
    /// that are followed now. An SMB1 open's DOS-form error counts as the
    /// NTSTATUS it stands for in answer to it ([`dos::as_nt`]:
    /// ERRDOS/ERRbadshare, ERRDOS/ERRnofids, ERRDOS/ERRnomem).
    pub(super) fn refused_create(
        &mut self,
        ci: usize,
        e: &mut ErrorEvent,
        ask: &OpenAsk,
        tree: Option<usize>,
    ) {
        match dos::as_nt(NtStatus(e.status_code), &e.command) {
            NtStatus::SHARING_VIOLATION => {
                e.held_by = tree.and_then(|t| self.holder(ci, t, ask));
            }
            NtStatus::INSUFFICIENT_RESOURCES | NtStatus::TOO_MANY_OPENED_FILES => {
                e.open_files = Some(self.conn_state[ci].opens.len() as u64);
            }
            _ => {}
        }
    }

    /// The opens of session `sid` made on connection `ci` that are followed
    /// now (at most [`MAX_OPENS`]: a connection's own list).
    pub(super) fn session_opens(&self, ci: usize, sid: u64) -> u64 {
        self.conn_state[ci]
            .opens
            .iter()
            .filter(|k| k.1 == sid && self.opens.opens.contains_key(k))
            .count() as u64
    }

    /// A connection closed: the opens made on it are no longer followed.
    pub(super) fn forget_opens(&mut self, ci: usize) {
        let keys = std::mem::take(&mut self.conn_state[ci].opens);
        let t = &mut self.opens;
        t.left_open += keys.iter().filter(|k| t.take(k).is_some()).count() as u64;
    }

    /// The open that a CREATE (`ask`, on `tree` of connection `ci`)
    /// answered STATUS_SHARING_VIOLATION fails against, if the capture
    /// shows one still open.
    fn holder(&mut self, ci: usize, tree: usize, ask: &OpenAsk) -> Option<Box<HeldBy>> {
        if self.opens.searches >= MAX_HOLDER_SEARCHES {
            return None;
        }
        self.opens.searches += 1;
        let server: IpAddr = self.model.connections[ci].server.ip();
        let share = share_name(&self.model.trees.get(tree)?.share);
        let new = (ask.desired_access, ask.share_access);
        let model = &self.model;
        let ended = &self.opens.ended_sessions;
        // The earliest of the opens that conflict, by a total order (the
        // table has none).
        let (k, o) = self
            .opens
            .opens
            .iter()
            .filter(|(&(ip, sid, _), o)| {
                ip == server
                    && same_name(&o.name, &ask.name)
                    && o.tree.and_then(|t| model.trees.get(t)).is_some_and(|t| {
                        t.disconnect_frame.is_none()
                            && share_name(&t.share).eq_ignore_ascii_case(share)
                    })
                    && !ended.contains_key(&(ip, sid))
                    && conflicts((o.desired_access, o.share_access), new)
            })
            .min_by_key(|(k, o)| (o.request_frame, o.frame, k.2.persistent, k.2.volatile))?;
        let c = &model.connections[o.conn];
        let (asked, held) = conflict((o.desired_access, o.share_access), new);
        Some(Box::new(HeldBy {
            stream: c.stream,
            client: c.client,
            request_frame: o.request_frame,
            frame: o.frame,
            session_id: HexId(k.1),
            desired_access: AccessMask(o.desired_access),
            share_access: ShareAccess(o.share_access),
            conflict_asked: ShareAccess(asked),
            conflict_held: ShareAccess(held),
        }))
    }
}

/// Takes `key` out of a connection's list of the opens made on it.
fn unlist(keys: &mut Vec<OpenKey>, key: &OpenKey) {
    if let Some(i) = keys.iter().position(|k| k == key) {
        keys.swap_remove(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAXIMUM_ALLOWED: u32 = AccessMaskBits::MAXIMUM_ALLOWED.0;
    const RW: u32 = FILE_SHARE_READ | FILE_SHARE_WRITE;
    const ALL: u32 = RW | FILE_SHARE_DELETE;

    #[test]
    fn sharing_check() {
        // smbclient's `open` (read+write data, shares read and write)
        // against its `rm` (DELETE, shares everything): the holder does not
        // share DELETE (file-sharing-violation.pcap).
        let holder = (FILE_READ_DATA | FILE_WRITE_DATA, RW);
        assert!(conflicts(holder, (DELETE, ALL)));
        assert_eq!(conflict(holder, (DELETE, ALL)), (FILE_SHARE_DELETE, 0));
        // A second reader and writer that shares both is let in.
        assert!(!conflicts(holder, (FILE_WRITE_DATA, ALL)));
        // The new open may exclude what the holder already has.
        assert_eq!(
            conflict(holder, (FILE_READ_DATA, FILE_SHARE_READ)),
            (0, FILE_SHARE_WRITE)
        );
        // Attributes alone are never checked.
        assert!(!conflicts((FILE_READ_DATA, 0), (0x80, 0)));
        // Generic rights are mapped.
        assert!(conflicts(
            (GENERIC_WRITE, ALL),
            (FILE_READ_DATA, FILE_SHARE_READ)
        ));
        assert!(conflicts((GENERIC_ALL, 0), (GENERIC_READ, ALL)));
        assert!(!conflicts(
            (MAXIMUM_ALLOWED, FILE_SHARE_READ),
            (DELETE, ALL)
        ));
    }

    #[test]
    fn names() {
        assert!(same_name("\\Report.TXT", "report.txt"));
        assert!(!same_name("report.txt", "report.txt:stream"));
    }
}

#[cfg(test)]
mod capture_tests {
    use std::path::Path;

    use crate::capture::CaptureReader;
    use crate::pipeline::{self, Options};
    use crate::session::{BuildOptions, Builder};

    /// (opens followed when their connection closed, opens followed then)
    /// of a corpus capture, or None when the corpus is absent.
    fn left_open(name: &str) -> Option<(u64, usize)> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/public")
            .join(name);
        let f = std::fs::File::open(p).ok()?;
        let mut r = CaptureReader::new(f).expect("capture");
        let mut b = Builder::new(BuildOptions::default());
        pipeline::run(&mut r, &Options::default(), |ev| b.event(ev));
        b.close_all();
        Some((b.opens.left_open, b.opens.opens.len()))
    }

    #[test]
    fn multichannel_closes_on_another_channel() {
        // 35 files are opened on one channel and closed on another; one
        // file (FileId ...0141:...00a9) is never closed in the capture.
        if let Some(left) = left_open("zeek-smb3-multichannel.pcap") {
            assert_eq!(left, (1, 0));
        }
    }

    #[test]
    fn logoff_and_tree_disconnect_end_their_opens() {
        // Five connections each open a pipe and end with TREE_DISCONNECT
        // and LOGOFF, no CLOSE: the server closes the opens then.
        if let Some(left) = left_open("sv-smb3-zerologon-anon-ntlm.pcap") {
            assert_eq!(left, (0, 0));
        }
    }

    /// The opens followed after each frame of a sample with SMB1 messages.
    fn followed_by_frame(sample: &str) -> Vec<(u64, Vec<String>)> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(sample);
        let mut r = CaptureReader::new(std::fs::File::open(p).expect("sample")).expect("capture");
        let mut b = Builder::new(BuildOptions::default());
        let mut out = Vec::new();
        pipeline::run(&mut r, &Options::default(), |ev| {
            let frame = match ev {
                pipeline::Event::Message(m) => Some(m.frame),
                _ => None,
            };
            b.event(ev);
            if let Some(f) = frame {
                let mut names: Vec<String> =
                    b.opens.opens.values().map(|o| o.name.clone()).collect();
                names.sort();
                out.push((f, names));
            }
        });
        out
    }

    #[test]
    fn smb1_opens_are_followed_until_their_close() {
        // OPEN_ANDX of hello.txt answered in frame 15 (a READ_ANDX chained
        // to it), its CLOSE in 16; NT_CREATE_ANDX of written.bin answered
        // in 19, its CLOSE in 30; no-such-file.txt refused in 33.
        let f = followed_by_frame("smb1-files-andx.pcap");
        let at = |frame: u64| {
            f.iter()
                .rev()
                .find(|(n, _)| *n <= frame)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(at(14), Vec::<String>::new());
        assert_eq!(at(15), ["hello.txt"]);
        assert_eq!(at(16), Vec::<String>::new());
        assert_eq!(at(19), ["written.bin"]);
        assert_eq!(at(29), ["written.bin"]);
        assert_eq!(at(30), Vec::<String>::new());
        assert_eq!(at(40), Vec::<String>::new());
    }

    #[test]
    fn compound_closes_end_their_opens() {
        // Every CREATE of this capture is closed, most by a CLOSE related
        // to it in the same compound chain (FileId all ones), sent before
        // the CREATE's FileId is known.
        if let Some(left) = left_open("sv-smb302-guest-compound.pcap") {
            assert_eq!(left, (0, 0));
        }
    }
}
