//! The counter check (`POST /api/v1/checks`) and the officer's decision (`POST
//! /api/v1/decisions`).
//!
//! The [`Engine`] keeps in memory what a check needs within a blink: the watchlist screening
//! index, the risk facts (applications by contact phone, sponsor, desa; persons' documents) and
//! the indicator policy. It is loaded from the store at start-up and updated by every write that
//! goes through the API, so a new watchlist entry is screened against from the next request on.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Json;
use axum::extract::State;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waspada_domain::{Decision, DecisionOutcome, Nik, PassportApplication, WatchlistEntry};
use waspada_formats::{Kind, Record};
use waspada_risk::{Assessment, Facts, Policy, Recommendation};
use waspada_screen::{BirthDate, Entry, Index, Query};
use waspada_store::{AuditContext, ConflictPolicy, ImportKind, PartyRole, RowOutcome, Store, Stored};

use crate::AppState;
use crate::auth::{CurrentUser, Purpose};
use crate::dto::{ApplicationDto, DocumentDto, MrzReportDto, PersonDto};
use crate::error::{AppError, ErrorBody};
use crate::roles::{Permission, require};

/// Serialises decisions within the process (see `record_decision`).
static DECISIONS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What a watchlist hit needs beyond the screening index.
#[derive(Debug, Clone)]
struct ListedEntry {
    category: String,
    legal_basis: String,
    source: Option<String>,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
    nik: Option<String>,
}

/// The in-memory state behind checks.
pub struct Engine {
    policy: Policy,
    facts: Facts,
    watchlist: Index,
    listed: HashMap<String, ListedEntry>,
    /// Confirmed links between public reports and persons, by NIK.
    report_links: HashMap<String, Vec<ReportLinkAlert>>,
}

/// A traveller record a report may be about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportCandidate {
    /// NIK.
    pub nik: String,
    /// Name on record.
    pub name: String,
    /// What matched: `phone_owner`, `contact_phone_on_application`, `sponsor_on_application`,
    /// `similar_name`.
    pub basis: &'static str,
    /// The role the match suggests.
    #[schema(value_type = String)]
    pub suggested_role: PartyRole,
}

/// A confirmed link between a public report and the person checked: shown at the counter as an
/// indicator, with its role kept (a possible victim is protected, a suspect investigated).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportLinkAlert {
    /// The report (internal id; case workers open it).
    pub submission_id: i64,
    /// `possible_victim`, `suspect`, `witness`, `reporter`.
    #[schema(value_type = String)]
    pub role: PartyRole,
    /// What matched.
    pub basis: String,
    /// When a case worker confirmed it.
    pub confirmed_at: String,
    /// Bahasa Indonesia.
    pub text_id: String,
    /// English.
    pub text_en: String,
    /// Why it may be used (advice only).
    pub legal_basis: &'static str,
}

/// The legal basis a report link is shown under.
pub const REPORT_LINK_LEGAL_BASIS: &str = "UU 21/2007 (PTPPO) Pasal 56-57 jo. UU 27/2022 (PDP) Pasal 15(1): pencegahan TPPO; laporan masyarakat yang dikonfirmasi petugas kasus";

impl ReportLinkAlert {
    /// The alert for a confirmed link.
    pub fn new(submission_id: i64, role: PartyRole, basis: &str, confirmed_at: &str) -> ReportLinkAlert {
        let (text_id, text_en) = match role {
            PartyRole::PossibleVictim => (
                format!(
                    "Disebut dalam laporan masyarakat #{submission_id} sebagai kemungkinan korban: wawancara dengan hati-hati, tawarkan bantuan."
                ),
                format!(
                    "Named in public report #{submission_id} as a possible victim: interview with care, offer help."
                ),
            ),
            PartyRole::Suspect => (
                format!(
                    "Disebut dalam laporan masyarakat #{submission_id} sebagai terduga perekrut: periksa sponsor dan pendamping."
                ),
                format!(
                    "Named in public report #{submission_id} as a suspected recruiter: check sponsor and companions."
                ),
            ),
            PartyRole::Witness | PartyRole::Reporter => (
                format!("Terkait laporan masyarakat #{submission_id} (saksi/pelapor)."),
                format!("Linked to public report #{submission_id} (witness/reporter)."),
            ),
        };
        ReportLinkAlert {
            submission_id,
            role,
            basis: basis.to_owned(),
            confirmed_at: confirmed_at.to_owned(),
            text_id,
            text_en,
            legal_basis: REPORT_LINK_LEGAL_BASIS,
        }
    }
}

