//! The `/api/v1` JSON endpoints for traveller records, watchlists, MRZ checks and the audit log.
//! Each handler extracts, calls the store in a blocking thread, and converts.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use waspada_domain::Nik;
use waspada_formats::{Kind, Record, record_from_json};
use waspada_store::{AuditQuery, AuditVerdict, ConflictPolicy, RowOutcome};

use crate::AppState;
use crate::auth::{CurrentUser, Purpose};
use crate::dto::*;
use crate::error::{AppError, ErrorBody};
use crate::pseudonyms::{IdentityBasis, Pseudonymise, disclosure, require_identified};
use crate::roles::{Permission, require};

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await?
}

/// Find a person by NIK.
#[utoipa::path(get, path = "/api/v1/persons/by-nik/{nik}", tag = "persons",
    params(("nik" = String, Path, description = "16-digit NIK"), ("X-Purpose" = String, Header, description = "Purpose of access (or ?purpose=)"), ("X-Identity-Basis" = Option<String>, Header, description = "Analysts: an open case (KS-2026-0001) or surat <number> to see identities; pseudonymised without")),
    responses((status = 200, body = PersonDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person_by_nik(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    basis: IdentityBasis,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<PersonDto>, AppError> {
    require(user.role, Permission::ReadPersonal)?;
    let Path(nik) = path?;
    let nik = Nik::parse(&nik).map_err(|e| AppError::BadRequest(format!("nik: {e}")))?;
    let (disclosure, context) = disclosure(&state, &user, &purpose, &basis).await?;
    // Looking someone up by what identifies them is identity work: an analyst states why.
    require_identified(disclosure)?;
    let store = state.store.clone();
    let found = blocking(move || Ok(store.person_by_nik(&nik, &context)?)).await?;
    let found = found.as_ref().map(PersonDto::from).ok_or(AppError::NotFound)?;
    Ok(Json(found.disclose(disclosure, &state.store)))
}

/// Find a person by internal id.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons",
    params(("id" = i64, Path), ("X-Purpose" = String, Header), ("X-Identity-Basis" = Option<String>, Header, description = "Analysts: an open case (KS-2026-0001) or surat <number> to see identities; pseudonymised without")),
    responses((status = 200, body = PersonDto), (status = 404, body = ErrorBody)))]
pub async fn person_by_id(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    basis: IdentityBasis,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<PersonDto>, AppError> {
    require(user.role, Permission::ReadPersonal)?;
    let Path(id) = path?;
    let (disclosure, context) = disclosure(&state, &user, &purpose, &basis).await?;
    let store = state.store.clone();
    let found = blocking(move || Ok(store.person_by_id(id, &context)?)).await?;
    let found = found.as_ref().map(PersonDto::from).ok_or(AppError::NotFound)?;
    Ok(Json(found.disclose(disclosure, &state.store)))
}

/// Name search parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct NameQuery {
    /// Name (case, spacing, punctuation and word order do not matter).
    pub name: String,
    /// Optional birth year.
    pub birth_year: Option<i32>,
    /// At most this many results (default 20, at most 100).
    pub limit: Option<usize>,
}

/// Search persons by name and optional birth year.
#[utoipa::path(get, path = "/api/v1/persons/search", tag = "persons", params(NameQuery, ("X-Purpose" = String, Header), ("X-Identity-Basis" = Option<String>, Header, description = "Analysts: an open case (KS-2026-0001) or surat <number> to see identities; pseudonymised without")),
    responses((status = 200, body = Vec<PersonDto>), (status = 400, body = ErrorBody)))]
