//! The legacy filesystem actions (`common.actions`).
//!
//! The session builds an [`FsEvent`] for an operation and hands it to [`ActionRunner::run`] when
//! [`ActionRunner::wants`] the action. `pre-*` actions and those in `execute_sync` run before
//! `run` returns and their failure is returned; the others run in the background, at most
//! [`MAX_ASYNC`] at a time (the rest wait their turn), and their failures are only logged.
//!
//! A program hook receives exactly `command.env` (plus a matching override's env) and the
//! `SFTPGO_ACTION*` variables of [`FsEvent::env_vars`]; an HTTP hook receives `POST <hook>` with
//! the JSON of [`FsEvent`] and must answer 200.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde::{Serialize, Serializer};
use wharf_config::FsActions;

use super::pool::AsyncPool;
use super::{HookError, HookKind, HookRunners, HookTarget, HttpRequest};

/// Background filesystem hooks running at once, at most.
pub const MAX_ASYNC: usize = 150;

/// A filesystem action that can trigger the hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FsAction {
    /// Before a download starts (synchronous; failure denies it).
    PreDownload,
    /// A download ended.
    Download,
    /// The user's first successful download ever.
    FirstDownload,
    /// Before an upload starts (synchronous; failure denies it).
    PreUpload,
    /// An upload ended.
    Upload,
    /// The user's first successful upload ever.
    FirstUpload,
    /// Before a file is deleted (synchronous; failure denies it).
    PreDelete,
    /// A file was deleted.
    Delete,
    /// A file or directory was renamed.
    Rename,
    /// A directory was created.
    Mkdir,
    /// A directory was removed.
    Rmdir,
    /// An SSH command (other than scp) ended.
    SshCmd,
    /// A file or directory was copied.
    Copy,
}

impl FsAction {
    /// Every action, in the order of SFTPGo's documentation.
    pub const ALL: [Self; 13] = [
        Self::PreDownload,
        Self::Download,
        Self::FirstDownload,
        Self::PreUpload,
        Self::Upload,
        Self::FirstUpload,
        Self::PreDelete,
        Self::Delete,
        Self::Rename,
        Self::Mkdir,
        Self::Rmdir,
        Self::SshCmd,
        Self::Copy,
    ];

    /// The name used in `execute_on`, `SFTPGO_ACTION` and the JSON `action` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreDownload => "pre-download",
            Self::Download => "download",
            Self::FirstDownload => "first-download",
            Self::PreUpload => "pre-upload",
            Self::Upload => "upload",
            Self::FirstUpload => "first-upload",
            Self::PreDelete => "pre-delete",
            Self::Delete => "delete",
            Self::Rename => "rename",
            Self::Mkdir => "mkdir",
            Self::Rmdir => "rmdir",
            Self::SshCmd => "ssh_cmd",
            Self::Copy => "copy",
        }
    }

    /// The action named `name` (as in `execute_on`), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// `pre-*` actions always run synchronously and can deny the operation.
    pub fn is_pre(self) -> bool {
        matches!(self, Self::PreDownload | Self::PreUpload | Self::PreDelete)
    }
}

