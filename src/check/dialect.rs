//! The checks of what connections negotiated: `--expect-dialect`,
//! `--require smb3`, and `--deny smb1`, `smb1-offered` and `smb2`.
//!
//! SMB1 is judged in two ways. `--deny smb1` fails on SMB1 used: an SMB1
//! NEGOTIATE the server answered with an SMB1 dialect ([MS-CIFS]
//! 2.2.4.52.2: its DialectIndex names one of the client's strings), or an
//! SMB1 command other than NEGOTIATE answered with success, or, on a
//! connection whose NEGOTIATE is not in the capture, answered at all (an
//! error too: a server answers no other SMB1 command before an SMB1 dialect
//! is negotiated, [MS-CIFS] 2.2.4.52). A client that
//! offers SMB1 next to "SMB 2.002" / "SMB 2.???" in a multi-protocol
//! NEGOTIATE, answered by an SMB2 NEGOTIATE response ([MS-SMB2] 3.3.5.3.1),
//! used no SMB1. `--deny smb1-offered` fails on any SMB1 NEGOTIATE: a client
//! with SMB1 enabled, whatever the server answered.

use crate::session::{Connection, Model};

use super::rules::{cannot_tell, result, smb_messages, some};
use super::CheckResult;

/// The dialect a connection negotiated: in SMB2 (`Some(code)`, with its
/// name), or `None` for a NEGOTIATE the server answered in SMB1.
struct Negotiated {
    stream: u64,
    code: Option<u16>,
    name: String,
}

impl Negotiated {
    /// "stream 1 negotiated SMB1 (its NEGOTIATE answered in SMB1, frame 239)",
    /// "stream 0 negotiated SMB 2.0.2".
    fn describe(&self) -> String {
        match self.code {
            Some(_) => format!("stream {} negotiated SMB {}", self.stream, self.name),
            None => format!("stream {} negotiated {}", self.stream, self.name),
        }
    }
}

/// The connections that negotiated a dialect, in SMB2 (the 0x02FF
/// wildcard, followed by the real NEGOTIATE, left out) or in SMB1 (an SMB1
/// NEGOTIATE the server answered with an SMB1 dialect).
fn negotiated(model: &Model) -> Vec<Negotiated> {
    model
        .connections
        .iter()
        .filter_map(|c| {
            if let Some(n) = c
                .negotiate
                .as_ref()
                .filter(|n| n.dialect_code != 0 && n.dialect_code != 0x02FF)
            {
                return Some(Negotiated {
                    stream: c.stream,
                    code: Some(n.dialect_code),
                    name: n.dialect.map(|d| d.to_string()).unwrap_or_default(),
                });
            }
            let s = c.smb1_negotiate.as_ref()?;
            (s.answer == Some("smb1")).then(|| Negotiated {
                stream: c.stream,
                code: None,
                name: format!(
                    "SMB1 (its NEGOTIATE answered in SMB1, frame {})",
                    s.response_frame.unwrap_or(s.request_frame)
                ),
            })
        })
        .collect()
}

/// Why no connection negotiated a dialect: NEGOTIATE responses that chose
/// none, or none at all.
fn no_dialect(model: &Model) -> String {
    let why: Vec<String> = model
        .connections
        .iter()
        .filter_map(|c| {
            if let Some(s) = c
                .smb1_negotiate
                .as_ref()
                .filter(|s| s.answer == Some("none"))
            {
                return Some(format!(
                    "stream {}: the SMB1 NEGOTIATE answered with no common dialect (frame {})",
                    c.stream,
                    s.response_frame.unwrap_or(s.request_frame)
                ));
            }
            let n = c.negotiate.as_ref()?;
            let (frame, status) = (n.response_frame?, n.status?);
            Some(format!(
                "stream {}: NEGOTIATE answered {status} without a dialect (frame {frame})",
                c.stream
            ))
        })
        .collect();
    if why.is_empty() {
        "no NEGOTIATE response in the capture".to_string()
    } else {
        format!("no dialect negotiated: {}", some(why))
    }
}

/// A dialect as the report prints it ("3.1.1"), from that name or from
/// the DialectRevision in hex ("0x0311"; one without a name is printed so,
/// "0x0399"). Not the 0x02FF wildcard ("2.???"): it answers an SMB1
/// NEGOTIATE and is followed by the real one, never what a connection ends
/// with.
pub fn dialect_name(d: &str) -> Result<String, String> {
    use crate::smb2::negotiate::Dialect;
    let wildcard = Dialect::SMB2_WILDCARD.to_string();
    let t = d.trim();
    let name = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) if h.len() <= 4 => u16::from_str_radix(h, 16)
            .ok()
            .map(|c| Dialect(c).to_string()),
        Some(_) => None,
        None => Dialect::NAMES.contains(&t).then(|| t.to_string()),
    };
    match name {
        Some(n) if n != wildcard => Ok(n),
        _ => {
            let names: Vec<&str> = Dialect::NAMES
                .iter()
                .copied()
                .filter(|n| *n != wildcard)
                .collect();
            Err(format!(
                "unknown dialect {d:?}; one of {} (or a DialectRevision in hex, e.g. 0x0311)",
                names.join(", ")
            ))
        }
    }
}

