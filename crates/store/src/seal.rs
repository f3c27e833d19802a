#![cfg_attr(feature = "insecure-no-sealing", allow(unused_imports, dead_code))]
//! Sealing: the only module that holds keys.
//!
//! Envelope encryption. A 256-bit master key (a file outside the database) wraps one data key per
//! data subject; records are sealed with XChaCha20-Poly1305 under their subject's data key, with the
//! table and key id as associated data so that a ciphertext cannot be moved to another row. Exact
//! lookups use blind indexes: HMAC-SHA-256 under an index key, itself stored wrapped by the master
//! key, so that rotating the master key never changes an index.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, KeyInit as MacKeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const FORMAT_V1: u8 = 1;

/// Where the master key comes from.
#[derive(Debug, Clone)]
pub enum MasterKeySource {
    /// A file holding 64 hex digits; created with mode 0600 if missing. The only source that
    /// `rotate_master_key` can rotate in place (it writes the new key beside the old one).
    File(PathBuf),
    /// An environment variable holding 64 hex digits (a container secret). Never created here:
    /// the operator provides it, and rotates it by re-wrapping under a new key file first.
    Env(String),
    /// A key provider outside this process (a hardware security module, a cloud KMS, a PKCS#11
    /// token behind a helper program): asked once at start-up, the key is never written to disk.
    Provider(std::sync::Arc<dyn MasterKeyProvider>),
}

/// A source of the master key outside Waspada: the interface a PKCS#11 token, an HSM or a KMS is
/// plugged in through. `fetch` returns the 32-byte key; implementations must not log it.
pub trait MasterKeyProvider: std::fmt::Debug + Send + Sync {
    /// The key (32 bytes).
    fn fetch(&self) -> Result<Zeroizing<Vec<u8>>>;
    /// What it is, for messages (no secrets).
    fn describe(&self) -> String;
}

/// The provider shipped with Waspada: runs a helper program (with arguments, no shell) that
/// prints the key as 64 hex digits on its standard output, e.g. a script around `pkcs11-tool`
/// reading a data object from a token, or a KMS client. Its standard error is passed through.
#[derive(Debug, Clone)]
pub struct CommandProvider {
    /// The program and its arguments.
    pub command: Vec<String>,
}

impl MasterKeyProvider for CommandProvider {
    fn fetch(&self) -> Result<Zeroizing<Vec<u8>>> {
        let Some((program, args)) = self.command.split_first() else {
            return Err(Error::Config("the master-key command is empty".into()));
        };
        let output = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| Error::Config(format!("cannot run the master-key command {program:?}: {e}")))?;
        let stdout = Zeroizing::new(output.stdout);
        if !output.status.success() {
            return Err(Error::Config(format!("the master-key command {program:?} failed ({})", output.status)));
        }
        let text = std::str::from_utf8(&stdout)
            .map_err(|_| Error::Config("the master-key command printed something other than hex".into()))?;
        hex::decode(text.trim())
            .map(Zeroizing::new)
            .ok()
            .filter(|key| key.len() == KEY_LEN)
            .ok_or_else(|| Error::Config("the master-key command must print 64 hex digits".into()))
    }

    fn describe(&self) -> String {
        format!("command {:?}", self.command.first().map(String::as_str).unwrap_or(""))
    }
}

/// A 256-bit secret that is wiped from memory when dropped.
#[derive(Clone)]
pub(crate) struct SecretKey(Zeroizing<[u8; KEY_LEN]>);

