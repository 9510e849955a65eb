//! TREE_CONNECT / TREE_DISCONNECT ([MS-SMB2] 2.2.9–2.2.12) and the file
//! operations counted per tree (CREATE 2.2.13, READ 2.2.19, WRITE 2.2.21,
//! the rest by command), with their error statuses.

use crate::capture::Timestamp;
use crate::ntstatus::NtStatus;
use crate::pipeline::{Decoded, Message};
use crate::smb2::tree::{ShareFlags, ShareType};
use crate::smb2::{parse_body, Body, Command, Smb2Header};

use super::model::*;
use super::{benign_in_context, events, Builder, Detail, Pending};

impl Builder {
    pub(super) fn tree_connect_response(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        h: &Smb2Header,
        mut p: Option<Pending>,
    ) {
        let dec = m.decode();
        self.timeline(ci, m, &dec);
        let ok = h.status == 0;
        // The request's share, taken (a refused connect's error event
        // names it too, so that one is copied).
        let share = match p.as_mut().map(|p| &mut p.detail) {
            Some(Detail::Share(s)) if ok => std::mem::take(s),
            Some(Detail::Share(s)) => s.clone(),
            _ => String::from("?"),
        };
        let request = p
            .as_ref()
            .map_or((m.frame, None), |p| (p.frame, Some(p.ts)));
        let (share_type, share_flags) = match &dec.body {
            Some(Ok(Body::TreeConnectResponse(r))) => (Some(r.share_type), r.share_flags),
            _ => (None, ShareFlags(0)),
        };
        let tid = h.tree_id.unwrap_or(0);
        let ids = (h.session_id, tid, h.status);
        let i = self.tree_connected(ci, m, ids, share, request, (share_type, share_flags));
        if ok {
            let server_ip = self.model.connections[ci].server.ip();
            self.tree_index.insert((server_ip, h.session_id, tid), i);
        }
        if !ok {
            self.error_event(ci, m, h, p.as_ref());
        }
    }

    /// A tree connect answered (SMB2, or SMB1's TREE_CONNECT_ANDX with its
    /// UID and TID): `ids` are the SessionId, TreeId and status; `request`,
    /// the request's frame and, when the capture has it, its time. Gives the
    /// tree's index in `model.trees`; the caller indexes it by its ids.
    pub(super) fn tree_connected(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        ids: (u64, u32, u32),
        share: String,
        (request_frame, request_ts): (u64, Option<Timestamp>),
        (share_type, share_flags): (Option<ShareType>, ShareFlags),
    ) -> usize {
        let (session_id, tid, status) = ids;
        let ok = status == 0;
        let server_ip = self.model.connections[ci].server.ip();
        let server_lookups = request_ts.and_then(|t| self.lookups.of(server_ip, t));
        let tree = Tree {
            tree_id: ok.then_some(HexId(u64::from(tid))),
            share_type,
            share_flags,
            tid,
            duration: request_ts.map(|t| secs_between(m.ts, t)),
            server_lookups,
            ..Tree::new(
                m.stream,
                server_ip,
                session_id,
                share,
                status,
                request_frame,
                m.frame,
            )
        };
        let idx = self.model.trees.len();
        if self.opts.events {
            let ev = events::TreeConnect {
                stream: m.stream,
                frame: m.frame,
                time: m.ts,
                session_id: tree.session_id,
                tree_id: tree.tree_id,
                share: &tree.share,
                share_type: tree.share_type,
                status: Some(NtStatus(status)),
                client_went_on: None,
            };
            let hosts = self.hosts(m.stream);
            self.events
                .push("tree_connect", m.stream, Some(session_id), hosts, &ev);
        }
        self.model.trees.push(tree);
        idx
    }

