//! Wharf core: everything between the protocol fronts and storage. The [`session`] is the one place
//! where policy is decided (permissions, file patterns, quotas, size limits, bandwidth, upload modes,
//! hooks, transfer log, metrics); [`auth`] decides who may log in; [`registry`] knows every
//! connection and transfer; [`hooks`] runs SFTPGo-compatible external programs and HTTP hooks;
//! [`services`] builds them all from the configuration.
#![forbid(unsafe_code)]

pub mod auth;
pub mod hooks;
mod metrics;
pub mod registry;
pub mod services;
pub mod session;
