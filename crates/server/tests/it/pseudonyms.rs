//! Analysts see traveller data pseudonymised unless they state a basis (an open case or an
//! assignment letter); every re-identification is on the audit log.

use axum::http::StatusCode;
use serde_json::{Value, json};
use waspada_server::roles::Role;

use crate::common::{PURPOSE, Req, TestApp};
use crate::{data, public};

/// Every identifier of Siti's records as the seed stores them: none may appear in a pseudonymised
/// response.
const SITI_IDENTIFIERS: [&str; 9] = [
    data::NIK_SITI,
    "Siti Rahmawati",
    "Siti Rahma",
    "1994-08-12",
    "+6281234567890",
    "Jl. Merdeka",
    data::PASSPORT,
    "RAHMAWATI",
    "PT Contoh",
];

fn assert_no_identifier(body: &str) {
    for identifier in SITI_IDENTIFIERS {
        assert!(!body.contains(identifier), "{identifier:?} disclosed in {body}");
    }
}

fn is_pseudonym(value: &Value, prefix: &str) -> bool {
    value.as_str().is_some_and(|v| {
        v.strip_prefix(prefix).is_some_and(|code| code.len() == 13 && code.bytes().all(|b| b.is_ascii_alphanumeric()))
    })
}

#[tokio::test]
async fn analysts_read_stable_pseudonyms_and_officers_read_identities() {
    let app = TestApp::new();
    let seeded = data::seed(&app).await;
    let analyst = app.login(Role::Analyst).await;
    let get = |uri: String, token: &str| {
        let request = Req::get(&uri).token(token).purpose(PURPOSE).build();
        async { app.send(request).await }
    };

    // Looking someone up by what identifies them (NIK, name, document number, watchlist) is
    // identity work: refused without a basis, and nothing is echoed (no NIK-to-pseudonym oracle).
    for uri in [
        format!("/api/v1/persons/by-nik/{}", data::NIK_SITI),
        "/api/v1/persons/search?name=Siti%20Rahmawati".to_owned(),
        format!("/api/v1/documents/{}", data::PASSPORT),
        "/api/v1/watchlist/search?name=Rudi%20Hartono%20Saputra".to_owned(),
    ] {
        let refused = get(uri.clone(), &analyst).await;
        refused.check_error(StatusCode::FORBIDDEN, "identity_basis_required");
        assert!(!refused.text().contains("NIK-") && !refused.text().contains("NAMA-"), "{uri}");
    }

    // Records reached by internal id read pseudonymised.
    let person = get(format!("/api/v1/persons/{}", seeded.siti), &analyst).await;
    assert_eq!(person.status, StatusCode::OK, "{}", person.text());
    assert_no_identifier(&person.text());
    let person = person.json();
    assert!(is_pseudonym(&person["nik"], "NIK-"), "{person}");
    assert!(is_pseudonym(&person["full_name"], "NAMA-"), "{person}");
    assert!(is_pseudonym(&person["phones"][0], "TEL-"), "{person}");
    assert_eq!(person["date_of_birth"], "1994");
    assert_eq!(person["address"], Value::Null);
    assert_eq!(person["region_code"], "170901", "regions stay: trends per desa are the analyst's work");

    // The same person gets the same pseudonyms in every record and every request.
    let timeline = get(format!("/api/v1/persons/{}/timeline", seeded.siti), &analyst).await;
    assert_eq!(timeline.status, StatusCode::OK);
    assert_no_identifier(&timeline.text());
    let timeline = timeline.json();
    assert_eq!(timeline["person"]["nik"], person["nik"]);
    assert_eq!(timeline["documents"][0]["holder_nik"], person["nik"]);
    assert_eq!(timeline["applications"][0]["applicant_nik"], person["nik"]);
    let number = &timeline["documents"][0]["number"];
    assert!(is_pseudonym(number, "DOK-"));
    assert!(timeline["crossings"].as_array().unwrap().iter().all(|c| &c["document_number"] == number));
    assert!(is_pseudonym(&timeline["applications"][0]["sponsor"], "NAMA-"));
    let again = get(format!("/api/v1/persons/{}", seeded.siti), &analyst).await.json();
    assert_eq!(again["nik"], person["nik"]);
    assert_eq!(again["full_name"], person["full_name"]);

    // Two persons of the same name share the name pseudonym, not the NIK pseudonym.
    let namesake = get(format!("/api/v1/persons/{}", seeded.siti_1988), &analyst).await.json();
    assert_eq!(namesake["full_name"], person["full_name"]);
    assert_ne!(namesake["nik"], person["nik"]);

    // Officers (and supervisors) see identities: pseudonymisation is the analyst's default only.
    let officer = app.login(Role::Officer).await;
    let identified = get(format!("/api/v1/persons/by-nik/{}", data::NIK_SITI), &officer).await.json();
    assert_eq!(identified["nik"], data::NIK_SITI);
    assert_eq!(identified["full_name"], "Siti Rahmawati");
    let with_basis = app
        .send(
            Req::get(&format!("/api/v1/persons/{}", seeded.siti))
                .token(&officer)
                .purpose(PURPOSE)
                .header("x-identity-basis", "surat 1/WAS/2026")
                .build(),
        )
        .await;
    assert_eq!(with_basis.json()["nik"], data::NIK_SITI);
}

