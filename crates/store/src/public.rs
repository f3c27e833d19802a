//! What the public sends through the citizens' app: reports of suspicious recruitment, lapor diri
//! registrations and SOS calls ("submissions"), their photos, later additions and check-ins, and
//! the idempotency keys that make a retried send harmless.
//!
//! Each submission has its own data key (subject `submission:` + the receipt's blind index): the whole content is
//! sealed under it, and so are its attachments. The receipt code is the reporter's only key to
//! the submission, so it is a bearer secret: the table holds its blind index, the code itself is
//! inside the sealed content. Plain columns hold only what the triage queue sorts by.
//!
//! The content is JSON made by the server (its wire format); the store does not interpret it.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::backend::{Sql, Value, placeholders};
use crate::error::{Error, Result};
use crate::{AuditContext, Store, audit, seal};

/// What a submission is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionKind {
    /// A report of suspicious recruitment or trafficking (`LP-` receipts).
    Report,
    /// A traveller's registration of a stay abroad (`LD-`).
    LaporDiri,
    /// An emergency call with a location (`SOS-`).
    Sos,
}

impl SubmissionKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SubmissionKind::Report => "report",
            SubmissionKind::LaporDiri => "lapor_diri",
            SubmissionKind::Sos => "sos",
        }
    }

    /// Parses a stored code.
    pub fn parse(text: &str) -> Option<SubmissionKind> {
        match text {
            "report" => Some(SubmissionKind::Report),
            "lapor_diri" => Some(SubmissionKind::LaporDiri),
            "sos" => Some(SubmissionKind::Sos),
            _ => None,
        }
    }

    /// The receipt prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            SubmissionKind::Report => "LP",
            SubmissionKind::LaporDiri => "LD",
            SubmissionKind::Sos => "SOS",
        }
    }
}

/// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A receipt code, `LP-XXXX-XXXX-XXXX`: a kind prefix and 60 random bits. It is the only key a
/// reporter has, so its `Debug` is redacted and it has no `Display`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Receipt(String);

impl std::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Receipt({}-…)", self.kind().prefix())
    }
}

impl Receipt {
    /// A new random receipt for a kind.
    pub fn new(kind: SubmissionKind) -> Result<Receipt> {
        let mut bytes = [0u8; 8];
        seal::fill_random(&mut bytes)?;
        let mut bits = u64::from_be_bytes(bytes);
        let mut code = String::with_capacity(20);
        code.push_str(kind.prefix());
        for _ in 0..3 {
            code.push('-');
            for _ in 0..4 {
                code.push(CROCKFORD[(bits & 31) as usize] as char);
                bits >>= 5;
            }
        }
        Ok(Receipt(code))
    }

    /// Reads a receipt as typed: any case, spaces and dashes anywhere, `O` for zero and `I`/`L`
    /// for one. `None` when it is not a well-formed code.
    pub fn parse(text: &str) -> Option<Receipt> {
        if text.len() > 64 {
            return None;
        }
        let cleaned: String =
            text.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        let (kind, body) = [SubmissionKind::Sos, SubmissionKind::Report, SubmissionKind::LaporDiri]
            .into_iter()
            .find_map(|kind| cleaned.strip_prefix(kind.prefix()).map(|body| (kind, body)))?;
        if body.len() != 12 {
            return None;
        }
        let mut code = String::with_capacity(20);
        code.push_str(kind.prefix());
        for (i, c) in body.chars().enumerate() {
            if i % 4 == 0 {
                code.push('-');
            }
            let c = match c {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !CROCKFORD.contains(&(c as u8)) || !c.is_ascii() {
                return None;
            }
            code.push(c);
        }
        Some(Receipt(code))
    }

    /// The canonical code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kind the prefix names.
    pub fn kind(&self) -> SubmissionKind {
        if self.0.starts_with("SOS") {
            SubmissionKind::Sos
        } else if self.0.starts_with("LD") {
            SubmissionKind::LaporDiri
        } else {
            SubmissionKind::Report
        }
    }
}

/// Where a submission stands. Reports go `received` → `in_review` → `in_case` → `closed` (or
/// `spam`); a lapor diri is `active` until the traveller closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// New, not looked at yet.
    Received,
    /// A case worker is looking at it.
    InReview,
    /// Part of a case.
    InCase,
    /// Dealt with.
    Closed,
    /// Judged not genuine; kept, out of the queue.
    Spam,
    /// A lapor diri that is in force.
    Active,
}

impl SubmissionStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SubmissionStatus::Received => "received",
            SubmissionStatus::InReview => "in_review",
            SubmissionStatus::InCase => "in_case",
            SubmissionStatus::Closed => "closed",
            SubmissionStatus::Spam => "spam",
            SubmissionStatus::Active => "active",
        }
    }

    /// Parses a stored code.
    pub fn parse(text: &str) -> Option<SubmissionStatus> {
        [
            SubmissionStatus::Received,
            SubmissionStatus::InReview,
            SubmissionStatus::InCase,
            SubmissionStatus::Closed,
            SubmissionStatus::Spam,
            SubmissionStatus::Active,
        ]
        .into_iter()
        .find(|s| s.code() == text)
    }
}

