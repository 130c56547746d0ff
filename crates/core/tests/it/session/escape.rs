//! Escape attempts through the session on local storage: `..`, absolute paths, symlinks planted on
//! disk that point outside the home. Nothing outside may be read, written, listed or changed.

use wharf_core::session::SetStat;

use super::support::{Kind, World, get, names, put};

#[tokio::test]
async fn dot_dot_stays_inside_the_home() {
    let w = World::new(Kind::Local).await;
    let s = w.session(w.user("esc")).await;
    let p = s.resolve("../../../../etc/passwd", "/").unwrap();
    assert_eq!(p, "/etc/passwd");
    let up = s.resolve("../../file", "/a/b").unwrap();
    put(&s, &up, b"inside").await.unwrap();
    assert!(std::path::Path::new(&w.path("esc/file")).exists(), "the upload landed inside the home");
    assert!(!w.dir.path().join("file").exists());
}

#[tokio::test]
async fn symlinks_pointing_outside_are_useless() {
    let w = World::new(Kind::Local).await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"SECRET-MARKER").unwrap();
    let s = w.session(w.user("esc2")).await;
    let home = w.path("esc2");
    std::os::unix::fs::symlink(outside.path(), format!("{home}/out")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), format!("{home}/secret-link")).unwrap();
    std::os::unix::fs::symlink("../../../../../../..", format!("{home}/up")).unwrap();

    assert!(names(&s, "/out").await.is_err());
    assert!(get(&s, "/out/secret").await.is_err());
    assert!(get(&s, "/secret-link").await.is_err());
    assert!(s.stat("/secret-link").await.is_err(), "stat follows the link and must fail");
    assert!(s.lstat("/secret-link").await.unwrap().is_symlink(), "the link itself is visible");
    assert!(put(&s, "/out/new", b"x").await.is_err());
    assert!(put(&s, "/up/tmp/evil", b"x").await.is_err());
    assert!(s.setstat("/out/secret", SetStat { mode: Some(0o777), ..Default::default() }).await.is_err());
    assert!(s.setstat("/secret-link", SetStat { size: Some(0), ..Default::default() }).await.is_err());
    assert!(s.mkdir("/out/dir").await.is_err());
    assert!(s.rename("/out/secret", "/stolen").await.is_err());
    assert!(s.remove("/out/secret").await.is_err());
    assert!(s.readlink("/secret-link").await.is_err(), "a host path is not a virtual path");
    assert_eq!(std::fs::read(outside.path().join("secret")).unwrap(), b"SECRET-MARKER");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn symlinks_created_through_the_session_stay_inside() {
    let settings = wharf_core::session::SessionSettings { symlink_mode: 1, ..Default::default() };
    let w = World::with_settings(Kind::Local, settings).await;
    let s = w.session(w.user("esc3")).await;
    put(&s, "/t", b"target").await.unwrap();
    s.mkdir("/d").await.unwrap();
    s.symlink("/t", "/d/l").await.unwrap();
    assert_eq!(s.readlink("/d/l").await.unwrap(), "/t");
    assert_eq!(get(&s, "/d/l").await.unwrap(), b"target");
    s.symlink("../../../../../etc", "/e").await.unwrap();
    assert_eq!(s.readlink("/e").await.unwrap(), "/etc", "cleaned lexically inside the namespace");
    assert!(names(&s, "/e").await.is_err(), "points at a missing /etc inside the home");
    assert!(s.symlink("/t", "/d/l").await.is_err(), "already exists");
    // Symlinks are refused where symlink_mode does not allow them.
    let w2 = World::new(Kind::Local).await;
    let s2 = w2.session(w2.user("esc4")).await;
    put(&s2, "/t", b"x").await.unwrap();
    assert!(s2.symlink("/t", "/l").await.is_err());
}
