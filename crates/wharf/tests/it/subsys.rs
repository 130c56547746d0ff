//! `startsubsys` behind a real OpenSSH sshd (Debian's `openssh-server`), walked through as
//! docs/subsystem.md tells it: each test starts its own sshd on 127.0.0.1 as the current user, with
//! a generated host key, a generated client key and `Subsystem sftp <wharf> startsubsys …`, and
//! logs in with the real `sftp` (or `ssh -s`) client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{BIN, free_port};

/// Longest time any client run may take.
const CLIENT_LIMIT: Duration = Duration::from_secs(120);
const SSHD: &str = "/usr/sbin/sshd";

/// The OS account running the tests (and so, through sshd, the subsystem): name and home.
fn os_user() -> (String, PathBuf) {
    let o = Command::new("id").arg("-un").output().unwrap();
    let name = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    let o = Command::new("getent").args(["passwd", &name]).output().unwrap();
    let line = String::from_utf8(o.stdout).unwrap();
    let home = line.trim().split(':').nth(5).unwrap_or_default().to_owned();
    (name, PathBuf::from(home))
}

fn is_root() -> bool {
    let o = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&o.stdout).trim() == "0"
}

fn keygen(path: &Path) {
    let o = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "wharf-test", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen (openssh-client) must be installed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Waits for a child with a deadline, killing it when it overruns.
fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("{what} did not finish within {limit:?}:\n{}", text(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running sshd with its own config, host key, authorized key and client key.
struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
    user: String,
}

impl Sshd {
    /// Starts sshd with `Subsystem <name> <wharf> startsubsys <args>` for each entry of
    /// `subsystems` (the first should be `sftp`), and waits (bounded) until it accepts connections.
    fn start(subsystems: &[(&str, Vec<String>)]) -> Self {
        assert!(
            Path::new(SSHD).is_file(),
            "these tests need OpenSSH's server, {SSHD} (Debian package openssh-server; scripts/test installs it)"
        );
        // sshd run by root refuses to start without its privilege separation directory, which the
        // package's service normally creates at boot (systemd RuntimeDirectory / init script).
        if is_root() && !Path::new("/run/sshd").is_dir() {
            std::fs::create_dir_all("/run/sshd").unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions("/run/sshd", std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("client_key"));
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        let port = free_port();
        let mut config = format!(
            "ListenAddress 127.0.0.1:{port}\nHostKey {host}\nPidFile {pid}\nUsePAM no\nStrictModes no\n\
             PermitRootLogin yes\nAuthorizedKeysFile {auth}\nPubkeyAuthentication yes\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nLogLevel VERBOSE\n",
            host = d.join("host_key").display(),
            pid = d.join("sshd.pid").display(),
            auth = d.join("authorized_keys").display(),
        );
        for (name, args) in subsystems {
            config.push_str(&format!("Subsystem {name} {BIN} startsubsys {}\n", args.join(" ")));
        }
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let log = std::fs::File::create(d.join("sshd.log")).unwrap();
        let mut cmd = Command::new(SSHD);
        cmd.arg("-f").arg(d.join("sshd_config")).args(["-D", "-e"]);
        cmd.stdin(Stdio::null()).stdout(log.try_clone().unwrap()).stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("sshd starts");
        let mut sshd = Self { dir, port, child, user: os_user().0 };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = sshd.child.try_wait().unwrap() {
                panic!("sshd exited ({status}) before listening:\n{}", sshd.log());
            }
            assert!(Instant::now() < deadline, "sshd did not listen within 20 s:\n{}", sshd.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        sshd
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path().join("sshd.log")).unwrap_or_default()
    }

    fn client_opts(&self) -> Vec<String> {
        let key = self.path().join("client_key");
        [
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityAgent=none",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            "-i",
            key.to_str().unwrap(),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    }

    /// Starts `sftp -b <batch>` in `local` (does not wait).
    fn spawn_sftp(&self, batch: &str, local: &Path) -> Child {
        let file = local.join(format!(".batch-{}", free_port()));
        std::fs::write(&file, batch).unwrap();
        Command::new("sftp")
            .args(self.client_opts())
            .args(["-P", &self.port.to_string(), "-b"])
            .arg(&file)
            .arg(format!("{}@127.0.0.1", self.user))
            .current_dir(local)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sftp (openssh-client) must be installed")
    }

    /// Runs `sftp -b <batch>` in `local` to completion (bounded).
    fn sftp(&self, batch: &str, local: &Path) -> Output {
        let out = wait_bounded(self.spawn_sftp(batch, local), CLIENT_LIMIT, "sftp");
        eprintln!("--- sftp {batch:?}\n{}", text(&out));
        out
    }

    /// `ssh -s <subsystem>` with piped standard input and output: a raw SFTP stream.
    fn spawn_ssh_subsystem(&self, subsystem: &str) -> Child {
        Command::new("ssh")
            .args(self.client_opts())
            .args(["-p", &self.port.to_string(), "-s"])
            .arg(format!("{}@127.0.0.1", self.user))
            .arg(subsystem)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssh (openssh-client) must be installed")
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // sshd runs in its own process group (its id is sshd's pid): stop it and anything of it
        // left there. The `--` matters: procps `kill -TERM -1234` reads the negative pid as an
        // option and sends kill(-1, SIGTERM), which signals every process the user may signal.
        let pgid = self.child.id();
        if pgid > 1 {
            let _ = Command::new("kill").args(["-s", "TERM", "--"]).arg(format!("-{pgid}")).status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn path_arg(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// A dump (SFTPGo backup format) with one user.
fn dump_with_user(user: &str) -> String {
    format!(r#"{{"users": [{user}], "groups": [], "folders": [], "admins": [], "version": 17}}"#)
}

/// Names Wharf would use for files of its own in a config dir: none may appear in a user's home.
const OWN_FILES: [&str; 8] =
    ["sftpgo.db", "wharf.db", "wharf.redb", "wharf.log", "sftpgo.log", "id_rsa", "id_ecdsa", "id_ed25519"];

fn own_files_in(dir: &Path) -> Vec<&'static str> {
    OWN_FILES.iter().copied().filter(|f| dir.join(f).exists()).collect()
}

fn local_dir(sshd: &Sshd) -> PathBuf {
    let local = sshd.path().join("local");
    std::fs::create_dir_all(&local).unwrap();
    local
}

/// Step 1: no config at all; every OS user is served, chrooted to its home (`-d` puts the
/// made-up user's home in a temp dir, since the tests' OS account cannot be changed).
#[test]
fn step1_any_os_user_is_served_in_its_home() {
    let homes = tempfile::tempdir().unwrap();
    let (user, os_home) = os_user();
    let before = own_files_in(&os_home);
    // Debug logs on standard error: sshd discards them, and they must not reach the protocol.
    let sshd = Sshd::start(&[("sftp", args(&["-d", &path_arg(homes.path()), "--log-level", "debug"]))]);
    let local = local_dir(&sshd);
    std::fs::write(local.join("a.txt"), "step one\n").unwrap();
    let o = sshd.sftp("pwd\nput a.txt\nmkdir d\nls -1\ncd ..\npwd\nget a.txt back.txt\n", &local);
    assert!(o.status.success(), "{}\n{}", text(&o), sshd.log());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.matches("Remote working directory: /\n").count(), 2, "the home is / and .. stays there:\n{out}");
    let home = homes.path().join(&user);
    assert_eq!(std::fs::read_to_string(home.join("a.txt")).unwrap(), "step one\n");
    assert!(home.join("d").is_dir());
    assert_eq!(std::fs::read_to_string(local.join("back.txt")).unwrap(), "step one\n");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("\"level\""), "log lines reached the client: {err}");
    // Nothing of Wharf's own in the home it served, nor in the OS home (sshd's working directory).
    let mut names: Vec<String> =
        std::fs::read_dir(&home).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["a.txt", "d"]);
    assert_eq!(own_files_in(&os_home), before, "files appeared in {}", os_home.display());
    assert!(sshd.log().contains("subsystem 'sftp'"), "{}", sshd.log());
}

/// The memory-provider config dir of step 2: `wharf.json` naming the dump by a relative path.
fn memory_config(dir: &Path, dump: &str, extra: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("users.json"), dump).unwrap();
    std::fs::write(
        dir.join("wharf.json"),
        format!(r#"{{"data_provider": {{"driver": "memory", "name": "users.json"}}{extra}}}"#),
    )
    .unwrap();
}

/// Step 2: a user of the dump, with `-p`: its home, per-directory permissions, a file quota
/// (recounted from the disk at each session) and an upload bandwidth limit.
#[test]
fn step2_memory_provider_user_settings_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let (user, _) = os_user();
    let sftpdir = tmp.path().join("sftpdir");
    let cfg = tmp.path().join("subsys");
    let dump = dump_with_user(&format!(
        r#"{{"status": 1, "username": "{user}", "home_dir": "{}", "password": "ignored-by-openssh",
            "permissions": {{"/": ["*"], "/test": ["list", "upload"]}}, "quota_files": 2,
            "upload_bandwidth": 64, "filesystem": {{"provider": 0}}}}"#,
        sftpdir.display()
    ));
    memory_config(&cfg, &dump, "");
    let log = tmp.path().join("subsys.log");
    let sshd = Sshd::start(&[("sftp", args(&["-c", &path_arg(&cfg), "-p", "-l", &path_arg(&log)]))]);
    let local = local_dir(&sshd);

    // Bandwidth: 192 KiB at 64 KB/s takes 3 s; unthrottled it takes milliseconds on loopback.
    std::fs::write(local.join("big.bin"), vec![7u8; 192 * 1024]).unwrap();
    let started = Instant::now();
    let o = sshd.sftp("put big.bin\n", &local);
    let elapsed = started.elapsed();
    assert!(o.status.success(), "{}\n{}", text(&o), sshd.log());
    assert_eq!(std::fs::metadata(sftpdir.join("big.bin")).unwrap().len(), 192 * 1024, "the root is the dump's home");
    assert!(elapsed >= Duration::from_millis(2500), "the upload bandwidth limit was not applied: {elapsed:?}");

    // A new process: the file count starts from the disk (1), not from the dump (0).
    std::fs::write(local.join("small.txt"), "small\n").unwrap();
    let o = sshd.sftp(
        "mkdir test\nput small.txt test/small.txt\n-get test/small.txt got.txt\n-put small.txt third.txt\nls -1 test\n",
        &local,
    );
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(std::fs::read_to_string(sftpdir.join("test/small.txt")).unwrap(), "small\n", "uploads to /test work");
    assert!(!local.join("got.txt").exists(), "downloads from /test are denied");
    assert!(err.contains("Permission denied"), "{err}");
    assert!(!sftpdir.join("third.txt").exists(), "the file quota (2) refuses a third file");
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.contains(r#""in_data_provider":true"#), "{logs}");
    assert!(!logs.contains(r#""level":"ERROR""#), "{logs}");
}

/// Step 2 without `-p`: the home comes from the OS account (read only here: the test only lists it).
#[test]
fn step2_without_preserve_home_the_os_home_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let (user, os_home) = os_user();
    let unused = tmp.path().join("not-used");
    let dump = dump_with_user(&format!(
        r#"{{"status": 1, "username": "{user}", "home_dir": "{}", "permissions": {{"/": ["list"]}}}}"#,
        unused.display()
    ));
    let cfg = tmp.path().join("subsys");
    memory_config(&cfg, &dump, "");
    let sshd = Sshd::start(&[("sftp", args(&["-c", &path_arg(&cfg)]))]);
    let local = local_dir(&sshd);
    let o = sshd.sftp("pwd\nls -1a\n", &local);
    assert!(o.status.success(), "{}\n{}", text(&o), sshd.log());
    assert!(!unused.exists(), "the provider's home must not be used (nor created) without -p");
    let out = String::from_utf8_lossy(&o.stdout);
    let entry = std::fs::read_dir(&os_home)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| !n.contains(char::is_whitespace));
    if let Some(name) = entry {
        assert!(out.lines().any(|l| l.trim() == name), "{name:?} of {} not listed:\n{out}", os_home.display());
    }
}

/// Step 3: an asynchronous upload hook (the tutorial's script, made slower) has written its line
/// by the time the client returns.
#[test]
fn step3_upload_hook_runs_before_the_process_exits() {
    let tmp = tempfile::tempdir().unwrap();
    let (user, _) = os_user();
    let sftpdir = tmp.path().join("sftpdir");
    let hook_log = tmp.path().join("command_sftp.log");
    let script = tmp.path().join("wharf-action.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/bash\nsleep 1\necho `date` \"action: $SFTPGO_ACTION, username: $SFTPGO_ACTION_USERNAME, \
             path: $SFTPGO_ACTION_PATH, size: $SFTPGO_ACTION_FILE_SIZE, status: $SFTPGO_ACTION_STATUS\" >> {}\n",
            hook_log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dump = dump_with_user(&format!(
        r#"{{"status": 1, "username": "{user}", "home_dir": "{}", "permissions": {{"/": ["*"]}}}}"#,
        sftpdir.display()
    ));
    let cfg = tmp.path().join("subsys");
    let actions = format!(
        r#", "common": {{"actions": {{"execute_on": ["upload"], "execute_sync": [], "hook": "{}"}}}}"#,
        script.display()
    );
    memory_config(&cfg, &dump, &actions);
    let sshd = Sshd::start(&[("sftp", args(&["-c", &path_arg(&cfg), "-p"]))]);
    let local = local_dir(&sshd);
    std::fs::write(local.join("file.txt"), "hook me now").unwrap();
    let o = sshd.sftp("put file.txt\n", &local);
    assert!(o.status.success(), "{}\n{}", text(&o), sshd.log());
    let lines = std::fs::read_to_string(&hook_log).unwrap_or_default();
    let expected =
        format!("action: upload, username: {user}, path: {}, size: 11, status: 1", sftpdir.join("file.txt").display());
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.contains(&expected), "expected {expected:?} in {lines:?}");
}

/// SQLite is kept (not replaced by memory as SFTPGo did): two sessions at once through sshd
/// update the same user's quota in one database file, exactly.
#[test]
fn sqlite_two_sessions_at_once_count_quota_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let (user, _) = os_user();
    let home = tmp.path().join("sq");
    let cfg = tmp.path().join("subsys");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("wharf.json"), r#"{"data_provider": {"driver": "sqlite", "name": "wharf.db"}}"#).unwrap();
    let dump = dump_with_user(&format!(
        r#"{{"status": 1, "username": "{user}", "home_dir": "{}", "permissions": {{"/": ["*"]}},
            "quota_files": 100, "upload_bandwidth": 100}}"#,
        home.display()
    ));
    let dump_file = tmp.path().join("dump.json");
    std::fs::write(&dump_file, dump).unwrap();
    let o = Command::new(BIN)
        .args(["initprovider", "-c", &path_arg(&cfg), "--loaddata-from", &path_arg(&dump_file)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));

    let sshd = Sshd::start(&[("sftp", args(&["-c", &path_arg(&cfg), "-p"]))]);
    let local = local_dir(&sshd);
    let mut expected_size = 0u64;
    let mut batches = [String::new(), String::new()];
    for (i, prefix) in ["a", "b"].iter().enumerate() {
        for n in 1..=5u64 {
            // 20-40 KiB at 100 KB/s: each session lasts about 1.5 s, so the two overlap.
            let size = (20 + n * 4 + i as u64) * 1024;
            let name = format!("{prefix}{n}.bin");
            std::fs::write(local.join(&name), vec![1u8; size as usize]).unwrap();
            batches[i].push_str(&format!("put {name}\n"));
            expected_size += size;
        }
    }
    let first = sshd.spawn_sftp(&batches[0], &local);
    let second = sshd.spawn_sftp(&batches[1], &local);
    for (child, name) in [(first, "first sftp"), (second, "second sftp")] {
        let o = wait_bounded(child, CLIENT_LIMIT, name);
        assert!(o.status.success(), "{name}: {}\n{}", text(&o), sshd.log());
    }
    assert_eq!(std::fs::read_dir(&home).unwrap().count(), 10);

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let stored = rt.block_on(async {
        let dp =
            wharf_config::DataProviderConfig { driver: "sqlite".into(), name: "wharf.db".into(), ..Default::default() };
        let target = wharf_store::ProviderTarget::from_config(&dp, &cfg).unwrap();
        let kms = wharf_secrets::kms::Kms::new(wharf_secrets::kms::KmsConfig::default()).unwrap();
        let store = wharf_store::Store::open(&target, kms, wharf_store::Settings::default()).await.unwrap();
        let u = store.user(&user).await.unwrap();
        store.backend().close().await;
        u
    });
    assert_eq!(stored.used_quota_files, 10);
    assert_eq!(stored.used_quota_size, expected_size as i64);
    assert_eq!(stored.home_dir, home.display().to_string(), "the stored home is never rewritten");
    assert!(stored.last_login > 0, "the login is recorded");
}

