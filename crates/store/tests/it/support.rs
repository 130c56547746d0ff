//! Throwaway databases for tests.

use std::time::Duration;

use sqlx::{Connection, Executor};
use wharf_store::backend::Backend;
use wharf_store::backend::kv::KvBackend;
use wharf_store::backend::memory::MemoryBackend;
use wharf_store::backend::sql::{Dialect, SqlBackend, SqlOptions};
use wharf_store::{Driver, Settings, Store};

/// The engines every conformance test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Memory,
    Kv,
    Sqlite,
    Postgres,
    MySql,
}

pub const ALL: [Engine; 5] = [Engine::Memory, Engine::Kv, Engine::Sqlite, Engine::Postgres, Engine::MySql];

pub fn pg_admin_url() -> String {
    std::env::var("WHARF_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn mysql_admin_url() -> String {
    std::env::var("WHARF_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub fn unique_name() -> String {
    format!("wharf_t_{}_{:x}", std::process::id(), rand::random::<u64>())
}

/// A database (or file) that exists for one test and is removed when dropped.
pub struct TestDb {
    pub engine: Engine,
    pub dir: tempfile::TempDir,
    name: String,
}

impl TestDb {
    /// Creates an empty database for `engine`. Fails loudly when PostgreSQL or MariaDB are not
    /// reachable: run `scripts/test`, which starts them.
    pub async fn new(engine: Engine) -> Self {
        let name = unique_name();
        match engine {
            Engine::Postgres => {
                let mut c = sqlx::PgConnection::connect(&format!("{}/postgres", pg_admin_url()))
                    .await
                    .expect("PostgreSQL on 127.0.0.1:5432 (run scripts/test to start it)");
                c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
            }
            Engine::MySql => {
                let mut c = sqlx::MySqlConnection::connect(&mysql_admin_url())
                    .await
                    .expect("MariaDB on 127.0.0.1:3306 (run scripts/test to start it)");
                c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
            }
            _ => {}
        }
        Self { engine, dir: tempfile::tempdir().unwrap(), name }
    }

    /// The database name (PostgreSQL and MariaDB).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn sql_options(&self) -> Option<SqlOptions> {
        let (dialect, url) = match self.engine {
            Engine::Sqlite => {
                (Dialect::Sqlite, format!("sqlite://{}?mode=rwc", self.dir.path().join("test.db").display()))
            }
            Engine::Postgres => (Dialect::Postgres, format!("{}/{}", pg_admin_url(), self.name)),
            Engine::MySql => (Dialect::MySql, format!("{}/{}", mysql_admin_url(), self.name)),
            _ => return None,
        };
        Some(SqlOptions {
            dialect,
            url,
            max_connections: 0,
            table_prefix: String::new(),
            busy_timeout: Duration::from_secs(10),
        })
    }

    /// Opens the engine (a new connection pool or handle each call).
    pub async fn open(&self) -> Box<dyn Backend> {
        match self.engine {
            Engine::Memory => Box::new(MemoryBackend::new()),
            Engine::Kv => Box::new(KvBackend::open(&self.dir.path().join("test.redb")).await.unwrap()),
            _ => Box::new(SqlBackend::connect(self.sql_options().unwrap()).await.unwrap()),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (engine, name) = (self.engine, self.name.clone());
        if !matches!(engine, Engine::Postgres | Engine::MySql) {
            return;
        }
        // Dropping happens outside any async context we can rely on: use a private runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                if engine == Engine::Postgres {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&format!("{}/postgres", pg_admin_url())).await {
                        let _ = c
                            .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                            .await;
                    }
                } else if let Ok(mut c) = sqlx::MySqlConnection::connect(&mysql_admin_url()).await {
                    let _ = c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await;
                }
            });
        })
        .join();
    }
}

impl Engine {
    /// The store driver of an engine.
    pub fn driver(self) -> Driver {
        match self {
            Engine::Memory => Driver::Memory,
            Engine::Kv => Driver::Bolt,
            Engine::Sqlite => Driver::Sqlite,
            Engine::Postgres => Driver::Postgres,
            Engine::MySql => Driver::MySql,
        }
    }
}

/// Settings that keep tests quick: bcrypt at its lowest cost.
pub fn fast_settings() -> Settings {
    Settings { hashing: wharf_secrets::password::HashAlgo::Bcrypt { cost: 4 }, ..Settings::default() }
}

/// The default KMS (Secretbox, no master key).
pub fn default_kms() -> wharf_secrets::kms::Kms {
    wharf_secrets::kms::Kms::new(wharf_secrets::kms::KmsConfig::default()).unwrap()
}

/// A KMS with a master key (new Secretbox secrets get mode 1).
pub fn kms_with_master_key(key: &str) -> wharf_secrets::kms::Kms {
    let config = wharf_secrets::kms::KmsConfig { url: String::new(), master_key: Some(key.as_bytes().to_vec()) };
    wharf_secrets::kms::Kms::new(config).unwrap()
}

impl TestDb {
    /// A store over this database with its schema initialised, quick settings and the default KMS.
    pub async fn store(&self) -> Store {
        self.store_with(default_kms(), fast_settings()).await
    }

    /// A store over this database (a new pool or handle each call) with its schema initialised.
    pub async fn store_with(&self, kms: wharf_secrets::kms::Kms, settings: Settings) -> Store {
        let store = self.uninitialised_store_with(kms, settings).await;
        store.init().await.unwrap();
        store
    }

    /// A store over this database without touching the schema.
    pub async fn uninitialised_store_with(&self, kms: wharf_secrets::kms::Kms, settings: Settings) -> Store {
        let backend: std::sync::Arc<dyn Backend> = std::sync::Arc::from(self.open().await);
        Store::new(backend, self.engine.driver(), kms, settings)
    }
}

/// Creates a database and a ready store over it.
pub async fn new_store(engine: Engine) -> (TestDb, Store) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    (db, store)
}
