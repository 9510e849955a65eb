//! The start of a connection-oriented DCE/RPC PDU as a client writes it to
//! a named pipe (C706 chapter 12, "Connection-oriented RPC PDUs"): which
//! interface a bind asks for, which operation a request calls. Only what
//! the session layer notes on a pipe open; the rest of the PDU (stub data,
//! verifiers) is not read.
//!
//! Every PDU starts with the common header (C706 12.6.3.1): rpc_vers (5),
//! rpc_vers_minor, PTYPE, pfc_flags, the data representation (4 bytes; the
//! high nibble of the first says the integer byte order, 14.1), frag_length,
//! auth_length and call_id.

use arrayvec::ArrayVec;

/// Abstract syntaxes kept from one bind: its first presentation contexts.
pub const MAX_CONTEXTS: usize = 4;

/// PTYPE values (C706 12.6.4, table 12-4) used here.
const REQUEST: u8 = 0;
const BIND: u8 = 11;
const ALTER_CONTEXT: u8 = 14;

/// pfc_flags: the first fragment of a request (C706 12.6.3.1, PFC_FIRST_FRAG).
const PFC_FIRST_FRAG: u8 = 0x01;

/// Length of the common header and of a bind's fields before its context
/// list (max_xmit_frag, max_recv_frag, assoc_group_id; C706 12.6.4.3).
const COMMON_HEADER: usize = 16;
const BIND_FIXED: usize = COMMON_HEADER + 8;

/// An interface identifier and version: p_syntax_id_t (C706 12.6.3.1,
/// "p_syntax_id_t"; the UUID in the form of Appendix A.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxId {
    /// The UUID's 16 bytes in the order it is written as text.
    pub uuid: [u8; 16],
    pub version_major: u16,
    pub version_minor: u16,
}

impl SyntaxId {
    /// "c681d488-d850-11d0-8c52-00c04fd90f7e".
    pub fn uuid_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::with_capacity(36);
        for (i, b) in self.uuid.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            let _ = write!(s, "{b:02x}");
        }
        s
    }
}

/// What a PDU written to a pipe says, as far as we read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RpcPdu {
    /// The first fragment of a request: its operation number (12.6.4.9).
    Request { opnum: u16 },
    /// A bind or alter_context (12.6.4.3, 12.6.4.1): the abstract syntaxes
    /// of its first presentation contexts that the bytes hold.
    Bind {
        alter: bool,
        contexts: ArrayVec<SyntaxId, MAX_CONTEXTS>,
    },
}

/// Reads the PDU at the start of `data` (a WRITE's data or an
/// FSCTL_PIPE_TRANSCEIVE input). None for anything that is not a version
/// 5.0 request's first fragment, bind or alter_context, or that is cut
/// before what we read.
pub fn parse(data: &[u8]) -> Option<RpcPdu> {
    let head: &[u8; COMMON_HEADER] = data.get(..COMMON_HEADER)?.try_into().ok()?;
    let [vers, minor, ptype, flags, drep, ..] = *head;
    if vers != 5 || minor != 0 {
        return None;
    }
    let little = drep & 0x10 != 0;
    match ptype {
        REQUEST if flags & PFC_FIRST_FRAG != 0 => {
            let b = data.get(22..24)?;
            Some(RpcPdu::Request {
                opnum: u16_at(b, little),
            })
        }
        BIND | ALTER_CONTEXT => {
            let contexts = contexts(data, little);
            if contexts.is_empty() {
                return None;
            }
            Some(RpcPdu::Bind {
                alter: ptype == ALTER_CONTEXT,
                contexts,
            })
        }
        _ => None,
    }
}

/// The abstract syntaxes of the bind's p_context_elem_t list (C706
/// 12.6.3.1: n_context_elem, two reserved fields, then p_cont_elem_t
/// items: p_cont_id, n_transfer_syn, reserved, abstract_syntax, then
/// n_transfer_syn transfer syntaxes of 20 bytes each), those that `data`
/// holds whole, at most [`MAX_CONTEXTS`].
fn contexts(data: &[u8], little: bool) -> ArrayVec<SyntaxId, MAX_CONTEXTS> {
    let mut out = ArrayVec::new();
    let Some(&n) = data.get(BIND_FIXED) else {
        return out;
    };
    let mut at = BIND_FIXED + 4;
    for _ in 0..n {
        let Some(elem) = data.get(at..at + 24) else {
            break;
        };
        let transfer = usize::from(elem.get(2).copied().unwrap_or(0));
        if let Some(id) = elem.get(4..24).and_then(|b| syntax_id(b, little)) {
            if !out.contains(&id) && out.try_push(id).is_err() {
                break;
            }
        }
        at += 24 + 20 * transfer;
    }
    out
}

/// A p_syntax_id_t of 20 bytes: the UUID (time_low, time_mid,
/// time_hi_and_version in the data representation's byte order, then 8
/// bytes as they are) and the version (major, minor: two u16).
fn syntax_id(b: &[u8], little: bool) -> Option<SyntaxId> {
    let b: &[u8; 20] = b.try_into().ok()?;
    let (uuid, version) = b.split_at(16);
    let mut uuid: [u8; 16] = uuid.try_into().ok()?;
    if little {
        uuid[0..4].reverse();
        uuid[4..6].reverse();
        uuid[6..8].reverse();
    }
    Some(SyntaxId {
        uuid,
        version_major: u16_at(version, little),
        version_minor: u16_at(version.get(2..).unwrap_or(&[]), little),
    })
}

fn u16_at(b: &[u8], little: bool) -> u16 {
    let pair = [
        b.first().copied().unwrap_or(0),
        b.get(1).copied().unwrap_or(0),
    ];
    if little {
        u16::from_le_bytes(pair)
    } else {
        u16::from_be_bytes(pair)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_pdu() {
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&[5, 0, 11, 3, 0x10, 0, 0, 0]), None);
        // A request's later fragment carries no new call.
        let mut later = [0u8; 24];
        later[..5].copy_from_slice(&[5, 0, 0, 0x02, 0x10]);
        assert_eq!(parse(&later), None);
    }
}
