//! No plaintext personal data at rest: names, NIKs, document numbers, phones, addresses and
//! interview notes exist only inside sealed blobs and keyed blind indexes.

use crate::fixtures::{Sample, officer};
use crate::support::{Harness, Kind, contains};

both_backends!(no_personal_data_in_any_column);

/// Imports the sample, looks it up (so the audit log has entries too), and searches every text and
/// binary value of every table for every personal value.
fn no_personal_data_in_any_column(harness: &Harness) {
    let store = harness.open();
    let sample = Sample::new();
    sample.import(&store);
    let sulastri = &sample.persons[0];
    let found = store.person_by_nik(&sulastri.nik, &officer()).unwrap().expect("imported");
    store.persons_by_name("Sulastri Wulandari", None, 10, &officer()).unwrap();
    store.timeline(found.id, &officer()).unwrap();
    store.documents_by_number("C7734521", None, &officer()).unwrap();
    store.watchlist_exact(Some("Pak Darma"), sample.watchlist[0].nik.as_ref(), Some("B9902315"), &officer()).unwrap();
    drop(store);

    let values = harness.stored_values();
    // The scan must see the data: the application reference and checkpoint are plain by design.
    assert!(values.iter().any(|v| contains(v, "BKL-2026-000417")), "the scan does not reach the applications");
    assert!(values.iter().any(|v| contains(v, "BTH")), "the scan does not reach the crossings");
    let leaks: Vec<String> =
        sample.personal_values().into_iter().filter(|needle| values.iter().any(|v| contains(v, needle))).collect();
    assert!(leaks.is_empty(), "personal data stored in the clear: {leaks:?}");
}

#[test]
fn no_personal_data_in_sqlite_files() {
    crate::support::on_sqlite(|harness| {
        assert_eq!(harness.kind(), Kind::Sqlite);
        let store = harness.open();
        let sample = Sample::new();
        sample.import(&store);
        store.persons_by_name("Sulastri Wulandari", None, 10, &officer()).unwrap();
        // Closing the last connection checkpoints the write-ahead log into the main file; the
        // scan reads every `waspada.db*` file anyway, in case a WAL file is left behind.
        drop(store);
        let files = harness.sqlite_file_bytes();
        assert!(
            files.iter().any(|(name, _)| name == "waspada.db"),
            "{:?}",
            files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        assert!(
            files.iter().any(|(_, bytes)| contains(bytes, "BKL-2026-000417")),
            "the raw scan does not see plain columns"
        );
        for needle in Sample::new().personal_values() {
            for (file, bytes) in &files {
                assert!(!contains(bytes, &needle), "{needle:?} appears in the clear in {file}");
            }
        }
    });
}
