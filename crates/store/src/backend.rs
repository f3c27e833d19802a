//! The only place where SQLite and PostgreSQL differ.
//!
//! Queries elsewhere are written once, in PostgreSQL's `$1` placeholder style, against the small
//! [`Sql`] trait, and exchange plain [`Value`]s. This module turns `$1` into SQLite's `?1`, opens
//! pools, sets per-connection pragmas and runs each dialect's migrations.
//!
//! Why not sqlx's `Any` driver: the store is synchronous (callers wrap it in `spawn_blocking`), it
//! must bulk-insert hundreds of thousands of rows per second into SQLite, and rusqlite's cached
//! prepared statements do that with less overhead than an async driver's worker thread.

use std::path::Path;
use std::time::Duration;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::{ToSqlOutput, ValueRef};

use crate::error::{Error, Result};

/// A value passed to or read from SQL. Integers are 64-bit in both dialects, times and dates are
/// ISO 8601 text (which sorts correctly), and sealed data is a blob.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// BIGINT / INTEGER.
    Int(i64),
    /// TEXT.
    Text(String),
    /// BYTEA / BLOB.
    Blob(Vec<u8>),
}

impl Value {
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub(crate) fn as_blob(&self) -> Option<&[u8]> {
        match self {
            Value::Blob(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn into_blob(self) -> Option<Vec<u8>> {
        match self {
            Value::Blob(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn into_text(self) -> Option<String> {
        match self {
            Value::Text(v) => Some(v),
            _ => None,
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row.
pub type Row = Vec<Value>;

/// What a query needs from a connection or transaction; implemented for both dialects.
pub trait Sql {
    /// Runs a statement and returns the number of rows changed.
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs a query and returns all rows.
    fn rows(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
}

/// The SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.45+ (bundled).
    Sqlite,
    /// PostgreSQL 13+.
    Postgres,
}

impl Dialect {
    /// The verb for a multi-row `INSERT` inside a write transaction. SQLite's default conflict
    /// action (ABORT) must undo a failed statement's earlier rows, so every multi-row insert keeps a
    /// statement journal: a copy of each page it touches, which was the largest single cost of a
    /// bulk import. FAIL keeps no journal; the transaction is rolled back on any error anyway
    /// (`Backend::write` drops it), so nothing half-inserted is ever committed.
    pub(crate) fn bulk_insert(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INSERT OR FAIL INTO",
            Dialect::Postgres => "INSERT INTO",
        }
    }
}

/// Rewrites `$N` placeholders to SQLite's `?N`.
fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return std::borrow::Cow::Borrowed(sql);
    }
    std::borrow::Cow::Owned(sql.replace('$', "?"))
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Blob(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

fn sqlite_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Int(v),
        // Floats are not used by the schema; keep them readable rather than failing.
        ValueRef::Real(v) => Value::Text(v.to_string()),
        ValueRef::Text(v) => Value::Text(String::from_utf8_lossy(v).into_owned()),
        ValueRef::Blob(v) => Value::Blob(v.to_vec()),
    }
}

fn sqlite_exec(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<u64> {
    let mut statement = conn.prepare_cached(&sqlite_sql(sql))?;
    let changed = statement.execute(rusqlite::params_from_iter(params.iter()))?;
    Ok(changed as u64)
}

fn sqlite_rows(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
    let mut statement = conn.prepare_cached(&sqlite_sql(sql))?;
    let width = statement.column_count();
    let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(width);
        for index in 0..width {
            values.push(sqlite_value(row.get_ref(index)?));
        }
        out.push(values);
    }
    Ok(out)
}

impl Sql for rusqlite::Transaction<'_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        sqlite_exec(self, sql, params)
    }
    fn rows(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        sqlite_rows(self, sql, params)
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => {
                if *ty == Type::INT4 {
                    i32::try_from(*v)?.to_sql(ty, out)
                } else {
                    v.to_sql(ty, out)
                }
            }
            Value::Text(v) => v.to_sql(ty, out),
            Value::Blob(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn pg_params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn pg_row(row: &postgres::Row) -> Result<Row> {
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(index)?.map_or(Value::Null, Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(index)?.map_or(Value::Null, |v| Value::Int(v.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(index)?.map_or(Value::Null, |v| Value::Int(v.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(index)?.map_or(Value::Null, |v| Value::Int(v.into()))
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(index)?.map_or(Value::Null, Value::Blob)
        } else {
            row.try_get::<_, Option<String>>(index)?.map_or(Value::Null, Value::Text)
        };
        values.push(value);
    }
    Ok(values)
}

impl Sql for postgres::Transaction<'_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let statement = self.prepare(sql)?;
        Ok(self.execute(&statement, &pg_params(params))?)
    }
    fn rows(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let statement = self.prepare(sql)?;
        self.query(&statement, &pg_params(params))?.iter().map(pg_row).collect()
    }
}

/// A connection pool for one of the two dialects.
#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite(Pool<SqliteConnectionManager>),
    Postgres(Pool<PostgresConnectionManager<postgres::NoTls>>),
}

const SQLITE_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_audit_checkpoints.sql")),
    (3, include_str!("../migrations/sqlite/0003_breaches.sql")),
    (4, include_str!("../migrations/sqlite/0004_public_and_cases.sql")),
    (5, include_str!("../migrations/sqlite/0005_second_factor_and_counters.sql")),
    (6, include_str!("../migrations/sqlite/0006_subject_requests.sql")),
    (7, include_str!("../migrations/sqlite/0007_retention_epochs.sql")),
    (8, include_str!("../migrations/sqlite/0008_recovery_codes.sql")),
];
const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_audit_checkpoints.sql")),
    (3, include_str!("../migrations/postgres/0003_breaches.sql")),
    (4, include_str!("../migrations/postgres/0004_public_and_cases.sql")),
    (5, include_str!("../migrations/postgres/0005_second_factor_and_counters.sql")),
    (6, include_str!("../migrations/postgres/0006_subject_requests.sql")),
    (7, include_str!("../migrations/postgres/0007_retention_epochs.sql")),
    (8, include_str!("../migrations/postgres/0008_recovery_codes.sql")),
];

impl Backend {
    /// Opens (creating if needed) the SQLite database file.
    pub(crate) fn open_sqlite(path: &Path, pool_size: u32) -> Result<Backend> {
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            // WAL lets readers run beside the single writer; NORMAL sync is durable across
            // application crashes and loses at most the last transactions on power loss. The
            // page cache (256 MiB, allocated only as used) holds the blind-index B-trees, whose
            // keys are random by design, so bulk inserts do not thrash; memory-mapped reads spare a system
            // call for every page that misses it. Checkpoints run on a background thread
            // (`Checkpointer`), never inside a request's commit, where they would cost tail latency.
            conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 10000;
                 PRAGMA temp_store = MEMORY;
                 PRAGMA cache_size = -262144;
                 PRAGMA mmap_size = 2147418112;
                 PRAGMA wal_autocheckpoint = 0;
                 PRAGMA journal_size_limit = 67108864;",
            )?;
            conn.set_prepared_statement_cache_capacity(256);
            Ok(())
        });
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(30))
            .build(manager)
            .map_err(|e| Error::Backend(format!("cannot open SQLite database {}: {e}", path.display())))?;
        let backend = Backend::Sqlite(pool);
        backend.migrate()?;
        Ok(backend)
    }

    /// Connects to PostgreSQL.
    pub(crate) fn open_postgres(url: &str, pool_size: u32) -> Result<Backend> {
        let config: postgres::Config = url.parse().map_err(|e| Error::Config(format!("bad PostgreSQL URL: {e}")))?;
        let manager = PostgresConnectionManager::new(config, postgres::NoTls);
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| Error::Backend(format!("cannot connect to PostgreSQL: {e}")))?;
        let backend = Backend::Postgres(pool);
        backend.migrate()?;
        Ok(backend)
    }

