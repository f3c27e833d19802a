-- Waspada schema, SQLite dialect. Personal data lives only in `sealed` blobs (AEAD ciphertext) and
-- in keyed blind indexes (`*_bidx`, `*_key`: HMAC-SHA-256 outputs). Plain columns hold only codes,
-- dates and statuses that analytics needs and that identify nobody on their own.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- One data key per data subject (a person, or a document or watchlist entry with no known person),
-- wrapped by the master key. Deleting a row shreds every record sealed with it, which is why
-- `key_id` columns are deliberately not foreign keys: a shredded record stays, unreadable.
CREATE TABLE data_keys (
    id INTEGER PRIMARY KEY,
    subject BLOB NOT NULL UNIQUE,
    wrapped BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    nik_bidx BLOB NOT NULL UNIQUE,
    key_id INTEGER NOT NULL,
    content_mac BLOB NOT NULL,
    sealed BLOB NOT NULL,
    region_code TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX persons_region ON persons(region_code);

-- Blind-indexed lookup keys for names and phones of persons and watchlist entries.
CREATE TABLE name_index (
    bidx BLOB NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    PRIMARY KEY (bidx, owner_kind, owner_id)
) WITHOUT ROWID;
CREATE INDEX name_index_owner ON name_index(owner_kind, owner_id);

CREATE TABLE phone_index (
    bidx BLOB NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    PRIMARY KEY (bidx, owner_kind, owner_id)
) WITHOUT ROWID;
CREATE INDEX phone_index_owner ON phone_index(owner_kind, owner_id);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    doc_key BLOB NOT NULL UNIQUE,
    number_bidx BLOB NOT NULL,
    issuing_state TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    person_id INTEGER REFERENCES persons(id),
    key_id INTEGER NOT NULL,
    content_mac BLOB NOT NULL,
    sealed BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX documents_number ON documents(number_bidx);
-- Covers the importer's document lookup, which then never reads the (large) table rows.
CREATE INDEX documents_link ON documents(doc_key, id, person_id, key_id);
CREATE INDEX documents_person ON documents(person_id);
CREATE INDEX documents_status ON documents(status);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES persons(id),
    office TEXT NOT NULL,
    applied_on TEXT NOT NULL,
    purpose TEXT NOT NULL,
    destination TEXT NOT NULL,
    decision TEXT,
    decided_at TEXT,
    sponsor_bidx BLOB,
    phone_bidx BLOB,
    key_id INTEGER NOT NULL,
    content_mac BLOB NOT NULL,
    sealed BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX applications_person ON applications(person_id);
CREATE INDEX applications_applied_on ON applications(applied_on);
CREATE INDEX applications_sponsor ON applications(sponsor_bidx);
CREATE INDEX applications_phone ON applications(phone_bidx);

-- The high-volume table: its links to documents and persons are resolved by the importer in the
-- same transaction and refreshed when a document arrives, so they carry no foreign-key checks,
-- which would cost two random lookups per inserted row.
CREATE TABLE crossings (
    id INTEGER PRIMARY KEY,
    crossing_key BLOB NOT NULL UNIQUE,
    doc_key BLOB NOT NULL,
    document_id INTEGER,
    person_id INTEGER,
    direction TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    crossed_at TEXT NOT NULL,
    carrier TEXT,
    voyage TEXT,
    key_id INTEGER NOT NULL,
    content_mac BLOB NOT NULL,
    sealed BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX crossings_doc ON crossings(doc_key);
-- No index on crossed_at: `crossing_key` starts with the time (8 bytes, big-endian seconds), so
-- its unique index already serves time ranges.

CREATE TABLE watchlist (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    nik_bidx BLOB,
    number_bidx BLOB,
    key_id INTEGER NOT NULL,
    content_mac BLOB NOT NULL,
    sealed BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX watchlist_nik ON watchlist(nik_bidx);
CREATE INDEX watchlist_number ON watchlist(number_bidx);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Append-only, hash-chained audit log. `audit_head` holds the chain's tip; updating it in the
-- same transaction serialises writers, so the chain never forks.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    purpose TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor, seq);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
