//! `waspada export` writes what `waspada import` reads, byte for byte.

use crate::{Store, arg, assert_same_files, check, fixture, kind_files};

#[test]
fn canonical_csv_exports_byte_equal() {
    let store = Store::new();
    let canonical = fixture("canonical");
    check(&store.import(&[&canonical]), 0, &[]);
    let out = store.export("csv", "csv");
    let files = kind_files("csv");
    assert_same_files(&canonical, &out, &files.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn json_lines_round_trip_through_a_fresh_store() {
    let first = Store::new();
    check(&first.import(&[&fixture("canonical")]), 0, &[]);
    let jsonl = first.export("jsonl", "jsonl");
    let files = kind_files("jsonl");
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    for file in &files {
        let text = String::from_utf8(crate::read(&jsonl.join(file))).unwrap();
        assert!(!text.is_empty(), "{file} is empty");
        for line in text.lines() {
            assert!(
                serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| v.is_object()),
                "{file}: not a JSON object: {line}"
            );
        }
    }

    // The JSON Lines export of a store is the same data as the CSV it came from: every row unchanged.
    let rows = crate::canonical_rows();
    let again = first.run("import", &[arg(&jsonl)]);
    check(&again, 0, &[&format!("total: {rows} rows: 0 inserted, 0 updated, {rows} unchanged, 0 rejected")]);

    let second = Store::new();
    let run = second.run("import", &[arg(&jsonl)]);
    check(&run, 0, &[&format!("total: {rows} rows: {rows} inserted, 0 updated, 0 unchanged, 0 rejected")]);
    let jsonl_again = second.export("jsonl", "jsonl");
    assert_same_files(&jsonl, &jsonl_again, &files);

    // Both stores hold the same records: their CSV exports are equal, and equal to the fixtures.
    let csv_files = kind_files("csv");
    let csv_files: Vec<&str> = csv_files.iter().map(String::as_str).collect();
    let (csv_first, csv_second) = (first.export("csv", "csv"), second.export("csv", "csv"));
    assert_same_files(&csv_first, &csv_second, &csv_files);
    assert_same_files(&fixture("canonical"), &csv_second, &csv_files);
}
