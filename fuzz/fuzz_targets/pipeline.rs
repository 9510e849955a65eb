//! The whole chain on a capture: `report::analyze` (capture → net → tcp →
//! framing → SMB2 pairing and Kerberos-over-TCP records → decoding → the
//! session model → the diagnosis), and the `messages` writer in JSON Lines
//! and text on the same bytes. Seeds are real captures cut at a record
//! boundary (the `capture` target's).
//!
//! Invariants: no panic; the model's connections are in stream order; the
//! JSON Lines output is one valid JSON object per line, as many as the
//! pipeline counted messages; lines written as they are finished (a live
//! input) and in batches are the same bytes, except that streamed JSON
//! Lines do not wait for a request's response: they lack the
//! `response_frame` and `response_time` that a batched request line ends
//! with.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::capture::CaptureReader;
use smbscope::pipeline::Options;
use smbscope::report::messages::MessagesWriter;
use smbscope::report::{analyze, Format};
use smbscope::session::BuildOptions;

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = CaptureReader::new(data) else {
        return;
    };
    let build = BuildOptions {
        verbose: true,
        events: true,
        timeline: true,
        color: false,
    };
    let a = analyze(&mut r, &Options::default(), build, |_| {});
    assert!(a
        .model
        .connections
        .windows(2)
        .all(|w| w[0].stream <= w[1].stream));

    for format in [Format::Jsonl, Format::Text] {
        let Some((out, outcome)) = messages(data, format, false) else {
            return;
        };
        let streamed = messages(data, format, true).map(|(o, _)| o);
        let want = if format == Format::Jsonl {
            without_response_keys(&out)
        } else {
            out.clone()
        };
        assert!(
            streamed.as_ref() == Some(&want),
            "streamed and batched output differ"
        );
        if format == Format::Jsonl {
            let text = std::str::from_utf8(&out).expect("JSON Lines are UTF-8");
            let mut lines = 0u64;
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).expect("a JSON object");
                assert!(v.is_object());
                lines += 1;
            }
            assert_eq!(lines, outcome.stats.messages);
        }
    }
});

/// Batched JSON Lines less the `response_frame` and `response_time` that
/// end a request's line when its response came (the writer appends them
/// last, and a string value cannot hold an unescaped quote).
fn without_response_keys(out: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(out).expect("JSON Lines are UTF-8");
    let mut want = String::with_capacity(text.len());
    for line in text.lines() {
        match line.rfind(",\"response_frame\":") {
            Some(i) => {
                want.push_str(&line[..i]);
                want.push('}');
            }
            None => want.push_str(line),
        }
        want.push('\n');
    }
    want.into_bytes()
}

/// The `messages` output of `data` in `format`, each line written as it is
/// finished (`streaming`, as for a live input) or in batches.
fn messages(
    data: &[u8],
    format: Format,
    streaming: bool,
) -> Option<(Vec<u8>, smbscope::pipeline::Outcome)> {
    let mut r = CaptureReader::new(data).ok()?;
    let mut out = Vec::new();
    let mut w = MessagesWriter::new(&mut out, format, streaming);
    w.begin("fuzz").expect("write to a Vec");
    let outcome = smbscope::pipeline::run(&mut r, &Options::default(), |ev| w.event(ev));
    w.finish(&outcome, "fuzz").expect("write to a Vec");
    drop(w);
    Some((out, outcome))
}
