//! NetBIOS session service packets other than session messages (RFC 1002
//! 4.3): the called and calling names of a SESSION REQUEST, the error code of
//! a NEGATIVE SESSION RESPONSE and the address of a RETARGET SESSION
//! RESPONSE. On TCP 139 a client asks for a session to the server's NetBIOS
//! name before it sends any SMB; a negative response refuses the connection
//! before any SMB was exchanged.

use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, SocketAddrV4};

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use super::framing::NbssType;
use super::wire::open_enum;

open_enum! {
    /// NEGATIVE SESSION RESPONSE error code (RFC 1002 4.3.4).
    NbssError(u8), width 2;
    NOT_LISTENING_ON_CALLED_NAME = 0x80 => "NOT_LISTENING_ON_CALLED_NAME",
    NOT_LISTENING_FOR_CALLING_NAME = 0x81 => "NOT_LISTENING_FOR_CALLING_NAME",
    CALLED_NAME_NOT_PRESENT = 0x82 => "CALLED_NAME_NOT_PRESENT",
    INSUFFICIENT_RESOURCES = 0x83 => "CALLED_NAME_PRESENT_INSUFFICIENT_RESOURCES",
    UNSPECIFIED_ERROR = 0x8F => "UNSPECIFIED_ERROR",
}

impl NbssError {
    /// The code's meaning in RFC 1002's words (as Wireshark shows it).
    pub fn meaning(self) -> &'static str {
        match self {
            NbssError::NOT_LISTENING_ON_CALLED_NAME => "not listening on called name",
            NbssError::NOT_LISTENING_FOR_CALLING_NAME => "not listening for calling name",
            NbssError::CALLED_NAME_NOT_PRESENT => "called name not present",
            NbssError::INSUFFICIENT_RESOURCES => "called name present, but insufficient resources",
            NbssError::UNSPECIFIED_ERROR => "unspecified error",
            _ => "an error code RFC 1002 does not define",
        }
    }
}

/// What a NetBIOS session packet says, by type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NbssPacket {
    /// SESSION REQUEST (RFC 1002 4.3.2): the names, as Wireshark's
    /// `nbss.called_name` / `nbss.calling_name` print them (see [`NetbiosName`]).
    /// None: the capture cut the packet before the name's end (see
    /// [`parse_nbss_kept`]).
    SessionRequest {
        called: Option<NetbiosName>,
        calling: Option<NetbiosName>,
    },
    /// NEGATIVE SESSION RESPONSE (RFC 1002 4.3.4): its ERROR_CODE; None
    /// when the capture cut it (see [`parse_nbss_kept`]).
    NegativeResponse { error: Option<NbssError> },
    /// RETARGET SESSION RESPONSE (RFC 1002 4.3.5): connect there instead,
    /// RETARGET_IP_ADDRESS then PORT. A field the capture cut is None (the
    /// port alone when the address was kept, both when it was not).
    Retarget {
        ip: Option<Ipv4Addr>,
        port: Option<u16>,
    },
}

/// A NetBIOS name decoded from its first-level encoding (RFC 1001 14.1), as
/// Wireshark prints it: the first 15 characters without trailing spaces (a
/// non-printable one as `<xx>`), the 16th as the suffix `<xx>`, then the
/// scope, if any, after a dot: `FILESRV<20>`, `*SMBSERVER<20>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetbiosName(pub String);

impl fmt::Display for NetbiosName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A packet that does not hold what its type says it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NbssDecodeError {
    /// Offset in the packet's payload (after the 4-byte header).
    pub offset: usize,
    pub what: &'static str,
}

impl fmt::Display for NbssDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.what, self.offset)
    }
}

impl std::error::Error for NbssDecodeError {}

/// Length of an encoded NetBIOS name's first label: 16 bytes, two letters each.
const ENCODED_NAME_LEN: usize = 32;
/// Longest encoded name with its scope: a domain name's 255 octets (RFC
/// 1001 14.1 makes the encoded name and scope a domain name; RFC 1035
/// 2.3.4). Also bounds what a connection keeps of the names.
const MAX_ENCODED_NAME: usize = 255;

