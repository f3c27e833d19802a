//! The Kemendagri region list: all provinces and regencies of Indonesia, and
//! the districts (kecamatan) and villages (desa/kelurahan) of Bengkulu province.
//!
//! The data is embedded from `data/regions/*.csv` (an extract of the npm package
//! `idn-area-data` 4.0.1, made available under the Open Database License; see
//! [`ATTRIBUTION`] and `data/regions/README.md`). It is parsed once, on first use.
//!
//! Codes are handled as digit strings: `17` (province), `1709` (regency),
//! `170901` (district), `1709012001` (village). Every function that takes a
//! code also accepts the dotted form (`17.09.01`); see [`format_code`] for the
//! reverse.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Regency code of Kabupaten Bengkulu Tengah.
pub const BENGKULU_TENGAH: &str = "1709";

/// Province code of Bengkulu, the only province whose districts and villages are shipped.
pub const BENGKULU: &str = "17";

/// The ODbL notice that must accompany the region data wherever it is shown or conveyed.
pub const ATTRIBUTION: &str = "Region codes contain information from idn-area-data 4.0.1 \
(https://github.com/fityannugroho/idn-area-data), based on Kemendagri region-code decrees, \
which is made available here under the Open Database License (ODbL) \
(https://opendatacommons.org/licenses/odbl/1-0/).";

const PROVINCES_CSV: &str = include_str!("../../../data/regions/provinces.csv");
const REGENCIES_CSV: &str = include_str!("../../../data/regions/regencies.csv");
const DISTRICTS_CSV: &str = include_str!("../../../data/regions/districts.csv");
const VILLAGES_CSV: &str = include_str!("../../../data/regions/villages.csv");

/// The administrative level of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Provinsi (2-digit code).
    Province,
    /// Kabupaten or kota (4-digit code).
    Regency,
    /// Kecamatan (6-digit code).
    District,
    /// Desa or kelurahan (10-digit code).
    Village,
}

impl Level {
    /// Number of digits in a code of this level.
    pub const fn code_len(self) -> usize {
        match self {
            Level::Province => 2,
            Level::Regency => 4,
            Level::District => 6,
            Level::Village => 10,
        }
    }

    /// The level whose codes have `len` digits, if any.
    pub const fn from_code_len(len: usize) -> Option<Level> {
        match len {
            2 => Some(Level::Province),
            4 => Some(Level::Regency),
            6 => Some(Level::District),
            10 => Some(Level::Village),
            _ => None,
        }
    }

    /// The level one step up, or `None` for a province.
    pub const fn parent(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::Regency => Some(Level::Province),
            Level::District => Some(Level::Regency),
            Level::Village => Some(Level::District),
        }
    }
}

/// One region of the Kemendagri list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region {
    /// The code, digits only (`"170901"`).
    pub code: &'static str,
    /// The name as the source spells it (`"Karang Tinggi"`, `"Kabupaten Bengkulu Tengah"`).
    pub name: &'static str,
    /// The level of the region.
    pub level: Level,
    /// The code of the enclosing region, digits only; `None` for provinces.
    pub parent: Option<&'static str>,
}

impl Region {
    /// The dotted code (`"17.09.01"`).
    pub fn formatted_code(&self) -> String {
        format_code(self.code)
    }

    /// For a village: `true` if it is a kelurahan (the village part starts with `1`),
    /// `false` for a desa (starts with `2`). Always `false` for other levels.
    pub fn is_kelurahan(&self) -> bool {
        self.level == Level::Village && self.code.as_bytes().get(6) == Some(&b'1')
    }

    /// For a regency: `true` if it is a city (kota, codes `xx71`–`xx99`).
    pub fn is_city(&self) -> bool {
        self.level == Level::Regency && self.code.as_bytes().get(2) >= Some(&b'7')
    }
}

/// A row of an embedded table that could not be parsed (kept for the data tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadRow {
    pub(crate) level: Level,
    pub(crate) line: usize,
    pub(crate) text: &'static str,
}

struct Index {
    regions: Vec<Region>,
    by_code: HashMap<&'static str, usize>,
    children: HashMap<&'static str, Vec<usize>>,
    bad_rows: Vec<BadRow>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(build_index)
}

