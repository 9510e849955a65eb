//! The report's tables (sessions, trees). A table whose cells all fit the
//! page at their natural width is drawn here, row by row, exactly as
//! comfy-table draws it with the `ASCII_BORDERS_ONLY_CONDENSED` preset (a
//! test compares the two); a table that needs wrapping is given to
//! comfy-table, which wraps cells — unless it has more than
//! [`COMFY_MAX_ROWS`] rows: comfy-table keeps every row and its formatted
//! lines (for 30,000 sessions, ~80 MB and a second), so a table that big is
//! drawn here at its natural width, wider than the page, nothing cut.

use std::fmt::Write as _;

use comfy_table::{presets, ContentArrangement, Table as Comfy};
use unicode_width::UnicodeWidthStr;

/// The most rows given to comfy-table for wrapping.
pub const COMFY_MAX_ROWS: usize = 1000;

/// A table: a header, then rows made on demand by `row(i, row)`, twice (once
/// to measure, once to draw), so no row is kept: each is written into one
/// [`Row`] that is cleared and reused.
pub struct Table<'a, F: Fn(usize, &mut Row)> {
    pub header: &'a [&'a str],
    pub rows: usize,
    pub row: F,
    /// The page width.
    pub width: usize,
}

/// One row's cells, written one after another into a single buffer: text is
/// appended to the current cell (with `push_str`, [`Row::num`] or `write!`)
/// until [`Row::end`] closes it.
#[derive(Default)]
pub struct Row {
    text: String,
    /// Where each closed cell ends in `text`.
    ends: Vec<usize>,
}

impl Row {
    /// Appends `s` to the current cell.
    pub fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// Appends `n` in decimal to the current cell.
    pub fn num(&mut self, n: u64) {
        self.text.push_str(itoa::Buffer::new().format(n));
    }

    /// Closes the current cell; what follows goes into the next one.
    pub fn end(&mut self) {
        self.ends.push(self.text.len());
    }

    /// Appends a whole cell with text `s`.
    pub fn cell(&mut self, s: &str) {
        self.push_str(s);
        self.end();
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// The closed cells, in order.
    fn cells(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        // Cells end where a whole `str` ended, so every slice is valid.
        starts
            .zip(&self.ends)
            .map(|(a, &b)| self.text.get(a..b).unwrap_or_default())
    }
}

impl std::fmt::Write for Row {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

impl<F: Fn(usize, &mut Row)> Table<'_, F> {
    /// Appends the table to `s`, with a newline after it.
    pub fn write(&self, s: &mut String) {
        let m = self.measure();
        if (m.fits && m.ascii) || self.rows > COMFY_MAX_ROWS {
            self.draw(s, &m.widths);
        } else {
            self.comfy(s);
        }
    }

    /// The columns' natural widths (in terminal columns), and whether the
    /// table fits the page with them.
    fn measure(&self) -> Measure {
        // comfy-table gives an empty column one character.
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width().max(1)).collect();
        let mut ascii = self.header.iter().all(|h| h.is_ascii());
        let mut row = Row::default();
        for i in 0..self.rows {
            row.clear();
            (self.row)(i, &mut row);
            // A printable row (the usual case) is checked once, not cell by cell.
            let printable = printable_ascii(&row.text);
            for (c, cell) in row.cells().enumerate() {
                let width = if printable || printable_ascii(cell) {
                    cell.len()
                } else {
                    ascii &= cell.is_ascii() && !cell.contains(['\n', '\r', '\t']);
                    cell.width()
                };
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(width);
                }
            }
        }
        Measure {
            fits: table_width(&widths) <= self.width,
            widths,
            ascii,
        }
    }

    fn draw(&self, s: &mut String, w: &[usize]) {
        let inner = table_width(w) - 2;
        let rule = |s: &mut String, c: char| {
            s.push('+');
            s.extend(std::iter::repeat_n(c, inner));
            s.push_str("+\n");
        };
        rule(s, '-');
        line(s, w, self.header.iter().copied(), false);
        rule(s, '=');
        let mut row = Row::default();
        let mut blank = Blank::new(w);
        for i in 0..self.rows {
            row.clear();
            (self.row)(i, &mut row);
            let printable = printable_ascii(&row.text);
            if !(printable && blank.fill(s, &row)) {
                line(s, w, row.cells(), printable);
            }
        }
        rule(s, '-');
    }

    fn comfy(&self, s: &mut String) {
        let mut t = Comfy::new();
        t.load_preset(presets::ASCII_BORDERS_ONLY_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(self.width).unwrap_or(u16::MAX))
            .set_header(self.header.to_vec());
        let mut row = Row::default();
        for i in 0..self.rows {
            row.clear();
            (self.row)(i, &mut row);
            t.add_row(row.cells().collect::<Vec<_>>());
        }
        let _ = writeln!(s, "{t}");
    }
}

/// What [`Table::measure`] found.
struct Measure {
    widths: Vec<usize>,
    fits: bool,
    /// Every cell is ASCII without control characters (comfy-table's and
    /// our widths agree).
    ascii: bool,
}

