//! Named pipes opened on a PIPE share (IPC$): an SMB2 CREATE ([MS-SMB2]
//! 2.2.13) answered with success on a tree whose TREE_CONNECT response said
//! ShareType PIPE (2.2.10), and the DCE/RPC calls the capture shows made
//! through it with FSCTL_PIPE_TRANSCEIVE (2.2.31, [MS-FSCC] 2.3.49).
//!
//! Which pipe a client opened tells which RPC interface it talked to
//! (spoolss: [MS-RPRN]; samr: [MS-SAMR]; ...); the diagnose layer names
//! them, and tells an authentication coercion from them.
//!
//! A client writes its DCE/RPC PDUs either with FSCTL_PIPE_TRANSCEIVE
//! (Windows' RPC runtime for requests, Samba) or with WRITE and reads the
//! answers with READ (Windows' binds, impacket for everything). The framer
//! keeps an IOCTL's input and output, the first [`WRITE_DATA_KEPT`] bytes
//! of a WRITE's data and the first [`READ_DATA_KEPT`] of a READ's: enough
//! for a request's opnum and a bind's presentation contexts, a fault's
//! status and a bind_ack's results ([`dcerpc`]). A call written with WRITE
//! counts as answered by the next READ of the pipe answered with data.
//!
//! Each message that carries a DCE/RPC PDU on a pipe gets a note on its
//! timeline line ([`Builder::rpc_note`]): the interface a bind names, the
//! bind_ack's result, a call's operation by name, a fault's status.
//!
//! [`WRITE_DATA_KEPT`]: crate::smb2::framing::WRITE_DATA_KEPT
//! [`READ_DATA_KEPT`]: crate::smb2::framing::READ_DATA_KEPT
//! [`dcerpc`]: super::dcerpc
//!
//! Bounded: at most [`MAX_PIPES`] opens and [`MAX_CALLS`] calls each.

use std::net::SocketAddr;

use crate::capture::Timestamp;
use crate::pipeline::Message;
use crate::smb2::ioctl::IoctlRequest;
use crate::smb2::read_write::WriteRequest;
use crate::smb2::tree::ShareType;
use crate::smb2::{FileId, Smb2Header};

use super::dcerpc::{self, BindResult, RpcAnswer, RpcPdu, SyntaxId, MAX_CONTEXTS};
use super::scmr::{self, ServiceArgs};
use super::{rpc, Builder, Detail, Pending};

/// Pipe opens kept in a capture.
pub const MAX_PIPES: usize = 4096;
/// Calls kept per pipe open (an [`RpcCall`] is 56 bytes: 896 bytes an
/// open, 3.5 MiB for [`MAX_PIPES`]); past them, counted
/// ([`PipeOpen::calls_omitted`]). PsExec's svcctl open makes 9 calls
/// (sv-smb21-psexec-kerberos-port139, frames 158 to 174).
pub const MAX_CALLS: usize = 16;
/// Pipe opens of a connection searched for an IOCTL's FileId (the latest).
const SEARCH: usize = 64;

/// A named pipe opened with success; or, on a connection whose capture
/// lacks the server's side, a CREATE request the client went on using
/// ([`PipeOpen::unanswered`]).
#[derive(Clone, Debug)]
pub struct PipeOpen {
    pub stream: u64,
    /// The SessionId it was opened in.
    pub session_id: u64,
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// The name as the CREATE gave it (e.g. "spoolss"), no leading `\`.
    pub name: String,
    pub request_frame: u64,
    /// The CREATE response; none for an unanswered request.
    pub frame: Option<u64>,
    /// A CREATE request the capture holds no response to, on a connection
    /// whose capture lacks the server's side (connection.one_sided): the
    /// client wrote DCE/RPC PDUs with a FileId no response of the capture
    /// gave, in a request on the CREATE's SessionId and TreeId after it,
    /// the latest CREATE there not answered, before any other of those
    /// went on with one ([`Builder::unanswered_pipe`]): the FileId the
    /// response gave it ([MS-SMB2] 3.2.5.14, 2.2.14). Kept when its tree
    /// is an IPC$ share the client went on with (a tree of
    /// `client_went_on`), dropped otherwise when the connection closes.
    pub unanswered: bool,
    pub time: Timestamp,
    pub file_id: FileId,
    /// The DCE/RPC requests sent through it, with FSCTL_PIPE_TRANSCEIVE or
    /// WRITE.
    pub calls: arrayvec::ArrayVec<RpcCall, MAX_CALLS>,
    /// Requests written to it past the first [`MAX_CALLS`], not kept.
    pub calls_omitted: u64,
    /// The interfaces its binds and alter_contexts asked for, in order,
    /// each once.
    pub interfaces: arrayvec::ArrayVec<Bound, MAX_CONTEXTS>,
    /// The presentation contexts its binds made: (p_cont_id, the index of
    /// its abstract syntax in `interfaces`), which a request names.
    contexts: arrayvec::ArrayVec<(u16, u8), MAX_BOUND_CONTEXTS>,
    /// The frame of the latest bind or alter_context written.
    bind_frame: u64,
    /// The frame of the latest request written, kept in `calls` or not.
    last_request: u64,
    /// The latest request past [`MAX_CALLS`], not kept: its answer's
    /// timeline line still names it.
    last_omitted: Option<RpcCall>,
    /// The tree it was opened on (an index in `Model::trees`).
    pub(super) tree: Option<usize>,
    /// What its first [`MAX_SERVICES`] calls to the Service Control
    /// Manager that name a service or its command line say
    /// ([`scmr::service_args`]), by the frame of the call.
    pub services: Vec<(u64, ServiceArgs)>,
}