    /// A TREE_DISCONNECT response: with success, the tree's end; refused
    /// (STATUS_NETWORK_NAME_DELETED: a tree connect the server had ended
    /// already), an error of the connection and of the tree, which it does
    /// not end; but with TreeId 0, which no tree connect has ([MS-SMB2]
    /// 2.2.1.2), a normal step: smbclient and Windows send one after a
    /// TREE_CONNECT the server refused (ntlm-bad-share frames 20/21).
    pub(super) fn tree_disconnect(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        h: &Smb2Header,
        p: Option<Pending>,
    ) {
        self.timeline(ci, m, &Decoded::default());
        let tree = self
            .tree_of(ci, h)
            .or_else(|| self.unseen_tree(ci, m, h, h.tree_id));
        if h.status != 0 && h.tree_id.unwrap_or_default() != 0 {
            if let Some(i) = tree {
                count_status(&mut self.model.trees[i], h.status, m.frame, false);
            }
            let e = self.error_record(m, h, p.as_ref(), tree);
            self.keep_error(ci, m, e);
            return;
        }
        if let (Some(i), 0) = (tree, h.status) {
            self.model.trees[i].disconnect_frame = Some(m.frame);
            self.tree_ended(ci, i);
        }
    }

    fn tree_of(&self, ci: usize, h: &Smb2Header) -> Option<usize> {
        self.tree_by_id(ci, h, h.tree_id)
    }

    fn tree_by_id(&self, ci: usize, h: &Smb2Header, tid: Option<u32>) -> Option<usize> {
        let tid = tid?;
        let server_ip = self.model.connections[ci].server.ip();
        self.tree_index
            .get(&(server_ip, h.session_id, tid))
            .copied()
    }

    /// The response `h` of the session, with TreeId `tid`, that shows a
    /// tree connected without the capture showing its TREE_CONNECT
    /// ([`UnseenConnect`]): the tree made for it (indexed as a tree
    /// connect's), at most [`MAX_UNSEEN_TREES`] a connection.
    fn unseen_tree(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        h: &Smb2Header,
        tid: Option<u32>,
    ) -> Option<usize> {
        let tid = tid.filter(|&t| t != 0)?;
        if h.session_id == 0
            || REFUSES_THE_TREE.contains(&h.status)
            || !on_a_tree(h.command)
            || self.conn_state[ci].unseen_trees >= MAX_UNSEEN_TREES
        {
            return None;
        }
        let given_to = self.given_to(ci, h.session_id, tid);
        let i = self.push_unseen_tree(ci, m.frame, h.session_id, tid, given_to);
        let server_ip = self.model.connections[ci].server.ip();
        self.tree_index.insert((server_ip, h.session_id, tid), i);
        Some(i)
    }

    /// Makes the tree of SessionId (SMB1: UID) `sid` and TreeId (TID)
    /// `tid` that connection `ci` shows in use from `frame` on, without
    /// its TREE_CONNECT ([`UnseenConnect`]), and counts it against
    /// [`MAX_UNSEEN_TREES`]; the caller checked the bound and indexes it.
    pub(super) fn push_unseen_tree(
        &mut self,
        ci: usize,
        frame: u64,
        sid: u64,
        tid: u32,
        given_to: Option<GivenTo>,
    ) -> usize {
        self.conn_state[ci].unseen_trees += 1;
        let c = &self.model.connections[ci];
        let (stream, server_ip) = (c.stream, c.server.ip());
        let mut tree = Tree::new(stream, server_ip, sid, String::new(), 0, 0, 0);
        tree.status = None;
        tree.request_frame = None;
        tree.response_frame = None;
        tree.tree_id = Some(HexId(u64::from(tid)));
        tree.tid = tid;
        tree.unseen_connect = Some(Box::new(UnseenConnect {
            first_frame: frame,
            given_to,
            share_type_shown: None,
        }));
        let i = self.model.trees.len();
        self.model.trees.push(tree);
        i
    }

    /// The tree connect of another session of connection `ci` (not
    /// `sid`) that the capture shows given TreeId `tid`, the latest.
    fn given_to(&self, ci: usize, sid: u64, tid: u32) -> Option<GivenTo> {
        let c = &self.model.connections[ci];
        let server_ip = c.server.ip();
        c.session_indexes
            .iter()
            .filter_map(|&si| self.model.sessions.get(si))
            .filter(|s| s.id != sid)
            .filter_map(|s| {
                let &t = self.tree_index.get(&(server_ip, s.id, tid))?;
                let t = self.model.trees.get(t)?;
                let response_frame = t.response_frame.filter(|_| t.stream == c.stream)?;
                Some(GivenTo {
                    session_id: HexId(s.id),
                    share: t.share.clone(),
                    response_frame,
                    logoff_frame: s.logoff_frame,
                })
            })
            .max_by_key(|g| g.response_frame)
    }

