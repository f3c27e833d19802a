//! `waspada serve` over TLS: a self-signed certificate made on first start, its fingerprint
//! printed and stable, HSTS and `Secure` cookies; plain HTTP refused off loopback; and
//! connections that trickle their headers (slowloris) closed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::{Guard, Store, arg, check, command, free_port};

/// Starts `waspada serve --tls-self-signed` and returns it with the fingerprint it printed.
fn start(store: &Store, addr: SocketAddr) -> (Guard, String) {
    let mut child = command(&["serve", "--data", arg(&store.data()), "--addr", &addr.to_string(), "--tls-self-signed"])
        .env("WASPADA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start waspada serve");
    let stderr = child.stderr.take().expect("stderr");
    let server = Guard(child);
    let mut fingerprint = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr line");
        if let Some(at) = line.find("SHA-256 ") {
            fingerprint = line[at + 8..].trim_end_matches(')').to_owned();
        }
        if line.contains("listening on https://") {
            break;
        }
    }
    assert_eq!(fingerprint.len(), 95, "a printed SHA-256 fingerprint: {fingerprint:?}");
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "waspada serve did not start on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, fingerprint)
}

/// Trusts exactly one certificate, by its SHA-256 fingerprint (what an officer's browser does
/// once the fingerprint printed by the server has been checked), and checks signatures properly.
#[derive(Debug)]
struct Pinned {
    fingerprint: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen: Vec<String> = Sha256::digest(end_entity.as_ref()).iter().map(|b| format!("{b:02X}")).collect();
        if seen.join(":") == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("certificate fingerprint differs from the pinned one".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// One HTTPS GET with the certificate pinned; returns the raw response (head and body).
fn get(addr: SocketAddr, fingerprint: &str, path: &str) -> Result<String, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned { fingerprint: fingerprint.to_owned(), provider }))
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let connection = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let socket = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    socket.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(connection, socket);
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    match tls.read_to_end(&mut response) {
        Ok(_) => {}
        // Some servers close without a TLS close_notify; what arrived is still the response.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !response.is_empty() => {}
        Err(e) => return Err(e.to_string()),
    }
    Ok(String::from_utf8_lossy(&response).into_owned())
}

#[test]
fn serve_over_tls_with_a_stable_self_signed_certificate_hsts_and_secure_cookies() {
    let store = Store::new();
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let (server, fingerprint) = start(&store, addr);
    // The server signs the audit chain's head when it starts (and every 5 minutes after).
    let anchor = store.data().join("audit-checkpoints.jsonl");
    let started = Instant::now();
    while !std::fs::read_to_string(&anchor).is_ok_and(|text| text.contains("\"signature\"")) {
        assert!(started.elapsed() < Duration::from_secs(20), "no audit checkpoint at start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let health = get(addr, &fingerprint, "/healthz").expect("HTTPS with the printed fingerprint");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.to_ascii_lowercase().contains("strict-transport-security: max-age=31536000"), "{health}");
    let login = get(addr, &fingerprint, "/login").expect("the sign-in page");
    let cookie = login
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: waspada_login_csrf="))
        .unwrap_or_else(|| panic!("a sign-in cookie in {login}"));
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
    // Another certificate (a wrong pin) is refused by the client: the pin means something.
    let wrong = "00:".repeat(31) + "00";
    assert!(get(addr, &wrong, "/healthz").is_err());
    // Plain HTTP to the TLS port gets no page.
    let mut plain = TcpStream::connect(addr).unwrap();
    plain.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
    drop(server);

    // A restart keeps the certificate: the pinned fingerprint still holds.
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let (_server, again) = start(&store, addr);
    assert_eq!(again, fingerprint);
    assert!(get(addr, &fingerprint, "/healthz").is_ok());
}

#[test]
fn plain_http_off_loopback_is_refused_without_a_certificate() {
    let store = Store::new();
    let port = free_port().to_string();
    let run = store.run("serve", &["--addr", &format!("0.0.0.0:{port}")]);
    check(&run, 1, &["refusing plain HTTP", "--tls-self-signed"]);
    let half = store.run("serve", &["--addr", "127.0.0.1:1", "--tls-cert", "/nonexistent.pem"]);
    assert_ne!(half.code, Some(0), "a certificate without its key is refused: {}", half.describe());
}

/// Slowloris: a client that trickles its request headers is cut off after `--header-timeout`,
/// while the server keeps answering others at once.
#[test]
fn connections_that_trickle_their_headers_are_closed() {
    let store = Store::new();
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let child = command(&["serve", "--data", arg(&store.data()), "--addr", &addr.to_string(), "--header-timeout", "2"])
        .env("WASPADA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start waspada serve");
    let _server = Guard(child);
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "waspada serve did not start on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let plain_get = |path: &str| -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    };
    // Trickled HTTP/1 headers, a connection that sends nothing, and an HTTP/2 preface cut short.
    let mut slow: Vec<TcpStream> = (0..21)
        .map(|n| {
            let mut stream = TcpStream::connect(addr).unwrap();
            match n % 3 {
                0 => stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap(),
                1 => {}
                _ => stream.write_all(b"PRI * HTTP/2.0\r\n").unwrap(),
            }
            stream
        })
        .collect();
    // One header line a second: never a complete request.
    let trickle_started = Instant::now();
    let mut closed_after = None;
    for second in 0..8 {
        std::thread::sleep(Duration::from_secs(1));
        let answer = plain_get("/healthz");
        assert!(answer.starts_with("HTTP/1.1 200"), "others are served at once: {answer}");
        // Only the HTTP/1 ones trickle on; the silent ones stay silent.
        for stream in slow.iter_mut().step_by(3) {
            // A write to a connection the server closed may fail; what counts is the read below.
            let _ = stream.write_all(format!("X-Slow-{second}: 1\r\n").as_bytes());
        }
        // An open connection has nothing to read yet (the read times out); a closed one reads
        // end-of-file or fails with a reset.
        let mut all_closed = true;
        for stream in &mut slow {
            stream.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
            let mut buffer = [0u8; 256];
            if let Err(e) = stream.read(&mut buffer)
                && matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
            {
                all_closed = false;
            }
        }
        if all_closed {
            closed_after = Some(trickle_started.elapsed());
            break;
        }
    }
    let closed_after = closed_after.expect("the trickling connections are closed");
    assert!(closed_after < Duration::from_secs(6), "closed after {closed_after:?}, with a 2 s header timeout");
}
