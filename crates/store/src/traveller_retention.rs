//! Retention of traveller records: persons with their documents, applications and crossings,
//! documents with no known holder (with their crossings), and watchlist entries. Each data key of
//! these records is the unit of retention: its records fall due a period
//! (`RetentionPolicy::traveller_days`) after their last activity — the latest change made here,
//! application date, decision or crossing — and are then deleted with their blind indexes and
//! their key, unless a legal hold applies: the person is a party to an open case (directly or
//! through a confirmed report link), is on an active watchlist entry (by NIK, or a document by
//! number), or has a data-subject request pending. A watchlist entry falls due
//! `watchlist_days` after it stopped being in force (or was last changed, if later); one without
//! an end date never does.
//!
//! Backups: each key is wrapped under the retention key of the *month* its records fall due (a
//! bucket, `seal::RetentionKeys`). A run moves keys whose due month changed (new activity, a
//! hold), shreds the due ones, renews the current month's bucket when it shredded from it, and
//! destroys the buckets of months that have passed. A backup made before the run can then open
//! no shredded record, yet still opens every traveller who was not due — unlike the epochs of
//! reports and cases, which make older backups lose all of them.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::backend::{Sql, Value, placeholders};
use crate::error::{Error, Result};
use crate::retention::{RetentionItem, RetentionPolicy, RetentionReport};
use crate::seal::{self, month_of, next_month};
use crate::{AuditContext, Store, audit};

/// The `meta` row a run changes when it deletes traveller records, so that running servers
/// reload their counter-check index (`Store::traveller_shred_mark`).
pub(crate) const TRAVELLER_SHRED_META: &str = "traveller_shred_mark";

/// The `meta` row with the traveller period of the last run (8 bytes, big endian): every process
/// buckets new keys by it, and the next run keeps it unless told otherwise.
pub(crate) const TRAVELLER_DAYS_META: &str = "traveller_retention_days";

/// The `meta` row with the watchlist period of the last run (8 bytes, big endian).
pub(crate) const WATCHLIST_DAYS_META: &str = "watchlist_retention_days";

/// The `meta` row a run holds while it works (its start, RFC 3339), so that two runs — say from
/// two application servers of one PostgreSQL store — never interleave.
pub(crate) const RUN_META: &str = "retention_run_started";

/// A run marker older than this is taken to be left by a run that died.
const RUN_STALE_HOURS: i64 = 6;

/// The shortest period a policy may set: new keys go into the bucket of today plus the period,
/// which must never be a month a run may be renewing or destroying.
const SHORTEST_TRAVELLER_DAYS: i64 = 365;

/// The longest: a hundred years.
const LONGEST_TRAVELLER_DAYS: i64 = 100 * 366;

/// Keys handled per write transaction.
const BATCH: usize = 500;

/// One traveller data key as a run sees it.
#[derive(Clone)]
struct TravellerKey {
    id: i64,
    /// The retention key that wraps it (`None`: the master key, from before buckets).
    bucket: Option<i64>,
    owner: Owner,
    /// Its retention period in days.
    days: i64,
}

/// Whose records a traveller key seals.
#[derive(Clone, Copy)]
enum Owner {
    Person(i64),
    Watchlist(i64),
    /// A document with no known holder, or a key whose records are gone.
    Other,
}

/// What a run decided for the traveller keys (made before anything changes).
pub(crate) struct TravellerPlan {
    days: i64,
    watchlist_days: i64,
    today: NaiveDate,
    /// Due, not held: to shred.
    shred: Vec<TravellerKey>,
    /// Under a bucket whose key no longer exists: unreadable for good.
    unreadable: Vec<TravellerKey>,
    /// The others, with the month each belongs in.
    keep: Vec<(TravellerKey, i32)>,
}

