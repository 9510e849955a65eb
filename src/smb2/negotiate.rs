//! SMB2 NEGOTIATE request and response ([MS-SMB2] 2.2.3, 2.2.4) and the
//! negotiate contexts of dialect 3.1.1 ([MS-SMB2] 2.2.3.1.x, 2.2.4.1.x).

use serde::Serialize;

use super::body::{fixed, BodyError};
use super::inline::{HexCode, List, Text};
use super::wire::{
    bytes16_at, hex, is_empty_vec, open_enum, open_flags, u16_at, u32_at, u64_at,
    utf16le_text_trimmed, BufRef, FileTime, Guid, Missing,
};

/// At most this many negotiate contexts are read from one message.
pub const MAX_CONTEXTS: usize = 64;
/// At most this many dialects are read from one request (DialectCount is a u16).
pub const MAX_DIALECTS: usize = 256;
/// At most this many ids are read from one context's id list.
const MAX_IDS: usize = 64;

open_enum! {
    /// An SMB2 dialect revision ([MS-SMB2] 2.2.3 "Dialects", 2.2.4 "DialectRevision").
    ///
    /// Printed as the dialect number: "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1".
    /// 0x02FF is the SMB2 wildcard revision a server returns to an SMB1
    /// multi-protocol NEGOTIATE that offered "SMB 2.???" ([MS-SMB2] 3.3.5.3.1);
    /// tshark calls it "SMB2 wildcard", we print it "2.???" after the SMB1
    /// dialect string. 0x0222, 0x0224 and 0x0310 are pre-release numbers that
    /// some clients still offer (tshark: "deprecated").
    Dialect(u16), width 4;
    SMB2_0_2 = 0x0202 => "2.0.2",
    SMB2_1 = 0x0210 => "2.1",
    SMB2_2_2 = 0x0222 => "2.2.2",
    SMB2_2_4 = 0x0224 => "2.2.4",
    SMB2_WILDCARD = 0x02FF => "2.???",
    SMB3_0 = 0x0300 => "3.0",
    SMB3_0_2 = 0x0302 => "3.0.2",
    SMB3_1_0 = 0x0310 => "3.1.0",
    SMB3_1_1 = 0x0311 => "3.1.1",
}

impl Dialect {
    /// What the text report says after "2.???", the 0x02FF wildcard: not a
    /// dialect in use but the server's answer to an SMB1 NEGOTIATE that
    /// offered "SMB 2.???", after which the client sends an SMB2 NEGOTIATE
    /// ([MS-SMB2] 2.2.4, 3.3.5.3.1); tshark's "SMB2 wildcard (0x02ff)".
    pub const WILDCARD_MEANING: &'static str = "0x02FF, the SMB1-to-SMB2 upgrade answer";

    /// The number as tshark's `smb2.dialect` prints it, e.g. "0x0311".
    pub fn code_hex(self) -> String {
        hex(u64::from(self.0), 4)
    }
}

/// Dialects as a person reads a list of them: "2.0.2, 2.1, 3.1.1".
pub fn dialect_list(d: &[Dialect]) -> String {
    let mut out = String::new();
    crate::text::push_joined(&mut out, d, ", ");
    out
}

open_flags! {
    /// SecurityMode of NEGOTIATE and SESSION_SETUP ([MS-SMB2] 2.2.3, 2.2.4, 2.2.5).
    SecurityMode(u16), width 4;
    SIGNING_ENABLED = 0x0001 => "SIGNING_ENABLED",
    SIGNING_REQUIRED = 0x0002 => "SIGNING_REQUIRED",
}

open_flags! {
    /// Global capabilities ([MS-SMB2] 2.2.3 and 2.2.4 "Capabilities").
    Capabilities(u32), width 8;
    DFS = 0x0000_0001 => "DFS",
    LEASING = 0x0000_0002 => "LEASING",
    LARGE_MTU = 0x0000_0004 => "LARGE_MTU",
    MULTI_CHANNEL = 0x0000_0008 => "MULTI_CHANNEL",
    PERSISTENT_HANDLES = 0x0000_0010 => "PERSISTENT_HANDLES",
    DIRECTORY_LEASING = 0x0000_0020 => "DIRECTORY_LEASING",
    ENCRYPTION = 0x0000_0040 => "ENCRYPTION",
    NOTIFICATIONS = 0x0000_0080 => "NOTIFICATIONS",
}

