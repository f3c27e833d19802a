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

#[test]
fn entries_cut_from_the_end_with_the_head_rewritten_are_caught_by_a_checkpoint() {
    let store = Store::new();
    check(&store.import(&[&fixture("canonical")]), 0, &[]);
    let signed = store.run("audit checkpoint", &[]);
    check(&signed, 0, &["\"signature\"", "public key (Ed25519)"]);
    let checkpoint: serde_json::Value = serde_json::from_str(signed.stdout.trim()).unwrap();
    let seq = checkpoint["seq"].as_i64().unwrap();
    check(&store.run("audit verify", &[]), 0, &["1 signed checkpoints"]);
    // Someone with the database file cuts the last two entries and points the head at the new
    // last one: the chain alone looks whole again.
    let database = rusqlite::Connection::open(store.database()).unwrap();
    database
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_no_delete;
             DELETE FROM audit_log WHERE seq > {keep};
             UPDATE audit_head SET seq = {keep}, hash = (SELECT hash FROM audit_log WHERE seq = {keep});
             DELETE FROM audit_checkpoints;",
            keep = seq - 2
        ))
        .unwrap();
    drop(database);
    let verify = store.run("audit verify", &[]);
    check(&verify, 1, &["audit chain BROKEN", "not in the database"]);
}
