//! Compression transforms a server must refuse ([MS-SMB2] 3.3.5.2.1.2),
//! among them the integer overflow of CVE-2020-0796 ("SMBGhost").

use crate::session::{BadCompression, CompressionFault, Connection, Model};

use super::{Draft, Severity, Sink};

pub(super) fn findings(model: &Model, out: &mut Sink) {
    for c in &model.connections {
        if let Some(b) = c.bad_compression.as_deref() {
            out.push(finding(c, b));
        }
    }
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
