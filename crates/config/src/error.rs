//! Errors returned while locating, parsing, overriding or validating the configuration.

use std::path::PathBuf;

/// A configuration error. Every variant names what is wrong and where it came from (file and key,
/// or environment variable).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration file exists but could not be read.
    #[error("{}: cannot read the configuration file: {source}", path.display())]
    Read {
        /// File that failed.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The explicitly requested configuration file does not exist.
    #[error("{}: configuration file not found", path.display())]
    NotFound {
        /// Resolved path of the requested file.
        path: PathBuf,
    },
    /// The configuration file name has no supported extension.
    #[error(
        "{}: unsupported configuration file extension (use .json, .yaml, .yml, .toml, .hcl or .env)",
        path.display()
    )]
    UnsupportedFormat {
        /// Offending path.
        path: PathBuf,
    },
    /// The configuration file is not valid in its format.
    #[error("{}: invalid {format}: {message}", path.display())]
    Syntax {
        /// File that failed.
        path: PathBuf,
        /// Format name (`JSON`, `YAML`, ...).
        format: &'static str,
        /// Parser message.
        message: String,
    },
    /// The configuration file contains a key Wharf (and SFTPGo) does not know.
    #[error("{}: unknown configuration key {key}", path.display())]
    UnknownKey {
        /// File holding the key.
        path: PathBuf,
        /// Dotted key path, e.g. `sftpd.bindings[0].prot`.
        key: String,
    },
    /// The configuration file sets the same key twice (keys are case-insensitive).
    #[error("{}: duplicate configuration key {key}", path.display())]
    DuplicateKey {
        /// File holding the key.
        path: PathBuf,
        /// Dotted key path.
        key: String,
    },
    /// A value in the configuration file has the wrong type or is out of range.
    #[error("{}: {key}: {message}", path.display())]
    InvalidValue {
        /// File holding the value.
        path: PathBuf,
        /// Dotted key path, e.g. `sftpd.bindings[0].port`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// An environment variable that names a configuration key holds an unusable value.
    #[error("environment variable {var}: {message}")]
    InvalidEnv {
        /// Variable name, e.g. `SFTPGO_COMMON__IDLE_TIMEOUT`.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// The effective configuration is inconsistent or holds a value that cannot work.
    #[error("invalid configuration: {key}: {message}")]
    Invalid {
        /// Dotted key path.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The configuration could not be turned into JSON.
    #[error("cannot serialise the configuration: {0}")]
    Serialize(String),
}
