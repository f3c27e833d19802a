//! Indonesian-aware name analysis and comparison.
//!
//! Generic fuzzy matchers treat `Soekarno`/`Sukarno`, `Muhammad`/`M.`, `Nurhayati`/`Nur Hayati`
//! or `Chairul`/`Khairul` as typos. Here they are what they are: the spelling reform of 1972
//! (`oe`→`u`, `dj`→`j`, `tj`→`c`, `j`→`y`, `sj`→`sy`, `nj`→`ny`, `ch`→`kh`), Arabic-origin forms,
//! initials, names run together or split, `bin`/`binti` with a father's name, titles and degrees,
//! and OCR confusions from reading an MRZ (`0`/`O`, `1`/`I`, `5`/`S`, `8`/`B`).
//!
//! [`analyse`] turns a written name into [`Token`]s with three keys each: the written form, a
//! spelling-canonical form (`canon`) and a phonetic key (`phon`), plus a consonant skeleton
//! (`skel`) for candidate search. [`compare`] aligns two analysed names token by token (in any
//! order, joining adjacent tokens where one side ran them together) and explains every part.
//!
//! Why by hand: no maintained crate knows Indonesian orthography; the generic parts (Unicode to
//! ASCII, Jaro-Winkler) come from `any_ascii` and `strsim`.

use std::fmt;

/// The longest name accepted (characters, before analysis).
pub const MAX_NAME_CHARS: usize = 300;

/// Why a text could not be analysed as a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing but spaces or punctuation.
    #[error("the name is empty")]
    Empty,
    /// Only titles or degrees, e.g. `H.` or `Drs.`.
    #[error("the name holds only titles or degrees ({0}) and no name")]
    OnlyTitles(String),
    /// Longer than [`MAX_NAME_CHARS`].
    #[error("the name is longer than {MAX_NAME_CHARS} characters")]
    TooLong,
}

/// One word of an analysed name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Upper-case ASCII as written (after transliteration and OCR repair).
    pub text: String,
    /// Spelling-canonical form: reform spellings, Arabic-origin forms and doubled letters folded.
    pub canon: String,
    /// Phonetic key: `canon` with close vowels and consonants merged.
    pub phon: String,
    /// Consonant skeleton of `phon` (first letter kept), for candidate search only.
    pub skel: String,
    /// A single letter (`M.`), which matches any word with that initial.
    pub initial: bool,
    /// Part of a patronymic (`bin Hasan`): often dropped, so its absence costs less.
    pub patronymic: bool,
}

/// A name split into tokens, with what was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysedName {
    /// The name's words.
    pub tokens: Vec<Token>,
    /// Titles and degrees that were removed (`H`, `DRS`, `SPD`).
    pub titles: Vec<String>,
    /// Each pair of adjacent words run together (`NUR`+`HAYATI`), or `None` next to an initial;
    /// made once here because every comparison needs them.
    pub joins: Vec<Option<Token>>,
}

/// Titles and honorifics written before or after a name.
const TITLES: &[&str] = &[
    "H", "HJ", "HAJI", "HAJJAH", "HAJAH", "DRS", "DRA", "DR", "IR", "PROF", "KH", "UST", "USTADZ", "USTAZ", "USTADZAH",
    "BPK", "BAPAK", "IBU", "SDR", "SDRI", "TN", "NY", "NN", "ALM", "ALMH", "MR", "MRS", "MS", "MISS",
];

/// Academic degrees, written after a name (`S.Pd.`, `S.E.`, `M.M.`); matched on the letters with
/// the dots removed, as one or two tokens.
const DEGREES: &[&str] = &[
    "SPD", "SE", "SH", "SAG", "SKOM", "SKM", "SKEP", "SSOS", "SIP", "SP", "ST", "SSI", "SPDI", "SHI", "SS", "SIKOM",
    "MM", "MSI", "MPD", "MH", "MT", "MAG", "MKES", "MKOM", "AMD", "AMK", "AMDKEB", "AMKEB", "SKED", "SPSI", "SSTP",
];

/// Words that introduce a patronymic.
const PATRONYMIC: &[&str] = &["BIN", "BINTI", "BT", "BTE", "BINT", "IBNU", "IBN", "ANAK"];

