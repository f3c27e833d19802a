//! Reading CSV and JSON Lines into records, row by row.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDate;
use thiserror::Error;
use waspada_domain::{Crossing, PassportApplication, Person, TravelDocument, WatchlistEntry};

use crate::FileFormat;
use crate::kinds::{self, Kind};

/// One parsed record of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A person.
    Person(Person),
    /// A travel document.
    Document(TravelDocument),
    /// A passport application.
    Application(PassportApplication),
    /// A border crossing.
    Crossing(Crossing),
    /// A watchlist entry.
    Watchlist(WatchlistEntry),
}

/// A problem with a whole file (no row can be read).
#[derive(Debug, Error)]
pub enum FileError {
    /// The header lacks required columns.
    #[error("the header lacks the required column(s) {missing}; found: {found}")]
    MissingColumns {
        /// Missing names, comma-separated.
        missing: String,
        /// The header as read.
        found: String,
    },
    /// The file is not UTF-8 (e.g. UTF-16 from a spreadsheet).
    #[error("the file is {0}, not UTF-8: save or convert it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)")]
    Encoding(&'static str),
    /// The file is empty or has no header.
    #[error("the file is empty: a header row is needed")]
    Empty,
    /// Reading failed.
    #[error("cannot read the file: {0}")]
    Io(String),
}

/// A read-only view of one row's values by column name, shared by CSV and JSON.
pub trait Fields {
    /// The trimmed value, or `None` when absent or blank.
    fn text(&self, name: &str) -> Option<Cow<'_, str>>;
    /// A list value: a JSON array, or text split on `|`.
    fn list(&self, name: &str) -> Vec<String>;
}

fn split_list(text: &str) -> Vec<String> {
    text.split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

struct CsvFields<'a> {
    index: &'a HashMap<String, usize>,
    record: &'a csv::ByteRecord,
}

impl Fields for CsvFields<'_> {
    fn text(&self, name: &str) -> Option<Cow<'_, str>> {
        let bytes = self.record.get(*self.index.get(name)?)?;
        // The whole record was checked to be UTF-8 before this view was made.
        let text = std::str::from_utf8(bytes).ok()?.trim();
        (!text.is_empty()).then_some(Cow::Borrowed(text))
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.text(name).map(|t| split_list(&t)).unwrap_or_default()
    }
}

/// The [`Fields`] view of a JSON object (one JSON Lines row, or an API request body).
pub struct JsonFields<'a>(pub &'a serde_json::Map<String, serde_json::Value>);

impl Fields for JsonFields<'_> {
    fn text(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.0.get(name)? {
            serde_json::Value::String(s) => {
                let t = s.trim();
                (!t.is_empty()).then_some(Cow::Borrowed(t))
            }
            serde_json::Value::Number(n) => Some(Cow::Owned(n.to_string())),
            serde_json::Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            _ => None,
        }
    }

    fn list(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|v| match v {
                    serde_json::Value::String(s) => Some(s.trim().to_owned()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .filter(|s| !s.is_empty())
                .collect(),
            Some(serde_json::Value::String(s)) => split_list(s),
            _ => Vec::new(),
        }
    }
}

/// Parses one JSON object as a record of `kind`.
pub fn record_from_json(
    kind: Kind,
    object: &serde_json::Map<String, serde_json::Value>,
    today: NaiveDate,
) -> Result<Record, String> {
    kinds::record(kind, &JsonFields(object), today)
}

/// Remembers where each newline is, so that a record's line can be computed from its byte
/// offset. The csv crate's own line counter skips blank lines, which would misreport every row
/// after one.
pub(crate) struct LineIndex<R: Read> {
    inner: Sniffed<R>,
    offset: u64,
    /// Offsets of `\n` bytes read but not yet passed, with whether a `\r` precedes each.
    newlines: std::collections::VecDeque<(u64, bool)>,
    lines_before: u64,
    last_was_cr: bool,
    /// Offsets of `"` bytes read but not yet passed, to tell whether the last row ends inside
    /// a quoted field.
    quotes: std::collections::VecDeque<u64>,
    /// A read returned end of file.
    at_eof: bool,
}

