//! The role × page matrix of the web app, generated from its access table (`web::PAGES`) and the
//! same role table as the API: every page and form, as every role and signed out.

use axum::http::StatusCode;
use waspada_server::roles::Role;
use waspada_server::web::{PAGES, PageAccess};

use crate::common::{Req, TestApp};
use crate::web::{csrf, form, web_login};
use crate::{data, public};

/// Fields every form post carries: the form token, a purpose, and an analyst's basis for
/// identities (so that a granted post is not refused for a reason other than the role).
fn post(path: &str, cookie: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    form(path, cookie, &[("csrf", token), ("purpose", "uji akses"), ("identity_basis", "surat 1/WAS/2026")])
}

#[tokio::test]
async fn role_page_matrix() {
    let app = TestApp::with_config(public::no_work());
    data::seed(&app).await;
    let seed = public::seed(&app).await;
    let fill = |template: &str| -> String {
        let path = template
            .replace("{name}", "waspada.css")
            .replace("{code}", "en")
            .replace("{nik}", data::NIK_SITI)
            .replace("{photo}", &seed.photo.to_string())
            .replace("{entry}", &seed.entry.to_string())
            .replace("{reference}", "BR-2026-0001");
        let id = if template.starts_with("/reports/") { seed.report } else { seed.case };
        let path = path.replace("{id}", &id.to_string());
        assert!(!path.contains('{'), "no sample value for a parameter of {template}");
        path
    };
    // Partners sign in with API tokens only and have no web session.
    let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| *r != Role::Partner).collect();
    let mut sessions = Vec::new();
    for role in &roles {
        let cookie = web_login(&app, *role).await;
        let home = app.send(Req::get("/").header("cookie", &cookie).build()).await;
        assert_eq!(home.status, StatusCode::OK, "{role:?}");
        sessions.push((*role, cookie.clone(), csrf(&home.text())));
    }

    let mut failures = Vec::new();
    let mut cells = 0;
    for (method, template, access) in PAGES {
        let path = fill(template);
        // Signed out: public routes answer; every other sends the browser to sign in (a page is
        // redirected, a form is answered 401 with the sign-in form).
        let anonymous = match *method {
            "GET" => app.send(Req::get(&path).build()).await,
            _ => app.send(post(&path, "", "")).await,
        };
        cells += 1;
        let signed_out_ok = match access {
            PageAccess::Public => anonymous.status != StatusCode::FORBIDDEN,
            _ => matches!(anonymous.status, StatusCode::SEE_OTHER | StatusCode::UNAUTHORIZED),
        };
        if !signed_out_ok {
            failures.push(format!("{method} {path} signed out: {}", anonymous.status));
        }
        for (role, cookie, token) in &sessions {
            // Signing out ends the session: that row gets a session of its own.
            let (cookie, token) = if *template == "/logout" {
                let fresh = web_login(&app, *role).await;
                let home = app.send(Req::get("/").header("cookie", &fresh).build()).await;
                (fresh, csrf(&home.text()))
            } else {
                (cookie.clone(), token.clone())
            };
            let resp = match *method {
                "GET" => app.send(Req::get(&path).header("cookie", &cookie).build()).await,
                _ => app.send(post(&path, &cookie, &token)).await,
            };
            cells += 1;
            let allowed = match access {
                PageAccess::Public | PageAccess::SignedIn => true,
                PageAccess::Needs(permission) => role.allows(*permission),
            };
            let refused = resp.status == StatusCode::FORBIDDEN;
            if allowed == refused {
                failures.push(format!(
                    "{method} {path} as {role:?}: {} (expected {})",
                    resp.status,
                    if allowed { "allowed" } else { "403" }
                ));
            }
            if !allowed && !resp.text().contains("Peran Anda tidak boleh melakukan ini") {
                failures.push(format!("{method} {path} as {role:?}: a 403 without the refusal page"));
            }
        }
    }
    assert_eq!(cells, PAGES.len() * (roles.len() + 1));
    assert!(failures.is_empty(), "{} of {cells} cells differ:\n{}", failures.len(), failures.join("\n"));
}
