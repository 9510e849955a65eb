//! SMB1 errors in the DOS form ([MS-CIFS] 2.2.3.1 SMB_ERROR): when Flags2
//! lacks SMB_FLAGS2_NT_STATUS, an SMB1 header's Status is not an NTSTATUS
//! but ErrorClass (byte 0), a reserved byte, and ErrorCode (bytes 2-3),
//! with the classes and codes of [MS-CIFS] 2.2.2.4.
//!
//! Names are written as [MS-CIFS] writes them, class and code joined by a
//! slash: "ERRDOS/ERRnoaccess" ([MS-CIFS] 3.3.5.43), "ERRSRV/ERRinvnetname"
//! (3.3.5.45). A code not in the table keeps its class's name and shows its
//! number: "ERRDOS/0x00B7"; an unknown class shows both: "0x07/0x0001".
//!
//! Such a status is kept in an [`NtStatus`] (so the session model can hold
//! it where it holds NTSTATUS values) as Samba keeps it
//! (NT_STATUS_DOS in Samba's ntstatus.h): 0xF1000000 | ErrorClass << 16 |
//! ErrorCode. That value has the N bit (0x10000000) set, which [MS-ERREF]
//! 2.3 reserves and requires to be 0, so no NTSTATUS of the table is one of
//! them, none equals a code a finding looks for, and its severity is error.
//! [`NtStatus::name`] and `Display` name it in the DOS form; a server that
//! sent such a value as an NTSTATUS, against [MS-ERREF], would see it named
//! so too (`smbscope messages` names a status by the form its header gives,
//! not by this).

use std::fmt;

use super::NtStatus;

/// The top byte of a DOS-form status kept in an [`NtStatus`] (Samba's
/// NT_STATUS_TYPE_DOS).
const DOS_TAG: u32 = 0xF100_0000;

/// ErrorClass SUCCESS ([MS-CIFS] 2.2.2.4).
pub const SUCCESS: u8 = 0x00;
/// ErrorClass ERRDOS: an error of the server's operating system.
pub const ERRDOS: u8 = 0x01;
/// ErrorClass ERRSRV: an error of the server's SMB service.
pub const ERRSRV: u8 = 0x02;
/// ErrorClass ERRHRD: a hardware error.
pub const ERRHRD: u8 = 0x03;
/// ErrorClass ERRCMD: the command was not in the SMB format.
pub const ERRCMD: u8 = 0xFF;

