//! Data provider benchmark: how fast quota counters move and logins are checked, per engine.
//!
//! `cargo run --release -p wharf-bench --bin provider` prints one table from one run on this machine.
//! `--smoke` runs a few operations only (for CI: proves the benchmark still works).
//!
//! There is no peer server to compare with here (SFTPGo is not available on these machines); the
//! figures are Wharf's own and go into docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor};
use wharf_model::User;
use wharf_secrets::kms::{Kms, KmsConfig};
use wharf_secrets::password::HashAlgo;
use wharf_store::backend::Backend;
use wharf_store::backend::kv::KvBackend;
use wharf_store::backend::memory::MemoryBackend;
use wharf_store::backend::sql::{Dialect, SqlBackend, SqlOptions};
use wharf_store::{Driver, Settings, Store};

struct Target {
    name: &'static str,
    store: Store,
    cleanup: Option<(Dialect, String)>,
}

fn pg_url() -> String {
    std::env::var("WHARF_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn mysql_url() -> String {
    std::env::var("WHARF_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

async fn sql_target(name: &'static str, dialect: Dialect, dir: &std::path::Path, caching: bool) -> Target {
    let db = format!("wharf_bench_{}", rand::random::<u32>());
    let url = match dialect {
        Dialect::Sqlite => format!("sqlite://{}?mode=rwc", dir.join(format!("{db}.db")).display()),
        Dialect::Postgres => {
            let mut c = sqlx::PgConnection::connect(&format!("{}/postgres", pg_url())).await.unwrap();
            c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).await.unwrap();
            format!("{}/{db}", pg_url())
        }
        _ => {
            let mut c = sqlx::MySqlConnection::connect(&mysql_url()).await.unwrap();
            c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).await.unwrap();
            format!("{}/{db}", mysql_url())
        }
    };
    let opts = SqlOptions {
        dialect,
        url,
        max_connections: 0,
        table_prefix: String::new(),
        busy_timeout: Duration::from_secs(30),
    };
    let backend: Arc<dyn Backend> = Arc::new(SqlBackend::connect(opts).await.unwrap());
    let driver = match dialect {
        Dialect::Sqlite => Driver::Sqlite,
        Dialect::Postgres => Driver::Postgres,
        _ => Driver::MySql,
    };
    let cleanup = (dialect != Dialect::Sqlite).then_some((dialect, db));
    Target { name, store: store(backend, driver, caching).await, cleanup }
}

async fn store(backend: Arc<dyn Backend>, driver: Driver, caching: bool) -> Store {
    let settings = Settings { hashing: HashAlgo::BCRYPT_DEFAULT, password_caching: caching, ..Settings::default() };
    let s = Store::new(backend, driver, Kms::new(KmsConfig::default()).unwrap(), settings);
    s.init().await.unwrap();
    s
}

async fn drop_db(cleanup: Option<(Dialect, String)>) {
    match cleanup {
        Some((Dialect::Postgres, db)) => {
            let mut c = sqlx::PgConnection::connect(&format!("{}/postgres", pg_url())).await.unwrap();
            c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))).await.unwrap();
        }
        Some((_, db)) => {
            let mut c = sqlx::MySqlConnection::connect(&mysql_url()).await.unwrap();
            c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}"))).await.unwrap();
        }
        None => {}
    }
}

fn user(name: &str) -> User {
    let mut u = User { username: name.into(), password: "bench-password".into(), status: 1, ..User::default() };
    u.home_dir = format!("/srv/{name}");
    u.permissions.insert("/".into(), vec!["*".into()]);
    u
}

/// Quota increments per second with `tasks` concurrent writers, each doing `each` increments.
async fn counters(store: &Store, tasks: usize, each: usize) -> f64 {
    store.update_user_quota("bench", 0, 0, true).await.unwrap();
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..each {
                s.update_user_quota("bench", 4096, 1, false).await.unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let u = store.get::<User>("bench").await.unwrap();
    assert_eq!(u.used_quota_files, i64::try_from(tasks * each).unwrap(), "counts lost");
    (tasks * each) as f64 / elapsed
}

/// Median time of `n` logins.
async fn logins(store: &Store, n: usize) -> Duration {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        assert!(store.authenticate_user("bench", "bench-password").await.unwrap().is_some());
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (tasks, each, login_n) = if smoke { (2, 10, 3) } else { (8, 500, 21) };
    let dir = tempfile::tempdir().unwrap();
    let mut targets = vec![
        Target {
            name: "memory",
            store: store(Arc::new(MemoryBackend::new()), Driver::Memory, true).await,
            cleanup: None,
        },
        Target {
            name: "bolt (redb)",
            store: store(Arc::new(KvBackend::open(&dir.path().join("b.redb")).await.unwrap()), Driver::Bolt, true)
                .await,
            cleanup: None,
        },
        sql_target("sqlite", Dialect::Sqlite, dir.path(), true).await,
    ];
    if !std::env::args().any(|a| a == "--no-servers") {
        targets.push(sql_target("postgresql", Dialect::Postgres, dir.path(), true).await);
        targets.push(sql_target("mariadb", Dialect::MySql, dir.path(), true).await);
    }
    println!("data provider benchmark ({} run)", if smoke { "smoke" } else { "full" });
    println!(
        "{:<12} {:>16} {:>16} {:>14} {:>14}",
        "engine",
        "quota ops/s x1",
        format!("quota ops/s x{tasks}"),
        "login (bcrypt)",
        "login (cached)"
    );
    for t in targets {
        t.store.add(user("bench")).await.unwrap();
        let single = counters(&t.store, 1, each).await;
        let many = counters(&t.store, tasks, each).await;
        // The first login after add verifies bcrypt; clearing happens by a failed attempt.
        let mut slow = Vec::new();
        for _ in 0..login_n.min(5) {
            assert!(t.store.authenticate_user("bench", "wrong").await.unwrap().is_none());
            let s = Instant::now();
            assert!(t.store.authenticate_user("bench", "bench-password").await.unwrap().is_some());
            slow.push(s.elapsed());
        }
        slow.sort();
        let cached = logins(&t.store, login_n).await;
        println!(
            "{:<12} {:>16.0} {:>16.0} {:>11.1} ms {:>11.3} ms",
            t.name,
            single,
            many,
            slow[slow.len() / 2].as_secs_f64() * 1000.0,
            cached.as_secs_f64() * 1000.0
        );
        t.store.backend().close().await;
        drop_db(t.cleanup).await;
    }
}
