//! SMB2 ERROR Response ([MS-SMB2] 2.2.2) with its error contexts (2.2.2.1)
//! and the ErrorData formats of 2.2.2.2: Symbolic Link Error Response
//! (2.2.2.2.1), Share Redirect Error Context Response (2.2.2.2.2) and the
//! STATUS_BUFFER_TOO_SMALL minimum length.
//!
//! The interim response to an async request (STATUS_PENDING) also uses this
//! format ([MS-SMB2] 3.3.4.2).

use serde::Serialize;

use super::body::{fixed, BodyError};
use super::wire::{is_empty_vec, open_enum, u16_at, u32_at, u8_at, utf16le, BufRef, Missing};

/// STATUS_STOPPED_ON_SYMLINK ([MS-ERREF] 2.3.1).
pub const STATUS_STOPPED_ON_SYMLINK: u32 = 0x8000_002D;
/// STATUS_BUFFER_TOO_SMALL.
pub const STATUS_BUFFER_TOO_SMALL: u32 = 0xC000_0023;
/// STATUS_BAD_NETWORK_NAME.
pub const STATUS_BAD_NETWORK_NAME: u32 = 0xC000_00CC;

/// At most this many error contexts are read.
const MAX_ERROR_CONTEXTS: usize = 16;
/// At most this many IP addresses of a share redirect are read.
const MAX_REDIRECT_IPS: usize = 16;

open_enum! {
    /// ErrorId of an SMB2 ERROR Context Response ([MS-SMB2] 2.2.2.1).
    ErrorId(u32), width 8;
    DEFAULT = 0x0000_0000 => "SMB2_ERROR_ID_DEFAULT",
    SHARE_REDIRECT = 0x7264_5253 => "SMB2_ERROR_ID_SHARE_REDIRECT",
}

/// Symbolic Link Error Response ([MS-SMB2] 2.2.2.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SymlinkError {
    pub unparsed_path_length: u16,
    pub substitute_name: String,
    pub print_name: String,
    /// Flags: 1 = SYMLINK_FLAG_RELATIVE.
    pub flags: u32,
}

/// Share Redirect Error Context Response ([MS-SMB2] 2.2.2.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShareRedirectError {
    pub notification_type: u32,
    pub target_type: u16,
    /// The IP addresses to move to (MOVE_DST_IPADDR, 2.2.2.2.2.1), as text.
    pub ip_addresses: Vec<String>,
    pub resource_name: String,
}

/// The decoded ErrorData or ErrorContextData.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ErrorData {
    Symlink {
        symlink: SymlinkError,
    },
    ShareRedirect {
        share_redirect: ShareRedirectError,
    },
    /// STATUS_BUFFER_TOO_SMALL: the minimum buffer length required.
    BufferTooSmall {
        minimum_length: u32,
    },
}

/// One SMB2 ERROR Context Response ([MS-SMB2] 2.2.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorContext {
    pub error_id: ErrorId,
    pub error_data_length: u32,
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub data: Option<ErrorData>,
}

/// SMB2 ERROR Response ([MS-SMB2] 2.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorResponse {
    pub error_context_count: u8,
    pub byte_count: u32,
    /// ErrorData (from offset 72 of the PDU, ByteCount bytes); absent when empty.
    #[serde(skip_serializing_if = "BufRef::is_empty")]
    pub error_data: BufRef,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub error_contexts: Vec<ErrorContext>,
    /// ErrorData decoded by the header's Status when there are no contexts.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub data: Option<ErrorData>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

fn symlink(d: &[u8]) -> Option<SymlinkError> {
    // SymLinkLength(4) SymLinkErrorTag(4) ReparseTag(4) ReparseDataLength(2)
    // UnparsedPathLength(2) SubstituteNameOffset(2) SubstituteNameLength(2)
    // PrintNameOffset(2) PrintNameLength(2) Flags(4) PathBuffer
    if u32_at(d, 4)? != 0x4C4D_5953 {
        return None;
    }
    let pb = d.get(28..)?;
    let name = |off: usize, len: usize| {
        let s = pb
            .get(off..off.saturating_add(len).min(pb.len()))
            .unwrap_or(&[]);
        utf16le(s)
    };
    Some(SymlinkError {
        unparsed_path_length: u16_at(d, 14)?,
        substitute_name: name(usize::from(u16_at(d, 16)?), usize::from(u16_at(d, 18)?)),
        print_name: name(usize::from(u16_at(d, 20)?), usize::from(u16_at(d, 22)?)),
        flags: u32_at(d, 24)?,
    })
}

fn share_redirect(d: &[u8]) -> Option<ShareRedirectError> {
    // StructureSize(4) NotificationType(4) ResourceNameOffset(4)
    // ResourceNameLength(4) Reserved(2) TargetType(2) IPAddrCount(4) IPAddrMoveList
    let off = u32_at(d, 8)? as usize;
    let len = u32_at(d, 12)? as usize;
    let count = (u32_at(d, 20)? as usize).min(MAX_REDIRECT_IPS);
    let mut ips = Vec::new();
    for i in 0..count {
        let at = 24 + 24 * i;
        let Some(e) = d.get(at..at + 24) else { break };
        match u32_at(e, 0) {
            Some(1) => ips.push(format!("{}.{}.{}.{}", e[8], e[9], e[10], e[11])),
            Some(2) => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&e[8..24]);
                ips.push(std::net::Ipv6Addr::from(a).to_string());
            }
            _ => {}
        }
    }
    let name = d
        .get(off..off.saturating_add(len).min(d.len()))
        .unwrap_or(&[]);
    Some(ShareRedirectError {
        notification_type: u32_at(d, 4)?,
        target_type: u16_at(d, 18)?,
        ip_addresses: ips,
        resource_name: utf16le(name),
    })
}

