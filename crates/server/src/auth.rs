//! Sign-in, bearer tokens and session cookies, and the extractors that every protected handler
//! uses: [`CurrentUser`] (who) and [`Purpose`] (why).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get, routing::post};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use waspada_store::AuditContext;

use crate::AppState;
use crate::error::AppError;
use crate::roles::Role;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "waspada_session";

/// Argon2id, 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended setting, with one lane):
/// about 60-80 ms per hash on the office's 2-core server, so that a stolen hash is slow to attack
/// and a sign-in is deliberately slow. At most [`HASHING_AT_ONCE`] hashes run at once, which bounds
/// the memory a burst of sign-ins can take. Stored hashes keep the parameters they were made with.
fn hasher() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(64 * 1024, 3, 1, None).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password to a PHC string. CPU-heavy: call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    hasher()?.hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| AppError::Internal(e.to_string()))
}

/// Checks a password against a PHC string. CPU-heavy: call from a blocking thread.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the user does not exist, so both paths take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password-0123456789").unwrap_or_default())
}

/// Password hashes computed at the same time, at most (one per core of the office's server).
pub const HASHING_AT_ONCE: usize = 2;

/// Minimum password length (NIST 800-63B: length, not composition rules).
pub const MIN_PASSWORD_LEN: usize = 12;

/// Checks a new password against the length rule and the refused lists, without user context.
pub fn password_acceptable(password: &str) -> Result<(), String> {
    password_acceptable_for(password, &[])
}

/// Checks a new password as NIST SP 800-63B asks: length (12 to 256 characters), no composition
/// rules, and refused when it is a common or leaked password (`data/passwords`, compared in lower
/// case and also without trailing digits and symbols), repeated or sequential characters, or built
/// from the user's own words (`context`: user name, display name).
pub fn password_acceptable_for(password: &str, context: &[&str]) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(format!("a password needs at least {MIN_PASSWORD_LEN} characters"));
    }
    if length > 256 {
        return Err("a password may have at most 256 characters".into());
    }
    let lower = password.to_lowercase();
    let core = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let core = core.trim_start_matches(|c: char| !c.is_alphabetic());
    if common_passwords().contains(lower.as_str()) || (core.chars().count() >= 4 && common_passwords().contains(core)) {
        return Err("this password is among the most common or leaked ones: choose another".into());
    }
    let chars: Vec<char> = lower.chars().collect();
    let distinct: std::collections::HashSet<char> = chars.iter().copied().collect();
    // Neighbours in the alphabet or on the digit row (9 → 0 wraps, as in "1234567890").
    let step = |a: char, b: char| (b as i64 - a as i64).abs() == 1 || matches!((a, b), ('9', '0') | ('0', '9'));
    let sequential = chars.windows(2).all(|w| step(w[0], w[1]));
    if distinct.len() <= 3 || sequential {
        return Err("a password of repeated or sequential characters is easy to guess: choose another".into());
    }
    const SERVICE_WORDS: [&str; 5] = ["waspada", "imigrasi", "kanim", "bengkulu", "paspor"];
    let letters: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    for word in context.iter().map(|w| w.to_lowercase()).chain(SERVICE_WORDS.iter().map(|w| (*w).to_owned())) {
        let word: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
        // Refused when the word makes up half the password or more (a user name plus digits).
        if word.chars().count() >= 4 && letters.contains(&word) && word.len() * 2 >= letters.len() {
            return Err("a password built from the user name or the service's name is easy to guess".into());
        }
    }
    Ok(())
}

/// The refused passwords of `data/passwords`, lower case.
fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../../../data/passwords/common-en.txt")
            .lines()
            .chain(include_str!("../../../data/passwords/common-id.txt").lines())
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(format!("wsp_{}", hex::encode(bytes)))
}

/// How long a validated token is trusted without asking the database again. A token revoked by
/// another server process keeps working here for at most this long; one revoked through this
/// process stops at once.
const SESSION_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);
const SESSION_CACHE_MAX: usize = 10_000;

/// Token hashes that were valid a moment ago, with their users.
#[derive(Clone, Default)]
pub struct SessionCache(std::sync::Arc<std::sync::Mutex<SessionMap>>);

type SessionMap = std::collections::HashMap<Vec<u8>, (CurrentUser, std::time::Instant)>;

