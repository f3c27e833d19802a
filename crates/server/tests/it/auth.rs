//! Sign-in, session cookies, sign-out and `/auth/me`.

use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use serde_json::{Value, json};
use waspada_server::roles::Role;

use crate::common::{BAD_TOKEN, PASSWORD, Req, Resp, TestApp, username};

async fn login(app: &TestApp, username: &str, password: &str) -> Resp {
    app.send(Req::post("/api/v1/auth/login").json(&json!({"username": username, "password": password})).build()).await
}

async fn me_with(app: &TestApp, request: Req) -> Resp {
    app.send(request.build()).await
}

fn set_cookie(resp: &Resp) -> String {
    resp.headers.get(SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

#[tokio::test]
async fn failed_sign_ins_are_refused_and_audited() {
    let app = TestApp::new();
    let officer = username(Role::Officer);
    let resp = login(&app, &officer, "wrong password entirely").await;
    resp.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(resp.headers.get(SET_COOKIE).is_none());
    let resp = login(&app, "nobody.here", PASSWORD).await;
    resp.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let resp = login(&app, &officer, "").await;
    resp.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let resp = login(&app, &"u".repeat(101), PASSWORD).await;
    resp.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    let entries = app.audit().await;
    let failed =
        |actor: &str| entries.iter().filter(|e| e["action"] == "auth.login_failed" && e["actor"] == actor).count();
    assert_eq!(failed(&officer), 2, "{entries:?}");
    assert_eq!(failed("nobody.here"), 1, "{entries:?}");
    // Failed attempts never name an account id, so they do not reveal which names exist.
    for entry in entries.iter().filter(|e| e["action"] == "auth.login_failed") {
        assert_eq!(entry["subject"], "user:unknown");
    }
    // The supervisor's own sign-in (to read the log) is audited as a success.
    let supervisor = username(Role::Supervisor);
    assert!(entries.iter().any(|e| e["action"] == "auth.login" && e["actor"] == supervisor.as_str()));
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_that_authenticates() {
    let app = TestApp::new();
    let resp = login(&app, &username(Role::Analyst), PASSWORD).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let body = resp.json();
    let token = body["token"].as_str().unwrap_or("").to_owned();
    assert!(token.starts_with("wsp_") && token.len() == 68, "{token}");
    assert_eq!(body["role"], "analyst");
    assert_eq!(body["display_name"], "Test analyst");
    assert!(body["expires_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");

    let cookie = set_cookie(&resp);
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert_eq!(attributes[0], format!("waspada_session={token}"));
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attributes.contains(&attribute), "{attribute} missing from {cookie}");
    }

    let me = json!({"username": username(Role::Analyst), "role": "analyst"});
    let resp = me_with(&app, Req::get("/api/v1/auth/me").header("cookie", &format!("waspada_session={token}"))).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json(), me);
    let among_others = format!("theme=dark; waspada_session={token}; lang=id");
    let resp = me_with(&app, Req::get("/api/v1/auth/me").header("cookie", &among_others)).await;
    assert_eq!(resp.json(), me);
    let resp = me_with(&app, Req::get("/api/v1/auth/me").token(&token)).await;
    assert_eq!(resp.json(), me);
    // The cookie also reaches protected data routes.
    let resp = app
        .send(
            Req::get("/api/v1/persons/search?name=Siti")
                .header("cookie", &format!("waspada_session={token}"))
                .purpose("cek")
                .header("x-identity-basis", "surat 12/WAS/2026")
                .build(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
}

#[tokio::test]
async fn me_without_valid_credentials_is_401() {
    let app = TestApp::new();
    let token = app.login(Role::Admin).await;
    let unauthenticated = [
        Req::get("/api/v1/auth/me"),
        Req::get("/api/v1/auth/me").token(BAD_TOKEN),
        Req::get("/api/v1/auth/me").token(""),
        Req::get("/api/v1/auth/me").token(&format!("{token}x")),
        Req::get("/api/v1/auth/me").token(&"a".repeat(5000)),
        Req::get("/api/v1/auth/me").header("authorization", &format!("Basic {token}")),
        Req::get("/api/v1/auth/me").header("cookie", "waspada_session="),
        Req::get("/api/v1/auth/me").header("cookie", &format!("other_session={token}")),
    ];
    for request in unauthenticated {
        me_with(&app, request).await.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let resp = me_with(&app, Req::get("/api/v1/auth/me").token(&token)).await;
    assert_eq!(resp.json(), json!({"username": username(Role::Admin), "role": "admin"}));
}

#[tokio::test]
async fn sign_out_revokes_the_token() {
    let app = TestApp::new();
    let token = app.login(Role::Officer).await;
    let other_session = app.login(Role::Officer).await;
    let me = || Req::get("/api/v1/auth/me");
    assert_eq!(me_with(&app, me().token(&token)).await.status, StatusCode::OK);

    let resp = app.send(Req::post("/api/v1/auth/logout").token(&token).build()).await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT, "{}", resp.text());
    let cleared = set_cookie(&resp);
    assert!(cleared.starts_with("waspada_session=;") && cleared.contains("Max-Age=0"), "{cleared}");

    me_with(&app, me().token(&token)).await.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let cookie = format!("waspada_session={token}");
    me_with(&app, me().header("cookie", &cookie)).await.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let resp = app.send(Req::get("/api/v1/persons/1").token(&token).purpose("cek").build()).await;
    resp.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // Signing out twice is harmless.
    let resp = app.send(Req::post("/api/v1/auth/logout").token(&token).build()).await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT);

    // Other sessions of the same account live on.
    assert_eq!(me_with(&app, me().token(&other_session)).await.status, StatusCode::OK);

    // Signing out through the cookie revokes too.
    let resp = app
        .send(Req::post("/api/v1/auth/logout").header("cookie", &format!("waspada_session={other_session}")).build())
        .await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    me_with(&app, me().token(&other_session)).await.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn sign_in_is_per_account() {
    let app = TestApp::new();
    for role in Role::ALL {
        let token = app.login(role).await;
        let resp = me_with(&app, Req::get("/api/v1/auth/me").token(&token)).await;
        let expected: Value = json!({"username": username(role), "role": role.name()});
        assert_eq!(resp.json(), expected);
    }
    // One account's password does not open another.
    let resp = login(&app, &username(Role::Admin), "another password 123").await;
    resp.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // A partner's account takes no password, even the right one: only its tokens.
    login(&app, &username(Role::Partner), crate::common::PASSWORD)
        .await
        .check_error(StatusCode::FORBIDDEN, "token_only");
}

/// A partner's token: scoped by its role (document status, MRZ checks), expiring, revocable.
#[tokio::test]
async fn partner_tokens_are_scoped_and_revocable() {
    let app = TestApp::new();
    crate::data::seed(&app).await;
    let partner = app.login(Role::Partner).await;
    let status = app
        .send(
            Req::get(&format!("/api/v1/documents/{}/status", crate::data::PASSPORT))
                .token(&partner)
                .purpose("pemeriksaan perbatasan mitra")
                .build(),
        )
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text());
    let text = status.text();
    assert!(text.contains("\"status\"") && !text.contains(crate::data::NIK_SITI) && !text.contains("Siti"), "{text}");
    app.send(Req::get(&format!("/api/v1/documents/{}", crate::data::PASSPORT)).token(&partner).purpose("x").build())
        .await
        .check_error(StatusCode::FORBIDDEN, "forbidden");
    // Revoked: the token stops working (this process forgets its cached copy within 30 s; a
    // fresh router has none).
    let unused = app.login(Role::Partner).await;
    let store = waspada_store::Store::open(&waspada_store::StoreConfig::new(app.data_dir().join("data"))).unwrap();
    let context = waspada_store::AuditContext::new("test", "revocation").unwrap();
    assert_eq!(store.revoke_user_tokens(&username(Role::Partner), &context).unwrap(), 2);
    app.send(Req::get("/api/v1/auth/me").token(&unused).build())
        .await
        .check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let fresh = app.login(Role::Partner).await;
    assert_eq!(
        app.send(Req::get("/api/v1/auth/me").token(&fresh).build()).await.status,
        StatusCode::OK,
        "a new token after the revocation works"
    );
    assert!(waspada_server::auth::issue_api_token(&store, &username(Role::Partner), 0, &context).is_err());
    assert!(waspada_server::auth::issue_api_token(&store, "nobody", 30, &context).is_err());
}

/// The second factor: required for supervisors and admins, always for enrolled accounts, each
/// code accepted once.
#[tokio::test]
async fn second_factor() {
    use waspada_server::totp;
    let app = TestApp::with_second_factor(waspada_server::ServerConfig::default());
    let login = |role: Role, code: Option<String>| {
        let mut body = json!({"username": username(role), "password": PASSWORD});
        if let Some(code) = code {
            body["totp"] = json!(code);
        }
        Req::post("/api/v1/auth/login").json(&body).build()
    };
    // A supervisor without a second factor cannot sign in; an officer can.
    app.send(login(Role::Supervisor, None)).await.check_error(StatusCode::FORBIDDEN, "totp_enrolment_required");
    assert_eq!(app.send(login(Role::Officer, None)).await.status, StatusCode::OK);
    // Enrol the supervisor (as `waspada admin totp-enrol` does).
    let store = waspada_store::Store::open(&waspada_store::StoreConfig::new(app.data_dir().join("data"))).unwrap();
    let secret = totp::new_secret().unwrap();
    let context = waspada_store::AuditContext::new("test", "enrolment").unwrap();
    let recovery = totp::new_recovery_codes().unwrap();
    let normalised: Vec<String> = recovery.iter().filter_map(|c| totp::normalise_recovery_code(c)).collect();
    store.set_totp_secret(&username(Role::Supervisor), &secret, &normalised, &context).unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    // The right password without a code asks for one; a wrong code fails like a wrong password.
    app.send(login(Role::Supervisor, None)).await.check_error(StatusCode::UNAUTHORIZED, "totp_required");
    let wrong = format!("{:06}", (totp::code_at(&secret, now).parse::<u32>().unwrap() + 1) % 1_000_000);
    app.send(login(Role::Supervisor, Some(wrong))).await.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let code = totp::code_at(&secret, now);
    assert_eq!(app.send(login(Role::Supervisor, Some(code.clone()))).await.status, StatusCode::OK);
    // The same code again (a shoulder-surfer, a replayed request) is refused.
    app.send(login(Role::Supervisor, Some(code))).await.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // The next step's code (a clock a little ahead) still works, once.
    assert_eq!(app.send(login(Role::Supervisor, Some(totp::code_at(&secret, now + 30)))).await.status, StatusCode::OK);
    // A lost phone: a recovery code, typed loosely, works in place of the code, once.
    let typed = recovery[3].to_lowercase().replace('-', " ");
    assert_eq!(app.send(login(Role::Supervisor, Some(typed.clone()))).await.status, StatusCode::OK);
    app.send(login(Role::Supervisor, Some(typed))).await.check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.send(login(Role::Supervisor, Some("ABCDE-FGHJK".into())))
        .await
        .check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let used =
        waspada_store::AuditQuery { action: Some("auth.recovery_code_used".into()), limit: 10, ..Default::default() };
    let used: Vec<String> = store.audit_entries(&used).unwrap().into_iter().map(|e| e.detail).collect();
    assert_eq!(used, ["left=9"]);
    // Enrolling again replaces the codes: an old one no longer works.
    let fresh = totp::new_recovery_codes().unwrap();
    let fresh: Vec<String> = fresh.iter().filter_map(|c| totp::normalise_recovery_code(c)).collect();
    store.set_totp_secret(&username(Role::Supervisor), &secret, &fresh, &context).unwrap();
    app.send(login(Role::Supervisor, Some(recovery[4].clone())))
        .await
        .check_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let query =
        waspada_store::AuditQuery { action: Some("auth.login_failed".into()), limit: 100, ..Default::default() };
    let failed: Vec<String> = store.audit_entries(&query).unwrap().into_iter().map(|e| e.detail).collect();
    assert!(
        failed.iter().any(|d| d == "second factor") && failed.iter().any(|d| d == "no second factor"),
        "{failed:?}"
    );
    // The secret is sealed at rest.
    drop(store);
    for file in ["waspada.db", "waspada.db-wal"] {
        let bytes = std::fs::read(app.data_dir().join("data").join(file)).unwrap_or_default();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_slice()), "{file} holds the secret in clear");
    }
}
