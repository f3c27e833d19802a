//! Data-subject requests on the web (UU 27/2022 Art. 6, 7, 10, 15) for the data-protection
//! officer and supervisors: record a request received at the counter or by letter, decide it
//! (approve, possibly restricted by Art. 15(1) exemptions, or refuse naming them), download an
//! approved access export (JSON and a readable page) and complete the request. The same store
//! functions as `waspada dsr`; a child module of `web` sharing its session, CSRF and layout.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use waspada_store::{AuditContext, EXEMPTIONS, NewSubjectRequest, RequestKind, SubjectRequest};

use super::{Lang, csrf_for, forbidden, html_response, lang, page, redirect, session};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::roles::Permission;

/// The purpose recorded for this work.
const PURPOSE: &str = "permintaan subjek data (UU 27/2022)";

/// This module's texts, Bahasa Indonesia first.
fn tr(lang: Lang, key: &str) -> &'static str {
    const TEXTS: &[(&str, &str, &str)] = &[
        ("requests", "Permintaan subjek data", "Data-subject requests"),
        ("record", "Catat permintaan", "Record a request"),
        ("kind", "Jenis", "Kind"),
        ("access", "Akses (salinan data)", "Access (a copy of the data)"),
        ("rectification", "Perbaikan data", "Rectification"),
        ("objection", "Keberatan atas pemrosesan", "Objection to processing"),
        ("nik", "NIK orang yang bersangkutan", "NIK of the person concerned"),
        ("requester", "Pemohon dan cara menjawab", "Requester and how to answer"),
        ("detail", "Isi permintaan", "What was asked"),
        (
            "correction",
            "Perbaikan (JSON, format impor), untuk perbaikan data",
            "Correction (JSON, import format), for a rectification",
        ),
        ("none", "Belum ada permintaan.", "No requests yet."),
        ("status", "Status", "Status"),
        ("received", "Diterima", "Received"),
        ("decide", "Putuskan", "Decide"),
        ("approve", "Setujui", "Approve"),
        ("refuse", "Tolak", "Refuse"),
        ("exemptions", "Pengecualian Pasal 15 ayat (1)", "Exemptions of Art. 15(1)"),
        ("note", "Alasan / catatan", "Reasons / note"),
        ("export_html", "Unduh salinan (halaman)", "Download the copy (page)"),
        ("export_json", "Unduh salinan (JSON)", "Download the copy (JSON)"),
        ("complete", "Selesaikan", "Complete"),
        ("complete_rectification", "Terapkan perbaikan dan selesaikan", "Apply the correction and complete"),
        (
            "complete_objection",
            "Catat keberatan diterima dan selesaikan",
            "Record the objection as upheld and complete",
        ),
        ("csrf", "Formulir kedaluwarsa; muat ulang halaman.", "The form expired; reload the page."),
        ("no_person", "Tidak ada orang dengan NIK itu dalam data.", "No person with that NIK is held."),
        ("bad_nik", "NIK tidak sah.", "Not a valid NIK."),
        (
            "bad_json",
            "Perbaikan harus berupa objek JSON, mis. {\"address\":\"Jl. Baru 2\"}.",
            "The correction must be a JSON object, e.g. {\"address\":\"Jl. Baru 2\"}.",
        ),
        ("failed", "Tidak dapat diproses.", "Could not be processed."),
    ];
    TEXTS.iter().find(|(k, _, _)| *k == key).map_or("?", |(_, id, en)| if lang == Lang::Id { id } else { en })
}

fn context(user: &CurrentUser) -> Option<AuditContext> {
    AuditContext::new(user.username.clone(), PURPOSE).ok()
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
}

/// The page: the record form and every request with what can be done with it now.
async fn view(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    message: Option<String>,
    typed: &[(String, String)],
) -> Response {
    let lang = lang(headers);
    let Some((user, token)) = session(state, headers).await else { return redirect("/login") };
    let csrf = csrf_for(&token);
    if !user.role.allows(Permission::ManageSubjectRequests) {
        return forbidden(lang, tr(lang, "requests"), &user, &csrf);
    }
    let Some(context) = context(&user) else { return redirect("/") };
    let store = state.store.clone();
    let requests = match tokio::task::spawn_blocking(move || store.subject_requests(&context)).await {
        Ok(Ok(requests)) => requests,
        _ => {
            let body = html! { p.error role="alert" { (tr(lang, "failed")) } };
            return html_response(
                StatusCode::SERVICE_UNAVAILABLE,
                page(lang, tr(lang, "requests"), Some(&user), &csrf, body),
            );
        }
    };
    let body = html! {
        h1 { (tr(lang, "requests")) }
        @if let Some(message) = &message { p.error role="alert" { (message) } }
        (record_form(lang, &csrf, typed))
        @if requests.is_empty() { p { (tr(lang, "none")) } }
        @for request in &requests { (request_card(lang, &csrf, request)) }
    };
    html_response(status, page(lang, tr(lang, "requests"), Some(&user), &csrf, body))
}

