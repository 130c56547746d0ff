//! The `sftpd` section: the SSH server (SFTP, SCP, SSH commands).

use serde::{Deserialize, Serialize};

/// `sftpd`: SSH listener settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SftpdConfig {
    /// Listeners; a binding with port 0 is disabled.
    pub bindings: Vec<SftpdBinding>,
    /// Authentication attempts per connection (0 = 6, negative = unlimited).
    pub max_auth_tries: i64,
    /// Private host key paths (empty = generate/use `id_rsa`, `id_ecdsa`, `id_ed25519`).
    pub host_keys: Vec<String>,
    /// OpenSSH host certificates matching the host keys.
    pub host_certificates: Vec<String>,
    /// Host key signature algorithms to offer (empty = built-in list).
    pub host_key_algorithms: Vec<String>,
    /// Key exchange algorithms (empty = built-in list).
    pub kex_algorithms: Vec<String>,
    /// Ciphers (empty = built-in list).
    pub ciphers: Vec<String>,
    /// MACs (empty = built-in list).
    pub macs: Vec<String>,
    /// Public key algorithms accepted for user authentication (empty = built-in list).
    pub public_key_algorithms: Vec<String>,
    /// CA public key files trusted to sign user certificates.
    pub trusted_user_ca_keys: Vec<String>,
    /// JSON file listing revoked user certificate fingerprints.
    pub revoked_user_certs_file: String,
    /// OpenPubkey SSH verifier binary.
    pub opkssh_path: String,
    /// SHA-256 checksum of the verifier binary.
    pub opkssh_checksum: String,
    /// File whose content is sent as SSH banner before authentication.
    pub login_banner_file: String,
    /// SSH commands allowed (`*` = all supported).
    pub enabled_ssh_commands: Vec<String>,
    /// Enable keyboard-interactive authentication.
    pub keyboard_interactive_authentication: bool,
    /// Program or URL driving keyboard-interactive authentication.
    pub keyboard_interactive_auth_hook: String,
    /// Enable password authentication.
    pub password_authentication: bool,
}

impl Default for SftpdConfig {
    fn default() -> Self {
        Self {
            bindings: vec![SftpdBinding::default()],
            max_auth_tries: 0,
            host_keys: Vec::new(),
            host_certificates: Vec::new(),
            host_key_algorithms: Vec::new(),
            kex_algorithms: Vec::new(),
            ciphers: Vec::new(),
            macs: Vec::new(),
            public_key_algorithms: Vec::new(),
            trusted_user_ca_keys: Vec::new(),
            revoked_user_certs_file: String::new(),
            opkssh_path: String::new(),
            opkssh_checksum: String::new(),
            login_banner_file: String::new(),
            enabled_ssh_commands: ["md5sum", "sha1sum", "sha256sum", "cd", "pwd", "scp"].map(String::from).to_vec(),
            keyboard_interactive_authentication: true,
            keyboard_interactive_auth_hook: String::new(),
            password_authentication: true,
        }
    }
}

/// One element of `sftpd.bindings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SftpdBinding {
    /// TCP port (0 disables the binding).
    pub port: u16,
    /// Listen address (empty = all interfaces).
    pub address: String,
    /// Apply the `common.proxy_*` settings to this binding.
    pub apply_proxy_config: bool,
}

impl Default for SftpdBinding {
    fn default() -> Self {
        Self { port: 2022, address: String::new(), apply_proxy_config: true }
    }
}
