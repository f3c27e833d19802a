//! Valid records to import, and a sample with distinctive personal data.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use waspada_domain::{
    CountryCode, Crossing, Direction, DocumentKind, DocumentNumber, DocumentStatus, FullName, Nik, PartialDate,
    PassportApplication, Person, PhoneNumber, Sex, TravelDocument, TravelPurpose, WatchlistCategory, WatchlistEntry,
};
use waspada_store::{AuditContext, ConflictPolicy, RowOutcome, Store};

/// Karang Tinggi, Bengkulu Tengah: a district in the shipped region list.
pub const DISTRICT: &str = "170901";

pub fn date(text: &str) -> NaiveDate {
    waspada_domain::parse_date("date", text).expect("a test date")
}

pub fn at(text: &str) -> DateTime<Utc> {
    waspada_domain::parse_timestamp("at", text).expect("a test timestamp")
}

pub fn name(text: &str) -> FullName {
    FullName::parse("name", text).expect("a test name")
}

pub fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse("phone", text).expect("a test phone number")
}

pub fn country(code: &str) -> CountryCode {
    CountryCode::parse("country", code).expect("a test country code")
}

/// The NIK that a person of this birth date and sex registered in `district` would have.
pub fn nik_for(district: &str, born: NaiveDate, sex: Sex, serial: u16) -> Nik {
    let day = born.day() + if sex == Sex::Female { 40 } else { 0 };
    let text = format!("{district}{day:02}{:02}{:02}{serial:04}", born.month(), born.year() % 100);
    Nik::parse(&text).expect("a consistent test NIK")
}

/// A valid person in [`DISTRICT`] with a NIK matching the birth date and sex.
pub fn person(full_name: &str, born: &str, sex: Sex, serial: u16) -> Person {
    let born = date(born);
    Person::new(
        nik_for(DISTRICT, born, sex, serial),
        name(full_name),
        Vec::new(),
        PartialDate::from_date(born),
        sex,
        Some(DISTRICT),
        Vec::new(),
        None,
        date("2026-06-01"),
    )
    .expect("a valid test person")
}

/// A valid passport, with the holder's name printed on it when there is a holder.
pub fn passport(number: &str, state: &str, holder: Option<&Person>, issued: &str) -> TravelDocument {
    let issue_date = date(issued);
    let (surname, given_names) = match holder {
        Some(holder) => {
            let words: Vec<&str> = holder.full_name.as_str().split(' ').collect();
            let (last, first) = words.split_last().expect("a name has a word");
            (Some(last.to_uppercase()), Some(first.join(" ").to_uppercase()).filter(|g| !g.is_empty()))
        }
        None => (Some("TAN".to_owned()), Some("MEI LING".to_owned())),
    };
    TravelDocument {
        kind: DocumentKind::Passport,
        number: DocumentNumber::parse("number", number).expect("a test document number"),
        issuing_state: country(state),
        holder_nik: holder.map(|h| h.nik.clone()),
        surname,
        given_names,
        issuing_office: Some("Kanim Bengkulu".to_owned()),
        issue_date,
        expiry_date: issue_date.with_year(issue_date.year() + 5).expect("five years later"),
        status: DocumentStatus::Valid,
    }
    .validate()
    .expect("a valid test document")
}

/// A valid application without optional details.
pub fn application(reference: &str, applicant: &Person, applied_on: &str) -> PassportApplication {
    PassportApplication {
        reference: reference.to_owned(),
        office: "Kanim Bengkulu".to_owned(),
        applied_on: date(applied_on),
        applicant_nik: applicant.nik.clone(),
        purpose: TravelPurpose::Tourism,
        destination: country("MYS"),
        sponsor: None,
        employer: None,
        address_abroad: None,
        contact_phone: None,
        interview_notes: None,
        decision: None,
    }
    .validate()
    .expect("a valid test application")
}

/// A valid crossing on the given document.
pub fn crossing(document: &TravelDocument, direction: Direction, checkpoint: &str, when: &str) -> Crossing {
    Crossing {
        direction,
        checkpoint: checkpoint.to_owned(),
        crossed_at: at(when),
        carrier: Some("Garuda Indonesia".to_owned()),
        voyage: Some("GA 123".to_owned()),
        document_number: document.number.clone(),
        document_issuing_state: document.issuing_state.clone(),
        companions: Vec::new(),
    }
    .validate()
    .expect("a valid test crossing")
}

