//! End-to-end tests of the `waspada` command: each test runs the real binary in a temporary data
//! folder, the way an officer or a cron job would, and checks exit codes, messages and what the
//! store holds afterwards (through `lookup` and `export`, not through the library).
//!
//! Fixtures are in `tests/fixtures` (see its README): `canonical/` is written exactly as export
//! writes, `mixed/` holds good and bad rows of every kind.

// Helpers outside `#[test]` functions may panic on a broken fixture or a missing binary, which
// clippy's allow-expect-in-tests does not cover.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod admin;
mod audit;
mod breach;
mod browser;
mod demo;
mod dsr;
mod generate;
mod import;
mod key_sources;
mod killed;
mod lapor;
mod mrz;
mod public_import;
mod round_trip;
mod screen;
mod tls;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The environment variables the binary reads: cleared so a developer's or CI's settings (e.g. a
/// PostgreSQL URL) cannot redirect a test to another store.
const STORE_ENV: [&str; 4] =
    ["WASPADA_DATA", "WASPADA_DATABASE_URL", "WASPADA_MASTER_KEY_FILE", "WASPADA_MASTER_KEY_COMMAND"];

/// The finished run of one command.
#[derive(Debug)]
struct Run {
    /// What was run, for failure messages.
    command: String,
    /// The exit code, or `None` when a signal ended the process.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "command: {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.code, self.stdout, self.stderr
        )
    }
}

/// Asserts the exit code and that every expected text appears in stdout or stderr; on failure
/// shows the whole run.
#[track_caller]
fn check(run: &Run, code: i32, expect: &[&str]) {
    assert_eq!(run.code, Some(code), "unexpected exit code\n{}", run.describe());
    for text in expect {
        assert!(
            run.stdout.contains(text) || run.stderr.contains(text),
            "expected {text:?} in the output\n{}",
            run.describe()
        );
    }
}

/// Runs `waspada` with `args`, feeding `stdin`.
fn waspada(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start waspada");
    let mut input = child.stdin.take().expect("stdin");
    // The child may exit without reading everything (e.g. a rejected role); a broken pipe here is
    // not the test's concern.
    let _ = input.write_all(stdin);
    drop(input);
    let output = child.wait_with_output().expect("waspada did not finish");
    Run {
        command: format!("waspada {}", args.join(" ")),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The command with a clean store environment.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_waspada"));
    command.args(args);
    for name in STORE_ENV {
        command.env_remove(name);
    }
    command
}

/// A fixture folder or file.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A child process killed and reaped when dropped, also when the test fails.
struct Guard(std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// A path as a `&str` argument.
fn arg(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// A data folder in a temporary directory, and a scratch area beside it.
struct Store {
    dir: tempfile::TempDir,
}

impl Store {
    fn new() -> Store {
        Store { dir: tempfile::tempdir().expect("temporary directory") }
    }

    /// The data folder (created by the first command that opens the store).
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The SQLite database inside the data folder.
    fn database(&self) -> PathBuf {
        self.data().join("waspada.db")
    }

    /// A path in the scratch area.
    fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `waspada <subcommand> --data DATA <args>`; `subcommand` may be two words
    /// (`"audit verify"`).
    fn run(&self, subcommand: &str, args: &[&str]) -> Run {
        self.run_with_stdin(subcommand, args, b"")
    }

    fn run_with_stdin(&self, subcommand: &str, args: &[&str], stdin: &[u8]) -> Run {
        let data = self.data();
        let mut all: Vec<&str> = subcommand.split_whitespace().collect();
        all.extend(["--data", arg(&data)]);
        all.extend_from_slice(args);
        waspada(&all, stdin)
    }

    /// `import PATHS…`.
    fn import(&self, paths: &[&Path]) -> Run {
        let paths: Vec<&str> = paths.iter().map(|p| arg(p)).collect();
        self.run("import", &paths)
    }

    /// Exports every kind to a new folder in `format` and returns the folder.
    fn export(&self, name: &str, format: &str) -> PathBuf {
        let out = self.scratch(name);
        let run = self.run("export", &["--out", arg(&out), "--format", format, "--purpose", "test export"]);
        check(&run, 0, &[]);
        out
    }

    /// `lookup --purpose test <what…>`, returning the run and its JSON when it found something.
    fn lookup(&self, what: &[&str]) -> (Run, Option<serde_json::Value>) {
        let mut args = vec!["--purpose", "integration test"];
        args.extend_from_slice(what);
        let run = self.run("lookup", &args);
        let json = (run.code == Some(0)).then(|| {
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{}", run.describe()))
        });
        (run, json)
    }
}

/// The bytes of a file.
fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The data lines of an exported CSV file (without the header).
fn csv_rows(path: &Path) -> Vec<String> {
    let text = String::from_utf8(read(path)).expect("export writes UTF-8");
    text.lines().skip(1).map(str::to_owned).collect()
}

/// Asserts that two folders hold the same files with the same bytes.
#[track_caller]
fn assert_same_files(expected: &Path, actual: &Path, names: &[&str]) {
    for name in names {
        let (want, got) = (read(&expected.join(name)), read(&actual.join(name)));
        assert!(
            want == got,
            "{name} differs\n--- {} ---\n{}\n--- {} ---\n{}",
            expected.display(),
            String::from_utf8_lossy(&want),
            actual.display(),
            String::from_utf8_lossy(&got)
        );
    }
}

/// The file names of every kind in one format.
fn kind_files(extension: &str) -> Vec<String> {
    ["persons", "documents", "applications", "crossings", "watchlist"]
        .iter()
        .map(|stem| format!("{stem}.{extension}"))
        .collect()
}

/// The number of data rows in `fixtures/canonical`, all kinds together.
fn canonical_rows() -> usize {
    kind_files("csv").iter().map(|file| csv_rows(&fixture("canonical").join(file)).len()).sum()
}