fn day(value: Option<Value>) -> Option<NaiveDate> {
    let text = value.and_then(Value::into_text)?;
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

/// `days` after `day`; a date so far ahead that it overflows (a crossing dated in year 9999) is due
/// never.
fn after(day: NaiveDate, days: i64) -> NaiveDate {
    day.checked_add_signed(Duration::days(days)).unwrap_or(NaiveDate::MAX)
}

fn subject_of(key: &TravellerKey) -> String {
    match key.owner {
        Owner::Person(person) => format!("person:{person}"),
        Owner::Watchlist(entry) => format!("watchlist:{entry}"),
        Owner::Other => format!("traveller-key:{}", key.id),
    }
}

impl Store {
    /// Decides, as of `now`, which traveller keys are due, held, or belong in another bucket, and
    /// lists the due and held ones in `report`.
    pub(crate) fn plan_traveller_retention(
        &self,
        policy: &RetentionPolicy,
        now: DateTime<Utc>,
        report: &mut RetentionReport,
    ) -> Result<TravellerPlan> {
        let periods = [policy.traveller_days, policy.watchlist_days];
        if periods.iter().any(|days| !(SHORTEST_TRAVELLER_DAYS..=LONGEST_TRAVELLER_DAYS).contains(days)) {
            return Err(Error::Config(format!(
                "the retention periods of traveller records and watchlist entries must be at least {SHORTEST_TRAVELLER_DAYS} days and at most {LONGEST_TRAVELLER_DAYS}"
            )));
        }
        let today = now.date_naive();
        let [person_prefix, document_prefix, watchlist_prefix] = seal::TRAVELLER_PREFIXES;
        let (rows, holds) = self.backend.read(|sql| {
            // One pass over every traveller table: the latest day of activity per data key.
            let rows = sql.rows(
                // A watchlist entry in force without an end date is active today, every day.
                "SELECT k.id, k.epoch, k.created_at, a.last_day, a.person, a.entry, substr(k.subject, 1, 2)
                 FROM data_keys k LEFT JOIN (
                    SELECT key_id, MAX(day) AS last_day, MAX(person) AS person, MAX(entry) AS entry FROM (
                        SELECT key_id, substr(updated_at, 1, 10) AS day, id AS person,
                            CAST(NULL AS BIGINT) AS entry FROM persons
                        UNION ALL SELECT key_id, substr(updated_at, 1, 10), CAST(NULL AS BIGINT),
                            CAST(NULL AS BIGINT) FROM documents
                        UNION ALL SELECT key_id, substr(updated_at, 1, 10), CAST(NULL AS BIGINT),
                            CAST(NULL AS BIGINT) FROM applications
                        UNION ALL SELECT key_id, substr(applied_on, 1, 10), CAST(NULL AS BIGINT),
                            CAST(NULL AS BIGINT) FROM applications
                        UNION ALL SELECT key_id, substr(decided_at, 1, 10), CAST(NULL AS BIGINT),
                            CAST(NULL AS BIGINT) FROM applications WHERE decided_at IS NOT NULL
                        UNION ALL SELECT key_id, substr(crossed_at, 1, 10), CAST(NULL AS BIGINT),
                            CAST(NULL AS BIGINT) FROM crossings
                        UNION ALL SELECT key_id, substr(updated_at, 1, 10), CAST(NULL AS BIGINT),
                            CAST(NULL AS BIGINT) FROM crossings
                        UNION ALL SELECT key_id, substr(updated_at, 1, 10), CAST(NULL AS BIGINT), id FROM watchlist
                        UNION ALL SELECT key_id, COALESCE(substr(valid_until, 1, 10), $4), CAST(NULL AS BIGINT), id
                            FROM watchlist
                    ) activity GROUP BY key_id
                 ) a ON a.key_id = k.id
                 WHERE substr(k.subject, 1, 2) IN ($1, $2, $3)",
                &[
                    Value::Blob(person_prefix.to_vec()),
                    Value::Blob(document_prefix.to_vec()),
                    Value::Blob(watchlist_prefix.to_vec()),
                    Value::Text(today.to_string()),
                ],
            )?;
            let holds = holds(sql, today)?;
            Ok((rows, holds))
        })?;
        let buckets = self.keys.traveller_buckets()?;
        let mut plan = TravellerPlan {
            days: policy.traveller_days,
            watchlist_days: policy.watchlist_days,
            today,
            shred: Vec::new(),
            unreadable: Vec::new(),
            keep: Vec::new(),
        };
        for row in rows {
            let mut row = row.into_iter();
            let Some(Value::Int(id)) = row.next() else { return Err(Error::Corrupt("data_keys row".into())) };
            let bucket = row.next().and_then(|v| v.as_int());
            let created = day(row.next());
            let last_activity = day(row.next()).or(created).unwrap_or(today);
            let person = row.next().and_then(|v| v.as_int());
            let entry = row.next().and_then(|v| v.as_int());
            let is_watchlist = row.next().and_then(Value::into_blob).is_some_and(|p| p == watchlist_prefix);
            let owner = match (person, entry) {
                (Some(person), _) => Owner::Person(person),
                (None, Some(entry)) => Owner::Watchlist(entry),
                (None, None) => Owner::Other,
            };
            let (days, kind, rule) = if is_watchlist {
                (policy.watchlist_days, "watchlist", "watchlist_days")
            } else {
                (policy.traveller_days, "traveller", "traveller_days")
            };
            let key = TravellerKey { id, bucket, owner, days };
            if let Some(bucket) = bucket
                && !buckets.contains_key(&bucket)
            {
                match self.keys.retention_key_status(bucket)? {
                    seal::KeyStatus::Present => {}
                    seal::KeyStatus::Destroyed => {
                        plan.unreadable.push(key);
                        continue;
                    }
                    seal::KeyStatus::Missing => return Err(crate::retention::missing_key(bucket)),
                }
            }
            let due_on = after(last_activity, days);
            let item = |held_by: Option<String>| RetentionItem {
                subject: subject_of(&key),
                kind: kind.into(),
                last_change: last_activity.to_string(),
                rule,
                held_by,
            };
            if due_on >= today {
                plan.keep.push((key, month_of(due_on)));
            } else if let Some(hold) = holds.get(&id) {
                report.held.push(item(Some(hold.clone())));
                // Kept past its due month: one month at a time, until the hold ends.
                plan.keep.push((key, next_month(month_of(today))));
            } else {
                report.due.push(item(None));
                plan.shred.push(key);
            }
        }
        // A data-subject request's key follows its person's key into the same month's bucket:
        // shredding the person (which deletes the request) then reaches backups for it too.
        let person_months: HashMap<i64, i32> = plan.keep.iter().map(|(key, month)| (key.id, *month)).collect();
        let requests = self.backend.read(|sql| {
            sql.rows(
                "SELECT r.key_id, p.key_id, k.epoch FROM subject_requests r
                   JOIN persons p ON p.id = r.person_id JOIN data_keys k ON k.id = r.key_id",
                &[],
            )
        })?;
        for row in requests {
            let (Some(request_key), Some(person_key)) =
                (row.first().and_then(Value::as_int), row.get(1).and_then(Value::as_int))
            else {
                continue;
            };
            if let Some(month) = person_months.get(&person_key) {
                let bucket = row.get(2).and_then(Value::as_int);
                let key = TravellerKey { id: request_key, bucket, owner: Owner::Other, days: policy.traveller_days };
                plan.keep.push((key, *month));
            }
        }
        Ok(plan)
    }

    /// Carries out a plan: shreds, moves keys to their buckets, renews the current month's bucket
    /// when it shredded from it, and destroys the buckets of past months.
    pub(crate) fn apply_traveller_plan(
        &self,
        plan: TravellerPlan,
        context: &AuditContext,
        report: &mut RetentionReport,
    ) -> Result<()> {
        let current_month = month_of(plan.today);
        let buckets = self.keys.traveller_buckets()?;
        let mut deleted = 0u64;
        let mut renew = BTreeSet::new();
        let mut keep = plan.keep;
        let mut not_shredded = HashSet::new();
        // An import holding a key (FOR SHARE) is activity: the key is skipped, not waited for, so
        // the run and imports never wait on each other in opposite orders.
        let for_update = self.row_lock(" FOR UPDATE SKIP LOCKED");
        let mut shred = plan.shred;
        shred.sort_unstable_by_key(|key| key.id);
        for batch in shred.chunks(BATCH) {
            let outcomes = self.backend.write(|sql| {
                let mut outcomes = Vec::with_capacity(batch.len());
                for key in batch {
                    outcomes.push(shred_key(sql, key, plan.today, for_update)?);
                    if let Some(Shredded::Done) = outcomes.last() {
                        audit::record(
                            &self.keys,
                            sql,
                            context,
                            "retention.shred",
                            &subject_of(key),
                            "records deleted, data key destroyed",
                            Utc::now(),
                        )?;
                    }
                }
                if outcomes.iter().any(|o| matches!(o, Shredded::Done)) {
                    bump_shred_mark(sql)?;
                }
                Ok(outcomes)
            })?;
            for (key, outcome) in batch.iter().zip(outcomes) {
                match outcome {
                    Shredded::Done => {
                        deleted += 1;
                        self.keys.forget(key.id);
                        if let Some(month) = key.bucket.and_then(|b| buckets.get(&b)) {
                            renew.insert(*month);
                            if *month > current_month {
                                report.shredded_from_later_months += 1;
                            }
                        }
                    }
                    // New activity or a new hold since the plan was made: it stays.
                    Shredded::Kept(month) => {
                        not_shredded.insert(subject_of(key));
                        keep.push((key.clone(), month.max(next_month(current_month))));
                    }
                    Shredded::Gone => {
                        not_shredded.insert(subject_of(key));
                    }
                }
            }
        }
        for batch in plan.unreadable.chunks(BATCH) {
            self.backend.write(|sql| {
                for key in batch {
                    delete_records(sql, key.id)?;
                    audit::record(
                        &self.keys,
                        sql,
                        context,
                        "retention.shred",
                        &subject_of(key),
                        "traveller records deleted: their bucket key had already been destroyed",
                        Utc::now(),
                    )?;
                }
                bump_shred_mark(sql)
            })?;
            for key in batch {
                self.keys.forget(key.id);
            }
            report.keys_unreadable += batch.len() as u64;
        }
        if deleted + report.keys_unreadable > 0 {
            // In slices of ids, each its own short write transaction, so that other writers (and
            // audited reads) are not held back for the length of a full scan.
            const SLICE: i64 = 50_000;
            let last = self.backend.read(|sql| {
                Ok(sql
                    .rows("SELECT MAX(id) FROM crossings", &[])?
                    .first()
                    .and_then(|r| r.first())
                    .and_then(Value::as_int))
            })?;
            let mut from = 0;
            while let Some(last) = last.filter(|last| from < *last) {
                self.backend.write(|sql| {
                    sql.exec(
                        "UPDATE crossings SET person_id = NULL, document_id = NULL
                          WHERE id > $1 AND id <= $2 AND person_id IS NOT NULL
                            AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = crossings.person_id)",
                        &[Value::Int(from), Value::Int(from + SLICE)],
                    )
                    .map(|_| ())
                })?;
                from = (from + SLICE).min(last);
            }
        }
        report.due.retain(|item| !not_shredded.contains(&item.subject));
        // A backup may hold a shredded key under a bucket of this month (or of a past one, which
        // goes anyway): renew it, so that its old key can be destroyed too. Later months are
        // never renewed, as writers are filling them; a key shredded from one (after the period
        // was shortened) stays readable in older backups until that month has passed.
        renew.retain(|month| *month == current_month);
        for month in &renew {
            self.keys.renew_traveller_bucket(*month)?;
        }
        report.renewed_buckets = renew.iter().copied().collect();
        // Move every kept key that is not under the newest key of its month.
        let mut newest: HashMap<i32, i64> = HashMap::new();
        for (id, month) in self.keys.traveller_buckets()? {
            let slot = newest.entry(month).or_insert(id);
            *slot = (*slot).max(id);
        }
        let mut moves: Vec<(i64, i64)> = Vec::new();
        for (key, month) in &keep {
            let target = match newest.get(month) {
                Some(id) => *id,
                None => {
                    let id = self.keys.traveller_bucket(*month)?;
                    newest.insert(*month, id);
                    id
                }
            };
            if key.bucket != Some(target) {
                moves.push((key.id, target));
            }
        }
        report.traveller_keys_moved = self.rewrap_keys(&moves)?;
        // Keep the buckets that new keys will go into for the next months in the file now, so that
        // the copy kept with the master key after this run knows them.
        let mut ahead = month_of(after(plan.today, plan.days));
        for _ in 0..3 {
            self.keys.traveller_bucket(ahead)?;
            ahead = next_month(ahead);
        }
        // Destroy past months and the current month's older keys (renewed now, or by a run that
        // stopped half-way), after a last sweep for keys stored under them since the plan (moved
        // to next month's bucket; the next run places them). No writer files new keys under this
        // month: they go a year or more ahead.
        let destroy: Vec<i64> = self
            .keys
            .traveller_buckets()?
            .into_iter()
            .filter(|(id, month)| {
                *month < current_month || (*month == current_month && newest.get(month).is_some_and(|n| n != id))
            })
            .map(|(id, _)| id)
            .collect();
        if !destroy.is_empty() {
            let safe = self.keys.traveller_bucket(next_month(current_month))?;
            for chunk in destroy.chunks(500) {
                let stragglers = self.backend.read(|sql| {
                    let params: Vec<Value> = chunk.iter().copied().map(Value::Int).collect();
                    let rows = sql.rows(
                        &format!("SELECT id FROM data_keys WHERE epoch IN ({})", placeholders(0, chunk.len())),
                        &params,
                    )?;
                    Ok(rows.iter().filter_map(|r| r.first().and_then(Value::as_int)).collect::<Vec<_>>())
                })?;
                let moves: Vec<(i64, i64)> = stragglers.into_iter().map(|id| (id, safe)).collect();
                report.traveller_keys_moved += self.rewrap_keys(&moves)?;
            }
            let destroyed = self.keys.destroy_traveller_buckets(&destroy)?;
            let mut months: Vec<i32> = destroyed.iter().filter_map(|id| buckets.get(id).copied()).collect();
            months.sort_unstable();
            months.dedup();
            report.destroyed_buckets = months;
        }
        self.backend.write(|sql| {
            for (meta, days) in [(TRAVELLER_DAYS_META, plan.days), (WATCHLIST_DAYS_META, plan.watchlist_days)] {
                sql.exec(
                    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[Value::from(meta), Value::Blob(days.to_be_bytes().to_vec())],
                )?;
            }
            if deleted + report.keys_unreadable > 0 {
                bump_shred_mark(sql)?;
            }
            Ok(())
        })?;
        self.keys.set_traveller_days(plan.days);
        self.keys.set_watchlist_days(plan.watchlist_days);
        report.travellers_shredded = deleted;
        Ok(())
    }

    /// Re-wraps data keys under other retention keys, `(key, target)`, in batches; returns how
    /// many moved.
    fn rewrap_keys(&self, moves: &[(i64, i64)]) -> Result<u64> {
        let target_of: HashMap<i64, i64> = moves.iter().copied().collect();
        let mut moved = 0;
        for chunk in moves.chunks(2_000) {
            moved += self.backend.write(|sql| {
                let params: Vec<Value> = chunk.iter().map(|(id, _)| Value::Int(*id)).collect();
                let rows = sql.rows(
                    &format!("SELECT id, wrapped, epoch FROM data_keys WHERE id IN ({})", placeholders(0, chunk.len())),
                    &params,
                )?;
                let mut moved = 0u64;
                for row in rows {
                    let mut row = row.into_iter();
                    let (Some(Value::Int(id)), Some(Value::Blob(wrapped))) = (row.next(), row.next()) else {
                        return Err(Error::Corrupt("data_keys row".into()));
                    };
                    let from = row.next().and_then(|v| v.as_int());
                    let Some(target) = target_of.get(&id).copied() else { continue };
                    if from == Some(target) {
                        continue;
                    }
                    let fresh = self.keys.rewrap_to_epoch(id, &wrapped, from, target)?;
                    sql.exec(
                        "UPDATE data_keys SET wrapped = $1, epoch = $2 WHERE id = $3",
                        &[Value::Blob(fresh), Value::Int(target), Value::Int(id)],
                    )?;
                    moved += 1;
                }
                Ok(moved)
            })?;
        }
        Ok(moved)
    }

    /// Opens the retention key file with the master key (an error if it is damaged or wrapped
    /// under another master key) and counts the data keys under a retention key that no longer
    /// exists: records shredded since this database was copied (a restored backup), which can
    /// never be read again.
    pub fn check_retention_keys(&self) -> Result<u64> {
        let known = self.keys.retention_key_numbers()?;
        let rows = self.backend.read(|sql| {
            sql.rows("SELECT epoch, COUNT(*) FROM data_keys WHERE epoch IS NOT NULL GROUP BY epoch", &[])
        })?;
        let mut unreadable = 0;
        for (number, count) in rows.iter().filter_map(|row| Some((row.first()?.as_int()?, row.get(1)?.as_int()?))) {
            if known.contains(&number) {
                continue;
            }
            match self.keys.retention_key_status(number)? {
                seal::KeyStatus::Present => {}
                seal::KeyStatus::Destroyed => unreadable += count as u64,
                seal::KeyStatus::Missing => return Err(crate::retention::missing_key(number)),
            }
        }
        Ok(unreadable)
    }

    /// The traveller and watchlist periods (days) the last run applied, if there was one: the
    /// next run keeps them unless told otherwise.
    pub fn recorded_retention_periods(&self) -> Result<(Option<i64>, Option<i64>)> {
        let days =
            |bytes: Option<Vec<u8>>| bytes.and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok()).map(i64::from_be_bytes);
        self.backend.read(|sql| {
            Ok((days(crate::read_meta(sql, TRAVELLER_DAYS_META)?), days(crate::read_meta(sql, WATCHLIST_DAYS_META)?)))
        })
    }

    /// Files new traveller keys by the period the last run recorded (another process may have
    /// changed it since this one opened the store).
    pub fn refresh_retention_period(&self) -> Result<()> {
        let (travellers, watchlist) = self.recorded_retention_periods()?;
        if let Some(days) = travellers {
            self.keys.set_traveller_days(days);
        }
        if let Some(days) = watchlist {
            self.keys.set_watchlist_days(days);
        }
        Ok(())
    }

    /// Marks a retention run as started, refusing when another one is at work (a marker younger
    /// than six hours).
    pub(crate) fn start_retention_run(&self) -> Result<()> {
        let for_update = self.row_lock(" FOR UPDATE");
        // The row exists before anyone locks it, so that two runs starting together on
        // PostgreSQL queue on it (a lock on a row that does not exist yet holds nothing).
        self.backend.write(|sql| {
            sql.exec(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[Value::from(RUN_META), Value::Blob(Vec::new())],
            )
            .map(|_| ())
        })?;
        self.backend.write(|sql| {
            let rows = sql.rows(&format!("SELECT value FROM meta WHERE key = $1{for_update}"), &[Value::from(RUN_META)])?;
            let started = rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .and_then(Value::into_blob)
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|text| DateTime::parse_from_rfc3339(&text).ok());
            if let Some(started) = started
                && Utc::now().signed_duration_since(started) < Duration::hours(RUN_STALE_HOURS)
            {
                return Err(Error::Refused(format!(
                    "another retention run started at {} and has not finished: run one at a time (a run that died is ignored after {RUN_STALE_HOURS} hours)",
                    started.to_rfc3339()
                )));
            }
            sql.exec(
                "UPDATE meta SET value = $2 WHERE key = $1",
                &[Value::from(RUN_META), Value::Blob(crate::now_text().into_bytes())],
            )?;
            Ok(())
        })
    }

    /// Clears the marker of [`Self::start_retention_run`] (the row stays, empty).
    pub(crate) fn end_retention_run(&self) -> Result<()> {
        self.backend.write(|sql| {
            sql.exec("UPDATE meta SET value = $2 WHERE key = $1", &[Value::from(RUN_META), Value::Blob(Vec::new())])
                .map(|_| ())
        })
    }

    /// When a person's record was first stored. Audit entries about `person:ID` from before it
    /// are about someone else: a person shredded by retention whose id SQLite gave again.
    pub fn person_stored_since(&self, person_id: i64) -> Result<Option<String>> {
        self.backend.read(|sql| {
            Ok(sql
                .rows("SELECT created_at FROM persons WHERE id = $1", &[Value::Int(person_id)])?
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .and_then(Value::into_text))
        })
    }

    /// Changes whenever a retention run deletes traveller records (empty before the first): a
    /// running server compares it to reload its counter-check index.
    pub fn traveller_shred_mark(&self) -> Result<String> {
        self.backend.read(read_shred_mark)
    }
}

