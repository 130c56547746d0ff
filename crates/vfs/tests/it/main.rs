//! Integration tests of the storage backends against real temp directories.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;
mod containment;
