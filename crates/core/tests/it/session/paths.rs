//! Path answers: the real path of client input, renaming a path onto itself.

use wharf_vfs::FsError;

use super::support::{BOTH, World, put};

#[tokio::test]
async fn realpath_is_lexical_from_the_start_directory_and_needs_list() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let mut u = w.user("rp");
        u.permissions.insert("/".into(), vec!["upload".into(), "create_dirs".into()]);
        u.permissions.insert("/pub".into(), vec!["*".into()]);
        u.filters.start_directory = "/pub/in".into();
        let s = w.session(u).await;
        let start = s.start_directory();
        assert_eq!(s.realpath(".", &start).unwrap(), "/pub/in", "{kind:?}");
        assert_eq!(s.realpath("", &start).unwrap(), "/pub/in", "{kind:?}");
        assert_eq!(s.realpath("x/../missing//y", &start).unwrap(), "/pub/in/missing/y", "{kind:?}");
        assert_eq!(s.realpath("../../../../pub/z", &start).unwrap(), "/pub/z", "never above /");
        // `list` on the directory holding the result: / itself for / and for /pub.
        assert_eq!(s.realpath("..", &start), Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.realpath("/", &start), Err(FsError::denied()), "{kind:?}");
        assert_eq!(s.realpath("/other/f", &start), Err(FsError::denied()), "{kind:?}");
        assert!(matches!(s.realpath("a\0b", &start), Err(FsError::InvalidInput(_))), "{kind:?}");
    }
}

#[tokio::test]
async fn renaming_a_path_onto_itself_is_unsupported() {
    for kind in BOTH {
        let w = World::new(kind).await;
        let s = w.session(w.user("self")).await;
        put(&s, "/f", b"data").await.unwrap();
        s.mkdir("/d").await.unwrap();
        for p in ["/f", "/d", "/missing", "/"] {
            assert!(matches!(s.rename(p, p).await, Err(FsError::Unsupported(_))), "{p} ({kind:?})");
        }
        assert_eq!(super::support::get(&s, "/f").await.unwrap(), b"data");
    }
}
