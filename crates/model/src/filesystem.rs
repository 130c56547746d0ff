//! The storage backend of a user, group or folder (`filesystem` in SFTPGo's JSON).
//!
//! SFTPGo keeps one sub-configuration per provider and serializes all of them; only the one named by
//! `provider` is meaningful. Validation ([`Filesystem::clear_inactive`]) resets the others.

use serde::{Deserialize, Serialize};

use crate::int_enum::int_enum;
use crate::secret::Secret;
use crate::serde_util::{is_default, is_false};

int_enum! {
    /// Which backend stores the files (`filesystem.provider`).
    #[derive(Default)]
    pub enum FsProvider ("filesystem provider") {
        /// Local filesystem.
        #[default]
        Local = 0,
        /// S3-compatible object storage.
        S3 = 1,
        /// Google Cloud Storage.
        Gcs = 2,
        /// Azure Blob Storage.
        AzureBlob = 3,
        /// Local filesystem, encrypted at rest.
        Crypt = 4,
        /// A remote SFTP server.
        Sftp = 5,
        /// An "httpfs" REST backend.
        Http = 6,
    }
}

impl FsProvider {
    /// True for the two providers whose root is a local directory (local and crypt).
    pub fn is_local_or_crypt(self) -> bool {
        matches!(self, Self::Local | Self::Crypt)
    }

    /// Short lowercase name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::S3 => "s3",
            Self::Gcs => "gcs",
            Self::AzureBlob => "azure blob",
            Self::Crypt => "crypt",
            Self::Sftp => "sftp",
            Self::Http => "http",
        }
    }
}

/// Buffering options for the local provider (`osconfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OsFsConfig {
    /// Read buffer in MB (0 = unbuffered, max 10).
    #[serde(skip_serializing_if = "is_default")]
    pub read_buffer_size: i64,
    /// Write buffer in MB (0 = unbuffered, max 10).
    #[serde(skip_serializing_if = "is_default")]
    pub write_buffer_size: i64,
}

/// S3-compatible object storage (`s3config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3Config {
    /// Bucket name (required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bucket: String,
    /// Object key prefix acting as the root ("dir/"; never starts with "/").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key_prefix: String,
    /// Region (required unless an endpoint is given).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// Access key id; empty to use the environment/instance credentials.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub access_key: String,
    /// IAM role to assume.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role_arn: String,
    /// STS session token.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub session_token: String,
    /// Custom endpoint URL for S3-compatible services.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Storage class for uploads.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub storage_class: String,
    /// Canned ACL for uploads.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub acl: String,
    /// Multipart upload part size in MB (0 = default, else 5..=2000).
    #[serde(skip_serializing_if = "is_default")]
    pub upload_part_size: i64,
    /// Parallel upload parts (0 = default, max 64).
    #[serde(skip_serializing_if = "is_default")]
    pub upload_concurrency: i64,
    /// Multipart download part size in MB (0 = default, else 5..=2000).
    #[serde(skip_serializing_if = "is_default")]
    pub download_part_size: i64,
    /// Max seconds per uploaded part (0 = no limit).
    #[serde(skip_serializing_if = "is_default")]
    pub upload_part_max_time: i64,
    /// Parallel download parts (0 = default, max 64).
    #[serde(skip_serializing_if = "is_default")]
    pub download_concurrency: i64,
    /// Max seconds per downloaded part (0 = no limit).
    #[serde(skip_serializing_if = "is_default")]
    pub download_part_max_time: i64,
    /// Use path-style addressing.
    #[serde(skip_serializing_if = "is_false")]
    pub force_path_style: bool,
    /// Accept any TLS certificate (testing only).
    #[serde(skip_serializing_if = "is_false")]
    pub skip_tls_verify: bool,
    /// Secret access key.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub access_secret: Secret,
    /// SSE-C customer key.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub sse_customer_key: Secret,
}

/// Google Cloud Storage (`gcsconfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GcsConfig {
    /// Bucket name (required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bucket: String,
    /// Object key prefix acting as the root.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key_prefix: String,
    /// 0 = explicit JSON credentials, 1 = application default credentials.
    #[serde(skip_serializing_if = "is_default")]
    pub automatic_credentials: i64,
    /// Storage class for uploads.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub storage_class: String,
    /// Predefined ACL for uploads.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub acl: String,
    /// Upload chunk size in MB (0 = default 16).
    #[serde(skip_serializing_if = "is_default")]
    pub upload_part_size: i64,
    /// Max seconds per uploaded chunk (0 = default 32).
    #[serde(skip_serializing_if = "is_default")]
    pub upload_part_max_time: i64,
    /// Service account JSON key.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub credentials: Secret,
}

