//! The storage engines under the data provider.
//!
//! A backend is deliberately dumb: it stores JSON documents under `(kind, name)`, with a numeric id, a
//! revision for optimistic concurrency, the list of other objects each document references (so reverse
//! lookups such as "which users use this folder" are indexed), and a row of usage counters that can be
//! incremented atomically. Everything that has meaning — validation, hashing, secrets, cascades, dumps —
//! lives once in [`crate::Store`], above every backend, so the six drivers cannot drift apart.

use async_trait::async_trait;

pub mod kv;
pub mod memory;
pub mod sql;

/// Schema versions this build knows. Version 1 holds the objects; version 2 adds the tables that
/// shared (multi-node) features use: defender hosts/events, shared sessions, active transfers, nodes.
pub const SCHEMA_VERSION: u32 = 2;
/// The oldest version `revertprovider --to-version` accepts.
pub const MIN_SCHEMA_VERSION: u32 = 1;

/// A reference from one stored object to another, e.g. a user to a folder it mounts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref {
    /// Kind of the referenced object (a short table key such as `folder`).
    pub kind: String,
    /// Name (key) of the referenced object.
    pub name: String,
}

impl Ref {
    /// Builds a reference.
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> Self {
        Self { kind: kind.into(), name: name.into() }
    }
}

/// Usage counters kept beside an object (users and folders use them), outside the document so that
/// concurrent increments never rewrite, or lose, each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Bytes used (quota).
    pub used_quota_size: i64,
    /// Files used (quota).
    pub used_quota_files: i64,
    /// When the quota counters last changed, in ms since the epoch.
    pub last_quota_update: i64,
    /// Bytes uploaded (transfer quota).
    pub used_upload: i64,
    /// Bytes downloaded (transfer quota).
    pub used_download: i64,
}

/// An atomic change to [`Counters`]: deltas, or a reset to the given values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterDelta {
    /// Added to `used_quota_size` (or the new value when `reset_quota`).
    pub quota_size: i64,
    /// Added to `used_quota_files` (or the new value when `reset_quota`).
    pub quota_files: i64,
    /// Replace the quota counters instead of adding to them.
    pub reset_quota: bool,
    /// Added to `used_upload` (or the new value when `reset_transfer`).
    pub upload: i64,
    /// Added to `used_download` (or the new value when `reset_transfer`).
    pub download: i64,
    /// Replace the transfer counters instead of adding to them.
    pub reset_transfer: bool,
    /// The time to record as `last_quota_update` (ms) when the quota counters change.
    pub now_ms: i64,
}

impl CounterDelta {
    fn touches_quota(&self) -> bool {
        self.reset_quota || self.quota_size != 0 || self.quota_files != 0
    }

    /// Applies the change to a copy of `c` (used by the in-process engines).
    pub fn apply(&self, c: &mut Counters) {
        if self.reset_quota {
            c.used_quota_size = self.quota_size;
            c.used_quota_files = self.quota_files;
        } else {
            c.used_quota_size += self.quota_size;
            c.used_quota_files += self.quota_files;
        }
        if self.touches_quota() {
            c.last_quota_update = self.now_ms;
        }
        if self.reset_transfer {
            c.used_upload = self.upload;
            c.used_download = self.download;
        } else {
            c.used_upload += self.upload;
            c.used_download += self.download;
        }
    }
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The object's key within its kind.
    pub name: String,
    /// Numeric id, unique within the kind, assigned at insert.
    pub id: i64,
    /// Incremented on every update; writers pass the revision they read.
    pub revision: i64,
    /// The document (JSON text).
    pub data: String,
    /// The counters row.
    pub counters: Counters,
}

