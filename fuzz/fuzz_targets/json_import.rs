//! Any bytes as JSON Lines of each kind, and any JSON object as a record: no panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use waspada_formats::{FileFormat, Reader};

fuzz_target!(|data: &[u8]| {
    let (kind, body) = common::split_kind(data);
    if let Ok(reader) = Reader::new(kind, FileFormat::JsonLines, body, common::today()) {
        for _ in reader.take(10_000) {}
    }
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_slice::<serde_json::Value>(body) {
        let _ = waspada_formats::record_from_json(kind, &object, common::today());
    }
});
