//! Disk quota, size limits and transfer quota.

use bytes::Bytes;
use wharf_core::session::{SetStat, UploadRequest};
use wharf_vfs::FsError;

use super::support::{BOTH, Kind, World, get, put};

#[tokio::test]
async fn overwrite_keeps_the_file_count_and_replacing_a_symlink_adds_one() {
    let w = World::new(Kind::Local).await;
    let mut u = w.user("q1");
    u.quota_files = 10;
    let s = w.session(u).await;
    put(&s, "/f", b"12345").await.unwrap();
    assert_eq!(w.used("q1").await, (5, 1));
    put(&s, "/f", b"123").await.unwrap();
    assert_eq!(w.used("q1").await, (3, 1), "overwrite: same count, size adjusted");
    let settings = wharf_core::session::SessionSettings { symlink_mode: 1, ..Default::default() };
    let w2 = World::with_settings(Kind::Local, settings).await;
    let mut u = w2.user("q2");
    u.quota_files = 10;
    let s = w2.session(u).await;
    put(&s, "/target", b"abc").await.unwrap();
    s.symlink("/target", "/link").await.unwrap();
    assert_eq!(w2.used("q2").await, (3, 1), "a symlink is not counted");
    put(&s, "/link", b"zz").await.unwrap();
    assert_eq!(w2.used("q2").await, (5, 2), "replacing a symlink counts as a new file");
}

#[tokio::test]
async fn quota_limits_abort_mid_stream_and_remove_the_partial_file() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("q3");
        u.quota_size = 100_000;
        let s = w.session(u).await;
        put(&s, "/small", &[1u8; 60_000]).await.unwrap();
        let err = put(&s, "/big", &[2u8; 80_000]).await.unwrap_err();
        assert_eq!(err, FsError::quota(), "{kind:?}");
        assert_eq!(err.to_string(), "denying write due to space limit");
        assert_eq!(s.stat("/big").await, Err(FsError::NotFound), "partial file removed ({kind:?})");
        assert_eq!(w.used("q3").await, (60_000, 1), "{kind:?}");
        // An overwrite may reuse the replaced bytes.
        put(&s, "/small", &[3u8; 90_000]).await.unwrap();
        assert_eq!(w.used("q3").await, (90_000, 1), "{kind:?}");
        // Renames still work when full.
        s.rename("/small", "/renamed").await.unwrap();
        put(&s, "/x", &[0u8; 20_000]).await.unwrap_err();
        put(&s, "/renamed", &[0u8; 100_000]).await.unwrap();
        // Size reached: even an overwrite is refused at open.
        assert_eq!(put(&s, "/renamed", b"x").await, Err(FsError::quota()), "{kind:?}");
    }
}

#[tokio::test]
async fn file_count_quota() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("q4");
        u.quota_files = 2;
        let s = w.session(u).await;
        put(&s, "/a", b"1").await.unwrap();
        put(&s, "/b", b"1").await.unwrap();
        assert_eq!(put(&s, "/c", b"1").await, Err(FsError::quota()), "{kind:?}");
        put(&s, "/a", b"22").await.unwrap();
        s.remove("/a").await.unwrap();
        assert_eq!(w.used("q4").await, (1, 1), "{kind:?}");
        put(&s, "/c", b"1").await.unwrap();
    }
}

#[tokio::test]
async fn max_upload_file_size_also_applies_to_overwrites() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let plain = w.session(w.user("q5")).await;
        put(&plain, "/big", &[0u8; 5000]).await.unwrap();
        let mut u = w.user("q5");
        u.filters.max_upload_file_size = 1000;
        let s = w.session(u).await;
        put(&s, "/ok", &[0u8; 1000]).await.unwrap();
        match put(&s, "/no", &[0u8; 1001]).await {
            Err(FsError::QuotaExceeded(msg)) => assert!(msg.contains("max upload file size"), "{msg} ({kind:?})"),
            other => panic!("{other:?} ({kind:?})"),
        }
        assert_eq!(s.stat("/no").await, Err(FsError::NotFound), "{kind:?}");
        assert!(matches!(put(&s, "/big", &[0u8; 2000]).await, Err(FsError::QuotaExceeded(_))), "{kind:?}");
    }
}

#[tokio::test]
async fn truncation_updates_used_quota_at_once() {
    let w = World::new(Kind::Local).await;
    let mut u = w.user("q6");
    u.quota_size = 1_000_000;
    let s = w.session(u).await;
    put(&s, "/f", &[0u8; 1000]).await.unwrap();
    s.setstat("/f", SetStat { size: Some(100), ..Default::default() }).await.unwrap();
    assert_eq!(w.used("q6").await, (100, 1), "truncate by path");
    // Opening with truncate frees the bytes before any write.
    put(&s, "/g", &[0u8; 500]).await.unwrap();
    let up = s.open_upload("/g", UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
    assert_eq!(w.used("q6").await, (100, 2), "truncating open frees the old bytes immediately");
    up.write_at(0, Bytes::from_static(b"abc")).await.unwrap();
    up.close().await.unwrap();
    assert_eq!(w.used("q6").await, (103, 2));
    // Opening without truncate changes nothing until data is written.
    let up = s.open_upload("/g", UploadRequest::default()).await.unwrap();
    assert_eq!(w.used("q6").await, (103, 2));
    up.close().await.unwrap();
    assert_eq!(w.used("q6").await, (103, 2));
}

#[tokio::test]
async fn transfer_quota_limits_uploads_and_downloads() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("q7");
        u.total_data_transfer = 1; // MiB
        let s = w.session(u).await;
        put(&s, "/a", &vec![7u8; 700 * 1024]).await.unwrap();
        assert!(matches!(put(&s, "/b", &vec![7u8; 400 * 1024]).await, Err(FsError::QuotaExceeded(_))), "{kind:?}");
        assert!(matches!(get(&s, "/a").await, Err(FsError::QuotaExceeded(_))), "{kind:?}");
        let fresh = w.store.get::<wharf_model::User>("q7").await.unwrap();
        assert!(fresh.used_upload_data_transfer >= 700 * 1024, "{kind:?}");
    }
}

#[tokio::test]
async fn statvfs_reflects_the_quota() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("q8");
        u.quota_files = 100;
        u.quota_size = 4096 * 10;
        let s = w.session(u).await;
        put(&s, "/f", &[0u8; 4096]).await.unwrap();
        let st = s.statvfs("/").await.unwrap();
        assert_eq!((st.files, st.files_free), (100, 99), "{kind:?}");
        let bs = st.fragment_size.max(st.block_size);
        assert_eq!(st.blocks_free * bs, 4096 * 9, "{kind:?}");
        put(&s, "/g", &[0u8; 4096 * 9]).await.unwrap();
        assert_eq!(s.statvfs("/").await.unwrap().blocks_free, 0, "{kind:?}");
        assert_eq!(s.statvfs("/missing").await, Err(FsError::NotFound), "{kind:?}");
    }
}
