//! The citizens' app: its JSON API under `/api/v1/public/...` (no account) and the app itself,
//! an offline-first PWA served from `/lapor/` (files in `assets/lapor/`, compiled in). The
//! contract is `docs/public-api.md`.
//!
//! Why this shape: everything a phone sends may be a retry of something already stored, so every
//! change carries a client-made idempotency key, kept by the store with a hash of the request.
//! Creating something costs the client a small proof of work (a stateless, signed challenge:
//! no third-party service) and is rate-limited per address and per device key; what looks like
//! spam gets a spam score that sinks it in the triage queue rather than a refusal that would
//! teach a spammer what to change. Reports are matched against the traveller records at intake
//! (`checks::Engine::report_candidates`) so that reports naming a known phone or person rise.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use waspada_store::{AttachmentKind, Idempotency, NewSubmission, Receipt, SubmissionKind, Submitted};

use crate::AppState;
use crate::error::{AppError, ErrorBody};

/// Limits and costs of the public endpoints.
#[derive(Debug, Clone)]
pub struct PublicConfig {
    /// Leading zero bits of SHA-256 a report or lapor diri must show (16 ≈ 65,000 hashes, well
    /// under a second on a cheap phone).
    pub pow_bits: u8,
    /// The same for an SOS, kept low: it is an emergency.
    pub sos_pow_bits: u8,
    /// Creations (reports, lapor diri, SOS, photos, additions, updates) per address and per device
    /// key in an hour.
    pub creations_per_hour: u32,
    /// Status and regions reads per address in an hour.
    pub reads_per_hour: u32,
    /// Failed date-of-birth checks per receipt in an hour (guessing one traveller's birthday).
    pub failed_checks_per_hour: u32,
    /// Failed receipt or date-of-birth checks per address in an hour. Kept well above the
    /// per-receipt figure: many phones share one address behind a carrier's NAT.
    pub failed_checks_per_address_hour: u32,
    /// SOS calls per address in an hour: only a flood is stopped (carrier NAT again); an SOS is
    /// never held back by the address's other traffic.
    pub sos_per_address_hour: u32,
}

impl Default for PublicConfig {
    fn default() -> Self {
        PublicConfig {
            pow_bits: 16,
            sos_pow_bits: 10,
            creations_per_hour: 30,
            reads_per_hour: 120,
            failed_checks_per_hour: 10,
            failed_checks_per_address_hour: 60,
            sos_per_address_hour: 300,
        }
    }
}

/// The current form versions; a queued item made under an older one is sent back for review.
pub const FORM_VERSIONS: [(SubmissionKind, u32); 3] =
    [(SubmissionKind::Report, 1), (SubmissionKind::LaporDiri, 1), (SubmissionKind::Sos, 1)];

const MAX_JSON: usize = 64 * 1024;
const MAX_PHOTO: usize = 5 * 1024 * 1024;
const MAX_PHOTOS: i64 = 5;
const MAX_ADDITIONS: i64 = 50;
const MAX_CHECK_INS: i64 = 10_000;
const CHALLENGE_LIFETIME: i64 = 600;

/// Counts per key in a fixed window (per address, IPv6 per /64, and per device key).
#[derive(Default)]
struct Limiter(Mutex<HashMap<String, (u32, Instant)>>);

impl Limiter {
    /// `Err(seconds to wait)` when the key has used up `limit` in the current window.
    fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<(), u64> {
        let Ok(mut map) = self.0.lock() else { return Ok(()) };
        let now = Instant::now();
        if map.len() > 200_000 {
            map.retain(|_, (_, start)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= window {
            *entry = (0, now);
        }
        if entry.0 >= limit {
            return Err(window.saturating_sub(now.duration_since(entry.1)).as_secs().max(1));
        }
        entry.0 += 1;
        Ok(())
    }
}

/// State of the public side: the challenge key, challenges already used, and the limiters.
pub struct PublicState {
    challenge_key: [u8; 32],
    /// Used challenges: expiry and the idempotency key that used each.
    used_challenges: Mutex<HashMap<String, (i64, String)>>,
    creations: Limiter,
    reads: Limiter,
    failures: Limiter,
    /// Hashes of recent report texts, to score copies sent from many places as spam.
    recent_texts: Mutex<HashMap<[u8; 16], (u32, Instant)>>,
}

impl Default for PublicState {
    fn default() -> Self {
        let mut challenge_key = [0u8; 32];
        // Without randomness the key stays zero: challenges still work, only forgeable, and
        // the rate limits still hold. getrandom fails only on a broken system.
        let _ = getrandom::fill(&mut challenge_key);
        PublicState {
            challenge_key,
            used_challenges: Mutex::default(),
            creations: Limiter::default(),
            reads: Limiter::default(),
            failures: Limiter::default(),
            recent_texts: Mutex::default(),
        }
    }
}

impl std::fmt::Debug for PublicState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicState").finish_non_exhaustive()
    }
}

fn coded(status: StatusCode, code: &'static str, id: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Coded { status, code, id: id.into(), en: en.into() }
}

fn invalid(field: &str, id: &str, en: &str) -> AppError {
    coded(StatusCode::BAD_REQUEST, "bad_request", format!("{field}: {id}"), format!("{field}: {en}"))
}

fn not_found_receipt() -> AppError {
    coded(
        StatusCode::NOT_FOUND,
        "not_found",
        "Kode tanda terima atau tanggal lahir tidak cocok dengan data mana pun.",
        "The receipt code or date of birth does not match any record.",
    )
}

/// The client's address as a rate-limit key (IPv6 per /64), or none in router tests.
fn address_key(headers_extensions: &axum::http::Extensions) -> Option<String> {
    crate::auth::client_ip(headers_extensions).map(|ip| match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("ip6:{:x}:{:x}:{:x}:{:x}", s[0], s[1], s[2], s[3])
        }
        v4 => format!("ip:{v4}"),
    })
}

