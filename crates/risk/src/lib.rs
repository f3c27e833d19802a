//! Trafficking indicators and pattern detectors, combined into an explained recommendation.
//!
//! [`Policy`] is data (`policy/indicators.toml`): which indicators are in force, their weights,
//! legal bases, texts and parameters. [`Facts`] holds the records detectors look across.
//! [`assess_application`] and [`assess_person`] run every detector in force and return an
//! [`Assessment`]: a score, a recommendation (proceed, secondary interview, supervisor review)
//! and findings, each with its reason, evidence, legal basis and the day its flag expires.
//!
//! The recommendation is advice. Refusing or delaying is a decision an officer records, with
//! their name, reason and legal basis. Possible-victim and suspect findings stay separate.

pub mod facts;
pub mod policy;

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

pub use facts::{ApplicationFacts, Facts, PersonFacts};
pub use policy::{Indicator, Policy, PolicyError, Subject};

/// What the officer is advised to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    /// Nothing stands out.
    Proceed,
    /// Ask more in a second interview.
    SecondaryInterview,
    /// A supervisor should review before any decision.
    SupervisorReview,
}

/// One indicator that applies.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: String,
    pub subject: Subject,
    pub weight: f32,
    pub text_id: String,
    pub text_en: String,
    pub legal_basis: String,
    /// Records the finding rests on (`application:…`, `document:…`, `person:…`).
    pub evidence: Vec<String>,
    /// The flag is to be re-examined after this day.
    pub valid_until: NaiveDate,
}

/// The result of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// 0..1, from the policy's weights (see `policy/indicators.toml`).
    pub score: f32,
    pub recommendation: Recommendation,
    pub findings: Vec<Finding>,
    pub policy_version: String,
}

fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

struct Collector<'p> {
    policy: &'p Policy,
    day: NaiveDate,
    findings: Vec<Finding>,
}

impl Collector<'_> {
    fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.policy.get(code, self.day)
    }

    fn raise(&mut self, code: &str, values: &[(&str, String)], evidence: Vec<String>) {
        let Some(indicator) = self.policy.get(code, self.day) else { return };
        if self.findings.iter().any(|f| f.code == code) {
            return;
        }
        self.findings.push(Finding {
            code: code.to_owned(),
            subject: indicator.subject,
            weight: indicator.weight,
            text_id: fill(&indicator.text_id, values),
            text_en: fill(&indicator.text_en, values),
            legal_basis: indicator.legal_basis.clone(),
            evidence,
            valid_until: self.day + Duration::days(i64::from(indicator.flag_valid_days)),
        });
    }

    fn finish(mut self) -> Assessment {
        let sum: f32 = self.findings.iter().map(|f| f.weight).sum();
        let score = 1.0 / (1.0 + (-(self.policy.scale * sum + self.policy.bias)).exp());
        let recommendation = if score >= self.policy.supervisor_at {
            Recommendation::SupervisorReview
        } else if score >= self.policy.interview_at {
            Recommendation::SecondaryInterview
        } else {
            Recommendation::Proceed
        };
        self.findings.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        Assessment { score, recommendation, findings: self.findings, policy_version: self.policy.version.clone() }
    }
}

fn age_on(born: Option<NaiveDate>, birth_year: i32, day: NaiveDate) -> i32 {
    match born {
        Some(b) => {
            let mut age = day.year() - b.year();
            if (day.month(), day.day()) < (b.month(), b.day()) {
                age -= 1;
            }
            age
        }
        None => day.year() - birth_year,
    }
}

/// Distinct applicants among application ids.
fn distinct_persons(facts: &Facts, ids: impl Iterator<Item = u32>) -> (usize, Vec<u32>) {
    let mut persons = HashSet::new();
    let mut apps = Vec::new();
    for id in ids {
        if persons.insert(facts.applications[id as usize].person) {
            apps.push(id);
        }
    }
    (persons.len(), apps)
}