fn by_status(status: u32, d: &[u8]) -> Option<ErrorData> {
    match status {
        STATUS_STOPPED_ON_SYMLINK => symlink(d).map(|symlink| ErrorData::Symlink { symlink }),
        STATUS_BUFFER_TOO_SMALL => {
            u32_at(d, 0).map(|minimum_length| ErrorData::BufferTooSmall { minimum_length })
        }
        _ => None,
    }
}

impl ErrorResponse {
    /// Fixed part: 8 bytes, StructureSize 9. `status` is the header's Status.
    pub fn parse(pdu: &[u8], status: u32) -> Result<ErrorResponse, BodyError> {
        let b = fixed(pdu, 9, 8)?;
        let count = u8_at(b, 2).unwrap_or(0);
        let byte_count = u32_at(b, 4).unwrap_or(0);
        let error_data = BufRef::new(pdu, 72, byte_count);
        let mut missing = Vec::new();
        error_data.note_missing("error data", &mut missing);
        let d = error_data.present_slice(pdu);
        let mut error_contexts = Vec::new();
        let mut data = None;
        if count > 0 {
            // 2.2.2.1: ErrorDataLength(4) ErrorId(4) ErrorContextData, 8-byte aligned.
            let mut at = 0usize;
            while error_contexts.len() < usize::from(count).min(MAX_ERROR_CONTEXTS) {
                let (Some(len), Some(id)) = (u32_at(d, at), u32_at(d, at + 4)) else {
                    break;
                };
                let start = at + 8;
                let end = start.saturating_add(len as usize);
                let cd = d.get(start..end.min(d.len())).unwrap_or(&[]);
                let id = ErrorId(id);
                let data = if id == ErrorId::SHARE_REDIRECT {
                    share_redirect(cd)
                        .map(|share_redirect| ErrorData::ShareRedirect { share_redirect })
                } else {
                    by_status(status, cd)
                };
                error_contexts.push(ErrorContext {
                    error_id: id,
                    error_data_length: len,
                    data,
                });
                at = end.saturating_add(7) & !7;
                if at >= d.len() {
                    break;
                }
            }
        } else {
            data = by_status(status, d);
        }
        Ok(ErrorResponse {
            error_context_count: count,
            byte_count,
            error_data,
            error_contexts,
            data,
            missing,
        })
    }

    /// e.g. `error data 0 bytes`, `symlink -> \??\C:\target`
    pub fn summary(&self) -> String {
        let data = self
            .data
            .as_ref()
            .or_else(|| self.error_contexts.iter().find_map(|c| c.data.as_ref()));
        match data {
            Some(ErrorData::Symlink { symlink }) => {
                format!("symlink -> {}", symlink.substitute_name)
            }
            Some(ErrorData::ShareRedirect { share_redirect }) => {
                format!(
                    "share redirect {} {}",
                    share_redirect.resource_name,
                    share_redirect.ip_addresses.join(",")
                )
            }
            Some(ErrorData::BufferTooSmall { minimum_length }) => {
                format!("buffer too small, need {minimum_length}")
            }
            None => format!("error data {} bytes", self.byte_count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_body(body: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; 64];
        p[..4].copy_from_slice(&[0xFE, b'S', b'M', b'B']);
        p.extend_from_slice(body);
        p
    }

    #[test]
    fn symlink_error() {
        let sub: Vec<u8> = "\\??\\C:\\t"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let prn: Vec<u8> = "C:\\t"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let mut sl = Vec::new();
        sl.extend_from_slice(&0u32.to_le_bytes()); // SymLinkLength (fixed below)
        sl.extend_from_slice(&0x4C4D_5953u32.to_le_bytes());
        sl.extend_from_slice(&0xA000_000Cu32.to_le_bytes());
        sl.extend_from_slice(&0u16.to_le_bytes());
        sl.extend_from_slice(&0u16.to_le_bytes());
        sl.extend_from_slice(&0u16.to_le_bytes());
        sl.extend_from_slice(&(sub.len() as u16).to_le_bytes());
        sl.extend_from_slice(&(sub.len() as u16).to_le_bytes());
        sl.extend_from_slice(&(prn.len() as u16).to_le_bytes());
        sl.extend_from_slice(&0u32.to_le_bytes());
        sl.extend_from_slice(&sub);
        sl.extend_from_slice(&prn);
        let mut body = vec![9, 0, 0, 0];
        body.extend_from_slice(&(sl.len() as u32).to_le_bytes());
        body.extend_from_slice(&sl);
        let p = with_body(&body);
        let e = ErrorResponse::parse(&p, STATUS_STOPPED_ON_SYMLINK).unwrap();
        assert_eq!(e.summary(), "symlink -> \\??\\C:\\t");
        let j = serde_json::to_value(&e).unwrap();
        assert_eq!(j["symlink"]["print_name"], "C:\\t");
        // cut: decode what is there, say what is missing
        let e = ErrorResponse::parse(&p[..p.len() - 6], STATUS_STOPPED_ON_SYMLINK).unwrap();
        assert_eq!(e.missing.len(), 1);
    }

    #[test]
    fn pending_interim() {
        let p = with_body(&[9, 0, 0, 0, 0, 0, 0, 0, 0]);
        let e = ErrorResponse::parse(&p, 0x103).unwrap();
        assert_eq!(e.byte_count, 0);
        assert_eq!(e.summary(), "error data 0 bytes");
    }
}
