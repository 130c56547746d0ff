//! Event Manager objects: reusable actions (`/api/v2/eventactions`, dump key `event_actions`) and
//! rules (`/api/v2/eventrules`, dump key `event_rules`).

use serde::{Deserialize, Serialize};

use crate::int_enum::int_enum;
use crate::secret::Secret;
use crate::serde_util::{is_false, is_zero};

int_enum! {
    /// What an event action does.
    pub enum ActionType ("event action type") {
        /// HTTP request.
        Http = 1,
        /// Run a command.
        Command = 2,
        /// Send an email.
        Email = 3,
        /// Write a dump to the backups path.
        Backup = 4,
        /// Rescan user quota.
        UserQuotaReset = 5,
        /// Rescan folder quota.
        FolderQuotaReset = 6,
        /// Reset transfer quota.
        TransferQuotaReset = 7,
        /// Data retention check.
        DataRetentionCheck = 8,
        /// Filesystem operations.
        Filesystem = 9,
        /// Password expiration check.
        PasswordExpirationCheck = 11,
        /// User expiration check.
        UserExpirationCheck = 12,
        /// Identity provider account check.
        IdpAccountCheck = 13,
        /// User inactivity check.
        UserInactivityCheck = 14,
        /// Rotate the log file.
        RotateLogs = 15,
    }
}

int_enum! {
    /// What starts an event rule.
    pub enum Trigger ("event rule trigger") {
        /// Filesystem event (upload, download, …).
        FsEvent = 1,
        /// Provider event (object added, updated, deleted).
        ProviderEvent = 2,
        /// Cron-like schedule.
        Schedule = 3,
        /// The defender blocked an IP.
        IpBlocked = 4,
        /// An ACME certificate was renewed.
        Certificate = 5,
        /// Run on demand through the API.
        OnDemand = 6,
        /// Identity provider (OIDC) login.
        IdpLogin = 7,
    }
}

/// Filesystem action: rename.
pub const FS_ACTION_RENAME: i64 = 1;
/// Filesystem action: delete.
pub const FS_ACTION_DELETE: i64 = 2;
/// Filesystem action: create directories.
pub const FS_ACTION_MKDIRS: i64 = 3;
/// Filesystem action: check existence.
pub const FS_ACTION_EXIST: i64 = 4;
/// Filesystem action: compress into an archive.
pub const FS_ACTION_COMPRESS: i64 = 5;
/// Filesystem action: copy.
pub const FS_ACTION_COPY: i64 = 6;

/// A key/value pair (headers, query parameters, environment variables, copy source/target).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyValue {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// A part of a multipart HTTP request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpPart {
    /// Part name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Virtual path of a file to attach.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filepath: String,
    /// Extra part headers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<KeyValue>,
    /// Part body (when no file is attached).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub body: String,
}

/// HTTP action settings (`options.http_config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// URL (http or https).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Basic auth user.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Basic auth password.
    #[serde(skip_serializing_if = "Secret::is_unset")]
    pub password: Secret,
    /// Request headers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<KeyValue>,
    /// Timeout in seconds (1..=180; ignored for multipart uploads).
    #[serde(skip_serializing_if = "is_zero")]
    pub timeout: i64,
    /// Accept any TLS certificate.
    #[serde(skip_serializing_if = "is_false")]
    pub skip_tls_verify: bool,
    /// GET, POST, PUT or DELETE.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub method: String,
    /// Query parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub query_parameters: Vec<KeyValue>,
    /// Request body (template).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// Multipart parts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<HttpPart>,
}

/// Command action settings (`options.cmd_config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommandConfig {
    /// Absolute path of the program.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cmd: String,
    /// Arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Timeout in seconds (1..=120).
    #[serde(skip_serializing_if = "is_zero")]
    pub timeout: i64,
    /// Environment variables.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_vars: Vec<KeyValue>,
}

/// Email action settings (`options.email_config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailConfig {
    /// Recipients.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// Blind copies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bcc: Vec<String>,
    /// Subject (template).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// Body (template).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// Virtual paths to attach.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
    /// 0 text/plain, 1 text/html.
    #[serde(skip_serializing_if = "is_zero")]
    pub content_type: i64,
}

