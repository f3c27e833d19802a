//! Case workers' pages: the triage queue (`/triage`), one report (`/reports/{id}`) with its
//! candidate links, and cases (`/cases`, `/cases/{id}`). They call the same functions as the JSON
//! API (`crate::cases`), so the rules (roles, one role per person in a case, closed cases) are
//! enforced once. A child module of `web`: it shares its session, CSRF, layout and language.

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use serde_json::Value;
use waspada_store::{
    AuditContext, CaseOutcome, PartyRole, QueueItem, REFERRAL_STATUSES, REFERRAL_TARGETS, SubmissionKind,
};

use super::{Lang, csrf_for, forbidden, html_response, lang, page, redirect, session};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::roles::Permission;

/// The purpose recorded for case work done through these pages.
const PURPOSE: &str = "penanganan laporan masyarakat (case work)";

/// This module's texts, Bahasa Indonesia first.
fn tc(lang: Lang, key: &str) -> &'static str {
    const TEXTS: &[(&str, &str, &str)] = &[
        ("triage", "Antrean laporan", "Report queue"),
        ("cases", "Kasus", "Cases"),
        ("empty_queue", "Tidak ada laporan yang menunggu.", "No reports waiting."),
        ("urgency", "Urgensi", "Urgency"),
        ("kind", "Jenis", "Kind"),
        ("received", "Diterima", "Received"),
        ("region", "Wilayah", "Region"),
        ("summary", "Ringkasan", "Summary"),
        ("same_recruiter", "Perekrut sama dengan", "Same recruiter as"),
        ("status", "Status", "Status"),
        ("open", "Buka", "Open"),
        ("minor", "ANAK", "CHILD"),
        ("report", "Laporan", "Report"),
        ("lapor_diri", "Lapor diri", "Lapor diri"),
        ("sos", "SOS", "SOS"),
        ("open_case", "Buka kasus dari laporan terpilih", "Open a case from the selected reports"),
        ("open_case_one", "Buka kasus dari laporan ini", "Open a case from this report"),
        ("title", "Judul kasus", "Case title"),
        ("case_summary", "Ringkasan kasus", "Case summary"),
        ("what", "Apa yang terjadi", "What happened"),
        ("recruiter", "Perekrut", "Recruiter"),
        ("location", "Lokasi", "Location"),
        ("contact", "Kontak pelapor", "Reporter's contact"),
        ("anonymous", "Anonim", "Anonymous"),
        ("additions", "Informasi tambahan", "Added information"),
        ("photos", "Foto", "Photos"),
        ("candidates", "Kemungkinan terkait dengan data perlintasan", "Possible links to traveller records"),
        ("no_candidates", "Tidak ada kecocokan dengan data.", "No match in the records."),
        ("basis", "Dasar kecocokan", "What matched"),
        ("role", "Peran", "Role"),
        ("confirm", "Konfirmasi", "Confirm"),
        ("reject", "Tolak", "Reject"),
        ("links", "Keterkaitan yang sudah diputuskan", "Decided links"),
        ("mark_review", "Sedang ditinjau", "Mark in review"),
        ("mark_spam", "Spam", "Spam"),
        ("mark_closed", "Tutup tanpa kasus", "Close without a case"),
        ("in_case", "Bagian dari kasus", "Part of case"),
        ("parties", "Orang dalam kasus", "People in the case"),
        ("add_party", "Tambah orang", "Add a person"),
        ("nik_optional", "NIK (jika ada dalam data)", "NIK (if in the records)"),
        ("name", "Nama", "Name"),
        ("phone", "Telepon", "Phone"),
        ("note", "Catatan", "Note"),
        ("timeline", "Linimasa", "Timeline"),
        ("add_entry", "Tambah catatan, tugas atau rujukan", "Add a note, task or referral"),
        ("entry_kind", "Jenis", "Kind"),
        ("text", "Isi", "Text"),
        ("target", "Rujukan ke", "Refer to"),
        ("due", "Tenggat", "Due"),
        ("save", "Simpan", "Save"),
        ("close_case", "Tutup kasus", "Close the case"),
        ("outcome", "Hasil", "Outcome"),
        ("closing_note", "Catatan penutup", "Closing note"),
        ("done", "Selesai", "Done"),
        ("no_cases", "Belum ada kasus.", "No cases yet."),
        ("saved", "Tersimpan.", "Saved."),
        ("csrf", "Formulir kedaluwarsa; muat ulang halaman.", "The form expired; reload the page."),
        ("select_reports", "Pilih", "Select"),
        ("possible_victim", "kemungkinan korban", "possible victim"),
        ("suspect", "terduga pelaku", "suspect"),
        ("witness", "saksi", "witness"),
        ("reporter", "pelapor", "reporter"),
        ("note_kind", "catatan", "note"),
        ("task", "tugas", "task"),
        ("referral", "rujukan", "referral"),
        (
            "victim_suspect_apart",
            "Satu orang hanya satu peran dalam satu kasus: korban dan pelaku tidak pernah disatukan.",
            "One person has one role in a case: victim and suspect are never merged.",
        ),
        ("lapor_diri_list", "Lapor diri terbaru", "Recent lapor diri"),
        ("show_all", "Tampilkan semua (termasuk selesai)", "Show all (including done)"),
        ("spam_score", "Skor spam", "Spam score"),
        ("callback", "Nomor untuk dihubungi kembali", "Call-back number"),
    ];
    TEXTS.iter().find(|(k, _, _)| *k == key).map_or("?", |(_, id, en)| if lang == Lang::Id { id } else { en })
}