fn evidence_apps(facts: &Facts, ids: &[u32], limit: usize) -> Vec<String> {
    ids.iter().take(limit).map(|&id| format!("application:{}", facts.applications[id as usize].reference)).collect()
}

/// Checks one application (already in `facts`) as of its application day.
pub fn assess_application(policy: &Policy, facts: &Facts, application: u32) -> Option<Assessment> {
    let app = facts.applications.get(application as usize)?;
    let person = facts.persons.get(app.person as usize)?;
    let day = app.applied;
    let mut c = Collector { policy, day, findings: Vec::new() };
    let own = format!("application:{}", app.reference);

    // A licensed agency's group: its one phone on many applications is expected.
    let licensed = c.indicator("shared_sponsor").is_some_and(|i| {
        app.sponsor.as_deref().is_some_and(|s| {
            let s = facts::normalise_sponsor(s);
            i.licensed_sponsors.iter().any(|l| facts::normalise_sponsor(l) == s)
        })
    });
    if licensed {
        let sponsor = app.sponsor.clone().unwrap_or_default();
        c.raise("licensed_group", &[("sponsor", sponsor)], vec![own.clone()]);
    }

    if !licensed
        && let Some(i) = c.indicator("shared_contact_phone")
        && let Some(phone) = &app.phone
        && !person.phones.contains(phone)
    {
        let window = i.window_days.unwrap_or(60);
        let min = i.min_applicants.unwrap_or(5);
        if let Some(list) = facts.by_phone.get(phone) {
            let (count, apps) = distinct_persons(
                facts,
                facts.in_window(list, day - Duration::days(window), day + Duration::days(window)),
            );
            if count >= min {
                let mut evidence = evidence_apps(facts, &apps, 10);
                if let Some(owners) = facts.phone_owners.get(phone) {
                    evidence.extend(
                        owners.iter().map(|&p| format!("person:{} (phone owner)", facts.persons[p as usize].nik)),
                    );
                }
                c.raise(
                    "shared_contact_phone",
                    &[("count", count.to_string()), ("window", window.to_string())],
                    evidence,
                );
            }
        }
    }

    if !licensed
        && let Some(i) = c.indicator("shared_sponsor")
        && let Some(sponsor) = &app.sponsor
    {
        let window = i.window_days.unwrap_or(60);
        let min = i.min_applicants.unwrap_or(5);
        if let Some(list) = facts.by_sponsor.get(&facts::normalise_sponsor(sponsor)) {
            let (count, apps) = distinct_persons(
                facts,
                facts.in_window(list, day - Duration::days(window), day + Duration::days(window)),
            );
            if count >= min {
                c.raise(
                    "shared_sponsor",
                    &[("sponsor", sponsor.clone()), ("count", count.to_string()), ("window", window.to_string())],
                    evidence_apps(facts, &apps, 10),
                );
            }
        }
    }

    if let Some(i) = c.indicator("desa_burst")
        && let Some(region) = person.region.as_ref().filter(|r| r.len() == 10)
        && let Some(list) = facts.by_desa.get(region)
    {
        let window = i.window_days.unwrap_or(28);
        let recent = facts.in_window(list, day - Duration::days(window), day).count();
        let before =
            facts.in_window(list, day - Duration::days(365 + window), day - Duration::days(window + 1)).count();
        let baseline = before as f32 * window as f32 / 365.0;
        if recent >= i.min_applications.unwrap_or(6)
            && recent as f32 >= i.baseline_factor.unwrap_or(4.0) * baseline.max(0.5)
        {
            let name =
                waspada_nik::regions::lookup(region).map_or(region.clone(), |r| format!("{} ({region})", r.name));
            c.raise(
                "desa_burst",
                &[
                    ("region", name),
                    ("count", recent.to_string()),
                    ("window", window.to_string()),
                    ("baseline", format!("{baseline:.1}")),
                ],
                vec![format!("region:{region}")],
            );
        }
    }

    if let Some(i) = c.indicator("far_from_domicile") {
        let province = &person.nik[..2];
        let home_province = i.service_provinces.iter().any(|p| p == province);
        let home_office = i.home_offices.iter().any(|o| o == &app.office);
        let detail = if !home_province && home_office {
            let regency = waspada_nik::regions::lookup(&person.nik[..4])
                .map_or(person.nik[..4].to_owned(), |r| r.name.to_owned());
            Some(format!("KTP {regency}, {}", app.office))
        } else if home_province && !home_office {
            Some(format!("KTP Bengkulu, {}", app.office))
        } else {
            None
        };
        if let Some(detail) = detail {
            c.raise("far_from_domicile", &[("detail", detail)], vec![own.clone(), format!("person:{}", person.nik)]);
        }
    }

    if let Some(i) = c.indicator("valid_passport_held") {
        let margin = Duration::days(i.min_remaining_days.unwrap_or(180));
        if let Some(doc) = person.documents.iter().find(|d| {
            (d.kind == "passport" || d.kind == "epassport")
                && d.status == "valid"
                && d.issued < day
                && d.expiry > day + margin
        }) {
            c.raise(
                "valid_passport_held",
                &[("number", doc.number.clone()), ("expiry", doc.expiry.to_string())],
                vec![format!("document:{}", doc.number)],
            );
        }
    }

    let losses: Vec<&facts::DocumentFacts> = person
        .documents
        .iter()
        .filter(|d| (d.status == "lost" || d.status == "stolen") && d.status_at.is_none_or(|at| at <= day))
        .collect();
    if !losses.is_empty() {
        c.raise(
            "lost_passport_history",
            &[("count", losses.len().to_string())],
            losses.iter().map(|d| format!("document:{}", d.number)).collect(),
        );
    }

    let setbacks: Vec<&ApplicationFacts> = person
        .applications
        .iter()
        .map(|&id| &facts.applications[id as usize])
        .filter(|a| a.reference != app.reference && a.applied < day && a.setback.is_some())
        .collect();
    if let Some(first) = setbacks.first() {
        let (what, when) = first.setback.clone().unwrap_or_default();
        c.raise(
            "prior_delay",
            &[("detail", format!("{what} {when}, {}", first.office))],
            setbacks.iter().map(|a| format!("application:{}", a.reference)).collect(),
        );
    }

    if let Some(splp) = person.documents.iter().find(|d| d.kind == "splp" && d.issued <= day) {
        c.raise(
            "splp_return",
            &[("number", splp.number.clone()), ("office", splp.office.clone().unwrap_or_default())],
            vec![format!("document:{}", splp.number)],
        );
    }

    let age = age_on(person.born, person.birth_year, day);
    if age < 18 && c.indicator("minor_without_parent").is_some() {
        // A parent travelling along: someone at least 15 years older from the same household
        // (same address) who applies within a month or already holds a valid passport, or an
        // adult giving the same contact phone within two weeks.
        let parent_like =
            |other: &PersonFacts| other.nik != person.nik && age_on(other.born, other.birth_year, day) >= age + 15;
        let household = person
            .address
            .as_ref()
            .and_then(|a| facts.households.get(a))
            .map(|members| {
                members.iter().map(|&m| &facts.persons[m as usize]).any(|other| {
                    parent_like(other)
                        && (other
                            .applications
                            .iter()
                            .any(|&id| (facts.applications[id as usize].applied - day).num_days().abs() <= 30)
                            || other.documents.iter().any(|d| {
                                (d.kind == "passport" || d.kind == "epassport") && d.status == "valid" && d.expiry > day
                            }))
                })
            })
            .unwrap_or(false);
        // Or an adult applying alongside with the same contact phone that is their own phone and
        // who lives at the same address (an agent's phone on the forms does not make a parent).
        let same_phone = app.phone.as_ref().is_some_and(|phone| {
            facts.by_phone.get(phone).is_some_and(|l| {
                facts.in_window(l, day - Duration::days(14), day + Duration::days(14)).any(|id| {
                    let adult = &facts.persons[facts.applications[id as usize].person as usize];
                    let same_home = match (&person.address, &adult.address) {
                        (Some(a), Some(b)) => a == b,
                        _ => person.region.is_some() && adult.region == person.region,
                    };
                    parent_like(adult) && adult.phones.contains(phone) && same_home
                })
            })
        });
        if !household && !same_phone {
            c.raise(
                "minor_without_parent",
                &[("age", age.to_string())],
                vec![own.clone(), format!("person:{}", person.nik)],
            );
        }
    }

    if let Some(i) = c.indicator("work_intent_hidden")
        && i.stated_purposes.iter().any(|p| p == &app.purpose)
    {
        let notes = app.notes.as_deref().unwrap_or("").to_lowercase();
        let hit = i.keywords.iter().find(|k| notes.contains(&k.to_lowercase()));
        let detail = match (hit, &app.employer) {
            (Some(_), _) => Some(app.notes.clone().unwrap_or_default()),
            (None, Some(employer)) => Some(format!("employer: {employer}")),
            _ => None,
        };
        if let Some(detail) = detail {
            c.raise("work_intent_hidden", &[("purpose", app.purpose.clone()), ("detail", detail)], vec![own.clone()]);
        }
    }

    if let Some(i) = c.indicator("risky_destination")
        && i.destinations.iter().any(|d| d == &app.destination)
        && i.purposes.iter().any(|p| p == &app.purpose)
    {
        c.raise(
            "risky_destination",
            &[("destination", app.destination.clone()), ("purpose", app.purpose.clone())],
            vec![own.clone()],
        );
    }

    if let Some(i) = c.indicator("profile_age_sex")
        && (i.min_age.unwrap_or(0) as i32..=i.max_age.unwrap_or(200) as i32).contains(&age)
        && i.sex.as_deref().is_none_or(|s| (s == "F") == person.female)
    {
        c.raise("profile_age_sex", &[], vec![]);
    }

    duplicate_identity(&mut c, facts, person);
    recruiter_phone(&mut c, facts, person, day);
    Some(c.finish())
}

