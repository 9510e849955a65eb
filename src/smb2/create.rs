//! SMB2 CREATE request and response ([MS-SMB2] 2.2.13, 2.2.14) with the names
//! of their create contexts (2.2.13.2, 2.2.14.2), and CLOSE (2.2.15, 2.2.16).

use serde::ser::SerializeStruct;
use serde::Serialize;

use super::body::{fixed, BodyError};
use super::inline::Text;
use super::wire::{
    is_empty_vec, open_enum, open_flags, u16_at, u32_at, u64_at, u8_at, utf16le_text, AccessMask,
    BufRef, FileAttributes, FileId, FileTime, Guid, Missing,
};

/// At most this many create contexts are listed.
pub const MAX_CREATE_CONTEXTS: usize = 64;

open_enum! {
    /// RequestedOplockLevel / OplockLevel ([MS-SMB2] 2.2.13, 2.2.14, 2.2.23).
    OplockLevel(u8), width 2;
    NONE = 0x00 => "NONE",
    II = 0x01 => "II",
    EXCLUSIVE = 0x08 => "EXCLUSIVE",
    BATCH = 0x09 => "BATCH",
    LEASE = 0xFF => "LEASE",
}

open_enum! {
    /// ImpersonationLevel ([MS-SMB2] 2.2.13).
    ImpersonationLevel(u32), width 8;
    ANONYMOUS = 0 => "Anonymous",
    IDENTIFICATION = 1 => "Identification",
    IMPERSONATION = 2 => "Impersonation",
    DELEGATE = 3 => "Delegate",
}

open_flags! {
    /// ShareAccess ([MS-SMB2] 2.2.13).
    ShareAccess(u32), width 8;
    READ = 0x1 => "READ",
    WRITE = 0x2 => "WRITE",
    DELETE = 0x4 => "DELETE",
}

open_enum! {
    /// CreateDisposition ([MS-SMB2] 2.2.13), printed in lower case like the
    /// summary example `report.docx (open_if)`.
    CreateDisposition(u32), width 8;
    SUPERSEDE = 0 => "supersede",
    OPEN = 1 => "open",
    CREATE = 2 => "create",
    OPEN_IF = 3 => "open_if",
    OVERWRITE = 4 => "overwrite",
    OVERWRITE_IF = 5 => "overwrite_if",
}

open_flags! {
    /// CreateOptions ([MS-SMB2] 2.2.13).
    CreateOptions(u32), width 8;
    DIRECTORY_FILE = 0x0000_0001 => "DIRECTORY_FILE",
    WRITE_THROUGH = 0x0000_0002 => "WRITE_THROUGH",
    SEQUENTIAL_ONLY = 0x0000_0004 => "SEQUENTIAL_ONLY",
    NO_INTERMEDIATE_BUFFERING = 0x0000_0008 => "NO_INTERMEDIATE_BUFFERING",
    SYNCHRONOUS_IO_ALERT = 0x0000_0010 => "SYNCHRONOUS_IO_ALERT",
    SYNCHRONOUS_IO_NONALERT = 0x0000_0020 => "SYNCHRONOUS_IO_NONALERT",
    NON_DIRECTORY_FILE = 0x0000_0040 => "NON_DIRECTORY_FILE",
    COMPLETE_IF_OPLOCKED = 0x0000_0100 => "COMPLETE_IF_OPLOCKED",
    NO_EA_KNOWLEDGE = 0x0000_0200 => "NO_EA_KNOWLEDGE",
    OPEN_REMOTE_INSTANCE = 0x0000_0400 => "OPEN_REMOTE_INSTANCE",
    RANDOM_ACCESS = 0x0000_0800 => "RANDOM_ACCESS",
    DELETE_ON_CLOSE = 0x0000_1000 => "DELETE_ON_CLOSE",
    OPEN_BY_FILE_ID = 0x0000_2000 => "OPEN_BY_FILE_ID",
    OPEN_FOR_BACKUP_INTENT = 0x0000_4000 => "OPEN_FOR_BACKUP_INTENT",
    NO_COMPRESSION = 0x0000_8000 => "NO_COMPRESSION",
    OPEN_REQUIRING_OPLOCK = 0x0001_0000 => "OPEN_REQUIRING_OPLOCK",
    DISALLOW_EXCLUSIVE = 0x0002_0000 => "DISALLOW_EXCLUSIVE",
    RESERVE_OPFILTER = 0x0010_0000 => "RESERVE_OPFILTER",
    OPEN_REPARSE_POINT = 0x0020_0000 => "OPEN_REPARSE_POINT",
    OPEN_NO_RECALL = 0x0040_0000 => "OPEN_NO_RECALL",
    OPEN_FOR_FREE_SPACE_QUERY = 0x0080_0000 => "OPEN_FOR_FREE_SPACE_QUERY",
}

