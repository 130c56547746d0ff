//! The user object (`/api/v2/users`, dump key `users`) and the structures nested in it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::filesystem::Filesystem;
use crate::int_enum::int_enum;
use crate::secret::Secret;
use crate::serde_util::{is_default, is_false, is_zero};

/// Per-directory permissions: virtual path (or glob pattern) → permission names.
pub type Permissions = BTreeMap<String, Vec<String>>;

int_enum! {
    /// How a user belongs to a group (`groups[].type`).
    pub enum GroupType ("group type") {
        /// Settings are inherited, including the home dir and the filesystem (at most one).
        Primary = 1,
        /// Additive settings are inherited.
        Secondary = 2,
        /// Membership only: nothing is inherited.
        Membership = 3,
    }
}

int_enum! {
    /// What happens to entries denied by a file pattern filter (`deny_policy`).
    #[derive(Default)]
    pub enum DenyPolicy ("deny policy") {
        /// Denied entries are listed but cannot be transferred, renamed or deleted.
        #[default]
        Default = 0,
        /// Denied entries are also hidden from listings.
        Hide = 1,
    }
}

/// A user's membership of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMapping {
    /// Group name.
    pub name: String,
    /// Membership type.
    #[serde(rename = "type")]
    pub group_type: GroupType,
}

/// Shell-pattern restrictions for a virtual directory (`filters.file_patterns[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatternsFilter {
    /// Virtual directory the patterns apply to (and to its subdirectories without own filters).
    pub path: String,
    /// Case-insensitive allowed patterns (evaluated after the denied ones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_patterns: Vec<String>,
    /// Case-insensitive denied patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied_patterns: Vec<String>,
    /// Whether denied entries are hidden.
    #[serde(skip_serializing_if = "is_default")]
    pub deny_policy: DenyPolicy,
}

/// Per-user overrides of the global hooks (`filters.hooks`); always serialized in full.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HooksFilter {
    /// Skip the external auth hook.
    pub external_auth_disabled: bool,
    /// Skip the pre-login hook.
    pub pre_login_disabled: bool,
    /// Skip the check-password hook.
    pub check_password_disabled: bool,
}

/// Bandwidth limits for clients from some networks (`filters.bandwidth_limits[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BandwidthLimit {
    /// Source networks (CIDR).
    pub sources: Vec<String>,
    /// Upload limit in KB/s (0 = unlimited).
    #[serde(skip_serializing_if = "is_zero")]
    pub upload_bandwidth: i64,
    /// Download limit in KB/s (0 = unlimited).
    #[serde(skip_serializing_if = "is_zero")]
    pub download_bandwidth: i64,
}

/// A weekly time window in which login is allowed (`filters.access_time[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimePeriod {
    /// 0 = Sunday … 6 = Saturday.
    pub day_of_week: i64,
    /// Start, "HH:MM".
    pub from: String,
    /// End, "HH:MM" (inclusive).
    pub to: String,
}

/// Time-based one-time password configuration of a user (`filters.totp_config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserTotpConfig {
    /// TOTP is configured.
    #[serde(skip_serializing_if = "is_false")]
    pub enabled: bool,
    /// Name of a `mfa.totp` entry of the server configuration.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub config_name: String,
    /// The shared TOTP secret.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub secret: Secret,
    /// Protocols that ask for the passcode: `SSH`, `FTP`, `HTTP`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<String>,
}

/// A single-use second-factor recovery code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecoveryCode {
    /// The code, stored encrypted.
    pub secret: Secret,
    /// Already used.
    #[serde(skip_serializing_if = "is_false")]
    pub used: bool,
}

