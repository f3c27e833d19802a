//! The append-only, hash-chained audit log.
//!
//! Each entry's hash is an HMAC-SHA-256, under the store's secret index key, over the previous
//! entry's hash and the entry's fields, length-prefixed. `audit_head` holds the tip; every append
//! updates it in the same transaction as the change it records, which serialises appenders so the
//! chain never forks. Triggers refuse
//! UPDATE and DELETE on `audit_log`; [`verify`] catches what someone with the SQL password could do
//! anyway (edit, delete or reorder rows, with the triggers dropped).

use chrono::{DateTime, Utc};

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::backend::{Sql, Value};
use crate::error::{Error, Result};
use crate::seal::{AuditSigner, Keyring};

/// Who is acting and why. Every read or write of personal data carries one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    /// User name (or `cli:<name>` for the command line).
    pub actor: String,
    /// The stated purpose of the access.
    pub purpose: String,
}

impl AuditContext {
    /// Builds a context; the purpose must not be empty.
    pub fn new(actor: impl Into<String>, purpose: impl Into<String>) -> Result<AuditContext> {
        let actor = actor.into();
        let purpose = purpose.into().trim().to_owned();
        if purpose.is_empty() {
            return Err(Error::Config("a purpose is required for access to personal data".into()));
        }
        Ok(AuditContext { actor, purpose })
    }
}

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What kind of access, e.g. `person.read`.
    pub action: String,
    /// Which record(s), by internal id, e.g. `person:42`. Never personal data.
    pub subject: String,
    /// Why.
    pub purpose: String,
    /// Extra non-personal detail, e.g. counts.
    pub detail: String,
}

/// The entry's link in the chain: a MAC keyed with the store's secret index key (under its own
/// domain label), so that someone with only SQL access cannot recompute the chain after an edit.
fn entry_hash(keys: &Keyring, prev: &[u8], entry: &AuditEntry) -> Vec<u8> {
    let seq = entry.seq.to_be_bytes();
    keys.mac(&[
        b"waspada-audit-v2",
        prev,
        &seq,
        entry.at.as_bytes(),
        entry.actor.as_bytes(),
        entry.action.as_bytes(),
        entry.subject.as_bytes(),
        entry.purpose.as_bytes(),
        entry.detail.as_bytes(),
    ])
}

