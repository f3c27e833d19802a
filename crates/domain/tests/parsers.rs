//! Property tests for the domain's text parsers: no input panics, and what parses is normalised
//! so that parsing its own output gives the same value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use proptest::prelude::*;
use waspada_domain::{
    CountryCode, DocumentNumber, FullName, PartialDate, PhoneNumber, name_lookup_keys, name_query_keys, normalise_name,
    parse_timestamp,
};

proptest! {
    #[test]
    fn parsers_never_panic(text in "\\PC{0,40}") {
        let _ = PartialDate::parse("d", &text);
        let _ = PhoneNumber::parse("p", &text);
        let _ = CountryCode::parse("c", &text);
        let _ = DocumentNumber::parse("n", &text);
        let _ = FullName::parse("f", &text);
        let _ = parse_timestamp("t", &text);
        let _ = name_lookup_keys(&text);
    }

    #[test]
    fn partial_dates_round_trip(year in 1900i32..2100, month in 1u32..=12, day in 1u32..=31, depth in 0usize..3) {
        let text = match depth {
            0 => format!("{year:04}"),
            1 => format!("{year:04}-{month:02}"),
            _ => format!("{year:04}-{month:02}-{day:02}"),
        };
        match PartialDate::parse("d", &text) {
            Ok(date) => prop_assert_eq!(date.to_string(), text),
            Err(_) => prop_assert!(depth == 2 && NaiveDate::from_ymd_opt(year, month, day).is_none()),
        }
    }

    #[test]
    fn phones_are_idempotent(digits in "8[0-9]{8,11}") {
        let national = format!("0{digits}");
        let phone = PhoneNumber::parse("p", &national).unwrap();
        prop_assert_eq!(phone.as_str(), format!("+62{digits}"));
        prop_assert_eq!(PhoneNumber::parse("p", phone.as_str()).unwrap(), phone);
    }

    #[test]
    fn normalisation_is_idempotent(text in "\\PC{0,40}") {
        let once = normalise_name(&text);
        prop_assert_eq!(normalise_name(&once), once.clone());
        prop_assert!(once.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
    }

    #[test]
    fn name_keys_ignore_order_and_case(a in "[A-Za-z]{2,8}", b in "[A-Za-z]{2,8}") {
        let forward = name_lookup_keys(&format!("{a} {b}"));
        let backward = name_query_keys(&format!("{}, {}", b.to_uppercase(), a.to_lowercase()));
        prop_assert!(backward.iter().any(|k| forward.contains(k)));
        let same = name_query_keys(&format!("{a}  {b}"));
        prop_assert!(same.iter().any(|k| forward.contains(k)));
    }
}
