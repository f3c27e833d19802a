//! The harness: a fresh store per test on SQLite (a temporary folder) and on PostgreSQL (a fresh
//! schema in the database named by `WASPADA_PG_URL`), raw SQL access for tamper tests, and a scan
//! of everything the database holds for the plaintext checks.
//!
//! Policy for a missing PostgreSQL server, implemented once in [`postgres_url`]: when
//! `WASPADA_PG_URL` is unset or the server does not answer, the PostgreSQL variant fails if `CI` is
//! `true` and otherwise prints a notice to stderr and passes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tempfile::TempDir;
use waspada_store::{Store, StoreConfig};

/// Runs each named test function (`fn(&Harness)`) twice, as `<name>::sqlite` and
/// `<name>::postgres`. Modules and functions live in different namespaces, so the module may share
/// the function's name.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                $crate::support::on_sqlite(super::$name)
            }

            #[test]
            fn postgres() {
                $crate::support::on_postgres(super::$name)
            }
        }
    )*};
}

/// Which database a harness uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh, empty database plus a data folder (which holds `master.key`, and for SQLite the
/// database itself). Opening it again gives the same store.
pub struct Harness {
    kind: Kind,
    config: StoreConfig,
    // Declared before `dir` so that the schema is dropped while the folder still exists; neither
    // depends on the other, but the order keeps drops predictable.
    schema: Option<PgSchema>,
    dir: TempDir,
}

impl Harness {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The configuration the store is opened with (pool of two: tests run two at a time on two
    /// cores and PostgreSQL allows a hundred connections).
    pub fn config(&self) -> StoreConfig {
        self.config.clone()
    }

    /// Opens the store, creating it on first use.
    pub fn open(&self) -> Store {
        Store::open(&self.config).expect("open the store")
    }

    /// A path inside the temporary folder but outside the data folder.
    pub fn scratch_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The SQLite database file.
    pub fn sqlite_path(&self) -> PathBuf {
        self.config.data_dir.join("waspada.db")
    }

    /// Runs SQL on a connection of its own, as someone with direct database access would.
    pub fn raw_batch(&self, sql: &str) -> Result<(), String> {
        match &self.schema {
            None => {
                let conn = rusqlite::Connection::open(self.sqlite_path()).map_err(|e| e.to_string())?;
                conn.busy_timeout(Duration::from_secs(10)).map_err(|e| e.to_string())?;
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            Some(schema) => schema.client().batch_execute(sql).map_err(|e| format!("{e}: {e:?}")),
        }
    }

    /// Removes the triggers that make `audit_log` append-only, as an attacker with the database
    /// password could.
    pub fn drop_audit_triggers(&self) {
        let sql = match self.kind {
            Kind::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
            Kind::Postgres => {
                "DROP TRIGGER audit_log_no_update ON audit_log; DROP TRIGGER audit_log_no_truncate ON audit_log;"
            }
        };
        self.raw_batch(sql).expect("drop the audit triggers");
    }

    /// Every text and binary value in every table, read through SQL.
    pub fn stored_values(&self) -> Vec<Vec<u8>> {
        match &self.schema {
            None => sqlite_values(&self.sqlite_path()),
            Some(schema) => postgres_values(&mut schema.client()),
        }
    }

    /// The raw bytes of the SQLite database and its journal files. Call it with the store closed.
    pub fn sqlite_file_bytes(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&self.config.data_dir).expect("list the data folder") {
            let path = entry.expect("data folder entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with("waspada.db") {
                files.push((name, std::fs::read(&path).expect("read a database file")));
            }
        }
        files
    }
}

/// Runs a test on a fresh SQLite store.
pub fn on_sqlite(test: impl FnOnce(&Harness)) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut config = StoreConfig::new(dir.path().join("data"));
    config.pool_size = 2;
    test(&Harness { kind: Kind::Sqlite, config, schema: None, dir });
}

