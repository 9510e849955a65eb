//! Status codes and their meanings: NTSTATUS ([MS-ERREF] 2.3) and Kerberos error
//! codes (RFC 4120 7.5.9). A leaf module: every layer may use it.
//!
//! - [`TABLE`]: every NTSTATUS code we know (generated, see `table.rs`), with
//!   [`name`], [`lookup`], [`by_name`] and [`search`] over it.
//! - [`explain`]: what a code means in an SMB conversation, its usual causes
//!   and what to check next, for the codes a troubleshooter meets.
//! - [`is_benign`]: the statuses that are a normal part of the protocol.
//! - [`dos`]: SMB1 errors in the DOS form (ErrorClass/ErrorCode), named as
//!   [MS-CIFS] 2.2.2.4 names them and kept in an [`NtStatus`] apart from
//!   every NTSTATUS.
//! - [`cifs`]: the errno Linux's cifs.ko returns for a status (what `mount
//!   -t cifs` reports as "mount error(13): Permission denied").
//! - [`query`] / [`parse_query`] / [`render_text`]: the `smbscope status QUERY`
//!   subcommand (NTSTATUS and Kerberos codes by value, name or word; Linux
//!   errnos by number, name or mount error).

/// Builds `pub(super) static EXPLAINED: &[(code, name, Explanation)]` from
/// `explained! { CODE_TYPE; CODE "NAME" { meaning: …, causes: […], check: […] } … }`;
/// used by `explain.rs` and `kerberos/explain.rs`.
macro_rules! explained {
    ($ty:ty; $($code:literal $name:literal {
        meaning: $meaning:literal,
        causes: [$($cause:literal),+ $(,)?],
        check: [$($check:literal),+ $(,)?] $(,)?
    })*) => {
        /// (code, name as in the table, explanation).
        pub(super) static EXPLAINED: &[($ty, &str, Explanation)] = &[
            $(($code, $name, Explanation {
                meaning: $meaning,
                causes: &[$($cause),+],
                check: &[$($check),+],
            }),)*
        ];
    };
}

pub mod cifs;
pub mod dos;
mod explain;
pub mod kerberos;
mod render;
#[rustfmt::skip]
pub(crate) mod table;

use serde::Serialize;
use std::fmt;

pub use render::{render_summary, render_text};
pub use table::{ALIASES, TABLE};

/// One NTSTATUS code from the generated table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub code: u32,
    /// The name, e.g. "STATUS_LOGON_FAILURE" (a few, from tshark's table, are
    /// RPC_NT_*, DBG_* or SEC_E_* names).
    pub name: &'static str,
    /// The source's one-line description ([MS-ERREF] wording), if it has one.
    pub description: Option<&'static str>,
}

/// Our explanation of a status, for NTSTATUS and Kerberos codes alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// What it means in an SMB conversation, one or two sentences.
    pub meaning: &'static str,
    /// The usual causes, most common first.
    pub causes: &'static [&'static str],
    /// What to check next: commands, settings and logs on Windows and Samba.
    pub check: &'static [&'static str],
}

/// The severity in the top two bits of an NTSTATUS ([MS-ERREF] 2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Success,
    Informational,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Success => "success",
            Severity::Informational => "informational",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// An NTSTATUS value, as in the Status field of an SMB2 header.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct NtStatus(pub u32);

macro_rules! status_consts {
    ($($name:ident = $code:literal;)*) => {
        impl NtStatus {
            $(
                #[doc = concat!("STATUS_", stringify!($name))]
                pub const $name: NtStatus = NtStatus($code);
            )*
        }
        /// The constants above with their names, for the tests.
        #[cfg(test)]
        const CONSTANTS: &[(&str, NtStatus)] = &[$((stringify!($name), NtStatus::$name),)*];
    };
}

