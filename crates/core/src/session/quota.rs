//! Disk quota (bytes and files, per user or per virtual folder) and transfer quota (bytes moved),
//! with SFTPGo's accounting rules: the counters are software accounting kept in the data provider.

use wharf_model::{Folder, User};
use wharf_vfs::{FsError, FsResult, Mount};

use super::Session;
use super::settings::TrackQuota;

/// Whose counters a path uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QuotaOwner {
    /// The user's (home, and folders included in the user quota).
    User,
    /// A virtual folder's own (shared by every user who mounts it).
    Folder(String),
}

/// Limits and current usage for one path.
#[derive(Debug, Clone)]
pub(crate) struct QuotaView {
    pub owner: QuotaOwner,
    /// Counters are maintained.
    pub tracked: bool,
    /// Bytes allowed (0 = unlimited or not enforced).
    pub limit_size: i64,
    /// Files allowed (0 = unlimited or not enforced).
    pub limit_files: i64,
    pub used_size: i64,
    pub used_files: i64,
}

impl QuotaView {
    /// SFTPGo's `HasSpace`: refuses a new file when the file count is reached, and any upload when the
    /// size is reached.
    pub(crate) fn check_space(&self, new_file: bool) -> FsResult<()> {
        if self.limit_files > 0 && new_file && self.used_files >= self.limit_files {
            return Err(FsError::quota());
        }
        if self.limit_size > 0 && self.used_size >= self.limit_size {
            return Err(FsError::quota());
        }
        Ok(())
    }

    /// Bytes an upload may write (None = no limit), given the size of the file it replaces.
    pub(crate) fn max_write(&self, replaced_size: i64) -> Option<i64> {
        (self.limit_size > 0).then(|| (self.limit_size - self.used_size + replaced_size).max(0))
    }
}

const MIB: i64 = 1024 * 1024;

impl Session {
    fn user_tracked(&self) -> bool {
        match self.env().settings.track_quota {
            TrackQuota::Off => false,
            TrackQuota::Always => true,
            TrackQuota::WithLimits => self.user().quota_size > 0 || self.user().quota_files > 0,
        }
    }

    /// The quota that governs writes inside `mount`, with fresh usage from the data provider.
    pub(crate) async fn quota_view(&self, mount: &Mount) -> FsResult<QuotaView> {
        let store = &self.env().store;
        let off = self.env().settings.track_quota == TrackQuota::Off;
        match &mount.folder {
            Some(f) if !f.included => {
                let (used_size, used_files) = if off {
                    (0, 0)
                } else {
                    match store.find::<Folder>(&f.name).await {
                        Ok(Some(folder)) => (folder.used_quota_size, folder.used_quota_files),
                        Ok(None) => (0, 0),
                        Err(e) => return Err(store_error(e)),
                    }
                };
                Ok(QuotaView {
                    owner: QuotaOwner::Folder(f.name.clone()),
                    tracked: !off,
                    limit_size: if off { 0 } else { f.quota_size },
                    limit_files: if off { 0 } else { f.quota_files },
                    used_size,
                    used_files,
                })
            }
            _ => {
                let tracked = self.user_tracked();
                let (used_size, used_files) = if tracked {
                    let u = store.get::<User>(&self.user().username).await.map_err(store_error)?;
                    (u.used_quota_size, u.used_quota_files)
                } else {
                    (0, 0)
                };
                Ok(QuotaView {
                    owner: QuotaOwner::User,
                    tracked,
                    limit_size: if tracked { self.user().quota_size } else { 0 },
                    limit_files: if tracked { self.user().quota_files } else { 0 },
                    used_size,
                    used_files,
                })
            }
        }
    }

    /// Applies a change of used quota to the right counters (when they are tracked).
    pub(crate) async fn charge(&self, view_owner: &QuotaOwner, tracked: bool, size: i64, files: i64) {
        if !tracked || (size == 0 && files == 0) {
            return;
        }
        let store = &self.env().store;
        let result = match view_owner {
            QuotaOwner::User => store.update_user_quota(&self.user().username, size, files, false).await,
            QuotaOwner::Folder(name) => store.update_folder_quota(name, size, files, false).await,
        };
        if let Err(e) = result {
            tracing::warn!(user = %self.user().username, error = %e, "cannot update the used quota");
        }
    }

    /// Bytes the user may still upload and download under the transfer quota (None = unlimited).
    pub(crate) async fn transfer_allowance(&self) -> FsResult<(Option<i64>, Option<i64>)> {
        let u = self.user();
        if u.total_data_transfer <= 0 && u.upload_data_transfer <= 0 && u.download_data_transfer <= 0 {
            return Ok((None, None));
        }
        let fresh = self.env().store.get::<User>(&u.username).await.map_err(store_error)?;
        let (up, down) = (fresh.used_upload_data_transfer, fresh.used_download_data_transfer);
        if u.total_data_transfer > 0 {
            let left = (u.total_data_transfer * MIB - up - down).max(0);
            return Ok((Some(left), Some(left)));
        }
        let up_left = (u.upload_data_transfer > 0).then(|| (u.upload_data_transfer * MIB - up).max(0));
        let down_left = (u.download_data_transfer > 0).then(|| (u.download_data_transfer * MIB - down).max(0));
        Ok((up_left, down_left))
    }

    /// Records transferred bytes (transfer quota), always: the counters exist whatever the limits.
    pub(crate) async fn charge_transfer(&self, upload: i64, download: i64) {
        if upload == 0 && download == 0 {
            return;
        }
        if let Err(e) = self.env().store.update_transfer_quota(&self.user().username, upload, download, false).await {
            tracing::warn!(user = %self.user().username, error = %e, "cannot update the transfer quota");
        }
    }
}

/// A data provider failure as a client-safe file error.
pub(crate) fn store_error(e: wharf_store::StoreError) -> FsError {
    tracing::error!(error = %e, "data provider error during a file operation");
    FsError::failure("internal error, please try again later")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(limit_size: i64, limit_files: i64, used_size: i64, used_files: i64) -> QuotaView {
        QuotaView { owner: QuotaOwner::User, tracked: true, limit_size, limit_files, used_size, used_files }
    }

    #[test]
    fn has_space_rules() {
        assert!(view(0, 0, 100, 100).check_space(true).is_ok());
        assert!(view(0, 1, 0, 1).check_space(true).is_err(), "file count reached");
        assert!(view(0, 1, 0, 1).check_space(false).is_ok(), "overwrites add no file");
        assert!(view(100, 0, 100, 0).check_space(false).is_err(), "size reached: even overwrites fail");
        assert!(view(100, 0, 99, 0).check_space(true).is_ok());
        assert_eq!(view(100, 0, 60, 0).max_write(0), Some(40));
        assert_eq!(view(100, 0, 60, 0).max_write(30), Some(70), "an overwrite may reuse the replaced bytes");
        assert_eq!(view(0, 0, 60, 0).max_write(30), None);
    }
}
