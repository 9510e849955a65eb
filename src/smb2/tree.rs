//! SMB2 TREE_CONNECT request and response ([MS-SMB2] 2.2.9, 2.2.9.1, 2.2.10).
//! (TREE_DISCONNECT, 2.2.11/2.2.12, is a [`Minimal`](super::body::Minimal) body.)

use serde::Serialize;

use super::body::{fixed, BodyError};
use super::inline::{HexCode, Text};
use super::wire::{
    is_empty_vec, open_enum, open_flags, u16_at, u32_at, u8_at, utf16le_text_trimmed, AccessMask,
    BufRef, Missing,
};

/// At most this many tree connect contexts are listed.
const MAX_TREE_CONTEXTS: usize = 32;

open_flags! {
    /// TREE_CONNECT request Flags (3.1.1; Reserved before) ([MS-SMB2] 2.2.9).
    TreeConnectFlags(u16), width 4;
    CLUSTER_RECONNECT = 0x0001 => "CLUSTER_RECONNECT",
    REDIRECT_TO_OWNER = 0x0002 => "REDIRECT_TO_OWNER",
    EXTENSION_PRESENT = 0x0004 => "EXTENSION_PRESENT",
}

open_enum! {
    /// Tree connect context ContextType ([MS-SMB2] 2.2.9.2).
    TreeConnectContextType(u16), width 4;
    RESERVED = 0x0000 => "RESERVED_TREE_CONNECT_CONTEXT_ID",
    REMOTED_IDENTITY = 0x0001 => "REMOTED_IDENTITY_TREE_CONNECT_CONTEXT_ID",
}

/// One SMB2_TREE_CONNECT_CONTEXT ([MS-SMB2] 2.2.9.2), type and size only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeConnectContext {
    #[serde(rename = "type")]
    pub context_type: TreeConnectContextType,
    pub data_length: u16,
}

/// SMB2 TREE_CONNECT Request Extension ([MS-SMB2] 2.2.9.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeConnectExtension {
    /// TreeConnectContextOffset, from the start of the TREE_CONNECT request
    /// (the body, after the 64-byte header).
    pub tree_connect_context_offset: u32,
    pub tree_connect_context_count: u16,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub contexts: Vec<TreeConnectContext>,
}

/// SMB2 TREE_CONNECT Request ([MS-SMB2] 2.2.9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeConnectRequest {
    pub flags: TreeConnectFlags,
    /// The share path as sent (UTF-16LE decoded), e.g. `\\server\share`.
    pub share: Text,
    /// PathOffset/PathLength.
    pub path: BufRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<TreeConnectExtension>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

open_enum! {
    /// TREE_CONNECT response ShareType ([MS-SMB2] 2.2.10).
    ShareType(u8), width 2;
    DISK = 0x01 => "DISK",
    PIPE = 0x02 => "PIPE",
    PRINT = 0x03 => "PRINT",
}

open_enum! {
    /// The offline caching policy held in ShareFlags bits 0x30 ([MS-SMB2] 2.2.10).
    CachingPolicy(u32), width 8;
    MANUAL = 0x0000_0000 => "MANUAL_CACHING",
    AUTO = 0x0000_0010 => "AUTO_CACHING",
    VDO = 0x0000_0020 => "VDO_CACHING",
    NO = 0x0000_0030 => "NO_CACHING",
}

open_flags! {
    /// TREE_CONNECT response ShareFlags without the caching bits ([MS-SMB2] 2.2.10).
    ShareFlags(u32), width 8;
    DFS = 0x0000_0001 => "DFS",
    DFS_ROOT = 0x0000_0002 => "DFS_ROOT",
    RESTRICT_EXCLUSIVE_OPENS = 0x0000_0100 => "RESTRICT_EXCLUSIVE_OPENS",
    FORCE_SHARED_DELETE = 0x0000_0200 => "FORCE_SHARED_DELETE",
    ALLOW_NAMESPACE_CACHING = 0x0000_0400 => "ALLOW_NAMESPACE_CACHING",
    ACCESS_BASED_DIRECTORY_ENUM = 0x0000_0800 => "ACCESS_BASED_DIRECTORY_ENUM",
    FORCE_LEVELII_OPLOCK = 0x0000_1000 => "FORCE_LEVELII_OPLOCK",
    ENABLE_HASH_V1 = 0x0000_2000 => "ENABLE_HASH_V1",
    ENABLE_HASH_V2 = 0x0000_4000 => "ENABLE_HASH_V2",
    ENCRYPT_DATA = 0x0000_8000 => "ENCRYPT_DATA",
    IDENTITY_REMOTING = 0x0004_0000 => "IDENTITY_REMOTING",
    COMPRESS_DATA = 0x0010_0000 => "COMPRESS_DATA",
    ISOLATED_TRANSPORT = 0x0020_0000 => "ISOLATED_TRANSPORT",
}

open_flags! {
    /// TREE_CONNECT response Capabilities ([MS-SMB2] 2.2.10).
    ShareCapabilities(u32), width 8;
    DFS = 0x0000_0008 => "DFS",
    CONTINUOUS_AVAILABILITY = 0x0000_0010 => "CONTINUOUS_AVAILABILITY",
    SCALEOUT = 0x0000_0020 => "SCALEOUT",
    CLUSTER = 0x0000_0040 => "CLUSTER",
    ASYMMETRIC = 0x0000_0080 => "ASYMMETRIC",
    REDIRECT_TO_OWNER = 0x0000_0100 => "REDIRECT_TO_OWNER",
}

