//! Integration tests of the SSH server with real clients: OpenSSH, paramiko and rclone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod login;
mod paramiko;
mod rclone;
mod support;