open_enum! {
    /// Negotiate context ContextType ([MS-SMB2] 2.2.3.1).
    NegotiateContextType(u16), width 4;
    PREAUTH_INTEGRITY_CAPABILITIES = 0x0001 => "PREAUTH_INTEGRITY_CAPABILITIES",
    ENCRYPTION_CAPABILITIES = 0x0002 => "ENCRYPTION_CAPABILITIES",
    COMPRESSION_CAPABILITIES = 0x0003 => "COMPRESSION_CAPABILITIES",
    NETNAME_NEGOTIATE_CONTEXT_ID = 0x0005 => "NETNAME_NEGOTIATE_CONTEXT_ID",
    TRANSPORT_CAPABILITIES = 0x0006 => "TRANSPORT_CAPABILITIES",
    RDMA_TRANSFORM_CAPABILITIES = 0x0007 => "RDMA_TRANSFORM_CAPABILITIES",
    SIGNING_CAPABILITIES = 0x0008 => "SIGNING_CAPABILITIES",
    CONTEXTTYPE_RESERVED = 0x0100 => "CONTEXTTYPE_RESERVED",
}

open_enum! {
    /// Preauth integrity HashAlgorithms ([MS-SMB2] 2.2.3.1.1).
    HashAlgorithm(u16), width 4;
    SHA_512 = 0x0001 => "SHA-512",
}

open_enum! {
    /// Encryption Ciphers ([MS-SMB2] 2.2.3.1.2).
    Cipher(u16), width 4;
    AES_128_CCM = 0x0001 => "AES-128-CCM",
    AES_128_GCM = 0x0002 => "AES-128-GCM",
    AES_256_CCM = 0x0003 => "AES-256-CCM",
    AES_256_GCM = 0x0004 => "AES-256-GCM",
}

open_enum! {
    /// CompressionAlgorithms ([MS-SMB2] 2.2.3.1.3).
    CompressionAlgorithm(u16), width 4;
    NONE = 0x0000 => "NONE",
    LZNT1 = 0x0001 => "LZNT1",
    LZ77 = 0x0002 => "LZ77",
    LZ77_HUFFMAN = 0x0003 => "LZ77+Huffman",
    PATTERN_V1 = 0x0004 => "Pattern_V1",
    LZ4 = 0x0005 => "LZ4",
}

open_flags! {
    /// Compression capability Flags ([MS-SMB2] 2.2.3.1.3).
    CompressionFlags(u32), width 8;
    CHAINED = 0x0000_0001 => "CHAINED",
}

open_flags! {
    /// Transport capability Flags ([MS-SMB2] 2.2.3.1.5).
    TransportFlags(u32), width 8;
    ACCEPT_TRANSPORT_LEVEL_SECURITY = 0x0000_0001 => "ACCEPT_TRANSPORT_LEVEL_SECURITY",
}

open_enum! {
    /// RDMATransformIds ([MS-SMB2] 2.2.3.1.6).
    RdmaTransformId(u16), width 4;
    NONE = 0x0000 => "NONE",
    ENCRYPTION = 0x0001 => "ENCRYPTION",
    SIGNING = 0x0002 => "SIGNING",
}

open_enum! {
    /// SigningAlgorithms ([MS-SMB2] 2.2.3.1.7).
    SigningAlgorithm(u16), width 4;
    HMAC_SHA256 = 0x0000 => "HMAC-SHA256",
    AES_CMAC = 0x0001 => "AES-CMAC",
    AES_GMAC = 0x0002 => "AES-GMAC",
}

/// One negotiate context ([MS-SMB2] 2.2.3.1 SMB2 NEGOTIATE_CONTEXT).
/// Serialized as `{"type": "...", "data_length": n, <data fields>}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegotiateContext {
    pub context_type: NegotiateContextType,
    pub data_length: u16,
    pub data: ContextData,
}

