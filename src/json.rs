//! A JSON writer for the per-message lines and the report: the same bytes
//! as `serde_json::to_writer` (compact) or `serde_json::to_writer_pretty`,
//! written faster.
//!
//! On a session-heavy capture a third of the `messages --format jsonl` time
//! went into serde_json's string escaping, which looks at every byte of every
//! key and string value through a table and writes runs through `io::Write`.
//! Nearly all our strings are ASCII names with nothing to escape: here they
//! are checked eight bytes at a time and copied in one piece.
//!
//! Only what our output types use is written here (maps, structs, sequences,
//! strings, integers, booleans, options, unit and newtype variants); floats,
//! byte arrays and 128-bit integers go through serde_json itself, one value
//! at a time. Anything else (tuple or struct variants, unusual map keys) is an
//! error, and [`to_vec`] then writes the whole value with serde_json instead:
//! the output is serde_json's in every case.

use std::fmt;

use serde::ser::{self, Serialize};

/// Appends the compact JSON of `value` to `out`, exactly as
/// `serde_json::to_writer(out, value)` would.
pub fn to_vec<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    let start = out.len();
    if value.serialize(Ser::<false> { out, depth: 0 }).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    serde_json::to_writer(out, value)
}

/// Appends the pretty JSON of `value` to `out`, exactly as
/// `serde_json::to_writer_pretty` would, as if it began on a line indented
/// `depth` levels (two spaces each) inside a larger document.
pub fn to_vec_pretty<T: ?Sized + Serialize>(
    out: &mut Vec<u8>,
    value: &T,
    depth: usize,
) -> serde_json::Result<()> {
    let start = out.len();
    if value.serialize(Ser::<true> { out, depth }).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    let v = serde_json::to_vec_pretty(value)?;
    // Raw newlines only come from the layout (strings escape theirs).
    for (i, line) in v.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
            indent(out, depth);
        }
        out.extend_from_slice(line);
    }
    Ok(())
}

/// Two spaces per level, as serde_json's pretty printer writes them.
#[inline]
fn indent(out: &mut Vec<u8>, depth: usize) {
    const SPACES: &[u8] = &[b' '; 64];
    let mut n = depth * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.extend_from_slice(&SPACES[..k]);
        n -= k;
    }
}

/// Not written here: the caller falls back to serde_json.
#[derive(Debug)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not supported by the fast JSON writer")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Unsupported
    }
}

type Result<T = ()> = std::result::Result<T, Unsupported>;

const HI: u64 = 0x8080_8080_8080_8080;
const LO: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `x` that needs escaping in a JSON string
/// (< 0x20, '"', '\\'), and perhaps of bytes above one that does (borrows
/// run upwards): zero exactly when no byte needs escaping.
#[inline]
fn word_escape_bits(x: u64) -> u64 {
    let ctl = x.wrapping_sub(LO * 0x20) & !x;
    let q = x ^ (LO * u64::from(b'"'));
    let q = q.wrapping_sub(LO) & !q;
    let b = x ^ (LO * u64::from(b'\\'));
    let b = b.wrapping_sub(LO) & !b;
    (ctl | q | b) & HI
}

/// Does any byte of `x` need escaping in a JSON string?
#[inline]
fn word_needs_escape(x: u64) -> bool {
    word_escape_bits(x) != 0
}

#[inline]
const fn byte_needs_escape(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

/// The eight bytes of `b` at `at`, little-endian (`at + 8 <= b.len()`).
#[inline]
fn word_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        w.copy_from_slice(s);
    }
    u64::from_le_bytes(w)
}

/// Does `b` hold a byte that needs escaping? Sixteen bytes at a time (two
/// words tested together); the last (overlapping) word or two cover the
/// tail, and a string shorter than a word is packed into one.
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    let n = b.len();
    if n < 8 {
        // Padding bytes are 'a': nothing to escape.
        let mut w = LO * u64::from(b'a');
        for &c in b {
            w = (w << 8) | u64::from(c);
        }
        return word_needs_escape(w);
    }
    let mut at = 0;
    while at + 16 <= n {
        if word_escape_bits(word_at(b, at)) | word_escape_bits(word_at(b, at + 8)) != 0 {
            return true;
        }
        at += 16;
    }
    // 0 to 15 bytes left, and at least 8 bytes before the end.
    let tail = word_escape_bits(word_at(b, n - 8));
    if at + 8 < n {
        tail | word_escape_bits(word_at(b, at)) != 0
    } else {
        tail != 0
    }
}