/// Shared, updated on writes.
pub type SharedEngine = Arc<RwLock<Engine>>;

fn watch_entry(entry: &WatchlistEntry) -> (Entry, ListedEntry) {
    let mut names = vec![entry.full_name.as_str().to_owned()];
    names.extend(entry.aliases.iter().map(|a| a.as_str().to_owned()));
    (
        Entry {
            id: entry.external_id.clone(),
            names,
            date_of_birth: entry.date_of_birth.as_ref().map(|d| BirthDate {
                year: d.year(),
                month: d.month(),
                day: d.day(),
            }),
            sex: entry.sex.map(|s| if s.code() == "F" { 'F' } else { 'M' }),
            nationality: entry.nationality.as_ref().map(|n| n.as_str().to_owned()),
            document_number: entry.document_number.as_ref().map(|d| d.as_str().to_owned()),
        },
        ListedEntry {
            category: entry.category.code().to_owned(),
            legal_basis: entry.legal_basis.clone(),
            source: entry.source.clone(),
            valid_from: entry.valid_from,
            valid_until: entry.valid_until,
            nik: entry.nik.as_ref().map(|n| n.as_str().to_owned()),
        },
    )
}

impl Engine {
    /// An empty engine under a policy.
    pub fn new(policy: Policy) -> Engine {
        let mut facts = Facts::new();
        facts.finish();
        Engine { policy, facts, watchlist: Index::new(), listed: HashMap::new(), report_links: HashMap::new() }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Loads every person, document, application and watchlist entry from the store (one audit
    /// entry per kind, as `system` with the purpose "counter-check index").
    pub fn load(store: &Store, policy: Policy) -> waspada_store::Result<Engine> {
        let context = AuditContext::new("system:check-index", "counter-check index")?;
        let mut engine = Engine::new(policy);
        let mut facts = Facts::new();
        store.export(ImportKind::Persons, &context, |s: Stored<waspada_domain::Person>| {
            facts.add_person(&s.record);
            Ok(())
        })?;
        store.export(ImportKind::Documents, &context, |s: Stored<waspada_domain::TravelDocument>| {
            facts.add_document(&s.record);
            Ok(())
        })?;
        store.export(ImportKind::Applications, &context, |s: Stored<PassportApplication>| {
            facts.add_application(&s.record);
            Ok(())
        })?;
        facts.finish();
        engine.facts = facts;
        let mut entries = Vec::new();
        store.export(ImportKind::Watchlist, &context, |s: Stored<WatchlistEntry>| {
            let (entry, listed) = watch_entry(&s.record);
            engine.listed.insert(entry.id.clone(), listed);
            entries.push(entry);
            Ok(())
        })?;
        engine.watchlist = Index::build(entries).0;
        for link in store.confirmed_report_links(&context)? {
            if let Some(role) = link.role {
                let alert = ReportLinkAlert::new(link.submission_id, role, &link.basis, &link.decided_at);
                engine.set_report_link(&link.nik, link.submission_id, Some(alert));
            }
        }
        Ok(engine)
    }

    /// Takes in records just stored through the API.
    pub fn apply(&mut self, records: &[Record]) {
        for record in records {
            match record {
                Record::Person(p) => self.facts.add_person(p),
                Record::Document(d) => self.facts.add_document(d),
                Record::Application(a) => {
                    self.facts.add_application(a);
                }
                Record::Watchlist(w) => {
                    let (entry, listed) = watch_entry(w);
                    self.listed.insert(entry.id.clone(), listed);
                    // An edited entry replaces its old names and aliases at once.
                    let _ = self.watchlist.replace(entry);
                }
                Record::Crossing(_) => {}
            }
        }
    }

    /// Persons whose name is close to `name` (optionally born in `year`): (NIK, name, birth year,
    /// score), best first. From the in-memory persons' name index.
    pub(crate) fn search_names(&self, name: &str, year: Option<i32>, top: usize) -> Vec<(String, String, i32, f32)> {
        let Some(index) = &self.facts.names else { return Vec::new() };
        let query = Query {
            full_name: name.to_owned(),
            date_of_birth: year.map(|y| BirthDate { year: y, month: None, day: None }),
            rank_year: None,
            sex: None,
            nationality: None,
            document_number: None,
        };
        index
            .screen(&query, 0.75, top)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|hit| {
                let id = *self.facts.by_nik.get(&hit.entry_id)?;
                let p = &self.facts.persons[id as usize];
                Some((p.nik.clone(), p.name.clone(), p.birth_year, hit.score))
            })
            .collect()
    }

    /// Persons linked to this one, with why: the same household (address), a shared phone, the
    /// owner of a contact phone on their applications (an agent), people who gave their phone as
    /// contact, and companions on crossings (`companions`: document numbers).
    pub(crate) fn linked(&self, nik: &str, companions: &[String]) -> Vec<(String, String, &'static str)> {
        let facts = &self.facts;
        let Some(&me) = facts.by_nik.get(nik) else { return Vec::new() };
        let person = &facts.persons[me as usize];
        let mut out: Vec<(u32, &'static str)> = Vec::new();
        let mut add = |id: u32, why: &'static str| {
            if id != me && !out.iter().any(|(o, w)| *o == id && *w == why) && out.len() < 60 {
                out.push((id, why));
            }
        };
        if let Some(members) = person.address.as_ref().and_then(|a| facts.households.get(a)) {
            members.iter().for_each(|&m| add(m, "household"));
        }
        for phone in &person.phones {
            facts.phone_owners.get(phone).into_iter().flatten().for_each(|&p| add(p, "shared_phone"));
            for &app in facts.by_phone.get(phone).into_iter().flatten().take(20) {
                add(facts.applications[app as usize].person, "uses_their_phone");
            }
        }
        for &app in &person.applications {
            if let Some(phone) = &facts.applications[app as usize].phone
                && !person.phones.contains(phone)
            {
                facts.phone_owners.get(phone).into_iter().flatten().for_each(|&p| add(p, "contact_phone_owner"));
            }
        }
        for number in companions {
            if let Some(&holder) = facts.by_document.get(number) {
                add(holder, "companion");
            }
        }
        out.into_iter()
            .map(|(id, why)| {
                let p = &facts.persons[id as usize];
                (p.nik.clone(), p.name.clone(), why)
            })
            .collect()
    }

    /// Traveller records a report's recruiter details point at, with why and the role the link
    /// suggests: the owner of the recruiter's phone and persons with a similar name (suspect);
    /// applicants who gave that phone as their contact, or named that company as sponsor or
    /// employer (possible victim). At most 20, strongest bases first. Candidates only: a case
    /// worker confirms or rejects each.
    pub fn report_candidates(
        &self,
        phone: Option<&str>,
        name: Option<&str>,
        company: Option<&str>,
    ) -> Vec<ReportCandidate> {
        let facts = &self.facts;
        let mut out: Vec<ReportCandidate> = Vec::new();
        let mut add = |id: u32, basis: &'static str, suggested: PartyRole| {
            let Some(p) = facts.persons.get(id as usize) else { return };
            if out.len() < 20 && !out.iter().any(|c| c.nik == p.nik) {
                out.push(ReportCandidate {
                    nik: p.nik.clone(),
                    name: p.name.clone(),
                    basis,
                    suggested_role: suggested,
                });
            }
        };
        if let Some(phone) = phone {
            facts
                .phone_owners
                .get(phone)
                .into_iter()
                .flatten()
                .for_each(|&p| add(p, "phone_owner", PartyRole::Suspect));
            for &app in facts.by_phone.get(phone).into_iter().flatten().take(20) {
                add(facts.applications[app as usize].person, "contact_phone_on_application", PartyRole::PossibleVictim);
            }
        }
        if let Some(company) = company.map(waspada_risk::facts::normalise_sponsor).filter(|c| !c.is_empty()) {
            for &app in facts.by_sponsor.get(&company).into_iter().flatten().take(20) {
                add(facts.applications[app as usize].person, "sponsor_on_application", PartyRole::PossibleVictim);
            }
        }
        if let Some(name) = name.filter(|n| n.split_whitespace().count() >= 2) {
            for (nik, _, _, score) in self.search_names(name, None, 5) {
                if score >= 0.85
                    && let Some(&id) = facts.by_nik.get(&nik)
                {
                    add(id, "similar_name", PartyRole::Suspect);
                }
            }
        }
        out
    }

