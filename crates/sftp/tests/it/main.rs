//! Integration tests of the SFTP engine: protocol-level tests over an in-memory pipe, and interop
//! with the real OpenSSH `sftp` client over a raw TCP bridge.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_debug_implementations)]

mod interop;
mod protocol;
pub mod support;
