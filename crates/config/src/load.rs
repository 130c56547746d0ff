//! Locating and loading the configuration: file search, parsing, environment overrides,
//! sanitisation and validation.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::dotenv;
use crate::env::{DefaultAdmin, EnvSource};
use crate::error::Error;
use crate::format::{Format, SEARCH_EXTENSIONS};
use crate::overrides::{self, Origin};
use crate::paths;
use crate::schema::{Node, config_schema};
use crate::sections::Config;
use crate::tree::Normalizer;

/// Base names of configuration files, in search order within each directory.
pub const CONFIG_NAMES: &[&str] = &["wharf", "sftpgo"];
/// Largest configuration file accepted.
pub const MAX_CONFIG_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// What [`Config::load`] needs to know.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The config dir: searched first for a configuration file, base of relative paths, home of
    /// `env.d`.
    pub config_dir: PathBuf,
    /// Explicit configuration file (absolute, or relative to `config_dir`); disables the search.
    pub config_file: Option<PathBuf>,
    /// Environment used for `env.d` expansion, overrides and the default admin variables.
    pub env: EnvSource,
    /// Directories searched after `config_dir`, in order (see [`default_search_dirs`]).
    pub search_dirs: Vec<PathBuf>,
    /// Whether to read `<config_dir>/env.d` into `env` first (disable it if the caller already
    /// did, e.g. with [`EnvSource::load_env_dir`]).
    pub read_env_dir: bool,
}

impl LoadOptions {
    /// Options with SFTPGo's search path (using `HOME` from `env`) and `env.d` reading on.
    pub fn new(config_dir: impl Into<PathBuf>, env: EnvSource) -> Self {
        let search_dirs = default_search_dirs(env.get("HOME"));
        Self { config_dir: config_dir.into(), config_file: None, env, search_dirs, read_env_dir: true }
    }

    /// Sets an explicit configuration file.
    pub fn with_config_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.config_file = Some(file.into());
        self
    }

    /// Replaces the directories searched after the config dir.
    pub fn with_search_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.search_dirs = dirs;
        self
    }
}

/// Directories searched after the config dir, in SFTPGo's order, Wharf's directory before
/// SFTPGo's at each level: `$HOME/.config/{wharf,sftpgo}`, `/etc/{wharf,sftpgo}`,
/// `/usr/local/etc/{wharf,sftpgo}`.
pub fn default_search_dirs(home: Option<&str>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut add = |base: PathBuf| {
        for name in CONFIG_NAMES {
            dirs.push(base.join(name));
        }
    };
    if let Some(home) = home.filter(|h| !h.is_empty()) {
        add(Path::new(home).join(".config"));
    }
    add(PathBuf::from("/etc"));
    add(PathBuf::from("/usr/local/etc"));
    dirs
}

/// Finds the configuration file: the first `wharf.<ext>` or `sftpgo.<ext>` (extensions in
/// [`SEARCH_EXTENSIONS`] order) in `config_dir`, then in each of `search_dirs`.
pub fn find_config_file(config_dir: &Path, search_dirs: &[PathBuf]) -> Option<PathBuf> {
    std::iter::once(config_dir)
        .chain(search_dirs.iter().map(PathBuf::as_path))
        .flat_map(|dir| {
            CONFIG_NAMES
                .iter()
                .flat_map(move |name| SEARCH_EXTENSIONS.iter().map(move |ext| dir.join(format!("{name}.{ext}"))))
        })
        .find(|candidate| candidate.is_file())
}

/// The result of [`Config::load`].
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The effective configuration.
    pub config: Config,
    /// The config dir the configuration was loaded for (base of relative paths).
    pub config_dir: PathBuf,
    /// The configuration file used, if any.
    pub file: Option<PathBuf>,
    /// Non-fatal problems: removed keys, ignored entries, values reset to defaults, unusable
    /// `env.d` files. Each was also logged with `tracing::warn!`.
    pub warnings: Vec<String>,
    /// Default admin credentials from the environment.
    pub default_admin: DefaultAdmin,
    /// The environment after `env.d` was merged in.
    pub env: EnvSource,
}

impl Loaded {
    /// Resolves a configured path against the config dir (see [`paths::resolve_path`]).
    pub fn resolve_path(&self, value: &str) -> Option<PathBuf> {
        paths::resolve_path(&self.config_dir, value)
    }
}