    /// Confirmed links of a person to public reports, for the counter check.
    pub(crate) fn report_links_of(&self, nik: &str) -> &[ReportLinkAlert] {
        self.report_links.get(nik).map_or(&[], Vec::as_slice)
    }

    /// Forgets every link of one report (it was judged spam).
    pub fn forget_report(&mut self, submission_id: i64) {
        for links in self.report_links.values_mut() {
            links.retain(|a| a.submission_id != submission_id);
        }
    }

    /// Replaces what the engine knows of one report's link to one person.
    pub fn set_report_link(&mut self, nik: &str, submission_id: i64, alert: Option<ReportLinkAlert>) {
        let list = self.report_links.entry(nik.to_owned()).or_default();
        list.retain(|a| a.submission_id != submission_id);
        list.extend(alert);
    }

    /// Records a decision in the facts (delays and refusals count as earlier setbacks).
    fn decided(&mut self, application: &PassportApplication) {
        if let Some(&id) = self.facts.by_reference.get(&application.reference)
            && let Some(app) = self.facts.applications.get_mut(id as usize)
        {
            app.setback = application
                .decision
                .as_ref()
                .filter(|d| d.outcome.code() != "issued")
                .map(|d| (d.outcome.code().to_owned(), d.decided_at.date_naive()));
        }
    }
}

