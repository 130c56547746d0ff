//! A session attached to its connection registry entry lists its transfers there and marks the
//! connection active, for every protocol.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use wharf_core::registry::{ConnInfo, Limits, Protocol, Registry, TransferKind};
use wharf_core::session::UploadRequest;

use super::support::{BOTH, World, put};

#[tokio::test]
async fn transfers_are_listed_on_the_connection_with_their_bytes() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let reg = Registry::new(Limits::default());
        let remote: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let conn = reg.try_add(ConnInfo { protocol: Protocol::Sftp, remote, local: None }).unwrap();
        conn.set_user("tr").unwrap();
        let s = w.session(w.user("tr")).await;
        s.attach(conn.open_session(0).unwrap()).unwrap();
        let second = conn.open_session(0).unwrap();
        assert!(s.attach(second).is_err(), "a session is attached once");
        assert_eq!(reg.count_for_user("tr"), 1, "the refused guard was handed back and dropped");
        assert_eq!(s.guard().map(|g| g.username().to_owned()), Some("tr".into()));

        let up = s.open_upload("/f", UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
        up.write_at(0, Bytes::from_static(b"0123456789")).await.unwrap();
        let listed = reg.list();
        let t = &listed[0].active_transfers;
        assert_eq!(t.len(), 1, "{kind:?}");
        assert_eq!((t[0].operation_type, t[0].path.as_str(), t[0].size), (TransferKind::Upload, "/f", 10));
        up.close().await.unwrap();
        assert!(reg.list()[0].active_transfers.is_empty(), "{kind:?}");

        let d = s.open_download("/f").await.unwrap();
        d.read_at(0, 4).await.unwrap();
        let t = reg.list()[0].active_transfers.clone();
        assert_eq!((t[0].operation_type, t[0].size), (TransferKind::Download, 4), "{kind:?}");
        d.close(true).await;
        assert!(reg.list()[0].active_transfers.is_empty());

        // Any operation marks the connection active.
        let before = conn.last_activity();
        tokio::time::sleep(Duration::from_millis(5)).await;
        s.stat("/f").await.unwrap();
        assert!(conn.last_activity() > before, "{kind:?}");

        // The guard counts against max_sessions until the session goes.
        put(&s, "/g", b"g").await.unwrap();
        drop(s);
        assert_eq!(reg.count_for_user("tr"), 0, "{kind:?}");
    }
}
