//! The connection registry: every client connection, its sessions and its transfers, in one place.
//!
//! A protocol front registers each accepted client with [`Registry::try_add`], which enforces
//! `common.max_total_connections` and `common.max_per_host_connections`, and keeps the returned
//! [`Connection`] handle for the life of the client: the connection leaves the registry when the last
//! clone of the handle is dropped. After login the front calls [`Connection::set_user`]; every SSH
//! channel, FTP session or WebDAV/HTTP request that works on files opens a [`SessionGuard`] with
//! [`Connection::open_session`], which enforces the user's `max_sessions` across all of the user's
//! connections (an SSH connection with two SFTP channels holds two sessions). Transfers are
//! registered on a session with [`SessionGuard::start_transfer`] and count their bytes.
//!
//! The registry can close a connection ([`Registry::close`], the idle reaper, shutdown): it does not
//! tear anything down itself, it fires the connection's close signal, which the front awaits with
//! [`Connection::closed`] (typically in a `select!` beside its I/O) and then drops its handle.
//!
//! Time is passed in where decisions depend on it ([`Registry::reap_idle`], [`Registry::list_at`],
//! [`Connection::touch_at`]) so that tests can move the clock without sleeping.

mod connection;
mod id;
mod snapshot;
mod transfer;

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::watch;

pub use connection::{Connection, SessionGuard};
pub use snapshot::{ConnectionSnapshot, TransferSnapshot};
pub use transfer::{TransferHandle, TransferInfo, TransferKind};

use crate::auth::LoginProtocol;
use transfer::TransferState;

/// How long a connection may stay without a logged-in user before it is closed (SFTPGo: 2 minutes,
/// not configurable).
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(120);

/// The protocol a connection speaks, with SFTPGo's names (`protocol` in `/api/v2/connections`, hook
/// variables, logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Protocol {
    /// SSH transport or SSH commands (before or without a subsystem).
    #[serde(rename = "SSH")]
    Ssh,
    /// SFTP subsystem.
    #[serde(rename = "SFTP")]
    Sftp,
    /// SCP over SSH.
    #[serde(rename = "SCP")]
    Scp,
    /// FTP or FTPS.
    #[serde(rename = "FTP")]
    Ftp,
    /// WebDAV.
    #[serde(rename = "DAV")]
    Dav,
    /// Web client and REST API.
    #[serde(rename = "HTTP")]
    Http,
    /// Public shares.
    #[serde(rename = "HTTPShare")]
    HttpShare,
    /// OpenID Connect logins.
    #[serde(rename = "OIDC")]
    Oidc,
    /// Data retention checks run by the server.
    #[serde(rename = "DataRetention")]
    DataRetention,
    /// Event Manager actions run by the server.
    #[serde(rename = "EventAction")]
    EventAction,
}

