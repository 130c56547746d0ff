//! Path helpers. As in SFTPGo, relative paths in the configuration (host keys, certificates, the
//! SQLite database, templates...) are relative to the config dir.

use std::path::{Component, Path, PathBuf};

/// Lexically cleans `value` (drops `.`, resolves `..` against earlier components) without touching
/// the filesystem.
pub fn clean_path(value: &str) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in Path::new(value).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// Whether a configured file or directory value is usable: not empty and not cleaning to `.` or
/// `..` (SFTPGo ignores such values).
pub fn is_path_input_valid(value: &str) -> bool {
    if value.is_empty() {
        return false;
    }
    let cleaned = clean_path(value);
    cleaned != Path::new(".") && cleaned != Path::new("..")
}

/// Resolves a configured path: absolute paths are kept, relative ones are joined to `config_dir`.
/// Returns `None` for empty or unusable values (see [`is_path_input_valid`]).
pub fn resolve_path(config_dir: &Path, value: &str) -> Option<PathBuf> {
    if !is_path_input_valid(value) {
        return None;
    }
    let path = Path::new(value);
    if path.is_absolute() { Some(clean_path(value)) } else { Some(config_dir.join(clean_path(value))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning() {
        assert_eq!(clean_path("a/./b/../c"), PathBuf::from("a/c"));
        assert_eq!(clean_path("a/.."), PathBuf::from("."));
        assert_eq!(clean_path("/../x"), PathBuf::from("/x"));
        assert_eq!(clean_path("../x"), PathBuf::from("../x"));
    }

    #[test]
    fn resolving() {
        let dir = Path::new("/etc/wharf");
        assert_eq!(resolve_path(dir, "id_rsa"), Some(PathBuf::from("/etc/wharf/id_rsa")));
        assert_eq!(resolve_path(dir, "certs/a.pem"), Some(PathBuf::from("/etc/wharf/certs/a.pem")));
        assert_eq!(resolve_path(dir, "/var/lib/k"), Some(PathBuf::from("/var/lib/k")));
        assert_eq!(resolve_path(dir, "../shared/k"), Some(PathBuf::from("/etc/wharf/../shared/k")));
        assert_eq!(resolve_path(dir, ""), None);
        assert_eq!(resolve_path(dir, "."), None);
        assert_eq!(resolve_path(dir, "a/../.."), None);
        assert_eq!(resolve_path(Path::new("."), "sftpgo.db"), Some(PathBuf::from("./sftpgo.db")));
    }
}
