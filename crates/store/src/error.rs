//! The store's error type.

use wharf_model::Kind;

use crate::backend::BackendError;

/// Why a data provider operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The object does not exist.
    #[error("{kind} {name:?} does not exist")]
    NotFound {
        /// Kind.
        kind: Kind,
        /// Key.
        name: String,
    },
    /// An object with the same key exists.
    #[error("{kind} {name:?} already exists")]
    AlreadyExists {
        /// Kind.
        kind: Kind,
        /// Key.
        name: String,
    },
    /// The object failed validation; the message names the object and the field.
    #[error("{0}")]
    Invalid(String),
    /// The object is still used by others and cannot be removed.
    #[error("{kind} {name:?} is referenced by {by}, it cannot be removed")]
    Referenced {
        /// Kind.
        kind: Kind,
        /// Key.
        name: String,
        /// What still points to it.
        by: String,
    },
    /// The data provider configuration is unusable.
    #[error("{0}")]
    Config(String),
    /// A dump could not be read or loaded; nothing was changed.
    #[error("{0}")]
    Dump(String),
    /// The schema is missing, outdated or newer than this build.
    #[error("{0}")]
    Schema(String),
    /// Encrypting or decrypting a secret failed.
    #[error("secret: {0}")]
    Secret(String),
    /// The object kept changing under concurrent updates.
    #[error("{kind} {name:?} is being changed concurrently, retry")]
    Busy {
        /// Kind.
        kind: Kind,
        /// Key.
        name: String,
    },
    /// The operation is not available with this driver.
    #[error("{0}")]
    Unsupported(String),
    /// The engine failed.
    #[error("{0}")]
    Backend(BackendError),
}

impl From<BackendError> for StoreError {
    fn from(e: BackendError) -> Self {
        match e {
            BackendError::Schema(m) => Self::Schema(m),
            BackendError::Unsupported(m) => Self::Unsupported(m),
            other => Self::Backend(other),
        }
    }
}

impl From<wharf_model::ValidationError> for StoreError {
    fn from(e: wharf_model::ValidationError) -> Self {
        Self::Invalid(e.to_string())
    }
}

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;
