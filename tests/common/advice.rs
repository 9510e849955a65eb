//! The analysis of a real capture and checks on its findings' texts, for
//! the tests of next steps worded for what the capture shows
//! (tests/os_advice.rs, tests/samba_advice.rs).

use std::fs::File;
use std::path::{Path, PathBuf};

use smbscope::capture::CaptureReader;
use smbscope::diagnose::Finding;
use smbscope::pipeline::Options;
use smbscope::report::{analyze, Analysis};
use smbscope::session::BuildOptions;

/// The analysis of the capture at `path`, with the default options and
/// `--port N` for a capture whose name says so ([`super::port_args`]).
pub fn run(path: &Path) -> Analysis {
    let f = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = CaptureReader::new(f).expect("capture header");
    let mut o = Options::default();
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    for a in super::port_args(&name) {
        if let Ok(p) = a.parse() {
            o.smb_ports.push(p);
        }
    }
    analyze(&mut r, &o, BuildOptions::default(), |_| {})
}

/// The path of `samples/NAME`.
pub fn sample_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The analysis of `samples/NAME`.
pub fn sample(name: &str) -> Analysis {
    run(&sample_path(name))
}

/// The findings of `code`; there must be one at least.
pub fn with_code<'a>(a: &'a Analysis, code: &str) -> Vec<&'a Finding> {
    let v: Vec<&Finding> = a
        .diagnosis
        .findings
        .iter()
        .filter(|f| f.code == code)
        .collect();
    assert!(!v.is_empty(), "no {code}");
    v
}

pub fn says(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} not in {text}");
}

pub fn never(text: &str, part: &str) {
    assert!(!text.contains(part), "{part:?} in {text}");
}
