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
const RESPONSE: u8 = 2;
const FAULT: u8 = 3;
const BIND: u8 = 11;
const BIND_ACK: u8 = 12;
const BIND_NAK: u8 = 13;
const ALTER_CONTEXT: u8 = 14;
const ALTER_CONTEXT_RESP: u8 = 15;

/// pfc_flags: the first fragment of a request (C706 12.6.3.1, PFC_FIRST_FRAG).
const PFC_FIRST_FRAG: u8 = 0x01;
/// pfc_flags: a request carries an object UUID after its opnum (C706
/// 12.6.3.1, PFC_OBJECT_UUID; 12.6.4.9).
const PFC_OBJECT_UUID: u8 = 0x80;
/// A request's header before its optional object UUID (C706 12.6.4.9: the
/// common header, alloc_hint, p_cont_id, opnum).
const REQUEST_HEADER: usize = COMMON_HEADER + 8;

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
        let mut buf = [0u8; 36];
        self.uuid_into(&mut buf).to_string()
    }

    /// [`SyntaxId::uuid_text`] written into `buf` (no allocation).
    pub fn uuid_into<'b>(&self, buf: &'b mut [u8; 36]) -> &'b str {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut at = 0;
        for (i, b) in self.uuid.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                buf[at] = b'-';
                at += 1;
            }
            buf[at] = HEX[usize::from(b >> 4)];
            buf[at + 1] = HEX[usize::from(b & 0xf)];
            at += 2;
        }
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

/// What a PDU written to a pipe says, as far as we read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RpcPdu {
    /// The first fragment of a request (12.6.4.9): the presentation
    /// context it is made in (p_cont_id, which a bind named) and its
    /// operation number.
    Request { context_id: u16, opnum: u16 },
    /// A bind or alter_context (12.6.4.3, 12.6.4.1): its first
    /// presentation contexts that the bytes hold, each (p_cont_id,
    /// abstract syntax).
    Bind {
        alter: bool,
        contexts: ArrayVec<(u16, SyntaxId), MAX_CONTEXTS>,
    },
}

/// What a PDU a server answers with on a pipe says, as far as we read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RpcAnswer {
    /// The first fragment of a response (12.6.4.10).
    Response,
    /// A fault (12.6.4.7): its status, an NCA status code (Appendix E) or
    /// a Windows error code ([MS-RPCE] 2.2.2.9, [MS-ERREF]).
    Fault { status: u32 },
    /// A bind_ack or alter_context_resp (12.6.4.4, 12.6.4.2): the results
    /// of its first presentation contexts that the bytes hold, each
    /// (result, reason) of p_result_t.
    BindAck {
        alter: bool,
        results: ArrayVec<(u16, u16), MAX_CONTEXTS>,
    },
    /// A bind_nak (12.6.4.5): its provider_reject_reason.
    BindNak { reason: u16 },
}

/// p_cont_def_result_t (C706 12.6.3.1): the abstract syntax was accepted.
pub const ACCEPTANCE: u16 = 0;

/// How a server answered a bind or alter_context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindResult {
    /// A presentation context was accepted.
    Accepted,
    /// The bind_ack accepted none: the first context's
    /// p_provider_reason_t (C706 12.6.3.1).
    Refused { reason: u16 },
    /// A bind_nak: its p_reject_reason_t (C706 12.6.3.1, [MS-RPCE]
    /// 2.2.2.5).
    Nak { reason: u16 },
}

impl BindResult {
    /// A bind_ack's results: accepted when a presentation context was,
    /// refused when none was, with the first one's reason; None when the
    /// bytes hold no result.
    pub fn of(results: &[(u16, u16)]) -> Option<BindResult> {
        if results.is_empty() {
            return None;
        }
        if results.iter().any(|&(r, _)| r == ACCEPTANCE) {
            return Some(BindResult::Accepted);
        }
        Some(BindResult::Refused {
            reason: results.first().map_or(0, |&(_, why)| why),
        })
    }

    /// "accepted", "refused (abstract_syntax_not_supported)": C706's
    /// names of the reasons.
    pub fn words(self) -> String {
        match self {
            BindResult::Accepted => "accepted".to_string(),
            BindResult::Refused { reason } => format!("refused ({})", provider_reason(reason)),
            BindResult::Nak { reason } => format!("refused ({})", reject_reason(reason)),
        }
    }

