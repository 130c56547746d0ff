//! Integration tests of the session layer, authentication, registry and hooks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod hooks;
mod registry;
mod session;