/// ERRDOS/ERRbadfile: the file was not found.
pub const ERR_BADFILE: u16 = 0x0002;
/// ERRDOS/ERRnofids: too many open files; the DOS form of
/// STATUS_TOO_MANY_OPENED_FILES ([MS-CIFS] 2.2.2.4).
pub const ERR_NOFIDS: u16 = 0x0004;
/// ERRDOS/ERRnoaccess: access denied; to SMB_COM_SESSION_SETUP_ANDX, a
/// failed authentication ([MS-CIFS] 3.3.5.43).
pub const ERR_NOACCESS: u16 = 0x0005;
/// ERRDOS/ERRnomem: insufficient server memory; smbd's DOS form of
/// STATUS_INSUFFICIENT_RESOURCES, its answer for too many open files.
pub const ERR_NOMEM: u16 = 0x0008;
/// ERRDOS/ERRnofiles: no more files match the search; the DOS form of
/// STATUS_NO_MORE_FILES ([MS-CIFS] 2.2.2.4).
pub const ERR_NOFILES: u16 = 0x0012;
/// ERRDOS/ERRbadshare: a sharing violation; the DOS form of
/// STATUS_SHARING_VIOLATION ([MS-CIFS] 2.2.2.4).
pub const ERR_BADSHARE: u16 = 0x0020;
/// ERRDOS/ERRmoredata: more data to be returned; the DOS form of
/// STATUS_BUFFER_OVERFLOW and STATUS_MORE_PROCESSING_REQUIRED ([MS-CIFS]
/// 2.2.2.4).
pub const ERR_MOREDATA: u16 = 0x00EA;
/// ERRDOS/ERRnosuchshare: the Win32 error ERROR_BAD_NET_NAME ([MS-ERREF]
/// 2.2), STATUS_BAD_NETWORK_NAME's; smbd's DOS form of it.
pub const ERR_NOSUCHSHARE: u16 = 0x0043;
/// ERRSRV/ERRbadpw: the name and password of a TREE_CONNECT or
/// SESSION_SETUP are not valid.
pub const ERR_BADPW: u16 = 0x0002;
/// ERRSRV/ERRinvnetname: no share of that name ([MS-CIFS] 3.3.5.45).
pub const ERR_INVNETNAME: u16 = 0x0006;
/// ERRDOS/ERRbadfid: the FID is not an open of the connection.
pub const ERR_BADFID: u16 = 0x0006;
/// ERRSRV/ERRinvtid: the TID is not a tree connect of the connection
/// ([MS-CIFS] 2.2.2.4 ERRinvnid, STATUS_SMB_BAD_TID).
pub const ERR_INVTID: u16 = 0x0005;
/// ERRDOS code 0x0040, the Win32 error ERROR_NETNAME_DELETED ([MS-ERREF]
/// 2.2): smbd's DOS form of STATUS_NETWORK_NAME_DELETED, its answer to a
/// request on a TID it does not have (sample smb1-dos-stale-tid frame 19).
pub const ERR_NETNAME_DELETED: u16 = 0x0040;

/// One DOS-form class and code ([MS-CIFS] 2.2.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DosError {
    pub class: u8,
    pub code: u16,
    /// "ERRDOS/ERRnoaccess".
    pub name: &'static str,
    /// What it says, in a few words.
    pub description: &'static str,
}

macro_rules! dos_table {
    ($($class:ident $code:literal $cname:literal $desc:literal;)*) => {
        /// The classes and codes servers send, by class then code: those of
        /// [MS-CIFS] 2.2.2.4 with its names, and ERRDOS 0x0043, the Win32
        /// error ERROR_BAD_NET_NAME ([MS-ERREF] 2.2) that smbd answers for a
        /// share it does not have, by the name Samba, Linux's cifs client
        /// and impacket give it (ERRnosuchshare).
        pub static TABLE: &[DosError] = &[
            $(DosError {
                class: $class,
                code: $code,
                name: concat!(stringify!($class), "/", $cname),
                description: $desc,
            },)*
        ];
    };
}