/// Written as one object, the data's fields after `type` and `data_length`
/// (what `#[serde(flatten)]` wrote, without going through a map).
impl Serialize for NegotiateContext {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut o = s.serialize_struct("NegotiateContext", 4)?;
        o.serialize_field("type", &self.context_type)?;
        o.serialize_field("data_length", &self.data_length)?;
        match &self.data {
            ContextData::PreauthIntegrity {
                hash_algorithms,
                salt_length,
            } => {
                o.serialize_field("hash_algorithms", hash_algorithms)?;
                o.serialize_field("salt_length", salt_length)?;
            }
            ContextData::Encryption { ciphers } => o.serialize_field("ciphers", ciphers)?,
            ContextData::Compression {
                compression_algorithms,
                flags,
            } => {
                o.serialize_field("compression_algorithms", compression_algorithms)?;
                o.serialize_field("flags", flags)?;
            }
            ContextData::NetName { netname } => o.serialize_field("netname", netname)?,
            ContextData::Transport { flags } => o.serialize_field("flags", flags)?,
            ContextData::RdmaTransform { transform_ids } => {
                o.serialize_field("transform_ids", transform_ids)?
            }
            ContextData::Signing { signing_algorithms } => {
                o.serialize_field("signing_algorithms", signing_algorithms)?
            }
            ContextData::Other {} => {}
        }
        o.end()
    }
}

/// The decoded Data of a negotiate context (serialized by [`NegotiateContext`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextData {
    /// 2.2.3.1.1 SMB2_PREAUTH_INTEGRITY_CAPABILITIES.
    PreauthIntegrity {
        hash_algorithms: List<HashAlgorithm, 4>,
        salt_length: u16,
    },
    /// 2.2.3.1.2 SMB2_ENCRYPTION_CAPABILITIES.
    Encryption { ciphers: List<Cipher, 4> },
    /// 2.2.3.1.3 SMB2_COMPRESSION_CAPABILITIES.
    Compression {
        compression_algorithms: List<CompressionAlgorithm, 4>,
        flags: CompressionFlags,
    },
    /// 2.2.3.1.4 SMB2_NETNAME_NEGOTIATE_CONTEXT_ID.
    NetName { netname: Text },
    /// 2.2.3.1.5 SMB2_TRANSPORT_CAPABILITIES.
    Transport { flags: TransportFlags },
    /// 2.2.3.1.6 SMB2_RDMA_TRANSFORM_CAPABILITIES.
    RdmaTransform {
        transform_ids: List<RdmaTransformId, 4>,
    },
    /// 2.2.3.1.7 SMB2_SIGNING_CAPABILITIES.
    Signing {
        signing_algorithms: List<SigningAlgorithm, 4>,
    },
    /// Unknown type, or the data is too short for its type: kept by number only.
    Other {},
}

/// Reads `count` u16 ids at `at` in `d`, bounded by the bytes present and `MAX_IDS`.
fn id_list<T>(d: &[u8], at: usize, count: u16, mk: fn(u16) -> T) -> List<T, 4> {
    let n = usize::from(count)
        .min(MAX_IDS)
        .min(d.len().saturating_sub(at) / 2);
    (0..n)
        .filter_map(|i| u16_at(d, at + 2 * i).map(mk))
        .collect()
}

