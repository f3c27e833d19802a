-- Signed checkpoints of the audit chain; see the SQLite migration of the same name.
CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    hash BYTEA NOT NULL,
    signature BYTEA NOT NULL
);