fn build_index() -> Index {
    let mut regions = Vec::new();
    let mut bad_rows = Vec::new();
    for (text, level) in [
        (PROVINCES_CSV, Level::Province),
        (REGENCIES_CSV, Level::Regency),
        (DISTRICTS_CSV, Level::District),
        (VILLAGES_CSV, Level::Village),
    ] {
        let (rows, bad) = parse_table(text, level);
        regions.extend(rows);
        bad_rows.extend(bad);
    }
    regions.sort_by(|a, b| a.code.cmp(b.code));
    let mut by_code = HashMap::with_capacity(regions.len());
    let mut children: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (i, region) in regions.iter().enumerate() {
        by_code.entry(region.code).or_insert(i);
        if let Some(parent) = region.parent {
            children.entry(parent).or_default().push(i);
        }
    }
    debug_assert!(bad_rows.is_empty(), "malformed embedded region rows: {bad_rows:?}");
    Index { regions, by_code, children, bad_rows }
}

/// Parse one embedded table. The first line is the header; each further
/// non-empty line is `code,name` (provinces) or `code,parent,name`.
pub(crate) fn parse_table(text: &'static str, level: Level) -> (Vec<Region>, Vec<BadRow>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate().skip(1) {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match parse_row(line, level) {
            Some(region) => rows.push(region),
            None => bad.push(BadRow { level, line: i + 1, text: line }),
        }
    }
    (rows, bad)
}

fn parse_row(line: &'static str, level: Level) -> Option<Region> {
    let (code, rest) = line.split_once(',')?;
    let (parent, name) = match level.parent() {
        None => (None, rest),
        Some(parent_level) => {
            let (parent, name) = rest.split_once(',')?;
            let ok = parent.len() == parent_level.code_len() && is_digits(parent) && code.starts_with(parent);
            if !ok {
                return None;
            }
            (Some(parent), name)
        }
    };
    let ok = code.len() == level.code_len()
        && is_digits(code)
        && !name.is_empty()
        && name.trim() == name
        && !name.contains([',', '"']);
    ok.then_some(Region { code, name, level, parent })
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Normalise a code: trim, drop dots and spaces; `None` unless only ASCII digits remain.
fn normalize_code(code: &str) -> Option<String> {
    let digits: String = code.trim().chars().filter(|c| *c != '.' && *c != ' ').collect();
    is_digits(&digits).then_some(digits)
}

/// Look up a region by code, digits only (`"170901"`) or dotted (`"17.09.01"`).
pub fn lookup(code: &str) -> Option<&'static Region> {
    let code = normalize_code(code)?;
    let idx = index();
    idx.by_code.get(code.as_str()).and_then(|&i| idx.regions.get(i))
}

/// The regions directly inside `code`, sorted by code. Empty for an unknown
/// code, a village, or a district or regency outside Bengkulu (whose
/// children are not shipped).
pub fn children(code: &str) -> Vec<&'static Region> {
    let Some(code) = normalize_code(code) else {
        return Vec::new();
    };
    let idx = index();
    idx.children
        .get(code.as_str())
        .map(|list| list.iter().filter_map(|&i| idx.regions.get(i)).collect())
        .unwrap_or_default()
}

/// All shipped regions of one level, sorted by code.
pub fn all(level: Level) -> Vec<&'static Region> {
    index().regions.iter().filter(|r| r.level == level).collect()
}

/// Write a code in the dotted Kemendagri form: `"1709012001"` → `"17.09.01.2001"`,
/// `"170901"` → `"17.09.01"`. Dotted input is accepted. Anything that is not a
/// 2-, 4-, 6- or 10-digit code is returned trimmed but otherwise unchanged.
pub fn format_code(code: &str) -> String {
    let Some(digits) = normalize_code(code) else {
        return code.trim().to_owned();
    };
    if Level::from_code_len(digits.len()).is_none() {
        return code.trim().to_owned();
    }
    let mut out = String::with_capacity(digits.len() + 3);
    for (i, c) in digits.chars().enumerate() {
        if matches!(i, 2 | 4 | 6) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// The district (kecamatan) of a village code, if both are known.
pub fn district_of(village_code: &str) -> Option<&'static Region> {
    let village = lookup(village_code).filter(|r| r.level == Level::Village)?;
    village.parent.and_then(lookup)
}

/// Normalise a name for comparison: lowercase, letters and digits only
/// (spaces, dots and apostrophes are ignored).
fn name_key(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Regency names carry `Kabupaten`/`Kota`; this strips it for a second-chance match.
fn strip_regency_prefix(key: &str) -> &str {
    for prefix in ["kabupaten", "kab", "kota"] {
        if let Some(rest) = key.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return rest;
        }
    }
    key
}

/// All regions of `level` named `name` (case-, space- and punctuation-insensitive),
/// optionally only inside `parent` (a code of the direct parent or of any
/// ancestor, e.g. villages inside regency `"1709"`). For regencies, a name
/// without `Kabupaten`/`Kota` (`"Bengkulu Tengah"`) also matches when no
/// name matches exactly.
pub fn find_all_by_name(level: Level, parent: Option<&str>, name: &str) -> Vec<&'static Region> {
    let prefix = match parent {
        None => String::new(),
        Some(p) => match normalize_code(p) {
            Some(p) => p,
            None => return Vec::new(),
        },
    };
    let key = name_key(name);
    if key.is_empty() {
        return Vec::new();
    }
    let candidates =
        || index().regions.iter().filter(|r| r.level == level && r.code.starts_with(&prefix) && r.code != prefix);
    let exact: Vec<_> = candidates().filter(|r| name_key(r.name) == key).collect();
    if !exact.is_empty() || level != Level::Regency {
        return exact;
    }
    let wanted = strip_regency_prefix(&key);
    candidates().filter(|r| strip_regency_prefix(&name_key(r.name)) == wanted).collect()
}

