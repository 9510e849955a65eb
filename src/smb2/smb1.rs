//! SMB1 basics: the SMB header ([MS-CIFS] 2.2.3.1) and the SMB_COM_NEGOTIATE
//! request's dialect strings ([MS-CIFS] 2.2.4.52.1), which is how clients that
//! still start with SMB1 offer SMB2 ("SMB 2.002", "SMB 2.???", [MS-SMB2]
//! 3.3.5.3.1). For every other SMB1 message we only give the command code and
//! the status, read by its form: an NTSTATUS when Flags2 has NT_STATUS, else
//! ErrorClass/ErrorCode ([MS-CIFS] 2.2.3.1; names in `crate::ntstatus::dos`).

use arrayvec::ArrayVec;
use serde::Serialize;
use std::fmt;

use crate::ntstatus::NtStatus;

use super::header::SMB1_MAGIC;
use super::smb1_andx::{andx_chain, AndxCommand, MAX_CHAINED};
use super::smb1_file::file_commands;
pub use super::smb1_file::Smb1File;
use super::smb1_session::{logon_detail, parse_session_setup, parse_tree_connect};
pub use super::smb1_session::{SessionSetupAndx, Smb1SetupAction, TreeConnectAndx};
use super::wire::{open_enum, open_flags, u16_at, u32_at, u8_at};

/// Size of the SMB1 header ([MS-CIFS] 2.2.3.1).
pub const SMB1_HEADER_LEN: usize = 32;
/// At most this many dialect strings are read from one NEGOTIATE request.
const MAX_SMB1_DIALECTS: usize = 64;

open_enum! {
    /// SMB1 command codes ([MS-CIFS] 2.2.2.1), the common ones by name.
    Smb1Command(u8), width 2;
    CREATE_DIRECTORY = 0x00 => "SMB_COM_CREATE_DIRECTORY",
    DELETE_DIRECTORY = 0x01 => "SMB_COM_DELETE_DIRECTORY",
    CLOSE = 0x04 => "SMB_COM_CLOSE",
    FLUSH = 0x05 => "SMB_COM_FLUSH",
    DELETE = 0x06 => "SMB_COM_DELETE",
    RENAME = 0x07 => "SMB_COM_RENAME",
    QUERY_INFORMATION = 0x08 => "SMB_COM_QUERY_INFORMATION",
    CHECK_DIRECTORY = 0x10 => "SMB_COM_CHECK_DIRECTORY",
    LOCKING_ANDX = 0x24 => "SMB_COM_LOCKING_ANDX",
    TRANSACTION = 0x25 => "SMB_COM_TRANSACTION",
    TRANSACTION_SECONDARY = 0x26 => "SMB_COM_TRANSACTION_SECONDARY",
    ECHO = 0x2B => "SMB_COM_ECHO",
    OPEN_ANDX = 0x2D => "SMB_COM_OPEN_ANDX",
    READ_ANDX = 0x2E => "SMB_COM_READ_ANDX",
    WRITE_ANDX = 0x2F => "SMB_COM_WRITE_ANDX",
    TRANSACTION2 = 0x32 => "SMB_COM_TRANSACTION2",
    TRANSACTION2_SECONDARY = 0x33 => "SMB_COM_TRANSACTION2_SECONDARY",
    FIND_CLOSE2 = 0x34 => "SMB_COM_FIND_CLOSE2",
    TREE_DISCONNECT = 0x71 => "SMB_COM_TREE_DISCONNECT",
    NEGOTIATE = 0x72 => "SMB_COM_NEGOTIATE",
    SESSION_SETUP_ANDX = 0x73 => "SMB_COM_SESSION_SETUP_ANDX",
    LOGOFF_ANDX = 0x74 => "SMB_COM_LOGOFF_ANDX",
    TREE_CONNECT_ANDX = 0x75 => "SMB_COM_TREE_CONNECT_ANDX",
    SEARCH = 0x81 => "SMB_COM_SEARCH",
    NT_TRANSACT = 0xA0 => "SMB_COM_NT_TRANSACT",
    NT_TRANSACT_SECONDARY = 0xA1 => "SMB_COM_NT_TRANSACT_SECONDARY",
    NT_CREATE_ANDX = 0xA2 => "SMB_COM_NT_CREATE_ANDX",
    NT_CANCEL = 0xA4 => "SMB_COM_NT_CANCEL",
}