impl SecretKey {
    fn random() -> Result<SecretKey> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(bytes.as_mut())?;
        Ok(SecretKey(bytes))
    }

    fn from_slice(bytes: &[u8]) -> Result<SecretKey> {
        let array: [u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::Crypto("a key must be 32 bytes".into()))?;
        Ok(SecretKey(Zeroizing::new(array)))
    }

    fn cipher(&self) -> Result<XChaCha20Poly1305> {
        XChaCha20Poly1305::new_from_slice(self.0.as_ref()).map_err(|_| Error::Crypto("bad key length".into()))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// Reads the master key, creating it (0600) on first start. Returns whether it was created, so the
/// caller can warn that losing it loses the data.
pub(crate) fn load_or_create_master_key(source: &MasterKeySource, may_create: bool) -> Result<(SecretKey, bool)> {
    let path = match source {
        MasterKeySource::File(path) => path,
        MasterKeySource::Env(name) => {
            let text = Zeroizing::new(std::env::var(name).map_err(|_| {
                Error::Config(format!("the master key variable {name} is not set (it must hold 64 hex digits)"))
            })?);
            let mut bytes = hex::decode(text.trim())
                .map_err(|_| Error::Config(format!("the master key variable {name} must hold 64 hex digits")))?;
            let key = SecretKey::from_slice(&bytes)
                .map_err(|_| Error::Config(format!("the master key variable {name} must hold 64 hex digits")));
            bytes.zeroize();
            return Ok((key?, false));
        }
        MasterKeySource::Provider(provider) => {
            let bytes = provider.fetch()?;
            return Ok((SecretKey::from_slice(&bytes)?, false));
        }
    };
    match fs::read_to_string(path) {
        Ok(text) => Ok((parse_key_file(path, &text)?, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !may_create => Err(Error::Config(format!(
            "the master key file {} is missing, but this store already holds data sealed with a master key: restore the key from its backup (a new key could not read the data)",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((create_key_file(path)?, true)),
        Err(e) => Err(Error::Config(format!("cannot read master key file {}: {e}", path.display()))),
    }
}

/// Reads a master key file (64 hex digits).
pub(crate) fn read_key_file(path: &Path) -> Result<SecretKey> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read master key file {}: {e}", path.display())))?;
    parse_key_file(path, &text)
}

fn parse_key_file(path: &Path, text: &str) -> Result<SecretKey> {
    let wrong = || Error::Config(format!("master key file {} must hold 64 hex digits", path.display()));
    let mut bytes = hex::decode(text.trim()).map_err(|_| wrong())?;
    let key = SecretKey::from_slice(&bytes).map_err(|_| wrong());
    bytes.zeroize();
    key
}

/// Makes a new random master key and writes it, hex, to a new file with mode 0600.
pub(crate) fn create_key_file(path: &Path) -> Result<SecretKey> {
    let key = SecretKey::random()?;
    write_secret_file(path, &hex::encode(key.0.as_ref()))?;
    Ok(key)
}

fn write_secret_file(path: &Path, contents: &str) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Error::Config(format!("cannot create master key file {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::Config(format!("cannot write master key file {}: {e}", path.display())))
}

/// Bytes from the operating system's CSPRNG, read 4 KiB at a time per thread.
///
/// Why: a bulk import seals one record per row, and one `getrandom` system call per 24-byte
/// nonce (and per data key) was a measurable share of the writer thread. Every byte still comes
/// from the OS generator and is handed out once; the copy in the buffer is wiped as it is taken.
pub(crate) fn fill_random(out: &mut [u8]) -> Result<()> {
    const POOL: usize = 4096;
    thread_local! {
        static POOL_STATE: std::cell::RefCell<(Zeroizing<Vec<u8>>, usize)> =
            std::cell::RefCell::new((Zeroizing::new(vec![0u8; POOL]), POOL));
    }
    if out.len() > POOL {
        return getrandom::fill(out).map_err(|e| Error::Crypto(format!("no randomness: {e}")));
    }
    POOL_STATE.with(|cell| {
        let mut state = cell.borrow_mut();
        let (pool, used) = &mut *state;
        if *used + out.len() > POOL {
            getrandom::fill(pool.as_mut_slice()).map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
            *used = 0;
        }
        let taken = &mut pool[*used..*used + out.len()];
        out.copy_from_slice(taken);
        taken.fill(0);
        *used += out.len();
        Ok(())
    })
}

fn random_nonce() -> Result<[u8; NONCE_LEN]> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    Ok(nonce)
}

/// The format byte of values written by a build with the `insecure-no-sealing` feature.
#[cfg(feature = "insecure-no-sealing")]
const FORMAT_UNSEALED: u8 = 0xFE;

/// Benchmark-only build: values are stored in clear, to measure what sealing costs (see
/// `bench/sealing.sh`). Such a binary refuses to open a store unless `WASPADA_BENCH_NO_SEALING=1`.
#[cfg(feature = "insecure-no-sealing")]
fn encrypt(_key: &SecretKey, _aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(1 + plaintext.len());
    out.push(FORMAT_UNSEALED);
    out.extend_from_slice(plaintext);
    Ok(out)
}

#[cfg(feature = "insecure-no-sealing")]
fn decrypt(_key: &SecretKey, _aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    match sealed.split_first() {
        Some((&FORMAT_UNSEALED, rest)) => Ok(rest.to_vec()),
        _ => Err(Error::Crypto("not written by an insecure-no-sealing build".into())),
    }
}

#[cfg(not(feature = "insecure-no-sealing"))]
fn encrypt(key: &SecretKey, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let nonce = random_nonce()?;
    let ciphertext = key
        .cipher()?
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad })
        .map_err(|_| Error::Crypto("encryption failed".into()))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

#[cfg(not(feature = "insecure-no-sealing"))]
fn decrypt(key: &SecretKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != FORMAT_V1 {
        return Err(Error::Crypto("sealed value has an unknown format".into()));
    }
    let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| Error::Crypto("bad nonce".into()))?;
    key.cipher()?
        .decrypt(&nonce, Payload { msg: ciphertext, aad })
        .map_err(|_| Error::Crypto("sealed value failed authentication (wrong key or tampered data)".into()))
}

/// The keys of an open store. Data keys are cached unwrapped; the cache is bounded.
pub(crate) struct Keyring {
    master: MasterKey,
    index: SecretKey,
    data_keys: Mutex<HashMap<i64, SecretKey>>,
    retention: RetentionKeys,
    /// Days after their last activity that traveller records fall due (the retention policy's
    /// `traveller_days`, as the last run recorded it): new keys go into that month's bucket.
    traveller_days: std::sync::atomic::AtomicI64,
    /// The same for watchlist entries (`watchlist_days`).
    watchlist_days: std::sync::atomic::AtomicI64,
}

/// Whether retention may shred the records of a data subject: what citizens send and case work
/// (`crate::retention`). Their data keys are wrapped under the retention key of the current epoch
/// instead of the master key.
pub(crate) fn retention_managed(subject: &[u8]) -> bool {
    RETENTION_PREFIXES.iter().any(|prefix| subject.starts_with(prefix))
}

/// The `meta` row that holds the retention epoch new keys must be wrapped under (8 bytes, big
/// endian); see `Store::apply_retention`.
pub(crate) const RETENTION_EPOCH_META: &str = "retention_epoch";

/// The subject prefixes of [`retention_managed`] keys.
pub(crate) const RETENTION_PREFIXES: [&[u8]; 2] = [b"submission:", b"case:"];

/// The subject prefixes of traveller records' keys: a person (who also seals their documents,
/// applications and crossings), a document with no known holder (with its crossings), and a
/// watchlist entry.
pub(crate) const TRAVELLER_PREFIXES: [&[u8]; 3] = [b"p:", b"d:", b"w:"];

/// Whether a data key seals traveller records: wrapped under the retention key of the month the
/// records fall due (a *bucket*), so that shredding them reaches backups without making every
/// older backup lose every traveller (see `crate::retention`).
pub(crate) fn traveller_managed(subject: &[u8]) -> bool {
    TRAVELLER_PREFIXES.iter().any(|prefix| subject.starts_with(prefix)) || subject.starts_with(REQUEST_PREFIX)
}

/// The subject prefix of a data-subject request's key: filed in the bucket of the person it is
/// about (moved there by each retention run), so that it goes with them, backups included.
pub(crate) const REQUEST_PREFIX: &[u8] = b"dsr:";

/// Days after their last activity that traveller records fall due unless the retention policy
/// says otherwise: ten years, the validity of an ordinary passport. The office's archive schedule
/// (*jadwal retensi arsip*) decides the real period (`waspada admin retention --traveller-years`).
pub const DEFAULT_TRAVELLER_DAYS: i64 = 10 * 365;

/// Days after it stopped being in force that a watchlist entry falls due, unless the policy says
/// otherwise.
pub const DEFAULT_WATCHLIST_DAYS: i64 = 2 * 365;

/// A month as `YYYYMM` (203611: November 2036), the name of a traveller bucket.
pub(crate) fn month_of(date: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    date.year() * 100 + date.month() as i32
}

/// The month after `month` (`YYYYMM`).
pub(crate) fn next_month(month: i32) -> i32 {
    if month % 100 >= 12 { (month / 100 + 1) * 100 + 1 } else { month + 1 }
}

/// Retention keys, one per epoch: what makes shredding reach backups.
///
/// Deleting a data key shreds a record in the live database, but a backup made earlier still holds
/// the key, wrapped under the master key. So the data keys of records that retention may shred are
/// wrapped under a retention key instead, kept in `retention.keys` beside the master key — outside
/// the database, so never in a database backup. Each retention run shreds what is due, starts a new
/// epoch, re-wraps the surviving keys under its key, and then destroys the old epoch's key: from
/// then on no backup made before the run can open any data key of that kind, including the
/// shredded ones. The file holds the epoch keys wrapped under the master key; a second epoch is in
/// it only while a run is moving keys. Other processes re-read it at most once a second, and when
/// they meet an epoch they do not know.
///
/// Traveller records use the same file differently: one key per *month* (a bucket, `month` set in
/// the file), and a person's data key is wrapped under the bucket of the month their records fall
/// due. A run destroys the buckets of months that have passed (after moving out whoever is held
/// or had new activity) and renews the current month's bucket when it shredded from it, so a
/// backup loses a traveller only when that traveller's records are due, never all at once. Epoch
/// keys and bucket keys share one numbering, which is what `data_keys.epoch` holds.
pub(crate) struct RetentionKeys {
    file: Option<PathBuf>,
    /// The highest epoch the database had seen at open: new epochs are numbered above it.
    floor: i64,
    state: Mutex<RetentionState>,
}

#[derive(Default)]
struct RetentionState {
    keys: BTreeMap<i64, SecretKey>,
    /// Which keys are traveller buckets, and of which month (`YYYYMM`); the others are epochs.
    months: BTreeMap<i64, i32>,
    /// The highest number ever given, so that a destroyed key's number is never reused (a
    /// database restored from before it was destroyed must find it gone, not another key).
    highest: i64,
    /// Numbers whose keys were destroyed on purpose (by retention). A number the database uses
    /// that is neither a key here nor destroyed is *missing*: the file is not the current one.
    destroyed: BTreeSet<i64>,
    /// Numbers below this that are not keys were destroyed too (files from before the list).
    destroyed_below: i64,
    looked_at: Option<std::time::Instant>,
}

/// What became of a retention key number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyStatus {
    /// The key is in the file.
    Present,
    /// Destroyed by retention: what it wrapped is shredded.
    Destroyed,
    /// Not in the file and never destroyed: the file is older than the database (a stale copy).
    Missing,
}

impl RetentionState {
    /// The newest epoch key (not a bucket).
    fn newest_epoch(&self) -> Option<(i64, SecretKey)> {
        self.keys.iter().rev().find(|(id, _)| !self.months.contains_key(id)).map(|(id, key)| (*id, key.clone()))
    }

    /// The newest key of a month's bucket.
    fn newest_bucket(&self, month: i32) -> Option<(i64, SecretKey)> {
        self.months
            .iter()
            .rev()
            .find(|(_, m)| **m == month)
            .and_then(|(id, _)| self.keys.get(id).map(|key| (*id, key.clone())))
    }

    /// A number above every one given so far (here, in the file, and in the database at open).
    fn fresh_number(&self, floor: i64) -> i64 {
        let destroyed = self.destroyed.last().copied().unwrap_or(0).max(self.destroyed_below - 1);
        self.keys.last_key_value().map_or(0, |(id, _)| *id).max(self.highest).max(floor).max(destroyed) + 1
    }

    fn status(&self, number: i64) -> KeyStatus {
        if self.keys.contains_key(&number) {
            KeyStatus::Present
        } else if self.destroyed.contains(&number) || number < self.destroyed_below {
            KeyStatus::Destroyed
        } else {
            KeyStatus::Missing
        }
    }

    /// Destroys keys: gone from the file, and recorded as destroyed.
    fn remove(&mut self, floor: i64, numbers: &[i64]) {
        self.highest = self.fresh_number(floor) - 1;
        for number in numbers {
            self.keys.remove(number);
            self.months.remove(number);
            self.destroyed.insert(*number);
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RetentionFile {
    format: u32,
    keys: Vec<RetentionEntry>,
    #[serde(default)]
    highest: i64,
    /// Absent in files from before it (then every number below the newest key that is not in the
    /// file was destroyed: epochs were the only keys, destroyed oldest first).
    #[serde(default)]
    destroyed: Option<Vec<i64>>,
    #[serde(default)]
    destroyed_below: i64,
}

impl RetentionFile {
    /// (destroyed numbers, destroyed below), reading files from before the list as described.
    fn destroyed(&self) -> (BTreeSet<i64>, i64) {
        match &self.destroyed {
            Some(list) => (list.iter().copied().collect(), self.destroyed_below),
            None => (BTreeSet::new(), self.keys.iter().map(|k| k.epoch).max().unwrap_or(0).max(self.destroyed_below)),
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RetentionEntry {
    epoch: i64,
    /// The epoch key wrapped under the master key, hex.
    wrapped: String,
    /// For a traveller bucket, its month (`YYYYMM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    month: Option<i32>,
}

fn retention_aad(epoch: i64) -> Vec<u8> {
    let mut aad = b"retention-key:".to_vec();
    aad.extend_from_slice(&epoch.to_be_bytes());
    aad
}

impl RetentionKeys {
    fn in_memory() -> RetentionKeys {
        RetentionKeys { file: None, floor: 0, state: Mutex::new(RetentionState::default()) }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, RetentionState>> {
        self.state.lock().map_err(|_| Error::Crypto("retention key lock poisoned".into()))
    }

    fn reload(&self, master: &MasterKey, state: &mut RetentionState) -> Result<()> {
        let Some(file) = &self.file else { return Ok(()) };
        state.looked_at = Some(std::time::Instant::now());
        let text = match fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                state.keys.clear();
                state.months.clear();
                state.destroyed.clear();
                state.destroyed_below = 0;
                return Ok(());
            }
            Err(e) => return Err(Error::Config(format!("cannot read {}: {e}", file.display()))),
        };
        let damaged =
            |why: String| Error::Config(format!("the retention key file {} is damaged: {why}", file.display()));
        let parsed: RetentionFile = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        let mut keys = BTreeMap::new();
        let mut months = BTreeMap::new();
        let (destroyed, destroyed_below) = parsed.destroyed();
        for entry in parsed.keys {
            if let Some(month) = entry.month {
                months.insert(entry.epoch, month);
            }
            let wrapped = hex::decode(&entry.wrapped).map_err(|e| damaged(e.to_string()))?;
            let bytes = master.unwrap(&retention_aad(entry.epoch), &wrapped).map_err(|_| {
                Error::Config(format!(
                    "the retention key of epoch {} in {} does not open with this master key",
                    entry.epoch,
                    file.display()
                ))
            })?;
            keys.insert(entry.epoch, SecretKey::from_slice(&bytes)?);
        }
        state.keys = keys;
        state.months = months;
        state.destroyed = destroyed;
        state.destroyed_below = destroyed_below;
        state.highest = state.highest.max(parsed.highest);
        Ok(())
    }

    /// Writes the keys (wrapped under the master key, or its pending successor during a rotation)
    /// to a new file that replaces the old one in one step. Callers hold the file lock.
    fn write(&self, master: &MasterKey, state: &RetentionState) -> Result<()> {
        self.write_wrapped(|aad, plain| master.wrap(aad, plain), state)
    }

    /// [`Self::write`], wrapping with `wrap`.
    fn write_wrapped(&self, wrap: impl Fn(&[u8], &[u8]) -> Result<Vec<u8>>, state: &RetentionState) -> Result<()> {
        let Some(file) = &self.file else { return Ok(()) };
        let mut entries = Vec::with_capacity(state.keys.len());
        for (epoch, key) in &state.keys {
            entries.push(RetentionEntry {
                epoch: *epoch,
                wrapped: hex::encode(wrap(&retention_aad(*epoch), key.0.as_ref())?),
                month: state.months.get(epoch).copied(),
            });
        }
        let highest = state.fresh_number(self.floor) - 1;
        let file_text = RetentionFile {
            format: 1,
            keys: entries,
            highest,
            destroyed: Some(state.destroyed.iter().copied().collect()),
            destroyed_below: state.destroyed_below,
        };
        let text = serde_json::to_string(&file_text)
            .map_err(|e| Error::Config(format!("cannot encode the retention keys: {e}")))?;
        let mut temporary = file.as_os_str().to_owned();
        temporary.push(format!(".{}.tmp", std::process::id()));
        let temporary = PathBuf::from(temporary);
        let _ = fs::remove_file(&temporary);
        write_secret_file(&temporary, &text)?;
        fs::rename(&temporary, file).map_err(|e| Error::Config(format!("cannot replace {}: {e}", file.display())))?;
        if let Some(dir) = file.parent()
            && let Ok(handle) = fs::File::open(dir)
        {
            let _ = handle.sync_all();
        }
        Ok(())
    }

    /// The newest epoch and its key, which new data keys go under; the first is made on first
    /// use (also in a file emptied on purpose after it was lost), numbered above any epoch the
    /// database has seen, under the file lock so that two processes never make one each.
    fn current(&self, master: &MasterKey) -> Result<(i64, SecretKey)> {
        let mut state = self.lock()?;
        let stale = state.looked_at.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(1));
        if stale || state.newest_epoch().is_none() {
            self.reload(master, &mut state)?;
        }
        if let Some(found) = state.newest_epoch() {
            return Ok(found);
        }
        self.with_file_lock(|| {
            self.reload(master, &mut state)?;
            if let Some(found) = state.newest_epoch() {
                return Ok(found);
            }
            let epoch = state.fresh_number(self.floor);
            let key = SecretKey::random()?;
            state.keys.insert(epoch, key.clone());
            self.write(master, &state)?;
            Ok((epoch, key))
        })
    }

    /// The newest key of a month's traveller bucket, made on first use (under the file lock, so
    /// that two processes never make one each).
    fn bucket(&self, master: &MasterKey, month: i32) -> Result<(i64, SecretKey)> {
        let mut state = self.lock()?;
        let stale = state.looked_at.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(1));
        if stale {
            self.reload(master, &mut state)?;
        }
        if let Some(found) = state.newest_bucket(month) {
            return Ok(found);
        }
        self.with_file_lock(|| {
            self.reload(master, &mut state)?;
            if let Some(found) = state.newest_bucket(month) {
                return Ok(found);
            }
            self.add_bucket(master, &mut state, month)
        })
    }

    /// Adds a new key for a month's bucket; callers hold the file lock and have just reloaded.
    fn add_bucket(&self, master: &MasterKey, state: &mut RetentionState, month: i32) -> Result<(i64, SecretKey)> {
        let id = state.fresh_number(self.floor);
        let key = SecretKey::random()?;
        state.keys.insert(id, key.clone());
        state.months.insert(id, month);
        self.write(master, state)?;
        Ok((id, key))
    }

    /// Starts a new key for a month's bucket (the old ones stay until [`Self::destroy`]).
    fn renew_bucket(&self, master: &MasterKey, month: i32) -> Result<i64> {
        let mut state = self.lock()?;
        self.with_file_lock(|| {
            self.reload(master, &mut state)?;
            self.add_bucket(master, &mut state, month).map(|(id, _)| id)
        })
    }

    /// The numbers of every key in the file as it is now (each opened with the master key).
    fn numbers(&self, master: &MasterKey) -> Result<BTreeSet<i64>> {
        let mut state = self.lock()?;
        self.reload(master, &mut state)?;
        Ok(state.keys.keys().copied().collect())
    }

    /// The traveller buckets as the file has them now: key number → month.
    fn buckets(&self, master: &MasterKey) -> Result<BTreeMap<i64, i32>> {
        let mut state = self.lock()?;
        self.reload(master, &mut state)?;
        Ok(state.months.clone())
    }

    /// Destroys these keys (buckets); returns those that existed.
    fn destroy(&self, master: &MasterKey, ids: &[i64]) -> Result<Vec<i64>> {
        let mut state = self.lock()?;
        self.with_file_lock(|| {
            self.reload(master, &mut state)?;
            let gone: Vec<i64> = ids.iter().copied().filter(|id| state.keys.contains_key(id)).collect();
            if gone.is_empty() {
                return Ok(gone);
            }
            state.remove(self.floor, &gone);
            self.write(master, &state)?;
            Ok(gone)
        })
    }

    /// Runs `change` holding an exclusive lock on `<file>.lock`: every change of the file (the
    /// first key, a new epoch, destroying old ones) is a read-modify-write, made one at a time
    /// across processes.
    fn with_file_lock<T>(&self, change: impl FnOnce() -> Result<T>) -> Result<T> {
        let Some(file) = &self.file else { return change() };
        let mut name = file.as_os_str().to_owned();
        name.push(".lock");
        let mut options = fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let lock = options
            .open(PathBuf::from(&name))
            .map_err(|e| Error::Config(format!("cannot open {}: {e}", PathBuf::from(&name).display())))?;
        lock.lock().map_err(|e| Error::Config(format!("cannot lock the retention key file: {e}")))?;
        let result = change();
        let _ = lock.unlock();
        result
    }

    /// What became of a key number. The file is re-read when what is known here is more than a
    /// second old, and always before a number is called missing; a destroyed number is not
    /// re-read for each of the (possibly many) keys found under it.
    fn status(&self, master: &MasterKey, number: i64) -> Result<KeyStatus> {
        let mut state = self.lock()?;
        if state.keys.contains_key(&number) {
            return Ok(KeyStatus::Present);
        }
        let stale = state.looked_at.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(1));
        if stale {
            self.reload(master, &mut state)?;
        }
        match state.status(number) {
            KeyStatus::Missing if !stale => {
                self.reload(master, &mut state)?;
                Ok(state.status(number))
            }
            status => Ok(status),
        }
    }

    /// The key of an epoch, re-reading the file once if it is not known here.
    fn get(&self, master: &MasterKey, epoch: i64) -> Result<SecretKey> {
        let mut state = self.lock()?;
        if let Some(key) = state.keys.get(&epoch) {
            return Ok(key.clone());
        }
        self.reload(master, &mut state)?;
        state.keys.get(&epoch).cloned().ok_or_else(|| {
            Error::Crypto(format!(
                "the retention key of epoch {epoch} has been destroyed: the record was shredded (or this database is older than the last retention run)"
            ))
        })
    }

    /// Adds a new epoch (the next number) and returns it; the old ones stay until [`Self::retire`].
    fn advance(&self, master: &MasterKey) -> Result<i64> {
        let mut state = self.lock()?;
        self.with_file_lock(|| {
            self.reload(master, &mut state)?;
            let epoch = state.fresh_number(self.floor);
            state.keys.insert(epoch, SecretKey::random()?);
            self.write(master, &state)?;
            Ok(epoch)
        })
    }

    /// Destroys every epoch key below `keep` (buckets are not epochs); returns the epochs
    /// destroyed.
    fn retire(&self, master: &MasterKey, keep: i64) -> Result<Vec<i64>> {
        let mut state = self.lock()?;
        self.with_file_lock(|| {
            self.reload(master, &mut state)?;
            let destroyed: Vec<i64> =
                state.keys.range(..keep).map(|(e, _)| *e).filter(|e| !state.months.contains_key(e)).collect();
            if destroyed.is_empty() {
                return Ok(destroyed);
            }
            state.remove(self.floor, &destroyed);
            self.write(master, &state)?;
            Ok(destroyed)
        })
    }

    /// Re-writes the file under `new`, the master key a rotation moves to (named explicitly: this
    /// process may not have noticed the pending key file yet when a rotation is resumed).
    fn rewrite(&self, master: &MasterKey, new: &SecretKey) -> Result<()> {
        let mut state = self.lock()?;
        self.with_file_lock(|| {
            self.reload(master, &mut state)?;
            if self.file.as_ref().is_some_and(|f| f.exists()) {
                self.write_wrapped(|aad, plain| encrypt(new, aad, plain), &state)?;
            }
            Ok(())
        })
    }
}

/// The numbers among `used` that a retention key file neither holds nor lists as destroyed (read
/// without opening any key); `None` when there is no file.
pub(crate) fn retention_file_missing(file: &Path, used: &[i64]) -> Result<Option<Vec<i64>>> {
    let text = match fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Config(format!("cannot read {}: {e}", file.display()))),
    };
    let parsed: RetentionFile = serde_json::from_str(&text)
        .map_err(|e| Error::Config(format!("the retention key file {} is damaged: {e}", file.display())))?;
    let present: BTreeSet<i64> = parsed.keys.iter().map(|k| k.epoch).collect();
    let (destroyed, below) = parsed.destroyed();
    Ok(Some(used.iter().copied().filter(|n| !present.contains(n) && !destroyed.contains(n) && *n >= below).collect()))
}

/// Re-wraps a retention key file (`source`, opened with the master key in `source_master`) under
/// the master key in `target_master`, written to `target` (private, replaced in one step). A
/// backup made before a master-key rotation opens only with the old master key, while the live
/// retention key file — the one that knows which keys are destroyed — is wrapped under the new
/// one: `waspada admin restore` uses this to give the restored store the live keys under its own
/// master key. Returns how many keys the file holds.
pub fn rewrap_retention_file(
    source: &Path,
    source_master: &Path,
    target: &Path,
    target_master: &Path,
) -> Result<usize> {
    if !source.is_file() {
        return Err(Error::Config(format!("no retention key file at {}", source.display())));
    }
    let from = MasterKey::in_memory(read_key_file(source_master)?);
    let to = read_key_file(target_master)?;
    let reader =
        RetentionKeys { file: Some(source.to_path_buf()), floor: 0, state: Mutex::new(RetentionState::default()) };
    let mut state = reader.lock()?;
    reader.reload(&from, &mut state)?;
    let writer =
        RetentionKeys { file: Some(target.to_path_buf()), floor: 0, state: Mutex::new(RetentionState::default()) };
    writer.write_wrapped(|aad, plain| encrypt(&to, aad, plain), &state)?;
    Ok(state.keys.len())
}

/// The master key in use, and where it is kept, so that a process keeps working while
/// `waspada admin rotate-master-key` runs in another one.
///
/// Rotation writes the new key to `<file>.new`, re-wraps every wrapped key, then renames
/// `<file>.new` over `<file>`. Meanwhile any process wraps new keys with the pending key (it looks
/// for `<file>.new` at most once a second), and a key that the current master cannot unwrap is
/// tried with `<file>.new` and then `<file>` as they are on disk now (the rotation may have ended).
pub(crate) struct MasterKey {
    current: std::sync::RwLock<SecretKey>,
    file: Option<PathBuf>,
    /// The pending key of a rotation in progress, and when `<file>.new` was last looked for.
    pending: Mutex<(Option<SecretKey>, Option<std::time::Instant>)>,
}

impl MasterKey {
    pub(crate) fn new(key: SecretKey, source: &MasterKeySource) -> MasterKey {
        // Only a key file can change under a running process (a rotation in another one).
        let file = match source {
            MasterKeySource::File(path) => Some(path.clone()),
            MasterKeySource::Env(_) | MasterKeySource::Provider(_) => None,
        };
        MasterKey { current: std::sync::RwLock::new(key), file, pending: Mutex::new((None, None)) }
    }

    /// A master key that lives only in memory (tests, and re-wrapping a retention key file).
    pub(crate) fn in_memory(key: SecretKey) -> MasterKey {
        MasterKey { current: std::sync::RwLock::new(key), file: None, pending: Mutex::new((None, None)) }
    }

    fn current(&self) -> Result<SecretKey> {
        self.current.read().map(|k| k.clone()).map_err(|_| Error::Crypto("master key lock poisoned".into()))
    }

    /// The key a rotation in progress is moving to, if any (`<file>.new`). The key files are
    /// looked at at most once a second; a key file that changed (a rotation finished in another
    /// process) becomes the current key at the same look, so that no key is ever wrapped under a
    /// master key that has already been replaced.
    fn pending(&self) -> Option<SecretKey> {
        let file = self.file.as_ref()?;
        let mut guard = self.pending.lock().ok()?;
        let fresh = guard.1.is_some_and(|at| at.elapsed() < std::time::Duration::from_secs(1));
        if !fresh {
            guard.0 = read_key_file(&pending_path(file)).ok();
            guard.1 = Some(std::time::Instant::now());
            if let Ok(on_disk) = read_key_file(file)
                && let Ok(mut current) = self.current.write()
                && current.0 != on_disk.0
            {
                *current = on_disk;
            }
        }
        guard.0.clone()
    }

    /// Makes `key` the current key and forgets any pending one (a rotation just finished here).
    fn replace(&self, key: SecretKey) {
        if let Ok(mut slot) = self.current.write() {
            *slot = key;
        }
        if let Ok(mut pending) = self.pending.lock() {
            *pending = (None, None);
        }
    }

    /// Wraps under the pending key during a rotation, else under the current one.
    fn wrap(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let key = match self.pending() {
            Some(pending) => pending,
            None => self.current()?,
        };
        encrypt(&key, aad, plaintext)
    }

    /// Unwraps with the current key, else with the keys on disk now (a rotation in progress or
    /// finished by another process); a finished rotation's key becomes the current one.
    fn unwrap(&self, aad: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let current = self.current()?;
        let first = match decrypt(&current, aad, wrapped) {
            Ok(bytes) => return Ok(Zeroizing::new(bytes)),
            Err(e) => e,
        };
        let Some(file) = &self.file else { return Err(first) };
        if let Ok(pending) = read_key_file(&pending_path(file))
            && let Ok(bytes) = decrypt(&pending, aad, wrapped)
        {
            return Ok(Zeroizing::new(bytes));
        }
        if let Ok(on_disk) = read_key_file(file)
            && on_disk.0 != current.0
            && let Ok(bytes) = decrypt(&on_disk, aad, wrapped)
        {
            if let Ok(mut slot) = self.current.write() {
                *slot = on_disk;
            }
            return Ok(Zeroizing::new(bytes));
        }
        Err(first)
    }
}

/// Where a rotation keeps the key it is moving to.
pub(crate) fn pending_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Re-wraps one wrapped key from `old` to `new`; `Ok(None)` when it is already under `new`.
pub(crate) fn rewrap(old: &SecretKey, new: &SecretKey, aad: &[u8], wrapped: &[u8]) -> Result<Option<Vec<u8>>> {
    if decrypt(new, aad, wrapped).is_ok() {
        return Ok(None);
    }
    let plain = Zeroizing::new(decrypt(old, aad, wrapped)?);
    encrypt(new, aad, &plain).map(Some)
}

/// Associated data of the wrapped index key and audit-signing seed in `meta`.
pub(crate) const INDEX_KEY_AAD: &[u8] = b"index-key";
pub(crate) const AUDIT_KEY_AAD: &[u8] = b"audit-signing-key";

/// Unwrapped data keys kept in memory (about 100 bytes each): enough for every subject of a
/// regency-sized office, so bulk imports unwrap each key once.
const DATA_KEY_CACHE: usize = 1_000_000;

impl Keyring {
    /// Builds the keyring from the master key and the wrapped index key stored in `meta`, or makes
    /// a new index key when the store is new. Returns the wrapped index key to store in that case.
    pub(crate) fn open(master: MasterKey, wrapped_index_key: Option<&[u8]>) -> Result<(Keyring, Option<Vec<u8>>)> {
        let (index, new_wrapped) = match wrapped_index_key {
            Some(wrapped) => {
                let bytes = master.unwrap(INDEX_KEY_AAD, wrapped).map_err(|_| {
                    Error::Config("the master key does not open this store (wrong WASPADA_MASTER_KEY_FILE?)".into())
                })?;
                (SecretKey::from_slice(&bytes)?, None)
            }
            None => {
                let index = SecretKey::random()?;
                let wrapped = master.wrap(INDEX_KEY_AAD, index.0.as_ref())?;
                (index, Some(wrapped))
            }
        };
        let keyring = Keyring {
            master,
            index,
            data_keys: Mutex::new(HashMap::new()),
            retention: RetentionKeys::in_memory(),
            traveller_days: std::sync::atomic::AtomicI64::new(DEFAULT_TRAVELLER_DAYS),
            watchlist_days: std::sync::atomic::AtomicI64::new(DEFAULT_WATCHLIST_DAYS),
        };
        Ok((keyring, new_wrapped))
    }

    /// The master key in use now.
    pub(crate) fn current_master(&self) -> Result<SecretKey> {
        self.master.current()
    }

    /// After a rotation: the new key is the current one.
    pub(crate) fn set_master(&self, key: SecretKey) {
        self.master.replace(key);
    }

    /// A keyed blind index of `value` in the given domain, e.g. `("nik", "1709…")`.
    pub(crate) fn blind_index(&self, domain: &str, value: &str) -> Vec<u8> {
        self.mac(&[domain.as_bytes(), value.as_bytes()])
    }

    /// A keyed MAC over several parts, length-prefixed so that parts cannot run into each other.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail; fall back to an all-zero output only
        // to satisfy the type, which no caller could mistake for a real index.
        let Ok(mut mac) = <Hmac<Sha256> as MacKeyInit>::new_from_slice(self.index.0.as_ref()) else {
            return vec![0; 32];
        };
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    /// Makes a new data key and returns it with its wrapped form.
    pub(crate) fn new_data_key(&self, key_id: i64) -> Result<(SecretKey, Vec<u8>)> {
        let key = SecretKey::random()?;
        let wrapped = self.master.wrap(&data_key_aad(key_id), key.0.as_ref())?;
        self.cache(key_id, key.clone());
        Ok((key, wrapped))
    }

    /// Unwraps a stored data key (cached).
    pub(crate) fn data_key(&self, key_id: i64, wrapped: &[u8]) -> Result<SecretKey> {
        self.data_key_at(key_id, wrapped, None)
    }

    /// Unwraps a stored data key wrapped under the master key (`epoch` `None`) or under the
    /// retention key of an epoch (cached).
    pub(crate) fn data_key_at(&self, key_id: i64, wrapped: &[u8], epoch: Option<i64>) -> Result<SecretKey> {
        if let Some(key) = self.cached(key_id) {
            return Ok(key);
        }
        let bytes = match epoch {
            None => self.master.unwrap(&data_key_aad(key_id), wrapped)?,
            Some(epoch) => {
                let retention = self.retention.get(&self.master, epoch)?;
                Zeroizing::new(decrypt(&retention, &data_key_aad(key_id), wrapped)?)
            }
        };
        let key = SecretKey::from_slice(&bytes)?;
        self.cache(key_id, key.clone());
        Ok(key)
    }

    /// Keeps retention keys in `file` (see [`RetentionKeys`]) instead of in memory.
    pub(crate) fn set_retention_file(&mut self, file: PathBuf, floor: i64) {
        self.retention = RetentionKeys { file: Some(file), floor, state: Mutex::new(RetentionState::default()) };
    }

    /// The retention epoch new keys go under (made on first use).
    pub(crate) fn current_retention_epoch(&self) -> Result<i64> {
        self.retention.current(&self.master).map(|(epoch, _)| epoch)
    }

    /// Makes a new data key for a [`retention_managed`] subject: wrapped under the current
    /// retention epoch's key. Returns the key, its wrapped form and the epoch.
    pub(crate) fn new_retention_data_key(&self, key_id: i64) -> Result<(SecretKey, Vec<u8>, i64)> {
        let key = SecretKey::random()?;
        let (epoch, retention) = self.retention.current(&self.master)?;
        let wrapped = encrypt(&retention, &data_key_aad(key_id), key.0.as_ref())?;
        self.cache(key_id, key.clone());
        Ok((key, wrapped, epoch))
    }

    /// Sets the traveller retention period new keys are bucketed by.
    pub(crate) fn set_traveller_days(&self, days: i64) {
        self.traveller_days.store(days, std::sync::atomic::Ordering::Relaxed);
    }

    /// Sets the watchlist retention period new watchlist keys are bucketed by.
    pub(crate) fn set_watchlist_days(&self, days: i64) {
        self.watchlist_days.store(days, std::sync::atomic::Ordering::Relaxed);
    }

    /// Makes a new data key for a [`traveller_managed`] subject: wrapped under the bucket of the
    /// month its records fall due if nothing else happens (today plus the period). Returns the
    /// key, its wrapped form and the bucket's key number.
    pub(crate) fn new_traveller_data_key(&self, key_id: i64, subject: &[u8]) -> Result<(SecretKey, Vec<u8>, i64)> {
        let period = if subject.starts_with(b"w:") { &self.watchlist_days } else { &self.traveller_days };
        let days = period.load(std::sync::atomic::Ordering::Relaxed);
        let today = chrono::Utc::now().date_naive();
        let due = chrono::Duration::try_days(days)
            .and_then(|period| today.checked_add_signed(period))
            .unwrap_or(chrono::NaiveDate::MAX);
        let key = SecretKey::random()?;
        let (bucket, retention) = self.retention.bucket(&self.master, month_of(due))?;
        let wrapped = encrypt(&retention, &data_key_aad(key_id), key.0.as_ref())?;
        self.cache(key_id, key.clone());
        Ok((key, wrapped, bucket))
    }

    /// The newest key number of a month's traveller bucket (made if there is none).
    pub(crate) fn traveller_bucket(&self, month: i32) -> Result<i64> {
        self.retention.bucket(&self.master, month).map(|(id, _)| id)
    }

    /// Starts a new key for a month's traveller bucket.
    pub(crate) fn renew_traveller_bucket(&self, month: i32) -> Result<i64> {
        self.retention.renew_bucket(&self.master, month)
    }

    /// The numbers of every retention key that exists (the file read and opened now).
    pub(crate) fn retention_key_numbers(&self) -> Result<BTreeSet<i64>> {
        self.retention.numbers(&self.master)
    }

    /// The traveller buckets: key number → month (`YYYYMM`).
    pub(crate) fn traveller_buckets(&self) -> Result<BTreeMap<i64, i32>> {
        self.retention.buckets(&self.master)
    }

    /// Destroys traveller bucket keys; returns those that existed.
    pub(crate) fn destroy_traveller_buckets(&self, ids: &[i64]) -> Result<Vec<i64>> {
        self.retention.destroy(&self.master, ids)
    }

    /// Starts a new retention epoch (see [`RetentionKeys::advance`]).
    pub(crate) fn advance_retention_epoch(&self) -> Result<i64> {
        self.retention.advance(&self.master)
    }

    /// Re-wraps a data key from where it is (the master key, or an older epoch) to `epoch`.
    pub(crate) fn rewrap_to_epoch(
        &self,
        key_id: i64,
        wrapped: &[u8],
        from: Option<i64>,
        epoch: i64,
    ) -> Result<Vec<u8>> {
        let aad = data_key_aad(key_id);
        let plain = match from {
            None => self.master.unwrap(&aad, wrapped)?,
            Some(old) => Zeroizing::new(decrypt(&self.retention.get(&self.master, old)?, &aad, wrapped)?),
        };
        let target = self.retention.get(&self.master, epoch)?;
        encrypt(&target, &aad, &plain)
    }

    /// What became of a retention key number (see [`KeyStatus`]).
    pub(crate) fn retention_key_status(&self, number: i64) -> Result<KeyStatus> {
        self.retention.status(&self.master, number)
    }

    /// Destroys the retention keys of epochs below `keep`.
    pub(crate) fn retire_retention_epochs(&self, keep: i64) -> Result<Vec<i64>> {
        self.retention.retire(&self.master, keep)
    }

    /// Re-wraps the retention key file under `new`, the master key a rotation moves to.
    pub(crate) fn rewrite_retention_file(&self, new: &SecretKey) -> Result<()> {
        self.retention.rewrite(&self.master, new)
    }

    pub(crate) fn cached(&self, key_id: i64) -> Option<SecretKey> {
        self.data_keys.lock().ok().and_then(|cache| cache.get(&key_id).cloned())
    }

    fn cache(&self, key_id: i64, key: SecretKey) {
        if let Ok(mut cache) = self.data_keys.lock() {
            if cache.len() >= DATA_KEY_CACHE {
                cache.clear();
            }
            cache.insert(key_id, key);
        }
    }

    /// Forgets a data key (after it was shredded).
    #[allow(dead_code)]
    pub(crate) fn forget(&self, key_id: i64) {
        if let Ok(mut cache) = self.data_keys.lock() {
            cache.remove(&key_id);
        }
    }
}

/// The Ed25519 key that signs audit checkpoints. Its 32-byte seed is stored wrapped by the master
/// key (`meta.audit_signing_key`), like the index key, so that the public key stays the same for
/// the life of the store: an auditor given it once can check every checkpoint ever made.
pub(crate) struct AuditSigner {
    key: ed25519_dalek::SigningKey,
}

impl AuditSigner {
    /// Unwraps the stored seed, or makes one (returning it wrapped, to be stored).
    pub(crate) fn open(keys: &Keyring, wrapped: Option<&[u8]>) -> Result<(AuditSigner, Option<Vec<u8>>)> {
        match wrapped {
            Some(wrapped) => {
                let seed = keys.master.unwrap(AUDIT_KEY_AAD, wrapped)?;
                let seed: [u8; KEY_LEN] = seed
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::Corrupt("the audit signing key has the wrong length".into()))?;
                Ok((AuditSigner { key: ed25519_dalek::SigningKey::from_bytes(&seed) }, None))
            }
            None => {
                let seed = SecretKey::random()?;
                let wrapped = keys.master.wrap(AUDIT_KEY_AAD, seed.0.as_ref())?;
                Ok((AuditSigner { key: ed25519_dalek::SigningKey::from_bytes(&seed.0) }, Some(wrapped)))
            }
        }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.key.sign(message).to_bytes()
    }

    /// The public key, for anyone who checks checkpoints.
    pub(crate) fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else { return false };
        self.key.verifying_key().verify_strict(message, &signature).is_ok()
    }
}

