//! Watchlist screening in memory.
//!
//! [`Index::build`] analyses every entry's names (`waspada-names`) and files each word under its
//! phonetic key, its consonant skeleton and, for adjacent words, their joined key. A query looks
//! up its own keys, ranks the entries that share the most informative words (rare words weigh
//! more than `Siti` or `Muhammad`), and scores the best few in full: name alignment, then date
//! of birth, sex, nationality and document number. Every [`Hit`] carries its reasons.
//!
//! The scores are advice for an officer, never a decision.

use std::collections::HashMap;

use waspada_names::{AnalysedName, NameError, Token, analyse, compare_weighted};

/// The threshold the counter uses: a hit at or above it is shown to the officer.
pub const DEFAULT_THRESHOLD: f32 = 0.80;

/// How many entries are scored in full per query.
const CANDIDATES: usize = 48;

/// A birth date, possibly partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl BirthDate {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; `None` for anything else.
    pub fn parse(text: &str) -> Option<BirthDate> {
        let mut parts = text.trim().split('-');
        let year: i32 = parts.next()?.parse().ok().filter(|y| (1800..=2200).contains(y))?;
        let month = match parts.next() {
            Some(m) => Some(m.parse().ok().filter(|m| (1..=12).contains(m))?),
            None => None,
        };
        let day = match parts.next() {
            Some(d) => Some(d.parse().ok().filter(|d| (1..=31).contains(d))?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(BirthDate { year, month, day })
    }
}

/// A watchlist entry (or anything screened against).
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The source's identifier.
    pub id: String,
    /// The main name first, then aliases.
    pub names: Vec<String>,
    pub date_of_birth: Option<BirthDate>,
    /// `M` or `F`.
    pub sex: Option<char>,
    /// Three-letter code.
    pub nationality: Option<String>,
    pub document_number: Option<String>,
}

/// What is screened.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub full_name: String,
    pub date_of_birth: Option<BirthDate>,
    /// A birth year used only to choose which of many namesakes to score, not in the score
    /// (for finding records whose birth date may have been altered).
    pub rank_year: Option<i32>,
    pub sex: Option<char>,
    pub nationality: Option<String>,
    pub document_number: Option<String>,
}

/// One hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position of the entry in the index.
    pub entry: u32,
    /// The entry's identifier.
    pub entry_id: String,
    /// 0..1.
    pub score: f32,
    /// Why: the name parts that matched and how, the attributes that agreed or conflicted.
    pub reasons: Vec<String>,
}

/// Why a query could not be screened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Neither a usable name nor a document number.
    #[error("nothing to screen: {0}")]
    Nothing(String),
}

struct Stored {
    id: String,
    names: Vec<AnalysedName>,
    /// For each name, each token's id in `Index::tokens` (for its frequency).
    token_ids: Vec<Vec<u32>>,
    date_of_birth: Option<BirthDate>,
    sex: Option<char>,
    nationality: Option<String>,
}

/// The in-memory index.
pub struct Index {
    entries: Vec<Stored>,
    /// Birth year (0 unknown) and sex (0 unknown) per entry, packed for candidate ranking.
    years: Vec<i16>,
    sexes: Vec<u8>,
    postings: HashMap<String, Vec<u32>>,
    documents: HashMap<String, Vec<u32>>,
    /// Canonical token → id; `frequency[id]` counts the entries holding it.
    tokens: HashMap<String, u32>,
    frequency: Vec<u32>,
    /// Keys with more postings than this are too common to search by on their own.
    stop_len: usize,
    /// Entries replaced or removed: never a candidate again (their postings stay, skipped).
    removed: Vec<bool>,
}

/// Reusable per-thread working memory for [`Index::screen_with`].
#[derive(Default)]
pub struct Scratch {
    weight: Vec<f32>,
    touched: Vec<u32>,
}