fn context_data(t: NegotiateContextType, d: &[u8]) -> ContextData {
    let c0 = u16_at(d, 0);
    match (t, c0) {
        (NegotiateContextType::PREAUTH_INTEGRITY_CAPABILITIES, Some(n)) => {
            ContextData::PreauthIntegrity {
                hash_algorithms: id_list(d, 4, n, HashAlgorithm),
                salt_length: u16_at(d, 2).unwrap_or(0),
            }
        }
        (NegotiateContextType::ENCRYPTION_CAPABILITIES, Some(n)) => ContextData::Encryption {
            ciphers: id_list(d, 2, n, Cipher),
        },
        (NegotiateContextType::COMPRESSION_CAPABILITIES, Some(n)) => ContextData::Compression {
            compression_algorithms: id_list(d, 8, n, CompressionAlgorithm),
            flags: CompressionFlags(u32_at(d, 4).unwrap_or(0)),
        },
        (NegotiateContextType::NETNAME_NEGOTIATE_CONTEXT_ID, _) => ContextData::NetName {
            netname: utf16le_text_trimmed(d),
        },
        (NegotiateContextType::TRANSPORT_CAPABILITIES, _) if d.len() >= 4 => {
            ContextData::Transport {
                flags: TransportFlags(u32_at(d, 0).unwrap_or(0)),
            }
        }
        (NegotiateContextType::RDMA_TRANSFORM_CAPABILITIES, Some(n)) => {
            ContextData::RdmaTransform {
                transform_ids: id_list(d, 8, n, RdmaTransformId),
            }
        }
        (NegotiateContextType::SIGNING_CAPABILITIES, Some(n)) => ContextData::Signing {
            signing_algorithms: id_list(d, 2, n, SigningAlgorithm),
        },
        _ => ContextData::Other {},
    }
}

/// Reads the negotiate context list at `offset` (from the header start).
/// Every context starts 8-byte aligned; each iteration advances by at least 8
/// bytes and the count is capped, so the walk ends.
fn contexts(
    pdu: &[u8],
    offset: u32,
    count: u16,
    missing: &mut Vec<Missing>,
) -> Vec<NegotiateContext> {
    let mut out = Vec::new();
    let mut at = offset as usize;
    let want = usize::from(count).min(MAX_CONTEXTS);
    while out.len() < want {
        let (Some(t), Some(len)) = (u16_at(pdu, at), u16_at(pdu, at + 2)) else {
            missing.push(Missing {
                what: "negotiate contexts",
                need: u32::from(count),
                have: out.len() as u32,
            });
            break;
        };
        let data_start = at + 8;
        let data_end = data_start + usize::from(len);
        let t = NegotiateContextType(t);
        let data = match pdu.get(data_start..data_end) {
            Some(d) => context_data(t, d),
            None => {
                missing.push(Missing {
                    what: "negotiate context data",
                    need: u32::from(len),
                    have: pdu.len().saturating_sub(data_start) as u32,
                });
                // decode what is present of the last context
                context_data(t, pdu.get(data_start..).unwrap_or(&[]))
            }
        };
        out.push(NegotiateContext {
            context_type: t,
            data_length: len,
            data,
        });
        if data_end > pdu.len() {
            break;
        }
        at = (data_end + 7) & !7;
    }
    out
}

/// SMB2 NEGOTIATE Request ([MS-SMB2] 2.2.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NegotiateRequest {
    /// DialectCount as sent.
    pub dialect_count: u16,
    /// The dialects offered, e.g. `["2.0.2", "2.1", "3.0", "3.0.2", "3.1.1"]`.
    pub dialects: List<Dialect, 8>,
    pub security_mode: SecurityMode,
    pub capabilities: Capabilities,
    pub client_guid: Guid,
    /// NegotiateContextOffset/Count (only meaningful when 3.1.1 is offered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiate_context_offset: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiate_context_count: Option<u16>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub negotiate_contexts: Vec<NegotiateContext>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

/// SMB2 NEGOTIATE Response ([MS-SMB2] 2.2.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NegotiateResponse {
    pub security_mode: SecurityMode,
    /// DialectRevision, e.g. "3.1.1"; "2.???" for the 0x02FF wildcard.
    pub dialect: Dialect,
    /// DialectRevision as tshark prints `smb2.dialect`, e.g. "0x0311".
    pub dialect_code: HexCode<4>,
    pub server_guid: Guid,
    pub capabilities: Capabilities,
    pub max_transact_size: u32,
    pub max_read_size: u32,
    pub max_write_size: u32,
    /// SystemTime as RFC 3339 UTC; absent when 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_time: Option<FileTime>,
    /// ServerStartTime as RFC 3339 UTC; absent when 0 (servers usually send 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_start_time: Option<FileTime>,
    /// SecurityBufferOffset/Length (the GSS/SPNEGO token; hand it to the auth layer).
    pub security_buffer: BufRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiate_context_offset: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiate_context_count: Option<u16>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub negotiate_contexts: Vec<NegotiateContext>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

