//! Kernel-enforced containment of the local backend: symlinks that point out (absolute, relative,
//! chained, swapped in during an operation) never let an operation read or change anything outside
//! the root. Every test keeps a sentinel directory beside the root, fills it with files carrying a
//! unique marker, and checks at the end that it is byte-for-byte, mode-for-mode and
//! mtime-for-mtime unchanged and that no read ever returned the marker.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use wharf_vfs::local::{LocalFs, LocalOptions};
use wharf_vfs::{FileKind, Fs, FsError, RelPath, WriteOptions, clean_virtual};

/// The content of every file outside the root: a read returning it is an escape.
const MARKER: &[u8] = b"OUTSIDE-SENTINEL-5b1e0c97-do-not-read";
/// A name only found outside: a listing returning it is an escape.
const OUTSIDE_NAME: &str = "sentinel-only-outside-3f9a";

fn rel(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

/// One entry of a snapshot of the outside tree.
#[derive(Debug, PartialEq, Eq)]
struct Snap {
    kind: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: (i64, i64),
    content: Vec<u8>,
}

/// A temp dir with `root/` (the backend's root) and `outside/` (the sentinel) side by side.
struct Sandbox {
    tmp: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
    fs: LocalFs,
    before: BTreeMap<PathBuf, Snap>,
}

impl Sandbox {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&root).unwrap();
        std::fs::create_dir_all(outside.join("sub")).unwrap();
        for f in ["secret", "f", OUTSIDE_NAME, "sub/secret"] {
            std::fs::write(outside.join(f), MARKER).unwrap();
        }
        std::fs::create_dir(outside.join("emptydir")).unwrap();
        let before = snapshot(&outside);
        let fs = LocalFs::new(LocalOptions { root: root.clone(), ..Default::default() }).unwrap();
        Self { tmp, root, outside, fs, before }
    }

    /// Fails the test if anything outside changed.
    fn assert_outside_untouched(&self) {
        assert_eq!(snapshot(&self.outside), self.before, "the outside sentinel changed");
    }

    /// Fails the test if an error message shows a host path.
    fn assert_clean_error(&self, e: &FsError) {
        let text = format!("{e} {e:?}");
        assert!(!text.contains(self.tmp.path().to_str().unwrap()), "host path in error: {text}");
    }

    /// Asserts an operation was refused as an escape: denied, or not found / not a directory where
    /// the kernel reports it so; never a success.
    fn assert_escape_refused<T: std::fmt::Debug>(&self, what: &str, r: Result<T, FsError>) {
        match r {
            Ok(v) => panic!("{what}: escaped the root and succeeded: {v:?}"),
            Err(e) => {
                assert!(
                    matches!(e, FsError::PermissionDenied(_) | FsError::NotFound | FsError::NotADirectory),
                    "{what}: unexpected error {e:?}"
                );
                self.assert_clean_error(&e);
            }
        }
    }
}

/// Everything under `dir` (without following links), and `dir` itself.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Snap> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        let m = std::fs::symlink_metadata(&p).unwrap();
        let content = if m.is_file() {
            std::fs::read(&p).unwrap()
        } else if m.file_type().is_symlink() {
            std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes()
        } else {
            for e in std::fs::read_dir(&p).unwrap() {
                todo.push(e.unwrap().path());
            }
            Vec::new()
        };
        let snap = Snap {
            kind: m.mode() & 0o170_000,
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
            size: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            content,
        };
        out.insert(p, snap);
    }
    out
}

fn assert_no_marker(data: &[u8]) {
    assert!(!data.windows(MARKER.len()).any(|w| w == MARKER), "read returned outside content");
}

async fn read_all(fs: &LocalFs, p: &RelPath) -> Result<Vec<u8>, FsError> {
    let r = fs.open_read(p).await?;
    let mut out = Vec::new();
    loop {
        let chunk = r.read_at(out.len() as u64, 64 * 1024).await?;
        if chunk.is_empty() {
            return Ok(out);
        }
        out.extend_from_slice(&chunk);
    }
}

async fn list_names(fs: &LocalFs, p: &RelPath) -> Result<Vec<String>, FsError> {
    let mut l = fs.list(p).await?;
    let mut names = Vec::new();
    loop {
        let b = l.next_batch(16).await?;
        if b.is_empty() {
            return Ok(names);
        }
        names.extend(b.into_iter().map(|e| e.name));
    }
}

