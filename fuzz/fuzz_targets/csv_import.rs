//! Any bytes as an import CSV of each kind: no panic, every row is a record or a reason, and line
//! numbers only grow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waspada_formats::{FileFormat, Kind, Reader};

fuzz_target!(|data: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
    let kind = match data.first().map(|b| b % 5) {
        Some(0) => Kind::Persons,
        Some(1) => Kind::Documents,
        Some(2) => Kind::Applications,
        Some(3) => Kind::Crossings,
        _ => Kind::Watchlist,
    };
    let body = data.get(1..).unwrap_or_default();
    let Ok(reader) = Reader::new(kind, FileFormat::Csv, body, today) else { return };
    let mut last = 0;
    for (line, _row) in reader.take(10_000) {
        assert!(line >= last, "line numbers go back: {line} after {last}");
        last = line;
    }
});
