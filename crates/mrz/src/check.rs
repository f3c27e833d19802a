//! Parsing and validation of one machine-readable zone: [`check`].

use chrono::{Datelike, NaiveDate};

use crate::{FieldError, Fields, Format, MrzDate, Report, Sex, check_digit, is_mrz_char};

/// At most this many "characters" errors are listed one by one; the rest are
/// summed up in one more error, so that garbage input gives a readable report.
const MAX_CHARACTER_ERRORS: usize = 10;

/// Parse and validate the machine-readable zone of one document.
///
/// `text` holds the lines of the zone separated by `'\n'`. `"\r\n"`, spaces
/// around each line and blank lines before and after the zone are tolerated;
/// lowercase ASCII letters are uppercased with a warning. The format is decided by
/// the line count and lengths alone (3 × 30 TD1, 2 × 36 TD2, 2 × 44 TD3).
///
/// `today` is used for the century of the date of birth (which is never in the
/// future) and for the "expired" warning; the expiry date is always 20YY.
///
/// Errors (which make [`Report::is_valid`] false): unknown format, characters
/// outside `[A-Z0-9<]`, a document code not starting with `P`, `I`, `A`, `C` or
/// `V`, a malformed state or nationality code, a malformed name, an empty
/// document number, a date that is not a calendar date, a sex other than `M`,
/// `F`, `<` or `X`, and every check digit that does not match.
///
/// Warnings: lowercase input, sex `X`, expired document, expiry before birth,
/// birth more than 120 years ago, date of birth with unknown parts, a document
/// code unusual for the format, and visas (only partly validated).
///
/// Never panics.
pub fn check(text: &str, today: NaiveDate) -> Report {
    let mut report = Report { format: None, fields: None, errors: Vec::new(), warnings: Vec::new() };

    let mut lines: Vec<String> = text.split('\n').map(|l| l.trim().to_string()).collect();
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }

    if lines.iter().any(|l| l.chars().any(|c| c.is_ascii_lowercase())) {
        report.warnings.push("lowercase letters were converted to uppercase".to_string());
        for line in &mut lines {
            *line = line.to_ascii_uppercase();
        }
    }

    let lines: Vec<Vec<char>> = lines.iter().map(|l| l.chars().collect()).collect();
    let lengths: Vec<usize> = lines.iter().map(Vec::len).collect();
    let format = match (lines.len(), lengths.first().copied()) {
        (3, Some(30)) if lengths.iter().all(|&n| n == 30) => Format::Td1,
        (2, Some(36)) if lengths.iter().all(|&n| n == 36) => Format::Td2,
        (2, Some(44)) if lengths.iter().all(|&n| n == 44) => Format::Td3,
        _ => {
            let found = if lines.is_empty() {
                "no non-blank line".to_string()
            } else {
                let lens: Vec<String> = lengths.iter().map(usize::to_string).collect();
                format!("{} line{} of length {}", lines.len(), if lines.len() == 1 { "" } else { "s" }, lens.join(", "))
            };
            report.errors.push(FieldError {
                field: "format",
                message: format!(
                    "found {found}; expected 3 lines of 30 characters (TD1), \
                     2 lines of 36 (TD2) or 2 lines of 44 (TD3)"
                ),
            });
            return report;
        }
    };
    report.format = Some(format);

    let mut bad_chars = 0usize;
    for (li, line) in lines.iter().enumerate() {
        for (ci, &c) in line.iter().enumerate() {
            if !is_mrz_char(c) {
                bad_chars += 1;
                if bad_chars <= MAX_CHARACTER_ERRORS {
                    report.errors.push(FieldError {
                        field: "characters",
                        message: format!(
                            "line {} position {}: character {:?} is not allowed (only A-Z, 0-9 and <)",
                            li + 1,
                            ci + 1,
                            c
                        ),
                    });
                }
            }
        }
    }
    if bad_chars > MAX_CHARACTER_ERRORS {
        report.errors.push(FieldError {
            field: "characters",
            message: format!("{} more characters outside A-Z, 0-9 and <", bad_chars - MAX_CHARACTER_ERRORS),
        });
    }

    let zone = Zone { lines };
    let mut v = Validator { errors: Vec::new(), warnings: Vec::new() };
    let fields = parse(&zone, format, today, &mut v);
    report.errors.append(&mut v.errors);
    report.warnings.append(&mut v.warnings);
    report.fields = Some(fields);
    report
}

/// The lines of a zone whose shape matches its format.
struct Zone {
    lines: Vec<Vec<char>>,
}

impl Zone {
    /// Characters `from..=to` (1-based, inclusive) of line `line` (1-based).
    /// Out-of-range positions yield nothing rather than panicking.
    fn s(&self, line: usize, from: usize, to: usize) -> String {
        self.lines
            .get(line.wrapping_sub(1))
            .map(|l| l.iter().skip(from.saturating_sub(1)).take((to + 1).saturating_sub(from)).collect())
            .unwrap_or_default()
    }

