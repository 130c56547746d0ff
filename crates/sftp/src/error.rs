//! Errors: [`SftpError`] ends a session; [`status_for`] is the one place where a file operation's
//! [`FsError`] becomes an SFTP status code and message.

use std::borrow::Cow;

use wharf_vfs::FsError;

use crate::proto::{FrameError, PacketError, status};

/// Why a session ended abnormally. Clean ends (the client closed its side between packets) are not
/// errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SftpError {
    /// Reading the client's packets failed.
    #[error("reading from the client failed: {0}")]
    Io(#[from] std::io::Error),
    /// A packet length the framing refuses (too large, or empty): the stream cannot be resynchronised.
    #[error("{0}")]
    Frame(#[from] FrameError),
    /// A packet too short to hold a request id, or a malformed INIT: there is no id to answer.
    #[error("malformed packet: {0}")]
    Malformed(PacketError),
    /// The stream ended in the middle of a packet.
    #[error("the client closed the stream in the middle of a packet")]
    Truncated,
    /// The client broke the protocol's sequence (no INIT first, a second INIT).
    #[error("protocol violation: {0}")]
    Protocol(&'static str),
    /// A request task failed unexpectedly (a bug): the session was ended.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What the failing operation was, where the same storage error deserves a different status code
/// (SFTPGo answers `SSH_FX_OP_UNSUPPORTED` when a directory is opened for writing or is the target of
/// a file rename, and `SSH_FX_FAILURE` when REMOVE meets a directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorContext {
    /// Any operation not listed below.
    General,
    /// OPEN with write access.
    OpenWrite,
    /// RENAME and posix-rename.
    Rename,
}

/// The SFTP status code and message for a file operation's error. The messages are the error's own
/// text, which never holds host paths; quota errors keep SFTPGo's wording (`denying write due to
/// space limit`) under `SSH_FX_FAILURE`.
pub fn status_for(err: &FsError, ctx: ErrorContext) -> (u32, Cow<'static, str>) {
    match err {
        FsError::NotFound => (status::NO_SUCH_FILE, Cow::Borrowed("No such file or directory")),
        FsError::PermissionDenied(_) => (status::PERMISSION_DENIED, Cow::Owned(err.to_string())),
        FsError::IsADirectory if ctx != ErrorContext::General => {
            (status::OP_UNSUPPORTED, Cow::Borrowed("the target is a directory"))
        }
        FsError::Unsupported(_) => (status::OP_UNSUPPORTED, Cow::Owned(err.to_string())),
        FsError::QuotaExceeded(msg) => (status::FAILURE, msg.clone()),
        FsError::AlreadyExists
        | FsError::NotADirectory
        | FsError::IsADirectory
        | FsError::DirectoryNotEmpty
        | FsError::InvalidInput(_)
        | FsError::Failure(_) => (status::FAILURE, Cow::Owned(err.to_string())),
        // Variants added later: a failure with their own text.
        #[allow(unreachable_patterns)]
        _ => (status::FAILURE, Cow::Owned(err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        let code = |e: FsError, c| status_for(&e, c).0;
        assert_eq!(code(FsError::NotFound, ErrorContext::General), status::NO_SUCH_FILE);
        assert_eq!(code(FsError::denied(), ErrorContext::General), status::PERMISSION_DENIED);
        assert_eq!(code(FsError::unsupported("x"), ErrorContext::General), status::OP_UNSUPPORTED);
        assert_eq!(code(FsError::IsADirectory, ErrorContext::General), status::FAILURE);
        assert_eq!(code(FsError::IsADirectory, ErrorContext::OpenWrite), status::OP_UNSUPPORTED);
        assert_eq!(code(FsError::IsADirectory, ErrorContext::Rename), status::OP_UNSUPPORTED);
        assert_eq!(code(FsError::DirectoryNotEmpty, ErrorContext::General), status::FAILURE);
        assert_eq!(
            status_for(&FsError::quota(), ErrorContext::General),
            (status::FAILURE, "denying write due to space limit".into())
        );
        assert_eq!(
            status_for(
                &FsError::QuotaExceeded("denying read due to transfer quota limit".into()),
                ErrorContext::General
            )
            .1,
            "denying read due to transfer quota limit"
        );
    }
}