status_consts! {
    SUCCESS = 0x0000_0000;
    PENDING = 0x0000_0103;
    NOTIFY_CLEANUP = 0x0000_010B;
    NOTIFY_ENUM_DIR = 0x0000_010C;
    OPLOCK_BREAK_IN_PROGRESS = 0x0000_0108;
    BUFFER_OVERFLOW = 0x8000_0005;
    NO_MORE_FILES = 0x8000_0006;
    STOPPED_ON_SYMLINK = 0x8000_002D;
    NOT_IMPLEMENTED = 0xC000_0002;
    INVALID_INFO_CLASS = 0xC000_0003;
    INFO_LENGTH_MISMATCH = 0xC000_0004;
    INVALID_HANDLE = 0xC000_0008;
    INVALID_PARAMETER = 0xC000_000D;
    NO_SUCH_FILE = 0xC000_000F;
    INVALID_DEVICE_REQUEST = 0xC000_0010;
    END_OF_FILE = 0xC000_0011;
    MORE_PROCESSING_REQUIRED = 0xC000_0016;
    ACCESS_DENIED = 0xC000_0022;
    BUFFER_TOO_SMALL = 0xC000_0023;
    OBJECT_NAME_INVALID = 0xC000_0033;
    OBJECT_NAME_NOT_FOUND = 0xC000_0034;
    OBJECT_NAME_COLLISION = 0xC000_0035;
    OBJECT_PATH_NOT_FOUND = 0xC000_003A;
    SHARING_VIOLATION = 0xC000_0043;
    QUOTA_EXCEEDED = 0xC000_0044;
    FILE_LOCK_CONFLICT = 0xC000_0054;
    LOCK_NOT_GRANTED = 0xC000_0055;
    DELETE_PENDING = 0xC000_0056;
    DISK_FULL = 0xC000_007F;
    NO_LOGON_SERVERS = 0xC000_005E;
    NO_SUCH_USER = 0xC000_0064;
    WRONG_PASSWORD = 0xC000_006A;
    PASSWORD_RESTRICTION = 0xC000_006C;
    LOGON_FAILURE = 0xC000_006D;
    ACCOUNT_RESTRICTION = 0xC000_006E;
    INVALID_LOGON_HOURS = 0xC000_006F;
    INVALID_WORKSTATION = 0xC000_0070;
    PASSWORD_EXPIRED = 0xC000_0071;
    ACCOUNT_DISABLED = 0xC000_0072;
    INSUFFICIENT_RESOURCES = 0xC000_009A;
    MEDIA_WRITE_PROTECTED = 0xC000_00A2;
    FILE_IS_A_DIRECTORY = 0xC000_00BA;
    NOT_SUPPORTED = 0xC000_00BB;
    BAD_NETWORK_PATH = 0xC000_00BE;
    NETWORK_NAME_DELETED = 0xC000_00C9;
    NETWORK_ACCESS_DENIED = 0xC000_00CA;
    BAD_NETWORK_NAME = 0xC000_00CC;
    REQUEST_NOT_ACCEPTED = 0xC000_00D0;
    INTERNAL_ERROR = 0xC000_00E5;
    DIRECTORY_NOT_EMPTY = 0xC000_0101;
    NOT_A_DIRECTORY = 0xC000_0103;
    TOO_MANY_OPENED_FILES = 0xC000_011F;
    CANCELLED = 0xC000_0120;
    CANNOT_DELETE = 0xC000_0121;
    FILE_CLOSED = 0xC000_0128;
    LOGON_TYPE_NOT_GRANTED = 0xC000_015B;
    ACCOUNT_EXPIRED = 0xC000_0193;
    FS_DRIVER_REQUIRED = 0xC000_019C;
    USER_SESSION_DELETED = 0xC000_0203;
    INSUFF_SERVER_RESOURCES = 0xC000_0205;
    DISK_QUOTA_EXCEEDED = 0xC000_0802;
    PASSWORD_MUST_CHANGE = 0xC000_0224;
    NOT_FOUND = 0xC000_0225;
    ACCOUNT_LOCKED_OUT = 0xC000_0234;
    PATH_NOT_COVERED = 0xC000_0257;
    NETWORK_SESSION_EXPIRED = 0xC000_035C;
    SMB_BAD_CLUSTER_DIALECT = 0xC05D_0001;
}