pub async fn persons_by_name(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    basis: IdentityBasis,
    query: Result<Query<NameQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<PersonDto>>, AppError> {
    require(user.role, Permission::ReadPersonal)?;
    let Query(query) = query?;
    if waspada_domain::normalise_name(&query.name).is_empty() {
        return Err(AppError::BadRequest("name must contain letters".into()));
    }
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let (disclosure, context) = disclosure(&state, &user, &purpose, &basis).await?;
    // Looking someone up by what identifies them is identity work: an analyst states why.
    require_identified(disclosure)?;
    let store = state.store.clone();
    let found = blocking(move || Ok(store.persons_by_name(&query.name, query.birth_year, limit, &context)?)).await?;
    let found: Vec<PersonDto> = found.iter().map(PersonDto::from).collect();
    Ok(Json(found.disclose(disclosure, &state.store)))
}

/// A person's documents, applications, decisions and crossings in time order.
#[utoipa::path(get, path = "/api/v1/persons/{id}/timeline", tag = "persons", params(("id" = i64, Path), ("X-Purpose" = String, Header), ("X-Identity-Basis" = Option<String>, Header, description = "Analysts: an open case (KS-2026-0001) or surat <number> to see identities; pseudonymised without")),
    responses((status = 200, body = TimelineDto), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    basis: IdentityBasis,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<TimelineDto>, AppError> {
    require(user.role, Permission::ReadPersonal)?;
    let Path(id) = path?;
    let (disclosure, context) = disclosure(&state, &user, &purpose, &basis).await?;
    let store = state.store.clone();
    let found = blocking(move || Ok(store.timeline(id, &context)?)).await?;
    let found = found.as_ref().map(TimelineDto::from).ok_or(AppError::NotFound)?;
    Ok(Json(found.disclose(disclosure, &state.store)))
}

/// Document lookup parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DocumentQuery {
    /// Restrict to one issuing state (e.g. `IDN`).
    pub issuing_state: Option<String>,
}

/// What a partner may learn of a document: its status, nothing about its holder.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentStatusDto {
    /// The number asked.
    pub number: String,
    /// Issuing state.
    pub issuing_state: String,
    /// `valid`, `lost`, `stolen`, `revoked`, … as recorded.
    pub status: String,
    /// When the status last changed.
    pub status_changed_at: Option<String>,
    /// Expiry date.
    pub expiry_date: String,
}

/// A document's status (lost, stolen, revoked or valid) without any holder data: the question a
/// partner agency asks at its border (like INTERPOL's SLTD). Audited like every look-up.
#[utoipa::path(get, path = "/api/v1/documents/{number}/status", tag = "documents",
    params(("number" = String, Path), DocumentQuery, ("X-Purpose" = String, Header)),
    responses((status = 200, body = Vec<DocumentStatusDto>), (status = 404, body = ErrorBody)))]
pub async fn document_status(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    query: Result<Query<DocumentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<DocumentStatusDto>>, AppError> {
    require(user.role, Permission::DocumentStatus)?;
    let Path(number) = path?;
    let Query(query) = query?;
    let number =
        waspada_domain::DocumentNumber::parse("number", &number).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let state_code = query
        .issuing_state
        .map(|s| waspada_domain::CountryCode::parse("issuing_state", &s))
        .transpose()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let context = user.context(&purpose)?;
    let store = state.store.clone();
    let found = blocking(move || {
        Ok(store.documents_by_number(number.as_str(), state_code.as_ref().map(|c| c.as_str()), &context)?)
    })
    .await?;
    if found.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(Json(
        found
            .iter()
            .map(DocumentDto::from)
            .map(|d| DocumentStatusDto {
                number: d.number,
                issuing_state: d.issuing_state,
                status: d.status,
                status_changed_at: d.status_changed_at,
                expiry_date: d.expiry_date,
            })
            .collect(),
    ))
}

/// Find documents by number, optionally restricted to one issuing state.
#[utoipa::path(get, path = "/api/v1/documents/{number}", tag = "documents", params(("number" = String, Path), DocumentQuery, ("X-Purpose" = String, Header), ("X-Identity-Basis" = Option<String>, Header, description = "Analysts: an open case (KS-2026-0001) or surat <number> to see identities; pseudonymised without")),
    responses((status = 200, body = Vec<DocumentDto>), (status = 404, body = ErrorBody)))]
