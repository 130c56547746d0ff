//! SSH and SFTP benchmark: Wharf's SSH server (`wharf serve`) against OpenSSH's `sshd` with its
//! `sftp-server`, both driven by the same OpenSSH clients with the same options.
//!
//! `cargo build --release -p wharf && cargo run --release -p wharf-bench --bin ssh` prints one
//! table from one run on this machine: 1 GiB upload and download with `aes128-gcm@openssh.com` and with
//! `chacha20-poly1305@openssh.com`, four `sftp` clients at once (256 MiB each), 100 sequential
//! logins (`sftp -b` running `pwd`: Wharf refuses commands, so `ssh host true` is not possible),
//! and the server memory of 1,000 idle SFTP sessions. Ratios are Wharf / OpenSSH: higher is better
//! for throughput, lower for times and memory. Each transfer runs 5 times and the median is shown;
//! which server goes first alternates, so that other work on the machine falls on both alike.
//!
//! Both servers are separate processes started here on free loopback ports. Wharf runs as the
//! `wharf serve` binary (by default the one next to this binary; `--wharf PATH` or `WHARF_BIN`
//! chooses another) rather than in this process, for two reasons: the idle sessions are opened by
//! a russh client in this process, whose memory would otherwise be counted as the server's; and
//! OpenSSH's CPU time is that of its own processes, so Wharf's must be too.
//!
//! - Wharf: its default configuration (SQLite data provider, debug log to `wharf.log` in the
//!   config dir) except the binding, the host key (the same ed25519 key sshd gets) and
//!   `common.max_per_host_connections` (0: the default of 20 would refuse the idle sessions). The
//!   user is loaded with `--loaddata-from`.
//! - OpenSSH: `/usr/sbin/sshd -D -e -f <temp config>` with its own host key, `UsePAM no`,
//!   `StrictModes no`, a temporary `AuthorizedKeysFile`, `Subsystem sftp
//!   /usr/lib/openssh/sftp-server`, logging at its default level to a file; the login user is the
//!   one running the benchmark. sshd starts `sftp-server` through that user's login shell; when
//!   the shell is bash and `unshare` works (root), an empty file is bind-mounted over `~/.bashrc`
//!   in sshd's own mount namespace, so that a heavy `.bashrc` is not counted as sshd's login cost.
//! - Clients: `sftp` with an ed25519 key, `-o Ciphers=<cipher>`, and the key exchange and host key
//!   algorithm pinned (`curve25519-sha256`, `ssh-ed25519`) so that both servers do the same
//!   cryptographic work per login (OpenSSH 9.2 would otherwise pick `sntrup761x25519-sha512`,
//!   which Wharf does not offer).
//! - Data: everything (client files, both servers' storage, Wharf's SQLite file) lives in a temp
//!   dir on tmpfs (`/dev/shm`) when there is one, so no disk is measured.
//! - CPU: server CPU time is Wharf's process time, and for OpenSSH the time of the per-connection
//!   processes, read from the listener's children totals once they have ended. Client time is the
//!   `sftp` and `ssh` processes'. Clock ticks are 1/100 s.
//! - Idle sessions: a russh client in this process opens the sessions (public key login, `session`
//!   channel, `sftp` subsystem, SFTP INIT answered by VERSION) 16 at a time and keeps them open.
//!   Wharf's figure is the growth of its resident set divided by the sessions; OpenSSH's the sum over
//!   its per-connection processes (privileged monitor, unprivileged child, `sftp-server`) of their
//!   resident sets (RSS, as `ps` shows), and of their proportional sets (PSS, shared pages split
//!   between the processes sharing them) because RSS counts the shared sshd and libc pages once per
//!   process.
//!
//! `--smoke` moves a few MiB once, logs in 5 times and opens 20 idle sessions (used by
//! `scripts/test`); it fails on functional errors only (a client failing, a file arriving
//! different, a session not opening), never on timings. `--only transfers,logins,idle` runs some
//! sections only. `WHARF_*` variables of the environment are passed to `wharf serve`, to compare a
//! setting (e.g. `WHARF_LOG_LEVEL=info`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail, ensure};
use rand::{RngCore, SeedableRng};
use russh::ChannelMsg;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};

const AES: &str = "aes128-gcm@openssh.com";
const CHACHA: &str = "chacha20-poly1305@openssh.com";
const KEX: &str = "curve25519-sha256";
const HOST_KEY_ALGO: &str = "ssh-ed25519";
/// Linux reports process times in ticks of 1/100 s (USER_HZ).
const TICKS_PER_SEC: f64 = 100.0;
/// How long one client command may run before the benchmark gives up on it.
const CLIENT_LIMIT: Duration = Duration::from_secs(600);
/// Idle sessions opened at once.
const IDLE_CONCURRENCY: usize = 16;
const MIB: u64 = 1024 * 1024;

struct Sizes {
    /// Repetitions of each transfer (the median is shown).
    reps: usize,
    single: u64,
    parallel_each: u64,
    streams: usize,
    logins: usize,
    idle: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Wharf,
    OpenSsh,
}

