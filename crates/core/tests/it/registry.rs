//! The connection registry: connection caps, per-user `max_sessions`, transfers in the listing,
//! close-by-id, idle reaping and concurrency. No sockets: remote addresses are made up.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wharf_core::registry::{
    CloseReason, ConnInfo, Connection, Limits, Protocol, Registry, RegistryError, TransferInfo, TransferKind,
};

/// How long a test waits for a close signal before failing (virtual time in paused tests).
const SIGNAL_WAIT: Duration = Duration::from_secs(5);

fn addr(last: u8, port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)), port)
}

fn info(protocol: Protocol, remote: SocketAddr) -> ConnInfo {
    ConnInfo { protocol, remote, local: Some(addr(1, 2022)) }
}

fn limits(max_total: usize, max_per_host: usize) -> Limits {
    Limits { max_total, max_per_host, ..Limits::default() }
}

/// No caps at all.
fn unlimited() -> Registry {
    Registry::new(limits(0, 0))
}

fn connect(reg: &Registry, port: u16) -> Connection {
    reg.try_add(info(Protocol::Sftp, addr(1, port))).expect("connection accepted")
}

fn logged_in(reg: &Registry, port: u16, user: &str) -> Connection {
    let conn = connect(reg, port);
    conn.set_user(user).expect("set user");
    conn
}

fn wall_ms_now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

// --- connection caps -------------------------------------------------------------------------

#[test]
fn total_cap_refuses_beyond_the_limit_and_the_last_clone_frees_the_slot() {
    let reg = Registry::new(limits(2, 0));
    let a = reg.try_add(info(Protocol::Sftp, addr(1, 40001))).unwrap();
    let b = reg.try_add(info(Protocol::Ftp, addr(2, 40002))).unwrap();
    assert_eq!(reg.connection_count(), 2);

    let err = reg.try_add(info(Protocol::Dav, addr(3, 40003))).unwrap_err();
    assert_eq!(err, RegistryError::TooManyConnections { limit: 2 });
    assert_eq!(reg.connection_count(), 2, "a refused connection is not registered");

    // A clone keeps the connection registered: dropping one of two handles frees nothing.
    let b2 = b.clone();
    drop(b);
    assert_eq!(reg.connection_count(), 2);
    assert!(matches!(
        reg.try_add(info(Protocol::Dav, addr(3, 40003))),
        Err(RegistryError::TooManyConnections { limit: 2 })
    ));

    // The last clone leaves the registry and frees the slot.
    let gone = b2.id().to_owned();
    drop(b2);
    assert_eq!(reg.connection_count(), 1);
    assert!(reg.list().iter().all(|c| c.connection_id != gone));
    let c = reg.try_add(info(Protocol::Dav, addr(3, 40003))).expect("slot freed by the last drop");
    assert_eq!(reg.connection_count(), 2);
    drop((a, c));
    assert_eq!(reg.connection_count(), 0);
}

#[test]
fn per_host_cap_counts_each_address_separately() {
    let reg = Registry::new(limits(0, 2));
    let host = addr(7, 0).ip();
    let a = reg.try_add(info(Protocol::Sftp, addr(7, 50001))).unwrap();
    let b = reg.try_add(info(Protocol::Ftp, addr(7, 50002))).unwrap();
    assert_eq!(reg.host_count(host), 2);

    // Another port of the same address is the same host.
    let err = reg.try_add(info(Protocol::Sftp, addr(7, 50003))).unwrap_err();
    assert_eq!(err, RegistryError::TooManyConnectionsFromHost { ip: host, limit: 2 });
    // The IPv4-mapped IPv6 form of the address is the same host too.
    let mapped = SocketAddr::new(IpAddr::V6(Ipv4Addr::new(127, 0, 0, 7).to_ipv6_mapped()), 50004);
    assert!(matches!(
        reg.try_add(info(Protocol::Sftp, mapped)),
        Err(RegistryError::TooManyConnectionsFromHost { limit: 2, .. })
    ));
    // Other hosts are not affected.
    let other = reg.try_add(info(Protocol::Sftp, addr(8, 50001))).expect("another host");
    let v6 = reg.try_add(info(Protocol::Sftp, SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 50001))).unwrap();
    assert_eq!(reg.host_count(addr(8, 0).ip()), 1);
    assert_eq!(reg.connection_count(), 4);

    // Dropping the last clone of one connection frees one slot for that host.
    let a2 = a.clone();
    drop(a);
    assert!(reg.try_add(info(Protocol::Sftp, addr(7, 50005))).is_err());
    drop(a2);
    assert_eq!(reg.host_count(host), 1);
    let c = reg.try_add(info(Protocol::Sftp, addr(7, 50005))).expect("host slot freed");
    assert_eq!(reg.host_count(host), 2);

    drop((b, c, other, v6));
    assert_eq!(reg.host_count(host), 0);
    assert_eq!(reg.connection_count(), 0);
}

