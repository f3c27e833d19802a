//! The NIK itself: parsing, validation and decoding.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::regions::{self, Level};

/// Number of digits in a NIK.
pub const NIK_LEN: usize = 16;

/// Why a string is not a valid NIK.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    /// Not 16 digits (after removing spaces and dots).
    #[error("NIK must have 16 digits, found {found}")]
    Length {
        /// How many digits were found.
        found: usize,
    },
    /// A character other than a digit, a space or a dot.
    #[error("NIK may contain only digits: character {position} is not a digit")]
    NonDigit {
        /// 1-based position of the offending character, counted after
        /// trimming and after removing spaces and dots (so it is the
        /// position among the 16 NIK characters a clerk would count).
        position: usize,
    },
    /// The first two digits are not a known province code.
    #[error("NIK starts with unknown province code {code}")]
    UnknownProvince {
        /// The 2-digit province code.
        code: String,
    },
    /// The province is known but the first four digits are not a known regency.
    #[error("NIK has unknown regency (kabupaten/kota) code {code}")]
    UnknownRegency {
        /// The 4-digit regency code.
        code: String,
    },
    /// The first six digits are not a known district (checked for Bengkulu only).
    #[error("NIK has unknown district (kecamatan) code {code}")]
    UnknownDistrict {
        /// The 6-digit district code.
        code: String,
    },
    /// Digits 7–10 are not a possible day and month.
    #[error(
        "NIK encodes an impossible birth date: day field {day:02}, month {month:02} \
         (the day must be 01-31, or 41-71 for women, and exist in the month)"
    )]
    InvalidBirthDate {
        /// The day field as written in the NIK (women's days include the +40).
        day: u32,
        /// The month field as written in the NIK.
        month: u32,
    },
    /// The last four digits are `0000`.
    #[error("NIK serial number (last 4 digits) must not be 0000")]
    ZeroSerial,
}

impl NikError {
    /// The message in Bahasa Indonesia, for screens a person reads.
    pub fn message_id(&self) -> String {
        match self {
            NikError::Length { found } => format!("NIK harus 16 digit, ditemukan {found}"),
            NikError::NonDigit { position } => {
                format!("NIK hanya boleh berisi angka: karakter ke-{position} bukan angka")
            }
            NikError::UnknownProvince { code } => {
                format!("NIK diawali kode provinsi yang tidak dikenal: {code}")
            }
            NikError::UnknownRegency { code } => {
                format!("Kode kabupaten/kota dalam NIK tidak dikenal: {code}")
            }
            NikError::UnknownDistrict { code } => {
                format!("Kode kecamatan dalam NIK tidak dikenal: {code}")
            }
            NikError::InvalidBirthDate { day, month } => format!(
                "Tanggal lahir dalam NIK tidak mungkin: tanggal {day:02}, bulan {month:02} \
                 (tanggal harus 01-31, atau 41-71 untuk perempuan, dan ada di bulan itu)"
            ),
            NikError::ZeroSerial => "Nomor urut NIK (4 digit terakhir) tidak boleh 0000".into(),
        }
    }

    /// `true` for the errors that come only from the region list
    /// ([`UnknownProvince`](Self::UnknownProvince), [`UnknownRegency`](Self::UnknownRegency),
    /// [`UnknownDistrict`](Self::UnknownDistrict)). Such a NIK may still be
    /// genuine if it was issued under a code since retired; see [`Nik::parse_format`].
    pub fn is_region_error(&self) -> bool {
        matches!(
            self,
            NikError::UnknownProvince { .. } | NikError::UnknownRegency { .. } | NikError::UnknownDistrict { .. }
        )
    }
}

/// Sex as encoded in a NIK (40 is added to the birth day for women).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NikSex {
    /// Laki-laki: day field 01–31.
    Male,
    /// Perempuan: day field 41–71.
    Female,
}

impl NikSex {
    /// The Bahasa Indonesia word (`laki-laki`, `perempuan`).
    pub fn label_id(self) -> &'static str {
        match self {
            NikSex::Male => "laki-laki",
            NikSex::Female => "perempuan",
        }
    }
}

