//! File patterns: allowed/denied, case-insensitive, the hide policy.

use wharf_model::user::{DenyPolicy, PatternsFilter};
use wharf_vfs::FsError;

use super::support::{BOTH, World, get, names, put};

fn filter(path: &str, allowed: &[&str], denied: &[&str], hide: bool) -> PatternsFilter {
    PatternsFilter {
        path: path.into(),
        allowed_patterns: allowed.iter().map(|s| s.to_string()).collect(),
        denied_patterns: denied.iter().map(|s| s.to_string()).collect(),
        deny_policy: if hide { DenyPolicy::Hide } else { DenyPolicy::Default },
    }
}

#[tokio::test]
async fn non_matching_files_cannot_be_uploaded_downloaded_renamed_or_deleted() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let plain = w.session(w.user("pat")).await;
        put(&plain, "/a.txt", b"t").await.unwrap();
        put(&plain, "/b.zip", b"z").await.unwrap();
        let mut u = w.user("pat");
        u.filters.file_patterns = vec![filter("/", &["*.zIp"], &[], false)];
        let s = w.session(u).await;
        put(&s, "/c.ZIP", b"z").await.unwrap();
        assert_eq!(put(&s, "/c.txt", b"t").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(get(&s, "/a.txt").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.rename("/a.txt", "/a2.txt").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.rename("/b.zip", "/b.txt").await, Err(FsError::denied()), "target must match too ({kind:?})");
        assert_eq!(s.remove("/a.txt").await, Err(FsError::denied()), "{kind:?}");
        // Directories are not restricted by patterns.
        s.mkdir("/dir.txt").await.unwrap();
        s.rename("/dir.txt", "/dir2.txt").await.unwrap();
        // Denied files stay visible with the default policy.
        assert!(names(&s, "/").await.unwrap().contains(&"a.txt".to_string()), "{kind:?}");
    }
}

#[tokio::test]
async fn hide_policy_hides_from_listings_and_answers_not_found() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let plain = w.session(w.user("hid")).await;
        put(&plain, "/visible.txt", b"v").await.unwrap();
        put(&plain, "/secret.key", b"s").await.unwrap();
        plain.mkdir("/private").await.unwrap();
        put(&plain, "/private/inner.txt", b"i").await.unwrap();
        let mut u = w.user("hid");
        u.filters.file_patterns = vec![filter("/", &[], &["*.KEY", "private"], true)];
        let s = w.session(u).await;
        assert_eq!(names(&s, "/").await.unwrap(), vec!["visible.txt"], "{kind:?}");
        assert_eq!(s.stat("/secret.key").await, Err(FsError::NotFound), "{kind:?}");
        assert_eq!(get(&s, "/secret.key").await, Err(FsError::NotFound), "{kind:?}");
        assert_eq!(s.stat("/private").await, Err(FsError::NotFound), "{kind:?}");
        assert_eq!(names(&s, "/private").await, Err(FsError::NotFound), "{kind:?}");
        assert_eq!(get(&s, "/private/inner.txt").await, Err(FsError::NotFound), "{kind:?}");
        assert_eq!(put(&s, "/new.key", b"n").await, Err(FsError::NotFound), "{kind:?}");
    }
}

#[tokio::test]
async fn nearest_filter_applies() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("near");
        u.filters.file_patterns = vec![filter("/", &[], &["*.exe"], false), filter("/bin", &["*.exe"], &[], false)];
        let s = w.session(u).await;
        s.mkdir("/bin").await.unwrap();
        s.mkdir("/bin/sub").await.unwrap();
        put(&s, "/bin/tool.exe", b"1").await.unwrap();
        put(&s, "/bin/sub/tool.exe", b"1").await.unwrap();
        assert_eq!(put(&s, "/tool.exe", b"1").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(put(&s, "/bin/readme.txt", b"1").await, Err(FsError::denied()), "{kind:?}");
    }
}
