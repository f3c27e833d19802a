//! The citizens' submissions (reports, lapor diri, SOS), idempotency, triage and case work.

use serde_json::json;
use waspada_store::{
    AttachmentKind, AuditQuery, CaseOutcome, EntryKind, Error, Idempotency, LinkDecision, LinkedPerson, NewEntry,
    NewParty, NewSubmission, PartyRole, QueueQuery, Receipt, Store, SubmissionKind, SubmissionStatus,
};

use crate::fixtures::{clerk, count};

/// Stores a traveller and returns their internal id (case parties and report links name one).
fn traveller(store: &Store, name: &str, serial: u16) -> i64 {
    let person = crate::fixtures::person(name, "1990-01-01", waspada_domain::Sex::Female, serial);
    store.import_persons(std::slice::from_ref(&person), waspada_store::ConflictPolicy::Reject, &clerk()).unwrap();
    store.person_by_nik(&person.nik, &clerk()).unwrap().unwrap().id
}
use crate::support::{Harness, contains};

both_backends!(
    a_retried_submission_is_stored_once,
    concurrent_retries_store_one_submission,
    attachments_updates_and_state,
    the_queue_puts_sos_then_children_first_and_groups_recruiters,
    submissions_are_sealed_at_rest,
    cases_keep_one_role_per_person_and_refuse_changes_once_closed,
    confirmed_links_join_the_case_and_are_listed,
);

fn report(what: &str, urgency: i64, phone: Option<&str>) -> NewSubmission {
    NewSubmission {
        kind: SubmissionKind::Report,
        form_version: 1,
        region_code: Some("17.09.01".into()),
        destination: Some("MY".into()),
        minor_involved: false,
        anonymous: true,
        urgency,
        spam_score: 0,
        terms: phone.map(|p| vec![("phone".to_owned(), p.to_owned())]).unwrap_or_default(),
        content: json!({ "what": what, "recruiter": { "phone": phone } }),
    }
}

fn key(n: u32) -> String {
    format!("key-{n:04}-aaaaaaaaaaaaaaaa")
}

fn a_retried_submission_is_stored_once(harness: &Harness) {
    let store = harness.open();
    let body = report("Pak Joko menawarkan kerja di Malaysia gaji 12 juta", 10, None);
    let first = store.submit(&body, &Idempotency::new(&key(1), &[b"body-1"])).unwrap();
    assert!(!first.replayed);
    let again = store.submit(&body, &Idempotency::new(&key(1), &[b"body-1"])).unwrap();
    assert!(again.replayed);
    assert_eq!((again.id, again.receipt.as_str()), (first.id, first.receipt.as_str()));
    assert_eq!(again.received_at, first.received_at);
    assert!(matches!(store.submit(&body, &Idempotency::new(&key(1), &[b"body-2"])), Err(Error::IdempotencyConflict)));
    assert_eq!(count(&store, "submissions"), 1);
    let other = store.submit(&body, &Idempotency::new(&key(2), &[b"body-1"])).unwrap();
    assert_ne!(other.receipt, first.receipt);
    assert_eq!(count(&store, "submissions"), 2);
    let state = store.submission_state(&first.receipt).unwrap().unwrap();
    assert_eq!((state.kind, state.status), (SubmissionKind::Report, SubmissionStatus::Received));
    let wrong = Receipt::parse("LP-0000-0000-0000").unwrap();
    assert!(store.submission_state(&wrong).unwrap().is_none());
    let audit = store
        .audit_entries(&AuditQuery { action: Some("public.report".into()), limit: 100, ..AuditQuery::default() })
        .unwrap();
    assert_eq!(audit.len(), 2, "one audit entry per stored submission, none for the retry");
}

fn concurrent_retries_store_one_submission(harness: &Harness) {
    let store = harness.open();
    let body = report("sama", 10, None);
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let store: &Store = &store;
                let body = &body;
                scope.spawn(move || store.submit(body, &Idempotency::new(&key(7), &[b"same"])))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let receipts: std::collections::HashSet<String> =
        results.iter().map(|r| r.as_ref().map(|s| s.receipt.as_str().to_owned()).unwrap_or_default()).collect();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(receipts.len(), 1);
    assert_eq!(results.iter().filter(|r| r.as_ref().is_ok_and(|s| !s.replayed)).count(), 1);
    assert_eq!(count(&store, "submissions"), 1);
}