dos_table! {
    ERRDOS 0x0001 "ERRbadfunc" "invalid function";
    ERRDOS 0x0002 "ERRbadfile" "file not found";
    ERRDOS 0x0003 "ERRbadpath" "a directory in the path was not found";
    ERRDOS 0x0004 "ERRnofids" "too many open files";
    ERRDOS 0x0005 "ERRnoaccess" "access denied";
    ERRDOS 0x0006 "ERRbadfid" "invalid file handle (FID)";
    ERRDOS 0x0007 "ERRbadmcb" "memory control blocks destroyed";
    ERRDOS 0x0008 "ERRnomem" "insufficient server memory";
    ERRDOS 0x0009 "ERRbadmem" "invalid memory block address";
    ERRDOS 0x000A "ERRbadenv" "invalid environment";
    ERRDOS 0x000B "ERRbadformat" "invalid format";
    ERRDOS 0x000C "ERRbadaccess" "invalid open mode";
    ERRDOS 0x000D "ERRbaddata" "invalid data";
    ERRDOS 0x000F "ERRbaddrive" "invalid drive";
    ERRDOS 0x0010 "ERRremcd" "cannot remove the server's current directory";
    ERRDOS 0x0011 "ERRdiffdevice" "not the same device";
    ERRDOS 0x0012 "ERRnofiles" "no more files match the search";
    ERRDOS 0x001F "ERRgeneral" "general failure";
    ERRDOS 0x0020 "ERRbadshare" "sharing violation: the open conflicts with another";
    ERRDOS 0x0021 "ERRlock" "lock conflict";
    ERRDOS 0x0032 "ERRunsup" "the operation is not supported";
    ERRDOS 0x0043 "ERRnosuchshare" "the share does not exist";
    ERRDOS 0x0050 "ERRfilexists" "the file already exists";
    ERRDOS 0x0057 "ERRinvalidparam" "invalid parameter";
    ERRDOS 0x007C "ERRunknownlevel" "unknown information level";
    ERRDOS 0x00E6 "ERRbadpipe" "invalid named pipe";
    ERRDOS 0x00E7 "ERRpipebusy" "all instances of the pipe are busy";
    ERRDOS 0x00E8 "ERRpipeclosing" "the pipe is being closed";
    ERRDOS 0x00E9 "ERRnotconnected" "no process on the other end of the pipe";
    ERRDOS 0x00EA "ERRmoredata" "more data to be returned";
    ERRSRV 0x0001 "ERRerror" "non-specific server error";
    ERRSRV 0x0002 "ERRbadpw" "bad password: the name and password of a tree connect or session setup are not valid";
    ERRSRV 0x0004 "ERRaccess" "the user lacks the access rights for the request";
    ERRSRV 0x0005 "ERRinvtid" "invalid tree id (TID)";
    ERRSRV 0x0006 "ERRinvnetname" "invalid share name in a tree connect";
    ERRSRV 0x0007 "ERRinvdevice" "invalid device type for the share";
    ERRSRV 0x0008 "ERRnomem" "the server is out of resources";
    ERRSRV 0x0031 "ERRqfull" "print queue full";
    ERRSRV 0x0032 "ERRqtoobig" "print queue full: no space";
    ERRSRV 0x0034 "ERRinvpfid" "invalid print file FID";
    ERRSRV 0x0040 "ERRsmbcmd" "the server did not recognize the command";
    ERRSRV 0x0041 "ERRsrverror" "internal server error";
    ERRSRV 0x0043 "ERRfilespecs" "invalid combination of FID and path";
    ERRSRV 0x0045 "ERRbadpermits" "invalid access permissions";
    ERRSRV 0x0047 "ERRsetattrmode" "invalid attribute mode";
    ERRSRV 0x0058 "ERRtimeout" "the operation timed out";
    ERRSRV 0x0059 "ERRnoresource" "no resources available for the request";
    ERRSRV 0x005A "ERRtoomanyuids" "too many UIDs on this connection";
    ERRSRV 0x005B "ERRbaduid" "invalid user id (UID)";
    ERRSRV 0x00FA "ERRusempx" "raw mode unavailable: use MPX mode";
    ERRSRV 0x00FB "ERRusestd" "raw mode unavailable: use standard reads and writes";
    ERRSRV 0x00FC "ERRcontmpx" "continue in MPX mode";
    ERRSRV 0xFFFF "ERRnosupport" "the function is not supported";
    ERRHRD 0x0013 "ERRnowrite" "the media is write-protected";
    ERRHRD 0x0014 "ERRbadunit" "unknown unit";
    ERRHRD 0x0015 "ERRnotready" "drive not ready";
    ERRHRD 0x0016 "ERRbadcmd" "unknown command";
    ERRHRD 0x0017 "ERRdata" "data error (CRC)";
    ERRHRD 0x0018 "ERRbadreq" "bad request structure length";
    ERRHRD 0x0019 "ERRseek" "seek error";
    ERRHRD 0x001A "ERRbadmedia" "unknown media type";
    ERRHRD 0x001B "ERRbadsector" "sector not found";
    ERRHRD 0x001C "ERRnopaper" "printer out of paper";
    ERRHRD 0x001D "ERRwrite" "write fault";
    ERRHRD 0x001E "ERRread" "read fault";
    ERRHRD 0x001F "ERRgeneral" "general hardware failure";
    ERRHRD 0x0020 "ERRbadshare" "sharing violation";
    ERRHRD 0x0021 "ERRlock" "lock conflict";
    ERRHRD 0x0022 "ERRwrongdisk" "the wrong disk is in the drive";
    ERRHRD 0x0023 "ERRFCBUnavail" "no file control blocks available";
    ERRHRD 0x0024 "ERRsharebufexc" "a sharing buffer was exceeded";
    ERRHRD 0x0027 "ERRdiskfull" "the disk is full";
}

