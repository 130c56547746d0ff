//! Errors of the password module. Messages never contain the password, nor the stored hash.

use super::HashFormat;

/// Why a password could not be checked or hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// The stored value has no known hash prefix. Stored passwords are always hashes, so this is
    /// a data problem (or a plain password that skipped hashing), not a wrong password.
    #[error("the stored password is not in any supported hash format")]
    UnknownFormat,
    /// The stored value has a known prefix but cannot be decoded.
    #[error("malformed {format} hash: {reason}")]
    Malformed {
        /// The format recognised from the prefix.
        format: HashFormat,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The stored hash asks for more work (iterations, memory, cost) than Wharf accepts.
    #[error("{format} hash parameters exceed the accepted limits: {reason}")]
    LimitExceeded {
        /// The format recognised from the prefix.
        format: HashFormat,
        /// Which parameter is too large.
        reason: &'static str,
    },
    /// The parameters given for a new hash are not usable.
    #[error("invalid {format} hashing parameters: {reason}")]
    InvalidParams {
        /// The algorithm the parameters were meant for.
        format: HashFormat,
        /// What is wrong with them.
        reason: &'static str,
    },
    /// bcrypt only uses the first 72 bytes of a password; longer ones are refused when hashing.
    #[error("the password is longer than the {max} bytes bcrypt can hash")]
    PasswordTooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// The hash function itself failed.
    #[error("could not compute the {format} hash: {reason}")]
    Hashing {
        /// The algorithm that failed.
        format: HashFormat,
        /// The failure reported by the implementation.
        reason: String,
    },
}

impl PasswordError {
    pub(super) fn malformed(format: HashFormat, reason: &'static str) -> Self {
        Self::Malformed { format, reason }
    }

    pub(super) fn limit(format: HashFormat, reason: &'static str) -> Self {
        Self::LimitExceeded { format, reason }
    }
}
