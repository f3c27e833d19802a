//! ICAO Doc 9303 machine-readable zones (MRZ): parse, validate and generate the
//! three travel-document layouts TD1 (3 lines × 30, ID cards), TD2 (2 × 36) and
//! TD3 (2 × 44, passports).
//!
//! The crate is pure and I/O-free: it never reads the clock (the caller passes
//! `today`), the file system or the network, and no input makes it panic.
//!
//! # Main entry points
//!
//! * [`check`] takes the text of one zone and returns a [`Report`]: the detected
//!   [`Format`], the decoded [`Fields`], a list of [`FieldError`]s (each naming the
//!   field it concerns) and a list of warnings. A zone is *valid*
//!   ([`Report::is_valid`]) when its structure is right and every check digit
//!   matches; facts that are well formed but implausible (an expired document, an
//!   expiry before the birth date, sex `X`, …) are warnings, never errors.
//! * [`generate`] builds the lines of a zone from an [`MrzInput`], computing every
//!   check digit; names are transliterated with [`transliterate_name`] and
//!   truncated to fit as Doc 9303 Part 3 prescribes (secondary identifier first).
//! * [`check_digit`] is the Doc 9303 Part 3 check digit (weights 7, 3, 1).
//!
//! # Why this shape, and why hand-written
//!
//! Immigration officers need to know *which* field of a zone is wrong, and with
//! what digit, so errors are per field with a stable field name rather than one
//! boolean. The split between errors and warnings is a policy of this project
//! (the officer must see an expired passport, but an expired passport is still a
//! correctly read passport), as is the century rule for dates of birth relative to
//! a caller-supplied `today`.
//!
//! There is a crates.io crate named `mrz`. Its documentation (read for versions
//! 0.2 to 0.9) shows that recent versions *do* report per-field check-digit
//! results and can emit zones, so "it cannot do that" is not the reason for this
//! crate. The reasons are narrower:
//!
//! * the validity policy must be ours and exact: which conditions are errors and
//!   which are warnings, which document and sex codes are accepted, how the TD1
//!   long document number is read, error messages that name the expected and the
//!   found digit, and the century of a birth year taken from the caller's `today`
//!   (that crate's 0.2/0.3 releases used a compile-time pivot year instead);
//! * it is a young 0.x crate (its 0.9 release notes announce a breaking change),
//!   and the meaning of "valid" at a border desk should not move with upgrades of
//!   a dependency;
//! * the job is small (about 1,400 lines with documentation, half of them in
//!   `check`) and is pinned down here by unit tests, property tests and a
//!   cross-check against an independent implementation (`scripts/mrz_oracle.py`).
//!
//! # Layouts (positions are 1-based, as in Doc 9303)
//!
//! | format | line | positions |
//! |---|---|---|
//! | TD1 | 1 | 1–2 code, 3–5 issuing state, 6–14 document number, 15 check, 16–30 optional |
//! | TD1 | 2 | 1–6 birth, 7 check, 8 sex, 9–14 expiry, 15 check, 16–18 nationality, 19–29 optional, 30 composite |
//! | TD1 | 3 | 1–30 name |
//! | TD2 | 1 | 1–2 code, 3–5 issuing state, 6–36 name |
//! | TD2 | 2 | 1–9 number, 10 check, 11–13 nationality, 14–19 birth, 20 check, 21 sex, 22–27 expiry, 28 check, 29–35 optional, 36 composite |
//! | TD3 | 1 | 1–2 code, 3–5 issuing state, 6–44 name |
//! | TD3 | 2 | as TD2 but 29–42 personal number, 43 its check, 44 composite |
//!
//! Document codes starting with `V` are machine-readable visas (MRV-A has the TD3
//! size, MRV-B the TD2 size). They carry no composite and no personal-number
//! check digit; this crate checks their document number, birth and expiry check
//! digits and their structure, and says in a warning that visa-specific rules are
//! not otherwise validated.

#![deny(missing_docs)]

mod check;
mod generate;
mod translit;

use std::fmt;

pub use check::check;
pub use generate::{GenerateError, MrzInput, generate};
pub use translit::transliterate_name;

/// The size class of a machine-readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// 3 lines of 30 characters (ID cards).
    Td1,
    /// 2 lines of 36 characters.
    Td2,
    /// 2 lines of 44 characters (passport books).
    Td3,
}