/// A running server and what the clients need to reach it.
struct Server {
    kind: Kind,
    port: u16,
    user: String,
    /// The directory the batch files `cd` to, as the server names it.
    remote_dir: String,
    /// The same directory on this machine.
    local_dir: PathBuf,
    child: Child,
}

impl Server {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Wharf => "Wharf",
            Kind::OpenSsh => "OpenSSH",
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The processes whose CPU time and memory count as the server's (besides the listener).
    fn connection_processes(&self) -> Vec<u32> {
        match self.kind {
            Kind::Wharf => Vec::new(),
            Kind::OpenSsh => descendants(self.pid()),
        }
    }

    /// Waits (bounded) until the per-connection processes of ended connections have gone, so that
    /// their CPU time has reached the listener's children totals.
    fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.connection_processes().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// CPU seconds used by the server so far (ended connections included): total, and of it in
    /// the kernel.
    fn cpu(&self) -> (f64, f64) {
        let s = proc_stat(self.pid()).unwrap_or_default();
        ((s.utime + s.stime + s.cutime + s.cstime) as f64 / TICKS_PER_SEC, (s.stime + s.cstime) as f64 / TICKS_PER_SEC)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let rest = self.connection_processes();
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Per-connection sshd processes outlive the listener until their client goes; they are
        // ours, end them by id.
        if !rest.is_empty() {
            let _ = Command::new("kill").args(rest.iter().map(u32::to_string)).stderr(Stdio::null()).status();
        }
    }
}

/// Fields of `/proc/<pid>/stat` used here.
#[derive(Default, Clone, Copy)]
struct ProcStat {
    ppid: u32,
    utime: u64,
    stime: u64,
    cutime: u64,
    cstime: u64,
}

fn proc_stat(pid: u32) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn parse_stat(text: &str) -> Option<ProcStat> {
    // The command name is in parentheses and may contain spaces; fields count from after it
    // (field 3, the state, is index 0).
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some(ProcStat { ppid: u32::try_from(n(1)?).ok()?, utime: n(11)?, stime: n(12)?, cutime: n(13)?, cstime: n(14)? })
}

/// Every live descendant of `root`.
fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if let Some(s) = proc_stat(pid) {
            children.entry(s.ppid).or_default().push(pid);
        }
    }
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &c in children.get(&p).map(Vec::as_slice).unwrap_or_default() {
            out.push(c);
            todo.push(c);
        }
    }
    out
}

/// A `kB` field of a `/proc` file, in KiB.
fn proc_kib(path: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resident and proportional set sizes (KiB) summed over processes.
fn memory_of(pids: &[u32]) -> (u64, u64) {
    let mut rss = 0;
    let mut pss = 0;
    for p in pids {
        rss += proc_kib(&format!("/proc/{p}/status"), "VmRSS:").unwrap_or(0);
        pss += proc_kib(&format!("/proc/{p}/smaps_rollup"), "Pss:").unwrap_or(0);
    }
    (rss, pss)
}

/// CPU seconds of the children this process has waited for (the clients).
fn client_cpu() -> f64 {
    let s = proc_stat(std::process::id()).unwrap_or_default();
    (s.cutime + s.cstime) as f64 / TICKS_PER_SEC
}

/// The 1, 5 and 15 minute load averages.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits (bounded) until `port` answers with an SSH version line.
fn wait_ssh(port: u16, limit: Duration) -> Result<String> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            let mut buf = [0u8; 256];
            if let Ok(n) = s.read(&mut buf)
                && buf[..n].starts_with(b"SSH-2.0-")
            {
                return Ok(String::from_utf8_lossy(&buf[..n]).trim().to_owned());
            }
        }
        ensure!(Instant::now() < deadline, "nothing answers SSH on port {port} after {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run_checked(cmd: &mut Command) -> Result<Output> {
    let o = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    ensure!(o.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    Ok(o)
}

fn keygen(path: &Path, comment: &str) -> Result<()> {
    run_checked(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"]).arg(path))
        .context("ssh-keygen must be installed (openssh-client)")?;
    Ok(())
}

fn current_user() -> Result<String> {
    let o = run_checked(Command::new("id").arg("-un"))?;
    Ok(String::from_utf8(o.stdout)?.trim().to_owned())
}

/// The `wharf` binary: `--wharf PATH`, `WHARF_BIN`, or the one built next to this benchmark.
fn wharf_binary() -> Result<PathBuf> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--wharf") {
        return args.get(i + 1).map(PathBuf::from).ok_or_else(|| anyhow!("--wharf needs a path"));
    }
    if let Some(p) = std::env::var_os("WHARF_BIN") {
        return Ok(PathBuf::from(p));
    }
    let me = std::env::current_exe()?;
    let p = me.with_file_name("wharf");
    ensure!(
        p.exists(),
        "{} not found: build it with this benchmark (`cargo build --release -p wharf -p wharf-bench`), or pass \
         --wharf PATH",
        p.display()
    );
    Ok(p)
}