fn record_form(lang: Lang, csrf: &str, typed: &[(String, String)]) -> Markup {
    let kind = field(typed, "kind");
    html! {
        form method="post" action="/requests" class="card" id="record-request" {
            h2 { (tr(lang, "record")) }
            input type="hidden" name="csrf" value=(csrf);
            div.row {
                div {
                    label for="kind" { (tr(lang, "kind")) }
                    select #kind name="kind" {
                        @for code in ["access", "rectification", "objection"] {
                            option value=(code) selected[kind == code] { (tr(lang, code)) }
                        }
                    }
                }
                div {
                    label for="nik" { (tr(lang, "nik")) }
                    input #nik name="nik" inputmode="numeric" autocomplete="off" value=(field(typed, "nik")) required;
                }
            }
            label for="requester" { (tr(lang, "requester")) }
            input #requester name="requester" value=(field(typed, "requester")) required;
            label for="detail" { (tr(lang, "detail")) }
            textarea #detail name="detail" rows="2" { (field(typed, "detail")) }
            label for="correction" { (tr(lang, "correction")) }
            input #correction name="correction" value=(field(typed, "correction")) spellcheck="false";
            button type="submit" { (tr(lang, "record")) }
        }
    }
}

fn request_card(lang: Lang, csrf: &str, r: &SubjectRequest) -> Markup {
    let action = |what: &str| format!("/requests/{}/{what}", r.reference);
    html! {
        section.card id=(r.reference) {
            h2 { (r.reference) " · " (tr(lang, r.kind.code())) " · " (r.status) }
            p.small {
                "person:" (r.person_id) " · " (tr(lang, "received")) " " (r.received_at) " (" (r.received_by) ")"
                @if let Some(by) = &r.decided_by { " · " (by) " " (r.decided_at.as_deref().unwrap_or("")) }
                @if !r.exemptions.is_empty() { " · " (r.exemptions.join(", ")) }
            }
            p { (r.requester) " — " (r.detail) }
            @if let Some(correction) = &r.correction { p.small { code { (correction.to_string()) } } }
            @if let Some(note) = &r.decision_note { p.small { (note) } }
            @if r.status == "pending" {
                form method="post" action=(action("decide")) {
                    input type="hidden" name="csrf" value=(csrf);
                    fieldset {
                        legend { (tr(lang, "exemptions")) }
                        @for (code, id_text, en_text) in EXEMPTIONS {
                            label.choice { input type="checkbox" name="exempt" value=(code); " " (code) " " (if lang == Lang::Id { id_text } else { en_text }) }
                        }
                    }
                    label { (tr(lang, "note")) textarea name="note" rows="2" {} }
                    button type="submit" name="decision" value="approve" { (tr(lang, "approve")) }
                    " "
                    button type="submit" name="decision" value="refuse" { (tr(lang, "refuse")) }
                }
            }
            @if r.status == "approved" {
                @if r.kind == RequestKind::Access {
                    p {
                        a href=(format!("/requests/{}/export?format=html", r.reference)) { (tr(lang, "export_html")) }
                        " · "
                        a href=(format!("/requests/{}/export?format=json", r.reference)) { (tr(lang, "export_json")) }
                    }
                }
                form method="post" action=(action("complete")) {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" {
                        (tr(lang, match r.kind {
                            RequestKind::Access => "complete",
                            RequestKind::Rectification => "complete_rectification",
                            RequestKind::Objection => "complete_objection",
                        }))
                    }
                }
            }
        }
    }
}

pub(super) async fn requests_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    view(&state, &headers, StatusCode::OK, None, &[]).await
}

