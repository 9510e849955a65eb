//! Test helper: the captures of samples/ and of the public corpus
//! (../shared/corpus/public, when it is there), for unit tests that check
//! something over every real capture.

use std::path::{Path, PathBuf};

/// Every `.pcap` and `.pcapng` of samples/ and of the public corpus, in
/// name order within each. samples/ must be there; the corpus may not.
pub(crate) fn all() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["samples", "../shared/corpus/public"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            assert!(dir.contains("corpus"), "{dir} missing");
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
            .collect();
        paths.sort();
        out.extend(paths);
    }
    out
}
