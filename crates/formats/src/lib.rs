//! The file formats of `waspada import` and `waspada export`: CSV and JSON Lines, one file per
//! record kind (`persons`, `documents`, `applications`, `crossings`, `watchlist`). The columns are
//! documented in `docs/formats.md`.
//!
//! Main types: [`Reader`] yields `(line, Result<record, reason>)` for each row, so a bad row is
//! reported with its line and the good rows go on; [`Writer`] writes records back in the
//! canonical form, so that export after import gives the same file.
//!
//! Why this shape: CSV cells and JSON values are both read through one [`Fields`] view, so every
//! column rule is written once. Columns are found by header name; unknown columns are ignored.
#![deny(missing_docs)]

mod kinds;
mod read;
mod write;

pub use kinds::{Kind, columns};
pub use read::{Fields, FileError, JsonFields, Reader, Record, record_from_json};
pub use write::Writer;

/// CSV or JSON Lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated values with a header row, UTF-8.
    Csv,
    /// One JSON object per line, UTF-8.
    JsonLines,
}

impl FileFormat {
    /// From a file name's extension (`.csv`, `.jsonl`, `.ndjson`).
    pub fn from_path(path: &std::path::Path) -> Option<FileFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "jsonl" | "ndjson" => Some(FileFormat::JsonLines),
            _ => None,
        }
    }

    /// The usual extension.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::JsonLines => "jsonl",
        }
    }
}
