//! Virtual folders: mounting, auto-creation, folder quota included or separate, a folder at `/`.

use wharf_model::VirtualFolder;
use wharf_vfs::FsError;

use super::support::{BOTH, World, get, names, put};

fn mapping(name: &str, vpath: &str, quota_size: i64, quota_files: i64) -> VirtualFolder {
    VirtualFolder { name: name.into(), virtual_path: vpath.into(), quota_size, quota_files, ..VirtualFolder::default() }
}

#[tokio::test]
async fn folders_are_mounted_listed_and_protected() {
    for kind in BOTH {
        let w = World::new(kind).await;
        w.add_folder("shared").await;
        let mut u = w.user("vf");
        u.virtual_folders = vec![mapping("shared", "/shared", 0, 0)];
        let s = w.session(u).await;
        assert!(names(&s, "/").await.unwrap().contains(&"shared".to_string()), "{kind:?}");
        put(&s, "/shared/f", b"data").await.unwrap();
        assert_eq!(get(&s, "/shared/f").await.unwrap(), b"data");
        assert_eq!(s.rename("/shared", "/other").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.rmdir("/shared").await, Err(FsError::denied()), "{kind:?}");
        assert!(s.mkdir("/shared").await.is_err(), "{kind:?}");
        assert!(put(&s, "/shared", b"x").await.is_err(), "{kind:?}");
        // A directory that contains a virtual folder cannot be renamed.
        let w2 = World::new(kind).await;
        w2.add_folder("deep").await;
        let mut u = w2.user("vf2");
        u.virtual_folders = vec![mapping("deep", "/dir/deep", 0, 0)];
        let s = w2.session(u).await;
        s.mkdir("/dir").await.ok();
        assert_eq!(s.rename("/dir", "/dir2").await, Err(FsError::denied()), "{kind:?}");
    }
}

#[tokio::test]
async fn folder_quota_is_separate_or_included() {
    for kind in BOTH {
        let w = World::new(kind).await;
        w.add_folder("sep").await;
        w.add_folder("inc").await;
        let mut u = w.user("fq");
        u.quota_files = 100;
        u.virtual_folders = vec![mapping("sep", "/sep", 0, 1), mapping("inc", "/inc", -1, -1)];
        let s = w.session(u).await;
        put(&s, "/sep/a", b"123").await.unwrap();
        assert_eq!(put(&s, "/sep/b", b"1").await, Err(FsError::quota()), "folder file quota ({kind:?})");
        assert_eq!(w.folder_used("sep").await, (3, 1), "{kind:?}");
        assert_eq!(w.used("fq").await, (0, 0), "not counted for the user ({kind:?})");
        put(&s, "/inc/a", b"12").await.unwrap();
        assert_eq!(w.used("fq").await, (2, 1), "included folder counts for the user ({kind:?})");
        // Moving between owners moves the usage.
        s.rename("/inc/a", "/home-a").await.unwrap();
        assert_eq!(w.used("fq").await, (2, 1), "home and included folder share the user quota ({kind:?})");
        s.rename("/home-a", "/sep/a").await.unwrap_err(); // would exceed the folder's file quota
        s.remove("/sep/a").await.unwrap();
        assert_eq!(w.folder_used("sep").await, (0, 0), "{kind:?}");
        s.rename("/home-a", "/sep/a").await.unwrap();
        assert_eq!(w.folder_used("sep").await, (2, 1), "{kind:?}");
        assert_eq!(w.used("fq").await, (0, 0), "{kind:?}");
        assert_eq!(get(&s, "/sep/a").await.unwrap(), b"12");
    }
}

#[tokio::test]
async fn a_folder_at_root_hides_the_home() {
    for kind in BOTH {
        let w = World::new(kind).await;
        w.add_folder("root").await;
        let mut u = w.user("rf");
        u.quota_files = 10;
        let plain = w.session(u).await;
        put(&plain, "/home-file", b"h").await.unwrap();
        let mut u = w.user("rf");
        u.quota_files = 10;
        u.virtual_folders = vec![mapping("root", "/", 0, 0)];
        let s = w.session(u).await;
        assert_eq!(names(&s, "/").await.unwrap(), Vec::<String>::new(), "{kind:?}");
        put(&s, "/in-folder", b"f").await.unwrap();
        assert_eq!(w.folder_used("root").await, (1, 1), "{kind:?}");
        assert_eq!(w.used("rf").await.1, 1, "only the earlier home upload counts for the user ({kind:?})");
    }
}

#[tokio::test]
async fn home_folders_and_start_directory_are_created_at_login() {
    for kind in BOTH {
        let w = World::new(kind).await;
        w.add_folder("auto").await;
        let mut u = w.user("sd");
        u.virtual_folders = vec![mapping("auto", "/auto", 0, 0)];
        u.filters.start_directory = "/st@ rt/dir".into();
        let s = w.session(u).await;
        assert_eq!(s.start_directory(), "/st@ rt/dir");
        assert!(s.stat("/st@ rt/dir").await.unwrap().is_dir(), "{kind:?}");
        assert!(s.stat("/auto").await.unwrap().is_dir(), "{kind:?}");
        assert_eq!(s.resolve("../..", &s.start_directory()).unwrap(), "/");
        assert_eq!(s.resolve("f", &s.start_directory()).unwrap(), "/st@ rt/dir/f");
    }
}
