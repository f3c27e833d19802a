//! Case work on public reports, for staff: the triage queue, a report with its candidate links
//! to traveller records, and cases (`/api/v1/cases/...`). The web pages (`web_cases.rs`) call the
//! same functions.
//!
//! Reporters' contacts are shown only to roles with `ReadReporterContact`; everyone else gets the
//! report with the contact removed (analysts see reports, not who sent them).

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use waspada_store::{
    AuditContext, CaseOutcome, CaseSummary, CaseView, EntryKind, LinkDecision, NewEntry, NewParty, PartyRole,
    QueueItem, QueueQuery, ReportLink, SubmissionDetail, SubmissionKind, SubmissionStatus,
};

use crate::AppState;
use crate::auth::{CurrentUser, Purpose};
use crate::checks::{ReportCandidate, ReportLinkAlert};
use crate::error::{AppError, ErrorBody};
use crate::roles::{Permission, Role, require};

/// Removes what identifies or reaches the sender for roles that may not see it: the reporter's
/// contact, an SOS's call-back phone, a lapor diri's phone, passport number, employer phone and
/// emergency contact (also when attached to an SOS), and the receipt code (with a lapor diri's
/// date of birth it would let staff check in as the traveller).
///
/// Roles that read traveller data pseudonymised (analysts) also get names as the same pseudonyms
/// the traveller records use (the recruiter's name, phone and account, so a recruiter named in
/// reports can still be followed to the sponsors and phones of applications; a lapor diri's
/// traveller and employer), birth dates cut to the year, addresses hidden and exact locations
/// blurred to about 1 km. Narratives ("what happened", an SOS message) stay as sent.
pub(crate) fn redact(role: Role, item: &mut QueueItem, store: &waspada_store::Store) {
    if role.allows(Permission::ReadReporterContact) {
        return;
    }
    item.receipt = HIDDEN.to_owned();
    redact_content(role, &mut item.content, store);
}

/// [`redact`] for a report's later additions and check-ins.
pub(crate) fn redact_additions(role: Role, additions: &mut [waspada_store::Addition], store: &waspada_store::Store) {
    if role.allows(Permission::ReadReporterContact) {
        return;
    }
    for addition in additions {
        redact_content(role, &mut addition.content, store);
    }
}

const HIDDEN: &str = "[disembunyikan / hidden]";

fn redact_content(role: Role, content: &mut Value, store: &waspada_store::Store) {
    let Some(content) = content.as_object_mut() else { return };
    let pseudonymise = crate::pseudonyms::pseudonymised_by_default(role);
    redact_object(content, pseudonymise, store);
    if let Some(registration) = content.get_mut("lapor_diri").and_then(Value::as_object_mut) {
        redact_object(registration, pseudonymise, store);
    }
}

fn redact_object(object: &mut serde_json::Map<String, Value>, pseudonymise: bool, store: &waspada_store::Store) {
    fn hide(object: &mut serde_json::Map<String, Value>, field: &str) {
        if object.get(field).is_some_and(|v| !v.is_null()) {
            object.insert(field.to_owned(), Value::String(HIDDEN.into()));
        }
    }
    fn rename(object: &mut serde_json::Map<String, Value>, field: &str, kind: &str, store: &waspada_store::Store) {
        if let Some(text) = object.get(field).and_then(Value::as_str) {
            let pseudonym = crate::pseudonyms::pseudonym(store, kind, text);
            object.insert(field.to_owned(), Value::String(pseudonym));
        }
    }
    for field in ["contact", "phone", "passport_number", "emergency_contact", "lapor_diri_receipt"] {
        hide(object, field);
    }
    if let Some(employer) = object.get_mut("employer").and_then(Value::as_object_mut) {
        hide(employer, "phone");
        if pseudonymise {
            rename(employer, "name", "name", store);
            hide(employer, "address");
        }
    }
    if !pseudonymise {
        return;
    }
    if let Some(recruiter) = object.get_mut("recruiter").and_then(Value::as_object_mut) {
        for (field, kind) in [("name", "name"), ("phone", "phone"), ("social", "social")] {
            rename(recruiter, field, kind, store);
        }
    }
    rename(object, "full_name", "name", store);
    if let Some(born) = object.get("date_of_birth").and_then(Value::as_str) {
        let year: String = born.chars().take(4).collect();
        object.insert("date_of_birth".to_owned(), Value::String(year));
    }
    for field in ["address_abroad", "address"] {
        hide(object, field);
    }
    if let Some(location) = object.get_mut("location").and_then(Value::as_object_mut) {
        for axis in ["lat", "lon"] {
            if let Some(degrees) = location.get(axis).and_then(Value::as_f64) {
                location.insert(axis.to_owned(), serde_json::json!((degrees * 100.0).round() / 100.0));
            }
        }
        location.insert("exact".to_owned(), Value::Bool(false));
    }
}