/// A new submission, as the server validated it.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// What it is.
    pub kind: SubmissionKind,
    /// The form version it was made with.
    pub form_version: i64,
    /// Desa or kecamatan code, when given.
    pub region_code: Option<String>,
    /// Destination country code, when given.
    pub destination: Option<String>,
    /// Whether a child is said to be involved.
    pub minor_involved: bool,
    /// Whether the reporter chose to stay anonymous.
    pub anonymous: bool,
    /// Triage order: higher first (SOS, minors, known phones or names).
    pub urgency: i64,
    /// 0–100: how likely it is to be spam.
    pub spam_score: i64,
    /// Normalised recruiter phone, name, company, social account: `(term, value)`. Stored as
    /// blind indexes to group duplicates.
    pub terms: Vec<(String, String)>,
    /// Everything the person wrote (the server's JSON), sealed.
    pub content: serde_json::Value,
}

/// A client-made idempotency key and a hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The key as sent (checked by the server: 16–64 characters of a safe alphabet).
    pub key: String,
    /// SHA-256 of what makes the request (body, and the headers that change its meaning).
    pub request_hash: [u8; 32],
}

impl Idempotency {
    /// A key with the hash of these request parts.
    pub fn new(key: &str, parts: &[&[u8]]) -> Idempotency {
        let mut hasher = sha2::Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        Idempotency { key: key.to_owned(), request_hash: hasher.finalize().into() }
    }
}

/// A stored submission's receipt and times, for the answer to its creation.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// Internal id.
    pub id: i64,
    /// The receipt code.
    pub receipt: Receipt,
    /// When it arrived (RFC 3339).
    pub received_at: String,
    /// `true` when this was a retry of a request already stored: nothing new was stored.
    pub replayed: bool,
}

/// What anyone holding the receipt may see: no personal data.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionState {
    /// Internal id (never sent to the public).
    #[serde(skip)]
    pub id: i64,
    /// What it is.
    pub kind: SubmissionKind,
    /// Where it stands.
    pub status: SubmissionStatus,
    /// When it arrived.
    pub received_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Later additions.
    pub additions: i64,
    /// Photos.
    pub photos: i64,
    /// A lapor diri's last check-in.
    pub last_check_in: Option<String>,
    /// Destination country, for a lapor diri look-up.
    pub destination: Option<String>,
}

/// What a change to a submission answered (kept with its idempotency key, no personal data).
#[derive(Debug, Clone)]
pub struct Answered {
    /// The answer's JSON.
    pub response: serde_json::Value,
    /// `true` when this was a retry: the first answer, nothing done again.
    pub replayed: bool,
}

/// Kinds of attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentKind {
    /// A photo (bytes as cleaned by the server).
    Photo,
    /// Information added later with the receipt (JSON text).
    Addition,
    /// A lapor diri check-in (JSON, the optional message).
    CheckIn,
}

impl AttachmentKind {
    fn code(self) -> &'static str {
        match self {
            AttachmentKind::Photo => "photo",
            AttachmentKind::Addition => "addition",
            AttachmentKind::CheckIn => "check_in",
        }
    }
}

/// Who the public is, in the audit log.
fn public_context() -> AuditContext {
    AuditContext { actor: "public".into(), purpose: "citizen submission".into() }
}

/// A submission found by receipt with its idempotency key claimed, or the answer of a retry.
enum Found {
    Fresh { id: i64, key_id: i64, status: String },
    Replay(Answered),
}

/// The outcome of claiming an idempotency key inside a write transaction.
enum Claim {
    /// The key is new and now held by this transaction.
    Fresh,
    /// The key was used before with the same request: its submission and stored answer.
    Replay { submission_id: Option<i64>, response: Option<Vec<u8>> },
}

impl Store {
    fn receipt_index(&self, receipt: &Receipt) -> Vec<u8> {
        self.keys.blind_index("receipt", receipt.as_str())
    }

    /// Claims the key (the row is inserted first, so a concurrent request with the same key waits
    /// for this transaction and then sees it as used), or tells what it answered before.
    fn claim(&self, sql: &mut dyn Sql, idempotency: &Idempotency) -> Result<Claim> {
        let key = self.keys.blind_index("idempotency", &idempotency.key);
        let inserted = sql.exec(
            "INSERT INTO idempotency_keys (key_bidx, body_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[Value::Blob(key.clone()), Value::Blob(idempotency.request_hash.to_vec()), Value::Text(crate::now_text())],
        )?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let rows = sql.rows(
            "SELECT body_hash, submission_id, response FROM idempotency_keys WHERE key_bidx = $1",
            &[Value::Blob(key)],
        )?;
        let mut row = rows.into_iter().next().ok_or(Error::IdempotencyConflict)?.into_iter();
        let hash = row.next().and_then(Value::into_blob).unwrap_or_default();
        if hash != idempotency.request_hash {
            return Err(Error::IdempotencyConflict);
        }
        let submission_id = row.next().and_then(|v| v.as_int());
        let response = row.next().and_then(Value::into_blob);
        Ok(Claim::Replay { submission_id, response })
    }

