//! Sessions over real storage for tests: the local backend in a temp dir, or an object store (the
//! in-memory one from `object_store`), with a memory data provider and recording hooks.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use wharf_core::session::{
    Backends, ConnCtx, FsHooks, HookEvent, Protocol, Session, SessionEnv, SessionInfo, SessionSettings, UploadRequest,
};
use wharf_model::{Folder, User, VirtualFolder};
use wharf_secrets::kms::{Kms, KmsConfig};
use wharf_secrets::password::HashAlgo;
use wharf_store::backend::memory::MemoryBackend;
use wharf_store::{Driver, Settings, Store};
use wharf_vfs::local::{LocalFs, LocalOptions};
use wharf_vfs::objstore::ObjectStoreFs;
use wharf_vfs::{Fs, FsResult, Mount, RelPath};

/// Which storage the sessions use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Local,
    Object,
}

pub const BOTH: [Kind; 2] = [Kind::Local, Kind::Object];

/// Builds backends for home dirs and mapped paths.
#[derive(Debug)]
pub struct TestBackends {
    kind: Kind,
    /// One object store per root, shared by every session (like a bucket).
    buckets: Mutex<HashMap<String, Arc<dyn object_store::ObjectStore>>>,
}

impl TestBackends {
    fn fs_for(&self, root: &str) -> FsResult<Arc<dyn Fs>> {
        match self.kind {
            Kind::Local => Ok(Arc::new(LocalFs::new(LocalOptions {
                root: root.into(),
                create_root: true,
                umask: None,
                uid: None,
                gid: None,
            })?)),
            Kind::Object => {
                let mut b = self.buckets.lock().unwrap();
                let store =
                    b.entry(root.to_owned()).or_insert_with(|| Arc::new(object_store::memory::InMemory::new())).clone();
                Ok(Arc::new(ObjectStoreFs::new(store, "")?))
            }
        }
    }
}

#[async_trait]
impl Backends for TestBackends {
    async fn home(&self, user: &User) -> FsResult<Arc<dyn Fs>> {
        self.fs_for(&user.home_dir)
    }
    async fn folder(&self, _user: &User, folder: &VirtualFolder) -> FsResult<Arc<dyn Fs>> {
        self.fs_for(&folder.mapped_path)
    }
    fn storage_path(&self, user: &User, mount: &Mount, rel: &RelPath) -> String {
        let _ = user;
        format!("{}:{}", mount.vpath, rel)
    }
}

/// A callback run by [`RecordingHooks`] before it answers.
pub type OnEvent = Box<dyn Fn(&HookEvent) + Send>;

/// Hook events seen, and which actions fail.
#[derive(Default)]
pub struct RecordingHooks {
    pub events: Mutex<Vec<HookEvent>>,
    pub fail: Mutex<Vec<String>>,
    /// Runs before answering (e.g. to move a file away in a pre-delete hook).
    pub on_event: Mutex<Option<OnEvent>>,
}

impl std::fmt::Debug for RecordingHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingHooks").field("events", &self.events).field("fail", &self.fail).finish_non_exhaustive()
    }
}

#[async_trait]
impl FsHooks for RecordingHooks {
    fn wants(&self, _action: &str) -> bool {
        true
    }
    async fn run(&self, _session: &SessionInfo, ev: HookEvent) -> Result<(), String> {
        if let Some(f) = self.on_event.lock().unwrap().as_ref() {
            f(&ev);
        }
        let failed = self.fail.lock().unwrap().contains(&ev.action);
        self.events.lock().unwrap().push(ev.clone());
        if failed { Err(format!("{} hook failed", ev.action)) } else { Ok(()) }
    }
}

impl RecordingHooks {
    pub fn actions(&self) -> Vec<String> {
        self.events.lock().unwrap().iter().map(|e| e.action.clone()).collect()
    }
    pub fn fail_on(&self, action: &str) {
        self.fail.lock().unwrap().push(action.into());
    }
}

/// A test world: a data provider, a temp dir, backends of one kind, hooks.
pub struct World {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub hooks: Arc<RecordingHooks>,
    pub env: Arc<SessionEnv>,
}

impl World {
    pub async fn new(kind: Kind) -> Self {
        Self::with_settings(kind, SessionSettings::default()).await
    }