/// Calls read for a service's name and command line per pipe open
/// ([`PipeOpen::services`]): smbexec's pipe makes one RCreateServiceW a
/// command, PsExec's one RCreateServiceWOW64W and two ROpenServiceW.
pub const MAX_SERVICES: usize = 4;

/// Presentation contexts kept per pipe open: a bind's [`MAX_CONTEXTS`]
/// and an alter_context's.
const MAX_BOUND_CONTEXTS: usize = 2 * MAX_CONTEXTS;

impl PipeOpen {
    /// A pipe open of the connection at `(stream, client, server)` that
    /// CREATE request `p` asked for, named `name`, with nothing seen on
    /// it yet: no response (`frame` None), no tree.
    fn new(
        (stream, client, server): (u64, SocketAddr, SocketAddr),
        p: &Pending,
        name: &str,
        time: Timestamp,
        file_id: FileId,
    ) -> PipeOpen {
        PipeOpen {
            stream,
            session_id: p.sid,
            client,
            server,
            name: name.to_string(),
            request_frame: p.frame,
            frame: None,
            unanswered: false,
            time,
            file_id,
            calls: arrayvec::ArrayVec::new(),
            calls_omitted: 0,
            interfaces: arrayvec::ArrayVec::new(),
            contexts: arrayvec::ArrayVec::new(),
            bind_frame: 0,
            last_request: 0,
            last_omitted: None,
            tree: None,
            services: Vec::new(),
        }
    }

    /// The interface of presentation context `id`, when a bind on the
    /// pipe made it.
    fn interface_of(&self, id: u16) -> Option<u8> {
        self.contexts
            .iter()
            .find(|&&(c, _)| c == id)
            .map(|&(_, i)| i)
    }

    /// The name of `call`'s operation, by the interface its presentation
    /// context was bound to ([`rpc::KNOWN`]).
    pub fn op_name(&self, call: &RpcCall) -> Option<&'static str> {
        let b = self.interfaces.get(usize::from(call.interface?))?;
        rpc::op_name(rpc::of(&b.syntax)?, call.opnum)
    }
}

/// An interface a bind asked for on a pipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    pub syntax: SyntaxId,
    /// The bind's request frame.
    pub frame: u64,
    /// The server's answer to that bind: the frame of the bind_ack or
    /// bind_nak (an IOCTL response, or the READ response that brought it)
    /// and what it said, when seen.
    pub result: Option<(u64, BindResult)>,
}

/// A DCE/RPC request sent with FSCTL_PIPE_TRANSCEIVE and its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RpcCall {
    /// The IOCTL request.
    pub frame: u64,
    pub time: Timestamp,
    /// The request PDU's opnum (C706 12.6.4.9).
    pub opnum: u16,
    /// Written with WRITE (answered by a READ), not FSCTL_PIPE_TRANSCEIVE.
    pub written: bool,
    /// The IOCTL response, or the READ response that brought the answer,
    /// when seen.
    pub response_frame: Option<u64>,
    /// The index in [`PipeOpen::interfaces`] of the interface its
    /// presentation context was bound to, when the bind is in the capture.
    pub interface: Option<u8>,
    /// The status of the fault PDU that answered it (C706 12.6.4.7).
    pub fault: Option<u32>,
}

