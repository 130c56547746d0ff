//! Wharf's data provider: where users, folders, groups, admins and the rest are kept.
//!
//! Two layers: [`backend`] engines store documents (memory, SQLite, PostgreSQL, CockroachDB,
//! MySQL/MariaDB, an embedded key-value file); the [`Store`] above them gives those documents their
//! meaning (validation, password hashing, secrets, references, dumps) once for every engine.
#![forbid(unsafe_code)]

mod auth;
pub mod backend;
pub mod dump;
mod error;
pub mod open;
pub mod scan;
mod store;
pub mod stored;

pub use dump::{LoadMode, LoadOptions, LoadReport, QuotaScanner, ScanQuota};
pub use error::{StoreError, StoreResult};
pub use open::{Driver, ProviderTarget};
pub use store::{InitOutcome, Settings, Store, now_ms};
