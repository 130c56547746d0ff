//! Wharf store crate.
#![forbid(unsafe_code)]
