//! The OpenAPI document and the health check.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::json;

use crate::common::{Req, TestApp};
use crate::matrix;

#[tokio::test]
async fn openapi_json_lists_every_route() {
    let app = TestApp::new();
    let resp = app.send(Req::get("/api/v1/openapi.json").build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let document = resp.json();
    let version = document["openapi"].as_str().unwrap_or("");
    assert!(version.starts_with("3."), "openapi version {version:?}");
    assert!(document["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    let mut missing = BTreeSet::new();
    for route in matrix::routes() {
        let method = route.method.as_str().to_ascii_lowercase();
        let documented = paths.get(route.template).is_some_and(|item| item.get(&method).is_some());
        let exempt = matrix::UNDOCUMENTED.contains(&(route.method.as_str(), route.template));
        if !documented && !exempt {
            missing.insert(format!("{} {}", route.method, route.template));
        }
    }
    assert!(missing.is_empty(), "not in /api/v1/openapi.json: {missing:?}");
    // What is served is what `openapi()` builds.
    let built = serde_json::to_value(waspada_server::openapi()).unwrap_or_default();
    assert_eq!(document, built);
    // Bearer authentication is declared.
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn healthz_needs_no_sign_in() {
    let app = TestApp::new();
    let resp = app.send(Req::get("/healthz").build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json(), json!({"status": "ok"}));
}
