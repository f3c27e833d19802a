use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use waspada_nik::Nik;

use crate::error::{Error, Result, invalid};
use crate::{CountryCode, DocumentNumber, FullName, PartialDate, Sex};

/// The list an entry belongs to. Each carries different legal consequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WatchlistCategory {
    /// Exit ban (UU 6/2011 Art. 97).
    Pencegahan,
    /// Entry ban (UU 6/2011 Art. 102).
    Penangkalan,
    /// Person of interest: not a ban; a reason to look closer.
    PersonOfInterest,
    /// An INTERPOL notice received through NCB-INTERPOL Polri.
    InterpolNotice,
}

impl WatchlistCategory {
    /// Parses the file-format code.
    pub fn parse(field: &'static str, text: &str) -> Result<WatchlistCategory> {
        Ok(match text.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "pencegahan" => WatchlistCategory::Pencegahan,
            "penangkalan" => WatchlistCategory::Penangkalan,
            "person_of_interest" | "poi" => WatchlistCategory::PersonOfInterest,
            "interpol_notice" | "interpol" => WatchlistCategory::InterpolNotice,
            other => {
                return Err(invalid(
                    field,
                    format!(
                        "{other:?} is not a category (pencegahan, penangkalan, person_of_interest, interpol_notice)"
                    ),
                ));
            }
        })
    }

    /// The file-format code.
    pub fn code(self) -> &'static str {
        match self {
            WatchlistCategory::Pencegahan => "pencegahan",
            WatchlistCategory::Penangkalan => "penangkalan",
            WatchlistCategory::PersonOfInterest => "person_of_interest",
            WatchlistCategory::InterpolNotice => "interpol_notice",
        }
    }
}

/// An entry on a watchlist. It always names its legal basis and when it stops applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistEntry {
    /// The source's identifier; the natural key.
    pub external_id: String,
    /// Category.
    pub category: WatchlistCategory,
    /// Name.
    pub full_name: FullName,
    /// Other names and spellings.
    pub aliases: Vec<FullName>,
    /// Date of birth, possibly just a year.
    pub date_of_birth: Option<PartialDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Nationality.
    pub nationality: Option<CountryCode>,
    /// A document number, when known.
    pub document_number: Option<DocumentNumber>,
    /// A NIK, when known.
    #[serde(with = "crate::nik_serde::option")]
    pub nik: Option<Nik>,
    /// Legal basis, e.g. the decree number.
    pub legal_basis: String,
    /// Who listed the person (agency, notice number).
    pub source: Option<String>,
    /// First day the entry applies.
    pub valid_from: NaiveDate,
    /// Last day the entry applies, if limited.
    pub valid_until: Option<NaiveDate>,
}

impl WatchlistEntry {
    /// Checks cross-field rules.
    pub fn validate(self) -> Result<WatchlistEntry> {
        let external_id = self.external_id.trim().to_owned();
        if external_id.is_empty() {
            return Err(Error::Missing { field: "id" });
        }
        if external_id.len() > 64 || external_id.chars().any(char::is_control) {
            return Err(invalid("id", "must be at most 64 printable characters"));
        }
        if self.legal_basis.trim().is_empty() {
            return Err(Error::Missing { field: "legal_basis" });
        }
        if let Some(until) = self.valid_until
            && until < self.valid_from
        {
            return Err(invalid("valid_until", "is before valid_from"));
        }
        Ok(WatchlistEntry { external_id, ..self })
    }

    /// Whether the entry applies on the given day.
    pub fn applies_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }
}
