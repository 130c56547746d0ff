//! The `common` section: settings shared by every protocol front (timeouts, upload modes, PROXY
//! protocol, connection caps, defender, rate limiters, legacy filesystem hooks).

use serde::{Deserialize, Serialize};

/// `common`: settings shared by SFTP, FTP, WebDAV and HTTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommonConfig {
    /// Minutes of inactivity before a client is disconnected (0 disables).
    pub idle_timeout: i64,
    /// Upload mode bit flags: 0 standard, 1 atomic, 2 atomic with resume, 4/8/16 keep partial
    /// S3/GCS/Azure uploads when the client aborts.
    pub upload_mode: i64,
    /// Legacy filesystem hook (`custom actions`).
    pub actions: FsActions,
    /// 0 execute chmod/chown/chtimes, 1 ignore them, 2 ignore them where unsupported.
    pub setstat_mode: i64,
    /// 0 refuse renaming non-empty directories on object storage, 1 allow (non-atomic).
    pub rename_mode: i64,
    /// Bitmask of backends where symlink creation is allowed (1 local/crypt, 2 SFTP backend).
    pub symlink_mode: i64,
    /// Max size in bytes for which resume is emulated on immutable object storage (0 = never).
    pub resume_max_size: i64,
    /// Minimum entropy for plaintext secrets such as crypt passphrases (0 disables the check).
    pub secret_min_entropy: f64,
    /// HAProxy PROXY protocol: 0 off, 1 enabled, 2 required.
    pub proxy_protocol: i64,
    /// IPs/networks allowed to send a PROXY header.
    pub proxy_allowed: Vec<String>,
    /// IPs/networks for which the PROXY header is not read.
    pub proxy_skipped: Vec<String>,
    /// Program or URL run once at startup.
    pub startup_hook: String,
    /// Program or URL that can reject a new connection.
    pub post_connect_hook: String,
    /// Program or URL notified when a session ends.
    pub post_disconnect_hook: String,
    /// Global connection cap (0 = unlimited).
    pub max_total_connections: i64,
    /// Per client IP connection cap (0 = unlimited).
    pub max_per_host_connections: i64,
    /// 1 = only addresses in the allow list may connect.
    pub allowlist_status: i64,
    /// 1 = users may use other accounts of this instance as SFTP backend.
    pub allow_self_connections: i64,
    /// Octal umask applied to created files, e.g. `022` (empty = process umask).
    pub umask: String,
    /// `short` hides the version number in protocol banners.
    pub server_version: String,
    /// `local` = use the server's local time zone for schedules and time restrictions.
    pub tz: String,
    /// Object metadata handling.
    pub metadata: MetadataConfig,
    /// Brute-force protection.
    pub defender: DefenderConfig,
    /// Token-bucket rate limiters, applied in order.
    pub rate_limiters: Vec<RateLimiterConfig>,
    /// Event Manager settings.
    pub event_manager: EventManagerConfig,
}

impl Default for CommonConfig {
    fn default() -> Self {
        Self {
            idle_timeout: 15,
            upload_mode: 0,
            actions: FsActions::default(),
            setstat_mode: 0,
            rename_mode: 0,
            symlink_mode: 0,
            resume_max_size: 0,
            secret_min_entropy: 80.0,
            proxy_protocol: 0,
            proxy_allowed: Vec::new(),
            proxy_skipped: Vec::new(),
            startup_hook: String::new(),
            post_connect_hook: String::new(),
            post_disconnect_hook: String::new(),
            max_total_connections: 0,
            max_per_host_connections: 20,
            allowlist_status: 0,
            allow_self_connections: 0,
            umask: String::new(),
            server_version: String::new(),
            tz: String::new(),
            metadata: MetadataConfig::default(),
            defender: DefenderConfig::default(),
            rate_limiters: vec![RateLimiterConfig::default()],
            event_manager: EventManagerConfig::default(),
        }
    }
}

/// `common.actions`: the legacy filesystem hook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FsActions {
    /// Events that trigger the hook (`upload`, `download`, `pre-delete`, ...).
    pub execute_on: Vec<String>,
    /// Events for which the hook runs synchronously.
    pub execute_sync: Vec<String>,
    /// Absolute program path or `http(s)://` URL.
    pub hook: String,
}

/// `common.metadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetadataConfig {
    /// 1 = read object metadata before downloads.
    pub read: i64,
}

/// `common.defender`: scores failed logins per client IP and bans abusers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DefenderConfig {
    /// Whether the defender is active.
    pub enabled: bool,
    /// `memory` or `provider` (shared database).
    pub driver: String,
    /// Ban duration in minutes.
    pub ban_time: i64,
    /// Percentage of `ban_time` added each time a banned host comes back.
    pub ban_time_increment: i64,
    /// Score at which a host is banned.
    pub threshold: i64,
    /// Score for a login attempt with an unknown user.
    pub score_invalid: i64,
    /// Score for a failed login of an existing user.
    pub score_valid: i64,
    /// Score for exceeding a connection or rate limit.
    pub score_limit_exceeded: i64,
    /// Score for a connection closed without any login attempt.
    pub score_no_auth: i64,
    /// Window in minutes over which scores are summed.
    pub observation_time: i64,
    /// Number of hosts kept after a clean-up.
    pub entries_soft_limit: i64,
    /// Number of hosts that triggers a clean-up.
    pub entries_hard_limit: i64,
    /// Artificial delays applied to logins.
    pub login_delay: LoginDelay,
}

impl Default for DefenderConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            driver: "memory".to_owned(),
            ban_time: 30,
            ban_time_increment: 50,
            threshold: 15,
            score_invalid: 2,
            score_valid: 1,
            score_limit_exceeded: 3,
            score_no_auth: 0,
            observation_time: 30,
            entries_soft_limit: 100,
            entries_hard_limit: 150,
            login_delay: LoginDelay::default(),
        }
    }
}

/// `common.defender.login_delay`, in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginDelay {
    /// Delay before a successful login completes.
    pub success: i64,
    /// Delay before a failed password login is reported.
    pub password_failed: i64,
}

impl Default for LoginDelay {
    fn default() -> Self {
        Self { success: 0, password_failed: 1000 }
    }
}

/// One element of `common.rate_limiters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimiterConfig {
    /// Tokens per `period` (0 disables the limiter).
    pub average: i64,
    /// Period in milliseconds.
    pub period: i64,
    /// Bucket size.
    pub burst: i64,
    /// 1 global bucket, 2 one bucket per source IP.
    #[serde(rename = "type")]
    pub limiter_type: i64,
    /// Protocols the limiter applies to: `SSH`, `FTP`, `DAV`, `HTTP`.
    pub protocols: Vec<String>,
    /// Whether exceeding a per-IP limit feeds the defender.
    pub generate_defender_events: bool,
    /// Per-IP buckets kept after a clean-up.
    pub entries_soft_limit: i64,
    /// Per-IP buckets that trigger a clean-up.
    pub entries_hard_limit: i64,
}

impl Default for RateLimiterConfig {
    fn default() -> Self {
        Self {
            average: 0,
            period: 1000,
            burst: 1,
            limiter_type: 2,
            protocols: ["SSH", "FTP", "DAV", "HTTP"].map(String::from).to_vec(),
            generate_defender_events: false,
            entries_soft_limit: 100,
            entries_hard_limit: 150,
        }
    }
}

/// `common.event_manager`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventManagerConfig {
    /// Absolute paths of the commands the "command" event action may run.
    pub enabled_commands: Vec<String>,
}
