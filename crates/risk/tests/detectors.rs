//! Each detector on small hand-made records, and the policy's effect on the result.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use waspada_formats::{FileFormat, Kind, Reader, Record};
use waspada_risk::{Facts, Policy, Recommendation, Subject, assess_application, assess_person};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn load(facts: &mut Facts, kind: Kind, csv: &str) {
    let reader = Reader::new(kind, FileFormat::Csv, csv.as_bytes(), today()).unwrap();
    for (line, row) in reader {
        match row.unwrap_or_else(|e| panic!("{kind:?} line {line}: {e}")) {
            Record::Person(p) => facts.add_person(&p),
            Record::Document(d) => facts.add_document(&d),
            Record::Application(a) => {
                facts.add_application(&a);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

const PERSONS: &str = "nik,full_name,date_of_birth,sex,region_code,phones
1709014101000001,Rina Wati,2000-01-01,F,1709012001,+6281200000001
1709014201000001,Dewi Lestari,2000-01-02,F,1709012001,+6281200000002
1709014301000001,Sri Yanti,2000-01-03,F,1709012001,+6281200000003
1709014401000001,Lina Marlina,2000-01-04,F,1709012001,+6281200000004
1709014501000001,Eka Putri,2000-01-05,F,1709012001,+6281200000005
1709011506800001,Darlis Saputra,1980-06-15,M,1709012001,+6281299999999
5203011507950001,Jamal Hakim,1995-07-15,M,,+6281200000006
1709015010100001,Nadia,2010-10-10,F,1709012002,
1709011010850001,Hasan,1985-10-10,M,1709012003,+6281200000007
1709015010100002,Zahra,2010-10-10,F,1709012003,
";

#[allow(clippy::too_many_arguments)]
fn app(
    reference: &str,
    nik: &str,
    day: &str,
    purpose: &str,
    destination: &str,
    sponsor: &str,
    phone: &str,
    notes: &str,
) -> String {
    format!("{reference},Kanim Bengkulu,{day},{nik},{purpose},{destination},{sponsor},,,{phone},\"{notes}\",,,,,\n")
}

const APP_HEADER: &str = "reference,office,applied_on,applicant_nik,purpose,destination,sponsor,employer,address_abroad,contact_phone,interview_notes,decision,decision_officer,decision_reason,decision_legal_basis,decided_at\n";

fn facts_with(apps: &str, documents: &str) -> Facts {
    let mut facts = Facts::new();
    load(&mut facts, Kind::Persons, PERSONS);
    if !documents.is_empty() {
        load(&mut facts, Kind::Documents, documents);
    }
    load(&mut facts, Kind::Applications, &format!("{APP_HEADER}{apps}"));
    facts.finish();
    facts
}

fn codes(facts: &Facts, policy: &Policy, reference: &str) -> Vec<String> {
    let id = facts.by_reference[reference];
    assess_application(policy, facts, id).unwrap().findings.into_iter().map(|f| f.code).collect()
}

fn recruits(count: usize, sponsor: &str) -> String {
    let niks = ["1709014101000001", "1709014201000001", "1709014301000001", "1709014401000001", "1709014501000001"];
    (0..count)
        .map(|i| {
            app(
                &format!("A{i}"),
                niks[i],
                &format!("2026-03-{:02}", 1 + i * 3),
                "tourism",
                "KHM",
                sponsor,
                "+6281299999999",
                "",
            )
        })
        .collect()
}

#[test]
fn one_contact_phone_behind_five_applicants_is_a_victim_indicator_and_its_owner_a_suspect() {
    let policy = Policy::default_policy().unwrap();
    let facts = facts_with(&recruits(5, ""), "");
    let found = codes(&facts, &policy, "A0");
    assert!(found.contains(&"shared_contact_phone".to_owned()), "{found:?}");
    let assessment = assess_application(&policy, &facts, facts.by_reference["A0"]).unwrap();
    let finding = assessment.findings.iter().find(|f| f.code == "shared_contact_phone").unwrap();
    assert_eq!(finding.subject, Subject::PossibleVictim);
    assert!(finding.text_id.contains("5 pemohon"), "{}", finding.text_id);
    assert!(finding.evidence.iter().any(|e| e.contains("1709011506800001") && e.contains("phone owner")));
    assert_eq!(finding.valid_until, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + chrono::Duration::days(180));
    assert!(!finding.legal_basis.is_empty());
    // The phone's owner is a suspect, not a victim.
    let agent = facts.by_nik["1709011506800001"];
    let person = assess_person(&policy, &facts, agent, today()).unwrap();
    let suspect = person.findings.iter().find(|f| f.code == "recruiter_phone_owner").unwrap();
    assert_eq!(suspect.subject, Subject::Suspect);
    // Four are not enough.
    let facts = facts_with(&recruits(4, ""), "");
    assert!(!codes(&facts, &policy, "A0").contains(&"shared_contact_phone".to_owned()));
}

#[test]
fn a_licensed_agency_group_is_not_a_recruiter() {
    let policy = Policy::default_policy().unwrap();
    let facts = facts_with(&recruits(5, "PT Amanah Wisata Rafflesia"), "");
    let found = codes(&facts, &policy, "A0");
    assert!(found.contains(&"licensed_group".to_owned()), "{found:?}");
    assert!(!found.contains(&"shared_contact_phone".to_owned()));
    let unlicensed = facts_with(&recruits(5, "CV Berkah Travel"), "");
    let found = codes(&unlicensed, &policy, "A0");
    assert!(found.contains(&"shared_sponsor".to_owned()) && found.contains(&"shared_contact_phone".to_owned()));
    let id = unlicensed.by_reference["A0"];
    assert!(assess_application(&policy, &unlicensed, id).unwrap().recommendation >= Recommendation::SecondaryInterview);
}

#[test]
fn domicile_passports_splp_minors_and_hidden_work() {
    let policy = Policy::default_policy().unwrap();
    let apps = [
        app("F1", "5203011507950001", "2026-05-01", "tourism", "MYS", "", "", ""),
        app("V1", "1709011010850001", "2026-05-01", "tourism", "SGP", "", "", "dokumen pendukung lengkap"),
        app("M1", "1709015010100001", "2026-05-01", "tourism", "MYS", "", "", ""),
        app("M2", "1709015010100002", "2026-05-02", "family_visit", "MYS", "", "+6281200000007", ""),
        app("P1", "1709011010850001", "2026-05-03", "family_visit", "MYS", "", "+6281200000007", ""),
        // The agent's phone on a minor's form does not make the agent a parent.
        app("M3", "1709015010100001", "2026-07-01", "tourism", "KHM", "", "+6281299999999", ""),
        app("A9", "1709011506800001", "2026-07-02", "tourism", "KHM", "", "+6281299999999", ""),
        app(
            "W1",
            "1709014101000001",
            "2026-06-01",
            "umrah",
            "SAU",
            "",
            "",
            "tiket dan biaya dibayar oleh sponsor, akan dipotong dari gaji",
        ),
    ]
    .concat();
    let documents = "kind,number,issuing_state,holder_nik,issue_date,expiry_date,status,status_reason,status_changed_at
passport,C1111111,IDN,1709011010850001,2024-01-01,2034-01-01,valid,,
splp,SP111111,IDN,1709014101000001,2025-12-01,2025-12-31,valid,,
passport,C2222222,IDN,1709014101000001,2024-01-01,2034-01-01,lost,ditahan agen,2025-11-20T00:00:00Z
";
    let facts = facts_with(&apps, documents);
    assert!(codes(&facts, &policy, "F1").contains(&"far_from_domicile".to_owned()));
    assert!(codes(&facts, &policy, "V1").contains(&"valid_passport_held".to_owned()));
    assert!(codes(&facts, &policy, "M1").contains(&"minor_without_parent".to_owned()), "alone");
    assert!(!codes(&facts, &policy, "M2").contains(&"minor_without_parent".to_owned()), "a parent applies alongside");
    assert!(codes(&facts, &policy, "M3").contains(&"minor_without_parent".to_owned()), "an agent is not a parent");
    let w1 = codes(&facts, &policy, "W1");
    for code in ["work_intent_hidden", "splp_return", "lost_passport_history"] {
        assert!(w1.contains(&code.to_owned()), "{code} in {w1:?}");
    }
}

#[test]
fn the_policy_decides_weights_dates_and_thresholds() {
    let facts = facts_with(&recruits(5, ""), "");
    let id = facts.by_reference["A0"];
    let shipped = Policy::default_policy().unwrap();
    let base = assess_application(&shipped, &facts, id).unwrap();
    // Switching an indicator off removes it and lowers the score.
    let text = waspada_risk::policy::DEFAULT_POLICY.replacen(
        "weight = 2.2\nwindow_days = 60",
        "weight = 0.0\nwindow_days = 60",
        1,
    );
    let off = Policy::parse(&text).unwrap();
    let without = assess_application(&off, &facts, id).unwrap();
    assert!(!without.findings.iter().any(|f| f.code == "shared_contact_phone"));
    assert!(without.score < base.score);
    // Not yet in force on the application day.
    let later = waspada_risk::policy::DEFAULT_POLICY.replacen(
        "flag_valid_days = 180\neffective_from = 2017-01-01",
        "flag_valid_days = 180\neffective_from = 2027-01-01",
        1,
    );
    let future = Policy::parse(&later).unwrap();
    assert!(
        !assess_application(&future, &facts, id).unwrap().findings.iter().any(|f| f.code == "shared_contact_phone")
    );
    assert_eq!(base.policy_version, shipped.version);
}
