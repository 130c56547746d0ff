//! Integration tests for wharf-config: loading real files from disk with an injected environment.
// Helpers outside #[test] functions panic on setup failures too; that is what a test wants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod defaults;
mod env_overrides;
mod envdir;
mod errors;
mod formats;
mod removed;
mod search;
mod show;
mod support;
