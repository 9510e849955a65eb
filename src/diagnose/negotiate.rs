//! Negotiate failures ([MS-SMB2] 3.3.5.3, 3.3.5.4; [MS-CIFS] 2.2.4.52).

use crate::ntstatus::NtStatus;
use crate::session::{Connection, Model};

use super::{Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        smb1(c, out);
        negotiate_error(c, out);
    }
}

/// An SMB1 NEGOTIATE the server could not answer with a common dialect.
fn smb1(c: &Connection, out: &mut Sink) {
    let Some(s) = &c.smb1_negotiate else { return };
    if s.answer != Some("none") {
        return;
    }
    let frames = [s.request_frame].into_iter().chain(s.response_frame);
    let d = if s.offers_smb2 {
        Draft::new(Severity::Error, "negotiate.no_common_dialect", "No common SMB dialect")
            .explain(format!("The client offered {} and the server accepted none of them (DialectIndex 0xFFFF).", s.dialects.join(", ")))
            .next("Compare the client's and server's protocol ranges (Samba: 'client/server min protocol', 'server max protocol'; Windows: Get-SmbServerConfiguration).")
    } else {
        Draft::new(Severity::Error, "negotiate.smb1_only_client", "The client speaks only SMB1; the server requires SMB2 or later")
            .explain(format!("The client's NEGOTIATE offered only SMB1 dialects ({}), and the server, which has SMB1 disabled, answered that it supports none of them (DialectIndex 0xFFFF).", s.dialects.join(", ")))
            .next("Enable SMB2/SMB3 on the client (Samba: 'client min protocol = SMB2_10' and a max protocol of SMB3; old devices need a firmware update) rather than re-enabling SMB1 on the server.")
    };
    out.push(
        d.stream(c.stream)
            .frames(frames)
            .status("DialectIndex 0xFFFF")
            .done(),
    );
}

fn negotiate_error(c: &Connection, out: &mut Sink) {
    let Some(n) = &c.negotiate else { return };
    let Some(status) = n.status.map(|st| st.to_string()) else {
        return;
    };
    if status == NtStatus::SUCCESS.to_string() {
        return;
    }
    let no_dialect = status == NtStatus::NOT_SUPPORTED.to_string()
        || status == "STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP";
    let d = if no_dialect {
        Draft::new(
            Severity::Error,
            "negotiate.no_common_dialect",
            "No common SMB dialect",
        )
        .explain(format!(
            "The client offered {} and the server answered {status}.",
            crate::smb2::negotiate::dialect_list(&n.offered_dialects)
        ))
        .next("Compare the client's and server's minimum and maximum protocol versions.")
    } else {
        Draft::new(
            Severity::Error,
            "negotiate.failed",
            format!("NEGOTIATE failed with {status}"),
        )
        .explain(format!(
            "The server refused the NEGOTIATE (client offered {}).",
            crate::smb2::negotiate::dialect_list(&n.offered_dialects)
        ))
        .next("Check the server's SMB protocol settings and its log.")
    };
    out.push(
        d.stream(c.stream)
            .frames(n.request_frame.into_iter().chain(n.response_frame))
            .status(status)
            .done(),
    );
}