    /// "accepted", "refused", "nak": the `result` key of JSON.
    pub fn key(self) -> &'static str {
        match self {
            BindResult::Accepted => "accepted",
            BindResult::Refused { .. } => "refused",
            BindResult::Nak { .. } => "nak",
        }
    }
}

/// p_provider_reason_t (C706 12.6.3.1).
fn provider_reason(r: u16) -> std::borrow::Cow<'static, str> {
    match r {
        0 => "reason_not_specified".into(),
        1 => "abstract_syntax_not_supported".into(),
        2 => "proposed_transfer_syntaxes_not_supported".into(),
        3 => "local_limit_exceeded".into(),
        n => format!("reason {n}").into(),
    }
}

/// p_reject_reason_t (C706 12.6.3.1; 8 and 9 from [MS-RPCE] 2.2.2.5).
fn reject_reason(r: u16) -> std::borrow::Cow<'static, str> {
    match r {
        0 => "reason_not_specified".into(),
        1 => "temporary_congestion".into(),
        2 => "local_limit_exceeded".into(),
        3 => "called_paddr_unknown".into(),
        4 => "protocol_version_not_supported".into(),
        5 => "default_context_not_supported".into(),
        6 => "user_data_not_readable".into(),
        7 => "no_psap_available".into(),
        8 => "authentication_type_not_recognized".into(),
        9 => "invalid_checksum".into(),
        n => format!("reason {n}").into(),
    }
}

/// A fault's status by name: the NCA status codes of C706 Appendix E that
/// [MS-RPCE] 2.2.2.9 lists, and two Windows error codes ([MS-ERREF] 2.2)
/// Windows' servers fault with.
pub fn fault_name(status: u32) -> Option<&'static str> {
    Some(match status {
        0x1c01_0002 => "nca_s_op_rng_error",
        0x1c01_0003 => "nca_s_unk_if",
        0x1c01_0006 => "nca_s_wrong_boot_time",
        0x1c01_0009 => "nca_s_you_crashed",
        0x1c01_000b => "nca_s_proto_error",
        0x1c01_0013 => "nca_s_out_args_too_big",
        0x1c01_0014 => "nca_s_server_too_busy",
        0x1c01_0017 => "nca_s_unsupported_type",
        0x1c00_0001 => "nca_s_fault_int_div_by_zero",
        0x1c00_0011 => "nca_s_fault_ndr",
        0x1c00_0012 => "nca_s_fault_cancel",
        0x1c00_0014 => "nca_s_fault_remote_no_memory",
        0x1c00_0015 => "nca_s_fault_context_mismatch",
        0x0000_0005 => "ERROR_ACCESS_DENIED",
        0x0000_06f7 => "RPC_X_BAD_STUB_DATA",
        _ => return None,
    })
}

/// A fault's status as the timeline says it: by name ([`fault_name`]),
/// else in hex ("0x000006d8").
pub fn fault_words(status: u32) -> std::borrow::Cow<'static, str> {
    match fault_name(status) {
        Some(n) => n.into(),
        None => format!("{status:#010x}").into(),
    }
}

/// The common header of a connection-oriented PDU ([C706] 12.6.3.1) at
/// the start of `data`: its PTYPE, pfc_flags and whether its data
/// representation is little-endian (drep[0] 0x10); None when `data` is
/// shorter or the version is not 5.0.
fn common_header(data: &[u8]) -> Option<(u8, u8, bool)> {
    let head: &[u8; COMMON_HEADER] = data.get(..COMMON_HEADER)?.try_into().ok()?;
    let [vers, minor, ptype, flags, drep, ..] = *head;
    if vers != 5 || minor != 0 {
        return None;
    }
    Some((ptype, flags, drep & 0x10 != 0))
}

