//! The `waspada` command: serve the API, import and export records, look them up, check MRZs,
//! verify the audit chain and manage accounts. Exit codes are chosen in one place, [`main`].

mod assess;
mod commands;
mod generate;
mod import;
mod mrz_generate;
mod screen;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use waspada_store::{MasterKeySource, Store, StoreConfig};

// mimalloc instead of glibc's malloc: a bulk import allocates rows on the staging threads and frees
// them on the writer thread, which glibc serialises on its arena locks (a third of the writer's
// time went to malloc and free before the switch).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Waspada: traveller records and trafficking prevention for the immigration office.
#[derive(Debug, Parser)]
#[command(name = "waspada", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// HTTPS for `waspada serve`.
#[derive(Debug, Args, Clone, Default)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs --tls-key.
    #[arg(long, env = "WASPADA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "WASPADA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate kept in DATA/tls (made on first start; its
    /// SHA-256 fingerprint is printed at every start).
    #[arg(long, conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,
    /// Allow plain HTTP on an address other than loopback (only behind a proxy that terminates
    /// TLS on the same machine).
    #[arg(long)]
    pub insecure_http: bool,
    /// Seconds a client may take to send a request's headers before the connection is closed
    /// (slowloris defence; 0: the default of 10).
    #[arg(long, env = "WASPADA_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub header_timeout: u64,
    /// Seconds between looks at whether a retention run (in another process) deleted traveller
    /// records; the counter-check index is then reloaded without them.
    #[arg(long, env = "WASPADA_INDEX_REFRESH", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub index_refresh: u64,
}

/// Costs and limits of the citizens' app (`/lapor/` and `/api/v1/public/...`).
#[derive(Debug, Args, Clone)]
pub struct PublicArgs {
    /// Leading zero bits of the proof of work a report or lapor diri must carry (0: none).
    #[arg(long, env = "WASPADA_PUBLIC_POW_BITS", default_value_t = 16, value_parser = clap::value_parser!(u8).range(0..=24))]
    pub public_pow_bits: u8,
    /// The same for an SOS (kept low: it is an emergency).
    #[arg(long, env = "WASPADA_PUBLIC_SOS_POW_BITS", default_value_t = 10, value_parser = clap::value_parser!(u8).range(0..=24))]
    pub public_sos_pow_bits: u8,
    /// Creations per client address and per device key in an hour (reads are four times this).
    #[arg(long, env = "WASPADA_PUBLIC_PER_HOUR", default_value_t = 30)]
    pub public_per_hour: u32,
}

impl Default for PublicArgs {
    fn default() -> Self {
        PublicArgs { public_pow_bits: 16, public_sos_pow_bits: 10, public_per_hour: 30 }
    }
}

/// Where the records are.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Data folder (SQLite database and master key).
    #[arg(long, env = "WASPADA_DATA", default_value = "waspada-data")]
    pub data: PathBuf,
    /// A postgres:// URL to keep records in PostgreSQL instead of SQLite.
    #[arg(long, env = "WASPADA_DATABASE_URL")]
    pub database_url: Option<String>,
    /// File holding the 256-bit master key as 64 hex digits (default: DATA/master.key).
    #[arg(long, env = "WASPADA_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Take the master key (64 hex digits) from this environment variable instead of a file.
    #[arg(long, conflicts_with = "master_key_file")]
    pub master_key_env: Option<String>,
    /// Take the master key from a provider program (an HSM, a PKCS#11 token or a KMS client):
    /// run with these words as program and arguments (no shell), it prints 64 hex digits.
    #[arg(long, env = "WASPADA_MASTER_KEY_COMMAND", conflicts_with_all = ["master_key_file", "master_key_env"])]
    pub master_key_command: Option<String>,
}

impl StoreArgs {
    /// Where the master key comes from, as the flags say (`None`: DATA/master.key).
    pub fn master_key_source(&self) -> Option<MasterKeySource> {
        if let Some(name) = &self.master_key_env {
            return Some(MasterKeySource::Env(name.clone()));
        }
        if let Some(command) = &self.master_key_command {
            let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
            return Some(MasterKeySource::Provider(std::sync::Arc::new(waspada_store::CommandProvider {
                command: words,
            })));
        }
        self.master_key_file.clone().map(MasterKeySource::File)
    }