#[test]
fn zero_caps_mean_unlimited() {
    let reg = unlimited();
    let conns: Vec<Connection> = (0..300).map(|i| connect(&reg, 10_000 + i)).collect();
    assert_eq!(reg.connection_count(), 300);
    assert_eq!(reg.host_count(addr(1, 0).ip()), 300);
    drop(conns);
    assert_eq!(reg.connection_count(), 0);
}

#[test]
fn open_sessions_and_transfers_keep_the_connection_registered() {
    let reg = Registry::new(limits(1, 0));
    let conn = logged_in(&reg, 40001, "alice");
    let session = conn.open_session(0).unwrap();
    let transfer =
        session.start_transfer(TransferInfo { path: "/f".into(), kind: TransferKind::Download, start_offset: 0 });
    drop(conn);
    assert_eq!(reg.connection_count(), 1, "the session holds the connection");
    drop(session);
    assert_eq!(reg.connection_count(), 1, "the transfer holds the connection");
    assert!(reg.try_add(info(Protocol::Sftp, addr(2, 1))).is_err());
    drop(transfer);
    assert_eq!(reg.connection_count(), 0);
    assert_eq!(reg.count_for_user("alice"), 0);
    assert!(reg.try_add(info(Protocol::Sftp, addr(2, 1))).is_ok());
}

// --- max_sessions ----------------------------------------------------------------------------

#[test]
fn max_sessions_counts_across_connections_of_the_same_user() {
    let reg = unlimited();
    let first = logged_in(&reg, 40001, "alice");
    let second = logged_in(&reg, 40002, "alice");
    let bob = logged_in(&reg, 40003, "bob");

    let held = first.open_session(1).expect("first session");
    assert_eq!(held.username(), "alice");
    assert_eq!(held.connection().id(), first.id());
    assert_eq!(reg.count_for_user("alice"), 1);

    let err = second.open_session(1).unwrap_err();
    assert_eq!(err, RegistryError::TooManySessions { username: "alice".into(), limit: 1 });
    assert_eq!(reg.ensure_session_available("alice", 1), Err(err));
    assert_eq!(reg.count_for_user("alice"), 1, "a refused session is not counted");
    assert_eq!(second.session_count(), 0);

    // Another user is not limited by alice's sessions.
    let bob_session = bob.open_session(1).expect("bob has his own count");

    drop(held);
    assert_eq!(reg.count_for_user("alice"), 0);
    assert_eq!(first.session_count(), 0);
    assert_eq!(reg.ensure_session_available("alice", 1), Ok(()));
    let again = second.open_session(1).expect("slot freed when the guard dropped");
    assert_eq!(second.session_count(), 1);
    drop((again, bob_session));
    assert_eq!(reg.count_for_user("alice"), 0);
    assert_eq!(reg.count_for_user("bob"), 0);
}

#[test]
fn max_sessions_counts_channels_of_one_connection() {
    let reg = unlimited();
    let conn = logged_in(&reg, 40001, "alice");
    let one = conn.open_session(2).unwrap();
    let two = conn.open_session(2).unwrap();
    assert_eq!(conn.session_count(), 2);
    assert_eq!(reg.count_for_user("alice"), 2);
    assert_eq!(reg.list()[0].sessions, 2);

    let err = conn.open_session(2).unwrap_err();
    assert_eq!(err, RegistryError::TooManySessions { username: "alice".into(), limit: 2 });
    assert_eq!(conn.session_count(), 2);

    drop(one);
    assert_eq!(conn.session_count(), 1);
    assert_eq!(reg.count_for_user("alice"), 1);
    let three = conn.open_session(2).expect("slot freed by the dropped channel");
    assert!(conn.open_session(2).is_err());
    drop((two, three));
    assert_eq!(conn.session_count(), 0);
    assert_eq!(reg.count_for_user("alice"), 0);
    assert_eq!(reg.list()[0].sessions, 0);
}

