//! The counter check and the officer's decision, through the API.

use axum::http::StatusCode;
use serde_json::{Value, json};
use waspada_server::roles::Role;

use crate::common::{PURPOSE, Req, TestApp};

const AGENT: &str = "1709011506800001";
const AGENT_PHONE: &str = "+6281299999999";
const RECRUITS: [&str; 5] =
    ["1709014101000001", "1709014201000001", "1709014301000001", "1709014401000001", "1709014501000001"];

async fn post(app: &TestApp, token: &str, uri: &str, body: &Value) -> Value {
    let resp = app.send(Req::post(uri).token(token).purpose(PURPOSE).json(body).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{uri}: {}", resp.text());
    let value = resp.json();
    if let Some(rows) = value.as_array() {
        for row in rows {
            assert_ne!(row["outcome"], "rejected", "{uri}: {row}");
        }
    }
    value
}

async fn check(app: &TestApp, token: &str, body: Value) -> Value {
    let resp = app.send(Req::post("/api/v1/checks").token(token).purpose(PURPOSE).json(&body).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{body}: {}", resp.text());
    resp.json()
}

/// Five young women from one desa whose applications all give the agent's phone.
async fn seed_network(app: &TestApp, token: &str) {
    let mut persons = vec![json!({
        "nik": AGENT, "full_name": "Darlis Saputra", "date_of_birth": "1980-06-15", "sex": "M",
        "region_code": "1709012001", "phones": [AGENT_PHONE]
    })];
    let names = ["Rina Wati", "Dewi Lestari", "Sri Yanti", "Lina Marlina", "Eka Putri"];
    for (i, (nik, name)) in RECRUITS.iter().zip(names).enumerate() {
        persons.push(json!({
            "nik": nik, "full_name": name, "date_of_birth": format!("2000-01-0{}", i + 1), "sex": "F",
            "region_code": "1709012001", "phones": [format!("+62812000000{i:02}")]
        }));
    }
    post(app, token, "/api/v1/persons", &json!(persons)).await;
    let applications: Vec<Value> = RECRUITS
        .iter()
        .enumerate()
        .map(|(i, nik)| {
            json!({
                "reference": format!("BKL-2026-{i:04}"), "office": "Kanim Bengkulu",
                "applied_on": format!("2026-03-{:02}", 1 + i * 3), "applicant_nik": nik, "purpose": "tourism",
                "destination": "KHM", "contact_phone": AGENT_PHONE,
                "interview_notes": "tidak dapat menyebutkan alamat tujuan"
            })
        })
        .collect();
    post(app, token, "/api/v1/applications", &json!(applications)).await;
}

#[tokio::test]
async fn a_recruit_is_sent_to_interview_with_reasons_legal_basis_and_expiry() {
    let app = TestApp::new();
    let officer = app.login(Role::Officer).await;
    seed_network(&app, &officer).await;
    let result = check(&app, &officer, json!({"nik": RECRUITS[0], "application_reference": "BKL-2026-0000"})).await;
    assert_eq!(result["person"]["nik"], RECRUITS[0]);
    assert_ne!(result["recommendation"], "proceed", "{result}");
    let findings = result["assessment"]["findings"].as_array().unwrap();
    let shared = findings.iter().find(|f| f["code"] == "shared_contact_phone").expect("shared phone finding");
    assert_eq!(shared["subject"], "possible_victim");
    assert!(shared["legal_basis"].as_str().unwrap().contains("IMI-0277"));
    assert!(shared["text_id"].as_str().unwrap().contains("5 pemohon"));
    assert_eq!(shared["valid_until"], "2026-08-28", "application day + 180 days");
    assert!(findings.iter().any(|f| f["code"] == "work_intent_hidden"));
    assert!(result["policy_version"].as_str().is_some_and(|v| !v.is_empty()));
    // The agent is a suspect, kept apart from the victims.
    let agent = check(&app, &officer, json!({"nik": AGENT})).await;
    let suspect = agent["assessment"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "recruiter_phone_owner")
        .cloned();
    assert_eq!(suspect.expect("recruiter finding")["subject"], "suspect");
    // Every check is audited with its purpose.
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e["action"] == "check.lookup" && e["purpose"] == PURPOSE), "{audit:?}");
}

