//! Shared building blocks of the body parsers: bounds-checked little-endian
//! reads, UTF-16LE strings, GUIDs, FILETIMEs, file ids, buffer references and
//! the `open_enum!` / `open_flags!` macros that make open code sets (unknown
//! values survive and print as hex).
//!
//! Nothing here panics on input: every read goes through `slice::get`.

use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Range;

/// Reads a byte at `at`, if present.
pub(crate) fn u8_at(b: &[u8], at: usize) -> Option<u8> {
    b.get(at).copied()
}

/// Reads a little-endian u16 at `at`, if all its bytes are present.
pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

/// Reads a little-endian u32 at `at`, if all its bytes are present.
pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Reads a little-endian u64 at `at`, if all its bytes are present.
pub(crate) fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

/// Reads 16 bytes at `at`, if present.
pub(crate) fn bytes16_at(b: &[u8], at: usize) -> Option<[u8; 16]> {
    let s = b.get(at..at.checked_add(16)?)?;
    let mut a = [0u8; 16];
    a.copy_from_slice(s);
    Some(a)
}

/// Decodes UTF-16LE (lossy: unpaired surrogates become U+FFFD; an odd trailing
/// byte is dropped). The output is bounded by the bytes present.
pub(crate) fn utf16le(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() / 2);
    utf16le_each(b, |c| s.push(c));
    s
}

/// [`utf16le`] into a [`Text`](super::inline::Text): in place when short.
pub(crate) fn utf16le_text(b: &[u8]) -> super::inline::Text {
    // Short ASCII (nearly all names): gathered on the stack, checked once.
    let mut buf = [0u8; 32];
    let units = b.len() / 2;
    if let Some(out) = buf.get_mut(..units) {
        if narrow_ascii(b, out) {
            return super::inline::Text::from(ascii(out));
        }
    }
    super::inline::Text::from(utf16le(b))
}

/// [`utf16le_text`] without the NUL characters at the end (a name padded
/// or terminated with zeros), dropped before decoding.
pub(crate) fn utf16le_text_trimmed(b: &[u8]) -> super::inline::Text {
    let mut units = b.get(..b.len() & !1).unwrap_or(&[]);
    while let [rest @ .., 0, 0] = units {
        units = rest;
    }
    utf16le_text(units)
}

/// Writes the low byte of each UTF-16LE unit of `b` into `out` (one per
/// unit, as many as `out` holds), four units per step; true when every
/// unit written is ASCII (high byte 0, low byte below 0x80).
fn narrow_ascii(b: &[u8], out: &mut [u8]) -> bool {
    // A unit is ASCII when none of the bits 0xff80 of it is set.
    const NOT_ASCII: u64 = 0xff80_ff80_ff80_ff80;
    let mut seen = 0u64;
    let mut src = b.chunks_exact(8);
    let mut dst = out.chunks_exact_mut(4);
    for (s, d) in (&mut src).zip(&mut dst) {
        let mut w = [0u8; 8];
        w.copy_from_slice(s);
        let w = u64::from_le_bytes(w);
        seen |= w & NOT_ASCII;
        // The low bytes of the four units (bits 0, 16, 32, 48) side by side.
        let low = (w & 0xff)
            | ((w >> 8) & 0xff00)
            | ((w >> 16) & 0x00ff_0000)
            | ((w >> 24) & 0xff00_0000);
        d.copy_from_slice(&(low as u32).to_le_bytes());
    }
    for (d, p) in dst
        .into_remainder()
        .iter_mut()
        .zip(src.remainder().chunks_exact(2))
    {
        *d = p[0];
        seen |= u64::from(u16::from_le_bytes([p[0], p[1]])) & NOT_ASCII;
    }
    seen == 0
}

/// The characters of UTF-16LE `b`, as [`utf16le`] decodes them.
fn utf16le_each(b: &[u8], mut push: impl FnMut(char)) {
    let mut pairs = b.chunks_exact(2);
    // ASCII (nearly all names) one unit at a time, the rest by decode_utf16.
    let rest = loop {
        match pairs.next() {
            Some(&[c, 0]) if c < 0x80 => push(char::from(c)),
            Some(p) => break Some(u16::from_le_bytes([p[0], p[1]])),
            None => break None,
        }
    };
    if let Some(first) = rest {
        let units = std::iter::once(first).chain(pairs.map(|c| u16::from_le_bytes([c[0], c[1]])));
        for r in char::decode_utf16(units) {
            push(r.unwrap_or(char::REPLACEMENT_CHARACTER));
        }
    }
}

