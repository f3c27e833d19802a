//! `waspada dsr`: data-subject requests (UU 27/2022) recorded, decided by the DPO with Art. 15
//! exemptions, and carried out: an access export (JSON and a page) with withheld categories
//! named, a rectification applied with its history.

use crate::{Store, check, fixture};

const SITI: &str = "1709015208740001";

#[test]
fn access_and_rectification_requests_go_through_the_dpo() {
    let store = Store::new();
    check(&store.import(&[&fixture("canonical")]), 0, &[]);

    // Access, approved with law-enforcement exemptions.
    let recorded = store.run(
        "dsr record",
        &[
            "--kind",
            "access",
            "--nik",
            SITI,
            "--requester",
            "Siti Aminah, datang langsung, 0812…",
            "--detail",
            "minta salinan data",
        ],
    );
    check(&recorded, 0, &["DSR-", "pending"]);
    let reference = recorded.stdout.split_whitespace().next().unwrap().to_owned();
    check(&store.run("dsr complete", &[&reference, "--out", "x"]), 1, &["not an approved access request"]);
    check(&store.run("dsr decide", &[&reference, "--refuse"]), 1, &["names the exemptions"]);
    check(&store.run("dsr decide", &[&reference, "--approve", "--exempt", "15.9.z"]), 1, &["not an exemption"]);
    check(
        &store.run(
            "dsr decide",
            &[&reference, "--approve", "--exempt", "15.1.b", "--note", "daftar pengawasan dikecualikan"],
        ),
        0,
        &["approved", "15.1.b"],
    );
    check(&store.run("dsr decide", &[&reference, "--approve"]), 1, &["already approved"]);
    let out = store.scratch("export");
    check(&store.run("dsr complete", &[&reference, "--out", out.to_str().unwrap()]), 0, &["export written"]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(format!("{reference}.json"))).unwrap()).unwrap();
    assert_eq!(json["person"]["nik"], SITI);
    assert_eq!(json["person"]["full_name"], "Siti Aminah");
    assert!(!json["documents"].as_array().unwrap().is_empty(), "{json:#}");
    assert!(json["watchlist"].as_array().unwrap().is_empty());
    let withheld: Vec<&str> =
        json["withheld"].as_array().unwrap().iter().map(|w| w["category"].as_str().unwrap()).collect();
    assert!(withheld.contains(&"watchlist") && withheld.contains(&"case_work"), "{withheld:?}");
    assert!(json["withheld"][0]["ground_en"].as_str().unwrap().contains("law enforcement"));
    assert!(!json["processing"].as_array().unwrap().is_empty(), "the record of processing lists who opened the data");
    let page = std::fs::read_to_string(out.join(format!("{reference}.html"))).unwrap();
    assert!(page.contains("Siti Aminah") && page.contains("Pasal 15") && page.contains("Your rights"));
    check(&store.run("dsr list", &[]), 0, &[&reference, "completed", "15.1.b"]);

    // Rectification: the address corrected, the old record kept with the request.
    let recorded = store.run(
        "dsr record",
        &[
            "--kind",
            "rectification",
            "--nik",
            SITI,
            "--requester",
            "Siti Aminah",
            "--correction",
            r#"{"address":"Jl. Baru 2, Karang Tinggi"}"#,
        ],
    );
    check(&recorded, 0, &["rectification"]);
    let fix = recorded.stdout.split_whitespace().next().unwrap().to_owned();
    check(&store.run("dsr complete", &[&fix]), 1, &["not an approved rectification"]);
    check(&store.run("dsr decide", &[&fix, "--approve"]), 0, &["approved"]);
    check(&store.run("dsr complete", &[&fix]), 0, &["record corrected"]);
    let (_, person) = store.lookup(&["nik", SITI]);
    let person = person.unwrap();
    assert_eq!(person["address"], "Jl. Baru 2, Karang Tinggi", "{person:#}");
    // A correction cannot change who the record is about.
    let bad = store.run(
        "dsr record",
        &[
            "--kind",
            "rectification",
            "--nik",
            SITI,
            "--requester",
            "x",
            "--correction",
            r#"{"nik":"1709011503900002"}"#,
        ],
    );
    let bad = bad.stdout.split_whitespace().next().unwrap().to_owned();
    check(&store.run("dsr decide", &[&bad, "--approve"]), 0, &[]);
    check(&store.run("dsr complete", &[&bad]), 1, &["the NIK identifies the record"]);
    check(&store.run("dsr record", &["--kind", "access", "--nik", "1709010101010101", "--requester", "x"]), 1, &[]);
    check(
        &store.run("dsr record", &["--kind", "rectification", "--nik", SITI, "--requester", "x"]),
        1,
        &["corrected fields"],
    );
    // Every step is in the audit log under the person.
    check(&store.run("audit list", &["--action", "dsr.decide"]), 0, &["person:"]);
}