impl std::fmt::Display for FsAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FsAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The outcome reported to the hook (`SFTPGO_ACTION_STATUS`, JSON `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventStatus {
    /// 1: the operation succeeded (also every `pre-*` event).
    #[default]
    Ok,
    /// 2: the operation failed.
    Error,
    /// 3: the operation failed because a quota was exceeded.
    QuotaExceeded,
}

impl EventStatus {
    /// The number hooks see.
    pub fn code(self) -> i32 {
        match self {
            Self::Ok => 1,
            Self::Error => 2,
            Self::QuotaExceeded => 3,
        }
    }
}

impl Serialize for EventStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.code())
    }
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}

/// One filesystem event, with the fields (and JSON names) of SFTPGo's notifier event. Empty
/// strings, zero numbers and empty metadata are left out of the JSON where SFTPGo leaves them
/// out; the environment always carries every variable except the metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FsEvent {
    /// What happened.
    pub action: FsAction,
    /// The user.
    pub username: String,
    /// Filesystem path of the file (for cloud backends, the object key).
    pub path: String,
    /// Filesystem path of the target (rename, copy).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target_path: String,
    /// Path as the user sees it.
    pub virtual_path: String,
    /// Target path as the user sees it (rename, copy).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub virtual_target_path: String,
    /// The SSH command line (`ssh_cmd` events).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ssh_cmd: String,
    /// Size in bytes of the file (transferred bytes for uploads and downloads).
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub file_size: i64,
    /// Storage backend number (0 local, 1 S3, 2 GCS, 3 Azure, 4 crypt, 5 SFTP, 6 HTTP).
    pub fs_provider: i32,
    /// S3/GCS bucket or Azure container.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bucket: String,
    /// Backend endpoint (S3, Azure, SFTP, HTTP).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Outcome.
    pub status: EventStatus,
    /// Protocol name: `SSH`, `SFTP`, `SCP`, `FTP`, `DAV`, `HTTP`, `HTTPShare`, ...
    pub protocol: String,
    /// Client IP address.
    pub ip: String,
    /// Connection id.
    pub session_id: String,
    /// When the event happened, in nanoseconds since the Unix epoch.
    pub timestamp: i64,
    /// Open flags (`pre-upload`: without O_TRUNC (512) and with a size the upload resumes).
    #[serde(skip_serializing_if = "is_zero_i32")]
    pub open_flags: i32,
    /// The user's role.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role: String,
    /// Duration of the operation in milliseconds.
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub elapsed: i64,
    /// Object metadata (cloud backends with `common.metadata.read`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl FsEvent {
    /// An event with the action and every other field empty, zero or [`EventStatus::Ok`].
    pub fn new(action: FsAction) -> Self {
        Self {
            action,
            username: String::new(),
            path: String::new(),
            target_path: String::new(),
            virtual_path: String::new(),
            virtual_target_path: String::new(),
            ssh_cmd: String::new(),
            file_size: 0,
            fs_provider: 0,
            bucket: String::new(),
            endpoint: String::new(),
            status: EventStatus::Ok,
            protocol: String::new(),
            ip: String::new(),
            session_id: String::new(),
            timestamp: 0,
            open_flags: 0,
            role: String::new(),
            elapsed: 0,
            metadata: BTreeMap::new(),
        }
    }

    /// The variables a program hook receives: every `SFTPGO_ACTION*` variable, empty or `0` when
    /// unknown, and `SFTPGO_ACTION_METADATA` (JSON object) only when there is metadata.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = [
            ("SFTPGO_ACTION", self.action.as_str().to_owned()),
            ("SFTPGO_ACTION_USERNAME", self.username.clone()),
            ("SFTPGO_ACTION_PATH", self.path.clone()),
            ("SFTPGO_ACTION_TARGET", self.target_path.clone()),
            ("SFTPGO_ACTION_VIRTUAL_PATH", self.virtual_path.clone()),
            ("SFTPGO_ACTION_VIRTUAL_TARGET", self.virtual_target_path.clone()),
            ("SFTPGO_ACTION_SSH_CMD", self.ssh_cmd.clone()),
            ("SFTPGO_ACTION_FILE_SIZE", self.file_size.to_string()),
            ("SFTPGO_ACTION_ELAPSED", self.elapsed.to_string()),
            ("SFTPGO_ACTION_FS_PROVIDER", self.fs_provider.to_string()),
            ("SFTPGO_ACTION_BUCKET", self.bucket.clone()),
            ("SFTPGO_ACTION_ENDPOINT", self.endpoint.clone()),
            ("SFTPGO_ACTION_STATUS", self.status.code().to_string()),
            ("SFTPGO_ACTION_PROTOCOL", self.protocol.clone()),
            ("SFTPGO_ACTION_IP", self.ip.clone()),
            ("SFTPGO_ACTION_SESSION_ID", self.session_id.clone()),
            ("SFTPGO_ACTION_OPEN_FLAGS", self.open_flags.to_string()),
            ("SFTPGO_ACTION_TIMESTAMP", self.timestamp.to_string()),
            ("SFTPGO_ACTION_ROLE", self.role.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if !self.metadata.is_empty()
            && let Ok(json) = serde_json::to_string(&self.metadata)
        {
            vars.push(("SFTPGO_ACTION_METADATA".to_owned(), json));
        }
        vars
    }
}

/// The session fires its events through the runner: the event is completed with who, from where,
/// over what and when.
#[async_trait::async_trait]
impl crate::session::FsHooks for ActionRunner {
    fn wants(&self, action: &str) -> bool {
        FsAction::from_name(action).is_some_and(|a| ActionRunner::wants(self, a))
    }

    async fn run(&self, session: &crate::session::SessionInfo, ev: crate::session::HookEvent) -> Result<(), String> {
        let Some(action) = FsAction::from_name(&ev.action) else {
            return Err(format!("unknown filesystem action {:?}", ev.action));
        };
        let status = match ev.status {
            1 => EventStatus::Ok,
            3 => EventStatus::QuotaExceeded,
            _ => EventStatus::Error,
        };
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let event = FsEvent {
            username: session.username.clone(),
            path: ev.path,
            target_path: ev.target,
            virtual_path: ev.virtual_path,
            virtual_target_path: ev.virtual_target,
            ssh_cmd: ev.ssh_cmd,
            file_size: ev.file_size,
            fs_provider: ev.fs_provider,
            bucket: ev.bucket,
            endpoint: ev.endpoint,
            status,
            protocol: session.conn.protocol.as_str().to_owned(),
            ip: session.conn.ip.to_string(),
            session_id: session.conn.id.clone(),
            timestamp,
            open_flags: i32::try_from(ev.open_flags).unwrap_or(0),
            role: session.role.clone(),
            elapsed: ev.elapsed_ms,
            ..FsEvent::new(action)
        };
        ActionRunner::run(self, event).await.map_err(|e| e.to_string())
    }
}

#[derive(Debug)]
struct Inner {
    execute_on: HashSet<String>,
    execute_sync: HashSet<String>,
    hook: String,
    runners: HookRunners,
}

/// Fires `common.actions` hooks. Cheap to clone; clones share the background queue.
#[derive(Debug, Clone)]
pub struct ActionRunner {
    inner: Arc<Inner>,
    pool: AsyncPool,
}

impl ActionRunner {
    /// A runner for `actions`, running hooks with `runners`.
    pub fn new(actions: &FsActions, runners: HookRunners) -> Self {
        Self {
            inner: Arc::new(Inner {
                execute_on: actions.execute_on.iter().cloned().collect(),
                execute_sync: actions.execute_sync.iter().cloned().collect(),
                hook: actions.hook.clone(),
                runners,
            }),
            pool: AsyncPool::new(MAX_ASYNC),
        }
    }

    /// Sets how many background hooks may run at once (default [`MAX_ASYNC`]). Call it before
    /// the first [`run`](Self::run): it starts a new, empty queue.
    #[must_use]
    pub fn with_max_async(mut self, max: usize) -> Self {
        self.pool = AsyncPool::new(max);
        self
    }

    /// Whether a hook is configured and `action` is in `execute_on`.
    pub fn wants(&self, action: FsAction) -> bool {
        !self.inner.hook.is_empty() && self.inner.execute_on.contains(action.as_str())
    }

    /// Whether `action` runs synchronously (`pre-*` or listed in `execute_sync`).
    pub fn is_sync(&self, action: FsAction) -> bool {
        action.is_pre() || self.inner.execute_sync.contains(action.as_str())
    }

    /// Fires the hook for `event` if [`wants`](Self::wants) its action. Synchronous actions
    /// return the hook's result (a failing `pre-*` hook must deny the operation, a failing
    /// synchronous `upload` hook must undo the upload); asynchronous ones are queued and `Ok`
    /// is returned at once.
    pub async fn run(&self, event: FsEvent) -> Result<(), HookError> {
        if !self.wants(event.action) {
            return Ok(());
        }
        if self.is_sync(event.action) {
            return execute(&self.inner, &event).await;
        }
        let inner = Arc::clone(&self.inner);
        self.pool
            .submit(async move {
                if let Err(e) = execute(&inner, &event).await {
                    tracing::warn!(action = %event.action, user = %event.username, error = %e, "asynchronous filesystem hook failed");
                }
            })
            .await;
        Ok(())
    }

    /// Waits at most `timeout` for the background hooks already fired (the subsystem mode calls
    /// this before the process exits). True when none is left.
    pub async fn drain(&self, timeout: Duration) -> bool {
        let drained = self.pool.drain(timeout).await;
        if !drained {
            tracing::warn!(pending = self.pool.pending(), "filesystem hooks still running after the drain timeout");
        }
        drained
    }

    /// Background hooks fired and not finished (running or queued).
    pub fn pending(&self) -> usize {
        self.pool.pending()
    }
}

async fn execute(inner: &Inner, event: &FsEvent) -> Result<(), HookError> {
    let kind = HookKind::FsActions;
    match HookTarget::parse(kind, &inner.hook)? {
        None => Ok(()),
        Some(HookTarget::Program(path)) => inner.runners.command.run(kind, &path, &event.env_vars()).await.map(|_| ()),
        Some(HookTarget::Http(url)) => {
            let body = serde_json::to_vec(event).map_err(|source| HookError::Encode { hook: kind, source })?;
            let request = HttpRequest::post_json(kind, url, body).retryable(true);
            inner.runners.http.send_expect(&request, &[200]).await.map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let names: Vec<&str> = FsAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            names,
            [
                "pre-download",
                "download",
                "first-download",
                "pre-upload",
                "upload",
                "first-upload",
                "pre-delete",
                "delete",
                "rename",
                "mkdir",
                "rmdir",
                "ssh_cmd",
                "copy"
            ]
        );
        let pre: Vec<FsAction> = FsAction::ALL.into_iter().filter(|a| a.is_pre()).collect();
        assert_eq!(pre, [FsAction::PreDownload, FsAction::PreUpload, FsAction::PreDelete]);
    }

    #[test]
    fn json_leaves_out_empty_optional_fields_only() {
        let ev = FsEvent::new(FsAction::Mkdir);
        let json = serde_json::to_string(&ev).unwrap();
        assert_eq!(
            json,
            r#"{"action":"mkdir","username":"","path":"","virtual_path":"","fs_provider":0,"status":1,"protocol":"","ip":"","session_id":"","timestamp":0}"#
        );
    }

    #[test]
    fn json_of_a_full_event() {
        let mut ev = FsEvent::new(FsAction::Rename);
        ev.username = "u".into();
        ev.path = "/a".into();
        ev.target_path = "/b".into();
        ev.virtual_path = "/va".into();
        ev.virtual_target_path = "/vb".into();
        ev.ssh_cmd = "c".into();
        ev.file_size = 5;
        ev.fs_provider = 1;
        ev.bucket = "bk".into();
        ev.endpoint = "ep".into();
        ev.status = EventStatus::QuotaExceeded;
        ev.protocol = "SFTP".into();
        ev.ip = "::1".into();
        ev.session_id = "s".into();
        ev.timestamp = 7;
        ev.open_flags = 512;
        ev.role = "r".into();
        ev.elapsed = 9;
        ev.metadata.insert("z".into(), "1".into());
        ev.metadata.insert("a".into(), "2".into());
        let json = serde_json::to_string(&ev).unwrap();
        assert_eq!(
            json,
            r#"{"action":"rename","username":"u","path":"/a","target_path":"/b","virtual_path":"/va","virtual_target_path":"/vb","ssh_cmd":"c","file_size":5,"fs_provider":1,"bucket":"bk","endpoint":"ep","status":3,"protocol":"SFTP","ip":"::1","session_id":"s","timestamp":7,"open_flags":512,"role":"r","elapsed":9,"metadata":{"a":"2","z":"1"}}"#
        );
        let env = ev.env_vars();
        assert_eq!(env.len(), 20);
        assert_eq!(env.last().unwrap(), &("SFTPGO_ACTION_METADATA".to_owned(), r#"{"a":"2","z":"1"}"#.to_owned()));
    }
}