impl NtStatus {
    /// The name ("STATUS_LOGON_FAILURE"), if the code is in the table; for
    /// a DOS-form SMB1 error kept here ([`dos`]), its [MS-CIFS] 2.2.2.4 name
    /// ("ERRDOS/ERRnoaccess") if its class and code are in that table.
    pub fn name(self) -> Option<&'static str> {
        match self.dos_error() {
            Some((class, code)) => dos::lookup(class, code).map(|e| e.name),
            None => name(self.0),
        }
    }

    /// The table entry, if the code is in the table.
    pub fn entry(self) -> Option<&'static Entry> {
        lookup(self.0)
    }

    /// The severity from the top two bits ([MS-ERREF] 2.3).
    pub fn severity(self) -> Severity {
        match self.0 >> 30 {
            0 => Severity::Success,
            1 => Severity::Informational,
            2 => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// True when the severity is error (0xC0000000 and up). Warnings such as
    /// STATUS_BUFFER_OVERFLOW and STATUS_NO_MORE_FILES are not errors.
    pub fn is_error(self) -> bool {
        self.severity() == Severity::Error
    }

    /// The 12-bit facility ([MS-ERREF] 2.3): 0 for the common STATUS_ codes.
    pub fn facility(self) -> u16 {
        ((self.0 >> 16) & 0x0FFF) as u16
    }

    /// See the free function [`explain`].
    pub fn explain(self) -> Option<&'static Explanation> {
        explain(self.0)
    }

    /// See the free function [`is_benign`].
    pub fn is_benign(self) -> bool {
        is_benign(self.0)
    }
}

impl From<u32> for NtStatus {
    fn from(code: u32) -> Self {
        NtStatus(code)
    }
}

/// "STATUS_LOGON_FAILURE", or "0xC0001234" for a code not in the table; a
/// DOS-form SMB1 error as [`dos::write_name`] writes it ("ERRDOS/ERRnoaccess",
/// "ERRDOS/0x00B7").
impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((class, code)) = self.dos_error() {
            return dos::write_name(f, class, code);
        }
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

/// "NtStatus(0xC000006D STATUS_LOGON_FAILURE)".
impl fmt::Debug for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "NtStatus(0x{:08X} {n})", self.0),
            None => write!(f, "NtStatus(0x{:08X})", self.0),
        }
    }
}

/// The table entry for `code`.
pub fn lookup(code: u32) -> Option<&'static Entry> {
    // The statuses of almost every response, ahead of the search.
    match code {
        0 => return TABLE.first(),
        0xC000_0016 => return TABLE.get(MORE_PROCESSING_REQUIRED),
        _ => {}
    }
    CODES.binary_search(&code).ok().and_then(|i| TABLE.get(i))
}

/// The codes of [`TABLE`] alone, in its order: 7 KB that a search reads
/// from the cache, rather than the 73 KB of entries.
static CODES: [u32; TABLE.len()] = {
    let mut codes = [0u32; TABLE.len()];
    let mut i = 0;
    while i < TABLE.len() {
        codes[i] = TABLE[i].code;
        i += 1;
    }
    codes
};

/// Where STATUS_MORE_PROCESSING_REQUIRED is in [`TABLE`].
const MORE_PROCESSING_REQUIRED: usize = {
    let mut i = 0;
    while i < TABLE.len() && TABLE[i].code != 0xC000_0016 {
        i += 1;
    }
    i
};

/// The name for `code` ("STATUS_LOGON_FAILURE"), if it is in the table.
pub fn name(code: u32) -> Option<&'static str> {
    lookup(code).map(|e| e.name)
}

/// The entry named `name`: case-insensitive, with or without the "STATUS_"
/// prefix, Samba's "NT_STATUS_" prefix accepted too ("logon_failure",
/// "NT_STATUS_LOGON_FAILURE"). Other names for a code (aliases such as
/// STATUS_ABANDONED_WAIT_0, or Samba's NT_STATUS_RPC_CALL_FAILED for
/// RPC_NT_CALL_FAILED) resolve to the code's entry.
pub fn by_name(name: &str) -> Option<&'static Entry> {
    let upper = name.trim().to_ascii_uppercase();
    if upper.is_empty() {
        return None;
    }
    let bare = upper.strip_prefix("NT_").unwrap_or(&upper);
    let prefixed = format!("STATUS_{bare}");
    for candidate in [bare, prefixed.as_str()] {
        if let Some(e) = TABLE.iter().find(|e| e.name == candidate) {
            return Some(e);
        }
        if let Ok(i) = ALIASES.binary_search_by_key(&candidate, |a| a.0) {
            return lookup(ALIASES[i].1);
        }
    }
    None
}

