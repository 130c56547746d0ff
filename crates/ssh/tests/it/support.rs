//! A Wharf SSH server in the test process (memory data provider, local storage in a temp dir) on
//! a free loopback port, and helpers that drive the real OpenSSH clients against it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use wharf_core::auth::NoGuard;
use wharf_core::services::Core;
use wharf_model::User;
use wharf_secrets::kms::{Kms, KmsConfig};
use wharf_secrets::password::HashAlgo;
use wharf_ssh::SshServer;
use wharf_store::backend::memory::MemoryBackend;
use wharf_store::{Driver, Settings, Store};

/// How long any client command may run.
pub const CLIENT_LIMIT: Duration = Duration::from_secs(60);

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub store: Store,
    pub core: Arc<Core>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with the default configuration changed by `tweak`.
    pub async fn start(tweak: impl FnOnce(&mut wharf_config::Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = wharf_config::Config::default();
        tweak(&mut config);
        let store = Store::new(
            Arc::new(MemoryBackend::new()),
            Driver::Memory,
            Kms::new(KmsConfig::default()).unwrap(),
            Settings { hashing: HashAlgo::Bcrypt { cost: 4 }, ..Settings::default() },
        );
        store.init().await.unwrap();
        let core = Arc::new(Core::from_config(&config, dir.path(), store.clone(), Arc::new(NoGuard)).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = SshServer::with_listener(core.clone(), &config, dir.path(), listener).await.unwrap();
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(server.run(rx));
        Self { dir, port, store, core, stop, task: Some(task) }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A user with every permission on `/`, home `<tmp>/home-<name>` and password `pw-<name>`.
    pub fn user(&self, name: &str) -> User {
        let mut u = User { username: name.into(), password: format!("pw-{name}"), status: 1, ..User::default() };
        u.home_dir = self.path(&format!("home-{name}")).display().to_string();
        u.permissions.insert("/".into(), vec!["*".into()]);
        u
    }

    pub async fn add(&self, user: User) -> User {
        self.store.add(user).await.unwrap()
    }

    /// Stops accepting and waits for the accept loops to end.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), t).await.expect("server stops").unwrap();
        }
    }
}

/// Options every OpenSSH client invocation gets: no host key checks, no agent or config files,
/// batch mode where no password is typed.
pub fn ssh_opts(port: u16) -> Vec<String> {
    [
        "-F",
        "/dev/null",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-o",
        "ConnectTimeout=20",
        "-o",
        "NumberOfPasswordPrompts=1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain(["-P".to_owned(), port.to_string()])
    .collect()
}

/// Generates an ed25519 key pair; returns the private key path.
pub fn keygen(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let o = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen must be installed (openssh-client)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    path
}

pub fn public_key(private: &Path) -> String {
    std::fs::read_to_string(private.with_extension("pub")).unwrap().trim().to_owned()
}

/// The same command run through `setsid`, in a session of its own without a controlling
/// terminal: OpenSSH clients talk to `/dev/tty` when they have one, and must not touch the
/// terminal the tests run in.
pub fn detached(cmd: &Command) -> Command {
    let mut out = Command::new("setsid");
    out.arg("-w").arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => out.env(k, v),
            None => out.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        out.current_dir(dir);
    }
    out
}

/// Runs a command (detached, see [`detached`]) with a time limit (killed when over it), off the
/// async runtime.
pub async fn run(cmd: Command) -> Output {
    let mut cmd = detached(&cmd);
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        let deadline = std::time::Instant::now() + CLIENT_LIMIT;
        loop {
            if child.try_wait().unwrap().is_some() {
                return child.wait_with_output().unwrap();
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!("client did not finish in {CLIENT_LIMIT:?}: {}", String::from_utf8_lossy(&out.stderr));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
    .await
    .unwrap()
}

/// `sftp -b <batch>` as `user` with a private key.
pub async fn sftp_with_key(port: u16, user: &str, key: &Path, batch: &str, dir: &Path) -> Output {
    let batch_file = dir.join(format!("batch-{}", rand_suffix()));
    std::fs::write(&batch_file, batch).unwrap();
    let mut cmd = Command::new("sftp");
    cmd.args(ssh_opts(port)).args(["-o", "BatchMode=yes", "-i"]).arg(key).arg("-b").arg(&batch_file);
    cmd.arg(format!("{user}@127.0.0.1"));
    cmd.current_dir(dir);
    run(cmd).await
}

/// `sftp -b <batch>` as `user` with a password typed by sshpass. `methods` is the
/// `PreferredAuthentications` list (`password`, `keyboard-interactive`…).
pub async fn sftp_with_password(
    port: u16,
    user: &str,
    password: &str,
    methods: &str,
    batch: &str,
    dir: &Path,
) -> Output {
    let batch_file = dir.join(format!("batch-{}", rand_suffix()));
    std::fs::write(&batch_file, batch).unwrap();
    let mut cmd = Command::new("sshpass");
    cmd.arg("-p").arg(password).arg("sftp").args(ssh_opts(port));
    // `-b` makes sftp ask ssh for batch mode (no password prompts); ssh keeps the first value it
    // is given for an option, so this earlier `BatchMode=no` lets sshpass type the password.
    cmd.args([
        "-o",
        "BatchMode=no",
        "-o",
        &format!("PreferredAuthentications={methods}"),
        "-o",
        "PubkeyAuthentication=no",
    ]);
    cmd.arg("-b").arg(&batch_file).arg(format!("{user}@127.0.0.1"));
    cmd.current_dir(dir);
    run(cmd).await
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
