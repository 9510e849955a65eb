//! MS17-010 (CVE-2017-0143 to 0148, "EternalBlue") in SMB1: a server that
//! answers the scanners' check as an unpatched one, and the exploit's
//! transaction type confusion ([MS-CIFS] 2.2.4.47, 2.2.4.63).

use crate::ntstatus::NtStatus;
use crate::session::{Connection, Model};

use super::{Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        unpatched(c, out);
        exploit(c, out);
    }
}

/// The check answered as only a server without the update answers it:
/// STATUS_INSUFF_SERVER_RESOURCES ([MS-ERREF] 2.3.1), srv.sys's answer.
fn unpatched(c: &Connection, out: &mut Sink) {
    let Some(ch) = c.ms17_010_check.as_deref() else {
        return;
    };
    if ch.status != Some(NtStatus::INSUFF_SERVER_RESOURCES) {
        return;
    }
    let server = c.server.ip();
    out.push(
        Draft::new(Severity::Error, "posture.ms17_010", format!("The server at {server} lacks the MS17-010 update (EternalBlue)"))
            .explain(format!(
                "The client at {} sent an SMB1 TRANSACTION with the subcommand TRANS_PEEK_NMPIPE on FID 0 (frame {}): the check of vulnerability scanners such as nmap's smb-vuln-ms17-010 and Metasploit's smb_ms17_010. The server answered STATUS_INSUFF_SERVER_RESOURCES, which is what the SMB1 server of Windows without the MS17-010 update (March 2017) answers; an updated server answers with another error, such as STATUS_ACCESS_DENIED or STATUS_INVALID_HANDLE. Such a server runs code sent by anyone who reaches its TCP 445 (CVE-2017-0143 to 0148: EternalBlue, EternalRomance; WannaCry, NotPetya).",
                c.client.ip(),
                ch.request_frame
            ))
            .next(format!("Install the MS17-010 update, or any cumulative update since March 2017, on {server}; disable SMB1 on it (Set-SmbServerConfiguration -EnableSMB1Protocol $false, or remove the SMB1 feature); until then, block TCP 445 and 139 to it from everywhere it is not needed, and check it for signs of compromise."))
            .stream(c.stream)
            .frames([ch.request_frame].into_iter().chain(ch.response_frame))
            .done(),
    );
}

/// TRANSACTION2_SECONDARY requests that continue an NT_TRANSACT.
fn exploit(c: &Connection, out: &mut Sink) {
    let Some(e) = c.eternalblue.as_deref() else {
        return;
    };
    let function = match e.nt_function {
        Some(f) if !(1..=8).contains(&f) => {
            format!(
                " with Function {f}, which is not defined ([MS-CIFS] 2.2.4.62.1 defines 1 to 8),"
            )
        }
        Some(f) => format!(" with Function {f}"),
        None => String::new(),
    };
    out.push(
        Draft::new(Severity::Error, "attack.eternalblue", format!("EternalBlue (MS17-010) exploit from {} against {}", c.client.ip(), c.server))
            .explain(format!(
                "The client sent an SMB1 NT_TRANSACT request (frame {}){function} and then {} TRANSACTION2_SECONDARY request(s) with the same MID, from frame {}. A secondary request must continue a primary of its own type ([MS-CIFS] 2.2.4.47: TRANSACTION2_SECONDARY continues TRANSACTION2); no SMB client mixes them. The mix is how the EternalBlue exploit (CVE-2017-0144) makes the SMB1 server of Windows without the MS17-010 update overflow a buffer while converting extended attributes (srv!SrvOs2FeaListToNt) and run the attacker's code in the kernel; WannaCry and NotPetya spread this way.{}",
                e.nt_transact_frame,
                e.secondaries,
                e.secondary_frame,
                match c.ms17_010_check.as_deref() {
                    Some(ch) if ch.status == Some(NtStatus::INSUFF_SERVER_RESOURCES) => format!(" The same connection first checked that the server lacks the update (frame {}), as the exploit does.", ch.request_frame),
                    _ => String::new(),
                }
            ))
            .next(format!(
                "Treat {} as compromised if it lacks the MS17-010 update: isolate it and look for the DoublePulsar implant and other signs of compromise. Find out what runs on {} (an attacker, a worm, or a penetration test), install the MS17-010 update everywhere, and disable SMB1.",
                c.server.ip(),
                c.client.ip()
            ))
            .stream(c.stream)
            .frames([e.nt_transact_frame, e.secondary_frame])
            .done(),
    );
}
