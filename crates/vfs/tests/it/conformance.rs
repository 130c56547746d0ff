//! The same documented behaviour on every backend, as far as its `capabilities()` promise it: what a
//! backend says it cannot do must fail with `FsError::Unsupported`, and everything else must behave
//! the same whether the storage is a POSIX directory or an object store.
//!
//! Each check is an async function taking a fresh, empty backend; the `suite!` macro runs every check
//! on every backend:
//!
//! - `object_store_paged`: `ObjectStoreFs::in_memory()`, listing page by page with S3's semantics;
//! - `object_store_full`: `ObjectStoreFs` over a plain in-memory store (full delimiter listings) with
//!   small 64 KiB parts, so multi-MiB files go through many multipart parts;
//! - `local`: `LocalFs` on a temporary directory.
//!
//! Where backends legitimately differ the check branches on the capability that documents the
//! difference (`temp_rename` false means uploads commit atomically at `finish`, as on object stores).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use wharf_vfs::objstore::ObjectStoreFs;
use wharf_vfs::{FileKind, Fs, FsError, HashAlgo, Metadata, RelPath, WriteOptions};

/// A backend under test and whatever keeps it alive.
struct Backend {
    fs: Arc<dyn Fs>,
    _keep: Option<tempfile::TempDir>,
}

fn object_store_paged() -> Backend {
    Backend { fs: Arc::new(ObjectStoreFs::in_memory()), _keep: None }
}

fn object_store_full() -> Backend {
    let store = Arc::new(object_store::memory::InMemory::new());
    let fs = ObjectStoreFs::new(store, "tenant/home").unwrap().with_part_size(64 * 1024).with_read_ahead(100_000);
    Backend { fs: Arc::new(fs), _keep: None }
}

fn local() -> Backend {
    use wharf_vfs::local::{LocalFs, LocalOptions};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("home");
    let fs = LocalFs::new(LocalOptions { root, create_root: true, umask: Some(0o022), uid: None, gid: None }).unwrap();
    Backend { fs: Arc::new(fs), _keep: Some(dir) }
}

/// Runs every check on one backend, one `#[tokio::test]` each.
macro_rules! suite {
    ($backend:ident) => {
        mod $backend {
            suite!(@tests $backend:
                root_is_an_empty_directory,
                stat_and_lstat,
                write_read_round_trips,
                concurrent_reads_on_one_reader,
                open_errors,
                write_offsets_follow_capabilities,
                uploads_commit_or_abort,
                listing_thousands_in_batches,
                mkdir_and_rmdir,
                remove_files,
                rename_files,
                rename_directories,
                copy_files,
                hashes,
                attributes_follow_capabilities,
            );
        }
    };
    (@tests $backend:ident: $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let b = super::$backend();
                super::$check(b.fs.clone()).await;
            }
        )*
    };
}

suite!(object_store_paged);
suite!(object_store_full);
suite!(local);

// ---- helpers ----

fn p(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

/// A deterministic byte pattern.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed as usize * 7) % 251) as u8).collect()
}

/// Uploads `data` as an ordinary upload would, in `chunk`-sized sequential writes.
async fn put_chunked(fs: &Arc<dyn Fs>, path: &str, data: &[u8], chunk: usize) {
    let w = fs.open_write(&p(path), WriteOptions::replace()).await.unwrap();
    let mut offset = 0;
    for c in data.chunks(chunk.max(1)) {
        w.write_at(offset as u64, Bytes::copy_from_slice(c)).await.unwrap();
        offset += c.len();
    }
    assert_eq!(w.finish().await.unwrap(), data.len() as u64, "finish returns the size");
}

async fn put(fs: &Arc<dyn Fs>, path: &str, data: &[u8]) {
    put_chunked(fs, path, data, 32 * 1024).await;
}

/// Reads a whole file in `chunk`-sized reads.
async fn get_chunked(fs: &Arc<dyn Fs>, path: &str, chunk: usize) -> Vec<u8> {
    let r = fs.open_read(&p(path)).await.unwrap();
    let mut out = Vec::new();
    loop {
        let b = r.read_at(out.len() as u64, chunk).await.unwrap();
        if b.is_empty() {
            break;
        }
        assert!(b.len() <= chunk, "a read returns at most what was asked");
        out.extend_from_slice(&b);
    }
    assert_eq!(out.len() as u64, r.size());
    out
}

