//! Waspada's HTTP server: the versioned JSON API (`/api/v1/...`, described at
//! `/api/v1/openapi.json`), authentication, roles, and audited access to personal data.
//!
//! Main items: [`app`] builds the router from an [`AppState`] (tests drive it with `oneshot`, no
//! socket); [`serve`] binds and runs it. Feature modules each expose `router()`.
//!
//! Why this shape: handlers extract, call the store inside `spawn_blocking` (the store is
//! synchronous), and convert to DTOs (`dto`), which are the only wire types. Every route that
//! touches personal data requires a [`auth::CurrentUser`] with the right [`roles::Permission`]
//! and a [`auth::Purpose`], and the store records the access in the audit chain.
#![deny(missing_docs)]

pub mod api;
pub mod auth;
pub mod breach;
pub mod cases;
pub mod checks;
pub mod dto;
pub mod error;
pub mod pseudonyms;
pub mod public;
pub mod roles;
pub mod subject;
pub mod tls;
pub mod totp;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::{OpenApi, ToSchema};
use waspada_store::Store;

use crate::error::InternalDetail;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Listen address.
    pub addr: SocketAddr,
    /// Lifetime of a sign-in token.
    pub token_ttl: chrono::Duration,
    /// Largest accepted request body.
    pub body_limit: usize,
    /// Longest a request may take.
    pub request_timeout: Duration,
    /// Longest a client may take to send a request's headers (slowloris-style connections that
    /// trickle them are closed after this).
    pub header_timeout: Duration,
    /// The indicator policy (default: the shipped `policy/indicators.toml`).
    pub policy: Option<waspada_risk::Policy>,
    /// A web session unused this long ends (the sign-in token is revoked).
    pub web_idle: Duration,
    /// Serve HTTPS with this certificate; cookies are then `Secure` and responses carry HSTS.
    pub tls: Option<tls::TlsFiles>,
    /// How often the audit chain's head is signed (a checkpoint, see `Store::audit_checkpoint`).
    pub audit_checkpoint_every: Duration,
    /// How often to look whether retention deleted traveller records (in any process), to reload
    /// the counter-check index without them.
    pub index_refresh_every: Duration,
    /// Limits and proof-of-work costs of the citizens' app.
    pub public: public::PublicConfig,
    /// Roles that must sign in with a second factor (TOTP); accounts that enrolled one always do.
    pub totp_roles: Vec<roles::Role>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token_ttl: chrono::Duration::hours(12),
            body_limit: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            header_timeout: Duration::from_secs(10),
            policy: None,
            web_idle: Duration::from_secs(30 * 60),
            tls: None,
            audit_checkpoint_every: Duration::from_secs(5 * 60),
            index_refresh_every: Duration::from_secs(30),
            public: public::PublicConfig::default(),
            totp_roles: vec![roles::Role::Supervisor, roles::Role::Admin, roles::Role::SeniorOfficer],
        }
    }
}

/// The shipped policy. It is compiled in and checked by the risk crate's tests, so failing to
/// parse it here is a build defect; an empty policy (no indicators) is the safe fallback.
fn default_policy() -> waspada_risk::Policy {
    waspada_risk::Policy::default_policy().unwrap_or_else(|error| {
        tracing::error!(%error, "the shipped policy does not parse; running without indicators");
        waspada_risk::Policy {
            version: "empty".into(),
            effective_from: chrono::NaiveDate::MIN,
            scale: 1.0,
            bias: -4.0,
            interview_at: 0.35,
            supervisor_at: 0.75,
            indicators: Vec::new(),
        }
    })
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The record store.
    pub store: Store,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Recently validated tokens, so a request does not cost a database read to authenticate.
    pub sessions: auth::SessionCache,
    /// Watchlist index, risk facts and policy for the counter check.
    pub engine: checks::SharedEngine,
    /// One-time tokens of decision forms already submitted.
    pub web_nonces: web::UsedNonces,
    /// When each web session was last used (for the idle timeout).
    pub web_seen: web::LastSeen,
    /// Failed sign-ins per account (back-off).
    pub sign_ins: auth::SignInThrottle,
    /// Sign-in attempts per client address (credential stuffing).
    pub sign_in_addresses: auth::AddressThrottle,
    /// Slots for password hashing (see `auth::HASHING_AT_ONCE`).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Challenges and rate limits of the citizens' app.
    pub public: Arc<public::PublicState>,
}