#[tokio::test]
async fn a_watchlist_entry_is_screened_from_the_next_request_on() {
    let app = TestApp::new();
    let officer = app.login(Role::Officer).await;
    let supervisor = app.login(Role::Supervisor).await;
    seed_network(&app, &officer).await;
    let before = check(&app, &officer, json!({"nik": AGENT})).await;
    assert!(before["watchlist_hits"].as_array().unwrap().is_empty());
    post(
        &app,
        &supervisor,
        "/api/v1/watchlist",
        &json!({
            "id": "WL-1", "category": "pencegahan", "full_name": "Darliss Saputera", "date_of_birth": "1980",
            "sex": "M", "legal_basis": "UU 6/2011 Pasal 97", "valid_from": "2026-01-01"
        }),
    )
    .await;
    let after = check(&app, &officer, json!({"nik": AGENT})).await;
    let hit = &after["watchlist_hits"][0];
    assert_eq!(hit["entry_id"], "WL-1", "{after}");
    assert_eq!(hit["category"], "pencegahan");
    assert!(hit["score"].as_f64().unwrap() >= 0.8);
    assert!(hit["reasons"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("DARLIS")), "{hit}");
    assert_eq!(after["recommendation"], "supervisor_review", "an exit ban goes to a supervisor");
    // An entry no longer in force is not a hit.
    post(
        &app,
        &supervisor,
        "/api/v1/watchlist?on_conflict=update",
        &json!({
            "id": "WL-1", "category": "pencegahan", "full_name": "Darliss Saputera", "date_of_birth": "1980",
            "sex": "M", "legal_basis": "UU 6/2011 Pasal 97", "valid_from": "2020-01-01", "valid_until": "2020-06-30"
        }),
    )
    .await;
    let expired = check(&app, &officer, json!({"nik": AGENT})).await;
    assert!(expired["watchlist_hits"].as_array().unwrap().is_empty(), "{expired}");
}

#[tokio::test]
async fn documents_lost_or_read_with_another_identity_raise_alerts() {
    let app = TestApp::new();
    let officer = app.login(Role::Officer).await;
    seed_network(&app, &officer).await;
    post(
        &app,
        &officer,
        "/api/v1/documents",
        &json!([
            {"number": "C1234567", "issuing_state": "IDN", "holder_nik": RECRUITS[1], "issue_date": "2024-01-01",
             "expiry_date": "2034-01-01", "status": "lost", "status_reason": "hilang (BAP)", "status_changed_at": "2025-05-01T00:00:00Z"},
            {"number": "C7654321", "issuing_state": "IDN", "holder_nik": RECRUITS[2], "issue_date": "2024-01-01",
             "expiry_date": "2034-01-01"}
        ]),
    )
    .await;
    let lost = check(&app, &officer, json!({"document_number": "C1234567"})).await;
    assert_eq!(lost["person"]["nik"], RECRUITS[1]);
    assert!(lost["document_alerts"].as_array().unwrap().iter().any(|a| a["code"] == "lost"), "{lost}");
    assert_eq!(lost["recommendation"], "supervisor_review");
    // A zone for C7654321 whose holder is someone else entirely.
    let mrz = waspada_mrz::generate(&waspada_mrz::MrzInput {
        format: waspada_mrz::Format::Td3,
        document_code: "P",
        issuing_state: "IDN",
        document_number: "C7654321",
        surname: "SANTOSO",
        given_names: "BAMBANG",
        nationality: "IDN",
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1970, 2, 2).unwrap(),
        sex: waspada_mrz::Sex::Male,
        expiry_date: chrono::NaiveDate::from_ymd_opt(2034, 1, 1).unwrap(),
        optional_data: "",
    })
    .unwrap()
    .join("\n");
    let other = check(&app, &officer, json!({"mrz": mrz})).await;
    assert!(other["document_alerts"].as_array().unwrap().iter().any(|a| a["code"] == "other_identity"), "{other}");
    assert_eq!(other["mrz"]["valid"], true);
    // Unknown document: said so, not an error.
    let unknown = check(&app, &officer, json!({"document_number": "X0000000", "nik": RECRUITS[3]})).await;
    assert!(unknown["document_alerts"].as_array().unwrap().iter().any(|a| a["code"] == "not_on_file"));
}

#[tokio::test]
async fn decisions_are_signed_by_the_officer_and_need_reason_and_legal_basis_to_delay() {
    let app = TestApp::new();
    let officer = app.login(Role::Officer).await;
    seed_network(&app, &officer).await;
    let send = |body: Value| Req::post("/api/v1/decisions").token(&officer).purpose(PURPOSE).json(&body).build();
    let resp = app.send(send(json!({"application_reference": "BKL-2026-0001", "outcome": "delayed"}))).await;
    resp.check_error(StatusCode::BAD_REQUEST, "bad_request");
    let resp = app
        .send(send(json!({
            "application_reference": "BKL-2026-0001", "outcome": "delayed",
            "reason": "diduga akan bekerja secara non-prosedural", "legal_basis": "SE IMI-0277.GR.02.06/2017"
        })))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let decided = resp.json();
    assert_eq!(decided["decision"]["outcome"], "delayed");
    assert_eq!(decided["decision"]["officer"], crate::common::username(Role::Officer));
    let resp = app.send(send(json!({"application_reference": "NOPE", "outcome": "issued"}))).await;
    resp.check_error(StatusCode::NOT_FOUND, "not_found");
    let resp = app.send(send(json!({"application_reference": "BKL-2026-0002", "outcome": "maybe"}))).await;
    resp.check_error(StatusCode::BAD_REQUEST, "bad_request");
    // An analyst may check but not decide.
    let analyst = app.login(Role::Analyst).await;
    let resp = app
        .send(
            Req::post("/api/v1/decisions")
                .token(&analyst)
                .purpose(PURPOSE)
                .json(&json!({"application_reference": "BKL-2026-0002", "outcome": "issued"}))
                .build(),
        )
        .await;
    resp.check_error(StatusCode::FORBIDDEN, "forbidden");
    // The delay now counts as an earlier setback for the same person's next application.
    post(
        &app,
        &officer,
        "/api/v1/applications",
        &json!({"reference": "BKL-2026-0100", "office": "Kanim Bengkulu", "applied_on": "2026-09-01",
                "applicant_nik": RECRUITS[1], "purpose": "tourism", "destination": "MYS"}),
    )
    .await;
    let again = check(&app, &officer, json!({"nik": RECRUITS[1], "application_reference": "BKL-2026-0100"})).await;
    assert!(again["assessment"]["findings"].as_array().unwrap().iter().any(|f| f["code"] == "prior_delay"), "{again}");
}

