//! A cache of recently verified passwords (SFTPGo's `password_caching`), so that a client logging in
//! again and again does not pay for a slow hash each time.
//!
//! Nothing reversible is kept: an entry is the stored hash it was verified against and a digest of the
//! password keyed with a random per-process key. An entry stops matching as soon as the stored hash
//! changes, so a password change needs no explicit invalidation.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Verified (account, stored hash, password) triples, bounded in size.
pub struct VerifiedCache {
    key: [u8; 32],
    max_entries: usize,
    entries: Mutex<HashMap<String, (String, [u8; 32])>>,
}

impl std::fmt::Debug for VerifiedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedCache").field("max_entries", &self.max_entries).finish_non_exhaustive()
    }
}

impl VerifiedCache {
    /// An empty cache holding at most `max_entries` accounts (it is cleared when full).
    pub fn new(max_entries: usize) -> Self {
        Self { key: rand::random(), max_entries: max_entries.max(1), entries: Mutex::new(HashMap::new()) }
    }

    fn digest(&self, stored: &str, plain: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update((stored.len() as u64).to_be_bytes());
        h.update(stored.as_bytes());
        h.update(plain.as_bytes());
        h.finalize().into()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, [u8; 32])>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when `plain` was verified against exactly `stored` for `account` before.
    pub fn check(&self, account: &str, stored: &str, plain: &str) -> bool {
        let d = self.digest(stored, plain);
        match self.lock().get(account) {
            Some((hash, digest)) => hash == stored && bool::from(digest.ct_eq(&d)),
            None => false,
        }
    }

    /// Records a successful verification.
    pub fn insert(&self, account: &str, stored: &str, plain: &str) {
        let d = self.digest(stored, plain);
        let mut entries = self.lock();
        if entries.len() >= self.max_entries && !entries.contains_key(account) {
            entries.clear();
        }
        entries.insert(account.to_owned(), (stored.to_owned(), d));
    }

    /// Forgets an account (e.g. after a failed attempt or a deletion).
    pub fn remove(&self, account: &str) {
        self.lock().remove(account);
    }

    /// Number of cached accounts.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_only_for_the_same_hash_and_password() {
        let c = VerifiedCache::new(10);
        assert!(!c.check("alice", "$2a$h1", "pw"));
        c.insert("alice", "$2a$h1", "pw");
        assert!(c.check("alice", "$2a$h1", "pw"));
        assert!(!c.check("alice", "$2a$h1", "other"), "wrong password");
        assert!(!c.check("alice", "$2a$h2", "pw"), "the stored hash changed");
        assert!(!c.check("bob", "$2a$h1", "pw"), "another account");
        c.remove("alice");
        assert!(!c.check("alice", "$2a$h1", "pw"));
    }

    #[test]
    fn stays_bounded() {
        let c = VerifiedCache::new(3);
        for i in 0..10 {
            c.insert(&format!("u{i}"), "h", "p");
            assert!(c.len() <= 3);
        }
        assert!(c.check("u9", "h", "p"));
    }

    #[test]
    fn keeps_no_password_text() {
        let c = VerifiedCache::new(3);
        c.insert("alice", "$2a$h1", "hunter2-secret");
        let debug = format!("{c:?}");
        assert!(!debug.contains("hunter2"));
        let entries = c.lock();
        let (_, digest) = entries.get("alice").unwrap();
        assert!(!digest.windows(7).any(|w| w == b"hunter2"));
    }
}