fn role_text(lang: Lang, role: PartyRole) -> &'static str {
    tc(lang, role.code())
}

fn context(user: &CurrentUser) -> Result<AuditContext, AppError> {
    AuditContext::new(user.username.clone(), PURPOSE).map_err(|_| AppError::PurposeRequired)
}

/// The start of every page here: the signed-in user with the permission the page needs, the
/// form token, and the audit context of case work; or the response that ends the request.
async fn staff(
    state: &AppState,
    headers: &HeaderMap,
    permission: Permission,
    title: &str,
) -> Result<(Lang, CurrentUser, String, AuditContext), Response> {
    let lang = lang(headers);
    let Some((user, token)) = session(state, headers).await else { return Err(redirect("/login")) };
    let csrf = csrf_for(&token);
    if !user.role.allows(permission) {
        return Err(forbidden(lang, tc(lang, title), &user, &csrf));
    }
    let Ok(context) = context(&user) else { return Err(redirect("/")) };
    Ok((lang, user, csrf, context))
}

fn error_page(lang: Lang, user: &CurrentUser, csrf: &str, error: &AppError) -> Response {
    let (id, en) = error.messages();
    let body = html! { p.error role="alert" { (if lang == Lang::Id { id } else { en }) } p { a href="/triage" { (tc(lang, "triage")) } } };
    html_response(error.status(), page(lang, tc(lang, "triage"), Some(user), csrf, body))
}

fn summary_of(item: &QueueItem) -> String {
    let content = &item.content;
    let text = content["what"]
        .as_str()
        .or_else(|| content["message"].as_str())
        .or_else(|| content["full_name"].as_str())
        .unwrap_or("");
    let mut short: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        short.push('…');
    }
    short
}

fn kind_text(lang: Lang, kind: SubmissionKind) -> &'static str {
    tc(lang, kind.code())
}

/// Query of the queue page.
#[derive(Debug, Deserialize, Default)]
pub(super) struct QueuePage {
    #[serde(default)]
    all: bool,
}