/// Runs a test on a fresh PostgreSQL schema, or skips it (see the module docs).
pub fn on_postgres(test: impl FnOnce(&Harness)) {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url);
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut config = StoreConfig::new(dir.path().join("data"));
    config.pool_size = 2;
    config.database_url = Some(schema.url.clone());
    test(&Harness { kind: Kind::Postgres, config, schema: Some(schema), dir });
}

/// The PostgreSQL URL to test against, or `None` to skip (after a notice). Panics instead of
/// skipping when `CI` is `true`, so that CI cannot pass without running these tests.
pub fn postgres_url() -> Option<String> {
    static PROBE: OnceLock<Result<String, String>> = OnceLock::new();
    let probe = PROBE.get_or_init(|| {
        let url = std::env::var("WASPADA_PG_URL").map_err(|_| "WASPADA_PG_URL not set".to_owned())?;
        let mut config: postgres::Config =
            url.parse().map_err(|e| format!("WASPADA_PG_URL is not a PostgreSQL URL: {e}"))?;
        config.connect_timeout(Duration::from_secs(5));
        config.connect(postgres::NoTls).map_err(|e| format!("the server at WASPADA_PG_URL does not answer: {e}"))?;
        Ok(url)
    });
    match probe {
        Ok(url) => Some(url.clone()),
        Err(problem) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PostgreSQL tests are required when CI=true: {problem}"
            );
            // Once per run, and past the test harness's output capture, so that it shows.
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "skipping PostgreSQL tests: {problem}");
            });
            None
        }
    }
}

/// A schema of its own for one test, dropped (best effort) afterwards. The store reaches it
/// through the URL's `options=-csearch_path=…`, which `postgres::Config` percent-decodes.
struct PgSchema {
    admin_url: String,
    name: String,
    url: String,
}

impl PgSchema {
    fn create(admin_url: &str) -> PgSchema {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!("t_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let mut client = postgres::Client::connect(admin_url, postgres::NoTls).expect("connect to PostgreSQL");
        client.batch_execute(&format!("CREATE SCHEMA {name}")).expect("create a test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-csearch_path%3D{name}");
        PgSchema { admin_url: admin_url.to_owned(), name, url }
    }

    /// A connection whose search path is the test schema.
    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to the test schema")
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

fn sqlite_values(path: &Path) -> Vec<Vec<u8>> {
    let conn = rusqlite::Connection::open(path).expect("open the database file");
    let tables: Vec<String> = {
        let mut statement =
            conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").expect("list the tables");
        statement.query_map([], |row| row.get(0)).expect("list the tables").map(|r| r.expect("table name")).collect()
    };
    assert!(tables.iter().any(|t| t == "persons"), "the schema has not been created");
    let mut values = Vec::new();
    for table in tables {
        let mut statement = conn.prepare(&format!("SELECT * FROM \"{table}\"")).expect("select a table");
        let width = statement.column_count();
        let mut rows = statement.query([]).expect("read a table");
        while let Some(row) = rows.next().expect("read a row") {
            for index in 0..width {
                match row.get_ref(index).expect("read a value") {
                    rusqlite::types::ValueRef::Text(bytes) | rusqlite::types::ValueRef::Blob(bytes) => {
                        values.push(bytes.to_vec())
                    }
                    _ => {}
                }
            }
        }
    }
    values
}

fn postgres_values(client: &mut postgres::Client) -> Vec<Vec<u8>> {
    let columns = client
        .query(
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND data_type IN ('text', 'bytea', 'character varying')",
            &[],
        )
        .expect("list the columns");
    let tables: std::collections::HashSet<String> = columns.iter().map(|r| r.get::<_, String>(0)).collect();
    assert!(tables.contains("persons"), "the schema has not been created");
    let mut values = Vec::new();
    for column in columns {
        let (table, name, data_type): (String, String, String) = (column.get(0), column.get(1), column.get(2));
        let rows = client.query(&format!("SELECT \"{name}\" FROM \"{table}\""), &[]).expect("read a column");
        for row in rows {
            let value = if data_type == "bytea" {
                row.get::<_, Option<Vec<u8>>>(0)
            } else {
                row.get::<_, Option<String>>(0).map(String::into_bytes)
            };
            values.extend(value);
        }
    }
    values
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}
