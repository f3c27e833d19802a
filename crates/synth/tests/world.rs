//! The generated world: valid for import, consistent, deterministic, and its truth files agree
//! with the records they label.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use waspada_formats::{FileFormat, Kind, Reader};
use waspada_synth::{Config, SynthError, generate};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn make(seed: u64, persons: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    generate(&Config { seed, persons, as_of: as_of() }, &out, false, &mut |_| {}).unwrap();
    dir
}

/// Rows of a CSV file as maps from column to value.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect()
        })
        .collect()
}

fn column(rows: &[HashMap<String, String>], name: &str) -> Vec<String> {
    rows.iter().map(|r| r[name].clone()).collect()
}

/// Every row of every import file passes the same validation `waspada import` applies.
fn assert_importable(out: &Path) {
    for kind in Kind::ALL {
        let path = out.join(format!("{}.csv", kind.stem()));
        let file = std::fs::File::open(&path).unwrap();
        let reader = Reader::new(kind, FileFormat::Csv, std::io::BufReader::new(file), as_of()).unwrap();
        let mut count = 0;
        for (line, row) in reader {
            count += 1;
            if let Err(reason) = row {
                panic!("{}:{line}: {reason}", path.display());
            }
        }
        assert!(count > 0, "{} is empty", path.display());
    }
}

#[test]
fn every_row_is_importable_and_every_reference_resolves() {
    let dir = make(11, 6_000);
    let out = dir.path().join("out");
    assert_importable(&out);

    let persons = rows(&out.join("persons.csv"));
    assert_eq!(persons.len(), 6_000);
    let niks: HashSet<String> = column(&persons, "nik").into_iter().collect();
    assert_eq!(niks.len(), persons.len(), "NIKs are unique");
    let central = persons.iter().filter(|p| p["region_code"].starts_with("1709")).count();
    assert!(central * 100 / persons.len() >= 75, "most persons live in Bengkulu Tengah ({central})");
    let kecamatan: HashSet<&str> =
        persons.iter().filter(|p| p["region_code"].starts_with("1709")).map(|p| &p["region_code"][..6]).collect();
    assert_eq!(kecamatan.len(), 11, "all 11 kecamatan are populated");
    let women = persons.iter().filter(|p| p["sex"] == "F").count();
    assert!((40..=60).contains(&(women * 100 / persons.len())), "sex mix {women}");
    let minors =
        persons.iter().filter(|p| p["date_of_birth"].len() == 10 && p["date_of_birth"].as_str() > "2008-11-01").count();
    assert!(minors * 100 / persons.len() >= 15, "children are part of the population ({minors})");

    let documents = rows(&out.join("documents.csv"));
    let numbers: HashSet<String> = column(&documents, "number").into_iter().collect();
    assert_eq!(numbers.len(), documents.len(), "document numbers are unique");
    for d in &documents {
        assert!(niks.contains(&d["holder_nik"]), "holder {} is a stored person", d["holder_nik"]);
    }
    assert!(documents.iter().any(|d| d["status"] == "lost"), "some passports are lost");
    assert!(documents.iter().any(|d| d["kind"] == "splp"), "some returnees carry an SPLP");

    let applications = rows(&out.join("applications.csv"));
    let references: HashSet<String> = column(&applications, "reference").into_iter().collect();
    assert_eq!(references.len(), applications.len(), "references are unique");
    for a in &applications {
        assert!(niks.contains(&a["applicant_nik"]));
        assert!(a["applied_on"].as_str() <= "2026-11-01");
    }
    let purposes: HashSet<&str> = applications.iter().map(|a| a["purpose"].as_str()).collect();
    for purpose in ["umrah", "tourism", "work", "family_visit"] {
        assert!(purposes.contains(purpose), "purpose {purpose} occurs");
    }

    let crossings = rows(&out.join("crossings.csv"));
    for c in &crossings {
        assert!(numbers.contains(&c["document_number"]), "crossing document {} exists", c["document_number"]);
        for companion in c["companions"].split('|').filter(|s| !s.is_empty()) {
            assert!(numbers.contains(companion), "companion {companion} exists");
        }
        assert!(c["crossed_at"].as_str() < "2026-11-02", "nothing after the reference date");
    }
    let gateways: HashSet<&str> = crossings.iter().map(|c| c["checkpoint"].as_str()).collect();
    assert!(gateways.contains("CGK") && gateways.len() >= 4, "several gateways: {gateways:?}");
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let a = make(3, 1_500);
    let b = make(3, 1_500);
    let c = make(4, 1_500);
    for name in waspada_synth::OUTPUT_FILES {
        let left = std::fs::read(a.path().join("out").join(name)).unwrap();
        let right = std::fs::read(b.path().join("out").join(name)).unwrap();
        assert!(left == right, "{name} differs between two runs of one seed");
    }
    let persons_a = std::fs::read(a.path().join("out/persons.csv")).unwrap();
    let persons_c = std::fs::read(c.path().join("out/persons.csv")).unwrap();
    assert_ne!(persons_a, persons_c);
}