/// The associated data of a wrapped data key: the key is bound to its id.
pub(crate) fn data_key_aad(key_id: i64) -> Vec<u8> {
    let mut aad = b"data-key:".to_vec();
    aad.extend_from_slice(&key_id.to_be_bytes());
    aad
}

fn record_aad(table: &str, key_id: i64) -> Vec<u8> {
    let mut aad = table.as_bytes().to_vec();
    aad.push(0);
    aad.extend_from_slice(&key_id.to_be_bytes());
    aad
}

/// Seals a record's plaintext for a table with a data key.
pub(crate) fn seal(key: &SecretKey, table: &str, key_id: i64, plaintext: &[u8]) -> Result<Vec<u8>> {
    encrypt(key, &record_aad(table, key_id), plaintext)
}

/// Opens a sealed record.
pub(crate) fn open(key: &SecretKey, table: &str, key_id: i64, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    Ok(Zeroizing::new(decrypt(key, &record_aad(table, key_id), sealed)?))
}

/// A random positive 63-bit id, for data keys, which are made before their rows are inserted.
pub(crate) fn random_id() -> Result<i64> {
    let mut bytes = [0u8; 8];
    fill_random(&mut bytes)?;
    Ok((u64::from_be_bytes(bytes) >> 1) as i64)
}

