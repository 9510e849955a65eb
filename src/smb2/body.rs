//! The SMB2 command body dispatcher: [`parse_body`] picks the body layout of
//! [MS-SMB2] 2.2 from the header's Command, the response flag, the Status and
//! the StructureSize, and returns a [`Body`].
//!
//! # Input
//! `pdu` starts at the 64-byte SMB2 header of one PDU and ends at its end (for
//! a compound the caller slices at NextCommand). Offsets inside bodies count
//! from the start of the header, as in the document, so [`BufRef`]s index
//! `pdu` directly. The PDU may be cut short: the fixed part must be present
//! (else [`BodyError::Truncated`]); variable parts are decoded as far as they
//! are present and listed in the body's `missing` field.
//!
//! # Error responses
//! A response whose Status is not STATUS_SUCCESS is an SMB2 ERROR Response
//! (2.2.2) — this includes the STATUS_PENDING interim response — except the
//! cases [MS-SMB2] 3.3.4.4 lists, which carry the command's normal body:
//! STATUS_MORE_PROCESSING_REQUIRED in SESSION_SETUP; STATUS_BUFFER_OVERFLOW in
//! QUERY_INFO, IOCTL and READ; STATUS_INVALID_PARAMETER in an IOCTL (copychunk)
//! response; STATUS_NOTIFY_ENUM_DIR in CHANGE_NOTIFY. (3.3.4.4 does not list
//! STATUS_BUFFER_OVERFLOW for CHANGE_NOTIFY; we accept it too, the body layouts
//! of both are 9 bytes and we only read the buffer reference.) When an error
//! status comes with a StructureSize other than 9, the command's own layout
//! is tried, since that is what the sender wrote.
//!
//! # JSON shape
//! `Body` serializes *flat* (`#[serde(untagged)]`): the object is the body's own
//! fields, with no variant tag; the caller puts it under a key named after the
//! command, e.g. `"negotiate": {"dialect": "3.1.1", ...}`. Whether it is a
//! request or a response follows from the header. Absent fields are skipped.
//! Examples (real output on our Samba samples, shortened with `...`):
//! - NEGOTIATE request: `{"dialect_count":5,"dialects":["2.0.2","2.1","3.0","3.0.2","3.1.1"],
//!   "security_mode":["SIGNING_ENABLED"],"capabilities":["DFS","LEASING",...,"ENCRYPTION"],
//!   "client_guid":"86e1c1c6-0ee7-4134-bef9-e27c33e309a5","negotiate_context_offset":112,
//!   "negotiate_context_count":4,"negotiate_contexts":[{"type":"PREAUTH_INTEGRITY_CAPABILITIES",
//!   "data_length":38,"hash_algorithms":["SHA-512"],"salt_length":32},{"type":"ENCRYPTION_CAPABILITIES",
//!   "data_length":10,"ciphers":["AES-128-GCM","AES-128-CCM","AES-256-GCM","AES-256-CCM"]},
//!   {"type":"SIGNING_CAPABILITIES","data_length":8,"signing_algorithms":["AES-GMAC","AES-CMAC","HMAC-SHA256"]},
//!   {"type":"NETNAME_NEGOTIATE_CONTEXT_ID","data_length":18,"netname":"127.0.0.2"}]}`
//! - NEGOTIATE response: `{"security_mode":["SIGNING_ENABLED"],"dialect":"3.1.1","dialect_code":"0x0311",
//!   "server_guid":"656c6966-7273-0076-0000-000000000000","capabilities":["DFS","LEASING","LARGE_MTU","MULTI_CHANNEL"],
//!   "max_transact_size":8388608,"max_read_size":8388608,"max_write_size":8388608,
//!   "system_time":"2026-11-25T21:51:34.5411600Z","security_buffer":{"offset":128,"length":74,"present":74},
//!   "negotiate_context_offset":208,"negotiate_context_count":3,"negotiate_contexts":[...]}`
//! - SESSION_SETUP request: `{"flags":[],"security_mode":["SIGNING_ENABLED"],"capabilities":["DFS"],"channel":0,
//!   "security_buffer":{"offset":88,"length":74,"present":74}}`
//! - SESSION_SETUP response: `{"session_flags":["IS_GUEST"],"security_buffer":{"offset":72,"length":9,"present":9}}`
//! - TREE_CONNECT request: `{"flags":[],"share":"\\\\127.0.0.2\\share","path":{"offset":72,"length":34,"present":34}}`
//! - TREE_CONNECT response: `{"share_type":"DISK","share_flags_raw":"0x00000000","share_flags":[],
//!   "caching":"MANUAL_CACHING","capabilities":[],"maximal_access":{"hex":"0x001f01ff","names":["FILE_READ_DATA",...]}}`
//! - CREATE request: `{"filename":"payload.bin","requested_oplock_level":"NONE","impersonation_level":"Impersonation",
//!   "desired_access":{"hex":"0x0012019f","names":[...]},"file_attributes":[],"share_access":["READ","WRITE"],
//!   "create_disposition":"overwrite_if","create_options":["NON_DIRECTORY_FILE"],"name":{"offset":120,"length":22,"present":22}}`
//! - CREATE response: `{"oplock_level":"NONE","flags":[],"create_action":"CREATED","creation_time":"2026-11-25T21:51:23.7253720Z",
//!   ...,"allocation_size":0,"end_of_file":0,"file_attributes":["ARCHIVE"],"file_id":"000000006036b4f9:00000000f7789344"}`
//!
//! Flag sets serialize as lists of names (unknown bits as one "0x..." entry),
//! open enumerations as their name (unknown values as "0x..."), GUIDs in
//! text form, FILETIMEs as RFC 3339 UTC, file ids as "persistent:volatile" hex.

