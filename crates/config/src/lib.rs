//! Wharf's configuration, which is SFTPGo's configuration: the same key tree, the same defaults,
//! the same file formats, search path and environment overrides, so an existing `sftpgo.json`
//! (or `.yaml`, `.toml`, `.hcl`, `.env`) works unchanged.
//!
//! - [`Config`] is the typed tree; `Config::default()` is SFTPGo's built-in default configuration.
//! - [`Config::load`] finds and reads the file, applies `env.d` and `WHARF_`/`SFTPGO_` environment
//!   overrides, resets out-of-range values like SFTPGo ([`Config::reset_invalid`]) and rejects
//!   broken ones ([`Config::validate`]).
//! - Keys that older SFTPGo releases had ([`REMOVED_KEYS`]) are ignored with a warning; any other
//!   unknown key is an error naming the key and the file.
//! - [`Config::to_json_pretty`] prints the effective configuration with secrets masked.
//!
//! `docs/configuration.md` describes the behaviour for users.
#![forbid(unsafe_code)]

mod dotenv;
mod env;
mod error;
mod format;
mod load;
mod overrides;
mod paths;
mod redact;
mod removed;
mod sanitize;
mod schema;
mod sections;
mod tree;
mod validate;

pub use env::{DefaultAdmin, ENV_FILE_MAX_SIZE, EnvSource, SFTPGO_PREFIX, WHARF_PREFIX};
pub use error::Error;
pub use format::{Format, SEARCH_EXTENSIONS};
pub use load::{CONFIG_NAMES, LoadOptions, Loaded, MAX_CONFIG_FILE_SIZE, default_search_dirs, find_config_file};
pub use paths::{clean_path, is_path_input_valid, resolve_path};
pub use redact::REDACTED;
pub use removed::{REMOVED_KEYS, RemovedKey};
pub use sections::*;
pub use validate::{COMMAND_HOOKS, HASHING_ALGOS, PLUGIN_TYPES, PROVIDER_DRIVERS, RATE_LIMITER_PROTOCOLS, TOTP_ALGOS};
