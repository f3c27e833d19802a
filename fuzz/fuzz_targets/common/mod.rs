//! Shared by the import targets: the first byte of the input picks the record kind.

use waspada_formats::Kind;

/// The record kind named by the first byte, and the rest of the input.
pub fn split_kind(data: &[u8]) -> (Kind, &[u8]) {
    let kind = match data.first().map(|b| b % 5) {
        Some(0) => Kind::Persons,
        Some(1) => Kind::Documents,
        Some(2) => Kind::Applications,
        Some(3) => Kind::Crossings,
        _ => Kind::Watchlist,
    };
    (kind, data.get(1..).unwrap_or_default())
}

/// The date the import rules treat as today.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
}
