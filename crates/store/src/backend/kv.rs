//! The embedded key-value engine (driver `bolt`, as SFTPGo names its embedded store), on redb.
//!
//! The whole data set is kept in memory (the same tables as the `memory` engine, so both behave
//! identically) and every change is written through to a redb file in one transaction before it is
//! acknowledged; a failed commit rolls the in-memory change back. redb locks the file, so one process
//! at a time may open it (as with SFTPGo's bolt driver); use `sqlite` for several processes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::memory::{Key, StoredEntry, Tables, Undo};
use super::{
    Backend, BackendError, BackendResult, CounterDelta, ListQuery, MIN_SCHEMA_VERSION, Record, Ref, SCHEMA_VERSION,
    Write,
};

const OBJECTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("objects");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const VERSION_KEY: &str = "schema_version";

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    db: Database,
    tables: Mutex<Tables>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The `bolt` driver.
#[derive(Debug, Clone)]
pub struct KvBackend {
    inner: Arc<Inner>,
}

fn db_err(e: impl std::fmt::Display) -> BackendError {
    BackendError::Database(e.to_string())
}

impl KvBackend {
    /// Opens (creating if needed) the database file and loads it into memory.
    pub async fn open(path: &Path) -> BackendResult<Self> {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(path)).await.map_err(db_err)?
    }

    fn open_blocking(path: PathBuf) -> BackendResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| BackendError::Io(format!("cannot create {}: {e}", dir.display())))?;
        }
        let db = Database::create(&path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => BackendError::Database(format!(
                "{} is in use by another process (the bolt driver allows one process at a time)",
                path.display()
            )),
            other => BackendError::Database(format!("{}: {other}", path.display())),
        })?;
        let mut tables = Tables::default();
        let read = db.begin_read().map_err(db_err)?;
        match read.open_table(OBJECTS) {
            Ok(t) => {
                for item in t.iter().map_err(db_err)? {
                    let (k, v) = item.map_err(db_err)?;
                    let (kind, name) = k.value();
                    let entry: StoredEntry = serde_json::from_slice(v.value()).map_err(|e| {
                        BackendError::Database(format!("{}: corrupt entry {kind}/{name}: {e}", path.display()))
                    })?;
                    tables.restore((kind.to_owned(), name.to_owned()), entry);
                }
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(db_err(e)),
        }
        drop(read);
        Ok(Self { inner: Arc::new(Inner { path, db, tables: Mutex::new(tables) }) })
    }

    /// Writes the touched keys through to disk; on failure the caller undoes the in-memory change.
    fn persist(inner: &Inner, tables: &Tables, undo: &Undo) -> BackendResult<()> {
        let txn = inner.db.begin_write().map_err(db_err)?;
        {
            let mut t = txn.open_table(OBJECTS).map_err(db_err)?;
            for key in undo.keys() {
                match tables.stored(key) {
                    Some(entry) => {
                        let bytes = serde_json::to_vec(&entry).map_err(db_err)?;
                        t.insert((key.0.as_str(), key.1.as_str()), bytes.as_slice()).map_err(db_err)?;
                    }
                    None => {
                        t.remove((key.0.as_str(), key.1.as_str())).map_err(db_err)?;
                    }
                }
            }
        }
        txn.commit().map_err(db_err)
    }

    /// Runs a change on the in-memory tables and writes it through, off the async runtime.
    async fn change<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Tables) -> BackendResult<(T, Undo)> + Send + 'static,
    ) -> BackendResult<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut tables = inner.lock();
            let (out, undo) = f(&mut tables)?;
            if let Err(e) = Self::persist(&inner, &tables, &undo) {
                tables.undo(undo);
                return Err(e);
            }
            Ok(out)
        })
        .await
        .map_err(db_err)?
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> BackendResult<T> + Send + 'static,
    ) -> BackendResult<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner)).await.map_err(db_err)?
    }
}

#[async_trait]
impl Backend for KvBackend {
    fn driver(&self) -> &'static str {
        "bolt"
    }

    async fn schema_version(&self) -> BackendResult<Option<u32>> {
        self.blocking(|inner| {
            let read = inner.db.begin_read().map_err(db_err)?;
            let t = match read.open_table(META) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(db_err(e)),
            };
            let v = t.get(VERSION_KEY).map_err(db_err)?.map(|g| g.value());
            v.map(|v| u32::try_from(v).map_err(|_| BackendError::Schema(format!("invalid schema version {v}"))))
                .transpose()
        })
        .await
    }

    async fn migrate(&self, target: u32) -> BackendResult<()> {
        if !(MIN_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&target) {
            return Err(BackendError::Schema(format!(
                "version {target} is not between {MIN_SCHEMA_VERSION} and {SCHEMA_VERSION}"
            )));
        }
        // Both versions share one layout in this engine (the tables added by version 2 are created on
        // first use), so a migration only records the version.
        self.blocking(move |inner| {
            let txn = inner.db.begin_write().map_err(db_err)?;
            {
                let mut t = txn.open_table(META).map_err(db_err)?;
                t.insert(VERSION_KEY, u64::from(target)).map_err(db_err)?;
                txn.open_table(OBJECTS).map_err(db_err)?;
            }
            txn.commit().map_err(db_err)
        })
        .await
    }

    async fn reset(&self) -> BackendResult<()> {
        self.blocking(|inner| {
            let txn = inner.db.begin_write().map_err(db_err)?;
            txn.delete_table(OBJECTS).map_err(db_err)?;
            txn.delete_table(META).map_err(db_err)?;
            txn.commit().map_err(db_err)?;
            inner.lock().clear();
            tracing::info!(path = %inner.path.display(), "bolt database reset");
            Ok(())
        })
        .await
    }

    async fn get(&self, kind: &str, name: &str) -> BackendResult<Option<Record>> {
        Ok(self.inner.lock().get(kind, name))
    }

    async fn list(&self, kind: &str, query: ListQuery) -> BackendResult<Vec<Record>> {
        Ok(self.inner.lock().list(kind, query))
    }

    async fn referrers(&self, kind: &str, target: &Ref) -> BackendResult<Vec<String>> {
        Ok(self.inner.lock().referrers(kind, target))
    }

    async fn write(&self, batch: Vec<Write>) -> BackendResult<Vec<i64>> {
        self.change(move |t| t.write(batch)).await
    }

    async fn add_counters(&self, kind: &str, name: &str, delta: CounterDelta) -> BackendResult<()> {
        let (kind, name): Key = (kind.to_owned(), name.to_owned());
        self.change(move |t| t.add_counters(&kind, &name, delta).map(|u| ((), u))).await
    }

    async fn close(&self) {}
}
