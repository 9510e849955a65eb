//! SMB2 QUERY_DIRECTORY ([MS-SMB2] 2.2.33, 2.2.34), CHANGE_NOTIFY (2.2.35,
//! 2.2.36), QUERY_INFO (2.2.37, 2.2.38) and SET_INFO (2.2.39; its response,
//! 2.2.40, is a [`Minimal`](super::body::Minimal) body), with information
//! classes by name from [MS-FSCC] 2.4 (file) and 2.5 (file system).

use serde::{Serialize, Serializer};
use std::fmt;

use super::body::{fixed, BodyError};
use super::inline::Text;
use super::wire::{
    is_empty_vec, open_enum, open_flags, u16_at, u32_at, u8_at, utf16le_text, BufRef, FileId,
    Missing,
};

open_enum! {
    /// QUERY_INFO / SET_INFO InfoType ([MS-SMB2] 2.2.37).
    InfoType(u8), width 2;
    FILE = 0x01 => "FILE",
    FILESYSTEM = 0x02 => "FILESYSTEM",
    SECURITY = 0x03 => "SECURITY",
    QUOTA = 0x04 => "QUOTA",
}

/// File information classes ([MS-FSCC] 2.4), indexed by number.
const FILE_INFO_CLASSES: [&str; 82] = [
    "",
    "FileDirectoryInformation",
    "FileFullDirectoryInformation",
    "FileBothDirectoryInformation",
    "FileBasicInformation",
    "FileStandardInformation",
    "FileInternalInformation",
    "FileEaInformation",
    "FileAccessInformation",
    "FileNameInformation",
    "FileRenameInformation",
    "FileLinkInformation",
    "FileNamesInformation",
    "FileDispositionInformation",
    "FilePositionInformation",
    "FileFullEaInformation",
    "FileModeInformation",
    "FileAlignmentInformation",
    "FileAllInformation",
    "FileAllocationInformation",
    "FileEndOfFileInformation",
    "FileAlternateNameInformation",
    "FileStreamInformation",
    "FilePipeInformation",
    "FilePipeLocalInformation",
    "FilePipeRemoteInformation",
    "FileMailslotQueryInformation",
    "FileMailslotSetInformation",
    "FileCompressionInformation",
    "FileObjectIdInformation",
    "FileCompletionInformation",
    "FileMoveClusterInformation",
    "FileQuotaInformation",
    "FileReparsePointInformation",
    "FileNetworkOpenInformation",
    "FileAttributeTagInformation",
    "FileTrackingInformation",
    "FileIdBothDirectoryInformation",
    "FileIdFullDirectoryInformation",
    "FileValidDataLengthInformation",
    "FileShortNameInformation",
    "FileIoCompletionNotificationInformation",
    "FileIoStatusBlockRangeInformation",
    "FileIoPriorityHintInformation",
    "FileSfioReserveInformation",
    "FileSfioVolumeInformation",
    "FileHardLinkInformation",
    "FileProcessIdsUsingFileInformation",
    "FileNormalizedNameInformation",
    "FileNetworkPhysicalNameInformation",
    "FileIdGlobalTxDirectoryInformation",
    "FileIsRemoteDeviceInformation",
    "FileUnusedInformation",
    "FileNumaNodeInformation",
    "FileStandardLinkInformation",
    "FileRemoteProtocolInformation",
    "FileRenameInformationBypassAccessCheck",
    "FileLinkInformationBypassAccessCheck",
    "FileVolumeNameInformation",
    "FileIdInformation",
    "FileIdExtdDirectoryInformation",
    "FileReplaceCompletionInformation",
    "FileHardLinkFullIdInformation",
    "FileIdExtdBothDirectoryInformation",
    "FileDispositionInformationEx",
    "FileRenameInformationEx",
    "FileRenameInformationExBypassAccessCheck",
    "FileDesiredStorageClassInformation",
    "FileStatInformation",
    "FileMemoryPartitionInformation",
    "FileStatLxInformation",
    "FileCaseSensitiveInformation",
    "FileLinkInformationEx",
    "FileLinkInformationExBypassAccessCheck",
    "FileStorageReserveIdInformation",
    "FileCaseSensitiveInformationForceAccessCheck",
    "FileKnownFolderInformation",
    "FileStatBasicInformation",
    "FileId64ExtdDirectoryInformation",
    "FileId64ExtdBothDirectoryInformation",
    "FileIdAllExtdDirectoryInformation",
    "FileIdAllExtdBothDirectoryInformation",
];

