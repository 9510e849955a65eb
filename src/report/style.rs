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

    /// A status name coloured by what it means ([`StatusKind::of`]).
    pub fn status(self, code: u32, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 9);
        self.status_into(&mut out, code, text);
        out
    }

    /// [`Style::status`], appended to `out`.
    pub fn status_into(self, out: &mut String, code: u32, text: &str) {
        self.status_kind_into(out, StatusKind::of(code), text);
    }

    /// A status name coloured as `kind`, appended to `out`: for a status
    /// whose meaning its context decides (an error code that is a normal
    /// step where it came).
    pub fn status_kind_into(self, out: &mut String, kind: StatusKind, text: &str) {
        if !self.color || text.is_empty() {
            out.push_str(text);
            return;
        }
        out.push_str("\x1b[");
        out.push_str(kind.color());
        out.push('m');
        out.push_str(text);
        out.push_str("\x1b[0m");
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

/// [`wrap`], appending to `out` without building each line apart; returns
/// the number of lines written.
pub fn wrap_into(out: &mut String, text: &str, indent: &str, width: usize) -> usize {
    out.reserve(text.len() + indent.len() + 1);
    if text.is_ascii() {
        return wrap_ascii(out, text, indent, width);
    }
    // Characters on the current line after the indent; 0 means none yet.
    let mut line_chars = 0usize;
    let mut started = false;
    let mut lines = 0;
    for word in text.split_whitespace() {
        let word_chars = text_width(word);
        if started {
            if indent.len() + line_chars + 1 + word_chars > width {
                out.push('\n');
                lines += 1;
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
        lines += 1;
    }
    lines
}

/// [`wrap_into`] for ASCII text: the words are those of `split_whitespace`
/// (between runs of '\t', '\n', '\x0B', '\x0C', '\r' and ' '), and the
/// words of a line that stand one space apart in `text` are copied at once.
fn wrap_ascii(out: &mut String, text: &str, indent: &str, width: usize) -> usize {
    let b = text.as_bytes();
    if !has_control_byte(b) {
        return wrap_spaced(out, text, indent, width);
    }
    let is_space = |c: u8| matches!(c, b'\t'..=b'\r' | b' ');
    // The words of the current line not copied yet: `text[run.0..run.1]`.
    let mut run = (0, 0);
    // Characters on the current line after the indent.
    let mut line_chars = 0usize;
    let mut started = false;
    let mut lines = 0;
    let mut i = 0;
    loop {
        let gap = i;
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i == b.len() {
            break;
        }
        let from = i;
        while i < b.len() && !is_space(b[i]) {
            i += 1;
        }
        let chars = i - from;
        if !started {
            out.push_str(indent);
            started = true;
            run = (from, i);
            line_chars = chars;
        } else if indent.len() + line_chars + 1 + chars > width {
            out.push_str(&text[run.0..run.1]);
            out.push('\n');
            lines += 1;
            out.push_str(indent);
            run = (from, i);
            line_chars = chars;
        } else {
            if from - gap == 1 && b[gap] == b' ' {
                run.1 = i;
            } else {
                out.push_str(&text[run.0..run.1]);
                out.push(' ');
                run = (from, i);
            }
            line_chars += 1 + chars;
        }
    }
    if started {
        out.push_str(&text[run.0..run.1]);
        out.push('\n');
        lines += 1;
    }
    lines
}

/// [`wrap_ascii`] for text whose only whitespace is ' ': a line's words
/// are the text up to the last space within the room after the indent,
/// found from that end instead of word by word (a first word longer than
/// the room has a line of its own). Only a line whose room holds two
/// spaces together (the words of a summary and of its security blob are
/// two spaces apart) is made word by word, to set its words one apart.
fn wrap_spaced(out: &mut String, text: &str, indent: &str, width: usize) -> usize {
    let t = text.trim_matches(' ');
    let b = t.as_bytes();
    let room = width.saturating_sub(indent.len());
    // The first two spaces together at or after `at` (`at` starts a word).
    let mut at = 0;
    let mut double = double_space(b).unwrap_or(b.len());
    let mut lines = 0;
    while at < b.len() {
        if double < at {
            double = double_space(&b[at..]).map_or(b.len(), |d| at + d);
        }
        out.push_str(indent);
        // The line ends before `end`; `next` starts the following one.
        let end = if double + 1 < b.len().min(at + room + 1) {
            words_into(out, t, at, room)
        } else {
            let end = if b.len() - at <= room {
                b.len()
            } else {
                // at + room < b.len(): in bounds.
                b[at..=at + room]
                    .iter()
                    .rposition(|&c| c == b' ')
                    .or_else(|| b[at..].iter().position(|&c| c == b' '))
                    .map_or(b.len(), |k| at + k)
            };
            out.push_str(&t[at..end]);
            end
        };
        out.push('\n');
        lines += 1;
        at = end + b[end..].iter().take_while(|&&c| c == b' ').count();
    }
    lines
}

/// Writes the words of `t` from `at` (a word's start) one space apart, as
/// many as fit in `room` characters (the first whatever its length);
/// returns where the line's text ends.
fn words_into(out: &mut String, t: &str, at: usize, room: usize) -> usize {
    let b = t.as_bytes();
    let mut used = 0;
    let mut from = at;
    let mut end = at;
    while from < b.len() {
        let to = b[from..]
            .iter()
            .position(|&c| c == b' ')
            .map_or(b.len(), |p| from + p);
        if used > 0 {
            if used + 1 + (to - from) > room {
                break;
            }
            out.push(' ');
            used += 1;
        }
        out.push_str(&t[from..to]);
        used += to - from;
        end = to;
        from = to + b[to..].iter().take_while(|&&c| c == b' ').count();
    }
    end
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at the start of `c` (which has eight or more).
fn word_at(c: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    for (d, s) in a.iter_mut().zip(c) {
        *d = *s;
    }
    u64::from_le_bytes(a)
}

/// Whether ASCII `b` has a byte below 0x20 ('\t', '\n', '\x0B', '\x0C',
/// '\r' among them), read eight bytes a step.
fn has_control_byte(b: &[u8]) -> bool {
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let x = word_at(c);
        // ASCII bytes have the high bit clear; a borrow only follows a
        // byte that is itself below 0x20.
        if x.wrapping_sub(0x20 * ONES) & !x & HIGH != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| c < 0x20)
}

/// Where the first two spaces together in `b` start, read eight bytes a
/// step.
fn double_space(b: &[u8]) -> Option<usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let mut after_space = false;
    let mut at = 0;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let y = word_at(c) ^ (0x20 * ONES);
        // 0x80 in each byte that is ' ' (exact: no carry between bytes).
        let spaces = !(((y & LOW7) + LOW7) | y) & HIGH;
        if after_space && spaces & 0x80 != 0 {
            return Some(at - 1);
        }
        let pairs = spaces & (spaces >> 8);
        if pairs != 0 {
            return Some(at + pairs.trailing_zeros() as usize / 8);
        }
        after_space = spaces >> 63 != 0;
        at += 8;
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        if c == b' ' {
            if after_space {
                return Some(at + i - 1);
            }
            after_space = true;
        } else {
            after_space = false;
        }
    }
    None
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

/// The terminal columns `s` takes: its bytes when it is ASCII, else its
/// display width (a CJK character takes two, a combining mark none), as
/// the report's tables measure their cells.
#[inline]
pub fn text_width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        unicode_width::UnicodeWidthStr::width(s)
    }
}

