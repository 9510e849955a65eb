//! Short values decoded from the wire, kept in place rather than on the
//! heap: names (NTLMSSP user, domain, AV_PAIR text; Kerberos realms and
//! principals), hex values (challenges, checksums, MICs) and short lists.
//!
//! A logon-heavy capture decodes a dozen such values per message; as
//! `String`s and `Vec`s each cost an allocation and a free, more than the
//! decoding itself. Values longer than the inline room go to the heap, so
//! nothing is cut and nothing is sized by a length field beyond the bytes
//! present.

use std::fmt;
use std::ops::Deref;

use arrayvec::{ArrayString, ArrayVec};
use serde::{Serialize, Serializer};

/// Bytes of text kept in place: names on the wire are nearly all shorter
/// (a service principal like `cifs/fs1.corp.example` is 21).
const TEXT_INLINE: usize = 32;

/// Text decoded from the wire: in place up to [`TEXT_INLINE`] bytes, on the
/// heap beyond. Reads as `&str` (`Deref`), prints and serializes as the
/// string.
#[derive(Clone)]
pub struct Text(TextRepr);

#[derive(Clone)]
enum TextRepr {
    Inline(ArrayString<TEXT_INLINE>),
    Heap(String),
}

impl Text {
    pub const fn new() -> Text {
        Text(TextRepr::Inline(ArrayString::new_const()))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            TextRepr::Inline(a) => a,
            TextRepr::Heap(h) => h,
        }
    }

    /// Appends `s`, moving to the heap when the room in place is used up.
    #[inline]
    pub fn push_str(&mut self, s: &str) {
        match &mut self.0 {
            TextRepr::Inline(a) => {
                if a.try_push_str(s).is_err() {
                    let mut h = String::with_capacity(a.len() + s.len());
                    h.push_str(a);
                    h.push_str(s);
                    self.0 = TextRepr::Heap(h);
                }
            }
            TextRepr::Heap(h) => h.push_str(s),
        }
    }

    /// Appends `c`, moving to the heap when the room in place is used up.
    #[inline]
    pub fn push(&mut self, c: char) {
        match &mut self.0 {
            TextRepr::Inline(a) => {
                if a.try_push(c).is_err() {
                    let mut h = String::with_capacity(2 * TEXT_INLINE);
                    h.push_str(a);
                    h.push(c);
                    self.0 = TextRepr::Heap(h);
                }
            }
            TextRepr::Heap(h) => h.push(c),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::new()
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        let mut t = Text::new();
        t.push_str(s);
        t
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        if s.len() <= TEXT_INLINE {
            Text::from(s.as_str())
        } else {
            Text(TextRepr::Heap(s))
        }
    }
}

impl From<std::borrow::Cow<'_, str>> for Text {
    fn from(s: std::borrow::Cow<'_, str>) -> Text {
        match s {
            std::borrow::Cow::Borrowed(b) => Text::from(b),
            std::borrow::Cow::Owned(o) => Text::from(o),
        }
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        match t.0 {
            TextRepr::Inline(a) => a.as_str().to_string(),
            TextRepr::Heap(h) => h,
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Text {}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}
impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

/// Bytes of a hex value kept in place: challenges are 8 bytes, NTLM
/// checksums and MICs 16 (so that an `Octets` is no larger than a `String`).
const OCTETS_INLINE: usize = 16;

/// Bytes shown as lowercase hex (a challenge, an NTProofStr, a MIC): kept
/// as the bytes, in place up to [`OCTETS_INLINE`], and written as hex only
/// when printed or serialized.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Octets(OctetsRepr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum OctetsRepr {
    Inline(ArrayVec<u8, OCTETS_INLINE>),
    Heap(Box<[u8]>),
}

impl Octets {
    pub fn new(b: &[u8]) -> Octets {
        match ArrayVec::try_from(b) {
            Ok(a) => Octets(OctetsRepr::Inline(a)),
            Err(_) => Octets(OctetsRepr::Heap(b.into())),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            OctetsRepr::Inline(a) => a,
            OctetsRepr::Heap(h) => h,
        }
    }

    /// The hex text, given to `f` (on the stack unless the value is long).
    pub fn with_hex<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        with_hex(self.as_bytes(), f)
    }
}

/// Calls `f` with the lowercase hex of `b`, written on the stack when `b`
/// has at most 64 bytes.
pub(crate) fn with_hex<R>(b: &[u8], f: impl FnOnce(&str) -> R) -> R {
    with_hex_bytes(b, |h| f(super::wire::ascii(h)))
}

/// [`with_hex`] as bytes (ASCII hex digits).
fn with_hex_bytes<R>(b: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    let mut buf = [0u8; 128];
    match buf.get_mut(..2 * b.len()) {
        Some(out) => {
            put_hex_bytes(out, b);
            f(out)
        }
        None => {
            let mut out = vec![0u8; 2 * b.len()];
            put_hex_bytes(&mut out, b);
            f(&out)
        }
    }
}

/// Writes `b` as lowercase hex into `out` (two digits a byte), four bytes
/// at a time.
pub(crate) fn put_hex_bytes(out: &mut [u8], b: &[u8]) {
    let mut o = out.chunks_exact_mut(8);
    let mut i = b.chunks_exact(4);
    for (o, x) in (&mut o).zip(&mut i) {
        o.copy_from_slice(&super::wire::hex8(u32::from_be_bytes([
            x[0], x[1], x[2], x[3],
        ])));
    }
    for (o, &x) in o.into_remainder().chunks_exact_mut(2).zip(i.remainder()) {
        o.copy_from_slice(&super::wire::hex8(u32::from(x))[6..]);
    }
}