#[test]
fn max_sessions_zero_or_negative_is_unlimited() {
    let reg = unlimited();
    let conns: Vec<Connection> = (0..4).map(|i| logged_in(&reg, 40001 + i, "alice")).collect();
    let mut guards = Vec::new();
    for i in 0..200 {
        let limit = if i % 2 == 0 { 0 } else { -1 };
        guards.push(conns[i % conns.len()].open_session(limit).expect("no limit"));
    }
    assert_eq!(reg.count_for_user("alice"), 200);
    assert_eq!(reg.ensure_session_available("alice", 0), Ok(()));
    assert_eq!(reg.ensure_session_available("alice", -5), Ok(()));
    assert!(reg.ensure_session_available("alice", 200).is_err());
    assert_eq!(reg.ensure_session_available("alice", 201), Ok(()));
    drop(guards);
    assert_eq!(reg.count_for_user("alice"), 0);
}

#[test]
fn sessions_need_a_user_and_a_connection_keeps_its_user() {
    let reg = unlimited();
    let conn = connect(&reg, 40001);
    assert_eq!(conn.open_session(0).unwrap_err(), RegistryError::NotLoggedIn { id: conn.id().to_owned() });
    assert_eq!(conn.username(), None);

    conn.set_user("alice").unwrap();
    conn.set_user("alice").expect("same user again is a no-op");
    let err = conn.set_user("bob").unwrap_err();
    assert_eq!(
        err,
        RegistryError::UserAlreadySet { id: conn.id().to_owned(), current: "alice".into(), requested: "bob".into() }
    );
    assert_eq!(conn.username().as_deref(), Some("alice"));
    let guard = conn.open_session(1).unwrap();
    assert_eq!(reg.count_for_user("bob"), 0);
    drop(guard);
}

// --- snapshots and transfers -----------------------------------------------------------------

#[test]
fn transfers_show_in_the_listing_and_disappear_when_finished() {
    let before_ms = wall_ms_now();
    let reg = unlimited();
    let remote = addr(9, 45678);
    let conn = reg.try_add(ConnInfo { protocol: Protocol::Ssh, remote, local: Some(addr(1, 2022)) }).unwrap();
    conn.set_user("alice").unwrap();
    conn.set_protocol(Protocol::Sftp);
    conn.set_client_version("SSH-2.0-OpenSSH_9.6");
    conn.set_command("put");
    let session = conn.open_session(0).unwrap();

    let up =
        session.start_transfer(TransferInfo { path: "/up.bin".into(), kind: TransferKind::Upload, start_offset: 0 });
    let down = session.start_transfer(TransferInfo {
        path: "/dl.bin".into(),
        kind: TransferKind::Download,
        start_offset: 100,
    });
    up.add_bytes(1500);
    up.add_bytes(2500);
    down.add_bytes(300);
    assert_eq!(up.bytes(), 4000);
    assert_eq!(up.info().kind, TransferKind::Upload);
    assert_eq!(up.connection().id(), conn.id());
    let after_ms = wall_ms_now();

    // Speeds computed two seconds after the upload started.
    let at = up.started() + Duration::from_secs(2);
    let list = reg.list_at(at);
    assert_eq!(list.len(), 1);
    let snap = &list[0];
    assert_eq!(snap.connection_id, conn.id());
    assert_eq!(snap.username, "alice");
    assert_eq!(snap.protocol, Protocol::Sftp);
    assert_eq!(snap.remote_address, remote);
    assert_eq!(snap.local_address, Some(addr(1, 2022)));
    assert_eq!(snap.client_version, "SSH-2.0-OpenSSH_9.6");
    assert_eq!(snap.command, "put");
    assert_eq!(snap.sessions, 1);
    assert!((before_ms..=after_ms + 1).contains(&snap.connection_time), "{snap:?}");
    assert!(snap.last_activity >= snap.connection_time);

    assert_eq!(snap.active_transfers.len(), 2, "{snap:?}");
    let t = &snap.active_transfers[0];
    assert_eq!(t.operation_type, TransferKind::Upload);
    assert_eq!(t.path, "/up.bin");
    assert_eq!(t.size, 4000);
    assert_eq!(t.start_offset, 0);
    assert_eq!(t.elapsed_ms, 2000);
    assert_eq!(t.speed, 2000);
    assert!((before_ms..=after_ms + 1).contains(&t.start_time), "{t:?}");
    assert!(t.start_time >= snap.connection_time);
    let d = &snap.active_transfers[1];
    assert_eq!(
        (d.operation_type, d.path.as_str(), d.size, d.start_offset),
        (TransferKind::Download, "/dl.bin", 300, 100)
    );

    // SFTPGo's field names in the REST listing.
    let json = serde_json::to_value(snap).unwrap();
    assert_eq!(json["connection_id"], conn.id());
    assert_eq!(json["username"], "alice");
    assert_eq!(json["protocol"], "SFTP");
    assert_eq!(json["remote_address"], "127.0.0.9:45678");
    assert_eq!(json["active_transfers"][0]["operation_type"], "upload");
    assert_eq!(json["active_transfers"][0]["size"], 4000);
    assert_eq!(json["active_transfers"][1]["operation_type"], "download");
    assert!(json["active_transfers"][0]["start_time"].is_i64());

    // A finished transfer leaves the listing; the other one stays.
    drop(up);
    let snap = reg.list().remove(0);
    assert_eq!(snap.active_transfers.len(), 1);
    assert_eq!(snap.active_transfers[0].path, "/dl.bin");
    drop(down);
    let snap = reg.list().remove(0);
    assert!(snap.active_transfers.is_empty());
    assert!(serde_json::to_value(&snap).unwrap().get("active_transfers").is_none());
    assert_eq!(snap.sessions, 1);
    drop(session);
    assert_eq!(reg.list()[0].sessions, 0);
}

