//! Staff accounts and bearer tokens.

use chrono::Duration;
use waspada_store::{AuditQuery, Error};

use crate::fixtures::{at, clerk};
use crate::support::Harness;

both_backends!(accounts_are_unique_by_name, tokens_work_until_expiry_or_revocation);

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

fn accounts_are_unique_by_name(harness: &Harness) {
    let store = harness.open();
    let id = store.create_user("ani", "Ani Rahmawati", "officer", HASH, &clerk()).unwrap();
    let user = store.user_by_name("ani").unwrap().expect("created");
    assert_eq!((user.id, user.username.as_str(), user.role.as_str()), (id, "ani", "officer"));
    assert_eq!(
        (user.display_name.as_str(), user.password_hash.as_str(), user.disabled),
        ("Ani Rahmawati", HASH, false)
    );
    assert!(store.user_by_name("Ani").unwrap().is_none(), "names are exact");
    assert!(store.user_by_name("budi").unwrap().is_none());

    match store.create_user("ani", "Another Ani", "admin", HASH, &clerk()) {
        Err(Error::Duplicate { what }) => assert_eq!(what, "user name"),
        other => panic!("expected Error::Duplicate, got {other:?}"),
    }
    assert_eq!(crate::fixtures::count(&store, "users"), 1);
    let other = store.create_user("budi", "Budi Santoso", "admin", HASH, &clerk()).unwrap();
    assert_ne!(other, id);

    let entries = store.audit_entries(&AuditQuery { limit: 10, ..AuditQuery::default() }).unwrap();
    let created: Vec<(String, String)> = entries.into_iter().rev().map(|e| (e.action, e.subject)).collect();
    assert_eq!(
        created,
        [("user.create".to_owned(), format!("user:{id}")), ("user.create".to_owned(), format!("user:{other}"))],
        "the refused duplicate left no entry"
    );
}

fn tokens_work_until_expiry_or_revocation(harness: &Harness) {
    let store = harness.open();
    let id = store.create_user("ani", "Ani Rahmawati", "officer", HASH, &clerk()).unwrap();
    let issued = at("2026-03-01T08:00:00Z");
    let expires = issued + Duration::hours(8);
    let token = [7u8; 32];
    let other_token = [8u8; 32];
    store.create_token(id, &token, expires).unwrap();
    store.create_token(id, &other_token, expires).unwrap();

    let user = store.user_by_token(&token, issued).unwrap().expect("a live token");
    assert_eq!(user.id, id);
    assert!(store.user_by_token(&[9u8; 32], issued).unwrap().is_none(), "unknown token");
    assert!(store.user_by_token(&token, expires - Duration::seconds(1)).unwrap().is_some());
    assert!(store.user_by_token(&token, expires).unwrap().is_none(), "expired at its expiry time");
    assert!(store.user_by_token(&token, expires + Duration::days(1)).unwrap().is_none());

    assert!(store.revoke_token(&token).unwrap());
    assert!(store.user_by_token(&token, issued).unwrap().is_none(), "revoked");
    assert!(!store.revoke_token(&token).unwrap(), "already revoked");
    assert!(store.user_by_token(&other_token, issued).unwrap().is_some(), "other tokens stay live");

    match store.create_token(id, &other_token, expires) {
        Err(_) => {}
        Ok(()) => panic!("a token hash was stored twice"),
    }
}
