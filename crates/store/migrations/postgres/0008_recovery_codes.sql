-- One-time recovery codes for the second factor (a lost phone): only a keyed blind index of each
-- code is kept; a code is deleted when it is used.
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_bidx BYTEA NOT NULL,
    PRIMARY KEY (user_id, code_bidx)
);
