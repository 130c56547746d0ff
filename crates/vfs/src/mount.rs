//! The mount table of one user: the home at `/` and the virtual folders at their virtual paths.
//! A virtual path belongs to the mount with the longest matching prefix; a folder mounted at `/`
//! replaces the home.

use std::sync::Arc;

use crate::error::FsResult;
use crate::fs::Fs;
use crate::path::{RelPath, is_within};

/// Quota settings of a mounted virtual folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderMount {
    /// The folder's name (its quota counters are the folder's, shared by every user mounting it).
    pub name: String,
    /// Bytes allowed in the folder (0 = unlimited); ignored when `included`.
    pub quota_size: i64,
    /// Files allowed (0 = unlimited); ignored when `included`.
    pub quota_files: i64,
    /// Counted in the user's quota (SFTPGo: both quotas set to -1).
    pub included: bool,
}

/// One mount.
#[derive(Debug, Clone)]
pub struct Mount {
    /// Where it appears (a clean virtual path; `/` for the home).
    pub vpath: String,
    /// The storage.
    pub fs: Arc<dyn Fs>,
    /// Set for virtual folders, None for the home.
    pub folder: Option<FolderMount>,
}

impl Mount {
    /// True for the user's home.
    pub fn is_home(&self) -> bool {
        self.folder.is_none()
    }
}

/// The mounts of one session.
#[derive(Debug, Clone)]
pub struct MountTable {
    /// Longest virtual path first, so the first match is the most specific.
    mounts: Vec<Mount>,
}

impl MountTable {
    /// The home plus virtual folders. A folder at `/` hides the home.
    pub fn new(home: Arc<dyn Fs>, folders: Vec<Mount>) -> Self {
        let mut mounts: Vec<Mount> = folders;
        if !mounts.iter().any(|m| m.vpath == "/") {
            mounts.push(Mount { vpath: "/".into(), fs: home, folder: None });
        }
        mounts.sort_by(|a, b| b.vpath.len().cmp(&a.vpath.len()).then_with(|| a.vpath.cmp(&b.vpath)));
        Self { mounts }
    }

    /// The mount serving a clean virtual path, and the path inside it.
    pub fn resolve(&self, vpath: &str) -> FsResult<(&Mount, RelPath)> {
        for m in &self.mounts {
            if is_within(vpath, &m.vpath) {
                return Ok((m, RelPath::below(vpath, &m.vpath)?));
            }
        }
        // Unreachable: "/" is always mounted. Answer as for a path outside everything.
        Err(crate::error::FsError::NotFound)
    }

    /// Every mount.
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// True when `vpath` is exactly a virtual folder's mount point (which cannot be renamed,
    /// removed or replaced).
    pub fn is_mount_point(&self, vpath: &str) -> bool {
        vpath != "/" && self.mounts.iter().any(|m| m.vpath == vpath)
    }

    /// Mount points strictly below `vpath` (a directory containing one cannot be renamed or removed).
    pub fn mount_points_below(&self, vpath: &str) -> Vec<&str> {
        self.mounts
            .iter()
            .filter(|m| m.vpath != vpath && is_within(&m.vpath, vpath))
            .map(|m| m.vpath.as_str())
            .collect()
    }

    /// Names of the mount points that appear directly inside the directory `vpath` (listed as
    /// directories even where the underlying storage has no such entry).
    pub fn mount_names_in(&self, vpath: &str) -> Vec<&str> {
        self.mounts
            .iter()
            .filter(|m| m.vpath != "/" && crate::path::parent(&m.vpath) == vpath)
            .map(|m| crate::path::base(&m.vpath))
            .collect()
    }

    /// True when both paths are served by the same mount.
    pub fn same_mount(&self, a: &str, b: &str) -> bool {
        match (self.resolve(a), self.resolve(b)) {
            (Ok((ma, _)), Ok((mb, _))) => ma.vpath == mb.vpath,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::{Capabilities, DirLister, FileReader, FileWriter, Metadata, WriteOptions};

    #[derive(Debug)]
    struct Dummy(&'static str);

    #[async_trait::async_trait]
    impl Fs for Dummy {
        fn name(&self) -> &'static str {
            self.0
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::OBJECT_STORE
        }
        async fn stat(&self, _: &RelPath) -> FsResult<Metadata> {
            Err(crate::FsError::NotFound)
        }
        async fn lstat(&self, _: &RelPath) -> FsResult<Metadata> {
            Err(crate::FsError::NotFound)
        }
        async fn open_read(&self, _: &RelPath) -> FsResult<Box<dyn FileReader>> {
            Err(crate::FsError::NotFound)
        }
        async fn open_write(&self, _: &RelPath, _: WriteOptions) -> FsResult<Box<dyn FileWriter>> {
            Err(crate::FsError::NotFound)
        }
        async fn list(&self, _: &RelPath) -> FsResult<Box<dyn DirLister>> {
            Err(crate::FsError::NotFound)
        }
        async fn mkdir(&self, _: &RelPath) -> FsResult<()> {
            Ok(())
        }
        async fn rename(&self, _: &RelPath, _: &RelPath) -> FsResult<()> {
            Ok(())
        }
        async fn remove(&self, _: &RelPath) -> FsResult<()> {
            Ok(())
        }
        async fn rmdir(&self, _: &RelPath) -> FsResult<()> {
            Ok(())
        }
    }

    fn folder(vpath: &str, name: &'static str) -> Mount {
        Mount {
            vpath: vpath.into(),
            fs: Arc::new(Dummy(name)),
            folder: Some(FolderMount { name: name.into(), quota_size: 0, quota_files: 0, included: false }),
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let t = MountTable::new(Arc::new(Dummy("home")), vec![folder("/a", "fa"), folder("/a/b", "fab")]);
        let r = |p| {
            let (m, rel) = t.resolve(p).unwrap();
            (m.fs.name(), rel.as_str().to_owned())
        };
        assert_eq!(r("/"), ("home", "".into()));
        assert_eq!(r("/x/y"), ("home", "x/y".into()));
        assert_eq!(r("/a"), ("fa", "".into()));
        assert_eq!(r("/ab"), ("home", "ab".into()));
        assert_eq!(r("/a/c"), ("fa", "c".into()));
        assert_eq!(r("/a/b/c"), ("fab", "c".into()));
        assert!(t.is_mount_point("/a/b") && !t.is_mount_point("/") && !t.is_mount_point("/a/c"));
        assert_eq!(t.mount_points_below("/a"), vec!["/a/b"]);
        assert_eq!(t.mount_points_below("/"), vec!["/a/b", "/a"]);
        assert_eq!(t.mount_names_in("/"), vec!["a"]);
        assert_eq!(t.mount_names_in("/a"), vec!["b"]);
        assert!(t.same_mount("/a/x", "/a/y") && !t.same_mount("/a/x", "/x"));
    }

    #[test]
    fn folder_at_root_hides_home() {
        let t = MountTable::new(Arc::new(Dummy("home")), vec![folder("/", "rootfolder")]);
        assert_eq!(t.resolve("/x").unwrap().0.fs.name(), "rootfolder");
        assert_eq!(t.mounts().len(), 1);
    }
}