/// Arabic-origin and abbreviated forms mapped to one canonical spelling.
fn arabic_form(token: &str) -> Option<&'static str> {
    Some(match token {
        "MUHAMMAD" | "MUHAMAD" | "MOHAMMAD" | "MOHAMAD" | "MOHAMMED" | "MOHAMED" | "MUHAMMED" | "MOCHAMAD"
        | "MOCHAMMAD" | "MUCHAMMAD" | "MUCHAMAD" | "MOCH" | "MOHD" | "MUHD" | "MUH" | "MOH" | "MHD" | "MD"
        | "MOHAMMMAD" | "MUHAMMAT" => "MUHAMMAD",
        "ABD" | "ABDUL" | "ABDOEL" | "ABDOL" | "AB" => "ABDUL",
        "USMAN" | "UTSMAN" | "UTHMAN" | "OTHMAN" | "OSMAN" | "OESMAN" | "OETSMAN" => "USMAN",
        "AZIZ" | "AZIS" | "AZEEZ" | "AZEES" | "ASIS" => "AZIZ",
        "RIZKI" | "RISKI" | "REZKI" | "RIZKY" | "REZKY" | "RISKY" | "RIZQI" | "RIZQY" | "RIZKIE" => "RIZKI",
        "ZAKARIA" | "ZAKARIYA" | "ZACHARIA" | "ZAKARIYYA" | "ZAKARIJA" | "ZACHARIAH" => "ZAKARIA",
        "YAHYA" | "YAHIA" | "YEHYA" | "JAHJA" | "YAHJA" | "YAHIYA" => "YAHYA",
        "DAUD" | "DAWUD" | "DAWOOD" | "DAOED" | "DAWOED" | "DAVID" => "DAUD",
        "AISYAH" | "AISAH" | "AESHA" | "AISHA" | "AYESHA" | "AISJAH" | "AISYA" | "AISJA" | "AYSHA" => "AISYAH",
        "LAILA" | "LAYLA" | "LEILA" | "LAJLA" | "LEYLA" | "LAILAH" => "LAILA",
        "NUR" | "NOOR" | "NOER" | "NURUL" | "NOORUL" => "NUR",
        "SITI" | "SITTI" | "ST" | "SITIE" => "SITI",
        "AHMAD" | "ACHMAD" | "AHMED" | "ACHMED" | "AHMAT" | "ACHMAT" => "AHMAD",
        "ABDURRAHMAN" | "ABDURAHMAN" | "ABDURROCHMAN" => "ABDULRAHMAN",
        "ABDULLAH" | "ABDALLAH" => "ABDULLAH",
        "YUSUF" | "YUSOF" | "JUSUF" | "JOESOEF" | "YUSUP" | "YOUSUF" | "YOUSEF" | "YUSEF" | "YOUSSEF" | "JOESOF" => {
            "YUSUF"
        }
        _ => return None,
    })
}

/// OCR confusions in machine-read zones: a digit inside a name is a misread letter.
fn repair_ocr(c: char) -> char {
    match c {
        '0' => 'O',
        '1' => 'I',
        '2' => 'Z',
        '3' => 'E',
        '4' => 'A',
        '5' => 'S',
        '6' => 'G',
        '7' => 'T',
        '8' => 'B',
        '9' => 'G',
        other => other,
    }
}

