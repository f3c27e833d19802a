//! Case work: a case is opened from one or more public reports; it holds the people involved
//! (each in one role: possible victim, suspect, witness, reporter), notes, tasks, referrals to
//! other agencies, and a timeline; closing it records the outcome. Also the links a case worker
//! confirms between a report and a traveller record, which the counter check shows.
//!
//! A case has its own data key (subject `case:<reference>`): its title, summary, parties and
//! timeline texts are sealed under it. Plain columns are codes, times and ids.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::backend::{Sql, Value};
use crate::error::{Error, Result};
use crate::{AuditContext, Store, SubmissionStatus, audit, seal};

/// A person's role in a case. The two that must never be confused are kept as separate
/// variants with no conversion between them: a possible victim is protected, a suspect
/// investigated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// Someone who may be a victim of trafficking.
    PossibleVictim,
    /// Someone suspected of recruiting or trafficking.
    Suspect,
    /// Someone who saw or knows something.
    Witness,
    /// The person who reported.
    Reporter,
}

impl PartyRole {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            PartyRole::PossibleVictim => "possible_victim",
            PartyRole::Suspect => "suspect",
            PartyRole::Witness => "witness",
            PartyRole::Reporter => "reporter",
        }
    }

    /// Parses a code.
    pub fn parse(text: &str) -> Option<PartyRole> {
        PartyRole::ALL.into_iter().find(|r| r.code() == text)
    }

    /// All roles.
    pub const ALL: [PartyRole; 4] =
        [PartyRole::PossibleVictim, PartyRole::Suspect, PartyRole::Witness, PartyRole::Reporter];
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    /// Handed to the police for investigation.
    ReferredToPolice,
    /// A departure was prevented (passport delayed or refused, traveller turned back).
    DeparturePrevented,
    /// Victims were helped (repatriation, shelter, services).
    VictimsAssisted,
    /// Looked into; no sign of trafficking.
    NoTraffickingFound,
    /// Not enough to act on.
    InsufficientInformation,
    /// The same matter as another case.
    Duplicate,
}

impl CaseOutcome {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            CaseOutcome::ReferredToPolice => "referred_to_police",
            CaseOutcome::DeparturePrevented => "departure_prevented",
            CaseOutcome::VictimsAssisted => "victims_assisted",
            CaseOutcome::NoTraffickingFound => "no_trafficking_found",
            CaseOutcome::InsufficientInformation => "insufficient_information",
            CaseOutcome::Duplicate => "duplicate",
        }
    }

    /// Parses a code.
    pub fn parse(text: &str) -> Option<CaseOutcome> {
        CaseOutcome::ALL.into_iter().find(|o| o.code() == text)
    }

    /// All outcomes.
    pub const ALL: [CaseOutcome; 6] = [
        CaseOutcome::ReferredToPolice,
        CaseOutcome::DeparturePrevented,
        CaseOutcome::VictimsAssisted,
        CaseOutcome::NoTraffickingFound,
        CaseOutcome::InsufficientInformation,
        CaseOutcome::Duplicate,
    ];
}

/// What a timeline entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A note.
    Note,
    /// Something to do, `open` until `done`.
    Task,
    /// A referral to another agency, with its status.
    Referral,
    /// Recorded by the system: opened, report added, person linked, closed.
    Event,
}

impl EntryKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            EntryKind::Note => "note",
            EntryKind::Task => "task",
            EntryKind::Referral => "referral",
            EntryKind::Event => "event",
        }
    }

    /// Parses a code.
    pub fn parse(text: &str) -> Option<EntryKind> {
        [EntryKind::Note, EntryKind::Task, EntryKind::Referral, EntryKind::Event].into_iter().find(|k| k.code() == text)
    }
}

/// Where a case is referred to.
pub const REFERRAL_TARGETS: [&str; 4] = ["police", "bp2mi", "social_services", "ngo"];
/// A referral's statuses, in order.
pub const REFERRAL_STATUSES: [&str; 4] = ["sent", "accepted", "declined", "completed"];
/// A task's statuses.
pub const TASK_STATUSES: [&str; 2] = ["open", "done"];

/// A person to add to a case.
#[derive(Debug, Clone)]
pub struct NewParty {
    /// Their role.
    pub role: PartyRole,
    /// The traveller record, when they have one.
    pub person_id: Option<i64>,
    /// Name as known in the case.
    pub name: String,
    /// Phone as known in the case.
    pub phone: Option<String>,
    /// Why they are in the case.
    pub note: Option<String>,
}

/// A note, task or referral to add.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Note, task or referral (events are recorded by the store itself).
    pub kind: EntryKind,
    /// The text.
    pub text: String,
    /// A referral's agency (one of [`REFERRAL_TARGETS`]).
    pub target: Option<String>,
    /// A task's due date.
    pub due_on: Option<chrono::NaiveDate>,
}

