//! Integration tests of the object model: SFTPGo-shaped fixtures, round trips, omitted-when-empty
//! fields, enums, dumps, validation, permissions, group inheritance, keys and references.

// Test helpers outside #[test] functions unwrap too: a panic is the failure report here.
#![allow(clippy::unwrap_used)]

mod dump;
mod enums;
mod fixtures;
mod inherit;
mod keys;
mod objects;
mod output;
mod perms;
mod roundtrip;
mod validation;
