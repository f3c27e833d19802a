//! The MRZ check endpoint.

use axum::http::StatusCode;
use serde_json::{Value, json};
use waspada_server::roles::Role;

use crate::common::{Req, TestApp};
use crate::data::MRZ_SPECIMEN;

async fn check_mrz(app: &TestApp, token: &str, mrz: &str) -> Value {
    let resp = app.send(Req::post("/api/v1/mrz/check").token(token).json(&json!({"mrz": mrz})).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    resp.json()
}

fn error_fields(report: &Value) -> Vec<String> {
    report["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_icao_specimen_is_valid() {
    let app = TestApp::new();
    let token = app.login(Role::Analyst).await;
    let report = check_mrz(&app, &token, MRZ_SPECIMEN).await;
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["format"], "TD3");
    assert_eq!(report["errors"], json!([]));
    let fields = &report["fields"];
    assert_eq!(fields["document_number"], "L898902C3");
    assert_eq!(fields["issuing_state"], "UTO");
    assert_eq!(fields["surname"], "ERIKSSON");
    assert_eq!(fields["given_names"], "ANNA MARIA");
    assert_eq!(fields["date_of_birth"], "1974-08-12");
    assert_eq!(fields["sex"], "F");
    assert_eq!(fields["expiry_date"], "2012-04-15");
    // Expired since 2012: a warning, not an error.
    let warnings = report["warnings"].as_array().cloned().unwrap_or_default();
    assert!(warnings.iter().any(|w| w.as_str().is_some_and(|w| w.contains("expired"))), "{report}");
}

#[tokio::test]
async fn a_wrong_document_number_check_digit_is_reported() {
    let app = TestApp::new();
    let token = app.login(Role::Officer).await;
    let (line1, line2) = MRZ_SPECIMEN.split_once('\n').unwrap_or_default();
    // Position 10 of line 2 is the document number's check digit, 6.
    assert_eq!(&line2[9..10], "6");
    let broken = format!("{line1}\n{}9{}", &line2[..9], &line2[10..]);
    let report = check_mrz(&app, &token, &broken).await;
    assert_eq!(report["valid"], false, "{report}");
    assert!(error_fields(&report).contains(&"document_number".to_owned()), "{report}");

    // Garbage is reported, not refused.
    let report = check_mrz(&app, &token, "hello").await;
    assert_eq!(report["valid"], false);
    assert!(!error_fields(&report).is_empty(), "{report}");
}
