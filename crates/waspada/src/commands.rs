//! The smaller subcommands.

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use waspada_formats::{FileFormat, Kind, Record, Writer};
use waspada_server::dto::{DocumentDto, MrzReportDto, PersonDto, TimelineDto};
use waspada_store::{AuditContext, AuditQuery, AuditVerdict, ImportKind, Stored};

use crate::{Format, Lookup, StoreArgs, cli_actor};

pub fn serve(
    args: &StoreArgs,
    addr: std::net::SocketAddr,
    policy: Option<&Path>,
    tls: &crate::TlsArgs,
    public: &crate::PublicArgs,
) -> anyhow::Result<ExitCode> {
    let policy = crate::assess::load_policy(policy)?;
    let tls_files = match (&tls.tls_cert, &tls.tls_key) {
        (Some(cert), Some(key)) => Some(waspada_server::tls::TlsFiles { cert: cert.clone(), key: key.clone() }),
        _ if tls.tls_self_signed => {
            let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
            if !addr.ip().is_unspecified() && !names.contains(&addr.ip().to_string()) {
                names.push(addr.ip().to_string());
            }
            let (files, created) = waspada_server::tls::self_signed(&args.data.join("tls"), &names)?;
            if created {
                eprintln!("Sertifikat swatanda dibuat / self-signed certificate made: {}", files.cert.display());
            }
            Some(files)
        }
        _ => None,
    };
    // Personal data never crosses a network in clear: plain HTTP only on this machine's loopback,
    // unless the operator says a TLS proxy on the same machine is in front.
    if tls_files.is_none() && !addr.ip().is_loopback() && !tls.insecure_http {
        anyhow::bail!(
            "refusing plain HTTP on {addr}: give --tls-cert and --tls-key, or --tls-self-signed (or --insecure-http behind a TLS proxy on this machine)"
        );
    }
    if let Some(files) = &tls_files {
        let fingerprint = waspada_server::tls::fingerprint(&files.cert)?;
        eprintln!("TLS: {} (SHA-256 {fingerprint})", files.cert.display());
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("WASPADA_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let store = args.open()?;
    let users = store.counts()?.into_iter().find(|(t, _)| *t == "users").map_or(0, |(_, n)| n);
    if users == 0 {
        eprintln!(
            "Belum ada akun / no accounts yet: create one with `waspada admin create-user --role supervisor --username NAME`."
        );
    }
    eprintln!("Kebijakan indikator / indicator policy: {}", policy.version);
    let scheme = if tls_files.is_some() { "https" } else { "http" };
    let public = waspada_server::public::PublicConfig {
        pow_bits: public.public_pow_bits,
        sos_pow_bits: public.public_sos_pow_bits,
        creations_per_hour: public.public_per_hour,
        reads_per_hour: public.public_per_hour.saturating_mul(4),
        ..Default::default()
    };
    let defaults = waspada_server::ServerConfig::default();
    let header_timeout = match tls.header_timeout {
        0 => defaults.header_timeout,
        seconds => std::time::Duration::from_secs(seconds),
    };
    let config = waspada_server::ServerConfig {
        addr,
        policy: Some(policy),
        tls: tls_files,
        public,
        header_timeout,
        index_refresh_every: std::time::Duration::from_secs(tls.index_refresh),
        ..defaults
    };
    eprintln!("Waspada listening on {scheme}://{addr} (API: /api/v1, OpenAPI: /api/v1/openapi.json, health: /healthz)");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(waspada_server::serve(store, config)).context("server failed")?;
    Ok(ExitCode::SUCCESS)
}

pub fn export(args: &StoreArgs, out: &Path, format: Format, purpose: &str) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), purpose)?;
    let format = match format {
        Format::Csv => FileFormat::Csv,
        Format::Jsonl => FileFormat::JsonLines,
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for kind in Kind::ALL {
        let path = out.join(format!("{}.{}", kind.stem(), format.extension()));
        let file = std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut writer = Writer::new(kind, format, std::io::BufWriter::new(file))?;
        let count =
            {
                let mut write = |record: Record| writer.write(&record).map_err(|e| e.to_string());
                match kind {
                    Kind::Persons => {
                        store.export(ImportKind::Persons, &context, |s: Stored<_>| write(Record::Person(s.record)))?
                    }
                    Kind::Documents => store
                        .export(ImportKind::Documents, &context, |s: Stored<_>| write(Record::Document(s.record)))?,
                    Kind::Applications => store.export(ImportKind::Applications, &context, |s: Stored<_>| {
                        write(Record::Application(s.record))
                    })?,
                    Kind::Crossings => store
                        .export(ImportKind::Crossings, &context, |s: Stored<_>| write(Record::Crossing(s.record)))?,
                    Kind::Watchlist => store
                        .export(ImportKind::Watchlist, &context, |s: Stored<_>| write(Record::Watchlist(s.record)))?,
                }
            };
        writer.finish()?.flush()?;
        eprintln!("{}: {count} records", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}

pub fn lookup(args: &StoreArgs, purpose: &str, what: Lookup) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), purpose)?;
    let found = match what {
        Lookup::Nik { nik } => {
            let nik = waspada_domain::Nik::parse(&nik).map_err(|e| anyhow::anyhow!("nik: {e}"))?;
            let person = store.person_by_nik(&nik, &context)?;
            person.as_ref().map(|p| print_json(&PersonDto::from(p))).transpose()?.is_some()
        }
        Lookup::Document { number, issuing_state } => {
            let number = waspada_domain::DocumentNumber::parse("number", &number)?;
            let issuing_state =
                issuing_state.map(|s| waspada_domain::CountryCode::parse("issuing_state", &s)).transpose()?;
            let documents =
                store.documents_by_number(number.as_str(), issuing_state.as_ref().map(|s| s.as_str()), &context)?;
            print_json(&documents.iter().map(DocumentDto::from).collect::<Vec<_>>())?;
            !documents.is_empty()
        }
        Lookup::Name { name, birth_year, limit } => {
            let persons = store.persons_by_name(&name, birth_year, limit.clamp(1, 1000), &context)?;
            print_json(&persons.iter().map(PersonDto::from).collect::<Vec<_>>())?;
            !persons.is_empty()
        }
        Lookup::Timeline { person_id } => {
            let timeline = store.timeline(person_id, &context)?;
            timeline.as_ref().map(|t| print_json(&TimelineDto::from(t))).transpose()?.is_some()
        }
    };
    if !found {
        eprintln!("tidak ditemukan / not found");
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

/// Splits stdin into documents at blank lines and prints one JSON report per document.
pub fn mrz_check(today: Option<chrono::NaiveDate>) -> anyhow::Result<ExitCode> {
    let today = today.unwrap_or_else(|| chrono::Local::now().date_naive());
    let stdin = std::io::stdin().lock();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut current: Vec<String> = Vec::new();
    let flush = |lines: &mut Vec<String>, out: &mut dyn Write| -> anyhow::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let report = waspada_mrz::check(&lines.join("\n"), today);
        serde_json::to_writer(&mut *out, &MrzReportDto::from(&report))?;
        writeln!(out)?;
        lines.clear();
        Ok(())
    };
    for line in stdin.take(64 * 1024 * 1024).lines() {
        let line = line.context("stdin is not UTF-8 text")?;
        if line.trim().is_empty() {
            flush(&mut current, &mut stdout)?;
        } else if current.len() >= 8 {
            // More than any MRZ has: keep collecting to report it as one malformed document, but
            // bound the memory.
            continue;
        } else {
            current.push(line);
        }
    }
    flush(&mut current, &mut stdout)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Signs the audit chain's head now (for cron, or before a backup); prints the checkpoint as JSON.
pub fn audit_checkpoint(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    match store.audit_checkpoint()? {
        Some(checkpoint) => println!("{}", serde_json::to_string(&checkpoint)?),
        None => eprintln!("nothing to sign: the audit log is empty or its head is already signed"),
    }
    eprintln!("checkpoint public key (Ed25519): {}", store.audit_public_key());
    Ok(ExitCode::SUCCESS)
}

pub fn audit_verify(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    match store.verify_audit()? {
        AuditVerdict::Intact { entries, checkpoints } => {
            println!("audit chain intact: {entries} entries, {checkpoints} signed checkpoints");
            println!("checkpoint public key (Ed25519): {}", store.audit_public_key());
            Ok(ExitCode::SUCCESS)
        }
        AuditVerdict::Broken { seq, reason } => {
            println!("audit chain BROKEN at entry {seq}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub fn audit_list(
    args: &StoreArgs,
    actor: Option<String>,
    action: Option<String>,
    limit: i64,
) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let entries = store.audit_entries(&AuditQuery {
        actor,
        action,
        subject: None,
        person: None,
        before_seq: None,
        since: None,
        until: None,
        limit,
    })?;
    for e in entries {
        println!("{}\t{}\t{}\t{}\t{}\t{}\t{}", e.seq, e.at, e.actor, e.action, e.subject, e.purpose, e.detail);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn create_user(
    args: &StoreArgs,
    username: &str,
    role: &str,
    display_name: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let Some(role) = waspada_server::roles::Role::parse(role) else {
        bail!(
            "unknown role {role:?}: use officer, senior_officer, analyst, supervisor, admin, dpo, case_worker or partner"
        );
    };
    let username = username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        bail!("a user name has 1 to 64 letters, digits, dots, dashes or underscores");
    }
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password).context("cannot read the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let context = [username, display_name.unwrap_or(username)];
    waspada_server::auth::password_acceptable_for(password, &context).map_err(anyhow::Error::msg)?;
    let hash = waspada_server::auth::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), "account administration")?;
    let id = store.create_user(username, display_name.unwrap_or(username), role.name(), &hash, &context)?;
    println!("created user {username} (id {id}, role {})", role.name());
    if waspada_server::ServerConfig::default().totp_roles.contains(&role) {
        enrol(&store, username, &context)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Makes and stores a new TOTP secret for an account and prints how to enrol it.
fn enrol(store: &waspada_store::Store, username: &str, context: &AuditContext) -> anyhow::Result<()> {
    let secret = waspada_server::totp::new_secret().map_err(anyhow::Error::msg)?;
    let codes = waspada_server::totp::new_recovery_codes().map_err(anyhow::Error::msg)?;
    let normalised: Vec<String> =
        codes.iter().filter_map(|c| waspada_server::totp::normalise_recovery_code(c)).collect();
    store.set_totp_secret(username, &secret, &normalised, context)?;
    println!(
        "second factor (TOTP) for {username}: add it to an authenticator app, then sign in with its 6-digit codes"
    );
    println!("  secret: {}", waspada_server::totp::secret_base32(&secret));
    println!("  {}", waspada_server::totp::enrolment_url(&secret, username));
    println!("  recovery codes (each works once in place of a code, if the phone is lost; keep them on paper):");
    for code in &codes {
        println!("    {code}");
    }
    Ok(())
}

/// `waspada admin totp-enrol`.
pub fn totp_enrol(args: &StoreArgs, username: &str) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), "account administration")?;
    if store.user_by_name(username)?.is_none() {
        bail!("no account named {username:?}");
    }
    enrol(&store, username, &context)?;
    Ok(ExitCode::SUCCESS)
}

/// `waspada admin rotate-master-key`.
pub fn rotate_master_key(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), "key management")?;
    let report = store.rotate_master_key(&context)?;
    let path = args.master_key_file.clone().unwrap_or_else(|| args.data.join("master.key"));
    println!(
        "master key rotated: {} data keys ({} re-wrapped now) in {:.1} s; the new key is in {}",
        report.data_keys,
        report.rewrapped,
        report.millis as f64 / 1000.0,
        path.display()
    );
    eprintln!(
        "PERINGATAN / WARNING: back up the new master key now. Backups made before this rotation open only with the OLD key: keep it with them, or destroy both."
    );
    Ok(ExitCode::SUCCESS)
}