open_enum! {
    /// CreateAction ([MS-SMB2] 2.2.14).
    CreateAction(u32), width 8;
    SUPERSEDED = 0 => "SUPERSEDED",
    OPENED = 1 => "OPENED",
    CREATED = 2 => "CREATED",
    OVERWRITTEN = 3 => "OVERWRITTEN",
}

open_flags! {
    /// CREATE response Flags ([MS-SMB2] 2.2.14).
    CreateResponseFlags(u8), width 2;
    REPARSEPOINT = 0x01 => "REPARSEPOINT",
}

/// Reads the names of a create context chain ([MS-SMB2] 2.2.13.2): each
/// SMB2_CREATE_CONTEXT has Next (4), NameOffset (2), NameLength (2),
/// Reserved (2), DataOffset (2), DataLength (4). Names are 4 ASCII characters
/// ("MxAc", "QFid", "DH2Q", "RqLs", ...) or, for some, a 16-byte GUID.
/// `Next` must advance by at least 16 bytes or the walk stops.
fn context_names(pdu: &[u8], r: &BufRef, missing: &mut Vec<Missing>) -> Vec<String> {
    let mut out = Vec::new();
    if r.is_empty() {
        return out;
    }
    let list_end = r.offset as usize + r.length as usize;
    let mut at = r.offset as usize;
    while out.len() < MAX_CREATE_CONTEXTS {
        let (Some(next), Some(noff), Some(nlen)) =
            (u32_at(pdu, at), u16_at(pdu, at + 4), u16_at(pdu, at + 6))
        else {
            missing.push(Missing {
                what: "create contexts",
                need: r.length,
                have: r.present,
            });
            break;
        };
        let ns = at + usize::from(noff);
        let name = match pdu.get(ns..ns + usize::from(nlen)) {
            Some(n) if nlen == 16 && !n.iter().all(|c| c.is_ascii_graphic()) => {
                let mut g = [0u8; 16];
                g.copy_from_slice(n);
                Guid(g).to_string()
            }
            Some(n) => n
                .iter()
                .map(|&c| if c.is_ascii_graphic() { c as char } else { '.' })
                .collect(),
            None => {
                missing.push(Missing {
                    what: "create context name",
                    need: u32::from(nlen),
                    have: pdu.len().saturating_sub(ns) as u32,
                });
                break;
            }
        };
        out.push(name);
        if next < 16 {
            break;
        }
        at += next as usize;
        if at >= list_end {
            break;
        }
    }
    out
}

/// SMB2 CREATE Request ([MS-SMB2] 2.2.13).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateRequest {
    /// The file name as sent (UTF-16LE decoded), relative to the share; "" opens the share root.
    pub filename: Text,
    pub requested_oplock_level: OplockLevel,
    pub impersonation_level: ImpersonationLevel,
    pub desired_access: AccessMask,
    pub file_attributes: FileAttributes,
    pub share_access: ShareAccess,
    pub create_disposition: CreateDisposition,
    pub create_options: CreateOptions,
    /// NameOffset/NameLength.
    pub name: BufRef,
    /// CreateContextsOffset/Length (absent when 0).
    #[serde(skip_serializing_if = "BufRef::is_empty")]
    pub create_contexts: BufRef,
    /// Names of the create contexts, e.g. ["DH2Q", "MxAc", "QFid", "RqLs"].
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub create_context_names: Vec<String>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    pub missing: Vec<Missing>,
}

