//! `waspada assess`: run the risk policy over import files (e.g. a synthetic world) and print
//! one assessment per application, and per person with suspect or identity findings.
//!
//! Reads files the user names, not the store; it is for measuring and tuning the policy.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use waspada_formats::{FileFormat, Kind, Reader, Record};
use waspada_risk::{Facts, Policy, Recommendation, Subject};

fn read(dir: &Path, kind: Kind, mut each: impl FnMut(Record)) -> anyhow::Result<u64> {
    let mut rejected = 0;
    for format in [FileFormat::Csv, FileFormat::JsonLines] {
        let path = dir.join(format!("{}.{}", kind.stem(), format.extension()));
        if !path.is_file() {
            continue;
        }
        let file = std::fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let reader = Reader::new(kind, format, std::io::BufReader::new(file), chrono::Utc::now().date_naive())?;
        for (line, row) in reader {
            match row {
                Ok(record) => each(record),
                Err(reason) => {
                    rejected += 1;
                    eprintln!("{}:{line}: {reason}", path.display());
                }
            }
        }
    }
    Ok(rejected)
}

/// Loads the policy file, or the shipped one.
pub fn load_policy(path: Option<&Path>) -> anyhow::Result<Policy> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            Policy::parse(&text).with_context(|| format!("{}", path.display()))
        }
        None => Ok(Policy::default_policy()?),
    }
}

pub fn run(dir: &Path, policy: Option<&Path>, explain: bool) -> anyhow::Result<ExitCode> {
    let policy = load_policy(policy)?;
    let started = Instant::now();
    let mut facts = Facts::new();
    let mut rejected = read(dir, Kind::Persons, |r| {
        if let Record::Person(p) = r {
            facts.add_person(&p);
        }
    })?;
    rejected += read(dir, Kind::Documents, |r| {
        if let Record::Document(d) = r {
            facts.add_document(&d);
        }
    })?;
    rejected += read(dir, Kind::Applications, |r| {
        if let Record::Application(a) = r {
            facts.add_application(&a);
        }
    })?;
    facts.finish();
    eprintln!(
        "facts: {} persons, {} applications loaded and indexed in {:.1} s (policy {})",
        facts.persons.len(),
        facts.applications.len(),
        started.elapsed().as_secs_f64(),
        policy.version
    );
    let assessing = Instant::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut counts = [0_u64; 3];
    for id in 0..facts.applications.len() {
        let Some(assessment) = waspada_risk::assess_application(&policy, &facts, id as u32) else { continue };
        let app = &facts.applications[id];
        counts[assessment.recommendation as usize] += 1;
        let mut line = serde_json::json!({
            "reference": app.reference,
            "applicant_nik": facts.persons[app.person as usize].nik,
            "score": (f64::from(assessment.score) * 1000.0).round() / 1000.0,
            "recommendation": assessment.recommendation,
            "indicators": assessment.findings.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
        });
        if explain && let Some(map) = line.as_object_mut() {
            map.insert("findings".into(), serde_json::to_value(&assessment.findings)?);
        }
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    let today = chrono::Utc::now().date_naive();
    let mut flagged_persons = 0;
    for id in 0..facts.persons.len() {
        let Some(assessment) = waspada_risk::assess_person(&policy, &facts, id as u32, today) else { continue };
        let serious: Vec<&str> = assessment
            .findings
            .iter()
            .filter(|f| matches!(f.subject, Subject::Suspect | Subject::Identity))
            .map(|f| f.code.as_str())
            .collect();
        if serious.is_empty() {
            continue;
        }
        flagged_persons += 1;
        let mut line = serde_json::json!({
            "person_nik": facts.persons[id].nik,
            "score": (f64::from(assessment.score) * 1000.0).round() / 1000.0,
            "recommendation": assessment.recommendation,
            "indicators": serious,
        });
        if explain && let Some(map) = line.as_object_mut() {
            map.insert("findings".into(), serde_json::to_value(&assessment.findings)?);
        }
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let total: u64 = counts.iter().sum();
    eprintln!(
        "assessed {total} applications in {:.1} s: {} proceed, {} secondary interview, {} supervisor review; {flagged_persons} persons with suspect or identity findings",
        assessing.elapsed().as_secs_f64(),
        counts[Recommendation::Proceed as usize],
        counts[Recommendation::SecondaryInterview as usize],
        counts[Recommendation::SupervisorReview as usize],
    );
    Ok(if rejected > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
