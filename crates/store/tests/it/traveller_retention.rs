//! Retention of traveller records: a person (with documents, applications, crossings) or a
//! holderless document falls due a period after its last activity and is deleted with its key,
//! unless held; their keys live in month buckets so that shredding reaches backups without
//! making a backup lose everyone else.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use waspada_domain::{Direction, Sex};
use waspada_store::{ConflictPolicy, NewParty, NewSubjectRequest, PartyRole, RequestKind, RetentionPolicy, Store};

use crate::fixtures::{clerk, count, crossing, passport, person, watch};
use crate::support::Harness;

both_backends!(travellers_fall_due_after_their_last_activity_unless_held);

fn stamp(at: chrono::DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn travellers_fall_due_after_their_last_activity_unless_held(harness: &Harness) {
    let store = harness.open();
    let context = clerk();
    let policy = ConflictPolicy::Reject;
    let lama = person("Rahmat Lama", "1980-02-03", Sex::Male, 1);
    let baru = person("Yanti Baru", "1990-04-05", Sex::Female, 2);
    let diawasi = person("Joko Diawasi", "1975-06-07", Sex::Male, 3);
    let bertanya = person("Sari Bertanya", "1985-08-09", Sex::Female, 4);
    let dikasus = person("Dodi Dikasus", "1988-10-11", Sex::Male, 5);
    let everyone = [&lama, &baru, &diawasi, &bertanya, &dikasus];
    store.import_persons(&everyone.map(Clone::clone), policy, &context).unwrap();
    let lama_passport = passport("C1000001", "IDN", Some(&lama), "2020-01-01");
    let baru_passport = passport("C1000002", "IDN", Some(&baru), "2020-01-01");
    let holderless = passport("C1000003", "IDN", None, "2019-01-01");
    store
        .import_documents(&[lama_passport.clone(), baru_passport.clone(), holderless.clone()], policy, &context)
        .unwrap();
    // Yanti's last crossing is three years from now: her records fall due three years later.
    let three_years = stamp(Utc::now() + Duration::days(3 * 365));
    store
        .import_crossings(
            &[
                crossing(&lama_passport, Direction::Exit, "BKS", "2024-01-05T02:00:00Z"),
                crossing(&baru_passport, Direction::Exit, "BKS", &three_years),
                crossing(&holderless, Direction::Entry, "BKS", "2023-03-01T02:00:00Z"),
            ],
            policy,
            &context,
        )
        .unwrap();
    let mut entry = watch("WL-HOLD", "Joko Diawasi");
    entry.nik = Some(diawasi.nik.clone());
    // An entry that ended in 2020 falls due two years after its last change (its import today).
    let mut ended = watch("WL-OLD", "Bambang Kadaluarsa");
    ended.valid_from = crate::fixtures::date("2019-01-01");
    ended.valid_until = Some(crate::fixtures::date("2020-12-31"));
    store.import_watchlist(&[entry, ended], policy, &context).unwrap();
    let id_of = |p: &waspada_domain::Person| store.person_by_nik(&p.nik, &context).unwrap().unwrap().id;
    store
        .record_subject_request(
            &NewSubjectRequest {
                kind: RequestKind::Access,
                person_id: id_of(&bertanya),
                requester: "Sari".into(),
                detail: "salinan data".into(),
                correction: None,
            },
            &context,
        )
        .unwrap();
    let (case_id, _) = store.open_case("Perekrutan Dodi", "", &[], &context).unwrap();
    store
        .add_case_party(
            case_id,
            &NewParty {
                role: PartyRole::Suspect,
                person_id: Some(id_of(&dikasus)),
                name: "Dodi".into(),
                phone: None,
                note: None,
            },
            &context,
        )
        .unwrap();
    let persons_before = count(&store, "persons");
    let later = Utc::now() + Duration::days(10 * 365 + 100);
    let retention = RetentionPolicy::default();

    // Not yet: nothing is due a year from now.
    let soon = store.apply_retention(&retention, Utc::now() + Duration::days(365), true, &clerk()).unwrap();
    assert!(soon.due.iter().all(|i| i.kind != "traveller"), "{soon:?}");

    // A dry run ten years on lists Rahmat, the holderless passport and the ended watchlist entry
    // (the one in force stays), and the three held.
    let dry = store.apply_retention(&retention, later, true, &clerk()).unwrap();
    let mut due: Vec<&str> = dry.due.iter().map(|i| i.subject.as_str()).collect();
    due.sort();
    assert_eq!(due.len(), 3, "{dry:?}");
    assert!(due.contains(&format!("person:{}", id_of(&lama)).as_str()), "{due:?}");
    assert!(due.iter().any(|s| s.starts_with("traveller-key:")), "{due:?}");
    assert!(due.iter().any(|s| s.starts_with("watchlist:")), "{due:?}");
    assert_eq!(dry.due.iter().filter(|i| i.kind == "watchlist").count(), 1);
    let mut held: Vec<&str> = dry.held.iter().filter_map(|i| i.held_by.as_deref()).collect();
    held.sort();
    assert_eq!(held.len(), 3, "{dry:?}");
    assert!(held[0].contains("data-subject request"), "{held:?}");
    assert!(held[1].contains("open case"), "{held:?}");
    assert!(held[2].contains("watchlist"), "{held:?}");
    assert_eq!(count(&store, "persons"), persons_before, "a dry run changes nothing");
    assert!(store.person_by_nik(&lama.nik, &context).unwrap().is_some());

    // The run shreds them: the rows, their blind indexes and the keys are gone.
    let report = store.apply_retention(&retention, later, false, &clerk()).unwrap();
    assert_eq!(report.travellers_shredded, 3, "{report:?}");
    assert_eq!(count(&store, "watchlist"), 1, "the entry in force stays");
    assert_eq!(count(&store, "persons"), persons_before - 1);
    assert!(store.persons_by_name("Rahmat Lama", None, 10, &context).unwrap().is_empty());
    assert!(store.person_by_nik(&lama.nik, &context).unwrap().is_none());
    assert!(store.documents_by_number("C1000001", None, &context).unwrap().is_empty());
    assert!(store.documents_by_number("C1000003", None, &context).unwrap().is_empty());
    assert_eq!(count(&store, "crossings"), 1, "only Yanti's crossing is left");
    assert_eq!(count(&store, "documents"), 1);
    // The creation month's bucket (today plus ten years) has passed by then: destroyed.
    let creation_month = Utc::now().date_naive() + Duration::days(waspada_store::DEFAULT_TRAVELLER_DAYS);
    let creation_month = creation_month.year() * 100 + creation_month.month() as i32;
    assert!(report.destroyed_buckets.contains(&creation_month), "{report:?}");
    // Everyone else reads as before.
    for kept in [&baru, &diawasi, &bertanya, &dikasus] {
        let found = store.person_by_nik(&kept.nik, &context).unwrap().unwrap();
        assert_eq!(found.record.full_name, kept.full_name);
    }
    assert_eq!(store.documents_by_number("C1000002", None, &context).unwrap().len(), 1);
    // Each shredding is in the audit log.
    let audit = store
        .audit_entries(&waspada_store::AuditQuery {
            action: Some("retention.shred".into()),
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(audit.len(), 3, "{audit:?}");
    // A second run at the same time finds nothing new to shred.
    let again = store.apply_retention(&retention, later, false, &clerk()).unwrap();
    assert_eq!(again.travellers_shredded, 0, "{again:?}");
    // The NIK can be registered again (a returning citizen): nothing of the old record is in the way.
    store.import_persons(std::slice::from_ref(&lama), policy, &context).unwrap();
    assert!(store.person_by_nik(&lama.nik, &context).unwrap().is_some());
    // A period shorter than a year is refused: new keys are filed under today plus the period.
    let short = RetentionPolicy { traveller_days: 30, ..RetentionPolicy::default() };
    let refused = store.apply_retention(&short, later, true, &clerk()).unwrap_err().to_string();
    assert!(refused.contains("at least 365 days"), "{refused}");
    let short = RetentionPolicy { watchlist_days: 30, ..RetentionPolicy::default() };
    assert!(store.apply_retention(&short, later, true, &clerk()).is_err());
    let endless = RetentionPolicy { traveller_days: i64::MAX, ..RetentionPolicy::default() };
    assert!(store.apply_retention(&endless, later, true, &clerk()).is_err());
}

/// Picks a period near ten years whose due day (from today) is early in its month, so that a
/// run the day after is in the same month (the bucket is renewed, not simply past).
fn period_due_early_in_a_month() -> (i64, NaiveDate) {
    let today = Utc::now().date_naive();
    (0..40)
        .map(|extra| waspada_store::DEFAULT_TRAVELLER_DAYS + extra)
        .map(|days| (days, today + Duration::days(days)))
        .find(|(_, due)| due.day() <= 20)
        .unwrap()
}

#[test]
fn shredding_travellers_reaches_backups_and_spares_the_others() {
    crate::support::on_sqlite(|harness| {
        let store = harness.open();
        let context = clerk();
        let lama = person("Rahmat Lama", "1980-02-03", Sex::Male, 1);
        let baru = person("Yanti Baru", "1990-04-05", Sex::Female, 2);
        store.import_persons(&[lama.clone(), baru.clone()], ConflictPolicy::Reject, &context).unwrap();
        let baru_passport = passport("C2000002", "IDN", Some(&baru), "2020-01-01");
        store.import_documents(std::slice::from_ref(&baru_passport), ConflictPolicy::Reject, &context).unwrap();
        let three_years = stamp(Utc::now() + Duration::days(3 * 365));
        store
            .import_crossings(
                &[crossing(&baru_passport, Direction::Exit, "BKS", &three_years)],
                ConflictPolicy::Reject,
                &context,
            )
            .unwrap();
        let (days, rahmat_due) = period_due_early_in_a_month();
        let retention = RetentionPolicy { traveller_days: days, ..RetentionPolicy::default() };
        // Rahmat asked for his data once; the request was decided (refused), so it holds nothing.
        let rahmat_id = store.person_by_nik(&lama.nik, &context).unwrap().unwrap().id;
        let request = store
            .record_subject_request(
                &NewSubjectRequest {
                    kind: RequestKind::Access,
                    person_id: rahmat_id,
                    requester: "Rahmat, 0812 5555 0101".into(),
                    detail: "minta salinan".into(),
                    correction: None,
                },
                &context,
            )
            .unwrap();
        store.decide_subject_request(&request.reference, false, &["15.1.a".to_owned()], "", &context).unwrap();

        // A run now shreds nothing but files each key under the month it falls due: Yanti's
        // moves three years on.
        let first = store.apply_retention(&retention, Utc::now(), false, &clerk()).unwrap();
        assert_eq!(first.travellers_shredded, 0);
        assert!(first.traveller_keys_moved >= 1, "{first:?}");
        let backup = harness.scratch_path("after-first-run.db");
        store.backup(&backup, &clerk()).unwrap();

        // The day after Rahmat falls due: he is shredded from this month's bucket, which is renewed
        // so that its old key (in the backup) can be destroyed.
        let run_at = rahmat_due.and_hms_opt(12, 0, 0).unwrap().and_utc() + Duration::days(1);
        let report = store.apply_retention(&retention, run_at, false, &clerk()).unwrap();
        assert_eq!(report.travellers_shredded, 1, "{report:?}");
        let month = rahmat_due.year() * 100 + rahmat_due.month() as i32;
        assert_eq!(report.renewed_buckets, [month], "{report:?}");
        assert!(store.person_by_nik(&lama.nik, &context).unwrap().is_none());
        assert!(store.subject_request(&request.reference, &context).unwrap().is_none(), "deleted with him");
        let keys_now = std::fs::read(harness.config().data_dir.join(waspada_store::RETENTION_KEY_FILE)).unwrap();
        drop(store);

        // The backup, restored with today's retention keys: Rahmat's key is under a destroyed
        // bucket key, so his record cannot be opened; Yanti, not due, reads in full.
        let folder = harness.scratch_path("restored");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(&backup, folder.join("waspada.db")).unwrap();
        std::fs::copy(harness.config().data_dir.join("master.key"), folder.join("master.key")).unwrap();
        std::fs::write(folder.join(waspada_store::RETENTION_KEY_FILE), &keys_now).unwrap();
        let mut config = harness.config();
        config.data_dir = folder;
        let restored = Store::open(&config).unwrap();
        let refused = restored.person_by_nik(&lama.nik, &context).unwrap_err().to_string();
        assert!(refused.contains("destroyed"), "{refused}");
        // His request went into his bucket at the first run: its text is gone from the backup too.
        let refused = restored.subject_request(&request.reference, &context).unwrap_err().to_string();
        assert!(refused.contains("destroyed"), "{refused}");
        let yanti = restored.person_by_nik(&baru.nik, &context).unwrap().unwrap();
        assert_eq!(yanti.record.full_name, baru.full_name);
        assert_eq!(restored.documents_by_number("C2000002", None, &context).unwrap().len(), 1);
        // Retention in the restored copy deletes what it can no longer open and goes on.
        let swept = restored.apply_retention(&retention, run_at, false, &clerk()).unwrap();
        assert_eq!(swept.keys_unreadable, 1, "{swept:?}");
        assert!(restored.person_by_nik(&lama.nik, &context).unwrap().is_none());
        assert!(restored.person_by_nik(&baru.nik, &context).unwrap().is_some());
    });
}

both_backends!(traveller_buckets_survive_a_master_key_rotation);

fn traveller_buckets_survive_a_master_key_rotation(harness: &Harness) {
    let store = harness.open();
    let context = clerk();
    let someone = person("Rina Putar", "1992-01-02", Sex::Female, 9);
    store.import_persons(std::slice::from_ref(&someone), ConflictPolicy::Reject, &context).unwrap();
    store.apply_retention(&RetentionPolicy::default(), Utc::now(), false, &clerk()).unwrap();
    store.rotate_master_key(&clerk()).unwrap();
    drop(store);
    let reopened = harness.open();
    let found = reopened.person_by_nik(&someone.nik, &context).unwrap().unwrap();
    assert_eq!(found.record.full_name, someone.full_name);
}

both_backends!(a_crossing_of_an_unknown_document_falls_due_a_period_after_its_import);

/// A crossing dated long ago for a passport nobody imported is kept a full period from when it
/// came in (its key was filed under that month), so it is never shredded from a later month's
/// bucket that older backups still open.
fn a_crossing_of_an_unknown_document_falls_due_a_period_after_its_import(harness: &Harness) {
    let store = harness.open();
    let stranger = passport("K9912345", "MYS", None, "2010-01-01");
    store
        .import_crossings(
            &[crossing(&stranger, Direction::Entry, "BKS", "2012-01-05T02:00:00Z")],
            ConflictPolicy::Reject,
            &clerk(),
        )
        .unwrap();
    let now = store.apply_retention(&RetentionPolicy::default(), Utc::now(), false, &clerk()).unwrap();
    assert_eq!(now.travellers_shredded, 0, "{now:?}");
    assert_eq!(count(&store, "crossings"), 1);
    let later = Utc::now() + Duration::days(10 * 365 + 60);
    let report = store.apply_retention(&RetentionPolicy::default(), later, false, &clerk()).unwrap();
    assert_eq!(report.travellers_shredded, 1, "{report:?}");
    assert_eq!(report.shredded_from_later_months, 0, "{report:?}");
    assert_eq!(count(&store, "crossings"), 0);
}

both_backends!(an_import_prepared_before_a_shredding_is_not_lost);

fn an_import_prepared_before_a_shredding_is_not_lost(harness: &Harness) {
    let store = harness.open();
    let context = clerk();
    let pulang = person("Siti Pulang", "1991-03-04", Sex::Female, 11);
    let paspor = passport("C3000001", "IDN", Some(&pulang), "2021-01-01");
    store.import_persons(std::slice::from_ref(&pulang), ConflictPolicy::Reject, &context).unwrap();
    store.import_documents(std::slice::from_ref(&paspor), ConflictPolicy::Reject, &context).unwrap();
    // An import prepares (seals under the person's key) while a retention run shreds the person.
    let mut changed = pulang.clone();
    changed.address = Some("Desa Pagar Jati".into());
    let persons = store.prepare_persons(std::slice::from_ref(&changed)).unwrap();
    let trip = crossing(&paspor, Direction::Exit, "BKS", "2026-10-01T02:00:00Z");
    let crossings = store.prepare_crossings(std::slice::from_ref(&trip)).unwrap();
    let report = store
        .apply_retention(&RetentionPolicy::default(), Utc::now() + Duration::days(11 * 365), false, &clerk())
        .unwrap();
    assert_eq!(report.travellers_shredded, 1, "{report:?}");
    // The person is stored anew under a new key and reads back; the crossing of the deleted
    // document is refused with a reason (imported again, it is a crossing of an unknown document).
    let outcomes = store.commit_import(persons, ConflictPolicy::Update, &context).unwrap();
    assert_eq!(outcomes, [waspada_store::RowOutcome::Inserted]);
    let found = store.person_by_nik(&pulang.nik, &context).unwrap().expect("readable under its new key");
    assert_eq!(found.record, changed);
    let outcomes = store.commit_import(crossings, ConflictPolicy::Reject, &context).unwrap();
    assert!(
        matches!(&outcomes[..], [waspada_store::RowOutcome::Rejected(why)] if why.contains("retention run")),
        "{outcomes:?}"
    );
    let again = store.import_crossings(std::slice::from_ref(&trip), ConflictPolicy::Reject, &context).unwrap();
    assert_eq!(again, [waspada_store::RowOutcome::Inserted]);
}

both_backends!(crossings_filed_before_their_passport_share_the_holders_legal_hold);

fn crossings_filed_before_their_passport_share_the_holders_legal_hold(harness: &Harness) {
    let store = harness.open();
    let context = clerk();
    let tersangka = person("Agus Tersangka", "1979-05-06", Sex::Male, 12);
    let paspor = passport("C4000001", "IDN", Some(&tersangka), "2020-01-01");
    store.import_persons(std::slice::from_ref(&tersangka), ConflictPolicy::Reject, &context).unwrap();
    // The crossing arrives before the passport: it is sealed under the document's own key.
    store
        .import_crossings(
            &[crossing(&paspor, Direction::Exit, "BKS", "2013-02-03T02:00:00Z")],
            ConflictPolicy::Reject,
            &context,
        )
        .unwrap();
    store.import_documents(std::slice::from_ref(&paspor), ConflictPolicy::Reject, &context).unwrap();
    let id = store.person_by_nik(&tersangka.nik, &context).unwrap().unwrap().id;
    let (case_id, _) = store.open_case("Jaringan Agus", "", &[], &context).unwrap();
    let party =
        NewParty { role: PartyRole::Suspect, person_id: Some(id), name: "Agus".into(), phone: None, note: None };
    store.add_case_party(case_id, &party, &context).unwrap();
    let later = Utc::now() + Duration::days(11 * 365);
    let report = store.apply_retention(&RetentionPolicy::default(), later, false, &clerk()).unwrap();
    assert_eq!(report.travellers_shredded, 0, "{report:?}");
    assert_eq!(report.held.len(), 2, "the person and the crossing's key: {report:?}");
    assert_eq!(count(&store, "crossings"), 1);
    // Closed, the case no longer holds: both go, and the person's id leads nowhere afterwards.
    store.close_case(case_id, waspada_store::CaseOutcome::ReferredToPolice, "selesai", &context).unwrap();
    let report = store.apply_retention(&RetentionPolicy::default(), later, false, &clerk()).unwrap();
    assert_eq!(report.travellers_shredded, 2, "{report:?}");
    assert_eq!(count(&store, "crossings"), 0);
    let newcomer = person("Rina Pendatang", "2001-07-08", Sex::Female, 13);
    store.import_persons(std::slice::from_ref(&newcomer), ConflictPolicy::Reject, &context).unwrap();
    let new_id = store.person_by_nik(&newcomer.nik, &context).unwrap().unwrap().id;
    let involvement = store.person_involvement(new_id).unwrap();
    assert!(involvement.cases.is_empty(), "a new person inherits nothing: {involvement:?}");
    // A page opened before the run cannot add the shredded person to a case afterwards (on
    // SQLite the id may be the newcomer's now, so it must not be taken as theirs either).
    let (other_case, _) = store.open_case("Kasus baru", "", &[], &context).unwrap();
    let late = NewParty { role: PartyRole::Witness, person_id: Some(id), name: "Agus".into(), phone: None, note: None };
    if new_id != id {
        let refused = store.add_case_party(other_case, &late, &context).unwrap_err();
        assert!(matches!(refused, waspada_store::Error::NotFound { .. }), "{refused:?}");
    }
}

#[test]
fn a_stale_copy_of_the_retention_keys_is_refused_not_taken_for_shredding() {
    crate::support::on_sqlite(|harness| {
        let store = harness.open();
        let context = clerk();
        let first = person("Dewi Pertama", "1990-01-02", Sex::Female, 14);
        store.import_persons(std::slice::from_ref(&first), ConflictPolicy::Reject, &context).unwrap();
        let file = harness.config().data_dir.join(waspada_store::RETENTION_KEY_FILE);
        let stale = std::fs::read(&file).unwrap();
        // A run adds keys to the file (next months' buckets), and a report its epoch.
        store.apply_retention(&RetentionPolicy::default(), Utc::now(), false, &clerk()).unwrap();
        let report =
            |n: u32| crate::retention::submission(waspada_store::SubmissionKind::Report, &format!("laporan{n}"));
        let key = |n: u32| waspada_store::Idempotency::new(&format!("stale-copy-{n:06}"), &[&n.to_be_bytes()]);
        let sent = store.submit(&report(1), &key(1)).unwrap();
        // The stale copy is put back under the running process, which then writes the file
        // itself (a new report needs an epoch the stale file lacks): the file now looks current.
        std::fs::write(&file, &stale).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1_100));
        store.submit(&report(2), &key(2)).unwrap();
        drop(store);
        let error = Store::open(&harness.config()).map(|_| ()).unwrap_err().to_string();
        assert!(error.contains("older than this database"), "{error}");
        // Told that the missing keys are lost for good, it opens; those records count as shredded.
        let missing: Vec<i64> = serde_json::from_str(&format!(
            "[{}]",
            error.split("numbered [").nth(1).unwrap().split(']').next().unwrap()
        ))
        .unwrap();
        assert!(!missing.is_empty());
        let mut text: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let listed = text["destroyed"].as_array().cloned().unwrap_or_default();
        let mut all: Vec<serde_json::Value> = listed;
        all.extend(missing.iter().map(|n| serde_json::json!(n)));
        text["destroyed"] = serde_json::Value::Array(all);
        std::fs::write(&file, serde_json::to_vec(&text).unwrap()).unwrap();
        let store = Store::open(&harness.config()).unwrap();
        assert!(store.person_by_nik(&first.nik, &context).unwrap().is_some());
        assert!(store.submission(sent.id, &context).is_err());
    });
}

both_backends!(watchlist_keys_are_filed_by_the_watchlist_period);

/// A watchlist entry's key is filed two years ahead (its own period), so an ended entry is
/// shredded from the current month's bucket, which the run renews, and not from a bucket eight
/// years later that older backups would keep opening.
fn watchlist_keys_are_filed_by_the_watchlist_period(harness: &Harness) {
    let store = harness.open();
    let mut ended = watch("WL-END", "Hendra Selesai");
    ended.valid_from = crate::fixtures::date("2019-01-01");
    ended.valid_until = Some(crate::fixtures::date("2020-12-31"));
    store.import_watchlist(&[ended], ConflictPolicy::Reject, &clerk()).unwrap();
    let (days, due) = {
        let today = Utc::now().date_naive();
        (0..40)
            .map(|extra| waspada_store::DEFAULT_WATCHLIST_DAYS + extra)
            .map(|days| (days, today + Duration::days(days)))
            .find(|(_, due)| due.day() <= 20)
            .unwrap()
    };
    let policy = RetentionPolicy { watchlist_days: days, ..RetentionPolicy::default() };
    let run_at = due.and_hms_opt(12, 0, 0).unwrap().and_utc() + Duration::days(1);
    let report = store.apply_retention(&policy, run_at, false, &clerk()).unwrap();
    assert_eq!(report.travellers_shredded, 1, "{report:?}");
    assert_eq!(report.shredded_from_later_months, 0, "{report:?}");
    assert_eq!(count(&store, "watchlist"), 0);
}

#[test]
fn a_second_run_waits_for_the_first() {
    crate::support::on_sqlite(|harness| {
        let store = harness.open();
        let started = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        harness
            .raw_batch(&format!(
                "UPDATE meta SET value = X'{}' WHERE key = 'retention_run_started'",
                started.bytes().map(|b| format!("{b:02x}")).collect::<String>()
            ))
            .unwrap();
        let refused = store.apply_retention(&RetentionPolicy::default(), Utc::now(), false, &clerk()).unwrap_err();
        assert!(refused.to_string().contains("another retention run"), "{refused}");
        // A dry run changes nothing and may run meanwhile.
        store.apply_retention(&RetentionPolicy::default(), Utc::now(), true, &clerk()).unwrap();
        // A marker from a run that died long ago is ignored.
        harness.raw_batch("UPDATE meta SET value = X'323032302d30312d30315430303a30303a30305a' WHERE key = 'retention_run_started'").unwrap();
        store.apply_retention(&RetentionPolicy::default(), Utc::now(), false, &clerk()).unwrap();
        store.apply_retention(&RetentionPolicy::default(), Utc::now(), false, &clerk()).unwrap();
    });
}

both_backends!(a_holderless_document_on_the_watchlist_is_held);

fn a_holderless_document_on_the_watchlist_is_held(harness: &Harness) {
    let store = harness.open();
    let watched = passport("C5000001", "IDN", None, "2019-01-01");
    let free = passport("C5000002", "IDN", None, "2019-01-01");
    store.import_documents(&[watched, free], ConflictPolicy::Reject, &clerk()).unwrap();
    let mut entry = watch("WL-DOC", "Pemegang Tidak Dikenal");
    entry.document_number = Some(waspada_domain::DocumentNumber::parse("number", "C5000001").unwrap());
    store.import_watchlist(&[entry], ConflictPolicy::Reject, &clerk()).unwrap();
    let later = Utc::now() + Duration::days(11 * 365);
    let report = store.apply_retention(&RetentionPolicy::default(), later, false, &clerk()).unwrap();
    assert_eq!(report.travellers_shredded, 1, "{report:?}");
    assert!(report.held.iter().any(|i| i.held_by.as_deref().is_some_and(|h| h.contains("watchlist"))), "{report:?}");
    assert_eq!(store.documents_by_number("C5000001", None, &clerk()).unwrap().len(), 1);
    assert!(store.documents_by_number("C5000002", None, &clerk()).unwrap().is_empty());
}
