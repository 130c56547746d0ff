//! The environment the loader reads: an explicit, injectable set of variables, plus the `env.d`
//! directory that can add to it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::dotenv;

/// Prefix of Wharf's own variables; wins over [`SFTPGO_PREFIX`] when both name the same thing.
pub const WHARF_PREFIX: &str = "WHARF_";
/// Prefix of SFTPGo's variables, accepted for compatibility.
pub const SFTPGO_PREFIX: &str = "SFTPGO_";
/// Largest `env.d` file that is read (SFTPGo's limit).
pub const ENV_FILE_MAX_SIZE: u64 = 1024 * 1024;

/// A set of environment variables. The loader only ever reads variables from here, so tests can
/// inject exactly what they need and production code passes [`EnvSource::from_process`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvSource {
    vars: BTreeMap<String, String>,
}

impl std::fmt::Debug for EnvSource {
    // Values may be secrets (database passwords...): show names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvSource").field("names", &self.vars.keys().collect::<Vec<_>>()).finish()
    }
}

impl EnvSource {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// A snapshot of the process environment (variables that are not valid UTF-8 are skipped).
    pub fn from_process() -> Self {
        std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect()
    }

    /// Value of `name`, if set (an empty value counts as set).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Sets `name`, replacing any previous value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Sets `name` only if it is not set yet; returns whether it was set.
    pub fn set_if_missing(&mut self, name: impl Into<String>, value: impl Into<String>) -> bool {
        let name = name.into();
        if self.vars.contains_key(&name) {
            return false;
        }
        self.vars.insert(name, value.into());
        true
    }

    /// All variables, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Looks up a variable by its name without prefix, trying `WHARF_<suffix>` first and then
    /// `SFTPGO_<suffix>`. Returns the full variable name and its value.
    pub fn get_prefixed(&self, suffix: &str) -> Option<(String, &str)> {
        [WHARF_PREFIX, SFTPGO_PREFIX].iter().find_map(|prefix| {
            let name = format!("{prefix}{suffix}");
            let value = self.get(&name)?;
            Some((name, value))
        })
    }

    /// Reads every regular file of `<config_dir>/env.d` (in file name order, at most
    /// [`ENV_FILE_MAX_SIZE`] bytes each, dotenv syntax) and adds the variables that are not set
    /// yet, so the real environment and earlier files win. Files that cannot be used are skipped
    /// and reported in the returned warnings (which are also logged). A missing `env.d` is fine.
    pub fn load_env_dir(&mut self, config_dir: &Path) -> Vec<String> {
        let mut warnings = Vec::new();
        let dir = config_dir.join("env.d");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return warnings,
            Err(e) => {
                warn(&mut warnings, format!("{}: cannot list env files: {e}", dir.display()));
                return warnings;
            }
        };
        let mut files: Vec<_> = entries.filter_map(Result::ok).collect();
        files.sort_by_key(std::fs::DirEntry::file_name);
        for entry in files {
            let path = entry.path();
            // Like SFTPGo, symlinks and other non-regular entries are not followed.
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            if meta.len() > ENV_FILE_MAX_SIZE {
                warn(
                    &mut warnings,
                    format!("{}: env file larger than {ENV_FILE_MAX_SIZE} bytes, skipped", path.display()),
                );
                continue;
            }
            let content = match std::fs::read_to_string(&path) {
                Ok(content) => content,
                Err(e) => {
                    warn(&mut warnings, format!("{}: cannot read env file: {e}, skipped", path.display()));
                    continue;
                }
            };
            let lookup = |name: &str| self.get(name).map(str::to_owned);
            match dotenv::parse(&content, &lookup) {
                Ok(pairs) => {
                    for (name, value) in pairs {
                        self.set_if_missing(name, value);
                    }
                    tracing::info!(file = %path.display(), "environment variables loaded from env file");
                }
                Err(e) => warn(&mut warnings, format!("{}: invalid env file, skipped: {e}", path.display())),
            }
        }
        warnings
    }
}

fn warn(warnings: &mut Vec<String>, message: String) {
    tracing::warn!("{message}");
    warnings.push(message);
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for EnvSource {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self { vars: iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }
}

/// Credentials for the first admin, taken from `WHARF_DEFAULT_ADMIN_USERNAME`/`_PASSWORD` or
/// `SFTPGO_DEFAULT_ADMIN_USERNAME`/`_PASSWORD`. They are used when
/// `data_provider.create_default_admin` is true.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DefaultAdmin {
    /// Admin username, if set.
    pub username: Option<String>,
    /// Admin password, if set.
    pub password: Option<String>,
}

impl std::fmt::Debug for DefaultAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefaultAdmin")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl DefaultAdmin {
    /// Reads the default admin variables from `env`.
    pub fn from_env(env: &EnvSource) -> Self {
        let get = |suffix: &str| env.get_prefixed(suffix).map(|(_, v)| v.to_owned());
        Self { username: get("DEFAULT_ADMIN_USERNAME"), password: get("DEFAULT_ADMIN_PASSWORD") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wharf_prefix_wins() {
        let env: EnvSource = [
            ("SFTPGO_DEFAULT_ADMIN_USERNAME", "sftpgo"),
            ("WHARF_DEFAULT_ADMIN_USERNAME", "wharf"),
            ("SFTPGO_DEFAULT_ADMIN_PASSWORD", "pw"),
        ]
        .into_iter()
        .collect();
        let admin = DefaultAdmin::from_env(&env);
        assert_eq!(admin.username.as_deref(), Some("wharf"));
        assert_eq!(admin.password.as_deref(), Some("pw"));
        assert!(!format!("{admin:?}").contains("pw\""));
    }

    #[test]
    fn debug_hides_values() {
        let env: EnvSource = [("SECRET", "hunter2")].into_iter().collect();
        let shown = format!("{env:?}");
        assert!(shown.contains("SECRET"));
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn env_dir_does_not_override_and_first_file_wins() {
        let dir = tempfile::tempdir().unwrap();
        let envd = dir.path().join("env.d");
        std::fs::create_dir(&envd).unwrap();
        std::fs::write(envd.join("10-a.env"), "A=from-a\nB=from-a\nC=$A-x\n").unwrap();
        std::fs::write(envd.join("20-b.env"), "B=from-b\nD=${B}\n").unwrap();
        std::fs::write(envd.join("30-bad.env"), "this is not dotenv\n").unwrap();
        std::fs::write(envd.join("40-big.env"), vec![b'#'; 1024 * 1024 + 1]).unwrap();
        std::fs::create_dir(envd.join("50-dir")).unwrap();
        let mut env: EnvSource = [("A", "real")].into_iter().collect();
        let warnings = env.load_env_dir(dir.path());
        assert_eq!(env.get("A"), Some("real"));
        assert_eq!(env.get("B"), Some("from-a"));
        assert_eq!(env.get("C"), Some("real-x"));
        assert_eq!(env.get("D"), Some("from-a"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("30-bad.env"));
        assert!(warnings[1].contains("40-big.env"));
    }

    #[test]
    fn missing_env_dir_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = EnvSource::new();
        assert!(env.load_env_dir(dir.path()).is_empty());
        assert_eq!(env, EnvSource::new());
    }
}
