//! The Secret object: a value (cloud credential, crypt passphrase, TOTP secret…) that is stored
//! encrypted and travels in SFTPGo's JSON shape `{status, payload, key, additional_data, mode}`.
//!
//! This module only describes the shape. Encrypting and decrypting is done by `wharf-secrets`.

use serde::{Deserialize, Serialize};

/// Where a secret is in its life: plain input, encrypted by one of the KMS schemes, or hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum SecretStatus {
    /// Nothing set. Serialized as an absent `status`.
    #[default]
    #[serde(rename = "")]
    Empty,
    /// Cleartext payload, only accepted as input: it is encrypted before it is stored.
    Plain,
    /// Legacy built-in scheme (`builtin://`): AES-256-GCM with a key derived from the per-secret key.
    #[serde(rename = "AES-256-GCM")]
    Aes256Gcm,
    /// The default local scheme (`local://`): NaCl secretbox with an HKDF-derived key.
    Secretbox,
    /// Encrypted by Google Cloud KMS (needs an external KMS; Wharf keeps it opaque).
    #[serde(rename = "GCP")]
    Gcp,
    /// Encrypted by AWS KMS (opaque to Wharf).
    #[serde(rename = "AWS")]
    Aws,
    /// Encrypted by HashiCorp Vault transit (opaque to Wharf).
    VaultTransit,
    /// Encrypted by Azure Key Vault (opaque to Wharf).
    AzureKeyVault,
    /// Encrypted by Oracle Key Vault (opaque to Wharf).
    OracleKeyVault,
    /// Placeholder in API output; on input it means "keep the stored value".
    Redacted,
}

impl SecretStatus {
    /// The status string as it appears in JSON ("" for [`SecretStatus::Empty`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "",
            Self::Plain => "Plain",
            Self::Aes256Gcm => "AES-256-GCM",
            Self::Secretbox => "Secretbox",
            Self::Gcp => "GCP",
            Self::Aws => "AWS",
            Self::VaultTransit => "VaultTransit",
            Self::AzureKeyVault => "AzureKeyVault",
            Self::OracleKeyVault => "OracleKeyVault",
            Self::Redacted => "Redacted",
        }
    }

    /// True for every status that denotes an encrypted payload.
    pub fn is_encrypted(self) -> bool {
        !matches!(self, Self::Empty | Self::Plain | Self::Redacted)
    }
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// A secret in SFTPGo's JSON shape. Every field is omitted when empty, so an unset secret is `{}`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Secret {
    /// Plain, an encryption scheme, or Redacted.
    #[serde(skip_serializing_if = "is_default")]
    pub status: SecretStatus,
    /// Cleartext (status Plain) or the scheme's ciphertext encoding.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub payload: String,
    /// Per-secret random key material (hex), used by the local schemes.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// Associated data bound to the ciphertext (e.g. the username, `folder_<name>`, `group_<name>`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub additional_data: String,
    /// 1 when the derived key also depends on the configured master key.
    #[serde(skip_serializing_if = "is_default")]
    pub mode: i32,
}

impl std::fmt::Debug for Secret {
    // Never print payloads or keys: Debug output ends up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("status", &self.status)
            .field("payload", &if self.payload.is_empty() { "" } else { "[redacted]" })
            .field("additional_data", &self.additional_data)
            .field("mode", &self.mode)
            .finish()
    }
}

impl Secret {
    /// A new plaintext secret, as a client sends it.
    pub fn plain(value: impl Into<String>) -> Self {
        Self { status: SecretStatus::Plain, payload: value.into(), ..Self::default() }
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.status == SecretStatus::Empty && self.payload.is_empty()
    }

    /// True when every field is at its zero value (the secret serializes as `{}` and is omitted
    /// from its parent object).
    pub fn is_unset(&self) -> bool {
        *self == Self::default()
    }

    /// True for the `Redacted` placeholder.
    pub fn is_redacted(&self) -> bool {
        self.status == SecretStatus::Redacted
    }

    /// True for a cleartext input secret (status `Plain`).
    pub fn is_plain(&self) -> bool {
        self.status == SecretStatus::Plain
    }

    /// True when the payload is ciphertext of some scheme.
    pub fn is_encrypted(&self) -> bool {
        self.status.is_encrypted()
    }

    /// The form shown to API clients without confidential access: status Redacted, no payload.
    pub fn redacted(&self) -> Self {
        if self.is_empty() {
            return Self::default();
        }
        Self { status: SecretStatus::Redacted, ..Self::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_secret_serializes_as_empty_object() {
        assert_eq!(serde_json::to_string(&Secret::default()).unwrap(), "{}");
        let back: Secret = serde_json::from_str("{}").unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn sftpgo_shape_round_trips() {
        let text = r#"{"status":"Secretbox","payload":"cGF5","key":"00ff","additional_data":"alice","mode":1}"#;
        let s: Secret = serde_json::from_str(text).unwrap();
        assert_eq!(s.status, SecretStatus::Secretbox);
        assert!(s.is_encrypted());
        assert_eq!(serde_json::to_string(&s).unwrap(), text);
        let aes: Secret = serde_json::from_str(r#"{"status":"AES-256-GCM"}"#).unwrap();
        assert_eq!(aes.status, SecretStatus::Aes256Gcm);
    }

    #[test]
    fn unknown_status_is_an_error() {
        assert!(serde_json::from_str::<Secret>(r#"{"status":"Rot13"}"#).is_err());
    }

    #[test]
    fn debug_hides_payload() {
        let s = Secret::plain("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.redacted().status, SecretStatus::Redacted);
        assert!(s.redacted().payload.is_empty());
    }
}