fn safe_token(text: &str, min: usize) -> bool {
    (min..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What every change request carries.
struct Caller {
    address: Option<String>,
    device: Option<String>,
    idempotency_key: String,
}

fn caller(headers: &HeaderMap, extensions: &axum::http::Extensions) -> Result<Caller, AppError> {
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| safe_token(k, 16))
        .ok_or_else(|| {
            invalid(
                "Idempotency-Key",
                "wajib ada: 16–64 huruf, angka, - atau _",
                "required: 16–64 letters, digits, - or _",
            )
        })?
        .to_owned();
    let device = match headers.get("x-device-key").map(|v| v.to_str().map(str::trim)) {
        None => None,
        Some(Ok(key)) if safe_token(key, 22) => Some(key.to_owned()),
        Some(_) => {
            return Err(invalid("X-Device-Key", "22–64 huruf, angka, - atau _", "22–64 letters, digits, - or _"));
        }
    };
    Ok(Caller { address: address_key(extensions), device, idempotency_key })
}

impl Caller {
    fn limit_creation(&self, state: &AppState) -> Result<(), AppError> {
        let config = &state.config.public;
        let hour = Duration::from_secs(3600);
        for key in [self.address.as_ref(), self.device.as_ref()].into_iter().flatten() {
            state.public.creations.hit(key, config.creations_per_hour, hour).map_err(AppError::RateLimited)?;
        }
        Ok(())
    }
}

impl Caller {
    /// An SOS counts only against its own, much higher, per-address cap and the device's
    /// creations: many phones share an address, and a stranger's traffic must not hold it back.
    fn limit_sos(&self, state: &AppState) -> Result<(), AppError> {
        let config = &state.config.public;
        let hour = Duration::from_secs(3600);
        if let Some(address) = &self.address {
            let key = format!("sos:{address}");
            state.public.creations.hit(&key, config.sos_per_address_hour, hour).map_err(AppError::RateLimited)?;
        }
        if let Some(device) = &self.device {
            state.public.creations.hit(device, config.creations_per_hour, hour).map_err(AppError::RateLimited)?;
        }
        Ok(())
    }
}

fn limit_read(state: &AppState, extensions: &axum::http::Extensions) -> Result<(), AppError> {
    if let Some(address) = address_key(extensions) {
        let limit = state.config.public.reads_per_hour;
        state.public.reads.hit(&address, limit, Duration::from_secs(3600)).map_err(AppError::RateLimited)?;
    }
    Ok(())
}

/// Counts a failed receipt or date-of-birth check (per address, and per receipt when there is
/// one); refuses once either has too many.
fn limit_failures(
    state: &AppState,
    extensions: &axum::http::Extensions,
    receipt: Option<&str>,
    failed: bool,
) -> Result<(), AppError> {
    let config = &state.config.public;
    let mut keys: Vec<(String, u32)> = Vec::new();
    if let Some(address) = address_key(extensions) {
        keys.push((address, config.failed_checks_per_address_hour));
    }
    if let Some(receipt) = receipt {
        keys.push((format!("receipt:{receipt}"), config.failed_checks_per_hour));
    }
    let hour = Duration::from_secs(3600);
    {
        let Ok(map) = state.public.failures.0.lock() else { return Ok(()) };
        for (key, limit) in &keys {
            if map.get(key).is_some_and(|(n, start)| *n >= *limit && start.elapsed() < hour) {
                return Err(AppError::RateLimited(3600));
            }
        }
    }
    if failed {
        for (key, limit) in &keys {
            let _ = state.public.failures.hit(key, *limit, hour);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Proof of work

/// A challenge to solve before creating something.
#[derive(Debug, Serialize, ToSchema)]
pub struct Challenge {
    /// Opaque; send back as `X-Proof-Of-Work: <challenge>:<nonce>`.
    pub challenge: String,
    /// Leading zero bits SHA-256(`<challenge>:<nonce>`) must have.
    pub bits: u8,
    /// Valid until (RFC 3339).
    pub expires_at: String,
}

/// Which creation a challenge is for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ChallengeQuery {
    /// `report`, `lapor_diri` or `sos`.
    pub purpose: Option<String>,
}

fn purpose_kind(text: &str) -> Option<SubmissionKind> {
    SubmissionKind::parse(text)
}

fn challenge_mac(key: &[u8; 32], body: &str) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else { return String::new() };
    mac.update(body.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

fn bits_for(config: &PublicConfig, kind: SubmissionKind) -> u8 {
    if kind == SubmissionKind::Sos { config.sos_pow_bits } else { config.pow_bits }
}

/// A challenge for the proof of work that creating a report, lapor diri or SOS needs.
#[utoipa::path(get, path = "/api/v1/public/challenge", tag = "public", params(ChallengeQuery),
    responses((status = 200, body = Challenge), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn challenge(
    State(state): State<AppState>,
    Query(query): Query<ChallengeQuery>,
    request: axum::extract::Request,
) -> Result<Json<Challenge>, AppError> {
    let kind = purpose_kind(query.purpose.as_deref().unwrap_or("report"))
        .ok_or_else(|| invalid("purpose", "report, lapor_diri atau sos", "report, lapor_diri or sos"))?;
    // An SOS never waits on the address's other traffic (see `PublicConfig::sos_per_address_hour`).
    if kind != SubmissionKind::Sos {
        limit_read(&state, request.extensions())?;
    }
    let bits = bits_for(&state.config.public, kind);
    let expires = Utc::now().timestamp() + CHALLENGE_LIFETIME;
    let mut random = [0u8; 12];
    getrandom::fill(&mut random).map_err(|e| AppError::Internal(e.to_string()))?;
    let body = format!("{expires}.{}.{bits}.{}", kind.code(), hex::encode(random));
    let mac = challenge_mac(&state.public.challenge_key, &body);
    let expires_at =
        chrono::DateTime::from_timestamp(expires, 0).map(waspada_domain::format_timestamp).unwrap_or_default();
    Ok(Json(Challenge { challenge: format!("{body}.{mac}"), bits, expires_at }))
}

fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in digest {
        if *byte == 0 {
            bits += 8;
        } else {
            bits += byte.leading_zeros();
            break;
        }
    }
    bits
}

/// Checks `X-Proof-Of-Work` and uses the challenge up.
/// A challenge is good for one submission: the same idempotency key may bring it again (a retry
/// racing the first send), any other request may not.
fn verify_work(state: &AppState, headers: &HeaderMap, kind: SubmissionKind, key: &str) -> Result<(), AppError> {
    // Zero bits means no proof is asked (a kiosk on the office network, or a test).
    if bits_for(&state.config.public, kind) == 0 {
        return Ok(());
    }
    let refused = |id: &str, en: &str| coded(StatusCode::FORBIDDEN, "proof_of_work", id, en);
    let Some(proof) = headers.get("x-proof-of-work").and_then(|v| v.to_str().ok()) else {
        return Err(refused("Bukti kerja (proof of work) tidak ada.", "The proof of work is missing."));
    };
    let Some((challenge, nonce)) = proof.rsplit_once(':') else {
        return Err(refused("Bukti kerja tidak sah.", "The proof of work is malformed."));
    };
    if challenge.len() > 200 || nonce.is_empty() || nonce.len() > 20 || !nonce.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused("Bukti kerja tidak sah.", "The proof of work is malformed."));
    }
    let Some((body, mac)) = challenge.rsplit_once('.') else {
        return Err(refused("Tantangan tidak dikenal.", "Unknown challenge."));
    };
    let expected = challenge_mac(&state.public.challenge_key, body);
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
        return Err(refused("Tantangan tidak dikenal.", "Unknown challenge."));
    }
    let parts: Vec<&str> = body.split('.').collect();
    let [expires, purpose, bits, _random] = parts.as_slice() else {
        return Err(refused("Tantangan tidak dikenal.", "Unknown challenge."));
    };
    let expires: i64 = expires.parse().unwrap_or(0);
    let now = Utc::now().timestamp();
    if expires < now {
        return Err(refused("Tantangan sudah kedaluwarsa; kirim ulang.", "The challenge has expired; send again."));
    }
    if *purpose != kind.code() {
        return Err(refused("Tantangan untuk jenis kiriman lain.", "The challenge is for another kind of submission."));
    }
    let bits: u32 = bits.parse().unwrap_or(u32::MAX);
    if leading_zero_bits(&Sha256::digest(proof.as_bytes())) < bits {
        return Err(refused("Bukti kerja salah.", "The proof of work is wrong."));
    }
    let Ok(mut used) = state.public.used_challenges.lock() else {
        return Err(AppError::Internal("challenge lock poisoned".into()));
    };
    if used.len() > 50_000 {
        used.retain(|_, (expiry, _)| *expiry >= now);
    }
    match used.get(challenge) {
        Some((_, by)) if by != key => Err(refused("Tantangan sudah dipakai.", "The challenge was already used.")),
        Some(_) => Ok(()),
        None => {
            used.insert(challenge.to_owned(), (expires, key.to_owned()));
            Ok(())
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------------
// Validation

/// Letters people write are fine; control characters are dropped, markup is refused (these texts
/// travel on to case files, exports and partner agencies).
fn clean_text(field: &str, value: Option<&str>, max: usize, required: bool) -> Result<Option<String>, AppError> {
    let text: String = value
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_owned();
    if text.is_empty() {
        return if required { Err(invalid(field, "wajib diisi", "is required")) } else { Ok(None) };
    }
    if text.chars().count() > max {
        return Err(invalid(field, &format!("paling banyak {max} karakter"), &format!("at most {max} characters")));
    }
    let lower = text.to_lowercase();
    let markup = lower.contains("<script")
        || lower.contains("javascript:")
        || lower.contains("<iframe")
        || lower.contains("onerror=")
        || lower.contains("onload=")
        || text
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'));
    if markup {
        return Err(invalid(
            field,
            "tidak boleh berisi kode HTML atau skrip; tulis dengan kata-kata biasa",
            "must not contain HTML or script code; write in plain words",
        ));
    }
    Ok(Some(text))
}

fn parse_date(field: &str, value: Option<&str>, required: bool) -> Result<Option<NaiveDate>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None if required => Err(invalid(field, "wajib diisi (TTTT-BB-HH)", "is required (YYYY-MM-DD)")),
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| invalid(field, "tanggal tidak sah (TTTT-BB-HH)", "not a valid date (YYYY-MM-DD)")),
    }
}

/// ISO 3166 two-letter codes of the countries Indonesians most often go to for work, study or
/// pilgrimage, with their three-letter codes (which the records use). Phones and people speak
/// in two letters; anything else may be given in three.
const ALPHA2: [(&str, &str); 40] = [
    ("MY", "MYS"),
    ("SG", "SGP"),
    ("BN", "BRN"),
    ("TH", "THA"),
    ("KH", "KHM"),
    ("LA", "LAO"),
    ("MM", "MMR"),
    ("VN", "VNM"),
    ("PH", "PHL"),
    ("TL", "TLS"),
    ("HK", "HKG"),
    ("MO", "MAC"),
    ("TW", "TWN"),
    ("CN", "CHN"),
    ("KR", "KOR"),
    ("JP", "JPN"),
    ("SA", "SAU"),
    ("AE", "ARE"),
    ("QA", "QAT"),
    ("KW", "KWT"),
    ("OM", "OMN"),
    ("BH", "BHR"),
    ("JO", "JOR"),
    ("TR", "TUR"),
    ("EG", "EGY"),
    ("AU", "AUS"),
    ("NZ", "NZL"),
    ("US", "USA"),
    ("GB", "GBR"),
    ("DE", "DEU"),
    ("NL", "NLD"),
    ("FR", "FRA"),
    ("IT", "ITA"),
    ("ES", "ESP"),
    ("PL", "POL"),
    ("RU", "RUS"),
    ("IN", "IND"),
    ("LK", "LKA"),
    ("FJ", "FJI"),
    ("ID", "IDN"),
];

fn country(field: &str, value: Option<&str>, required: bool) -> Result<Option<String>, AppError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty()).map(|v| {
        let upper = v.to_ascii_uppercase();
        ALPHA2.iter().find(|(two, _)| *two == upper).map_or(upper, |(_, three)| (*three).to_owned())
    });
    match value.as_deref() {
        None if required => Err(invalid(field, "wajib diisi", "is required")),
        None => Ok(None),
        Some(text) => {
            waspada_domain::CountryCode::parse(field_name(field), text).map(|c| Some(c.as_str().to_owned())).map_err(
                |_| invalid(field, "kode negara tidak dikenal (mis. MY, SG)", "unknown country code (e.g. MY, SG)"),
            )
        }
    }
}

