//! Several OS processes on one database file. The test binary runs itself again as the workers:
//! a worker test does nothing unless its environment variable tells it what to do.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use wharf_model::{Folder, User};
use wharf_store::{Driver, ProviderTarget, Store};

use crate::build;
use crate::support::{default_kms, fast_settings};

const SQLITE_WORKER: &str = "WHARF_TEST_SQLITE_WORKER";
const KV_WORKER: &str = "WHARF_TEST_KV_WORKER";
const PROCESSES: usize = 6;
const INCREMENTS: i64 = 200;
/// Wall-clock bound for all the workers together.
const TIME_LIMIT: Duration = Duration::from_secs(90);

fn target(driver: Driver, path: &Path) -> ProviderTarget {
    ProviderTarget { driver, path: Some(path.to_owned()), url: None, pool_size: 0, table_prefix: String::new() }
}

/// Starts this test binary again, running only `test`, with `env` set.
async fn spawn_worker(test: &str, env: (&str, String)) -> tokio::process::Child {
    tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(env.0, env.1)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn finish(child: tokio::process::Child) -> (bool, String) {
    let out = child.wait_with_output().await.unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The worker: `<sqlite file>|<increments>|<worker number>`.
#[tokio::test]
async fn sqlite_quota_worker() {
    let Ok(spec) = std::env::var(SQLITE_WORKER) else { return };
    let mut parts = spec.split('|');
    let path = PathBuf::from(parts.next().unwrap());
    let increments: i64 = parts.next().unwrap().parse().unwrap();
    let me: usize = parts.next().unwrap().parse().unwrap();
    let store = Store::open(&target(Driver::Sqlite, &path), default_kms(), fast_settings()).await.unwrap();
    store.check_schema().await.unwrap();
    for i in 0..increments {
        store.update_user_quota("shared", 1, 1, false).await.unwrap();
        store.update_folder_quota("common", 2, 1, false).await.unwrap();
        store.update_transfer_quota("shared", 3, 4, false).await.unwrap();
        // Transactions that insert and update objects run between the counter updates.
        if i % 40 == 0 {
            let name = format!("w{me}-{i}");
            store.add(build::user(&name)).await.unwrap();
            let mut u = store.get::<User>(&name).await.unwrap();
            u.description = "updated by a worker".into();
            u.password.clear();
            store.update(u).await.unwrap();
        }
    }
    store.backend().close().await;
    println!("worker {me} done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_share_one_sqlite_file_without_losing_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let store = Store::open(&target(Driver::Sqlite, &path), default_kms(), fast_settings()).await.unwrap();
    store.init().await.unwrap();
    store.add(build::folder("common")).await.unwrap();
    store.add(build::user_with("shared", &["common"], &[], "")).await.unwrap();

    let mut children = Vec::new();
    for n in 0..PROCESSES {
        let spec = format!("{}|{INCREMENTS}|{n}", path.display());
        children.push(spawn_worker("multiprocess::sqlite_quota_worker", (SQLITE_WORKER, spec)).await);
    }
    let results = tokio::time::timeout(TIME_LIMIT, futures_util::future::join_all(children.into_iter().map(finish)))
        .await
        .expect("the workers did not finish in time");
    for (n, (ok, output)) in results.into_iter().enumerate() {
        assert!(ok, "worker {n} failed:\n{output}");
        assert!(output.contains(&format!("worker {n} done")), "worker {n} did not run:\n{output}");
        assert!(!output.contains("database is locked"), "worker {n}:\n{output}");
    }

    let total = i64::try_from(PROCESSES).unwrap() * INCREMENTS;
    let u = store.get::<User>("shared").await.unwrap();
    assert_eq!((u.used_quota_size, u.used_quota_files), (total, total));
    assert_eq!((u.used_upload_data_transfer, u.used_download_data_transfer), (3 * total, 4 * total));
    let f = store.get::<Folder>("common").await.unwrap();
    assert_eq!((f.used_quota_size, f.used_quota_files), (2 * total, total));
    let users = store.list::<User>(Default::default()).await.unwrap();
    let per_worker = usize::try_from((INCREMENTS + 39) / 40).unwrap();
    assert_eq!(users.len(), 1 + PROCESSES * per_worker);
    let mut ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), users.len(), "ids are unique across processes");
    assert!(users.iter().filter(|u| u.username != "shared").all(|u| u.description == "updated by a worker"));
    store.backend().close().await;
}

/// The worker: `<redb file>|locked` expects the file to be in use, `<redb file>|free` opens it.
#[tokio::test]
async fn kv_open_worker() {
    let Ok(spec) = std::env::var(KV_WORKER) else { return };
    let (path, expect) = spec.rsplit_once('|').unwrap();
    let result = Store::open(&target(Driver::Bolt, Path::new(path)), default_kms(), fast_settings()).await;
    match expect {
        "locked" => {
            let err = result.unwrap_err().to_string();
            assert!(err.contains("in use by another process"), "unexpected error: {err}");
            assert!(err.contains(path), "the error names the file: {err}");
            println!("kv worker: refused as expected");
        }
        _ => {
            let store = result.unwrap();
            assert!(store.find::<User>("owner").await.unwrap().is_some());
            println!("kv worker: opened");
        }
    }
}

#[tokio::test]
async fn the_kv_file_belongs_to_one_process_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wharf.redb");
    let store = Store::open(&target(Driver::Bolt, &path), default_kms(), fast_settings()).await.unwrap();
    store.init().await.unwrap();
    store.add(build::user("owner")).await.unwrap();

    let spec = format!("{}|locked", path.display());
    let child = spawn_worker("multiprocess::kv_open_worker", (KV_WORKER, spec)).await;
    let (ok, output) = tokio::time::timeout(TIME_LIMIT, finish(child)).await.unwrap();
    assert!(ok && output.contains("refused as expected"), "{output}");

    // Once this process lets go of the file, another one can open it.
    store.backend().close().await;
    drop(store);
    let spec = format!("{}|free", path.display());
    let child = spawn_worker("multiprocess::kv_open_worker", (KV_WORKER, spec)).await;
    let (ok, output) = tokio::time::timeout(TIME_LIMIT, finish(child)).await.unwrap();
    assert!(ok && output.contains("kv worker: opened"), "{output}");
}
