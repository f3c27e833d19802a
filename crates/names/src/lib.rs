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

/// Compares `query` with `candidate`. Tokens are aligned one-to-one in any order; a pair of
/// adjacent words on one side may match one word on the other (run together). The score is the
/// weighted share of both names covered, each part counted at its similarity; unmatched patronymic
/// words cost a fifth of their weight and initials half.
///
/// Of all alignments, the one that covers the most is taken: the largest sum, over its parts, of
/// similarity × the weight of the words (on a tie, the one with the higher score). It is found by
/// an exact search, and both directions make the same computation, so comparing A with B gives
/// the same score as B with A, bit for bit. For names too long for that search (more than 8 words
/// in the shorter name or more than 32 in the longer) the alignment falls back to a greedy one,
/// most similar pair first: still the same from either side, but not always the one that covers
/// the most.
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

/// The exact alignment search runs up to this many words in the shorter name: it keeps the best
/// alignment for every set of that name's words (2^8 = 256 sets) ...
const EXACT_MAX_SHORTER: usize = 8;
/// ... and up to this many in the longer name (one row of sets per word).
const EXACT_MAX_LONGER: usize = 32;
/// Between alignments that cover as much, nudges towards the one with the higher score, i.e. the
/// smaller denominator (pairing an initial or a patronymic raises it, a light common word lowers it) ...
const TOTAL_NUDGE: f64 = 1e-6;
/// ... and then towards words at the same relative place in both names (so that the explanation
/// pairs the first `M.` with the first `M.`). Both are far below any real difference in cover.
const PLACE_NUDGE: f64 = 1e-7;
/// No pairing: the word of the longer name is left unmatched.
const SKIP: u16 = u16::MAX;

/// One possible pairing: up to two words of the longer name `a` (the rows of the search; on equal
/// length, the greater by [`side_order`]) with up to two words of the shorter name `b`.
#[derive(Clone, Copy)]
struct Pairing {
    a: (usize, Option<usize>),
    b: (usize, Option<usize>),
    kind: PartKind,
    similarity: f32,
    /// The weights of its words, summed.
    weight: f32,
    /// How much pairing its words adds to the score's denominator: their weight less what they
    /// cost when unmatched (not zero for initials, patronymics and light words).
    extra: f32,
    /// Its `b` words as bits (exact search only).
    mask: u32,
    /// Words of `a` it takes (1 or 2).
    rows: usize,
    /// How far apart its words sit in their names, as shares of the names' lengths.
    place: f32,
}

fn indices(pair: (usize, Option<usize>)) -> impl Iterator<Item = usize> {
    std::iter::once(pair.0).chain(pair.1)
}

/// Working memory of [`align`], reused between calls: ranking scores thousands of pairs per second.
struct Scratch {
    options: Vec<Pairing>,
    /// Where each word of `a` starts in `options` (pairings are made in `a`'s word order).
    row_start: Vec<usize>,
    /// Exact search: the best value for (words of `a` done, set of `b` words used)...
    best: Vec<f64>,
    /// ... and the pairing that led there (or [`SKIP`]).
    from: Vec<u16>,
    /// The greedy fallback's order of all pairings.
    order: Vec<usize>,
    /// The pairings of the alignment, the result.
    kept: Vec<usize>,
    wa: Vec<f32>,
    wb: Vec<f32>,
    cost_a: Vec<f32>,
    cost_b: Vec<f32>,
    used_a: Vec<bool>,
    used_b: Vec<bool>,
}

impl Scratch {
    const fn new() -> Self {
        Scratch {
            options: Vec::new(),
            row_start: Vec::new(),
            best: Vec::new(),
            from: Vec::new(),
            order: Vec::new(),
            kept: Vec::new(),
            wa: Vec::new(),
            wb: Vec::new(),
            cost_a: Vec::new(),
            cost_b: Vec::new(),
            used_a: Vec::new(),
            used_b: Vec::new(),
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = const { std::cell::RefCell::new(Scratch::new()) };
}

fn align(query: &AnalysedName, wq: &[f32], candidate: &AnalysedName, wc: &[f32], explain: bool) -> NameMatch {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => align_with(query, wq, candidate, wc, explain, &mut scratch),
        Err(_) => align_with(query, wq, candidate, wc, explain, &mut Scratch::new()),
    })
}

fn weight_of(w: &[f32], i: usize) -> f32 {
    w.get(i).copied().unwrap_or(1.0)
}