/// Entries whose name, description or explanation holds every word of
/// `words` as a whole word (case-insensitive; "_" in names counts as a
/// space, so "logon failure" finds STATUS_LOGON_FAILURE, and "access" does
/// not find STATUS_GRAPHICS_INVALID_PIXELVALUEACCESSMODE). The entry whose
/// name is the words, without its prefix, comes first, then those whose
/// name holds all the words, then the others; explained codes first within
/// each.
pub fn search(words: &str) -> Vec<&'static Entry> {
    let words = split_words(words);
    if words.is_empty() {
        return Vec::new();
    }
    let joined = words.join(" ");
    let mut hits: Vec<(u8, &'static Entry)> = Vec::new();
    for e in TABLE {
        let name = e.name.to_ascii_lowercase().replace('_', " ");
        let rank = if name_is(&name, &joined) {
            0
        } else if words.iter().all(|w| has_word(&name, w)) {
            2
        } else {
            let mut text = name;
            if let Some(d) = e.description {
                text.push(' ');
                text.push_str(&d.to_ascii_lowercase());
            }
            if let Some(x) = explain(e.code) {
                push_explanation(&mut text, x);
            }
            if !words.iter().all(|w| has_word(&text, w)) {
                continue;
            }
            4
        };
        let explained = if explain(e.code).is_some() { 0 } else { 1 };
        hits.push((rank + explained, e));
    }
    hits.sort_by_key(|&(rank, e)| (rank, e.code));
    hits.into_iter().map(|(_, e)| e).collect()
}

/// `name` (lower case, "_" as spaces) is `words` after one of the usual
/// prefixes ("status ", "rpc nt ", "dbg "), or is `words` itself.
fn name_is(name: &str, words: &str) -> bool {
    name == words
        || ["status ", "rpc nt ", "dbg ", "sec e "]
            .iter()
            .any(|p| name.strip_prefix(p) == Some(words))
}

/// `text` holds `word` (both lower case) with no letter or digit either
/// side: "access" in "access denied", not in "pixelvalueaccessmode".
pub(crate) fn has_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(word)) {
        let start = from + i;
        let end = start + word.len();
        let before = start == 0
            || bytes
                .get(start - 1)
                .is_some_and(|b| !b.is_ascii_alphanumeric());
        let after = bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
        if before && after {
            return true;
        }
        from = start + 1;
        while !text.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

fn split_words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == '_')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

fn push_explanation(text: &mut String, x: &Explanation) {
    for part in std::iter::once(&x.meaning).chain(x.causes).chain(x.check) {
        text.push(' ');
        text.push_str(&part.to_ascii_lowercase());
    }
}

/// Our explanation for `code`, for the codes an SMB or logon troubleshooter
/// meets (see [`explained_codes`]).
pub fn explain(code: u32) -> Option<&'static Explanation> {
    explain::EXPLAINED
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, _, x)| x)
}

/// Every NTSTATUS code that [`explain`] knows, in the order written.
pub fn explained_codes() -> impl Iterator<Item = u32> {
    explain::EXPLAINED.iter().map(|(c, _, _)| *c)
}

/// True for statuses that are a normal part of the SMB2 protocol, not a fault
/// for a troubleshooter: STATUS_SUCCESS; STATUS_PENDING (interim response of
/// an async operation); STATUS_MORE_PROCESSING_REQUIRED (between the legs of
/// a SESSION_SETUP); STATUS_NO_MORE_FILES (end of a QUERY_DIRECTORY);
/// STATUS_NOTIFY_ENUM_DIR and STATUS_NOTIFY_CLEANUP (CHANGE_NOTIFY completed
/// without a list, or by the close of its handle); STATUS_BUFFER_OVERFLOW
/// (partial data, more to come, on pipe reads, IOCTLs and QUERY_INFO);
/// STATUS_END_OF_FILE (a READ at or past the end of a file);
/// STATUS_OPLOCK_BREAK_IN_PROGRESS (a success code); STATUS_CANCELLED (the
/// answer to the client's own SMB2 CANCEL, usually of a pending
/// CHANGE_NOTIFY).
///
/// Context changes this, and that is for the caller (the diagnose layer) to
/// judge: STATUS_MORE_PROCESSING_REQUIRED as the last word of a session setup
/// (the client gave up), STATUS_CANCELLED with no CANCEL sent, STATUS_PENDING
/// never followed by a final response, or STATUS_END_OF_FILE on the first
/// READ of a file the user expects to hold data, are problems. The other
/// way, some errors are routine in their place: STATUS_NOT_FOUND or
/// STATUS_FS_DRIVER_REQUIRED for FSCTL_DFS_GET_REFERRALS on a server or path
/// without DFS, STATUS_PATH_NOT_COVERED that the client answers with a DFS
/// referral, STATUS_OBJECT_NAME_NOT_FOUND for the probes clients make
/// (desktop.ini, autorun.inf, the share root's streams), and
/// STATUS_STOPPED_ON_SYMLINK that the client follows.
pub fn is_benign(code: u32) -> bool {
    matches!(
        NtStatus(code),
        NtStatus::SUCCESS
            | NtStatus::PENDING
            | NtStatus::MORE_PROCESSING_REQUIRED
            | NtStatus::NO_MORE_FILES
            | NtStatus::NOTIFY_ENUM_DIR
            | NtStatus::NOTIFY_CLEANUP
            | NtStatus::BUFFER_OVERFLOW
            | NtStatus::END_OF_FILE
            | NtStatus::OPLOCK_BREAK_IN_PROGRESS
            | NtStatus::CANCELLED
    )
}