/// SMB2 CREATE Response ([MS-SMB2] 2.2.14).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateResponse {
    pub oplock_level: OplockLevel,
    pub flags: CreateResponseFlags,
    pub create_action: CreateAction,
    /// Times, sizes and attributes of the file (serialized flat).
    pub info: FileInfo,
    pub file_id: FileId,
    /// Absent from JSON when empty.
    pub create_contexts: BufRef,
    /// Absent from JSON when empty.
    pub create_context_names: Vec<String>,
    /// Absent from JSON when empty.
    pub missing: Vec<Missing>,
}

/// One object: the fixed fields, [`FileInfo`]'s fields among them.
impl Serialize for CreateResponse {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("CreateResponse", 13)?;
        o.serialize_field("oplock_level", &self.oplock_level)?;
        o.serialize_field("flags", &self.flags)?;
        o.serialize_field("create_action", &self.create_action)?;
        self.info.serialize_fields(&mut o)?;
        o.serialize_field("file_id", &self.file_id)?;
        if !self.create_contexts.is_empty() {
            o.serialize_field("create_contexts", &self.create_contexts)?;
        }
        if !self.create_context_names.is_empty() {
            o.serialize_field("create_context_names", &self.create_context_names)?;
        }
        if !self.missing.is_empty() {
            o.serialize_field("missing", &self.missing)?;
        }
        o.end()
    }
}

impl CreateRequest {
    /// Fixed part: 56 bytes, StructureSize 57.
    pub fn parse(pdu: &[u8]) -> Result<CreateRequest, BodyError> {
        let b = fixed(pdu, 57, 56)?;
        let mut missing = Vec::new();
        let name = BufRef::new(
            pdu,
            u32::from(u16_at(b, 44).unwrap_or(0)),
            u32::from(u16_at(b, 46).unwrap_or(0)),
        );
        name.note_missing("name", &mut missing);
        let create_contexts =
            BufRef::new(pdu, u32_at(b, 48).unwrap_or(0), u32_at(b, 52).unwrap_or(0));
        let create_context_names = context_names(pdu, &create_contexts, &mut missing);
        Ok(CreateRequest {
            filename: utf16le_text(name.present_slice(pdu)),
            requested_oplock_level: OplockLevel(u8_at(b, 3).unwrap_or(0)),
            impersonation_level: ImpersonationLevel(u32_at(b, 4).unwrap_or(0)),
            desired_access: AccessMask(u32_at(b, 24).unwrap_or(0)),
            file_attributes: FileAttributes(u32_at(b, 28).unwrap_or(0)),
            share_access: ShareAccess(u32_at(b, 32).unwrap_or(0)),
            create_disposition: CreateDisposition(u32_at(b, 36).unwrap_or(0)),
            create_options: CreateOptions(u32_at(b, 40).unwrap_or(0)),
            name,
            create_contexts,
            create_context_names,
            missing,
        })
    }

    /// e.g. `report.docx (open_if)`; the share root prints as `\`.
    pub fn summary(&self) -> String {
        let n = if self.filename.is_empty() {
            "\\"
        } else {
            &self.filename
        };
        format!("{n} ({})", self.create_disposition)
    }
}

impl CreateResponse {
    /// Fixed part: 88 bytes, StructureSize 89.
    pub fn parse(pdu: &[u8]) -> Result<CreateResponse, BodyError> {
        let b = fixed(pdu, 89, 88)?;
        let mut missing = Vec::new();
        let create_contexts =
            BufRef::new(pdu, u32_at(b, 80).unwrap_or(0), u32_at(b, 84).unwrap_or(0));
        let create_context_names = context_names(pdu, &create_contexts, &mut missing);
        Ok(CreateResponse {
            oplock_level: OplockLevel(u8_at(b, 2).unwrap_or(0)),
            flags: CreateResponseFlags(u8_at(b, 3).unwrap_or(0)),
            create_action: CreateAction(u32_at(b, 4).unwrap_or(0)),
            info: FileInfo::at(b),
            file_id: FileId::at(b, 64).unwrap_or_default(),
            create_contexts,
            create_context_names,
            missing,
        })
    }