/// A 16-byte GUID, printed in the standard text form
/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (Data1..Data3 little-endian, [MS-DTYP] 2.3.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Guid(pub [u8; 16]);

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Text made only of ASCII bytes written here, as `&str`.
pub(crate) fn ascii(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

/// Writes `v` as `b.len()` lowercase hex digits (the low ones, zero-padded).
#[inline]
pub(crate) fn put_hex(b: &mut [u8], v: u64) {
    let n = b.len();
    if n <= 16 {
        let mut all = [0u8; 16];
        all[..8].copy_from_slice(&hex8((v >> 32) as u32));
        all[8..].copy_from_slice(&hex8(v as u32));
        b.copy_from_slice(&all[16 - n..]);
        return;
    }
    let mut v = v;
    for x in b.iter_mut().rev() {
        *x = HEX_DIGITS[(v & 15) as usize];
        v >>= 4;
    }
}

/// The eight lowercase hex digits of `v`, most significant first, all at
/// once: each nibble spread to a byte of its own, then '0' added to all and
/// the distance from '9' + 1 to 'a' to those of ten and more.
#[inline]
pub(crate) fn hex8(v: u32) -> [u8; 8] {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = u64::from(v);
    let x = ((x & 0xFFFF_0000) << 16) | (x & 0xFFFF);
    let x = ((x & 0x0000_FF00_0000_FF00) << 8) | (x & 0x0000_00FF_0000_00FF);
    let x = ((x & 0x00F0_00F0_00F0_00F0) << 4) | (x & 0x000F_000F_000F_000F);
    // 1 in each byte whose nibble is 10 or more.
    let letters = ((x + 6 * ONES) >> 4) & ONES;
    (x + u64::from(b'0') * ONES + letters * u64::from(b'a' - b'0' - 10)).to_be_bytes()
}

/// The two decimal digits of `v` (below 100), in 32-bit arithmetic.
#[inline]
fn two_digits(v: u32) -> [u8; 2] {
    [b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]
}

impl Guid {
    /// The text form, written without the formatting machinery.
    pub fn text(&self) -> [u8; 36] {
        let g = &self.0;
        let mut b = *b"00000000-0000-0000-0000-000000000000";
        let data1 = u32::from_le_bytes([g[0], g[1], g[2], g[3]]);
        let data23 = u32::from(u16::from_le_bytes([g[4], g[5]])) << 16
            | u32::from(u16::from_le_bytes([g[6], g[7]]));
        let data4_hi = u32::from_be_bytes([g[8], g[9], g[10], g[11]]);
        let data4_lo = u32::from_be_bytes([g[12], g[13], g[14], g[15]]);
        b[0..8].copy_from_slice(&hex8(data1));
        let d23 = hex8(data23);
        b[9..13].copy_from_slice(&d23[..4]);
        b[14..18].copy_from_slice(&d23[4..]);
        let hi = hex8(data4_hi);
        b[19..23].copy_from_slice(&hi[..4]);
        b[24..28].copy_from_slice(&hi[4..]);
        b[28..36].copy_from_slice(&hex8(data4_lo));
        b
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ascii(&self.text()))
    }
}
impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::json::ascii_text(&self.text()).serialize(s)
    }
}

/// A Windows FILETIME: 100-ns intervals since 1601-01-01 UTC ([MS-DTYP] 2.3.3).
/// Serialized as RFC 3339 UTC, e.g. `2019-08-22T15:50:02.2050890Z`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileTime(pub u64);

impl FileTime {
    /// Seconds between 1601-01-01 and 1970-01-01.
    pub(crate) const EPOCH_DIFF: u64 = 11_644_473_600;

    /// `None` for 0, the document's "no time".
    pub(crate) fn nonzero(v: u64) -> Option<FileTime> {
        (v != 0).then_some(FileTime(v))
    }

