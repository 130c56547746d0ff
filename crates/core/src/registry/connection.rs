//! [`Connection`] handles and the [`SessionGuard`]s opened on them.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::transfer::{TransferHandle, TransferInfo};
use super::{CloseReason, ConnState, Protocol, RegistryError, Shared, lock};

/// A registered client connection. Cloning is cheap; the connection leaves the registry when the
/// last clone (including those held by its sessions and transfers) is dropped.
#[derive(Debug, Clone)]
pub struct Connection {
    handle: Arc<Handle>,
}

#[derive(Debug)]
struct Handle {
    state: Arc<ConnState>,
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.remove(&self.state);
    }
}

impl Connection {
    pub(super) fn new(state: Arc<ConnState>, shared: Arc<Shared>) -> Self {
        Self { handle: Arc::new(Handle { state, shared }) }
    }

    pub(super) fn state(&self) -> &Arc<ConnState> {
        &self.handle.state
    }

    /// The connection id (`<PROTOCOL>_<20 base32hex characters>`), unique and stable.
    pub fn id(&self) -> &str {
        &self.handle.state.id
    }

    /// The client's address.
    pub fn remote(&self) -> SocketAddr {
        self.handle.state.remote
    }

    /// The local address the client connected to, if known.
    pub fn local(&self) -> Option<SocketAddr> {
        self.handle.state.local
    }

    /// The protocol currently spoken.
    pub fn protocol(&self) -> Protocol {
        lock(&self.handle.state.meta).protocol
    }

    /// Changes the protocol shown for the connection (an SSH connection that starts the SFTP
    /// subsystem or runs SCP).
    pub fn set_protocol(&self, protocol: Protocol) {
        lock(&self.handle.state.meta).protocol = protocol;
    }

    /// The logged-in user, if any.
    pub fn username(&self) -> Option<String> {
        lock(&self.handle.state.meta).username.clone()
    }

    /// Records the user after a successful login. Setting the same user again is a no-op; another
    /// user is refused (a connection never changes hands).
    pub fn set_user(&self, username: &str) -> Result<(), RegistryError> {
        let mut meta = lock(&self.handle.state.meta);
        match &meta.username {
            Some(current) if current != username => Err(RegistryError::UserAlreadySet {
                id: self.handle.state.id.clone(),
                current: current.clone(),
                requested: username.to_owned(),
            }),
            Some(_) => Ok(()),
            None => {
                meta.username = Some(username.to_owned());
                drop(meta);
                self.touch();
                tracing::debug!(connection_id = %self.id(), username, "user logged in on connection");
                Ok(())
            }
        }
    }

    /// Records the client's software version (SSH banner, FTP `CLNT`, HTTP user agent).
    pub fn set_client_version(&self, version: &str) {
        lock(&self.handle.state.meta).client_version = version.to_owned();
    }

    /// Records the last command (SSH command, FTP command, WebDAV method) for the listing.
    pub fn set_command(&self, command: &str) {
        let mut meta = lock(&self.handle.state.meta);
        meta.command.clear();
        meta.command.push_str(command);
    }

    /// Marks activity now (the idle timeout counts from the last activity).
    pub fn touch(&self) {
        self.touch_at(Instant::now());
    }

    /// Marks activity at `at` (activity never moves backwards).
    pub fn touch_at(&self, at: Instant) {
        self.handle.state.touch(&self.handle.shared, at);
    }

    /// The last activity.
    pub fn last_activity(&self) -> Instant {
        self.handle.shared.instant_of(self.handle.state.last_activity.load(Ordering::Relaxed))
    }

    /// Sessions open on this connection.
    pub fn session_count(&self) -> usize {
        self.handle.state.sessions.load(Ordering::Acquire)
    }

    /// Why the registry closed the connection, if it did.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.handle.state.close_reason()
    }

    /// Resolves when the registry closes the connection (at once if it already did), with the
    /// reason. Fronts `select!` on it beside their I/O and drop the connection when it fires. The
    /// future does not keep the connection registered.
    pub fn closed(&self) -> impl Future<Output = CloseReason> + Send + 'static {
        let mut rx = self.handle.state.close_tx.subscribe();
        async move {
            match rx.wait_for(Option::is_some).await {
                Ok(reason) => reason.unwrap_or(CloseReason::Shutdown),
                // The connection itself is gone.
                Err(_) => CloseReason::Shutdown,
            }
        }
    }

    /// Opens a session for the logged-in user if the user holds fewer than `max_sessions` sessions
    /// across all connections (0 or less = unlimited). The check and the count are one atomic step,
    /// so concurrent openings never exceed the limit. The session ends when the guard is dropped.
    pub fn open_session(&self, max_sessions: i64) -> Result<SessionGuard, RegistryError> {
        let state = &self.handle.state;
        if let Some(reason) = state.close_reason() {
            return Err(RegistryError::Closed { id: state.id.clone(), reason });
        }
        let Some(username) = lock(&state.meta).username.clone() else {
            return Err(RegistryError::NotLoggedIn { id: state.id.clone() });
        };
        let mut registry = lock(&self.handle.shared.state);
        let open = registry.sessions.get(&username).copied().unwrap_or(0);
        if max_sessions > 0 && i64::try_from(open).unwrap_or(i64::MAX) >= max_sessions {
            drop(registry);
            tracing::info!(connection_id = %state.id, username, open, limit = max_sessions,
                "session refused: max_sessions reached");
            return Err(RegistryError::TooManySessions { username, limit: max_sessions });
        }
        registry.sessions.insert(username.clone(), open + 1);
        state.sessions.fetch_add(1, Ordering::AcqRel);
        drop(registry);
        self.touch();
        Ok(SessionGuard { conn: self.clone(), username })
    }
}

/// One open session (SSH channel, FTP session, WebDAV/HTTP request with transfers). Counts against
/// the user's `max_sessions` until dropped.
#[derive(Debug)]
pub struct SessionGuard {
    conn: Connection,
    username: String,
}

impl SessionGuard {
    /// The connection the session belongs to.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The user the session counts for.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Registers a transfer; it is listed until the handle is dropped.
    pub fn start_transfer(&self, info: TransferInfo) -> TransferHandle {
        TransferHandle::start(self.conn.clone(), info)
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        let mut registry = lock(&self.conn.handle.shared.state);
        if let Some(n) = registry.sessions.get_mut(&self.username) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                registry.sessions.remove(&self.username);
            }
        }
        self.conn.handle.state.sessions.fetch_sub(1, Ordering::AcqRel);
    }
}