/// Domain parsers want a `'static` field name; the public field names are few and fixed.
fn field_name(field: &str) -> &'static str {
    match field {
        "destination" => "destination",
        "phone" => "phone",
        _ => "field",
    }
}

/// A phone as given: normalised to +62… when it parses, else kept as typed (a partial number is
/// still useful to a case worker). Only normalised numbers are matched and indexed.
fn phone(field: &str, value: Option<&str>) -> Result<(Option<String>, Option<String>), AppError> {
    let Some(text) = clean_text(field, value, 40, false)? else { return Ok((None, None)) };
    match waspada_domain::PhoneNumber::parse("phone", &text) {
        Ok(number) => Ok((Some(number.as_str().to_owned()), Some(number.as_str().to_owned()))),
        Err(_) => Ok((Some(text), None)),
    }
}

fn region(value: Option<&str>) -> Result<Option<(String, String)>, AppError> {
    let Some(code) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    match waspada_nik::regions::lookup(&digits) {
        Some(region) if digits.starts_with("1709") && digits.len() >= 6 => {
            Ok(Some((region.formatted_code(), region.name.to_owned())))
        }
        _ => Err(invalid(
            "region_code",
            "bukan kode kecamatan atau desa di Bengkulu Tengah",
            "not a kecamatan or desa code of Bengkulu Tengah",
        )),
    }
}

/// A location from the phone.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LocationIn {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Keep it exact (otherwise blurred to about 1 km).
    #[serde(default)]
    pub exact: bool,
    /// Accuracy in metres, as the phone reports it.
    pub accuracy_m: Option<f64>,
}

fn location(value: Option<&LocationIn>, always_exact: bool) -> Result<Option<Value>, AppError> {
    let Some(location) = value else { return Ok(None) };
    if !location.lat.is_finite() || !location.lon.is_finite() || location.lat.abs() > 90.0 || location.lon.abs() > 180.0
    {
        return Err(invalid("location", "koordinat tidak sah", "invalid coordinates"));
    }
    let exact = always_exact || location.exact;
    // 0.01° is about 1.1 km: enough to send someone to the right village, not to a house.
    let blur = |v: f64| if exact { (v * 1e6).round() / 1e6 } else { (v * 100.0).round() / 100.0 };
    let accuracy = location.accuracy_m.filter(|a| a.is_finite() && *a >= 0.0).map(|a| a.min(100_000.0).round());
    Ok(Some(json!({ "lat": blur(location.lat), "lon": blur(location.lon), "exact": exact, "accuracy_m": accuracy })))
}

fn check_form_version(kind: SubmissionKind, sent: u32) -> Result<(), AppError> {
    let current = FORM_VERSIONS.iter().find(|(k, _)| *k == kind).map_or(1, |(_, v)| *v);
    if sent == current {
        return Ok(());
    }
    Err(coded(
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_version_stale",
        format!("Formulir ini sudah diperbarui (versi {current}). Periksa kembali isian Anda lalu kirim lagi."),
        format!("This form has been updated (version {current}). Check your entries and send again."),
    ))
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.len() > MAX_JSON {
        return Err(AppError::TooLarge);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    parsed.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (id, en) = if inner.is_data() {
            let detail = hide_quoted(&inner.to_string());
            let detail = detail.split(" at line ").next().unwrap_or_default().to_owned();
            (format!("{path}: isian tidak sesuai ({detail})"), format!("{path}: {detail}"))
        } else {
            ("Isian bukan JSON yang sah.".to_owned(), "The form is not valid JSON.".to_owned())
        };
        coded(StatusCode::BAD_REQUEST, "bad_request", id, en)
    })
}

/// serde quotes the value it could not use; that value may be personal data, so it is hidden.
/// Field names (quoted after "field") are kept.
fn hide_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    // (the quote character, whether its content is kept)
    let mut quoted: Option<(char, bool)> = None;
    for c in message.chars() {
        match quoted {
            None if c == '"' || c == '`' => {
                let keep = out.ends_with("field ");
                quoted = Some((c, keep));
                out.push_str(if keep { "`" } else { "(value hidden)" });
            }
            Some((q, keep)) if c == q => {
                quoted = None;
                if keep {
                    out.push('`');
                }
            }
            Some((_, true)) => out.push(c),
            Some((_, false)) => {}
            None => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Reports

/// The recruiter or agent named in a report.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RecruiterIn {
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Company or agency.
    pub company: Option<String>,
    /// Social-media account.
    pub social: Option<String>,
}

/// How to reach someone.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ContactIn {
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Relation to the traveller (emergency contacts).
    pub relation: Option<String>,
}

/// A report of suspicious recruitment or trafficking.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportRequest {
    /// The form version the app used.
    pub form_version: u32,
    /// What happened.
    pub what: Option<String>,
    /// Desa or kecamatan code (Bengkulu Tengah).
    pub region_code: Option<String>,
    /// Where, from the phone (blurred to about 1 km unless `exact`).
    pub location: Option<LocationIn>,
    /// When (YYYY-MM-DD).
    pub happened_on: Option<String>,
    /// Who recruited.
    pub recruiter: Option<RecruiterIn>,
    /// Destination country code.
    pub destination: Option<String>,
    /// A child is involved.
    #[serde(default)]
    pub minor_involved: bool,
    /// How many people are involved.
    pub people_count: Option<u32>,
    /// Stay anonymous (no contact kept).
    #[serde(default = "yes")]
    pub anonymous: bool,
    /// How to reach the reporter (only when not anonymous).
    pub contact: Option<ContactIn>,
}

fn yes() -> bool {
    true
}

/// The answer to a creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The receipt code: the only key to the submission. Keep it.
    pub receipt: String,
    /// `received` (reports, SOS) or `active` (lapor diri).
    pub status: &'static str,
    /// When it arrived.
    pub received_at: String,
}

