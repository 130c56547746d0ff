//! SFTPGo-compatible hooks: external programs and HTTP endpoints called when something happens.
//!
//! - [`command`] runs a hook program with a cleared environment, a timeout and bounded output.
//! - [`http`] is the HTTP client hooks use (timeouts, retries with backoff, TLS settings, extra
//!   headers, bounded responses).
//! - [`fs_actions`] fires the legacy filesystem actions of `common.actions` (`upload`,
//!   `pre-delete`, ...), synchronously or in the background.
//! - [`provider_actions`] fires `data_provider.actions` when an object is added, updated or deleted.
//! - [`connection`] runs the startup, post-connect and post-disconnect hooks.
//! - [`keyboard_interactive`] runs the SSH keyboard-interactive conversation hook.
//!
//! A hook setting is either an absolute program path or an `http(s)://` URL ([`HookTarget`]).
//! `docs/hooks.md` describes the behaviour for users.

pub mod command;
pub mod connection;
mod error;
pub mod fs_actions;
pub mod http;
pub mod keyboard_interactive;
mod pool;
pub mod provider_actions;
mod tls;

use std::fmt;
use std::path::{Path, PathBuf};

use wharf_config::{CommandConfig, HttpClientConfig};

pub use command::{CommandOutput, CommandRunner, InteractiveProgram, ProgramGuard};
pub use connection::ConnectionHooks;
pub use error::HookError;
pub use fs_actions::{ActionRunner, EventStatus, FsAction, FsEvent};
pub use http::{HttpRequest, HttpResponse, HttpRunner};
pub use provider_actions::{ProviderAction, ProviderActionRunner, ProviderEvent};

/// Which hook is running: selects `command.commands[]` overrides (by their `hook` name) and
/// names the hook in logs and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookKind {
    /// `common.actions` (filesystem events).
    FsActions,
    /// `data_provider.actions`.
    ProviderActions,
    /// `common.startup_hook`.
    Startup,
    /// `common.post_connect_hook`.
    PostConnect,
    /// `common.post_disconnect_hook`.
    PostDisconnect,
    /// `data_provider.check_password_hook`.
    CheckPassword,
    /// `data_provider.pre_login_hook`.
    PreLogin,
    /// `data_provider.post_login_hook`.
    PostLogin,
    /// `data_provider.external_auth_hook`.
    ExternalAuth,
    /// `sftpd.keyboard_interactive_auth_hook`.
    KeyboardInteractive,
}

impl HookKind {
    /// The name used by `command.commands[].hook`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FsActions => "fs_actions",
            Self::ProviderActions => "provider_actions",
            Self::Startup => "startup",
            Self::PostConnect => "post_connect",
            Self::PostDisconnect => "post_disconnect",
            Self::CheckPassword => "check_password",
            Self::PreLogin => "pre_login",
            Self::PostLogin => "post_login",
            Self::ExternalAuth => "external_auth",
            Self::KeyboardInteractive => "keyboard_interactive",
        }
    }
}

impl fmt::Display for HookKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a hook setting points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookTarget {
    /// An absolute program path.
    Program(PathBuf),
    /// An HTTP or HTTPS endpoint.
    Http(url::Url),
}

impl HookTarget {
    /// Interprets a hook setting like SFTPGo: a value starting with `http` is a URL, anything
    /// else must be an absolute program path. `Ok(None)` when the setting is empty (no hook).
    pub fn parse(kind: HookKind, value: &str) -> Result<Option<Self>, HookError> {
        if value.is_empty() {
            return Ok(None);
        }
        if value.starts_with("http") {
            let url = url::Url::parse(value)
                .map_err(|e| HookError::InvalidHook { hook: kind, reason: format!("the URL cannot be parsed: {e}") })?;
            if url.scheme() != "http" && url.scheme() != "https" {
                return Err(HookError::InvalidHook {
                    hook: kind,
                    reason: format!("unsupported URL scheme {:?} (http or https expected)", url.scheme()),
                });
            }
            // `http:host` parses as `http://host/`; SFTPGo (Go's parser) sees no host there.
            let has_authority = value.get(url.scheme().len()..).is_some_and(|rest| rest.starts_with("://"));
            if !has_authority || url.host_str().is_none_or(str::is_empty) {
                return Err(HookError::InvalidHook { hook: kind, reason: "the URL has no host".to_owned() });
            }
            return Ok(Some(Self::Http(url)));
        }
        let path = Path::new(value);
        if !path.is_absolute() {
            return Err(HookError::InvalidHook {
                hook: kind,
                reason: format!("{value:?} is neither an absolute program path nor an http(s) URL"),
            });
        }
        Ok(Some(Self::Program(path.to_path_buf())))
    }
}

