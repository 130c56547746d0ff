//! The real OpenSSH `sftp` client against `serve`, without SSH: the test listens on 127.0.0.1 (port
//! 0) and serves raw SFTP per TCP connection; `sftp -D "socat - TCP:127.0.0.1:<port>"` runs socat as
//! its "server program", which bridges the client's pipes to that socket.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use wharf_core::session::{SessionSettings, UploadMode};

use crate::support::{TcpServer, World, pattern};

/// Finds a program on PATH, or fails with what to install.
fn require(program: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "the OpenSSH interop tests need `{program}` (Debian package `{package}`), which is not on PATH; \
             scripts/test installs it"
        )
    })
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `sftp -b <batch>` in `local` against the server on `port`.
async fn sftp(port: u16, local: &Path, batch: &str) -> Run {
    let sftp = require("sftp", "openssh-client");
    let socat = require("socat", "socat");
    let batch_file = local.join(".batch");
    std::fs::write(&batch_file, batch).unwrap();
    let mut cmd = tokio::process::Command::new(sftp);
    cmd.arg("-b")
        .arg(&batch_file)
        .arg("-D")
        .arg(format!("{} - TCP:127.0.0.1:{port}", socat.display()))
        .current_dir(local)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("sftp finished within two minutes")
        .expect("sftp runs");
    let run = Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    eprintln!("--- sftp stdout\n{}--- sftp stderr\n{}---", run.stdout, run.stderr);
    run
}

