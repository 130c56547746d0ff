//! The session: every file operation of every protocol goes through here, with virtual paths, and
//! this is the only place where policy is decided — permissions, file patterns, quotas, size limits,
//! transfer quotas, bandwidth, upload modes, setstat/rename/symlink modes, hooks, the transfer log
//! and metrics. Protocol fronts decode their wire format, call a [`Session`] method, and encode the
//! answer; errors come back as [`FsError`], which each front maps once to its status codes.

mod backends;
mod ops;
mod policy;
mod quota;
mod settings;
pub mod throttle;
mod transfer;

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use async_trait::async_trait;
use wharf_model::{Filesystem, FsProvider, User, VirtualFolder};
use wharf_store::Store;
use wharf_vfs::{FolderMount, Fs, FsError, FsResult, Mount, MountTable, RelPath, clean_virtual};

pub use crate::registry::Protocol;
use crate::registry::SessionGuard;
pub use backends::StandardBackends;
pub use ops::{Listing, SetStat};
pub use settings::{SessionSettings, TrackQuota, UploadMode};
pub use transfer::{Download, Upload, UploadCaps, UploadRequest};

/// Who is connected, from where, over what.
#[derive(Debug, Clone)]
pub struct ConnCtx {
    /// Connection id (shown in logs, hooks and the connection list).
    pub id: String,
    /// Protocol.
    pub protocol: Protocol,
    /// Client address.
    pub ip: IpAddr,
}

/// A filesystem event for the hooks (`common.actions`), independent of how hooks are run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookEvent {
    /// `upload`, `pre-download`, `rename`…
    pub action: String,
    /// Virtual path.
    pub virtual_path: String,
    /// Path on the storage (host path for local storage, key for object stores).
    pub path: String,
    /// Virtual target (rename, copy).
    pub virtual_target: String,
    /// Storage path of the target.
    pub target: String,
    /// File size, where meaningful.
    pub file_size: i64,
    /// Elapsed time in ms, for transfers.
    pub elapsed_ms: i64,
    /// 1 ok, 2 error, 3 quota exceeded.
    pub status: i32,
    /// Open flags of an upload (SFTP pflags, as SFTPGo passes them).
    pub open_flags: i64,
    /// The SSH command line (`ssh_cmd` events).
    pub ssh_cmd: String,
    /// Storage backend of the path (0 local, 1 S3, 2 GCS, 3 Azure, 4 crypt, 5 SFTP, 6 HTTP);
    /// filled in by the session.
    pub fs_provider: i32,
    /// Bucket or container of the path's storage; filled in by the session.
    pub bucket: String,
    /// Endpoint of the path's storage; filled in by the session.
    pub endpoint: String,
}

/// Runs filesystem hooks. The session decides when; implementations decide how (programs, HTTP).
#[async_trait]
pub trait FsHooks: Send + Sync + std::fmt::Debug {
    /// True when hooks are configured for `action`.
    fn wants(&self, action: &str) -> bool;
    /// Runs the hook. For synchronous hooks (pre-* and `execute_sync`) the result is the hook's;
    /// asynchronous ones are started and Ok is returned.
    async fn run(&self, session: &SessionInfo, ev: HookEvent) -> Result<(), String>;
}

/// What hooks need to know about the session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// Connection.
    pub conn: ConnCtx,
    /// Username.
    pub username: String,
    /// The user's role.
    pub role: String,
}

/// Builds the storage of a user's home and of its virtual folders.
#[async_trait]
pub trait Backends: Send + Sync + std::fmt::Debug {
    /// The home (the user's `filesystem` rooted at `home_dir`).
    async fn home(&self, user: &User) -> FsResult<Arc<dyn Fs>>;
    /// A virtual folder (the folder's `filesystem` rooted at `mapped_path`).
    async fn folder(&self, user: &User, folder: &VirtualFolder) -> FsResult<Arc<dyn Fs>>;
    /// The storage path to report to hooks for a path inside a mount.
    fn storage_path(&self, user: &User, mount: &Mount, rel: &RelPath) -> String;
}

/// What every session of a server shares.
#[derive(Debug)]
pub struct SessionEnv {
    /// The data provider (quota counters, first transfers).
    pub store: Store,
    /// Policy settings from `common` and `data_provider`.
    pub settings: SessionSettings,
    /// Storage factory.
    pub backends: Arc<dyn Backends>,
    /// Hooks, if configured.
    pub hooks: Option<Arc<dyn FsHooks>>,
}