/// Appends `s` escaped as serde_json escapes it (no quotes).
#[inline]
fn escape_into(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if needs_escape(b) {
        escape_slow(out, b);
    } else {
        out.extend_from_slice(b);
    }
}

#[cold]
fn escape_slow(out: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        if !byte_needs_escape(c) {
            continue;
        }
        out.extend_from_slice(&b[run..i]);
        run = i + 1;
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0A => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x0D => out.extend_from_slice(b"\\r"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xF)],
            ]),
        }
    }
    out.extend_from_slice(&b[run..]);
}

#[inline]
fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escape_into(out, s);
    out.push(b'"');
}

/// Whether `s` can be written as a JSON string as it is: no quote, backslash
/// or control character. A `const fn`, so that the name tables (`open_enum!`,
/// `open_flags!`, body keys) are checked when the program is built.
pub const fn is_plain_name(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if byte_needs_escape(b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// Appends a string that holds nothing to escape as a JSON string, without
/// the escape check: a name known when the program was built (a struct
/// field, an enum variant, a code's name from a table: checked by
/// [`is_plain_name`] when built or by a test) or an address we formatted
/// (digits, letters and punctuation).
#[inline]
pub fn push_name(out: &mut Vec<u8>, s: &str) {
    debug_assert!(is_plain_name(s), "{s:?} needs escaping");
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// A struct field's name (nothing to escape, as [`push_name`]) and the
/// colon after it.
#[inline(always)]
fn push_key(out: &mut Vec<u8>, key: &str, pretty: bool) {
    debug_assert!(is_plain_name(key), "{key:?} needs escaping");
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(if pretty { b"\": " } else { b"\":" });
}

/// Compact: `sep`, a struct field's name (nothing to escape, as
/// [`push_name`]) and the colon after it, appended as one piece: with the
/// name a constant, a few stores after one capacity check.
#[inline(always)]
fn push_sep_key(out: &mut Vec<u8>, sep: u8, key: &str) {
    const ROOM: usize = 44;
    debug_assert!(is_plain_name(key), "{key:?} needs escaping");
    let k = key.as_bytes();
    if k.len() > ROOM {
        out.push(sep);
        push_key(out, key, false);
        return;
    }
    let mut piece = [b'"'; ROOM + 4];
    piece[0] = sep;
    piece[2..2 + k.len()].copy_from_slice(k);
    piece[3 + k.len()] = b':';
    out.extend_from_slice(&piece[..k.len() + 4]);
}

/// Appends `s` as a JSON string (quoted, escaped as serde_json escapes it).
#[inline]
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    write_str(out, s);
}

/// Appends `v` as a JSON number.
#[inline]
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    write_u64(out, v);
}

#[inline]
fn write_u64(out: &mut Vec<u8>, v: u64) {
    // Most numbers of a line (flags, counts, ids of a fresh connection) have
    // one or two digits: written here, without a call.
    if v < 10 {
        out.push(b'0' + v as u8);
    } else if v < 100 {
        out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    } else {
        write_u64_long(out, v);
    }
}

/// [`write_u64`] of three digits or more, out of line: eight digits at a
/// time ([`crate::capture::eight_digits`]), each group appended as one fixed-size piece
/// (no digit loop, no copy call of a variable length).
#[inline(never)]
fn write_u64_long(out: &mut Vec<u8>, v: u64) {
    if v < E8 {
        push_leading(out, v as u32);
    } else {
        write_u64_wide(out, v);
    }
}

/// 10^8: the numbers [`crate::capture::eight_digits`] writes are below it.
const E8: u64 = 100_000_000;

/// [`write_u64_long`] of nine digits or more.
#[inline(never)]
fn write_u64_wide(out: &mut Vec<u8>, v: u64) {
    if v < E8 * E8 {
        push_leading(out, (v / E8) as u32);
    } else {
        // At most 1844 above 10^16.
        push_leading(out, (v / (E8 * E8)) as u32);
        out.extend_from_slice(&crate::capture::eight_digits((v / E8 % E8) as u32).to_le_bytes());
    }
    out.extend_from_slice(&crate::capture::eight_digits((v % E8) as u32).to_le_bytes());
}

/// Appends `v` (1 to 10^8 - 1) without leading zeros: its eight digits
/// shifted down past the zeros, appended whole and cut to length.
#[inline]
fn push_leading(out: &mut Vec<u8>, v: u32) {
    let digits = crate::capture::eight_digits(v);
    // Low bytes that are '0': the leading zeros (fewer than 8, as v > 0).
    let zeros = ((digits ^ 0x3030_3030_3030_3030).trailing_zeros() / 8).min(7);
    let len = out.len() + 8 - zeros as usize;
    out.extend_from_slice(&(digits >> (8 * zeros)).to_le_bytes());
    out.truncate(len);
}

#[inline]
fn write_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    write_u64(out, v.unsigned_abs());
}

