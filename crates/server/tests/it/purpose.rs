//! Every access to personal data needs a stated purpose, and the audit log records it.

use axum::http::StatusCode;
use serde_json::json;
use waspada_server::roles::Role;

use crate::common::{Req, TestApp, username};
use crate::data;

/// The personal-data reads, as URIs without a purpose.
fn personal_reads(person_id: i64) -> Vec<String> {
    vec![
        format!("/api/v1/persons/by-nik/{}", data::NIK_SITI),
        format!("/api/v1/persons/{person_id}"),
        "/api/v1/persons/search?name=Siti%20Rahmawati".to_owned(),
        format!("/api/v1/persons/{person_id}/timeline"),
        format!("/api/v1/documents/{}", data::PASSPORT),
        "/api/v1/watchlist/search?name=Rudi%20Hartono%20Saputra".to_owned(),
    ]
}

#[tokio::test]
async fn reads_need_a_purpose() {
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    for uri in personal_reads(seeded.siti) {
        let resp = app.send(Req::get(&uri).token(&token).build()).await;
        resp.check_error(StatusCode::BAD_REQUEST, "purpose_required");
        for blank in ["", "   "] {
            let resp = app.send(Req::get(&uri).token(&token).purpose(blank).build()).await;
            resp.check_error(StatusCode::BAD_REQUEST, "purpose_required");
        }
        let resp = app.send(Req::get(&uri).token(&token).purpose("cek tujuan").build()).await;
        assert_eq!(resp.status, StatusCode::OK, "{uri} with X-Purpose: {}", resp.text());
        let separator = if uri.contains('?') { '&' } else { '?' };
        let with_query = format!("{uri}{separator}purpose=cek%20tujuan");
        let resp = app.send(Req::get(&with_query).token(&token).build()).await;
        assert_eq!(resp.status, StatusCode::OK, "{with_query}: {}", resp.text());
    }
    let too_long = "x".repeat(201);
    let uri = format!("/api/v1/persons/{}", seeded.siti);
    let resp = app.send(Req::get(&uri).token(&token).purpose(&too_long).build()).await;
    resp.check_error(StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn writes_need_a_purpose() {
    let app = TestApp::new();
    let token = app.login(Role::Officer).await;
    let resp = app.send(Req::post("/api/v1/persons").token(&token).json(&data::person_budi()).build()).await;
    resp.check_error(StatusCode::BAD_REQUEST, "purpose_required");
}

#[tokio::test]
async fn the_audit_log_records_actor_purpose_and_subject() {
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let purpose = "verifikasi pemohon paspor 4711";
    let subject = format!("person:{}", seeded.budi);
    let reads = [
        (format!("/api/v1/persons/{}", seeded.budi), "person.read"),
        (format!("/api/v1/persons/by-nik/{}", data::NIK_BUDI), "person.lookup_nik"),
        (format!("/api/v1/persons/{}/timeline", seeded.budi), "person.timeline"),
        ("/api/v1/persons/search?name=SANTOSO,%20budi".to_owned(), "person.search_name"),
    ];
    for (uri, _) in &reads {
        let resp = app.send(Req::get(uri).token(&token).purpose(purpose).build()).await;
        assert_eq!(resp.status, StatusCode::OK, "{uri}: {}", resp.text());
    }
    let entries = app.audit().await;
    let actor = username(Role::Officer);
    for (uri, action) in reads {
        let found = entries.iter().any(|e| {
            e["actor"] == actor.as_str()
                && e["purpose"] == purpose
                && e["subject"] == subject.as_str()
                && e["action"] == action
        });
        assert!(found, "no audit entry {action} by {actor} for {subject} after {uri}");
    }

    // The filters of the listing find the same entries, and only them.
    let supervisor = app.login(Role::Supervisor).await;
    let uri = format!("/api/v1/audit?actor={actor}&subject={subject}&action=person.read");
    let resp = app.send(Req::get(&uri).token(&supervisor).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let filtered = resp.json();
    let filtered = filtered.as_array().expect("an array");
    assert_eq!(filtered.len(), 1, "{filtered:?}");
    assert_eq!(filtered[0]["purpose"], purpose);

    // Writes are audited with their purpose too, and the chain stays intact.
    let import = entries.iter().any(|e| {
        e["action"] == "persons.import"
            && e["actor"] == actor.as_str()
            && e["purpose"] == crate::common::PURPOSE
            && e["detail"] == "inserted=3 updated=0 unchanged=0 rejected=0"
    });
    assert!(import, "no audit entry for the seeding import: {entries:?}");
    let resp = app.send(Req::get("/api/v1/audit/verify").token(&supervisor).build()).await;
    assert_eq!(
        resp.json(),
        json!({"intact": true, "entries": resp.json()["entries"], "checkpoints": 0,
            "public_key": resp.json()["public_key"], "first_bad_seq": null, "reason": null})
    );
    assert!(resp.json()["entries"].as_i64().is_some_and(|n| n > 10), "{}", resp.text());
    assert_eq!(resp.json()["public_key"].as_str().map(str::len), Some(64), "an Ed25519 public key, hex");
}
