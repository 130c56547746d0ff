//! The group object (`/api/v2/groups`, dump key `groups`).

use serde::{Deserialize, Serialize};

use crate::filesystem::Filesystem;
use crate::serde_util::is_zero;
use crate::user::{Permissions, UserFilters, VirtualFolder};

/// Settings a group hands to its members (`user_settings`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupUserSettings {
    /// Home directory template (`%username%`, `%role%` placeholders).
    pub home_dir: String,
    /// Concurrent sessions.
    pub max_sessions: i64,
    /// Size quota in bytes.
    pub quota_size: i64,
    /// Files quota.
    pub quota_files: i64,
    /// Per-directory permissions.
    pub permissions: Permissions,
    /// Upload bandwidth in KB/s.
    #[serde(skip_serializing_if = "is_zero")]
    pub upload_bandwidth: i64,
    /// Download bandwidth in KB/s.
    #[serde(skip_serializing_if = "is_zero")]
    pub download_bandwidth: i64,
    /// Upload transfer quota in MB.
    pub upload_data_transfer: i64,
    /// Download transfer quota in MB.
    pub download_data_transfer: i64,
    /// Total transfer quota in MB.
    pub total_data_transfer: i64,
    /// Account expiration in days from the user's creation.
    #[serde(skip_serializing_if = "is_zero")]
    pub expires_in: i64,
    /// Filters (the user-only fields of [`UserFilters`] are ignored).
    pub filters: UserFilters,
    /// Storage backend for primary members (used when the provider is not local).
    pub filesystem: Filesystem,
}

/// A set of settings shared by several users.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Group {
    /// Database id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Free-form description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Creation time, ms.
    pub created_at: i64,
    /// Last update, ms.
    pub updated_at: i64,
    /// Output only: member users.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Output only: admins that add this group to the users they create.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admins: Vec<String>,
    /// Settings inherited by members.
    pub user_settings: GroupUserSettings,
    /// Virtual folders inherited by members.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub virtual_folders: Vec<VirtualFolder>,
}

impl Group {
    /// Associated data bound to this group's encrypted secrets: `group_<name>`.
    pub fn encryption_additional_data(&self) -> String {
        format!("group_{}", self.name)
    }
}