/// Query of the triage queue.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QueueParams {
    /// `report`, `sos` or `lapor_diri`.
    pub kind: Option<String>,
    /// Also reports already in a case, closed or marked spam.
    #[serde(default)]
    pub all: bool,
    /// At most this many (default 100).
    pub limit: Option<i64>,
}

/// The triage queue's items.
pub(crate) async fn queue(
    state: &AppState,
    user: &CurrentUser,
    context: AuditContext,
    params: &QueueParams,
) -> Result<Vec<QueueItem>, AppError> {
    require(user.role, Permission::ReadReports)?;
    let kind = match params.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(
            SubmissionKind::parse(k).ok_or_else(|| AppError::BadRequest("kind: report, sos or lapor_diri".into()))?,
        ),
        None => None,
    };
    let query = QueueQuery { kind, include_done: params.all, limit: params.limit.unwrap_or(100) };
    let store = state.store.clone();
    let mut items = tokio::task::spawn_blocking(move || store.triage_queue(&query, &context)).await??;
    items.iter_mut().for_each(|item| redact(user.role, item, &state.store));
    Ok(items)
}

/// The triage queue: SOS first, then reports involving children, then reports naming a phone or
/// person already in the records; duplicates (same recruiter) are listed with each report.
#[utoipa::path(get, path = "/api/v1/cases/queue", tag = "cases", params(QueueParams,
        ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 200, description = "Queue items, most urgent first"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_queue(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Query(params): Query<QueueParams>,
) -> Result<Json<Vec<QueueItem>>, AppError> {
    require(user.role, Permission::ReadReports)?;
    let context = user.context(&purpose)?;
    Ok(Json(queue(&state, &user, context, &params).await?))
}

/// A report as a case worker sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// The report with its additions and photos.
    #[schema(value_type = Object)]
    pub report: SubmissionDetail,
    /// Traveller records the report may be about (not decided yet).
    pub candidates: Vec<ReportCandidate>,
    /// Decided links.
    #[schema(value_type = Vec<Object>)]
    pub links: Vec<ReportLink>,
}

/// A report with its candidate links (audited: `report.read`, and `report.candidates` naming the
/// persons shown).
pub(crate) async fn report(
    state: &AppState,
    user: &CurrentUser,
    context: AuditContext,
    id: i64,
) -> Result<ReportView, AppError> {
    require(user.role, Permission::ReadReports)?;
    let store = state.store.clone();
    let read_context = context.clone();
    let (detail, links) = tokio::task::spawn_blocking(move || -> Result<_, AppError> {
        let detail = store.submission(id, &read_context)?.ok_or(AppError::NotFound)?;
        let links = store.report_links(id)?;
        Ok((detail, links))
    })
    .await??;
    let mut detail = detail;
    // Candidates are found from the report as sent, before anything is pseudonymised.
    let raw_recruiter = detail.item.content["recruiter"].clone();
    redact(user.role, &mut detail.item, &state.store);
    redact_additions(user.role, &mut detail.additions, &state.store);
    let recruiter = &raw_recruiter;
    let phone = recruiter["phone"].as_str().filter(|p| p.starts_with('+'));
    let candidates = {
        let engine = state.engine.read().map_err(|_| AppError::Internal("check index lock poisoned".into()))?;
        engine.report_candidates(phone, recruiter["name"].as_str(), recruiter["company"].as_str())
    };
    let candidates: Vec<ReportCandidate> =
        candidates.into_iter().filter(|c| !links.iter().any(|l| l.nik == c.nik)).collect();
    if !candidates.is_empty() {
        let shown: Vec<waspada_domain::Nik> =
            candidates.iter().filter_map(|c| waspada_domain::Nik::parse(&c.nik).ok()).collect();
        let store = state.store.clone();
        tokio::task::spawn_blocking(move || {
            store.audit_persons_shown(&context, "report.candidates", &format!("submission:{id}"), &shown)
        })
        .await??;
    }
    let (mut candidates, mut links) = (candidates, links);
    if crate::pseudonyms::pseudonymised_by_default(user.role) {
        for candidate in &mut candidates {
            candidate.nik = crate::pseudonyms::nik(&state.store, &candidate.nik);
            candidate.name = crate::pseudonyms::name(&state.store, &candidate.name);
        }
        for link in &mut links {
            link.nik = crate::pseudonyms::nik(&state.store, &link.nik);
        }
    }
    Ok(ReportView { report: detail, candidates, links })
}

