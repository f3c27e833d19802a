//! `waspada demo`: the first run generates, imports, creates one account per role and serves; a
//! later run on the same folder reuses all of it. The server is driven over plain HTTP/1.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::{arg, command};

/// How long the first run may take to generate, import and start listening (debug build).
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// Persons in the demo world: small, so the debug build is quick.
const PERSONS: &str = "1500";

/// The six roles, each with one demo account.
const ROLES: [&str; 6] = ["officer", "analyst", "supervisor", "admin", "dpo", "case_worker"];

/// A running `waspada demo`, killed (and reaped) when dropped, also when a test fails.
struct Demo {
    child: Child,
    addr: SocketAddr,
    /// Everything the child wrote to stderr so far.
    stderr: Arc<Mutex<String>>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a local port");
    listener.local_addr().expect("local address").port()
}

impl Demo {
    /// Starts `waspada demo --data DATA` on a free port and waits until it serves.
    fn start(data: &Path) -> Demo {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let addr_arg = addr.to_string();
        let mut child = command(&["demo", "--data", arg(data), "--persons", PERSONS, "--addr", &addr_arg])
            .env_remove("WASPADA_ADDR")
            .stdin(Stdio::null())
            // The server's log goes to stdout; it is not needed and must not fill a pipe.
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start waspada demo");
        let pipe = child.stderr.take().expect("stderr");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let mut demo = Demo { child, addr, stderr };
        demo.wait_until_serving();
        demo
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Polls `/healthz` until it answers 200 and stderr shows the server started (so the account
    /// listing printed before it has been read too).
    fn wait_until_serving(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("waspada demo ended ({status}) before serving\n--- stderr ---\n{}", self.stderr());
            }
            let healthy = matches!(self.request("GET", "/healthz", &[], None), Ok((200, _)));
            if healthy && self.stderr().contains("Waspada listening on") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waspada demo did not serve /healthz within {START_TIMEOUT:?}\n--- stderr ---\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One HTTP/1.1 request; returns the status and the body.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_write_timeout(Some(Duration::from_secs(30)))?;
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() || method == "POST" {
            request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes())?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let response = String::from_utf8_lossy(&response).into_owned();
        let invalid = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{why}: {response:?}"));
        let (head, body) = response.split_once("\r\n\r\n").ok_or_else(|| invalid("no end of headers"))?;
        let status = head
            .lines()
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid("no status line"))?;
        let chunked = head.lines().any(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("transfer-encoding:") && l.contains("chunked")
        });
        let body = if chunked { dechunk(body).ok_or_else(|| invalid("bad chunked body"))? } else { body.to_owned() };
        Ok((status, body))
    }

    /// Signs in and returns the bearer token.
    fn login(&self, username: &str, password: &str) -> (u16, serde_json::Value) {
        self.login_with(username, password, None)
    }

    /// Signs in with a second factor's code made from its base32 secret, when given.
    fn login_with(&self, username: &str, password: &str, totp: Option<&str>) -> (u16, serde_json::Value) {
        let mut body = serde_json::json!({ "username": username, "password": password });
        if let Some(secret) = totp.and_then(waspada_server::totp::secret_from_base32) {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
            body["totp"] = serde_json::json!(waspada_server::totp::code_at(&secret, now));
        }
        let body = body.to_string();
        let (status, body) = self.request("POST", "/api/v1/auth/login", &[], Some(&body)).expect("login request");
        let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
        (status, json)
    }
}

/// Decodes a chunked HTTP body.
fn dechunk(mut body: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(rest.get(..size)?);
        body = rest.get(size..)?.strip_prefix("\r\n")?;
    }
}

/// One line of `demo-accounts.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Account {
    role: String,
    user: String,
    password: String,
    /// The second factor's secret (base32), for supervisor and admin.
    totp: Option<String>,
}

