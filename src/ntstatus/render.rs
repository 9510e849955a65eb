//! Text rendering of `status` query results for an 80-column terminal.

use super::{Kind, NtStatus, Report};

/// The width everything is wrapped to.
const WIDTH: usize = 80;

/// Every report in full: code in hex and decimal, name, description, and our
/// explanation (meaning, usual causes, what to check), wrapped to 80
/// columns; reports are separated by a blank line. Empty input gives
/// "No matching status code.\n".
pub fn render_text(reports: &[Report]) -> String {
    if reports.is_empty() {
        return "No matching status code.\n".to_string();
    }
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_one(&mut out, r);
    }
    out
}

/// One line a report ("0xC000006D  STATUS_LOGON_FAILURE  The attempted…"),
/// cut to 80 columns; for long lists of search results. A "*" after the name
/// marks the codes we explain (ask for the code itself to see it).
pub fn render_summary(reports: &[Report]) -> String {
    if reports.is_empty() {
        return "No matching status code.\n".to_string();
    }
    let mut out = String::new();
    for r in reports {
        let mut line = format!(
            "{:<10}  {}{}",
            r.hex,
            r.name.unwrap_or("(unknown)"),
            if r.explanation.is_some() { " *" } else { "" }
        );
        if let Some(d) = r.description {
            line.push_str("  ");
            line.push_str(d);
        }
        if line.chars().count() > WIDTH {
            line = line.chars().take(WIDTH - 3).collect::<String>();
            line.push_str("...");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn render_one(out: &mut String, r: &Report) {
    let title = match (r.kind, r.name) {
        (_, Some(n)) => n.to_string(),
        (Kind::NtStatus, None) => "(not a known NTSTATUS)".to_string(),
        (Kind::Kerberos, None) => "(not a known Kerberos error code)".to_string(),
        (Kind::Dos, None) => "(not a known SMB1 DOS-form error)".to_string(),
        (Kind::Errno, None) => "(not an errno cifs.ko gives)".to_string(),
    };
    out.push_str(&format!("{}  {}\n", r.hex, title));
    let code_line = match r.kind {
        Kind::NtStatus => {
            let s = NtStatus(r.code);
            let mut line = format!("NTSTATUS {} = {}, severity {}", r.hex, r.code, s.severity());
            if s.facility() != 0 {
                line.push_str(&format!(", facility 0x{:03X}", s.facility()));
            }
            line
        }
        Kind::Kerberos => format!("Kerberos error code {} = {}", r.code, r.hex),
        Kind::Dos => dos_code_line(r),
        Kind::Errno => format!("Linux errno {}", r.code),
    };
    wrap_into(out, &format!("Code: {code_line}"), "", "  ");
    if let Some(d) = r.description {
        wrap_into(out, &format!("Description: {d}"), "", "  ");
    }
    if r.benign {
        wrap_into(
            out,
            "Normal: yes, a routine part of the protocol in its usual place, not a fault.",
            "",
            "  ",
        );
    }
    if let Some(d) = &r.dos {
        dos_pairs(out, d);
    }
    if let Some(c) = &r.linux_cifs {
        cifs_line(out, c);
    }
    if let Some(e) = &r.errno {
        errno_facts(out, e);
    }
    if let Some(x) = r.explanation {
        out.push_str("Meaning:\n");
        wrap_into(out, x.meaning, "  ", "  ");
        out.push_str("Usual causes:\n");
        for c in x.causes {
            wrap_into(out, c, "  - ", "    ");
        }
        out.push_str("What to check:\n");
        for c in x.check {
            wrap_into(out, c, "  - ", "    ");
        }
    }
}

/// "Linux cifs (SMB2/3): EACCES (13) …": what cifs.ko returns for the status.
fn cifs_line(out: &mut String, c: &super::CifsErrno) {
    let how = if c.mapped {
        "fs/smb/client/smb2maperror.c, Linux 6.7".to_string()
    } else {
        "cifs.ko's default: smb2maperror.c, Linux 6.7, maps it to no other errno; dmesg names the status".to_string()
    };
    wrap_into(
        out,
        &format!(
            "Linux cifs (SMB2/3): {} ({}, {}), at mount \"{}\" ({how}; smbscope status errno:{} lists the others).",
            c.name, c.errno, c.text, c.mount_error, c.errno
        ),
        "",
        "  ",
    );
}

/// The NTSTATUS values cifs.ko turns into an errno, and its note.
fn errno_facts(out: &mut String, e: &super::ErrnoFacts) {
    wrap_into(
        out,
        &format!("mount.cifs prints: {}", e.mount_error),
        "",
        "  ",
    );
    if e.statuses.is_empty() {
        if e.note.is_none() {
            out.push_str("From a status: none in smb2maperror.c (Linux 6.7).\n");
        }
    } else {
        out.push_str(
            "From cifs.ko (SMB2/3 mounts; fs/smb/client/smb2maperror.c, Linux 6.7), for:\n",
        );
        for name in &e.statuses {
            let code = super::by_name(name).map(|x| x.code).unwrap_or_default();
            let star = if super::explain(code).is_some() {
                " *"
            } else {
                ""
            };
            out.push_str(&format!("  - 0x{code:08X}  {name}{star}\n"));
        }
        wrap_into(
            out,
            "(* explained: smbscope status NAME. dmesg names the status a mount got: \"Status code returned 0xc000006d STATUS_LOGON_FAILURE\".)",
            "",
            "  ",
        );
    }
    if let Some(n) = e.note {
        wrap_into(out, n, "", "  ");
    }
}

/// "SMB1 error in the DOS form …: ErrorClass 0x01 (ERRDOS), ErrorCode
/// 0x0005; Status bytes 01 00 05 00".
fn dos_code_line(r: &Report) -> String {
    let Some(d) = &r.dos else {
        return r.hex.clone();
    };
    let class = match super::dos::class_name(d.error_class) {
        Some(n) => format!("0x{:02X} ({n})", d.error_class),
        None => format!("0x{:02X}", d.error_class),
    };
    let [c0, c1] = d.error_code.to_le_bytes();
    format!(
        "SMB1 error in the DOS form (a response whose Flags2 lacks NT_STATUS, [MS-CIFS] 2.2.3.1): ErrorClass {class}, ErrorCode 0x{:04X} ([MS-CIFS] 2.2.2.4); the Status bytes {:02x} 00 {c0:02x} {c1:02x}",
        d.error_code, d.error_class
    )
}

/// What the DOS-form error of a report stands for: the NTSTATUS [MS-CIFS]
/// pairs it with for a request, and that elsewhere it stands for none.
fn dos_pairs(out: &mut String, d: &super::DosFacts) {
    const MANY: &str = "[MS-CIFS] 2.2.2.4 maps many NTSTATUS values to one DOS code";
    if let Some(e) = &d.same_code {
        wrap_into(
            out,
            &format!("As an NTSTATUS: {} (0x{:08X}), in answer to any request ([MS-CIFS] 2.2.2.4): the same class and code in 32 bits ([MS-SMB] 2.2.2.4), the form a server sends to a client that asked for NT status codes, not an NTSTATUS with a meaning of its own, so the report names it by its DOS name. {}", e.name, e.value, e.note),
            "",
            "  ",
        );
        return;
    }
    if d.paired.is_empty() {
        wrap_into(
            out,
            &format!("As an NTSTATUS: none. {MANY} and pairs this one with none for a request, so the report names it by its DOS name and the findings read it as no NTSTATUS."),
            "",
            "  ",
        );
        return;
    }
    out.push_str("As an NTSTATUS, where [MS-CIFS] pairs it with the request it answers:\n");
    for p in &d.paired {
        wrap_into(
            out,
            &format!(
                "{}: {} (smbscope status {}). {}",
                p.command, p.status, p.status, p.why
            ),
            "  - ",
            "    ",
        );
    }
    wrap_into(
        out,
        &format!("Elsewhere: none. {MANY}, so smbscope reads it as an NTSTATUS only in answer to the request above (the findings, a refused open's holder and open files); the report names it by its DOS name everywhere."),
        "",
        "  ",
    );
}

/// Appends `text` wrapped to WIDTH columns, the first line after `first`,
/// the others after `rest`. A word longer than a line stands alone.
fn wrap_into(out: &mut String, text: &str, first: &str, rest: &str) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        let needed = line.chars().count() + usize::from(!empty) + word.chars().count();
        if !empty && needed > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_to_eighty_columns() {
        let mut out = String::new();
        let text = "word ".repeat(60);
        wrap_into(&mut out, &text, "  - ", "    ");
        assert!(out.lines().count() > 2);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH));
        assert!(out.starts_with("  - word"));
        assert!(out.lines().skip(1).all(|l| l.starts_with("    word")));
    }
}