/// A parsed `status` query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// An NTSTATUS value: "0xC000006D", "c000006d" (8 hex digits),
    /// "3221225581", "-1073741715" (as a signed 32-bit number), or a name.
    Code(u32),
    /// A Kerberos error code: a name ("KRB_AP_ERR_SKEW"), "krb:37",
    /// "kerberos:0x25", or a number that is a Kerberos code but not a known
    /// NTSTATUS ("0x18", as Windows event 4771 prints it).
    Kerberos(i32),
    /// SMB1 errors in the DOS form (ErrorClass, ErrorCode): one by name or
    /// number as [`dos::by_name`] reads it ("ERRDOS/ERRnoaccess",
    /// "ERRDOS/0x0005", "0x01/0x0005"), or every class's code of a name
    /// ("ERRnoaccess"; "ERRnomem" is ERRDOS's and ERRSRV's).
    Dos(Vec<(u8, u16)>),
    /// A Linux errno ([`cifs`]): "errno:13", "errno EACCES", "EACCES",
    /// "mount error(13)" (as mount.cifs prints it, with or without its
    /// text), "-13" (as the kernel log gives a return code).
    Errno(u16),
    /// A decimal number (no "0x") that is not an NTSTATUS alone: one that a
    /// Linux errno or a Kerberos error code has too ("13", "2"). Every table
    /// that has it answers, NTSTATUS first.
    Number(u32),
    /// Anything else: words to [`search`] for (NTSTATUS and Kerberos).
    Words(String),
    /// "0x" not followed by a hexadecimal number of 1 to 8 digits ("0x",
    /// "0xZZ", "krb:0x"): a mistyped code, not words (searched for, "0x"
    /// matched every description that quotes a code).
    BadNumber(String),
}

/// Parses a `status` query; see [`Query`] for the forms accepted.
pub fn parse_query(q: &str) -> Query {
    let q = q.trim();
    let lower = q.to_ascii_lowercase();
    for prefix in ["krb:", "kerberos:", "krb ", "kerberos "] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let rest = rest.trim();
            if let Some(n) = parse_number(rest).and_then(|n| i32::try_from(n).ok()) {
                return Query::Kerberos(n);
            }
            if let Some(e) = kerberos::by_name(rest) {
                return Query::Kerberos(e.code);
            }
            if is_hex_prefixed(rest) {
                return Query::BadNumber(rest.to_string());
            }
            return Query::Words(rest.to_string());
        }
    }
    // Before numbers: "0x01/0x0005" is a DOS-form class and code.
    if q.contains('/') {
        if let Some((class, code)) = dos::by_name(q).and_then(NtStatus::dos_error) {
            return Query::Dos(vec![(class, code)]);
        }
    }
    if let Some(e) = parse_errno(q) {
        return Query::Errno(e.number);
    }
    if let Some(n) = parse_number(q) {
        if !is_hex_prefixed(q) && !q.starts_with('-') && tables_with(n) > 1 {
            return Query::Number(n);
        }
        if lookup(n).is_none() {
            if let Some(k) = i32::try_from(n).ok().and_then(kerberos::lookup) {
                return Query::Kerberos(k.code);
            }
            if let Some(e) = cifs::by_number(n).filter(|_| !is_hex_prefixed(q)) {
                return Query::Errno(e.number);
            }
        }
        return Query::Code(n);
    }
    if is_hex_prefixed(q) {
        return Query::BadNumber(q.to_string());
    }
    if q.len() == 8 && q.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(n) = u32::from_str_radix(q, 16) {
            return Query::Code(n);
        }
    }
    if let Some(e) = by_name(q) {
        return Query::Code(e.code);
    }
    if let Some(k) = kerberos::by_name(q) {
        return Query::Kerberos(k.code);
    }
    let dos: Vec<(u8, u16)> = dos::by_code_name(q).map(|e| (e.class, e.code)).collect();
    if !dos.is_empty() {
        return Query::Dos(dos);
    }
    Query::Words(q.to_string())
}

