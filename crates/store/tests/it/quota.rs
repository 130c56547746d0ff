//! Usage counters through the store: exact under concurrency, resets, and quota scans after a load.

use std::sync::Arc;

use serde_json::json;
use wharf_model::{BackupData, Folder, Kind, User};
use wharf_store::scan::LocalQuotaScanner;
use wharf_store::{LoadOptions, ScanQuota, StoreError};

use crate::build;
use crate::support::{ALL, Engine, new_store};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_quota_updates_are_exact() {
    const TASKS: i64 = 12;
    const EACH: i64 = 20;
    for engine in ALL {
        let (_db, store) = new_store(engine).await;
        store.add(build::folder("f")).await.unwrap();
        store.add(build::user_with("u", &["f"], &[], "")).await.unwrap();
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..EACH {
                    store.update_user_quota("u", t + 1, 1, false).await.unwrap();
                    store.update_folder_quota("f", 10, 1, false).await.unwrap();
                    store.update_transfer_quota("u", i, 2, false).await.unwrap();
                }
            }));
        }
        // Meanwhile, the user object itself is updated: counters must not be overwritten.
        for n in 0..5 {
            let mut u = store.get::<User>("u").await.unwrap();
            u.description = format!("edit {n}");
            u.password.clear();
            store.update(u).await.unwrap();
        }
        for t in tasks {
            t.await.unwrap();
        }
        let u = store.get::<User>("u").await.unwrap();
        assert_eq!(u.used_quota_size, EACH * (1..=TASKS).sum::<i64>(), "{engine:?}");
        assert_eq!(u.used_quota_files, TASKS * EACH, "{engine:?}");
        assert_eq!(u.used_upload_data_transfer, TASKS * (0..EACH).sum::<i64>(), "{engine:?}");
        assert_eq!(u.used_download_data_transfer, TASKS * EACH * 2, "{engine:?}");
        assert!(u.last_quota_update > 0, "{engine:?}");
        assert_eq!(u.description, "edit 4", "{engine:?}");
        let f = store.get::<Folder>("f").await.unwrap();
        assert_eq!((f.used_quota_size, f.used_quota_files), (TASKS * EACH * 10, TASKS * EACH), "{engine:?}");
        // The mapping shows the folder's usage too.
        let hydrated = store.user("u").await.unwrap();
        assert_eq!(hydrated.virtual_folders[0].used_quota_files, TASKS * EACH, "{engine:?}");

        // Resets set exact values.
        store.update_user_quota("u", 7, 3, true).await.unwrap();
        store.update_transfer_quota("u", 0, 0, true).await.unwrap();
        store.update_folder_quota("f", 0, 0, true).await.unwrap();
        let u = store.get::<User>("u").await.unwrap();
        assert_eq!((u.used_quota_size, u.used_quota_files), (7, 3), "{engine:?}");
        assert_eq!((u.used_upload_data_transfer, u.used_download_data_transfer), (0, 0), "{engine:?}");
        let f = store.get::<Folder>("f").await.unwrap();
        assert_eq!((f.used_quota_size, f.used_quota_files), (0, 0), "{engine:?}");
        // Negative deltas (deleted files) subtract.
        store.update_user_quota("u", -2, -1, false).await.unwrap();
        let u = store.get::<User>("u").await.unwrap();
        assert_eq!((u.used_quota_size, u.used_quota_files), (5, 2), "{engine:?}");

        for err in [
            store.update_user_quota("ghost", 1, 1, false).await.unwrap_err(),
            store.update_transfer_quota("ghost", 1, 1, false).await.unwrap_err(),
            store.update_folder_quota("ghost", 1, 1, false).await.unwrap_err(),
        ] {
            assert!(matches!(err, StoreError::NotFound { .. }), "{engine:?}: {err}");
            assert!(err.to_string().contains("ghost"), "{engine:?}: {err}");
        }
        store.backend().close().await;
    }
}

fn write(path: &std::path::Path, bytes: usize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, vec![b'x'; bytes]).unwrap();
}

/// A dump whose users and folders live in `root`, with some used quota recorded in it.
fn local_dump(root: &std::path::Path) -> BackupData {
    let r = root.display();
    let user = |name: &str, quota_files: i64, folders: serde_json::Value| {
        json!({
            "status": 1, "username": name, "password": "{MD5}5f4dcc3b5aa765d61d8327deb882cf99",
            "home_dir": format!("{r}/home/{name}"), "permissions": {"/": ["*"]},
            "quota_files": quota_files, "used_quota_size": 999, "used_quota_files": 99,
            "virtual_folders": folders, "filesystem": {"provider": 0}
        })
    };
    let v = json!({
        "users": [
            user("limited", 100, json!([
                {"name": "inside", "virtual_path": "/in", "quota_size": -1, "quota_files": -1},
                {"name": "outside", "virtual_path": "/out", "quota_size": 0, "quota_files": 0}
            ])),
            user("free", 0, json!([])),
            {
                "status": 1, "username": "cloud", "home_dir": "/tmp/cloud", "permissions": {"/": ["*"]},
                "quota_size": 10, "used_quota_size": 5,
                "filesystem": {"provider": 2, "gcsconfig": {"bucket": "b", "automatic_credentials": 1}}
            }
        ],
        "folders": [
            {"name": "inside", "mapped_path": format!("{r}/folders/inside"), "used_quota_size": 77, "used_quota_files": 7},
            {"name": "outside", "mapped_path": format!("{r}/folders/outside"), "used_quota_size": 88, "used_quota_files": 8}
        ],
        "version": 17
    });
    // Names are normalised (trimmed) when stored: the scan must find the stored user.
    let mut v = v;
    v["users"][1]["username"] = json!("  free ");
    BackupData::from_json(&serde_json::to_vec(&v).unwrap(), usize::MAX).unwrap()
}

