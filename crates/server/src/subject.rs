//! Answers to data-subject requests (UU 27/2022): the access export (everything held about one
//! person, as JSON and as a readable page, Bahasa Indonesia first) and applying an approved
//! rectification with its history. The store keeps the requests and the DPO's decisions
//! (`waspada_store::SubjectRequest`); `waspada dsr ...` drives them.
//!
//! Exemptions restrict what an access export shows: under Art. 15(1)(a) or (b) (national security,
//! law enforcement) or (c) (the administration of the state), watchlist entries, case work about
//! the person and the audit entries of checks and case work are withheld, and the export says which
//! categories were withheld under which code: the person learns that something is withheld and why,
//! not what.

use chrono::Utc;
use maud::{DOCTYPE, html};
use serde_json::{Value, json};
use waspada_formats::{FileFormat, Kind, Record};
use waspada_store::{AuditContext, AuditQuery, ConflictPolicy, EXEMPTIONS, RequestKind, Store, SubjectRequest};

use crate::dto::{ApplicationDto, CrossingDto, DocumentDto, PersonDto, WatchlistDto};

/// An access export: the same content as JSON and as a page.
#[derive(Debug, Clone)]
pub struct AccessExport {
    /// Machine-readable (for portability).
    pub json: Value,
    /// Readable, for handing over or printing.
    pub html: String,
}

/// Audit actions that belong to investigative work (withheld under 15(1)(a), (b) or (c)).
const INVESTIGATIVE: [&str; 4] = ["check.", "case.", "report.", "watchlist."];

fn exemption_text(code: &str) -> (&'static str, &'static str) {
    EXEMPTIONS.iter().find(|(c, _, _)| *c == code).map_or(("", ""), |(_, id, en)| (*id, *en))
}

/// Everything held about the person of an approved access request. Each read is audited with
/// the request's reference as purpose.
pub fn access_export(store: &Store, request: &SubjectRequest, context: &AuditContext) -> Result<AccessExport, String> {
    if request.kind != RequestKind::Access || request.status != "approved" {
        return Err(format!("{} is not an approved access request", request.reference));
    }
    let withhold_code =
        request.exemptions.iter().find(|c| ["15.1.a", "15.1.b", "15.1.c"].contains(&c.as_str())).cloned();
    let timeline = store
        .timeline(request.person_id, context)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("person {} is no longer held", request.person_id))?;
    let person = PersonDto::from(&timeline.person);
    let documents: Vec<DocumentDto> = timeline.documents.iter().map(DocumentDto::from).collect();
    let applications: Vec<ApplicationDto> = timeline.applications.iter().map(ApplicationDto::from).collect();
    let crossings: Vec<CrossingDto> = timeline.crossings.iter().map(CrossingDto::from).collect();
    let mut withheld: Vec<Value> = Vec::new();
    let mut withhold = |category: &str, code: &str| {
        let (id, en) = exemption_text(code);
        withheld.push(json!({ "category": category, "exemption": code, "ground_id": id, "ground_en": en }));
    };
    let watchlist: Vec<WatchlistDto> = match &withhold_code {
        Some(code) => {
            withhold("watchlist", code);
            Vec::new()
        }
        None => store
            .watchlist_exact(None, Some(&timeline.person.record.nik), None, context)
            .map_err(|e| e.to_string())?
            .iter()
            .map(WatchlistDto::from)
            .collect(),
    };
    let (links, cases) = match &withhold_code {
        Some(code) => {
            withhold("case_work", code);
            (Vec::new(), Vec::new())
        }
        None => {
            let waspada_store::Involvement { links, cases: parties } =
                store.person_involvement(request.person_id).map_err(|e| e.to_string())?;
            store
                .record_audit(context, "dsr.case_work", &format!("person:{}", request.person_id), &request.reference)
                .map_err(|e| e.to_string())?;
            (
                links
                    .iter()
                    .map(|l| json!({ "report": l.submission_id, "state": l.state, "role": l.role.map(|r| r.code()), "decided_at": l.decided_at }))
                    .collect::<Vec<_>>(),
                parties.iter().map(|(reference, role)| json!({ "case": reference, "role": role.code() })).collect::<Vec<_>>(),
            )
        }
    };
    // Only from when this record was stored: an id can have been someone else's before (a person
    // shredded by retention, whose id SQLite gave again).
    let since = store.person_stored_since(request.person_id).map_err(|e| e.to_string())?;
    let query = AuditQuery { person: Some(request.person_id), since, limit: 10_000, ..AuditQuery::default() };
    let mut processing: Vec<Value> = Vec::new();
    let mut withheld_entries = 0usize;
    for entry in store.audit_entries(&query).map_err(|e| e.to_string())? {
        if withhold_code.is_some() && INVESTIGATIVE.iter().any(|prefix| entry.action.starts_with(prefix)) {
            withheld_entries += 1;
            continue;
        }
        processing.push(json!({ "at": entry.at, "by": entry.actor, "action": entry.action, "purpose": entry.purpose }));
    }
    if let Some(code) = &withhold_code
        && withheld_entries > 0
    {
        withhold("processing_of_checks_and_case_work", code);
    }
    let generated_at = waspada_domain::format_timestamp(Utc::now());
    let export = json!({
        "reference": request.reference,
        "generated_at": generated_at,
        "legal_basis": "UU 27/2022 tentang Pelindungan Data Pribadi, Pasal 7 (hak akses)",
        "person": person,
        "documents": documents,
        "applications": applications,
        "crossings": crossings,
        "watchlist": watchlist,
        "public_report_links": links,
        "cases": cases,
        "processing": processing,
        "withheld": withheld,
        "exemptions": request.exemptions,
    });
    let html = access_page(request, &export);
    store
        .record_audit(context, "dsr.export", &format!("person:{}", request.person_id), &request.reference)
        .map_err(|e| e.to_string())?;
    Ok(AccessExport { json: export, html })
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A table of objects: one column per key of the first.
fn table(rows: &Value) -> maud::Markup {
    let rows = rows.as_array().cloned().unwrap_or_default();
    let keys: Vec<String> =
        rows.first().and_then(Value::as_object).map(|o| o.keys().cloned().collect()).unwrap_or_default();
    html! {
        @if rows.is_empty() { p { "— (tidak ada / none)" } }
        @else {
            table {
                thead { tr { @for key in &keys { th { (key) } } } }
                tbody { @for row in &rows { tr { @for key in &keys { td { (cell(&row[key.as_str()])) } } } } }
            }
        }
    }
}