/// Orders two (name, weights) by everything the alignment reads: word count, words, patronymic
/// marks, weights. The greater is searched as `a`, so that comparing A with B and B with A is one
/// and the same computation; names that compare equal are interchangeable.
fn side_order(x: &AnalysedName, wx: &[f32], y: &AnalysedName, wy: &[f32]) -> std::cmp::Ordering {
    fn words(n: &AnalysedName) -> impl Iterator<Item = (&str, bool)> {
        n.tokens.iter().map(|t| (t.text.as_str(), t.patronymic))
    }
    // Any total order will do for the weights; their bits give one.
    fn weights<'a>(n: &AnalysedName, w: &'a [f32]) -> impl Iterator<Item = u32> + 'a {
        (0..n.tokens.len()).map(move |i| weight_of(w, i).to_bits())
    }
    x.tokens
        .len()
        .cmp(&y.tokens.len())
        .then_with(|| words(x).cmp(words(y)))
        .then_with(|| weights(x, wx).cmp(weights(y, wy)))
}

fn align_with(
    query: &AnalysedName,
    wq: &[f32],
    candidate: &AnalysedName,
    wc: &[f32],
    explain: bool,
    s: &mut Scratch,
) -> NameMatch {
    let swap = side_order(query, wq, candidate, wc).is_lt();
    let (a, wa, b, wb) = if swap { (candidate, wc, query, wq) } else { (query, wq, candidate, wc) };
    let (ta, tb) = (&a.tokens, &b.tokens);
    // A patronymic (`binti Syarif`) is often left off one record, so its absence costs little;
    // two different fathers' names, though, are evidence of two people. An initial says little.
    let both_patronymic = ta.iter().any(|t| t.patronymic) && tb.iter().any(|t| t.patronymic);
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
    s.wa.clear();
    s.wa.extend((0..ta.len()).map(|i| weight_of(wa, i)));
    s.wb.clear();
    s.wb.extend((0..tb.len()).map(|j| weight_of(wb, j)));
    s.cost_a.clear();
    s.cost_a.extend(ta.iter().zip(&s.wa).map(|(t, &w)| unmatched_cost(t, w)));
    s.cost_b.clear();
    s.cost_b.extend(tb.iter().zip(&s.wb).map(|(t, &w)| unmatched_cost(t, w)));

    // Every possible pairing, in `a`'s word order: word with word, then `a`'s word run together
    // with the next against a word of `b`, then `a`'s word against two of `b` run together.
    let exact = tb.len() <= EXACT_MAX_SHORTER && ta.len() <= EXACT_MAX_LONGER;
    let (na, nb) = (ta.len().max(1) as f32, tb.len().max(1) as f32);
    let pairing = |a_words: (usize, Option<usize>), b_words: (usize, Option<usize>), kind, similarity| {
        let weight = indices(a_words).map(|i| s.wa[i]).sum::<f32>() + indices(b_words).map(|j| s.wb[j]).sum::<f32>();
        let cost =
            indices(a_words).map(|i| s.cost_a[i]).sum::<f32>() + indices(b_words).map(|j| s.cost_b[j]).sum::<f32>();
        Pairing {
            a: a_words,
            b: b_words,
            kind,
            similarity,
            weight,
            extra: weight - cost,
            mask: if exact { indices(b_words).fold(0, |m, j| m | 1 << j) } else { 0 },
            rows: 1 + usize::from(a_words.1.is_some()),
            place: ((a_words.0 as f32 + 0.5) / na - (b_words.0 as f32 + 0.5) / nb).abs(),
        }
    };
    let mut options = std::mem::take(&mut s.options);
    options.clear();
    s.row_start.clear();
    for (i, x) in ta.iter().enumerate() {
        s.row_start.push(options.len());
        for (j, y) in tb.iter().enumerate() {
            if let Some((kind, similarity)) = token_similarity(x, y) {
                options.push(pairing((i, None), (j, None), kind, similarity));
            }
        }
        if let Some(Some(pair)) = a.joins.get(i) {
            for (j, y) in tb.iter().enumerate() {
                if let Some((_, similarity)) = token_similarity(pair, y).filter(|(_, s)| *s >= 0.9) {
                    options.push(pairing((i, Some(i + 1)), (j, None), PartKind::Joined, similarity));
                }
            }
        }
        for (j, pair) in b.joins.iter().enumerate() {
            let Some(pair) = pair else { continue };
            if let Some((_, similarity)) = token_similarity(x, pair).filter(|(_, s)| *s >= 0.9) {
                options.push(pairing((i, None), (j, Some(j + 1)), PartKind::Joined, similarity));
            }
        }
    }
    s.row_start.push(options.len());
    s.options = options;

    s.kept.clear();
    if s.options.is_empty() {
        // Nothing pairs: nothing to search.
    } else if exact {
        best_alignment(s, ta.len(), tb.len());
    } else {
        greedy_alignment(s, ta.len(), tb.len());
    }

    s.used_a.clear();
    s.used_a.resize(ta.len(), false);
    s.used_b.clear();
    s.used_b.resize(tb.len(), false);
    let mut covered = 0.0_f32;
    for &k in &s.kept {
        let option = s.options[k];
        indices(option.a).for_each(|i| s.used_a[i] = true);
        indices(option.b).for_each(|j| s.used_b[j] = true);
        covered += option.similarity * option.weight;
    }
    let mut total = 0.0_f32;
    for i in 0..ta.len() {
        total += if s.used_a[i] { s.wa[i] } else { s.cost_a[i] };
    }
    for j in 0..tb.len() {
        total += if s.used_b[j] { s.wb[j] } else { s.cost_b[j] };
    }
    let score = if total > 0.0 { (covered / total).clamp(0.0, 1.0) } else { 0.0 };
    if !explain {
        return NameMatch { score, parts: Vec::new(), unmatched_query: Vec::new(), unmatched_candidate: Vec::new() };
    }

    // The explanation, back in the caller's terms: strongest part first, then in the query's order.
    let text = |tokens: &[Token], words: (usize, Option<usize>)| {
        indices(words).map(|i| tokens[i].text.as_str()).collect::<Vec<_>>().join(" ")
    };
    let mut parts: Vec<(usize, PartMatch)> = s
        .kept
        .iter()
        .map(|&k| {
            let option = s.options[k];
            let (x, y) = (text(ta, option.a), text(tb, option.b));
            let (query, candidate, first) = if swap { (y, x, option.b.0) } else { (x, y, option.a.0) };
            (first, PartMatch { query, candidate, kind: option.kind, similarity: option.similarity })
        })
        .collect();
    parts.sort_by(|(i, x), (j, y)| y.similarity.total_cmp(&x.similarity).then(i.cmp(j)));
    let unmatched = |tokens: &[Token], used: &[bool]| {
        tokens.iter().zip(used).filter(|(_, used)| !**used).map(|(t, _)| t.text.clone()).collect::<Vec<_>>()
    };
    let (unmatched_a, unmatched_b) = (unmatched(ta, &s.used_a), unmatched(tb, &s.used_b));
    let (unmatched_query, unmatched_candidate) =
        if swap { (unmatched_b, unmatched_a) } else { (unmatched_a, unmatched_b) };
    NameMatch { score, parts: parts.into_iter().map(|(_, part)| part).collect(), unmatched_query, unmatched_candidate }
}

