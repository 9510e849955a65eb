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
//! keeps an IOCTL's input and the first [`WRITE_DATA_KEPT`] bytes of a
//! WRITE's data: enough for a request's opnum and a bind's first
//! presentation context ([`dcerpc`]). A call written with WRITE counts as
//! answered by the next READ of the pipe answered with data.
//!
//! [`WRITE_DATA_KEPT`]: crate::smb2::framing::WRITE_DATA_KEPT
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

use super::dcerpc::{self, RpcPdu, SyntaxId, MAX_CONTEXTS};
use super::{Builder, Detail, Pending};

/// Pipe opens kept in a capture.
pub const MAX_PIPES: usize = 4096;
/// Calls kept per pipe open (an [`RpcCall`] is 48 bytes: 768 bytes an
/// open, 3 MiB for [`MAX_PIPES`]); past them, counted
/// ([`PipeOpen::calls_omitted`]). PsExec's svcctl open makes 9 calls
/// (sv-smb21-psexec-kerberos-port139, frames 158 to 174).
pub const MAX_CALLS: usize = 16;
/// Pipe opens of a connection searched for an IOCTL's FileId (the latest).
const SEARCH: usize = 64;

/// A named pipe opened with success.
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
    /// The CREATE response.
    pub frame: u64,
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
    /// The frame of the latest bind or alter_context written.
    bind_frame: u64,
}

/// An interface a bind asked for on a pipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    pub syntax: SyntaxId,
    /// The bind's request frame.
    pub frame: u64,
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
}

impl Builder {
    /// A CREATE answered with success on tree `tree`: kept when the tree
    /// is a pipe share.
    pub(super) fn pipe_opened(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        p: &Pending,
        tree: Option<usize>,
        file_id: FileId,
    ) {
        let Detail::Open(ask) = &p.detail else {
            return;
        };
        let pipe_share = tree
            .and_then(|t| self.model.trees.get(t))
            .is_some_and(|t| t.share_type == Some(ShareType::PIPE));
        if !pipe_share {
            return;
        }
        if self.model.pipes.len() >= MAX_PIPES {
            self.model.pipes_omitted += 1;
            return;
        }
        let c = &self.model.connections[ci];
        self.model.pipes.push(PipeOpen {
            stream: c.stream,
            session_id: p.sid,
            client: c.client,
            server: c.server,
            name: ask.name.trim_start_matches('\\').to_string(),
            request_frame: p.frame,
            frame: m.frame,
            time: m.ts,
            file_id,
            calls: arrayvec::ArrayVec::new(),
            calls_omitted: 0,
            interfaces: arrayvec::ArrayVec::new(),
            bind_frame: 0,
        });
    }

    /// An IOCTL request: an FSCTL_PIPE_TRANSCEIVE whose input holds a
    /// DCE/RPC request or bind is noted on its pipe open.
    pub(super) fn pipe_call(&mut self, m: &Message<'_>, h: &Smb2Header, i: &IoctlRequest) {
        if i.ctl_code != crate::smb2::ioctl::CtlCode::FSCTL_PIPE_TRANSCEIVE {
            return;
        }
        let start = i.input.offset as usize;
        let input = m
            .bytes
            .get(start..start.saturating_add(i.input.present as usize))
            .unwrap_or(&[]);
        self.pipe_pdu(m, h.session_id, i.file_id, input, false);
    }

    /// A WRITE request: the data's first bytes, when they hold a DCE/RPC
    /// request or bind, are noted on its pipe open.
    pub(super) fn pipe_write(&mut self, m: &Message<'_>, h: &Smb2Header, w: &WriteRequest) {
        if self.model.pipes.is_empty() {
            return;
        }
        let start = usize::from(w.data_offset);
        let data = m
            .bytes
            .get(start..start.saturating_add(w.data_present as usize))
            .unwrap_or(&[]);
        self.pipe_pdu(m, h.session_id, w.file_id, data, true);
    }

    fn pipe_pdu(&mut self, m: &Message<'_>, sid: u64, file_id: FileId, data: &[u8], written: bool) {
        let Some(pdu) = dcerpc::parse(data) else {
            return;
        };
        let Some(open) = self.pipe_of(m.stream, sid, file_id) else {
            return;
        };
        match pdu {
            RpcPdu::Request { opnum } => {
                let call = RpcCall {
                    frame: m.frame,
                    time: m.ts,
                    opnum,
                    written,
                    response_frame: None,
                };
                if open.calls.try_push(call).is_err() {
                    open.calls_omitted += 1;
                }
            }
            RpcPdu::Bind { contexts, .. } => {
                open.bind_frame = m.frame;
                for syntax in contexts {
                    if !open.interfaces.iter().any(|b| b.syntax == syntax) {
                        let _ = open.interfaces.try_push(Bound {
                            syntax,
                            frame: m.frame,
                        });
                    }
                }
            }
        }
    }

    /// A READ of pipe `file_id` (requested at frame `request`) answered
    /// with data at frame `frame`: the answer to the call written last
    /// before it, when no bind was written after that call and nothing
    /// answered it yet.
    pub(super) fn pipe_read(
        &mut self,
        stream: u64,
        sid: u64,
        file_id: FileId,
        request: u64,
        frame: u64,
    ) {
        let Some(open) = self.pipe_of(stream, sid, file_id) else {
            return;
        };
        let bind = open.bind_frame;
        let last = open.calls.iter_mut().rev().find(|c| c.frame < request);
        if let Some(c) = last.filter(|c| c.written && c.frame > bind) {
            c.response_frame.get_or_insert(frame);
        }
    }

    /// The IOCTL response to the request of frame `request`: its call's
    /// answer.
    pub(super) fn pipe_answer(&mut self, stream: u64, frame: u64, request: u64) {
        let recent = self.model.pipes.iter_mut().rev().take(SEARCH);
        for open in recent.filter(|o| o.stream == stream) {
            if let Some(c) = open.calls.iter_mut().find(|c| c.frame == request) {
                c.response_frame.get_or_insert(frame);
                return;
            }
        }
    }

    /// The latest pipe open of this session and FileId, among the last
    /// [`SEARCH`] opens: opened on this stream, or on another connection
    /// to the same server address (a channel of the same session: an open
    /// belongs to the session, not to the connection, [MS-SMB2] 3.3.5.9,
    /// 3.3.5.2.7; zeek-smb2-v2only-nonzero-reserved1 opens srvsvc on
    /// tcp.stream 1 at frame 95, binds it on tcp.stream 2 at frame 98 and
    /// reads on tcp.stream 0).
    fn pipe_of(&mut self, stream: u64, sid: u64, file_id: FileId) -> Option<&mut PipeOpen> {
        let server = self
            .conn_index
            .get(&stream)
            .and_then(|&ci| self.model.connections.get(ci))
            .map(|c| c.server.ip());
        self.model.pipes.iter_mut().rev().take(SEARCH).find(|o| {
            o.session_id == sid
                && o.file_id == file_id
                && (o.stream == stream || Some(o.server.ip()) == server)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bound [`MAX_CALLS`]'s memory is figured from.
    #[test]
    fn a_call_is_48_bytes() {
        assert_eq!(std::mem::size_of::<RpcCall>(), 48);
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
            ("spoolss", 17, 18)
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
