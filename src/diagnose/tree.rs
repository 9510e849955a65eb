//! TREE_CONNECT failures ([MS-SMB2] 3.3.5.7).

use crate::ntstatus::NtStatus as S;
use crate::session::{Model, Tree};

use super::{nt_check, nt_meaning, Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for t in model.trees.iter().filter(|t| t.status.0 != 0) {
        let dialect = model
            .connection(t.stream)
            .and_then(|c| c.negotiate.as_ref())
            .map(|n| (n.dialect.map(|d| d.to_string()), n.dialect_code));
        out.push(failure(t, dialect).done());
    }
}

fn failure(t: &Tree, dialect: Option<(Option<String>, u16)>) -> Draft {
    let st = t.status;
    let (d_name, d_code) = dialect.unwrap_or((None, 0));
    let cannot_encrypt = d_code != 0 && d_code < 0x0300;
    let share = &t.share;
    // An SMB1 DOS-form error is read as the NTSTATUS [MS-CIFS] pairs it
    // with for a tree connect, and otherwise as no NTSTATUS at all.
    let dos = super::dos::tree(st);
    let d = match dos.map_or(st, |e| e.nt) {
        S::BAD_NETWORK_NAME => Draft::new(Severity::Error, "tree.not_found", format!("Share not found: {share}"))
            .explain(match dos {
                Some(e) => format!("The server has no share by the name in {share} ({st}). {} {}", e.why, nt_meaning(e.nt.0).unwrap_or("")),
                None => format!("The server has no share by the name in {share} (STATUS_BAD_NETWORK_NAME). {}", nt_meaning(st.0).unwrap_or("")),
            })
            .next(nt_check(S::BAD_NETWORK_NAME.0).unwrap_or("List the server's shares (smbclient -L, net view) and check the spelling.")),
        S::ACCESS_DENIED if cannot_encrypt => Draft::new(Severity::Error, "tree.encryption_required", format!("Access to {share} denied: the share probably requires encryption, which SMB {} cannot do", d_name.as_deref().unwrap_or("2.x")))
            .explain(format!("TREE_CONNECT to {share} was refused with STATUS_ACCESS_DENIED on a connection that negotiated SMB {}. SMB 2.x has no encryption, and a server refuses such clients on shares that require it (Samba 'smb encrypt = required', Windows EncryptData / RejectUnencryptedAccess). If the share does not require encryption, the user lacks permission on it.", d_name.as_deref().unwrap_or("2.x")))
            .next("Let the client negotiate SMB 3.0 or later (Samba: 'client max protocol = SMB3'; check 'client min/max protocol'), or check the share's encryption setting and permissions."),
        S::ACCESS_DENIED | S::NETWORK_ACCESS_DENIED => Draft::new(Severity::Error, "tree.access_denied", format!("Access to share {share} denied"))
            .explain(format!("TREE_CONNECT to {share} was refused with {st}: the session's user may not use this share (share permissions, 'valid users', hosts allow), or the share requires encryption. {}", nt_meaning(st.0).unwrap_or("")))
            .next(nt_check(st.0).unwrap_or("Check the share's permissions for the user (Get-SmbShareAccess; Samba: 'valid users', 'read list').")),
        S::INSUFFICIENT_RESOURCES => Draft::new(Severity::Error, "tree.failed", format!("TREE_CONNECT to {share} failed: {st}"))
            .explain(format!("The server refused the tree connect to {share} with {st}. Samba answers a TREE_CONNECT so when the share's connection limit ('max connections') is used up; otherwise the server is short of memory or another resource. {}", nt_meaning(st.0).unwrap_or("")))
            .next("Look at the share's connection limit and who holds its connections (Samba: 'max connections', smbstatus -S; Windows: the share's user limit, Get-SmbShare | select Name,ConcurrentUserLimit), then at the server's memory."),
        _ => Draft::new(Severity::Error, "tree.failed", format!("TREE_CONNECT to {share} failed: {st}"))
            .explain(match super::dos::meaning(st) {
                Some(m) => format!("The server refused the tree connect. {m}"),
                None => nt_meaning(st.0).unwrap_or("The server refused the tree connect.").to_string(),
            })
            .next(nt_check(st.0).unwrap_or("Check the server's log for this share.")),
    };
    d.stream(t.stream)
        .frames([t.request_frame].into_iter().chain(t.response_frame))
        .session(t.session_id)
        .status(st.to_string())
}