/// How many tables have the number `n`: NTSTATUS, Linux errno, Kerberos.
fn tables_with(n: u32) -> usize {
    usize::from(lookup(n).is_some())
        + usize::from(cifs::by_number(n).is_some())
        + usize::from(i32::try_from(n).ok().and_then(kerberos::lookup).is_some())
}

/// A Linux errno as an admin meets it: "errno:13", "errno 13",
/// "errno:EACCES", "EACCES", "mount error(13)", "mount error(13):
/// Permission denied", "error(13)", "-13", "return code = -13"; only the
/// errnos [`cifs`] names.
fn parse_errno(q: &str) -> Option<cifs::Errno> {
    let lower = q.trim().to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("errno:")
        .or_else(|| lower.strip_prefix("errno "))
    {
        let rest = rest.trim();
        return match rest.parse::<u32>() {
            Ok(n) => cifs::by_number(n),
            Err(_) => cifs::by_name(rest),
        };
    }
    if let Some(i) = lower.find("error(") {
        let rest = lower.get(i + "error(".len()..)?;
        let digits = rest.split(')').next()?.trim();
        return digits.parse().ok().and_then(cifs::by_number);
    }
    if let Some(i) = lower.find("return code") {
        let rest = lower.get(i + "return code".len()..)?;
        let n = rest.trim_start_matches([' ', '=']).trim();
        return n.strip_prefix('-')?.parse().ok().and_then(cifs::by_number);
    }
    if let Some(n) = lower.strip_prefix('-') {
        // "-13" as the kernel logs a return code; "-1073741715" stays a
        // signed NTSTATUS (no errno has such a number).
        return n.parse().ok().and_then(cifs::by_number);
    }
    if lower.starts_with('e') && lower.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return cifs::by_name(&lower);
    }
    None
}

/// Starts with "0x" or "0X": meant as a hexadecimal number.
fn is_hex_prefixed(s: &str) -> bool {
    s.starts_with("0x") || s.starts_with("0X")
}

/// "0x…" hex, decimal, or negative decimal (a signed 32-bit NTSTATUS).
fn parse_number(s: &str) -> Option<u32> {
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    if let Some(neg) = s.strip_prefix('-') {
        if !neg.is_empty() && neg.bytes().all(|b| b.is_ascii_digit()) {
            return neg
                .parse::<i64>()
                .ok()
                .and_then(|n| i32::try_from(-n).ok())
                .map(|n| n as u32);
        }
        return None;
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    None
}

/// Which table a [`Report`] is from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    NtStatus,
    Kerberos,
    /// An SMB1 error in the DOS form ([`dos`]).
    Dos,
    /// A Linux errno, as cifs.ko returns it ([`cifs`]).
    Errno,
}

/// One answer to a `status` query, what `render_text` prints and what
/// `status --format json` serializes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub kind: Kind,
    pub code: u32,
    /// "0xC000006D" for NTSTATUS, "0x25" for Kerberos, "0x01/0x0005"
    /// (ErrorClass/ErrorCode) for the DOS form.
    pub hex: String,
    pub name: Option<&'static str>,
    pub description: Option<&'static str>,
    /// NTSTATUS only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// NTSTATUS only: the facility bits ([MS-ERREF] 2.3), 0 for most.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<u16>,
    /// A normal part of the protocol (see [`is_benign`], [`kerberos::is_benign`]).
    pub benign: bool,
    pub explanation: Option<&'static Explanation>,
    /// The DOS form only: its class, code and pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dos: Option<DosFacts>,
    /// NTSTATUS only (not for a success or informational code the map
    /// lacks): the errno Linux's cifs.ko returns for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linux_cifs: Option<CifsErrno>,
    /// Errno only: the NTSTATUS values cifs.ko turns into it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errno: Option<ErrnoFacts>,
}

