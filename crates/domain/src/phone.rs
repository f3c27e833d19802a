use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};

/// A phone number in E.164 form (`+6281234567890`). Indonesian numbers written nationally
/// (`0812-3456-7890`) or without the plus (`62812…`) are normalised. Personal data: `Debug` redacts.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses and normalises a phone number. Spaces, dashes, dots and parentheses are ignored.
    pub fn parse(field: &'static str, text: &str) -> Result<PhoneNumber> {
        let trimmed = text.trim();
        let has_plus = trimmed.starts_with('+');
        let mut digits = String::with_capacity(trimmed.len());
        for (index, ch) in trimmed.chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch),
                ' ' | '-' | '.' | '(' | ')' => {}
                '+' if index == 0 => {}
                _ => return Err(invalid(field, format!("unexpected character {ch:?} in a phone number"))),
            }
        }
        let international = if has_plus {
            digits
        } else if let Some(national) = digits.strip_prefix('0') {
            format!("62{national}")
        } else if digits.starts_with("62") {
            digits
        } else {
            return Err(invalid(field, "write the number as 08… or with its country code, e.g. +62 812…"));
        };
        if !(8..=15).contains(&international.len()) {
            return Err(invalid(
                field,
                format!("a phone number has 8 to 15 digits with the country code, found {}", international.len()),
            ));
        }
        if let Some(subscriber) = international.strip_prefix("62")
            && subscriber.starts_with('8')
            && !(9..=12).contains(&subscriber.len())
        {
            return Err(invalid(field, "an Indonesian mobile number has 10 to 13 digits starting 08"));
        }
        Ok(PhoneNumber(format!("+{international}")))
    }

    /// The E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_indonesian_forms() {
        for input in ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 3456.7890"] {
            assert_eq!(PhoneNumber::parse("phone", input).unwrap().as_str(), "+6281234567890", "{input}");
        }
        assert_eq!(PhoneNumber::parse("phone", "+60 12-345 6789").unwrap().as_str(), "+60123456789");
    }

    #[test]
    fn rejects_garbage() {
        assert!(PhoneNumber::parse("phone", "0812").is_err());
        assert!(PhoneNumber::parse("phone", "812345678").is_err());
        assert!(PhoneNumber::parse("phone", "0812abc").is_err());
        assert!(PhoneNumber::parse("phone", "08123456789012345").is_err());
    }
}
