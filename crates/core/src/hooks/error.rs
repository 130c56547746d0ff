//! The hook error type.

use std::time::Duration;

use super::HookKind;

/// Why a hook failed. Messages name the hook and what went wrong (exit status, HTTP status,
/// timeout) but never the hook's input, its output, or URL credentials and query strings,
/// which may carry secrets.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// The hook setting is neither an absolute program path nor a usable http(s) URL.
    #[error("{hook} hook: {reason}")]
    InvalidHook {
        /// The hook.
        hook: HookKind,
        /// What is wrong with the setting.
        reason: String,
    },
    /// The program could not be started.
    #[error("{hook} hook: cannot start {program}: {source}")]
    Spawn {
        /// The hook.
        hook: HookKind,
        /// Program path.
        program: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Waiting for the program or reading its output failed.
    #[error("{hook} hook: error while running {program}: {source}")]
    Io {
        /// The hook.
        hook: HookKind,
        /// Program path.
        program: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The program ended unsuccessfully.
    #[error("{hook} hook: {program} failed ({status})")]
    ExitStatus {
        /// The hook.
        hook: HookKind,
        /// Program path.
        program: String,
        /// `exit code N` or `killed by signal N`.
        status: String,
    },
    /// The program or the HTTP request did not finish in time; a program is killed with its
    /// whole process group.
    #[error("{hook} hook: {target} did not finish within {timeout:?}")]
    Timeout {
        /// The hook.
        hook: HookKind,
        /// Program path or URL (without credentials and query).
        target: String,
        /// The limit that was exceeded.
        timeout: Duration,
    },
    /// The program wrote more to its standard output than hooks may answer.
    #[error("{hook} hook: {program} wrote more than {limit} bytes to its standard output")]
    OutputTooLarge {
        /// The hook.
        hook: HookKind,
        /// Program path.
        program: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The HTTP hook answered with a status that means failure.
    #[error("{hook} hook: {url} answered HTTP {status} (after {attempts} attempt(s))")]
    HttpStatus {
        /// The hook.
        hook: HookKind,
        /// URL without credentials and query.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The HTTP request could not be made (connection, TLS, protocol error).
    #[error("{hook} hook: request to {url} failed after {attempts} attempt(s): {reason}")]
    Http {
        /// The hook.
        hook: HookKind,
        /// URL without credentials and query.
        url: String,
        /// What failed.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The HTTP response body is larger than hooks may answer.
    #[error("{hook} hook: the response of {url} is larger than {limit} bytes")]
    ResponseTooLarge {
        /// The hook.
        hook: HookKind,
        /// URL without credentials and query.
        url: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The `http` section cannot be turned into a client (unreadable or invalid certificate).
    #[error("http client configuration: {0}")]
    HttpConfig(String),
    /// The event could not be encoded as JSON.
    #[error("{hook} hook: cannot encode the event as JSON: {source}")]
    Encode {
        /// The hook.
        hook: HookKind,
        /// The encoder's reason.
        source: serde_json::Error,
    },
}