/// One value through serde_json (floats, bytes, 128-bit integers).
fn via_serde_json<T: Serialize>(out: &mut Vec<u8>, v: T) -> Result {
    serde_json::to_writer(out, &v).map_err(|_| Unsupported)
}

/// Tuple and struct variants: not written here (the caller falls back to
/// serde_json).
macro_rules! unsupported_variants {
    () => {
        fn serialize_tuple_variant(
            self,
            _name: &'static str,
            _i: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleVariant> {
            Err(Unsupported)
        }
        fn serialize_struct_variant(
            self,
            _name: &'static str,
            _i: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStructVariant> {
            Err(Unsupported)
        }
    };
}

/// The name of the newtype struct that [`AsciiText`] serializes as: our
/// writer knows it and takes the bytes as they are.
const ASCII_TEXT: &str = "$smbscope::json::AsciiText";

/// Text this program formatted from numbers (hex or decimal digits and
/// punctuation: a GUID, a FILETIME, a FileId, a hex code), serialized as a
/// string. Other serializers (serde_json) get it through `serialize_str`,
/// after the UTF-8 check that makes it a `&str`; [`to_vec`] copies the bytes
/// without that check or the escape check, neither of which such text needs.
///
/// It goes as a newtype struct of a private name whose inner value tells the
/// two apart by [`ser::Serializer::is_human_readable`]: only our writer's
/// serializer for that name says no, and takes the bytes.
pub struct AsciiText<'a>(&'a [u8]);

/// [`AsciiText`] of `b`: ASCII without quotes, backslashes or control
/// characters, written by this program (never bytes from the input).
#[inline]
pub fn ascii_text(b: &[u8]) -> AsciiText<'_> {
    debug_assert!(
        b.is_ascii() && !b.iter().any(|&c| byte_needs_escape(c)),
        "{b:?} is not plain ASCII"
    );
    AsciiText(b)
}

impl Serialize for AsciiText<'_> {
    #[inline]
    fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(ASCII_TEXT, &AsciiBytes(self.0))
    }
}

/// The inside of [`AsciiText`]: the bytes where the serializer is not human
/// readable (ours for [`ASCII_TEXT`]), a string everywhere else.
struct AsciiBytes<'a>(&'a [u8]);

impl Serialize for AsciiBytes<'_> {
    #[inline]
    fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(std::str::from_utf8(self.0).unwrap_or_default())
        } else {
            s.serialize_bytes(self.0)
        }
    }
}

/// Our serializer of the value of an [`ASCII_TEXT`] newtype: it takes only
/// bytes, and writes them as a string as they are.
struct AsciiSer<'a> {
    out: &'a mut Vec<u8>,
}

/// Serializer methods that fail (the caller falls back to serde_json).
macro_rules! unsupported {
    ($($f:ident($($t:ty),*);)*) => {
        $(fn $f(self, $(_: $t),*) -> Result { Err(Unsupported) })*
    };
}

/// The types of a serializer of scalars only, and its methods that take a
/// nested value, all failing.
macro_rules! unsupported_compounds {
    () => {
        type Ok = ();
        type Error = Unsupported;
        type SerializeSeq = ser::Impossible<(), Unsupported>;
        type SerializeTuple = ser::Impossible<(), Unsupported>;
        type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
        type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
        type SerializeMap = ser::Impossible<(), Unsupported>;
        type SerializeStruct = ser::Impossible<(), Unsupported>;
        type SerializeStructVariant = ser::Impossible<(), Unsupported>;

        fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> Result {
            Err(Unsupported)
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _name: &'static str,
            _i: u32,
            _variant: &'static str,
            _value: &T,
        ) -> Result {
            Err(Unsupported)
        }
        fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
            Err(Unsupported)
        }
        fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
            Err(Unsupported)
        }
        fn serialize_tuple_struct(
            self,
            _name: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleStruct> {
            Err(Unsupported)
        }
        unsupported_variants!();
        fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
            Err(Unsupported)
        }
        fn serialize_struct(
            self,
            _name: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStruct> {
            Err(Unsupported)
        }
    };
}

