//! `waspada import`: files or folders of CSV / JSON Lines into the store, batch by batch.
//!
//! A parser thread reads and validates rows while the main thread seals and writes the previous
//! batch, so both cores work. Each batch is one transaction: a killed import keeps every
//! committed batch, and a re-run skips them as unchanged (natural keys make it idempotent).

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use waspada_formats::{FileFormat, Kind, Reader, Record};
use waspada_store::{AuditContext, ConflictPolicy, RowOutcome, Store};

use crate::{StoreArgs, cli_actor};

/// Counts bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Totals for one file.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    rows: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.rows += other.rows;
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.rejected += other.rejected;
    }
}

/// Public reports that arrived another way (walk-ins, hotline calls, the synthetic world's):
/// JSON Lines in a file of this name.
const PUBLIC_REPORTS: &str = "public_reports.jsonl";

fn is_public_reports(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()) == Some(PUBLIC_REPORTS)
}

/// Finds the files to import, in dependency order, and the public-report files apart.
/// A file of records to import: its kind, format and path.
type RecordFile = (Kind, FileFormat, PathBuf);

fn discover(paths: &[PathBuf]) -> anyhow::Result<(Vec<RecordFile>, Vec<PathBuf>)> {
    let mut files = Vec::new();
    let mut reports = Vec::new();
    for path in paths {
        if path.is_file() && is_public_reports(path) {
            reports.push(path.clone());
        } else if path.is_dir() {
            let mut found = false;
            for entry in std::fs::read_dir(path).with_context(|| format!("cannot read folder {}", path.display()))? {
                let entry_path = entry?.path();
                if is_public_reports(&entry_path) {
                    reports.push(entry_path);
                    found = true;
                } else if let Some(file) = classify(&entry_path) {
                    files.push(file);
                    found = true;
                }
            }
            if !found {
                bail!(
                    "{} holds no importable files (persons.csv, documents.csv, applications.csv, crossings.csv, watchlist.csv, or .jsonl)",
                    path.display()
                );
            }
        } else if path.is_file() {
            files.push(classify(path).with_context(|| {
                format!(
                    "cannot tell what {} holds from its name: name it persons, documents, applications, crossings or watchlist, with .csv or .jsonl",
                    path.display()
                )
            })?);
        } else {
            bail!("{} does not exist", path.display());
        }
    }
    files.sort_by_key(|(kind, _, path)| (Kind::ALL.iter().position(|k| k == kind), path.clone()));
    reports.sort();
    Ok((files, reports))
}

fn classify(path: &Path) -> Option<(Kind, FileFormat, PathBuf)> {
    let format = FileFormat::from_path(path)?;
    let kind = Kind::from_stem(path.file_stem()?.to_str()?)?;
    Some((kind, format, path.to_path_buf()))
}

