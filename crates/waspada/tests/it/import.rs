//! `waspada import`: bad rows are reported by file and line while good rows are kept, re-imports
//! are idempotent, conflicts need `--on-conflict update`, and unusable paths fail clearly.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Store, arg, check, csv_rows, fixture, kind_files};

/// The `<path>:<line>: <reason>` lines of `stderr` for files in `folder`, by (file name, line).
fn rejections(stderr: &str, folder: &Path) -> BTreeMap<(String, u64), String> {
    let prefix = format!("{}/", folder.display());
    let mut found = BTreeMap::new();
    for report in stderr.lines().filter_map(|l| l.strip_prefix(&prefix)) {
        let mut parts = report.splitn(3, ':');
        let (Some(file), Some(line), Some(reason)) = (parts.next(), parts.next(), parts.next()) else { continue };
        // Per-file summaries and whole-file errors have no line number.
        let Ok(line) = line.parse::<u64>() else { continue };
        let reason = reason.strip_prefix(' ').unwrap_or(reason).to_owned();
        assert!(found.insert((file.to_owned(), line), reason).is_none(), "{file}:{line} reported twice:\n{stderr}");
    }
    found
}

/// Every bad row of `fixtures/mixed`, with a part of the reason a clerk would recognise.
const MIXED_REJECTIONS: [(&str, u64, &str); 25] = [
    ("persons.csv", 3, "NIK must have 16 digits, found 15"),
    ("persons.csv", 5, "date_of_birth: \"2024-02-30\" is not a calendar date"),
    // The byte index counts from the start of the field, not of the row.
    ("persons.csv", 6, "field 5 is not valid UTF-8 (invalid utf-8 sequence of 1 bytes from index 3)"),
    ("persons.csv", 7, "expected 6 fields as in the header, found 7"),
    ("persons.csv", 8, "conflicts with an earlier row with the same NIK"),
    ("persons.csv", 9, "NIK encodes sex male but the stated sex is female"),
    ("persons.csv", 10, "expected 6 fields as in the header, found 2"),
    ("documents.csv", 3, "expiry_date: must be after issue_date"),
    ("documents.csv", 4, "holder_nik is not in the records"),
    ("documents.csv", 5, "issuing_state: \"ID\" is not a three-letter country code"),
    ("documents.csv", 7, "the file ends inside a quoted field"),
    ("applications.csv", 3, "purpose: \"holiday\" is not a purpose"),
    ("applications.csv", 4, "decision_reason is required"),
    ("applications.csv", 5, "applicant_nik is not in the records"),
    ("applications.csv", 6, "applied_on: \"2025-02-30\" is not a calendar date"),
    ("crossings.csv", 3, "direction: \"sideways\" is not a direction"),
    ("crossings.csv", 4, "crossed_at: \"yesterday\" is not a timestamp"),
    // Line 6 is blank: the row after it keeps its true number.
    ("crossings.csv", 7, "checkpoint: must be a short code"),
    ("crossings.jsonl", 3, "malformed JSON"),
    ("crossings.jsonl", 4, "each line must be a JSON object"),
    ("crossings.jsonl", 5, "malformed JSON: EOF while parsing"),
    ("watchlist.csv", 3, "category: \"blacklist\" is not a category"),
    ("watchlist.csv", 4, "valid_until: is before valid_from"),
    ("watchlist.csv", 5, "legal_basis is required"),
    ("watchlist.csv", 6, "date_of_birth: month 13 in \"1965-13\" does not exist"),
];

