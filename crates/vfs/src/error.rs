//! The one error type of file operations. Backends return it, the session layer adds policy errors
//! of the same type, and each protocol front maps it to its status codes in exactly one function.

use std::borrow::Cow;

/// Why a file operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// The path does not exist (also: hidden by a file pattern with the hide policy).
    #[error("no such file or directory")]
    NotFound,
    /// Not allowed: permissions, file patterns, a failed pre-hook, an escape attempt.
    #[error("permission denied{}", detail(.0))]
    PermissionDenied(Cow<'static, str>),
    /// The target exists and the operation does not replace it.
    #[error("already exists")]
    AlreadyExists,
    /// A path component is not a directory, or a directory was required.
    #[error("not a directory")]
    NotADirectory,
    /// A file was required and the path is a directory.
    #[error("is a directory")]
    IsADirectory,
    /// The directory is not empty.
    #[error("directory not empty")]
    DirectoryNotEmpty,
    /// A disk quota, transfer quota or size limit was reached. The message says which.
    #[error("{0}")]
    QuotaExceeded(Cow<'static, str>),
    /// The backend or the configuration does not offer the operation.
    #[error("operation unsupported: {0}")]
    Unsupported(Cow<'static, str>),
    /// The request itself is malformed (bad path, bad offset, bad argument).
    #[error("invalid argument: {0}")]
    InvalidInput(Cow<'static, str>),
    /// Anything else: the message is safe to show to the client (no host paths).
    #[error("{0}")]
    Failure(Cow<'static, str>),
}

fn detail(d: &str) -> String {
    if d.is_empty() { String::new() } else { format!(": {d}") }
}

impl FsError {
    /// Permission denied without further detail.
    pub const fn denied() -> Self {
        Self::PermissionDenied(Cow::Borrowed(""))
    }

    /// A failure with a message.
    pub fn failure(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::Failure(msg.into())
    }

    /// An unsupported operation.
    pub fn unsupported(what: impl Into<Cow<'static, str>>) -> Self {
        Self::Unsupported(what.into())
    }

    /// Invalid input.
    pub fn invalid(what: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidInput(what.into())
    }

    /// The disk quota is exhausted (SFTPGo's wording).
    pub fn quota() -> Self {
        Self::QuotaExceeded(Cow::Borrowed("denying write due to space limit"))
    }

    /// Maps an OS error. The host path is never part of the message.
    pub fn from_io(e: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::NotFound => Self::NotFound,
            K::PermissionDenied => Self::denied(),
            K::AlreadyExists => Self::AlreadyExists,
            K::NotADirectory => Self::NotADirectory,
            K::IsADirectory => Self::IsADirectory,
            K::DirectoryNotEmpty => Self::DirectoryNotEmpty,
            K::InvalidInput | K::InvalidFilename => Self::invalid("invalid path or argument"),
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => Self::QuotaExceeded(Cow::Borrowed("no space left")),
            K::Unsupported => Self::unsupported("not supported by the storage"),
            _ => match e.raw_os_error() {
                // ELOOP: a symlink that resolution refused to follow (escape attempts end here too).
                Some(40) => Self::denied(),
                // EXDEV: a rename across the root (beneath-resolution refuses it).
                Some(18) => Self::denied(),
                _ => Self::failure(format!("storage error: {}", e.kind())),
            },
        }
    }
}

impl From<std::io::Error> for FsError {
    fn from(e: std::io::Error) -> Self {
        Self::from_io(&e)
    }
}

/// Result alias for file operations.
pub type FsResult<T> = Result<T, FsError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_without_paths() {
        let e = std::io::Error::new(std::io::ErrorKind::NotFound, "/srv/secret/host/path");
        assert_eq!(FsError::from_io(&e), FsError::NotFound);
        let e = std::io::Error::from_raw_os_error(40);
        assert_eq!(FsError::from_io(&e), FsError::denied());
        let e = std::io::Error::other("/srv/secret");
        assert!(!FsError::from_io(&e).to_string().contains("/srv"));
        assert_eq!(FsError::quota().to_string(), "denying write due to space limit");
    }
}