/// Checks a person as of `day` without an application: identity and suspect indicators, and
/// the document history.
pub fn assess_person(policy: &Policy, facts: &Facts, person: u32, day: NaiveDate) -> Option<Assessment> {
    let p = facts.persons.get(person as usize)?;
    let mut c = Collector { policy, day, findings: Vec::new() };
    let losses: Vec<&facts::DocumentFacts> =
        p.documents.iter().filter(|d| d.status == "lost" || d.status == "stolen").collect();
    if !losses.is_empty() {
        c.raise(
            "lost_passport_history",
            &[("count", losses.len().to_string())],
            losses.iter().map(|d| format!("document:{}", d.number)).collect(),
        );
    }
    if let Some(splp) = p.documents.iter().find(|d| d.kind == "splp" && d.issued <= day) {
        c.raise(
            "splp_return",
            &[("number", splp.number.clone()), ("office", splp.office.clone().unwrap_or_default())],
            vec![format!("document:{}", splp.number)],
        );
    }
    duplicate_identity(&mut c, facts, p);
    recruiter_phone(&mut c, facts, p, day);
    Some(c.finish())
}

/// Another person record that may be the same human: a close name, the same sex, and a shared
/// phone, the same desa or a birth date within the policy's range.
fn duplicate_identity(c: &mut Collector, facts: &Facts, person: &PersonFacts) {
    let Some(i) = c.indicator("possible_duplicate_identity") else { return };
    let Some(index) = &facts.names else { return };
    let min_score = i.min_name_score.unwrap_or(0.85);
    let max_days = i.max_birth_days.unwrap_or(1200);
    let query = waspada_screen::Query {
        full_name: person.name.clone(),
        date_of_birth: None,
        rank_year: Some(person.birth_year),
        sex: Some(if person.female { 'F' } else { 'M' }),
        nationality: None,
        document_number: None,
    };
    let Ok(hits) = index.screen(&query, min_score, 20) else { return };
    let mine = contact_phones(facts, person);
    let mut evidence = Vec::new();
    let mut detail = String::new();
    for hit in hits {
        if hit.entry_id == person.nik {
            continue;
        }
        let Some(&other_id) = facts.by_nik.get(&hit.entry_id) else { continue };
        let other = &facts.persons[other_id as usize];
        let theirs = contact_phones(facts, other);
        let shared_phone = theirs.iter().any(|p| mine.contains(p));
        let same_desa = other.region.is_some() && other.region == person.region;
        let birth_gap = match (person.born, other.born) {
            (Some(a), Some(b)) => (a - b).num_days().abs(),
            _ => i64::from((person.birth_year - other.birth_year).abs()) * 365,
        };
        // The same name and birth date under another NIK is the classic double registration, so a
        // gap of zero counts too (the person themself is excluded by NIK above).
        if birth_gap > max_days {
            continue;
        }
        // Namesakes born a few years apart in one desa are common; a second identity usually
        // shows more: a shared phone, a birth date days away, a respelt name.
        let mut points = 0.0;
        if shared_phone {
            points += 2.0;
        }
        if same_desa {
            points += 1.0;
        }
        points += if birth_gap <= 45 {
            1.5
        } else if birth_gap <= 400 {
            1.0
        } else {
            0.5
        };
        if !other.name.eq_ignore_ascii_case(&person.name) {
            points += 0.5;
        }
        if points >= 2.5 {
            if detail.is_empty() {
                detail = format!(
                    "{} (NIK {}, born {}){}{}",
                    other.name,
                    other.nik,
                    other.born.map_or(other.birth_year.to_string(), |d| d.to_string()),
                    if shared_phone { ", same phone" } else { "" },
                    if same_desa { ", same desa" } else { "" },
                );
            }
            evidence.push(format!("person:{}", other.nik));
        }
    }
    if !evidence.is_empty() {
        c.raise("possible_duplicate_identity", &[("detail", detail)], evidence);
    }
}

