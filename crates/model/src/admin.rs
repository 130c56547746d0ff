//! The admin object (`/api/v2/admins`, dump key `admins`).

use serde::{Deserialize, Serialize};

use crate::int_enum::int_enum;
use crate::secret::Secret;
use crate::serde_util::{is_default, is_false, is_zero};
use crate::user::RecoveryCode;

int_enum! {
    /// How an admin's group is attached to the users the admin creates.
    #[derive(Default)]
    pub enum AddToUsersAs ("add_to_users_as mode") {
        /// As a membership group.
        #[default]
        Membership = 0,
        /// As the primary group.
        Primary = 1,
        /// As a secondary group.
        Secondary = 2,
    }
}

/// TOTP configuration of an admin (`filters.totp_config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminTotpConfig {
    /// TOTP is configured.
    #[serde(skip_serializing_if = "is_false")]
    pub enabled: bool,
    /// Name of a `mfa.totp` entry of the server configuration.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub config_name: String,
    /// The shared TOTP secret.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub secret: Secret,
}

/// WebAdmin UI preferences (`filters.preferences`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminPreferences {
    /// Bit mask of user page sections to hide (1 groups, 2 fs, 4 vfolders, 8 profile, 16 ACLs,
    /// 32 quota/bandwidth, 64 advanced).
    #[serde(skip_serializing_if = "is_zero")]
    pub hide_user_page_sections: i64,
    /// Default expiration, in days, of the users this admin creates.
    #[serde(skip_serializing_if = "is_zero")]
    pub default_users_expiration: i64,
}

/// Additional restrictions of an admin (`filters`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminFilters {
    /// Only these networks (CIDR) may log in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow_list: Vec<String>,
    /// Allow impersonation through API keys.
    #[serde(skip_serializing_if = "is_false")]
    pub allow_api_key_auth: bool,
    /// The password must be changed at next login.
    #[serde(skip_serializing_if = "is_false")]
    pub require_password_change: bool,
    /// Two-factor authentication is mandatory.
    pub require_two_factor: bool,
    /// TOTP configuration.
    pub totp_config: AdminTotpConfig,
    /// Recovery codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recovery_codes: Vec<RecoveryCode>,
    /// UI preferences.
    pub preferences: AdminPreferences,
}

/// Options of an admin's group membership.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminGroupMappingOptions {
    /// How the group is added to new users.
    #[serde(skip_serializing_if = "is_default")]
    pub add_to_users_as: AddToUsersAs,
}

/// A group associated with an admin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminGroupMapping {
    /// Group name.
    pub name: String,
    /// Options.
    pub options: AdminGroupMappingOptions,
}

/// An administrator of the REST API and WebAdmin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Admin {
    /// Database id.
    pub id: i64,
    /// 1 enabled, 0 disabled.
    pub status: i64,
    /// Unique login name.
    pub username: String,
    /// Password hash (bcrypt `$2a$` or argon2id), or a plain password on input.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// Contact address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Admin permissions (see [`crate::perms::ADMIN_PERMISSIONS`]).
    pub permissions: Vec<String>,
    /// Additional restrictions.
    pub filters: AdminFilters,
    /// Free-form description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Free-form text for external systems.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub additional_info: String,
    /// Groups added to the users this admin creates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<AdminGroupMapping>,
    /// Creation time, ms.
    pub created_at: i64,
    /// Last update, ms.
    pub updated_at: i64,
    /// Last login, ms.
    pub last_login: i64,
    /// Role name: a role admin only manages users of that role.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role: String,
}

impl Admin {
    /// True for a super admin (`*` permission).
    pub fn is_super_admin(&self) -> bool {
        self.permissions.iter().any(|p| p == crate::perms::ADMIN_PERM_ANY)
    }

    /// True if the admin holds `perm` (directly or through `*`).
    pub fn has_permission(&self, perm: &str) -> bool {
        self.permissions.iter().any(|p| p == perm || p == crate::perms::ADMIN_PERM_ANY)
    }
}
