//! Lookups by NIK, id, document number and name; the timeline; exact watchlist lookups.

use waspada_domain::{Direction, DocumentNumber, PartialDate, Person, Sex};
use waspada_store::{ConflictPolicy, Store};

use crate::fixtures::{
    DISTRICT, application, check, clerk, crossing, date, name, nik_for, officer, passport, person, watch,
};
use crate::support::Harness;

both_backends!(
    person_by_nik_and_by_id,
    documents_by_number_with_and_without_state,
    names_are_found_despite_case_spacing_punctuation_and_order,
    birth_year_filter_reaches_past_the_first_fifty_namesakes,
    timeline_is_in_time_order,
    watchlist_exact_by_name_nik_and_number,
    counter_check_lookup_and_application_by_reference,
);

fn import_persons(store: &Store, persons: &[Person]) {
    let outcomes = store.import_persons(persons, ConflictPolicy::Reject, &clerk()).unwrap();
    check(&outcomes, &vec!["inserted"; persons.len()].join(", "));
}

fn person_by_nik_and_by_id(harness: &Harness) {
    let store = harness.open();
    let ani = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    let rudi = person("Rudi Hartono", "1979-12-30", Sex::Male, 4);
    import_persons(&store, &[ani.clone(), rudi.clone()]);

    let found = store.person_by_nik(&rudi.nik, &officer()).unwrap().expect("found by NIK");
    assert_eq!(found.record, rudi);
    assert_eq!(store.person_by_id(found.id, &officer()).unwrap(), Some(found.clone()));
    let stranger = nik_for(DISTRICT, date("1979-12-30"), Sex::Male, 5);
    assert_eq!(store.person_by_nik(&stranger, &officer()).unwrap(), None);
    assert_eq!(store.person_by_id(found.id + 1000, &officer()).unwrap(), None);
}

fn documents_by_number_with_and_without_state(harness: &Harness) {
    let store = harness.open();
    let ani = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    import_persons(&store, std::slice::from_ref(&ani));
    let indonesian = passport("A1234567", "IDN", Some(&ani), "2020-02-02");
    let malaysian = passport("A1234567", "MYS", None, "2019-09-09");
    let other = passport("B7654321", "IDN", Some(&ani), "2024-02-02");
    let outcomes =
        store.import_documents(&[indonesian.clone(), malaysian.clone(), other], ConflictPolicy::Reject, &clerk());
    check(&outcomes.unwrap(), "inserted, inserted, inserted");

    let mut both: Vec<_> = store
        .documents_by_number("A1234567", None, &officer())
        .unwrap()
        .into_iter()
        .map(|d| d.record.issuing_state.as_str().to_owned())
        .collect();
    both.sort();
    assert_eq!(both, ["IDN", "MYS"]);
    let only = store.documents_by_number("A1234567", Some("MYS"), &officer()).unwrap();
    assert_eq!(only.into_iter().map(|d| d.record).collect::<Vec<_>>(), vec![malaysian]);
    let only = store.documents_by_number("A1234567", Some("IDN"), &officer()).unwrap();
    assert_eq!(only.into_iter().map(|d| d.record).collect::<Vec<_>>(), vec![indonesian]);
    assert!(store.documents_by_number("A1234567", Some("SGP"), &officer()).unwrap().is_empty());
    assert!(store.documents_by_number("A7654321", None, &officer()).unwrap().is_empty());
}

fn names_are_found_despite_case_spacing_punctuation_and_order(harness: &Harness) {
    let store = harness.open();
    let mut younger = person("Nur Hayati", "1990-03-05", Sex::Female, 1);
    younger.aliases.push(name("Yati binti Ahmad"));
    let older = person("Nur Hayati", "1975-10-11", Sex::Female, 2);
    let unrelated = person("Nur Hayat Siregar", "1990-03-05", Sex::Female, 3);
    import_persons(&store, &[younger.clone(), older.clone(), unrelated]);

    let search = |query: &str, year: Option<i32>, limit: usize| -> Vec<Person> {
        store.persons_by_name(query, year, limit, &officer()).unwrap().into_iter().map(|p| p.record).collect()
    };
    let both = vec![younger.clone(), older.clone()];
    assert_eq!(search("Nur Hayati", None, 10), both);
    assert_eq!(search("NURHAYATI", None, 10), both);
    assert_eq!(search("hayati, nur", None, 10), both);
    assert_eq!(search("  nur   HAYATI. ", None, 10), both);
    assert_eq!(search("Nur Hayati", Some(1990), 10), vec![younger.clone()]);
    assert_eq!(search("Nur Hayati", Some(1975), 10), vec![older.clone()]);
    assert!(search("Nur Hayati", Some(2001), 10).is_empty());
    assert_eq!(search("Nur Hayati", None, 1).len(), 1);
    assert_eq!(search("yati binti ahmad", None, 10), vec![younger.clone()], "aliases count");
    assert_eq!(search("Ahmad, Yati Binti", None, 10), vec![younger]);
    assert!(search("Nur Hayat", None, 10).is_empty(), "no prefix matching");
    assert!(search("!!!", None, 10).is_empty());
}

