//! Retention of what citizens sent and of case work (UU 27/2022 Art. 16(2)(h): personal data is
//! kept no longer than needed): each kind has a period after its last change; when it has passed,
//! the record is crypto-shredded — its data key is destroyed, which leaves the sealed rows in place
//! and unreadable — unless a legal hold applies (a report in a case that is still open, or the
//! open case itself). Blind indexes that could still link a shredded report to others are deleted
//! with it. `waspada admin retention --dry-run` lists what would go and what is held.
//!
//! Backups: the data keys of these records are wrapped under the retention key of the current
//! epoch, kept outside the database (`seal::RetentionKeys`). A run that shreds anything then starts
//! a new epoch, moves the surviving keys to it and destroys the old epoch's key, so no backup made
//! before the run can open them any more — the shredded records included.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::backend::Value;
use crate::error::{Error, Result};
use crate::{AuditContext, Store, audit};

/// Retention periods, in days after a record's last change.
#[derive(Debug, Clone)]
pub struct RetentionPolicy {
    /// Reports and SOS judged spam.
    pub spam_days: i64,
    /// Reports and SOS not in any case (dealt with, closed, or never followed up).
    pub report_days: i64,
    /// A lapor diri its traveller closed (back home).
    pub lapor_diri_closed_days: i64,
    /// A lapor diri still open with no check-in or update for this long.
    pub lapor_diri_silent_days: i64,
    /// Closed cases, with their reports.
    pub closed_case_days: i64,
    /// The citizens' app's idempotency keys (retries come within minutes).
    pub idempotency_days: i64,
    /// Traveller records (a person with their documents, applications and crossings; a document
    /// with no known holder), after their last activity. At least 365.
    pub traveller_days: i64,
    /// Watchlist entries, after they stop being in force (`valid_until`; an entry without one
    /// never falls due) or were last changed, whichever is later. At least 365.
    pub watchlist_days: i64,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            spam_days: 90,
            report_days: 5 * 365,
            lapor_diri_closed_days: 365,
            lapor_diri_silent_days: 3 * 365,
            // UU 21/2007 offences carry up to 15 years; a case file outlives most prosecutions.
            closed_case_days: 15 * 365,
            idempotency_days: 30,
            traveller_days: crate::seal::DEFAULT_TRAVELLER_DAYS,
            watchlist_days: crate::seal::DEFAULT_WATCHLIST_DAYS,
        }
    }
}

/// A record retention concerns.
#[derive(Debug, Clone, Serialize)]
pub struct RetentionItem {
    /// `submission:ID`, `case:ID`, `person:ID`, `watchlist:ID`, or `traveller-key:ID` (a
    /// document with no known holder).
    pub subject: String,
    /// `report`, `sos`, `lapor_diri`, `case`, `traveller` or `watchlist`.
    pub kind: String,
    /// Its last change.
    pub last_change: String,
    /// Which period applied.
    pub rule: &'static str,
    /// Why it is kept although its period has passed, if it is.
    pub held_by: Option<String>,
}

/// What a retention run found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RetentionReport {
    /// Past their period and shredded (or, in a dry run, to be shredded).
    pub due: Vec<RetentionItem>,
    /// Past their period but held.
    pub held: Vec<RetentionItem>,
    /// Idempotency keys deleted (or to be deleted).
    pub idempotency_keys: i64,
    /// Whether this was a dry run (nothing changed).
    pub dry_run: bool,
    /// The retention epoch now in force, when this run started one.
    pub epoch: Option<i64>,
    /// Epochs whose keys this run destroyed.
    pub destroyed_epochs: Vec<i64>,
    /// Data keys moved to the new epoch (or, on a first run, from the master key).
    pub keys_moved: u64,
    /// Data keys found under an epoch whose key was already destroyed (a database restored from
    /// before the last run, say): their records can never be read again and are marked shredded.
    pub keys_unreadable: u64,
    /// Traveller data keys shredded with their records.
    pub travellers_shredded: u64,
    /// Traveller data keys moved to the bucket of the month they now fall due.
    pub traveller_keys_moved: u64,
    /// Months (`YYYYMM`) whose bucket was renewed because this run shredded from it.
    pub renewed_buckets: Vec<i32>,
    /// Months (`YYYYMM`) whose bucket keys this run destroyed.
    pub destroyed_buckets: Vec<i32>,
    /// Keys shredded from the bucket of a later month (filed under a longer period than the one
    /// applied now): backups made before the run can still open them until that month passes.
    pub shredded_from_later_months: u64,
}