impl<R: Read> Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (index, byte) in buf[..n].iter().enumerate() {
            if *byte == b'\n' {
                self.newlines.push_back((self.offset + index as u64, self.last_was_cr));
            } else if *byte == b'"' {
                self.quotes.push_back(self.offset + index as u64);
            }
            self.last_was_cr = *byte == b'\r';
        }
        if n == 0 && !buf.is_empty() {
            self.at_eof = true;
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R: Read> LineIndex<R> {
    /// The 1-based line of a byte offset; offsets must be asked for in increasing order.
    fn line_of(&mut self, mut byte: u64) -> u64 {
        while self.quotes.front().is_some_and(|&at| at < byte) {
            self.quotes.pop_front();
        }
        while self.newlines.front().is_some_and(|&(at, _)| at < byte) {
            self.newlines.pop_front();
            self.lines_before += 1;
        }
        // The csv crate starts a record after blank lines at the first blank line: step over them.
        loop {
            match self.newlines.front() {
                Some(&(at, _)) if at == byte => byte += 1,
                Some(&(at, true)) if at == byte + 1 => byte += 2,
                _ => break,
            }
            self.newlines.pop_front();
            self.lines_before += 1;
        }
        self.lines_before + 1
    }

    /// Whether the record whose line was just asked for ran into the end of the file inside a
    /// quoted field: an odd number of quotes from its start to the end. The csv crate accepts
    /// such a record silently, but it is what a file cut off mid-row looks like. Only the last
    /// record can have seen the end of the file: the others end at their newline.
    fn ends_inside_quotes(&self) -> bool {
        self.at_eof && self.quotes.len() % 2 == 1
    }
}

enum Inner<R: Read> {
    // Boxed: the csv reader and its line index are far larger than the JSON variant.
    Csv { reader: Box<csv::Reader<LineIndex<R>>>, index: HashMap<String, usize>, width: usize, record: csv::ByteRecord },
    Json { reader: BufReader<Sniffed<R>>, line: u64, buffer: Vec<u8> },
}

/// Reads a file row by row: `(line, Ok(record))` or `(line, Err(reason))`. A read failure is
/// reported as a row error and ends the iteration.
pub struct Reader<R: Read> {
    kind: Kind,
    today: NaiveDate,
    inner: Inner<R>,
    done: bool,
}

/// A reader that remembers the first bytes so the encoding can be checked.
pub(crate) struct Sniffed<R: Read> {
    head: Vec<u8>,
    position: usize,
    rest: R,
}

impl<R: Read> Read for Sniffed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.position < self.head.len() {
            let n = (self.head.len() - self.position).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.position..self.position + n]);
            self.position += n;
            return Ok(n);
        }
        self.rest.read(buf)
    }
}

fn sniff<R: Read>(mut input: R) -> Result<Sniffed<R>, FileError> {
    let mut head = vec![0u8; 4];
    let mut filled = 0;
    while filled < head.len() {
        match input.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FileError::Io(e.to_string())),
        }
    }
    head.truncate(filled);
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::Encoding("UTF-16"));
    }
    // UTF-16 without a byte-order mark: ASCII text shows a NUL byte beside each letter, which
    // UTF-8 text never holds. Without this check the header is read as garbage and the message
    // says the columns are missing, which sends the clerk looking in the wrong place.
    if head.len() >= 2 && (head[0] == 0) != (head[1] == 0) {
        return Err(FileError::Encoding("UTF-16"));
    }
    // Drop a UTF-8 byte-order mark, which spreadsheet programs like to write.
    let position = if head.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
    Ok(Sniffed { head, position, rest: input })
}

