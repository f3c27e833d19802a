//! Personal data stays out of error bodies and logs.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::StatusCode;
use serde_json::json;
use waspada_server::roles::Role;

use crate::common::{PURPOSE, Req, TestApp, username};
use crate::data;

/// A bad request carrying a secret or personal value that the error must not repeat.
struct Case {
    request: Req,
    secret: &'static str,
}

#[tokio::test]
async fn error_bodies_do_not_echo_personal_data() {
    let app = TestApp::new();
    let token = app.login(Role::Officer).await;
    let get = |uri: &str| Req::get(uri).token(&token).purpose(PURPOSE);
    let cases = vec![
        Case { request: get("/api/v1/persons/by-nik/170901520894000"), secret: "170901520894000" },
        Case { request: get("/api/v1/persons/by-nik/17090152089400011"), secret: "1709015208940001" },
        Case { request: get("/api/v1/persons/by-nik/1709015208940A01"), secret: "1709015208940" },
        Case { request: get("/api/v1/persons/by-nik/1709017213940001"), secret: "1709017213940001" },
        Case { request: get("/api/v1/watchlist/search?nik=170901520894000"), secret: "170901520894000" },
        Case { request: get("/api/v1/documents/C1234567C1234567C1234"), secret: "C1234567C1234567C1234" },
        Case { request: get("/api/v1/documents/C1234567?issuing_state=XXXX"), secret: "C1234567" },
        Case { request: get("/api/v1/persons/search?name=%21%21%21&birth_year=19x4"), secret: "19x4" },
        Case {
            request: Req::post("/api/v1/persons")
                .token(&token)
                .purpose(PURPOSE)
                .raw("application/json", br#"{"full_name": "Siti Rahmawati" "nik": 1}"#.to_vec()),
            secret: "Rahmawati",
        },
        Case {
            request: Req::post("/api/v1/auth/login")
                .json(&json!({"username": username(Role::Officer), "password": 918273645546372_i64})),
            secret: "918273645546372",
        },
        Case {
            request: Req::post("/api/v1/mrz/check").token(&token).json(&json!({"mrz": 5208940001_i64})),
            secret: "5208940001",
        },
    ];
    let mut echoed = Vec::new();
    for Case { request, secret } in cases {
        let request = request.build();
        let what = format!("{} {}", request.method(), request.uri());
        let resp = app.send(request).await;
        assert!(resp.status.is_client_error(), "{what}: {}", resp.status);
        if resp.text().contains(secret) {
            echoed.push(format!("{what} -> {}: {}", resp.status, resp.text()));
        }
    }
    assert!(echoed.is_empty(), "error bodies echo submitted values: {echoed:#?}");
}

/// Per-record rejection reasons go back to the submitter of the record.
#[tokio::test]
async fn rejection_reasons_name_the_field() {
    let app = TestApp::new();
    let token = app.login(Role::Officer).await;
    let mut bad_date = data::person_siti();
    bad_date["date_of_birth"] = json!("1994-13-45");
    let mut bad_phone = data::person_siti();
    bad_phone["phones"] = json!(["0812-ABC"]);
    let records = json!([bad_date, bad_phone]);
    let resp = app.send(Req::post("/api/v1/persons").token(&token).purpose(PURPOSE).json(&records).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let outcomes = resp.json();
    let reason = |i: usize| outcomes[i]["reason"].as_str().unwrap_or("").to_owned();
    assert!(reason(0).contains("date_of_birth"), "{}", reason(0));
    assert!(reason(1).contains("phones"), "{}", reason(1));
    // FIXME: domain date errors quote the submitted value (`"1994-13-45"`), a date of birth. It goes
    // only to the submitter, but the audit and any client-side log would keep it. Current behaviour:
    assert!(reason(0).contains("1994-13-45"), "{}", reason(0));
}

/// A `MakeWriter` that appends to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        self.0.lock().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }
}

/// The log of every request made in this test binary once `capture_logs` has run.
///
/// Why global: a thread-scoped subscriber (`set_default`) races with callsite registration on the
/// other test threads and intermittently misses events, which made this test flaky.
fn capture_logs() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            // Fails only if another test set a global subscriber first; then nothing is captured
            // and the assertions below say so.
            let _ = tracing::subscriber::set_global_default(subscriber);
            captured
        })
        .clone()
}

#[tokio::test]
async fn logs_name_routes_not_values() {
    let captured = capture_logs();
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let uris = [
        format!("/api/v1/persons/by-nik/{}", data::NIK_SITI),
        "/api/v1/persons/by-nik/170901520894000".to_owned(),
        format!("/api/v1/persons/{}", seeded.siti),
        "/api/v1/persons/search?name=Siti%20Rahmawati&birth_year=1994".to_owned(),
        format!("/api/v1/documents/{}?issuing_state=IDN", data::PASSPORT),
        format!("/api/v1/watchlist/search?nik={}", data::NIK_WATCHED),
    ];
    for uri in &uris {
        app.send(Req::get(uri).token(&token).purpose(PURPOSE).build()).await;
    }
    let logs = captured.text();
    // The capture works: request spans name the route pattern.
    assert!(logs.contains("route=/api/v1/persons/by-nik/{nik}"), "{logs}");
    assert!(logs.contains("route=/api/v1/documents/{number}"), "{logs}");
    for secret in [
        data::NIK_SITI,
        "170901520894000",
        data::NIK_WATCHED,
        data::PASSPORT,
        "Rahmawati",
        "Santoso",
        "1994-08-12",
        "081234567890",
        "Merdeka",
        &token,
        crate::common::PASSWORD,
    ] {
        assert!(!logs.contains(secret), "the log holds {secret:?}:\n{logs}");
    }
}

/// Records posted through the API reach the disk sealed: no file in the data folder holds a NIK,
/// a name, a phone number or a document number in plain text.
#[tokio::test]
async fn records_are_not_stored_in_plain_text() {
    let app = TestApp::new();
    data::seed(&app).await;
    let mut contents = Vec::new();
    let mut folders = vec![app.data_dir().to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                contents.push((path, bytes));
            }
        }
    }
    assert!(contents.iter().any(|(path, _)| path.ends_with("waspada.db")), "{contents:?}");
    for secret in
        [data::NIK_SITI, data::NIK_WATCHED, "Rahmawati", "Saputra", "6281234567890", data::PASSPORT, "Merdeka"]
    {
        for (path, bytes) in &contents {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{} holds {secret:?} in plain text", path.display());
        }
    }
}