/// Appends an entry inside the caller's transaction.
pub(crate) fn record(
    keys: &Keyring,
    sql: &mut dyn Sql,
    context: &AuditContext,
    action: &str,
    subject: &str,
    detail: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    // Updating the head first takes its row lock (PostgreSQL) before reading it, so concurrent
    // appenders wait for each other instead of both extending the same tip.
    sql.exec("UPDATE audit_head SET seq = seq WHERE id = 1", &[])?;
    let head = sql.rows("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
    let (last_seq, prev_hash) = match head.into_iter().next() {
        Some(mut row) if row.len() == 2 => {
            let hash = row.pop().and_then(Value::into_blob);
            let seq = row.pop().and_then(|v| v.as_int());
            match (seq, hash) {
                (Some(seq), Some(hash)) => (seq, hash),
                _ => return Err(Error::Corrupt("audit_head has unexpected types".into())),
            }
        }
        _ => return Err(Error::Corrupt("audit_head is missing".into())),
    };
    let entry = AuditEntry {
        seq: last_seq + 1,
        at: waspada_domain::format_timestamp(at),
        actor: context.actor.clone(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        purpose: context.purpose.clone(),
        detail: detail.to_owned(),
    };
    let hash = entry_hash(keys, &prev_hash, &entry);
    sql.exec(
        "INSERT INTO audit_log (seq, at, actor, action, subject, purpose, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            Value::Int(entry.seq),
            Value::Text(entry.at),
            Value::Text(entry.actor),
            Value::Text(entry.action),
            Value::Text(entry.subject),
            Value::Text(entry.purpose),
            Value::Text(entry.detail),
            Value::Blob(prev_hash),
            Value::Blob(hash.clone()),
        ],
    )?;
    sql.exec("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", &[Value::Int(last_seq + 1), Value::Blob(hash)])?;
    Ok(last_seq + 1)
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    /// Every entry links to its predecessor, the head matches the last entry, and every signed
    /// checkpoint matches the entry it covers.
    Intact {
        /// Number of entries checked.
        entries: i64,
        /// Number of signed checkpoints checked (from the database and the anchor file).
        checkpoints: usize,
    },
    /// The first entry at which the chain breaks, and how.
    Broken {
        /// Sequence number of the first bad entry (or where one is missing).
        seq: i64,
        /// What is wrong.
        reason: String,
    },
}

fn row_to_entry(row: Vec<Value>) -> Result<(AuditEntry, Vec<u8>, Vec<u8>)> {
    let mut values = row.into_iter();
    let mut next = || values.next().ok_or_else(|| Error::Corrupt("short audit row".into()));
    let seq = next()?.as_int().ok_or_else(|| Error::Corrupt("audit seq".into()))?;
    let mut text = || -> Result<String> {
        next()?.into_text().ok_or_else(|| Error::Corrupt(format!("audit entry {seq}: text field")))
    };
    let at = text()?;
    let actor = text()?;
    let action = text()?;
    let subject = text()?;
    let purpose = text()?;
    let detail = text()?;
    let prev_hash = next()?.into_blob().ok_or_else(|| Error::Corrupt(format!("audit entry {seq}: prev_hash")))?;
    let hash = next()?.into_blob().ok_or_else(|| Error::Corrupt(format!("audit entry {seq}: hash")))?;
    Ok((AuditEntry { seq, at, actor, action, subject, purpose, detail }, prev_hash, hash))
}

const PAGE: i64 = 5_000;

/// Walks the whole chain in order, page by page, then checks the signed checkpoints against it.
pub(crate) fn verify(
    keys: &Keyring,
    signer: &AuditSigner,
    backend: &crate::backend::Backend,
    anchor: &Path,
) -> Result<AuditVerdict> {
    // Checkpoints are read before the head: any checkpoint read then covers an entry at or below
    // the head read next, so a checkpoint made during the check is never taken for a cut.
    let checkpoints = match load_checkpoints(signer, backend, anchor)? {
        Ok(checkpoints) => checkpoints,
        Err(broken) => return Ok(broken),
    };
    // Read the head first and check the chain up to it. Entries appended during the walk belong
    // to the next check; reading the head last would mistake them for tampering on a live system.
    let head = backend.read(|sql| sql.rows("SELECT seq, hash FROM audit_head WHERE id = 1", &[]))?;
    let Some(head) = head.into_iter().next() else {
        return Ok(AuditVerdict::Broken { seq: 0, reason: "audit_head is missing".into() });
    };
    let head_seq = head.first().and_then(Value::as_int).unwrap_or(-1);
    let mut expected_prev = vec![0u8; 32];
    let mut expected_seq = 1i64;
    loop {
        let page = backend.read(|sql| {
            sql.rows(
                "SELECT seq, at, actor, action, subject, purpose, detail, prev_hash, hash FROM audit_log
                 WHERE seq >= $1 AND seq <= $3 ORDER BY seq LIMIT $2",
                &[Value::Int(expected_seq), Value::Int(PAGE), Value::Int(head_seq)],
            )
        })?;
        let page_len = page.len();
        for row in page {
            let (entry, prev_hash, hash) = row_to_entry(row)?;
            if entry.seq != expected_seq {
                return Ok(AuditVerdict::Broken {
                    seq: expected_seq,
                    reason: format!("entry {expected_seq} is missing (next is {})", entry.seq),
                });
            }
            if prev_hash != expected_prev {
                return Ok(AuditVerdict::Broken {
                    seq: entry.seq,
                    reason: "does not link to the previous entry (deleted, inserted or reordered)".into(),
                });
            }
            if entry_hash(keys, &prev_hash, &entry) != hash {
                return Ok(AuditVerdict::Broken {
                    seq: entry.seq,
                    reason: "content does not match its hash (edited)".into(),
                });
            }
            if let Some(checkpoint) = checkpoints.get(&entry.seq)
                && checkpoint.hash != hash
            {
                return Ok(AuditVerdict::Broken {
                    seq: entry.seq,
                    reason: format!("differs from the signed checkpoint of {} (the log was rewritten)", checkpoint.at),
                });
            }
            expected_prev = hash;
            expected_seq += 1;
        }
        if (page_len as i64) < PAGE {
            break;
        }
    }
    let entries = expected_seq - 1;
    if entries == head_seq && head.get(1).and_then(Value::as_blob) == Some(expected_prev.as_slice()) {
        // Every checkpoint up to the end was compared during the walk; one beyond it was cut off.
        if let Some((seq, checkpoint)) = checkpoints.range(entries + 1..).next() {
            return Ok(AuditVerdict::Broken {
                seq: entries + 1,
                reason: format!(
                    "the log ends at entry {entries}, but a checkpoint signed at {} covers entry {seq}: entries were removed from the end (and the head rewritten)",
                    checkpoint.at
                ),
            });
        }
        Ok(AuditVerdict::Intact { entries, checkpoints: checkpoints.len() })
    } else {
        Ok(AuditVerdict::Broken {
            seq: entries + 1,
            reason: format!(
                "the chain ends at entry {entries} but its head says {head_seq} (entries removed from the end, or the head was altered)"
            ),
        })
    }
}

/// A signed statement that the audit chain's head was entry `seq` with `hash` at time `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheckpoint {
    /// The entry the checkpoint covers (the head when it was made).
    pub seq: i64,
    /// When it was signed (RFC 3339, UTC).
    pub at: String,
    /// The entry's chain hash, hex.
    pub hash: String,
    /// Ed25519 signature over the checkpoint message, hex.
    pub signature: String,
}

