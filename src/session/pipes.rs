//! Named pipes opened on a PIPE share (IPC$): an SMB2 CREATE ([MS-SMB2]
//! 2.2.13) answered with success on a tree whose TREE_CONNECT response said
//! ShareType PIPE (2.2.10), and the DCE/RPC calls the capture shows made
//! through it with FSCTL_PIPE_TRANSCEIVE (2.2.31, [MS-FSCC] 2.3.49).
//!
//! Which pipe a client opened tells which RPC interface it talked to
//! (spoolss: [MS-RPRN]; samr: [MS-SAMR]; ...); the diagnose layer names
//! them, and tells an authentication coercion from them.
//!
//! Only an IOCTL's input is kept by the framer: a call written with WRITE
//! (whose data is counted and skipped) has no opnum here.
//!
//! Bounded: at most [`MAX_PIPES`] opens and [`MAX_CALLS`] calls each.

use std::net::SocketAddr;

use crate::capture::Timestamp;
use crate::pipeline::Message;
use crate::smb2::ioctl::IoctlRequest;
use crate::smb2::tree::ShareType;
use crate::smb2::{FileId, Smb2Header};

use super::{Builder, Detail, Pending};

/// Pipe opens kept in a capture.
pub const MAX_PIPES: usize = 4096;
/// Calls kept per pipe open.
pub const MAX_CALLS: usize = 8;
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
    /// The DCE/RPC requests sent through it with FSCTL_PIPE_TRANSCEIVE.
    pub calls: arrayvec::ArrayVec<RpcCall, MAX_CALLS>,
}

/// A DCE/RPC request sent with FSCTL_PIPE_TRANSCEIVE and its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RpcCall {
    /// The IOCTL request.
    pub frame: u64,
    pub time: Timestamp,
    /// The request PDU's opnum (C706 12.6.4.9).
    pub opnum: u16,
    /// The IOCTL response, when seen.
    pub response_frame: Option<u64>,
}

/// The opnum of a connection-oriented DCE/RPC request PDU (C706 12.6.4.9,
/// "request PDU"): rpc_vers 5, PTYPE 0 (request), and the data
/// representation's integer format (byte 4, high nibble: 1 little-endian,
/// 0 big-endian, C706 14.1) for the opnum at offset 22. None for any other
/// PDU, or one cut before its opnum.
pub fn request_opnum(pdu: &[u8]) -> Option<u16> {
    let head = pdu.get(..24)?;
    let (&vers, &ptype, &drep) = (head.first()?, head.get(2)?, head.get(4)?);
    if vers != 5 || ptype != 0 {
        return None;
    }
    let b = [*head.get(22)?, *head.get(23)?];
    Some(if drep & 0x10 != 0 {
        u16::from_le_bytes(b)
    } else {
        u16::from_be_bytes(b)
    })
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
        });
    }

    /// An IOCTL request: an FSCTL_PIPE_TRANSCEIVE whose input holds a
    /// DCE/RPC request is noted on its pipe open.
    pub(super) fn pipe_call(&mut self, m: &Message<'_>, h: &Smb2Header, i: &IoctlRequest) {
        if i.ctl_code != crate::smb2::ioctl::CtlCode::FSCTL_PIPE_TRANSCEIVE {
            return;
        }
        let start = i.input.offset as usize;
        let input = m
            .bytes
            .get(start..start.saturating_add(i.input.present as usize))
            .unwrap_or(&[]);
        let Some(opnum) = request_opnum(input) else {
            return;
        };
        let Some(open) = self.pipe_of(m.stream, h.session_id, i.file_id) else {
            return;
        };
        let _ = open.calls.try_push(RpcCall {
            frame: m.frame,
            time: m.ts,
            opnum,
            response_frame: None,
        });
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

    /// The latest pipe open of this stream, session and FileId, among the
    /// last [`SEARCH`] opens.
    fn pipe_of(&mut self, stream: u64, sid: u64, file_id: FileId) -> Option<&mut PipeOpen> {
        self.model
            .pipes
            .iter_mut()
            .rev()
            .take(SEARCH)
            .find(|o| o.stream == stream && o.session_id == sid && o.file_id == file_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn a_pdu_that_is_no_request_has_no_opnum() {
        assert_eq!(request_opnum(&[5, 0, 11, 3, 0x10, 0, 0, 0]), None);
        assert_eq!(request_opnum(&[]), None);
    }
}
