//! The report layer: what the user reads (text) and what scripts read (JSON,
//! JSON Lines).

pub(crate) mod fastfmt;
pub mod filter;
pub use crate::json;
pub mod messages;
pub mod report_json;
pub mod spool;
pub mod style;
pub mod table;
pub mod timeline;

use std::cell::Cell;
use std::io::Read;

use crate::capture::CaptureReader;
use crate::diagnose::{diagnose, Diagnosis};
use crate::pipeline::{self, Options, Outcome};
use crate::session::events::EventLines;
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

/// What [`analyze_with`] tells its caller while it reads.
pub trait Observer {
    /// JSON Lines events, as they happen (with `build.events`).
    fn events(&mut self, _events: &EventLines) {}
    /// Connection `model.connections[ci]` closed: its timeline is complete,
    /// and the observer may take it (the text report writes it out).
    fn closed(&mut self, _model: &mut Model, _ci: usize) {}
    /// Whether reading should stop (the reader of the observer's output
    /// has gone): asked after each event.
    fn stop(&self) -> bool {
        false
    }
}

/// An [`Observer`] that only takes events.
struct EventsOnly<F>(F);

impl<F: FnMut(&EventLines)> Observer for EventsOnly<F> {
    fn events(&mut self, events: &EventLines) {
        (self.0)(events);
    }
}

/// Reads a capture into a session model and diagnoses it. `on_events` gets
/// the JSON events as they happen when `build.events` is set.
pub fn analyze<R: Read>(
    reader: &mut CaptureReader<R>,
    opts: &Options,
    build: BuildOptions,
    on_events: impl FnMut(&EventLines),
) -> Analysis {
    analyze_with(reader, opts, build, &mut EventsOnly(on_events))
}

/// [`analyze`], telling `obs` of events and of each connection as it closes.
pub fn analyze_with<R: Read>(
    reader: &mut CaptureReader<R>,
    opts: &Options,
    build: BuildOptions,
    obs: &mut impl Observer,
) -> Analysis {
    let mut b = Builder::new(build);
    let stop = Cell::new(false);
    // The ARP and DNS lookups: evidence of a server that looks something up
    // before it answers (negotiate.slow, tree.slow).
    let opts = &Options {
        lookups: true,
        ..opts.clone()
    };
    let outcome = pipeline::run_until(reader, opts, &stop, |ev| {
        b.event(ev);
        if build.events && !b.events.is_empty() {
            obs.events(&b.events);
            b.events.clear();
        }
        hand_out_closed(&mut b, obs);
        stop.set(obs.stop());
    });
    // The KDC requests the capture holds no reply to.
    b.capture_ended(outcome.stats.last_ts);
    if build.events && !b.events.is_empty() {
        obs.events(&b.events);
        b.events.clear();
    }
    b.close_all();
    hand_out_closed(&mut b, obs);
    let model = b.finish();
    let diagnosis = diagnose(&model);
    Analysis {
        model,
        diagnosis,
        outcome,
    }
}

fn hand_out_closed(b: &mut Builder, obs: &mut impl Observer) {
    while let Some(ci) = b.next_closed() {
        obs.closed(&mut b.model, ci);
    }
}
