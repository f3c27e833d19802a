use thiserror::Error;

/// A store failure. Messages never contain personal data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// Configuration is wrong (bad URL, unreadable or mismatched master key).
    #[error("configuration: {0}")]
    Config(String),
    /// The database failed or is unreachable.
    #[error("database: {0}")]
    Backend(String),
    /// Encryption or authentication of sealed data failed.
    #[error("sealed data: {0}")]
    Crypto(String),
    /// A stored value does not decode (schema drift or corruption).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A unique value already exists (e.g. a user name).
    #[error("{what} already exists")]
    Duplicate {
        /// What was duplicated.
        what: &'static str,
    },
    /// An idempotency key came back with a different body than the first time.
    #[error("this idempotency key was used for a different request")]
    IdempotencyConflict,
    /// A rule of the work refused the change (say, a closed case, or a person who would be both
    /// possible victim and suspect in one case). The message is safe to show.
    #[error("refused: {0}")]
    Refused(String),
    /// The referenced record does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was missing.
        what: &'static str,
    },
}

/// Result with the store [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(code, _) = &e
            && code.code == rusqlite::ErrorCode::ConstraintViolation
        {
            return Error::Backend(format!("constraint violated: {e}"));
        }
        Error::Backend(e.to_string())
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error::Backend(e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Corrupt(e.to_string())
    }
}