use serde::Serialize;
use std::fmt;

use super::create::{CloseRequest, CloseResponse, CreateRequest, CreateResponse};
use super::error::ErrorResponse;
use super::header::{Command, Smb2Header, HEADER_LEN};
use super::ioctl::{IoctlRequest, IoctlResponse};
use super::negotiate::{NegotiateRequest, NegotiateResponse};
use super::oplock::OplockBreak;
use super::query::{
    ChangeNotifyRequest, OutputBufferResponse, QueryDirectoryRequest, QueryInfoRequest,
    SetInfoRequest,
};
use super::read_write::{
    FlushRequest, LockRequest, ReadRequest, ReadResponse, WriteRequest, WriteResponse,
};
use super::session_setup::{SessionSetupRequest, SessionSetupResponse};
use super::tree::{TreeConnectRequest, TreeConnectResponse};
use super::wire::{u16_at, BufRef};

/// STATUS_PENDING ([MS-ERREF] 2.3.1).
pub const STATUS_PENDING: u32 = 0x0000_0103;
/// STATUS_NOTIFY_ENUM_DIR.
pub const STATUS_NOTIFY_ENUM_DIR: u32 = 0x0000_010C;
/// STATUS_BUFFER_OVERFLOW.
pub const STATUS_BUFFER_OVERFLOW: u32 = 0x8000_0005;
/// STATUS_INVALID_PARAMETER.
pub const STATUS_INVALID_PARAMETER: u32 = 0xC000_000D;
/// STATUS_MORE_PROCESSING_REQUIRED.
pub const STATUS_MORE_PROCESSING_REQUIRED: u32 = 0xC000_0016;

/// Why a body could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// The PDU is shorter than the 64-byte header.
    NoHeader { have: usize },
    /// The fixed part of the body is cut short.
    Truncated { need: usize, have: usize },
    /// StructureSize is not the document's value for this command/direction.
    StructureSize { expected: u16, found: u16 },
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::NoHeader { have } => {
                write!(f, "PDU of {have} bytes has no room for the 64-byte header")
            }
            BodyError::Truncated { need, have } => {
                write!(
                    f,
                    "body cut short: fixed part needs {need} bytes, {have} present"
                )
            }
            BodyError::StructureSize { expected, found } => {
                write!(f, "StructureSize {found}, expected {expected}")
            }
        }
    }
}
impl std::error::Error for BodyError {}

