//! Functional tests of every operation of the local backend on a temp directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::fs::{FileKind, HashAlgo};

fn rel(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

fn open(dir: &Path) -> LocalFs {
    LocalFs::new(LocalOptions { root: dir.to_owned(), ..Default::default() }).unwrap()
}

async fn put(fs: &LocalFs, p: &str, data: &[u8]) {
    let w = fs.open_write(&rel(p), WriteOptions::replace()).await.unwrap();
    w.write_at(0, Bytes::copy_from_slice(data)).await.unwrap();
    assert_eq!(w.finish().await.unwrap(), data.len() as u64);
}

async fn get(fs: &LocalFs, p: &str) -> Vec<u8> {
    let r = fs.open_read(&rel(p)).await.unwrap();
    let mut out = Vec::new();
    loop {
        let chunk = r.read_at(out.len() as u64, 7).await.unwrap();
        if chunk.is_empty() {
            return out;
        }
        out.extend_from_slice(&chunk);
    }
}

use bytes::Bytes;

#[tokio::test]
async fn construction() {
    let t = tempfile::tempdir().unwrap();
    let missing = t.path().join("a/b/home");
    let err = LocalFs::new(LocalOptions { root: missing.clone(), ..Default::default() }).unwrap_err();
    assert_eq!(err, FsError::NotFound);
    assert!(!err.to_string().contains(t.path().to_str().unwrap()));
    let fs = LocalFs::new(LocalOptions {
        root: missing.clone(),
        create_root: true,
        umask: Some(0o027),
        ..Default::default()
    })
    .unwrap();
    assert!(missing.is_dir());
    assert_eq!(std::fs::metadata(&missing).unwrap().mode() & 0o777, 0o750);
    assert_eq!(fs.root_path(), missing);
    assert!(!format!("{fs:?}").contains("home"));
    assert_eq!(fs.name(), "local");
    assert_eq!(fs.capabilities(), Capabilities::POSIX);
    // An existing root is opened as it is.
    std::fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o700)).unwrap();
    LocalFs::new(LocalOptions { root: missing.clone(), create_root: true, umask: Some(0), ..Default::default() })
        .unwrap();
    assert_eq!(std::fs::metadata(&missing).unwrap().mode() & 0o777, 0o700);
    let bad = LocalOptions { root: missing.clone(), umask: Some(0o1000), ..Default::default() };
    assert!(matches!(LocalFs::new(bad), Err(FsError::InvalidInput(_))));
    let file = t.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    assert_eq!(LocalFs::new(LocalOptions { root: file, ..Default::default() }).unwrap_err(), FsError::NotADirectory);
}

#[tokio::test]
async fn read_write_stat() {
    let t = tempfile::tempdir().unwrap();
    let fs = open(t.path());
    put(&fs, "f", b"hello world").await;
    assert_eq!(get(&fs, "f").await, b"hello world");
    assert_eq!(std::fs::read(t.path().join("f")).unwrap(), b"hello world");

    let m = fs.stat(&rel("f")).await.unwrap();
    assert_eq!((m.kind, m.size), (FileKind::File, 11));
    let host = std::fs::metadata(t.path().join("f")).unwrap();
    assert_eq!(m.mode, host.mode() & 0o7777);
    assert_eq!((m.uid, m.gid), (host.uid(), host.gid()));
    assert_eq!(m.mtime, host.modified().unwrap());
    let root = fs.stat(&RelPath::root()).await.unwrap();
    assert!(root.is_dir());
    assert!(fs.lstat(&RelPath::root()).await.unwrap().is_dir());
    assert_eq!(fs.stat(&rel("nope")).await.unwrap_err(), FsError::NotFound);
    assert_eq!(fs.stat(&rel("f/x")).await.unwrap_err(), FsError::NotADirectory);

    // Reads: short at the end, empty past it, exact sizes.
    let r = fs.open_read(&rel("f")).await.unwrap();
    assert_eq!(r.size(), 11);
    assert_eq!(&r.read_at(6, 100).await.unwrap()[..], b"world");
    assert!(r.read_at(11, 10).await.unwrap().is_empty());
    assert!(r.read_at(500, 10).await.unwrap().is_empty());
    assert!(r.read_at(0, 0).await.unwrap().is_empty());
    assert_eq!(&r.read_at(0, 5).await.unwrap()[..], b"hello");
    // Growth after opening is seen.
    std::fs::write(t.path().join("f"), b"hello world, and more").unwrap();
    assert_eq!(&r.read_at(11, 100).await.unwrap()[..], b", and more");

    // Directories cannot be opened as files.
    fs.mkdir(&rel("d")).await.unwrap();
    assert_eq!(fs.open_read(&rel("d")).await.unwrap_err(), FsError::IsADirectory);
    assert_eq!(fs.open_write(&rel("d"), WriteOptions::replace()).await.unwrap_err(), FsError::IsADirectory);
    assert_eq!(fs.open_write(&RelPath::root(), WriteOptions::replace()).await.unwrap_err(), FsError::IsADirectory);
    assert_eq!(fs.open_read(&rel("missing")).await.unwrap_err(), FsError::NotFound);
}

