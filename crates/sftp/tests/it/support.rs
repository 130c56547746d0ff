//! Sessions over the local backend in a temp dir (memory data provider), a tiny SFTP test client
//! driving `serve` over an in-memory duplex pipe, and a raw-TCP SFTP server for real clients.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use wharf_core::session::{
    ConnCtx, FsHooks, HookEvent, Protocol, Session, SessionEnv, SessionInfo, SessionSettings, StandardBackends,
};
use wharf_model::User;
use wharf_secrets::kms::{Kms, KmsConfig};
use wharf_secrets::password::HashAlgo;
use wharf_sftp::proto::{self, Attrs, Request, Response, open_flags, status};
use wharf_sftp::{ServeOptions, ServeSummary, SftpError, serve};
use wharf_store::backend::memory::MemoryBackend;
use wharf_store::{Driver, Settings, Store};

/// Longest any single wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(30);

/// Hooks that hold `pre-download` until the test lets it through (to force out-of-order replies).
#[derive(Debug)]
pub struct GateHooks {
    pub pre_download: Semaphore,
}

impl Default for GateHooks {
    fn default() -> Self {
        Self { pre_download: Semaphore::new(0) }
    }
}

#[async_trait]
impl FsHooks for GateHooks {
    fn wants(&self, action: &str) -> bool {
        action == "pre-download"
    }
    async fn run(&self, _session: &SessionInfo, _ev: HookEvent) -> Result<(), String> {
        let permit = tokio::time::timeout(WAIT, self.pre_download.acquire()).await;
        match permit {
            Ok(Ok(p)) => {
                p.forget();
                Ok(())
            }
            _ => Err("gate never opened".into()),
        }
    }
}

/// A data provider, a temp dir and the standard (local) backends.
pub struct World {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub env: Arc<SessionEnv>,
}

impl World {
    pub async fn new() -> Self {
        Self::with(SessionSettings::default(), None).await
    }

    pub async fn with(settings: SessionSettings, hooks: Option<Arc<dyn FsHooks>>) -> Self {
        let store = Store::new(
            Arc::new(MemoryBackend::new()),
            Driver::Memory,
            Kms::new(KmsConfig::default()).unwrap(),
            Settings { hashing: HashAlgo::Bcrypt { cost: 4 }, ..Settings::default() },
        );
        store.init().await.unwrap();
        let env = Arc::new(SessionEnv {
            store: store.clone(),
            settings,
            backends: Arc::new(StandardBackends::default()),
            hooks,
        });
        Self { dir: tempfile::tempdir().unwrap(), store, env }
    }

    /// The host directory of a user's home.
    pub fn home(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A user with every permission on `/`, home `<tmp>/<name>`.
    pub fn user(&self, name: &str) -> User {
        let mut u = User { username: name.into(), password: "pw".into(), status: 1, ..User::default() };
        u.home_dir = self.home(name).display().to_string();
        u.permissions.insert("/".into(), vec!["*".into()]);
        u
    }

    /// Stores the user (added or updated) and opens a session.
    pub async fn session(&self, user: User) -> Arc<Session> {
        let name = user.username.clone();
        if self.store.find::<User>(&name).await.unwrap().is_some() {
            self.store.update(user).await.unwrap();
        } else {
            self.store.add(user).await.unwrap();
        }
        self.open(&name).await
    }

    /// A new session for a stored user.
    pub async fn open(&self, name: &str) -> Arc<Session> {
        let user = self.store.effective_user(name).await.unwrap();
        let conn = ConnCtx { id: format!("sftp-{name}"), protocol: Protocol::Sftp, ip: IpAddr::from([127, 0, 0, 1]) };
        Arc::new(Session::new(user, conn, self.env.clone()).await.unwrap())
    }

    /// Used quota (size, files).
    pub async fn used(&self, name: &str) -> (i64, i64) {
        let u = self.store.get::<User>(name).await.unwrap();
        (u.used_quota_size, u.used_quota_files)
    }
}

/// A minimal SFTP client: sends requests (pipelined or not) and collects replies by id.
pub struct Client {
    r: ReadHalf<DuplexStream>,
    w: Option<WriteHalf<DuplexStream>>,
    next_id: u32,
    early: HashMap<u32, Response>,
    pub server: Option<JoinHandle<Result<ServeSummary, SftpError>>>,
    pub version: Response,
}

impl Client {
    /// Starts `serve` on one end of a pipe and completes INIT/VERSION on the other.
    pub async fn start(session: Arc<Session>, opts: ServeOptions) -> Self {
        let mut c = Self::connect(session, opts);
        c.send_raw(&proto::encode_init(3, &[])).await;
        c.version = c.recv().await.expect("VERSION");
        c
    }