/// The shred mark ([`TRAVELLER_SHRED_META`]): changes in every transaction in which a retention
/// run deletes traveller keys. Empty before the first.
pub(crate) fn read_shred_mark(sql: &mut dyn Sql) -> Result<String> {
    Ok(crate::read_meta(sql, TRAVELLER_SHRED_META)?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default())
}

/// The legal holds on traveller keys as of `today`, each with its reason: the keys of the held
/// persons, of crossings filed under their documents' own keys before the documents were known,
/// and of holderless documents on a watchlist entry in force.
fn holds(sql: &mut dyn Sql, today: NaiveDate) -> Result<HashMap<i64, String>> {
    let held = held_persons(sql, today, None)?;
    let mut found = HashMap::new();
    let ids: Vec<i64> = held.keys().copied().collect();
    // Few persons are held: start from them (their keys, documents by holder, crossings by
    // document).
    for chunk in ids.chunks(500) {
        let params: Vec<Value> = chunk.iter().copied().map(Value::Int).collect();
        let statement = format!(
            "SELECT key_id, id FROM persons WHERE id IN ({list})
             UNION ALL SELECT DISTINCT c.key_id, d.person_id FROM documents d JOIN crossings c ON c.doc_key = d.doc_key
              WHERE d.person_id IN ({list}) AND c.key_id <> d.key_id",
            list = placeholders(0, chunk.len())
        );
        for row in sql.rows(&statement, &params)? {
            if let (Some(key), Some(person)) = (row.first().and_then(Value::as_int), row.get(1).and_then(Value::as_int))
                && let Some(why) = held.get(&person)
            {
                found.entry(key).or_insert_with(|| why.clone());
            }
        }
    }
    for row in sql.rows(
        "SELECT d.key_id FROM documents d JOIN watchlist w ON w.number_bidx = d.number_bidx
          WHERE d.person_id IS NULL AND (w.valid_until IS NULL OR w.valid_until >= $1)",
        &[Value::Text(today.to_string())],
    )? {
        if let Some(key) = row.first().and_then(Value::as_int) {
            found.entry(key).or_insert_with(|| "a document on an active watchlist entry".to_owned());
        }
    }
    Ok(found)
}

