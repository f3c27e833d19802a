//! TLS for `waspada serve`: the office's certificate, or a self-signed one made on first start.
//!
//! A self-signed certificate is kept in the data folder (`tls/cert.pem`, and `tls/key.pem` with
//! mode 0600) so that its fingerprint stays the same across restarts: officers' browsers are told
//! the fingerprint once (it is printed at every start) and can pin it.

use std::io;
use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256};

/// Where the certificate and its private key are (PEM files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The self-signed certificate in `dir` (`cert.pem`, `key.pem`), made now if it is not there yet,
/// for these host names and addresses. Returns the files and whether they were just made.
pub fn self_signed(dir: &Path, names: &[String]) -> io::Result<(TlsFiles, bool)> {
    let files = TlsFiles { cert: dir.join("cert.pem"), key: dir.join("key.pem") };
    match (files.cert.exists(), files.key.exists()) {
        (true, true) => return Ok((files, false)),
        (false, false) => {}
        _ => {
            return Err(io::Error::other(format!(
                "{} holds only one of cert.pem and key.pem: restore the other or remove both to make a new pair",
                dir.display()
            )));
        }
    }
    let made = rcgen::generate_simple_self_signed(names.to_vec())
        .map_err(|e| io::Error::other(format!("cannot make a self-signed certificate: {e}")))?;
    std::fs::create_dir_all(dir)?;
    write_new(&files.key, made.signing_key.serialize_pem().as_bytes(), 0o600)?;
    write_new(&files.cert, made.cert.pem().as_bytes(), 0o644)?;
    Ok((files, true))
}

fn write_new(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// The SHA-256 fingerprint of the first (leaf) certificate in a PEM file, as browsers show it:
/// upper-case hex pairs joined by colons.
pub fn fingerprint(cert_pem: &Path) -> io::Result<String> {
    let der = CertificateDer::pem_file_iter(cert_pem)
        .map_err(|e| io::Error::other(format!("cannot read {}: {e}", cert_pem.display())))?
        .next()
        .ok_or_else(|| io::Error::other(format!("{} holds no certificate", cert_pem.display())))?
        .map_err(|e| io::Error::other(format!("{}: {e}", cert_pem.display())))?;
    let digest = Sha256::digest(der.as_ref());
    Ok(digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":"))
}

/// The rustls configuration for axum-server. Uses the `ring` provider (installed once per
/// process; a provider installed earlier by someone else is kept).
pub async fn rustls_config(files: &TlsFiles) -> io::Result<axum_server::tls_rustls::RustlsConfig> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key).await.map_err(|e| {
        io::Error::other(format!("cannot use {} and {}: {e}", files.cert.display(), files.key.display()))
    })?;
    // HTTP/1.1 only (see `limit_slow_clients`): offer no h2 in ALPN, so no browser chooses it.
    let mut inner = (*config.get_inner()).clone();
    inner.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.reload_from_config(std::sync::Arc::new(inner));
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_pair_is_made_once_with_a_private_key_and_a_stable_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let tls = dir.path().join("tls");
        let (files, created) = self_signed(&tls, &["localhost".into(), "127.0.0.1".into()]).unwrap();
        assert!(created);
        let first = fingerprint(&files.cert).unwrap();
        assert_eq!(first.len(), 32 * 3 - 1, "{first}");
        let (again, created) = self_signed(&tls, &["localhost".into()]).unwrap();
        assert!(!created);
        assert_eq!(again, files);
        assert_eq!(fingerprint(&again.cert).unwrap(), first, "kept across restarts");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files.key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        std::fs::remove_file(&files.key).unwrap();
        let half = self_signed(&tls, &["localhost".into()]).unwrap_err();
        assert!(half.to_string().contains("only one of"), "{half}");
    }

    #[test]
    fn a_file_without_a_certificate_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cert.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        assert!(fingerprint(&path).unwrap_err().to_string().contains("no certificate"));
    }
}