    /// Starts `serve` without sending INIT.
    pub fn connect(session: Arc<Session>, opts: ServeOptions) -> Self {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (sr, sw) = tokio::io::split(server);
        let handle = tokio::spawn(serve(sr, sw, session, opts));
        let (r, w) = tokio::io::split(client);
        Self {
            r,
            w: Some(w),
            next_id: 1,
            early: HashMap::new(),
            server: Some(handle),
            version: Response::status(0, 0, ""),
        }
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        let w = self.w.as_mut().expect("client output open");
        tokio::time::timeout(WAIT, w.write_all(bytes)).await.expect("write timed out").expect("write");
    }

    /// Sends a request; returns its id.
    pub async fn send(&mut self, req: &Request) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        let b = proto::encode_request(id, req);
        self.send_raw(&b).await;
        id
    }

    /// The next packet from the server; None at EOF.
    pub async fn recv(&mut self) -> Option<Response> {
        tokio::time::timeout(WAIT, async {
            let mut len = [0u8; 4];
            if self.r.read_exact(&mut len).await.is_err() {
                return None;
            }
            let n = u32::from_be_bytes(len) as usize;
            assert!(n <= 300 * 1024, "server packet of {n} bytes");
            let mut body = BytesMut::zeroed(n);
            self.r.read_exact(&mut body).await.expect("packet body");
            Some(Response::decode(body.freeze()).expect("server packet decodes"))
        })
        .await
        .expect("reply timed out")
    }

    /// The reply to `id` (replies to other ids received meanwhile are kept).
    pub async fn wait(&mut self, id: u32) -> Response {
        if let Some(r) = self.early.remove(&id) {
            return r;
        }
        loop {
            let r = self.recv().await.expect("server closed the stream");
            if r.id() == Some(id) {
                return r;
            }
            let other = r.id().expect("reply with an id");
            self.early.insert(other, r);
        }
    }

    pub async fn call(&mut self, req: Request) -> Response {
        let id = self.send(&req).await;
        self.wait(id).await
    }

    /// The status code of a reply that must be a STATUS.
    pub async fn status(&mut self, req: Request) -> (u32, String) {
        match self.call(req).await {
            Response::Status { code, message, .. } => (code, message),
            other => panic!("expected a status, got {other:?}"),
        }
    }

    pub async fn ok(&mut self, req: Request) {
        let what = format!("{req:?}");
        let (code, msg) = self.status(req).await;
        assert_eq!(code, status::OK, "{what}: {msg}");
    }

    pub async fn open(&mut self, path: &str, pflags: u32) -> Result<Bytes, (u32, String)> {
        match self.call(Request::Open { path: path.into(), pflags, attrs: Attrs::default() }).await {
            Response::Handle { handle, .. } => Ok(handle),
            Response::Status { code, message, .. } => Err((code, message)),
            other => panic!("unexpected reply to OPEN: {other:?}"),
        }
    }

    pub async fn create(&mut self, path: &str) -> Bytes {
        self.open(path, open_flags::WRITE | open_flags::CREAT | open_flags::TRUNC).await.expect("open for writing")
    }

    pub async fn write(&mut self, handle: &Bytes, offset: u64, data: &[u8]) -> (u32, String) {
        self.status(Request::Write { handle: handle.clone(), offset, data: Bytes::copy_from_slice(data) }).await
    }