pub async fn documents_by_number(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    basis: IdentityBasis,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    query: Result<Query<DocumentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<DocumentDto>>, AppError> {
    require(user.role, Permission::ReadPersonal)?;
    let Path(number) = path?;
    let Query(query) = query?;
    let number =
        waspada_domain::DocumentNumber::parse("number", &number).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let state_code = query
        .issuing_state
        .map(|s| waspada_domain::CountryCode::parse("issuing_state", &s))
        .transpose()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let (disclosure, context) = disclosure(&state, &user, &purpose, &basis).await?;
    // Looking someone up by what identifies them is identity work: an analyst states why.
    require_identified(disclosure)?;
    let store = state.store.clone();
    let found = blocking(move || {
        Ok(store.documents_by_number(number.as_str(), state_code.as_ref().map(|c| c.as_str()), &context)?)
    })
    .await?;
    if found.is_empty() {
        return Err(AppError::NotFound);
    }
    let found: Vec<DocumentDto> = found.iter().map(DocumentDto::from).collect();
    Ok(Json(found.disclose(disclosure, &state.store)))
}

/// Watchlist search parameters: any combination.
#[derive(Debug, Deserialize, IntoParams)]
pub struct WatchlistQuery {
    /// Name (exact after normalisation; fuzzy screening is a separate endpoint).
    pub name: Option<String>,
    /// NIK.
    pub nik: Option<String>,
    /// Document number.
    pub document_number: Option<String>,
}

/// Exact watchlist lookup by name, NIK or document number.
#[utoipa::path(get, path = "/api/v1/watchlist/search", tag = "watchlist", params(WatchlistQuery, ("X-Purpose" = String, Header), ("X-Identity-Basis" = Option<String>, Header, description = "Analysts: an open case (KS-2026-0001) or surat <number> to see identities; pseudonymised without")),
    responses((status = 200, body = Vec<WatchlistDto>), (status = 400, body = ErrorBody)))]
pub async fn watchlist_search(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    basis: IdentityBasis,
    query: Result<Query<WatchlistQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<WatchlistDto>>, AppError> {
    require(user.role, Permission::ReadPersonal)?;
    let Query(query) = query?;
    let nik =
        query.nik.as_deref().map(Nik::parse).transpose().map_err(|e| AppError::BadRequest(format!("nik: {e}")))?;
    let number = query
        .document_number
        .as_deref()
        .map(|n| waspada_domain::DocumentNumber::parse("document_number", n))
        .transpose()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if query.name.is_none() && nik.is_none() && number.is_none() {
        return Err(AppError::BadRequest("give name, nik or document_number".into()));
    }
    let (disclosure, context) = disclosure(&state, &user, &purpose, &basis).await?;
    // Looking someone up by what identifies them is identity work: an analyst states why.
    require_identified(disclosure)?;
    let store = state.store.clone();
    let found = blocking(move || {
        Ok(store.watchlist_exact(query.name.as_deref(), nik.as_ref(), number.as_ref().map(|n| n.as_str()), &context)?)
    })
    .await?;
    let found: Vec<WatchlistDto> = found.iter().map(WatchlistDto::from).collect();
    Ok(Json(found.disclose(disclosure, &state.store)))
}

/// The outcome of one submitted record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowResult {
    /// Position in the submitted array, from 0.
    pub index: usize,
    /// `inserted`, `updated`, `unchanged` or `rejected`.
    pub outcome: String,
    /// Why it was rejected.
    pub reason: Option<String>,
}

/// Write parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct WriteQuery {
    /// `reject` (default) or `update`: what to do when a record with the same natural key differs.
    pub on_conflict: Option<String>,
}

