//! [`AuthError`]: why a login was refused, in two registers. `Display` is the detailed reason for
//! logs; [`AuthError::client_message`] is what a client may be told, which never reveals whether
//! the account exists or which rule refused it.

use std::net::IpAddr;

use super::{LoginMethod, LoginProtocol};

/// What a client is told when its login fails for any reason tied to the account.
pub const CLIENT_AUTH_FAILED: &str = "authentication failed";
/// What a client is told when its address is refused before any account is looked at.
pub const CLIENT_ACCESS_DENIED: &str = "access denied";

/// Why a login was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No such user.
    #[error("user {username:?} does not exist")]
    UnknownUser {
        /// The name given.
        username: String,
    },
    /// The password, key or certificate does not match.
    #[error("invalid credentials for user {username:?}: {detail}")]
    InvalidCredentials {
        /// The user.
        username: String,
        /// What did not match.
        detail: String,
    },
    /// `status` is not 1.
    #[error("user {username:?} is disabled")]
    Disabled {
        /// The user.
        username: String,
    },
    /// `expiration_date` is in the past.
    #[error("user {username:?} expired at {expired_at_ms} ms, now is {now_ms} ms")]
    Expired {
        /// The user.
        username: String,
        /// The expiration date, ms since the epoch.
        expired_at_ms: i64,
        /// The time of the check, ms since the epoch.
        now_ms: i64,
    },
    /// Outside every `access_time` window.
    #[error("user {username:?} may not log in at this time ({when})")]
    OutsideAccessTime {
        /// The user.
        username: String,
        /// Day and time of the attempt, as checked (`<weekday> HH:MM <zone>`).
        when: String,
    },
    /// `allowed_ip` / `denied_ip` refuse the client address.
    #[error("user {username:?} may not log in from {ip}")]
    AddressNotAllowed {
        /// The user.
        username: String,
        /// The client address.
        ip: IpAddr,
    },
    /// The protocol is in `denied_protocols` (or forced off for anonymous users).
    #[error("protocol {protocol} is not allowed for user {username:?}")]
    ProtocolDenied {
        /// The user.
        username: String,
        /// The protocol.
        protocol: LoginProtocol,
    },
    /// The login method is in `denied_login_methods`, or the multi-step rules refuse this step.
    #[error("login method {method} is not allowed for user {username:?}")]
    MethodDenied {
        /// The user.
        username: String,
        /// The method.
        method: LoginMethod,
    },
    /// `require_password_change` (or an expired password) blocks this protocol until the password
    /// is changed over HTTP.
    #[error("user {username:?} must change the password before logging in over {protocol}")]
    PasswordChangeRequired {
        /// The user.
        username: String,
        /// The protocol.
        protocol: LoginProtocol,
    },
    /// `two_factor_protocols` lists the protocol but no TOTP is configured for it.
    #[error("user {username:?} must configure two-factor authentication for {protocol} before logging in")]
    SecondFactorNotConfigured {
        /// The user.
        username: String,
        /// The protocol.
        protocol: LoginProtocol,
    },
    /// A one-time passcode is needed and was missing or wrong.
    #[error("invalid or missing one-time passcode for user {username:?} over {protocol}: {detail}")]
    InvalidPasscode {
        /// The user.
        username: String,
        /// The protocol.
        protocol: LoginProtocol,
        /// What was wrong.
        detail: String,
    },
    /// `home_dir` is not an absolute path.
    #[error("user {username:?} has an invalid home directory {home_dir:?}: it must be an absolute path")]
    InvalidHomeDir {
        /// The user.
        username: String,
        /// The configured home directory.
        home_dir: String,
    },
    /// The login guard (defender, rate limiters) refused the address.
    #[error("login from {ip} over {protocol} refused: {reason}")]
    Blocked {
        /// The client address.
        ip: IpAddr,
        /// The protocol.
        protocol: LoginProtocol,
        /// Why (banned, rate limited…).
        reason: String,
    },
    /// The check itself failed (data provider unreachable, unreadable data).
    #[error("authentication of user {username:?} could not be completed: {detail}")]
    Internal {
        /// The user.
        username: String,
        /// What failed.
        detail: String,
    },
}

impl AuthError {
    /// The message a client may see. Account-related failures all read the same, so a client
    /// cannot learn whether a user exists or which rule applied.
    pub fn client_message(&self) -> &'static str {
        match self {
            AuthError::Blocked { .. } => CLIENT_ACCESS_DENIED,
            _ => CLIENT_AUTH_FAILED,
        }
    }

    /// True when the user does not exist (the defender scores these differently).
    pub fn is_unknown_user(&self) -> bool {
        matches!(self, AuthError::UnknownUser { .. })
    }

    /// A short stable name of the reason, for logs and metrics labels.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::UnknownUser { .. } => "unknown_user",
            AuthError::InvalidCredentials { .. } => "invalid_credentials",
            AuthError::Disabled { .. } => "disabled",
            AuthError::Expired { .. } => "expired",
            AuthError::OutsideAccessTime { .. } => "access_time",
            AuthError::AddressNotAllowed { .. } => "ip_not_allowed",
            AuthError::ProtocolDenied { .. } => "protocol_denied",
            AuthError::MethodDenied { .. } => "method_denied",
            AuthError::PasswordChangeRequired { .. } => "password_change_required",
            AuthError::SecondFactorNotConfigured { .. } => "second_factor_not_configured",
            AuthError::InvalidPasscode { .. } => "invalid_passcode",
            AuthError::InvalidHomeDir { .. } => "invalid_home_dir",
            AuthError::Blocked { .. } => "blocked",
            AuthError::Internal { .. } => "internal",
        }
    }
}
