//! Negotiate failures ([MS-SMB2] 3.3.5.3, 3.3.5.4; [MS-CIFS] 2.2.4.52).

use crate::ntstatus::NtStatus;
use crate::session::{Connection, Model, Negotiate};
use crate::smb2::negotiate::{dialect_list, Dialect};

use super::linux::{self, Cifs};
use super::logon::SLOW_ROUND_SECS;
use super::platform::Platform;
use super::{Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        // Made for a finding that names it only: most connections have none
        // (a walk of each connection's sessions, on session-1g 98,084).
        let client = || super::platform::client_of(model, c);
        smb1(c, &client, out);
        negotiate_error(c, &client, out);
        slow(c, out);
    }
}

/// A NEGOTIATE answered after more than [`SLOW_ROUND_SECS`], as a slow
/// SESSION_SETUP round is reported. A server answers it from what it knows
/// ([MS-SMB2] 3.3.5.3, 3.3.5.4: nothing in it needs a domain controller),
/// so a slow one was busy with something before it answered: with Samba,
/// checking the client's address against names ('hosts allow' / 'hosts
/// deny') or looking its name up ('hostname lookups'), which smbd does when
/// the connection comes in.
fn slow(c: &Connection, out: &mut Sink) {
    let Some(n) = &c.negotiate else { return };
    let Some(d) = n.duration.filter(|d| *d > SLOW_ROUND_SECS) else {
        return;
    };
    // The request answered: the SMB2 NEGOTIATE, or the SMB1 multi-protocol
    // NEGOTIATE the server answered with SMB2.
    let request = n.request_frame.or_else(|| {
        c.smb1_negotiate
            .as_ref()
            .filter(|s| s.response_frame.is_some() && s.response_frame == n.response_frame)
            .map(|s| s.request_frame)
    });
    let frames = request.into_iter().chain(n.response_frame);
    let (seen, check) = n
        .server_lookups
        .as_deref()
        .map_or((String::new(), String::new()), |l| {
            super::tree::lookups_text(c.server.ip(), l)
        });
    out.push(
        Draft::new(Severity::Warning, "negotiate.slow", format!("Slow NEGOTIATE response: {d:.3} s"))
            .explain(format!("The server took {d:.3} s to answer the client's NEGOTIATE. Servers answer it in milliseconds, from what they know: nothing in it needs a domain controller. A server this slow was busy with something else first, usually a name lookup of the client: Samba checks 'hosts allow' and 'hosts deny' when a connection comes in, which looks the client's address up in DNS when they name hosts or domains rather than addresses, and 'hostname lookups = yes' does the same; a DNS server that does not answer makes each lookup wait out its timeout (glibc's resolver: 5 s a try, 2 tries, so about 5 or 10 s). Otherwise the server is overloaded (no free worker, a busy disk or CPU).{seen}"))
            .next(format!("{check}On the server, time a reverse lookup of the client's address (host {client}, or getent hosts {client}) and check the DNS servers it uses (/etc/resolv.conf; Windows: Get-DnsClientServerAddress); on Samba, look for host names in 'hosts allow' / 'hosts deny' and for 'hostname lookups' (testparm -s) and use addresses there; then check the server's load at that time.", client = c.client.ip()))
            .stream(c.stream)
            .frames(frames)
            .done(),
    );
}

/// An SMB1 NEGOTIATE the server could not answer with a common dialect.
fn smb1(c: &Connection, client: &dyn Fn() -> Platform, out: &mut Sink) {
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
            .next(format!("Enable SMB2/SMB3 on the client (Samba: 'client min protocol = SMB2_10' and a max protocol of SMB3; old devices need a firmware update) rather than re-enabling SMB1 on the server.{}", linux::step(&client(), Cifs::LeaveSmb1)))
    };
    // DialectIndex 0xFFFF is an answer, not a status: the finding has none.
    out.push(d.stream(c.stream).frames(frames).done());
}