async fn get(fs: &Arc<dyn Fs>, path: &str) -> Vec<u8> {
    get_chunked(fs, path, 32 * 1024).await
}

/// Every entry of a directory, listed in batches of at most `batch`, by name (no duplicates).
async fn list_all(fs: &Arc<dyn Fs>, dir: &str, batch: usize) -> BTreeMap<String, Metadata> {
    let mut l = fs.list(&p(dir)).await.unwrap();
    let mut out = BTreeMap::new();
    loop {
        let b = l.next_batch(batch).await.unwrap();
        if b.is_empty() {
            break;
        }
        assert!(b.len() <= batch, "a batch holds at most the number asked: {} > {batch}", b.len());
        for e in b {
            assert!(!e.name.is_empty() && !e.name.contains('/'), "bad name {:?}", e.name);
            assert!(e.name != "." && e.name != "..");
            let name = e.name.clone();
            assert!(out.insert(e.name, e.metadata).is_none(), "{name} listed twice");
        }
    }
    assert!(l.next_batch(batch).await.unwrap().is_empty(), "the end stays the end");
    out
}

async fn names(fs: &Arc<dyn Fs>, dir: &str) -> Vec<String> {
    list_all(fs, dir, 64).await.into_keys().collect()
}

#[track_caller]
fn unsupported<T: std::fmt::Debug>(r: Result<T, FsError>, what: &str) {
    assert!(matches!(r, Err(FsError::Unsupported(_))), "{what}: expected Unsupported, got {r:?}");
}

#[track_caller]
fn invalid<T: std::fmt::Debug>(r: Result<T, FsError>, what: &str) {
    assert!(matches!(r, Err(FsError::InvalidInput(_))), "{what}: expected InvalidInput, got {r:?}");
}

/// `Err(e)` as the only acceptable outcome.
#[track_caller]
fn err<T: std::fmt::Debug>(r: Result<T, FsError>, e: FsError, what: &str) {
    match r {
        Err(got) => assert_eq!(got, e, "{what}"),
        Ok(v) => panic!("{what}: expected {e:?}, got Ok({v:?})"),
    }
}

// ---- checks ----

async fn root_is_an_empty_directory(fs: Arc<dyn Fs>) {
    let root = fs.stat(&RelPath::root()).await.unwrap();
    assert!(root.is_dir());
    assert!(fs.lstat(&RelPath::root()).await.unwrap().is_dir());
    assert!(names(&fs, "").await.is_empty());
    assert!(!fs.name().is_empty());
}

async fn stat_and_lstat(fs: Arc<dyn Fs>) {
    let before = SystemTime::now() - Duration::from_secs(5);
    put(&fs, "f.txt", b"hello").await;
    fs.mkdir(&p("d")).await.unwrap();
    put(&fs, "d/inner", b"12").await;

    for m in [fs.stat(&p("f.txt")).await.unwrap(), fs.lstat(&p("f.txt")).await.unwrap()] {
        assert!(m.is_file() && !m.is_dir() && !m.is_symlink());
        assert_eq!(m.kind, FileKind::File);
        assert_eq!(m.size, 5);
        assert!(m.mode & 0o777 != 0, "some permission bits are reported");
        assert!(m.mtime >= before && m.mtime <= SystemTime::now() + Duration::from_secs(5));
    }
    for m in [fs.stat(&p("d")).await.unwrap(), fs.lstat(&p("d")).await.unwrap()] {
        assert!(m.is_dir());
    }
    assert_eq!(fs.stat(&p("d/inner")).await.unwrap().size, 2);
    for missing in ["nope", "d/nope", "nope/deeper"] {
        err(fs.stat(&p(missing)).await, FsError::NotFound, missing);
        err(fs.lstat(&p(missing)).await, FsError::NotFound, missing);
    }
    // Below a file: POSIX says "not a directory"; an object store only sees a missing key.
    let below = fs.stat(&p("f.txt/x")).await;
    assert!(matches!(below, Err(FsError::NotFound | FsError::NotADirectory)), "{below:?}");
}