/// File system information classes ([MS-FSCC] 2.5), indexed by number.
const FS_INFO_CLASSES: [&str; 15] = [
    "",
    "FileFsVolumeInformation",
    "FileFsLabelInformation",
    "FileFsSizeInformation",
    "FileFsDeviceInformation",
    "FileFsAttributeInformation",
    "FileFsControlInformation",
    "FileFsFullSizeInformation",
    "FileFsObjectIdInformation",
    "FileFsDriverPathInformation",
    "FileFsVolumeFlagsInformation",
    "FileFsSectorSizeInformation",
    "FileFsDataCopyInformation",
    "FileFsMetadataSizeInformation",
    "FileFsFullSizeInformationEx",
];

/// An information class, named according to the InfoType it goes with:
/// [MS-FSCC] 2.4 for FILE (and QUERY_DIRECTORY), 2.5 for FILESYSTEM; SECURITY
/// and QUOTA classes print as numbers (0 for SECURITY as the document says).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct InfoClass {
    pub info_type: InfoType,
    pub class: u8,
}

impl InfoClass {
    /// Every name of both tables (the schema lists them).
    #[cfg(test)]
    pub(crate) fn all_names() -> impl Iterator<Item = &'static str> {
        FILE_INFO_CLASSES
            .iter()
            .chain(FS_INFO_CLASSES.iter())
            .copied()
            .filter(|n| !n.is_empty())
    }

    pub fn name(self) -> Option<&'static str> {
        let table: &[&'static str] = match self.info_type {
            InfoType::FILE => &FILE_INFO_CLASSES,
            InfoType::FILESYSTEM => &FS_INFO_CLASSES,
            _ => &[],
        };
        table
            .get(usize::from(self.class))
            .copied()
            .filter(|n| !n.is_empty())
    }
}
impl fmt::Display for InfoClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.class),
        }
    }
}
impl Serialize for InfoClass {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(n) => s.serialize_str(n),
            None => s.collect_str(self),
        }
    }
}

open_flags! {
    /// QUERY_DIRECTORY Flags ([MS-SMB2] 2.2.33).
    QueryDirectoryFlags(u8), width 2;
    RESTART_SCANS = 0x01 => "RESTART_SCANS",
    RETURN_SINGLE_ENTRY = 0x02 => "RETURN_SINGLE_ENTRY",
    INDEX_SPECIFIED = 0x04 => "INDEX_SPECIFIED",
    REOPEN = 0x10 => "REOPEN",
}

open_flags! {
    /// AdditionalInformation for SECURITY info ([MS-SMB2] 2.2.37).
    AdditionalInformation(u32), width 8;
    OWNER_SECURITY_INFORMATION = 0x0000_0001 => "OWNER",
    GROUP_SECURITY_INFORMATION = 0x0000_0002 => "GROUP",
    DACL_SECURITY_INFORMATION = 0x0000_0004 => "DACL",
    SACL_SECURITY_INFORMATION = 0x0000_0008 => "SACL",
    LABEL_SECURITY_INFORMATION = 0x0000_0010 => "LABEL",
    ATTRIBUTE_SECURITY_INFORMATION = 0x0000_0020 => "ATTRIBUTE",
    SCOPE_SECURITY_INFORMATION = 0x0000_0040 => "SCOPE",
    BACKUP_SECURITY_INFORMATION = 0x0001_0000 => "BACKUP",
}

open_flags! {
    /// QUERY_INFO Flags ([MS-SMB2] 2.2.37).
    QueryInfoFlags(u32), width 8;
    RESTART_SCAN = 0x0000_0001 => "SL_RESTART_SCAN",
    RETURN_SINGLE_ENTRY = 0x0000_0002 => "SL_RETURN_SINGLE_ENTRY",
    INDEX_SPECIFIED = 0x0000_0004 => "SL_INDEX_SPECIFIED",
}