open_flags! {
    /// SMB1 header Flags2 ([MS-CIFS] 2.2.3.1), the bits that matter here.
    Smb1Flags2(u16), width 4;
    LONG_NAMES = 0x0001 => "LONG_NAMES",
    EAS = 0x0002 => "EAS",
    SECURITY_SIGNATURE = 0x0004 => "SECURITY_SIGNATURE",
    /// SMB_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED ([MS-SMB] 2.2.3.1).
    SECURITY_SIGNATURE_REQUIRED = 0x0010 => "SECURITY_SIGNATURE_REQUIRED",
    IS_LONG_NAME = 0x0040 => "IS_LONG_NAME",
    EXTENDED_SECURITY = 0x0800 => "EXTENDED_SECURITY",
    DFS = 0x1000 => "DFS",
    PAGING_IO = 0x2000 => "PAGING_IO",
    NT_STATUS = 0x4000 => "NT_STATUS",
    UNICODE = 0x8000 => "UNICODE",
}

open_flags! {
    /// SecurityMode of an NT LM 0.12 NEGOTIATE response ([MS-CIFS]
    /// 2.2.4.52.2): without ENCRYPT_PASSWORDS the server asks for plaintext
    /// passwords.
    Smb1SecurityMode(u8), width 2;
    USER_SECURITY = 0x01 => "USER_SECURITY",
    ENCRYPT_PASSWORDS = 0x02 => "ENCRYPT_PASSWORDS",
    SECURITY_SIGNATURES_ENABLED = 0x04 => "SECURITY_SIGNATURES_ENABLED",
    SECURITY_SIGNATURES_REQUIRED = 0x08 => "SECURITY_SIGNATURES_REQUIRED",
}

/// The SMB1 NEGOTIATE payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Smb1Negotiate {
    /// [MS-CIFS] 2.2.4.52.1: the dialect strings offered, e.g.
    /// `["NT LM 0.12", "SMB 2.002", "SMB 2.???"]`.
    Request { dialects: Vec<String> },
    /// [MS-CIFS] 2.2.4.52.2: the index of the chosen dialect (0xFFFF: none)
    /// and, for NT LM 0.12 (WordCount 17), SecurityMode.
    Response {
        word_count: u8,
        dialect_index: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        security_mode: Option<Smb1SecurityMode>,
    },
}

/// An SMB1 message: header basics, plus the NEGOTIATE payload when it is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Smb1Message {
    pub command: Smb1Command,
    /// Status as sent (its 4 bytes read as a little-endian number): an
    /// NTSTATUS when Flags2 has NT_STATUS, else ErrorClass (byte 0) /
    /// ErrorCode (bytes 2..4) of the DOS form ([MS-CIFS] 2.2.3.1); see
    /// [`Smb1Message::read_status`].
    pub status: u32,
    pub is_response: bool,
    pub flags2: Smb1Flags2,
    /// The DOS form only (Flags2 without NT_STATUS): ErrorClass, e.g. 1
    /// (ERRDOS) ([MS-CIFS] 2.2.3.1, 2.2.2.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class: Option<u8>,
    /// The DOS form only: ErrorCode, e.g. 5 (ERRnoaccess).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u16>,
    pub tid: u16,
    pub uid: u16,
    pub mid: u16,
    /// PIDHigh and PIDLow: with the MID, what pairs a response with its
    /// request ([MS-CIFS] 2.2.1.6.2, 2.2.3.1).
    #[serde(skip)]
    pub pid: u32,
    /// Signed: Flags2 has SECURITY_SIGNATURE and SecuritySignature holds a
    /// signature, neither zeros nor "BSRSPYL ", the placeholder sent before
    /// signing starts ([MS-CIFS] 3.1.5.1, 3.2.4.1.1).
    #[serde(skip)]
    pub signed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiate: Option<Smb1Negotiate>,
    /// A TRANSACTION or TRANSACTION2 request's first two Setup words
    /// ([MS-CIFS] 2.2.4.33.1, 2.2.4.46.1): for a named pipe, the
    /// subcommand (0x0023 TRANS_PEEK_NMPIPE) and the FID.
    #[serde(skip)]
    pub setup: Option<(u16, Option<u16>)>,
    /// An NT_TRANSACT request's Function ([MS-CIFS] 2.2.4.62.1; 1 to 8
    /// are defined).
    #[serde(skip)]
    pub nt_function: Option<u16>,
    /// SMB_COM_SESSION_SETUP_ANDX, request or response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_setup: Option<Box<SessionSetupAndx>>,
    /// SMB_COM_TREE_CONNECT_ANDX, request or response: the header's own
    /// command, or one chained by AndX to it (to a SESSION_SETUP_ANDX, as
    /// Windows NT 4.0 to XP send it; [MS-CIFS] 2.2.3.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_connect: Option<Box<TreeConnectAndx>>,
    /// The commands of the message's AndX chain ([MS-CIFS] 2.2.3.4), the
    /// header's first (see `smb1_andx`): of a response, the commands
    /// answered; its Status is the last one's ([`Smb1Message::status_of`]).
    #[serde(skip)]
    pub chain: ArrayVec<Smb1Command, MAX_CHAINED>,
    /// The file commands (NT_CREATE_ANDX, OPEN_ANDX, READ_ANDX,
    /// WRITE_ANDX, CLOSE): the header's command and those chained to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub file_commands: Vec<Smb1File>,
}