    /// Any other response: counted on its tree; errors recorded.
    pub(super) fn operation_response(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        h: &Smb2Header,
        p: Option<Pending>,
    ) {
        let none = Detail::None;
        let detail = p.as_ref().map_or(&none, |p| &p.detail);
        let benign = benign_in_context(h.command, h.status, detail);
        let tid = h.tree_id.or(p.as_ref().and_then(|p| p.tid));
        let tree = self
            .tree_by_id(ci, h, tid)
            .or_else(|| self.unseen_tree(ci, m, h, tid));
        if let Some(t) = tree {
            let bytes = count_operation(&mut self.model.trees[t], m, h, benign);
            if let (
                Some(Pending {
                    detail: Detail::Io(fid),
                    sid,
                    ..
                }),
                Some(b),
            ) = (&p, bytes)
            {
                self.file_io(ci, *sid, *fid, h.command == Command::WRITE, b);
            }
        }
        let mut noted = false;
        if let Some(Pending {
            detail: Detail::Io(fid),
            sid,
            frame,
            ..
        }) = &p
        {
            // STATUS_BUFFER_OVERFLOW: a pipe message longer than the READ
            // ([MS-SMB2] 3.3.4.4), the rest comes with the next READ.
            let read = h.command == Command::READ && (h.status == 0 || h.status == 0x8000_0005);
            if read && !self.model.pipes.is_empty() {
                noted = self.pipe_read(m, (*sid, *fid), *frame, read_data(m, h));
            }
        }
        if benign {
            // After the check that the open is a directory (3.3.5.18):
            // success, STATUS_NO_MORE_FILES, STATUS_NO_SUCH_FILE.
            let listed = [0, 0x8000_0006, 0xC000_000F].contains(&h.status);
            if h.command == Command::QUERY_DIRECTORY && listed {
                self.share_type_shown(tree, m, SHOWN_BY_QUERY_DIRECTORY);
            }
            if h.command == Command::IOCTL || h.command == Command::CREATE {
                let dec = m.decode();
                if let Some(by) = shows_share_type(h, &dec) {
                    self.share_type_shown(tree, m, by);
                }
                match (&dec.body, &p) {
                    (Some(Ok(Body::CreateResponse(r))), Some(p)) if h.status == 0 => {
                        noted = self.pipe_opened(ci, m, p, tree, r.file_id);
                    }
                    (Some(Ok(Body::IoctlResponse(i))), Some(p)) => {
                        let start = i.output.offset as usize;
                        let output = m
                            .bytes
                            .get(start..start.saturating_add(i.output.present as usize))
                            .unwrap_or(&[]);
                        noted = self.pipe_answer(m.stream, m.frame, p.frame, output);
                    }
                    (_, Some(p)) if h.command == Command::IOCTL => {
                        noted = self.pipe_answer(m.stream, m.frame, p.frame, &[]);
                    }
                    _ => {}
                }
                if h.command == Command::IOCTL || self.opts.verbose {
                    self.timeline_rpc(ci, m, &dec, noted, true);
                }
                if let (Some(Ok(Body::CreateResponse(r))), Some(p)) = (&dec.body, p) {
                    if h.status == 0 {
                        let at = (m.frame, Some(r.create_action));
                        self.opened(ci, at, p, tree, r.file_id);
                    }
                }
            } else if noted && self.opts.timeline {
                // A READ that brought a DCE/RPC answer on a pipe is shown
                // as an FSCTL_PIPE_TRANSCEIVE's response is.
                self.timeline_rpc(ci, m, &m.decode(), true, true);
            } else if self.opts.verbose && self.opts.timeline {
                self.timeline_normal_step(ci, m, &m.decode());
            }
            return;
        }
        let dec = m.decode();
        let mut e = self.error_record(m, h, p.as_ref(), tree);
        let mut note = None;
        if let Some(Pending {
            detail: Detail::Open(ask),
            ..
        }) = &p
        {
            self.refused_create(ci, &mut e, ask, tree);
            note = timeline_note(&e);
        }
        self.timeline_noted(ci, m, &dec, note.as_deref());
        self.keep_error(ci, m, e);
    }

