//! Export returns exactly what was imported, for every kind, and is audited once per export.

use waspada_domain::{Crossing, PassportApplication, Person, TravelDocument, WatchlistEntry};
use waspada_store::{AuditQuery, ImportKind};

use crate::fixtures::{Sample, officer};
use crate::import::exported;
use crate::support::Harness;

both_backends!(export_round_trips_every_kind);

fn export_round_trips_every_kind(harness: &Harness) {
    let store = harness.open();
    let sample = Sample::new();
    sample.import(&store);

    assert_eq!(exported::<Person>(&store, ImportKind::Persons), sample.persons);
    assert_eq!(exported::<TravelDocument>(&store, ImportKind::Documents), sample.documents);
    assert_eq!(exported::<PassportApplication>(&store, ImportKind::Applications), sample.applications);
    assert_eq!(exported::<Crossing>(&store, ImportKind::Crossings), sample.crossings);
    assert_eq!(exported::<WatchlistEntry>(&store, ImportKind::Watchlist), sample.watchlist);

    let entries = store.audit_entries(&AuditQuery { limit: 5, ..AuditQuery::default() }).unwrap();
    let summary: Vec<(String, String, String)> =
        entries.into_iter().rev().map(|e| (e.action, e.subject, e.detail)).collect();
    let expected: Vec<(String, String, String)> =
        [("persons", 2), ("documents", 2), ("applications", 1), ("crossings", 2), ("watchlist", 1)]
            .into_iter()
            .map(|(table, n)| (format!("{table}.export"), table.to_owned(), format!("records={n}")))
            .collect();
    assert_eq!(summary, expected);

    // A failing sink stops the export with an error instead of a short count.
    let mut seen = 0;
    let result = store.export::<Person>(ImportKind::Persons, &officer(), |_| {
        seen += 1;
        Err("disk full".to_owned())
    });
    assert!(result.is_err());
    assert_eq!(seen, 1);
}
