//! Running the `wharf` binary against a throwaway config dir.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_wharf");

/// A config dir and the environment the binary runs with (no inherited WHARF_/SFTPGO_ variables,
/// HOME pointing inside the temp dir so no user config is picked up).
pub struct Env {
    pub dir: tempfile::TempDir,
    pub vars: Vec<(String, String)>,
}

impl Env {
    /// A config dir; `serve` listens for SFTP on 127.0.0.1 on a port that was free a moment ago.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let port = free_port().to_string();
        let vars = vec![
            ("WHARF_SFTPD__BINDINGS__0__ADDRESS".to_owned(), "127.0.0.1".to_owned()),
            ("WHARF_SFTPD__BINDINGS__0__PORT".to_owned(), port),
        ];
        Self { dir, vars }
    }

    /// The SFTP port `serve` uses.
    pub fn sftp_port(&self) -> u16 {
        self.vars.iter().find(|(k, _)| k == "WHARF_SFTPD__BINDINGS__0__PORT").and_then(|(_, v)| v.parse().ok()).unwrap()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn cfg(&self) -> String {
        self.path().display().to_string()
    }

    pub fn var(mut self, k: &str, v: &str) -> Self {
        self.vars.push((k.into(), v.into()));
        self
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
        c.env("HOME", self.path().join("home"));
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c
    }

    /// Runs to completion (bounded: 120 s) with `stdin` as input.
    pub fn run_with_input(&self, args: &[&str], stdin: &str) -> Output {
        let mut child =
            self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            let _ = input.write_all(stdin.as_bytes());
        }
        wait_output(child, Duration::from_secs(120))
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_input(args, "")
    }

    /// Opens the SQLite provider in this config dir and dumps it (to compare states).
    pub fn dump_sqlite(&self) -> String {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let cfg = wharf_config::DataProviderConfig::default();
            let target = wharf_store::ProviderTarget::from_config(&cfg, self.path()).unwrap();
            let kms = wharf_secrets::kms::Kms::new(wharf_secrets::kms::KmsConfig::default()).unwrap();
            let store = wharf_store::Store::open(&target, kms, wharf_store::Settings::default()).await.unwrap();
            let json = String::from_utf8(store.dump().await.unwrap().to_json(false)).unwrap();
            store.backend().close().await;
            json
        })
    }
}

/// Waits for a child with a deadline, killing it if it overruns.
pub fn wait_output(child: Child, limit: Duration) -> Output {
    let (tx, rx) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
            panic!("wharf did not finish within {limit:?}");
        }
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The lines a failing command wrote to stderr that are not JSON log lines.
pub fn error_lines(o: &Output) -> Vec<String> {
    stderr(o).lines().filter(|l| !l.starts_with('{')).map(str::to_owned).collect()
}

/// Asserts a command failed with exactly one human-readable error line containing every `needle`.
pub fn assert_one_line_error(o: &Output, needles: &[&str]) {
    assert!(!o.status.success(), "expected failure, got success; stderr: {}", stderr(o));
    let lines = error_lines(o);
    assert_eq!(lines.len(), 1, "expected one error line, got: {lines:#?}");
    assert!(lines[0].starts_with("wharf: "), "{}", lines[0]);
    for n in needles {
        assert!(lines[0].contains(n), "{:?} not in {:?}", n, lines[0]);
    }
}

/// A running `wharf serve` whose output lines are collected in the background.
pub struct Server {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Server {
    /// Starts `serve` logging JSON to stdout, and waits until it says it is running.
    pub fn start(env: &Env, extra: &[&str]) -> Self {
        let mut args = vec!["serve", "-c", env.path().to_str().unwrap(), "-l", ""];
        args.extend_from_slice(extra);
        let child = env.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut s = Self::attach(child);
        s.wait_for("running with config dir", Duration::from_secs(60));
        s
    }

    /// Collects the lines of whichever of the child's stdout and stderr are piped.
    pub fn attach(mut child: Child) -> Self {
        let (tx, rx) = mpsc::channel();
        let mut streams: Vec<Box<dyn std::io::Read + Send>> = Vec::new();
        if let Some(o) = child.stdout.take() {
            streams.push(Box::new(o));
        }
        if let Some(e) = child.stderr.take() {
            streams.push(Box::new(e));
        }
        for stream in streams {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Self { child, lines: rx, seen: Vec::new() }
    }

    /// Waits (bounded) until `n` output lines contain `needle`.
    pub fn wait_count(&mut self, needle: &str, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.seen.iter().filter(|l| l.contains(needle)).count() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("fewer than {n} lines with {needle:?} within {limit:?}:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Waits (bounded) for an output line containing `needle`; panics with everything seen so far.
    pub fn wait_for(&mut self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {needle:?} within {limit:?}; output so far:\n{}", self.seen.join("\n")),
            }
        }
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill").arg(format!("-{sig}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(ok.success());
    }

    /// Sends SIGTERM and waits (bounded) for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "serve did not stop within 30 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on right now (the kernel does not hand a released ephemeral
/// port out again at once, so the server started next can bind it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