/// Starts `wharf serve` with the config dir `<work>/<name>` and the user's home `<work>/<name>-home`.
fn start_wharf(bin: &Path, work: &Path, name: &str, host_key: &Path, client_pub: &str) -> Result<Server> {
    let cfg = work.join(name);
    let home = work.join(format!("{name}-home"));
    std::fs::create_dir_all(&cfg)?;
    std::fs::create_dir_all(&home)?;
    let port = free_port();
    let config = format!(
        r#"{{"common": {{"max_per_host_connections": 0}},
            "sftpd": {{"bindings": [{{"address": "127.0.0.1", "port": {port}}}], "host_keys": [{:?}]}}}}"#,
        host_key.display().to_string()
    );
    std::fs::write(cfg.join("wharf.json"), config)?;
    let users = format!(
        r#"{{"users": [{{"status": 1, "username": "bench", "home_dir": {:?}, "public_keys": [{:?}],
            "permissions": {{"/": ["*"]}}, "filesystem": {{"provider": 0}}}}], "version": 17}}"#,
        home.display().to_string(),
        client_pub
    );
    std::fs::write(cfg.join("users.json"), users)?;
    let mut child = Command::new(bin)
        .arg("serve")
        .arg("-c")
        .arg(&cfg)
        .arg("--loaddata-from")
        .arg(cfg.join("users.json"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &cfg)
        .envs(wharf_env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    // `serve` says on stderr when it is listening; the rest of its stderr is drained in the
    // background so that it never blocks on a full pipe.
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let server =
        Server { kind: Kind::Wharf, port, user: "bench".into(), remote_dir: "/".into(), local_dir: home, child };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line.contains("SFTP on") => break,
            Ok(line) => seen.push(line),
            Err(_) => bail!("wharf serve did not start within 60 s:\n{}", seen.join("\n")),
        }
    }
    wait_ssh(port, Duration::from_secs(30))?;
    Ok(server)
}

/// `WHARF_*` variables of this process's environment, passed on to `wharf serve` (to try a setting,
/// e.g. `WHARF_LOG_LEVEL=info`).
fn wharf_env() -> Vec<(String, String)> {
    std::env::vars().filter(|(k, _)| k.starts_with("WHARF_") && k != "WHARF_BIN").collect()
}

/// The login shell's startup file that a non-interactive `bash -c` started by sshd reads (Debian's
/// bash sources `~/.bashrc` when it sees it runs under sshd), when it exists and can be hidden.
///
/// sshd starts `sftp-server` through the user's shell, so a heavy `~/.bashrc` (on the development
/// machine, root's runs `pyenv init`: about 100 processes and 100 ms of CPU) would be counted as
/// sshd's login cost. The benchmark hides it from sshd alone, by bind-mounting an empty file over it
/// in a private mount namespace (`unshare`, root only); the file is untouched for everyone else.
fn shell_rc_to_hide(user: &str) -> Option<PathBuf> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let entry = passwd.lines().find(|l| l.split(':').next() == Some(user))?;
    let fields: Vec<&str> = entry.split(':').collect();
    let (home, shell) = (fields.get(5)?, fields.get(6)?);
    let rc = Path::new(home).join(".bashrc");
    if !shell.ends_with("bash") || !rc.exists() {
        return None;
    }
    let works = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    works.then_some(rc)
}