    pub(crate) fn checkpoint(&self) -> Result<()> {
        if let Backend::Sqlite(pool) = self {
            sqlite_conn(pool)?.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Writes a consistent copy of the SQLite database to `path` (`VACUUM INTO`: a snapshot taken
    /// in one read transaction, compacted, while writers go on). PostgreSQL has its own tools.
    pub(crate) fn backup_to(&self, path: &Path) -> Result<()> {
        match self {
            Backend::Sqlite(pool) => {
                let target = path.to_str().ok_or_else(|| Error::Config("the backup path must be UTF-8".into()))?;
                sqlite_conn(pool)?.execute("VACUUM INTO ?1", [target])?;
                Ok(())
            }
            Backend::Postgres(_) => Err(Error::Config(
                "a PostgreSQL store is backed up with pg_dump (the wrapped keys are in its meta and data_keys tables); keep the master key apart from the dump".into(),
            )),
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `work` in one transaction and commits it. SQLite transactions start IMMEDIATE so that
    /// two writers queue on the busy timeout instead of failing when they upgrade a read lock.
    pub(crate) fn write<T>(&self, work: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        match self {
            Backend::Sqlite(pool) => {
                let mut conn = sqlite_conn(pool)?;
                let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let out = work(&mut tx)?;
                tx.commit()?;
                Ok(out)
            }
            Backend::Postgres(pool) => {
                let mut conn = postgres_conn(pool)?;
                let mut tx = conn.transaction()?;
                let out = work(&mut tx)?;
                tx.commit()?;
                Ok(out)
            }
        }
    }

    /// Runs `work` in a read transaction (a consistent snapshot).
    pub(crate) fn read<T>(&self, work: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        match self {
            Backend::Sqlite(pool) => {
                let mut conn = sqlite_conn(pool)?;
                let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
                let out = work(&mut tx)?;
                tx.commit()?;
                Ok(out)
            }
            Backend::Postgres(pool) => {
                let mut conn = postgres_conn(pool)?;
                let mut tx = conn.build_transaction().read_only(true).start()?;
                let out = work(&mut tx)?;
                tx.commit()?;
                Ok(out)
            }
        }
    }

    fn migrate(&self) -> Result<()> {
        let migrations = match self.dialect() {
            Dialect::Sqlite => SQLITE_MIGRATIONS,
            Dialect::Postgres => POSTGRES_MIGRATIONS,
        };
        // Each migration runs in its own transaction. A batch of DDL is run statement by statement
        // because neither prepared-statement path accepts several statements at once.
        match self {
            Backend::Sqlite(pool) => {
                let mut conn = sqlite_conn(pool)?;
                conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")?;
                for (version, script) in migrations {
                    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let done: i64 =
                        tx.query_row("SELECT COUNT(*) FROM schema_migrations WHERE version = ?1", [version], |r| {
                            r.get(0)
                        })?;
                    if done == 0 {
                        tx.execute_batch(script)?;
                        tx.execute(
                            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                            rusqlite::params![version, crate::now_text()],
                        )?;
                    }
                    tx.commit()?;
                }
            }
            Backend::Postgres(pool) => {
                let mut conn = postgres_conn(pool)?;
                conn.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")?;
                for (version, script) in migrations {
                    let mut tx = conn.transaction()?;
                    // Serialise concurrent migrators (two servers starting at once).
                    tx.batch_execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")?;
                    let done: i64 =
                        tx.query_one("SELECT COUNT(*) FROM schema_migrations WHERE version = $1", &[version])?.get(0);
                    if done == 0 {
                        tx.batch_execute(script)?;
                        tx.execute(
                            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                            &[version, &crate::now_text()],
                        )?;
                    }
                    tx.commit()?;
                }
            }
        }
        Ok(())
    }
}

fn sqlite_conn(pool: &Pool<SqliteConnectionManager>) -> Result<PooledConnection<SqliteConnectionManager>> {
    pool.get().map_err(|e| Error::Backend(format!("no SQLite connection available: {e}")))
}

fn postgres_conn(
    pool: &Pool<PostgresConnectionManager<postgres::NoTls>>,
) -> Result<PooledConnection<PostgresConnectionManager<postgres::NoTls>>> {
    pool.get().map_err(|e| Error::Backend(format!("no PostgreSQL connection available: {e}")))
}

/// Frames (pages) in the write-ahead log past which the checkpointer makes the log start over:
/// 16,384 frames of 4 KiB, 64 MiB.
const WAL_RESTART_FRAMES: i64 = 16_384;

/// Copies the SQLite write-ahead log back into the database file every half second, on its own
/// thread, so that no request's commit pays for a checkpoint. Stops when the last `Store` clone
/// holding it is dropped.
pub(crate) struct Checkpointer {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Checkpointer {
    pub(crate) fn start(backend: &Backend) -> Option<Checkpointer> {
        let Backend::Sqlite(pool) = backend else { return None };
        let pool = pool.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(500));
                    if let Ok(conn) = pool.get() {
                        // PASSIVE never waits for readers or writers; what it cannot copy now it
                        // copies next time. It returns (busy, frames in the log, frames copied).
                        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                            Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
                        }) {
                            // Under steady reads and writes a passive checkpoint copies everything
                            // but the log never starts over (some reader always holds it), so the
                            // file grows without bound: a public intake of 17,500 reports left a
                            // 1.1 GB log. Past WAL_RESTART_FRAMES, a RESTART checkpoint waits (a
                            // few ms: transactions are short) for readers to leave the log, and
                            // the next writer starts again from its beginning; journal_size_limit
                            // then trims the file.
                            Ok((log, copied)) if log >= WAL_RESTART_FRAMES && copied == log => {
                                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())) {
                                    tracing::warn!(error = %e, "WAL restart checkpoint failed");
                                }
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                        }
                    }
                }
                if let Ok(conn) = pool.get() {
                    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
                }
            })
            .ok()?;
        Some(Checkpointer { stop })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `$1, $2, …` for `count` parameters starting after `offset`.
pub(crate) fn placeholders(offset: usize, count: usize) -> String {
    (offset + 1..=offset + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `($1, $2), ($3, $4), …` for `rows` tuples of `width` parameters.
pub(crate) fn tuples(rows: usize, width: usize) -> String {
    (0..rows).map(|r| format!("({})", placeholders(r * width, width))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_helpers() {
        assert_eq!(placeholders(2, 3), "$3, $4, $5");
        assert_eq!(tuples(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(sqlite_sql("a = $1 AND b = $12"), "a = ?1 AND b = ?12");
    }
}
