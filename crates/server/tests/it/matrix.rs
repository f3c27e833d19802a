//! The role × route matrix, generated from one table of routes and `Role::allows`.
//!
//! Adding a route to the router without a row here fails `every_route_has_a_row`, because the
//! table must list exactly the operations of `waspada_server::openapi()`.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use waspada_server::roles::{Permission, Role};

use crate::common::{BAD_TOKEN, PURPOSE, Req, TestApp, login_body};
use crate::{data, public};

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Signed-in accounts whose role has this permission.
    Needs(Permission),
    /// Signed-in accounts whose role has this permission and sees identities; a role that sees
    /// pseudonyms (analyst) is refused with `identity_basis_required` unless it states a basis.
    NeedsIdentities(Permission),
}

/// One operation of the API with a sample request that succeeds when access is granted.
pub struct Route {
    pub method: Method,
    /// The path as the OpenAPI document writes it, e.g. `/api/v1/persons/{id}`.
    pub template: &'static str,
    /// A query string to append (without `?`), or empty.
    pub query: &'static str,
    pub body: Option<Value>,
    pub access: Access,
    /// The status of a granted request.
    pub success: StatusCode,
    /// The request ends the session it is made with (sign-out), so each call gets a fresh one.
    pub ends_session: bool,
    /// Extra headers (the public API's idempotency keys).
    pub headers: &'static [(&'static str, &'static str)],
    /// A raw body with its content type, instead of JSON.
    pub raw: Option<(&'static str, &'static [u8])>,
}

fn route(method: Method, template: &'static str, access: Access) -> Route {
    Route {
        method,
        template,
        query: "",
        body: None,
        access,
        success: StatusCode::OK,
        ends_session: false,
        headers: &[],
        raw: None,
    }
}

impl Route {
    fn query(self, query: &'static str) -> Route {
        Route { query, ..self }
    }

    fn body(self, body: Value) -> Route {
        Route { body: Some(body), ..self }
    }

    fn status(self, success: StatusCode) -> Route {
        Route { success, ..self }
    }

    /// A public change: its own idempotency key, so every caller's request is a retry of the
    /// first and answers the same.
    fn key(self, key: &'static str) -> Route {
        let headers: &'static [(&'static str, &'static str)] = Box::leak(Box::new([("idempotency-key", key)]));
        Route { headers, success: StatusCode::CREATED, ..self }
    }
}

/// Routes that the OpenAPI document does not list: the document itself.
pub const UNDOCUMENTED: &[(&str, &str)] = &[("GET", "/api/v1/openapi.json")];

