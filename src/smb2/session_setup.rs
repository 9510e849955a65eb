//! SMB2 SESSION_SETUP request and response ([MS-SMB2] 2.2.5, 2.2.6).
//! (LOGOFF, 2.2.7/2.2.8, has no fields besides StructureSize and is a
//! [`Minimal`](super::body::Minimal) body.)
//!
//! The security buffer (SPNEGO / NTLMSSP / Kerberos token) is not decoded
//! here: [`BufRef::slice`] hands its bytes to the auth layer.

use serde::Serialize;

use super::body::{fixed, BodyError};
use super::negotiate::{Capabilities, SecurityMode};
use super::wire::{is_empty_vec, open_flags, u16_at, u32_at, u64_at, u8_at, BufRef, Missing};

open_flags! {
    /// SESSION_SETUP request Flags ([MS-SMB2] 2.2.5).
    SessionSetupRequestFlags(u8), width 2;
    BINDING = 0x01 => "BINDING",
}

open_flags! {
    /// SESSION_SETUP response SessionFlags ([MS-SMB2] 2.2.6).
    SessionFlags(u16), width 4;
    IS_GUEST = 0x0001 => "IS_GUEST",
    IS_NULL = 0x0002 => "IS_NULL",
    ENCRYPT_DATA = 0x0004 => "ENCRYPT_DATA",
}

/// SMB2 SESSION_SETUP Request ([MS-SMB2] 2.2.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionSetupRequest {
    pub flags: SessionSetupRequestFlags,
    pub security_mode: SecurityMode,
    pub capabilities: Capabilities,
    pub channel: u32,
    /// PreviousSessionId; absent when 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_session_id: Option<u64>,
    /// SecurityBufferOffset/Length: the GSS token for the auth layer.
    pub security_buffer: BufRef,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

/// SMB2 SESSION_SETUP Response ([MS-SMB2] 2.2.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionSetupResponse {
    pub session_flags: SessionFlags,
    /// SecurityBufferOffset/Length: the GSS token for the auth layer.
    pub security_buffer: BufRef,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

impl SessionSetupRequest {
    /// Fixed part: 24 bytes, StructureSize 25.
    pub fn parse(pdu: &[u8]) -> Result<SessionSetupRequest, BodyError> {
        let b = fixed(pdu, 25, 24)?;
        let security_buffer = BufRef::new(
            pdu,
            u32::from(u16_at(b, 12).unwrap_or(0)),
            u32::from(u16_at(b, 14).unwrap_or(0)),
        );
        let mut missing = Vec::new();
        security_buffer.note_missing("security buffer", &mut missing);
        let prev = u64_at(b, 16).unwrap_or(0);
        Ok(SessionSetupRequest {
            flags: SessionSetupRequestFlags(u8_at(b, 2).unwrap_or(0)),
            security_mode: SecurityMode(u16::from(u8_at(b, 3).unwrap_or(0))),
            capabilities: Capabilities(u32_at(b, 4).unwrap_or(0)),
            channel: u32_at(b, 8).unwrap_or(0),
            previous_session_id: (prev != 0).then_some(prev),
            security_buffer,
            missing,
        })
    }

    /// e.g. `token 74 bytes, binding`
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`SessionSetupRequest::summary`] to `s`.
    pub fn summary_into(&self, s: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(s, "token {} bytes", self.security_buffer.length);
        if self.flags.contains(SessionSetupRequestFlags::BINDING) {
            s.push_str(", binding");
        }
        if let Some(p) = self.previous_session_id {
            let _ = write!(s, ", previous session 0x{p:016x}");
        }
    }
}

impl SessionSetupResponse {
    /// Fixed part: 8 bytes, StructureSize 9.
    pub fn parse(pdu: &[u8]) -> Result<SessionSetupResponse, BodyError> {
        let b = fixed(pdu, 9, 8)?;
        let security_buffer = BufRef::new(
            pdu,
            u32::from(u16_at(b, 4).unwrap_or(0)),
            u32::from(u16_at(b, 6).unwrap_or(0)),
        );
        let mut missing = Vec::new();
        security_buffer.note_missing("security buffer", &mut missing);
        Ok(SessionSetupResponse {
            session_flags: SessionFlags(u16_at(b, 2).unwrap_or(0)),
            security_buffer,
            missing,
        })
    }

    /// e.g. `token 9 bytes, flags IS_GUEST`
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`SessionSetupResponse::summary`] to `s`.
    pub fn summary_into(&self, s: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(s, "token {} bytes", self.security_buffer.length);
        if self.session_flags.0 != 0 {
            let _ = write!(s, ", flags {}", self.session_flags);
        }
    }
}