fn created(submitted: Submitted, status: &'static str) -> Response {
    let replayed = submitted.replayed;
    let mut response = (
        StatusCode::CREATED,
        Json(Created { receipt: submitted.receipt.as_str().to_owned(), status, received_at: submitted.received_at }),
    )
        .into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

fn answered(answer: waspada_store::Answered) -> Response {
    let mut response = (StatusCode::CREATED, Json(answer.response)).into_response();
    if answer.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// High-risk destinations for online-scam trafficking from Indonesia (domain brief §1.3).
const SCAM_DESTINATIONS: [&str; 5] = ["KHM", "MMR", "LAO", "PHL", "THA"];

/// Scores that rise with signs of spam: very short texts, links, one character repeated, the same
/// text sent from elsewhere within the hour.
fn spam_score(public: &PublicState, what: &str) -> i64 {
    let mut score = 0;
    let words = what.split_whitespace().count();
    if what.chars().count() < 20 || words < 4 {
        score += 30;
    }
    let links = what.matches("http").count() + what.matches("www.").count();
    if links >= 2 {
        score += 40;
    } else if links == 1 {
        score += 10;
    }
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in what.chars().filter(|c| !c.is_whitespace()) {
        *counts.entry(c.to_ascii_lowercase()).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    if total > 10 && counts.values().max().is_some_and(|m| m * 2 > total) {
        score += 30;
    }
    let normalised: String = what.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    let digest: [u8; 16] = Sha256::digest(normalised.as_bytes())[..16].try_into().unwrap_or([0; 16]);
    if let Ok(mut recent) = public.recent_texts.lock() {
        if recent.len() > 100_000 {
            recent.retain(|_, (_, at)| at.elapsed() < Duration::from_secs(3600));
        }
        let entry = recent.entry(digest).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= Duration::from_secs(3600) {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
        if entry.0 > 3 {
            score += 40;
        }
    }
    score.min(100)
}

/// Reads, validates and stores a report. Shared by the API and the load benchmark's path.
/// A report that passed every check, ready to be scored and stored.
struct ValidReport {
    request: ReportRequest,
    what: String,
    region: Option<(String, String)>,
    location: Option<Value>,
    happened_on: Option<NaiveDate>,
    recruiter_name: Option<String>,
    recruiter_phone: Option<String>,
    recruiter_phone_key: Option<String>,
    company: Option<String>,
    social: Option<String>,
    destination: Option<String>,
    contact: Option<Value>,
}

/// Checks every field of a report (no state needed).
fn validate_report(request: ReportRequest) -> Result<ValidReport, AppError> {
    check_form_version(SubmissionKind::Report, request.form_version)?;
    let what = clean_text("what", request.what.as_deref(), 4000, true)?.unwrap_or_default();
    if what.chars().count() < 10 {
        return Err(invalid(
            "what",
            "ceritakan sedikit lebih banyak (minimal 10 karakter)",
            "tell a little more (at least 10 characters)",
        ));
    }
    let region = region(request.region_code.as_deref())?;
    let location = location(request.location.as_ref(), false)?;
    let happened_on = parse_date("happened_on", request.happened_on.as_deref(), false)?;
    if happened_on.is_some_and(|d| d > Utc::now().date_naive()) {
        return Err(invalid("happened_on", "tanggal di masa depan", "a date in the future"));
    }
    let recruiter = request.recruiter.clone().unwrap_or_default();
    let recruiter_name = clean_text("recruiter.name", recruiter.name.as_deref(), 200, false)?;
    let (recruiter_phone, recruiter_phone_key) = phone("recruiter.phone", recruiter.phone.as_deref())?;
    let company = clean_text("recruiter.company", recruiter.company.as_deref(), 200, false)?;
    let social = clean_text("recruiter.social", recruiter.social.as_deref(), 200, false)?;
    let destination = country("destination", request.destination.as_deref(), false)?;
    if request.people_count.is_some_and(|n| n > 10_000) {
        return Err(invalid("people_count", "jumlah tidak masuk akal", "not a plausible number"));
    }
    let contact = if request.anonymous {
        if request.contact.as_ref().is_some_and(|c| c.name.is_some() || c.phone.is_some() || c.email.is_some()) {
            return Err(invalid(
                "contact",
                "laporan anonim tidak menyimpan kontak; hapus kontak atau matikan pilihan anonim",
                "an anonymous report keeps no contact; remove it or turn anonymity off",
            ));
        }
        None
    } else {
        let contact = request.contact.clone().unwrap_or_default();
        let name = clean_text("contact.name", contact.name.as_deref(), 200, false)?;
        let (phone, _) = phone("contact.phone", contact.phone.as_deref())?;
        let email = clean_text("contact.email", contact.email.as_deref(), 200, false)?;
        if phone.is_none() && email.is_none() {
            return Err(invalid(
                "contact",
                "isi nomor telepon atau email, atau pilih anonim",
                "give a phone or e-mail, or choose anonymous",
            ));
        }
        Some(json!({ "name": name, "phone": phone, "email": email }))
    };
    Ok(ValidReport {
        request,
        what,
        region,
        location,
        happened_on,
        recruiter_name,
        recruiter_phone,
        recruiter_phone_key,
        company,
        social,
        destination,
        contact,
    })
}

/// Scores a valid report (urgency from what it says and from the records it points at, spam
/// score) and shapes what is stored.
fn build_report(engine: &crate::checks::Engine, public: &PublicState, valid: ValidReport) -> NewSubmission {
    let ValidReport {
        request,
        what,
        region,
        location,
        happened_on,
        recruiter_name,
        recruiter_phone,
        recruiter_phone_key,
        company,
        social,
        destination,
        contact,
    } = valid;
    let candidates =
        engine.report_candidates(recruiter_phone_key.as_deref(), recruiter_name.as_deref(), company.as_deref());
    let spam = spam_score(public, &what);
    let mut urgency: i64 = 100;
    if request.minor_involved {
        urgency += 300;
    }
    if !candidates.is_empty() {
        urgency += 200;
    }
    if recruiter_phone_key.is_some() || recruiter_name.is_some() || company.is_some() {
        urgency += 20;
    }
    if let Some(n) = request.people_count {
        urgency += 10 * i64::from(n.min(10));
    }
    if destination.as_deref().is_some_and(|d| SCAM_DESTINATIONS.contains(&d)) {
        urgency += 50;
    }
    urgency -= 5 * spam;
    let mut terms = Vec::new();
    if let Some(p) = &recruiter_phone_key {
        terms.push(("phone".to_owned(), p.clone()));
    }
    if let Some(n) = &recruiter_name {
        terms.push(("name".to_owned(), waspada_risk::facts::normalise_sponsor(n)));
    }
    if let Some(c) = &company {
        terms.push(("company".to_owned(), waspada_risk::facts::normalise_sponsor(c)));
    }
    if let Some(s) = &social {
        terms.push(("social".to_owned(), s.to_lowercase().trim_start_matches('@').to_owned()));
    }
    let content = json!({
        "what": what,
        "region_code": region.as_ref().map(|r| &r.0),
        "region_name": region.as_ref().map(|r| &r.1),
        "location": location,
        "happened_on": happened_on.map(|d| d.to_string()),
        "recruiter": { "name": recruiter_name, "phone": recruiter_phone, "company": company, "social": social },
        "destination": destination,
        "minor_involved": request.minor_involved,
        "people_count": request.people_count,
        "anonymous": request.anonymous,
        "contact": contact,
        "candidates_at_intake": candidates.len(),
    });
    NewSubmission {
        kind: SubmissionKind::Report,
        form_version: i64::from(request.form_version),
        region_code: region.map(|r| r.0),
        destination,
        minor_involved: request.minor_involved,
        anonymous: request.anonymous,
        urgency,
        spam_score: spam,
        terms,
        content,
    }
}

/// Reads, validates and stores a report.
async fn create_report(
    state: &AppState,
    caller: &Caller,
    body: &[u8],
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    // A retry of a stored report is answered first: a form-version bump after the first send
    // must not turn a stored report into a refusal that the phone would then send again.
    let idempotency = Idempotency::new(&caller.idempotency_key, &[b"report", body]);
    if let Some(response) = replay(state, &idempotency, "received").await? {
        return Ok(response);
    }
    let valid = validate_report(parse_json(body)?)?;
    verify_work(state, headers, SubmissionKind::Report, &caller.idempotency_key)?;
    caller.limit_creation(state)?;
    let new = {
        let engine = state.engine.read().map_err(|_| AppError::Internal("check index lock poisoned".into()))?;
        build_report(&engine, &state.public, valid)
    };
    submit(state, new, idempotency, "received").await
}

/// Imports one report that arrived another way (a walk-in, a hotline call typed in, the synthetic
/// world's `public_reports.jsonl`) through the same checks and scoring as the app. The line's
/// `id` makes the idempotency key, so importing a file again stores nothing twice. Fields: `text`,
/// `region_code`, `mentioned_name`, `mentioned_phone`, `anonymous`, `reporter_phone`, and
/// optionally `minor_involved` and `destination`.
pub fn import_report(
    engine: &crate::checks::Engine,
    public: &PublicState,
    store: &waspada_store::Store,
    record: &Value,
) -> Result<Submitted, String> {
    let text = |field: &str| record.get(field).and_then(Value::as_str).map(str::to_owned);
    let id = text("id").filter(|id| !id.is_empty()).ok_or("every line needs an id")?;
    let anonymous = record.get("anonymous").and_then(Value::as_bool).unwrap_or(true);
    let request = ReportRequest {
        form_version: FORM_VERSIONS[0].1,
        what: text("text"),
        region_code: text("region_code"),
        location: None,
        happened_on: None,
        recruiter: Some(RecruiterIn {
            name: text("mentioned_name"),
            phone: text("mentioned_phone"),
            company: None,
            social: None,
        }),
        destination: text("destination"),
        minor_involved: record.get("minor_involved").and_then(Value::as_bool).unwrap_or(false),
        people_count: None,
        anonymous,
        contact: (!anonymous).then(|| ContactIn { phone: text("reporter_phone"), ..ContactIn::default() }),
    };
    let valid = validate_report(request).map_err(|e| e.messages().1)?;
    let new = build_report(engine, public, valid);
    let body = serde_json::to_vec(record).map_err(|e| e.to_string())?;
    let key: String = format!("import-{id}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    let idempotency = Idempotency::new(&format!("{key:-<16}"), &[b"import", &body]);
    store.submit(&new, &idempotency).map_err(|e| e.to_string())
}

async fn replay(
    state: &AppState,
    idempotency: &Idempotency,
    status: &'static str,
) -> Result<Option<Response>, AppError> {
    let store = state.store.clone();
    let key = idempotency.clone();
    let known = tokio::task::spawn_blocking(move || store.known_submission(&key)).await??;
    Ok(known.map(|submitted| created(submitted, status)))
}

async fn submit(
    state: &AppState,
    new: NewSubmission,
    idempotency: Idempotency,
    status: &'static str,
) -> Result<Response, AppError> {
    let store = state.store.clone();
    let submitted = tokio::task::spawn_blocking(move || store.submit(&new, &idempotency)).await??;
    Ok(created(submitted, status))
}

/// Report suspicious recruitment or trafficking (no account; anonymous by default).
#[utoipa::path(post, path = "/api/v1/public/reports", tag = "public", request_body = ReportRequest,
    params(("Idempotency-Key" = String, Header, description = "Client-made key, 16–64 of A–Z a–z 0–9 - _"),
        ("X-Proof-Of-Work" = String, Header, description = "<challenge>:<nonce>"),
        ("X-Device-Key" = Option<String>, Header, description = "Per-installation id, for rate limits only")),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn post_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let caller = caller(&headers, &parts.extensions)?;
    let body = read_body(body, MAX_JSON).await?;
    create_report(&state, &caller, &body, &headers).await
}

async fn read_body(body: axum::body::Body, limit: usize) -> Result<Bytes, AppError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| AppError::TooLarge)
}

/// Whether an image keeps its location metadata.
fn keep_location(headers: &HeaderMap) -> bool {
    headers.get("x-keep-location").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn unsupported(id: &str, en: &str) -> AppError {
    coded(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media", id, en)
}

/// Checks that the bytes are an image of the declared type and, unless the sender chose to keep
/// it, removes the metadata that can hold a location (EXIF, XMP, IPTC, comments, text chunks).
/// The pixels are not decoded: the container is parsed and rewritten without those parts.
pub fn clean_image(content_type: &str, bytes: Bytes, keep_location: bool) -> Result<Vec<u8>, AppError> {
    let fake = || unsupported("Berkas ini bukan gambar yang sah.", "This file is not a valid image.");
    match content_type {
        "image/jpeg" => {
            if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
                return Err(fake());
            }
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes).map_err(|_| fake())?;
            if !jpeg.segments().iter().any(|s| s.marker() == img_parts::jpeg::markers::SOS) {
                return Err(fake());
            }
            if !keep_location {
                use img_parts::jpeg::markers::{APP1, APP2, APP11, APP13, COM};
                // APP1: EXIF and XMP; APP13: IPTC; APP11: JUMBF/C2PA; APP2 only when it is a
                // Multi-Picture index (an ICC colour profile in APP2 stays); comments.
                jpeg.segments_mut().retain(|segment| match segment.marker() {
                    APP1 | APP11 | APP13 | COM => false,
                    APP2 => !segment.contents().starts_with(b"MPF\0"),
                    _ => true,
                });
            }
            let mut cleaned = jpeg.encoder().bytes().to_vec();
            if !keep_location {
                // img-parts keeps everything after the first scan as it came, including what
                // follows the main image's end: the extra images of Multi-Picture and Ultra HDR
                // photos, each with its own EXIF. The file ends at the main image's end.
                if let Some(end) = main_image_end(&cleaned) {
                    cleaned.truncate(end);
                }
            }
            Ok(cleaned)
        }
        "image/png" => {
            if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                return Err(fake());
            }
            let mut png = img_parts::png::Png::from_bytes(bytes).map_err(|_| fake())?;
            if png.chunk_by_type(*b"IHDR").is_none() || png.chunk_by_type(*b"IDAT").is_none() {
                return Err(fake());
            }
            if !keep_location {
                for kind in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                    png.remove_chunks_by_type(kind);
                }
            }
            Ok(png.encoder().bytes().to_vec())
        }
        "image/webp" => {
            if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
                return Err(fake());
            }
            let mut webp = img_parts::webp::WebP::from_bytes(bytes).map_err(|_| fake())?;
            if webp.dimensions().is_none() {
                return Err(fake());
            }
            if !keep_location {
                // Not `set_exif(None)`: without an ICC profile img-parts then drops the VP8X
                // header chunk, which breaks images with transparency or animation.
                webp.remove_chunks_by_id(img_parts::webp::CHUNK_EXIF);
                webp.remove_chunks_by_id(img_parts::webp::CHUNK_XMP);
            }
            Ok(webp.encoder().bytes().to_vec())
        }
        _ => Err(unsupported("Kirim foto JPEG, PNG atau WebP.", "Send a JPEG, PNG or WebP photo.")),
    }
}

