//! Bad input gets a 4xx with the app's JSON error body, never a 500 (`TestApp::send` fails the
//! test on any 5xx).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use waspada_server::ServerConfig;
use waspada_server::roles::Role;

use crate::common::{PURPOSE, Req, TestApp};
use crate::data;

/// A bad request and the error it must get.
struct Case {
    request: Req,
    status: StatusCode,
    code: &'static str,
}

fn case(request: Req, status: StatusCode, code: &'static str) -> Case {
    Case { request, status, code }
}

async fn check(app: &TestApp, cases: Vec<Case>) {
    for Case { request, status, code } in cases {
        let request = request.build();
        let what = format!("{} {}", request.method(), request.uri());
        let resp = app.send(request).await;
        assert_eq!(resp.status, status, "{what}: {}", resp.text());
        resp.check_error(status, code);
    }
}

#[tokio::test]
async fn malformed_bodies() {
    let app = TestApp::new();
    let token = app.login(Role::Supervisor).await;
    let post = |path: &str| Req::post(path).token(&token).purpose(PURPOSE);
    let bad = StatusCode::BAD_REQUEST;
    let mut cases = Vec::new();
    for path in ["/api/v1/persons", "/api/v1/documents", "/api/v1/watchlist", "/api/v1/mrz/check"] {
        cases.push(case(post(path).raw("application/json", b"{\"nik\": ".to_vec()), bad, "bad_request"));
        cases.push(case(post(path).raw("application/json", b"".to_vec()), bad, "bad_request"));
        cases.push(case(post(path).raw("application/json", vec![0xff, 0xfe, b'{']), bad, "bad_request"));
        // A JSON body labelled as something else, or not labelled.
        let body = serde_json::to_vec(&data::person_budi()).unwrap_or_default();
        cases.push(case(post(path).raw("text/plain", body.clone()), bad, "bad_request"));
        cases.push(case(post(path).raw("", body), bad, "bad_request"));
    }
    cases.push(case(Req::post("/api/v1/auth/login").raw("application/json", b"{".to_vec()), bad, "bad_request"));
    cases.push(case(Req::post("/api/v1/auth/login").json(&json!({"username": "x"})), bad, "bad_request"));
    cases.push(case(post("/api/v1/mrz/check").json(&json!({"mrz": 42})), bad, "bad_request"));
    cases.push(case(post("/api/v1/mrz/check").json(&json!({"mrz": "P".repeat(1001)})), bad, "bad_request"));
    // Neither an object nor an array.
    cases.push(case(post("/api/v1/persons").json(&json!(42)), bad, "bad_request"));
    cases.push(case(post("/api/v1/persons").json(&json!("nik")), bad, "bad_request"));
    cases.push(case(post("/api/v1/persons?on_conflict=overwrite").json(&data::person_budi()), bad, "bad_request"));
    check(&app, cases).await;
}

