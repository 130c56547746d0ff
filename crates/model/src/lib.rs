//! Wharf's object model: users, folders, groups, admins, API keys, shares, roles, IP list entries,
//! event actions and rules, configs and secrets, in SFTPGo's JSON shape (REST API and dump format).
#![forbid(unsafe_code)]

pub mod secret;

pub use secret::{Secret, SecretStatus};