impl Builder {
    /// A CREATE answered with success on tree `tree`: kept when the tree
    /// is a pipe share. True when it is, [`Builder::rpc_note`] naming the
    /// pipe ("\\svcctl") for the response's timeline line. On a tree whose
    /// TREE_CONNECT the capture lacks and whose type it has not shown yet
    /// ([`super::UnseenConnect::share_type_shown`]), kept too, not noted: it is
    /// the tree's pipe if a response shows a pipe share later (its bind
    /// may come before that), and dropped when one shows a disk share or
    /// the capture ends without either ([`drop_unshown`]).
    pub(super) fn pipe_opened(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        p: &Pending,
        tree: Option<usize>,
        file_id: FileId,
    ) -> bool {
        let Detail::Open(ask) = &p.detail else {
            return false;
        };
        let Some(t) = tree.and_then(|t| self.model.trees.get(t)) else {
            return false;
        };
        let pipe_share = t.share_type == Some(ShareType::PIPE);
        let maybe = t.share_type.is_none() && t.unseen_connect.is_some();
        if !pipe_share && !maybe {
            return false;
        }
        let name = ask.name.trim_start_matches('\\');
        self.rpc_note.clear();
        self.rpc_note.push('\\');
        self.rpc_note.push_str(name);
        if self.model.pipes.len() >= MAX_PIPES {
            self.model.pipes_omitted += u64::from(pipe_share);
            return pipe_share;
        }
        let c = &self.model.connections[ci];
        self.model.pipes.push(PipeOpen {
            frame: Some(m.frame),
            tree,
            ..PipeOpen::new((c.stream, c.client, c.server), p, name, m.ts, file_id)
        });
        pipe_share
    }

    /// An IOCTL request: an FSCTL_PIPE_TRANSCEIVE whose input holds a
    /// DCE/RPC request or bind is noted on its pipe open. True when it
    /// is, [`Builder::rpc_note`] saying what it asks.
    pub(super) fn pipe_call(&mut self, m: &Message<'_>, h: &Smb2Header, i: &IoctlRequest) -> bool {
        if i.ctl_code != crate::smb2::ioctl::CtlCode::FSCTL_PIPE_TRANSCEIVE {
            return false;
        }
        let start = i.input.offset as usize;
        let input = m
            .bytes
            .get(start..start.saturating_add(i.input.present as usize))
            .unwrap_or(&[]);
        self.pipe_pdu(m, (h.session_id, h.tree_id), i.file_id, input, false)
    }

    /// A WRITE request: the data's first bytes, when they hold a DCE/RPC
    /// request or bind, are noted on its pipe open. True when they are,
    /// [`Builder::rpc_note`] saying what it asks.
    pub(super) fn pipe_write(&mut self, m: &Message<'_>, h: &Smb2Header, w: &WriteRequest) -> bool {
        if self.model.pipes.is_empty() && !self.client_only(m.stream) {
            return false;
        }
        let start = usize::from(w.data_offset);
        let data = m
            .bytes
            .get(start..start.saturating_add(w.data_present as usize))
            .unwrap_or(&[]);
        self.pipe_pdu(m, (h.session_id, h.tree_id), w.file_id, data, true)
    }

    fn pipe_pdu(
        &mut self,
        m: &Message<'_>,
        (sid, tid): (u64, Option<u32>),
        file_id: FileId,
        data: &[u8],
        written: bool,
    ) -> bool {
        let Some(pdu) = dcerpc::parse(data) else {
            return false;
        };
        let mut note = std::mem::take(&mut self.rpc_note);
        note.clear();
        let found = match self.pipe_index(m.stream, sid, file_id) {
            Some(i) => Some(i),
            None => self.unanswered_pipe(m, (sid, tid), file_id),
        };
        let Some(open) = found.and_then(|i| self.model.pipes.get_mut(i)) else {
            self.rpc_note = note;
            return false;
        };
        match pdu {
            RpcPdu::Request { context_id, opnum } => {
                open.last_request = m.frame;
                let call = RpcCall {
                    frame: m.frame,
                    time: m.ts,
                    opnum,
                    written,
                    response_frame: None,
                    interface: open.interface_of(context_id),
                    fault: None,
                };
                call_words(&mut note, open, &call);
                service_of(open, &call, data);
                if open.calls.try_push(call).is_err() {
                    open.calls_omitted += 1;
                    open.last_omitted = Some(call);
                }
            }
            RpcPdu::Bind { alter, contexts } => {
                open.bind_frame = m.frame;
                note.push_str(if alter { "alter_context" } else { "bind" });
                let mut named = arrayvec::ArrayVec::<SyntaxId, MAX_CONTEXTS>::new();
                for (id, syntax) in contexts {
                    if !named.contains(&syntax) {
                        let _ = named.try_push(syntax);
                        note.push_str(if named.len() == 1 { " " } else { ", " });
                        interface_words(&mut note, &syntax);
                    }
                    bind_context(open, m.frame, id, syntax);
                }
                note.push(' ');
                note.push_str(&open.name);
            }
        }
        self.rpc_note = note;
        true
    }

