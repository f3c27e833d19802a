//! Waspada's record of truth: SQLite (embedded default) or PostgreSQL behind one synchronous API.
//!
//! Main types: [`Store`] (open with a [`StoreConfig`]), [`AuditContext`] (who and why, required for
//! every access to personal data), [`RowOutcome`] (what an import did with each row) and
//! [`Stored`] (a record with its internal id).
//!
//! Why this shape:
//! - **Synchronous.** rusqlite and the blocking `postgres` client are simple and fast; the server
//!   calls the store inside `spawn_blocking`.
//! - **Sealed personal data.** Every record is stored as an AEAD ciphertext of its JSON encoding,
//!   sealed with its data subject's key (see `seal`). Only codes, dates and statuses needed to
//!   filter and aggregate are plain columns. Exact lookups go through keyed blind indexes.
//!   Invariant: plaintext personal data exists only in memory; `seal` is the only module with keys.
//! - **Audit in the same breath.** Every read or write of personal data appends to the hash-chained
//!   audit log (see `audit`); writes do it in the same transaction as the change.
//! - **One SQL text for both dialects.** Queries use `$1` placeholders over the small `Sql` trait;
//!   the dialect differences live in `backend` and in `migrations/{sqlite,postgres}`.
#![deny(missing_docs)]

mod audit;
mod backend;
mod breaches;
mod cases;
mod error;
mod public;
mod records;
mod retention;
mod rotation;
mod seal;
mod subject_requests;
mod traveller_retention;
mod users;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use audit::{AuditCheckpoint, AuditContext, AuditEntry, AuditQuery, AuditVerdict};
pub use backend::Dialect;
pub use breaches::{Breach, BreachCategory, BreachReport, NOTIFY_WITHIN_HOURS, Notified};
pub use cases::{
    CaseOutcome, CaseSummary, CaseView, Entry, EntryKind, Involvement, LinkDecision, LinkedPerson, NewEntry, NewParty,
    Party, PartyRole, REFERRAL_STATUSES, REFERRAL_TARGETS, ReportLink, TASK_STATUSES,
};
pub use error::{Error, Result};
pub use public::{
    Addition, Answered, AttachmentKind, Idempotency, NewSubmission, PhotoInfo, QueueItem, QueueQuery, Receipt,
    SubmissionDetail, SubmissionKind, SubmissionState, SubmissionStatus, Submitted,
};
pub use records::{CheckLookup, ConflictPolicy, ImportKind, PreparedImport, RowOutcome, Stored, Timeline};
pub use retention::{RetentionItem, RetentionPolicy, RetentionReport};
pub use rotation::RotationReport;
pub use seal::{CommandProvider, MasterKeyProvider, MasterKeySource};
pub use seal::{DEFAULT_TRAVELLER_DAYS, DEFAULT_WATCHLIST_DAYS, rewrap_retention_file};
pub use subject_requests::{EXEMPTIONS, NewSubjectRequest, RequestKind, SubjectRequest};
pub use traveller_retention::month_label;
pub use users::User;

use backend::{Backend, Sql, Value};
use seal::Keyring;

/// The file in the data folder that holds the retention keys (see `seal::RetentionKeys`): keep a
/// copy with the master key, and replace that copy after every retention run.
pub const RETENTION_KEY_FILE: &str = "retention.keys";

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Data folder: holds `waspada.db` (SQLite) and, by default, `master.key`.
    pub data_dir: PathBuf,
    /// A `postgres://` URL; when set, records go to PostgreSQL instead of SQLite.
    pub database_url: Option<String>,
    /// Where the master key comes from; `None` means `<data_dir>/master.key`.
    pub master_key: Option<MasterKeySource>,
    /// Connections in the pool.
    pub pool_size: u32,
}

impl StoreConfig {
    /// Defaults for a data folder.
    pub fn new(data_dir: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig { data_dir: data_dir.into(), database_url: None, master_key: None, pool_size: 8 }
    }
}

/// An open store. Cheap to clone; clones share the pool and keys.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    keys: Arc<Keyring>,
    /// Signs audit checkpoints.
    signer: Arc<seal::AuditSigner>,
    /// Where the master key is kept (for rotation).
    master_source: MasterKeySource,
    /// `audit-checkpoints.jsonl` in the data folder: checkpoints kept outside the database.
    anchor: PathBuf,
    master_key_created: bool,
    _checkpointer: Option<Arc<backend::Checkpointer>>,
    /// Document links held in memory during a bulk crossing import (see
    /// `cache_document_links`); `None` otherwise.
    document_links: Arc<std::sync::RwLock<Option<(String, records::DocumentLinks)>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dialect", &self.backend.dialect()).finish_non_exhaustive()
    }
}

pub(crate) fn now_text() -> String {
    waspada_domain::format_timestamp(Utc::now())
}

