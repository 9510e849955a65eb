//! Text for the per-message output fields, written into stack buffers rather
//! than fresh `String`s: these run once or twice per message, and on a
//! session-heavy capture the messages output is bound by them. Every function
//! here gives exactly the text of the `Display` it stands for.

use std::fmt::{self, Write as _};
use std::net::{SocketAddr, SocketAddrV4};

/// A small fixed buffer that text is written into; when the text does not fit
/// (it always does for what this module is used for), it spills into a `String`.
pub struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
    spill: Option<String>,
}

impl<const N: usize> StackStr<N> {
    pub fn new() -> Self {
        StackStr {
            buf: [0; N],
            len: 0,
            spill: None,
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.spill {
            Some(s) => s,
            // Only whole `&str`s are ever copied in, so this is valid UTF-8.
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default(),
        }
    }

    pub fn push_str(&mut self, s: &str) {
        self.push_bytes(s.as_bytes());
    }

    fn push_bytes(&mut self, b: &[u8]) {
        if let Some(s) = &mut self.spill {
            // Every push is the bytes of a whole `str`.
            s.push_str(std::str::from_utf8(b).unwrap_or_default());
        } else if self.len + b.len() <= N {
            self.buf[self.len..self.len + b.len()].copy_from_slice(b);
            self.len += b.len();
        } else {
            let mut s = String::with_capacity(self.len + b.len());
            s.push_str(std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default());
            s.push_str(std::str::from_utf8(b).unwrap_or_default());
            self.spill = Some(s);
        }
    }
}

impl<const N: usize> Default for StackStr<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_bytes(s.as_bytes());
        Ok(())
    }
}

/// `addr.to_string()`: "a.b.c.d:port", or "[v6]:port" as `Display` writes it.
pub fn socket_addr(addr: &SocketAddr) -> StackStr<64> {
    let mut s = StackStr::new();
    match addr {
        SocketAddr::V4(a) => {
            let (b, n) = v4_text(a);
            s.push_bytes(&b[..n]);
        }
        SocketAddr::V6(_) => {
            let _ = write!(s, "{addr}");
        }
    }
    s
}

/// Appends `addr.to_string()` to `out`, without a `String` or a `StackStr`.
pub fn push_socket_addr(out: &mut Vec<u8>, addr: &SocketAddr) {
    match addr {
        SocketAddr::V4(a) => {
            let (b, n) = v4_text(a);
            out.extend_from_slice(&b[..n]);
        }
        SocketAddr::V6(_) => {
            let _ = std::io::Write::write_fmt(out, format_args!("{addr}"));
        }
    }
}

/// "a.b.c.d:port" (at most 21 bytes: "255.255.255.255:65535") in one array,
/// and its length.
#[inline]
fn v4_text(a: &SocketAddrV4) -> ([u8; 24], usize) {
    let mut b = [0u8; 24];
    let mut n = 0;
    for o in a.ip().octets() {
        // The octet's digits and a dot, copied as four bytes.
        let (text, len) = OCTET_DOT[usize::from(o)];
        b[n..n + 4].copy_from_slice(&text);
        n += usize::from(len);
    }
    // The last dot becomes the colon.
    b[n - 1] = b':';
    n += put_dec(&mut b[n..], u32::from(a.port()));
    (b, n)
}

/// Each octet's decimal digits followed by a dot (padded to four bytes),
/// and the length of digits and dot.
const OCTET_DOT: [([u8; 4], u8); 256] = {
    let mut t = [([0u8; 4], 0u8); 256];
    let mut i = 0;
    while i < 256 {
        let (h, d, u) = ((i / 100) as u8, (i / 10 % 10) as u8, (i % 10) as u8);
        t[i] = if i >= 100 {
            ([b'0' + h, b'0' + d, b'0' + u, b'.'], 4)
        } else if i >= 10 {
            ([b'0' + d, b'0' + u, b'.', 0], 3)
        } else {
            ([b'0' + u, b'.', 0, 0], 2)
        };
        i += 1;
    }
    t
};

/// Writes `v` (below 100,000) in decimal at the start of `out`; returns its length.
#[inline]
pub(crate) fn put_dec(out: &mut [u8], v: u32) -> usize {
    let len = match v {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    };
    let mut v = v;
    for i in (0..len).rev() {
        out[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    len
}

/// `name.to_ascii_lowercase()`.
pub fn ascii_lowercase(name: &str) -> StackStr<48> {
    let mut s = StackStr::new();
    for chunk in name.as_bytes().chunks(16) {
        let mut low = [0u8; 16];
        for (l, c) in low.iter_mut().zip(chunk) {
            *l = c.to_ascii_lowercase();
        }
        // Lowercasing ASCII letters keeps UTF-8 valid, but a chunk may end
        // inside a multi-byte character: go through `str` only for ASCII.
        if chunk.is_ascii() {
            s.push_bytes(&low[..chunk.len()]);
        } else {
            return StackStr {
                buf: [0; 48],
                len: 0,
                spill: Some(name.to_ascii_lowercase()),
            };
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV6};

    #[test]
    fn socket_addrs_match_display() {
        let v4 = [
            SocketAddr::from((Ipv4Addr::new(0, 0, 0, 0), 0)),
            SocketAddr::from((Ipv4Addr::new(127, 0, 0, 1), 445)),
            SocketAddr::from((Ipv4Addr::new(198, 18, 10, 255), 65535)),
            SocketAddr::from((Ipv4Addr::new(255, 255, 255, 255), 9)),
            SocketAddr::from((Ipv4Addr::new(10, 100, 1, 20), 52110)),
        ];
        let v6 = [
            SocketAddr::from((Ipv6Addr::LOCALHOST, 445)),
            SocketAddr::from((Ipv6Addr::new(0xfe80, 0, 0, 0, 1, 2, 3, 4), 139)),
            SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0xffff, 0xffff, 0xffff, 0xffff),
                65535,
                0,
                4_294_967_295,
            )),
            SocketAddr::from((Ipv4Addr::new(1, 2, 3, 4).to_ipv6_mapped(), 1)),
        ];
        for a in v4.iter().chain(&v6) {
            assert_eq!(socket_addr(a).as_str(), a.to_string());
            let mut out = b"x".to_vec();
            push_socket_addr(&mut out, a);
            assert_eq!(out, format!("x{a}").into_bytes());
        }
        for n in 0..=255u8 {
            let a = SocketAddr::from((Ipv4Addr::new(n, n / 3, 255 - n, n / 7), u16::from(n) * 257));
            assert_eq!(socket_addr(&a).as_str(), a.to_string());
        }
    }

    #[test]
    fn lowercase_matches_std() {
        for name in [
            "",
            "NEGOTIATE",
            "SERVER_TO_CLIENT_NOTIFICATION",
            "0x00AB",
            "A_NAME_LONGER_THAN_FORTY_EIGHT_BYTES_FOR_THE_STACK_BUFFER",
            "NÉGOCIATION_ÜBER_LANGE_NAMEN",
        ] {
            assert_eq!(ascii_lowercase(name).as_str(), name.to_ascii_lowercase());
        }
    }
}