async fn write_read_round_trips(fs: Arc<dyn Fs>) {
    // Empty.
    put(&fs, "empty", b"").await;
    assert_eq!(fs.stat(&p("empty")).await.unwrap().size, 0);
    let r = fs.open_read(&p("empty")).await.unwrap();
    assert_eq!(r.size(), 0);
    assert!(r.read_at(0, 10).await.unwrap().is_empty());
    // Small.
    put(&fs, "small", b"small file").await;
    assert_eq!(get(&fs, "small").await, b"small file");
    // Multi-MiB in uneven writes, read back in uneven reads.
    let big = pattern(3 * 1024 * 1024 + 7, 1);
    put_chunked(&fs, "big.bin", &big, 100_003).await;
    assert_eq!(fs.stat(&p("big.bin")).await.unwrap().size, big.len() as u64);
    assert_eq!(get_chunked(&fs, "big.bin", 65_537).await, big);
    // Reads at and past the end.
    let r = fs.open_read(&p("big.bin")).await.unwrap();
    let size = r.size();
    assert_eq!(size, big.len() as u64);
    assert_eq!(&r.read_at(size - 3, 10).await.unwrap()[..], &big[big.len() - 3..]);
    assert!(r.read_at(size, 10).await.unwrap().is_empty());
    assert!(r.read_at(size + 100, 10).await.unwrap().is_empty());
    assert!(r.read_at(5, 0).await.unwrap().is_empty());
    // Random reads in the middle, backwards.
    for off in [2_000_000u64, 1_000_000, 10, 3_000_000] {
        let got = r.read_at(off, 1000).await.unwrap();
        assert_eq!(&got[..], &big[off as usize..off as usize + 1000], "at {off}");
    }
    // Replacing a file replaces all of it (a shorter file is not padded with the old tail).
    put(&fs, "small", b"tiny").await;
    assert_eq!(get(&fs, "small").await, b"tiny");
    assert_eq!(fs.stat(&p("small")).await.unwrap().size, 4);
}

async fn concurrent_reads_on_one_reader(fs: Arc<dyn Fs>) {
    const BLOCK: usize = 32 * 1024;
    let data = Arc::new(pattern(2 * 1024 * 1024 + 123, 9));
    put(&fs, "shared.bin", &data).await;
    let reader: Arc<dyn wharf_vfs::FileReader> = Arc::from(fs.open_read(&p("shared.bin")).await.unwrap());
    // Pipelined like an SFTP client: many sequential blocks in flight at once, plus some scattered.
    let mut offsets: Vec<u64> = (0..data.len().div_ceil(BLOCK)).map(|i| (i * BLOCK) as u64).collect();
    offsets.extend([1_500_000u64, 7, 999_999, data.len() as u64 - 5, data.len() as u64 + 10]);
    let mut tasks = tokio::task::JoinSet::new();
    for off in offsets {
        let (reader, data) = (reader.clone(), data.clone());
        tasks.spawn(async move {
            let got = reader.read_at(off, BLOCK).await.unwrap();
            let start = (off as usize).min(data.len());
            let end = (start + BLOCK).min(data.len());
            assert_eq!(&got[..], &data[start..end], "block at {off}");
        });
    }
    let mut n = 0;
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
        n += 1;
    }
    assert!(n > 60);
}