    /// The text of `Display`, written without the formatting machinery, for
    /// years 0000-9999 (a FILETIME reaches year 60056).
    pub fn text(&self) -> Option<[u8; 28]> {
        let secs_1601 = self.0 / 10_000_000;
        let frac = self.0 % 10_000_000;
        let secs = secs_1601 as i64 - FileTime::EPOCH_DIFF as i64;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u64;
        let (y, m, d) = crate::time::civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return None;
        }
        let mut b = *b"0000-00-00T00:00:00.0000000Z";
        let y = y as u32;
        let rem = rem as u32;
        b[0..2].copy_from_slice(&two_digits(y / 100));
        b[2..4].copy_from_slice(&two_digits(y % 100));
        b[5..7].copy_from_slice(&two_digits(m));
        b[8..10].copy_from_slice(&two_digits(d));
        b[11..13].copy_from_slice(&two_digits(rem / 3600));
        b[14..16].copy_from_slice(&two_digits((rem / 60) % 60));
        b[17..19].copy_from_slice(&two_digits(rem % 60));
        // The last seven of nine digits (frac < 10^7).
        b[20..27].copy_from_slice(&crate::capture::nine_digits(frac as u32)[2..]);
        Some(b)
    }
}

impl fmt::Display for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(b) = self.text() {
            return f.write_str(ascii(&b));
        }
        let secs_1601 = self.0 / 10_000_000;
        let frac = self.0 % 10_000_000;
        let secs = secs_1601 as i64 - FileTime::EPOCH_DIFF as i64;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = crate::time::civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z",
            rem / 3600,
            (rem / 60) % 60,
            rem % 60
        )
    }
}
impl fmt::Debug for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl Serialize for FileTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.text() {
            Some(b) => crate::json::ascii_text(&b).serialize(s),
            None => s.collect_str(self),
        }
    }
}

/// SMB2_FILEID ([MS-SMB2] 2.2.14.1): Persistent and Volatile halves.
/// Printed and serialized as `persistent:volatile` in hex, e.g.
/// `00000000000000a1:0000000012345678`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FileId {
    pub persistent: u64,
    pub volatile: u64,
}

impl FileId {
    pub(crate) fn at(b: &[u8], at: usize) -> Option<FileId> {
        Some(FileId {
            persistent: u64_at(b, at)?,
            volatile: u64_at(b, at.checked_add(8)?)?,
        })
    }
    /// The all-ones id that means "the file opened by the previous request of
    /// this compound chain" ([MS-SMB2] 3.2.4.1.4).
    pub fn is_related_placeholder(&self) -> bool {
        self.persistent == u64::MAX && self.volatile == u64::MAX
    }
}
impl FileId {
    /// The text of `Display`, written without the formatting machinery.
    pub fn text(&self) -> [u8; 33] {
        let mut b = [b':'; 33];
        put_hex(&mut b[..16], self.persistent);
        put_hex(&mut b[17..], self.volatile);
        b
    }
}
impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ascii(&self.text()))
    }
}
impl fmt::Debug for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl Serialize for FileId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::json::ascii_text(&self.text()).serialize(s)
    }
}

/// A variable-length buffer named by an (offset, length) pair of the fixed part.
/// `offset` counts from the start of the SMB2 header, as in the document.
/// `present` is how many of its `length` bytes are in the PDU we were given
/// (less when the capture or the lead cut the PDU short).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
pub struct BufRef {
    pub offset: u32,
    pub length: u32,
    /// Bytes of the buffer present in the PDU (== `length` when complete).
    pub present: u32,
}