pub fn expect_dialect(model: &Model, wanted: &str) -> CheckResult {
    let name = format!("expect-dialect {wanted}");
    let wanted = match dialect_name(wanted) {
        Ok(d) => d,
        Err(e) => return result(name, false, e),
    };
    let seen = negotiated(model);
    if seen.is_empty() {
        return result(name, false, no_dialect(model));
    }
    let list = some(
        seen.iter()
            .map(|x| format!("stream {}: {}", x.stream, x.name))
            .collect(),
    );
    let pass = seen.iter().all(|x| x.code.is_some() && x.name == wanted);
    result(name, pass, list)
}

/// `--require smb3`: every connection that negotiated a dialect
/// negotiated SMB 3.x, at least one did.
pub fn require_smb3(model: &Model, name: String) -> CheckResult {
    let seen = negotiated(model);
    if seen.is_empty() {
        return result(name, false, no_dialect(model));
    }
    let bad: Vec<String> = seen
        .iter()
        .filter(|x| x.code.is_none_or(|c| c < 0x0300))
        .map(Negotiated::describe)
        .collect();
    let pass = bad.is_empty();
    result(
        name,
        pass,
        if pass {
            format!("{} connection(s), all SMB 3.x", seen.len())
        } else {
            some(bad)
        },
    )
}

/// The denies of connections (`smb1`, `smb1-offered`, `smb2`); `None` for
/// another.
pub fn deny(model: &Model, what: &str) -> Option<CheckResult> {
    let name = format!("deny {what}");
    let (bad, unknown, fine) = match what {
        "smb1" => smb1_used(model),
        "smb1-offered" => (smb1_offered(model), Vec::new(), Vec::new()),
        "smb2" => (smb2_negotiated(model), smb2_unknown(model), Vec::new()),
        _ => return None,
    };
    if !bad.is_empty() {
        let mut t = some(bad);
        if !unknown.is_empty() {
            t.push_str(&format!("; cannot tell for {} more", unknown.len()));
        }
        return Some(result(name, false, t));
    }
    if !unknown.is_empty() {
        return Some(cannot_tell(name, &some(unknown)));
    }
    let mut t = format!(
        "none in {} session(s), {} connection(s)",
        model.sessions.len(),
        model.connections.len()
    );
    if !fine.is_empty() {
        t.push_str(&format!(
            "; SMB1 offered, not used, on {}: {}",
            fine.len(),
            some(fine)
        ));
    }
    Some(result(name, true, t))
}

/// "stream 0 frame 4: SMB1 NEGOTIATE offering NT LM 0.12, SMB 2.002".
fn offering(c: &Connection, n: &crate::session::Smb1Negotiate) -> String {
    format!(
        "stream {} frame {}: SMB1 NEGOTIATE offering {}",
        c.stream,
        n.request_frame,
        n.dialects.join(", ")
    )
}

/// How the server answered an SMB1 NEGOTIATE, as the evidence says it
/// after [`offering`]: "answered in SMB2 (frame 6)", "answered with the
/// SMB1 dialect NT LM 0.12 (frame 6)", "answered with no common dialect
/// (frame 6)", "its answer not in the capture".
fn answer(n: &crate::session::Smb1Negotiate) -> String {
    // An answer has its frame.
    let frame = n
        .response_frame
        .map_or_else(String::new, |f| format!(" (frame {f})"));
    match (n.answer, &n.dialect) {
        (Some("smb2"), _) => format!("answered in SMB2{frame}"),
        (Some("smb1"), Some(d)) => format!("answered with the SMB1 dialect {d}{frame}"),
        (Some("smb1"), None) => format!(
            "answered in SMB1 with a DialectIndex past the {} dialect(s) offered{frame}",
            n.dialects.len()
        ),
        (Some(_), _) => format!("answered with no common dialect{frame}"),
        (None, _) => "its answer not in the capture".to_string(),
    }
}

/// `--deny smb1-offered`: every SMB1 NEGOTIATE, whatever its answer, and
/// an SMB1 command answered on a connection whose NEGOTIATE is not in the
/// capture ([`midstream`]).
fn smb1_offered(model: &Model) -> Vec<String> {
    model
        .connections
        .iter()
        .filter_map(|c| match &c.smb1_negotiate {
            Some(n) => Some(format!("{}, {}", offering(c, n), answer(n))),
            None => midstream(c),
        })
        .collect()
}

/// An SMB1 command other than NEGOTIATE answered on a connection whose
/// NEGOTIATE is not in the capture: with success, or else with an error,
/// which a server sends only once an SMB1 dialect is negotiated ([MS-CIFS]
/// 2.2.4.52: "an SMB_COM_NEGOTIATE exchange MUST be completed before any
/// other SMB messages are sent"); `None` when none was.
fn midstream(c: &Connection) -> Option<String> {
    let (f, how) = match (c.smb1_used_frame, c.smb1_answered_frame) {
        (Some(f), _) => (f, "answered with success"),
        (None, Some(f)) => (
            f,
            "answered with an error, which a server sends only after an SMB1 dialect is negotiated",
        ),
        (None, None) => return None,
    };
    Some(format!(
        "stream {} frame {f}: an SMB1 command {how} (the NEGOTIATE is not in the capture)",
        c.stream
    ))
}

