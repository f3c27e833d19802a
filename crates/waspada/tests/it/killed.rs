//! An import that stops part-way keeps what it committed, and a re-run finishes the work.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use crate::{Store, arg, check, command, csv_rows};

/// Writes `crossings.csv` with the first `rows` of a fixed sequence of valid crossings (every row
/// a distinct natural key) into `folder`.
fn write_crossings(folder: &Path, rows: usize) {
    std::fs::create_dir_all(folder).unwrap();
    let file = std::fs::File::create(folder.join("crossings.csv")).unwrap();
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "direction,checkpoint,crossed_at,carrier,voyage,document_number,document_issuing_state,companions")
        .unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    for i in 0..rows {
        // One crossing a minute, alternating exit and entry, on 5 000 documents.
        let at = start + chrono::Duration::minutes(i as i64);
        let direction = if i % 2 == 0 { "exit" } else { "entry" };
        writeln!(out, "{direction},CGK,{}Z,GA,GA{},C{:07},IDN,", at.format("%Y-%m-%dT%H:%M:%S"), i % 1000, i % 5000)
            .unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn an_import_of_the_first_rows_then_the_whole_file_inserts_only_the_rest() {
    let store = Store::new();
    let (half, full) = (store.scratch("half"), store.scratch("full"));
    write_crossings(&half, 60);
    write_crossings(&full, 150);

    check(&store.import(&[&half]), 0, &["60 rows: 60 inserted, 0 updated, 0 unchanged, 0 rejected"]);
    // Small batches, so the rows already stored and the new ones share batches too.
    let run = store.run("import", &["--batch-size", "7", arg(&full)]);
    check(&run, 0, &["150 rows: 90 inserted, 0 updated, 60 unchanged, 0 rejected"]);

    let out = store.export("export", "csv");
    let stored = csv_rows(&out.join("crossings.csv"));
    assert_eq!(stored, csv_rows(&full.join("crossings.csv")), "every row, once, in file order");
    check(&store.run("audit verify", &[]), 0, &["intact"]);
}

/// The number of crossings committed so far, or `None` while the database or its tables are
/// being created.
fn committed(database: &Path) -> Option<i64> {
    if !database.exists() {
        return None;
    }
    // Read-write, like the next `waspada` run: after a kill SQLite may have to recover the WAL.
    let connection = rusqlite::Connection::open(database).ok()?;
    connection.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
    connection.query_row("SELECT count(*) FROM crossings", [], |row| row.get(0)).ok()
}

#[test]
fn a_killed_import_keeps_whole_batches_and_a_rerun_completes_it() {
    // Large enough that a debug build is still importing when two batches are in; small enough
    // that the re-run stays quick.
    const ROWS: i64 = 20_000;
    const BATCH: i64 = 1_000;
    let store = Store::new();
    let folder = store.scratch("big");
    write_crossings(&folder, ROWS as usize);

    let data = store.data();
    let batch = BATCH.to_string();
    let mut child = command(&["import", "--data", arg(&data), "--batch-size", &batch, arg(&folder)])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until at least two batches are committed (the import prints nothing per batch when
    // stderr is not a terminal, so the database is watched instead), then kill it mid-file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the import ended ({status}) before it could be killed: make the file bigger");
        }
        if committed(&store.database()).is_some_and(|n| n >= 2 * BATCH) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the import committed fewer than two batches in two minutes");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the import was killed, not finished: {status}");

    let kept = committed(&store.database()).unwrap();
    assert!((2 * BATCH..ROWS).contains(&kept), "{kept} rows after the kill");
    assert_eq!(kept % BATCH, 0, "each batch is one transaction: {kept} rows is not a whole number of batches");
    check(&store.run("audit verify", &[]), 0, &["intact"]);

    let rerun = store.run("import", &["--batch-size", &batch, arg(&folder)]);
    let rest = ROWS - kept;
    check(&rerun, 0, &[&format!("{ROWS} rows: {rest} inserted, 0 updated, {kept} unchanged, 0 rejected")]);

    let out = store.export("export", "csv");
    assert_eq!(csv_rows(&out.join("crossings.csv")).len() as i64, ROWS);
    check(&store.run("audit verify", &[]), 0, &["intact"]);
}
