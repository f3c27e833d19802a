-- A second factor for staff (TOTP, RFC 6238): the shared secret sealed under the account's own
-- data key, and the last time step accepted, so a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_key_id BIGINT;
ALTER TABLE users ADD COLUMN totp_sealed BYTEA;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Numbered references (case KS-YYYY-NNNN) taken atomically, so two writers never get the same.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
