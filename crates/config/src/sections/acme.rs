//! The `acme` section: automatic certificates from an ACME CA.

use serde::{Deserialize, Serialize};

/// `acme`: certificate issuance and renewal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AcmeConfig {
    /// Domains to obtain certificates for (empty disables ACME).
    pub domains: Vec<String>,
    /// Account e-mail.
    pub email: String,
    /// `2048`, `3072`, `4096`, `8192` (RSA) or `P256`, `P384` (EC).
    pub key_type: String,
    /// Where certificates are stored (relative to the config dir).
    pub certs_path: String,
    /// ACME directory URL.
    pub ca_endpoint: String,
    /// Renew when the certificate expires within this many days.
    pub renew_days: i64,
    /// HTTP-01 challenge settings.
    pub http01_challenge: Http01Challenge,
    /// TLS-ALPN-01 challenge settings.
    pub tls_alpn01_challenge: TlsAlpn01Challenge,
}

impl Default for AcmeConfig {
    fn default() -> Self {
        Self {
            domains: Vec::new(),
            email: String::new(),
            key_type: "4096".to_owned(),
            certs_path: "certs".to_owned(),
            ca_endpoint: "https://acme-v02.api.letsencrypt.org/directory".to_owned(),
            renew_days: 30,
            http01_challenge: Http01Challenge::default(),
            tls_alpn01_challenge: TlsAlpn01Challenge::default(),
        }
    }
}

/// `acme.http01_challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Http01Challenge {
    /// Port of the built-in challenge listener.
    pub port: u16,
    /// Header checked behind a reverse proxy (empty = Host).
    pub proxy_header: String,
    /// External webroot used instead of the built-in listener.
    pub webroot: String,
}

impl Default for Http01Challenge {
    fn default() -> Self {
        Self { port: 80, proxy_header: String::new(), webroot: String::new() }
    }
}

/// `acme.tls_alpn01_challenge`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsAlpn01Challenge {
    /// Listener port (0 disables this challenge).
    pub port: u16,
}