impl Protocol {
    /// SFTPGo's name of the protocol.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Ssh => "SSH",
            Protocol::Sftp => "SFTP",
            Protocol::Scp => "SCP",
            Protocol::Ftp => "FTP",
            Protocol::Dav => "DAV",
            Protocol::Http => "HTTP",
            Protocol::HttpShare => "HTTPShare",
            Protocol::Oidc => "OIDC",
            Protocol::DataRetention => "DataRetention",
            Protocol::EventAction => "EventAction",
        }
    }

    /// The login protocol users are checked against (`denied_protocols`, 2FA protocols): SSH for
    /// SFTP/SCP/SSH, HTTP for the web, shares and OIDC; None for internal work.
    pub fn login_protocol(self) -> Option<LoginProtocol> {
        match self {
            Protocol::Ssh | Protocol::Sftp | Protocol::Scp => Some(LoginProtocol::Ssh),
            Protocol::Ftp => Some(LoginProtocol::Ftp),
            Protocol::Dav => Some(LoginProtocol::Dav),
            Protocol::Http | Protocol::HttpShare | Protocol::Oidc => Some(LoginProtocol::Http),
            Protocol::DataRetention | Protocol::EventAction => None,
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Connection caps and timeouts. Zero means "no limit" / "disabled" for every field but
/// `login_timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections at once, all clients together (`common.max_total_connections`).
    pub max_total: usize,
    /// Connections at once from one IP address (`common.max_per_host_connections`).
    pub max_per_host: usize,
    /// Inactivity after which a logged-in connection is closed (`common.idle_timeout`).
    pub idle_timeout: Duration,
    /// Time a connection may stay without a logged-in user.
    pub login_timeout: Duration,
}

impl Default for Limits {
    /// SFTPGo's defaults: no global cap, 20 per host, 15 minutes idle, 2 minutes to log in.
    fn default() -> Self {
        Self {
            max_total: 0,
            max_per_host: 20,
            idle_timeout: Duration::from_secs(15 * 60),
            login_timeout: DEFAULT_LOGIN_TIMEOUT,
        }
    }
}

impl Limits {
    /// The limits of the `common` configuration section (negative values count as 0).
    pub fn from_config(common: &wharf_config::CommonConfig) -> Self {
        let count = |v: i64| usize::try_from(v).unwrap_or(0);
        let minutes = u64::try_from(common.idle_timeout).unwrap_or(0);
        Self {
            max_total: count(common.max_total_connections),
            max_per_host: count(common.max_per_host_connections),
            idle_timeout: Duration::from_secs(minutes.saturating_mul(60)),
            login_timeout: DEFAULT_LOGIN_TIMEOUT,
        }
    }

    /// How often the idle reaper looks: a quarter of the shortest timeout, between 1 s and 1 min.
    pub fn reap_interval(&self) -> Duration {
        let mut shortest = self.login_timeout;
        if !self.idle_timeout.is_zero() {
            shortest = shortest.min(self.idle_timeout);
        }
        (shortest / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
    }
}

/// What a front tells the registry about a new client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnInfo {
    /// Protocol spoken (an SSH connection may later switch to SFTP/SCP with
    /// [`Connection::set_protocol`]).
    pub protocol: Protocol,
    /// The client's address (after PROXY protocol decoding).
    pub remote: SocketAddr,
    /// The local address the client connected to, if known.
    pub local: Option<SocketAddr>,
}

/// Why the registry closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// Closed on request (REST API `DELETE /api/v2/connections/{id}`).
    Requested,
    /// No activity for longer than the idle timeout.
    Idle,
    /// No successful login within the login timeout.
    LoginTimeout,
    /// The server is shutting down.
    Shutdown,
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CloseReason::Requested => "closed on request",
            CloseReason::Idle => "idle timeout",
            CloseReason::LoginTimeout => "login timeout",
            CloseReason::Shutdown => "server shutdown",
        })
    }
}

/// Why a connection or session was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// `max_total_connections` reached.
    #[error("too many open connections, the limit is {limit} (max_total_connections)")]
    TooManyConnections {
        /// The configured limit.
        limit: usize,
    },
    /// `max_per_host_connections` reached for this address.
    #[error("too many open connections from {ip}, the limit is {limit} (max_per_host_connections)")]
    TooManyConnectionsFromHost {
        /// The client address.
        ip: IpAddr,
        /// The configured limit.
        limit: usize,
    },
    /// The user's `max_sessions` reached.
    #[error("too many open sessions for user {username:?}, the limit is {limit} (max_sessions)")]
    TooManySessions {
        /// The user.
        username: String,
        /// The user's limit.
        limit: i64,
    },
    /// A session was requested before [`Connection::set_user`].
    #[error("connection {id} has no logged-in user, no session can be opened")]
    NotLoggedIn {
        /// Connection id.
        id: String,
    },
    /// [`Connection::set_user`] was called with another user than the one already logged in.
    #[error("connection {id} already belongs to user {current:?}, it cannot switch to {requested:?}")]
    UserAlreadySet {
        /// Connection id.
        id: String,
        /// The logged-in user.
        current: String,
        /// The user asked for.
        requested: String,
    },
    /// The connection was closed by the registry.
    #[error("connection {id} is closed ({reason})")]
    Closed {
        /// Connection id.
        id: String,
        /// Why.
        reason: CloseReason,
    },
}