async fn write_records(
    state: AppState,
    user: CurrentUser,
    purpose: Purpose,
    kind: Kind,
    body: serde_json::Value,
    policy: Option<String>,
) -> Result<Json<Vec<RowResult>>, AppError> {
    let policy = match policy.as_deref() {
        None | Some("reject") => ConflictPolicy::Reject,
        Some("update") => ConflictPolicy::Update,
        Some(other) => {
            return Err(AppError::BadRequest(format!("on_conflict must be reject or update, not {other:?}")));
        }
    };
    let objects = match body {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => return Err(AppError::BadRequest("the body must be a JSON object or an array of objects".into())),
    };
    if objects.len() > 10_000 {
        return Err(AppError::BadRequest("at most 10000 records per request".into()));
    }
    let today = Utc::now().date_naive();
    let mut results: Vec<RowResult> = Vec::with_capacity(objects.len());
    let mut records = Vec::new();
    let mut positions = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        let parsed = match object {
            serde_json::Value::Object(map) => record_from_json(kind, map, today),
            _ => Err("each item must be a JSON object".to_owned()),
        };
        match parsed {
            Ok(record) => {
                positions.push(index);
                records.push(record);
            }
            Err(reason) => results.push(RowResult { index, outcome: "rejected".into(), reason: Some(reason) }),
        }
    }
    let context = user.context(&purpose)?;
    let store = state.store.clone();
    let kept = records.clone();
    let outcomes = blocking(move || Ok(import_records(&store, kind, records, policy, &context)?)).await?;
    // What was stored feeds the counter check from the next request on.
    let stored: Vec<Record> = kept
        .into_iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, RowOutcome::Inserted | RowOutcome::Updated))
        .map(|(r, _)| r)
        .collect();
    if !stored.is_empty() {
        let engine = state.engine.clone();
        blocking(move || {
            crate::checks::absorb(&engine, kind, &stored);
            Ok(())
        })
        .await?;
    }
    for (index, outcome) in positions.into_iter().zip(outcomes) {
        let (label, reason) = match outcome {
            RowOutcome::Inserted => ("inserted", None),
            RowOutcome::Updated => ("updated", None),
            RowOutcome::Unchanged => ("unchanged", None),
            RowOutcome::Rejected(reason) => ("rejected", Some(reason)),
        };
        results.push(RowResult { index, outcome: label.into(), reason });
    }
    results.sort_by_key(|r| r.index);
    Ok(Json(results))
}

/// Stores parsed records of one kind. Shared by the API and the CLI importer.
pub fn import_records(
    store: &waspada_store::Store,
    kind: Kind,
    records: Vec<Record>,
    policy: ConflictPolicy,
    context: &waspada_store::AuditContext,
) -> waspada_store::Result<Vec<RowOutcome>> {
    commit_records(store, stage_records(store, kind, records)?, policy, context)
}

/// A batch of records, made ready for storing as far as possible without the write lock.
#[derive(Debug)]
pub enum StagedRecords {
    /// Keys derived and rows sealed (persons and crossings, the bulk kinds).
    Prepared(waspada_store::PreparedImport),
    /// Stored as they are by [`commit_records`].
    Parsed(Kind, Vec<Record>),
}

/// The first half of [`import_records`]: a bulk importer runs it for the next batch while the
/// previous batch is committed.
pub fn stage_records(
    store: &waspada_store::Store,
    kind: Kind,
    records: Vec<Record>,
) -> waspada_store::Result<StagedRecords> {
    Ok(match kind {
        Kind::Crossings => {
            let crossings: Vec<_> =
                records.into_iter().filter_map(|r| if let Record::Crossing(x) = r { Some(x) } else { None }).collect();
            StagedRecords::Prepared(store.prepare_crossings(&crossings)?)
        }
        Kind::Persons => {
            let persons: Vec<_> =
                records.into_iter().filter_map(|r| if let Record::Person(x) = r { Some(x) } else { None }).collect();
            StagedRecords::Prepared(store.prepare_persons(&persons)?)
        }
        _ => StagedRecords::Parsed(kind, records),
    })
}

