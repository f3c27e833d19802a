//! NIK (Nomor Induk Kependudukan) validation and decoding, and the Kemendagri
//! region list it refers to.
//!
//! A NIK has 16 digits: `PPRRDD DDMMYY SSSS`.
//! - `PPRRDD`: the district (kecamatan) of registration — province `PP`,
//!   regency `PPRR` (Bengkulu Tengah is `1709`, its kecamatan `170901`–`170911`);
//! - `DDMMYY`: the birth date, with 40 added to the day for women;
//! - `SSSS`: a serial number, never `0000`.
//!
//! ```
//! use waspada_nik::{cross_check, Nik, NikSex, regions};
//!
//! let nik = Nik::parse("1709 0152 0874 0001")?;
//! let info = nik.decode();
//! assert_eq!(info.sex, NikSex::Female);
//! assert_eq!(regions::lookup(&info.district_code).map(|r| r.name), Some("Karang Tinggi"));
//! let mismatches = cross_check(&info, Some(1974), Some(8), Some(13), None);
//! assert_eq!(
//!     mismatches[0].to_string(),
//!     "NIK encodes birth day 12 but the stated date of birth has day 13"
//! );
//! # Ok::<(), waspada_nik::NikError>(())
//! ```
//!
//! The crate is pure: no I/O. The region data (`data/regions/*.csv`, from the
//! npm package `idn-area-data`, ODbL) is compiled in and parsed once on first
//! use; show [`regions::ATTRIBUTION`] wherever region names are displayed.
//!
//! A NIK is personal data: [`Nik`] and [`NikInfo`] redact themselves in `Debug`.

#![deny(missing_docs)]

mod check;
mod nik;
pub mod regions;

pub use check::{Mismatch, cross_check, cross_check_date};
pub use nik::{NIK_LEN, Nik, NikError, NikInfo, NikSex};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use regions::Level;

    /// A 6-digit district code the region check accepts: a shipped Bengkulu
    /// district, or any known regency elsewhere plus two arbitrary digits.
    fn district() -> impl Strategy<Value = String> {
        let districts = regions::all(Level::District);
        let regencies: Vec<_> =
            regions::all(Level::Regency).into_iter().filter(|r| r.parent != Some(regions::BENGKULU)).collect();
        prop_oneof![
            (0..districts.len()).prop_map(move |i| districts[i].code.to_owned()),
            (0..regencies.len(), 0u32..100).prop_map(move |(i, dd)| format!("{}{dd:02}", regencies[i].code)),
        ]
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = Nik::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_nik_like_input(s in "[0-9 .a]{0,24}") {
            if let Ok(nik) = Nik::parse(&s) {
                prop_assert_eq!(nik.as_str().len(), 16);
                let _ = nik.decode();
            }
        }

        #[test]
        fn valid_components_round_trip(
            d in district(),
            year in 1900i32..2100,
            month in 1u32..=12,
            day in 1u32..=31,
            female in any::<bool>(),
            serial in 1u16..=9999,
        ) {
            let Some(born) = NaiveDate::from_ymd_opt(year, month, day) else {
                return Ok(());
            };
            let sex = if female { NikSex::Female } else { NikSex::Male };
            let text = format!(
                "{}{:02}{:02}{:02}{:04}",
                d,
                day + if female { 40 } else { 0 },
                month,
                year % 100,
                serial
            );
            let nik = Nik::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Nik::compose(&d, born, sex, serial), Ok(nik.clone()));
            let info = nik.decode();
            prop_assert_eq!(info.province_code.as_str(), &d[..2]);
            prop_assert_eq!(info.regency_code.as_str(), &d[..4]);
            prop_assert_eq!(&info.district_code, &d);
            prop_assert_eq!(info.birth_day, day);
            prop_assert_eq!(info.birth_month, month);
            prop_assert_eq!(info.birth_year_2digit, u32::try_from(year % 100).unwrap());
            prop_assert_eq!(info.sex, sex);
            prop_assert_eq!(&info.serial, &format!("{serial:04}"));
            prop_assert_eq!(info.birth_date_in_century(year), Some(born));
            prop_assert!(cross_check_date(&info, born, Some(sex)).is_empty());
        }

        #[test]
        fn debug_never_shows_the_digits(
            d in district(),
            month in 1u32..=12,
            day in 1u32..=28,
            yy in 0u32..100,
            serial in 1u16..=9999,
        ) {
            let text = format!("{d}{day:02}{month:02}{yy:02}{serial:04}");
            let nik = Nik::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let shown = format!("{nik:?} {nik:#?} {:?}", nik.decode());
            prop_assert!(!shown.contains(nik.as_str()));
            prop_assert!(!shown.contains(&nik.as_str()[4..]));
        }
    }
}
