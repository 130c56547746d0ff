//! The memory driver filled from a dump file, and its reload (SIGHUP in SFTPGo).

use serde_json::{Value, json};
use wharf_model::{Kind, User};
use wharf_store::{Driver, ProviderTarget, Store, StoreError};

use crate::support::{default_kms, fast_settings};

const FIXTURE: &str = include_str!("fixtures/sftpgo_dump.json");

fn target(path: Option<std::path::PathBuf>) -> ProviderTarget {
    ProviderTarget { driver: Driver::Memory, path, url: None, pool_size: 0, table_prefix: String::new() }
}

fn write_json(path: &std::path::Path, v: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

async fn users(store: &Store) -> Vec<String> {
    store.list::<User>(Default::default()).await.unwrap().into_iter().map(|u| u.username).collect()
}

#[tokio::test]
async fn the_memory_driver_loads_and_reloads_its_dump_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.json");
    std::fs::write(&path, FIXTURE).unwrap();
    let store = Store::open(&target(Some(path.clone())), default_kms(), fast_settings()).await.unwrap();
    assert_eq!(store.driver(), Driver::Memory);
    assert_eq!(users(&store).await, ["alice", "bob", "carol", "dave", "erin"]);
    assert_eq!(store.counts().await.unwrap()[&Kind::Folder], 3);
    let alice = store.get::<User>("alice").await.unwrap();
    assert_eq!(alice.used_quota_size, 2048);

    // A rewritten file replaces everything on reload, including objects removed from it.
    let mut v: Value = serde_json::from_str(FIXTURE).unwrap();
    v["users"][1]["description"] = json!("reloaded");
    let users_list = v["users"].as_array_mut().unwrap();
    users_list.remove(4); // erin
    write_json(&path, &v);
    store.reload_memory_dump().await.unwrap();
    assert_eq!(users(&store).await, ["alice", "bob", "carol", "dave"]);
    assert_eq!(store.get::<User>("bob").await.unwrap().description, "reloaded");
    // Changes made since the last load are dropped by a reload: the file is the source of truth.
    store.update_user_quota("alice", 1, 1, false).await.unwrap();
    store.reload_memory_dump().await.unwrap();
    assert_eq!(store.get::<User>("alice").await.unwrap().used_quota_size, 2048);

    // Broken files leave the data in place and say what is wrong.
    let before = store.dump().await.unwrap();
    let mut bad_object = v.clone();
    bad_object["users"][0]["home_dir"] = json!("not/absolute");
    let broken: Vec<(&str, Vec<u8>)> = vec![
        ("truncated JSON", FIXTURE.as_bytes()[..FIXTURE.len() / 3].to_vec()),
        ("not a dump", b"[1, 2, 3]".to_vec()),
        ("bad version", serde_json::to_vec(&json!({"users": [], "version": 3})).unwrap()),
        ("bad object", serde_json::to_vec(&bad_object).unwrap()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in broken {
        std::fs::write(&path, &bytes).unwrap();
        let err = store.reload_memory_dump().await.unwrap_err();
        assert!(matches!(err, StoreError::Dump(_)), "{what}: {err}");
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{what}: the error names the file: {msg}");
        if what == "bad object" {
            assert!(msg.contains("alice") && msg.contains("home_dir"), "{msg}");
        }
        assert_eq!(store.dump().await.unwrap(), before, "{what}: the previous data must stay");
    }
    std::fs::remove_file(&path).unwrap();
    let err = store.reload_memory_dump().await.unwrap_err();
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
    assert_eq!(store.dump().await.unwrap(), before);

    // A broken file at start is an error too.
    std::fs::write(&path, b"{").unwrap();
    let err = Store::open(&target(Some(path.clone())), default_kms(), fast_settings()).await.unwrap_err();
    assert!(err.to_string().contains("dump.json"), "{err}");
}

#[tokio::test]
async fn the_memory_driver_without_a_file_starts_empty() {
    let store = Store::open(&target(None), default_kms(), fast_settings()).await.unwrap();
    assert!(users(&store).await.is_empty());
    store.reload_memory_dump().await.unwrap();
    store.add(crate::build::user("u")).await.unwrap();
    store.reload_memory_dump().await.unwrap();
    assert_eq!(users(&store).await, ["u"], "nothing to reload without a file");
}
