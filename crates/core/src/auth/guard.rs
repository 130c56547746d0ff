//! The seam for the defender and the rate limiters: asked before each login attempt, told the
//! outcome after it.

use std::net::IpAddr;

use async_trait::async_trait;

use super::{AuthError, LoginMethod, LoginProtocol};

/// How a login attempt ended, as the defender needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoginOutcome {
    /// The user logged in (or passed a first step of a multi-step login).
    Success,
    /// The attempt failed for an existing user (wrong credentials or a policy refusal).
    Failed,
    /// The attempt named a user that does not exist.
    UnknownUser,
}

/// Decides whether an address may attempt to log in, and learns from the outcomes.
///
/// [`super::Authenticator`] calls [`LoginGuard::check`] first thing in every login and
/// [`LoginGuard::record`] once the attempt is decided, except for failed public-key attempts:
/// clients routinely offer several keys, so (as SFTPGo does) the SSH front reports a failed
/// public-key authentication once per connection, through [`super::Authenticator::guard`].
#[async_trait]
pub trait LoginGuard: Send + Sync + std::fmt::Debug {
    /// Ok if `ip` may attempt a login over `protocol`; [`AuthError::Blocked`] otherwise.
    async fn check(&self, ip: IpAddr, protocol: LoginProtocol) -> Result<(), AuthError>;

    /// Records the outcome of an attempt.
    fn record(&self, ip: IpAddr, protocol: LoginProtocol, method: LoginMethod, outcome: LoginOutcome);
}

/// A guard that allows everything and remembers nothing (no defender, no rate limiter).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGuard;

#[async_trait]
impl LoginGuard for NoGuard {
    async fn check(&self, _ip: IpAddr, _protocol: LoginProtocol) -> Result<(), AuthError> {
        Ok(())
    }

    fn record(&self, _ip: IpAddr, _protocol: LoginProtocol, _method: LoginMethod, _outcome: LoginOutcome) {}
}
