//! Resolving command-line flags that may also come from the environment, as SFTPGo does: the flag
//! itself, then `WHARF_<NAME>`, then `SFTPGO_<NAME>`, then the same names in `<config dir>/env.d/*`
//! (which never override the real environment), then the default.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Result, bail};
use wharf_config::EnvSource;

use crate::cli::ConfigArgs;

/// The config location and the environment (process variables plus `env.d`).
#[derive(Debug)]
pub struct Context {
    /// The config dir.
    pub config_dir: PathBuf,
    /// An explicit config file, if any.
    pub config_file: Option<PathBuf>,
    /// Process environment with `env.d` files merged in (process variables win).
    pub env: EnvSource,
    /// Problems met while reading `env.d` (reported once logging is up).
    pub env_warnings: Vec<String>,
}

impl Context {
    /// Resolves the config dir and file, then reads `env.d` from the config dir.
    pub fn new(args: &ConfigArgs) -> Self {
        let mut env = EnvSource::from_process();
        let config_dir = args
            .config_dir
            .clone()
            .or_else(|| env.get_prefixed("CONFIG_DIR").map(|(_, v)| PathBuf::from(v)))
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let env_warnings = env.load_env_dir(&config_dir);
        let config_file = args
            .config_file
            .clone()
            .or_else(|| env.get_prefixed("CONFIG_FILE").map(|(_, v)| PathBuf::from(v)))
            .filter(|p| !p.as_os_str().is_empty());
        Self { config_dir, config_file, env, env_warnings }
    }

    /// The value of a flag: the flag if given, else `WHARF_<name>`/`SFTPGO_<name>`, else `default`.
    /// A variable that does not parse is an error naming it.
    pub fn flag<T: FromFlag>(&self, given: Option<T>, name: &str, default: T) -> Result<T> {
        if let Some(v) = given {
            return Ok(v);
        }
        match self.env.get_prefixed(name) {
            Some((var, value)) => {
                T::from_flag(value).ok_or_else(|| anyhow::anyhow!("{var}={value:?} is not a valid {}", T::WHAT))
            }
            None => Ok(default),
        }
    }
}

/// Values a flag can take from the environment.
pub trait FromFlag: Sized {
    /// What the value should look like, for error messages.
    const WHAT: &'static str;
    /// Parses the variable's text.
    fn from_flag(s: &str) -> Option<Self>;
}

/// Booleans as Go's `strconv.ParseBool` reads them (SFTPGo's parser).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

impl FromFlag for bool {
    const WHAT: &'static str = "boolean (true/false/1/0)";
    fn from_flag(s: &str) -> Option<Self> {
        parse_bool(s)
    }
}

impl FromFlag for String {
    const WHAT: &'static str = "string";
    fn from_flag(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
}

impl FromFlag for PathBuf {
    const WHAT: &'static str = "path";
    fn from_flag(s: &str) -> Option<Self> {
        Some(PathBuf::from(s))
    }
}

macro_rules! from_flag_number {
    ($($t:ty),*) => {$(
        impl FromFlag for $t {
            const WHAT: &'static str = "number";
            fn from_flag(s: &str) -> Option<Self> {
                <$t>::from_str(s.trim()).ok()
            }
        }
    )*};
}
from_flag_number!(u8, u32, u64, usize);

impl FromFlag for crate::cli::LogLevel {
    const WHAT: &'static str = "log level (debug, info, warn, error)";
    fn from_flag(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// `--loaddata-mode` as the CLI accepts it: 0 (add and update) or 1 (add only).
pub fn check_load_mode(mode: u8) -> Result<u8> {
    if mode > 1 {
        bail!("--loaddata-mode: {mode} is not valid here (0 adds and updates, 1 only adds)");
    }
    Ok(mode)
}

/// `--loaddata-scan`: 0, 1 or 2.
pub fn check_scan_mode(mode: u8) -> Result<u8> {
    if mode > 2 {
        bail!("--loaddata-scan: {mode} is not valid (0 no scan, 1 scan all, 2 only users/folders with quota)");
    }
    Ok(mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(vars: &[(&str, &str)]) -> Context {
        Context {
            config_dir: PathBuf::from("."),
            config_file: None,
            env: vars.iter().map(|(k, v)| (*k, *v)).collect(),
            env_warnings: Vec::new(),
        }
    }

    #[test]
    fn flag_beats_env_and_wharf_beats_sftpgo() {
        let c = ctx(&[("WHARF_LOG_MAX_SIZE", "7"), ("SFTPGO_LOG_MAX_SIZE", "9"), ("SFTPGO_GRACE_TIME", "3")]);
        assert_eq!(c.flag(Some(1u64), "LOG_MAX_SIZE", 10).unwrap(), 1);
        assert_eq!(c.flag(None, "LOG_MAX_SIZE", 10u64).unwrap(), 7);
        assert_eq!(c.flag(None, "GRACE_TIME", 0u64).unwrap(), 3);
        assert_eq!(c.flag(None, "LOG_MAX_AGE", 28u64).unwrap(), 28);
    }

    #[test]
    fn bad_env_value_names_the_variable() {
        let c = ctx(&[("SFTPGO_LOG_COMPRESS", "maybe")]);
        let e = c.flag(None, "LOG_COMPRESS", false).unwrap_err().to_string();
        assert!(e.contains("SFTPGO_LOG_COMPRESS") && e.contains("maybe"), "{e}");
    }

    #[test]
    fn go_booleans() {
        for t in ["1", "t", "TRUE", "True"] {
            assert_eq!(parse_bool(t), Some(true));
        }
        for f in ["0", "f", "FALSE", "false"] {
            assert_eq!(parse_bool(f), Some(false));
        }
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn load_and_scan_modes() {
        assert!(check_load_mode(2).is_err());
        assert_eq!(check_load_mode(0).unwrap(), 0);
        assert!(check_scan_mode(3).is_err());
    }
}
