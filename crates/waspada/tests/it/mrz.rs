//! `waspada mrz check`: documents on stdin, separated by blank lines; one JSON report per line.

use crate::{check, waspada};

const TD3: [&str; 2] = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
const TD1: [&str; 3] =
    ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];

fn reports(stdin: &str) -> Vec<serde_json::Value> {
    let run = waspada(&["mrz", "check", "--today", "2026-11-28"], stdin.as_bytes());
    check(&run, 0, &[]);
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}")))
        .collect()
}

#[test]
fn icao_specimens_and_a_corrupted_one_are_reported_in_order() {
    // The TD3 specimen with line 2 position 10 (the document number's check digit) changed 6 -> 9.
    let bad_line2 = format!("{}9{}", &TD3[1][..9], &TD3[1][10..]);
    assert_eq!(bad_line2.len(), 44);
    let stdin = format!("{}\n\n{}\n\n{}\n{}\n", TD3.join("\n"), TD1.join("\n"), TD3[0], bad_line2);
    let reports = reports(&stdin);
    assert_eq!(reports.len(), 3, "{reports:#?}");

    let valid: Vec<_> = reports.iter().map(|r| r["valid"].clone()).collect();
    assert_eq!(valid, [true, true, false]);
    let formats: Vec<_> = reports.iter().map(|r| r["format"].clone()).collect();
    assert_eq!(formats, ["TD3", "TD1", "TD3"]);
    assert_eq!(reports[0]["fields"]["document_number"], "L898902C3");
    assert_eq!(reports[0]["fields"]["surname"], "ERIKSSON");
    assert_eq!(reports[0]["fields"]["given_names"], "ANNA MARIA");
    assert_eq!(reports[0]["fields"]["date_of_birth"], "1974-08-12");
    assert_eq!(reports[1]["fields"]["document_number"], "D23145890");
    for report in &reports[..2] {
        assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
        assert!(report["warnings"].is_array(), "{report:#}");
    }
    let errors = reports[2]["errors"].as_array().unwrap();
    assert_eq!(errors[0]["field"], "document_number", "{errors:#?}");
    assert!(errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn blank_lines_around_documents_and_windows_line_ends_do_not_matter() {
    let stdin = format!("\n\n{}\r\n\r\n\r\n{}\r\n\n", TD1.join("\r\n"), TD3.join("\r\n"));
    let reports = reports(&stdin);
    let valid: Vec<_> = reports.iter().map(|r| (r["format"].clone(), r["valid"].clone())).collect();
    assert_eq!(valid, [("TD1".into(), true.into()), ("TD3".into(), true.into())]);
}

#[test]
fn garbage_is_a_report_not_a_crash() {
    let garbage = reports("hello\nworld\n\n");
    assert_eq!(garbage.len(), 1);
    assert_eq!(garbage[0]["valid"], false);
    assert!(garbage[0]["errors"].as_array().is_some_and(|e| !e.is_empty()), "{:#}", garbage[0]);
    assert!(reports("").is_empty());
}
