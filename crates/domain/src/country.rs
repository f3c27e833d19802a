use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};

/// A three-letter ICAO 9303 / ISO 3166-1 alpha-3 state code such as `IDN` or `MYS`. ICAO's
/// special codes (`D` for Germany written `D<<`, `XXA` stateless, `UNO` …) are accepted as written.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CountryCode(String);

impl CountryCode {
    /// Indonesia.
    pub fn indonesia() -> CountryCode {
        CountryCode("IDN".to_owned())
    }

    /// Parses a code, upper-casing it; `D` and `D<<` both give `D`.
    pub fn parse(field: &'static str, text: &str) -> Result<CountryCode> {
        let code = text.trim().trim_end_matches('<').to_ascii_uppercase();
        let shape_ok = (code.len() == 3 || code == "D") && code.bytes().all(|b| b.is_ascii_uppercase());
        if !shape_ok {
            return Err(invalid(field, format!("{text:?} is not a three-letter country code such as IDN or MYS")));
        }
        Ok(CountryCode(code))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.0)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_codes() {
        assert_eq!(CountryCode::parse("c", " mys ").unwrap().as_str(), "MYS");
        assert_eq!(CountryCode::parse("c", "D<<").unwrap().as_str(), "D");
        assert!(CountryCode::parse("c", "MY").is_err());
        assert!(CountryCode::parse("c", "M1S").is_err());
    }
}
