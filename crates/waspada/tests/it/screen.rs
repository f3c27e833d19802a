//! `waspada screen`: batch screening from files, bad rows reported, good ones screened.

use crate::{arg, check, waspada};

const WATCHLIST: &str = "\
id,category,full_name,aliases,date_of_birth,sex,nationality,document_number,legal_basis,valid_from
W1,person_of_interest,Muhammad Yusuf Saputra,M. Yusuf,1985-04-12,M,IDN,,UU 6/2011 Pasal 66,2026-01-01
W2,pencegahan,Siti Nurhayati,,1990,F,IDN,,UU 6/2011 Pasal 97,2026-01-01
W3,interpol_notice,Tan Wei Ming,,1970,M,MYS,A1234567,Red Notice,2026-01-01
W4,person_of_interest,Hj.,,1970,F,IDN,,x,2026-01-01
,person_of_interest,No Id,,1970,F,IDN,,x,2026-01-01
";

const QUERIES: &str = "\
id,full_name,date_of_birth,sex,nationality,document_number
Q1,Mochamad Jusuf Saputera,1985-04-12,M,IDN,
Q2,Nur Hayati Siti,1990-02-01,F,IDN,
Q3,Someone Else,,M,IDN,a 1234567
Q4,Budi Santoso,1980,M,IDN,
Q5,H. Drs.,,M,IDN,
Q6,Siti Nurhayati,1990,X,IDN,
";

#[test]
fn batch_screening_writes_one_line_per_query_and_reports_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let watchlist = dir.path().join("W.csv");
    let queries = dir.path().join("Q.csv");
    std::fs::write(&watchlist, WATCHLIST).unwrap();
    std::fs::write(&queries, QUERIES).unwrap();
    let run = waspada(&["screen", "--watchlist", arg(&watchlist), "--queries", arg(&queries)], b"");
    check(&run, 2, &["W.csv:5: the name holds only titles", "W.csv:6: id is required", "index: 3 entries"]);
    let lines: Vec<serde_json::Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6, "{}", run.describe());
    let top = |i: usize| lines[i]["hits"][0]["entry_id"].as_str().map(String::from);
    assert_eq!(lines[0]["query_id"], "Q1");
    assert_eq!(top(0).as_deref(), Some("W1"));
    assert!(
        lines[0]["hits"][0]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("date of birth agrees"))
    );
    assert_eq!(top(1).as_deref(), Some("W2"), "split and reordered name");
    assert_eq!(top(2).as_deref(), Some("W3"), "document number dominates");
    assert!(lines[3]["hits"].as_array().unwrap().is_empty(), "no false hit for an unrelated name");
    assert!(lines[4]["error"].as_str().unwrap().contains("only titles"));
    assert!(lines[5]["error"].as_str().unwrap().contains("sex"));
    for line in &lines[..3] {
        let score = line["hits"][0]["score"].as_f64().unwrap();
        assert!((0.8..=1.0).contains(&score), "{line}");
    }
}

#[test]
fn thresholds_out_of_range_and_missing_columns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let watchlist = dir.path().join("W.csv");
    let queries = dir.path().join("Q.csv");
    std::fs::write(&watchlist, WATCHLIST).unwrap();
    std::fs::write(&queries, "name\nBudi\n").unwrap();
    let run =
        waspada(&["screen", "--watchlist", arg(&watchlist), "--queries", arg(&queries), "--threshold", "1.5"], b"");
    check(&run, 1, &["out of range"]);
    let run = waspada(&["screen", "--watchlist", arg(&watchlist), "--queries", arg(&queries)], b"");
    check(&run, 1, &["no `id` column"]);
    // A lower threshold shows more, never fewer, hits.
    std::fs::write(&queries, QUERIES).unwrap();
    let strict = waspada(&["screen", "--watchlist", arg(&watchlist), "--queries", arg(&queries)], b"");
    let loose =
        waspada(&["screen", "--watchlist", arg(&watchlist), "--queries", arg(&queries), "--threshold", "0.3"], b"");
    let count = |out: &str| out.matches("entry_id").count();
    assert!(count(&loose.stdout) >= count(&strict.stdout));
}
