//! Transliteration of names into the MRZ alphabet (Doc 9303 Part 3, section 6,
//! "Transliterations recommended for use by States", Latin-based characters).

/// Transliterate one name (a surname or the given names) into MRZ characters.
///
/// * ASCII letters are uppercased.
/// * Latin letters with diacritics are folded with the Doc 9303 recommended
///   transliterations: `É`→`E`, `Ñ`→`N`, `Ü`→`UE`, `Ö`→`OE`, `Ä`→`AE`,
///   `Å`→`AA`, `ß`→`SS`, `Æ`→`AE`, `Ø`→`OE`, `Þ`→`TH`, `Œ`→`OE`, `Ĳ`→`IJ`, …
///   (Doc 9303 also allows the shorter `Ä`→`A`, `Ö`→`O`, `Ü`→`U`; the recommended
///   longer forms are used). Combining accents (decomposed input) are dropped.
/// * Apostrophes are removed (`O'Connor` → `OCONNOR`); hyphens, spaces, commas,
///   periods and other punctuation become a filler `<` (`Marie-Thérèse` →
///   `MARIE<THERESE`).
/// * Runs of fillers are collapsed to one and fillers at either end are removed,
///   so the result never contains `<<`.
/// * Characters with no Latin transliteration here (digits, other scripts) are
///   dropped. [`generate`](crate::generate) reports them as an error instead.
///
/// ```
/// use waspada_mrz::transliterate_name;
/// assert_eq!(transliterate_name("Müller-Lüdenscheidt"), "MUELLER<LUEDENSCHEIDT");
/// assert_eq!(transliterate_name("d'Artagnan"), "DARTAGNAN");
/// assert_eq!(transliterate_name("José María"), "JOSE<MARIA");
/// ```
pub fn transliterate_name(name: &str) -> String {
    transliterate(name, |_| true).unwrap_or_default()
}

/// Like [`transliterate_name`] but fails with the first character that has no
/// transliteration.
pub(crate) fn transliterate_strict(name: &str) -> Result<String, char> {
    transliterate(name, |_| false)
}

/// `skip_unknown` decides, for a character without transliteration, whether to
/// drop it (`true`) or fail with it (`false`).
fn transliterate(name: &str, skip_unknown: impl Fn(char) -> bool) -> Result<String, char> {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match fold(c) {
            Fold::Text(t) => out.push_str(t),
            Fold::Char(ch) => out.push(ch),
            Fold::Filler => out.push('<'),
            Fold::Drop => {}
            Fold::Unknown => {
                if !skip_unknown(c) {
                    return Err(c);
                }
            }
        }
    }
    // Collapse filler runs and trim them at both ends.
    let mut result = String::with_capacity(out.len());
    for part in out.split('<').filter(|p| !p.is_empty()) {
        if !result.is_empty() {
            result.push('<');
        }
        result.push_str(part);
    }
    Ok(result)
}

