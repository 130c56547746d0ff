//! TLS settings of the hook HTTP client: the system's trusted roots plus `http.ca_certificates`,
//! an optional client certificate (`http.certificates`) and `http.skip_tls_verify`. Only the
//! aws-lc-rs crypto provider is used.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use wharf_config::HttpClientConfig;

use super::HookError;

fn config_error(message: String) -> HookError {
    HookError::HttpConfig(message)
}

fn resolve(config_dir: &Path, key: &str, value: &str) -> Result<PathBuf, HookError> {
    wharf_config::resolve_path(config_dir, value)
        .ok_or_else(|| config_error(format!("{key}: {value:?} is not a file path")))
}

fn load_certs(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>, HookError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| config_error(format!("{key}: cannot read certificates from {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(config_error(format!("{key}: {} holds no PEM certificate", path.display())));
    }
    Ok(certs)
}

/// Builds the rustls client configuration from `http`.
pub(crate) fn client_config(config: &HttpClientConfig, config_dir: &Path) -> Result<Arc<ClientConfig>, HookError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error(format!("TLS protocol versions: {e}")))?;

    let builder = if config.skip_tls_verify {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider)))
    } else {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        if !native.errors.is_empty() {
            tracing::debug!(errors = native.errors.len(), "some system CA certificates could not be loaded");
        }
        let (added, _ignored) = roots.add_parsable_certificates(native.certs);
        if added == 0 && config.ca_certificates.is_empty() {
            tracing::warn!("no system CA certificates found; HTTPS hooks will fail unless http.ca_certificates is set");
        }
        for (i, value) in config.ca_certificates.iter().enumerate() {
            let key = format!("http.ca_certificates[{i}]");
            let path = resolve(config_dir, &key, value)?;
            for cert in load_certs(&path, &key)? {
                roots
                    .add(cert)
                    .map_err(|e| config_error(format!("{key}: invalid CA certificate in {}: {e}", path.display())))?;
            }
        }
        builder.with_root_certificates(roots)
    };

    let mut pairs = config.certificates.iter().enumerate().filter(|(_, p)| !p.cert.is_empty() || !p.key.is_empty());
    let tls = match pairs.next() {
        None => builder.with_no_client_auth(),
        Some((i, pair)) => {
            if pairs.next().is_some() {
                tracing::warn!("http.certificates has several entries; only the first one is used");
            }
            let cert_key = format!("http.certificates[{i}].cert");
            let key_key = format!("http.certificates[{i}].key");
            let chain = load_certs(&resolve(config_dir, &cert_key, &pair.cert)?, &cert_key)?;
            let key_path = resolve(config_dir, &key_key, &pair.key)?;
            // The error text of the PEM reader never includes key material.
            let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| {
                config_error(format!("{key_key}: cannot read a private key from {}: {e}", key_path.display()))
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| config_error(format!("http.certificates[{i}]: {e}")))?
        }
    };
    Ok(Arc::new(tls))
}

/// `skip_tls_verify`: any server certificate is accepted; handshake signatures are still checked.
#[derive(Debug)]
struct AcceptAnyServerCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