/// Reads `demo-accounts.txt`: a `#` comment line, then `role<TAB>user<TAB>password` lines.
fn accounts(data: &Path) -> Vec<Account> {
    let path = data.join("demo-accounts.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    assert!(lines.next().is_some_and(|l| l.starts_with('#')), "the first line is not a comment:\n{text}");
    lines
        .filter(|line| !line.starts_with('#'))
        .map(|line| match line.split('\t').collect::<Vec<_>>().as_slice() {
            [role, user, password] => Account {
                role: (*role).to_owned(),
                user: (*user).to_owned(),
                password: (*password).to_owned(),
                totp: None,
            },
            [role, user, password, totp] => Account {
                role: (*role).to_owned(),
                user: (*user).to_owned(),
                password: (*password).to_owned(),
                totp: Some((*totp).to_owned()),
            },
            _ => panic!("not role<TAB>user<TAB>password[<TAB>totp]: {line:?}\n{text}"),
        })
        .collect()
}

/// The accounts as printed on stderr: `  role  user: NAME  password: SECRET`.
fn printed_accounts(stderr: &str) -> Vec<Account> {
    stderr
        .lines()
        .filter_map(|line| match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            [role, "user:", user, "password:", password] => Some(Account {
                role: (*role).to_owned(),
                user: (*user).to_owned(),
                password: (*password).to_owned(),
                totp: None,
            }),
            [role, "user:", user, "password:", password, "totp-secret:", totp] => Some(Account {
                role: (*role).to_owned(),
                user: (*user).to_owned(),
                password: (*password).to_owned(),
                totp: Some((*totp).to_owned()),
            }),
            _ => None,
        })
        .collect()
}

/// The account of `role`.
fn account<'a>(accounts: &'a [Account], role: &str) -> &'a Account {
    accounts.iter().find(|a| a.role == role).unwrap_or_else(|| panic!("no {role} account in {accounts:?}"))
}

/// The first NIK and full name in the generated `persons.csv`.
fn first_person(generated: &Path) -> (String, String) {
    let mut reader = csv::Reader::from_path(generated.join("persons.csv")).expect("generated/persons.csv");
    let header = reader.headers().unwrap().clone();
    let index = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} column"));
    let (nik, name) = (index("nik"), index("full_name"));
    let row = reader.records().next().expect("persons.csv has no rows").unwrap();
    (row[nik].to_owned(), row[name].to_owned())
}

/// The modification time of a file.
fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).and_then(|m| m.modified()).unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()))
}

/// A fresh temporary folder and the demo data folder inside it (not yet created).
fn demo_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    (dir, data)
}