impl BufRef {
    /// Builds a reference and works out how much of it `pdu` holds.
    pub(crate) fn new(pdu: &[u8], offset: u32, length: u32) -> BufRef {
        let start = offset as usize;
        let end = start.saturating_add(length as usize);
        let present = if start >= pdu.len() || length == 0 {
            0
        } else {
            (end.min(pdu.len()) - start) as u32
        };
        BufRef {
            offset,
            length,
            present,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }
    pub fn is_complete(&self) -> bool {
        self.present == self.length
    }
    /// Byte range of the present part, relative to the start of the PDU.
    pub fn range(&self) -> Range<usize> {
        let s = self.offset as usize;
        s..s.saturating_add(self.present as usize)
    }
    /// The present part of the buffer (possibly shorter than `length`).
    pub fn present_slice<'a>(&self, pdu: &'a [u8]) -> &'a [u8] {
        pdu.get(self.range()).unwrap_or(&[])
    }
    /// The whole buffer, or `None` when it is cut short.
    pub fn slice<'a>(&self, pdu: &'a [u8]) -> Option<&'a [u8]> {
        if self.is_complete() {
            pdu.get(self.range())
        } else {
            None
        }
    }
    /// Adds a note to `missing` when the buffer is cut short.
    pub(crate) fn note_missing(&self, what: &'static str, missing: &mut Vec<Missing>) {
        if !self.is_complete() {
            missing.push(Missing {
                what,
                need: self.length,
                have: self.present,
            });
        }
    }
}

/// A part of a body that was named by the fixed part but is not (fully) in the
/// bytes we were given: the capture's snaplen, or the lead kept only a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// Which field, e.g. "security buffer", "negotiate contexts".
    pub what: &'static str,
    /// Bytes the fixed part announced.
    pub need: u32,
    /// Bytes present.
    pub have: u32,
}

/// Hex form used when a code has no name: `0x` and `width` hex digits.
pub(crate) fn hex(v: u64, width: usize) -> String {
    format!("0x{v:0width$x}")
}

/// Serializes a name from one of our tables (never from the input) as a
/// string. It goes through `serialize_unit_variant`, which serde_json writes
/// as the same string; [`crate::json`] then knows the name needs no escape
/// check.
pub(crate) fn serialize_name<S: serde::Serializer>(
    s: S,
    name: &'static str,
) -> Result<S::Ok, S::Error> {
    s.serialize_unit_variant("name", 0, name)
}

/// A name from one of our tables, serialized by [`serialize_name`].
pub(crate) struct Name(pub &'static str);

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_name(s, self.0)
    }
}

/// Defines an open enumeration: a newtype over an integer with named
/// constants, `name()`, Display (name or hex) and Serialize (same string).
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident($ty:ty), width $w:expr;
        $( $(#[$cmeta:meta])* $cname:ident = $val:expr => $text:expr ),* $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $ty);
        // Names are written to JSON without an escape check (json::push_name).
        const _: () = { $( assert!($crate::json::is_plain_name($text)); )* };
        #[allow(dead_code)]
        impl $name {
            $( $(#[$cmeta])* pub const $cname: $name = $name($val); )*
            /// Every name of the table, in its order (the schema lists them).
            pub const NAMES: &'static [&'static str] = &[ $( $text ),* ];
            /// The document's name for this code, if known.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( v if v == $val => Some($text), )*
                    _ => None,
                }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "0x{:0w$x}", self.0, w = $w),
                }
            }
        }
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self, f)
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(n) => $crate::smb2::wire::serialize_name(s, n),
                    None => s.collect_str(self),
                }
            }
        }
    };
}
pub(crate) use open_enum;

