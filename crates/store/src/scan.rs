//! Quota scans of local storage: the size and number of regular files under a directory.
//!
//! Symbolic links are not followed and not counted, so a scan never leaves the directory.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use wharf_model::{Folder, FsProvider, User};

use crate::dump::QuotaScanner;

/// Scans users and folders stored on the local filesystem (plain or encrypted); other providers are
/// reported as not scannable here.
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalQuotaScanner;

/// Walks `root` and returns (bytes, files), iteratively (no recursion depth limit to hit).
pub fn scan_dir(root: &Path) -> std::io::Result<(i64, i64)> {
    let (mut size, mut files) = (0i64, 0i64);
    let mut stack: Vec<PathBuf> = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && dir == root => return Ok((0, 0)),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let meta = entry.metadata()?; // does not follow symlinks
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                size = size.saturating_add(i64::try_from(meta.len()).unwrap_or(i64::MAX));
                files += 1;
            }
        }
    }
    Ok((size, files))
}

async fn scan_local(provider: FsProvider, path: &str) -> Result<(i64, i64), String> {
    if !matches!(provider, FsProvider::Local | FsProvider::Crypt) {
        return Err("quota scans of this storage provider are not available yet".into());
    }
    if path.is_empty() {
        return Err("no local path to scan".into());
    }
    let path = PathBuf::from(path);
    tokio::task::spawn_blocking(move || scan_dir(&path).map_err(|e| format!("scan of {} failed: {e}", path.display())))
        .await
        .map_err(|e| e.to_string())?
}

#[async_trait]
impl QuotaScanner for LocalQuotaScanner {
    /// The home plus, as in SFTPGo, the virtual folders counted in the user quota (mapped with
    /// quota -1/-1). `user` must have its folder mappings filled in ([`crate::Store::user`]).
    async fn scan_user(&self, user: &User) -> Result<(i64, i64), String> {
        let (mut size, mut files) = scan_local(user.filesystem.provider, &user.home_dir).await?;
        for m in user.virtual_folders.iter().filter(|m| m.is_included_in_user_quota()) {
            let (s, f) = scan_local(m.filesystem.provider, &m.mapped_path)
                .await
                .map_err(|e| format!("folder {:?}: {e}", m.name))?;
            size = size.saturating_add(s);
            files = files.saturating_add(f);
        }
        Ok((size, files))
    }

    async fn scan_folder(&self, folder: &Folder) -> Result<(i64, i64), String> {
        scan_local(folder.filesystem.provider, &folder.mapped_path).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_files_and_bytes_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), b"12345").unwrap();
        std::fs::create_dir_all(dir.path().join("d/e")).unwrap();
        std::fs::write(dir.path().join("d/e/b"), b"123").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("big"), vec![0u8; 1000]).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        assert_eq!(scan_dir(dir.path()).unwrap(), (8, 2));
        assert_eq!(scan_dir(&dir.path().join("missing")).unwrap(), (0, 0));
    }
}