impl fmt::Display for Octets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_hex(|h| f.write_str(h))
    }
}
impl fmt::Debug for Octets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_hex(|h| fmt::Debug::fmt(h, f))
    }
}

impl Serialize for Octets {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        with_hex_bytes(self.as_bytes(), |h| crate::json::ascii_text(h).serialize(s))
    }
}

/// A number shown as `0x` and `DIGITS` lowercase hex digits (a dialect
/// code, ShareFlags, a CtlCode as tshark prints them), kept as the number
/// and written as text only when printed or serialized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HexCode<const DIGITS: usize>(pub u32);

impl<const DIGITS: usize> HexCode<DIGITS> {
    /// The text, on the stack: `0x` then the digits.
    fn text(self) -> ([u8; 10], usize) {
        let mut b = *b"0x00000000";
        let n = 2 + DIGITS.min(8);
        super::wire::put_hex(&mut b[2..n], u64::from(self.0));
        (b, n)
    }
}

impl<const DIGITS: usize> fmt::Display for HexCode<DIGITS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, n) = self.text();
        f.write_str(super::wire::ascii(&b[..n]))
    }
}

impl<const DIGITS: usize> Serialize for HexCode<DIGITS> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (b, n) = self.text();
        crate::json::ascii_text(&b[..n]).serialize(s)
    }
}

/// A short list kept in place (up to `N` items), on the heap beyond: the
/// enctypes of a KDC-REQ, its PA-DATA types, a SPNEGO MechTypeList.
/// Reads as a slice (`Deref`), serializes as a sequence.
#[derive(Clone)]
pub struct List<T, const N: usize>(ListRepr<T, N>);

#[derive(Clone)]
enum ListRepr<T, const N: usize> {
    Inline(ArrayVec<T, N>),
    Heap(Vec<T>),
}

impl<T, const N: usize> List<T, N> {
    pub const fn new() -> Self {
        List(ListRepr::Inline(ArrayVec::new_const()))
    }

    pub fn push(&mut self, v: T) {
        match &mut self.0 {
            ListRepr::Inline(a) => {
                if let Err(e) = a.try_push(v) {
                    let mut h = Vec::with_capacity(2 * N);
                    h.extend(a.drain(..));
                    h.push(e.element());
                    self.0 = ListRepr::Heap(h);
                }
            }
            ListRepr::Heap(h) => h.push(v),
        }
    }

    pub fn as_slice(&self) -> &[T] {
        match &self.0 {
            ListRepr::Inline(a) => a,
            ListRepr::Heap(h) => h,
        }
    }
}

impl<T, const N: usize> Default for List<T, N> {
    fn default() -> Self {
        List::new()
    }
}

impl<T, const N: usize> Deref for List<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: PartialEq, const N: usize> PartialEq for List<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl<T: Eq, const N: usize> Eq for List<T, N> {}

impl<T: fmt::Debug, const N: usize> fmt::Debug for List<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl<T: Serialize, const N: usize> Serialize for List<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<T, const N: usize> FromIterator<T> for List<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut l = List::new();
        for v in iter {
            l.push(v);
        }
        l
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a List<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_grows_past_its_room() {
        let mut t = Text::new();
        let mut want = String::new();
        for i in 0..100u32 {
            let c = char::from_u32(0x41 + i % 26).unwrap_or('?');
            if i % 3 == 0 {
                t.push(c);
                want.push(c);
            } else {
                t.push_str("é/");
                want.push_str("é/");
            }
            assert_eq!(t.as_str(), want);
            assert_eq!(Text::from(want.clone()), t);
            assert_eq!(Text::from(want.as_str()), t);
            assert_eq!(String::from(t.clone()), want);
        }
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            serde_json::to_string(&want).unwrap()
        );
    }

    #[test]
    fn octets_print_as_hex() {
        for len in [0usize, 1, 8, 16, 31, 32, 33, 48, 200] {
            let b: Vec<u8> = (0..len).map(|i| (i * 37 + 5) as u8).collect();
            let o = Octets::new(&b);
            let want = crate::auth::hex(&b);
            assert_eq!(o.to_string(), want);
            assert_eq!(o.as_bytes(), &b[..]);
            assert_eq!(serde_json::to_string(&o).unwrap(), format!("\"{want}\""));
        }
    }

    #[test]
    fn hex_codes_print_as_the_format_strings() {
        for v in [0u32, 1, 0x0311, 0x02ff, 0xffff, 0x0014_0204, u32::MAX] {
            assert_eq!(
                HexCode::<4>(v & 0xffff).to_string(),
                format!("0x{:04x}", v & 0xffff)
            );
            assert_eq!(HexCode::<8>(v).to_string(), format!("0x{v:08x}"));
            assert_eq!(
                serde_json::to_string(&HexCode::<8>(v)).unwrap(),
                format!("\"0x{v:08x}\"")
            );
        }
    }

    #[test]
    fn list_grows_past_its_room() {
        let mut l: List<u32, 4> = List::new();
        for i in 0..20 {
            l.push(i);
            let want: Vec<u32> = (0..=i).collect();
            assert_eq!(&l[..], &want[..]);
            assert_eq!(
                serde_json::to_string(&l).unwrap(),
                serde_json::to_string(&want).unwrap()
            );
        }
    }
}