/// Azure Blob Storage (`azblobconfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AzBlobConfig {
    /// Container name (required unless embedded in the SAS URL).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub container: String,
    /// Storage account name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account_name: String,
    /// Endpoint (default `blob.core.windows.net`; emulators need the scheme).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Blob name prefix acting as the root.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key_prefix: String,
    /// Upload block size in MB (0 = default 5, max 2000).
    #[serde(skip_serializing_if = "is_default")]
    pub upload_part_size: i64,
    /// Parallel upload blocks (0 = default 5, max 64).
    #[serde(skip_serializing_if = "is_default")]
    pub upload_concurrency: i64,
    /// Download block size in MB (0 = default 5, max 2000).
    #[serde(skip_serializing_if = "is_default")]
    pub download_part_size: i64,
    /// Parallel download blocks (0 = default 5, max 64).
    #[serde(skip_serializing_if = "is_default")]
    pub download_concurrency: i64,
    /// Talk to an emulator such as Azurite.
    #[serde(skip_serializing_if = "is_false")]
    pub use_emulator: bool,
    /// Access tier: "", "Archive", "Hot" or "Cool".
    #[serde(skip_serializing_if = "String::is_empty")]
    pub access_tier: String,
    /// Account key.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub account_key: Secret,
    /// Shared access signature URL.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub sas_url: Secret,
}

/// Encrypted local storage (`cryptconfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CryptConfig {
    /// Read buffer in MB (0 = unbuffered, max 10).
    #[serde(skip_serializing_if = "is_default")]
    pub read_buffer_size: i64,
    /// Write buffer in MB (0 = unbuffered, max 10).
    #[serde(skip_serializing_if = "is_default")]
    pub write_buffer_size: i64,
    /// Passphrase the file keys are derived from (required).
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub passphrase: Secret,
}

/// A remote SFTP server (`sftpconfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SftpFsConfig {
    /// `host:port` (":22" is added when no port is given).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Remote username.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Accepted host key SHA256 fingerprints (empty = any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
    /// Remote directory used as the root ("/" by default).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    /// Disable concurrent reads (for servers that delete files once read).
    #[serde(skip_serializing_if = "is_false")]
    pub disable_concurrent_reads: bool,
    /// Transfer buffer in MB (0..=16; buffering disables resume).
    #[serde(skip_serializing_if = "is_default")]
    pub buffer_size: i64,
    /// 0 = same server needs endpoint and username, 1 = endpoint only.
    #[serde(skip_serializing_if = "is_default")]
    pub equality_check_mode: i64,
    /// Remote password.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub password: Secret,
    /// Private key (PEM/OpenSSH).
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub private_key: Secret,
    /// Passphrase of the private key.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub key_passphrase: Secret,
}

/// An "httpfs" REST backend (`httpconfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpFsConfig {
    /// Base URL (http or https).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Basic auth username.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Accept any TLS certificate (testing only).
    #[serde(skip_serializing_if = "is_false")]
    pub skip_tls_verify: bool,
    /// 0 = same server needs endpoint and username, 1 = endpoint only.
    #[serde(skip_serializing_if = "is_default")]
    pub equality_check_mode: i64,
    /// Basic auth password.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub password: Secret,
    /// API key sent to the backend.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub api_key: Secret,
}

/// Storage configuration (`filesystem`): a provider and its settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filesystem {
    /// Which backend is used.
    pub provider: FsProvider,
    /// Local settings.
    pub osconfig: OsFsConfig,
    /// S3 settings.
    pub s3config: S3Config,
    /// GCS settings.
    pub gcsconfig: GcsConfig,
    /// Azure Blob settings.
    pub azblobconfig: AzBlobConfig,
    /// Encrypted local settings.
    pub cryptconfig: CryptConfig,
    /// Remote SFTP settings.
    pub sftpconfig: SftpFsConfig,
    /// httpfs settings.
    pub httpconfig: HttpFsConfig,
}

impl Filesystem {
    /// A local filesystem with default settings.
    pub fn local() -> Self {
        Self::default()
    }