/// One logged-in user's file session.
#[derive(Debug)]
pub struct Session {
    user: User,
    info: SessionInfo,
    env: Arc<SessionEnv>,
    mounts: MountTable,
    /// Bytes per second (0 = unlimited), chosen from the client address at login.
    upload_rate: u64,
    download_rate: u64,
    started: Instant,
    /// The registry session this file session belongs to, when the front attached one: transfers
    /// are listed on its connection and operations mark the connection active.
    guard: OnceLock<SessionGuard>,
}

impl Session {
    /// Opens a session for an authenticated (effective) user: builds the mounts, creates the home,
    /// the virtual folders and the start directory unless `filters.disable_fs_checks`.
    pub async fn new(user: User, conn: ConnCtx, env: Arc<SessionEnv>) -> FsResult<Self> {
        let home = env.backends.home(&user).await?;
        let mut folders = Vec::with_capacity(user.virtual_folders.len());
        for vf in &user.virtual_folders {
            let fs = env.backends.folder(&user, vf).await?;
            let vpath = clean_virtual(&vf.virtual_path, "/")?;
            let included = vf.quota_size == -1 && vf.quota_files == -1;
            folders.push(Mount {
                vpath,
                fs,
                folder: Some(FolderMount {
                    name: vf.name.clone(),
                    quota_size: vf.quota_size.max(0),
                    quota_files: vf.quota_files.max(0),
                    included,
                }),
            });
        }
        let mounts = MountTable::new(home, folders);
        let (up, down) = policy::bandwidth_for(&user, conn.ip);
        let info = SessionInfo { conn, username: user.username.clone(), role: user.role.clone() };
        let session = Self {
            user,
            info,
            env,
            mounts,
            upload_rate: up.saturating_mul(1024),
            download_rate: down.saturating_mul(1024),
            started: Instant::now(),
            guard: OnceLock::new(),
        };
        if !session.user.filters.disable_fs_checks {
            session.create_mount_roots().await?;
        }
        Ok(session)
    }

    /// The user (with group settings applied).
    pub fn user(&self) -> &User {
        &self.user
    }

    /// Connection and user details.
    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    /// The mount table.
    pub fn mounts(&self) -> &MountTable {
        &self.mounts
    }

    /// When the session started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Ties the session to its entry in the connection registry (the [`SessionGuard`] the front
    /// opened for this SSH channel, FTP session or HTTP request). From then on every upload and
    /// download is registered on the connection with its byte count (`/api/v2/connections`), and
    /// every operation marks the connection active for the idle timeout. The guard, which counts
    /// against the user's `max_sessions`, is released when the session is dropped (after its last
    /// open transfer). A session can be attached once: a second guard is handed back.
    pub fn attach(&self, guard: SessionGuard) -> Result<(), SessionGuard> {
        self.guard.set(guard)
    }

    /// The registry session attached with [`Session::attach`], if any.
    pub fn guard(&self) -> Option<&SessionGuard> {
        self.guard.get()
    }

    /// Marks the connection active (when a registry session is attached).
    pub(crate) fn touch(&self) {
        if let Some(g) = self.guard.get() {
            g.connection().touch();
        }
    }

    /// The directory a client starts in (`filters.start_directory`, else `/`).
    pub fn start_directory(&self) -> String {
        let sd = &self.user.filters.start_directory;
        if sd.is_empty() { "/".into() } else { clean_virtual(sd, "/").unwrap_or_else(|_| "/".into()) }
    }

    /// Cleans client input into a virtual path relative to `cwd`.
    pub fn resolve(&self, input: &str, cwd: &str) -> FsResult<String> {
        clean_virtual(input, cwd)
    }

    /// The canonical form of a client path (SFTP REALPATH and expand-path, FTP PWD after CWD):
    /// lexical only — `.`, `..` and repeated slashes are resolved against `cwd` (the client's
    /// current directory, the start directory for SFTP), symbolic links are not followed, and the
    /// result never climbs above `/`. Like SFTPGo it needs `list` on the directory that holds the
    /// result (for `/`, on `/` itself); nothing is looked up on the storage, so a missing path has
    /// a real path too.
    pub fn realpath(&self, input: &str, cwd: &str) -> FsResult<String> {
        self.touch();
        let vpath = clean_virtual(input, cwd)?;
        policy::require(&self.user, wharf_model::perms::PERM_LIST, wharf_vfs::path::parent(&vpath))?;
        Ok(vpath)
    }