/// Every route of the API. The per-route permission map lives here, written independently of the
/// handlers, so that a handler checking the wrong permission fails the matrix.
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Permission::*;
    vec![
        route(Method::GET, "/healthz", Public),
        route(Method::GET, "/api/v1/openapi.json", Public),
        route(Method::POST, "/api/v1/auth/login", Public).body(login_body(Role::Officer)),
        Route {
            success: StatusCode::NO_CONTENT,
            ends_session: true,
            ..route(Method::POST, "/api/v1/auth/logout", Public)
        },
        route(Method::GET, "/api/v1/auth/me", SignedIn),
        route(Method::GET, "/api/v1/persons/by-nik/{nik}", NeedsIdentities(ReadPersonal)),
        route(Method::GET, "/api/v1/persons/{id}", Needs(ReadPersonal)),
        route(Method::GET, "/api/v1/persons/search", NeedsIdentities(ReadPersonal)).query("name=rahmawati%20siti"),
        route(Method::GET, "/api/v1/persons/{id}/timeline", Needs(ReadPersonal)),
        route(Method::GET, "/api/v1/documents/{number}", NeedsIdentities(ReadPersonal)),
        route(Method::GET, "/api/v1/documents/{number}/status", Needs(DocumentStatus)),
        route(Method::GET, "/api/v1/watchlist/search", NeedsIdentities(ReadPersonal)).query("name=Rudi%20Saputra"),
        route(Method::POST, "/api/v1/persons", Needs(WriteRecords)).body(data::person_siti()),
        route(Method::POST, "/api/v1/documents", Needs(WriteRecords)).body(data::passport_siti()),
        route(Method::POST, "/api/v1/applications", Needs(WriteRecords)).body(data::application_siti()),
        route(Method::POST, "/api/v1/crossings", Needs(WriteRecords)).body(json!([data::crossing_exit()])),
        route(Method::POST, "/api/v1/watchlist", Needs(ManageWatchlist)).body(data::watchlist_entry()),
        route(Method::POST, "/api/v1/mrz/check", Needs(CheckMrz)).body(json!({"mrz": data::MRZ_SPECIMEN})),
        route(Method::GET, "/api/v1/audit", Needs(ReadAudit)),
        route(Method::GET, "/api/v1/audit/verify", Needs(ReadAudit)),
        route(Method::POST, "/api/v1/checks", NeedsIdentities(Check)).body(json!({"nik": data::NIK_SITI})),
        route(Method::POST, "/api/v1/decisions", Needs(Decide))
            .body(json!({"application_reference": "BKL-2022-0001", "outcome": "issued"})),
        // The citizens' app: no account.
        route(Method::GET, "/api/v1/public/config", Public),
        route(Method::GET, "/api/v1/public/regions", Public),
        route(Method::GET, "/api/v1/public/challenge", Public).query("purpose=report"),
        route(Method::POST, "/api/v1/public/reports", Public).body(public::report_body()).key("matrix-report-00001"),
        Route {
            raw: Some(("image/png", public::PNG)),
            ..route(Method::POST, "/api/v1/public/reports/{receipt}/photos", Public)
        }
        .key("matrix-photo-000001"),
        route(Method::POST, "/api/v1/public/reports/{receipt}/additions", Public)
            .body(json!({"text": "nomor telepon baru perekrut 0813"}))
            .key("matrix-addition-001"),
        route(Method::GET, "/api/v1/public/reports/{receipt}", Public),
        route(Method::POST, "/api/v1/public/lapor-diri", Public)
            .body(public::lapor_diri_body())
            .key("matrix-lapor-diri-01"),
        route(Method::PUT, "/api/v1/public/lapor-diri/{registration}", Public)
            .body(public::lapor_diri_body())
            .key("matrix-ld-update-001"),
        route(Method::POST, "/api/v1/public/lapor-diri/{registration}/check-in", Public)
            .body(json!({"date_of_birth": "1994-08-12"}))
            .key("matrix-ld-checkin-01"),
        route(Method::POST, "/api/v1/public/lapor-diri/lookup", Public)
            .body(json!({"receipt": "{lapor_diri}", "date_of_birth": "1994-08-12"})),
        route(Method::POST, "/api/v1/public/lapor-diri/{registration}/close", Public)
            .body(json!({"date_of_birth": "1994-08-12"}))
            .key("matrix-ld-close-0001"),
        route(Method::POST, "/api/v1/public/sos", Public)
            .body(json!({"form_version": 1, "message": "tolong"}))
            .key("matrix-sos-00000001"),
        // Case work.
        route(Method::GET, "/api/v1/cases/queue", Needs(ReadReports)),
        route(Method::GET, "/api/v1/cases/reports/{report}", Needs(ReadReports)),
        route(Method::GET, "/api/v1/cases/reports/{report}/photos/{photo}", Needs(ReadReports)),
        route(Method::POST, "/api/v1/cases/reports/{report}/status", Needs(ManageCases))
            .body(json!({"status": "in_review"}))
            .status(StatusCode::NO_CONTENT),
        route(Method::POST, "/api/v1/cases/reports/{report}/links", Needs(ManageCases))
            .body(json!({"nik": data::NIK_SITI, "decision": "confirm", "role": "possible_victim", "basis": "matrix"}))
            .status(StatusCode::NO_CONTENT),
        route(Method::GET, "/api/v1/cases", Needs(ManageCases)),
        route(Method::POST, "/api/v1/cases", Needs(ManageCases))
            .body(json!({"title": "Kasus matriks"}))
            .status(StatusCode::CREATED),
        route(Method::GET, "/api/v1/cases/{case}", Needs(ManageCases)),
        route(Method::POST, "/api/v1/cases/{case}/reports", Needs(ManageCases))
            .body(json!({"reports": []}))
            .status(StatusCode::NO_CONTENT),
        route(Method::POST, "/api/v1/cases/{case}/parties", Needs(ManageCases))
            .body(json!({"role": "witness", "name": "Saksi"}))
            .status(StatusCode::CREATED),
        route(Method::POST, "/api/v1/cases/{case}/entries", Needs(ManageCases))
            .body(json!({"kind": "note", "text": "catatan"}))
            .status(StatusCode::CREATED),
        route(Method::POST, "/api/v1/cases/{case}/entries/{entry}/status", Needs(ManageCases))
            .body(json!({"status": "done"}))
            .status(StatusCode::NO_CONTENT),
        // Last: after it, the case takes no more changes (closing again with the same outcome is
        // a harmless retry).
        route(Method::POST, "/api/v1/cases/{case}/close", Needs(ManageCases))
            .body(json!({"outcome": "no_trafficking_found"}))
            .status(StatusCode::NO_CONTENT),
    ]
}