/// A report with its additions, photos, candidate links and decided links.
#[utoipa::path(get, path = "/api/v1/cases/reports/{report}", tag = "cases",
    params(("report" = i64, Path, description = "Report id"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 200, body = ReportView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path(id): Path<i64>,
) -> Result<Json<ReportView>, AppError> {
    require(user.role, Permission::ReadReports)?;
    let context = user.context(&purpose)?;
    Ok(Json(report(&state, &user, context, id).await?))
}

/// A photo of a report.
#[utoipa::path(get, path = "/api/v1/cases/reports/{report}/photos/{photo}", tag = "cases",
    params(("report" = i64, Path, description = "Report id"), ("photo" = i64, Path, description = "Photo id"),
        ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 200, description = "The image"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    require(user.role, Permission::ReadReports)?;
    let context = user.context(&purpose)?;
    let store = state.store.clone();
    let (content_type, bytes) = tokio::task::spawn_blocking(move || store.submission_photo(id, photo, &context))
        .await??
        .ok_or(AppError::NotFound)?;
    let content_type: &'static str = match content_type.as_deref() {
        Some("image/jpeg") => "image/jpeg",
        Some("image/png") => "image/png",
        Some("image/webp") => "image/webp",
        _ => "application/octet-stream",
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert("content-security-policy", HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(response)
}

/// A new status for a report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusRequest {
    /// `received`, `in_review`, `spam` or `closed`.
    pub status: String,
}

/// Sets a report's status (`in_review`, `spam`, `closed`, or back to `received`).
pub(crate) async fn set_status(
    state: &AppState,
    user: &CurrentUser,
    context: AuditContext,
    id: i64,
    status: &str,
) -> Result<(), AppError> {
    require(user.role, Permission::ManageCases)?;
    let status = match SubmissionStatus::parse(status) {
        Some(
            s @ (SubmissionStatus::Received
            | SubmissionStatus::InReview
            | SubmissionStatus::Spam
            | SubmissionStatus::Closed),
        ) => s,
        _ => return Err(AppError::BadRequest("status: received, in_review, spam or closed".into())),
    };
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.set_submission_status(id, status, &context)).await??;
    if status == SubmissionStatus::Spam
        && let Ok(mut engine) = state.engine.write()
    {
        engine.forget_report(id);
    }
    Ok(())
}