/// Returns the body (all of `pdu` after the header) after checking its
/// StructureSize and that `fixed_len` bytes of fixed part are present.
pub(crate) fn fixed(pdu: &[u8], structure_size: u16, fixed_len: usize) -> Result<&[u8], BodyError> {
    let b = pdu
        .get(HEADER_LEN..)
        .ok_or(BodyError::NoHeader { have: pdu.len() })?;
    let ss = u16_at(b, 0).ok_or(BodyError::Truncated {
        need: fixed_len,
        have: b.len(),
    })?;
    if ss != structure_size {
        return Err(BodyError::StructureSize {
            expected: structure_size,
            found: ss,
        });
    }
    if b.len() < fixed_len {
        return Err(BodyError::Truncated {
            need: fixed_len,
            have: b.len(),
        });
    }
    Ok(b)
}

/// A body with no fields besides StructureSize (and Reserved): LOGOFF (2.2.7,
/// 2.2.8), TREE_DISCONNECT (2.2.11, 2.2.12), FLUSH response (2.2.18), LOCK
/// response (2.2.27), ECHO (2.2.28, 2.2.29), CANCEL (2.2.30), SET_INFO
/// response (2.2.40), SERVER_TO_CLIENT_NOTIFICATION (2.2.44, type only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Minimal {
    pub structure_size: u16,
    /// NotificationType of SERVER_TO_CLIENT_NOTIFICATION (0 = SESSION_CLOSED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_type: Option<u32>,
}

impl Minimal {
    fn parse(pdu: &[u8], structure_size: u16) -> Result<Minimal, BodyError> {
        fixed(pdu, structure_size, usize::from(structure_size & !1))?;
        Ok(Minimal {
            structure_size,
            notification_type: None,
        })
    }
}

/// A command code this module does not know; StructureSize only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct UnknownBody {
    pub command: u16,
    pub structure_size: u16,
    pub body_length: usize,
}

/// The decoded body of one SMB2 PDU. Serialized flat (untagged): see the module doc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Body {
    NegotiateRequest(NegotiateRequest),
    NegotiateResponse(NegotiateResponse),
    SessionSetupRequest(SessionSetupRequest),
    SessionSetupResponse(SessionSetupResponse),
    TreeConnectRequest(TreeConnectRequest),
    TreeConnectResponse(TreeConnectResponse),
    CreateRequest(CreateRequest),
    CreateResponse(Box<CreateResponse>),
    CloseRequest(CloseRequest),
    CloseResponse(CloseResponse),
    FlushRequest(FlushRequest),
    ReadRequest(ReadRequest),
    ReadResponse(ReadResponse),
    WriteRequest(WriteRequest),
    WriteResponse(WriteResponse),
    LockRequest(LockRequest),
    IoctlRequest(IoctlRequest),
    IoctlResponse(IoctlResponse),
    QueryDirectoryRequest(QueryDirectoryRequest),
    /// QUERY_DIRECTORY (2.2.34), CHANGE_NOTIFY (2.2.36) and QUERY_INFO (2.2.38) responses.
    OutputBuffer(OutputBufferResponse),
    ChangeNotifyRequest(ChangeNotifyRequest),
    QueryInfoRequest(QueryInfoRequest),
    SetInfoRequest(SetInfoRequest),
    OplockBreak(OplockBreak),
    Minimal(Minimal),
    Error(ErrorResponse),
    Unknown(UnknownBody),
}

/// True when 3.3.4.4 says this (command, status) carries the normal body.
fn status_keeps_body(cmd: Command, status: u32) -> bool {
    matches!(
        (cmd, status),
        (Command::SESSION_SETUP, STATUS_MORE_PROCESSING_REQUIRED)
            | (Command::QUERY_INFO, STATUS_BUFFER_OVERFLOW)
            | (Command::IOCTL, STATUS_BUFFER_OVERFLOW)
            | (Command::READ, STATUS_BUFFER_OVERFLOW)
            | (Command::IOCTL, STATUS_INVALID_PARAMETER)
            | (Command::CHANGE_NOTIFY, STATUS_NOTIFY_ENUM_DIR)
            | (Command::CHANGE_NOTIFY, STATUS_BUFFER_OVERFLOW)
    )
}