fn attachments_updates_and_state(harness: &Harness) {
    let store = harness.open();
    let created = store.submit(&report("laporan", 10, None), &Idempotency::new(&key(1), &[b"r"])).unwrap();
    let receipt = created.receipt;
    let photo = Idempotency::new(&key(2), &[b"jpeg-bytes"]);
    let first = store.attach(&receipt, AttachmentKind::Photo, Some("image/jpeg"), b"jpeg-bytes", 2, &photo).unwrap();
    assert_eq!(first.response, json!({ "photos": 1 }));
    let again = store.attach(&receipt, AttachmentKind::Photo, Some("image/jpeg"), b"jpeg-bytes", 2, &photo).unwrap();
    assert!(again.replayed);
    assert_eq!(again.response, first.response);
    store
        .attach(&receipt, AttachmentKind::Photo, Some("image/png"), b"png", 2, &Idempotency::new(&key(3), &[b"p"]))
        .unwrap();
    match store.attach(
        &receipt,
        AttachmentKind::Photo,
        Some("image/png"),
        b"p3",
        2,
        &Idempotency::new(&key(4), &[b"q"]),
    ) {
        Err(Error::Refused(_)) => {}
        other => panic!("a third photo over the limit: {other:?}"),
    }
    let text = serde_json::to_vec(&json!({ "text": "nomor baru 0812" })).unwrap();
    store.attach(&receipt, AttachmentKind::Addition, None, &text, 50, &Idempotency::new(&key(5), &[&text])).unwrap();
    let state = store.submission_state(&receipt).unwrap().unwrap();
    assert_eq!((state.photos, state.additions), (2, 1));
    let detail = store.submission(created.id, &clerk()).unwrap().unwrap();
    assert_eq!(detail.photos.len(), 2);
    assert_eq!(detail.additions[0].content, json!({ "text": "nomor baru 0812" }));
    let (kind, bytes) = store.submission_photo(created.id, detail.photos[0].id, &clerk()).unwrap().unwrap();
    assert_eq!((kind.as_deref(), bytes.as_slice()), (Some("image/jpeg"), b"jpeg-bytes".as_slice()));
    assert!(store.submission_photo(created.id + 1, detail.photos[0].id, &clerk()).unwrap().is_none());

    let lapor = NewSubmission {
        kind: SubmissionKind::LaporDiri,
        content: json!({ "full_name": "Siti", "date_of_birth": "1999-01-02" }),
        ..report("", 0, None)
    };
    let registered = store.submit(&lapor, &Idempotency::new(&key(6), &[b"ld"])).unwrap();
    assert_eq!(registered.receipt.kind(), SubmissionKind::LaporDiri);
    let state = store.submission_state(&registered.receipt).unwrap().unwrap();
    assert_eq!(state.status, SubmissionStatus::Active);
    assert!(state.last_check_in.is_some());
    assert_eq!(store.submission_content(&registered.receipt).unwrap().unwrap()["date_of_birth"], "1999-01-02");
    let updated = json!({ "full_name": "Siti Aminah", "date_of_birth": "1999-01-02" });
    store.update_submission(&registered.receipt, &updated, false, &Idempotency::new(&key(8), &[b"u"])).unwrap();
    assert_eq!(store.submission_content(&registered.receipt).unwrap().unwrap()["full_name"], "Siti Aminah");
    let closed =
        store.update_submission(&registered.receipt, &updated, true, &Idempotency::new(&key(9), &[b"c"])).unwrap();
    assert_eq!(closed.response["status"], "closed");
    assert!(matches!(
        store.attach(
            &registered.receipt,
            AttachmentKind::CheckIn,
            None,
            b"{}",
            1000,
            &Idempotency::new(&key(10), &[b"x"])
        ),
        Err(Error::Refused(_))
    ));
    assert!(matches!(
        store.update_submission(&registered.receipt, &updated, false, &Idempotency::new(&key(11), &[b"y"])),
        Err(Error::Refused(_))
    ));
}