/// TRANS_PEEK_NMPIPE, a TRANSACTION subcommand ([MS-CIFS] 2.2.5.5).
pub const TRANS_PEEK_NMPIPE: u16 = 0x0023;

/// Why an SMB1 message could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Smb1Error {
    /// Fewer than 32 bytes.
    Short(usize),
    /// The first four bytes are not 0xFF 'SMB'.
    BadMagic,
}

impl fmt::Display for Smb1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Smb1Error::Short(n) => write!(f, "SMB1 header needs 32 bytes, {n} present"),
            Smb1Error::BadMagic => {
                f.write_str("not an SMB1 header (protocol id is not 0xFF 'SMB')")
            }
        }
    }
}
impl std::error::Error for Smb1Error {}

impl Smb1Message {
    /// The header's own command among [`Smb1Message::file_commands`], when
    /// it is a file command of a known form (the others are chained to it).
    pub fn own_file(&self) -> Option<&Smb1File> {
        self.file_commands
            .first()
            .filter(|f| f.command == self.command)
    }

    /// The Status read by its form ([MS-CIFS] 2.2.3.1): the NTSTATUS, or a
    /// DOS-form ErrorClass/ErrorCode kept as [`NtStatus::dos`] keeps it
    /// (so that it is never taken for an NTSTATUS); success is
    /// STATUS_SUCCESS in both forms.
    pub fn read_status(&self) -> NtStatus {
        NtStatus::from_smb1(self.status, self.flags2.contains(Smb1Flags2::NT_STATUS))
    }

    /// The Status says success (NTSTATUS 0, or ErrorClass SUCCESS with
    /// ErrorCode 0).
    pub fn succeeded(&self) -> bool {
        self.read_status() == NtStatus::SUCCESS
    }

    /// The last command of the AndX chain: the one a response's Status is
    /// of ([MS-CIFS] 3.2.5.1.3), the one that failed when it is an error
    /// (the chain is answered up to it, 3.3.4.1.2).
    pub fn last_command(&self) -> Smb1Command {
        self.chain.last().copied().unwrap_or(self.command)
    }

    /// The status of `command` in a response's AndX chain ([MS-CIFS]
    /// 3.2.5.1.3): the Status when it is the chain's last command, success
    /// when another follows it; None when the chain does not hold it.
    pub fn status_of(&self, command: Smb1Command) -> Option<NtStatus> {
        let at = self.chain.iter().position(|&c| c == command)?;
        Some(if at + 1 < self.chain.len() {
            NtStatus::SUCCESS
        } else {
            self.read_status()
        })
    }

    /// Some command of the response succeeded: the Status says success, or
    /// a command was answered before the one it is of.
    pub fn any_succeeded(&self) -> bool {
        self.succeeded() || self.chain.len() > 1
    }

    /// The dialect strings of a NEGOTIATE request, if this is one.
    pub fn dialects(&self) -> Option<&[String]> {
        match &self.negotiate {
            Some(Smb1Negotiate::Request { dialects }) => Some(dialects),
            _ => None,
        }
    }