pub(super) async fn triage_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<QueuePage>,
) -> Response {
    let (lang, user, csrf, context) = match staff(&state, &headers, Permission::ReadReports, "triage").await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let query = crate::cases::QueueParams { kind: None, all: params.all, limit: Some(200) };
    let items = match crate::cases::queue(&state, &user, context, &query).await {
        Ok(items) => items,
        Err(error) => return error_page(lang, &user, &csrf, &error),
    };
    let can_manage = user.role.allows(Permission::ManageCases);
    let body = html! {
        h1 { (tc(lang, "triage")) }
        p.small { a href=(if params.all { "/triage" } else { "/triage?all=true" }) { (tc(lang, "show_all")) } }
        @if items.is_empty() { p id="queue-empty" { (tc(lang, "empty_queue")) } }
        @else {
            form method="post" action="/cases" {
                input type="hidden" name="csrf" value=(csrf);
                table id="queue" {
                    thead { tr {
                        @if can_manage { th { (tc(lang, "select_reports")) } }
                        th { (tc(lang, "urgency")) } th { (tc(lang, "kind")) } th { (tc(lang, "received")) }
                        th { (tc(lang, "region")) } th { (tc(lang, "summary")) } th { (tc(lang, "same_recruiter")) } th { (tc(lang, "status")) }
                    } }
                    tbody {
                        @for item in &items {
                            tr data-report=(item.id) data-kind=(item.kind.code()) {
                                @if can_manage { td { input type="checkbox" name="reports" value=(item.id) aria-label=(tc(lang, "select_reports")); } }
                                td { (item.urgency) @if item.minor_involved { " " strong.error { (tc(lang, "minor")) } } }
                                td { @if item.kind == SubmissionKind::Sos { strong.error { (kind_text(lang, item.kind)) } } @else { (kind_text(lang, item.kind)) } }
                                td { (item.received_at) }
                                td { (item.content["region_name"].as_str().or(item.region_code.as_deref()).unwrap_or("—")) }
                                td { a href={ "/reports/" (item.id) } { (summary_of(item)) } }
                                td { @for other in &item.same_recruiter { a href={ "/reports/" (other) } { "#" (other) } " " } }
                                td { (item.status.code()) }
                            }
                        }
                    }
                }
                @if can_manage {
                    div.row {
                        div { label for="case-title" { (tc(lang, "title")) } input id="case-title" name="title" required maxlength="200"; }
                        div { button id="open-case" type="submit" { (tc(lang, "open_case")) } }
                    }
                }
            }
        }
    };
    html_response(StatusCode::OK, page(lang, tc(lang, "triage"), Some(&user), &csrf, body))
}

pub(super) async fn report_page(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    report_view(&state, &headers, id, None).await
}

