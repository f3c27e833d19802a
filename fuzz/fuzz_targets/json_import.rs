//! Any bytes as JSON Lines of each kind, and any JSON object as a record: no panic.
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
    if let Ok(reader) = Reader::new(kind, FileFormat::JsonLines, body, today) {
        for _ in reader.take(10_000) {}
    }
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_slice::<serde_json::Value>(body) {
        let _ = waspada_formats::record_from_json(kind, &object, today);
    }
});
