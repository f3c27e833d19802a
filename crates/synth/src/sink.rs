//! The output files: import-ready records, public reports and the truth folder.
//!
//! Everything is written to `*.part` files first and renamed only when the run completes, and
//! `manifest.json` is written last: an interrupted run never leaves a file that looks complete
//! (and `waspada import` ignores `.part` files because of their extension).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use waspada_formats::{Kind, columns};

use crate::SynthError;

type Csv = csv::Writer<BufWriter<File>>;

/// One output file being written.
pub struct Output<W> {
    pub writer: W,
    pub rows: u64,
    part: PathBuf,
    fin: PathBuf,
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".part");
    path.with_file_name(name)
}

fn open_csv(path: PathBuf, header: &[&str]) -> Result<Output<Csv>, SynthError> {
    let part = part_path(&path);
    let file = File::create(&part).map_err(|e| SynthError::io(&part, e))?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 20, file));
    writer.write_record(header).map_err(|e| SynthError::csv(&part, e))?;
    Ok(Output { writer, rows: 0, part, fin: path })
}

impl Output<Csv> {
    /// Writes one row (cells in header order).
    pub fn row(&mut self, cells: &[&str]) -> Result<(), SynthError> {
        self.rows += 1;
        self.writer.write_record(cells).map_err(|e| SynthError::csv(&self.part, e))
    }

    fn finish(mut self) -> Result<(PathBuf, PathBuf, u64), SynthError> {
        self.writer.flush().map_err(|e| SynthError::io(&self.part, e))?;
        let inner = self.writer.into_inner().map_err(|e| SynthError::io(&self.part, e.into_error()))?;
        let file = inner.into_inner().map_err(|e| SynthError::io(&self.part, e.into_error()))?;
        file.sync_all().map_err(|e| SynthError::io(&self.part, e))?;
        Ok((self.part, self.fin, self.rows))
    }
}

impl Output<BufWriter<File>> {
    /// Writes one JSON object as a line.
    pub fn json_line(&mut self, value: &serde_json::Value) -> Result<(), SynthError> {
        self.rows += 1;
        serde_json::to_writer(&mut self.writer, value).map_err(|e| SynthError::io(&self.part, e.into()))?;
        self.writer.write_all(b"\n").map_err(|e| SynthError::io(&self.part, e))
    }

    fn finish(mut self) -> Result<(PathBuf, PathBuf, u64), SynthError> {
        self.writer.flush().map_err(|e| SynthError::io(&self.part, e))?;
        let file = self.writer.into_inner().map_err(|e| SynthError::io(&self.part, e.into_error()))?;
        file.sync_all().map_err(|e| SynthError::io(&self.part, e))?;
        Ok((self.part, self.fin, self.rows))
    }
}

/// Columns of `truth/patterns.csv`.
pub const PATTERN_COLUMNS: &[&str] = &[
    "pattern_id",
    "pattern",
    "expected",
    "region_code",
    "started_on",
    "ended_on",
    "size",
    "agent_nik",
    "contact_phone",
    "sponsor",
    "destination",
    "detail",
];
/// Columns of `truth/labels.csv`.
pub const LABEL_COLUMNS: &[&str] = &["pattern_id", "pattern", "record_kind", "record_key", "role"];
/// Columns of `truth/identity_pairs.csv`.
pub const PAIR_COLUMNS: &[&str] =
    &["pattern_id", "pattern", "nik_a", "nik_b", "name_a", "name_b", "born_a", "born_b", "document_a", "document_b"];
/// Columns of `truth/bursts.csv`.
pub const BURST_COLUMNS: &[&str] = &[
    "pattern_id",
    "region_level",
    "region_code",
    "started_on",
    "ended_on",
    "applications",
    "first_report_on",
    "report_ids",
];
/// Columns of `truth/reports.csv`.
pub const REPORT_TRUTH_COLUMNS: &[&str] = &["report_id", "pattern_id", "lag_days"];
/// Columns of `truth/watchlist.csv`.
pub const WATCH_TRUTH_COLUMNS: &[&str] = &["watchlist_id", "subject_nik", "match", "pattern_id"];
/// Columns of `truth/mrz.csv`.
pub const MRZ_COLUMNS: &[&str] = &["document_number", "issuing_state", "line1", "line2"];