#[tokio::test]
async fn bad_paths_and_queries() {
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let get = |uri: &str| Req::get(uri).token(&token).purpose(PURPOSE);
    let bad = StatusCode::BAD_REQUEST;
    let not_found = StatusCode::NOT_FOUND;
    let cases = vec![
        // NIKs: too short, too long, not digits, impossible date, unknown region.
        case(get("/api/v1/persons/by-nik/170901520894000"), bad, "bad_request"),
        case(get("/api/v1/persons/by-nik/17090152089400011"), bad, "bad_request"),
        case(get("/api/v1/persons/by-nik/17090152089400A1"), bad, "bad_request"),
        case(get("/api/v1/persons/by-nik/1709017213940001"), bad, "bad_request"),
        case(get("/api/v1/persons/by-nik/9909015208940001"), bad, "bad_request"),
        // A well-formed NIK nobody has.
        case(get("/api/v1/persons/by-nik/1709015208940009"), not_found, "not_found"),
        // Ids: unknown, not a number, too large.
        case(get("/api/v1/persons/999999"), not_found, "not_found"),
        case(get("/api/v1/persons/999999/timeline"), not_found, "not_found"),
        case(get("/api/v1/persons/abc"), bad, "bad_request"),
        case(get("/api/v1/persons/abc/timeline"), bad, "bad_request"),
        case(get("/api/v1/persons/1.5"), bad, "bad_request"),
        case(get("/api/v1/persons/99999999999999999999"), bad, "bad_request"),
        // Documents: unknown, bad characters, bad issuing state.
        case(get("/api/v1/documents/Z0000000"), not_found, "not_found"),
        case(get("/api/v1/documents/C123%2B4567"), bad, "bad_request"),
        case(get("/api/v1/documents/C1234567?issuing_state=XX"), bad, "bad_request"),
        case(get(&format!("/api/v1/documents/{}", "A".repeat(21))), bad, "bad_request"),
        // Name search: no name, no letters, bad year or limit.
        case(get("/api/v1/persons/search"), bad, "bad_request"),
        case(get("/api/v1/persons/search?name=%21%20%2E%2C"), bad, "bad_request"),
        case(get("/api/v1/persons/search?name="), bad, "bad_request"),
        case(get("/api/v1/persons/search?name=Siti&birth_year=abc"), bad, "bad_request"),
        case(get("/api/v1/persons/search?name=Siti&limit=-1"), bad, "bad_request"),
        // Watchlist: nothing to search for, bad NIK, bad number.
        case(get("/api/v1/watchlist/search"), bad, "bad_request"),
        case(get("/api/v1/watchlist/search?nik=123"), bad, "bad_request"),
        case(get("/api/v1/watchlist/search?document_number=%21%21"), bad, "bad_request"),
        // Audit listing with a bad number.
        case(Req::get("/api/v1/audit?limit=lots").token(&app.login(Role::Admin).await), bad, "bad_request"),
        // Unknown routes, authenticated or not.
        case(get("/api/v1/nope"), not_found, "not_found"),
        case(Req::get("/api/v2/persons/1"), not_found, "not_found"),
        case(Req::get("/nothing-here"), not_found, "not_found"),
        case(get(&format!("/api/v1/persons/{}/unknown", seeded.siti)), not_found, "not_found"),
    ];
    check(&app, cases).await;
}

/// Path segments that are not UTF-8 after percent-decoding.
#[tokio::test]
async fn undecodable_path_segments() {
    let app = TestApp::new();
    let token = app.login(Role::Officer).await;
    let get = |uri: &str| Req::get(uri).token(&token).purpose(PURPOSE);
    let cases = vec![
        case(get("/api/v1/persons/by-nik/%FF"), StatusCode::BAD_REQUEST, "bad_request"),
        case(get("/api/v1/documents/%FF"), StatusCode::BAD_REQUEST, "bad_request"),
        case(get("/api/v1/persons/%FF"), StatusCode::BAD_REQUEST, "bad_request"),
    ];
    check(&app, cases).await;
}

/// A known path with a method it does not serve.
#[tokio::test]
async fn wrong_method() {
    let app = TestApp::new();
    let token = app.login(Role::Officer).await;
    for (method, uri) in [
        (Method::GET, "/api/v1/persons"),
        (Method::DELETE, "/api/v1/persons/1"),
        (Method::POST, "/api/v1/persons/search"),
        (Method::PUT, "/api/v1/mrz/check"),
    ] {
        let resp = app.send(Req::new(method.clone(), uri).token(&token).purpose(PURPOSE).build()).await;
        assert_eq!(resp.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}: {}", resp.text());
        assert!(resp.headers.contains_key("allow"), "{method} {uri}: no Allow header");
        assert!(resp.text().contains("\"error\":\"method_not_allowed\""), "{method} {uri}: {}", resp.text());
    }
}