/// Decodes the payload of a NetBIOS session packet of type `kind`; `None`
/// for the types that carry nothing (positive response, keepalive) and for
/// unknown ones.
pub fn parse_nbss(kind: NbssType, p: &[u8]) -> Option<Result<NbssPacket, NbssDecodeError>> {
    parse_nbss_kept(kind, p, false)
}

/// [`parse_nbss`] of the bytes the capture kept of a packet: when `cut`
/// (the snaplen or a lost segment took the bytes after `p`), a field whose
/// bytes run past `p` is None, not an error, and the fields before it are
/// given: a SESSION REQUEST's names (RFC 1002 4.3.2), a NEGATIVE SESSION
/// RESPONSE's error code (4.3.4), a RETARGET SESSION RESPONSE's address
/// and port (4.3.5). What `p` holds must still be well formed.
pub fn parse_nbss_kept(
    kind: NbssType,
    p: &[u8],
    cut: bool,
) -> Option<Result<NbssPacket, NbssDecodeError>> {
    Some(match kind {
        NbssType::SESSION_REQUEST => session_request(p, cut),
        NbssType::NEGATIVE_RESPONSE => match p.first() {
            Some(&b) => Ok(NbssPacket::NegativeResponse {
                error: Some(NbssError(b)),
            }),
            None if cut => Ok(NbssPacket::NegativeResponse { error: None }),
            None => Err(err(0, "no error code")),
        },
        NbssType::RETARGET_RESPONSE => retarget(p, cut),
        _ => return None,
    })
}

/// RETARGET SESSION RESPONSE (RFC 1002 4.3.5): RETARGET_IP_ADDRESS (4
/// bytes), then PORT (2), both big-endian. In a packet the capture `cut`,
/// the fields whose bytes were all kept.
fn retarget(p: &[u8], cut: bool) -> Result<NbssPacket, NbssDecodeError> {
    let ip = p.get(..4).map(|a| Ipv4Addr::new(a[0], a[1], a[2], a[3]));
    let port = p.get(4..6).map(|b| u16::from_be_bytes([b[0], b[1]]));
    if port.is_none() && !cut {
        return Err(err(p.len(), "retarget address cut short"));
    }
    Ok(NbssPacket::Retarget { ip, port })
}

fn err(offset: usize, what: &'static str) -> NbssDecodeError {
    NbssDecodeError { offset, what }
}

/// SESSION REQUEST: CALLED NAME then CALLING NAME, each an encoded name.
/// In a packet the capture `cut`, a name whose bytes are not all there is
/// None (and so is the calling name after a cut called name).
fn session_request(p: &[u8], cut: bool) -> Result<NbssPacket, NbssDecodeError> {
    let name = |at: usize| match encoded_name(p, at) {
        Ok((n, next)) => Ok(Some((n, next))),
        Err(Bad::Short(_)) if cut => Ok(None),
        Err(Bad::Short(e) | Bad::Malformed(e)) => Err(e),
    };
    let Some((called, at)) = name(0)? else {
        return Ok(NbssPacket::SessionRequest {
            called: None,
            calling: None,
        });
    };
    let calling = name(at)?.map(|(n, _)| n);
    Ok(NbssPacket::SessionRequest {
        called: Some(called),
        calling,
    })
}

/// Why an encoded name could not be read.
enum Bad {
    /// Its bytes ran out: the packet is short, or the capture cut it.
    Short(NbssDecodeError),
    /// The bytes that are there are not a name.
    Malformed(NbssDecodeError),
}

