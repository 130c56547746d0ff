//! Hard links, and attribute changes that do or do not follow a symbolic link.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use wharf_core::session::{SessionSettings, SetStat};
use wharf_model::VirtualFolder;
use wharf_model::user::{DenyPolicy, PatternsFilter};
use wharf_vfs::FsError;

use super::support::{BOTH, Kind, World, get, put};

fn links() -> SessionSettings {
    SessionSettings { symlink_mode: 1, ..Default::default() }
}

#[tokio::test]
async fn hard_links_where_the_storage_and_symlink_mode_allow_them() {
    for kind in BOTH {
        let w = World::with_settings(kind, links()).await;
        let mut u = w.user("hl");
        u.quota_files = 10;
        let s = w.session(u).await;
        put(&s, "/a", b"data").await.unwrap();
        let r = s.link("/a", "/b").await;
        if kind == Kind::Object {
            assert!(matches!(r, Err(FsError::Unsupported(_))), "{r:?}");
            continue;
        }
        r.unwrap();
        let (a, b) = (std::fs::metadata(w.path("hl/a")).unwrap(), std::fs::metadata(w.path("hl/b")).unwrap());
        assert_eq!((a.ino(), a.nlink()), (b.ino(), 2));
        assert_eq!(get(&s, "/b").await.unwrap(), b"data");
        assert_eq!(w.used("hl").await, (8, 2), "counted like a copy");
        assert_eq!(s.link("/a", "/b").await, Err(FsError::AlreadyExists));
        assert_eq!(s.link("/missing", "/c").await, Err(FsError::NotFound));
        s.mkdir("/d").await.unwrap();
        assert_eq!(s.link("/d", "/d2").await, Err(FsError::IsADirectory));
        s.symlink("/a", "/sl").await.unwrap();
        assert!(matches!(s.link("/sl", "/c").await, Err(FsError::Unsupported(_))), "no hard links to symlinks");
        assert_eq!(s.link("/a", "/").await, Err(FsError::denied()));
        s.remove("/b").await.unwrap();
        assert_eq!(w.used("hl").await, (4, 1));
        assert_eq!(get(&s, "/a").await.unwrap(), b"data");
    }
    // Not without symlink_mode bit 1 (SFTPGo has no hard links: migrated setups keep none).
    let w = World::new(Kind::Local).await;
    let s = w.session(w.user("hl0")).await;
    put(&s, "/a", b"data").await.unwrap();
    assert!(matches!(s.link("/a", "/b").await, Err(FsError::Unsupported(_))));
}

#[tokio::test]
async fn hard_links_need_create_symlinks_on_both_parents_patterns_and_quota() {
    let w = World::with_settings(Kind::Local, links()).await;
    w.add_folder("f").await;
    let mut u = w.user("hlp");
    u.quota_files = 3;
    let all_but_links: Vec<String> =
        ["list", "download", "upload", "overwrite", "create_dirs", "delete"].iter().map(|p| p.to_string()).collect();
    u.permissions.insert("/nolinks".into(), all_but_links);
    u.filters.file_patterns = vec![PatternsFilter {
        path: "/".into(),
        denied_patterns: vec!["*.exe".into()],
        deny_policy: DenyPolicy::Default,
        ..PatternsFilter::default()
    }];
    u.virtual_folders = vec![VirtualFolder {
        name: "f".into(),
        virtual_path: "/f".into(),
        quota_size: -1,
        quota_files: -1,
        ..VirtualFolder::default()
    }];
    let s = w.session(u).await;
    s.mkdir("/nolinks").await.unwrap();
    put(&s, "/a", b"data").await.unwrap();
    put(&s, "/nolinks/x", b"x").await.unwrap();
    assert_eq!(s.link("/nolinks/x", "/y").await, Err(FsError::denied()), "the target's parent");
    assert_eq!(s.link("/a", "/nolinks/y").await, Err(FsError::denied()), "the link's parent");
    assert_eq!(s.link("/a", "/y.exe").await, Err(FsError::denied()), "patterns");
    assert!(matches!(s.link("/a", "/f/y").await, Err(FsError::Unsupported(_))), "across folders");
    s.link("/a", "/y").await.unwrap();
    assert_eq!(w.used("hlp").await, (9, 3));
    assert_eq!(s.link("/a", "/z").await, Err(FsError::quota()), "the file quota is full");
}

#[tokio::test]
async fn lsetstat_changes_the_link_itself_and_setstat_its_target() {
    let w = World::with_settings(Kind::Local, links()).await;
    let mut u = w.user("ls");
    u.quota_files = 10;
    let s = w.session(u).await;
    put(&s, "/t", &[7u8; 1000]).await.unwrap();
    s.symlink("/t", "/l").await.unwrap();
    let mode = || std::fs::metadata(w.path("ls/t")).unwrap().permissions().mode() & 0o777;
    s.setstat("/t", SetStat { mode: Some(0o640), ..Default::default() }).await.unwrap();
    // A link's own mode and times cannot be changed: unsupported, and the target is untouched.
    let chmod = SetStat { mode: Some(0o600), ..Default::default() };
    assert!(matches!(s.lsetstat("/l", chmod).await, Err(FsError::Unsupported(_))));
    let times = SetStat { times: Some((std::time::UNIX_EPOCH, std::time::UNIX_EPOCH)), ..Default::default() };
    assert!(matches!(s.lsetstat("/l", times).await, Err(FsError::Unsupported(_))));
    assert_eq!(mode(), 0o640);
    // Without following, a size makes no sense (OpenSSH refuses it too).
    let size = SetStat { size: Some(1), ..Default::default() };
    assert!(matches!(s.lsetstat("/t", size).await, Err(FsError::InvalidInput(_))));
    // On anything but a link it is setstat.
    s.lsetstat("/t", chmod).await.unwrap();
    assert_eq!(mode(), 0o600);
    // setstat follows the link, and a size through it is accounted with the target's size.
    s.setstat("/l", SetStat { mode: Some(0o604), ..Default::default() }).await.unwrap();
    assert_eq!(mode(), 0o604);
    assert_eq!(w.used("ls").await, (1000, 1));
    s.setstat("/l", SetStat { size: Some(100), ..Default::default() }).await.unwrap();
    assert_eq!(std::fs::metadata(w.path("ls/t")).unwrap().len(), 100);
    assert_eq!(w.used("ls").await, (100, 1));
    assert!(std::fs::symlink_metadata(w.path("ls/l")).unwrap().file_type().is_symlink());
    // With setstat_mode 1 (or 2: links cannot have these), changes to a link are accepted and ignored.
    for setstat_mode in [1, 2] {
        let w = World::with_settings(Kind::Local, SessionSettings { setstat_mode, ..links() }).await;
        let s = w.session(w.user("ls2")).await;
        put(&s, "/t", b"t").await.unwrap();
        s.symlink("/t", "/l").await.unwrap();
        let before = std::fs::metadata(w.path("ls2/t")).unwrap().permissions().mode();
        s.lsetstat("/l", SetStat { mode: Some(0o600), ..Default::default() }).await.unwrap();
        assert_eq!(std::fs::metadata(w.path("ls2/t")).unwrap().permissions().mode(), before);
    }
}
