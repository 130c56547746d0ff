//! Unit tests of the object-store backend: key layout, buffering bounds, and what it refuses.
//! The behaviour shared with other backends is checked by the conformance suite (tests/it).

use std::sync::Arc;

use bytes::Bytes;
use object_store::memory::InMemory;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

use super::*;
use crate::fs::HashAlgo;

fn rel(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

async fn put(fs: &ObjectStoreFs, path: &str, data: &[u8]) {
    let w = fs.open_write(&rel(path), WriteOptions::replace()).await.unwrap();
    w.write_at(0, Bytes::copy_from_slice(data)).await.unwrap();
    w.finish().await.unwrap();
}

async fn raw_keys(store: &Arc<dyn ObjectStore>) -> Vec<String> {
    use futures_util::TryStreamExt as _;
    let mut keys: Vec<String> =
        store.list(None).map_ok(|m| m.location.as_ref().to_owned()).try_collect().await.unwrap();
    keys.sort();
    keys
}

async fn names(fs: &ObjectStoreFs, dir: &str) -> Vec<(String, FileKind)> {
    let mut l = fs.list(&rel(dir)).await.unwrap();
    let mut out = Vec::new();
    loop {
        let batch = l.next_batch(3).await.unwrap();
        if batch.is_empty() {
            break;
        }
        out.extend(batch.into_iter().map(|e| (e.name, e.metadata.kind)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Both listing modes: S3-like pages, and the store's full delimiter listing.
fn both(prefix: &str) -> [ObjectStoreFs; 2] {
    let mem = Arc::new(InMemory::new());
    let paged = ObjectStoreFs::new(mem.clone(), prefix).unwrap().with_paged_listing(Arc::new(MemoryPages::new(mem)));
    let full = ObjectStoreFs::new(Arc::new(InMemory::new()), prefix).unwrap();
    [paged, full]
}

#[tokio::test]
async fn keys_follow_sftpgo_layout_below_the_prefix() {
    for fs in both("/users/alice/") {
        fs.mkdir(&rel("docs")).await.unwrap();
        put(&fs, "docs/a b.txt", b"hello").await;
        fs.mkdir(&rel("docs/empty")).await.unwrap();
        assert_eq!(
            raw_keys(fs.store()).await,
            ["users/alice/docs/", "users/alice/docs/a b.txt", "users/alice/docs/empty/"]
        );
        assert_eq!(fs.object_key(&rel("docs/a b.txt")).unwrap(), "users/alice/docs/a b.txt");
        // Another prefix on the same store sees nothing of it.
        let other = ObjectStoreFs::new(fs.store().clone(), "users/bob").unwrap();
        assert_eq!(other.stat(&rel("docs")).await, Err(FsError::NotFound));
        assert!(other.list(&RelPath::root()).await.unwrap().next_batch(10).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn reads_a_bucket_written_by_sftpgo() {
    for fs in both("pfx") {
        let store = fs.store().clone();
        let p = |s: &str| ObjPath::parse(s).unwrap();
        // An explicit marker, an implicit directory (keys below, no marker), nested.
        store.put(&p("pfx/marked").join(""), PutPayload::new()).await.unwrap();
        store.put(&p("pfx/implicit/deep/f.txt"), PutPayload::from_static(b"12345")).await.unwrap();
        store.put(&p("pfx/top.bin"), PutPayload::from_static(b"x")).await.unwrap();
        assert_eq!(
            names(&fs, "").await,
            [
                ("implicit".to_owned(), FileKind::Dir),
                ("marked".to_owned(), FileKind::Dir),
                ("top.bin".to_owned(), FileKind::File)
            ]
        );
        assert!(fs.stat(&rel("marked")).await.unwrap().is_dir());
        assert!(fs.stat(&rel("implicit")).await.unwrap().is_dir());
        assert!(fs.stat(&rel("implicit/deep")).await.unwrap().is_dir());
        assert_eq!(fs.stat(&rel("implicit/deep/f.txt")).await.unwrap().size, 5);
        assert!(names(&fs, "marked").await.is_empty());
        assert_eq!(names(&fs, "implicit").await, [("deep".to_owned(), FileKind::Dir)]);
        // An implicit directory vanishes with its last key; a marked one stays.
        fs.remove(&rel("implicit/deep/f.txt")).await.unwrap();
        assert_eq!(fs.stat(&rel("implicit")).await, Err(FsError::NotFound));
        let w = fs.open_write(&rel("marked/f"), WriteOptions::replace()).await.unwrap();
        w.finish().await.unwrap();
        fs.remove(&rel("marked/f")).await.unwrap();
        assert!(fs.stat(&rel("marked")).await.unwrap().is_dir());
    }
}

#[tokio::test]
async fn metadata_is_fixed_modes_and_last_modified() {
    let fs = ObjectStoreFs::in_memory();
    let before = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    put(&fs, "f", b"abc").await;
    fs.mkdir(&rel("d")).await.unwrap();
    let f = fs.stat(&rel("f")).await.unwrap();
    assert_eq!((f.kind, f.size, f.mode, f.uid, f.gid), (FileKind::File, 3, 0o644, 0, 0));
    assert!(f.mtime >= before && f.atime == f.mtime);
    let d = fs.stat(&rel("d")).await.unwrap();
    assert_eq!((d.kind, d.size, d.mode), (FileKind::Dir, 0, 0o755));
    assert!(d.mtime >= before, "a marked directory is dated by its marker");
    assert_eq!(fs.lstat(&rel("f")).await.unwrap(), f);
    let root = fs.stat(&RelPath::root()).await.unwrap();
    assert!(root.is_dir());
    assert_eq!(fs.mkdir(&RelPath::root()).await, Err(FsError::AlreadyExists));
    assert!(matches!(fs.rmdir(&RelPath::root()).await, Err(FsError::InvalidInput(_))));
    assert_eq!(fs.capabilities(), Capabilities::OBJECT_STORE);
    assert_eq!(fs.name(), "memory-object-store");
}

#[tokio::test]
async fn names_the_store_cannot_hold_are_invalid_input() {
    let fs = ObjectStoreFs::in_memory();
    let bad = rel("new\nline");
    assert!(matches!(fs.stat(&bad).await, Err(FsError::InvalidInput(_))));
    assert!(matches!(fs.open_write(&bad, WriteOptions::replace()).await, Err(FsError::InvalidInput(_))));
    assert!(matches!(fs.mkdir(&bad).await, Err(FsError::InvalidInput(_))));
    assert!(ObjectStoreFs::new(Arc::new(InMemory::new()), "a//b").is_err());
}

#[tokio::test]
async fn refuses_partial_rewrites_and_read_write_opens() {
    let fs = ObjectStoreFs::in_memory();
    put(&fs, "f", b"12345").await;
    let f = rel("f");
    let resume = WriteOptions { create: true, start_offset: 5, ..WriteOptions::default() };
    assert!(matches!(fs.open_write(&f, resume).await, Err(FsError::Unsupported(_))));
    let in_place = WriteOptions { create: true, ..WriteOptions::default() };
    assert!(matches!(fs.open_write(&f, in_place).await, Err(FsError::Unsupported(_))));
    let rw = WriteOptions { read: true, ..WriteOptions::replace() };
    assert!(matches!(fs.open_write(&f, rw).await, Err(FsError::Unsupported(_))));
    // Without truncate on a missing or empty object there is nothing to keep: allowed.
    assert!(fs.open_write(&rel("new"), in_place).await.is_ok());
    let w = fs.open_write(&rel("f"), WriteOptions::replace()).await.unwrap();
    assert!(matches!(w.read_at(0, 1).await, Err(FsError::Unsupported(_))));
    w.abort().await;
    assert_eq!(fs.stat(&f).await.unwrap().size, 5, "an aborted upload leaves the old object");
}

/// A 64 MiB upload in 32 KiB writes never holds more than one part: memory per writer does not grow
/// with the file size.
#[tokio::test]
async fn upload_memory_is_bounded_by_the_part_size() {
    const CHUNK: usize = 32 * 1024;
    const TOTAL: usize = 64 * 1024 * 1024;
    let fs = ObjectStoreFs::in_memory();
    let w = fs.open_object_writer(&rel("big.bin"), WriteOptions::replace()).await.unwrap();
    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
    let chunk = Bytes::from(chunk);
    let mut offset = 0u64;
    let mut max_seen = 0;
    while (offset as usize) < TOTAL {
        w.write_at(offset, chunk.clone()).await.unwrap();
        offset += CHUNK as u64;
        max_seen = max_seen.max(w.buffered().await);
    }
    let peak = w.peak_buffered().await;
    assert!(peak <= DEFAULT_PART_SIZE + CHUNK, "peak {peak}");
    assert!(peak <= DEFAULT_PART_SIZE, "the buffer never exceeds one part: {peak}");
    assert!(max_seen <= peak);
    // 64 MiB = 12 full parts of 5 MiB, the 13th is sent by finish.
    assert_eq!(w.parts_sent().await, TOTAL / DEFAULT_PART_SIZE);
    assert_eq!(fs.stat(&rel("big.bin")).await, Err(FsError::NotFound), "invisible until finish");
    assert_eq!(Box::new(w).finish().await.unwrap(), TOTAL as u64);
    assert_eq!(fs.stat(&rel("big.bin")).await.unwrap().size, TOTAL as u64);
    let r = fs.open_read(&rel("big.bin")).await.unwrap();
    let tail = r.read_at((TOTAL - 10) as u64, 100).await.unwrap();
    let expect: Vec<u8> = (CHUNK - 10..CHUNK).map(|i| (i % 251) as u8).collect();
    assert_eq!(&tail[..], &expect[..]);
}

#[tokio::test]
async fn one_large_write_is_split_into_parts() {
    let fs = ObjectStoreFs::in_memory().with_part_size(1000);
    let w = fs.open_object_writer(&rel("f"), WriteOptions::replace()).await.unwrap();
    w.write_at(0, Bytes::from(vec![7u8; 4500])).await.unwrap();
    assert_eq!(w.parts_sent().await, 4);
    assert!(w.peak_buffered().await <= 1000);
    assert!(matches!(w.write_at(10, Bytes::from_static(b"x")).await, Err(FsError::InvalidInput(_))));
    w.write_at(4500, Bytes::from_static(b"end")).await.unwrap();
    assert_eq!(Box::new(w).finish().await.unwrap(), 4503);
    assert_eq!(fs.hash(&rel("f"), HashAlgo::Md5).await.unwrap().len(), 32);
    let r = fs.open_read(&rel("f")).await.unwrap();
    assert_eq!(&r.read_at(4499, 10).await.unwrap()[..], b"\x07end");
}

#[tokio::test]
async fn aborting_a_multipart_upload_leaves_no_key() {
    let fs = ObjectStoreFs::in_memory().with_part_size(1000);
    let w = fs.open_write(&rel("f"), WriteOptions::replace()).await.unwrap();
    w.write_at(0, Bytes::from(vec![1u8; 3500])).await.unwrap();
    w.abort().await;
    assert!(raw_keys(fs.store()).await.is_empty());
}

#[tokio::test]
async fn sequential_reads_fetch_ahead_within_a_bound() {
    const MIB: usize = 1024 * 1024;
    let fs = ObjectStoreFs::in_memory();
    let data: Vec<u8> = (0..3 * MIB).map(|i| (i % 253) as u8).collect();
    put(&fs, "f", &data).await;
    let r = fs.open_object_reader(&rel("f")).await.unwrap();
    let mut out = Vec::new();
    let mut offset = 0u64;
    loop {
        let b = r.read_at(offset, 32 * 1024).await.unwrap();
        if b.is_empty() {
            break;
        }
        offset += b.len() as u64;
        out.extend_from_slice(&b);
    }
    assert_eq!(out, data);
    assert_eq!(r.fetches(), 3, "one GET per MiB of read-ahead");
    assert!(r.peak_buffered() <= DEFAULT_READ_AHEAD);
    // A far random read is fetched alone.
    let before = r.fetches();
    assert_eq!(&r.read_at(100, 4).await.unwrap()[..], &data[100..104]);
    assert_eq!(r.fetches(), before + 1);
    // Reads larger than the read-ahead bypass the buffer.
    assert_eq!(r.read_at(0, 2 * MIB).await.unwrap().len(), 2 * MIB);
    assert!(r.peak_buffered() <= DEFAULT_READ_AHEAD);
}

#[tokio::test]
async fn a_file_replaced_during_a_read_fails_the_read() {
    let fs = ObjectStoreFs::in_memory().with_read_ahead(0);
    put(&fs, "f", b"first version").await;
    let r = fs.open_read(&rel("f")).await.unwrap();
    assert_eq!(&r.read_at(0, 5).await.unwrap()[..], b"first");
    put(&fs, "f", b"second version").await;
    assert!(matches!(r.read_at(5, 5).await, Err(FsError::Failure(_))));
}

#[tokio::test]
async fn paged_listing_holds_one_batch() {
    let mem = Arc::new(InMemory::new());
    let fs = ObjectStoreFs::new(mem.clone(), "").unwrap().with_paged_listing(Arc::new(MemoryPages::new(mem)));
    fs.mkdir(&rel("d")).await.unwrap();
    for i in 0..250 {
        fs.store().put(&ObjPath::parse(format!("d/f{i:03}")).unwrap(), PutPayload::new()).await.unwrap();
    }
    for i in 0..5 {
        fs.store().put(&ObjPath::parse(format!("d/sub{i}/x/y")).unwrap(), PutPayload::new()).await.unwrap();
    }
    let key = ObjPath::parse("d").unwrap();
    let mut l = ObjectLister::paged(Arc::new(MemoryPages::new(Arc::new(InMemory::new()))), key.clone());
    assert!(l.next_batch(10).await.unwrap().is_empty(), "an empty store lists nothing");
    let mut l = fs.list(&rel("d")).await.unwrap();
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let batch = l.next_batch(40).await.unwrap();
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= 40);
        for e in batch {
            assert!(seen.insert(e.name), "no duplicates across pages");
        }
    }
    assert_eq!(seen.len(), 255);
    assert!(seen.contains("sub4") && seen.contains("f249") && !seen.contains("d"));
}

#[tokio::test]
async fn memory_pages_behave_as_s3() {
    use object_store::list::{PaginatedListOptions, PaginatedListStore as _};
    let mem = Arc::new(InMemory::new());
    let pages = MemoryPages::new(mem.clone());
    for k in ["a/", "a/x", "a/y/", "a/y/z", "b"] {
        let path = match k.strip_suffix('/') {
            Some(d) => ObjPath::parse(d).unwrap().join(""),
            None => ObjPath::parse(k).unwrap(),
        };
        mem.put(&path, PutPayload::new()).await.unwrap();
    }
    let opts = |max, token| PaginatedListOptions {
        delimiter: Some("/".into()),
        max_keys: Some(max),
        page_token: token,
        ..PaginatedListOptions::default()
    };
    let top = pages.list_paginated(None, opts(10, None)).await.unwrap();
    let cps: Vec<_> = top.result.common_prefixes.iter().map(|p| p.as_ref().to_owned()).collect();
    let objs: Vec<_> = top.result.objects.iter().map(|o| o.location.as_ref().to_owned()).collect();
    assert_eq!((cps, objs), (vec!["a".to_owned()], vec!["b".to_owned()]));
    // Inside a/: its own marker comes back as an object named like the prefix (trailing / stripped).
    let first = pages.list_paginated(Some("a/"), opts(2, None)).await.unwrap();
    let objs: Vec<_> = first.result.objects.iter().map(|o| o.location.as_ref().to_owned()).collect();
    assert_eq!(objs, ["a", "a/x"]);
    let second = pages.list_paginated(Some("a/"), opts(2, first.page_token)).await.unwrap();
    assert_eq!(second.result.common_prefixes, [ObjPath::parse("a/y").unwrap()]);
    assert!(second.result.objects.is_empty() && second.page_token.is_none());
}
