//! The `data_provider` section: where accounts live and the hooks around them.

use serde::{Deserialize, Serialize};

/// `data_provider`: database settings, provider hooks, password policy.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataProviderConfig {
    /// `sqlite`, `mysql`, `postgresql`, `cockroachdb`, `bolt` or `memory`.
    pub driver: String,
    /// Database name or file path (for `memory`: optional dump file loaded at start).
    pub name: String,
    /// Database host (PostgreSQL/CockroachDB accept a comma separated list).
    pub host: String,
    /// Database port (0 = driver default).
    pub port: u16,
    /// Database user.
    pub username: String,
    /// Database password.
    pub password: String,
    /// File to read the database password from.
    pub password_file: String,
    /// TLS mode: 0 off, 1 require, 2 verify-ca/skip-verify, 3 verify-full/preferred, 4 prefer, 5 allow.
    pub sslmode: i64,
    /// Do not send SNI (PostgreSQL).
    pub disable_sni: bool,
    /// PostgreSQL `target_session_attrs`.
    pub target_session_attrs: String,
    /// CA certificate for the database connection.
    pub root_cert: String,
    /// Client certificate for the database connection.
    pub client_cert: String,
    /// Client key for the database connection.
    pub client_key: String,
    /// Full connection string; overrides the individual settings.
    pub connection_string: String,
    /// Prefix for table names (`a-z`, `0-9`, `_`).
    pub sql_tables_prefix: String,
    /// 0 no quota tracking, 1 always, 2 only for users with limits and for folders.
    pub track_quota: i64,
    /// Seconds to batch quota updates (0 = immediate).
    pub delayed_quota_update: i64,
    /// Maximum open connections (0 = unlimited).
    pub pool_size: i64,
    /// Default home is `<users_base_dir>/<username>` when none is given.
    pub users_base_dir: String,
    /// Provider hook (object add/update/delete).
    pub actions: ProviderActions,
    /// External authentication program or URL.
    pub external_auth_hook: String,
    /// Bits of the methods handled by the external auth hook (0 = all).
    pub external_auth_scope: i64,
    /// Program or URL that can modify a user before login.
    pub pre_login_hook: String,
    /// Program or URL notified after a login.
    pub post_login_hook: String,
    /// 0 all logins, 1 failed only, 2 successful only.
    pub post_login_scope: i64,
    /// Program or URL that checks passwords.
    pub check_password_hook: String,
    /// Protocol bits the check password hook applies to (0 = all).
    pub check_password_scope: i64,
    /// How new password hashes are made.
    pub password_hashing: PasswordHashing,
    /// Minimum password strength.
    pub password_validation: PasswordValidation,
    /// Cache verified passwords in memory.
    pub password_caching: bool,
    /// 0 migrate the schema automatically, 1 only via `initprovider`.
    pub update_mode: i64,
    /// Create the first admin from `SFTPGO_DEFAULT_ADMIN_USERNAME`/`_PASSWORD`.
    pub create_default_admin: bool,
    /// Name rules bits: 1 any UTF-8, 2 lowercase, 4 trim spaces.
    pub naming_rules: i64,
    /// 1 = database shared by several nodes.
    pub is_shared: i64,
    /// This node's address for cluster views.
    pub node: NodeConfig,
    /// Where backups (dumps) are written.
    pub backups_path: String,
}

impl Default for DataProviderConfig {
    fn default() -> Self {
        Self {
            driver: "sqlite".to_owned(),
            name: "sftpgo.db".to_owned(),
            host: String::new(),
            port: 0,
            username: String::new(),
            password: String::new(),
            password_file: String::new(),
            sslmode: 0,
            disable_sni: false,
            target_session_attrs: String::new(),
            root_cert: String::new(),
            client_cert: String::new(),
            client_key: String::new(),
            connection_string: String::new(),
            sql_tables_prefix: String::new(),
            track_quota: 2,
            delayed_quota_update: 0,
            pool_size: 0,
            users_base_dir: String::new(),
            actions: ProviderActions::default(),
            external_auth_hook: String::new(),
            external_auth_scope: 0,
            pre_login_hook: String::new(),
            post_login_hook: String::new(),
            post_login_scope: 0,
            check_password_hook: String::new(),
            check_password_scope: 0,
            password_hashing: PasswordHashing::default(),
            password_validation: PasswordValidation::default(),
            password_caching: true,
            update_mode: 0,
            create_default_admin: false,
            naming_rules: 5,
            is_shared: 0,
            node: NodeConfig::default(),
            backups_path: "backups".to_owned(),
        }
    }
}

/// `data_provider.actions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderActions {
    /// `add`, `update`, `delete`.
    pub execute_on: Vec<String>,
    /// Object types: `user`, `folder`, `group`, `admin`, `api_key`, `share`, ...
    pub execute_for: Vec<String>,
    /// Program or URL.
    pub hook: String,
}

/// `data_provider.password_hashing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordHashing {
    /// bcrypt parameters.
    pub bcrypt_options: BcryptOptions,
    /// argon2id parameters.
    pub argon2_options: Argon2Options,
    /// `bcrypt` or `argon2id`.
    pub algo: String,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        Self {
            bcrypt_options: BcryptOptions::default(),
            argon2_options: Argon2Options::default(),
            algo: "bcrypt".to_owned(),
        }
    }
}

/// `data_provider.password_hashing.bcrypt_options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BcryptOptions {
    /// bcrypt cost (4..=31).
    pub cost: i64,
}

impl Default for BcryptOptions {
    fn default() -> Self {
        Self { cost: 10 }
    }
}

/// `data_provider.password_hashing.argon2_options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Options {
    /// Memory in KiB.
    pub memory: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u8,
}

impl Default for Argon2Options {
    fn default() -> Self {
        Self { memory: 65536, iterations: 1, parallelism: 2 }
    }
}

/// `data_provider.password_validation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordValidation {
    /// Rules for admins.
    pub admins: PasswordRules,
    /// Rules for protocol users.
    pub users: PasswordRules,
}

/// Password strength rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordRules {
    /// Minimum entropy (0 = any password).
    pub min_entropy: f64,
}

/// `data_provider.node`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Address other nodes use to reach this one.
    pub host: String,
    /// Port other nodes use to reach this one.
    pub port: u16,
    /// `http` or `https`.
    pub proto: String,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self { host: String::new(), port: 0, proto: "http".to_owned() }
    }
}

impl std::fmt::Debug for DataProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::redact::debug_masked(f, "DataProviderConfig", self, &["password", "connection_string"])
    }
}