/// Defines an open flag set: a newtype over an integer with named bit
/// constants, `names()` (unknown bits as one hex entry), Display (names joined
/// by `|`, or `0` when empty) and Serialize (list of names).
macro_rules! open_flags {
    (
        $(#[$meta:meta])*
        $name:ident($ty:ty), width $w:expr;
        $( $(#[$cmeta:meta])* $cname:ident = $val:expr => $text:expr ),* $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub $ty);
        // Names are written to JSON without an escape check (json::push_name).
        const _: () = { $( assert!($crate::json::is_plain_name($text)); )* };
        #[allow(dead_code)]
        impl $name {
            $( $(#[$cmeta])* pub const $cname: $name = $name($val); )*
            const TABLE: &'static [($ty, &'static str)] = &[ $( ($val, $text) ),* ];
            /// Every name of the table, in its order (the schema lists them).
            pub const NAMES: &'static [&'static str] = &[ $( $text ),* ];
            /// True when every bit of `other` is set.
            pub fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
            /// Names of the set bits in table order; bits without a name are
            /// given together as one hex entry at the end.
            pub fn names(self) -> Vec<::std::borrow::Cow<'static, str>> {
                let mut out = Vec::new();
                let mut rest = self.0;
                for &(bit, text) in Self::TABLE {
                    if bit != 0 && self.0 & bit == bit {
                        out.push(::std::borrow::Cow::Borrowed(text));
                        rest &= !bit;
                    }
                }
                if rest != 0 {
                    out.push(::std::borrow::Cow::Owned(format!("0x{:0w$x}", rest, w = $w)));
                }
                out
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let n = self.names();
                if n.is_empty() {
                    return f.write_str("0");
                }
                f.write_str(&n.join("|"))
            }
        }
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}(0x{:0w$x})", self, self.0, w = $w)
            }
        }
        impl ::serde::Serialize for $name {
            /// The list of [`names`](Self::names), without building it.
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(None)?;
                let mut rest = self.0;
                for &(bit, text) in Self::TABLE {
                    if bit != 0 && self.0 & bit == bit {
                        seq.serialize_element(&$crate::smb2::wire::Name(text))?;
                        rest &= !bit;
                    }
                }
                if rest != 0 {
                    seq.serialize_element(&format!("0x{:0w$x}", rest, w = $w))?;
                }
                seq.end()
            }
        }
    };
}
pub(crate) use open_flags;

open_flags! {
    /// ACCESS_MASK for files, directories and pipes ([MS-SMB2] 2.2.13.1.1,
    /// [MS-DTYP] 2.4.3). Serialized as `{"hex": "0x001f01ff", "names": [..]}`.
    AccessMaskBits(u32), width 8;
    FILE_READ_DATA = 0x0000_0001 => "FILE_READ_DATA",
    FILE_WRITE_DATA = 0x0000_0002 => "FILE_WRITE_DATA",
    FILE_APPEND_DATA = 0x0000_0004 => "FILE_APPEND_DATA",
    FILE_READ_EA = 0x0000_0008 => "FILE_READ_EA",
    FILE_WRITE_EA = 0x0000_0010 => "FILE_WRITE_EA",
    FILE_EXECUTE = 0x0000_0020 => "FILE_EXECUTE",
    FILE_DELETE_CHILD = 0x0000_0040 => "FILE_DELETE_CHILD",
    FILE_READ_ATTRIBUTES = 0x0000_0080 => "FILE_READ_ATTRIBUTES",
    FILE_WRITE_ATTRIBUTES = 0x0000_0100 => "FILE_WRITE_ATTRIBUTES",
    DELETE = 0x0001_0000 => "DELETE",
    READ_CONTROL = 0x0002_0000 => "READ_CONTROL",
    WRITE_DAC = 0x0004_0000 => "WRITE_DAC",
    WRITE_OWNER = 0x0008_0000 => "WRITE_OWNER",
    SYNCHRONIZE = 0x0010_0000 => "SYNCHRONIZE",
    ACCESS_SYSTEM_SECURITY = 0x0100_0000 => "ACCESS_SYSTEM_SECURITY",
    MAXIMUM_ALLOWED = 0x0200_0000 => "MAXIMUM_ALLOWED",
    GENERIC_ALL = 0x1000_0000 => "GENERIC_ALL",
    GENERIC_EXECUTE = 0x2000_0000 => "GENERIC_EXECUTE",
    GENERIC_WRITE = 0x4000_0000 => "GENERIC_WRITE",
    GENERIC_READ = 0x8000_0000 => "GENERIC_READ",
}

/// An access mask with its hex value kept next to the names
/// ([MS-SMB2] 2.2.13.1, [MS-DTYP] 2.4.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct AccessMask(pub u32);

impl AccessMask {
    pub fn bits(self) -> AccessMaskBits {
        AccessMaskBits(self.0)
    }
}
impl fmt::Display for AccessMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08x}", self.0)
    }
}
impl Serialize for AccessMask {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("AccessMask", 2)?;
        st.serialize_field("hex", &super::inline::HexCode::<8>(self.0))?;
        st.serialize_field("names", &self.bits())?;
        st.end()
    }
}

