-- Signed checkpoints of the audit chain (Ed25519 over the head's sequence number and hash). They
-- are also appended to `audit-checkpoints.jsonl` in the data folder, outside the database, so that
-- someone with only the SQL password who cuts entries off the end of the log (and rewrites the
-- head) is caught by a checkpoint they cannot remove or forge.
CREATE TABLE audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    hash BLOB NOT NULL,
    signature BLOB NOT NULL
);
