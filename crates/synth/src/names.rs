//! Indonesian names and their real-world spelling variants.

use rand::RngExt;
use rand::seq::IndexedRandom;

use crate::Rng;
use crate::pools;

/// Male or female.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// `M` or `F`, as the import formats write it.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

/// The naming tradition a household follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tradition {
    /// Malay / Rejang given names, often with a second word.
    Local,
    /// Arabic-origin first names (Muhammad, Siti, Nur …).
    Arabic,
    /// Chinese-Indonesian: Indonesianised or clan family names.
    Chinese,
}

/// Picks a household's tradition: Bengkulu is mostly Muslim Malay and Rejang; a small
/// Chinese-Indonesian community lives in the towns.
pub fn tradition(rng: &mut Rng) -> Tradition {
    match rng.random_range(0..100) {
        0..55 => Tradition::Local,
        55..97 => Tradition::Arabic,
        _ => Tradition::Chinese,
    }
}

fn pick<'a>(rng: &mut Rng, list: &'a [&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("Budi")
}

/// The first given name of a full name (used for bin/binti).
pub fn first_word(name: &str) -> &str {
    name.split(' ').next().unwrap_or(name)
}

/// A full name for someone of this sex, tradition and age. `father` (a full name) enables the
/// `bin`/`binti` pattern; `family` keeps a Chinese-Indonesian family name across a household.
pub fn full_name(
    rng: &mut Rng,
    sex: Sex,
    tradition: Tradition,
    age: i64,
    father: Option<&str>,
    family: &str,
) -> String {
    // Older people more often carry a single name.
    let mononym_chance = if age >= 55 {
        35
    } else if age >= 35 {
        12
    } else {
        4
    };
    if tradition != Tradition::Chinese && rng.random_range(0..100) < mononym_chance {
        return match sex {
            Sex::Male => pick(rng, pools::MALE_LOCAL).to_owned(),
            Sex::Female => pick(rng, pools::FEMALE_LOCAL).to_owned(),
        };
    }
    match tradition {
        Tradition::Chinese => {
            let given = match sex {
                Sex::Male => pick(rng, pools::CHINESE_GIVEN_MALE),
                Sex::Female => pick(rng, pools::CHINESE_GIVEN_FEMALE),
            };
            if given.contains(' ') {
                // Clan style: family name first ("Lim Siu Lan").
                format!("{family} {given}")
            } else {
                format!("{given} {family}")
            }
        }
        Tradition::Local | Tradition::Arabic => {
            let first = match (tradition, sex) {
                (Tradition::Arabic, Sex::Male) => pick(rng, pools::MALE_ARABIC),
                (Tradition::Arabic, Sex::Female) => pick(rng, pools::FEMALE_ARABIC),
                (_, Sex::Male) => pick(rng, pools::MALE_LOCAL),
                (_, Sex::Female) => pick(rng, pools::FEMALE_LOCAL),
            };
            if let Some(father) = father
                && rng.random_range(0..100) < 10
            {
                let word = if sex == Sex::Male { "bin" } else { "binti" };
                return format!("{first} {word} {}", first_word(father));
            }
            let roll = rng.random_range(0..100);
            let second = match sex {
                Sex::Male if roll < 45 => Some(pick(rng, pools::MALE_SECOND)),
                Sex::Male if roll < 70 => Some(pick(rng, pools::MALE_LOCAL)),
                Sex::Female if roll < 45 => Some(pick(rng, pools::FEMALE_SECOND)),
                Sex::Female if roll < 70 => Some(pick(rng, pools::FEMALE_LOCAL)),
                _ => None,
            };
            match second {
                Some(second) if second != first => format!("{first} {second}"),
                _ => first.to_owned(),
            }
        }
    }
}

/// Splits a full name as Indonesian passports print it: the last word is the surname, the rest
/// the given names; a single name is all surname.
pub fn passport_parts(full: &str) -> (&str, &str) {
    match full.rsplit_once(' ') {
        Some((given, surname)) => (surname, given),
        None => (full, ""),
    }
}