async fn write_file(fs: &LocalFs, p: &RelPath, data: &[u8]) -> Result<u64, FsError> {
    let w = fs.open_write(p, WriteOptions::replace()).await?;
    w.write_at(0, Bytes::copy_from_slice(data)).await?;
    w.finish().await
}

/// Every operation through `dir` (a symlink inside the root whose target leaves it) is refused.
async fn all_ops_refused_through_dir(s: &Sandbox, dir: &str) {
    let p = |n: &str| rel(&format!("{dir}/{n}"));
    s.assert_escape_refused("stat dir", s.fs.stat(&rel(dir)).await);
    s.assert_escape_refused("stat file", s.fs.stat(&p("secret")).await);
    s.assert_escape_refused("lstat file", s.fs.lstat(&p("secret")).await);
    s.assert_escape_refused("read", read_all(&s.fs, &p("secret")).await);
    s.assert_escape_refused("read deeper", read_all(&s.fs, &p("sub/secret")).await);
    s.assert_escape_refused("list", list_names(&s.fs, &rel(dir)).await);
    s.assert_escape_refused("list sub", list_names(&s.fs, &p("sub")).await);
    s.assert_escape_refused("overwrite", write_file(&s.fs, &p("secret"), b"pwned").await);
    s.assert_escape_refused("create", write_file(&s.fs, &p("new"), b"pwned").await);
    let excl = WriteOptions { create: true, exclusive: true, ..Default::default() };
    s.assert_escape_refused("create exclusive", s.fs.open_write(&p("new2"), excl).await);
    s.assert_escape_refused("append", s.fs.open_write(&p("secret"), WriteOptions::default()).await);
    s.assert_escape_refused("mkdir", s.fs.mkdir(&p("newdir")).await);
    s.assert_escape_refused("chmod dir", s.fs.set_mode(&rel(dir), 0o777).await);
    s.assert_escape_refused("chmod file", s.fs.set_mode(&p("secret"), 0o777).await);
    s.assert_escape_refused("chown dir", s.fs.set_owner(&rel(dir), 4242, 4242).await);
    s.assert_escape_refused("chown file", s.fs.set_owner(&p("secret"), 4242, 4242).await);
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
    s.assert_escape_refused("chtimes dir", s.fs.set_times(&rel(dir), t, t).await);
    s.assert_escape_refused("chtimes file", s.fs.set_times(&p("secret"), t, t).await);
    s.assert_escape_refused("truncate", s.fs.truncate(&p("secret"), 0).await);
    s.assert_escape_refused("statvfs", s.fs.statvfs(&rel(dir)).await);
    s.assert_escape_refused("remove", s.fs.remove(&p("secret")).await);
    s.assert_escape_refused("rmdir", s.fs.rmdir(&p("emptydir")).await);
    s.assert_escape_refused("rename out of", s.fs.rename(&p("secret"), &rel("stolen")).await);
    s.assert_escape_refused("rename within", s.fs.rename(&p("secret"), &p("moved")).await);
    s.assert_escape_refused("rename into", s.fs.rename(&rel("inside"), &p("inside")).await);
    s.assert_escape_refused("rename over", s.fs.rename(&rel("inside"), &p("secret")).await);
    s.assert_escape_refused("symlink in", s.fs.symlink("x", &p("lnk")).await);
    s.assert_escape_refused("hardlink from", s.fs.hardlink(&p("secret"), &rel("h")).await);
    s.assert_escape_refused("hardlink into", s.fs.hardlink(&rel("inside"), &p("h")).await);
    s.assert_escape_refused("copy from", s.fs.copy_file(&p("secret"), &rel("copied")).await);
    s.assert_escape_refused("copy into", s.fs.copy_file(&rel("inside"), &p("copied")).await);
    s.assert_escape_refused("hash", s.fs.hash(&p("secret"), wharf_vfs::HashAlgo::Sha256).await);
    // The inside file is still there, nothing was stolen.
    assert_eq!(std::fs::read(s.root.join("inside")).unwrap(), b"inside");
    for n in ["stolen", "h", "copied"] {
        assert!(std::fs::symlink_metadata(s.root.join(n)).is_err(), "{n} was created");
    }
}

