//! Stand-in for `waspada mrz check`, built on this crate alone.
//!
//! Reads documents from stdin (the lines of one zone together, documents
//! separated by one or more blank lines) and writes one JSON object per document,
//! in order, one per line:
//!
//! ```text
//! {"valid": bool, "format": "TD1"|"TD2"|"TD3"|null, "fields": {...}|null,
//!  "errors": [{"field": "...", "message": "..."}], "warnings": ["..."]}
//! ```
//!
//! "Today" is the local date, or `--today YYYY-MM-DD`. The JSON is formatted by
//! hand so the crate needs no serde dependency.
//!
//! ```text
//! cargo run -p waspada-mrz --example mrz_check < zones.txt
//! ```

use std::io::{self, BufRead, Write};

use chrono::NaiveDate;
use waspada_mrz::{Fields, MrzDate, Report, check};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let today = match args.as_slice() {
        [] => chrono::Local::now().date_naive(),
        [flag, date] if flag == "--today" => NaiveDate::parse_from_str(date, "%Y-%m-%d")?,
        _ => return Err("usage: mrz_check [--today YYYY-MM-DD] < documents".into()),
    };

    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut doc: Vec<String> = Vec::new();
    let flush = |doc: &mut Vec<String>, out: &mut dyn Write| -> io::Result<()> {
        if !doc.is_empty() {
            let report = check(&doc.join("\n"), today);
            writeln!(out, "{}", report_json(&report))?;
            doc.clear();
        }
        Ok(())
    };
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            flush(&mut doc, &mut out)?;
        } else {
            doc.push(line);
        }
    }
    flush(&mut doc, &mut out)?;
    out.flush()?;
    Ok(())
}

fn report_json(r: &Report) -> String {
    let format = r.format.map_or("null".to_string(), |f| json_str(f.as_str()));
    let fields = r.fields.as_ref().map_or("null".to_string(), fields_json);
    let errors: Vec<String> = r
        .errors
        .iter()
        .map(|e| format!("{{\"field\":{},\"message\":{}}}", json_str(e.field), json_str(&e.message)))
        .collect();
    let warnings: Vec<String> = r.warnings.iter().map(|w| json_str(w)).collect();
    format!(
        "{{\"valid\":{},\"format\":{format},\"fields\":{fields},\"errors\":[{}],\"warnings\":[{}]}}",
        r.is_valid(),
        errors.join(","),
        warnings.join(",")
    )
}

fn fields_json(f: &Fields) -> String {
    let date = |d: &MrzDate| {
        format!(
            "{{\"raw\":{},\"date\":{}}}",
            json_str(&d.raw),
            d.date.map_or("null".to_string(), |d| json_str(&d.to_string()))
        )
    };
    format!(
        "{{\"document_code\":{},\"issuing_state\":{},\"document_number\":{},\"surname\":{},\
         \"given_names\":{},\"nationality\":{},\"date_of_birth\":{},\"sex\":{},\
         \"expiry_date\":{},\"optional_data\":{},\"optional_data_2\":{}}}",
        json_str(&f.document_code),
        json_str(&f.issuing_state),
        json_str(&f.document_number),
        json_str(&f.surname),
        json_str(&f.given_names),
        json_str(&f.nationality),
        date(&f.date_of_birth),
        json_str(&f.sex.as_char().to_string()),
        date(&f.expiry_date),
        json_str(&f.optional_data),
        json_str(&f.optional_data_2),
    )
}

/// A JSON string literal for `s`.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