/// A case in a list.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    /// Internal id.
    pub id: i64,
    /// `KS-YYYY-NNNN`.
    pub reference: String,
    /// `open` or `closed`.
    pub status: String,
    /// When.
    pub opened_at: String,
    /// Who.
    pub opened_by: String,
    /// When closed.
    pub closed_at: Option<String>,
    /// How it ended.
    pub outcome: Option<String>,
    /// The title.
    pub title: String,
    /// The summary.
    pub summary: String,
    /// A closing note.
    pub closing_note: Option<String>,
}

/// A person in a case.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    /// Party id.
    pub id: i64,
    /// Their role.
    pub role: PartyRole,
    /// Their traveller record.
    pub person_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Why they are in the case.
    pub note: Option<String>,
    /// When they were added.
    pub added_at: String,
    /// By whom.
    pub added_by: String,
}

/// A timeline entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Entry id.
    pub id: i64,
    /// What it is.
    pub kind: EntryKind,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// Task or referral status.
    pub status: Option<String>,
    /// Referral agency.
    pub target: Option<String>,
    /// Task due date.
    pub due_on: Option<String>,
    /// Last change.
    pub updated_at: String,
    /// The text.
    pub text: String,
}

/// A case with everything in it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    /// The case.
    pub case: CaseSummary,
    /// Submissions in it (ids).
    pub submissions: Vec<i64>,
    /// People in it.
    pub parties: Vec<Party>,
    /// Timeline, oldest first.
    pub entries: Vec<Entry>,
}

/// A case worker's decision on a candidate link between a report and a traveller record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDecision {
    /// The report is about this person, in this role.
    Confirmed(PartyRole),
    /// Not the same person.
    Rejected,
}

/// A person's place in case work.
#[derive(Debug, Clone)]
pub struct Involvement {
    /// Report links decided about them.
    pub links: Vec<ReportLink>,
    /// Cases they are a party of: (reference, role).
    pub cases: Vec<(String, PartyRole)>,
}

/// The traveller record a report is linked to.
#[derive(Debug, Clone, Copy)]
pub struct LinkedPerson<'a> {
    /// Internal id.
    pub id: i64,
    /// NIK.
    pub nik: &'a str,
    /// Name on record.
    pub name: &'a str,
}

/// A link decided on a report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportLink {
    /// The report.
    pub submission_id: i64,
    /// The traveller record.
    pub person_id: i64,
    /// The person's NIK.
    pub nik: String,
    /// `confirmed` or `rejected`.
    pub state: String,
    /// The role, when confirmed.
    pub role: Option<PartyRole>,
    /// What matched (phone, name, sponsor …).
    pub basis: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub decided_at: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct CaseText {
    title: String,
    summary: String,
    closing_note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PartyText {
    name: String,
    phone: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct LinkText {
    nik: String,
    basis: String,
}

fn limit_text(text: &str, max: usize, what: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::Refused(format!("{what} is longer than {max} characters")));
    }
    Ok(text.to_owned())
}

impl Store {
    /// The case key of a case id, with the case's status.
    fn case_key(&self, sql: &mut dyn Sql, case_id: i64) -> Result<(i64, seal::SecretKey, String)> {
        let rows = sql.rows("SELECT key_id, status FROM cases WHERE id = $1", &[Value::Int(case_id)])?;
        let mut row = rows.into_iter().next().ok_or(Error::NotFound { what: "case" })?.into_iter();
        let (Some(Value::Int(key_id)), Some(Value::Text(status))) = (row.next(), row.next()) else {
            return Err(Error::Corrupt("cases row".into()));
        };
        let keys = self.keys_by_id(sql, &[key_id])?;
        let key = keys.get(&key_id).cloned().ok_or(Error::NotFound { what: "data key" })?;
        Ok((key_id, key, status))
    }

    fn open_case_for_change(&self, sql: &mut dyn Sql, case_id: i64) -> Result<(i64, seal::SecretKey)> {
        let (key_id, key, status) = self.case_key(sql, case_id)?;
        if status != "open" {
            return Err(Error::Refused("the case is closed".into()));
        }
        Ok((key_id, key))
    }