impl Store {
    /// Opens the store, creating the data folder, database, schema and master key as needed.
    pub fn open(config: &StoreConfig) -> Result<Store> {
        #[cfg(feature = "insecure-no-sealing")]
        if std::env::var("WASPADA_BENCH_NO_SEALING").as_deref() != Ok("1") {
            return Err(Error::Config(
                "this binary was built with the insecure-no-sealing feature (benchmarks only) and stores personal data in clear: set WASPADA_BENCH_NO_SEALING=1 to use it for a benchmark".into(),
            ));
        }
        create_private_dir(&config.data_dir)?;
        let backend = match &config.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Backend::open_postgres(url, config.pool_size)?
            }
            Some(url) if url.starts_with("sqlite:") => {
                let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                Backend::open_sqlite(std::path::Path::new(path), config.pool_size)?
            }
            Some(_) => return Err(Error::Config("the database URL must start with postgres:// or sqlite:".into())),
            None => Backend::open_sqlite(&config.data_dir.join("waspada.db"), config.pool_size)?,
        };
        let source =
            config.master_key.clone().unwrap_or_else(|| MasterKeySource::File(config.data_dir.join("master.key")));
        let wrapped = backend.read(|sql| read_meta(sql, "index_key"))?;
        // A store that already holds sealed data never gets a new master key: that key could not
        // read anything, and an operator might back it up believing it is the real one.
        let (master, master_key_created) = seal::load_or_create_master_key(&source, wrapped.is_none())?;
        let (keys, signer) = backend.write(|sql| {
            let insert_meta = |sql: &mut dyn Sql, key: &str, value: Option<Vec<u8>>| -> Result<()> {
                if let Some(value) = value {
                    sql.exec("INSERT INTO meta (key, value) VALUES ($1, $2)", &[Value::from(key), Value::Blob(value)])?;
                }
                Ok(())
            };
            let wrapped = read_meta(sql, "index_key")?;
            let (keyring, new_wrapped) = Keyring::open(seal::MasterKey::new(master, &source), wrapped.as_deref())?;
            insert_meta(sql, "index_key", new_wrapped)?;
            let wrapped = read_meta(sql, "audit_signing_key")?;
            let (signer, new_wrapped) = seal::AuditSigner::open(&keyring, wrapped.as_deref())?;
            insert_meta(sql, "audit_signing_key", new_wrapped)?;
            // The retention run marker exists from the start: writers lock it to see whether a
            // run is in progress, and a lock on a row that does not exist holds nothing.
            sql.exec(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[Value::from(traveller_retention::RUN_META), Value::Blob(Vec::new())],
            )?;
            Ok((keyring, signer))
        })?;
        let mut keys = keys;
        let retention_file = config.data_dir.join(RETENTION_KEY_FILE);
        let (floor, used) = backend.read(|sql| {
            let rows = sql.rows("SELECT DISTINCT epoch FROM data_keys WHERE epoch IS NOT NULL", &[])?;
            let used: Vec<i64> = rows.iter().filter_map(|r| r.first().and_then(Value::as_int)).collect();
            let floor = used.iter().copied().max();
            Ok((floor, used))
        })?;
        // A copy of the key file older than the database (kept before keys were added to it)
        // lacks keys the database uses and does not list them as destroyed: those records would
        // look shredded, and a retention run would delete them. Refuse until the file is the
        // current one, or says that those keys are lost (listed under "destroyed").
        if let Some(missing) = seal::retention_file_missing(&retention_file, &used)?
            && !missing.is_empty()
        {
            return Err(Error::Config(format!(
                "the retention key file {} is older than this database: it neither holds nor lists as destroyed the keys numbered {missing:?}, which the database uses. Use the current file (the one beside the live database, or its latest copy); if those keys are lost for good, add their numbers to \"destroyed\" in the file to go on without the records they open",
                retention_file.display()
            )));
        }
        if let Some(epoch) = floor
            && !retention_file.exists()
        {
            return Err(Error::Config(format!(
                "the retention key file {} is missing, but this store holds traveller records, reports and cases sealed under retention key {epoch} or earlier: copy the file back from where it is kept with the master key (without it those records cannot be read; if it is lost for good, write {{\"format\":1,\"keys\":[],\"destroyed_below\":{}}} into it to go on without them)",
                retention_file.display(),
                epoch + 1
            )));
        }
        keys.set_retention_file(retention_file, floor.unwrap_or(0));
        let _checkpointer = backend::Checkpointer::start(&backend).map(Arc::new);
        let store = Store {
            backend,
            keys: Arc::new(keys),
            signer: Arc::new(signer),
            master_source: source,
            anchor: config.data_dir.join("audit-checkpoints.jsonl"),
            master_key_created,
            _checkpointer,
            document_links: Arc::default(),
        };
        // New traveller and watchlist keys are filed by the periods of the last retention run.
        store.refresh_retention_period()?;
        Ok(store)
    }

    /// Whether this open created a new master key (the caller should tell the operator to back it
    /// up: without it the data cannot be read).
    pub fn master_key_created(&self) -> bool {
        self.master_key_created
    }

    /// The SQL dialect in use.
    pub fn dialect(&self) -> Dialect {
        self.backend.dialect()
    }

    /// A row-locking clause (`" FOR SHARE"`, `" FOR UPDATE"`, …) to append to a `SELECT` in a write
    /// transaction: PostgreSQL needs it; SQLite writers run one at a time and have none.
    pub(crate) fn row_lock(&self, clause: &'static str) -> &'static str {
        if self.backend.dialect() == Dialect::Postgres { clause } else { "" }
    }

    /// Appends an audit entry on its own (for events that change no record, such as a sign-in).
    pub fn record_audit(&self, context: &AuditContext, action: &str, subject: &str, detail: &str) -> Result<i64> {
        self.backend.write(|sql| audit::record(&self.keys, sql, context, action, subject, detail, Utc::now()))
    }

    /// Checks the whole audit chain and every signed checkpoint (database and anchor file).
    pub fn verify_audit(&self) -> Result<AuditVerdict> {
        audit::verify(&self.keys, &self.signer, &self.backend, &self.anchor)
    }

    /// Signs the audit chain's current head (Ed25519), stores the checkpoint and appends it to
    /// `audit-checkpoints.jsonl` in the data folder, outside the database. `None` when the log is
    /// empty or its head is already signed. Someone with only the SQL password can then no longer
    /// cut entries off the end of the log unnoticed.
    pub fn audit_checkpoint(&self) -> Result<Option<AuditCheckpoint>> {
        let made = self.backend.write(|sql| audit::checkpoint(&self.signer, sql, Utc::now()))?;
        if let Some(checkpoint) = &made {
            audit::anchor(&self.anchor, checkpoint)?;
        }
        Ok(made)
    }

    /// The Ed25519 public key that checks audit checkpoints, hex (give it to auditors).
    pub fn audit_public_key(&self) -> String {
        hex::encode(self.signer.public_key())
    }

    /// Lists audit entries, newest first.
    pub fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.backend.read(|sql| audit::list(sql, query))
    }

    /// A stable pseudonym for `value` in `domain` (`nik`, `name`, `document`, `phone`, …): the same
    /// input gives the same pseudonym for as long as this store exists, so analysts can follow one
    /// person across records without seeing who they are. Keyed (HMAC under the index key, in its
    /// own domain so it never equals a stored blind index), so it cannot be reversed by trying
    /// every NIK without the key. 64 bits, Crockford base32: 13 characters.
    pub fn pseudonym(&self, domain: &str, value: &str) -> String {
        let mac = self.keys.mac(&[b"pseudonym-v1", domain.as_bytes(), value.as_bytes()]);
        crockford_base32(&mac[..8])
    }

    /// Row counts per table, for status pages (no personal data).
    pub fn counts(&self) -> Result<Vec<(&'static str, i64)>> {
        const TABLES: [&str; 11] = [
            "persons",
            "documents",
            "applications",
            "crossings",
            "watchlist",
            "submissions",
            "cases",
            "users",
            "data_keys",
            "idempotency_keys",
            "audit_log",
        ];
        self.backend.read(|sql| {
            let mut out = Vec::new();
            for table in TABLES {
                let rows = sql.rows(&format!("SELECT COUNT(*) FROM {table}"), &[])?;
                let count = rows.first().and_then(|r| r.first()).and_then(Value::as_int).unwrap_or(0);
                out.push((table, count));
            }
            Ok(out)
        })
    }

    /// Copies the SQLite write-ahead log into the database file and empties it, waiting for
    /// readers if needed. A bulk import calls this at the end so that the next process (say, the
    /// server) does not start by copying gigabytes in the background. No-op on PostgreSQL.
    pub fn checkpoint(&self) -> Result<()> {
        self.backend.checkpoint()
    }

    /// A cheap liveness probe of the database.
    pub fn ping(&self) -> Result<()> {
        self.backend.read(|sql| sql.rows("SELECT 1", &[]).map(|_| ()))
    }
}