/// The start of every form post here: the session, the form token and the permission.
async fn form_user(
    state: &AppState,
    headers: &HeaderMap,
    typed: &[(String, String)],
) -> Result<(Lang, CurrentUser, AuditContext), Response> {
    let lang = lang(headers);
    let Some((user, token)) = session(state, headers).await else { return Err(super::expired(lang)) };
    if field(typed, "csrf") != csrf_for(&token) {
        return Err(view(state, headers, StatusCode::FORBIDDEN, Some(tr(lang, "csrf").into()), typed).await);
    }
    if !user.role.allows(Permission::ManageSubjectRequests) {
        return Err(forbidden(lang, tr(lang, "requests"), &user, &csrf_for(&token)));
    }
    let Some(context) = context(&user) else { return Err(redirect("/")) };
    Ok((lang, user, context))
}

/// A store refusal (wrong state, unknown code) as the page with the message; anything else 503.
async fn refused(
    state: &AppState,
    headers: &HeaderMap,
    error: waspada_store::Error,
    typed: &[(String, String)],
) -> Response {
    let lang = lang(headers);
    let (status, message) = match error {
        waspada_store::Error::Refused(message) | waspada_store::Error::Config(message) => {
            (StatusCode::BAD_REQUEST, message)
        }
        waspada_store::Error::NotFound { .. } => (StatusCode::NOT_FOUND, tr(lang, "failed").to_owned()),
        _ => (StatusCode::SERVICE_UNAVAILABLE, tr(lang, "failed").to_owned()),
    };
    view(state, headers, status, Some(message), typed).await
}

pub(super) async fn record_request(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let typed = pairs(&body);
    let (lang, _user, context) = match form_user(&state, &headers, &typed).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let bad = |key: &str| view(&state, &headers, StatusCode::BAD_REQUEST, Some(tr(lang, key).into()), &typed);
    let Some(kind) = RequestKind::parse(&field(&typed, "kind")) else { return bad("kind").await };
    let Ok(nik) = waspada_domain::Nik::parse(&field(&typed, "nik")) else { return bad("bad_nik").await };
    let correction = field(&typed, "correction");
    let correction = if correction.is_empty() {
        None
    } else {
        match serde_json::from_str::<serde_json::Value>(&correction) {
            Ok(value) if value.is_object() => Some(value),
            _ => return bad("bad_json").await,
        }
    };
    let (requester, detail) = (field(&typed, "requester"), field(&typed, "detail"));
    let store = state.store.clone();
    let outcome = tokio::task::spawn_blocking(move || -> Result<Option<SubjectRequest>, waspada_store::Error> {
        let Some(person) = store.person_by_nik(&nik, &context)? else { return Ok(None) };
        let new = NewSubjectRequest { kind, person_id: person.id, requester, detail, correction };
        store.record_subject_request(&new, &context).map(Some)
    })
    .await;
    match outcome {
        Ok(Ok(Some(request))) => redirect(&format!("/requests#{}", request.reference)),
        Ok(Ok(None)) => view(&state, &headers, StatusCode::NOT_FOUND, Some(tr(lang, "no_person").into()), &typed).await,
        Ok(Err(error)) => refused(&state, &headers, error, &typed).await,
        Err(_) => {
            view(&state, &headers, StatusCode::SERVICE_UNAVAILABLE, Some(tr(lang, "failed").into()), &typed).await
        }
    }
}

/// A form post that changes one request: the session, token and permission checked, `work` run
/// in a blocking thread with the form's fields, then back to the request on the page (or the
/// page with the refusal).
async fn act_on_request(
    state: AppState,
    headers: HeaderMap,
    reference: String,
    body: axum::body::Bytes,
    work: impl FnOnce(&waspada_store::Store, &AuditContext, &str, &[(String, String)]) -> Result<(), String>
    + Send
    + 'static,
) -> Response {
    let typed = pairs(&body);
    let (lang, _user, context) = match form_user(&state, &headers, &typed).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let store = state.store.clone();
    let lookup = reference.clone();
    match tokio::task::spawn_blocking(move || work(&store, &context, &lookup, &typed)).await {
        Ok(Ok(())) => redirect(&format!("/requests#{reference}")),
        Ok(Err(message)) => view(&state, &headers, StatusCode::BAD_REQUEST, Some(message), &[]).await,
        Err(_) => view(&state, &headers, StatusCode::SERVICE_UNAVAILABLE, Some(tr(lang, "failed").into()), &[]).await,
    }
}

