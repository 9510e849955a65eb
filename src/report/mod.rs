//! The report layer: what the user reads (text) and what scripts read (JSON,
//! JSON Lines).

pub mod messages;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
}

/// Version of the JSON output; bumped when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;
