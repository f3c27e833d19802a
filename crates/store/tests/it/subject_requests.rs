//! Data-subject requests: recorded, decided once by the DPO with Art. 15 codes, completed with
//! history, sealed at rest, numbered without gaps on both backends.

use serde_json::json;
use waspada_store::{Error, NewSubjectRequest, RequestKind};

use crate::fixtures::{Sample, clerk};
use crate::support::{Harness, contains};

both_backends!(requests_are_decided_once_and_sealed);

fn requests_are_decided_once_and_sealed(harness: &Harness) {
    let store = harness.open();
    Sample::new().import(&store);
    let person = crate::fixtures::count(&store, "persons");
    assert!(person > 0);
    let person_id = 1;
    let access = store
        .record_subject_request(
            &NewSubjectRequest {
                kind: RequestKind::Access,
                person_id,
                requester: "Pemohon Rahasia, 0812-5555-0000".into(),
                detail: "minta salinan".into(),
                correction: None,
            },
            &clerk(),
        )
        .unwrap();
    assert!(access.reference.ends_with("-0001"), "{}", access.reference);
    assert_eq!(access.status, "pending");
    let rectify = store
        .record_subject_request(
            &NewSubjectRequest {
                kind: RequestKind::Rectification,
                person_id,
                requester: "x".into(),
                detail: String::new(),
                correction: Some(json!({ "address": "Alamat Baru Rahasia" })),
            },
            &clerk(),
        )
        .unwrap();
    assert!(rectify.reference.ends_with("-0002"));
    assert!(matches!(
        store.record_subject_request(
            &NewSubjectRequest {
                kind: RequestKind::Objection,
                person_id: 999_999,
                requester: "x".into(),
                detail: String::new(),
                correction: None
            },
            &clerk()
        ),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.decide_subject_request(&access.reference, false, &[], "", &clerk()),
        Err(Error::Refused(_))
    ));
    let decided =
        store.decide_subject_request(&access.reference, true, &["15.1.b".into()], "sebagian", &clerk()).unwrap();
    assert_eq!(
        (decided.status.as_str(), decided.exemptions.as_slice()),
        ("approved", ["15.1.b".to_owned()].as_slice())
    );
    assert!(matches!(store.decide_subject_request(&access.reference, true, &[], "", &clerk()), Err(Error::Refused(_))));
    assert!(matches!(store.complete_subject_request(&rectify.reference, None, &clerk()), Err(Error::Refused(_))));
    store.decide_subject_request(&rectify.reference, true, &[], "", &clerk()).unwrap();
    store
        .complete_subject_request(&rectify.reference, Some(json!({ "address": "Alamat Lama Rahasia" })), &clerk())
        .unwrap();
    let done = store.subject_request(&rectify.reference, &clerk()).unwrap().unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(done.previous.unwrap()["address"], "Alamat Lama Rahasia");
    assert_eq!(store.subject_requests(&clerk()).unwrap().len(), 2);
    drop(store);
    for secret in ["Pemohon Rahasia", "0812-5555-0000", "Alamat Baru Rahasia", "Alamat Lama Rahasia"] {
        assert!(!harness.stored_values().iter().any(|v| contains(v, secret)), "{secret} stored in clear");
    }
}
