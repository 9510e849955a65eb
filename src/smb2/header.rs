//! The SMB2 packet header, sync and async forms ([MS-SMB2] 2.2.1.1, 2.2.1.2).

use std::fmt;

/// Protocol id of an SMB2 header: 0xFE 'S' 'M' 'B' ([MS-SMB2] 2.2.1).
pub const SMB2_MAGIC: [u8; 4] = [0xFE, b'S', b'M', b'B'];
/// Protocol id of an SMB2 TRANSFORM_HEADER: 0xFD 'S' 'M' 'B' ([MS-SMB2] 2.2.41).
pub const TRANSFORM_MAGIC: [u8; 4] = [0xFD, b'S', b'M', b'B'];
/// Protocol id of an SMB2 COMPRESSION_TRANSFORM_HEADER: 0xFC 'S' 'M' 'B' ([MS-SMB2] 2.2.42).
pub const COMPRESSION_MAGIC: [u8; 4] = [0xFC, b'S', b'M', b'B'];
/// Protocol id of an SMB1 header: 0xFF 'S' 'M' 'B' ([MS-CIFS] 2.2.3.1).
pub const SMB1_MAGIC: [u8; 4] = [0xFF, b'S', b'M', b'B'];

/// Size of the SMB2 packet header ([MS-SMB2] 2.2.1).
pub const HEADER_LEN: usize = 64;
/// The header's StructureSize: it "MUST be set to 64" ([MS-SMB2] 2.2.1.1,
/// 2.2.1.2), the header's size.
pub const HEADER_STRUCTURE_SIZE: u16 = 64;
/// The header's bytes before its Signature: every field the header is read
/// for (Command, Status, MessageId, TreeId or AsyncId, SessionId), so a
/// header cut after them (by the snaplen) is still read.
pub const HEADER_FIELDS_LEN: usize = 48;

/// An SMB2 command code ([MS-SMB2] 2.2.1.2, "Command"). Open: unknown codes are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Command(pub u16);

impl Command {
    pub const NEGOTIATE: Command = Command(0x0000);
    pub const SESSION_SETUP: Command = Command(0x0001);
    pub const LOGOFF: Command = Command(0x0002);
    pub const TREE_CONNECT: Command = Command(0x0003);
    pub const TREE_DISCONNECT: Command = Command(0x0004);
    pub const CREATE: Command = Command(0x0005);
    pub const CLOSE: Command = Command(0x0006);
    pub const FLUSH: Command = Command(0x0007);
    pub const READ: Command = Command(0x0008);
    pub const WRITE: Command = Command(0x0009);
    pub const LOCK: Command = Command(0x000A);
    pub const IOCTL: Command = Command(0x000B);
    pub const CANCEL: Command = Command(0x000C);
    pub const ECHO: Command = Command(0x000D);
    pub const QUERY_DIRECTORY: Command = Command(0x000E);
    pub const CHANGE_NOTIFY: Command = Command(0x000F);
    pub const QUERY_INFO: Command = Command(0x0010);
    pub const SET_INFO: Command = Command(0x0011);
    pub const OPLOCK_BREAK: Command = Command(0x0012);
    /// SMB2_SERVER_TO_CLIENT_NOTIFICATION ([MS-SMB2] 2.2.44, dialect 3.1.1).
    pub const SERVER_TO_CLIENT_NOTIFICATION: Command = Command(0x0013);

    /// The command's name as [MS-SMB2] writes it (without the SMB2_ prefix).
    pub fn name(self) -> Option<&'static str> {
        const NAMES: [&str; 20] = [
            "NEGOTIATE",
            "SESSION_SETUP",
            "LOGOFF",
            "TREE_CONNECT",
            "TREE_DISCONNECT",
            "CREATE",
            "CLOSE",
            "FLUSH",
            "READ",
            "WRITE",
            "LOCK",
            "IOCTL",
            "CANCEL",
            "ECHO",
            "QUERY_DIRECTORY",
            "CHANGE_NOTIFY",
            "QUERY_INFO",
            "SET_INFO",
            "OPLOCK_BREAK",
            "SERVER_TO_CLIENT_NOTIFICATION",
        ];
        NAMES.get(usize::from(self.0)).copied()
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "0x{:04x}", self.0),
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// SMB2 header flags ([MS-SMB2] 2.2.1.2, "Flags").
pub mod flags {
    pub const SERVER_TO_REDIR: u32 = 0x0000_0001;
    pub const ASYNC_COMMAND: u32 = 0x0000_0002;
    pub const RELATED_OPERATIONS: u32 = 0x0000_0004;
    pub const SIGNED: u32 = 0x0000_0008;
    pub const PRIORITY_MASK: u32 = 0x0000_0070;
    pub const DFS_OPERATIONS: u32 = 0x1000_0000;
    pub const REPLAY_OPERATION: u32 = 0x2000_0000;
}