#[test]
fn retention_lists_before_it_shreds() {
    let store = Store::new();
    check(&store.import(&[&fixture("canonical")]), 0, &[]);
    let dry = store.run("admin retention", &["--dry-run"]);
    check(&dry, 0, &["dry run: 0 record(s) would shred, 0 held"]);
    let real = store.run("admin retention", &[]);
    check(&real, 0, &["retention: 0 record(s) shredded"]);
    check(&store.run("audit list", &["--action", "retention.run"]), 0, &["retention:all"]);
}

#[test]
fn retention_shreds_traveller_records_past_their_period() {
    let store = Store::new();
    check(&store.import(&[&fixture("canonical")]), 0, &[]);
    let database = rusqlite::Connection::open(store.database()).unwrap();
    let persons = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT COUNT(*) FROM persons", [], |row| row.get(0)).unwrap()
    };
    let before = persons(&database);
    // Nothing is due while the records are fresh.
    check(&store.run("admin retention", &["--dry-run"]), 0, &["dry run: 0 record(s) would shred"]);
    // Twelve years pass for the records (their activity moved back, as if made in 2014).
    for statement in [
        "UPDATE persons SET updated_at = '2014-01-01T00:00:00Z'",
        "UPDATE documents SET updated_at = '2014-01-01T00:00:00Z'",
        "UPDATE applications SET updated_at = '2014-01-01T00:00:00Z', applied_on = '2014-01-01', decided_at = NULL",
        "UPDATE crossings SET crossed_at = '2014-01-01T00:00:00Z', updated_at = '2014-01-01T00:00:00Z'",
    ] {
        database.execute(statement, []).unwrap();
    }
    let dry = store.run("admin retention", &["--dry-run", "--traveller-years", "10"]);
    check(&dry, 0, &["would shred\tperson:", "traveller", "traveller_days"]);
    assert_eq!(persons(&database), before, "a dry run deletes nothing");
    // With a period of 15 years they are not due yet.
    check(&store.run("admin retention", &["--dry-run", "--traveller-years", "15"]), 0, &["0 record(s) would shred"]);
    check(&store.run("admin retention", &["--traveller-years", "0"]), 2, &["traveller-years"]);

    let real = store.run("admin retention", &["--traveller-years", "10"]);
    check(&real, 0, &["traveller records and watchlist entries:", "data subject(s) shredded"]);
    assert!(real.stderr.contains("backups made before this run"), "{}", real.describe());
    let after = persons(&database);
    let held = dry.stdout.lines().filter(|l| l.starts_with("held\tperson:")).count() as i64;
    assert_eq!(after, held, "only the held persons are left\n{}", dry.stdout);
    assert!(after < before);
    let shredded = real.stdout.lines().filter(|l| l.starts_with("shredded\tperson:")).count() as i64;
    assert_eq!(shredded, before - after, "{}", real.stdout);
    let (_, gone) = store.lookup(&["nik", SITI]);
    assert!(gone.is_none(), "Siti's record is shredded");
    // Nothing of a shredded person is left behind.
    for (table, column) in [("applications", "person_id"), ("documents", "person_id"), ("crossings", "person_id")] {
        let orphans: i64 = database
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL AND {column} NOT IN (SELECT id FROM persons)"),
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0, "{table} outlive their person");
    }
    // One person key per person left: the shredded persons' keys are destroyed.
    let person_keys: i64 = database
        .query_row("SELECT COUNT(*) FROM data_keys WHERE substr(subject, 1, 2) = x'703a'", [], |row| row.get(0))
        .unwrap();
    assert_eq!(person_keys, after);
    // Each shredding is audited, and the audit chain is intact.
    check(&store.run("audit list", &["--action", "retention.shred"]), 0, &["person:"]);
    check(&store.run("audit verify", &[]), 0, &[]);
    // A second run finds nothing more; without the flag it keeps the period of the last run, and
    // a shorter one needs saying so.
    check(&store.run("admin retention", &[]), 0, &["0 data subject(s) shredded", "traveller records 10 years"]);
    check(&store.run("admin retention", &["--traveller-years", "5"]), 1, &["shorter than the period of the last run"]);
    check(&store.run("admin retention", &["--dry-run", "--traveller-years", "5"]), 0, &["traveller records 5 years"]);
    check(&store.run("admin retention", &["--traveller-years", "12"]), 0, &["traveller records 12 years"]);
    check(&store.run("admin retention", &[]), 0, &["traveller records 12 years"]);
    check(&store.run("admin retention", &["--traveller-years", "11", "--shorten"]), 0, &["traveller records 11 years"]);
}
