//! `waspada admin create-user`: the password comes from stdin's first line.

use crate::{Store, check};

#[test]
fn create_user_checks_password_role_and_duplicates() {
    let store = Store::new();
    let create = |username: &str, role: &str, stdin: &str| {
        store.run_with_stdin("admin create-user", &["--username", username, "--role", role], stdin.as_bytes())
    };

    // Eleven characters: one short.
    check(&create("ani", "officer", "elevenchars\n"), 1, &["at least 12 characters"]);
    check(
        &create("ani", "boss", "a long enough password\n"),
        1,
        &["unknown role \"boss\"", "officer, senior_officer, analyst, supervisor, admin, dpo, case_worker or partner"],
    );
    check(&create("ani rahma", "officer", "a long enough password\n"), 1, &["user name"]);
    // NIST 800-63B: common and leaked passwords, and ones built from the user name, are refused.
    check(&create("ani", "officer", "Password2024!\n"), 1, &["most common or leaked"]);
    check(&create("ani.rahmawati", "officer", "ani.rahmawati99\n"), 1, &["user name"]);

    // Exactly twelve characters on the first line; what follows is not part of the password.
    let created = create("ani", "officer", "twelve chars\nsecond line\n");
    check(&created, 0, &["created user ani", "role officer"]);
    check(&create("ani", "supervisor", "another good password\n"), 1, &["already exists"]);
    let budi = create("budi", "Supervisor", "another good password\n");
    check(&budi, 0, &["created user budi", "role supervisor", "second factor (TOTP)", "otpauth://totp/Waspada:budi?"]);
    let recovery: Vec<&str> =
        budi.stdout.lines().map(str::trim).filter(|l| l.len() == 11 && l.as_bytes()[5] == b'-').collect();
    assert_eq!(recovery.len(), 10, "ten recovery codes printed once: {}", budi.stdout);
    // Only keyed blind indexes of them are stored.
    let mut db = std::fs::read(store.database()).unwrap_or_default();
    db.extend(std::fs::read(store.database().with_extension("db-wal")).unwrap_or_default());
    assert!(!db.is_empty());
    assert!(recovery.iter().all(|code| !db.windows(5).any(|w| w == &code.as_bytes()[..5])), "codes stored in clear");
    assert!(!created.stdout.contains("otpauth"), "an officer gets no second factor: {}", created.stdout);
    // Re-enrolment prints a new secret.
    let again = store.run("admin totp-enrol", &["--username", "budi"]);
    check(&again, 0, &["otpauth://totp/Waspada:budi?"]);
    let secret =
        |run: &crate::Run| run.stdout.lines().find_map(|l| l.trim().strip_prefix("secret: ").map(str::to_owned));
    assert_ne!(secret(&again), secret(&budi));
    check(&store.run("admin totp-enrol", &["--username", "nobody"]), 1, &["no account named"]);

    // Each account creation is audited, and only the successful ones.
    let list = store.run("audit list", &["--action", "user.create"]);
    check(&list, 0, &["role=officer", "role=supervisor"]);
    assert_eq!(list.stdout.lines().count(), 2, "{}", list.stdout);
}

#[test]
fn backup_restore_and_master_key_rotation_through_the_binary() {
    let store = Store::new();
    check(&store.import(&[&crate::fixture("canonical")]), 0, &[]);
    let backup = store.scratch("before-rotation.db");
    check(&store.run("admin backup", &["--out", crate::arg(&backup)]), 0, &["backup written", "not the master key"]);
    check(&store.run("admin backup", &["--out", crate::arg(&backup)]), 1, &["exists already"]);
    let old_key = std::fs::read_to_string(store.data().join("master.key")).unwrap();

    check(&store.run("admin rotate-master-key", &[]), 0, &["master key rotated", "OLD key"]);
    let new_key = std::fs::read_to_string(store.data().join("master.key")).unwrap();
    assert_ne!(old_key, new_key);
    let (lookup, found) = store.lookup(&["nik", "1709015208740001"]);
    check(&lookup, 0, &[]);
    assert!(found.is_some(), "records stay readable after the rotation");
    check(&store.run("audit verify", &[]), 0, &["audit chain intact"]);

    // The backup made before the rotation opens with the old key only.
    let restored = Store::new();
    std::fs::create_dir_all(restored.data()).unwrap();
    check(&restored.run("admin restore", &["--from", crate::arg(&backup)]), 1, &["no master key"]);
    std::fs::write(restored.data().join("master.key"), &new_key).unwrap();
    check(&restored.run("admin restore", &["--from", crate::arg(&backup)]), 1, &["does not open this backup"]);
    assert!(!restored.database().exists(), "a failed restore leaves the folder as it was");
    std::fs::write(restored.data().join("master.key"), &old_key).unwrap();
    // Traveller records' keys are under the retention keys, which no backup holds.
    check(&restored.run("admin restore", &["--from", crate::arg(&backup)]), 1, &["--retention-keys"]);
    assert!(!restored.database().exists(), "a failed restore leaves the folder as it was");
    // The live key file is wrapped under the new master key since the rotation: refused with a
    // pointer to the option that re-wraps it, then accepted with it.
    let live_keys = store.data().join("retention.keys");
    let with_keys = ["--from", crate::arg(&backup), "--retention-keys", crate::arg(&live_keys)];
    check(&restored.run("admin restore", &with_keys), 1, &["--retention-keys-master-key"]);
    assert!(!restored.database().exists() && !restored.data().join("retention.keys").exists());
    let live_master = store.data().join("master.key");
    let mut rewrapping = with_keys.to_vec();
    rewrapping.extend(["--retention-keys-master-key", crate::arg(&live_master)]);
    check(
        &restored.run("admin restore", &rewrapping),
        0,
        &["re-wrapped under the backup's master key", "persons: ", "audit chain intact"],
    );
    let (lookup, found) = restored.lookup(&["nik", "1709015208740001"]);
    check(&lookup, 0, &[]);
    assert!(found.is_some());
    check(&restored.run("admin restore", &["--from", crate::arg(&backup)]), 1, &["restore into an empty data folder"]);
}

#[test]
fn partner_tokens_are_issued_and_revoked_from_the_command_line() {
    let store = Store::new();
    let created = store.run_with_stdin(
        "admin create-user",
        &["--username", "polis.my", "--role", "partner"],
        b"a partner agency password\n",
    );
    check(&created, 0, &["role partner"]);
    let issued = store.run("admin partner-token", &["--username", "polis.my", "--days", "30"]);
    check(&issued, 0, &["token for polis.my, valid until"]);
    let token = issued.stdout.lines().nth(1).unwrap().trim().to_owned();
    assert!(token.len() > 30, "{}", issued.stdout);
    // Only its hash is stored.
    let db = std::fs::read(store.database()).unwrap_or_default();
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()));
    check(&store.run("admin partner-token", &["--username", "polis.my", "--days", "0"]), 1, &["1 to 366 days"]);
    check(&store.run("admin revoke-tokens", &["--username", "polis.my"]), 0, &["1 token(s) of polis.my revoked"]);
    check(&store.run("audit list", &["--action", "auth.token_issue"]), 0, &["user:"]);
}
