//! Hooks as the session fires them: pre-* denial, sync upload failure, events and statuses.

use wharf_vfs::FsError;

use super::support::{BOTH, World, get, put};

#[tokio::test]
async fn failing_pre_hooks_deny_with_permission_denied() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let s = w.session(w.user("h1")).await;
        put(&s, "/f", b"1").await.unwrap();
        w.hooks.fail_on("pre-upload");
        w.hooks.fail_on("pre-download");
        w.hooks.fail_on("pre-delete");
        assert_eq!(put(&s, "/g", b"1").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.stat("/g").await, Err(FsError::NotFound), "nothing written ({kind:?})");
        assert_eq!(get(&s, "/f").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.remove("/f").await, Err(FsError::denied()), "{kind:?}");
        assert!(s.stat("/f").await.is_ok());
    }
}

#[tokio::test]
async fn failing_sync_upload_hook_removes_the_file_and_reverts_quota() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("h2");
        u.quota_files = 10;
        let s = w.session(u).await;
        put(&s, "/keep", b"12").await.unwrap();
        w.hooks.fail_on("upload");
        assert_eq!(put(&s, "/new", b"12345").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.stat("/new").await, Err(FsError::NotFound), "{kind:?}");
        assert_eq!(w.used("h2").await, (2, 1), "{kind:?}");
        // Overwriting: the old file is gone too (it was replaced), and so is its usage.
        assert_eq!(put(&s, "/keep", b"123").await, Err(FsError::denied()), "{kind:?}");
        assert_eq!(w.used("h2").await, (0, 0), "{kind:?}");
    }
}

#[tokio::test]
async fn events_carry_paths_sizes_and_statuses() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let s = w.session(w.user("h3")).await;
        put(&s, "/a", b"abc").await.unwrap();
        get(&s, "/a").await.unwrap();
        s.rename("/a", "/b").await.unwrap();
        s.mkdir("/d").await.unwrap();
        s.rmdir("/d").await.unwrap();
        s.remove("/b").await.unwrap();
        let acts = w.hooks.actions();
        for expected in [
            "pre-upload",
            "upload",
            "first-upload",
            "pre-download",
            "download",
            "first-download",
            "rename",
            "mkdir",
            "rmdir",
            "pre-delete",
            "delete",
        ] {
            assert!(acts.contains(&expected.to_string()), "{expected} missing from {acts:?} ({kind:?})");
        }
        let ev = w.hooks.events.lock().unwrap().clone();
        let up = ev.iter().find(|e| e.action == "upload").unwrap();
        assert_eq!((up.virtual_path.as_str(), up.file_size, up.status), ("/a", 3, 1));
        let ren = ev.iter().find(|e| e.action == "rename").unwrap();
        assert_eq!((ren.virtual_path.as_str(), ren.virtual_target.as_str()), ("/a", "/b"));
        assert!(!ren.path.is_empty() && !ren.target.is_empty());
        // first-* fire once per user lifetime.
        put(&s, "/again", b"x").await.unwrap();
        let firsts = w.hooks.actions().iter().filter(|a| *a == "first-upload").count();
        assert_eq!(firsts, 1, "{kind:?}");
    }
}

#[tokio::test]
async fn quota_exceeded_upload_reports_status_3() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("h4");
        u.quota_size = 10;
        let s = w.session(u).await;
        put(&s, "/f", &[0u8; 20]).await.unwrap_err();
        let ev = w.hooks.events.lock().unwrap().clone();
        let up = ev.iter().find(|e| e.action == "upload").unwrap();
        assert_eq!(up.status, 3, "{kind:?}");
    }
}

#[tokio::test]
async fn a_pre_delete_hook_may_move_the_file_itself() {
    let w = World::new(super::support::Kind::Local).await;
    let s = w.session(w.user("h5")).await;
    put(&s, "/trash-me", b"x").await.unwrap();
    let home = w.path("h5");
    *w.hooks.on_event.lock().unwrap() = Some(Box::new(move |ev| {
        if ev.action == "pre-delete" {
            let _ = std::fs::rename(format!("{home}/trash-me"), format!("{home}.recycled"));
        }
    }));
    s.remove("/trash-me").await.unwrap();
    assert!(std::path::Path::new(&format!("{}.recycled", w.path("h5"))).exists());
}