open_flags! {
    /// File attributes ([MS-FSCC] 2.6).
    FileAttributes(u32), width 8;
    READONLY = 0x0000_0001 => "READONLY",
    HIDDEN = 0x0000_0002 => "HIDDEN",
    SYSTEM = 0x0000_0004 => "SYSTEM",
    DIRECTORY = 0x0000_0010 => "DIRECTORY",
    ARCHIVE = 0x0000_0020 => "ARCHIVE",
    NORMAL = 0x0000_0080 => "NORMAL",
    TEMPORARY = 0x0000_0100 => "TEMPORARY",
    SPARSE_FILE = 0x0000_0200 => "SPARSE_FILE",
    REPARSE_POINT = 0x0000_0400 => "REPARSE_POINT",
    COMPRESSED = 0x0000_0800 => "COMPRESSED",
    OFFLINE = 0x0000_1000 => "OFFLINE",
    NOT_CONTENT_INDEXED = 0x0000_2000 => "NOT_CONTENT_INDEXED",
    ENCRYPTED = 0x0000_4000 => "ENCRYPTED",
    INTEGRITY_STREAM = 0x0000_8000 => "INTEGRITY_STREAM",
    NO_SCRUB_DATA = 0x0002_0000 => "NO_SCRUB_DATA",
    RECALL_ON_OPEN = 0x0004_0000 => "RECALL_ON_OPEN",
    PINNED = 0x0008_0000 => "PINNED",
    UNPINNED = 0x0010_0000 => "UNPINNED",
    RECALL_ON_DATA_ACCESS = 0x0040_0000 => "RECALL_ON_DATA_ACCESS",
}