/// StructureSize of the command's normal response, for the commands whose
/// response is not 9 bytes like the ERROR response.
fn normal_response_size(cmd: Command) -> Option<u16> {
    Some(match cmd {
        Command::IOCTL => 49,
        Command::READ => 17,
        _ => return None,
    })
}

/// Decodes the body of the SMB2 PDU `pdu` (header included) whose header is `h`.
pub fn parse_body(h: &Smb2Header, pdu: &[u8]) -> Result<Body, BodyError> {
    if pdu.len() < HEADER_LEN {
        return Err(BodyError::NoHeader { have: pdu.len() });
    }
    let resp = h.is_response();
    let cmd = h.command;
    let ss = u16_at(pdu, HEADER_LEN);
    if resp && h.status != 0 {
        let keep = status_keeps_body(cmd, h.status);
        let is_error_layout = if keep {
            // e.g. a READ answered with a 9-byte error body despite the status
            ss == Some(9) && normal_response_size(cmd).is_some()
        } else {
            ss == Some(9) || ss.is_none()
        };
        if is_error_layout {
            return ErrorResponse::parse(pdu, h.status).map(Body::Error);
        }
    }
    let body = match (cmd, resp) {
        (Command::NEGOTIATE, false) => Body::NegotiateRequest(NegotiateRequest::parse(pdu)?),
        (Command::NEGOTIATE, true) => Body::NegotiateResponse(NegotiateResponse::parse(pdu)?),
        (Command::SESSION_SETUP, false) => {
            Body::SessionSetupRequest(SessionSetupRequest::parse(pdu)?)
        }
        (Command::SESSION_SETUP, true) => {
            Body::SessionSetupResponse(SessionSetupResponse::parse(pdu)?)
        }
        (Command::LOGOFF, _)
        | (Command::TREE_DISCONNECT, _)
        | (Command::ECHO, _)
        | (Command::CANCEL, false) => Body::Minimal(Minimal::parse(pdu, 4)?),
        (Command::TREE_CONNECT, false) => Body::TreeConnectRequest(TreeConnectRequest::parse(pdu)?),
        (Command::TREE_CONNECT, true) => {
            Body::TreeConnectResponse(TreeConnectResponse::parse(pdu)?)
        }
        (Command::CREATE, false) => Body::CreateRequest(CreateRequest::parse(pdu)?),
        (Command::CREATE, true) => Body::CreateResponse(Box::new(CreateResponse::parse(pdu)?)),
        (Command::CLOSE, false) => Body::CloseRequest(CloseRequest::parse(pdu)?),
        (Command::CLOSE, true) => Body::CloseResponse(CloseResponse::parse(pdu)?),
        (Command::FLUSH, false) => Body::FlushRequest(FlushRequest::parse(pdu)?),
        (Command::FLUSH, true) | (Command::LOCK, true) => Body::Minimal(Minimal::parse(pdu, 4)?),
        (Command::READ, false) => Body::ReadRequest(ReadRequest::parse(pdu)?),
        (Command::READ, true) => Body::ReadResponse(ReadResponse::parse(pdu)?),
        (Command::WRITE, false) => Body::WriteRequest(WriteRequest::parse(pdu)?),
        (Command::WRITE, true) => Body::WriteResponse(WriteResponse::parse(pdu)?),
        (Command::LOCK, false) => Body::LockRequest(LockRequest::parse(pdu)?),
        (Command::IOCTL, false) => Body::IoctlRequest(IoctlRequest::parse(pdu)?),
        (Command::IOCTL, true) => Body::IoctlResponse(IoctlResponse::parse(pdu)?),
        (Command::QUERY_DIRECTORY, false) => {
            Body::QueryDirectoryRequest(QueryDirectoryRequest::parse(pdu)?)
        }
        (Command::QUERY_DIRECTORY, true)
        | (Command::CHANGE_NOTIFY, true)
        | (Command::QUERY_INFO, true) => Body::OutputBuffer(OutputBufferResponse::parse(pdu)?),
        (Command::CHANGE_NOTIFY, false) => {
            Body::ChangeNotifyRequest(ChangeNotifyRequest::parse(pdu)?)
        }
        (Command::QUERY_INFO, false) => Body::QueryInfoRequest(QueryInfoRequest::parse(pdu)?),
        (Command::SET_INFO, false) => Body::SetInfoRequest(SetInfoRequest::parse(pdu)?),
        (Command::SET_INFO, true) => Body::Minimal(Minimal::parse(pdu, 2)?),
        (Command::OPLOCK_BREAK, _) => Body::OplockBreak(OplockBreak::parse(pdu)?),
        (Command::SERVER_TO_CLIENT_NOTIFICATION, _) => {
            let b = fixed(pdu, 4, 4)?;
            Body::Minimal(Minimal {
                structure_size: 4,
                notification_type: super::wire::u32_at(b, 4),
            })
        }
        _ => Body::Unknown(UnknownBody {
            command: cmd.0,
            structure_size: ss.unwrap_or(0),
            body_length: pdu.len() - HEADER_LEN,
        }),
    };
    Ok(body)
}