/// What to check: an MRZ as scanned, a NIK or a document number, and optionally the
/// application being decided.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckRequest {
    /// The machine-readable zone, lines separated by newlines.
    pub mrz: Option<String>,
    /// A 16-digit NIK.
    pub nik: Option<String>,
    /// A document number (with `issuing_state`, default any).
    pub document_number: Option<String>,
    /// Three-letter code.
    pub issuing_state: Option<String>,
    /// The application being decided.
    pub application_reference: Option<String>,
}

/// A watchlist hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistHitDto {
    /// The watchlist entry's identifier.
    pub entry_id: String,
    /// `pencegahan`, `penangkalan`, `person_of_interest`, `interpol_notice`.
    pub category: String,
    /// 0..1.
    pub score: f32,
    /// Which name parts matched how, and which attributes agreed or conflicted.
    pub reasons: Vec<String>,
    /// Why the person is listed.
    pub legal_basis: String,
    /// Who listed them.
    pub source: Option<String>,
    /// First day in force.
    pub valid_from: String,
    /// Last day in force, if limited.
    pub valid_until: Option<String>,
}

/// A problem with the document itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentAlertDto {
    /// `lost`, `stolen`, `revoked`, `other_identity`, `expired`, `mrz_invalid`, `not_on_file`.
    pub code: String,
    /// Bahasa Indonesia.
    pub text_id: String,
    /// English.
    pub text_en: String,
}

