//! `waspada breach`: the breach log with its 3 × 24-hour deadline and the notification texts.

use crate::{Store, check};

#[test]
fn a_breach_is_recorded_sealed_reported_and_its_notifications_tracked() {
    let store = Store::new();
    check(&store.import(&[&crate::fixture("canonical")]), 0, &[]);
    let record = |detected: &str, category: &str, description: &str| {
        store.run(
            "breach record",
            &[
                "--detected-at",
                detected,
                "--category",
                category,
                "--affected",
                "person:1,person:2",
                "--description",
                description,
                "--measures",
                "Akun petugas dinonaktifkan; kata sandi semua akun diganti.",
                "--contact",
                "PPDP Kanim Bengkulu",
            ],
        )
    };
    check(&record("2026-11-29T08:00:00+07:00", "leaked", "x"), 1, &["confidentiality, integrity or availability"]);
    check(&record("yesterday", "integrity", "x"), 1, &["RFC 3339"]);
    let first = record("2026-11-29T08:00:00+07:00", "confidentiality", "Laptop petugas Sulastri Wulandari hilang");
    check(&first, 0, &["BR-2026-0001", "notify by 2026-12-02T01:00:00Z"]);
    let old = record("2020-01-01T00:00:00Z", "availability", "Server mati");
    check(&old, 0, &["BR-2020-0001"]);

    let list = store.run("breach list", &[]);
    check(&list, 0, &["BR-2026-0001\topen\tconfidentiality", "BR-2020-0001\tOVERDUE\tavailability", "2 records"]);
    let notice = store.run("breach notice", &["BR-2026-0001"]);
    check(
        &notice,
        0,
        &[
            "UU 27/2022 Pasal 46",
            "Law 27/2022 Art. 46",
            "Laptop petugas Sulastri Wulandari hilang",
            "2 catatan",
            "PPDP Kanim",
        ],
    );
    check(&store.run("breach notified", &["BR-2026-0001", "--to", "authority"]), 0, &["recorded"]);
    check(&store.run("breach notified", &["BR-2026-0001", "--to", "authority"]), 1, &["already recorded"]);
    check(&store.run("breach notified", &["BR-2026-0001", "--to", "subjects"]), 0, &[]);
    check(&store.run("breach notified", &["BR-2099-0001", "--to", "subjects"]), 1, &[]);
    check(&store.run("breach list", &[]), 0, &["BR-2026-0001\tnotified"]);

    // The free text may name people: it is sealed like every record.
    let raw = std::fs::read(store.database()).unwrap();
    let wal = std::fs::read(store.database().with_extension("db-wal")).unwrap_or_default();
    for bytes in [raw, wal] {
        assert!(!bytes.windows(9).any(|w| w == b"Sulastri "), "the description is stored in clear");
    }
    check(
        &store.run("audit list", &["--action", "breach.record"]),
        0,
        &["breach:BR-2026-0001", "category=confidentiality affected=2"],
    );
}