/// Changes the shred mark in the transaction that deletes keys: imports prepared before it see
/// the change and look at their keys again; running servers reload their check index.
fn bump_shred_mark(sql: &mut dyn Sql) -> Result<()> {
    let mark = format!("{} {}", crate::now_text(), seal::random_id()?);
    sql.exec(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[Value::from(TRAVELLER_SHRED_META), Value::Blob(mark.into_bytes())],
    )
    .map(|_| ())
}

/// Persons held by a legal hold, with the reason; only `person` when given.
fn held_persons(sql: &mut dyn Sql, today: NaiveDate, person: Option<i64>) -> Result<HashMap<i64, String>> {
    let mut params = vec![Value::Text(today.to_string())];
    let only = |column: &str| if person.is_some() { format!(" AND {column} = $2") } else { String::new() };
    params.extend(person.map(Value::Int));
    let statement = format!(
        "SELECT cp.person_id, 'a party to an open case (legal hold)' FROM case_parties cp
           JOIN cases c ON c.id = cp.case_id WHERE c.status = 'open' AND cp.person_id IS NOT NULL{}
         UNION ALL SELECT l.person_id, 'linked to a report in an open case (legal hold)' FROM report_links l
           JOIN submissions s ON s.id = l.submission_id JOIN cases c ON c.id = s.case_id
          WHERE c.status = 'open' AND l.state = 'confirmed'{}
         UNION ALL SELECT p.id, 'an active watchlist entry' FROM persons p
           JOIN watchlist w ON w.nik_bidx = p.nik_bidx WHERE (w.valid_until IS NULL OR w.valid_until >= $1){}
         UNION ALL SELECT d.person_id, 'a document on an active watchlist entry' FROM documents d
           JOIN watchlist w ON w.number_bidx = d.number_bidx
          WHERE d.person_id IS NOT NULL AND (w.valid_until IS NULL OR w.valid_until >= $1){}
         UNION ALL SELECT r.person_id, 'a data-subject request pending' FROM subject_requests r
          WHERE r.status IN ('pending', 'approved'){}",
        only("cp.person_id"),
        only("l.person_id"),
        only("p.id"),
        only("d.person_id"),
        only("r.person_id"),
    );
    let mut found = HashMap::new();
    for row in sql.rows(&statement, &params)? {
        let mut row = row.into_iter();
        if let (Some(Value::Int(person)), Some(Value::Text(why))) = (row.next(), row.next()) {
            found.entry(person).or_insert(why);
        }
    }
    Ok(found)
}