/// Retention settings for one directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FolderRetention {
    /// Virtual directory.
    pub path: String,
    /// Retention in hours (0 = exclude this directory).
    pub retention: i64,
    /// Also delete empty directories.
    #[serde(skip_serializing_if = "is_false")]
    pub delete_empty_dirs: bool,
}

/// Data retention settings (`options.retention_config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionConfig {
    /// Per-directory retention.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<FolderRetention>,
}

/// A rename (`key` → `value`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RenameConfig {
    /// Source path.
    pub key: String,
    /// Target path.
    pub value: String,
    /// Update the modification time.
    #[serde(skip_serializing_if = "is_false")]
    pub update_modtime: bool,
}

/// Compression settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FsCompress {
    /// Archive virtual path.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Paths to compress.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// Filesystem action settings (`options.fs_config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FsActionConfig {
    /// One of the `FS_ACTION_*` values (0 when the action is not a filesystem action).
    #[serde(rename = "type", skip_serializing_if = "is_zero")]
    pub action_type: i64,
    /// Renames.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renames: Vec<RenameConfig>,
    /// Directories to create.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mkdirs: Vec<String>,
    /// Paths to delete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deletes: Vec<String>,
    /// Paths to check for existence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exist: Vec<String>,
    /// Copies (`key` → `value`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copy: Vec<KeyValue>,
    /// Compression.
    pub compress: FsCompress,
}

/// Password expiration check settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PwdExpirationConfig {
    /// Notify when the password expires within this many days.
    #[serde(skip_serializing_if = "is_zero")]
    pub threshold: i64,
}

/// User inactivity check settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserInactivityConfig {
    /// Disable after this many inactive days.
    #[serde(skip_serializing_if = "is_zero")]
    pub disable_threshold: i64,
    /// Delete after this many inactive days.
    #[serde(skip_serializing_if = "is_zero")]
    pub delete_threshold: i64,
}

/// Identity provider account check settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdpAccountCheckConfig {
    /// 0 create or update, 1 create only.
    #[serde(skip_serializing_if = "is_zero")]
    pub mode: i64,
    /// Template for user accounts (JSON).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template_user: String,
    /// Template for admin accounts (JSON).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template_admin: String,
}

/// Per-type settings of an action (`options`); only the one matching the type is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionOptions {
    /// HTTP.
    pub http_config: HttpConfig,
    /// Command.
    pub cmd_config: CommandConfig,
    /// Email.
    pub email_config: EmailConfig,
    /// Data retention.
    pub retention_config: RetentionConfig,
    /// Filesystem.
    pub fs_config: FsActionConfig,
    /// Password expiration check.
    pub pwd_expiration_config: PwdExpirationConfig,
    /// User inactivity check.
    pub user_inactivity_config: UserInactivityConfig,
    /// Identity provider account check.
    pub idp_config: IdpAccountCheckConfig,
}

/// A reusable action (SFTPGo's `BaseEventAction`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAction {
    /// Database id.
    #[serde(default)]
    pub id: i64,
    /// Unique name.
    #[serde(default)]
    pub name: String,
    /// Free-form description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Action type.
    #[serde(rename = "type")]
    pub action_type: ActionType,
    /// Type-specific settings.
    #[serde(default)]
    pub options: ActionOptions,
    /// Output only: rules using this action.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

impl EventAction {
    /// A new action with default options.
    pub fn new(name: impl Into<String>, action_type: ActionType) -> Self {
        Self {
            id: 0,
            name: name.into(),
            description: String::new(),
            action_type,
            options: ActionOptions::default(),
            rules: Vec::new(),
        }
    }
}

/// How an action is run by a rule (`relation_options`); always serialized in full.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RelationOptions {
    /// Run only if a previous non-failure action failed.
    pub is_failure_action: bool,
    /// Stop the chain if this action fails.
    pub stop_on_failure: bool,
    /// Run synchronously (upload and pre-* filesystem events, IDP logins).
    pub execute_sync: bool,
}

