//! The generator proper: households and their travel, plus the planted patterns.
//!
//! The run is a sequence of *units* (a household, a recruiter network, a person with two
//! identities, an umrah group …). Each unit writes its persons, documents, applications,
//! crossings, reports and truth rows at once and is then forgotten, which keeps memory flat.
//! Patterns are scheduled by quota (so many per 10,000 persons) so that every size from a few
//! hundred persons up has each pattern in proportion.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use rand::RngExt;
use rand::seq::IndexedRandom;
use waspada_nik::regions::{self, Region};

use crate::ids::{DocumentNumbers, NikSerials, PhoneNumbers};
use crate::names::{self, Sex, Tradition};
use crate::pools;
use crate::residence::{self, Residence};
use crate::sink::Sink;
use crate::{Rng, SynthError};

type Result<T> = std::result::Result<T, SynthError>;

/// How far back the synthetic records reach.
const WINDOW_DAYS: i64 = 3 * 365;

/// Pattern rates per 10,000 persons.
const NETWORKS_PER_10K: f64 = 3.0;
const FRAUD_PER_10K: f64 = 12.0;
const UMRAH_GROUPS_PER_10K: f64 = 2.0;
const NOISE_REPORTS_PER_10K: f64 = 3.0;
/// Share (percent) of households with someone travelling in the window.
const TRAVEL_SHARE: u32 = 13;

/// A person made during a unit.
#[derive(Clone)]
struct Person {
    nik: String,
    name: String,
    born: NaiveDate,
    sex: Sex,
    village: Option<&'static Region>,
    phone: Option<String>,
}

/// A passport (or SPLP) made during a unit.
#[derive(Clone)]
struct Doc {
    number: String,
    expiry: NaiveDate,
}

/// One row of `truth/patterns.csv` (see docs/synthetic-data.md); absent cells stay empty.
#[derive(Default)]
struct PatternRow<'a> {
    id: &'a str,
    pattern: &'a str,
    expected: &'a str,
    region: &'a str,
    started: Option<NaiveDate>,
    ended: Option<NaiveDate>,
    size: u64,
    agent_nik: &'a str,
    contact_phone: &'a str,
    sponsor: &'a str,
    destination: &'a str,
    detail: &'a str,
}

/// One side of a journey: direction, gateway, carrier and flight or vessel.
struct Leg {
    direction: &'static str,
    gateway: &'static str,
    carrier: &'static str,
    voyage: String,
}

/// What an application looked like.
struct Application<'a> {
    applicant: &'a Person,
    applied: NaiveDate,
    office: &'a str,
    purpose: &'a str,
    destination: &'a str,
    sponsor: &'a str,
    employer: &'a str,
    address_abroad: &'a str,
    contact_phone: &'a str,
    notes: String,
    /// `None` issued; `Some((decision, reason))` delayed or refused.
    refusal: Option<(&'a str, &'a str)>,
}

fn date(text: NaiveDate) -> String {
    text.format("%Y-%m-%d").to_string()
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A stamp on a day at a local (WIB, UTC+7) hour.
fn at_local(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour.min(23), minute.min(59), 0).unwrap_or(NaiveTime::MIN);
    day.and_time(time).and_utc() - Duration::hours(7)
}

