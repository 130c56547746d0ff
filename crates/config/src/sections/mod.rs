//! The typed configuration tree. Every struct mirrors one object of SFTPGo's `sftpgo.json`, with the
//! same key names and, through `Default`, the same default values.

mod acme;
mod common;
mod cors;
mod data_provider;
mod ftpd;
mod httpd;
mod services;
mod sftpd;
mod webdavd;

use serde::{Deserialize, Serialize};

pub use acme::{AcmeConfig, Http01Challenge, TlsAlpn01Challenge};
pub use common::{
    CommonConfig, DefenderConfig, EventManagerConfig, FsActions, LoginDelay, MetadataConfig, RateLimiterConfig,
};
pub use cors::CorsConfig;
pub use data_provider::{
    Argon2Options, BcryptOptions, DataProviderConfig, NodeConfig, PasswordHashing, PasswordRules, PasswordValidation,
    ProviderActions,
};
pub use ftpd::{FtpdBinding, FtpdConfig, PassiveIpOverride, PortRange};
pub use httpd::{
    Branding, DEFAULT_INSTALLATION_CODE_HINT, HttpdBinding, HttpdConfig, HttpsProxyHeader, OidcConfig, SecurityConfig,
    SetupConfig, UiBranding,
};
pub use services::{
    AuthOptions, CommandConfig, CommandOverride, HttpClientConfig, HttpHeader, KmsConfig, KmsOptions, KmsSecrets,
    MfaConfig, NotifierOptions, PluginConfig, SmtpConfig, SmtpOauth2, TelemetryConfig, TlsKeyPair, TotpConfig,
};
pub use sftpd::{SftpdBinding, SftpdConfig};
pub use webdavd::{MimeMapping, MimeTypesCache, UsersCache, WebdavCache, WebdavdBinding, WebdavdConfig};

/// The whole configuration, in the key order of SFTPGo's default file.
///
/// `Config::default()` is SFTPGo's built-in default configuration. Deserialising fills every key
/// missing from the input with its default and rejects unknown keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Settings shared by every protocol.
    pub common: CommonConfig,
    /// Automatic certificates.
    pub acme: AcmeConfig,
    /// SSH/SFTP server.
    pub sftpd: SftpdConfig,
    /// FTP server.
    pub ftpd: FtpdConfig,
    /// WebDAV server.
    pub webdavd: WebdavdConfig,
    /// Account storage.
    pub data_provider: DataProviderConfig,
    /// REST API and web UIs.
    pub httpd: HttpdConfig,
    /// Health, metrics and profiling endpoints.
    pub telemetry: TelemetryConfig,
    /// HTTP client used by hooks.
    pub http: HttpClientConfig,
    /// External program hooks.
    pub command: CommandConfig,
    /// Secrets encryption.
    pub kms: KmsConfig,
    /// Multi-factor authentication.
    pub mfa: MfaConfig,
    /// Outgoing e-mail.
    pub smtp: SmtpConfig,
    /// External plugins.
    pub plugins: Vec<PluginConfig>,
}
