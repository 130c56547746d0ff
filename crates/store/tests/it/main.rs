//! Integration tests of the data provider against real engines: SQLite files in temp dirs, the
//! machine's PostgreSQL and MariaDB (each test creates and drops its own database), the redb file
//! engine and the memory engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backend;
mod build;
mod crud;
mod dumps;
mod memory;
mod multiprocess;
mod passwords;
mod quota;
mod schema;
mod secrets;
mod support;
mod target;