/// [`Report::linux_cifs`]: what cifs.ko (SMB2/SMB3, [`cifs`]) returns for
/// the status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CifsErrno {
    pub errno: u16,
    /// "EACCES".
    pub name: &'static str,
    /// "Permission denied".
    pub text: &'static str,
    /// "mount error(13): Permission denied", as mount.cifs prints it.
    pub mount_error: String,
    /// The map gives it an errno other than EIO (false: EIO, the map's own
    /// or its default for a status it lacks).
    pub mapped: bool,
}

/// [`Report::errno`]: where cifs.ko gives the errno.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrnoFacts {
    /// "mount error(13): Permission denied".
    pub mount_error: String,
    /// The NTSTATUS values smb2maperror.c maps to it, by name, in code
    /// order (for EIO: none listed, it is every other status).
    pub statuses: Vec<&'static str>,
    /// How else cifs.ko gives it (no status: TCP connect, no NEGOTIATE
    /// answer), or for EIO which statuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// What a [`Report`] of an SMB1 DOS-form error adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DosFacts {
    pub error_class: u8,
    pub error_code: u16,
    /// The NTSTATUS it stands for in answer to a request, where [MS-CIFS]
    /// pairs them ([`dos::PAIRINGS`]); elsewhere it stands for none.
    pub paired: Vec<DosPair>,
    /// The 32-bit status of the same class and code that [MS-CIFS] gives
    /// it for any request ([`dos::SAME_CODE`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_code: Option<SameCodeFacts>,
}

/// [`DosFacts::same_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SameCodeFacts {
    pub name: &'static str,
    /// "0x005B0002".
    #[serde(serialize_with = "hex32")]
    pub value: u32,
    pub note: &'static str,
}

/// Serializes a 32-bit status as "0x005B0002".
fn hex32<S: serde::Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("0x{v:08X}"))
}

/// One of [`DosFacts::paired`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DosPair {
    /// The SMB1 command answered, as `smbscope messages` names it.
    pub command: &'static str,
    /// The NTSTATUS, serialized by name.
    #[serde(serialize_with = "status_by_name")]
    pub status: NtStatus,
    pub why: &'static str,
}

impl Report {
    /// The code is in a table (it has a name): the query matched.
    pub fn is_known(&self) -> bool {
        self.name.is_some()
    }

    /// The report for an NTSTATUS code, known or not.
    pub fn nt(code: u32) -> Report {
        let entry = lookup(code);
        Report {
            kind: Kind::NtStatus,
            code,
            hex: format!("0x{code:08X}"),
            name: entry.map(|e| e.name),
            description: entry.and_then(|e| e.description),
            severity: Some(NtStatus(code).severity()),
            facility: Some(NtStatus(code).facility()),
            benign: is_benign(code),
            explanation: explain(code),
            dos: None,
            linux_cifs: cifs::errno_of(code).map(|(e, mapped)| CifsErrno {
                errno: e.number,
                name: e.name,
                text: e.text,
                mount_error: cifs::mount_error(e),
                mapped,
            }),
            errno: None,
        }
    }

    /// The report for a Linux errno (as cifs.ko returns it), known or not.
    pub fn errno(number: u16) -> Report {
        let e = cifs::by_number(u32::from(number));
        Report {
            kind: Kind::Errno,
            code: u32::from(number),
            hex: format!("errno:{number}"),
            name: e.map(|e| e.name),
            description: e.map(|e| e.text),
            severity: None,
            facility: None,
            benign: false,
            explanation: None,
            dos: None,
            linux_cifs: None,
            errno: e.map(|e| ErrnoFacts {
                mount_error: cifs::mount_error(e),
                statuses: cifs::statuses_of(e).filter_map(name).collect(),
                note: cifs::note(e),
            }),
        }
    }