/// Where [MS-CIFS] (or [MS-ERREF]) pairs a DOS-form error with one
/// NTSTATUS for the request it answers. [MS-CIFS] 2.2.2.4 maps NTSTATUS
/// values to DOS codes many to one (ERRDOS/ERRnoaccess stands for
/// STATUS_ACCESS_DENIED and a dozen others), so a DOS code alone does not
/// say which NTSTATUS a server meant; these pairs are what the findings,
/// and `smbscope status`, read one as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pairing {
    pub class: u8,
    pub code: u16,
    /// The SMB1 command answered, as `smbscope messages` names it.
    pub command: &'static str,
    pub nt: NtStatus,
    /// A sentence that says so, for the explanation.
    pub why: &'static str,
}

/// SMB_COM_SESSION_SETUP_ANDX, as [`Pairing::command`] names it.
pub const SESSION_SETUP_ANDX: &str = "SMB_COM_SESSION_SETUP_ANDX";
/// SMB_COM_TREE_CONNECT_ANDX, as [`Pairing::command`] names it.
pub const TREE_CONNECT_ANDX: &str = "SMB_COM_TREE_CONNECT_ANDX";
/// SMB_COM_NT_CREATE_ANDX, as [`Pairing::command`] names it.
pub const NT_CREATE_ANDX: &str = "SMB_COM_NT_CREATE_ANDX";
/// SMB_COM_OPEN_ANDX, as [`Pairing::command`] names it.
pub const OPEN_ANDX: &str = "SMB_COM_OPEN_ANDX";

const SHARING: &str = "ERRDOS/ERRbadshare is STATUS_SHARING_VIOLATION in the DOS form of SMB1 errors, which a server uses with a client that did not ask for NT status codes ([MS-CIFS] 2.2.2.4): the file is open with a sharing mode that excludes this open.";
const NOFIDS: &str = "ERRDOS/ERRnofids is STATUS_TOO_MANY_OPENED_FILES in the DOS form of SMB1 errors, which a server uses with a client that did not ask for NT status codes ([MS-CIFS] 2.2.2.4): the server has no file handle left for this client.";
const NOMEM: &str = "To an open, ERRDOS/ERRnomem is STATUS_INSUFFICIENT_RESOURCES in the DOS form of SMB1 errors, which a server uses with a client that did not ask for NT status codes: Samba answers so when the client has as many files open as 'max open files' allows.";

