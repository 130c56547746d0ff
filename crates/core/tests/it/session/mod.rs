//! The session: SFTPGo's policy behaviours (dossier section n), on the local backend against a real
//! temp directory and, where the behaviour is storage-independent, on an object store too.

mod connections;
mod copy;
mod escape;
mod folders;
mod hooks;
mod links;
mod modes;
mod paths;
mod patterns;
mod perms;
mod quota;
pub mod support;
mod throttle;
mod uploads;
