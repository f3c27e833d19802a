//! Generation of machine-readable zones: [`generate`].

use chrono::{Datelike, NaiveDate};

use crate::translit::transliterate_strict;
use crate::{Format, Sex, check_digit};

/// What [`generate`] needs to write a zone.
///
/// Text fields are uppercased; names go through [`transliterate_name`](crate::transliterate_name)
/// rules (with unknown characters reported as errors instead of dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzInput<'a> {
    /// TD1, TD2 or TD3.
    pub format: Format,
    /// 1 or 2 characters; the first is `P`, `I`, `A` or `C` (visas are not generated).
    pub document_code: &'a str,
    /// 1 to 3 letters, e.g. `"IDN"` or `"D"`.
    pub issuing_state: &'a str,
    /// Letters and digits. Up to 9 characters; on TD1 up to 22 using the Doc 9303
    /// Part 5 long-number convention (the rest goes into the optional data).
    pub document_number: &'a str,
    /// Primary identifier; must not be empty after transliteration.
    pub surname: &'a str,
    /// Secondary identifier; may be empty.
    pub given_names: &'a str,
    /// 1 to 3 letters.
    pub nationality: &'a str,
    /// Date of birth, years 1900–2099. [`check`](crate::check) reads the year
    /// back as the latest one not after its `today`, so a date of birth more than
    /// 100 years before that day does not round-trip.
    pub date_of_birth: NaiveDate,
    /// Sex of the holder.
    pub sex: Sex,
    /// Date of expiry, years 2000–2099 (the zone is read back as 20YY).
    pub expiry_date: NaiveDate,
    /// Letters, digits and fillers (`' '` is taken as a filler): TD3 personal
    /// number (≤ 14), TD2 optional data (≤ 7), TD1 line-1 optional data (≤ 15,
    /// less what a long document number uses).
    pub optional_data: &'a str,
}

/// Why [`generate`] could not write a zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// The document code is not 1–2 characters starting with P, I, A or C.
    #[error(
        "document_code {0:?} is invalid: 1 or 2 characters, the first P, I, A or C, the second a letter (visas are not generated)"
    )]
    DocumentCode(String),
    /// A state code (`issuing_state` or `nationality`) is not 1–3 letters.
    #[error("{field} {value:?} is invalid: 1 to 3 letters expected")]
    StateCode {
        /// `"issuing_state"` or `"nationality"`.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// The document number is empty.
    #[error("document_number is empty")]
    DocumentNumberEmpty,
    /// The document number has a character other than a letter or digit.
    #[error("document_number {0:?} has a character other than A-Z and 0-9")]
    DocumentNumberCharacters(String),
    /// The document number does not fit the format.
    #[error("document_number has {len} characters; {format} allows at most {max}")]
    DocumentNumberTooLong {
        /// The format asked for.
        format: Format,
        /// Length of the number given.
        len: usize,
        /// Longest number the format (and, for TD1, the optional data) allows.
        max: usize,
    },
    /// The optional data has a character other than a letter, digit or filler.
    #[error("optional_data {0:?} has a character other than A-Z, 0-9, < and space")]
    OptionalDataCharacters(String),
    /// The optional data does not fit.
    #[error("optional_data has {len} characters; {format} leaves room for {max}")]
    OptionalDataTooLong {
        /// The format asked for.
        format: Format,
        /// Length of the optional data given.
        len: usize,
        /// Room left (on TD1, after a long document number).
        max: usize,
    },
    /// The surname is empty after transliteration.
    #[error("surname is empty")]
    SurnameEmpty,
    /// A name has a character with no MRZ transliteration.
    #[error("{field} has the character {ch:?}, which has no MRZ transliteration")]
    NameCharacter {
        /// `"surname"` or `"given_names"`.
        field: &'static str,
        /// The character.
        ch: char,
    },
    /// A date's year cannot be written with two digits unambiguously.
    #[error("{field} {date} is out of range: years {min}-{max} expected")]
    DateOutOfRange {
        /// `"date_of_birth"` or `"expiry_date"`.
        field: &'static str,
        /// The date given.
        date: NaiveDate,
        /// First year allowed.
        min: i32,
        /// Last year allowed.
        max: i32,
    },
}