fn collapse_doubles(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for c in s.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// The spelling-canonical form of an upper-case ASCII word.
pub fn canonical(word: &str) -> String {
    // Arabic-origin forms first map to one spelling, which then goes through the same rules as
    // every other word (so that `YUSUF` and `YOUSEF` end up comparable).
    let mut s = arabic_form(word).unwrap_or(word).to_owned();
    // Order matters: the digraphs of the old spelling first, then the single letters.
    for (from, to) in [
        ("OE", "U"),
        ("DJ", "J"),
        ("TJ", "C"),
        ("SJ", "SY"),
        ("SH", "SY"),
        ("NJ", "NY"),
        ("CH", "H"),
        ("KH", "H"),
        ("PH", "F"),
        ("DH", "D"),
        ("TH", "T"),
        ("Q", "K"),
        ("X", "KS"),
        ("V", "F"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    // A Y before a vowel is the J of the old spelling (Jusuf/Yusuf, Sjahrial/Syahrial); any
    // other Y is an I (Desy/Desi, Zaynal/Zainal, Jamylah/Jamilah).
    let letters: Vec<char> = s.chars().collect();
    s = letters
        .iter()
        .enumerate()
        .map(|(i, &c)| match c {
            'Y' if letters.get(i + 1).is_some_and(|n| matches!(n, 'A' | 'E' | 'I' | 'O' | 'U')) => 'J',
            'Y' => 'I',
            other => other,
        })
        .collect();
    let mut s = collapse_doubles(&s);
    // A final H after a vowel is often dropped (Fatimah/Fatima, Ardiansyah/Ardiansya).
    if s.len() > 3 && s.ends_with('H') && s[..s.len() - 1].ends_with(['A', 'E', 'I', 'O', 'U']) {
        s.pop();
    }
    // The old `ij` before a vowel is an `i` (Setijawan/Setiawan, Widjaja/Wijaya).
    if s.contains("IJ") {
        let letters: Vec<char> = s.chars().collect();
        s = letters
            .iter()
            .enumerate()
            .filter(|&(i, &c)| {
                !(c == 'J'
                    && i > 0
                    && letters[i - 1] == 'I'
                    && letters.get(i + 1).is_some_and(|n| matches!(n, 'A' | 'E' | 'I' | 'O' | 'U')))
            })
            .map(|(_, &c)| c)
            .collect();
    }
    s
}

/// The phonetic key of a canonical word: close vowels and consonants merged (`o`/`u`, `e`/`i`,
/// `f`/`p`/`v`, `c`/`k`, `z`/`s`), the `ei`/`ai` diphthong written one way (Leila/Laila), a `j`
/// glide before a vowel read as `i` (Nadya/Nadia, Yahya/Yahia, Surya/Suria), and an `h` between
/// vowels dropped (Maharani/Maarani).
pub fn phonetic(canon: &str) -> String {
    let vowel = |c: char| matches!(c, 'A' | 'E' | 'I' | 'O' | 'U');
    let letters: Vec<char> = canon.replace("EI", "AI").chars().collect();
    let mut mapped: Vec<char> = letters
        .iter()
        .enumerate()
        .map(|(i, &c)| match c {
            // SY is also written SI (Syahrul/Siahrul); the canonical form holds it as SJ.
            'J' if i > 0 && (letters[i - 1] == 'S' || letters.get(i + 1).is_some_and(|&n| vowel(n))) => 'I',
            'C' => 'K',
            'O' => 'U',
            'E' => 'I',
            'F' | 'V' => 'P',
            // Z and S alternate in Arabic-origin names (Rizki/Riski, Aziz/Azis).
            'Z' => 'S',
            other => other,
        })
        .collect();
    let snapshot = mapped.clone();
    let mut i = 0;
    mapped.retain(|&c| {
        let keep = !(c == 'H'
            && i > 0
            && snapshot.get(i - 1).is_some_and(|&p| vowel(p))
            && snapshot.get(i + 1).is_some_and(|&n| vowel(n)));
        i += 1;
        keep
    });
    collapse_doubles(&mapped.into_iter().collect::<String>())
}

/// The consonant skeleton of a phonetic key: its first letter, then consonants other than H.
pub fn skeleton(phon: &str) -> String {
    let mut chars = phon.chars();
    let mut out = String::new();
    if let Some(first) = chars.next() {
        out.push(first);
    }
    out.extend(chars.filter(|c| !matches!(c, 'A' | 'E' | 'I' | 'O' | 'U' | 'H' | 'J' | 'W')));
    collapse_doubles(&out)
}

fn token(text: String, patronymic: bool) -> Token {
    let canon = canonical(&text);
    let phon = phonetic(&canon);
    let skel = skeleton(&phon);
    Token { initial: text.len() == 1, text, canon, phon, skel, patronymic }
}

/// Splits, transliterates and normalises a written name.
pub fn analyse(raw: &str) -> Result<AnalysedName, NameError> {
    if raw.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    // Degrees follow a comma: "Siti Aminah, S.Pd." (the part after the comma is dropped only if
    // it is made of degrees, so "Tan, Hendra" keeps both words).
    let (main, tail) = match raw.split_once(',') {
        Some((main, tail)) => (main, Some(tail)),
        None => (raw, None),
    };
    let mut titles = Vec::new();
    let words = |text: &str| -> Vec<String> {
        let ascii = any_ascii::any_ascii(text).to_ascii_uppercase();
        // Dotted abbreviations ("S.Pd", "M.M") are joined so that degrees are recognised; a lone
        // initial ("M.") stays one letter.
        let mut out = Vec::new();
        for part in ascii.split(|c: char| c.is_whitespace() || matches!(c, '-' | '/' | ',' | '(' | ')' | '_' | '<')) {
            let pieces: Vec<&str> = part.split('.').filter(|p| !p.is_empty()).collect();
            let joined: String = pieces.concat();
            let cleaned: String = joined.chars().filter(|c| c.is_ascii_alphanumeric()).map(repair_ocr).collect();
            if cleaned.is_empty() {
                continue;
            }
            if pieces.len() > 1 && (DEGREES.contains(&cleaned.as_str()) || TITLES.contains(&cleaned.as_str())) {
                out.push(cleaned);
            } else {
                for piece in pieces {
                    let piece: String = piece.chars().filter(|c| c.is_ascii_alphanumeric()).map(repair_ocr).collect();
                    if !piece.is_empty() {
                        out.push(piece);
                    }
                }
            }
        }
        out
    };
    let mut main_words = words(main);
    if let Some(tail) = tail {
        let tail_words = words(tail);
        if !tail_words.is_empty()
            && tail_words.iter().all(|w| DEGREES.contains(&w.as_str()) || TITLES.contains(&w.as_str()))
        {
            titles.extend(tail_words);
        } else {
            main_words.extend(tail_words);
        }
    }
    // Leading titles, and trailing degrees.
    while main_words.len() > 1 && TITLES.contains(&main_words[0].as_str()) {
        titles.push(main_words.remove(0));
    }
    if main_words.len() == 1 && TITLES.contains(&main_words[0].as_str()) {
        titles.push(main_words.remove(0));
    }
    while main_words.len() > 1
        && main_words.last().is_some_and(|w| DEGREES.contains(&w.as_str()) && w.len() >= 2 && w != "ST")
    {
        if let Some(w) = main_words.pop() {
            titles.push(w);
        }
    }
    if main_words.is_empty() {
        return Err(if titles.is_empty() { NameError::Empty } else { NameError::OnlyTitles(titles.join(" ")) });
    }
    let mut tokens: Vec<Token> = Vec::with_capacity(main_words.len());
    let mut in_patronymic = false;
    for word in main_words {
        if PATRONYMIC.contains(&word.as_str()) && !tokens.is_empty() {
            in_patronymic = true;
            continue;
        }
        // Passports repeat a mononym as surname ("SUMIATI SUMIATI"): one word.
        if tokens.last().is_some_and(|t| t.text == word) {
            continue;
        }
        tokens.push(token(word, in_patronymic));
    }
    if tokens.is_empty() {
        return Err(NameError::Empty);
    }
    let joins = tokens
        .windows(2)
        .map(|pair| (!pair[0].initial && !pair[1].initial).then(|| joined(&pair[0], &pair[1])))
        .collect();
    Ok(AnalysedName { tokens, titles, joins })
}

/// How two name parts matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Written the same.
    Exact,
    /// The same after spelling-reform and Arabic-form folding (`Soekarno`/`Sukarno`).
    Spelling,
    /// The same sound (`Yusuf`/`Yusup`, `Hendri`/`Hendry`).
    Phonetic,
    /// Close in spelling (Jaro-Winkler).
    Similar,
    /// An initial against a word (`M.`/`Muhammad`).
    Initial,
    /// Run together on one side (`Nurhayati`/`Nur Hayati`).
    Joined,
}

impl PartKind {
    fn label(self) -> &'static str {
        match self {
            PartKind::Exact => "same",
            PartKind::Spelling => "spelling variant",
            PartKind::Phonetic => "sounds the same",
            PartKind::Similar => "similar",
            PartKind::Initial => "initial",
            PartKind::Joined => "joined",
        }
    }
}

/// One aligned pair of name parts.
#[derive(Debug, Clone, PartialEq)]
pub struct PartMatch {
    /// The query side (one or two words).
    pub query: String,
    /// The candidate side (one or two words).
    pub candidate: String,
    /// How they matched.
    pub kind: PartKind,
    /// 0..1.
    pub similarity: f32,
}

impl fmt::Display for PartMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ~ {} ({}, {:.2})", self.query, self.candidate, self.kind.label(), self.similarity)
    }
}