/// One change in an atomic batch.
#[derive(Debug, Clone)]
pub enum Write {
    /// Creates an object; fails with [`BackendError::AlreadyExists`] if the name is taken.
    Insert {
        /// Kind (table key).
        kind: String,
        /// Name.
        name: String,
        /// The document.
        data: String,
        /// Objects it references.
        refs: Vec<Ref>,
        /// Initial counters.
        counters: Counters,
    },
    /// Replaces an object's document and references if its revision is still `revision`.
    Update {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
        /// The revision the caller read; a different stored revision is a [`BackendError::Conflict`].
        revision: i64,
        /// The new document.
        data: String,
        /// The new references.
        refs: Vec<Ref>,
    },
    /// Removes an object, its references and counters (if `revision` is given, only at that revision).
    Delete {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
        /// Expected revision, if the caller read the object first.
        revision: Option<i64>,
    },
    /// Overwrites the counters of an existing object.
    SetCounters {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
        /// New values.
        counters: Counters,
    },
    /// Fails the batch with [`BackendError::NotFound`] unless the object exists (a precondition, so that
    /// a reference cannot be written to an object deleted concurrently).
    Require {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
    },
    /// Fails the batch with [`BackendError::Conflict`] if any object still references `(kind, name)`
    /// at this point of the batch (a postcondition of a deletion: an object that started to point to
    /// the deleted one concurrently must not be left dangling; the caller retries).
    RequireUnreferenced {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
    },
}

/// Which page of a kind to list, ordered by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListQuery {
    /// Maximum number of records (None = all).
    pub limit: Option<u64>,
    /// Records to skip.
    pub offset: u64,
    /// Descending name order instead of ascending.
    pub descending: bool,
}

/// Errors of a storage engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The object does not exist.
    #[error("{kind} {name:?} does not exist")]
    NotFound {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
    },
    /// An object with this name already exists.
    #[error("{kind} {name:?} already exists")]
    AlreadyExists {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
    },
    /// The object changed since it was read.
    #[error("{kind} {name:?} was changed concurrently, retry")]
    Conflict {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
    },
    /// The schema is missing, too old, too new, or a migration failed.
    #[error("schema: {0}")]
    Schema(String),
    /// The database reported an error.
    #[error("database: {0}")]
    Database(String),
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// The operation is not available with this driver.
    #[error("{0}")]
    Unsupported(String),
}

/// Result alias for backend calls.
pub type BackendResult<T> = Result<T, BackendError>;

/// A storage engine. All methods are safe to call concurrently; [`Backend::write`] is atomic.
#[async_trait]
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// The driver name as configured (`sqlite`, `postgresql`, `mysql`, `cockroachdb`, `bolt`, `memory`).
    fn driver(&self) -> &'static str;
    /// The stored schema version, or None when the schema was never initialised.
    async fn schema_version(&self) -> BackendResult<Option<u32>>;
    /// Creates or upgrades (or, when lower, reverts) the schema to `target`.
    async fn migrate(&self, target: u32) -> BackendResult<()>;
    /// Drops every table and all data.
    async fn reset(&self) -> BackendResult<()>;
    /// One object.
    async fn get(&self, kind: &str, name: &str) -> BackendResult<Option<Record>>;
    /// A page of objects of one kind, ordered by name.
    async fn list(&self, kind: &str, query: ListQuery) -> BackendResult<Vec<Record>>;
    /// Names of the objects of `kind` that reference `target`, ordered by name.
    async fn referrers(&self, kind: &str, target: &Ref) -> BackendResult<Vec<String>>;
    /// Applies a batch atomically: all of it or nothing. Returns the ids given to inserted objects, in
    /// the order of the inserts.
    async fn write(&self, batch: Vec<Write>) -> BackendResult<Vec<i64>>;
    /// Changes an object's counters atomically (concurrent calls never lose increments).
    async fn add_counters(&self, kind: &str, name: &str, delta: CounterDelta) -> BackendResult<()>;
    /// Releases connections and file locks.
    async fn close(&self);
}

fn not_found(kind: &str, name: &str) -> BackendError {
    BackendError::NotFound { kind: kind.to_owned(), name: name.to_owned() }
}

fn already_exists(kind: &str, name: &str) -> BackendError {
    BackendError::AlreadyExists { kind: kind.to_owned(), name: name.to_owned() }
}

fn conflict(kind: &str, name: &str) -> BackendError {
    BackendError::Conflict { kind: kind.to_owned(), name: name.to_owned() }
}