    /// e.g. `OPENED 0000000000000001:0000000000000005 eof 1234`
    pub fn summary(&self) -> String {
        format!(
            "{} {} eof {}",
            self.create_action, self.file_id, self.info.end_of_file
        )
    }
}

open_flags! {
    /// CLOSE Flags ([MS-SMB2] 2.2.15, 2.2.16).
    CloseFlags(u16), width 4;
    POSTQUERY_ATTRIB = 0x0001 => "POSTQUERY_ATTRIB",
}

/// SMB2 CLOSE Request ([MS-SMB2] 2.2.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CloseRequest {
    pub flags: CloseFlags,
    pub file_id: FileId,
}

/// The times, sizes and attributes a CREATE response ([MS-SMB2] 2.2.14) and a
/// CLOSE response ([MS-SMB2] 2.2.16) both carry, at the same body offsets 8..60.
/// Serialized flat into the response's object; absent times are left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInfo {
    pub creation_time: Option<FileTime>,
    pub last_access_time: Option<FileTime>,
    pub last_write_time: Option<FileTime>,
    pub change_time: Option<FileTime>,
    pub allocation_size: u64,
    pub end_of_file: u64,
    pub file_attributes: FileAttributes,
}

impl FileInfo {
    /// Writes the fields into the response's object being serialized.
    fn serialize_fields<S: SerializeStruct>(&self, o: &mut S) -> Result<(), S::Error> {
        let times = [
            ("creation_time", self.creation_time),
            ("last_access_time", self.last_access_time),
            ("last_write_time", self.last_write_time),
            ("change_time", self.change_time),
        ];
        for (key, t) in times {
            if let Some(t) = t {
                o.serialize_field(key, &t)?;
            }
        }
        o.serialize_field("allocation_size", &self.allocation_size)?;
        o.serialize_field("end_of_file", &self.end_of_file)?;
        o.serialize_field("file_attributes", &self.file_attributes)
    }

    /// Reads the fields at offsets 8..60 of a body whose fixed part is present.
    fn at(b: &[u8]) -> FileInfo {
        let t = |at| FileTime::nonzero(u64_at(b, at).unwrap_or(0));
        FileInfo {
            creation_time: t(8),
            last_access_time: t(16),
            last_write_time: t(24),
            change_time: t(32),
            allocation_size: u64_at(b, 40).unwrap_or(0),
            end_of_file: u64_at(b, 48).unwrap_or(0),
            file_attributes: FileAttributes(u32_at(b, 56).unwrap_or(0)),
        }
    }
}

/// SMB2 CLOSE Response ([MS-SMB2] 2.2.16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseResponse {
    pub flags: CloseFlags,
    /// Times, sizes and attributes of the file (serialized flat).
    pub info: FileInfo,
}

impl Serialize for CloseResponse {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("CloseResponse", 8)?;
        o.serialize_field("flags", &self.flags)?;
        self.info.serialize_fields(&mut o)?;
        o.end()
    }
}

impl CloseRequest {
    /// Fixed part: 24 bytes, StructureSize 24.
    pub fn parse(pdu: &[u8]) -> Result<CloseRequest, BodyError> {
        let b = fixed(pdu, 24, 24)?;
        Ok(CloseRequest {
            flags: CloseFlags(u16_at(b, 2).unwrap_or(0)),
            file_id: FileId::at(b, 8).unwrap_or_default(),
        })
    }
}

impl CloseResponse {
    /// Fixed part: 60 bytes, StructureSize 60.
    pub fn parse(pdu: &[u8]) -> Result<CloseResponse, BodyError> {
        let b = fixed(pdu, 60, 60)?;
        Ok(CloseResponse {
            flags: CloseFlags(u16_at(b, 2).unwrap_or(0)),
            info: FileInfo::at(b),
        })
    }
}
