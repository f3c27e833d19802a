-- Data keys of records that retention may shred (citizens' submissions, cases) are wrapped under
-- the retention key of an epoch, kept outside the database (`retention.keys`), instead of the
-- master key; `epoch` says which. NULL: wrapped under the master key.
ALTER TABLE data_keys ADD COLUMN epoch BIGINT;
CREATE INDEX data_keys_epoch ON data_keys (epoch) WHERE epoch IS NOT NULL;
