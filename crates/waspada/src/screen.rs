//! `waspada screen`: batch name screening of a query file against a watchlist file.
//!
//! Reads files the user names and writes to stdout; it does not touch the store, so nothing is
//! audited here (screening against stored records goes through the API, which audits).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use waspada_screen::{BirthDate, Entry, Index, Query, Scratch};

/// A CSV row with its line number, or why it could not be read.
type Row = (u64, Result<csv::StringRecord, String>);

/// A CSV file's lower-cased headers and its rows.
fn read_rows(path: &Path) -> anyhow::Result<(Vec<String>, Vec<Row>)> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(std::io::BufReader::new(file));
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header row", path.display()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let rows = reader
        .records()
        .map(|r| match r {
            Ok(record) => (record.position().map_or(0, |p| p.line()), Ok(record)),
            Err(e) => (e.position().map_or(0, |p| p.line()), Err(e.to_string())),
        })
        .collect();
    Ok((headers, rows))
}

struct Columns(HashMap<String, usize>);

impl Columns {
    fn new(headers: &[String], path: &Path, required: &[&str]) -> anyhow::Result<Columns> {
        let map: HashMap<String, usize> = headers.iter().enumerate().map(|(i, h)| (h.clone(), i)).collect();
        for column in required {
            if !map.contains_key(*column) {
                anyhow::bail!("{}: the header has no `{column}` column", path.display());
            }
        }
        Ok(Columns(map))
    }

    fn get<'a>(&self, record: &'a csv::StringRecord, name: &str) -> Option<&'a str> {
        self.0.get(name).and_then(|&i| record.get(i)).map(str::trim).filter(|v| !v.is_empty())
    }
}

fn sex(text: Option<&str>) -> Result<Option<char>, String> {
    match text.map(|t| t.to_ascii_uppercase()) {
        None => Ok(None),
        Some(t) if t == "M" || t == "L" => Ok(Some('M')),
        Some(t) if t == "F" || t == "P" => Ok(Some('F')),
        Some(t) => Err(format!("sex {t:?} is not M or F")),
    }
}

fn birth(text: Option<&str>) -> Result<Option<BirthDate>, String> {
    match text {
        None => Ok(None),
        Some(t) => {
            BirthDate::parse(t).map(Some).ok_or_else(|| "date_of_birth is not YYYY, YYYY-MM or YYYY-MM-DD".into())
        }
    }
}

pub fn run(watchlist: &Path, queries: &Path, threshold: f32, top: usize) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&threshold) {
        anyhow::bail!("--threshold {threshold} is out of range: give a number from 0 to 1");
    }
    let started = Instant::now();
    let (headers, rows) = read_rows(watchlist)?;
    let columns = Columns::new(&headers, watchlist, &["id", "full_name"])?;
    let mut rejected = 0_u64;
    let mut entries = Vec::with_capacity(rows.len());
    let mut lines = HashMap::new();
    for (line, row) in rows {
        let parsed = row.and_then(|record| {
            let id = columns.get(&record, "id").ok_or("id is required")?.to_owned();
            let full_name = columns.get(&record, "full_name").ok_or("full_name is required")?.to_owned();
            let mut names = vec![full_name];
            names.extend(
                columns
                    .get(&record, "aliases")
                    .unwrap_or("")
                    .split('|')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(String::from),
            );
            Ok(Entry {
                id,
                names,
                date_of_birth: birth(columns.get(&record, "date_of_birth"))?,
                sex: sex(columns.get(&record, "sex"))?,
                nationality: columns.get(&record, "nationality").map(str::to_ascii_uppercase),
                document_number: columns.get(&record, "document_number").map(String::from),
            })
        });
        match parsed {
            Ok(entry) => {
                lines.insert(entry.id.clone(), line);
                entries.push(entry);
            }
            Err(reason) => {
                rejected += 1;
                eprintln!("{}:{line}: {reason}", watchlist.display());
            }
        }
    }
    let (index, unusable) = Index::build(entries);
    for (id, error) in unusable {
        rejected += 1;
        eprintln!("{}:{}: {error}", watchlist.display(), lines.get(&id).copied().unwrap_or(0));
    }
    eprintln!("index: {} entries built in {:.2} s", index.len(), started.elapsed().as_secs_f64());

    let (headers, rows) = read_rows(queries)?;
    let columns = Columns::new(&headers, queries, &["id"])?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut scratch = Scratch::default();
    let screening = Instant::now();
    let mut count = 0_u64;
    for (line, row) in rows {
        count += 1;
        let result = row.and_then(|record| {
            let id = columns.get(&record, "id").ok_or("id is required")?.to_owned();
            let query = Query {
                full_name: columns.get(&record, "full_name").unwrap_or("").to_owned(),
                date_of_birth: birth(columns.get(&record, "date_of_birth")).map_err(|e| format!("{id}: {e}"))?,
                rank_year: None,
                sex: sex(columns.get(&record, "sex")).map_err(|e| format!("{id}: {e}"))?,
                nationality: columns.get(&record, "nationality").map(str::to_ascii_uppercase),
                document_number: columns.get(&record, "document_number").map(String::from),
            };
            Ok((id, query))
        });
        let json = match result {
            Err(reason) => {
                rejected += 1;
                eprintln!("{}:{line}: {reason}", queries.display());
                serde_json::json!({"query_id": serde_json::Value::Null, "line": line, "hits": [], "error": reason})
            }
            Ok((id, query)) => match index.screen_with(&query, threshold, top.max(1), &mut scratch) {
                Ok(hits) => serde_json::json!({
                    "query_id": id,
                    "hits": hits.iter().map(|h| serde_json::json!({
                        "entry_id": h.entry_id,
                        "score": (f64::from(h.score) * 10_000.0).round() / 10_000.0,
                        "reasons": h.reasons,
                    })).collect::<Vec<_>>(),
                }),
                Err(error) => {
                    rejected += 1;
                    serde_json::json!({"query_id": id, "hits": [], "error": error.to_string()})
                }
            },
        };
        serde_json::to_writer(&mut out, &json)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let seconds = screening.elapsed().as_secs_f64();
    eprintln!("screened {count} queries in {seconds:.2} s ({:.0} queries/s)", count as f64 / seconds.max(1e-9));
    Ok(if rejected > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
