//! Wharf config crate.
#![forbid(unsafe_code)]
