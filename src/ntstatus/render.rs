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
