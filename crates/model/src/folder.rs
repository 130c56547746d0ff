//! The virtual folder object (`/api/v2/folders`, dump key `folders`; SFTPGo's `BaseVirtualFolder`).

use serde::{Deserialize, Serialize};

use crate::filesystem::Filesystem;

/// A storage location that users and groups mount with a [`crate::VirtualFolder`] mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Folder {
    /// Database id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Absolute local path (required for the local and crypt providers).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mapped_path: String,
    /// Free-form description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Used bytes.
    pub used_quota_size: i64,
    /// Used files.
    pub used_quota_files: i64,
    /// Last quota update, ms.
    pub last_quota_update: i64,
    /// Output only: users that mount this folder.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Output only: groups that mount this folder.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Storage backend.
    pub filesystem: Filesystem,
}

impl Folder {
    /// Associated data bound to this folder's encrypted secrets: `folder_<name>`.
    pub fn encryption_additional_data(&self) -> String {
        format!("folder_{}", self.name)
    }
}