async fn open_errors(fs: Arc<dyn Fs>) {
    fs.mkdir(&p("dir")).await.unwrap();
    put(&fs, "file", b"x").await;
    let replace = WriteOptions::replace();

    err(fs.open_read(&p("missing")).await.map(|_| ()), FsError::NotFound, "open_read missing");
    err(fs.open_read(&p("dir")).await.map(|_| ()), FsError::IsADirectory, "open_read dir");
    err(fs.open_write(&p("dir"), replace).await.map(|_| ()), FsError::IsADirectory, "open_write dir");
    err(fs.open_write(&p("missing/f"), replace).await.map(|_| ()), FsError::NotFound, "open_write, no parent");
    err(fs.open_write(&p("file/f"), replace).await.map(|_| ()), FsError::NotADirectory, "open_write below a file");
    let no_create = WriteOptions { truncate: true, ..WriteOptions::default() };
    err(fs.open_write(&p("new"), no_create).await.map(|_| ()), FsError::NotFound, "open_write without create");
    let exclusive = WriteOptions { exclusive: true, ..replace };
    err(fs.open_write(&p("file"), exclusive).await.map(|_| ()), FsError::AlreadyExists, "exclusive on existing");
    // Exclusive on a new name works.
    let w = fs.open_write(&p("fresh"), exclusive).await.unwrap();
    w.write_at(0, Bytes::from_static(b"ok")).await.unwrap();
    w.finish().await.unwrap();
    assert_eq!(get(&fs, "fresh").await, b"ok");
    // None of the failures created anything.
    assert_eq!(names(&fs, "").await, ["dir", "file", "fresh"]);
    assert!(names(&fs, "dir").await.is_empty());
}

async fn write_offsets_follow_capabilities(fs: Arc<dyn Fs>) {
    let caps = fs.capabilities();
    // Sequential writes are always accepted.
    put_chunked(&fs, "seq", &pattern(10_000, 2), 999).await;
    assert_eq!(get(&fs, "seq").await, pattern(10_000, 2));

    let w = fs.open_write(&p("gap"), WriteOptions::replace()).await.unwrap();
    w.write_at(0, Bytes::from_static(b"0123")).await.unwrap();
    if caps.random_write {
        // Out of order, with a hole: the hole reads as zeros.
        w.write_at(10, Bytes::from_static(b"AB")).await.unwrap();
        w.write_at(2, Bytes::from_static(b"xy")).await.unwrap();
        assert_eq!(w.finish().await.unwrap(), 12);
        assert_eq!(get(&fs, "gap").await, b"01xy\0\0\0\0\0\0AB");
    } else {
        invalid(w.write_at(10, Bytes::from_static(b"AB")).await, "a gap without random_write");
        invalid(w.write_at(0, Bytes::from_static(b"AB")).await, "going back without random_write");
        // The writer still takes the right offset after refusing the wrong ones.
        w.write_at(4, Bytes::from_static(b"45")).await.unwrap();
        assert_eq!(w.finish().await.unwrap(), 6);
        assert_eq!(get(&fs, "gap").await, b"012345");
    }

    // Writing in place without truncating keeps the tail only where writes can be random.
    put(&fs, "inplace", b"12345").await;
    let keep = WriteOptions { create: true, ..WriteOptions::default() };
    if caps.random_write {
        let w = fs.open_write(&p("inplace"), keep).await.unwrap();
        w.write_at(0, Bytes::from_static(b"ab")).await.unwrap();
        w.finish().await.unwrap();
        assert_eq!(get(&fs, "inplace").await, b"ab345");
    } else {
        unsupported(fs.open_write(&p("inplace"), keep).await.map(|_| ()), "rewriting part of a file");
        assert_eq!(get(&fs, "inplace").await, b"12345");
    }

    // Resuming at the current size.
    put(&fs, "resume", b"12345").await;
    let resume = WriteOptions { create: true, start_offset: 5, ..WriteOptions::default() };
    if caps.resume {
        let w = fs.open_write(&p("resume"), resume).await.unwrap();
        w.write_at(5, Bytes::from_static(b"678")).await.unwrap();
        w.finish().await.unwrap();
        assert_eq!(get(&fs, "resume").await, b"12345678");
    } else {
        unsupported(fs.open_write(&p("resume"), resume).await.map(|_| ()), "resume");
        assert_eq!(get(&fs, "resume").await, b"12345");
    }

    // Reading through a writer.
    let rw = WriteOptions { read: true, ..WriteOptions::replace() };
    if caps.read_write {
        let w = fs.open_write(&p("rw"), rw).await.unwrap();
        w.write_at(0, Bytes::from_static(b"read back")).await.unwrap();
        assert_eq!(&w.read_at(5, 100).await.unwrap()[..], b"back");
        w.finish().await.unwrap();
    } else {
        unsupported(fs.open_write(&p("rw"), rw).await.map(|_| ()), "read+write open");
        err(fs.stat(&p("rw")).await, FsError::NotFound, "a refused open creates nothing");
    }
}