/// The second half of [`import_records`]: one write transaction.
pub fn commit_records(
    store: &waspada_store::Store,
    staged: StagedRecords,
    policy: ConflictPolicy,
    context: &waspada_store::AuditContext,
) -> waspada_store::Result<Vec<RowOutcome>> {
    let (kind, records) = match staged {
        StagedRecords::Prepared(prepared) => return store.commit_import(prepared, policy, context),
        StagedRecords::Parsed(kind, records) => (kind, records),
    };
    macro_rules! unwrap_kind {
        ($variant:ident) => {
            records
                .into_iter()
                .filter_map(|r| if let Record::$variant(x) = r { Some(x) } else { None })
                .collect::<Vec<_>>()
        };
    }
    match kind {
        Kind::Persons => store.import_persons(&unwrap_kind!(Person), policy, context),
        Kind::Documents => store.import_documents(&unwrap_kind!(Document), policy, context),
        Kind::Applications => store.import_applications(&unwrap_kind!(Application), policy, context),
        Kind::Crossings => store.import_crossings(&unwrap_kind!(Crossing), policy, context),
        Kind::Watchlist => store.import_watchlist(&unwrap_kind!(Watchlist), policy, context),
    }
}

macro_rules! write_endpoint {
    ($name:ident, $path:literal, $kind:expr, $permission:expr, $tag:literal) => {
        /// Create or update records (one JSON object or an array, with the columns of `docs/formats.md`).
        #[utoipa::path(post, path = $path, tag = $tag, params(WriteQuery, ("X-Purpose" = String, Header)),
            request_body(content = Object, description = "A record or an array of records"),
            responses((status = 200, body = Vec<RowResult>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            user: CurrentUser,
            purpose: Purpose,
            query: Result<Query<WriteQuery>, axum::extract::rejection::QueryRejection>,
            body: JsonBody<serde_json::Value>,
        ) -> Result<Json<Vec<RowResult>>, AppError> {
            require(user.role, $permission)?;
            let Query(query) = query?;
            let Json(body) = body?;
            write_records(state, user, purpose, $kind, body, query.on_conflict).await
        }
    };
}

write_endpoint!(post_persons, "/api/v1/persons", Kind::Persons, Permission::WriteRecords, "persons");
write_endpoint!(post_documents, "/api/v1/documents", Kind::Documents, Permission::WriteRecords, "documents");
write_endpoint!(
    post_applications,
    "/api/v1/applications",
    Kind::Applications,
    Permission::WriteRecords,
    "applications"
);
write_endpoint!(post_crossings, "/api/v1/crossings", Kind::Crossings, Permission::WriteRecords, "crossings");
write_endpoint!(post_watchlist, "/api/v1/watchlist", Kind::Watchlist, Permission::ManageWatchlist, "watchlist");

/// An MRZ to check.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MrzRequest {
    /// The zone's lines separated by newlines.
    pub mrz: String,
}

/// Parse and validate an MRZ (TD1, TD2, TD3). Nothing is stored.
#[utoipa::path(post, path = "/api/v1/mrz/check", tag = "mrz", request_body = MrzRequest,
    responses((status = 200, body = MrzReportDto), (status = 400, body = ErrorBody)))]
pub async fn mrz_check(user: CurrentUser, body: JsonBody<MrzRequest>) -> Result<Json<MrzReportDto>, AppError> {
    require(user.role, Permission::CheckMrz)?;
    let Json(request) = body?;
    if request.mrz.len() > 1_000 {
        return Err(AppError::BadRequest("an MRZ has at most 3 lines of 44 characters".into()));
    }
    let report = waspada_mrz::check(&request.mrz, Utc::now().date_naive());
    Ok(Json(MrzReportDto::from(&report)))
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Which records (internal ids).
    pub subject: String,
    /// Why.
    pub purpose: String,
    /// Counts and other non-personal detail.
    pub detail: String,
}

/// A time bound for the audit listing, normalised to the stored RFC 3339 UTC form.
pub(crate) fn audit_time(field: &str, text: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Some(format!("{day}T00:00:00")));
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| Some(waspada_domain::format_timestamp(t.with_timezone(&Utc))))
        .map_err(|_| AppError::BadRequest(format!("{field}: give a date YYYY-MM-DD or an RFC 3339 time")))
}