    /// Tree `t`, when the capture lacks its TREE_CONNECT and does not show
    /// its type yet, is of the share type response `m` shows (`by`, see
    /// [`ShareTypeShown`]): a pipe share's files listed so far are pipes.
    fn share_type_shown(&mut self, t: Option<usize>, m: &Message<'_>, by: &'static str) {
        let Some(tree) = t.and_then(|t| self.model.trees.get_mut(t)) else {
            return;
        };
        let Some(u) = tree.unseen_connect.as_mut() else {
            return;
        };
        if tree.share_type.is_some() {
            return;
        }
        let pipe = by == SHOWN_BY_TRANSCEIVE;
        tree.share_type = Some(if pipe {
            ShareType::PIPE
        } else {
            ShareType::DISK
        });
        u.share_type_shown = Some(ShareTypeShown { frame: m.frame, by });
        if pipe {
            for f in &mut tree.files {
                f.pipe = true;
            }
        } else {
            super::pipes::drop_unshown(&mut self.model, t);
        }
    }

    /// Records an error response on the connection and emits its event.
    pub(super) fn error_event(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        h: &Smb2Header,
        p: Option<&Pending>,
    ) {
        let e = self.error_record(m, h, p, None);
        self.keep_error(ci, m, e);
    }

    /// The error event of a response; `tree`: the index in `model.trees`
    /// of the tree the request was on, when known.
    pub(super) fn error_record(
        &self,
        m: &Message<'_>,
        h: &Smb2Header,
        p: Option<&Pending>,
        tree: Option<usize>,
    ) -> ErrorEvent {
        ErrorEvent {
            held_by: None,
            open_files: None,
            frame: m.frame,
            request_frame: p.map(|p| p.frame).or(m.request.map(|r| r.frame)),
            command: h.command.to_string(),
            status: NtStatus(h.status).to_string(),
            status_code: h.status,
            session_id: HexId(h.session_id),
            tree_id: tree
                .and_then(|t| self.model.trees.get(t))
                .and_then(|t| t.tree_id),
            request_tid: h.tree_id.or(p.and_then(|p| p.tid)),
            detail: p.and_then(|p| p.detail.text()),
        }
    }

    /// Emits an error's event and keeps it on its connection (within
    /// [`MAX_ERRORS`]).
    pub(super) fn keep_error(&mut self, ci: usize, m: &Message<'_>, e: ErrorEvent) {
        if self.opts.events {
            let ev = events::Error {
                stream: m.stream,
                time: m.ts,
                error: &e,
            };
            // --session keeps a session's errors and the connection's own
            // (SessionId 0: e.g. a refused NEGOTIATE).
            let sid = Some(e.session_id.0).filter(|&s| s != 0);
            let hosts = self.hosts(m.stream);
            self.events.push("error", m.stream, sid, hosts, &ev);
        }
        let c = &mut self.model.connections[ci];
        if c.errors.len() < MAX_ERRORS {
            c.errors.push(e);
        } else {
            c.errors_omitted += 1;
        }
    }
}

/// The first bytes of a READ response's data that the capture holds
/// ([MS-SMB2] 2.2.20: DataOffset from the header's start, the framer
/// keeps `READ_DATA_KEPT`).
fn read_data<'m>(m: &Message<'m>, h: &Smb2Header) -> &'m [u8] {
    match parse_body(h, m.bytes) {
        Ok(Body::ReadResponse(r)) => {
            let start = usize::from(r.data_offset);
            m.bytes
                .get(start..start.saturating_add(r.data_present as usize))
                .unwrap_or(&[])
        }
        _ => &[],
    }
}

