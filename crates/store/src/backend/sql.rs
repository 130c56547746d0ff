//! The SQL engines: SQLite (default), PostgreSQL, CockroachDB (PostgreSQL dialect, no advisory locks)
//! and MySQL/MariaDB, through sqlx's runtime-selected `Any` driver with per-dialect DDL.
//!
//! Concurrency rules that make several processes safe on one database:
//! - SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
//!   `BEGIN IMMEDIATE`, so a transaction never has to upgrade a read lock (the upgrade is what makes
//!   SQLite answer "database is locked" without waiting).
//! - Counter changes are single `UPDATE … SET x = x + ?` statements: atomic on every engine.
//! - Ids are `MAX(id) + 1` under a unique index; a collision (two processes inserting at once)
//!   restarts the whole transaction, as do serialization failures and deadlocks (bounded retries).
//! - Schema changes take an engine-specific lock (SQLite write lock, PostgreSQL advisory lock, MySQL
//!   named lock) and re-read the version inside it, so concurrent starts migrate once.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, ConnectOptions, Connection, Executor, Row};

use super::{
    Backend, BackendError, BackendResult, CounterDelta, Counters, ListQuery, MIN_SCHEMA_VERSION, Record, Ref,
    SCHEMA_VERSION, Write, already_exists, conflict, not_found,
};

/// The SQL dialects Wharf speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3 (bundled).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// CockroachDB (PostgreSQL wire protocol and dialect).
    Cockroach,
    /// MySQL or MariaDB.
    MySql,
}

impl Dialect {
    fn driver(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgresql",
            Self::Cockroach => "cockroachdb",
            Self::MySql => "mysql",
        }
    }

    fn pg_like(self) -> bool {
        matches!(self, Self::Postgres | Self::Cockroach)
    }
}

/// How to reach a SQL database.
#[derive(Debug, Clone)]
pub struct SqlOptions {
    /// The dialect.
    pub dialect: Dialect,
    /// A sqlx connection URL (`sqlite://…`, `postgres://…`, `mysql://…`).
    pub url: String,
    /// Pool size (0 = a default suited to the engine).
    pub max_connections: u32,
    /// Prefix for every table name (`[a-z0-9_]*`, checked by the config layer and again here).
    pub table_prefix: String,
    /// How long SQLite waits for another process's write lock before giving up.
    pub busy_timeout: Duration,
}

/// Retries of a write batch after a transient conflict (unique-id race, serialization failure,
/// deadlock, busy database).
const MAX_ATTEMPTS: u32 = 20;

/// Every statement, with the table prefix and the dialect's placeholders applied once at start.
#[derive(Debug)]
struct Statements {
    get: String,
    list_asc: String,
    list_desc: String,
    referrers: String,
    exists: String,
    exists_locked: String,
    referenced: String,
    next_id: String,
    insert: String,
    insert_counters: String,
    insert_ref: String,
    update: String,
    delete: String,
    delete_rev: String,
    delete_refs: String,
    delete_counters: String,
    set_counters: String,
    version_table: String,
    read_version: String,
    insert_version: String,
    update_version: String,
}