/// The SMB2 packet header ([MS-SMB2] 2.2.1.1 ASYNC and 2.2.1.2 SYNC).
///
/// `status` holds the 32-bit Status field of responses; in requests of dialect
/// 3.x the same bytes are ChannelSequence/Reserved, which we keep as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Smb2Header {
    pub structure_size: u16,
    pub credit_charge: u16,
    pub status: u32,
    pub command: Command,
    /// CreditRequest in requests, CreditResponse (credits granted) in responses.
    pub credits: u16,
    pub flags: u32,
    pub next_command: u32,
    pub message_id: u64,
    /// AsyncId when SMB2_FLAGS_ASYNC_COMMAND is set.
    pub async_id: Option<u64>,
    /// TreeId in the sync form; `None` in the async form.
    pub tree_id: Option<u32>,
    pub session_id: u64,
    /// `None` when the header is cut before or inside its Signature.
    pub signature: Option<[u8; 16]>,
}

/// Why a header could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer than [`HEADER_FIELDS_LEN`] bytes.
    Short(usize),
    /// The first four bytes are not 0xFE 'SMB'.
    BadMagic,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Short(n) => write!(
                f,
                "SMB2 header needs {HEADER_FIELDS_LEN} bytes before its Signature, {n} present"
            ),
            HeaderError::BadMagic => {
                f.write_str("not an SMB2 header (protocol id is not 0xFE 'SMB')")
            }
        }
    }
}

impl std::error::Error for HeaderError {}

pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
pub(crate) fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

impl Smb2Header {
    /// Parses the 64-byte header at the start of `b`; one cut inside its
    /// Signature (`b` of 48 to 63 bytes) has every other field, and no
    /// signature.
    pub fn parse(b: &[u8]) -> Result<Smb2Header, HeaderError> {
        if b.len() < HEADER_FIELDS_LEN {
            return Err(HeaderError::Short(b.len()));
        }
        if b[0..4] != SMB2_MAGIC {
            return Err(HeaderError::BadMagic);
        }
        let flags = le32(b, 16);
        let (async_id, tree_id) = if flags & flags::ASYNC_COMMAND != 0 {
            (Some(le64(b, 32)), None)
        } else {
            (None, Some(le32(b, 36)))
        };
        let signature = b
            .get(HEADER_FIELDS_LEN..HEADER_LEN)
            .and_then(|s| <[u8; 16]>::try_from(s).ok());
        Ok(Smb2Header {
            structure_size: le16(b, 4),
            credit_charge: le16(b, 6),
            status: le32(b, 8),
            command: Command(le16(b, 12)),
            credits: le16(b, 14),
            flags,
            next_command: le32(b, 20),
            message_id: le64(b, 24),
            async_id,
            tree_id,
            session_id: le64(b, 40),
            signature,
        })
    }

    pub fn is_response(&self) -> bool {
        self.flags & flags::SERVER_TO_REDIR != 0
    }
    pub fn is_async(&self) -> bool {
        self.flags & flags::ASYNC_COMMAND != 0
    }
    pub fn is_signed(&self) -> bool {
        self.flags & flags::SIGNED != 0
    }
    pub fn is_related(&self) -> bool {
        self.flags & flags::RELATED_OPERATIONS != 0
    }
    /// StructureSize is not the 64 that [MS-SMB2] 2.2.1.1 and 2.2.1.2
    /// require. The fields are read all the same, at the offsets of a
    /// 64-byte header, as tshark reads them (its `smb2.header_len`, with no
    /// expert note); a peer that checks it (Linux's cifs client and ksmbd
    /// do) drops such a message.
    pub fn structure_size_wrong(&self) -> bool {
        self.structure_size != HEADER_STRUCTURE_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_cover_all_codes() {
        assert_eq!(Command(0).to_string(), "NEGOTIATE");
        assert_eq!(Command(0x12).to_string(), "OPLOCK_BREAK");
        assert_eq!(Command(0x13).to_string(), "SERVER_TO_CLIENT_NOTIFICATION");
        assert_eq!(Command(0x99).to_string(), "0x0099");
    }

    /// A header cut inside its Signature (by the snaplen) has every other
    /// field: the real header of a SESSION_SETUP response refused with
    /// STATUS_LOGON_FAILURE, the last SMB2 header of the sample, cut at
    /// each length from 48 to 63 bytes. At 47 (inside SessionId) it is short.
    #[test]
    fn a_header_cut_inside_its_signature_keeps_every_other_field() {
        let cap = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-wrong-password.pcap"
        ))
        .expect("sample");
        let at = cap
            .windows(4)
            .rposition(|w| w == SMB2_MAGIC)
            .expect("an SMB2 header");
        let whole = Smb2Header::parse(&cap[at..]).expect("a header");
        assert_eq!(
            (whole.command, whole.status, whole.message_id),
            (Command::SESSION_SETUP, 0xC000_006D, 2)
        );
        assert!(whole.signature.is_some());
        for n in HEADER_FIELDS_LEN..HEADER_LEN {
            let cut = Smb2Header::parse(&cap[at..at + n]);
            let want = Smb2Header {
                signature: None,
                ..whole
            };
            assert_eq!(cut, Ok(want), "{n} bytes");
        }
        assert_eq!(
            Smb2Header::parse(&cap[at..at + 47]),
            Err(HeaderError::Short(47))
        );
    }

    #[test]
    fn short_and_foreign_headers_are_errors() {
        assert_eq!(Smb2Header::parse(&[0xFE, b'S']), Err(HeaderError::Short(2)));
        let mut b = [0u8; 64];
        b[..4].copy_from_slice(&SMB1_MAGIC);
        assert_eq!(Smb2Header::parse(&b), Err(HeaderError::BadMagic));
    }
}
