//! SMB2 IOCTL request and response ([MS-SMB2] 2.2.31, 2.2.32), with the
//! control codes of [MS-SMB2] 2.2.31 and [MS-FSCC] 2.3 by name, and the
//! VALIDATE_NEGOTIATE_INFO request/response payloads (2.2.31.4, 2.2.32.6).

use serde::Serialize;

use super::body::{fixed, BodyError};
use super::inline::HexCode;
use super::negotiate::{Capabilities, Dialect, SecurityMode};
use super::wire::{
    bytes16_at, is_empty_vec, open_enum, open_flags, u16_at, u32_at, BufRef, FileId, Guid, Missing,
};

open_enum! {
    /// IOCTL CtlCode ([MS-SMB2] 2.2.31; [MS-FSCC] 2.3). Unknown codes print in hex.
    CtlCode(u32), width 8;
    // [MS-SMB2] 2.2.31
    FSCTL_DFS_GET_REFERRALS = 0x0006_0194 => "FSCTL_DFS_GET_REFERRALS",
    FSCTL_DFS_GET_REFERRALS_EX = 0x0006_01B0 => "FSCTL_DFS_GET_REFERRALS_EX",
    FSCTL_PIPE_PEEK = 0x0011_400C => "FSCTL_PIPE_PEEK",
    FSCTL_PIPE_WAIT = 0x0011_0018 => "FSCTL_PIPE_WAIT",
    FSCTL_PIPE_TRANSCEIVE = 0x0011_C017 => "FSCTL_PIPE_TRANSCEIVE",
    FSCTL_SRV_COPYCHUNK = 0x0014_40F2 => "FSCTL_SRV_COPYCHUNK",
    FSCTL_SRV_ENUMERATE_SNAPSHOTS = 0x0014_4064 => "FSCTL_SRV_ENUMERATE_SNAPSHOTS",
    FSCTL_SRV_REQUEST_RESUME_KEY = 0x0014_0078 => "FSCTL_SRV_REQUEST_RESUME_KEY",
    FSCTL_SRV_READ_HASH = 0x0014_41BB => "FSCTL_SRV_READ_HASH",
    FSCTL_SRV_COPYCHUNK_WRITE = 0x0014_80F2 => "FSCTL_SRV_COPYCHUNK_WRITE",
    FSCTL_LMR_REQUEST_RESILIENCY = 0x0014_01D4 => "FSCTL_LMR_REQUEST_RESILIENCY",
    FSCTL_QUERY_NETWORK_INTERFACE_INFO = 0x0014_01FC => "FSCTL_QUERY_NETWORK_INTERFACE_INFO",
    FSCTL_VALIDATE_NEGOTIATE_INFO = 0x0014_0204 => "FSCTL_VALIDATE_NEGOTIATE_INFO",
    FSCTL_LMR_SET_LINK_TRACKING_INFORMATION = 0x0014_00EC => "FSCTL_LMR_SET_LINK_TRACKING_INFORMATION",
    FSCTL_SET_REPARSE_POINT = 0x0009_00A4 => "FSCTL_SET_REPARSE_POINT",
    FSCTL_FILE_LEVEL_TRIM = 0x0009_8208 => "FSCTL_FILE_LEVEL_TRIM",
    FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT = 0x0009_0300 => "FSCTL_QUERY_SHARED_VIRTUAL_DISK_SUPPORT",
    FSCTL_SVHDX_SYNC_TUNNEL_REQUEST = 0x0009_0304 => "FSCTL_SVHDX_SYNC_TUNNEL_REQUEST",
    FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST = 0x0009_0364 => "FSCTL_SVHDX_ASYNC_TUNNEL_REQUEST",
    FSCTL_STORAGE_QOS_CONTROL = 0x0009_0350 => "FSCTL_STORAGE_QOS_CONTROL",
    // [MS-FSCC] 2.3
    FSCTL_LOCK_VOLUME = 0x0009_0018 => "FSCTL_LOCK_VOLUME",
    FSCTL_UNLOCK_VOLUME = 0x0009_001C => "FSCTL_UNLOCK_VOLUME",
    FSCTL_DISMOUNT_VOLUME = 0x0009_0020 => "FSCTL_DISMOUNT_VOLUME",
    FSCTL_IS_PATHNAME_VALID = 0x0009_002C => "FSCTL_IS_PATHNAME_VALID",
    FSCTL_GET_COMPRESSION = 0x0009_003C => "FSCTL_GET_COMPRESSION",
    FSCTL_QUERY_FAT_BPB = 0x0009_0058 => "FSCTL_QUERY_FAT_BPB",
    FSCTL_FILESYSTEM_GET_STATISTICS = 0x0009_0060 => "FSCTL_FILESYSTEM_GET_STATISTICS",
    FSCTL_GET_NTFS_VOLUME_DATA = 0x0009_0064 => "FSCTL_GET_NTFS_VOLUME_DATA",
    FSCTL_GET_VOLUME_BITMAP = 0x0009_006F => "FSCTL_GET_VOLUME_BITMAP",
    FSCTL_GET_RETRIEVAL_POINTERS = 0x0009_0073 => "FSCTL_GET_RETRIEVAL_POINTERS",
    FSCTL_FIND_FILES_BY_SID = 0x0009_008F => "FSCTL_FIND_FILES_BY_SID",
    FSCTL_SET_OBJECT_ID = 0x0009_0098 => "FSCTL_SET_OBJECT_ID",
    FSCTL_GET_OBJECT_ID = 0x0009_009C => "FSCTL_GET_OBJECT_ID",
    FSCTL_DELETE_OBJECT_ID = 0x0009_00A0 => "FSCTL_DELETE_OBJECT_ID",
    FSCTL_GET_REPARSE_POINT = 0x0009_00A8 => "FSCTL_GET_REPARSE_POINT",
    FSCTL_DELETE_REPARSE_POINT = 0x0009_00AC => "FSCTL_DELETE_REPARSE_POINT",
    FSCTL_ENUM_USN_DATA = 0x0009_00B3 => "FSCTL_ENUM_USN_DATA",
    FSCTL_READ_USN_JOURNAL = 0x0009_00BB => "FSCTL_READ_USN_JOURNAL",
    FSCTL_SET_OBJECT_ID_EXTENDED = 0x0009_00BC => "FSCTL_SET_OBJECT_ID_EXTENDED",
    FSCTL_CREATE_OR_GET_OBJECT_ID = 0x0009_00C0 => "FSCTL_CREATE_OR_GET_OBJECT_ID",
    FSCTL_SET_SPARSE = 0x0009_00C4 => "FSCTL_SET_SPARSE",
    FSCTL_SET_ENCRYPTION = 0x0009_00D7 => "FSCTL_SET_ENCRYPTION",
    FSCTL_READ_FILE_USN_DATA = 0x0009_00EB => "FSCTL_READ_FILE_USN_DATA",
    FSCTL_WRITE_USN_CLOSE_RECORD = 0x0009_00EF => "FSCTL_WRITE_USN_CLOSE_RECORD",
    FSCTL_QUERY_USN_JOURNAL = 0x0009_00F4 => "FSCTL_QUERY_USN_JOURNAL",
    FSCTL_MARK_HANDLE = 0x0009_00FC => "FSCTL_MARK_HANDLE",
    FSCTL_SIS_COPYFILE = 0x0009_0100 => "FSCTL_SIS_COPYFILE",
    FSCTL_RECALL_FILE = 0x0009_0117 => "FSCTL_RECALL_FILE",
    FSCTL_QUERY_SPARING_INFO = 0x0009_0138 => "FSCTL_QUERY_SPARING_INFO",
    FSCTL_QUERY_ON_DISK_VOLUME_INFO = 0x0009_013C => "FSCTL_QUERY_ON_DISK_VOLUME_INFO",
    FSCTL_SET_ZERO_ON_DEALLOCATION = 0x0009_0194 => "FSCTL_SET_ZERO_ON_DEALLOCATION",
    FSCTL_SET_SHORT_NAME_BEHAVIOR = 0x0009_01B4 => "FSCTL_SET_SHORT_NAME_BEHAVIOR",
    FSCTL_GET_INTEGRITY_INFORMATION = 0x0009_027C => "FSCTL_GET_INTEGRITY_INFORMATION",
    FSCTL_QUERY_FILE_REGIONS = 0x0009_0284 => "FSCTL_QUERY_FILE_REGIONS",
    FSCTL_GET_REFS_VOLUME_DATA = 0x0009_02D8 => "FSCTL_GET_REFS_VOLUME_DATA",
    FSCTL_SET_INTEGRITY_INFORMATION_EX = 0x0009_0380 => "FSCTL_SET_INTEGRITY_INFORMATION_EX",
    FSCTL_REFS_STREAM_SNAPSHOT_MANAGEMENT = 0x0009_0440 => "FSCTL_REFS_STREAM_SNAPSHOT_MANAGEMENT",
    FSCTL_QUERY_ALLOCATED_RANGES = 0x0009_40CF => "FSCTL_QUERY_ALLOCATED_RANGES",
    FSCTL_OFFLOAD_READ = 0x0009_4264 => "FSCTL_OFFLOAD_READ",
    FSCTL_SET_ZERO_DATA = 0x0009_80C8 => "FSCTL_SET_ZERO_DATA",
    FSCTL_SET_DEFECT_MANAGEMENT = 0x0009_8134 => "FSCTL_SET_DEFECT_MANAGEMENT",
    FSCTL_OFFLOAD_WRITE = 0x0009_8268 => "FSCTL_OFFLOAD_WRITE",
    FSCTL_DUPLICATE_EXTENTS_TO_FILE = 0x0009_8344 => "FSCTL_DUPLICATE_EXTENTS_TO_FILE",
    FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX = 0x0009_83E8 => "FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX",
    FSCTL_SET_COMPRESSION = 0x0009_C040 => "FSCTL_SET_COMPRESSION",
    FSCTL_SET_INTEGRITY_INFORMATION = 0x0009_C280 => "FSCTL_SET_INTEGRITY_INFORMATION",
}

