//! A small, strict-enough DER/BER reader (ITU-T X.690 8.1) for the ASN.1 in
//! SPNEGO (RFC 4178) and Kerberos (RFC 4120).
//!
//! Every read is bounds-checked against the bytes that exist, lengths are
//! never trusted for allocation, and nesting is bounded by [`MAX_DEPTH`].
//! Offsets in errors are absolute: relative to the start of the buffer the
//! public entry point was given.

use super::{AuthError, ErrorKind};

/// Deepest constructed nesting we follow. Kerberos AS-REP with a ticket is
/// about 8 levels deep; SPNEGO with an embedded Kerberos token adds 4.
pub const MAX_DEPTH: usize = 24;

/// ASN.1 tag classes (X.690 8.1.2.2).
pub const UNIVERSAL: u8 = 0;
pub const APPLICATION: u8 = 1;
pub const CONTEXT: u8 = 2;

/// Universal tag numbers used here (X.680 8.4).
pub const T_INTEGER: u32 = 2;
pub const T_BIT_STRING: u32 = 3;
pub const T_OCTET_STRING: u32 = 4;
pub const T_OID: u32 = 6;
pub const T_ENUMERATED: u32 = 10;
pub const T_SEQUENCE: u32 = 16;

/// One tag-length-value element.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    pub class: u8,
    pub constructed: bool,
    pub tag: u32,
    /// The contents octets.
    pub value: &'a [u8],
    /// Absolute offset of the first contents octet.
    pub value_offset: usize,
    /// Length of the identifier and length octets (at most 11).
    pub header_len: u8,
    /// Nesting depth of this element (0 = outermost; at most
    /// [`MAX_DEPTH`] + 1).
    pub depth: u8,
}

/// A cursor over a sequence of TLVs.
#[derive(Clone, Debug)]
pub struct Der<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    depth: usize,
    what: &'static str,
}