    #[allow(clippy::too_many_arguments)]
    fn add_entry_in(
        &self,
        sql: &mut dyn Sql,
        case_id: i64,
        key_id: i64,
        key: &seal::SecretKey,
        kind: EntryKind,
        text: &str,
        status: Option<&str>,
        target: Option<&str>,
        due_on: Option<String>,
        actor: &str,
    ) -> Result<i64> {
        let now = crate::now_text();
        let sealed = seal::seal(key, "case_entries", key_id, text.as_bytes())?;
        let rows = sql.rows(
            "INSERT INTO case_entries (case_id, kind, at, actor, status, target, due_on, updated_at, sealed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $3, $8) RETURNING id",
            &[
                Value::Int(case_id),
                Value::from(kind.code()),
                Value::Text(now),
                Value::from(actor),
                status.map_or(Value::Null, Value::from),
                target.map_or(Value::Null, Value::from),
                due_on.map_or(Value::Null, Value::Text),
                Value::Blob(sealed),
            ],
        )?;
        rows.first().and_then(|r| r.first()).and_then(Value::as_int).ok_or_else(|| Error::Corrupt("no entry id".into()))
    }

    /// Records an event on a case's timeline (opened, report added, person added, status, closed).
    fn event(
        &self,
        sql: &mut dyn Sql,
        case_id: i64,
        key_id: i64,
        key: &seal::SecretKey,
        text: &str,
        actor: &str,
    ) -> Result<i64> {
        self.add_entry_in(sql, case_id, key_id, key, EntryKind::Event, text, None, None, None, actor)
    }

    /// Opens a case from submissions (which move to `in_case`); audited as `case.open`. A
    /// submission already in another case is refused.
    pub fn open_case(
        &self,
        title: &str,
        summary: &str,
        submissions: &[i64],
        context: &AuditContext,
    ) -> Result<(i64, String)> {
        let title = limit_text(title, 200, "the title")?;
        if title.is_empty() {
            return Err(Error::Refused("a case needs a title".into()));
        }
        let text = CaseText { title, summary: limit_text(summary, 4000, "the summary")?, closing_note: None };
        let plaintext = serde_json::to_vec(&text)?;
        let now = Utc::now();
        let year = now.format("%Y").to_string();
        self.backend.write(|sql| {
            // Taken atomically: two case workers opening cases at once get different numbers.
            let taken = sql.rows(
                "INSERT INTO counters (name, value) VALUES ($1, 1)
                 ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                &[Value::Text(format!("case-{year}"))],
            )?;
            let n = taken.first().and_then(|r| r.first()).and_then(Value::as_int).unwrap_or(1);
            let reference = format!("KS-{year}-{n:04}");
            let subject = format!("case:{reference}").into_bytes();
            let keys = self.subject_keys(sql, &[subject.as_slice()])?;
            let (key_id, key) =
                keys.get(&subject).cloned().ok_or_else(|| Error::Corrupt("no data key for a new case".into()))?;
            let sealed = seal::seal(&key, "cases", key_id, &plaintext)?;
            let rows = sql.rows(
                "INSERT INTO cases (reference, opened_at, opened_by, status, key_id, sealed)
                 VALUES ($1, $2, $3, 'open', $4, $5) RETURNING id",
                &[
                    Value::Text(reference.clone()),
                    Value::Text(crate::stamp(now)),
                    Value::from(context.actor.as_str()),
                    Value::Int(key_id),
                    Value::Blob(sealed),
                ],
            )?;
            let case_id = rows
                .first()
                .and_then(|r| r.first())
                .and_then(Value::as_int)
                .ok_or_else(|| Error::Corrupt("no case id".into()))?;
            self.event(sql, case_id, key_id, &key, "opened", &context.actor)?;
            for &submission in submissions {
                self.attach_submission_in(sql, case_id, key_id, &key, submission, &context.actor)?;
            }
            let mut subjects = vec![format!("case:{case_id}")];
            subjects.extend(submissions.iter().map(|s| format!("submission:{s}")));
            audit::record(&self.keys, sql, context, "case.open", &subjects.join(","), &reference, now)?;
            Ok((case_id, reference))
        })
    }

    fn attach_submission_in(
        &self,
        sql: &mut dyn Sql,
        case_id: i64,
        key_id: i64,
        key: &seal::SecretKey,
        submission: i64,
        actor: &str,
    ) -> Result<()> {
        let rows = sql.rows("SELECT case_id, kind FROM submissions WHERE id = $1", &[Value::Int(submission)])?;
        let mut row = rows.into_iter().next().ok_or(Error::NotFound { what: "submission" })?.into_iter();
        let current = row.next().and_then(|v| v.as_int());
        if row.next().and_then(Value::into_text).as_deref() == Some("lapor_diri") {
            return Err(Error::Refused(format!(
                "submission {submission} is a lapor diri (a traveller's registration), not a report"
            )));
        }
        match current {
            Some(other) if other == case_id => return Ok(()),
            Some(_) => return Err(Error::Refused(format!("submission {submission} is already in another case"))),
            None => {}
        }
        // Conditional, so a concurrent request cannot move the report into a second case.
        let changed = sql.exec(
            "UPDATE submissions SET case_id = $1, status = $2, updated_at = $3 WHERE id = $4 AND case_id IS NULL",
            &[
                Value::Int(case_id),
                Value::from(SubmissionStatus::InCase.code()),
                Value::Text(crate::now_text()),
                Value::Int(submission),
            ],
        )?;
        if changed == 0 {
            return Err(Error::Refused(format!("submission {submission} is already in another case")));
        }
        self.event(sql, case_id, key_id, key, &format!("report {submission} added"), actor)?;
        Ok(())
    }