#[tokio::test]
async fn an_array_with_one_bad_record_reports_each_record() {
    let app = TestApp::new();
    let token = app.login(Role::Officer).await;
    let mut wrong_sex = data::person_siti_1988();
    wrong_sex["sex"] = json!("M");
    let records = json!([
        data::person_siti(),
        {"nik": "170901520894000", "full_name": "Kurang Digit", "date_of_birth": "1994-08-12", "sex": "F"},
        data::person_budi(),
        wrong_sex,
        "not an object",
        {"full_name": "Tanpa NIK", "date_of_birth": "1994", "sex": "F"},
    ]);
    let resp = app.send(Req::post("/api/v1/persons").token(&token).purpose(PURPOSE).json(&records).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let outcomes = resp.json();
    let outcomes = outcomes.as_array().expect("an array of outcomes");
    let summary: Vec<(u64, &str)> =
        outcomes.iter().map(|o| (o["index"].as_u64().unwrap_or(99), o["outcome"].as_str().unwrap_or(""))).collect();
    assert_eq!(
        summary,
        [(0, "inserted"), (1, "rejected"), (2, "inserted"), (3, "rejected"), (4, "rejected"), (5, "rejected")]
    );
    let reason = |i: usize| outcomes[i]["reason"].as_str().unwrap_or("").to_owned();
    assert!(reason(1).contains("16 digits"), "{}", reason(1));
    assert!(reason(3).contains("sex"), "{}", reason(3));
    assert!(reason(4).contains("object"), "{}", reason(4));
    assert!(reason(5).contains("nik is required"), "{}", reason(5));
    for i in [0, 2] {
        assert_eq!(outcomes[i]["reason"], Value::Null);
    }

    // The same array again: the good ones are unchanged, the bad ones still rejected.
    let resp = app.send(Req::post("/api/v1/persons").token(&token).purpose(PURPOSE).json(&records).build()).await;
    let again: Vec<String> =
        resp.json().as_array().into_iter().flatten().map(|o| o["outcome"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(again, ["unchanged", "rejected", "unchanged", "rejected", "rejected", "rejected"]);

    // A changed record is refused by default and accepted with on_conflict=update.
    let mut moved = data::person_siti();
    moved["address"] = json!("Jl. Sudirman 2, Bengkulu");
    let resp = app.send(Req::post("/api/v1/persons").token(&token).purpose(PURPOSE).json(&moved).build()).await;
    assert_eq!(resp.json()[0]["outcome"], "rejected", "{}", resp.text());
    let uri = "/api/v1/persons?on_conflict=update";
    let resp = app.send(Req::post(uri).token(&token).purpose(PURPOSE).json(&moved).build()).await;
    assert_eq!(resp.json()[0]["outcome"], "updated", "{}", resp.text());
}

/// A small configured limit: a body over it gets 413.
#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let app = TestApp::with_config(ServerConfig { body_limit: 1024, ..ServerConfig::default() });
    let token = app.login(Role::Officer).await;
    let mut big = data::person_budi();
    big["address"] = json!("x".repeat(4096));
    let body = big.to_string().into_bytes();

    // Streamed (no Content-Length): the JSON extractor hits the limit.
    let request = Req::post("/api/v1/persons").token(&token).purpose(PURPOSE).raw("application/json", body.clone());
    let resp = app.send(request.build()).await;
    resp.check_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");

    // With Content-Length, as every real client sends it: refused before the handler runs.
    let request = Req::post("/api/v1/persons")
        .token(&token)
        .purpose(PURPOSE)
        .header("content-length", &body.len().to_string())
        .raw("application/json", body);
    let resp = app.send(request.build()).await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", resp.text());
    resp.check_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");

    // Under the limit is fine.
    let request = Req::post("/api/v1/persons").token(&token).purpose(PURPOSE).json(&data::person_budi());
    assert_eq!(app.send(request.build()).await.status, StatusCode::OK);
}

/// A large configured limit is honoured: axum's own 2 MiB default must not cap it.
#[tokio::test]
async fn the_configured_limit_applies_above_two_mebibytes() {
    let app = TestApp::with_config(ServerConfig { body_limit: 8 * 1024 * 1024, ..ServerConfig::default() });
    let token = app.login(Role::Officer).await;
    let mut big = data::person_budi();
    big["address"] = json!("x".repeat(3 * 1024 * 1024));
    let request = Req::post("/api/v1/persons").token(&token).purpose(PURPOSE).json(&big);
    let resp = app.send(request.build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    // The record itself is refused (an address has at most 500 characters), not the body.
    assert_eq!(resp.json()[0]["outcome"], "rejected", "{}", resp.text());
}