    /// True when a NEGOTIATE request offers SMB2 ("SMB 2.002" or "SMB 2.???").
    pub fn offers_smb2(&self) -> bool {
        self.dialects()
            .is_some_and(|d| d.iter().any(|s| s == "SMB 2.002" || s == "SMB 2.???"))
    }

    /// What a transaction request asks: "setup 0x0023,0x0000" (its Setup
    /// words) or "function 0" (an NT_TRANSACT's Function).
    pub fn trans_detail(&self) -> Option<String> {
        match (self.setup, self.nt_function) {
            (Some((a, Some(b))), _) => Some(format!("setup 0x{a:04x},0x{b:04x}")),
            (Some((a, None)), _) => Some(format!("setup 0x{a:04x}")),
            (None, Some(f)) => Some(format!("function {f}")),
            (None, None) => None,
        }
    }

    /// What a logon or tree connect says (see [`logon_detail`]); of a
    /// logon's response whose chained command was refused, which one
    /// ("SMB_COM_TREE_CONNECT_ANDX refused": the Status is its, [MS-CIFS]
    /// 3.2.5.1.3).
    pub fn logon_detail(&self) -> Option<String> {
        let detail = logon_detail(self.session_setup.as_deref(), self.tree_connect.as_deref());
        let last = self.last_command();
        if self.command != Smb1Command::SESSION_SETUP_ANDX
            || !self.is_response
            || self.succeeded()
            || last == self.command
        {
            return detail;
        }
        Some(match detail {
            Some(d) => format!("{d}; {last} refused"),
            None => format!("{last} refused"),
        })
    }

    /// e.g. `SMB_COM_NEGOTIATE dialects NT LM 0.12,SMB 2.002,SMB 2.???`
    pub fn summary(&self) -> String {
        match &self.negotiate {
            Some(Smb1Negotiate::Request { dialects }) => {
                format!("{} dialects {}", self.command, dialects.join(","))
            }
            Some(Smb1Negotiate::Response { dialect_index, .. }) => {
                format!("{} dialect index {dialect_index}", self.command)
            }
            None if !self.succeeded() => format!("{} status {}", self.command, self.read_status()),
            None => match self.trans_detail() {
                Some(d) => format!("{} {d}", self.command),
                None => self.command.to_string(),
            },
        }
    }
}

