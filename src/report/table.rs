//! The report's tables (sessions, trees), drawn like the timeline: no
//! borders, a header line, two spaces before the first column and between
//! columns, every column as wide as its widest cell. A table wider than the
//! page gives up room in its *flexible* columns (a user, a share, a list of
//! errors) and only there: a cell is never broken, so a status, a session
//! id or a byte count stays whole. A flexible cell too long for the room its
//! column got is marked [`MARK`] in the row and written in full on a line of
//! its own under the row, `header: value` (wrapped at spaces when longer
//! than the page; a word longer than a line is not cut). The rows are made
//! twice (once to measure, once to draw) and none is kept, so a table of any
//! size takes no more memory than one row.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::style::wrap_into;

/// Where a cell too long for its column stands in the row: its text is on
/// a line under the row.
pub const MARK: &str = "↓";

/// What a [`MARK`] stands for, in words: written above the header of a
/// table that has one, indented as the table and wrapped to its page.
pub const LEGEND: &str =
    "(↓ marks a cell too long for its column: it is written whole under the row)";

/// Spaces before the first column.
const INDENT: usize = 2;
/// Spaces between columns.
const GAP: usize = 2;

/// A table: a header, then rows made on demand by `row(i, row)`, twice (once
/// to measure, once to draw), so no row is kept: each is written into one
/// [`Row`] that is cleared and reused.
pub struct Table<'a, F: Fn(usize, &mut Row)> {
    pub header: &'a [&'a str],
    /// The columns (indexes) that give up room when the table is wider than
    /// the page; the others always have their natural width.
    pub flexible: &'a [usize],
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
    /// Appends the table to `s`.
    pub fn write(&self, s: &mut String) {
        self.write_with(s, &mut |_| {});
    }

    /// Appends the table to `s`, calling `flush(s)` after each row: it may
    /// write out and empty `s`, so a table of any size needs no more
    /// memory than a few rows.
    pub fn write_with(&self, s: &mut String, flush: &mut dyn FnMut(&mut String)) {
        let natural = self.measure();
        let w = self.layout(&natural);
        // A flexible column narrower than its widest cell marks that cell.
        if w.iter().zip(&natural).any(|(w, n)| w < n) {
            wrap_into(s, LEGEND, &" ".repeat(INDENT), self.width);
        }
        self.draw(s, &w, flush);
    }

    /// The columns' natural widths (in terminal columns): their widest
    /// cell's, or their header's.
    fn measure(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width().max(1)).collect();
        let mut row = Row::default();
        for i in 0..self.rows {
            row.clear();
            (self.row)(i, &mut row);
            // A printable row (the usual case) is checked once, not cell by cell.
            let printable = printable_ascii(&row.text);
            for (c, cell) in row.cells().enumerate() {
                let width = if printable {
                    cell.len()
                } else {
                    cell_width(cell)
                };
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(width);
                }
            }
        }
        widths
    }

    /// The columns' widths on the page: the natural ones when the table
    /// fits; else the fixed columns keep theirs and the flexible ones share
    /// what is left, in the order [`Table::flexible`] names them: each gets
    /// its natural width if that leaves the ones after it their headers,
    /// else the width of its widest cell within that room (its header at
    /// least). So the table is wider than the page only when its fixed
    /// columns are.
    fn layout(&self, natural: &[usize]) -> Vec<usize> {
        let mut w = natural.to_vec();
        if table_width(&w) <= self.width {
            return w;
        }
        let flexible: Vec<usize> = self
            .flexible
            .iter()
            .copied()
            .filter(|&c| c < w.len())
            .collect();
        let header = |c: usize| {
            self.header
                .get(c)
                .map_or(1, |h| h.width().max(MARK.width()))
        };
        let fixed: usize = (0..w.len())
            .filter(|c| !flexible.contains(c))
            .map(|c| w[c])
            .sum();
        let mut room = self
            .width
            .saturating_sub(table_width(&w) - w.iter().sum::<usize>() + fixed);
        for (k, &c) in flexible.iter().enumerate() {
            let later: usize = flexible[k + 1..].iter().map(|&c| header(c)).sum();
            let avail = room.saturating_sub(later);
            if natural[c] > avail {
                w[c] = self.widest_within(c, avail).max(header(c));
            }
            room = room.saturating_sub(w[c]);
        }
        w
    }

    /// The width of column `c`'s widest cell no wider than `limit`.
    fn widest_within(&self, c: usize, limit: usize) -> usize {
        let mut widest = 0;
        let mut row = Row::default();
        for i in 0..self.rows {
            row.clear();
            (self.row)(i, &mut row);
            if let Some(cell) = row.cells().nth(c) {
                let cw = cell_width(cell);
                if cw <= limit {
                    widest = widest.max(cw);
                }
            }
        }
        widest
    }

    fn draw(&self, s: &mut String, w: &[usize], flush: &mut dyn FnMut(&mut String)) {
        let mut over: Vec<usize> = Vec::new();
        pad(s, INDENT);
        let mut owed = 0;
        for (c, h) in self.header.iter().enumerate() {
            cell_text(s, h, &mut owed, c);
            owed += w.get(c).copied().unwrap_or(0).saturating_sub(h.width());
        }
        s.push('\n');
        // Where a cell under its row starts: under the second column.
        let under = INDENT + if w.len() > 1 { w[0] + GAP } else { GAP };
        let mut row = Row::default();
        let mut text = String::new();
        for i in 0..self.rows {
            row.clear();
            (self.row)(i, &mut row);
            over.clear();
            let printable = printable_ascii(&row.text);
            pad(s, INDENT);
            let mut owed = 0;
            for (c, cell) in row.cells().enumerate() {
                let width = w.get(c).copied().unwrap_or(0);
                let cw = if printable {
                    cell.len()
                } else {
                    cell_width(cell)
                };
                if cw > width && self.flexible.contains(&c) {
                    over.push(c);
                    cell_text(s, MARK, &mut owed, c);
                    owed += width.saturating_sub(MARK.width());
                } else {
                    if printable {
                        cell_text(s, cell, &mut owed, c);
                    } else {
                        text.clear();
                        sanitize(&mut text, cell);
                        cell_text(s, &text, &mut owed, c);
                    }
                    owed += width.saturating_sub(cw);
                }
            }
            s.push('\n');
            for &c in &over {
                text.clear();
                text.push_str(self.header.get(c).copied().unwrap_or_default());
                text.push_str(": ");
                if let Some(cell) = row.cells().nth(c) {
                    sanitize(&mut text, cell);
                }
                if under + cell_width(&text) <= self.width {
                    pad(s, under);
                    s.push_str(&text);
                    s.push('\n');
                } else {
                    let indent = " ".repeat(under);
                    wrap_into(s, &text, &indent, self.width);
                }
            }
            flush(s);
        }
    }
}

