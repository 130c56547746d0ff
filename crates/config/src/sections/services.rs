//! The smaller sections: `telemetry`, `http` (hook client), `command`, `kms`, `mfa`, `smtp` and
//! `plugins`.

use serde::{Deserialize, Serialize};

/// `telemetry`: `/healthz`, `/metrics` and the profiler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// TCP port (0 disables telemetry).
    pub bind_port: u16,
    /// Listen address or UNIX socket path.
    pub bind_address: String,
    /// Serve `/debug/pprof`-style profiling endpoints.
    pub enable_profiler: bool,
    /// htpasswd file protecting the endpoints (except `/healthz`).
    pub auth_user_file: String,
    /// TLS certificate.
    pub certificate_file: String,
    /// TLS private key.
    pub certificate_key_file: String,
    /// Minimum TLS version: 10, 11, 12 or 13.
    pub min_tls_version: i64,
    /// TLS 1.2 and lower cipher suites.
    pub tls_cipher_suites: Vec<String>,
    /// ALPN protocols.
    pub tls_protocols: Vec<String>,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            bind_port: 0,
            bind_address: "127.0.0.1".to_owned(),
            enable_profiler: false,
            auth_user_file: String::new(),
            certificate_file: String::new(),
            certificate_key_file: String::new(),
            min_tls_version: 12,
            tls_cipher_suites: Vec::new(),
            tls_protocols: Vec::new(),
        }
    }
}

/// `http`: the HTTP client used for hooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpClientConfig {
    /// Timeout per attempt in seconds.
    pub timeout: i64,
    /// Minimum wait between retries in seconds.
    pub retry_wait_min: i64,
    /// Maximum wait between retries in seconds.
    pub retry_wait_max: i64,
    /// Retries for retryable hooks.
    pub retry_max: i64,
    /// Extra CA certificates trusted.
    pub ca_certificates: Vec<String>,
    /// Client certificates for mutual TLS.
    pub certificates: Vec<TlsKeyPair>,
    /// Skip server certificate verification.
    pub skip_tls_verify: bool,
    /// Headers added to requests.
    pub headers: Vec<HttpHeader>,
}

impl Default for HttpClientConfig {
    fn default() -> Self {
        Self {
            timeout: 20,
            retry_wait_min: 2,
            retry_wait_max: 30,
            retry_max: 3,
            ca_certificates: Vec::new(),
            certificates: Vec::new(),
            skip_tls_verify: false,
            headers: Vec::new(),
        }
    }
}

/// One element of `http.certificates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsKeyPair {
    /// Certificate path.
    pub cert: String,
    /// Private key path.
    pub key: String,
}

/// One element of `http.headers`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpHeader {
    /// Header name.
    pub key: String,
    /// Header value.
    pub value: String,
    /// Only add the header when the request URL starts with this (empty = always).
    pub url: String,
}

/// `command`: how external hook programs are run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommandConfig {
    /// Default timeout in seconds (1..=300).
    pub timeout: i64,
    /// `KEY=VALUE` environment for every command (the server environment is not inherited).
    pub env: Vec<String>,
    /// Per-program overrides.
    pub commands: Vec<CommandOverride>,
}

impl Default for CommandConfig {
    fn default() -> Self {
        Self { timeout: 30, env: Vec::new(), commands: Vec::new() }
    }
}

/// One element of `command.commands`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommandOverride {
    /// Program path the override applies to.
    pub path: String,
    /// Timeout in seconds (0 = the global one).
    pub timeout: i64,
    /// Extra `KEY=VALUE` environment.
    pub env: Vec<String>,
    /// Arguments.
    pub args: Vec<String>,
    /// Restrict the override to one hook name (empty = every hook).
    pub hook: String,
}

/// `kms`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KmsConfig {
    /// Secrets encryption.
    pub secrets: KmsSecrets,
}

/// `kms.secrets`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KmsSecrets {
    /// KMS URL (empty = `local://`).
    pub url: String,
    /// Master key for the local KMS.
    pub master_key: String,
    /// File holding the master key (wins over `master_key`).
    pub master_key_path: String,
}

/// `mfa`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MfaConfig {
    /// TOTP configurations users and admins can pick from.
    pub totp: Vec<TotpConfig>,
}