/// Starts sshd; returns it and a line saying how `sftp-server` is started.
fn start_sshd(work: &Path, host_key: &Path, client_pub: &str) -> Result<(Server, String)> {
    let sshd = Path::new("/usr/sbin/sshd");
    let sftp_server = Path::new("/usr/lib/openssh/sftp-server");
    ensure!(sshd.exists(), "{} is missing: install openssh-server", sshd.display());
    ensure!(sftp_server.exists(), "{} is missing: install openssh-sftp-server", sftp_server.display());
    // sshd refuses to start without its privilege separation directory.
    if !Path::new("/run/sshd").exists() {
        std::fs::create_dir_all("/run/sshd").context("creating /run/sshd (sshd's privilege separation dir)")?;
    }
    let dir = work.join("sshd");
    let home = work.join("sshd-home");
    std::fs::create_dir_all(&dir)?;
    std::fs::create_dir_all(&home)?;
    let keys = dir.join("authorized_keys");
    std::fs::write(&keys, format!("{client_pub}\n"))?;
    let port = free_port();
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nUsePAM no\nPermitRootLogin yes\n\
         AuthorizedKeysFile {}\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
         UseDNS no\nPrintMotd no\nMaxStartups 1000\nSubsystem sftp {}\n",
        host_key.display(),
        dir.join("sshd.pid").display(),
        keys.display(),
        sftp_server.display()
    );
    let cfg = dir.join("sshd_config");
    std::fs::write(&cfg, config)?;
    run_checked(Command::new(sshd).arg("-t").arg("-f").arg(&cfg)).context("sshd rejects its configuration")?;
    let log = std::fs::File::create(dir.join("sshd.log"))?;
    let user = current_user()?;
    let hidden = shell_rc_to_hide(&user);
    let mut cmd = match &hidden {
        Some(rc) => {
            let empty = dir.join("empty-rc");
            std::fs::write(&empty, "")?;
            let mut c = Command::new("unshare");
            c.args(["--mount", "--propagation", "private", "/bin/sh", "-c"])
                .arg(r#"mount --bind "$0" "$1" && shift && exec "$@""#)
                .arg(&empty)
                .arg(rc)
                .arg(sshd);
            c
        }
        None => Command::new(sshd),
    };
    let child = cmd
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(&cfg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting sshd")?;
    let server =
        Server { kind: Kind::OpenSsh, port, user, remote_dir: home.display().to_string(), local_dir: home, child };
    wait_ssh(port, Duration::from_secs(30))?;
    let note = match hidden {
        Some(rc) => format!("{} hidden from sshd (empty file bind-mounted over it)", rc.display()),
        None => format!("sftp-server starts through {}'s login shell and its startup files", server.user),
    };
    Ok((server, note))
}

/// What the clients share: the key, the work dir.
struct Clients {
    key: PathBuf,
    dir: PathBuf,
    batches: std::cell::Cell<u64>,
}

impl Clients {
    /// `sftp -b` running `batch` against `server` with `cipher`; `extra` options go first.
    fn sftp(&self, server: &Server, cipher: &str, batch: &str, extra: &[&str]) -> Result<Command> {
        let n = self.batches.get();
        self.batches.set(n + 1);
        let file = self.dir.join(format!("batch-{n}"));
        std::fs::write(&file, batch)?;
        let mut cmd = Command::new("sftp");
        cmd.args(extra);
        cmd.args(["-F", "/dev/null"]);
        for o in [
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "UpdateHostKeys=no",
            "LogLevel=ERROR",
            "IdentitiesOnly=yes",
            "IdentityAgent=none",
            "BatchMode=yes",
            "ConnectTimeout=20",
            "Compression=no",
            &format!("Ciphers={cipher}"),
            &format!("KexAlgorithms={KEX}"),
            &format!("HostKeyAlgorithms={HOST_KEY_ALGO}"),
        ] {
            cmd.arg("-o").arg(o);
        }
        cmd.arg("-i").arg(&self.key).arg("-P").arg(server.port.to_string()).arg("-b").arg(&file);
        cmd.arg(format!("{}@127.0.0.1", server.user));
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        Ok(cmd)
    }
}

/// Waits (bounded) for a client and checks it succeeded.
fn finish(child: Child, what: &str) -> Result<Output> {
    let (tx, rx) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let o = match rx.recv_timeout(CLIENT_LIMIT) {
        Ok(o) => o?,
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            bail!("{what}: the client did not finish within {CLIENT_LIMIT:?}");
        }
    };
    ensure!(
        o.status.success(),
        "{what}: sftp failed ({}): {}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    Ok(o)
}

fn same_file(a: &Path, b: &Path) -> Result<bool> {
    let (mut fa, mut fb) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = fa.read(&mut ba)?;
        if n == 0 {
            return Ok(true);
        }
        fb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

fn random_file(path: &Path, size: u64, seed: u64) -> Result<()> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut buf = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        rng.fill_bytes(&mut buf[..n]);
        f.write_all(&buf[..n])?;
        left -= n as u64;
    }
    f.flush()?;
    Ok(())
}

/// One measurement of one server: wall seconds, server CPU seconds, client CPU seconds.
#[derive(Clone, Copy, Default)]
struct Run {
    secs: f64,
    server_cpu: f64,
    server_sys: f64,
    client_cpu: f64,
}

impl Run {
    /// The median of each figure over repetitions.
    fn median(runs: &[Run]) -> Run {
        let med = |f: fn(&Run) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        Run {
            secs: med(|r| r.secs),
            server_cpu: med(|r| r.server_cpu),
            server_sys: med(|r| r.server_sys),
            client_cpu: med(|r| r.client_cpu),
        }
    }
}

/// Runs `f` and measures it.
fn measured(server: &Server, f: impl FnOnce() -> Result<()>) -> Result<Run> {
    server.settle();
    let ((s0, k0), c0) = (server.cpu(), client_cpu());
    let t = Instant::now();
    f()?;
    let secs = t.elapsed().as_secs_f64();
    server.settle();
    let (s1, k1) = server.cpu();
    Ok(Run { secs, server_cpu: s1 - s0, server_sys: k1 - k0, client_cpu: client_cpu() - c0 })
}

/// `streams` clients at once, each uploading `sources[i]` as `up-<i>`.
fn upload(c: &Clients, s: &Server, cipher: &str, sources: &[PathBuf]) -> Result<Run> {
    let mut cmds = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        cmds.push(c.sftp(s, cipher, &format!("cd {}\nput {} up-{i}\n", s.remote_dir, src.display()), &[])?);
    }
    let run = measured(s, || {
        let children: Vec<Child> = cmds.iter_mut().map(|c| c.spawn()).collect::<Result<_, _>>()?;
        for child in children {
            finish(child, &format!("{} upload", s.name()))?;
        }
        Ok(())
    })?;
    for (i, src) in sources.iter().enumerate() {
        let stored = s.local_dir.join(format!("up-{i}"));
        ensure!(same_file(src, &stored)?, "{}: the uploaded file differs from its source ({cipher})", s.name());
    }
    Ok(run)
}