impl AppState {
    /// State for a store and settings.
    pub fn new(store: Store, config: ServerConfig) -> AppState {
        let policy = config.policy.clone().unwrap_or_else(default_policy);
        let engine = Arc::new(std::sync::RwLock::new(checks::Engine::new(policy)));
        AppState {
            store,
            config: Arc::new(config),
            sessions: auth::SessionCache::default(),
            engine,
            web_nonces: web::UsedNonces::default(),
            web_seen: web::LastSeen::default(),
            sign_ins: auth::SignInThrottle::default(),
            sign_in_addresses: auth::AddressThrottle::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(auth::HASHING_AT_ONCE)),
            public: Arc::default(),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Waspada API", description = "Traveller records, watchlists and MRZ checks for the immigration office. Every request for personal data needs a bearer token and a purpose (X-Purpose header).", version = "1"),
    paths(
        auth::login, auth::logout, auth::me,
        api::document_status, api::person_by_nik, api::person_by_id, api::persons_by_name, api::timeline, api::documents_by_number, api::watchlist_search,
        api::post_persons, api::post_documents, api::post_applications, api::post_crossings, api::post_watchlist,
        api::mrz_check, api::audit_list, api::audit_verify, checks::check, checks::decide, healthz,
        public::get_config, public::get_regions, public::challenge, public::post_report, public::post_photo,
        public::post_addition, public::get_status, public::post_lapor_diri, public::put_lapor_diri,
        public::post_check_in, public::post_close, public::post_lookup, public::post_sos,
        cases::get_queue, cases::get_report, cases::get_photo, cases::post_status, cases::post_link, cases::list_cases,
        cases::post_case, cases::get_case, cases::post_case_reports, cases::post_party, cases::post_entry,
        cases::post_entry_status, cases::post_close,
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

/// Health status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: &'static str,
}

/// Liveness and readiness: 200 when the database answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.ping()).await {
        Ok(Ok(())) => Json(Health { status: "ok" }).into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable" })).into_response(),
    }
}

async fn not_found() -> error::AppError {
    error::AppError::NotFound
}

async fn method_not_allowed() -> error::AppError {
    error::AppError::MethodNotAllowed
}

/// Headers every response carries: no MIME sniffing, no referrer, no framing. Under TLS also
/// HSTS, and every cookie is marked `Secure` here, in one place, so that no cookie set anywhere in
/// the app can travel over plain HTTP.
fn security_headers(mut response: Response, tls: bool) -> Response {
    use axum::http::HeaderValue;
    let headers = response.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if tls {
        headers.insert("strict-transport-security", HeaderValue::from_static("max-age=31536000"));
        let cookies: Vec<HeaderValue> = headers.get_all(axum::http::header::SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            headers.remove(axum::http::header::SET_COOKIE);
            for cookie in cookies {
                let secure = match cookie.to_str() {
                    Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                        HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
                    }
                    _ => cookie,
                };
                headers.append(axum::http::header::SET_COOKIE, secure);
            }
        }
    }
    response
}

/// Builds the application router.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let tls = state.config.tls.is_some();
    let timeout = state.config.request_timeout;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(auth::router())
        .merge(api::router())
        .merge(web::router(state.clone()))
        .merge(public::router())
        .merge(cases::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(axum::middleware::map_response(move |response: Response| async move { security_headers(response, tls) }))
        // axum's extractors apply their own 2 MiB default on top of the layer below; without this
        // a configured limit above 2 MiB would be ignored for JSON bodies.
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(
            // Spans record the route pattern, never the raw URI: paths can hold a NIK or a
            // document number.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request.extensions().get::<MatchedPath>().map_or("<unmatched>", MatchedPath::as_str);
                    tracing::info_span!("request", method = %request.method(), route = %route)
                })
                .on_response(|response: &Response, latency: Duration, _span: &tracing::Span| {
                    if let Some(InternalDetail(detail)) = response.extensions().get::<InternalDetail>() {
                        tracing::error!(status = %response.status(), ?latency, %detail, "request failed");
                    } else {
                        tracing::debug!(status = %response.status(), ?latency, "response");
                    }
                }),
        )
}

/// Loads the counter-check index from the store and records the policy in force in the audit
/// log (so every policy change is on record).
pub fn load_engine(state: &AppState) -> Result<(), waspada_store::Error> {
    let policy = state.config.policy.clone().unwrap_or_else(default_policy);
    let started = std::time::Instant::now();
    let engine = checks::Engine::load(&state.store, policy.clone())?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "counter-check index loaded");
    let context = waspada_store::AuditContext::new("system:policy", "indicator policy in force")?;
    state.store.record_audit(
        &context,
        "policy.load",
        &format!("policy:{}", policy.version),
        &format!("indicators={}", policy.indicators.iter().filter(|i| i.weight != 0.0).count()),
    )?;
    if let Ok(mut slot) = state.engine.write() {
        *slot = engine;
    }
    Ok(())
}

