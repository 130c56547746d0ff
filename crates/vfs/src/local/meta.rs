//! Metadata mapping and the lexical rule for symlink targets.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cap_std::fs::MetadataExt;

use crate::error::{FsError, FsResult};
use crate::fs::{FileKind, Metadata};
use crate::path::{MAX_NAME_LEN, MAX_PATH_LEN, RelPath};

const S_IFMT: u32 = 0o170_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

/// A point in time from seconds and nanoseconds around the epoch.
fn time(secs: i64, nsec: i64) -> SystemTime {
    let nanos = u32::try_from(nsec.clamp(0, 999_999_999)).unwrap_or(0);
    if secs >= 0 {
        UNIX_EPOCH + Duration::new(secs.unsigned_abs(), nanos)
    } else {
        (UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())) + Duration::from_nanos(u64::from(nanos))
    }
}

/// Maps `cap-std` metadata. Special files (FIFOs, sockets, devices) are reported as files.
pub(super) fn from_cap(m: &cap_std::fs::Metadata) -> Metadata {
    let mode = m.mode();
    let kind = match mode & S_IFMT {
        S_IFDIR => FileKind::Dir,
        S_IFLNK => FileKind::Symlink,
        _ => FileKind::File,
    };
    Metadata {
        kind,
        size: m.size(),
        mode: mode & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
        mtime: time(m.mtime(), m.mtime_nsec()),
        atime: time(m.atime(), m.atime_nsec()),
    }
}

/// Checks a symlink target for a link at `link`: it must be a non-empty relative path that, read
/// lexically from the link's directory, never climbs above the root. Absolute targets are refused
/// even when they name a place inside the root (the kernel would refuse to follow them anyway).
pub fn check_link_target(target: &str, link: &RelPath) -> FsResult<()> {
    if target.is_empty() {
        return Err(FsError::invalid("empty symlink target"));
    }
    if target.contains('\0') {
        return Err(FsError::invalid("symlink target contains a NUL byte"));
    }
    if target.len() > MAX_PATH_LEN {
        return Err(FsError::invalid("symlink target too long"));
    }
    if target.starts_with('/') {
        return Err(FsError::PermissionDenied("absolute symlink targets are not allowed".into()));
    }
    let mut depth = link.components().count().saturating_sub(1);
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth = depth
                    .checked_sub(1)
                    .ok_or(FsError::PermissionDenied("symlink target points outside the root".into()))?;
            }
            name if name.len() > MAX_NAME_LEN => return Err(FsError::invalid("symlink target name too long")),
            _ => depth += 1,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_targets() {
        let l = |s: &str| RelPath::new(s).unwrap();
        assert!(check_link_target("f", &l("a")).is_ok());
        assert!(check_link_target("./b/../c", &l("a")).is_ok());
        assert!(check_link_target("../x", &l("d/a")).is_ok());
        assert!(check_link_target("../../x", &l("d/e/a")).is_ok());
        assert!(matches!(check_link_target("../x", &l("a")), Err(FsError::PermissionDenied(_))));
        assert!(matches!(check_link_target("../../x", &l("d/a")), Err(FsError::PermissionDenied(_))));
        // Leaving and coming back is still leaving.
        assert!(matches!(check_link_target("../d/x", &l("a")), Err(FsError::PermissionDenied(_))));
        assert!(matches!(check_link_target("/etc/passwd", &l("a")), Err(FsError::PermissionDenied(_))));
        assert!(matches!(check_link_target("", &l("a")), Err(FsError::InvalidInput(_))));
        assert!(matches!(check_link_target("a\0b", &l("a")), Err(FsError::InvalidInput(_))));
        assert!(check_link_target(&"x".repeat(256), &l("a")).is_err());
    }

    #[test]
    fn times_around_the_epoch() {
        assert_eq!(time(1, 5), UNIX_EPOCH + Duration::new(1, 5));
        assert_eq!(time(-2, 0), UNIX_EPOCH - Duration::from_secs(2));
        assert_eq!(time(-2, 500), UNIX_EPOCH - Duration::from_secs(2) + Duration::from_nanos(500));
    }
}