/// Every follow-the-link operation on `file` (a symlink whose target is outside) is refused.
async fn all_ops_refused_on_file_link(s: &Sandbox, file: &str) {
    let p = rel(file);
    s.assert_escape_refused("stat", s.fs.stat(&p).await);
    s.assert_escape_refused("read", read_all(&s.fs, &p).await);
    s.assert_escape_refused("overwrite", write_file(&s.fs, &p, b"pwned").await);
    s.assert_escape_refused("append", s.fs.open_write(&p, WriteOptions::default()).await);
    s.assert_escape_refused("truncate", s.fs.truncate(&p, 0).await);
    s.assert_escape_refused("chmod", s.fs.set_mode(&p, 0o777).await);
    s.assert_escape_refused("chown", s.fs.set_owner(&p, 4242, 4242).await);
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
    s.assert_escape_refused("chtimes", s.fs.set_times(&p, t, t).await);
    s.assert_escape_refused("copy from", s.fs.copy_file(&p, &rel("copied")).await);
    s.assert_escape_refused("copy onto", s.fs.copy_file(&rel("inside"), &p).await);
    s.assert_escape_refused("statvfs", s.fs.statvfs(&p).await);
    s.assert_escape_refused("list", list_names(&s.fs, &p).await);
    // The link itself is an inside entry: lstat sees a link.
    assert_eq!(s.fs.lstat(&p).await.unwrap().kind, FileKind::Symlink);
}

#[tokio::test]
async fn absolute_symlinks_are_never_followed() {
    let s = Sandbox::new();
    std::fs::write(s.root.join("inside"), b"inside").unwrap();
    symlink(&s.outside, s.root.join("abs")).unwrap();
    symlink("/etc", s.root.join("etc")).unwrap();
    symlink(s.outside.join("secret"), s.root.join("absfile")).unwrap();
    // Even an absolute link naming a place inside the root is refused (documented limit).
    symlink(s.root.join("inside"), s.root.join("abs-inside")).unwrap();
    all_ops_refused_through_dir(&s, "abs").await;
    all_ops_refused_on_file_link(&s, "absfile").await;
    s.assert_escape_refused("read /etc", read_all(&s.fs, &rel("etc/passwd")).await);
    s.assert_escape_refused("list /etc", list_names(&s.fs, &rel("etc")).await);
    s.assert_escape_refused("abs inside", read_all(&s.fs, &rel("abs-inside")).await);
    // readlink does not reveal host paths.
    for l in ["abs", "etc", "absfile", "abs-inside"] {
        let e = s.fs.readlink(&rel(l)).await.unwrap_err();
        assert!(matches!(e, FsError::PermissionDenied(_)), "{e:?}");
        s.assert_clean_error(&e);
    }
    s.assert_outside_untouched();
}

#[tokio::test]
async fn relative_symlinks_pointing_out_are_refused() {
    let s = Sandbox::new();
    std::fs::write(s.root.join("inside"), b"inside").unwrap();
    std::fs::create_dir_all(s.root.join("a/b")).unwrap();
    symlink("../outside", s.root.join("up")).unwrap();
    symlink("../../../outside", s.root.join("a/b/up3")).unwrap();
    symlink("../outside/secret", s.root.join("upfile")).unwrap();
    // A link that goes up and comes back down into the root is fine...
    symlink("../root/inside", s.root.join("roundtrip")).unwrap();
    all_ops_refused_through_dir(&s, "up").await;
    all_ops_refused_through_dir(&s, "a/b/up3").await;
    all_ops_refused_on_file_link(&s, "upfile").await;
    // ...no: leaving the root even briefly is refused by the kernel, though the result is inside.
    s.assert_escape_refused("roundtrip", read_all(&s.fs, &rel("roundtrip")).await);
    assert_eq!(
        s.fs.readlink(&rel("up")).await.unwrap_err(),
        FsError::PermissionDenied("symlink target points outside the root".into())
    );
    s.assert_outside_untouched();
}