/// Binds the address and serves until Ctrl-C or SIGTERM.
pub async fn serve(store: Store, config: ServerConfig) -> std::io::Result<()> {
    let addr = config.addr;
    let state = AppState::new(store, config);
    let loading = state.clone();
    tokio::task::spawn_blocking(move || load_engine(&loading))
        .await
        .map_err(std::io::Error::other)?
        .map_err(std::io::Error::other)?;
    spawn_audit_checkpoints(state.store.clone(), state.config.audit_checkpoint_every);
    spawn_index_refresh(state.clone());
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        stopping.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    let header_timeout = state.config.header_timeout;
    let service = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let Some(files) = state.config.tls.clone() else {
        tracing::info!(%addr, "listening (HTTP)");
        return limit_slow_clients(axum_server::bind(addr), header_timeout).handle(handle).serve(service).await;
    };
    let rustls = tls::rustls_config(&files).await?;
    tracing::info!(%addr, "listening (HTTPS)");
    // The TLS handshake has its own 10-second limit (axum-server's default).
    let server = axum_server::bind(addr).acceptor(axum_server::tls_rustls::RustlsAcceptor::new(rustls));
    limit_slow_clients(server, header_timeout).handle(handle).serve(service).await
}

/// Closes connections whose request headers do not arrive within `header_timeout` (hyper's header
/// read timeout, which needs a timer to take effect; `axum::serve` sets none), including those
/// that send nothing at all ([`FirstBytes`]). HTTP/1.1 only: the automatic HTTP/2 detection would
/// first wait for the connection preface with no time limit, and HTTP/2 has no header timeout.
/// Bodies are bounded by the request timeout layer in [`app`].
fn limit_slow_clients<Acceptor>(
    server: axum_server::Server<SocketAddr, Acceptor>,
    header_timeout: Duration,
) -> axum_server::Server<SocketAddr, FirstBytes<Acceptor>> {
    let mut server = server.http1_only().map(|inner| FirstBytes { inner, wait: header_timeout });
    server.http_builder().http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
    server
}

/// In front of the real acceptor (plain or TLS): a connection must send its first bytes within
/// `wait` (hyper's header timer only starts once something has arrived), and one that opens with
/// the HTTP/2 preface is closed at once (only HTTP/1.1 is served).
#[derive(Clone)]
struct FirstBytes<A> {
    inner: A,
    wait: Duration,
}

impl<A, S> axum_server::accept::Accept<tokio::net::TcpStream, S> for FirstBytes<A>
where
    A: axum_server::accept::Accept<tokio::net::TcpStream, S> + Clone + Send + Sync + 'static,
    A::Future: Send,
    S: Send + 'static,
{
    type Stream = A::Stream;
    type Service = A::Service;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<(A::Stream, A::Service)>> + Send>>;

    fn accept(&self, stream: tokio::net::TcpStream, service: S) -> Self::Future {
        let (inner, wait) = (self.inner.clone(), self.wait);
        Box::pin(async move {
            let mut first = [0u8; 3];
            let seen = tokio::time::timeout(wait, stream.peek(&mut first))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no request"))??;
            if seen == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if &first[..seen] == b"PRI" {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "HTTP/2 is not served"));
            }
            inner.accept(stream, service).await
        })
    }
}

/// Signs the audit chain's head at a fixed interval while the server runs (nothing is signed when
/// no entry was added since the last checkpoint).
fn spawn_audit_checkpoints(store: Store, every: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let store = store.clone();
            match tokio::task::spawn_blocking(move || store.audit_checkpoint()).await {
                Ok(Ok(Some(checkpoint))) => tracing::info!(seq = checkpoint.seq, "audit checkpoint signed"),
                Ok(Ok(None)) => {}
                Ok(Err(error)) => tracing::error!(%error, "audit checkpoint failed"),
                Err(error) => tracing::error!(%error, "audit checkpoint task failed"),
            }
        }
    });
}

/// Reloads the counter-check index when a retention run has deleted traveller records since the
/// last look, so that the check never shows a shredded person (the old index serves meanwhile).
pub fn spawn_index_refresh(state: AppState) {
    tokio::spawn(async move {
        let mark = |state: &AppState| state.store.traveller_shred_mark().ok().filter(|mark| !mark.is_empty());
        let mut seen = {
            let state = state.clone();
            tokio::task::spawn_blocking(move || mark(&state)).await.ok().flatten()
        };
        let mut ticks = tokio::time::interval(state.config.index_refresh_every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let looking = state.clone();
            let Ok(now) = tokio::task::spawn_blocking(move || {
                // New traveller keys follow the period of the last run, wherever it ran.
                if let Err(error) = looking.store.refresh_retention_period() {
                    tracing::warn!(%error, "cannot read the retention period");
                }
                mark(&looking)
            })
            .await
            else {
                continue;
            };
            if now.is_none() || now == seen {
                continue;
            }
            let loading = state.clone();
            match tokio::task::spawn_blocking(move || load_engine(&loading)).await {
                Ok(Ok(())) => {
                    tracing::info!("counter-check index reloaded after a retention run");
                    seen = now;
                }
                Ok(Err(error)) => tracing::error!(%error, "reloading the counter-check index failed"),
                Err(error) => tracing::error!(%error, "reloading the counter-check index failed"),
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
