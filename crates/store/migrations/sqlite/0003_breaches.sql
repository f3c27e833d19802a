-- The breach log (UU 27/2022 Art. 46: notify the authority and the persons concerned within
-- 3 × 24 hours). The description and measures are free text that may name people: sealed.
CREATE TABLE breaches (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    detected_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    notify_by TEXT NOT NULL,
    category TEXT NOT NULL,
    affected_subjects TEXT NOT NULL,
    affected_count INTEGER NOT NULL,
    authority_notified_at TEXT,
    subjects_notified_at TEXT,
    key_id INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
