//! SMB1 file commands, enough to count a tree's opens, reads and writes as
//! SMB2's are counted: SMB_COM_NT_CREATE_ANDX ([MS-CIFS] 2.2.4.64; the
//! extended response, [MS-SMB] 2.2.4.9), SMB_COM_OPEN_ANDX ([MS-CIFS]
//! 2.2.4.41), SMB_COM_READ_ANDX (2.2.4.42; [MS-SMB] 2.2.4.2),
//! SMB_COM_WRITE_ANDX (2.2.4.43; [MS-SMB] 2.2.4.3) and SMB_COM_CLOSE
//! (2.2.4.5).
//!
//! A message holds one command, or several chained by AndX ([MS-CIFS]
//! 2.2.3.4), followed forward only and bounded as `smb1_andx` follows
//! them; the file commands in the chain are read, each by its WordCount
//! (one of the forms below; an error response has WordCount 0). Offsets
//! are from the SMB1 header's first byte; every read is bounded by the
//! bytes present, strings also by ByteCount (see `smb1_session`).

use serde::Serialize;

use super::create::ShareAccess;
use super::smb1::Smb1Command;
use super::smb1_andx::AndxCommand;
pub use super::smb1_andx::MAX_CHAINED;
use super::smb1_session::{bytes_range, Strings};
use super::wire::{u16_at, u32_at, AccessMask};

/// One file command of an SMB1 message, request or response: the message's
/// own command or one chained to it. Only the fields of its form are given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Smb1File {
    pub command: Smb1Command,
    /// WordCount: NT_CREATE_ANDX 24 (request), 34 or 42 (response, 42 the
    /// extended form, which Windows sends with 50 words of parameters);
    /// OPEN_ANDX 15 (request), 15 or 19 (response); READ_ANDX 10 or 12
    /// (request), 12 (response); WRITE_ANDX 12 or 14 (request), 6
    /// (response); CLOSE 3 (request), 0 (response); 0 for an error response.
    pub word_count: u8,
    /// FileName (NT_CREATE_ANDX and OPEN_ANDX requests), as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// DesiredAccess (NT_CREATE_ANDX requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_access: Option<AccessMask>,
    /// ShareAccess (NT_CREATE_ANDX requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_access: Option<ShareAccess>,
    /// AccessMode (OPEN_ANDX requests, [MS-CIFS] 2.2.4.41.1): the access
    /// in bits 0-2, the sharing mode in bits 4-6.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_mode: Option<u16>,
    /// FID: NT_CREATE_ANDX and OPEN_ANDX responses; READ_ANDX, WRITE_ANDX
    /// and CLOSE requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fid: Option<u16>,
    /// Offset, with OffsetHigh when the form has it (READ_ANDX and
    /// WRITE_ANDX requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// DataLength, with DataLengthHigh as its upper 16 bits ([MS-SMB]
    /// 2.2.4.2.2, 2.2.4.3.1): READ_ANDX responses (the bytes read) and
    /// WRITE_ANDX requests (the bytes sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_length: Option<u32>,
    /// Count, with CountHigh as its upper 16 bits ([MS-SMB] 2.2.4.3.2):
    /// WRITE_ANDX responses (the bytes written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl Smb1File {
    /// What the command says in one line: "\\report.txt", "FID 0x4000",
    /// "68 bytes".
    pub fn detail(&self) -> Option<String> {
        if let Some(n) = &self.file_name {
            return Some(n.clone());
        }
        match (self.data_length.or(self.count), self.fid) {
            (Some(n), Some(f)) => Some(format!("FID 0x{f:04x}, {n} bytes")),
            (Some(n), None) => Some(format!("{n} bytes")),
            (None, Some(f)) => Some(format!("FID 0x{f:04x}")),
            (None, None) => None,
        }
    }
}