/// A valid watchlist entry with only a name.
pub fn watch(external_id: &str, full_name: &str) -> WatchlistEntry {
    WatchlistEntry {
        external_id: external_id.to_owned(),
        category: WatchlistCategory::PersonOfInterest,
        full_name: name(full_name),
        aliases: Vec::new(),
        date_of_birth: None,
        sex: None,
        nationality: None,
        document_number: None,
        nik: None,
        legal_basis: "SE IMI-0277.GR.02.06/2017".to_owned(),
        source: None,
        valid_from: date("2025-01-01"),
        valid_until: None,
    }
    .validate()
    .expect("a valid test watchlist entry")
}

/// The context of the importing clerk.
pub fn clerk() -> AuditContext {
    AuditContext::new("clerk.budi", "monthly import from SIMKIM").expect("a context")
}

/// The context of an officer looking records up.
pub fn officer() -> AuditContext {
    AuditContext::new("officer.ani", "case BKL-17: pre-departure interview").expect("a context")
}

/// Asserts import outcomes against a compact description: `"inserted, unchanged, updated,
/// rejected(NIK)"`, where `rejected(text)` means a rejection whose message contains `text`.
pub fn check(outcomes: &[RowOutcome], expect: &str) {
    // Split at the commas outside parentheses: rejection messages contain commas.
    let mut expected = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (index, ch) in expect.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                expected.push(expect[start..index].trim());
                start = index + 1;
            }
            _ => {}
        }
    }
    expected.push(expect[start..].trim());
    assert_eq!(outcomes.len(), expected.len(), "outcomes {outcomes:?}, expected {expect}");
    for (index, (outcome, expected)) in outcomes.iter().zip(expected).enumerate() {
        let matches = match (outcome, expected) {
            (RowOutcome::Inserted, "inserted")
            | (RowOutcome::Unchanged, "unchanged")
            | (RowOutcome::Updated, "updated") => true,
            (RowOutcome::Rejected(message), expected) => expected
                .strip_prefix("rejected(")
                .and_then(|rest| rest.strip_suffix(')'))
                .is_some_and(|needle| message.contains(needle)),
            _ => false,
        };
        assert!(matches, "row {index}: got {outcome:?}, expected {expected} (all: {outcomes:?})");
    }
}

/// The row count of one table.
pub fn count(store: &Store, table: &str) -> i64 {
    store.counts().expect("counts").into_iter().find(|(name, _)| *name == table).map(|(_, n)| n).expect("a table")
}

/// Two persons, their documents, an application, crossings and a watchlist entry, full of
/// distinctive personal data that must never reach the disk in the clear.
pub struct Sample {
    pub persons: Vec<Person>,
    pub documents: Vec<TravelDocument>,
    pub applications: Vec<PassportApplication>,
    pub crossings: Vec<Crossing>,
    pub watchlist: Vec<WatchlistEntry>,
}