enum Shredded {
    Done,
    /// Still active or held: the month it now belongs in.
    Kept(i32),
    /// Already gone (another run).
    Gone,
}

/// Shreds one traveller key inside a write transaction, after checking again that nothing new
/// happened to its records (an import, a case) since the plan was made.
/// On PostgreSQL the key row is locked (`for_update`, skipping a row an import holds) first: an
/// import that uses the key reads it `FOR SHARE`, so either it sees the key gone or the shredding
/// sees it in use and keeps it for the next run.
fn shred_key(sql: &mut dyn Sql, key: &TravellerKey, today: NaiveDate, for_update: &str) -> Result<Shredded> {
    let cutoff = today - Duration::days(key.days);
    let rows = sql.rows(&format!("SELECT subject FROM data_keys WHERE id = $1{for_update}"), &[Value::Int(key.id)])?;
    let Some(Value::Blob(subject)) = rows.into_iter().next().and_then(|r| r.into_iter().next()) else {
        if !for_update.is_empty()
            && !sql.rows("SELECT 1 FROM data_keys WHERE id = $1", &[Value::Int(key.id)])?.is_empty()
        {
            // In use by an import right now: active.
            return Ok(Shredded::Kept(month_of(after(today, key.days))));
        }
        return Ok(Shredded::Gone);
    };
    let (latest, person) = latest_activity(sql, key.id, &subject, today, !for_update.is_empty())?;
    let held = match person {
        Some(person) => !held_persons(sql, today, Some(person))?.is_empty(),
        None => false,
    };
    if held || latest.is_some_and(|day| day >= cutoff) {
        let due_on = latest.map_or(today, |day| after(day, key.days));
        return Ok(Shredded::Kept(month_of(due_on.max(today))));
    }
    delete_records(sql, key.id)?;
    Ok(Shredded::Done)
}