/// `streams` clients at once, each downloading `up-<i>` (left by [`upload`]); checks and removes
/// both copies.
fn download(c: &Clients, s: &Server, cipher: &str, sources: &[PathBuf]) -> Result<Run> {
    let mut cmds = Vec::new();
    let mut outs = Vec::new();
    for i in 0..sources.len() {
        let out = c.dir.join(format!("down-{i}"));
        cmds.push(c.sftp(s, cipher, &format!("cd {}\nget up-{i} {}\n", s.remote_dir, out.display()), &[])?);
        outs.push(out);
    }
    let run = measured(s, || {
        let children: Vec<Child> = cmds.iter_mut().map(|c| c.spawn()).collect::<Result<_, _>>()?;
        for child in children {
            finish(child, &format!("{} download", s.name()))?;
        }
        Ok(())
    })?;
    for (i, (src, out)) in sources.iter().zip(&outs).enumerate() {
        ensure!(same_file(src, out)?, "{}: the downloaded file differs from the upload ({cipher})", s.name());
        std::fs::remove_file(out)?;
        std::fs::remove_file(s.local_dir.join(format!("up-{i}")))?;
    }
    Ok(run)
}

/// One login and `pwd`; returns seconds.
fn login(c: &Clients, s: &Server) -> Result<f64> {
    let mut cmd = c.sftp(s, AES, "pwd\n", &[])?;
    let t = Instant::now();
    let o = finish(cmd.spawn()?, &format!("{} login", s.name()))?;
    let secs = t.elapsed().as_secs_f64();
    ensure!(
        String::from_utf8_lossy(&o.stdout).contains("Remote working directory"),
        "{}: pwd printed nothing: {}",
        s.name(),
        String::from_utf8_lossy(&o.stdout)
    );
    Ok(secs)
}

/// The algorithms a client negotiates (from `sftp -v`), to show both servers got the same.
fn negotiated(c: &Clients, s: &Server, cipher: &str) -> Result<String> {
    let mut cmd = c.sftp(s, cipher, "pwd\n", &["-v"])?;
    let o = finish(cmd.spawn()?, &format!("{} negotiation", s.name()))?;
    let err = String::from_utf8_lossy(&o.stderr);
    let pick = |key: &str| {
        err.lines().find_map(|l| l.split_once(key).map(|(_, v)| v.split_whitespace().next().unwrap_or("").to_owned()))
    };
    Ok(format!(
        "kex {}, host key {}, cipher {}",
        pick("kex: algorithm: ").unwrap_or_default(),
        pick("kex: host key algorithm: ").unwrap_or_default(),
        pick("kex: server->client cipher: ").unwrap_or_default()
    ))
}

struct IdleClient;

impl russh::client::Handler for IdleClient {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &russh::keys::PublicKey) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// An open, logged-in SFTP session that does nothing.
struct IdleSession {
    _handle: russh::client::Handle<IdleClient>,
    _channel: russh::Channel<russh::client::Msg>,
}

async fn open_idle(port: u16, user: String, key: Arc<PrivateKey>) -> Result<IdleSession> {
    let config = russh::client::Config {
        preferred: russh::Preferred {
            kex: Cow::Owned(vec![
                russh::kex::CURVE25519,
                russh::kex::EXTENSION_SUPPORT_AS_CLIENT,
                russh::kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
            ]),
            ..Default::default()
        },
        inactivity_timeout: None,
        ..Default::default()
    };
    let mut handle = russh::client::connect(Arc::new(config), ("127.0.0.1", port), IdleClient).await?;
    let auth = handle.authenticate_publickey(user, PrivateKeyWithHashAlg::new(key, None)).await?;
    ensure!(auth.success(), "public key login refused");
    let mut channel = handle.channel_open_session().await?;
    channel.request_subsystem(true, "sftp").await?;
    // SSH_FXP_INIT, version 3; the answer is SSH_FXP_VERSION (type 2).
    channel.data(&[0u8, 0, 0, 5, 1, 0, 0, 0, 3][..]).await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(60), channel.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => {
                ensure!(data.len() >= 5 && data[4] == 2, "the server did not answer SFTP INIT with VERSION");
                break;
            }
            Ok(Some(ChannelMsg::Failure)) => bail!("the sftp subsystem was refused"),
            Ok(Some(ChannelMsg::Eof | ChannelMsg::Close)) | Ok(None) => bail!("the channel closed"),
            Ok(Some(_)) => {}
            Err(_) => bail!("no SFTP VERSION within 60 s"),
        }
    }
    Ok(IdleSession { _handle: handle, _channel: channel })
}