/// Parses an SMB1 message that starts at the 0xFF 'SMB' header.
pub fn parse_smb1(pdu: &[u8]) -> Result<Smb1Message, Smb1Error> {
    if pdu.len() < SMB1_HEADER_LEN {
        return Err(Smb1Error::Short(pdu.len()));
    }
    if pdu.get(0..4) != Some(&SMB1_MAGIC[..]) {
        return Err(Smb1Error::BadMagic);
    }
    let command = Smb1Command(u8_at(pdu, 4).unwrap_or(0));
    let flags = u8_at(pdu, 9).unwrap_or(0);
    let is_response = flags & 0x80 != 0;
    let negotiate = if command == Smb1Command::NEGOTIATE {
        let wc = u8_at(pdu, 32);
        if is_response {
            match (wc, u16_at(pdu, 33)) {
                (Some(word_count), Some(dialect_index)) if word_count > 0 => {
                    Some(Smb1Negotiate::Response {
                        word_count,
                        dialect_index,
                        security_mode: (word_count == 17)
                            .then(|| u8_at(pdu, 35).map(Smb1SecurityMode))
                            .flatten(),
                    })
                }
                _ => None,
            }
        } else {
            // WordCount (0), ByteCount, then 0x02-prefixed NUL-terminated strings.
            let words = usize::from(wc.unwrap_or(0)) * 2;
            let bc_at = 33 + words;
            u16_at(pdu, bc_at).map(|bc| {
                let start = bc_at + 2;
                let end = start.saturating_add(usize::from(bc)).min(pdu.len());
                let bytes = pdu.get(start..end).unwrap_or(&[]);
                let mut dialects = Vec::new();
                for chunk in bytes.split(|&c| c == 0) {
                    if dialects.len() >= MAX_SMB1_DIALECTS {
                        break;
                    }
                    if let Some((&0x02, s)) = chunk.split_first() {
                        dialects.push(String::from_utf8_lossy(s).into_owned());
                    }
                }
                Smb1Negotiate::Request { dialects }
            })
        }
    } else {
        None
    };
    let (setup, nt_function) = if is_response {
        (None, None)
    } else {
        (trans_setup(pdu, command), nt_function(pdu, command))
    };
    let flags2 = Smb1Flags2(u16_at(pdu, 10).unwrap_or(0));
    let status = u32_at(pdu, 5).unwrap_or(0);
    let (error_class, error_code) = if flags2.contains(Smb1Flags2::NT_STATUS) {
        (None, None)
    } else {
        let (class, code) = crate::ntstatus::dos::split(status);
        (Some(class), Some(code))
    };
    let unicode = flags2.contains(Smb1Flags2::UNICODE);
    let session_setup = (command == Smb1Command::SESSION_SETUP_ANDX)
        .then(|| parse_session_setup(pdu, is_response, unicode))
        .flatten()
        .map(Box::new);
    // Walked once (at most MAX_CHAINED commands): the chain's commands,
    // its tree connect and its file commands are read from it.
    let walked: ArrayVec<AndxCommand, MAX_CHAINED> = andx_chain(pdu, command).collect();
    let chain = walked.iter().map(|c| c.command).collect();
    let tree_connect = tree_connect(pdu, &walked, is_response, unicode).map(Box::new);
    let file_commands = file_commands(pdu, &walked, is_response, unicode);
    Ok(Smb1Message {
        command,
        status,
        is_response,
        flags2,
        error_class,
        error_code,
        tid: u16_at(pdu, 24).unwrap_or(0),
        uid: u16_at(pdu, 28).unwrap_or(0),
        mid: u16_at(pdu, 30).unwrap_or(0),
        pid: u32::from(u16_at(pdu, 12).unwrap_or(0)) << 16
            | u32::from(u16_at(pdu, 26).unwrap_or(0)),
        signed: flags2.contains(Smb1Flags2::SECURITY_SIGNATURE)
            && pdu
                .get(14..22)
                .is_some_and(|sig| sig != [0u8; 8] && sig != b"BSRSPYL "),
        negotiate,
        setup,
        nt_function,
        session_setup,
        tree_connect,
        chain,
        file_commands,
    })
}

/// The TREE_CONNECT_ANDX of a message's walked AndX `chain`, whose first
/// command is the header's: the header's own, or the first one chained to
/// a SESSION_SETUP_ANDX
/// ([MS-CIFS] 2.2.3.4, 2.2.4.53, 2.2.4.55).
fn tree_connect(
    pdu: &[u8],
    chain: &[AndxCommand],
    response: bool,
    unicode: bool,
) -> Option<TreeConnectAndx> {
    let first = chain.first()?.command;
    if first != Smb1Command::TREE_CONNECT_ANDX && first != Smb1Command::SESSION_SETUP_ANDX {
        return None;
    }
    let c = chain
        .iter()
        .find(|c| c.command == Smb1Command::TREE_CONNECT_ANDX)?;
    parse_tree_connect(pdu, c.at, response, unicode)
}

/// The first two Setup words of a TRANSACTION or TRANSACTION2 request:
/// after WordCount (at 32) come 13 words of fixed fields, SetupCount (byte
/// 59) and a reserved byte; WordCount is 14 + SetupCount.
fn trans_setup(pdu: &[u8], command: Smb1Command) -> Option<(u16, Option<u16>)> {
    if command != Smb1Command::TRANSACTION && command != Smb1Command::TRANSACTION2 {
        return None;
    }
    let wc = u8_at(pdu, 32)?;
    let count = u8_at(pdu, 59)?;
    if count == 0 || wc != 14u8.checked_add(count)? {
        return None;
    }
    let first = u16_at(pdu, 61)?;
    let second = if count >= 2 { u16_at(pdu, 63) } else { None };
    Some((first, second))
}

