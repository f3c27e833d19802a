//! The web app's pages through the router: sign-in with CSRF, sessions and idle expiry, the
//! check page, the person page, language, and roles.

use std::time::Duration;

use axum::http::StatusCode;
use waspada_server::ServerConfig;
use waspada_server::roles::Role;

use crate::common::{PASSWORD, Req, Resp, TestApp, username};
use crate::data;

pub(crate) fn form(uri: &str, cookie: &str, fields: &[(&str, &str)]) -> axum::http::Request<axum::body::Body> {
    let body: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.bytes()
                    .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
                    .collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    Req::post(uri).header("cookie", cookie).raw("application/x-www-form-urlencoded", body.into_bytes()).build()
}

fn set_cookie(resp: &Resp, name: &str) -> Option<String> {
    resp.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?;
        pair.starts_with(&format!("{name}=")).then(|| pair.to_owned())
    })
}

pub(crate) fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").map(|i| i + 19).unwrap_or(0);
    html[at..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

/// Signs in through the form and returns the session cookie.
pub(crate) async fn web_login(app: &TestApp, role: Role) -> String {
    let page = app.send(Req::get("/login").build()).await;
    assert_eq!(page.status, StatusCode::OK);
    let login_cookie = set_cookie(&page, "waspada_login_csrf").expect("a sign-in CSRF cookie");
    let token = csrf(&page.text());
    let user = username(role);
    let resp =
        app.send(form("/login", &login_cookie, &[("username", &user), ("password", PASSWORD), ("csrf", &token)])).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text());
    set_cookie(&resp, "waspada_session").expect("a session cookie")
}

#[tokio::test]
async fn sign_in_needs_the_form_token_and_pages_need_a_session() {
    let app = TestApp::new();
    let resp = app.send(Req::get("/check").build()).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(resp.headers["location"], "/login");
    let page = app.send(Req::get("/login").build()).await;
    let login_cookie = set_cookie(&page, "waspada_login_csrf").unwrap();
    let user = username(Role::Officer);
    let forged =
        app.send(form("/login", &login_cookie, &[("username", &user), ("password", PASSWORD), ("csrf", "0000")])).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(set_cookie(&forged, "waspada_session").is_none());
    let wrong = app
        .send(form(
            "/login",
            &login_cookie,
            &[("username", &user), ("password", "nope"), ("csrf", &csrf(&page.text()))],
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("kata sandi atau kode salah"));
    let session = web_login(&app, Role::Officer).await;
    assert!(session.len() > 20);
    let check = app.send(Req::get("/check").header("cookie", &session).build()).await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(check.text().contains("Pindai MRZ"), "Bahasa Indonesia first");
    assert!(check.headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let english = app.send(Req::get("/check").header("cookie", &format!("{session}; waspada_lang=en")).build()).await;
    assert!(english.text().contains("Scan the MRZ"));
}

#[tokio::test]
async fn the_check_page_runs_the_check_and_refuses_a_forged_form() {
    let app = TestApp::new();
    data::seed(&app).await;
    let session = web_login(&app, Role::Officer).await;
    let page = app.send(Req::get("/check").header("cookie", &session).build()).await;
    let token = csrf(&page.text());
    let forged =
        app.send(form("/check", &session, &[("q", data::NIK_SITI), ("purpose", "uji"), ("csrf", "bad")])).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let resp = app
        .send(form("/check", &session, &[("q", "17.09.01 520894 0001"), ("purpose", "uji"), ("csrf", &token)]))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let html = resp.text();
    assert!(html.contains("Siti Rahmawati") && html.contains("id=\"recommendation\""), "{html}");
    let garbled =
        app.send(form("/check", &session, &[("q", "P<IDN<<<\nXX"), ("purpose", "uji"), ("csrf", &token)])).await;
    assert!(garbled.status.is_client_error(), "a garbled scan is a clear 4xx: {}", garbled.status);
    assert!(garbled.text().contains("class=\"error\""));
    // The person page uses the purpose given once; the reads are audited with it.
    let person = app
        .send(
            Req::get(&format!("/person/{}", data::NIK_SITI))
                .header("cookie", &format!("{session}; waspada_purpose=uji%20riwayat"))
                .build(),
        )
        .await;
    assert_eq!(person.status, StatusCode::OK);
    assert!(person.text().contains("BKL-2022-0001") && person.text().contains(data::PASSPORT));
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e["action"] == "person.timeline" && e["purpose"] == "uji riwayat"), "{audit:?}");
}