/// The operations `(METHOD, path)` that the OpenAPI document lists.
pub fn documented_operations() -> BTreeSet<(String, String)> {
    let document = serde_json::to_value(waspada_server::openapi()).expect("serialise the OpenAPI document");
    let paths = document["paths"].as_object().expect("the document has paths");
    let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().cloned().unwrap_or_default();
            methods
                .into_iter()
                .filter(move |m| item.contains_key(*m))
                .map(move |m| (m.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

#[test]
fn every_route_has_a_row() {
    let in_table: BTreeSet<(String, String)> = routes()
        .iter()
        .map(|r| (r.method.to_string(), r.template.to_owned()))
        .filter(|(m, p)| !UNDOCUMENTED.contains(&(m.as_str(), p.as_str())))
        .collect();
    let documented = documented_operations();
    assert_eq!(routes().len(), in_table.len() + UNDOCUMENTED.len(), "a route appears twice in the table");
    let missing: Vec<_> = documented.difference(&in_table).collect();
    let extra: Vec<_> = in_table.difference(&documented).collect();
    assert!(missing.is_empty(), "routes in the OpenAPI document without a matrix row: {missing:?}");
    assert!(extra.is_empty(), "matrix rows the OpenAPI document does not list: {extra:?}");
}

/// A column of the matrix: who is calling.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    BadToken,
    Signed(Role),
}

fn expected(route: &Route, caller: Caller) -> StatusCode {
    match (route.access, caller) {
        (Access::Public, _) => route.success,
        (_, Caller::Anonymous | Caller::BadToken) => StatusCode::UNAUTHORIZED,
        (Access::SignedIn, Caller::Signed(_)) => route.success,
        (Access::Needs(permission), Caller::Signed(role)) => {
            if role.allows(permission) {
                route.success
            } else {
                StatusCode::FORBIDDEN
            }
        }
        (Access::NeedsIdentities(permission), Caller::Signed(role)) => {
            if role.allows(permission) && role.allows(Permission::ReadIdentities) {
                route.success
            } else {
                StatusCode::FORBIDDEN
            }
        }
    }
}

/// The error code of a refused request.
fn refusal_code(route: &Route, caller: Caller, status: StatusCode) -> &'static str {
    match (route.access, caller) {
        (Access::NeedsIdentities(permission), Caller::Signed(role)) if role.allows(permission) => {
            "identity_basis_required"
        }
        _ if status == StatusCode::FORBIDDEN => "forbidden",
        _ => "unauthenticated",
    }
}

/// Replaces `{placeholders}` with sample values; fails on one it does not know.
fn fill(template: &str, samples: &[(&str, String)]) -> String {
    let mut path = template.to_owned();
    for (name, value) in samples {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    assert!(!path.contains('{'), "no sample value for a parameter of {template}");
    path
}

#[tokio::test]
async fn role_route_matrix() {
    let app = TestApp::with_config(public::no_work());
    let seeded = data::seed(&app).await;
    let public_seed = public::seed(&app).await;
    let samples = [
        ("nik", data::NIK_SITI.to_owned()),
        ("id", seeded.siti.to_string()),
        ("number", data::PASSPORT.to_owned()),
        ("receipt", public_seed.receipt.clone()),
        ("registration", public_seed.lapor_diri.clone()),
        ("report", public_seed.report.to_string()),
        ("photo", public_seed.photo.to_string()),
        ("case", public_seed.case.to_string()),
        ("entry", public_seed.entry.to_string()),
    ];
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, app.login(role).await));
    }
    let mut callers = vec![Caller::Anonymous, Caller::BadToken];
    callers.extend(Role::ALL.map(Caller::Signed));

    let mut failures = Vec::new();
    let mut n_cells = 0;
    for route in routes() {
        let mut uri = fill(route.template, &samples);
        if !route.query.is_empty() {
            uri = format!("{uri}?{}", route.query);
        }
        for &caller in &callers {
            let mut request = Req::new(route.method.clone(), &uri).purpose(PURPOSE);
            request = match caller {
                Caller::Anonymous => request,
                Caller::BadToken => request.token(BAD_TOKEN),
                Caller::Signed(role) if route.ends_session => request.token(&app.login(role).await),
                Caller::Signed(role) => {
                    let token = tokens.iter().find(|(r, _)| *r == role).map(|(_, t)| t.as_str()).unwrap_or("");
                    request.token(token)
                }
            };
            for (name, value) in route.headers {
                request = request.header(name, value);
            }
            if let Some(body) = &route.body {
                // Sample values may appear in a body too (a receipt to look up).
                let text = body.to_string().replace("{lapor_diri}", &public_seed.lapor_diri);
                request = request.raw("application/json", text.into_bytes());
            }
            if let Some((content_type, bytes)) = route.raw {
                request = request.raw(content_type, bytes.to_vec());
            }
            let resp = app.send(request.build()).await;
            let want = expected(&route, caller);
            n_cells += 1;
            if resp.status != want {
                failures.push(format!(
                    "{} {uri} as {caller:?}: want {want}, got {} {}",
                    route.method,
                    resp.status,
                    resp.text()
                ));
            } else if want.is_client_error() {
                resp.check_error(want, refusal_code(&route, caller, want));
            }
        }
    }
    assert_eq!(n_cells, routes().len() * (Role::ALL.len() + 2));
    assert!(failures.is_empty(), "{} of {n_cells} cells differ:\n{}", failures.len(), failures.join("\n"));
}

/// The table itself: the rules the matrix derives from, spelled out so a change to `GRANTS` that
/// would silently widen access shows up here too.
#[test]
fn grants_are_as_documented() {
    use Permission::*;
    let check = |role: Role, allowed: &[Permission]| {
        for permission in [ReadPersonal, ReadIdentities, WriteRecords, ManageWatchlist, ReadAudit, CheckMrz] {
            assert_eq!(role.allows(permission), allowed.contains(&permission), "{role:?} {permission:?}");
        }
    };
    check(Role::Officer, &[ReadPersonal, ReadIdentities, WriteRecords, CheckMrz]);
    check(Role::Analyst, &[ReadPersonal, CheckMrz]);
    check(Role::Supervisor, &[ReadPersonal, ReadIdentities, WriteRecords, ManageWatchlist, ReadAudit, CheckMrz]);
    check(Role::Admin, &[ReadAudit]);
    check(Role::Dpo, &[ReadAudit]);
}