/// The one region of `level` named `name` (see [`find_all_by_name`]); `None`
/// when there is no match **or more than one** (village names repeat across
/// districts, so pass a `parent` to disambiguate).
pub fn find_by_name(level: Level, parent: Option<&str>, name: &str) -> Option<&'static Region> {
    match find_all_by_name(level, parent, name).as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Rows of the embedded region files that could not be parsed and were
/// skipped, as `"file line N: text"`. Empty unless the data files were edited
/// badly (a unit test guarantees it for the shipped files); for start-up
/// health checks.
pub fn skipped_rows() -> Vec<String> {
    index()
        .bad_rows
        .iter()
        .map(|b| {
            let file = match b.level {
                Level::Province => "provinces.csv",
                Level::Regency => "regencies.csv",
                Level::District => "districts.csv",
                Level::Village => "villages.csv",
            };
            format!("{file} line {}: {}", b.line, b.text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BT_DISTRICTS: [&str; 11] = [
        "Talang Empat",
        "Karang Tinggi",
        "Taba Penanjung",
        "Pagar Jati",
        "Pondok Kelapa",
        "Pematang Tiga",
        "Merigi Kelindang",
        "Merigi Sakti",
        "Pondok Kubang",
        "Bang Haji",
        "Semidang Lagan",
    ];

    #[test]
    fn every_embedded_row_parses() {
        assert_eq!(skipped_rows(), Vec::<String>::new());
        for (text, level) in [
            (PROVINCES_CSV, Level::Province),
            (REGENCIES_CSV, Level::Regency),
            (DISTRICTS_CSV, Level::District),
            (VILLAGES_CSV, Level::Village),
        ] {
            let (rows, bad) = parse_table(text, level);
            assert!(bad.is_empty(), "{level:?}: {bad:?}");
            let data_lines = text.lines().skip(1).filter(|l| !l.trim().is_empty());
            assert_eq!(rows.len(), data_lines.count(), "{level:?}");
        }
    }

    #[test]
    fn row_counts_match_the_readme() {
        assert_eq!(all(Level::Province).len(), 38);
        assert_eq!(all(Level::Regency).len(), 514);
        assert_eq!(all(Level::District).len(), 129);
        assert_eq!(all(Level::Village).len(), 1513);
    }

    #[test]
    fn codes_are_unique_and_parents_exist() {
        let idx = index();
        assert_eq!(idx.by_code.len(), idx.regions.len(), "duplicate codes");
        for r in &idx.regions {
            if let Some(parent) = r.parent {
                let p = lookup(parent).unwrap_or_else(|| panic!("{} has no parent", r.code));
                assert_eq!(Some(p.level), r.level.parent());
            }
        }
    }

    #[test]
    fn malformed_rows_are_reported_not_kept() {
        let text = "code,regency_code,name\n170901,1709,Karang Tinggi\n17090X,1709,Bad\n170902,1708,Wrong parent\n170903,1709,\n170904,1709\n";
        let (rows, bad) = parse_table(text, Level::District);
        assert_eq!(rows.len(), 1);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![3, 4, 5, 6]);
    }

    #[test]
    fn bengkulu_tengah_has_its_eleven_districts() {
        let bt = lookup(BENGKULU_TENGAH).unwrap();
        assert_eq!(bt.name, "Kabupaten Bengkulu Tengah");
        assert_eq!(bt.level, Level::Regency);
        assert_eq!(bt.parent, Some(BENGKULU));
        let districts = children(BENGKULU_TENGAH);
        assert_eq!(districts.len(), 11);
        for name in BT_DISTRICTS {
            let d =
                find_by_name(Level::District, Some(BENGKULU_TENGAH), name).unwrap_or_else(|| panic!("{name} missing"));
            assert!(districts.contains(&d));
        }
        let codes: Vec<_> = districts.iter().map(|d| d.code).collect();
        let expected: Vec<String> = (1..=11).map(|i| format!("1709{i:02}")).collect();
        assert_eq!(codes, expected);
    }

    #[test]
    fn bengkulu_tengah_districts_are_under_1709() {
        for d in all(Level::District).into_iter().filter(|d| d.parent == Some(BENGKULU_TENGAH)) {
            assert!(d.code.starts_with("1709"), "{}", d.code);
        }
        for d in children(BENGKULU_TENGAH) {
            assert_eq!(d.parent, Some("1709"));
            assert!(d.code.starts_with("1709"));
            assert_eq!(d.level, Level::District);
        }
    }

    #[test]
    fn bengkulu_tengah_has_142_desa_and_1_kelurahan() {
        let villages: Vec<_> = children(BENGKULU_TENGAH).into_iter().flat_map(|d| children(d.code)).collect();
        assert_eq!(villages.len(), 143);
        let kelurahan: Vec<_> = villages.iter().filter(|v| v.is_kelurahan()).collect();
        assert_eq!(kelurahan.len(), 1);
        assert_eq!(kelurahan[0].name, "Taba Penanjung");
        assert_eq!(find_all_by_name(Level::Village, Some(BENGKULU_TENGAH), "").len(), 0);
    }

    #[test]
    fn village_lookup_and_its_district() {
        let v = lookup("17.09.06.1007").unwrap();
        assert_eq!(v.code, "1709061007");
        assert_eq!(v.name, "Taba Penanjung");
        assert_eq!(v.level, Level::Village);
        let d = district_of("1709061007").unwrap();
        assert_eq!(d.code, "170906");
        assert_eq!(d.name, "Taba Penanjung");
        assert_eq!(district_of("170906"), None, "a district is not a village");
        assert_eq!(district_of("1709069999"), None);
        let jumat = find_by_name(Level::Village, Some("17.09.02"), "jumat").unwrap();
        assert_eq!(jumat.name, "Jum'at");
        assert_eq!(district_of(jumat.code).unwrap().name, "Talang Empat");
    }

    #[test]
    fn lookup_accepts_dotted_and_rejects_garbage() {
        assert_eq!(lookup("17.09.01"), lookup("170901"));
        assert_eq!(lookup("17").unwrap().name, "Bengkulu");
        assert_eq!(lookup("3171").unwrap().level, Level::Regency);
        assert!(lookup("99").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("17a9").is_none());
        assert!(lookup("١٧").is_none(), "non-ASCII digits");
    }

    #[test]
    fn children_of_leaf_and_unknown_are_empty() {
        assert!(children("1709061007").is_empty());
        assert!(children("3171").is_empty(), "no districts outside Bengkulu");
        assert!(children("xx").is_empty());
        assert_eq!(children(BENGKULU).len(), 10);
    }

    #[test]
    fn format_code_inserts_dots() {
        assert_eq!(format_code("1709012001"), "17.09.01.2001");
        assert_eq!(format_code("170901"), "17.09.01");
        assert_eq!(format_code("1709"), "17.09");
        assert_eq!(format_code("17"), "17");
        assert_eq!(format_code("17.09.01.2001"), "17.09.01.2001");
        assert_eq!(format_code(" 12345 "), "12345");
        assert_eq!(format_code("abc"), "abc");
        assert_eq!(lookup("1709").unwrap().formatted_code(), "17.09");
    }

    #[test]
    fn find_by_name_is_case_and_space_insensitive() {
        let d = find_by_name(Level::District, None, "  pondok   KELAPA ").unwrap();
        assert_eq!(d.code, "170903");
        let r = find_by_name(Level::Regency, None, "Bengkulu Tengah").unwrap();
        assert_eq!(r.code, BENGKULU_TENGAH);
        let r = find_by_name(Level::Regency, None, "kota bengkulu").unwrap();
        assert_eq!(r.code, "1771");
        assert!(r.is_city());
        assert!(!lookup("1709").unwrap().is_city());
        assert!(find_by_name(Level::Regency, Some("17"), "Sorong").is_none());
        assert_eq!(find_all_by_name(Level::Regency, None, "Sorong").len(), 2);
        assert!(find_by_name(Level::Province, None, "bengkulu").is_some());
        assert!(find_by_name(Level::District, Some("1701"), "Pondok Kelapa").is_none());
        assert!(find_by_name(Level::District, Some("not a code"), "Pondok Kelapa").is_none());
    }

    #[test]
    fn attribution_names_source_and_licence() {
        assert!(ATTRIBUTION.contains("idn-area-data"));
        assert!(ATTRIBUTION.contains("Open Database License"));
    }
}