fn age_on(born: NaiveDate, on: NaiveDate) -> i64 {
    let mut age = i64::from(on.year() - born.year());
    if (on.month(), on.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// Passports issued from 12 October 2022 on are valid ten years, earlier ones five.
fn passport_expiry(issued: NaiveDate) -> NaiveDate {
    let years = if issued >= NaiveDate::from_ymd_opt(2022, 10, 12).unwrap_or(NaiveDate::MIN) { 10 } else { 5 };
    issued.with_year(issued.year() + years).unwrap_or(issued + Duration::days(365 * i64::from(years)))
}

pub struct World<'s> {
    rng: Rng,
    as_of: NaiveDate,
    start: NaiveDate,
    sink: &'s mut Sink,
    niks: NikSerials,
    documents: DocumentNumbers,
    phones: PhoneNumbers,
    residence: Residence,
    officers: Vec<String>,
    persons: u64,
    applications: u64,
    reports: u64,
    watch: u64,
    patterns: u64,
    networks: u64,
    frauds: u64,
    umrah_groups: u64,
    noise_reports: u64,
    /// While a household is being written, the address its members share.
    household_address: Option<String>,
}

impl<'s> World<'s> {
    pub fn new(mut rng: Rng, as_of: NaiveDate, sink: &'s mut Sink) -> World<'s> {
        let documents = DocumentNumbers::new(&mut rng);
        let phones = PhoneNumbers::new(&mut rng);
        let mut officers = Vec::new();
        for _ in 0..12 {
            let sex = if rng.random_bool(0.5) { Sex::Male } else { Sex::Female };
            let tradition = names::tradition(&mut rng);
            let name = names::full_name(&mut rng, sex, tradition, 35, None, "Halim");
            officers.push(name);
        }
        World {
            rng,
            as_of,
            start: as_of - Duration::days(WINDOW_DAYS),
            sink,
            niks: NikSerials::new(),
            documents,
            phones,
            residence: Residence::new(),
            officers,
            persons: 0,
            applications: 0,
            reports: 0,
            watch: 0,
            patterns: 0,
            networks: 0,
            frauds: 0,
            umrah_groups: 0,
            noise_reports: 0,
            household_address: None,
        }
    }

    /// Writes units until `target` persons exist.
    pub fn run(&mut self, target: u64, progress: &mut dyn FnMut(u64)) -> Result<()> {
        let mut last_progress = 0;
        while self.persons < target {
            let left = target - self.persons;
            let due = |done: u64, rate: f64, persons: u64| done < 1 + (persons as f64 * rate / 10_000.0) as u64;
            // Patterns start once a few households exist, so small runs still get one of each.
            let warmed = self.persons >= 50;
            if warmed && left >= 60 && due(self.networks, NETWORKS_PER_10K, self.persons) {
                self.network(left)?;
                self.networks += 1;
            } else if warmed && left >= 4 && due(self.frauds, FRAUD_PER_10K, self.persons) {
                self.identity_fraud()?;
                self.frauds += 1;
            } else if warmed && left >= 50 && due(self.umrah_groups, UMRAH_GROUPS_PER_10K, self.persons) {
                self.umrah_group(left)?;
                self.umrah_groups += 1;
            } else {
                if warmed && due(self.noise_reports, NOISE_REPORTS_PER_10K, self.persons) {
                    self.noise_report()?;
                    self.noise_reports += 1;
                }
                self.household(left)?;
            }
            if self.persons - last_progress >= 1_000 || self.persons >= target {
                progress(self.persons);
                last_progress = self.persons;
            }
        }
        self.foreign_watchlist()?;
        Ok(())
    }

    // ----- small helpers -------------------------------------------------------------------

    fn day_in_window(&mut self) -> NaiveDate {
        self.start + Duration::days(self.rng.random_range(0..WINDOW_DAYS))
    }

    fn pattern_id(&mut self, prefix: &str) -> String {
        self.patterns += 1;
        format!("{prefix}-{:05}", self.patterns)
    }

    fn officer(&mut self) -> String {
        self.officers.choose(&mut self.rng).cloned().unwrap_or_default()
    }

    fn born_at_age(&mut self, age: i64) -> NaiveDate {
        let base = self.as_of.with_year(self.as_of.year() - age as i32).unwrap_or(self.as_of);
        base - Duration::days(self.rng.random_range(1..365))
    }

    fn pattern(&mut self, row: PatternRow) -> Result<()> {
        self.sink.patterns.row(&[
            row.id,
            row.pattern,
            row.expected,
            row.region,
            &row.started.map(date).unwrap_or_default(),
            &row.ended.map(date).unwrap_or_default(),
            &row.size.to_string(),
            row.agent_nik,
            row.contact_phone,
            row.sponsor,
            row.destination,
            row.detail,
        ])
    }

    fn label(&mut self, pattern_id: &str, pattern: &str, kind: &str, key: &str, role: &str) -> Result<()> {
        self.sink.labels.row(&[pattern_id, pattern, kind, key, role])
    }

    /// Makes and writes a person. `district` overrides the NIK's district (a KTP registered
    /// elsewhere); `village` is the current home (absent for people from outside Bengkulu).
    fn person(
        &mut self,
        name: String,
        sex: Sex,
        born: NaiveDate,
        village: Option<&'static Region>,
        district: Option<&str>,
        with_phone: bool,
    ) -> Result<Person> {
        let mut nik_district: String = match (district, village) {
            (Some(d), _) => d.to_owned(),
            (None, Some(v)) => {
                // About one in twenty moved after their KTP was made elsewhere in the province.
                if self.rng.random_range(0..20) == 0 {
                    let d = self.residence.districts[self.rng.random_range(0..self.residence.districts.len())];
                    d.code.to_owned()
                } else {
                    v.code[..6].to_owned()
                }
            }
            (None, None) => regions::BENGKULU_TENGAH.to_owned() + "01",
        };
        let mut nik = self.niks.next(&nik_district, born, sex);
        while nik.is_none() {
            // Every serial of this district, date and sex is used: register in another district.
            nik_district =
                self.residence.districts[self.rng.random_range(0..self.residence.districts.len())].code.to_owned();
            nik = self.niks.next(&nik_district, born, sex);
        }
        let nik = nik.unwrap_or_default();
        let phone = if with_phone { Some(self.phones.fresh(&mut self.rng)) } else { None };
        let alias = if self.rng.random_range(0..100) < 5 { Some(names::nickname(&mut self.rng, &name)) } else { None };
        let region_code = match village {
            Some(v) => v.code.to_owned(),
            None => nik_district.clone(),
        };
        let address = match (village, &self.household_address) {
            (Some(_), Some(shared)) => shared.clone(),
            (Some(v), None) => residence::address(&mut self.rng, v),
            (None, _) => {
                let regency = regions::lookup(&nik_district[..4]).map_or("", |r| r.name);
                format!("Dusun {}, {regency}", self.rng.random_range(1..=9))
            }
        };
        // Old records sometimes carry only the birth year.
        let born_text = if age_on(born, self.as_of) > 65 && self.rng.random_range(0..100) < 3 {
            born.year().to_string()
        } else {
            date(born)
        };
        self.sink.persons.row(&[
            &nik,
            &name,
            alias.as_deref().unwrap_or(""),
            &born_text,
            sex.code(),
            &region_code,
            phone.as_deref().unwrap_or(""),
            &address,
        ])?;
        self.persons += 1;
        Ok(Person { nik, name, born, sex, village, phone })
    }

    /// Writes a valid passport for `holder` issued on `issued` at `office`.
    fn passport(&mut self, holder: &Person, issued: NaiveDate, office: &str) -> Result<Doc> {
        self.passport_with_status(holder, issued, office, None)
    }

    /// Writes a passport, with its later status (lost, stolen: status, reason, time) when that
    /// is already decided. Each document is written once, with its final status, because import
    /// keys documents by number. The data page's zone goes to `truth/mrz.csv` for tests that
    /// scan passports.
    fn passport_with_status(
        &mut self,
        holder: &Person,
        issued: NaiveDate,
        office: &str,
        status: Option<(&str, &str, DateTime<Utc>)>,
    ) -> Result<Doc> {
        let electronic = issued.year() >= 2014 && self.rng.random_range(0..100) < 40;
        let number = if electronic { self.documents.epassport() } else { self.documents.passport() };
        let expiry = passport_expiry(issued);
        let (surname, given) = names::passport_parts(&holder.name);
        let (code, reason, changed) = match status {
            Some((code, reason, at)) => (code, reason, stamp(at)),
            None => ("valid", "", String::new()),
        };
        self.sink.documents.row(&[
            if electronic { "epassport" } else { "passport" },
            &number,
            "IDN",
            &holder.nik,
            surname,
            given,
            office,
            &date(issued),
            &date(expiry),
            code,
            reason,
            &changed,
        ])?;
        if status.is_none() {
            let input = waspada_mrz::MrzInput {
                format: waspada_mrz::Format::Td3,
                document_code: "P",
                issuing_state: "IDN",
                document_number: &number,
                surname,
                given_names: given,
                nationality: "IDN",
                date_of_birth: holder.born,
                sex: if holder.sex == Sex::Female { waspada_mrz::Sex::Female } else { waspada_mrz::Sex::Male },
                expiry_date: expiry,
                optional_data: "",
            };
            if let Ok(lines) = waspada_mrz::generate(&input)
                && let [line1, line2] = lines.as_slice()
            {
                self.sink.mrz.row(&[&number, "IDN", line1, line2])?;
            }
        }
        Ok(Doc { number, expiry })
    }

    /// Writes an application row; returns its reference and the decision day.
    fn application(&mut self, app: &Application) -> Result<(String, NaiveDate)> {
        self.applications += 1;
        let reference = format!("{}-{}-{:07}", office_code(app.office), app.applied.year(), self.applications);
        let decided = app.applied + Duration::days(self.rng.random_range(0..=6));
        let decided = decided.min(self.as_of).max(app.applied);
        let officer = self.officer();
        let decided_at = stamp(at_local(decided, self.rng.random_range(8..16), self.rng.random_range(0..60)));
        let (decision, reason, basis) = match app.refusal {
            None => ("issued", "", ""),
            Some((decision, reason)) => (decision, reason, "SE Dirjen Imigrasi IMI-0277.GR.02.06/2017"),
        };
        self.sink.applications.row(&[
            &reference,
            app.office,
            &date(app.applied),
            &app.applicant.nik,
            app.purpose,
            app.destination,
            app.sponsor,
            app.employer,
            app.address_abroad,
            app.contact_phone,
            &app.notes,
            decision,
            &officer,
            reason,
            basis,
            &decided_at,
        ])?;
        Ok((reference, decided))
    }

    /// Writes a crossing of `leg` at `at`.
    fn crossing(&mut self, leg: &Leg, at: DateTime<Utc>, document: &str, companions: &str) -> Result<()> {
        self.sink.crossings.row(&[
            leg.direction,
            leg.gateway,
            &stamp(at),
            leg.carrier,
            &leg.voyage,
            document,
            "IDN",
            companions,
        ])
    }

    /// A group leaves (and, if `days_away` is given and the return is not after the reference
    /// date, comes back) together, each listing the others as companions.
    fn trip(
        &mut self,
        documents: &[String],
        destination: &str,
        leave: NaiveDate,
        days_away: Option<i64>,
    ) -> Result<()> {
        if leave > self.as_of || documents.is_empty() {
            return Ok(());
        }
        let routes = pools::routes(destination);
        let total: u32 = routes.iter().map(|r| r.weight).sum();
        let mut x = self.rng.random_range(0..total.max(1));
        let route = routes.iter().find(|r| {
            if x < r.weight {
                true
            } else {
                x -= r.weight;
                false
            }
        });
        let Some(route) = route.or(routes.first()) else { return Ok(()) };
        let voyage = if route.gateway.by_sea {
            format!("{} {}", route.voyage_prefix, self.rng.random_range(1..=12))
        } else {
            format!("{}{}", route.voyage_prefix, self.rng.random_range(100..=999))
        };
        let out_at = at_local(leave, self.rng.random_range(6..22), self.rng.random_range(0..60));
        let out_leg =
            Leg { direction: "exit", gateway: route.gateway.code, carrier: route.carrier, voyage: voyage.clone() };
        for (i, document) in documents.iter().enumerate() {
            let companions = companions_of(documents, i);
            // Officers clear a group one after another.
            let at = out_at + Duration::seconds(45 * i as i64);
            self.crossing(&out_leg, at, document, &companions)?;
        }
        if let Some(days) = days_away {
            let back = leave + Duration::days(days);
            if back <= self.as_of {
                let in_at = at_local(back, self.rng.random_range(6..23), self.rng.random_range(0..60));
                let voyage_back = if route.gateway.by_sea {
                    voyage.clone()
                } else {
                    format!("{}{}", route.voyage_prefix, self.rng.random_range(100..=999))
                };
                let back_leg = Leg {
                    direction: "entry",
                    gateway: route.gateway.code,
                    carrier: route.carrier,
                    voyage: voyage_back,
                };
                for (i, document) in documents.iter().enumerate() {
                    let companions = companions_of(documents, i);
                    let at = in_at + Duration::seconds(40 * i as i64);
                    self.crossing(&back_leg, at, document, &companions)?;
                }
            }
        }
        Ok(())
    }

    // ----- ordinary life -------------------------------------------------------------------

    /// A household of one to seven persons, and sometimes their travel.
    fn household(&mut self, left: u64) -> Result<()> {
        let village = self.residence.pick(&mut self.rng);
        let tradition = names::tradition(&mut self.rng);
        let family = pools::CHINESE_FAMILY.choose(&mut self.rng).copied().unwrap_or("Tan");
        let size = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 6, 6, 7][self.rng.random_range(0..16)].min(left as usize);
        let head_age = 22 + (self.rng.random_range(0..54) + self.rng.random_range(0..54)) / 2;
        let head_sex = if self.rng.random_range(0..100) < 85 { Sex::Male } else { Sex::Female };
        let head_name = names::full_name(&mut self.rng, head_sex, tradition, head_age, None, family);
        let head_born = self.born_at_age(head_age);
        self.household_address = Some(residence::address(&mut self.rng, village));
        let head = self.person(head_name, head_sex, head_born, Some(village), None, true)?;
        let mut members = vec![head.clone()];
        let mut mother_age = if head_sex == Sex::Female { Some(head_age) } else { None };
        if size >= 2 && (head_sex == Sex::Male || self.rng.random_bool(0.2)) {
            let spouse_sex = if head_sex == Sex::Male { Sex::Female } else { Sex::Male };
            let spouse_age = (head_age + self.rng.random_range(-8..=3)).max(18);
            let name = names::full_name(&mut self.rng, spouse_sex, tradition, spouse_age, None, family);
            let born = self.born_at_age(spouse_age);
            let phone = self.rng.random_range(0..100) < 80;
            members.push(self.person(name, spouse_sex, born, Some(village), None, phone)?);
            if spouse_sex == Sex::Female {
                mother_age = Some(spouse_age);
            }
        }
        let mother_age = mother_age.unwrap_or(head_age);
        while members.len() < size {
            // Children born to a mother aged 18 to 42; an elderly parent now and then.
            let elderly = members.len() == size - 1 && size >= 4 && self.rng.random_range(0..100) < 25;
            let age = if elderly {
                head_age + self.rng.random_range(22..=34)
            } else {
                (mother_age - self.rng.random_range(18..=42)).max(0)
            };
            if !elderly && mother_age - age < 16 {
                break;
            }
            let sex = if self.rng.random_bool(0.5) { Sex::Male } else { Sex::Female };
            let father = if elderly { None } else { Some(head.name.as_str()) };
            let name = names::full_name(&mut self.rng, sex, tradition, age, father, family);
            let born = self.born_at_age(age);
            let phone = age >= 16 && self.rng.random_range(0..100) < 85;
            members.push(self.person(name, sex, born, Some(village), None, phone)?);
        }
        self.household_address = None;
        if self.rng.random_range(0..100) < TRAVEL_SHARE {
            self.household_travel(&members)?;
        }
        Ok(())
    }

    /// Ordinary travel of a household: umrah, hajj, holidays, family visits, official work
    /// placement or study. Some of it is a legitimate look-alike (families with children).
    fn household_travel(&mut self, members: &[Person]) -> Result<()> {
        let adults: Vec<&Person> = members.iter().filter(|p| age_on(p.born, self.as_of) >= 18).collect();
        if adults.is_empty() {
            return Ok(());
        }
        let as_of = self.as_of;
        // The first adult of the household in an age range (the one who works abroad or studies).
        let one_aged = |ages: std::ops::RangeInclusive<i64>| {
            adults.iter().copied().find(|p| ages.contains(&age_on(p.born, as_of)))
        };
        let roll = self.rng.random_range(0..100);
        let (purpose, destination, travellers): (&str, &str, Vec<&Person>) = match roll {
            0..30 => ("umrah", "SAU", adults.iter().take(2).copied().collect()),
            30..38 => {
                let elders: Vec<&Person> =
                    adults.iter().filter(|p| age_on(p.born, self.as_of) >= 45).take(2).copied().collect();
                if elders.is_empty() { ("umrah", "SAU", vec![adults[0]]) } else { ("hajj", "SAU", elders) }
            }
            38..60 => {
                let destination = ["MYS", "SGP", "MYS", "THA", "SGP", "TUR", "JPN"][self.rng.random_range(0..7)];
                let purpose =
                    if destination == "MYS" && self.rng.random_bool(0.5) { "family_visit" } else { "tourism" };
                (purpose, destination, members.iter().collect())
            }
            60..85 => {
                let Some(young) = one_aged(19..=40) else { return Ok(()) };
                let destination = ["MYS", "MYS", "HKG", "TWN", "KOR", "JPN", "SGP", "SAU"][self.rng.random_range(0..8)];
                ("work", destination, vec![young])
            }
            85..92 => {
                let Some(student) = one_aged(18..=26) else { return Ok(()) };
                let destination = ["MYS", "TUR", "EGY", "KOR", "JPN"][self.rng.random_range(0..5)];
                ("study", destination, vec![student])
            }
            _ => ("business", ["MYS", "SGP", "CHN", "THA"][self.rng.random_range(0..4)], vec![adults[0]]),
        };
        let applied = self.seasonal_day(purpose);
        let mut documents = Vec::new();
        let mut family_ids = Vec::new();
        let (sponsor, employer, address_abroad) = match purpose {
            "umrah" | "hajj" => (pools::UMRAH_AGENCIES.choose(&mut self.rng).copied().unwrap_or(""), "", ""),
            "work" => {
                let employer = pools::EMPLOYERS
                    .iter()
                    .filter(|(d, _, _)| *d == destination)
                    .collect::<Vec<_>>()
                    .choose(&mut self.rng)
                    .map(|(_, e, a)| (*e, *a))
                    .unwrap_or(("", ""));
                (pools::PLACEMENT_AGENCIES.choose(&mut self.rng).copied().unwrap_or(""), employer.0, employer.1)
            }
            _ => ("", "", ""),
        };
        for traveller in &travellers {
            let age = age_on(traveller.born, applied);
            // Children already hold passports less often; a few adults have an old one.
            let has_old = age >= 18 && self.rng.random_range(0..100) < 12;
            let old_issued = applied - Duration::days(self.rng.random_range(400..2_800));
            let old = if has_old { Some(self.passport(traveller, old_issued, pools::HOME_OFFICE)?) } else { None };
            let old_still_valid = old.as_ref().is_some_and(|d| d.expiry > applied + Duration::days(180));
            if let Some(old) = &old
                && old_still_valid
                && self.rng.random_range(0..100) < 80
            {
                // Travels on the passport already held.
                documents.push(old.number.clone());
                continue;
            }
            let notes = self.notes(false);
            let contact = traveller.phone.clone().unwrap_or_default();
            let refused = self.rng.random_range(0..1000) < 6;
            let refusal = refused.then_some(("delayed", "dokumen pendukung belum lengkap"));
            let (reference, decided) = self.application(&Application {
                applicant: traveller,
                applied,
                office: pools::HOME_OFFICE,
                purpose,
                destination,
                sponsor,
                employer,
                address_abroad,
                contact_phone: &contact,
                notes,
                refusal,
            })?;
            if old_still_valid {
                let id = self.pattern_id("DUP");
                self.pattern(PatternRow {
                    id: &id,
                    pattern: "duplicate_application",
                    expected: "note",
                    region: traveller.village.map_or("", |v| v.code),
                    started: Some(applied),
                    ended: Some(applied),
                    size: 1,
                    destination,
                    detail: "applied while an earlier passport was still valid",
                    ..PatternRow::default()
                })?;
                self.label(&id, "duplicate_application", "application", &reference, "applicant")?;
            }
            if refused {
                continue;
            }
            let issued = decided + Duration::days(self.rng.random_range(1..=4));
            if issued > self.as_of {
                continue;
            }
            // Lost and stolen passports: a police report (BAP) is on file.
            let loss = self.rng.random_range(0..1000);
            let doc = if loss < 18 {
                let changed = issued + Duration::days(self.rng.random_range(30..700));
                if changed <= self.as_of {
                    let (status, reason) = if loss < 15 {
                        ("lost", "hilang, laporan kehilangan kepolisian (BAP) terlampir")
                    } else {
                        ("stolen", "dicuri, laporan kepolisian terlampir")
                    };
                    let at = at_local(changed, 10, 0);
                    let doc =
                        self.passport_with_status(traveller, issued, pools::HOME_OFFICE, Some((status, reason, at)))?;
                    let id = self.pattern_id("LOST");
                    self.pattern(PatternRow {
                        id: &id,
                        pattern: "lost_or_stolen_passport",
                        expected: "note",
                        region: traveller.village.map_or("", |v| v.code),
                        started: Some(changed),
                        ended: Some(changed),
                        size: 1,
                        detail: status,
                        ..PatternRow::default()
                    })?;
                    self.label(&id, "lost_or_stolen_passport", "document", &doc.number, "document")?;
                    // Travelled before the loss.
                    let leave = issued + Duration::days(self.rng.random_range(5..25));
                    if leave < changed {
                        self.trip(std::slice::from_ref(&doc.number), destination, leave, Some(10))?;
                    }
                    continue;
                }
                self.passport(traveller, issued, pools::HOME_OFFICE)?
            } else {
                self.passport(traveller, issued, pools::HOME_OFFICE)?
            };
            documents.push(doc.number);
            family_ids.push(traveller.nik.clone());
        }
        if documents.is_empty() {
            return Ok(());
        }
        let leave = applied + Duration::days(self.rng.random_range(14..60));
        let days = match purpose {
            "umrah" => Some(self.rng.random_range(9..=14)),
            "hajj" => Some(self.rng.random_range(35..=42)),
            "tourism" | "business" => Some(self.rng.random_range(3..=10)),
            "family_visit" => Some(self.rng.random_range(7..=30)),
            "work" => Some(self.rng.random_range(700..=760)),
            _ => Some(self.rng.random_range(300..=1_400)),
        };
        self.trip(&documents, destination, leave, days)?;
        // Frequent travellers go again.
        if purpose == "tourism" && self.rng.random_range(0..100) < 25 {
            let again = leave + Duration::days(self.rng.random_range(90..400));
            let days = self.rng.random_range(3..8);
            self.trip(&documents, destination, again, Some(days))?;
        }
        let minors = travellers.iter().filter(|p| age_on(p.born, applied) < 18).count();
        if minors > 0 && documents.len() >= 3 {
            let id = self.pattern_id("FAM");
            let region = travellers[0].village.map_or("", |v| v.code);
            self.pattern(PatternRow {
                id: &id,
                pattern: "family_travel",
                expected: "clear",
                region,
                started: Some(leave),
                ended: Some(leave),
                size: documents.len() as u64,
                destination,
                detail: "parents travelling with their children",
                ..PatternRow::default()
            })?;
            for nik in &family_ids {
                self.label(&id, "family_travel", "person", nik, "family_member")?;
            }
        }
        Ok(())
    }

    /// An application day shaped by the season: umrah peaks in the cooler months and before
    /// Ramadan, hajj applications gather in the first months of the year.
    fn seasonal_day(&mut self, purpose: &str) -> NaiveDate {
        for _ in 0..8 {
            let day = self.day_in_window();
            let weight = match (purpose, day.month()) {
                ("umrah", 10..=12 | 1..=2) => 100,
                ("umrah", _) => 45,
                ("hajj", 1..=4) => 100,
                ("hajj", _) => 10,
                ("tourism", 6 | 7 | 12) => 100,
                ("tourism", _) => 60,
                _ => 100,
            };
            if self.rng.random_range(0..100) < weight {
                return day;
            }
        }
        self.day_in_window()
    }

    fn notes(&mut self, red_flags: bool) -> String {
        if red_flags {
            let a = pools::RED_FLAG_NOTES.choose(&mut self.rng).copied().unwrap_or("");
            let b = pools::RED_FLAG_NOTES.choose(&mut self.rng).copied().unwrap_or("");
            if a == b || self.rng.random_bool(0.4) { a.to_owned() } else { format!("{a}; {b}") }
        } else if self.rng.random_range(0..100) < 60 {
            pools::ORDINARY_NOTES.choose(&mut self.rng).copied().unwrap_or("").to_owned()
        } else {
            String::new()
        }
    }

    // ----- planted patterns ----------------------------------------------------------------

    /// A recruiter network: one agent and contact phone behind many young applicants from a few
    /// desa of one kecamatan within weeks, stated purpose tourism or umrah, heading for Malaysia,
    /// the Middle East or Cambodia. Its applications form a burst; public reports follow it.
    fn network(&mut self, left: u64) -> Result<()> {
        let id = self.pattern_id("NET");
        let kecamatan = self.residence.kecamatan[self.rng.random_range(0..self.residence.kecamatan.len())].code;
        let desa: Vec<&'static Region> =
            (0..self.rng.random_range(1..=3)).map(|_| self.residence.pick_in(&mut self.rng, kecamatan)).collect();
        // The agent: a local middle-aged man or woman with two phones.
        let agent_sex = if self.rng.random_range(0..100) < 70 { Sex::Male } else { Sex::Female };
        let agent_age = self.rng.random_range(30..=55);
        let tradition = names::tradition(&mut self.rng);
        let agent_name = names::full_name(&mut self.rng, agent_sex, tradition, agent_age, None, "Tan");
        let agent_born = self.born_at_age(agent_age);
        let agent_village = if self.rng.random_bool(0.7) { desa[0] } else { self.residence.pick(&mut self.rng) };
        let agent = self.person(agent_name, agent_sex, agent_born, Some(agent_village), None, true)?;
        let second_phone = self.phones.fresh(&mut self.rng);
        let agent_phone = agent.phone.clone().unwrap_or_default();
        let (destination, scam) = match self.rng.random_range(0..100) {
            0..30 => ("KHM", true),
            30..35 => ("MMR", true),
            35..70 => ("MYS", false),
            70..85 => ("SAU", false),
            85..92 => ("ARE", false),
            _ => ("THA", true),
        };
        let purpose = match (destination, self.rng.random_range(0..100)) {
            ("SAU", 0..70) => "umrah",
            (_, 0..25) => "umrah",
            (_, 25..35) => "family_visit",
            _ => "tourism",
        };
        let sponsor = match self.rng.random_range(0..10) {
            0..4 => agent.name.clone(),
            4..7 => format!(
                "CV {} {}",
                ["Berkah", "Maju", "Amanah", "Cahaya", "Sukses"][self.rng.random_range(0..5)],
                ["Travel", "Wisata", "Mandiri", "Abadi"][self.rng.random_range(0..4)]
            ),
            _ => String::new(),
        };
        let size = (self.rng.random_range(8..=30) as u64).min(left.saturating_sub(10)).max(4);
        let started = self.start + Duration::days(self.rng.random_range(60..WINDOW_DAYS - 45));
        let span = self.rng.random_range(14..=56);
        let ended = started + Duration::days(span);
        self.label(&id, "recruiter_network", "person", &agent.nik, "agent")?;
        let mut exited: Vec<(Person, String)> = Vec::new();
        let mut group: Vec<String> = Vec::new();
        let mut minors_planted = 0;
        let mut far_planted = 0;
        for i in 0..size {
            let village = desa[self.rng.random_range(0..desa.len())];
            let female = if scam { 40 } else { 80 };
            let sex = if self.rng.random_range(0..100) < female { Sex::Female } else { Sex::Male };
            let age = self.rng.random_range(18..=34);
            let t = names::tradition(&mut self.rng);
            let name = names::full_name(&mut self.rng, sex, t, age, None, "Lim");
            let far = i == 1 && self.rng.random_bool(0.5);
            let minor = i == 2 && self.rng.random_bool(0.4);
            let recruit = if far {
                // KTP from a sending region far away; the application is filed in Bengkulu.
                let regency = pools::FAR_REGENCIES.choose(&mut self.rng).copied().unwrap_or("3201");
                let district = format!("{regency}{:02}", self.rng.random_range(1..=12));
                let born = self.born_at_age(age);
                let p = self.person(name, sex, born, None, Some(&district), true)?;
                far_planted += 1;
                let far_id = self.pattern_id("FAR");
                self.pattern(PatternRow {
                    id: &far_id,
                    pattern: "far_from_domicile",
                    expected: "flag",
                    region: &district,
                    started: Some(started),
                    ended: Some(ended),
                    size: 1,
                    agent_nik: &agent.nik,
                    contact_phone: &agent_phone,
                    sponsor: &sponsor,
                    destination,
                    detail: "KTP from outside Bengkulu, application at Kanim Bengkulu",
                })?;
                self.label(&far_id, "far_from_domicile", "person", &p.nik, "applicant")?;
                p
            } else if minor {
                self.minor_as_adult(&id, village, sex, t)?
            } else {
                let born = self.born_at_age(age);
                let phone = self.rng.random_range(0..100) < 90;
                self.person(name, sex, born, Some(village), None, phone)?
            };
            if minor {
                minors_planted += 1;
            }
            self.label(&id, "recruiter_network", "person", &recruit.nik, "recruit")?;
            let applied = started + Duration::days(self.rng.random_range(0..=span));
            let contact = match self.rng.random_range(0..10) {
                0..7 => agent_phone.clone(),
                7..9 => second_phone.clone(),
                _ => recruit.phone.clone().unwrap_or_default(),
            };
            let (employer, address_abroad) = if self.rng.random_range(0..100) < 30 {
                let jobs: Vec<&(&str, &str)> = pools::VAGUE_JOBS.iter().filter(|(d, _)| *d == destination).collect();
                ("", jobs.choose(&mut self.rng).map_or("", |(_, j)| *j))
            } else {
                ("", "")
            };
            let red = self.rng.random_range(0..100) < 60;
            let notes = self.notes(red);
            let refusal = match self.rng.random_range(0..100) {
                0..18 => Some(("delayed", "diduga akan bekerja secara non-prosedural")),
                18..24 => Some(("refused", "tujuan dan penjamin di luar negeri tidak dapat dijelaskan")),
                _ => None,
            };
            let sponsor_cell = if self.rng.random_range(0..100) < 60 { sponsor.clone() } else { String::new() };
            let (reference, decided) = self.application(&Application {
                applicant: &recruit,
                applied,
                office: pools::HOME_OFFICE,
                purpose,
                destination,
                sponsor: &sponsor_cell,
                employer,
                address_abroad,
                contact_phone: &contact,
                notes,
                refusal,
            })?;
            self.label(&id, "recruiter_network", "application", &reference, "recruit_application")?;
            if refusal.is_some() {
                continue;
            }
            let issued = decided + Duration::days(self.rng.random_range(1..=4));
            if issued > self.as_of {
                continue;
            }
            let doc = self.passport(&recruit, issued, pools::HOME_OFFICE)?;
            self.label(&id, "recruiter_network", "document", &doc.number, "recruit_passport")?;
            group.push(doc.number.clone());
            exited.push((recruit, doc.number));
            // They leave in small groups, escorted on paper by each other.
            if group.len() >= self.rng.random_range(2..=5) {
                let leave = issued + Duration::days(self.rng.random_range(5..25));
                let g = std::mem::take(&mut group);
                self.trip(&g, destination, leave, None)?;
            }
        }
        if !group.is_empty() {
            let leave = ended + Duration::days(self.rng.random_range(5..25));
            self.trip(&group, destination, leave, None)?;
        }
        // Some come back months later on an SPLP after being repatriated; a few apply again.
        for (recruit, passport) in &exited {
            if self.rng.random_range(0..100) < 25 {
                self.repatriation(&id, recruit, passport, destination, ended, &agent_phone)?;
            }
        }
        let region = if desa.len() == 1 { desa[0].code } else { kecamatan };
        let level = if desa.len() == 1 { "desa" } else { "kecamatan" };
        self.pattern(PatternRow {
            id: &id,
            pattern: "recruiter_network",
            expected: "flag",
            region,
            started: Some(started),
            ended: Some(ended),
            size,
            agent_nik: &agent.nik,
            contact_phone: &agent_phone,
            sponsor: &sponsor,
            destination,
            detail: &format!(
                "stated purpose {purpose}; {} desa; {minors_planted} minor(s) presented as adults; {far_planted} from far away",
                desa.len()
            ),
        })?;
        let report_ids = self.network_reports(&id, &desa, &agent, &agent_phone, destination, started)?;
        let first_report = report_ids.first().map(|(_, day)| date(*day)).unwrap_or_default();
        let ids: Vec<&str> = report_ids.iter().map(|(r, _)| r.as_str()).collect();
        self.sink.bursts.row(&[
            &id,
            level,
            region,
            &date(started),
            &date(ended),
            &size.to_string(),
            &first_report,
            &ids.join("|"),
        ])?;
        self.agent_watchlist(&id, &agent, started)?;
        Ok(())
    }

    /// A minor (15–17) with a genuine identity in a household, and a second, adult identity
    /// (older birth date, new NIK, altered spelling) used for the network's application.
    fn minor_as_adult(&mut self, network: &str, village: &'static Region, sex: Sex, t: Tradition) -> Result<Person> {
        let id = self.pattern_id("MIN");
        let parent_age = self.rng.random_range(36..=52);
        let parent_name = names::full_name(&mut self.rng, Sex::Male, t, parent_age, None, "Ong");
        let parent_born = self.born_at_age(parent_age);
        self.household_address = Some(residence::address(&mut self.rng, village));
        let parent = self.person(parent_name, Sex::Male, parent_born, Some(village), None, true)?;
        let age = self.rng.random_range(15..=17);
        let name = names::full_name(&mut self.rng, sex, t, age, Some(&parent.name), "Ong");
        let born = self.born_at_age(age);
        let genuine = self.person(name.clone(), sex, born, Some(village), None, false)?;
        self.household_address = None;
        let adult_age = self.rng.random_range(19..=22);
        let adult_born = self.born_at_age(adult_age);
        let adult_name = names::spelling_variant(&mut self.rng, &name);
        let adult = self.person(adult_name, sex, adult_born, Some(village), None, true)?;
        self.sink.pairs.row(&[
            &id,
            "minor_as_adult",
            &genuine.nik,
            &adult.nik,
            &genuine.name,
            &adult.name,
            &date(genuine.born),
            &date(adult.born),
            "",
            "",
        ])?;
        self.pattern(PatternRow {
            id: &id,
            pattern: "minor_as_adult",
            expected: "flag",
            region: village.code,
            size: 2,
            detail: &format!("recruited by {network}; real age {age}"),
            ..PatternRow::default()
        })?;
        self.label(&id, "minor_as_adult", "person", &genuine.nik, "genuine_minor")?;
        self.label(&id, "minor_as_adult", "person", &adult.nik, "adult_identity")?;
        Ok(adult)
    }

    /// A recruit comes home on an SPLP from the embassy; the original passport is recorded lost
    /// (kept by the agent abroad). Four in ten apply for a new passport and leave again.
    fn repatriation(
        &mut self,
        network: &str,
        recruit: &Person,
        passport: &str,
        destination: &str,
        after: NaiveDate,
        agent_phone: &str,
    ) -> Result<()> {
        let back = after + Duration::days(self.rng.random_range(60..300));
        if back > self.as_of {
            return Ok(());
        }
        let id = self.pattern_id("RET");
        let issued = back - Duration::days(self.rng.random_range(3..20));
        let number = self.documents.splp();
        let (surname, given) = names::passport_parts(&recruit.name);
        self.sink.documents.row(&[
            "splp",
            &number,
            "IDN",
            &recruit.nik,
            surname,
            given,
            pools::splp_office(destination),
            &date(issued),
            &date(issued + Duration::days(30)),
            "valid",
            "",
            "",
        ])?;
        let gateway = if destination == "MYS" && self.rng.random_bool(0.4) { "DUM" } else { "CGK" };
        let at = at_local(back, self.rng.random_range(6..22), self.rng.random_range(0..60));
        let leg = Leg { direction: "entry", gateway, carrier: "", voyage: String::new() };
        self.crossing(&leg, at, &number, "")?;
        self.label(&id, "splp_repatriation", "person", &recruit.nik, "returnee")?;
        self.label(&id, "splp_repatriation", "document", &number, "splp")?;
        let mut detail = format!("returned on SPLP from {destination}; first passport {passport} held abroad");
        if self.rng.random_range(0..100) < 40 {
            let applied = back + Duration::days(self.rng.random_range(30..240));
            if applied <= self.as_of {
                let notes = self.notes(true);
                let (reference, decided) = self.application(&Application {
                    applicant: recruit,
                    applied,
                    office: pools::HOME_OFFICE,
                    purpose: "tourism",
                    destination,
                    sponsor: "",
                    employer: "",
                    address_abroad: "",
                    contact_phone: agent_phone,
                    notes,
                    refusal: None,
                })?;
                self.label(&id, "splp_repatriation", "application", &reference, "repeat_application")?;
                let issued = decided + Duration::days(2);
                if issued <= self.as_of {
                    let doc = self.passport(recruit, issued, pools::HOME_OFFICE)?;
                    let leave = issued + Duration::days(self.rng.random_range(7..30));
                    self.trip(std::slice::from_ref(&doc.number), destination, leave, None)?;
                }
                detail.push_str("; applied again");
            }
        }
        self.pattern(PatternRow {
            id: &id,
            pattern: "splp_repatriation",
            expected: "flag",
            region: recruit.village.map_or("", |v| v.code),
            started: Some(back),
            ended: Some(back),
            size: 1,
            destination,
            detail: &format!("{detail}; network {network}"),
            ..PatternRow::default()
        })?;
        Ok(())
    }

    /// Public tip reports about a network, arriving two to ten weeks after its burst began.
    fn network_reports(
        &mut self,
        network: &str,
        desa: &[&'static Region],
        agent: &Person,
        agent_phone: &str,
        destination: &str,
        started: NaiveDate,
    ) -> Result<Vec<(String, NaiveDate)>> {
        let count = self.rng.random_range(1..=4);
        let mut out = Vec::new();
        let mut lag = self.rng.random_range(14..=70);
        for _ in 0..count {
            let day = started + Duration::days(lag);
            if day > self.as_of {
                break;
            }
            let village = desa[self.rng.random_range(0..desa.len())];
            let name = if self.rng.random_range(0..100) < 35 {
                Some(if self.rng.random_bool(0.5) {
                    agent.name.clone()
                } else {
                    names::spelling_variant(&mut self.rng, &agent.name)
                })
            } else {
                None
            };
            let phone = (self.rng.random_range(0..100) < 40).then(|| agent_phone.to_owned());
            let text = tip_text(&mut self.rng, village, name.as_deref(), phone.as_deref(), destination);
            let report_id = self.report(day, village, &text, name.as_deref(), phone.as_deref())?;
            self.sink.report_truth.row(&[&report_id, network, &lag.to_string()])?;
            out.push((report_id, day));
            lag += self.rng.random_range(3..=21);
        }
        Ok(out)
    }

    fn report(
        &mut self,
        day: NaiveDate,
        village: &Region,
        text: &str,
        name: Option<&str>,
        phone: Option<&str>,
    ) -> Result<String> {
        self.reports += 1;
        let id = format!("LAP-{:07}", self.reports);
        let channel = ["web", "whatsapp", "hotline", "walk_in"][self.rng.random_range(0..4)];
        let anonymous = self.rng.random_range(0..100) < 55;
        let mut object = serde_json::json!({
            "id": id,
            "received_at": stamp(at_local(day, self.rng.random_range(7..22), self.rng.random_range(0..60))),
            "channel": channel,
            "anonymous": anonymous,
            "region_code": village.code,
            "text": text,
        });
        if let Some(map) = object.as_object_mut() {
            if let Some(name) = name {
                map.insert("mentioned_name".into(), name.into());
            }
            if let Some(phone) = phone {
                map.insert("mentioned_phone".into(), phone.into());
            }
            if !anonymous {
                map.insert("reporter_phone".into(), self.phones.fresh(&mut self.rng).into());
            }
        }
        self.sink.reports.json_line(&object)?;
        Ok(id)
    }

    /// A report that is not about any planted network (rumours, ads, misunderstandings).
    fn noise_report(&mut self) -> Result<()> {
        let village = self.residence.pick_central(&mut self.rng);
        let day = self.day_in_window();
        let texts = [
            "Ada lowongan kerja ke Malaysia di grup Facebook desa, gajinya terlalu tinggi, mohon dicek.",
            "Tetangga berangkat umroh tapi belum pulang, keluarga khawatir.",
            "Ada brosur kerja di luar negeri tanpa alamat kantor yang jelas.",
            "Saya ragu dengan agen perjalanan yang menawarkan paket wisata murah ke Singapura.",
            "Mohon informasi cara melapor diri sebelum bekerja ke Korea.",
        ];
        let text = texts[self.rng.random_range(0..texts.len())];
        let id = self.report(day, village, text, None, None)?;
        self.sink.report_truth.row(&[&id, "", ""])?;
        Ok(())
    }

    /// Watchlist entries for a network's agent: a person of interest under a spelling variant,
    /// sometimes an exit ban.
    fn agent_watchlist(&mut self, network: &str, agent: &Person, started: NaiveDate) -> Result<()> {
        if self.rng.random_range(0..100) >= 55 {
            return Ok(());
        }
        let listed = (started + Duration::days(self.rng.random_range(60..200))).min(self.as_of);
        let variant = names::spelling_variant(&mut self.rng, &agent.name);
        let (name, aliases, matched) = match self.rng.random_range(0..10) {
            0..5 => (variant, String::new(), "variant"),
            5..8 => (variant, names::nickname(&mut self.rng, &agent.name), "variant"),
            _ => (agent.name.clone(), String::new(), "exact"),
        };
        let born = if self.rng.random_bool(0.6) { agent.born.year().to_string() } else { date(agent.born) };
        let nik = if self.rng.random_range(0..100) < 30 { agent.nik.as_str() } else { "" };
        let (category, basis, until) = if self.rng.random_range(0..100) < 25 {
            self.watch += 1;
            (
                "pencegahan",
                format!("UU 6/2011 Pasal 97; permintaan Polda Bengkulu No. B/{}/{}", 100 + self.watch, listed.year()),
                Some(listed + Duration::days(180)),
            )
        } else {
            (
                "person_of_interest",
                "UU 6/2011 Pasal 66 (pengawasan keimigrasian); laporan intelijen".to_owned(),
                Some(listed + Duration::days(730)),
            )
        };
        self.watch += 1;
        let id = format!("WL-{:06}", self.watch);
        let sex = agent.sex.code();
        self.sink.watchlist.row(&[
            &id,
            category,
            &name,
            &aliases,
            &born,
            sex,
            "IDN",
            "",
            &basis,
            &date(listed),
            &until.map(date).unwrap_or_default(),
            nik,
            "Seksi Intelijen dan Penindakan Keimigrasian",
        ])?;
        self.sink.watch_truth.row(&[&id, &agent.nik, matched, network])?;
        Ok(())
    }

    /// Entry bans and INTERPOL notices for foreign recruiters: nobody in the population.
    fn foreign_watchlist(&mut self) -> Result<()> {
        for (i, (name, nationality)) in pools::FOREIGN_NAMES.iter().enumerate() {
            self.watch += 1;
            let id = format!("WL-{:06}", self.watch);
            let listed = self.day_in_window();
            let (category, basis, until) = if i % 3 == 0 {
                ("interpol_notice", format!("INTERPOL Red Notice A-{}/{}", 1000 + i * 37, listed.year()), String::new())
            } else {
                (
                    "penangkalan",
                    format!(
                        "UU 6/2011 Pasal 102; Keputusan Dirjen Imigrasi No. IMI-{}.GR.01.02/{}",
                        400 + i,
                        listed.year()
                    ),
                    date(listed + Duration::days(3_650)),
                )
            };
            let born = (1965 + (i as i32 * 7) % 30).to_string();
            let document = format!("{}{:07}", &nationality[..1], 1_000_000 + i * 7_919);
            self.sink.watchlist.row(&[
                &id,
                category,
                name,
                "",
                &born,
                "M",
                nationality,
                &document,
                &basis,
                &date(listed),
                &until,
                "",
                "Direktorat Jenderal Imigrasi",
            ])?;
            self.sink.watch_truth.row(&[&id, "", "none", ""])?;
        }
        Ok(())
    }

    /// One person holding two identities: altered name spelling, a shifted date of birth and a
    /// different NIK and passport. The second identity is usually made after trouble with the
    /// first (a refusal, or a passport still valid that they cannot use).
    fn identity_fraud(&mut self) -> Result<()> {
        let id = self.pattern_id("IDF");
        let village = self.residence.pick(&mut self.rng);
        let sex = if self.rng.random_range(0..100) < 65 { Sex::Female } else { Sex::Male };
        let age = self.rng.random_range(20..=45);
        let t = names::tradition(&mut self.rng);
        let name = names::full_name(&mut self.rng, sex, t, age, None, "Liem");
        let born = self.born_at_age(age);
        let a = self.person(name.clone(), sex, born, Some(village), None, true)?;
        let first_applied = self.start + Duration::days(self.rng.random_range(0..WINDOW_DAYS - 200));
        let destination = ["MYS", "SAU", "KHM", "ARE", "HKG"][self.rng.random_range(0..5)];
        let refused = self.rng.random_bool(0.5);
        let notes = self.notes(refused);
        let contact = a.phone.clone().unwrap_or_default();
        let (ref_a, decided) = self.application(&Application {
            applicant: &a,
            applied: first_applied,
            office: pools::HOME_OFFICE,
            purpose: "tourism",
            destination,
            sponsor: "",
            employer: "",
            address_abroad: "",
            contact_phone: &contact,
            notes,
            refusal: refused.then_some(("delayed", "diduga akan bekerja secara non-prosedural")),
        })?;
        self.label(&id, "identity_fraud", "application", &ref_a, "first_identity_application")?;
        let doc_a = if refused {
            String::new()
        } else {
            let doc = self.passport(&a, decided + Duration::days(2), pools::HOME_OFFICE)?;
            doc.number
        };
        // The second identity.
        let shift = match self.rng.random_range(0..3) {
            0 => self.rng.random_range(1..=40),
            1 => 365 * self.rng.random_range(1..=3),
            _ => self.rng.random_range(-400..=400),
        };
        let born_b = born + Duration::days(if shift == 0 { 7 } else { shift });
        let name_b = names::spelling_variant(&mut self.rng, &name);
        let village_b = if self.rng.random_bool(0.5) { village } else { self.residence.pick(&mut self.rng) };
        let far_office = self.rng.random_range(0..100) < 30;
        let b = self.person(name_b, sex, born_b, Some(village_b), None, true)?;
        let applied_b = (first_applied + Duration::days(self.rng.random_range(30..200))).min(self.as_of);
        // Sometimes the same phone betrays the link.
        let contact_b =
            if self.rng.random_range(0..100) < 30 { contact.clone() } else { b.phone.clone().unwrap_or_default() };
        let office = if far_office {
            pools::FAR_OFFICES.choose(&mut self.rng).copied().unwrap_or("Kanim Bekasi")
        } else {
            pools::HOME_OFFICE
        };
        let notes = self.notes(false);
        let (ref_b, decided_b) = self.application(&Application {
            applicant: &b,
            applied: applied_b,
            office,
            purpose: "tourism",
            destination,
            sponsor: "",
            employer: "",
            address_abroad: "",
            contact_phone: &contact_b,
            notes,
            refusal: None,
        })?;
        let issued_b = decided_b + Duration::days(2);
        let doc_b = if issued_b <= self.as_of {
            let doc = self.passport(&b, issued_b, office)?;
            let leave = issued_b + Duration::days(self.rng.random_range(5..40));
            self.trip(std::slice::from_ref(&doc.number), destination, leave, None)?;
            doc.number
        } else {
            String::new()
        };
        self.sink.pairs.row(&[
            &id,
            "identity_fraud",
            &a.nik,
            &b.nik,
            &a.name,
            &b.name,
            &date(a.born),
            &date(b.born),
            &doc_a,
            &doc_b,
        ])?;
        self.pattern(PatternRow {
            id: &id,
            pattern: "identity_fraud",
            expected: "flag",
            region: village.code,
            started: Some(first_applied),
            ended: Some(applied_b),
            size: 2,
            contact_phone: if contact_b == contact { &contact } else { "" },
            destination,
            detail: &format!(
                "second identity applied at {office}{}",
                if refused { " after the first was delayed" } else { " while the first passport was valid" }
            ),
            ..PatternRow::default()
        })?;
        self.label(&id, "identity_fraud", "person", &a.nik, "identity_a")?;
        self.label(&id, "identity_fraud", "person", &b.nik, "identity_b")?;
        self.label(&id, "identity_fraud", "application", &ref_b, "second_identity_application")?;
        if far_office {
            let far_id = self.pattern_id("FAR");
            self.pattern(PatternRow {
                id: &far_id,
                pattern: "far_from_domicile",
                expected: "flag",
                region: village_b.code,
                started: Some(applied_b),
                ended: Some(applied_b),
                size: 1,
                destination,
                detail: &format!("Bengkulu KTP, application at {office}"),
                ..PatternRow::default()
            })?;
            self.label(&far_id, "far_from_domicile", "application", &ref_b, "applicant")?;
        }
        Ok(())
    }

    /// A legitimate look-alike: a licensed agency's umrah group, many applicants with one
    /// contact phone within weeks, but older, in families, from many kecamatan, and back on time.
    fn umrah_group(&mut self, left: u64) -> Result<()> {
        let id = self.pattern_id("UMR");
        let agency = pools::UMRAH_AGENCIES.choose(&mut self.rng).copied().unwrap_or("PT Amanah Wisata Rafflesia");
        let agency_phone = self.phones.fresh(&mut self.rng);
        let size = (self.rng.random_range(20..=45) as u64).min(left);
        let started = self.seasonal_day("umrah").min(self.as_of - Duration::days(60));
        let mut documents = Vec::new();
        let mut count = 0;
        while count < size {
            let village = self.residence.pick(&mut self.rng);
            let t = if self.rng.random_bool(0.5) { Tradition::Arabic } else { Tradition::Local };
            let couple = count + 2 <= size && self.rng.random_bool(0.6);
            let age = self.rng.random_range(35..=75);
            let mut party = Vec::new();
            let name = names::full_name(&mut self.rng, Sex::Male, t, age, None, "Tan");
            let born = self.born_at_age(age);
            self.household_address = Some(residence::address(&mut self.rng, village));
            party.push(self.person(name, Sex::Male, born, Some(village), None, true)?);
            if couple {
                let wife_age = (age - self.rng.random_range(0..=6)).max(30);
                let name = names::full_name(&mut self.rng, Sex::Female, t, wife_age, None, "Tan");
                let born = self.born_at_age(wife_age);
                party.push(self.person(name, Sex::Female, born, Some(village), None, true)?);
            }
            self.household_address = None;
            count += party.len() as u64;
            for pilgrim in &party {
                let applied = started + Duration::days(self.rng.random_range(0..=30));
                let notes = self.notes(false);
                let (reference, decided) = self.application(&Application {
                    applicant: pilgrim,
                    applied,
                    office: pools::HOME_OFFICE,
                    purpose: "umrah",
                    destination: "SAU",
                    sponsor: agency,
                    employer: "",
                    address_abroad: "Hotel dekat Masjidil Haram, Makkah",
                    contact_phone: &agency_phone,
                    notes,
                    refusal: None,
                })?;
                self.label(&id, "licensed_umrah_group", "application", &reference, "pilgrim")?;
                let doc = self.passport(pilgrim, decided + Duration::days(2), pools::HOME_OFFICE)?;
                documents.push(doc.number);
            }
        }
        let leave = started + Duration::days(self.rng.random_range(45..60));
        let days = self.rng.random_range(9..=12);
        self.trip(&documents, "SAU", leave, Some(days))?;
        self.pattern(PatternRow {
            id: &id,
            pattern: "licensed_umrah_group",
            expected: "clear",
            started: Some(started),
            ended: Some(started + Duration::days(30)),
            size,
            contact_phone: &agency_phone,
            sponsor: agency,
            destination: "SAU",
            detail: "licensed PPIU group: one contact phone, many applicants, but older pilgrims in families who return on time",
            ..PatternRow::default()
        })?;
        Ok(())
    }
}

fn companions_of(documents: &[String], i: usize) -> String {
    // At most five companions are listed: a large group lists its nearest members.
    documents
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i && j.abs_diff(i) <= 3)
        .map(|(_, d)| d.as_str())
        .collect::<Vec<_>>()
        .join("|")
}

fn office_code(office: &str) -> &'static str {
    match office {
        "Kanim Bengkulu" => "BKL",
        "Kanim Bekasi" => "BKS",
        "Kanim Jakarta Selatan" => "JKS",
        "Kanim Batam" => "BTM",
        "Kanim Medan" => "MDN",
        _ => "OTH",
    }
}