#[tokio::test]
async fn a_stated_basis_reveals_identities_and_is_audited() {
    let app = TestApp::with_config(public::no_work());
    let seeded = data::seed(&app).await;
    let analyst = app.login(Role::Analyst).await;
    let uri = format!("/api/v1/persons/{}", seeded.siti);
    let read = |basis: Option<&str>| {
        let mut request = Req::get(&uri).token(&analyst).purpose(PURPOSE);
        if let Some(basis) = basis {
            request = request.header("x-identity-basis", basis);
        }
        let request = request.build();
        async { app.send(request).await }
    };

    let letter = read(Some("surat 123/WAS/XI/2026")).await;
    assert_eq!(letter.status, StatusCode::OK, "{}", letter.text());
    assert_eq!(letter.json()["nik"], data::NIK_SITI);
    assert_eq!(letter.json()["address"], "Jl. Merdeka 1, Bengkulu");

    // A case basis must name an open case.
    read(Some("KS-2026-9999")).await.check_error(StatusCode::BAD_REQUEST, "bad_request");
    read(Some("karena perlu")).await.check_error(StatusCode::BAD_REQUEST, "bad_request");
    let worker = app.login(Role::CaseWorker).await;
    let seed = public::seed(&app).await;
    let case = app
        .send(Req::get(&format!("/api/v1/cases/{}", seed.case)).token(&worker).purpose(PURPOSE).build())
        .await
        .json();
    let reference = case["case"]["reference"].as_str().expect("a case reference").to_owned();
    let by_case = read(Some(&reference.to_lowercase())).await;
    assert_eq!(by_case.status, StatusCode::OK, "{}", by_case.text());
    assert_eq!(by_case.json()["full_name"], "Siti Rahmawati");
    let closed = app
        .send(
            Req::post(&format!("/api/v1/cases/{}/close", seed.case))
                .token(&worker)
                .purpose(PURPOSE)
                .json(&json!({"outcome": "no_trafficking_found", "note": "selesai"}))
                .build(),
        )
        .await;
    assert!(closed.status.is_success(), "{}", closed.text());
    read(Some(&reference)).await.check_error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(is_pseudonym(&read(None).await.json()["nik"], "NIK-"));

    // The DPO finds each re-identification, with its basis, under the person's subject.
    let subject = format!("person:{}", seeded.siti);
    let entries = app.audit().await;
    let reads: Vec<&Value> = entries
        .iter()
        .filter(|e| e["actor"] == crate::common::username(Role::Analyst).as_str() && e["subject"] == subject.as_str())
        .collect();
    let purposes: Vec<&str> = reads.iter().filter_map(|e| e["purpose"].as_str()).collect();
    assert!(purposes.contains(&format!("{PURPOSE} [identitas: surat 123/WAS/XI/2026]").as_str()), "{purposes:?}");
    assert!(purposes.contains(&format!("{PURPOSE} [identitas: kasus {reference}]").as_str()), "{purposes:?}");
    assert!(purposes.contains(&format!("{PURPOSE} [pseudonim]").as_str()), "{purposes:?}");
}

#[tokio::test]
async fn the_counter_check_needs_a_basis_from_an_analyst() {
    let app = TestApp::new();
    data::seed(&app).await;
    let analyst = app.login(Role::Analyst).await;
    let body = json!({"nik": data::NIK_SITI});
    let refused = app.send(Req::post("/api/v1/checks").token(&analyst).purpose(PURPOSE).json(&body).build()).await;
    refused.check_error(StatusCode::FORBIDDEN, "identity_basis_required");
    assert_no_identifier(&refused.text());
    let allowed = app
        .send(
            Req::post("/api/v1/checks")
                .token(&analyst)
                .purpose(PURPOSE)
                .header("x-identity-basis", "surat 9/WAS/2026")
                .json(&body)
                .build(),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text());
    assert_eq!(allowed.json()["person"]["nik"], data::NIK_SITI);
    // A missing purpose is still refused first, with or without a basis.
    let no_purpose = app
        .send(Req::post("/api/v1/checks").token(&analyst).header("x-identity-basis", "surat 9").json(&body).build())
        .await;
    no_purpose.check_error(StatusCode::BAD_REQUEST, "purpose_required");
}

