//! The API key object (`/api/v2/apikeys`, dump key `api_keys`).

use serde::{Deserialize, Serialize};

use crate::int_enum::int_enum;
use crate::serde_util::is_zero;

int_enum! {
    /// Who an API key impersonates.
    pub enum ApiKeyScope ("API key scope") {
        /// An admin.
        Admin = 1,
        /// A user.
        User = 2,
    }
}

/// A long-lived credential for the REST API: the client sends `<id>.<secret>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Database id; not part of the JSON form (the key id below is the public identifier).
    #[serde(skip)]
    pub db_id: i64,
    /// Key id (22-character short UUID).
    #[serde(default)]
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Hash of the secret part (bcrypt/argon2id); plain on creation input.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// Admin or user scope.
    pub scope: ApiKeyScope,
    /// Creation time, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
    /// Last use, ms (0 = never).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub last_use_at: i64,
    /// Expiration, ms (0 = never).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub expires_at: i64,
    /// Free-form description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Bound user (user scope); empty = any user may be impersonated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// Bound admin (admin scope); empty = any admin may be impersonated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub admin: String,
}

impl ApiKey {
    /// A new key with the given id, name and scope; everything else empty.
    pub fn new(id: impl Into<String>, name: impl Into<String>, scope: ApiKeyScope) -> Self {
        Self {
            db_id: 0,
            id: id.into(),
            name: name.into(),
            key: String::new(),
            scope,
            created_at: 0,
            updated_at: 0,
            last_use_at: 0,
            expires_at: 0,
            description: String::new(),
            user: String::new(),
            admin: String::new(),
        }
    }
}
