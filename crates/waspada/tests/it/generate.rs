//! `waspada generate`: a seeded synthetic world written to a folder, complete, reproducible and
//! importable as it stands.

use std::collections::BTreeSet;
use std::path::Path;

use crate::{Run, Store, arg, check, read, waspada};

/// The import-ready files, public reports and manifest at the top of the output folder.
const TOP_FILES: [&str; 7] = [
    "persons.csv",
    "documents.csv",
    "applications.csv",
    "crossings.csv",
    "watchlist.csv",
    "public_reports.jsonl",
    "manifest.json",
];

/// The files of the `truth/` folder.
const TRUTH_FILES: [&str; 7] =
    ["patterns.csv", "labels.csv", "identity_pairs.csv", "bursts.csv", "reports.csv", "watchlist.csv", "mrz.csv"];

/// The five files `waspada import` reads.
const IMPORT_FILES: [&str; 5] = ["persons.csv", "documents.csv", "applications.csv", "crossings.csv", "watchlist.csv"];

/// Every file a run writes, relative to the output folder, `/`-separated.
fn expected_files() -> BTreeSet<String> {
    TOP_FILES.iter().map(|f| (*f).to_owned()).chain(TRUTH_FILES.iter().map(|f| format!("truth/{f}"))).collect()
}

/// `waspada generate --seed SEED --persons PERSONS --out OUT EXTRA…`.
fn generate(seed: &str, persons: &str, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["generate", "--seed", seed, "--persons", persons, "--out", arg(out)];
    args.extend_from_slice(extra);
    waspada(&args, b"")
}

/// Every file under `dir` (recursively), relative to it and `/`-separated.
fn files_under(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                found.insert(relative);
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(dir, dir, &mut found);
    found
}

/// The parsed `manifest.json` of an output folder.
fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(&dir.join("manifest.json")))
        .unwrap_or_else(|e| panic!("{}/manifest.json is not JSON: {e}", dir.display()))
}

/// The header and records of a CSV file, parsed properly (quoted cells may hold commas).
fn csv_records(path: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let header = reader.headers().unwrap_or_else(|e| panic!("{}: no header: {e}", path.display())).clone();
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{} is not valid CSV: {e}", path.display()));
    (header, records)
}

/// The cells of one named column of a CSV file.
fn column(path: &Path, name: &str) -> Vec<String> {
    let (header, records) = csv_records(path);
    let index = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{} has no column {name:?}: {header:?}", path.display()));
    records.iter().map(|r| r[index].to_owned()).collect()
}

/// The number of lines of a text file.
fn line_count(path: &Path) -> usize {
    String::from_utf8(read(path)).unwrap_or_else(|_| panic!("{} is not UTF-8", path.display())).lines().count()
}

/// Asserts that two files hold the same bytes, naming the first differing line otherwise.
#[track_caller]
fn assert_same_bytes(a: &Path, b: &Path) {
    let (left, right) = (read(a), read(b));
    if left == right {
        return;
    }
    let (left, right) = (String::from_utf8_lossy(&left), String::from_utf8_lossy(&right));
    let first = left.lines().zip(right.lines()).position(|(x, y)| x != y);
    let detail = match first {
        Some(i) => format!(
            "line {}:\n  {}: {}\n  {}: {}",
            i + 1,
            a.display(),
            left.lines().nth(i).unwrap_or_default(),
            b.display(),
            right.lines().nth(i).unwrap_or_default()
        ),
        None => format!("one is a prefix of the other ({} vs {} lines)", left.lines().count(), right.lines().count()),
    };
    panic!("{} and {} differ: {detail}", a.display(), b.display());
}

