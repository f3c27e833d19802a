//! Importing: idempotence, conflicts on natural keys, duplicates within a batch, and references
//! between kinds.

use waspada_domain::{Direction, Sex};
use waspada_store::{ConflictPolicy, ImportKind, Stored};

use crate::fixtures::{Sample, application, check, clerk, count, crossing, name, officer, passport, person, phone};
use crate::support::Harness;

both_backends!(
    reimport_is_idempotent,
    conflicting_person_is_rejected_then_updated,
    conflicts_of_every_kind_name_their_key,
    duplicates_within_one_batch,
    rows_referring_to_unknown_persons_are_rejected_alone,
    unattached_crossing_joins_the_timeline_when_its_document_arrives,
    document_given_to_another_holder_moves_with_its_crossings,
    cached_document_links_give_the_same_links_and_never_go_stale,
    a_person_prepared_while_another_writer_stores_them_is_sealed_with_the_stored_key,
);

fn table_counts(store: &waspada_store::Store) -> Vec<(&'static str, i64)> {
    store
        .counts()
        .unwrap()
        .into_iter()
        .filter(|(table, _)| !["audit_log", "data_keys", "idempotency_keys"].contains(table))
        .collect()
}

fn reimport_is_idempotent(harness: &Harness) {
    let store = harness.open();
    let sample = Sample::new();
    sample.import(&store);
    let before = table_counts(&store);
    let audit_before = count(&store, "audit_log");
    assert_eq!(
        before,
        [
            ("persons", 2),
            ("documents", 2),
            ("applications", 1),
            ("crossings", 2),
            ("watchlist", 1),
            ("submissions", 0),
            ("cases", 0),
            ("users", 0)
        ]
    );

    let policy = ConflictPolicy::Reject;
    check(&store.import_persons(&sample.persons, policy, &clerk()).unwrap(), "unchanged, unchanged");
    check(&store.import_documents(&sample.documents, policy, &clerk()).unwrap(), "unchanged, unchanged");
    check(&store.import_applications(&sample.applications, policy, &clerk()).unwrap(), "unchanged");
    check(&store.import_crossings(&sample.crossings, policy, &clerk()).unwrap(), "unchanged, unchanged");
    check(&store.import_watchlist(&sample.watchlist, policy, &clerk()).unwrap(), "unchanged");
    // Update changes nothing either when the data is the same.
    check(&store.import_persons(&sample.persons, ConflictPolicy::Update, &clerk()).unwrap(), "unchanged, unchanged");

    assert_eq!(table_counts(&store), before);
    assert_eq!(count(&store, "audit_log"), audit_before + 6, "one audit entry per import call");
}