impl ser::Serializer for AsciiSer<'_> {
    #[inline]
    fn is_human_readable(&self) -> bool {
        false
    }
    #[inline]
    fn serialize_bytes(self, v: &[u8]) -> Result {
        self.out.push(b'"');
        self.out.extend_from_slice(v);
        self.out.push(b'"');
        Ok(())
    }
    unsupported! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _value: &T,
    ) -> Result {
        Err(Unsupported)
    }
    unsupported_compounds!();
}

/// Escapes `Display` output as it is written (for `collect_str`).
struct Escaping<'a>(&'a mut Vec<u8>);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s);
        Ok(())
    }
}

/// The serializer of one value: compact, or laid out as serde_json's pretty
/// printer lays it out (`PRETTY`). The layout is a parameter of the type so
/// that the compact writer carries no test of it.
struct Ser<'a, const PRETTY: bool> {
    out: &'a mut Vec<u8>,
    /// Pretty: the indent level of the line the value starts on.
    depth: usize,
}

/// An open object or array. Compact, its opening brace or bracket (`open`)
/// is written with the first element or key, as that element's separator,
/// so that a key and what goes before it are one piece.
pub struct Compound<'a, const PRETTY: bool> {
    out: &'a mut Vec<u8>,
    first: bool,
    /// `{` or `[`.
    open: u8,
    /// Pretty: the indent level of the line the compound starts on.
    depth: usize,
}

impl<const PRETTY: bool> Compound<'_, PRETTY> {
    /// Starts an element or a key: the comma (compact: or the opening
    /// brace), and the new line when pretty.
    #[inline(always)]
    fn comma(&mut self) {
        if PRETTY {
            self.out
                .extend_from_slice(if self.first { b"\n" } else { b",\n" });
            indent(self.out, self.depth + 1);
        } else {
            let sep = self.separator();
            self.out.push(sep);
        }
        self.first = false;
    }

    /// Compact: what goes before the next element or key, the opening
    /// brace or bracket before the first, a comma before the others.
    #[inline(always)]
    fn separator(&self) -> u8 {
        if self.first {
            self.open
        } else {
            b','
        }
    }

    /// The serializer of an element or value inside this compound.
    #[inline]
    fn inner(&mut self) -> Ser<'_, PRETTY> {
        Ser {
            out: &mut *self.out,
            depth: if PRETTY { self.depth + 1 } else { 0 },
        }
    }

    /// Between a key and its value.
    #[inline]
    fn colon(&mut self) {
        if PRETTY {
            self.out.extend_from_slice(b": ");
        } else {
            self.out.push(b':');
        }
    }

    /// Closes the compound with `close`.
    #[inline]
    fn close(self, close: u8) {
        if PRETTY {
            if !self.first {
                self.out.push(b'\n');
                indent(self.out, self.depth);
            }
            self.out.push(close);
        } else if self.first {
            // Empty: its opening was not written yet.
            self.out.extend_from_slice(&[self.open, close]);
        } else {
            self.out.push(close);
        }
    }
}

