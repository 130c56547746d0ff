//! The same behaviour, checked on every engine.

use std::sync::Arc;

use wharf_store::backend::{
    Backend, BackendError, CounterDelta, Counters, ListQuery, MIN_SCHEMA_VERSION, Ref, SCHEMA_VERSION, Write,
};

use crate::support::{ALL, Engine, TestDb};

fn insert(kind: &str, name: &str, data: &str, refs: &[(&str, &str)]) -> Write {
    Write::Insert {
        kind: kind.into(),
        name: name.into(),
        data: data.into(),
        refs: refs.iter().map(|(k, n)| Ref::new(*k, *n)).collect(),
        counters: Counters::default(),
    }
}

async fn ready(engine: Engine) -> (TestDb, Box<dyn Backend>) {
    let db = TestDb::new(engine).await;
    let b = db.open().await;
    b.migrate(SCHEMA_VERSION).await.unwrap();
    (db, b)
}

#[tokio::test]
async fn schema_starts_empty_and_migrates_up_and_down() {
    for engine in [Engine::Kv, Engine::Sqlite, Engine::Postgres, Engine::MySql] {
        let db = TestDb::new(engine).await;
        let b = db.open().await;
        assert_eq!(b.schema_version().await.unwrap(), None, "{engine:?}");
        b.migrate(SCHEMA_VERSION).await.unwrap();
        assert_eq!(b.schema_version().await.unwrap(), Some(SCHEMA_VERSION), "{engine:?}");
        // Idempotent.
        b.migrate(SCHEMA_VERSION).await.unwrap();
        b.write(vec![insert("user", "alice", "{}", &[])]).await.unwrap();
        b.migrate(MIN_SCHEMA_VERSION).await.unwrap();
        assert_eq!(b.schema_version().await.unwrap(), Some(MIN_SCHEMA_VERSION), "{engine:?}");
        // Objects survive a downgrade to version 1 and the way back up.
        b.migrate(SCHEMA_VERSION).await.unwrap();
        assert!(b.get("user", "alice").await.unwrap().is_some(), "{engine:?}");
        let err = b.migrate(SCHEMA_VERSION + 1).await.unwrap_err();
        assert!(matches!(err, BackendError::Schema(_)), "{engine:?}: {err}");
        b.reset().await.unwrap();
        assert_eq!(b.schema_version().await.unwrap(), None, "{engine:?}");
        b.close().await;
    }
}

