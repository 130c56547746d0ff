//! Interop with rclone's sftp backend (Go: golang.org/x/crypto/ssh and pkg/sftp as the client):
//! a tree of more than a thousand files up and down, `rclone check` both ways, `about` (statvfs
//! with a quota), `delete` and `purge`, with the quota counters followed in the store.
//!
//! rclone is configured on the command line only (`:sftp:` remote, `--sftp-*` flags, an empty
//! config file); without `--sftp-known-hosts-file` it does not check the host key. Retries are off,
//! so that a failed operation is not hidden by a successful second attempt.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{TestServer, keygen, public_key, run, text};

/// How rclone logs in.
enum Auth<'a> {
    Key(&'a Path),
    /// The password as `rclone obscure` printed it.
    Obscured(&'a str),
}

/// `rclone <args> <remote args>` against the test server as `user`, with the time limit of [`run`].
async fn rclone(s: &TestServer, user: &str, auth: &Auth<'_>, args: &[&str]) -> Output {
    let conf = s.path("rclone.conf");
    if !conf.exists() {
        std::fs::write(&conf, "").unwrap();
    }
    let mut cmd = Command::new("rclone");
    cmd.args(args);
    cmd.args(["--sftp-host", "127.0.0.1", "--sftp-port", &s.port.to_string(), "--sftp-user", user]);
    match auth {
        Auth::Key(k) => cmd.arg("--sftp-key-file").arg(k),
        Auth::Obscured(p) => cmd.args(["--sftp-pass", p]),
    };
    cmd.args(["--retries", "1", "--low-level-retries", "1", "--contimeout", "20s", "--timeout", "30s"]);
    cmd.env("RCLONE_CONFIG", &conf).env("XDG_CACHE_HOME", s.path("cache")).env("HOME", s.dir.path());
    run(cmd).await
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A deterministic tree: `files` small files in nested directories, plus empty files, names with
/// spaces and non-ASCII letters, a deep path and three files of a few MiB. Returns each file's
/// relative path and size.
fn make_tree(root: &Path, files: usize) -> BTreeMap<PathBuf, u64> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = BTreeMap::new();
    let mut put = |rel: PathBuf, len: usize, seed: u64| {
        let path = root.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut data = Vec::with_capacity(len);
        let mut x = seed | 1;
        while data.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data.extend_from_slice(&x.to_le_bytes());
        }
        data.truncate(len);
        std::fs::write(&path, &data).unwrap();
        out.insert(rel, len as u64);
    };
    for i in 0..files {
        let rel = PathBuf::from(format!("d{}/e{}/f{i:04}.dat", i % 5, (i / 5) % 8));
        let len = (next() % 4096) as usize;
        put(rel, len, next());
    }
    put("empty.txt".into(), 0, 1);
    put("d0/empty too".into(), 0, 2);
    put("with space/naïve résumé.txt".into(), 777, next());
    put("日本語/ファイル.bin".into(), 4097, next());
    put("deep/a/b/c/d/e/leaf.txt".into(), 12, next());
    for i in 0..3 {
        put(format!("big/b{i}.bin").into(), 3 * 1024 * 1024 + i * 1000 + 7, next());
    }
    out
}

