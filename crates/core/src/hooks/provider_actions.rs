//! Provider actions (`data_provider.actions`): a hook told when an object is added, updated or
//! deleted through the API or a data load.
//!
//! Always asynchronous (at most [`MAX_ASYNC`] at a time, the rest wait their turn); failures are
//! only logged. A program hook receives the `SFTPGO_PROVIDER_*` variables of
//! [`ProviderEvent::env_vars`]; an HTTP hook receives `POST <hook>?action=…&ip=…&object_name=…
//! &object_type=…[&role=…]&timestamp=…&username=…` with the object's JSON as body. The object is
//! always sent with its confidential fields removed ([`ProviderEvent::redacted_json`]).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use wharf_config::ProviderActions;
use wharf_model::Output;

use super::pool::AsyncPool;
use super::{HookError, HookKind, HookRunners, HookTarget, HttpRequest, add_query};

/// Background provider hooks running at once, at most.
pub const MAX_ASYNC: usize = 100;

/// What happened to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderAction {
    /// Created.
    Add,
    /// Modified.
    Update,
    /// Removed.
    Delete,
}

impl ProviderAction {
    /// The name used in `execute_on`, the environment and the query.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// One provider event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// What happened.
    pub action: ProviderAction,
    /// `user`, `folder`, `group`, `admin`, `api_key`, `share`, `event_action`, `event_rule`,
    /// `role`, `ip_list_entry` or `configs`.
    pub object_type: String,
    /// The object's name (or id).
    pub object_name: String,
    /// Who made the change: an admin, `__self__` for a user's own change, `__system__` for
    /// internal changes such as a data load.
    pub username: String,
    /// Client IP address of the change.
    pub ip: String,
    /// The role of the admin who made the change.
    pub role: String,
    /// When it happened, in nanoseconds since the Unix epoch.
    pub timestamp: i64,
    /// The object's JSON with confidential fields removed (for a deletion, the last known state).
    pub object: Bytes,
}

impl ProviderEvent {
    /// Serialises `object` after removing what must not leave the server (passwords, secrets,
    /// key hashes), as API responses do.
    pub fn redacted_json<T: Output + Serialize + Clone>(object: &T) -> Result<Bytes, serde_json::Error> {
        let mut copy = object.clone();
        copy.redact();
        serde_json::to_vec(&copy).map(Bytes::from)
    }

