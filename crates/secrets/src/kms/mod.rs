//! The KMS for stored secrets (`kms.secrets` in SFTPGo's configuration).
//!
//! A [`Secret`] arrives as `Plain` and is stored encrypted; it is decrypted when a filesystem,
//! TOTP check or similar needs the value. Two local schemes are built in:
//!
//! - **Secretbox** (`local://`, the default when the URL is empty): a random 32-byte key K per
//!   secret (stored hex-encoded in `key`). The encryption key is HKDF-SHA256 with K as salt and
//!   the additional data as info, over either the configured master key (`mode` 1) or
//!   SHA-256(K ‖ additional data ‖ K) (`mode` 0). The payload is standard base64 of a random
//!   24-byte nonce followed by the NaCl secretbox (XSalsa20-Poly1305, tag first) ciphertext.
//! - **AES-256-GCM** (`builtin://`, kept for data written by SFTPGo 1.2 and older): the key is
//!   SHA-256(K ‖ additional data ‖ K), never the master key; the payload is hex of a random
//!   12-byte nonce followed by the ciphertext and tag, authenticated with the additional data.
//!
//! Both schemes can always be decrypted whatever the configured URL; the URL only picks the
//! scheme for new encryptions. Secrets of external KMSs (AWS, GCP, Vault, …) are not supported.

mod builtin;
mod error;
mod secretbox;

use std::fmt;

use sha2::{Digest, Sha256};
use wharf_model::{Secret, SecretStatus};

pub use error::KmsError;

/// The external KMS schemes SFTPGo supports through plugins; Wharf refuses them explicitly.
const EXTERNAL_SCHEMES: [&str; 5] = ["awskms", "gcpkms", "hashivault", "azurekeyvault", "ocikeyvault"];

/// Configuration of the KMS: the `kms.secrets` section, with the master key already resolved.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KmsConfig {
    /// `kms.secrets.url`: empty or `local://` for Secretbox, `builtin://` for AES-256-GCM.
    pub url: String,
    /// The master key bytes, if any. Only the Secretbox scheme uses it; an empty key counts as
    /// none.
    pub master_key: Option<Vec<u8>>,
}

impl KmsConfig {
    /// Builds the configuration from the raw settings: `url`, `master_key` (the string setting)
    /// and the contents of the `master_key_path` file when that setting is set.
    ///
    /// As in SFTPGo, the file wins over the string when both are set, and its contents are
    /// trimmed of surrounding whitespace (a trailing newline is not part of the key).
    pub fn from_parts(url: &str, master_key: &str, master_key_file_contents: Option<&[u8]>) -> Self {
        let key = match master_key_file_contents {
            Some(contents) => contents.trim_ascii().to_vec(),
            None => master_key.as_bytes().to_vec(),
        };
        Self { url: url.to_string(), master_key: (!key.is_empty()).then_some(key) }
    }
}

impl fmt::Debug for KmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsConfig")
            .field("url", &self.url)
            .field("master_key", &self.master_key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// The scheme new secrets are encrypted with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// NaCl secretbox with an HKDF-derived key (`local://`).
    Secretbox,
    /// AES-256-GCM with a hash-derived key (`builtin://`).
    Aes256Gcm,
}

impl Scheme {
    /// The status secrets encrypted with this scheme carry.
    pub fn status(self) -> SecretStatus {
        match self {
            Self::Secretbox => SecretStatus::Secretbox,
            Self::Aes256Gcm => SecretStatus::Aes256Gcm,
        }
    }
}

/// Encrypts and decrypts [`Secret`]s. Cheap to clone; holds the master key, never printed.
#[derive(Clone)]
pub struct Kms {
    scheme: Scheme,
    master_key: Option<Vec<u8>>,
}