/// The pairs: to SESSION_SETUP_ANDX, ERRDOS/ERRnoaccess is a failed
/// authentication ([MS-CIFS] 3.3.5.43) and ERRSRV/ERRbadpw a bad password
/// (its 2.2.2.4 meaning); to TREE_CONNECT_ANDX, ERRSRV/ERRinvnetname names
/// no share (3.3.5.45), as does ERRDOS 0x0043 (ERROR_BAD_NET_NAME,
/// [MS-ERREF] 2.2), smbd's answer; to NT_CREATE_ANDX and OPEN_ANDX,
/// ERRDOS/ERRbadshare is a sharing violation and ERRDOS/ERRnofids too many
/// open files (2.2.2.4), as is ERRDOS/ERRnomem, smbd's answer for it
/// (Samba's DOS form of STATUS_INSUFFICIENT_RESOURCES).
pub static PAIRINGS: &[Pairing] = &[
    Pairing {
        class: ERRDOS,
        code: ERR_NOACCESS,
        command: SESSION_SETUP_ANDX,
        nt: NtStatus::LOGON_FAILURE,
        why: "To a SESSION_SETUP_ANDX, ERRDOS/ERRnoaccess is STATUS_LOGON_FAILURE in the DOS form of SMB1 errors, which a server uses with a client that did not ask for NT status codes ([MS-CIFS] 3.3.5.43: the authentication failed).",
    },
    Pairing {
        class: ERRSRV,
        code: ERR_BADPW,
        command: SESSION_SETUP_ANDX,
        nt: NtStatus::LOGON_FAILURE,
        why: "ERRSRV/ERRbadpw, an SMB1 error in the DOS form (the client did not ask for NT status codes), says the name and password of the session setup are not valid ([MS-CIFS] 2.2.2.4).",
    },
    Pairing {
        class: ERRSRV,
        code: ERR_INVNETNAME,
        command: TREE_CONNECT_ANDX,
        nt: NtStatus::BAD_NETWORK_NAME,
        why: "ERRSRV/ERRinvnetname is STATUS_BAD_NETWORK_NAME in the DOS form of SMB1 errors, which a server uses with a client that did not ask for NT status codes ([MS-CIFS] 3.3.5.45).",
    },
    Pairing {
        class: ERRDOS,
        code: ERR_NOSUCHSHARE,
        command: TREE_CONNECT_ANDX,
        nt: NtStatus::BAD_NETWORK_NAME,
        why: "ERRDOS/ERRnosuchshare (0x0043) is the Win32 error ERROR_BAD_NET_NAME ([MS-ERREF] 2.2), STATUS_BAD_NETWORK_NAME's, in the DOS form of SMB1 errors, which a server uses with a client that did not ask for NT status codes (Samba answers so; [MS-CIFS] 3.3.5.45 gives ERRSRV/ERRinvnetname).",
    },
    open_pair(ERR_BADSHARE, NT_CREATE_ANDX, NtStatus::SHARING_VIOLATION, SHARING),
    open_pair(ERR_BADSHARE, OPEN_ANDX, NtStatus::SHARING_VIOLATION, SHARING),
    open_pair(ERR_NOFIDS, NT_CREATE_ANDX, NtStatus::TOO_MANY_OPENED_FILES, NOFIDS),
    open_pair(ERR_NOFIDS, OPEN_ANDX, NtStatus::TOO_MANY_OPENED_FILES, NOFIDS),
    open_pair(ERR_NOMEM, NT_CREATE_ANDX, NtStatus::INSUFFICIENT_RESOURCES, NOMEM),
    open_pair(ERR_NOMEM, OPEN_ANDX, NtStatus::INSUFFICIENT_RESOURCES, NOMEM),
];

/// An ERRDOS pair of an open's answer.
const fn open_pair(code: u16, command: &'static str, nt: NtStatus, why: &'static str) -> Pairing {
    Pairing {
        class: ERRDOS,
        code,
        command,
        nt,
        why,
    }
}

/// The pairs of a DOS-form error kept in an [`NtStatus`] (none for an
/// NTSTATUS), in the order of [`PAIRINGS`].
pub fn pairings(st: NtStatus) -> impl Iterator<Item = &'static Pairing> {
    let dos = st.dos_error();
    PAIRINGS
        .iter()
        .filter(move |p| dos == Some((p.class, p.code)))
}

/// The pair of a DOS-form error `st` in answer to `command` (as
/// `smbscope messages` names it), if [`PAIRINGS`] has one.
pub fn paired(st: NtStatus, command: &str) -> Option<&'static Pairing> {
    pairings(st).find(|p| p.command == command)
}

/// `st` as the NTSTATUS it stands for in answer to `command`: its pair's
/// for a DOS-form error that has one, `st` itself otherwise.
pub fn as_nt(st: NtStatus, command: &str) -> NtStatus {
    paired(st, command).map_or(st, |p| p.nt)
}