/// One encoded name at `at` (RFC 1002 4.1.1: a label of 32 letters 'A'..'P',
/// two per byte of the name, then scope labels, then a zero length); the
/// name and the offset after it.
fn encoded_name(p: &[u8], at: usize) -> Result<(NetbiosName, usize), Bad> {
    let short = |at: usize, what: &'static str| Bad::Short(err(at, what));
    let bad = |at: usize, what: &'static str| Bad::Malformed(err(at, what));
    match p.get(at) {
        None => return Err(short(at, "NetBIOS name cut short")),
        Some(&len) if usize::from(len) != ENCODED_NAME_LEN => {
            return Err(bad(at, "NetBIOS name label is not 32 bytes long"))
        }
        Some(_) => {}
    }
    // The letters that are there are checked before a cut is told.
    let letters = p.get(at + 1..).unwrap_or_default();
    let letters = letters.get(..ENCODED_NAME_LEN).unwrap_or(letters);
    let mut raw = [0u8; 16];
    for (i, pair) in letters.chunks(2).enumerate() {
        let mut half = pair.iter().map(|&c| c.wrapping_sub(b'A'));
        let (hi, lo) = (half.next().unwrap_or(0), half.next().unwrap_or(0));
        if hi > 15 || lo > 15 {
            return Err(bad(at + 1 + 2 * i, "NetBIOS name letter outside 'A'..'P'"));
        }
        if let Some(r) = raw.get_mut(i) {
            *r = hi << 4 | lo;
        }
    }
    if letters.len() < ENCODED_NAME_LEN {
        return Err(short(at + 1, "NetBIOS name cut short"));
    }
    let mut text = printable_name(&raw);
    let mut pos = at + 1 + ENCODED_NAME_LEN;
    loop {
        let len = usize::from(*p.get(pos).ok_or(short(pos, "NetBIOS scope cut short"))?);
        pos += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return Err(bad(pos - 1, "NetBIOS scope label longer than 63 bytes"));
        }
        if pos + len - at >= MAX_ENCODED_NAME {
            return Err(bad(pos - 1, "NetBIOS name longer than 255 bytes"));
        }
        let label = p
            .get(pos..pos + len)
            .ok_or(short(pos, "NetBIOS scope cut short"))?;
        text.push('.');
        text.extend(label.iter().map(|&b| char::from(b)));
        pos += len;
    }
    Ok((NetbiosName(text), pos))
}

/// The 15 name bytes and the suffix as Wireshark's `process_netbios_name`
/// writes them: printable ASCII as is, others as `<xx>`, trailing spaces
/// dropped, then `<suffix>`.
fn printable_name(raw: &[u8; 16]) -> String {
    let mut s = String::with_capacity(24);
    for &b in &raw[..15] {
        if (b' '..=b'~').contains(&b) {
            s.push(char::from(b));
        } else {
            let _ = write!(s, "<{b:02x}>");
        }
    }
    s.truncate(s.trim_end_matches(' ').len());
    let _ = write!(s, "<{:02x}>", raw[15]);
    s
}

impl Serialize for NbssPacket {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NbssPacket::SessionRequest { called, calling } => {
                let mut o = s.serialize_struct("NbssPacket", 2)?;
                if let Some(n) = called {
                    o.serialize_field("called_name", &n.0)?;
                }
                if let Some(n) = calling {
                    o.serialize_field("calling_name", &n.0)?;
                }
                o.end()
            }
            NbssPacket::NegativeResponse { error } => {
                let mut o = s.serialize_struct("NbssPacket", 2)?;
                if let Some(e) = error {
                    o.serialize_field("error_code", &e.0)?;
                    o.serialize_field("error", e)?;
                }
                o.end()
            }
            NbssPacket::Retarget { ip, port } => {
                let mut o = s.serialize_struct("NbssPacket", 1)?;
                match (ip, port) {
                    (Some(ip), Some(port)) => {
                        o.serialize_field("retarget", &SocketAddrV4::new(*ip, *port).to_string())?
                    }
                    (Some(ip), None) => o.serialize_field("retarget_address", &ip.to_string())?,
                    (None, _) => {}
                }
                o.end()
            }
        }
    }
}

impl NbssPacket {
    /// A packet of which the capture kept no whole field (a session
    /// request without a whole name, a negative response without its error
    /// code, a retarget response without its address): it has no field to
    /// give.
    pub fn is_empty(&self) -> bool {
        matches!(
            self,
            NbssPacket::SessionRequest {
                called: None,
                calling: None
            } | NbssPacket::NegativeResponse { error: None }
                | NbssPacket::Retarget { ip: None, .. }
        )
    }

    /// A retarget response's address and port, when the capture kept both.
    pub fn retarget_to(&self) -> Option<SocketAddrV4> {
        match self {
            NbssPacket::Retarget {
                ip: Some(ip),
                port: Some(port),
            } => Some(SocketAddrV4::new(*ip, *port)),
            _ => None,
        }
    }