/// A blob stored in `meta` (the wrapped index key, the wrapped audit-signing seed).
pub(crate) fn read_meta(sql: &mut dyn Sql, key: &str) -> Result<Option<Vec<u8>>> {
    let stored = sql.rows("SELECT value FROM meta WHERE key = $1", &[Value::from(key)])?;
    Ok(stored.into_iter().next().and_then(|row| row.into_iter().next()).and_then(Value::into_blob))
}

fn create_private_dir(dir: &std::path::Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| Error::Config(format!("cannot create data folder {}: {e}", dir.display())))
}

/// Timestamps as stored.
pub(crate) fn stamp(at: DateTime<Utc>) -> String {
    waspada_domain::format_timestamp(at)
}

/// Crockford's base32 (no I, L, O, U: nothing to misread when an analyst copies a pseudonym onto
/// paper), 5 bits at a time, most significant first. Written here because it is eight lines.
fn crockford_base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod pseudonym_tests {
    use super::crockford_base32;

    #[test]
    fn crockford_base32_matches_the_reference_alphabet() {
        assert_eq!(crockford_base32(&[]), "");
        assert_eq!(crockford_base32(&[0]), "00");
        assert_eq!(crockford_base32(&[0xff]), "ZW");
        // Worked by hand: 0x0123456789ABCDEF as 5-bit groups, padded with one zero bit.
        assert_eq!(crockford_base32(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]), "04HMASW9NF6YY");
        assert_eq!(crockford_base32(&[0; 8]).len(), 13);
    }
}