impl Format {
    /// `"TD1"`, `"TD2"` or `"TD3"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Td1 => "TD1",
            Format::Td2 => "TD2",
            Format::Td3 => "TD3",
        }
    }

    /// Number of lines of the zone.
    pub fn line_count(self) -> usize {
        match self {
            Format::Td1 => 3,
            Format::Td2 | Format::Td3 => 2,
        }
    }

    /// Number of characters on each line.
    pub fn line_len(self) -> usize {
        match self {
            Format::Td1 => 30,
            Format::Td2 => 36,
            Format::Td3 => 44,
        }
    }

    /// Number of characters available for the name (primary and secondary
    /// identifiers together).
    pub fn name_len(self) -> usize {
        match self {
            Format::Td1 => 30,
            Format::Td2 => 31,
            Format::Td3 => 39,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sex of the holder as written in the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<` (or `X`, which [`check`] accepts with a warning).
    Unspecified,
}

impl Sex {
    /// The character written in the zone: `M`, `F` or `<`.
    pub fn as_char(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => '<',
        }
    }
}

/// A `YYMMDD` date field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzDate {
    /// The six characters as written in the zone.
    pub raw: String,
    /// The calendar date, with the century inferred; `None` when `raw` is not a
    /// real calendar date (or, for a date of birth, has unknown parts written as
    /// fillers).
    pub date: Option<chrono::NaiveDate>,
}

/// The decoded content of a zone. Fillers are trimmed from every field; in names
/// the filler between words becomes a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// Document code, e.g. `"P"`, `"PA"`, `"I"`, `"ID"`.
    pub document_code: String,
    /// Issuing state or organisation, e.g. `"UTO"`, `"D"`.
    pub issuing_state: String,
    /// Document number (for a TD1 long document number, the whole number).
    pub document_number: String,
    /// Primary identifier, e.g. `"ERIKSSON"`.
    pub surname: String,
    /// Secondary identifier, e.g. `"ANNA MARIA"`; empty if absent.
    pub given_names: String,
    /// Nationality of the holder.
    pub nationality: String,
    /// Date of birth (century: never in the future relative to `today`).
    pub date_of_birth: MrzDate,
    /// Sex of the holder.
    pub sex: Sex,
    /// Date of expiry (century: always 20YY).
    pub expiry_date: MrzDate,
    /// TD3 personal number, TD1 line-1 optional data, TD2 (or visa) optional data.
    pub optional_data: String,
    /// TD1 line-2 optional data; empty for the other formats.
    pub optional_data_2: String,
}

/// One error found in a zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// Which field: `"format"`, `"characters"`, `"document_code"`,
    /// `"issuing_state"`, `"document_number"`, `"name"`, `"nationality"`,
    /// `"date_of_birth"`, `"sex"`, `"expiry_date"`, `"optional_data"` or
    /// `"composite"`.
    pub field: &'static str,
    /// Human-readable description, e.g. `check digit for document_number is 9, expected 6`.
    pub message: String,
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The detected format; `None` when the line count and lengths match none.
    pub format: Option<Format>,
    /// The decoded fields; `None` only when the format could not be detected.
    pub fields: Option<Fields>,
    /// Everything that makes the zone invalid.
    pub errors: Vec<FieldError>,
    /// Things a reader should know that do not make the zone invalid.
    pub warnings: Vec<String>,
}

impl Report {
    /// `true` when a format was detected, the structure is right and every check
    /// digit matches.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty() && self.format.is_some()
    }
}

/// Numeric value of an MRZ character: `0`–`9` are 0–9, `A`–`Z` are 10–35 and the
/// filler `<` is 0. `None` for any other character.
pub(crate) fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// `true` for the characters allowed in a zone: `A`–`Z`, `0`–`9` and `<`.
pub(crate) fn is_mrz_char(c: char) -> bool {
    char_value(c).is_some()
}

/// The Doc 9303 check digit of `field`: each character's value (`0`–`9` → 0–9,
/// `A`–`Z` → 10–35, `<` → 0) is multiplied by the weights 7, 3, 1, 7, 3, 1, …
/// from the left, and the sum is taken modulo 10.
///
/// Returns `None` if `field` contains a character outside `[A-Z0-9<]`
/// (lowercase letters included).
///
/// ```
/// assert_eq!(waspada_mrz::check_digit("L898902C3"), Some(6));
/// assert_eq!(waspada_mrz::check_digit("740812"), Some(2));
/// assert_eq!(waspada_mrz::check_digit("l898902c3"), None);
/// ```
pub fn check_digit(field: &str) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, c) in field.chars().enumerate() {
        sum = (sum + char_value(c)? * WEIGHTS[i % 3]) % 10;
    }
    // `sum` is always below 10 here.
    u8::try_from(sum).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_of_specimen_fields() {
        // Doc 9303 Part 3 worked example and the TD3 specimen fields.
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        assert_eq!(check_digit("ZE184226B<<<<<"), Some(1));
        assert_eq!(check_digit("D23145890"), Some(7));
        assert_eq!(check_digit("520727"), Some(3));
    }

    #[test]
    fn check_digit_values_and_weights() {
        assert_eq!(check_digit(""), Some(0));
        assert_eq!(check_digit("<"), Some(0));
        assert_eq!(check_digit("1"), Some(7));
        assert_eq!(check_digit("01"), Some(3));
        assert_eq!(check_digit("001"), Some(1));
        // A = 10, Z = 35: 35 * 7 = 245.
        assert_eq!(check_digit("Z"), Some(5));
        assert_eq!(check_digit("A"), Some(0));
        assert_eq!(check_digit("0123456789"), Some(7));
        assert_eq!(check_digit("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), Some(7));
    }

    #[test]
    fn check_digit_rejects_foreign_characters() {
        assert_eq!(check_digit("AB C"), None);
        assert_eq!(check_digit("abc"), None);
        assert_eq!(check_digit("É"), None);
        assert_eq!(check_digit("12-3"), None);
    }

    #[test]
    fn format_names_and_sizes() {
        assert_eq!(Format::Td1.to_string(), "TD1");
        assert_eq!(Format::Td2.as_str(), "TD2");
        assert_eq!(format!("{}", Format::Td3), "TD3");
        assert_eq!((Format::Td1.line_count(), Format::Td1.line_len()), (3, 30));
        assert_eq!((Format::Td2.line_count(), Format::Td2.line_len()), (2, 36));
        assert_eq!((Format::Td3.line_count(), Format::Td3.line_len()), (2, 44));
    }

    #[test]
    fn report_validity_needs_a_format() {
        let r = Report { format: None, fields: None, errors: vec![], warnings: vec![] };
        assert!(!r.is_valid());
    }
}
