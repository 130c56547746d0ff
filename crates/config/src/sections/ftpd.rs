//! The `ftpd` section: the FTP/FTPS server.

use serde::{Deserialize, Serialize};

/// `ftpd`: FTP listener settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FtpdConfig {
    /// Listeners; FTP is disabled by default (port 0).
    pub bindings: Vec<FtpdBinding>,
    /// File whose content is the FTP greeting.
    pub banner_file: String,
    /// Do not require source port 20 for active-mode data connections.
    pub active_transfers_port_non_20: bool,
    /// Ports used for passive data connections.
    pub passive_port_range: PortRange,
    /// Refuse active mode (`PORT`/`EPRT`).
    pub disable_active_mode: bool,
    /// Enable `SITE CHMOD` and `SITE SYMLINK`.
    pub enable_site: bool,
    /// 1 enables the `HASH`/`XCRC`/`MD5`/`XSHA*` commands.
    pub hash_support: i64,
    /// 1 enables `COMB`.
    pub combine_support: i64,
    /// Global FTPS certificate.
    pub certificate_file: String,
    /// Global FTPS private key.
    pub certificate_key_file: String,
    /// CA certificates used to verify client certificates.
    pub ca_certificates: Vec<String>,
    /// Certificate revocation lists.
    pub ca_revocation_lists: Vec<String>,
}

impl Default for FtpdConfig {
    fn default() -> Self {
        Self {
            bindings: vec![FtpdBinding::default()],
            banner_file: String::new(),
            active_transfers_port_non_20: true,
            passive_port_range: PortRange::default(),
            disable_active_mode: false,
            enable_site: false,
            hash_support: 0,
            combine_support: 0,
            certificate_file: String::new(),
            certificate_key_file: String::new(),
            ca_certificates: Vec::new(),
            ca_revocation_lists: Vec::new(),
        }
    }
}

/// One element of `ftpd.bindings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FtpdBinding {
    /// TCP port (0 disables the binding).
    pub port: u16,
    /// Listen address (empty = all interfaces).
    pub address: String,
    /// Expect PROXY headers (control and data connections) as configured in `common`.
    pub apply_proxy_config: bool,
    /// 0 plain or explicit TLS, 1 explicit TLS required, 2 implicit TLS.
    pub tls_mode: i64,
    /// Per-binding certificate.
    pub certificate_file: String,
    /// Per-binding private key.
    pub certificate_key_file: String,
    /// Minimum TLS version: 10, 11, 12 or 13.
    pub min_tls_version: i64,
    /// Public IPv4 announced for passive mode.
    pub force_passive_ip: String,
    /// Passive IP chosen by client network.
    pub passive_ip_overrides: Vec<PassiveIpOverride>,
    /// Host name resolved on each passive request.
    pub passive_host: String,
    /// 0 no client certs, 1 require and verify, 2 verify if given.
    pub client_auth_type: i64,
    /// TLS 1.2 and lower cipher suites.
    pub tls_cipher_suites: Vec<String>,
    /// 0 passive data peer must match the control connection IP, 1 no check.
    pub passive_connections_security: i64,
    /// 0 active data peer must match the control connection IP, 1 no check.
    pub active_connections_security: i64,
    /// Log every FTP command and reply.
    pub debug: bool,
}

impl Default for FtpdBinding {
    fn default() -> Self {
        Self {
            port: 0,
            address: String::new(),
            apply_proxy_config: true,
            tls_mode: 0,
            certificate_file: String::new(),
            certificate_key_file: String::new(),
            min_tls_version: 12,
            force_passive_ip: String::new(),
            passive_ip_overrides: Vec::new(),
            passive_host: String::new(),
            client_auth_type: 0,
            tls_cipher_suites: Vec::new(),
            passive_connections_security: 0,
            active_connections_security: 0,
            debug: false,
        }
    }
}

/// One element of `ftpd.bindings[].passive_ip_overrides`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PassiveIpOverride {
    /// Client networks (CIDR) this override applies to.
    pub networks: Vec<String>,
    /// Passive IP announced to those clients (empty = the local address).
    pub ip: String,
}

/// `ftpd.passive_port_range`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortRange {
    /// First port.
    pub start: u16,
    /// Last port.
    pub end: u16,
}

impl Default for PortRange {
    fn default() -> Self {
        Self { start: 50000, end: 50100 }
    }
}