impl CtlCode {
    /// The number as tshark prints `smb2.ioctl.function`, e.g. "0x00140204".
    pub fn code_hex(self) -> String {
        format!("0x{:08x}", self.0)
    }
}

open_flags! {
    /// IOCTL Flags ([MS-SMB2] 2.2.31).
    IoctlFlags(u32), width 8;
    IS_FSCTL = 0x0000_0001 => "IS_FSCTL",
}

/// VALIDATE_NEGOTIATE_INFO Request payload ([MS-SMB2] 2.2.31.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidateNegotiateInfoRequest {
    pub capabilities: Capabilities,
    pub guid: Guid,
    pub security_mode: SecurityMode,
    pub dialects: Vec<Dialect>,
}

/// VALIDATE_NEGOTIATE_INFO Response payload ([MS-SMB2] 2.2.32.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidateNegotiateInfoResponse {
    pub capabilities: Capabilities,
    pub guid: Guid,
    pub security_mode: SecurityMode,
    pub dialect: Dialect,
}

/// SMB2 IOCTL Request ([MS-SMB2] 2.2.31).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IoctlRequest {
    pub ctl_code: CtlCode,
    /// CtlCode in hex, as tshark prints `smb2.ioctl.function`.
    pub ctl_code_hex: HexCode<8>,
    pub file_id: FileId,
    /// InputOffset/InputCount.
    pub input: BufRef,
    pub max_input_response: u32,
    /// OutputOffset/OutputCount.
    pub output: BufRef,
    pub max_output_response: u32,
    pub flags: IoctlFlags,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validate_negotiate_info: Option<ValidateNegotiateInfoRequest>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