pub fn run(
    args: &StoreArgs,
    paths: &[PathBuf],
    policy: ConflictPolicy,
    batch_size: usize,
    purpose: &str,
) -> anyhow::Result<ExitCode> {
    let (files, report_files) = discover(paths)?;
    let store = args.open()?;
    let context = AuditContext::new(cli_actor(), purpose)?;
    let mut total = Tally::default();
    let mut failed_files = 0;
    let started = Instant::now();
    for (kind, format, path) in files {
        match import_file(&store, kind, format, &path, policy, batch_size, &context) {
            Ok(tally) => total.add(tally),
            Err(error) => {
                failed_files += 1;
                eprintln!("{}: {error:#}", path.display());
            }
        }
    }
    if !report_files.is_empty() {
        match import_public_reports(&store, &report_files) {
            Ok(tally) => total.add(tally),
            Err(error) => {
                failed_files += 1;
                eprintln!("{PUBLIC_REPORTS}: {error:#}");
            }
        }
    }
    if let Err(error) = store.checkpoint() {
        eprintln!("warning: could not checkpoint the write-ahead log: {error}");
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "total: {} rows: {} inserted, {} updated, {} unchanged, {} rejected in {:.1} s{}",
        total.rows,
        total.inserted,
        total.updated,
        total.unchanged,
        total.rejected,
        seconds,
        if failed_files > 0 { format!("; {failed_files} file(s) could not be read") } else { String::new() }
    );
    Ok(if total.rejected > 0 || failed_files > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// Imports public reports through the citizens' app's own checks and scoring (with the counter
/// check's index, so reports naming a phone or person in the records rise in the queue). A bad
/// line is reported with its number and reason and the others are kept; a report already
/// imported (same `id`) is counted as unchanged.
fn import_public_reports(store: &waspada_store::Store, files: &[PathBuf]) -> anyhow::Result<Tally> {
    let policy = crate::assess::load_policy(None)?;
    let engine = waspada_server::checks::Engine::load(store, policy)?;
    let public = waspada_server::public::PublicState::default();
    let mut tally = Tally::default();
    for path in files {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let (mut inserted, mut unchanged, mut rejected) = (0u64, 0u64, 0u64);
        for (number, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let outcome = serde_json::from_str::<serde_json::Value>(line)
                .map_err(|e| format!("not JSON: {e}"))
                .and_then(|record| waspada_server::public::import_report(&engine, &public, store, &record));
            match outcome {
                Ok(submitted) if submitted.replayed => unchanged += 1,
                Ok(_) => inserted += 1,
                Err(reason) => {
                    rejected += 1;
                    eprintln!("{}:{}: rejected: {reason}", path.display(), number + 1);
                }
            }
        }
        eprintln!(
            "{}: public reports: {inserted} inserted, {unchanged} unchanged, {rejected} rejected",
            path.display()
        );
        tally.add(Tally { rows: inserted + unchanged + rejected, inserted, unchanged, rejected, ..Tally::default() });
    }
    Ok(tally)
}

type Batch = Vec<(u64, Result<Record, String>)>;

/// A parsed batch after staging: the line of each record, the rows rejected while parsing, and
/// the staged records (or the error that stopped staging them).
#[derive(Default)]
struct StagedBatch {
    rows: u64,
    lines: Vec<u64>,
    rejections: Vec<(u64, String)>,
    records: Option<waspada_store::Result<waspada_server::api::StagedRecords>>,
}

fn import_file(
    store: &Store,
    kind: Kind,
    format: FileFormat,
    path: &Path,
    policy: ConflictPolicy,
    batch_size: usize,
    context: &AuditContext,
) -> anyhow::Result<Tally> {
    let file = File::open(path).with_context(|| "cannot open")?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bytes = Arc::new(AtomicU64::new(0));
    let input = Counting { inner: std::io::BufReader::with_capacity(1 << 20, file), bytes: bytes.clone() };
    let today = chrono::Utc::now().date_naive();
    let reader = Reader::new(kind, format, input, today)?;
    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(size);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {bytes}/{total_bytes} {msg} ({eta})")
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        bar
    } else {
        ProgressBar::hidden()
    };
    let name = path.display().to_string();
    let started = Instant::now();
    // Crossings resolve their documents from memory rather than one index probe per row.
    let cached_links = kind == Kind::Crossings && store.cache_document_links().is_ok();
    let mut tally = Tally::default();
    // Three stages: the reader thread parses, the staging thread derives keys and seals (for
    // crossings), and this thread commits. Each channel holds at most two batches.
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Batch>(2);
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(batch_size);
            for row in reader {
                batch.push(row);
                if batch.len() >= batch_size
                    && sender.send(std::mem::replace(&mut batch, Vec::with_capacity(batch_size))).is_err()
                {
                    return;
                }
            }
            if !batch.is_empty() {
                let _ = sender.send(batch);
            }
        });
        let (staged_sender, staged_receiver) = std::sync::mpsc::sync_channel::<StagedBatch>(1);
        scope.spawn(move || {
            for batch in receiver {
                let mut staged = StagedBatch { rows: batch.len() as u64, ..StagedBatch::default() };
                let mut records = Vec::with_capacity(batch.len());
                for (line, row) in batch {
                    match row {
                        Ok(record) => {
                            staged.lines.push(line);
                            records.push(record);
                        }
                        Err(reason) => staged.rejections.push((line, reason)),
                    }
                }
                staged.records = Some(waspada_server::api::stage_records(store, kind, records));
                if staged_sender.send(staged).is_err() {
                    return;
                }
            }
        });
        for staged in staged_receiver {
            let StagedBatch { rows, lines, mut rejections, records } = staged;
            tally.rows += rows;
            tally.rejected += rejections.len() as u64;
            let Some(records) = records else { continue };
            let outcomes = waspada_server::api::commit_records(store, records?, policy, context)?;
            for (line, outcome) in lines.into_iter().zip(outcomes) {
                match outcome {
                    RowOutcome::Inserted => tally.inserted += 1,
                    RowOutcome::Updated => tally.updated += 1,
                    RowOutcome::Unchanged => tally.unchanged += 1,
                    RowOutcome::Rejected(reason) => {
                        tally.rejected += 1;
                        rejections.push((line, reason));
                    }
                }
            }
            // Parse and store rejections are found in two passes; report them in line order.
            rejections.sort_by_key(|(line, _)| *line);
            progress.suspend(|| {
                for (line, reason) in rejections.drain(..) {
                    eprintln!("{name}:{line}: {reason}");
                }
            });
            progress.set_position(bytes.load(Ordering::Relaxed));
            progress.set_message(format!("{} rows", tally.rows));
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    if cached_links {
        store.drop_document_links();
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{name}: {} rows: {} inserted, {} updated, {} unchanged, {} rejected in {:.1} s ({:.0} rows/s)",
        tally.rows,
        tally.inserted,
        tally.updated,
        tally.unchanged,
        tally.rejected,
        seconds,
        tally.rows as f64 / seconds.max(1e-9)
    );
    Ok(tally)
}