fn placeholders(dialect: Dialect, sql: &str) -> String {
    if !dialect.pg_like() {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

impl Statements {
    fn new(d: Dialect, p: &str) -> Self {
        let s = |sql: String| placeholders(d, &sql);
        let select = format!(
            "SELECT o.name, o.id, o.revision, o.data, c.used_quota_size, c.used_quota_files, \
             c.last_quota_update, c.used_upload, c.used_download FROM {p}objects o \
             LEFT JOIN {p}counters c ON c.kind = o.kind AND c.name = o.name"
        );
        let share_lock = match d {
            Dialect::Sqlite => "",
            Dialect::Postgres | Dialect::Cockroach => " FOR SHARE",
            Dialect::MySql => " LOCK IN SHARE MODE",
        };
        Self {
            get: s(format!("{select} WHERE o.kind = ? AND o.name = ?")),
            list_asc: s(format!("{select} WHERE o.kind = ? ORDER BY o.name ASC LIMIT ? OFFSET ?")),
            list_desc: s(format!("{select} WHERE o.kind = ? ORDER BY o.name DESC LIMIT ? OFFSET ?")),
            referrers: s(format!(
                "SELECT name FROM {p}refs WHERE ref_kind = ? AND ref_name = ? AND kind = ? ORDER BY name"
            )),
            exists: s(format!("SELECT revision FROM {p}objects WHERE kind = ? AND name = ?")),
            exists_locked: s(format!("SELECT revision FROM {p}objects WHERE kind = ? AND name = ?{share_lock}")),
            referenced: s(format!(
                "SELECT kind, name FROM {p}refs WHERE ref_kind = ? AND ref_name = ? LIMIT 1{share_lock}"
            )),
            next_id: s(format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {p}objects WHERE kind = ?")),
            insert: s(format!("INSERT INTO {p}objects (kind, name, id, revision, data) VALUES (?, ?, ?, 1, ?)")),
            insert_counters: s(format!(
                "INSERT INTO {p}counters (kind, name, used_quota_size, used_quota_files, last_quota_update, \
                 used_upload, used_download) VALUES (?, ?, ?, ?, ?, ?, ?)"
            )),
            insert_ref: s(format!("INSERT INTO {p}refs (kind, name, ref_kind, ref_name) VALUES (?, ?, ?, ?)")),
            update: s(format!(
                "UPDATE {p}objects SET data = ?, revision = revision + 1 WHERE kind = ? AND name = ? AND revision = ?"
            )),
            delete: s(format!("DELETE FROM {p}objects WHERE kind = ? AND name = ?")),
            delete_rev: s(format!("DELETE FROM {p}objects WHERE kind = ? AND name = ? AND revision = ?")),
            delete_refs: s(format!("DELETE FROM {p}refs WHERE kind = ? AND name = ?")),
            delete_counters: s(format!("DELETE FROM {p}counters WHERE kind = ? AND name = ?")),
            set_counters: s(format!(
                "UPDATE {p}counters SET used_quota_size = ?, used_quota_files = ?, last_quota_update = ?, \
                 used_upload = ?, used_download = ? WHERE kind = ? AND name = ?"
            )),
            version_table: format!("CREATE TABLE IF NOT EXISTS {p}schema_version (version INTEGER NOT NULL)"),
            read_version: format!("SELECT MAX(version) FROM {p}schema_version"),
            insert_version: s(format!("INSERT INTO {p}schema_version (version) VALUES (?)")),
            update_version: s(format!("UPDATE {p}schema_version SET version = ?")),
        }
    }
}

/// DDL for one schema step, up and down.
fn migration(d: Dialect, p: &str, version: u32) -> (Vec<String>, Vec<String>) {
    let text = match d {
        Dialect::MySql => "LONGTEXT",
        _ => "TEXT",
    };
    let tail = match d {
        Dialect::MySql => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        _ => "",
    };
    // Names sort byte-wise on every engine (as in the memory and file engines), whatever the
    // database's default collation: listings and pages are then the same everywhere.
    let name = match d {
        Dialect::Postgres => "VARCHAR(255) COLLATE \"C\"",
        _ => "VARCHAR(255)",
    };
    match version {
        1 => (
            vec![
                format!(
                    "CREATE TABLE IF NOT EXISTS {p}objects (kind VARCHAR(32) NOT NULL, name {name} NOT NULL, \
                     id BIGINT NOT NULL, revision BIGINT NOT NULL, data {text} NOT NULL, \
                     PRIMARY KEY (kind, name), CONSTRAINT {p}objects_id_uq UNIQUE (kind, id)){tail}"
                ),
                format!(
                    "CREATE TABLE IF NOT EXISTS {p}refs (kind VARCHAR(32) NOT NULL, name {name} NOT NULL, \
                     ref_kind VARCHAR(32) NOT NULL, ref_name {name} NOT NULL, \
                     PRIMARY KEY (ref_kind, ref_name, kind, name)){tail}"
                ),
                format!("CREATE INDEX {p}refs_owner_idx ON {p}refs (kind, name)"),
                format!(
                    "CREATE TABLE IF NOT EXISTS {p}counters (kind VARCHAR(32) NOT NULL, name {name} NOT NULL, \
                     used_quota_size BIGINT NOT NULL DEFAULT 0, used_quota_files BIGINT NOT NULL DEFAULT 0, \
                     last_quota_update BIGINT NOT NULL DEFAULT 0, used_upload BIGINT NOT NULL DEFAULT 0, \
                     used_download BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (kind, name)){tail}"
                ),
            ],
            vec![
                format!("DROP TABLE IF EXISTS {p}counters"),
                format!("DROP TABLE IF EXISTS {p}refs"),
                format!("DROP TABLE IF EXISTS {p}objects"),
            ],
        ),
        2 => (
            vec![
                format!(
                    "CREATE TABLE IF NOT EXISTS {p}defender_hosts (ip VARCHAR(50) NOT NULL PRIMARY KEY, \
                     ban_time BIGINT NOT NULL, updated_at BIGINT NOT NULL){tail}"
                ),
                format!(
                    "CREATE TABLE IF NOT EXISTS {p}defender_events (ip VARCHAR(50) NOT NULL, \
                     date_time BIGINT NOT NULL, score INTEGER NOT NULL){tail}"
                ),
                format!("CREATE INDEX {p}defender_events_ip_idx ON {p}defender_events (ip, date_time)"),
                format!(
                    "CREATE TABLE IF NOT EXISTS {p}shared_sessions (session_key VARCHAR(128) NOT NULL PRIMARY KEY, \
                     data {text} NOT NULL, session_type INTEGER NOT NULL, expires_at BIGINT NOT NULL){tail}"
                ),
                format!(
                    "CREATE TABLE IF NOT EXISTS {p}nodes (name VARCHAR(255) NOT NULL PRIMARY KEY, data {text} NOT NULL, \
                     created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL){tail}"
                ),
            ],
            vec![
                format!("DROP TABLE IF EXISTS {p}nodes"),
                format!("DROP TABLE IF EXISTS {p}shared_sessions"),
                format!("DROP TABLE IF EXISTS {p}defender_events"),
                format!("DROP TABLE IF EXISTS {p}defender_hosts"),
            ],
        ),
        _ => (Vec::new(), Vec::new()),
    }
}

fn all_tables(p: &str) -> Vec<String> {
    ["nodes", "shared_sessions", "defender_events", "defender_hosts", "counters", "refs", "objects", "schema_version"]
        .iter()
        .map(|t| format!("{p}{t}"))
        .collect()
}

/// A SQL database behind the [`Backend`] interface.
#[derive(Debug, Clone)]
pub struct SqlBackend {
    dialect: Dialect,
    pool: AnyPool,
    prefix: String,
    sql: Arc<Statements>,
}

fn db(e: sqlx::Error) -> BackendError {
    BackendError::Database(e.to_string())
}

/// True for errors after which the whole transaction may simply be run again.
fn transient(e: &sqlx::Error) -> bool {
    let Some(d) = e.as_database_error() else {
        return false;
    };
    if d.is_unique_violation() {
        return true;
    }
    let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
    // PostgreSQL/CockroachDB serialization failure and deadlock; MySQL deadlock and lock wait timeout;
    // SQLite BUSY/LOCKED (5, 6 and their extended codes) should not happen with IMMEDIATE transactions
    // and a busy timeout, but are safe to retry.
    matches!(code.as_str(), "40001" | "40P01" | "1213" | "1205" | "5" | "6" | "517" | "262")
        || d.message().contains("database is locked")
}

enum Failure {
    Retry(sqlx::Error),
    Fatal(BackendError),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        if transient(&e) { Self::Retry(e) } else { Self::Fatal(db(e)) }
    }
}

impl From<BackendError> for Failure {
    fn from(e: BackendError) -> Self {
        Self::Fatal(e)
    }
}

fn record(row: &AnyRow) -> Result<Record, sqlx::Error> {
    let opt = |i: usize| -> Result<i64, sqlx::Error> { Ok(row.try_get::<Option<i64>, _>(i)?.unwrap_or(0)) };
    Ok(Record {
        name: row.try_get(0)?,
        id: row.try_get(1)?,
        revision: row.try_get(2)?,
        data: row.try_get(3)?,
        counters: Counters {
            used_quota_size: opt(4)?,
            used_quota_files: opt(5)?,
            last_quota_update: opt(6)?,
            used_upload: opt(7)?,
            used_download: opt(8)?,
        },
    })
}

/// Switches a SQLite database to WAL (a setting stored in the file, so only the first connection to a
/// new file changes anything). The switch needs an exclusive lock and SQLite may refuse it at once with
/// "database is locked" instead of waiting when other processes are opening the same new file, so it
/// is retried a bounded number of times.
async fn enable_wal(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    const ATTEMPTS: u64 = 100;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mode: Result<String, sqlx::Error> =
            async { sqlx::query("PRAGMA journal_mode = WAL").fetch_one(&mut *conn).await?.try_get(0) }.await;
        match mode {
            Ok(m) if m.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(m) if attempt >= ATTEMPTS => {
                return Err(sqlx::Error::Protocol(format!("SQLite stayed in journal mode {m:?}, WAL is required")));
            }
            Err(e) if attempt >= ATTEMPTS || !transient(&e) => return Err(e),
            _ => tokio::time::sleep(Duration::from_millis(5 + attempt.min(20) * 5)).await,
        }
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl SqlBackend {
    /// Connects (creating the SQLite file if needed). The schema is not touched.
    pub async fn connect(opts: SqlOptions) -> BackendResult<Self> {
        if !opts.table_prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(BackendError::Schema(format!(
                "invalid table prefix {:?}: only a-z, 0-9 and _ are allowed",
                opts.table_prefix
            )));
        }
        sqlx::any::install_default_drivers();
        // Statements are not logged one by one (they would flood the debug log); slow ones still are.
        let connect = AnyConnectOptions::from_str(&opts.url).map_err(db)?.disable_statement_logging();
        let dialect = opts.dialect;
        let busy_ms = opts.busy_timeout.as_millis();
        let max = match (opts.max_connections, dialect) {
            (0, Dialect::Sqlite) => 8,
            (0, _) => 10,
            (n, _) => n,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match dialect {
                        Dialect::Sqlite => {
                            // busy_timeout first: switching to WAL needs the write lock.
                            conn.execute(AssertSqlSafe(format!("PRAGMA busy_timeout = {busy_ms}"))).await?;
                            enable_wal(conn).await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                        }
                        Dialect::MySql => {
                            conn.execute("SET SESSION sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES'").await?;
                        }
                        Dialect::Postgres | Dialect::Cockroach => {}
                    }
                    Ok(())
                })
            })
            .connect_with(connect)
            .await
            .map_err(|e| BackendError::Database(format!("cannot connect to the {} database: {e}", dialect.driver())))?;
        Ok(Self {
            dialect,
            pool,
            sql: Arc::new(Statements::new(dialect, &opts.table_prefix)),
            prefix: opts.table_prefix,
        })
    }

    async fn begin(&self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        match self.dialect {
            Dialect::Sqlite => conn.execute("BEGIN IMMEDIATE").await.map(|_| ()),
            _ => conn.execute("BEGIN").await.map(|_| ()),
        }
    }

    /// Runs `body` inside a write transaction, restarting it after transient failures.
    async fn in_transaction<T, F>(&self, mut body: F) -> BackendResult<T>
    where
        F: for<'c> FnMut(&'c mut AnyConnection) -> futures_util::future::BoxFuture<'c, Result<T, Failure>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.acquire().await.map_err(db)?;
            // The transaction is begun and ended by hand (sqlx's Transaction cannot issue
            // BEGIN IMMEDIATE through the Any driver); on every exit path below it is closed.
            let result = match self.begin(&mut conn).await {
                Ok(()) => match body(&mut conn).await {
                    Ok(v) => match conn.execute("COMMIT").await {
                        Ok(_) => Ok(v),
                        Err(e) => {
                            let _ = conn.execute("ROLLBACK").await;
                            Err(Failure::from(e))
                        }
                    },
                    Err(f) => {
                        if let Err(e) = conn.execute("ROLLBACK").await {
                            // A connection whose state is unknown must not go back to the pool.
                            tracing::warn!(error = %e, "rollback failed, dropping the connection");
                            let _ = conn.detach().close().await;
                        }
                        Err(f)
                    }
                },
                Err(e) => Err(Failure::from(e)),
            };
            match result {
                Ok(v) => return Ok(v),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry(e)) if attempt < MAX_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "transient database conflict, retrying");
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
                }
                Err(Failure::Retry(e)) => return Err(db(e)),
            }
        }
    }

    async fn apply(sql: &Statements, conn: &mut AnyConnection, batch: &[Write]) -> Result<Vec<i64>, Failure> {
        let mut ids = Vec::new();
        for w in batch {
            match w {
                Write::Insert { kind, name, data, refs, counters } => {
                    let found = sqlx::query(AssertSqlSafe(sql.exists.as_str()))
                        .bind(kind.as_str())
                        .bind(name.as_str())
                        .fetch_optional(&mut *conn)
                        .await?;
                    if found.is_some() {
                        return Err(already_exists(kind, name).into());
                    }
                    let id: i64 = sqlx::query(AssertSqlSafe(sql.next_id.as_str()))
                        .bind(kind.as_str())
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get(0)?;
                    sqlx::query(AssertSqlSafe(sql.insert.as_str()))
                        .bind(kind.as_str())
                        .bind(name.as_str())
                        .bind(id)
                        .bind(data.as_str())
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query(AssertSqlSafe(sql.insert_counters.as_str()))
                        .bind(kind.as_str())
                        .bind(name.as_str())
                        .bind(counters.used_quota_size)
                        .bind(counters.used_quota_files)
                        .bind(counters.last_quota_update)
                        .bind(counters.used_upload)
                        .bind(counters.used_download)
                        .execute(&mut *conn)
                        .await?;
                    Self::insert_refs(sql, conn, kind, name, refs).await?;
                    ids.push(id);
                }
                Write::Update { kind, name, revision, data, refs } => {
                    let done = sqlx::query(AssertSqlSafe(sql.update.as_str()))
                        .bind(data.as_str())
                        .bind(kind.as_str())
                        .bind(name.as_str())
                        .bind(*revision)
                        .execute(&mut *conn)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(Self::missing_or_changed(sql, conn, kind, name).await);
                    }
                    sqlx::query(AssertSqlSafe(sql.delete_refs.as_str()))
                        .bind(kind.as_str())
                        .bind(name.as_str())
                        .execute(&mut *conn)
                        .await?;
                    Self::insert_refs(sql, conn, kind, name, refs).await?;
                }
                Write::Delete { kind, name, revision } => {
                    let done = match revision {
                        Some(r) => {
                            sqlx::query(AssertSqlSafe(sql.delete_rev.as_str()))
                                .bind(kind.as_str())
                                .bind(name.as_str())
                                .bind(*r)
                                .execute(&mut *conn)
                                .await?
                        }
                        None => {
                            sqlx::query(AssertSqlSafe(sql.delete.as_str()))
                                .bind(kind.as_str())
                                .bind(name.as_str())
                                .execute(&mut *conn)
                                .await?
                        }
                    };
                    if done.rows_affected() == 0 {
                        return Err(Self::missing_or_changed(sql, conn, kind, name).await);
                    }
                    for stmt in [&sql.delete_refs, &sql.delete_counters] {
                        sqlx::query(AssertSqlSafe(stmt.as_str()))
                            .bind(kind.as_str())
                            .bind(name.as_str())
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                Write::SetCounters { kind, name, counters } => {
                    let done = sqlx::query(AssertSqlSafe(sql.set_counters.as_str()))
                        .bind(counters.used_quota_size)
                        .bind(counters.used_quota_files)
                        .bind(counters.last_quota_update)
                        .bind(counters.used_upload)
                        .bind(counters.used_download)
                        .bind(kind.as_str())
                        .bind(name.as_str())
                        .execute(&mut *conn)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(not_found(kind, name).into());
                    }
                }
                Write::RequireUnreferenced { kind, name } => {
                    // A locking read: it sees references committed by others meanwhile.
                    let found = sqlx::query(AssertSqlSafe(sql.referenced.as_str()))
                        .bind(kind.as_str())
                        .bind(name.as_str())
                        .fetch_optional(&mut *conn)
                        .await?;
                    if found.is_some() {
                        return Err(conflict(kind, name).into());
                    }
                }
                Write::Require { kind, name } => {
                    let found = sqlx::query(AssertSqlSafe(sql.exists_locked.as_str()))
                        .bind(kind.as_str())
                        .bind(name.as_str())
                        .fetch_optional(&mut *conn)
                        .await?;
                    if found.is_none() {
                        return Err(not_found(kind, name).into());
                    }
                }
            }
        }
        Ok(ids)
    }

    async fn insert_refs(
        sql: &Statements,
        conn: &mut AnyConnection,
        kind: &str,
        name: &str,
        refs: &[Ref],
    ) -> Result<(), Failure> {
        let mut refs: Vec<&Ref> = refs.iter().collect();
        refs.sort();
        refs.dedup();
        for r in refs {
            sqlx::query(AssertSqlSafe(sql.insert_ref.as_str()))
                .bind(kind)
                .bind(name)
                .bind(r.kind.as_str())
                .bind(r.name.as_str())
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    async fn missing_or_changed(sql: &Statements, conn: &mut AnyConnection, kind: &str, name: &str) -> Failure {
        match sqlx::query(AssertSqlSafe(sql.exists.as_str())).bind(kind).bind(name).fetch_optional(&mut *conn).await {
            Ok(Some(_)) => conflict(kind, name).into(),
            Ok(None) => not_found(kind, name).into(),
            Err(e) => e.into(),
        }
    }

    async fn read_version(&self, conn: &mut AnyConnection) -> Result<Option<u32>, sqlx::Error> {
        if let Err(e) = conn.execute(AssertSqlSafe(self.sql.version_table.as_str())).await {
            // When two processes start on an empty PostgreSQL database at once, the loser of
            // `CREATE TABLE IF NOT EXISTS` gets a unique violation on the catalog: the table exists.
            let created_concurrently = e
                .as_database_error()
                .is_some_and(|d| d.is_unique_violation() || d.message().contains("already exists"));
            if !created_concurrently {
                return Err(e);
            }
        }
        let v: Option<i64> =
            sqlx::query(AssertSqlSafe(self.sql.read_version.as_str())).fetch_one(&mut *conn).await?.try_get(0)?;
        Ok(v.and_then(|v| u32::try_from(v).ok()))
    }

    /// Takes the engine's schema lock on `conn` (released by [`Self::unlock_schema`] or at commit).
    async fn lock_schema(&self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        match self.dialect {
            Dialect::Sqlite => conn.execute("BEGIN IMMEDIATE").await.map(|_| ()),
            Dialect::Postgres => {
                conn.execute("BEGIN").await?;
                // An arbitrary constant identifying Wharf's schema lock.
                conn.execute("SELECT pg_advisory_xact_lock(727368617266)").await.map(|_| ())
            }
            Dialect::Cockroach => conn.execute("BEGIN").await.map(|_| ()),
            Dialect::MySql => {
                let got: Option<i64> = sqlx::query("SELECT GET_LOCK(?, 60)")
                    .bind(format!("wharf_schema_{}", self.prefix))
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
                if got == Some(1) {
                    Ok(())
                } else {
                    Err(sqlx::Error::Protocol("timed out waiting for the schema lock".into()))
                }
            }
        }
    }

    async fn unlock_schema(&self, conn: &mut AnyConnection, commit: bool) -> Result<(), sqlx::Error> {
        match self.dialect {
            Dialect::MySql => {
                sqlx::query("SELECT RELEASE_LOCK(?)")
                    .bind(format!("wharf_schema_{}", self.prefix))
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }
            _ => conn.execute(if commit { "COMMIT" } else { "ROLLBACK" }).await.map(|_| ()),
        }
    }

    async fn migrate_locked(&self, conn: &mut AnyConnection, target: u32) -> BackendResult<()> {
        let current = self.read_version(conn).await.map_err(db)?.unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(BackendError::Schema(format!(
                "the database schema is at version {current}, newer than this build supports ({SCHEMA_VERSION})"
            )));
        }
        let mut version = current;
        while version != target {
            let (step, statements) = if version < target {
                (version + 1, migration(self.dialect, &self.prefix, version + 1).0)
            } else {
                (version - 1, migration(self.dialect, &self.prefix, version).1)
            };
            for stmt in statements {
                if let Err(e) = conn.execute(AssertSqlSafe(stmt.as_str())).await {
                    // CREATE INDEX has no portable IF NOT EXISTS; an index left by a half-applied
                    // non-transactional (MySQL) migration is fine to keep.
                    let dup = stmt.starts_with("CREATE INDEX")
                        && e.as_database_error().is_some_and(|d| {
                            d.message().contains("already exists") || d.message().contains("Duplicate key name")
                        });
                    if !dup {
                        return Err(BackendError::Schema(format!("migration to version {step} failed: {e}")));
                    }
                }
            }
            let q = if version == 0 { &self.sql.insert_version } else { &self.sql.update_version };
            sqlx::query(AssertSqlSafe(q.as_str())).bind(i64::from(step)).execute(&mut *conn).await.map_err(db)?;
            tracing::info!(driver = self.dialect.driver(), from = version, to = step, "schema migrated");
            version = step;
        }
        Ok(())
    }
}