/// What the file commands of a message say in one line: each command's
/// [`Smb1File::detail`], a chained one's after its name
/// ("\\hello.txt; SMB_COM_READ_ANDX FID 0xffff").
pub fn files_detail(files: &[Smb1File]) -> Option<String> {
    let mut out = String::new();
    for (i, f) in files.iter().enumerate() {
        let d = f.detail();
        if i == 0 {
            out.push_str(d.as_deref().unwrap_or(""));
            continue;
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(&f.command.to_string());
        if let Some(d) = d {
            out.push(' ');
            out.push_str(&d);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// One of the file commands read here.
pub fn is_file_command(c: Smb1Command) -> bool {
    matches!(
        c,
        Smb1Command::NT_CREATE_ANDX
            | Smb1Command::OPEN_ANDX
            | Smb1Command::READ_ANDX
            | Smb1Command::WRITE_ANDX
            | Smb1Command::CLOSE
    )
}

/// The file commands of an SMB1 message whose header names `first` (`pdu`
/// from the header's first byte): `first` and those chained to it by AndX,
/// in their order. Empty when there is none, or none of a known form. The
/// parser walks the chain once for all it reads ([`file_commands`]); this is
/// its tests' entry.
#[cfg(test)]
pub fn parse_file_commands(
    pdu: &[u8],
    first: Smb1Command,
    response: bool,
    unicode: bool,
) -> Vec<Smb1File> {
    let chain: Vec<AndxCommand> = super::smb1_andx::andx_chain(pdu, first).collect();
    file_commands(pdu, &chain, response, unicode)
}

/// [`parse_file_commands`] on a chain already walked.
pub fn file_commands(
    pdu: &[u8],
    chain: &[AndxCommand],
    response: bool,
    unicode: bool,
) -> Vec<Smb1File> {
    chain
        .iter()
        .filter(|c| is_file_command(c.command))
        .filter_map(|c| parse_one(pdu, c.command, c.at, c.word_count?, response, unicode))
        .collect()
}

/// The file name of an NT_CREATE_ANDX or OPEN_ANDX request: the first
/// string of its bytes (Unicode ones aligned from the header's start).
fn file_name(pdu: &[u8], at: usize, wc: u8, unicode: bool) -> Option<String> {
    let (bytes, cut) = bytes_range(pdu, at, wc)?;
    Strings::new(pdu, &bytes, unicode, cut).next_string()
}

/// A value and its upper 16 bits in another field: `low | high << 16`.
fn with_high(low: Option<u16>, high: Option<u16>) -> Option<u32> {
    Some(u32::from(low?) | u32::from(high.unwrap_or(0)) << 16)
}

/// One file command whose WordCount `wc` is at `at`; None when `wc` is
/// not one of its forms.
fn parse_one(
    pdu: &[u8],
    command: Smb1Command,
    at: usize,
    wc: u8,
    response: bool,
    unicode: bool,
) -> Option<Smb1File> {
    // The parameter words begin after WordCount; an _ANDX command's first
    // four bytes are AndXCommand, AndXReserved and AndXOffset.
    let w = at + 1;
    let mut f = Smb1File {
        command,
        word_count: wc,
        ..Smb1File::default()
    };
    match (command, response, wc) {
        // An error response (and CLOSE's answer) has no words.
        (_, true, 0) => {}
        // [MS-CIFS] 2.2.4.64.1: NameLength (w+5), Flags, RootDirectoryFID,
        // DesiredAccess (w+15), AllocationSize, ExtFileAttributes,
        // ShareAccess (w+31), ...; the bytes are FileName.
        (Smb1Command::NT_CREATE_ANDX, false, 24) => {
            f.desired_access = u32_at(pdu, w + 15).map(AccessMask);
            f.share_access = u32_at(pdu, w + 31).map(ShareAccess);
            f.file_name = file_name(pdu, at, wc, unicode);
        }
        // [MS-CIFS] 2.2.4.64.2, [MS-SMB] 2.2.4.9.2: OplockLevel (w+4), FID
        // (w+5). Only the FID is read, so the 50 words Windows sends under
        // WordCount 42 do not matter.
        (Smb1Command::NT_CREATE_ANDX, true, 34 | 42) => f.fid = u16_at(pdu, w + 5),
        // [MS-CIFS] 2.2.4.41.1: Flags (w+4), AccessMode (w+6), ...; the
        // bytes are FileName.
        (Smb1Command::OPEN_ANDX, false, 15) => {
            f.access_mode = u16_at(pdu, w + 6);
            f.file_name = file_name(pdu, at, wc, unicode);
        }
        // [MS-CIFS] 2.2.4.41.2, [MS-SMB] 2.2.4.1.2: FID (w+4).
        (Smb1Command::OPEN_ANDX, true, 15 | 19) => f.fid = u16_at(pdu, w + 4),
        // [MS-CIFS] 2.2.4.42.1: FID (w+4), Offset (w+6), ..., OffsetHigh
        // (w+20, WordCount 12).
        (Smb1Command::READ_ANDX, false, 10 | 12) => {
            f.fid = u16_at(pdu, w + 4);
            f.offset = offset(pdu, w + 6, (wc == 12).then_some(w + 20));
        }
        // [MS-CIFS] 2.2.4.42.2: Available (w+4), DataCompactionMode,
        // Reserved1, DataLength (w+10), DataOffset (w+12); [MS-SMB]
        // 2.2.4.2.2: DataLengthHigh (w+14).
        (Smb1Command::READ_ANDX, true, 12) => {
            f.data_length = with_high(u16_at(pdu, w + 10), u16_at(pdu, w + 14));
        }
        // [MS-CIFS] 2.2.4.43.1: FID (w+4), Offset (w+6), Timeout,
        // WriteMode, Remaining, Reserved ([MS-SMB] 2.2.4.3.1:
        // DataLengthHigh, w+18), DataLength (w+20), DataOffset, OffsetHigh
        // (w+24, WordCount 14).
        (Smb1Command::WRITE_ANDX, false, 12 | 14) => {
            f.fid = u16_at(pdu, w + 4);
            f.offset = offset(pdu, w + 6, (wc == 14).then_some(w + 24));
            f.data_length = with_high(u16_at(pdu, w + 20), u16_at(pdu, w + 18));
        }
        // [MS-CIFS] 2.2.4.43.2: Count (w+4), Available, Reserved ([MS-SMB]
        // 2.2.4.3.2: CountHigh, w+8).
        (Smb1Command::WRITE_ANDX, true, 6) => {
            f.count = with_high(u16_at(pdu, w + 4), u16_at(pdu, w + 8));
        }
        // [MS-CIFS] 2.2.4.5.1: FID (w+0), LastTimeModified.
        (Smb1Command::CLOSE, false, 3) => f.fid = u16_at(pdu, w),
        _ => return None,
    }
    Some(f)
}

/// Offset and, when the form has it, OffsetHigh as its upper 32 bits.
fn offset(pdu: &[u8], low: usize, high: Option<usize>) -> Option<u64> {
    let low = u64::from(u32_at(pdu, low)?);
    let high = high.and_then(|h| u32_at(pdu, h)).unwrap_or(0);
    Some(low | u64::from(high) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SMB1 header for `command` (32 bytes) with the given words and
    /// bytes.
    fn message(command: u8, response: bool, words: &[u8], bytes: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; 32];
        p[..4].copy_from_slice(b"\xffSMB");
        p[4] = command;
        if response {
            p[9] = 0x80;
        }
        p.push((words.len() / 2) as u8);
        p.extend_from_slice(words);
        p.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        p.extend_from_slice(bytes);
        p
    }

    #[test]
    fn chains_are_followed_forward_and_bounded() {
        // A READ_ANDX response whose AndXOffset points at its own
        // WordCount: one command, no loop.
        let mut words = vec![0u8; 24];
        words[0] = 0x2E;
        words[2..4].copy_from_slice(&32u16.to_le_bytes());
        words[10..12].copy_from_slice(&21u16.to_le_bytes());
        let p = message(0x2E, true, &words, &[]);
        let f = parse_file_commands(&p, Smb1Command::READ_ANDX, true, false);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].data_length, Some(21));
        // Every prefix and hostile lengths: no panic.
        for n in 0..=p.len() {
            let _ = parse_file_commands(&p[..n], Smb1Command::READ_ANDX, true, true);
            let _ = parse_file_commands(&p[..n], Smb1Command::NT_CREATE_ANDX, false, true);
        }
    }
}
