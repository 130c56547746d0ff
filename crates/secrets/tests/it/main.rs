//! Integration tests of wharf-secrets: known-answer vectors from other implementations.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod kms_vectors;
mod password_vectors;
mod robustness;