#[tokio::test]
async fn reports_show_analysts_the_recruiter_and_candidates_as_pseudonyms() {
    let app = TestApp::with_config(public::no_work());
    let seeded = data::seed(&app).await;
    let seed = public::seed(&app).await;
    let analyst = app.login(Role::Analyst).await;
    let report = app
        .send(Req::get(&format!("/api/v1/cases/reports/{}", seed.report)).token(&analyst).purpose(PURPOSE).build())
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    let text = report.text();
    assert!(!text.contains("Rudi Hartono") && !text.contains("0812-3456-7890"), "{text}");
    assert_no_identifier(&text);
    let report = report.json();
    // The recruiter's phone is Siti's: the analyst can see that without seeing either.
    let siti = app
        .send(Req::get(&format!("/api/v1/persons/{}", seeded.siti)).token(&analyst).purpose(PURPOSE).build())
        .await
        .json();
    assert_eq!(report["report"]["item"]["content"]["recruiter"]["phone"], siti["phones"][0], "{report}");
    let candidates = report["candidates"].as_array().unwrap();
    assert!(candidates.iter().any(|c| c["nik"] == siti["nik"]), "{report}");

    // The triage queue hides the same fields, lapor diri included: the traveller's name, birth
    // date, address abroad and employer (the seeded lapor diri is Siti's).
    let queue = app.send(Req::get("/api/v1/cases/queue?all=true").token(&analyst).purpose(PURPOSE).build()).await;
    let text = queue.text();
    assert!(text.contains("lapor_diri"), "{text}");
    for identifier in
        ["Rudi Hartono", "Siti Rahmawati", "1994-08-12", "Jalan Ampang", "Kedai Makan Sedap", "C1234567", "Aminah"]
    {
        assert!(!text.contains(identifier), "{identifier} in the queue: {text}");
    }
    let items = queue.json();
    let registration = items.as_array().unwrap().iter().find(|i| i["kind"] == "lapor_diri").expect("the lapor diri");
    assert_eq!(registration["content"]["full_name"], siti["full_name"], "the same pseudonym as her traveller record");
    assert_eq!(registration["content"]["date_of_birth"], "1994");
    for page in ["/triage?all=true".to_owned(), format!("/reports/{}", registration["id"])] {
        let cookie = crate::web::web_login(&app, Role::Analyst).await;
        let html = app.send(Req::get(&page).header("cookie", &cookie).build()).await.text();
        for identifier in ["Siti Rahmawati", "1994-08-12", "Jalan Ampang", "Kedai Makan Sedap"] {
            assert!(!html.contains(identifier), "{identifier} on {page}");
        }
    }
    // A case worker, who links reports to records, sees them as sent.
    let worker = app.login(Role::CaseWorker).await;
    let as_sent = app
        .send(Req::get(&format!("/api/v1/cases/reports/{}", seed.report)).token(&worker).purpose(PURPOSE).build())
        .await;
    assert!(as_sent.text().contains("Rudi Hartono"));
}

#[tokio::test]
async fn the_person_page_shows_analysts_pseudonyms_until_they_give_a_basis() {
    let app = TestApp::new();
    data::seed(&app).await;
    let cookie = crate::web::web_login(&app, Role::Analyst).await;
    let page = |query: &str| {
        let request = Req::get(&format!("/person/{}?purpose=analisis%20tren{query}", data::NIK_SITI))
            .header("cookie", &cookie)
            .build();
        async { app.send(request).await }
    };
    // Without a basis the page asks for one and reads nothing.
    let asked = page("").await;
    assert_eq!(asked.status, StatusCode::OK);
    let html = asked.text();
    assert!(html.contains("name=\"identity_basis\"") && !html.contains("NIK-"), "{html}");
    for identifier in ["Siti Rahmawati", "Jl. Merdeka", data::PASSPORT] {
        assert!(!html.contains(identifier), "{identifier} on the page that asks for a basis");
    }
    let identified = page("&identity_basis=surat%2012%2FWAS").await;
    assert_eq!(identified.status, StatusCode::OK);
    assert!(identified.text().contains("Siti Rahmawati") && identified.text().contains(data::PASSPORT));
    let refused = page("&identity_basis=KS-2026-0404").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.text().contains("Siti Rahmawati"));

    // The counter check page asks an analyst for the basis too.
    let check = app.send(Req::get("/check").header("cookie", &cookie).build()).await;
    let token = crate::web::csrf(&check.text());
    assert!(check.text().contains("name=\"identity_basis\""));
    let without = app
        .send(crate::web::form("/check", &cookie, &[("csrf", &token), ("q", data::NIK_SITI), ("purpose", "analisis")]))
        .await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert!(!without.text().contains("Siti Rahmawati"));
    let names = app
        .send(crate::web::form(
            "/check",
            &cookie,
            &[("csrf", &token), ("q", "Siti Rahmawati"), ("purpose", "analisis")],
        ))
        .await;
    assert_eq!(names.status, StatusCode::FORBIDDEN, "a name search is identity work");
    assert!(!names.text().contains(data::NIK_SITI) && !names.text().contains("name-results"));
    let with = app
        .send(crate::web::form(
            "/check",
            &cookie,
            &[("csrf", &token), ("q", data::NIK_SITI), ("purpose", "analisis"), ("identity_basis", "surat 7/WAS")],
        ))
        .await;
    assert_eq!(with.status, StatusCode::OK, "{}", with.text());
    assert!(with.text().contains("Siti Rahmawati"));
}