/// What the timeline line of a refused CREATE adds: the file name, and
/// the open that holds it when the capture shows one.
fn timeline_note(e: &ErrorEvent) -> Option<String> {
    let name = e.detail.as_deref().filter(|n| !n.is_empty())?;
    Some(match &e.held_by {
        Some(h) => format!(
            "{name}, held by the open of frame {} (tcp.stream {})",
            h.request_frame, h.stream
        ),
        None => name.to_string(),
    })
}

/// Counts one response on its tree: opens, reads and writes with bytes,
/// errors. Gives the bytes of a READ or WRITE answered with them.
fn count_operation(t: &mut Tree, m: &Message<'_>, h: &Smb2Header, benign: bool) -> Option<u64> {
    let ok = h.status == 0 || NtStatus(h.status) == NtStatus::BUFFER_OVERFLOW;
    let mut bytes = None;
    match h.command {
        Command::CREATE => {
            t.opens += 1;
            if !ok {
                t.open_errors += 1;
            }
        }
        Command::READ => {
            t.reads += 1;
            if let Ok(Body::ReadResponse(r)) = parse_body(h, m.bytes) {
                t.read_bytes += u64::from(r.data_length);
                bytes = Some(u64::from(r.data_length));
            }
        }
        Command::WRITE => {
            t.writes += 1;
            if let Ok(Body::WriteResponse(w)) = parse_body(h, m.bytes) {
                t.write_bytes += u64::from(w.count);
                bytes = Some(u64::from(w.count));
            }
        }
        _ => t.other_requests += 1,
    }
    if h.status != 0 {
        count_status(t, h.status, m.frame, benign);
    }
    bytes
}

pub(super) fn count_status(t: &mut Tree, status: u32, frame: u64, benign: bool) {
    let name = NtStatus(status);
    if let Some(s) = t
        .errors
        .iter_mut()
        .find(|s| s.status == name && s.benign == benign)
    {
        s.count += 1;
    } else if t.errors.len() < MAX_STATUS_KINDS {
        t.errors.push(StatusCount {
            status: name,
            count: 1,
            first_frame: frame,
            benign,
        });
    } else {
        t.error_kinds_omitted += 1;
    }
}

/// TreeIds followed per connection in `ConnState::tree_uses`.
pub(super) const MAX_TREE_USES: usize = 16;

/// Trees a connection may be given for TreeIds in use without a
/// TREE_CONNECT of the capture ([`UnseenConnect`]); past them, the
/// operations on such TreeIds are counted on no tree.
pub(super) const MAX_UNSEEN_TREES: u16 = 64;

/// What a benign IOCTL or CREATE response (`h`, decoded `dec`) shows of
/// its share's type ([`ShareTypeShown`]): an FSCTL_PIPE_TRANSCEIVE
/// answered (success or STATUS_BUFFER_OVERFLOW, the rest of a message
/// longer than the output), a CREATE that opened a directory.
fn shows_share_type(h: &Smb2Header, dec: &Decoded) -> Option<&'static str> {
    use crate::smb2::ioctl::CtlCode;
    use crate::smb2::wire::FileAttributes;
    match &dec.body {
        Some(Ok(Body::IoctlResponse(i)))
            if i.ctl_code == CtlCode::FSCTL_PIPE_TRANSCEIVE
                && (h.status == 0 || h.status == 0x8000_0005) =>
        {
            Some(SHOWN_BY_TRANSCEIVE)
        }
        Some(Ok(Body::CreateResponse(r)))
            if h.status == 0 && r.info.file_attributes.contains(FileAttributes::DIRECTORY) =>
        {
            Some(SHOWN_BY_DIRECTORY)
        }
        _ => None,
    }
}

/// Statuses that answer a request without showing its tree connected:
/// STATUS_NETWORK_NAME_DELETED (no such TreeId, [MS-SMB2] 3.3.5.2.11),
/// STATUS_USER_SESSION_DELETED (no such session, 3.3.5.2.9),
/// STATUS_ACCESS_DENIED (a signature that does not verify, 3.3.5.2.4,
/// before the tree is looked up).
const REFUSES_THE_TREE: [u32; 3] = [0xC000_00C9, 0xC000_0203, 0xC000_0022];