/// An action referenced by a rule (`actions[]`).
///
/// Stored form: `name`, `order` and `relation_options`. SFTPGo's output embeds the whole action
/// (id, type, options…); those fields are carried here, filled by [`RuleAction::expand`] and
/// cleared by [`RuleAction::clear_output_only`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleAction {
    /// Action id (output only).
    #[serde(skip_serializing_if = "is_zero")]
    pub id: i64,
    /// Name of the [`EventAction`].
    pub name: String,
    /// Action description (output only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Action type (output only).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub action_type: Option<ActionType>,
    /// Action options (output only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<ActionOptions>,
    /// Execution order.
    #[serde(skip_serializing_if = "is_zero")]
    pub order: i64,
    /// Execution options.
    pub relation_options: RelationOptions,
}

impl RuleAction {
    /// A reference to `name` at position `order`.
    pub fn new(name: impl Into<String>, order: i64) -> Self {
        Self { name: name.into(), order, ..Self::default() }
    }

    /// Copies the action's own fields into this reference, for output.
    pub fn expand(&mut self, action: &EventAction) {
        self.id = action.id;
        self.description = action.description.clone();
        self.action_type = Some(action.action_type);
        self.options = Some(action.options.clone());
    }

    /// Drops the embedded action fields, keeping only the reference.
    pub fn clear_output_only(&mut self) {
        self.id = 0;
        self.description.clear();
        self.action_type = None;
        self.options = None;
    }
}

/// A name pattern with optional inversion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConditionPattern {
    /// Shell pattern.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pattern: String,
    /// Match when the pattern does not match.
    #[serde(skip_serializing_if = "is_false")]
    pub inverse_match: bool,
}

/// Extra conditions of a rule (`conditions.options`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConditionOptions {
    /// Username/folder name patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<ConditionPattern>,
    /// Group name patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_names: Vec<ConditionPattern>,
    /// Role name patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub role_names: Vec<ConditionPattern>,
    /// Virtual path patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fs_paths: Vec<ConditionPattern>,
    /// Protocols (`SFTP`, `SCP`, `SSH`, `FTP`, `DAV`, `HTTP`, `HTTPShare`, `OIDC`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<String>,
    /// Provider object types.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provider_objects: Vec<String>,
    /// Minimum file size in bytes.
    #[serde(skip_serializing_if = "is_zero")]
    pub min_size: i64,
    /// Maximum file size in bytes.
    #[serde(skip_serializing_if = "is_zero")]
    pub max_size: i64,
    /// Event statuses (1 ok, 2 error, 3 quota exceeded).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_statuses: Vec<i64>,
    /// Allow concurrent runs of scheduled tasks on several nodes.
    #[serde(skip_serializing_if = "is_false")]
    pub concurrent_execution: bool,
}

/// A cron-like schedule (minute is always 0).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Schedule {
    /// Hour field.
    pub hour: String,
    /// Day of week field.
    pub day_of_week: String,
    /// Day of month field.
    pub day_of_month: String,
    /// Month field.
    pub month: String,
}

/// Conditions of a rule (`conditions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventConditions {
    /// Filesystem events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fs_events: Vec<String>,
    /// Provider events (`add`, `update`, `delete`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provider_events: Vec<String>,
    /// Schedules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    /// 0 any, 1 user, 2 admin IDP logins.
    #[serde(skip_serializing_if = "is_zero")]
    pub idp_login_event: i64,
    /// Extra conditions.
    pub options: ConditionOptions,
}

/// A rule: a trigger, conditions and an ordered list of actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRule {
    /// Database id.
    #[serde(default)]
    pub id: i64,
    /// Unique name.
    #[serde(default)]
    pub name: String,
    /// 1 enabled, 0 disabled.
    #[serde(default)]
    pub status: i64,
    /// Free-form description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Creation time, ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last update, ms.
    #[serde(default)]
    pub updated_at: i64,
    /// Trigger.
    pub trigger: Trigger,
    /// Conditions.
    #[serde(default)]
    pub conditions: EventConditions,
    /// Actions, by name.
    #[serde(default)]
    pub actions: Vec<RuleAction>,
}

impl EventRule {
    /// A new enabled rule with no conditions and no actions.
    pub fn new(name: impl Into<String>, trigger: Trigger) -> Self {
        Self {
            id: 0,
            name: name.into(),
            status: 1,
            description: String::new(),
            created_at: 0,
            updated_at: 0,
            trigger,
            conditions: EventConditions::default(),
            actions: Vec::new(),
        }
    }
}