/// `waspada admin backup --out FILE`.
pub fn backup(args: &StoreArgs, out: &Path) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), "backup")?;
    store.backup(out, &context)?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!("backup written: {} ({:.1} MiB)", out.display(), size as f64 / (1024.0 * 1024.0));
    eprintln!(
        "The backup holds sealed records and wrapped keys, not the master key: keep the master key apart from it; without the key the backup cannot be read."
    );
    eprintln!(
        "Traveller records, reports and cases open only with the retention keys ({}), which no backup holds so that shredding reaches backups: keep a copy with the master key and replace it after every retention run.",
        args.data.join(waspada_store::RETENTION_KEY_FILE).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `waspada admin restore --from FILE`: into an empty data folder, with the master key that the
/// backup was made under (in the folder as `master.key`, or `--master-key-file`).
pub fn restore(
    args: &StoreArgs,
    from: &Path,
    retention_keys: Option<&Path>,
    retention_keys_master_key: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    if args.database_url.as_deref().is_some_and(|u| !u.is_empty()) {
        bail!("restore puts an SQLite backup in place; a PostgreSQL store is restored with pg_restore");
    }
    let database = args.data.join("waspada.db");
    if database.exists() {
        bail!("{} exists already: restore into an empty data folder", database.display());
    }
    let key = args.master_key_file.clone().unwrap_or_else(|| args.data.join("master.key"));
    if !key.is_file() {
        bail!(
            "no master key at {}: put the key the backup was made under there (or give --master-key-file); a new key could not read it",
            key.display()
        );
    }
    std::fs::create_dir_all(&args.data).with_context(|| format!("cannot create {}", args.data.display()))?;
    let retention_file = args.data.join(waspada_store::RETENTION_KEY_FILE);
    if retention_file.exists() {
        bail!("{} exists already: restore into an empty data folder", retention_file.display());
    }
    if let (Some(keys), Some(wrapping)) = (retention_keys, retention_keys_master_key) {
        let count = waspada_store::rewrap_retention_file(keys, wrapping, &retention_file, &key)
            .with_context(|| format!("cannot re-wrap {} under the backup's master key", keys.display()))?;
        println!("retention keys: {count} re-wrapped under the backup's master key");
    } else if let Some(keys) = retention_keys {
        std::fs::copy(keys, &retention_file).with_context(|| format!("cannot copy {}", keys.display()))?;
        // The copy may come from removable media with open permissions: the key file is private.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&retention_file, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    if let Err(error) = std::fs::copy(from, &database) {
        let _ = std::fs::remove_file(&retention_file);
        let _ = std::fs::remove_file(&database);
        return Err(error).with_context(|| format!("cannot copy {}", from.display()));
    }
    let store = match args.open() {
        Ok(store) => store,
        Err(error) => {
            // Leave the folder as it was: a half-restored store is worse than none.
            let _ = std::fs::remove_file(&database);
            let _ = std::fs::remove_file(&retention_file);
            let text = error.to_string();
            let why = if text.contains("retention key file") {
                "give the retention keys with --retention-keys"
            } else if text.contains("retention key") && text.contains("does not open with this master key") {
                "the retention key file is wrapped under another master key (a rotation since the backup?): give that key with --retention-keys-master-key"
            } else {
                "the master key does not open this backup"
            };
            return Err(error.context(why));
        }
    };
    let unreadable = match store.check_retention_keys() {
        Ok(count) => count,
        Err(error) => {
            drop(store);
            let _ = std::fs::remove_file(&database);
            let _ = std::fs::remove_file(&retention_file);
            let why = if error.to_string().contains("does not open with this master key") {
                "the retention key file is wrapped under another master key (a rotation since the backup?): give that key with --retention-keys-master-key"
            } else {
                "the retention key file cannot be used"
            };
            return Err(anyhow::Error::from(error).context(why));
        }
    };
    if unreadable > 0 {
        println!(
            "{unreadable} data key(s) are under retention keys destroyed since the backup: their records were shredded and stay unreadable (the next retention run removes them)"
        );
    }
    let verdict = store.verify_audit()?;
    let context = AuditContext::new(cli_actor(), "restore")?;
    store.record_audit(&context, "store.restore", "store", "")?;
    for (table, count) in store.counts()? {
        println!("{table}: {count}");
    }
    match verdict {
        AuditVerdict::Intact { entries, checkpoints } => {
            println!("restored; audit chain intact: {entries} entries, {checkpoints} signed checkpoints");
            Ok(ExitCode::SUCCESS)
        }
        AuditVerdict::Broken { seq, reason } => {
            println!("restored, but the audit chain is BROKEN at entry {seq}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `waspada breach …`.
pub fn breach(command: crate::BreachCommand) -> anyhow::Result<ExitCode> {
    use crate::BreachCommand;
    use waspada_server::breach::{Audience, notice};
    use waspada_store::{BreachCategory, BreachReport, Notified};
    let context = AuditContext::new(cli_actor(), "breach management")?;
    match command {
        BreachCommand::Record { store, detected_at, category, affected, description, measures, contact } => {
            let detected_at = chrono::DateTime::parse_from_rfc3339(detected_at.trim())
                .map_err(|e| {
                    anyhow::anyhow!("--detected-at: give an RFC 3339 time such as 2026-11-29T08:30:00+07:00 ({e})")
                })?
                .with_timezone(&chrono::Utc);
            let Some(category) = BreachCategory::parse(&category) else {
                bail!("--category: confidentiality, integrity or availability");
            };
            let affected: Vec<String> =
                affected.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            let store = store.open()?;
            let breach = store.record_breach(
                &BreachReport { detected_at, category, affected, description, measures, contact },
                &context,
            )?;
            println!("{}\tnotify by {} UTC", breach.reference, breach.notify_by);
            Ok(ExitCode::SUCCESS)
        }
        BreachCommand::List { store } => {
            let store = store.open()?;
            let now = chrono::Utc::now();
            for b in store.breaches(&context)? {
                let state = if b.overdue(now) {
                    "OVERDUE"
                } else if b.authority_notified_at.is_some() && b.subjects_notified_at.is_some() {
                    "notified"
                } else {
                    "open"
                };
                println!(
                    "{}\t{}\t{}\tdetected {}\tnotify by {}\t{} records",
                    b.reference,
                    state,
                    b.category.code(),
                    b.detected_at,
                    b.notify_by,
                    b.affected.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BreachCommand::Notice { store, reference } => {
            let store = store.open()?;
            let Some(breach) = store.breaches(&context)?.into_iter().find(|b| b.reference == reference.trim()) else {
                bail!("no breach {reference}");
            };
            for (audience, english) in [
                (Audience::Authority, false),
                (Audience::Authority, true),
                (Audience::Subjects, false),
                (Audience::Subjects, true),
            ] {
                println!("{}\n{}", notice(&breach, audience, english), "-".repeat(72));
            }
            Ok(ExitCode::SUCCESS)
        }
        BreachCommand::Notified { store, reference, to } => {
            let whom = match to.trim() {
                "authority" => Notified::Authority,
                "subjects" => Notified::Subjects,
                _ => bail!("--to: authority or subjects"),
            };
            store.open()?.breach_notified(reference.trim(), whom, &context)?;
            println!("{reference}: notification to {to} recorded");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `waspada dsr ...`: data-subject requests.
pub fn dsr(command: crate::DsrCommand) -> anyhow::Result<ExitCode> {
    use crate::DsrCommand;
    use waspada_store::{NewSubjectRequest, RequestKind};
    let context = AuditContext::new(cli_actor(), "data-subject request (UU 27/2022)")?;
    match command {
        DsrCommand::Record { store, kind, nik, requester, detail, correction } => {
            let Some(kind) = RequestKind::parse(&kind) else {
                bail!("--kind: access, rectification or objection");
            };
            let nik = waspada_domain::Nik::parse(nik.trim()).map_err(|e| anyhow::anyhow!("--nik: {e}"))?;
            let correction = correction
                .map(|text| serde_json::from_str::<serde_json::Value>(&text))
                .transpose()
                .context("--correction is not JSON")?;
            if correction.as_ref().is_some_and(|c| !c.is_object()) {
                bail!("--correction: give an object of fields, e.g. '{{\"address\":\"Jl. Baru 2\"}}'");
            }
            let store = store.open()?;
            let person = store.person_by_nik(&nik, &context)?.context("no person with that NIK is held")?;
            let request = store.record_subject_request(
                &NewSubjectRequest { kind, person_id: person.id, requester, detail, correction },
                &context,
            )?;
            println!(
                "{} recorded ({}, person:{}): pending the DPO's decision",
                request.reference,
                kind.code(),
                person.id
            );
        }
        DsrCommand::List { store } => {
            let store = store.open()?;
            for r in store.subject_requests(&context)? {
                println!(
                    "{}\t{}\tperson:{}\t{}\treceived {}\texemptions [{}]\t{}",
                    r.reference,
                    r.kind.code(),
                    r.person_id,
                    r.status,
                    r.received_at,
                    r.exemptions.join(","),
                    r.decided_by.map(|by| format!("decided by {by}")).unwrap_or_default()
                );
            }
        }
        DsrCommand::Decide { store, reference, approve, refuse, exempt, note } => {
            if approve == refuse {
                bail!("say --approve or --refuse");
            }
            let codes: Vec<String> =
                exempt.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
            let store = store.open()?;
            let request = store.decide_subject_request(&reference, approve, &codes, &note, &context)?;
            println!("{}: {} (exemptions [{}])", request.reference, request.status, request.exemptions.join(","));
        }
        DsrCommand::Complete { store, reference, out } => {
            let store = store.open()?;
            let request = store.subject_request(&reference, &context)?.context("no such request")?;
            match request.kind {
                RequestKind::Access => {
                    let out = out.context("--out: the folder for the export")?;
                    let export = waspada_server::subject::access_export(&store, &request, &context)
                        .map_err(anyhow::Error::msg)?;
                    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
                    let json_path = out.join(format!("{reference}.json"));
                    let html_path = out.join(format!("{reference}.html"));
                    std::fs::write(&json_path, serde_json::to_vec_pretty(&export.json)?)?;
                    std::fs::write(&html_path, export.html)?;
                    store.complete_subject_request(&reference, None, &context)?;
                    println!("{reference}: export written to {} and {}", json_path.display(), html_path.display());
                }
                RequestKind::Rectification => {
                    let previous = waspada_server::subject::apply_rectification(&store, &request, &context)
                        .map_err(|e| anyhow::anyhow!("the correction was not applied: {e}"))?;
                    store.complete_subject_request(&reference, Some(previous), &context)?;
                    println!("{reference}: record corrected; the earlier version is kept with the request");
                }
                RequestKind::Objection => {
                    if request.status != "approved" {
                        bail!("{reference} is {}, not approved", request.status);
                    }
                    store.complete_subject_request(&reference, None, &context)?;
                    println!("{reference}: objection recorded as upheld");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `waspada admin retention [--dry-run] [--traveller-years N] [--watchlist-years N]`.
pub fn retention(
    args: &StoreArgs,
    dry_run: bool,
    traveller_years: Option<u16>,
    watchlist_years: Option<u16>,
    shorten: bool,
) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), "retention (UU 27/2022 Art. 16)")?;
    let defaults = waspada_store::RetentionPolicy::default();
    let (recorded_travellers, recorded_watchlist) = store.recorded_retention_periods()?;
    // Whole years of 365 days, so that the period is the same every run; without a flag, the
    // period of the last run (a scheduled run must not undo the office's setting).
    let period = |given: Option<u16>, recorded: Option<i64>, default: i64, flag: &str| -> anyhow::Result<i64> {
        let days = given.map_or(recorded.unwrap_or(default), |years| i64::from(years) * 365);
        if let Some(recorded) = recorded
            && days < recorded
            && !shorten
            && !dry_run
        {
            bail!(
                "{flag} {} is shorter than the period of the last run ({} years): records it makes due at once are shredded for good; add --shorten if that is the decision (see what goes with --dry-run first)",
                days / 365,
                recorded / 365
            );
        }
        Ok(days)
    };
    let policy = waspada_store::RetentionPolicy {
        traveller_days: period(traveller_years, recorded_travellers, defaults.traveller_days, "--traveller-years")?,
        watchlist_days: period(watchlist_years, recorded_watchlist, defaults.watchlist_days, "--watchlist-years")?,
        ..defaults
    };
    let key_file = args.data.join(waspada_store::RETENTION_KEY_FILE);
    let keys_before = std::fs::read(&key_file).ok();
    let report = store.apply_retention(&policy, chrono::Utc::now(), dry_run, &context)?;
    println!(
        "periods: traveller records {} years after their last activity, watchlist entries {} years after they ended",
        policy.traveller_days / 365,
        policy.watchlist_days / 365
    );
    let verb = if dry_run { "would shred" } else { "shredded" };
    for item in &report.due {
        println!("{verb}\t{}\t{}\tlast change {}\t({})", item.subject, item.kind, item.last_change, item.rule);
    }
    for item in &report.held {
        println!(
            "held\t{}\t{}\tlast change {}\t({}; {})",
            item.subject,
            item.kind,
            item.last_change,
            item.rule,
            item.held_by.as_deref().unwrap_or("")
        );
    }
    println!(
        "{}: {} record(s) {verb}, {} held, {} idempotency key(s) {}",
        if dry_run { "dry run" } else { "retention" },
        report.due.len(),
        report.held.len(),
        report.idempotency_keys,
        if dry_run { "to delete" } else { "deleted" }
    );
    if let Some(epoch) = report.epoch {
        println!(
            "retention epoch {epoch} started: {} key(s) moved to it, key(s) of epoch(s) {:?} destroyed",
            report.keys_moved, report.destroyed_epochs
        );
        eprintln!(
            "PERINGATAN / WARNING: backups made before this run can no longer open any report or case (that is what makes the shredding reach them), nor the traveller records it shredded. Make a backup now (waspada admin backup), and replace the copy of {} kept with the master key: the old copy must be destroyed.",
            args.data.join(waspada_store::RETENTION_KEY_FILE).display()
        );
    } else if report.keys_moved > 0 {
        println!("{} key(s) of earlier reports and cases moved under the retention key", report.keys_moved);
    }
    if report.keys_unreadable > 0 {
        println!(
            "{} record(s) whose retention key had already been destroyed (a database older than the last run) are marked shredded",
            report.keys_unreadable
        );
    }
    if !dry_run {
        let months = |list: &[i32]| list.iter().map(|m| waspada_store::month_label(*m)).collect::<Vec<_>>().join(", ");
        println!(
            "traveller records and watchlist entries: {} data subject(s) shredded, {} key(s) moved to the month they fall due{}{}",
            report.travellers_shredded,
            report.traveller_keys_moved,
            if report.renewed_buckets.is_empty() {
                String::new()
            } else {
                format!(", key of {} renewed", months(&report.renewed_buckets))
            },
            if report.destroyed_buckets.is_empty() {
                String::new()
            } else {
                format!(", keys of {} destroyed", months(&report.destroyed_buckets))
            }
        );
        if report.shredded_from_later_months > 0 {
            eprintln!(
                "PERINGATAN / WARNING: {} record(s) were shredded from the key of a later month (filed under a longer period than this run's, or kept a month ahead by a hold that has ended): backups made before this run can open them until that month has passed.",
                report.shredded_from_later_months
            );
        }
        if report.epoch.is_none() && std::fs::read(&key_file).ok() != keys_before {
            eprintln!(
                "PERINGATAN / WARNING: this run changed the retention keys (backups made before it can no longer open what it shredded, nor traveller records whose month has passed). Make a backup now (waspada admin backup), and replace the copy of {} kept with the master key: the old copy must be destroyed.",
                key_file.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `waspada admin partner-token`.
pub fn partner_token(args: &StoreArgs, username: &str, days: i64) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), "account administration")?;
    let (token, expires_at) = waspada_server::auth::issue_api_token(&store, username, days, &context)
        .map_err(|e| anyhow::anyhow!("{}", e.messages().1))?;
    println!(
        "token for {username}, valid until {} (shown once; keep it secret):",
        waspada_domain::format_timestamp(expires_at)
    );
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// `waspada admin revoke-tokens`.
pub fn revoke_tokens(args: &StoreArgs, username: &str) -> anyhow::Result<ExitCode> {
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), "account administration")?;
    let revoked = store.revoke_user_tokens(username, &context)?;
    println!("{revoked} token(s) of {username} revoked (running servers forget them within 30 s)");
    Ok(ExitCode::SUCCESS)
}