/// The result of comparing two names.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    /// 0..1: weighted share of both names covered by matching parts.
    pub score: f32,
    /// The aligned parts, strongest first.
    pub parts: Vec<PartMatch>,
    /// Words of the query left unmatched.
    pub unmatched_query: Vec<String>,
    /// Words of the candidate left unmatched.
    pub unmatched_candidate: Vec<String>,
}

/// Similarity of two single tokens, and how.
pub fn token_similarity(a: &Token, b: &Token) -> Option<(PartKind, f32)> {
    if a.initial || b.initial {
        let (initial, word) = if a.initial { (a, b) } else { (b, a) };
        if word.initial {
            return (initial.text == word.text).then_some((PartKind::Exact, 1.0));
        }
        // An initial stands for a given name, not a father's name.
        if word.patronymic {
            return None;
        }
        let first = |t: &Token| t.text.chars().next();
        return (first(initial) == first(word) || initial.canon.chars().next() == word.canon.chars().next())
            .then_some((PartKind::Initial, 0.75));
    }
    if a.text == b.text {
        return Some((PartKind::Exact, 1.0));
    }
    if a.canon == b.canon {
        return Some((PartKind::Spelling, 0.97));
    }
    if a.phon == b.phon {
        return Some((PartKind::Phonetic, 0.93));
    }
    if a.phon.len() < 3 || b.phon.len() < 3 || a.phon.len().abs_diff(b.phon.len()) > 3 {
        return None;
    }
    // Jaro-Winkler weighs the first letters; variants of a different first letter are covered by
    // the phonetic key, so other pairs need not be measured.
    if a.phon.as_bytes().first() != b.phon.as_bytes().first() {
        return None;
    }
    let jw = strsim::jaro_winkler(&a.phon, &b.phon) as f32;
    // Below 0.90 two Indonesian names are usually different names (Budi/Badu, Rina/Rini,
    // Suharto/Supartono score 0.87–0.89), so the curve starts there.
    // Short names need more: one letter more or less in Sri/Sari is another name.
    let floor = if a.phon.len().min(b.phon.len()) <= 4 { 0.94 } else { 0.90 };
    (jw >= floor).then(|| (PartKind::Similar, 0.55 + (jw - floor) / (1.0 - floor) * 0.35))
}

