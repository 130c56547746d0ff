//! From relative paths to object keys, and back to names.

use object_store::path::Path as ObjPath;

use crate::error::{FsError, FsResult};
use crate::path::RelPath;

/// The key of the root from a configured prefix (leading and trailing `/` ignored).
pub(super) fn root_key(prefix: &str) -> FsResult<ObjPath> {
    let trimmed = prefix.trim_matches('/');
    ObjPath::parse(trimmed).map_err(|_| FsError::invalid("invalid object key prefix"))
}

/// The key of a path below the root. Names the store cannot hold (control characters) are refused.
pub(super) fn key(root: &ObjPath, path: &RelPath) -> FsResult<ObjPath> {
    if path.is_root() {
        return Ok(root.clone());
    }
    let full = if root.as_ref().is_empty() { path.as_str().to_owned() } else { format!("{}/{}", root.as_ref(), path) };
    ObjPath::parse(full).map_err(|_| FsError::invalid("name not accepted by the object store"))
}

/// The marker object of a directory: its key followed by `/`.
pub(super) fn marker(key: &ObjPath) -> ObjPath {
    key.clone().join("")
}

/// True when `location` is the marker of the directory `key`.
pub(super) fn is_marker_of(location: &ObjPath, key: &ObjPath) -> bool {
    location.as_ref().strip_suffix('/') == Some(key.as_ref())
}

/// The listing prefix of a directory: `""` for the store's root, else its key followed by `/`.
pub(super) fn dir_prefix(key: &ObjPath) -> String {
    if key.as_ref().is_empty() { String::new() } else { format!("{}/", key.as_ref()) }
}

/// The name of a direct child of the directory `dir` from a listed key (object, marker or common
/// prefix), or `None` for the directory itself and anything that is not a direct child.
pub(super) fn child_name<'a>(dir: &ObjPath, location: &'a ObjPath) -> Option<&'a str> {
    let raw = location.as_ref();
    let rest = if dir.as_ref().is_empty() { raw } else { raw.strip_prefix(dir.as_ref())?.strip_prefix('/')? };
    let name = rest.strip_suffix('/').unwrap_or(rest);
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_names() {
        let root = root_key("/users/alice/").unwrap();
        assert_eq!(root.as_ref(), "users/alice");
        assert_eq!(root_key("").unwrap(), ObjPath::ROOT);
        let k = key(&root, &RelPath::new("d/f x é.txt").unwrap()).unwrap();
        assert_eq!(k.as_ref(), "users/alice/d/f x é.txt");
        assert_eq!(key(&ObjPath::ROOT, &RelPath::new("a%b").unwrap()).unwrap().as_ref(), "a%b");
        assert!(matches!(key(&root, &RelPath::new("a\nb").unwrap()), Err(FsError::InvalidInput(_))));
        assert_eq!(key(&root, &RelPath::root()).unwrap(), root);

        // object_store keeps the empty segment: the marker is exactly SFTPGo's "<dir>/" key. If a
        // future object_store refused it, this test says so before directories break.
        let d = key(&root, &RelPath::new("d").unwrap()).unwrap();
        assert_eq!(marker(&d).as_ref(), "users/alice/d/");
        assert!(is_marker_of(&marker(&d), &d));
        assert!(!is_marker_of(&d, &d));

        assert_eq!(dir_prefix(&ObjPath::ROOT), "");
        assert_eq!(dir_prefix(&d), "users/alice/d/");
        assert_eq!(child_name(&root, &d), Some("d"));
        assert_eq!(child_name(&root, &marker(&d)), Some("d"));
        assert_eq!(child_name(&root, &root), None);
        assert_eq!(child_name(&root, &marker(&root)), None);
        assert_eq!(child_name(&root, &ObjPath::parse("users/alice/d/x").unwrap()), None);
        assert_eq!(child_name(&root, &ObjPath::parse("users/alicex/d").unwrap()), None);
        assert_eq!(child_name(&ObjPath::ROOT, &ObjPath::parse("top").unwrap()), Some("top"));
    }
}