async fn uploads_commit_or_abort(fs: Arc<dyn Fs>) {
    // `temp_rename` false: the backend commits uploads atomically by itself (object stores): nothing
    // is visible before `finish`, and `abort` discards everything. Otherwise (files) the data is
    // written in place and `abort` keeps what was written: the session decides whether to remove it.
    let atomic = !fs.capabilities().temp_rename;

    let w = fs.open_write(&p("new.bin"), WriteOptions::replace()).await.unwrap();
    w.write_at(0, Bytes::from(pattern(300_000, 3))).await.unwrap();
    if atomic {
        err(fs.stat(&p("new.bin")).await, FsError::NotFound, "invisible before finish");
    } else {
        assert!(fs.stat(&p("new.bin")).await.unwrap().is_file(), "written in place");
    }
    w.abort().await;
    if atomic {
        err(fs.stat(&p("new.bin")).await, FsError::NotFound, "an aborted upload leaves nothing");
        assert!(names(&fs, "").await.is_empty());
    } else {
        assert_eq!(get(&fs, "new.bin").await, pattern(300_000, 3), "abort keeps the partial file");
    }

    // Aborting the replacement of an existing file.
    put(&fs, "old.txt", b"the old content").await;
    let w = fs.open_write(&p("old.txt"), WriteOptions::replace()).await.unwrap();
    w.write_at(0, Bytes::from_static(b"NEW")).await.unwrap();
    if atomic {
        assert_eq!(get(&fs, "old.txt").await, b"the old content", "readers see the old file meanwhile");
    }
    w.abort().await;
    if atomic {
        assert_eq!(get(&fs, "old.txt").await, b"the old content", "abort leaves the old file");
    } else {
        assert_eq!(get(&fs, "old.txt").await, b"NEW", "truncated at open, partial kept");
    }

    // A committed upload replaces the old file at once.
    let w = fs.open_write(&p("old.txt"), WriteOptions::replace()).await.unwrap();
    w.write_at(0, Bytes::from_static(b"committed")).await.unwrap();
    assert_eq!(w.finish().await.unwrap(), 9);
    assert_eq!(get(&fs, "old.txt").await, b"committed");
}

async fn listing_thousands_in_batches(fs: Arc<dyn Fs>) {
    const FILES: usize = 2_500;
    fs.mkdir(&p("big dir")).await.unwrap();
    let mut expect: BTreeMap<String, (FileKind, u64)> = BTreeMap::new();
    for i in 0..FILES {
        let name = match i % 4 {
            0 => format!("file {i:05}.txt"),
            1 => format!("résumé ✓ {i:05}"),
            2 => format!("日本語-{i:05}.dat"),
            _ => format!("plain{i:05}"),
        };
        let body = vec![b'x'; i % 7];
        put(&fs, &format!("big dir/{name}"), &body).await;
        expect.insert(name, (FileKind::File, body.len() as u64));
    }
    for d in ["sub dir", "子目录", "zz-last"] {
        fs.mkdir(&p(&format!("big dir/{d}"))).await.unwrap();
        expect.insert(d.to_owned(), (FileKind::Dir, 0));
    }
    // Something below a subdirectory is not listed at this level.
    put(&fs, "big dir/sub dir/nested.txt", b"n").await;

    // Batches of one are honoured too.
    let mut l = fs.list(&p("big dir")).await.unwrap();
    for _ in 0..5 {
        assert_eq!(l.next_batch(1).await.unwrap().len(), 1);
    }
    for batch in [97, 1000, 5000] {
        let got = list_all(&fs, "big dir", batch).await;
        let got: BTreeMap<String, (FileKind, u64)> =
            got.into_iter().map(|(n, m)| (n, (m.kind, if m.is_dir() { 0 } else { m.size }))).collect();
        assert_eq!(got.len(), expect.len(), "batch {batch}");
        assert_eq!(got, expect, "batch {batch}");
    }
    // The parent lists the directory once, as a directory.
    let root = list_all(&fs, "", 10).await;
    assert_eq!(root.len(), 1);
    assert!(root["big dir"].is_dir());
    // Listing errors.
    err(fs.list(&p("missing")).await.map(|_| ()), FsError::NotFound, "list missing");
    err(fs.list(&p("big dir/plain00003")).await.map(|_| ()), FsError::NotADirectory, "list a file");
}

