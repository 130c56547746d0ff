//! Schema lifecycle through the store: init, check, revert, reset (SFTPGo's initprovider,
//! revertprovider and resetprovider).

use wharf_model::User;
use wharf_store::backend::SCHEMA_VERSION;
use wharf_store::{InitOutcome, StoreError};

use crate::build;
use crate::support::{Engine, TestDb, default_kms, fast_settings, new_store};

#[tokio::test]
async fn init_check_revert_and_reset() {
    for engine in [Engine::Kv, Engine::Sqlite, Engine::Postgres, Engine::MySql] {
        let db = TestDb::new(engine).await;
        let store = db.uninitialised_store_with(default_kms(), fast_settings()).await;
        let err = store.check_schema().await.unwrap_err();
        assert!(matches!(err, StoreError::Schema(_)), "{engine:?}: {err}");
        assert!(err.to_string().contains("initprovider"), "{engine:?}: {err}");

        assert_eq!(store.init().await.unwrap(), InitOutcome::Migrated { from: None, to: SCHEMA_VERSION });
        assert_eq!(store.init().await.unwrap(), InitOutcome::UpToDate, "{engine:?}");
        store.check_schema().await.unwrap();
        store.add(build::user("keeper")).await.unwrap();

        // Down to version 1 and back: the objects stay.
        store.revert(1).await.unwrap();
        let err = store.check_schema().await.unwrap_err();
        assert!(err.to_string().contains("version 1") && err.to_string().contains("initprovider"), "{err}");
        assert_eq!(store.init().await.unwrap(), InitOutcome::Migrated { from: Some(1), to: SCHEMA_VERSION });
        assert!(store.find::<User>("keeper").await.unwrap().is_some(), "{engine:?}");

        // Versions that cannot be reverted to.
        for bad in [0, SCHEMA_VERSION, SCHEMA_VERSION + 1, 99] {
            let err = store.revert(bad).await.unwrap_err();
            assert!(matches!(err, StoreError::Schema(_)), "{engine:?} {bad}: {err}");
            assert!(err.to_string().contains(&bad.to_string()), "{engine:?}: {err}");
        }
        store.check_schema().await.unwrap();

        // Reset drops everything.
        store.reset().await.unwrap();
        let err = store.check_schema().await.unwrap_err();
        assert!(err.to_string().contains("initprovider"), "{engine:?}: {err}");
        assert_eq!(store.init().await.unwrap(), InitOutcome::Migrated { from: None, to: SCHEMA_VERSION });
        assert!(store.find::<User>("keeper").await.unwrap().is_none(), "{engine:?}: reset keeps no data");
        store.backend().close().await;
    }
}

#[tokio::test]
async fn revert_needs_an_initialised_schema_and_memory_has_none() {
    let db = TestDb::new(Engine::Sqlite).await;
    let store = db.uninitialised_store_with(default_kms(), fast_settings()).await;
    let err = store.revert(1).await.unwrap_err();
    assert!(err.to_string().contains("not initialised"), "{err}");

    let (_db, memory) = new_store(Engine::Memory).await;
    assert_eq!(memory.init().await.unwrap(), InitOutcome::UpToDate);
    memory.check_schema().await.unwrap();
    assert!(matches!(memory.revert(1).await, Err(StoreError::Unsupported(_))));
    assert!(matches!(memory.reset().await, Err(StoreError::Unsupported(_))));
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let db = TestDb::new(Engine::Sqlite).await;
    let store = db.store().await;
    let url = db.sql_options().unwrap().url;
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.unwrap();
    sqlx::query("UPDATE schema_version SET version = 99").execute(&mut conn).await.unwrap();
    let err = store.init().await.unwrap_err();
    assert!(err.to_string().contains("99") && err.to_string().contains("newer"), "{err}");
    let err = store.check_schema().await.unwrap_err();
    assert!(err.to_string().contains("99"), "{err}");
    store.backend().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_starts_initialise_once() {
    for engine in [Engine::Sqlite, Engine::Postgres, Engine::MySql] {
        let db = TestDb::new(engine).await;
        let mut stores = Vec::new();
        for _ in 0..4 {
            stores.push(db.uninitialised_store_with(default_kms(), fast_settings()).await);
        }
        let results = futures_util::future::join_all(stores.iter().map(|s| async move { s.init().await })).await;
        for r in results {
            r.unwrap_or_else(|e| panic!("{engine:?}: concurrent init failed: {e}"));
        }
        stores[0].check_schema().await.unwrap();
        stores[1].add(build::user("after")).await.unwrap();
        assert!(stores[2].find::<User>("after").await.unwrap().is_some(), "{engine:?}");
        for s in stores {
            s.backend().close().await;
        }
    }
}
