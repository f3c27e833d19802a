//! Staff accounts and bearer tokens. Passwords arrive already hashed (Argon2id, by the server);
//! tokens are stored as SHA-256 hashes, so a database reader cannot replay them.

use chrono::{DateTime, Utc};

use crate::backend::Value;
use crate::error::{Error, Result};
use crate::{AuditContext, Store, audit, seal, stamp};

/// A staff account.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Internal id.
    pub id: i64,
    /// Sign-in name.
    pub username: String,
    /// Role name (see the server's role table).
    pub role: String,
    /// Name shown in the interface.
    pub display_name: String,
    /// PHC-format password hash.
    pub password_hash: String,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Whether the account has a second factor (TOTP) enrolled.
    pub totp_enrolled: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

fn user_from_row(row: Vec<Value>) -> Result<User> {
    let mut row = row.into_iter();
    let id = row.next().and_then(|v| v.as_int()).ok_or_else(|| Error::Corrupt("users.id".into()))?;
    let mut text = || row.next().and_then(Value::into_text).ok_or_else(|| Error::Corrupt("users text".into()));
    let username = text()?;
    let role = text()?;
    let display_name = text()?;
    let password_hash = text()?;
    let disabled = row.next().is_some_and(|v| v != Value::Null);
    let totp_enrolled = row.next().and_then(|v| v.as_int()).unwrap_or(0) != 0;
    Ok(User { id, username, role, display_name, password_hash, disabled, totp_enrolled })
}

const USER_COLUMNS: &str = "id, username, role, display_name, password_hash, disabled_at, \
    CASE WHEN totp_sealed IS NULL THEN 0 ELSE 1 END";

impl Store {
    /// Creates an account. Fails with [`Error::Duplicate`] if the name is taken.
    pub fn create_user(
        &self,
        username: &str,
        display_name: &str,
        role: &str,
        password_hash: &str,
        context: &AuditContext,
    ) -> Result<i64> {
        self.backend.write(|sql| {
            let taken = sql.rows("SELECT id FROM users WHERE username = $1", &[Value::from(username)])?;
            if !taken.is_empty() {
                return Err(Error::Duplicate { what: "user name" });
            }
            let rows = sql.rows(
                "INSERT INTO users (username, password_hash, role, display_name, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[Value::from(username), Value::from(password_hash), Value::from(role), Value::from(display_name), Value::Text(crate::now_text())],
            )?;
            let id = rows.first().and_then(|r| r.first()).and_then(Value::as_int).ok_or_else(|| Error::Corrupt("insert returned no id".into()))?;
            audit::record(&self.keys, sql, context, "user.create", &format!("user:{id}"), &format!("role={role}"), Utc::now())?;
            Ok(id)
        })
    }

    /// Sets a new password hash for an account.
    pub fn set_password(&self, username: &str, password_hash: &str, context: &AuditContext) -> Result<()> {
        self.backend.write(|sql| {
            let changed = sql.exec(
                "UPDATE users SET password_hash = $1 WHERE username = $2",
                &[Value::from(password_hash), Value::from(username)],
            )?;
            if changed == 0 {
                return Err(Error::NotFound { what: "user" });
            }
            audit::record(&self.keys, sql, context, "user.set_password", &format!("user:{username}"), "", Utc::now())
                .map(|_| ())
        })
    }

    /// Looks an account up by sign-in name.
    pub fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        self.backend.read(|sql| {
            let rows =
                sql.rows(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"), &[Value::from(username)])?;
            rows.into_iter().next().map(user_from_row).transpose()
        })
    }