fn the_queue_puts_sos_then_children_first_and_groups_recruiters(harness: &Harness) {
    let store = harness.open();
    let plain = store.submit(&report("biasa", 10, Some("6281200000001")), &Idempotency::new(&key(1), &[b"1"])).unwrap();
    let minor = store
        .submit(
            &NewSubmission { minor_involved: true, ..report("anak 15 tahun", 310, None) },
            &Idempotency::new(&key(2), &[b"2"]),
        )
        .unwrap();
    let sos = store
        .submit(
            &NewSubmission { kind: SubmissionKind::Sos, ..report("tolong", 1000, None) },
            &Idempotency::new(&key(3), &[b"3"]),
        )
        .unwrap();
    let same = store.submit(&report("lagi", 10, Some("6281200000001")), &Idempotency::new(&key(4), &[b"4"])).unwrap();
    let lapor = NewSubmission { kind: SubmissionKind::LaporDiri, ..report("", 0, None) };
    store.submit(&lapor, &Idempotency::new(&key(5), &[b"5"])).unwrap();
    let queue = store.triage_queue(&QueueQuery::default(), &clerk()).unwrap();
    let order: Vec<i64> = queue.iter().map(|i| i.id).collect();
    assert_eq!(order, [sos.id, minor.id, plain.id, same.id], "lapor diri is not in the report queue");
    assert_eq!(queue[2].same_recruiter, [same.id]);
    assert_eq!(queue[3].same_recruiter, [plain.id]);
    assert_eq!(queue[2].shared_terms, ["phone"]);
    assert!(queue[0].same_recruiter.is_empty());
    assert_eq!(queue[1].content["what"], "anak 15 tahun");
    store.set_submission_status(plain.id, SubmissionStatus::Spam, &clerk()).unwrap();
    let queue = store.triage_queue(&QueueQuery::default(), &clerk()).unwrap();
    assert!(!queue.iter().any(|i| i.id == plain.id), "spam leaves the queue");
    let everything = store.triage_queue(&QueueQuery { include_done: true, ..QueueQuery::default() }, &clerk()).unwrap();
    assert_eq!(everything.len(), 5);
    assert!(matches!(store.set_submission_status(9999, SubmissionStatus::Spam, &clerk()), Err(Error::NotFound { .. })));
}

fn submissions_are_sealed_at_rest(harness: &Harness) {
    let store = harness.open();
    let body = NewSubmission {
        anonymous: false,
        content: json!({ "what": "Perekrut Bambang Sulistyo", "contact": { "phone": "6285799998888" } }),
        terms: vec![("name".into(), "bambang sulistyo".into())],
        ..report("", 10, None)
    };
    let created = store.submit(&body, &Idempotency::new(&key(1), &[b"1"])).unwrap();
    store
        .attach(
            &created.receipt,
            AttachmentKind::Photo,
            Some("image/png"),
            b"PHOTO-SECRET-BYTES",
            5,
            &Idempotency::new(&key(2), &[b"2"]),
        )
        .unwrap();
    let (case_id, _) = store.open_case("Jaringan Bambang", "Ringkasan rahasia kasus", &[created.id], &clerk()).unwrap();
    store
        .add_case_party(
            case_id,
            &NewParty {
                role: PartyRole::Suspect,
                person_id: None,
                name: "Bambang Sulistyo".into(),
                phone: Some("6285711112222".into()),
                note: None,
            },
            &clerk(),
        )
        .unwrap();
    drop(store);
    let values = harness.stored_values();
    for secret in [
        "Bambang",
        "6285799998888",
        "6285711112222",
        "PHOTO-SECRET-BYTES",
        "Ringkasan rahasia",
        created.receipt.as_str(),
    ] {
        assert!(!values.iter().any(|v| contains(v, secret)), "{secret} is stored in clear");
    }
}