async fn mkdir_and_rmdir(fs: Arc<dyn Fs>) {
    fs.mkdir(&p("a")).await.unwrap();
    assert!(fs.stat(&p("a")).await.unwrap().is_dir());
    assert!(names(&fs, "a").await.is_empty(), "a new directory is empty");
    err(fs.mkdir(&p("a")).await, FsError::AlreadyExists, "mkdir twice");
    put(&fs, "f", b"x").await;
    err(fs.mkdir(&p("f")).await, FsError::AlreadyExists, "mkdir over a file");
    err(fs.mkdir(&p("missing/b")).await, FsError::NotFound, "mkdir without parent");
    err(fs.mkdir(&p("f/b")).await, FsError::NotADirectory, "mkdir below a file");

    fs.mkdir(&p("a/b")).await.unwrap();
    assert_eq!(names(&fs, "a").await, ["b"]);
    assert!(list_all(&fs, "a", 10).await["b"].is_dir());
    err(fs.rmdir(&p("a")).await, FsError::DirectoryNotEmpty, "rmdir with a subdirectory");
    put(&fs, "a/b/file", b"1").await;
    err(fs.rmdir(&p("a/b")).await, FsError::DirectoryNotEmpty, "rmdir with a file");
    err(fs.rmdir(&p("f")).await, FsError::NotADirectory, "rmdir a file");
    err(fs.rmdir(&p("missing")).await, FsError::NotFound, "rmdir missing");

    fs.remove(&p("a/b/file")).await.unwrap();
    assert!(fs.stat(&p("a/b")).await.unwrap().is_dir(), "emptied directory stays");
    fs.rmdir(&p("a/b")).await.unwrap();
    err(fs.stat(&p("a/b")).await, FsError::NotFound, "removed");
    assert!(fs.stat(&p("a")).await.unwrap().is_dir(), "the parent stays");
    fs.rmdir(&p("a")).await.unwrap();
    assert_eq!(names(&fs, "").await, ["f"]);
}

async fn remove_files(fs: Arc<dyn Fs>) {
    fs.mkdir(&p("d")).await.unwrap();
    put(&fs, "d/f", b"data").await;
    put(&fs, "top", b"t").await;
    err(fs.remove(&p("d")).await, FsError::IsADirectory, "remove a directory");
    err(fs.remove(&p("nope")).await, FsError::NotFound, "remove missing");
    fs.remove(&p("d/f")).await.unwrap();
    err(fs.stat(&p("d/f")).await, FsError::NotFound, "removed");
    err(fs.remove(&p("d/f")).await, FsError::NotFound, "removed twice");
    assert!(fs.stat(&p("d")).await.unwrap().is_dir(), "a made directory survives its last file");
    fs.remove(&p("top")).await.unwrap();
    assert_eq!(names(&fs, "").await, ["d"]);
}

async fn rename_files(fs: Arc<dyn Fs>) {
    fs.mkdir(&p("d")).await.unwrap();
    put(&fs, "a", b"content of a").await;
    put(&fs, "b", b"old b").await;

    fs.rename(&p("a"), &p("c")).await.unwrap();
    err(fs.stat(&p("a")).await, FsError::NotFound, "source gone");
    assert_eq!(get(&fs, "c").await, b"content of a");

    // Over an existing file: replaced.
    fs.rename(&p("c"), &p("b")).await.unwrap();
    assert_eq!(get(&fs, "b").await, b"content of a");
    err(fs.stat(&p("c")).await, FsError::NotFound, "source gone");

    // Into a directory, under a new name.
    fs.rename(&p("b"), &p("d/moved")).await.unwrap();
    assert_eq!(get(&fs, "d/moved").await, b"content of a");
    assert_eq!(names(&fs, "").await, ["d"]);

    // Onto itself: nothing changes.
    fs.rename(&p("d/moved"), &p("d/moved")).await.unwrap();
    assert_eq!(get(&fs, "d/moved").await, b"content of a");

    // Errors leave everything in place.
    err(fs.rename(&p("nope"), &p("x")).await, FsError::NotFound, "rename missing");
    err(fs.rename(&p("d/moved"), &p("missing/x")).await, FsError::NotFound, "into a missing directory");
    fs.mkdir(&p("e")).await.unwrap();
    err(fs.rename(&p("d/moved"), &p("e")).await, FsError::IsADirectory, "file over a directory");
    assert_eq!(get(&fs, "d/moved").await, b"content of a");
    assert!(names(&fs, "e").await.is_empty());
}