/// Audit listing parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditListQuery {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this subject, e.g. `person:42`.
    pub subject: Option<String>,
    /// Only entries about this person (by id), alone or among other subjects.
    pub person: Option<i64>,
    /// Entries before this sequence number.
    pub before: Option<i64>,
    /// Entries at or after this day (`YYYY-MM-DD`) or time (RFC 3339), UTC.
    pub since: Option<String>,
    /// Entries before this day or time, UTC.
    pub until: Option<String>,
    /// How many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// List audit entries, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditListQuery),
    responses((status = 200, body = Vec<AuditEntryDto>), (status = 403, body = ErrorBody)))]
pub async fn audit_list(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<AuditListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntryDto>>, AppError> {
    require(user.role, Permission::ReadAudit)?;
    let Query(q) = query?;
    let store = state.store.clone();
    let query = AuditQuery {
        actor: q.actor,
        action: q.action,
        subject: q.subject,
        person: q.person,
        before_seq: q.before,
        since: audit_time("since", q.since.as_deref())?,
        until: audit_time("until", q.until.as_deref())?,
        limit: q.limit.unwrap_or(100),
    };
    let entries = blocking(move || Ok(store.audit_entries(&query)?)).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntryDto {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                purpose: e.purpose,
                detail: e.detail,
            })
            .collect(),
    ))
}

/// The result of verifying the audit chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyDto {
    /// Whether the chain holds.
    pub intact: bool,
    /// Entries checked (when intact).
    pub entries: Option<i64>,
    /// Signed checkpoints checked (when intact).
    pub checkpoints: Option<usize>,
    /// The Ed25519 public key that checks the checkpoints (hex).
    pub public_key: String,
    /// First bad entry (when broken).
    pub first_bad_seq: Option<i64>,
    /// What is wrong.
    pub reason: Option<String>,
}

/// Verify the audit hash chain.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", responses((status = 200, body = AuditVerifyDto), (status = 403, body = ErrorBody)))]
pub async fn audit_verify(State(state): State<AppState>, user: CurrentUser) -> Result<Json<AuditVerifyDto>, AppError> {
    require(user.role, Permission::ReadAudit)?;
    let store = state.store.clone();
    let public_key = store.audit_public_key();
    let verdict = blocking(move || Ok(store.verify_audit()?)).await?;
    Ok(Json(match verdict {
        AuditVerdict::Intact { entries, checkpoints } => AuditVerifyDto {
            intact: true,
            entries: Some(entries),
            checkpoints: Some(checkpoints),
            public_key,
            first_bad_seq: None,
            reason: None,
        },
        AuditVerdict::Broken { seq, reason } => AuditVerifyDto {
            intact: false,
            entries: None,
            checkpoints: None,
            public_key,
            first_bad_seq: Some(seq),
            reason: Some(reason),
        },
    }))
}

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/persons", post(post_persons))
        .route("/api/v1/persons/search", get(persons_by_name))
        .route("/api/v1/persons/by-nik/{nik}", get(person_by_nik))
        .route("/api/v1/persons/{id}", get(person_by_id))
        .route("/api/v1/persons/{id}/timeline", get(timeline))
        .route("/api/v1/documents", post(post_documents))
        .route("/api/v1/documents/{number}", get(documents_by_number))
        .route("/api/v1/documents/{number}/status", get(document_status))
        .route("/api/v1/applications", post(post_applications))
        .route("/api/v1/crossings", post(post_crossings))
        .route("/api/v1/watchlist", post(post_watchlist))
        .route("/api/v1/watchlist/search", get(watchlist_search))
        .route("/api/v1/mrz/check", post(mrz_check))
        .route("/api/v1/audit", get(audit_list))
        .route("/api/v1/audit/verify", get(audit_verify))
        .route("/api/v1/checks", post(crate::checks::check))
        .route("/api/v1/decisions", post(crate::checks::decide))
}