    /// Stores a token hash for an account.
    pub fn create_token(&self, user_id: i64, token_hash: &[u8], expires_at: DateTime<Utc>) -> Result<()> {
        self.backend.write(|sql| {
            sql.exec(
                "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[
                    Value::Blob(token_hash.to_vec()),
                    Value::Int(user_id),
                    Value::Text(crate::now_text()),
                    Value::Text(stamp(expires_at)),
                ],
            )
            .map(|_| ())
        })
    }

    /// The account behind a live (unexpired, unrevoked) token of an enabled account.
    pub fn user_by_token(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<User>> {
        self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT u.id, u.username, u.role, u.display_name, u.password_hash, u.disabled_at,
                    CASE WHEN u.totp_sealed IS NULL THEN 0 ELSE 1 END
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled_at IS NULL",
                &[Value::Blob(token_hash.to_vec()), Value::Text(stamp(now))],
            )?;
            rows.into_iter().next().map(user_from_row).transpose()
        })
    }

    /// Revokes a token; returns whether it existed.
    pub fn revoke_token(&self, token_hash: &[u8]) -> Result<bool> {
        self.backend.write(|sql| {
            Ok(sql.exec(
                "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
                &[Value::Text(crate::now_text()), Value::Blob(token_hash.to_vec())],
            )? > 0)
        })
    }

    /// Revokes every live token of an account (a lost laptop, a partner whose agreement ended);
    /// returns how many. Audited as `auth.revoke_all`. Servers drop their cached copy of a
    /// token within 30 s.
    pub fn revoke_user_tokens(&self, username: &str, context: &AuditContext) -> Result<u64> {
        self.backend.write(|sql| {
            let rows = sql.rows("SELECT id FROM users WHERE username = $1", &[Value::from(username)])?;
            let id =
                rows.first().and_then(|r| r.first()).and_then(Value::as_int).ok_or(Error::NotFound { what: "user" })?;
            let revoked = sql.exec(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                &[Value::Text(crate::now_text()), Value::Int(id)],
            )?;
            audit::record(
                &self.keys,
                sql,
                context,
                "auth.revoke_all",
                &format!("user:{id}"),
                &format!("tokens={revoked}"),
                Utc::now(),
            )?;
            Ok(revoked)
        })
    }

    /// Enrols (or replaces) an account's second factor: the TOTP secret is sealed under the
    /// account's own data key, no earlier code can be used again, and the recovery codes replace
    /// any earlier ones (only keyed blind indexes of them are kept; give them normalised, see
    /// [`Store::use_recovery_code`]). Audited as `user.totp_enrol`.
    pub fn set_totp_secret(
        &self,
        username: &str,
        secret: &[u8],
        recovery_codes: &[String],
        context: &AuditContext,
    ) -> Result<()> {
        self.backend.write(|sql| {
            let rows = sql.rows("SELECT id FROM users WHERE username = $1", &[Value::from(username)])?;
            let id =
                rows.first().and_then(|r| r.first()).and_then(Value::as_int).ok_or(Error::NotFound { what: "user" })?;
            let subject = format!("user:{id}").into_bytes();
            let keys = self.subject_keys(sql, &[subject.as_slice()])?;
            let (key_id, key) =
                keys.get(&subject).cloned().ok_or_else(|| Error::Corrupt("no data key for an account".into()))?;
            let sealed = seal::seal(&key, "users_totp", key_id, secret)?;
            sql.exec(
                "UPDATE users SET totp_key_id = $1, totp_sealed = $2, totp_last_step = NULL WHERE id = $3",
                &[Value::Int(key_id), Value::Blob(sealed), Value::Int(id)],
            )?;
            sql.exec("DELETE FROM recovery_codes WHERE user_id = $1", &[Value::Int(id)])?;
            for code in recovery_codes {
                sql.exec(
                    "INSERT INTO recovery_codes (user_id, code_bidx) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[Value::Int(id), Value::Blob(self.keys.blind_index("recovery-code", code))],
                )?;
            }
            let detail = format!("recovery_codes={}", recovery_codes.len());
            audit::record(&self.keys, sql, context, "user.totp_enrol", &format!("user:{id}"), &detail, Utc::now())
                .map(|_| ())
        })
    }

    /// An account's TOTP secret and the last time step accepted, if it has one.
    pub fn totp_secret(&self, user_id: i64) -> Result<Option<(Vec<u8>, Option<i64>)>> {
        self.backend.read(|sql| {
            let rows = sql.rows(
                "SELECT totp_key_id, totp_sealed, totp_last_step FROM users WHERE id = $1 AND totp_sealed IS NOT NULL",
                &[Value::Int(user_id)],
            )?;
            let Some(row) = rows.into_iter().next() else { return Ok(None) };
            let mut row = row.into_iter();
            let (Some(Value::Int(key_id)), Some(Value::Blob(sealed))) = (row.next(), row.next()) else {
                return Err(Error::Corrupt("users totp".into()));
            };
            let last = row.next().and_then(|v| v.as_int());
            let keys = self.keys_by_id(sql, &[key_id])?;
            let key = keys.get(&key_id).ok_or(Error::NotFound { what: "data key" })?;
            Ok(Some((seal::open(key, "users_totp", key_id, &sealed)?.to_vec(), last)))
        })
    }

    /// Uses a recovery code (normalised by the caller): `Some(codes left)` when it was one of the
    /// account's unused codes — it is deleted in the same statement, so it works once even in two
    /// requests at once — `None` otherwise.
    pub fn use_recovery_code(&self, user_id: i64, code: &str) -> Result<Option<i64>> {
        let bidx = self.keys.blind_index("recovery-code", code);
        self.backend.write(|sql| {
            let used = sql.exec(
                "DELETE FROM recovery_codes WHERE user_id = $1 AND code_bidx = $2",
                &[Value::Int(user_id), Value::Blob(bidx.clone())],
            )?;
            if used != 1 {
                return Ok(None);
            }
            let left = sql.rows("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1", &[Value::Int(user_id)])?;
            Ok(Some(left.first().and_then(|r| r.first()).and_then(Value::as_int).unwrap_or(0)))
        })
    }

    /// Marks a TOTP time step as used; `false` when it (or a later one) was used already, so the
    /// same code never signs in twice, even in two requests at once.
    pub fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        self.backend.write(|sql| {
            Ok(sql.exec(
                "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
                &[Value::Int(step), Value::Int(user_id)],
            )? == 1)
        })
    }
}