impl Body {
    /// The security buffer (GSS token) of NEGOTIATE responses and SESSION_SETUP
    /// requests/responses, for the auth layer: `body.security_buffer()?.slice(pdu)`.
    pub fn security_buffer(&self) -> Option<BufRef> {
        match self {
            Body::NegotiateResponse(b) => Some(b.security_buffer),
            Body::SessionSetupRequest(b) => Some(b.security_buffer),
            Body::SessionSetupResponse(b) => Some(b.security_buffer),
            _ => None,
        }
    }

    /// One line for a text table, e.g. `dialect 3.1.1 signing required, ciphers AES-128-GCM`.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`Body::summary`] to `s`.
    pub fn summary_into(&self, s: &mut String) {
        use std::fmt::Write as _;
        let part = match self {
            Body::NegotiateRequest(b) => return b.summary_into(s),
            Body::NegotiateResponse(b) => return b.summary_into(s),
            Body::SessionSetupRequest(b) => return b.summary_into(s),
            Body::SessionSetupResponse(b) => return b.summary_into(s),
            Body::TreeConnectRequest(b) => return b.summary_into(s),
            Body::TreeConnectResponse(b) => return b.summary_into(s),
            Body::CloseRequest(b) => {
                let _ = write!(s, "{}", b.file_id);
                return;
            }
            Body::FlushRequest(b) => {
                let _ = write!(s, "{}", b.file_id);
                return;
            }
            Body::CloseResponse(b) => {
                let _ = write!(s, "eof {}", b.info.end_of_file);
                return;
            }
            Body::WriteResponse(b) => {
                let _ = write!(s, "count {}", b.count);
                return;
            }
            Body::LockRequest(b) => {
                let _ = write!(s, "{} lock(s) {}", b.lock_count, b.first_flags);
                return;
            }
            Body::Minimal(_) => return,
            Body::Unknown(b) => {
                let _ = write!(s, "command 0x{:04x}, {} bytes", b.command, b.body_length);
                return;
            }
            Body::CreateRequest(b) => b.summary(),
            Body::CreateResponse(b) => b.summary(),
            Body::ReadRequest(b) => b.summary(),
            Body::ReadResponse(b) => b.summary(),
            Body::WriteRequest(b) => b.summary(),
            Body::IoctlRequest(b) => b.summary(),
            Body::IoctlResponse(b) => b.summary(),
            Body::QueryDirectoryRequest(b) => b.summary(),
            Body::OutputBuffer(b) => b.summary(),
            Body::ChangeNotifyRequest(b) => b.summary(),
            Body::QueryInfoRequest(b) => b.summary(),
            Body::SetInfoRequest(b) => b.summary(),
            Body::OplockBreak(b) => b.summary(),
            Body::Error(b) => b.summary(),
        };
        s.push_str(&part);
    }
}
