//! Per-directory permissions: globs, nearest level wins, no merging, checked on the parent.

use wharf_vfs::FsError;

use super::support::{BOTH, World, names, put};

fn perms(u: &mut wharf_model::User, entries: &[(&str, &[&str])]) {
    u.permissions.clear();
    for (k, v) in entries {
        u.permissions.insert((*k).into(), v.iter().map(|s| s.to_string()).collect());
    }
}

#[tokio::test]
async fn permissions_are_per_directory_and_not_merged() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("alice");
        perms(&mut u, &[("/", &["*"]), ("/ro", &["list", "download"]), ("/up", &["list", "upload"])]);
        let s = w.session(u).await;
        s.mkdir("/ro").await.unwrap();
        s.mkdir("/up").await.unwrap();
        assert_eq!(put(&s, "/ro/f", b"x").await, Err(FsError::denied()), "{kind:?}");
        put(&s, "/up/f", b"x").await.unwrap();
        // No merging: /up lacks overwrite although / has *.
        assert_eq!(put(&s, "/up/f", b"y").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(super::support::get(&s, "/up/f").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.remove("/up/f").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.mkdir("/ro/sub").await, Err(FsError::denied()), "{kind:?}");
        // Checks are on the parent: /ro itself can be removed through "/" permissions.
        assert!(s.rmdir("/ro").await.is_ok(), "{kind:?}");
    }
}

#[tokio::test]
async fn glob_keys_and_exact_keys() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("bob");
        perms(&mut u, &[("/", &["*"]), ("/p*", &["list"]), ("/pub", &["list", "upload"])]);
        let s = w.session(u).await;
        for d in ["/pub", "/private", "/other"] {
            s.mkdir(d).await.unwrap();
        }
        put(&s, "/pub/a", b"1").await.unwrap();
        assert_eq!(put(&s, "/private/a", b"1").await, Err(FsError::denied()), "glob applies ({kind:?})");
        put(&s, "/other/a", b"1").await.unwrap();
        assert_eq!(names(&s, "/private").await.unwrap(), Vec::<String>::new());
    }
}

#[tokio::test]
async fn split_delete_permissions() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("carol");
        perms(&mut u, &[("/", &["list", "upload", "create_dirs", "download"]), ("/f", &["*"])]);
        let s = w.session(u.clone()).await;
        s.mkdir("/f").await.unwrap();
        s.mkdir("/f/files").await.unwrap();
        s.mkdir("/f/dirs").await.unwrap();
        put(&s, "/f/files/x", b"1").await.unwrap();
        s.mkdir("/f/dirs/d").await.unwrap();
        perms(&mut u, &[("/", &["*"]), ("/f/files", &["list", "delete_files"]), ("/f/dirs", &["list", "delete_dirs"])]);
        let s = w.session(u).await;
        s.mkdir("/f/files/sub").await.unwrap_err();
        assert!(s.remove("/f/files/x").await.is_ok(), "{kind:?}");
        put(&s, "/f/dirs/y", b"1").await.unwrap_err();
        assert_eq!(s.rmdir("/f/dirs/d").await, Ok(()), "{kind:?}");
    }
}

#[tokio::test]
async fn rename_needs_overwrite_to_replace_and_replaces() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("dave");
        perms(&mut u, &[("/", &["list", "upload", "download", "rename", "create_dirs"])]);
        let s = w.session(u.clone()).await;
        put(&s, "/a", b"aaa").await.unwrap();
        put(&s, "/b", b"b").await.unwrap();
        assert_eq!(s.rename("/a", "/b").await, Err(FsError::denied()), "{kind:?}");
        perms(&mut u, &[("/", &["list", "upload", "download", "rename", "overwrite"])]);
        let s = w.session(u).await;
        s.rename("/a", "/b").await.unwrap();
        assert_eq!(super::support::get(&s, "/b").await.unwrap(), b"aaa");
        assert_eq!(s.rename("/missing", "/c").await, Err(FsError::NotFound));
    }
}

#[tokio::test]
async fn file_cannot_overwrite_a_directory() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let s = w.session(w.user("erin")).await;
        s.mkdir("/d").await.unwrap();
        put(&s, "/d/inner", b"1").await.unwrap();
        put(&s, "/f", b"1").await.unwrap();
        assert!(put(&s, "/d", b"x").await.is_err(), "upload onto a directory ({kind:?})");
        assert!(s.rename("/f", "/d").await.is_err(), "rename onto a directory ({kind:?})");
        assert!(s.remove("/d").await.is_err(), "REMOVE on a directory ({kind:?})");
        assert!(s.rmdir("/f").await.is_err(), "RMDIR on a file ({kind:?})");
        assert!(s.rmdir("/d").await.is_err(), "non-empty ({kind:?})");
        assert!(s.mkdir("/x/y").await.is_err(), "mkdir is not recursive ({kind:?})");
        s.remove("/f").await.unwrap();
        assert_eq!(s.remove("/f").await, Err(FsError::NotFound));
    }
}
