//! Analysts see traveller data pseudonymised unless they state a basis that needs identities
//! (UU 27/2022 Art. 16(2): data minimisation). One decision ([`disclosure`]) for the API and the
//! web pages alike, and one conversion per wire type ([`Pseudonymise`]).
//!
//! A pseudonym is stable (the same NIK, name, document or phone gives the same pseudonym in every
//! record and every request), so trends, networks and repeat travellers can be analysed without
//! knowing who anyone is. Dates of birth keep only the year, regions are kept (trends per desa are
//! the analyst's job), free text that may name people (addresses, interview notes, reasons) is left
//! out. Internal ids stay: re-identifying one of them takes a new, audited request with a basis.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use waspada_store::{AuditContext, Store};

use crate::AppState;
use crate::auth::{CurrentUser, Purpose};
use crate::checks::CheckResponse;
use crate::dto::{ApplicationDto, CrossingDto, DocumentDto, PersonDto, TimelineDto, WatchlistDto};
use crate::error::AppError;
use crate::roles::{Permission, Role};

/// Whether a response shows who the persons are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// Names, NIKs, numbers as stored.
    Identified,
    /// Stable pseudonyms instead of identifiers; identifying free text left out.
    Pseudonymised,
}

/// Why a role that sees pseudonyms needs identities this time: an open case (`KS-2026-0001`) or
/// an assignment letter (`surat 123/WAS/XI/2026`). From the `X-Identity-Basis` header or the
/// `identity_basis` query parameter; absent is the normal, pseudonymised case.
#[derive(Debug, Clone, Default)]
pub struct IdentityBasis(pub Option<String>);

#[derive(Deserialize)]
struct BasisQuery {
    identity_basis: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for IdentityBasis {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let from_header = parts.headers.get("x-identity-basis").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let from_query =
            axum::extract::Query::<BasisQuery>::try_from_uri(&parts.uri).ok().and_then(|q| q.0.identity_basis);
        Ok(IdentityBasis(from_header.or(from_query).map(|b| b.trim().to_owned()).filter(|b| !b.is_empty())))
    }
}

/// A stated basis, checked: what the audit log records.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Basis {
    /// An open case, by reference.
    Case(String),
    /// An assignment letter's number (not checkable here; the DPO reviews it in the audit log).
    Letter(String),
}

fn parse_basis(text: &str) -> Result<Basis, AppError> {
    let text = text.trim();
    if text.chars().count() > 100 {
        return Err(AppError::BadRequest("identity_basis is longer than 100 characters".into()));
    }
    let upper = text.to_uppercase();
    if let Some(rest) = upper.strip_prefix("KS-") {
        let mut parts = rest.split('-');
        let year = parts.next().unwrap_or_default();
        let number = parts.next().unwrap_or_default();
        if year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && (4..=8).contains(&number.len())
            && number.bytes().all(|b| b.is_ascii_digit())
            && parts.next().is_none()
        {
            return Ok(Basis::Case(upper));
        }
        return Err(AppError::BadRequest(format!("identity_basis: {text:?} is not a case number like KS-2026-0001")));
    }
    for prefix in ["surat ", "letter "] {
        if text.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix)) {
            let number = text[prefix.len()..].trim();
            // A letter number as offices write them (123/WAS/XI/2026, ST-77/2026): letters,
            // digits and . / - _ only, so it cannot forge the audit entry's markers ("[…]").
            let plain = number.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_' | ' '));
            let digits = number.chars().any(|c| c.is_ascii_digit());
            if plain && digits && number.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 2 {
                return Ok(Basis::Letter(number.to_owned()));
            }
        }
    }
    Err(AppError::BadRequest(
        "identity_basis must be an open case number (KS-2026-0001) or an assignment letter (\"surat 123/WAS/2026\")"
            .into(),
    ))
}

/// Decides whether this request sees identities, and returns the audit context whose purpose
/// records the decision (`[pseudonim]` or `[identitas: …]`), so the DPO can review every
/// re-identification. Roles with [`Permission::ReadIdentities`] always see identities.
pub async fn disclosure(
    state: &AppState,
    user: &CurrentUser,
    purpose: &Purpose,
    basis: &IdentityBasis,
) -> Result<(Disclosure, AuditContext), AppError> {
    // Validates the purpose itself before anything is appended to it.
    let plain = user.context(purpose)?;
    if user.role.allows(Permission::ReadIdentities) {
        return Ok((Disclosure::Identified, plain));
    }
    let Some(text) = &basis.0 else {
        let context = user.context(&Purpose(format!("{} [pseudonim]", purpose.0)))?;
        return Ok((Disclosure::Pseudonymised, context));
    };
    let note = match parse_basis(text)? {
        Basis::Case(reference) => {
            let store = state.store.clone();
            let lookup = reference.clone();
            let open = tokio::task::spawn_blocking(move || store.case_is_open(&lookup)).await??;
            if !open {
                return Err(AppError::BadRequest(format!(
                    "identity_basis: case {reference} does not exist or is closed"
                )));
            }
            format!("kasus {reference}")
        }
        Basis::Letter(number) => format!("surat {number}"),
    };
    let context = user.context(&Purpose(format!("{} [identitas: {note}]", purpose.0)))?;
    Ok((Disclosure::Identified, context))
}