open_flags! {
    /// CHANGE_NOTIFY Flags ([MS-SMB2] 2.2.35).
    ChangeNotifyFlags(u16), width 4;
    WATCH_TREE = 0x0001 => "WATCH_TREE",
}

open_flags! {
    /// CHANGE_NOTIFY CompletionFilter ([MS-SMB2] 2.2.35).
    CompletionFilter(u32), width 8;
    FILE_NAME = 0x0000_0001 => "FILE_NAME",
    DIR_NAME = 0x0000_0002 => "DIR_NAME",
    ATTRIBUTES = 0x0000_0004 => "ATTRIBUTES",
    SIZE = 0x0000_0008 => "SIZE",
    LAST_WRITE = 0x0000_0010 => "LAST_WRITE",
    LAST_ACCESS = 0x0000_0020 => "LAST_ACCESS",
    CREATION = 0x0000_0040 => "CREATION",
    EA = 0x0000_0080 => "EA",
    SECURITY = 0x0000_0100 => "SECURITY",
    STREAM_NAME = 0x0000_0200 => "STREAM_NAME",
    STREAM_SIZE = 0x0000_0400 => "STREAM_SIZE",
    STREAM_WRITE = 0x0000_0800 => "STREAM_WRITE",
}

/// SMB2 QUERY_DIRECTORY Request ([MS-SMB2] 2.2.33).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryDirectoryRequest {
    pub file_information_class: InfoClass,
    pub flags: QueryDirectoryFlags,
    pub file_index: u32,
    pub file_id: FileId,
    /// The search pattern (FileName), UTF-16LE decoded, e.g. "*".
    pub search_pattern: Text,
    pub output_buffer_length: u32,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

/// A response whose body is an output buffer reference: QUERY_DIRECTORY
/// (2.2.34), CHANGE_NOTIFY (2.2.36) and QUERY_INFO (2.2.38) Responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct OutputBufferResponse {
    /// OutputBufferOffset/OutputBufferLength.
    pub output: BufRef,
}

/// SMB2 QUERY_INFO Request ([MS-SMB2] 2.2.37).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryInfoRequest {
    pub info_type: InfoType,
    pub file_info_class: InfoClass,
    pub output_buffer_length: u32,
    pub input: BufRef,
    /// AdditionalInformation (security information flags for SECURITY).
    pub additional_information: AdditionalInformation,
    pub flags: QueryInfoFlags,
    pub file_id: FileId,
}

/// SMB2 SET_INFO Request ([MS-SMB2] 2.2.39).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetInfoRequest {
    pub info_type: InfoType,
    pub file_info_class: InfoClass,
    /// BufferOffset/BufferLength.
    pub buffer: BufRef,
    pub additional_information: AdditionalInformation,
    pub file_id: FileId,
}

/// SMB2 CHANGE_NOTIFY Request ([MS-SMB2] 2.2.35).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeNotifyRequest {
    pub flags: ChangeNotifyFlags,
    pub output_buffer_length: u32,
    pub file_id: FileId,
    pub completion_filter: CompletionFilter,
}

impl QueryDirectoryRequest {
    /// Fixed part: 32 bytes, StructureSize 33.
    pub fn parse(pdu: &[u8]) -> Result<QueryDirectoryRequest, BodyError> {
        let b = fixed(pdu, 33, 32)?;
        let name = BufRef::new(
            pdu,
            u32::from(u16_at(b, 24).unwrap_or(0)),
            u32::from(u16_at(b, 26).unwrap_or(0)),
        );
        let mut missing = Vec::new();
        name.note_missing("search pattern", &mut missing);
        Ok(QueryDirectoryRequest {
            file_information_class: InfoClass {
                info_type: InfoType::FILE,
                class: u8_at(b, 2).unwrap_or(0),
            },
            flags: QueryDirectoryFlags(u8_at(b, 3).unwrap_or(0)),
            file_index: u32_at(b, 4).unwrap_or(0),
            file_id: FileId::at(b, 8).unwrap_or_default(),
            search_pattern: utf16le_text(name.present_slice(pdu)),
            output_buffer_length: u32_at(b, 28).unwrap_or(0),
            missing,
        })
    }
    /// e.g. `* FileIdBothDirectoryInformation`
    pub fn summary(&self) -> String {
        format!("{} {}", self.search_pattern, self.file_information_class)
    }
}