/// Every character is printable ASCII (' ' to '~'): one column each.
fn printable_ascii(cell: &str) -> bool {
    cell.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// Borders, one space of padding on each side of a cell, one space between.
fn table_width(w: &[usize]) -> usize {
    w.iter().map(|x| x + 2).sum::<usize>() + w.len().saturating_sub(1) + 2
}

/// One row; a cell with a line break or tab is written on one line with
/// them as spaces (only in tables too big for comfy-table). `printable`:
/// every cell is known to be printable ASCII.
fn line<'a>(s: &mut String, w: &[usize], cells: impl Iterator<Item = &'a str>, printable: bool) {
    s.push('|');
    for (i, (cell, width)) in cells.zip(w).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push(' ');
        let cell_width = if printable || printable_ascii(cell) {
            s.push_str(cell);
            cell.len()
        } else {
            if cell.contains(['\n', '\r', '\t']) {
                s.extend(cell.chars().map(|c| if c.is_control() { ' ' } else { c }));
            } else {
                s.push_str(cell);
            }
            cell.width()
        };
        pad(s, width.saturating_sub(cell_width) + 1);
    }
    s.push_str("|\n");
}

/// A drawn line with empty cells ("|" and spaces, "|\n"), and where each
/// cell's text starts in it: a printable row's cells are copied into it and
/// the line goes out as one piece, as [`line`] would write it.
struct Blank {
    line: Vec<u8>,
    starts: Vec<usize>,
    widths: Vec<usize>,
}

impl Blank {
    fn new(w: &[usize]) -> Blank {
        let mut line = vec![b'|'];
        let mut starts = Vec::with_capacity(w.len());
        for (i, &width) in w.iter().enumerate() {
            if i > 0 {
                line.push(b' ');
            }
            line.push(b' ');
            starts.push(line.len());
            line.resize(line.len() + width + 1, b' ');
        }
        line.extend_from_slice(b"|\n");
        Blank {
            line,
            starts,
            widths: w.to_vec(),
        }
    }

    /// Appends `row` (printable ASCII) drawn in the blank line; false, with
    /// nothing appended, when its cells are not one per column within the
    /// column's width (then [`line`] draws it).
    fn fill(&mut self, s: &mut String, row: &Row) -> bool {
        if row.ends.len() != self.starts.len() {
            return false;
        }
        for ((cell, &at), &width) in row.cells().zip(&self.starts).zip(&self.widths) {
            let Some(room) = self.line.get_mut(at..at + width) else {
                return false;
            };
            let Some((text, rest)) = room.split_at_mut_checked(cell.len()) else {
                return false;
            };
            text.copy_from_slice(cell.as_bytes());
            rest.fill(b' ');
        }
        // Printable ASCII, spaces and '|': always UTF-8.
        match std::str::from_utf8(&self.line) {
            Ok(l) => {
                s.push_str(l);
                true
            }
            Err(_) => false,
        }
    }
}

/// Appends `n` spaces.
fn pad(s: &mut String, mut n: usize) {
    const SPACES: &str = "                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        s.push_str(&SPACES[..k]);
        n -= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(header: &[&str], rows: &[Vec<String>], width: usize) -> (String, String, bool) {
        let t = Table {
            header,
            rows: rows.len(),
            row: |i, r: &mut Row| rows[i].iter().for_each(|c| r.cell(c)),
            width,
        };
        let mut ours = String::new();
        t.write(&mut ours);
        let mut theirs = String::new();
        t.comfy(&mut theirs);
        let m = t.measure();
        (ours, theirs, m.fits && m.ascii)
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn word(&mut self, max: u64) -> String {
            let n = self.next() % (max + 1);
            (0..n)
                .map(|_| char::from(b"abcXYZ019-_\\.()"[(self.next() % 15) as usize]))
                .collect()
        }
    }

    #[test]
    fn drawn_tables_equal_comfy_tables() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut drawn = 0;
        for round in 0..400 {
            let cols = 1 + (rng.next() % 8) as usize;
            let header: Vec<String> = (0..cols).map(|_| rng.word(8)).collect();
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let rows: Vec<Vec<String>> = (0..rng.next() % 6)
                .map(|_| (0..cols).map(|_| rng.word(14)).collect())
                .collect();
            let width = if round % 2 == 0 {
                80
            } else {
                40 + (rng.next() % 60) as usize
            };
            let (ours, theirs, natural) = both(&header, &rows, width);
            assert_eq!(
                ours, theirs,
                "header {header:?} rows {rows:?} width {width}"
            );
            drawn += usize::from(natural);
        }
        assert!(drawn > 100, "the drawn path was taken {drawn} times");
    }

    #[test]
    fn big_tables_are_drawn_at_natural_width() {
        let rows: Vec<Vec<String>> = (0..=COMFY_MAX_ROWS)
            .map(|i| vec![i.to_string(), format!("{}{}", "x".repeat(i % 100), "é")])
            .collect();
        let t = Table {
            header: &["n", "name"],
            rows: rows.len(),
            row: |i, r: &mut Row| rows[i].iter().for_each(|c| r.cell(c)),
            width: 80,
        };
        let mut s = String::new();
        t.write(&mut s);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), rows.len() + 4);
        // Every line as wide as the border, in terminal columns.
        let w = lines[0].width();
        assert!(w > 80);
        assert!(lines.iter().all(|l| l.width() == w), "aligned");
        assert!(
            lines[3 + 99].contains(&format!("{}é", "x".repeat(99))),
            "nothing cut"
        );
    }

    #[test]
    fn wide_or_non_ascii_tables_go_to_comfy_table() {
        let rows = vec![vec!["x".repeat(90), "y".into()]];
        let (ours, theirs, natural) = both(&["a", "b"], &rows, 80);
        assert!(!natural);
        assert_eq!(ours, theirs);
        let rows = vec![vec!["Ölçü".into(), "y".into()]];
        let (ours, theirs, natural) = both(&["a", "b"], &rows, 80);
        assert!(!natural);
        assert_eq!(ours, theirs);
    }
}