#[test]
fn a_first_demo_run_generates_imports_creates_accounts_and_serves() {
    let (_dir, data) = demo_folder();
    let demo = Demo::start(&data);
    let stderr = demo.stderr();

    // The world was generated at the requested size and imported.
    let generated = data.join("generated");
    let manifest: serde_json::Value =
        serde_json::from_slice(&crate::read(&generated.join("manifest.json"))).expect("manifest.json is JSON");
    assert_eq!(manifest["persons"], 1500, "{manifest:#}");
    let reports = std::fs::read_to_string(generated.join("public_reports.jsonl")).unwrap().lines().count() as u64;
    let records = manifest["records"].as_u64().unwrap() + reports;
    assert!(
        stderr.contains(&format!("total: {records} rows: {records} inserted, 0 updated, 0 unchanged, 0 rejected")),
        "the demo import did not insert every generated record\n{stderr}"
    );
    assert!(!stderr.contains("reusing"), "a first run claims to reuse data\n{stderr}");

    // One private account per role, with distinct random passwords, also printed on stderr.
    let path = data.join("demo-accounts.txt");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
    }
    let accounts = accounts(&data);
    let mut roles: Vec<&str> = accounts.iter().map(|a| a.role.as_str()).collect();
    roles.sort_unstable();
    let mut expected = ROLES.to_vec();
    expected.sort_unstable();
    assert_eq!(roles, expected, "{accounts:?}");
    for account in &accounts {
        assert!(
            account.password.len() >= 12 && account.password.chars().all(|c| c.is_ascii_alphanumeric()),
            "weak or odd password for {}: {:?}",
            account.role,
            account.password
        );
    }
    let mut passwords: Vec<&str> = accounts.iter().map(|a| a.password.as_str()).collect();
    passwords.sort_unstable();
    passwords.dedup();
    assert_eq!(passwords.len(), accounts.len(), "passwords repeat: {accounts:?}");
    assert_eq!(printed_accounts(&stderr), accounts, "the printed accounts differ from the file\n{stderr}");

    // Every account signs in with its role; a wrong password does not.
    for account in &accounts {
        let needs_second_factor = account.role == "supervisor" || account.role == "admin";
        assert_eq!(account.totp.is_some(), needs_second_factor, "{account:?}");
        let (status, body) = demo.login_with(&account.user, &account.password, account.totp.as_deref());
        assert_eq!(status, 200, "{} cannot sign in: {body}", account.user);
        assert_eq!(body["role"], account.role.as_str(), "{body}");
    }
    let officer = account(&accounts, "officer");
    let (status, _) = demo.login(&officer.user, &format!("{}x", officer.password));
    assert_eq!(status, 401, "a wrong password was accepted");

    // The officer finds a generated person by NIK.
    let (status, body) = demo.login(&officer.user, &officer.password);
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap_or_else(|| panic!("no token in {body}")).to_owned();
    assert!(!token.is_empty());
    let (nik, name) = first_person(&generated);
    let path = format!("/api/v1/persons/by-nik/{nik}");
    let bearer = format!("Bearer {token}");
    let (status, body) =
        demo.request("GET", &path, &[("Authorization", &bearer), ("X-Purpose", "test")], None).expect("by-nik");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&nik), "{body}");
    let person: serde_json::Value = serde_json::from_str(&body).expect("a person as JSON");
    assert_eq!(person["nik"], nik.as_str(), "{person:#}");
    assert_eq!(person["full_name"], name.as_str(), "{person:#}");

    // Without the token the same request is refused.
    let (status, body) = demo.request("GET", &path, &[("X-Purpose", "test")], None).expect("by-nik");
    assert_eq!(status, 401, "{body}");
}

#[test]
fn a_second_demo_run_reuses_the_data_and_the_accounts() {
    let (_dir, data) = demo_folder();
    let first = Demo::start(&data);
    drop(first);

    let manifest = data.join("generated/manifest.json");
    let persons = data.join("generated/persons.csv");
    let before = (modified(&manifest), modified(&persons));
    let accounts_before = crate::read(&data.join("demo-accounts.txt"));
    let accounts = accounts(&data);
    // So that a rewrite would show in the modification times even on a coarse file system.
    std::thread::sleep(Duration::from_millis(1100));

    let demo = Demo::start(&data);
    let stderr = demo.stderr();
    assert!(stderr.contains("reusing"), "the second run does not say it reuses the data\n{stderr}");
    assert!(!stderr.contains("generated 1500 persons"), "the second run generated again\n{stderr}");
    assert!(!stderr.contains("inserted"), "the second run imported again\n{stderr}");
    assert_eq!((modified(&manifest), modified(&persons)), before, "the generated files were rewritten");

    // The same accounts and passwords: the file is untouched, printed as it is, and still valid.
    assert_eq!(crate::read(&data.join("demo-accounts.txt")), accounts_before, "the accounts file changed");
    assert_eq!(printed_accounts(&stderr), accounts, "the printed accounts differ from the file\n{stderr}");
    let officer = account(&accounts, "officer");
    let (status, body) = demo.login(&officer.user, &officer.password);
    assert_eq!(status, 200, "the first run's officer password no longer works: {body}");

    // And the imported data is still there.
    let token = body["token"].as_str().unwrap().to_owned();
    let (nik, _) = first_person(&data.join("generated"));
    let bearer = format!("Bearer {token}");
    let (status, body) = demo
        .request(
            "GET",
            &format!("/api/v1/persons/by-nik/{nik}"),
            &[("Authorization", &bearer), ("X-Purpose", "test")],
            None,
        )
        .expect("by-nik");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&nik), "{body}");
}
