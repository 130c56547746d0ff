//! Wharf's SFTP server engine: SFTP version 3 (draft-ietf-secsh-filexfer-02, the version OpenSSH
//! speaks) over any pair of byte streams, independent of SSH.
//!
//! # What
//!
//! [`serve`] runs one SFTP session over an [`AsyncRead`](tokio::io::AsyncRead) /
//! [`AsyncWrite`](tokio::io::AsyncWrite) pair — the streams of an SSH `sftp` subsystem channel, or
//! stdin/stdout for `wharf startsubsys` — against a logged-in
//! [`Session`](wharf_core::session::Session). Every file operation goes through the session with
//! virtual paths: the engine never touches storage, and makes no policy decision of its own
//! (permissions, patterns, quotas, upload modes and hooks are the session's). [`proto`] is the
//! wire format, pure and synchronous, shared by the server, the tests and the fuzz target.
//!
//! # Why our own
//!
//! The engine is *pipelined*: requests are read continuously and run concurrently (64 at once by
//! default), and replies go out in request order (the protocol would allow any order, but
//! paramiko's pipelined uploads lose replies that overtake each other), while per-handle order is
//! kept where it matters (CLOSE waits for the requests on its handle that came before it;
//! writes to sequential-only storage are applied in request order). WRITE data is never copied
//! between the socket buffer and the storage, nor DATA between the storage and the output.
//!
//! # Behaviour (SFTPGo's, where the protocol leaves a choice)
//!
//! - OPEN: read-only opens are downloads; opens with write access are uploads. No `TRUNC` on an
//!   existing file means resume; with `APPEND`, writes below the size at open are refused; `EXCL`
//!   (with `CREAT`) fails on an existing file; without `CREAT` the file must exist. Read+write opens
//!   read back where the storage allows, elsewhere the reads fail with `SSH_FX_OP_UNSUPPORTED`.
//! - REALPATH is lexical, relative paths start at the user's start directory, `..` stops at `/`; it
//!   needs `list` on the directory holding the result, as in SFTPGo.
//! - RENAME replaces an existing file (like posix-rename), renaming a path onto itself is
//!   `SSH_FX_OP_UNSUPPORTED`; REMOVE on a directory fails; MKDIR is not recursive; SYMLINK takes
//!   OpenSSH's argument order (target, then link); READLINK answers a virtual path; SETSTAT with a
//!   size truncates. The attributes sent with OPEN and MKDIR are ignored, as SFTPGo does (new files
//!   and directories get the configured umask).
//! - FSTAT and FSETSTAT on an upload handle work on the data being written (the temporary file of an
//!   atomic upload); the mode and times set that way are applied again when the upload completes.
//! - READDIR answers at most 250 names per reply, `.` (and `..` below `/`) first.
//! - Errors map in exactly one function, [`status_for`]: quota errors are `SSH_FX_FAILURE` with
//!   SFTPGo's message (`denying write due to space limit`).
//! - Extensions announced in VERSION (more than SFTPGo announces): `posix-rename@openssh.com`,
//!   `statvfs@openssh.com` and `fstatvfs@openssh.com` (quota-aware), `hardlink@openssh.com` (the
//!   session's hard links: where the storage has them and `symlink_mode` allows links,
//!   `SSH_FX_OP_UNSUPPORTED` elsewhere), `fsync@openssh.com` (`SSH_FX_OK` on read handles; on uploads
//!   the session's answer, today `SSH_FX_OP_UNSUPPORTED` as no storage can flush an open upload),
//!   `lsetstat@openssh.com` (the link itself: a link's own attributes are unsupported),
//!   `limits@openssh.com` (the real limits below), `expand-path@openssh.com` (`~` and `~/x` are the
//!   home, `/`; then as REALPATH), `copy-data` (through the handles, so permissions, quotas, transfer
//!   quotas, bandwidth and upload modes apply exactly as to the client's own reads and writes),
//!   `home-directory` (`/`), `users-groups-by-id@openssh.com` (empty names: clients show the ids).
//!
//! # Limits
//!
//! | what | limit | on excess |
//! | --- | --- | --- |
//! | packet length | [`proto::MAX_PACKET_LEN`] (256 KiB) | the session ends with [`SftpError::Frame`] |
//! | WRITE payload | [`proto::MAX_WRITE_LEN`] (255 KiB) | `SSH_FX_BAD_MESSAGE` |
//! | READ length | [`proto::MAX_READ_LEN`] (255 KiB) | a shorter DATA reply |
//! | handle string | [`proto::MAX_HANDLE_LEN`] (256 bytes) | `SSH_FX_BAD_MESSAGE` |
//! | path string | [`proto::MAX_PATH_LEN`] (8 KiB) | `SSH_FX_BAD_MESSAGE` |
//! | open handles | [`ServeOptions::max_handles`] (256) | `SSH_FX_FAILURE` |
//! | requests in flight | [`ServeOptions::max_in_flight`] (64) | the server stops reading |
//!
//! A malformed packet whose request id can be read gets `SSH_FX_BAD_MESSAGE` (an unknown packet type
//! `SSH_FX_OP_UNSUPPORTED`) and the session goes on; one without a readable id, a first packet other
//! than INIT, or a second INIT ends the session with an error. Decoding never panics (fuzzed by the
//! `sftp_packet` target).
//!
//! When the client goes away (EOF or error), requests still running are waited for (up to
//! [`ServeOptions::drain_timeout`]), then open uploads are aborted — what remains of them follows the
//! session's upload mode — and open downloads are closed as failed.
//!
//! Not implemented: SFTP versions 4 to 6, `check-file`/`md5-hash`.
//! Each session logs in one `tracing` span named `sftp` with the session id, user, address and
//! protocol.
//!
//! The `server` feature (on by default) builds [`serve`]; without it only [`proto`] is built, with no
//! dependency on the rest of Wharf (the fuzz target uses it that way).
#![forbid(unsafe_code)]

#[cfg(feature = "server")]
pub mod error;
pub mod proto;
#[cfg(feature = "server")]
pub mod server;

#[cfg(feature = "server")]
pub use error::{ErrorContext, SftpError, status_for};
#[cfg(feature = "server")]
pub use server::{EXTENSIONS, ServeOptions, ServeSummary, serve};
