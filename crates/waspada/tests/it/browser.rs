//! The officer's web app in a real browser: Debian's Chromium, headless, driven through
//! chromedriver (WebDriver). A server started here on loopback serves a small synthetic world.
//! Screenshots of the key pages go to `target/e2e/`.
//!
//! Without chromedriver the test is skipped with a notice; under `CI=true` that is a failure.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::{Guard, arg, check, command, free_port, waspada};

const PASSWORD: &str = "browser-test-password-1";

fn wait_for_port(addr: SocketAddr, what: &str) {
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(90), "{what} did not start on {addr}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn chromedriver() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("WASPADA_CHROMEDRIVER") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].iter().map(PathBuf::from).find(|p| p.is_file())
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
        .collect()
}

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

async fn screenshot(client: &Client, name: &str) {
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(shots().join(format!("{name}.png")), png);
    }
}

async fn text(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits (after a click that navigates) until the element holds the text.
async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    let started = Instant::now();
    loop {
        let found = text(client, css).await;
        if found.contains(needle) {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{css} never held {needle:?}; page: {}",
            client.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

thread_local! {
    /// The supervisor's second-factor secret, once created.
    static TOTP_SECRET: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

async fn sign_in(client: &Client, base: &str, user: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    client.find(Locator::Id("username")).await.unwrap().send_keys(user).await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    if user == "kasi" {
        let secret = TOTP_SECRET.with(|cell| cell.borrow().clone()).expect("the supervisor's secret");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let code = waspada_server::totp::code_at(&secret, now);
        client.find(Locator::Id("totp")).await.unwrap().send_keys(&code).await.unwrap();
    }
    client.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    let started = Instant::now();
    loop {
        let url = client.current_url().await.unwrap();
        if url.path().ends_with("/check") && client.find(Locator::Id("q")).await.is_ok() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{user} signed in and landed on {url}: {}",
            client.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_out(client: &Client) {
    client.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    let started = Instant::now();
    while !client.current_url().await.unwrap().path().ends_with("/login") {
        assert!(started.elapsed() < Duration::from_secs(20), "signed out");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Scans an MRZ the way a keyboard-wedge scanner does: line, Enter, line, Enter.
async fn scan(client: &Client, reference: &str, line1: &str, line2: &str) {
    let reference_box = client.find(Locator::Id("application_reference")).await.unwrap();
    reference_box.clear().await.unwrap();
    reference_box.send_keys(reference).await.unwrap();
    let q = client.find(Locator::Id("q")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys(&format!("{line1}\u{E007}{line2}\u{E007}")).await.unwrap();
    // The page reloads with the result.
    let started = Instant::now();
    while client.find(Locator::Id("recommendation")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "no result after the scan");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_scans_reads_the_indicators_and_decides_and_a_supervisor_finds_it_in_the_audit() {
    let Some(driver) = chromedriver() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but chromedriver is missing (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipping the browser test: chromedriver not found (apt-get install chromium chromium-driver)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let data = dir.path().join("data");
    check(&waspada(&["generate", "--seed", "5", "--persons", "3000", "--out", arg(&world)], b""), 0, &[]);
    check(&waspada(&["import", "--data", arg(&data), arg(&world)], b""), 0, &["0 rejected"]);
    let mut kasi_secret = None;
    for (user, role) in [("petugas", "officer"), ("analis", "analyst"), ("kasi", "supervisor")] {
        let stdin = format!("{PASSWORD}\n");
        let created = waspada(
            &["admin", "create-user", "--data", arg(&data), "--username", user, "--role", role],
            stdin.as_bytes(),
        );
        check(&created, 0, &[]);
        // A supervisor gets a second factor at once; the test is its authenticator app.
        if role == "supervisor" {
            let line = created.stdout.lines().find_map(|l| l.trim().strip_prefix("secret: ")).expect("a TOTP secret");
            kasi_secret = waspada_server::totp::secret_from_base32(line);
            assert!(created.stdout.contains("otpauth://totp/Waspada:kasi?"), "{}", created.stdout);
        }
    }
    TOTP_SECRET.with(|cell| *cell.borrow_mut() = kasi_secret);
    // A recruit of a planted network, their passport's zone and their application.
    let labels = rows(&world.join("truth/labels.csv"));
    let passports: Vec<&String> =
        labels.iter().filter(|l| l["role"] == "recruit_passport").map(|l| &l["record_key"]).collect();
    let zones: HashMap<String, (String, String)> = rows(&world.join("truth/mrz.csv"))
        .into_iter()
        .map(|z| (z["document_number"].clone(), (z["line1"].clone(), z["line2"].clone())))
        .collect();
    let holders: HashMap<String, String> = rows(&world.join("documents.csv"))
        .into_iter()
        .map(|d| (d["number"].clone(), d["holder_nik"].clone()))
        .collect();
    let applications = rows(&world.join("applications.csv"));
    let (number, earlier) = passports
        .iter()
        .find_map(|number| {
            let nik = holders.get(*number)?;
            let app = applications.iter().find(|a| &a["applicant_nik"] == nik && a["decision"] == "issued")?;
            zones.contains_key(*number).then(|| ((*number).clone(), app.clone()))
        })
        .expect("a planted recruit with a passport and an application");
    let (line1, line2) = zones[&number].clone();
    // The recruit applies again, through the same contact phone: the application at the counter,
    // not yet decided (the synthetic ones all carry their historic decisions).
    let reference = "BKL-2026-E2E".to_owned();
    let pending = dir.path().join("pending");
    std::fs::create_dir_all(&pending).unwrap();
    std::fs::write(
        pending.join("applications.csv"),
        format!(
            "reference,office,applied_on,applicant_nik,purpose,destination,contact_phone,interview_notes\n{reference},Kanim Bengkulu,{},{},tourism,{},{},tidak dapat menyebutkan alamat tujuan\n",
            earlier["applied_on"], earlier["applicant_nik"], earlier["destination"], earlier["contact_phone"]
        ),
    )
    .unwrap();
    check(&waspada(&["import", "--data", arg(&data), arg(&pending)], b""), 0, &["0 rejected"]);
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let _server = Guard(
        command(&["serve", "--data", arg(&data), "--addr", &addr.to_string()])
            .env("WASPADA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start waspada serve"),
    );
    wait_for_port(addr, "waspada serve");
    let driver_port = free_port();
    let _driver = Guard(
        Command::new(&driver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    wait_for_port(SocketAddr::from(([127, 0, 0, 1], driver_port)), "chromedriver");
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a chromium session");
    let base = format!("http://{addr}");

    // The officer scans, reads the advice and the indicators, and delays the application.
    sign_in(&client, &base, "petugas").await;
    screenshot(&client, "01-check-empty").await;
    scan(&client, &reference, &line1, &line2).await;
    let banner = text(&client, "#recommendation").await;
    assert!(banner.contains("WAWANCARA LANJUTAN") || banner.contains("TINJAUAN ATASAN"), "{banner}");
    let indicators = text(&client, "#indicators").await;
    assert!(indicators.contains("Nomor kontak yang sama"), "{indicators}");
    assert!(indicators.contains("Dasar hukum"), "{indicators}");
    assert!(text(&client, "#identity").await.contains(&holders[&number]));
    assert!(!text(&client, "#questions").await.is_empty(), "the guided interview lists questions");
    screenshot(&client, "02-check-result").await;
    client.find(Locator::Css("input[name=outcome][value=delayed]")).await.unwrap().click().await.unwrap();
    client
        .find(Locator::Id("reason"))
        .await
        .unwrap()
        .send_keys("diduga akan bekerja secara non-prosedural")
        .await
        .unwrap();
    // What the form will send, to send it a second time afterwards (a double click, a resend).
    let sent = client
        .execute("return new URLSearchParams(new FormData(document.getElementById('decision'))).toString();", vec![])
        .await
        .unwrap();
    client.find(Locator::Css("#decision button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_text(&client, "#decision-recorded", "Keputusan dicatat").await;
    screenshot(&client, "03-decision-recorded").await;
    let again = client
        .execute(
            "return fetch('/decide', {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body: arguments[0]}).then(async r => [r.status, await r.text()]);",
            vec![sent],
        )
        .await
        .unwrap();
    assert_eq!(again[0], serde_json::json!(409), "a second submit records nothing");
    assert!(again[1].as_str().unwrap_or("").contains("sudah dicatat"), "{again}");
    // The dashboard counts today's check and decision.
    client.goto(&format!("{base}/")).await.unwrap();
    let decided = wait_text(&client, "#stat-decisions", "1").await;
    assert!(decided.contains("Tunda 1"), "{decided}");
    screenshot(&client, "00-dashboard").await;
    sign_out(&client).await;

    // The supervisor finds the decision in the audit view and verifies the chain.
    sign_in(&client, &base, "kasi").await;
    client.goto(&format!("{base}/audit?actor=petugas")).await.unwrap();
    let table = text(&client, "#audit-table").await;
    assert!(table.contains("petugas") && table.contains("check.lookup"), "{table}");
    assert!(table.contains("decision.record"), "the decision is in the audit view: {table}");
    client.find(Locator::Id("verify")).await.unwrap().click().await.unwrap();
    wait_text(&client, "#verdict", "utuh").await;
    screenshot(&client, "04-audit").await;
    sign_out(&client).await;

    // An analyst may check but gets no decision form, and a forged post is refused.
    sign_in(&client, &base, "analis").await;
    // Analysts see pseudonyms; the counter check is about one identified traveller, so they
    // state the basis (an open case or an assignment letter), which the audit log keeps.
    let basis = client.find(Locator::Id("identity_basis")).await.unwrap();
    basis.send_keys("surat 7/WAS/XI/2026").await.unwrap();
    scan(&client, &reference, &line1, &line2).await;
    assert!(client.find(Locator::Id("decision")).await.is_err(), "no decision form for an analyst");
    let status = client
        .execute(
            "const f = new URLSearchParams({csrf: document.querySelector('input[name=csrf]').value, nonce: '0123456789abcdef0123456789abcdef', application_reference: arguments[0], outcome: 'issued'}); return fetch('/decide', {method: 'POST', body: f}).then(r => r.status);",
            vec![serde_json::Value::String(reference.clone())],
        )
        .await
        .unwrap();
    assert_eq!(status, serde_json::json!(403));
    screenshot(&client, "05-analyst-check").await;
    client.close().await.unwrap();
}