    /// A READ of pipe `file_id` (requested at frame `request`) answered
    /// with `data` (its first bytes) at `m`'s frame: the answer to the
    /// call written last before it, when no bind was written after that
    /// call and nothing answered it yet; or the answer to the bind written
    /// last. True when `data` holds a DCE/RPC answer on a pipe open,
    /// [`Builder::rpc_note`] saying what it answers.
    pub(super) fn pipe_read(
        &mut self,
        m: &Message<'_>,
        (sid, file_id): (u64, FileId),
        request: u64,
        data: &[u8],
    ) -> bool {
        let frame = m.frame;
        let answer = dcerpc::parse_answer(data);
        let mut note = std::mem::take(&mut self.rpc_note);
        note.clear();
        let Some(open) = self.pipe_of(m.stream, sid, file_id) else {
            self.rpc_note = note;
            return false;
        };
        let bind = open.bind_frame;
        let last = open.last_request;
        if let Some(RpcAnswer::BindAck { .. } | RpcAnswer::BindNak { .. }) = &answer {
            if bind < request {
                answer_bind(&mut note, open, bind, frame, answer.as_ref());
            }
        } else {
            // The latest call before the READ, unless requests past
            // MAX_CALLS (not kept) came after it.
            let omitted = open.calls_omitted > 0;
            let kept = open.calls.iter().rposition(|c| c.frame < request);
            let answered = kept
                .and_then(|i| Some((i, *open.calls.get(i)?)))
                .filter(|(_, c)| c.written && c.frame > bind && (!omitted || last == c.frame));
            if let Some((i, c)) = answered {
                if let Some(c) = open.calls.get_mut(i) {
                    c.response_frame.get_or_insert(frame);
                }
                if c.response_frame.is_none() {
                    answer_call(&mut note, open, (i, frame), answer.as_ref());
                }
            } else if let Some(c) = open
                .last_omitted
                .as_mut()
                .filter(|c| c.frame == last && c.written && c.frame > bind && c.frame < request)
            {
                // Past MAX_CALLS: named on its first answer, not kept.
                if c.response_frame.replace(frame).is_none() {
                    let c = *c;
                    answer_words(&mut note, open, &c, answer.as_ref());
                }
            }
        }
        let noted = !note.is_empty();
        self.rpc_note = note;
        noted
    }

    /// The IOCTL response to the request of frame `request`, with its
    /// `output`: its call's answer, or its bind's. True when it answers
    /// one, [`Builder::rpc_note`] saying what.
    pub(super) fn pipe_answer(
        &mut self,
        stream: u64,
        frame: u64,
        request: u64,
        output: &[u8],
    ) -> bool {
        let answer = dcerpc::parse_answer(output);
        let mut note = std::mem::take(&mut self.rpc_note);
        note.clear();
        let recent = self.model.pipes.iter_mut().rev().take(SEARCH);
        for open in recent.filter(|o| o.stream == stream) {
            if let Some(i) = open.calls.iter().position(|c| c.frame == request) {
                if let Some(c) = open.calls.get_mut(i) {
                    c.response_frame.get_or_insert(frame);
                }
                answer_call(&mut note, open, (i, frame), answer.as_ref());
                break;
            }
            if open.bind_frame == request {
                answer_bind(&mut note, open, request, frame, answer.as_ref());
                break;
            }
            if let Some(c) = open.last_omitted.filter(|c| c.frame == request) {
                // Past MAX_CALLS: named, not kept.
                answer_words(&mut note, open, &c, answer.as_ref());
                break;
            }
        }
        let noted = !note.is_empty();
        self.rpc_note = note;
        noted
    }

    /// The latest pipe open of this session and FileId, among the last
    /// [`SEARCH`] opens: opened on this stream, or on another connection
    /// to the same server address (a channel of the same session: an open
    /// belongs to the session, not to the connection, [MS-SMB2] 3.3.5.9,
    /// 3.3.5.2.7; zeek-smb2-v2only-nonzero-reserved1 opens srvsvc on
    /// tcp.stream 1 at frame 95, binds it on tcp.stream 2 at frame 98 and
    /// reads on tcp.stream 0).
    fn pipe_of(&mut self, stream: u64, sid: u64, file_id: FileId) -> Option<&mut PipeOpen> {
        let i = self.pipe_index(stream, sid, file_id)?;
        self.model.pipes.get_mut(i)
    }

    /// The connection of `stream` has shown no message of the server yet:
    /// a CREATE request on it may be one the client goes on with
    /// ([`Builder::unanswered_pipe`]).
    pub(super) fn client_only(&self, stream: u64) -> bool {
        self.conn_index
            .get(&stream)
            .and_then(|&ci| self.model.connections.get(ci))
            .is_some_and(|c| c.server_messages == 0)
    }