#[tokio::test]
async fn write_options() {
    let t = tempfile::tempdir().unwrap();
    let fs = open(t.path());
    let no_create = WriteOptions::default();
    assert_eq!(fs.open_write(&rel("f"), no_create).await.unwrap_err(), FsError::NotFound);
    put(&fs, "f", b"0123456789").await;

    // Exclusive on an existing file.
    let excl = WriteOptions { create: true, exclusive: true, ..Default::default() };
    assert_eq!(fs.open_write(&rel("f"), excl).await.unwrap_err(), FsError::AlreadyExists);
    let w = fs.open_write(&rel("g"), excl).await.unwrap();
    assert_eq!(w.finish().await.unwrap(), 0);

    // Without truncate: overwrite in place, out of order (random writes).
    let w = fs.open_write(&rel("f"), WriteOptions { create: true, ..Default::default() }).await.unwrap();
    w.write_at(8, Bytes::from_static(b"XY")).await.unwrap();
    w.write_at(0, Bytes::from_static(b"AB")).await.unwrap();
    assert_eq!(w.read_at(0, 4).await.unwrap_err(), FsError::unsupported("reading a file opened only for writing"));
    assert_eq!(w.finish().await.unwrap(), 10);
    assert_eq!(get(&fs, "f").await, b"AB234567XY");

    // Resume: append at the current size.
    let w = fs.open_write(&rel("f"), WriteOptions { start_offset: 10, ..Default::default() }).await.unwrap();
    w.write_at(10, Bytes::from_static(b"++")).await.unwrap();
    assert_eq!(w.finish().await.unwrap(), 12);

    // Read + write.
    let w = fs.open_write(&rel("f"), WriteOptions { read: true, ..Default::default() }).await.unwrap();
    assert_eq!(&w.read_at(10, 10).await.unwrap()[..], b"++");
    w.write_at(20, Bytes::from_static(b"!")).await.unwrap();
    assert_eq!(w.read_at(12, 9).await.unwrap().len(), 9);
    w.abort().await;
    assert_eq!(std::fs::metadata(t.path().join("f")).unwrap().len(), 21);

    // Truncate on open.
    let w = fs.open_write(&rel("f"), WriteOptions { truncate: true, ..Default::default() }).await.unwrap();
    assert_eq!(w.finish().await.unwrap(), 0);

    // Concurrent positional writes on one handle.
    let w: Arc<Box<dyn FileWriter>> = Arc::new(fs.open_write(&rel("c"), WriteOptions::replace()).await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let w = Arc::clone(&w);
        tasks.push(tokio::spawn(async move { w.write_at(u64::from(i) * 4, Bytes::from(vec![b'a' + i; 4])).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let w = Arc::into_inner(w).unwrap();
    assert_eq!(w.finish().await.unwrap(), 64);
    let data = get(&fs, "c").await;
    for i in 0..16u8 {
        assert_eq!(&data[usize::from(i) * 4..usize::from(i) * 4 + 4], &[b'a' + i; 4]);
    }
}

#[tokio::test]
async fn listing_in_batches() {
    let t = tempfile::tempdir().unwrap();
    let fs = open(t.path());
    fs.mkdir(&rel("d")).await.unwrap();
    for i in 0..25 {
        put(&fs, &format!("d/f{i:02}"), &vec![b'x'; i]).await;
    }
    fs.mkdir(&rel("d/sub")).await.unwrap();
    fs.symlink("f01", &rel("d/link")).await.unwrap();
    let mut l = fs.list(&rel("d")).await.unwrap();
    let mut all = Vec::new();
    loop {
        let b = l.next_batch(10).await.unwrap();
        assert!(b.len() <= 10);
        if b.is_empty() {
            break;
        }
        all.extend(b);
    }
    assert!(l.next_batch(10).await.unwrap().is_empty());
    all.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(all.len(), 27);
    assert!(all.iter().all(|e| e.name != "." && e.name != ".."));
    let find = |n: &str| all.iter().find(|e| e.name == n).unwrap();
    assert_eq!(find("f07").metadata.size, 7);
    assert!(find("sub").metadata.is_dir());
    assert!(find("link").metadata.is_symlink());
    // The root lists too; a file does not.
    let mut l = fs.list(&RelPath::root()).await.unwrap();
    assert_eq!(l.next_batch(100).await.unwrap().len(), 1);
    assert_eq!(fs.list(&rel("d/f01")).await.unwrap_err(), FsError::NotADirectory);
    assert_eq!(fs.list(&rel("nope")).await.unwrap_err(), FsError::NotFound);
}

#[tokio::test]
async fn dirs_rename_remove() {
    let t = tempfile::tempdir().unwrap();
    let fs = open(t.path());
    fs.mkdir(&rel("a")).await.unwrap();
    assert_eq!(fs.mkdir(&rel("a")).await.unwrap_err(), FsError::AlreadyExists);
    assert_eq!(fs.mkdir(&rel("x/y")).await.unwrap_err(), FsError::NotFound);
    assert_eq!(fs.mkdir(&RelPath::root()).await.unwrap_err(), FsError::AlreadyExists);
    put(&fs, "a/f", b"1").await;
    put(&fs, "g", b"22").await;

    // File onto an existing file: replaced.
    fs.rename(&rel("g"), &rel("a/f")).await.unwrap();
    assert_eq!(get(&fs, "a/f").await, b"22");
    assert_eq!(fs.stat(&rel("g")).await.unwrap_err(), FsError::NotFound);
    // Directory rename.
    fs.rename(&rel("a"), &rel("b")).await.unwrap();
    assert_eq!(get(&fs, "b/f").await, b"22");
    // Directory onto a file, file onto a directory.
    put(&fs, "file", b"").await;
    assert_eq!(fs.rename(&rel("b"), &rel("file")).await.unwrap_err(), FsError::NotADirectory);
    assert_eq!(fs.rename(&rel("file"), &rel("b")).await.unwrap_err(), FsError::IsADirectory);
    assert_eq!(fs.rename(&rel("nope"), &rel("x")).await.unwrap_err(), FsError::NotFound);
    assert!(matches!(fs.rename(&RelPath::root(), &rel("x")).await, Err(FsError::PermissionDenied(_))));
    assert!(matches!(fs.rename(&rel("file"), &RelPath::root()).await, Err(FsError::PermissionDenied(_))));

    // remove / rmdir.
    assert_eq!(fs.remove(&rel("b")).await.unwrap_err(), FsError::IsADirectory);
    assert_eq!(fs.remove(&RelPath::root()).await.unwrap_err(), FsError::IsADirectory);
    assert_eq!(fs.rmdir(&rel("b")).await.unwrap_err(), FsError::DirectoryNotEmpty);
    assert_eq!(fs.rmdir(&rel("file")).await.unwrap_err(), FsError::NotADirectory);
    assert!(matches!(fs.rmdir(&RelPath::root()).await, Err(FsError::PermissionDenied(_))));
    fs.remove(&rel("b/f")).await.unwrap();
    fs.rmdir(&rel("b")).await.unwrap();
    assert_eq!(fs.remove(&rel("b/f")).await.unwrap_err(), FsError::NotFound);
    fs.symlink("file", &rel("l")).await.unwrap();
    fs.remove(&rel("l")).await.unwrap();
    assert!(t.path().join("file").exists());
}

#[tokio::test]
async fn links() {
    let t = tempfile::tempdir().unwrap();
    let fs = open(t.path());
    fs.mkdir(&rel("d")).await.unwrap();
    put(&fs, "d/f", b"data").await;
    fs.symlink("d/f", &rel("l")).await.unwrap();
    fs.symlink("../d/f", &rel("d/l2")).await.unwrap();
    fs.symlink("d", &rel("ld")).await.unwrap();
    assert_eq!(fs.symlink("d/f", &rel("l")).await.unwrap_err(), FsError::AlreadyExists);
    assert_eq!(fs.readlink(&rel("l")).await.unwrap(), "d/f");
    assert_eq!(fs.readlink(&rel("d/l2")).await.unwrap(), "../d/f");
    assert!(fs.readlink(&rel("d/f")).await.is_err());
    // Inside links are usable; lstat reports the link.
    assert_eq!(get(&fs, "l").await, b"data");
    assert_eq!(get(&fs, "d/l2").await, b"data");
    assert_eq!(get(&fs, "ld/f").await, b"data");
    assert_eq!(fs.stat(&rel("l")).await.unwrap().kind, FileKind::File);
    let lm = fs.lstat(&rel("l")).await.unwrap();
    assert_eq!((lm.kind, lm.size), (FileKind::Symlink, 3));
    assert!(fs.stat(&rel("ld")).await.unwrap().is_dir());
    // Refused targets.
    for bad in ["/etc/passwd", "../x", "d/../../x"] {
        assert!(matches!(fs.symlink(bad, &rel("bad")).await, Err(FsError::PermissionDenied(_))), "{bad}");
    }
    assert!(fs.symlink("", &rel("bad")).await.is_err());
    assert!(fs.lstat(&rel("bad")).await.is_err());
    // Hard link.
    fs.hardlink(&rel("d/f"), &rel("h")).await.unwrap();
    assert_eq!(get(&fs, "h").await, b"data");
    assert_eq!(std::fs::metadata(t.path().join("h")).unwrap().nlink(), 2);
    assert_eq!(fs.hardlink(&rel("d/f"), &rel("h")).await.unwrap_err(), FsError::AlreadyExists);
    assert_eq!(fs.hardlink(&rel("nope"), &rel("h2")).await.unwrap_err(), FsError::NotFound);
    assert!(fs.hardlink(&rel("d"), &rel("h3")).await.is_err());
}

#[tokio::test]
async fn attributes() {
    let t = tempfile::tempdir().unwrap();
    let fs = open(t.path());
    put(&fs, "f", b"0123456789").await;
    fs.mkdir(&rel("d")).await.unwrap();
    fs.symlink("f", &rel("l")).await.unwrap();

    fs.set_mode(&rel("f"), 0o640).await.unwrap();
    assert_eq!(fs.stat(&rel("f")).await.unwrap().mode, 0o640);
    fs.set_mode(&rel("d"), 0o1750).await.unwrap();
    assert_eq!(fs.stat(&rel("d")).await.unwrap().mode, 0o1750);
    // chmod through an inside link changes the target.
    fs.set_mode(&rel("l"), 0o600).await.unwrap();
    assert_eq!(fs.stat(&rel("f")).await.unwrap().mode, 0o600);
    assert_eq!(fs.set_mode(&rel("nope"), 0o600).await.unwrap_err(), FsError::NotFound);

    let at = UNIX_EPOCH + Duration::new(1_000_000_000, 123_000);
    let mt = UNIX_EPOCH + Duration::new(1_200_000_000, 456_000);
    fs.set_times(&rel("f"), at, mt).await.unwrap();
    let m = fs.stat(&rel("f")).await.unwrap();
    assert_eq!((m.atime, m.mtime), (at, mt));
    fs.set_times(&rel("d"), at, mt).await.unwrap();
    assert_eq!(fs.stat(&rel("d")).await.unwrap().mtime, mt);

    fs.truncate(&rel("f"), 4).await.unwrap();
    assert_eq!(get(&fs, "f").await, b"0123");
    fs.truncate(&rel("l"), 6).await.unwrap();
    assert_eq!(get(&fs, "f").await, b"0123\0\0");
    assert_eq!(fs.truncate(&rel("d"), 0).await.unwrap_err(), FsError::IsADirectory);
    assert_eq!(fs.truncate(&rel("nope"), 0).await.unwrap_err(), FsError::NotFound);

    let me = rustix::process::geteuid().as_raw();
    let mygid = rustix::process::getegid().as_raw();
    fs.set_owner(&rel("f"), me, mygid).await.unwrap();
    fs.set_owner(&rel("d"), me, mygid).await.unwrap();
    if rustix::process::geteuid().is_root() {
        fs.set_owner(&rel("l"), 4321, 8765).await.unwrap();
        let m = fs.stat(&rel("f")).await.unwrap();
        assert_eq!((m.uid, m.gid), (4321, 8765));
        // The link itself is unchanged (chown follows it).
        assert_eq!(std::fs::symlink_metadata(t.path().join("l")).unwrap().uid(), me);
    }
    assert!(matches!(fs.set_owner(&rel("f"), u32::MAX, 0).await, Err(FsError::InvalidInput(_))));

    let s = fs.statvfs(&RelPath::root()).await.unwrap();
    assert!(s.block_size > 0 && s.blocks > 0 && s.name_max >= 255);
    assert_eq!(fs.statvfs(&rel("f")).await.unwrap().blocks, s.blocks);
    assert_eq!(fs.statvfs(&rel("nope")).await.unwrap_err(), FsError::NotFound);
}

#[tokio::test]
async fn copy_and_hash() {
    let t = tempfile::tempdir().unwrap();
    let fs = open(t.path());
    let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    put(&fs, "src", &data).await;
    put(&fs, "dst", b"old content that is longer").await;
    assert_eq!(fs.copy_file(&rel("src"), &rel("dst")).await.unwrap(), data.len() as u64);
    assert_eq!(std::fs::read(t.path().join("dst")).unwrap(), data);
    assert_eq!(fs.copy_file(&rel("src"), &rel("new")).await.unwrap(), data.len() as u64);
    assert_eq!(std::fs::read(t.path().join("new")).unwrap(), data);
    // Onto itself, directly or through a hard link: refused, nothing lost.
    fs.hardlink(&rel("src"), &rel("h")).await.unwrap();
    assert!(matches!(fs.copy_file(&rel("src"), &rel("src")).await, Err(FsError::InvalidInput(_))));
    assert!(matches!(fs.copy_file(&rel("src"), &rel("h")).await, Err(FsError::InvalidInput(_))));
    assert_eq!(std::fs::read(t.path().join("src")).unwrap(), data);
    fs.mkdir(&rel("d")).await.unwrap();
    assert_eq!(fs.copy_file(&rel("d"), &rel("x")).await.unwrap_err(), FsError::IsADirectory);
    assert_eq!(fs.copy_file(&rel("src"), &rel("d")).await.unwrap_err(), FsError::IsADirectory);

    put(&fs, "abc", b"abc").await;
    assert_eq!(
        fs.hash(&rel("abc"), HashAlgo::Sha256).await.unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(fs.hash(&rel("abc"), HashAlgo::Md5).await.unwrap(), "900150983cd24fb0d6963f7d28e17f72");
}

#[tokio::test]
async fn special_files_never_block() {
    let t = tempfile::tempdir().unwrap();
    let fs = open(t.path());
    rustix::fs::mknodat(
        rustix::fs::CWD,
        t.path().join("fifo"),
        rustix::fs::FileType::Fifo,
        Mode::from_bits_truncate(0o666),
        0,
    )
    .unwrap();
    assert!(matches!(fs.open_read(&rel("fifo")).await, Err(FsError::InvalidInput(_))));
    assert!(fs.open_write(&rel("fifo"), WriteOptions::replace()).await.is_err());
    assert!(fs.truncate(&rel("fifo"), 0).await.is_err());
    assert_eq!(fs.lstat(&rel("fifo")).await.unwrap().kind, FileKind::File);
}

#[tokio::test]
async fn umask_applies_exactly() {
    let t = tempfile::tempdir().unwrap();
    let fs =
        LocalFs::new(LocalOptions { root: t.path().to_owned(), umask: Some(0o002), ..Default::default() }).unwrap();
    put(&fs, "f", b"x").await;
    fs.mkdir(&rel("d")).await.unwrap();
    assert_eq!(std::fs::metadata(t.path().join("f")).unwrap().mode() & 0o7777, 0o664);
    assert_eq!(std::fs::metadata(t.path().join("d")).unwrap().mode() & 0o7777, 0o775);
    // Existing files keep their mode when overwritten.
    std::fs::set_permissions(t.path().join("f"), std::fs::Permissions::from_mode(0o600)).unwrap();
    put(&fs, "f", b"y").await;
    assert_eq!(std::fs::metadata(t.path().join("f")).unwrap().mode() & 0o7777, 0o600);
    let fs =
        LocalFs::new(LocalOptions { root: t.path().to_owned(), umask: Some(0o077), ..Default::default() }).unwrap();
    fs.copy_file(&rel("f"), &rel("g")).await.unwrap();
    assert_eq!(std::fs::metadata(t.path().join("g")).unwrap().mode() & 0o7777, 0o600);
    fs.mkdir(&rel("e")).await.unwrap();
    assert_eq!(std::fs::metadata(t.path().join("e")).unwrap().mode() & 0o7777, 0o700);
}