/// A checkpoint with its binary fields, as checked.
struct Signed {
    at: String,
    hash: Vec<u8>,
    signature: Vec<u8>,
}

fn checkpoint_message(seq: i64, hash: &[u8], at: &str) -> Vec<u8> {
    let mut message = b"waspada-audit-checkpoint-v1\0".to_vec();
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(hash);
    message.extend_from_slice(at.as_bytes());
    message
}

/// Signs the current head inside the caller's (write) transaction, unless it is empty or already
/// signed. The caller appends the result to the anchor file after the commit.
pub(crate) fn checkpoint(
    signer: &AuditSigner,
    sql: &mut dyn Sql,
    at: DateTime<Utc>,
) -> Result<Option<AuditCheckpoint>> {
    // The same row lock as an append: the head cannot move while it is signed.
    sql.exec("UPDATE audit_head SET seq = seq WHERE id = 1", &[])?;
    let head = sql.rows("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
    let (seq, hash) = match head.into_iter().next().map(|row| {
        let mut row = row.into_iter();
        (row.next().and_then(|v| v.as_int()), row.next().and_then(Value::into_blob))
    }) {
        Some((Some(seq), Some(hash))) => (seq, hash),
        _ => return Err(Error::Corrupt("audit_head is missing".into())),
    };
    if seq == 0 {
        return Ok(None);
    }
    let done = sql.rows("SELECT seq FROM audit_checkpoints WHERE seq = $1", &[Value::Int(seq)])?;
    if !done.is_empty() {
        return Ok(None);
    }
    let at = waspada_domain::format_timestamp(at);
    let signature = signer.sign(&checkpoint_message(seq, &hash, &at));
    sql.exec(
        "INSERT INTO audit_checkpoints (seq, at, hash, signature) VALUES ($1, $2, $3, $4)",
        &[Value::Int(seq), Value::Text(at.clone()), Value::Blob(hash.clone()), Value::Blob(signature.to_vec())],
    )?;
    Ok(Some(AuditCheckpoint { seq, at, hash: hex::encode(hash), signature: hex::encode(signature) }))
}

/// Appends a checkpoint to the anchor file (one JSON object per line, created with mode 0600).
pub(crate) fn anchor(path: &Path, checkpoint: &AuditCheckpoint) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let line = serde_json::to_string(checkpoint)?;
    let mut file = options
        .open(path)
        .map_err(|e| Error::Config(format!("cannot open the audit anchor file {}: {e}", path.display())))?;
    file.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::Config(format!("cannot write the audit anchor file {}: {e}", path.display())))
}