/// Every file under `root` with its content, by relative path.
fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                walk(root, &e.path(), out);
            } else {
                assert!(t.is_file(), "{} is not a regular file", e.path().display());
                out.insert(e.path().strip_prefix(root).unwrap().to_owned(), std::fs::read(e.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Asserts that two trees hold the same files with the same bytes.
fn assert_same_tree(a: &Path, b: &Path) {
    let (ta, tb) = (read_tree(a), read_tree(b));
    let names = |t: &BTreeMap<PathBuf, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&ta), names(&tb), "{} and {} list different files", a.display(), b.display());
    for (name, data) in &ta {
        assert!(data == &tb[name], "{} differs", name.display());
    }
}

async fn quota(s: &TestServer, user: &str) -> (i64, i64) {
    let u = s.store.user(user).await.unwrap();
    (u.used_quota_files, u.used_quota_size)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rclone_copies_checks_and_purges_a_tree_with_quota() {
    const QUOTA_SIZE: i64 = 256 * 1024 * 1024;
    let s = TestServer::start(|_| {}).await;
    let key = keygen(s.dir.path(), "k");
    let mut u = s.user("rc");
    u.public_keys = vec![public_key(&key)];
    u.quota_size = QUOTA_SIZE;
    u.quota_files = 5000;
    let u = s.add(u).await;
    let home = PathBuf::from(&u.home_dir);
    let auth = Auth::Key(&key);
    let src = s.path("src");
    let tree = make_tree(&src, 1000);
    let (files, bytes) = (tree.len(), tree.values().sum::<u64>());
    assert!(files > 1000);
    let src_arg = src.display().to_string();

    // Up.
    let o = rclone(&s, "rc", &auth, &["copy", &src_arg, ":sftp:up", "-v"]).await;
    assert!(o.status.success(), "{}", text(&o));
    let err = stderr(&o);
    assert!(!err.contains("ERROR"), "{err}");
    assert_eq!(err.matches(": Copied (new)").count(), files, "{err}");
    assert_same_tree(&src, &home.join("up"));
    assert_eq!(quota(&s, "rc").await, (files as i64, bytes as i64), "used quota after the upload");

    // Nothing differs, either way, comparing the content (the server has no hash commands).
    for (from, to) in [(src_arg.as_str(), ":sftp:up"), (":sftp:up", src_arg.as_str())] {
        let o = rclone(&s, "rc", &auth, &["check", "--download", from, to]).await;
        assert!(o.status.success(), "check {from} {to}: {}", text(&o));
        let err = stderr(&o);
        assert!(err.contains(": 0 differences found"), "{err}");
        assert!(err.contains(&format!(": {files} matching files")), "{err}");
    }
    // The modification times were kept (SETSTAT): a second copy has nothing to do.
    let o = rclone(&s, "rc", &auth, &["copy", &src_arg, ":sftp:up", "-v"]).await;
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(stderr(&o).matches(": Copied").count(), 0, "{}", text(&o));

    // `about` reads statvfs: the quota, and what is left of it.
    let o = rclone(&s, "rc", &auth, &["about", ":sftp:up", "--json"]).await;
    assert!(o.status.success(), "{}", text(&o));
    let about = String::from_utf8_lossy(&o.stdout).into_owned();
    let field = |name: &str| -> i64 {
        let at = about.find(&format!("\"{name}\":")).unwrap_or_else(|| panic!("{name} in {about}"));
        let rest = about[at + name.len() + 3..].trim_start();
        rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap()].parse().unwrap()
    };
    assert_eq!(field("total"), QUOTA_SIZE, "{about}");
    let free = field("free");
    assert!(free <= QUOTA_SIZE - bytes as i64 && free > QUOTA_SIZE - bytes as i64 - 1024 * 1024, "{about}");

    // Down again, byte for byte.
    let down = s.path("down");
    let o = rclone(&s, "rc", &auth, &["copy", ":sftp:up", &down.display().to_string()]).await;
    assert!(o.status.success(), "{}", text(&o));
    assert_same_tree(&src, &down);

    // delete removes the files of a subtree and keeps its directories.
    let d0: Vec<u64> = tree.iter().filter(|(p, _)| p.starts_with("d0")).map(|(_, n)| *n).collect();
    let o = rclone(&s, "rc", &auth, &["delete", ":sftp:up/d0", "-v"]).await;
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(stderr(&o).matches(": Deleted").count(), d0.len(), "{}", text(&o));
    assert!(read_tree(&home.join("up/d0")).is_empty());
    assert!(home.join("up/d0/e0").is_dir());
    assert_eq!(
        quota(&s, "rc").await,
        ((files - d0.len()) as i64, (bytes - d0.iter().sum::<u64>()) as i64),
        "used quota after the delete"
    );

    // purge removes the rest, directories included.
    let o = rclone(&s, "rc", &auth, &["purge", ":sftp:up"]).await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(!home.join("up").exists());
    assert_eq!(quota(&s, "rc").await, (0, 0), "used quota after the purge");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rclone_logs_in_with_a_password() {
    let s = TestServer::start(|_| {}).await;
    let u = s.add(s.user("rp")).await;
    std::fs::create_dir_all(&u.home_dir).unwrap();
    std::fs::write(Path::new(&u.home_dir).join("hello.txt"), "hi").unwrap();
    let obscure = |pw: &str| {
        let mut cmd = Command::new("rclone");
        cmd.args(["obscure", pw]);
        cmd
    };
    let o = run(obscure("pw-rp")).await;
    assert!(o.status.success(), "{}", text(&o));
    let good = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    let o = rclone(&s, "rp", &Auth::Obscured(&good), &["lsf", ":sftp:"]).await;
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello.txt\n");
    let o = run(obscure("wrong")).await;
    let bad = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    let o = rclone(&s, "rp", &Auth::Obscured(&bad), &["lsf", ":sftp:"]).await;
    assert!(!o.status.success(), "a wrong password: {}", text(&o));
    s.stop().await;
}