/// The alignment that covers the most, into `s.kept`: the largest sum of similarity × weight over
/// its parts (then the nudges above), found exactly by dynamic programming over the words of `a`
/// in order, keeping the best value for every set of `b`'s words already used. A pairing takes
/// one or two (run-together) words of `a` and one or two of `b`.
fn best_alignment(s: &mut Scratch, na: usize, nb: usize) {
    let Scratch { options, row_start, best, from, kept, .. } = s;
    let sets = 1_usize << nb;
    best.clear();
    best.resize((na + 1) * sets, f64::NEG_INFINITY);
    from.clear();
    from.resize((na + 1) * sets, SKIP);
    best[0] = 0.0;
    for i in 0..na {
        let row = &options[row_start[i]..row_start[i + 1]];
        for used in 0..sets {
            let value = best[i * sets + used];
            if value == f64::NEG_INFINITY {
                continue;
            }
            // `a`'s word i left unmatched.
            let next = (i + 1) * sets + used;
            if value > best[next] {
                best[next] = value;
                from[next] = SKIP;
            }
            for (k, option) in row.iter().enumerate() {
                let mask = option.mask as usize;
                if used & mask != 0 {
                    continue;
                }
                let gain = f64::from(option.similarity) * f64::from(option.weight)
                    - TOTAL_NUDGE * f64::from(option.extra)
                    + PLACE_NUDGE * (1.0 - f64::from(option.place));
                let next = (i + option.rows) * sets + (used | mask);
                if value + gain > best[next] {
                    best[next] = value + gain;
                    from[next] = (row_start[i] + k) as u16;
                }
            }
        }
    }
    let last = &best[na * sets..];
    let mut used = (0..sets).fold(0, |m, u| if last[u] > last[m] { u } else { m });
    let mut i = na;
    while i > 0 {
        match from[i * sets + used] {
            SKIP => i -= 1,
            k => {
                let option = &options[k as usize];
                kept.push(k as usize);
                used &= !(option.mask as usize);
                i -= option.rows;
            }
        }
    }
}

