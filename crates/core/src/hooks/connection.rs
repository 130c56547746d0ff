//! Hooks around connections and the server's start: `common.startup_hook`,
//! `common.post_connect_hook` and `common.post_disconnect_hook`.
//!
//! | hook | program environment | HTTP request | success |
//! |---|---|---|---|
//! | startup | only `command.env` | `GET <hook>` | exit 0 / HTTP 200 |
//! | post-connect | `SFTPGO_CONNECTION_IP`, `_PROTOCOL` | `GET <hook>?ip=&protocol=` | exit 0 / HTTP 200, else the connection is refused |
//! | post-disconnect | `SFTPGO_CONNECTION_IP`, `_PROTOCOL`, `_USERNAME`, `_DURATION` (ms) | `GET <hook>?connection_duration=&ip=&protocol=&username=` | notification only |
//!
//! All three HTTP requests are retried as configured in `http`. Each method runs the hook to its
//! end; a caller that must not wait (post-disconnect) spawns it.

use std::time::Duration;

use wharf_config::CommonConfig;

use super::{HookError, HookKind, HookRunners, HookTarget, HttpRequest, add_query};

/// The connection and startup hooks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ConnectionHooks {
    startup: String,
    post_connect: String,
    post_disconnect: String,
    runners: HookRunners,
}

impl ConnectionHooks {
    /// Reads the three hook settings of `common`.
    pub fn new(common: &CommonConfig, runners: HookRunners) -> Self {
        Self {
            startup: common.startup_hook.clone(),
            post_connect: common.post_connect_hook.clone(),
            post_disconnect: common.post_disconnect_hook.clone(),
            runners,
        }
    }

    /// Whether a post-connect hook is configured.
    pub fn has_post_connect(&self) -> bool {
        !self.post_connect.is_empty()
    }

    /// Whether a post-disconnect hook is configured.
    pub fn has_post_disconnect(&self) -> bool {
        !self.post_disconnect.is_empty()
    }

    async fn call(
        &self,
        kind: HookKind,
        setting: &str,
        vars: &[(String, String)],
        query: &[(&str, &str)],
    ) -> Result<(), HookError> {
        match HookTarget::parse(kind, setting)? {
            None => Ok(()),
            Some(HookTarget::Program(path)) => self.runners.command.run(kind, &path, vars).await.map(|_| ()),
            Some(HookTarget::Http(url)) => {
                let request = HttpRequest::get(kind, add_query(&url, query)).retryable(true);
                self.runners.http.send_expect(&request, &[200]).await.map(|_| ())
            }
        }
    }

    /// Runs the startup hook (nothing when unset). The caller logs a failure and goes on.
    pub async fn startup(&self) -> Result<(), HookError> {
        self.call(HookKind::Startup, &self.startup, &[], &[]).await
    }

    /// Asks the post-connect hook whether a new connection from `ip` over `protocol` (`SSH`,
    /// `FTP`, `DAV`, `HTTP`, ...) may go on. `Ok` accepts (also when no hook is set); an error
    /// means the connection must be refused.
    pub async fn post_connect(&self, ip: &str, protocol: &str) -> Result<(), HookError> {
        let vars = [
            ("SFTPGO_CONNECTION_IP".to_owned(), ip.to_owned()),
            ("SFTPGO_CONNECTION_PROTOCOL".to_owned(), protocol.to_owned()),
        ];
        self.call(HookKind::PostConnect, &self.post_connect, &vars, &[("ip", ip), ("protocol", protocol)]).await
    }

    /// Tells the post-disconnect hook that a session of `username` (empty if it never logged
    /// in) from `ip` over `protocol` ended after `duration`.
    pub async fn post_disconnect(
        &self,
        ip: &str,
        protocol: &str,
        username: &str,
        duration: Duration,
    ) -> Result<(), HookError> {
        let millis = duration.as_millis().to_string();
        let vars = [
            ("SFTPGO_CONNECTION_IP".to_owned(), ip.to_owned()),
            ("SFTPGO_CONNECTION_PROTOCOL".to_owned(), protocol.to_owned()),
            ("SFTPGO_CONNECTION_USERNAME".to_owned(), username.to_owned()),
            ("SFTPGO_CONNECTION_DURATION".to_owned(), millis.clone()),
        ];
        let query =
            [("ip", ip), ("protocol", protocol), ("username", username), ("connection_duration", millis.as_str())];
        self.call(HookKind::PostDisconnect, &self.post_disconnect, &vars, &query).await
    }
}
