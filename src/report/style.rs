//! Colour for the text report: ANSI escapes only when standard output is a
//! terminal and NO_COLOR (https://no-color.org) is unset or empty.

use std::io::IsTerminal;

use crate::diagnose::Severity;
use crate::ntstatus::NtStatus;

/// Whether to colour.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(self, code: &str, s: &str) -> String {
        if self.color && !s.is_empty() {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// A status name: green for success, yellow for a normal step, red for an error.
    pub fn status(self, code: u32, text: &str) -> String {
        let c = if code == 0 {
            "32"
        } else if crate::ntstatus::is_benign(code) || !NtStatus(code).is_error() {
            "33"
        } else {
            "31"
        };
        self.paint(c, text)
    }

    pub fn severity(self, s: Severity, text: &str) -> String {
        let c = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "36",
        };
        self.paint(c, text)
    }

    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }

    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
}

/// Wraps `text` to `width` columns, each line starting with `indent`.
pub fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    wrap_into(&mut out, text, indent, width);
    out
}

/// [`wrap`], appending to `out` without building each line apart.
pub fn wrap_into(out: &mut String, text: &str, indent: &str, width: usize) {
    // Characters on the current line after the indent; 0 means none yet.
    let mut line_chars = 0usize;
    let mut started = false;
    for word in text.split_whitespace() {
        let word_chars = if word.is_ascii() {
            word.len()
        } else {
            word.chars().count()
        };
        if started {
            if indent.len() + line_chars + 1 + word_chars > width {
                out.push('\n');
                out.push_str(indent);
                line_chars = 0;
            } else {
                out.push(' ');
                line_chars += 1;
            }
        } else {
            out.push_str(indent);
            started = true;
        }
        out.push_str(word);
        line_chars += word_chars;
    }
    if started {
        out.push('\n');
    }
}

/// Cuts `s` to `width` characters, ending with "…" when cut.
pub fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_cuts() {
        assert_eq!(wrap("a bb ccc dddd", "  ", 9), "  a bb\n  ccc\n  dddd\n");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }

    #[test]
    fn no_color_is_plain() {
        let s = Style { color: false };
        assert_eq!(s.status(0xC000_006D, "X"), "X");
        let c = Style { color: true };
        assert_eq!(c.status(0, "OK"), "\x1b[32mOK\x1b[0m");
    }
}