    /// [`Builder::pipe_of`]'s index in `Model::pipes`.
    fn pipe_index(&self, stream: u64, sid: u64, file_id: FileId) -> Option<usize> {
        let server = self
            .conn_index
            .get(&stream)
            .and_then(|&ci| self.model.connections.get(ci))
            .map(|c| c.server.ip());
        let from = self.model.pipes.len().saturating_sub(SEARCH);
        let recent = self.model.pipes.get(from..)?.iter().enumerate().rev();
        let mut found = recent.filter(|(_, o)| {
            o.session_id == sid
                && o.file_id == file_id
                && (o.stream == stream || Some(o.server.ip()) == server)
        });
        found.next().map(|(i, _)| from + i)
    }

    /// A DCE/RPC PDU written at `m` on a connection that has shown no
    /// message of the server yet, with a FileId no pipe open has: the
    /// CREATE request the client went on with, made a pipe open
    /// ([`PipeOpen::unanswered`]) and its index in `Model::pipes`. That
    /// CREATE is the latest unanswered one before `m` on the same
    /// SessionId and TreeId; none when there is none, or when a PDU
    /// already went on with it under another FileId (which of the two is
    /// its own is not known), or past [`MAX_PIPES`].
    fn unanswered_pipe(
        &mut self,
        m: &Message<'_>,
        (sid, tid): (u64, Option<u32>),
        file_id: FileId,
    ) -> Option<usize> {
        let tid = tid.filter(|&t| t != 0)?;
        let ci = *self.conn_index.get(&m.stream)?;
        let c = self.model.connections.get(ci)?;
        if c.server_messages != 0 || self.model.pipes.len() >= MAX_PIPES {
            return None;
        }
        let (client, server, stream) = (c.client, c.server, c.stream);
        let create = self
            .conn_state
            .get(ci)?
            .pending
            .values()
            .filter(|p| p.sid == sid && p.tid == Some(tid) && p.frame < m.frame)
            .filter_map(|p| match &p.detail {
                Detail::Open(ask) => Some((p, ask)),
                _ => None,
            })
            .max_by_key(|(p, _)| p.frame);
        let (p, ask) = create?;
        let taken = self
            .model
            .pipes
            .iter()
            .rev()
            .take(SEARCH)
            .any(|o| o.stream == stream && o.request_frame == p.frame);
        if taken {
            return None;
        }
        let name = ask.name.trim_start_matches('\\');
        let open = PipeOpen {
            unanswered: true,
            ..PipeOpen::new((stream, client, server), p, name, p.ts, file_id)
        };
        self.model.pipes.push(open);
        if let Some(st) = self.conn_state.get_mut(ci) {
            st.unanswered_pipes = true;
        }
        Some(self.model.pipes.len() - 1)
    }

    /// When connection `ci` closes: its unanswered pipe opens
    /// ([`PipeOpen::unanswered`]) are given the tree of their CREATE
    /// request's entry in `files`, when that tree is one of `trees` (the
    /// trees the client went on with, made of its unanswered TREE_CONNECT
    /// requests) and a pipe share (IPC$: `FileOpen::pipe`); the others are
    /// dropped (all of them when the capture shows the server's side of
    /// the connection after all: `one_sided` false).
    pub(super) fn unanswered_pipes_closed(&mut self, ci: usize, trees: &[usize], one_sided: bool) {
        if !self
            .conn_state
            .get(ci)
            .is_some_and(|st| st.unanswered_pipes)
        {
            return;
        }
        let Some(stream) = self.model.connections.get(ci).map(|c| c.stream) else {
            return;
        };
        let model = &mut self.model;
        let tree_of = |request_frame: u64| {
            trees.iter().copied().find(|&t| {
                model.trees.get(t).is_some_and(|t| {
                    t.files
                        .iter()
                        .any(|f| f.unanswered && f.pipe && f.request_frame == request_frame)
                })
            })
        };
        let found: Vec<(usize, Option<usize>)> = model
            .pipes
            .iter()
            .enumerate()
            .filter(|(_, p)| p.unanswered && p.stream == stream)
            .map(|(i, p)| {
                (
                    i,
                    if one_sided {
                        tree_of(p.request_frame)
                    } else {
                        None
                    },
                )
            })
            .collect();
        if found.is_empty() {
            return;
        }
        for &(i, t) in &found {
            if let Some(p) = model.pipes.get_mut(i) {
                p.tree = t;
            }
        }
        model
            .pipes
            .retain(|p| !(p.unanswered && p.stream == stream && p.tree.is_none()));
    }
}