#[test]
fn listing_is_oldest_first_and_shows_connections_before_login() {
    let reg = unlimited();
    let a = connect(&reg, 1);
    let b = reg.try_add(info(Protocol::Ftp, addr(2, 2))).unwrap();
    let c = reg.try_add(info(Protocol::Dav, addr(3, 3))).unwrap();
    b.set_user("bob").unwrap();
    let list = reg.list();
    let ids: Vec<&str> = list.iter().map(|s| s.connection_id.as_str()).collect();
    assert_eq!(ids, [a.id(), b.id(), c.id()]);
    assert_eq!(list[0].username, "");
    assert_eq!(list[1].username, "bob");
    assert_eq!((list[1].protocol, list[2].protocol), (Protocol::Ftp, Protocol::Dav));
    assert!(list.iter().all(|s| s.active_transfers.is_empty() && s.sessions == 0));
}

#[test]
fn transfer_speed_is_zero_before_the_first_millisecond() {
    let reg = unlimited();
    let conn = logged_in(&reg, 1, "alice");
    let session = conn.open_session(0).unwrap();
    let t = session.start_transfer(TransferInfo { path: "/x".into(), kind: TransferKind::Upload, start_offset: 0 });
    t.add_bytes(10);
    let snap = reg.list_at(t.started()).remove(0);
    assert_eq!((snap.active_transfers[0].elapsed_ms, snap.active_transfers[0].speed), (0, 0));
    // A time before the start (clock read earlier) does not underflow.
    let snap = reg.list_at(t.started() - Duration::from_millis(5)).remove(0);
    assert_eq!(snap.active_transfers[0].elapsed_ms, 0);
}

// --- closing ---------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn close_by_id_fires_the_closed_future() {
    let reg = unlimited();
    let conn = logged_in(&reg, 40001, "alice");
    let bystander = logged_in(&reg, 40002, "bob");
    let session = conn.open_session(0).unwrap();

    // A front awaiting the signal beside its I/O, subscribed before the close.
    let waiting = tokio::spawn(conn.closed());
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    assert_eq!(conn.close_reason(), None);

    assert!(reg.close(conn.id()));
    let reason = tokio::time::timeout(SIGNAL_WAIT, waiting).await.expect("close signal within the wait").unwrap();
    assert_eq!(reason, CloseReason::Requested);
    assert_eq!(conn.close_reason(), Some(CloseReason::Requested));
    // A future made after the close resolves at once.
    let late = tokio::time::timeout(SIGNAL_WAIT, conn.closed()).await.expect("already closed");
    assert_eq!(late, CloseReason::Requested);

    // Closing again is accepted and keeps the first reason.
    assert!(reg.close(conn.id()));
    assert_eq!(reg.close_all(CloseReason::Shutdown), 1, "only the bystander was still open");
    assert_eq!(conn.close_reason(), Some(CloseReason::Requested));
    assert_eq!(bystander.close_reason(), Some(CloseReason::Shutdown));

    // A closed connection takes no new sessions, stays listed until the front drops it.
    assert_eq!(
        conn.open_session(0).unwrap_err(),
        RegistryError::Closed { id: conn.id().to_owned(), reason: CloseReason::Requested }
    );
    assert_eq!(reg.connection_count(), 2);
    let id = conn.id().to_owned();
    drop((conn, session));
    assert_eq!(reg.connection_count(), 1);
    assert!(!reg.close(&id), "a dropped connection can no longer be closed");
}

