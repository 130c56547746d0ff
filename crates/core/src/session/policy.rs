//! Permission, file-pattern and bandwidth rules (SFTPGo semantics).

use std::net::IpAddr;

use wharf_model::perms::{self, has_any_perm};
use wharf_model::user::{DenyPolicy, PatternsFilter};
use wharf_model::{User, glob};
use wharf_vfs::FsError;
use wharf_vfs::path::{base, parent};

/// What the file patterns say about a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternVerdict {
    /// Allowed.
    Allowed,
    /// Denied, visible in listings (operations fail with permission denied).
    Denied,
    /// Denied and hidden (listings omit it, operations answer "not found").
    Hidden,
}

impl PatternVerdict {
    /// The error an operation on a refused name gets.
    pub(crate) fn error(self) -> FsError {
        match self {
            Self::Hidden => FsError::NotFound,
            _ => FsError::denied(),
        }
    }
}

/// The filter that governs the entries of directory `dir`: the one defined at `dir` or at its nearest
/// ancestor.
fn filter_for_dir<'a>(user: &'a User, dir: &str) -> Option<&'a PatternsFilter> {
    let filters = &user.filters.file_patterns;
    if filters.is_empty() {
        return None;
    }
    let mut d = dir.to_owned();
    loop {
        if let Some(f) = filters.iter().find(|f| f.path == d) {
            return Some(f);
        }
        if d == "/" {
            return None;
        }
        d = parent(&d).to_owned();
    }
}

fn matches_any(patterns: &[String], name: &str) -> bool {
    let name = name.to_lowercase();
    patterns.iter().any(|p| glob::matches(&p.to_lowercase(), &name).unwrap_or(false))
}

/// The verdict for the name at `vpath` as an entry of its parent directory.
fn name_verdict(user: &User, vpath: &str) -> PatternVerdict {
    let Some(f) = filter_for_dir(user, parent(vpath)) else { return PatternVerdict::Allowed };
    let name = base(vpath);
    let denied = matches_any(&f.denied_patterns, name)
        || (!f.allowed_patterns.is_empty() && !matches_any(&f.allowed_patterns, name));
    match (denied, f.deny_policy) {
        (false, _) => PatternVerdict::Allowed,
        (true, DenyPolicy::Hide) => PatternVerdict::Hidden,
        (true, _) => PatternVerdict::Denied,
    }
}

/// True when a directory on the way to `vpath` (or `vpath` itself, for directories) is hidden by a
/// pattern filter with the hide policy: everything below a hidden directory is hidden too.
pub(crate) fn path_hidden(user: &User, vpath: &str) -> bool {
    if user.filters.file_patterns.is_empty() {
        return false;
    }
    let mut p = vpath.to_owned();
    while p != "/" {
        if name_verdict(user, &p) == PatternVerdict::Hidden {
            return true;
        }
        p = parent(&p).to_owned();
    }
    false
}

/// The verdict for a file at `vpath`. Patterns restrict files; directories are only affected by the
/// hide policy (SFTPGo: directories matching a pattern can still be created and renamed).
pub(crate) fn file_verdict(user: &User, vpath: &str) -> PatternVerdict {
    if user.filters.file_patterns.is_empty() {
        return PatternVerdict::Allowed;
    }
    if path_hidden(user, parent(vpath)) {
        return PatternVerdict::Hidden;
    }
    name_verdict(user, vpath)
}

/// Fails unless the file at `vpath` passes the patterns.
pub(crate) fn check_file(user: &User, vpath: &str) -> Result<(), FsError> {
    match file_verdict(user, vpath) {
        PatternVerdict::Allowed => Ok(()),
        v => Err(v.error()),
    }
}

/// Fails with "not found" when the directory (or a parent) is hidden.
pub(crate) fn check_dir_visible(user: &User, vpath: &str) -> Result<(), FsError> {
    if path_hidden(user, vpath) { Err(FsError::NotFound) } else { Ok(()) }
}

/// Fails with permission denied unless the user holds one of `wanted` for `dir`.
pub(crate) fn require_any(user: &User, wanted: &[&str], dir: &str) -> Result<(), FsError> {
    if has_any_perm(&user.permissions, wanted, dir) { Ok(()) } else { Err(FsError::denied()) }
}