/// Where a JPEG's main image ends: just past the first end-of-image marker after the first
/// start-of-scan (inside scan data a 0xFF is always followed by 0x00 or a restart marker, so the
/// first FF D9 there is the real end). `None` for a file that does not have that shape.
fn main_image_end(jpeg: &[u8]) -> Option<usize> {
    // Walk the marker segments up to the first start of scan.
    let mut at = 2;
    loop {
        let (&0xFF, &marker) = (jpeg.get(at)?, jpeg.get(at + 1)?) else { return None };
        let length = usize::from(u16::from_be_bytes([*jpeg.get(at + 2)?, *jpeg.get(at + 3)?]));
        at += 2 + length;
        if marker == 0xDA {
            break;
        }
    }
    jpeg.get(at..)?.windows(2).position(|w| w == [0xFF, 0xD9]).map(|p| at + p + 2)
}

fn receipt_of(text: &str) -> Result<Receipt, AppError> {
    Receipt::parse(text).ok_or_else(not_found_receipt)
}

/// The count of photos after this one.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoCount {
    /// Photos on the report.
    pub photos: i64,
}

/// Add a photo to a report (raw image bytes; EXIF/XMP removed unless `X-Keep-Location: true`).
#[utoipa::path(post, path = "/api/v1/public/reports/{receipt}/photos", tag = "public",
    params(("receipt" = String, Path, description = "Receipt code"),
        ("Idempotency-Key" = String, Header, description = "Client-made key"),
        ("X-Keep-Location" = Option<bool>, Header, description = "Keep the photo's location metadata")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = PhotoCount), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn post_photo(
    State(state): State<AppState>,
    Path(receipt): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let caller = caller(&headers, &parts.extensions)?;
    limit_failures(&state, &parts.extensions, None, false)?;
    let receipt = receipt_of(&receipt)?;
    if receipt.kind() != SubmissionKind::Report {
        return Err(not_found_receipt());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    let body = read_body(body, MAX_PHOTO).await?;
    let keep = keep_location(&headers);
    let idempotency = Idempotency::new(
        &caller.idempotency_key,
        &[b"photo", receipt.as_str().as_bytes(), content_type.as_bytes(), &[u8::from(keep)], &body],
    );
    caller.limit_creation(&state)?;
    let cleaned = clean_image(&content_type, body, keep)?;
    let store = state.store.clone();
    let result = tokio::task::spawn_blocking(move || {
        store.attach(&receipt, AttachmentKind::Photo, Some(&content_type), &cleaned, MAX_PHOTOS, &idempotency)
    })
    .await?;
    attach_answer(&state, &parts.extensions, result)
}

fn attach_answer(
    state: &AppState,
    extensions: &axum::http::Extensions,
    result: Result<waspada_store::Answered, waspada_store::Error>,
) -> Result<Response, AppError> {
    match result {
        Ok(answer) => Ok(answered(answer)),
        Err(waspada_store::Error::NotFound { .. }) => {
            limit_failures(state, extensions, None, true)?;
            Err(not_found_receipt())
        }
        Err(waspada_store::Error::Refused(reason)) => Err(coded(
            StatusCode::CONFLICT,
            "refused",
            if reason.contains("closed") {
                "Pendaftaran ini sudah ditutup.".to_owned()
            } else {
                "Batas jumlah lampiran untuk kiriman ini sudah tercapai.".to_owned()
            },
            reason,
        )),
        Err(other) => Err(other.into()),
    }
}

/// More information for a report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AdditionRequest {
    /// The text.
    pub text: Option<String>,
}

/// Add information to a report later, with its receipt.
#[utoipa::path(post, path = "/api/v1/public/reports/{receipt}/additions", tag = "public", request_body = AdditionRequest,
    params(("receipt" = String, Path, description = "Receipt code"),
        ("Idempotency-Key" = String, Header, description = "Client-made key")),
    responses((status = 201, description = "{\"additions\": n}"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn post_addition(
    State(state): State<AppState>,
    Path(receipt): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let caller = caller(&headers, &parts.extensions)?;
    limit_failures(&state, &parts.extensions, None, false)?;
    // Additions are for reports and SOS; a lapor diri is changed with its date of birth.
    let receipt = receipt_of(&receipt)?;
    if receipt.kind() == SubmissionKind::LaporDiri {
        return Err(not_found_receipt());
    }
    let body = read_body(body, MAX_JSON).await?;
    let addition: AdditionRequest = parse_json(&body)?;
    let text = clean_text("text", addition.text.as_deref(), 4000, true)?.unwrap_or_default();
    let idempotency = Idempotency::new(&caller.idempotency_key, &[b"addition", receipt.as_str().as_bytes(), &body]);
    caller.limit_creation(&state)?;
    let stored = serde_json::to_vec(&json!({ "text": text })).map_err(|e| AppError::Internal(e.to_string()))?;
    let store = state.store.clone();
    let result = tokio::task::spawn_blocking(move || {
        store.attach(&receipt, AttachmentKind::Addition, None, &stored, MAX_ADDITIONS, &idempotency)
    })
    .await?;
    attach_answer(&state, &parts.extensions, result)
}

/// Where a submission stands, in words for the public.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusText {
    /// Bahasa Indonesia.
    pub id: &'static str,
    /// English.
    pub en: &'static str,
}

/// A submission's state, for whoever holds the receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStatus {
    /// The receipt.
    pub receipt: String,
    /// `report`, `lapor_diri` or `sos`.
    pub kind: &'static str,
    /// `received`, `in_review`, `in_case`, `closed`, `active`.
    pub status: &'static str,
    /// In words.
    pub status_text: StatusText,
    /// When it arrived.
    pub received_at: String,
    /// Last change.
    pub updated_at: String,
    /// Additions.
    pub additions: i64,
    /// Photos.
    pub photos: i64,
}

fn status_text(status: waspada_store::SubmissionStatus) -> (&'static str, StatusText) {
    use waspada_store::SubmissionStatus as S;
    match status {
        S::Received => {
            ("received", StatusText { id: "Diterima, menunggu ditinjau petugas.", en: "Received, waiting for review." })
        }
        // Spam is not told apart from "in review": telling would teach a spammer what passes.
        S::InReview | S::Spam => {
            ("in_review", StatusText { id: "Sedang ditinjau petugas.", en: "Being reviewed by staff." })
        }
        S::InCase => ("in_case", StatusText { id: "Sedang ditindaklanjuti.", en: "Being followed up." }),
        S::Closed => ("closed", StatusText { id: "Selesai ditangani. Terima kasih.", en: "Dealt with. Thank you." }),
        S::Active => ("active", StatusText { id: "Lapor diri aktif.", en: "Registration active." }),
    }
}