fn populate(root: &std::path::Path) {
    write(&root.join("home/limited/a.txt"), 100);
    write(&root.join("home/limited/sub/b.txt"), 50);
    write(&root.join("home/free/c.txt"), 10);
    write(&root.join("folders/inside/d.txt"), 1000);
    write(&root.join("folders/outside/e.txt"), 5);
    write(&root.join("folders/outside/deep/f.txt"), 6);
}

#[tokio::test]
async fn quota_scans_after_a_load() {
    let root = tempfile::tempdir().unwrap();
    populate(root.path());
    let scanner: Arc<dyn wharf_store::QuotaScanner> = Arc::new(LocalQuotaScanner);
    for engine in [Engine::Memory, Engine::Sqlite] {
        let quota = |store: &wharf_store::Store, user: bool, name: &'static str| {
            let store = store.clone();
            async move {
                if user {
                    let u = store.get::<User>(name).await.unwrap();
                    (u.used_quota_size, u.used_quota_files)
                } else {
                    let f = store.get::<Folder>(name).await.unwrap();
                    (f.used_quota_size, f.used_quota_files)
                }
            }
        };

        // No scan: the dump's numbers.
        let (_db, store) = new_store(engine).await;
        let report = store.load(local_dump(root.path()), &LoadOptions::default()).await.unwrap();
        assert!(report.scan_errors.is_empty());
        assert_eq!(quota(&store, true, "limited").await, (999, 99), "{engine:?}");
        assert_eq!(quota(&store, false, "inside").await, (77, 7), "{engine:?}");

        // Scan everything: the home plus the folders included in the user quota; folders alone.
        let (_db, store) = new_store(engine).await;
        let opts = LoadOptions { scan: ScanQuota::All, scanner: Some(scanner.clone()), ..LoadOptions::default() };
        let report = store.load(local_dump(root.path()), &opts).await.unwrap();
        assert_eq!(quota(&store, true, "limited").await, (150 + 1000, 3), "{engine:?}");
        assert_eq!(quota(&store, true, "free").await, (10, 1), "{engine:?}");
        assert_eq!(quota(&store, false, "inside").await, (1000, 1), "{engine:?}");
        assert_eq!(quota(&store, false, "outside").await, (11, 2), "{engine:?}");
        assert!(store.get::<User>("limited").await.unwrap().last_quota_update > 0, "{engine:?}");
        // A provider that cannot be scanned is reported, the load itself succeeded.
        assert_eq!(report.scan_errors.len(), 1, "{engine:?}: {:?}", report.scan_errors);
        assert!(report.scan_errors[0].contains("cloud"), "{engine:?}: {:?}", report.scan_errors);
        assert_eq!(quota(&store, true, "cloud").await, (5, 0), "{engine:?}");

        // Only users with limits (and, as in SFTPGo, every folder).
        let (_db, store) = new_store(engine).await;
        let opts =
            LoadOptions { scan: ScanQuota::WithLimits, scanner: Some(scanner.clone()), ..LoadOptions::default() };
        store.load(local_dump(root.path()), &opts).await.unwrap();
        assert_eq!(quota(&store, true, "limited").await, (1150, 3), "{engine:?}");
        assert_eq!(quota(&store, true, "free").await, (999, 99), "{engine:?}: no limits, not scanned");
        assert_eq!(quota(&store, false, "outside").await, (11, 2), "{engine:?}");
        assert_eq!(store.counts().await.unwrap()[&Kind::User], 3, "{engine:?}");

        // A scan needs a scanner.
        let opts = LoadOptions { scan: ScanQuota::All, ..LoadOptions::default() };
        assert!(store.load(local_dump(root.path()), &opts).await.is_err(), "{engine:?}");
        store.backend().close().await;
    }
}

#[test]
fn load_modes_and_scan_modes_from_integers() {
    use wharf_store::LoadMode;
    assert_eq!(LoadMode::from_int(0).unwrap(), LoadMode::AddAndUpdate);
    assert_eq!(LoadMode::from_int(1).unwrap(), LoadMode::AddOnly);
    assert_eq!(LoadMode::from_int(2).unwrap(), LoadMode::AddUpdateDisconnect);
    assert!(LoadMode::from_int(3).unwrap_err().to_string().contains('3'));
    assert_eq!(ScanQuota::from_int(2).unwrap(), ScanQuota::WithLimits);
    assert!(ScanQuota::from_int(-1).is_err());
}