async fn open_many(port: u16, user: &str, key: &Arc<PrivateKey>, n: usize) -> Result<Vec<IdleSession>> {
    let permits = Arc::new(tokio::sync::Semaphore::new(IDLE_CONCURRENCY));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (permits, user, key) = (permits.clone(), user.to_owned(), key.clone());
        set.spawn(async move {
            let _permit = permits.acquire_owned().await.unwrap();
            open_idle(port, user, key).await
        });
    }
    let mut out = Vec::with_capacity(n);
    let mut first_error = None;
    while let Some(r) = set.join_next().await {
        match r? {
            Ok(s) => out.push(s),
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    if let Some(e) = first_error {
        bail!("{} of {n} idle sessions did not open; first error: {e:#}", n - out.len());
    }
    Ok(out)
}

/// Memory of idle sessions on one server.
struct Idle {
    /// KiB per session: resident set growth (Wharf) or per-connection processes' resident sets.
    rss: f64,
    /// KiB per session, proportional set.
    pss: f64,
    /// Seconds to open them all.
    open_secs: f64,
    /// Server resident set (KiB) before, with the sessions open, after closing them.
    server_rss: (u64, u64, u64),
}

fn server_memory(s: &Server) -> (u64, u64) {
    match s.kind {
        Kind::Wharf => memory_of(&[s.pid()]),
        Kind::OpenSsh => memory_of(&s.connection_processes()),
    }
}

fn idle(rt: &tokio::runtime::Runtime, s: &Server, key: &Arc<PrivateKey>, n: usize) -> Result<Idle> {
    // A few sessions first, so that what a server sets up once (threads, pools, caches) is not
    // counted per session.
    drop(rt.block_on(open_many(s.port, &s.user, key, IDLE_CONCURRENCY))?);
    std::thread::sleep(Duration::from_millis(500));
    s.settle();
    let before = server_memory(s);
    let t = Instant::now();
    let sessions = rt.block_on(open_many(s.port, &s.user, key, n))?;
    let open_secs = t.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(1));
    let during = server_memory(s);
    drop(sessions);
    std::thread::sleep(Duration::from_secs(1));
    s.settle();
    let after = server_memory(s);
    let per = |a: u64, b: u64| a.saturating_sub(b) as f64 / n as f64;
    Ok(Idle {
        rss: per(during.0, before.0),
        pss: per(during.1, before.1),
        open_secs,
        server_rss: (before.0, during.0, after.0),
    })
}

#[derive(Clone, Copy)]
enum Better {
    Higher,
    Lower,
}

struct Row {
    figure: String,
    unit: &'static str,
    wharf: f64,
    openssh: f64,
    goal: String,
    met: Option<bool>,
}

impl Row {
    fn versus(figure: String, unit: &'static str, wharf: f64, openssh: f64, better: Better) -> Self {
        let (goal, met) = match better {
            Better::Higher => ("≥ 1".to_owned(), wharf >= openssh),
            Better::Lower => ("≤ 1".to_owned(), wharf <= openssh),
        };
        Self { figure, unit, wharf, openssh, goal, met: Some(met) }
    }
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn mib_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / MIB as f64 / secs.max(1e-9)
}

/// Which server goes first: it alternates from one measurement to the next, so that a change in
/// the machine's load during the run does not always fall on the same one.
#[derive(Default)]
struct Turn {
    wharf_first: bool,
}

impl Turn {
    fn next(&mut self) -> bool {
        self.wharf_first = !self.wharf_first;
        self.wharf_first
    }

    /// Measures both servers; returns (Wharf, OpenSSH).
    fn pair(
        &mut self,
        [wharf, openssh]: [&Server; 2],
        mut f: impl FnMut(&Server) -> Result<Run>,
    ) -> Result<(Run, Run)> {
        if self.next() {
            let w = f(wharf)?;
            Ok((w, f(openssh)?))
        } else {
            let o = f(openssh)?;
            Ok((f(wharf)?, o))
        }
    }
}

/// One stream per cipher, then several at once; each repetition uploads, then downloads what it
/// uploaded.
fn transfers(
    sizes: &Sizes,
    clients: &Clients,
    servers: [&Server; 2],
    turn: &mut Turn,
    rows: &mut Vec<Row>,
    cpu_rows: &mut Vec<(String, Run, Run)>,
) -> Result<()> {
    let single = clients.dir.join("single.bin");
    random_file(&single, sizes.single, 1)?;
    let mut parallel = Vec::new();
    for i in 0..sizes.streams {
        let p = clients.dir.join(format!("par-{i}.bin"));
        random_file(&p, sizes.parallel_each, 10 + i as u64)?;
        parallel.push(p);
    }
    let label = |bytes: u64| {
        if bytes >= 1024 * MIB { format!("{} GiB", bytes / (1024 * MIB)) } else { format!("{} MiB", bytes / MIB) }
    };
    let cases = [
        (format!("{} upload, aes128-gcm", label(sizes.single)), AES, vec![single.clone()]),
        (format!("{} upload, chacha20-poly1305", label(sizes.single)), CHACHA, vec![single.clone()]),
        (
            format!("{} × {} upload at once, aes128-gcm", sizes.streams, label(sizes.parallel_each)),
            AES,
            parallel.clone(),
        ),
    ];
    for (figure, cipher, sources) in &cases {
        let mut runs: [Vec<Run>; 4] = Default::default();
        for _ in 0..sizes.reps {
            let (wu, ou) = turn.pair(servers, |s| upload(clients, s, cipher, sources))?;
            let (wd, od) = turn.pair(servers, |s| download(clients, s, cipher, sources))?;
            for (v, r) in runs.iter_mut().zip([wu, ou, wd, od]) {
                v.push(r);
            }
        }
        let bytes = sources.iter().map(|p| std::fs::metadata(p).map(|m| m.len())).sum::<std::io::Result<u64>>()?;
        let unit = if sources.len() > 1 { "MiB/s total" } else { "MiB/s" };
        for (name, w_runs, o_runs) in
            [(figure.clone(), &runs[0], &runs[1]), (figure.replace("upload", "download"), &runs[2], &runs[3])]
        {
            let (w_run, o_run) = (Run::median(w_runs), Run::median(o_runs));
            rows.push(Row::versus(
                name.clone(),
                unit,
                mib_s(bytes, w_run.secs),
                mib_s(bytes, o_run.secs),
                Better::Higher,
            ));
            cpu_rows.push((name, w_run, o_run));
        }
    }
    std::fs::remove_file(&single)?;
    for p in &parallel {
        std::fs::remove_file(p)?;
    }
    Ok(())
}