impl fmt::Debug for Kms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kms")
            .field("scheme", &self.scheme)
            .field("master_key", &self.master_key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Kms {
    /// Sets up the KMS. Fails for URLs of external KMSs and for unknown schemes (SFTPGo would
    /// quietly fall back to the local scheme for the latter; refusing makes typos visible).
    pub fn new(config: KmsConfig) -> Result<Self, KmsError> {
        let url = config.url.trim();
        let scheme = if url.is_empty() || url.starts_with("local://") {
            Scheme::Secretbox
        } else if url.starts_with("builtin://") {
            Scheme::Aes256Gcm
        } else {
            let scheme = url.split_once("://").map_or(url, |(s, _)| s).to_string();
            return Err(if EXTERNAL_SCHEMES.contains(&scheme.as_str()) {
                KmsError::ExternalKms { scheme }
            } else {
                KmsError::UnsupportedScheme { scheme }
            });
        };
        let master_key = config.master_key.filter(|k| !k.is_empty());
        Ok(Self { scheme, master_key })
    }

    /// The scheme used for new encryptions.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// True when a master key is configured (new Secretbox secrets get mode 1).
    pub fn has_master_key(&self) -> bool {
        self.master_key.is_some()
    }

    /// Encrypts a `Plain` secret in place with the configured scheme, binding it to
    /// `additional_data` (SFTPGo uses the username, `folder_<name>` or `group_<name>`).
    ///
    /// Empty secrets and secrets that are already encrypted (with any scheme) are left alone.
    /// Errors: a `Plain` secret with an empty payload, a payload without status, and `Redacted`
    /// secrets ([`KmsError::Redacted`]: the caller must first put back the stored value).
    pub fn encrypt(&self, secret: &mut Secret, additional_data: &str) -> Result<(), KmsError> {
        match secret.status {
            SecretStatus::Empty if secret.payload.is_empty() => return Ok(()),
            SecretStatus::Empty => return Err(KmsError::MissingStatus),
            SecretStatus::Redacted => return Err(KmsError::Redacted),
            SecretStatus::Plain if secret.payload.is_empty() => return Err(KmsError::EmptyPayload),
            SecretStatus::Plain => {}
            _ => return Ok(()),
        }
        let key: [u8; KEY_LEN] = rand::random();
        let (payload, mode) = match self.scheme {
            Scheme::Secretbox => {
                let nonce: [u8; secretbox::NONCE_LEN] = rand::random();
                let master = self.master_key.as_deref();
                let payload =
                    secretbox::seal(&key, additional_data.as_bytes(), master, &nonce, secret.payload.as_bytes())?;
                (payload, i32::from(master.is_some()))
            }
            Scheme::Aes256Gcm => {
                let nonce: [u8; builtin::NONCE_LEN] = rand::random();
                let payload = builtin::seal(&key, additional_data.as_bytes(), &nonce, secret.payload.as_bytes())?;
                (payload, 0)
            }
        };
        *secret = Secret {
            status: self.scheme.status(),
            payload,
            key: hex::encode(key),
            additional_data: additional_data.to_string(),
            mode,
        };
        Ok(())
    }

    /// The cleartext of a secret: the payload of a `Plain` secret, or the decrypted payload of a
    /// `Secretbox` or `AES-256-GCM` secret (using the secret's own `key`, `additional_data` and
    /// `mode`).
    pub fn decrypt(&self, secret: &Secret) -> Result<String, KmsError> {
        let status = secret.status;
        let plaintext = match status {
            SecretStatus::Plain => return Ok(secret.payload.clone()),
            SecretStatus::Empty if secret.payload.is_empty() => return Err(KmsError::Empty),
            SecretStatus::Empty => return Err(KmsError::MissingStatus),
            SecretStatus::Redacted => return Err(KmsError::Redacted),
            SecretStatus::Secretbox => {
                let key = decode_key(status, &secret.key)?;
                let master = match secret.mode {
                    0 => None,
                    1 => Some(self.master_key.as_deref().ok_or(KmsError::MasterKeyRequired)?),
                    other => return Err(KmsError::UnknownMode(other)),
                };
                secretbox::open(&key, secret.additional_data.as_bytes(), master, &secret.payload)?
            }
            SecretStatus::Aes256Gcm => {
                let key = decode_key(status, &secret.key)?;
                builtin::open(&key, secret.additional_data.as_bytes(), &secret.payload)?
            }
            SecretStatus::Gcp
            | SecretStatus::Aws
            | SecretStatus::VaultTransit
            | SecretStatus::AzureKeyVault
            | SecretStatus::OracleKeyVault => {
                return Err(KmsError::UnsupportedStatus { status: status.as_str() });
            }
        };
        String::from_utf8(plaintext).map_err(|_| KmsError::NotUtf8 { status: status.as_str() })
    }
}

/// Length of the per-secret random key K.
const KEY_LEN: usize = 32;

/// Decodes the hex per-secret key, which must be 32 bytes.
fn decode_key(status: SecretStatus, key: &str) -> Result<Vec<u8>, KmsError> {
    let status = status.as_str();
    let bytes = hex::decode(key).map_err(|_| KmsError::Malformed { status, reason: "key is not valid hex" })?;
    if bytes.len() != KEY_LEN {
        return Err(KmsError::Malformed { status, reason: "key must be 32 bytes (64 hex digits)" });
    }
    Ok(bytes)
}

/// SHA-256(K ‖ additional data ‖ K): the AES key of the builtin scheme, and the HKDF input of
/// Secretbox mode 0.
fn hash_key(key: &[u8], additional_data: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(key).chain_update(additional_data).chain_update(key).finalize().into()
}
