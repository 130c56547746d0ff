//! Session transfer benchmark: throughput of uploads and downloads through the policy layer, and the
//! memory an open transfer costs, on the local backend and on the object-store backend.
//!
//! `cargo run --release -p wharf-bench --bin transfer` prints one table from one run on this
//! machine. The peer is the same data written and read with plain `std::fs` calls in the same chunk
//! size, so the ratio is what the session layer (permissions, quota, hooks, accounting, containment)
//! costs. Memory is the growth of the process's peak resident set (`VmHWM`, reset through
//! `/proc/self/clear_refs`) during one transfer, for a small and a large file: it must not grow
//! with the file size.
//!
//! `--smoke` moves 8 and 72 MiB and checks the memory bound (used by `scripts/test`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;
use wharf_core::session::{
    Backends, ConnCtx, Protocol, Session, SessionEnv, SessionSettings, StandardBackends, UploadRequest,
};
use wharf_model::{User, VirtualFolder};
use wharf_secrets::kms::{Kms, KmsConfig};
use wharf_secrets::password::HashAlgo;
use wharf_store::backend::memory::MemoryBackend;
use wharf_store::{Driver, Settings, Store};
use wharf_vfs::objstore::ObjectStoreFs;
use wharf_vfs::{Fs, FsResult, Mount, RelPath};

/// SFTP clients write 32 KiB at a time.
const CHUNK: usize = 32 * 1024;

/// Object-store storage on a local directory (object_store's file system store), so that the data
/// itself is not in the process's memory.
#[derive(Debug)]
struct ObjectBackends;

#[async_trait]
impl Backends for ObjectBackends {
    async fn home(&self, user: &User) -> FsResult<Arc<dyn Fs>> {
        std::fs::create_dir_all(&user.home_dir).unwrap();
        let store = object_store::local::LocalFileSystem::new_with_prefix(&user.home_dir).unwrap();
        Ok(Arc::new(ObjectStoreFs::new(Arc::new(store), "")?))
    }
    async fn folder(&self, _user: &User, _folder: &VirtualFolder) -> FsResult<Arc<dyn Fs>> {
        unreachable!("no virtual folders here")
    }
    fn storage_path(&self, _user: &User, _mount: &Mount, rel: &RelPath) -> String {
        rel.to_string()
    }
}

/// Peak resident set size in KiB since the last reset.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Resets the peak resident set size to the current one.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

async fn session(backends: Arc<dyn Backends>, home: &std::path::Path) -> Arc<Session> {
    let store = Store::new(
        Arc::new(MemoryBackend::new()),
        Driver::Memory,
        Kms::new(KmsConfig::default()).unwrap(),
        Settings { hashing: HashAlgo::Bcrypt { cost: 4 }, ..Settings::default() },
    );
    store.init().await.unwrap();
    let mut user = User { username: "bench".into(), password: "pw".into(), status: 1, ..User::default() };
    user.home_dir = home.display().to_string();
    user.permissions.insert("/".into(), vec!["*".into()]);
    user.quota_size = 1 << 40; // quota tracked and checked on every write
    store.add(user).await.unwrap();
    let user = store.effective_user("bench").await.unwrap();
    let env = Arc::new(SessionEnv { store, settings: SessionSettings::default(), backends, hooks: None });
    let conn = ConnCtx { id: "bench".into(), protocol: Protocol::Sftp, ip: IpAddr::from([127, 0, 0, 1]) };
    Arc::new(Session::new(user, conn, env).await.unwrap())
}

