//! The citizens' app in a real browser that pretends to be a cheap phone: headless Chromium at
//! 360×740 with touch, through chromedriver. A report and a lapor diri are made while the phone
//! is offline (network emulation off, and the server itself stopped), the page is restarted, the
//! network comes back, and each item must arrive exactly once. Then the receipt's status page,
//! and a case worker who triages the report into a case with a linked person.
//!
//! Screenshots go to `target/e2e/lapor-*.png`. Without chromedriver the test is skipped with a
//! notice; under `CI=true` that is a failure.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::{Guard, arg, check, command, free_port, waspada};

const PASSWORD: &str = "browser-test-password-1";
/// The recruiter's phone in the report; also the phone of a person in the records.
const RECRUITER_PHONE: &str = "0812-7300-4455";
const REPORT_TEXT: &str =
    "Pak Darman menawarkan kerja di kebun sawit Malaysia, gaji 9 juta, berangkat lewat Dumai minggu depan";

fn chromedriver() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("WASPADA_CHROMEDRIVER") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].iter().map(PathBuf::from).find(|p| p.is_file())
}

fn wait_for_port(addr: SocketAddr, what: &str) {
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(90), "{what} did not start on {addr}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

async fn screenshot(client: &Client, name: &str) {
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(shots().join(format!("lapor-{name}.png")), png);
    }
}

/// chromedriver's own endpoint for Chrome's network emulation (offline, or a slow profile).
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/chromium/network_conditions", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({
            "network_conditions": {
                "offline": self.offline,
                "latency": 0,
                "download_throughput": 1_000_000_000,
                "upload_throughput": 1_000_000_000,
            }
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn set_offline(client: &Client, offline: bool) {
    client.issue_cmd(NetworkConditions { offline }).await.expect("chromedriver network conditions");
}