/// The registry. Cheap to clone (all clones share the same state).
#[derive(Debug, Clone)]
pub struct Registry {
    shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    limits: Limits,
    state: Mutex<State>,
    ids: id::IdGen,
    next_seq: AtomicU64,
    /// Reference point of the monotonic clock, and the wall time (ms) it corresponds to.
    base: Instant,
    base_ms: i64,
}

#[derive(Debug, Default)]
struct State {
    conns: HashMap<String, Arc<ConnState>>,
    per_host: HashMap<IpAddr, usize>,
    /// Open sessions per username, across connections.
    sessions: HashMap<String, usize>,
}

/// What the registry knows about one connection.
#[derive(Debug)]
pub(crate) struct ConnState {
    seq: u64,
    id: String,
    remote: SocketAddr,
    host: IpAddr,
    local: Option<SocketAddr>,
    connected_at: Instant,
    /// Nanoseconds between the registry's base instant and the last activity.
    last_activity: AtomicU64,
    sessions: AtomicUsize,
    next_transfer: AtomicU64,
    meta: Mutex<Meta>,
    close_tx: watch::Sender<Option<CloseReason>>,
}

#[derive(Debug)]
struct Meta {
    protocol: Protocol,
    username: Option<String>,
    client_version: String,
    command: String,
    transfers: Vec<Arc<TransferState>>,
}

/// Locks a mutex, going on with the data if a panicking thread poisoned it (every update here
/// leaves the data consistent between statements).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn nanos_since_base(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Wall-clock time (ms since the epoch) of a monotonic instant.
    fn wall_ms(&self, at: Instant) -> i64 {
        let delta = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        match at.checked_duration_since(self.base) {
            Some(after) => self.base_ms.saturating_add(delta(after)),
            None => self.base_ms.saturating_sub(delta(self.base.duration_since(at))),
        }
    }

    fn instant_of(&self, nanos: u64) -> Instant {
        self.base + Duration::from_nanos(nanos)
    }

    /// Removes a connection whose last handle was dropped.
    fn remove(&self, conn: &ConnState) {
        let mut state = lock(&self.state);
        if state.conns.remove(&conn.id).is_none() {
            return;
        }
        if let Some(n) = state.per_host.get_mut(&conn.host) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.per_host.remove(&conn.host);
            }
        }
        let total = state.conns.len();
        drop(state);
        tracing::debug!(connection_id = %conn.id, remote = %conn.remote, open = total, "connection removed");
    }
}

impl ConnState {
    fn touch(&self, shared: &Shared, at: Instant) {
        self.last_activity.fetch_max(shared.nanos_since_base(at), Ordering::Relaxed);
    }

    fn close(&self, reason: CloseReason) -> bool {
        self.close_tx.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(reason);
            true
        })
    }

    fn close_reason(&self) -> Option<CloseReason> {
        *self.close_tx.borrow()
    }
}

