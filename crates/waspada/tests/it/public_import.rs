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