/// Drops the opens kept on a tree in use without its TREE_CONNECT whose
/// type the capture has not shown a pipe share's ([`Builder::pipe_opened`]):
/// all of them, or with `tree`, that tree's (shown a disk share). Other
/// opens stay: those of pipe shares, and those a capture of the client's
/// side alone credits to an unanswered CREATE on a tree whose
/// TREE_CONNECT got no answer (no share type either).
pub(super) fn drop_unshown(model: &mut super::Model, tree: Option<usize>) {
    let trees = &model.trees;
    model.pipes.retain(|p| match tree {
        Some(t) => p.tree != Some(t),
        None => p
            .tree
            .and_then(|t| trees.get(t))
            .is_none_or(|t| t.unseen_connect.is_none() || t.share_type == Some(ShareType::PIPE)),
    });
}

/// Gives each pipe open's binds and calls to its entry in its tree's
/// `files` (the open of the same CREATE request and response), where JSON
/// reports them.
pub(super) fn rpc_on_files(model: &mut super::Model) {
    for p in &model.pipes {
        let Some(t) = p.tree.and_then(|t| model.trees.get_mut(t)) else {
            continue;
        };
        let file = t
            .files
            .iter_mut()
            .find(|f| f.frame == p.frame && f.request_frame == p.request_frame);
        if let Some(f) = file {
            f.rpc = super::model::PipeRpc::of(p).map(Box::new);
        }
    }
}

/// Keeps what call `c` to the Service Control Manager, written to `open`
/// with the PDU at the start of `data`, says of a service
/// ([`scmr::service_args`]), within [`MAX_SERVICES`]: a call of
/// [`scmr::READ`] in a presentation context bound to [MS-SCMR], or on a
/// pipe named svcctl whose bind the capture lacks.
fn service_of(open: &mut PipeOpen, c: &RpcCall, data: &[u8]) {
    if !scmr::READ.contains(&c.opnum) || open.services.len() >= MAX_SERVICES {
        return;
    }
    let scmr = match c.interface {
        Some(i) => open.interfaces.get(usize::from(i)).is_some_and(|b| {
            let mut buf = [0u8; 36];
            b.syntax.uuid_into(&mut buf) == rpc::SCMR
        }),
        None => open.interfaces.is_empty() && open.name.eq_ignore_ascii_case("svcctl"),
    };
    if !scmr {
        return;
    }
    let Some((stub, little)) = dcerpc::request_stub(data) else {
        return;
    };
    if let Some(args) = scmr::service_args(c.opnum, stub, little) {
        open.services.push((c.frame, args));
    }
}

/// Notes a presentation context a bind made on `open`: its abstract
/// syntax among the interfaces (once), its id for the requests to come.
fn bind_context(open: &mut PipeOpen, frame: u64, id: u16, syntax: SyntaxId) {
    let at = match open.interfaces.iter().position(|b| b.syntax == syntax) {
        Some(i) => i,
        None => {
            let bound = Bound {
                syntax,
                frame,
                result: None,
            };
            if open.interfaces.try_push(bound).is_err() {
                return;
            }
            open.interfaces.len() - 1
        }
    };
    let Ok(at) = u8::try_from(at) else {
        return;
    };
    match open.contexts.iter_mut().find(|(c, _)| *c == id) {
        Some(c) => c.1 = at,
        None => {
            let _ = open.contexts.try_push((id, at));
        }
    }
}

/// "MS-SCMR" for a known interface ([`rpc::KNOWN`]), its UUID and version
/// otherwise ("5c0b05e1-7d6b-4d0c-9b1e-0123456789ab v1.0").
fn interface_words(note: &mut String, s: &SyntaxId) {
    use std::fmt::Write;
    match rpc::of(s) {
        Some(r) => note.push_str(r.doc),
        None => {
            let mut buf = [0u8; 36];
            note.push_str(s.uuid_into(&mut buf));
            let _ = write!(note, " v{}.{}", s.version_major, s.version_minor);
        }
    }
}

/// A call by name ("ROpenSCManagerW"), or by number ("opnum 45") when
/// its interface or the operation is not known.
fn call_words(note: &mut String, open: &PipeOpen, c: &RpcCall) {
    use std::fmt::Write;
    match open.op_name(c) {
        Some(n) => note.push_str(n),
        None => {
            let _ = write!(note, "opnum {}", c.opnum);
        }
    }
}

/// The answer at `frame` to call `i` of `open`: its name, and a fault's
/// status ("RStartServiceW fault 0x00000005 (ERROR_ACCESS_DENIED)"), kept
/// on the call when `frame` is its answer.
fn answer_call(
    note: &mut String,
    open: &mut PipeOpen,
    (i, frame): (usize, u64),
    answer: Option<&RpcAnswer>,
) {
    let Some(c) = open.calls.get(i).copied() else {
        return;
    };
    answer_words(note, open, &c, answer);
    if let Some(&RpcAnswer::Fault { status }) = answer {
        if c.response_frame == Some(frame) {
            if let Some(c) = open.calls.get_mut(i) {
                c.fault.get_or_insert(status);
            }
        }
    }
}

