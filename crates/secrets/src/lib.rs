//! Wharf secrets: user and admin password hashes, and the KMS that encrypts stored secrets
//! (cloud credentials, crypt passphrases, TOTP secrets) in SFTPGo-compatible formats.
//!
//! - [`password`] verifies every hash format SFTPGo accepts for users and admins, and produces new
//!   bcrypt (`$2a$`) or argon2id hashes.
//! - [`kms`] encrypts and decrypts [`wharf_model::Secret`] values with the local `Secretbox`
//!   scheme and the legacy `AES-256-GCM` (builtin) scheme.
//!
//! Everything here is synchronous, CPU-bound and free of I/O; callers that run on an async
//! runtime should move password verification onto a blocking thread.
#![forbid(unsafe_code)]

pub mod kms;
pub mod password;
pub mod totp;
