//! Compression transforms a server must refuse ([MS-SMB2] 3.3.5.2.1.2),
//! among them the integer overflow of CVE-2020-0796 ("SMBGhost").

use std::net::IpAddr;

use crate::session::{BadCompression, CompressionFault, Connection, Model};

use super::{Draft, Severity, Sink};

/// Servers a scan finding names before "and N more".
const SERVERS_NAMED: usize = 5;

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        if let Some(b) = c.bad_compression.as_deref() {
            out.push(finding(c, b));
        }
    }
    scans(model, out);
}

/// A connection on which the client asked for SMB 3.1.1 compression in
/// its NEGOTIATE and, once answered, closed it without a SESSION_SETUP:
/// how scanners for CVE-2020-0796 learn whether a server compresses.
fn probe(c: &Connection) -> bool {
    let Some(n) = c.negotiate.as_ref() else {
        return false;
    };
    let smb_messages = c.messages.saturating_sub(c.netbios_messages);
    n.client_compression_offered
        && n.response_frame.is_some()
        && c.bad_compression.is_none()
        && c.session_indexes.is_empty()
        && c.unseen_setup_messages == 0
        // The NEGOTIATE, and before it at most an SMB1 one and its answer.
        && smb_messages <= 4
        && c
            .end
            .as_ref()
            .is_some_and(|e| e.by == "client" && (e.reason == "fin" || e.reason == "reset"))
}

/// attack.smbghost_scan: the probes of one client, one finding.
fn scans(model: &Model, out: &mut Sink) {
    let by_client = super::group::ordered(
        model.connections.iter().filter(|c| probe(c)),
        |c| c.client.ip(),
        |c| (c.client.ip(), Vec::new()),
        |g: &mut (IpAddr, Vec<&Connection>), c| g.1.push(c),
    );
    for (ip, probes) in &by_client {
        if let Some(f) = scan_finding(*ip, probes) {
            out.push(f);
        }
    }
}

fn scan_finding(client: IpAddr, probes: &[&Connection]) -> Option<crate::diagnose::Finding> {
    let first = probes.first()?;
    let mut servers: Vec<IpAddr> = probes.iter().map(|c| c.server.ip()).collect();
    servers.sort_unstable();
    servers.dedup();
    let named: Vec<String> = servers
        .iter()
        .take(SERVERS_NAMED)
        .map(|s| s.to_string())
        .collect();
    let more = match servers.len().saturating_sub(SERVERS_NAMED) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let target = match servers.len() {
        1 => format!("server {}", named.join("")),
        n => format!("{n} servers ({}{more})", named.join(", ")),
    };
    let single = servers.len() == 1;
    let compressing: Vec<String> = probes
        .iter()
        .filter_map(|c| {
            let n = c.negotiate.as_ref()?;
            let (a, f) = (n.compression_algorithm?, n.response_frame?);
            Some(if single {
                format!("{a} (frame {f})")
            } else {
                format!("{} ({a}, frame {f})", c.server.ip())
            })
        })
        .take(SERVERS_NAMED)
        .collect();
    let answered = match (compressing.len(), servers.len()) {
        (0, 1) => " The server answered with no compression algorithm: it does not offer the decompression CVE-2020-0796 is in.".to_string(),
        (0, _) => " No server answered with a compression algorithm: none of them offers the decompression CVE-2020-0796 is in.".to_string(),
        (_, 1) => format!(
            " The server answered with {}, which is what such a scanner reports as possibly vulnerable.",
            compressing.join(", ")
        ),
        _ => format!(
            " These servers answered with a compression algorithm, which is what such a scanner reports as possibly vulnerable: {}.",
            compressing.join(", ")
        ),
    };
    let n = first.negotiate.as_ref();
    let guid = if probes
        .iter()
        .any(|c| c.negotiate.as_ref().is_some_and(|n| n.client_guid_zero()))
    {
        " Its ClientGuid is all zeros, where a client of SMB 2.1 or later sends its own identifier ([MS-SMB2] 2.2.3)."
    } else {
        ""
    };
    let (count, each) = match probes.len() {
        1 => ("a connection".to_string(), "it"),
        k => (format!("{k} connections"), "each connection"),
    };
    Draft::new(
        Severity::Warning,
        "attack.smbghost_scan",
        format!("SMBGhost (CVE-2020-0796) scan from {client} of {target}"),
    )
    .explain(format!(
        "{client} opened {count} to {target}, offered SMB 3.1.1 compression in its NEGOTIATE (frame {}), and closed {each} once answered, without logging on.{guid} That is how scanners for CVE-2020-0796 (\"SMBGhost\", the SMB 3.1.1 decompression of Windows 10 and Windows Server versions 1903 and 1909) find servers to attack: an exploit follows on such a server with a compression transform.{answered}",
        n.and_then(|n| n.request_frame).unwrap_or(first.first_frame)
    ))
    .next(format!(
        "Find out who runs {client}: an authorized vulnerability scan, or an attacker looking for targets (then look for its other connections). Make sure every Windows 10 / Server 1903 or 1909 among the servers has the update for CVE-2020-0796 (KB4551762, March 2020) or SMB compression disabled (registry DisableCompression = 1 under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters)."
    ))
    .covers(probes.iter().map(|c| (c.stream, None)))
    .frames(
        probes
            .iter()
            .take(SERVERS_NAMED)
            .filter_map(|c| c.negotiate.as_ref()?.request_frame),
    )
    .done()
    .into()
}