/// What a status means to the reader of a timeline, which its colour says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKind {
    /// STATUS_SUCCESS: green.
    Success,
    /// A normal step of the protocol ([`crate::ntstatus::is_benign`]): the
    /// middle round of a multi-round logon (MORE_PROCESSING_REQUIRED,
    /// [MS-SMB2] 3.3.5.5.3), an interim PENDING, the end of a directory
    /// listing or of a file, a named pipe's message longer than the read
    /// (BUFFER_OVERFLOW); or an error code that is one where it came. Cyan,
    /// as the report's notes: nothing to look into.
    Normal,
    /// A warning or informational code ([MS-ERREF] 2.3, severity 2 or 1)
    /// that is not a normal step: yellow.
    Warning,
    /// An error: red.
    Error,
}

impl StatusKind {
    /// The kind of an NTSTATUS (an SMB1 DOS-form error as [`NtStatus`]
    /// holds it, ERRDOS/ERRnofiles and ERRDOS/ERRmoredata normal steps as
    /// the NTSTATUS values they stand for) by its code alone.
    pub fn of(code: u32) -> StatusKind {
        if code == 0 {
            StatusKind::Success
        } else if crate::ntstatus::is_benign(code)
            || crate::ntstatus::dos::is_benign(NtStatus(code))
        {
            StatusKind::Normal
        } else if NtStatus(code).is_error() {
            StatusKind::Error
        } else {
            StatusKind::Warning
        }
    }

