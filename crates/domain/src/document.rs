use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use waspada_nik::Nik;

use crate::CountryCode;
use crate::error::{Error, Result, invalid};

/// A travel-document number, upper-cased, letters and digits only. Personal data: `Debug` redacts.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DocumentNumber(String);

impl DocumentNumber {
    /// Parses a document number; spaces, dashes and MRZ fillers are dropped.
    pub fn parse(field: &'static str, text: &str) -> Result<DocumentNumber> {
        let cleaned: String =
            text.chars().filter(|c| !matches!(c, ' ' | '-' | '<')).map(|c| c.to_ascii_uppercase()).collect();
        if cleaned.is_empty() {
            return Err(Error::Missing { field });
        }
        if !cleaned.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(invalid(field, "may contain only letters and digits"));
        }
        if cleaned.len() > 20 {
            return Err(invalid(field, format!("has {} characters; at most 20 are allowed", cleaned.len())));
        }
        Ok(DocumentNumber(cleaned))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DocumentNumber(…)")
    }
}

/// The kind of travel document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocumentKind {
    /// Ordinary passport (paspor biasa), MRZ code `P`.
    Passport,
    /// Electronic passport (paspor elektronik).
    EPassport,
    /// Surat Perjalanan Laksana Paspor: an emergency travel document, often issued to repatriated
    /// trafficking victims by an embassy.
    Splp,
    /// Identity card used for travel (TD1).
    IdCard,
    /// Any other document.
    Other,
}

impl DocumentKind {
    /// Parses the file-format code.
    pub fn parse(field: &'static str, text: &str) -> Result<DocumentKind> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "passport" | "p" | "paspor" => DocumentKind::Passport,
            "epassport" | "e-passport" | "paspor-elektronik" => DocumentKind::EPassport,
            "splp" => DocumentKind::Splp,
            "id_card" | "id" | "i" => DocumentKind::IdCard,
            "other" => DocumentKind::Other,
            other => {
                return Err(invalid(
                    field,
                    format!("{other:?} is not a document kind (passport, epassport, splp, id_card, other)"),
                ));
            }
        })
    }

    /// The file-format code.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Passport => "passport",
            DocumentKind::EPassport => "epassport",
            DocumentKind::Splp => "splp",
            DocumentKind::IdCard => "id_card",
            DocumentKind::Other => "other",
        }
    }
}

/// Whether a document may still be used, and if not why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocumentStatus {
    /// In use.
    Valid,
    /// Reported lost (a BAP kehilangan).
    Lost {
        /// What was reported.
        reason: String,
        /// When the status changed.
        at: DateTime<Utc>,
    },
    /// Reported stolen.
    Stolen {
        /// What was reported.
        reason: String,
        /// When the status changed.
        at: DateTime<Utc>,
    },
    /// Withdrawn by the issuer.
    Revoked {
        /// Why.
        reason: String,
        /// When the status changed.
        at: DateTime<Utc>,
    },
}

impl DocumentStatus {
    /// Builds a status from its code, reason and time; every status but `valid` needs both.
    pub fn from_parts(code: &str, reason: Option<&str>, at: Option<DateTime<Utc>>) -> Result<DocumentStatus> {
        let code = code.trim().to_ascii_lowercase();
        if code.is_empty() || code == "valid" {
            return Ok(DocumentStatus::Valid);
        }
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or(Error::Missing { field: "status_reason" })?
            .to_owned();
        let at = at.ok_or(Error::Missing { field: "status_changed_at" })?;
        match code.as_str() {
            "lost" => Ok(DocumentStatus::Lost { reason, at }),
            "stolen" => Ok(DocumentStatus::Stolen { reason, at }),
            "revoked" => Ok(DocumentStatus::Revoked { reason, at }),
            other => Err(invalid("status", format!("{other:?} is not a status (valid, lost, stolen, revoked)"))),
        }
    }

    /// The file-format code.
    pub fn code(&self) -> &'static str {
        match self {
            DocumentStatus::Valid => "valid",
            DocumentStatus::Lost { .. } => "lost",
            DocumentStatus::Stolen { .. } => "stolen",
            DocumentStatus::Revoked { .. } => "revoked",
        }
    }

    /// The reason and time, for every status but `valid`.
    pub fn detail(&self) -> Option<(&str, DateTime<Utc>)> {
        match self {
            DocumentStatus::Valid => None,
            DocumentStatus::Lost { reason, at }
            | DocumentStatus::Stolen { reason, at }
            | DocumentStatus::Revoked { reason, at } => Some((reason, *at)),
        }
    }
}

/// A passport or other travel document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravelDocument {
    /// Kind.
    pub kind: DocumentKind,
    /// Number; with the issuing state, the natural key.
    pub number: DocumentNumber,
    /// Issuing state.
    pub issuing_state: CountryCode,
    /// NIK of the holder, for Indonesian documents.
    #[serde(with = "crate::nik_serde::option")]
    pub holder_nik: Option<Nik>,
    /// Holder's surname as printed (MRZ primary identifier).
    pub surname: Option<String>,
    /// Holder's given names as printed.
    pub given_names: Option<String>,
    /// Issuing office (e.g. `Kanim Bengkulu`).
    pub issuing_office: Option<String>,
    /// Date of issue.
    pub issue_date: NaiveDate,
    /// Date of expiry.
    pub expiry_date: NaiveDate,
    /// Status.
    pub status: DocumentStatus,
}

impl TravelDocument {
    /// Checks cross-field rules.
    pub fn validate(self) -> Result<TravelDocument> {
        if self.expiry_date <= self.issue_date {
            return Err(invalid("expiry_date", "must be after issue_date"));
        }
        if let Some((_, at)) = self.status.detail()
            && at.date_naive() < self.issue_date
        {
            return Err(invalid("status_changed_at", "is before the document was issued"));
        }
        Ok(self)
    }

    /// Whether the document can be used on the given day: valid status and not expired.
    pub fn usable_on(&self, day: NaiveDate) -> bool {
        self.status == DocumentStatus::Valid && self.expiry_date >= day
    }
}