/// Mark a report as in review, spam, closed, or back to received.
#[utoipa::path(post, path = "/api/v1/cases/reports/{report}/status", tag = "cases", request_body = StatusRequest,
    params(("report" = i64, Path, description = "Report id"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn post_status(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path(id): Path<i64>,
    body: Result<Json<StatusRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, AppError> {
    require(user.role, Permission::ManageCases)?;
    let Json(request) = body?;
    set_status(&state, &user, user.context(&purpose)?, id, &request.status).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A decision on a candidate link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkRequest {
    /// The person's NIK.
    pub nik: String,
    /// `confirm` or `reject`.
    pub decision: String,
    /// With `confirm`: `possible_victim`, `suspect`, `witness` or `reporter`.
    pub role: Option<String>,
    /// What matched (from the candidate).
    pub basis: Option<String>,
}

/// A role that may not read traveller records (a case worker) may name a traveller only among
/// the candidate or decided links of the reports at hand: otherwise every NIK typed in would tell
/// whether that person is on record, and could be flagged at the counter.
async fn require_candidate(
    state: &AppState,
    user: &CurrentUser,
    context: &AuditContext,
    reports: &[i64],
    nik: &str,
) -> Result<(), AppError> {
    if user.role.allows(Permission::ReadPersonal) {
        return Ok(());
    }
    for &report_id in reports {
        let view = report(state, user, context.clone(), report_id).await?;
        if view.candidates.iter().any(|c| c.nik == nik) || view.links.iter().any(|l| l.nik == nik) {
            return Ok(());
        }
    }
    Err(AppError::Coded {
        status: StatusCode::CONFLICT,
        code: "not_a_candidate",
        id: "Orang ini bukan kandidat keterkaitan dari laporan dalam kasus ini.".into(),
        en: "This person is not a candidate link of the reports in this case.".into(),
    })
}

/// Confirms or rejects a candidate link; a confirmed one shows on the counter check.
pub(crate) async fn decide_link(
    state: &AppState,
    user: &CurrentUser,
    context: AuditContext,
    id: i64,
    request: LinkRequest,
) -> Result<(), AppError> {
    require(user.role, Permission::ManageCases)?;
    let nik = waspada_domain::Nik::parse(request.nik.trim()).map_err(|e| AppError::BadRequest(format!("nik: {e}")))?;
    let decision = match (request.decision.as_str(), request.role.as_deref()) {
        ("confirm", Some(role)) => LinkDecision::Confirmed(
            PartyRole::parse(role)
                .ok_or_else(|| AppError::BadRequest("role: possible_victim, suspect, witness or reporter".into()))?,
        ),
        ("confirm", None) => return Err(AppError::BadRequest("a confirmed link needs a role".into())),
        ("reject", _) => LinkDecision::Rejected,
        _ => return Err(AppError::BadRequest("decision: confirm or reject".into())),
    };
    let basis = request.basis.unwrap_or_else(|| "case worker".into());
    if basis.chars().count() > 200 {
        return Err(AppError::BadRequest("basis: at most 200 characters".into()));
    }
    let nik_text = nik.as_str().to_owned();
    require_candidate(state, user, &context, &[id], &nik_text).await?;
    let store = state.store.clone();
    let stored_basis = basis.clone();
    let person_id = tokio::task::spawn_blocking(move || -> Result<i64, AppError> {
        let person = store.person_by_nik(&nik, &context)?.ok_or(AppError::NotFound)?;
        let name = person.record.full_name.as_str().to_owned();
        let linked = waspada_store::LinkedPerson { id: person.id, nik: nik.as_str(), name: &name };
        store.decide_report_link(id, &linked, &stored_basis, decision, &context)?;
        Ok(person.id)
    })
    .await??;
    let _ = person_id;
    let alert = match decision {
        LinkDecision::Confirmed(role) => {
            Some(ReportLinkAlert::new(id, role, &basis, &waspada_domain::format_timestamp(chrono::Utc::now())))
        }
        LinkDecision::Rejected => None,
    };
    if let Ok(mut engine) = state.engine.write() {
        engine.set_report_link(&nik_text, id, alert);
    }
    Ok(())
}

/// Confirm (with a role) or reject a candidate link between a report and a traveller record.
#[utoipa::path(post, path = "/api/v1/cases/reports/{report}/links", tag = "cases", request_body = LinkRequest,
    params(("report" = i64, Path, description = "Report id"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn post_link(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path(id): Path<i64>,
    body: Result<Json<LinkRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, AppError> {
    require(user.role, Permission::ManageCases)?;
    let Json(request) = body?;
    decide_link(&state, &user, user.context(&purpose)?, id, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new case.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCaseRequest {
    /// Short title.
    pub title: String,
    /// What it is about.
    #[serde(default)]
    pub summary: String,
    /// Reports to open it from.
    #[serde(default)]
    pub reports: Vec<i64>,
}

/// A case reference.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseRef {
    /// Internal id.
    pub id: i64,
    /// `KS-YYYY-NNNN`.
    pub reference: String,
}

/// Cases, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(("open" = Option<bool>, Query, description = "Only open cases"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 200, description = "Cases"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Query(params): Query<OpenParam>,
) -> Result<Json<Vec<CaseSummary>>, AppError> {
    require(user.role, Permission::ManageCases)?;
    let context = user.context(&purpose)?;
    let store = state.store.clone();
    Ok(Json(tokio::task::spawn_blocking(move || store.cases(params.open, &context)).await??))
}

/// Only open cases?
#[derive(Debug, Deserialize)]
pub struct OpenParam {
    /// Only open cases.
    #[serde(default)]
    pub open: bool,
}

/// Open a case from reports.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCaseRequest,
    params(("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 201, body = CaseRef), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_case(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    body: Result<Json<NewCaseRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<CaseRef>), AppError> {
    require(user.role, Permission::ManageCases)?;
    let Json(request) = body?;
    let context = user.context(&purpose)?;
    let store = state.store.clone();
    let (id, reference) = tokio::task::spawn_blocking(move || {
        store.open_case(&request.title, &request.summary, &request.reports, &context)
    })
    .await??;
    Ok((StatusCode::CREATED, Json(CaseRef { id, reference })))
}

/// One case with its reports, persons and timeline.
#[utoipa::path(get, path = "/api/v1/cases/{case}", tag = "cases",
    params(("case" = i64, Path, description = "Case id"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 200, description = "The case"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path(id): Path<i64>,
) -> Result<Json<CaseView>, AppError> {
    require(user.role, Permission::ManageCases)?;
    let context = user.context(&purpose)?;
    let store = state.store.clone();
    Ok(Json(tokio::task::spawn_blocking(move || store.case(id, &context)).await??.ok_or(AppError::NotFound)?))
}

/// Reports to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportsRequest {
    /// Report ids.
    pub reports: Vec<i64>,
}

/// Add reports to an open case.
#[utoipa::path(post, path = "/api/v1/cases/{case}/reports", tag = "cases", request_body = ReportsRequest,
    params(("case" = i64, Path, description = "Case id"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_case_reports(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path(id): Path<i64>,
    body: Result<Json<ReportsRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, AppError> {
    require(user.role, Permission::ManageCases)?;
    let Json(request) = body?;
    let context = user.context(&purpose)?;
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.add_case_submissions(id, &request.reports, &context)).await??;
    Ok(StatusCode::NO_CONTENT)
}

/// A person to add to a case.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PartyRequest {
    /// `possible_victim`, `suspect`, `witness` or `reporter`.
    pub role: String,
    /// Their NIK, when they are in the traveller records.
    pub nik: Option<String>,
    /// Name as known.
    #[serde(default)]
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Why they are in the case.
    pub note: Option<String>,
}

/// Adds a person to a case (a NIK is resolved to the traveller record, audited).
pub(crate) async fn add_party(
    state: &AppState,
    user: &CurrentUser,
    context: AuditContext,
    id: i64,
    request: PartyRequest,
) -> Result<i64, AppError> {
    require(user.role, Permission::ManageCases)?;
    let role = PartyRole::parse(&request.role)
        .ok_or_else(|| AppError::BadRequest("role: possible_victim, suspect, witness or reporter".into()))?;
    let nik = match request.nik.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(text) => Some(waspada_domain::Nik::parse(text).map_err(|e| AppError::BadRequest(format!("nik: {e}")))?),
        None => None,
    };
    if let Some(nik) = &nik {
        let store = state.store.clone();
        let read_context = context.clone();
        let reports = tokio::task::spawn_blocking(move || store.case(id, &read_context))
            .await??
            .ok_or(AppError::NotFound)?
            .submissions;
        require_candidate(state, user, &context, &reports, nik.as_str()).await?;
    }
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || -> Result<i64, AppError> {
        let person_id = match &nik {
            Some(nik) => Some(store.person_by_nik(nik, &context)?.ok_or(AppError::NotFound)?.id),
            None => None,
        };
        let party = NewParty { role, person_id, name: request.name, phone: request.phone, note: request.note };
        Ok(store.add_case_party(id, &party, &context)?)
    })
    .await?
}

/// Add a person to a case, in one role.
#[utoipa::path(post, path = "/api/v1/cases/{case}/parties", tag = "cases", request_body = PartyRequest,
    params(("case" = i64, Path, description = "Case id"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 201, description = "{\"id\": party id}"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_party(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path(id): Path<i64>,
    body: Result<Json<PartyRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    require(user.role, Permission::ManageCases)?;
    let Json(request) = body?;
    let party = add_party(&state, &user, user.context(&purpose)?, id, request).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": party }))))
}

/// A note, task or referral.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryRequest {
    /// `note`, `task` or `referral`.
    pub kind: String,
    /// The text.
    pub text: String,
    /// A referral's agency: `police`, `bp2mi`, `social_services`, `ngo`.
    pub target: Option<String>,
    /// A task's due date (YYYY-MM-DD).
    pub due_on: Option<String>,
}

pub(crate) async fn add_entry(
    state: &AppState,
    user: &CurrentUser,
    context: AuditContext,
    id: i64,
    request: EntryRequest,
) -> Result<i64, AppError> {
    require(user.role, Permission::ManageCases)?;
    let kind = match EntryKind::parse(&request.kind) {
        Some(k @ (EntryKind::Note | EntryKind::Task | EntryKind::Referral)) => k,
        _ => return Err(AppError::BadRequest("kind: note, task or referral".into())),
    };
    let due_on = match request.due_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| AppError::BadRequest("due_on: YYYY-MM-DD".into()))?,
        ),
        None => None,
    };
    let entry = NewEntry { kind, text: request.text, target: request.target, due_on };
    let store = state.store.clone();
    Ok(tokio::task::spawn_blocking(move || store.add_case_entry(id, &entry, &context)).await??)
}

/// Add a note, task or referral to a case.
#[utoipa::path(post, path = "/api/v1/cases/{case}/entries", tag = "cases", request_body = EntryRequest,
    params(("case" = i64, Path, description = "Case id"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 201, description = "{\"id\": entry id}"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_entry(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path(id): Path<i64>,
    body: Result<Json<EntryRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    require(user.role, Permission::ManageCases)?;
    let Json(request) = body?;
    let entry = add_entry(&state, &user, user.context(&purpose)?, id, request).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": entry }))))
}

/// Move a task (`open`, `done`) or referral (`sent`, `accepted`, `declined`, `completed`) on.
#[utoipa::path(post, path = "/api/v1/cases/{case}/entries/{entry}/status", tag = "cases", request_body = StatusRequest,
    params(("case" = i64, Path, description = "Case id"), ("entry" = i64, Path, description = "Entry id"),
        ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_entry_status(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path((id, entry)): Path<(i64, i64)>,
    body: Result<Json<StatusRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, AppError> {
    require(user.role, Permission::ManageCases)?;
    let Json(request) = body?;
    let context = user.context(&purpose)?;
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.set_case_entry_status(id, entry, &request.status, &context)).await??;
    Ok(StatusCode::NO_CONTENT)
}

/// How a case ended.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseRequest {
    /// `referred_to_police`, `departure_prevented`, `victims_assisted`, `no_trafficking_found`,
    /// `insufficient_information`, `duplicate`.
    pub outcome: String,
    /// A closing note.
    #[serde(default)]
    pub note: String,
}

pub(crate) async fn close(
    state: &AppState,
    user: &CurrentUser,
    context: AuditContext,
    id: i64,
    request: CloseRequest,
) -> Result<(), AppError> {
    require(user.role, Permission::ManageCases)?;
    let outcome = CaseOutcome::parse(&request.outcome).ok_or_else(|| {
        AppError::BadRequest(format!(
            "outcome: one of {}",
            CaseOutcome::ALL.iter().map(|o| o.code()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.close_case(id, outcome, &request.note, &context)).await??;
    Ok(())
}

/// Close a case with its outcome.
#[utoipa::path(post, path = "/api/v1/cases/{case}/close", tag = "cases", request_body = CloseRequest,
    params(("case" = i64, Path, description = "Case id"), ("X-Purpose" = String, Header, description = "Purpose of access")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_close(
    State(state): State<AppState>,
    user: CurrentUser,
    purpose: Purpose,
    Path(id): Path<i64>,
    body: Result<Json<CloseRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, AppError> {
    require(user.role, Permission::ManageCases)?;
    let Json(request) = body?;
    close(&state, &user, user.context(&purpose)?, id, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The staff routes of case work.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(list_cases).post(post_case))
        .route("/api/v1/cases/queue", get(get_queue))
        .route("/api/v1/cases/reports/{report}", get(get_report))
        .route("/api/v1/cases/reports/{report}/photos/{photo}", get(get_photo))
        .route("/api/v1/cases/reports/{report}/status", post(post_status))
        .route("/api/v1/cases/reports/{report}/links", post(post_link))
        .route("/api/v1/cases/{case}", get(get_case))
        .route("/api/v1/cases/{case}/reports", post(post_case_reports))
        .route("/api/v1/cases/{case}/parties", post(post_party))
        .route("/api/v1/cases/{case}/entries", post(post_entry))
        .route("/api/v1/cases/{case}/entries/{entry}/status", post(post_entry_status))
        .route("/api/v1/cases/{case}/close", post(post_close))
}
