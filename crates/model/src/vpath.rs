//! Virtual path helpers with the semantics of Go's `path` package (always `/`-separated).

/// Lexically cleans a slash-separated path like Go's `path.Clean`: no repeated slashes, no `.`
/// elements, `..` folded into the preceding element (and dropped at the root), no trailing slash.
/// The empty path becomes `.`.
pub fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// A clean absolute virtual path: backslashes become slashes, relative paths are taken from `/`
/// (SFTPGo's `util.CleanPath`).
pub fn clean_abs(p: &str) -> String {
    let p = p.replace('\\', "/");
    if p.starts_with('/') { clean(&p) } else { clean(&format!("/{p}")) }
}

/// True for paths starting with `/`.
pub fn is_abs(p: &str) -> bool {
    p.starts_with('/')
}

/// The parent directory, like Go's `path.Dir` (`/a` → `/`, `a` → `.`).
pub fn parent(p: &str) -> String {
    match p.rfind('/') {
        Some(idx) => clean(&p[..=idx]),
        None => ".".to_string(),
    }
}

/// The last element, like Go's `path.Base` (`/` → `/`, `` → `.`).
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(idx) => trimmed[idx + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// A virtual path and all its ancestors, deepest first: `/a/b` → `["/a/b", "/a", "/"]`.
/// Relative or empty input is first made absolute.
pub fn dirs_for_path(p: &str) -> Vec<String> {
    let mut current = if p.is_empty() || p == "." {
        "/".to_string()
    } else if is_abs(p) {
        p.to_string()
    } else {
        clean_abs(p)
    };
    let mut dirs = vec![current.clone()];
    while current != "/" {
        let next = parent(&current);
        if next == current || next == "." {
            break;
        }
        current = next;
        dirs.push(current.clone());
    }
    dirs
}

/// True if two cleaned paths are equal or, with `full_check`, one contains the other.
pub fn is_overlapped(a: &str, b: &str, full_check: bool) -> bool {
    if a == b {
        return true;
    }
    if full_check {
        let contains = |outer: &str, inner: &str| {
            inner.len() > outer.len()
                && (outer == "/" || inner.starts_with(&format!("{outer}/")))
                && inner.starts_with(outer)
        };
        return contains(a, b) || contains(b, a);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        let cases = [
            ("", "."),
            ("/", "/"),
            ("//", "/"),
            ("/a/b/", "/a/b"),
            ("a//b/./c", "a/b/c"),
            ("/../a", "/a"),
            ("../a", "../a"),
            ("a/../..", ".."),
            ("/a/b/../../..", "/"),
            ("./", "."),
            ("/x/./y/../z", "/x/z"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn clean_abs_roots_relative_paths() {
        assert_eq!(clean_abs("a\\b"), "/a/b");
        assert_eq!(clean_abs("../../etc"), "/etc");
        assert_eq!(clean_abs(""), "/");
    }

    #[test]
    fn parent_and_base() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(parent("a"), ".");
        assert_eq!(base("/a/b/"), "b");
        assert_eq!(base("/"), "/");
    }

    #[test]
    fn dirs_deepest_first() {
        assert_eq!(dirs_for_path("/1/2/3"), vec!["/1/2/3", "/1/2", "/1", "/"]);
        assert_eq!(dirs_for_path("/"), vec!["/"]);
        assert_eq!(dirs_for_path(""), vec!["/"]);
        assert_eq!(dirs_for_path("x/y"), vec!["/x/y", "/x", "/"]);
    }

    #[test]
    fn overlap() {
        assert!(is_overlapped("/a", "/a", false));
        assert!(!is_overlapped("/a", "/a/b", false));
        assert!(is_overlapped("/a", "/a/b", true));
        assert!(is_overlapped("/a/b", "/a", true));
        assert!(!is_overlapped("/a", "/ab", true));
        assert!(is_overlapped("/", "/x", true));
    }
}
