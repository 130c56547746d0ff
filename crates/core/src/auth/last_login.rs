//! `last_login` bookkeeping. SFTPGo writes it at most every 10 minutes (or every
//! `external_auth_cache_time` seconds when set), and always when the user was changed since the
//! last recorded login.
//!
//! The store's `update` keeps server-managed timestamps as stored (and stamps `updated_at`), so it
//! cannot record a login. Until the store offers a primitive for it, the document is changed here
//! through the engine's optimistic concurrency: read the record and its revision, set `last_login`
//! in the stored JSON (nothing else changes, references included), write it back at that revision,
//! and start over when a concurrent change won.

use std::time::Duration;

use wharf_model::{Kind, Object, User};
use wharf_store::backend::{BackendError, Ref, Write};
use wharf_store::{Store, StoreError};

/// SFTPGo's minimum delay between two `last_login` writes.
pub const LAST_LOGIN_MIN_DELAY: Duration = Duration::from_secs(10 * 60);

/// Attempts before giving up when concurrent writers keep winning.
const MAX_RETRIES: usize = 8;

/// How far in the future a recorded login may be (clock skew between nodes) and still count as
/// recent.
const FUTURE_TOLERANCE_MS: i64 = 10_000;

/// True if a login at `now_ms` must be written, given the stored `last_login` and `updated_at`.
pub fn needs_update(user: &User, now_ms: i64) -> bool {
    let delay = if user.filters.external_auth_cache_time > 0 {
        user.filters.external_auth_cache_time.saturating_mul(1000)
    } else {
        i64::try_from(LAST_LOGIN_MIN_DELAY.as_millis()).unwrap_or(i64::MAX)
    };
    let age = now_ms.saturating_sub(user.last_login);
    let recent = age >= -FUTURE_TOLERANCE_MS && age < delay;
    user.last_login <= user.updated_at || !recent
}

/// Sets `last_login` to `now_ms` unless a recent enough login is already recorded; true if written.
pub(crate) async fn touch(store: &Store, username: &str, now_ms: i64) -> Result<bool, StoreError> {
    let backend = store.backend();
    let kind = Kind::User.object_type();
    for _ in 0..MAX_RETRIES {
        let Some(record) = backend.get(kind, username).await? else {
            return Err(StoreError::NotFound { kind: Kind::User, name: username.to_owned() });
        };
        let unreadable =
            |e: serde_json::Error| StoreError::Invalid(format!("stored user {username:?} is unreadable: {e}"));
        let mut doc: serde_json::Value = serde_json::from_str(&record.data).map_err(unreadable)?;
        let user: User = serde_json::from_value(doc.clone()).map_err(unreadable)?;
        if !needs_update(&user, now_ms) {
            return Ok(false);
        }
        let Some(fields) = doc.as_object_mut() else {
            return Err(StoreError::Invalid(format!("stored user {username:?} is not a JSON object")));
        };
        fields.insert("last_login".to_owned(), now_ms.into());
        let refs = user.references().into_iter().map(|(k, n)| Ref::new(k.object_type(), n)).collect();
        let write = Write::Update {
            kind: kind.to_owned(),
            name: username.to_owned(),
            revision: record.revision,
            data: doc.to_string(),
            refs,
        };
        match backend.write(vec![write]).await {
            Ok(_) => return Ok(true),
            Err(BackendError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Busy { kind: Kind::User, name: username.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ten_minute_rule() {
        let min = 60_000;
        let now = 1_000_000_000;
        let user = |last_login, updated_at| User { last_login, updated_at, ..User::default() };
        assert!(needs_update(&user(0, 0), now), "never logged in");
        assert!(!needs_update(&user(now - 9 * min, 1), now), "9 minutes ago");
        assert!(needs_update(&user(now - 10 * min, 1), now), "10 minutes ago");
        assert!(needs_update(&user(now - min, now - 30_000), now), "changed since the last login");
        assert!(!needs_update(&user(now + 5_000, 1), now), "a little in the future is recent");
        assert!(needs_update(&user(now + 20_000, 1), now), "far in the future is not");
        let mut cached = user(now - 20 * min, 1);
        cached.filters.external_auth_cache_time = 3600;
        assert!(!needs_update(&cached, now), "the external auth cache time replaces the delay");
    }
}
