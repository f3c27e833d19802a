//! Identifiers that must be unique across a run: NIK serials, document numbers, phone numbers.
//!
//! All of them come from counters pushed through a fixed permutation, so they are unique by
//! construction, deterministic, and need memory that does not grow with the number of persons.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rand::RngExt;

use crate::Rng;
use crate::names::Sex;
use crate::pools;

/// Hands out the 4-digit NIK serials: one counter per (district, sex, DDMMYY).
///
/// Why dense counters: a NIK is unique only if no two persons share district, birth date and sex
/// *and* serial. Counting per key makes every NIK unique without remembering the NIKs themselves;
/// the table has a fixed size (districts × 2 × 37,200 two-byte counters, allocated lazily by the
/// OS) whatever the number of persons.
pub struct NikSerials {
    slots: HashMap<String, usize>,
    counters: Vec<u16>,
}

const DATE_KEYS: usize = 100 * 12 * 31;

impl NikSerials {
    pub fn new() -> NikSerials {
        NikSerials { slots: HashMap::new(), counters: Vec::new() }
    }

    /// The next NIK for someone registered in `district` (6 digits), or `None` when all 9,999
    /// serials of that key are taken (the caller then picks another district).
    pub fn next(&mut self, district: &str, born: NaiveDate, sex: Sex) -> Option<String> {
        let next_slot = self.slots.len();
        let slot = *self.slots.entry(district.to_owned()).or_insert(next_slot);
        if slot == next_slot {
            self.counters.resize((slot + 1) * 2 * DATE_KEYS, 0);
        }
        let yy = born.year().rem_euclid(100) as usize;
        let date_key = (yy * 12 + born.month0() as usize) * 31 + born.day0() as usize;
        let index = (slot * 2 + usize::from(sex == Sex::Female)) * DATE_KEYS + date_key;
        let counter = self.counters.get_mut(index)?;
        if *counter >= 9_999 {
            return None;
        }
        *counter += 1;
        let day = born.day() + if sex == Sex::Female { 40 } else { 0 };
        Some(format!("{district}{day:02}{:02}{yy:02}{:04}", born.month(), *counter))
    }
}

/// A bijection on `0..modulus` (modulus a power of ten): multiply by a number coprime to 10 and
/// add an offset. Spreads sequential counters over the number space so numbers look random.
fn permute(k: u64, modulus: u64, offset: u64) -> u64 {
    const MULTIPLIER: u64 = 7_654_321; // odd and not a multiple of 5, so coprime to 10ⁿ
    ((k % modulus) * (MULTIPLIER % modulus) + offset) % modulus
}

/// Unique document numbers in the Indonesian style: one letter and seven digits for passports,
/// `SP` and six digits for SPLP.
pub struct DocumentNumbers {
    offset: u64,
    passports: u64,
    epassports: u64,
    splp: u64,
}

impl DocumentNumbers {
    pub fn new(rng: &mut Rng) -> DocumentNumbers {
        DocumentNumbers { offset: rng.random_range(0..10_000_000), passports: 0, epassports: 0, splp: 0 }
    }

    /// An ordinary (non-electronic) passport number: `B`, `C`, … then seven digits.
    pub fn passport(&mut self) -> String {
        let k = self.passports;
        self.passports += 1;
        let letter = [b'C', b'B', b'A', b'D', b'F', b'G'][(k / 10_000_000) as usize % 6] as char;
        format!("{letter}{:07}", permute(k, 10_000_000, self.offset))
    }

    /// An electronic passport number: `E` or `X` then seven digits.
    pub fn epassport(&mut self) -> String {
        let k = self.epassports;
        self.epassports += 1;
        let letter = [b'E', b'X', b'H', b'K'][(k / 10_000_000) as usize % 4] as char;
        format!("{letter}{:07}", permute(k, 10_000_000, self.offset / 3))
    }

    /// An SPLP number.
    pub fn splp(&mut self) -> String {
        let k = self.splp;
        self.splp += 1;
        let letter = [b'P', b'Q', b'R', b'T'][(k / 1_000_000) as usize % 4] as char;
        format!("S{letter}{:06}", permute(k, 1_000_000, self.offset % 1_000_000))
    }
}

/// Unique Indonesian mobile numbers in E.164 form.
pub struct PhoneNumbers {
    offset: u64,
    next: u64,
}

impl PhoneNumbers {
    pub fn new(rng: &mut Rng) -> PhoneNumbers {
        PhoneNumbers { offset: rng.random_range(0..100_000_000), next: 0 }
    }

    /// A fresh number nobody else in the run has.
    pub fn fresh(&mut self, rng: &mut Rng) -> String {
        let k = self.next;
        self.next += 1;
        let prefix = pools::MOBILE_PREFIXES[rng.random_range(0..pools::MOBILE_PREFIXES.len())];
        // The eight-digit part is unique on its own; a prefix block per 10⁸ numbers keeps it so.
        let block = (k / 100_000_000) as usize;
        let prefix = if block == 0 { prefix } else { pools::MOBILE_PREFIXES[block % pools::MOBILE_PREFIXES.len()] };
        format!("+62{prefix}{:08}", permute(k, 100_000_000, self.offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn permutation_is_a_bijection() {
        let seen: HashSet<u64> = (0..100_000).map(|k| permute(k, 100_000, 17)).collect();
        assert_eq!(seen.len(), 100_000);
    }

    #[test]
    fn nik_serials_count_per_key_and_parse() {
        let mut serials = NikSerials::new();
        let born = NaiveDate::from_ymd_opt(1990, 3, 7).unwrap_or_default();
        let a = serials.next("170901", born, Sex::Female).unwrap_or_default();
        let b = serials.next("170901", born, Sex::Female).unwrap_or_default();
        let c = serials.next("170901", born, Sex::Male).unwrap_or_default();
        assert_eq!(a, "1709014703900001");
        assert_eq!(b, "1709014703900002");
        assert_eq!(c, "1709010703900001");
        // Same DDMMYY a century apart shares the key, as the NIK itself does.
        let old = NaiveDate::from_ymd_opt(1890, 3, 7).unwrap_or_default();
        assert_eq!(serials.next("170901", old, Sex::Female).unwrap_or_default(), "1709014703900003");
    }

    #[test]
    fn document_numbers_are_unique() {
        let mut rng = Rng::seed_from_u64(1);
        let mut numbers = DocumentNumbers::new(&mut rng);
        let mut seen = HashSet::new();
        for _ in 0..50_000 {
            assert!(seen.insert(numbers.passport()));
            assert!(seen.insert(numbers.epassport()));
            assert!(seen.insert(numbers.splp()));
        }
    }
}