/// SMB2 TREE_CONNECT Response ([MS-SMB2] 2.2.10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeConnectResponse {
    pub share_type: ShareType,
    /// ShareFlags as sent (hex).
    pub share_flags_raw: HexCode<8>,
    /// ShareFlags by name (the caching bits are in `caching`).
    pub share_flags: ShareFlags,
    pub caching: CachingPolicy,
    pub capabilities: ShareCapabilities,
    pub maximal_access: AccessMask,
}

impl TreeConnectRequest {
    /// Fixed part: 8 bytes, StructureSize 9.
    pub fn parse(pdu: &[u8]) -> Result<TreeConnectRequest, BodyError> {
        let b = fixed(pdu, 9, 8)?;
        let flags = TreeConnectFlags(u16_at(b, 2).unwrap_or(0));
        let mut off = u32::from(u16_at(b, 4).unwrap_or(0));
        let mut len = u32::from(u16_at(b, 6).unwrap_or(0));
        let mut missing = Vec::new();
        let mut extension = None;
        if flags.contains(TreeConnectFlags::EXTENSION_PRESENT) {
            // 2.2.9.1: the extension is at the beginning of Buffer (offset 72).
            let ext_at = 72usize;
            let ctx_off = u32_at(pdu, ext_at);
            let ctx_count = u16_at(pdu, ext_at + 4);
            if let (Some(ctx_off), Some(ctx_count)) = (ctx_off, ctx_count) {
                let mut contexts = Vec::new();
                let mut at = 64usize.saturating_add(ctx_off as usize);
                while contexts.len() < usize::from(ctx_count).min(MAX_TREE_CONTEXTS) {
                    let (Some(t), Some(l)) = (u16_at(pdu, at), u16_at(pdu, at + 2)) else {
                        break;
                    };
                    contexts.push(TreeConnectContext {
                        context_type: TreeConnectContextType(t),
                        data_length: l,
                    });
                    at = (at + 8 + usize::from(l) + 7) & !7;
                }
                extension = Some(TreeConnectExtension {
                    tree_connect_context_offset: ctx_off,
                    tree_connect_context_count: ctx_count,
                    contexts,
                });
            } else {
                missing.push(Missing {
                    what: "tree connect extension",
                    need: 16,
                    have: pdu.len().saturating_sub(ext_at) as u32,
                });
            }
            // A PathOffset naming the extension itself means PathName follows
            // its 16-byte fixed part.
            if off as usize == ext_at && len >= 16 {
                off += 16;
                len -= 16;
            }
        }
        let path = BufRef::new(pdu, off, len);
        path.note_missing("path", &mut missing);
        let share = utf16le_text_trimmed(path.present_slice(pdu));
        Ok(TreeConnectRequest {
            flags,
            share,
            path,
            extension,
            missing,
        })
    }

    /// e.g. `\\srv\share`
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`TreeConnectRequest::summary`] to `s`.
    pub fn summary_into(&self, s: &mut String) {
        s.push_str(&self.share);
        if !self.missing.is_empty() {
            s.push_str(" (cut)");
        }
    }
}

impl TreeConnectResponse {
    /// Fixed part: 16 bytes, StructureSize 16.
    pub fn parse(pdu: &[u8]) -> Result<TreeConnectResponse, BodyError> {
        let b = fixed(pdu, 16, 16)?;
        let raw = u32_at(b, 4).unwrap_or(0);
        Ok(TreeConnectResponse {
            share_type: ShareType(u8_at(b, 2).unwrap_or(0)),
            share_flags_raw: HexCode(raw),
            share_flags: ShareFlags(raw & !0x30),
            caching: CachingPolicy(raw & 0x30),
            capabilities: ShareCapabilities(u32_at(b, 8).unwrap_or(0)),
            maximal_access: AccessMask(u32_at(b, 12).unwrap_or(0)),
        })
    }

    /// e.g. `DISK flags ENCRYPT_DATA`
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`TreeConnectResponse::summary`] to `s`.
    pub fn summary_into(&self, s: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(s, "{}", self.share_type);
        if self.share_flags.0 != 0 {
            let _ = write!(s, " flags {}", self.share_flags);
        }
        if self.capabilities.0 != 0 {
            let _ = write!(s, " caps {}", self.capabilities);
        }
        let _ = write!(s, " access {}", self.maximal_access);
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
    fn request_path_and_cut_path() {
        let name: Vec<u8> = "\\\\srv\\share"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let mut body = vec![9, 0, 0, 0, 72, 0, name.len() as u8, 0];
        body.extend_from_slice(&name);
        let p = with_body(&body);
        let r = TreeConnectRequest::parse(&p).unwrap();
        assert_eq!(r.share, "\\\\srv\\share");
        assert!(r.missing.is_empty());
        let cut = TreeConnectRequest::parse(&p[..p.len() - 4]).unwrap();
        assert_eq!(cut.share, "\\\\srv\\sha");
        assert_eq!(cut.missing.len(), 1);
    }

    #[test]
    fn response_flags() {
        let p = with_body(&[
            16, 0, 1, 0, 0x30, 0x80, 0, 0, 0x48, 0, 0, 0, 0xff, 0x01, 0x1f, 0x00,
        ]);
        let r = TreeConnectResponse::parse(&p).unwrap();
        assert_eq!(r.share_type, ShareType::DISK);
        assert_eq!(r.caching, CachingPolicy::NO);
        assert_eq!(r.share_flags, ShareFlags::ENCRYPT_DATA);
        assert_eq!(
            r.summary(),
            "DISK flags ENCRYPT_DATA caps DFS|CLUSTER access 0x001f01ff"
        );
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["share_type"], "DISK");
        assert_eq!(j["maximal_access"]["hex"], "0x001f01ff");
    }
}