/// The latest day of activity of the records under a key, and the person it belongs to, using
/// only indexed paths (by NIK index, holder, document key).
fn latest_activity(
    sql: &mut dyn Sql,
    key_id: i64,
    subject: &[u8],
    today: NaiveDate,
    postgres: bool,
) -> Result<(Option<NaiveDate>, Option<i64>)> {
    // The person row is locked before their holds are read: a case party or data-subject request
    // added meanwhile (which reads the row FOR SHARE) is then either seen or refused.
    let lock = if postgres { " FOR UPDATE" } else { "" };
    let mut days: Vec<Option<NaiveDate>> = Vec::new();
    let mut person = None;
    if subject.starts_with(b"w:") {
        // Few rows: no index on key_id is needed.
        for row in sql.rows("SELECT updated_at, valid_until FROM watchlist WHERE key_id = $1", &[Value::Int(key_id)])? {
            let mut row = row.into_iter();
            days.push(day(row.next()));
            // In force without an end date: active today.
            days.push(day(row.next()).or(Some(today)));
        }
        return Ok((days.into_iter().flatten().max(), None));
    }
    let doc_keys: Vec<Vec<u8>> = if let Some(nik_bidx) = subject.strip_prefix(b"p:".as_slice()) {
        for row in sql.rows(
            &format!("SELECT id, updated_at FROM persons WHERE nik_bidx = $1 AND key_id = $2{lock}"),
            &[Value::Blob(nik_bidx.to_vec()), Value::Int(key_id)],
        )? {
            let mut row = row.into_iter();
            person = row.next().and_then(|v| v.as_int());
            days.push(day(row.next()));
        }
        let Some(id) = person else { return Ok((None, None)) };
        for row in sql.rows(
            "SELECT updated_at, applied_on, decided_at FROM applications WHERE person_id = $1",
            &[Value::Int(id)],
        )? {
            days.extend(row.into_iter().map(|v| day(Some(v))));
        }
        let docs = sql.rows("SELECT doc_key, updated_at FROM documents WHERE person_id = $1", &[Value::Int(id)])?;
        docs.into_iter()
            .filter_map(|row| {
                let mut row = row.into_iter();
                let doc_key = row.next().and_then(Value::into_blob);
                days.push(day(row.next()));
                doc_key
            })
            .collect()
    } else {
        let doc_key = subject.get(2..).unwrap_or_default().to_vec();
        for row in sql.rows(
            "SELECT updated_at, key_id, person_id FROM documents WHERE doc_key = $1",
            &[Value::Blob(doc_key.clone())],
        )? {
            let mut row = row.into_iter();
            let updated = day(row.next());
            if row.next().and_then(|v| v.as_int()) == Some(key_id) {
                days.push(updated);
            }
            // The document's holder, if it has one by now: their holds cover these crossings.
            person = row.next().and_then(|v| v.as_int()).or(person);
        }
        vec![doc_key]
    };
    for doc_key in &doc_keys {
        for row in sql.rows(
            "SELECT MAX(crossed_at), MAX(updated_at) FROM crossings WHERE doc_key = $1 AND key_id = $2",
            &[Value::Blob(doc_key.clone()), Value::Int(key_id)],
        )? {
            days.extend(row.into_iter().map(|v| day(Some(v))));
        }
    }
    Ok((days.into_iter().flatten().max(), person))
}