/// Substitutions seen between the spellings of one Indonesian name: old (pre-1972) and new
/// spelling, Arabic transliterations, dropped or added letters. Applied to one occurrence.
const SUBSTITUTIONS: &[(&str, &str)] = &[
    ("Muhammad", "Muhamad"),
    ("Muhammad", "Mohammad"),
    ("Muhammad", "Mochamad"),
    ("Muhammad", "M."),
    ("Muhamad", "Muhammad"),
    ("Mohammad", "Muhammad"),
    ("Yusuf", "Jusuf"),
    ("Yusuf", "Yusup"),
    ("Ya", "Ja"),
    ("Yu", "Ju"),
    ("Sy", "Sj"),
    ("sy", "sj"),
    ("Kh", "Ch"),
    ("kh", "ch"),
    ("Ch", "Kh"),
    ("u", "oe"),
    ("F", "P"),
    ("f", "p"),
    ("Z", "J"),
    ("Nur ", "Nur"),
    ("Nur", "Noor"),
    ("Siti ", "St. "),
    ("Abdul Rahman", "Abdurrahman"),
    ("Abdul ", "Abd. "),
    ("ah", "a"),
    ("i", "y"),
    ("y", "i"),
    ("dd", "d"),
    ("mm", "m"),
    ("t", "th"),
    ("ie", "i"),
    ("e", "i"),
    ("Rahmat", "Rachmat"),
    ("Hidayat", "Hidajat"),
    ("Saputra", "Saputera"),
    ("Syahputra", "Saputra"),
    ("wati", "wathi"),
];

/// A different spelling of `name` as it might appear on another record of the same person.
/// Always returns something different from `name` that is still a valid name.
pub fn spelling_variant(rng: &mut Rng, name: &str) -> String {
    let applicable: Vec<&(&str, &str)> = SUBSTITUTIONS.iter().filter(|(from, _)| name.contains(from)).collect();
    let mut out = name.to_owned();
    let changes = if applicable.len() > 1 && rng.random_bool(0.3) { 2 } else { 1 };
    for _ in 0..changes {
        let Some((from, to)) = applicable.choose(rng).copied() else { break };
        // Replace the first occurrence after a random starting word.
        if let Some(at) = out.find(from) {
            out.replace_range(at..at + from.len(), to);
        }
    }
    if out == name || !out.chars().any(char::is_alphabetic) {
        out = match name.split_once(' ') {
            // Drop the second word ("Siti Aisyah Putri" → "Siti Putri" keeps the rest).
            Some((first, rest)) if rest.contains(' ') => {
                format!("{first} {}", rest.split_once(' ').map_or(rest, |(_, tail)| tail))
            }
            // Word order swapped, common when forms are filled by someone else.
            Some((first, rest)) => format!("{rest} {first}"),
            // Double the last consonant.
            None => {
                let mut s = name.to_owned();
                if let Some(last) = s.chars().last() {
                    s.push(last);
                }
                s
            }
        };
    }
    out
}

/// A nickname (panggilan) used as an alias.
pub fn nickname(rng: &mut Rng, full: &str) -> String {
    let first = first_word(full);
    let letters: Vec<char> = first.chars().collect();
    if letters.len() > 4 && rng.random_bool(0.5) {
        // Last syllable-ish: "Hendra" → "Hen", "Yuliana" → "Yuli".
        letters[..letters.len().min(4)].iter().collect()
    } else {
        let pool: &[&str] = &["Ujang", "Buyung", "Upik", "Nong", "Dek", "Atok", "Uni", "Ajo"];
        pick(rng, pool).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn variants_differ_and_stay_names() {
        let mut rng = Rng::seed_from_u64(7);
        for name in ["Muhammad Yusuf", "Siti Nurhayati", "Budi", "Lim Siu Lan", "Ahmad bin Hasan", "Eko"] {
            for _ in 0..50 {
                let variant = spelling_variant(&mut rng, name);
                assert_ne!(variant, name);
                assert!(variant.chars().any(char::is_alphabetic));
                assert!(!variant.contains('|'));
            }
        }
    }

    #[test]
    fn passport_parts_put_the_last_word_in_the_surname() {
        assert_eq!(passport_parts("Siti Nur Aini"), ("Aini", "Siti Nur"));
        assert_eq!(passport_parts("Sumiati"), ("Sumiati", ""));
    }
}