#[test]
fn bad_rows_are_reported_by_file_and_line_and_good_rows_are_kept() {
    let store = Store::new();
    let mixed = fixture("mixed");
    let run = store.import(&[&mixed]);
    check(
        &run,
        2,
        &["total: 36 rows: 11 inserted, 0 updated, 0 unchanged, 25 rejected", "1 file(s) could not be read"],
    );

    let found = rejections(&run.stderr, &mixed);
    for (file, line, reason) in MIXED_REJECTIONS {
        let reported = found.get(&(file.to_owned(), line));
        assert!(
            reported.is_some_and(|r| r.contains(reason)),
            "{file}:{line}: expected a reason containing {reason:?}, got {reported:?}\n{}",
            run.stderr
        );
    }
    // And no other row.
    let mut expected: Vec<(String, u64)> = MIXED_REJECTIONS.iter().map(|(f, l, _)| ((*f).to_owned(), *l)).collect();
    expected.sort();
    let reported: Vec<(String, u64)> = found.keys().cloned().collect();
    assert_eq!(reported, expected, "rows reported as rejected\n{}", run.stderr);

    // A UTF-16 file cannot be read at all: one message for the file, and the import goes on.
    let utf16 = format!("{}: the file is UTF-16, not UTF-8", mixed.join("watchlist.jsonl").display());
    assert!(run.stderr.lines().any(|l| l.starts_with(&utf16)), "no UTF-16 message\n{}", run.stderr);

    // The good rows are stored, and found by lookup.
    let (lookup, siti) = store.lookup(&["nik", "1709015208740001"]);
    check(&lookup, 0, &[]);
    let siti = siti.unwrap();
    assert_eq!(siti["full_name"], "Siti Aminah");
    assert_eq!(siti["phones"], serde_json::json!(["+6281234567890"]), "phones are stored in +62 form");
    let (lookup, budi) = store.lookup(&["nik", "1709011503900002"]);
    check(&lookup, 0, &[]);
    assert_eq!(budi.unwrap()["full_name"], "Budi Santoso", "the conflicting duplicate on line 8 must not win");
    let (lookup, documents) = store.lookup(&["document", "C1234567"]);
    check(&lookup, 0, &[]);
    assert_eq!(documents.unwrap()[0]["holder_nik"], "1709015208740001");
    let (lookup, found_by_name) = store.lookup(&["name", "aminah siti"]);
    check(&lookup, 0, &[]);
    assert_eq!(found_by_name.unwrap()[0]["nik"], "1709015208740001");
    let (lookup, timeline) = store.lookup(&["timeline", &siti["id"].to_string()]);
    check(&lookup, 0, &[]);
    let timeline = timeline.unwrap();
    assert_eq!(timeline["applications"].as_array().map(Vec::len), Some(1), "{timeline:#}");
    assert_eq!(timeline["crossings"].as_array().map(Vec::len), Some(1), "{timeline:#}");

    // The bad rows are not: lookup exits 3 when nothing is found.
    for nik in ["1709011503900005", "1709011503900006", "1709011503900007", "1709011503900009"] {
        let (lookup, _) = store.lookup(&["nik", nik]);
        check(&lookup, 3, &["not found"]);
    }
    let (lookup, _) = store.lookup(&["document", "C2222222"]);
    check(&lookup, 3, &[]);

    // Exactly the good rows, nothing else.
    let out = store.export("export", "csv");
    let column = |file: &str, index: usize| -> Vec<String> {
        csv_rows(&out.join(file)).iter().map(|row| row.split(',').nth(index).unwrap_or_default().to_owned()).collect()
    };
    assert_eq!(column("persons.csv", 0), ["1709015208740001", "1709011503900002"]);
    assert_eq!(column("documents.csv", 1), ["C1234567", "C7654321"]);
    assert_eq!(column("applications.csv", 0), ["APP-1", "APP-6"]);
    assert_eq!(column("crossings.csv", 1), ["CGK", "KUL", "BKS"]);
    // Times are stored in UTC; a `|`-separated list in JSON Lines is read as a list.
    assert_eq!(column("crossings.csv", 2)[1], "2025-04-01T00:00:00Z");
    assert_eq!(column("crossings.csv", 7), ["", "", "E0001112|A9876543"]);
    assert_eq!(column("watchlist.csv", 0), ["WL-001", "WL-006"]);

    // Importing the same folder again changes nothing and reports the same rows.
    let again = store.import(&[&mixed]);
    check(&again, 2, &["total: 36 rows: 0 inserted, 0 updated, 11 unchanged, 25 rejected"]);
    assert_eq!(rejections(&again.stderr, &mixed).keys().collect::<Vec<_>>(), found.keys().collect::<Vec<_>>());
    let out_again = store.export("export-again", "csv");
    crate::assert_same_files(&out, &out_again, &kind_files("csv").iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn reimporting_good_files_reports_every_row_unchanged() {
    let store = Store::new();
    let canonical = fixture("canonical");
    let first = store.import(&[&canonical]);
    let mut total = 0;
    let mut expect = Vec::new();
    for file in kind_files("csv") {
        let rows = csv_rows(&canonical.join(&file)).len();
        assert!(rows > 0, "{file} has no rows");
        total += rows;
        expect.push(format!(
            "{}: {rows} rows: {rows} inserted, 0 updated, 0 unchanged, 0 rejected",
            canonical.join(&file).display()
        ));
    }
    let total_line = format!("total: {total} rows: {total} inserted, 0 updated, 0 unchanged, 0 rejected");
    expect.push(total_line);
    check(&first, 0, &expect.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(first.stderr.contains("new master key"), "the first run makes a key and says so\n{}", first.stderr);

    let second = store.import(&[&canonical]);
    let total_line = format!("total: {total} rows: 0 inserted, 0 updated, {total} unchanged, 0 rejected");
    check(&second, 0, &[&total_line]);
    assert!(!second.stderr.contains("new master key"), "the key is made only once\n{}", second.stderr);

    // The import leaves no write-ahead log behind for the next process to copy.
    let wal = store.data().join("waspada.db-wal");
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0, "{} is not empty", wal.display());
}

#[test]
fn a_changed_row_is_rejected_unless_on_conflict_update() {
    let store = Store::new();
    check(&store.import(&[&fixture("canonical")]), 0, &[]);

    // The same persons with Budi's name and address changed (line 3).
    let folder = store.scratch("changed");
    std::fs::create_dir(&folder).unwrap();
    let persons = String::from_utf8(crate::read(&fixture("canonical/persons.csv"))).unwrap();
    let changed = persons.replacen("Budi Santoso,,1990-03-15,M,,,", "Budi Santoso Putra,,1990-03-15,M,,,Jl. Baru 2", 1);
    assert_ne!(changed, persons, "the fixture line to change was not found");
    let file = folder.join("persons.csv");
    std::fs::write(&file, changed).unwrap();

    let rejected = store.import(&[&file]);
    check(&rejected, 2, &["3 rows: 0 inserted, 0 updated, 2 unchanged, 1 rejected"]);
    let reason = rejections(&rejected.stderr, &folder);
    let line3 = reason.get(&("persons.csv".to_owned(), 3));
    assert!(
        line3.is_some_and(|r| r.contains("different data") && r.contains("--on-conflict update")),
        "line 3 must be rejected with a hint at --on-conflict: {line3:?}\n{}",
        rejected.stderr
    );
    assert_eq!(reason.len(), 1, "{}", rejected.stderr);
    let (_, budi) = store.lookup(&["nik", "1709011503900002"]);
    assert_eq!(budi.unwrap()["full_name"], "Budi Santoso", "the stored record is kept");

    let updated = store.run("import", &["--on-conflict", "update", arg(&file)]);
    check(&updated, 0, &["3 rows: 0 inserted, 1 updated, 2 unchanged, 0 rejected"]);
    let (_, budi) = store.lookup(&["nik", "1709011503900002"]);
    let budi = budi.unwrap();
    assert_eq!(budi["full_name"], "Budi Santoso Putra");
    assert_eq!(budi["address"], "Jl. Baru 2");
    // The name index follows the update: the new name finds him, the old one no longer does.
    let (new, by_new) = store.lookup(&["name", "Budi Santoso Putra"]);
    check(&new, 0, &[]);
    assert_eq!(by_new.unwrap()[0]["nik"], "1709011503900002");
    let (old, _) = store.lookup(&["name", "Budi Santoso"]);
    check(&old, 3, &["not found"]);

    // Updating is idempotent too.
    check(&store.run("import", &["--on-conflict", "update", arg(&file)]), 0, &["0 updated, 3 unchanged"]);
}

#[test]
fn files_that_are_not_utf8_get_one_clear_message_each() {
    let store = Store::new();
    let folder = store.scratch("encodings");
    std::fs::create_dir(&folder).unwrap();
    let persons = "nik,full_name,date_of_birth,sex\n1709015208740001,Siti Aminah,1974-08-12,F\n";
    // UTF-16 little-endian without a byte-order mark, as some exports write it.
    let utf16le: Vec<u8> = persons.encode_utf16().flat_map(u16::to_le_bytes).collect();
    std::fs::write(folder.join("persons.csv"), utf16le).unwrap();
    // UTF-16 big-endian with a byte-order mark.
    let utf16be: Vec<u8> = std::iter::once(0xFEFF).chain(persons.encode_utf16()).flat_map(u16::to_be_bytes).collect();
    std::fs::write(folder.join("persons.jsonl"), utf16be).unwrap();
    // JSON Lines with a Latin-1 byte on line 2 of 3.
    let mut latin1 = b"{\"id\":\"WL-1\",\"category\":\"poi\",\"full_name\":\"Ani\",\"legal_basis\":\"x\",\"valid_from\":\"2025-01-01\"}\n".to_vec();
    latin1.extend_from_slice(b"{\"id\":\"WL-2\",\"category\":\"poi\",\"full_name\":\"Jos\xe9\",\"legal_basis\":\"x\",\"valid_from\":\"2025-01-01\"}\n");
    latin1.extend_from_slice(b"{\"id\":\"WL-3\",\"category\":\"poi\",\"full_name\":\"Budi\",\"legal_basis\":\"x\",\"valid_from\":\"2025-01-01\"}\n");
    std::fs::write(folder.join("watchlist.jsonl"), latin1).unwrap();

    let run = store.import(&[&folder]);
    check(&run, 2, &["2 file(s) could not be read", "total: 3 rows: 2 inserted, 0 updated, 0 unchanged, 1 rejected"]);
    for file in ["persons.csv", "persons.jsonl"] {
        let message = format!("{}: the file is UTF-16, not UTF-8", folder.join(file).display());
        assert!(run.stderr.lines().any(|l| l.starts_with(&message)), "{file}: no UTF-16 message\n{}", run.stderr);
    }
    let found = rejections(&run.stderr, &folder);
    assert_eq!(found.len(), 1, "{}", run.stderr);
    let line2 = found.get(&("watchlist.jsonl".to_owned(), 2));
    assert!(line2.is_some_and(|r| r.contains("not valid UTF-8")), "{line2:?}\n{}", run.stderr);
    let out = store.export("export", "csv");
    let ids: Vec<String> = csv_rows(&out.join("watchlist.csv")).iter().map(|r| r[..4].to_owned()).collect();
    assert_eq!(ids, ["WL-1", "WL-3"]);
    assert!(csv_rows(&out.join("persons.csv")).is_empty());
}

#[test]
fn unusable_paths_fail_before_anything_is_stored() {
    let store = Store::new();
    let missing = store.scratch("no-such-folder");
    let run = store.import(&[&fixture("canonical"), &missing]);
    check(&run, 1, &[&format!("error: {} does not exist", missing.display())]);
    assert!(!store.data().exists(), "nothing may be stored when one path is missing");

    let empty = store.scratch("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("notes.txt"), "not data").unwrap();
    std::fs::write(empty.join("people.csv"), "nik\n").unwrap();
    let run = store.import(&[&empty]);
    check(&run, 1, &[&format!("error: {} holds no importable files", empty.display()), "persons.csv"]);

    let run = store.import(&[&empty.join("people.csv")]);
    check(
        &run,
        1,
        &["cannot tell what", "people.csv", "name it persons, documents, applications, crossings or watchlist"],
    );
    assert!(!store.data().exists());

    // A file with a known name but no usable header: the file is reported, the others imported.
    let headers = store.scratch("headers");
    std::fs::create_dir(&headers).unwrap();
    std::fs::write(headers.join("persons.csv"), "nik,name,born\n1709015208740001,Siti,1974-08-12\n").unwrap();
    std::fs::write(headers.join("documents.csv"), "").unwrap();
    std::fs::copy(fixture("canonical/watchlist.csv"), headers.join("watchlist.csv")).unwrap();
    let run = store.import(&[&headers]);
    check(
        &run,
        2,
        &[
            &format!(
                "{}: the header lacks the required column(s) full_name, date_of_birth, sex",
                headers.join("persons.csv").display()
            ),
            &format!("{}: the file is empty", headers.join("documents.csv").display()),
            "2 file(s) could not be read",
            "3 inserted",
        ],
    );
}

#[test]
fn a_file_cut_off_mid_row_is_reported_and_the_whole_file_completes_it() {
    let store = Store::new();
    let whole = crate::read(&fixture("canonical/persons.csv"));
    // Cut the last row inside its quoted address (`"Desa ""Baru"", RT 02"`), as an interrupted
    // copy would: the row still has all its fields, so only the open quote shows the damage.
    let cut = store.scratch("cut");
    std::fs::create_dir(&cut).unwrap();
    std::fs::write(cut.join("persons.csv"), &whole[..whole.len() - 12]).unwrap();
    let run = store.import(&[&cut]);
    check(&run, 2, &["3 rows: 2 inserted, 0 updated, 0 unchanged, 1 rejected"]);
    let found = rejections(&run.stderr, &cut);
    let line4 = found.get(&("persons.csv".to_owned(), 4));
    assert!(line4.is_some_and(|r| r.contains("the file ends inside a quoted field")), "{line4:?}\n{}", run.stderr);
    let (lookup, _) = store.lookup(&["nik", "1709014101000003"]);
    check(&lookup, 3, &[]);

    let run = store.import(&[&fixture("canonical/persons.csv")]);
    check(&run, 0, &["3 rows: 1 inserted, 0 updated, 2 unchanged, 0 rejected"]);
    let (lookup, dewi) = store.lookup(&["nik", "1709014101000003"]);
    check(&lookup, 0, &[]);
    assert_eq!(dewi.unwrap()["address"], "Desa \"Baru\", RT 02");
}