/// Deletes the records under a traveller key, what indexes them, and the key.
fn delete_records(sql: &mut dyn Sql, key_id: i64) -> Result<()> {
    let rows = sql.rows("SELECT subject FROM data_keys WHERE id = $1", &[Value::Int(key_id)])?;
    let Some(Value::Blob(subject)) = rows.into_iter().next().and_then(|r| r.into_iter().next()) else {
        return Ok(());
    };
    if subject.starts_with(b"w:") {
        let entries = sql.rows("SELECT id FROM watchlist WHERE key_id = $1", &[Value::Int(key_id)])?;
        for entry in entries.into_iter().filter_map(|r| r.into_iter().next()) {
            let entry = std::slice::from_ref(&entry);
            sql.exec("DELETE FROM name_index WHERE owner_kind = 'watchlist' AND owner_id = $1", entry)?;
            sql.exec("DELETE FROM phone_index WHERE owner_kind = 'watchlist' AND owner_id = $1", entry)?;
            sql.exec("DELETE FROM watchlist WHERE id = $1", entry)?;
        }
    } else if let Some(nik_bidx) = subject.strip_prefix(b"p:".as_slice()) {
        let found = sql.rows("SELECT id FROM persons WHERE nik_bidx = $1", &[Value::Blob(nik_bidx.to_vec())])?;
        if let Some(person) = found.into_iter().next().and_then(|r| r.into_iter().next()).and_then(|v| v.as_int()) {
            let person = Value::Int(person);
            let docs = sql.rows("SELECT doc_key FROM documents WHERE person_id = $1", std::slice::from_ref(&person))?;
            for doc_key in docs.into_iter().filter_map(|r| r.into_iter().next()) {
                sql.exec(
                    "DELETE FROM crossings WHERE doc_key = $1 AND key_id = $2",
                    &[doc_key.clone(), Value::Int(key_id)],
                )?;
                // Crossings of these documents sealed under another key (from before the document
                // was linked) stay with that key, unlinked.
                sql.exec("UPDATE crossings SET document_id = NULL, person_id = NULL WHERE doc_key = $1", &[doc_key])?;
            }
            sql.exec("DELETE FROM applications WHERE person_id = $1", std::slice::from_ref(&person))?;
            sql.exec("DELETE FROM documents WHERE person_id = $1", std::slice::from_ref(&person))?;
            sql.exec(
                "DELETE FROM name_index WHERE owner_kind = 'person' AND owner_id = $1",
                std::slice::from_ref(&person),
            )?;
            sql.exec(
                "DELETE FROM phone_index WHERE owner_kind = 'person' AND owner_id = $1",
                std::slice::from_ref(&person),
            )?;
            sql.exec("DELETE FROM report_links WHERE person_id = $1", std::slice::from_ref(&person))?;
            // Nothing may point at the id any more (SQLite can give it to the next new person).
            // Crossings pointing at it through its documents were unlinked above; those whose
            // document has passed to someone else since are unlinked once at the end of the
            // shredding (crossings have no index by person).
            // A closed case keeps the party as it knew them (name and role, sealed in the case).
            sql.exec("UPDATE case_parties SET person_id = NULL WHERE person_id = $1", std::slice::from_ref(&person))?;
            // Their data-subject requests (decided or completed: pending ones hold the person) go
            // with them, with their keys; the audit log keeps that they were made and decided.
            let requests =
                sql.rows("SELECT key_id FROM subject_requests WHERE person_id = $1", std::slice::from_ref(&person))?;
            for request_key in requests.into_iter().filter_map(|r| r.into_iter().next()) {
                sql.exec("DELETE FROM data_keys WHERE id = $1", &[request_key])?;
            }
            sql.exec("DELETE FROM subject_requests WHERE person_id = $1", std::slice::from_ref(&person))?;
            sql.exec("DELETE FROM persons WHERE id = $1", &[person])?;
        }
    } else {
        let doc_key = Value::Blob(subject.get(2..).unwrap_or_default().to_vec());
        sql.exec("DELETE FROM crossings WHERE doc_key = $1 AND key_id = $2", &[doc_key.clone(), Value::Int(key_id)])?;
        sql.exec("DELETE FROM documents WHERE doc_key = $1 AND key_id = $2", &[doc_key, Value::Int(key_id)])?;
    }
    sql.exec("DELETE FROM data_keys WHERE id = $1", &[Value::Int(key_id)])?;
    Ok(())
}