/// Every output of a run.
pub struct Sink {
    pub persons: Output<Csv>,
    pub documents: Output<Csv>,
    pub applications: Output<Csv>,
    pub crossings: Output<Csv>,
    pub watchlist: Output<Csv>,
    pub reports: Output<BufWriter<File>>,
    pub patterns: Output<Csv>,
    pub labels: Output<Csv>,
    pub pairs: Output<Csv>,
    pub bursts: Output<Csv>,
    pub report_truth: Output<Csv>,
    pub watch_truth: Output<Csv>,
    pub mrz: Output<Csv>,
}

/// The names of everything a run writes, relative to the output folder (for `--force`).
pub const OUTPUT_FILES: &[&str] = &[
    "persons.csv",
    "documents.csv",
    "applications.csv",
    "crossings.csv",
    "watchlist.csv",
    "public_reports.jsonl",
    "manifest.json",
    "truth/patterns.csv",
    "truth/labels.csv",
    "truth/identity_pairs.csv",
    "truth/bursts.csv",
    "truth/reports.csv",
    "truth/watchlist.csv",
    "truth/mrz.csv",
];

impl Sink {
    pub fn create(dir: &Path) -> Result<Sink, SynthError> {
        let truth = dir.join("truth");
        std::fs::create_dir_all(&truth).map_err(|e| SynthError::io(&truth, e))?;
        let kind = |k: Kind| open_csv(dir.join(format!("{}.csv", k.stem())), columns(k));
        let reports_path = dir.join("public_reports.jsonl");
        let reports_part = part_path(&reports_path);
        let reports_file = File::create(&reports_part).map_err(|e| SynthError::io(&reports_part, e))?;
        Ok(Sink {
            persons: kind(Kind::Persons)?,
            documents: kind(Kind::Documents)?,
            applications: kind(Kind::Applications)?,
            crossings: kind(Kind::Crossings)?,
            watchlist: kind(Kind::Watchlist)?,
            reports: Output {
                writer: BufWriter::with_capacity(1 << 16, reports_file),
                rows: 0,
                part: reports_part,
                fin: reports_path,
            },
            patterns: open_csv(truth.join("patterns.csv"), PATTERN_COLUMNS)?,
            labels: open_csv(truth.join("labels.csv"), LABEL_COLUMNS)?,
            pairs: open_csv(truth.join("identity_pairs.csv"), PAIR_COLUMNS)?,
            bursts: open_csv(truth.join("bursts.csv"), BURST_COLUMNS)?,
            report_truth: open_csv(truth.join("reports.csv"), REPORT_TRUTH_COLUMNS)?,
            watch_truth: open_csv(truth.join("watchlist.csv"), WATCH_TRUTH_COLUMNS)?,
            mrz: open_csv(truth.join("mrz.csv"), MRZ_COLUMNS)?,
        })
    }

    /// Flushes every file, renames the `.part` files into place and returns the row counts by
    /// final file name (relative to `dir`).
    pub fn finish(self, dir: &Path) -> Result<Vec<(String, u64)>, SynthError> {
        let finished = vec![
            self.persons.finish()?,
            self.documents.finish()?,
            self.applications.finish()?,
            self.crossings.finish()?,
            self.watchlist.finish()?,
            self.reports.finish()?,
            self.patterns.finish()?,
            self.labels.finish()?,
            self.pairs.finish()?,
            self.bursts.finish()?,
            self.report_truth.finish()?,
            self.watch_truth.finish()?,
            self.mrz.finish()?,
        ];
        let mut counts = Vec::with_capacity(finished.len());
        for (part, fin, rows) in finished {
            std::fs::rename(&part, &fin).map_err(|e| SynthError::io(&fin, e))?;
            let relative = fin.strip_prefix(dir).unwrap_or(&fin).to_string_lossy().replace('\\', "/");
            counts.push((relative, rows));
        }
        Ok(counts)
    }
}
