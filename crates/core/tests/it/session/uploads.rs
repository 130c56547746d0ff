//! What fronts need from an open upload beyond writing and closing: the storage's abilities,
//! sync, metadata and attributes of the data being written (the temporary file in atomic modes).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use wharf_core::session::{SessionSettings, SetStat, UploadMode, UploadRequest};
use wharf_vfs::FsError;

use super::support::{BOTH, Kind, World, get};

fn create() -> UploadRequest {
    UploadRequest { truncate: true, ..Default::default() }
}

fn at(secs: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[tokio::test]
async fn capabilities_tell_the_write_order_and_whether_reads_work() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let s = w.session(w.user("caps")).await;
        // A read+write open succeeds everywhere; only storage that can read back returns data.
        let up = s.open_upload("/rw", UploadRequest { read: true, ..create() }).await.unwrap();
        let caps = up.capabilities();
        assert_eq!(caps.random_write, kind == Kind::Local, "{kind:?}");
        assert_eq!(caps.read_back, kind == Kind::Local, "{kind:?}");
        up.write_at(0, Bytes::from_static(b"abc")).await.unwrap();
        match kind {
            Kind::Local => assert_eq!(&up.read_at(1, 2).await.unwrap()[..], b"bc"),
            Kind::Object => assert!(matches!(up.read_at(0, 3).await, Err(FsError::Unsupported(_)))),
        }
        up.close().await.unwrap();
        assert_eq!(get(&s, "/rw").await.unwrap(), b"abc", "a refused read-back does not spoil the upload");
        // Without asking for reads there is no read-back anywhere.
        let up = s.open_upload("/w", create()).await.unwrap();
        assert!(!up.capabilities().read_back);
        assert!(matches!(up.read_at(0, 1).await, Err(FsError::Unsupported(_))), "{kind:?}");
        up.abort().await;
    }
}

#[tokio::test]
async fn sync_is_unsupported_and_leaves_the_upload_going() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let s = w.session(w.user("sync")).await;
        let up = s.open_upload("/f", create()).await.unwrap();
        up.write_at(0, Bytes::from_static(b"one ")).await.unwrap();
        assert!(!up.capabilities().sync);
        assert!(matches!(up.sync().await, Err(FsError::Unsupported(_))), "{kind:?}");
        up.write_at(4, Bytes::from_static(b"two")).await.unwrap();
        up.close().await.unwrap();
        assert_eq!(get(&s, "/f").await.unwrap(), b"one two", "{kind:?}");
    }
}

#[tokio::test]
async fn metadata_of_an_upload_describes_the_data_written() {
    for kind in BOTH {
        for mode in [UploadMode::Standard, UploadMode::Atomic] {
            let w = World::with_settings(kind, SessionSettings { upload_mode: mode, ..Default::default() }).await;
            let s = w.session(w.user("meta")).await;
            let up = s.open_upload("/f", create()).await.unwrap();
            up.write_at(0, Bytes::from_static(b"hello")).await.unwrap();
            let md = up.stat().await.unwrap();
            assert!(md.is_file(), "{kind:?} {mode:?}");
            assert_eq!(md.size, 5, "{kind:?} {mode:?}");
            let visible = s.stat("/f").await.is_ok();
            assert_eq!(visible, kind == Kind::Local && mode == UploadMode::Standard, "{kind:?} {mode:?}");
            up.close().await.unwrap();
        }
        // Like stat, it needs `list` on the parent.
        let w = World::new(kind).await;
        let mut u = w.user("meta2");
        u.permissions.insert("/".into(), vec!["upload".into()]);
        let s = w.session(u).await;
        let up = s.open_upload("/f", create()).await.unwrap();
        assert_eq!(up.stat().await.unwrap_err(), FsError::denied(), "{kind:?}");
        up.close().await.unwrap();
    }
}