fn cases_keep_one_role_per_person_and_refuse_changes_once_closed(harness: &Harness) {
    let store = harness.open();
    let a = store.submit(&report("satu", 10, None), &Idempotency::new(&key(1), &[b"1"])).unwrap();
    let b = store.submit(&report("dua", 10, None), &Idempotency::new(&key(2), &[b"2"])).unwrap();
    let (case_id, reference) = store.open_case("Kasus uji", "ringkasan", &[a.id], &clerk()).unwrap();
    assert!(reference.starts_with("KS-") && reference.ends_with("-0001"), "{reference}");
    let (_, second) = store.open_case("Kasus lain", "", &[], &clerk()).unwrap();
    assert!(second.ends_with("-0002"));
    match store.open_case("Kasus ketiga", "", &[a.id], &clerk()) {
        Err(Error::Refused(_)) => {}
        other => panic!("a report in two cases: {other:?}"),
    }
    store.add_case_submissions(case_id, &[b.id], &clerk()).unwrap();
    let rina = traveller(&store, "Rina", 42);
    let victim = NewParty {
        role: PartyRole::PossibleVictim,
        person_id: Some(rina),
        name: "Rina".into(),
        phone: None,
        note: None,
    };
    store.add_case_party(case_id, &victim, &clerk()).unwrap();
    let as_suspect = NewParty { role: PartyRole::Suspect, ..victim.clone() };
    match store.add_case_party(case_id, &as_suspect, &clerk()) {
        Err(Error::Refused(message)) => assert!(message.contains("possible_victim"), "{message}"),
        other => panic!("the same person as victim and suspect: {other:?}"),
    }
    let task = store
        .add_case_entry(
            case_id,
            &NewEntry { kind: EntryKind::Task, text: "Hubungi keluarga".into(), target: None, due_on: None },
            &clerk(),
        )
        .unwrap();
    let referral = store
        .add_case_entry(
            case_id,
            &NewEntry {
                kind: EntryKind::Referral,
                text: "Ke Polda".into(),
                target: Some("police".into()),
                due_on: None,
            },
            &clerk(),
        )
        .unwrap();
    assert!(matches!(
        store.add_case_entry(
            case_id,
            &NewEntry { kind: EntryKind::Referral, text: "x".into(), target: Some("mars".into()), due_on: None },
            &clerk()
        ),
        Err(Error::Refused(_))
    ));
    store.set_case_entry_status(case_id, task, "done", &clerk()).unwrap();
    store.set_case_entry_status(case_id, referral, "accepted", &clerk()).unwrap();
    assert!(matches!(store.set_case_entry_status(case_id, task, "accepted", &clerk()), Err(Error::Refused(_))));
    let view = store.case(case_id, &clerk()).unwrap().unwrap();
    assert_eq!(view.submissions, [a.id, b.id]);
    assert_eq!(view.parties.len(), 1);
    assert_eq!(view.parties[0].role, PartyRole::PossibleVictim);
    let statuses: Vec<(EntryKind, Option<String>)> =
        view.entries.iter().filter(|e| e.kind != EntryKind::Event).map(|e| (e.kind, e.status.clone())).collect();
    assert_eq!(statuses, [(EntryKind::Task, Some("done".into())), (EntryKind::Referral, Some("accepted".into()))]);
    assert!(view.entries.iter().any(|e| e.text == "opened"));
    assert_eq!(store.submission_state(&a.receipt).unwrap().unwrap().status, SubmissionStatus::InCase);

    store.close_case(case_id, CaseOutcome::ReferredToPolice, "diserahkan", &clerk()).unwrap();
    let view = store.case(case_id, &clerk()).unwrap().unwrap();
    assert_eq!(
        (view.case.status.as_str(), view.case.outcome.as_deref(), view.case.closing_note.as_deref()),
        ("closed", Some("referred_to_police"), Some("diserahkan"))
    );
    assert_eq!(store.submission_state(&b.receipt).unwrap().unwrap().status, SubmissionStatus::Closed);
    let note = NewEntry { kind: EntryKind::Note, text: "terlambat".into(), target: None, due_on: None };
    assert!(matches!(store.add_case_entry(case_id, &note, &clerk()), Err(Error::Refused(_))));
    assert!(matches!(store.close_case(case_id, CaseOutcome::Duplicate, "", &clerk()), Err(Error::Refused(_))));
    assert_eq!(store.cases(true, &clerk()).unwrap().len(), 1);
    assert_eq!(store.cases(false, &clerk()).unwrap().len(), 2);
}

fn confirmed_links_join_the_case_and_are_listed(harness: &Harness) {
    let store = harness.open();
    let a = store.submit(&report("perekrut", 10, Some("62812")), &Idempotency::new(&key(1), &[b"1"])).unwrap();
    let (case_id, _) = store.open_case("Kasus", "", &[a.id], &clerk()).unwrap();
    let (darman, joko) = (traveller(&store, "Darman", 7), traveller(&store, "Joko", 8));
    store
        .decide_report_link(
            a.id,
            &LinkedPerson { id: darman, nik: "1709014101900001", name: "Darman" },
            "phone",
            LinkDecision::Confirmed(PartyRole::Suspect),
            &clerk(),
        )
        .unwrap();
    store
        .decide_report_link(
            a.id,
            &LinkedPerson { id: joko, nik: "1709014101900002", name: "Joko" },
            "name",
            LinkDecision::Rejected,
            &clerk(),
        )
        .unwrap();
    let links = store.report_links(a.id).unwrap();
    assert_eq!(links.len(), 2);
    let confirmed = store.confirmed_report_links(&clerk()).unwrap();
    assert_eq!(confirmed.len(), 1);
    assert_eq!((confirmed[0].nik.as_str(), confirmed[0].role), ("1709014101900001", Some(PartyRole::Suspect)));
    let view = store.case(case_id, &clerk()).unwrap().unwrap();
    assert_eq!(
        view.parties.iter().map(|p| (p.person_id, p.role)).collect::<Vec<_>>(),
        [(Some(darman), PartyRole::Suspect)]
    );
    // Changing one's mind: the last decision counts.
    store
        .decide_report_link(
            a.id,
            &LinkedPerson { id: darman, nik: "1709014101900001", name: "Darman" },
            "phone",
            LinkDecision::Rejected,
            &clerk(),
        )
        .unwrap();
    assert!(store.confirmed_report_links(&clerk()).unwrap().is_empty());
}
