//! Policy settings a session follows, from SFTPGo's `common` and `data_provider` sections.

use wharf_config::Config;

/// How uploads are written (`common.upload_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UploadMode {
    /// 0: write the target in place.
    #[default]
    Standard,
    /// 1: write a temporary file next to the target and rename it into place on success; on error
    /// the temporary file is removed.
    Atomic,
    /// 2: like atomic, but on error the partial file is renamed into place so the client can resume.
    AtomicWithResume,
}

/// Which used-quota counters are maintained (`data_provider.track_quota`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrackQuota {
    /// 0: none (quotas are not enforced either).
    Off,
    /// 1: always.
    Always,
    /// 2: only users with quota limits, and virtual folders.
    #[default]
    WithLimits,
}

/// The settings.
#[derive(Debug, Clone, Default)]
pub struct SessionSettings {
    /// Upload mode.
    pub upload_mode: UploadMode,
    /// `setstat_mode`: 0 execute, 1 ignore chmod/chown/chtimes, 2 ignore them where unsupported.
    pub setstat_mode: i64,
    /// `rename_mode`: 1 allows recursive (non-atomic) renames of non-empty directories on storage
    /// that cannot rename directories.
    pub rename_mode: i64,
    /// `symlink_mode` bit 1: symlink creation allowed on local storage.
    pub symlink_mode: i64,
    /// Quota tracking.
    pub track_quota: TrackQuota,
}

impl SessionSettings {
    /// From the configuration (out-of-range values were reset by the config loader).
    pub fn from_config(c: &Config) -> Self {
        let upload_mode = if c.common.upload_mode & 2 != 0 {
            UploadMode::AtomicWithResume
        } else if c.common.upload_mode & 1 != 0 {
            UploadMode::Atomic
        } else {
            UploadMode::Standard
        };
        let track_quota = match c.data_provider.track_quota {
            0 => TrackQuota::Off,
            1 => TrackQuota::Always,
            _ => TrackQuota::WithLimits,
        };
        Self {
            upload_mode,
            setstat_mode: c.common.setstat_mode,
            rename_mode: c.common.rename_mode,
            symlink_mode: c.common.symlink_mode,
            track_quota,
        }
    }

    /// Symlinks may be created on local storage.
    pub fn local_symlinks(&self) -> bool {
        self.symlink_mode & 1 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_sftpgo_values() {
        let mut c = Config::default();
        assert_eq!(SessionSettings::from_config(&c).upload_mode, UploadMode::Standard);
        assert_eq!(SessionSettings::from_config(&c).track_quota, TrackQuota::WithLimits);
        c.common.upload_mode = 3;
        assert_eq!(SessionSettings::from_config(&c).upload_mode, UploadMode::AtomicWithResume, "2 wins over 1");
        c.common.upload_mode = 1 | 4;
        assert_eq!(SessionSettings::from_config(&c).upload_mode, UploadMode::Atomic);
        c.data_provider.track_quota = 0;
        assert_eq!(SessionSettings::from_config(&c).track_quota, TrackQuota::Off);
    }
}