impl<R: Read> Reader<R> {
    /// Opens a reader. For CSV the header is read and checked now.
    pub fn new(kind: Kind, format: FileFormat, input: R, today: NaiveDate) -> Result<Reader<R>, FileError> {
        let input = sniff(input)?;
        let inner = match format {
            FileFormat::Csv => {
                let input = LineIndex {
                    inner: input,
                    offset: 0,
                    newlines: Default::default(),
                    lines_before: 0,
                    last_was_cr: false,
                    quotes: Default::default(),
                    at_eof: false,
                };
                let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(input);
                let header = reader.byte_headers().map_err(|e| FileError::Io(e.to_string()))?.clone();
                if header.is_empty() || header.iter().all(|h| h.is_empty()) {
                    return Err(FileError::Empty);
                }
                let names: Vec<String> =
                    header.iter().map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase()).collect();
                let mut index = HashMap::new();
                for (position, name) in names.iter().enumerate() {
                    index.entry(name.clone()).or_insert(position);
                }
                let missing: Vec<&str> =
                    kind.required_columns().iter().copied().filter(|c| !index.contains_key(*c)).collect();
                if !missing.is_empty() {
                    return Err(FileError::MissingColumns { missing: missing.join(", "), found: names.join(",") });
                }
                Inner::Csv { reader: Box::new(reader), index, width: names.len(), record: csv::ByteRecord::new() }
            }
            FileFormat::JsonLines => {
                Inner::Json { reader: BufReader::with_capacity(1 << 16, input), line: 0, buffer: Vec::new() }
            }
        };
        Ok(Reader { kind, today, inner, done: false })
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = (u64, Result<Record, String>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let (kind, today) = (self.kind, self.today);
        match &mut self.inner {
            Inner::Csv { reader, index, width, record } => loop {
                match reader.read_byte_record(record) {
                    Ok(false) => {
                        self.done = true;
                        return None;
                    }
                    Ok(true) => {
                        let byte = record.position().map_or(0, |p| p.byte());
                        let line = reader.get_mut().line_of(byte);
                        if reader.get_ref().ends_inside_quotes() {
                            let reason = "the file ends inside a quoted field: the row is cut off (a truncated file?) or a quote is not closed";
                            return Some((line, Err(reason.into())));
                        }
                        if record.len() == 1 && record.get(0).is_some_and(|f| f.iter().all(u8::is_ascii_whitespace)) {
                            continue; // A blank line.
                        }
                        if record.len() != *width {
                            let reason = format!(
                                "expected {width} fields as in the header, found {} (a truncated line, or an unquoted comma?)",
                                record.len()
                            );
                            return Some((line, Err(reason)));
                        }
                        if std::str::from_utf8(record.as_slice()).is_err() {
                            // Report the error of the bad field itself, so its byte index counts
                            // from the start of that field rather than of the whole row.
                            let (bad_field, e) = (0..record.len())
                                .find_map(|i| {
                                    record.get(i).and_then(|f| std::str::from_utf8(f).err()).map(|e| (i + 1, e))
                                })
                                .map_or((0, String::new()), |(i, e)| (i, format!(" ({e})")));
                            return Some((
                                line,
                                Err(format!("field {bad_field} is not valid UTF-8{e}; save the file as UTF-8")),
                            ));
                        }
                        let fields = CsvFields { index, record };
                        return Some((line, kinds::record(kind, &fields, today)));
                    }
                    Err(e) => {
                        let line = match e.position() {
                            Some(position) => reader.get_mut().line_of(position.byte()),
                            None => 0,
                        };
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            self.done = true;
                        }
                        return Some((line, Err(format!("malformed CSV: {e}"))));
                    }
                }
            },
            Inner::Json { reader, line, buffer } => loop {
                buffer.clear();
                match reader.read_until(b'\n', buffer) {
                    Ok(0) => {
                        self.done = true;
                        return None;
                    }
                    Ok(_) => {
                        *line += 1;
                        let text = match std::str::from_utf8(buffer) {
                            Ok(text) => text.trim(),
                            Err(e) => {
                                return Some((*line, Err(format!("not valid UTF-8 ({e}); save the file as UTF-8"))));
                            }
                        };
                        if text.is_empty() {
                            continue;
                        }
                        let object = match serde_json::from_str::<serde_json::Value>(text) {
                            Ok(serde_json::Value::Object(object)) => object,
                            Ok(_) => return Some((*line, Err("each line must be a JSON object".into()))),
                            Err(e) => return Some((*line, Err(format!("malformed JSON: {e}")))),
                        };
                        return Some((*line, record_from_json(kind, &object, today)));
                    }
                    Err(e) => {
                        self.done = true;
                        return Some((*line + 1, Err(format!("cannot read: {e}"))));
                    }
                }
            },
        }
    }
}