/// Sizes and count of the regular files below a directory (what the quota should say).
fn usage(dir: &Path) -> (i64, i64) {
    let (mut size, mut files) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            let md = std::fs::symlink_metadata(e.path()).unwrap();
            if md.is_dir() {
                stack.push(e.path());
            } else if md.is_file() {
                size += md.len() as i64;
                files += 1;
            }
        }
    }
    (size, files)
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_sftp_batch_commands() {
    let world = Arc::new(World::with(SessionSettings { symlink_mode: 1, ..SessionSettings::default() }, None).await);
    let mut u = world.user("alice");
    u.quota_files = 1000;
    u.quota_size = 100 << 20;
    world.session(u).await;
    let mut server = TcpServer::start(world.clone(), "alice").await;
    let local = tempfile::tempdir().unwrap();
    let l = |n: &str| local.path().join(n);
    let a = pattern(1024 * 1024 + 123, 1);
    let text = "spaces and ünïcødé\n".repeat(100);
    let r = pattern(700_000, 2);
    let g = pattern(300_000, 3);
    std::fs::write(l("a.bin"), &a).unwrap();
    std::fs::write(l("with space ü.txt"), &text).unwrap();
    std::fs::write(l("r.bin"), &r).unwrap();
    std::fs::write(l("r-half.bin"), &r[..350_000]).unwrap();
    std::fs::write(l("g-full.bin"), &g).unwrap();
    std::fs::write(l("g.bin"), &g[..1000]).unwrap();
    let root = is_root();
    let chown = if root { "chown 4242 c.bin\nchgrp 4343 c.bin\n" } else { "" };
    let batch = format!(
        r#"pwd
mkdir "dir with space"
put a.bin a.bin
put "with space ü.txt" "dir with space/ünïcødé ✓.txt"
ls -l
ls -l "dir with space"
get a.bin a-copy.bin
get "dir with space/ünïcødé ✓.txt" "back ✓.txt"
put r-half.bin r.bin
reput r.bin r.bin
put g-full.bin g.bin
reget g.bin g.bin
rename a.bin b.bin
ln -s b.bin link.bin
ln b.bin hard.bin
cp b.bin c.bin
chmod 600 b.bin
{chown}df
df -i
mkdir todelete
rmdir todelete
put a.bin gone.bin
rm gone.bin
-rm "dir with space"
-rmdir missing
ls -la
"#
    );
    let run = sftp(server.port, local.path(), &batch).await;
    assert!(run.ok, "sftp batch failed");
    let summary = server.next_session().await.expect("the session ended cleanly");
    assert_eq!(summary.uploads_aborted, 0);

    let home = world.home("alice");
    assert!(run.stdout.contains("Remote working directory: /"), "{}", run.stdout);
    assert_eq!(std::fs::read(home.join("b.bin")).unwrap(), a, "put then rename");
    assert!(!home.join("a.bin").exists());
    assert_eq!(std::fs::read(home.join("dir with space/ünïcødé ✓.txt")).unwrap(), text.as_bytes());
    assert_eq!(std::fs::read(l("a-copy.bin")).unwrap(), a, "get");
    assert_eq!(std::fs::read(l("back ✓.txt")).unwrap(), text.as_bytes());
    assert_eq!(std::fs::read(home.join("r.bin")).unwrap(), r, "reput completes the remote file");
    assert_eq!(std::fs::read(l("g.bin")).unwrap(), g, "reget completes the local file");
    assert_eq!(std::fs::read_link(home.join("link.bin")).unwrap(), Path::new("b.bin"), "ln -s");
    let (b, hard) = (std::fs::metadata(home.join("b.bin")).unwrap(), std::fs::metadata(home.join("hard.bin")).unwrap());
    assert_eq!(b.ino(), hard.ino(), "ln (hardlink@openssh.com) links the same file");
    assert_eq!(std::fs::read(home.join("c.bin")).unwrap(), a, "cp (copy-data)");
    assert_eq!(std::fs::metadata(home.join("b.bin")).unwrap().permissions().mode() & 0o777, 0o600);
    if root {
        let md = std::fs::metadata(home.join("c.bin")).unwrap();
        assert_eq!((md.uid(), md.gid()), (4242, 4343), "chown/chgrp");
    }
    assert!(!home.join("todelete").exists());
    assert!(!home.join("gone.bin").exists());
    assert!(home.join("dir with space").is_dir(), "rm on a directory fails");
    // ls -l shows the files, df shows sizes (statvfs@openssh.com).
    assert!(run.stdout.contains("b.bin") && run.stdout.contains("link.bin"), "{}", run.stdout);
    assert!(run.stdout.contains("Avail"), "df output: {}", run.stdout);
    assert!(run.stdout.contains("Inodes"), "df -i output: {}", run.stdout);
    // The quota counters match what is on disk.
    assert_eq!(world.used("alice").await, usage(&home));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_sftp_over_quota() {
    let world = Arc::new(World::new().await);
    let mut u = world.user("bob");
    u.quota_size = 200_000;
    world.session(u).await;
    let mut server = TcpServer::start(world.clone(), "bob").await;
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("small.bin"), pattern(50_000, 4)).unwrap();
    std::fs::write(local.path().join("big.bin"), pattern(500_000, 5)).unwrap();
    let run = sftp(server.port, local.path(), "put small.bin\n-put big.bin\nls -l\n").await;
    assert!(run.ok, "batch with an ignored failure");
    server.next_session().await.unwrap();
    assert!(!run.stderr.is_empty(), "the failed upload is reported");
    let home = world.home("bob");
    assert!(!home.join("big.bin").exists(), "the partial upload is removed");
    assert_eq!(world.used("bob").await, (50_000, 1));
    // Without '-', the failure ends the batch with an error.
    let run = sftp(server.port, local.path(), "put big.bin\nput small.bin again.bin\n").await;
    assert!(!run.ok);
    server.next_session().await.unwrap();
    assert!(!home.join("again.bin").exists());
    assert_eq!(world.used("bob").await, (50_000, 1));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_sftp_atomic_uploads_keep_preserved_times() {
    let settings = SessionSettings { upload_mode: UploadMode::Atomic, ..SessionSettings::default() };
    let world = Arc::new(World::with(settings, None).await);
    world.session(world.user("carol")).await;
    let mut server = TcpServer::start(world.clone(), "carol").await;
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("t.bin");
    std::fs::write(&file, pattern(400_000, 6)).unwrap();
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    std::fs::File::options().write(true).open(&file).unwrap().set_modified(old).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    // put -p sends FSETSTAT on the open handle, while the data is still in a temporary file.
    let run = sftp(server.port, local.path(), "put -p t.bin\nput t.bin u.bin\n").await;
    assert!(run.ok);
    server.next_session().await.unwrap();
    let home = world.home("carol");
    let names: Vec<String> =
        std::fs::read_dir(&home).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    let md = std::fs::metadata(home.join("t.bin")).unwrap();
    assert_eq!(md.len(), 400_000);
    assert_eq!(md.mtime(), 1_500_000_000, "times set through the handle are applied at close");
    assert_eq!(md.permissions().mode() & 0o777, 0o640);
    server.stop();
}