#[tokio::test]
async fn crud_revisions_and_ids() {
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        let ids =
            b.write(vec![insert("user", "bob", r#"{"n":1}"#, &[]), insert("user", "al", "{}", &[])]).await.unwrap();
        assert_eq!(ids, vec![1, 2], "{engine:?}");
        let ids = b.write(vec![insert("folder", "f", "{}", &[])]).await.unwrap();
        assert_eq!(ids, vec![1], "ids are per kind ({engine:?})");
        let err = b.write(vec![insert("user", "bob", "{}", &[])]).await.unwrap_err();
        assert!(matches!(err, BackendError::AlreadyExists { .. }), "{engine:?}: {err}");

        let r = b.get("user", "bob").await.unwrap().unwrap();
        assert_eq!((r.id, r.revision, r.data.as_str()), (1, 1, r#"{"n":1}"#), "{engine:?}");
        assert!(b.get("user", "nobody").await.unwrap().is_none());

        let upd = |rev| Write::Update {
            kind: "user".into(),
            name: "bob".into(),
            revision: rev,
            data: r#"{"n":2}"#.into(),
            refs: vec![],
        };
        b.write(vec![upd(1)]).await.unwrap();
        let r = b.get("user", "bob").await.unwrap().unwrap();
        assert_eq!((r.id, r.revision, r.data.as_str()), (1, 2, r#"{"n":2}"#), "{engine:?}");
        let err = b.write(vec![upd(1)]).await.unwrap_err();
        assert!(matches!(err, BackendError::Conflict { .. }), "stale revision ({engine:?}): {err}");

        let del = |name: &str, revision| Write::Delete { kind: "user".into(), name: name.into(), revision };
        let err = b.write(vec![del("bob", Some(1))]).await.unwrap_err();
        assert!(matches!(err, BackendError::Conflict { .. }), "{engine:?}: {err}");
        b.write(vec![del("bob", Some(2))]).await.unwrap();
        let err = b.write(vec![del("bob", None)]).await.unwrap_err();
        assert!(matches!(err, BackendError::NotFound { .. }), "{engine:?}: {err}");
        // A name can be reused after deletion, and ids keep growing past the remaining maximum.
        let ids = b.write(vec![insert("user", "bob", "{}", &[])]).await.unwrap();
        assert_eq!(ids, vec![3], "{engine:?}");
        b.close().await;
    }
}

#[tokio::test]
async fn listing_pages_in_name_order() {
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        let names = ["delta", "alpha", "charlie", "bravo", "echo"];
        b.write(names.iter().map(|n| insert("user", n, "{}", &[])).collect()).await.unwrap();
        b.write(vec![insert("group", "zeta", "{}", &[])]).await.unwrap();
        let list = |q| {
            let b = &b;
            async move { b.list("user", q).await.unwrap().into_iter().map(|r| r.name).collect::<Vec<_>>() }
        };
        assert_eq!(list(ListQuery::default()).await, ["alpha", "bravo", "charlie", "delta", "echo"], "{engine:?}");
        let page = ListQuery { limit: Some(2), offset: 1, descending: false };
        assert_eq!(list(page).await, ["bravo", "charlie"], "{engine:?}");
        let page = ListQuery { limit: Some(2), offset: 0, descending: true };
        assert_eq!(list(page).await, ["echo", "delta"], "{engine:?}");
        let page = ListQuery { limit: None, offset: 4, descending: false };
        assert_eq!(list(page).await, ["echo"], "{engine:?}");
        b.close().await;
    }
}

#[tokio::test]
async fn names_are_case_sensitive_and_unicode_safe() {
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        b.write(vec![insert("user", "Alice", "{}", &[]), insert("user", "alice", "{}", &[])]).await.unwrap();
        b.write(vec![insert("user", "zoë", r#"{"x":"ü ✓"}"#, &[])]).await.unwrap();
        assert_eq!(b.get("user", "zoë").await.unwrap().unwrap().data, r#"{"x":"ü ✓"}"#, "{engine:?}");
        assert_eq!(b.list("user", ListQuery::default()).await.unwrap().len(), 3, "{engine:?}");
        b.close().await;
    }
}

#[tokio::test]
async fn references_are_indexed_both_ways() {
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        b.write(vec![
            insert("folder", "f1", "{}", &[]),
            insert("folder", "f2", "{}", &[]),
            insert("user", "u2", "{}", &[("folder", "f1")]),
            insert("user", "u1", "{}", &[("folder", "f1"), ("folder", "f2"), ("folder", "f1")]),
            insert("group", "g", "{}", &[("folder", "f1")]),
        ])
        .await
        .unwrap();
        let f1 = Ref::new("folder", "f1");
        assert_eq!(b.referrers("user", &f1).await.unwrap(), ["u1", "u2"], "{engine:?}");
        assert_eq!(b.referrers("group", &f1).await.unwrap(), ["g"], "{engine:?}");
        b.write(vec![Write::Update {
            kind: "user".into(),
            name: "u1".into(),
            revision: 1,
            data: "{}".into(),
            refs: vec![Ref::new("folder", "f2")],
        }])
        .await
        .unwrap();
        assert_eq!(b.referrers("user", &f1).await.unwrap(), ["u2"], "{engine:?}");
        assert_eq!(b.referrers("user", &Ref::new("folder", "f2")).await.unwrap(), ["u1"], "{engine:?}");
        b.write(vec![Write::Delete { kind: "user".into(), name: "u2".into(), revision: None }]).await.unwrap();
        assert!(b.referrers("user", &f1).await.unwrap().is_empty(), "{engine:?}");
        b.close().await;
    }
}

#[tokio::test]
async fn a_failing_batch_changes_nothing() {
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        b.write(vec![insert("user", "keep", r#"{"v":1}"#, &[])]).await.unwrap();
        let err = b
            .write(vec![
                insert("user", "new", "{}", &[]),
                Write::Update {
                    kind: "user".into(),
                    name: "keep".into(),
                    revision: 1,
                    data: r#"{"v":2}"#.into(),
                    refs: vec![Ref::new("folder", "x")],
                },
                Write::Require { kind: "folder".into(), name: "x".into() },
            ])
            .await
            .unwrap_err();
        assert!(matches!(err, BackendError::NotFound { .. }), "{engine:?}: {err}");
        assert!(b.get("user", "new").await.unwrap().is_none(), "{engine:?}");
        let keep = b.get("user", "keep").await.unwrap().unwrap();
        assert_eq!((keep.revision, keep.data.as_str()), (1, r#"{"v":1}"#), "{engine:?}");
        assert!(b.referrers("user", &Ref::new("folder", "x")).await.unwrap().is_empty(), "{engine:?}");
        let err = b.write(vec![insert("user", "a", "{}", &[]), insert("user", "a", "{}", &[])]).await.unwrap_err();
        assert!(matches!(err, BackendError::AlreadyExists { .. }), "{engine:?}");
        assert!(b.get("user", "a").await.unwrap().is_none(), "{engine:?}");
        b.close().await;
    }
}

#[tokio::test]
async fn counters_add_reset_and_survive_updates() {
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        b.write(vec![insert("user", "u", "{}", &[])]).await.unwrap();
        let d =
            CounterDelta { quota_size: 100, quota_files: 2, upload: 10, download: 5, now_ms: 42, ..Default::default() };
        b.add_counters("user", "u", d).await.unwrap();
        b.add_counters(
            "user",
            "u",
            CounterDelta { quota_size: -30, quota_files: -1, now_ms: 43, ..Default::default() },
        )
        .await
        .unwrap();
        let c = b.get("user", "u").await.unwrap().unwrap().counters;
        assert_eq!(
            c,
            Counters {
                used_quota_size: 70,
                used_quota_files: 1,
                last_quota_update: 43,
                used_upload: 10,
                used_download: 5
            },
            "{engine:?}"
        );
        // A transfer-only change leaves last_quota_update alone.
        b.add_counters("user", "u", CounterDelta { upload: 1, now_ms: 99, ..Default::default() }).await.unwrap();
        assert_eq!(b.get("user", "u").await.unwrap().unwrap().counters.last_quota_update, 43, "{engine:?}");
        b.write(vec![Write::Update {
            kind: "user".into(),
            name: "u".into(),
            revision: 1,
            data: "{}".into(),
            refs: vec![],
        }])
        .await
        .unwrap();
        assert_eq!(b.get("user", "u").await.unwrap().unwrap().counters.used_quota_size, 70, "{engine:?}");
        let reset =
            CounterDelta { reset_quota: true, reset_transfer: true, quota_size: 7, now_ms: 50, ..Default::default() };
        b.add_counters("user", "u", reset).await.unwrap();
        let c = b.get("user", "u").await.unwrap().unwrap().counters;
        assert_eq!(
            c,
            Counters {
                used_quota_size: 7,
                used_quota_files: 0,
                last_quota_update: 50,
                used_upload: 0,
                used_download: 0
            },
            "{engine:?}"
        );
        let err = b.add_counters("user", "ghost", d).await.unwrap_err();
        assert!(matches!(err, BackendError::NotFound { .. }), "{engine:?}: {err}");
        b.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_counter_increments_are_exact() {
    const TASKS: i64 = 32;
    const EACH: i64 = 25;
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        b.write(vec![insert("user", "u", "{}", &[]), insert("folder", "f", "{}", &[])]).await.unwrap();
        let b: Arc<dyn Backend> = Arc::from(b);
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let b = b.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..EACH {
                    let d =
                        CounterDelta { quota_size: t + 1, quota_files: 1, upload: i, now_ms: 1, ..Default::default() };
                    b.add_counters("user", "u", d).await.unwrap();
                    b.add_counters("folder", "f", d).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let expected_size = EACH * (1..=TASKS).sum::<i64>();
        let expected_upload = TASKS * (0..EACH).sum::<i64>();
        for kind in ["user", "folder"] {
            let name = if kind == "user" { "u" } else { "f" };
            let c = b.get(kind, name).await.unwrap().unwrap().counters;
            assert_eq!(c.used_quota_size, expected_size, "{engine:?} {kind}");
            assert_eq!(c.used_quota_files, TASKS * EACH, "{engine:?} {kind}");
            assert_eq!(c.used_upload, expected_upload, "{engine:?} {kind}");
        }
        b.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_inserts_get_distinct_ids() {
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        let b: Arc<dyn Backend> = Arc::from(b);
        let mut tasks = Vec::new();
        for t in 0..16 {
            let b = b.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..5 {
                    b.write(vec![insert("user", &format!("u{t}_{i}"), "{}", &[])]).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let all = b.list("user", ListQuery::default()).await.unwrap();
        let mut ids: Vec<i64> = all.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, (1..=80).collect::<Vec<_>>(), "{engine:?}");
        b.close().await;
    }
}

#[tokio::test]
async fn kv_and_sqlite_persist_across_reopen() {
    for engine in [Engine::Kv, Engine::Sqlite] {
        let db = TestDb::new(engine).await;
        {
            let b = db.open().await;
            b.migrate(SCHEMA_VERSION).await.unwrap();
            b.write(vec![insert("user", "u", r#"{"a":1}"#, &[("group", "g")])]).await.unwrap();
            b.add_counters("user", "u", CounterDelta { quota_files: 3, now_ms: 1, ..Default::default() })
                .await
                .unwrap();
            b.close().await;
        }
        let b = db.open().await;
        assert_eq!(b.schema_version().await.unwrap(), Some(SCHEMA_VERSION), "{engine:?}");
        let r = b.get("user", "u").await.unwrap().unwrap();
        assert_eq!((r.data.as_str(), r.counters.used_quota_files), (r#"{"a":1}"#, 3), "{engine:?}");
        assert_eq!(b.referrers("user", &Ref::new("group", "g")).await.unwrap(), ["u"], "{engine:?}");
        b.close().await;
    }
}

#[tokio::test]
async fn kv_file_is_exclusive() {
    let db = TestDb::new(Engine::Kv).await;
    let _first = db.open().await;
    let err = wharf_store::backend::kv::KvBackend::open(&db.dir.path().join("test.redb")).await.unwrap_err();
    assert!(err.to_string().contains("in use by another process"), "{err}");
}

#[tokio::test]
async fn table_prefix_is_applied_and_checked() {
    let db = TestDb::new(Engine::Sqlite).await;
    let mut opts = db.sql_options().unwrap();
    opts.table_prefix = "wharf_".into();
    let b = wharf_store::backend::sql::SqlBackend::connect(opts.clone()).await.unwrap();
    b.migrate(SCHEMA_VERSION).await.unwrap();
    b.write(vec![insert("user", "u", "{}", &[])]).await.unwrap();
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&opts.url).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM wharf_objects").fetch_one(&mut conn).await.unwrap();
    assert_eq!(n, 1);
    opts.table_prefix = "bad;drop".into();
    let err = wharf_store::backend::sql::SqlBackend::connect(opts).await.unwrap_err();
    assert!(err.to_string().contains("invalid table prefix"), "{err}");
}

#[tokio::test]
async fn require_unreferenced_fails_while_references_remain() {
    for engine in ALL {
        let (_db, b) = ready(engine).await;
        b.write(vec![insert("folder", "f", "{}", &[]), insert("user", "u", "{}", &[("folder", "f")])]).await.unwrap();
        let delete_f = || Write::Delete { kind: "folder".into(), name: "f".into(), revision: None };
        let unreferenced = || Write::RequireUnreferenced { kind: "folder".into(), name: "f".into() };
        let err = b.write(vec![delete_f(), unreferenced()]).await.unwrap_err();
        assert!(matches!(err, BackendError::Conflict { .. }), "{engine:?}: {err}");
        assert!(b.get("folder", "f").await.unwrap().is_some(), "{engine:?}: the batch was rolled back");
        // Once the referrer lets go in the same batch, the deletion goes through.
        let detach =
            Write::Update { kind: "user".into(), name: "u".into(), revision: 1, data: "{}".into(), refs: vec![] };
        b.write(vec![detach, delete_f(), unreferenced()]).await.unwrap();
        assert!(b.get("folder", "f").await.unwrap().is_none(), "{engine:?}");
        assert!(b.referrers("user", &Ref::new("folder", "f")).await.unwrap().is_empty(), "{engine:?}");
        b.close().await;
    }
}
