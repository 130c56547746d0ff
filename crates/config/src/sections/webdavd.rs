//! The `webdavd` section: the WebDAV server.

use serde::{Deserialize, Serialize};

use super::cors::CorsConfig;

/// `webdavd`: WebDAV listener settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebdavdConfig {
    /// Listeners; WebDAV is disabled by default (port 0).
    pub bindings: Vec<WebdavdBinding>,
    /// Global TLS certificate.
    pub certificate_file: String,
    /// Global TLS private key.
    pub certificate_key_file: String,
    /// CA certificates used to verify client certificates.
    pub ca_certificates: Vec<String>,
    /// Certificate revocation lists.
    pub ca_revocation_lists: Vec<String>,
    /// CORS options.
    pub cors: CorsConfig,
    /// User and MIME type caches.
    pub cache: WebdavCache,
}

impl Default for WebdavdConfig {
    fn default() -> Self {
        Self {
            bindings: vec![WebdavdBinding::default()],
            certificate_file: String::new(),
            certificate_key_file: String::new(),
            ca_certificates: Vec::new(),
            ca_revocation_lists: Vec::new(),
            cors: CorsConfig::default(),
            cache: WebdavCache::default(),
        }
    }
}

/// One element of `webdavd.bindings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebdavdBinding {
    /// TCP port (0 disables the binding).
    pub port: u16,
    /// Listen address (empty = all interfaces).
    pub address: String,
    /// Serve HTTPS.
    pub enable_https: bool,
    /// Per-binding certificate.
    pub certificate_file: String,
    /// Per-binding private key.
    pub certificate_key_file: String,
    /// Minimum TLS version: 10, 11, 12 or 13.
    pub min_tls_version: i64,
    /// 0 no client certs, 1 require and verify, 2 verify if given.
    pub client_auth_type: i64,
    /// TLS 1.2 and lower cipher suites.
    pub tls_cipher_suites: Vec<String>,
    /// ALPN protocols (empty = `http/1.1`, `h2`).
    pub tls_protocols: Vec<String>,
    /// URL prefix, e.g. `/dav`.
    pub prefix: String,
    /// 1 = take the client address from the PROXY protocol instead of headers.
    pub proxy_mode: i64,
    /// Proxies allowed to set `client_ip_proxy_header`.
    pub proxy_allowed: Vec<String>,
    /// Header carrying the client IP, e.g. `X-Forwarded-For`.
    pub client_ip_proxy_header: String,
    /// Which value of a multi-value header to use, counted from the right.
    pub client_ip_header_depth: i64,
    /// Omit `WWW-Authenticate` on 401 responses.
    pub disable_www_auth_header: bool,
}

impl Default for WebdavdBinding {
    fn default() -> Self {
        Self {
            port: 0,
            address: String::new(),
            enable_https: false,
            certificate_file: String::new(),
            certificate_key_file: String::new(),
            min_tls_version: 12,
            client_auth_type: 0,
            tls_cipher_suites: Vec::new(),
            tls_protocols: Vec::new(),
            prefix: String::new(),
            proxy_mode: 0,
            proxy_allowed: Vec::new(),
            client_ip_proxy_header: String::new(),
            client_ip_header_depth: 0,
            disable_www_auth_header: false,
        }
    }
}

/// `webdavd.cache`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebdavCache {
    /// Cache of authenticated users.
    pub users: UsersCache,
    /// Cache of MIME types by extension.
    pub mime_types: MimeTypesCache,
}

/// `webdavd.cache.users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UsersCache {
    /// Minutes a cached user stays valid (0 = no expiry).
    pub expiration_time: i64,
    /// Maximum cached users (0 = unlimited).
    pub max_size: i64,
}

impl Default for UsersCache {
    fn default() -> Self {
        Self { expiration_time: 0, max_size: 50 }
    }
}

/// `webdavd.cache.mime_types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MimeTypesCache {
    /// Whether MIME types are cached.
    pub enabled: bool,
    /// Maximum cached entries.
    pub max_size: i64,
    /// Extension to MIME type mappings that take precedence.
    pub custom_mappings: Vec<MimeMapping>,
}

impl Default for MimeTypesCache {
    fn default() -> Self {
        Self { enabled: true, max_size: 1000, custom_mappings: Vec::new() }
    }
}

/// One element of `webdavd.cache.mime_types.custom_mappings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MimeMapping {
    /// File extension including the dot, e.g. `.json`.
    pub ext: String,
    /// MIME type, e.g. `application/json`.
    pub mime: String,
}
