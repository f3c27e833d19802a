//! The citizens' app API (`/api/v1/public/...`) and staff case work (`/api/v1/cases/...`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use waspada_server::ServerConfig;
use waspada_server::public::PublicConfig;
use waspada_server::roles::Role;

use crate::common::{PURPOSE, Req, Resp, TestApp};
use crate::data;

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A JPEG with an EXIF segment holding a marker text, then a minimal frame and scan.
pub fn jpeg_with_exif(marker: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(marker.as_bytes());
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    // DQT (one table of 64 ones), SOF0 (1×1, one component), DHT (empty tables), SOS, data, EOI.
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    out.extend_from_slice(&[1u8; 64]);
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00]);
    out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, 0x00]);
    out.extend_from_slice(&[0u8; 16]);
    out.extend_from_slice(&[0x00]);
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    out.extend_from_slice(&[0x00, 0x00]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

pub fn report_body() -> Value {
    json!({
        "form_version": 1,
        "what": "Ada orang menawarkan kerja di Kamboja gaji 12 juta, paspor diurus calo",
        "region_code": "17.09.01",
        "recruiter": { "name": "Rudi Hartono", "phone": "0812-3456-7890", "company": "PT Maju Jaya" },
        "destination": "KH",
        "minor_involved": false,
        "people_count": 3,
        "anonymous": true
    })
}

pub fn lapor_diri_body() -> Value {
    json!({
        "form_version": 1,
        "full_name": "Siti Rahmawati",
        "date_of_birth": "1994-08-12",
        "passport_number": "C1234567",
        "destination": "MY",
        "address_abroad": "Jalan Ampang 12, Kuala Lumpur",
        "employer": { "name": "Kedai Makan Sedap" },
        "purpose": "work",
        "departure_date": "2026-12-01",
        "emergency_contact": { "name": "Aminah", "relation": "ibu", "phone": "081299990000" }
    })
}

/// Proof of work off, so the router tests need no solving (it is tested on its own below).
pub fn no_work() -> ServerConfig {
    ServerConfig {
        public: PublicConfig { pow_bits: 0, sos_pow_bits: 0, ..PublicConfig::default() },
        ..ServerConfig::default()
    }
}

pub fn public_post(path: &str, key: &str, body: &Value) -> Req {
    Req::post(path).header("idempotency-key", key).json(body)
}

/// What the matrix and the tests below need: a report (with a photo) and a lapor diri, a case
/// opened from the report, with a task.
pub struct PublicSeed {
    pub receipt: String,
    pub lapor_diri: String,
    pub report: i64,
    pub photo: i64,
    pub case: i64,
    pub entry: i64,
}

pub async fn seed(app: &TestApp) -> PublicSeed {
    let created = app.send(public_post("/api/v1/public/reports", "seed-report-0000001", &report_body()).build()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let receipt = created.json()["receipt"].as_str().unwrap().to_owned();
    let photo = app
        .send(
            Req::post(&format!("/api/v1/public/reports/{receipt}/photos"))
                .header("idempotency-key", "seed-photo-00000001")
                .raw("image/png", PNG.to_vec())
                .build(),
        )
        .await;
    assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.text());
    let registered =
        app.send(public_post("/api/v1/public/lapor-diri", "seed-lapor-diri-0001", &lapor_diri_body()).build()).await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.text());
    let lapor_diri = registered.json()["receipt"].as_str().unwrap().to_owned();
    let worker = app.login(Role::CaseWorker).await;
    let queue = app.send(Req::get("/api/v1/cases/queue").token(&worker).purpose(PURPOSE).build()).await;
    let report = queue.json()[0]["id"].as_i64().unwrap();
    let detail =
        app.send(Req::get(&format!("/api/v1/cases/reports/{report}")).token(&worker).purpose(PURPOSE).build()).await;
    let photo = detail.json()["report"]["photos"][0]["id"].as_i64().unwrap();
    let case = app
        .send(
            Req::post("/api/v1/cases")
                .token(&worker)
                .purpose(PURPOSE)
                .json(&json!({ "title": "Perekrut ke Kamboja", "summary": "dari laporan", "reports": [report] }))
                .build(),
        )
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.text());
    let case = case.json()["id"].as_i64().unwrap();
    let entry = app
        .send(
            Req::post(&format!("/api/v1/cases/{case}/entries"))
                .token(&worker)
                .purpose(PURPOSE)
                .json(&json!({ "kind": "task", "text": "Telepon pelapor" }))
                .build(),
        )
        .await;
    let entry = entry.json()["id"].as_i64().unwrap();
    PublicSeed { receipt, lapor_diri, report, photo, case, entry }
}