fn normalise_document(number: &str) -> String {
    number.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

fn keys(name: &AnalysedName, mut add: impl FnMut(String, usize)) {
    let tokens = &name.tokens;
    for (i, t) in tokens.iter().enumerate() {
        if t.initial || t.phon.len() < 2 {
            continue;
        }
        add(format!("p:{}", t.phon), i);
        if t.skel.len() >= 2 && t.skel != t.phon {
            add(format!("s:{}", t.skel), i);
        }
        if let Some(next) = tokens.get(i + 1).filter(|n| !n.initial) {
            add(format!("p:{}{}", t.phon, next.phon), i);
        }
    }
    // Single names (mononyms) get a key of their own: among thousands of names containing
    // "Sumiati" the few that are only "Sumiati" are found directly.
    if let [only] = tokens.as_slice()
        && !only.initial
    {
        add(format!("m:{}", only.phon), 0);
    }
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index {
            entries: Vec::new(),
            years: Vec::new(),
            sexes: Vec::new(),
            postings: HashMap::new(),
            documents: HashMap::new(),
            tokens: HashMap::new(),
            frequency: Vec::new(),
            stop_len: 1_000,
            removed: Vec::new(),
        }
    }

    /// Builds an index; entries none of whose names can be analysed are returned with the reason.
    pub fn build(entries: impl IntoIterator<Item = Entry>) -> (Index, Vec<(String, NameError)>) {
        let mut index = Index::new();
        let mut rejected = Vec::new();
        for entry in entries {
            let id = entry.id.clone();
            if let Err(error) = index.insert(entry) {
                rejected.push((id, error));
            }
        }
        index.stop_len = (index.entries.len() / 500).max(1_000);
        (index, rejected)
    }

    /// Adds an entry, so that it is screened against from the next query on.
    pub fn insert(&mut self, entry: Entry) -> Result<u32, NameError> {
        let mut names = Vec::new();
        let mut first_error = None;
        for name in &entry.names {
            match analyse(name) {
                Ok(analysed) => names.push(analysed),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if names.is_empty() {
            return Err(first_error.unwrap_or(NameError::Empty));
        }
        let position = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let mut seen_tokens: Vec<u32> = Vec::new();
        let mut token_ids = Vec::with_capacity(names.len());
        for name in &names {
            keys(name, |key, _| {
                let list = self.postings.entry(key).or_default();
                if list.last() != Some(&position) {
                    list.push(position);
                }
            });
            let mut ids = Vec::with_capacity(name.tokens.len());
            for t in &name.tokens {
                let next = u32::try_from(self.frequency.len()).unwrap_or(u32::MAX);
                let id = *self.tokens.entry(t.canon.clone()).or_insert(next);
                if id == next {
                    self.frequency.push(0);
                }
                if !seen_tokens.contains(&id) {
                    seen_tokens.push(id);
                    if let Some(f) = self.frequency.get_mut(id as usize) {
                        *f += 1;
                    }
                }
                ids.push(id);
            }
            token_ids.push(ids);
        }
        if let Some(number) = entry.document_number.as_deref().map(normalise_document).filter(|n| !n.is_empty()) {
            self.documents.entry(number).or_default().push(position);
        }
        self.removed.push(false);
        self.years.push(entry.date_of_birth.map_or(0, |d| i16::try_from(d.year).unwrap_or(0)));
        self.sexes.push(entry.sex.map_or(0, |c| c as u8));
        self.entries.push(Stored {
            id: entry.id,
            names,
            token_ids,
            date_of_birth: entry.date_of_birth,
            sex: entry.sex,
            nationality: entry.nationality.filter(|n| !n.is_empty()),
        });
        Ok(position)
    }

    /// Adds an entry in place of any stored under the same id (an edited watchlist entry must
    /// stop matching under its old names at once).
    pub fn replace(&mut self, entry: Entry) -> Result<u32, NameError> {
        // Analyse first: an entry that cannot be indexed leaves the old one in place.
        if !entry.names.iter().any(|n| analyse(n).is_ok()) {
            return self.insert(entry);
        }
        self.remove(&entry.id);
        self.insert(entry)
    }

    /// Removes every entry with this id; returns how many. A linear scan: meant for watchlists
    /// (thousands of entries), whose edits are rare.
    pub fn remove(&mut self, id: &str) -> usize {
        let positions: Vec<usize> =
            self.entries.iter().enumerate().filter(|(i, e)| e.id == id && !self.removed[*i]).map(|(i, _)| i).collect();
        for &position in &positions {
            self.removed[position] = true;
            let mut seen: Vec<u32> = Vec::new();
            for &token in self.entries[position].token_ids.iter().flatten() {
                if !seen.contains(&token) {
                    seen.push(token);
                    if let Some(f) = self.frequency.get_mut(token as usize) {
                        *f = f.saturating_sub(1);
                    }
                }
            }
        }
        positions.len()
    }

    /// Number of entries (removed ones included until the index is rebuilt).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How much a word says about identity: rarer words weigh more, and the few given names
    /// that half the population carries weigh little whatever the list.
    fn weight(&self, token: &Token) -> f32 {
        let df = self.tokens.get(&token.canon).and_then(|&id| self.frequency.get(id as usize)).copied().unwrap_or(0);
        self.weight_with(token, df)
    }

    fn weight_with(&self, token: &Token, df: u32) -> f32 {
        let prior = waspada_names::default_weight(token);
        if token.initial {
            return prior;
        }
        let n = self.entries.len() as f32 + 1.0;
        let idf = ((n + 1.0) / (df as f32 + 1.0)).ln() / (n + 1.0).ln().max(1.0);
        (0.5 * prior + 0.5 * idf.clamp(0.05, 1.0)).clamp(0.05, 1.0)
    }

    /// The weights of a stored name's tokens.
    fn stored_weights(&self, entry: &Stored, which: usize) -> Vec<f32> {
        let ids = entry.token_ids.get(which).map(Vec::as_slice).unwrap_or(&[]);
        entry.names[which]
            .tokens
            .iter()
            .zip(ids)
            .map(|(t, &id)| self.weight_with(t, self.frequency.get(id as usize).copied().unwrap_or(0)))
            .collect()
    }

    /// Screens one query; hits at or above `threshold`, best first, at most `top`.
    pub fn screen(&self, query: &Query, threshold: f32, top: usize) -> Result<Vec<Hit>, QueryError> {
        self.screen_with(query, threshold, top, &mut Scratch::default())
    }

    /// [`Index::screen`] with reusable working memory (for batch screening).
    pub fn screen_with(
        &self,
        query: &Query,
        threshold: f32,
        top: usize,
        scratch: &mut Scratch,
    ) -> Result<Vec<Hit>, QueryError> {
        let name = analyse(&query.full_name);
        let document = query.document_number.as_deref().map(normalise_document).filter(|n| !n.is_empty());
        let name = match (name, &document) {
            (Ok(name), _) => Some(name),
            (Err(_), Some(_)) => None,
            (Err(error), None) => return Err(QueryError::Nothing(error.to_string())),
        };
        if scratch.weight.len() < self.entries.len() {
            scratch.weight.resize(self.entries.len(), 0.0);
        }
        let mut candidates: Vec<u32> = Vec::new();
        let query_weights: Vec<f32> =
            name.as_ref().map(|n| n.tokens.iter().map(|t| self.weight(t)).collect()).unwrap_or_default();
        if let Some(name) = &name {
            let weights = &query_weights;
            // Keys too common to search by alone, by token: (token, posting list).
            let mut common: Vec<(usize, &Vec<u32>)> = Vec::new();
            let mut any_rare = false;
            keys(name, |key, i| {
                let Some(list) = self.postings.get(&key) else { return };
                if list.len() > self.stop_len {
                    common.push((i, list));
                    return;
                }
                any_rare = true;
                let bump = if key.starts_with("s:") { weights[i] * 0.6 } else { weights[i] };
                for &e in list {
                    let slot = &mut scratch.weight[e as usize];
                    if *slot == 0.0 {
                        scratch.touched.push(e);
                    }
                    *slot += bump;
                }
            });
            if !any_rare && !common.is_empty() {
                // Every word is common: the entries holding the two rarest words (each word's
                // smallest list).
                common.sort_by_key(|(_, l)| l.len());
                let mut per_token: Vec<(usize, &Vec<u32>)> = Vec::new();
                for (token, list) in common {
                    if !per_token.iter().any(|(t, _)| *t == token) {
                        per_token.push((token, list));
                    }
                }
                let found: Vec<u32> = match per_token.as_slice() {
                    [(_, only)] => only.iter().copied().take(self.stop_len).collect(),
                    [(_, a), (_, b), ..] => intersect(a, b),
                    [] => Vec::new(),
                };
                for e in found {
                    if scratch.weight[e as usize] == 0.0 {
                        scratch.touched.push(e);
                    }
                    scratch.weight[e as usize] += 1.0;
                }
            }
            // Rank by shared words, nudged by birth year and sex, so that among many namesakes
            // the ones born the same year are scored in full.
            let total: f32 = weights.iter().sum::<f32>().max(0.1);
            let year = query.date_of_birth.map(|d| d.year).or(query.rank_year).and_then(|y| i16::try_from(y).ok());
            let sex = query.sex.map(|c| c as u8);
            let mut ranked: Vec<(u32, f32)> = scratch
                .touched
                .iter()
                .map(|&e| {
                    let mut rank = scratch.weight[e as usize];
                    let stored_year = self.years[e as usize];
                    if let Some(q) = year
                        && stored_year != 0
                    {
                        rank += match (q - stored_year).abs() {
                            0 => 0.3 * total,
                            1 => 0.0,
                            _ => -0.3 * total,
                        };
                    }
                    let stored_sex = self.sexes[e as usize];
                    if let Some(q) = sex
                        && stored_sex != 0
                        && q != stored_sex
                    {
                        rank -= 0.2 * total;
                    }
                    (e, rank)
                })
                .collect();
            for &e in &scratch.touched {
                scratch.weight[e as usize] = 0.0;
            }
            scratch.touched.clear();
            if ranked.len() > CANDIDATES {
                ranked.select_nth_unstable_by(CANDIDATES, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                ranked.truncate(CANDIDATES);
            }
            candidates.extend(ranked.into_iter().map(|(e, _)| e));
        }
        if let Some(number) = &document
            && let Some(list) = self.documents.get(number)
        {
            candidates.extend(list.iter().copied());
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&e| !self.removed[e as usize]);
        // Score every candidate cheaply, explain only the hits.
        let mut scored: Vec<(u32, f32)> = candidates
            .into_iter()
            .filter_map(|e| {
                self.evaluate(e, query, name.as_ref(), &query_weights, document.as_deref(), None).map(|s| (e, s))
            })
            .filter(|(_, s)| *s >= threshold)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(top);
        Ok(scored
            .into_iter()
            .filter_map(|(e, _)| {
                let mut reasons = Vec::new();
                let score =
                    self.evaluate(e, query, name.as_ref(), &query_weights, document.as_deref(), Some(&mut reasons))?;
                Some(Hit { entry: e, entry_id: self.entries[e as usize].id.clone(), score, reasons })
            })
            .collect())
    }

    /// The score of one entry for a query; with `reasons`, also why.
    fn evaluate(
        &self,
        position: u32,
        query: &Query,
        name: Option<&AnalysedName>,
        query_weights: &[f32],
        document: Option<&str>,
        mut reasons: Option<&mut Vec<String>>,
    ) -> Option<f32> {
        let entry = self.entries.get(position as usize)?;
        let explain = reasons.is_some();
        let mut say = |text: String| {
            if let Some(r) = reasons.as_deref_mut() {
                r.push(text);
            }
        };
        let mut score = 0.0_f32;
        if let Some(name) = name {
            let (which, best) = entry
                .names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    (i, waspada_names::score_weighted(name, query_weights, n, &self.stored_weights(entry, i)))
                })
                .max_by(|a, b| a.1.total_cmp(&b.1))?;
            score = best;
            if explain {
                let label = if which == 0 { "name" } else { "alias" };
                let m = compare_weighted(name, query_weights, &entry.names[which], &self.stored_weights(entry, which));
                say(format!("{label} {:.2}", m.score));
                for part in &m.parts {
                    say(format!("{label}: {part}"));
                }
                if !m.unmatched_query.is_empty() {
                    say(format!("not in the entry: {}", m.unmatched_query.join(" ")));
                }
                if !m.unmatched_candidate.is_empty() {
                    say(format!("not in the query: {}", m.unmatched_candidate.join(" ")));
                }
            }
        }
        if let (Some(q), Some(e)) = (query.date_of_birth, entry.date_of_birth) {
            let (delta, reason) = compare_birth(q, e);
            score += delta;
            say(reason);
        }
        if let (Some(q), Some(e)) = (query.sex, entry.sex)
            && q != e
        {
            score -= 0.25;
            say(format!("sex conflicts: {q} / {e}"));
        }
        if let (Some(q), Some(e)) =
            (query.nationality.as_deref().filter(|n| !n.is_empty()), entry.nationality.as_deref())
            && !q.eq_ignore_ascii_case(e)
        {
            score -= 0.10;
            say(format!("nationality conflicts: {q} / {e}"));
        }
        if let Some(number) = document
            && self.documents.get(number).is_some_and(|l| l.contains(&position))
        {
            // An exact document number dominates the name evidence.
            score = score.max(0.0) * 0.1 + 0.9;
            if let Some(r) = reasons {
                r.insert(0, format!("document number matches: {number}"));
            }
        }
        Some(score.clamp(0.0, 1.0))
    }
}

impl Default for Index {
    fn default() -> Index {
        Index::new()
    }
}

fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Two (month, day) pairs of one year that differ as a slip of the pen would: one digit of
/// `MMDD` changed.
fn typing_slip(a: (u32, u32), b: (u32, u32)) -> bool {
    let digits = |(m, d): (u32, u32)| format!("{m:02}{d:02}");
    digits(a).chars().zip(digits(b).chars()).filter(|(x, y)| x != y).count() <= 1
}

/// Adjustment and reason for two birth dates.
fn compare_birth(q: BirthDate, e: BirthDate) -> (f32, String) {
    let years = (q.year - e.year).abs();
    if years > 1 {
        return (-0.30, format!("birth year conflicts: {} / {}", q.year, e.year));
    }
    match (q.month.zip(q.day), e.month.zip(e.day)) {
        (Some(a), Some(b)) if years == 0 && a == b => {
            (0.08, format!("date of birth agrees: {}-{:02}-{:02}", q.year, a.0, a.1))
        }
        (Some(a), Some(b)) if years == 0 && a.0 == b.1 && a.1 == b.0 => {
            (0.03, "date of birth agrees with day and month swapped".to_owned())
        }
        // One digit off may be a slip of the pen, but it is still a different recorded date: the
        // hit drops below the default line and shows only when the officer widens the search.
        (Some(a), Some(b)) if years == 0 && typing_slip(a, b) => {
            (-0.22, "date of birth differs by one digit (a possible typing slip)".to_owned())
        }
        (Some(_), Some(_)) if years == 0 => (-0.25, "same birth year, different date".to_owned()),
        (Some(_), Some(_)) => (-0.25, format!("date of birth conflicts: {} / {}", q.year, e.year)),
        _ if years == 0 => (0.04, format!("birth year agrees: {}", q.year)),
        // A year alone one off is a common slip, but it is evidence against.
        _ => (-0.15, format!("birth year differs by one: {} / {}", q.year, e.year)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, names: &[&str], born: &str, sex: char) -> Entry {
        Entry {
            id: id.into(),
            names: names.iter().map(|s| s.to_string()).collect(),
            date_of_birth: BirthDate::parse(born),
            sex: Some(sex),
            nationality: Some("IDN".into()),
            document_number: None,
        }
    }

    fn query(name: &str, born: &str, sex: char) -> Query {
        Query {
            full_name: name.into(),
            date_of_birth: BirthDate::parse(born),
            rank_year: None,
            sex: Some(sex),
            nationality: Some("IDN".into()),
            document_number: None,
        }
    }

    fn index() -> Index {
        Index::build(vec![
            entry("W1", &["Muhammad Yusuf Saputra"], "1985-04-12", 'M'),
            entry("W2", &["Siti Nurhayati", "Yati"], "1990", 'F'),
            entry("W3", &["Soekarno Djojohadikusumo"], "1970-01-01", 'M'),
            entry("W4", &["Siti Aminah"], "1979-02-02", 'F'),
        ])
        .0
    }

    #[test]
    fn a_replaced_entry_stops_matching_under_its_old_name() {
        let mut index = index();
        let old = query("Siti Aminah", "1979-02-02", 'F');
        assert_eq!(index.screen(&old, DEFAULT_THRESHOLD, 5).unwrap().len(), 1);
        index.replace(entry("W4", &["Rahmawati Kusuma"], "1979-02-02", 'F')).unwrap();
        assert!(index.screen(&old, DEFAULT_THRESHOLD, 5).unwrap().is_empty());
        let new = index.screen(&query("Rahmawati Kusuma", "1979-02-02", 'F'), DEFAULT_THRESHOLD, 5).unwrap();
        assert_eq!(new.iter().map(|h| h.entry_id.as_str()).collect::<Vec<_>>(), ["W4"]);
        // An entry that cannot be analysed does not remove the one it would replace.
        assert!(index.replace(entry("W4", &["<<<"], "", 'F')).is_err());
        assert_eq!(index.screen(&query("Rahmawati Kusuma", "", 'F'), DEFAULT_THRESHOLD, 5).unwrap().len(), 1);
        assert_eq!(index.remove("W4"), 1);
        assert!(index.screen(&query("Rahmawati Kusuma", "", 'F'), DEFAULT_THRESHOLD, 5).unwrap().is_empty());
        assert_eq!(index.remove("W4"), 0);
    }

    #[test]
    fn variants_are_found_and_explained() {
        let index = index();
        let hits = index.screen(&query("M. Jusuf Saputera", "1985-04-12", 'M'), DEFAULT_THRESHOLD, 5).unwrap();
        assert_eq!(hits.first().map(|h| h.entry_id.as_str()), Some("W1"), "{hits:?}");
        assert!(hits[0].reasons.iter().any(|r| r.contains("date of birth agrees")));
        let hits = index.screen(&query("Nur Hayati, Siti", "1990-07-01", 'F'), DEFAULT_THRESHOLD, 5).unwrap();
        assert_eq!(hits.first().map(|h| h.entry_id.as_str()), Some("W2"), "{hits:?}");
        let hits = index.screen(&query("Sukarno Joyohadikusumo", "", 'M'), DEFAULT_THRESHOLD, 5).unwrap();
        assert_eq!(hits.first().map(|h| h.entry_id.as_str()), Some("W3"), "{hits:?}");
    }

    #[test]
    fn conflicting_birth_dates_and_sex_push_a_namesake_below_the_line() {
        let index = index();
        assert!(index.screen(&query("Siti Aminah", "1979-02-02", 'F'), DEFAULT_THRESHOLD, 5).unwrap().len() == 1);
        assert!(index.screen(&query("Siti Aminah", "2001-09-09", 'F'), DEFAULT_THRESHOLD, 5).unwrap().is_empty());
        // A conflicting sex lowers the score (it may be a data-entry slip, so it alone does not
        // hide an exact name and birth date).
        let same = index.screen(&query("Siti Aminah", "1979-02-02", 'F'), 0.0, 1).unwrap()[0].score;
        let other = index.screen(&query("Siti Aminah", "1979-02-02", 'M'), 0.0, 1).unwrap()[0].score;
        assert!(other + 0.1 < same, "{other} vs {same}");
        assert!(index.screen(&query("Siti Aminah", "1985", 'M'), DEFAULT_THRESHOLD, 5).unwrap().is_empty());
        assert!(index.screen(&query("Siti", "", 'F'), DEFAULT_THRESHOLD, 5).unwrap().is_empty(), "a common name alone");
    }

    #[test]
    fn a_document_number_dominates() {
        let mut index = index();
        index
            .insert(Entry { document_number: Some("C 1234567".into()), ..entry("W5", &["Budi"], "1980", 'M') })
            .unwrap();
        let q = Query { document_number: Some("c1234567".into()), ..query("Totally Different", "", 'M') };
        let hits = index.screen(&q, DEFAULT_THRESHOLD, 5).unwrap();
        assert_eq!(hits.first().map(|h| h.entry_id.as_str()), Some("W5"));
        assert!(hits[0].reasons[0].starts_with("document number matches"));
    }

    #[test]
    fn bad_queries_get_errors_not_panics() {
        let index = index();
        for name in ["", "H. Hj. Drs.", "!!!"] {
            assert!(index.screen(&query(name, "", 'M'), DEFAULT_THRESHOLD, 5).is_err(), "{name:?}");
        }
        assert!(index.screen(&query(&"x".repeat(10_000), "", 'M'), DEFAULT_THRESHOLD, 5).is_err());
        assert!(index.screen(&query("محمد يوسف", "", 'M'), DEFAULT_THRESHOLD, 5).is_ok());
        let (_, rejected) = Index::build(vec![entry("B1", &["Hj."], "", 'F')]);
        assert_eq!(rejected.len(), 1);
    }

    #[test]
    fn birth_dates_parse_strictly() {
        assert_eq!(BirthDate::parse("1990"), Some(BirthDate { year: 1990, month: None, day: None }));
        assert_eq!(BirthDate::parse("1990-02-03"), Some(BirthDate { year: 1990, month: Some(2), day: Some(3) }));
        assert_eq!(BirthDate::parse("1990-13"), None);
        assert_eq!(BirthDate::parse("19x0"), None);
        assert_eq!(BirthDate::parse(""), None);
    }
}