impl SessionCache {
    fn get(&self, hash: &[u8]) -> Option<CurrentUser> {
        let cache = self.0.lock().ok()?;
        let (user, at) = cache.get(hash)?;
        (at.elapsed() < SESSION_CACHE_TTL).then(|| user.clone())
    }

    fn put(&self, hash: Vec<u8>, user: CurrentUser) {
        if let Ok(mut cache) = self.0.lock() {
            if cache.len() >= SESSION_CACHE_MAX {
                cache.retain(|_, (_, at)| at.elapsed() < SESSION_CACHE_TTL);
                if cache.len() >= SESSION_CACHE_MAX {
                    cache.clear();
                }
            }
            cache.insert(hash, (user, std::time::Instant::now()));
        }
    }

    fn forget(&self, hash: &[u8]) {
        if let Ok(mut cache) = self.0.lock() {
            cache.remove(hash);
        }
    }
}

/// The signed-in staff member.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Account id.
    pub id: i64,
    /// Sign-in name (recorded as the audit actor).
    pub username: String,
    /// Role.
    pub role: Role,
}

fn bearer_or_cookie(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))
    {
        return Some(token.trim().to_owned());
    }
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE).then(|| value.to_owned())
    })
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let token = bearer_or_cookie(&parts.headers).ok_or(AppError::Unauthenticated)?;
        if token.len() > 200 {
            return Err(AppError::Unauthenticated);
        }
        let hash = token_hash(&token);
        // A browser session (cookie) left idle ends, for the pages and the API alike: its token is
        // revoked. Bearer tokens of programs are not subject to it.
        let from_cookie = !parts.headers.contains_key(AUTHORIZATION);
        let lifetime = state.config.token_ttl.to_std().unwrap_or(std::time::Duration::from_secs(43_200));
        if from_cookie && !state.web_seen.touch(&crate::web::csrf_for(&token), state.config.web_idle, lifetime) {
            let _ = revoke(state, hash).await;
            return Err(AppError::Unauthenticated);
        }
        if let Some(current) = state.sessions.get(&hash) {
            parts.extensions.insert(current.clone());
            return Ok(current);
        }
        let store = state.store.clone();
        let lookup = hash.clone();
        let user = tokio::task::spawn_blocking(move || store.user_by_token(&lookup, Utc::now())).await??;
        let user = user.ok_or(AppError::Unauthenticated)?;
        let role = Role::parse(&user.role).ok_or(AppError::Forbidden)?;
        let current = CurrentUser { id: user.id, username: user.username, role };
        state.sessions.put(hash, current.clone());
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

#[derive(Deserialize)]
struct PurposeQuery {
    purpose: Option<String>,
}

/// The stated purpose of an access to personal data, from the `X-Purpose` header or the
/// `purpose` query parameter. Required: a request without one is refused with 400.
#[derive(Debug, Clone)]
pub struct Purpose(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Purpose {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let from_header = parts.headers.get("x-purpose").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let from_query = axum::extract::Query::<PurposeQuery>::try_from_uri(&parts.uri).ok().and_then(|q| q.0.purpose);
        let purpose = from_header.or(from_query).map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        match purpose {
            Some(p) if p.chars().count() <= 200 => Ok(Purpose(p)),
            Some(_) => Err(AppError::BadRequest("purpose is longer than 200 characters".into())),
            None => Err(AppError::PurposeRequired),
        }
    }
}

impl CurrentUser {
    /// The audit context for this user and purpose.
    pub fn context(&self, purpose: &Purpose) -> Result<AuditContext, AppError> {
        AuditContext::new(self.username.clone(), purpose.0.clone()).map_err(|_| AppError::PurposeRequired)
    }
}

/// Sign-in request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
    /// The authenticator app's 6-digit code (required for accounts with a second factor).
    #[serde(default)]
    pub totp: Option<String>,
}

/// Sign-in result: a bearer token (also set as an HttpOnly cookie).
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for the `Authorization` header.
    pub token: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// The account's role.
    pub role: String,
    /// The account's display name.
    pub display_name: String,
}

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// User name.
    pub username: String,
    /// Role.
    pub role: String,
}

/// Sign in with user name and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let Json(request) = body?;
    let outcome = sign_in(&state, client_ip(&extensions), request.username, request.password, request.totp).await?;
    let (token, response) = outcome.ok_or(AppError::Unauthenticated)?;
    let cookie = session_cookie(&token, state.config.token_ttl);
    let mut response = Json(response).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(response)
}