async fn rename_directories(fs: Arc<dyn Fs>) {
    let caps = fs.capabilities();
    // An empty directory renames everywhere.
    fs.mkdir(&p("empty")).await.unwrap();
    fs.rename(&p("empty"), &p("renamed")).await.unwrap();
    err(fs.stat(&p("empty")).await, FsError::NotFound, "old name gone");
    assert!(fs.stat(&p("renamed")).await.unwrap().is_dir());
    assert!(names(&fs, "renamed").await.is_empty());

    // A non-empty one only with `dir_rename`; otherwise Unsupported, and nothing moves.
    fs.mkdir(&p("full")).await.unwrap();
    fs.mkdir(&p("full/sub")).await.unwrap();
    put(&fs, "full/sub/f", b"deep").await;
    put(&fs, "full/g", b"shallow").await;
    let r = fs.rename(&p("full"), &p("moved")).await;
    if caps.dir_rename {
        r.unwrap();
        assert_eq!(get(&fs, "moved/sub/f").await, b"deep");
        assert_eq!(get(&fs, "moved/g").await, b"shallow");
        err(fs.stat(&p("full")).await, FsError::NotFound, "old name gone");
    } else {
        unsupported(r, "renaming a non-empty directory");
        assert_eq!(get(&fs, "full/sub/f").await, b"deep");
        err(fs.stat(&p("moved")).await, FsError::NotFound, "nothing created");
    }

    // Into itself: refused.
    invalid(fs.rename(&p("renamed"), &p("renamed/inside")).await, "a directory into itself");
    // Over a file: not a directory.
    put(&fs, "plain", b"p").await;
    err(fs.rename(&p("renamed"), &p("plain")).await, FsError::NotADirectory, "directory over a file");
    // Over an empty directory: replaced.
    fs.mkdir(&p("target")).await.unwrap();
    fs.rename(&p("renamed"), &p("target")).await.unwrap();
    err(fs.stat(&p("renamed")).await, FsError::NotFound, "old name gone");
    assert!(fs.stat(&p("target")).await.unwrap().is_dir());
    // Over a non-empty directory: refused.
    fs.mkdir(&p("e2")).await.unwrap();
    fs.mkdir(&p("busy")).await.unwrap();
    put(&fs, "busy/x", b"x").await;
    let r = fs.rename(&p("e2"), &p("busy")).await;
    assert!(matches!(r, Err(FsError::DirectoryNotEmpty | FsError::AlreadyExists)), "{r:?}");
    assert_eq!(get(&fs, "busy/x").await, b"x");
    assert!(fs.stat(&p("e2")).await.unwrap().is_dir());
}

async fn copy_files(fs: Arc<dyn Fs>) {
    let data = pattern(700_000, 5);
    put(&fs, "src", &data).await;
    fs.mkdir(&p("d")).await.unwrap();
    assert_eq!(fs.copy_file(&p("src"), &p("d/copy")).await.unwrap(), data.len() as u64);
    assert_eq!(get(&fs, "d/copy").await, data);
    assert_eq!(get(&fs, "src").await, data, "the source stays");
    // Over an existing file: replaced.
    put(&fs, "other", b"short").await;
    assert_eq!(fs.copy_file(&p("other"), &p("d/copy")).await.unwrap(), 5);
    assert_eq!(get(&fs, "d/copy").await, b"short");
    // Errors.
    err(fs.copy_file(&p("nope"), &p("x")).await, FsError::NotFound, "copy missing");
    err(fs.copy_file(&p("d"), &p("x")).await, FsError::IsADirectory, "copy a directory");
    err(fs.copy_file(&p("src"), &p("missing/x")).await, FsError::NotFound, "into a missing directory");
    err(fs.copy_file(&p("src"), &p("d")).await, FsError::IsADirectory, "onto a directory");
    assert_eq!(names(&fs, "").await, ["d", "other", "src"]);
}

