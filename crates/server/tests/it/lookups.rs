//! Lookups by NIK, id, name, document number, timeline and watchlist.

use axum::http::StatusCode;
use serde_json::{Value, json};
use waspada_server::roles::Role;

use crate::common::{PURPOSE, Req, TestApp};
use crate::data;

/// Fetches a URI as an analyst and checks the status.
async fn fetch(app: &TestApp, token: &str, uri: &str, status: StatusCode) -> Value {
    let resp = app.send(Req::get(uri).token(token).purpose(PURPOSE).build()).await;
    assert_eq!(resp.status, status, "{uri}: {}", resp.text());
    if status == StatusCode::OK { resp.json() } else { Value::Null }
}

/// The ids of a JSON array of records, in order.
fn ids(found: &Value) -> Vec<i64> {
    found.as_array().into_iter().flatten().filter_map(|r| r["id"].as_i64()).collect()
}

#[tokio::test]
async fn persons_by_nik_and_id() {
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let by_nik = fetch(&app, &token, &format!("/api/v1/persons/by-nik/{}", data::NIK_SITI), StatusCode::OK).await;
    let expected = json!({
        "id": seeded.siti, "nik": data::NIK_SITI, "full_name": "Siti Rahmawati", "aliases": ["Siti Rahma"],
        "date_of_birth": "1994-08-12", "sex": "F", "region_code": "170901", "region_name": by_nik["region_name"],
        "phones": ["+6281234567890"], "address": "Jl. Merdeka 1, Bengkulu"
    });
    assert_eq!(by_nik, expected);
    assert!(by_nik["region_name"].as_str().is_some_and(|n| !n.is_empty()), "{by_nik}");
    // Spaces and dots in a NIK are tolerated, as clerks write them.
    let spaced = fetch(&app, &token, "/api/v1/persons/by-nik/17.09.01%20520894%200001", StatusCode::OK).await;
    assert_eq!(spaced, expected);
    let by_id = fetch(&app, &token, &format!("/api/v1/persons/{}", seeded.siti), StatusCode::OK).await;
    assert_eq!(by_id, expected);
    let budi = fetch(&app, &token, &format!("/api/v1/persons/{}", seeded.budi), StatusCode::OK).await;
    assert_eq!(budi["nik"], data::NIK_BUDI);
    assert_eq!(budi["aliases"], json!([]));
    assert_eq!(budi["address"], Value::Null);
}

#[tokio::test]
async fn name_search_ignores_case_spacing_and_word_order() {
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let both = vec![seeded.siti, seeded.siti_1988];
    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("Siti%20Rahmawati", both.clone()),
        ("siti%20rahmawati", both.clone()),
        ("%20%20SITI%20%20%20RAHMAWATI%20", both.clone()),
        ("Rahmawati%20Siti", both.clone()),
        ("rahmawati,%20siti", both.clone()),
        ("Siti%20Rahmawati&birth_year=1994", vec![seeded.siti]),
        ("rahmawati%20SITI&birth_year=1988", vec![seeded.siti_1988]),
        ("Siti%20Rahmawati&birth_year=1990", vec![]),
        ("Siti%20Rahmawati&limit=1", vec![seeded.siti]),
        // An alias counts.
        ("Rahma%20Siti", vec![seeded.siti]),
        ("budi%20santoso&birth_year=1990", vec![seeded.budi]),
        // Exact after normalisation: a part of a name is not a match.
        ("Siti", vec![]),
        ("Budi%20Santosa", vec![]),
    ];
    for (query, expected) in cases {
        let found = fetch(&app, &token, &format!("/api/v1/persons/search?name={query}"), StatusCode::OK).await;
        let mut got = ids(&found);
        got.sort_unstable();
        assert_eq!(got, expected, "name={query}");
    }
}