/// The session cookie for a token.
pub(crate) fn session_cookie(token: &str, ttl: chrono::Duration) -> String {
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}", ttl.num_seconds())
}

/// Sign-in attempts per account since the last success, for back-off: after 5 each attempt must
/// wait 2, 4, 8 … seconds (at most 15 minutes) after the previous one. A success clears the count. In memory:
/// a restart forgives, which is acceptable for throttling (lockout records belong to the audit log).
#[derive(Clone, Default)]
pub struct SignInThrottle(std::sync::Arc<std::sync::Mutex<HashMap<String, (u32, std::time::Instant)>>>);

impl SignInThrottle {
    const FREE_FAILURES: u32 = 5;
    const MAX_WAIT_SECS: u64 = 900;

    fn wait_for(failures: u32) -> u64 {
        if failures < Self::FREE_FAILURES {
            return 0;
        }
        (1u64 << (failures - Self::FREE_FAILURES + 1).min(20)).min(Self::MAX_WAIT_SECS)
    }

    /// Counts an attempt before the password is checked, so that parallel guesses cannot all
    /// pass the gate together; `Err(seconds)` when the account must wait. A success clears it.
    fn attempt(&self, account: &str) -> Result<(), u64> {
        let Ok(mut guard) = self.0.lock() else { return Ok(()) };
        if guard.len() > 100_000 {
            // Entries whose back-off has long run out say nothing any more.
            guard.retain(|_, (_, last)| last.elapsed().as_secs() < Self::MAX_WAIT_SECS);
        }
        let now = std::time::Instant::now();
        let entry = guard.entry(account.to_owned()).or_insert((0, now));
        let wait = std::time::Duration::from_secs(Self::wait_for(entry.0));
        let elapsed = now.duration_since(entry.1);
        if entry.0 > 0 && elapsed < wait {
            return Err((wait - elapsed).as_secs().max(1));
        }
        entry.0 = entry.0.saturating_add(1);
        entry.1 = now;
        Ok(())
    }

    fn succeeded(&self, account: &str) {
        if let Ok(mut guard) = self.0.lock() {
            guard.remove(account);
        }
    }
}

/// Sign-in attempts per client address in the current minute: credential stuffing tries many
/// accounts from one place, which the per-account back-off alone does not slow. IPv6 clients are
/// counted per /64 (one subscriber's range). Counted before the password is checked.
#[derive(Clone, Default)]
pub struct AddressThrottle(std::sync::Arc<std::sync::Mutex<HashMap<std::net::IpAddr, (u32, std::time::Instant)>>>);

impl AddressThrottle {
    /// Attempts allowed per address per window.
    pub const PER_WINDOW: u32 = 20;
    const WINDOW_SECS: u64 = 60;

    fn key(ip: std::net::IpAddr) -> std::net::IpAddr {
        match ip {
            std::net::IpAddr::V6(v6) => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                std::net::IpAddr::V6(std::net::Ipv6Addr::from(segments))
            }
            v4 => v4,
        }
    }

    /// `Err(seconds)` when this address has used up its attempts for the window.
    pub(crate) fn attempt(&self, ip: std::net::IpAddr) -> Result<(), u64> {
        let Ok(mut guard) = self.0.lock() else { return Ok(()) };
        let now = std::time::Instant::now();
        if guard.len() > 100_000 {
            guard.retain(|_, (_, start)| now.duration_since(*start).as_secs() < Self::WINDOW_SECS);
        }
        let entry = guard.entry(Self::key(ip)).or_insert((0, now));
        let elapsed = now.duration_since(entry.1).as_secs();
        if elapsed >= Self::WINDOW_SECS {
            *entry = (0, now);
        }
        if entry.0 >= Self::PER_WINDOW {
            return Err((Self::WINDOW_SECS - elapsed.min(Self::WINDOW_SECS)).max(1));
        }
        entry.0 += 1;
        Ok(())
    }
}

/// The client's address, when the server was started with connection info (tests that build
/// the router directly have none, and are then throttled per account only).
pub(crate) fn client_ip(extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    use axum::extract::ConnectInfo;
    use axum::extract::connect_info::MockConnectInfo;
    // The same lookup as axum's `ConnectInfo` extractor, which falls back to the test layer.
    extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
        .or_else(|| extensions.get::<MockConnectInfo<std::net::SocketAddr>>().map(|mock| mock.0.ip()))
}