fn conflicting_person_is_rejected_then_updated(harness: &Harness) {
    let store = harness.open();
    let original = person("Nur Hayati", "1990-03-05", Sex::Female, 1);
    check(
        &store.import_persons(std::slice::from_ref(&original), ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted",
    );
    let stored = store.person_by_nik(&original.nik, &officer()).unwrap().expect("stored");

    let mut changed = original.clone();
    changed.full_name = name("Siti Nurbaya");
    changed.phones.push(phone("081234567890"));
    let outcomes = store.import_persons(std::slice::from_ref(&changed), ConflictPolicy::Reject, &clerk()).unwrap();
    check(&outcomes, "rejected(NIK)");
    assert_eq!(store.person_by_nik(&original.nik, &officer()).unwrap(), Some(stored.clone()), "kept as it was");
    assert_eq!(store.persons_by_name("Nur Hayati", None, 10, &officer()).unwrap().len(), 1);
    assert!(store.persons_by_name("Siti Nurbaya", None, 10, &officer()).unwrap().is_empty());

    check(&store.import_persons(std::slice::from_ref(&changed), ConflictPolicy::Update, &clerk()).unwrap(), "updated");
    let expected = Stored { id: stored.id, record: changed.clone() };
    assert_eq!(store.person_by_nik(&original.nik, &officer()).unwrap(), Some(expected.clone()));
    assert_eq!(store.person_by_id(stored.id, &officer()).unwrap(), Some(expected.clone()));
    assert!(
        store.persons_by_name("Nur Hayati", None, 10, &officer()).unwrap().is_empty(),
        "the old name no longer finds the person"
    );
    assert_eq!(store.persons_by_name("siti nurbaya", None, 10, &officer()).unwrap(), vec![expected]);
    assert_eq!(count(&store, "persons"), 1);
}

fn conflicts_of_every_kind_name_their_key(harness: &Harness) {
    let store = harness.open();
    let sample = Sample::new();
    sample.import(&store);

    let mut document = sample.documents[0].clone();
    document.issuing_office = Some("KBRI Kuala Lumpur".to_owned());
    let mut job = sample.applications[0].clone();
    job.office = "Kanim Jakarta Selatan".to_owned();
    let mut departure = sample.crossings[0].clone();
    departure.carrier = Some("Lion Air".to_owned());
    let mut entry = sample.watchlist[0].clone();
    entry.legal_basis = "KEP-2026/99".to_owned();

    let reject = ConflictPolicy::Reject;
    let documents = std::slice::from_ref(&document);
    check(&store.import_documents(documents, reject, &clerk()).unwrap(), "rejected(issuing state and document number)");
    let applications = std::slice::from_ref(&job);
    check(&store.import_applications(applications, reject, &clerk()).unwrap(), "rejected(reference)");
    let crossings = std::slice::from_ref(&departure);
    check(
        &store.import_crossings(crossings, reject, &clerk()).unwrap(),
        "rejected(document, direction, checkpoint and time)",
    );
    let watchlist = std::slice::from_ref(&entry);
    check(&store.import_watchlist(watchlist, reject, &clerk()).unwrap(), "rejected(same id)");
    assert_eq!(exported::<waspada_domain::TravelDocument>(&store, ImportKind::Documents), sample.documents);
    assert_eq!(exported::<waspada_domain::PassportApplication>(&store, ImportKind::Applications), sample.applications);
    assert_eq!(exported::<waspada_domain::Crossing>(&store, ImportKind::Crossings), sample.crossings);
    assert_eq!(exported::<waspada_domain::WatchlistEntry>(&store, ImportKind::Watchlist), sample.watchlist);

    let update = ConflictPolicy::Update;
    check(&store.import_documents(documents, update, &clerk()).unwrap(), "updated");
    check(&store.import_applications(applications, update, &clerk()).unwrap(), "updated");
    check(&store.import_crossings(crossings, update, &clerk()).unwrap(), "updated");
    check(&store.import_watchlist(watchlist, update, &clerk()).unwrap(), "updated");
    assert_eq!(exported::<waspada_domain::TravelDocument>(&store, ImportKind::Documents)[0], document);
    assert_eq!(exported::<waspada_domain::PassportApplication>(&store, ImportKind::Applications), vec![job]);
    assert_eq!(exported::<waspada_domain::Crossing>(&store, ImportKind::Crossings)[0], departure);
    assert_eq!(exported::<waspada_domain::WatchlistEntry>(&store, ImportKind::Watchlist), vec![entry.clone()]);
    // The watchlist's name index still finds the updated entry.
    let found = store.watchlist_exact(Some("Pak Darma"), None, None, &officer()).unwrap();
    assert_eq!(found.into_iter().map(|s| s.record).collect::<Vec<_>>(), vec![entry]);
}

fn duplicates_within_one_batch(harness: &Harness) {
    let store = harness.open();
    let same = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    let other = person("Rudi Hartono", "1979-12-30", Sex::Male, 4);
    let mut other_changed = other.clone();
    other_changed.address = Some("Jl. Kenanga 4".to_owned());
    let outcomes = store
        .import_persons(
            &[same.clone(), same.clone(), other.clone(), other_changed.clone()],
            ConflictPolicy::Reject,
            &clerk(),
        )
        .unwrap();
    check(&outcomes, "inserted, unchanged, inserted, rejected(earlier row with the same NIK)");
    assert_eq!(count(&store, "persons"), 2);
    assert_eq!(store.person_by_nik(&other.nik, &officer()).unwrap().map(|p| p.record), Some(other.clone()));

    // A row that conflicts with the stored record, twice in one batch: both copies are rejected.
    // Reporting the second as "unchanged" would tell the clerk it matches what is stored.
    let outcomes = store
        .import_persons(&[other_changed.clone(), other_changed.clone()], ConflictPolicy::Reject, &clerk())
        .unwrap();
    check(&outcomes, "rejected(NIK), rejected(NIK)");

    // The same under Update: the first copy replaces the record, the second matches it.
    let outcomes = store
        .import_persons(&[other_changed.clone(), other_changed.clone()], ConflictPolicy::Update, &clerk())
        .unwrap();
    check(&outcomes, "updated, unchanged");
    assert_eq!(store.person_by_nik(&other.nik, &officer()).unwrap().map(|p| p.record), Some(other_changed));
}

fn rows_referring_to_unknown_persons_are_rejected_alone(harness: &Harness) {
    let store = harness.open();
    let known = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    let unknown = person("Rudi Hartono", "1979-12-30", Sex::Male, 4);
    check(&store.import_persons(std::slice::from_ref(&known), ConflictPolicy::Reject, &clerk()).unwrap(), "inserted");

    let documents = [
        passport("A1000001", "IDN", Some(&unknown), "2021-01-01"),
        passport("A1000002", "IDN", Some(&known), "2021-01-01"),
        passport("K2000003", "MYS", None, "2021-01-01"),
    ];
    let outcomes = store.import_documents(&documents, ConflictPolicy::Reject, &clerk()).unwrap();
    check(&outcomes, "rejected(import the person first), inserted, inserted");
    assert!(store.documents_by_number("A1000001", None, &officer()).unwrap().is_empty());
    assert_eq!(count(&store, "documents"), 2);

    let applications = [application("BKL-1", &known, "2026-01-02"), application("BKL-2", &unknown, "2026-01-02")];
    let outcomes = store.import_applications(&applications, ConflictPolicy::Reject, &clerk()).unwrap();
    check(&outcomes, "inserted, rejected(import the person first)");
    assert_eq!(count(&store, "applications"), 1);

    // Once the person is imported, the same rows go in.
    check(&store.import_persons(std::slice::from_ref(&unknown), ConflictPolicy::Reject, &clerk()).unwrap(), "inserted");
    check(
        &store.import_documents(&documents, ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted, unchanged, unchanged",
    );
    check(&store.import_applications(&applications, ConflictPolicy::Reject, &clerk()).unwrap(), "unchanged, inserted");
}

fn unattached_crossing_joins_the_timeline_when_its_document_arrives(harness: &Harness) {
    let store = harness.open();
    let traveller = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    let document = passport("C1234567", "IDN", Some(&traveller), "2021-06-01");
    let early = crossing(&document, Direction::Exit, "BKS", "2025-03-01T01:00:00Z");
    let late = crossing(&document, Direction::Entry, "BKS", "2025-04-01T01:00:00Z");

    // The crossing arrives before its document and its holder.
    check(&store.import_crossings(std::slice::from_ref(&early), ConflictPolicy::Reject, &clerk()).unwrap(), "inserted");
    check(
        &store.import_persons(std::slice::from_ref(&traveller), ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted",
    );
    let person_id = store.person_by_nik(&traveller.nik, &officer()).unwrap().expect("stored").id;
    assert!(store.timeline(person_id, &officer()).unwrap().expect("a timeline").crossings.is_empty());

    check(
        &store.import_documents(std::slice::from_ref(&document), ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted",
    );
    check(
        &store.import_crossings(&[late.clone(), early.clone()], ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted, unchanged",
    );
    let timeline = store.timeline(person_id, &officer()).unwrap().expect("a timeline");
    assert_eq!(timeline.documents.iter().map(|d| &d.record).collect::<Vec<_>>(), vec![&document]);
    assert_eq!(timeline.crossings.into_iter().map(|c| c.record).collect::<Vec<_>>(), vec![early, late]);
}

/// A document re-imported with another holder (a clerk's correction) belongs to the new holder
/// only, and so do its crossings.
fn document_given_to_another_holder_moves_with_its_crossings(harness: &Harness) {
    let store = harness.open();
    let wrong = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    let right = person("Rudi Hartono", "1979-12-30", Sex::Male, 4);
    check(
        &store.import_persons(&[wrong.clone(), right.clone()], ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted, inserted",
    );
    let document = passport("C1234567", "IDN", Some(&wrong), "2021-06-01");
    check(
        &store.import_documents(std::slice::from_ref(&document), ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted",
    );
    let trip = crossing(&document, Direction::Exit, "BKS", "2025-03-01T01:00:00Z");
    check(&store.import_crossings(std::slice::from_ref(&trip), ConflictPolicy::Reject, &clerk()).unwrap(), "inserted");

    let corrected = passport("C1234567", "IDN", Some(&right), "2021-06-01");
    check(
        &store.import_documents(std::slice::from_ref(&corrected), ConflictPolicy::Update, &clerk()).unwrap(),
        "updated",
    );
    let wrong_id = store.person_by_nik(&wrong.nik, &officer()).unwrap().expect("stored").id;
    let right_id = store.person_by_nik(&right.nik, &officer()).unwrap().expect("stored").id;
    let new_timeline = store.timeline(right_id, &officer()).unwrap().expect("a timeline");
    assert_eq!(new_timeline.documents.iter().map(|d| &d.record).collect::<Vec<_>>(), vec![&corrected]);
    assert_eq!(new_timeline.crossings.iter().map(|c| &c.record).collect::<Vec<_>>(), vec![&trip]);
    let old_timeline = store.timeline(wrong_id, &officer()).unwrap().expect("a timeline");
    assert!(old_timeline.documents.is_empty());
    assert!(old_timeline.crossings.is_empty(), "the crossing still shows on the previous holder's timeline");
}

/// Every record of a kind, in id order.
pub fn exported<T: serde::de::DeserializeOwned + serde::Serialize>(
    store: &waspada_store::Store,
    kind: ImportKind,
) -> Vec<T> {
    let mut records = Vec::new();
    store
        .export::<T>(kind, &officer(), |stored| {
            records.push(stored.record);
            Ok(())
        })
        .unwrap();
    records
}

/// The bulk importer's in-memory document links resolve crossings exactly as the database does,
/// fall back to the database for documents it has not seen, and are dropped when documents change.
fn cached_document_links_give_the_same_links_and_never_go_stale(harness: &Harness) {
    let store = harness.open();
    let first = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    let second = person("Budi Santoso", "1979-01-02", Sex::Male, 4);
    let known = passport("C1234567", "IDN", Some(&first), "2021-06-01");
    let later = passport("C7654321", "IDN", Some(&second), "2022-06-01");
    check(
        &store.import_persons(&[first.clone(), second.clone()], ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted, inserted",
    );
    check(&store.import_documents(std::slice::from_ref(&known), ConflictPolicy::Reject, &clerk()).unwrap(), "inserted");

    assert_eq!(store.cache_document_links().unwrap(), 1);
    let via_cache = crossing(&known, Direction::Exit, "CGK", "2025-03-01T01:00:00Z");
    check(
        &store.import_crossings(std::slice::from_ref(&via_cache), ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted",
    );

    // Importing a document drops the cache, so a crossing of it is linked through the database.
    check(&store.import_documents(std::slice::from_ref(&later), ConflictPolicy::Reject, &clerk()).unwrap(), "inserted");
    let via_database = crossing(&later, Direction::Exit, "CGK", "2025-03-02T01:00:00Z");
    check(
        &store.import_crossings(std::slice::from_ref(&via_database), ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted",
    );
    store.drop_document_links();

    for (holder, expected) in [(&first, via_cache), (&second, via_database)] {
        let id = store.person_by_nik(&holder.nik, &officer()).unwrap().expect("stored").id;
        let timeline = store.timeline(id, &officer()).unwrap().expect("a timeline");
        assert_eq!(timeline.crossings.into_iter().map(|c| c.record).collect::<Vec<_>>(), vec![expected]);
    }
}

/// Persons are prepared (keys made, records sealed) before the write lock. If another writer
/// stores the same person in between, the key it stored wins and the prepared row is sealed again
/// under it: one data key per person, and the record readable.
fn a_person_prepared_while_another_writer_stores_them_is_sealed_with_the_stored_key(harness: &Harness) {
    let store = harness.open();
    let sample = Sample::new();
    let original = sample.persons[0].clone();
    let mut changed = original.clone();
    changed.full_name = waspada_domain::FullName::parse("full_name", "Sulastri Wulandari Putri").unwrap();
    let prepared = store.prepare_persons(std::slice::from_ref(&changed)).unwrap();
    assert_eq!(prepared.len(), 1);
    // Meanwhile, another writer.
    let other = harness.open();
    let outcomes = other.import_persons(std::slice::from_ref(&original), ConflictPolicy::Reject, &officer()).unwrap();
    assert_eq!(outcomes, vec![waspada_store::RowOutcome::Inserted]);
    let outcomes = store.commit_import(prepared, ConflictPolicy::Update, &officer()).unwrap();
    assert_eq!(outcomes, vec![waspada_store::RowOutcome::Updated]);
    drop((store, other));
    let fresh = harness.open();
    let found = fresh.person_by_nik(&original.nik, &officer()).unwrap().expect("readable");
    assert_eq!(found.record, changed);
    assert_eq!(crate::fixtures::count(&fresh, "data_keys"), 1, "one data key for the one person");

    // The same race where the row itself is inserted: the person's key was stored by another
    // writer but their record is not there (removed by hand here), so the prepared row is inserted
    // and must be sealed under the stored key, not under the one made while preparing.
    let second = sample.persons[1].clone();
    let prepared = fresh.prepare_persons(std::slice::from_ref(&second)).unwrap();
    fresh.import_persons(std::slice::from_ref(&second), ConflictPolicy::Reject, &officer()).unwrap();
    harness.raw_batch("DELETE FROM name_index; DELETE FROM phone_index; DELETE FROM persons").unwrap();
    let outcomes = fresh.commit_import(prepared, ConflictPolicy::Reject, &officer()).unwrap();
    assert_eq!(outcomes, vec![waspada_store::RowOutcome::Inserted]);
    drop(fresh);
    let again = harness.open();
    let found = again.person_by_nik(&second.nik, &officer()).unwrap().expect("sealed under the stored key");
    assert_eq!(found.record, second);
}