#[tokio::test]
async fn documents_by_number() {
    let app = TestApp::new();
    data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let uri = |query: &str| format!("/api/v1/documents/{}{query}", data::PASSPORT);
    let states = |found: &Value| -> Vec<String> {
        let mut states: Vec<String> =
            found.as_array().into_iter().flatten().map(|d| d["issuing_state"].as_str().unwrap_or("").into()).collect();
        states.sort();
        states
    };
    let all = fetch(&app, &token, &uri(""), StatusCode::OK).await;
    assert_eq!(states(&all), ["IDN", "MYS"]);
    let idn = fetch(&app, &token, &uri("?issuing_state=IDN"), StatusCode::OK).await;
    assert_eq!(states(&idn), ["IDN"]);
    let passport = &idn[0];
    assert_eq!(passport["number"], data::PASSPORT);
    assert_eq!(passport["holder_nik"], data::NIK_SITI);
    assert_eq!(passport["kind"], "passport");
    assert_eq!(passport["status"], "valid");
    assert_eq!(passport["expiry_date"], "2033-01-10");
    let mys = fetch(&app, &token, &uri("?issuing_state=mys"), StatusCode::OK).await;
    assert_eq!(states(&mys), ["MYS"]);
    fetch(&app, &token, &uri("?issuing_state=SGP"), StatusCode::NOT_FOUND).await;
    // Numbers are normalised: lower case, spaces and dashes.
    let loose = fetch(&app, &token, "/api/v1/documents/c12-345%2067", StatusCode::OK).await;
    assert_eq!(states(&loose), ["IDN", "MYS"]);
    fetch(&app, &token, "/api/v1/documents/C7654321", StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn timeline_is_in_time_order() {
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let timeline = fetch(&app, &token, &format!("/api/v1/persons/{}/timeline", seeded.siti), StatusCode::OK).await;
    assert_eq!(timeline["person"]["id"], seeded.siti);
    let events: Vec<(String, String)> = timeline["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["at"].as_str().unwrap_or("").to_owned(), e["kind"].as_str().unwrap_or("").to_owned()))
        .collect();
    let expected = [
        ("2022-12-20", "application"),
        ("2023-01-05T03:00:00Z", "decision"),
        ("2023-01-10", "document_issued"),
        ("2023-03-01T10:00:00Z", "crossing_exit"),
        ("2023-09-15T22:30:00Z", "crossing_entry"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, k)| ((*a).to_owned(), (*k).to_owned())).collect();
    assert_eq!(events, expected);
    assert_eq!(timeline["documents"].as_array().map(Vec::len), Some(1), "only Siti's own passport");
    assert_eq!(timeline["applications"][0]["decision"]["outcome"], "issued");
    let crossings: Vec<&str> =
        timeline["crossings"].as_array().into_iter().flatten().filter_map(|c| c["direction"].as_str()).collect();
    assert_eq!(crossings, ["exit", "entry"]);

    // A person with no records has an empty timeline, not a 404.
    let budi = fetch(&app, &token, &format!("/api/v1/persons/{}/timeline", seeded.budi), StatusCode::OK).await;
    assert_eq!(budi["events"], json!([]));
}

#[tokio::test]
async fn watchlist_exact_search() {
    let app = TestApp::new();
    data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let cases: Vec<(String, usize)> = vec![
        ("name=Rudi%20Hartono%20Saputra".into(), 1),
        ("name=saputra%20RUDI%20hartono".into(), 1),
        ("name=Rudi%20Saputra".into(), 1),
        ("name=Rudi".into(), 0),
        ("name=Siti%20Rahmawati".into(), 0),
        (format!("nik={}", data::NIK_WATCHED), 1),
        (format!("nik={}", data::NIK_SITI), 0),
        (format!("document_number={}", data::WATCHED_DOCUMENT), 1),
        ("document_number=x-987%206543".into(), 1),
        (format!("document_number={}", data::PASSPORT), 0),
        // Several criteria naming the same entry give it once.
        (format!("name=Rudi%20Saputra&nik={}&document_number={}", data::NIK_WATCHED, data::WATCHED_DOCUMENT), 1),
    ];
    for (query, n_expected) in cases {
        let found = fetch(&app, &token, &format!("/api/v1/watchlist/search?{query}"), StatusCode::OK).await;
        let found = found.as_array().cloned().unwrap_or_default();
        assert_eq!(found.len(), n_expected, "{query}: {found:?}");
        if let Some(entry) = found.first() {
            assert_eq!(entry["external_id"], "WL-001");
            assert_eq!(entry["category"], "pencegahan");
            assert_eq!(entry["nik"], data::NIK_WATCHED);
            assert_eq!(entry["date_of_birth"], "1980");
            assert_eq!(entry["valid_until"], Value::Null);
        }
    }
}