    async fn create_mount_roots(&self) -> FsResult<()> {
        for m in self.mounts.mounts() {
            ensure_root(m.fs.as_ref()).await?;
        }
        let start = self.start_directory();
        if start != "/" {
            // Created like `mkdir -p`, without permission checks (the admin configured it).
            let mut dir = String::new();
            for part in start.split('/').filter(|p| !p.is_empty()) {
                dir.push('/');
                dir.push_str(part);
                let (m, rel) = self.mounts.resolve(&dir)?;
                match m.fs.stat(&rel).await {
                    Ok(md) if md.is_dir() => {}
                    Ok(_) => return Err(FsError::NotADirectory),
                    Err(FsError::NotFound) => match m.fs.mkdir(&rel).await {
                        Ok(()) | Err(FsError::AlreadyExists) => {}
                        Err(e) => return Err(e),
                    },
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    pub(crate) fn env(&self) -> &SessionEnv {
        &self.env
    }

    /// Sends a hook event (with the storage paths filled in) if hooks want it.
    pub(crate) async fn hook(&self, mut ev: HookEvent) -> Result<(), String> {
        let Some(hooks) = &self.env.hooks else { return Ok(()) };
        if !hooks.wants(&ev.action) {
            return Ok(());
        }
        if ev.path.is_empty() && !ev.virtual_path.is_empty() {
            ev.path = self.storage_path(&ev.virtual_path);
        }
        if ev.target.is_empty() && !ev.virtual_target.is_empty() {
            ev.target = self.storage_path(&ev.virtual_target);
        }
        let vpath = if ev.virtual_path.is_empty() { "/" } else { ev.virtual_path.as_str() };
        if let Some(fs) = self.filesystem_of(vpath) {
            let (provider, bucket, endpoint) = storage_location(fs);
            (ev.fs_provider, ev.bucket, ev.endpoint) = (provider, bucket, endpoint);
        }
        hooks.run(&self.info, ev).await
    }

    /// The storage configuration behind a virtual path: the home's or its virtual folder's.
    fn filesystem_of(&self, vpath: &str) -> Option<&Filesystem> {
        let (mount, _) = self.mounts.resolve(vpath).ok()?;
        match &mount.folder {
            None => Some(&self.user.filesystem),
            Some(f) => self.user.virtual_folders.iter().find(|v| v.name == f.name).map(|v| &v.filesystem),
        }
    }

    fn storage_path(&self, vpath: &str) -> String {
        match self.mounts.resolve(vpath) {
            Ok((m, rel)) => self.env.backends.storage_path(&self.user, m, &rel),
            Err(_) => String::new(),
        }
    }

    /// Marks the user's first upload or download (SFTPGo's first-upload/first-download events).
    pub(crate) async fn first_transfer(&self, upload: bool) {
        let already = if upload { self.user.first_upload } else { self.user.first_download };
        if already != 0 {
            return;
        }
        let now = wharf_store::now_ms();
        let first = std::sync::atomic::AtomicBool::new(false);
        let result = self
            .env
            .store
            .modify::<User>(&self.user.username, |u| {
                // The closure runs again after a write conflict: only its last run counts.
                first.store(false, std::sync::atomic::Ordering::Relaxed);
                let slot = if upload { &mut u.first_upload } else { &mut u.first_download };
                if *slot != 0 {
                    return false;
                }
                *slot = now;
                first.store(true, std::sync::atomic::Ordering::Relaxed);
                true
            })
            .await;
        if result.is_ok() && first.load(std::sync::atomic::Ordering::Relaxed) {
            let action = if upload { "first-upload" } else { "first-download" };
            let _ = self.hook(HookEvent { action: action.into(), status: 1, ..Default::default() }).await;
        }
    }
}

/// Creates a backend's root if it does not exist (home and mapped folders at login).
async fn ensure_root(fs: &dyn Fs) -> FsResult<()> {
    match fs.stat(&RelPath::root()).await {
        Ok(md) if md.is_dir() => Ok(()),
        Ok(_) => Err(FsError::NotADirectory),
        Err(FsError::NotFound) => match fs.mkdir(&RelPath::root()).await {
            Ok(()) | Err(FsError::AlreadyExists) => Ok(()),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// What hooks report about a storage: provider number, bucket (or container) and endpoint.
fn storage_location(fs: &Filesystem) -> (i32, String, String) {
    let (bucket, endpoint) = match fs.provider {
        FsProvider::S3 => (fs.s3config.bucket.clone(), fs.s3config.endpoint.clone()),
        FsProvider::Gcs => (fs.gcsconfig.bucket.clone(), String::new()),
        FsProvider::AzureBlob => (fs.azblobconfig.container.clone(), fs.azblobconfig.endpoint.clone()),
        FsProvider::Sftp => (String::new(), fs.sftpconfig.endpoint.clone()),
        FsProvider::Http => (String::new(), fs.httpconfig.endpoint.clone()),
        _ => (String::new(), String::new()),
    };
    (i32::try_from(fs.provider.as_i64()).unwrap_or(0), bucket, endpoint)
}
