//! Persons, documents, applications, crossings and watchlist entries: bulk upsert with per-row
//! outcomes, audited lookups, the person timeline and export.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use serde::Serialize;
use serde::de::DeserializeOwned;
use waspada_domain::{
    Crossing, Nik, PassportApplication, Person, TravelDocument, WatchlistEntry, name_lookup_keys, name_query_keys,
};

use crate::backend::{Dialect, Sql, Value, placeholders, tuples};
use crate::error::{Error, Result};
use crate::seal::{self, Keyring, SecretKey};
use crate::{AuditContext, Store, audit, now_text};

/// What to do when an imported row has the natural key of a stored record but different content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// Keep the stored record and reject the row (the default: nothing is overwritten silently).
    Reject,
    /// Replace the stored record with the row.
    Update,
}

/// What happened to one imported row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    /// Stored as a new record.
    Inserted,
    /// Identical to the stored record; nothing changed (re-import is idempotent).
    Unchanged,
    /// Replaced a stored record with different content (only with [`ConflictPolicy::Update`]).
    Updated,
    /// Not stored, with the reason.
    Rejected(String),
}

/// The five record kinds that can be imported and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// `persons`.
    Persons,
    /// `documents`.
    Documents,
    /// `applications`.
    Applications,
    /// `crossings`.
    Crossings,
    /// `watchlist`.
    Watchlist,
}

impl ImportKind {
    /// Import order: a record may refer only to kinds before it.
    pub const ALL: [ImportKind; 5] = [
        ImportKind::Persons,
        ImportKind::Documents,
        ImportKind::Applications,
        ImportKind::Crossings,
        ImportKind::Watchlist,
    ];

    /// The table and file stem.
    pub fn name(self) -> &'static str {
        match self {
            ImportKind::Persons => "persons",
            ImportKind::Documents => "documents",
            ImportKind::Applications => "applications",
            ImportKind::Crossings => "crossings",
            ImportKind::Watchlist => "watchlist",
        }
    }
}

/// What [`Store::check_lookup`] finds: the person and the documents with the number.
pub type CheckLookup = (Option<Stored<Person>>, Vec<Stored<TravelDocument>>);

/// A record with its internal id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<T> {
    /// Internal id (stable, not personal).
    pub id: i64,
    /// The record.
    pub record: T,
}

/// Everything known about one person, in time order per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The person.
    pub person: Stored<Person>,
    /// Their documents, by issue date.
    pub documents: Vec<Stored<TravelDocument>>,
    /// Their applications, by application date.
    pub applications: Vec<Stored<PassportApplication>>,
    /// Their crossings, by time.
    pub crossings: Vec<Stored<Crossing>>,
}

/// Which data key seals a record.
enum KeyRef {
    /// The key of a data subject, made on first use.
    Subject(Vec<u8>),
    /// A key that already exists (a crossing sealed with its document's key).
    Existing(i64),
}

/// A row ready to be written: natural key, content MAC, plaintext and plain columns.
struct Prepared {
    natural: Value,
    content_mac: Vec<u8>,
    key: KeyRef,
    plaintext: Vec<u8>,
    /// Sealed already (key id, ciphertext), when the key was known while preparing.
    sealed: Option<(i64, Vec<u8>)>,
    columns: Vec<Value>,
    names: Vec<Vec<u8>>,
    phones: Vec<Vec<u8>>,
}

/// Rows of one kind made ready outside the write lock by a `prepare_*` method; store them with
/// [`Store::commit_import`].
pub struct PreparedImport {
    table: &'static Table,
    rows: Vec<std::result::Result<Prepared, String>>,
    /// Data keys made while preparing for subjects that had none.
    new_keys: Vec<NewKey>,
    /// The retention shred mark read before any key was (`None`: not known). If it is the same
    /// when the rows are stored, no retention run deleted a key in between, and the keys need no
    /// second look.
    shred_mark: Option<String>,
}

/// A data key made for a subject, wrapped, not stored yet.
struct NewKey {
    id: i64,
    subject: Vec<u8>,
    wrapped: Vec<u8>,
    /// The retention key (an epoch, or a traveller bucket) that wraps it; `None`: the master key.
    epoch: Option<i64>,
}

impl PreparedImport {
    /// The number of rows (stored, unchanged or rejected alike).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl std::fmt::Debug for PreparedImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedImport").field("table", &self.table.name).field("rows", &self.rows.len()).finish()
    }
}

/// Blind-indexed name and phone keys of one record.
type IndexKeys = (Vec<Vec<u8>>, Vec<Vec<u8>>);

struct Table {
    name: &'static str,
    natural: &'static str,
    columns: &'static [&'static str],
    owner_kind: Option<&'static str>,
}

const PERSONS: Table =
    Table { name: "persons", natural: "nik_bidx", columns: &["region_code"], owner_kind: Some("person") };
const DOCUMENTS: Table = Table {
    name: "documents",
    natural: "doc_key",
    columns: &["number_bidx", "issuing_state", "kind", "status", "person_id"],
    owner_kind: None,
};
const APPLICATIONS: Table = Table {
    name: "applications",
    natural: "reference",
    columns: &[
        "person_id",
        "office",
        "applied_on",
        "purpose",
        "destination",
        "decision",
        "decided_at",
        "sponsor_bidx",
        "phone_bidx",
    ],
    owner_kind: None,
};
const CROSSINGS: Table = Table {
    name: "crossings",
    natural: "crossing_key",
    columns: &["doc_key", "document_id", "person_id", "direction", "checkpoint", "crossed_at", "carrier", "voyage"],
    owner_kind: None,
};
const WATCHLIST: Table = Table {
    name: "watchlist",
    natural: "external_id",
    columns: &["category", "valid_from", "valid_until", "nik_bidx", "number_bidx"],
    owner_kind: Some("watchlist"),
};

/// Rows per multi-row statement; keeps parameters well under both dialects' limits.
const CHUNK: usize = 400;

fn content_mac(store: &Store, table: &str, plaintext: &[u8]) -> Vec<u8> {
    store.keys.mac(&[b"content", table.as_bytes(), plaintext])
}

fn normalised_text(text: &str) -> String {
    waspada_domain::normalise_name(text)
}

impl Store {
    fn nik_bidx(&self, nik: &Nik) -> Vec<u8> {
        self.keys.blind_index("nik", nik.as_str())
    }

    fn doc_key(&self, issuing_state: &str, number: &str) -> Vec<u8> {
        self.keys.blind_index("doc", &format!("{issuing_state}:{number}"))
    }

    fn number_bidx(&self, number: &str) -> Vec<u8> {
        self.keys.blind_index("docno", number)
    }

    /// Blind indexes of the keys a query name is looked up with.
    fn name_query_bidxs(&self, name: &str) -> Vec<Vec<u8>> {
        name_query_keys(name).iter().map(|key| self.keys.blind_index("name", key)).collect()
    }

