//! The master key: created once, needed to read the data, and a wrong one is refused clearly.

use waspada_store::{Error, MasterKeySource, Store};

use crate::fixtures::{Sample, officer};
use crate::support::Harness;

both_backends!(
    reopening_with_the_same_key_reads_the_data,
    another_master_key_is_refused,
    missing_master_key_is_refused,
    a_rotated_master_key_replaces_the_old_one_while_another_process_keeps_working,
    an_interrupted_rotation_is_resumed,
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

fn key_file(harness: &Harness) -> std::path::PathBuf {
    harness.config().data_dir.join("master.key")
}

fn a_rotated_master_key_replaces_the_old_one_while_another_process_keeps_working(harness: &Harness) {
    let store = harness.open();
    let sample = Sample::new();
    sample.import(&store);
    // Another process (a running server) opened before the rotation, with nothing cached yet.
    let server = harness.open();
    let old_key = std::fs::read_to_string(key_file(harness)).unwrap();
    let report = store.rotate_master_key(&officer()).unwrap();
    // Traveller and watchlist keys are under retention buckets, re-wrapped in their file.
    assert_eq!(report.rewrapped, report.data_keys + 2, "every key re-wrapped once, index and audit keys too");
    let new_key = std::fs::read_to_string(key_file(harness)).unwrap();
    assert_ne!(new_key, old_key);
    assert!(!waspada_store_pending(harness).exists(), "the pending key file is gone");

    // The other process reads records whose keys it never held, and stores new ones that a
    // fresh process can read (wrapped under the new key, not the one it started with).
    // (The write comes first: a read would teach the process the new key on its own.)
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    let mut late = sample.persons[0].clone();
    late.nik = waspada_domain::Nik::parse("1709016101900009").unwrap();
    server.import_persons(&[late.clone()], waspada_store::ConflictPolicy::Reject, &officer()).unwrap();
    let found = server.person_by_nik(&sample.persons[1].nik, &officer()).unwrap().expect("readable");
    assert_eq!(found.record, sample.persons[1]);
    drop((store, server));

    let fresh = harness.open();
    assert_eq!(fresh.person_by_nik(&late.nik, &officer()).unwrap().map(|p| p.record), Some(late));
    assert!(fresh.person_by_nik(&sample.persons[0].nik, &officer()).unwrap().is_some());
    let actions: Vec<String> = fresh
        .audit_entries(&waspada_store::AuditQuery { limit: 100, ..Default::default() })
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"master_key.rotate".to_owned()), "{actions:?}");
    assert!(matches!(fresh.verify_audit().unwrap(), waspada_store::AuditVerdict::Intact { .. }));

    // The old key opens nothing any more.
    let old = harness.scratch_path("old.key");
    std::fs::write(&old, old_key).unwrap();
    let mut config = harness.config();
    config.master_key = Some(MasterKeySource::File(old));
    assert!(Store::open(&config).is_err(), "the old master key no longer opens the store");
}

fn waspada_store_pending(harness: &Harness) -> std::path::PathBuf {
    harness.config().data_dir.join("master.key.new")
}

fn an_interrupted_rotation_is_resumed(harness: &Harness) {
    let store = harness.open();
    let sample = Sample::new();
    sample.import(&store);
    // A run that stopped after writing the pending key (and perhaps some keys): the next run
    // takes that key, re-wraps what is left and finishes.
    let pending = "cd".repeat(32);
    std::fs::write(waspada_store_pending(harness), format!("{pending}\n")).unwrap();
    store.rotate_master_key(&officer()).unwrap();
    assert_eq!(std::fs::read_to_string(key_file(harness)).unwrap().trim(), pending);
    drop(store);
    let again = harness.open();
    assert!(again.person_by_nik(&sample.persons[1].nik, &officer()).unwrap().is_some());
    let report = again.rotate_master_key(&officer()).unwrap();
    assert_eq!(report.rewrapped, report.data_keys + 2, "a second rotation moves to yet another key");
}
