//! The breach log: incidents, the records they touched, and the 3 × 24-hour notification
//! deadline of UU 27/2022 Art. 46. What happened and what was done is free text that may name
//! people, so it is sealed like any record; the deadline, category and affected ids are not.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::backend::Value;
use crate::error::{Error, Result};
use crate::{AuditContext, Store, audit, seal};

/// What kind of harm (the CIA triad, as the authority's form asks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachCategory {
    /// Data seen or taken by someone not allowed to.
    Confidentiality,
    /// Data changed or destroyed without authority.
    Integrity,
    /// Data not available when needed (lost keys, outage, ransomware).
    Availability,
}

impl BreachCategory {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            BreachCategory::Confidentiality => "confidentiality",
            BreachCategory::Integrity => "integrity",
            BreachCategory::Availability => "availability",
        }
    }

    /// Parses a stored code.
    pub fn parse(text: &str) -> Option<BreachCategory> {
        match text.trim().to_ascii_lowercase().as_str() {
            "confidentiality" => Some(BreachCategory::Confidentiality),
            "integrity" => Some(BreachCategory::Integrity),
            "availability" => Some(BreachCategory::Availability),
            _ => None,
        }
    }
}

/// A new incident, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachReport {
    /// When the breach was found (the deadline runs from here).
    pub detected_at: DateTime<Utc>,
    /// What kind of harm.
    pub category: BreachCategory,
    /// The records touched, by internal id (`person:42`, `document:7`, …).
    pub affected: Vec<String>,
    /// What happened, how it was found.
    pub description: String,
    /// What was done to contain it and to recover.
    pub measures: String,
    /// Who to contact about it (the DPO's office).
    pub contact: String,
}

/// The sealed part of a breach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BreachText {
    description: String,
    measures: String,
    contact: String,
}

/// A recorded incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breach {
    /// `BR-YYYY-NNNN`.
    pub reference: String,
    /// When it was found (RFC 3339, UTC).
    pub detected_at: String,
    /// When it was entered here.
    pub recorded_at: String,
    /// Detection + 72 hours.
    pub notify_by: String,
    /// What kind of harm.
    pub category: BreachCategory,
    /// The records touched, by internal id.
    pub affected: Vec<String>,
    /// What happened.
    pub description: String,
    /// What was done.
    pub measures: String,
    /// Who to contact.
    pub contact: String,
    /// When the authority was notified.
    pub authority_notified_at: Option<String>,
    /// When the persons concerned were notified.
    pub subjects_notified_at: Option<String>,
}

impl Breach {
    /// Whether a notification is still owed and its deadline has passed.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        let owed = self.authority_notified_at.is_none() || self.subjects_notified_at.is_none();
        owed && waspada_domain::format_timestamp(now) > self.notify_by
    }
}

/// Whom a notification went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notified {
    /// The PDP supervisory authority.
    Authority,
    /// The persons whose data was involved.
    Subjects,
}

/// The notification deadline of Art. 46: 3 × 24 hours from detection.
pub const NOTIFY_WITHIN_HOURS: i64 = 72;