/// The answer to a check.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResponse {
    /// The person found, if any.
    pub person: Option<PersonDto>,
    /// The document checked, if found.
    pub document: Option<DocumentDto>,
    /// The MRZ as read, if one was given.
    pub mrz: Option<MrzReportDto>,
    /// Problems with the document (status, expiry, zone, identity).
    pub document_alerts: Vec<DocumentAlertDto>,
    /// Watchlist entries in force that match, best first.
    pub watchlist_hits: Vec<WatchlistHitDto>,
    /// Public reports a case worker confirmed are about this person, each with the role (never
    /// merged: a possible victim is protected, a suspect investigated).
    pub report_links: Vec<ReportLinkAlert>,
    /// The indicators that apply, each with reason, evidence, legal basis and expiry.
    #[schema(value_type = Object)]
    pub assessment: serde_json::Value,
    /// `proceed`, `secondary_interview` or `supervisor_review`: advice, never a decision.
    pub recommendation: String,
    /// The indicator policy used.
    pub policy_version: String,
    /// When (UTC).
    pub checked_at: String,
}

fn alert(code: &str, text_id: String, text_en: String) -> DocumentAlertDto {
    DocumentAlertDto { code: code.into(), text_id, text_en }
}

fn recommendation_code(r: Recommendation) -> &'static str {
    match r {
        Recommendation::Proceed => "proceed",
        Recommendation::SecondaryInterview => "secondary_interview",
        Recommendation::SupervisorReview => "supervisor_review",
    }
}

