//! Reading and writing the file formats: row errors keep their line, bad bytes never panic, and
//! canonical files survive a read-write round trip byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use proptest::prelude::*;
use waspada_formats::{FileFormat, Kind, Reader, Record, Writer};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn read_all(kind: Kind, format: FileFormat, input: &[u8]) -> Vec<(u64, Result<Record, String>)> {
    Reader::new(kind, format, input, today()).unwrap().collect()
}

fn write_all(kind: Kind, format: FileFormat, records: &[Record]) -> Vec<u8> {
    let mut writer = Writer::new(kind, format, Vec::new()).unwrap();
    for record in records {
        writer.write(record).unwrap();
    }
    writer.finish().unwrap()
}

const PERSONS_CSV: &str = "\
nik,full_name,aliases,date_of_birth,sex,region_code,phones,address
1709015208940001,Siti Nurhaliza,Siti Nur Haliza|Ita,1994-08-12,F,1709012001,+6281234567890|+6285211112222,Jl. Merdeka 1
1709011201900002,Ahmad Fauzi,,1990-01-12,M,170901,,
";

#[test]
fn canonical_csv_round_trips_byte_for_byte() {
    let rows = read_all(Kind::Persons, FileFormat::Csv, PERSONS_CSV.as_bytes());
    let records: Vec<Record> = rows.into_iter().map(|(_, r)| r.unwrap()).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(String::from_utf8(write_all(Kind::Persons, FileFormat::Csv, &records)).unwrap(), PERSONS_CSV);
    let jsonl = write_all(Kind::Persons, FileFormat::JsonLines, &records);
    let again: Vec<Record> =
        read_all(Kind::Persons, FileFormat::JsonLines, &jsonl).into_iter().map(|(_, r)| r.unwrap()).collect();
    assert_eq!(again, records);
    assert_eq!(write_all(Kind::Persons, FileFormat::JsonLines, &again), jsonl);
}

#[test]
fn bad_rows_keep_their_line_numbers_and_good_rows_survive() {
    let input = "\
nik,full_name,date_of_birth,sex
1709015208940001,Siti,1994-08-12,F
170901520894000,Short,1994-08-12,F
1709011201900002,Ahmad,2024-02-30,M

1709011201900002,Ahmad
1709011201900002,Ahmad,1990-01-12,M
";
    let rows = read_all(Kind::Persons, FileFormat::Csv, input.as_bytes());
    let summary: Vec<(u64, bool)> = rows.iter().map(|(line, r)| (*line, r.is_ok())).collect();
    assert_eq!(summary, vec![(2, true), (3, false), (4, false), (6, false), (7, true)]);
    assert_eq!(rows[1].1.as_ref().unwrap_err(), "nik: NIK must have 16 digits, found 15");
    assert!(rows[2].1.as_ref().unwrap_err().contains("not a calendar date"));
    assert!(rows[3].1.as_ref().unwrap_err().contains("expected 4 fields"));
    let crlf = input.replace('\n', "\r\n");
    let rows = read_all(Kind::Persons, FileFormat::Csv, crlf.as_bytes());
    assert_eq!(rows.iter().map(|(line, r)| (*line, r.is_ok())).collect::<Vec<_>>(), summary, "CRLF line endings");
}

#[test]
fn encodings() {
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("nik".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let error = Reader::new(Kind::Persons, FileFormat::Csv, utf16.as_slice(), today()).err().unwrap();
    assert!(error.to_string().contains("UTF-16"));
    let latin1 = b"nik,full_name,date_of_birth,sex\n1709015208940001,Sit\xED,1994-08-12,F\n";
    let rows = read_all(Kind::Persons, FileFormat::Csv, latin1);
    assert!(rows[0].1.as_ref().unwrap_err().contains("field 2 is not valid UTF-8"), "{:?}", rows[0].1);
    let with_bom = b"\xEF\xBB\xBFnik,full_name,date_of_birth,sex\n1709015208940001,Siti,1994-08-12,F\n";
    assert!(read_all(Kind::Persons, FileFormat::Csv, with_bom)[0].1.is_ok(), "a UTF-8 BOM is accepted");
}

#[test]
fn header_problems_are_file_errors() {
    let error = Reader::new(Kind::Persons, FileFormat::Csv, "nik,name\n".as_bytes(), today()).err().unwrap();
    assert!(error.to_string().contains("full_name"), "{error}");
    assert!(Reader::new(Kind::Persons, FileFormat::Csv, "".as_bytes(), today()).is_err());
}

#[test]
fn watchlist_header_from_the_issue_and_extra_columns() {
    let input = "\
id,category,full_name,aliases,date_of_birth,sex,nationality,document_number,legal_basis,valid_from,valid_until,remarks
W-1,person_of_interest,Muhammad Rizki,Mohammad Rizky|M. Rizki,1988,M,IDN,C7654321,SK Kakanim 12/2025,2025-01-01,2026-12-31,ignored
W-2,pencegahan,Budi,,,,,,,2025-01-01,,
";
    let rows = read_all(Kind::Watchlist, FileFormat::Csv, input.as_bytes());
    match &rows[0].1 {
        Ok(Record::Watchlist(entry)) => {
            assert_eq!(entry.aliases.len(), 2);
            assert_eq!(entry.date_of_birth.unwrap().to_string(), "1988");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rows[1].1.as_ref().unwrap_err(), "legal_basis is required");
}

#[test]
fn json_lines_errors() {
    let input = b"{\"nik\":\"1709015208940001\",\"full_name\":\"Siti\",\"date_of_birth\":\"1994-08-12\",\"sex\":\"F\"}\n\n[1,2]\n{bad\n";
    let rows = read_all(Kind::Persons, FileFormat::JsonLines, input);
    assert_eq!(rows.len(), 3);
    assert!(rows[0].1.is_ok());
    assert_eq!(rows[1].0, 3);
    assert!(rows[1].1.as_ref().unwrap_err().contains("JSON object"));
    assert!(rows[2].1.as_ref().unwrap_err().contains("malformed JSON"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// No input makes a reader panic, whatever the kind or format.
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400), kind in 0usize..5, json in any::<bool>()) {
        let kind = Kind::ALL[kind];
        let format = if json { FileFormat::JsonLines } else { FileFormat::Csv };
        let mut input = waspada_formats::columns(kind).join(",").into_bytes();
        input.push(b'\n');
        input.extend(body);
        if let Ok(reader) = Reader::new(kind, format, input.as_slice(), today()) {
            for (_, row) in reader {
                let _ = row;
            }
        }
    }

    /// Rows of plausible-looking cells never panic either and always report a line.
    #[test]
    fn arbitrary_cells_never_panic(cells in proptest::collection::vec("[0-9A-Za-z|:+ .-]{0,20}", 16)) {
        for kind in Kind::ALL {
            let columns = waspada_formats::columns(kind);
            let row = cells[..columns.len()].iter().map(|c| c.replace(',', "")).collect::<Vec<_>>().join(",");
            let input = format!("{}\n{row}\n", columns.join(","));
            for (line, _) in Reader::new(kind, FileFormat::Csv, input.as_bytes(), today()).unwrap() {
                prop_assert_eq!(line, 2);
            }
        }
    }
}