/// Write the zone for `input`: one `String` per line, each exactly
/// [`Format::line_len`] characters of `[A-Z0-9<]`, with every check digit
/// computed. Names too long for the format are truncated (given names first, then
/// the surname), without error. The TD3 personal-number check digit of an empty
/// personal number is written as `0`.
pub fn generate(input: &MrzInput) -> Result<Vec<String>, GenerateError> {
    let format = input.format;
    let code = document_code(input.document_code)?;
    let issuing = state_code("issuing_state", input.issuing_state)?;
    let nationality = state_code("nationality", input.nationality)?;
    let number = input.document_number.to_ascii_uppercase();
    if number.is_empty() {
        return Err(GenerateError::DocumentNumberEmpty);
    }
    if !number.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        return Err(GenerateError::DocumentNumberCharacters(number));
    }
    let optional: String =
        input.optional_data.to_ascii_uppercase().chars().map(|c| if c == ' ' { '<' } else { c }).collect();
    if !optional.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<') {
        return Err(GenerateError::OptionalDataCharacters(input.optional_data.to_string()));
    }
    let dob = yymmdd("date_of_birth", input.date_of_birth, 1900, 2099)?;
    let expiry = yymmdd("expiry_date", input.expiry_date, 2000, 2099)?;
    let name = name_field(input.surname, input.given_names, format.name_len())?;
    let sex = input.sex.as_char();
    let cd = |s: &str| -> char {
        // Every input here is made of [A-Z0-9<], so the digit always exists.
        check_digit(s).map_or('0', |d| char::from(b'0' + d))
    };

    let lines = match format {
        Format::Td1 => {
            let (number_part, optional_part) = td1_number_and_optional(&number, &optional)?;
            let line1 = format!("{code}{issuing}{number_part}{optional_part}");
            let line2_body = format!("{dob}{}{sex}{expiry}{}{nationality}{}", cd(&dob), cd(&expiry), pad("", 11));
            // Composite: line 1 positions 6-30, line 2 positions 1-7, 9-15, 19-29.
            let composite =
                format!("{}{}{}{}", &line1[5..30], &line2_body[0..7], &line2_body[8..15], &line2_body[18..29]);
            let line2 = format!("{line2_body}{}", cd(&composite));
            vec![line1, line2, name]
        }
        Format::Td2 | Format::Td3 => {
            if number.len() > 9 {
                return Err(GenerateError::DocumentNumberTooLong { format, len: number.len(), max: 9 });
            }
            let opt_len = if format == Format::Td2 { 7 } else { 14 };
            if optional.len() > opt_len {
                return Err(GenerateError::OptionalDataTooLong { format, len: optional.len(), max: opt_len });
            }
            let number = pad(&number, 9);
            let mut optional = pad(&optional, opt_len);
            if format == Format::Td3 {
                optional.push(cd(&optional));
            }
            let line2_body =
                format!("{number}{}{nationality}{dob}{}{sex}{expiry}{}{optional}", cd(&number), cd(&dob), cd(&expiry));
            // Composite: line 2 positions 1-10, 14-20, 22-35 (TD2) or 22-43 (TD3).
            let composite = format!("{}{}{}", &line2_body[0..10], &line2_body[13..20], &line2_body[21..]);
            let line1 = format!("{code}{issuing}{name}");
            let line2 = format!("{line2_body}{}", cd(&composite));
            vec![line1, line2]
        }
    };
    Ok(lines)
}

/// Line 1 positions 6–30 of a TD1: the document number with its check digit,
/// then the optional data. A number longer than 9 characters uses the Doc 9303
/// Part 5 convention: 9 characters, a filler at position 15, then the rest of the
/// number, its check digit and a filler at the start of the optional data.
fn td1_number_and_optional(number: &str, optional: &str) -> Result<(String, String), GenerateError> {
    let digit = |s: &str| check_digit(s).map_or('0', |d| char::from(b'0' + d));
    if number.len() <= 9 {
        if optional.len() > 15 {
            return Err(GenerateError::OptionalDataTooLong { format: Format::Td1, len: optional.len(), max: 15 });
        }
        let padded = pad(number, 9);
        let cd = digit(&padded);
        return Ok((format!("{padded}{cd}"), pad(optional, 15)));
    }
    // 9 + rest; the rest, its check digit and a filler must fit in 15.
    const MAX: usize = 9 + 13;
    if number.len() > MAX {
        return Err(GenerateError::DocumentNumberTooLong { format: Format::Td1, len: number.len(), max: MAX });
    }
    let (head, rest) = number.split_at(9);
    let room = 15 - rest.len() - 2;
    if optional.len() > room {
        return Err(GenerateError::OptionalDataTooLong { format: Format::Td1, len: optional.len(), max: room });
    }
    let cd = digit(number);
    Ok((format!("{head}<"), pad(&format!("{rest}{cd}<{optional}"), 15)))
}