/// A command whose request names a tree connect ([MS-SMB2] 3.3.5.2.11):
/// not NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT, ECHO, CANCEL or an
/// OPLOCK_BREAK (a server's notification, or an acknowledgment answered
/// on the open's tree though: kept out, it names no tree of its own).
fn on_a_tree(c: Command) -> bool {
    matches!(
        c,
        Command::TREE_DISCONNECT
            | Command::CREATE
            | Command::CLOSE
            | Command::FLUSH
            | Command::READ
            | Command::WRITE
            | Command::LOCK
            | Command::IOCTL
            | Command::QUERY_DIRECTORY
            | Command::CHANGE_NOTIFY
            | Command::QUERY_INFO
            | Command::SET_INFO
    )
}

/// The client's requests with one TreeId that no tree connect of the
/// capture gave, on a connection from whose server the capture holds no
/// SMB message so far: what [`Builder::unanswered_tree_connects`] matches
/// to a TREE_CONNECT request left unanswered ([`TreeWentOn`]).
#[derive(Clone, Debug)]
pub(super) struct TreeUse {
    session_id: u64,
    tree_id: u32,
    first_frame: u64,
    last_frame: u64,
    requests: u64,
    /// The first TREE_DISCONNECT request with the TreeId.
    disconnect_request_frame: Option<u64>,
    /// What the requests asked (see [`TreeWentOn`]).
    asked: Asked,
}

/// The CREATE, READ and WRITE requests with a TreeId ([`TreeWentOn`]'s
/// `create_requests`, `read_requests`, `read_length`, `write_requests`,
/// `write_length`).
#[derive(Clone, Copy, Debug, Default)]
struct Asked {
    creates: u64,
    reads: u64,
    read_length: u64,
    writes: u64,
    write_length: u64,
}

impl Asked {
    /// Counts one request `h` (its PDU `pdu`): a READ's or WRITE's Length
    /// ([MS-SMB2] 2.2.19, 2.2.21) when its body can be read.
    fn count(&mut self, h: &Smb2Header, pdu: &[u8]) {
        match h.command {
            Command::CREATE => self.creates += 1,
            Command::READ => {
                self.reads += 1;
                if let Ok(Body::ReadRequest(r)) = parse_body(h, pdu) {
                    self.read_length += u64::from(r.length);
                }
            }
            Command::WRITE => {
                self.writes += 1;
                if let Ok(Body::WriteRequest(w)) = parse_body(h, pdu) {
                    self.write_length += u64::from(w.length);
                }
            }
            _ => {}
        }
    }
}

impl Builder {
    /// A request `h` sent while the server has sent no SMB message on the
    /// connection: its TreeId (not 0, which a TREE_CONNECT request and
    /// the commands without a tree carry, [MS-SMB2] 2.2.1.2), when no tree
    /// connect of the capture gave it, is counted in
    /// `ConnState::tree_uses`.
    pub(super) fn tree_use(&mut self, ci: usize, m: &Message<'_>, h: &Smb2Header) {
        let Some(tid) = h.tree_id.filter(|&t| t != 0) else {
            return;
        };
        if !m.from_client || h.session_id == 0 || h.command == Command::TREE_CONNECT {
            return;
        }
        let disconnect = h.command == Command::TREE_DISCONNECT;
        let uses = &mut self.conn_state[ci].tree_uses;
        if let Some(u) = uses
            .iter_mut()
            .find(|u| u.session_id == h.session_id && u.tree_id == tid)
        {
            u.last_frame = m.frame;
            u.requests += 1;
            if disconnect {
                u.disconnect_request_frame.get_or_insert(m.frame);
            }
            u.asked.count(h, m.bytes);
            return;
        }
        if uses.len() >= MAX_TREE_USES || self.tree_by_id(ci, h, Some(tid)).is_some() {
            return;
        }
        let mut asked = Asked::default();
        asked.count(h, m.bytes);
        self.conn_state[ci].tree_uses.push(TreeUse {
            session_id: h.session_id,
            tree_id: tid,
            first_frame: m.frame,
            last_frame: m.frame,
            requests: 1,
            disconnect_request_frame: disconnect.then_some(m.frame),
            asked,
        });
    }