fn solve(challenge: &str, bits: u32) -> String {
    for nonce in 0u64.. {
        let proof = format!("{challenge}:{nonce}");
        let digest = Sha256::digest(proof.as_bytes());
        let mut zeros = 0;
        for byte in digest.iter() {
            if *byte == 0 {
                zeros += 8;
            } else {
                zeros += byte.leading_zeros();
                break;
            }
        }
        if zeros >= bits {
            return proof;
        }
    }
    unreachable!()
}

async fn challenge(app: &TestApp, purpose: &str) -> (String, u32) {
    let got = app.send(Req::get(&format!("/api/v1/public/challenge?purpose={purpose}")).build()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    let body = got.json();
    (body["challenge"].as_str().unwrap().to_owned(), body["bits"].as_u64().unwrap() as u32)
}

#[tokio::test]
async fn creating_needs_a_fresh_proof_of_work_but_a_retry_does_not() {
    let config = ServerConfig {
        public: PublicConfig { pow_bits: 8, sos_pow_bits: 4, ..PublicConfig::default() },
        ..ServerConfig::default()
    };
    let app = TestApp::with_config(config);
    let body = report_body();
    let missing = app.send(public_post("/api/v1/public/reports", "key-aaaaaaaaaaaaaaaa", &body).build()).await;
    missing.check_error(StatusCode::FORBIDDEN, "proof_of_work");
    let (challenge_text, bits) = challenge(&app, "report").await;
    assert_eq!(bits, 8);
    let wrong = format!("{challenge_text}:x");
    app.send(
        public_post("/api/v1/public/reports", "key-aaaaaaaaaaaaaaaa", &body).header("x-proof-of-work", &wrong).build(),
    )
    .await
    .check_error(StatusCode::FORBIDDEN, "proof_of_work");
    let forged = solve(&challenge_text.replace(".report.", ".sos."), 8);
    app.send(
        public_post("/api/v1/public/reports", "key-aaaaaaaaaaaaaaaa", &body).header("x-proof-of-work", &forged).build(),
    )
    .await
    .check_error(StatusCode::FORBIDDEN, "proof_of_work");
    let proof = solve(&challenge_text, bits);
    let first = app
        .send(
            public_post("/api/v1/public/reports", "key-aaaaaaaaaaaaaaaa", &body)
                .header("x-proof-of-work", &proof)
                .build(),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    // The same key and body again, without any proof: the first answer, nothing stored twice.
    let retry = app.send(public_post("/api/v1/public/reports", "key-aaaaaaaaaaaaaaaa", &body).build()).await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.json()["receipt"], first.json()["receipt"]);
    assert_eq!(retry.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    // The used challenge cannot make a second report.
    app.send(
        public_post("/api/v1/public/reports", "key-bbbbbbbbbbbbbbbb", &body).header("x-proof-of-work", &proof).build(),
    )
    .await
    .check_error(StatusCode::FORBIDDEN, "proof_of_work");
    // A replayed key with another body is refused, in both languages.
    let mut other = body.clone();
    other["what"] = json!("Sesuatu yang lain sama sekali, bukan laporan yang tadi");
    app.send(public_post("/api/v1/public/reports", "key-aaaaaaaaaaaaaaaa", &other).build())
        .await
        .check_error(StatusCode::CONFLICT, "idempotency_conflict");
    let (sos_challenge, sos_bits) = challenge(&app, "sos").await;
    assert!(sos_bits < bits, "an SOS costs less");
    let sos = app
        .send(
            public_post(
                "/api/v1/public/sos",
                "key-cccccccccccccccc",
                &json!({ "form_version": 1, "message": "tolong" }),
            )
            .header("x-proof-of-work", &solve(&sos_challenge, sos_bits))
            .build(),
        )
        .await;
    assert_eq!(sos.status, StatusCode::CREATED, "{}", sos.text());
    assert!(sos.json()["receipt"].as_str().unwrap().starts_with("SOS-"));
}

#[tokio::test]
async fn bad_public_input_gets_a_clear_answer_in_both_languages() {
    let app = TestApp::with_config(no_work());
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "form_version": 1, "what": "<script>alert(1)</script> kerja di luar negeri" }), "what"),
        (json!({ "form_version": 1, "what": "pendek" }), "what"),
        (json!({ "form_version": 1, "what": "laporan panjang yang sah", "region_code": "31.71.01" }), "region_code"),
        (json!({ "form_version": 1, "what": "laporan panjang yang sah", "destination": "M1" }), "destination"),
        (
            json!({ "form_version": 1, "what": "laporan panjang yang sah", "anonymous": true, "contact": { "phone": "0812" } }),
            "contact",
        ),
        (json!({ "form_version": 1, "what": "laporan panjang yang sah", "anonymous": false }), "contact"),
        (
            json!({ "form_version": 1, "what": "laporan panjang yang sah", "location": { "lat": 200, "lon": 0 } }),
            "location",
        ),
        (json!({ "form_version": 1, "what": "laporan panjang yang sah", "happened_on": "2999-01-01" }), "happened_on"),
        (json!({ "form_version": "satu", "what": "laporan" }), "form_version"),
    ];
    for (n, (body, field)) in cases.into_iter().enumerate() {
        let resp =
            app.send(public_post("/api/v1/public/reports", &format!("bad-input-key-{n:04}"), &body).build()).await;
        resp.check_error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(resp.json()["message_en"].as_str().unwrap().contains(field), "{field}: {}", resp.text());
    }
    let stale = app
        .send(
            public_post("/api/v1/public/reports", "stale-form-key-00001", &json!({ "form_version": 0, "what": "x" }))
                .build(),
        )
        .await;
    stale.check_error(StatusCode::UNPROCESSABLE_ENTITY, "form_version_stale");
    let no_key = app.send(Req::post("/api/v1/public/reports").json(&report_body()).build()).await;
    no_key.check_error(StatusCode::BAD_REQUEST, "bad_request");
    let huge = json!({ "form_version": 1, "what": "a ".repeat(40_000) });
    let too_big = app.send(public_post("/api/v1/public/reports", "huge-body-key-000001", &huge).build()).await;
    too_big.check_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let seeded = seed(&app).await;
    // An oversized photo is refused before it is read to the end.
    let mut huge_jpeg = jpeg_with_exif("x");
    huge_jpeg.resize(6 * 1024 * 1024, 0);
    app.send(
        Req::post(&format!("/api/v1/public/reports/{}/photos", seeded.receipt))
            .header("idempotency-key", "huge-photo-key-0001")
            .raw("image/jpeg", huge_jpeg)
            .build(),
    )
    .await
    .check_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    // Fake and mislabelled images, and an unknown type.
    for (n, (content_type, bytes, code)) in [
        ("image/jpeg", b"\xFF\xD8\xFFnot really a jpeg".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("image/png", b"GIF89a....".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("image/jpeg", PNG.to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("application/pdf", b"%PDF-1.4".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ]
    .into_iter()
    .enumerate()
    {
        let resp = app
            .send(
                Req::post(&format!("/api/v1/public/reports/{}/photos", seeded.receipt))
                    .header("idempotency-key", &format!("fake-image-key-{n:04}"))
                    .raw(content_type, bytes)
                    .build(),
            )
            .await;
        resp.check_error(code, "unsupported_media");
    }
    // A wrong receipt or a wrong date of birth: the same answer, no data.
    let wrong_receipt = app
        .send(
            Req::post("/api/v1/public/lapor-diri/lookup")
                .json(&json!({ "receipt": "LD-0000-0000-0000", "date_of_birth": "1994-08-12" }))
                .build(),
        )
        .await;
    wrong_receipt.check_error(StatusCode::NOT_FOUND, "not_found");
    let wrong_dob = app
        .send(
            Req::post("/api/v1/public/lapor-diri/lookup")
                .json(&json!({ "receipt": seeded.lapor_diri, "date_of_birth": "1994-08-13" }))
                .build(),
        )
        .await;
    wrong_dob.check_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(wrong_dob.json(), wrong_receipt.json());
    app.send(Req::get("/api/v1/public/reports/LP-0000-0000-0000").build())
        .await
        .check_error(StatusCode::NOT_FOUND, "not_found");
    app.send(Req::get("/api/v1/public/reports/not-a-receipt").build())
        .await
        .check_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn photos_lose_their_location_unless_kept() {
    let app = TestApp::with_config(no_work());
    let seeded = seed(&app).await;
    let upload = |key: &'static str, keep: bool| {
        let request = Req::post(&format!("/api/v1/public/reports/{}/photos", seeded.receipt))
            .header("idempotency-key", key)
            .header("x-keep-location", if keep { "true" } else { "false" })
            .raw("image/jpeg", [jpeg_with_exif("GPS-SECRET-PLACE"), jpeg_with_exif("GPS-SECOND-IMAGE")].concat());
        request.build()
    };
    let stripped = app.send(upload("photo-strip-key-0001", false)).await;
    assert_eq!(stripped.status, StatusCode::CREATED, "{}", stripped.text());
    assert_eq!(stripped.json()["photos"], 2);
    let kept = app.send(upload("photo-keep-key-00001", true)).await;
    assert_eq!(kept.json()["photos"], 3);
    let worker = app.login(Role::CaseWorker).await;
    let detail = app
        .send(Req::get(&format!("/api/v1/cases/reports/{}", seeded.report)).token(&worker).purpose(PURPOSE).build())
        .await
        .json();
    let ids: Vec<i64> =
        detail["report"]["photos"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    let fetch = |id: i64| {
        Req::get(&format!("/api/v1/cases/reports/{}/photos/{id}", seeded.report))
            .token(&worker)
            .purpose(PURPOSE)
            .build()
    };
    let first = app.send(fetch(ids[1])).await;
    assert_eq!(first.headers.get("content-type").unwrap(), "image/jpeg");
    assert!(!crate::common::contains_bytes(&first.body, b"GPS-SECRET-PLACE"), "EXIF was kept");
    assert!(
        !crate::common::contains_bytes(&first.body, b"GPS-SECOND-IMAGE"),
        "the second image after the main one (Multi-Picture, Ultra HDR) was kept, with its EXIF"
    );
    assert!(first.body.starts_with(&[0xFF, 0xD8]) && first.body.ends_with(&[0xFF, 0xD9]));
    let second = app.send(fetch(ids[2])).await;
    assert!(crate::common::contains_bytes(&second.body, b"GPS-SECRET-PLACE"), "the sender chose to keep it");
    assert!(crate::common::contains_bytes(&second.body, b"GPS-SECOND-IMAGE"));
}

#[tokio::test]
async fn lapor_diri_is_updated_checked_in_looked_up_and_closed() {
    let app = TestApp::with_config(no_work());
    let seeded = seed(&app).await;
    let path = format!("/api/v1/public/lapor-diri/{}", seeded.lapor_diri);
    let lookup = || {
        Req::post("/api/v1/public/lapor-diri/lookup")
            .json(&json!({ "receipt": seeded.lapor_diri.to_lowercase(), "date_of_birth": "1994-08-12" }))
            .build()
    };
    // The state of a lapor diri needs the date of birth; the bare code shows nothing.
    app.send(Req::get(&format!("/api/v1/public/reports/{}", seeded.lapor_diri)).build())
        .await
        .check_error(StatusCode::NOT_FOUND, "not_found");
    app.send(
        public_post(
            &format!("/api/v1/public/reports/{}/additions", seeded.lapor_diri),
            "ld-addition-key-0001",
            &json!({ "text": "ada info baru untuk petugas" }),
        )
        .build(),
    )
    .await
    .check_error(StatusCode::NOT_FOUND, "not_found");
    let found = app.send(lookup()).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    let answer = found.json();
    assert_eq!((answer["status"].as_str(), answer["checked_in_recently"].as_bool()), (Some("active"), Some(true)));
    assert_eq!(answer["destination"], "MYS");
    assert!(answer.get("full_name").is_none() && !found.text().contains("Siti"), "no personal data: {}", found.text());
    let mut changed = lapor_diri_body();
    changed["address_abroad"] = json!("Jalan Baru 1, Johor Bahru");
    let update = app
        .send(Req::new(Method::PUT, &path).header("idempotency-key", "ld-update-key-00001").json(&changed).build())
        .await;
    assert_eq!(update.status, StatusCode::CREATED, "{}", update.text());
    let mut wrong = changed.clone();
    wrong["date_of_birth"] = json!("1990-01-01");
    app.send(Req::new(Method::PUT, &path).header("idempotency-key", "ld-update-key-00002").json(&wrong).build())
        .await
        .check_error(StatusCode::NOT_FOUND, "not_found");
    let check_in = app
        .send(
            public_post(
                &format!("{path}/check-in"),
                "ld-checkin-key-00001",
                &json!({ "date_of_birth": "1994-08-12", "message": "sehat" }),
            )
            .build(),
        )
        .await;
    assert_eq!(check_in.status, StatusCode::CREATED, "{}", check_in.text());
    let close = app
        .send(
            public_post(
                &format!("{path}/close"),
                "ld-close-key-000001",
                &json!({ "date_of_birth": "1994-08-12", "returned_on": "2027-01-10" }),
            )
            .build(),
        )
        .await;
    assert_eq!(close.json()["status"], "closed");
    assert_eq!(app.send(lookup()).await.json()["status"], "closed");
    let late = app
        .send(
            public_post(&format!("{path}/check-in"), "ld-checkin-key-00002", &json!({ "date_of_birth": "1994-08-12" }))
                .build(),
        )
        .await;
    late.check_error(StatusCode::CONFLICT, "refused");
    // The case worker sees the update and the check-in.
    let worker = app.login(Role::CaseWorker).await;
    let queue = app
        .send(Req::get("/api/v1/cases/queue?kind=lapor_diri&all=true").token(&worker).purpose(PURPOSE).build())
        .await
        .json();
    assert_eq!(queue[0]["content"]["address_abroad"], "Jalan Baru 1, Johor Bahru");
    assert_eq!(queue[0]["content"]["returned_on"], "2027-01-10");
    assert_eq!(queue[0]["content"]["emergency_contact"]["phone"], "+6281299990000");
    // An analyst sees the registration without what reaches or identifies the traveller.
    let analyst = app.login(Role::Analyst).await;
    let seen = app
        .send(Req::get("/api/v1/cases/queue?kind=lapor_diri&all=true").token(&analyst).purpose(PURPOSE).build())
        .await;
    let text = seen.text();
    for secret in ["081299990000", "+6281299990000", "C1234567", seeded.lapor_diri.as_str()] {
        assert!(!text.contains(secret), "{secret} shown to an analyst: {text}");
    }
    // Staff do not open or close a traveller's registration.
    let id = queue[0]["id"].as_i64().unwrap();
    app.send(
        Req::post(&format!("/api/v1/cases/reports/{id}/status"))
            .token(&worker)
            .purpose(PURPOSE)
            .json(&json!({ "status": "closed" }))
            .build(),
    )
    .await
    .check_error(StatusCode::CONFLICT, "conflict");
    app.send(
        Req::post("/api/v1/cases")
            .token(&worker)
            .purpose(PURPOSE)
            .json(&json!({ "title": "x", "reports": [id] }))
            .build(),
    )
    .await
    .check_error(StatusCode::CONFLICT, "conflict");
}

#[tokio::test]
async fn failed_receipt_checks_are_limited_per_address() {
    let config = ServerConfig {
        public: PublicConfig { failed_checks_per_address_hour: 3, ..no_work().public },
        ..ServerConfig::default()
    };
    let app = TestApp::with_config(config).with_client_address("10.1.2.3:5000".parse().unwrap());
    let guess = |n: u32| {
        Req::post("/api/v1/public/lapor-diri/lookup")
            .json(&json!({ "receipt": format!("LD-0000-0000-{n:04}"), "date_of_birth": "1990-01-01" }))
            .build()
    };
    for n in 0..3 {
        app.send(guess(n)).await.check_error(StatusCode::NOT_FOUND, "not_found");
    }
    let limited = app.send(guess(9)).await;
    limited.check_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(limited.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn creations_are_limited_per_address_and_per_device() {
    let config =
        ServerConfig { public: PublicConfig { creations_per_hour: 2, ..no_work().public }, ..ServerConfig::default() };
    let app = TestApp::with_config(config).with_client_address("10.9.9.9:5000".parse().unwrap());
    let send = |n: u32, device: &str| {
        let mut body = report_body();
        body["what"] = json!(format!("Laporan nomor {n} tentang perekrut yang mencurigakan"));
        public_post("/api/v1/public/reports", &format!("limit-key-{n:08}"), &body)
            .header("x-device-key", device)
            .build()
    };
    assert_eq!(app.send(send(1, "device-aaaaaaaaaaaaaaaaaaaa")).await.status, StatusCode::CREATED);
    assert_eq!(app.send(send(2, "device-bbbbbbbbbbbbbbbbbbbb")).await.status, StatusCode::CREATED);
    app.send(send(3, "device-cccccccccccccccccccc")).await.check_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // An SOS from the same address still goes through: it has its own, higher, cap.
    let sos = app
        .send(
            public_post(
                "/api/v1/public/sos",
                "limit-sos-key-0000001",
                &json!({ "form_version": 1, "message": "tolong" }),
            )
            .header("x-device-key", "device-dddddddddddddddddddd")
            .build(),
        )
        .await;
    assert_eq!(sos.status, StatusCode::CREATED, "{}", sos.text());
}

async fn case_worker_sees(app: &TestApp, token: &str, report: i64) -> Value {
    app.send(Req::get(&format!("/api/v1/cases/reports/{report}")).token(token).purpose(PURPOSE).build()).await.json()
}

#[tokio::test]
async fn a_report_naming_a_known_phone_rises_and_a_confirmed_link_reaches_the_counter() {
    let app = TestApp::with_config(no_work());
    data::seed(&app).await;
    // Siti's application gave 0812-7777-0001 as contact phone? Use Siti's own phone from the fixtures.
    let officer = app.login(Role::Officer).await;
    let siti = app
        .send(Req::get(&format!("/api/v1/persons/by-nik/{}", data::NIK_SITI)).token(&officer).purpose(PURPOSE).build())
        .await
        .json();
    let phone = siti["phones"][0].as_str().expect("the fixture person has a phone").to_owned();
    let mut plain = report_body();
    plain["recruiter"] = json!({ "name": "Tidak Dikenal", "phone": "0813-1111-2222" });
    let mut known = report_body();
    known["what"] = json!("Perekrut yang sama datang lagi ke desa kami minggu ini");
    known["recruiter"] = json!({ "phone": phone });
    let mut child = report_body();
    child["what"] = json!("Anak umur 15 tahun dibawa ke Batam untuk dipekerjakan");
    child["minor_involved"] = json!(true);
    child["recruiter"] = json!({});
    for (key, body) in
        [("order-key-plain-0001", &plain), ("order-key-known-0001", &known), ("order-key-child-0001", &child)]
    {
        assert_eq!(
            app.send(public_post("/api/v1/public/reports", key, body).build()).await.status,
            StatusCode::CREATED
        );
    }
    let sos = app
        .send(
            public_post(
                "/api/v1/public/sos",
                "order-key-sos-00001",
                &json!({ "form_version": 1, "message": "tolong" }),
            )
            .build(),
        )
        .await;
    assert_eq!(sos.status, StatusCode::CREATED);
    let worker = app.login(Role::CaseWorker).await;
    let queue = app.send(Req::get("/api/v1/cases/queue").token(&worker).purpose(PURPOSE).build()).await.json();
    let kinds: Vec<(String, Value)> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap().to_owned(), i["content"]["what"].clone()))
        .collect();
    assert_eq!(kinds[0].0, "sos", "{kinds:?}");
    assert_eq!(kinds[1].1, child["what"], "children next: {kinds:?}");
    assert_eq!(kinds[2].1, known["what"], "then a known phone: {kinds:?}");
    let known_id = queue[2]["id"].as_i64().unwrap();
    let view = case_worker_sees(&app, &worker, known_id).await;
    let candidates = view["candidates"].as_array().unwrap();
    let siti_candidate = candidates.iter().find(|c| c["nik"] == data::NIK_SITI).expect("Siti is a candidate");
    assert_eq!(siti_candidate["basis"], "phone_owner");
    // An analyst may read reports but not who sent them; an officer may not read reports at all.
    let analyst = app.login(Role::Analyst).await;
    app.send(Req::get(&format!("/api/v1/cases/reports/{known_id}")).token(&officer).purpose(PURPOSE).build())
        .await
        .check_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        app.send(Req::get(&format!("/api/v1/cases/reports/{known_id}")).token(&analyst).purpose(PURPOSE).build())
            .await
            .status,
        StatusCode::OK
    );
    // Confirm Siti as a possible victim: the counter check shows it, with the role.
    let confirm = app
        .send(
            Req::post(&format!("/api/v1/cases/reports/{known_id}/links"))
                .token(&worker)
                .purpose(PURPOSE)
                .json(&json!({ "nik": data::NIK_SITI, "decision": "confirm", "role": "possible_victim", "basis": "phone_owner" }))
                .build(),
        )
        .await;
    assert_eq!(confirm.status, StatusCode::NO_CONTENT, "{}", confirm.text());
    let check = app
        .send(
            Req::post("/api/v1/checks")
                .token(&officer)
                .purpose(PURPOSE)
                .json(&json!({ "nik": data::NIK_SITI }))
                .build(),
        )
        .await
        .json();
    let links = check["report_links"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{check}");
    assert_eq!(links[0]["role"], "possible_victim");
    assert_eq!(links[0]["submission_id"], known_id);
    assert_ne!(check["recommendation"], "proceed");
    // Rejecting it takes it off the counter at once.
    let reject = app
        .send(
            Req::post(&format!("/api/v1/cases/reports/{known_id}/links"))
                .token(&worker)
                .purpose(PURPOSE)
                .json(&json!({ "nik": data::NIK_SITI, "decision": "reject" }))
                .build(),
        )
        .await;
    assert_eq!(reject.status, StatusCode::NO_CONTENT);
    let check = app
        .send(
            Req::post("/api/v1/checks")
                .token(&officer)
                .purpose(PURPOSE)
                .json(&json!({ "nik": data::NIK_SITI }))
                .build(),
        )
        .await
        .json();
    assert!(check["report_links"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_case_keeps_victim_and_suspect_apart_and_records_its_outcome() {
    let app = TestApp::with_config(no_work());
    data::seed(&app).await;
    let seeded = seed(&app).await;
    let worker = app.login(Role::CaseWorker).await;
    let post = |path: String, body: Value| Req::post(&path).token(&worker).purpose(PURPOSE).json(&body).build();
    let case = seeded.case;
    let victim = app
        .send(post(
            format!("/api/v1/cases/{case}/parties"),
            json!({ "role": "possible_victim", "nik": data::NIK_SITI, "name": "Siti" }),
        ))
        .await;
    assert_eq!(victim.status, StatusCode::CREATED, "{}", victim.text());
    let suspect = app
        .send(post(
            format!("/api/v1/cases/{case}/parties"),
            json!({ "role": "suspect", "nik": data::NIK_SITI, "name": "Siti" }),
        ))
        .await;
    suspect.check_error(StatusCode::CONFLICT, "conflict");
    // Nor through a link decision on the case's report.
    app.send(post(
        format!("/api/v1/cases/reports/{}/links", seeded.report),
        json!({ "nik": data::NIK_SITI, "decision": "confirm", "role": "suspect", "basis": "phone_owner" }),
    ))
    .await
    .check_error(StatusCode::CONFLICT, "conflict");
    // A case worker names travellers only among the reports' candidates: any other NIK is refused
    // the same way whether or not it is on record.
    for nik in [data::NIK_BUDI, "1709015001990009"] {
        app.send(post(format!("/api/v1/cases/{case}/parties"), json!({ "role": "witness", "nik": nik, "name": "x" })))
            .await
            .check_error(StatusCode::CONFLICT, "not_a_candidate");
    }
    let referral = app
        .send(post(
            format!("/api/v1/cases/{case}/entries"),
            json!({ "kind": "referral", "text": "Ke Polda Bengkulu", "target": "police" }),
        ))
        .await;
    assert_eq!(referral.status, StatusCode::CREATED);
    let referral = referral.json()["id"].as_i64().unwrap();
    assert_eq!(
        app.send(post(format!("/api/v1/cases/{case}/entries/{referral}/status"), json!({ "status": "accepted" })))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.send(post(
        format!("/api/v1/cases/{case}/entries"),
        json!({ "kind": "referral", "text": "x", "target": "mars" }),
    ))
    .await
    .check_error(StatusCode::CONFLICT, "conflict");
    app.send(post(format!("/api/v1/cases/{case}/close"), json!({ "outcome": "menang" })))
        .await
        .check_error(StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(
        app.send(post(
            format!("/api/v1/cases/{case}/close"),
            json!({ "outcome": "referred_to_police", "note": "diserahkan" })
        ))
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let view =
        app.send(Req::get(&format!("/api/v1/cases/{case}")).token(&worker).purpose(PURPOSE).build()).await.json();
    assert_eq!(view["case"]["outcome"], "referred_to_police");
    assert_eq!(view["parties"].as_array().unwrap().len(), 1);
    let timeline: Vec<&str> = view["entries"].as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert!(timeline.contains(&"opened") && timeline.iter().any(|t| t.starts_with("closed")), "{timeline:?}");
    let status = app.send(Req::get(&format!("/api/v1/public/reports/{}", seeded.receipt)).build()).await.json();
    assert_eq!(status["status"], "closed");
    assert!(status["status_text"]["id"].as_str().unwrap().contains("Selesai"));
    // The public status says nothing about the case or the people in it.
    let text = status.to_string();
    assert!(!text.contains("Siti") && !text.contains("KS-"), "{text}");
}

#[tokio::test]
async fn the_app_shell_is_served_with_a_strict_policy() {
    let app = TestApp::new();
    for path in
        ["/lapor/", "/lapor/app.js", "/lapor/sw.js", "/lapor/manifest.webmanifest", "/lapor/pow.js", "/lapor/app.css"]
    {
        let got: Resp = app.send(Req::get(path).build()).await;
        assert_eq!(got.status, StatusCode::OK, "{path}");
        let csp = got.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
    }
    assert_eq!(app.send(Req::get("/lapor/../Cargo.toml").build()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.send(Req::get("/lapor/secret.txt").build()).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_start_page_is_one_request_allowed_by_hashes_and_compressed() {
    use base64::Engine;
    let app = TestApp::new();
    let plain = app.send(Req::get("/lapor/").build()).await;
    let html = plain.text();
    let csp = plain.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let inline = |open: &str, close: &str| {
        let start = html.find(open).unwrap_or_else(|| panic!("{open} is inline")) + open.len();
        let end = start + html[start..].find(close).unwrap();
        html[start..end].to_owned()
    };
    for (open, close, directive) in [("<script>", "</script>", "script-src"), ("<style>", "</style>", "style-src")] {
        let content = inline(open, close);
        assert!(content.len() > 1000, "{open} holds the app");
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(content.as_bytes()));
        let allowed = csp.split(';').find(|d| d.trim().starts_with(directive)).unwrap_or("");
        assert!(allowed.contains(&format!("'sha256-{hash}'")), "{directive} allows the inline {open}: {allowed}");
    }
    assert!(!html.contains("src=\"/lapor/app.js\""), "no second request for the script");
    let compressed = app.send(Req::get("/lapor/").header("accept-encoding", "gzip, deflate, br").build()).await;
    assert_eq!(compressed.headers.get("content-encoding").and_then(|v| v.to_str().ok()), Some("deflate"));
    assert!(compressed.body.len() * 2 < plain.body.len(), "{} vs {}", compressed.body.len(), plain.body.len());
    let inflated = miniz_oxide::inflate::decompress_to_vec_zlib(&compressed.body).expect("zlib deflate");
    assert_eq!(inflated, plain.body);
}
