//! Wharf's SSH server: the russh transport, host keys and algorithm lists from the `sftpd`
//! configuration, every login going through the core's [`Authenticator`](wharf_core::auth::Authenticator)
//! (passwords, public keys, user certificates, keyboard-interactive, multi-step logins), and
//! `session` channels running our own SFTP engine ([`wharf_sftp`]). Shells, port forwarding and
//! agent forwarding are refused.
//!
//! Each accepted connection is registered with the core's connection registry (connection caps,
//! `max_sessions` per channel, idle and login timeouts, closing on request).

mod algorithms;
mod handler;
mod hostkeys;
mod server;
mod stream;

use std::path::PathBuf;

pub use algorithms::{DEFAULT_CIPHERS, DEFAULT_KEX, DEFAULT_MACS, DEFAULT_PUBLIC_KEY_ALGOS};
pub use hostkeys::load_host_keys;
pub use server::{LOGIN_GRACE, SshServer, SshSettings, server_id};

/// Why the SSH service cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SshError {
    /// A setting of `sftpd` is unusable.
    #[error("{key}: {reason}")]
    Config {
        /// The configuration key, with its index for list items.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A default host key cannot be read or generated.
    #[error("host key {}: {reason}", path.display())]
    HostKey {
        /// The key file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// A listener cannot be bound.
    #[error("{key}: cannot listen on {address}: {source}")]
    Bind {
        /// The binding's configuration key.
        key: String,
        /// The address.
        address: String,
        /// The system error.
        source: std::io::Error,
    },
}