    /// Character at 1-based `pos` of 1-based `line`; `'\0'` if out of range.
    fn c(&self, line: usize, pos: usize) -> char {
        self.lines.get(line.wrapping_sub(1)).and_then(|l| l.get(pos.wrapping_sub(1))).copied().unwrap_or('\0')
    }
}

/// The raw pieces of a zone, still with fillers, after the layout is applied.
struct Raw {
    document_code: String,
    issuing_state: String,
    name: String,
    document_number: String,
    document_number_check: char,
    nationality: String,
    date_of_birth: String,
    date_of_birth_check: char,
    sex: char,
    expiry_date: String,
    expiry_date_check: char,
    optional_data: String,
    /// TD3 only: the personal-number check digit.
    optional_data_check: Option<char>,
    optional_data_2: String,
    /// The string the composite check digit covers, and that digit.
    composite: Option<(String, char)>,
}

struct Validator {
    errors: Vec<FieldError>,
    warnings: Vec<String>,
}

impl Validator {
    fn error(&mut self, field: &'static str, message: String) {
        self.errors.push(FieldError { field, message });
    }

    /// Verify the check digit `found` over `data`. A field containing characters
    /// outside the alphabet is skipped: the "characters" error already covers it.
    /// With `filler_ok_when_empty`, a `<` check digit over an all-filler field is
    /// accepted as 0 (Doc 9303 Part 4, TD3 personal number).
    fn check_digit(&mut self, field: &'static str, data: &str, found: char, filler_ok_when_empty: bool) {
        let Some(expected) = check_digit(data) else {
            return;
        };
        if filler_ok_when_empty && found == '<' && data.chars().all(|c| c == '<') {
            return;
        }
        let ok = found.to_digit(10).is_some_and(|d| u32::from(expected) == d);
        if !ok {
            self.error(field, format!("check digit for {field} is {found}, expected {expected}"));
        }
    }
}

fn parse(zone: &Zone, format: Format, today: NaiveDate, v: &mut Validator) -> Fields {
    // Visas (document code V…) exist in the TD3 size (MRV-A) and TD2 size (MRV-B)
    // and have their own line-2 layout: no composite and no personal-number check.
    let visa = zone.c(1, 1) == 'V';
    let raw = match format {
        Format::Td1 => td1_layout(zone, v),
        Format::Td2 | Format::Td3 if visa => mrv_layout(zone, format),
        Format::Td2 => td2_layout(zone),
        Format::Td3 => td3_layout(zone),
    };

    let document_code = check_document_code(&raw.document_code, format, v);
    let issuing_state = check_state_code("issuing_state", &raw.issuing_state, v);
    let (surname, given_names) = check_name(&raw.name, v);
    let nationality = check_state_code("nationality", &raw.nationality, v);

    // Document number.
    let document_number = trim_fillers(&raw.document_number);
    if raw.document_number.chars().all(|c| c == '<') {
        v.error("document_number", "document number is empty".to_string());
    } else if raw.document_number.starts_with('<') {
        v.error("document_number", "document number starts with a filler '<'".to_string());
    }
    v.check_digit("document_number", &raw.document_number, raw.document_number_check, false);

    // Dates.
    let dob = parse_date_of_birth(&raw.date_of_birth, today, v);
    v.check_digit("date_of_birth", &raw.date_of_birth, raw.date_of_birth_check, false);
    let sex = match raw.sex {
        'M' => Sex::Male,
        'F' => Sex::Female,
        '<' => Sex::Unspecified,
        'X' => {
            v.warnings.push(
                "sex is 'X': Doc 9303 writes an unspecified sex as '<' in the MRZ; \
                 read as unspecified"
                    .to_string(),
            );
            Sex::Unspecified
        }
        other => {
            v.error("sex", format!("sex must be M, F or < (X is tolerated), found {other:?}"));
            Sex::Unspecified
        }
    };
    let expiry = parse_expiry(&raw.expiry_date, v);
    v.check_digit("expiry_date", &raw.expiry_date, raw.expiry_date_check, false);

    if let Some(found) = raw.optional_data_check {
        v.check_digit("optional_data", &raw.optional_data, found, true);
    }
    if let Some((data, found)) = &raw.composite {
        v.check_digit("composite", data, *found, false);
    }

    if visa {
        v.warnings.push(
            "document code V: machine-readable visa (MRV-A/MRV-B); only its structure and \
             the document number, birth and expiry check digits are validated, visa-specific \
             rules are not"
                .to_string(),
        );
    }

    // Plausibility warnings.
    if let (Some(b), Some(e)) = (dob.date, expiry.date)
        && e < b
    {
        v.warnings.push(format!("expiry date {e} is before the date of birth {b}"));
    }
    if let Some(e) = expiry.date
        && e < today
    {
        v.warnings.push(format!("document expired on {e} (today is {today})"));
    }
    if let Some(b) = dob.date
        && years_between(b, today) > 120
    {
        v.warnings.push(format!("date of birth {b} is more than 120 years ago"));
    }

    Fields {
        document_code,
        issuing_state,
        document_number,
        surname,
        given_names,
        nationality,
        date_of_birth: dob,
        sex,
        expiry_date: expiry,
        optional_data: trim_fillers(&raw.optional_data),
        optional_data_2: trim_fillers(&raw.optional_data_2),
    }
}