#[tokio::test]
async fn symlink_chains_ending_outside_are_refused() {
    let s = Sandbox::new();
    std::fs::write(s.root.join("inside"), b"inside").unwrap();
    std::fs::create_dir(s.root.join("sub")).unwrap();
    // c1 -> c2 -> sub/c3 -> ../c4 -> ../outside (every hop but the last stays inside)
    symlink("c2", s.root.join("c1")).unwrap();
    symlink("sub/c3", s.root.join("c2")).unwrap();
    symlink("../c4", s.root.join("sub/c3")).unwrap();
    symlink("../outside", s.root.join("c4")).unwrap();
    // f1 -> f2 -> /abs/outside/secret
    symlink("f2", s.root.join("f1")).unwrap();
    symlink(s.outside.join("secret"), s.root.join("f2")).unwrap();
    all_ops_refused_through_dir(&s, "c1").await;
    all_ops_refused_on_file_link(&s, "f1").await;
    // A loop is an error, not a hang.
    symlink("loop2", s.root.join("loop1")).unwrap();
    symlink("loop1", s.root.join("loop2")).unwrap();
    s.assert_escape_refused("loop", read_all(&s.fs, &rel("loop1")).await);
    s.assert_outside_untouched();
}

#[tokio::test]
async fn inside_links_work_and_removing_outward_links_is_harmless() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.root.join("d/e")).unwrap();
    std::fs::write(s.root.join("d/e/f"), b"inside data").unwrap();
    symlink("d/e", s.root.join("de")).unwrap();
    symlink("../../d/e/f", s.root.join("d/e/self")).unwrap();
    symlink("de/f", s.root.join("chain")).unwrap();
    assert_eq!(read_all(&s.fs, &rel("de/f")).await.unwrap(), b"inside data");
    assert_eq!(read_all(&s.fs, &rel("d/e/self")).await.unwrap(), b"inside data");
    assert_eq!(read_all(&s.fs, &rel("chain")).await.unwrap(), b"inside data");
    write_file(&s.fs, &rel("de/new"), b"n").await.unwrap();
    assert_eq!(std::fs::read(s.root.join("d/e/new")).unwrap(), b"n");
    assert!(list_names(&s.fs, &rel("de")).await.unwrap().contains(&"new".to_owned()));

    // Outward links are entries of the root: they can be renamed and removed (never their targets).
    symlink(&s.outside, s.root.join("abs")).unwrap();
    symlink("../outside/secret", s.root.join("upfile")).unwrap();
    s.fs.rename(&rel("abs"), &rel("abs2")).await.unwrap();
    s.fs.remove(&rel("abs2")).await.unwrap();
    s.fs.remove(&rel("upfile")).await.unwrap();
    assert_eq!(s.fs.rmdir(&rel("upfile")).await.unwrap_err(), FsError::NotFound);
    // A hard link to an outward symlink is only another outward symlink: still refused.
    symlink("../outside/secret", s.root.join("up2")).unwrap();
    if s.fs.hardlink(&rel("up2"), &rel("hl")).await.is_ok() {
        s.assert_escape_refused("read through hard-linked symlink", read_all(&s.fs, &rel("hl")).await);
    }
    s.assert_outside_untouched();
}

// ---------------------------------------------------------------------------------------------
// Property test: random client paths and operations.

/// One random operation; paths are raw client strings, cleaned like the session does.
#[derive(Debug, Clone)]
enum Op {
    Write(String, u8),
    Mkdir(String),
    Symlink(String, String),
    /// A link created on disk by someone else, at a top-level name, with any target.
    RawSymlink(&'static str, String),
    Read(String),
    List(String),
    Rename(String, String),
    Remove(String),
    Rmdir(String),
    Chmod(String),
    Truncate(String),
    Copy(String, String),
}

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just(String::new()),
        Just("up".to_owned()),
        Just("abs".to_owned()),
        Just("r1".to_owned()),
        Just("ünï €".to_owned()),
        Just("🚀".to_owned()),
        Just("n\0ul".to_owned()),
        Just("x".repeat(255)),
        Just("y".repeat(256)),
        // Names that exist outside (never `OUTSIDE_NAME`: a listing showing it proves an escape).
        Just("secret".to_owned()),
        Just("sub".to_owned()),
        "[a-c]{1,3}",
    ]
}

/// A path of random components.
fn random_path() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(component(), 0..6), any::<bool>()).prop_map(|(abs, parts, double)| {
        let sep = if double { "//" } else { "/" };
        let joined = parts.join(sep);
        if abs { format!("/{joined}") } else { joined }
    })
}

/// A path aimed at the outward links (those made at setup and those the raw-symlink op makes),
/// naming what exists outside, so escapes are tried often rather than by luck.
fn aimed_path() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec!["", "/", "a/../", "./", "//", "../../"]);
    let link = prop::sample::select(vec!["up", "abs", "r1", "r2", "up2", "a", "a/up", "up/sub/..", "abs/.", "up//sub"]);
    let rest = prop::sample::select(vec!["", "/secret", "/sub/secret", "/f", "/sub", "/new", "/emptydir", "/sub/../f"]);
    (prefix, link, rest).prop_map(|(p, l, r)| format!("{p}{l}{r}"))
}