    /// Resets every sub-configuration that does not belong to the selected provider, as SFTPGo does
    /// when it saves an object. The local buffer settings survive only for the local provider.
    pub fn clear_inactive(&mut self) {
        let p = self.provider;
        if p != FsProvider::Local {
            self.osconfig = OsFsConfig::default();
        }
        if p != FsProvider::S3 {
            self.s3config = S3Config::default();
        }
        if p != FsProvider::Gcs {
            self.gcsconfig = GcsConfig::default();
        }
        if p != FsProvider::AzureBlob {
            self.azblobconfig = AzBlobConfig::default();
        }
        if p != FsProvider::Crypt {
            self.cryptconfig = CryptConfig::default();
        }
        if p != FsProvider::Sftp {
            self.sftpconfig = SftpFsConfig::default();
        }
        if p != FsProvider::Http {
            self.httpconfig = HttpFsConfig::default();
        }
    }

    /// The secrets of the selected provider with their JSON field paths (relative to
    /// `filesystem`), for encryption and redaction.
    pub fn secrets_mut(&mut self) -> Vec<(&'static str, &mut Secret)> {
        match self.provider {
            FsProvider::Local => Vec::new(),
            FsProvider::S3 => vec![
                ("s3config.access_secret", &mut self.s3config.access_secret),
                ("s3config.sse_customer_key", &mut self.s3config.sse_customer_key),
            ],
            FsProvider::Gcs => vec![("gcsconfig.credentials", &mut self.gcsconfig.credentials)],
            FsProvider::AzureBlob => vec![
                ("azblobconfig.account_key", &mut self.azblobconfig.account_key),
                ("azblobconfig.sas_url", &mut self.azblobconfig.sas_url),
            ],
            FsProvider::Crypt => vec![("cryptconfig.passphrase", &mut self.cryptconfig.passphrase)],
            FsProvider::Sftp => vec![
                ("sftpconfig.password", &mut self.sftpconfig.password),
                ("sftpconfig.private_key", &mut self.sftpconfig.private_key),
                ("sftpconfig.key_passphrase", &mut self.sftpconfig.key_passphrase),
            ],
            FsProvider::Http => vec![
                ("httpconfig.password", &mut self.httpconfig.password),
                ("httpconfig.api_key", &mut self.httpconfig.api_key),
            ],
        }
    }

    /// Every secret of every sub-configuration (also the inactive ones).
    pub fn all_secrets_mut(&mut self) -> [&mut Secret; 11] {
        [
            &mut self.s3config.access_secret,
            &mut self.s3config.sse_customer_key,
            &mut self.gcsconfig.credentials,
            &mut self.azblobconfig.account_key,
            &mut self.azblobconfig.sas_url,
            &mut self.cryptconfig.passphrase,
            &mut self.sftpconfig.password,
            &mut self.sftpconfig.private_key,
            &mut self.sftpconfig.key_passphrase,
            &mut self.httpconfig.password,
            &mut self.httpconfig.api_key,
        ]
    }

    /// The secrets of the selected provider with their JSON field paths (read-only view).
    pub fn secrets(&self) -> Vec<(&'static str, &Secret)> {
        match self.provider {
            FsProvider::Local => Vec::new(),
            FsProvider::S3 => vec![
                ("s3config.access_secret", &self.s3config.access_secret),
                ("s3config.sse_customer_key", &self.s3config.sse_customer_key),
            ],
            FsProvider::Gcs => vec![("gcsconfig.credentials", &self.gcsconfig.credentials)],
            FsProvider::AzureBlob => vec![
                ("azblobconfig.account_key", &self.azblobconfig.account_key),
                ("azblobconfig.sas_url", &self.azblobconfig.sas_url),
            ],
            FsProvider::Crypt => vec![("cryptconfig.passphrase", &self.cryptconfig.passphrase)],
            FsProvider::Sftp => vec![
                ("sftpconfig.password", &self.sftpconfig.password),
                ("sftpconfig.private_key", &self.sftpconfig.private_key),
                ("sftpconfig.key_passphrase", &self.sftpconfig.key_passphrase),
            ],
            FsProvider::Http => vec![
                ("httpconfig.password", &self.httpconfig.password),
                ("httpconfig.api_key", &self.httpconfig.api_key),
            ],
        }
    }

    /// True if a secret of the selected provider is the `Redacted` placeholder (such an object
    /// cannot be saved as new).
    pub fn has_redacted_secret(&self) -> bool {
        self.secrets().iter().any(|(_, s)| s.is_redacted())
    }

    /// Replaces every non-empty secret with the `Redacted` placeholder (API output).
    pub fn redact_secrets(&mut self) {
        for s in self.all_secrets_mut() {
            *s = s.redacted();
        }
    }
}