    /// The report for an SMB1 error in the DOS form, known or not: `code`
    /// is its Status field as sent, read as a little-endian number (as
    /// `smbscope messages` gives `status_code`).
    pub fn dos(class: u8, code: u16) -> Report {
        let st = NtStatus::dos(class, code);
        let entry = dos::lookup(class, code);
        let paired = dos::pairings(st)
            .map(|p| DosPair {
                command: p.command,
                status: p.nt,
                why: p.why,
            })
            .collect();
        Report {
            kind: Kind::Dos,
            code: u32::from(class) | u32::from(code) << 16,
            hex: format!("0x{class:02X}/0x{code:04X}"),
            name: entry.map(|e| e.name),
            description: entry.map(|e| e.description),
            severity: None,
            facility: None,
            benign: dos::is_benign(st),
            explanation: None,
            dos: Some(DosFacts {
                error_class: class,
                error_code: code,
                paired,
                same_code: dos::same_code(class, code).map(|e| SameCodeFacts {
                    name: e.name,
                    value: e.value,
                    note: e.note,
                }),
            }),
            linux_cifs: None,
            errno: None,
        }
    }

    /// The report for a Kerberos error code, known or not.
    pub fn kerberos(code: i32) -> Report {
        let entry = kerberos::lookup(code);
        Report {
            kind: Kind::Kerberos,
            code: code as u32,
            hex: format!("0x{code:X}"),
            name: entry.map(|e| e.name),
            description: entry.map(|e| e.meaning),
            severity: None,
            facility: None,
            benign: kerberos::is_benign(code),
            explanation: kerberos::explain(code),
            dos: None,
            linux_cifs: None,
            errno: None,
        }
    }
}

/// Serializes a status by name ("STATUS_LOGON_FAILURE").
fn status_by_name<S: serde::Serializer>(st: &NtStatus, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(st)
}

/// The reports for a parsed query: one for a code (known or not: see
/// [`Report::is_known`]), every match for words (NTSTATUS matches first,
/// then Kerberos), none when nothing matches or the number is malformed.
pub fn resolve(q: &Query) -> Vec<Report> {
    match q {
        Query::BadNumber(_) => Vec::new(),
        Query::Code(n) => vec![Report::nt(*n)],
        Query::Kerberos(n) => vec![Report::kerberos(*n)],
        Query::Errno(n) => vec![Report::errno(*n)],
        Query::Number(n) => {
            let mut v = Vec::new();
            if lookup(*n).is_some() {
                v.push(Report::nt(*n));
            }
            if let Some(e) = cifs::by_number(*n) {
                v.push(Report::errno(e.number));
            }
            if let Some(k) = i32::try_from(*n).ok().and_then(kerberos::lookup) {
                v.push(Report::kerberos(k.code));
            }
            v
        }
        Query::Dos(v) => v.iter().map(|&(c, k)| Report::dos(c, k)).collect(),
        Query::Words(w) => search(w)
            .into_iter()
            .map(|e| Report::nt(e.code))
            .chain(
                kerberos::search(w)
                    .into_iter()
                    .map(|e| Report::kerberos(e.code)),
            )
            .collect(),
    }
}

/// What to say before the answers to `q`: for a bare number that several
/// tables have ([`Query::Number`]), that it is each of them, and how to ask
/// one table alone.
pub fn query_note(q: &Query, reports: &[Report]) -> Option<String> {
    let Query::Number(n) = q else {
        return None;
    };
    let kinds: Vec<String> = reports
        .iter()
        .map(|r| {
            let what = match r.kind {
                Kind::NtStatus => "an NTSTATUS",
                Kind::Errno => "a Linux errno",
                Kind::Kerberos => "a Kerberos error code",
                Kind::Dos => "an SMB1 DOS-form error",
            };
            format!("{what} ({})", r.name.unwrap_or("?"))
        })
        .collect();
    let nt = if lookup(*n).is_some() {
        String::new()
    } else {
        format!(" It is no NTSTATUS we know (0x{n:08X}).")
    };
    let asks: Vec<String> = reports
        .iter()
        .map(|r| match r.kind {
            Kind::NtStatus | Kind::Dos => format!("0x{n:08X}"),
            Kind::Errno => format!("errno:{n}"),
            Kind::Kerberos => format!("krb:{n}"),
        })
        .collect();
    Some(format!(
        "{n} is {}: every table that has it follows, NTSTATUS first.{nt} Ask one table alone: {}.",
        kinds.join(", "),
        asks.join(", ")
    ))
}

/// `resolve(&parse_query(q))`: the whole `smbscope status QUERY` lookup.
pub fn query(q: &str) -> Vec<Report> {
    resolve(&parse_query(q))
}

#[cfg(test)]
mod tests;
