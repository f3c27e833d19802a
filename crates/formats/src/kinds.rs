//! Per-kind column lists and conversions between [`Fields`] and domain records.

use chrono::NaiveDate;
use waspada_domain::{
    CountryCode, Crossing, Decision, DecisionOutcome, Direction, DocumentKind, DocumentNumber, DocumentStatus,
    FullName, Nik, PartialDate, PassportApplication, Person, PhoneNumber, Sex, TravelDocument, TravelPurpose,
    WatchlistCategory, WatchlistEntry, parse_date, parse_timestamp,
};

use crate::read::{Fields, Record};
use crate::write::Cell;

/// The record kinds, in import order (a kind may refer only to kinds before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `persons.csv` / `persons.jsonl`.
    Persons,
    /// `documents.*`.
    Documents,
    /// `applications.*`.
    Applications,
    /// `crossings.*`.
    Crossings,
    /// `watchlist.*`.
    Watchlist,
}

impl Kind {
    /// All kinds in import order.
    pub const ALL: [Kind; 5] = [Kind::Persons, Kind::Documents, Kind::Applications, Kind::Crossings, Kind::Watchlist];

    /// The file stem.
    pub fn stem(self) -> &'static str {
        match self {
            Kind::Persons => "persons",
            Kind::Documents => "documents",
            Kind::Applications => "applications",
            Kind::Crossings => "crossings",
            Kind::Watchlist => "watchlist",
        }
    }

    /// From a file stem.
    pub fn from_stem(stem: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.stem().eq_ignore_ascii_case(stem))
    }

    /// Columns that must be present in a CSV header.
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            Kind::Persons => &["nik", "full_name", "date_of_birth", "sex"],
            Kind::Documents => &["number", "issuing_state", "issue_date", "expiry_date"],
            Kind::Applications => &["reference", "office", "applied_on", "applicant_nik", "purpose", "destination"],
            Kind::Crossings => &["direction", "checkpoint", "crossed_at", "document_number"],
            Kind::Watchlist => &["id", "category", "full_name", "legal_basis"],
        }
    }
}

/// The canonical columns of a kind, in the order export writes them.
pub fn columns(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Persons => &["nik", "full_name", "aliases", "date_of_birth", "sex", "region_code", "phones", "address"],
        Kind::Documents => &[
            "kind",
            "number",
            "issuing_state",
            "holder_nik",
            "surname",
            "given_names",
            "issuing_office",
            "issue_date",
            "expiry_date",
            "status",
            "status_reason",
            "status_changed_at",
        ],
        Kind::Applications => &[
            "reference",
            "office",
            "applied_on",
            "applicant_nik",
            "purpose",
            "destination",
            "sponsor",
            "employer",
            "address_abroad",
            "contact_phone",
            "interview_notes",
            "decision",
            "decision_officer",
            "decision_reason",
            "decision_legal_basis",
            "decided_at",
        ],
        Kind::Crossings => &[
            "direction",
            "checkpoint",
            "crossed_at",
            "carrier",
            "voyage",
            "document_number",
            "document_issuing_state",
            "companions",
        ],
        Kind::Watchlist => &[
            "id",
            "category",
            "full_name",
            "aliases",
            "date_of_birth",
            "sex",
            "nationality",
            "document_number",
            "legal_basis",
            "valid_from",
            "valid_until",
            "nik",
            "source",
        ],
    }
}

type Result<T> = std::result::Result<T, String>;

fn required<'a>(fields: &'a dyn Fields, name: &'static str) -> Result<std::borrow::Cow<'a, str>> {
    fields.text(name).ok_or_else(|| format!("{name} is required"))
}

fn optional_text(fields: &dyn Fields, name: &str) -> Option<String> {
    fields.text(name).map(|t| t.into_owned())
}

fn err(e: waspada_domain::Error) -> String {
    e.to_string()
}

fn names(fields: &dyn Fields, name: &'static str) -> Result<Vec<FullName>> {
    fields.list(name).iter().map(|a| FullName::parse(name, a).map_err(err)).collect()
}

fn nik(field: &'static str, text: &str) -> Result<Nik> {
    Nik::parse(text).map_err(|e| format!("{field}: {e}"))
}

/// Builds a person; `today` bounds the date of birth.
pub(crate) fn person(fields: &dyn Fields, today: NaiveDate) -> Result<Person> {
    let nik = nik("nik", &required(fields, "nik")?)?;
    let full_name = FullName::parse("full_name", &required(fields, "full_name")?).map_err(err)?;
    let aliases = names(fields, "aliases")?;
    let date_of_birth = PartialDate::parse("date_of_birth", &required(fields, "date_of_birth")?).map_err(err)?;
    let sex = Sex::parse("sex", &required(fields, "sex")?).map_err(err)?;
    let phones = fields
        .list("phones")
        .iter()
        .map(|p| PhoneNumber::parse("phones", p).map_err(err))
        .collect::<Result<Vec<_>>>()?;
    let region = optional_text(fields, "region_code");
    Person::new(
        nik,
        full_name,
        aliases,
        date_of_birth,
        sex,
        region.as_deref(),
        phones,
        optional_text(fields, "address"),
        today,
    )
    .map_err(err)
}