impl fmt::Display for NikSex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NikSex::Male => "male",
            NikSex::Female => "female",
        })
    }
}

/// A valid NIK (Nomor Induk Kependudukan): 16 ASCII digits with a possible
/// birth date, a non-zero serial and (for [`Nik::parse`]) a known region.
///
/// A NIK is personal data: `Debug` shows only the 4-digit regency prefix and
/// there is no `Display`; use [`Nik::as_str`] where the digits are needed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nik(String);

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = self.0.get(..4).unwrap_or("");
        write!(f, "Nik({prefix}…redacted)")
    }
}

impl Nik {
    /// Parse and fully validate a NIK.
    ///
    /// Leading and trailing whitespace is trimmed, and spaces and dots are
    /// accepted as separators (`"1709 4112 7400 0001"`, `"17.09.41.127400.0001"`).
    /// What remains must be exactly 16 ASCII digits. Checks, in this order:
    /// digits, length, birth date, serial, province, regency, and — for
    /// Bengkulu (`17`), the only province whose districts are shipped — district.
    ///
    /// The region checks use today's Kemendagri codes. NIKs keep the code of
    /// the region that issued them, so a genuine NIK from a region since split
    /// or re-coded (e.g. Kalimantan Utara before 2012, Papua before 2022)
    /// fails with a region error; use [`Nik::parse_format`] to accept those.
    pub fn parse(input: &str) -> Result<Nik, NikError> {
        let nik = Nik::parse_format(input)?;
        nik.check_region()?;
        Ok(nik)
    }

    /// Parse a NIK checking everything except the region list: digits,
    /// length, birth date and serial. For NIKs that an officer has confirmed
    /// despite a region error (see [`NikError::is_region_error`]).
    pub fn parse_format(input: &str) -> Result<Nik, NikError> {
        let mut digits = String::with_capacity(NIK_LEN);
        let mut found = 0;
        for c in input.trim().chars().filter(|c| *c != ' ' && *c != '.') {
            found += 1;
            if !c.is_ascii_digit() {
                return Err(NikError::NonDigit { position: found });
            }
            if found <= NIK_LEN {
                digits.push(c);
            }
        }
        if found != NIK_LEN {
            return Err(NikError::Length { found });
        }
        let b = digits.as_bytes();
        let day_field = two(b, 6);
        let month = two(b, 8);
        let day = match day_field {
            1..=31 => day_field,
            41..=71 => day_field - 40,
            _ => {
                return Err(NikError::InvalidBirthDate { day: day_field, month });
            }
        };
        if !(1..=12).contains(&month) || day > max_day(month) {
            return Err(NikError::InvalidBirthDate { day: day_field, month });
        }
        if &digits[12..] == "0000" {
            return Err(NikError::ZeroSerial);
        }
        Ok(Nik(digits))
    }

    /// Check the region prefix against the embedded Kemendagri list
    /// (the part of [`Nik::parse`] that [`Nik::parse_format`] skips).
    pub fn check_region(&self) -> Result<(), NikError> {
        let province = &self.0[..2];
        if !is_level(province, Level::Province) {
            return Err(NikError::UnknownProvince { code: province.to_owned() });
        }
        let regency = &self.0[..4];
        if !is_level(regency, Level::Regency) {
            return Err(NikError::UnknownRegency { code: regency.to_owned() });
        }
        let district = &self.0[..6];
        if province == regions::BENGKULU && !is_level(district, Level::District) {
            return Err(NikError::UnknownDistrict { code: district.to_owned() });
        }
        Ok(())
    }

