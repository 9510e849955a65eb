//! What a client's call to the Service Control Manager says of a service
//! ([MS-SCMR] 3.1.4): the service's name and the command line it runs
//! (lpBinaryPathName), read from the request's stub data in NDR ([C706]
//! chapter 14) as far as the capture keeps it. Impacket's smbexec creates
//! a service whose command line is the attacker's command
//! (`%COMSPEC% /Q /c echo CMD ^> \\127.0.0.1\C$\__output ...`); PsExec's
//! names PSEXESVC.exe.
//!
//! Read: RCreateServiceW (opnum 12, 3.1.4.12) and RCreateServiceWOW64W
//! (45, 3.1.4.41, the same parameters), ROpenServiceW (16, 3.1.4.16),
//! RChangeServiceConfigW (11, 3.1.4.11). Their stubs start with an
//! SC_RPC_HANDLE (a context handle of 20 bytes, 2.2.4, [C706] 14.3.9
//! ndr_context_handle); the names are [string] wchar_t*, conformant and
//! varying strings ([C706] 14.3.4.2: MaximumCount, Offset, ActualCount,
//! each a u32, then ActualCount UTF-16 code units with the terminating
//! NUL), each aligned to 4; a [unique] parameter is a referent ID (u32,
//! 0 for NULL) followed at once by its string ([C706] 14.3.11.1, 14.3.12.1:
//! a top-level pointer's referent is not deferred).
//!
//! Bounded: at most [`MAX_UNITS`] code units a string; no panic on any
//! bytes; a string cut by the end of the bytes kept is given as far as it
//! goes, and said cut.

/// RChangeServiceConfigW ([MS-SCMR] 3.1.4.11).
pub const RCHANGE_SERVICE_CONFIG_W: u16 = 11;
/// RCreateServiceW ([MS-SCMR] 3.1.4.12).
pub const RCREATE_SERVICE_W: u16 = 12;
/// ROpenServiceW ([MS-SCMR] 3.1.4.16).
pub const ROPEN_SERVICE_W: u16 = 16;
/// RCreateServiceWOW64W ([MS-SCMR] 3.1.4.41).
pub const RCREATE_SERVICE_WOW64_W: u16 = 45;

/// The calls [`service_args`] reads.
pub const READ: &[u16] = &[
    RCHANGE_SERVICE_CONFIG_W,
    RCREATE_SERVICE_W,
    ROPEN_SERVICE_W,
    RCREATE_SERVICE_WOW64_W,
];

/// UTF-16 code units kept of one string: SC_MAX_PATH_LENGTH is 32768
/// ([MS-SCMR] 2.2.4); a longer command line is cut.
pub const MAX_UNITS: usize = 2048;

/// An SC_RPC_HANDLE ([MS-SCMR] 2.2.4): 20 bytes.
const HANDLE: usize = 20;

/// What a call says of a service.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ServiceArgs {
    /// lpServiceName (RCreateServiceW, ROpenServiceW).
    pub name: Option<String>,
    /// lpBinaryPathName: the command line the service runs
    /// (RCreateServiceW; RChangeServiceConfigW when not NULL).
    pub binary_path: Option<String>,
    /// The bytes kept end before a string read does (or it is longer than
    /// [`MAX_UNITS`]): what is given is its start, the rest unread.
    pub cut: bool,
}