impl Store {
    /// Records an incident (audited as `breach.record`); the reference is the next of its year.
    pub fn record_breach(&self, report: &BreachReport, context: &AuditContext) -> Result<Breach> {
        if report.description.trim().is_empty() {
            return Err(Error::Config("a breach needs a description of what happened".into()));
        }
        for subject in &report.affected {
            let valid = subject.split_once(':').is_some_and(|(kind, id)| {
                !kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase()) && id.parse::<i64>().is_ok()
            });
            if !valid {
                return Err(Error::Config(format!(
                    "affected records are internal ids such as person:42, not {subject:?}"
                )));
            }
        }
        let now = Utc::now();
        let notify_by = report.detected_at + Duration::hours(NOTIFY_WITHIN_HOURS);
        let text = BreachText {
            description: report.description.trim().to_owned(),
            measures: report.measures.trim().to_owned(),
            contact: report.contact.trim().to_owned(),
        };
        let plaintext = serde_json::to_vec(&text)?;
        let year = report.detected_at.format("%Y").to_string();
        let affected = report.affected.join(",");
        let detected_at = waspada_domain::format_timestamp(report.detected_at);
        let recorded_at = waspada_domain::format_timestamp(now);
        let notify_by = waspada_domain::format_timestamp(notify_by);
        let reference = self.backend.write(|sql| {
            let taken = sql.rows(
                "SELECT COUNT(*) FROM breaches WHERE reference LIKE $1",
                &[Value::Text(format!("BR-{year}-%"))],
            )?;
            let n = taken.first().and_then(|r| r.first()).and_then(Value::as_int).unwrap_or(0) + 1;
            let reference = format!("BR-{year}-{n:04}");
            let subject = format!("breach:{reference}").into_bytes();
            let keys = self.subject_keys(sql, &[subject.as_slice()])?;
            let (key_id, key) =
                keys.get(&subject).cloned().ok_or_else(|| Error::Corrupt("no data key for a new breach".into()))?;
            let sealed = seal::seal(&key, "breaches", key_id, &plaintext)?;
            sql.exec(
                "INSERT INTO breaches (reference, detected_at, recorded_at, notify_by, category, affected_subjects,
                    affected_count, key_id, sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    Value::Text(reference.clone()),
                    Value::Text(detected_at.clone()),
                    Value::Text(recorded_at.clone()),
                    Value::Text(notify_by.clone()),
                    Value::from(report.category.code()),
                    Value::Text(affected.clone()),
                    Value::Int(report.affected.len() as i64),
                    Value::Int(key_id),
                    Value::Blob(sealed),
                ],
            )?;
            audit::record(
                &self.keys,
                sql,
                context,
                "breach.record",
                &format!("breach:{reference}"),
                &format!("category={} affected={}", report.category.code(), report.affected.len()),
                now,
            )?;
            Ok(reference)
        })?;
        Ok(Breach {
            reference,
            detected_at,
            recorded_at,
            notify_by,
            category: report.category,
            affected: report.affected.clone(),
            description: text.description,
            measures: text.measures,
            contact: text.contact,
            authority_notified_at: None,
            subjects_notified_at: None,
        })
    }

    /// Every incident, newest first (audited as `breach.list`: the texts may name people).
    pub fn breaches(&self, context: &AuditContext) -> Result<Vec<Breach>> {
        let rows = self.backend.read(|sql| {
            sql.rows(
                "SELECT reference, detected_at, recorded_at, notify_by, category, affected_subjects,
                    authority_notified_at, subjects_notified_at, key_id, sealed FROM breaches ORDER BY id DESC",
                &[],
            )
        })?;
        let key_ids: Vec<i64> = rows.iter().filter_map(|r| r.get(8).and_then(Value::as_int)).collect();
        let keys = self.backend.read(|sql| self.keys_by_id(sql, &key_ids))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut row = row.into_iter();
            let mut text = || row.next().and_then(Value::into_text);
            let (
                Some(reference),
                Some(detected_at),
                Some(recorded_at),
                Some(notify_by),
                Some(category),
                Some(affected),
            ) = (text(), text(), text(), text(), text(), text())
            else {
                return Err(Error::Corrupt("breaches row".into()));
            };
            let authority_notified_at = row.next().and_then(Value::into_text);
            let subjects_notified_at = row.next().and_then(Value::into_text);
            let (Some(Value::Int(key_id)), Some(Value::Blob(sealed))) = (row.next(), row.next()) else {
                return Err(Error::Corrupt("breaches row".into()));
            };
            let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
            let text: BreachText = serde_json::from_slice(&seal::open(key, "breaches", key_id, &sealed)?)?;
            out.push(Breach {
                reference,
                detected_at,
                recorded_at,
                notify_by,
                category: BreachCategory::parse(&category).ok_or_else(|| Error::Corrupt("breach category".into()))?,
                affected: affected.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                description: text.description,
                measures: text.measures,
                contact: text.contact,
                authority_notified_at,
                subjects_notified_at,
            });
        }
        self.record_audit(context, "breach.list", "breach:all", &format!("count={}", out.len()))?;
        Ok(out)
    }

    /// Records that a notification was sent (audited as `breach.notified`).
    pub fn breach_notified(&self, reference: &str, whom: Notified, context: &AuditContext) -> Result<()> {
        let column = match whom {
            Notified::Authority => "authority_notified_at",
            Notified::Subjects => "subjects_notified_at",
        };
        let now = Utc::now();
        self.backend.write(|sql| {
            let changed = sql.exec(
                &format!("UPDATE breaches SET {column} = $1 WHERE reference = $2 AND {column} IS NULL"),
                &[Value::Text(waspada_domain::format_timestamp(now)), Value::from(reference)],
            )?;
            if changed == 0 {
                let exists = sql.rows("SELECT 1 FROM breaches WHERE reference = $1", &[Value::from(reference)])?;
                return Err(if exists.is_empty() {
                    Error::NotFound { what: "breach" }
                } else {
                    Error::Config(format!("{reference}: that notification is already recorded"))
                });
            }
            audit::record(&self.keys, sql, context, "breach.notified", &format!("breach:{reference}"), column, now)
                .map(|_| ())
        })
    }
}