/// Checks a user name, password and, for accounts with a second factor (or whose role requires
/// one, `ServerConfig::totp_roles`), the authenticator code; on success makes a token (audited as
/// `auth.login`, a failure as `auth.login_failed`). A right password without a needed code is
/// `totp_required` (401, so the client asks for the code); a role that requires a second factor
/// from an account that has none is `totp_enrolment_required` (403). A code is accepted once.
/// Shared by the JSON API and the web sign-in form.
pub(crate) async fn sign_in(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    username: String,
    password: String,
    code: Option<String>,
) -> Result<Option<(String, LoginResponse)>, AppError> {
    if let Some(ip) = client {
        state.sign_in_addresses.attempt(ip).map_err(AppError::TooManyAttempts)?;
    }
    if username.len() > 100 || password.len() > 1024 {
        return Ok(None);
    }
    // Throttled before the (deliberately slow) password hash is even computed.
    let account = username.trim().to_lowercase();
    state.sign_ins.attempt(&account).map_err(AppError::TooManyAttempts)?;
    // The hash is CPU- and memory-bound: queue for one of a few slots rather than run a burst's
    // worth of 64 MiB hashes at once.
    let _slot = state.hashing.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
    let store = state.store.clone();
    let ttl = state.config.token_ttl;
    let totp_roles = state.config.totp_roles.clone();
    let code = code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty() && c.len() <= 16);
    let outcome = tokio::task::spawn_blocking(move || -> Result<Option<(String, LoginResponse)>, AppError> {
        let user = store.user_by_name(&username)?;
        let hash = user.as_ref().map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
        let password_ok = verify_password(&password, &hash);
        let context = AuditContext::new(username.clone(), "sign-in").map_err(|e| AppError::Internal(e.to_string()))?;
        let Some(user) = user.filter(|u| password_ok && !u.disabled) else {
            store.record_audit(&context, "auth.login_failed", "user:unknown", "")?;
            return Ok(None);
        };
        if Role::parse(&user.role) == Some(Role::Partner) {
            store.record_audit(&context, "auth.login_failed", &format!("user:{}", user.id), "partner password")?;
            return Err(AppError::Coded {
                status: axum::http::StatusCode::FORBIDDEN,
                code: "token_only",
                id: "Akun mitra memakai token API yang diterbitkan administrator, bukan kata sandi.".into(),
                en: "Partner accounts use API tokens issued by an administrator, not a password.".into(),
            });
        }
        let role_requires = Role::parse(&user.role).is_some_and(|role| totp_roles.contains(&role));
        if user.totp_enrolled {
            let Some(code) = code else {
                return Err(AppError::Coded {
                    status: axum::http::StatusCode::UNAUTHORIZED,
                    code: "totp_required",
                    id: "Masukkan kode 6 angka dari aplikasi autentikator Anda.".into(),
                    en: "Enter the 6-digit code from your authenticator app.".into(),
                });
            };
            let now = Utc::now().timestamp().max(0) as u64;
            let accepted = if let Some(recovery) = crate::totp::normalise_recovery_code(&code) {
                // A lost phone: a one-time recovery code stands in for the authenticator code.
                match store.use_recovery_code(user.id, &recovery)? {
                    Some(left) => {
                        store.record_audit(
                            &context,
                            "auth.recovery_code_used",
                            &format!("user:{}", user.id),
                            &format!("left={left}"),
                        )?;
                        true
                    }
                    None => false,
                }
            } else {
                match store.totp_secret(user.id)? {
                    Some((secret, _)) => match crate::totp::matching_step(&secret, &code, now) {
                        Some(step) => store.use_totp_step(user.id, step)?,
                        None => false,
                    },
                    None => false,
                }
            };
            if !accepted {
                store.record_audit(&context, "auth.login_failed", &format!("user:{}", user.id), "second factor")?;
                return Ok(None);
            }
        } else if role_requires {
            store.record_audit(&context, "auth.login_failed", &format!("user:{}", user.id), "no second factor")?;
            return Err(AppError::Coded {
                status: axum::http::StatusCode::FORBIDDEN,
                code: "totp_enrolment_required",
                id: "Peran ini wajib memakai faktor kedua. Minta administrator menjalankan `waspada admin totp-enrol` untuk akun Anda.".into(),
                en: "This role requires a second factor. Ask an administrator to run `waspada admin totp-enrol` for your account.".into(),
            });
        }
        let token = new_token()?;
        let expires_at = Utc::now() + ttl;
        store.create_token(user.id, &token_hash(&token), expires_at)?;
        store.record_audit(&context, "auth.login", &format!("user:{}", user.id), "")?;
        let response = LoginResponse {
            token: token.clone(),
            expires_at: waspada_domain::format_timestamp(expires_at),
            role: user.role,
            display_name: user.display_name,
        };
        Ok(Some((token, response)))
    })
    .await??;
    if outcome.is_some() {
        state.sign_ins.succeeded(&account);
    }
    Ok(outcome)
}