/// What the request of `opnum` with stub data `stub` (as far as kept; its
/// data representation little-endian or not) says of a service; None for
/// another call, or when the stub does not reach the first string.
pub fn service_args(opnum: u16, stub: &[u8], little: bool) -> Option<ServiceArgs> {
    let mut r = Ndr {
        b: stub,
        at: HANDLE,
        little,
    };
    let mut out = ServiceArgs::default();
    match opnum {
        RCREATE_SERVICE_W | RCREATE_SERVICE_WOW64_W => {
            let (name, cut) = r.string()?;
            out.name = Some(name);
            out.cut = cut;
            if cut {
                return Some(out);
            }
            // lpDisplayName, [unique]; then dwDesiredAccess,
            // dwServiceType, dwStartType, dwErrorControl.
            let display = r.unique_string();
            if display.as_ref().is_some_and(|(_, cut)| *cut) || r.skip(16).is_none() {
                out.cut = true;
                return Some(out);
            }
            match r.string() {
                Some((path, cut)) => {
                    out.binary_path = Some(path);
                    out.cut = cut;
                }
                None => out.cut = true,
            }
        }
        ROPEN_SERVICE_W => {
            let (name, cut) = r.string()?;
            out.name = Some(name);
            out.cut = cut;
        }
        RCHANGE_SERVICE_CONFIG_W => {
            // dwServiceType, dwStartType, dwErrorControl, then
            // lpBinaryPathName, [unique]: NULL leaves it as it was.
            r.skip(12)?;
            let (path, cut) = r.unique_string()?;
            if path.is_empty() && !cut {
                return None;
            }
            out.binary_path = Some(path);
            out.cut = cut;
        }
        _ => return None,
    }
    Some(out)
}

/// A reader of NDR data ([C706] 14.2: alignment from the stub's start).
struct Ndr<'a> {
    b: &'a [u8],
    at: usize,
    little: bool,
}

impl Ndr<'_> {
    fn u32(&mut self) -> Option<u32> {
        let four: [u8; 4] = self
            .b
            .get(self.at..self.at.checked_add(4)?)?
            .try_into()
            .ok()?;
        self.at += 4;
        Some(if self.little {
            u32::from_le_bytes(four)
        } else {
            u32::from_be_bytes(four)
        })
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        let to = self.at.checked_add(n)?;
        (to <= self.b.len()).then(|| self.at = to)
    }

    fn align4(&mut self) {
        self.at = self.at.next_multiple_of(4);
    }

    /// A [unique] string: a referent ID, then the string when it is not
    /// 0 (an empty text for NULL); None when the bytes end before it.
    fn unique_string(&mut self) -> Option<(String, bool)> {
        self.align4();
        if self.u32()? == 0 {
            return Some((String::new(), false));
        }
        self.string()
    }

    /// A conformant and varying string of UTF-16 code units, without its
    /// terminating NUL, and whether it is cut; None when the bytes end
    /// before its three counts, or they do not make a string (an Offset
    /// other than 0, an ActualCount over MaximumCount: [C706] 14.3.3.4).
    fn string(&mut self) -> Option<(String, bool)> {
        self.align4();
        let max = self.u32()?;
        let offset = self.u32()?;
        let actual = self.u32()?;
        if offset != 0 || actual > max {
            return None;
        }
        let actual = usize::try_from(actual).ok()?;
        let have = self.b.get(self.at..).unwrap_or(&[]);
        let whole = actual.saturating_mul(2);
        let units = (have.len().min(whole) / 2).min(MAX_UNITS);
        let cut = units < actual;
        let little = self.little;
        let code = have.chunks_exact(2).take(units).map(|c| {
            let pair = [c[0], c[1]];
            if little {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        });
        let mut text: String = char::decode_utf16(code)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        if !cut && text.ends_with('\0') {
            text.pop();
        }
        self.at = self.at.saturating_add(whole);
        Some((text, cut))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No panic and no string past the bytes, whatever they hold: every
    /// length of a stub of NDR counts that claim more than there is.
    #[test]
    fn any_bytes() {
        let mut stub = vec![0u8; 20];
        for n in [u32::MAX, 0x7fff_ffff, 40, 3] {
            stub.extend_from_slice(&n.to_le_bytes());
            stub.extend_from_slice(&0u32.to_le_bytes());
            stub.extend_from_slice(&n.to_le_bytes());
            stub.extend_from_slice(&[0x41, 0]);
        }
        for len in 0..=stub.len() {
            for &op in READ {
                for little in [true, false] {
                    if let Some(a) = service_args(op, &stub[..len], little) {
                        let chars = a.name.iter().chain(&a.binary_path);
                        let chars = chars.map(|s| s.chars().count());
                        assert!(chars.sum::<usize>() <= len);
                    }
                }
            }
        }
    }
}
