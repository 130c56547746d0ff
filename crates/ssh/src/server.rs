//! The SSH listeners of `sftpd.bindings`: accept, register with the core's registry, run the
//! post-connect hook, hand the socket to russh with a [`ConnectionHandler`], and close the
//! connection when the registry asks (admin request, idle timeout, login timeout, shutdown).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::server::Config as RusshConfig;
use russh::{Disconnect, SshId};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use wharf_core::registry::{ConnInfo, Connection, Protocol};
use wharf_core::services::Core;

use crate::handler::ConnectionHandler;
use crate::{SshError, algorithms, hostkeys};

/// How long a connection may take to log in (SFTPGo's handshake and login limit).
pub const LOGIN_GRACE: Duration = Duration::from_secs(120);
/// Channel window: large, so one stream is not limited by round trips.
pub(crate) const WINDOW_SIZE: u32 = 16 * 1024 * 1024;
/// Largest channel data packet we accept.
const MAX_PACKET: u32 = 64 * 1024;

/// Server-wide settings the connection handlers read.
#[derive(Debug, Clone)]
pub struct SshSettings {
    /// `sftpd.password_authentication`.
    pub password_auth: bool,
    /// `sftpd.keyboard_interactive_authentication`.
    pub keyboard_interactive: bool,
    /// `sftpd.login_banner_file`, read at start.
    pub banner: Option<String>,
    /// Client public key algorithms accepted.
    pub public_key_algorithms: Vec<String>,
    /// SFTP engine options.
    pub sftp: wharf_sftp::ServeOptions,
    /// `sftpd.keyboard_interactive_auth_hook`, when set.
    pub kbd_hook: Option<wharf_core::hooks::HookTarget>,
}

/// The version string: `SSH-2.0-Wharf_<version>`.
pub fn server_id() -> String {
    format!("SSH-2.0-Wharf_{}", env!("CARGO_PKG_VERSION"))
}

/// Bound SSH listeners, ready to run.
#[derive(Debug)]
pub struct SshServer {
    core: Arc<Core>,
    config: Arc<RusshConfig>,
    settings: Arc<SshSettings>,
    listeners: Vec<TcpListener>,
}

impl SshServer {
    /// Reads host keys (generating the defaults when needed), checks the algorithm lists and the
    /// banner, and binds every enabled binding. Nothing is bound when a setting is wrong.
    pub async fn bind(core: Arc<Core>, config: &wharf_config::Config, config_dir: &Path) -> Result<Self, SshError> {
        let cfg = &config.sftpd;
        if !cfg.host_certificates.is_empty() {
            tracing::warn!("sftpd.host_certificates is not supported yet: clients see the plain host keys");
        }
        if !cfg.opkssh_path.is_empty() {
            tracing::warn!("sftpd.opkssh_path is not supported: OpenPubkey logins are refused");
        }
        let preferred = algorithms::preferred(cfg)?;
        let public_key_algorithms = algorithms::public_key_algorithms(cfg)?;
        let banner = if cfg.login_banner_file.is_empty() {
            None
        } else {
            let path =
                wharf_config::resolve_path(config_dir, &cfg.login_banner_file).ok_or_else(|| SshError::Config {
                    key: "sftpd.login_banner_file".into(),
                    reason: format!("{:?} is not a usable path", cfg.login_banner_file),
                })?;
            Some(std::fs::read_to_string(&path).map_err(|e| SshError::Config {
                key: "sftpd.login_banner_file".into(),
                reason: format!("{}: {e}", path.display()),
            })?)
        };
        let keys = {
            let (host_keys, dir) = (cfg.host_keys.clone(), config_dir.to_path_buf());
            tokio::task::spawn_blocking(move || hostkeys::load_host_keys(&host_keys, &dir))
                .await
                .map_err(|e| SshError::HostKey { path: config_dir.to_path_buf(), reason: e.to_string() })??
        };
        let max_auth_attempts = match cfg.max_auth_tries {
            0 => 6,
            n if n < 0 => usize::MAX,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let russh_config = RusshConfig {
            server_id: SshId::Standard(server_id().into()),
            auth_rejection_time: Duration::from_millis(500),
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys,
            window_size: WINDOW_SIZE,
            maximum_packet_size: MAX_PACKET,
            preferred,
            max_auth_attempts,
            // Idle connections are closed by the registry (common.idle_timeout), not by russh.
            inactivity_timeout: None,
            keepalive_interval: Some(Duration::from_secs(60)),
            keepalive_max: 3,
            nodelay: true,
            ..RusshConfig::default()
        };
        let settings = SshSettings {
            password_auth: cfg.password_authentication,
            keyboard_interactive: cfg.keyboard_interactive_authentication,
            banner,
            public_key_algorithms,
            sftp: wharf_sftp::ServeOptions::default(),
            kbd_hook: wharf_core::hooks::HookTarget::parse(
                wharf_core::hooks::HookKind::KeyboardInteractive,
                &cfg.keyboard_interactive_auth_hook,
            )
            .map_err(|e| SshError::Config {
                key: "sftpd.keyboard_interactive_auth_hook".into(),
                reason: e.to_string(),
            })?,
        };
        let mut listeners = Vec::new();
        for (i, b) in cfg.bindings.iter().enumerate() {
            if b.port == 0 {
                continue;
            }
            let host = if b.address.is_empty() { "0.0.0.0" } else { b.address.as_str() };
            let listener = TcpListener::bind((host, b.port)).await.map_err(|e| SshError::Bind {
                key: format!("sftpd.bindings[{i}]"),
                address: format!("{host}:{}", b.port),
                source: e,
            })?;
            listeners.push(listener);
        }
        Ok(Self { core, config: Arc::new(russh_config), settings: Arc::new(settings), listeners })
    }

    /// Like [`SshServer::bind`], but serves `listener` instead of the configured bindings (tests
    /// and modes that pick a free port).
    pub async fn with_listener(
        core: Arc<Core>,
        config: &wharf_config::Config,
        config_dir: &Path,
        listener: TcpListener,
    ) -> Result<Self, SshError> {
        let mut config = config.clone();
        config.sftpd.bindings.clear();
        let mut server = Self::bind(core, &config, config_dir).await?;
        server.listeners.push(listener);
        Ok(server)
    }

    /// The addresses actually bound (port 0 in a binding is "disabled", so these are the
    /// configured ports; useful when the address was a host name).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    /// Accepts connections until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let mut tasks = tokio::task::JoinSet::new();
        for listener in self.listeners {
            let (core, config, settings, shutdown) =
                (self.core.clone(), self.config.clone(), self.settings.clone(), shutdown.clone());
            tasks.spawn(accept_loop(listener, core, config, settings, shutdown));
        }
        while tasks.join_next().await.is_some() {}
    }
}