/// Additional restrictions of a user (`filters`) — also used, without the user-only fields, as the
/// `user_settings.filters` of a group (SFTPGo's `BaseUserFilters`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserFilters {
    /// Only these networks (CIDR) may log in; allowed wins over denied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_ip: Vec<String>,
    /// These networks (CIDR) may not log in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied_ip: Vec<String>,
    /// Login methods that are refused (see [`crate::perms::LOGIN_METHODS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied_login_methods: Vec<String>,
    /// Protocols that are refused: `SSH`, `FTP`, `DAV`, `HTTP`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied_protocols: Vec<String>,
    /// Shell-pattern filters per directory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub file_patterns: Vec<PatternsFilter>,
    /// Largest single upload in bytes (0 = unlimited).
    #[serde(skip_serializing_if = "is_zero")]
    pub max_upload_file_size: i64,
    /// Certificate field used as username for TLS client auth: `None` or `CommonName`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tls_username: String,
    /// PEM certificates accepted for `TLSCertificate` logins.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tls_certs: Vec<String>,
    /// Hook overrides.
    pub hooks: HooksFilter,
    /// Skip home/virtual folder existence checks at login.
    #[serde(skip_serializing_if = "is_false")]
    pub disable_fs_checks: bool,
    /// WebClient/user API restrictions (see [`crate::perms::WEB_CLIENT_OPTIONS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub web_client: Vec<String>,
    /// Allow impersonation through API keys.
    #[serde(skip_serializing_if = "is_false")]
    pub allow_api_key_auth: bool,
    /// Hint for auth plugins: "", `LDAPUser`, `OSUser`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_type: String,
    /// Per-source bandwidth limits (first match wins).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bandwidth_limits: Vec<BandwidthLimit>,
    /// Seconds an externally authenticated user is cached.
    #[serde(skip_serializing_if = "is_zero")]
    pub external_auth_cache_time: i64,
    /// Initial virtual directory.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub start_directory: String,
    /// Protocols that require two-factor auth: `SSH`, `FTP`, `HTTP`. Older dumps call it
    /// `2fa_protocols`.
    #[serde(skip_serializing_if = "Vec::is_empty", alias = "2fa_protocols")]
    pub two_factor_protocols: Vec<String>,
    /// 1 = FTP requires TLS for this user.
    #[serde(skip_serializing_if = "is_zero")]
    pub ftp_security: i64,
    /// Anonymous FTP/WebDAV user (read-only, any password).
    #[serde(skip_serializing_if = "is_false")]
    pub is_anonymous: bool,
    /// Default share expiration in days.
    #[serde(skip_serializing_if = "is_zero")]
    pub default_shares_expiration: i64,
    /// Maximum share expiration in days.
    #[serde(skip_serializing_if = "is_zero")]
    pub max_shares_expiration: i64,
    /// Password lifetime in days.
    #[serde(skip_serializing_if = "is_zero")]
    pub password_expiration: i64,
    /// Minimum password entropy.
    #[serde(skip_serializing_if = "is_zero")]
    pub password_strength: i64,
    /// Weekly windows in which login is allowed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_time: Vec<TimePeriod>,
    /// User only: the password must be changed at next login.
    #[serde(skip_serializing_if = "is_false")]
    pub require_password_change: bool,
    /// User only: TOTP configuration.
    #[serde(skip_serializing_if = "is_default")]
    pub totp_config: UserTotpConfig,
    /// User only: second-factor recovery codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recovery_codes: Vec<RecoveryCode>,
    /// User only: extra notification addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_emails: Vec<String>,
}

/// A virtual folder mounted into a user's or group's tree (`virtual_folders[]`).
///
/// Stored form: the folder `name` plus the mapping fields (`virtual_path`, quotas, `subpath`).
/// On output SFTPGo also embeds the folder itself (id, mapped path, usage, filesystem); those
/// fields are carried here and filled by [`VirtualFolder::expand`], and cleared again by
/// [`VirtualFolder::clear_output_only`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VirtualFolder {
    /// Folder id (output only).
    pub id: i64,
    /// Name of the [`crate::Folder`].
    pub name: String,
    /// Folder mapped path (output only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mapped_path: String,
    /// Folder description (output only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Folder used bytes (output only).
    pub used_quota_size: i64,
    /// Folder used files (output only).
    pub used_quota_files: i64,
    /// Folder last quota update, ms (output only).
    pub last_quota_update: i64,
    /// Folder filesystem (output only).
    pub filesystem: Filesystem,
    /// Where the folder appears in the user's tree (absolute; "/" hides the home).
    pub virtual_path: String,
    /// Size quota in bytes: 0 unlimited, -1 (with `quota_files` -1) counted in the user quota.
    pub quota_size: i64,
    /// Files quota: 0 unlimited, -1 (with `quota_size` -1) counted in the user quota.
    pub quota_files: i64,
    /// Relative sub-directory of the folder to mount instead of its root.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
}

impl VirtualFolder {
    /// A mapping of `name` at `virtual_path`, counted in the user quota.
    pub fn new(name: impl Into<String>, virtual_path: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            virtual_path: virtual_path.into(),
            quota_size: -1,
            quota_files: -1,
            ..Self::default()
        }
    }

    /// True when the folder's usage counts in the owner's quota (both quotas are -1).
    pub fn is_included_in_user_quota(&self) -> bool {
        self.quota_size == -1 && self.quota_files == -1
    }

    /// Copies the folder's own fields into this mapping, for output.
    pub fn expand(&mut self, folder: &crate::Folder) {
        self.id = folder.id;
        self.mapped_path = folder.mapped_path.clone();
        self.description = folder.description.clone();
        self.used_quota_size = folder.used_quota_size;
        self.used_quota_files = folder.used_quota_files;
        self.last_quota_update = folder.last_quota_update;
        self.filesystem = folder.filesystem.clone();
    }

    /// Drops the embedded folder fields, keeping only the mapping.
    pub fn clear_output_only(&mut self) {
        self.id = 0;
        self.mapped_path.clear();
        self.description.clear();
        self.used_quota_size = 0;
        self.used_quota_files = 0;
        self.last_quota_update = 0;
        self.filesystem = Filesystem::default();
    }
}