/// Appends a cell's text: first, unless it is empty, the spaces `owed` by
/// the cells before it (their padding and the gap), so that no line ends
/// in spaces.
fn cell_text(s: &mut String, text: &str, owed: &mut usize, column: usize) {
    if column > 0 {
        *owed += GAP;
    }
    if !text.is_empty() {
        pad(s, *owed);
        *owed = 0;
        s.push_str(text);
    }
}

/// Every character is printable ASCII (' ' to '~'): one column each.
fn printable_ascii(cell: &str) -> bool {
    cell.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// `cell` with each control character (a line break, a tab, an escape)
/// as a space, appended to `out`.
fn sanitize(out: &mut String, cell: &str) {
    out.extend(cell.chars().map(|c| if c.is_control() { ' ' } else { c }));
}

/// The terminal columns of `cell` as [`sanitize`] writes it.
fn cell_width(cell: &str) -> usize {
    if printable_ascii(cell) {
        return cell.len();
    }
    cell.chars()
        .map(|c| {
            if c.is_control() {
                1
            } else {
                c.width().unwrap_or(0)
            }
        })
        .sum()
}

/// The indent, the columns and the gaps between them.
fn table_width(w: &[usize]) -> usize {
    INDENT + w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1)
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

    fn draw(header: &[&str], flexible: &[usize], rows: &[Vec<&str>], width: usize) -> String {
        let t = Table {
            header,
            flexible,
            rows: rows.len(),
            row: |i, r: &mut Row| rows[i].iter().for_each(|c| r.cell(c)),
            width,
        };
        let mut s = String::new();
        t.write(&mut s);
        s
    }

    #[test]
    fn a_table_that_fits_has_its_natural_widths() {
        let s = draw(
            &["n", "name", "status"],
            &[1],
            &[
                vec!["0", "alice", "SUCCESS"],
                vec!["12", "", "LOGON_FAILURE"],
            ],
            80,
        );
        assert_eq!(
            s,
            "  n   name   status\n  0   alice  SUCCESS\n  12         LOGON_FAILURE\n"
        );
    }

    #[test]
    fn a_long_flexible_cell_goes_under_its_row_whole() {
        let long = "(ticket cifs/dc1.samples.smbscope.test@SAMPLES.SMBSCOPE.TEST)";
        let rows = vec![
            vec!["0", "0x40eb03c0", long, "KRB_AP_ERR_TKT_NYV", "16-17"],
            vec![
                "1",
                "0x40eb03c1",
                "SAMPLES\\bob",
                "MORE_PROCESSING_REQUIRED",
                "18-19",
            ],
        ];
        let s = draw(
            &["strm", "session", "user", "status", "frames"],
            &[2],
            &rows,
            80,
        );
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 5, "{s}");
        // The legend above the header says what the mark stands for.
        assert_eq!(lines[0], format!("  {LEGEND}"));
        let lines = lines[1..].to_vec();
        for l in &lines {
            assert!(l.width() <= 80 && !l.ends_with(' '), "{l:?}\n{s}");
        }
        // Fixed cells whole; the user column as wide as the room left.
        assert!(lines[1].contains(" KRB_AP_ERR_TKT_NYV "), "{s}");
        assert!(lines[1].contains(&format!(" {MARK} ")), "{s}");
        assert_eq!(lines[2], format!("        user: {long}"));
        assert!(lines[3].contains(" SAMPLES\\bob "), "{s}");
        assert!(lines[3].contains(" MORE_PROCESSING_REQUIRED "), "{s}");
        // The columns stay aligned.
        let at = |l: &str, w: &str| l[..l.find(w).unwrap()].width();
        assert_eq!(at(lines[0], "status"), at(lines[1], "KRB_"), "{s}");
        assert_eq!(at(lines[0], "status"), at(lines[3], "MORE_"), "{s}");
    }

    #[test]
    fn a_cell_longer_than_the_page_is_wrapped_at_spaces_not_cut() {
        let errors = "ACCESS_DENIED x1, SHARING_VIOLATION x2, OBJECT_NAME_NOT_FOUND x3, \
                      INSUFFICIENT_RESOURCES x4";
        let word = "x".repeat(90);
        let rows = vec![vec!["0", "share", errors], vec!["1", &word, "-"]];
        let s = draw(&["strm", "share", "errors"], &[1, 2], &rows, 40);
        let words: Vec<&str> = s.split_whitespace().collect();
        for w in errors.split(' ').chain([word.as_str()]) {
            assert!(words.contains(&w), "{w} whole in\n{s}");
        }
        for l in s.lines() {
            let one_word = !l.trim().contains(' ');
            assert!(l.width() <= 40 || one_word, "{l:?}\n{s}");
        }
        assert!(s.contains("        errors: ACCESS_DENIED x1,"), "{s}");
    }

    #[test]
    fn fixed_columns_keep_their_width_even_past_the_page() {
        let rows = [vec!["x".repeat(50), "y".repeat(50)]];
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let s = draw(&["a", "b"], &[], &rows, 80);
        assert_eq!(
            s.lines().nth(1),
            Some(format!("  {}  {}", "x".repeat(50), "y".repeat(50)).as_str())
        );
    }

    #[test]
    fn control_characters_are_spaces_and_wide_characters_count_double() {
        let rows = vec![vec!["a\nb\x1b", "名前"], vec!["c", "d"]];
        let s = draw(&["one", "two"], &[], &rows, 80);
        assert_eq!(s, "  one   two\n  a b   名前\n  c     d\n");
    }
}
