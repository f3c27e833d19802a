//! `waspada audit verify`: the hash chain holds after normal use and catches an edited entry.

use crate::{Store, check, fixture};

#[test]
fn an_entry_edited_in_the_database_breaks_the_chain_at_that_entry() {
    let store = Store::new();
    check(&store.import(&[&fixture("canonical")]), 0, &[]);
    let (lookup, _) = store.lookup(&["nik", "1709015208740001"]);
    check(&lookup, 0, &[]);
    store.export("export", "csv");
    let verify = store.run("audit verify", &[]);
    check(&verify, 0, &["audit chain intact"]);

    let database = rusqlite::Connection::open(store.database()).unwrap();
    let entries: i64 = database.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0)).unwrap();
    assert!(entries >= 5, "one entry per imported file at least, found {entries}");
    assert!(verify.stdout.contains(&format!("{entries} entries")), "{}", verify.stdout);
    let target = entries / 2;
    // The trigger refuses the edit; someone with the database file can drop it first.
    let refused = database.execute("UPDATE audit_log SET purpose = 'tampered' WHERE seq = ?1", [target]);
    assert!(refused.is_err_and(|e| e.to_string().contains("append-only")));
    database.execute_batch("DROP TRIGGER audit_log_no_update").unwrap();
    assert_eq!(database.execute("UPDATE audit_log SET purpose = 'tampered' WHERE seq = ?1", [target]).unwrap(), 1);
    drop(database);

    let verify = store.run("audit verify", &[]);
    check(&verify, 1, &[&format!("audit chain BROKEN at entry {target}:")]);
}

#[test]
fn a_deleted_last_entry_is_caught() {
    let store = Store::new();
    check(&store.import(&[&fixture("canonical")]), 0, &[]);
    let database = rusqlite::Connection::open(store.database()).unwrap();
    database
        .execute_batch(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
        )
        .unwrap();
    drop(database);
    let verify = store.run("audit verify", &[]);
    assert_ne!(verify.code, Some(0), "{}\n{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.contains("BROKEN"), "{}", verify.stdout);
}