/// An account that can log in over SFTP/SCP/SSH, FTP, WebDAV and the web client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// Database id (ignored on restore; users are matched by username).
    pub id: i64,
    /// 1 enabled, 0 disabled.
    pub status: i64,
    /// Unique login name.
    pub username: String,
    /// Contact address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Account expiration, ms since epoch (0 = never).
    #[serde(skip_serializing_if = "is_zero")]
    pub expiration_date: i64,
    /// Password hash (or a plain password on input, hashed before it is stored).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// Authorized keys in OpenSSH format.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_keys: Vec<String>,
    /// Output only: a password is set.
    #[serde(skip_serializing_if = "is_false")]
    pub has_password: bool,
    /// Home directory (absolute).
    pub home_dir: String,
    /// Virtual folders.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub virtual_folders: Vec<VirtualFolder>,
    /// Owner uid for new files when running as root (0 = unchanged).
    pub uid: i64,
    /// Owner gid for new files when running as root (0 = unchanged).
    pub gid: i64,
    /// Concurrent sessions (0 = unlimited).
    pub max_sessions: i64,
    /// Size quota in bytes (0 = unlimited).
    pub quota_size: i64,
    /// Files quota (0 = unlimited).
    pub quota_files: i64,
    /// Per-directory permissions; `/` is mandatory.
    pub permissions: Permissions,
    /// Used bytes.
    #[serde(skip_serializing_if = "is_zero")]
    pub used_quota_size: i64,
    /// Used files.
    #[serde(skip_serializing_if = "is_zero")]
    pub used_quota_files: i64,
    /// Last quota update, ms.
    #[serde(skip_serializing_if = "is_zero")]
    pub last_quota_update: i64,
    /// Upload bandwidth in KB/s (0 = unlimited).
    #[serde(skip_serializing_if = "is_zero")]
    pub upload_bandwidth: i64,
    /// Download bandwidth in KB/s (0 = unlimited).
    #[serde(skip_serializing_if = "is_zero")]
    pub download_bandwidth: i64,
    /// Upload transfer quota in MB (0 = unlimited).
    pub upload_data_transfer: i64,
    /// Download transfer quota in MB (0 = unlimited).
    pub download_data_transfer: i64,
    /// Total transfer quota in MB (0 = unlimited; replaces the two above).
    pub total_data_transfer: i64,
    /// Uploaded bytes since the last reset.
    #[serde(skip_serializing_if = "is_zero")]
    pub used_upload_data_transfer: i64,
    /// Downloaded bytes since the last reset.
    #[serde(skip_serializing_if = "is_zero")]
    pub used_download_data_transfer: i64,
    /// Creation time, ms.
    pub created_at: i64,
    /// Last update, ms.
    pub updated_at: i64,
    /// Last login, ms.
    #[serde(skip_serializing_if = "is_zero")]
    pub last_login: i64,
    /// First download, ms.
    #[serde(skip_serializing_if = "is_zero")]
    pub first_download: i64,
    /// First upload, ms.
    #[serde(skip_serializing_if = "is_zero")]
    pub first_upload: i64,
    /// Last password change, ms.
    #[serde(skip_serializing_if = "is_zero")]
    pub last_password_change: i64,
    /// Free-form description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Free-form text for external systems.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub additional_info: String,
    /// Group memberships.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupMapping>,
    /// Custom OIDC claims passed to the pre-login hook; never stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc_custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// Role name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role: String,
    /// Additional restrictions.
    pub filters: UserFilters,
    /// Storage backend.
    pub filesystem: Filesystem,
}

impl User {
    /// The primary group, if any.
    pub fn primary_group(&self) -> Option<&str> {
        self.groups.iter().find(|g| g.group_type == GroupType::Primary).map(|g| g.name.as_str())
    }

    /// True when the account may log in as far as status and expiration go (`now_ms` = current
    /// time in ms).
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.status == 1 && (self.expiration_date == 0 || self.expiration_date >= now_ms)
    }
}
