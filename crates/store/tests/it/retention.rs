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

pub(crate) fn submission(kind: SubmissionKind, what: &str) -> NewSubmission {
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

#[test]
fn shredding_reaches_backups_made_before_it() {
    crate::support::on_sqlite(|harness| {
        let store = harness.open();
        let key = |n: u32| Idempotency::new(&format!("backup-proof-{n:06}"), &[&n.to_be_bytes()]);
        let spam = store.submit(&submission(SubmissionKind::Report, "akan dihapus"), &key(1)).unwrap();
        store.set_submission_status(spam.id, SubmissionStatus::Spam, &clerk()).unwrap();
        let kept = store.submit(&submission(SubmissionKind::Report, "tetap ada"), &key(2)).unwrap();
        let case = store.open_case("Kasus berjalan", "ringkasan", &[], &clerk()).unwrap();
        let retention_file = harness.config().data_dir.join(waspada_store::RETENTION_KEY_FILE);
        assert!(retention_file.exists(), "the first report made the retention key file");
        let before = harness.scratch_path("before.db");
        store.backup(&before, &clerk()).unwrap();
        let keys_before_run = std::fs::read(&retention_file).unwrap();

        // 100 days on, the spam is shredded; a new epoch starts and the old one's key is destroyed.
        let report = store
            .apply_retention(&RetentionPolicy::default(), Utc::now() + Duration::days(100), false, &clerk())
            .unwrap();
        assert_eq!(report.due.len(), 1);
        let epoch = report.epoch.expect("a shredding starts a new epoch");
        assert_eq!(report.destroyed_epochs, [epoch - 1]);
        assert_eq!(report.keys_moved, 2, "the surviving report and the case moved to the new epoch");
        assert_ne!(std::fs::read(&retention_file).unwrap(), keys_before_run);
        // Live: the survivors read as before.
        assert_eq!(store.submission(kept.id, &clerk()).unwrap().unwrap().item.content["what"], "tetap ada");
        assert!(store.case(case.0, &clerk()).unwrap().is_some());
        let after = harness.scratch_path("after.db");
        store.backup(&after, &clerk()).unwrap();
        drop(store);

        // The backup made before the run, restored with today's retention keys: the shredded
        // report cannot be read — nor anything else of its kind, whose keys were in the old epoch.
        let restore = |backup: &std::path::Path, keys: &[u8], name: &str| {
            let folder = harness.scratch_path(name);
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::copy(backup, folder.join("waspada.db")).unwrap();
            std::fs::copy(harness.config().data_dir.join("master.key"), folder.join("master.key")).unwrap();
            std::fs::write(folder.join(waspada_store::RETENTION_KEY_FILE), keys).unwrap();
            let mut config = harness.config();
            config.data_dir = folder;
            waspada_store::Store::open(&config).unwrap()
        };
        let keys_now = std::fs::read(&retention_file).unwrap();
        let old = restore(&before, &keys_now, "restored-before");
        let refused = old.submission(spam.id, &clerk()).unwrap_err().to_string();
        assert!(refused.contains("destroyed"), "{refused}");
        assert!(old.submission(kept.id, &clerk()).is_err());
        // Only the copy of the old retention keys, which the operator was told to destroy, would
        // still open it: the guarantee rests on that copy being gone.
        let with_old_keys = restore(&before, &keys_before_run, "restored-with-old-keys");
        assert!(with_old_keys.submission(spam.id, &clerk()).unwrap().is_some());
        // Retention goes on in the old copy: what its keys can no longer open counts as shredded
        // (the run does not stop at it), and new reports work under the current epoch.
        let later = Utc::now() + Duration::days(100);
        let swept = old.apply_retention(&RetentionPolicy::default(), later, false, &clerk()).unwrap();
        assert_eq!(swept.due.len(), 1, "the spam is due and shredded as usual");
        assert_eq!(swept.keys_unreadable, 2, "the kept report and the case");
        assert!(old.submission(kept.id, &clerk()).unwrap().is_none());
        let again = old.apply_retention(&RetentionPolicy::default(), later, false, &clerk()).unwrap();
        assert_eq!(again.keys_unreadable, 0);
        let fresh = old.submit(&submission(SubmissionKind::Report, "sesudah pemulihan"), &key(3)).unwrap();
        assert_eq!(old.submission(fresh.id, &clerk()).unwrap().unwrap().item.content["what"], "sesudah pemulihan");

        // The backup made after the run reads in full with today's keys.
        let new = restore(&after, &keys_now, "restored-after");
        assert_eq!(new.submission(kept.id, &clerk()).unwrap().unwrap().item.content["what"], "tetap ada");
        assert!(new.submission(spam.id, &clerk()).unwrap().is_none());

        // Without the retention key file, a store that needs it does not open (rather than making
        // a new key that could read nothing).
        let folder = harness.scratch_path("restored-without-keys");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(&after, folder.join("waspada.db")).unwrap();
        std::fs::copy(harness.config().data_dir.join("master.key"), folder.join("master.key")).unwrap();
        let mut config = harness.config();
        config.data_dir = folder;
        let error = waspada_store::Store::open(&config).unwrap_err().to_string();
        assert!(error.contains("retention key file") && error.contains("is missing"), "{error}");
        // Lost for good: the advice in the message (an empty key list) lets the store go on, with
        // the records sealed under the lost file counted as shredded and new ones working.
        let advised = error.split("write ").nth(1).and_then(|rest| rest.split(" into it").next()).unwrap().to_owned();
        std::fs::write(config.data_dir.join(waspada_store::RETENTION_KEY_FILE), &advised).unwrap();
        let lost = waspada_store::Store::open(&config).unwrap();
        let fresh = lost.submit(&submission(SubmissionKind::Report, "baru"), &key(4)).unwrap();
        assert_eq!(lost.submission(fresh.id, &clerk()).unwrap().unwrap().item.content["what"], "baru");
        let swept = lost.apply_retention(&RetentionPolicy::default(), Utc::now(), false, &clerk()).unwrap();
        assert_eq!(swept.keys_unreadable, 2, "the kept report and the case");
        assert_eq!(lost.submission(fresh.id, &clerk()).unwrap().unwrap().item.content["what"], "baru");
    });
}

both_backends!(retention_keys_survive_a_master_key_rotation_and_reopening);

fn retention_keys_survive_a_master_key_rotation_and_reopening(harness: &Harness) {
    let store = harness.open();
    let key = |n: u32| Idempotency::new(&format!("rotation-retention-{n:06}"), &[&n.to_be_bytes()]);
    let spam = store.submit(&submission(SubmissionKind::Report, "spam"), &key(1)).unwrap();
    store.set_submission_status(spam.id, SubmissionStatus::Spam, &clerk()).unwrap();
    let kept = store.submit(&submission(SubmissionKind::Sos, "tolong"), &key(2)).unwrap();
    let report =
        store.apply_retention(&RetentionPolicy::default(), Utc::now() + Duration::days(100), false, &clerk()).unwrap();
    assert!(report.epoch.is_some());
    store.rotate_master_key(&clerk()).unwrap();
    // A report made after the rotation, under the new epoch and the new master key.
    let later = store.submit(&submission(SubmissionKind::Report, "sesudah"), &key(3)).unwrap();
    drop(store);
    let reopened = harness.open();
    assert_eq!(reopened.submission(kept.id, &clerk()).unwrap().unwrap().item.content["what"], "tolong");
    assert_eq!(reopened.submission(later.id, &clerk()).unwrap().unwrap().item.content["what"], "sesudah");
    assert!(reopened.submission(spam.id, &clerk()).unwrap().is_none());
}
