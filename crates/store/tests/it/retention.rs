//! Retention: records past their period are crypto-shredded (data key destroyed), unless held by
//! an open case; a dry run changes nothing.

use chrono::{Duration, Utc};
use serde_json::json;
use waspada_store::{
    Idempotency, NewSubmission, QueueQuery, Receipt, RetentionPolicy, SubmissionKind, SubmissionStatus,
};

use crate::fixtures::{clerk, count};
use crate::support::Harness;

both_backends!(expired_records_are_shredded_unless_an_open_case_holds_them);

fn submission(kind: SubmissionKind, what: &str) -> NewSubmission {
    NewSubmission {
        kind,
        form_version: 1,
        region_code: None,
        destination: None,
        minor_involved: false,
        anonymous: true,
        urgency: 10,
        spam_score: 0,
        terms: vec![("phone".into(), format!("+62{what}"))],
        content: json!({ "what": what }),
    }
}

fn expired_records_are_shredded_unless_an_open_case_holds_them(harness: &Harness) {
    let store = harness.open();
    let key = |n: u32| Idempotency::new(&format!("retention-key-{n:06}"), &[&n.to_be_bytes()]);
    let spam = store.submit(&submission(SubmissionKind::Report, "spam"), &key(1)).unwrap();
    store.set_submission_status(spam.id, SubmissionStatus::Spam, &clerk()).unwrap();
    let lone = store.submit(&submission(SubmissionKind::Report, "lone"), &key(2)).unwrap();
    let held = store.submit(&submission(SubmissionKind::Report, "held"), &key(3)).unwrap();
    store.open_case("Masih berjalan", "", &[held.id], &clerk()).unwrap();
    let travel = store.submit(&submission(SubmissionKind::LaporDiri, "travel"), &key(4)).unwrap();
    store.update_submission(&travel.receipt, &json!({ "what": "pulang" }), true, &key(5)).unwrap();
    let policy = RetentionPolicy::default();
    let keys_before = count(&store, "data_keys");

    // 100 days on: only the spam is past its period. A dry run changes nothing.
    let soon = store.apply_retention(&policy, Utc::now() + Duration::days(100), true, &clerk()).unwrap();
    let due: Vec<&str> = soon.due.iter().map(|i| i.subject.as_str()).collect();
    assert_eq!(due, [format!("submission:{}", spam.id)]);
    assert_eq!(count(&store, "data_keys"), keys_before);
    assert!(store.submission_state(&spam.receipt).unwrap().is_some());

    // Six years on: everything but the report in the open case goes.
    let later = Utc::now() + Duration::days(6 * 365);
    let report = store.apply_retention(&policy, later, false, &clerk()).unwrap();
    let mut due: Vec<String> = report.due.iter().map(|i| i.subject.clone()).collect();
    due.sort();
    let mut expected: Vec<String> = [spam.id, lone.id, travel.id].iter().map(|id| format!("submission:{id}")).collect();
    expected.sort();
    assert_eq!(due, expected);
    assert_eq!(report.held.len(), 1);
    assert_eq!(report.held[0].subject, format!("submission:{}", held.id));
    assert!(report.held[0].held_by.as_deref().unwrap().contains("open case"));
    assert_eq!(report.idempotency_keys, 5, "every idempotency key is older than 30 days by then");
    assert_eq!(count(&store, "data_keys"), keys_before - 3, "three data keys destroyed");
    assert_eq!(count(&store, "idempotency_keys"), 0);
    // Shredded: gone from every view, the receipt answers nothing; the held one is intact.
    for receipt in [&spam.receipt, &lone.receipt, &travel.receipt] {
        assert!(store.submission_state(receipt).unwrap().is_none());
    }
    assert!(store.submission(lone.id, &clerk()).unwrap().is_none());
    let all = store.triage_queue(&QueueQuery { include_done: true, ..QueueQuery::default() }, &clerk()).unwrap();
    assert_eq!(all.iter().map(|i| i.id).collect::<Vec<_>>(), [held.id]);
    assert_eq!(all[0].same_recruiter, Vec::<i64>::new());
    assert_eq!(store.submission(held.id, &clerk()).unwrap().unwrap().item.content["what"], "held");
    assert!(Receipt::parse(held.receipt.as_str()).is_some());
    // Running again finds nothing new.
    let again = store.apply_retention(&policy, later, false, &clerk()).unwrap();
    assert!(again.due.is_empty());
}