impl NegotiateRequest {
    /// Fixed part: 36 bytes, StructureSize 36.
    pub fn parse(pdu: &[u8]) -> Result<NegotiateRequest, BodyError> {
        let b = fixed(pdu, 36, 36)?;
        let count = u16_at(b, 2).unwrap_or(0);
        let mut missing = Vec::new();
        let n = usize::from(count).min(MAX_DIALECTS);
        let have = b.len().saturating_sub(36) / 2;
        if have < usize::from(count) {
            missing.push(Missing {
                what: "dialects",
                need: u32::from(count) * 2,
                have: (have * 2) as u32,
            });
        }
        let dialects: List<Dialect, 8> = (0..n.min(have))
            .filter_map(|i| u16_at(b, 36 + 2 * i).map(Dialect))
            .collect();
        let has_311 = dialects.contains(&Dialect::SMB3_1_1);
        let (ctx_off, ctx_count) = if has_311 {
            (u32_at(b, 28), u16_at(b, 32))
        } else {
            (None, None)
        };
        let negotiate_contexts = match (ctx_off, ctx_count) {
            (Some(o), Some(c)) if c > 0 => contexts(pdu, o, c, &mut missing),
            _ => Vec::new(),
        };
        Ok(NegotiateRequest {
            dialect_count: count,
            dialects,
            security_mode: SecurityMode(u16_at(b, 4).unwrap_or(0)),
            capabilities: Capabilities(u32_at(b, 8).unwrap_or(0)),
            client_guid: Guid(bytes16_at(b, 12).unwrap_or_default()),
            negotiate_context_offset: ctx_off,
            negotiate_context_count: ctx_count,
            negotiate_contexts,
            missing,
        })
    }

    /// e.g. `dialects 2.0.2,2.1,3.0,3.0.2,3.1.1`
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`NegotiateRequest::summary`] to `s`.
    pub fn summary_into(&self, s: &mut String) {
        s.push_str("dialects ");
        join_into(s, &self.dialects, ",");
        if self.security_mode.contains(SecurityMode::SIGNING_REQUIRED) {
            s.push_str(" signing required");
        }
    }
}

/// Appends the display forms of a list of codes, separated by `sep`.
fn join_into<T: std::fmt::Display>(s: &mut String, v: &[T], sep: &str) {
    use std::fmt::Write as _;
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        let _ = write!(s, "{x}");
    }
}

impl NegotiateResponse {
    /// Fixed part: 64 bytes, StructureSize 65.
    pub fn parse(pdu: &[u8]) -> Result<NegotiateResponse, BodyError> {
        let b = fixed(pdu, 65, 64)?;
        let dialect = Dialect(u16_at(b, 4).unwrap_or(0));
        let mut missing = Vec::new();
        let security_buffer = BufRef::new(
            pdu,
            u32::from(u16_at(b, 56).unwrap_or(0)),
            u32::from(u16_at(b, 58).unwrap_or(0)),
        );
        security_buffer.note_missing("security buffer", &mut missing);
        let (ctx_off, ctx_count) = if dialect == Dialect::SMB3_1_1 {
            (u32_at(b, 60), u16_at(b, 6))
        } else {
            (None, None)
        };
        let negotiate_contexts = match (ctx_off, ctx_count) {
            (Some(o), Some(c)) if c > 0 => contexts(pdu, o, c, &mut missing),
            _ => Vec::new(),
        };
        Ok(NegotiateResponse {
            security_mode: SecurityMode(u16_at(b, 2).unwrap_or(0)),
            dialect,
            dialect_code: HexCode(u32::from(dialect.0)),
            server_guid: Guid(bytes16_at(b, 8).unwrap_or_default()),
            capabilities: Capabilities(u32_at(b, 24).unwrap_or(0)),
            max_transact_size: u32_at(b, 28).unwrap_or(0),
            max_read_size: u32_at(b, 32).unwrap_or(0),
            max_write_size: u32_at(b, 36).unwrap_or(0),
            system_time: FileTime::nonzero(u64_at(b, 40).unwrap_or(0)),
            server_start_time: FileTime::nonzero(u64_at(b, 48).unwrap_or(0)),
            security_buffer,
            negotiate_context_offset: ctx_off,
            negotiate_context_count: ctx_count,
            negotiate_contexts,
            missing,
        })
    }