#[test]
fn truth_labels_point_at_real_records_and_patterns_look_as_documented() {
    let dir = make(21, 8_000);
    let out = dir.path().join("out");
    let persons = rows(&out.join("persons.csv"));
    let by_nik: HashMap<String, &HashMap<String, String>> = persons.iter().map(|p| (p["nik"].clone(), p)).collect();
    let documents: HashSet<String> = column(&rows(&out.join("documents.csv")), "number").into_iter().collect();
    let applications = rows(&out.join("applications.csv"));
    let by_reference: HashMap<String, &HashMap<String, String>> =
        applications.iter().map(|a| (a["reference"].clone(), a)).collect();

    let labels = rows(&out.join("truth/labels.csv"));
    for label in &labels {
        let key = &label["record_key"];
        let exists = match label["record_kind"].as_str() {
            "person" => by_nik.contains_key(key),
            "document" => documents.contains(key),
            "application" => by_reference.contains_key(key),
            other => panic!("unknown record kind {other}"),
        };
        assert!(exists, "label {label:?} points at a record that exists");
    }

    let patterns = rows(&out.join("truth/patterns.csv"));
    let kinds: HashSet<&str> = patterns.iter().map(|p| p["pattern"].as_str()).collect();
    for kind in [
        "recruiter_network",
        "identity_fraud",
        "far_from_domicile",
        "splp_repatriation",
        "licensed_umrah_group",
        "family_travel",
        "lost_or_stolen_passport",
    ] {
        assert!(kinds.contains(kind), "pattern {kind} is planted; have {kinds:?}");
    }

    // Recruiter networks: one contact phone behind most applications, young applicants from one
    // kecamatan, within weeks.
    for network in patterns.iter().filter(|p| p["pattern"] == "recruiter_network") {
        let id = &network["pattern_id"];
        let apps: Vec<&HashMap<String, String>> = labels
            .iter()
            .filter(|l| &l["pattern_id"] == id && l["record_kind"] == "application")
            .map(|l| by_reference[&l["record_key"]])
            .collect();
        assert!(apps.len() >= 4, "{id} has applications");
        let with_agent_phone = apps.iter().filter(|a| a["contact_phone"] == network["contact_phone"]).count();
        assert!(with_agent_phone * 2 >= apps.len(), "{id}: the agent's phone is on most applications");
        for a in &apps {
            assert!(a["applied_on"] >= network["started_on"] && a["applied_on"] <= network["ended_on"]);
            assert!(["tourism", "umrah", "family_visit"].contains(&a["purpose"].as_str()));
        }
        let kecamatan = &network["region_code"][..6];
        let local = apps.iter().filter(|a| by_nik[&a["applicant_nik"]]["region_code"].starts_with(kecamatan)).count();
        assert!(local * 10 >= apps.len() * 7, "{id}: recruits come from one kecamatan");
    }

    // Licensed umrah groups are older pilgrims, all issued.
    for group in patterns.iter().filter(|p| p["pattern"] == "licensed_umrah_group") {
        for label in labels.iter().filter(|l| l["pattern_id"] == group["pattern_id"]) {
            let app = by_reference[&label["record_key"]];
            assert_eq!(app["decision"], "issued");
            let born = &by_nik[&app["applicant_nik"]]["date_of_birth"];
            assert!(born.as_str() < "1997", "pilgrims are 30 or older: born {born}");
        }
    }

    // Identity pairs: two different NIKs, names and birth dates for one human.
    let pairs = rows(&out.join("truth/identity_pairs.csv"));
    assert!(!pairs.is_empty());
    for pair in &pairs {
        assert_ne!(pair["nik_a"], pair["nik_b"]);
        assert_ne!(pair["name_a"], pair["name_b"]);
        assert_ne!(pair["born_a"], pair["born_b"]);
        assert!(by_nik.contains_key(&pair["nik_a"]) && by_nik.contains_key(&pair["nik_b"]));
        if pair["pattern"] == "minor_as_adult" {
            assert!(pair["born_a"].as_str() > "2008-11-01", "the genuine identity is a minor");
            assert!(pair["born_b"].as_str() <= "2008-11-01", "the second identity is an adult");
        }
    }

    // Bursts precede their reports; the reports exist.
    let reports: HashMap<String, serde_json::Value> = std::fs::read_to_string(out.join("public_reports.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["id"].as_str().unwrap().to_owned(), v)
        })
        .collect();
    for burst in rows(&out.join("truth/bursts.csv")) {
        for id in burst["report_ids"].split('|').filter(|s| !s.is_empty()) {
            let report = &reports[id];
            assert!(report["received_at"].as_str().unwrap() > burst["started_on"].as_str());
            assert!(!report["text"].as_str().unwrap().is_empty());
        }
    }
    for truth in rows(&out.join("truth/reports.csv")) {
        assert!(reports.contains_key(&truth["report_id"]));
    }
}