/// An NT_TRANSACT request's Function: after WordCount (at 32) come
/// MaxSetupCount, 2 reserved bytes, 8 four-byte counts and offsets, and
/// SetupCount (byte 68); WordCount is 19 + SetupCount.
fn nt_function(pdu: &[u8], command: Smb1Command) -> Option<u16> {
    if command != Smb1Command::NT_TRANSACT {
        return None;
    }
    let wc = u8_at(pdu, 32)?;
    let count = u8_at(pdu, 68)?;
    if wc != 19u8.checked_add(count)? {
        return None;
    }
    u16_at(pdu, 69)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiate_request_dialects() {
        let mut p = vec![0u8; 32];
        p[..4].copy_from_slice(&SMB1_MAGIC);
        p[4] = 0x72;
        p[10] = 0x01;
        p[11] = 0xC8;
        let mut bytes = Vec::new();
        for d in ["NT LM 0.12", "SMB 2.002", "SMB 2.???"] {
            bytes.push(2);
            bytes.extend_from_slice(d.as_bytes());
            bytes.push(0);
        }
        p.push(0);
        p.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        p.extend_from_slice(&bytes);
        let m = parse_smb1(&p).unwrap();
        assert_eq!(
            m.dialects().unwrap(),
            ["NT LM 0.12", "SMB 2.002", "SMB 2.???"]
        );
        assert!(m.offers_smb2());
        assert_eq!(
            m.summary(),
            "SMB_COM_NEGOTIATE dialects NT LM 0.12,SMB 2.002,SMB 2.???"
        );
        // truncated in the middle of a string: keep what is there
        let m = parse_smb1(&p[..p.len() - 3]).unwrap();
        assert_eq!(
            m.dialects().unwrap(),
            ["NT LM 0.12", "SMB 2.002", "SMB 2.?"]
        );
        assert_eq!(parse_smb1(&p[..10]), Err(Smb1Error::Short(10)));
    }

    /// A SESSION_SETUP_ANDX response (WordCount 3) with a TREE_CONNECT_ANDX
    /// response chained at 41 (WordCount `tree_wc`, Service "A:"), as
    /// smbd answers a chained logon and tree connect, Status `status`.
    fn chained_response(status: u32, tree_wc: u8) -> Vec<u8> {
        let mut p = vec![0u8; 32];
        p[..4].copy_from_slice(&SMB1_MAGIC);
        p[4] = 0x73;
        p[5..9].copy_from_slice(&status.to_le_bytes());
        p[9] = 0x80;
        p[10..12].copy_from_slice(&0x4001u16.to_le_bytes());
        p.extend_from_slice(&[3, 0x75, 0, 41, 0, 0, 0, 0, 0]);
        p.push(tree_wc);
        if tree_wc == 3 {
            p.extend_from_slice(&[0xFF, 0, 0, 0, 1, 0]);
            p.extend_from_slice(&4u16.to_le_bytes());
            p.extend_from_slice(b"A:\0\0");
        } else {
            p.extend_from_slice(&[0, 0]);
        }
        p
    }

    #[test]
    fn tree_connect_chained_to_a_logon() {
        let m = parse_smb1(&chained_response(0, 3)).unwrap();
        assert_eq!(
            m.chain.as_slice(),
            [
                Smb1Command::SESSION_SETUP_ANDX,
                Smb1Command::TREE_CONNECT_ANDX
            ]
        );
        assert_eq!(
            m.tree_connect.as_ref().unwrap().service.as_deref(),
            Some("A:")
        );
        assert_eq!(m.session_setup.as_ref().unwrap().word_count, 3);
        assert_eq!(
            m.logon_detail().as_deref(),
            Some("SMB_COM_TREE_CONNECT_ANDX service A:")
        );
        // Refused: the Status is the tree connect's, the logon succeeded.
        let bad = NtStatus::BAD_NETWORK_NAME;
        let m = parse_smb1(&chained_response(bad.0, 0)).unwrap();
        assert_eq!(m.last_command(), Smb1Command::TREE_CONNECT_ANDX);
        assert_eq!(m.status_of(Smb1Command::TREE_CONNECT_ANDX), Some(bad));
        assert_eq!(
            m.status_of(Smb1Command::SESSION_SETUP_ANDX),
            Some(NtStatus::SUCCESS)
        );
        assert_eq!(m.status_of(Smb1Command::READ_ANDX), None);
        assert!(m.any_succeeded() && !m.succeeded());
        assert!(m.tree_connect.is_none());
        assert_eq!(
            m.logon_detail().as_deref(),
            Some("SMB_COM_TREE_CONNECT_ANDX refused")
        );
        // Every prefix: no panic.
        let p = chained_response(0, 3);
        for n in 0..=p.len() {
            let _ = parse_smb1(&p[..n]);
        }
    }
}
