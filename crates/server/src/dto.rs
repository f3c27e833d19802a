//! The JSON wire format. Domain types are converted here by hand; they never derive `Serialize`
//! for the wire.

use serde::Serialize;
use utoipa::ToSchema;
use waspada_domain::{Crossing, FullName, PassportApplication, Person, PhoneNumber, TravelDocument, WatchlistEntry};
use waspada_domain::{DocumentNumber, format_timestamp};
use waspada_store::{Stored, Timeline};

/// A person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    /// Internal id.
    pub id: i64,
    /// NIK.
    pub nik: String,
    /// Full name.
    pub full_name: String,
    /// Other names.
    pub aliases: Vec<String>,
    /// Date of birth: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// `M` or `F`.
    pub sex: String,
    /// Kemendagri desa or kecamatan code.
    pub region_code: Option<String>,
    /// Region name, when the code is in the shipped list.
    pub region_name: Option<String>,
    /// Phones (E.164).
    pub phones: Vec<String>,
    /// Address.
    pub address: Option<String>,
}

impl From<&Stored<Person>> for PersonDto {
    fn from(stored: &Stored<Person>) -> Self {
        let p = &stored.record;
        PersonDto {
            id: stored.id,
            nik: p.nik.as_str().to_owned(),
            full_name: p.full_name.as_str().to_owned(),
            aliases: p.aliases.iter().map(FullName::as_str).map(str::to_owned).collect(),
            date_of_birth: p.date_of_birth.to_string(),
            sex: p.sex.code().to_owned(),
            region_name: p.region_code.as_deref().and_then(waspada_domain::region_name),
            region_code: p.region_code.clone(),
            phones: p.phones.iter().map(PhoneNumber::as_str).map(str::to_owned).collect(),
            address: p.address.clone(),
        }
    }
}

/// A travel document.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    /// Internal id.
    pub id: i64,
    /// `passport`, `epassport`, `splp`, `id_card`, `other`.
    pub kind: String,
    /// Number.
    pub number: String,
    /// Issuing state.
    pub issuing_state: String,
    /// Holder's NIK.
    pub holder_nik: Option<String>,
    /// Surname as printed.
    pub surname: Option<String>,
    /// Given names as printed.
    pub given_names: Option<String>,
    /// Issuing office.
    pub issuing_office: Option<String>,
    /// Date of issue.
    pub issue_date: String,
    /// Date of expiry.
    pub expiry_date: String,
    /// `valid`, `lost`, `stolen`, `revoked`.
    pub status: String,
    /// Why the status changed.
    pub status_reason: Option<String>,
    /// When it changed.
    pub status_changed_at: Option<String>,
}

impl From<&Stored<TravelDocument>> for DocumentDto {
    fn from(stored: &Stored<TravelDocument>) -> Self {
        let d = &stored.record;
        let detail = d.status.detail();
        DocumentDto {
            id: stored.id,
            kind: d.kind.code().to_owned(),
            number: d.number.as_str().to_owned(),
            issuing_state: d.issuing_state.as_str().to_owned(),
            holder_nik: d.holder_nik.as_ref().map(|n| n.as_str().to_owned()),
            surname: d.surname.clone(),
            given_names: d.given_names.clone(),
            issuing_office: d.issuing_office.clone(),
            issue_date: d.issue_date.to_string(),
            expiry_date: d.expiry_date.to_string(),
            status: d.status.code().to_owned(),
            status_reason: detail.map(|(reason, _)| reason.to_owned()),
            status_changed_at: detail.map(|(_, at)| format_timestamp(at)),
        }
    }
}

/// A decision on an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDto {
    /// `issued`, `delayed`, `refused`.
    pub outcome: String,
    /// Deciding officer.
    pub officer: String,
    /// Reason.
    pub reason: Option<String>,
    /// Legal basis.
    pub legal_basis: Option<String>,
    /// When.
    pub decided_at: String,
}

/// A passport application.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    /// Internal id.
    pub id: i64,
    /// Office reference.
    pub reference: String,
    /// Office.
    pub office: String,
    /// Date of application.
    pub applied_on: String,
    /// Applicant's NIK.
    pub applicant_nik: String,
    /// Purpose code.
    pub purpose: String,
    /// Destination country.
    pub destination: String,
    /// Sponsor or agent.
    pub sponsor: Option<String>,
    /// Employer abroad.
    pub employer: Option<String>,
    /// Address abroad.
    pub address_abroad: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Interview notes.
    pub interview_notes: Option<String>,
    /// Decision, once taken.
    pub decision: Option<DecisionDto>,
}