#[tokio::test]
async fn an_analyst_cannot_decide_and_an_idle_session_ends() {
    let app = TestApp::with_config(ServerConfig { web_idle: Duration::from_millis(400), ..ServerConfig::default() });
    data::seed(&app).await;
    let analyst = web_login(&app, Role::Analyst).await;
    let page = app.send(Req::get("/check").header("cookie", &analyst).build()).await;
    let token = csrf(&page.text());
    let decide = app
        .send(form(
            "/decide",
            &analyst,
            &[
                ("csrf", &token),
                ("nonce", "0123456789abcdef0123456789abcdef"),
                ("application_reference", "BKL-2022-0001"),
                ("outcome", "issued"),
            ],
        ))
        .await;
    assert_eq!(decide.status, StatusCode::FORBIDDEN);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let later = app.send(Req::get("/check").header("cookie", &analyst).build()).await;
    assert_eq!(later.status, StatusCode::SEE_OTHER, "idle session ends");
    // The token itself is revoked, for the API too.
    let me = app.send(Req::get("/api/v1/auth/me").header("cookie", &analyst).build()).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn supervisors_manage_the_watchlist_and_the_dashboard_counts_today() {
    let app = TestApp::new();
    data::seed(&app).await;
    let officer = web_login(&app, Role::Officer).await;
    let page = app.send(Req::get("/check").header("cookie", &officer).build()).await;
    let token = csrf(&page.text());
    let resp = app.send(form("/check", &officer, &[("q", data::NIK_BUDI), ("purpose", "uji"), ("csrf", &token)])).await;
    assert_eq!(resp.status, StatusCode::OK);
    let home = app.send(Req::get("/").header("cookie", &officer).build()).await;
    assert_eq!(home.status, StatusCode::OK);
    let html = home.text();
    let checks = &html[html.find("id=\"stat-checks\"").unwrap_or(0)..];
    assert!(checks.contains(">1<"), "one check today: {checks:.200}");
    assert!(html.contains("<svg"), "the hourly chart is drawn on the server");
    // An officer may not manage the watchlist.
    let denied = app.send(Req::get("/watchlist").header("cookie", &officer).build()).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let supervisor = web_login(&app, Role::Supervisor).await;
    let page = app.send(Req::get("/watchlist").header("cookie", &supervisor).build()).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = csrf(&page.text());
    let bad = app
        .send(form(
            "/watchlist",
            &supervisor,
            &[("csrf", &token), ("id", "WX-1"), ("category", "pencegahan"), ("full_name", "Budi Santosa")],
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "a legal basis is required");
    assert!(bad.text().contains("legal_basis"));
    let saved = app
        .send(form(
            "/watchlist",
            &supervisor,
            &[
                ("csrf", &token),
                ("id", "WX-1"),
                ("category", "pencegahan"),
                ("full_name", "Budi Santosa"),
                ("date_of_birth", "1990"),
                ("sex", "M"),
                ("legal_basis", "UU 6/2011 Pasal 97"),
                ("valid_from", "2026-01-01"),
            ],
        ))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert!(saved.text().contains("Tersimpan") && saved.text().contains("WX-1"), "{}", saved.text());
    // The next check sees it.
    let page = app.send(Req::get("/check").header("cookie", &officer).build()).await;
    let token_officer = csrf(&page.text());
    let hit = app
        .send(form("/check", &officer, &[("q", data::NIK_BUDI), ("purpose", "uji"), ("csrf", &token_officer)]))
        .await;
    assert!(hit.text().contains("WX-1"), "the new entry is screened from the next request on");
    // Expiring it ends it today; it stops being a hit once the day is over, and the change is audited.
    let expired =
        app.send(form("/watchlist", &supervisor, &[("csrf", &token), ("id", "WX-1"), ("action", "expire")])).await;
    assert_eq!(expired.status, StatusCode::OK);
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(expired.text().contains(&today));
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|e| e["action"].as_str().unwrap_or("").contains("watchlist")
                && e["actor"] == username(Role::Supervisor))
    );
    let policy = app.send(Req::get("/policy").header("cookie", &supervisor).build()).await;
    assert!(policy.text().contains("shared_contact_phone") && policy.text().contains("IMI-0277"));
}

#[tokio::test]
async fn a_pasted_watchlist_keeps_good_rows_and_lists_bad_ones_by_line() {
    let app = TestApp::new();
    let supervisor = web_login(&app, Role::Supervisor).await;
    let page = app.send(Req::get("/watchlist").header("cookie", &supervisor).build()).await;
    let token = csrf(&page.text());
    let csv = "id,category,full_name,date_of_birth,legal_basis,valid_from\n\
               WI-1,penangkalan,Tan Wei Ming,1970,UU 6/2011 Pasal 102,2026-01-01\n\
               WI-2,pencegahan,Rudi Saputra,1985,,2026-01-01\n\
               WI-3,interpol_notice,Zhang Wei,1975,Red Notice A-1/2026,2026-02-01\n";
    let resp = app.send(form("/watchlist/import", &supervisor, &[("csrf", &token), ("csv", csv)])).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", resp.text());
    let html = resp.text();
    assert!(html.contains("2 tersimpan, 1 ditolak"), "{html}");
    let rejections = &html[html.find("import-rejections").unwrap_or(0)..];
    assert!(rejections.contains("3: ") && rejections.contains("legal_basis"), "{rejections:.300}");
    assert!(html.contains("WI-1") && html.contains("WI-3") && !html.contains(">WI-2<"));
}