    /// The variables a program hook receives (all of them always set; the timestamp in
    /// milliseconds, as SFTPGo's code does).
    pub fn env_vars(&self) -> Vec<(String, String)> {
        [
            ("SFTPGO_PROVIDER_ACTION", self.action.as_str().to_owned()),
            ("SFTPGO_PROVIDER_OBJECT_TYPE", self.object_type.clone()),
            ("SFTPGO_PROVIDER_OBJECT_NAME", self.object_name.clone()),
            ("SFTPGO_PROVIDER_USERNAME", self.username.clone()),
            ("SFTPGO_PROVIDER_IP", self.ip.clone()),
            ("SFTPGO_PROVIDER_ROLE", self.role.clone()),
            ("SFTPGO_PROVIDER_TIMESTAMP", (self.timestamp / 1_000_000).to_string()),
            ("SFTPGO_PROVIDER_OBJECT", String::from_utf8_lossy(&self.object).into_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The URL of the HTTP hook for this event: `hook` with the event in its query string
    /// (`role` only when set; the timestamp in nanoseconds).
    pub fn url(&self, hook: &url::Url) -> url::Url {
        let timestamp = self.timestamp.to_string();
        let mut params = vec![
            ("action", self.action.as_str()),
            ("username", self.username.as_str()),
            ("ip", self.ip.as_str()),
            ("object_type", self.object_type.as_str()),
            ("object_name", self.object_name.as_str()),
            ("timestamp", timestamp.as_str()),
        ];
        if !self.role.is_empty() {
            params.push(("role", self.role.as_str()));
        }
        add_query(hook, &params)
    }
}

#[derive(Debug)]
struct Inner {
    execute_on: HashSet<String>,
    execute_for: HashSet<String>,
    hook: String,
    runners: HookRunners,
}

/// Fires `data_provider.actions` hooks. Cheap to clone; clones share the background queue.
#[derive(Debug, Clone)]
pub struct ProviderActionRunner {
    inner: Arc<Inner>,
    pool: AsyncPool,
}

impl ProviderActionRunner {
    /// A runner for `actions`, running hooks with `runners`.
    pub fn new(actions: &ProviderActions, runners: HookRunners) -> Self {
        Self {
            inner: Arc::new(Inner {
                execute_on: actions.execute_on.iter().cloned().collect(),
                execute_for: actions.execute_for.iter().cloned().collect(),
                hook: actions.hook.clone(),
                runners,
            }),
            pool: AsyncPool::new(MAX_ASYNC),
        }
    }

    /// Sets how many hooks may run at once (default [`MAX_ASYNC`]); call before the first run.
    #[must_use]
    pub fn with_max_async(mut self, max: usize) -> Self {
        self.pool = AsyncPool::new(max);
        self
    }

    /// Whether a hook is configured, `action` is in `execute_on` and `object_type` in `execute_for`.
    pub fn wants(&self, action: ProviderAction, object_type: &str) -> bool {
        !self.inner.hook.is_empty()
            && self.inner.execute_on.contains(action.as_str())
            && self.inner.execute_for.contains(object_type)
    }

    /// Queues the hook for `event` if [`wants`](Self::wants) it; returns at once.
    pub async fn run(&self, event: ProviderEvent) {
        if !self.wants(event.action, &event.object_type) {
            return;
        }
        let inner = Arc::clone(&self.inner);
        self.pool
            .submit(async move {
                if let Err(e) = execute(&inner, &event).await {
                    tracing::warn!(action = event.action.as_str(), object_type = %event.object_type, object = %event.object_name, error = %e, "provider hook failed");
                }
            })
            .await;
    }

    /// Waits at most `timeout` for the hooks already queued. True when none is left.
    pub async fn drain(&self, timeout: Duration) -> bool {
        self.pool.drain(timeout).await
    }

    /// Hooks queued and not finished.
    pub fn pending(&self) -> usize {
        self.pool.pending()
    }
}

async fn execute(inner: &Inner, event: &ProviderEvent) -> Result<(), HookError> {
    let kind = HookKind::ProviderActions;
    match HookTarget::parse(kind, &inner.hook)? {
        None => Ok(()),
        Some(HookTarget::Program(path)) => inner.runners.command.run(kind, &path, &event.env_vars()).await.map(|_| ()),
        Some(HookTarget::Http(url)) => {
            // SFTPGo ignores the answer of this hook; only transport failures are reported.
            let request = HttpRequest::post_json(kind, event.url(&url), event.object.clone()).retryable(true);
            inner.runners.http.send(&request).await.map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> ProviderEvent {
        ProviderEvent {
            action: ProviderAction::Update,
            object_type: "user".into(),
            object_name: "bob".into(),
            username: "admin".into(),
            ip: "10.0.0.1".into(),
            role: String::new(),
            timestamp: 1_700_000_000_123_456_789,
            object: Bytes::from_static(b"{}"),
        }
    }

    #[test]
    fn query_without_and_with_role() {
        let hook = url::Url::parse("http://h/p").unwrap();
        let mut ev = event();
        assert_eq!(
            ev.url(&hook).query(),
            Some(
                "action=update&ip=10.0.0.1&object_name=bob&object_type=user&timestamp=1700000000123456789&username=admin"
            )
        );
        ev.role = "r 1".into();
        assert!(ev.url(&hook).query().unwrap().contains("&role=r+1&"));
    }

    #[test]
    fn environment_has_the_timestamp_in_milliseconds() {
        let env = event().env_vars();
        let ts = env.iter().find(|(k, _)| k == "SFTPGO_PROVIDER_TIMESTAMP").unwrap();
        assert_eq!(ts.1, "1700000000123");
        assert_eq!(env.len(), 8);
    }

    #[test]
    fn redacted_json_removes_the_password() {
        let user: wharf_model::User = serde_json::from_str(
            r#"{"username":"bob","password":"$2a$10$abcdefghijklmnopqrstuv","status":1,"home_dir":"/h"}"#,
        )
        .unwrap();
        let json = ProviderEvent::redacted_json(&user).unwrap();
        let text = std::str::from_utf8(&json).unwrap();
        assert!(!text.contains("$2a$10$"), "{text}");
        assert!(text.contains("\"username\":\"bob\""), "{text}");
    }
}