/// Fails with permission denied unless the user holds `perm` for `dir`.
pub(crate) fn require(user: &User, perm: &str, dir: &str) -> Result<(), FsError> {
    if perms::has_perm(&user.permissions, perm, dir) { Ok(()) } else { Err(FsError::denied()) }
}

/// The upload and download limits in KB/s for a client address: the first `bandwidth_limits` entry
/// whose sources contain the address, else the user's limits.
pub(crate) fn bandwidth_for(user: &User, ip: IpAddr) -> (u64, u64) {
    let ip = ip.to_canonical();
    let clamp = |v: i64| u64::try_from(v).unwrap_or(0);
    for limit in &user.filters.bandwidth_limits {
        let hit = limit.sources.iter().any(|s| s.parse::<ipnet::IpNet>().is_ok_and(|n| n.contains(&ip)));
        if hit {
            return (clamp(limit.upload_bandwidth), clamp(limit.download_bandwidth));
        }
    }
    (clamp(user.upload_bandwidth), clamp(user.download_bandwidth))
}

#[cfg(test)]
mod tests {
    use wharf_model::user::BandwidthLimit;

    use super::*;

    fn user_with(filters: Vec<PatternsFilter>) -> User {
        let mut u = User::default();
        u.filters.file_patterns = filters;
        u
    }

    fn pf(path: &str, allowed: &[&str], denied: &[&str], hide: bool) -> PatternsFilter {
        PatternsFilter {
            path: path.into(),
            allowed_patterns: allowed.iter().map(|s| s.to_string()).collect(),
            denied_patterns: denied.iter().map(|s| s.to_string()).collect(),
            deny_policy: if hide { DenyPolicy::Hide } else { DenyPolicy::Default },
        }
    }

    #[test]
    fn allowed_patterns_are_case_insensitive_and_nearest_wins() {
        let u = user_with(vec![pf("/", &["*.zIp"], &[], false), pf("/free", &[], &[], false)]);
        assert_eq!(file_verdict(&u, "/a.ZIP"), PatternVerdict::Allowed);
        assert_eq!(file_verdict(&u, "/a.txt"), PatternVerdict::Denied);
        assert_eq!(file_verdict(&u, "/sub/a.txt"), PatternVerdict::Denied, "inherited from /");
        assert_eq!(file_verdict(&u, "/free/a.txt"), PatternVerdict::Allowed, "nearest filter wins");
    }

    #[test]
    fn denied_and_hidden() {
        let u = user_with(vec![pf("/", &[], &["*.exe", "secret"], true)]);
        assert_eq!(file_verdict(&u, "/x.EXE"), PatternVerdict::Hidden);
        assert_eq!(file_verdict(&u, "/ok.txt"), PatternVerdict::Allowed);
        assert!(path_hidden(&u, "/secret"));
        assert_eq!(file_verdict(&u, "/secret/inner.txt"), PatternVerdict::Hidden, "below a hidden dir");
        assert_eq!(check_file(&u, "/x.exe"), Err(FsError::NotFound));
        let u = user_with(vec![pf("/", &[], &["*.exe"], false)]);
        assert_eq!(check_file(&u, "/x.exe"), Err(FsError::denied()));
        assert!(!path_hidden(&u, "/x.exe"));
    }

    #[test]
    fn bandwidth_overrides_by_source() {
        let mut u = User { upload_bandwidth: 100, download_bandwidth: 200, ..User::default() };
        u.filters.bandwidth_limits = vec![
            BandwidthLimit { sources: vec!["10.0.0.0/8".into()], upload_bandwidth: 1, download_bandwidth: 2 },
            BandwidthLimit { sources: vec!["10.1.0.0/16".into()], upload_bandwidth: 5, download_bandwidth: 6 },
        ];
        assert_eq!(bandwidth_for(&u, "10.1.2.3".parse().unwrap()), (1, 2), "first match wins");
        assert_eq!(bandwidth_for(&u, "192.0.2.1".parse().unwrap()), (100, 200));
    }
}