#[async_trait]
impl Backend for SqlBackend {
    fn driver(&self) -> &'static str {
        self.dialect.driver()
    }

    async fn schema_version(&self) -> BackendResult<Option<u32>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        self.read_version(&mut conn).await.map_err(db)
    }

    async fn migrate(&self, target: u32) -> BackendResult<()> {
        if !(MIN_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&target) {
            return Err(BackendError::Schema(format!(
                "version {target} is not between {MIN_SCHEMA_VERSION} and {SCHEMA_VERSION}"
            )));
        }
        let mut conn = self.pool.acquire().await.map_err(db)?;
        // Make sure the version table exists before taking a lock that may live in a transaction.
        self.read_version(&mut conn).await.map_err(db)?;
        self.lock_schema(&mut conn).await.map_err(db)?;
        let result = self.migrate_locked(&mut conn, target).await;
        let end = self.unlock_schema(&mut conn, result.is_ok()).await;
        result?;
        end.map_err(db)
    }

    async fn reset(&self) -> BackendResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        for t in all_tables(&self.prefix) {
            conn.execute(AssertSqlSafe(format!("DROP TABLE IF EXISTS {t}"))).await.map_err(db)?;
        }
        tracing::info!(driver = self.dialect.driver(), "database reset");
        Ok(())
    }

    async fn get(&self, kind: &str, name: &str) -> BackendResult<Option<Record>> {
        let row = sqlx::query(AssertSqlSafe(self.sql.get.as_str()))
            .bind(kind)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(record).transpose().map_err(db)
    }

    async fn list(&self, kind: &str, query: ListQuery) -> BackendResult<Vec<Record>> {
        let stmt = if query.descending { &self.sql.list_desc } else { &self.sql.list_asc };
        let limit = query.limit.map_or(i64::MAX, to_i64);
        let rows = sqlx::query(AssertSqlSafe(stmt.as_str()))
            .bind(kind)
            .bind(limit)
            .bind(to_i64(query.offset))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(record).collect::<Result<_, _>>().map_err(db)
    }

    async fn referrers(&self, kind: &str, target: &Ref) -> BackendResult<Vec<String>> {
        let rows = sqlx::query(AssertSqlSafe(self.sql.referrers.as_str()))
            .bind(target.kind.as_str())
            .bind(target.name.as_str())
            .bind(kind)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>().map_err(db)
    }

    async fn write(&self, batch: Vec<Write>) -> BackendResult<Vec<i64>> {
        let sql = self.sql.clone();
        let batch = Arc::new(batch);
        self.in_transaction(move |conn| {
            let sql = sql.clone();
            let batch = batch.clone();
            Box::pin(async move { Self::apply(&sql, conn, &batch).await })
        })
        .await
    }

    async fn add_counters(&self, kind: &str, name: &str, delta: CounterDelta) -> BackendResult<()> {
        let p = &self.prefix;
        let mut sets = Vec::new();
        let mut args = Vec::new();
        if delta.reset_quota {
            sets.push("used_quota_size = ?, used_quota_files = ?");
        } else {
            sets.push("used_quota_size = used_quota_size + ?, used_quota_files = used_quota_files + ?");
        }
        args.extend([delta.quota_size, delta.quota_files]);
        if delta.touches_quota() {
            sets.push("last_quota_update = ?");
            args.push(delta.now_ms);
        }
        if delta.reset_transfer {
            sets.push("used_upload = ?, used_download = ?");
        } else {
            sets.push("used_upload = used_upload + ?, used_download = used_download + ?");
        }
        args.extend([delta.upload, delta.download]);
        let stmt = placeholders(
            self.dialect,
            &format!("UPDATE {p}counters SET {} WHERE kind = ? AND name = ?", sets.join(", ")),
        );
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut q = sqlx::query(AssertSqlSafe(stmt.as_str()));
            for a in &args {
                q = q.bind(*a);
            }
            match q.bind(kind).bind(name).execute(&self.pool).await {
                Ok(done) if done.rows_affected() == 0 => return Err(not_found(kind, name)),
                Ok(_) => return Ok(()),
                Err(e) if transient(&e) && attempt < MAX_ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
                }
                Err(e) => return Err(db(e)),
            }
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