fn access_page(request: &SubjectRequest, export: &Value) -> String {
    let person = &export["person"];
    let sections: [(&str, &str, &str); 8] = [
        ("documents", "Dokumen perjalanan", "Travel documents"),
        ("applications", "Permohonan paspor", "Passport applications"),
        ("crossings", "Perlintasan", "Border crossings"),
        ("watchlist", "Daftar pengawasan", "Watchlists"),
        ("public_report_links", "Keterkaitan dengan laporan masyarakat", "Links to public reports"),
        ("cases", "Kasus", "Cases"),
        (
            "processing",
            "Catatan pemrosesan (siapa membuka data Anda, kapan, untuk apa)",
            "Record of processing (who opened your data, when, why)",
        ),
        ("withheld", "Yang dikecualikan (Pasal 15 ayat 1)", "Withheld (Art. 15(1))"),
    ];
    html! {
        (DOCTYPE)
        html lang="id" {
            head {
                meta charset="utf-8";
                title { "Data pribadi Anda / Your personal data · " (request.reference) }
                style { "body{font:15px/1.45 sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #ccc;padding:3px;text-align:left;vertical-align:top}h2{margin-top:1.5rem}" }
            }
            body {
                h1 { "Data pribadi Anda yang kami simpan / Your personal data we hold" }
                p { "Permintaan / Request " strong { (request.reference) } " · dibuat / generated " (cell(&export["generated_at"])) }
                p { "Dasar / Basis: UU 27/2022 tentang Pelindungan Data Pribadi, Pasal 7 (hak akses / right of access)." }
                h2 { "Identitas / Identity" }
                table { tbody {
                    @for (key, value) in person.as_object().cloned().unwrap_or_default() {
                        tr { th { (key) } td { (cell(&value)) } }
                    }
                } }
                @for (key, id, en) in sections {
                    h2 { (id) " / " (en) }
                    (table(&export[key]))
                }
                h2 { "Hak Anda / Your rights" }
                p { "Anda dapat meminta perbaikan data yang tidak akurat (Pasal 6) dan mengajukan keberatan atas pemrosesan (Pasal 10) kepada Pejabat Pelindungan Data kantor ini." }
                p { "You may ask for inaccurate data to be corrected (Art. 6) and object to processing (Art. 10) through this office's data-protection officer." }
            }
        }
    }
    .into_string()
}

/// Applies an approved rectification: the person's record with the corrected fields over it,
/// checked like any import, stored as an update; the record as it was is returned (it is kept
/// with the request as history). Audited by the store as an update of the person.
pub fn apply_rectification(store: &Store, request: &SubjectRequest, context: &AuditContext) -> Result<Value, String> {
    if request.kind != RequestKind::Rectification || request.status != "approved" {
        return Err(format!("{} is not an approved rectification", request.reference));
    }
    let correction =
        request.correction.as_ref().and_then(Value::as_object).ok_or("the request carries no correction")?;
    if correction.contains_key("nik") {
        return Err("the NIK identifies the record: a different NIK is a different person, not a correction".into());
    }
    let current = store
        .person_by_id(request.person_id, context)
        .map_err(|e| e.to_string())?
        .ok_or("the person is no longer held")?;
    // The record in the import format, so the correction uses the same field names and rules.
    let mut buffer = Vec::new();
    {
        let mut writer = waspada_formats::Writer::new(Kind::Persons, FileFormat::JsonLines, &mut buffer)
            .map_err(|e| e.to_string())?;
        writer.write(&Record::Person(current.record.clone())).map_err(|e| e.to_string())?;
    }
    let previous: Value = serde_json::from_slice(buffer.trim_ascii()).map_err(|e| e.to_string())?;
    let mut object = previous.as_object().cloned().ok_or("the record did not encode as an object")?;
    for (key, value) in correction {
        object.insert(key.clone(), value.clone());
    }
    let today = Utc::now().date_naive();
    let record = waspada_formats::record_from_json(Kind::Persons, &object, today)?;
    let outcomes = crate::api::import_records(store, Kind::Persons, vec![record], ConflictPolicy::Update, context)
        .map_err(|e| e.to_string())?;
    match outcomes.first() {
        Some(waspada_store::RowOutcome::Rejected(reason)) => Err(reason.clone()),
        _ => Ok(previous),
    }
}
