//! Registered transfers: what is moving, where, and how many bytes so far.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::Serialize;

use super::connection::Connection;
use super::lock;

/// Direction of a transfer, as SFTPGo names it (`operation_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransferKind {
    /// Client to server.
    Upload,
    /// Server to client.
    Download,
}

impl TransferKind {
    /// `upload` or `download`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferKind::Upload => "upload",
            TransferKind::Download => "download",
        }
    }
}

/// What a transfer is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferInfo {
    /// Virtual path of the file.
    pub path: String,
    /// Direction.
    pub kind: TransferKind,
    /// Offset the transfer started at (resumed uploads, ranged downloads).
    pub start_offset: u64,
}

#[derive(Debug)]
pub(crate) struct TransferState {
    pub(crate) id: u64,
    pub(crate) info: TransferInfo,
    pub(crate) started: Instant,
    pub(crate) bytes: AtomicU64,
}

/// A registered transfer. Counting bytes also marks the connection active. The transfer is
/// removed from the registry when the handle is dropped.
#[derive(Debug)]
pub struct TransferHandle {
    conn: Connection,
    state: Arc<TransferState>,
}

impl TransferHandle {
    pub(super) fn start(conn: Connection, info: TransferInfo) -> Self {
        let started = Instant::now();
        let conn_state = conn.state();
        let state = Arc::new(TransferState {
            id: conn_state.next_transfer.fetch_add(1, Ordering::Relaxed),
            info,
            started,
            bytes: AtomicU64::new(0),
        });
        lock(&conn_state.meta).transfers.push(state.clone());
        conn.touch_at(started);
        tracing::debug!(connection_id = %conn.id(), path = %state.info.path, kind = state.info.kind.as_str(),
            offset = state.info.start_offset, "transfer started");
        Self { conn, state }
    }

    /// Adds transferred bytes (and marks the connection active).
    pub fn add_bytes(&self, n: u64) {
        self.state.bytes.fetch_add(n, Ordering::Relaxed);
        self.conn.touch();
    }

    /// Bytes transferred so far.
    pub fn bytes(&self) -> u64 {
        self.state.bytes.load(Ordering::Relaxed)
    }

    /// When the transfer started.
    pub fn started(&self) -> Instant {
        self.state.started
    }

    /// What the transfer is about.
    pub fn info(&self) -> &TransferInfo {
        &self.state.info
    }

    /// The connection the transfer runs on.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl Drop for TransferHandle {
    fn drop(&mut self) {
        let mut meta = lock(&self.conn.state().meta);
        meta.transfers.retain(|t| t.id != self.state.id);
    }
}
