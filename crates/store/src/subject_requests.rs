//! Data-subject requests under UU 27/2022 (PDP): a person asks to see what is held about them
//! (access, Art. 7), to have it corrected (rectification, Art. 6) or objects to processing
//! (Art. 10). The data-protection officer decides each one, and may restrict it under the
//! exemptions Art. 15(1) allows (national defence and security, law enforcement, the public
//! interest in state administration, financial supervision, statistics and research): an
//! immigration office preventing trafficking will often withhold watchlist and case information
//! under 15(1)(a)/(b) while still showing the person their own records.
//!
//! The request's texts (who asked and how to answer them, what they asked, the correction, the
//! decision's reasons, the record as it was before a rectification) are sealed under a key of
//! their own (subject `dsr:<reference>`); the table holds the kind, status, codes and dates.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::backend::{Sql, Value};
use crate::error::{Error, Result};
use crate::{AuditContext, Store, audit, seal};

/// What the person asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Everything held about them (Art. 7).
    Access,
    /// A correction of their record (Art. 6).
    Rectification,
    /// An objection to processing (Art. 10).
    Objection,
}

impl RequestKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Rectification => "rectification",
            RequestKind::Objection => "objection",
        }
    }

    /// Parses a code.
    pub fn parse(text: &str) -> Option<RequestKind> {
        [RequestKind::Access, RequestKind::Rectification, RequestKind::Objection]
            .into_iter()
            .find(|k| k.code() == text.trim().to_ascii_lowercase())
    }
}

/// The exemptions of UU 27/2022 Art. 15(1): (code, Bahasa Indonesia, English).
pub const EXEMPTIONS: [(&str, &str, &str); 5] = [
    ("15.1.a", "kepentingan pertahanan dan keamanan nasional", "national defence and security"),
    ("15.1.b", "kepentingan proses penegakan hukum", "law enforcement"),
    (
        "15.1.c",
        "kepentingan umum dalam rangka penyelenggaraan negara",
        "the public interest in the administration of the state",
    ),
    (
        "15.1.d",
        "pengawasan sektor jasa keuangan, moneter, sistem pembayaran, dan stabilitas sistem keuangan",
        "supervision of financial services, monetary and payment systems and financial stability",
    ),
    ("15.1.e", "statistik dan penelitian ilmiah", "statistics and scientific research"),
];

/// A new request, as received.
#[derive(Debug, Clone)]
pub struct NewSubjectRequest {
    /// What is asked.
    pub kind: RequestKind,
    /// The person it concerns (internal id).
    pub person_id: i64,
    /// Who asked and how to answer (the person, or their representative).
    pub requester: String,
    /// What they asked, in their words.
    pub detail: String,
    /// For a rectification: the corrected fields (the import format's JSON).
    pub correction: Option<serde_json::Value>,
}

/// The sealed part.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RequestText {
    requester: String,
    detail: String,
    correction: Option<serde_json::Value>,
    decision_note: Option<String>,
    previous: Option<serde_json::Value>,
}

/// A recorded request.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectRequest {
    /// `DSR-YYYY-NNNN`.
    pub reference: String,
    /// What was asked.
    pub kind: RequestKind,
    /// The person (internal id).
    pub person_id: i64,
    /// When it arrived.
    pub received_at: String,
    /// Who recorded it.
    pub received_by: String,
    /// `pending`, `approved`, `refused` or `completed`.
    pub status: String,
    /// Art. 15 exemptions applied (codes).
    pub exemptions: Vec<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// Who asked and how to answer.
    pub requester: String,
    /// What was asked.
    pub detail: String,
    /// A rectification's corrected fields.
    pub correction: Option<serde_json::Value>,
    /// The reasons of the decision.
    pub decision_note: Option<String>,
    /// The record before a rectification was applied (its history).
    pub previous: Option<serde_json::Value>,
}

fn limit(text: &str, max: usize, what: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::Refused(format!("{what} is longer than {max} characters")));
    }
    Ok(text.to_owned())
}