/// The two ways of running a hook, built once from `command` and `http` and shared by every
/// hook runner (cheap to clone).
#[derive(Debug, Clone)]
pub struct HookRunners {
    /// Runs hook programs.
    pub command: CommandRunner,
    /// Calls HTTP hooks.
    pub http: HttpRunner,
}

impl HookRunners {
    /// Builds both runners. `config_dir` resolves relative certificate paths of `http`.
    /// Fails when a CA or client certificate of `http` cannot be loaded.
    pub fn new(command: &CommandConfig, http: &HttpClientConfig, config_dir: &Path) -> Result<Self, HookError> {
        Ok(Self { command: CommandRunner::new(command), http: HttpRunner::new(http, config_dir)? })
    }
}

/// Appends `(key, value)` pairs to the query of `url` the way Go's `url.Values.Encode` does:
/// existing parameters are kept, and all of them are written sorted by key (a stable sort, so
/// repeated keys keep their order) with form encoding.
pub(crate) fn add_query(url: &url::Url, params: &[(&str, &str)]) -> url::Url {
    let mut pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    pairs.extend(params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = url.clone();
    if pairs.is_empty() {
        out.set_query(None);
    } else {
        out.query_pairs_mut().clear().extend_pairs(pairs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(HookTarget::parse(HookKind::Startup, "").unwrap(), None);
        assert_eq!(
            HookTarget::parse(HookKind::Startup, "/usr/bin/hook").unwrap(),
            Some(HookTarget::Program(PathBuf::from("/usr/bin/hook")))
        );
        assert!(matches!(
            HookTarget::parse(HookKind::Startup, "https://h.example/x?a=1").unwrap(),
            Some(HookTarget::Http(_))
        ));
        for bad in ["hook.sh", "./hook", "httpx://h/", "http:nohost", "ftp://h/"] {
            let err = HookTarget::parse(HookKind::PostConnect, bad);
            assert!(err.is_err(), "{bad} accepted");
        }
        let msg = HookTarget::parse(HookKind::PostConnect, "hook.sh").unwrap_err().to_string();
        assert!(msg.contains("post_connect"), "{msg}");
    }

    #[test]
    fn query_is_sorted_and_keeps_existing_parameters() {
        let url = url::Url::parse("http://h/p?zeta=1&a=x+y").unwrap();
        let out = add_query(&url, &[("username", "a b"), ("action", "add"), ("ip", "::1")]);
        assert_eq!(out.query(), Some("a=x+y&action=add&ip=%3A%3A1&username=a+b&zeta=1"));
        let bare = url::Url::parse("http://h/p").unwrap();
        assert_eq!(add_query(&bare, &[]).as_str(), "http://h/p");
    }

    #[test]
    fn kind_names_match_the_config_names() {
        let all = [
            HookKind::FsActions,
            HookKind::ProviderActions,
            HookKind::Startup,
            HookKind::PostConnect,
            HookKind::PostDisconnect,
            HookKind::CheckPassword,
            HookKind::PreLogin,
            HookKind::PostLogin,
            HookKind::ExternalAuth,
            HookKind::KeyboardInteractive,
        ];
        let names: Vec<&str> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, wharf_config::COMMAND_HOOKS);
    }
}
