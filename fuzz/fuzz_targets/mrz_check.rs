//! Any text through the MRZ checker (documented as never panicking): no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
    let report = waspada_mrz::check(text, today);
    let _ = (report.is_valid(), report.fields, report.warnings);
});
