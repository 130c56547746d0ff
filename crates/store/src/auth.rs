//! Password checks against stored hashes, with SFTPGo's transparent re-hashing: a password stored in
//! another format than the configured one is re-hashed after the first successful login.

use wharf_model::{Admin, User};
use wharf_secrets::password;

use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use crate::stored::Stored;

async fn verify_blocking(plain: &str, stored: &str) -> StoreResult<bool> {
    let (plain, stored) = (plain.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || password::verify(&plain, &stored))
        .await
        .map_err(|e| StoreError::Invalid(format!("password check failed: {e}")))?
        .map_err(|e| StoreError::Invalid(format!("the stored password hash cannot be used: {e}")))
}

impl Store {
    async fn check_password<T: Stored>(
        &self,
        key: &str,
        plain: &str,
        stored_hash: impl Fn(&T) -> &str,
        set_hash: impl Fn(&mut T, String) + Send + Sync,
    ) -> StoreResult<Option<T>> {
        let Some(obj) = self.find::<T>(key).await? else { return Ok(None) };
        let stored = stored_hash(&obj).to_owned();
        if stored.is_empty() || plain.is_empty() {
            return Ok(None);
        }
        let account = format!("{}/{key}", T::KIND.object_type());
        let cached = self.verified().is_some_and(|c| c.check(&account, &stored, plain));
        let ok = cached
            || match verify_blocking(plain, &stored).await {
                Ok(ok) => ok,
                Err(e) => {
                    tracing::warn!(kind = %T::KIND, name = key, error = %e, "unusable stored password hash");
                    false
                }
            };
        if !ok {
            if let Some(c) = self.verified() {
                c.remove(&account);
            }
            return Ok(None);
        }
        if let (Some(c), false) = (self.verified(), cached) {
            c.insert(&account, &stored, plain);
        }
        let algo = self.settings().hashing;
        if password::needs_rehash(&stored, &algo) {
            let plain = plain.to_owned();
            let fresh = tokio::task::spawn_blocking(move || password::hash(&plain, &algo))
                .await
                .map_err(|e| StoreError::Invalid(format!("password hashing failed: {e}")))?
                .map_err(|e| StoreError::Invalid(format!("password hashing failed: {e}")))?;
            // Only replace the hash we verified: a concurrent password change wins.
            let result = self
                .modify::<T>(key, |o| {
                    if stored_hash(o) != stored {
                        return false;
                    }
                    set_hash(o, fresh.clone());
                    true
                })
                .await;
            if let Some(c) = self.verified() {
                c.remove(&account);
            }
            match result {
                Ok(()) => {
                    tracing::info!(kind = %T::KIND, name = key, "password re-hashed with the configured algorithm")
                }
                Err(e) => tracing::warn!(kind = %T::KIND, name = key, error = %e, "password re-hash failed"),
            }
            return self.find::<T>(key).await;
        }
        Ok(Some(obj))
    }

    /// The user if `password` matches the stored hash, None otherwise (also for unknown users, users
    /// without a password, and unusable hashes, which are logged). Callers must not tell these cases
    /// apart to clients.
    pub async fn authenticate_user(&self, username: &str, password: &str) -> StoreResult<Option<User>> {
        self.check_password::<User>(username, password, |u| &u.password, |u, h| u.password = h).await
    }

    /// The admin if `password` matches, None otherwise (see [`Store::authenticate_user`]).
    pub async fn authenticate_admin(&self, username: &str, password: &str) -> StoreResult<Option<Admin>> {
        self.check_password::<Admin>(username, password, |a| &a.password, |a, h| a.password = h).await
    }

    /// Sets an admin's password and disables its two-factor authentication, creating the admin with
    /// every permission if it does not exist (`wharf resetpwd`).
    pub async fn reset_admin_password(&self, username: &str, password: &str) -> StoreResult<Admin> {
        match self.find::<Admin>(username).await? {
            Some(mut admin) => {
                admin.password = password.to_owned();
                admin.filters.totp_config = Default::default();
                admin.filters.recovery_codes.clear();
                self.update(admin).await
            }
            None => self.add(Self::new_super_admin(username, password)).await,
        }
    }

    /// An enabled admin with every permission.
    pub fn new_super_admin(username: &str, password: &str) -> Admin {
        Admin {
            status: 1,
            username: username.to_owned(),
            password: password.to_owned(),
            permissions: vec!["*".to_owned()],
            ..Admin::default()
        }
    }

    /// True when no admin exists.
    pub async fn has_no_admins(&self) -> StoreResult<bool> {
        let page = crate::backend::ListQuery { limit: Some(1), ..Default::default() };
        Ok(self.list::<Admin>(page).await?.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wharf_model::User;
    use wharf_secrets::kms::{Kms, KmsConfig};
    use wharf_secrets::password::HashAlgo;

    use crate::backend::memory::MemoryBackend;
    use crate::backend::{Backend, SCHEMA_VERSION};
    use crate::{Driver, Settings, Store};

    async fn store(caching: bool) -> Store {
        let backend = Arc::new(MemoryBackend::new());
        backend.migrate(SCHEMA_VERSION).await.unwrap();
        let settings =
            Settings { hashing: HashAlgo::Bcrypt { cost: 4 }, password_caching: caching, ..Settings::default() };
        Store::new(backend, Driver::Memory, Kms::new(KmsConfig::default()).unwrap(), settings)
    }

    fn user(name: &str, password: &str) -> User {
        let mut u = User { username: name.into(), password: password.into(), status: 1, ..User::default() };
        u.home_dir = format!("/srv/{name}");
        u.permissions.insert("/".into(), vec!["*".into()]);
        u
    }

    #[tokio::test]
    async fn verified_passwords_are_cached_until_the_hash_changes() {
        let s = store(true).await;
        s.add(user("alice", "first")).await.unwrap();
        let cache = s.verified().unwrap();
        assert!(s.authenticate_user("alice", "first").await.unwrap().is_some());
        assert_eq!(cache.len(), 1);
        assert!(s.authenticate_user("alice", "first").await.unwrap().is_some(), "a cache hit still succeeds");
        assert!(s.authenticate_user("alice", "wrong").await.unwrap().is_none());
        assert_eq!(cache.len(), 0, "a failed attempt drops the entry");
        assert!(s.authenticate_user("alice", "first").await.unwrap().is_some());
        // A new password: the old one must not get in through the cache.
        s.update(user("alice", "second")).await.unwrap();
        assert!(s.authenticate_user("alice", "first").await.unwrap().is_none());
        assert!(s.authenticate_user("alice", "second").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn caching_can_be_disabled() {
        let s = store(false).await;
        s.add(user("bob", "pw")).await.unwrap();
        assert!(s.verified().is_none());
        assert!(s.authenticate_user("bob", "pw").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn rehash_replaces_the_cached_entry() {
        let s = store(true).await;
        let md5 = "{MD5}5f4dcc3b5aa765d61d8327deb882cf99";
        s.add(user("carol", md5)).await.unwrap();
        let u = s.authenticate_user("carol", "password").await.unwrap().unwrap();
        assert!(u.password.starts_with("$2a$"), "{}", u.password);
        assert!(s.authenticate_user("carol", "password").await.unwrap().is_some());
        assert!(s.authenticate_user("carol", "passwore").await.unwrap().is_none());
    }
}
