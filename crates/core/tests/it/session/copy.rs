//! Server-side copies (every entry of a tree is checked) and moves of trees between mounts.

use wharf_core::session::SessionSettings;
use wharf_model::VirtualFolder;
use wharf_model::user::{DenyPolicy, PatternsFilter};
use wharf_vfs::FsError;

use super::support::{BOTH, Kind, World, get, names, put};

fn filter(path: &str, denied: &[&str], hide: bool) -> PatternsFilter {
    PatternsFilter {
        path: path.into(),
        denied_patterns: denied.iter().map(|s| s.to_string()).collect(),
        deny_policy: if hide { DenyPolicy::Hide } else { DenyPolicy::Default },
        ..PatternsFilter::default()
    }
}

/// `/src` with `a.txt`, `sub/b.txt`, `sub/c.log`, made by a user without restrictions.
async fn tree(w: &World, name: &str) {
    let s = w.session(w.user(name)).await;
    s.mkdir("/src").await.unwrap();
    s.mkdir("/src/sub").await.unwrap();
    put(&s, "/src/a.txt", b"aa").await.unwrap();
    put(&s, "/src/sub/b.txt", b"bbb").await.unwrap();
    put(&s, "/src/sub/c.log", b"cccc").await.unwrap();
}

#[tokio::test]
async fn a_copied_tree_is_checked_entry_by_entry_before_anything_is_copied() {
    for kind in BOTH {
        let w = World::new(kind).await;
        tree(&w, "cp").await;
        // No upload where a file of the tree would land: nothing is copied at all.
        let mut u = w.user("cp");
        u.permissions.insert("/dst/sub".into(), vec!["list".into(), "create_dirs".into(), "copy".into()]);
        let s = w.session(u).await;
        assert_eq!(s.copy("/src", "/dst").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.stat("/dst").await, Err(FsError::NotFound), "checked before copying ({kind:?})");
        // A denied (visible) file refuses the copy; a hidden one is left out and not counted.
        let mut u = w.user("cp");
        u.filters.file_patterns = vec![filter("/src/sub", &["*.log"], false)];
        let s = w.session(u).await;
        assert_eq!(s.copy("/src", "/dst").await, Err(FsError::denied()), "{kind:?}");
        let mut u = w.user("cp");
        u.quota_files = 100;
        u.filters.file_patterns = vec![filter("/src/sub", &["*.log"], true)];
        let s = w.session(u).await;
        s.copy("/src", "/dst").await.unwrap();
        assert_eq!(names(&s, "/dst/sub").await.unwrap(), vec!["b.txt"], "{kind:?}");
        assert_eq!(get(&s, "/dst/a.txt").await.unwrap(), b"aa");
        assert_eq!(w.used("cp").await, (5, 2), "only what was copied is counted ({kind:?})");
        // A file may not be copied to a name the patterns refuse.
        let mut u = w.user("cp");
        u.filters.file_patterns = vec![filter("/dst2/sub", &["b.*"], false)];
        let s = w.session(u).await;
        assert_eq!(s.copy("/src", "/dst2").await, Err(FsError::denied()), "{kind:?}");
        // Onto itself: unsupported, as in SFTPGo.
        assert!(matches!(s.copy("/src/a.txt", "/src/a.txt").await, Err(FsError::Unsupported(_))), "{kind:?}");
    }
}

#[tokio::test]
async fn a_symlink_is_not_copied_or_followed() {
    let w = World::with_settings(Kind::Local, SessionSettings { symlink_mode: 1, ..Default::default() }).await;
    let s = w.session(w.user("cpl")).await;
    put(&s, "/t", b"target").await.unwrap();
    s.symlink("/t", "/l").await.unwrap();
    assert!(matches!(s.copy("/l", "/c").await, Err(FsError::Unsupported(_))));
    assert_eq!(s.stat("/c").await, Err(FsError::NotFound));
    // Inside a copied tree, links are skipped.
    s.mkdir("/d").await.unwrap();
    s.symlink("/t", "/d/l").await.unwrap();
    put(&s, "/d/f", b"f").await.unwrap();
    s.copy("/d", "/d2").await.unwrap();
    assert_eq!(names(&s, "/d2").await.unwrap(), vec!["f"]);
}

#[tokio::test]
async fn a_directory_moved_to_another_folder_keeps_its_links() {
    let w = World::with_settings(Kind::Local, SessionSettings { symlink_mode: 1, ..Default::default() }).await;
    w.add_folder("other").await;
    let mut u = w.user("mv");
    u.virtual_folders = vec![VirtualFolder {
        name: "other".into(),
        virtual_path: "/other".into(),
        quota_size: -1,
        quota_files: -1,
        ..VirtualFolder::default()
    }];
    let s = w.session(u).await;
    for d in ["/a", "/a/b", "/a/b/d", "/a/b/d/sub"] {
        s.mkdir(d).await.unwrap();
    }
    put(&s, "/a/b/d/t", b"target").await.unwrap();
    s.symlink("/a/b/d/t", "/a/b/d/sub/l").await.unwrap();
    // Stored as `../../x`: once the tree sits at the folder's top, it would point outside it.
    s.symlink("/a/x", "/a/b/d/out").await.unwrap();
    s.rename("/a/b/d", "/other/d").await.unwrap();
    assert_eq!(s.lstat("/a/b/d").await, Err(FsError::NotFound));
    assert_eq!(s.readlink("/other/d/sub/l").await.unwrap(), "/other/d/t");
    assert_eq!(get(&s, "/other/d/sub/l").await.unwrap(), b"target");
    assert_eq!(s.lstat("/other/d/out").await, Err(FsError::NotFound), "a link that cannot be kept is dropped");
}

#[tokio::test]
async fn moves_between_object_store_folders_work_without_links() {
    for kind in BOTH {
        let w = World::new(kind).await;
        w.add_folder("o").await;
        let mut u = w.user("mvo");
        u.virtual_folders = vec![VirtualFolder {
            name: "o".into(),
            virtual_path: "/o".into(),
            quota_size: -1,
            quota_files: -1,
            ..VirtualFolder::default()
        }];
        let s = w.session(u).await;
        s.mkdir("/d").await.unwrap();
        put(&s, "/d/f", b"f").await.unwrap();
        s.rename("/d", "/o/d").await.unwrap();
        assert_eq!(get(&s, "/o/d/f").await.unwrap(), b"f", "{kind:?}");
    }
}