async fn hashes(fs: Arc<dyn Fs>) {
    put(&fs, "pw", b"password").await;
    let pw = p("pw");
    let h = |a| fs.hash(&pw, a);
    assert_eq!(h(HashAlgo::Md5).await.unwrap(), "5f4dcc3b5aa765d61d8327deb882cf99");
    assert_eq!(h(HashAlgo::Sha1).await.unwrap(), "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8");
    assert_eq!(h(HashAlgo::Sha256).await.unwrap(), "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
    assert_eq!(h(HashAlgo::Crc32).await.unwrap(), "35c246d5");
    put(&fs, "empty", b"").await;
    assert_eq!(fs.hash(&p("empty"), HashAlgo::Md5).await.unwrap(), "d41d8cd98f00b204e9800998ecf8427e");
    // More than one read chunk.
    let data = pattern(1_000_000, 6);
    put(&fs, "big", &data).await;
    let mut h = wharf_vfs::digest::Hasher::new(HashAlgo::Sha512);
    h.update(&data);
    assert_eq!(fs.hash(&p("big"), HashAlgo::Sha512).await.unwrap(), h.finish_hex());
    err(fs.hash(&p("nope"), HashAlgo::Md5).await, FsError::NotFound, "hash missing");
}

async fn attributes_follow_capabilities(fs: Arc<dyn Fs>) {
    let caps = fs.capabilities();
    put(&fs, "f", b"0123456789").await;
    let f = p("f");

    let r = fs.set_mode(&f, 0o600).await;
    if caps.chmod {
        r.unwrap();
        assert_eq!(fs.stat(&f).await.unwrap().mode & 0o777, 0o600);
    } else {
        unsupported(r, "chmod");
    }

    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let r = fs.set_times(&f, when, when).await;
    if caps.chtimes {
        r.unwrap();
        let m = fs.stat(&f).await.unwrap();
        assert_eq!(m.mtime, when);
    } else {
        unsupported(r, "chtimes");
    }

    let r = fs.truncate(&f, 4).await;
    if caps.truncate {
        r.unwrap();
        assert_eq!(get(&fs, "f").await, b"0123");
        fs.truncate(&f, 6).await.unwrap();
        assert_eq!(get(&fs, "f").await, b"0123\0\0");
    } else {
        unsupported(r, "truncate");
        assert_eq!(get(&fs, "f").await, b"0123456789");
    }

    if !caps.chown {
        unsupported(fs.set_owner(&f, 1, 1).await, "chown");
    }

    let r = fs.statvfs(&RelPath::root()).await;
    if caps.statvfs {
        let s = r.unwrap();
        assert!(s.blocks > 0 && s.block_size > 0);
    } else {
        unsupported(r, "statvfs");
    }

    let r = fs.symlink("f", &p("link")).await;
    if caps.symlinks {
        r.unwrap();
        assert_eq!(fs.readlink(&p("link")).await.unwrap(), "f");
        assert!(fs.lstat(&p("link")).await.unwrap().is_symlink());
        assert!(fs.stat(&p("link")).await.unwrap().is_file());
        assert_eq!(list_all(&fs, "", 10).await["link"].kind, FileKind::Symlink);
        fs.remove(&p("link")).await.unwrap();
        assert!(fs.stat(&f).await.unwrap().is_file(), "removing a link keeps its target");
    } else {
        unsupported(r, "symlink");
        unsupported(fs.readlink(&f).await, "readlink");
    }

    let r = fs.hardlink(&f, &p("hard")).await;
    if caps.hardlinks {
        r.unwrap();
        assert_eq!(get(&fs, "hard").await, get(&fs, "f").await);
    } else {
        unsupported(r, "hardlink");
        err(fs.stat(&p("hard")).await, FsError::NotFound, "nothing created");
    }
}
