-- Data-subject requests (UU 27/2022 Art. 5-14: access, rectification, objection), each decided by
-- the data-protection officer, who may restrict it under the exemptions of Art. 15. What the
-- person asked and what was changed is sealed under the person's data-subject request key.
CREATE TABLE subject_requests (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    received_by TEXT NOT NULL,
    status TEXT NOT NULL,
    exemptions TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    key_id INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
CREATE INDEX subject_requests_person ON subject_requests (person_id);
