//! What the detectors look across: persons, their documents and applications, indexed by the
//! keys patterns share (contact phone, sponsor, desa). Built from domain records, from import
//! files or from the store, and held in memory.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use waspada_domain::{PassportApplication, Person, Sex, TravelDocument};
use waspada_screen::{BirthDate, Entry, Index};

/// A person, as the detectors need them.
#[derive(Debug, Clone)]
pub struct PersonFacts {
    pub nik: String,
    pub name: String,
    pub born: Option<NaiveDate>,
    pub birth_year: i32,
    pub female: bool,
    pub region: Option<String>,
    pub phones: Vec<String>,
    /// The address folded for comparison (members of one household share it).
    pub address: Option<String>,
    pub applications: Vec<u32>,
    pub documents: Vec<DocumentFacts>,
}

/// A document, as the detectors need it.
#[derive(Debug, Clone)]
pub struct DocumentFacts {
    pub kind: String,
    pub number: String,
    pub status: String,
    pub status_at: Option<NaiveDate>,
    pub office: Option<String>,
    pub issued: NaiveDate,
    pub expiry: NaiveDate,
}

/// An application, as the detectors need it.
#[derive(Debug, Clone)]
pub struct ApplicationFacts {
    pub reference: String,
    pub person: u32,
    pub applied: NaiveDate,
    pub office: String,
    pub purpose: String,
    pub destination: String,
    pub sponsor: Option<String>,
    pub employer: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    /// `delayed` or `refused` with the decision day; issued applications keep `None`.
    pub setback: Option<(String, NaiveDate)>,
}

