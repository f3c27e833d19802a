//! Writing records in the canonical form.

use std::io::Write;

use crate::FileFormat;
use crate::kinds::{self, Kind, columns};
use crate::read::Record;

/// One exported value.
pub(crate) enum Cell {
    Empty,
    Text(String),
    List(Vec<String>),
}

enum Inner<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json(W),
}

/// Writes records of one kind as CSV (with header) or JSON Lines.
pub struct Writer<W: Write> {
    kind: Kind,
    inner: Inner<W>,
}

impl<W: Write> Writer<W> {
    /// Starts a file; CSV gets its header now.
    pub fn new(kind: Kind, format: FileFormat, output: W) -> std::io::Result<Writer<W>> {
        let inner = match format {
            FileFormat::Csv => {
                let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(output);
                writer.write_record(columns(kind)).map_err(std::io::Error::other)?;
                Inner::Csv(Box::new(writer))
            }
            FileFormat::JsonLines => Inner::Json(output),
        };
        Ok(Writer { kind, inner })
    }

    /// Writes one record; it must be of this writer's kind.
    pub fn write(&mut self, record: &Record) -> std::io::Result<()> {
        let cells = kinds::cells(record);
        match &mut self.inner {
            Inner::Csv(writer) => {
                let values = cells.into_iter().map(|cell| match cell {
                    Cell::Empty => String::new(),
                    Cell::Text(text) => text,
                    Cell::List(items) => items.join("|"),
                });
                writer.write_record(values).map_err(std::io::Error::other)
            }
            Inner::Json(output) => {
                let mut object = serde_json::Map::new();
                for (name, cell) in columns(self.kind).iter().zip(cells) {
                    match cell {
                        Cell::Empty => {}
                        Cell::Text(text) => {
                            object.insert((*name).to_owned(), serde_json::Value::String(text));
                        }
                        Cell::List(items) if items.is_empty() => {}
                        Cell::List(items) => {
                            object
                                .insert((*name).to_owned(), items.into_iter().map(serde_json::Value::String).collect());
                        }
                    }
                }
                serde_json::to_writer(&mut *output, &object).map_err(std::io::Error::other)?;
                output.write_all(b"\n")
            }
        }
    }

    /// Flushes and returns the output.
    pub fn finish(self) -> std::io::Result<W> {
        match self.inner {
            Inner::Csv(writer) => writer.into_inner().map_err(|e| std::io::Error::other(e.to_string())),
            Inner::Json(mut output) => {
                output.flush()?;
                Ok(output)
            }
        }
    }
}