    /// Build a NIK from its parts, e.g. for synthetic data. `district_code`
    /// is 6 digits (dots allowed); `serial` must be 1..=9999. The result is
    /// validated like [`Nik::parse`].
    pub fn compose(district_code: &str, birth_date: NaiveDate, sex: NikSex, serial: u16) -> Result<Nik, NikError> {
        let district: String = district_code.trim().chars().filter(|c| *c != '.').collect();
        let day = birth_date.day()
            + match sex {
                NikSex::Male => 0,
                NikSex::Female => 40,
            };
        let yy = birth_date.year().rem_euclid(100);
        let text = format!("{district}{day:02}{month:02}{yy:02}{serial:04}", month = birth_date.month());
        Nik::parse(&text)
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The components encoded in the NIK.
    pub fn decode(&self) -> NikInfo {
        let b = self.0.as_bytes();
        let day_field = two(b, 6);
        let (birth_day, sex) =
            if day_field > 40 { (day_field - 40, NikSex::Female) } else { (day_field, NikSex::Male) };
        NikInfo {
            province_code: self.0[..2].to_owned(),
            regency_code: self.0[..4].to_owned(),
            district_code: self.0[..6].to_owned(),
            birth_day,
            birth_month: two(b, 8),
            birth_year_2digit: two(b, 10),
            sex,
            serial: self.0[12..].to_owned(),
        }
    }
}

fn is_level(code: &str, level: Level) -> bool {
    regions::lookup(code).is_some_and(|r| r.level == level)
}

/// Two ASCII digits at `at` as a number (0 if out of range; callers pass validated input).
fn two(b: &[u8], at: usize) -> u32 {
    let d = |i: usize| b.get(i).map_or(0, |c| u32::from(c.wrapping_sub(b'0')) % 10);
    d(at) * 10 + d(at + 1)
}

/// Days in `month`, counting February as 29 (the century, hence leap year, is unknown).
fn max_day(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The parts of a NIK.
///
/// This is personal data: `Debug` shows the region and sex but redacts the
/// birth date and serial.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NikInfo {
    /// Province code, 2 digits (`"17"`).
    pub province_code: String,
    /// Regency code, 4 digits (`"1709"`).
    pub regency_code: String,
    /// District (kecamatan) code, 6 digits (`"170901"`).
    pub district_code: String,
    /// Day of birth 1..=31 (the +40 for women removed).
    pub birth_day: u32,
    /// Month of birth 1..=12.
    pub birth_month: u32,
    /// Last two digits of the year of birth, 0..=99.
    pub birth_year_2digit: u32,
    /// Sex.
    pub sex: NikSex,
    /// Serial number, the last 4 digits.
    pub serial: String,
}

impl fmt::Debug for NikInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NikInfo")
            .field("district_code", &self.district_code)
            .field("sex", &self.sex)
            .field("birth", &"redacted")
            .field("serial", &"redacted")
            .finish_non_exhaustive()
    }
}

impl NikInfo {
    /// The full birth date in `year`, a 4-digit year whose last two digits
    /// must equal [`birth_year_2digit`](Self::birth_year_2digit). `None` if
    /// they differ or the date does not exist in that year (29 February of a
    /// non-leap year).
    pub fn birth_date_in_century(&self, year: i32) -> Option<NaiveDate> {
        if year.rem_euclid(100) != i32::try_from(self.birth_year_2digit).ok()? {
            return None;
        }
        NaiveDate::from_ymd_opt(year, self.birth_month, self.birth_day)
    }