    /// Opens the store and warns once when a new master key was made.
    pub fn open(&self) -> anyhow::Result<Store> {
        let mut config = StoreConfig::new(&self.data);
        config.database_url = self.database_url.clone().filter(|u| !u.is_empty());
        config.master_key = self.master_key_source();
        let store = Store::open(&config)?;
        if store.master_key_created() {
            let path = self.master_key_file.clone().unwrap_or_else(|| self.data.join("master.key"));
            eprintln!(
                "PERINGATAN / WARNING: a new master key was created at {}.\n  Back it up somewhere safe and separate from the data: without it every sealed record is lost.\n  The same goes for {} (the retention keys, made with the first record): keep a copy with the master key, replaced after every retention run.",
                path.display(),
                self.data.join(waspada_store::RETENTION_KEY_FILE).display()
            );
        }
        Ok(store)
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// First run: generate a synthetic Bengkulu Tengah, import it, create one account per role;
    /// every run: print the accounts and serve. Running it again reuses the data folder.
    Demo {
        /// Data folder for the demo (store, master key, generated files, accounts).
        #[arg(long, default_value = "waspada-demo")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, env = "WASPADA_ADDR", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Persons to generate on the first run.
        #[arg(long, default_value_t = 50_000)]
        persons: u64,
        /// Seed for the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write a synthetic, seeded Bengkulu Tengah (import-ready files plus truth/) to a folder.
    Generate {
        /// Seed: the same seed, size and --as-of give byte-identical files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of persons (100 to 20,000,000).
        #[arg(long, default_value_t = 50_000)]
        persons: u64,
        /// Output folder; it must be new or empty unless --force is given.
        #[arg(long)]
        out: PathBuf,
        /// The synthetic world's "today" (default 2026-11-01, so a seed alone fixes the output).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Replace the files of an earlier run in the output folder.
        #[arg(long)]
        force: bool,
    },
    /// Screen names in batch: every query of Q.csv against the watchlist W.csv (JSON Lines out).
    Screen {
        /// Watchlist CSV (the watchlist import columns; id and full_name are required).
        #[arg(long)]
        watchlist: PathBuf,
        /// Queries CSV: id,full_name,date_of_birth,sex,nationality,document_number.
        #[arg(long)]
        queries: PathBuf,
        /// Lowest score reported (0 to 1); the default is the counter's.
        #[arg(long, default_value_t = waspada_screen::DEFAULT_THRESHOLD)]
        threshold: f32,
        /// Most hits per query.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Run the trafficking-indicator policy over a folder of import files (JSON Lines out).
    Assess {
        /// Folder with persons, documents and applications (.csv or .jsonl).
        #[arg(long)]
        files: PathBuf,
        /// Policy file (default: the shipped policy/indicators.toml).
        #[arg(long, env = "WASPADA_POLICY")]
        policy: Option<PathBuf>,
        /// Print every finding with its texts, legal basis and evidence.
        #[arg(long)]
        explain: bool,
    },
    /// Run the HTTP API server.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to listen on.
        #[arg(long, env = "WASPADA_ADDR", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Indicator policy file (default: the shipped policy/indicators.toml).
        #[arg(long, env = "WASPADA_POLICY")]
        policy: Option<PathBuf>,
        #[command(flatten)]
        tls: TlsArgs,
        #[command(flatten)]
        public: PublicArgs,
    },
    /// Import CSV or JSON Lines files (or folders of them) into the store.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// What to do when a row's natural key exists with different data.
        #[arg(long, value_enum, default_value_t = OnConflict::Reject)]
        on_conflict: OnConflict,
        /// Rows per transaction.
        #[arg(long, default_value_t = 50_000)]
        batch_size: usize,
        /// Why the data is imported (recorded in the audit log).
        #[arg(long, default_value = "bulk import")]
        purpose: String,
        /// Files (persons.csv, documents.jsonl, …) or folders holding them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Export every record to a folder, in the import formats.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// File format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Why the data leaves the store (recorded in the audit log).
        #[arg(long)]
        purpose: String,
    },
    /// Look up a person or document (prints JSON).
    Lookup {
        #[command(flatten)]
        store: StoreArgs,
        /// Why you look (recorded in the audit log).
        #[arg(long)]
        purpose: String,
        #[command(subcommand)]
        what: Lookup,
    },
    /// Machine-readable zones (ICAO 9303).
    Mrz {
        #[command(subcommand)]
        command: MrzCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Data-subject requests (UU 27/2022): access, rectification, objection, decided by the DPO.
    Dsr {
        #[command(subcommand)]
        command: DsrCommand,
    },
    /// The breach log (UU 27/2022 Art. 46: notify within 3 × 24 hours).
    Breach {
        #[command(subcommand)]
        command: BreachCommand,
    },
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OnConflict {
    /// Keep the stored record and report the row.
    Reject,
    /// Replace the stored record.
    Update,
}

/// Export format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// CSV with a header row.
    Csv,
    /// JSON Lines.
    Jsonl,
}

#[derive(Debug, Subcommand)]
enum Lookup {
    /// By NIK.
    Nik {
        /// 16-digit NIK.
        nik: String,
    },
    /// By document number.
    Document {
        /// Document number.
        number: String,
        /// Only documents of this issuing state.
        #[arg(long)]
        issuing_state: Option<String>,
    },
    /// By name, optionally with birth year.
    Name {
        /// Name (case, spacing, punctuation and word order do not matter).
        name: String,
        /// Birth year.
        #[arg(long)]
        birth_year: Option<i32>,
        /// Most results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// A person's timeline by internal id.
    Timeline {
        /// Internal person id (from another lookup).
        person_id: i64,
    },
}

#[derive(Debug, Subcommand)]
enum MrzCommand {
    /// Check MRZs from stdin: the lines of one document together, a blank line between documents.
    /// Prints one JSON line per document.
    Check {
        /// Date used to infer centuries and spot expired documents (default: today).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// Print the MRZ of a stored document, built from the document and its holder's record.
    Generate {
        #[command(flatten)]
        store: StoreArgs,
        /// Why (recorded in the audit log).
        #[arg(long)]
        purpose: String,
        /// Document number.
        number: String,
        /// Issuing state.
        #[arg(long, default_value = "IDN")]
        issuing_state: String,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify the hash chain and the signed checkpoints; exits 0 when intact, 1 naming the first
    /// bad entry.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Sign the chain's head now (Ed25519); the checkpoint also goes to
    /// DATA/audit-checkpoints.jsonl, outside the database. The server does this every 5 minutes.
    Checkpoint {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show recent entries.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// Only this actor.
        #[arg(long)]
        actor: Option<String>,
        /// Only this action.
        #[arg(long)]
        action: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum DsrCommand {
    /// Record a request; prints its reference.
    Record {
        #[command(flatten)]
        store: StoreArgs,
        /// access, rectification or objection.
        #[arg(long)]
        kind: String,
        /// The person's NIK.
        #[arg(long)]
        nik: String,
        /// Who asked and how to answer them.
        #[arg(long)]
        requester: String,
        /// What they asked, in their words.
        #[arg(long, default_value = "")]
        detail: String,
        /// For a rectification: the corrected fields as JSON in the import format, e.g.
        /// '{"full_name":"Siti Aminah","address":"Jl. Baru 2"}'.
        #[arg(long)]
        correction: Option<String>,
    },
    /// List requests.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The data-protection officer's decision: approve (optionally restricted by Art. 15(1)
    /// exemption codes) or refuse (naming them).
    Decide {
        #[command(flatten)]
        store: StoreArgs,
        /// The request, e.g. DSR-2026-0001.
        reference: String,
        /// Approve the request.
        #[arg(long, conflicts_with = "refuse")]
        approve: bool,
        /// Refuse it.
        #[arg(long)]
        refuse: bool,
        /// Exemptions applied, comma-separated: 15.1.a (defence and security), 15.1.b (law
        /// enforcement), 15.1.c (state administration), 15.1.d (financial supervision), 15.1.e
        /// (statistics and research).
        #[arg(long, default_value = "")]
        exempt: String,
        /// The reasons, as they will be given to the person.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Carry out an approved request: write the access export (REFERENCE.json and .html) to a
    /// folder, or apply the rectification (the old record is kept with the request).
    Complete {
        #[command(flatten)]
        store: StoreArgs,
        /// The request.
        reference: String,
        /// Folder for an access export.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BreachCommand {
    /// Record an incident; prints its reference and notification deadline.
    Record {
        #[command(flatten)]
        store: StoreArgs,
        /// When it was found (RFC 3339); the 72-hour deadline runs from here.
        #[arg(long)]
        detected_at: String,
        /// confidentiality, integrity or availability.
        #[arg(long)]
        category: String,
        /// Records touched, by internal id, comma-separated (person:42,document:7).
        #[arg(long, default_value = "")]
        affected: String,
        /// What happened and how it was found.
        #[arg(long)]
        description: String,
        /// What was done to contain it and recover.
        #[arg(long, default_value = "")]
        measures: String,
        /// Who to contact (the DPO's office).
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// List incidents with their deadlines (overdue ones marked).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the notification texts (authority and persons concerned, ID and EN).
    Notice {
        #[command(flatten)]
        store: StoreArgs,
        /// The breach reference, e.g. BR-2026-0001.
        reference: String,
    },
    /// Record that a notification was sent.
    Notified {
        #[command(flatten)]
        store: StoreArgs,
        /// The breach reference.
        reference: String,
        /// authority or subjects.
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a staff account. The password is read from the first line of stdin.
    CreateUser {
        #[command(flatten)]
        store: StoreArgs,
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// officer, senior_officer, analyst, supervisor, admin, dpo, case_worker or partner.
        /// Senior officers, supervisors and admins get a second factor (TOTP) at once: its
        /// enrolment address is printed. Partners sign in only with tokens (admin partner-token).
        #[arg(long)]
        role: String,
        /// Name shown in the interface (default: the user name).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Issue an API token for an account, typically a partner agency's system (role partner),
    /// valid for some days; printed once, stored only as a hash.
    PartnerToken {
        #[command(flatten)]
        store: StoreArgs,
        /// The account.
        #[arg(long)]
        username: String,
        /// Days until it expires (1-366).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Revoke every live token (sessions and API tokens) of an account.
    RevokeTokens {
        #[command(flatten)]
        store: StoreArgs,
        /// The account.
        #[arg(long)]
        username: String,
    },
    /// Apply the retention periods: records past theirs are crypto-shredded (their data key
    /// destroyed) unless a legal hold applies (an open case; for travellers also an active
    /// watchlist entry or a pending data-subject request). --dry-run only lists.
    Retention {
        #[command(flatten)]
        store: StoreArgs,
        /// List what would be shredded and what is held, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Years after their last activity (a change, an application, a decision, a crossing)
        /// that traveller records are kept: set it from the office's archive schedule (jadwal
        /// retensi arsip). New records are filed under the month they fall due by this period.
        /// Default: the period of the last run, or 10.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=100))]
        traveller_years: Option<u16>,
        /// Years that a watchlist entry is kept after it stopped being in force (its end date, or
        /// its last change if later); entries without an end date are kept. Default: the period
        /// of the last run, or 2.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=100))]
        watchlist_years: Option<u16>,
        /// Allow a period shorter than the last run's: records it makes due at once are shredded
        /// for good.
        #[arg(long)]
        shorten: bool,
    },
    /// Give an account a new second factor (TOTP): prints the otpauth:// address and the secret
    /// to enter in an authenticator app. Codes of an earlier enrolment stop working.
    TotpEnrol {
        #[command(flatten)]
        store: StoreArgs,
        /// Sign-in name.
        #[arg(long)]
        username: String,
    },
    /// Replace the master key: re-wrap every data key under a new one, then replace the key
    /// file. The store stays in use meanwhile; an interrupted run is resumed by running it again.
    RotateMasterKey {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a consistent copy of the SQLite store (sealed records and wrapped keys; never the
    /// master key) to a new file.
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup file to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// Put a backup in place as the store of an empty data folder, then check that the master key
    /// opens it and that the audit chain holds.
    Restore {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The retention key file (`retention.keys`) as it is now, from the live data folder or
        /// from its copy kept with the master key: without it, traveller records, reports and
        /// cases stay unreadable.
        #[arg(long)]
        retention_keys: Option<PathBuf>,
        /// The master key that wraps the --retention-keys file, when it is not the backup's: the
        /// live store's key after a master-key rotation since the backup. The file is re-wrapped
        /// under the backup's key for the restored store.
        #[arg(long, requires = "retention_keys")]
        retention_keys_master_key: Option<PathBuf>,
    },
}

/// Exit codes: 0 success, 1 failure, 2 partial success (some rows rejected).
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { data, addr, persons, seed } => generate::demo(&data, addr, persons, seed),
        Command::Generate { seed, persons, out, as_of, force } => {
            let config = waspada_synth::Config {
                seed,
                persons,
                as_of: as_of.unwrap_or_else(waspada_synth::Config::default_as_of),
            };
            generate::generate(&config, &out, force)
        }
        Command::Screen { watchlist, queries, threshold, top } => screen::run(&watchlist, &queries, threshold, top),
        Command::Assess { files, policy, explain } => assess::run(&files, policy.as_deref(), explain),
        Command::Serve { store, addr, policy, tls, public } => {
            commands::serve(&store, addr, policy.as_deref(), &tls, &public)
        }
        Command::Import { store, on_conflict, batch_size, purpose, paths } => {
            let policy = match on_conflict {
                OnConflict::Reject => waspada_store::ConflictPolicy::Reject,
                OnConflict::Update => waspada_store::ConflictPolicy::Update,
            };
            import::run(&store, &paths, policy, batch_size.max(1), &purpose)
        }
        Command::Export { store, out, format, purpose } => commands::export(&store, &out, format, &purpose),
        Command::Lookup { store, purpose, what } => commands::lookup(&store, &purpose, what),
        Command::Mrz { command: MrzCommand::Check { today } } => commands::mrz_check(today),
        Command::Mrz { command: MrzCommand::Generate { store, purpose, number, issuing_state } } => {
            mrz_generate::run(&store, &purpose, &number, &issuing_state)
        }
        Command::Audit { command: AuditCommand::Verify { store } } => commands::audit_verify(&store),
        Command::Audit { command: AuditCommand::Checkpoint { store } } => commands::audit_checkpoint(&store),
        Command::Audit { command: AuditCommand::List { store, actor, action, limit } } => {
            commands::audit_list(&store, actor, action, limit)
        }
        Command::Breach { command } => commands::breach(command),
        Command::Dsr { command } => commands::dsr(command),
        Command::Admin { command: AdminCommand::RotateMasterKey { store } } => commands::rotate_master_key(&store),
        Command::Admin { command: AdminCommand::PartnerToken { store, username, days } } => {
            commands::partner_token(&store, &username, days)
        }
        Command::Admin { command: AdminCommand::RevokeTokens { store, username } } => {
            commands::revoke_tokens(&store, &username)
        }
        Command::Admin {
            command: AdminCommand::Retention { store, dry_run, traveller_years, watchlist_years, shorten },
        } => commands::retention(&store, dry_run, traveller_years, watchlist_years, shorten),
        Command::Admin { command: AdminCommand::TotpEnrol { store, username } } => {
            commands::totp_enrol(&store, &username)
        }
        Command::Admin { command: AdminCommand::Backup { store, out } } => commands::backup(&store, &out),
        Command::Admin {
            command: AdminCommand::Restore { store, from, retention_keys, retention_keys_master_key },
        } => commands::restore(&store, &from, retention_keys.as_deref(), retention_keys_master_key.as_deref()),
        Command::Admin { command: AdminCommand::CreateUser { store, username, role, display_name } } => {
            commands::create_user(&store, &username, &role, display_name.as_deref())
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The audit actor for command-line use.
pub fn cli_actor() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}
