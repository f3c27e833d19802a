//! Where the master key comes from: a file (default), an environment variable, or a provider
//! program (the interface an HSM, a PKCS#11 token or a KMS client plugs into). The same store opens
//! with the same key from any of them; a wrong or missing key is a clear error; rotation in place
//! needs the file.

use std::process::Stdio;

use crate::{Store, arg, check, command, fixture};

fn run_with_env(args: &[&str], name: &str, value: &str) -> (Option<i32>, String, String) {
    let output = command(args).env(name, value).stdin(Stdio::null()).output().expect("run waspada");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_master_key_comes_from_a_file_a_variable_or_a_provider_program() {
    let store = Store::new();
    check(&store.import(&[&fixture("canonical")]), 0, &[]);
    let key = std::fs::read_to_string(store.data().join("master.key")).unwrap().trim().to_owned();
    let data = store.data();
    // Move the key out of the data folder: from now on it comes from elsewhere.
    let elsewhere = store.scratch("key-vault");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::rename(data.join("master.key"), elsewhere.join("master.key")).unwrap();
    let lookup = |extra: &[&str]| {
        let mut args = vec!["lookup", "--data", arg(&data), "--purpose", "test"];
        args.extend_from_slice(extra);
        args.extend(["nik", "1709015208740001"]);
        args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()
    };

    // From a variable.
    let args = lookup(&["--master-key-env", "TEST_WASPADA_KEY"]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run_with_env(&refs, "TEST_WASPADA_KEY", &key);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Siti Aminah"), "{stdout}");
    assert!(!data.join("master.key").exists(), "a key from a variable is never written to disk");
    let wrong = "0".repeat(64);
    let (code, _, stderr) = run_with_env(&refs, "TEST_WASPADA_KEY", &wrong);
    assert_ne!(code, Some(0), "a wrong key opened the store");
    assert!(!stderr.contains(&key) && !stderr.contains(&wrong), "a key was printed: {stderr}");
    let (code, _, stderr) = run_with_env(&refs, "TEST_WASPADA_KEY", "not hex");
    assert_ne!(code, Some(0));
    assert!(stderr.contains("64 hex digits"), "{stderr}");

    // From a provider program (here `cat` of the vault's key file, standing in for an HSM client).
    let vault_key = elsewhere.join("master.key");
    let provider = format!("cat {}", vault_key.display());
    let args = lookup(&["--master-key-command", &provider]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run_with_env(&refs, "UNUSED", "");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Siti Aminah"));
    let args = lookup(&["--master-key-command", "false"]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, stderr) = run_with_env(&refs, "UNUSED", "");
    assert_ne!(code, Some(0));
    assert!(stderr.contains("master-key command"), "{stderr}");

    // Rotation in place needs the key file, and says how.
    let (code, _, stderr) = run_with_env(
        &["admin", "rotate-master-key", "--data", arg(&data), "--master-key-env", "TEST_WASPADA_KEY"],
        "TEST_WASPADA_KEY",
        &key,
    );
    assert_ne!(code, Some(0));
    assert!(stderr.contains("--master-key-file"), "{stderr}");
    // And with the file given explicitly, it works as before.
    let (code, _, stderr) = run_with_env(
        &["admin", "rotate-master-key", "--data", arg(&data), "--master-key-file", vault_key.to_str().unwrap()],
        "UNUSED",
        "",
    );
    assert_eq!(code, Some(0), "{stderr}");
}