/// For names too long for [`best_alignment`]: most similar pairs first. On ties, the pairing that
/// covers more weight, then the one whose words sit at more nearly the same place in both names,
/// then the earlier one in both. Into `s.kept`.
fn greedy_alignment(s: &mut Scratch, na: usize, nb: usize) {
    let Scratch { options, order, kept, used_a, used_b, .. } = s;
    order.clear();
    order.extend(0..options.len());
    order.sort_by(|&x, &y| {
        let (x, y) = (&options[x], &options[y]);
        y.similarity
            .total_cmp(&x.similarity)
            .then(y.weight.total_cmp(&x.weight))
            .then(x.place.total_cmp(&y.place))
            .then((x.a.0 + x.b.0).cmp(&(y.a.0 + y.b.0)))
    });
    used_a.clear();
    used_a.resize(na, false);
    used_b.clear();
    used_b.resize(nb, false);
    for &k in order.iter() {
        let option = &options[k];
        if indices(option.a).any(|i| used_a[i]) || indices(option.b).any(|j| used_b[j]) {
            continue;
        }
        indices(option.a).for_each(|i| used_a[i] = true);
        indices(option.b).for_each(|j| used_b[j] = true);
        kept.push(k);
    }
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

    /// Found by the `name_analyse` fuzz target (`fuzz/seeds/name_analyse/asymmetry-0.32`, decoded
    /// here as the target does): `YHA MA AAA` against `AA M MMA AA`. `MA`+`AAA` run together
    /// matches `MMA`, and so does `MMA`+`AA` with `MA`, equally well; the greedy alignment took
    /// whichever join was on the query's side, and that one left nothing for `AAA` (0.47 one way,
    /// 0.79 the other). The best alignment is `MA`~`MMA AA` and `AAA`~`AA`, from either side.
    #[test]
    fn run_together_short_words_pair_the_same_way_in_both_directions() {
        let data =
            [&b"Y}ha(\0?\0ma\x0e \0\0\0!\0\0Aaa\n"[..], &[0; 74], b"aa\n", &[0; 46], b"M.mma\x0e :a$a}"].concat();
        let text = std::str::from_utf8(&data).unwrap();
        let (left, right) = text.split_once('\n').unwrap_or((text, "Siti Rahmawati"));
        let (a, b) = (analyse(left).unwrap(), analyse(right).unwrap());
        let ab = compare(&a, &b, &default_weight);
        let ba = compare(&b, &a, &default_weight);
        assert_eq!(ab.score, ba.score, "{ab:?} one way, {ba:?} the other");
        assert!(ab.score > 0.78, "{ab:?}");
        // The explanation is the same alignment, seen from each side.
        let parts = |m: &NameMatch, swap: bool| {
            let mut parts: Vec<(String, String)> =
                m.parts
                    .iter()
                    .map(|p| {
                        if swap {
                            (p.candidate.clone(), p.query.clone())
                        } else {
                            (p.query.clone(), p.candidate.clone())
                        }
                    })
                    .collect();
            parts.sort();
            parts
        };
        assert_eq!(parts(&ab, false), parts(&ba, true));
        assert_eq!(ab.unmatched_query, ba.unmatched_candidate);
        assert_eq!(ab.unmatched_candidate, ba.unmatched_query);
        let weights = |n: &AnalysedName| n.tokens.iter().map(default_weight).collect::<Vec<_>>();
        let fast = score_weighted(&a, &weights(&a), &b, &weights(&b));
        assert_eq!(fast, ab.score, "score_weighted agrees with compare");
    }

    /// Past the exact search's limits the alignment is greedy, but still the same both ways.
    #[test]
    fn long_names_fall_back_to_greedy_the_same_both_ways() {
        let left = "M. Nur Hayati Siti Aminah binti Abdul Rahman Yusuf Sari Dewi";
        let right = "Muhammad Nurhayati Sitti Aminah Abdurrahman bin Jusuf Sri Dewi Ayu";
        let (a, b) = (analyse(left).unwrap(), analyse(right).unwrap());
        assert!(a.tokens.len().min(b.tokens.len()) > EXACT_MAX_SHORTER, "the test needs long names");
        let (ab, ba) = (compare(&a, &b, &default_weight), compare(&b, &a, &default_weight));
        assert_eq!(ab.score, ba.score);
        assert!(ab.score > 0.7, "{ab:?}");
        assert!(compare(&a, &a, &default_weight).score > 0.99);
        let words: Vec<String> = (0..40).map(|i| format!("Nama{}", char::from(b'A' + i % 26))).collect();
        let long = analyse(&words.join(" ")).unwrap();
        assert!(long.tokens.len() > EXACT_MAX_LONGER, "the test needs a long name");
        assert_eq!(compare(&long, &a, &default_weight).score, compare(&a, &long, &default_weight).score);
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
            fn scores_are_in_range_and_symmetric(a in "[A-Za-z .]{1,30}", b in "[A-Za-z .]{1,30}") {
                if let (Ok(x), Ok(y)) = (analyse(&a), analyse(&b)) {
                    let s1 = compare(&x, &y, &default_weight).score;
                    let s2 = compare(&y, &x, &default_weight).score;
                    prop_assert!((0.0..=1.0).contains(&s1));
                    prop_assert_eq!(s1, s2, "{:?} {:?}", a, b);
                    let (wx, wy) = (weights(&x), weights(&y));
                    prop_assert_eq!(score_weighted(&x, &wx, &y, &wy), s1);
                }
            }

            /// Names made of words that pair in many ways (spellings, initials, run together,
            /// patronymics, common names): the search finds the alignment that covers the most.
            #[test]
            fn the_alignment_covers_the_most(
                a in prop::collection::vec(prop::sample::select(WORDS), 1..=6),
                b in prop::collection::vec(prop::sample::select(WORDS), 1..=6),
            ) {
                let (a, b) = (a.join(" "), b.join(" "));
                if let (Ok(x), Ok(y)) = (analyse(&a), analyse(&b)) {
                    let (wx, wy) = (weights(&x), weights(&y));
                    let mut s = Scratch::new();
                    let found = align_with(&x, &wx, &y, &wy, false, &mut s).score;
                    let covered = s.kept.iter().map(|&k| s.options[k].similarity * s.options[k].weight).sum::<f32>();
                    let most = most_covered_by_trying_all(&s);
                    prop_assert!(covered >= most - 1e-5, "{:?} {:?}: covers {}, {} possible", a, b, covered, most);
                    prop_assert_eq!(found, score_weighted(&y, &wy, &x, &wx));
                }
            }
        }

        const WORDS: &[&str] = &[
            "Nur",
            "Hayati",
            "Nurhayati",
            "Noer",
            "M.",
            "Muhammad",
            "Moh.",
            "Siti",
            "Aminah",
            "Sitiaminah",
            "bin",
            "binti",
            "Hasan",
            "Hasin",
            "Abdul",
            "Rahman",
            "Abdurrahman",
            "A.",
            "Aa",
            "Ma",
            "Mma",
            "Sri",
            "Sari",
            "H.",
            "Yusuf",
            "Jusuf",
            "Yusup",
        ];

        fn weights(name: &AnalysedName) -> Vec<f32> {
            name.tokens.iter().map(default_weight).collect()
        }

        /// The most that any set of non-overlapping pairings covers, tried one by one.
        fn most_covered_by_trying_all(s: &Scratch) -> f32 {
            fn walk(s: &Scratch, next: usize, used_a: u64, used_b: u64, covered: f32, most: &mut f32) {
                *most = most.max(covered);
                for (k, o) in s.options.iter().enumerate().skip(next) {
                    let (a, b) = (indices(o.a).fold(0, |m, i| m | 1 << i), indices(o.b).fold(0, |m, j| m | 1 << j));
                    if used_a & a == 0 && used_b & b == 0 {
                        walk(s, k + 1, used_a | a, used_b | b, covered + o.similarity * o.weight, most);
                    }
                }
            }
            let mut most = 0.0;
            walk(s, 0, 0, 0, 0.0, &mut most);
            most
        }
    }
}
