-- The citizens' app (reports, lapor diri, SOS) and the case work built on it. Everything a
-- person wrote is sealed under the submission's (or the case's) own data key, so destroying
-- that key shreds it. Plain columns hold only what the triage queue sorts and counts by.
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    -- Blind index of the receipt code: the code is a bearer secret, kept only inside `sealed`.
    receipt_bidx BLOB NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    status TEXT NOT NULL,
    urgency INTEGER NOT NULL,
    spam_score INTEGER NOT NULL,
    region_code TEXT,
    destination TEXT,
    minor_involved INTEGER NOT NULL,
    anonymous INTEGER NOT NULL,
    last_check_in TEXT,
    case_id INTEGER,
    key_id INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
CREATE INDEX submissions_queue ON submissions (status, urgency DESC, received_at);
CREATE INDEX submissions_case ON submissions (case_id);

-- Blind indexes of the recruiter's phone, name, company and social account in a report, to
-- group duplicates without reading the reports.
CREATE TABLE submission_terms (
    submission_id INTEGER NOT NULL,
    term TEXT NOT NULL,
    bidx BLOB NOT NULL
);
CREATE INDEX submission_terms_bidx ON submission_terms (bidx);
CREATE INDEX submission_terms_submission ON submission_terms (submission_id);

-- Photos, later additions and check-ins, sealed under the submission's key.
CREATE TABLE submission_attachments (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    added_at TEXT NOT NULL,
    content_type TEXT,
    size INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
CREATE INDEX submission_attachments_submission ON submission_attachments (submission_id, kind);

-- Client-made idempotency keys (hashed) with a hash of the body they first came with and the
-- answer given (counts and times only, never a receipt or content: those come from the
-- submission itself when a retry is answered).
CREATE TABLE idempotency_keys (
    key_bidx BLOB PRIMARY KEY,
    body_hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    submission_id INTEGER,
    status INTEGER,
    response BLOB
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    status TEXT NOT NULL,
    closed_at TEXT,
    outcome TEXT,
    key_id INTEGER NOT NULL,
    sealed BLOB NOT NULL
);

-- People in a case. A traveller record appears at most once per case, so one person is never
-- both possible victim and suspect in the same case.
CREATE TABLE case_parties (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    role TEXT NOT NULL,
    person_id INTEGER,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    sealed BLOB NOT NULL,
    UNIQUE (case_id, person_id)
);

-- The case's timeline: notes, tasks, referrals, status changes.
CREATE TABLE case_entries (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    status TEXT,
    target TEXT,
    due_on TEXT,
    updated_at TEXT NOT NULL,
    sealed BLOB NOT NULL
);
CREATE INDEX case_entries_case ON case_entries (case_id, at);

-- A phone or name in a report matched to a traveller record: a candidate until a case worker
-- confirms (with the role) or rejects it. Confirmed links show on the counter check.
CREATE TABLE report_links (
    submission_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    role TEXT,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    key_id INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (submission_id, person_id)
);
CREATE INDEX report_links_state ON report_links (state);