    fn name_bidxs(&self, names: impl IntoIterator<Item = String>) -> Vec<Vec<u8>> {
        let mut keys: Vec<Vec<u8>> = names
            .into_iter()
            .flat_map(|name| name_lookup_keys(&name))
            .map(|key| self.keys.blind_index("name", &key))
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    fn phone_bidx(&self, e164: &str) -> Vec<u8> {
        self.keys.blind_index("phone", e164)
    }

    /// Imports persons. One transaction, one audit entry; an outcome per row, in order.
    pub fn import_persons(
        &self,
        rows: &[Person],
        policy: ConflictPolicy,
        context: &AuditContext,
    ) -> Result<Vec<RowOutcome>> {
        let prepared = self.prepare_persons(rows)?;
        self.commit_import(prepared, policy, context)
    }

    /// The part of a persons import that needs no write lock: blind indexes, and each person's
    /// record sealed under their data key, made here (not stored yet) for a person who has none.
    /// A bulk import runs it for the next batch while the previous one is committed. A key made
    /// here loses to one that another writer stored for the same person in between: the commit
    /// then seals that row again under the stored key.
    pub fn prepare_persons(&self, rows: &[Person]) -> Result<PreparedImport> {
        let mut prepared = parallel_map(rows, |person| -> Result<Prepared> {
            let nik_bidx = self.nik_bidx(&person.nik);
            let plaintext = serde_json::to_vec(person)?;
            Ok(Prepared {
                natural: Value::Blob(nik_bidx.clone()),
                content_mac: content_mac(self, "persons", &plaintext),
                key: KeyRef::Subject(subject(b"p", &nik_bidx)),
                plaintext,
                sealed: None,
                columns: vec![Value::from(person.region_code.clone())],
                names: self.name_bidxs(
                    std::iter::once(person.full_name.as_str().to_owned())
                        .chain(person.aliases.iter().map(|a| a.as_str().to_owned())),
                ),
                phones: person.phones.iter().map(|p| self.phone_bidx(p.as_str())).collect(),
            })
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        let subjects: Vec<Vec<u8>> = prepared
            .iter()
            .filter_map(|p| match &p.key {
                KeyRef::Subject(s) => Some(s.clone()),
                KeyRef::Existing(_) => None,
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let (shred_mark, mut keys) = self.backend.read(|sql| {
            let mark = crate::traveller_retention::read_shred_mark(sql)?;
            Ok((Some(mark), self.existing_subject_keys(sql, &subjects, "")?))
        })?;
        let missing: Vec<&Vec<u8>> = subjects.iter().filter(|s| !keys.contains_key(*s)).collect();
        let (new_keys, made) = self.make_data_keys(&missing)?;
        for (new, key) in new_keys.iter().zip(made) {
            keys.insert(new.subject.clone(), (new.id, key));
        }
        let sealed = parallel_map(&prepared, |row| -> Result<Option<(i64, Vec<u8>)>> {
            let KeyRef::Subject(subject) = &row.key else { return Ok(None) };
            let Some((id, key)) = keys.get(subject) else { return Ok(None) };
            Ok(Some((*id, seal::seal(key, PERSONS.name, *id, &row.plaintext)?)))
        });
        for (row, sealed) in prepared.iter_mut().zip(sealed) {
            row.sealed = sealed?;
        }
        Ok(PreparedImport { table: &PERSONS, rows: prepared.into_iter().map(Ok).collect(), new_keys, shred_mark })
    }

    /// Loads every document's link (id, holder, data key) into memory, so that a bulk import of
    /// crossings resolves documents without a random index probe per row. Call
    /// [`Store::drop_document_links`] afterwards; importing documents drops the cache too.
    pub fn cache_document_links(&self) -> Result<usize> {
        let links = self.backend.read(|sql| {
            let mark = crate::traveller_retention::read_shred_mark(sql)?;
            let rows = sql.rows("SELECT doc_key, id, person_id, key_id FROM documents", &[])?;
            let mut links = DocumentLinks::with_capacity(rows.len());
            for row in rows {
                if let Some((doc_key, link)) = document_link(&mut row.into_iter()) {
                    links.insert(doc_key, link);
                }
            }
            Ok((mark, links))
        })?;
        let count = links.1.len();
        if let Ok(mut slot) = self.document_links.write() {
            *slot = Some(links);
        }
        Ok(count)
    }

    /// Frees the cache made by [`Store::cache_document_links`].
    pub fn drop_document_links(&self) {
        if let Ok(mut slot) = self.document_links.write() {
            *slot = None;
        }
    }

    /// Imports travel documents. A holder NIK must already be stored.
    pub fn import_documents(
        &self,
        rows: &[TravelDocument],
        policy: ConflictPolicy,
        context: &AuditContext,
    ) -> Result<Vec<RowOutcome>> {
        self.drop_document_links();
        self.backend.write(|sql| {
            let holder_biddxs: Vec<Vec<u8>> =
                rows.iter().filter_map(|d| d.holder_nik.as_ref()).map(|n| self.nik_bidx(n)).collect();
            let persons = person_ids(sql, &holder_biddxs)?;
            let prepared = rows
                .iter()
                .map(|doc| {
                    let state = doc.issuing_state.as_str();
                    let number = doc.number.as_str();
                    let doc_key = self.doc_key(state, number);
                    let (person_id, key) = match &doc.holder_nik {
                        Some(nik) => {
                            let bidx = self.nik_bidx(nik);
                            match persons.get(&bidx) {
                                Some(id) => (Value::Int(*id), KeyRef::Subject(subject(b"p", &bidx))),
                                None => {
                                    return Ok(Err(
                                        "holder_nik is not in the records: import the person first".to_owned()
                                    ));
                                }
                            }
                        }
                        None => (Value::Null, KeyRef::Subject(subject(b"d", &doc_key))),
                    };
                    let plaintext = serde_json::to_vec(doc)?;
                    Ok(Ok(Prepared {
                        natural: Value::Blob(doc_key),
                        content_mac: content_mac(self, "documents", &plaintext),
                        key,
                        plaintext,
                        sealed: None,
                        columns: vec![
                            Value::Blob(self.number_bidx(number)),
                            Value::from(state),
                            Value::from(doc.kind.code()),
                            Value::from(doc.status.code()),
                            person_id,
                        ],
                        names: Vec::new(),
                        phones: Vec::new(),
                    }))
                })
                .collect::<Result<Vec<_>>>()?;
            let outcomes = self.upsert(sql, &DOCUMENTS, prepared, policy)?;
            // Crossings imported before their document, or under its previous holder, follow it.
            let changed: Vec<Vec<u8>> = rows
                .iter()
                .zip(&outcomes)
                .filter(|(_, outcome)| matches!(outcome, RowOutcome::Inserted | RowOutcome::Updated))
                .map(|(doc, _)| self.doc_key(doc.issuing_state.as_str(), doc.number.as_str()))
                .collect();
            relink_crossings(sql, &changed)?;
            audit_import(&self.keys, sql, context, "documents", &outcomes)?;
            Ok(outcomes)
        })
    }

    /// Imports passport applications. The applicant's NIK must already be stored.
    pub fn import_applications(
        &self,
        rows: &[PassportApplication],
        policy: ConflictPolicy,
        context: &AuditContext,
    ) -> Result<Vec<RowOutcome>> {
        self.backend.write(|sql| {
            let bidxs: Vec<Vec<u8>> = rows.iter().map(|a| self.nik_bidx(&a.applicant_nik)).collect();
            let persons = person_ids(sql, &bidxs)?;
            let prepared = rows
                .iter()
                .zip(bidxs)
                .map(|(application, bidx)| {
                    let Some(person_id) = persons.get(&bidx) else {
                        return Ok(Err("applicant_nik is not in the records: import the person first".to_owned()));
                    };
                    let plaintext = serde_json::to_vec(application)?;
                    let decision = application.decision.as_ref();
                    Ok(Ok(Prepared {
                        natural: Value::from(application.reference.as_str()),
                        content_mac: content_mac(self, "applications", &plaintext),
                        key: KeyRef::Subject(subject(b"p", &bidx)),
                        plaintext,
                        sealed: None,
                        columns: vec![
                            Value::Int(*person_id),
                            Value::from(application.office.as_str()),
                            Value::from(application.applied_on.to_string()),
                            Value::from(application.purpose.code()),
                            Value::from(application.destination.as_str()),
                            Value::from(decision.map(|d| d.outcome.code())),
                            Value::from(decision.map(|d| crate::stamp(d.decided_at))),
                            Value::from(
                                application
                                    .sponsor
                                    .as_deref()
                                    .map(normalised_text)
                                    .filter(|s| !s.is_empty())
                                    .map(|s| self.keys.blind_index("sponsor", &s)),
                            ),
                            Value::from(application.contact_phone.as_ref().map(|p| self.phone_bidx(p.as_str()))),
                        ],
                        names: Vec::new(),
                        phones: Vec::new(),
                    }))
                })
                .collect::<Result<Vec<_>>>()?;
            let outcomes = self.upsert(sql, &APPLICATIONS, prepared, policy)?;
            audit_import(&self.keys, sql, context, "applications", &outcomes)?;
            Ok(outcomes)
        })
    }

    /// Imports border crossings. A crossing with a known document is linked to it and its holder
    /// and sealed with the holder's key; one with an unknown document gets that document's key.
    pub fn import_crossings(
        &self,
        rows: &[Crossing],
        policy: ConflictPolicy,
        context: &AuditContext,
    ) -> Result<Vec<RowOutcome>> {
        let prepared = self.prepare_crossings(rows)?;
        self.commit_import(prepared, policy, context)
    }

    /// The part of a crossings import that needs no write lock: keys derived, documents resolved
    /// and rows sealed. A bulk import prepares the next batch with this while the previous one is
    /// committed, so the single writer does little but SQL.
    ///
    /// Documents are resolved in a read snapshot (or the cache of
    /// [`Store::cache_document_links`]) taken before the commit. A document stored in between is
    /// not linked, exactly as if the crossing had arrived first: importing the document links it.
    pub fn prepare_crossings(&self, rows: &[Crossing]) -> Result<PreparedImport> {
        let doc_keys: Vec<Vec<u8>> =
            parallel_map(rows, |c| self.doc_key(c.document_issuing_state.as_str(), c.document_number.as_str()));
        let mark = self.backend.read(crate::traveller_retention::read_shred_mark)?;
        let cache = self.document_links.read().ok();
        let cached_with_mark = cache.as_deref().and_then(Option::as_ref);
        // Links cached before a retention run deleted keys may name them: look again at commit.
        let shred_mark = match cached_with_mark {
            Some((cached_mark, _)) if *cached_mark != mark => None,
            _ => Some(mark),
        };
        let cached = cached_with_mark.map(|(_, links)| links);
        let misses: Vec<Vec<u8>> = match cached {
            Some(cached) => doc_keys.iter().filter(|k| !cached.contains_key(*k)).cloned().collect(),
            None => doc_keys.clone(),
        };
        let found = if misses.is_empty() {
            HashMap::new()
        } else {
            self.backend.read(|sql| documents_by_key(&self.keys, sql, &misses))?
        };
        let link_of = |doc_key: &[u8]| found.get(doc_key).or_else(|| cached.and_then(|c| c.get(doc_key))).copied();
        let key_ids: Vec<i64> = doc_keys.iter().filter_map(|k| link_of(k).map(|l| l.key_id)).collect();
        let data_keys = self.backend.read(|sql| self.keys_by_id(sql, &key_ids))?;
        let pairs: Vec<(&Crossing, Vec<u8>)> = rows.iter().zip(doc_keys).collect();
        let prepared = parallel_map(&pairs, |(crossing, doc_key)| -> Result<std::result::Result<Prepared, String>> {
            let doc_key = doc_key.clone();
            let at = crate::stamp(crossing.crossed_at);
            // The natural key starts with the (plain) crossing time, so that a feed in time
            // order inserts into its unique index sequentially instead of at random.
            let mut crossing_key = crossing.crossed_at.timestamp().to_be_bytes().to_vec();
            crossing_key.extend(self.keys.mac(&[
                b"crossing",
                &doc_key,
                crossing.direction.code().as_bytes(),
                crossing.checkpoint.as_bytes(),
                at.as_bytes(),
            ]));
            let link = link_of(&doc_key);
            let (document_id, person_id, key) = match link {
                Some(doc) => (Value::Int(doc.id), Value::from(doc.person_id), KeyRef::Existing(doc.key_id)),
                None => (Value::Null, Value::Null, KeyRef::Subject(subject(b"d", &doc_key))),
            };
            let plaintext = serde_json::to_vec(crossing)?;
            let sealed = match link.and_then(|doc| data_keys.get(&doc.key_id).map(|key| (doc.key_id, key))) {
                Some((key_id, key)) => Some((key_id, seal::seal(key, CROSSINGS.name, key_id, &plaintext)?)),
                None => None,
            };
            Ok(Ok(Prepared {
                natural: Value::Blob(crossing_key),
                content_mac: content_mac(self, CROSSINGS.name, &plaintext),
                key,
                plaintext,
                sealed,
                columns: vec![
                    Value::Blob(doc_key),
                    document_id,
                    person_id,
                    Value::from(crossing.direction.code()),
                    Value::from(crossing.checkpoint.as_str()),
                    Value::Text(at),
                    Value::from(crossing.carrier.clone()),
                    Value::from(crossing.voyage.clone()),
                ],
                names: Vec::new(),
                phones: Vec::new(),
            }))
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        Ok(PreparedImport { table: &CROSSINGS, rows: prepared, new_keys: Vec::new(), shred_mark })
    }

    /// Stores a prepared batch in one write transaction and audits it.
    pub fn commit_import(
        &self,
        prepared: PreparedImport,
        policy: ConflictPolicy,
        context: &AuditContext,
    ) -> Result<Vec<RowOutcome>> {
        let PreparedImport { table, mut rows, new_keys, shred_mark } = prepared;
        self.backend.write(|sql| {
            if !new_keys.is_empty() {
                let stored = self.store_new_keys(sql, &new_keys)?;
                // A key another writer stored first wins: rows sealed under ours are sealed again.
                let lost: HashSet<&[u8]> =
                    new_keys.iter().filter(|k| !stored.contains(&k.id)).map(|k| k.subject.as_slice()).collect();
                if !lost.is_empty() {
                    for row in rows.iter_mut().flatten() {
                        if let KeyRef::Subject(subject) = &row.key
                            && lost.contains(subject.as_slice())
                        {
                            row.sealed = None;
                        }
                    }
                }
            }
            // After the new keys are stored: they count as present.
            self.drop_vanished_keys(sql, &mut rows, shred_mark.as_deref())?;
            let outcomes = self.upsert(sql, table, rows, policy)?;
            audit_import(&self.keys, sql, context, table.name, &outcomes)?;
            Ok(outcomes)
        })
    }

    /// `" FOR SHARE"` when data keys read in this write transaction must be locked against a
    /// retention run deleting them before it commits: on PostgreSQL while a run is in progress.
    /// The run marker is read `FOR SHARE` itself, so a run that starts later waits for this
    /// transaction (setting the marker needs the row), and one that started is seen. Locking
    /// every key only then keeps imports cheap (a tuple lock is a write on PostgreSQL). SQLite
    /// writers run one at a time and need no lock.
    fn for_share(&self, sql: &mut dyn Sql) -> Result<&'static str> {
        if self.row_lock(" FOR SHARE").is_empty() {
            return Ok("");
        }
        let marker = sql.rows(
            "SELECT value FROM meta WHERE key = $1 FOR SHARE",
            &[Value::from(crate::traveller_retention::RUN_META)],
        )?;
        let running = marker.into_iter().next().and_then(|r| r.into_iter().next()).and_then(Value::into_blob);
        Ok(if running.is_some_and(|value| !value.is_empty()) { " FOR SHARE" } else { "" })
    }

    /// Checks, inside the write transaction, that the data keys prepared rows were sealed under
    /// (or will be, for crossings of a known document) still exist: a retention run may have
    /// shredded their subject since. A person's row is then sealed again under a new key of its
    /// subject; a crossing whose document went with it is refused, so that importing the file
    /// again stores it as a crossing of an unknown document.
    fn drop_vanished_keys(
        &self,
        sql: &mut dyn Sql,
        rows: &mut [std::result::Result<Prepared, String>],
        prepared_under: Option<&str>,
    ) -> Result<()> {
        let lock = self.for_share(sql)?;
        // No run in progress (or SQLite) and no key deleted since the rows were prepared: the
        // keys are as they were, and a run cannot start before this transaction ends.
        if lock.is_empty()
            && prepared_under
                .is_some_and(|mark| crate::traveller_retention::read_shred_mark(sql).is_ok_and(|now| now == mark))
        {
            return Ok(());
        }
        let mut used: Vec<i64> = rows
            .iter()
            .flatten()
            .filter_map(|row| match (&row.sealed, &row.key) {
                (Some((key_id, _)), _) => Some(*key_id),
                (None, KeyRef::Existing(key_id)) => Some(*key_id),
                (None, KeyRef::Subject(_)) => None,
            })
            .collect();
        used.sort_unstable();
        used.dedup();
        if used.is_empty() {
            return Ok(());
        }
        let mut present = HashSet::with_capacity(used.len());
        for chunk in used.chunks(CHUNK) {
            let params: Vec<Value> = chunk.iter().copied().map(Value::Int).collect();
            let statement = format!("SELECT id FROM data_keys WHERE id IN ({}){lock}", placeholders(0, chunk.len()));
            present.extend(sql.rows(&statement, &params)?.iter().filter_map(|r| r.first().and_then(Value::as_int)));
        }
        if present.len() == used.len() {
            return Ok(());
        }
        for slot in rows.iter_mut() {
            let Ok(row) = slot else { continue };
            let vanished = |key_id: &i64| !present.contains(key_id);
            match (&row.sealed, &row.key) {
                (Some((key_id, _)), KeyRef::Subject(_)) if vanished(key_id) => row.sealed = None,
                (Some((key_id, _)), KeyRef::Existing(_)) | (None, KeyRef::Existing(key_id)) if vanished(key_id) => {
                    *slot = Err(
                        "its document was deleted by a retention run during this import: import the file again to store it as a crossing of an unknown document"
                            .into(),
                    );
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Imports watchlist entries.
    pub fn import_watchlist(
        &self,
        rows: &[WatchlistEntry],
        policy: ConflictPolicy,
        context: &AuditContext,
    ) -> Result<Vec<RowOutcome>> {
        let prepared = rows
            .iter()
            .map(|entry| {
                let plaintext = serde_json::to_vec(entry)?;
                let id_bidx = self.keys.blind_index("watchlist", &entry.external_id);
                Ok(Ok(Prepared {
                    natural: Value::from(entry.external_id.as_str()),
                    content_mac: content_mac(self, "watchlist", &plaintext),
                    key: KeyRef::Subject(subject(b"w", &id_bidx)),
                    plaintext,
                    sealed: None,
                    columns: vec![
                        Value::from(entry.category.code()),
                        Value::from(entry.valid_from.to_string()),
                        Value::from(entry.valid_until.map(|d| d.to_string())),
                        Value::from(entry.nik.as_ref().map(|n| self.nik_bidx(n))),
                        Value::from(entry.document_number.as_ref().map(|n| self.number_bidx(n.as_str()))),
                    ],
                    names: self.name_bidxs(
                        std::iter::once(entry.full_name.as_str().to_owned())
                            .chain(entry.aliases.iter().map(|a| a.as_str().to_owned())),
                    ),
                    phones: Vec::new(),
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        self.backend.write(|sql| {
            let outcomes = self.upsert(sql, &WATCHLIST, prepared, policy)?;
            audit_import(&self.keys, sql, context, "watchlist", &outcomes)?;
            Ok(outcomes)
        })
    }

    /// The shared write path: classify each row against stored and earlier rows, then insert the
    /// new ones in multi-row statements and update the changed ones.
    fn upsert(
        &self,
        sql: &mut dyn Sql,
        table: &Table,
        prepared: Vec<std::result::Result<Prepared, String>>,
        policy: ConflictPolicy,
    ) -> Result<Vec<RowOutcome>> {
        let naturals: Vec<Value> = prepared.iter().filter_map(|p| p.as_ref().ok()).map(|p| p.natural.clone()).collect();
        let existing = existing_rows(sql, table, &naturals)?;
        let mut outcomes = Vec::with_capacity(prepared.len());
        // Natural key -> (content MAC, index of its outcome) of the first row with that key.
        let mut seen: HashMap<Value, (Vec<u8>, usize)> = HashMap::new();
        let mut to_insert: Vec<(usize, Prepared)> = Vec::new();
        let mut to_update: Vec<(i64, Prepared)> = Vec::new();
        for (index, row) in prepared.into_iter().enumerate() {
            let row = match row {
                Ok(row) => row,
                Err(reason) => {
                    outcomes.push(RowOutcome::Rejected(reason));
                    continue;
                }
            };
            if let Some((earlier_mac, earlier)) = seen.get(&row.natural) {
                outcomes.push(if *earlier_mac == row.content_mac {
                    // A copy of a rejected row is rejected for the same reason: "unchanged" would
                    // claim that it matches the stored record.
                    match &outcomes[*earlier] {
                        RowOutcome::Rejected(reason) => RowOutcome::Rejected(reason.clone()),
                        _ => RowOutcome::Unchanged,
                    }
                } else {
                    RowOutcome::Rejected(format!(
                        "conflicts with an earlier row with the same {}",
                        natural_label(table)
                    ))
                });
                continue;
            }
            seen.insert(row.natural.clone(), (row.content_mac.clone(), outcomes.len()));
            match existing.get(&row.natural) {
                Some(stored) if stored.content_mac == row.content_mac => outcomes.push(RowOutcome::Unchanged),
                Some(stored) => match policy {
                    ConflictPolicy::Reject => outcomes.push(RowOutcome::Rejected(format!(
                        "a stored record with the same {} has different data (use --on-conflict update to replace it)",
                        natural_label(table)
                    ))),
                    ConflictPolicy::Update => {
                        outcomes.push(RowOutcome::Updated);
                        to_update.push((stored.id, row));
                    }
                },
                None => {
                    outcomes.push(RowOutcome::Inserted);
                    to_insert.push((index, row));
                }
            }
        }
        if !to_insert.is_empty() {
            self.insert_new(sql, table, to_insert)?;
        }
        for (id, row) in to_update {
            self.update_one(sql, table, id, row)?;
        }
        Ok(outcomes)
    }

    fn insert_new(&self, sql: &mut dyn Sql, table: &Table, rows: Vec<(usize, Prepared)>) -> Result<()> {
        let subjects: Vec<&[u8]> = rows
            .iter()
            .filter(|(_, r)| r.sealed.is_none())
            .filter_map(|(_, r)| match &r.key {
                KeyRef::Subject(s) => Some(s.as_slice()),
                KeyRef::Existing(_) => None,
            })
            .collect();
        let by_subject = self.subject_keys(sql, &subjects)?;
        let existing_ids: Vec<i64> = rows
            .iter()
            .filter(|(_, r)| r.sealed.is_none())
            .filter_map(|(_, r)| match r.key {
                KeyRef::Existing(id) => Some(id),
                KeyRef::Subject(_) => None,
            })
            .collect();
        let by_id = self.keys_by_id(sql, &existing_ids)?;
        let now = now_text();
        let width = 1 + table.columns.len() + 5;
        let column_list = format!(
            "{}, {}, key_id, content_mac, sealed, created_at, updated_at",
            table.natural,
            table.columns.join(", ")
        );
        let mut index_rows: Vec<(&'static str, Vec<u8>, Value)> = Vec::new();
        let rows_per_statement = (CHUNK * 8 / width).max(1);
        // Rows keep their input order: ids follow it, and export (in id order) must give back the
        // imported file.
        let sorted: Vec<Prepared> = rows.into_iter().map(|(_, r)| r).collect();
        let full_tuples = tuples(rows_per_statement, width);
        let mut pending = sorted.into_iter().peekable();
        while pending.peek().is_some() {
            let chunk: Vec<Prepared> = pending.by_ref().take(rows_per_statement).collect();
            let mut params = Vec::with_capacity(chunk.len() * width);
            let mut names_by_natural: HashMap<Value, IndexKeys> = HashMap::new();
            let seal_row = |row: &Prepared| -> Result<(i64, Vec<u8>)> {
                let (key_id, key) = match &row.key {
                    KeyRef::Subject(s) => by_subject.get(s).cloned(),
                    KeyRef::Existing(id) => by_id.get(id).map(|k| (*id, k.clone())),
                }
                .ok_or_else(|| Error::Corrupt("a data key vanished during import".into()))?;
                Ok((key_id, seal::seal(&key, table.name, key_id, &row.plaintext)?))
            };
            // Rows sealed while preparing (`sealed` is `Some`) are not sealed again.
            let sealed_rows = parallel_map(&chunk, |row| row.sealed.is_none().then(|| seal_row(row)));
            for (mut row, sealed) in chunk.into_iter().zip(sealed_rows) {
                let (key_id, sealed) = match (row.sealed.take(), sealed) {
                    (Some(done), _) => done,
                    (None, Some(result)) => result?,
                    (None, None) => return Err(Error::Corrupt("a row was neither sealed nor sealable".into())),
                };
                if table.owner_kind.is_some() {
                    names_by_natural.insert(row.natural.clone(), (row.names, row.phones));
                }
                params.push(row.natural);
                params.extend(row.columns);
                params.push(Value::Int(key_id));
                params.push(Value::Blob(row.content_mac));
                params.push(Value::Blob(sealed));
                params.push(Value::Text(now.clone()));
                params.push(Value::Text(now.clone()));
            }
            let count = params.len() / width;
            // The placeholder list of a full chunk is built once; only the last chunk differs.
            let values = if count == rows_per_statement { full_tuples.clone() } else { tuples(count, width) };
            let statement =
                format!("{} {} ({column_list}) VALUES {values}", self.backend.dialect().bulk_insert(), table.name);
            if table.owner_kind.is_some() {
                let statement = format!("{statement} RETURNING id, {}", table.natural);
                for row in sql.rows(&statement, &params)? {
                    let mut row = row.into_iter();
                    let id = row
                        .next()
                        .and_then(|v| v.as_int())
                        .ok_or_else(|| Error::Corrupt("insert returned no id".into()))?;
                    let natural = row.next().unwrap_or(Value::Null);
                    if let Some((names, phones)) = names_by_natural.remove(&natural) {
                        index_rows.extend(names.into_iter().map(|b| ("name_index", b, Value::Int(id))));
                        index_rows.extend(phones.into_iter().map(|b| ("phone_index", b, Value::Int(id))));
                    }
                }
            } else {
                sql.exec(&statement, &params)?;
            }
        }
        if let Some(owner_kind) = table.owner_kind {
            insert_index_rows(sql, self.backend.dialect(), owner_kind, index_rows)?;
        }
        Ok(())
    }

    /// Replaces a stored record. The record is sealed with the key of its current data subject,
    /// which changes when, say, a document passes to another holder.
    fn update_one(&self, sql: &mut dyn Sql, table: &Table, id: i64, row: Prepared) -> Result<()> {
        let (key_id, key) = match &row.key {
            KeyRef::Subject(subject) => self.subject_keys(sql, &[subject.as_slice()])?.remove(subject),
            KeyRef::Existing(key_id) => self.keys_by_id(sql, &[*key_id])?.remove(key_id).map(|key| (*key_id, key)),
        }
        .ok_or(Error::NotFound { what: "data key" })?;
        let sealed = seal::seal(&key, table.name, key_id, &row.plaintext)?;
        let assignments: Vec<String> =
            table.columns.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
        let n = table.columns.len();
        let statement = format!(
            "UPDATE {} SET {}, content_mac = ${}, sealed = ${}, updated_at = ${}, key_id = ${} WHERE id = ${}",
            table.name,
            assignments.join(", "),
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5
        );
        let mut params = row.columns;
        params.extend([
            Value::Blob(row.content_mac),
            Value::Blob(sealed),
            Value::Text(now_text()),
            Value::Int(key_id),
            Value::Int(id),
        ]);
        sql.exec(&statement, &params)?;
        if let Some(owner_kind) = table.owner_kind {
            for index_table in ["name_index", "phone_index"] {
                sql.exec(
                    &format!("DELETE FROM {index_table} WHERE owner_kind = $1 AND owner_id = $2"),
                    &[Value::from(owner_kind), Value::Int(id)],
                )?;
            }
            let mut index_rows: Vec<(&'static str, Vec<u8>, Value)> =
                row.names.into_iter().map(|b| ("name_index", b, Value::Int(id))).collect();
            index_rows.extend(row.phones.into_iter().map(|b| ("phone_index", b, Value::Int(id))));
            insert_index_rows(sql, self.backend.dialect(), owner_kind, index_rows)?;
        }
        Ok(())
    }

    /// Stores data keys made while preparing, skipping subjects that have one by now; returns
    /// the ids actually stored.
    fn store_new_keys(&self, sql: &mut dyn Sql, new_keys: &[NewKey]) -> Result<HashSet<i64>> {
        let now = now_text();
        let mut stored = HashSet::with_capacity(new_keys.len());
        for chunk in new_keys.chunks(CHUNK) {
            let mut params = Vec::with_capacity(chunk.len() * 5);
            for key in chunk {
                params.extend([
                    Value::Int(key.id),
                    Value::Blob(key.subject.clone()),
                    Value::Blob(key.wrapped.clone()),
                    Value::Text(now.clone()),
                    key.epoch.map_or(Value::Null, Value::Int),
                ]);
            }
            let statement = format!(
                "{} data_keys (id, subject, wrapped, created_at, epoch) VALUES {} ON CONFLICT (subject) DO NOTHING RETURNING id",
                self.backend.dialect().bulk_insert(),
                tuples(chunk.len(), 5)
            );
            stored.extend(sql.rows(&statement, &params)?.into_iter().filter_map(|r| r.first().and_then(Value::as_int)));
        }
        Ok(stored)
    }

    /// Data keys by subject, making and storing the missing ones.
    pub(crate) fn subject_keys(
        &self,
        sql: &mut dyn Sql,
        subjects: &[&[u8]],
    ) -> Result<HashMap<Vec<u8>, (i64, SecretKey)>> {
        let unique: Vec<Vec<u8>> = subjects.iter().map(|s| s.to_vec()).collect::<HashSet<_>>().into_iter().collect();
        // Locked against a retention run shredding them before this transaction commits.
        let lock = self.for_share(sql)?;
        let mut found = self.existing_subject_keys(sql, &unique, lock)?;
        let missing: Vec<&Vec<u8>> = unique.iter().filter(|s| !found.contains_key(*s)).collect();
        let (mut new_keys, made) = self.make_data_keys(&missing)?;
        self.follow_retention_epoch(sql, &mut new_keys)?;
        let stored = self.store_new_keys(sql, &new_keys)?;
        if stored.len() != new_keys.len() {
            // Only a concurrent writer (PostgreSQL) can get here: its key must be used, and it is
            // in a transaction this one cannot see yet.
            return Err(Error::Backend(
                "another writer made a data key for the same record at the same time: try again".into(),
            ));
        }
        for (new, key) in new_keys.into_iter().zip(made) {
            found.insert(new.subject, (new.id, key));
        }
        Ok(found)
    }

    /// Moves new keys wrapped under an older retention epoch than the one a retention run has
    /// started (this process may not have seen the new key file yet) to that epoch, inside the
    /// transaction that stores them. On PostgreSQL the row is read `FOR SHARE`, so a run's update
    /// of it waits for this transaction: either the run sees these keys, or they see the run.
    fn follow_retention_epoch(&self, sql: &mut dyn Sql, new_keys: &mut [NewKey]) -> Result<()> {
        // Traveller keys are in month buckets, which epochs do not move.
        if new_keys.iter().all(|k| k.epoch.is_none() || !seal::retention_managed(&k.subject)) {
            return Ok(());
        }
        let lock = self.row_lock(" FOR SHARE");
        let rows = sql.rows(
            &format!("SELECT value FROM meta WHERE key = $1{lock}"),
            &[Value::from(seal::RETENTION_EPOCH_META)],
        )?;
        let Some(current) = rows
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next())
            .and_then(Value::into_blob)
            .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_slice()).ok())
            .map(i64::from_be_bytes)
        else {
            return Ok(());
        };
        for key in new_keys.iter_mut().filter(|k| seal::retention_managed(&k.subject)) {
            // Only forward: a database restored from an older backup may name an older epoch.
            if let Some(epoch) = key.epoch
                && epoch < current
            {
                key.wrapped = self.keys.rewrap_to_epoch(key.id, &key.wrapped, Some(epoch), current)?;
                key.epoch = Some(current);
            }
        }
        Ok(())
    }

    /// New data keys (random ids, wrapped under the master key or a retention key) for these subjects, not stored
    /// yet, and the same keys unwrapped, in the same order.
    fn make_data_keys(&self, subjects: &[&Vec<u8>]) -> Result<(Vec<NewKey>, Vec<SecretKey>)> {
        parallel_map(subjects, |subject| -> Result<(NewKey, SecretKey)> {
            let id = seal::random_id()?;
            // What retention may shred is wrapped under the retention key, so that shredding
            // reaches backups too (see `seal::RetentionKeys`).
            let (key, wrapped, epoch) = if seal::retention_managed(subject) {
                let (key, wrapped, epoch) = self.keys.new_retention_data_key(id)?;
                (key, wrapped, Some(epoch))
            } else if seal::traveller_managed(subject) {
                let (key, wrapped, bucket) = self.keys.new_traveller_data_key(id, subject)?;
                (key, wrapped, Some(bucket))
            } else {
                let (key, wrapped) = self.keys.new_data_key(id)?;
                (key, wrapped, None)
            };
            Ok((NewKey { id, subject: (*subject).clone(), wrapped, epoch }, key))
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()
        .map(|made| made.into_iter().unzip())
    }

    /// The stored data keys of these (distinct) subjects, unwrapped.
    fn existing_subject_keys(
        &self,
        sql: &mut dyn Sql,
        unique: &[Vec<u8>],
        lock: &str,
    ) -> Result<HashMap<Vec<u8>, (i64, SecretKey)>> {
        let mut found = HashMap::new();
        for chunk in unique.chunks(CHUNK) {
            let params: Vec<Value> = chunk.iter().cloned().map(Value::Blob).collect();
            let statement = format!(
                "SELECT id, subject, wrapped, epoch FROM data_keys WHERE subject IN ({}){lock}",
                placeholders(0, chunk.len())
            );
            for row in sql.rows(&statement, &params)? {
                let mut row = row.into_iter();
                let (Some(Value::Int(id)), Some(Value::Blob(subject)), Some(Value::Blob(wrapped))) =
                    (row.next(), row.next(), row.next())
                else {
                    return Err(Error::Corrupt("data_keys row".into()));
                };
                let epoch = row.next().and_then(|v| v.as_int());
                let key = self.keys.data_key_at(id, &wrapped, epoch)?;
                found.insert(subject, (id, key));
            }
        }
        Ok(found)
    }

    /// Unwrapped data keys by id.
    pub(crate) fn keys_by_id(&self, sql: &mut dyn Sql, ids: &[i64]) -> Result<HashMap<i64, SecretKey>> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for id in ids.iter().copied().collect::<HashSet<_>>() {
            match self.keys.cached(id) {
                Some(key) => {
                    found.insert(id, key);
                }
                None => missing.push(id),
            }
        }
        missing.sort_unstable();
        let mut wrapped_keys: Vec<(i64, Vec<u8>, Option<i64>)> = Vec::with_capacity(missing.len());
        for chunk in missing.chunks(CHUNK) {
            let params: Vec<Value> = chunk.iter().copied().map(Value::Int).collect();
            let statement =
                format!("SELECT id, wrapped, epoch FROM data_keys WHERE id IN ({})", placeholders(0, chunk.len()));
            for row in sql.rows(&statement, &params)? {
                let mut row = row.into_iter();
                let (Some(Value::Int(id)), Some(Value::Blob(wrapped))) = (row.next(), row.next()) else {
                    return Err(Error::Corrupt("data_keys row".into()));
                };
                wrapped_keys.push((id, wrapped, row.next().and_then(|v| v.as_int())));
            }
        }
        // Unwrapping is an AEAD decryption per key: spread it over the cores.
        for unwrapped in parallel_map(&wrapped_keys, |(id, wrapped, epoch)| {
            self.keys.data_key_at(*id, wrapped, *epoch).map(|k| (*id, k))
        }) {
            let (id, key) = unwrapped?;
            found.insert(id, key);
        }
        Ok(found)
    }

    /// Opens sealed rows of `(id, key_id, sealed)`; rows whose key was shredded are skipped.
    fn open_rows<T: DeserializeOwned>(
        &self,
        sql: &mut dyn Sql,
        table: &str,
        rows: Vec<Vec<Value>>,
    ) -> Result<Vec<Stored<T>>> {
        let key_ids: Vec<i64> = rows.iter().filter_map(|r| r.get(1).and_then(Value::as_int)).collect();
        let keys = self.keys_by_id(sql, &key_ids)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut row = row.into_iter();
            let (Some(Value::Int(id)), Some(Value::Int(key_id)), Some(Value::Blob(sealed))) =
                (row.next(), row.next(), row.next())
            else {
                return Err(Error::Corrupt(format!("{table} row")));
            };
            let Some(key) = keys.get(&key_id) else { continue };
            let plaintext = seal::open(key, table, key_id, &sealed)?;
            out.push(Stored { id, record: serde_json::from_slice(&plaintext)? });
        }
        Ok(out)
    }

    fn select_sealed<T: DeserializeOwned>(
        &self,
        table: &str,
        filter: &str,
        params: &[Value],
    ) -> Result<Vec<Stored<T>>> {
        self.backend.read(|sql| {
            let rows = sql.rows(&format!("SELECT id, key_id, sealed FROM {table} WHERE {filter}"), params)?;
            self.open_rows(sql, table, rows)
        })
    }

    fn audit_read(&self, context: &AuditContext, action: &str, subject: &str, detail: &str) -> Result<()> {
        self.backend
            .write(|sql| audit::record(&self.keys, sql, context, action, subject, detail, Utc::now()).map(|_| ()))
    }

    /// Finds a person by NIK. Audited as `person.lookup_nik`.
    pub fn person_by_nik(&self, nik: &Nik, context: &AuditContext) -> Result<Option<Stored<Person>>> {
        let found = self.select_sealed::<Person>("persons", "nik_bidx = $1", &[Value::Blob(self.nik_bidx(nik))])?.pop();
        self.audit_read(context, "person.lookup_nik", &subject_of("person", found.iter().map(|p| p.id)), "")?;
        Ok(found)
    }

    /// Records that third parties were shown beside a person (linked persons on a person page:
    /// household, shared phones, agents, companions), as `person.linked` with their ids as the
    /// subject and the person they were shown with in the detail, so that each of them finds the
    /// disclosure when the audit log is searched for them.
    pub fn audit_linked(&self, context: &AuditContext, of: i64, linked: &[Nik]) -> Result<()> {
        if linked.is_empty() {
            return Ok(());
        }
        let bidxs: Vec<Vec<u8>> = linked.iter().map(|nik| self.nik_bidx(nik)).collect();
        self.backend.write(|sql| {
            let ids = person_ids(sql, &bidxs)?;
            let mut ids: Vec<i64> = bidxs.iter().filter_map(|b| ids.get(b).copied()).collect();
            ids.dedup();
            let subject = subject_of("person", ids.into_iter());
            audit::record(&self.keys, sql, context, "person.linked", &subject, &format!("with=person:{of}"), Utc::now())
                .map(|_| ())
        })
    }

    /// Records that persons were shown in another record's context (say, as candidate links of a
    /// public report): `action` with their ids as the subject and `with` in the detail, so each of
    /// them finds the disclosure when the audit log is searched for them.
    pub fn audit_persons_shown(&self, context: &AuditContext, action: &str, with: &str, shown: &[Nik]) -> Result<()> {
        if shown.is_empty() {
            return Ok(());
        }
        let bidxs: Vec<Vec<u8>> = shown.iter().map(|nik| self.nik_bidx(nik)).collect();
        self.backend.write(|sql| {
            let ids = person_ids(sql, &bidxs)?;
            let mut ids: Vec<i64> = bidxs.iter().filter_map(|b| ids.get(b).copied()).collect();
            ids.dedup();
            let subject = subject_of("person", ids.into_iter());
            audit::record(&self.keys, sql, context, action, &subject, &format!("with={with}"), Utc::now()).map(|_| ())
        })
    }

    /// Finds a person by internal id. Audited as `person.read`.
    pub fn person_by_id(&self, id: i64, context: &AuditContext) -> Result<Option<Stored<Person>>> {
        let found = self.select_sealed::<Person>("persons", "id = $1", &[Value::Int(id)])?.pop();
        self.audit_read(context, "person.read", &subject_of("person", found.iter().map(|p| p.id)), "")?;
        Ok(found)
    }

    /// Finds documents by number, optionally only those of one issuing state. Audited.
    pub fn documents_by_number(
        &self,
        number: &str,
        issuing_state: Option<&str>,
        context: &AuditContext,
    ) -> Result<Vec<Stored<TravelDocument>>> {
        let found = match issuing_state {
            Some(state) => self.select_sealed::<TravelDocument>(
                "documents",
                "doc_key = $1",
                &[Value::Blob(self.doc_key(state, number))],
            )?,
            None => self.select_sealed::<TravelDocument>(
                "documents",
                "number_bidx = $1",
                &[Value::Blob(self.number_bidx(number))],
            )?,
        };
        self.audit_read(context, "document.lookup_number", &subject_of("document", found.iter().map(|d| d.id)), "")?;
        Ok(found)
    }

    /// For the counter check, in one read and one audit entry (`check.lookup`): the documents
    /// with this number (of this state, if given) and the person, by NIK or else as the first
    /// document's holder.
    pub fn check_lookup(
        &self,
        nik: Option<&Nik>,
        document: Option<(&str, Option<&str>)>,
        context: &AuditContext,
    ) -> Result<CheckLookup> {
        let documents = match document {
            Some((number, Some(state))) => self.select_sealed::<TravelDocument>(
                "documents",
                "doc_key = $1",
                &[Value::Blob(self.doc_key(state, number))],
            )?,
            Some((number, None)) => self.select_sealed::<TravelDocument>(
                "documents",
                "number_bidx = $1",
                &[Value::Blob(self.number_bidx(number))],
            )?,
            None => Vec::new(),
        };
        let holder = nik.cloned().or_else(|| documents.iter().find_map(|d| d.record.holder_nik.clone()));
        let person = match holder {
            Some(nik) => {
                self.select_sealed::<Person>("persons", "nik_bidx = $1", &[Value::Blob(self.nik_bidx(&nik))])?.pop()
            }
            None => None,
        };
        let subject = format!(
            "{};{}",
            subject_of("person", person.iter().map(|p| p.id)),
            subject_of("document", documents.iter().map(|d| d.id))
        );
        self.audit_read(context, "check.lookup", &subject, "")?;
        Ok((person, documents))
    }

    /// An application by its reference. Audited as `application.read`.
    pub fn application_by_reference(
        &self,
        reference: &str,
        context: &AuditContext,
    ) -> Result<Option<Stored<PassportApplication>>> {
        let found = self
            .select_sealed::<PassportApplication>("applications", "reference = $1", &[Value::from(reference)])?
            .pop();
        self.audit_read(context, "application.read", &subject_of("application", found.iter().map(|a| a.id)), "")?;
        Ok(found)
    }

    /// Finds persons by name (tolerant of case, spacing, punctuation and word order; aliases count)
    /// and optionally birth year. At most `limit` results. Audited.
    pub fn persons_by_name(
        &self,
        name: &str,
        birth_year: Option<i32>,
        limit: usize,
        context: &AuditContext,
    ) -> Result<Vec<Stored<Person>>> {
        let bidxs = self.name_query_bidxs(name);
        let page = i64::try_from(limit.saturating_mul(4).max(50)).unwrap_or(1000);
        let mut found = Vec::new();
        let mut after = 0i64;
        // The birth year is sealed and can only be checked after opening, so with a year we page
        // through the namesakes until enough match; a common name has more than one page.
        while !bidxs.is_empty() {
            let (rows_read, last, mut persons) = self.backend.read(|sql| {
                let mut params: Vec<Value> = bidxs.iter().cloned().map(Value::Blob).collect();
                let count = params.len();
                params.extend([Value::Int(after), Value::Int(page)]);
                let rows = sql.rows(
                    &format!(
                        "SELECT id, key_id, sealed FROM persons WHERE id IN (
                            SELECT owner_id FROM name_index WHERE owner_kind = 'person' AND bidx IN ({}))
                         AND id > ${} ORDER BY id LIMIT ${}",
                        placeholders(0, count),
                        count + 1,
                        count + 2
                    ),
                    &params,
                )?;
                let last = rows.last().and_then(|r| r.first()).and_then(Value::as_int);
                Ok((rows.len(), last, self.open_rows::<Person>(sql, "persons", rows)?))
            })?;
            if let Some(year) = birth_year {
                persons.retain(|p| p.record.date_of_birth.year() == year);
            }
            found.append(&mut persons);
            match last {
                Some(last) if birth_year.is_some() && found.len() < limit && rows_read as i64 == page => after = last,
                _ => break,
            }
        }
        found.truncate(limit);
        self.audit_read(
            context,
            "person.search_name",
            &subject_of("person", found.iter().map(|p| p.id)),
            &format!("results={}", found.len()),
        )?;
        Ok(found)
    }

    /// A person's documents, applications and crossings in time order. Audited as
    /// `person.timeline`.
    pub fn timeline(&self, person_id: i64, context: &AuditContext) -> Result<Option<Timeline>> {
        let timeline = self.backend.read(|sql| {
            let rows = sql.rows("SELECT id, key_id, sealed FROM persons WHERE id = $1", &[Value::Int(person_id)])?;
            let Some(person) = self.open_rows::<Person>(sql, "persons", rows)?.pop() else {
                return Ok(None);
            };
            let rows =
                sql.rows("SELECT id, key_id, sealed FROM documents WHERE person_id = $1", &[Value::Int(person_id)])?;
            let mut documents = self.open_rows::<TravelDocument>(sql, "documents", rows)?;
            documents.sort_by_key(|d| (d.record.issue_date, d.id));
            let rows =
                sql.rows("SELECT id, key_id, sealed FROM applications WHERE person_id = $1", &[Value::Int(person_id)])?;
            let mut applications = self.open_rows::<PassportApplication>(sql, "applications", rows)?;
            applications.sort_by_key(|a| (a.record.applied_on, a.id));
            // By document key only: crossings made before their document was imported have no
            // `person_id`, and one set at import goes stale when a document changes holder.
            let rows = sql.rows(
                "SELECT id, key_id, sealed FROM crossings
                 WHERE doc_key IN (SELECT doc_key FROM documents WHERE person_id = $1)",
                &[Value::Int(person_id)],
            )?;
            let mut crossings = self.open_rows::<Crossing>(sql, "crossings", rows)?;
            crossings.sort_by_key(|c| (c.record.crossed_at, c.id));
            Ok(Some(Timeline { person, documents, applications, crossings }))
        })?;
        self.audit_read(context, "person.timeline", &subject_of("person", timeline.iter().map(|t| t.person.id)), "")?;
        Ok(timeline)
    }

    /// Watchlist entries whose name, NIK or document number matches exactly (blind indexes).
    /// Fuzzy screening belongs to the screening index; this is the exact path. Audited.
    pub fn watchlist_exact(
        &self,
        name: Option<&str>,
        nik: Option<&Nik>,
        document_number: Option<&str>,
        context: &AuditContext,
    ) -> Result<Vec<Stored<WatchlistEntry>>> {
        let mut found: Vec<Stored<WatchlistEntry>> = Vec::new();
        if let Some(nik) = nik {
            found.extend(self.select_sealed::<WatchlistEntry>(
                "watchlist",
                "nik_bidx = $1",
                &[Value::Blob(self.nik_bidx(nik))],
            )?);
        }
        if let Some(number) = document_number {
            found.extend(self.select_sealed::<WatchlistEntry>(
                "watchlist",
                "number_bidx = $1",
                &[Value::Blob(self.number_bidx(number))],
            )?);
        }
        if let Some(name) = name {
            let bidxs: Vec<Value> = self.name_query_bidxs(name).into_iter().map(Value::Blob).collect();
            if !bidxs.is_empty() {
                let filter = format!(
                    "id IN (SELECT owner_id FROM name_index WHERE owner_kind = 'watchlist' AND bidx IN ({}))",
                    placeholders(0, bidxs.len())
                );
                found.extend(self.select_sealed::<WatchlistEntry>("watchlist", &filter, &bidxs)?);
            }
        }
        found.sort_by_key(|e| e.id);
        found.dedup_by_key(|e| e.id);
        self.audit_read(context, "watchlist.lookup", &subject_of("watchlist", found.iter().map(|e| e.id)), "")?;
        Ok(found)
    }

    /// Streams every record of a kind in id order to `sink`, decrypted. One audit entry for the
    /// whole export. Returns the number of records.
    pub fn export<T: DeserializeOwned + Serialize>(
        &self,
        kind: ImportKind,
        context: &AuditContext,
        mut sink: impl FnMut(Stored<T>) -> std::result::Result<(), String>,
    ) -> Result<u64> {
        const PAGE: i64 = 2_000;
        let table = kind.name();
        let mut after = 0i64;
        let mut total = 0u64;
        loop {
            let page = self.backend.read(|sql| {
                let rows = sql.rows(
                    &format!("SELECT id, key_id, sealed FROM {table} WHERE id > $1 ORDER BY id LIMIT $2"),
                    &[Value::Int(after), Value::Int(PAGE)],
                )?;
                let last = rows.last().and_then(|r| r.first()).and_then(Value::as_int);
                Ok((self.open_rows::<T>(sql, table, rows)?, last))
            })?;
            let (records, last) = page;
            for record in records {
                sink(record).map_err(|e| Error::Backend(format!("export sink failed: {e}")))?;
                total += 1;
            }
            match last {
                Some(last) => after = last,
                None => break,
            }
        }
        self.audit_read(context, &format!("{table}.export"), table, &format!("records={total}"))?;
        Ok(total)
    }
}

/// Maps a slice on all cores (up to four). The import's SQL runs on one thread, so sealing and
/// hashing on the others shortens each batch; small inputs run inline.
fn parallel_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    // Asked once: on Linux the answer comes from reading cgroup files.
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads = *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(4));
    if threads < 2 || items.len() < 256 {
        return items.iter().map(&f).collect();
    }
    let size = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> =
            items.chunks(size).map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<U>>())).collect();
        let mut out = Vec::with_capacity(items.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// An ordering of natural keys that matches the database's (blobs by bytes, text by UTF-8 bytes).
fn sort_key(value: &Value) -> &[u8] {
    match value {
        Value::Blob(bytes) => bytes,
        Value::Text(text) => text.as_bytes(),
        Value::Null | Value::Int(_) => &[],
    }
}

fn subject(prefix: &[u8], bidx: &[u8]) -> Vec<u8> {
    let mut out = prefix.to_vec();
    out.push(b':');
    out.extend_from_slice(bidx);
    out
}

fn natural_label(table: &Table) -> &'static str {
    match table.name {
        "persons" => "NIK",
        "documents" => "issuing state and document number",
        "applications" => "reference",
        "crossings" => "document, direction, checkpoint and time",
        "watchlist" => "id",
        _ => "key",
    }
}

fn subject_of(kind: &str, ids: impl Iterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.take(50).map(|id| format!("{kind}:{id}")).collect();
    if ids.is_empty() { format!("{kind}:none") } else { ids.join(",") }
}

fn audit_import(
    keys: &Keyring,
    sql: &mut dyn Sql,
    context: &AuditContext,
    table: &str,
    outcomes: &[RowOutcome],
) -> Result<()> {
    let mut counts = [0usize; 4];
    for outcome in outcomes {
        let slot = match outcome {
            RowOutcome::Inserted => 0,
            RowOutcome::Updated => 1,
            RowOutcome::Unchanged => 2,
            RowOutcome::Rejected(_) => 3,
        };
        counts[slot] += 1;
    }
    let detail = format!("inserted={} updated={} unchanged={} rejected={}", counts[0], counts[1], counts[2], counts[3]);
    audit::record(keys, sql, context, &format!("{table}.import"), table, &detail, Utc::now()).map(|_| ())
}

struct ExistingRow {
    id: i64,
    content_mac: Vec<u8>,
}

fn existing_rows(sql: &mut dyn Sql, table: &Table, naturals: &[Value]) -> Result<HashMap<Value, ExistingRow>> {
    let mut found = HashMap::new();
    let mut unique: Vec<Value> = naturals.iter().cloned().collect::<HashSet<_>>().into_iter().collect();
    unique.sort_by(|a, b| sort_key(a).cmp(sort_key(b)));
    for chunk in unique.chunks(CHUNK) {
        let statement = format!(
            "SELECT {natural}, id, content_mac FROM {name} WHERE {natural} IN ({})",
            placeholders(0, chunk.len()),
            natural = table.natural,
            name = table.name
        );
        for row in sql.rows(&statement, chunk)? {
            let mut row = row.into_iter();
            let (Some(natural), Some(Value::Int(id)), Some(Value::Blob(content_mac))) =
                (row.next(), row.next(), row.next())
            else {
                return Err(Error::Corrupt(format!("{} row", table.name)));
            };
            found.insert(natural, ExistingRow { id, content_mac });
        }
    }
    Ok(found)
}

fn person_ids(sql: &mut dyn Sql, bidxs: &[Vec<u8>]) -> Result<HashMap<Vec<u8>, i64>> {
    let mut found = HashMap::new();
    let unique: Vec<Vec<u8>> = bidxs.iter().cloned().collect::<HashSet<_>>().into_iter().collect();
    for chunk in unique.chunks(CHUNK) {
        let params: Vec<Value> = chunk.iter().cloned().map(Value::Blob).collect();
        let statement =
            format!("SELECT nik_bidx, id FROM persons WHERE nik_bidx IN ({})", placeholders(0, chunk.len()));
        for row in sql.rows(&statement, &params)? {
            let mut row = row.into_iter();
            if let (Some(Value::Blob(bidx)), Some(Value::Int(id))) = (row.next(), row.next()) {
                found.insert(bidx, id);
            }
        }
    }
    Ok(found)
}

#[derive(Clone, Copy)]
pub(crate) struct DocumentLink {
    id: i64,
    person_id: Option<i64>,
    key_id: i64,
}

/// Reads `doc_key, id, person_id, key_id` from the front of a row.
fn document_link(row: &mut impl Iterator<Item = Value>) -> Option<(Vec<u8>, DocumentLink)> {
    match (row.next(), row.next(), row.next(), row.next()) {
        (Some(Value::Blob(doc_key)), Some(Value::Int(id)), Some(person), Some(Value::Int(key_id))) => {
            Some((doc_key, DocumentLink { id, person_id: person.as_int(), key_id }))
        }
        _ => None,
    }
}

/// Every document's id, holder and data key by its blind key.
pub(crate) type DocumentLinks = HashMap<Vec<u8>, DocumentLink>;

/// The documents with these keys, with their data keys unwrapped into the key cache in the same
/// query (a crossing is sealed with its document's key).
fn documents_by_key(keys: &Keyring, sql: &mut dyn Sql, doc_keys: &[Vec<u8>]) -> Result<HashMap<Vec<u8>, DocumentLink>> {
    let mut found = HashMap::new();
    let mut unique: Vec<Vec<u8>> = doc_keys.iter().cloned().collect::<HashSet<_>>().into_iter().collect();
    unique.sort_unstable();
    for chunk in unique.chunks(CHUNK) {
        let params: Vec<Value> = chunk.iter().cloned().map(Value::Blob).collect();
        let statement = format!(
            "SELECT d.doc_key, d.id, d.person_id, d.key_id, k.wrapped FROM documents d
             LEFT JOIN data_keys k ON k.id = d.key_id WHERE d.doc_key IN ({})",
            placeholders(0, chunk.len())
        );
        for row in sql.rows(&statement, &params)? {
            let mut row = row.into_iter();
            if let Some((doc_key, link)) = document_link(&mut row) {
                if let Some(Value::Blob(wrapped)) = row.next() {
                    keys.data_key(link.key_id, &wrapped)?;
                }
                found.insert(doc_key, link);
            }
        }
    }
    Ok(found)
}

/// Points crossings of the given documents at the documents' current ids and holders.
fn relink_crossings(sql: &mut dyn Sql, doc_keys: &[Vec<u8>]) -> Result<()> {
    for chunk in doc_keys.chunks(CHUNK) {
        let params: Vec<Value> = chunk.iter().cloned().map(Value::Blob).collect();
        let statement = format!(
            "UPDATE crossings SET
                document_id = (SELECT d.id FROM documents d WHERE d.doc_key = crossings.doc_key),
                person_id = (SELECT d.person_id FROM documents d WHERE d.doc_key = crossings.doc_key)
             WHERE doc_key IN ({})",
            placeholders(0, chunk.len())
        );
        sql.exec(&statement, &params)?;
    }
    Ok(())
}

fn insert_index_rows(
    sql: &mut dyn Sql,
    dialect: Dialect,
    owner_kind: &str,
    rows: Vec<(&'static str, Vec<u8>, Value)>,
) -> Result<()> {
    for index_table in ["name_index", "phone_index"] {
        let mine: Vec<&(&'static str, Vec<u8>, Value)> = rows.iter().filter(|(t, _, _)| *t == index_table).collect();
        for chunk in mine.chunks(CHUNK) {
            let mut params = Vec::with_capacity(chunk.len() * 3);
            for (_, bidx, owner_id) in chunk {
                params.extend([Value::Blob(bidx.clone()), Value::from(owner_kind), owner_id.clone()]);
            }
            let statement = format!(
                "{} {index_table} (bidx, owner_kind, owner_id) VALUES {} ON CONFLICT DO NOTHING",
                dialect.bulk_insert(),
                tuples(chunk.len(), 3)
            );
            sql.exec(&statement, &params)?;
        }
    }
    Ok(())
}