impl Sample {
    pub fn new() -> Sample {
        let mut sulastri = person("Sulastri Wulandari", "1991-04-17", Sex::Female, 23);
        sulastri.aliases.push(name("Lastri Wulan"));
        sulastri.phones.push(phone("081377123456"));
        sulastri.address = Some("Jl. Merpati Kuning No. 12, Taba Terunjam".to_owned());
        let mut bambang = person("Bambang Sutejo Prawiro", "1985-11-02", Sex::Male, 7);
        bambang.phones.push(phone("+62 852 6611 9043"));

        let sulastri_passport = passport("C7734521", "IDN", Some(&sulastri), "2022-05-10");
        let bambang_passport = passport("X4418830", "IDN", Some(&bambang), "2020-01-15");

        let mut job = application("BKL-2026-000417", &sulastri, "2026-01-10");
        job.purpose = TravelPurpose::Work;
        job.sponsor = Some("PT Cahaya Makmur Sentosa".to_owned());
        job.employer = Some("Kilang Sawit Tawau Sdn Bhd".to_owned());
        job.address_abroad = Some("Lorong Kenari 9, Tawau".to_owned());
        job.contact_phone = Some(phone("0821 7345 6612"));
        job.interview_notes = Some("Mengaku dijanjikan gaji empat juta oleh Pak Darma".to_owned());

        let mut departure = crossing(&sulastri_passport, Direction::Exit, "BTH", "2026-02-01T03:20:00Z");
        departure.companions.push(bambang_passport.number.clone());
        let together = crossing(&bambang_passport, Direction::Exit, "BTH", "2026-02-01T03:21:00Z");

        let mut darma = watch("WL-0091", "Darmawan Kusumo Hadi");
        darma.category = WatchlistCategory::Pencegahan;
        darma.aliases.push(name("Pak Darma"));
        darma.nik = Some(nik_for("177101", date("1970-08-09"), Sex::Male, 4411));
        darma.document_number = Some(DocumentNumber::parse("number", "B9902315").expect("a number"));
        darma.source = Some("Polda Bengkulu, LP/B/117/2025".to_owned());

        Sample {
            persons: vec![sulastri, bambang],
            documents: vec![sulastri_passport, bambang_passport],
            applications: vec![job],
            crossings: vec![departure, together],
            watchlist: vec![darma],
        }
    }

    /// Imports every kind in order and asserts that every row was inserted.
    pub fn import(&self, store: &Store) {
        let context = clerk();
        let policy = ConflictPolicy::Reject;
        let all_inserted = |outcomes: Vec<RowOutcome>| {
            assert!(outcomes.iter().all(|o| *o == RowOutcome::Inserted), "{outcomes:?}");
        };
        all_inserted(store.import_persons(&self.persons, policy, &context).expect("import persons"));
        all_inserted(store.import_documents(&self.documents, policy, &context).expect("import documents"));
        all_inserted(store.import_applications(&self.applications, policy, &context).expect("import applications"));
        all_inserted(store.import_crossings(&self.crossings, policy, &context).expect("import crossings"));
        all_inserted(store.import_watchlist(&self.watchlist, policy, &context).expect("import watchlist"));
    }

    /// Personal values that must not appear in the clear anywhere in the database.
    pub fn personal_values(&self) -> Vec<String> {
        let mut values = Vec::new();
        let name_forms = |text: &str, values: &mut Vec<String>| {
            values.push(text.to_owned());
            values.push(text.to_uppercase());
            values.push(text.to_lowercase());
            values.push(waspada_domain::normalise_name(text).replace(' ', ""));
        };
        for person in &self.persons {
            values.push(person.nik.as_str().to_owned());
            name_forms(person.full_name.as_str(), &mut values);
            for alias in &person.aliases {
                name_forms(alias.as_str(), &mut values);
            }
            values.extend(person.phones.iter().flat_map(phone_forms));
            values.extend(person.address.clone());
        }
        for document in &self.documents {
            values.push(document.number.as_str().to_owned());
            values.extend(document.surname.clone());
            values.extend(document.given_names.clone());
        }
        for application in &self.applications {
            values.push(application.applicant_nik.as_str().to_owned());
            for text in [&application.sponsor, &application.employer, &application.address_abroad].into_iter().flatten()
            {
                name_forms(text, &mut values);
            }
            values.extend(application.interview_notes.clone());
            values.extend(application.contact_phone.iter().flat_map(phone_forms));
        }
        for entry in &self.watchlist {
            name_forms(entry.full_name.as_str(), &mut values);
            for alias in &entry.aliases {
                name_forms(alias.as_str(), &mut values);
            }
            values.extend(entry.nik.iter().map(|n| n.as_str().to_owned()));
            values.extend(entry.document_number.iter().map(|n| n.as_str().to_owned()));
            values.extend(entry.source.clone());
        }
        values.sort();
        values.dedup();
        values
    }
}

/// `+6281377123456`, `081377123456` and the subscriber digits `81377123456`, which are part of
/// every other way of writing the number.
fn phone_forms(number: &PhoneNumber) -> Vec<String> {
    let e164 = number.as_str().to_owned();
    let subscriber = e164.trim_start_matches("+62").to_owned();
    vec![e164, format!("0{subscriber}"), subscriber]
}