/// A person's own phones and the contact phones on their applications, leaving out phones many
/// people give (an agency's or a recruiter's: those are other indicators).
fn contact_phones(facts: &Facts, person: &PersonFacts) -> Vec<String> {
    let mut phones = person.phones.clone();
    for &id in &person.applications {
        if let Some(phone) = &facts.applications[id as usize].phone
            && !phones.contains(phone)
            && facts.by_phone.get(phone).is_none_or(|l| l.len() <= 3)
        {
            phones.push(phone.clone());
        }
    }
    phones
}

/// The person's own phone is the contact on many other people's applications.
fn recruiter_phone(c: &mut Collector, facts: &Facts, person: &PersonFacts, day: NaiveDate) {
    let Some(i) = c.indicator("recruiter_phone_owner") else { return };
    let min = i.min_applicants.unwrap_or(5);
    for phone in &person.phones {
        let Some(list) = facts.by_phone.get(phone) else { continue };
        // Over the person's whole history up to the day: recruiting leaves a trail.
        let ids = facts.in_window(list, day - Duration::days(3 * 365), day).filter(|&id| {
            let a = &facts.applications[id as usize];
            a.person != facts.by_nik.get(&person.nik).copied().unwrap_or(u32::MAX)
        });
        let (count, apps) = distinct_persons(facts, ids);
        if count >= min {
            c.raise(
                "recruiter_phone_owner",
                &[("count", count.to_string()), ("window", "1095".to_owned())],
                evidence_apps(facts, &apps, 10),
            );
            return;
        }
    }
}