fn td1_layout(zone: &Zone, v: &mut Validator) -> Raw {
    let principal = zone.s(1, 6, 14);
    let mut document_number = principal.clone();
    let mut document_number_check = zone.c(1, 15);
    let mut optional_data = zone.s(1, 16, 30);

    // Doc 9303 Part 5, long document number: a filler in position 15 says that
    // the number goes on in the optional data (positions 16 onwards) and ends
    // with its check digit followed by a filler.
    if document_number_check == '<' {
        let opt: Vec<char> = optional_data.chars().collect();
        match opt.iter().position(|&c| c == '<') {
            Some(k) if k >= 2 => {
                document_number = principal + &opt[..k - 1].iter().collect::<String>();
                document_number_check = opt[k - 1];
                optional_data = opt[k + 1..].iter().collect();
            }
            // No continuation at all: an ordinary number with a filler for its
            // check digit, which the check-digit test reports.
            Some(0) => {}
            _ => v.error(
                "document_number",
                "position 15 is a filler (long document number) but positions 16-30 do not \
                 hold the rest of the number followed by its check digit and a filler"
                    .to_string(),
            ),
        }
    }

    Raw {
        document_code: zone.s(1, 1, 2),
        issuing_state: zone.s(1, 3, 5),
        name: zone.s(3, 1, 30),
        document_number,
        document_number_check,
        nationality: zone.s(2, 16, 18),
        date_of_birth: zone.s(2, 1, 6),
        date_of_birth_check: zone.c(2, 7),
        sex: zone.c(2, 8),
        expiry_date: zone.s(2, 9, 14),
        expiry_date_check: zone.c(2, 15),
        optional_data,
        optional_data_check: None,
        optional_data_2: zone.s(2, 19, 29),
        composite: Some((zone.s(1, 6, 30) + &zone.s(2, 1, 7) + &zone.s(2, 9, 15) + &zone.s(2, 19, 29), zone.c(2, 30))),
    }
}

/// Line 2 positions 1–28 are the same in TD2, TD3 and both visa sizes.
fn common_line2(zone: &Zone, document_code: String, name_end: usize) -> Raw {
    Raw {
        document_code,
        issuing_state: zone.s(1, 3, 5),
        name: zone.s(1, 6, name_end),
        document_number: zone.s(2, 1, 9),
        document_number_check: zone.c(2, 10),
        nationality: zone.s(2, 11, 13),
        date_of_birth: zone.s(2, 14, 19),
        date_of_birth_check: zone.c(2, 20),
        sex: zone.c(2, 21),
        expiry_date: zone.s(2, 22, 27),
        expiry_date_check: zone.c(2, 28),
        optional_data: String::new(),
        optional_data_check: None,
        optional_data_2: String::new(),
        composite: None,
    }
}

fn td2_layout(zone: &Zone) -> Raw {
    let mut raw = common_line2(zone, zone.s(1, 1, 2), 36);
    raw.optional_data = zone.s(2, 29, 35);
    raw.composite = Some((zone.s(2, 1, 10) + &zone.s(2, 14, 20) + &zone.s(2, 22, 35), zone.c(2, 36)));
    raw
}

fn td3_layout(zone: &Zone) -> Raw {
    let mut raw = common_line2(zone, zone.s(1, 1, 2), 44);
    raw.optional_data = zone.s(2, 29, 42);
    raw.optional_data_check = Some(zone.c(2, 43));
    raw.composite = Some((zone.s(2, 1, 10) + &zone.s(2, 14, 20) + &zone.s(2, 22, 43), zone.c(2, 44)));
    raw
}

fn mrv_layout(zone: &Zone, format: Format) -> Raw {
    let width = format.line_len();
    let mut raw = common_line2(zone, zone.s(1, 1, 2), width);
    raw.optional_data = zone.s(2, 29, width);
    raw
}

fn trim_fillers(s: &str) -> String {
    s.trim_matches('<').to_string()
}

fn check_document_code(code: &str, format: Format, v: &mut Validator) -> String {
    let mut chars = code.chars();
    let first = chars.next().unwrap_or('\0');
    let second = chars.next().unwrap_or('\0');
    if !matches!(first, 'P' | 'I' | 'A' | 'C' | 'V') {
        v.error("document_code", format!("document code must start with P, I, A, C or V, found {code:?}"));
    } else {
        let usual = match format {
            Format::Td3 => matches!(first, 'P' | 'V'),
            Format::Td1 | Format::Td2 => matches!(first, 'I' | 'A' | 'C' | 'V'),
        };
        if !usual {
            let expected = match format {
                Format::Td3 => "P (or V for a visa)",
                Format::Td1 | Format::Td2 => "A, C or I (or V for a visa)",
            };
            v.warnings.push(format!(
                "document code {:?} is unusual for a {format} document: Doc 9303 uses {expected}",
                trim_fillers(code)
            ));
        }
    }
    if !(second.is_ascii_uppercase() || second == '<') {
        v.error(
            "document_code",
            format!("second character of the document code must be a letter or <, found {second:?}"),
        );
    }
    trim_fillers(code)
}