#[test]
fn generate_writes_every_file_and_a_manifest_that_counts_them() {
    let store = Store::new();
    let out = store.scratch("world");
    let run = generate("5", "2000", &out, &[]);
    check(&run, 0, &["generated 2000 persons"]);

    // Exactly the documented files: nothing missing, no `.part` left behind, nothing extra.
    let found = files_under(&out);
    assert!(!found.iter().any(|f| f.ends_with(".part")), "leftover .part files: {found:?}");
    assert_eq!(found, expected_files(), "the files in {}", out.display());

    let manifest = manifest(&out);
    assert_eq!(manifest["persons"], 2000, "{manifest:#}");
    assert_eq!(manifest["seed"], 5, "{manifest:#}");
    assert_eq!(manifest["as_of"], "2026-11-01", "the default reference date\n{manifest:#}");
    let files = manifest["files"].as_object().unwrap_or_else(|| panic!("no \"files\" object\n{manifest:#}"));
    let listed: BTreeSet<String> = files.keys().cloned().collect();
    let mut expected = expected_files();
    expected.remove("manifest.json");
    assert_eq!(listed, expected, "the manifest lists every data file (and not itself)");

    for (name, rows) in files {
        let path = out.join(name);
        let rows = rows.as_u64().unwrap_or_else(|| panic!("{name}: row count {rows} is not a number"));
        let lines = line_count(&path) as u64;
        if name.ends_with(".jsonl") {
            assert_eq!(lines, rows, "{name}: manifest says {rows} rows, the file has {lines} lines");
            for (i, line) in String::from_utf8(read(&path)).unwrap().lines().enumerate() {
                let value: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{}: not JSON ({e}): {line}", i + 1));
                assert!(value.is_object(), "{name}:{}: not an object: {line}", i + 1);
            }
        } else {
            assert!(lines >= 1, "{name} has no header line");
            assert_eq!(
                lines - 1,
                rows,
                "{name}: manifest says {rows} rows, the file has {lines} lines with the header"
            );
            let (_, records) = csv_records(&path);
            assert_eq!(
                records.len() as u64,
                rows,
                "{name}: manifest says {rows} rows, the CSV holds {}",
                records.len()
            );
        }
    }
    assert_eq!(files["persons.csv"], 2000, "one persons.csv row per person");
    let records: u64 = IMPORT_FILES.iter().map(|f| files[*f].as_u64().unwrap()).sum();
    assert_eq!(manifest["records"], records, "\"records\" is the rows of the five import files\n{manifest:#}");
    for name in IMPORT_FILES {
        assert!(files[name].as_u64().unwrap() > 0, "{name} is empty: a 2,000-person world has some of every kind");
    }

    // Persons are keyed by NIK, so every NIK is a distinct 16-digit number.
    let niks = column(&out.join("persons.csv"), "nik");
    assert!(niks.iter().all(|n| n.len() == 16 && n.bytes().all(|b| b.is_ascii_digit())), "malformed NIKs");
    assert_eq!(niks.iter().collect::<BTreeSet<_>>().len(), niks.len(), "duplicate NIKs in persons.csv");
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_data() {
    let store = Store::new();
    let (first, second, other) = (store.scratch("first"), store.scratch("second"), store.scratch("other"));
    check(&generate("5", "2000", &first, &[]), 0, &[]);
    check(&generate("5", "2000", &second, &[]), 0, &[]);
    check(&generate("6", "2000", &other, &[]), 0, &[]);

    let files = files_under(&first);
    assert_eq!(files, expected_files());
    assert_eq!(files_under(&second), files, "both runs write the same files");
    for name in &files {
        assert_same_bytes(&first.join(name), &second.join(name));
    }

    assert_ne!(
        read(&first.join("persons.csv")),
        read(&other.join("persons.csv")),
        "seeds 5 and 6 gave the same persons.csv"
    );
    let (five, six): (BTreeSet<String>, BTreeSet<String>) = (
        column(&first.join("persons.csv"), "nik").into_iter().collect(),
        column(&other.join("persons.csv"), "nik").into_iter().collect(),
    );
    assert_ne!(five, six, "seeds 5 and 6 gave the same NIKs");
    assert_eq!(manifest(&other)["seed"], 6);
}

#[test]
fn a_generated_world_imports_without_rejections_and_can_be_looked_up() {
    let store = Store::new();
    let out = store.scratch("world");
    check(&generate("5", "2000", &out, &[]), 0, &[]);
    // The record files, and the public reports, which go through the citizens' app's checks.
    let reports = std::fs::read_to_string(out.join("public_reports.jsonl")).unwrap().lines().count() as u64;
    assert!(reports > 0);
    let records = manifest(&out)["records"].as_u64().unwrap() + reports;

    let run = store.import(&[&out]);
    check(&run, 0, &["0 rejected"]);
    let total = run
        .stderr
        .lines()
        .find(|l| l.starts_with("total:"))
        .unwrap_or_else(|| panic!("no total line\n{}", run.describe()));
    assert!(
        total.starts_with(&format!("total: {records} rows: {records} inserted, 0 updated, 0 unchanged, 0 rejected")),
        "every generated record is inserted: {total}\n{}",
        run.describe()
    );

    // Persons from the start, middle and end of the file are found by NIK, with their names.
    let persons = out.join("persons.csv");
    let (niks, names) = (column(&persons, "nik"), column(&persons, "full_name"));
    for i in [0, niks.len() / 2, niks.len() - 1] {
        let (lookup, person) = store.lookup(&["nik", &niks[i]]);
        check(&lookup, 0, &[]);
        let person = person.unwrap();
        assert_eq!(person["nik"], niks[i].as_str(), "{person:#}");
        assert_eq!(person["full_name"], names[i].as_str(), "{person:#}");
    }

    // A document whose MRZ the truth folder holds is stored too.
    let mrz = out.join("truth/mrz.csv");
    let (numbers, states) = (column(&mrz, "document_number"), column(&mrz, "issuing_state"));
    assert!(!numbers.is_empty(), "truth/mrz.csv is empty");
    for i in [0, numbers.len() - 1] {
        let (lookup, documents) = store.lookup(&["document", &numbers[i]]);
        check(&lookup, 0, &[]);
        let documents = documents.unwrap();
        let documents = documents.as_array().unwrap_or_else(|| panic!("not a list: {documents:#}"));
        assert!(
            documents.iter().any(|d| d["number"] == numbers[i].as_str() && d["issuing_state"] == states[i].as_str()),
            "document {} ({}) not found: {documents:#?}",
            numbers[i],
            states[i]
        );
    }
}

#[test]
fn generate_refuses_a_used_folder_and_bad_arguments() {
    let store = Store::new();

    // A folder that already holds something is refused and left alone…
    let used = store.scratch("used");
    std::fs::create_dir_all(&used).unwrap();
    std::fs::write(used.join("notes.txt"), "keep me\n").unwrap();
    let run = generate("5", "200", &used, &[]);
    check(&run, 1, &["already holds data", "--force"]);
    assert_eq!(read(&used.join("notes.txt")), b"keep me\n", "the refused run changed notes.txt");
    assert_eq!(files_under(&used), BTreeSet::from(["notes.txt".to_owned()]), "the refused run wrote files");

    // …unless --force is given, and even then only the generated files are replaced.
    check(&generate("5", "200", &used, &["--force"]), 0, &["generated 200 persons"]);
    assert_eq!(read(&used.join("notes.txt")), b"keep me\n", "--force changed an unrelated file");
    let mut expected = expected_files();
    expected.insert("notes.txt".to_owned());
    assert_eq!(files_under(&used), expected);

    // --force over an earlier run gives exactly what a fresh run of the new seed gives.
    check(&generate("6", "200", &used, &["--force"]), 0, &[]);
    let fresh = store.scratch("fresh");
    check(&generate("6", "200", &fresh, &[]), 0, &[]);
    for name in expected_files() {
        assert_same_bytes(&fresh.join(&name), &used.join(&name));
    }
    assert_eq!(read(&used.join("notes.txt")), b"keep me\n");

    // Sizes outside 100..=20,000,000 are refused before anything is written.
    for persons in ["0", "99", "999999999999"] {
        let out = store.scratch(&format!("size-{persons}"));
        let run = generate("5", persons, &out, &[]);
        check(&run, 1, &["out of range"]);
        assert!(!out.exists(), "--persons {persons} created {}", out.display());
    }
    check(&generate("5", "100", &store.scratch("smallest"), &[]), 0, &["generated 100 persons"]);

    // So are reference dates outside 2010..=2089.
    let out = store.scratch("early");
    check(&generate("5", "200", &out, &["--as-of", "2009-12-31"]), 1, &["out of range"]);
    assert!(!out.exists());

    // Argument errors are clap's: exit 2, naming the problem.
    let out = store.scratch("bogus");
    check(&generate("5", "200", &out, &["--bogus"]), 2, &["--bogus"]);
    assert!(!out.exists());
    let out = store.scratch("negative");
    let run = generate("5", "-5", &out, &[]);
    assert!(run.code.is_some_and(|c| c != 0), "--persons -5 was accepted\n{}", run.describe());
    assert!(!out.exists());
}

#[test]
fn nothing_happens_after_the_as_of_date() {
    let store = Store::new();
    let out = store.scratch("mid-2025");
    check(&generate("5", "2000", &out, &["--as-of", "2025-06-30"]), 0, &["as of 2025-06-30"]);
    assert_eq!(manifest(&out)["as_of"], "2025-06-30");

    // The dates and timestamps of the records (timestamps are RFC 3339, so their first ten
    // characters are the date), with the file and column they come from.
    let dates = |dir: &Path| -> Vec<(String, String)> {
        let mut all = Vec::new();
        for (file, name) in
            [("applications.csv", "applied_on"), ("applications.csv", "decided_at"), ("crossings.csv", "crossed_at")]
        {
            for cell in column(&dir.join(file), name).into_iter().filter(|c| !c.is_empty()) {
                assert!(cell.len() >= 10, "{file} {name}: {cell:?} is not a date");
                all.push((format!("{file} {name}"), cell[..10].to_owned()));
            }
        }
        all
    };
    let limited = dates(&out);
    let later: Vec<_> = limited.iter().filter(|(_, date)| date.as_str() > "2025-06-30").collect();
    assert!(
        later.is_empty(),
        "{} dates after --as-of 2025-06-30, e.g. {:?}",
        later.len(),
        &later[..later.len().min(5)]
    );
    for source in ["applications.csv applied_on", "crossings.csv crossed_at"] {
        assert!(limited.iter().any(|(s, _)| s == source), "no {source} at all: the check above proves nothing");
    }

    // The same seed with the default date does reach past mid-2025, so the limit above is the
    // option's doing.
    let default = store.scratch("default");
    check(&generate("5", "2000", &default, &[]), 0, &[]);
    let unlimited = dates(&default);
    for source in ["applications.csv applied_on", "crossings.csv crossed_at"] {
        assert!(
            unlimited.iter().any(|(s, date)| s == source && date.as_str() > "2025-06-30"),
            "without --as-of no {source} is after 2025-06-30"
        );
    }
}
