use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, invalid};
use crate::{CountryCode, DocumentNumber};

/// Which way a traveller crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// Keberangkatan: leaving Indonesia.
    Exit,
    /// Kedatangan: entering Indonesia.
    Entry,
}

impl Direction {
    /// Parses the file-format code.
    pub fn parse(field: &'static str, text: &str) -> Result<Direction> {
        match text.trim().to_ascii_lowercase().as_str() {
            "exit" | "out" | "departure" | "keberangkatan" => Ok(Direction::Exit),
            "entry" | "in" | "arrival" | "kedatangan" => Ok(Direction::Entry),
            other => Err(invalid(field, format!("{other:?} is not a direction (exit, entry)"))),
        }
    }

    /// The file-format code.
    pub fn code(self) -> &'static str {
        match self {
            Direction::Exit => "exit",
            Direction::Entry => "entry",
        }
    }
}

/// A passage through an immigration checkpoint (TPI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crossing {
    /// Exit or entry.
    pub direction: Direction,
    /// Checkpoint code, e.g. `CGK`, `BTH`, `DUM`.
    pub checkpoint: String,
    /// When, in UTC.
    pub crossed_at: DateTime<Utc>,
    /// Airline or ship operator.
    pub carrier: Option<String>,
    /// Flight number or vessel name.
    pub voyage: Option<String>,
    /// Document presented.
    pub document_number: DocumentNumber,
    /// Its issuing state.
    pub document_issuing_state: CountryCode,
    /// Numbers of the documents of the people travelling with them.
    pub companions: Vec<DocumentNumber>,
}

impl Crossing {
    /// Checks cross-field rules.
    pub fn validate(self) -> Result<Crossing> {
        let checkpoint = self.checkpoint.trim().to_ascii_uppercase();
        if checkpoint.is_empty() {
            return Err(Error::Missing { field: "checkpoint" });
        }
        if checkpoint.len() > 16 || !checkpoint.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(invalid("checkpoint", "must be a short code of letters and digits, e.g. CGK"));
        }
        if self.companions.contains(&self.document_number) {
            return Err(invalid("companions", "lists the traveller's own document"));
        }
        Ok(Crossing { checkpoint, ..self })
    }
}
