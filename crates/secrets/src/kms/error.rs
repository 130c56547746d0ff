//! Errors of the KMS module. Messages never contain plaintexts, payloads or keys.

/// Why a secret could not be encrypted or decrypted, or the KMS not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KmsError {
    /// `kms.secrets.url` names an external KMS (AWS, GCP, Vault, Azure, Oracle), which SFTPGo
    /// reaches through a plugin and Wharf does not support.
    #[error("KMS URL scheme {scheme:?} needs an external KMS, which Wharf does not support")]
    ExternalKms {
        /// The scheme part of the URL.
        scheme: String,
    },
    /// `kms.secrets.url` has a scheme nobody knows.
    #[error(
        "KMS URL scheme {scheme:?} is not supported: only local:// (Secretbox, the default) and \
         builtin:// (AES-256-GCM) are available"
    )]
    UnsupportedScheme {
        /// The scheme part of the URL (or the whole URL when it has none).
        scheme: String,
    },
    /// The secret was encrypted by an external KMS (AWS, GCP, Vault, Azure, Oracle).
    #[error("secrets with status {status} need an external KMS, which Wharf does not support")]
    UnsupportedStatus {
        /// The secret's status.
        status: &'static str,
    },
    /// A `Redacted` secret is a placeholder from API output, not a value. Callers receiving one
    /// on input must substitute the stored secret (SFTPGo's "keep the current value") before
    /// encrypting; it can never be encrypted or decrypted itself.
    #[error("the secret is redacted: substitute the stored secret before using it")]
    Redacted,
    /// Decrypting a secret that holds nothing.
    #[error("the secret is empty")]
    Empty,
    /// A `Plain` secret with an empty payload cannot be encrypted.
    #[error("the plain secret has an empty payload")]
    EmptyPayload,
    /// A payload without a status: the secret is inconsistent.
    #[error("the secret has a payload but no status")]
    MissingStatus,
    /// A `Secretbox` secret in mode 1 depends on the master key, and none is configured.
    #[error(
        "the secret was encrypted with a master key (mode 1) but no master key is configured \
         (kms.secrets.master_key or master_key_path)"
    )]
    MasterKeyRequired,
    /// A `Secretbox` secret with a mode other than 0 or 1.
    #[error("unknown Secretbox mode {0}: expected 0 (no master key) or 1 (master key)")]
    UnknownMode(i32),
    /// The key or payload cannot be decoded.
    #[error("malformed {status} secret: {reason}")]
    Malformed {
        /// The secret's status.
        status: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// Authentication failed: wrong key, master key or additional data, or a tampered payload.
    #[error(
        "the {status} secret could not be decrypted: wrong key, master key or additional data, \
         or a tampered payload"
    )]
    DecryptionFailed {
        /// The secret's status.
        status: &'static str,
    },
    /// The decrypted bytes are not UTF-8 text.
    #[error("the decrypted {status} secret is not valid UTF-8")]
    NotUtf8 {
        /// The secret's status.
        status: &'static str,
    },
    /// The cipher refused to encrypt (only possible for absurdly long inputs).
    #[error("the secret could not be encrypted")]
    EncryptionFailed,
}
