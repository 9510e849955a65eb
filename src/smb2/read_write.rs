//! SMB2 READ, WRITE, FLUSH and LOCK ([MS-SMB2] 2.2.17 to 2.2.22, 2.2.26, 2.2.27).
//!
//! These are the hot path: the bodies hold plain numbers and Copy types only,
//! nothing here allocates. Data buffers are never read; the lead may hand us
//! only the fixed part of a READ response or WRITE request, and `data_present`
//! says how many data bytes were in what we got.

use serde::Serialize;

use super::body::{fixed, BodyError};
use super::wire::{open_enum, open_flags, u16_at, u32_at, u64_at, u8_at, FileId};

open_flags! {
    /// READ request Flags ([MS-SMB2] 2.2.19).
    ReadFlags(u8), width 2;
    READ_UNBUFFERED = 0x01 => "READ_UNBUFFERED",
    REQUEST_COMPRESSED = 0x02 => "REQUEST_COMPRESSED",
}

open_enum! {
    /// Channel of READ and WRITE ([MS-SMB2] 2.2.19, 2.2.21).
    Channel(u32), width 8;
    NONE = 0 => "NONE",
    RDMA_V1 = 1 => "RDMA_V1",
    RDMA_V1_INVALIDATE = 2 => "RDMA_V1_INVALIDATE",
    RDMA_TRANSFORM = 3 => "RDMA_TRANSFORM",
}

open_flags! {
    /// WRITE request Flags ([MS-SMB2] 2.2.21).
    WriteFlags(u32), width 8;
    WRITE_THROUGH = 0x0000_0001 => "WRITE_THROUGH",
    WRITE_UNBUFFERED = 0x0000_0002 => "WRITE_UNBUFFERED",
}

/// SMB2 READ Request ([MS-SMB2] 2.2.19).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReadRequest {
    pub flags: ReadFlags,
    pub length: u32,
    pub offset: u64,
    pub file_id: FileId,
    pub minimum_count: u32,
    pub channel: Channel,
    pub remaining_bytes: u32,
}

/// SMB2 READ Response ([MS-SMB2] 2.2.20).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReadResponse {
    /// DataOffset, from the start of the SMB2 header.
    pub data_offset: u8,
    pub data_length: u32,
    pub data_remaining: u32,
    /// Bytes of the data present in the PDU we were given.
    pub data_present: u32,
}

/// SMB2 WRITE Request ([MS-SMB2] 2.2.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WriteRequest {
    /// DataOffset, from the start of the SMB2 header.
    pub data_offset: u16,
    pub length: u32,
    pub offset: u64,
    pub file_id: FileId,
    pub channel: Channel,
    pub remaining_bytes: u32,
    pub flags: WriteFlags,
    /// Bytes of the data present in the PDU we were given.
    pub data_present: u32,
}

/// SMB2 WRITE Response ([MS-SMB2] 2.2.22).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WriteResponse {
    pub count: u32,
    pub remaining: u32,
}

/// SMB2 FLUSH Request ([MS-SMB2] 2.2.17).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FlushRequest {
    pub file_id: FileId,
}

open_flags! {
    /// SMB2_LOCK_ELEMENT Flags ([MS-SMB2] 2.2.26.1).
    LockFlags(u32), width 8;
    SHARED_LOCK = 0x01 => "SHARED_LOCK",
    EXCLUSIVE_LOCK = 0x02 => "EXCLUSIVE_LOCK",
    UNLOCK = 0x04 => "UNLOCK",
    FAIL_IMMEDIATELY = 0x10 => "FAIL_IMMEDIATELY",
}

/// SMB2 LOCK Request ([MS-SMB2] 2.2.26): the fixed part and the first
/// SMB2_LOCK_ELEMENT (2.2.26.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LockRequest {
    pub lock_count: u16,
    pub lock_sequence: u32,
    pub file_id: FileId,
    pub first_offset: u64,
    pub first_length: u64,
    pub first_flags: LockFlags,
}

fn data_present(pdu: &[u8], offset: usize, length: u32) -> u32 {
    let end = offset.saturating_add(length as usize).min(pdu.len());
    end.saturating_sub(offset) as u32
}