fn client_path() -> impl Strategy<Value = String> {
    prop_oneof![random_path(), aimed_path()]
}

fn link_target(outside: String) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(outside.clone()),
        Just(format!("{outside}/secret")),
        Just("/etc".to_owned()),
        Just("../outside".to_owned()),
        Just("../outside/secret".to_owned()),
        Just("a/../../outside".to_owned()),
        Just("../../../../../../outside".to_owned()),
        Just("a".to_owned()),
        Just("../a".to_owned()),
        random_path(),
    ]
}

fn op(outside: String) -> impl Strategy<Value = Op> {
    let p = client_path;
    prop_oneof![
        2 => (p(), any::<u8>()).prop_map(|(a, b)| Op::Write(a, b)),
        1 => p().prop_map(Op::Mkdir),
        1 => (link_target(outside.clone()), p()).prop_map(|(t, l)| Op::Symlink(t, l)),
        2 => (prop::sample::select(vec!["r1", "r2", "a", "up2"]), link_target(outside)).prop_map(|(n, t)| Op::RawSymlink(n, t)),
        3 => p().prop_map(Op::Read),
        2 => p().prop_map(Op::List),
        1 => (p(), p()).prop_map(|(a, b)| Op::Rename(a, b)),
        1 => p().prop_map(Op::Remove),
        1 => p().prop_map(Op::Rmdir),
        1 => p().prop_map(Op::Chmod),
        1 => p().prop_map(Op::Truncate),
        1 => (p(), p()).prop_map(|(a, b)| Op::Copy(a, b)),
    ]
}

/// The session's path handling: clean against `/`, then relative to a mount at `/`.
fn to_rel(p: &str) -> Option<RelPath> {
    let v = clean_virtual(p, "/").ok()?;
    RelPath::below(&v, "/").ok()
}

async fn run_op(s: &Sandbox, op: &Op) {
    match op {
        Op::Write(p, b) => {
            if let Some(p) = to_rel(p) {
                let _ = write_file(&s.fs, &p, &[*b; 3]).await;
            }
        }
        Op::Mkdir(p) => {
            if let Some(p) = to_rel(p) {
                let _ = s.fs.mkdir(&p).await;
            }
        }
        Op::Symlink(t, l) => {
            if let Some(l) = to_rel(l) {
                let r = s.fs.symlink(t, &l).await;
                if t.starts_with('/') {
                    assert!(r.is_err(), "symlink to {t:?} was created");
                }
            }
        }
        Op::RawSymlink(n, t) => {
            let _ = symlink(t, s.root.join(n));
        }
        Op::Read(p) => {
            if let Some(p) = to_rel(p) {
                if let Ok(d) = read_all(&s.fs, &p).await {
                    assert_no_marker(&d);
                }
                if let Ok(h) = s.fs.hash(&p, wharf_vfs::HashAlgo::Md5).await {
                    assert_ne!(h, hex_md5(MARKER));
                }
            }
        }
        Op::List(p) => {
            if let Some(p) = to_rel(p)
                && let Ok(names) = list_names(&s.fs, &p).await
            {
                assert!(!names.iter().any(|n| n == OUTSIDE_NAME), "listing showed an outside name");
            }
        }
        Op::Rename(a, b) => {
            if let (Some(a), Some(b)) = (to_rel(a), to_rel(b)) {
                let _ = s.fs.rename(&a, &b).await;
            }
        }
        Op::Remove(p) => {
            if let Some(p) = to_rel(p) {
                let _ = s.fs.remove(&p).await;
            }
        }
        Op::Rmdir(p) => {
            if let Some(p) = to_rel(p) {
                let _ = s.fs.rmdir(&p).await;
            }
        }
        Op::Chmod(p) => {
            if let Some(p) = to_rel(p) {
                let _ = s.fs.set_mode(&p, 0o777).await;
                let _ = s.fs.set_owner(&p, 4242, 4242).await;
            }
        }
        Op::Truncate(p) => {
            if let Some(p) = to_rel(p) {
                let _ = s.fs.truncate(&p, 1).await;
            }
        }
        Op::Copy(a, b) => {
            if let (Some(a), Some(b)) = (to_rel(a), to_rel(b)) {
                let _ = s.fs.copy_file(&a, &b).await;
            }
        }
    }
}