/// Sequential logins, alternating between the servers.
fn logins(
    sizes: &Sizes,
    clients: &Clients,
    servers: [&Server; 2],
    rows: &mut Vec<Row>,
    cpu_rows: &mut Vec<(String, Run, Run)>,
) -> Result<()> {
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut runs = [Run::default(); 2];
    for i in 0..sizes.logins {
        let order = if i % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let r = measured(servers[k], || {
                times[k].push(login(clients, servers[k])?);
                Ok(())
            })?;
            runs[k].secs += r.secs;
            runs[k].server_cpu += r.server_cpu;
            runs[k].server_sys += r.server_sys;
            runs[k].client_cpu += r.client_cpu;
        }
    }
    let median_ms = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2] * 1000.0
    };
    let figure = format!("{} sequential logins (sftp -b, pwd), total", sizes.logins);
    rows.push(Row::versus(figure.clone(), "s", runs[0].secs, runs[1].secs, Better::Lower));
    rows.push(Row::versus(
        "one login, median".to_owned(),
        "ms",
        median_ms(&times[0]),
        median_ms(&times[1]),
        Better::Lower,
    ));
    cpu_rows.push((figure, runs[0], runs[1]));
    Ok(())
}

/// `--only transfers,logins,idle`: the sections to run (all by default).
struct Only(Option<Vec<String>>);

impl Only {
    fn from_args() -> Result<Self> {
        let args: Vec<String> = std::env::args().collect();
        let Some(i) = args.iter().position(|a| a == "--only") else { return Ok(Self(None)) };
        let list = args.get(i + 1).ok_or_else(|| anyhow!("--only needs a list: transfers,logins,idle"))?;
        let names: Vec<String> = list.split(',').map(|s| s.trim().to_owned()).collect();
        for n in &names {
            ensure!(["transfers", "logins", "idle"].contains(&n.as_str()), "--only: unknown section {n:?}");
        }
        Ok(Self(Some(names)))
    }

