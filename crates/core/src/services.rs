//! Everything a protocol front needs from the core, built once from the configuration: the data
//! provider, the authenticator, the connection registry, the session environment and the hooks.
//! `wharf serve` builds one [`Core`] and hands it to every front.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use wharf_config::Config;
use wharf_secrets::totp::TotpAlgo;
use wharf_store::Store;

use crate::auth::{AuthSettings, Authenticator, CertAuthorities, LoginGuard};
use crate::hooks::{ActionRunner, ConnectionHooks, HookError, HookKind, HookRunners, HookTarget, ProviderActionRunner};
use crate::registry::{Limits, Registry};
use crate::session::{FsHooks, SessionEnv, SessionSettings, StandardBackends};

/// A configuration the core cannot run with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A hook setting is neither an absolute program path nor an http(s) URL, or its TLS
    /// material cannot be loaded.
    #[error("{key}: {source}")]
    Hook {
        /// The configuration key.
        key: &'static str,
        /// What is wrong.
        source: HookError,
    },
    /// Another setting is unusable.
    #[error("{key}: {reason}")]
    Setting {
        /// The configuration key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The shared core of a running server. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Core {
    /// The data provider.
    pub store: Store,
    /// Decides logins.
    pub auth: Authenticator,
    /// Every connection, session and transfer.
    pub registry: Registry,
    /// What sessions share: policy settings, storage factory, filesystem hooks.
    pub sessions: Arc<SessionEnv>,
    /// `common.actions`.
    pub actions: ActionRunner,
    /// `data_provider.actions`.
    pub provider_actions: ProviderActionRunner,
    /// Startup, post-connect and post-disconnect hooks.
    pub connection_hooks: ConnectionHooks,
    /// How hook programs and HTTP hooks are run (`command`, `http`), for the fronts' own hooks.
    pub runners: HookRunners,
}

impl Core {
    /// Checks the settings the core reads without touching anything (hook targets, umask), so that
    /// a bad one stops the server at start, before the data provider is opened, instead of failing
    /// every operation later.
    pub fn check_config(config: &Config) -> Result<(), CoreError> {
        let checks: [(&'static str, HookKind, &str); 6] = [
            ("common.actions.hook", HookKind::FsActions, &config.common.actions.hook),
            ("data_provider.actions.hook", HookKind::ProviderActions, &config.data_provider.actions.hook),
            ("common.startup_hook", HookKind::Startup, &config.common.startup_hook),
            ("common.post_connect_hook", HookKind::PostConnect, &config.common.post_connect_hook),
            ("common.post_disconnect_hook", HookKind::PostDisconnect, &config.common.post_disconnect_hook),
            (
                "sftpd.keyboard_interactive_auth_hook",
                HookKind::KeyboardInteractive,
                &config.sftpd.keyboard_interactive_auth_hook,
            ),
        ];
        for (key, kind, value) in checks {
            HookTarget::parse(kind, value).map_err(|source| CoreError::Hook { key, source })?;
        }
        StandardBackends::new(&config.common.umask)
            .map_err(|reason| CoreError::Setting { key: "common.umask", reason })?;
        Ok(())
    }

    /// Builds the core from the configuration (checked with [`Core::check_config`] first).
    pub fn from_config(
        config: &Config,
        config_dir: &Path,
        store: Store,
        guard: Arc<dyn LoginGuard>,
    ) -> Result<Self, CoreError> {
        Self::check_config(config)?;
        let runners = HookRunners::new(&config.command, &config.http, config_dir)
            .map_err(|source| CoreError::Hook { key: "http", source })?;
        let actions = ActionRunner::new(&config.common.actions, runners.clone());
        let fs_hooks: Option<Arc<dyn FsHooks>> =
            if config.common.actions.hook.is_empty() { None } else { Some(Arc::new(actions.clone())) };
        let backends = StandardBackends::new(&config.common.umask)
            .map_err(|reason| CoreError::Setting { key: "common.umask", reason })?;
        let sessions = Arc::new(SessionEnv {
            store: store.clone(),
            settings: SessionSettings::from_config(config),
            backends: Arc::new(backends),
            hooks: fs_hooks,
        });
        let auth_settings = AuthSettings {
            tz_local: config.common.tz == "local",
            cert_authorities: load_cert_authorities(&config.sftpd, config_dir)?,
            totp_algos: config
                .mfa
                .totp
                .iter()
                .map(|t| (t.name.clone(), TotpAlgo::parse(&t.algo).unwrap_or_default()))
                .collect(),
        };
        Ok(Self {
            auth: Authenticator::new(store.clone(), guard, auth_settings),
            registry: Registry::new(Limits::from_config(&config.common)),
            sessions,
            provider_actions: ProviderActionRunner::new(&config.data_provider.actions, runners.clone()),
            connection_hooks: ConnectionHooks::new(&config.common, runners.clone()),
            runners,
            actions,
            store,
        })
    }

    /// Waits at most `timeout` for background hooks still running (at shutdown). True when none
    /// is left.
    pub async fn drain_hooks(&self, timeout: Duration) -> bool {
        let fs = self.actions.drain(timeout).await;
        let provider = self.provider_actions.drain(timeout).await;
        fs && provider
    }
}

/// Reads `sftpd.trusted_user_ca_keys` (files holding one OpenSSH public key each, paths relative
/// to the config dir) and `sftpd.revoked_user_certs_file` (a JSON array of `SHA256:…`
/// fingerprints of revoked certificates).
pub fn load_cert_authorities(
    sftpd: &wharf_config::SftpdConfig,
    config_dir: &Path,
) -> Result<CertAuthorities, CoreError> {
    let mut cas = Vec::with_capacity(sftpd.trusted_user_ca_keys.len());
    for (i, value) in sftpd.trusted_user_ca_keys.iter().enumerate() {
        let bad = |reason: String| CoreError::Setting {
            key: "sftpd.trusted_user_ca_keys",
            reason: format!("[{i}] {reason}"),
        };
        let path = wharf_config::resolve_path(config_dir, value)
            .ok_or_else(|| bad(format!("{value:?} is not a usable path")))?;
        let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        let key =
            wharf_model::validate::parse_authorized_key(&text).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        cas.push(key);
    }
    let mut revoked = Vec::new();
    if !sftpd.revoked_user_certs_file.is_empty() {
        let bad = |reason: String| CoreError::Setting { key: "sftpd.revoked_user_certs_file", reason };
        let value = &sftpd.revoked_user_certs_file;
        let path = wharf_config::resolve_path(config_dir, value)
            .ok_or_else(|| bad(format!("{value:?} is not a usable path")))?;
        let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        revoked = serde_json::from_str::<Vec<String>>(&text)
            .map_err(|e| bad(format!("{}: a JSON array of fingerprints is expected: {e}", path.display())))?;
    }
    Ok(CertAuthorities::new(cas, revoked))
}