#[test]
fn passports_carry_valid_machine_readable_zones() {
    let dir = make(5, 3_000);
    let out = dir.path().join("out");
    let zones = rows(&out.join("truth/mrz.csv"));
    assert!(zones.len() > 50);
    for zone in zones {
        let text = format!("{}\n{}", zone["line1"], zone["line2"]);
        let report = waspada_mrz::check(&text, as_of());
        assert!(report.is_valid(), "{text}: {report:?}");
    }
}

#[test]
fn an_output_folder_with_data_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let config = Config { seed: 1, persons: 500, as_of: as_of() };
    let error = generate(&config, &out, false, &mut |_| {}).unwrap_err();
    assert!(matches!(error, SynthError::NotEmpty(_)), "{error}");
    assert!(!out.join("persons.csv").exists());
    generate(&config, &out, true, &mut |_| {}).unwrap();
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine", "other files are left alone");
    let leftovers: Vec<_> = walk(&out).into_iter().filter(|p| p.extension().is_some_and(|e| e == "part")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn impossible_sizes_and_dates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for persons in [0, 99, 20_000_001] {
        let error = generate(&Config { seed: 1, persons, as_of: as_of() }, &out, false, &mut |_| {}).unwrap_err();
        assert!(matches!(error, SynthError::Size(_)), "{error}");
    }
    let early = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
    let error = generate(&Config { seed: 1, persons: 500, as_of: early }, &out, false, &mut |_| {}).unwrap_err();
    assert!(matches!(error, SynthError::AsOf(_)), "{error}");
    assert!(!out.exists(), "nothing is written for a refused run");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

mod seeds {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

        /// Any seed and size, and any reference date, gives files that import without a
        /// rejected row.
        #[test]
        fn any_seed_gives_importable_files(seed in any::<u64>(), persons in 100u64..2_500, days in 0i64..3_000) {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            let as_of = NaiveDate::from_ymd_opt(2018, 1, 1).unwrap() + chrono::Duration::days(days);
            generate(&Config { seed, persons, as_of }, &out, false, &mut |_| {}).unwrap();
            for kind in Kind::ALL {
                let path = out.join(format!("{}.csv", kind.stem()));
                let file = std::fs::File::open(&path).unwrap();
                let reader = Reader::new(kind, FileFormat::Csv, std::io::BufReader::new(file), as_of).unwrap();
                for (line, row) in reader {
                    prop_assert!(row.is_ok(), "{}:{line}: {:?}", path.display(), row.err());
                }
            }
        }
    }
}