/// Reads the PDU at the start of `data` (a WRITE's data or an
/// FSCTL_PIPE_TRANSCEIVE input). None for anything that is not a version
/// 5.0 request's first fragment, bind or alter_context, or that is cut
/// before what we read.
pub fn parse(data: &[u8]) -> Option<RpcPdu> {
    let (ptype, flags, little) = common_header(data)?;
    match ptype {
        REQUEST if flags & PFC_FIRST_FRAG != 0 => {
            let b = data.get(20..24)?;
            Some(RpcPdu::Request {
                context_id: u16_at(b, little),
                opnum: u16_at(b.get(2..).unwrap_or(&[]), little),
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

/// The stub data of the request whose first fragment starts `data`, as
/// far as `data` holds it (C706 12.6.4.9: after the header, and the object
/// UUID when PFC_OBJECT_UUID is set; up to frag_length), and whether its
/// data representation is little-endian. None for anything else, and for
/// a request with an authentication verifier (auth_length not 0): its stub
/// may be sealed ([MS-RPCE] 2.2.2.11), and it is not read.
pub fn request_stub(data: &[u8]) -> Option<(&[u8], bool)> {
    let (ptype, flags, little) = common_header(data)?;
    if ptype != REQUEST || flags & PFC_FIRST_FRAG == 0 {
        return None;
    }
    let frag_length = usize::from(u16_at(data.get(8..10)?, little));
    let auth_length = u16_at(data.get(10..12)?, little);
    if auth_length != 0 {
        return None;
    }
    let start = if flags & PFC_OBJECT_UUID != 0 {
        REQUEST_HEADER + 16
    } else {
        REQUEST_HEADER
    };
    let end = frag_length.min(data.len());
    Some((data.get(start..end)?, little))
}

/// The (p_cont_id, abstract syntax) of the bind's p_context_elem_t list
/// (C706 12.6.3.1: n_context_elem, two reserved fields, then p_cont_elem_t
/// items: p_cont_id, n_transfer_syn, reserved, abstract_syntax, then
/// n_transfer_syn transfer syntaxes of 20 bytes each), those that `data`
/// holds whole, at most [`MAX_CONTEXTS`].
fn contexts(data: &[u8], little: bool) -> ArrayVec<(u16, SyntaxId), MAX_CONTEXTS> {
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
            if out.try_push((u16_at(elem, little), id)).is_err() {
                break;
            }
        }
        at += 24 + 20 * transfer;
    }
    out
}

/// Reads the PDU at the start of `data` (a READ's data or an
/// FSCTL_PIPE_TRANSCEIVE output). None for anything that is not a version
/// 5.0 response's first fragment, fault, bind_ack, alter_context_resp or
/// bind_nak, or that is cut before what we read.
pub fn parse_answer(data: &[u8]) -> Option<RpcAnswer> {
    let (ptype, flags, little) = common_header(data)?;
    match ptype {
        RESPONSE if flags & PFC_FIRST_FRAG != 0 => Some(RpcAnswer::Response),
        // alloc_hint, p_cont_id, cancel_count, reserved, then status.
        FAULT => Some(RpcAnswer::Fault {
            status: u32_at(data.get(24..28)?, little),
        }),
        BIND_ACK | ALTER_CONTEXT_RESP => Some(RpcAnswer::BindAck {
            alter: ptype == ALTER_CONTEXT_RESP,
            results: results(data, little),
        }),
        BIND_NAK => Some(RpcAnswer::BindNak {
            reason: u16_at(data.get(16..18)?, little),
        }),
        _ => None,
    }
}

/// The (result, reason) of a bind_ack's p_result_list_t (C706 12.6.4.4:
/// after max_xmit_frag, max_recv_frag and assoc_group_id, the secondary
/// address (a port_any_t: its length, then as many bytes), padding to a
/// multiple of 4 from the PDU's start, then n_results, three reserved
/// bytes and the p_result_t items of 24 bytes: result, reason, transfer
/// syntax), those that `data` holds whole, at most [`MAX_CONTEXTS`].
fn results(data: &[u8], little: bool) -> ArrayVec<(u16, u16), MAX_CONTEXTS> {
    let mut out = ArrayVec::new();
    let Some(len) = data.get(BIND_FIXED..BIND_FIXED + 2) else {
        return out;
    };
    let list = (BIND_FIXED + 2 + usize::from(u16_at(len, little))).next_multiple_of(4);
    let Some(&n) = data.get(list) else {
        return out;
    };
    let mut at = list + 4;
    for _ in 0..n {
        let Some(r) = data.get(at..at + 24) else {
            break;
        };
        let pair = (u16_at(r, little), u16_at(r.get(2..).unwrap_or(&[]), little));
        if out.try_push(pair).is_err() {
            break;
        }
        at += 24;
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

fn u32_at(b: &[u8], little: bool) -> u32 {
    let four = [
        b.first().copied().unwrap_or(0),
        b.get(1).copied().unwrap_or(0),
        b.get(2).copied().unwrap_or(0),
        b.get(3).copied().unwrap_or(0),
    ];
    if little {
        u32::from_le_bytes(four)
    } else {
        u32::from_be_bytes(four)
    }
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
