//! Wharf's data provider: where users, folders, groups, admins and the rest are kept.
//!
//! Two layers: [`backend`] engines store documents (memory, SQLite, PostgreSQL, CockroachDB,
//! MySQL/MariaDB, an embedded key-value file); the store above them gives those documents their
//! meaning (validation, password hashing, secrets, references, dumps) once for every engine.
#![forbid(unsafe_code)]

pub mod backend;
