//! The indicator policy: a TOML file of versioned indicators (see `policy/indicators.toml`).

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Deserialize;

/// Who an indicator is about. "Possible victim" and "suspect" are never mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The applicant may be a victim (UU 21/2007 Art. 18: not punished for what they were made to do).
    PossibleVictim,
    /// The person may be a recruiter or trafficker.
    Suspect,
    /// The identity itself is in doubt.
    Identity,
    /// A document fact (held, lost, stolen).
    Document,
    /// Context that raises or lowers attention without pointing at a person.
    Context,
}

/// The detectors the policy can switch on and weigh.
pub const CODES: &[&str] = &[
    "shared_contact_phone",
    "shared_sponsor",
    "licensed_group",
    "desa_burst",
    "far_from_domicile",
    "valid_passport_held",
    "lost_passport_history",
    "prior_delay",
    "splp_return",
    "minor_without_parent",
    "work_intent_hidden",
    "risky_destination",
    "possible_duplicate_identity",
    "recruiter_phone_owner",
    "profile_age_sex",
];

/// A TOML date (`2024-10-17`, bare or quoted) as a calendar date.
fn date<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Either::deserialize(deserializer)? {
        Either::Toml(d) => d.to_string(),
        Either::Text(t) => t,
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a date (YYYY-MM-DD)")))
}

fn optional_date<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    date(deserializer).map(Some)
}

/// One indicator as written in the policy file.
#[derive(Debug, Clone, Deserialize)]
pub struct Indicator {
    pub code: String,
    pub subject: Subject,
    pub weight: f32,
    pub legal_basis: String,
    pub text_id: String,
    pub text_en: String,
    pub flag_valid_days: u32,
    #[serde(deserialize_with = "date")]
    pub effective_from: NaiveDate,
    #[serde(default, deserialize_with = "optional_date")]
    pub effective_until: Option<NaiveDate>,
    #[serde(default)]
    pub window_days: Option<i64>,
    #[serde(default)]
    pub min_applicants: Option<usize>,
    #[serde(default)]
    pub min_applications: Option<usize>,
    #[serde(default)]
    pub baseline_factor: Option<f32>,
    #[serde(default)]
    pub licensed_sponsors: Vec<String>,
    #[serde(default)]
    pub service_provinces: Vec<String>,
    #[serde(default)]
    pub home_offices: Vec<String>,
    #[serde(default)]
    pub min_remaining_days: Option<i64>,
    #[serde(default)]
    pub stated_purposes: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub destinations: Vec<String>,
    #[serde(default)]
    pub purposes: Vec<String>,
    #[serde(default)]
    pub min_name_score: Option<f32>,
    #[serde(default)]
    pub max_birth_days: Option<i64>,
    #[serde(default)]
    pub min_age: Option<u32>,
    #[serde(default)]
    pub max_age: Option<u32>,
    #[serde(default)]
    pub sex: Option<String>,
}

impl Indicator {
    /// Whether it applies to an application made on `day`.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.weight != 0.0 && self.effective_from <= day && self.effective_until.is_none_or(|until| day <= until)
    }
}

/// The whole policy.
#[derive(Debug, Clone, Deserialize)]
pub struct Policy {
    pub version: String,
    #[serde(deserialize_with = "date")]
    pub effective_from: NaiveDate,
    /// Score = 1 / (1 + e^-(scale × sum of weights + bias)).
    #[serde(default = "one")]
    pub scale: f32,
    pub bias: f32,
    pub interview_at: f32,
    pub supervisor_at: f32,
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
}

fn one() -> f32 {
    1.0
}

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy is not valid TOML or misses a field: {0}")]
    Syntax(String),
    #[error("the policy is inconsistent: {0}")]
    Invalid(String),
}

/// The policy shipped with Waspada (`policy/indicators.toml`).
pub const DEFAULT_POLICY: &str = include_str!("../../../policy/indicators.toml");

impl Policy {
    /// Parses and checks a policy file.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        let mut seen = HashSet::new();
        for indicator in &policy.indicators {
            if !CODES.contains(&indicator.code.as_str()) {
                return Err(PolicyError::Invalid(format!(
                    "unknown indicator code {:?} (known: {})",
                    indicator.code,
                    CODES.join(", ")
                )));
            }
            if !seen.insert(indicator.code.clone()) {
                return Err(PolicyError::Invalid(format!("indicator {:?} appears twice", indicator.code)));
            }
            if !indicator.weight.is_finite() || indicator.weight.abs() > 10.0 {
                return Err(PolicyError::Invalid(format!("{}: weight must be between -10 and 10", indicator.code)));
            }
            if indicator.legal_basis.trim().is_empty() {
                return Err(PolicyError::Invalid(format!("{}: every indicator needs a legal basis", indicator.code)));
            }
            if indicator.flag_valid_days == 0 {
                return Err(PolicyError::Invalid(format!("{}: flag_valid_days must be at least 1", indicator.code)));
            }
            if indicator.effective_until.is_some_and(|u| u < indicator.effective_from) {
                return Err(PolicyError::Invalid(format!(
                    "{}: effective_until is before effective_from",
                    indicator.code
                )));
            }
        }
        if !(0.0 < policy.interview_at && policy.interview_at < policy.supervisor_at && policy.supervisor_at <= 1.0) {
            return Err(PolicyError::Invalid("need 0 < interview_at < supervisor_at <= 1".into()));
        }
        Ok(policy)
    }

    /// The shipped policy.
    pub fn default_policy() -> Result<Policy, PolicyError> {
        Policy::parse(DEFAULT_POLICY)
    }

    /// The indicator with this code, if it is in force on `day`.
    pub fn get(&self, code: &str, day: NaiveDate) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code && i.in_force(day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_parses_and_covers_every_detector() {
        let policy = Policy::default_policy().unwrap();
        for code in CODES {
            assert!(policy.indicators.iter().any(|i| i.code == *code), "{code} missing");
        }
    }

    proptest::proptest! {
        /// Any text, and any single-line edit of the shipped policy, parses or is refused with a
        /// reason; nothing panics.
        #[test]
        fn arbitrary_policy_text_never_panics(text in "\\PC{0,400}", line in 0usize..200, insert in "\\PC{0,40}") {
            let _ = Policy::parse(&text);
            let mut lines: Vec<String> = DEFAULT_POLICY.lines().map(String::from).collect();
            let at = line % lines.len();
            lines[at] = insert;
            let _ = Policy::parse(&lines.join("\n"));
        }
    }

    #[test]
    fn broken_policies_are_refused_with_a_reason() {
        let base = DEFAULT_POLICY;
        assert!(matches!(Policy::parse("not toml ["), Err(PolicyError::Syntax(_))));
        let unknown = base.replacen("code = \"desa_burst\"", "code = \"mystery\"", 1);
        assert!(matches!(Policy::parse(&unknown), Err(PolicyError::Invalid(m)) if m.contains("mystery")));
        let twice = base.replacen("code = \"desa_burst\"", "code = \"prior_delay\"", 1);
        assert!(matches!(Policy::parse(&twice), Err(PolicyError::Invalid(m)) if m.contains("twice")));
        let no_basis = base.replacen(
            "legal_basis = \"Analisis intelijen keimigrasian (UU 6/2011 Pasal 66)\"",
            "legal_basis = \" \"",
            1,
        );
        assert!(matches!(Policy::parse(&no_basis), Err(PolicyError::Invalid(m)) if m.contains("legal basis")));
    }
}