/// Follow a submission with its receipt (no personal data in the answer).
#[utoipa::path(get, path = "/api/v1/public/reports/{receipt}", tag = "public",
    params(("receipt" = String, Path, description = "Receipt code")),
    responses((status = 200, body = PublicStatus), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn get_status(
    State(state): State<AppState>,
    Path(receipt): Path<String>,
    request: axum::extract::Request,
) -> Result<Json<PublicStatus>, AppError> {
    limit_failures(&state, request.extensions(), None, false)?;
    limit_read(&state, request.extensions())?;
    // A lapor diri's state (when its traveller last checked in) needs the date of birth too:
    // it is for the family look-up, not for anyone holding the code.
    let Some(receipt) = Receipt::parse(&receipt).filter(|r| r.kind() != SubmissionKind::LaporDiri) else {
        limit_failures(&state, request.extensions(), None, true)?;
        return Err(not_found_receipt());
    };
    let store = state.store.clone();
    let lookup = receipt.clone();
    let found = tokio::task::spawn_blocking(move || store.submission_state(&lookup)).await??;
    let Some(found) = found else {
        limit_failures(&state, request.extensions(), None, true)?;
        return Err(not_found_receipt());
    };
    let (status, status_text) = status_text(found.status);
    Ok(Json(PublicStatus {
        receipt: receipt.as_str().to_owned(),
        kind: found.kind.code(),
        status,
        status_text,
        received_at: found.received_at,
        updated_at: found.updated_at,
        additions: found.additions,
        photos: found.photos,
    }))
}

// ---------------------------------------------------------------------------------------------
// Lapor diri

/// An employer or host abroad.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EmployerIn {
    /// Name.
    pub name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// A registration of a stay abroad.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LaporDiriRequest {
    /// The form version the app used.
    pub form_version: u32,
    /// Full name.
    pub full_name: Option<String>,
    /// Date of birth (YYYY-MM-DD): also the family's key for look-ups.
    pub date_of_birth: Option<String>,
    /// Passport number.
    pub passport_number: Option<String>,
    /// The traveller's phone.
    pub phone: Option<String>,
    /// Destination country code.
    pub destination: Option<String>,
    /// Address abroad.
    pub address_abroad: Option<String>,
    /// Employer or host.
    pub employer: Option<EmployerIn>,
    /// `work`, `study`, `visit`, `umrah` or `other`.
    pub purpose: Option<String>,
    /// Departure (YYYY-MM-DD).
    pub departure_date: Option<String>,
    /// Planned return.
    pub return_date: Option<String>,
    /// Placement agency (P3MI).
    pub placement_agency: Option<String>,
    /// Someone in Indonesia to call.
    pub emergency_contact: Option<ContactIn>,
}

fn lapor_diri_content(request: &LaporDiriRequest) -> Result<(Value, Option<String>, NaiveDate), AppError> {
    check_form_version(SubmissionKind::LaporDiri, request.form_version)?;
    let full_name = clean_text("full_name", request.full_name.as_deref(), 200, true)?;
    let dob = parse_date("date_of_birth", request.date_of_birth.as_deref(), true)?.unwrap_or_default();
    let today = Utc::now().date_naive();
    if dob > today || dob < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default() {
        return Err(invalid("date_of_birth", "tanggal lahir tidak masuk akal", "not a plausible date of birth"));
    }
    let passport = clean_text("passport_number", request.passport_number.as_deref(), 20, false)?
        .map(|p| p.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect::<String>());
    if passport.as_ref().is_some_and(|p| p.len() < 6) {
        return Err(invalid("passport_number", "nomor paspor terlalu pendek", "passport number too short"));
    }
    let (traveller_phone, _) = phone("phone", request.phone.as_deref())?;
    let destination = country("destination", request.destination.as_deref(), true)?;
    let address = clean_text("address_abroad", request.address_abroad.as_deref(), 500, false)?;
    let employer = request.employer.clone().unwrap_or_default();
    let employer_name = clean_text("employer.name", employer.name.as_deref(), 200, false)?;
    let employer_address = clean_text("employer.address", employer.address.as_deref(), 500, false)?;
    let (employer_phone, _) = phone("employer.phone", employer.phone.as_deref())?;
    let purpose = match request.purpose.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p @ ("work" | "study" | "visit" | "umrah" | "other")) => Some(p.to_owned()),
        Some(_) => {
            return Err(invalid(
                "purpose",
                "pilih kerja, studi, kunjungan, umrah atau lainnya",
                "choose work, study, visit, umrah or other",
            ));
        }
    };
    let departure = parse_date("departure_date", request.departure_date.as_deref(), true)?;
    let returning = parse_date("return_date", request.return_date.as_deref(), false)?;
    if let (Some(d), Some(r)) = (departure, returning)
        && r < d
    {
        return Err(invalid("return_date", "sebelum tanggal berangkat", "before the departure date"));
    }
    let agency = clean_text("placement_agency", request.placement_agency.as_deref(), 200, false)?;
    let contact = request.emergency_contact.clone().unwrap_or_default();
    let contact_name = clean_text("emergency_contact.name", contact.name.as_deref(), 200, true)?;
    let contact_relation = clean_text("emergency_contact.relation", contact.relation.as_deref(), 100, false)?;
    let (contact_phone, _) = phone("emergency_contact.phone", contact.phone.as_deref())?;
    if contact_phone.is_none() {
        return Err(invalid("emergency_contact.phone", "wajib diisi", "is required"));
    }
    Ok((
        json!({
            "full_name": full_name,
            "date_of_birth": dob.to_string(),
            "passport_number": passport,
            "phone": traveller_phone,
            "destination": destination,
            "address_abroad": address,
            "employer": { "name": employer_name, "address": employer_address, "phone": employer_phone },
            "purpose": purpose,
            "departure_date": departure.map(|d| d.to_string()),
            "return_date": returning.map(|d| d.to_string()),
            "placement_agency": agency,
            "emergency_contact": { "name": contact_name, "relation": contact_relation, "phone": contact_phone },
        }),
        destination,
        dob,
    ))
}

/// Register a stay abroad (lapor diri).
#[utoipa::path(post, path = "/api/v1/public/lapor-diri", tag = "public", request_body = LaporDiriRequest,
    params(("Idempotency-Key" = String, Header, description = "Client-made key"),
        ("X-Proof-Of-Work" = String, Header, description = "<challenge>:<nonce>")),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn post_lapor_diri(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let caller = caller(&headers, &parts.extensions)?;
    let body = read_body(body, MAX_JSON).await?;
    let request: LaporDiriRequest = parse_json(&body)?;
    let (content, destination, _) = lapor_diri_content(&request)?;
    let idempotency = Idempotency::new(&caller.idempotency_key, &[b"lapor_diri", &body]);
    if let Some(response) = replay(&state, &idempotency, "active").await? {
        return Ok(response);
    }
    verify_work(&state, &headers, SubmissionKind::LaporDiri, &caller.idempotency_key)?;
    caller.limit_creation(&state)?;
    let new = NewSubmission {
        kind: SubmissionKind::LaporDiri,
        form_version: i64::from(request.form_version),
        region_code: None,
        destination,
        minor_involved: false,
        anonymous: false,
        urgency: 0,
        spam_score: 0,
        terms: Vec::new(),
        content,
    };
    submit(&state, new, idempotency, "active").await
}

/// Loads a lapor diri and checks the date of birth; the same 404 for a wrong receipt and a wrong
/// date, and failures count against the address.
async fn lapor_diri_for(
    state: &AppState,
    extensions: &axum::http::Extensions,
    receipt: &str,
    date_of_birth: Option<&str>,
) -> Result<(Receipt, Value), AppError> {
    let parsed = Receipt::parse(receipt).filter(|r| r.kind() == SubmissionKind::LaporDiri);
    let key = parsed.as_ref().map(|r| r.as_str().to_owned());
    limit_failures(state, extensions, key.as_deref(), false)?;
    let fail = || -> AppError {
        match limit_failures(state, extensions, key.as_deref(), true) {
            Err(limited) => limited,
            Ok(()) => not_found_receipt(),
        }
    };
    let Some(receipt) = parsed else {
        return Err(fail());
    };
    let dob = parse_date("date_of_birth", date_of_birth, true)?.unwrap_or_default();
    let store = state.store.clone();
    let lookup = receipt.clone();
    let content = tokio::task::spawn_blocking(move || store.submission_content(&lookup)).await??;
    match content {
        Some(content) if content["date_of_birth"].as_str() == Some(dob.to_string().as_str()) => Ok((receipt, content)),
        _ => Err(fail()),
    }
}