/// The answer to call `c` of `open`, as its timeline line says it: the
/// call's name, and a fault's status.
fn answer_words(note: &mut String, open: &PipeOpen, c: &RpcCall, answer: Option<&RpcAnswer>) {
    call_words(note, open, c);
    if let Some(&RpcAnswer::Fault { status }) = answer {
        note.push_str(" fault ");
        note.push_str(&dcerpc::fault_words(status));
    }
}

/// The answer (bind_ack, alter_context_resp, bind_nak) at `frame` to the
/// bind of frame `bind` on `open`: kept on the interfaces that bind asked
/// for first; "bind_ack accepted", "bind_nak refused (REASON)".
fn answer_bind(
    note: &mut String,
    open: &mut PipeOpen,
    bind: u64,
    frame: u64,
    answer: Option<&RpcAnswer>,
) {
    let (what, result) = match answer {
        Some(RpcAnswer::BindAck { alter, results }) => (
            if *alter {
                "alter_context_resp"
            } else {
                "bind_ack"
            },
            BindResult::of(results),
        ),
        Some(&RpcAnswer::BindNak { reason }) => ("bind_nak", Some(BindResult::Nak { reason })),
        _ => return,
    };
    note.push_str(what);
    let Some(result) = result else {
        return;
    };
    note.push(' ');
    note.push_str(&result.words());
    for b in open.interfaces.iter_mut().filter(|b| b.frame == bind) {
        b.result.get_or_insert((frame, result));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bound [`MAX_CALLS`]'s memory is figured from.
    #[test]
    fn a_call_is_56_bytes() {
        assert_eq!(std::mem::size_of::<RpcCall>(), 56);
    }

    /// impacket against smbd, over WRITE and READ (tshark): the bind of
    /// frame 17 names 5c0b05e1-7d6b-4d0c-9b1e-0123456789ab v1.0, the READ
    /// response of frame 23 (after STATUS_PENDING at 21) brings a bind_ack
    /// whose one result is a provider rejection, abstract syntax not
    /// supported (dcerpc.cn_ack_result 2, dcerpc.cn_ack_reason 1); on the
    /// second open, srvsvc bound at 31 is accepted at 34, opnum 15 (called
    /// in presentation context 0, the bind's) answered at 38, and opnum 200
    /// at 39 gets a fault at 42 (dcerpc.cn_status 0x1c010002).
    #[test]
    fn a_refused_bind_and_a_fault_are_kept() {
        let p = pipes(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/impacket-rpc-bind-refused-and-fault.pcap"
        ));
        assert_eq!(p.len(), 2);
        type Result = (String, u64, Option<(u64, BindResult)>);
        let results: Vec<Result> = p
            .iter()
            .flat_map(|o| o.interfaces.iter())
            .map(|b| (b.syntax.uuid_text(), b.frame, b.result))
            .collect();
        let refused = BindResult::Refused { reason: 1 };
        assert_eq!(
            results,
            [
                (
                    "5c0b05e1-7d6b-4d0c-9b1e-0123456789ab".to_string(),
                    17,
                    Some((23, refused))
                ),
                (
                    "4b324fc8-1670-01d3-1278-5a47bf6ee188".to_string(),
                    31,
                    Some((34, BindResult::Accepted))
                ),
            ]
        );
        assert_eq!(refused.words(), "refused (abstract_syntax_not_supported)");
        let o = &p[1];
        type Call<'a> = (u64, u16, Option<u64>, Option<u32>, Option<&'a str>);
        let calls: Vec<Call<'_>> = o
            .calls
            .iter()
            .map(|c| (c.frame, c.opnum, c.response_frame, c.fault, o.op_name(c)))
            .collect();
        assert_eq!(
            calls,
            [
                (35, 15, Some(38), None, Some("NetrShareEnum")),
                (39, 200, Some(42), Some(0x1c01_0002), None)
            ]
        );
        assert_eq!(dcerpc::fault_words(0x1c01_0002), "nca_s_op_rng_error");
    }

    /// The pipe opens of a capture.
    fn pipes(path: &str) -> Vec<PipeOpen> {
        use crate::capture::CaptureReader;
        use crate::pipeline::{self, Options};
        use crate::session::BuildOptions;
        let mut r =
            CaptureReader::new(std::fs::File::open(path).expect("capture")).expect("capture");
        let mut b = Builder::new(BuildOptions::default());
        pipeline::run(&mut r, &Options::default(), |ev| b.event(ev));
        b.finish().pipes
    }

    /// tshark on frames 17, 18 (smb2.filename spoolss) and 26, 28, 62
    /// (dcerpc.opnum 1, 65, 29, answered at 27, 61, 63).
    #[test]
    fn spoolsample_opens_spoolss_and_calls_opnum_65() {
        let p = pipes("/work/shared/corpus/public/pcapattack-smb311-spoolsample-ntlm.pcapng");
        assert_eq!(p.len(), 1);
        let o = &p[0];
        assert_eq!(
            (o.name.as_str(), o.request_frame, o.frame),
            ("spoolss", 17, Some(18))
        );
        let calls: Vec<(u64, u16, Option<u64>)> = o
            .calls
            .iter()
            .map(|c| (c.frame, c.opnum, c.response_frame))
            .collect();
        assert_eq!(
            calls,
            [(26, 1, Some(27)), (28, 65, Some(61)), (62, 29, Some(63))]
        );
        // tshark: frame 22, an SMB2 WRITE, dcerpc.cn_bind_to_uuid
        // 12345678-1234-abcd-ef00-0123456789ab ([MS-RPRN] 1.9), version 1.0,
        // in each of its three presentation contexts.
        let bound: Vec<(String, u16, u16, u64)> = o
            .interfaces
            .iter()
            .map(|b| {
                let s = b.syntax;
                (s.uuid_text(), s.version_major, s.version_minor, b.frame)
            })
            .collect();
        assert_eq!(
            bound,
            [("12345678-1234-abcd-ef00-0123456789ab".to_string(), 1, 0, 22)]
        );
        assert!(o.calls.iter().all(|c| !c.written));
    }

    /// Samba's Spotlight service: sv-smb302-null-linktype-kerberos opens
    /// mdssvc (tshark smb2.filename, frame 79), binds it at 83 (tshark:
    /// dcerpc.cn_bind_to_uuid 885d85fb-c754-4062-a0e7-6872ce0064f4,
    /// version 2, "MDSSVC V2.0") and calls opnums 0, 1, 2 (frames 88, 99,
    /// 110), which tshark's MDSSVC dissector names open, unknown1, cmd:
    /// mdssvc.idl's mdssvc_open, mdssvc_unknown1, mdssvc_cmd.
    #[test]
    fn mdssvc_is_named() {
        let p = pipes("/work/shared/corpus/public/sv-smb302-null-linktype-kerberos.pcap");
        let o = p.iter().find(|o| o.name == "mdssvc").expect("mdssvc");
        let b = o.interfaces.first().expect("a bind");
        assert_eq!((b.syntax.uuid_text().as_str(), b.frame), (rpc::MDSSVC, 83));
        assert_eq!(rpc::label(&b.syntax), "MDSSVC (mdssvc)");
        let calls: Vec<(u64, Option<&str>)> = o
            .calls
            .iter()
            .take(3)
            .map(|c| (c.frame, o.op_name(c)))
            .collect();
        assert_eq!(
            calls,
            [
                (88, Some("mdssvc_open")),
                (99, Some("mdssvc_unknown1")),
                (110, Some("mdssvc_cmd"))
            ]
        );
    }

    /// impacket-style DCE/RPC over WRITE and READ: on tcp.stream 5 of
    /// zeek-smb2-kerberos-tso, the lsarpc pipe (CREATE at frame 164) is
    /// bound at frame 172 (a WRITE; tshark: dcerpc.cn_bind_to_uuid
    /// 12345778-1234-abcd-ef00-0123456789ab, [MS-LSAD] 1.9, version 0.0),
    /// then opnums 44, 13, 0 are written at frames 178, 184, 190 and their
    /// responses read at 183, 189, 195 (tshark's dcerpc.request_in).
    #[test]
    fn calls_written_with_write_are_answered_by_reads() {
        let p = pipes("/work/shared/corpus/public/zeek-smb2-kerberos-tso.pcapng");
        let lsa: Vec<&PipeOpen> = p.iter().filter(|o| o.name == "lsarpc").collect();
        assert_eq!(lsa.len(), 1);
        let o = lsa[0];
        let calls: Vec<(u64, u16, bool, Option<u64>)> = o
            .calls
            .iter()
            .map(|c| (c.frame, c.opnum, c.written, c.response_frame))
            .collect();
        assert_eq!(
            calls,
            [
                (178, 44, true, Some(183)),
                (184, 13, true, Some(189)),
                (190, 0, true, Some(195))
            ]
        );
        let bound: Vec<(String, u64)> = o
            .interfaces
            .iter()
            .map(|b| (b.syntax.uuid_text(), b.frame))
            .collect();
        assert_eq!(
            bound,
            [("12345778-1234-abcd-ef00-0123456789ab".to_string(), 172)]
        );
    }
}
