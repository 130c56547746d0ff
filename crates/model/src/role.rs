//! The role object (`/api/v2/roles`, dump key `roles`).

use serde::{Deserialize, Serialize};

/// A label that partitions users: a role admin manages only the users of its role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
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
    /// Output only: users with this role.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Output only: admins with this role.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admins: Vec<String>,
}