impl Config {
    /// Loads the configuration the way SFTPGo does: `env.d`, then the configuration file (or the
    /// built-in defaults), then `WHARF_`/`SFTPGO_` environment overrides, then sanitisation and
    /// validation.
    pub fn load(opts: LoadOptions) -> Result<Loaded, Error> {
        let LoadOptions { config_dir, config_file, mut env, search_dirs, read_env_dir } = opts;
        let mut warnings = Vec::new();
        if read_env_dir {
            warnings.extend(env.load_env_dir(&config_dir));
        }
        let schema = config_schema();

        let file = match config_file {
            Some(file) => Some(explicit_file(&config_dir, &file)?),
            None => find_config_file(&config_dir, &search_dirs),
        };
        let mut config = match &file {
            Some(path) => {
                tracing::info!(file = %path.display(), "loading configuration file");
                load_file(path, &schema, &env, &mut warnings)?
            }
            None => {
                tracing::info!("no configuration file found, using the built-in defaults");
                Config::default()
            }
        };

        let settings = overrides::env_settings(&env);
        if !settings.is_empty() {
            let mut tree = to_tree(&config)?;
            let applied = overrides::apply(&mut tree, &schema, settings, Origin::Env)?;
            record(&mut warnings, applied.warnings);
            config = deserialize(tree).map_err(|(key, message)| match applied.sources.get(&key) {
                Some(var) => Error::InvalidEnv { var: var.clone(), message },
                None => Error::Invalid { key, message },
            })?;
        }

        record(&mut warnings, config.reset_invalid());
        config.validate()?;
        let default_admin = DefaultAdmin::from_env(&env);
        Ok(Loaded { config, config_dir, file, warnings, default_admin, env })
    }

    /// Parses configuration text in the given format (no environment, no sanitisation); `origin`
    /// is the file name used in messages. Removed keys are dropped and returned as warnings.
    pub fn from_str_with_format(text: &str, format: Format, origin: &Path) -> Result<(Config, Vec<String>), Error> {
        let mut warnings = Vec::new();
        let config = parse_text(text, format, origin, &config_schema(), &EnvSource::new(), &mut warnings)?;
        Ok((config, warnings))
    }
}

fn record(warnings: &mut Vec<String>, new: Vec<String>) {
    for warning in new {
        tracing::warn!("{warning}");
        warnings.push(warning);
    }
}

fn explicit_file(config_dir: &Path, file: &Path) -> Result<PathBuf, Error> {
    let path = if file.is_absolute() { file.to_owned() } else { config_dir.join(file) };
    if Format::from_path(&path).is_none() {
        return Err(Error::UnsupportedFormat { path });
    }
    if !path.is_file() {
        return Err(Error::NotFound { path });
    }
    Ok(path)
}

fn load_file(path: &Path, schema: &Node, env: &EnvSource, warnings: &mut Vec<String>) -> Result<Config, Error> {
    let format = Format::from_path(path).ok_or_else(|| Error::UnsupportedFormat { path: path.to_owned() })?;
    let read_err = |source| Error::Read { path: path.to_owned(), source };
    let size = std::fs::metadata(path).map_err(read_err)?.len();
    if size > MAX_CONFIG_FILE_SIZE {
        return Err(Error::Syntax {
            path: path.to_owned(),
            format: format.name(),
            message: format!("file larger than {MAX_CONFIG_FILE_SIZE} bytes"),
        });
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Syntax {
        path: path.to_owned(),
        format: format.name(),
        message: "not valid UTF-8".to_owned(),
    })?;
    parse_text(&text, format, path, schema, env, warnings)
}

fn parse_text(
    text: &str,
    format: Format,
    path: &Path,
    schema: &Node,
    env: &EnvSource,
    warnings: &mut Vec<String>,
) -> Result<Config, Error> {
    let tree = if format == Format::Env {
        let lookup = |name: &str| env.get(name).map(str::to_owned);
        let pairs = dotenv::parse(text, &lookup).map_err(|e| Error::Syntax {
            path: path.to_owned(),
            format: format.name(),
            message: e.to_string(),
        })?;
        let mut tree = to_tree(&Config::default())?;
        let applied = overrides::apply(&mut tree, schema, overrides::file_settings(pairs), Origin::File(path))?;
        record(warnings, applied.warnings);
        tree
    } else {
        let raw = format.parse_tree(text, path)?;
        let mut normalizer =
            Normalizer { file: path, unwrap_singleton_objects: format == Format::Hcl, warnings: Vec::new() };
        let tree = normalizer.root(raw, schema)?;
        record(warnings, normalizer.warnings);
        tree
    };
    deserialize(tree).map_err(|(key, message)| Error::InvalidValue { path: path.to_owned(), key, message })
}

fn to_tree(config: &Config) -> Result<Value, Error> {
    serde_json::to_value(config).map_err(|e| Error::Serialize(e.to_string()))
}

/// Deserialises a value tree, returning the failing key path and message on error.
fn deserialize(tree: Value) -> Result<Config, (String, String)> {
    serde_path_to_error::deserialize(tree).map_err(|e| (e.path().to_string(), e.inner().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_search_dirs_order() {
        let dirs = default_search_dirs(Some("/home/u"));
        let dirs: Vec<_> = dirs.iter().map(|d| d.to_string_lossy().into_owned()).collect();
        assert_eq!(
            dirs,
            [
                "/home/u/.config/wharf",
                "/home/u/.config/sftpgo",
                "/etc/wharf",
                "/etc/sftpgo",
                "/usr/local/etc/wharf",
                "/usr/local/etc/sftpgo"
            ]
        );
        assert_eq!(default_search_dirs(None).len(), 4);
    }

    #[test]
    fn error_paths_use_dots_and_brackets() {
        let tree = serde_json::json!({"sftpd": {"bindings": [{"port": "x"}]}});
        let (key, message) = deserialize(tree).unwrap_err();
        assert_eq!(key, "sftpd.bindings[0].port");
        assert_eq!(message, "invalid type: string \"x\", expected u16");
    }
}