    fn wants(&self, section: &str) -> bool {
        self.0.as_ref().is_none_or(|l| l.iter().any(|n| n == section))
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("ssh benchmark failed: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let only = Only::from_args()?;
    let load_at_start = loadavg();
    let sizes = if smoke {
        Sizes { reps: 1, single: 4 * MIB, parallel_each: MIB, streams: 4, logins: 5, idle: 20 }
    } else {
        Sizes { reps: 5, single: 1024 * MIB, parallel_each: 256 * MIB, streams: 4, logins: 100, idle: 1000 }
    };
    let wharf_bin = wharf_binary()?;
    let shm = Path::new("/dev/shm");
    let tmpfs = shm.is_dir() && tempfile::tempdir_in(shm).is_ok();
    let work = if tmpfs {
        tempfile::Builder::new().prefix("wharf-bench-ssh-").tempdir_in(shm)?
    } else {
        tempfile::Builder::new().prefix("wharf-bench-ssh-").tempdir()?
    };
    let w = work.path();
    let client_dir = w.join("client");
    std::fs::create_dir_all(&client_dir)?;
    let key_path = client_dir.join("id_ed25519");
    keygen(&key_path, "wharf-bench")?;
    let client_pub = std::fs::read_to_string(key_path.with_extension("pub"))?.trim().to_owned();
    let host_key = w.join("ssh_host_ed25519_key");
    keygen(&host_key, "wharf-bench-host")?;

    let mut wharf = start_wharf(&wharf_bin, w, "wharf", &host_key, &client_pub)?;
    let (openssh, shell_note) = start_sshd(w, &host_key, &client_pub)?;
    let clients = Clients { key: key_path.clone(), dir: client_dir.clone(), batches: std::cell::Cell::new(0) };

    println!(
        "SSH/SFTP benchmark ({} run), data in {} ({}), load average at start {}",
        if smoke { "smoke" } else { "full" },
        w.display(),
        if tmpfs { "tmpfs" } else { "temp dir" },
        load_at_start
    );
    let runs = if sizes.reps > 1 { format!("median of {} runs each", sizes.reps) } else { "one run each".to_owned() };
    println!(
        "transfers: {runs}, the server going first alternating; {} sequential logins; {} idle sessions",
        sizes.logins, sizes.idle
    );
    if smoke {
        println!("smoke run: a few MiB and a few logins, so the figures mean little; only failures count");
    }
    println!("Wharf: {} (pid {}), {}", wharf_bin.display(), wharf.pid(), wait_ssh(wharf.port, Duration::from_secs(5))?);
    println!("OpenSSH: /usr/sbin/sshd (pid {}), {}", openssh.pid(), wait_ssh(openssh.port, Duration::from_secs(5))?);
    println!("OpenSSH: {shell_note}");
    for (k, v) in wharf_env() {
        println!("Wharf: {k}={v} from the environment");
    }
    for s in [&wharf, &openssh] {
        for cipher in [AES, CHACHA] {
            println!("{} negotiates: {}", s.name(), negotiated(&clients, s, cipher)?);
        }
    }
    let mut rows = Vec::new();
    let mut cpu_rows: Vec<(String, Run, Run)> = Vec::new();
    let mut turn = Turn::default();
    if only.wants("transfers") {
        transfers(&sizes, &clients, [&wharf, &openssh], &mut turn, &mut rows, &mut cpu_rows)?;
    }
    if only.wants("logins") {
        logins(&sizes, &clients, [&wharf, &openssh], &mut rows, &mut cpu_rows)?;
    }
    let mut idle_memory = None;
    if only.wants("idle") {
        // On a Wharf started afresh: memory freed after the transfers stays with the process's
        // allocator and would hold the first sessions without the resident set growing.
        drop(wharf);
        wharf = start_wharf(&wharf_bin, w, "wharf-idle", &host_key, &client_pub)?;
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let key = Arc::new(russh::keys::load_secret_key(&key_path, None)?);
        let n = sizes.idle;
        let (wi, oi) = if turn.next() {
            let o = idle(&rt, &openssh, &key, n)?;
            (idle(&rt, &wharf, &key, n)?, o)
        } else {
            let w = idle(&rt, &wharf, &key, n)?;
            (w, idle(&rt, &openssh, &key, n)?)
        };
        let mut rss_row = Row::versus(
            format!("{n} idle SFTP sessions: server RSS per session"),
            "KiB",
            wi.rss,
            oi.rss,
            Better::Lower,
        );
        rss_row.goal = "≤ 1, Wharf < 100 KiB".to_owned();
        rss_row.met = Some(wi.rss <= oi.rss && wi.rss < 100.0);
        rows.push(rss_row);
        rows.push(Row::versus("  same, PSS per session".to_owned(), "KiB", wi.pss, oi.pss, Better::Lower));
        rows.push(Row::versus(
            format!("  opening the {n} sessions ({IDLE_CONCURRENCY} at a time)"),
            "s",
            wi.open_secs,
            oi.open_secs,
            Better::Lower,
        ));
        idle_memory = Some((wi, oi));
    }

    println!();
    println!("| figure | unit | Wharf | OpenSSH | Wharf/OpenSSH | goal | met |");
    println!("|---|---|---:|---:|---:|---|---|");
    for r in &rows {
        let ratio = r.wharf / r.openssh.max(1e-9);
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        println!(
            "| {} | {} | {} | {} | {:.2} | {} | {met} |",
            r.figure,
            r.unit,
            fmt_num(r.wharf),
            fmt_num(r.openssh),
            ratio,
            r.goal
        );
    }
    println!();
    println!("CPU seconds (server = Wharf's process / sshd's per-connection processes; client = sftp + ssh):");
    println!();
    println!(
        "| figure | Wharf server (kernel) | OpenSSH server (kernel) | ratio | client with Wharf | client with OpenSSH |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (figure, w_run, o_run) in &cpu_rows {
        println!(
            "| {figure} | {:.2} ({:.2}) | {:.2} ({:.2}) | {:.2} | {:.2} | {:.2} |",
            w_run.server_cpu,
            w_run.server_sys,
            o_run.server_cpu,
            o_run.server_sys,
            w_run.server_cpu / o_run.server_cpu.max(1e-9),
            w_run.client_cpu,
            o_run.client_cpu
        );
    }
    println!();
    if let Some((wi, oi)) = idle_memory {
        println!(
            "Idle sessions, server resident set before / with {} sessions / after closing them (KiB): Wharf {} / {} / \
             {}; OpenSSH per-connection processes {} / {} / {}",
            sizes.idle,
            wi.server_rss.0,
            wi.server_rss.1,
            wi.server_rss.2,
            oi.server_rss.0,
            oi.server_rss.1,
            oi.server_rss.2
        );
    }
    println!("load average at the end: {}", loadavg());
    if let Ok(m) = std::fs::metadata(w.join("wharf").join("wharf.log")) {
        println!("Wharf's log file (transfers and logins) grew to {} KiB", m.len() / 1024);
    }
    drop(wharf);
    drop(openssh);
    Ok(())
}
