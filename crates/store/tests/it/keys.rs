//! The master key: created once, needed to read the data, and a wrong one is refused clearly.

use waspada_store::{Error, MasterKeySource, Store};

use crate::fixtures::{Sample, officer};
use crate::support::Harness;

both_backends!(
    reopening_with_the_same_key_reads_the_data,
    another_master_key_is_refused,
    missing_master_key_is_refused
);

fn reopening_with_the_same_key_reads_the_data(harness: &Harness) {
    let store = harness.open();
    assert!(store.master_key_created(), "the first open makes the key");
    let sample = Sample::new();
    sample.import(&store);
    drop(store);

    let store = harness.open();
    assert!(!store.master_key_created(), "later opens read it");
    let found = store.person_by_nik(&sample.persons[0].nik, &officer()).unwrap().expect("readable after reopening");
    assert_eq!(found.record, sample.persons[0]);
    let names = store.persons_by_name("Lastri Wulan", None, 10, &officer()).unwrap();
    assert_eq!(names, vec![found], "blind indexes survive reopening");
    assert_eq!(store.verify_audit().unwrap(), waspada_store::AuditVerdict::Intact { entries: 7, checkpoints: 0 });
}

fn open_error(config: &waspada_store::StoreConfig) -> Error {
    match Store::open(config) {
        Ok(_) => panic!("the store opened with the wrong master key"),
        Err(error) => error,
    }
}

fn another_master_key_is_refused(harness: &Harness) {
    let store = harness.open();
    Sample::new().import(&store);
    drop(store);

    let other_key = harness.scratch_path("other.key");
    std::fs::write(&other_key, format!("{}\n", "ab".repeat(32))).unwrap();
    let mut config = harness.config();
    config.master_key = Some(MasterKeySource::File(other_key));
    match open_error(&config) {
        Error::Config(message) => assert!(message.contains("master key"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }

    let garbage = harness.scratch_path("garbage.key");
    std::fs::write(&garbage, "not a key\n").unwrap();
    config.master_key = Some(MasterKeySource::File(garbage));
    match open_error(&config) {
        Error::Config(message) => {
            assert!(message.contains("master key") && message.contains("64 hex digits"), "{message}")
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }

    // The right key still opens it.
    let store = harness.open();
    assert!(store.person_by_nik(&Sample::new().persons[0].nik, &officer()).unwrap().is_some());
}

fn missing_master_key_is_refused(harness: &Harness) {
    let store = harness.open();
    Sample::new().import(&store);
    drop(store);

    let missing = harness.scratch_path("moved-away.key");
    let mut config = harness.config();
    config.master_key = Some(MasterKeySource::File(missing.clone()));
    match open_error(&config) {
        Error::Config(message) => assert!(message.contains("restore the key from its backup"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    // A store that holds sealed data must never get a fresh (useless) key written for it.
    assert!(!missing.exists(), "no new key file may be written for an existing store");
}