#[cfg(test)]
mod random_tests {
    use super::*;

    #[test]
    fn pooled_randomness_never_repeats_and_refills() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let nonce = random_nonce().unwrap_or([0; NONCE_LEN]);
            assert_ne!(nonce, [0; NONCE_LEN]);
            assert!(seen.insert(nonce), "a nonce repeated");
        }
        let mut big = vec![0u8; 10_000];
        fill_random(&mut big).unwrap_or_default();
        assert!(big.iter().any(|b| *b != 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// The retention key file is read at every start: whatever is in it, reading it gives
        /// keys or an error naming the file, never a panic.
        #[test]
        fn any_retention_key_file_reads_or_is_refused(text in "\\PC{0,200}", keep_json in proptest::bool::ANY) {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("retention.keys");
            let text = if keep_json {
                format!(r#"{{"format":1,"highest":7,"keys":[{{"epoch":3,"wrapped":"{}","month":203611}}]}}"#, hex::encode(text.as_bytes()))
            } else {
                text
            };
            std::fs::write(&file, &text).unwrap();
            let keys = RetentionKeys { file: Some(file), floor: 0, state: Mutex::new(RetentionState::default()) };
            let master = MasterKey::in_memory(SecretKey::random().unwrap());
            let mut state = keys.lock().unwrap();
            if let Err(error) = keys.reload(&master, &mut state) {
                proptest::prop_assert!(error.to_string().contains("retention key"), "{}", error);
            }
        }
    }

    /// Bucket and epoch keys share one numbering that never goes back, also after keys are
    /// destroyed and the file is read again by another process.
    #[test]
    fn destroyed_numbers_are_never_given_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("retention.keys");
        let master = MasterKey::in_memory(SecretKey::random().unwrap());
        let keys = RetentionKeys { file: Some(file.clone()), floor: 0, state: Mutex::new(RetentionState::default()) };
        let (epoch, _) = keys.current(&master).unwrap();
        let (november, _) = keys.bucket(&master, 203611).unwrap();
        let (december, _) = keys.bucket(&master, 203612).unwrap();
        assert!(epoch < november && november < december);
        assert_eq!(keys.bucket(&master, 203611).unwrap().0, november, "one key per month until renewed");
        let renewed = keys.renew_bucket(&master, 203611).unwrap();
        assert_eq!(keys.bucket(&master, 203611).unwrap().0, renewed, "the newest key of the month");
        assert_eq!(keys.destroy(&master, &[december, renewed, november]).unwrap().len(), 3);
        // Epochs are not buckets: retiring epochs leaves buckets alone, and the reverse.
        assert_eq!(keys.retire(&master, epoch).unwrap(), Vec::<i64>::new());
        let other = RetentionKeys { file: Some(file), floor: 0, state: Mutex::new(RetentionState::default()) };
        let (again, _) = other.bucket(&master, 203701).unwrap();
        assert!(again > renewed, "{again} reuses a destroyed number");
        assert_eq!(other.current(&master).unwrap().0, epoch);
    }

    fn keyring() -> Keyring {
        Keyring::open(MasterKey::in_memory(SecretKey::random().unwrap()), None).unwrap().0
    }

    #[test]
    fn seal_round_trip_and_binding() {
        let ring = keyring();
        let (key, _) = ring.new_data_key(7).unwrap();
        let sealed = seal(&key, "persons", 7, b"Siti").unwrap();
        assert_eq!(open(&key, "persons", 7, &sealed).unwrap().as_slice(), b"Siti");
        assert!(open(&key, "documents", 7, &sealed).is_err(), "moved to another table");
        assert!(open(&key, "persons", 8, &sealed).is_err(), "moved to another key id");
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(open(&key, "persons", 7, &tampered).is_err());
        assert!(!sealed.windows(4).any(|w| w == b"Siti"));
    }

    #[test]
    fn wrapped_keys_unwrap_only_with_their_id() {
        let ring = keyring();
        let (key, wrapped) = ring.new_data_key(1).unwrap();
        ring.forget(1);
        assert_eq!(ring.data_key(1, &wrapped).unwrap().0.as_ref(), key.0.as_ref());
        assert!(ring.data_key(2, &wrapped).is_err());
    }

    #[test]
    fn index_key_survives_reopen_and_rejects_other_master() {
        let master = SecretKey::random().unwrap();
        let (ring, wrapped) = Keyring::open(MasterKey::in_memory(master.clone()), None).unwrap();
        let wrapped = wrapped.unwrap();
        let (again, none) = Keyring::open(MasterKey::in_memory(master), Some(&wrapped)).unwrap();
        assert!(none.is_none());
        assert_eq!(ring.blind_index("nik", "1"), again.blind_index("nik", "1"));
        assert_ne!(ring.blind_index("nik", "1"), ring.blind_index("doc", "1"));
        assert!(Keyring::open(MasterKey::in_memory(SecretKey::random().unwrap()), Some(&wrapped)).is_err());
    }

    #[test]
    fn master_key_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let (first, created) = load_or_create_master_key(&MasterKeySource::File(path.clone()), true).unwrap();
        assert!(created);
        let (second, created) = load_or_create_master_key(&MasterKeySource::File(path.clone()), true).unwrap();
        assert!(!created);
        assert_eq!(first.0.as_ref(), second.0.as_ref());
        let elsewhere = dir.path().join("other.key");
        assert!(load_or_create_master_key(&MasterKeySource::File(elsewhere.clone()), false).is_err());
        assert!(!elsewhere.exists(), "a refused open must not leave a new key behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
