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
//! size takes no more memory than one row (and, for each flexible column,
//! the set of its cells' widths).

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
        let m = self.measure();
        let w = self.layout(&m);
        // A flexible column narrower than its widest cell marks that cell.
        if w.iter().zip(&m.natural).any(|(w, n)| w < n) {
            wrap_into(s, LEGEND, &" ".repeat(INDENT), self.width);
        }
        self.draw(s, &w, flush);
    }

    /// The columns' natural widths (in terminal columns): their widest
    /// cell's, or their header's; and the widths the flexible columns'
    /// cells have, for [`Table::layout`] (which made the rows again for
    /// each flexible column too narrow: four passes over 91k sessions
    /// where two do).
    fn measure(&self) -> Measure {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width().max(1)).collect();
        let mut seen: Vec<Option<Widths>> = (0..widths.len())
            .map(|c| self.flexible.contains(&c).then(Widths::default))
            .collect();
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
                if let Some(Some(set)) = seen.get_mut(c) {
                    set.insert(width);
                }
            }
        }
        Measure {
            natural: widths,
            seen,
        }
    }

    /// The columns' widths on the page: the natural ones when the table
    /// fits; else the fixed columns keep theirs and the flexible ones share
    /// what is left, in the order [`Table::flexible`] names them: each gets
    /// its natural width if that leaves the ones after it their headers,
    /// else the width of its widest cell within that room (its header at
    /// least). So the table is wider than the page only when its fixed
    /// columns are.
    fn layout(&self, m: &Measure) -> Vec<usize> {
        let natural = &m.natural;
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
                let widest = m
                    .seen
                    .get(c)
                    .and_then(Option::as_ref)
                    .map_or(0, |set| set.widest_within(avail));
                w[c] = widest.max(header(c));
            }
            room = room.saturating_sub(w[c]);
        }
        w
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

/// What [`Table::measure`] finds.
struct Measure {
    /// Each column's natural width.
    natural: Vec<usize>,
    /// For each flexible column, the widths its cells have.
    seen: Vec<Option<Widths>>,
}

/// A set of cell widths: a bit per width below [`Widths::SMALL`], the
/// (rare) wider ones in a tree. At most one entry per distinct width, so
/// no more than the rows.
#[derive(Default)]
struct Widths {
    small: [u64; Widths::SMALL / 64],
    large: std::collections::BTreeSet<usize>,
}

impl Widths {
    const SMALL: usize = 512;

    fn insert(&mut self, w: usize) {
        match self.small.get_mut(w / 64) {
            Some(bits) => *bits |= 1 << (w % 64),
            None => {
                self.large.insert(w);
            }
        }
    }

    /// The largest width in the set no larger than `limit`, or 0.
    fn widest_within(&self, limit: usize) -> usize {
        if let Some(&w) = self.large.range(..=limit).next_back() {
            return w;
        }
        let limit = limit.min(Self::SMALL - 1);
        for word in (0..=limit / 64).rev() {
            let mut bits = self.small.get(word).copied().unwrap_or(0);
            if word == limit / 64 {
                // Only the widths up to `limit` in its word.
                let keep = limit % 64;
                if keep < 63 {
                    bits &= (1u64 << (keep + 1)) - 1;
                }
            }
            if bits != 0 {
                return word * 64 + 63 - bits.leading_zeros() as usize;
            }
        }
        0
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

    /// The set answers as the pass over the cells it replaced did: the
    /// widest width no wider than the limit, 0 when none is.
    #[test]
    fn widths_widest_within_is_the_widest_cell_within_the_limit() {
        let sets: [&[usize]; 6] = [
            &[],
            &[0],
            &[1, 63, 64, 65, 127, 128],
            &[5, 511, 512, 513, 2000],
            &[70000],
            &[3, 200, 300, 400, 450, 600, 900],
        ];
        for widths in sets {
            let mut set = Widths::default();
            for &w in widths {
                set.insert(w);
            }
            for limit in (0..1100).chain([69999, 70000, 70001, usize::MAX]) {
                let want = widths.iter().copied().filter(|&w| w <= limit).max();
                assert_eq!(
                    set.widest_within(limit),
                    want.unwrap_or(0),
                    "{widths:?} within {limit}"
                );
            }
        }
    }

    #[test]
    fn control_characters_are_spaces_and_wide_characters_count_double() {
        let rows = vec![vec!["a\nb\x1b", "名前"], vec!["c", "d"]];
        let s = draw(&["one", "two"], &[], &rows, 80);
        assert_eq!(s, "  one   two\n  a b   名前\n  c     d\n");
    }
}