fn country_name(code: &str) -> &'static str {
    match code {
        "KHM" => "Kamboja",
        "MMR" => "Myanmar",
        "MYS" => "Malaysia",
        "SAU" => "Arab Saudi",
        "ARE" => "Dubai",
        "THA" => "Thailand",
        _ => "luar negeri",
    }
}

/// A tip in the words people use.
fn tip_text(rng: &mut Rng, village: &Region, name: Option<&str>, phone: Option<&str>, destination: &str) -> String {
    let country = country_name(destination);
    let kind = if village.is_kelurahan() { "Kelurahan" } else { "Desa" };
    let salary = rng.random_range(8..=25);
    let mut text = match rng.random_range(0..4) {
        0 => format!(
            "Banyak anak muda dari {kind} {} diajak kerja ke {country} dengan gaji {salary} juta per bulan, katanya cukup pakai paspor wisata.",
            village.name
        ),
        1 => format!(
            "Sejak beberapa minggu ini ada yang merekrut warga {kind} {} untuk berangkat ke {country}. Keluarga tidak tahu alamat tempat kerjanya.",
            village.name
        ),
        2 => format!(
            "Anak tetangga kami dari {kind} {} sudah berangkat ke {country} lewat sponsor, sekarang tidak bisa dihubungi dan paspornya ditahan.",
            village.name
        ),
        _ => format!(
            "Ada sponsor yang mengumpulkan KTP dan KK warga {kind} {} untuk dibuatkan paspor umroh/wisata, padahal mau dipekerjakan di {country}.",
            village.name
        ),
    };
    if let Some(name) = name {
        text.push_str(&format!(" Orangnya bernama {name}."));
    }
    if let Some(phone) = phone {
        let national = phone.strip_prefix("+62").map_or(phone.to_owned(), |rest| format!("0{rest}"));
        text.push_str(&format!(" Nomor yang dipakai {national}."));
    }
    text
}