    /// The ciphers of the ENCRYPTION_CAPABILITIES context, if any.
    pub fn ciphers(&self) -> Option<&[Cipher]> {
        self.negotiate_contexts.iter().find_map(|c| match &c.data {
            ContextData::Encryption { ciphers } => Some(ciphers.as_slice()),
            _ => None,
        })
    }

    /// e.g. `dialect 3.1.1 signing required, ciphers AES-128-GCM`
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`NegotiateResponse::summary`] to `s`.
    pub fn summary_into(&self, s: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(s, "dialect {}", self.dialect);
        if self.dialect == Dialect::SMB2_WILDCARD {
            s.push_str(" (");
            s.push_str(Dialect::WILDCARD_MEANING);
            s.push(')');
        }
        if self.security_mode.contains(SecurityMode::SIGNING_REQUIRED) {
            s.push_str(" signing required");
        } else if self.security_mode.contains(SecurityMode::SIGNING_ENABLED) {
            s.push_str(" signing enabled");
        }
        // Each listed context follows ", ".
        for c in &self.negotiate_contexts {
            match &c.data {
                ContextData::Encryption { ciphers } => {
                    s.push_str(", ciphers ");
                    join_into(s, ciphers, ",");
                }
                ContextData::Signing { signing_algorithms } => {
                    s.push_str(", signing ");
                    join_into(s, signing_algorithms, ",");
                }
                ContextData::Compression {
                    compression_algorithms,
                    ..
                } => {
                    s.push_str(", compression ");
                    join_into(s, compression_algorithms, ",");
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr() -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(&[0xFE, b'S', b'M', b'B']);
        h[4] = 64;
        h
    }

    #[test]
    fn dialect_names() {
        assert_eq!(Dialect(0x02FF).to_string(), "2.???");
        assert_eq!(Dialect(0x0311).to_string(), "3.1.1");
        assert_eq!(Dialect(0x0399).to_string(), "0x0399");
        assert_eq!(Dialect(0x02FF).code_hex(), "0x02ff");
    }

    #[test]
    fn request_with_contexts_and_unknown_type() {
        let mut p = hdr();
        let mut b = vec![0u8; 36];
        b[0] = 36;
        b[2] = 2; // dialect count
        b[4] = 1; // signing enabled
        b[28..32].copy_from_slice(&(64u32 + 40).to_le_bytes());
        b[32] = 2; // context count
        p.extend_from_slice(&b);
        p.extend_from_slice(&[0x02, 0x03, 0x11, 0x03]); // 3.0.2, 3.1.1 -> offset 104
                                                        // encryption: 2 ciphers
        p.extend_from_slice(&[2, 0, 6, 0, 0, 0, 0, 0, 2, 0, 2, 0, 1, 0]);
        p.extend_from_slice(&[0, 0]); // pad to 8
                                      // unknown type 0x99 with 3 bytes
        p.extend_from_slice(&[0x99, 0, 3, 0, 0, 0, 0, 0, 1, 2, 3]);
        let r = NegotiateRequest::parse(&p).unwrap();
        assert_eq!(&r.dialects[..], [Dialect::SMB3_0_2, Dialect::SMB3_1_1]);
        assert_eq!(r.negotiate_contexts.len(), 2);
        assert_eq!(
            r.negotiate_contexts[0].data,
            ContextData::Encryption {
                ciphers: [Cipher::AES_128_GCM, Cipher::AES_128_CCM]
                    .into_iter()
                    .collect()
            }
        );
        assert_eq!(
            r.negotiate_contexts[1].context_type,
            NegotiateContextType(0x99)
        );
        assert!(r.missing.is_empty());
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["dialects"][1], "3.1.1");
        assert_eq!(j["negotiate_contexts"][0]["ciphers"][0], "AES-128-GCM");
        assert_eq!(j["negotiate_contexts"][1]["type"], "0x0099");
        assert_eq!(r.summary(), "dialects 3.0.2,3.1.1");
    }
}
