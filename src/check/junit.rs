//! JUnit XML for `smbscope check --format junit`: one testsuite per
//! capture, one testcase per check, a `<failure>` for each failed one (the de-facto
//! schema CI systems read: Jenkins, GitLab, GitHub test reporters).

use std::fmt::Write as _;

use super::{CheckOutcome, CheckResult, Unjudged};

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Characters outside XML 1.0's Char production: controls
            // other than tab, newline and carriage return, U+FFFE, U+FFFF
            // (a Rust char is never a surrogate).
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}') =>
            {
                o.push('?')
            }
            c => o.push(c),
        }
    }
    o
}

/// The classname of a capture's testcases: `smbscope.check.` and the
/// capture's path with its dots made underscores (`smbscope.check.
/// nightly/a_pcap`), so that Jenkins, which splits a classname at its last
/// dot into package and class, shows the package `smbscope.check` and the
/// capture as the class, and a testcase of one capture is told from the
/// same check of another (GitLab keys a testcase by suite, classname and
/// name; Jenkins lists cases by classname and name).
fn classname(file: &str) -> String {
    format!("smbscope.check.{}", file.replace('.', "_"))
}

/// The `type` of a check's `<failure>`: `check` for a violation (the
/// capture shows what the check forbids, or lacks what it needs), and the
/// JSON's `result` for a check the capture cannot judge (`cannot_tell`,
/// `nothing_to_check`): a failure still (a check passes only on what it
/// judged), which GitLab and Jenkins show by type and message apart from a
/// broken policy; unless `--cannot-tell pass` or `--nothing-to-check pass`
/// lets it pass, as a `<skipped>` testcase ([`suite`]).
fn failure_type(o: CheckOutcome) -> &'static str {
    match o {
        CheckOutcome::Pass | CheckOutcome::Fail => "check",
        CheckOutcome::CannotTell => "cannot_tell",
        CheckOutcome::NothingToCheck => "nothing_to_check",
    }
}

/// One capture's `<testsuite>`, with its counts, for [`document`].
pub struct Suite {
    text: String,
    tests: usize,
    failures: usize,
    errors: usize,
}

/// The JUnit document of the captures' suites, one `<testsuite>` each,
/// inside one `<testsuites>` with their totals.
pub fn document(suites: &[Suite]) -> String {
    let tests: usize = suites.iter().map(|s| s.tests).sum();
    let failures: usize = suites.iter().map(|s| s.failures).sum();
    let errors: usize = suites.iter().map(|s| s.errors).sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"smbscope\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for x in suites {
        s.push_str(&x.text);
    }
    s.push_str("</testsuites>\n");
    s
}

/// The suite of a capture that could not be read at all: one testcase,
/// "capture", with an `<error>` saying why, as the JSON document's `error`
/// does (the suite's name and the classname name the file; the exit code
/// stays 2).
pub fn unreadable_suite(file: &str, error: &str) -> Suite {
    let suite = escape(&format!("smbscope check {file}"));
    let class = escape(&classname(file));
    let e = escape(error);
    Suite {
        text: format!(
            "\x20 <testsuite name=\"{suite}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n\
             \x20   <testcase classname=\"{class}\" name=\"capture\">\n\
             \x20     <error message=\"{e}\" type=\"unreadable\">{e}</error>\n\
             \x20   </testcase>\n\
             \x20 </testsuite>\n"
        ),
        tests: 1,
        failures: 0,
        errors: 1,
    }
}

/// The suite of the checks of `file`. `damaged` (what is wrong with a
/// damaged capture) is one more testcase, named "capture", with an
/// `<error>`: the checks cover only the part before the damage, so a CI
/// job must not read the document as a clean pass. It also goes into
/// `<system-err>`. A check that did not judge and that `u` lets pass is a
/// `<skipped>` testcase, its message the evidence ("cannot tell: ...",
/// "nothing to check: ..."): what GitLab and Jenkins show as not run.
pub fn suite(file: &str, results: &[CheckResult], damaged: Option<&str>, u: Unjudged) -> Suite {
    let failures = results.iter().filter(|r| u.fails(r)).count();
    let skipped = results.iter().filter(|r| u.skipped(r)).count();
    let errors = usize::from(damaged.is_some());
    let tests = results.len() + errors;
    let mut s = String::new();
    let suite = escape(&format!("smbscope check {file}"));
    let _ = writeln!(s, "  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">");
    let class = escape(&classname(file));
    if let Some(d) = damaged {
        let d = escape(d);
        let _ = writeln!(s, "    <testcase classname=\"{class}\" name=\"capture\">\n      <error message=\"{d}\" type=\"damaged\">{d}</error>\n    </testcase>");
    }
    for r in results {
        let name = escape(&r.name);
        let ev = escape(&r.evidence);
        if r.pass() {
            let _ = writeln!(s, "    <testcase classname=\"{class}\" name=\"{name}\">\n      <system-out>{ev}</system-out>\n    </testcase>");
        } else if u.skipped(r) {
            let _ = writeln!(s, "    <testcase classname=\"{class}\" name=\"{name}\">\n      <skipped message=\"{ev}\"/>\n    </testcase>");
        } else {
            let kind = failure_type(r.outcome);
            let _ = writeln!(s, "    <testcase classname=\"{class}\" name=\"{name}\">\n      <failure message=\"{ev}\" type=\"{kind}\">{ev}</failure>\n    </testcase>");
        }
    }
    if let Some(d) = damaged {
        let _ = writeln!(s, "    <system-err>{}</system-err>", escape(d));
    }
    s.push_str("  </testsuite>\n");
    Suite {
        text: s,
        tests,
        failures,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;?");
        assert_eq!(escape("x\u{FFFE}\u{FFFF}\u{FFFD}\t"), "x??\u{FFFD}\t");
    }
}
