//! The `httpd` section: REST API, WebAdmin and WebClient.

use serde::{Deserialize, Serialize};

use super::cors::CorsConfig;

/// `httpd`: HTTP listener settings and web UI resources.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpdConfig {
    /// Listeners.
    pub bindings: Vec<HttpdBinding>,
    /// Web UI templates directory.
    pub templates_path: String,
    /// Web UI static files directory.
    pub static_files_path: String,
    /// OpenAPI schema and Swagger UI directory.
    pub openapi_path: String,
    /// URL prefix for everything served.
    pub web_root: String,
    /// Global TLS certificate.
    pub certificate_file: String,
    /// Global TLS private key.
    pub certificate_key_file: String,
    /// CA certificates used to verify client certificates.
    pub ca_certificates: Vec<String>,
    /// Certificate revocation lists.
    pub ca_revocation_lists: Vec<String>,
    /// Secret used to sign tokens (empty = random at each start).
    pub signing_passphrase: String,
    /// File to read the signing passphrase from.
    pub signing_passphrase_file: String,
    /// Bits: 1 do not bind tokens to the client IP, 2 invalidate tokens on account updates.
    pub token_validation: i64,
    /// Web session lifetime in minutes.
    pub cookie_lifetime: i64,
    /// Share session lifetime in minutes.
    pub share_cookie_lifetime: i64,
    /// REST API token lifetime in minutes.
    pub jwt_lifetime: i64,
    /// Maximum upload body size in bytes (0 = unlimited).
    pub max_upload_file_size: i64,
    /// CORS options.
    pub cors: CorsConfig,
    /// First-run setup options.
    pub setup: SetupConfig,
    /// Hide the support link in the web UIs.
    pub hide_support_link: bool,
}

impl Default for HttpdConfig {
    fn default() -> Self {
        Self {
            bindings: vec![HttpdBinding::default()],
            templates_path: "templates".to_owned(),
            static_files_path: "static".to_owned(),
            openapi_path: "openapi".to_owned(),
            web_root: String::new(),
            certificate_file: String::new(),
            certificate_key_file: String::new(),
            ca_certificates: Vec::new(),
            ca_revocation_lists: Vec::new(),
            signing_passphrase: String::new(),
            signing_passphrase_file: String::new(),
            token_validation: 0,
            cookie_lifetime: 20,
            share_cookie_lifetime: 120,
            jwt_lifetime: 20,
            max_upload_file_size: 0,
            cors: CorsConfig::default(),
            setup: SetupConfig::default(),
            hide_support_link: false,
        }
    }
}

/// One element of `httpd.bindings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpdBinding {
    /// TCP port (0 disables the binding).
    pub port: u16,
    /// Listen address; an absolute path means a UNIX socket.
    pub address: String,
    /// Serve the WebAdmin UI.
    pub enable_web_admin: bool,
    /// Serve the WebClient UI.
    pub enable_web_client: bool,
    /// Serve the REST API.
    pub enable_rest_api: bool,
    /// Deprecated login method bits (kept for compatibility).
    pub enabled_login_methods: i64,
    /// Login methods to disable (bits, see the documentation).
    pub disabled_login_methods: i64,
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
    /// 1 = take the client address from the PROXY protocol instead of headers.
    pub proxy_mode: i64,
    /// Proxies allowed to set `client_ip_proxy_header`.
    pub proxy_allowed: Vec<String>,
    /// Header carrying the client IP.
    pub client_ip_proxy_header: String,
    /// Which value of a multi-value header to use, counted from the right.
    pub client_ip_header_depth: i64,
    /// 1 hide the WebClient link on the WebAdmin login page, 2 the reverse.
    pub hide_login_url: i64,
    /// Serve the OpenAPI schema and Swagger UI.
    pub render_openapi: bool,
    /// Public base URL used to build links.
    pub base_url: String,
    /// UI languages offered.
    pub languages: Vec<String>,
    /// OpenID Connect settings.
    pub oidc: OidcConfig,
    /// Security headers.
    pub security: SecurityConfig,
    /// UI branding.
    pub branding: Branding,
}

impl Default for HttpdBinding {
    fn default() -> Self {
        Self {
            port: 8080,
            address: String::new(),
            enable_web_admin: true,
            enable_web_client: true,
            enable_rest_api: true,
            enabled_login_methods: 0,
            disabled_login_methods: 0,
            enable_https: false,
            certificate_file: String::new(),
            certificate_key_file: String::new(),
            min_tls_version: 12,
            client_auth_type: 0,
            tls_cipher_suites: Vec::new(),
            tls_protocols: Vec::new(),
            proxy_mode: 0,
            proxy_allowed: Vec::new(),
            client_ip_proxy_header: String::new(),
            client_ip_header_depth: 0,
            hide_login_url: 0,
            render_openapi: true,
            base_url: String::new(),
            languages: vec!["en".to_owned()],
            oidc: OidcConfig::default(),
            security: SecurityConfig::default(),
            branding: Branding::default(),
        }
    }
}