#[tokio::test(start_paused = true)]
async fn closing_an_unknown_id_is_an_error_and_closes_nothing() {
    let reg = unlimited();
    let conn = logged_in(&reg, 40001, "alice");
    assert!(!reg.close("SFTP_00000000000000000000"));
    assert!(!reg.close(""));
    // The id of a connection, under another protocol prefix, is another id.
    let other_prefix = conn.id().replacen("SFTP_", "FTP_", 1);
    assert!(!reg.close(&other_prefix));
    assert_eq!(conn.close_reason(), None);
    let fired = tokio::time::timeout(SIGNAL_WAIT, conn.closed()).await;
    assert!(fired.is_err(), "no close signal for a connection that was not named");
}

#[tokio::test(start_paused = true)]
async fn closed_future_does_not_keep_the_connection_and_ends_when_it_goes() {
    let reg = unlimited();
    let conn = connect(&reg, 40001);
    let fut = conn.closed();
    drop(conn);
    assert_eq!(reg.connection_count(), 0, "the future holds no handle");
    let reason = tokio::time::timeout(SIGNAL_WAIT, fut).await.expect("ends with the connection");
    assert_eq!(reason, CloseReason::Shutdown);
}

// --- idle reaping ----------------------------------------------------------------------------

fn reaping_limits(idle_secs: u64) -> Limits {
    Limits {
        max_total: 0,
        max_per_host: 0,
        idle_timeout: Duration::from_secs(idle_secs),
        login_timeout: Duration::from_secs(120),
    }
}

#[test]
fn reap_idle_closes_idle_and_unauthenticated_connections_only() {
    let t0 = Instant::now();
    let reg = Registry::new(reaping_limits(60));
    let active = logged_in(&reg, 1, "alice");
    let idle = logged_in(&reg, 2, "bob");
    let anonymous = connect(&reg, 3);

    // Nothing is past a timeout yet.
    assert!(reg.reap_idle(t0 + Duration::from_secs(30)).is_empty());

    // alice is active at t0+50 s; at t0+100 s bob has been idle for more than 60 s, alice for 50 s,
    // and the connection without a user is still within its 120 s to log in.
    active.touch_at(t0 + Duration::from_secs(50));
    assert_eq!(reg.reap_idle(t0 + Duration::from_secs(100)), [idle.id().to_owned()]);
    assert_eq!(idle.close_reason(), Some(CloseReason::Idle));
    assert_eq!(active.close_reason(), None);
    assert_eq!(anonymous.close_reason(), None);

    // Activity never moves backwards.
    active.touch_at(t0 + Duration::from_secs(100));
    active.touch_at(t0 + Duration::from_secs(10));
    assert!(active.last_activity() >= t0 + Duration::from_secs(100));

    // At t0+130 s the connection without a user is past the login timeout; alice, idle for 30 s,
    // survives; bob, already closed, is not reported again.
    assert_eq!(reg.reap_idle(t0 + Duration::from_secs(130)), [anonymous.id().to_owned()]);
    assert_eq!(anonymous.close_reason(), Some(CloseReason::LoginTimeout));
    assert_eq!(active.close_reason(), None);
    assert_eq!(idle.close_reason(), Some(CloseReason::Idle));

    // Closed connections stay listed until their fronts drop them.
    assert_eq!(reg.connection_count(), 3);

    // Idle after the last activity (t0+100 s) for more than 60 s.
    assert_eq!(reg.reap_idle(t0 + Duration::from_secs(161)), [active.id().to_owned()]);
    assert_eq!(active.close_reason(), Some(CloseReason::Idle));
    assert!(reg.reap_idle(t0 + Duration::from_secs(10_000)).is_empty());
}