/// The table's entries whose code is named `name` ("ERRnoaccess", any
/// case), in every class that has it ("ERRnomem": ERRDOS's and ERRSRV's).
pub fn by_code_name(name: &str) -> impl Iterator<Item = &'static DosError> + '_ {
    let name = name.trim();
    TABLE.iter().filter(move |e| {
        e.name
            .split_once('/')
            .is_some_and(|(_, n)| n.eq_ignore_ascii_case(name))
    })
}

/// A DOS-form error that is a normal step wherever it comes, by its own
/// meaning, as the NTSTATUS values [MS-CIFS] 2.2.2.4 maps to it are
/// ([`super::is_benign`]): ERRDOS/ERRnofiles, a search with no more files
/// (STATUS_NO_MORE_FILES), and ERRDOS/ERRmoredata, more data to read
/// (STATUS_BUFFER_OVERFLOW, STATUS_MORE_PROCESSING_REQUIRED).
pub fn is_benign(st: NtStatus) -> bool {
    matches!(st.dos_error(), Some((ERRDOS, ERR_NOFILES | ERR_MOREDATA)))
}

/// ERRSRV/ERRbaduid: the UID is not known on the connection ([MS-CIFS]
/// 2.2.2.4).
pub const ERR_BADUID: u16 = 0x005B;

/// A DOS-form error that [MS-CIFS] 2.2.2.4 gives, in answer to any
/// request, with one 32-bit status of the same class and code ([MS-SMB]
/// 2.2.2.4 lists them: ErrorCode << 16 | ErrorClass), not an NTSTATUS of
/// [MS-ERREF] with a meaning of its own. Not a [`Pairing`]: that is what a
/// DOS code means in answer to one request, read as an NTSTATUS of the
/// table, and this one means the same in answer to every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SameCode {
    pub class: u8,
    pub code: u16,
    /// The 32-bit status's name and value, e.g. STATUS_SMB_BAD_UID, 0x005B0002.
    pub name: &'static str,
    pub value: u32,
    /// What a server sends it for, and how smbscope reads it.
    pub note: &'static str,
}

pub static SAME_CODE: &[SameCode] = &[SameCode {
    class: ERRSRV,
    code: ERR_BADUID,
    name: "STATUS_SMB_BAD_UID",
    value: 0x005B_0002,
    note: "The UID of the request is not (or no longer) a session of the connection. smbd answers so, in the DOS form whatever the client asked for, where its session lookup gives STATUS_USER_SESSION_DELETED; so smbscope reads a LOGOFF_ANDX so answered as the logoff of a session already gone, as it reads SMB2's LOGOFF answered STATUS_USER_SESSION_DELETED.",
}];

/// The [`SAME_CODE`] entry of a DOS-form error.
pub fn same_code(class: u8, code: u16) -> Option<&'static SameCode> {
    SAME_CODE
        .iter()
        .find(|e| e.class == class && e.code == code)
}

/// An SMB1 response's status says its UID is not (or no longer) a session
/// of the connection: STATUS_USER_SESSION_DELETED, or ERRSRV/ERRbaduid,
/// which is smbd's form of it (smbd answers a UID its session lookup finds
/// USER_SESSION_DELETED with ERRSRV/ERRbaduid in the DOS form, whatever the
/// client asked for) and [MS-CIFS] 2.2.2.4's STATUS_SMB_BAD_UID
/// (0x005B0002: the same error class and code as an NTSTATUS).
pub fn uid_unknown(st: NtStatus) -> bool {
    st == NtStatus::USER_SESSION_DELETED
        || st.0 == 0x005B_0002
        || st.dos_error() == Some((ERRSRV, ERR_BADUID))
}

/// The name of an ErrorClass: "ERRDOS", "ERRSRV", …
pub fn class_name(class: u8) -> Option<&'static str> {
    Some(match class {
        SUCCESS => "SUCCESS",
        ERRDOS => "ERRDOS",
        ERRSRV => "ERRSRV",
        ERRHRD => "ERRHRD",
        ERRCMD => "ERRCMD",
        _ => return None,
    })
}