/// Serde helper: skip a `Vec` field when empty.
pub(crate) fn is_empty_vec<T>(v: &[T]) -> bool {
    v.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digits_match_the_format_strings() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            0,
            1,
            9,
            10,
            15,
            16,
            0xa0,
            0xff,
            u64::MAX,
            0x0123_4567_89ab_cdef,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x);
            values.push(x >> (x % 64));
        }
        for v in values {
            assert_eq!(&hex8(v as u32), format!("{:08x}", v as u32).as_bytes());
            for n in [1usize, 2, 4, 8, 12, 16, 20] {
                let mut b = vec![0u8; n];
                put_hex(&mut b, v);
                let want = format!("{v:020x}");
                assert_eq!(b, want.as_bytes()[20 - n..], "{v:#x} {n}");
            }
            let mut g = [0u8; 16];
            g[..8].copy_from_slice(&v.to_le_bytes());
            g[8..].copy_from_slice(&v.rotate_left(17).to_be_bytes());
            let want = format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
                u16::from_le_bytes([g[4], g[5]]),
                u16::from_le_bytes([g[6], g[7]]),
                u16::from_be_bytes([g[8], g[9]]),
                u64::from_be_bytes([0, 0, g[10], g[11], g[12], g[13], g[14], g[15]])
            );
            assert_eq!(Guid(g).to_string(), want);
        }
    }

    #[test]
    fn utf16le_matches_decode_utf16() {
        let reference = |b: &[u8]| -> String {
            let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        };
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..40 {
            for _ in 0..200 {
                let mut b = Vec::new();
                for _ in 0..len {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b.push(match x % 6 {
                        0 => (x >> 8) as u8,
                        1 => 0xd8 | ((x >> 8) as u8 & 7),
                        2 => 0xdc,
                        _ => (x >> 8) as u8 & 0x7f,
                    });
                    if !x.is_multiple_of(3) {
                        b.push(0);
                    }
                }
                assert_eq!(utf16le(&b), reference(&b), "{b:02x?}");
                assert_eq!(utf16le_text(&b).as_str(), reference(&b), "{b:02x?}");
                // With NUL units (and an odd byte) after it, trimmed.
                let want = reference(&b);
                let want = want.trim_end_matches('\0');
                assert_eq!(utf16le_text_trimmed(&b).as_str(), want, "{b:02x?}");
                b.truncate(b.len() & !1);
                b.extend_from_slice(&[0, 0, 0, 0]);
                b.truncate(b.len() - (x % 4) as usize);
                assert_eq!(utf16le_text_trimmed(&b).as_str(), want, "{b:02x?}");
            }
        }
        // Names that are ASCII but for at most one bit, at every place (the
        // in-place path reads four units at a time).
        for units in 0..34usize {
            for flip in 0..=units * 16 {
                let mut b: Vec<u8> = (0..units)
                    .flat_map(|i| [b'a' + (i % 26) as u8, 0])
                    .collect();
                if let Some(byte) = b.get_mut(flip / 8) {
                    *byte ^= 1 << (flip % 8);
                }
                assert_eq!(utf16le_text(&b).as_str(), reference(&b), "{b:02x?}");
                b.push(b'z');
                assert_eq!(utf16le_text(&b).as_str(), reference(&b), "{b:02x?}");
            }
        }
    }

    /// The stack writers give the text of the `write!` forms they replaced.
    #[test]
    fn text_writers_match_the_format_strings() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut times = vec![
            0,
            1,
            u64::MAX,
            116_444_736_000_000_000,
            2_650_467_743_999_999_999,
        ];
        for _ in 0..20_000 {
            let (a, b) = (next(), next());
            let mut g = [0u8; 16];
            g[..8].copy_from_slice(&a.to_le_bytes());
            g[8..].copy_from_slice(&b.to_le_bytes());
            let g = Guid(g).0;
            assert_eq!(
                Guid(g).to_string(),
                format!(
                    "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                    g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]
                )
            );
            let id = FileId {
                persistent: a,
                volatile: b >> (a % 64),
            };
            assert_eq!(
                id.to_string(),
                format!("{:016x}:{:016x}", id.persistent, id.volatile)
            );
            times.push(a);
            times.push(a >> (b % 64));
        }
        for t in times {
            let secs = (t / 10_000_000) as i64 - FileTime::EPOCH_DIFF as i64;
            let rem = secs.rem_euclid(86_400);
            let (y, m, d) = crate::time::civil_from_days(secs.div_euclid(86_400));
            let want = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:07}Z",
                rem / 3600,
                (rem / 60) % 60,
                rem % 60,
                t % 10_000_000
            );
            assert_eq!(FileTime(t).to_string(), want);
            assert_eq!(
                serde_json::to_string(&FileTime(t)).unwrap(),
                format!("\"{want}\"")
            );
            let am = AccessMask(t as u32);
            assert_eq!(
                serde_json::to_value(am).unwrap()["hex"],
                format!("0x{:08x}", t as u32)
            );
        }
    }

    #[test]
    fn reads_are_bounds_checked() {
        let b = [1u8, 2, 3];
        assert_eq!(u16_at(&b, 1), Some(0x0302));
        assert_eq!(u16_at(&b, 2), None);
        assert_eq!(u32_at(&b, 0), None);
        assert_eq!(u64_at(&b, usize::MAX), None);
    }

    #[test]
    fn guid_text_form() {
        let g = Guid([
            0x6e, 0x65, 0x77, 0x73, 0x74, 0x6f, 0x72, 0x61, 0x67, 0x65, 0, 0, 0, 0, 0, 0,
        ]);
        assert_eq!(g.to_string(), "7377656e-6f74-6172-6765-000000000000");
    }

    #[test]
    fn filetime_rfc3339() {
        // 2019-08-22T15:50:02.2050890Z as seen by tshark in a negotiate response
        let ft = FileTime(132_109_626_022_050_890);
        assert_eq!(ft.to_string(), "2019-08-22T15:50:02.2050890Z");
        assert_eq!(FileTime(0).to_string(), "1601-01-01T00:00:00.0000000Z");
        assert_eq!(
            FileTime(116_444_736_000_000_000).to_string(),
            "1970-01-01T00:00:00.0000000Z"
        );
    }

    #[test]
    fn bufref_presence() {
        let pdu = [0u8; 100];
        let r = BufRef::new(&pdu, 90, 20);
        assert_eq!(r.present, 10);
        assert!(r.slice(&pdu).is_none());
        assert_eq!(r.present_slice(&pdu).len(), 10);
        let r = BufRef::new(&pdu, 200, 20);
        assert_eq!(r.present, 0);
        assert_eq!(r.present_slice(&pdu).len(), 0);
        let r = BufRef::new(&pdu, u32::MAX, u32::MAX);
        assert_eq!(r.present, 0);
    }
}