/// Folds a sponsor's name so that spelling and punctuation do not split one sponsor in two.
pub fn normalise_sponsor(name: &str) -> String {
    name.to_uppercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

fn name_entry(p: &PersonFacts) -> Entry {
    Entry {
        id: p.nik.clone(),
        names: vec![p.name.clone()],
        date_of_birth: Some(BirthDate {
            year: p.birth_year,
            month: p.born.map(|d| d.month()),
            day: p.born.map(|d| d.day()),
        }),
        sex: Some(if p.female { 'F' } else { 'M' }),
        nationality: None,
        document_number: None,
    }
}

/// Everything, indexed.
#[derive(Default)]
pub struct Facts {
    pub persons: Vec<PersonFacts>,
    pub by_nik: HashMap<String, u32>,
    pub applications: Vec<ApplicationFacts>,
    pub by_reference: HashMap<String, u32>,
    /// Application ids by contact phone, sponsor and applicant's desa, sorted by date.
    pub by_phone: HashMap<String, Vec<u32>>,
    pub by_sponsor: HashMap<String, Vec<u32>>,
    pub by_desa: HashMap<String, Vec<u32>>,
    /// Person ids by their own phones.
    pub phone_owners: HashMap<String, Vec<u32>>,
    /// Person ids by (folded) address: a household.
    pub households: HashMap<String, Vec<u32>>,
    /// Holder by document number.
    pub by_document: HashMap<String, u32>,
    /// Persons' names, for possible second identities.
    pub names: Option<Index>,
    sorted: bool,
}

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    /// Adds (or replaces) a person.
    pub fn add_person(&mut self, person: &Person) {
        let nik = person.nik.as_str().to_owned();
        let facts = PersonFacts {
            nik: nik.clone(),
            name: person.full_name.as_str().to_owned(),
            born: person.date_of_birth.to_date(),
            birth_year: person.date_of_birth.year(),
            female: person.sex == Sex::Female,
            region: person.region_code.clone(),
            phones: person.phones.iter().map(|p| p.as_str().to_owned()).collect(),
            address: person.address.as_deref().map(normalise_sponsor).filter(|a| !a.is_empty()),
            applications: Vec::new(),
            documents: Vec::new(),
        };
        let id = match self.by_nik.get(&nik) {
            Some(&id) => {
                let old = std::mem::replace(&mut self.persons[id as usize], facts);
                self.persons[id as usize].applications = old.applications;
                self.persons[id as usize].documents = old.documents;
                id
            }
            None => {
                let id = u32::try_from(self.persons.len()).unwrap_or(u32::MAX);
                self.persons.push(facts);
                self.by_nik.insert(nik, id);
                id
            }
        };
        if let Some(address) = self.persons[id as usize].address.clone() {
            let members = self.households.entry(address).or_default();
            if !members.contains(&id) {
                members.push(id);
            }
        }
        for phone in &person.phones {
            let owners = self.phone_owners.entry(phone.as_str().to_owned()).or_default();
            if !owners.contains(&id) {
                owners.push(id);
            }
        }
        // Once built, the name index grows with each new person (a changed name is added as
        // another spelling of the same NIK, which screening treats alike).
        if let Some(index) = &mut self.names {
            let p = &self.persons[id as usize];
            let _ = index.insert(name_entry(p));
        }
    }

    /// Adds a document to its holder (documents without a stored holder are ignored).
    pub fn add_document(&mut self, document: &TravelDocument) {
        let Some(holder) = document.holder_nik.as_ref().and_then(|n| self.by_nik.get(n.as_str())).copied() else {
            return;
        };
        let facts = DocumentFacts {
            kind: document.kind.code().to_owned(),
            number: document.number.as_str().to_owned(),
            status: document.status.code().to_owned(),
            status_at: document.status.detail().map(|(_, at)| at.date_naive()),
            office: document.issuing_office.clone(),
            issued: document.issue_date,
            expiry: document.expiry_date,
        };
        self.by_document.insert(facts.number.clone(), holder);
        let docs = &mut self.persons[holder as usize].documents;
        match docs.iter_mut().find(|d| d.number == facts.number) {
            Some(existing) => *existing = facts,
            None => docs.push(facts),
        }
    }

    /// Adds an application (its applicant must have been added).
    pub fn add_application(&mut self, application: &PassportApplication) -> Option<u32> {
        let person = *self.by_nik.get(application.applicant_nik.as_str())?;
        let facts = ApplicationFacts {
            reference: application.reference.clone(),
            person,
            applied: application.applied_on,
            office: application.office.clone(),
            purpose: application.purpose.code().to_owned(),
            destination: application.destination.as_str().to_owned(),
            sponsor: application.sponsor.clone().filter(|s| !s.trim().is_empty()),
            employer: application.employer.clone().filter(|s| !s.trim().is_empty()),
            phone: application.contact_phone.as_ref().map(|p| p.as_str().to_owned()),
            notes: application.interview_notes.clone(),
            setback: application
                .decision
                .as_ref()
                .filter(|d| d.outcome.code() != "issued")
                .map(|d| (d.outcome.code().to_owned(), d.decided_at.date_naive())),
        };
        if self.by_reference.contains_key(&facts.reference) {
            // Replacing an application in place would need its old keys; re-imports are rare here.
            return self.by_reference.get(&facts.reference).copied();
        }
        let id = u32::try_from(self.applications.len()).unwrap_or(u32::MAX);
        let applied = facts.applied;
        let phone = facts.phone.clone();
        let sponsor = facts.sponsor.as_deref().map(normalise_sponsor);
        let region = self.persons[person as usize].region.clone().filter(|r| r.len() == 10);
        self.persons[person as usize].applications.push(id);
        self.by_reference.insert(facts.reference.clone(), id);
        self.applications.push(facts);
        // Lists stay sorted by date: bulk loads append in any order and sort once in `finish`;
        // after that each new application is put in its place.
        let bulk = !self.sorted;
        let apps = &self.applications;
        let place = |list: &mut Vec<u32>| {
            if bulk {
                list.push(id);
            } else {
                let at = list.partition_point(|&other| (apps[other as usize].applied, other) < (applied, id));
                list.insert(at, id);
            }
        };
        if let Some(phone) = phone {
            place(self.by_phone.entry(phone).or_default());
        }
        if let Some(sponsor) = sponsor {
            place(self.by_sponsor.entry(sponsor).or_default());
        }
        if let Some(region) = region {
            place(self.by_desa.entry(region).or_default());
        }
        Some(id)
    }

    /// Sorts the indexes by date and builds the name index; call after adding.
    pub fn finish(&mut self) {
        if !self.sorted {
            let apps = &self.applications;
            for list in self.by_phone.values_mut().chain(self.by_sponsor.values_mut()).chain(self.by_desa.values_mut())
            {
                list.sort_by_key(|&id| (apps[id as usize].applied, id));
            }
            self.sorted = true;
        }
        if self.names.is_none() {
            self.names = Some(Index::build(self.persons.iter().map(name_entry)).0);
        }
    }

    /// Applications in `list` whose date is within `[from, to]` (the list is sorted by date).
    pub fn in_window<'a>(&'a self, list: &'a [u32], from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = u32> + 'a {
        let start = list.partition_point(|&id| self.applications[id as usize].applied < from);
        list[start..].iter().copied().take_while(move |&id| self.applications[id as usize].applied <= to)
    }
}