#[test]
fn open_sessions_do_not_prevent_idle_closing_but_activity_does() {
    let t0 = Instant::now();
    let reg = Registry::new(reaping_limits(60));
    let conn = logged_in(&reg, 1, "alice");
    let session = conn.open_session(0).unwrap();
    let t = session.start_transfer(TransferInfo { path: "/x".into(), kind: TransferKind::Upload, start_offset: 0 });
    t.add_bytes(1);
    // Activity recorded by the transfer is at most "now"; pretend bytes keep moving at t0+100 s.
    conn.touch_at(t0 + Duration::from_secs(100));
    assert!(reg.reap_idle(t0 + Duration::from_secs(150)).is_empty());
    // A stalled transfer is idle.
    assert_eq!(reg.reap_idle(t0 + Duration::from_secs(161)), [conn.id().to_owned()]);
    assert_eq!(conn.close_reason(), Some(CloseReason::Idle));
}

#[test]
fn zero_idle_timeout_keeps_logged_in_connections_but_not_unauthenticated_ones() {
    let t0 = Instant::now();
    let reg = Registry::new(reaping_limits(0));
    let user = logged_in(&reg, 1, "alice");
    let anonymous = connect(&reg, 2);
    let far = t0 + Duration::from_secs(24 * 3600);
    assert_eq!(reg.reap_idle(far), [anonymous.id().to_owned()]);
    assert_eq!(user.close_reason(), None);
    assert_eq!(anonymous.close_reason(), Some(CloseReason::LoginTimeout));
}

#[test]
fn login_counts_as_activity_and_ends_the_login_timeout() {
    let t0 = Instant::now();
    let reg = Registry::new(reaping_limits(600));
    let conn = connect(&reg, 1);
    // Logged in (in real time, right after connecting): the 120 s login timeout no longer applies,
    // only the 600 s idle timeout.
    conn.set_user("alice").unwrap();
    assert!(reg.reap_idle(t0 + Duration::from_secs(300)).is_empty());
    assert_eq!(reg.reap_idle(t0 + Duration::from_secs(601)), [conn.id().to_owned()]);
}

#[tokio::test(start_paused = true)]
async fn reaping_fires_the_closed_future_of_the_reaped_connection() {
    let t0 = Instant::now();
    let reg = Registry::new(reaping_limits(60));
    let conn = connect(&reg, 1);
    let waiting = tokio::spawn(conn.closed());
    assert_eq!(reg.reap_idle(t0 + Duration::from_secs(121)), [conn.id().to_owned()]);
    let reason = tokio::time::timeout(SIGNAL_WAIT, waiting).await.expect("signal").unwrap();
    assert_eq!(reason, CloseReason::LoginTimeout);
}

#[tokio::test(start_paused = true)]
async fn the_idle_reaper_task_follows_the_runtime_clock() {
    let reg = Registry::new(reaping_limits(60));
    let user = logged_in(&reg, 1, "alice");
    let anonymous = connect(&reg, 2);
    let reaper = tokio::spawn(reg.run_idle_reaper());

    // The reaper looks every 15 s (a quarter of the idle timeout); with the clock paused, waiting
    // auto-advances it: the idle user goes after 60 s, the unauthenticated one after 120 s.
    let reason = tokio::time::timeout(Duration::from_secs(90), user.closed()).await.expect("idle reaped");
    assert_eq!(reason, CloseReason::Idle);
    assert_eq!(anonymous.close_reason(), None);
    let reason = tokio::time::timeout(Duration::from_secs(90), anonymous.closed()).await.expect("login timeout");
    assert_eq!(reason, CloseReason::LoginTimeout);

    // The reaper ends once every clone of the registry is gone.
    drop((user, anonymous, reg));
    tokio::time::timeout(Duration::from_secs(120), reaper).await.expect("reaper ends").unwrap();
}

// --- ids -------------------------------------------------------------------------------------

fn assert_id_shape(id: &str, prefix: &str) {
    let rest = id.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')).unwrap_or_else(|| panic!("{id}"));
    assert_eq!(rest.len(), 20, "{id}");
    assert!(rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)), "{id}");
}