/// Whether a role reads pseudonymised data by default (for pages that offer the basis form).
pub fn pseudonymised_by_default(role: Role) -> bool {
    role.allows(Permission::ReadPersonal) && !role.allows(Permission::ReadIdentities)
}

/// Refuses a request that only makes sense about an identified person (the counter check) unless
/// the disclosure is identified.
pub fn require_identified(disclosure: Disclosure) -> Result<(), AppError> {
    match disclosure {
        Disclosure::Identified => Ok(()),
        Disclosure::Pseudonymised => Err(AppError::IdentityBasisRequired),
    }
}

/// Replaces identifiers with stable pseudonyms.
pub trait Pseudonymise {
    /// Pseudonymises in place when `disclosure` says so; a no-op otherwise.
    fn disclose(mut self, disclosure: Disclosure, store: &Store) -> Self
    where
        Self: Sized,
    {
        if disclosure == Disclosure::Pseudonymised {
            self.pseudonymise(store);
        }
        self
    }

    /// Pseudonymises in place.
    fn pseudonymise(&mut self, store: &Store);
}

/// The pseudonym shown for a NIK.
pub fn nik(store: &Store, value: &str) -> String {
    format!("NIK-{}", store.pseudonym("nik", value))
}

/// The pseudonym shown for a name.
pub fn name(store: &Store, value: &str) -> String {
    // Normalised, so "SANTOSO, Budi" and "Budi Santoso" get one pseudonym as they match one person.
    format!("NAMA-{}", store.pseudonym("name", &waspada_domain::normalise_name(value)))
}

/// The pseudonym for a value of some kind: `name`, `phone`, `nik`, `document` get the same
/// pseudonyms as in traveller records; anything else (`social`) its own.
pub fn pseudonym(store: &Store, kind: &str, value: &str) -> String {
    match kind {
        "name" => name(store, value),
        "nik" => nik(store, value),
        "document" => document(store, value),
        "phone" => phone(
            store,
            &waspada_domain::PhoneNumber::parse("phone", value)
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|_| value.to_owned()),
        ),
        other => format!("{}-{}", other.to_uppercase(), store.pseudonym(other, value)),
    }
}

fn document(store: &Store, value: &str) -> String {
    format!("DOK-{}", store.pseudonym("document", value))
}

fn phone(store: &Store, value: &str) -> String {
    format!("TEL-{}", store.pseudonym("phone", value))
}

fn birth_year(date: &str) -> String {
    date.chars().take(4).collect()
}

impl Pseudonymise for PersonDto {
    fn pseudonymise(&mut self, store: &Store) {
        self.nik = nik(store, &self.nik);
        self.full_name = name(store, &self.full_name);
        self.aliases = self.aliases.iter().map(|a| name(store, a)).collect();
        self.date_of_birth = birth_year(&self.date_of_birth);
        self.phones = self.phones.iter().map(|p| phone(store, p)).collect();
        self.address = None;
    }
}

impl Pseudonymise for DocumentDto {
    fn pseudonymise(&mut self, store: &Store) {
        self.number = document(store, &self.number);
        self.holder_nik = self.holder_nik.as_deref().map(|n| nik(store, n));
        self.surname = None;
        self.given_names = None;
        self.status_reason = None;
    }
}

impl Pseudonymise for ApplicationDto {
    fn pseudonymise(&mut self, store: &Store) {
        self.applicant_nik = nik(store, &self.applicant_nik);
        // A sponsor or agent may be one person; the pseudonym still shows who sponsors many.
        self.sponsor = self.sponsor.as_deref().map(|s| name(store, s));
        self.address_abroad = None;
        self.contact_phone = self.contact_phone.as_deref().map(|p| phone(store, p));
        self.interview_notes = None;
        if let Some(decision) = &mut self.decision {
            decision.reason = None;
        }
    }
}

impl Pseudonymise for CrossingDto {
    fn pseudonymise(&mut self, store: &Store) {
        self.document_number = document(store, &self.document_number);
        self.companions = self.companions.iter().map(|c| document(store, c)).collect();
    }
}

