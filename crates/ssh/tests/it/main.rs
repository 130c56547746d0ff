//! Integration tests of the SSH server with real OpenSSH clients.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod login;
mod support;