fn finding(c: &Connection, b: &BadCompression) -> crate::diagnose::Finding {
    let (sender, receiver) = if b.from_client {
        (c.client, c.server)
    } else {
        (c.server, c.client)
    };
    let times = match b.count {
        1 => String::new(),
        n => format!(" ({n} such transforms on the connection, the first shown)"),
    };
    let what = match b.original_size {
        Some(size) => format!(
            "Frame {} carries an SMB2 compression transform from {sender} whose OriginalCompressedSegmentSize is {size}{}{times}.",
            b.frame,
            b.offset
                .map(|o| format!(" and Offset {o}"))
                .unwrap_or_default()
        ),
        None => format!(
            "Frame {} carries an SMB2 compression transform from {sender} (the capture cut its header before OriginalCompressedSegmentSize){times}.",
            b.frame
        ),
    };
    let negotiated = match c.negotiate.as_ref() {
        Some(n) if n.compression_negotiated => " The NEGOTIATE had agreed on compression.",
        Some(n) if n.dialect.is_some() => {
            " The NEGOTIATE had not agreed on any compression algorithm."
        }
        _ => "",
    };
    let after = after(c, b.frame);
    let (d, frames) = match b.fault {
        CompressionFault::Overflow => (
            Draft::new(
                Severity::Error,
                "attack.smbghost",
                format!("SMBGhost (CVE-2020-0796) attempt from {sender} against {receiver}"),
            )
            .explain(format!(
                "{what} Their sum does not fit in 32 bits. No SMB implementation sends this: it is the integer overflow of CVE-2020-0796 (\"SMBGhost\") in the SMB 3.1.1 decompression of Windows 10 and Windows Server versions 1903 and 1909, which exploits use to crash the server or run code on it, and scanners to probe for it. [MS-SMB2] 3.3.5.2.1.2 has a receiver disconnect on a segment larger than it negotiated.{negotiated}{after}"
            ))
            .next(format!(
                "Find out who runs {}: an exploit or a scanner. Make sure the server has the update for CVE-2020-0796 (KB4551762, March 2020) or SMB compression disabled (registry DisableCompression = 1 under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters), and that TCP 445 is not reachable from untrusted networks.",
                sender.ip()
            )),
            b.frame,
        ),
        fault => (
            Draft::new(
                Severity::Warning,
                "connection.compression_refused",
                format!("A compression transform {receiver} must refuse"),
            )
            .explain(format!(
                "{what} {} [MS-SMB2] 3.3.5.2.1.2 (3.2.5.1.1.2 for a client) has the receiver disconnect.{negotiated}{after}",
                match fault {
                    CompressionFault::TooLarge { limit } => format!("That is more than {limit} bytes, 256 plus the header plus the largest of the MaxTransactSize, MaxReadSize and MaxWriteSize the server announced."),
                    _ => "Compression was not negotiated on this connection.".to_string(),
                }
            ))
            .next("Update the sender's SMB implementation; to get it working meanwhile, turn compression off on it (Windows: Set-SmbClientConfiguration -DisableCompression $true, or -RequestCompression $false on the mapping).")
            ,
            b.frame,
        ),
    };
    let end = c
        .end
        .as_ref()
        .filter(|e| e.frame > b.frame)
        .map(|e| e.frame);
    d.stream(c.stream)
        .frames(std::iter::once(frames).chain(end))
        .done()
}

/// What the capture shows after the transform at `frame`.
fn after(c: &Connection, frame: u64) -> String {
    match c.end.as_ref().filter(|e| e.frame > frame) {
        Some(e) if e.reason == "reset" || e.reason == "fin" => format!(
            " Then the {} {} the connection (frame {}).",
            e.by,
            if e.reason == "reset" {
                "reset"
            } else {
                "closed"
            },
            e.frame
        ),
        _ => String::new(),
    }
}