impl Pseudonymise for WatchlistDto {
    fn pseudonymise(&mut self, store: &Store) {
        self.full_name = name(store, &self.full_name);
        self.aliases = self.aliases.iter().map(|a| name(store, a)).collect();
        self.date_of_birth = self.date_of_birth.as_deref().map(birth_year);
        self.document_number = self.document_number.as_deref().map(|d| document(store, d));
        self.nik = self.nik.as_deref().map(|n| nik(store, n));
    }
}

impl Pseudonymise for TimelineDto {
    fn pseudonymise(&mut self, store: &Store) {
        // Event summaries quote document numbers and status reasons: rewrite them from the
        // pseudonymised records rather than trying to find identifiers inside the text.
        for event in &mut self.events {
            match event.kind.as_str() {
                "document_issued" | "document_status" => {
                    if let Some(d) = self.documents.iter().find(|d| d.id == event.record_id) {
                        let number = document(store, &d.number);
                        event.summary = if event.kind == "document_issued" {
                            format!("{} {} {number} issued, valid until {}", d.kind, d.issuing_state, d.expiry_date)
                        } else {
                            format!("{number} {}", d.status)
                        };
                    }
                }
                _ => {}
            }
        }
        self.person.pseudonymise(store);
        self.documents.iter_mut().for_each(|d| d.pseudonymise(store));
        self.applications.iter_mut().for_each(|a| a.pseudonymise(store));
        self.crossings.iter_mut().for_each(|c| c.pseudonymise(store));
    }
}

impl<T: Pseudonymise> Pseudonymise for Vec<T> {
    fn pseudonymise(&mut self, store: &Store) {
        self.iter_mut().for_each(|item| item.pseudonymise(store));
    }
}

impl<T: Pseudonymise> Pseudonymise for Option<T> {
    fn pseudonymise(&mut self, store: &Store) {
        if let Some(item) = self {
            item.pseudonymise(store);
        }
    }
}

/// The counter check is about one identified traveller; it is never pseudonymised, but refused
/// (see [`require_identified`]). This impl exists so that a future caller cannot pass a check
/// result through [`Pseudonymise::disclose`] and get identities back by mistake.
impl Pseudonymise for CheckResponse {
    fn pseudonymise(&mut self, store: &Store) {
        self.person.pseudonymise(store);
        self.document.pseudonymise(store);
        self.mrz = None;
        self.watchlist_hits.clear();
        self.report_links.clear();
        self.assessment = serde_json::Value::Null;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_are_parsed_strictly() {
        assert_eq!(parse_basis("ks-2026-0001").ok(), Some(Basis::Case("KS-2026-0001".into())));
        assert_eq!(parse_basis(" KS-2026-12345 ").ok(), Some(Basis::Case("KS-2026-12345".into())));
        assert_eq!(parse_basis("surat 123/WAS/XI/2026").ok(), Some(Basis::Letter("123/WAS/XI/2026".into())));
        assert_eq!(parse_basis("Letter ST-77").ok(), Some(Basis::Letter("ST-77".into())));
        for bad in [
            "KS-26-0001",
            "KS-2026-1",
            "KS-2026-0001-2",
            "surat",
            "surat --",
            "surat abc",
            "surat 1] [pseudonim",
            "because",
            "x".repeat(101).as_str(),
        ] {
            assert!(parse_basis(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// Any text gets an answer (never a panic); what is accepted is one of the two forms, a
        /// case reference written the one way the cases table writes it.
        #[test]
        fn any_basis_text_is_answered(text in "\\PC{0,120}") {
            match parse_basis(&text) {
                Ok(Basis::Case(reference)) => {
                    proptest::prop_assert!(reference.starts_with("KS-") && reference.len() <= 17);
                    proptest::prop_assert_eq!(reference.clone(), reference.to_uppercase());
                }
                Ok(Basis::Letter(number)) => {
                    proptest::prop_assert!(number.chars().filter(|c| c.is_alphanumeric()).count() >= 2);
                    proptest::prop_assert!(!number.contains('[') && !number.contains(']'));
                }
                Err(_) => {}
            }
        }

        #[test]
        fn case_references_are_read_in_any_case(year in 2000u32..2100, number in 1u32..99_999) {
            let reference = format!("KS-{year}-{number:04}");
            proptest::prop_assert_eq!(parse_basis(&reference.to_lowercase()).ok(), Some(Basis::Case(reference)));
        }
    }

    #[test]
    fn birth_dates_keep_the_year() {
        assert_eq!(birth_year("1990-04-12"), "1990");
        assert_eq!(birth_year("1990"), "1990");
    }
}
