//! Which password values SFTPGo treats as already hashed (stored verbatim) rather than as plain
//! text to hash.

/// Prefixes recognised as hashes for user (and share) passwords.
pub const USER_HASH_PREFIXES: [&str; 14] = [
    "$argon2id$",
    "$2a$",
    "$pbkdf2-sha1$",
    "$pbkdf2-sha256$",
    "$pbkdf2-sha512$",
    "$pbkdf2-b64salt-sha256$",
    "$1$",
    "$apr1$",
    "{MD5}",
    "{SHA256}",
    "{SHA512}",
    "$5$",
    "$6$",
    "$y$",
];

/// Prefixes recognised as hashes for admin passwords and API keys: bcrypt and argon2id only.
pub const INTERNAL_HASH_PREFIXES: [&str; 2] = ["$argon2id$", "$2a$"];

/// True if a user password is stored as a hash SFTPGo knows (any supported scheme). Note that
/// only `$2a$` counts as bcrypt: `$2b$`/`$2y$` values are treated as plain text.
pub fn is_user_password_hash(value: &str) -> bool {
    USER_HASH_PREFIXES.iter().any(|p| value.starts_with(p))
}

/// True if an admin password, API key or share password is a bcrypt (`$2a$`) or argon2id hash.
pub fn is_internal_hash(value: &str) -> bool {
    INTERNAL_HASH_PREFIXES.iter().any(|p| value.starts_with(p))
}

impl crate::User {
    /// True if `password` is already a hash (stored verbatim); false for plain text that the
    /// store must hash, and for an empty password.
    pub fn has_password_hash(&self) -> bool {
        is_user_password_hash(&self.password)
    }
}

impl crate::Admin {
    /// True if `password` is a bcrypt `$2a$` or argon2id hash; anything else is plain text.
    pub fn has_password_hash(&self) -> bool {
        is_internal_hash(&self.password)
    }
}

impl crate::ApiKey {
    /// True if `key` is already hashed (bcrypt `$2a$` or argon2id).
    pub fn has_key_hash(&self) -> bool {
        is_internal_hash(&self.key)
    }
}

impl crate::Share {
    /// True if `password` is already a hash. SFTPGo hashes any value that is not bcrypt or
    /// argon2id, so this uses the admin rules.
    pub fn has_password_hash(&self) -> bool {
        is_internal_hash(&self.password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_prefixes() {
        for h in [
            "$argon2id$v=19$m=65536,t=3,p=2$xx$yy",
            "$2a$10$abc",
            "$pbkdf2-sha1$150000$salt$dk",
            "$pbkdf2-sha256$1$s$d",
            "$pbkdf2-sha512$1$s$d",
            "$pbkdf2-b64salt-sha256$1$s$d",
            "$1$b5caebda$VODr",
            "$apr1$OBWLeSme$Wo",
            "$5$h4Aalt0fJdGX8sgv$Rd",
            "$6$459ead56b72e44bc$uog",
            "$y$j9T$salt$hash",
            "{MD5}5f4dcc3b5aa765d61d8327deb882cf99",
            "{SHA256}5e88",
            "{SHA512}b109",
        ] {
            assert!(is_user_password_hash(h), "{h}");
        }
        for plain in ["password", "$2b$10$abc", "$2y$10$abc", "{md5}abc", ""] {
            assert!(!is_user_password_hash(plain), "{plain}");
        }
    }

    #[test]
    fn admin_prefixes() {
        assert!(is_internal_hash("$2a$10$x"));
        assert!(is_internal_hash("$argon2id$v=19$x"));
        assert!(!is_internal_hash("$6$salt$hash"));
        assert!(!is_internal_hash("$pbkdf2-sha256$1$s$d"));
        let admin = crate::Admin { password: "$1$abc".into(), ..Default::default() };
        assert!(!admin.has_password_hash());
        let user = crate::User { password: "$1$abc".into(), ..Default::default() };
        assert!(user.has_password_hash());
    }
}
