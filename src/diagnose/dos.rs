//! SMB1 errors in the DOS form ([MS-CIFS] 2.2.3.1: Flags2 without
//! NT_STATUS; kept apart from every NTSTATUS, see [`crate::ntstatus::dos`]):
//! what the findings read them as.
//!
//! A DOS-form error is never taken for an NTSTATUS. [MS-CIFS] 2.2.2.4 maps
//! NTSTATUS values to DOS codes many to one (ERRDOS/ERRnoaccess stands for
//! STATUS_ACCESS_DENIED and a dozen others), so a DOS code does not say
//! which NTSTATUS a server meant; only for the request it answers does
//! [MS-CIFS] pair a few ([`dos::PAIRINGS`], which `smbscope status` shows
//! too). Those pairs, and nothing else, make a finding read
//! a DOS-form error as the NTSTATUS it stands for (the finding still shows
//! the DOS name): a SESSION_SETUP_ANDX refused ERRDOS/ERRnoaccess is a
//! failed authentication (3.3.5.43), one refused ERRSRV/ERRbadpw a bad
//! password (its 2.2.2.4 meaning); a TREE_CONNECT_ANDX refused
//! ERRSRV/ERRinvnetname names no share (3.3.5.45), as does ERRDOS 0x0043
//! (ERROR_BAD_NET_NAME, [MS-ERREF] 2.2), smbd's answer.

use crate::ntstatus::dos::{self, SESSION_SETUP_ANDX, TREE_CONNECT_ANDX};
use crate::ntstatus::NtStatus;

/// The NTSTATUS a DOS-form error stands for in its place, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Equivalent {
    pub nt: NtStatus,
    /// A sentence that says so, for the explanation.
    pub why: &'static str,
}

/// The DOS-form error `st` read as an NTSTATUS in answer to `command`,
/// where [`dos::PAIRINGS`] pairs them.
fn paired(st: NtStatus, command: &str) -> Option<Equivalent> {
    dos::paired(st, command).map(|p| Equivalent {
        nt: p.nt,
        why: p.why,
    })
}

/// A SESSION_SETUP_ANDX's DOS-form error read as an NTSTATUS, where
/// [MS-CIFS] says what it is.
pub(super) fn logon(st: NtStatus) -> Option<Equivalent> {
    paired(st, SESSION_SETUP_ANDX)
}

/// A TREE_CONNECT_ANDX's DOS-form error read as an NTSTATUS, where
/// [MS-CIFS] or [MS-ERREF] says what it is.
pub(super) fn tree(st: NtStatus) -> Option<Equivalent> {
    paired(st, TREE_CONNECT_ANDX)
}

/// What a DOS-form error says, for one that stands for no NTSTATUS here:
/// "ERRSRV/ERRerror is an SMB1 error in the DOS form …: non-specific
/// server error."
pub(super) fn meaning(st: NtStatus) -> Option<String> {
    let (class, code) = st.dos_error()?;
    let mut s = st.to_string();
    s.push_str(" is an SMB1 error in the DOS form, ErrorClass/ErrorCode ([MS-CIFS] 2.2.2.4), which a server uses with a client that did not ask for NT status codes");
    match dos::lookup(class, code) {
        Some(e) => {
            s.push_str(": ");
            s.push_str(e.description);
            s.push('.');
        }
        None => s.push_str("; this code is not in our table."),
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ntstatus::dos::{ERRDOS, ERRSRV, ERR_NOACCESS, ERR_NOSUCHSHARE};

    #[test]
    fn only_the_pairs_named() {
        let noaccess = NtStatus::dos(ERRDOS, ERR_NOACCESS);
        assert_eq!(logon(noaccess).map(|e| e.nt), Some(NtStatus::LOGON_FAILURE));
        // ERRnoaccess to a tree connect is no failed logon, nor anything else.
        assert_eq!(tree(noaccess), None);
        assert_eq!(
            tree(NtStatus::dos(ERRDOS, ERR_NOSUCHSHARE)).map(|e| e.nt),
            Some(NtStatus::BAD_NETWORK_NAME)
        );
        assert_eq!(logon(NtStatus::dos(ERRDOS, ERR_NOSUCHSHARE)), None);
        // An NTSTATUS is no DOS-form error, whatever its number.
        assert_eq!(logon(NtStatus::LOGON_FAILURE), None);
        assert_eq!(logon(NtStatus(0x0005_0001)), None);
        assert_eq!(meaning(NtStatus::LOGON_FAILURE), None);
        let m = meaning(NtStatus::dos(ERRSRV, 0x0001)).unwrap_or_default();
        assert!(
            m.starts_with("ERRSRV/ERRerror is an SMB1 error in the DOS form"),
            "{m}"
        );
        assert!(m.ends_with("non-specific server error."), "{m}");
    }
}
