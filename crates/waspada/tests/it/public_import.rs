//! `waspada import` of public reports that arrived another way (`public_reports.jsonl`): the
//! app's checks apply, bad lines are reported by number and the good ones kept, a second import
//! stores nothing twice, and a report naming a phone in the records rises in the queue.

use crate::{Store, check};

#[test]
fn public_reports_are_imported_once_through_the_apps_checks() {
    let store = Store::new();
    let folder = store.scratch("world");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("persons.csv"),
        "nik,full_name,aliases,date_of_birth,sex,region_code,phones,address\n\
         1709011204800003,Darman Saputra,,1980-04-12,M,1709012001,+6281273004455,\"Desa Pagar Dewa\"\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("public_reports.jsonl"),
        concat!(
            r#"{"id":"LAP-1","anonymous":true,"text":"Ada sponsor mengumpulkan KTP warga untuk paspor umroh, padahal untuk kerja","region_code":"1709082005"}"#,
            "\n",
            r#"{"id":"LAP-2","anonymous":true,"text":"Pak Darman mengajak anak muda kerja ke Malaysia lewat Dumai","mentioned_phone":"+6281273004455"}"#,
            "\n",
            r#"{"id":"LAP-3","anonymous":true,"text":"<script>alert(1)</script> bukan laporan"}"#,
            "\n",
            "not json\n",
            r#"{"id":"LAP-4","anonymous":false,"text":"Saya ragu dengan agen perjalanan yang menawarkan paket murah","reporter_phone":"+6289774458124"}"#,
            "\n",
        ),
    )
    .unwrap();
    let first = store.import(&[&folder]);
    check(&first, 2, &["public reports: 3 inserted, 0 unchanged, 2 rejected"]);
    assert!(
        first.stderr.contains("public_reports.jsonl:3: rejected") && first.stderr.contains("HTML"),
        "{}",
        first.stderr
    );
    assert!(first.stderr.contains("public_reports.jsonl:4: rejected: not JSON"), "{}", first.stderr);
    let again = store.import(&[&folder]);
    check(&again, 2, &["public reports: 0 inserted, 3 unchanged, 2 rejected"]);
    let db = rusqlite::Connection::open(store.database()).unwrap();
    let count: i64 = db.query_row("SELECT COUNT(*) FROM submissions", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 3);
    // The report naming Darman's phone is scored above the others (a record matches it).
    let urgencies: Vec<i64> = db
        .prepare("SELECT urgency FROM submissions ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(urgencies[1] > urgencies[0] + 150 && urgencies[1] > urgencies[2] + 150, "{urgencies:?}");
}

#[test]
fn a_restore_of_reports_needs_the_retention_keys() {
    let store = Store::new();
    let folder = store.scratch("reports");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("public_reports.jsonl"),
        r#"{"id":"LAP-9","anonymous":true,"text":"Ada calo menawarkan kerja ke Malaysia tanpa kontrak","region_code":"1709082005"}"#,
    )
    .unwrap();
    check(&store.import(&[&folder]), 0, &["public reports: 1 inserted"]);
    let keys = store.data().join("retention.keys");
    assert!(keys.is_file(), "the report's data key is under a retention key");
    let backup = store.scratch("reports.db");
    check(&store.run("admin backup", &["--out", crate::arg(&backup)]), 0, &["backup written", "retention keys"]);
    // The backup does not carry the retention keys, not even wrapped.
    let copied = std::fs::read(&backup).unwrap();
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&keys).unwrap()).unwrap();
    let wrapped: Vec<Vec<u8>> =
        file["keys"].as_array().unwrap().iter().map(|k| hex::decode(k["wrapped"].as_str().unwrap()).unwrap()).collect();
    assert!(!wrapped.is_empty());
    for key in &wrapped {
        assert!(!copied.windows(key.len()).any(|w| w == key.as_slice()), "a wrapped retention key in the backup");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let restored = Store::new();
    std::fs::create_dir_all(restored.data()).unwrap();
    std::fs::copy(store.data().join("master.key"), restored.data().join("master.key")).unwrap();
    check(
        &restored.run("admin restore", &["--from", crate::arg(&backup)]),
        1,
        &["give the retention keys with --retention-keys", "is missing"],
    );
    assert!(!restored.database().exists(), "a failed restore leaves the folder as it was");
    check(
        &restored.run("admin restore", &["--from", crate::arg(&backup), "--retention-keys", crate::arg(&keys)]),
        0,
        &["submissions: 1", "audit chain intact"],
    );
    let db = rusqlite::Connection::open(restored.database()).unwrap();
    let epochs: i64 = db.query_row("SELECT COUNT(*) FROM data_keys WHERE epoch IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(epochs, 1);
}