fn pad(s: &str, width: usize) -> String {
    format!("{s:<<width$}")
}

fn document_code(code: &str) -> Result<String, GenerateError> {
    let up = code.to_ascii_uppercase();
    let mut chars = up.chars();
    let ok = match (chars.next(), chars.next(), chars.next()) {
        (Some(a), second, None) => {
            matches!(a, 'P' | 'I' | 'A' | 'C') && second.is_none_or(|b| b.is_ascii_uppercase() || b == '<')
        }
        _ => false,
    };
    if ok { Ok(pad(&up, 2)) } else { Err(GenerateError::DocumentCode(code.to_string())) }
}

fn state_code(field: &'static str, code: &str) -> Result<String, GenerateError> {
    let up = code.to_ascii_uppercase();
    if (1..=3).contains(&up.len()) && up.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(pad(&up, 3))
    } else {
        Err(GenerateError::StateCode { field, value: code.to_string() })
    }
}

fn yymmdd(field: &'static str, d: NaiveDate, min: i32, max: i32) -> Result<String, GenerateError> {
    if !(min..=max).contains(&d.year()) {
        return Err(GenerateError::DateOutOfRange { field, date: d, min, max });
    }
    Ok(format!("{:02}{:02}{:02}", d.year().rem_euclid(100), d.month(), d.day()))
}