impl Default for MfaConfig {
    fn default() -> Self {
        Self { totp: vec![TotpConfig::default()] }
    }
}

/// One element of `mfa.totp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TotpConfig {
    /// Unique name referenced by accounts.
    pub name: String,
    /// Issuer shown in authenticator apps.
    pub issuer: String,
    /// `sha1`, `sha256` or `sha512`.
    pub algo: String,
}

impl Default for TotpConfig {
    fn default() -> Self {
        Self { name: "Default".to_owned(), issuer: "SFTPGo".to_owned(), algo: "sha1".to_owned() }
    }
}

/// `smtp`: outgoing e-mail.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// Server host (empty disables e-mail).
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Sender address.
    pub from: String,
    /// Login user.
    pub user: String,
    /// Login password.
    pub password: String,
    /// 0 PLAIN, 1 LOGIN, 2 CRAM-MD5, 3 XOAUTH2.
    pub auth_type: i64,
    /// 0 none, 1 TLS, 2 STARTTLS.
    pub encryption: i64,
    /// HELO domain (empty = localhost).
    pub domain: String,
    /// Directory holding the `email/` templates.
    pub templates_path: String,
    /// 1 = log the SMTP exchange.
    pub debug: i64,
    /// OAuth2 settings for XOAUTH2.
    pub oauth2: SmtpOauth2,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            from: String::new(),
            user: String::new(),
            password: String::new(),
            auth_type: 0,
            encryption: 0,
            domain: String::new(),
            templates_path: "templates".to_owned(),
            debug: 0,
            oauth2: SmtpOauth2::default(),
        }
    }
}

/// `smtp.oauth2`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpOauth2 {
    /// 0 Google, 1 Microsoft.
    pub provider: i64,
    /// Microsoft tenant.
    pub tenant: String,
    /// Client ID.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Refresh token.
    pub refresh_token: String,
}

/// One element of `plugins`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginConfig {
    /// `notifier`, `kms`, `auth`, `eventsearcher` or `ipfilter`.
    #[serde(rename = "type")]
    pub plugin_type: String,
    /// Notifier options.
    pub notifier_options: NotifierOptions,
    /// KMS options.
    pub kms_options: KmsOptions,
    /// Auth options.
    pub auth_options: AuthOptions,
    /// Plugin executable.
    pub cmd: String,
    /// Plugin arguments.
    pub args: Vec<String>,
    /// Expected SHA-256 of the executable.
    pub sha256sum: String,
    /// Let the plugin system set up mutual TLS.
    pub auto_mtls: bool,
    /// Prefix of the environment variables passed to the plugin.
    pub env_prefix: String,
    /// Names of extra environment variables passed to the plugin.
    pub env_vars: Vec<String>,
}

/// `plugins[].notifier_options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifierOptions {
    /// Filesystem events forwarded.
    pub fs_events: Vec<String>,
    /// Provider events forwarded.
    pub provider_events: Vec<String>,
    /// Provider object types forwarded.
    pub provider_objects: Vec<String>,
    /// Log event types forwarded (1..=5).
    pub log_events: Vec<i64>,
    /// Seconds to keep retrying a failed notification.
    pub retry_max_time: i64,
    /// Maximum queued notifications awaiting retry.
    pub retry_queue_max_size: i64,
}

/// `plugins[].kms_options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KmsOptions {
    /// URL scheme handled by the plugin.
    pub scheme: String,
    /// Secret status written by the plugin.
    pub encrypted_status: String,
}

/// `plugins[].auth_options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthOptions {
    /// Bits of the authentication methods handled (1 password, 2 public key, 4 keyboard
    /// interactive, 8 TLS certificate).
    pub scope: i64,
}

impl std::fmt::Debug for HttpHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_masked(f, "HttpHeader", self, &["value"])
    }
}

impl std::fmt::Debug for KmsSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_masked(f, "KmsSecrets", self, &["master_key"])
    }
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_masked(
            f,
            "SmtpConfig",
            self,
            &["password", "oauth2.client_secret", "oauth2.refresh_token"],
        )
    }
}

impl std::fmt::Debug for SmtpOauth2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_masked(f, "SmtpOauth2", self, &["client_secret", "refresh_token"])
    }
}