/// The raw SFTP stream through `ssh -s`: standard output holds nothing but the protocol, a clean
/// client exit gives status 0, and an error status 1 with one error log line.
#[test]
fn exit_status_and_a_clean_standard_output() {
    let tmp = tempfile::tempdir().unwrap();
    let homes = tmp.path().join("homes");
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("wharf.json"), r#"{"data_provider": {"driver": "sqlite", "name": "missing.db"}}"#)
        .unwrap();
    let log = tmp.path().join("broken.log");
    let sshd = Sshd::start(&[
        ("sftp", args(&["-d", &path_arg(&homes), "--log-level", "debug"])),
        ("broken", args(&["-c", &path_arg(&broken), "-l", &path_arg(&log)])),
    ]);

    // INIT (version 3), then the client closes its side.
    let mut child = sshd.spawn_ssh_subsystem("sftp");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&[0, 0, 0, 5, 1, 0, 0, 0, 3]).unwrap();
    stdin.flush().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut head = [0u8; 4];
    stdout.read_exact(&mut head).unwrap();
    let len = u32::from_be_bytes(head) as usize;
    let mut body = vec![0u8; len];
    stdout.read_exact(&mut body).unwrap();
    assert_eq!(body[0], 2, "VERSION");
    assert_eq!(&body[1..5], &[0, 0, 0, 3]);
    drop(stdin);
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "bytes after VERSION on standard output: {:?}", String::from_utf8_lossy(&rest));
    let o = wait_bounded(child, CLIENT_LIMIT, "ssh -s sftp");
    assert_eq!(o.status.code(), Some(0), "{}\n{}", text(&o), sshd.log());

    // A configuration error: no session, status 1, and the reason in the log.
    let o = sshd.sftp_subsystem_error("broken");
    assert_eq!(o.status.code(), Some(1), "{}\n{}", text(&o), sshd.log());
    assert!(!broken.join("missing.db").exists(), "startsubsys must not create the database");
    let logs = std::fs::read_to_string(&log).unwrap();
    let errors: Vec<&str> = logs.lines().filter(|l| l.contains(r#""level":"ERROR""#)).collect();
    assert_eq!(errors.len(), 1, "{logs}");
    assert!(errors[0].contains("missing.db") && errors[0].contains("initprovider"), "{}", errors[0]);
}

impl Sshd {
    /// `ssh -s <subsystem>` with an INIT sent and the input closed, to completion.
    fn sftp_subsystem_error(&self, subsystem: &str) -> Output {
        let mut child = self.spawn_ssh_subsystem(subsystem);
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(&[0, 0, 0, 5, 1, 0, 0, 0, 3]);
        drop(stdin);
        wait_bounded(child, CLIENT_LIMIT, "ssh -s")
    }
}

/// Flag and configuration errors, without sshd: one `wharf:` line on standard error, status 1,
/// and nothing on standard output.
#[test]
fn usage_errors_are_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bolt = tmp.path().join("bolt");
    std::fs::create_dir_all(&bolt).unwrap();
    std::fs::write(bolt.join("wharf.json"), r#"{"data_provider": {"driver": "bolt"}}"#).unwrap();
    let cases: [(Vec<String>, &str); 4] = [
        (args(&["-c", "relative/dir"]), "absolute"),
        (args(&["--config-file", "wharf.json"]), "--config-dir"),
        (args(&["-d", "homes"]), "--base-home-dir"),
        (args(&["-c", &path_arg(&bolt)]), "bolt"),
    ];
    for (extra, needle) in cases {
        let o = Command::new(BIN)
            .arg("startsubsys")
            .args(&extra)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(tmp.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {}", text(&o));
        assert!(o.stdout.is_empty(), "{extra:?}: standard output must stay empty: {}", text(&o));
        let plain: Vec<String> =
            String::from_utf8_lossy(&o.stderr).lines().filter(|l| !l.starts_with('{')).map(str::to_owned).collect();
        assert_eq!(plain.len(), 1, "{extra:?}: {plain:?}");
        assert!(plain[0].starts_with("wharf: ") && plain[0].contains(needle), "{extra:?}: {plain:?}");
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "nothing written in the current directory");
}