    /// On a connection whose capture lacks the server's side (no SMB
    /// message from the server, and bytes it sent missing: the report's
    /// connection.one_sided), its TREE_CONNECT requests left unanswered
    /// (frame, SessionId, share), in frame order: each becomes a tree
    /// whose status and response are unknown. When the capture holds the
    /// connection's NEGOTIATE request (so no tree was connected on it
    /// before), a tree connect is given the TreeId the client went on with
    /// ([`TreeWentOn`]): the one TreeId of [`TreeUse`] on its session first
    /// used after it and before the session's next TREE_CONNECT request
    /// (two there, or none, and it is given none). Gives each tree's
    /// index in `model.trees`, with its request's time, for
    /// [`Builder::unanswered_tree_event`].
    pub(super) fn unanswered_tree_connects(
        &mut self,
        ci: usize,
        tree_connects: Vec<(u64, Timestamp, u64, String)>,
    ) -> Vec<(u64, Timestamp, usize)> {
        let mut made = Vec::with_capacity(tree_connects.len());
        let c = &self.model.connections[ci];
        let start_seen = c
            .negotiate
            .as_ref()
            .is_some_and(|n| n.request_frame.is_some());
        let (stream, server_ip) = (c.stream, c.server.ip());
        let uses = std::mem::take(&mut self.conn_state[ci].tree_uses);
        for (k, (frame, ts, sid, share)) in tree_connects.iter().enumerate() {
            let next = tree_connects
                .iter()
                .skip(k + 1)
                .find(|(_, _, s, _)| s == sid)
                .map_or(u64::MAX, |(f, _, _, _)| *f);
            let mut after = uses
                .iter()
                .filter(|u| u.session_id == *sid && u.first_frame > *frame && u.first_frame < next);
            let used = match (after.next(), after.next()) {
                (Some(u), None) if start_seen => Some(u),
                _ => None,
            };
            let mut tree = Tree::new(stream, server_ip, *sid, share.clone(), 0, *frame, 0);
            tree.status = None;
            tree.response_frame = None;
            if let Some(u) = used {
                tree.tree_id = Some(HexId(u64::from(u.tree_id)));
                tree.tid = u.tree_id;
                tree.client_went_on = Some(Box::new(TreeWentOn {
                    first_frame: u.first_frame,
                    last_frame: u.last_frame,
                    requests: u.requests,
                    disconnect_request_frame: u.disconnect_request_frame,
                    create_requests: u.asked.creates,
                    read_requests: u.asked.reads,
                    read_length: u.asked.read_length,
                    write_requests: u.asked.writes,
                    write_length: u.asked.write_length,
                }));
            }
            made.push((*frame, *ts, self.model.trees.len()));
            self.model.trees.push(tree);
        }
        made
    }

    /// The `tree_connect` event of a tree [`Builder::unanswered_tree_connects`]
    /// made (`t` in `model.trees`): `frame` and `time` the request's
    /// (`ts`), status none, its [`TreeWentOn`] and TreeId.
    pub(super) fn unanswered_tree_event(&mut self, t: usize, ts: Timestamp) {
        if !self.opts.events {
            return;
        }
        let Some((tree, frame)) = self
            .model
            .trees
            .get(t)
            .and_then(|tree| Some((tree, tree.request_frame?)))
        else {
            return;
        };
        let ev = events::TreeConnect {
            stream: tree.stream,
            frame,
            time: ts,
            session_id: tree.session_id,
            tree_id: tree.tree_id,
            share: &tree.share,
            share_type: None,
            status: None,
            client_went_on: tree.client_went_on.as_deref(),
        };
        let hosts = self.hosts(tree.stream);
        self.events
            .push("tree_connect", tree.stream, Some(tree.sid), hosts, &ev);
    }
}
