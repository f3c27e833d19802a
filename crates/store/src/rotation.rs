//! Master-key rotation and backups: the operations that move keys, not records.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::backend::Value;
use crate::error::{Error, Result};
use crate::seal::{self, MasterKeySource};
use crate::{AuditContext, Store};

/// What a master-key rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationReport {
    /// Wrapped data keys in the store.
    pub data_keys: u64,
    /// Wrapped keys re-wrapped by this run: data keys plus the index key and the audit-signing
    /// seed (keys already under the new key, in a resumed run, are not counted).
    pub rewrapped: u64,
    /// Wall time, milliseconds.
    pub millis: u64,
}

/// Data keys re-wrapped per transaction.
const BATCH: i64 = 2_000;

impl Store {
    /// Replaces the master key: every wrapped key (data keys, the index key, the audit-signing
    /// seed) is re-wrapped under a new random key, then the key file is replaced. The store stays
    /// in use meanwhile: other processes wrap new keys with the pending key and unwrap with
    /// whichever key fits (see `seal::MasterKey`). A run that stops half-way is resumed by running
    /// it again (the pending key is kept in `<key file>.new`).
    ///
    /// Records are not re-encrypted: they are sealed under data keys, which do not change.
    pub fn rotate_master_key(&self, context: &AuditContext) -> Result<RotationReport> {
        let started = Instant::now();
        let path = match &self.master_source {
            MasterKeySource::File(path) => path,
            MasterKeySource::Env(name) => {
                return Err(Error::Config(format!(
                    "the master key comes from {name}: rotation writes the new key beside the old one, so run it with --master-key-file pointing to a file holding the current key, then give the new key in {name}"
                )));
            }
            MasterKeySource::Provider(provider) => {
                return Err(Error::Config(format!(
                    "the master key comes from a provider ({}): rotate it there, after re-wrapping with --master-key-file pointing to a file holding the current key",
                    provider.describe()
                )));
            }
        };
        let pending_path = seal::pending_path(path);
        let old = self.keys.current_master()?;
        let new = if pending_path.exists() {
            seal::read_key_file(&pending_path)?
        } else {
            let key = seal::create_key_file(&pending_path)?;
            // Other processes look for the pending key at most once a second; after this pause
            // every key they make is wrapped under the new key.
            std::thread::sleep(Duration::from_millis(1_500));
            key
        };
        self.record_audit(context, "master_key.rotate_start", "store", "")?;
        let (mut data_keys, mut rewrapped) = (0, 0);
        // A second pass finds keys that another process wrapped under the old key while the first
        // pass ran (before it saw the pending key); a clean pass ends the loop.
        for _pass in 0..5 {
            let (seen, changed) = self.rewrap_all(&old, &new)?;
            data_keys = seen;
            rewrapped += changed;
            if changed == 0 {
                break;
            }
        }
        self.keys.rewrite_retention_file(&new)?;
        replace_key_file(&pending_path, path)?;
        self.keys.set_master(new);
        self.record_audit(
            context,
            "master_key.rotate",
            "store",
            &format!("data_keys={data_keys} rewrapped={rewrapped}"),
        )?;
        Ok(RotationReport { data_keys, rewrapped, millis: started.elapsed().as_millis() as u64 })
    }

    /// One pass over every wrapped key: (keys seen, keys re-wrapped).
    fn rewrap_all(&self, old: &seal::SecretKey, new: &seal::SecretKey) -> Result<(u64, u64)> {
        let mut after = i64::MIN;
        let (mut seen, mut changed) = (0u64, 0u64);
        loop {
            let (count, last, rewrapped) = self.backend.write(|sql| {
                let rows = sql.rows(
                    // Keys under a retention epoch are not under the master key; the epoch
                    // keys themselves are re-wrapped in their file below.
                    "SELECT id, wrapped FROM data_keys WHERE id > $1 AND epoch IS NULL ORDER BY id LIMIT $2",
                    &[Value::Int(after), Value::Int(BATCH)],
                )?;
                let mut last = after;
                let mut rewrapped = 0u64;
                for row in &rows {
                    let (Some(Value::Int(id)), Some(Value::Blob(wrapped))) = (row.first(), row.get(1)) else {
                        return Err(Error::Corrupt("data_keys row".into()));
                    };
                    last = *id;
                    let aad = seal::data_key_aad(*id);
                    let fresh = seal::rewrap(old, new, &aad, wrapped).map_err(|_| {
                        Error::Crypto(format!("data key {id} opens with neither the old nor the new master key"))
                    })?;
                    if let Some(fresh) = fresh {
                        sql.exec(
                            "UPDATE data_keys SET wrapped = $1 WHERE id = $2",
                            &[Value::Blob(fresh), Value::Int(*id)],
                        )?;
                        rewrapped += 1;
                    }
                }
                Ok((rows.len() as i64, last, rewrapped))
            })?;
            seen += count as u64;
            changed += rewrapped;
            after = last;
            if count < BATCH {
                break;
            }
        }
        changed += self.backend.write(|sql| {
            let mut rewrapped = 0;
            for (name, aad) in [("index_key", seal::INDEX_KEY_AAD), ("audit_signing_key", seal::AUDIT_KEY_AAD)] {
                let Some(wrapped) = crate::read_meta(sql, name)? else { continue };
                let fresh = seal::rewrap(old, new, aad, &wrapped)
                    .map_err(|_| Error::Crypto(format!("{name} opens with neither the old nor the new master key")))?;
                if let Some(fresh) = fresh {
                    sql.exec("UPDATE meta SET value = $1 WHERE key = $2", &[Value::Blob(fresh), Value::from(name)])?;
                    rewrapped += 1;
                }
            }
            Ok(rewrapped)
        })?;
        Ok((seen, changed))
    }

    /// Writes a consistent copy of the database (SQLite) to `out`, which must not exist yet, and
    /// audits it. The copy holds sealed records and wrapped keys, never the master key: it can be
    /// read only together with the master key of the time it was made.
    pub fn backup(&self, out: &Path, context: &AuditContext) -> Result<()> {
        if out.exists() {
            return Err(Error::Config(format!("{} exists already: choose a new file", out.display())));
        }
        // The audit head is signed first, so the copy carries a checkpoint of its own tip.
        self.audit_checkpoint()?;
        self.backend.backup_to(out)?;
        self.record_audit(context, "store.backup", "store", "").map(|_| ())
    }
}

/// Moves the pending key file over the key file in one step, and makes the rename durable.
fn replace_key_file(pending: &Path, path: &Path) -> Result<()> {
    std::fs::rename(pending, path)
        .map_err(|e| Error::Config(format!("cannot move {} to {}: {e}", pending.display(), path.display())))?;
    if let Some(dir) = path.parent()
        && let Ok(handle) = std::fs::File::open(dir)
    {
        let _ = handle.sync_all();
    }
    Ok(())
}