/// What a connection shows of SMB1 in use, for `--deny smb1`.
enum Smb1Use {
    /// An SMB1 dialect negotiated, or an SMB1 command answered.
    Used(String),
    /// SMB1 offered, and the server answered in SMB2, or with no dialect,
    /// or never.
    NotUsed(String),
    /// SMB1 offered, and the capture lacks the answer.
    Unknown(String),
}

/// `--deny smb1`: the connections that used SMB1, those the capture
/// cannot tell on, and those that offered it and did not use it.
fn smb1_used(model: &Model) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut used, mut unknown, mut fine) = (Vec::new(), Vec::new(), Vec::new());
    for c in &model.connections {
        match smb1_use(c) {
            Some(Smb1Use::Used(t)) => used.push(t),
            Some(Smb1Use::Unknown(t)) => unknown.push(t),
            Some(Smb1Use::NotUsed(t)) => fine.push(t),
            None => {}
        }
    }
    (used, unknown, fine)
}

/// How `c` used SMB1; `None` when it shows none.
fn smb1_use(c: &Connection) -> Option<Smb1Use> {
    let Some(n) = c.smb1_negotiate.as_deref() else {
        return midstream(c).map(Smb1Use::Used);
    };
    let offer = offering(c, n);
    if n.answer == Some("smb1") {
        return Some(Smb1Use::Used(format!("{offer}, {}", answer(n))));
    }
    if let Some(f) = c.smb1_used_frame {
        return Some(Smb1Use::Used(format!(
            "{offer}, {}; frame {f}: an SMB1 command answered with success",
            answer(n)
        )));
    }
    if n.answer.is_some() {
        return Some(Smb1Use::NotUsed(format!("{offer}, {}", answer(n))));
    }
    Some(match unanswered(c) {
        Ok(why) => Smb1Use::NotUsed(format!("{offer}, {why}")),
        Err(why) => Smb1Use::Unknown(format!(
            "{offer}, its answer not in the capture: {why}; whether the server chose an SMB1 dialect is not known"
        )),
    })
}

/// An SMB1 NEGOTIATE whose answer the capture lacks: `Ok` with what shows
/// that no SMB1 dialect was chosen (the client went on in SMB2, which it
/// does after an SMB2 answer, [MS-SMB2] 3.2.5.2), or `Err` with why it is
/// not known. A connection that ended with no answer is not taken for one
/// the server never answered: the capture may have lost the answer before
/// the server's FIN, a gap the TCP layer does not count in
/// `server_gap_bytes` (smb1-client-vs-smb2-server without its frame 6).
fn unanswered(c: &Connection) -> Result<String, String> {
    if let Some(x) = c.negotiate.as_ref() {
        // A NEGOTIATE entry has a request or a response.
        let frame = x
            .request_frame
            .or(x.response_frame)
            .map_or_else(String::new, |f| format!(" (frame {f})"));
        return Ok(format!(
            "its answer not in the capture, followed by an SMB2 NEGOTIATE{frame}"
        ));
    }
    if c.server_gap_bytes > 0 {
        return Err(format!(
            "the capture lacks {} byte(s) the server sent",
            c.server_gap_bytes
        ));
    }
    Err(match &c.end {
        Some(e) if e.reason != "capture_end" => {
            format!("the connection ended (frame {}) without it", e.frame)
        }
        _ => "the capture ends before it".to_string(),
    })
}

/// `--deny smb2`: the connections that negotiated SMB 2.0.2 or 2.1 (or a
/// pre-release 2.x).
fn smb2_negotiated(model: &Model) -> Vec<String> {
    model
        .connections
        .iter()
        .filter_map(|c| {
            c.negotiate
                .as_ref()
                .filter(|n| {
                    n.dialect_code != 0 && n.dialect_code < 0x0300 && n.dialect_code != 0x02FF
                })
                .map(|n| {
                    format!(
                        "stream {} negotiated SMB {}",
                        c.stream,
                        n.dialect
                            .map_or_else(|| "2.x".to_string(), |d| d.to_string())
                    )
                })
        })
        .collect()
}

/// `--deny smb2` cannot tell on a connection that carried SMB but whose
/// NEGOTIATE is not in the capture and that shows no SMB 3.x encryption or
/// compression.
fn smb2_unknown(model: &Model) -> Vec<String> {
    model
        .connections
        .iter()
        .filter(|c| {
            smb_messages(c) > 0
                && c.negotiate.is_none()
                && c.smb1_negotiate.is_none()
                && c.smb1_answered_frame.is_none()
                && c.encrypted_messages == 0
                && c.compressed_messages == 0
        })
        .map(|c| {
            format!(
                "stream {}: its NEGOTIATE is not in the capture (it starts mid-connection), so the dialect is not known",
                c.stream
            )
        })
        .collect()
}