/// The name field, `width` characters: `SURNAME<<GIVEN<NAMES` padded with
/// fillers. When it does not fit, the given names are cut first (down to one
/// letter), then the surname; the cut never leaves a filler at the end of a
/// part, so a truncated field ends with a letter as Doc 9303 Part 3 asks.
fn name_field(surname: &str, given_names: &str, width: usize) -> Result<String, GenerateError> {
    let surname = transliterate_strict(surname).map_err(|ch| GenerateError::NameCharacter { field: "surname", ch })?;
    let given =
        transliterate_strict(given_names).map_err(|ch| GenerateError::NameCharacter { field: "given_names", ch })?;
    if surname.is_empty() {
        return Err(GenerateError::SurnameEmpty);
    }
    let cut = |s: &str, n: usize| -> String {
        // Transliterated names are ASCII, so byte and char counts agree.
        s.get(..n.min(s.len())).unwrap_or(s).trim_end_matches('<').to_string()
    };
    let field = if given.is_empty() {
        cut(&surname, width)
    } else if surname.len() + 2 + given.len() <= width {
        format!("{surname}<<{given}")
    } else if surname.len() + 3 <= width {
        format!("{surname}<<{}", cut(&given, width - surname.len() - 2))
    } else {
        format!("{}<<{}", cut(&surname, width - 3), cut(&given, 1))
    };
    Ok(pad(&field, width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        ymd(2026, 11, 28)
    }

    fn anna(format: Format) -> MrzInput<'static> {
        MrzInput {
            format,
            document_code: if format == Format::Td3 { "P" } else { "I" },
            issuing_state: "UTO",
            document_number: if format == Format::Td3 { "L898902C3" } else { "D23145890" },
            surname: "Eriksson",
            given_names: "Anna María",
            nationality: "UTO",
            date_of_birth: ymd(1974, 8, 12),
            sex: Sex::Female,
            expiry_date: ymd(2012, 4, 15),
            optional_data: if format == Format::Td3 { "ZE184226B" } else { "" },
        }
    }

    #[test]
    fn reproduces_the_td3_specimen() {
        let lines = generate(&anna(Format::Td3)).unwrap();
        assert_eq!(
            lines,
            ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
        );
    }

    #[test]
    fn reproduces_the_td1_specimen() {
        let lines = generate(&anna(Format::Td1)).unwrap();
        assert_eq!(
            lines,
            ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
        );
    }

    #[test]
    fn td2_vector_generated_and_checked() {
        let input = MrzInput {
            format: Format::Td2,
            document_code: "ID",
            issuing_state: "IDN",
            document_number: "B1234567",
            surname: "Siregar",
            given_names: "Rina",
            nationality: "IDN",
            date_of_birth: ymd(1990, 3, 5),
            sex: Sex::Female,
            expiry_date: ymd(2031, 3, 4),
            optional_data: "",
        };
        let lines = generate(&input).unwrap();
        // Hand check of the document-number check digit over "B1234567<":
        //   B=11  1   2   3   4   5   6   7  <=0
        //   ×7   ×3  ×1  ×7  ×3  ×1  ×7  ×3  ×1
        //   77 + 3 + 2 + 21 + 12 + 5 + 42 + 21 + 0 = 183  → 183 mod 10 = 3.
        // Date of birth "900305": 9×7 + 0×3 + 0×1 + 3×7 + 0×3 + 5×1 = 89 → 9.
        // Expiry "310304": 3×7 + 1×3 + 0 + 3×7 + 0 + 4×1 = 49 → 9.
        assert_eq!(lines, ["IDIDNSIREGAR<<RINA<<<<<<<<<<<<<<<<<<", "B1234567<3IDN9003059F3103049<<<<<<<6"]);
        // Composite over positions 1-10, 14-20, 22-35:
        // "B1234567<3" + "9003059" + "3103049<<<<<<<".
        assert_eq!(check_digit("B1234567<390030593103049<<<<<<<"), Some(6));
        let r = check(&lines.join("\n"), today());
        assert!(r.is_valid(), "{:?}", r.errors);
        let f = r.fields.unwrap();
        assert_eq!(f.document_number, "B1234567");
        assert_eq!(f.surname, "SIREGAR");
        assert_eq!(f.given_names, "RINA");
        assert_eq!(f.date_of_birth.date, Some(ymd(1990, 3, 5)));
        assert_eq!(f.expiry_date.date, Some(ymd(2031, 3, 4)));
    }

    #[test]
    fn td1_long_document_number_round_trip() {
        let mut input = anna(Format::Td1);
        input.document_number = "D23145890ABC";
        input.optional_data = "X1";
        let lines = generate(&input).unwrap();
        let cd = check_digit("D23145890ABC").unwrap();
        assert_eq!(lines[0], format!("I<UTOD23145890<ABC{cd}<X1<<<<<<<<"));
        let r = check(&lines.join("\n"), today());
        assert!(r.is_valid(), "{:?}", r.errors);
        let f = r.fields.unwrap();
        assert_eq!(f.document_number, "D23145890ABC");
        assert_eq!(f.optional_data, "X1");

        input.document_number = "ABCDEFGHIJKLMNOPQRSTUVW";
        assert!(matches!(generate(&input), Err(GenerateError::DocumentNumberTooLong { max: 22, .. })));
        input.document_number = "ABCDEFGHIJKLMNOPQRSTUV";
        input.optional_data = "";
        assert!(check(&generate(&input).unwrap().join("\n"), today()).is_valid());
        input.optional_data = "Z";
        assert!(matches!(generate(&input), Err(GenerateError::OptionalDataTooLong { max: 0, .. })));
    }

    #[test]
    fn long_numbers_rejected_on_td2_td3() {
        for format in [Format::Td2, Format::Td3] {
            let mut input = anna(format);
            input.document_number = "L898902C3X";
            assert_eq!(generate(&input), Err(GenerateError::DocumentNumberTooLong { format, len: 10, max: 9 }));
        }
    }

    #[test]
    fn names_are_truncated_given_names_first() {
        let mut input = anna(Format::Td1);
        input.surname = "Wolfeschlegelsteinhausen";
        input.given_names = "Hubert Blaine";
        let lines = generate(&input).unwrap();
        assert_eq!(lines[2], "WOLFESCHLEGELSTEINHAUSEN<<HUBE");
        // Cutting in a filler leaves no filler at the end of the part.
        input.surname = "Wolfeschlegelsteinhausen";
        input.given_names = "Hub Blaine";
        let lines = generate(&input).unwrap();
        assert_eq!(lines[2], "WOLFESCHLEGELSTEINHAUSEN<<HUB<");
        // Surname too long on its own: cut it, keep one initial.
        input.surname = "Wolfeschlegelsteinhausenbergerdorff";
        let lines = generate(&input).unwrap();
        assert_eq!(lines[2], "WOLFESCHLEGELSTEINHAUSENBER<<H");
        input.given_names = "";
        let lines = generate(&input).unwrap();
        assert_eq!(lines[2], "WOLFESCHLEGELSTEINHAUSENBERGER");
        for l in &lines {
            assert_eq!(l.len(), 30);
        }
        let r = check(&lines.join("\n"), today());
        assert!(r.is_valid(), "{:?}", r.errors);
    }

    #[test]
    fn input_errors_name_the_field() {
        let base = anna(Format::Td3);
        let with = |f: &dyn Fn(&mut MrzInput<'static>)| {
            let mut i = base.clone();
            f(&mut i);
            generate(&i)
        };
        assert!(matches!(with(&|i| i.document_code = "V"), Err(GenerateError::DocumentCode(_))));
        assert!(matches!(with(&|i| i.document_code = "PAX"), Err(GenerateError::DocumentCode(_))));
        assert!(matches!(with(&|i| i.document_code = ""), Err(GenerateError::DocumentCode(_))));
        assert!(matches!(
            with(&|i| i.issuing_state = "U1O"),
            Err(GenerateError::StateCode { field: "issuing_state", .. })
        ));
        assert!(matches!(
            with(&|i| i.nationality = "UTOX"),
            Err(GenerateError::StateCode { field: "nationality", .. })
        ));
        assert_eq!(with(&|i| i.document_number = ""), Err(GenerateError::DocumentNumberEmpty));
        assert!(matches!(with(&|i| i.document_number = "L89-89"), Err(GenerateError::DocumentNumberCharacters(_))));
        assert!(matches!(with(&|i| i.optional_data = "ZE18422-6B"), Err(GenerateError::OptionalDataCharacters(_))));
        assert!(matches!(
            with(&|i| i.optional_data = "123456789012345"),
            Err(GenerateError::OptionalDataTooLong { len: 15, max: 14, .. })
        ));
        assert_eq!(with(&|i| i.surname = " - "), Err(GenerateError::SurnameEmpty));
        assert_eq!(
            with(&|i| i.given_names = "Иван"),
            Err(GenerateError::NameCharacter { field: "given_names", ch: 'И' })
        );
        assert!(matches!(
            with(&|i| i.expiry_date = ymd(1999, 12, 31)),
            Err(GenerateError::DateOutOfRange { field: "expiry_date", .. })
        ));
        assert!(matches!(
            with(&|i| i.date_of_birth = ymd(1899, 12, 31)),
            Err(GenerateError::DateOutOfRange { field: "date_of_birth", .. })
        ));
        let e = with(&|i| i.document_code = "V").unwrap_err();
        assert!(e.to_string().starts_with("document_code"), "{e}");
    }

    #[test]
    fn lowercase_and_short_codes_are_normalised() {
        let mut input = anna(Format::Td3);
        input.document_code = "p";
        input.issuing_state = "d";
        input.nationality = "d";
        input.document_number = "l898902c3";
        input.optional_data = "ze18 4226b";
        let lines = generate(&input).unwrap();
        assert!(lines[0].starts_with("P<D<<ERIKSSON"));
        let r = check(&lines.join("\n"), today());
        assert!(r.is_valid(), "{:?}", r.errors);
        let f = r.fields.unwrap();
        assert_eq!(f.issuing_state, "D");
        assert_eq!(f.optional_data, "ZE18<4226B");
    }

    #[test]
    fn td3_empty_personal_number_gets_a_zero_check_digit() {
        let mut input = anna(Format::Td3);
        input.optional_data = "";
        let lines = generate(&input).unwrap();
        assert_eq!(&lines[1][28..43], "<<<<<<<<<<<<<<0");
        assert!(check(&lines.join("\n"), today()).is_valid());
    }
}
