//! The storage a user's filesystem configuration describes. Local storage today; the encrypted,
//! cloud and SFTP backends plug in here.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use wharf_model::{Filesystem, FsProvider, User, VirtualFolder};
use wharf_vfs::local::{LocalFs, LocalOptions};
use wharf_vfs::{Fs, FsError, FsResult, Mount, RelPath};

use super::Backends;

/// Builds backends from users' and folders' `filesystem` settings.
#[derive(Debug, Clone, Default)]
pub struct StandardBackends {
    /// `common.umask` (None = the process umask).
    pub umask: Option<u32>,
}

impl StandardBackends {
    /// From SFTPGo's `common.umask` string (octal, e.g. "002"; empty = the process umask).
    pub fn new(umask: &str) -> Result<Self, String> {
        let umask = if umask.trim().is_empty() {
            None
        } else {
            Some(u32::from_str_radix(umask.trim(), 8).map_err(|_| format!("common.umask: {umask:?} is not octal"))?)
        };
        Ok(Self { umask })
    }

    fn build(&self, fs: &Filesystem, root: &str, user: &User) -> FsResult<Arc<dyn Fs>> {
        match fs.provider {
            FsProvider::Local => {
                if !Path::new(root).is_absolute() {
                    return Err(FsError::invalid("the home directory must be an absolute path"));
                }
                let id = |v: i64| u32::try_from(v).ok().filter(|v| *v > 0);
                Ok(Arc::new(LocalFs::new(LocalOptions {
                    root: root.into(),
                    create_root: !user.filters.disable_fs_checks,
                    umask: self.umask,
                    uid: id(user.uid),
                    gid: id(user.gid),
                })?))
            }
            other => Err(FsError::unsupported(format!("storage provider {} is not available yet", other.as_i64()))),
        }
    }
}

#[async_trait]
impl Backends for StandardBackends {
    async fn home(&self, user: &User) -> FsResult<Arc<dyn Fs>> {
        let (this, user) = (self.clone(), user.clone());
        tokio::task::spawn_blocking(move || this.build(&user.filesystem, &user.home_dir, &user))
            .await
            .map_err(|_| FsError::failure("storage setup failed"))?
    }

    async fn folder(&self, user: &User, folder: &VirtualFolder) -> FsResult<Arc<dyn Fs>> {
        let (this, user, folder) = (self.clone(), user.clone(), folder.clone());
        tokio::task::spawn_blocking(move || this.build(&folder.filesystem, &folder_root(&folder), &user))
            .await
            .map_err(|_| FsError::failure("storage setup failed"))?
    }

    fn storage_path(&self, user: &User, mount: &Mount, rel: &RelPath) -> String {
        let root = match &mount.folder {
            None => user.home_dir.clone(),
            Some(f) => user.virtual_folders.iter().find(|v| v.name == f.name).map(folder_root).unwrap_or_default(),
        };
        if rel.is_root() { root } else { format!("{}/{}", root.trim_end_matches('/'), rel) }
    }
}

/// Where a virtual folder's storage starts: its mapped path, or the `subpath` inside it.
fn folder_root(folder: &VirtualFolder) -> String {
    if folder.subpath.is_empty() {
        folder.mapped_path.clone()
    } else {
        format!("{}/{}", folder.mapped_path.trim_end_matches('/'), folder.subpath.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umask_is_octal() {
        assert_eq!(StandardBackends::new("002").unwrap().umask, Some(0o002));
        assert_eq!(StandardBackends::new("").unwrap().umask, None);
        assert!(StandardBackends::new("9").is_err());
    }
}
