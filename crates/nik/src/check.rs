//! Cross-checking a NIK against a stated date of birth and sex.

use chrono::{Datelike, NaiveDate};

use crate::nik::{NikInfo, NikSex};

/// A difference between what a NIK encodes and what a person or document states.
///
/// A mismatch is a reason to look closer, not proof of fraud: NIKs registered
/// with a wrong or unknown birth date are common.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Mismatch {
    /// The day of birth differs.
    #[error("NIK encodes birth day {nik:02} but the stated date of birth has day {stated:02}")]
    BirthDay {
        /// Day encoded in the NIK (the +40 for women removed).
        nik: u32,
        /// Day stated.
        stated: u32,
    },
    /// The month of birth differs.
    #[error("NIK encodes birth month {nik:02} but the stated date of birth has month {stated:02}")]
    BirthMonth {
        /// Month encoded in the NIK.
        nik: u32,
        /// Month stated.
        stated: u32,
    },
    /// The last two digits of the year of birth differ.
    #[error("NIK encodes a birth year ending in {nik_2digit:02} but the stated year of birth is {stated}")]
    BirthYear {
        /// The 2-digit year encoded in the NIK.
        nik_2digit: u32,
        /// The full year stated.
        stated: i32,
    },
    /// The sex differs.
    #[error("NIK encodes sex {nik} but the stated sex is {stated}")]
    Sex {
        /// Sex encoded in the NIK.
        nik: NikSex,
        /// Sex stated.
        stated: NikSex,
    },
}

impl Mismatch {
    /// The message in Bahasa Indonesia, for screens a person reads.
    pub fn message_id(&self) -> String {
        match self {
            Mismatch::BirthDay { nik, stated } => {
                format!("NIK mencatat tanggal lahir {nik:02}, tetapi tanggal lahir yang dinyatakan {stated:02}")
            }
            Mismatch::BirthMonth { nik, stated } => {
                format!("NIK mencatat bulan lahir {nik:02}, tetapi bulan lahir yang dinyatakan {stated:02}")
            }
            Mismatch::BirthYear { nik_2digit, stated } => format!(
                "NIK mencatat tahun lahir berakhiran {nik_2digit:02}, tetapi tahun lahir yang dinyatakan {stated}"
            ),
            Mismatch::Sex { nik, stated } => {
                format!("NIK mencatat jenis kelamin {}, tetapi yang dinyatakan {}", nik.label_id(), stated.label_id())
            }
        }
    }
}

/// Compare a decoded NIK with a stated date of birth, which may be partial
/// (year only, year and month, or a full date: pass `None` for what is
/// unknown), and a stated sex. Each given part is compared on its own; the
/// year by its last two digits. Returns the mismatches in the order year,
/// month, day, sex; empty when everything given agrees.
pub fn cross_check(
    info: &NikInfo,
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    sex: Option<NikSex>,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(stated) = year
        && i64::from(stated.rem_euclid(100)) != i64::from(info.birth_year_2digit)
    {
        out.push(Mismatch::BirthYear { nik_2digit: info.birth_year_2digit, stated });
    }
    if let Some(stated) = month
        && stated != info.birth_month
    {
        out.push(Mismatch::BirthMonth { nik: info.birth_month, stated });
    }
    if let Some(stated) = day
        && stated != info.birth_day
    {
        out.push(Mismatch::BirthDay { nik: info.birth_day, stated });
    }
    if let Some(stated) = sex
        && stated != info.sex
    {
        out.push(Mismatch::Sex { nik: info.sex, stated });
    }
    out
}

/// [`cross_check`] with a full stated date of birth.
pub fn cross_check_date(info: &NikInfo, born: NaiveDate, sex: Option<NikSex>) -> Vec<Mismatch> {
    cross_check(info, Some(born.year()), Some(born.month()), Some(born.day()), sex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nik::Nik;

    /// Female, born 12-08-(19)74.
    fn info() -> NikInfo {
        Nik::parse("1709015208740001").unwrap().decode()
    }

    #[test]
    fn consistent_statement_has_no_mismatch() {
        assert_eq!(cross_check(&info(), Some(1974), Some(8), Some(12), Some(NikSex::Female)), vec![]);
        let born = NaiveDate::from_ymd_opt(1974, 8, 12).unwrap();
        assert_eq!(cross_check_date(&info(), born, None), vec![]);
        assert_eq!(cross_check(&info(), None, None, None, None), vec![]);
    }

    #[test]
    fn day_mismatch() {
        let found = cross_check(&info(), Some(1974), Some(8), Some(13), None);
        assert_eq!(found, vec![Mismatch::BirthDay { nik: 12, stated: 13 }]);
        assert_eq!(found[0].to_string(), "NIK encodes birth day 12 but the stated date of birth has day 13");
    }

    #[test]
    fn sex_mismatch() {
        let found = cross_check(&info(), None, None, None, Some(NikSex::Male));
        assert_eq!(found, vec![Mismatch::Sex { nik: NikSex::Female, stated: NikSex::Male }]);
        assert_eq!(found[0].to_string(), "NIK encodes sex female but the stated sex is male");
        assert_eq!(found[0].message_id(), "NIK mencatat jenis kelamin perempuan, tetapi yang dinyatakan laki-laki");
    }

    #[test]
    fn partial_dates_compare_only_what_is_given() {
        // Year only: 2074 ends in 74, so it agrees; 1975 does not.
        assert_eq!(cross_check(&info(), Some(2074), None, None, None), vec![]);
        let found = cross_check(&info(), Some(1975), None, None, None);
        assert_eq!(found, vec![Mismatch::BirthYear { nik_2digit: 74, stated: 1975 }]);
        assert_eq!(found[0].to_string(), "NIK encodes a birth year ending in 74 but the stated year of birth is 1975");
        // Year and month.
        assert_eq!(
            cross_check(&info(), Some(1974), Some(9), None, None),
            vec![Mismatch::BirthMonth { nik: 8, stated: 9 }]
        );
    }

    #[test]
    fn every_mismatch_at_once_in_order() {
        let born = NaiveDate::from_ymd_opt(1980, 1, 2).unwrap();
        let found = cross_check_date(&info(), born, Some(NikSex::Male));
        assert!(matches!(
            found.as_slice(),
            [Mismatch::BirthYear { .. }, Mismatch::BirthMonth { .. }, Mismatch::BirthDay { .. }, Mismatch::Sex { .. }]
        ));
    }
}