    pub async fn close(&mut self, handle: &Bytes) -> (u32, String) {
        self.status(Request::Close { handle: handle.clone() }).await
    }

    /// Uploads a whole file in 32 KiB writes (one at a time).
    pub async fn put(&mut self, path: &str, data: &[u8]) {
        let h = self.create(path).await;
        for (i, chunk) in data.chunks(32 * 1024).enumerate() {
            let (code, msg) = self.write(&h, (i * 32 * 1024) as u64, chunk).await;
            assert_eq!(code, status::OK, "write: {msg}");
        }
        assert_eq!(self.close(&h).await.0, status::OK);
    }

    /// Reads a whole file.
    pub async fn get(&mut self, path: &str) -> Vec<u8> {
        let h = self.open(path, open_flags::READ).await.expect("open for reading");
        let mut out = Vec::new();
        loop {
            match self.call(Request::Read { handle: h.clone(), offset: out.len() as u64, len: 64 * 1024 }).await {
                Response::Data { data, .. } => out.extend_from_slice(&data),
                Response::Status { code: status::EOF, .. } => break,
                other => panic!("unexpected reply to READ: {other:?}"),
            }
            assert!(out.len() < 64 << 20, "runaway read");
        }
        assert_eq!(self.close(&h).await.0, status::OK);
        out
    }

    pub async fn attrs(&mut self, req: Request) -> Result<Attrs, (u32, String)> {
        match self.call(req).await {
            Response::Attrs { attrs, .. } => Ok(attrs),
            Response::Status { code, message, .. } => Err((code, message)),
            other => panic!("unexpected reply: {other:?}"),
        }
    }

    /// The single name of a REALPATH/READLINK/expand-path reply.
    pub async fn name(&mut self, req: Request) -> Result<String, (u32, String)> {
        match self.call(req).await {
            Response::Name { mut entries, .. } => {
                assert_eq!(entries.len(), 1);
                Ok(entries.remove(0).filename)
            }
            Response::Status { code, message, .. } => Err((code, message)),
            other => panic!("unexpected reply: {other:?}"),
        }
    }

    /// Closes the client's output (EOF for the server) and waits for `serve` to return.
    pub async fn finish(mut self) -> Result<ServeSummary, SftpError> {
        if let Some(mut w) = self.w.take() {
            let _ = w.shutdown().await;
        }
        // Drain what the server still sends so it never blocks on a full pipe.
        let drain = async {
            let mut sink = vec![0u8; 64 * 1024];
            while matches!(self.r.read(&mut sink).await, Ok(n) if n > 0) {}
        };
        let handle = self.server.take().expect("server task");
        let (_, r) = tokio::time::timeout(WAIT, async { tokio::join!(drain, handle) }).await.expect("serve ended");
        r.expect("serve task")
    }
}

/// A raw SFTP server on 127.0.0.1:<port>: one `serve` per TCP connection, each with a new session
/// of the user. Results of finished sessions come out of `done`.
pub struct TcpServer {
    pub port: u16,
    accept: JoinHandle<()>,
    pub done: mpsc::UnboundedReceiver<Result<ServeSummary, SftpError>>,
}

impl TcpServer {
    pub async fn start(world: Arc<World>, user: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, done) = mpsc::unbounded_channel();
        let user = user.to_owned();
        let accept = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let session = world.open(&user).await;
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (r, w) = sock.into_split();
                    let _ = tx.send(serve(r, w, session, ServeOptions::default()).await);
                });
            }
        });
        Self { port, accept, done }
    }

    /// The result of the next session to end.
    pub async fn next_session(&mut self) -> Result<ServeSummary, SftpError> {
        tokio::time::timeout(WAIT, self.done.recv()).await.expect("session ended").expect("server running")
    }

    pub fn stop(self) {
        self.accept.abort();
    }
}

/// Bytes with a recognisable pattern.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ ((i >> 8) as u8)).collect()
}