pub(crate) fn document(fields: &dyn Fields) -> Result<TravelDocument> {
    let status_changed_at =
        fields.text("status_changed_at").map(|t| parse_timestamp("status_changed_at", &t)).transpose().map_err(err)?;
    let status = DocumentStatus::from_parts(
        fields.text("status").as_deref().unwrap_or("valid"),
        fields.text("status_reason").as_deref(),
        status_changed_at,
    )
    .map_err(err)?;
    TravelDocument {
        kind: DocumentKind::parse("kind", fields.text("kind").as_deref().unwrap_or("passport")).map_err(err)?,
        number: DocumentNumber::parse("number", &required(fields, "number")?).map_err(err)?,
        issuing_state: CountryCode::parse("issuing_state", &required(fields, "issuing_state")?).map_err(err)?,
        holder_nik: fields.text("holder_nik").map(|t| nik("holder_nik", &t)).transpose()?,
        surname: optional_text(fields, "surname"),
        given_names: optional_text(fields, "given_names"),
        issuing_office: optional_text(fields, "issuing_office"),
        issue_date: parse_date("issue_date", &required(fields, "issue_date")?).map_err(err)?,
        expiry_date: parse_date("expiry_date", &required(fields, "expiry_date")?).map_err(err)?,
        status,
    }
    .validate()
    .map_err(err)
}

pub(crate) fn application(fields: &dyn Fields) -> Result<PassportApplication> {
    let decision = match fields.text("decision") {
        None => None,
        Some(outcome) => Some(Decision {
            outcome: DecisionOutcome::parse("decision", &outcome).map_err(err)?,
            officer: required(fields, "decision_officer")?.into_owned(),
            reason: optional_text(fields, "decision_reason"),
            legal_basis: optional_text(fields, "decision_legal_basis"),
            decided_at: parse_timestamp("decided_at", &required(fields, "decided_at")?).map_err(err)?,
        }),
    };
    PassportApplication {
        reference: required(fields, "reference")?.into_owned(),
        office: required(fields, "office")?.into_owned(),
        applied_on: parse_date("applied_on", &required(fields, "applied_on")?).map_err(err)?,
        applicant_nik: nik("applicant_nik", &required(fields, "applicant_nik")?)?,
        purpose: TravelPurpose::parse("purpose", &required(fields, "purpose")?).map_err(err)?,
        destination: CountryCode::parse("destination", &required(fields, "destination")?).map_err(err)?,
        sponsor: optional_text(fields, "sponsor"),
        employer: optional_text(fields, "employer"),
        address_abroad: optional_text(fields, "address_abroad"),
        contact_phone: fields
            .text("contact_phone")
            .map(|p| PhoneNumber::parse("contact_phone", &p))
            .transpose()
            .map_err(err)?,
        interview_notes: optional_text(fields, "interview_notes"),
        decision,
    }
    .validate()
    .map_err(err)
}

pub(crate) fn crossing(fields: &dyn Fields) -> Result<Crossing> {
    Crossing {
        direction: Direction::parse("direction", &required(fields, "direction")?).map_err(err)?,
        checkpoint: required(fields, "checkpoint")?.into_owned(),
        crossed_at: parse_timestamp("crossed_at", &required(fields, "crossed_at")?).map_err(err)?,
        carrier: optional_text(fields, "carrier"),
        voyage: optional_text(fields, "voyage"),
        document_number: DocumentNumber::parse("document_number", &required(fields, "document_number")?)
            .map_err(err)?,
        document_issuing_state: match fields.text("document_issuing_state") {
            Some(state) => CountryCode::parse("document_issuing_state", &state).map_err(err)?,
            None => CountryCode::indonesia(),
        },
        companions: fields
            .list("companions")
            .iter()
            .map(|c| DocumentNumber::parse("companions", c).map_err(err))
            .collect::<Result<_>>()?,
    }
    .validate()
    .map_err(err)
}