fn joined(a: &Token, b: &Token) -> Token {
    token(format!("{}{}", a.text, b.text), a.patronymic && b.patronymic)
}

/// Weights: how much a token says about identity. `weight(canon)` is supplied by the caller
/// (e.g. from how often the token occurs in an index); [`default_weight`] works without one.
pub fn default_weight(token: &Token) -> f32 {
    match token.canon.as_str() {
        "MUHAMMAD" | "SITI" | "NUR" | "ABDUL" | "AHMAD" => 0.35,
        _ if token.initial => 0.3,
        _ => 1.0,
    }
}

/// Compares `query` with `candidate`. Tokens are aligned one-to-one (greedily, best pair first)
/// in any order; a pair of adjacent words on one side may match one word on the other. The score
/// is the weighted share of both names covered, each part counted at its similarity. Unmatched
/// patronymic words cost a fifth of their weight and initials half.
pub fn compare(query: &AnalysedName, candidate: &AnalysedName, weight: &dyn Fn(&Token) -> f32) -> NameMatch {
    let wq: Vec<f32> = query.tokens.iter().map(weight).collect();
    let wc: Vec<f32> = candidate.tokens.iter().map(weight).collect();
    align(query, &wq, candidate, &wc, true)
}

/// [`compare`] with the tokens' weights given (one per token, in order).
pub fn compare_weighted(query: &AnalysedName, wq: &[f32], candidate: &AnalysedName, wc: &[f32]) -> NameMatch {
    align(query, wq, candidate, wc, true)
}