async fn report_view(state: &AppState, headers: &HeaderMap, id: i64, notice: Option<(bool, String)>) -> Response {
    let (lang, user, csrf, context) = match staff(state, headers, Permission::ReadReports, "report").await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let view = match crate::cases::report(state, &user, context, id).await {
        Ok(view) => view,
        Err(error) => return error_page(lang, &user, &csrf, &error),
    };
    let item = &view.report.item;
    let c = &item.content;
    let can_manage = user.role.allows(Permission::ManageCases);
    let body = html! {
        h1 { (kind_text(lang, item.kind)) " #" (item.id) " · " (item.status.code()) }
        @if let Some((ok, text)) = &notice { p class=(if *ok { "notice" } else { "error" }) role="status" { (text) } }
        section.card {
            p.small { (tc(lang, "received")) " " (item.received_at) " · " (tc(lang, "urgency")) " " (item.urgency) " · " (tc(lang, "spam_score")) " " (item.spam_score) }
            @if let Some(what) = c["what"].as_str().or(c["message"].as_str()) { h2 { (tc(lang, "what")) } p id="report-what" { (what) } }
            @if item.kind == SubmissionKind::LaporDiri { pre { (serde_json::to_string_pretty(c).unwrap_or_default()) } }
            @if c["recruiter"].is_object() {
                h2 { (tc(lang, "recruiter")) }
                p { @for field in ["name", "phone", "company", "social"] { @if let Some(v) = c["recruiter"][field].as_str() { (v) " · " } } }
            }
            @if let Some(region) = c["region_name"].as_str() { p { (tc(lang, "region")) ": " (region) } }
            @if c["location"].is_object() { p { (tc(lang, "location")) ": " (c["location"]["lat"]) ", " (c["location"]["lon"]) @if c["location"]["exact"] == Value::Bool(false) { " (±1 km)" } } }
            @if item.anonymous { p { (tc(lang, "anonymous")) } } @else if !c["contact"].is_null() { p { (tc(lang, "contact")) ": " (contact_text(&c["contact"])) } }
            @if item.kind == SubmissionKind::Sos {
                @if let Some(phone) = c["phone"].as_str() { p id="sos-phone" { (tc(lang, "callback")) ": " (phone) } }
                @if c["lapor_diri"].is_object() {
                    h2 { (tc(lang, "lapor_diri")) }
                    pre id="sos-lapor-diri" { (serde_json::to_string_pretty(&c["lapor_diri"]).unwrap_or_default()) }
                }
            }
            @if let Some(case_id) = item.case_id { p { (tc(lang, "in_case")) " " a href={ "/cases/" (case_id) } { "#" (case_id) } } }
        }
        @if !view.report.additions.is_empty() {
            section.card { h2 { (tc(lang, "additions")) } ul { @for a in &view.report.additions { li { (a.added_at) " — " (a.content["text"].as_str().or(a.content["message"].as_str()).unwrap_or(a.kind.as_str())) } } } }
        }
        @if !view.report.photos.is_empty() {
            section.card { h2 { (tc(lang, "photos")) } @for p in &view.report.photos { a href={ "/reports/" (item.id) "/photos/" (p.id) } { img src={ "/reports/" (item.id) "/photos/" (p.id) } alt={ (tc(lang, "photos")) " " (p.id) } width="160"; } " " } }
        }
        section.card id="candidates" {
            h2 { (tc(lang, "candidates")) }
            p.small { (tc(lang, "victim_suspect_apart")) }
            @if view.candidates.is_empty() { p { (tc(lang, "no_candidates")) } }
            @for candidate in &view.candidates {
                form.candidate method="post" action={ "/reports/" (item.id) "/link" } data-nik=(candidate.nik) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="nik" value=(candidate.nik);
                    input type="hidden" name="basis" value=(candidate.basis);
                    p { strong { (candidate.name) } " · NIK " (candidate.nik) " · " (tc(lang, "basis")) ": " (candidate.basis) }
                    @if can_manage {
                        label { (tc(lang, "role")) }
                        select name="role" {
                            @for role in PartyRole::ALL { option value=(role.code()) selected[role == candidate.suggested_role] { (role_text(lang, role)) } }
                        }
                        button type="submit" name="decision" value="confirm" { (tc(lang, "confirm")) } " "
                        button type="submit" name="decision" value="reject" { (tc(lang, "reject")) }
                    }
                }
            }
            @if !view.links.is_empty() {
                h2 { (tc(lang, "links")) }
                ul id="links" { @for link in &view.links { li data-state=(link.state) { "NIK " (link.nik) " · " (link.state) @if let Some(role) = link.role { " · " (role_text(lang, role)) } " · " (link.decided_by) } } }
            }
        }
        @if can_manage {
            section.card {
                form method="post" action={ "/reports/" (item.id) "/status" } class="inline" {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" name="status" value="in_review" { (tc(lang, "mark_review")) } " "
                    button type="submit" name="status" value="spam" { (tc(lang, "mark_spam")) } " "
                    button type="submit" name="status" value="closed" { (tc(lang, "mark_closed")) }
                }
                @if item.case_id.is_none() && item.kind != SubmissionKind::LaporDiri {
                    form id="open-case-form" method="post" action="/cases" {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="reports" value=(item.id);
                        label for="case-title" { (tc(lang, "title")) }
                        input id="case-title" name="title" required maxlength="200";
                        label for="case-summary" { (tc(lang, "case_summary")) }
                        textarea id="case-summary" name="summary" rows="2" maxlength="4000" {}
                        button id="open-case" type="submit" { (tc(lang, "open_case_one")) }
                    }
                }
            }
        }
    };
    html_response(StatusCode::OK, page(lang, tc(lang, "report"), Some(&user), &csrf, body))
}