    /// One line for the text table: `called FILESRV<20>, calling CLIENT1<00>`
    /// (`calling name cut off` for a name the capture cut),
    /// `refused: 0x82 CALLED_NAME_NOT_PRESENT (called name not present)`,
    /// `retarget to 10.0.0.5:139` (`refused: error code cut off`,
    /// `retarget to 10.0.0.5, port cut off` where the capture cut them).
    pub fn summary(&self) -> String {
        match self {
            NbssPacket::SessionRequest { called, calling } => match (called, calling) {
                (Some(a), Some(b)) => format!("called {a}, calling {b}"),
                (Some(a), None) => format!("called {a}, calling name cut off"),
                (None, _) => "called and calling names cut off".to_string(),
            },
            NbssPacket::NegativeResponse { error: Some(e) } => {
                format!("refused: 0x{:02x} {e} ({})", e.0, e.meaning())
            }
            NbssPacket::NegativeResponse { error: None } => "refused: error code cut off".into(),
            NbssPacket::Retarget { ip, port } => match (ip, port) {
                (Some(ip), Some(port)) => format!("retarget to {}", SocketAddrV4::new(*ip, *port)),
                (Some(ip), None) => format!("retarget to {ip}, port cut off"),
                (None, _) => "retarget address cut off".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1001 14.1 first-level encoding, the reverse of what we decode (an
    /// oracle for the tests: each half-byte becomes a letter from 'A').
    fn encode(name: &[u8; 16], scope: &[&str]) -> Vec<u8> {
        let mut v = vec![32u8];
        for b in name {
            v.push(b'A' + (b >> 4));
            v.push(b'A' + (b & 0x0f));
        }
        for l in scope {
            v.push(l.len() as u8);
            v.extend_from_slice(l.as_bytes());
        }
        v.push(0);
        v
    }

    fn padded(name: &str, suffix: u8) -> [u8; 16] {
        let mut n = [b' '; 16];
        n[..name.len()].copy_from_slice(name.as_bytes());
        n[15] = suffix;
        n
    }

    #[test]
    fn names_print_like_wireshark() {
        let mut p = encode(&padded("*SMBSERVER", 0x20), &[]);
        p.extend(encode(&padded("WS\u{1}1", 0x00), &["corp", "example"]));
        let Ok(NbssPacket::SessionRequest {
            called: Some(called),
            calling: Some(calling),
        }) = session_request(&p, false)
        else {
            panic!("decodes");
        };
        assert_eq!(called.0, "*SMBSERVER<20>");
        assert_eq!(calling.0, "WS<01>1<00>.corp.example");
    }

    #[test]
    fn bad_names_are_errors_not_panics() {
        let good = encode(&padded("FILESRV", 0x20), &[]);
        let mut bad_letter = good.clone();
        bad_letter[5] = b'Z';
        // letters start at offset 1, two per byte: byte 2's pair is at 5
        assert_eq!(
            session_request(&bad_letter, false).err().map(|e| e.offset),
            Some(5)
        );
        // a scope that takes the name past 255 bytes (RFC 1035 2.3.4)
        let mut scope = vec![b"s".repeat(63); 3];
        scope.push(b"t".repeat(60));
        let parts: Vec<&str> = scope
            .iter()
            .map(|l| std::str::from_utf8(l).unwrap_or(""))
            .collect();
        let long = encode(&padded("FILESRV", 0x20), &parts);
        assert_eq!(long.len(), 1 + 32 + 4 * 64 - 3 + 1);
        assert!(session_request(&long, false).is_err());
        let fits = encode(&padded("FILESRV", 0x20), &parts[..3]);
        let mut p = fits.clone();
        p.extend_from_slice(&good);
        assert!(session_request(&p, false).is_ok());
        let mut long_label = good.clone();
        long_label[0] = 33;
        assert!(session_request(&long_label, false).is_err());
        let mut two = good.clone();
        two.extend_from_slice(&good);
        let name = || Some(NetbiosName("FILESRV<20>".into()));
        for n in 0..two.len() {
            // Whole, a short packet is an error; cut by the capture, what
            // is complete is given.
            assert!(session_request(&two[..n], false).is_err());
            assert_eq!(
                session_request(&two[..n], true),
                Ok(NbssPacket::SessionRequest {
                    called: (n >= good.len()).then(name).flatten(),
                    calling: None,
                }),
                "{n} bytes"
            );
        }
        // What is there must still be a name.
        assert!(session_request(&bad_letter[..20], true).is_err());
        assert!(session_request(&long_label[..1], true).is_err());
        assert_eq!(
            parse_nbss(NbssType::NEGATIVE_RESPONSE, &[]),
            Some(Err(err(0, "no error code")))
        );
        assert_eq!(parse_nbss(NbssType::POSITIVE_RESPONSE, &[]), None);
    }

    #[test]
    fn retarget_and_negative_responses() {
        assert_eq!(
            parse_nbss(NbssType::RETARGET_RESPONSE, &[10, 0, 0, 9, 0, 139]),
            Some(Ok(NbssPacket::Retarget {
                ip: Some(Ipv4Addr::new(10, 0, 0, 9)),
                port: Some(139),
            }))
        );
        let Some(Ok(n)) = parse_nbss(NbssType::NEGATIVE_RESPONSE, &[0x8e]) else {
            panic!("decodes");
        };
        assert_eq!(
            n.summary(),
            "refused: 0x8e 0x8e (an error code RFC 1002 does not define)"
        );
    }

    /// Every prefix of the payloads of samples/nbss-negative-response-keepalive
    /// (frame 6: error 0x82) and samples/nbss-retarget-response (frame 6:
    /// 127.0.0.2, port 445), whole (a short packet: an error, as before)
    /// and cut by the capture (the fields complete so far, as tshark gives
    /// nbss.error_code, nbss.retarget_ip_address and nbss.retarget_port).
    #[test]
    fn cut_responses_give_the_fields_they_kept() {
        let negative = [0x82u8];
        assert_eq!(
            parse_nbss_kept(NbssType::NEGATIVE_RESPONSE, &negative[..0], true),
            Some(Ok(NbssPacket::NegativeResponse { error: None }))
        );
        assert_eq!(
            parse_nbss_kept(NbssType::NEGATIVE_RESPONSE, &negative, true),
            Some(Ok(NbssPacket::NegativeResponse {
                error: Some(NbssError::CALLED_NAME_NOT_PRESENT)
            }))
        );
        let retarget = [127u8, 0, 0, 2, 0x01, 0xbd];
        let ip = Ipv4Addr::new(127, 0, 0, 2);
        let json = |p: &NbssPacket| serde_json::to_string(p).unwrap_or_default();
        for n in 0..=retarget.len() {
            let want = NbssPacket::Retarget {
                ip: (n >= 4).then_some(ip),
                port: (n == 6).then_some(445),
            };
            let whole = parse_nbss_kept(NbssType::RETARGET_RESPONSE, &retarget[..n], false);
            let cut = parse_nbss_kept(NbssType::RETARGET_RESPONSE, &retarget[..n], true);
            if n < 6 {
                assert_eq!(whole, Some(Err(err(n, "retarget address cut short"))));
            } else {
                assert_eq!(whole.as_ref(), cut.as_ref());
            }
            assert_eq!(cut, Some(Ok(want.clone())), "{n} bytes");
            let (text, keys, empty) = match n {
                0..=3 => ("retarget address cut off", "{}", true),
                4 | 5 => (
                    "retarget to 127.0.0.2, port cut off",
                    r#"{"retarget_address":"127.0.0.2"}"#,
                    false,
                ),
                _ => (
                    "retarget to 127.0.0.2:445",
                    r#"{"retarget":"127.0.0.2:445"}"#,
                    false,
                ),
            };
            assert_eq!(
                (
                    want.summary().as_str(),
                    json(&want).as_str(),
                    want.is_empty()
                ),
                (text, keys, empty),
                "{n} bytes"
            );
            assert_eq!(want.retarget_to().is_some(), n == 6);
        }
        let cut = NbssPacket::NegativeResponse { error: None };
        assert_eq!(
            (cut.summary().as_str(), json(&cut).as_str(), cut.is_empty()),
            ("refused: error code cut off", "{}", true)
        );
    }
}