/// Waits until a script returns true.
async fn wait_until(client: &Client, script: &str, what: &str, limit: Duration) {
    let started = Instant::now();
    loop {
        if client.execute(script, vec![]).await.ok().and_then(|v| v.as_bool()) == Some(true) {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{what}: gave up after {limit:?}; page: {}",
            client.source().await.unwrap_or_default().chars().take(3000).collect::<String>()
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn fill(client: &Client, id: &str, value: &str) {
    let element = client.find(Locator::Id(id)).await.unwrap_or_else(|_| panic!("#{id} exists"));
    element.clear().await.ok();
    element.send_keys(value).await.unwrap_or_else(|e| panic!("type into #{id}: {e}"));
}

/// Sets a date or select input through script (typing into date inputs depends on the locale).
async fn set_value(client: &Client, id: &str, value: &str) {
    client
        .execute(
            "const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return e.value;",
            vec![id.into(), value.into()],
        )
        .await
        .unwrap_or_else(|e| panic!("set #{id}: {e}"));
}

async fn tap(client: &Client, id: &str) {
    client.find(Locator::Id(id)).await.unwrap_or_else(|_| panic!("#{id} exists")).click().await.unwrap();
}

async fn outbox_count(client: &Client) -> String {
    client
        .execute("return document.getElementById('outbox-count').textContent.trim();", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn start_server(data: &Path, addr: SocketAddr) -> Guard {
    let guard = Guard(
        command(&["serve", "--data", arg(data), "--addr", &addr.to_string()])
            .env("WASPADA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start waspada serve"),
    );
    wait_for_port(addr, "waspada serve");
    guard
}

fn counts(data: &Path) -> Vec<(String, i64)> {
    let db = rusqlite::Connection::open(data.join("waspada.db")).unwrap();
    let mut statement = db.prepare("SELECT kind, COUNT(*) FROM submissions GROUP BY kind ORDER BY kind").unwrap();
    statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_offline_queues_a_report_and_a_lapor_diri_that_arrive_once_and_a_case_worker_triages_it() {
    let Some(driver) = chromedriver() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but chromedriver is missing (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipping the citizens' app browser test: chromedriver not found");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let records = dir.path().join("records");
    std::fs::create_dir_all(&records).unwrap();
    // A person whose phone the reporter will name as the recruiter's.
    std::fs::write(
        records.join("persons.csv"),
        "nik,full_name,aliases,date_of_birth,sex,region_code,phones,address\n\
         1709011204800003,Darman Saputra,,1980-04-12,M,1709012001,+6281273004455,\"Desa Pagar Dewa, Talang Empat\"\n",
    )
    .unwrap();
    check(&waspada(&["import", "--data", arg(&data), arg(&records)], b""), 0, &["0 rejected"]);
    let stdin = format!("{PASSWORD}\n");
    check(
        &waspada(
            &["admin", "create-user", "--data", arg(&data), "--username", "pendamping", "--role", "case_worker"],
            stdin.as_bytes(),
        ),
        0,
        &[],
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let server = start_server(&data, addr);
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
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            "mobileEmulation": {
                "deviceMetrics": {"width": 360, "height": 740, "pixelRatio": 2.0, "touch": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 11; Redmi 9A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
            }
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a chromium session");
    let base = format!("http://{addr}");
    let app = format!("{base}/lapor/");

    // First visit online: the service worker installs and caches the shell.
    client.goto(&app).await.unwrap();
    wait_until(&client, "return document.body.dataset.ready === '1';", "the app starts", Duration::from_secs(20)).await;
    wait_until(
        &client,
        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
        "the service worker controls the page",
        Duration::from_secs(20),
    )
    .await;
    let width = client.execute("return window.innerWidth;", vec![]).await.unwrap();
    assert_eq!(width.as_i64(), Some(360), "a phone-sized viewport");
    screenshot(&client, "01-home").await;

    // The phone goes offline, and the server is gone too.
    set_offline(&client, true).await;
    drop(server);
    wait_until(
        &client,
        "return document.getElementById('online-state').dataset.state === 'offline';",
        "the app notices it is offline",
        Duration::from_secs(10),
    )
    .await;

    // A report, made offline.
    tap(&client, "go-report").await;
    fill(&client, "report-what", REPORT_TEXT).await;
    fill(&client, "report-recruiter-name", "Darman").await;
    fill(&client, "report-recruiter-phone", RECRUITER_PHONE).await;
    set_value(&client, "report-destination", "MY").await;
    screenshot(&client, "02-report-form").await;
    tap(&client, "report-submit").await;
    wait_until(
        &client,
        "return document.getElementById('outbox-count').textContent.trim() === '1';",
        "the report is queued",
        Duration::from_secs(10),
    )
    .await;

    // A lapor diri, made offline.
    tap(&client, "go-lapor-diri").await;
    fill(&client, "ld-full-name", "Rina Marlina").await;
    set_value(&client, "ld-dob", "1998-02-03").await;
    fill(&client, "ld-passport", "C7654321").await;
    set_value(&client, "ld-destination", "MY").await;
    fill(&client, "ld-address", "Jalan Ampang 5, Kuala Lumpur").await;
    fill(&client, "ld-employer-name", "Restoran Selera").await;
    set_value(&client, "ld-purpose", "work").await;
    set_value(&client, "ld-departure", "2026-12-10").await;
    fill(&client, "ld-ec-name", "Sumarni").await;
    fill(&client, "ld-ec-phone", "081377776666").await;
    tap(&client, "ld-submit").await;
    wait_until(
        &client,
        "return document.getElementById('outbox-count').textContent.trim() === '2';",
        "the lapor diri is queued",
        Duration::from_secs(10),
    )
    .await;
    tap(&client, "go-outbox").await;
    screenshot(&client, "03-outbox-offline").await;

    // The page restarts while offline: the shell comes from the service worker, the queue from
    // IndexedDB.
    client.goto(&app).await.unwrap();
    wait_until(
        &client,
        "return document.body.dataset.ready === '1';",
        "the app restarts offline",
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(outbox_count(&client).await, "2", "both items survived the restart");
    assert!(counts(&data).is_empty(), "nothing reached the server while offline: {:?}", counts(&data));

    // The network comes back.
    let _server = start_server(&data, addr);
    set_offline(&client, false).await;
    wait_until(
        &client,
        "return document.getElementById('outbox-count').textContent.trim() === '0' && document.body.dataset.sending === '0';",
        "the queue empties once online",
        Duration::from_secs(60),
    )
    .await;
    screenshot(&client, "04-sent").await;
    // Restart once more: nothing is sent again.
    client.goto(&app).await.unwrap();
    wait_until(
        &client,
        "return document.body.dataset.ready === '1' && document.body.dataset.sending === '0';",
        "the app restarts online",
        Duration::from_secs(20),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        counts(&data),
        [("lapor_diri".to_owned(), 1), ("report".to_owned(), 1)],
        "each item arrived exactly once"
    );

    // The receipt's status page.
    tap(&client, "go-status").await;
    let receipt = client
        .execute(
            "const li = [...document.querySelectorAll('#receipts li[data-receipt]')].find(l => l.dataset.receipt.startsWith('LP-')); return li ? li.dataset.receipt : '';",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(receipt.starts_with("LP-"), "the phone keeps the report's receipt: {receipt:?}");
    fill(&client, "status-receipt", &receipt).await;
    tap(&client, "status-check").await;
    wait_until(
        &client,
        "return document.getElementById('status-result').textContent.includes('Diterima');",
        "the status page says received",
        Duration::from_secs(15),
    )
    .await;
    screenshot(&client, "05-status").await;
    // A wrong receipt gets a clear answer, and shows nobody's data.
    fill(&client, "status-receipt", "LP-0000-0000-0000").await;
    tap(&client, "status-check").await;
    wait_until(
        &client,
        "return document.getElementById('status-result').textContent.includes('tidak cocok') || document.getElementById('notice').textContent.includes('tidak cocok');",
        "a wrong receipt is answered in Indonesian",
        Duration::from_secs(15),
    )
    .await;

    // A case worker triages the report into a case with the recruiter linked as a suspect.
    client.goto(&format!("{base}/login")).await.unwrap();
    client.find(Locator::Id("username")).await.unwrap().send_keys("pendamping").await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    client.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(&client, "return !location.pathname.startsWith('/login');", "signed in", Duration::from_secs(20)).await;
    client.goto(&format!("{base}/triage")).await.unwrap();
    let row = client.find(Locator::Css("#queue tr[data-kind=report] a")).await.expect("the report is in the queue");
    assert!(row.text().await.unwrap().contains("Pak Darman"));
    screenshot(&client, "06-triage").await;
    row.click().await.unwrap();
    wait_until(&client, "return !!document.getElementById('candidates');", "the report page", Duration::from_secs(20))
        .await;
    let candidates = client.find(Locator::Id("candidates")).await.unwrap().text().await.unwrap();
    assert!(candidates.contains("Darman Saputra") && candidates.contains("phone_owner"), "{candidates}");
    fill(&client, "case-title", "Perekrut ke Malaysia lewat Dumai").await;
    tap(&client, "open-case").await;
    wait_until(&client, "return location.pathname.startsWith('/cases/');", "the case opens", Duration::from_secs(20))
        .await;
    let case_path = client.current_url().await.unwrap().path().to_owned();
    // Back on the report: confirm the candidate as suspect; it joins the case in that role.
    client.find(Locator::Css("a[href^='/reports/']")).await.unwrap().click().await.unwrap();
    wait_until(
        &client,
        "return !!document.querySelector('form.candidate');",
        "the candidate form",
        Duration::from_secs(20),
    )
    .await;
    client
        .execute("document.querySelector('form.candidate select[name=role]').value = 'suspect';", vec![])
        .await
        .unwrap();
    client.find(Locator::Css("form.candidate button[value=confirm]")).await.unwrap().click().await.unwrap();
    wait_until(
        &client,
        "return !!document.querySelector('#links li[data-state=confirmed]');",
        "the link is confirmed",
        Duration::from_secs(20),
    )
    .await;
    client.goto(&format!("{base}{case_path}")).await.unwrap();
    let parties = client.find(Locator::Id("parties")).await.unwrap();
    let suspect =
        parties.find(Locator::Css("li[data-role=suspect]")).await.expect("the recruiter is in the case as suspect");
    assert!(suspect.text().await.unwrap().contains("person:"));
    assert!(parties.find(Locator::Css("li[data-role=possible_victim]")).await.is_err(), "no one was made a victim");
    screenshot(&client, "07-case").await;
    client.close().await.ok();
}