pub(crate) fn watchlist(fields: &dyn Fields) -> Result<WatchlistEntry> {
    WatchlistEntry {
        external_id: required(fields, "id")?.into_owned(),
        category: WatchlistCategory::parse("category", &required(fields, "category")?).map_err(err)?,
        full_name: FullName::parse("full_name", &required(fields, "full_name")?).map_err(err)?,
        aliases: names(fields, "aliases")?,
        date_of_birth: fields
            .text("date_of_birth")
            .map(|d| PartialDate::parse("date_of_birth", &d))
            .transpose()
            .map_err(err)?,
        sex: fields.text("sex").map(|s| Sex::parse("sex", &s)).transpose().map_err(err)?,
        nationality: fields
            .text("nationality")
            .map(|n| CountryCode::parse("nationality", &n))
            .transpose()
            .map_err(err)?,
        document_number: fields
            .text("document_number")
            .map(|n| DocumentNumber::parse("document_number", &n))
            .transpose()
            .map_err(err)?,
        nik: fields.text("nik").map(|t| nik("nik", &t)).transpose()?,
        legal_basis: required(fields, "legal_basis")?.into_owned(),
        source: optional_text(fields, "source"),
        valid_from: parse_date("valid_from", &required(fields, "valid_from")?).map_err(err)?,
        valid_until: fields.text("valid_until").map(|d| parse_date("valid_until", &d)).transpose().map_err(err)?,
    }
    .validate()
    .map_err(err)
}

/// Parses one row of a kind.
pub(crate) fn record(kind: Kind, fields: &dyn Fields, today: NaiveDate) -> Result<Record> {
    Ok(match kind {
        Kind::Persons => Record::Person(person(fields, today)?),
        Kind::Documents => Record::Document(document(fields)?),
        Kind::Applications => Record::Application(application(fields)?),
        Kind::Crossings => Record::Crossing(crossing(fields)?),
        Kind::Watchlist => Record::Watchlist(watchlist(fields)?),
    })
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn maybe(value: Option<&str>) -> Cell {
    value.map_or(Cell::Empty, text)
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> Cell {
    Cell::List(items.map(str::to_owned).collect())
}

/// The cells of a record, in [`columns`] order.
pub(crate) fn cells(record: &Record) -> Vec<Cell> {
    use waspada_domain::format_timestamp as ts;
    match record {
        Record::Person(p) => vec![
            text(p.nik.as_str()),
            text(p.full_name.as_str()),
            list(p.aliases.iter().map(FullName::as_str)),
            text(&p.date_of_birth.to_string()),
            text(p.sex.code()),
            maybe(p.region_code.as_deref()),
            list(p.phones.iter().map(PhoneNumber::as_str)),
            maybe(p.address.as_deref()),
        ],
        Record::Document(d) => {
            let detail = d.status.detail();
            vec![
                text(d.kind.code()),
                text(d.number.as_str()),
                text(d.issuing_state.as_str()),
                maybe(d.holder_nik.as_ref().map(Nik::as_str)),
                maybe(d.surname.as_deref()),
                maybe(d.given_names.as_deref()),
                maybe(d.issuing_office.as_deref()),
                text(&d.issue_date.to_string()),
                text(&d.expiry_date.to_string()),
                text(d.status.code()),
                maybe(detail.map(|(reason, _)| reason)),
                detail.map_or(Cell::Empty, |(_, at)| Cell::Text(ts(at))),
            ]
        }
        Record::Application(a) => {
            let decision = a.decision.as_ref();
            vec![
                text(&a.reference),
                text(&a.office),
                text(&a.applied_on.to_string()),
                text(a.applicant_nik.as_str()),
                text(a.purpose.code()),
                text(a.destination.as_str()),
                maybe(a.sponsor.as_deref()),
                maybe(a.employer.as_deref()),
                maybe(a.address_abroad.as_deref()),
                maybe(a.contact_phone.as_ref().map(PhoneNumber::as_str)),
                maybe(a.interview_notes.as_deref()),
                maybe(decision.map(|d| d.outcome.code())),
                maybe(decision.map(|d| d.officer.as_str())),
                maybe(decision.and_then(|d| d.reason.as_deref())),
                maybe(decision.and_then(|d| d.legal_basis.as_deref())),
                decision.map_or(Cell::Empty, |d| Cell::Text(ts(d.decided_at))),
            ]
        }
        Record::Crossing(c) => vec![
            text(c.direction.code()),
            text(&c.checkpoint),
            Cell::Text(ts(c.crossed_at)),
            maybe(c.carrier.as_deref()),
            maybe(c.voyage.as_deref()),
            text(c.document_number.as_str()),
            text(c.document_issuing_state.as_str()),
            list(c.companions.iter().map(DocumentNumber::as_str)),
        ],
        Record::Watchlist(w) => vec![
            text(&w.external_id),
            text(w.category.code()),
            text(w.full_name.as_str()),
            list(w.aliases.iter().map(FullName::as_str)),
            w.date_of_birth.map_or(Cell::Empty, |d| Cell::Text(d.to_string())),
            maybe(w.sex.map(Sex::code)),
            maybe(w.nationality.as_ref().map(CountryCode::as_str)),
            maybe(w.document_number.as_ref().map(DocumentNumber::as_str)),
            text(&w.legal_basis),
            text(&w.valid_from.to_string()),
            w.valid_until.map_or(Cell::Empty, |d| Cell::Text(d.to_string())),
            maybe(w.nik.as_ref().map(Nik::as_str)),
            maybe(w.source.as_deref()),
        ],
    }
}