#[tokio::test]
async fn a_name_in_the_check_box_finds_persons_with_similar_names() {
    let app = TestApp::new();
    data::seed(&app).await;
    let officer = web_login(&app, Role::Officer).await;
    let page = app.send(Req::get("/check").header("cookie", &officer).build()).await;
    let token = csrf(&page.text());
    let resp = app
        .send(form("/check", &officer, &[("q", "Sitti Rachmawati 1994"), ("purpose", "uji"), ("csrf", &token)]))
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    let html = resp.text();
    let results = &html[html.find("name-results").unwrap_or(0)..];
    assert!(results.contains(data::NIK_SITI), "spelling variants find the person: {results:.400}");
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e["action"] == "person.search_name_fuzzy" && e["purpose"] == "uji"));
    // A document number is still a document number.
    let number = app.send(form("/check", &officer, &[("q", "c 123 4567"), ("purpose", "uji"), ("csrf", &token)])).await;
    assert!(number.text().contains("id=\"recommendation\""));
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled_per_account_and_pages_carry_strict_headers() {
    let app = TestApp::new();
    let wrong = serde_json::json!({"username": username(Role::Officer), "password": "not the password"});
    for _ in 0..5 {
        let resp = app.send(Req::post("/api/v1/auth/login").json(&wrong).build()).await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    }
    // The sixth attempt waits, even with the right password, and says for how long.
    let right = serde_json::json!({"username": username(Role::Officer), "password": PASSWORD});
    let resp = app.send(Req::post("/api/v1/auth/login").json(&right).build()).await;
    resp.check_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    assert!(resp.headers.contains_key("retry-after"));
    // Other accounts are not affected.
    let other = serde_json::json!({"username": username(Role::Analyst), "password": PASSWORD});
    assert_eq!(app.send(Req::post("/api/v1/auth/login").json(&other).build()).await.status, StatusCode::OK);
    // Security headers everywhere; the pages need no inline script or style.
    let health = app.send(Req::get("/healthz").build()).await;
    assert_eq!(health.headers["x-content-type-options"], "nosniff");
    assert_eq!(health.headers["x-frame-options"], "DENY");
    let login = app.send(Req::get("/login").build()).await;
    let csp = login.headers["content-security-policy"].to_str().unwrap().to_owned();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!login.text().contains("<style>") && !login.text().contains("<script>"), "{}", login.text());
    let css = app.send(Req::get("/assets/waspada.css").build()).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert_eq!(app.send(Req::get("/assets/../Cargo.toml").build()).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refused_decision_form_can_be_corrected_and_a_decision_is_not_overwritten() {
    let app = TestApp::new();
    data::seed(&app).await;
    let officer = web_login(&app, Role::Officer).await;
    let token = app.login(Role::Officer).await;
    // A fresh application to decide.
    let resp = app
        .send(
            Req::post("/api/v1/applications")
                .token(&token)
                .purpose("uji")
                .json(&serde_json::json!({"reference": "BKL-2026-9", "office": "Kanim Bengkulu", "applied_on": "2026-10-01",
                    "applicant_nik": data::NIK_BUDI, "purpose": "tourism", "destination": "MYS"}))
                .build(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    let page = app.send(Req::get("/check").header("cookie", &officer).build()).await;
    let csrf_token = csrf(&page.text());
    let nonce = "abcdefabcdefabcdefabcdefabcdef12";
    let send = |reason: &str| {
        form(
            "/decide",
            &officer,
            &[
                ("csrf", csrf_token.as_str()),
                ("nonce", nonce),
                ("application_reference", "BKL-2026-9"),
                ("purpose", "uji"),
                ("outcome", "refused"),
                ("reason", reason),
                ("legal_basis", "SE IMI-0277.GR.02.06/2017"),
            ],
        )
    };
    let missing = app.send(send("")).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "a refusal needs a reason");
    let corrected = app.send(send("tujuan tidak jelas")).await;
    assert_eq!(corrected.status, StatusCode::OK, "the same form, corrected, is accepted: {}", corrected.text());
    let again = app.send(send("tujuan tidak jelas")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "sent twice, recorded once");
    // Through the API: the same outcome again changes nothing; another outcome is refused.
    let decide = |outcome: &str| {
        Req::post("/api/v1/decisions")
            .token(&token)
            .purpose("uji")
            .json(&serde_json::json!({"application_reference": "BKL-2026-9", "outcome": outcome,
                "reason": "x", "legal_basis": "y"}))
            .build()
    };
    let same = app.send(decide("refused")).await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(same.json()["decision"]["reason"], "tujuan tidak jelas", "the first decision stands");
    app.send(decide("issued")).await.check_error(StatusCode::CONFLICT, "conflict");
    // An application of someone else cannot be assessed in a check of this person.
    let resp = app
        .send(
            Req::post("/api/v1/checks")
                .token(&token)
                .purpose("uji")
                .json(&serde_json::json!({"nik": data::NIK_SITI, "application_reference": "BKL-2026-9"}))
                .build(),
        )
        .await;
    resp.check_error(StatusCode::BAD_REQUEST, "bad_request");
}

/// The value of the first input (hidden or not) or select with this name, unescaped as a browser
/// would send it.
fn hidden(html: &str, name: &str) -> String {
    let start = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no {name} in {html}"));
    let tail = &html[start..];
    let value_of = |tag: &str| -> String {
        tag.find("value=\"").map(|i| tag[i + 7..].chars().take_while(|&c| c != '"').collect()).unwrap_or_default()
    };
    let raw = if html[..start].rfind('<').is_some_and(|open| html[open..].starts_with("<select")) {
        // A select: the value of its selected option.
        let options = &tail[..tail.find("</select>").expect("the end of the select")];
        let at = options.find(" selected").expect("a selected option");
        value_of(&options[options[..at].rfind("<option").expect("an option")..])
    } else {
        value_of(&tail[..tail.find('>').unwrap_or(tail.len())])
    };
    raw.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&")
}

#[tokio::test]
async fn a_decision_sent_after_the_session_ended_comes_back_after_sign_in_and_is_recorded_once() {
    let app = TestApp::with_config(ServerConfig { web_idle: Duration::from_millis(400), ..ServerConfig::default() });
    data::seed(&app).await;
    let token = app.login(Role::Officer).await;
    let resp = app
        .send(
            Req::post("/api/v1/applications")
                .token(&token)
                .purpose("uji")
                .json(&serde_json::json!({"reference": "BKL-2026-31", "office": "Kanim Bengkulu",
                    "applied_on": "2026-10-01", "applicant_nik": data::NIK_BUDI, "purpose": "work", "destination": "MYS"}))
                .build(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let officer = web_login(&app, Role::Officer).await;
    let page = app.send(Req::get("/check").header("cookie", &officer).build()).await;
    let stale_csrf = csrf(&page.text());
    let reason = "Sponsor \"PT Maju\" tidak terdaftar; tunggu verifikasi BP2MI <segera>";
    tokio::time::sleep(Duration::from_millis(600)).await;
    let late = app
        .send(form(
            "/decide",
            &officer,
            &[
                ("csrf", &stale_csrf),
                ("nonce", "fedcba9876543210fedcba9876543210"),
                ("application_reference", "BKL-2026-31"),
                ("purpose", "wawancara"),
                ("outcome", "delayed"),
                ("reason", reason),
                ("legal_basis", "UU 6/2011 Pasal 16"),
            ],
        ))
        .await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    let html = late.text();
    assert!(html.contains("isian Anda disimpan"), "{html}");
    assert!(!app.audit().await.iter().any(|e| e["action"] == "decision.record"), "nothing recorded yet");
    // Signing in from that page brings the decision back, filled in but not sent.
    let login_cookie = set_cookie(&late, "waspada_login_csrf").expect("a sign-in CSRF cookie");
    let pending = hidden(&html, "pending");
    assert!(!pending.contains(&stale_csrf), "the old session's form token is not carried");
    let user = username(Role::Officer);
    let wrong = app
        .send(form(
            "/login",
            &login_cookie,
            &[("username", &user), ("password", "wrong"), ("csrf", &csrf(&html)), ("pending", &pending)],
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(hidden(&wrong.text(), "pending"), pending, "a mistyped password loses nothing either");
    let back = app
        .send(form(
            "/login",
            &login_cookie,
            &[("username", &user), ("password", PASSWORD), ("csrf", &csrf(&html)), ("pending", &pending)],
        ))
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text());
    let restored = back.text();
    assert!(restored.contains("pending-restored") && restored.contains("BELUM dikirim"), "{restored}");
    assert!(restored.contains("value=\"delayed\" required checked"), "the outcome is kept: {restored}");
    assert!(restored.contains("tunggu verifikasi BP2MI &lt;segera&gt;"), "the reason is kept, escaped");
    assert!(!app.audit().await.iter().any(|e| e["action"] == "decision.record"), "still nothing recorded");
    let session = set_cookie(&back, "waspada_session").expect("a new session");
    let send = || {
        form(
            "/decide",
            &session,
            &[
                ("csrf", &csrf(&restored)),
                ("nonce", &hidden(&restored, "nonce")),
                ("application_reference", &hidden(&restored, "application_reference")),
                ("purpose", &hidden(&restored, "purpose")),
                ("outcome", "delayed"),
                ("reason", reason),
                ("legal_basis", "UU 6/2011 Pasal 16"),
            ],
        )
    };
    let recorded = app.send(send()).await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.text());
    assert!(recorded.text().contains("decision-recorded"));
    assert_eq!(app.send(send()).await.status, StatusCode::CONFLICT, "sent twice, recorded once");
    let decisions: Vec<_> =
        app.audit().await.into_iter().filter(|e| e["action"] == "decision.record").collect::<Vec<_>>();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(decisions[0]["purpose"], "wawancara");
}

#[tokio::test]
async fn a_scan_sent_after_the_session_ended_is_shown_again_after_sign_in() {
    let app = TestApp::with_config(ServerConfig { web_idle: Duration::from_millis(400), ..ServerConfig::default() });
    data::seed(&app).await;
    let officer = web_login(&app, Role::Officer).await;
    let page = app.send(Req::get("/check").header("cookie", &officer).build()).await;
    let stale = csrf(&page.text());
    tokio::time::sleep(Duration::from_millis(600)).await;
    let late =
        app.send(form("/check", &officer, &[("q", data::MRZ_SPECIMEN), ("purpose", "uji"), ("csrf", &stale)])).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    let login_cookie = set_cookie(&late, "waspada_login_csrf").unwrap();
    let html = late.text();
    let back = app
        .send(form(
            "/login",
            &login_cookie,
            &[
                ("username", &username(Role::Officer)),
                ("password", PASSWORD),
                ("csrf", &csrf(&html)),
                ("pending", &hidden(&html, "pending")),
            ],
        ))
        .await;
    assert_eq!(back.status, StatusCode::OK);
    let first_line = data::MRZ_SPECIMEN.lines().next().unwrap().replace('<', "&lt;");
    assert!(back.text().contains(&first_line), "the scan is back in the box: {}", back.text());
    // A pending form that is not JSON of a known shape is ignored: a plain sign-in.
    let page = app.send(Req::get("/login").build()).await;
    let cookie = set_cookie(&page, "waspada_login_csrf").unwrap();
    let plain = app
        .send(form(
            "/login",
            &cookie,
            &[
                ("username", &username(Role::Officer)),
                ("password", PASSWORD),
                ("csrf", &csrf(&page.text())),
                ("pending", "{\"kind\":\"launch_missiles\"}"),
            ],
        ))
        .await;
    assert_eq!(plain.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_edited_watchlist_entry_is_prefilled_and_stops_matching_under_its_old_name() {
    let app = TestApp::new();
    data::seed(&app).await;
    let supervisor = web_login(&app, Role::Supervisor).await;
    let edit = app.send(Req::get("/watchlist?edit=WL-001").header("cookie", &supervisor).build()).await;
    assert_eq!(edit.status, StatusCode::OK);
    let html = edit.text();
    assert!(html.contains("value=\"Rudi Hartono Saputra\"") && html.contains("value=\"Rudi Saputra\""), "{html}");
    assert!(html.contains("value=\"UU 6/2011 Pasal 91\"") && html.contains("readonly"), "{html}");
    assert!(html.contains("<option value=\"pencegahan\" selected"), "{html}");
    let missing = app.send(Req::get("/watchlist?edit=NOPE").header("cookie", &supervisor).build()).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let token = csrf(&html);
    let save = |full_name: &'static str, date_of_birth: &'static str| {
        let mut fields: Vec<(&str, String)> = ["id", "category", "sex", "nationality", "legal_basis"]
            .iter()
            .map(|&name| (name, hidden(&html, name)))
            .collect();
        fields.extend([
            ("csrf", token.clone()),
            ("full_name", full_name.to_owned()),
            ("aliases", String::new()),
            ("date_of_birth", date_of_birth.to_owned()),
            ("valid_from", "2024-01-01".to_owned()),
        ]);
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form("/watchlist", &supervisor, &borrowed)
    };
    let officer = app.login(Role::Officer).await;
    let budi_hits = || async {
        let resp = app
            .send(
                Req::post("/api/v1/checks")
                    .token(&officer)
                    .purpose("uji")
                    .json(&serde_json::json!({"nik": data::NIK_BUDI}))
                    .build(),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
        resp.json()["watchlist_hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["entry_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(budi_hits().await.is_empty());
    let saved = app.send(save("Budi Santoso", "1990")).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(budi_hits().await, ["WL-001"], "the edited name is screened from the next check on");
    let saved = app.send(save("Rudi Hartono Saputra", "1980")).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert!(budi_hits().await.is_empty(), "the name it had before the edit no longer matches");
    // A refused edit keeps what was typed.
    let bad = app
        .send(form(
            "/watchlist",
            &supervisor,
            &[("csrf", &csrf(&saved.text())), ("id", "WL-002"), ("full_name", "Nama Yang Diketik")],
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("value=\"Nama Yang Diketik\""), "{}", bad.text());
}

#[tokio::test]
async fn the_audit_view_filters_by_person_nik_and_the_dpo_reads_it_but_no_traveller_data() {
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    // Ani gives the same phone as Siti: she is shown on Siti's page as a linked person.
    let api = app.login(Role::Officer).await;
    let ani = serde_json::json!({"nik": "1709014506950001", "full_name": "Ani Lestari", "date_of_birth": "1995-06-05",
        "sex": "F", "phones": ["081234567890"]});
    let resp = app.send(Req::post("/api/v1/persons").token(&api).purpose("uji").json(&ani).build()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let ani_id = data::person_id(&app, &api, "1709014506950001").await;
    let officer = web_login(&app, Role::Officer).await;
    let person = app
        .send(
            Req::get(&format!("/person/{}", data::NIK_SITI))
                .header("cookie", &format!("{officer}; waspada_purpose=uji"))
                .build(),
        )
        .await;
    assert_eq!(person.status, StatusCode::OK);
    assert!(person.text().contains("Ani Lestari"), "{}", person.text());
    let dpo = web_login(&app, Role::Dpo).await;
    // Ani's own audit trail shows that she was disclosed on Siti's page.
    let ani_view = app.send(Req::get("/audit?person=1709014506950001").header("cookie", &dpo).build()).await;
    let ani_table = ani_view.text();
    let ani_table = &ani_table[ani_table.find("id=\"audit-table\"").unwrap_or(0)..];
    assert!(ani_table.contains("person.linked"), "{ani_table}");
    let linked = app.audit().await.into_iter().find(|e| e["action"] == "person.linked").expect("a person.linked entry");
    assert_eq!(linked["subject"], format!("person:{ani_id}"));
    assert_eq!(linked["detail"], format!("with=person:{}", seeded.siti));
    assert_eq!(linked["purpose"], "uji");
    let view = app.send(Req::get(&format!("/audit?person={}", data::NIK_SITI)).header("cookie", &dpo).build()).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text());
    let html = view.text();
    let table = &html[html.find("id=\"audit-table\"").unwrap_or(0)..];
    assert!(table.contains("person.timeline"), "{table}");
    let siti = format!("person:{}", seeded.siti);
    let budi = format!("person:{}", seeded.budi);
    assert!(table.contains(&siti) && !table.contains(&format!(">{budi}<")), "{table}");
    // The same by id, and a NIK nobody has is a clear 404.
    let by_id = app.send(Req::get(&format!("/audit?person={siti}")).header("cookie", &dpo).build()).await;
    assert!(by_id.text().contains("person.timeline"));
    let unknown = app.send(Req::get("/audit?person=1709010101990009").header("cookie", &dpo).build()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // The NIK look-up for the filter is itself audited, with the DPO's purpose.
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e["actor"] == username(Role::Dpo) && e["purpose"] == "audit review"), "{audit:?}");
    // The DPO has no access to traveller data or decisions.
    let check = app.send(Req::get("/check").header("cookie", &dpo).build()).await;
    let person_page = app
        .send(
            Req::get(&format!("/person/{}", data::NIK_SITI))
                .header("cookie", &format!("{dpo}; waspada_purpose=x"))
                .build(),
        )
        .await;
    assert_eq!(person_page.status, StatusCode::FORBIDDEN);
    assert_eq!(check.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_long_watchlist_is_shown_a_hundred_rows_at_a_time_and_can_be_searched() {
    let app = TestApp::new();
    let supervisor = web_login(&app, Role::Supervisor).await;
    let page = app.send(Req::get("/watchlist").header("cookie", &supervisor).build()).await;
    let token = csrf(&page.text());
    let mut csv = String::from("id,category,full_name,legal_basis,valid_from\n");
    for i in 0..150 {
        csv.push_str(&format!("WL-{i:03},pencegahan,Orang Nomor {i:03},UU 6/2011 Pasal 91,2026-01-01\n"));
    }
    let resp = app.send(form("/watchlist/import", &supervisor, &[("csrf", &token), ("csv", &csv)])).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let all = app.send(Req::get("/watchlist").header("cookie", &supervisor).build()).await.text();
    let rows = all.matches("/watchlist?edit=").count();
    assert_eq!(rows, 100, "one hundred rows at most");
    assert!(all.contains("100 / 150"), "{all}");
    let found = app.send(Req::get("/watchlist?q=nomor%20149").header("cookie", &supervisor).build()).await.text();
    assert_eq!(found.matches("/watchlist?edit=").count(), 1);
    assert!(found.contains("WL-149") && found.contains("1 / 1"), "{found}");
}

#[tokio::test]
async fn credential_stuffing_from_one_address_is_throttled_while_other_clients_and_requests_go_on() {
    let stuffer = std::net::SocketAddr::from(([203, 0, 113, 7], 40000));
    let app = TestApp::new().with_client_address(stuffer);
    let limit = waspada_server::auth::AddressThrottle::PER_WINDOW as usize;
    // Each attempt names a different account, so the per-account back-off never starts.
    let mut statuses = Vec::new();
    for n in 0..100 {
        let guess = serde_json::json!({"username": format!("user{n}"), "password": "Summer2026!!x"});
        statuses.push(app.send(Req::post("/api/v1/auth/login").json(&guess).build()).await.status);
    }
    let refused = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((refused, throttled), (limit, 100 - limit), "{statuses:?}");
    // The web form is throttled by the same count, and says so in the user's language.
    let page = app.send(Req::get("/login").build()).await;
    let cookie = set_cookie(&page, "waspada_login_csrf").unwrap();
    let officer = username(Role::Officer);
    let web = app
        .send(form("/login", &cookie, &[("username", &officer), ("password", PASSWORD), ("csrf", &csrf(&page.text()))]))
        .await;
    assert_eq!(web.status, StatusCode::TOO_MANY_REQUESTS, "{}", web.text());
    // Everything else still answers, and so does a sign-in from another address.
    assert_eq!(app.send(Req::get("/healthz").build()).await.status, StatusCode::OK);
    let colleague = TestApp::new().with_client_address(std::net::SocketAddr::from(([10, 20, 0, 5], 50000)));
    let right = serde_json::json!({"username": username(Role::Officer), "password": PASSWORD});
    assert_eq!(colleague.send(Req::post("/api/v1/auth/login").json(&right).build()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_dpo_sees_breaches_with_their_deadlines_and_notices_and_an_officer_does_not() {
    let app = TestApp::new();
    let store = waspada_store::Store::open(&waspada_store::StoreConfig::new(app.data_dir().join("data"))).unwrap();
    let context = waspada_store::AuditContext::new("dpo.test", "breach management").unwrap();
    let report = |detected_at, description: &str| waspada_store::BreachReport {
        detected_at,
        category: waspada_store::BreachCategory::Confidentiality,
        affected: vec!["person:1".into()],
        description: description.into(),
        measures: "Kata sandi diganti".into(),
        contact: "PPDP".into(),
    };
    store.record_breach(&report(chrono::Utc::now(), "Berkas ekspor terkirim ke alamat salah"), &context).unwrap();
    let old = chrono::Utc::now() - chrono::Duration::days(5);
    store.record_breach(&report(old, "Laptop hilang"), &context).unwrap();
    drop(store);
    let dpo = web_login(&app, Role::Dpo).await;
    let page = app.send(Req::get("/breaches").header("cookie", &dpo).build()).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("LEWAT BATAS WAKTU") && html.contains("terbuka"), "{html}");
    assert!(html.contains("Berkas ekspor terkirim ke alamat salah") && html.contains("Pasal 46"), "{html}");
    let officer = web_login(&app, Role::Officer).await;
    assert_eq!(app.send(Req::get("/breaches").header("cookie", &officer).build()).await.status, StatusCode::FORBIDDEN);
    assert!(app.audit().await.iter().any(|e| e["action"] == "breach.list" && e["actor"] == username(Role::Dpo)));
}

/// The DPO records an incident and its notifications on the page; bad input is refused with the
/// form kept as typed.
#[tokio::test]
async fn the_dpo_records_a_breach_and_its_notifications_on_the_web() {
    let app = TestApp::new();
    let dpo = web_login(&app, Role::Dpo).await;
    let page = app.send(Req::get("/breaches").header("cookie", &dpo).build()).await;
    assert!(page.text().contains("id=\"record-breach\""), "{}", page.text());
    let token = csrf(&page.text());
    let fields = |detected_at: &'static str, affected: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("detected_at", detected_at.to_owned()),
            ("category", "confidentiality".to_owned()),
            ("affected", affected.to_owned()),
            ("description", "Laptop petugas hilang di bandara".to_owned()),
            ("measures", "Sesi dicabut, kata sandi diganti".to_owned()),
            ("contact", "PPDP Kanim Bengkulu".to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form("/breaches", &dpo, &pairs)
    };
    // Refused, and the typed text comes back: a time that is not one, a bad record id, the future.
    let bad_time = app.send(send(fields("kemarin sore", "person:1"))).await;
    assert_eq!(bad_time.status, StatusCode::BAD_REQUEST);
    assert!(bad_time.text().contains("Laptop petugas hilang di bandara"));
    let bad_id = app.send(send(fields("2026-11-28T09:30", "Siti Rahmawati"))).await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert!(bad_id.text().contains("internal ids"), "{}", bad_id.text());
    let future = app.send(send(fields("2099-01-01T00:00", "person:1"))).await;
    assert_eq!(future.status, StatusCode::BAD_REQUEST);
    let mut forged = fields("2026-11-28T09:30", "person:1");
    forged[0].1 = "0".repeat(64);
    assert_eq!(app.send(send(forged)).await.status, StatusCode::FORBIDDEN);
    assert!(app.audit().await.iter().all(|e| e["action"] != "breach.record"), "nothing half-written");

    // Recorded: detected 09:30 WIB is 02:30 UTC, and the 72 hours run from there.
    let recorded = app.send(send(fields("2026-11-28T09:30", "person:1, document:7"))).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text());
    let location = recorded.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/breaches#BR-2026-"), "{location}");
    let reference = location.trim_start_matches("/breaches#").to_owned();
    let listed = app.send(Req::get("/breaches").header("cookie", &dpo).build()).await.text();
    assert!(listed.contains("2026-11-28T02:30:00Z") && listed.contains("2026-12-01T02:30:00Z"), "{listed}");
    assert!(listed.contains("2 catatan"), "{listed}");
    let notified = |to: &'static str| {
        form(&format!("/breaches/{reference}/notified"), &dpo, &[("csrf", token.as_str()), ("to", to)])
    };
    assert_eq!(app.send(notified("authority")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.send(notified("authority")).await.status, StatusCode::CONFLICT, "recorded once");
    assert_eq!(app.send(notified("subjects")).await.status, StatusCode::SEE_OTHER);
    let unknown = form("/breaches/BR-1999-0001/notified", &dpo, &[("csrf", token.as_str()), ("to", "subjects")]);
    assert_eq!(app.send(unknown).await.status, StatusCode::NOT_FOUND);
    let listed = app.send(Req::get("/breaches").header("cookie", &dpo).build()).await.text();
    assert!(listed.contains("sudah diberitahukan") && !listed.contains("Tandai: lembaga"), "{listed}");
    let actions: Vec<String> =
        app.audit().await.iter().filter_map(|e| e["action"].as_str().map(str::to_owned)).collect();
    assert_eq!(actions.iter().filter(|a| *a == "breach.record").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "breach.notified").count(), 2);
}

/// The DPO takes data-subject requests through the web: record, decide with Art. 15 codes,
/// download the access export, apply a rectification.
#[tokio::test]
async fn the_dpo_handles_data_subject_requests_on_the_web() {
    let app = TestApp::new();
    crate::data::seed(&app).await;
    let dpo = web_login(&app, Role::Dpo).await;
    let page = app.send(Req::get("/requests").header("cookie", &dpo).build()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"record-request\""));
    let token = csrf(&page.text());
    let record = |kind: &'static str, nik: &'static str, correction: &'static str| {
        form(
            "/requests",
            &dpo,
            &[
                ("csrf", token.as_str()),
                ("kind", kind),
                ("nik", nik),
                ("requester", "Siti sendiri, datang ke loket"),
                ("detail", "Minta salinan data"),
                ("correction", correction),
            ],
        )
    };
    // Refused with what was typed kept.
    let bad = app.send(record("access", "12345", "")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("Siti sendiri, datang ke loket"));
    assert_eq!(app.send(record("access", crate::data::NIK_WATCHED, "")).await.status, StatusCode::NOT_FOUND);
    let not_json = app.send(record("rectification", crate::data::NIK_SITI, "alamat baru")).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);

    let recorded = app.send(record("access", crate::data::NIK_SITI, "")).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text());
    let reference = recorded.headers["location"].to_str().unwrap().trim_start_matches("/requests#").to_owned();
    assert!(reference.starts_with("DSR-"), "{reference}");
    let decide = |decision: &'static str, codes: &[&'static str]| {
        let mut fields = vec![("csrf", token.as_str()), ("decision", decision), ("note", "sesuai Pasal 7")];
        fields.extend(codes.iter().map(|c| ("exempt", *c)));
        form(&format!("/requests/{reference}/decide"), &dpo, &fields)
    };
    // A refusal names its exemption; an unknown code is refused.
    let bare_refusal = app.send(decide("refuse", &[])).await;
    assert_eq!(bare_refusal.status, StatusCode::BAD_REQUEST);
    assert!(bare_refusal.text().contains("Art. 15(1)"), "{}", bare_refusal.text());
    assert_eq!(app.send(decide("approve", &["15.9.z"])).await.status, StatusCode::BAD_REQUEST);
    // The export is there only once the request is approved.
    let early =
        app.send(Req::get(&format!("/requests/{reference}/export?format=json")).header("cookie", &dpo).build()).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.send(decide("approve", &[])).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.send(decide("approve", &[])).await.status, StatusCode::BAD_REQUEST, "decided once");
    let export =
        app.send(Req::get(&format!("/requests/{reference}/export?format=json")).header("cookie", &dpo).build()).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.headers["content-disposition"].to_str().unwrap().contains(&format!("{reference}.json")));
    assert!(export.text().contains("Siti Rahmawati"), "{}", export.text());
    let readable = app.send(Req::get(&format!("/requests/{reference}/export")).header("cookie", &dpo).build()).await;
    assert!(readable.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let complete = form(&format!("/requests/{reference}/complete"), &dpo, &[("csrf", token.as_str())]);
    assert_eq!(app.send(complete).await.status, StatusCode::SEE_OTHER);

    // A rectification, approved and applied: the record changes, its old version is kept.
    let recorded = app
        .send(record(
            "rectification",
            crate::data::NIK_SITI,
            r#"{"address":"Jl. Baru 2, Karang Tinggi","full_name":"Sri Wahyuningsih"}"#,
        ))
        .await;
    let reference = recorded.headers["location"].to_str().unwrap().trim_start_matches("/requests#").to_owned();
    let approve =
        form(&format!("/requests/{reference}/decide"), &dpo, &[("csrf", token.as_str()), ("decision", "approve")]);
    assert_eq!(app.send(approve).await.status, StatusCode::SEE_OTHER);
    let apply = form(&format!("/requests/{reference}/complete"), &dpo, &[("csrf", token.as_str())]);
    assert_eq!(app.send(apply).await.status, StatusCode::SEE_OTHER);
    let officer = app.login(Role::Officer).await;
    let siti = app
        .send(
            Req::get(&format!("/api/v1/persons/by-nik/{}", crate::data::NIK_SITI))
                .token(&officer)
                .purpose("cek")
                .build(),
        )
        .await
        .json();
    assert_eq!(siti["address"], "Jl. Baru 2, Karang Tinggi");

    // Officers and analysts have no access; every step is on the audit log.
    let officer_page = web_login(&app, Role::Officer).await;
    // The counter check's index has the corrected name at once (no restart).
    let check = app.send(Req::get("/check").header("cookie", &officer_page).build()).await;
    let check_token = csrf(&check.text());
    let found = app
        .send(form(
            "/check",
            &officer_page,
            &[("csrf", check_token.as_str()), ("q", "Sri Wahyuningsih"), ("purpose", "cek")],
        ))
        .await;
    assert!(found.text().contains(crate::data::NIK_SITI), "{}", found.text());
    // HEAD is answered like GET, refusals included.
    assert_eq!(
        app.send(Req::new(axum::http::Method::HEAD, "/requests").header("cookie", &dpo).build()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(Req::new(axum::http::Method::HEAD, "/requests").header("cookie", &officer_page).build()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.send(Req::get("/requests").header("cookie", &officer_page).build()).await.status,
        StatusCode::FORBIDDEN
    );
    let actions: Vec<String> =
        app.audit().await.iter().filter_map(|e| e["action"].as_str().map(str::to_owned)).collect();
    for action in ["dsr.record", "dsr.decide", "dsr.complete"] {
        assert_eq!(actions.iter().filter(|a| *a == action).count(), 2, "{action}");
    }
}

/// The case worker's pages, and a confirmed link on the officer's check page.
#[tokio::test]
async fn a_case_worker_triages_on_the_web_and_the_officer_sees_the_confirmed_link() {
    let app = TestApp::with_config(crate::public::no_work());
    data::seed(&app).await;
    let created = app
        .send(
            crate::public::public_post("/api/v1/public/reports", "web-triage-key-00001", &crate::public::report_body())
                .build(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let worker = web_login(&app, Role::CaseWorker).await;
    let queue = app.send(Req::get("/triage").header("cookie", &worker).build()).await;
    assert_eq!(queue.status, StatusCode::OK);
    let page = queue.text();
    assert!(page.contains("Kamboja") && page.contains("data-kind=\"report\""), "{page}");
    let id: i64 = page.split("href=\"/reports/").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let report = app.send(Req::get(&format!("/reports/{id}")).header("cookie", &worker).build()).await.text();
    assert!(report.contains(data::NIK_SITI) && report.contains("phone_owner"), "{report}");
    let token = csrf(&report);
    let confirmed = app
        .send(form(
            &format!("/reports/{id}/link"),
            &worker,
            &[
                ("csrf", &token),
                ("nik", data::NIK_SITI),
                ("basis", "phone_owner"),
                ("role", "possible_victim"),
                ("decision", "confirm"),
            ],
        ))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    assert!(confirmed.text().contains("data-state=\"confirmed\""));
    // A forged form changes nothing.
    let forged =
        app.send(form(&format!("/reports/{id}/status"), &worker, &[("csrf", "0000"), ("status", "spam")])).await;
    assert!(forged.text().contains("kedaluwarsa"), "{}", forged.text());
    // The officer's check page shows the confirmed link, with its role.
    let officer = web_login(&app, Role::Officer).await;
    let check_page = app.send(Req::get("/check").header("cookie", &officer).build()).await.text();
    let result = app
        .send(form("/check", &officer, &[("q", data::NIK_SITI), ("purpose", "uji"), ("csrf", &csrf(&check_page))]))
        .await
        .text();
    assert!(result.contains("id=\"report-links\"") && result.contains("kemungkinan korban"), "{result}");
    // An officer does not see the case worker's pages.
    assert_eq!(app.send(Req::get("/triage").header("cookie", &officer).build()).await.status, StatusCode::FORBIDDEN);
}