impl ReadRequest {
    /// Fixed part: 48 bytes, StructureSize 49.
    pub fn parse(pdu: &[u8]) -> Result<ReadRequest, BodyError> {
        let b = fixed(pdu, 49, 48)?;
        Ok(ReadRequest {
            flags: ReadFlags(u8_at(b, 3).unwrap_or(0)),
            length: u32_at(b, 4).unwrap_or(0),
            offset: u64_at(b, 8).unwrap_or(0),
            file_id: FileId::at(b, 16).unwrap_or_default(),
            minimum_count: u32_at(b, 32).unwrap_or(0),
            channel: Channel(u32_at(b, 36).unwrap_or(0)),
            remaining_bytes: u32_at(b, 40).unwrap_or(0),
        })
    }
    /// e.g. `offset 0 len 65536`
    pub fn summary(&self) -> String {
        format!("offset {} len {}", self.offset, self.length)
    }
}

impl ReadResponse {
    /// Fixed part: 16 bytes, StructureSize 17.
    pub fn parse(pdu: &[u8]) -> Result<ReadResponse, BodyError> {
        let b = fixed(pdu, 17, 16)?;
        let data_offset = u8_at(b, 2).unwrap_or(0);
        let data_length = u32_at(b, 4).unwrap_or(0);
        Ok(ReadResponse {
            data_offset,
            data_length,
            data_remaining: u32_at(b, 8).unwrap_or(0),
            data_present: data_present(pdu, usize::from(data_offset), data_length),
        })
    }
    /// e.g. `len 65536`
    pub fn summary(&self) -> String {
        format!("len {}", self.data_length)
    }
}

impl WriteRequest {
    /// Fixed part: 48 bytes, StructureSize 49.
    pub fn parse(pdu: &[u8]) -> Result<WriteRequest, BodyError> {
        let b = fixed(pdu, 49, 48)?;
        let data_offset = u16_at(b, 2).unwrap_or(0);
        let length = u32_at(b, 4).unwrap_or(0);
        Ok(WriteRequest {
            data_offset,
            length,
            offset: u64_at(b, 8).unwrap_or(0),
            file_id: FileId::at(b, 16).unwrap_or_default(),
            channel: Channel(u32_at(b, 32).unwrap_or(0)),
            remaining_bytes: u32_at(b, 36).unwrap_or(0),
            flags: WriteFlags(u32_at(b, 44).unwrap_or(0)),
            data_present: data_present(pdu, usize::from(data_offset), length),
        })
    }
    /// e.g. `offset 0 len 65536`
    pub fn summary(&self) -> String {
        format!("offset {} len {}", self.offset, self.length)
    }
}

impl WriteResponse {
    /// Fixed part: 16 bytes, StructureSize 17.
    pub fn parse(pdu: &[u8]) -> Result<WriteResponse, BodyError> {
        let b = fixed(pdu, 17, 16)?;
        Ok(WriteResponse {
            count: u32_at(b, 4).unwrap_or(0),
            remaining: u32_at(b, 8).unwrap_or(0),
        })
    }
}

impl FlushRequest {
    /// Fixed part: 24 bytes, StructureSize 24.
    pub fn parse(pdu: &[u8]) -> Result<FlushRequest, BodyError> {
        let b = fixed(pdu, 24, 24)?;
        Ok(FlushRequest {
            file_id: FileId::at(b, 8).unwrap_or_default(),
        })
    }
}

impl LockRequest {
    /// Fixed part: 48 bytes (24 + one lock element), StructureSize 48.
    pub fn parse(pdu: &[u8]) -> Result<LockRequest, BodyError> {
        let b = fixed(pdu, 48, 48)?;
        Ok(LockRequest {
            lock_count: u16_at(b, 2).unwrap_or(0),
            lock_sequence: u32_at(b, 4).unwrap_or(0),
            file_id: FileId::at(b, 8).unwrap_or_default(),
            first_offset: u64_at(b, 24).unwrap_or(0),
            first_length: u64_at(b, 32).unwrap_or(0),
            first_flags: LockFlags(u32_at(b, 40).unwrap_or(0)),
        })
    }
}