impl From<&Stored<PassportApplication>> for ApplicationDto {
    fn from(stored: &Stored<PassportApplication>) -> Self {
        let a = &stored.record;
        ApplicationDto {
            id: stored.id,
            reference: a.reference.clone(),
            office: a.office.clone(),
            applied_on: a.applied_on.to_string(),
            applicant_nik: a.applicant_nik.as_str().to_owned(),
            purpose: a.purpose.code().to_owned(),
            destination: a.destination.as_str().to_owned(),
            sponsor: a.sponsor.clone(),
            employer: a.employer.clone(),
            address_abroad: a.address_abroad.clone(),
            contact_phone: a.contact_phone.as_ref().map(|p| p.as_str().to_owned()),
            interview_notes: a.interview_notes.clone(),
            decision: a.decision.as_ref().map(|d| DecisionDto {
                outcome: d.outcome.code().to_owned(),
                officer: d.officer.clone(),
                reason: d.reason.clone(),
                legal_basis: d.legal_basis.clone(),
                decided_at: format_timestamp(d.decided_at),
            }),
        }
    }
}

/// A border crossing.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrossingDto {
    /// Internal id.
    pub id: i64,
    /// `exit` or `entry`.
    pub direction: String,
    /// Checkpoint code.
    pub checkpoint: String,
    /// When (RFC 3339, UTC).
    pub crossed_at: String,
    /// Carrier.
    pub carrier: Option<String>,
    /// Flight or vessel.
    pub voyage: Option<String>,
    /// Document used.
    pub document_number: String,
    /// Its issuing state.
    pub document_issuing_state: String,
    /// Companions' document numbers.
    pub companions: Vec<String>,
}

impl From<&Stored<Crossing>> for CrossingDto {
    fn from(stored: &Stored<Crossing>) -> Self {
        let c = &stored.record;
        CrossingDto {
            id: stored.id,
            direction: c.direction.code().to_owned(),
            checkpoint: c.checkpoint.clone(),
            crossed_at: format_timestamp(c.crossed_at),
            carrier: c.carrier.clone(),
            voyage: c.voyage.clone(),
            document_number: c.document_number.as_str().to_owned(),
            document_issuing_state: c.document_issuing_state.as_str().to_owned(),
            companions: c.companions.iter().map(DocumentNumber::as_str).map(str::to_owned).collect(),
        }
    }
}

/// A watchlist entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistDto {
    /// Internal id.
    pub id: i64,
    /// The source's identifier.
    pub external_id: String,
    /// Category.
    pub category: String,
    /// Name.
    pub full_name: String,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Date of birth, possibly partial.
    pub date_of_birth: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Nationality.
    pub nationality: Option<String>,
    /// Document number.
    pub document_number: Option<String>,
    /// NIK.
    pub nik: Option<String>,
    /// Legal basis.
    pub legal_basis: String,
    /// Source.
    pub source: Option<String>,
    /// First day.
    pub valid_from: String,
    /// Last day.
    pub valid_until: Option<String>,
}

impl From<&Stored<WatchlistEntry>> for WatchlistDto {
    fn from(stored: &Stored<WatchlistEntry>) -> Self {
        let w = &stored.record;
        WatchlistDto {
            id: stored.id,
            external_id: w.external_id.clone(),
            category: w.category.code().to_owned(),
            full_name: w.full_name.as_str().to_owned(),
            aliases: w.aliases.iter().map(FullName::as_str).map(str::to_owned).collect(),
            date_of_birth: w.date_of_birth.map(|d| d.to_string()),
            sex: w.sex.map(|s| s.code().to_owned()),
            nationality: w.nationality.as_ref().map(|n| n.as_str().to_owned()),
            document_number: w.document_number.as_ref().map(|n| n.as_str().to_owned()),
            nik: w.nik.as_ref().map(|n| n.as_str().to_owned()),
            legal_basis: w.legal_basis.clone(),
            source: w.source.clone(),
            valid_from: w.valid_from.to_string(),
            valid_until: w.valid_until.map(|d| d.to_string()),
        }
    }
}

/// One dated event in a person's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// When (a date or an RFC 3339 time).
    pub at: String,
    /// `document_issued`, `document_status`, `application`, `decision`, `crossing_exit`, `crossing_entry`.
    pub kind: String,
    /// Id of the record in its list.
    pub record_id: i64,
    /// A one-line description.
    pub summary: String,
}

/// A person with everything known about them, and the merged event list in time order.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineDto {
    /// The person.
    pub person: PersonDto,
    /// Events, oldest first.
    pub events: Vec<TimelineEvent>,
    /// Documents.
    pub documents: Vec<DocumentDto>,
    /// Applications.
    pub applications: Vec<ApplicationDto>,
    /// Crossings.
    pub crossings: Vec<CrossingDto>,
}

