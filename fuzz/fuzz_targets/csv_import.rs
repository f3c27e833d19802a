//! Any bytes as an import CSV of each kind: no panic, every row is a record or a reason, and line
//! numbers only grow.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use waspada_formats::{FileFormat, Reader};

fuzz_target!(|data: &[u8]| {
    let (kind, body) = common::split_kind(data);
    let Ok(reader) = Reader::new(kind, FileFormat::Csv, body, common::today()) else { return };
    let mut last = 0;
    for (line, _row) in reader.take(10_000) {
        assert!(line >= last, "line numbers go back: {line} after {last}");
        last = line;
    }
});