impl<'a, const PRETTY: bool> ser::Serializer for Ser<'a, PRETTY> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'a, PRETTY>;
    type SerializeTuple = Compound<'a, PRETTY>;
    type SerializeTupleStruct = Compound<'a, PRETTY>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = Compound<'a, PRETTY>;
    type SerializeStruct = Compound<'a, PRETTY>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    #[inline]
    fn serialize_i8(self, v: i8) -> Result {
        write_i64(self.out, i64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_i16(self, v: i16) -> Result {
        write_i64(self.out, i64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_i32(self, v: i32) -> Result {
        write_i64(self.out, i64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_i64(self, v: i64) -> Result {
        write_i64(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result {
        via_serde_json(self.out, v)
    }
    #[inline]
    fn serialize_u8(self, v: u8) -> Result {
        write_u64(self.out, u64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_u16(self, v: u16) -> Result {
        write_u64(self.out, u64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_u32(self, v: u32) -> Result {
        write_u64(self.out, u64::from(v));
        Ok(())
    }
    #[inline]
    fn serialize_u64(self, v: u64) -> Result {
        write_u64(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result {
        via_serde_json(self.out, v)
    }
    fn serialize_f32(self, v: f32) -> Result {
        via_serde_json(self.out, v)
    }
    fn serialize_f64(self, v: f64) -> Result {
        via_serde_json(self.out, v)
    }
    #[inline]
    fn serialize_char(self, v: char) -> Result {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    #[inline]
    fn serialize_str(self, v: &str) -> Result {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        if PRETTY {
            // An array of numbers, laid out: left to serde_json.
            return Err(Unsupported);
        }
        via_serde_json(self.out, serde_bytes_ref(v))
    }
    #[inline]
    fn serialize_none(self) -> Result {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }
    #[inline]
    fn serialize_unit(self) -> Result {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    #[inline]
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }
    #[inline]
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> Result {
        push_name(self.out, variant);
        Ok(())
    }
    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result {
        if name == ASCII_TEXT {
            return value.serialize(AsciiSer { out: self.out });
        }
        value.serialize(self)
    }
    #[inline]
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        let mut c = self.serialize_map(Some(1))?;
        c.comma();
        push_name(c.out, variant);
        c.colon();
        value.serialize(c.inner())?;
        c.close(b'}');
        Ok(())
    }
    #[inline]
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, PRETTY>> {
        if PRETTY {
            self.out.push(b'[');
        }
        Ok(Compound {
            out: self.out,
            first: true,
            open: b'[',
            depth: self.depth,
        })
    }
    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, PRETTY>> {
        self.serialize_seq(Some(len))
    }
    #[inline]
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a, PRETTY>> {
        self.serialize_seq(Some(len))
    }
    unsupported_variants!();
    #[inline]
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, PRETTY>> {
        if PRETTY {
            self.out.push(b'{');
        }
        Ok(Compound {
            out: self.out,
            first: true,
            open: b'{',
            depth: self.depth,
        })
    }
    #[inline]
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, PRETTY>> {
        self.serialize_map(Some(len))
    }
    fn collect_str<T: ?Sized + fmt::Display>(self, value: &T) -> Result {
        use fmt::Write as _;
        self.out.push(b'"');
        write!(Escaping(&mut *self.out), "{value}").map_err(|_| Unsupported)?;
        self.out.push(b'"');
        Ok(())
    }
}

/// `&[u8]` serialized as serde_json serializes bytes (an array of numbers).
fn serde_bytes_ref(v: &[u8]) -> impl Serialize + '_ {
    struct Bytes<'b>(&'b [u8]);
    impl Serialize for Bytes<'_> {
        fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    Bytes(v)
}

impl<const PRETTY: bool> ser::SerializeSeq for Compound<'_, PRETTY> {
    type Ok = ();
    type Error = Unsupported;
    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.comma();
        value.serialize(self.inner())
    }
    #[inline]
    fn end(self) -> Result {
        self.close(b']');
        Ok(())
    }
}

impl<const PRETTY: bool> ser::SerializeTuple for Compound<'_, PRETTY> {
    type Ok = ();
    type Error = Unsupported;
    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    #[inline]
    fn end(self) -> Result {
        ser::SerializeSeq::end(self)
    }
}

impl<const PRETTY: bool> ser::SerializeTupleStruct for Compound<'_, PRETTY> {
    type Ok = ();
    type Error = Unsupported;
    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    #[inline]
    fn end(self) -> Result {
        ser::SerializeSeq::end(self)
    }
}

impl<const PRETTY: bool> ser::SerializeMap for Compound<'_, PRETTY> {
    type Ok = ();
    type Error = Unsupported;
    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result {
        self.comma();
        key.serialize(KeySer {
            out: &mut *self.out,
        })
    }
    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.colon();
        value.serialize(self.inner())
    }
    #[inline]
    fn end(self) -> Result {
        self.close(b'}');
        Ok(())
    }
}

impl<const PRETTY: bool> ser::SerializeStruct for Compound<'_, PRETTY> {
    type Ok = ();
    type Error = Unsupported;
    // Always inlined: the key is then a constant whose copy is a few stores
    // (out of line, every field paid a `memcpy` call for it).
    #[inline(always)]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result {
        if PRETTY {
            self.comma();
            push_key(self.out, key, PRETTY);
        } else {
            let sep = self.separator();
            self.first = false;
            push_sep_key(self.out, sep, key);
        }
        value.serialize(self.inner())
    }
    #[inline]
    fn end(self) -> Result {
        self.close(b'}');
        Ok(())
    }
}

/// Map keys: strings (and what serde_json writes as strings: chars, unit
/// variants, integers in quotes). Anything else falls back to serde_json.
struct KeySer<'a> {
    out: &'a mut Vec<u8>,
}

impl KeySer<'_> {
    fn quoted_u64(self, v: u64) -> Result {
        self.out.push(b'"');
        write_u64(self.out, v);
        self.out.push(b'"');
        Ok(())
    }
    fn quoted_i64(self, v: i64) -> Result {
        self.out.push(b'"');
        write_i64(self.out, v);
        self.out.push(b'"');
        Ok(())
    }
}

impl ser::Serializer for KeySer<'_> {
    fn serialize_str(self, v: &str) -> Result {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> Result {
        push_name(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.quoted_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.quoted_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.quoted_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.quoted_i64(v)
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.quoted_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.quoted_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.quoted_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.quoted_u64(v)
    }
    unsupported! {
        serialize_bool(bool);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
    }
    unsupported_compounds!();
    fn collect_str<T: ?Sized + fmt::Display>(self, value: &T) -> Result {
        use fmt::Write as _;
        self.out.push(b'"');
        write!(Escaping(&mut *self.out), "{value}").map_err(|_| Unsupported)?;
        self.out.push(b'"');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// Same bytes as serde_json, written by the fast path itself.
    fn same<T: Serialize>(v: &T) {
        let mut direct = Vec::new();
        assert!(v
            .serialize(Ser::<false> {
                out: &mut direct,
                depth: 0
            })
            .is_ok());
        assert_eq!(direct, serde_json::to_vec(v).unwrap());
        same_or_fallback(v);
    }

    /// Same bytes as serde_json, by whichever path.
    fn same_or_fallback<T: Serialize>(v: &T) {
        let mut fast = b"prefix".to_vec();
        to_vec(&mut fast, v).unwrap();
        let slow = serde_json::to_vec(v).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&fast[6..]),
            String::from_utf8_lossy(&slow)
        );
        same_pretty(v);
    }

    /// Pretty: the same bytes as serde_json's, at depth 0 and indented.
    fn same_pretty<T: Serialize>(v: &T) {
        let slow = String::from_utf8(serde_json::to_vec_pretty(v).unwrap()).unwrap();
        let mut fast = Vec::new();
        to_vec_pretty(&mut fast, v, 0).unwrap();
        assert_eq!(String::from_utf8_lossy(&fast), slow);
        let mut deep = Vec::new();
        to_vec_pretty(&mut deep, v, 3).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&deep),
            slow.replace('\n', "\n      ")
        );
    }

    /// Pretty, by the fast path itself.
    fn same_pretty_direct<T: Serialize>(v: &T) {
        let mut direct = Vec::new();
        assert!(v
            .serialize(Ser::<true> {
                out: &mut direct,
                depth: 0
            })
            .is_ok());
        assert_eq!(
            String::from_utf8_lossy(&direct),
            String::from_utf8(serde_json::to_vec_pretty(v).unwrap()).unwrap()
        );
        same_pretty(v);
    }

    #[test]
    fn pretty_layout_matches_serde_json() {
        #[derive(Serialize)]
        struct Nested<'a> {
            empty_list: Vec<u8>,
            empty_map: BTreeMap<String, u8>,
            list: Vec<Vec<u8>>,
            list_of_empty: Vec<Vec<u8>>,
            map: BTreeMap<u32, Vec<E>>,
            unit: E,
            newtype: E,
            none: Option<&'a str>,
            text: &'a str,
            float: f64,
            addr: std::net::SocketAddr,
        }
        let v = Nested {
            empty_list: vec![],
            empty_map: BTreeMap::new(),
            list: vec![vec![1, 2], vec![], vec![3]],
            list_of_empty: vec![vec![]],
            map: [(1, vec![E::Unit, E::Newtype(2)]), (2, vec![])]
                .into_iter()
                .collect(),
            unit: E::Unit,
            newtype: E::Newtype(9),
            none: None,
            text: "a \"b\"\n\\c",
            float: 0.25,
            addr: "127.0.0.1:445".parse().unwrap(),
        };
        same_pretty_direct(&v);
        same_pretty_direct(&vec![v]);
        same_pretty_direct(&Vec::<Nested>::new());
        same_pretty_direct(&7u8);
        same_pretty_direct(&"x");
    }

    #[test]
    fn strings_escape_like_serde_json() {
        let mut all = String::new();
        for c in 0u8..0x80 {
            all.push(char::from(c));
            same(&char::from(c).to_string());
            same(&format!("abcdefgh{}ijklmnop", char::from(c)));
            same(&format!("abcdefghijklmno{}", char::from(c)));
        }
        same(&all);
        for s in [
            "",
            "a",
            "SESSION_SETUP",
            "\\\\127.0.0.2\\share",
            "jösé \"quoted\" \u{1F600} tab\there",
            "ünïcödé ünïcödé ünïcödé",
            "\u{7f}\u{80}\u{7ff}\u{ffff}",
            "01234567\"",
            "0123456\"",
        ] {
            same(&s);
            same(&'ü');
        }
    }

    /// Every byte value a `str` can hold (all of 0..0x80, and 0x80..=0xFF
    /// inside multi-byte characters of each length), at every place of
    /// strings around the 8- and 16-byte steps of the check, escaped as
    /// serde_json escapes it.
    #[test]
    fn every_byte_at_every_place_escapes_like_serde_json() {
        let mut chars: Vec<char> = (0u32..0x800).filter_map(char::from_u32).collect();
        chars.extend(
            (0x800u32..=0x10_FFFF)
                .step_by(0x3F1)
                .filter_map(char::from_u32),
        );
        chars.extend(['\u{FFFF}', '\u{10000}', '\u{10FFFF}', '\u{1F600}']);
        let mut seen = [false; 256];
        for &c in &chars {
            for b in c.to_string().bytes() {
                seen[usize::from(b)] = true;
            }
        }
        // All but the bytes UTF-8 never uses (C0, C1, F5..=FF).
        assert_eq!(seen.iter().filter(|s| **s).count(), 256 - 13);
        for &c in &chars {
            let ch = c.to_string();
            for len in [0usize, 1, 6, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33] {
                for pos in [0, len / 2, len.saturating_sub(1), len] {
                    let mut s = "x".repeat(len);
                    s.insert_str(pos.min(len), &ch);
                    let mut fast = Vec::new();
                    write_str(&mut fast, &s);
                    assert_eq!(fast, serde_json::to_vec(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    enum E {
        Unit,
        Newtype(u32),
        Tuple(u8, u8),
        Struct { a: u8 },
    }

    #[derive(Serialize)]
    struct S<'a> {
        a: Option<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<u8>,
        c: Vec<&'a str>,
        d: (i8, i64, u128, i128),
        e: f64,
        f: f32,
        g: [f64; 4],
        h: BTreeMap<u32, bool>,
        i: BTreeMap<i8, ()>,
        j: Vec<E>,
        k: &'a [u8],
        #[serde(with = "bytes")]
        l: &'a [u8],
        m: char,
        n: (),
        o: std::net::SocketAddr,
    }

    mod bytes {
        pub fn serialize<S: serde::Serializer>(v: &&[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[test]
    fn values_match_serde_json() {
        let s = S {
            a: None,
            b: None,
            c: vec!["x", "y\"", ""],
            d: (-128, i64::MIN, u128::MAX, i128::MIN),
            e: 0.002885,
            f: 1.1,
            g: [f64::NAN, f64::INFINITY, 1e300, -0.0],
            h: [(1, true), (u32::MAX, false)].into_iter().collect(),
            i: [(-1, ())].into_iter().collect(),
            j: vec![E::Unit, E::Newtype(7)],
            k: &[1, 2, 255],
            l: &[0, 9],
            m: '"',
            n: (),
            o: "[::1]:445".parse().unwrap(),
        };
        same(&s);
        same_or_fallback(&vec![E::Tuple(1, 2)]);
        same_or_fallback(&vec![E::Struct { a: 1 }]);
        let mut m = BTreeMap::new();
        m.insert(vec![1u8], 2u8);
        let mut out = Vec::new();
        assert!(to_vec(&mut out, &m).is_err() == serde_json::to_vec(&m).is_err());
        same(&BTreeMap::from([(E::Unit, 1)]));
        same(&Vec::<u8>::new());
        same(&BTreeMap::<String, u8>::new());
        same(&Some(Some(3u8)));
    }

    #[test]
    fn integers_match_serde_json() {
        for v in (0..1000u64).chain([u64::MAX, 1 << 32, 10_000_000_000]) {
            same(&v);
            same(&(v as u8));
            same(&(v as i64));
            same(&-(v as i64));
        }
        for v in [i64::MIN, i64::MAX, i64::MIN + 1] {
            same(&v);
        }
    }

    /// Every length from 1 to 20 digits, its ends and its neighbours, and
    /// random values of every magnitude, as itoa writes them.
    #[test]
    fn u64_digits_match_itoa() {
        let mut values = vec![0, u64::MAX, u64::MAX - 1];
        let mut p: u64 = 1;
        for _ in 0..20 {
            values.extend([p - 1, p, p + 1, p.wrapping_mul(5)]);
            p = p.saturating_mul(10);
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.extend([x, x >> (x % 64), x % 100_000_000, x % 1_000_000]);
        }
        let mut out = b"prefix".to_vec();
        for v in values {
            out.truncate(6);
            write_u64(&mut out, v);
            assert_eq!(&out[6..], itoa::Buffer::new().format(v).as_bytes(), "{v}");
        }
    }

    /// Text we formatted goes through our writer as it is and through
    /// serde_json (and any other serializer) as the same string.
    #[test]
    fn ascii_text_is_written_as_its_string() {
        #[derive(Serialize)]
        struct T<'a> {
            a: AsciiText<'a>,
            b: Vec<AsciiText<'a>>,
            c: Option<AsciiText<'a>>,
            d: BTreeMap<u8, AsciiText<'a>>,
        }
        let v = T {
            a: ascii_text(b"0x0311"),
            b: vec![ascii_text(b""), ascii_text(b"2026-11-25T22:08:50.6217900Z")],
            c: Some(ascii_text(b"6.1 build 0")),
            d: BTreeMap::from([(1, ascii_text(b"656c6966-7273-0076-0000-000000000000"))]),
        };
        same(&v);
        same_pretty_direct(&v);
        let value = serde_json::to_value(&v).unwrap();
        assert_eq!(value["a"], "0x0311");
        assert_eq!(value["b"][1], "2026-11-25T22:08:50.6217900Z");
        // As a map key it is the string too.
        let mut key = Vec::new();
        ser::Serializer::serialize_newtype_struct(
            KeySer { out: &mut key },
            ASCII_TEXT,
            &AsciiBytes(b"ab"),
        )
        .unwrap();
        assert_eq!(key, b"\"ab\"");
        // Our serializer for it takes nothing but the bytes.
        let mut out = Vec::new();
        assert!(ser::Serializer::serialize_newtype_struct(
            Ser::<false> {
                out: &mut out,
                depth: 0
            },
            ASCII_TEXT,
            "a str"
        )
        .is_err());
    }

    #[test]
    fn string_check_is_exact() {
        for len in 0..40 {
            for pos in 0..len {
                for c in [0u8, 0x1f, b'"', b'\\', b' ', b'a', 0x7f, 0xc3] {
                    let mut v = vec![b'x'; len];
                    v[pos] = c;
                    assert_eq!(needs_escape(&v), byte_needs_escape(c), "{len} {pos} {c:#x}");
                }
            }
        }
    }

    #[test]
    fn word_check_is_exact() {
        for c in 0u8..=255 {
            for pos in 0..8 {
                let mut w = [b'a'; 8];
                w[pos] = c;
                assert_eq!(
                    word_needs_escape(u64::from_le_bytes(w)),
                    byte_needs_escape(c),
                    "{c:#x} at {pos}"
                );
            }
        }
        // Mixed words: borrows between bytes must not make false answers.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let any = x.to_le_bytes().iter().any(|&c| byte_needs_escape(c));
            assert_eq!(word_needs_escape(x), any, "{x:#018x}");
        }
    }
}
