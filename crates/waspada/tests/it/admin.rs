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
        &["unknown role \"boss\"", "officer, analyst, supervisor, admin or dpo"],
    );
    check(&create("ani rahma", "officer", "a long enough password\n"), 1, &["user name"]);
    // NIST 800-63B: common and leaked passwords, and ones built from the user name, are refused.
    check(&create("ani", "officer", "Password2024!\n"), 1, &["most common or leaked"]);
    check(&create("ani.rahmawati", "officer", "ani.rahmawati99\n"), 1, &["user name"]);

    // Exactly twelve characters on the first line; what follows is not part of the password.
    let created = create("ani", "officer", "twelve chars\nsecond line\n");
    check(&created, 0, &["created user ani", "role officer"]);
    check(&create("ani", "supervisor", "another good password\n"), 1, &["already exists"]);
    check(&create("budi", "Supervisor", "another good password\n"), 0, &["created user budi", "role supervisor"]);

    // Each account creation is audited, and only the successful ones.
    let list = store.run("audit list", &["--action", "user.create"]);
    check(&list, 0, &["role=officer", "role=supervisor"]);
    assert_eq!(list.stdout.lines().count(), 2, "{}", list.stdout);
}
