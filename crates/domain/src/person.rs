use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use waspada_nik::{Mismatch, Nik, NikSex};

use crate::error::{Error, Result, invalid};
use crate::{FullName, PartialDate, PhoneNumber};

/// Sex as recorded on civil and travel documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
}

impl Sex {
    /// Parses `M`/`F` (also `L`/`P`, the Indonesian laki-laki/perempuan).
    pub fn parse(field: &'static str, text: &str) -> Result<Sex> {
        match text.trim().to_ascii_uppercase().as_str() {
            "M" | "L" => Ok(Sex::Male),
            "F" | "P" => Ok(Sex::Female),
            other => Err(invalid(field, format!("{other:?} is not a sex code; use M or F"))),
        }
    }

    /// `M` or `F`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

/// A resident known to the office, identified by NIK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Nomor Induk Kependudukan; the natural key.
    #[serde(with = "crate::nik_serde")]
    pub nik: Nik,
    /// Name as on the KTP.
    pub full_name: FullName,
    /// Other names the person is known by.
    pub aliases: Vec<FullName>,
    /// Date of birth, possibly partial.
    pub date_of_birth: PartialDate,
    /// Sex.
    pub sex: Sex,
    /// Kemendagri code of the desa (10 digits) or kecamatan (6 digits) of residence.
    pub region_code: Option<String>,
    /// Phone numbers in E.164 form.
    pub phones: Vec<PhoneNumber>,
    /// Street address as on the KTP.
    pub address: Option<String>,
}

impl Person {
    /// Checks the rules that span fields: the NIK must agree with the date of birth and sex, and the
    /// region code must be a known Kemendagri code where we ship the list (Bengkulu).
    pub fn validate(self, today: NaiveDate) -> Result<Person> {
        let info = self.nik.decode();
        let nik_sex = match self.sex {
            Sex::Male => NikSex::Male,
            Sex::Female => NikSex::Female,
        };
        let mismatches: Vec<Mismatch> = waspada_nik::cross_check(
            &info,
            Some(self.date_of_birth.year()),
            self.date_of_birth.month(),
            self.date_of_birth.day(),
            Some(nik_sex),
        );
        if !mismatches.is_empty() {
            let text = mismatches.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            return Err(Error::NikMismatch(text));
        }
        if self.date_of_birth.earliest() > today {
            return Err(invalid("date_of_birth", "is in the future"));
        }
        if let Some(code) = &self.region_code {
            check_region_code(code)?;
        }
        if let Some(address) = &self.address
            && address.chars().count() > 500
        {
            return Err(invalid("address", "is longer than 500 characters"));
        }
        Ok(self)
    }

    /// Age in whole years on the given day.
    pub fn age_on(&self, on: NaiveDate) -> Option<u32> {
        self.date_of_birth.age_on(on)
    }
}

/// A region code must be 6 (kecamatan) or 10 (desa) digits; inside Bengkulu province, whose list
/// we ship, it must also exist.
pub(crate) fn check_region_code(code: &str) -> Result<()> {
    let digits: String = code.chars().filter(|c| *c != '.').collect();
    if !(digits.len() == 6 || digits.len() == 10) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("region_code", format!("{code:?} is not a kecamatan (6 digits) or desa (10 digits) code")));
    }
    if digits.starts_with("17") && waspada_nik::regions::lookup(&digits).is_none() {
        return Err(invalid("region_code", format!("{code:?} is not in the Kemendagri list for Bengkulu")));
    }
    Ok(())
}

/// Normalises a region code to digits only (`17.09.01` → `170901`).
pub(crate) fn region_digits(code: &str) -> String {
    code.chars().filter(|c| *c != '.' && !c.is_whitespace()).collect()
}

impl Person {
    /// Builds a person from already-parsed values and validates it.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        nik: Nik,
        full_name: FullName,
        aliases: Vec<FullName>,
        date_of_birth: PartialDate,
        sex: Sex,
        region_code: Option<&str>,
        phones: Vec<PhoneNumber>,
        address: Option<String>,
        today: NaiveDate,
    ) -> Result<Person> {
        Person {
            nik,
            full_name,
            aliases,
            date_of_birth,
            sex,
            region_code: region_code.map(region_digits).filter(|c| !c.is_empty()),
            phones,
            address: address.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()),
        }
        .validate(today)
    }
}