impl OutputBufferResponse {
    /// Fixed part: 8 bytes, StructureSize 9.
    pub fn parse(pdu: &[u8]) -> Result<OutputBufferResponse, BodyError> {
        let b = fixed(pdu, 9, 8)?;
        Ok(OutputBufferResponse {
            output: BufRef::new(
                pdu,
                u32::from(u16_at(b, 2).unwrap_or(0)),
                u32_at(b, 4).unwrap_or(0),
            ),
        })
    }
    /// e.g. `out 104`
    pub fn summary(&self) -> String {
        format!("out {}", self.output.length)
    }
}

impl QueryInfoRequest {
    /// Fixed part: 40 bytes, StructureSize 41.
    pub fn parse(pdu: &[u8]) -> Result<QueryInfoRequest, BodyError> {
        let b = fixed(pdu, 41, 40)?;
        let info_type = InfoType(u8_at(b, 2).unwrap_or(0));
        Ok(QueryInfoRequest {
            info_type,
            file_info_class: InfoClass {
                info_type,
                class: u8_at(b, 3).unwrap_or(0),
            },
            output_buffer_length: u32_at(b, 4).unwrap_or(0),
            input: BufRef::new(
                pdu,
                u32::from(u16_at(b, 8).unwrap_or(0)),
                u32_at(b, 12).unwrap_or(0),
            ),
            additional_information: AdditionalInformation(u32_at(b, 16).unwrap_or(0)),
            flags: QueryInfoFlags(u32_at(b, 20).unwrap_or(0)),
            file_id: FileId::at(b, 24).unwrap_or_default(),
        })
    }
    /// e.g. `FILE FileStandardInformation`
    pub fn summary(&self) -> String {
        format!("{} {}", self.info_type, self.file_info_class)
    }
}

impl SetInfoRequest {
    /// Fixed part: 32 bytes, StructureSize 33.
    pub fn parse(pdu: &[u8]) -> Result<SetInfoRequest, BodyError> {
        let b = fixed(pdu, 33, 32)?;
        let info_type = InfoType(u8_at(b, 2).unwrap_or(0));
        Ok(SetInfoRequest {
            info_type,
            file_info_class: InfoClass {
                info_type,
                class: u8_at(b, 3).unwrap_or(0),
            },
            buffer: BufRef::new(
                pdu,
                u32::from(u16_at(b, 8).unwrap_or(0)),
                u32_at(b, 4).unwrap_or(0),
            ),
            additional_information: AdditionalInformation(u32_at(b, 12).unwrap_or(0)),
            file_id: FileId::at(b, 16).unwrap_or_default(),
        })
    }
    /// e.g. `FILE FileDispositionInformation`
    pub fn summary(&self) -> String {
        format!("{} {}", self.info_type, self.file_info_class)
    }
}

impl ChangeNotifyRequest {
    /// Fixed part: 32 bytes, StructureSize 32.
    pub fn parse(pdu: &[u8]) -> Result<ChangeNotifyRequest, BodyError> {
        let b = fixed(pdu, 32, 32)?;
        Ok(ChangeNotifyRequest {
            flags: ChangeNotifyFlags(u16_at(b, 2).unwrap_or(0)),
            output_buffer_length: u32_at(b, 4).unwrap_or(0),
            file_id: FileId::at(b, 8).unwrap_or_default(),
            completion_filter: CompletionFilter(u32_at(b, 24).unwrap_or(0)),
        })
    }
    /// e.g. `FILE_NAME|DIR_NAME`
    pub fn summary(&self) -> String {
        self.completion_filter.to_string()
    }
}