/// Uploads `size` bytes; returns (seconds, peak RSS growth in KiB).
async fn upload(s: &Arc<Session>, path: &str, size: usize) -> (f64, u64) {
    let chunk = Bytes::from(vec![0x5a; CHUNK]);
    let base = peak_rss_kib();
    reset_peak();
    let t = Instant::now();
    let up = s.open_upload(path, UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
    let mut off = 0u64;
    while (off as usize) < size {
        up.write_at(off, chunk.clone()).await.unwrap();
        off += CHUNK as u64;
    }
    up.close().await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    (secs, peak_rss_kib().saturating_sub(base.min(peak_rss_kib())))
}

/// Downloads a file; returns (seconds, peak RSS growth in KiB).
async fn download(s: &Arc<Session>, path: &str, size: usize) -> (f64, u64) {
    let base = peak_rss_kib();
    reset_peak();
    let t = Instant::now();
    let d = s.open_download(path).await.unwrap();
    let mut off = 0u64;
    loop {
        let b = d.read_at(off, CHUNK).await.unwrap();
        if b.is_empty() {
            break;
        }
        off += b.len() as u64;
    }
    d.close(true).await;
    assert_eq!(off as usize, size);
    (t.elapsed().as_secs_f64(), peak_rss_kib().saturating_sub(base.min(peak_rss_kib())))
}

/// The peer: the same bytes with plain file calls.
fn plain(path: &std::path::Path, size: usize) -> (f64, f64) {
    let chunk = vec![0x5a; CHUNK];
    let t = Instant::now();
    let mut f = std::fs::File::create(path).unwrap();
    let mut n = 0;
    while n < size {
        f.write_all(&chunk).unwrap();
        n += CHUNK;
    }
    drop(f);
    let w = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut f = std::fs::File::open(path).unwrap();
    let mut buf = vec![0; CHUNK];
    while f.read(&mut buf).unwrap() > 0 {}
    (w, t.elapsed().as_secs_f64())
}

fn mib_s(size: usize, secs: f64) -> f64 {
    size as f64 / (1024.0 * 1024.0) / secs.max(1e-9)
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (small, large) = if smoke { (8 << 20, 72 << 20) } else { (16 << 20, 512 << 20) };
    let dir = tempfile::tempdir().unwrap();
    println!("transfer benchmark: {} KiB writes, files of {} and {} MiB", CHUNK / 1024, small >> 20, large >> 20);
    println!(
        "| backend | upload MiB/s | plain write MiB/s | ratio | download MiB/s | plain read MiB/s | ratio | peak RSS growth small/large (KiB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut worst_growth = 0i64;
    for (name, backends) in [
        ("local", Arc::new(StandardBackends::default()) as Arc<dyn Backends>),
        ("object store (files)", Arc::new(ObjectBackends) as Arc<dyn Backends>),
    ] {
        let home = dir.path().join(name.replace(' ', "_"));
        let s = session(backends, &home).await;
        let (_, up_small) = upload(&s, "/small", small).await;
        let (_, down_small) = download(&s, "/small", small).await;
        let (up_secs, up_large) = upload(&s, "/large", large).await;
        let (down_secs, down_large) = download(&s, "/large", large).await;
        let (pw, pr) = plain(&dir.path().join(format!("plain-{}", name.replace(' ', "_"))), large);
        let (up_rate, down_rate) = (mib_s(large, up_secs), mib_s(large, down_secs));
        let (pw_rate, pr_rate) = (mib_s(large, pw), mib_s(large, pr));
        println!(
            "| {name} | {up_rate:.0} | {pw_rate:.0} | {:.2} | {down_rate:.0} | {pr_rate:.0} | {:.2} | up {up_small}/{up_large}, down {down_small}/{down_large} |",
            up_rate / pw_rate,
            down_rate / pr_rate,
        );
        let growth = (up_large as i64 - up_small as i64).max(down_large as i64 - down_small as i64);
        worst_growth = worst_growth.max(growth);
    }
    // The large file is 64 MiB (smoke) or 496 MiB bigger than the small one: a transfer whose memory
    // followed the file size would grow by that much. The limit leaves room for what the allocator
    // keeps between transfers and for object-store buffers (a 5 MiB part, the read-ahead window).
    let limit_kib = 16 * 1024;
    println!("largest growth of peak RSS from the small to the large file: {worst_growth} KiB (limit {limit_kib} KiB)");
    if worst_growth > limit_kib {
        eprintln!("memory per transfer grows with the file size");
        std::process::exit(1);
    }
}