    /// Resolve the century: the most recent date with this day, month and
    /// 2-digit year that is not after `today`. `None` only for 29 February in
    /// a year that is not leap in either candidate century.
    ///
    /// This is a guess: a NIK of someone aged 100 or more resolves to a child.
    pub fn likely_birth_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        let yy = i32::try_from(self.birth_year_2digit).ok()?;
        let latest = today.year() - (today.year() - yy).rem_euclid(100);
        [latest, latest - 100]
            .into_iter()
            .filter_map(|y| NaiveDate::from_ymd_opt(y, self.birth_month, self.birth_day))
            .find(|d| *d <= today)
    }

    /// The encoded birth date as a clerk reads it: `"12-08-(..)74"`.
    pub fn birth_pattern(&self) -> String {
        format!("{:02}-{:02}-(..){:02}", self.birth_day, self.birth_month, self.birth_year_2digit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn decodes_a_female_nik() {
        // Karang Tinggi (170901), born 12 Aug 1974 (day 12 + 40 = 52), serial 0001.
        let nik = Nik::parse("1709015208740001").unwrap();
        let info = nik.decode();
        assert_eq!(info.province_code, "17");
        assert_eq!(info.regency_code, "1709");
        assert_eq!(info.district_code, "170901");
        assert_eq!(info.birth_day, 12);
        assert_eq!(info.birth_month, 8);
        assert_eq!(info.birth_year_2digit, 74);
        assert_eq!(info.sex, NikSex::Female);
        assert_eq!(info.serial, "0001");
        assert_eq!(info.birth_pattern(), "12-08-(..)74");
        // Born on the 1st: day field 41.
        let first = Nik::parse("1709014101900001").unwrap().decode();
        assert_eq!((first.birth_day, first.sex), (1, NikSex::Female));
    }

    #[test]
    fn decodes_a_male_nik_with_separators() {
        let nik = Nik::parse("  1709 1131 1205 0042\n").unwrap();
        assert_eq!(nik.as_str(), "1709113112050042");
        let info = nik.decode();
        assert_eq!(info.district_code, "170911");
        assert_eq!(info.birth_day, 31);
        assert_eq!(info.birth_month, 12);
        assert_eq!(info.birth_year_2digit, 5);
        assert_eq!(info.sex, NikSex::Male);
        assert_eq!(info.serial, "0042");
        assert_eq!(Nik::parse("17.09.11.311205.0042"), Ok(nik));
    }

    #[test]
    fn nik_from_elsewhere_validates_at_regency_level() {
        // Jakarta Pusat (3171); districts outside Bengkulu are not checked.
        assert!(Nik::parse("3171994101900001").is_ok());
        assert_eq!(Nik::parse("3199014101900001"), Err(NikError::UnknownRegency { code: "3199".into() }));
    }

    #[test]
    fn fifteen_digits_is_a_length_error() {
        let err = Nik::parse("170901520874000").unwrap_err();
        assert_eq!(err, NikError::Length { found: 15 });
        assert_eq!(err.to_string(), "NIK must have 16 digits, found 15");
        assert_eq!(Nik::parse("17090152087400011"), Err(NikError::Length { found: 17 }));
        assert_eq!(Nik::parse("   "), Err(NikError::Length { found: 0 }));
    }

    #[test]
    fn letters_are_rejected_with_position() {
        assert_eq!(Nik::parse("1709 01A2 0874 0001"), Err(NikError::NonDigit { position: 7 }));
        assert_eq!(Nik::parse("O709015208740001"), Err(NikError::NonDigit { position: 1 }));
        assert_eq!(
            Nik::parse("1709-0152-0874-0001"),
            Err(NikError::NonDigit { position: 5 }),
            "only spaces and dots are separators"
        );
        assert_eq!(Nik::parse("170901520874000１"), Err(NikError::NonDigit { position: 16 }), "full-width digit");
        assert_eq!(
            NikError::NonDigit { position: 7 }.to_string(),
            "NIK may contain only digits: character 7 is not a digit"
        );
    }

    #[test]
    fn unknown_province_is_rejected() {
        let err = Nik::parse("9909015208740001").unwrap_err();
        assert_eq!(err, NikError::UnknownProvince { code: "99".into() });
        assert_eq!(err.to_string(), "NIK starts with unknown province code 99");
        assert!(err.is_region_error());
        assert!(Nik::parse_format("9909015208740001").is_ok());
    }

    #[test]
    fn unknown_bengkulu_district_is_rejected() {
        assert_eq!(Nik::parse("1709125208740001"), Err(NikError::UnknownDistrict { code: "170912".into() }));
    }

    #[test]
    fn impossible_birth_dates_are_rejected() {
        // 30 February.
        assert_eq!(Nik::parse("1709013002740001"), Err(NikError::InvalidBirthDate { day: 30, month: 2 }));
        // 30 February for a woman (70).
        assert_eq!(Nik::parse("1709017002740001"), Err(NikError::InvalidBirthDate { day: 70, month: 2 }));
        for (field, month) in [("00", "01"), ("32", "01"), ("40", "01"), ("72", "01")] {
            let text = format!("170901{field}{month}740001");
            assert!(matches!(Nik::parse(&text), Err(NikError::InvalidBirthDate { .. })), "{field}");
        }
        assert!(matches!(Nik::parse("1709011213740001"), Err(NikError::InvalidBirthDate { day: 12, month: 13 })));
        assert!(matches!(Nik::parse("1709013104740001"), Err(NikError::InvalidBirthDate { day: 31, month: 4 })));
        assert!(matches!(Nik::parse("1709011200740001"), Err(NikError::InvalidBirthDate { month: 0, .. })));
    }

    #[test]
    fn twenty_ninth_of_february_is_allowed() {
        let male = Nik::parse("1709012902000001").unwrap().decode();
        assert_eq!((male.birth_day, male.birth_month), (29, 2));
        let female = Nik::parse("1709016902750001").unwrap().decode();
        assert_eq!((female.birth_day, female.sex), (29, NikSex::Female));
        // No year ending in 75 is a leap year, so no full date exists.
        assert_eq!(female.likely_birth_date(date(2026, 1, 1)), None);
        assert_eq!(male.likely_birth_date(date(2026, 1, 1)), Some(date(2000, 2, 29)));
    }

    #[test]
    fn zero_serial_is_rejected() {
        assert_eq!(Nik::parse("1709015208740000"), Err(NikError::ZeroSerial));
    }

    #[test]
    fn birth_date_in_century_checks_the_last_two_digits() {
        let info = Nik::parse("1709015208740001").unwrap().decode();
        assert_eq!(info.birth_date_in_century(1974), Some(date(1974, 8, 12)));
        assert_eq!(info.birth_date_in_century(2074), Some(date(2074, 8, 12)));
        assert_eq!(info.birth_date_in_century(1975), None);
        let leap = Nik::parse("1709012902000001").unwrap().decode();
        assert_eq!(leap.birth_date_in_century(2000), Some(date(2000, 2, 29)));
        assert_eq!(leap.birth_date_in_century(1900), None);
    }

    #[test]
    fn likely_birth_date_picks_the_latest_past_century() {
        let info = Nik::parse("1709011508250001").unwrap().decode();
        assert_eq!(info.likely_birth_date(date(2026, 1, 1)), Some(date(2025, 8, 15)));
        // 15 Aug 2025 is still in the future on 1 Aug 2025: born 1925.
        assert_eq!(info.likely_birth_date(date(2025, 8, 1)), Some(date(1925, 8, 15)));
        assert_eq!(info.likely_birth_date(date(2025, 8, 15)), Some(date(2025, 8, 15)));
        let old = Nik::parse("1709015208740001").unwrap().decode();
        assert_eq!(old.likely_birth_date(date(2026, 11, 28)), Some(date(1974, 8, 12)));
    }

    #[test]
    fn compose_round_trips() {
        let nik = Nik::compose("17.09.01", date(1974, 8, 12), NikSex::Female, 1).unwrap();
        assert_eq!(nik.as_str(), "1709015208740001");
        assert_eq!(Nik::compose("170901", date(1974, 8, 12), NikSex::Male, 0), Err(NikError::ZeroSerial));
        assert!(Nik::compose("170901", date(1974, 8, 12), NikSex::Male, 10_000).is_err());
    }

    #[test]
    fn debug_is_redacted_and_messages_exist_in_indonesian() {
        let nik = Nik::parse("1709015208740001").unwrap();
        let shown = format!("{nik:?} {:?} {:#?}", nik.decode(), nik.decode());
        assert_eq!(format!("{nik:?}"), "Nik(1709…redacted)");
        assert!(!shown.contains("1709015208740001"));
        assert!(!shown.contains("520874"));
        assert!(!shown.contains("0001"));
        assert_eq!(NikError::Length { found: 15 }.message_id(), "NIK harus 16 digit, ditemukan 15");
        assert_eq!(NikSex::Female.label_id(), "perempuan");
        assert_eq!(NikSex::Male.to_string(), "male");
    }
}