/// A state or organisation code: letters, then fillers (`"UTO"`, `"D<<"`).
/// No list of real codes is consulted.
fn check_state_code(field: &'static str, code: &str, v: &mut Validator) -> String {
    let letters = code.trim_end_matches('<');
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_uppercase()) {
        v.error(field, format!("{field} must be 1 to 3 letters padded with <, found {code:?}"));
    }
    trim_fillers(code)
}

/// Split and validate the name field. Grammar (after trailing fillers are
/// removed): `WORD(<WORD)*(<<WORD(<WORD)*)?` with `WORD = [A-Z]+`, i.e. a primary
/// identifier, optionally `<<` and a secondary identifier.
fn check_name(name: &str, v: &mut Validator) -> (String, String) {
    let body = name.trim_end_matches('<');
    let (primary, secondary) = match body.split_once("<<") {
        Some((p, s)) => (p, s),
        None => (body, ""),
    };
    let words = |s: &str| s.split('<').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    let (surname, given_names) = (words(primary), words(secondary));

    if body.is_empty() {
        v.error("name", "name is empty".to_string());
    } else if body.chars().any(|c| c.is_ascii_digit()) {
        v.error("name", "name contains digits".to_string());
    } else if body.starts_with('<') {
        v.error("name", "name starts with a filler: the primary identifier is missing".to_string());
    } else {
        let well_formed = |part: &str| {
            part.is_empty() || part.split('<').all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase()))
        };
        let has_secondary = body.contains("<<");
        if !well_formed(primary) || !well_formed(secondary) || (has_secondary && secondary.is_empty()) {
            v.error(
                "name",
                format!(
                    "name {body:?} is malformed: expected SURNAME<<GIVEN<NAMES with single fillers \
                     between words, one << separator, and fillers only at the end"
                ),
            );
        }
    }
    (surname, given_names)
}

fn all_digits(s: &str) -> bool {
    s.len() == 6 && s.chars().all(|c| c.is_ascii_digit())
}

/// (year within century, month, day) of a six-digit field.
fn ymd(s: &str) -> Option<(i32, u32, u32)> {
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    Some((i32::try_from(n(0..2)?).ok()?, n(2..4)?, n(4..6)?))
}

fn parse_date_of_birth(raw: &str, today: NaiveDate, v: &mut Validator) -> MrzDate {
    let mut out = MrzDate { raw: raw.to_string(), date: None };
    if !all_digits(raw) {
        if unknown_birth_date_parts(raw) {
            v.warnings.push(format!("date of birth {raw:?} has unknown parts written as fillers"));
        } else {
            v.error("date_of_birth", format!("date_of_birth {raw:?} is not a YYMMDD date"));
        }
        return out;
    }
    let Some((yy, m, d)) = ymd(raw) else {
        return out;
    };
    // Never in the future: this century unless that would be after today.
    let this_century = today.year() - today.year().rem_euclid(100);
    let year = if (this_century + yy, m, d) > (today.year(), today.month(), today.day()) {
        this_century - 100 + yy
    } else {
        this_century + yy
    };
    out.date = NaiveDate::from_ymd_opt(year, m, d);
    if out.date.is_none() {
        v.error("date_of_birth", format!("date_of_birth {raw} is not a calendar date"));
    }
    out
}

/// Doc 9303 Part 3: unknown parts of a date of birth are written as fillers:
/// `YYMM<<` (day unknown), `YY<<<<` (month and day unknown) or `<<<<<<`.
fn unknown_birth_date_parts(raw: &str) -> bool {
    let b = raw.as_bytes();
    if b.len() != 6 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let fillers = |r: std::ops::Range<usize>| b[r].iter().all(|&c| c == b'<');
    let month_exists = raw.get(2..4).and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| (1..=12).contains(&m));
    fillers(0..6) || (digits(0..2) && fillers(2..6)) || (digits(0..4) && fillers(4..6) && month_exists)
}

fn parse_expiry(raw: &str, v: &mut Validator) -> MrzDate {
    let mut out = MrzDate { raw: raw.to_string(), date: None };
    if !all_digits(raw) {
        v.error("expiry_date", format!("expiry_date {raw:?} is not a YYMMDD date"));
        return out;
    }
    if let Some((yy, m, d)) = ymd(raw) {
        out.date = NaiveDate::from_ymd_opt(2000 + yy, m, d);
    }
    if out.date.is_none() {
        v.error("expiry_date", format!("expiry_date {raw} is not a calendar date"));
    }
    out
}