/// Common names have many namesakes; the birth year must filter all of them, not only the first
/// page that the database returns.
fn birth_year_filter_reaches_past_the_first_fifty_namesakes(harness: &Harness) {
    let store = harness.open();
    let mut namesakes: Vec<Person> =
        (1..=60).map(|serial| person("Siti Aminah", "1980-01-01", Sex::Female, serial)).collect();
    let target = person("Siti Aminah", "1995-06-15", Sex::Female, 1);
    namesakes.push(target.clone());
    import_persons(&store, &namesakes);

    let found = store.persons_by_name("Siti Aminah", Some(1995), 10, &officer()).unwrap();
    assert_eq!(found.into_iter().map(|p| p.record).collect::<Vec<_>>(), vec![target]);
    assert_eq!(store.persons_by_name("Siti Aminah", Some(1980), 100, &officer()).unwrap().len(), 60);
    assert_eq!(store.persons_by_name("Siti Aminah", None, 5, &officer()).unwrap().len(), 5);
}

fn timeline_is_in_time_order(harness: &Harness) {
    let store = harness.open();
    let ani = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    let rudi = person("Rudi Hartono", "1979-12-30", Sex::Male, 4);
    import_persons(&store, &[ani.clone(), rudi.clone()]);
    let middle = passport("B2019000", "IDN", Some(&ani), "2019-01-10");
    let first = passport("B2014000", "IDN", Some(&ani), "2014-01-10");
    let last = passport("B2024000", "IDN", Some(&ani), "2024-01-10");
    let not_hers = passport("R2020000", "IDN", Some(&rudi), "2020-01-10");
    let documents = [middle.clone(), first.clone(), last.clone(), not_hers.clone()];
    check(
        &store.import_documents(&documents, ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted, inserted, inserted, inserted",
    );
    let applications = [
        application("BKL-24", &ani, "2024-01-02"),
        application("BKL-14", &ani, "2014-01-02"),
        application("BKL-19", &ani, "2019-01-02"),
        application("BKL-20", &rudi, "2020-01-02"),
    ];
    check(
        &store.import_applications(&applications, ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted, inserted, inserted, inserted",
    );
    let crossings = [
        crossing(&last, Direction::Entry, "CGK", "2025-01-20T10:00:00Z"),
        crossing(&first, Direction::Exit, "BKS", "2015-05-05T05:00:00Z"),
        crossing(&last, Direction::Exit, "CGK", "2025-01-03T22:15:00Z"),
        crossing(&middle, Direction::Exit, "BTH", "2019-08-17T08:00:00Z"),
        crossing(&not_hers, Direction::Exit, "BTH", "2021-08-17T08:00:00Z"),
    ];
    check(
        &store.import_crossings(&crossings, ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted, inserted, inserted, inserted, inserted",
    );

    let ani_id = store.person_by_nik(&ani.nik, &officer()).unwrap().expect("stored").id;
    let timeline = store.timeline(ani_id, &officer()).unwrap().expect("a timeline");
    assert_eq!(timeline.person.record, ani);
    let numbers: Vec<&str> = timeline.documents.iter().map(|d| d.record.number.as_str()).collect();
    assert_eq!(numbers, ["B2014000", "B2019000", "B2024000"]);
    let references: Vec<&str> = timeline.applications.iter().map(|a| a.record.reference.as_str()).collect();
    assert_eq!(references, ["BKL-14", "BKL-19", "BKL-24"]);
    let times: Vec<String> =
        timeline.crossings.iter().map(|c| waspada_domain::format_timestamp(c.record.crossed_at)).collect();
    assert_eq!(times, ["2015-05-05T05:00:00Z", "2019-08-17T08:00:00Z", "2025-01-03T22:15:00Z", "2025-01-20T10:00:00Z"]);
    assert_eq!(store.timeline(ani_id + 1000, &officer()).unwrap(), None);
}

fn watchlist_exact_by_name_nik_and_number(harness: &Harness) {
    let store = harness.open();
    let mut by_name = watch("WL-1", "Darmawan Kusumo Hadi");
    by_name.aliases.push(name("Pak Darma"));
    by_name.date_of_birth = Some(PartialDate::from_year(1970));
    let mut by_nik = watch("WL-2", "Yanto Gunawan");
    by_nik.nik = Some(nik_for(DISTRICT, date("1982-02-02"), Sex::Male, 9));
    let mut by_number = watch("WL-3", "Lim Siew Ling");
    by_number.document_number = Some(DocumentNumber::parse("number", "K9988776").unwrap());
    let entries = [by_name.clone(), by_nik.clone(), by_number.clone()];
    check(&store.import_watchlist(&entries, ConflictPolicy::Reject, &clerk()).unwrap(), "inserted, inserted, inserted");

    let ids = |name: Option<&str>, nik: Option<&waspada_domain::Nik>, number: Option<&str>| -> Vec<String> {
        let found = store.watchlist_exact(name, nik, number, &officer()).unwrap();
        found.into_iter().map(|e| e.record.external_id).collect()
    };
    assert_eq!(ids(Some("darmawan kusumo-hadi"), None, None), ["WL-1"]);
    assert_eq!(ids(Some("PAK DARMA"), None, None), ["WL-1"]);
    assert_eq!(ids(None, by_nik.nik.as_ref(), None), ["WL-2"]);
    assert_eq!(ids(None, None, Some("K9988776")), ["WL-3"]);
    assert_eq!(ids(Some("Lim Siew Ling"), None, Some("K9988776")), ["WL-3"], "one entry found twice is listed once");
    assert_eq!(ids(Some("Pak Darma"), by_nik.nik.as_ref(), Some("K9988776")), ["WL-1", "WL-2", "WL-3"]);
    assert!(ids(Some("Darmawan"), None, None).is_empty());
    assert!(ids(None, None, None).is_empty());
}

fn counter_check_lookup_and_application_by_reference(harness: &Harness) {
    let store = harness.open();
    let ani = person("Ani Lestari", "1988-07-21", Sex::Female, 3);
    let rudi = person("Rudi Hartono", "1979-12-30", Sex::Male, 4);
    import_persons(&store, &[ani.clone(), rudi.clone()]);
    let doc = passport("A1234567", "IDN", Some(&ani), "2020-02-02");
    check(&store.import_documents(std::slice::from_ref(&doc), ConflictPolicy::Reject, &clerk()).unwrap(), "inserted");
    // By document: the holder comes along.
    let (found, documents) = store.check_lookup(None, Some(("A1234567", Some("IDN"))), &officer()).unwrap();
    assert_eq!(found.map(|p| p.record), Some(ani.clone()));
    assert_eq!(documents.into_iter().map(|d| d.record).collect::<Vec<_>>(), vec![doc.clone()]);
    // A NIK given wins over the document's holder (the check then shows the mismatch).
    let (found, documents) = store.check_lookup(Some(&rudi.nik), Some(("A1234567", None)), &officer()).unwrap();
    assert_eq!(found.map(|p| p.record), Some(rudi.clone()));
    assert_eq!(documents.len(), 1);
    let (found, documents) = store.check_lookup(None, Some(("Z9999999", None)), &officer()).unwrap();
    assert!(found.is_none() && documents.is_empty());
    let app = application("BKL-2026-77", &ani, "2026-01-05");
    check(
        &store.import_applications(std::slice::from_ref(&app), ConflictPolicy::Reject, &clerk()).unwrap(),
        "inserted",
    );
    assert_eq!(store.application_by_reference("BKL-2026-77", &officer()).unwrap().map(|a| a.record), Some(app));
    assert!(store.application_by_reference("BKL-2026-78", &officer()).unwrap().is_none());
}