/// Update a registration (counts as a check-in). The date of birth must match.
#[utoipa::path(put, path = "/api/v1/public/lapor-diri/{registration}", tag = "public", request_body = LaporDiriRequest,
    params(("registration" = String, Path, description = "The lapor diri's receipt code"), ("Idempotency-Key" = String, Header, description = "Client-made key")),
    responses((status = 201, description = "{\"status\", \"last_check_in\"}"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn put_lapor_diri(
    State(state): State<AppState>,
    Path(receipt): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let caller = caller(&headers, &parts.extensions)?;
    let body = read_body(body, MAX_JSON).await?;
    let request: LaporDiriRequest = parse_json(&body)?;
    let (content, _, _) = lapor_diri_content(&request)?;
    let (receipt, _) = lapor_diri_for(&state, &parts.extensions, &receipt, request.date_of_birth.as_deref()).await?;
    caller.limit_creation(&state)?;
    let idempotency =
        Idempotency::new(&caller.idempotency_key, &[b"lapor_diri_update", receipt.as_str().as_bytes(), &body]);
    let store = state.store.clone();
    let result =
        tokio::task::spawn_blocking(move || store.update_submission(&receipt, &content, false, &idempotency)).await?;
    attach_answer(&state, &parts.extensions, result)
}

/// A check-in or a closing, with the date of birth.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckInRequest {
    /// The traveller's date of birth.
    pub date_of_birth: Option<String>,
    /// A short message (check-in).
    pub message: Option<String>,
    /// The day they came back (closing).
    pub returned_on: Option<String>,
}

/// Check in: "I am well, still here".
#[utoipa::path(post, path = "/api/v1/public/lapor-diri/{registration}/check-in", tag = "public", request_body = CheckInRequest,
    params(("registration" = String, Path, description = "The lapor diri's receipt code"), ("Idempotency-Key" = String, Header, description = "Client-made key")),
    responses((status = 201, description = "{\"last_check_in\"}"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn post_check_in(
    State(state): State<AppState>,
    Path(receipt): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let caller = caller(&headers, &parts.extensions)?;
    let body = read_body(body, MAX_JSON).await?;
    let request: CheckInRequest = parse_json(&body)?;
    let message = clean_text("message", request.message.as_deref(), 500, false)?;
    let (receipt, _) = lapor_diri_for(&state, &parts.extensions, &receipt, request.date_of_birth.as_deref()).await?;
    caller.limit_creation(&state)?;
    let idempotency = Idempotency::new(&caller.idempotency_key, &[b"check_in", receipt.as_str().as_bytes(), &body]);
    let stored = serde_json::to_vec(&json!({ "message": message })).map_err(|e| AppError::Internal(e.to_string()))?;
    let store = state.store.clone();
    let result = tokio::task::spawn_blocking(move || {
        store.attach(&receipt, AttachmentKind::CheckIn, None, &stored, MAX_CHECK_INS, &idempotency)
    })
    .await?;
    attach_answer(&state, &parts.extensions, result)
}

/// Close a registration (back home).
#[utoipa::path(post, path = "/api/v1/public/lapor-diri/{registration}/close", tag = "public", request_body = CheckInRequest,
    params(("registration" = String, Path, description = "The lapor diri's receipt code"), ("Idempotency-Key" = String, Header, description = "Client-made key")),
    responses((status = 201, description = "{\"status\": \"closed\"}"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn post_close(
    State(state): State<AppState>,
    Path(receipt): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let caller = caller(&headers, &parts.extensions)?;
    let body = read_body(body, MAX_JSON).await?;
    let request: CheckInRequest = parse_json(&body)?;
    let returned = parse_date("returned_on", request.returned_on.as_deref(), false)?;
    let (receipt, mut content) =
        lapor_diri_for(&state, &parts.extensions, &receipt, request.date_of_birth.as_deref()).await?;
    caller.limit_creation(&state)?;
    content["returned_on"] = json!(returned.map(|d| d.to_string()));
    let idempotency = Idempotency::new(&caller.idempotency_key, &[b"close", receipt.as_str().as_bytes(), &body]);
    let store = state.store.clone();
    let result =
        tokio::task::spawn_blocking(move || store.update_submission(&receipt, &content, true, &idempotency)).await?;
    attach_answer(&state, &parts.extensions, result)
}

/// A family member's look-up.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LookupRequest {
    /// The traveller's receipt.
    pub receipt: Option<String>,
    /// The traveller's date of birth.
    pub date_of_birth: Option<String>,
}

/// What a family member learns: whether the traveller checked in recently, nothing more.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupAnswer {
    /// `active` or `closed`.
    pub status: &'static str,
    /// Destination country.
    pub destination: Option<String>,
    /// Last check-in (or update).
    pub last_check_in: Option<String>,
    /// Within the last 30 days.
    pub checked_in_recently: bool,
}

/// For family: did the traveller check in recently? Needs the receipt and date of birth.
#[utoipa::path(post, path = "/api/v1/public/lapor-diri/lookup", tag = "public", request_body = LookupRequest,
    responses((status = 200, body = LookupAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn post_lookup(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<Json<LookupAnswer>, AppError> {
    let (parts, body) = request.into_parts();
    let body = read_body(body, MAX_JSON).await?;
    let lookup: LookupRequest = parse_json(&body)?;
    let (receipt, _) = lapor_diri_for(
        &state,
        &parts.extensions,
        lookup.receipt.as_deref().unwrap_or_default(),
        lookup.date_of_birth.as_deref(),
    )
    .await?;
    let store = state.store.clone();
    let found =
        tokio::task::spawn_blocking(move || store.submission_state(&receipt)).await??.ok_or_else(not_found_receipt)?;
    let recent = found
        .last_check_in
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| Utc::now().signed_duration_since(t.with_timezone(&Utc)) < chrono::Duration::days(30));
    Ok(Json(LookupAnswer {
        status: if found.status == waspada_store::SubmissionStatus::Closed { "closed" } else { "active" },
        destination: found.destination,
        last_check_in: found.last_check_in,
        checked_in_recently: recent,
    }))
}

// ---------------------------------------------------------------------------------------------
// SOS

/// An emergency call.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SosRequest {
    /// The form version the app used.
    pub form_version: u32,
    /// A short message.
    pub message: Option<String>,
    /// Where (kept exact).
    pub location: Option<LocationIn>,
    /// The sender's lapor diri, when they have one.
    pub lapor_diri_receipt: Option<String>,
    /// A phone to call back.
    pub phone: Option<String>,
}

/// SOS: location and a short message, first in the triage queue.
#[utoipa::path(post, path = "/api/v1/public/sos", tag = "public", request_body = SosRequest,
    params(("Idempotency-Key" = String, Header, description = "Client-made key"),
        ("X-Proof-Of-Work" = String, Header, description = "<challenge>:<nonce> (few bits)")),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn post_sos(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let caller = caller(&headers, &parts.extensions)?;
    let body = read_body(body, MAX_JSON).await?;
    let request: SosRequest = parse_json(&body)?;
    check_form_version(SubmissionKind::Sos, request.form_version)?;
    let message = clean_text("message", request.message.as_deref(), 500, false)?;
    let location = location(request.location.as_ref(), true)?;
    let (callback, _) = phone("phone", request.phone.as_deref())?;
    let lapor_diri = request
        .lapor_diri_receipt
        .as_deref()
        .and_then(Receipt::parse)
        .filter(|r| r.kind() == SubmissionKind::LaporDiri);
    let idempotency = Idempotency::new(&caller.idempotency_key, &[b"sos", &body]);
    if let Some(response) = replay(&state, &idempotency, "received").await? {
        return Ok(response);
    }
    verify_work(&state, &headers, SubmissionKind::Sos, &caller.idempotency_key)?;
    caller.limit_sos(&state)?;
    // The lapor diri is attached only when it exists; a wrong code is not an error in an emergency.
    let registration = match lapor_diri {
        Some(receipt) => {
            let store = state.store.clone();
            tokio::task::spawn_blocking(move || store.submission_content(&receipt).map(|c| c.map(|c| (receipt, c))))
                .await??
        }
        None => None,
    };
    let content = json!({
        "message": message,
        "location": location,
        "phone": callback,
        "lapor_diri_receipt": registration.as_ref().map(|(r, _)| r.as_str().to_owned()),
        "lapor_diri": registration.map(|(_, c)| c),
    });
    let new = NewSubmission {
        kind: SubmissionKind::Sos,
        form_version: i64::from(request.form_version),
        region_code: None,
        destination: None,
        minor_involved: false,
        anonymous: callback.is_none(),
        urgency: 1000,
        spam_score: 0,
        terms: Vec::new(),
        content,
    };
    submit(&state, new, idempotency, "received").await
}

// ---------------------------------------------------------------------------------------------
// Configuration and regions

/// A hotline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hotline {
    /// Who.
    pub name: &'static str,
    /// Number to call.
    pub number: &'static str,
}

/// What the app needs to know.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicSettings {
    /// Current form versions.
    #[schema(value_type = Object)]
    pub form_versions: Value,
    /// Size limits.
    #[schema(value_type = Object)]
    pub limits: Value,
    /// Hotlines to show.
    pub hotlines: Vec<Hotline>,
}

/// Numbers every Indonesian can call; kept here so the office can change them with a release.
const HOTLINES: [Hotline; 4] = [
    Hotline { name: "BP2MI (pekerja migran / migrant workers)", number: "0800-1000" },
    Hotline { name: "SAPA 129 KemenPPPA (perempuan dan anak / women and children)", number: "129" },
    Hotline { name: "Polisi / Police", number: "110" },
    Hotline { name: "Kemlu Safe Travel (WNI di luar negeri / citizens abroad)", number: "+62 812-9007-0027" },
];

/// Form versions, limits and hotlines.
#[utoipa::path(get, path = "/api/v1/public/config", tag = "public", responses((status = 200, body = PublicSettings)))]
pub async fn get_config() -> Json<PublicSettings> {
    let versions: serde_json::Map<String, Value> =
        FORM_VERSIONS.iter().map(|(k, v)| (k.code().to_owned(), json!(v))).collect();
    Json(PublicSettings {
        form_versions: Value::Object(versions),
        limits: json!({ "text": 4000, "photo_bytes": MAX_PHOTO, "photos": MAX_PHOTOS }),
        hotlines: HOTLINES.into_iter().collect(),
    })
}

/// A kecamatan or desa.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDto {
    /// Dotted code.
    pub code: String,
    /// Name.
    pub name: &'static str,
    /// `kecamatan` or `desa`.
    pub kind: &'static str,
    /// The kecamatan of a desa.
    pub parent: Option<String>,
}

/// Kecamatan and desa of Bengkulu Tengah, for the place picker.
#[utoipa::path(get, path = "/api/v1/public/regions", tag = "public", responses((status = 200, body = [RegionDto])))]
pub async fn get_regions() -> Response {
    let mut out = Vec::new();
    for district in waspada_nik::regions::children("1709") {
        out.push(RegionDto { code: district.formatted_code(), name: district.name, kind: "kecamatan", parent: None });
        for village in waspada_nik::regions::children(district.code) {
            out.push(RegionDto {
                code: village.formatted_code(),
                name: village.name,
                kind: "desa",
                parent: Some(district.formatted_code()),
            });
        }
    }
    let mut response = Json(out).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

// ---------------------------------------------------------------------------------------------
// The app itself

macro_rules! asset {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/lapor/", $name)).as_slice()
    };
}

/// The app's files: (path under `/lapor/`, content type, bytes).
pub const APP_FILES: [(&str, &str, &[u8]); 7] = [
    ("", "text/html; charset=utf-8", asset!("index.html")),
    ("app.js", "text/javascript; charset=utf-8", asset!("app.js")),
    ("app.css", "text/css; charset=utf-8", asset!("app.css")),
    ("sw.js", "text/javascript; charset=utf-8", asset!("sw.js")),
    ("pow.js", "text/javascript; charset=utf-8", asset!("pow.js")),
    ("manifest.webmanifest", "application/manifest+json", asset!("manifest.webmanifest")),
    ("icon.svg", "image/svg+xml", asset!("icon.svg")),
];

const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
    connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// A file of the app as served: the bytes, a deflated copy, and the policy it is served with.
struct Served {
    content_type: &'static str,
    plain: Vec<u8>,
    deflated: Vec<u8>,
    csp: String,
}

fn served(content_type: &'static str, plain: Vec<u8>, csp: String) -> Served {
    // Level 9: done once at start-up; a phone on a slow line pays for every byte.
    let deflated = miniz_oxide::deflate::compress_to_vec_zlib(&plain, 9);
    Served { content_type, plain, deflated, csp }
}

/// The app's start page with its styles and script inline, allowed by their hashes in the
/// policy (no 'unsafe-inline'): one request makes the app usable, which is what counts on a
/// 3G line where each request costs seconds of latency. The separate files stay available.
fn inline_shell() -> Served {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let file =
        |name: &str| APP_FILES.iter().find(|(path, _, _)| *path == name).map(|(_, _, b)| text(b)).unwrap_or_default();
    let (html, css, js) = (file(""), file("app.css"), file("app.js"));
    let hash = |content: &str| {
        use base64::Engine;
        format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(content.as_bytes())))
    };
    let link = r#"<link rel="stylesheet" href="/lapor/app.css">"#;
    let script = r#"<script src="/lapor/app.js" defer></script>"#;
    let safe = !js.to_ascii_lowercase().contains("</script") && !css.to_ascii_lowercase().contains("</style");
    if !safe || !html.contains(link) || !html.contains(script) || !html.contains("</body>") {
        // The files changed shape: serve them as they are, which is slower but correct.
        tracing::warn!("the app's start page could not be inlined; serving it with separate files");
        return served("text/html; charset=utf-8", html.into_bytes(), APP_CSP.to_owned());
    }
    let inlined = html
        .replace(link, &format!("<style>{css}</style>"))
        .replace(script, "")
        .replace("</body>", &format!("<script>{js}</script>\n</body>"));
    let csp = APP_CSP
        .replace("script-src 'self'", &format!("script-src 'self' {}", hash(&js)))
        .replace("style-src 'self'", &format!("style-src 'self' {}", hash(&css)));
    served("text/html; charset=utf-8", inlined.into_bytes(), csp)
}

