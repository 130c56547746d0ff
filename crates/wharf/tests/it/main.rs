//! End-to-end tests of the `wharf` binary: each test runs the real executable in a fresh config dir.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod provider;
mod serve;
mod subsys;
mod support;