/// The table entry of a class and code.
pub fn lookup(class: u8, code: u16) -> Option<&'static DosError> {
    TABLE.iter().find(|e| e.class == class && e.code == code)
}

/// A DOS-form Status as sent, read as a little-endian number (the SMB1
/// header's 4 bytes): its ErrorClass and ErrorCode; the reserved byte
/// ([MS-CIFS] 2.2.3.1: ignored) left out.
pub fn split(raw: u32) -> (u8, u16) {
    ((raw & 0xFF) as u8, (raw >> 16) as u16)
}

/// Writes "ERRDOS/ERRnoaccess", "ERRDOS/0x00B7" or "0x07/0x0001".
pub fn write_name(f: &mut impl fmt::Write, class: u8, code: u16) -> fmt::Result {
    if let Some(e) = lookup(class, code) {
        return f.write_str(e.name);
    }
    match class_name(class) {
        Some(c) => write!(f, "{c}/0x{code:04X}"),
        None => write!(f, "0x{class:02X}/0x{code:04X}"),
    }
}

/// A DOS-form error by name, as [`write_name`] writes it, case-insensitive:
/// "ERRDOS/ERRnoaccess", "errsrv/errbadpw", "ERRDOS/0x00B7", "0x07/0x0001";
/// kept as [`NtStatus::dos`] keeps it.
pub fn by_name(s: &str) -> Option<NtStatus> {
    let (c, k) = s.trim().split_once('/')?;
    let hex = |t: &str, digits: usize| {
        t.strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .filter(|h| !h.is_empty() && h.len() <= digits)
            .and_then(|h| u16::from_str_radix(h, 16).ok())
    };
    let class = match hex(c, 2) {
        Some(n) => u8::try_from(n).ok()?,
        None => [SUCCESS, ERRDOS, ERRSRV, ERRHRD, ERRCMD]
            .into_iter()
            .find(|&n| class_name(n).is_some_and(|x| x.eq_ignore_ascii_case(c)))?,
    };
    let code = match hex(k, 4) {
        Some(n) => n,
        None => {
            TABLE
                .iter()
                .find(|e| {
                    e.class == class
                        && e.name
                            .split_once('/')
                            .is_some_and(|(_, n)| n.eq_ignore_ascii_case(k))
                })?
                .code
        }
    };
    Some(NtStatus::dos(class, code))
}

impl NtStatus {
    /// A DOS-form class and code kept in an NtStatus (see the module's
    /// documentation); ErrorClass SUCCESS with ErrorCode 0 is
    /// [`NtStatus::SUCCESS`], the same four bytes on the wire.
    pub fn dos(class: u8, code: u16) -> NtStatus {
        if class == SUCCESS && code == 0 {
            return NtStatus::SUCCESS;
        }
        NtStatus(DOS_TAG | u32::from(class) << 16 | u32::from(code))
    }

    /// The status of an SMB1 header ([MS-CIFS] 2.2.3.1): `raw` is the 4
    /// bytes as sent, read as a little-endian number; an NTSTATUS when
    /// Flags2 has NT_STATUS (`nt`), else the DOS form.
    pub fn from_smb1(raw: u32, nt: bool) -> NtStatus {
        if nt {
            NtStatus(raw)
        } else {
            let (class, code) = split(raw);
            NtStatus::dos(class, code)
        }
    }