fn negotiate_error(c: &Connection, client: &dyn Fn() -> Platform, out: &mut Sink) {
    let Some(n) = &c.negotiate else { return };
    let Some(status) = n.status.map(|st| st.to_string()) else {
        return;
    };
    if status == NtStatus::SUCCESS.to_string() {
        return;
    }
    let no_dialect = status == NtStatus::NOT_SUPPORTED.to_string()
        || status == "STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP";
    let d = if let Some(d) = malformed_request(n, &status) {
        d
    } else if no_dialect {
        Draft::new(
            Severity::Error,
            "negotiate.no_common_dialect",
            "No common SMB dialect",
        )
        .explain(format!(
            "The client offered {} and the server answered {status}: {}.",
            dialect_list(&n.offered_dialects),
            if n.offered_dialects.len() == 1 {
                "it does not allow that dialect"
            } else {
                "it allows none of them"
            }
        ))
        .next(no_dialect_next(&n.offered_dialects, &client()))
    } else {
        Draft::new(
            Severity::Error,
            "negotiate.failed",
            format!("NEGOTIATE failed with {status}"),
        )
        .explain(format!(
            "The server refused the NEGOTIATE (client offered {}).",
            dialect_list(&n.offered_dialects)
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

/// What to change when the server allows none of the SMB2 dialects the
/// client offered: the client's range is all the capture shows (a server
/// that refuses names none of its own).
fn no_dialect_next(offered: &[Dialect], client: &Platform) -> String {
    let (Some(lo), Some(hi)) = (offered.iter().min(), offered.iter().max()) else {
        return "Compare the client's and the server's protocol ranges (Samba: 'client min/max protocol', 'server min/max protocol'; Windows: Get-SmbServerConfiguration).".to_string();
    };
    let list = dialect_list(offered);
    // A server allows a range of dialects (Samba's 'server min/max
    // protocol', Windows' SMB2 setting): an offer reaching the newest dialect
    // misses it from below, one reaching the oldest from above.
    if lo.0 >= 0x0300 && *hi == Dialect::SMB3_1_1 {
        format!("The client offered only {list}, so the server's maximum is below {lo}: let the client offer older dialects too (Samba: 'client min protocol = SMB2_10'), or raise the server's maximum (Samba: 'server max protocol = SMB3'; Windows servers before 2016 have no 3.1.1).{}", linux::step(client, Cifs::Older))
    } else if hi.0 < 0x0300 && *lo == Dialect::SMB2_0_2 {
        format!("The client offered only {list}, so the server's minimum is above {hi}: let the client offer SMB 3 (Samba: 'client max protocol = SMB3'), or lower the server's minimum (Samba: 'server min protocol'; Windows: Get-SmbServerConfiguration).{}", linux::step(client, Cifs::Smb3))
    } else {
        format!("The client offered {list}, none of which the server allows: compare the server's range with it (Samba: 'server min protocol' and 'server max protocol' in testparm -s; Windows: Get-SmbServerConfiguration | select EnableSMB2Protocol).")
    }
}

/// STATUS_INVALID_PARAMETER to a NEGOTIATE the client built against the
/// rules of [MS-SMB2] 3.3.5.4: no dialect at all, or SMB 3.1.1 offered
/// without exactly one SMB2_PREAUTH_INTEGRITY_CAPABILITIES context (a server
/// that selects 3.1.1 must then fail the request with that status).
fn malformed_request(n: &Negotiate, status: &str) -> Option<Draft> {
    if status != NtStatus::INVALID_PARAMETER.to_string() {
        return None;
    }
    let (title, why) = if n.client_dialect_count? == 0 {
        (
            "The client's NEGOTIATE offered no dialect".to_string(),
            "Its DialectCount is 0, and [MS-SMB2] 3.3.5.4 has the server fail such a request with STATUS_INVALID_PARAMETER.".to_string(),
        )
    } else {
        let preauth = n.client_preauth_contexts?;
        if preauth == 1 || !n.offered_dialects.contains(&Dialect::SMB3_1_1) {
            return None;
        }
        let carried = match preauth {
            0 => "no SMB2_PREAUTH_INTEGRITY_CAPABILITIES negotiate context".to_string(),
            k => format!("{k} SMB2_PREAUTH_INTEGRITY_CAPABILITIES negotiate contexts"),
        };
        (
            "The client offered SMB 3.1.1 without the preauth-integrity context".to_string(),
            format!(
                "The client offered {} with {carried}. A server that selects 3.1.1 must refuse a NEGOTIATE that does not carry exactly one such context with STATUS_INVALID_PARAMETER ([MS-SMB2] 3.3.5.4): the context sets up the pre-authentication integrity hash that protects the negotiation and session setup of 3.1.1.",
                dialect_list(&n.offered_dialects)
            ),
        )
    };
    Some(
        Draft::new(Severity::Error, "negotiate.invalid_request", title)
            .explain(format!("{why} The fault is the client's, not the server's settings: a client that implements SMB 3.1.1 always sends the context ([MS-SMB2] 3.2.4.2.2.2). Scanners, exploit tools and home-made SMB libraries are the usual senders of such a request."))
            .next("Update the client or its SMB library. To get it working meanwhile, make it offer dialects up to 3.0.2 only, which need no negotiate context (Samba: 'client max protocol = SMB3_02'). If the client is not yours, find out who runs it: it may be a scanner."),
    )
}
