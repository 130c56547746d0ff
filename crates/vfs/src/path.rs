//! Paths. Client input becomes a virtual path exactly once, at the session boundary
//! ([`clean_virtual`]): absolute, `/`-separated, without `.`, `..`, empty components or NUL. Backends
//! receive a [`RelPath`] relative to their root, which by construction cannot name anything above it.

use std::fmt;

use crate::error::{FsError, FsResult};

/// Longest virtual path accepted (bytes).
pub const MAX_PATH_LEN: usize = 4096;
/// Longest single name accepted (bytes), as most filesystems allow.
pub const MAX_NAME_LEN: usize = 255;

/// Cleans client input into an absolute virtual path. Relative input is taken from `cwd` (itself a
/// clean virtual path). `..` never climbs above `/`. NUL bytes and over-long paths or names are refused.
pub fn clean_virtual(input: &str, cwd: &str) -> FsResult<String> {
    if input.contains('\0') {
        return Err(FsError::invalid("path contains a NUL byte"));
    }
    if input.len() > MAX_PATH_LEN {
        return Err(FsError::invalid("path too long"));
    }
    let mut parts: Vec<&str> = Vec::new();
    let base = if input.starts_with('/') { "" } else { cwd };
    for part in base.split('/').chain(input.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => {
                if p.len() > MAX_NAME_LEN {
                    return Err(FsError::invalid("name too long"));
                }
                parts.push(p);
            }
        }
    }
    let mut out = String::with_capacity(input.len() + cwd.len() + 1);
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// The parent of a clean virtual path (`/` for `/`).
pub fn parent(vpath: &str) -> &str {
    match vpath.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &vpath[..i],
    }
}

/// The last component of a clean virtual path (empty for `/`).
pub fn base(vpath: &str) -> &str {
    vpath.rsplit('/').next().unwrap_or("")
}

/// Joins a clean virtual directory and a name.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" { format!("/{name}") } else { format!("{dir}/{name}") }
}

/// True when `path` is `dir` or lies below it (both clean virtual paths).
pub fn is_within(path: &str, dir: &str) -> bool {
    dir == "/" || path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// A path relative to a backend's root: `""` is the root itself; otherwise `/`-separated names, none
/// empty, `.`, `..` or containing NUL. Cannot be built from anything that would leave the root.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RelPath(String);

impl RelPath {
    /// The root.
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Checks and wraps a relative path.
    pub fn new(s: impl Into<String>) -> FsResult<Self> {
        let s = s.into();
        if s.is_empty() {
            return Ok(Self(s));
        }
        if s.len() > MAX_PATH_LEN {
            return Err(FsError::invalid("path too long"));
        }
        for part in s.split('/') {
            if part.is_empty() || part == "." || part == ".." || part.contains('\0') || part.len() > MAX_NAME_LEN {
                return Err(FsError::invalid("invalid relative path"));
            }
        }
        Ok(Self(s))
    }

    /// The part of a clean virtual path below the mount point `mount` (a clean virtual path).
    pub fn below(vpath: &str, mount: &str) -> FsResult<Self> {
        if !is_within(vpath, mount) {
            return Err(FsError::invalid("path outside the mount point"));
        }
        let rest = if mount == "/" { &vpath[1..] } else { vpath[mount.len()..].trim_start_matches('/') };
        Self::new(rest)
    }

    /// The text (`""` for the root).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The parent (the root's parent is the root).
    pub fn parent(&self) -> Self {
        match self.0.rfind('/') {
            Some(i) => Self(self.0[..i].to_owned()),
            None => Self::root(),
        }
    }

    /// The last name (empty for the root).
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    /// A child of this path. `name` must be a single valid name.
    pub fn child(&self, name: &str) -> FsResult<Self> {
        if name.contains('/') {
            return Err(FsError::invalid("invalid name"));
        }
        if self.is_root() { Self::new(name) } else { Self::new(format!("{}/{name}", self.0)) }
    }

    /// The names from the root down.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }
}

impl fmt::Debug for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RelPath({:?})", self.0)
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning() {
        let c = |i, cwd| clean_virtual(i, cwd).unwrap();
        assert_eq!(c("", "/"), "/");
        assert_eq!(c(".", "/a/b"), "/a/b");
        assert_eq!(c("../..", "/st@ rt/dir"), "/");
        assert_eq!(c("../../../x", "/a"), "/x");
        assert_eq!(c("//a///b/./c/", "/"), "/a/b/c");
        assert_eq!(c("f", "/d"), "/d/f");
        assert_eq!(c("/abs", "/d"), "/abs");
        assert_eq!(c("a/../../b", "/d/e"), "/d/b");
        assert!(clean_virtual("a\0b", "/").is_err());
        assert!(clean_virtual(&"x".repeat(300), "/").is_err());
        assert!(clean_virtual(&"a/".repeat(2100), "/").is_err());
    }

    #[test]
    fn helpers() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(base("/a/b"), "b");
        assert_eq!(base("/"), "");
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(join("/a", "x"), "/a/x");
        assert!(is_within("/a/b", "/a") && is_within("/a", "/a") && is_within("/x", "/"));
        assert!(!is_within("/ab", "/a"));
    }

    #[test]
    fn rel_paths() {
        assert!(RelPath::new("a/b").is_ok());
        for bad in ["/a", "a/", "a//b", "..", "a/../b", "./a", "a\0"] {
            assert!(RelPath::new(bad).is_err(), "{bad}");
        }
        assert_eq!(RelPath::below("/a/b/c", "/a").unwrap().as_str(), "b/c");
        assert_eq!(RelPath::below("/a", "/a").unwrap(), RelPath::root());
        assert_eq!(RelPath::below("/x/y", "/").unwrap().as_str(), "x/y");
        assert!(RelPath::below("/ab", "/a").is_err());
        let p = RelPath::new("a/b").unwrap();
        assert_eq!(p.parent().as_str(), "a");
        assert_eq!(p.parent().parent(), RelPath::root());
        assert_eq!(p.name(), "b");
        assert_eq!(p.child("c").unwrap().as_str(), "a/b/c");
        assert_eq!(RelPath::root().child("c").unwrap().as_str(), "c");
        assert!(p.child("x/y").is_err() && p.child("..").is_err());
    }
}