/// `httpd.bindings[].oidc`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcConfig {
    /// Client ID.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// File to read the client secret from.
    pub client_secret_file: String,
    /// Issuer URL (discovery document base).
    pub config_url: String,
    /// Base URL for redirects back to this server.
    pub redirect_base_url: String,
    /// Scopes requested.
    pub scopes: Vec<String>,
    /// Claim holding the username.
    pub username_field: String,
    /// Claim holding the role.
    pub role_field: String,
    /// Treat every login as the role implied by the UI used.
    pub implicit_roles: bool,
    /// Extra claims passed to hooks.
    pub custom_fields: Vec<String>,
    /// Skip ID token signature checks (testing only).
    pub insecure_skip_signature_check: bool,
    /// Log OIDC exchanges.
    pub debug: bool,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self {
            client_id: String::new(),
            client_secret: String::new(),
            client_secret_file: String::new(),
            config_url: String::new(),
            redirect_base_url: String::new(),
            scopes: ["openid", "profile", "email"].map(String::from).to_vec(),
            username_field: String::new(),
            role_field: String::new(),
            implicit_roles: false,
            custom_fields: Vec::new(),
            insecure_skip_signature_check: false,
            debug: false,
        }
    }
}

/// `httpd.bindings[].security`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Whether the security middleware is active.
    pub enabled: bool,
    /// Allowed `Host` values.
    pub allowed_hosts: Vec<String>,
    /// Treat `allowed_hosts` as regular expressions.
    pub allowed_hosts_are_regex: bool,
    /// Headers that may carry the original host behind a proxy.
    pub hosts_proxy_headers: Vec<String>,
    /// Redirect HTTP to HTTPS.
    pub https_redirect: bool,
    /// Host used for HTTPS redirects.
    pub https_host: String,
    /// Header/value pairs that mark a request as HTTPS behind a proxy.
    pub https_proxy_headers: Vec<HttpsProxyHeader>,
    /// HSTS max-age (0 = no header).
    pub sts_seconds: i64,
    /// HSTS `includeSubDomains`.
    pub sts_include_subdomains: bool,
    /// HSTS `preload`.
    pub sts_preload: bool,
    /// Send `X-Content-Type-Options: nosniff`.
    pub content_type_nosniff: bool,
    /// `Content-Security-Policy` value.
    pub content_security_policy: String,
    /// `Permissions-Policy` value.
    pub permissions_policy: String,
    /// `Cross-Origin-Opener-Policy` value.
    pub cross_origin_opener_policy: String,
    /// `Cross-Origin-Resource-Policy` value.
    pub cross_origin_resource_policy: String,
    /// `Cross-Origin-Embedder-Policy` value.
    pub cross_origin_embedder_policy: String,
    /// `Referrer-Policy` value.
    pub referrer_policy: String,
    /// `Cache-Control` value.
    pub cache_control: String,
}

/// One element of `httpd.bindings[].security.https_proxy_headers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpsProxyHeader {
    /// Header name.
    pub key: String,
    /// Header value meaning "HTTPS".
    pub value: String,
}

/// `httpd.bindings[].branding`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Branding {
    /// WebAdmin branding.
    pub web_admin: UiBranding,
    /// WebClient branding.
    pub web_client: UiBranding,
}

/// Branding of one web UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiBranding {
    /// Product name shown.
    pub name: String,
    /// Short product name.
    pub short_name: String,
    /// Favicon path, relative to the static files dir.
    pub favicon_path: String,
    /// Logo path, relative to the static files dir.
    pub logo_path: String,
    /// Disclaimer link text.
    pub disclaimer_name: String,
    /// Disclaimer path or URL.
    pub disclaimer_path: String,
    /// CSS files replacing the default ones.
    pub default_css: Vec<String>,
    /// Additional CSS files.
    pub extra_css: Vec<String>,
}

/// `httpd.setup`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SetupConfig {
    /// Code required to create the first admin (empty = none).
    pub installation_code: String,
    /// Hint shown for the installation code field.
    pub installation_code_hint: String,
}

impl Default for SetupConfig {
    fn default() -> Self {
        Self { installation_code: String::new(), installation_code_hint: DEFAULT_INSTALLATION_CODE_HINT.to_owned() }
    }
}

/// Default `httpd.setup.installation_code_hint`, also restored when the configured one is blank.
pub const DEFAULT_INSTALLATION_CODE_HINT: &str = "Installation code";

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_masked(f, "OidcConfig", self, &["client_secret"])
    }
}

impl std::fmt::Debug for SetupConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_masked(f, "SetupConfig", self, &["installation_code"])
    }
}

impl std::fmt::Debug for HttpdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_masked(
            f,
            "HttpdConfig",
            self,
            &["signing_passphrase", "setup.installation_code", "bindings.*.oidc.client_secret"],
        )
    }
}
