//! `waspada generate` and `waspada demo`: synthetic data, and a ready-to-use demo server on it.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use waspada_store::{AuditContext, ConflictPolicy};
use waspada_synth::Config;

use crate::{StoreArgs, cli_actor};

fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("generating [{bar:30}] {pos}/{len} persons ({per_sec}, {eta})")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Generates into `out` and prints what was written.
pub fn generate(config: &Config, out: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let bar = progress_bar(config.persons);
    let summary = waspada_synth::generate(config, out, force, &mut |done| bar.set_position(done))?;
    bar.finish_and_clear();
    for (file, rows) in &summary.files {
        eprintln!("  {file}: {rows} rows");
    }
    eprintln!(
        "generated {} persons and {} records (seed {}, as of {}) into {} in {:.1} s ({:.0} records/s)",
        summary.persons,
        summary.records,
        config.seed,
        config.as_of,
        out.display(),
        summary.seconds,
        summary.records as f64 / summary.seconds.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

/// The demo accounts: (role, user name, display name).
const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("officer", "petugas", "Petugas Loket (demo)"),
    ("analyst", "analis", "Analis Intelijen (demo)"),
    ("supervisor", "supervisor", "Kepala Seksi (demo)"),
    ("admin", "admin", "Administrator (demo)"),
    ("dpo", "dpo", "Pejabat Pelindungan Data (demo)"),
    ("case_worker", "pendamping", "Pendamping Kasus (demo)"),
];

/// A random password of 20 letters and digits (no look-alikes such as 0/O, 1/l).
fn random_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
}

/// Creates (or resets) the demo accounts and writes their passwords to `path` (mode 0600).
fn create_accounts(args: &StoreArgs, path: &Path) -> anyhow::Result<()> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), "demo account set-up")?;
    let mut lines = String::from(
        "# Demo accounts: role, user name, password, and for supervisor and admin the second factor's\n# secret (base32, for an authenticator app). Keep this file private.\n",
    );
    let totp_roles = waspada_server::ServerConfig::default().totp_roles;
    for (role, username, display) in DEMO_ACCOUNTS {
        let password = random_password()?;
        let hash = waspada_server::auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
        if store.user_by_name(username)?.is_some() {
            store.set_password(username, &hash, &context)?;
        } else {
            store.create_user(username, display, role, &hash, &context)?;
        }
        let needs_totp = waspada_server::roles::Role::parse(role).is_some_and(|r| totp_roles.contains(&r));
        if needs_totp {
            let secret = waspada_server::totp::new_secret().map_err(anyhow::Error::msg)?;
            // Demo accounts sign in with the secret printed beside them; no recovery codes.
            store.set_totp_secret(username, &secret, &[], &context)?;
            lines.push_str(&format!(
                "{role}\t{username}\t{password}\t{}\n",
                waspada_server::totp::secret_base32(&secret)
            ));
        } else {
            lines.push_str(&format!("{role}\t{username}\t{password}\n"));
        }
    }
    write_private(path, &lines)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // `mode` applies only when the file is created; an older file may be looser.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// `waspada demo`: on first run generate, import and create accounts; then serve.
pub fn demo(data: &Path, addr: std::net::SocketAddr, persons: u64, seed: u64) -> anyhow::Result<ExitCode> {
    let args = StoreArgs {
        data: data.to_path_buf(),
        database_url: None,
        master_key_file: None,
        master_key_env: None,
        master_key_command: None,
    };
    let ready = data.join("demo-ready");
    let accounts = data.join("demo-accounts.txt");
    if ready.exists() {
        eprintln!("Memakai data demo yang sudah ada / reusing the demo data in {}", data.display());
    } else {
        std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
        let generated: PathBuf = data.join("generated");
        if !waspada_synth::is_complete(&generated) {
            let config = Config { seed, persons, as_of: chrono::Utc::now().date_naive() };
            // A half-written earlier attempt is replaced.
            generate(&config, &generated, true)?;
        }
        let code = crate::import::run(&args, &[generated], ConflictPolicy::Reject, 50_000, "demo data load")?;
        if code != ExitCode::SUCCESS {
            bail!("the generated demo data did not import cleanly (see the rejected rows above); this is a bug");
        }
        create_accounts(&args, &accounts)?;
        std::fs::write(&ready, "demo data generated, imported and accounts created\n")
            .with_context(|| format!("cannot write {}", ready.display()))?;
    }
    if !accounts.is_file() {
        create_accounts(&args, &accounts)?;
    }
    let listing = std::fs::read_to_string(&accounts).with_context(|| format!("cannot read {}", accounts.display()))?;
    eprintln!("\nAkun demo / demo accounts (also in {}):", accounts.display());
    for line in listing.lines().filter(|l| !l.starts_with('#')) {
        let cells: Vec<&str> = line.split('\t').collect();
        match cells.as_slice() {
            [role, user, password] => eprintln!("  {role:<11} user: {user:<11} password: {password}"),
            [role, user, password, totp] => {
                eprintln!("  {role:<11} user: {user:<11} password: {password}  totp-secret: {totp}");
            }
            _ => {}
        }
    }
    eprintln!(
        "\nAPI: http://{addr}/api/v1 (OpenAPI: http://{addr}/api/v1/openapi.json); masuk / sign in with POST /api/v1/auth/login\n"
    );
    crate::commands::serve(&args, addr, None, &crate::TlsArgs::default(), &crate::PublicArgs::default())
}