impl From<&Timeline> for TimelineDto {
    fn from(timeline: &Timeline) -> Self {
        let mut events = Vec::new();
        for d in &timeline.documents {
            let doc = &d.record;
            events.push(TimelineEvent {
                at: doc.issue_date.to_string(),
                kind: "document_issued".into(),
                record_id: d.id,
                summary: format!(
                    "{} {} {} issued, valid until {}",
                    doc.kind.code(),
                    doc.issuing_state.as_str(),
                    doc.number.as_str(),
                    doc.expiry_date
                ),
            });
            if let Some((reason, at)) = doc.status.detail() {
                events.push(TimelineEvent {
                    at: format_timestamp(at),
                    kind: "document_status".into(),
                    record_id: d.id,
                    summary: format!("{} {}: {reason}", doc.number.as_str(), doc.status.code()),
                });
            }
        }
        for a in &timeline.applications {
            let app = &a.record;
            events.push(TimelineEvent {
                at: app.applied_on.to_string(),
                kind: "application".into(),
                record_id: a.id,
                summary: format!(
                    "{} at {}: {} to {}",
                    app.reference,
                    app.office,
                    app.purpose.code(),
                    app.destination.as_str()
                ),
            });
            if let Some(decision) = &app.decision {
                events.push(TimelineEvent {
                    at: format_timestamp(decision.decided_at),
                    kind: "decision".into(),
                    record_id: a.id,
                    summary: format!(
                        "{} {} by {}{}",
                        app.reference,
                        decision.outcome.code(),
                        decision.officer,
                        decision.legal_basis.as_deref().map(|b| format!(" ({b})")).unwrap_or_default()
                    ),
                });
            }
        }
        for c in &timeline.crossings {
            let crossing = &c.record;
            events.push(TimelineEvent {
                at: format_timestamp(crossing.crossed_at),
                kind: format!("crossing_{}", crossing.direction.code()),
                record_id: c.id,
                summary: format!(
                    "{} at {}{}",
                    crossing.direction.code(),
                    crossing.checkpoint,
                    crossing.voyage.as_deref().map(|v| format!(" on {v}")).unwrap_or_default()
                ),
            });
        }
        // ISO dates and RFC 3339 times sort correctly as text; a date sorts before times that day.
        events.sort_by(|a, b| a.at.cmp(&b.at).then(a.record_id.cmp(&b.record_id)));
        TimelineDto {
            person: PersonDto::from(&timeline.person),
            events,
            documents: timeline.documents.iter().map(DocumentDto::from).collect(),
            applications: timeline.applications.iter().map(ApplicationDto::from).collect(),
            crossings: timeline.crossings.iter().map(CrossingDto::from).collect(),
        }
    }
}

/// One error in an MRZ.
#[derive(Debug, Serialize, ToSchema)]
pub struct MrzErrorDto {
    /// The field, e.g. `document_number`, `composite`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// The result of checking one MRZ; the same shape as `waspada mrz check` prints.
#[derive(Debug, Serialize, ToSchema)]
pub struct MrzReportDto {
    /// Structure and every check digit are right.
    pub valid: bool,
    /// `TD1`, `TD2`, `TD3`, or null when not recognised.
    pub format: Option<String>,
    /// Decoded fields (null when the format is not recognised).
    #[schema(value_type = Object)]
    pub fields: Option<serde_json::Value>,
    /// Errors.
    pub errors: Vec<MrzErrorDto>,
    /// Warnings (implausible but well-formed values).
    pub warnings: Vec<String>,
}

impl From<&waspada_mrz::Report> for MrzReportDto {
    fn from(report: &waspada_mrz::Report) -> Self {
        let fields = report.fields.as_ref().map(|f| {
            serde_json::json!({
                "document_code": f.document_code,
                "issuing_state": f.issuing_state,
                "document_number": f.document_number,
                "surname": f.surname,
                "given_names": f.given_names,
                "nationality": f.nationality,
                "date_of_birth": f.date_of_birth.date.map(|d| d.to_string()),
                "date_of_birth_raw": f.date_of_birth.raw,
                "sex": f.sex.as_char().to_string(),
                "expiry_date": f.expiry_date.date.map(|d| d.to_string()),
                "expiry_date_raw": f.expiry_date.raw,
                "optional_data": f.optional_data,
                "optional_data_2": f.optional_data_2,
            })
        });
        MrzReportDto {
            valid: report.is_valid(),
            format: report.format.map(|f| f.as_str().to_owned()),
            fields,
            errors: report
                .errors
                .iter()
                .map(|e| MrzErrorDto { field: e.field.to_owned(), message: e.message.clone() })
                .collect(),
            warnings: report.warnings.clone(),
        }
    }
}