/// The DPO's decision: approve (with any exemption codes) or refuse (naming at least one).
pub(super) async fn decide_request(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    act_on_request(state, headers, reference, body, |store, context, reference, typed| {
        let approve = match field(typed, "decision").as_str() {
            "approve" => true,
            "refuse" => false,
            other => return Err(format!("decision: approve or refuse, not {other:?}")),
        };
        let codes: Vec<String> =
            typed.iter().filter(|(k, _)| k == "exempt").map(|(_, v)| v.trim().to_owned()).collect();
        store
            .decide_subject_request(reference, approve, &codes, &field(typed, "note"), context)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await
}

/// Carries out an approved request: a rectification is applied (the old record kept with the
/// request), an objection recorded as upheld, an access request marked delivered.
pub(super) async fn complete_request(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let engine = state.engine.clone();
    act_on_request(state, headers, reference, body, move |store, context, reference, _| {
        let request = store
            .subject_request(reference, context)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{reference}: no such request"))?;
        if request.status != "approved" {
            return Err(format!("{reference} is {}, not approved", request.status));
        }
        let previous = match request.kind {
            RequestKind::Rectification => Some(crate::subject::apply_rectification(store, &request, context)?),
            RequestKind::Access | RequestKind::Objection => None,
        };
        store.complete_subject_request(reference, previous.clone(), context).map_err(|e| e.to_string())?;
        if previous.is_some() {
            // The counter check sees the corrected record from the next request on.
            let corrected = store.person_by_id(request.person_id, context).map_err(|e| e.to_string())?;
            let records: Vec<waspada_formats::Record> =
                corrected.into_iter().map(|p| waspada_formats::Record::Person(p.record)).collect();
            crate::checks::absorb(&engine, waspada_formats::Kind::Persons, &records);
        }
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct ExportQuery {
    format: Option<String>,
}

/// An approved access request's export, as a download (audited by `access_export`).
pub(super) async fn export_request(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let lang = lang(&headers);
    let Some((user, token)) = session(&state, &headers).await else { return redirect("/login") };
    if !user.role.allows(Permission::ManageSubjectRequests) {
        return forbidden(lang, tr(lang, "requests"), &user, &csrf_for(&token));
    }
    let Some(context) = context(&user) else { return redirect("/") };
    let json = query.format.as_deref() == Some("json");
    let store = state.store.clone();
    let lookup = reference.clone();
    let outcome = tokio::task::spawn_blocking(move || -> Result<crate::subject::AccessExport, String> {
        let request = store
            .subject_request(&lookup, &context)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{lookup}: no such request"))?;
        crate::subject::access_export(&store, &request, &context)
    })
    .await;
    let export = match outcome {
        Ok(Ok(export)) => export,
        Ok(Err(message)) => return view(&state, &headers, StatusCode::BAD_REQUEST, Some(message), &[]).await,
        Err(_) => {
            return view(&state, &headers, StatusCode::SERVICE_UNAVAILABLE, Some(tr(lang, "failed").into()), &[]).await;
        }
    };
    let (body, content_type, extension) = if json {
        (serde_json::to_vec_pretty(&export.json).unwrap_or_default(), "application/json", "json")
    } else {
        (export.html.into_bytes(), "text/html; charset=utf-8", "html")
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The reference is `DSR-YYYY-NNNN` (checked by the store), safe in a header.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{reference}.{extension}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

pub(super) fn routes() -> Vec<(&'static str, axum::routing::MethodRouter<AppState>)> {
    use axum::routing::{get, post};
    vec![
        ("/requests", get(requests_page).post(record_request)),
        ("/requests/{reference}/decide", post(decide_request)),
        ("/requests/{reference}/complete", post(complete_request)),
        ("/requests/{reference}/export", get(export_request)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_is_in_both_catalogues() {
        let source = include_str!("web_requests.rs");
        let mut n_keys = 0;
        for part in source.split("tr(lang, \"").skip(1) {
            if let Some(end) = part.find('"') {
                n_keys += 1;
                assert_ne!(tr(Lang::Id, &part[..end]), "?", "{}", &part[..end]);
                assert_ne!(tr(Lang::En, &part[..end]), "?", "{}", &part[..end]);
            }
        }
        assert!(n_keys > 15, "{n_keys}");
        for kind in ["access", "rectification", "objection"] {
            assert_ne!(tr(Lang::En, kind), "?");
        }
    }
}