fn hex_md5(data: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(data))
}

#[test]
fn random_paths_and_operations_never_leave_the_root() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // The outside path is only known per sandbox; strategies use a stand-in replaced at run time.
    const OUT: &str = "/@OUTSIDE@";
    let strategy = prop::collection::vec(op(OUT.to_owned()), 1..24);
    let mut runner = TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    let cases = AtomicU64::new(0);
    runner
        .run(&strategy, |ops| {
            cases.fetch_add(1, Ordering::Relaxed);
            let s = Sandbox::new();
            let real = s.outside.to_str().unwrap().to_owned();
            // Links already pointing out, so random paths run into them.
            symlink("../outside", s.root.join("up")).unwrap();
            symlink(&s.outside, s.root.join("abs")).unwrap();
            rt.block_on(async {
                for op in &ops {
                    let op = match op.clone() {
                        Op::Symlink(t, l) => Op::Symlink(t.replace(OUT, &real), l),
                        Op::RawSymlink(n, t) => Op::RawSymlink(n, t.replace(OUT, &real)),
                        other => other,
                    };
                    run_op(&s, &op).await;
                }
            });
            s.assert_outside_untouched();
            Ok(())
        })
        .unwrap();
    assert_eq!(cases.load(Ordering::Relaxed), 256);
}

// ---------------------------------------------------------------------------------------------
// The symlink-swap race.