impl<'a> Der<'a> {
    /// Reads `data`, whose first byte sits at absolute offset `base`.
    pub fn new(data: &'a [u8], base: usize, what: &'static str) -> Self {
        Der {
            data,
            pos: 0,
            base,
            depth: 0,
            what,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn err(&self, at: usize, kind: ErrorKind) -> AuthError {
        AuthError::new(self.what, self.base + at, kind)
    }

    /// Identifier octet of the next element, if any.
    pub fn peek_byte(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads the next TLV. Definite lengths only (DER); indefinite (0x80)
    /// lengths are rejected, which no SPNEGO or Kerberos peer sends.
    #[inline(always)]
    pub fn read(&mut self) -> Result<Tlv<'a>, AuthError> {
        let start = self.pos;
        let rest = self.data.get(start..).unwrap_or(&[]);
        // Low tag number and a short or one/two-octet long length: all but
        // the rarest elements.
        let (first, hdr, len) = match *rest {
            [first, lb, ..] if first & 0x1f != 0x1f && lb < 0x80 => (first, 2, usize::from(lb)),
            [first, 0x81, l0, ..] if first & 0x1f != 0x1f => (first, 3, usize::from(l0)),
            [first, 0x82, l0, l1, ..] if first & 0x1f != 0x1f => {
                (first, 4, usize::from(u16::from_be_bytes([l0, l1])))
            }
            _ => return self.read_general(start, rest),
        };
        let Some(value) = rest.get(hdr..hdr + len) else {
            return self.read_general(start, rest);
        };
        self.pos = start + hdr + len;
        Ok(Tlv {
            class: first >> 6,
            constructed: first & 0x20 != 0,
            tag: u32::from(first & 0x1f),
            value,
            value_offset: self.base + start + hdr,
            header_len: hdr as u8,
            depth: self.tlv_depth(),
        })
    }

    /// [`Der::read`] for every form, and its errors; `rest` starts at `start`.
    #[cold]
    fn read_general(&mut self, start: usize, rest: &'a [u8]) -> Result<Tlv<'a>, AuthError> {
        let first = *rest
            .first()
            .ok_or_else(|| self.err(start, ErrorKind::Truncated { needed: 1, have: 0 }))?;
        let class = first >> 6;
        let constructed = first & 0x20 != 0;
        let mut i = 1usize;
        let mut tag = u32::from(first & 0x1f);
        if tag == 0x1f {
            // High tag number form: base-128, at most 4 octets here.
            tag = 0;
            loop {
                let b = *rest.get(i).ok_or_else(|| {
                    self.err(start + i, ErrorKind::Truncated { needed: 1, have: 0 })
                })?;
                i += 1;
                if i > 5 {
                    return Err(self.err(start, ErrorKind::Invalid("tag number too large")));
                }
                tag = (tag << 7) | u32::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let lb = *rest
            .get(i)
            .ok_or_else(|| self.err(start + i, ErrorKind::Truncated { needed: 1, have: 0 }))?;
        i += 1;
        let len: usize = if lb & 0x80 == 0 {
            usize::from(lb)
        } else {
            let n = usize::from(lb & 0x7f);
            if n == 0 {
                return Err(self.err(start, ErrorKind::Invalid("indefinite length")));
            }
            if n > 4 {
                return Err(self.err(start, ErrorKind::Invalid("length of length > 4")));
            }
            let bytes = rest.get(i..i + n).ok_or_else(|| {
                self.err(
                    start + i,
                    ErrorKind::Truncated {
                        needed: n,
                        have: rest.len().saturating_sub(i),
                    },
                )
            })?;
            i += n;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        let avail = rest.len().saturating_sub(i);
        if len > avail {
            return Err(self.err(
                start,
                ErrorKind::Truncated {
                    needed: len,
                    have: avail,
                },
            ));
        }
        let value = rest.get(i..i + len).unwrap_or(&[]);
        self.pos = start + i + len;
        Ok(Tlv {
            class,
            constructed,
            tag,
            value,
            value_offset: self.base + start + i,
            // At most 1 + 5 + 1 + 4 octets.
            header_len: i as u8,
            depth: self.tlv_depth(),
        })
    }

    /// The depth recorded in the elements read here ([`Tlv::children`]
    /// stops below [`MAX_DEPTH`] + 1).
    fn tlv_depth(&self) -> u8 {
        u8::try_from(self.depth).unwrap_or(u8::MAX)
    }

    /// Reads the next TLV and checks its class and tag.
    pub fn expect(
        &mut self,
        class: u8,
        tag: u32,
        what: &'static str,
    ) -> Result<Tlv<'a>, AuthError> {
        let t = self.read()?;
        if t.class != class || t.tag != tag {
            return Err(AuthError::new(
                what,
                t.offset(),
                ErrorKind::UnexpectedTag {
                    expected: tag_name(class, tag),
                    found: tag_name(t.class, t.tag),
                },
            ));
        }
        Ok(t)
    }
}

impl<'a> Tlv<'a> {
    /// Absolute offset of the identifier octet.
    pub fn offset(&self) -> usize {
        self.value_offset - usize::from(self.header_len)
    }

    /// A reader over this constructed element's contents, one level deeper.
    pub fn children(&self, what: &'static str) -> Result<Der<'a>, AuthError> {
        if !self.constructed {
            return Err(AuthError::new(
                what,
                self.offset(),
                ErrorKind::Invalid("expected a constructed element"),
            ));
        }
        let depth = usize::from(self.depth) + 1;
        if depth > MAX_DEPTH {
            return Err(AuthError::new(what, self.offset(), ErrorKind::TooDeep));
        }
        Ok(Der {
            data: self.value,
            pos: 0,
            base: self.value_offset,
            depth,
            what,
        })
    }

    /// For an explicit tag (`[n] Type`), the single element inside.
    pub fn inner(&self, what: &'static str) -> Result<Tlv<'a>, AuthError> {
        self.children(what)?.read()
    }

    fn check(&self, tag: u32, what: &'static str) -> Result<(), AuthError> {
        if self.class != UNIVERSAL || self.tag != tag {
            return Err(AuthError::new(
                what,
                self.offset(),
                ErrorKind::UnexpectedTag {
                    expected: tag_name(UNIVERSAL, tag),
                    found: tag_name(self.class, self.tag),
                },
            ));
        }
        Ok(())
    }

    /// INTEGER (or ENUMERATED) that fits in an i64 (X.690 8.3).
    pub fn int(&self, what: &'static str) -> Result<i64, AuthError> {
        if self.class != UNIVERSAL || (self.tag != T_INTEGER && self.tag != T_ENUMERATED) {
            self.check(T_INTEGER, what)?;
        }
        if self.value.is_empty() || self.value.len() > 8 {
            return Err(AuthError::new(
                what,
                self.offset(),
                ErrorKind::Invalid("integer of 0 or more than 8 octets"),
            ));
        }
        let neg = self.value.first().is_some_and(|b| b & 0x80 != 0);
        let init: i64 = if neg { -1 } else { 0 };
        Ok(self
            .value
            .iter()
            .fold(init, |acc, b| (acc << 8) | i64::from(*b)))
    }

    /// An INTEGER that must fit in an i32 (Kerberos Int32, RFC 4120 5.2.4).
    pub fn int32(&self, what: &'static str) -> Result<i32, AuthError> {
        let v = self.int(what)?;
        i32::try_from(v).map_err(|_| {
            AuthError::new(
                what,
                self.offset(),
                ErrorKind::Invalid("integer out of Int32 range"),
            )
        })
    }

    /// OCTET STRING contents.
    pub fn octets(&self, what: &'static str) -> Result<&'a [u8], AuthError> {
        self.check(T_OCTET_STRING, what)?;
        Ok(self.value)
    }

    /// A character string (GeneralString, KerberosString, UTF8String,
    /// IA5String, ...). Kerberos strings are IA5 in practice; non-UTF-8 bytes
    /// are replaced, never rejected.
    pub fn string(&self, what: &'static str) -> Result<crate::smb2::inline::Text, AuthError> {
        Ok(crate::smb2::inline::Text::from(self.str_lossy(what)?))
    }

    /// [`Tlv::string`], borrowed when the bytes are valid UTF-8.
    pub fn str_lossy(&self, what: &'static str) -> Result<std::borrow::Cow<'a, str>, AuthError> {
        if self.class != UNIVERSAL || self.constructed {
            return Err(AuthError::new(
                what,
                self.offset(),
                ErrorKind::UnexpectedTag {
                    expected: "a string",
                    found: tag_name(self.class, self.tag),
                },
            ));
        }
        // Valid UTF-8 (nearly always ASCII) through from_utf8's word-wise
        // check; from_utf8_lossy only when something must be replaced.
        Ok(match std::str::from_utf8(self.value) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(self.value),
        })
    }

    /// BIT STRING: (unused bits, bytes) (X.690 8.6).
    pub fn bits(&self, what: &'static str) -> Result<(u8, &'a [u8]), AuthError> {
        self.check(T_BIT_STRING, what)?;
        match self.value.split_first() {
            Some((unused, rest)) if *unused < 8 => Ok((*unused, rest)),
            _ => Err(AuthError::new(
                what,
                self.offset(),
                ErrorKind::Invalid("bad BIT STRING"),
            )),
        }
    }

    /// OBJECT IDENTIFIER in dotted form (X.690 8.19).
    pub fn oid(&self, what: &'static str) -> Result<String, AuthError> {
        self.check(T_OID, what)?;
        oid_to_string(self.value).ok_or_else(|| {
            AuthError::new(what, self.offset(), ErrorKind::Invalid("bad OID encoding"))
        })
    }
}

/// Dotted form of OID contents octets; `None` when malformed.
///
/// Written in one pass into one `String` (this runs for every mechanism OID
/// of every security blob).
pub fn oid_to_string(v: &[u8]) -> Option<String> {
    if v.is_empty() || v.len() > 64 {
        return None;
    }
    let mut s = String::with_capacity(4 * v.len() + 2);
    let mut num = itoa::Buffer::new();
    let mut cur: u64 = 0;
    let mut in_arc = false;
    let mut first = true;
    for b in v {
        if !in_arc && *b == 0x80 {
            return None; // non-minimal
        }
        if cur > (u64::MAX >> 7) {
            return None;
        }
        cur = (cur << 7) | u64::from(b & 0x7f);
        in_arc = b & 0x80 != 0;
        if !in_arc {
            if first {
                let (a, b) = match cur {
                    0..=39 => (0, cur),
                    40..=79 => (1, cur - 40),
                    _ => (2, cur - 80),
                };
                s.push_str(num.format(a));
                s.push('.');
                s.push_str(num.format(b));
                first = false;
            } else {
                s.push('.');
                s.push_str(num.format(cur));
            }
            cur = 0;
        }
    }
    if in_arc {
        return None;
    }
    Some(s)
}

/// Names a tag for error messages.
pub fn tag_name(class: u8, tag: u32) -> &'static str {
    match (class, tag) {
        (UNIVERSAL, T_INTEGER) => "INTEGER",
        (UNIVERSAL, T_BIT_STRING) => "BIT STRING",
        (UNIVERSAL, T_OCTET_STRING) => "OCTET STRING",
        (UNIVERSAL, T_OID) => "OBJECT IDENTIFIER",
        (UNIVERSAL, T_ENUMERATED) => "ENUMERATED",
        (UNIVERSAL, T_SEQUENCE) => "SEQUENCE",
        (UNIVERSAL, 27) => "GeneralString",
        (UNIVERSAL, 24) => "GeneralizedTime",
        (UNIVERSAL, _) => "a universal type",
        (APPLICATION, 0) => "[APPLICATION 0]",
        (APPLICATION, 1) => "[APPLICATION 1]",
        (APPLICATION, 10) => "[APPLICATION 10]",
        (APPLICATION, 11) => "[APPLICATION 11]",
        (APPLICATION, 12) => "[APPLICATION 12]",
        (APPLICATION, 13) => "[APPLICATION 13]",
        (APPLICATION, 14) => "[APPLICATION 14]",
        (APPLICATION, 15) => "[APPLICATION 15]",
        (APPLICATION, 30) => "[APPLICATION 30]",
        (APPLICATION, _) => "an APPLICATION tag",
        (CONTEXT, 0) => "[0]",
        (CONTEXT, 1) => "[1]",
        (CONTEXT, 2) => "[2]",
        (CONTEXT, 3) => "[3]",
        (CONTEXT, 4) => "[4]",
        (CONTEXT, _) => "a context tag",
        _ => "a private tag",
    }
}

/// Context tags `[0]`..`[FAST_TAGS - 1]`, whose fields [`Fields`] finds
/// without a search. The Kerberos and SPNEGO sequences use `[0]`..`[12]`.
const FAST_TAGS: usize = 16;

/// The explicitly tagged fields `[n] ...` of a SEQUENCE. Unknown tags are
/// kept (extensibility), non-context elements are rejected.
///
/// All fields are read (and so checked) once by [`Fields::of`], which
/// remembers where the contents of each field `[0]`..`[15]` lie; a field is
/// looked up by its tag (the first one with that tag, as a search in order
/// would find). Other tags, and the error paths, read the fields again.
#[derive(Debug)]
pub struct Fields<'a> {
    /// The SEQUENCE's contents and the absolute offset of their first byte.
    data: &'a [u8],
    base: usize,
    /// Nesting depth of the fields themselves.
    depth: usize,
    /// Bit n: a field `[n]` is present (n < [`FAST_TAGS`]).
    present: u16,
    /// Bit n: the first field `[n]` is constructed, as an explicit tag is.
    constructed: u16,
    /// For each present field `[n]`, its contents as (start, end) in `data`
    /// (small, so that a `Fields` is returned without a call to memcpy).
    spans: [(u16, u16); FAST_TAGS],
    /// The SEQUENCE is longer than `spans` can point into (64 KiB): every
    /// lookup reads it again.
    slow: bool,
}

impl<'a> Fields<'a> {
    /// Reads all elements of `seq` (a constructed TLV) as `[n]` fields.
    pub fn of(seq: &Tlv<'a>, what: &'static str) -> Result<Self, AuthError> {
        let mut d = seq.children(what)?;
        let mut f = Fields {
            data: seq.value,
            base: seq.value_offset,
            depth: d.depth,
            present: 0,
            constructed: 0,
            spans: [(0, 0); FAST_TAGS],
            slow: u16::try_from(seq.value.len()).is_err(),
        };
        while !d.is_empty() {
            let t = d.read()?;
            if t.class != CONTEXT {
                return Err(AuthError::new(
                    what,
                    t.offset(),
                    ErrorKind::UnexpectedTag {
                        expected: "a context tag",
                        found: tag_name(t.class, t.tag),
                    },
                ));
            }
            let bit = 1u16.checked_shl(t.tag).unwrap_or(0);
            if bit != 0 && f.present & bit == 0 {
                let start = t.value_offset - f.base;
                // Truncated only when `slow`, and then not used.
                let span = (start as u16, (start + t.value.len()) as u16);
                if let Some(slot) = f.spans.get_mut(t.tag as usize) {
                    *slot = span;
                }
                f.present |= bit;
                if t.constructed {
                    f.constructed |= bit;
                }
            }
        }
        Ok(f)
    }

    /// The first field `[n]`, read again from the start (for tags beyond
    /// [`FAST_TAGS`] and for errors).
    fn find(&self, n: u32) -> Option<Tlv<'a>> {
        let mut d = Der {
            data: self.data,
            pos: 0,
            base: self.base,
            depth: self.depth,
            what: "SEQUENCE field",
        };
        // Every element was read without error by `of`.
        while let Ok(t) = d.read() {
            if t.tag == n {
                return Some(t);
            }
        }
        None
    }

    /// Absolute offset of the first field (0 when there is none).
    fn first_offset(&self) -> usize {
        let mut d = Der::new(self.data, self.base, "SEQUENCE field");
        d.read().map_or(0, |t| t.offset())
    }

    /// The inner element of field `[n]`, if present: for a field `[0]`..`[15]`
    /// of a SEQUENCE under 64 KiB read where [`Fields::of`] saw it, else
    /// found again from the start.
    pub fn get(&self, n: u32, what: &'static str) -> Result<Option<Tlv<'a>>, AuthError> {
        let bit = 1u16.checked_shl(n).unwrap_or(0);
        let fast = bit != 0 && !self.slow;
        if fast && self.present & bit == 0 {
            return Ok(None);
        }
        if fast && self.constructed & bit != 0 && self.depth < MAX_DEPTH {
            // As Tlv::inner: a reader over the contents, one level deeper.
            let (start, end) = self.spans.get(n as usize).copied().unwrap_or((0, 0));
            let (start, end) = (start as usize, end as usize);
            let mut d = Der {
                data: self.data.get(start..end).unwrap_or(&[]),
                pos: 0,
                base: self.base + start,
                depth: self.depth + 1,
                what,
            };
            return d.read().map(Some);
        }
        self.get_again(n, what)
    }

    /// [`Fields::get`] for a field not read where [`Fields::of`] saw it:
    /// found again from the start.
    #[cold]
    #[inline(never)]
    fn get_again(&self, n: u32, what: &'static str) -> Result<Option<Tlv<'a>>, AuthError> {
        self.find(n).map(|t| t.inner(what)).transpose()
    }

    /// The inner element of a mandatory field `[n]`.
    #[inline]
    pub fn req(&self, n: u32, what: &'static str) -> Result<Tlv<'a>, AuthError> {
        match self.get(n, what)? {
            Some(t) => Ok(t),
            None => Err(self.missing(n, what)),
        }
    }

    /// The error for a mandatory field `[n]` that is absent.
    #[cold]
    fn missing(&self, n: u32, what: &'static str) -> AuthError {
        AuthError::new(what, self.first_offset(), ErrorKind::Missing(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_beyond_the_inline_ones_are_found() {
        // SEQUENCE { [0] INTEGER 0, [1] INTEGER 1, ..., [19] INTEGER 19 }
        let mut body = Vec::new();
        for n in 0u8..20 {
            body.extend_from_slice(&[0xa0 | n, 3, 0x02, 1, n]);
        }
        let mut seq = vec![0x30, body.len() as u8];
        seq.extend_from_slice(&body);
        let t = Der::new(&seq, 0, "test").read().unwrap();
        let f = Fields::of(&t, "test").unwrap();
        for n in 0..20 {
            assert_eq!(f.req(n, "test").unwrap().int("test").unwrap(), i64::from(n));
        }
        assert!(f.get(20, "test").unwrap().is_none());
        assert_eq!(f.req(31, "test").unwrap_err().offset, 2);
    }

    /// A random mix of DER headers and bytes: mostly well-formed context,
    /// universal and application elements, some truncated, long-form,
    /// high-tag or indefinite, nested.
    fn random_der(next: &mut impl FnMut() -> u64, depth: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..(next() % 6) {
            let r = next();
            let tag = match r % 7 {
                0 => 0x1f,
                1 => (r >> 8) as u8 % 20,
                _ => (r >> 8) as u8 % 8,
            };
            let class = [0xa0u8, 0x30, 0x02, 0x60, 0x80][(r >> 16) as usize % 5];
            let first = if class == 0x30 || class == 0x02 {
                class
            } else {
                class | (tag & 0x1f)
            };
            let body = if depth < 3 && first & 0x20 != 0 {
                random_der(next, depth + 1)
            } else {
                (0..(next() % 5)).map(|_| next() as u8).collect()
            };
            out.push(first);
            if first & 0x1f == 0x1f {
                out.extend_from_slice(&[0x81, 0x05]);
            }
            let len = body.len();
            match (r >> 24) % 9 {
                0 => out.extend_from_slice(&[0x81, len as u8]),
                1 => out.extend_from_slice(&[0x82, 0, len as u8]),
                2 => out.extend_from_slice(&[0x83, 0, 0, len as u8]),
                3 => out.push(0x80),
                4 => out.push(len as u8 + 1),
                _ => out.push(len as u8),
            }
            out.extend_from_slice(&body);
        }
        out
    }

    fn same(a: &Result<Tlv, AuthError>, b: &Result<Tlv, AuthError>) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn read_fast_path_matches_general() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..50_000 {
            let v = random_der(&mut next, 0);
            let mut fast = Der::new(&v, 7, "t");
            let mut general = fast.clone();
            loop {
                let a = fast.read();
                let rest = general.data.get(general.pos..).unwrap_or(&[]);
                let b = general.read_general(general.pos, rest);
                assert!(same(&a, &b), "{v:02x?}: {a:?} vs {b:?}");
                assert_eq!(fast.pos, general.pos);
                if a.is_err() || fast.is_empty() {
                    break;
                }
            }
        }
    }

    /// Fields as they were: every field kept in a list, searched in order.
    fn reference_fields<'a>(
        seq: &Tlv<'a>,
        what: &'static str,
    ) -> Result<Vec<(u32, Tlv<'a>)>, AuthError> {
        let mut d = seq.children(what)?;
        let mut items = Vec::new();
        while !d.is_empty() {
            let t = d.read()?;
            if t.class != CONTEXT {
                return Err(AuthError::new(
                    what,
                    t.offset(),
                    ErrorKind::UnexpectedTag {
                        expected: "a context tag",
                        found: tag_name(t.class, t.tag),
                    },
                ));
            }
            items.push((t.tag, t));
        }
        Ok(items)
    }

    /// A fixed-seed xorshift64 generator: the same random inputs every run.
    fn xorshift() -> impl FnMut() -> u64 {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn fields_match_reference() {
        let mut next = xorshift();
        for i in 0..50_000 {
            let body = random_der(&mut next, 0);
            let mut v = vec![0x30, 0x82, (body.len() >> 8) as u8, body.len() as u8];
            v.extend_from_slice(&body);
            let mut d = Der::new(&v, 3, "t");
            // Some sequences nested near the depth limit.
            d.depth = if i % 10 == 0 { MAX_DEPTH - 1 } else { 0 };
            let seq = d.read().unwrap();
            let got = Fields::of(&seq, "t");
            let want = reference_fields(&seq, "t");
            let (f, items) = match (got, want) {
                (Ok(f), Ok(items)) => (f, items),
                (Err(a), Err(b)) => {
                    assert_eq!(a, b);
                    continue;
                }
                (a, b) => panic!("{v:02x?}: {a:?} vs {b:?}"),
            };
            for n in 0..34 {
                let r = items
                    .iter()
                    .find(|(t, _)| *t == n)
                    .map(|(_, t)| t.inner("w"));
                let want_get = r.transpose();
                let got_get = f.get(n, "w");
                assert_eq!(
                    format!("{got_get:?}"),
                    format!("{want_get:?}"),
                    "{v:02x?} [{n}]"
                );
                let want_req = match items.iter().find(|(t, _)| *t == n) {
                    Some((_, t)) => t.inner("w"),
                    None => Err(AuthError::new(
                        "w",
                        items.first().map_or(0, |(_, t)| t.offset()),
                        ErrorKind::Missing(n),
                    )),
                };
                assert!(same(&f.req(n, "w"), &want_req), "{v:02x?} [{n}]");
            }
        }
    }

    #[test]
    fn fields_of_a_long_sequence_are_found() {
        // SEQUENCE { [1] INTEGER 7, [0] OCTET STRING (70000 bytes), [3] INTEGER 9 }
        let big = vec![0x5au8; 70_000];
        let mut octets = vec![0x04, 0x83, 0x01, 0x11, 0x70];
        octets.extend_from_slice(&big);
        let mut body = vec![0xa1, 3, 0x02, 1, 7];
        body.extend_from_slice(&[0xa0, 0x83, 0x01, 0x11, 0x75]);
        body.extend_from_slice(&octets);
        body.extend_from_slice(&[0xa3, 3, 0x02, 1, 9]);
        let mut seq = vec![0x30, 0x83];
        seq.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        seq.extend_from_slice(&body);
        let t = Der::new(&seq, 10, "test").read().unwrap();
        let f = Fields::of(&t, "test").unwrap();
        assert!(f.slow);
        assert_eq!(f.req(1, "test").unwrap().int("test").unwrap(), 7);
        assert_eq!(f.req(0, "test").unwrap().octets("test").unwrap(), &big[..]);
        assert_eq!(f.req(3, "test").unwrap().int("test").unwrap(), 9);
        assert!(f.get(2, "test").unwrap().is_none());
        // Missing: the offset of the first field.
        assert_eq!(f.req(2, "test").unwrap_err().offset, 15);
    }

    #[test]
    fn oids() {
        // 1.3.6.1.4.1.311.2.2.10
        assert_eq!(
            oid_to_string(&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]).as_deref(),
            Some("1.3.6.1.4.1.311.2.2.10")
        );
        // 1.2.840.113554.1.2.2
        assert_eq!(
            oid_to_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02]).as_deref(),
            Some("1.2.840.113554.1.2.2")
        );
        assert_eq!(oid_to_string(&[0x2a, 0x86]), None);
        assert_eq!(oid_to_string(&[]), None);
    }

    /// The straightforward form oid_to_string had before it was made one-pass.
    fn oid_reference(v: &[u8]) -> Option<String> {
        if v.is_empty() || v.len() > 64 {
            return None;
        }
        let mut arcs: Vec<u64> = Vec::new();
        let mut cur: u64 = 0;
        let mut in_arc = false;
        for b in v {
            if !in_arc && *b == 0x80 {
                return None;
            }
            if cur > (u64::MAX >> 7) {
                return None;
            }
            cur = (cur << 7) | u64::from(b & 0x7f);
            in_arc = b & 0x80 != 0;
            if !in_arc {
                arcs.push(cur);
                cur = 0;
            }
        }
        if in_arc {
            return None;
        }
        let first = *arcs.first()?;
        let (a, b) = match first {
            0..=39 => (0, first),
            40..=79 => (1, first - 40),
            _ => (2, first - 80),
        };
        let mut s = format!("{a}.{b}");
        for arc in arcs.iter().skip(1) {
            s.push('.');
            s.push_str(&arc.to_string());
        }
        Some(s)
    }

    #[test]
    fn oids_match_reference() {
        let mut next = xorshift();
        for _ in 0..100_000 {
            let r = next();
            let len = (r % 70) as usize;
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                let b = next() as u8;
                // Mostly short arcs, some long ones and some 0x80 starts.
                v.push(if b.is_multiple_of(4) {
                    b | 0x80
                } else {
                    b & 0x7f
                });
            }
            assert_eq!(oid_to_string(&v), oid_reference(&v), "{v:02x?}");
        }
        for v in [
            &[0x80u8][..],
            &[0x81, 0x80, 0x01],
            &[0xff; 10],
            &[0x7f],
            &[0x50],
            &[0x28],
            &[0x27],
            &[0x8f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
            &[0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
        ] {
            assert_eq!(oid_to_string(v), oid_reference(v), "{v:02x?}");
        }
    }

    #[test]
    fn lengths_and_ints() {
        let b = [0x02, 0x81, 0x01, 0xff];
        let mut d = Der::new(&b, 10, "t");
        let t = d.read().unwrap();
        assert_eq!(t.int("t").unwrap(), -1);
        assert_eq!(t.offset(), 10);
        assert_eq!(t.value_offset, 13);
        assert!(d.is_empty());
        // Length larger than the data.
        let e = Der::new(&[0x30, 0x05, 0x00], 0, "t").read().unwrap_err();
        assert!(matches!(
            e.kind,
            ErrorKind::Truncated { needed: 5, have: 1 }
        ));
        // Indefinite length.
        assert!(Der::new(&[0x30, 0x80, 0, 0], 0, "t").read().is_err());
        // Huge length: no allocation, just an error.
        assert!(Der::new(&[0x04, 0x84, 0xff, 0xff, 0xff, 0xff], 0, "t")
            .read()
            .is_err());
    }

    #[test]
    fn depth_is_bounded() {
        // 100 nested SEQUENCEs.
        let mut v: Vec<u8> = vec![0x05, 0x00];
        for _ in 0..100 {
            let mut w = vec![0x30, v.len() as u8];
            if v.len() > 127 {
                w = vec![0x30, 0x81, v.len() as u8];
            }
            w.extend_from_slice(&v);
            v = w;
            if v.len() > 250 {
                break;
            }
        }
        let mut t = Der::new(&v, 0, "t").read().unwrap();
        let mut n = 0;
        loop {
            match t.inner("t") {
                Ok(i) if i.constructed => t = i,
                Ok(_) => break,
                Err(e) => {
                    assert!(matches!(e.kind, ErrorKind::TooDeep));
                    break;
                }
            }
            n += 1;
            assert!(n <= MAX_DEPTH);
        }
    }
}