/// SMB2 IOCTL Response ([MS-SMB2] 2.2.32).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IoctlResponse {
    pub ctl_code: CtlCode,
    pub ctl_code_hex: HexCode<8>,
    pub file_id: FileId,
    pub input: BufRef,
    pub output: BufRef,
    pub flags: IoctlFlags,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validate_negotiate_info: Option<ValidateNegotiateInfoResponse>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

fn vni_request(d: &[u8]) -> Option<ValidateNegotiateInfoRequest> {
    let count = u16_at(d, 22)?;
    let n = usize::from(count).min(d.len().saturating_sub(24) / 2);
    Some(ValidateNegotiateInfoRequest {
        capabilities: Capabilities(u32_at(d, 0)?),
        guid: Guid(bytes16_at(d, 4)?),
        security_mode: SecurityMode(u16_at(d, 20)?),
        dialects: (0..n)
            .filter_map(|i| u16_at(d, 24 + 2 * i).map(Dialect))
            .collect(),
    })
}

fn vni_response(d: &[u8]) -> Option<ValidateNegotiateInfoResponse> {
    Some(ValidateNegotiateInfoResponse {
        capabilities: Capabilities(u32_at(d, 0)?),
        guid: Guid(bytes16_at(d, 4)?),
        security_mode: SecurityMode(u16_at(d, 20)?),
        dialect: Dialect(u16_at(d, 22)?),
    })
}