enum Fold {
    Text(&'static str),
    Char(char),
    Filler,
    Drop,
    Unknown,
}

fn fold(c: char) -> Fold {
    if c.is_ascii_alphabetic() {
        return Fold::Char(c.to_ascii_uppercase());
    }
    if let Some(t) = latin(c) {
        return Fold::Text(t);
    }
    match c {
        // Apostrophes and similar marks are omitted.
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' => Fold::Drop,
        // Combining diacritical marks (decomposed accents).
        '\u{0300}'..='\u{036F}' => Fold::Drop,
        '<' => Fold::Filler,
        c if c.is_whitespace() => Fold::Filler,
        c if c.is_ascii_punctuation() => Fold::Filler,
        // Dashes, other punctuation and symbols outside ASCII.
        c if !c.is_alphanumeric() => Fold::Filler,
        _ => Fold::Unknown,
    }
}

/// Doc 9303 Part 3 recommended transliteration of Latin-based characters.
fn latin(c: char) -> Option<&'static str> {
    Some(match c {
        'À' | 'Á' | 'Â' | 'Ã' | 'Ā' | 'Ă' | 'Ą' | 'à' | 'á' | 'â' | 'ã' | 'ā' | 'ă' | 'ą' => "A",
        'Ä' | 'ä' | 'Æ' | 'æ' => "AE",
        'Å' | 'å' => "AA",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' | 'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "C",
        'Ð' | 'Ď' | 'Đ' | 'ð' | 'ď' | 'đ' => "D",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' | 'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => {
            "E"
        }
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' | 'ĝ' | 'ğ' | 'ġ' | 'ģ' => "G",
        'Ĥ' | 'Ħ' | 'ĥ' | 'ħ' => "H",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' | 'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => {
            "I"
        }
        'Ĳ' | 'ĳ' => "IJ",
        'Ĵ' | 'ĵ' => "J",
        'Ķ' | 'ķ' => "K",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' | 'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "L",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' | 'Ŋ' | 'ñ' | 'ń' | 'ņ' | 'ň' | 'ŋ' => "N",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ō' | 'Ŏ' | 'Ő' | 'ò' | 'ó' | 'ô' | 'õ' | 'ō' | 'ŏ' | 'ő' => "O",
        'Ö' | 'ö' | 'Ø' | 'ø' | 'Œ' | 'œ' => "OE",
        'Ŕ' | 'Ŗ' | 'Ř' | 'ŕ' | 'ŗ' | 'ř' => "R",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' | 'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "S",
        'ß' | 'ẞ' => "SS",
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' | 'ţ' | 'ť' | 'ŧ' | 'ț' => "T",
        'Þ' | 'þ' => "TH",
        'Ù' | 'Ú' | 'Û' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' | 'ù' | 'ú' | 'û' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => {
            "U"
        }
        'Ü' | 'ü' => "UE",
        'Ŵ' | 'ŵ' => "W",
        'Ý' | 'Ŷ' | 'Ÿ' | 'ý' | 'ŷ' | 'ÿ' => "Y",
        'Ź' | 'Ż' | 'Ž' | 'ź' | 'ż' | 'ž' => "Z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_foldings() {
        assert_eq!(transliterate_name("é"), "E");
        assert_eq!(transliterate_name("ñ"), "N");
        assert_eq!(transliterate_name("ü"), "UE");
        assert_eq!(transliterate_name("ö"), "OE");
        assert_eq!(transliterate_name("ä"), "AE");
        assert_eq!(transliterate_name("å"), "AA");
        assert_eq!(transliterate_name("ß"), "SS");
        assert_eq!(transliterate_name("æ"), "AE");
        assert_eq!(transliterate_name("ø"), "OE");
        assert_eq!(transliterate_name("Þór"), "THOR");
        assert_eq!(transliterate_name("Łódź"), "LODZ");
    }

    #[test]
    fn punctuation() {
        assert_eq!(transliterate_name("O'Connor"), "OCONNOR");
        assert_eq!(transliterate_name("O’Connor"), "OCONNOR");
        assert_eq!(transliterate_name("Marie-Thérèse"), "MARIE<THERESE");
        assert_eq!(transliterate_name("St. John"), "ST<JOHN");
        assert_eq!(transliterate_name("Smith, Jr"), "SMITH<JR");
        assert_eq!(transliterate_name("  anna   maria  "), "ANNA<MARIA");
        assert_eq!(transliterate_name("a - b"), "A<B");
        assert_eq!(transliterate_name("Jean–Luc"), "JEAN<LUC");
        assert_eq!(transliterate_name(""), "");
        assert_eq!(transliterate_name("'"), "");
    }

    #[test]
    fn decomposed_accents_are_dropped() {
        assert_eq!(transliterate_name("Jose\u{301}"), "JOSE");
    }

    #[test]
    fn unknown_characters() {
        assert_eq!(transliterate_name("Иван Smith"), "SMITH");
        assert_eq!(transliterate_name("R2D2"), "RD");
        assert_eq!(transliterate_strict("Иван"), Err('И'));
        assert_eq!(transliterate_strict("R2"), Err('2'));
        assert_eq!(transliterate_strict("Ana-Sofía"), Ok("ANA<SOFIA".to_string()));
    }

    #[test]
    fn output_alphabet() {
        let s = transliterate_name("Ærøskøbing ÅÄÖ þ ĳssel !? 42 €uro");
        assert!(s.chars().all(|c| c.is_ascii_uppercase() || c == '<'), "{s}");
        assert!(!s.contains("<<"));
        assert!(!s.starts_with('<') && !s.ends_with('<'));
    }
}