    fn settle(
        &self,
        sql: &mut dyn Sql,
        idempotency: &Idempotency,
        submission_id: i64,
        response: Option<&[u8]>,
    ) -> Result<()> {
        let key = self.keys.blind_index("idempotency", &idempotency.key);
        sql.exec(
            "UPDATE idempotency_keys SET submission_id = $1, response = $2 WHERE key_bidx = $3",
            &[Value::Int(submission_id), response.map_or(Value::Null, |r| Value::Blob(r.to_vec())), Value::Blob(key)],
        )?;
        Ok(())
    }

    /// Stores a new submission (audited as `public.<kind>`), or, for a retry with a known
    /// idempotency key and the same request, gives back the first one. The same key with a
    /// different request is [`Error::IdempotencyConflict`].
    pub fn submit(&self, new: &NewSubmission, idempotency: &Idempotency) -> Result<Submitted> {
        let receipt = Receipt::new(new.kind)?;
        let received_at = crate::now_text();
        let sealed_content = SealedSubmission { receipt: receipt.as_str().to_owned(), content: new.content.clone() };
        let plaintext = serde_json::to_vec(&sealed_content)?;
        let term_indexes: Vec<(String, Vec<u8>)> = new
            .terms
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(term, value)| (term.clone(), self.keys.blind_index(&format!("report-{term}"), value)))
            .collect();
        self.backend.write(|sql| {
            if let Claim::Replay { submission_id, .. } = self.claim(sql, idempotency)? {
                let id = submission_id.ok_or(Error::IdempotencyConflict)?;
                let (receipt, received_at) = self.receipt_of(sql, id)?;
                return Ok(Submitted { id, receipt, received_at, replayed: true });
            }
            // The subject names the receipt by its blind index: `data_keys.subject` is plain.
            let mut subject = b"submission:".to_vec();
            subject.extend_from_slice(&self.receipt_index(&receipt));
            let keys = self.subject_keys(sql, &[subject.as_slice()])?;
            let (key_id, key) =
                keys.get(&subject).cloned().ok_or_else(|| Error::Corrupt("no data key for a new submission".into()))?;
            let sealed = seal::seal(&key, "submissions", key_id, &plaintext)?;
            let status = if new.kind == SubmissionKind::LaporDiri {
                SubmissionStatus::Active
            } else {
                SubmissionStatus::Received
            };
            let inserted = sql.rows(
                "INSERT INTO submissions (receipt_bidx, kind, form_version, received_at, updated_at, status, urgency,
                    spam_score, region_code, destination, minor_involved, anonymous, last_check_in, key_id, sealed)
                 VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                &[
                    Value::Blob(self.receipt_index(&receipt)),
                    Value::from(new.kind.code()),
                    Value::Int(new.form_version),
                    Value::Text(received_at.clone()),
                    Value::from(status.code()),
                    Value::Int(new.urgency),
                    Value::Int(new.spam_score.clamp(0, 100)),
                    new.region_code.clone().map_or(Value::Null, Value::Text),
                    new.destination.clone().map_or(Value::Null, Value::Text),
                    Value::Int(i64::from(new.minor_involved)),
                    Value::Int(i64::from(new.anonymous)),
                    if new.kind == SubmissionKind::LaporDiri { Value::Text(received_at.clone()) } else { Value::Null },
                    Value::Int(key_id),
                    Value::Blob(sealed),
                ],
            )?;
            let id = inserted
                .first()
                .and_then(|r| r.first())
                .and_then(Value::as_int)
                .ok_or_else(|| Error::Corrupt("no id for a new submission".into()))?;
            for (term, bidx) in &term_indexes {
                sql.exec(
                    "INSERT INTO submission_terms (submission_id, term, bidx) VALUES ($1, $2, $3)",
                    &[Value::Int(id), Value::Text(term.clone()), Value::Blob(bidx.clone())],
                )?;
            }
            self.settle(sql, idempotency, id, None)?;
            audit::record(
                &self.keys,
                sql,
                &public_context(),
                &format!("public.{}", new.kind.code()),
                &format!("submission:{id}"),
                &format!("urgency={} spam={}", new.urgency, new.spam_score),
                Utc::now(),
            )?;
            Ok(Submitted { id, receipt: receipt.clone(), received_at: received_at.clone(), replayed: false })
        })
    }

    /// The submission a known idempotency key made, if the request is the same (read only: lets
    /// the server answer a retry before asking for a new proof of work). A known key with a
    /// different request is [`Error::IdempotencyConflict`].
    pub fn known_submission(&self, idempotency: &Idempotency) -> Result<Option<Submitted>> {
        let key = self.keys.blind_index("idempotency", &idempotency.key);
        self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT body_hash, submission_id FROM idempotency_keys WHERE key_bidx = $1",
                &[Value::Blob(key)],
            )?;
            let Some(row) = rows.into_iter().next() else { return Ok(None) };
            let mut row = row.into_iter();
            if row.next().and_then(Value::into_blob).unwrap_or_default() != idempotency.request_hash {
                return Err(Error::IdempotencyConflict);
            }
            let Some(id) = row.next().and_then(|v| v.as_int()) else { return Ok(None) };
            let (receipt, received_at) = self.receipt_of(sql, id)?;
            Ok(Some(Submitted { id, receipt, received_at, replayed: true }))
        })
    }

    fn receipt_of(&self, sql: &mut dyn Sql, id: i64) -> Result<(Receipt, String)> {
        let rows = sql.rows("SELECT key_id, sealed, received_at FROM submissions WHERE id = $1", &[Value::Int(id)])?;
        let mut row = rows.into_iter().next().ok_or(Error::NotFound { what: "submission" })?.into_iter();
        let (Some(Value::Int(key_id)), Some(Value::Blob(sealed)), Some(Value::Text(received_at))) =
            (row.next(), row.next(), row.next())
        else {
            return Err(Error::Corrupt("submissions row".into()));
        };
        let content = self.open_submission(sql, key_id, &sealed)?;
        let receipt = Receipt::parse(&content.receipt).ok_or_else(|| Error::Corrupt("stored receipt".into()))?;
        Ok((receipt, received_at))
    }

    fn open_submission(&self, sql: &mut dyn Sql, key_id: i64, sealed: &[u8]) -> Result<SealedSubmission> {
        let keys = self.keys_by_id(sql, &[key_id])?;
        let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
        Ok(serde_json::from_slice(&seal::open(key, "submissions", key_id, sealed)?)?)
    }

    pub(crate) fn submission_key(&self, sql: &mut dyn Sql, key_id: i64) -> Result<seal::SecretKey> {
        let keys = self.keys_by_id(sql, &[key_id])?;
        keys.get(&key_id).cloned().ok_or(Error::NotFound { what: "data key" })
    }

    /// The state of the submission with this receipt, or `None` (nothing personal; not audited).
    pub fn submission_state(&self, receipt: &Receipt) -> Result<Option<SubmissionState>> {
        let bidx = self.receipt_index(receipt);
        self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT id, kind, status, received_at, updated_at, last_check_in, destination,
                    (SELECT COUNT(*) FROM submission_attachments a WHERE a.submission_id = s.id AND a.kind = 'addition'),
                    (SELECT COUNT(*) FROM submission_attachments a WHERE a.submission_id = s.id AND a.kind = 'photo')
                 FROM submissions s WHERE receipt_bidx = $1 AND status <> 'shredded'",
                &[Value::Blob(bidx)],
            )?;
            let Some(row) = rows.into_iter().next() else { return Ok(None) };
            let mut row = row.into_iter();
            let id = row.next().and_then(|v| v.as_int()).ok_or_else(|| Error::Corrupt("submissions row".into()))?;
            let mut text = || row.next().and_then(Value::into_text);
            let kind = text().and_then(|k| SubmissionKind::parse(&k));
            let status = text().and_then(|s| SubmissionStatus::parse(&s));
            let (Some(kind), Some(status), Some(received_at), Some(updated_at)) = (kind, status, text(), text()) else {
                return Err(Error::Corrupt("submissions row".into()));
            };
            let last_check_in = text();
            let destination = text();
            let additions = row.next().and_then(|v| v.as_int()).unwrap_or(0);
            let photos = row.next().and_then(|v| v.as_int()).unwrap_or(0);
            Ok(Some(SubmissionState {
                id,
                kind,
                status,
                received_at,
                updated_at,
                additions,
                photos,
                last_check_in,
                destination,
            }))
        })
    }

    /// The content of the submission with this receipt (for checks the server makes on behalf of
    /// the person holding the receipt, such as a lapor diri's date of birth). Audited as
    /// `public.read`.
    pub fn submission_content(&self, receipt: &Receipt) -> Result<Option<serde_json::Value>> {
        let bidx = self.receipt_index(receipt);
        let found = self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT id, key_id, sealed FROM submissions WHERE receipt_bidx = $1 AND status <> 'shredded'",
                &[Value::Blob(bidx)],
            )?;
            let Some(row) = rows.into_iter().next() else { return Ok(None) };
            let mut row = row.into_iter();
            let (Some(Value::Int(id)), Some(Value::Int(key_id)), Some(Value::Blob(sealed))) =
                (row.next(), row.next(), row.next())
            else {
                return Err(Error::Corrupt("submissions row".into()));
            };
            Ok(Some((id, self.open_submission(sql, key_id, &sealed)?.content)))
        })?;
        let Some((id, content)) = found else { return Ok(None) };
        self.record_audit(&public_context(), "public.read", &format!("submission:{id}"), "")?;
        Ok(Some(content))
    }

    /// Adds a photo, an addition or a check-in to the submission with this receipt (audited as
    /// `public.attach`), at most `limit` of its kind. The answer is the new count of that kind
    /// (and, for a check-in, its time). A retry with a known idempotency key answers the same.
    pub fn attach(
        &self,
        receipt: &Receipt,
        kind: AttachmentKind,
        content_type: Option<&str>,
        bytes: &[u8],
        limit: i64,
        idempotency: &Idempotency,
    ) -> Result<Answered> {
        let bidx = self.receipt_index(receipt);
        self.backend.write(|sql| {
            let (id, key_id, status) = match self.find_and_claim(sql, &bidx, idempotency)? {
                Found::Fresh { id, key_id, status } => (id, key_id, status),
                Found::Replay(answered) => return Ok(answered),
            };
            if kind == AttachmentKind::CheckIn && status == SubmissionStatus::Closed.code() {
                return Err(Error::Refused("this registration is closed".into()));
            }
            let counted = sql.rows(
                "SELECT COUNT(*) FROM submission_attachments WHERE submission_id = $1 AND kind = $2",
                &[Value::Int(id), Value::from(kind.code())],
            )?;
            let count = counted.first().and_then(|r| r.first()).and_then(Value::as_int).unwrap_or(0);
            if count >= limit {
                return Err(Error::Refused(format!("at most {limit} of these per submission")));
            }
            let key = self.submission_key(sql, key_id)?;
            let sealed = seal::seal(&key, "submission_attachments", key_id, bytes)?;
            let now = crate::now_text();
            sql.exec(
                "INSERT INTO submission_attachments (submission_id, kind, added_at, content_type, size, sealed)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    Value::Int(id),
                    Value::from(kind.code()),
                    Value::Text(now.clone()),
                    content_type.map_or(Value::Null, Value::from),
                    Value::Int(bytes.len() as i64),
                    Value::Blob(sealed),
                ],
            )?;
            let check_in = kind == AttachmentKind::CheckIn;
            sql.exec(
                if check_in {
                    "UPDATE submissions SET updated_at = $1, last_check_in = $1 WHERE id = $2"
                } else {
                    "UPDATE submissions SET updated_at = $1 WHERE id = $2"
                },
                &[Value::Text(now.clone()), Value::Int(id)],
            )?;
            let response = match kind {
                AttachmentKind::Photo => serde_json::json!({ "photos": count + 1 }),
                AttachmentKind::Addition => serde_json::json!({ "additions": count + 1 }),
                AttachmentKind::CheckIn => serde_json::json!({ "last_check_in": now }),
            };
            self.settle(sql, idempotency, id, Some(&serde_json::to_vec(&response)?))?;
            audit::record(
                &self.keys,
                sql,
                &public_context(),
                "public.attach",
                &format!("submission:{id}"),
                kind.code(),
                Utc::now(),
            )?;
            Ok(Answered { response, replayed: false })
        })
    }

    /// Replaces a lapor diri's content (an update, which counts as a check-in) or closes it
    /// (`close`: the status becomes `closed`). Audited as `public.update` / `public.close`.
    pub fn update_submission(
        &self,
        receipt: &Receipt,
        content: &serde_json::Value,
        close: bool,
        idempotency: &Idempotency,
    ) -> Result<Answered> {
        let bidx = self.receipt_index(receipt);
        self.backend.write(|sql| {
            let (id, key_id, status) = match self.find_and_claim(sql, &bidx, idempotency)? {
                Found::Fresh { id, key_id, status } => (id, key_id, status),
                Found::Replay(answered) => return Ok(answered),
            };
            if status == SubmissionStatus::Closed.code() {
                return Err(Error::Refused("this registration is closed".into()));
            }
            let key = self.submission_key(sql, key_id)?;
            let sealed_content = SealedSubmission { receipt: receipt.as_str().to_owned(), content: content.clone() };
            let sealed = seal::seal(&key, "submissions", key_id, &serde_json::to_vec(&sealed_content)?)?;
            let now = crate::now_text();
            let new_status = if close { SubmissionStatus::Closed } else { SubmissionStatus::Active };
            sql.exec(
                "UPDATE submissions SET sealed = $1, updated_at = $2, last_check_in = $2, status = $3 WHERE id = $4",
                &[Value::Blob(sealed), Value::Text(now.clone()), Value::from(new_status.code()), Value::Int(id)],
            )?;
            let response = serde_json::json!({ "status": new_status.code(), "last_check_in": now });
            self.settle(sql, idempotency, id, Some(&serde_json::to_vec(&response)?))?;
            audit::record(
                &self.keys,
                sql,
                &public_context(),
                if close { "public.close" } else { "public.update" },
                &format!("submission:{id}"),
                "",
                Utc::now(),
            )?;
            Ok(Answered { response, replayed: false })
        })
    }

    /// The submission a receipt's blind index names, and the idempotency key claimed for a change
    /// to it; a retry of a change already made gets its first answer.
    fn find_and_claim(&self, sql: &mut dyn Sql, bidx: &[u8], idempotency: &Idempotency) -> Result<Found> {
        let rows = sql.rows(
            "SELECT id, key_id, status FROM submissions WHERE receipt_bidx = $1 AND status <> 'shredded'",
            &[Value::Blob(bidx.to_vec())],
        )?;
        let mut row = rows.into_iter().next().ok_or(Error::NotFound { what: "submission" })?.into_iter();
        let (Some(Value::Int(id)), Some(Value::Int(key_id)), Some(Value::Text(status))) =
            (row.next(), row.next(), row.next())
        else {
            return Err(Error::Corrupt("submissions row".into()));
        };
        Ok(match self.claim(sql, idempotency)? {
            Claim::Replay { response, .. } => Found::Replay(Answered {
                response: serde_json::from_slice(&response.unwrap_or_default()).unwrap_or(serde_json::Value::Null),
                replayed: true,
            }),
            Claim::Fresh => Found::Fresh { id, key_id, status },
        })
    }

    /// The triage queue: open submissions (received or in review; optionally also those in a
    /// case or closed), most urgent first, each with its content and the ids of submissions that
    /// share a recruiter phone, name, company or account with it. Audited as `report.list`.
    pub fn triage_queue(&self, query: &QueueQuery, context: &AuditContext) -> Result<Vec<QueueItem>> {
        let statuses: Vec<&str> = if query.include_done {
            vec!["received", "in_review", "in_case", "closed", "spam", "active"]
        } else {
            vec!["received", "in_review"]
        };
        let mut params: Vec<Value> = statuses.iter().map(|s| Value::from(*s)).collect();
        let mut filter = format!("status IN ({})", placeholders(0, statuses.len()));
        if let Some(kind) = query.kind {
            params.push(Value::from(kind.code()));
            filter.push_str(&format!(" AND kind = ${}", params.len()));
        } else if !query.include_done {
            filter.push_str(" AND kind <> 'lapor_diri'");
        }
        params.push(Value::Int(query.limit.clamp(1, 1000)));
        let limit = params.len();
        let items = self.backend.read(|sql| {
            let rows = sql.rows(
                &format!(
                    "SELECT id, kind, status, urgency, spam_score, received_at, updated_at, region_code, destination,
                        minor_involved, anonymous, case_id, key_id, sealed
                     FROM submissions WHERE {filter} ORDER BY urgency DESC, received_at ASC, id ASC LIMIT ${limit}"
                ),
                &params,
            )?;
            let key_ids: Vec<i64> = rows.iter().filter_map(|r| r.get(12).and_then(Value::as_int)).collect();
            let keys = self.keys_by_id(sql, &key_ids)?;
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                items.push(queue_item(row, &keys)?);
            }
            self.fill_duplicates(sql, &mut items)?;
            Ok(items)
        })?;
        if !items.is_empty() {
            let subjects: Vec<String> = items.iter().map(|i| format!("submission:{}", i.id)).collect();
            self.record_audit(context, "report.list", &subjects.join(","), &format!("count={}", items.len()))?;
        }
        Ok(items)
    }

    /// One submission with its content, additions, check-ins and photo list (audited as
    /// `report.read`).
    pub fn submission(&self, id: i64, context: &AuditContext) -> Result<Option<SubmissionDetail>> {
        let detail = self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT id, kind, status, urgency, spam_score, received_at, updated_at, region_code, destination,
                    minor_involved, anonymous, case_id, key_id, sealed FROM submissions WHERE id = $1 AND status <> 'shredded'",
                &[Value::Int(id)],
            )?;
            let Some(row) = rows.into_iter().next() else { return Ok(None) };
            let key_id = row.get(12).and_then(Value::as_int).unwrap_or_default();
            let keys = self.keys_by_id(sql, &[key_id])?;
            let mut items = vec![queue_item(row, &keys)?];
            self.fill_duplicates(sql, &mut items)?;
            let item = items.remove(0);
            let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
            let attachments = sql.rows(
                "SELECT id, kind, added_at, content_type, size, sealed FROM submission_attachments
                 WHERE submission_id = $1 ORDER BY id",
                &[Value::Int(id)],
            )?;
            let mut additions = Vec::new();
            let mut photos = Vec::new();
            for row in attachments {
                let mut row = row.into_iter();
                let (Some(Value::Int(attachment_id)), Some(Value::Text(kind)), Some(Value::Text(added_at))) =
                    (row.next(), row.next(), row.next())
                else {
                    return Err(Error::Corrupt("attachment row".into()));
                };
                let content_type = row.next().and_then(Value::into_text);
                let size = row.next().and_then(|v| v.as_int()).unwrap_or(0);
                match kind.as_str() {
                    "photo" => photos.push(PhotoInfo { id: attachment_id, added_at, content_type, size }),
                    _ => {
                        let sealed = row.next().and_then(Value::into_blob).unwrap_or_default();
                        let text = seal::open(key, "submission_attachments", key_id, &sealed)?;
                        additions.push(Addition {
                            kind,
                            added_at,
                            content: serde_json::from_slice(&text).unwrap_or(serde_json::Value::Null),
                        });
                    }
                }
            }
            Ok(Some(SubmissionDetail { item, additions, photos }))
        })?;
        if detail.is_some() {
            self.record_audit(context, "report.read", &format!("submission:{id}"), "")?;
        }
        Ok(detail)
    }

    /// A photo's bytes and type (audited as `report.photo`).
    pub fn submission_photo(
        &self,
        submission_id: i64,
        photo_id: i64,
        context: &AuditContext,
    ) -> Result<Option<(Option<String>, Vec<u8>)>> {
        let found = self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT a.content_type, a.sealed, s.key_id FROM submission_attachments a
                 JOIN submissions s ON s.id = a.submission_id
                 WHERE a.id = $1 AND a.submission_id = $2 AND a.kind = 'photo'",
                &[Value::Int(photo_id), Value::Int(submission_id)],
            )?;
            let Some(row) = rows.into_iter().next() else { return Ok(None) };
            let mut row = row.into_iter();
            let content_type = row.next().and_then(Value::into_text);
            let (Some(Value::Blob(sealed)), Some(Value::Int(key_id))) = (row.next(), row.next()) else {
                return Err(Error::Corrupt("attachment row".into()));
            };
            let key = self.submission_key(sql, key_id)?;
            Ok(Some((content_type, seal::open(&key, "submission_attachments", key_id, &sealed)?.to_vec())))
        })?;
        if found.is_some() {
            self.record_audit(
                context,
                "report.photo",
                &format!("submission:{submission_id}"),
                &format!("photo={photo_id}"),
            )?;
        }
        Ok(found)
    }

    /// Sets a report's or SOS's status (audited as `report.status`). A lapor diri belongs to its
    /// traveller: staff do not open or close it.
    pub fn set_submission_status(&self, id: i64, status: SubmissionStatus, context: &AuditContext) -> Result<()> {
        self.backend.write(|sql| {
            let rows = sql.rows("SELECT kind FROM submissions WHERE id = $1", &[Value::Int(id)])?;
            let kind = rows.into_iter().next().and_then(|r| r.into_iter().next()).and_then(Value::into_text);
            match kind.as_deref() {
                None => return Err(Error::NotFound { what: "submission" }),
                Some("lapor_diri") => {
                    return Err(Error::Refused("a lapor diri is opened and closed by its traveller".into()));
                }
                Some(_) => {}
            }
            sql.exec(
                "UPDATE submissions SET status = $1, updated_at = $2 WHERE id = $3",
                &[Value::from(status.code()), Value::Text(crate::now_text()), Value::Int(id)],
            )?;
            audit::record(
                &self.keys,
                sql,
                context,
                "report.status",
                &format!("submission:{id}"),
                status.code(),
                Utc::now(),
            )
            .map(|_| ())
        })
    }

    /// Fills in, for each item, the other submissions that share one of its terms.
    fn fill_duplicates(&self, sql: &mut dyn Sql, items: &mut [QueueItem]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let ids: Vec<Value> = items.iter().map(|i| Value::Int(i.id)).collect();
        for chunk in ids.chunks(500) {
            let rows = sql.rows(
                &format!(
                    "SELECT DISTINCT t.submission_id, o.submission_id, t.term FROM submission_terms t
                     JOIN submission_terms o ON o.bidx = t.bidx AND o.term = t.term AND o.submission_id <> t.submission_id
                     WHERE t.submission_id IN ({}) ORDER BY 1, 2",
                    placeholders(0, chunk.len())
                ),
                chunk,
            )?;
            for row in rows {
                let mut row = row.into_iter();
                let (Some(Value::Int(me)), Some(Value::Int(other)), Some(Value::Text(term))) =
                    (row.next(), row.next(), row.next())
                else {
                    continue;
                };
                if let Some(item) = items.iter_mut().find(|i| i.id == me) {
                    if !item.same_recruiter.contains(&other) {
                        item.same_recruiter.push(other);
                    }
                    if !item.shared_terms.contains(&term) {
                        item.shared_terms.push(term);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The sealed part of a submission.
#[derive(Debug, Serialize, Deserialize)]
struct SealedSubmission {
    receipt: String,
    content: serde_json::Value,
}

/// What the triage queue asks for.
#[derive(Debug, Clone)]
pub struct QueueQuery {
    /// Only this kind.
    pub kind: Option<SubmissionKind>,
    /// Also submissions already in a case, closed, spam, and lapor diri.
    pub include_done: bool,
    /// At most this many.
    pub limit: i64,
}

impl Default for QueueQuery {
    fn default() -> Self {
        QueueQuery { kind: None, include_done: false, limit: 100 }
    }
}

/// A submission as the triage queue shows it.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// Internal id.
    pub id: i64,
    /// The receipt code (staff may read it back to a caller).
    pub receipt: String,
    /// What it is.
    pub kind: SubmissionKind,
    /// Where it stands.
    pub status: SubmissionStatus,
    /// Triage order.
    pub urgency: i64,
    /// 0–100.
    pub spam_score: i64,
    /// When it arrived.
    pub received_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Desa or kecamatan code.
    pub region_code: Option<String>,
    /// Destination country.
    pub destination: Option<String>,
    /// A child is said to be involved.
    pub minor_involved: bool,
    /// The reporter stayed anonymous.
    pub anonymous: bool,
    /// The case it is part of.
    pub case_id: Option<i64>,
    /// What the person sent (the server's JSON).
    pub content: serde_json::Value,
    /// Other submissions naming the same recruiter phone, name, company or account.
    pub same_recruiter: Vec<i64>,
    /// Which of those terms are shared.
    pub shared_terms: Vec<String>,
}

/// A submission with everything attached.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionDetail {
    /// The submission.
    pub item: QueueItem,
    /// Additions and check-ins, oldest first.
    pub additions: Vec<Addition>,
    /// Photos (fetch each with `submission_photo`).
    pub photos: Vec<PhotoInfo>,
}

/// Information added later, or a check-in.
#[derive(Debug, Clone, Serialize)]
pub struct Addition {
    /// `addition` or `check_in`.
    pub kind: String,
    /// When.
    pub added_at: String,
    /// What was sent.
    pub content: serde_json::Value,
}

/// A stored photo.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoInfo {
    /// Attachment id.
    pub id: i64,
    /// When.
    pub added_at: String,
    /// MIME type.
    pub content_type: Option<String>,
    /// Bytes.
    pub size: i64,
}

fn queue_item(row: Vec<Value>, keys: &std::collections::HashMap<i64, seal::SecretKey>) -> Result<QueueItem> {
    let corrupt = || Error::Corrupt("submissions row".into());
    let mut row = row.into_iter();
    let id = row.next().and_then(|v| v.as_int()).ok_or_else(corrupt)?;
    let kind = row.next().and_then(Value::into_text).and_then(|k| SubmissionKind::parse(&k)).ok_or_else(corrupt)?;
    let status = row.next().and_then(Value::into_text).and_then(|s| SubmissionStatus::parse(&s)).ok_or_else(corrupt)?;
    let urgency = row.next().and_then(|v| v.as_int()).ok_or_else(corrupt)?;
    let spam_score = row.next().and_then(|v| v.as_int()).ok_or_else(corrupt)?;
    let received_at = row.next().and_then(Value::into_text).ok_or_else(corrupt)?;
    let updated_at = row.next().and_then(Value::into_text).ok_or_else(corrupt)?;
    let region_code = row.next().and_then(Value::into_text);
    let destination = row.next().and_then(Value::into_text);
    let minor_involved = row.next().and_then(|v| v.as_int()).unwrap_or(0) != 0;
    let anonymous = row.next().and_then(|v| v.as_int()).unwrap_or(0) != 0;
    let case_id = row.next().and_then(|v| v.as_int());
    let (Some(Value::Int(key_id)), Some(Value::Blob(sealed))) = (row.next(), row.next()) else {
        return Err(corrupt());
    };
    let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
    let opened: SealedSubmission = serde_json::from_slice(&seal::open(key, "submissions", key_id, &sealed)?)?;
    Ok(QueueItem {
        id,
        receipt: opened.receipt,
        kind,
        status,
        urgency,
        spam_score,
        received_at,
        updated_at,
        region_code,
        destination,
        minor_involved,
        anonymous,
        case_id,
        content: opened.content,
        same_recruiter: Vec::new(),
        shared_terms: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_read_back_as_typed() {
        for kind in [SubmissionKind::Report, SubmissionKind::LaporDiri, SubmissionKind::Sos] {
            let receipt = Receipt::new(kind).unwrap();
            assert_eq!(receipt.kind(), kind);
            assert_eq!(receipt.as_str().len(), kind.prefix().len() + 15);
            let typed = receipt.as_str().to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
            assert_eq!(Receipt::parse(&typed), Some(receipt.clone()));
        }
        assert_ne!(Receipt::new(SubmissionKind::Report).unwrap(), Receipt::new(SubmissionKind::Report).unwrap());
        assert_eq!(Receipt::parse("LP-0000-0000-000U"), None);
        assert_eq!(Receipt::parse("LP-0000-0000-000"), None);
        assert_eq!(Receipt::parse("XX-0000-0000-0000"), None);
        assert_eq!(Receipt::parse("LP-0000-0000-0000-0"), None);
        assert_eq!(Receipt::parse("LP-ÀÀÀÀ-0000-0000"), None);
        let secret = Receipt::new(SubmissionKind::Sos).unwrap();
        assert!(!format!("{secret:?}").contains(&secret.as_str()[4..]));
    }

    #[test]
    fn the_request_hash_separates_parts() {
        let a = Idempotency::new("k", &[b"ab", b"c"]);
        let b = Idempotency::new("k", &[b"a", b"bc"]);
        assert_ne!(a.request_hash, b.request_hash);
    }
}
