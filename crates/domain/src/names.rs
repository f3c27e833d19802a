use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, invalid};

/// A person's name as written on the record. Personal data: `Debug` redacts it.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FullName(String);

impl FullName {
    /// Trims and collapses white space; rejects empty names and control characters.
    pub fn parse(field: &'static str, text: &str) -> Result<FullName> {
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(Error::Missing { field });
        }
        if collapsed.chars().any(|c| c.is_control() || c == '|') {
            return Err(invalid(field, "contains a control character or `|` (which separates list items)"));
        }
        if collapsed.chars().count() > 200 {
            return Err(invalid(field, "is longer than 200 characters"));
        }
        if !collapsed.chars().any(char::is_alphabetic) {
            return Err(invalid(field, "contains no letters"));
        }
        Ok(FullName(collapsed))
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The keys under which this name can be found by an exact lookup.
    pub fn lookup_keys(&self) -> Vec<String> {
        name_lookup_keys(&self.0)
    }
}

impl fmt::Debug for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FullName(…)")
    }
}

/// Folds a name to upper-case ASCII letters and digits separated by single spaces: accents are
/// removed, punctuation becomes a space. `"Siti Nur'aini, S.Pd."` becomes `"SITI NUR AINI S PD"`.
pub fn normalise_name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        let folded = fold_char(ch);
        match folded {
            Some(letters) => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push_str(letters);
            }
            None if ch == '\'' || ch == '’' || ch == '`' => {}
            None => pending_space = true,
        }
    }
    out
}

/// The keys under which a stored name is indexed for exact lookup, tolerant of case, spacing,
/// punctuation and word order: the name with all spaces removed (so `Nurhayati` finds
/// `Nur Hayati`), and, when it differs, the same with the words sorted (so `Hayati Nur` finds
/// `Nur Hayati`). Fuzzy matching is the screening crate's job. Query with [`name_query_keys`].
pub fn name_lookup_keys(text: &str) -> Vec<String> {
    let Some((joined, sorted)) = joined_and_sorted(text) else { return Vec::new() };
    // The prefixes keep the two kinds apart. The sorted key is left out when it equals the joined
    // one, which saves index rows for names already in word order; queries make up for it.
    if sorted == joined { vec![format!("n:{joined}")] } else { vec![format!("n:{joined}"), format!("s:{sorted}")] }
}

/// The keys to look a query up with: a stored name matches when it has any of them.
pub fn name_query_keys(text: &str) -> Vec<String> {
    let Some((joined, sorted)) = joined_and_sorted(text) else { return Vec::new() };
    let mut keys = vec![format!("n:{joined}"), format!("s:{sorted}")];
    if sorted != joined {
        // A stored name whose words were already in order has only its joined key.
        keys.push(format!("n:{sorted}"));
    }
    keys
}

fn joined_and_sorted(text: &str) -> Option<(String, String)> {
    let normalised = normalise_name(text);
    if normalised.is_empty() {
        return None;
    }
    let joined: String = normalised.split(' ').collect();
    let mut words: Vec<&str> = normalised.split(' ').collect();
    words.sort_unstable();
    Some((joined, words.concat()))
}

fn fold_char(ch: char) -> Option<&'static str> {
    // Why by hand: the names we see use Latin letters with a few accents (from Dutch-era and
    // Arabic transliterations); a full Unicode decomposition crate would be heavier than this table.
    const LETTERS: [&str; 26] = [
        "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V",
        "W", "X", "Y", "Z",
    ];
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    let upper = ch.to_ascii_uppercase();
    if upper.is_ascii_uppercase() {
        return Some(LETTERS[(upper as u8 - b'A') as usize]);
    }
    if ch.is_ascii_digit() {
        return Some(DIGITS[(ch as u8 - b'0') as usize]);
    }
    Some(match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' => "A",
        'ç' | 'Ç' => "C",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' => "E",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => "I",
        'ñ' | 'Ñ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' => "O",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' => "U",
        'ý' | 'ÿ' | 'Ý' => "Y",
        'ß' => "SS",
        'æ' | 'Æ' => "AE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_punctuation_and_accents() {
        assert_eq!(normalise_name("  siti   NUR'aini, S.Pd. "), "SITI NURAINI S PD");
        assert_eq!(normalise_name("José Ramos-Horta"), "JOSE RAMOS HORTA");
        assert_eq!(normalise_name("!!!"), "");
    }

    #[test]
    fn lookup_keys_tolerate_spacing_and_order() {
        let stored = name_lookup_keys("Nur Hayati");
        assert!(name_query_keys("NURHAYATI").iter().any(|k| stored.contains(k)));
        assert!(name_query_keys("hayati, nur").iter().any(|k| stored.contains(k)));
        let in_order = name_lookup_keys("Ani Lestari");
        assert_eq!(in_order.len(), 1);
        assert!(name_query_keys("Lestari Ani").iter().any(|k| in_order.contains(k)));
        assert!(name_query_keys("ani lestari").iter().any(|k| in_order.contains(k)));
        assert!(!name_query_keys("Nur Hayat").iter().any(|k| stored.contains(k)));
    }

    #[test]
    fn full_name_rules() {
        assert_eq!(FullName::parse("full_name", "  Ani   Lestari ").unwrap().as_str(), "Ani Lestari");
        assert!(FullName::parse("full_name", "   ").is_err());
        assert!(FullName::parse("full_name", "123").is_err());
        assert_eq!(format!("{:?}", FullName::parse("f", "Ani").unwrap()), "FullName(…)");
    }
}
