use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use waspada_nik::Nik;

use crate::error::{Error, Result, invalid};
use crate::{CountryCode, PhoneNumber};

/// Why the applicant says they travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TravelPurpose {
    /// Wisata.
    Tourism,
    /// Umrah pilgrimage.
    Umrah,
    /// Hajj pilgrimage.
    Hajj,
    /// Work, through official placement or otherwise.
    Work,
    /// Kunjungan keluarga.
    FamilyVisit,
    /// Belajar.
    Study,
    /// Business trip.
    Business,
    /// Anything else.
    Other,
}

impl TravelPurpose {
    /// All purposes, in display order.
    pub const ALL: [TravelPurpose; 8] = [
        TravelPurpose::Tourism,
        TravelPurpose::Umrah,
        TravelPurpose::Hajj,
        TravelPurpose::Work,
        TravelPurpose::FamilyVisit,
        TravelPurpose::Study,
        TravelPurpose::Business,
        TravelPurpose::Other,
    ];

    /// Parses the file-format code (English or Indonesian).
    pub fn parse(field: &'static str, text: &str) -> Result<TravelPurpose> {
        Ok(match text.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "tourism" | "wisata" => TravelPurpose::Tourism,
            "umrah" | "umroh" => TravelPurpose::Umrah,
            "hajj" | "haji" => TravelPurpose::Hajj,
            "work" | "bekerja" | "kerja" => TravelPurpose::Work,
            "family_visit" | "kunjungan_keluarga" => TravelPurpose::FamilyVisit,
            "study" | "belajar" => TravelPurpose::Study,
            "business" | "bisnis" => TravelPurpose::Business,
            "other" | "lainnya" => TravelPurpose::Other,
            other => {
                return Err(invalid(
                    field,
                    format!(
                        "{other:?} is not a purpose (tourism, umrah, hajj, work, family_visit, study, business, other)"
                    ),
                ));
            }
        })
    }

    /// The file-format code.
    pub fn code(self) -> &'static str {
        match self {
            TravelPurpose::Tourism => "tourism",
            TravelPurpose::Umrah => "umrah",
            TravelPurpose::Hajj => "hajj",
            TravelPurpose::Work => "work",
            TravelPurpose::FamilyVisit => "family_visit",
            TravelPurpose::Study => "study",
            TravelPurpose::Business => "business",
            TravelPurpose::Other => "other",
        }
    }
}

/// What the office decided on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DecisionOutcome {
    /// The passport is issued.
    Issued,
    /// Issue is delayed (ditunda), e.g. pending documents or a suspicion of non-procedural work.
    Delayed,
    /// The application is refused (ditolak).
    Refused,
}

impl DecisionOutcome {
    /// Parses the file-format code.
    pub fn parse(field: &'static str, text: &str) -> Result<DecisionOutcome> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "issued" | "terbit" => DecisionOutcome::Issued,
            "delayed" | "ditunda" => DecisionOutcome::Delayed,
            "refused" | "ditolak" => DecisionOutcome::Refused,
            other => return Err(invalid(field, format!("{other:?} is not a decision (issued, delayed, refused)"))),
        })
    }

    /// The file-format code.
    pub fn code(self) -> &'static str {
        match self {
            DecisionOutcome::Issued => "issued",
            DecisionOutcome::Delayed => "delayed",
            DecisionOutcome::Refused => "refused",
        }
    }
}

/// A decision, always signed by a named officer. A delay or refusal must give its reason and legal
/// basis: scores only advise, people decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Outcome.
    pub outcome: DecisionOutcome,
    /// The deciding officer's user name or NIP.
    pub officer: String,
    /// Why.
    pub reason: Option<String>,
    /// Legal basis, e.g. `SE IMI-0277.GR.02.06/2017`.
    pub legal_basis: Option<String>,
    /// When.
    pub decided_at: DateTime<Utc>,
}

impl Decision {
    /// Checks that delays and refusals carry reason and legal basis.
    pub fn validate(self) -> Result<Decision> {
        if self.officer.trim().is_empty() {
            return Err(Error::Missing { field: "decision_officer" });
        }
        if self.outcome != DecisionOutcome::Issued {
            if self.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(Error::Missing { field: "decision_reason" });
            }
            if self.legal_basis.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(Error::Missing { field: "decision_legal_basis" });
            }
        }
        Ok(self)
    }
}

/// An application for a passport, with its interview and decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportApplication {
    /// The office's application number; the natural key.
    pub reference: String,
    /// Office that received it, e.g. `Kanim Bengkulu`.
    pub office: String,
    /// Date of application.
    pub applied_on: NaiveDate,
    /// NIK of the applicant.
    #[serde(with = "crate::nik_serde")]
    pub applicant_nik: Nik,
    /// Stated purpose.
    pub purpose: TravelPurpose,
    /// Destination country.
    pub destination: CountryCode,
    /// Sponsor, agent or travel agency named by the applicant.
    pub sponsor: Option<String>,
    /// Employer abroad.
    pub employer: Option<String>,
    /// Address abroad.
    pub address_abroad: Option<String>,
    /// Contact phone given on the application.
    pub contact_phone: Option<PhoneNumber>,
    /// The interviewing officer's notes.
    pub interview_notes: Option<String>,
    /// The decision, once taken.
    pub decision: Option<Decision>,
}

impl PassportApplication {
    /// Checks cross-field rules.
    pub fn validate(self) -> Result<PassportApplication> {
        let reference = self.reference.trim();
        if reference.is_empty() {
            return Err(Error::Missing { field: "reference" });
        }
        if reference.len() > 64 || reference.chars().any(char::is_control) {
            return Err(invalid("reference", "must be at most 64 printable characters"));
        }
        if self.office.trim().is_empty() {
            return Err(Error::Missing { field: "office" });
        }
        if let Some(decision) = &self.decision
            && decision.decided_at.date_naive() < self.applied_on
        {
            return Err(invalid("decided_at", "is before the application date"));
        }
        let decision = self.decision.map(Decision::validate).transpose()?;
        Ok(PassportApplication { reference: reference.to_owned(), decision, ..self })
    }
}