fn contact_text(contact: &Value) -> String {
    ["name", "phone", "email"].iter().filter_map(|f| contact[*f].as_str()).collect::<Vec<_>>().join(" · ")
}

pub(super) async fn report_photo(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, photo)): Path<(i64, i64)>,
) -> Response {
    let Some((user, _)) = session(&state, &headers).await else { return redirect("/login") };
    if !user.role.allows(Permission::ReadReports) {
        return AppError::Forbidden.into_response();
    }
    let Ok(context) = context(&user) else { return redirect("/") };
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.submission_photo(id, photo, &context)).await {
        Ok(Ok(Some((content_type, bytes)))) => {
            let content_type: &'static str = match content_type.as_deref() {
                Some("image/jpeg") => "image/jpeg",
                Some("image/png") => "image/png",
                Some("image/webp") => "image/webp",
                _ => "application/octet-stream",
            };
            let mut response = (StatusCode::OK, bytes).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(Ok(None)) => AppError::NotFound.into_response(),
        _ => AppError::Internal("photo read failed".into()).into_response(),
    }
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
}

pub(super) async fn report_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<StatusForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return super::expired(lang) };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if form.csrf != csrf_for(&token) {
        return report_view(&state, &headers, id, Some((false, tc(lang, "csrf").into()))).await;
    }
    let Ok(context) = context(&user) else { return redirect("/") };
    match crate::cases::set_status(&state, &user, context, id, &form.status).await {
        Ok(()) => redirect(&format!("/reports/{id}")),
        Err(error) => report_view(&state, &headers, id, Some((false, message(lang, &error)))).await,
    }
}

fn message(lang: Lang, error: &AppError) -> String {
    let (id, en) = error.messages();
    if lang == Lang::Id { id } else { en }
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    decision: String,
}

pub(super) async fn report_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<LinkForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return super::expired(lang) };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if form.csrf != csrf_for(&token) {
        return report_view(&state, &headers, id, Some((false, tc(lang, "csrf").into()))).await;
    }
    let Ok(context) = context(&user) else { return redirect("/") };
    let request = crate::cases::LinkRequest {
        nik: form.nik,
        decision: form.decision,
        role: Some(form.role).filter(|r| !r.is_empty()),
        basis: Some(form.basis).filter(|b| !b.is_empty()),
    };
    match crate::cases::decide_link(&state, &user, context, id, request).await {
        Ok(()) => report_view(&state, &headers, id, Some((true, tc(lang, "saved").into()))).await,
        Err(error) => report_view(&state, &headers, id, Some((false, message(lang, &error)))).await,
    }
}

/// Reads `reports` fields that may repeat (checkboxes) from a urlencoded body.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

pub(super) async fn open_case(State(state): State<AppState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return super::expired(lang) };
    let csrf = csrf_for(&token);
    let pairs = form_pairs(&body);
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    if field("csrf") != csrf {
        return error_page(lang, &user, &csrf, &AppError::BadRequest(tc(lang, "csrf").into()));
    }
    if !user.role.allows(Permission::ManageCases) {
        return forbidden(lang, tc(lang, "cases"), &user, &csrf);
    }
    let reports: Vec<i64> = pairs.iter().filter(|(k, _)| k == "reports").filter_map(|(_, v)| v.parse().ok()).collect();
    let Ok(context) = context(&user) else { return redirect("/") };
    let store = state.store.clone();
    let (title, summary) = (field("title"), field("summary"));
    match tokio::task::spawn_blocking(move || store.open_case(&title, &summary, &reports, &context)).await {
        Ok(Ok((id, _))) => redirect(&format!("/cases/{id}")),
        Ok(Err(error)) => error_page(lang, &user, &csrf, &AppError::from(error)),
        Err(error) => error_page(lang, &user, &csrf, &AppError::from(error)),
    }
}