#[test]
fn ids_are_unique_and_carry_the_protocol_prefix() {
    let protocols = [
        Protocol::Ssh,
        Protocol::Sftp,
        Protocol::Scp,
        Protocol::Ftp,
        Protocol::Dav,
        Protocol::Http,
        Protocol::HttpShare,
        Protocol::Oidc,
        Protocol::DataRetention,
        Protocol::EventAction,
    ];
    let reg = unlimited();
    let other = unlimited();
    let mut seen = HashSet::new();
    let mut held = Vec::new();
    for round in 0..50u16 {
        for (i, p) in protocols.iter().enumerate() {
            let port = round * 100 + u16::try_from(i).unwrap();
            for r in [&reg, &other] {
                let conn = r.try_add(info(*p, addr(1, port))).unwrap();
                assert_id_shape(conn.id(), p.as_str());
                assert!(seen.insert(conn.id().to_owned()), "duplicate id {}", conn.id());
                held.push(conn);
            }
        }
    }
    assert_eq!(seen.len(), 1000);
    // Ids of dropped connections are not reused.
    drop(held);
    for _ in 0..100 {
        let conn = connect(&reg, 1);
        assert!(seen.insert(conn.id().to_owned()), "reused id {}", conn.id());
    }
}

#[test]
fn the_id_keeps_its_prefix_when_the_protocol_changes() {
    let reg = unlimited();
    let conn = reg.try_add(info(Protocol::Ssh, addr(1, 1))).unwrap();
    let id = conn.id().to_owned();
    assert_id_shape(&id, "SSH");
    conn.set_protocol(Protocol::Scp);
    assert_eq!(conn.protocol(), Protocol::Scp);
    assert_eq!(conn.id(), id);
    let snap = reg.list().remove(0);
    assert_eq!((snap.connection_id.as_str(), snap.protocol), (id.as_str(), Protocol::Scp));
    assert!(reg.close(&id));
}

// --- concurrency -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sessions_never_exceed_max_sessions_and_end_at_zero() {
    const MAX: i64 = 3;
    const TASKS: usize = 16;
    const ROUNDS: usize = 200;
    let reg = unlimited();
    // Four connections of one user (two channels each on some of them, as tasks share them).
    let conns: Vec<Connection> = (0..4).map(|i| logged_in(&reg, 40001 + i, "alice")).collect();
    let held = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let opened = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));

    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let conn = conns[t % conns.len()].clone();
        let reg = reg.clone();
        let (held, peak, opened, refused) = (held.clone(), peak.clone(), opened.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..ROUNDS {
                match conn.open_session(MAX) {
                    Ok(guard) => {
                        let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        assert!(now <= 3, "{now} sessions held at once");
                        assert!(reg.count_for_user("alice") <= 3);
                        opened.fetch_add(1, Ordering::Relaxed);
                        tokio::task::yield_now().await;
                        held.fetch_sub(1, Ordering::SeqCst);
                        drop(guard);
                    }
                    Err(RegistryError::TooManySessions { limit: MAX, .. }) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        tokio::task::yield_now().await;
                    }
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert!(peak.load(Ordering::SeqCst) <= 3);
    assert!(opened.load(Ordering::Relaxed) > 0);
    assert_eq!(opened.load(Ordering::Relaxed) + refused.load(Ordering::Relaxed), TASKS * ROUNDS);
    assert_eq!(reg.count_for_user("alice"), 0);
    assert!(conns.iter().all(|c| c.session_count() == 0));
    assert!(reg.list().iter().all(|s| s.sessions == 0));
    assert_eq!(reg.ensure_session_available("alice", 1), Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_connections_never_exceed_the_caps_and_end_at_zero() {
    const TOTAL: usize = 5;
    let reg = Registry::new(limits(TOTAL, 0));
    let held = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for t in 0..16u16 {
        let reg = reg.clone();
        let held = held.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..200u16 {
                match reg.try_add(info(Protocol::Ftp, addr(u8::try_from(t % 4).unwrap() + 1, round))) {
                    Ok(conn) => {
                        let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(now <= TOTAL, "{now} connections at once");
                        assert!(reg.connection_count() <= TOTAL);
                        tokio::task::yield_now().await;
                        held.fetch_sub(1, Ordering::SeqCst);
                        drop(conn);
                    }
                    Err(RegistryError::TooManyConnections { limit: TOTAL }) => tokio::task::yield_now().await,
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(reg.connection_count(), 0);
    for last in 1..=4 {
        assert_eq!(reg.host_count(addr(last, 0).ip()), 0);
    }
}