/// Whole years from `from` to `to` (age on `to` of someone born on `from`).
fn years_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fields_of(r: &Report) -> &Fields {
        r.fields.as_ref().expect("fields")
    }

    fn error_fields(r: &Report) -> Vec<&'static str> {
        r.errors.iter().map(|e| e.field).collect()
    }

    const TD3_L1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const TD3_L2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    #[test]
    fn td3_specimen_is_valid_with_exact_fields() {
        let r = check(&format!("{TD3_L1}\n{TD3_L2}"), today());
        assert!(r.is_valid(), "{:?}", r.errors);
        assert_eq!(r.format, Some(Format::Td3));
        let f = fields_of(&r);
        assert_eq!(f.document_code, "P");
        assert_eq!(f.issuing_state, "UTO");
        assert_eq!(f.document_number, "L898902C3");
        assert_eq!(f.surname, "ERIKSSON");
        assert_eq!(f.given_names, "ANNA MARIA");
        assert_eq!(f.nationality, "UTO");
        assert_eq!(f.date_of_birth.raw, "740812");
        assert_eq!(f.date_of_birth.date, Some(ymd(1974, 8, 12)));
        assert_eq!(f.sex, Sex::Female);
        assert_eq!(f.expiry_date.raw, "120415");
        assert_eq!(f.expiry_date.date, Some(ymd(2012, 4, 15)));
        assert_eq!(f.optional_data, "ZE184226B");
        assert_eq!(f.optional_data_2, "");
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("expired on 2012-04-15"), "{:?}", r.warnings);
    }

    #[test]
    fn td3_specimen_not_expired_before_its_expiry() {
        let r = check(&format!("{TD3_L1}\n{TD3_L2}"), ymd(2011, 1, 1));
        assert!(r.is_valid());
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn td3_negative_document_number_check_digit() {
        // Line 2 position 10 changed from 6 to 9.
        let l2 = "L898902C39UTO7408122F1204159ZE184226B<<<<<10";
        let r = check(&format!("{TD3_L1}\n{l2}"), today());
        assert!(!r.is_valid());
        let doc: Vec<_> = r.errors.iter().filter(|e| e.field == "document_number").collect();
        assert_eq!(doc.len(), 1, "{:?}", r.errors);
        assert_eq!(doc[0].message, "check digit for document_number is 9, expected 6");
        // The composite covers position 10 too.
        assert!(error_fields(&r).contains(&"composite"), "{:?}", r.errors);
        // Fields are still decoded.
        assert_eq!(fields_of(&r).document_number, "L898902C3");
    }

    #[test]
    fn td1_specimen_utopia_is_valid() {
        let text = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
                    7408122F1204159UTO<<<<<<<<<<<6\n\
                    ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let r = check(text, today());
        assert!(r.is_valid(), "{:?}", r.errors);
        assert_eq!(r.format, Some(Format::Td1));
        let f = fields_of(&r);
        assert_eq!(f.document_code, "I");
        assert_eq!(f.document_number, "D23145890");
        assert_eq!(f.surname, "ERIKSSON");
        assert_eq!(f.given_names, "ANNA MARIA");
        assert_eq!(f.date_of_birth.date, Some(ymd(1974, 8, 12)));
        assert_eq!(f.expiry_date.date, Some(ymd(2012, 4, 15)));
        assert_eq!(f.nationality, "UTO");
        assert_eq!(f.optional_data, "");
        assert_eq!(f.optional_data_2, "");
    }

    #[test]
    fn td1_specimen_sweden_is_valid_without_long_number_convention() {
        // Line 1 is I<SWE 59000002< 8 198703142391<<<: the document number
        // "59000002" has 8 characters and is padded to 9 with one filler at
        // position 14; position 15 holds its check digit 8
        // (5*7 + 9*3 + 0 + 0 + 0 + 0 + 0 + 2*3 + 0 = 68). So it is neither the
        // long-number convention (that needs a filler at position 15) nor a '<'
        // check digit. Positions 16-30 are the optional data: the Swedish
        // personal identity number 19870314-2391.
        let text = "I<SWE59000002<8198703142391<<<\n\
                    8703145M1701027SWE<<<<<<<<<<<8\n\
                    SPECIMEN<<SVEN<<<<<<<<<<<<<<<<";
        assert_eq!(check_digit("59000002<"), Some(8));
        let r = check(text, today());
        assert!(r.is_valid(), "{:?}", r.errors);
        let f = fields_of(&r);
        assert_eq!(f.document_number, "59000002");
        assert_eq!(f.optional_data, "198703142391");
        assert_eq!(f.surname, "SPECIMEN");
        assert_eq!(f.given_names, "SVEN");
        assert_eq!(f.sex, Sex::Male);
        assert_eq!(f.date_of_birth.date, Some(ymd(1987, 3, 14)));
        assert_eq!(f.expiry_date.date, Some(ymd(2017, 1, 2)));
        assert!(r.warnings.iter().any(|w| w.contains("expired")));
    }

    #[test]
    fn td1_long_document_number_convention() {
        // Number "D23145890ABC" (12 characters): 9 in positions 6-14, a filler in
        // position 15, then "ABC", its check digit and a filler.
        let number = "D23145890ABC";
        let cd = check_digit(number).unwrap();
        let line1 = format!("I<UTOD23145890<ABC{cd}<OPT<<<<<<<");
        assert_eq!(line1.len(), 30);
        let line2_body = "7408122F1204159UTO<<<<<<<<<<<";
        let composite = format!("{}{}{}{}", &line1[5..30], &line2_body[0..7], &line2_body[8..15], &line2_body[18..29]);
        let c = check_digit(&composite).unwrap();
        let text = format!("{line1}\n{line2_body}{c}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<");
        let r = check(&text, today());
        assert!(r.is_valid(), "{:?}", r.errors);
        let f = fields_of(&r);
        assert_eq!(f.document_number, "D23145890ABC");
        assert_eq!(f.optional_data, "OPT");

        // A wrong long-number check digit is reported on document_number.
        let bad_cd = (cd + 1) % 10;
        let bad = text.replacen(&format!("ABC{cd}<"), &format!("ABC{bad_cd}<"), 1);
        let r = check(&bad, today());
        assert!(error_fields(&r).contains(&"document_number"), "{:?}", r.errors);

        // Filler at 15 but no terminating filler in 16-30.
        let text = "I<UTOD23145890<ABCDEFGHIJKLMNO\n\
                    7408122F1204159UTO<<<<<<<<<<<0\n\
                    ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let r = check(text, today());
        assert!(error_fields(&r).contains(&"document_number"), "{:?}", r.errors);
    }

    #[test]
    fn td2_well_known_specimen_is_valid() {
        let text = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n\
                    D231458907UTO7408122F1204159<<<<<<<6";
        let r = check(text, today());
        assert!(r.is_valid(), "{:?}", r.errors);
        assert_eq!(r.format, Some(Format::Td2));
        let f = fields_of(&r);
        assert_eq!(f.document_number, "D23145890");
        assert_eq!(f.given_names, "ANNA MARIA");
        // The composite covers positions 1-10, 14-20 and 22-35 of line 2.
        assert_eq!(check_digit("D23145890774081221204159<<<<<<<"), Some(6));
    }

    #[test]
    fn tolerant_input_handling() {
        let text = format!("\r\n\n  {}\r\n\t{}  \r\n\n", TD3_L1.to_lowercase(), TD3_L2);
        let r = check(&text, today());
        assert!(r.is_valid(), "{:?}", r.errors);
        assert!(r.warnings.iter().any(|w| w.contains("lowercase")));
    }

    #[test]
    fn wrong_shape_is_a_format_error() {
        let r = check(&format!("{TD3_L1}\n{}", &TD3_L2[..43]), today());
        assert_eq!(r.format, None);
        assert!(r.fields.is_none());
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].field, "format");
        assert!(r.errors[0].message.contains("2 lines of length 44, 43"), "{}", r.errors[0].message);
        assert!(r.errors[0].message.contains("TD1"));

        let r = check("", today());
        assert_eq!(r.errors[0].field, "format");
        assert!(r.errors[0].message.contains("no non-blank line"));

        let r = check(&format!("{TD3_L1}\n\n{TD3_L2}"), today());
        assert_eq!(r.errors[0].field, "format");
        assert!(r.errors[0].message.contains("3 lines"));
    }

    #[test]
    fn bad_characters_are_located_and_parsing_continues() {
        let l2 = "L898902C36UTO7408122F1204159ZE18-226B<<<<<10";
        let r = check(&format!("{TD3_L1}\n{l2}"), today());
        assert!(!r.is_valid());
        let e = r.errors.iter().find(|e| e.field == "characters").unwrap();
        assert!(e.message.contains("line 2 position 33"), "{}", e.message);
        let f = fields_of(&r);
        assert_eq!(f.document_number, "L898902C3");
        assert_eq!(f.date_of_birth.date, Some(ymd(1974, 8, 12)));
    }

    #[test]
    fn many_bad_characters_are_summarised() {
        let r = check(&format!("{}\n{}", "é".repeat(44), "#".repeat(44)), today());
        let chars: Vec<_> = r.errors.iter().filter(|e| e.field == "characters").collect();
        assert_eq!(chars.len(), MAX_CHARACTER_ERRORS + 1);
        assert!(chars[MAX_CHARACTER_ERRORS].message.starts_with("78 more"));
    }

    #[test]
    fn every_check_digit_is_verified() {
        let cases = [(19, "date_of_birth"), (27, "expiry_date"), (42, "optional_data"), (43, "composite")];
        for (idx, field) in cases {
            let mut l2: Vec<char> = TD3_L2.chars().collect();
            l2[idx] = if l2[idx] == '5' { '4' } else { '5' };
            let l2: String = l2.into_iter().collect();
            let r = check(&format!("{TD3_L1}\n{l2}"), today());
            assert!(error_fields(&r).contains(&field), "{field}: {:?}", r.errors);
        }
    }

    #[test]
    fn td3_empty_personal_number_accepts_filler_or_zero_check_digit() {
        // Personal number all fillers, its check digit '<' or '0'.
        for pn_cd in ['<', '0'] {
            let body = format!("L898902C36UTO7408122F1204159<<<<<<<<<<<<<<{pn_cd}");
            let composite = format!("{}{}{}", &body[0..10], &body[13..20], &body[21..43]);
            let c = check_digit(&composite).unwrap();
            let r = check(&format!("{TD3_L1}\n{body}{c}"), today());
            assert!(r.is_valid(), "{pn_cd}: {:?}", r.errors);
            assert_eq!(fields_of(&r).optional_data, "");
        }
        // A filler check digit over a non-empty personal number is wrong.
        let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<<0";
        let r = check(&format!("{TD3_L1}\n{l2}"), today());
        assert!(error_fields(&r).contains(&"optional_data"), "{:?}", r.errors);
    }

    #[test]
    fn dates_not_in_the_calendar_are_errors() {
        // Month 13 and 30 February, with matching check digits.
        for (bad, field, pos) in [("741312", "date_of_birth", 13), ("120230", "expiry_date", 21)] {
            let mut l2: Vec<char> = TD3_L2.chars().collect();
            for (i, ch) in bad.chars().enumerate() {
                l2[pos + i] = ch;
            }
            let cd = char::from(b'0' + check_digit(bad).unwrap());
            l2[pos + 6] = cd;
            let body: String = l2[..43].iter().collect();
            let composite = format!("{}{}{}", &body[0..10], &body[13..20], &body[21..43]);
            let c = check_digit(&composite).unwrap();
            let r = check(&format!("{TD3_L1}\n{body}{c}"), today());
            let errs: Vec<_> = r.errors.iter().collect();
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(errs[0].field, field);
            assert!(errs[0].message.contains("not a calendar date"));
            let f = fields_of(&r);
            let d = if field == "date_of_birth" { &f.date_of_birth } else { &f.expiry_date };
            assert_eq!(d.raw, bad);
            assert_eq!(d.date, None);
        }
    }

    #[test]
    fn birth_century_is_never_in_the_future() {
        let mut v = Validator { errors: vec![], warnings: vec![] };
        let t = today();
        let d = |s: &str, v: &mut Validator| parse_date_of_birth(s, t, v).date;
        assert_eq!(d("740812", &mut v), Some(ymd(1974, 8, 12)));
        assert_eq!(d("100101", &mut v), Some(ymd(2010, 1, 1)));
        assert_eq!(d("261128", &mut v), Some(ymd(2026, 11, 28)));
        assert_eq!(d("261129", &mut v), Some(ymd(1926, 11, 29)));
        assert_eq!(d("000229", &mut v), Some(ymd(2000, 2, 29)));
        assert!(v.errors.is_empty());
        assert_eq!(d("260229", &mut v), None);
        assert_eq!(v.errors.len(), 1);
        // Expiry is always 20YY.
        assert_eq!(parse_expiry("991231", &mut v).date, Some(ymd(2099, 12, 31)));
    }

    #[test]
    fn unknown_birth_date_parts_are_a_warning() {
        for ok in ["7408<<", "74<<<<", "<<<<<<"] {
            let mut v = Validator { errors: vec![], warnings: vec![] };
            let d = parse_date_of_birth(ok, today(), &mut v);
            assert!(v.errors.is_empty(), "{ok}");
            assert_eq!(d.date, None);
            assert_eq!(v.warnings.len(), 1);
        }
        for bad in ["74<812", "7413<<", "7<<<<<", "74081<", "A40812"] {
            let mut v = Validator { errors: vec![], warnings: vec![] };
            parse_date_of_birth(bad, today(), &mut v);
            assert_eq!(v.errors.len(), 1, "{bad}");
        }
    }

    #[test]
    fn implausible_dates_are_warnings() {
        // Expiry before birth: born 2010-01-01 (DOB 100101), expiry 2009-01-01.
        let body = format!(
            "L898902C36UTO100101{}F090101{}ZE184226B<<<<<1",
            check_digit("100101").unwrap(),
            check_digit("090101").unwrap()
        );
        let composite = format!("{}{}{}", &body[0..10], &body[13..20], &body[21..43]);
        let c = check_digit(&composite).unwrap();
        let r = check(&format!("{TD3_L1}\n{body}{c}"), today());
        assert!(r.is_valid(), "{:?}", r.errors);
        assert!(r.warnings.iter().any(|w| w.contains("before the date of birth")));
        assert!(r.warnings.iter().any(|w| w.contains("expired")));
    }

    #[test]
    fn older_than_120_years_warning() {
        // Two-digit years put a date of birth within the last 100 years of
        // `today`, so the warning can only fire through `years_between`.
        assert_eq!(years_between(ymd(1900, 6, 1), ymd(2021, 5, 31)), 120);
        assert_eq!(years_between(ymd(1900, 6, 1), ymd(2021, 6, 1)), 121);
    }

    #[test]
    fn sex_codes() {
        let with_sex = |s: char| {
            let mut l2: Vec<char> = TD3_L2.chars().collect();
            l2[20] = s;
            let l2: String = l2.into_iter().collect();
            check(&format!("{TD3_L1}\n{l2}"), today())
        };
        assert_eq!(fields_of(&with_sex('M')).sex, Sex::Male);
        let r = with_sex('<');
        assert!(r.is_valid());
        assert_eq!(fields_of(&r).sex, Sex::Unspecified);
        let r = with_sex('X');
        assert!(r.is_valid(), "{:?}", r.errors);
        assert_eq!(fields_of(&r).sex, Sex::Unspecified);
        assert!(r.warnings.iter().any(|w| w.contains("'X'")));
        let r = with_sex('Q');
        assert_eq!(error_fields(&r), vec!["sex"]);
    }

    #[test]
    fn document_codes() {
        let with_code = |code: &str| check(&format!("{code}{}\n{TD3_L2}", &TD3_L1[2..]), today());
        assert!(with_code("PA").is_valid());
        let r = with_code("I<");
        assert!(r.is_valid());
        assert!(r.warnings.iter().any(|w| w.contains("unusual")));
        assert_eq!(error_fields(&with_code("X<")), vec!["document_code"]);
        assert_eq!(error_fields(&with_code("P1")), vec!["document_code"]);
        // A visa (MRV-A) has no personal-number or composite check digit.
        let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<<<";
        let r = check(&format!("V<{}\n{l2}", &TD3_L1[2..]), today());
        assert!(r.is_valid(), "{:?}", r.errors);
        assert!(r.warnings.iter().any(|w| w.contains("visa")));
        assert_eq!(fields_of(&r).optional_data, "ZE184226B");
    }

    #[test]
    fn state_codes() {
        let text = "I<D<<D231458907<<<<<<<<<<<<<<<\n\
                    7408122F1204159D<<<<<<<<<<<<<6\n\
                    ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let r = check(text, today());
        assert!(r.is_valid(), "{:?}", r.errors);
        assert_eq!(fields_of(&r).issuing_state, "D");
        assert_eq!(fields_of(&r).nationality, "D");
        for bad in ["<D<", "<<<", "U1O"] {
            let r = check(&format!("P<{bad}{}\n{TD3_L2}", &TD3_L1[5..]), today());
            assert_eq!(error_fields(&r), vec!["issuing_state"], "{bad}");
        }
    }

    #[test]
    fn name_grammar() {
        let name_of = |n: &str| {
            let padded = format!("{n:<<39}");
            check(&format!("P<UTO{padded}\n{TD3_L2}"), today())
        };
        for ok in ["ERIKSSON", "ERIKSSON<<ANNA", "VAN<DER<BERG<<JAN<PIETER", "A<<B"] {
            assert!(name_of(ok).is_valid(), "{ok}");
        }
        let r = name_of("ERIKSSON");
        assert_eq!(fields_of(&r).given_names, "");
        let r = name_of("VAN<DER<BERG<<JAN<PIETER");
        assert_eq!(fields_of(&r).surname, "VAN DER BERG");
        assert_eq!(fields_of(&r).given_names, "JAN PIETER");
        for bad in ["", "<ERIKSSON", "<<ANNA", "ERIKSSON<<<ANNA", "ERIKSSON<<ANNA<<X", "ERIK5SON"] {
            assert_eq!(error_fields(&name_of(bad)), vec!["name"], "{bad:?}");
        }
        // A name that fills the whole field (truncated) is fine.
        assert!(name_of(&"A".repeat(39)).is_valid());
    }

    #[test]
    fn empty_or_misaligned_document_number() {
        for (num, msg) in [("<<<<<<<<<", "empty"), ("<L898902C", "starts with a filler")] {
            let cd = char::from(b'0' + check_digit(num).unwrap());
            let body = format!("{num}{cd}{}", &TD3_L2[10..43]);
            let composite = format!("{}{}{}", &body[0..10], &body[13..20], &body[21..43]);
            let c = check_digit(&composite).unwrap();
            let r = check(&format!("{TD3_L1}\n{body}{c}"), today());
            assert_eq!(error_fields(&r), vec!["document_number"], "{num}");
            assert!(r.errors[0].message.contains(msg));
        }
    }

    #[test]
    fn never_panics_on_odd_shapes() {
        let fillers = "<".repeat(90);
        for text in ["\n\n\n", "<", "P<\n<", fillers.as_str(), "ÄÖÜ\nß\n€", "\r\r\r"] {
            let _ = check(text, today());
        }
        // Right shapes, full of multibyte characters.
        let _ = check(&format!("{}\n{}", "é".repeat(44), "ß".repeat(44)), today());
        let _ = check(&format!("{}\n{}\n{}", "€".repeat(30), "<".repeat(30), "1".repeat(30)), today());
    }
}
