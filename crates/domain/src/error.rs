use thiserror::Error;

/// A record or value that breaks a domain rule. Messages are written for the clerk who typed the
/// data: they name the field and say what was expected. They never echo personal data in full.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A required field is empty.
    #[error("{field} is required")]
    Missing {
        /// The field's name as in the file formats.
        field: &'static str,
    },
    /// A field does not have the expected shape.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field's name as in the file formats.
        field: &'static str,
        /// What is wrong, for a person.
        reason: String,
    },
    /// The NIK is malformed.
    #[error("nik: {0}")]
    Nik(#[from] waspada_nik::NikError),
    /// The NIK is well-formed but disagrees with the stated date of birth or sex.
    #[error("nik does not match the record: {0}")]
    NikMismatch(String),
}

/// Result with the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
    Error::Invalid { field, reason: reason.into() }
}