impl IoctlRequest {
    /// Fixed part: 56 bytes, StructureSize 57.
    pub fn parse(pdu: &[u8]) -> Result<IoctlRequest, BodyError> {
        let b = fixed(pdu, 57, 56)?;
        let ctl_code = CtlCode(u32_at(b, 4).unwrap_or(0));
        let input = BufRef::new(pdu, u32_at(b, 24).unwrap_or(0), u32_at(b, 28).unwrap_or(0));
        let output = BufRef::new(pdu, u32_at(b, 36).unwrap_or(0), u32_at(b, 40).unwrap_or(0));
        let mut missing = Vec::new();
        input.note_missing("input", &mut missing);
        let validate_negotiate_info = if ctl_code == CtlCode::FSCTL_VALIDATE_NEGOTIATE_INFO {
            vni_request(input.present_slice(pdu))
        } else {
            None
        };
        Ok(IoctlRequest {
            ctl_code,
            ctl_code_hex: HexCode(ctl_code.0),
            file_id: FileId::at(b, 8).unwrap_or_default(),
            input,
            max_input_response: u32_at(b, 32).unwrap_or(0),
            output,
            max_output_response: u32_at(b, 44).unwrap_or(0),
            flags: IoctlFlags(u32_at(b, 48).unwrap_or(0)),
            validate_negotiate_info,
            missing,
        })
    }

    /// e.g. `VALIDATE_NEGOTIATE_INFO`
    pub fn summary(&self) -> String {
        let n = self.ctl_code.to_string();
        n.strip_prefix("FSCTL_").unwrap_or(&n).to_string()
    }
}

impl IoctlResponse {
    /// Fixed part: 48 bytes, StructureSize 49.
    pub fn parse(pdu: &[u8]) -> Result<IoctlResponse, BodyError> {
        let b = fixed(pdu, 49, 48)?;
        let ctl_code = CtlCode(u32_at(b, 4).unwrap_or(0));
        let input = BufRef::new(pdu, u32_at(b, 24).unwrap_or(0), u32_at(b, 28).unwrap_or(0));
        let output = BufRef::new(pdu, u32_at(b, 32).unwrap_or(0), u32_at(b, 36).unwrap_or(0));
        let mut missing = Vec::new();
        output.note_missing("output", &mut missing);
        let validate_negotiate_info = if ctl_code == CtlCode::FSCTL_VALIDATE_NEGOTIATE_INFO {
            vni_response(output.present_slice(pdu))
        } else {
            None
        };
        Ok(IoctlResponse {
            ctl_code,
            ctl_code_hex: HexCode(ctl_code.0),
            file_id: FileId::at(b, 8).unwrap_or_default(),
            input,
            output,
            flags: IoctlFlags(u32_at(b, 40).unwrap_or(0)),
            validate_negotiate_info,
            missing,
        })
    }

    /// e.g. `VALIDATE_NEGOTIATE_INFO out 24`
    pub fn summary(&self) -> String {
        let n = self.ctl_code.to_string();
        format!(
            "{} out {}",
            n.strip_prefix("FSCTL_").unwrap_or(&n),
            self.output.length
        )
    }
}
