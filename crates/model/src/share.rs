//! The share object (`/api/v2/user/shares`, dump key `shares`).

use serde::{Deserialize, Serialize};

use crate::int_enum::int_enum;
use crate::serde_util::is_zero;

/// The placeholder shown instead of a share password; sent back, it keeps the stored one.
pub const REDACTED_SHARE_PASSWORD: &str = "[**redacted**]";

int_enum! {
    /// What the recipients of a share may do.
    pub enum ShareScope ("share scope") {
        /// Download.
        Read = 1,
        /// Upload into one directory.
        Write = 2,
        /// Both.
        ReadWrite = 3,
    }
}

/// Files or directories a user shares with external people through a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// Database id; not part of the JSON form.
    #[serde(skip)]
    pub db_id: i64,
    /// Share id (public identifier used in the link).
    #[serde(default)]
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Free-form description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Read, write or read-write.
    pub scope: ShareScope,
    /// Shared virtual paths (write scopes: exactly one directory).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Owner.
    #[serde(default)]
    pub username: String,
    /// Creation time, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
    /// Last use, ms.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub last_use_at: i64,
    /// Expiration, ms (0 = never).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub expires_at: i64,
    /// Password hash (always serialized, possibly empty).
    #[serde(default)]
    pub password: String,
    /// Maximum uses (0 = unlimited).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_tokens: i64,
    /// Uses so far.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub used_tokens: i64,
    /// Networks (CIDR) allowed to use the share.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_from: Vec<String>,
}

impl Share {
    /// A new share with the given id, name, scope, owner and paths; everything else empty.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        scope: ShareScope,
        username: impl Into<String>,
        paths: Vec<String>,
    ) -> Self {
        Self {
            db_id: 0,
            id: id.into(),
            name: name.into(),
            description: String::new(),
            scope,
            paths,
            username: username.into(),
            created_at: 0,
            updated_at: 0,
            last_use_at: 0,
            expires_at: 0,
            password: String::new(),
            max_tokens: 0,
            used_tokens: 0,
            allow_from: Vec::new(),
        }
    }
}
