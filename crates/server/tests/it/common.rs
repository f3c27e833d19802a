//! The test harness: a router over a fresh store, users for every role, and a small request and
//! response vocabulary.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use waspada_server::roles::Role;
use waspada_server::{AppState, ServerConfig};
use waspada_store::{AuditContext, Store, StoreConfig};

/// Every test account has this password.
pub const PASSWORD: &str = "correct horse battery staple";

/// A purpose that the tests state when they read personal data.
pub const PURPOSE: &str = "pemeriksaan keberangkatan";

/// A well-formed token that was never issued.
pub const BAD_TOKEN: &str = "wsp_00000000000000000000000000000000000000000000000000000000deadbeef";

/// The password hash is the same for every account; Argon2 is slow, so compute it once.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    // A cheap Argon2id hash (1 MiB, 1 pass): the tests sign in hundreds of times in a debug
    // build. Verification reads the parameters from the hash, so the server's code path is the
    // same as with its own (64 MiB) hashes.
    HASH.get_or_init(|| {
        use argon2::password_hash::PasswordHasher;
        let params = argon2::Params::new(1024, 1, 1, None).expect("parameters");
        let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        hasher.hash_password(PASSWORD.as_bytes()).expect("hash the test password").to_string()
    })
}

/// The sign-in name of the test account with a role.
pub fn username(role: Role) -> String {
    format!("{}.test", role.name())
}

/// The router over a fresh store that holds one account per role and nothing else.
pub struct TestApp {
    router: axum::Router,
    dir: tempfile::TempDir,
    /// The same store the router uses (to issue partner tokens as an administrator would).
    store: Store,
    state: AppState,
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with_config(ServerConfig::default())
    }

    /// The router tests sign in many times a second as every role, and a TOTP code is accepted
    /// once per 30 s: so the second factor is not required here (`totp_roles` empty), and
    /// `auth::second_factor` tests it with `with_second_factor`.
    pub fn with_config(mut config: ServerConfig) -> TestApp {
        config.totp_roles.clear();
        TestApp::with_second_factor(config)
    }

    /// Like `with_config`, with the configuration's second-factor rules as given.
    pub fn with_second_factor(config: ServerConfig) -> TestApp {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        let store = Store::open(&StoreConfig::new(dir.path().join("data"))).expect("open the store");
        let setup = AuditContext::new("test", "setup").expect("audit context");
        for role in Role::ALL {
            let name = username(role);
            store
                .create_user(&name, &format!("Test {}", role.name()), role.name(), password_hash(), &setup)
                .expect("create a test user");
        }
        let state = AppState::new(store.clone(), config);
        let router = waspada_server::app(state.clone());
        TestApp { router, dir, store, state }
    }

    /// Requests arrive from this client address (as `waspada serve` reports it to handlers).
    pub fn with_client_address(mut self, addr: std::net::SocketAddr) -> TestApp {
        self.router = self.router.layer(axum::extract::connect_info::MockConnectInfo(addr));
        self
    }

    /// The store the router uses.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Starts what `waspada serve` runs beside the router: the counter-check index reload after
    /// retention runs.
    pub fn start_index_refresh(&self) {
        waspada_server::spawn_index_refresh(self.state.clone());
    }

    /// The store's data folder.
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Sends a request. Fails the test on any 5xx: no input may cause an internal error.
    pub async fn send(&self, request: Request<Body>) -> Resp {
        let what = format!("{} {}", request.method(), request.uri());
        let response = self.router.clone().oneshot(request).await.expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("read the response body").to_bytes().to_vec();
        let resp = Resp { status, headers, body };
        assert!(!status.is_server_error(), "{what} -> {status}: {}", resp.text());
        resp
    }

    /// Signs in through the API and returns the bearer token.
    pub async fn login(&self, role: Role) -> String {
        // Partners never sign in with a password: an administrator issues them a token.
        if role == Role::Partner {
            let context = AuditContext::new("test", "partner token").expect("audit context");
            return waspada_server::auth::issue_api_token(&self.store, &username(role), 30, &context)
                .expect("a partner token")
                .0;
        }
        let resp = self.send(Req::post("/api/v1/auth/login").json(&login_body(role)).build()).await;
        assert_eq!(resp.status, StatusCode::OK, "login as {}: {}", role.name(), resp.text());
        resp.json()["token"].as_str().expect("a token in the login response").to_owned()
    }

    /// Audit entries, newest first, read as a fresh supervisor session.
    pub async fn audit(&self) -> Vec<Value> {
        let token = self.login(Role::Supervisor).await;
        let resp = self.send(Req::get("/api/v1/audit?limit=1000").token(&token).build()).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
        resp.json().as_array().expect("an array of audit entries").clone()
    }
}

/// The sign-in body of the test account with a role.
pub fn login_body(role: Role) -> Value {
    json!({"username": username(role), "password": PASSWORD})
}

/// A request under construction.
pub struct Req {
    builder: axum::http::request::Builder,
    body: Body,
}

impl Req {
    pub fn new(method: Method, uri: &str) -> Req {
        Req { builder: Request::builder().method(method).uri(uri), body: Body::empty() }
    }

    pub fn get(uri: &str) -> Req {
        Req::new(Method::GET, uri)
    }

    pub fn post(uri: &str) -> Req {
        Req::new(Method::POST, uri)
    }

    pub fn token(self, token: &str) -> Req {
        self.header(AUTHORIZATION.as_str(), &format!("Bearer {token}"))
    }

    pub fn purpose(self, purpose: &str) -> Req {
        self.header("x-purpose", purpose)
    }

    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.builder = self.builder.header(name, value);
        self
    }

    pub fn json(self, value: &Value) -> Req {
        self.raw("application/json", value.to_string().into_bytes())
    }

    /// A body with the given content type (none when empty).
    pub fn raw(mut self, content_type: &str, body: Vec<u8>) -> Req {
        if !content_type.is_empty() {
            self.builder = self.builder.header(CONTENT_TYPE, content_type);
        }
        self.body = Body::from(body);
        self
    }

    pub fn build(self) -> Request<Body> {
        self.builder.body(self.body).expect("a well-formed request")
    }
}

/// A collected response.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; fails the test when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("expected a JSON body ({e}), got {}: {:?}", self.status, self.text()))
    }

    /// Checks the status and that the body is the app's JSON error with this code, with a message
    /// in Indonesian and one in English.
    pub fn check_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        let content_type = self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(content_type.starts_with("application/json"), "content type {content_type:?}: {}", self.text());
        let body = self.json();
        assert_eq!(body["error"], code, "{body}");
        let message = body["message"].as_str().unwrap_or("");
        let message_en = body["message_en"].as_str().unwrap_or("");
        assert!(!message.is_empty() && !message_en.is_empty(), "both messages are required: {body}");
        assert_ne!(message, message_en, "the Indonesian message must not be the English one: {body}");
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