/// The months of the traveller buckets, for reports (`YYYY-MM`).
pub fn month_label(month: i32) -> String {
    format!("{:04}-{:02}", month / 100, month % 100)
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn months_roll_over_the_year() {
        assert_eq!(next_month(203611), 203612);
        assert_eq!(next_month(203612), 203701);
        assert_eq!(month_of(NaiveDate::from_ymd_opt(2036, 1, 31).unwrap()), 203601);
        assert_eq!(month_label(203601), "2036-01");
    }

    proptest::proptest! {
        #[test]
        fn months_follow_the_calendar(days in 0i64..800_000) {
            let day = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + Duration::days(days);
            let month = month_of(day);
            let first_of_next = day.with_day(1).unwrap().checked_add_months(chrono::Months::new(1)).unwrap();
            proptest::prop_assert_eq!(next_month(month), month_of(first_of_next));
            // YYYYMM numbers sort like the months they name.
            proptest::prop_assert!(month < next_month(month));
            proptest::prop_assert_eq!(month_of(day + Duration::days(1)) >= month, true);
        }

        #[test]
        fn any_stored_text_is_a_day_or_nothing(text in "\\PC{0,30}") {
            if let Some(found) = day(Some(Value::Text(text.clone()))) {
                proptest::prop_assert!(text.starts_with(&found.format("%Y-%m-%d").to_string()));
            }
        }

        #[test]
        fn due_dates_never_overflow(days in 0i64..=LONGEST_TRAVELLER_DAYS, offset in 0i64..4_000_000) {
            let far = NaiveDate::MAX - Duration::days(offset);
            proptest::prop_assert!(after(far, days) >= far);
        }
    }

    #[test]
    fn days_are_read_from_dates_and_stamps() {
        assert_eq!(day(Some(Value::from("2026-11-29T08:00:00Z"))), NaiveDate::from_ymd_opt(2026, 11, 29));
        assert_eq!(day(Some(Value::from("2026-11-29"))), NaiveDate::from_ymd_opt(2026, 11, 29));
        assert_eq!(day(Some(Value::from("kemarin"))), None);
        assert_eq!(day(Some(Value::Null)), None);
        assert_eq!(day(None), None);
    }
}