pub(super) async fn cases_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (lang, user, csrf, context) = match staff(&state, &headers, Permission::ManageCases, "cases").await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let store = state.store.clone();
    let cases = match tokio::task::spawn_blocking(move || store.cases(false, &context)).await {
        Ok(Ok(cases)) => cases,
        Ok(Err(error)) => return error_page(lang, &user, &csrf, &AppError::from(error)),
        Err(error) => return error_page(lang, &user, &csrf, &AppError::from(error)),
    };
    let body = html! {
        h1 { (tc(lang, "cases")) }
        @if cases.is_empty() { p { (tc(lang, "no_cases")) } }
        table id="cases" { tbody { @for case in &cases {
            tr { td { a href={ "/cases/" (case.id) } { (case.reference) } } td { (case.title) } td { (case.status) } td { (case.outcome.as_deref().unwrap_or("")) } td { (case.opened_at) } }
        } } }
    };
    html_response(StatusCode::OK, page(lang, tc(lang, "cases"), Some(&user), &csrf, body))
}

pub(super) async fn case_page(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    case_view(&state, &headers, id, None).await
}

async fn case_view(state: &AppState, headers: &HeaderMap, id: i64, notice: Option<(bool, String)>) -> Response {
    let (lang, user, csrf, context) = match staff(state, headers, Permission::ManageCases, "cases").await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let store = state.store.clone();
    let view = match tokio::task::spawn_blocking(move || store.case(id, &context)).await {
        Ok(Ok(Some(view))) => view,
        Ok(Ok(None)) => return error_page(lang, &user, &csrf, &AppError::NotFound),
        Ok(Err(error)) => return error_page(lang, &user, &csrf, &AppError::from(error)),
        Err(error) => return error_page(lang, &user, &csrf, &AppError::from(error)),
    };
    let open = view.case.status == "open";
    let body = html! {
        h1 id="case-reference" { (view.case.reference) " · " (view.case.title) }
        @if let Some((ok, text)) = &notice { p class=(if *ok { "notice" } else { "error" }) role="status" { (text) } }
        section.card {
            p { (view.case.summary) }
            p.small { (tc(lang, "status")) ": " span id="case-status" { (view.case.status) } @if let Some(outcome) = &view.case.outcome { " · " (tc(lang, "outcome")) ": " (outcome) } }
            p { (tc(lang, "report")) ": " @for s in &view.submissions { a href={ "/reports/" (s) } { "#" (s) } " " } }
        }
        section.card {
            h2 { (tc(lang, "parties")) }
            p.small { (tc(lang, "victim_suspect_apart")) }
            ul id="parties" { @for p in &view.parties {
                li data-role=(p.role.code()) class={ "finding subject-" (p.role.code()) } {
                    strong { (role_text(lang, p.role)) } " · " (p.name) @if let Some(person) = p.person_id { " · " a href={ "/audit?person=person:" (person) } { "person:" (person) } }
                    @if let Some(phone) = &p.phone { " · " (phone) } @if let Some(note) = &p.note { " — " (note) }
                }
            } }
            @if open {
                form id="party-form" method="post" action={ "/cases/" (id) "/party" } {
                    input type="hidden" name="csrf" value=(csrf);
                    div.row {
                        div { label for="party-role" { (tc(lang, "role")) } select id="party-role" name="role" { @for role in PartyRole::ALL { option value=(role.code()) { (role_text(lang, role)) } } } }
                        div { label for="party-nik" { (tc(lang, "nik_optional")) } input id="party-nik" name="nik" inputmode="numeric" maxlength="24"; }
                        div { label for="party-name" { (tc(lang, "name")) } input id="party-name" name="name" maxlength="200"; }
                        div { label for="party-phone" { (tc(lang, "phone")) } input id="party-phone" name="phone" maxlength="40"; }
                    }
                    label for="party-note" { (tc(lang, "note")) } input id="party-note" name="note" maxlength="1000";
                    button type="submit" { (tc(lang, "add_party")) }
                }
            }
        }
        section.card {
            h2 { (tc(lang, "timeline")) }
            ol id="timeline" { @for e in &view.entries {
                li data-kind=(e.kind.code()) {
                    span.small { (e.at) " · " (e.actor) " · " (e.kind.code()) } " " (e.text)
                    @if let Some(target) = &e.target { " → " (target) }
                    @if let Some(due) = &e.due_on { " (" (tc(lang, "due")) " " (due) ")" }
                    @if let Some(status) = &e.status {
                        " · " strong { (status) }
                        @if open {
                            form method="post" action={ "/cases/" (id) "/entry/" (e.id) "/status" } class="inline" {
                                input type="hidden" name="csrf" value=(csrf);
                                @let choices: &[&str] = if e.kind.code() == "task" { &["done"] } else { &REFERRAL_STATUSES[1..] };
                                @for choice in choices { @if Some(*choice) != e.status.as_deref() { " " button type="submit" name="status" value=(choice) { (choice) } } }
                            }
                        }
                    }
                }
            } }
            @if open {
                form id="entry-form" method="post" action={ "/cases/" (id) "/entry" } {
                    input type="hidden" name="csrf" value=(csrf);
                    div.row {
                        div { label for="entry-kind" { (tc(lang, "entry_kind")) } select id="entry-kind" name="kind" {
                            option value="note" { (tc(lang, "note_kind")) } option value="task" { (tc(lang, "task")) } option value="referral" { (tc(lang, "referral")) }
                        } }
                        div { label for="entry-target" { (tc(lang, "target")) } select id="entry-target" name="target" { option value="" { "—" } @for t in REFERRAL_TARGETS { option value=(t) { (t) } } } }
                        div { label for="entry-due" { (tc(lang, "due")) } input id="entry-due" name="due_on" type="date"; }
                    }
                    label for="entry-text" { (tc(lang, "text")) } textarea id="entry-text" name="text" rows="2" maxlength="4000" required {}
                    button type="submit" { (tc(lang, "save")) }
                }
                form id="close-form" method="post" action={ "/cases/" (id) "/close" } {
                    input type="hidden" name="csrf" value=(csrf);
                    h2 { (tc(lang, "close_case")) }
                    label for="close-outcome" { (tc(lang, "outcome")) }
                    select id="close-outcome" name="outcome" { @for o in CaseOutcome::ALL { option value=(o.code()) { (o.code()) } } }
                    label for="close-note" { (tc(lang, "closing_note")) } textarea id="close-note" name="note" rows="2" maxlength="4000" {}
                    button type="submit" { (tc(lang, "close_case")) }
                }
            }
        }
    };
    html_response(StatusCode::OK, page(lang, tc(lang, "cases"), Some(&user), &csrf, body))
}

