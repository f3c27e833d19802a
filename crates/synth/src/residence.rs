//! Where synthetic residents live: desa of Bengkulu Tengah weighted by plausible kecamatan
//! populations, plus a share from the rest of Bengkulu province.

use rand::RngExt;
use waspada_nik::regions::{self, Level, Region};

use crate::Rng;
use crate::pools;

/// Share (percent) of residents from Bengkulu Tengah; the rest live elsewhere in the province.
const BENGKULU_TENGAH_SHARE: u32 = 85;

/// A cumulative weight table over villages.
struct Table {
    villages: Vec<&'static Region>,
    cumulative: Vec<u64>,
}

impl Table {
    fn pick(&self, rng: &mut Rng) -> &'static Region {
        let total = self.cumulative.last().copied().unwrap_or(1).max(1);
        let x = rng.random_range(0..total);
        let at = self.cumulative.partition_point(|&c| c <= x);
        self.villages[at.min(self.villages.len() - 1)]
    }
}

/// A stable pseudo-weight for a village (1–4) from its code, so desa sizes vary but do not
/// depend on the seed.
fn village_weight(code: &str) -> u64 {
    let hash = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    1 + hash % 4
}

fn table(districts: &[(&'static str, u64)]) -> Table {
    let mut villages = Vec::new();
    let mut cumulative = Vec::new();
    let mut total = 0;
    for &(district, district_weight) in districts {
        let children = regions::children(district);
        let sum: u64 = children.iter().map(|v| village_weight(v.code)).sum::<u64>().max(1);
        for village in children {
            // Village share of its district, scaled to keep integer precision.
            total += district_weight * 1_000 * village_weight(village.code) / sum;
            villages.push(village);
            cumulative.push(total);
        }
    }
    Table { villages, cumulative }
}

/// Picks home villages.
pub struct Residence {
    central: Table,
    province: Table,
    /// Kecamatan of Bengkulu Tengah, for networks that recruit in one area.
    pub kecamatan: Vec<&'static Region>,
    /// Every Bengkulu district, for NIKs registered before a move.
    pub districts: Vec<&'static Region>,
}

impl Residence {
    pub fn new() -> Residence {
        let central = table(&pools::KECAMATAN_WEIGHTS.iter().map(|&(c, w)| (c, u64::from(w))).collect::<Vec<_>>());
        let mut province_districts = Vec::new();
        for &(regency, weight) in pools::PROVINCE_WEIGHTS {
            let districts = regions::children(regency);
            let n = districts.len().max(1) as u64;
            for d in districts {
                province_districts.push((d.code, u64::from(weight) * 10 / n + 1));
            }
        }
        let province = table(&province_districts);
        let kecamatan = regions::children(regions::BENGKULU_TENGAH);
        let districts =
            regions::all(Level::District).into_iter().filter(|d| d.code.starts_with(regions::BENGKULU)).collect();
        Residence { central, province, kecamatan, districts }
    }

    /// A home village for a new household.
    pub fn pick(&self, rng: &mut Rng) -> &'static Region {
        if rng.random_range(0..100) < BENGKULU_TENGAH_SHARE { self.central.pick(rng) } else { self.province.pick(rng) }
    }

    /// A home village in Bengkulu Tengah only.
    pub fn pick_central(&self, rng: &mut Rng) -> &'static Region {
        self.central.pick(rng)
    }

    /// A village inside one kecamatan.
    pub fn pick_in(&self, rng: &mut Rng, district: &str) -> &'static Region {
        let candidates: Vec<&'static Region> = regions::children(district);
        if candidates.is_empty() {
            return self.pick_central(rng);
        }
        candidates[rng.random_range(0..candidates.len())]
    }
}

/// `RT 003/RW 001, Desa Taba Teret, Kec. Taba Penanjung, Kab. Bengkulu Tengah`.
pub fn address(rng: &mut Rng, village: &Region) -> String {
    let district = village.parent.and_then(regions::lookup);
    let regency = district.and_then(|d| d.parent).and_then(regions::lookup);
    let kind = if village.is_kelurahan() { "Kel." } else { "Desa" };
    let regency_name = regency.map_or(String::new(), |r| r.name.replace("Kabupaten ", "Kab. "));
    format!(
        "RT {:03}/RW {:03}, {kind} {}, Kec. {}, {regency_name}",
        rng.random_range(1..=12),
        rng.random_range(1..=5),
        village.name,
        district.map_or("", |d| d.name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn most_residents_live_in_bengkulu_tengah_and_every_kecamatan_appears() {
        let residence = Residence::new();
        assert_eq!(residence.kecamatan.len(), 11);
        let mut rng = Rng::seed_from_u64(3);
        let mut central = 0;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let village = residence.pick(&mut rng);
            assert_eq!(village.level, Level::Village);
            if village.code.starts_with(regions::BENGKULU_TENGAH) {
                central += 1;
                seen.insert(&village.code[..6]);
            }
        }
        assert!((8_000..9_000).contains(&central), "{central}");
        assert_eq!(seen.len(), 11);
    }
}