async fn accept_loop(
    listener: TcpListener,
    core: Arc<Core>,
    config: Arc<RusshConfig>,
    settings: Arc<SshSettings>,
    mut shutdown: watch::Receiver<bool>,
) {
    let local = listener.local_addr().ok();
    if let Some(addr) = local {
        tracing::info!(address = %addr, "SSH service listening");
    }
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let conn = match core.registry.try_add(ConnInfo { protocol: Protocol::Ssh, remote: peer, local }) {
            Ok(c) => c,
            Err(e) => {
                tracing::info!(ip = %peer.ip(), error = %e, "connection refused");
                continue;
            }
        };
        let (core, config, settings) = (core.clone(), config.clone(), settings.clone());
        tokio::spawn(async move { serve_connection(stream, peer, conn, core, config, settings).await });
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    conn: Connection,
    core: Arc<Core>,
    config: Arc<RusshConfig>,
    settings: Arc<SshSettings>,
) {
    let started = Instant::now();
    if core.connection_hooks.has_post_connect()
        && let Err(e) = Box::pin(core.connection_hooks.post_connect(&peer.ip().to_string(), "SSH")).await
    {
        tracing::info!(ip = %peer.ip(), error = %e, "connection refused by the post-connect hook");
        return;
    }
    let _ = stream.set_nodelay(true);
    let handler = ConnectionHandler::new(core.clone(), settings, conn.clone(), peer);
    let closed = conn.closed();
    let running = match Box::pin(russh::server::run_stream(config, stream, handler)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(ip = %peer.ip(), error = %e, "SSH handshake failed");
            return;
        }
    };
    let handle = running.handle();
    tokio::pin!(running);
    let result = tokio::select! {
        r = &mut running => r,
        reason = closed => {
            tracing::info!(connection = conn.id(), %reason, "closing the SSH connection");
            let _ = handle.disconnect(Disconnect::ByApplication, reason.to_string(), "en".into()).await;
            match tokio::time::timeout(Duration::from_secs(5), &mut running).await {
                Ok(r) => r,
                Err(_) => Ok(()),
            }
        }
    };
    if let Err(e) = result {
        tracing::debug!(connection = conn.id(), error = %e, "SSH connection ended with an error");
    }
    let username = conn.username().unwrap_or_default();
    tracing::info!(connection = conn.id(), ip = %peer.ip(), username = %username, "SSH connection closed");
    if core.connection_hooks.has_post_disconnect() {
        let elapsed = started.elapsed();
        if let Err(e) = Box::pin(core.connection_hooks.post_disconnect(
            &peer.ip().to_string(),
            conn.protocol().as_str(),
            &username,
            elapsed,
        ))
        .await
        {
            tracing::warn!(error = %e, "post-disconnect hook failed");
        }
    }
}