/// The fields of the case forms (each form sends some of them).
#[derive(Debug, Deserialize, Default)]
pub(super) struct CaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    status: String,
}

fn some(text: String) -> Option<String> {
    Some(text).filter(|t| !t.trim().is_empty())
}

async fn case_action(
    state: AppState,
    headers: HeaderMap,
    id: i64,
    form: Result<Form<CaseForm>, axum::extract::rejection::FormRejection>,
    action: &'static str,
    entry: Option<i64>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return super::expired(lang) };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if form.csrf != csrf_for(&token) {
        return case_view(&state, &headers, id, Some((false, tc(lang, "csrf").into()))).await;
    }
    let Ok(context) = context(&user) else { return redirect("/") };
    let result = match action {
        "party" => {
            let request = crate::cases::PartyRequest {
                role: form.role,
                nik: some(form.nik),
                name: form.name,
                phone: some(form.phone),
                note: some(form.note),
            };
            crate::cases::add_party(&state, &user, context, id, request).await.map(|_| ())
        }
        "entry" => {
            let target = if form.kind == "referral" { some(form.target) } else { None };
            let request =
                crate::cases::EntryRequest { kind: form.kind, text: form.text, target, due_on: some(form.due_on) };
            crate::cases::add_entry(&state, &user, context, id, request).await.map(|_| ())
        }
        "close" => {
            crate::cases::close(
                &state,
                &user,
                context,
                id,
                crate::cases::CloseRequest { outcome: form.outcome, note: form.note },
            )
            .await
        }
        _ => {
            let store = state.store.clone();
            let entry = entry.unwrap_or_default();
            let status = form.status;
            match crate::roles::require(user.role, Permission::ManageCases) {
                Err(e) => Err(e),
                Ok(()) => {
                    tokio::task::spawn_blocking(move || store.set_case_entry_status(id, entry, &status, &context))
                        .await
                        .map_err(AppError::from)
                        .and_then(|r| r.map_err(AppError::from))
                }
            }
        }
    };
    match result {
        Ok(()) => case_view(&state, &headers, id, Some((true, tc(lang, "saved").into()))).await,
        Err(error) => {
            let status = error.status();
            let mut response = case_view(&state, &headers, id, Some((false, message(lang, &error)))).await;
            if response.status() == StatusCode::OK {
                *response.status_mut() = status;
            }
            response
        }
    }
}