impl Store {
    /// Records a request (audited as `dsr.record`, with the person as subject).
    pub fn record_subject_request(&self, new: &NewSubjectRequest, context: &AuditContext) -> Result<SubjectRequest> {
        let text = RequestText {
            requester: limit(&new.requester, 500, "the requester")?,
            detail: limit(&new.detail, 4000, "the request")?,
            correction: new.correction.clone(),
            ..RequestText::default()
        };
        if text.requester.is_empty() {
            return Err(Error::Refused("say who asked and how to answer them".into()));
        }
        if (new.kind == RequestKind::Rectification) != text.correction.is_some() {
            return Err(Error::Refused(
                "a rectification carries the corrected fields, and only a rectification".into(),
            ));
        }
        let now = crate::now_text();
        let year = Utc::now().format("%Y").to_string();
        let plaintext = serde_json::to_vec(&text)?;
        let reference = self.backend.write(|sql| {
            self.lock_person(sql, new.person_id)?;
            let taken = sql.rows(
                "INSERT INTO counters (name, value) VALUES ($1, 1)
                 ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                &[Value::Text(format!("dsr-{year}"))],
            )?;
            let n = taken.first().and_then(|r| r.first()).and_then(Value::as_int).unwrap_or(1);
            let reference = format!("DSR-{year}-{n:04}");
            let subject = format!("dsr:{reference}").into_bytes();
            let keys = self.subject_keys(sql, &[subject.as_slice()])?;
            let (key_id, key) =
                keys.get(&subject).cloned().ok_or_else(|| Error::Corrupt("no data key for a request".into()))?;
            let sealed = seal::seal(&key, "subject_requests", key_id, &plaintext)?;
            sql.exec(
                "INSERT INTO subject_requests (reference, kind, person_id, received_at, received_by, status, exemptions,
                    key_id, sealed) VALUES ($1, $2, $3, $4, $5, 'pending', '', $6, $7)",
                &[
                    Value::Text(reference.clone()),
                    Value::from(new.kind.code()),
                    Value::Int(new.person_id),
                    Value::Text(now.clone()),
                    Value::from(context.actor.as_str()),
                    Value::Int(key_id),
                    Value::Blob(sealed),
                ],
            )?;
            audit::record(
                &self.keys,
                sql,
                context,
                "dsr.record",
                &format!("person:{}", new.person_id),
                &format!("{reference} {}", new.kind.code()),
                Utc::now(),
            )?;
            Ok(reference)
        })?;
        self.subject_request(&reference, context)?.ok_or(Error::NotFound { what: "request" })
    }

    /// One request (audited as `dsr.read`).
    pub fn subject_request(&self, reference: &str, context: &AuditContext) -> Result<Option<SubjectRequest>> {
        let found = self.backend.read(|sql| {
            let rows = sql.rows(
                &format!("SELECT {REQUEST_COLUMNS} FROM subject_requests WHERE reference = $1"),
                &[Value::from(reference)],
            )?;
            rows.into_iter().next().map(|row| self.request_from_row(sql, row)).transpose()
        })?;
        if let Some(request) = &found {
            self.record_audit(context, "dsr.read", &format!("person:{}", request.person_id), &request.reference)?;
        }
        Ok(found)
    }

    /// Every request, newest first (audited as `dsr.list`).
    pub fn subject_requests(&self, context: &AuditContext) -> Result<Vec<SubjectRequest>> {
        let list = self.backend.read(|sql| {
            let rows =
                sql.rows(&format!("SELECT {REQUEST_COLUMNS} FROM subject_requests ORDER BY id DESC LIMIT 1000"), &[])?;
            rows.into_iter().map(|row| self.request_from_row(sql, row)).collect::<Result<Vec<_>>>()
        })?;
        let subjects: Vec<String> = list.iter().map(|r| format!("person:{}", r.person_id)).collect();
        self.record_audit(context, "dsr.list", &subjects.join(","), &format!("count={}", list.len()))?;
        Ok(list)
    }

    /// The data-protection officer's decision on a pending request: approved (possibly restricted
    /// by exemption codes) or refused (which needs at least one code: Art. 15 is the only ground).
    /// Audited as `dsr.decide`.
    pub fn decide_subject_request(
        &self,
        reference: &str,
        approve: bool,
        exemptions: &[String],
        note: &str,
        context: &AuditContext,
    ) -> Result<SubjectRequest> {
        for code in exemptions {
            if !EXEMPTIONS.iter().any(|(known, _, _)| known == code) {
                return Err(Error::Refused(format!(
                    "{code:?} is not an exemption of Art. 15(1): use {}",
                    EXEMPTIONS.iter().map(|(c, _, _)| *c).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        if !approve && exemptions.is_empty() {
            return Err(Error::Refused("a refusal names the exemptions of Art. 15(1) it rests on".into()));
        }
        let note = limit(note, 4000, "the note")?;
        let status = if approve { "approved" } else { "refused" };
        self.backend.write(|sql| {
            let Opened { person_id, key_id, key, mut text } = self.open_request(sql, reference, "pending")?;
            text.decision_note = Some(note.clone()).filter(|n| !n.is_empty());
            let sealed = seal::seal(&key, "subject_requests", key_id, &serde_json::to_vec(&text)?)?;
            sql.exec(
                "UPDATE subject_requests SET status = $1, exemptions = $2, decided_by = $3, decided_at = $4, sealed = $5
                 WHERE reference = $6",
                &[
                    Value::from(status),
                    Value::Text(exemptions.join(",")),
                    Value::from(context.actor.as_str()),
                    Value::Text(crate::now_text()),
                    Value::Blob(sealed),
                    Value::from(reference),
                ],
            )?;
            audit::record(
                &self.keys,
                sql,
                context,
                "dsr.decide",
                &format!("person:{person_id}"),
                &format!("{reference} {status} {}", exemptions.join(",")),
                Utc::now(),
            )
            .map(|_| ())
        })?;
        self.subject_request(reference, context)?.ok_or(Error::NotFound { what: "request" })
    }

    /// Marks an approved request done; for a rectification, keeps the record as it was before
    /// (its history). Audited as `dsr.complete`.
    pub fn complete_subject_request(
        &self,
        reference: &str,
        previous: Option<serde_json::Value>,
        context: &AuditContext,
    ) -> Result<()> {
        self.backend.write(|sql| {
            let Opened { person_id, key_id, key, mut text } = self.open_request(sql, reference, "approved")?;
            text.previous = previous.clone();
            let sealed = seal::seal(&key, "subject_requests", key_id, &serde_json::to_vec(&text)?)?;
            sql.exec(
                "UPDATE subject_requests SET status = 'completed', sealed = $1 WHERE reference = $2",
                &[Value::Blob(sealed), Value::from(reference)],
            )?;
            audit::record(
                &self.keys,
                sql,
                context,
                "dsr.complete",
                &format!("person:{person_id}"),
                reference,
                Utc::now(),
            )
            .map(|_| ())
        })
    }

    /// A request's row in the state a change needs (`pending` to decide, `approved` to complete),
    /// with its texts opened.
    fn open_request(&self, sql: &mut dyn Sql, reference: &str, expected: &str) -> Result<Opened> {
        let rows = sql.rows(
            "SELECT person_id, status, key_id, sealed FROM subject_requests WHERE reference = $1",
            &[Value::from(reference)],
        )?;
        let mut row = rows.into_iter().next().ok_or(Error::NotFound { what: "request" })?.into_iter();
        let (
            Some(Value::Int(person_id)),
            Some(Value::Text(current)),
            Some(Value::Int(key_id)),
            Some(Value::Blob(sealed)),
        ) = (row.next(), row.next(), row.next(), row.next())
        else {
            return Err(Error::Corrupt("subject_requests row".into()));
        };
        if current != expected {
            return Err(Error::Refused(if expected == "pending" {
                format!("{reference} is already {current}")
            } else {
                format!("{reference} is {current}, not {expected}")
            }));
        }
        let keys = self.keys_by_id(sql, &[key_id])?;
        let key = keys.get(&key_id).cloned().ok_or(Error::NotFound { what: "data key" })?;
        let text: RequestText = serde_json::from_slice(&seal::open(&key, "subject_requests", key_id, &sealed)?)?;
        Ok(Opened { person_id, key_id, key, text })
    }

    fn request_from_row(&self, sql: &mut dyn Sql, row: Vec<Value>) -> Result<SubjectRequest> {
        let corrupt = || Error::Corrupt("subject_requests row".into());
        let mut row = row.into_iter();
        let reference = row.next().and_then(Value::into_text).ok_or_else(corrupt)?;
        let kind = row.next().and_then(Value::into_text).and_then(|k| RequestKind::parse(&k)).ok_or_else(corrupt)?;
        let person_id = row.next().and_then(|v| v.as_int()).ok_or_else(corrupt)?;
        let received_at = row.next().and_then(Value::into_text).ok_or_else(corrupt)?;
        let received_by = row.next().and_then(Value::into_text).ok_or_else(corrupt)?;
        let status = row.next().and_then(Value::into_text).ok_or_else(corrupt)?;
        let exemptions = row.next().and_then(Value::into_text).unwrap_or_default();
        let decided_by = row.next().and_then(Value::into_text);
        let decided_at = row.next().and_then(Value::into_text);
        let (Some(Value::Int(key_id)), Some(Value::Blob(sealed))) = (row.next(), row.next()) else {
            return Err(corrupt());
        };
        let keys = self.keys_by_id(sql, &[key_id])?;
        let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
        let text: RequestText = serde_json::from_slice(&seal::open(key, "subject_requests", key_id, &sealed)?)?;
        Ok(SubjectRequest {
            reference,
            kind,
            person_id,
            received_at,
            received_by,
            status,
            exemptions: exemptions.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
            decided_by,
            decided_at,
            requester: text.requester,
            detail: text.detail,
            correction: text.correction,
            decision_note: text.decision_note,
            previous: text.previous,
        })
    }
}

/// A request opened for a change.
struct Opened {
    person_id: i64,
    key_id: i64,
    key: seal::SecretKey,
    text: RequestText,
}

const REQUEST_COLUMNS: &str =
    "reference, kind, person_id, received_at, received_by, status, exemptions, decided_by, decided_at, key_id, sealed";