/// Issues an API token for an account (a partner agency's system), valid for `days`: returned
/// once, stored only as a hash. Audited as `auth.token_issue`.
pub fn issue_api_token(
    store: &waspada_store::Store,
    username: &str,
    days: i64,
    context: &AuditContext,
) -> Result<(String, chrono::DateTime<Utc>), AppError> {
    if !(1..=366).contains(&days) {
        return Err(AppError::BadRequest("a token lives 1 to 366 days".into()));
    }
    let user = store.user_by_name(username)?.ok_or(AppError::NotFound)?;
    if user.disabled {
        return Err(AppError::Forbidden);
    }
    let token = new_token()?;
    let expires_at = Utc::now() + chrono::Duration::days(days);
    store.create_token(user.id, &token_hash(&token), expires_at)?;
    store.record_audit(context, "auth.token_issue", &format!("user:{}", user.id), &format!("days={days}"))?;
    Ok((token, expires_at))
}

/// The session token a request carries (bearer header or cookie), if any.
pub(crate) fn request_token(headers: &HeaderMap) -> Option<String> {
    bearer_or_cookie(headers)
}

/// Sign out: revoke the token and clear the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = bearer_or_cookie(&headers) {
        revoke(&state, token_hash(&token)).await?;
    }
    let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
    clear_session_cookies(response.headers_mut());
    Ok(response)
}

/// Ends a session everywhere: the token is revoked in the store and dropped from the cache.
async fn revoke(state: &AppState, hash: Vec<u8>) -> Result<(), AppError> {
    state.sessions.forget(&hash);
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.revoke_token(&hash)).await??;
    Ok(())
}

/// The cookie that forgets the task's remembered purpose (it belongs to one session only).
pub(crate) const CLEAR_PURPOSE: &str = "waspada_purpose=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";

/// Clears the session cookie and the remembered purpose in a response.
pub(crate) fn clear_session_cookies(headers: &mut HeaderMap) {
    headers
        .insert(SET_COOKIE, HeaderValue::from_static("waspada_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"));
    headers.append(SET_COOKIE, HeaderValue::from_static(CLEAR_PURPOSE));
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = MeResponse), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(user: CurrentUser) -> Json<MeResponse> {
    Json(MeResponse { username: user.username, role: user.role.name().to_owned() })
}

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
}

#[cfg(test)]
mod password_tests {
    use super::*;

    #[test]
    fn common_repeated_sequential_and_personal_passwords_are_refused() {
        for (password, why) in [
            ("elevenchars", "at least 12"),
            ("password1234", "common"),
            ("Password2024!", "common"),
            ("qwertyuiop123", "common"),
            ("bismillah12345", "common"),
            ("Sayangku2025!!", "common"),
            ("aaaaaaaaaaaaaaa", "repeated"),
            ("abababababab", "repeated"),
            ("123456789012", "sequential"),
            ("abcdefghijklm", "sequential"),
            ("9876543210987", "repeated or sequential"),
            ("waspada2026!!", "service"),
        ] {
            let refused = password_acceptable(password).expect_err(password);
            assert!(why.split(' ').any(|w| refused.contains(w)), "{password}: {refused}");
        }
        let personal = password_acceptable_for("budi.santoso.1990", &["budi.santoso", "Budi Santoso"]).unwrap_err();
        assert!(personal.contains("user name"), "{personal}");
        for good in ["kopi tubruk di pagi hari", "Jalan-Merdeka-17-Curup", "tXw9-rq2!Lm4e", "budi suka durian montong"]
        {
            assert_eq!(password_acceptable_for(good, &["budi"]), Ok(()), "{good}");
        }
        assert!(password_acceptable(&"x1".repeat(129)).is_err(), "longer than 256");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(hash.contains("$m=65536,t=3,p=1$"), "the tuned parameters: {hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }
}
