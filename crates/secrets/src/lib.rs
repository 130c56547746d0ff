//! Wharf secrets crate.
#![forbid(unsafe_code)]
