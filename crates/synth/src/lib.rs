//! Seeded synthetic Bengkulu Tengah: residents, passports, applications, border crossings,
//! watchlists and public tip reports, with trafficking patterns planted and labelled in a
//! `truth/` folder so that detection can be scored. No real person's data is used anywhere.
//!
//! Entry point: [`generate`]. The model and the truth formats are documented in
//! `docs/synthetic-data.md`.
//!
//! Determinism: one ChaCha8 stream seeded from `--seed` drives every choice, and the run is
//! strictly sequential, so the same seed, size and reference date give byte-identical files.
//! Memory is flat: records are written as they are made; only fixed-size counter tables persist.

mod ids;
mod names;
mod pools;
mod residence;
mod sink;
mod world;

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;

pub use sink::OUTPUT_FILES;

/// The random generator: ChaCha8, whose output is specified, so seeds stay stable across
/// platforms and `rand` upgrades.
pub(crate) type Rng = rand::rngs::ChaCha8Rng;

/// Smallest and largest population a run accepts.
pub const PERSONS_RANGE: std::ops::RangeInclusive<u64> = 100..=20_000_000;

/// The reference date `waspada generate` uses unless told otherwise, so that a seed alone fixes
/// the output.
pub const DEFAULT_AS_OF: (i32, u32, u32) = (2026, 11, 1);

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    /// Seed of the random stream.
    pub seed: u64,
    /// Number of persons (residents, recruits, agents, second identities) to write.
    pub persons: u64,
    /// The "today" of the synthetic world: nothing happens after it.
    pub as_of: NaiveDate,
}

impl Config {
    /// The default reference date.
    pub fn default_as_of() -> NaiveDate {
        let (y, m, d) = DEFAULT_AS_OF;
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }
}

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The size is out of range.
    #[error(
        "--persons {0} is out of range: give between {min} and {max} persons",
        min = PERSONS_RANGE.start(),
        max = PERSONS_RANGE.end()
    )]
    Size(u64),
    /// The reference date cannot be used.
    #[error("--as-of {0} is out of range: give a date between 2010-01-01 and 2089-12-31")]
    AsOf(NaiveDate),
    /// The output folder already holds something.
    #[error("{0} already holds data; choose an empty or new folder, or add --force to replace the generated files")]
    NotEmpty(PathBuf),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl SynthError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> SynthError {
        SynthError::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn csv(path: &Path, source: csv::Error) -> SynthError {
        SynthError::Io { path: path.to_path_buf(), source: std::io::Error::other(source) }
    }
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Rows per file, by path relative to the output folder.
    pub files: Vec<(String, u64)>,
    /// Records in the five import files.
    pub records: u64,
    /// Persons written.
    pub persons: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Checks the output folder: absent or empty is fine; otherwise `force` must be given, and then
/// the files a previous run wrote (and its leftovers) are removed. Nothing else is touched.
fn prepare_output(out: &Path, force: bool) -> Result<(), SynthError> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| SynthError::io(out, e))?;
        if entries.next().is_some() {
            if !force {
                return Err(SynthError::NotEmpty(out.to_path_buf()));
            }
            // The manifest goes first: a folder without it is never taken for a complete run.
            let by_manifest_first =
                std::iter::once(&"manifest.json").chain(OUTPUT_FILES.iter().filter(|n| **n != "manifest.json"));
            for name in by_manifest_first {
                let path = out.join(name);
                for candidate in [path.clone(), PathBuf::from(format!("{}.part", path.display()))] {
                    match std::fs::remove_file(&candidate) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(SynthError::io(&candidate, e)),
                    }
                }
            }
        }
    }
    std::fs::create_dir_all(out).map_err(|e| SynthError::io(out, e))
}

/// Generates a world into `out`. `progress` is called with the number of persons written so far.
pub fn generate(
    config: &Config,
    out: &Path,
    force: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, SynthError> {
    if !PERSONS_RANGE.contains(&config.persons) {
        return Err(SynthError::Size(config.persons));
    }
    if !(2010..=2089).contains(&config.as_of.year()) {
        return Err(SynthError::AsOf(config.as_of));
    }
    prepare_output(out, force)?;
    let started = Instant::now();
    let mut sink = sink::Sink::create(out)?;
    let rng = Rng::seed_from_u64(config.seed);
    let mut world = world::World::new(rng, config.as_of, &mut sink);
    world.run(config.persons, progress)?;
    let persons = sink.persons.rows;
    let files = sink.finish(out)?;
    let records: u64 = files
        .iter()
        .filter(|(name, _)| {
            ["persons.csv", "documents.csv", "applications.csv", "crossings.csv", "watchlist.csv"]
                .contains(&name.as_str())
        })
        .map(|(_, rows)| rows)
        .sum();
    let manifest = serde_json::json!({
        "generator": "waspada-synth",
        "version": env!("CARGO_PKG_VERSION"),
        "seed": config.seed,
        "persons": config.persons,
        "as_of": config.as_of.to_string(),
        "records": records,
        "files": files.iter().map(|(name, rows)| (name.clone(), serde_json::json!(rows))).collect::<serde_json::Map<_, _>>(),
    });
    let manifest_path = out.join("manifest.json");
    let part = out.join("manifest.json.part");
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    std::fs::write(&part, text).map_err(|e| SynthError::io(&part, e))?;
    std::fs::rename(&part, &manifest_path).map_err(|e| SynthError::io(&manifest_path, e))?;
    Ok(Summary { files, records, persons, seconds: started.elapsed().as_secs_f64() })
}

/// Whether `dir` holds a completed run (its manifest was written last).
pub fn is_complete(dir: &Path) -> bool {
    dir.join("manifest.json").is_file()
}