    pub async fn with_settings(kind: Kind, settings: SessionSettings) -> Self {
        let hooks = Arc::new(RecordingHooks::default());
        let backends = Arc::new(TestBackends { kind, buckets: Mutex::new(HashMap::new()) });
        let mut w = Self::with_parts(settings, backends, Some(hooks.clone())).await;
        w.hooks = hooks;
        w
    }

    /// A world with the given storage factory and hooks (`hooks` of the world then records
    /// nothing).
    pub async fn with_parts(
        settings: SessionSettings,
        backends: Arc<dyn Backends>,
        fs_hooks: Option<Arc<dyn FsHooks>>,
    ) -> Self {
        let backend = Arc::new(MemoryBackend::new());
        let store = Store::new(
            backend,
            Driver::Memory,
            Kms::new(KmsConfig::default()).unwrap(),
            Settings { hashing: HashAlgo::Bcrypt { cost: 4 }, ..Settings::default() },
        );
        store.init().await.unwrap();
        let env = Arc::new(SessionEnv { store: store.clone(), settings, backends, hooks: fs_hooks });
        Self { dir: tempfile::tempdir().unwrap(), store, hooks: Arc::default(), env }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// A user with `/` permissions `*`, home `<tmp>/<name>`.
    pub fn user(&self, name: &str) -> User {
        let mut u = User { username: name.into(), password: "pw".into(), status: 1, ..User::default() };
        u.home_dir = self.path(name);
        u.permissions.insert("/".into(), vec!["*".into()]);
        u
    }

    pub async fn add_folder(&self, name: &str) -> Folder {
        let f = Folder { name: name.into(), mapped_path: self.path(&format!("folder-{name}")), ..Folder::default() };
        self.store.add(f).await.unwrap()
    }

    /// Stores the user and opens a session for it.
    pub async fn session(&self, user: User) -> Arc<Session> {
        let name = user.username.clone();
        if self.store.find::<User>(&name).await.unwrap().is_some() {
            self.store.update(user).await.unwrap();
        } else {
            self.store.add(user).await.unwrap();
        }
        self.open(&name).await
    }

    /// Opens a session for a stored user.
    pub async fn open(&self, name: &str) -> Arc<Session> {
        let user = self.store.effective_user(name).await.unwrap();
        let conn = ConnCtx { id: format!("conn-{name}"), protocol: Protocol::Sftp, ip: IpAddr::from([127, 0, 0, 1]) };
        Arc::new(Session::new(user, conn, self.env.clone()).await.unwrap())
    }

    pub async fn used(&self, name: &str) -> (i64, i64) {
        let u = self.store.get::<User>(name).await.unwrap();
        (u.used_quota_size, u.used_quota_files)
    }

    pub async fn folder_used(&self, name: &str) -> (i64, i64) {
        let f = self.store.get::<Folder>(name).await.unwrap();
        (f.used_quota_size, f.used_quota_files)
    }
}

/// Uploads `data` in 32 KiB writes and closes.
pub async fn put(s: &Arc<Session>, path: &str, data: &[u8]) -> FsResult<u64> {
    let up = s.open_upload(path, UploadRequest { truncate: true, ..Default::default() }).await?;
    let mut off = 0u64;
    for chunk in data.chunks(32 * 1024) {
        if let Err(e) = up.write_at(off, Bytes::copy_from_slice(chunk)).await {
            up.abort().await;
            return Err(e);
        }
        off += chunk.len() as u64;
    }
    up.close().await
}

/// Downloads a whole file.
pub async fn get(s: &Arc<Session>, path: &str) -> FsResult<Vec<u8>> {
    let d = s.open_download(path).await?;
    let mut out = Vec::new();
    loop {
        let chunk = d.read_at(out.len() as u64, 64 * 1024).await?;
        if chunk.is_empty() {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    d.close(true).await;
    Ok(out)
}

/// Names listed in a directory.
pub async fn names(s: &Arc<Session>, path: &str) -> FsResult<Vec<String>> {
    use wharf_vfs::DirLister;
    let mut l = s.list(path).await?;
    let mut out = Vec::new();
    loop {
        let b = l.next_batch(100).await?;
        if b.is_empty() {
            break;
        }
        out.extend(b.into_iter().map(|e| e.name));
    }
    out.sort();
    Ok(out)
}
