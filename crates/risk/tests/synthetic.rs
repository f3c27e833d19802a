//! The detectors against a synthetic world's planted patterns (docs/synthetic-data.md): the
//! floors here are well below what `bench/detect_eval.py` measures, so a detector that breaks
//! fails the test, and a look-alike that starts being flagged does too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use waspada_formats::{FileFormat, Kind, Reader, Record};
use waspada_risk::{Facts, Policy, Recommendation, assess_application, assess_person};

fn rows(path: &std::path::Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
        .collect()
}

#[test]
fn planted_patterns_are_found_and_look_alikes_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("world");
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    waspada_synth::generate(&waspada_synth::Config { seed: 9, persons: 30_000, as_of }, &out, false, &mut |_| {})
        .unwrap();
    let mut facts = Facts::new();
    for kind in [Kind::Persons, Kind::Documents, Kind::Applications] {
        let file = std::fs::File::open(out.join(format!("{}.csv", kind.stem()))).unwrap();
        for (_, row) in Reader::new(kind, FileFormat::Csv, std::io::BufReader::new(file), as_of).unwrap() {
            match row.unwrap() {
                Record::Person(p) => facts.add_person(&p),
                Record::Document(d) => facts.add_document(&d),
                Record::Application(a) => {
                    facts.add_application(&a);
                }
                _ => {}
            }
        }
    }
    facts.finish();
    let policy = Policy::default_policy().unwrap();
    let mut interviewed = HashSet::new();
    for id in 0..facts.applications.len() as u32 {
        let a = assess_application(&policy, &facts, id).unwrap();
        if a.recommendation >= Recommendation::SecondaryInterview {
            interviewed.insert(facts.applications[id as usize].reference.clone());
        }
    }
    let labels = rows(&out.join("truth/labels.csv"));
    let share = |pattern: &str, role: &str| {
        let refs: Vec<&String> = labels
            .iter()
            .filter(|l| l["pattern"] == pattern && l["role"] == role && l["record_kind"] == "application")
            .map(|l| &l["record_key"])
            .collect();
        assert!(!refs.is_empty(), "{pattern}/{role} is planted");
        refs.iter().filter(|r| interviewed.contains(**r)).count() as f64 / refs.len() as f64
    };
    let network = share("recruiter_network", "recruit_application");
    assert!(network >= 0.6, "recruiter networks sent to interview: {network}");
    let umrah = share("licensed_umrah_group", "pilgrim");
    assert!(umrah <= 0.02, "licensed umrah pilgrims sent to interview: {umrah}");
    let repeat = share("splp_repatriation", "repeat_application");
    assert!(repeat >= 0.9, "returnees applying again: {repeat}");
    // Precision of the interview line: most of those sent there belong to a planted pattern.
    let planted: HashSet<&String> =
        labels.iter().filter(|l| l["record_kind"] == "application").map(|l| &l["record_key"]).collect();
    let apps = rows(&out.join("applications.csv"));
    let planted_people: HashSet<&String> =
        labels.iter().filter(|l| l["record_kind"] == "person").map(|l| &l["record_key"]).collect();
    let relevant = apps
        .iter()
        .filter(|a| interviewed.contains(&a["reference"]))
        .filter(|a| planted.contains(&a["reference"]) || planted_people.contains(&a["applicant_nik"]))
        .count();
    let precision = relevant as f64 / interviewed.len().max(1) as f64;
    assert!(precision >= 0.85, "interview precision {precision}");
    // Agents: their phone behind many applications makes them suspects.
    let agents: Vec<&String> = labels.iter().filter(|l| l["role"] == "agent").map(|l| &l["record_key"]).collect();
    let found = agents
        .iter()
        .filter(|nik| {
            let id = facts.by_nik[nik.as_str()];
            assess_person(&policy, &facts, id, as_of)
                .unwrap()
                .findings
                .iter()
                .any(|f| f.code == "recruiter_phone_owner")
        })
        .count();
    assert!(found * 10 >= agents.len() * 8, "agents found {found}/{}", agents.len());
}