/// Every file of the app, ready to serve (built on first use).
fn app_files() -> &'static [(&'static str, Served)] {
    static FILES: std::sync::OnceLock<Vec<(&'static str, Served)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let mut files = vec![("", inline_shell())];
        for (path, content_type, bytes) in APP_FILES.iter().filter(|(path, _, _)| !path.is_empty()) {
            files.push((*path, served(content_type, bytes.to_vec(), APP_CSP.to_owned())));
        }
        files
    })
}

async fn app_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let name = if file == "index.html" { "" } else { file.as_str() };
    let Some((_, file)) = app_files().iter().find(|(path, _)| *path == name) else {
        return AppError::NotFound.into_response();
    };
    let deflate = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.split(';').next().is_some_and(|e| e.trim() == "deflate")));
    let body = if deflate { file.deflated.clone() } else { file.plain.clone() };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    if let Ok(csp) = HeaderValue::from_str(&file.csp) {
        headers.insert("content-security-policy", csp);
    }
    if deflate {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("deflate"));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // The service worker keeps its own versioned copy; the network copy is always checked.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn app_index(headers: HeaderMap) -> Response {
    app_file(Path(String::new()), headers).await
}

/// The public routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lapor", get(|| async { axum::response::Redirect::permanent("/lapor/") }))
        .route("/lapor/", get(app_index))
        .route("/lapor/{file}", get(app_file))
        .route("/api/v1/public/config", get(get_config))
        .route("/api/v1/public/regions", get(get_regions))
        .route("/api/v1/public/challenge", get(challenge))
        .route("/api/v1/public/reports", post(post_report))
        .route("/api/v1/public/reports/{receipt}/photos", post(post_photo).layer(DefaultBodyLimit::max(MAX_PHOTO)))
        .route("/api/v1/public/reports/{receipt}/additions", post(post_addition))
        .route("/api/v1/public/reports/{receipt}", get(get_status))
        .route("/api/v1/public/lapor-diri", post(post_lapor_diri))
        .route("/api/v1/public/lapor-diri/lookup", post(post_lookup))
        .route("/api/v1/public/lapor-diri/{registration}", axum::routing::put(put_lapor_diri))
        .route("/api/v1/public/lapor-diri/{registration}/check-in", post(post_check_in))
        .route("/api/v1/public/lapor-diri/{registration}/close", post(post_close))
        .route("/api/v1/public/sos", post(post_sos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_hidden_and_field_names_kept() {
        assert_eq!(
            hide_quoted("invalid type: string \"Siti\", expected u32"),
            "invalid type: string (value hidden), expected u32"
        );
        assert_eq!(hide_quoted("missing field `what`"), "missing field `what`");
    }

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        assert_eq!(leading_zero_bits(&[0, 0, 0x0F, 0xFF]), 20);
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0, 1]), 15);
    }

    #[test]
    fn markup_is_refused_and_plain_text_kept() {
        assert!(clean_text("what", Some("<script>alert(1)</script>"), 100, true).is_err());
        assert!(clean_text("what", Some("lihat <b>ini</b>"), 100, true).is_err());
        assert!(clean_text("what", Some("javascript:alert(1)"), 100, true).is_err());
        assert_eq!(
            clean_text("what", Some(" gaji < 5 juta, umur 3<4 \u{0} "), 100, true).unwrap().as_deref(),
            Some("gaji < 5 juta, umur 3<4")
        );
        assert!(clean_text("what", Some("   "), 100, true).is_err());
        assert_eq!(clean_text("what", Some("   "), 100, false).unwrap(), None);
        assert!(clean_text("what", Some(&"a".repeat(101)), 100, true).is_err());
    }

    #[test]
    fn locations_are_blurred_unless_exact() {
        let blurred =
            location(Some(&LocationIn { lat: -3.712345, lon: 102.356789, exact: false, accuracy_m: None }), false)
                .unwrap()
                .unwrap();
        assert_eq!((blurred["lat"].as_f64(), blurred["lon"].as_f64()), (Some(-3.71), Some(102.36)));
        let exact =
            location(Some(&LocationIn { lat: -3.712345, lon: 102.356789, exact: true, accuracy_m: Some(12.3) }), false)
                .unwrap()
                .unwrap();
        assert_eq!(exact["lat"].as_f64(), Some(-3.712345));
        assert!(
            location(Some(&LocationIn { lat: f64::NAN, lon: 0.0, exact: false, accuracy_m: None }), false).is_err()
        );
        assert!(location(Some(&LocationIn { lat: 91.0, lon: 0.0, exact: false, accuracy_m: None }), false).is_err());
    }
}
