//! The report layer: what the user reads (text) and what scripts read (JSON,
//! JSON Lines).

mod fastfmt;
pub mod filter;
pub mod json;
pub mod messages;
pub mod report_json;
pub mod style;
pub mod timeline;

use std::io::Read;

use crate::capture::CaptureReader;
use crate::diagnose::{diagnose, Diagnosis};
use crate::pipeline::{self, Options, Outcome};
use crate::session::{BuildOptions, Builder, Model};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
}

/// Version of the JSON output; bumped when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// What [`analyze`] returns.
pub struct Analysis {
    pub model: Model,
    pub diagnosis: Diagnosis,
    pub outcome: Outcome,
}

/// Reads a capture into a session model and diagnoses it. `on_events` gets
/// the JSON events as they happen when `build.events` is set.
pub fn analyze<R: Read>(
    reader: &mut CaptureReader<R>,
    opts: &Options,
    build: BuildOptions,
    mut on_events: impl FnMut(Vec<serde_json::Value>),
) -> Analysis {
    let mut b = Builder::new(build);
    let outcome = pipeline::run(reader, opts, |ev| {
        b.event(ev);
        if build.events {
            let evs = b.take_events();
            if !evs.is_empty() {
                on_events(evs);
            }
        }
    });
    let model = b.finish();
    let diagnosis = diagnose(&model);
    Analysis {
        model,
        diagnosis,
        outcome,
    }
}