#[tokio::test]
async fn attributes_set_through_an_upload_apply_to_its_data_and_stick() {
    for mode in [UploadMode::Standard, UploadMode::Atomic, UploadMode::AtomicWithResume] {
        let w = World::with_settings(Kind::Local, SessionSettings { upload_mode: mode, ..Default::default() }).await;
        let mut u = w.user("attrs");
        u.quota_files = 10;
        let s = w.session(u).await;
        let up = s.open_upload("/f", create()).await.unwrap();
        up.write_at(0, Bytes::from_static(b"hello")).await.unwrap();
        let attrs = SetStat { mode: Some(0o600), times: Some((at(1_000_000), at(2_000_000))), ..Default::default() };
        up.set_attrs(attrs).await.unwrap();
        let md = up.stat().await.unwrap();
        assert_eq!((md.mode & 0o777, md.mtime), (0o600, at(2_000_000)), "applied at once ({mode:?})");
        up.write_at(5, Bytes::from_static(b" world, and more")).await.unwrap();
        // A size truncates what was written; the quota follows the final size.
        up.set_attrs(SetStat { size: Some(11), ..Default::default() }).await.unwrap();
        assert_eq!(up.size(), 11);
        up.close().await.unwrap();
        let host = std::fs::metadata(w.path("attrs/f")).unwrap();
        assert_eq!(get(&s, "/f").await.unwrap(), b"hello world", "{mode:?}");
        assert_eq!(host.permissions().mode() & 0o777, 0o600, "{mode:?}");
        assert_eq!(host.mtime(), 2_000_000, "times survive later writes and the rename ({mode:?})");
        assert_eq!(w.used("attrs").await, (11, 1), "{mode:?}");
        // Permissions are those of setstat, checked at once.
        let mut u = w.user("attrs");
        u.quota_files = 10;
        u.permissions.insert("/".into(), vec!["list".into(), "upload".into(), "download".into()]);
        let s = w.session(u).await;
        let up = s.open_upload("/g", create()).await.unwrap();
        let denied = [
            SetStat { mode: Some(0o600), ..Default::default() },
            SetStat { times: Some((at(1), at(1))), ..Default::default() },
            SetStat { size: Some(0), ..Default::default() },
        ];
        for attrs in denied {
            assert_eq!(up.set_attrs(attrs).await, Err(FsError::denied()), "{attrs:?} ({mode:?})");
        }
        up.write_at(0, Bytes::from_static(b"ok")).await.unwrap();
        up.close().await.unwrap();
    }
}

#[tokio::test]
async fn upload_attributes_follow_setstat_mode_and_limits() {
    // Object stores cannot set times or truncate: unsupported, or ignored with setstat_mode 2; the
    // upload goes on either way.
    for setstat_mode in [0, 2] {
        let w = World::with_settings(Kind::Object, SessionSettings { setstat_mode, ..Default::default() }).await;
        let s = w.session(w.user("oattrs")).await;
        let up = s.open_upload("/f", create()).await.unwrap();
        up.write_at(0, Bytes::from_static(b"data")).await.unwrap();
        let r = up.set_attrs(SetStat { times: Some((at(5), at(5))), ..Default::default() }).await;
        if setstat_mode == 0 {
            assert!(matches!(r, Err(FsError::Unsupported(_))), "{r:?}");
        } else {
            r.unwrap();
        }
        let r = up.set_attrs(SetStat { size: Some(1), ..Default::default() }).await;
        assert!(matches!(r, Err(FsError::Unsupported(_))), "{r:?}");
        up.close().await.unwrap();
        assert_eq!(get(&s, "/f").await.unwrap(), b"data");
    }
    // A size beyond the quota or max_upload_file_size is refused without spoiling the upload.
    let w = World::new(Kind::Local).await;
    let mut u = w.user("lattrs");
    u.quota_size = 1000;
    u.filters.max_upload_file_size = 500;
    let s = w.session(u).await;
    let up = s.open_upload("/f", create()).await.unwrap();
    up.write_at(0, Bytes::from_static(b"data")).await.unwrap();
    let r = up.set_attrs(SetStat { size: Some(600), ..Default::default() }).await;
    assert_eq!(r, Err(FsError::QuotaExceeded("denying write due to max upload file size".into())));
    up.close().await.unwrap();
    assert_eq!(w.used("lattrs").await, (4, 1));
}

#[tokio::test]
async fn append_refuses_writes_below_the_size_at_open() {
    let w = World::new(Kind::Local).await;
    let s = w.session(w.user("app")).await;
    super::support::put(&s, "/f", b"0123").await.unwrap();
    let up = s.open_upload("/f", UploadRequest { append: true, ..Default::default() }).await.unwrap();
    assert!(matches!(up.write_at(2, Bytes::from_static(b"xx")).await, Err(FsError::InvalidInput(_))));
    up.write_at(4, Bytes::from_static(b"45")).await.unwrap();
    up.close().await.unwrap();
    assert_eq!(get(&s, "/f").await.unwrap(), b"012345");
}
