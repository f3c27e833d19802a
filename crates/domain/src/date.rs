use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};

/// A date that may be known only to the year or the month, as often happens with dates of birth in
/// watchlists and old civil records. Written `1974`, `1974-08` or `1974-08-12`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; the full form must be a real calendar date.
    pub fn parse(field: &'static str, text: &str) -> Result<PartialDate> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('-').collect();
        let number = |part: &str, width: usize, what: &str| -> Result<u32> {
            if part.len() != width || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    field,
                    format!("{what} must have {width} digits in {text:?}; expected YYYY, YYYY-MM or YYYY-MM-DD"),
                ));
            }
            part.parse::<u32>().map_err(|_| invalid(field, format!("bad {what} in {text:?}")))
        };
        let date = match parts.as_slice() {
            [y] => PartialDate { year: number(y, 4, "year")? as i32, month: None, day: None },
            [y, m] => {
                PartialDate { year: number(y, 4, "year")? as i32, month: Some(number(m, 2, "month")?), day: None }
            }
            [y, m, d] => PartialDate {
                year: number(y, 4, "year")? as i32,
                month: Some(number(m, 2, "month")?),
                day: Some(number(d, 2, "day")?),
            },
            _ => return Err(invalid(field, format!("{text:?} is not a date; expected YYYY, YYYY-MM or YYYY-MM-DD"))),
        };
        date.check(field, text)
    }

    /// A full date.
    pub fn from_date(date: NaiveDate) -> PartialDate {
        PartialDate { year: date.year(), month: Some(date.month()), day: Some(date.day()) }
    }

    /// A year alone.
    pub fn from_year(year: i32) -> PartialDate {
        PartialDate { year, month: None, day: None }
    }

    fn check(self, field: &'static str, text: &str) -> Result<PartialDate> {
        if !(1800..=2200).contains(&self.year) {
            return Err(invalid(field, format!("year {} in {text:?} is out of range", self.year)));
        }
        if let Some(month) = self.month
            && !(1..=12).contains(&month)
        {
            return Err(invalid(field, format!("month {month} in {text:?} does not exist")));
        }
        if let (Some(month), Some(day)) = (self.month, self.day)
            && NaiveDate::from_ymd_opt(self.year, month, day).is_none()
        {
            return Err(invalid(field, format!("{text:?} is not a calendar date")));
        }
        Ok(self)
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, when known.
    pub fn month(&self) -> Option<u32> {
        self.month
    }

    /// The day, when known.
    pub fn day(&self) -> Option<u32> {
        self.day
    }

    /// The full date, when day and month are known.
    pub fn to_date(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month?, self.day?)
    }

    /// The earliest calendar date this partial date may stand for.
    pub fn earliest(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1)).unwrap_or(NaiveDate::MIN)
    }

    /// Whether a full date falls inside this partial date.
    pub fn contains(&self, date: NaiveDate) -> bool {
        date.year() == self.year
            && self.month.is_none_or(|m| m == date.month())
            && self.day.is_none_or(|d| d == date.day())
    }

    /// Age in whole years on `on`, counting from the earliest date this may be.
    pub fn age_on(&self, on: NaiveDate) -> Option<u32> {
        on.years_since(self.earliest())
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

// Dates of birth are personal data: Debug shows only the year.
impl fmt::Debug for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartialDate({}-…)", self.year)
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month, self.day).cmp(&(other.year, other.month, other.day))
    }
}

/// Parses a full ISO date (`YYYY-MM-DD`), naming the field when it fails.
pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| invalid(field, format!("{text:?} is not a calendar date in the form YYYY-MM-DD")))
}

/// Parses an RFC 3339 timestamp (`2026-01-05T08:30:00Z` or with an offset), or a bare ISO date-time
/// taken as UTC (`2026-01-05 08:30:00`, `2026-01-05T08:30`), naming the field when it fails.
pub fn parse_timestamp(field: &'static str, text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(naive.and_utc());
        }
    }
    Err(invalid(field, format!("{text:?} is not a timestamp such as 2026-01-05T08:30:00Z")))
}

/// Formats a timestamp the way every Waspada file and table writes it: RFC 3339, UTC, seconds.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(PartialDate::parse("d", "1974").unwrap().to_string(), "1974");
        assert_eq!(PartialDate::parse("d", "1974-08").unwrap().to_string(), "1974-08");
        assert_eq!(PartialDate::parse("d", " 1974-08-12 ").unwrap().to_string(), "1974-08-12");
    }

    #[test]
    fn rejects_impossible_dates() {
        let err = PartialDate::parse("date_of_birth", "2024-02-30").unwrap_err();
        assert_eq!(err.to_string(), "date_of_birth: \"2024-02-30\" is not a calendar date");
        assert!(PartialDate::parse("d", "2024-13").is_err());
        assert!(PartialDate::parse("d", "74").is_err());
        assert!(PartialDate::parse("d", "1974-8-1").is_err());
        assert!(PartialDate::parse("d", "").is_err());
        assert!(PartialDate::parse("d", "2024-02-29").is_ok());
    }

    #[test]
    fn contains_and_age() {
        let year_only = PartialDate::from_year(1990);
        assert!(year_only.contains(NaiveDate::from_ymd_opt(1990, 5, 6).unwrap()));
        assert!(!year_only.contains(NaiveDate::from_ymd_opt(1991, 5, 6).unwrap()));
        let full = PartialDate::parse("d", "2010-06-15").unwrap();
        assert_eq!(full.age_on(NaiveDate::from_ymd_opt(2026, 6, 14).unwrap()), Some(15));
        assert_eq!(full.age_on(NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()), Some(16));
    }

    #[test]
    fn timestamps() {
        let at = parse_timestamp("t", "2026-01-05T15:30:00+07:00").unwrap();
        assert_eq!(format_timestamp(at), "2026-01-05T08:30:00Z");
        assert_eq!(format_timestamp(parse_timestamp("t", "2026-01-05 08:30").unwrap()), "2026-01-05T08:30:00Z");
        assert!(parse_timestamp("t", "2026-02-30T00:00:00Z").is_err());
        assert!(parse_timestamp("t", "yesterday").is_err());
    }

    #[test]
    fn debug_hides_day_and_month() {
        let date = PartialDate::parse("d", "1974-08-12").unwrap();
        assert_eq!(format!("{date:?}"), "PartialDate(1974-…)");
    }
}
