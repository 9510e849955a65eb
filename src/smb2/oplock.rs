//! SMB2 OPLOCK_BREAK: oplock break notification / acknowledgment / response
//! ([MS-SMB2] 2.2.23.1, 2.2.24.1, 2.2.25.1; StructureSize 24) and lease break
//! notification (2.2.23.2; StructureSize 44) / acknowledgment / response
//! (2.2.24.2, 2.2.25.2; StructureSize 36). Minimal: the levels/states and ids.

use serde::Serialize;

use super::body::{fixed, BodyError};
use super::create::OplockLevel;
use super::wire::{bytes16_at, open_flags, u16_at, u32_at, u8_at, FileId, Guid};

open_flags! {
    /// Lease state ([MS-SMB2] 2.2.13.2.8).
    LeaseState(u32), width 8;
    READ_CACHING = 0x01 => "READ_CACHING",
    HANDLE_CACHING = 0x02 => "HANDLE_CACHING",
    WRITE_CACHING = 0x04 => "WRITE_CACHING",
}

/// An OPLOCK_BREAK body in one of its three layouts, told apart by StructureSize.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OplockBreak {
    /// 2.2.23.1 / 2.2.24.1 / 2.2.25.1.
    Oplock {
        oplock_level: OplockLevel,
        file_id: FileId,
    },
    /// 2.2.23.2 Lease Break Notification.
    LeaseBreakNotification {
        new_epoch: u16,
        lease_key: Guid,
        current_lease_state: LeaseState,
        new_lease_state: LeaseState,
    },
    /// 2.2.24.2 / 2.2.25.2 Lease Break Acknowledgment / Response.
    LeaseBreakAck {
        lease_key: Guid,
        lease_state: LeaseState,
    },
}

impl OplockBreak {
    pub fn parse(pdu: &[u8]) -> Result<OplockBreak, BodyError> {
        match u16_at(pdu, 64) {
            Some(44) => {
                let b = fixed(pdu, 44, 44)?;
                Ok(OplockBreak::LeaseBreakNotification {
                    new_epoch: u16_at(b, 2).unwrap_or(0),
                    lease_key: Guid(bytes16_at(b, 8).unwrap_or_default()),
                    current_lease_state: LeaseState(u32_at(b, 24).unwrap_or(0)),
                    new_lease_state: LeaseState(u32_at(b, 28).unwrap_or(0)),
                })
            }
            Some(36) => {
                let b = fixed(pdu, 36, 36)?;
                Ok(OplockBreak::LeaseBreakAck {
                    lease_key: Guid(bytes16_at(b, 8).unwrap_or_default()),
                    lease_state: LeaseState(u32_at(b, 24).unwrap_or(0)),
                })
            }
            _ => {
                let b = fixed(pdu, 24, 24)?;
                Ok(OplockBreak::Oplock {
                    oplock_level: OplockLevel(u8_at(b, 2).unwrap_or(0)),
                    file_id: FileId::at(b, 8).unwrap_or_default(),
                })
            }
        }
    }

    pub fn summary(&self) -> String {
        match self {
            OplockBreak::Oplock {
                oplock_level,
                file_id,
            } => format!("oplock {oplock_level} {file_id}"),
            OplockBreak::LeaseBreakNotification {
                current_lease_state,
                new_lease_state,
                ..
            } => format!("lease {current_lease_state} -> {new_lease_state}"),
            OplockBreak::LeaseBreakAck { lease_state, .. } => format!("lease {lease_state}"),
        }
    }
}