pub(super) async fn case_party(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<CaseForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    case_action(state, headers, id, form, "party", None).await
}

pub(super) async fn case_entry(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<CaseForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    case_action(state, headers, id, form, "entry", None).await
}

pub(super) async fn case_entry_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, entry)): Path<(i64, i64)>,
    form: Result<Form<CaseForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    case_action(state, headers, id, form, "status", Some(entry)).await
}

pub(super) async fn case_close(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<CaseForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    case_action(state, headers, id, form, "close", None).await
}

/// The case-work pages.
pub(super) fn routes() -> Vec<(&'static str, axum::routing::MethodRouter<AppState>)> {
    use axum::routing::{get, post};
    vec![
        ("/triage", get(triage_page)),
        ("/reports/{id}", get(report_page)),
        ("/reports/{id}/photos/{photo}", get(report_photo)),
        ("/reports/{id}/status", post(report_status)),
        ("/reports/{id}/link", post(report_link)),
        ("/cases", get(cases_page).post(open_case)),
        ("/cases/{id}", get(case_page)),
        ("/cases/{id}/party", post(case_party)),
        ("/cases/{id}/entry", post(case_entry)),
        ("/cases/{id}/entry/{entry}/status", post(case_entry_status)),
        ("/cases/{id}/close", post(case_close)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_is_in_both_catalogues() {
        let source = include_str!("web_cases.rs");
        let mut n_keys = 0;
        for part in source.split("tc(lang, \"").skip(1) {
            if let Some(end) = part.find('"') {
                let key = &part[..end];
                n_keys += 1;
                assert_ne!(tc(Lang::Id, key), "?", "{key} missing");
                assert_ne!(tc(Lang::En, key), "?", "{key} missing");
            }
        }
        assert!(n_keys > 30, "{n_keys}");
        for role in PartyRole::ALL {
            assert_ne!(role_text(Lang::Id, role), "?");
        }
        for kind in [SubmissionKind::Report, SubmissionKind::LaporDiri, SubmissionKind::Sos] {
            assert_ne!(kind_text(Lang::En, kind), "?");
        }
    }
}
