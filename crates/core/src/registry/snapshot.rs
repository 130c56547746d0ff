//! Point-in-time views of connections and transfers, shaped like SFTPGo's `ConnectionStatus` and
//! `Transfer` objects of `GET /api/v2/connections` (same field names; a few extra fields).

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Instant;

use serde::Serialize;

use super::{ConnState, Protocol, Shared, TransferKind, lock};

/// One connection as listed by [`super::Registry::list`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionSnapshot {
    /// Unique connection id.
    pub connection_id: String,
    /// Logged-in user (empty before login).
    pub username: String,
    /// Protocol currently spoken.
    pub protocol: Protocol,
    /// Client address, `ip:port`.
    pub remote_address: SocketAddr,
    /// Local address, when known (not in SFTPGo's schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_address: Option<SocketAddr>,
    /// Client software version.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_version: String,
    /// Last SSH/FTP command or WebDAV method.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub command: String,
    /// Connection time, ms since the epoch.
    pub connection_time: i64,
    /// Last activity, ms since the epoch.
    pub last_activity: i64,
    /// Open sessions on this connection (not in SFTPGo's schema).
    pub sessions: usize,
    /// Transfers in progress.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub active_transfers: Vec<TransferSnapshot>,
}

/// One transfer in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferSnapshot {
    /// `upload` or `download`.
    pub operation_type: TransferKind,
    /// Virtual path.
    pub path: String,
    /// Start time, ms since the epoch.
    pub start_time: i64,
    /// Bytes transferred so far.
    pub size: u64,
    /// Offset the transfer started at (not in SFTPGo's schema).
    pub start_offset: u64,
    /// Time since the start, ms (not in SFTPGo's schema).
    pub elapsed_ms: u64,
    /// Average speed since the start, bytes per second (not in SFTPGo's schema; SFTPGo's own
    /// status page computes the same average).
    pub speed: u64,
}

/// Bytes per second for `bytes` moved in `elapsed_ms` (0 before the first millisecond).
pub(crate) fn speed(bytes: u64, elapsed_ms: u64) -> u64 {
    if elapsed_ms == 0 {
        return 0;
    }
    u64::try_from(u128::from(bytes) * 1000 / u128::from(elapsed_ms)).unwrap_or(u64::MAX)
}

pub(super) fn of(shared: &Shared, conn: &ConnState, now: Instant) -> ConnectionSnapshot {
    let meta = lock(&conn.meta);
    // Transfers are kept in start order.
    let transfers: Vec<TransferSnapshot> = meta
        .transfers
        .iter()
        .map(|t| {
            let elapsed = u64::try_from(now.saturating_duration_since(t.started).as_millis()).unwrap_or(u64::MAX);
            let size = t.bytes.load(Ordering::Relaxed);
            TransferSnapshot {
                operation_type: t.info.kind,
                path: t.info.path.clone(),
                start_time: shared.wall_ms(t.started),
                size,
                start_offset: t.info.start_offset,
                elapsed_ms: elapsed,
                speed: speed(size, elapsed),
            }
        })
        .collect();
    ConnectionSnapshot {
        connection_id: conn.id.clone(),
        username: meta.username.clone().unwrap_or_default(),
        protocol: meta.protocol,
        remote_address: conn.remote,
        local_address: conn.local,
        client_version: meta.client_version.clone(),
        command: meta.command.clone(),
        connection_time: shared.wall_ms(conn.connected_at),
        last_activity: shared.wall_ms(shared.instant_of(conn.last_activity.load(Ordering::Relaxed))),
        sessions: conn.sessions.load(Ordering::Acquire),
        active_transfers: transfers,
    }
}

#[cfg(test)]
mod tests {
    use super::speed;

    #[test]
    fn speed_is_bytes_per_second() {
        assert_eq!(speed(0, 0), 0);
        assert_eq!(speed(1000, 0), 0);
        assert_eq!(speed(1000, 1000), 1000);
        assert_eq!(speed(3 * 1024 * 1024, 1500), 2 * 1024 * 1024);
        assert_eq!(speed(u64::MAX, 1), u64::MAX);
    }
}