/// [`compare_weighted`]'s score alone, without building the explanation (for ranking many
/// candidates).
pub fn score_weighted(query: &AnalysedName, wq: &[f32], candidate: &AnalysedName, wc: &[f32]) -> f32 {
    align(query, wq, candidate, wc, false).score
}

/// One possible pairing: up to two tokens on each side.
#[derive(Clone, Copy)]
struct Pairing {
    q: (usize, Option<usize>),
    c: (usize, Option<usize>),
    kind: PartKind,
    similarity: f32,
    weight: f32,
}

fn indices(pair: (usize, Option<usize>)) -> impl Iterator<Item = usize> {
    std::iter::once(pair.0).chain(pair.1)
}

thread_local! {
    /// Reused between calls: ranking scores thousands of pairs per second.
    static OPTIONS: std::cell::RefCell<Vec<Pairing>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn align(query: &AnalysedName, wq: &[f32], candidate: &AnalysedName, wc: &[f32], explain: bool) -> NameMatch {
    OPTIONS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut options) => align_with(query, wq, candidate, wc, explain, &mut options),
        Err(_) => align_with(query, wq, candidate, wc, explain, &mut Vec::new()),
    })
}

fn align_with(
    query: &AnalysedName,
    wq: &[f32],
    candidate: &AnalysedName,
    wc: &[f32],
    explain: bool,
    options: &mut Vec<Pairing>,
) -> NameMatch {
    let q = &query.tokens;
    let c = &candidate.tokens;
    let weight_of = |w: &[f32], i: usize| w.get(i).copied().unwrap_or(1.0);
    let wq: Vec<f32> = (0..q.len()).map(|i| weight_of(wq, i)).collect();
    let wc: Vec<f32> = (0..c.len()).map(|j| weight_of(wc, j)).collect();
    options.clear();
    for (i, a) in q.iter().enumerate() {
        for (j, b) in c.iter().enumerate() {
            if let Some((kind, similarity)) = token_similarity(a, b) {
                options.push(Pairing { q: (i, None), c: (j, None), kind, similarity, weight: wq[i] + wc[j] });
            }
        }
    }
    // Run-together words: two adjacent words on one side against one word on the other.
    for (i, pair) in query.joins.iter().enumerate() {
        let Some(pair) = pair else { continue };
        for (j, b) in c.iter().enumerate() {
            if let Some((_, similarity)) = token_similarity(pair, b).filter(|(_, s)| *s >= 0.9) {
                let weight = wq[i] + wq[i + 1] + wc[j];
                options.push(Pairing { q: (i, Some(i + 1)), c: (j, None), kind: PartKind::Joined, similarity, weight });
            }
        }
    }
    for (j, pair) in candidate.joins.iter().enumerate() {
        let Some(pair) = pair else { continue };
        for (i, a) in q.iter().enumerate() {
            if let Some((_, similarity)) = token_similarity(a, pair).filter(|(_, s)| *s >= 0.9) {
                let weight = wq[i] + wc[j] + wc[j + 1];
                options.push(Pairing { q: (i, None), c: (j, Some(j + 1)), kind: PartKind::Joined, similarity, weight });
            }
        }
    }
    // Most similar first (so exact words are never displaced by a join); on ties prefer the
    // pairing that covers more weight, then the one whose words sit at more nearly the same place
    // in both names (relative position), then the earlier one in both. These tie-breaks read the
    // two names alike, so comparing A with B pairs the same words as comparing B with A: a name of
    // many initials ("M. H. A. S.") no longer scores differently depending on which side it is on.
    let (nq, nc) = (q.len().max(1) as f32, c.len().max(1) as f32);
    let place = |o: &Pairing| ((o.q.0 as f32 + 0.5) / nq - (o.c.0 as f32 + 0.5) / nc).abs();
    options.sort_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then(y.weight.total_cmp(&x.weight))
            .then(place(x).total_cmp(&place(y)))
            .then((x.q.0 + x.c.0).cmp(&(y.q.0 + y.c.0)))
    });
    let mut used_q = vec![false; q.len()];
    let mut used_c = vec![false; c.len()];
    let mut covered = 0.0_f32;
    let mut parts = Vec::new();
    for &option in options.iter() {
        if indices(option.q).any(|i| used_q[i]) || indices(option.c).any(|j| used_c[j]) {
            continue;
        }
        indices(option.q).for_each(|i| used_q[i] = true);
        indices(option.c).for_each(|j| used_c[j] = true);
        covered += option.similarity * option.weight;
        if explain {
            parts.push(PartMatch {
                query: indices(option.q).map(|i| q[i].text.as_str()).collect::<Vec<_>>().join(" "),
                candidate: indices(option.c).map(|j| c[j].text.as_str()).collect::<Vec<_>>().join(" "),
                kind: option.kind,
                similarity: option.similarity,
            });
        }
    }
    // A patronymic (`binti Syarif`) is often left off one record, so its absence costs little;
    // two different fathers' names, though, are evidence of two people. An initial says little.
    let both_patronymic = q.iter().any(|t| t.patronymic) && c.iter().any(|t| t.patronymic);
    let unmatched_cost = |t: &Token, w: f32| {
        if t.patronymic && !both_patronymic {
            w * 0.2
        } else if t.initial {
            w * 0.5
        } else {
            // Even a common given name left unmatched says "another person" (Muhammad vs Mahmud).
            w.max(0.6)
        }
    };
    let mut total = 0.0_f32;
    let mut unmatched_query = Vec::new();
    let mut unmatched_candidate = Vec::new();
    for (i, t) in q.iter().enumerate() {
        if used_q[i] {
            total += wq[i];
        } else {
            total += unmatched_cost(t, wq[i]);
            if explain {
                unmatched_query.push(t.text.clone());
            }
        }
    }
    for (j, t) in c.iter().enumerate() {
        if used_c[j] {
            total += wc[j];
        } else {
            total += unmatched_cost(t, wc[j]);
            if explain {
                unmatched_candidate.push(t.text.clone());
            }
        }
    }
    let score = if total > 0.0 { (covered / total).clamp(0.0, 1.0) } else { 0.0 };
    NameMatch { score, parts, unmatched_query, unmatched_candidate }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(a: &str, b: &str) -> f32 {
        compare(&analyse(a).unwrap(), &analyse(b).unwrap(), &default_weight).score
    }

    #[test]
    fn spelling_reform_and_arabic_forms_fold_together() {
        for (a, b) in [
            ("Soekarno", "Sukarno"),
            ("Djoko Susilo", "Joko Soesilo"),
            ("Tjahjo", "Cahyo"),
            ("Sjahrial", "Syahrial"),
            ("Chairul Anwar", "Khairul Anwar"),
            ("Jusuf", "Yusuf"),
            ("Mochamad Rizki", "Muhammad Rizki"),
            ("Achmad Fauzi", "Ahmad Fauzi"),
            ("Sitti Aminah", "Siti Aminah"),
            ("Noor Aini", "Nurul Aini"),
            ("Fatimah", "Fatima"),
            ("Desy Ratnasari", "Desi Ratnasari"),
            ("Nurhayati", "Nur Hayati"),
            ("Abdurrahman", "Abdul Rahman"),
            ("Zaynal", "Zainal"),
            ("Aysyah", "Aisyah"),
            ("Jamylah", "Jamilah"),
            ("Siahrul", "Syahrul"),
            ("Yousef Faysal", "Yusuf Faisal"),
            ("Aesha", "Aisyah"),
            ("Setijawan", "Setiawan"),
            ("Eco", "Eko"),
            ("Nasser", "Naseer"),
            ("Nadya", "Nadia"),
            ("Yahya", "Yahia"),
            ("Leyla", "Laila"),
            ("Uthman", "Oesman"),
            ("Noorul Maarani", "Nurul Maharani"),
        ] {
            let s = score(a, b);
            assert!(s >= 0.9, "{a} / {b}: {s}");
        }
    }

    #[test]
    fn order_initials_titles_and_patronymics() {
        assert!(score("Yusuf Muhammad", "Muhammad Yusuf") >= 0.95);
        assert!(score("M. Yusuf", "Muhammad Yusuf") >= 0.8);
        assert!(score("H. Ahmad Dahlan, S.Pd.", "Ahmad Dahlan") >= 0.95);
        assert!(score("Darlis bin Hasan", "Darlis") >= 0.75, "a dropped patronymic costs little");
        assert!(score("Darlis bin Hasan", "Darlis Hasan") >= 0.95);
        assert!(score("SUMIATI SUMIATI", "Sumiati") >= 0.99);
        assert!(score("5ITI AMINAH", "Siti Aminah") >= 0.9, "OCR 5/S");
    }

    #[test]
    fn different_names_stay_apart() {
        for (a, b) in [("Budi Santoso", "Badu Santika"), ("Rina Wati", "Ratna Sari"), ("Siti Aminah", "Siti Rahmah")] {
            let s = score(a, b);
            assert!(s < 0.75, "{a} / {b}: {s}");
        }
        // A common first name alone says little.
        assert!(score("Siti", "Siti Khadijah") < 0.5);
        // Two different fathers' names are two people.
        assert!(score("Mahmud bin Ahmad", "Mahmud bin Sutopo") < 0.75);
        for (a, b) in [("Sri", "Sari"), ("Sari", "Sara"), ("Husain", "Hasan"), ("Suharto", "Supartono")] {
            let s = score(a, b);
            assert!(s < 0.75, "{a} / {b}: {s}");
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(analyse("   "), Err(NameError::Empty));
        assert!(matches!(analyse("H. Drs."), Err(NameError::OnlyTitles(_))));
        assert!(matches!(analyse("Hj."), Err(NameError::OnlyTitles(_))));
        assert_eq!(analyse(&"a".repeat(10_000)), Err(NameError::TooLong));
        assert!(analyse("محمد").is_ok(), "Arabic script is transliterated");
        assert!(analyse("林小兰").is_ok(), "Chinese script is transliterated");
        assert_eq!(analyse("!!!"), Err(NameError::Empty));
    }

    /// Found by the `name_analyse` fuzz target: names of many single-letter initials used to
    /// pair differently depending on which side they were on (0.53 one way, 0.31 the other).
    #[test]
    fn many_initials_pair_the_same_way_in_both_directions() {
        let left = "\0\0\0\0\0\0@KLJlh d\0\0\0J \u{e}HC.hhh.. JMh.h.\u{e}HC.hhh.. J";
        let right = "Mh.h.M Ch.Hh.h\u{e}Mh.=\0\0\0\0\0\0\0\u{8}\0\0\0\0\0\0\0.. J ......\0\0\0\u{2}uhh";
        let (a, b) = (analyse(left).unwrap(), analyse(right).unwrap());
        let ab = compare(&a, &b, &default_weight).score;
        let ba = compare(&b, &a, &default_weight).score;
        assert!((ab - ba).abs() < 0.2, "{ab} one way, {ba} the other");
        let (a, b) = (analyse("M. H. A. Siregar").unwrap(), analyse("H. M. Siregar").unwrap());
        let ab = compare(&a, &b, &default_weight).score;
        let ba = compare(&b, &a, &default_weight).score;
        assert!((ab - ba).abs() < 0.05, "{ab} one way, {ba} the other");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_analyses_or_errs_and_self_matches(text in "\\PC{0,60}") {
                if let Ok(name) = analyse(&text) {
                    let m = compare(&name, &name, &default_weight);
                    prop_assert!(m.score > 0.99, "{text:?}: {}", m.score);
                }
            }

            #[test]
            fn scores_are_in_range_and_symmetric_enough(a in "[A-Za-z .]{1,30}", b in "[A-Za-z .]{1,30}") {
                if let (Ok(x), Ok(y)) = (analyse(&a), analyse(&b)) {
                    let s1 = compare(&x, &y, &default_weight).score;
                    let s2 = compare(&y, &x, &default_weight).score;
                    prop_assert!((0.0..=1.0).contains(&s1));
                    prop_assert!((s1 - s2).abs() < 0.2, "{a:?} {b:?} {s1} {s2}");
                }
            }
        }
    }
}