    /// The DOS-form class and code this stands for, if it is one.
    pub fn dos_error(self) -> Option<(u8, u16)> {
        (self.0 & 0xFF00_0000 == DOS_TAG).then_some(((self.0 >> 16) as u8, self.0 as u16))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        for e in TABLE {
            let (class, code) = e.name.split_once('/').unwrap();
            assert_eq!(Some(class), class_name(e.class));
            assert!(code.starts_with("ERR"), "{}", e.name);
            let st = NtStatus::dos(e.class, e.code);
            assert_eq!(st.dos_error(), Some((e.class, e.code)));
            assert_eq!(st.name(), Some(e.name));
            assert!(st.is_error() && !st.is_benign() && st.explain().is_none());
            // No NTSTATUS of the table is taken for a DOS-form one.
            assert_eq!(super::super::lookup(st.0), None, "{}", e.name);
        }
        // sorted by class, then code, and no pair twice
        assert!(TABLE
            .windows(2)
            .all(|w| (w[0].class, w[0].code) < (w[1].class, w[1].code)));
        assert!(super::super::TABLE
            .iter()
            .all(|e| e.code & 0xFF00_0000 != DOS_TAG));
    }

    #[test]
    fn the_forms_apart() {
        // ERRDOS/ERRnoaccess as sent: 01 00 05 00.
        let raw = u32::from_le_bytes([0x01, 0x00, 0x05, 0x00]);
        assert_eq!(split(raw), (ERRDOS, ERR_NOACCESS));
        let st = NtStatus::from_smb1(raw, false);
        assert_eq!(st.to_string(), "ERRDOS/ERRnoaccess");
        // The same bytes as an NTSTATUS name something else entirely.
        assert_eq!(NtStatus::from_smb1(raw, true), NtStatus(0x0005_0001));
        assert_eq!(NtStatus(0x0005_0001).dos_error(), None);
        // ERRSRV/ERRerror is DBG_CONTINUE's number: read by its form.
        let raw = u32::from_le_bytes([0x02, 0x00, 0x01, 0x00]);
        assert_eq!(NtStatus(raw).to_string(), "DBG_CONTINUE");
        assert_eq!(
            NtStatus::from_smb1(raw, false).to_string(),
            "ERRSRV/ERRerror"
        );
        // The reserved byte is ignored; success is SUCCESS.
        let raw = u32::from_le_bytes([0x00, 0x7F, 0x00, 0x00]);
        assert_eq!(NtStatus::from_smb1(raw, false), NtStatus::SUCCESS);
        assert_eq!(NtStatus::from_smb1(0, false), NtStatus::SUCCESS);
        // Unknown codes and classes keep their numbers.
        assert_eq!(NtStatus::dos(ERRDOS, 0xB7).to_string(), "ERRDOS/0x00B7");
        assert_eq!(NtStatus::dos(0x07, 1).to_string(), "0x07/0x0001");
        assert_eq!(NtStatus::dos(SUCCESS, 5).to_string(), "SUCCESS/0x0005");
        assert_eq!(NtStatus::dos(ERRCMD, 0xFFFF).to_string(), "ERRCMD/0xFFFF");
        assert_eq!(NtStatus::dos(0x07, 1).name(), None);
    }

    #[test]
    fn by_name_reads_what_write_name_writes() {
        for e in TABLE {
            assert_eq!(by_name(e.name), Some(NtStatus::dos(e.class, e.code)));
            assert_eq!(
                by_name(&e.name.to_ascii_lowercase()),
                Some(NtStatus::dos(e.class, e.code))
            );
        }
        for st in [
            NtStatus::dos(ERRDOS, 0xB7),
            NtStatus::dos(0x07, 1),
            NtStatus::dos(ERRCMD, 0xFFFF),
        ] {
            assert_eq!(by_name(&st.to_string()), Some(st));
        }
        assert_eq!(by_name("ERRDOS/ERRbadpw"), None); // ERRbadpw is ERRSRV's
        for bad in [
            "",
            "/",
            "ERRDOS",
            "ERRDOS/",
            "ERRXYZ/0x0001",
            "0x100/0x0001",
            "ERRDOS/0x10000",
            "STATUS_LOGON_FAILURE",
        ] {
            assert_eq!(by_name(bad), None, "{bad:?}");
        }
    }
}