/// Check a traveller at the counter or checkpoint.
#[utoipa::path(post, path = "/api/v1/checks", tag = "checks", request_body = CheckRequest,
    params(("X-Purpose" = String, Header, description = "Purpose of access"),
        ("X-Identity-Basis" = Option<String>, Header, description = "Analysts (required for them): an open case (KS-2026-0001) or surat <number>")),
    responses((status = 200, body = CheckResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    basis: crate::pseudonyms::IdentityBasis,
    body: Result<Json<CheckRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CheckResponse>, AppError> {
    require(user.role, Permission::Check)?;
    let Json(request) = body?;
    // The check is about one identified traveller: an analyst states why (a case or a letter).
    let (disclosure, context) = crate::pseudonyms::disclosure(&state, &user, &purpose, &basis).await?;
    crate::pseudonyms::require_identified(disclosure)?;
    Ok(Json(run_check(&state, context, request).await?))
}

/// The counter check behind both the API and the web page. The caller has checked the role.
pub(crate) async fn run_check(
    state: &AppState,
    context: AuditContext,
    request: CheckRequest,
) -> Result<CheckResponse, AppError> {
    let today = Utc::now().date_naive();
    let mrz = match request.mrz.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(text) if text.len() > 200 => {
            return Err(AppError::BadRequest("an MRZ has at most 3 lines of 44 characters".into()));
        }
        Some(text) => Some(waspada_mrz::check(text, today)),
        None => None,
    };
    let nik = match request.nik.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(text) => Some(Nik::parse(text).map_err(|e| AppError::BadRequest(format!("nik: {e}")))?),
        None => None,
    };
    let fields = mrz.as_ref().and_then(|r| r.fields.clone());
    let number = request
        .document_number
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| fields.as_ref().map(|f| f.document_number.clone()).filter(|n| !n.is_empty()));
    let issuing_state = request
        .issuing_state
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| fields.as_ref().map(|f| f.issuing_state.clone()).filter(|s| !s.is_empty()));
    if nik.is_none() && number.is_none() {
        return Err(AppError::BadRequest(
            "give an MRZ, a NIK or a document number / isi MRZ, NIK atau nomor dokumen".into(),
        ));
    }
    if let Some(number) = &number
        && (number.len() > 40 || !number.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-'))
    {
        return Err(AppError::BadRequest("document_number: letters and digits only".into()));
    }
    let store = state.store.clone();
    let engine = state.engine.clone();
    let response = tokio::task::spawn_blocking(move || -> Result<CheckResponse, AppError> {
        let normalised: Option<String> = number
            .as_deref()
            .map(|n| n.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect::<String>());
        let lookup_state = issuing_state.as_deref().map(str::to_ascii_uppercase);
        let (person, documents) =
            store.check_lookup(nik.as_ref(), normalised.as_deref().map(|n| (n, lookup_state.as_deref())), &context)?;
        if person.is_none() && documents.is_empty() && fields.is_none() {
            return Err(AppError::NotFound);
        }
        let engine = engine.read().map_err(|_| AppError::Internal("check index lock poisoned".into()))?;
        let document = documents.first();
        let mut alerts = Vec::new();
        if let Some(report) = &mrz
            && !report.is_valid()
        {
            let problems: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
            alerts.push(alert(
                "mrz_invalid",
                format!("MRZ tidak sah: {}", problems.join("; ")),
                format!("The MRZ is not valid: {}", problems.join("; ")),
            ));
        }
        if normalised.is_some() && document.is_none() {
            alerts.push(alert(
                "not_on_file",
                "Dokumen tidak ada dalam data".into(),
                "The document is not on file".into(),
            ));
        }
        if let Some(doc) = document {
            let status = doc.record.status.code();
            if let Some((reason, at)) = doc.record.status.detail() {
                let (id, en) = match status {
                    "lost" => ("Dilaporkan HILANG", "Reported LOST"),
                    "stolen" => ("Dilaporkan DICURI", "Reported STOLEN"),
                    _ => ("DICABUT", "REVOKED"),
                };
                alerts.push(alert(
                    status,
                    format!("{id} {}: {reason}", at.date_naive()),
                    format!("{en} {}: {reason}", at.date_naive()),
                ));
            }
            if doc.record.expiry_date < today {
                alerts.push(alert(
                    "expired",
                    format!("Masa berlaku habis {}", doc.record.expiry_date),
                    format!("Expired on {}", doc.record.expiry_date),
                ));
            }
            // The zone says who the document belongs to; the file says who holds it.
            if let (Some(f), Some(p)) = (&fields, &person) {
                let born = f.date_of_birth.date;
                let stored_born = p.record.date_of_birth.to_date();
                let name_zone = format!("{} {}", f.given_names, f.surname);
                let similar =
                    match (waspada_names::analyse(&name_zone), waspada_names::analyse(p.record.full_name.as_str())) {
                        (Ok(a), Ok(b)) => waspada_names::compare(&a, &b, &waspada_names::default_weight).score,
                        _ => 1.0,
                    };
                if (born.is_some() && stored_born.is_some() && born != stored_born) || similar < 0.6 {
                    alerts.push(alert(
                        "other_identity",
                        format!("Data MRZ ({name_zone}) tidak cocok dengan pemegang terdaftar"),
                        format!("The MRZ ({name_zone}) does not match the registered holder"),
                    ));
                }
            }
        }
        // Screen the person's name (and the zone's, when it differs) against the watchlist.
        let mut hits: Vec<WatchlistHitDto> = Vec::new();
        let mut queries = Vec::new();
        if let Some(p) = &person {
            let r = &p.record;
            queries.push(Query {
                full_name: r.full_name.as_str().to_owned(),
                date_of_birth: Some(BirthDate {
                    year: r.date_of_birth.year(),
                    month: r.date_of_birth.month(),
                    day: r.date_of_birth.day(),
                }),
                rank_year: None,
                sex: Some(if r.sex.code() == "F" { 'F' } else { 'M' }),
                nationality: Some("IDN".into()),
                document_number: normalised.clone(),
            });
        }
        if let Some(f) = &fields {
            queries.push(Query {
                full_name: format!("{} {}", f.given_names, f.surname),
                date_of_birth: f.date_of_birth.date.map(|d| BirthDate {
                    year: chrono::Datelike::year(&d),
                    month: Some(chrono::Datelike::month(&d)),
                    day: Some(chrono::Datelike::day(&d)),
                }),
                rank_year: None,
                sex: match f.sex {
                    waspada_mrz::Sex::Female => Some('F'),
                    waspada_mrz::Sex::Male => Some('M'),
                    _ => None,
                },
                nationality: Some(f.nationality.clone()).filter(|n| !n.is_empty()),
                document_number: normalised.clone(),
            });
        }
        let person_nik = person.as_ref().map(|p| p.record.nik.as_str().to_owned());
        for query in &queries {
            for hit in engine.watchlist.screen(query, waspada_screen::DEFAULT_THRESHOLD, 10).unwrap_or_default() {
                push_hit(&mut hits, &engine, hit.entry_id, hit.score, hit.reasons, today);
            }
        }
        // A listed NIK is an exact hit whatever the name.
        if let Some(nik) = &person_nik {
            let exact: Vec<String> =
                engine.listed.iter().filter(|(_, l)| l.nik.as_deref() == Some(nik)).map(|(id, _)| id.clone()).collect();
            for id in exact {
                push_hit(&mut hits, &engine, id, 1.0, vec![format!("NIK matches: {nik}")], today);
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        // The indicators: for the application being decided, or for the person.
        let assessment: Option<Assessment> = match (&request.application_reference, &person_nik) {
            (Some(reference), _) if !reference.trim().is_empty() => {
                let id = engine.facts.by_reference.get(reference.trim()).copied().ok_or_else(|| {
                    AppError::BadRequest(format!("application_reference {reference:?} is not on file"))
                })?;
                // Only the checked person's own application may be assessed here.
                let applicant = engine.facts.applications.get(id as usize).map(|a| a.person);
                let checked = person_nik.as_ref().and_then(|n| engine.facts.by_nik.get(n)).copied();
                if applicant.is_none() || applicant != checked {
                    return Err(AppError::BadRequest(format!(
                        "application_reference {reference:?} is not an application of the person checked"
                    )));
                }
                waspada_risk::assess_application(&engine.policy, &engine.facts, id)
            }
            (_, Some(nik)) => engine
                .facts
                .by_nik
                .get(nik)
                .and_then(|&id| waspada_risk::assess_person(&engine.policy, &engine.facts, id, today)),
            _ => None,
        };
        let mut recommendation = assessment.as_ref().map_or(Recommendation::Proceed, |a| a.recommendation);
        if hits.iter().any(|h| h.category == "pencegahan" || h.category == "interpol_notice")
            || alerts.iter().any(|a| matches!(a.code.as_str(), "lost" | "stolen" | "revoked" | "other_identity"))
        {
            recommendation = Recommendation::SupervisorReview;
        } else if !hits.is_empty() || alerts.iter().any(|a| a.code == "mrz_invalid") {
            recommendation = recommendation.max(Recommendation::SecondaryInterview);
        }
        let report_links: Vec<ReportLinkAlert> =
            person_nik.as_deref().map(|nik| engine.report_links_of(nik).to_vec()).unwrap_or_default();
        if !report_links.is_empty() {
            recommendation = recommendation.max(Recommendation::SecondaryInterview);
        }
        // Writers (API saves, decisions) must not wait on the audit write below.
        let policy_version = engine.policy.version.clone();
        drop(engine);
        // The outcome of the check, for the dashboard and the audit view (no personal data).
        let subject = person.as_ref().map_or_else(|| "person:none".to_owned(), |p| format!("person:{}", p.id));
        store.record_audit(
            &context,
            "check.result",
            &subject,
            &format!(
                "recommendation={} hits={} alerts={} report_links={}",
                recommendation_code(recommendation),
                hits.len(),
                alerts.len(),
                report_links.len()
            ),
        )?;
        Ok(CheckResponse {
            person: person.as_ref().map(PersonDto::from),
            document: document.map(DocumentDto::from),
            mrz: mrz.as_ref().map(MrzReportDto::from),
            document_alerts: alerts,
            watchlist_hits: hits,
            report_links,
            assessment: serde_json::to_value(&assessment).unwrap_or(serde_json::Value::Null),
            recommendation: recommendation_code(recommendation).into(),
            policy_version,
            checked_at: waspada_domain::format_timestamp(Utc::now()),
        })
    })
    .await??;
    Ok(response)
}

fn push_hit(
    hits: &mut Vec<WatchlistHitDto>,
    engine: &Engine,
    entry_id: String,
    score: f32,
    reasons: Vec<String>,
    today: NaiveDate,
) {
    let Some(listed) = engine.listed.get(&entry_id) else { return };
    // Entries not yet or no longer in force are not hits.
    if listed.valid_from > today || listed.valid_until.is_some_and(|u| u < today) {
        return;
    }
    if let Some(existing) = hits.iter_mut().find(|h| h.entry_id == entry_id) {
        if score > existing.score {
            existing.score = score;
            existing.reasons = reasons;
        }
        return;
    }
    hits.push(WatchlistHitDto {
        entry_id,
        category: listed.category.clone(),
        score,
        reasons,
        legal_basis: listed.legal_basis.clone(),
        source: listed.source.clone(),
        valid_from: listed.valid_from.to_string(),
        valid_until: listed.valid_until.map(|d| d.to_string()),
    });
}

/// The officer's decision on an application.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// The application's office reference.
    pub application_reference: String,
    /// `issued`, `delayed` or `refused`.
    pub outcome: String,
    /// Required for a delay or refusal.
    pub reason: Option<String>,
    /// Required for a delay or refusal.
    pub legal_basis: Option<String>,
}

/// Record a decision, signed by the signed-in officer. Risk scores never decide: this does.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "checks", request_body = DecisionRequest,
    params(("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 200, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    body: Result<Json<DecisionRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<ApplicationDto>, AppError> {
    require(user.role, Permission::Decide)?;
    let Json(request) = body?;
    let context = user.context(&purpose)?;
    let stored = record_decision(&state, &user, context, request).await?;
    Ok(Json(ApplicationDto::from(&stored)))
}

/// Records a decision for the API and the web form. The caller has checked the role.
pub(crate) async fn record_decision(
    state: &AppState,
    user: &CurrentUser,
    context: AuditContext,
    request: DecisionRequest,
) -> Result<Stored<PassportApplication>, AppError> {
    let outcome =
        DecisionOutcome::parse("outcome", &request.outcome).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let decision = Decision {
        outcome,
        officer: user.username.clone(),
        reason: clean(request.reason),
        legal_basis: clean(request.legal_basis),
        decided_at: Utc::now(),
    }
    .validate()
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let store = state.store.clone();
    let engine = state.engine.clone();
    let reference = request.application_reference.trim().to_owned();
    tokio::task::spawn_blocking(move || -> Result<Stored<PassportApplication>, AppError> {
        // One decision at a time in this process, so two officers cannot both decide the same
        // application between the read and the write.
        let _one_at_a_time = DECISIONS.lock().map_err(|_| AppError::Internal("decision lock poisoned".into()))?;
        let Some(mut stored) = store.application_by_reference(&reference, &context)? else {
            return Err(AppError::NotFound);
        };
        if let Some(existing) = &stored.record.decision {
            if existing.outcome == decision.outcome {
                // Sent twice: already recorded, nothing changes.
                return Ok(stored);
            }
            return Err(AppError::Conflict(format!(
                "already decided ({}) by {} at {}; a different decision needs a new application or a supervisor's correction",
                existing.outcome.code(),
                existing.officer,
                waspada_domain::format_timestamp(existing.decided_at)
            )));
        }
        stored.record.decision = Some(decision);
        let application = stored.record.clone().validate().map_err(|e| AppError::BadRequest(e.to_string()))?;
        let outcome =
            store.import_applications(std::slice::from_ref(&application), ConflictPolicy::Update, &context)?;
        if let Some(RowOutcome::Rejected(reason)) = outcome.first() {
            return Err(AppError::BadRequest(reason.clone()));
        }
        if let Ok(mut engine) = engine.write() {
            engine.decided(&application);
        }
        let outcome_code = application.decision.as_ref().map_or("", |d| d.outcome.code());
        store.record_audit(
            &context,
            "decision.record",
            &format!("application:{}", stored.id),
            &format!("outcome={outcome_code}"),
        )?;
        Ok(Stored { id: stored.id, record: application })
    })
    .await?
}

/// Takes records stored through the API into the engine.
pub fn absorb(engine: &SharedEngine, kind: Kind, records: &[Record]) {
    if kind == Kind::Crossings {
        return;
    }
    if let Ok(mut engine) = engine.write() {
        engine.apply(records);
    }
}