    /// Its ANSI colour; the normal steps' is the notes' ([`Style::severity`]
    /// of [`Severity::Info`]).
    fn color(self) -> &'static str {
        match self {
            StatusKind::Success => "32",
            StatusKind::Normal => "36",
            StatusKind::Warning => "33",
            StatusKind::Error => "31",
        }
    }
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

    /// Wide characters take two columns: a line of CJK names wraps at the
    /// width it shows, not at its count of characters (7 names of 4 columns
    /// and their blanks after a 2-column indent: 36; an 8th would make 41).
    #[test]
    fn wraps_wide_characters_by_their_width() {
        let text = "名前 ".repeat(30);
        let out = wrap(&text, "  ", 40);
        for line in out.lines() {
            assert!(text_width(line) <= 40, "{line}: {}", text_width(line));
        }
        assert_eq!(
            out.lines().next(),
            Some(&*format!("  {}", ["名前"; 7].join(" ")))
        );
    }

    #[test]
    fn wrap_matches_split_whitespace() {
        // The wrapping as it was written first, on `split_whitespace`.
        fn reference(text: &str, indent: &str, width: usize) -> String {
            let mut out = String::new();
            let mut line_chars = 0usize;
            let mut started = false;
            for word in text.split_whitespace() {
                let word_chars = word.chars().count();
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
            out
        }
        let texts = [
            "",
            " ",
            "\t\x0B\x0C\r\n ",
            "one",
            "  lead and trail  ",
            "a\tb\x0Bc\x0Cd\re\nf g",
            "token 426 bytes SPNEGO negTokenResp NTLMSSP AUTHENTICATE SAMPLES\\mallory from CLIENT1 (NTLMv2)",
            "averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword and more",
            "non-ASCII: ünïcödé wörds\u{a0}split\u{2003}on\u{85}unicode spaces",
        ];
        // Words of 0 to 12 letters between separators of one to three
        // whitespace characters, ' ' most often.
        let mut random = Vec::new();
        let mut x: u32 = 0x2545_F491;
        for _ in 0..300 {
            let mut t = String::new();
            for _ in 0..(x % 40) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                for _ in 0..(x % 13) {
                    t.push(char::from(b'a' + (x % 26) as u8));
                }
                for k in 0..(1 + (x >> 8) % 3) {
                    let seps = [' ', ' ', ' ', ' ', '\t', '\n', '\x0B', '\x0C', '\r'];
                    t.push(seps[((x >> (10 + 4 * k)) % 9) as usize]);
                }
            }
            random.push(t);
        }
        for t in texts
            .iter()
            .copied()
            .chain(random.iter().map(String::as_str))
        {
            for (indent, width) in [("", 10), ("  ", 20), (SUMMARY_INDENT_FOR_TEST, 80)] {
                let mut out = String::from("x");
                let lines = wrap_into(&mut out, t, indent, width);
                let want = reference(t, indent, width);
                assert_eq!(out, format!("x{want}"), "{t:?}");
                assert_eq!(lines, want.lines().count(), "{t:?}");
            }
        }
    }

    const SUMMARY_INDENT_FOR_TEST: &str = "                       ";

    /// Words one space apart take the fast path; every width, every word
    /// length (longer than a line, exactly the room, one less, one more).
    #[test]
    fn single_spaced_text_wraps_as_word_by_word() {
        let mut x: u32 = 0x9E37_79B9;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for _ in 0..2000 {
            let words = 1 + next() % 12;
            let t: Vec<String> = (0..words)
                .map(|_| {
                    let n = 1 + (next() % 70) as usize;
                    (0..n)
                        .map(|_| char::from(b'!' + (next() % 94) as u8))
                        .collect()
                })
                .collect();
            let t = t.join(" ");
            assert_eq!(double_space(t.as_bytes()), None, "{t:?}");
            for width in [1, 10, 24, 57, 80, 81, 200] {
                let indent = &SUMMARY_INDENT_FOR_TEST[..(next() % 24) as usize];
                let mut out = String::new();
                let lines = wrap_into(&mut out, &t, indent, width);
                let mut want = String::new();
                let mut line_chars = 0usize;
                for (i, word) in t.split(' ').enumerate() {
                    if i > 0 && indent.len() + line_chars + 1 + word.len() <= width {
                        want.push(' ');
                        line_chars += 1;
                    } else {
                        if i > 0 {
                            want.push('\n');
                        }
                        want.push_str(indent);
                        line_chars = 0;
                    }
                    want.push_str(word);
                    line_chars += word.len();
                }
                want.push('\n');
                assert_eq!(out, want, "{t:?} {width}");
                assert_eq!(lines, want.lines().count());
                // The same words with runs of spaces between and around
                // them wrap the same (the words set apart on the stack).
                let spaced: String = t
                    .split(' ')
                    .map(|w| format!("{}{w}", " ".repeat(1 + (next() % 3) as usize)))
                    .collect::<String>()
                    + " ";
                let mut out2 = String::new();
                let lines2 = wrap_into(&mut out2, &spaced, indent, width);
                assert_eq!((out2, lines2), (want, lines), "{spaced:?} {width}");
            }
        }
    }

    /// The eight-bytes-a-step tests agree with their definitions on every
    /// position of a space, a second space and a control byte.
    #[test]
    fn eight_byte_steps_are_their_definitions() {
        let base = b"abcdefghijklmnopqrstuvwxyz0123456789".to_vec();
        for len in 0..base.len() {
            for i in 0..len {
                for j in i..len {
                    for (ci, cj) in [
                        (b' ', b' '),
                        (b' ', b'\t'),
                        (b'\n', b'x'),
                        (0x1f, b' '),
                        (b'~', 0x7f),
                    ] {
                        let mut t = base[..len].to_vec();
                        t[i] = ci;
                        t[j] = cj;
                        let shown = String::from_utf8_lossy(&t).into_owned();
                        let double = t.windows(2).position(|w| w == b"  ");
                        assert_eq!(double_space(&t), double, "{shown:?}");
                        let control = t.iter().any(|&c| c < 0x20);
                        assert_eq!(has_control_byte(&t), control, "{shown:?}");
                    }
                }
            }
        }
    }

    /// The kinds by code of the statuses that are normal steps, and of a
    /// warning that is not one, an error and the DOS forms
    /// ([`crate::ntstatus::is_benign`], [MS-ERREF] 2.3 severities).
    #[test]
    fn status_kinds() {
        use StatusKind::*;
        for (code, kind) in [
            (0x0000_0000, Success),
            (0xC000_0016, Normal),  // MORE_PROCESSING_REQUIRED
            (0x0000_0103, Normal),  // PENDING
            (0x8000_0006, Normal),  // NO_MORE_FILES
            (0xC000_0011, Normal),  // END_OF_FILE
            (0x8000_0005, Normal),  // BUFFER_OVERFLOW
            (0x0000_010C, Normal),  // NOTIFY_ENUM_DIR
            (0x8000_002D, Warning), // STOPPED_ON_SYMLINK
            (0x4000_0000, Warning), // OBJECT_NAME_EXISTS
            (0xC000_006D, Error),   // LOGON_FAILURE
        ] {
            assert_eq!(StatusKind::of(code), kind, "{:?}", NtStatus(code));
        }
        assert_eq!(StatusKind::of(NtStatus::dos(1, 18).0), Normal); // ERRDOS/ERRnofiles
        assert_eq!(StatusKind::of(NtStatus::dos(1, 5).0), Error); // ERRDOS/ERRnoaccess
    }

    #[test]
    fn no_color_is_plain() {
        let s = Style { color: false };
        assert_eq!(s.status(0xC000_006D, "X"), "X");
        let c = Style { color: true };
        assert_eq!(c.status(0, "OK"), "\x1b[32mOK\x1b[0m");
    }
}