#[test]
fn symlink_swap_race_cannot_escape() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let s = Arc::new(Sandbox::new());
    // `swap` and `swap.alt` are exchanged atomically (RENAME_EXCHANGE): `swap` is a real directory
    // with a file `f` one moment and a symlink to the outside directory (which also has `f`) the next.
    // `fswap` does the same at the last component: a regular file, or a link to an outside file.
    std::fs::create_dir_all(s.root.join("swap/sub")).unwrap();
    std::fs::write(s.root.join("swap/f"), b"inside").unwrap();
    std::fs::write(s.root.join("swap/sub/secret"), b"inside").unwrap();
    symlink("../outside", s.root.join("swap.alt")).unwrap();
    std::fs::write(s.root.join("fswap"), b"inside").unwrap();
    symlink("../outside/f", s.root.join("fswap.alt")).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicU64::new(0));
    let swapper = {
        let (root, stop, swaps) = (s.root.clone(), Arc::clone(&stop), Arc::clone(&swaps));
        std::thread::spawn(move || {
            let dir = rustix::fs::CWD;
            let flags = rustix::fs::RenameFlags::EXCHANGE;
            while !stop.load(Ordering::Relaxed) {
                rustix::fs::renameat_with(dir, root.join("swap"), dir, root.join("swap.alt"), flags).unwrap();
                rustix::fs::renameat_with(dir, root.join("fswap"), dir, root.join("fswap.alt"), flags).unwrap();
                swaps.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let ok = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(2);
    rt.block_on(async {
        let mut tasks = Vec::new();
        for worker in 0..4u64 {
            let (s, ok, refused) = (Arc::clone(&s), Arc::clone(&ok), Arc::clone(&refused));
            tasks.push(tokio::spawn(async move {
                let count = |r: bool| {
                    let c = if r { &ok } else { &refused };
                    c.fetch_add(1, Ordering::Relaxed);
                };
                let mut i = 0u64;
                while i < 3000 && Instant::now() < deadline {
                    i += 1;
                    for p in ["swap/f", "swap/sub/secret", "fswap"] {
                        match read_all(&s.fs, &rel(p)).await {
                            Ok(d) => {
                                assert_no_marker(&d);
                                count(true);
                            }
                            Err(_) => count(false),
                        }
                    }
                    count(write_file(&s.fs, &rel(&format!("swap/new-{worker}-{i}")), b"x").await.is_ok());
                    count(write_file(&s.fs, &rel("swap/f"), b"inside").await.is_ok());
                    count(write_file(&s.fs, &rel("fswap"), b"inside").await.is_ok());
                    count(s.fs.truncate(&rel("swap/f"), 6).await.is_ok());
                    count(s.fs.set_mode(&rel("swap/f"), 0o600).await.is_ok());
                    count(s.fs.set_mode(&rel("fswap"), 0o600).await.is_ok());
                    count(s.fs.mkdir(&rel(&format!("swap/d-{worker}-{i}"))).await.is_ok());
                    if let Ok(names) = list_names(&s.fs, &rel("swap")).await {
                        assert!(!names.iter().any(|n| n == OUTSIDE_NAME), "listed the outside");
                    }
                    let _ = s.fs.remove(&rel(&format!("swap/new-{worker}-{i}"))).await;
                    let _ = s.fs.rmdir(&rel(&format!("swap/d-{worker}-{i}"))).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    s.assert_outside_untouched();
    // The race really ran: the swap happened under the workers, who both succeeded (inside) and
    // were refused (outside) many times.
    assert!(swaps.load(Ordering::Relaxed) > 10, "the swapper barely ran");
    assert!(ok.load(Ordering::Relaxed) > 0, "no operation ever saw the inside directory");
    assert!(refused.load(Ordering::Relaxed) > 0, "no operation ever saw the outward link");
}

// ---------------------------------------------------------------------------------------------
// umask and ownership.

#[tokio::test]
async fn umask_and_ownership_of_new_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("home/user");
    let is_root = rustix::process::geteuid().is_root();
    let me = rustix::process::geteuid().as_raw();
    let opts =
        LocalOptions { root: root.clone(), create_root: true, umask: Some(0o022), uid: Some(1234), gid: Some(2345) };
    let fs = LocalFs::new(opts).unwrap();
    write_file(&fs, &rel("f"), b"x").await.unwrap();
    fs.mkdir(&rel("d")).await.unwrap();
    fs.copy_file(&rel("f"), &rel("d/copy")).await.unwrap();
    let excl = WriteOptions { create: true, exclusive: true, ..Default::default() };
    fs.open_write(&rel("d/excl"), excl).await.unwrap().finish().await.unwrap();
    fs.symlink("f", &rel("l")).await.unwrap();
    fs.symlink("../f", &rel("d/l")).await.unwrap();
    let expect_owner = if is_root { (1234, 2345) } else { (me, rustix::process::getegid().as_raw()) };
    for (p, mode) in [("", 0o755), ("f", 0o644), ("d", 0o755), ("d/copy", 0o644), ("d/excl", 0o644)] {
        let m = std::fs::metadata(root.join(p)).unwrap();
        assert_eq!(m.mode() & 0o7777, mode, "{p}");
        assert_eq!((m.uid(), m.gid()), expect_owner, "{p}");
        let vm = fs.stat(&RelPath::new(p).unwrap()).await.unwrap();
        assert_eq!((vm.mode, vm.uid, vm.gid), (mode, expect_owner.0, expect_owner.1), "{p}");
    }
    // New symlinks belong to the configured owner too (the link itself, not its target).
    for l in ["l", "d/l"] {
        let m = std::fs::symlink_metadata(root.join(l)).unwrap();
        assert_eq!((m.uid(), m.gid()), expect_owner, "{l}");
    }
    // Existing entries keep their owner when written again.
    if is_root {
        std::os::unix::fs::chown(root.join("f"), Some(7), Some(8)).unwrap();
        write_file(&fs, &rel("f"), b"y").await.unwrap();
        let m = std::fs::metadata(root.join("f")).unwrap();
        assert_eq!((m.uid(), m.gid()), (7, 8));
        // Only a uid: the group stays the process's.
        let fs = LocalFs::new(LocalOptions { root: root.clone(), uid: Some(99), ..Default::default() }).unwrap();
        fs.mkdir(&rel("only-uid")).await.unwrap();
        let m = std::fs::metadata(root.join("only-uid")).unwrap();
        assert_eq!((m.uid(), m.gid()), (99, rustix::process::getegid().as_raw()));
        // set_owner sets exactly what is asked.
        fs.set_owner(&rel("d/copy"), 501, 502).await.unwrap();
        let m = std::fs::metadata(root.join("d/copy")).unwrap();
        assert_eq!((m.uid(), m.gid()), (501, 502));
    }
    // Without a configured owner nothing is chowned.
    let fs = LocalFs::new(LocalOptions { root: root.clone(), ..Default::default() }).unwrap();
    write_file(&fs, &rel("plain"), b"").await.unwrap();
    assert_eq!(std::fs::metadata(root.join("plain")).unwrap().uid(), me);
}