impl Registry {
    /// An empty registry with these limits.
    pub fn new(limits: Limits) -> Self {
        let base = Instant::now();
        let base_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self {
            shared: Arc::new(Shared {
                limits,
                state: Mutex::new(State::default()),
                ids: id::IdGen::new(),
                next_seq: AtomicU64::new(0),
                base,
                base_ms,
            }),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// Registers a new client, unless a connection cap is reached (the error names the cap). The
    /// returned handle keeps the connection registered until its last clone is dropped.
    pub fn try_add(&self, info: ConnInfo) -> Result<Connection, RegistryError> {
        let host = info.remote.ip().to_canonical();
        let limits = self.shared.limits;
        let now = Instant::now();
        let mut state = lock(&self.shared.state);
        if limits.max_total > 0 && state.conns.len() >= limits.max_total {
            drop(state);
            tracing::info!(remote = %info.remote, protocol = %info.protocol, limit = limits.max_total,
                "connection refused: max_total_connections reached");
            return Err(RegistryError::TooManyConnections { limit: limits.max_total });
        }
        let from_host = state.per_host.get(&host).copied().unwrap_or(0);
        if limits.max_per_host > 0 && from_host >= limits.max_per_host {
            drop(state);
            tracing::info!(remote = %info.remote, protocol = %info.protocol, limit = limits.max_per_host,
                "connection refused: max_per_host_connections reached");
            return Err(RegistryError::TooManyConnectionsFromHost { ip: host, limit: limits.max_per_host });
        }
        let id = format!("{}_{}", info.protocol.as_str(), self.shared.ids.next());
        let (close_tx, _) = watch::channel(None);
        let conn = Arc::new(ConnState {
            seq: self.shared.next_seq.fetch_add(1, Ordering::Relaxed),
            id: id.clone(),
            remote: info.remote,
            host,
            local: info.local,
            connected_at: now,
            last_activity: AtomicU64::new(self.shared.nanos_since_base(now)),
            sessions: AtomicUsize::new(0),
            next_transfer: AtomicU64::new(0),
            meta: Mutex::new(Meta {
                protocol: info.protocol,
                username: None,
                client_version: String::new(),
                command: String::new(),
                transfers: Vec::new(),
            }),
            close_tx,
        });
        state.conns.insert(id.clone(), conn.clone());
        *state.per_host.entry(host).or_insert(0) += 1;
        let total = state.conns.len();
        drop(state);
        tracing::debug!(connection_id = %id, remote = %info.remote, protocol = %info.protocol, open = total,
            "connection added");
        Ok(Connection::new(conn, self.shared.clone()))
    }

    /// Every registered connection, oldest first, as of now.
    pub fn list(&self) -> Vec<ConnectionSnapshot> {
        self.list_at(Instant::now())
    }

    /// Every registered connection, oldest first, with elapsed times and speeds computed at `now`.
    pub fn list_at(&self, now: Instant) -> Vec<ConnectionSnapshot> {
        let mut conns: Vec<Arc<ConnState>> = lock(&self.shared.state).conns.values().cloned().collect();
        conns.sort_by_key(|c| c.seq);
        conns.iter().map(|c| snapshot::of(&self.shared, c, now)).collect()
    }

    /// Fires the close signal of a connection; false if no connection has this id. The connection
    /// stays listed (and counted) until its front drops it.
    pub fn close(&self, id: &str) -> bool {
        let conn = lock(&self.shared.state).conns.get(id).cloned();
        match conn {
            Some(conn) => {
                if conn.close(CloseReason::Requested) {
                    tracing::info!(connection_id = %id, "connection close requested");
                }
                true
            }
            None => false,
        }
    }

    /// Fires the close signal of every connection (shutdown); returns how many were signalled.
    pub fn close_all(&self, reason: CloseReason) -> usize {
        let conns: Vec<Arc<ConnState>> = lock(&self.shared.state).conns.values().cloned().collect();
        conns.iter().filter(|c| c.close(reason)).count()
    }

    /// Open sessions of a user, across all connections (what `max_sessions` limits).
    pub fn count_for_user(&self, username: &str) -> usize {
        lock(&self.shared.state).sessions.get(username).copied().unwrap_or(0)
    }

    /// Registered connections.
    pub fn connection_count(&self) -> usize {
        lock(&self.shared.state).conns.len()
    }

    /// Registered connections from one address.
    pub fn host_count(&self, ip: IpAddr) -> usize {
        lock(&self.shared.state).per_host.get(&ip.to_canonical()).copied().unwrap_or(0)
    }

    /// Fails if the user already holds `max_sessions` sessions (0 or less = unlimited): the check
    /// SFTPGo makes at login. It reserves nothing; [`Connection::open_session`] is the atomic check.
    pub fn ensure_session_available(&self, username: &str, max_sessions: i64) -> Result<(), RegistryError> {
        let open = self.count_for_user(username);
        if max_sessions > 0 && i64::try_from(open).unwrap_or(i64::MAX) >= max_sessions {
            return Err(RegistryError::TooManySessions { username: username.to_owned(), limit: max_sessions });
        }
        Ok(())
    }

    /// Closes, as of `now`, the connections idle for longer than the idle timeout (logged-in ones,
    /// when the timeout is not zero) or still without a user after the login timeout. Returns the
    /// ids closed by this call.
    pub fn reap_idle(&self, now: Instant) -> Vec<String> {
        let limits = self.shared.limits;
        let conns: Vec<Arc<ConnState>> = lock(&self.shared.state).conns.values().cloned().collect();
        let mut closed = Vec::new();
        for conn in conns {
            if conn.close_reason().is_some() {
                continue;
            }
            let logged_in = lock(&conn.meta).username.is_some();
            let reason = if logged_in {
                let last = self.shared.instant_of(conn.last_activity.load(Ordering::Relaxed));
                let idle = now.saturating_duration_since(last);
                (!limits.idle_timeout.is_zero() && idle > limits.idle_timeout).then_some(CloseReason::Idle)
            } else {
                (now.saturating_duration_since(conn.connected_at) > limits.login_timeout)
                    .then_some(CloseReason::LoginTimeout)
            };
            if let Some(reason) = reason
                && conn.close(reason)
            {
                tracing::info!(connection_id = %conn.id, remote = %conn.remote, %reason, "closing connection");
                closed.push(conn.id.clone());
            }
        }
        closed
    }

    /// The idle reaper: a loop calling [`Registry::reap_idle`] every [`Limits::reap_interval`].
    /// Spawn it once; it ends when every clone of the registry is gone.
    pub fn run_idle_reaper(&self) -> impl Future<Output = ()> + Send + 'static {
        let weak: Weak<Shared> = Arc::downgrade(&self.shared);
        let period = self.shared.limits.reap_interval();
        async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(shared) = weak.upgrade() else { break };
                // The runtime's clock, the one the ticks follow (the same as the system's monotonic
                // clock, except when a test pauses and advances it).
                Registry { shared }.reap_idle(tokio::time::Instant::now().into_std());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_from_config() {
        let mut common = wharf_config::CommonConfig::default();
        assert_eq!(Limits::from_config(&common), Limits::default());
        common.idle_timeout = 0;
        common.max_total_connections = 7;
        common.max_per_host_connections = -1;
        let l = Limits::from_config(&common);
        assert_eq!((l.max_total, l.max_per_host, l.idle_timeout), (7, 0, Duration::ZERO));
        assert_eq!(l.reap_interval(), Duration::from_secs(30));
        let short = Limits { idle_timeout: Duration::from_secs(2), ..l };
        assert_eq!(short.reap_interval(), Duration::from_secs(1));
    }

    #[test]
    fn protocol_names_and_login_protocols() {
        assert_eq!(serde_json::to_string(&Protocol::HttpShare).unwrap(), "\"HTTPShare\"");
        assert_eq!(Protocol::Sftp.login_protocol(), Some(LoginProtocol::Ssh));
        assert_eq!(Protocol::Dav.login_protocol(), Some(LoginProtocol::Dav));
        assert_eq!(Protocol::EventAction.login_protocol(), None);
        assert_eq!(Protocol::Scp.to_string(), "SCP");
    }

    #[test]
    fn wall_clock_conversion_follows_the_monotonic_clock() {
        let r = Registry::new(Limits::default());
        let s = &r.shared;
        assert_eq!(s.wall_ms(s.base + Duration::from_millis(1500)), s.base_ms + 1500);
        assert_eq!(s.instant_of(s.nanos_since_base(s.base + Duration::from_secs(3))), s.base + Duration::from_secs(3));
    }
}