#[tokio::test]
async fn bad_check_requests_get_clear_errors() {
    let app = TestApp::new();
    let officer = app.login(Role::Officer).await;
    let send = |body: Value| Req::post("/api/v1/checks").token(&officer).purpose(PURPOSE).json(&body).build();
    app.send(send(json!({}))).await.check_error(StatusCode::BAD_REQUEST, "bad_request");
    app.send(send(json!({"nik": "123"}))).await.check_error(StatusCode::BAD_REQUEST, "bad_request");
    app.send(send(json!({"nik": "1709014101000001"}))).await.check_error(StatusCode::NOT_FOUND, "not_found");
    app.send(send(json!({"mrz": "x".repeat(5000)}))).await.check_error(StatusCode::BAD_REQUEST, "bad_request");
    app.send(send(json!({"document_number": "<script>"}))).await.check_error(StatusCode::BAD_REQUEST, "bad_request");
    let resp =
        app.send(Req::post("/api/v1/checks").token(&officer).json(&json!({"nik": "1709014101000001"})).build()).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "a purpose is required: {}", resp.text());
}

#[tokio::test]
async fn travellers_shredded_by_retention_leave_the_counter_check() {
    let app = TestApp::with_config(waspada_server::ServerConfig {
        index_refresh_every: std::time::Duration::from_millis(100),
        ..waspada_server::ServerConfig::default()
    });
    app.start_index_refresh();
    let officer = app.login(Role::Officer).await;
    let supervisor = app.login(Role::Supervisor).await;
    seed_network(&app, &officer).await;
    // The agent is on an active watchlist entry by NIK: a legal hold keeps the record.
    post(
        &app,
        &supervisor,
        "/api/v1/watchlist",
        &json!({
            "id": "WL-7", "category": "pencegahan", "full_name": "Darlis Saputra", "nik": AGENT,
            "legal_basis": "UU 6/2011 Pasal 97", "valid_from": "2026-01-01"
        }),
    )
    .await;
    let has_finding = |result: &Value, code: &str| {
        result["assessment"]["findings"].as_array().is_some_and(|all| all.iter().any(|f| f["code"] == code))
    };
    let before = check(&app, &officer, json!({"nik": AGENT})).await;
    assert!(has_finding(&before, "recruiter_phone_owner"), "{before}");

    // Eleven years on (the default period is ten), every recruit is due and shredded.
    let store = app.store().clone();
    let report = tokio::task::spawn_blocking(move || {
        let context = waspada_store::AuditContext::new("test", "retention").unwrap();
        let later = chrono::Utc::now() + chrono::Duration::days(11 * 365);
        store.apply_retention(&waspada_store::RetentionPolicy::default(), later, false, &context).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(report.travellers_shredded, 5, "{report:?}");
    assert_eq!(report.held.len(), 1, "{report:?}");
    assert!(report.held[0].held_by.as_deref().unwrap().contains("watchlist"), "{report:?}");

    // The record is gone at once; the index follows within a refresh.
    let gone = app
        .send(Req::post("/api/v1/checks").token(&officer).purpose(PURPOSE).json(&json!({"nik": RECRUITS[0]})).build())
        .await;
    gone.check_error(StatusCode::NOT_FOUND, "not_found");
    let mut agent = Value::Null;
    for _ in 0..100 {
        agent = check(&app, &officer, json!({"nik": AGENT})).await;
        if !has_finding(&agent, "recruiter_phone_owner") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!has_finding(&agent, "recruiter_phone_owner"), "the shredded recruits still count: {agent}");
    assert_eq!(agent["person"]["nik"], AGENT, "the held agent stays");
    assert_eq!(agent["watchlist_hits"][0]["entry_id"], "WL-7", "{agent}");
}
