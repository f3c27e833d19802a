//! Sample records, posted through the API. NIKs follow the rule: 6-digit district (170901, in
//! Bengkulu), DDMMYY with 40 added to the day for women, and a 4-digit serial.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{PURPOSE, Req, TestApp};

/// Siti Rahmawati, a woman born 1994-08-12.
pub const NIK_SITI: &str = "1709015208940001";
/// Budi Santoso, a man born 1990-03-05.
pub const NIK_BUDI: &str = "1709010503900002";
/// Another Siti Rahmawati, a woman born 1988-02-20.
pub const NIK_SITI_1988: &str = "1709016002880001";
/// A man born 1980-07-01, on the watchlist.
pub const NIK_WATCHED: &str = "1709010107800003";
/// Siti's passport number; a Malaysian document has the same number.
pub const PASSPORT: &str = "C1234567";
/// The watchlisted person's document.
pub const WATCHED_DOCUMENT: &str = "X9876543";

pub fn person_siti() -> Value {
    json!({
        "nik": NIK_SITI, "full_name": "Siti Rahmawati", "aliases": ["Siti Rahma"],
        "date_of_birth": "1994-08-12", "sex": "F", "region_code": "170901",
        "phones": ["081234567890"], "address": "Jl. Merdeka 1, Bengkulu"
    })
}

pub fn person_budi() -> Value {
    json!({"nik": NIK_BUDI, "full_name": "Budi Santoso", "date_of_birth": "1990-03-05", "sex": "M"})
}

pub fn person_siti_1988() -> Value {
    json!({"nik": NIK_SITI_1988, "full_name": "Siti Rahmawati", "date_of_birth": "1988-02-20", "sex": "F"})
}

pub fn passport_siti() -> Value {
    json!({
        "kind": "passport", "number": PASSPORT, "issuing_state": "IDN", "holder_nik": NIK_SITI,
        "surname": "RAHMAWATI", "given_names": "SITI", "issuing_office": "Kanim Bengkulu",
        "issue_date": "2023-01-10", "expiry_date": "2033-01-10"
    })
}

pub fn document_malaysia() -> Value {
    json!({"number": PASSPORT, "issuing_state": "MYS", "issue_date": "2020-05-01", "expiry_date": "2030-05-01"})
}

pub fn application_siti() -> Value {
    json!({
        "reference": "BKL-2022-0001", "office": "Kanim Bengkulu", "applied_on": "2022-12-20",
        "applicant_nik": NIK_SITI, "purpose": "work", "destination": "MYS", "sponsor": "PT Contoh",
        "decision": "issued", "decision_officer": "officer.test", "decided_at": "2023-01-05T03:00:00Z"
    })
}

/// Siti's return, posted before her departure so the timeline has to sort.
pub fn crossing_entry() -> Value {
    json!({
        "direction": "entry", "checkpoint": "DPS", "crossed_at": "2023-09-15T22:30:00Z",
        "carrier": "GA", "voyage": "GA821", "document_number": PASSPORT, "document_issuing_state": "IDN"
    })
}

pub fn crossing_exit() -> Value {
    json!({
        "direction": "exit", "checkpoint": "CGK", "crossed_at": "2023-03-01T10:00:00Z",
        "carrier": "GA", "voyage": "GA820", "document_number": PASSPORT, "document_issuing_state": "IDN"
    })
}

pub fn watchlist_entry() -> Value {
    json!({
        "id": "WL-001", "category": "pencegahan", "full_name": "Rudi Hartono Saputra",
        "aliases": ["Rudi Saputra"], "date_of_birth": "1980", "sex": "M", "nationality": "IDN",
        "document_number": WATCHED_DOCUMENT, "nik": NIK_WATCHED, "legal_basis": "UU 6/2011 Pasal 91",
        "source": "Ditjen Imigrasi", "valid_from": "2024-01-01"
    })
}

/// The ICAO Doc 9303 TD3 specimen.
pub const MRZ_SPECIMEN: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

/// Ids of the seeded persons.
pub struct Seeded {
    pub siti: i64,
    pub budi: i64,
    pub siti_1988: i64,
}

/// Posts records and checks that each one was inserted.
pub async fn post(app: &TestApp, token: &str, path: &str, records: Value) {
    let n_records = records.as_array().map_or(1, Vec::len);
    let resp = app.send(Req::post(path).token(token).purpose(PURPOSE).json(&records).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "POST {path}: {}", resp.text());
    let outcomes = resp.json();
    let outcomes = outcomes.as_array().expect("an array of outcomes");
    assert_eq!(outcomes.len(), n_records, "{outcomes:?}");
    for outcome in outcomes {
        assert_eq!(outcome["outcome"], "inserted", "POST {path}: {outcome}");
    }
}

/// The id of the person with a NIK.
pub async fn person_id(app: &TestApp, token: &str, nik: &str) -> i64 {
    let uri = format!("/api/v1/persons/by-nik/{nik}");
    let resp = app.send(Req::get(&uri).token(token).purpose(PURPOSE).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    resp.json()["id"].as_i64().expect("a person id")
}

/// Seeds every kind of record: persons and documents and applications and crossings as an officer,
/// the watchlist as a supervisor.
pub async fn seed(app: &TestApp) -> Seeded {
    let officer = app.login(waspada_server::roles::Role::Officer).await;
    let supervisor = app.login(waspada_server::roles::Role::Supervisor).await;
    post(app, &officer, "/api/v1/persons", json!([person_siti(), person_budi(), person_siti_1988()])).await;
    post(app, &officer, "/api/v1/documents", json!([passport_siti(), document_malaysia()])).await;
    post(app, &officer, "/api/v1/applications", application_siti()).await;
    post(app, &officer, "/api/v1/crossings", json!([crossing_entry(), crossing_exit()])).await;
    post(app, &supervisor, "/api/v1/watchlist", watchlist_entry()).await;
    Seeded {
        siti: person_id(app, &officer, NIK_SITI).await,
        budi: person_id(app, &officer, NIK_BUDI).await,
        siti_1988: person_id(app, &officer, NIK_SITI_1988).await,
    }
}