    /// Adds submissions to an open case (audited as `case.report`).
    pub fn add_case_submissions(&self, case_id: i64, submissions: &[i64], context: &AuditContext) -> Result<()> {
        self.backend.write(|sql| {
            let (key_id, key) = self.open_case_for_change(sql, case_id)?;
            for &submission in submissions {
                self.attach_submission_in(sql, case_id, key_id, &key, submission, &context.actor)?;
            }
            let mut subjects = vec![format!("case:{case_id}")];
            subjects.extend(submissions.iter().map(|s| format!("submission:{s}")));
            audit::record(&self.keys, sql, context, "case.report", &subjects.join(","), "", Utc::now()).map(|_| ())
        })
    }

    /// Adds a person to an open case (audited as `case.party`). A traveller record already in the
    /// case is refused, whatever the role: one person is never both possible victim and suspect
    /// in the same case.
    pub fn add_case_party(&self, case_id: i64, party: &NewParty, context: &AuditContext) -> Result<i64> {
        let text = PartyText {
            name: limit_text(&party.name, 200, "the name")?,
            phone: party.phone.as_deref().map(|p| limit_text(p, 40, "the phone")).transpose()?,
            note: party.note.as_deref().map(|n| limit_text(n, 1000, "the note")).transpose()?,
        };
        if text.name.is_empty() && party.person_id.is_none() {
            return Err(Error::Refused("a person in a case needs a name or a traveller record".into()));
        }
        let plaintext = serde_json::to_vec(&text)?;
        self.backend.write(|sql| {
            let (key_id, key) = self.open_case_for_change(sql, case_id)?;
            if let Some(person_id) = party.person_id {
                self.lock_person(sql, person_id)?;
                let existing = sql.rows(
                    "SELECT role FROM case_parties WHERE case_id = $1 AND person_id = $2",
                    &[Value::Int(case_id), Value::Int(person_id)],
                )?;
                if let Some(role) =
                    existing.into_iter().next().and_then(|r| r.into_iter().next()).and_then(Value::into_text)
                {
                    return Err(Error::Refused(format!(
                        "this person is already in the case as {role}; one person has one role in a case"
                    )));
                }
            }
            let sealed = seal::seal(&key, "case_parties", key_id, &plaintext)?;
            let rows = sql.rows(
                "INSERT INTO case_parties (case_id, role, person_id, added_at, added_by, sealed)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    Value::Int(case_id),
                    Value::from(party.role.code()),
                    party.person_id.map_or(Value::Null, Value::Int),
                    Value::Text(crate::now_text()),
                    Value::from(context.actor.as_str()),
                    Value::Blob(sealed),
                ],
            )?;
            let party_id = rows
                .first()
                .and_then(|r| r.first())
                .and_then(Value::as_int)
                .ok_or_else(|| Error::Corrupt("no party id".into()))?;
            self.event(sql, case_id, key_id, &key, &format!("person added as {}", party.role.code()), &context.actor)?;
            let mut subjects = vec![format!("case:{case_id}")];
            if let Some(person_id) = party.person_id {
                subjects.push(format!("person:{person_id}"));
            }
            audit::record(&self.keys, sql, context, "case.party", &subjects.join(","), party.role.code(), Utc::now())?;
            Ok(party_id)
        })
    }

    /// Checks, in a write transaction, that a traveller record still exists and keeps it so until
    /// the transaction ends (`FOR SHARE` on PostgreSQL; SQLite writers run one at a time): a
    /// retention run may have shredded it since the page was shown, and on SQLite its id can
    /// pass to the next new person.
    pub(crate) fn lock_person(&self, sql: &mut dyn crate::backend::Sql, person_id: i64) -> Result<()> {
        let lock = self.row_lock(" FOR SHARE");
        if sql.rows(&format!("SELECT 1 FROM persons WHERE id = $1{lock}"), &[Value::Int(person_id)])?.is_empty() {
            return Err(Error::NotFound { what: "person" });
        }
        Ok(())
    }

    /// Adds a note, task (`open`) or referral (`sent`) to an open case (audited as `case.entry`).
    pub fn add_case_entry(&self, case_id: i64, entry: &NewEntry, context: &AuditContext) -> Result<i64> {
        let text = limit_text(&entry.text, 4000, "the text")?;
        if text.is_empty() {
            return Err(Error::Refused("the text is empty".into()));
        }
        let (status, target) = match entry.kind {
            EntryKind::Note => (None, None),
            EntryKind::Task => (Some("open"), None),
            EntryKind::Referral => {
                let target = entry.target.as_deref().filter(|t| REFERRAL_TARGETS.contains(t)).ok_or_else(|| {
                    Error::Refused(format!("a referral goes to one of: {}", REFERRAL_TARGETS.join(", ")))
                })?;
                (Some("sent"), Some(target))
            }
            EntryKind::Event => return Err(Error::Refused("events are recorded by the system".into())),
        };
        self.backend.write(|sql| {
            let (key_id, key) = self.open_case_for_change(sql, case_id)?;
            let id = self.add_entry_in(
                sql,
                case_id,
                key_id,
                &key,
                entry.kind,
                &text,
                status,
                target,
                entry.due_on.map(|d| d.to_string()),
                &context.actor,
            )?;
            audit::record(
                &self.keys,
                sql,
                context,
                "case.entry",
                &format!("case:{case_id}"),
                entry.kind.code(),
                Utc::now(),
            )?;
            Ok(id)
        })
    }

    /// Moves a task or referral to a new status (audited as `case.entry_status`).
    pub fn set_case_entry_status(
        &self,
        case_id: i64,
        entry_id: i64,
        status: &str,
        context: &AuditContext,
    ) -> Result<()> {
        self.backend.write(|sql| {
            let (key_id, key) = self.open_case_for_change(sql, case_id)?;
            let rows = sql.rows(
                "SELECT kind FROM case_entries WHERE id = $1 AND case_id = $2",
                &[Value::Int(entry_id), Value::Int(case_id)],
            )?;
            let kind = rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .and_then(Value::into_text)
                .and_then(|k| EntryKind::parse(&k))
                .ok_or(Error::NotFound { what: "case entry" })?;
            let allowed: &[&str] = match kind {
                EntryKind::Task => &TASK_STATUSES,
                EntryKind::Referral => &REFERRAL_STATUSES,
                _ => &[],
            };
            if !allowed.contains(&status) {
                return Err(Error::Refused(format!("a {} can be: {}", kind.code(), allowed.join(", "))));
            }
            sql.exec(
                "UPDATE case_entries SET status = $1, updated_at = $2 WHERE id = $3",
                &[Value::from(status), Value::Text(crate::now_text()), Value::Int(entry_id)],
            )?;
            self.event(
                sql,
                case_id,
                key_id,
                &key,
                &format!("{} {entry_id} is now {status}", kind.code()),
                &context.actor,
            )?;
            audit::record(&self.keys, sql, context, "case.entry_status", &format!("case:{case_id}"), status, Utc::now())
                .map(|_| ())
        })
    }

    /// Closes an open case with its outcome (audited as `case.close`); its submissions are
    /// closed too.
    /// Closing a closed case again with the same outcome changes nothing and succeeds (a retried
    /// request); with another outcome it is refused.
    pub fn close_case(&self, case_id: i64, outcome: CaseOutcome, note: &str, context: &AuditContext) -> Result<()> {
        let note = limit_text(note, 4000, "the closing note")?;
        self.backend.write(|sql| {
            let closed =
                sql.rows("SELECT outcome FROM cases WHERE id = $1 AND status = 'closed'", &[Value::Int(case_id)])?;
            if let Some(row) = closed.into_iter().next() {
                return if row.into_iter().next().and_then(Value::into_text).as_deref() == Some(outcome.code()) {
                    Ok(())
                } else {
                    Err(Error::Refused("the case is closed".into()))
                };
            }
            let (key_id, key) = self.open_case_for_change(sql, case_id)?;
            let rows = sql.rows("SELECT sealed FROM cases WHERE id = $1", &[Value::Int(case_id)])?;
            let sealed = rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .and_then(Value::into_blob)
                .ok_or_else(|| Error::Corrupt("cases row".into()))?;
            let mut text: CaseText = serde_json::from_slice(&seal::open(&key, "cases", key_id, &sealed)?)?;
            text.closing_note = Some(note.clone()).filter(|n| !n.is_empty());
            let sealed = seal::seal(&key, "cases", key_id, &serde_json::to_vec(&text)?)?;
            let now = crate::now_text();
            sql.exec(
                "UPDATE cases SET status = 'closed', closed_at = $1, outcome = $2, sealed = $3 WHERE id = $4",
                &[Value::Text(now.clone()), Value::from(outcome.code()), Value::Blob(sealed), Value::Int(case_id)],
            )?;
            sql.exec(
                "UPDATE submissions SET status = 'closed', updated_at = $1 WHERE case_id = $2 AND kind <> 'lapor_diri'",
                &[Value::Text(now), Value::Int(case_id)],
            )?;
            self.event(sql, case_id, key_id, &key, &format!("closed: {}", outcome.code()), &context.actor)?;
            audit::record(
                &self.keys,
                sql,
                context,
                "case.close",
                &format!("case:{case_id}"),
                outcome.code(),
                Utc::now(),
            )
            .map(|_| ())
        })
    }

    /// Whether a case with this reference (`KS-2026-0001`) exists and is open. Reads no personal
    /// data, so it is not audited; the access it justifies is.
    pub fn case_is_open(&self, reference: &str) -> Result<bool> {
        self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT 1 FROM cases WHERE reference = $1 AND status = 'open'",
                &[Value::Text(reference.to_owned())],
            )?;
            Ok(!rows.is_empty())
        })
    }

    /// Cases, newest first; `open_only` leaves out closed ones (audited as `case.list`).
    pub fn cases(&self, open_only: bool, context: &AuditContext) -> Result<Vec<CaseSummary>> {
        let list = self.backend.read(|sql| {
            let rows = sql.rows(
                if open_only {
                    "SELECT id, reference, status, opened_at, opened_by, closed_at, outcome, key_id, sealed FROM cases
                     WHERE status = 'open' ORDER BY id DESC LIMIT 500"
                } else {
                    "SELECT id, reference, status, opened_at, opened_by, closed_at, outcome, key_id, sealed FROM cases
                     WHERE status <> 'shredded' ORDER BY id DESC LIMIT 500"
                },
                &[],
            )?;
            let key_ids: Vec<i64> = rows.iter().filter_map(|r| r.get(7).and_then(Value::as_int)).collect();
            let keys = self.keys_by_id(sql, &key_ids)?;
            rows.into_iter().map(|row| case_summary(row, &keys)).collect::<Result<Vec<_>>>()
        })?;
        if !list.is_empty() {
            self.record_audit(context, "case.list", "case:all", &format!("count={}", list.len()))?;
        }
        Ok(list)
    }

    /// One case with its submissions, parties and timeline (audited as `case.read`).
    pub fn case(&self, case_id: i64, context: &AuditContext) -> Result<Option<CaseView>> {
        let view = self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT id, reference, status, opened_at, opened_by, closed_at, outcome, key_id, sealed FROM cases
                 WHERE id = $1 AND status <> 'shredded'",
                &[Value::Int(case_id)],
            )?;
            let Some(row) = rows.into_iter().next() else { return Ok(None) };
            let key_id = row.get(7).and_then(Value::as_int).unwrap_or_default();
            let keys = self.keys_by_id(sql, &[key_id])?;
            let case = case_summary(row, &keys)?;
            let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
            let submissions = sql
                .rows(
                    "SELECT id FROM submissions WHERE case_id = $1 AND status <> 'shredded' ORDER BY id",
                    &[Value::Int(case_id)],
                )?
                .into_iter()
                .filter_map(|r| r.into_iter().next().and_then(|v| v.as_int()))
                .collect();
            let mut parties = Vec::new();
            for row in sql.rows(
                "SELECT id, role, person_id, added_at, added_by, sealed FROM case_parties WHERE case_id = $1 ORDER BY id",
                &[Value::Int(case_id)],
            )? {
                let mut row = row.into_iter();
                let id = row.next().and_then(|v| v.as_int()).unwrap_or_default();
                let role = row.next().and_then(Value::into_text).and_then(|r| PartyRole::parse(&r));
                let person_id = row.next().and_then(|v| v.as_int());
                let (Some(role), Some(added_at), Some(added_by), Some(sealed)) = (
                    role,
                    row.next().and_then(Value::into_text),
                    row.next().and_then(Value::into_text),
                    row.next().and_then(Value::into_blob),
                ) else {
                    return Err(Error::Corrupt("case_parties row".into()));
                };
                let text: PartyText = serde_json::from_slice(&seal::open(key, "case_parties", key_id, &sealed)?)?;
                parties.push(Party {
                    id,
                    role,
                    person_id,
                    name: text.name,
                    phone: text.phone,
                    note: text.note,
                    added_at,
                    added_by,
                });
            }
            let mut entries = Vec::new();
            for row in sql.rows(
                "SELECT id, kind, at, actor, status, target, due_on, updated_at, sealed FROM case_entries
                 WHERE case_id = $1 ORDER BY at, id",
                &[Value::Int(case_id)],
            )? {
                let mut row = row.into_iter();
                let id = row.next().and_then(|v| v.as_int()).unwrap_or_default();
                let kind = row.next().and_then(Value::into_text).and_then(|k| EntryKind::parse(&k));
                let (Some(kind), Some(at), Some(actor)) =
                    (kind, row.next().and_then(Value::into_text), row.next().and_then(Value::into_text))
                else {
                    return Err(Error::Corrupt("case_entries row".into()));
                };
                let status = row.next().and_then(Value::into_text);
                let target = row.next().and_then(Value::into_text);
                let due_on = row.next().and_then(Value::into_text);
                let updated_at = row.next().and_then(Value::into_text).unwrap_or_default();
                let sealed = row.next().and_then(Value::into_blob).unwrap_or_default();
                let text = String::from_utf8_lossy(&seal::open(key, "case_entries", key_id, &sealed)?).into_owned();
                entries.push(Entry { id, kind, at, actor, status, target, due_on, updated_at, text });
            }
            Ok(Some(CaseView { case, submissions, parties, entries }))
        })?;
        if let Some(view) = &view {
            let mut subjects = vec![format!("case:{case_id}")];
            subjects.extend(view.parties.iter().filter_map(|p| p.person_id).map(|p| format!("person:{p}")));
            self.record_audit(context, "case.read", &subjects.join(","), "")?;
        }
        Ok(view)
    }

    /// Records a case worker's decision on a candidate link between a report and a traveller
    /// record (audited as `report.link`); `name` is the person's name on record, for the case.
    /// A confirmed link on a report that is in an open case
    /// also adds the person to the case in that role (unless already there). A decision can be
    /// changed later; the last one counts.
    pub fn decide_report_link(
        &self,
        submission_id: i64,
        person: &LinkedPerson<'_>,
        basis: &str,
        decision: LinkDecision,
        context: &AuditContext,
    ) -> Result<()> {
        let LinkedPerson { id: person_id, nik, name } = *person;
        let text = LinkText { nik: nik.to_owned(), basis: limit_text(basis, 200, "the basis")? };
        let plaintext = serde_json::to_vec(&text)?;
        let (state, role) = match decision {
            LinkDecision::Confirmed(role) => ("confirmed", Some(role)),
            LinkDecision::Rejected => ("rejected", None),
        };
        let case_id = self.backend.write(|sql| {
            self.lock_person(sql, person_id)?;
            let rows = sql.rows("SELECT key_id, case_id FROM submissions WHERE id = $1", &[Value::Int(submission_id)])?;
            let mut row = rows.into_iter().next().ok_or(Error::NotFound { what: "submission" })?.into_iter();
            let key_id = row.next().and_then(|v| v.as_int()).ok_or_else(|| Error::Corrupt("submissions row".into()))?;
            let case_id = row.next().and_then(|v| v.as_int());
            if let (Some(case_id), Some(role)) = (case_id, role) {
                let existing = sql.rows(
                    "SELECT role FROM case_parties WHERE case_id = $1 AND person_id = $2",
                    &[Value::Int(case_id), Value::Int(person_id)],
                )?;
                if let Some(other) =
                    existing.into_iter().next().and_then(|r| r.into_iter().next()).and_then(Value::into_text)
                    && other != role.code()
                {
                    return Err(Error::Refused(format!(
                        "this person is already in the case as {other}; one person has one role in a case"
                    )));
                }
            }
            let key = self.submission_key(sql, key_id)?;
            let sealed = seal::seal(&key, "report_links", key_id, &plaintext)?;
            let now = crate::now_text();
            sql.exec(
                "DELETE FROM report_links WHERE submission_id = $1 AND person_id = $2",
                &[Value::Int(submission_id), Value::Int(person_id)],
            )?;
            sql.exec(
                "INSERT INTO report_links (submission_id, person_id, state, role, decided_by, decided_at, key_id, sealed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    Value::Int(submission_id),
                    Value::Int(person_id),
                    Value::from(state),
                    role.map_or(Value::Null, |r| Value::from(r.code())),
                    Value::from(context.actor.as_str()),
                    Value::Text(now),
                    Value::Int(key_id),
                    Value::Blob(sealed),
                ],
            )?;
            audit::record(
                &self.keys,
                sql,
                context,
                "report.link",
                &format!("submission:{submission_id},person:{person_id}"),
                &format!("{state} {}", role.map_or("", PartyRole::code)),
                Utc::now(),
            )?;
            Ok(case_id)
        })?;
        if let (Some(case_id), LinkDecision::Confirmed(role)) = (case_id, decision) {
            let party = NewParty {
                role,
                person_id: Some(person_id),
                name: name.to_owned(),
                phone: None,
                note: Some(format!("linked from report {submission_id} ({})", text.basis)),
            };
            match self.add_case_party(case_id, &party, context) {
                Ok(_) | Err(Error::Refused(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    /// The link decisions on a report (audited with the report read; not separately).
    pub fn report_links(&self, submission_id: i64) -> Result<Vec<ReportLink>> {
        self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT submission_id, person_id, state, role, decided_by, decided_at, key_id, sealed FROM report_links
                 WHERE submission_id = $1 ORDER BY decided_at",
                &[Value::Int(submission_id)],
            )?;
            self.read_links(sql, rows)
        })
    }

    /// Every confirmed link, for the counter check (audited as `report.link_list`).
    pub fn confirmed_report_links(&self, context: &AuditContext) -> Result<Vec<ReportLink>> {
        let links = self.backend.read(|sql| {
            // A report later judged spam no longer flags anyone.
            let rows = sql.rows(
                "SELECT l.submission_id, l.person_id, l.state, l.role, l.decided_by, l.decided_at, l.key_id, l.sealed
                 FROM report_links l JOIN submissions s ON s.id = l.submission_id
                 WHERE l.state = 'confirmed' AND s.status <> 'spam' ORDER BY l.decided_at",
                &[],
            )?;
            self.read_links(sql, rows)
        })?;
        self.record_audit(context, "report.link_list", "report_links:confirmed", &format!("count={}", links.len()))?;
        Ok(links)
    }

    /// A person's place in case work: the report links decided about them and the cases they are
    /// a party of (reference and role). For a data-subject access request; audited by the caller.
    pub fn person_involvement(&self, person_id: i64) -> Result<Involvement> {
        self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT submission_id, person_id, state, role, decided_by, decided_at, key_id, sealed FROM report_links
                 WHERE person_id = $1 ORDER BY decided_at",
                &[Value::Int(person_id)],
            )?;
            let links = self.read_links(sql, rows)?;
            let parties = sql
                .rows(
                    "SELECT c.reference, p.role FROM case_parties p JOIN cases c ON c.id = p.case_id
                     WHERE p.person_id = $1 ORDER BY c.id",
                    &[Value::Int(person_id)],
                )?
                .into_iter()
                .filter_map(|row| {
                    let mut row = row.into_iter();
                    let reference = row.next().and_then(Value::into_text)?;
                    let role = row.next().and_then(Value::into_text).and_then(|r| PartyRole::parse(&r))?;
                    Some((reference, role))
                })
                .collect();
            Ok(Involvement { links, cases: parties })
        })
    }

    fn read_links(&self, sql: &mut dyn Sql, rows: Vec<Vec<Value>>) -> Result<Vec<ReportLink>> {
        let key_ids: Vec<i64> = rows.iter().filter_map(|r| r.get(6).and_then(Value::as_int)).collect();
        let keys = self.keys_by_id(sql, &key_ids)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut row = row.into_iter();
            let submission_id = row.next().and_then(|v| v.as_int()).unwrap_or_default();
            let person_id = row.next().and_then(|v| v.as_int()).unwrap_or_default();
            let state = row.next().and_then(Value::into_text).unwrap_or_default();
            let role = row.next().and_then(Value::into_text).and_then(|r| PartyRole::parse(&r));
            let decided_by = row.next().and_then(Value::into_text).unwrap_or_default();
            let decided_at = row.next().and_then(Value::into_text).unwrap_or_default();
            let (Some(Value::Int(key_id)), Some(Value::Blob(sealed))) = (row.next(), row.next()) else {
                return Err(Error::Corrupt("report_links row".into()));
            };
            let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
            let text: LinkText = serde_json::from_slice(&seal::open(key, "report_links", key_id, &sealed)?)?;
            out.push(ReportLink {
                submission_id,
                person_id,
                nik: text.nik,
                state,
                role,
                basis: text.basis,
                decided_by,
                decided_at,
            });
        }
        Ok(out)
    }
}

fn case_summary(row: Vec<Value>, keys: &std::collections::HashMap<i64, seal::SecretKey>) -> Result<CaseSummary> {
    let corrupt = || Error::Corrupt("cases row".into());
    let mut row = row.into_iter();
    let id = row.next().and_then(|v| v.as_int()).ok_or_else(corrupt)?;
    let mut text = || row.next().and_then(Value::into_text);
    let (Some(reference), Some(status), Some(opened_at), Some(opened_by)) = (text(), text(), text(), text()) else {
        return Err(corrupt());
    };
    let closed_at = text();
    let outcome = text();
    let (Some(Value::Int(key_id)), Some(Value::Blob(sealed))) = (row.next(), row.next()) else {
        return Err(corrupt());
    };
    let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
    let text: CaseText = serde_json::from_slice(&seal::open(key, "cases", key_id, &sealed)?)?;
    Ok(CaseSummary {
        id,
        reference,
        status,
        opened_at,
        opened_by,
        closed_at,
        outcome,
        title: text.title,
        summary: text.summary,
        closing_note: text.closing_note,
    })
}
