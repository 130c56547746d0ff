//! Upload modes, resume and append.

use bytes::Bytes;
use wharf_core::session::{SessionSettings, UploadMode, UploadRequest};

use super::support::{Kind, World, get, names, put};

fn settings(mode: UploadMode) -> SessionSettings {
    SessionSettings { upload_mode: mode, ..SessionSettings::default() }
}

#[tokio::test]
async fn standard_mode_keeps_partial_files_on_abort() {
    let w = World::new(Kind::Local).await;
    let s = w.session(w.user("m1")).await;
    let up = s.open_upload("/f", UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
    up.write_at(0, Bytes::from_static(b"part")).await.unwrap();
    up.abort().await;
    assert_eq!(get(&s, "/f").await.unwrap(), b"part");
    assert_eq!(w.used("m1").await, (0, 0), "untracked user (track_quota 2, no limits)");
}

#[tokio::test]
async fn atomic_mode_exposes_only_complete_files() {
    let w = World::with_settings(Kind::Local, settings(UploadMode::Atomic)).await;
    let s = w.session(w.user("m2")).await;
    put(&s, "/f", b"old").await.unwrap();
    let up = s.open_upload("/f", UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
    up.write_at(0, Bytes::from_static(b"new content")).await.unwrap();
    assert_eq!(get(&s, "/f").await.unwrap(), b"old", "the target is untouched while uploading");
    up.close().await.unwrap();
    assert_eq!(get(&s, "/f").await.unwrap(), b"new content");
    let up = s.open_upload("/f", UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
    up.write_at(0, Bytes::from_static(b"broken")).await.unwrap();
    up.abort().await;
    assert_eq!(get(&s, "/f").await.unwrap(), b"new content", "a failed atomic upload leaves the old file");
    assert_eq!(names(&s, "/").await.unwrap(), vec!["f"], "no temporary file left behind");
}

#[tokio::test]
async fn atomic_with_resume_keeps_the_partial_file() {
    let w = World::with_settings(Kind::Local, settings(UploadMode::AtomicWithResume)).await;
    let s = w.session(w.user("m3")).await;
    let up = s.open_upload("/f", UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
    up.write_at(0, Bytes::from_static(b"first half")).await.unwrap();
    up.abort().await;
    assert_eq!(get(&s, "/f").await.unwrap(), b"first half");
    // Resume: open without truncate and continue at the current size.
    let up = s.open_upload("/f", UploadRequest::default()).await.unwrap();
    up.write_at(10, Bytes::from_static(b", second")).await.unwrap();
    up.close().await.unwrap();
    assert_eq!(get(&s, "/f").await.unwrap(), b"first half, second");
    assert_eq!(names(&s, "/").await.unwrap(), vec!["f"]);
}

#[tokio::test]
async fn resume_and_append_in_standard_mode() {
    let w = World::new(Kind::Local).await;
    let mut u = w.user("m4");
    u.quota_files = 10;
    let s = w.session(u).await;
    put(&s, "/f", b"abc").await.unwrap();
    let up = s.open_upload("/f", UploadRequest { append: true, ..Default::default() }).await.unwrap();
    up.write_at(3, Bytes::from_static(b"def")).await.unwrap();
    up.close().await.unwrap();
    assert_eq!(get(&s, "/f").await.unwrap(), b"abcdef");
    assert_eq!(w.used("m4").await, (6, 1), "resume adds only the new bytes and no file");
    // Read+write open: write, then read back.
    let up = s.open_upload("/rw", UploadRequest { truncate: true, read: true, ..Default::default() }).await.unwrap();
    up.write_at(0, Bytes::from_static(b"hello")).await.unwrap();
    assert_eq!(&up.read_at(1, 3).await.unwrap()[..], b"ell");
    up.close().await.unwrap();
}

#[tokio::test]
async fn object_stores_refuse_resume() {
    let w = World::new(Kind::Object).await;
    let s = w.session(w.user("m5")).await;
    put(&s, "/f", b"abc").await.unwrap();
    assert!(s.open_upload("/f", UploadRequest::default()).await.is_err(), "no resume on immutable objects");
}

#[tokio::test]
async fn append_refuses_writes_below_the_end_of_the_file() {
    let w = World::new(Kind::Local).await;
    let s = w.session(w.user("m6")).await;
    put(&s, "/f", b"abc").await.unwrap();
    let up = s.open_upload("/f", UploadRequest { append: true, ..Default::default() }).await.unwrap();
    assert!(up.write_at(0, Bytes::from_static(b"xyz")).await.is_err(), "offset 0 in append mode");
    up.write_at(3, Bytes::from_static(b"d")).await.unwrap();
    up.close().await.unwrap();
    assert_eq!(get(&s, "/f").await.unwrap(), b"abcd");
}

#[tokio::test]
async fn object_store_uploads_that_fail_change_nothing() {
    let w = World::new(Kind::Object).await;
    let mut u = w.user("m7");
    u.quota_size = 10;
    let s = w.session(u).await;
    put(&s, "/f", b"old").await.unwrap();
    assert_eq!(w.used("m7").await, (3, 1));
    // The client gives up: the previous object stays, nothing new appears.
    let up = s.open_upload("/f", UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
    up.write_at(0, Bytes::from_static(b"new")).await.unwrap();
    up.abort().await;
    let up = s.open_upload("/g", UploadRequest { truncate: true, ..Default::default() }).await.unwrap();
    up.write_at(0, Bytes::from_static(b"partial")).await.unwrap();
    up.abort().await;
    assert_eq!(get(&s, "/f").await.unwrap(), b"old");
    assert_eq!(names(&s, "/").await.unwrap(), vec!["f"], "an aborted upload leaves no object");
    assert_eq!(w.used("m7").await, (3, 1));
    // An overwrite that crosses the quota keeps the previous object too.
    assert!(put(&s, "/f", &[7u8; 64]).await.is_err());
    assert_eq!(get(&s, "/f").await.unwrap(), b"old");
    assert_eq!(w.used("m7").await, (3, 1));
}