fn older_than(stamp: &str, now: DateTime<Utc>, days: i64) -> bool {
    DateTime::parse_from_rfc3339(stamp)
        .is_ok_and(|at| now.signed_duration_since(at.with_timezone(&Utc)) > Duration::days(days))
}

impl Store {
    /// Applies the retention policy as of `now` (audited: `retention.run`, and `retention.shred`
    /// per record). With `dry_run` nothing changes and the report lists what would. One run at a
    /// time: a second one, from any process using the same database, is refused.
    pub fn apply_retention(
        &self,
        policy: &RetentionPolicy,
        now: DateTime<Utc>,
        dry_run: bool,
        context: &AuditContext,
    ) -> Result<RetentionReport> {
        if dry_run {
            return self.apply_retention_now(policy, now, true, context);
        }
        self.start_retention_run()?;
        let result = self.apply_retention_now(policy, now, false, context);
        let ended = self.end_retention_run();
        let report = result?;
        ended?;
        Ok(report)
    }

    fn apply_retention_now(
        &self,
        policy: &RetentionPolicy,
        now: DateTime<Utc>,
        dry_run: bool,
        context: &AuditContext,
    ) -> Result<RetentionReport> {
        let mut report = RetentionReport { dry_run, ..RetentionReport::default() };
        let (cases, submissions, keys_due) = self.backend.read(|sql| {
            let cases =
                sql.rows("SELECT id, status, opened_at, closed_at, key_id FROM cases WHERE status <> 'shredded'", &[])?;
            let submissions = sql.rows(
                "SELECT s.id, s.kind, s.status, s.updated_at, s.last_check_in, s.key_id, c.status, c.closed_at
                 FROM submissions s LEFT JOIN cases c ON c.id = s.case_id WHERE s.status <> 'shredded'",
                &[],
            )?;
            let cutoff = crate::stamp(now - Duration::days(policy.idempotency_days));
            let keys =
                sql.rows("SELECT COUNT(*) FROM idempotency_keys WHERE created_at < $1", &[Value::Text(cutoff)])?;
            let keys = keys.first().and_then(|r| r.first()).and_then(Value::as_int).unwrap_or(0);
            Ok((cases, submissions, keys))
        })?;
        report.idempotency_keys = keys_due;
        // (subject, key_id, table to mark) of what goes.
        let mut shred: Vec<(String, i64, &'static str, i64)> = Vec::new();
        for row in cases {
            let mut row = row.into_iter();
            let (Some(Value::Int(id)), Some(Value::Text(status)), Some(Value::Text(opened_at))) =
                (row.next(), row.next(), row.next())
            else {
                return Err(Error::Corrupt("cases row".into()));
            };
            let closed_at = row.next().and_then(Value::into_text);
            let key_id = row.next().and_then(|v| v.as_int()).unwrap_or_default();
            if status != "closed" {
                continue;
            }
            let last = closed_at.unwrap_or(opened_at);
            if older_than(&last, now, policy.closed_case_days) {
                let item = RetentionItem {
                    subject: format!("case:{id}"),
                    kind: "case".into(),
                    last_change: last,
                    rule: "closed_case_days",
                    held_by: None,
                };
                shred.push((item.subject.clone(), key_id, "cases", id));
                report.due.push(item);
            }
        }
        for row in submissions {
            let mut row = row.into_iter();
            let (
                Some(Value::Int(id)),
                Some(Value::Text(kind)),
                Some(Value::Text(status)),
                Some(Value::Text(updated_at)),
            ) = (row.next(), row.next(), row.next(), row.next())
            else {
                return Err(Error::Corrupt("submissions row".into()));
            };
            let last_check_in = row.next().and_then(Value::into_text);
            let key_id = row.next().and_then(|v| v.as_int()).unwrap_or_default();
            let case_status = row.next().and_then(Value::into_text);
            let case_closed_at = row.next().and_then(Value::into_text);
            let (rule, days, last) = match (kind.as_str(), status.as_str()) {
                (_, "spam") => ("spam_days", policy.spam_days, updated_at),
                ("lapor_diri", "closed") => ("lapor_diri_closed_days", policy.lapor_diri_closed_days, updated_at),
                ("lapor_diri", _) => {
                    ("lapor_diri_silent_days", policy.lapor_diri_silent_days, last_check_in.unwrap_or(updated_at))
                }
                // A report in a closed case goes with the case.
                (_, _) if case_status.as_deref() == Some("closed") => {
                    ("closed_case_days", policy.closed_case_days, case_closed_at.unwrap_or(updated_at))
                }
                _ => ("report_days", policy.report_days, updated_at),
            };
            if !older_than(&last, now, days) {
                continue;
            }
            let held_by = match case_status.as_deref() {
                Some("open") => Some("an open case (legal hold)".to_owned()),
                _ => None,
            };
            let item = RetentionItem { subject: format!("submission:{id}"), kind, last_change: last, rule, held_by };
            if item.held_by.is_some() {
                report.held.push(item);
            } else {
                shred.push((item.subject.clone(), key_id, "submissions", id));
                report.due.push(item);
            }
        }
        let travellers = self.plan_traveller_retention(policy, now, &mut report)?;
        if dry_run {
            self.record_audit(
                context,
                "retention.dry_run",
                "retention:all",
                &format!(
                    "due={} held={} idempotency_keys={}",
                    report.due.len(),
                    report.held.len(),
                    report.idempotency_keys
                ),
            )?;
            return Ok(report);
        }
        for (subject, key_id, table, id) in &shred {
            self.backend.write(|sql| {
                // Destroying the key is the shredding; the rest keeps the tables consistent and
                // drops what could still link the record to others.
                sql.exec("DELETE FROM data_keys WHERE id = $1", &[Value::Int(*key_id)])?;
                forget_record(sql, table, *id)?;
                audit::record(&self.keys, sql, context, "retention.shred", subject, "data key destroyed", Utc::now())
                    .map(|_| ())
            })?;
            self.keys.forget(*key_id);
        }
        let epoch = if shred.is_empty() {
            // Keys made before retention epochs existed (wrapped under the master key), and any
            // left under an older epoch by an interrupted run, move to the current epoch.
            self.keys.current_retention_epoch()?
        } else {
            // The shredded keys are gone from the database; now make every older copy of them
            // useless: a new epoch, the survivors moved to it, the old epoch's key destroyed.
            let epoch = self.keys.advance_retention_epoch()?;
            report.epoch = Some(epoch);
            epoch
        };
        // Writers re-read this row (FOR SHARE on PostgreSQL) in the transaction that stores a new
        // key, and wrap under this epoch if theirs is older: once the update commits, no key under
        // an older epoch can be stored, so the passes below miss none before the old key goes.
        self.backend.write(|sql| {
            sql.exec(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[Value::from(crate::seal::RETENTION_EPOCH_META), Value::Blob(epoch.to_be_bytes().to_vec())],
            )
            .map(|_| ())
        })?;
        let (moved, unreadable) = self.move_to_epoch(epoch)?;
        report.keys_moved = moved;
        report.keys_unreadable = unreadable;
        report.destroyed_epochs = self.keys.retire_retention_epochs(epoch)?;
        self.apply_traveller_plan(travellers, context, &mut report)?;
        let cutoff = crate::stamp(now - Duration::days(policy.idempotency_days));
        self.backend.write(|sql| {
            sql.exec("DELETE FROM idempotency_keys WHERE created_at < $1", &[Value::Text(cutoff)])?;
            audit::record(
                &self.keys,
                sql,
                context,
                "retention.run",
                "retention:all",
                &format!(
                    "shredded={} held={} idempotency_keys={} epoch={} destroyed_epochs={:?} keys_moved={} keys_unreadable={} travellers_shredded={} traveller_keys_moved={} renewed_buckets={:?} destroyed_buckets={:?}",
                    report.due.len(),
                    report.held.len(),
                    report.idempotency_keys,
                    report.epoch.map_or("unchanged".to_owned(), |e| e.to_string()),
                    report.destroyed_epochs,
                    report.keys_moved,
                    report.keys_unreadable,
                    report.travellers_shredded,
                    report.traveller_keys_moved,
                    report.renewed_buckets,
                    report.destroyed_buckets
                ),
                Utc::now(),
            )
            .map(|_| ())
        })?;
        Ok(report)
    }

    /// Moves every data key that retention manages and that is not under `epoch` (an older epoch,
    /// or the master key) to `epoch`, in batches; repeated until a pass finds nothing. Returns the
    /// keys moved.
    fn move_to_epoch(&self, epoch: i64) -> Result<(u64, u64)> {
        let (mut moved, mut unreadable) = (0, 0);
        for _pass in 0..5 {
            let (in_pass, lost) = self.move_pass(epoch)?;
            moved += in_pass;
            unreadable += lost;
            if in_pass + lost == 0 {
                break;
            }
        }
        Ok((moved, unreadable))
    }

    /// One pass: (keys moved, keys found unreadable).
    fn move_pass(&self, epoch: i64) -> Result<(u64, u64)> {
        const BATCH: i64 = 2_000;
        let [submission, case] = crate::seal::RETENTION_PREFIXES;
        let mut after = i64::MIN;
        let (mut moved, mut unreadable) = (0, 0);
        loop {
            let (count, last, changed, lost) = self.backend.write(|sql| {
                let rows = sql.rows(
                    "SELECT id, wrapped, epoch FROM data_keys WHERE id > $1
                       AND (epoch IS NULL OR epoch <> $2)
                       AND (substr(subject, 1, $3) = $4 OR substr(subject, 1, $5) = $6)
                     ORDER BY id LIMIT $7",
                    &[
                        Value::Int(after),
                        Value::Int(epoch),
                        Value::Int(submission.len() as i64),
                        Value::Blob(submission.to_vec()),
                        Value::Int(case.len() as i64),
                        Value::Blob(case.to_vec()),
                        Value::Int(BATCH),
                    ],
                )?;
                let (mut last, mut changed, mut lost) = (after, 0u64, 0u64);
                for row in &rows {
                    let (Some(Value::Int(id)), Some(Value::Blob(wrapped))) = (row.first(), row.get(1)) else {
                        return Err(Error::Corrupt("data_keys row".into()));
                    };
                    last = *id;
                    let from = row.get(2).and_then(Value::as_int);
                    let status = match from {
                        Some(old) => self.keys.retention_key_status(old)?,
                        None => crate::seal::KeyStatus::Present,
                    };
                    if status == crate::seal::KeyStatus::Missing {
                        return Err(missing_key(from.unwrap_or_default()));
                    }
                    if status == crate::seal::KeyStatus::Destroyed {
                        // Its epoch key is gone: nothing can read this record again. It is
                        // treated as shredded rather than stopping every later run.
                        drop_unreadable(sql, *id)?;
                        self.keys.forget(*id);
                        lost += 1;
                        continue;
                    }
                    let fresh = self.keys.rewrap_to_epoch(*id, wrapped, from, epoch)?;
                    sql.exec(
                        "UPDATE data_keys SET wrapped = $1, epoch = $2 WHERE id = $3",
                        &[Value::Blob(fresh), Value::Int(epoch), Value::Int(*id)],
                    )?;
                    changed += 1;
                }
                Ok((rows.len() as i64, last, changed, lost))
            })?;
            moved += changed;
            unreadable += lost;
            after = last;
            if count < BATCH {
                return Ok((moved, unreadable));
            }
        }
    }
}

/// Marks a submission or case shredded and drops what could still link it to others (its key is
/// already gone or going).
fn forget_record(sql: &mut dyn crate::backend::Sql, table: &str, id: i64) -> Result<()> {
    let table = if table == "submissions" { "submissions" } else { "cases" };
    sql.exec(&format!("UPDATE {table} SET status = 'shredded' WHERE id = $1"), &[Value::Int(id)])?;
    if table == "submissions" {
        sql.exec("DELETE FROM submission_terms WHERE submission_id = $1", &[Value::Int(id)])?;
        sql.exec("DELETE FROM submission_attachments WHERE submission_id = $1", &[Value::Int(id)])?;
        sql.exec("DELETE FROM report_links WHERE submission_id = $1", &[Value::Int(id)])?;
    } else {
        sql.exec("DELETE FROM case_parties WHERE case_id = $1", &[Value::Int(id)])?;
        sql.exec("DELETE FROM case_entries WHERE case_id = $1", &[Value::Int(id)])?;
    }
    Ok(())
}

/// A data key that can never be opened: its records are marked shredded and the key row goes.
fn drop_unreadable(sql: &mut dyn crate::backend::Sql, key_id: i64) -> Result<()> {
    for table in ["submissions", "cases"] {
        let owners = sql.rows(&format!("SELECT id FROM {table} WHERE key_id = $1"), &[Value::Int(key_id)])?;
        for owner in owners.iter().filter_map(|r| r.first().and_then(Value::as_int)) {
            forget_record(sql, table, owner)?;
        }
    }
    sql.exec("DELETE FROM data_keys WHERE id = $1", &[Value::Int(key_id)]).map(|_| ())
}

/// The error for a data key under a retention key the file neither holds nor lists as destroyed:
/// the file is not the current one, and going on would delete live records as if shredded.
pub(crate) fn missing_key(number: i64) -> Error {
    Error::Config(format!(
        "retention key number {number} is missing from the retention key file and was never destroyed: the file is older than this database (a stale copy?). Nothing was shredded; put the current file in place"
    ))
}