/// The checkpoints of the database and of the anchor file, each signature checked, by entry; or
/// the verdict when they show tampering by themselves.
fn load_checkpoints(
    signer: &AuditSigner,
    backend: &crate::backend::Backend,
    anchor: &Path,
) -> Result<std::result::Result<BTreeMap<i64, Signed>, AuditVerdict>> {
    let broken = |seq: i64, reason: String| Ok(Err(AuditVerdict::Broken { seq, reason }));
    let mut found: BTreeMap<i64, Signed> = BTreeMap::new();
    let rows =
        backend.read(|sql| sql.rows("SELECT seq, at, hash, signature FROM audit_checkpoints ORDER BY seq", &[]))?;
    for row in rows {
        let mut row = row.into_iter();
        let (Some(Value::Int(seq)), Some(Value::Text(at)), Some(Value::Blob(hash)), Some(Value::Blob(signature))) =
            (row.next(), row.next(), row.next(), row.next())
        else {
            return broken(0, "a row of audit_checkpoints has the wrong types (written by hand)".into());
        };
        found.insert(seq, Signed { at, hash, signature });
    }
    match std::fs::read_to_string(anchor) {
        Ok(text) => {
            let lines: Vec<&str> = text.split('\n').collect();
            for (index, line) in lines.iter().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let parsed = serde_json::from_str::<AuditCheckpoint>(line).ok().and_then(|c| {
                    Some((
                        c.seq,
                        Signed { at: c.at, hash: hex::decode(c.hash).ok()?, signature: hex::decode(c.signature).ok()? },
                    ))
                });
                let Some((seq, signed)) = parsed else {
                    // The last line may be half-written if the machine stopped during an append.
                    if index + 1 == lines.len() {
                        continue;
                    }
                    return broken(
                        0,
                        format!("line {} of the audit anchor file is not a checkpoint (edited)", index + 1),
                    );
                };
                match found.get(&seq) {
                    Some(stored) if stored.hash == signed.hash && stored.signature == signed.signature => {}
                    Some(_) => {
                        return broken(
                            seq,
                            "the checkpoint in the database differs from the anchor file's (rewritten)".into(),
                        );
                    }
                    None => {
                        return broken(
                            seq,
                            format!(
                                "the checkpoint of entry {seq} is in the anchor file but not in the database (removed)"
                            ),
                        );
                    }
                }
                found.insert(seq, signed);
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::Config(format!("cannot read the audit anchor file {}: {e}", anchor.display()))),
    }
    for (seq, signed) in &found {
        if !signer.verify(&checkpoint_message(*seq, &signed.hash, &signed.at), &signed.signature) {
            return broken(*seq, "the checkpoint's signature is not valid (forged or altered)".into());
        }
    }
    Ok(Ok(found))
}

/// Filters for listing entries.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this subject.
    pub subject: Option<String>,
    /// Only entries whose subject names this person (`person:ID` alone or in a list such as
    /// `person:ID,document:7`).
    pub person: Option<i64>,
    /// Entries before this sequence number (for paging backwards).
    pub before_seq: Option<i64>,
    /// Entries at or after this time (RFC 3339 or a `YYYY-MM-DD` day, UTC).
    pub since: Option<String>,
    /// Entries before this time (RFC 3339 or a `YYYY-MM-DD` day, UTC; a day means its start).
    pub until: Option<String>,
    /// How many, newest first.
    pub limit: i64,
}

pub(crate) fn list(sql: &mut dyn Sql, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
    let mut clauses = Vec::new();
    let mut params = Vec::new();
    for (column, value) in [("actor", &query.actor), ("action", &query.action), ("subject", &query.subject)] {
        if let Some(value) = value {
            params.push(Value::Text(value.clone()));
            clauses.push(format!("{column} = ${}", params.len()));
        }
    }
    if let Some(person) = query.person {
        // Subjects are comma-separated `kind:id` lists; the commas around both sides make
        // `person:4` not match `person:42`.
        params.push(Value::Text(format!("%,person:{person},%")));
        clauses.push(format!("(',' || subject || ',') LIKE ${}", params.len()));
    }
    if let Some(before) = query.before_seq {
        params.push(Value::Int(before));
        clauses.push(format!("seq < ${}", params.len()));
    }
    // Times are stored as RFC 3339 UTC text, which orders like the times themselves.
    if let Some(since) = &query.since {
        params.push(Value::Text(since.clone()));
        clauses.push(format!("at >= ${}", params.len()));
    }
    if let Some(until) = &query.until {
        params.push(Value::Text(until.clone()));
        clauses.push(format!("at < ${}", params.len()));
    }
    params.push(Value::Int(query.limit.clamp(1, 1000)));
    let where_clause = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let sql_text = format!(
        "SELECT seq, at, actor, action, subject, purpose, detail, prev_hash, hash FROM audit_log {where_clause} ORDER BY seq DESC LIMIT ${}",
        params.len()
    );
    sql.rows(&sql_text, &params)?.into_iter().map(|row| row_to_entry(row).map(|(entry, _, _)| entry)).collect()
}
