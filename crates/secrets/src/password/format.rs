//! Recognising a stored hash by its prefix.

use std::fmt;

/// Every stored-hash format SFTPGo accepts, recognised by a fixed prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashFormat {
    /// bcrypt: `$2a$` (also `$2b$`/`$2y$` when verifying), cost, 22-char salt, 31-char hash.
    Bcrypt,
    /// argon2id PHC string: `$argon2id$v=19$m=…,t=…,p=…$<b64 salt>$<b64 hash>`.
    Argon2id,
    /// `$pbkdf2-sha1$<iterations>$<salt, used as raw text>$<std base64 key>`.
    Pbkdf2Sha1,
    /// `$pbkdf2-sha256$…`, same layout as [`HashFormat::Pbkdf2Sha1`].
    Pbkdf2Sha256,
    /// `$pbkdf2-sha512$…`, same layout as [`HashFormat::Pbkdf2Sha1`].
    Pbkdf2Sha512,
    /// `$pbkdf2-b64salt-sha256$…`: the salt is std base64 (used for 389-DS imports).
    Pbkdf2B64SaltSha256,
    /// Unix md5crypt: `$1$<salt>$<hash>`.
    Md5Crypt,
    /// Apache's md5crypt variant: `$apr1$<salt>$<hash>`.
    Apr1,
    /// Unix sha256crypt: `$5$[rounds=N$]<salt>$<hash>`.
    Sha256Crypt,
    /// Unix sha512crypt: `$6$[rounds=N$]<salt>$<hash>`.
    Sha512Crypt,
    /// yescrypt as written by libxcrypt: `$y$<params>$<salt>$<hash>`.
    Yescrypt,
    /// `{MD5}` followed by the hex MD5 digest of the password.
    Md5Digest,
    /// `{SHA256}` followed by the hex SHA-256 digest of the password.
    Sha256Digest,
    /// `{SHA512}` followed by the hex SHA-512 digest of the password.
    Sha512Digest,
}

impl HashFormat {
    /// All formats, in no particular order.
    pub const ALL: [HashFormat; 14] = [
        Self::Bcrypt,
        Self::Argon2id,
        Self::Pbkdf2Sha1,
        Self::Pbkdf2Sha256,
        Self::Pbkdf2Sha512,
        Self::Pbkdf2B64SaltSha256,
        Self::Md5Crypt,
        Self::Apr1,
        Self::Sha256Crypt,
        Self::Sha512Crypt,
        Self::Yescrypt,
        Self::Md5Digest,
        Self::Sha256Digest,
        Self::Sha512Digest,
    ];

    /// The prefix that marks this format (`$2a$` for bcrypt, the one SFTPGo recognises and emits).
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Bcrypt => "$2a$",
            Self::Argon2id => "$argon2id$",
            Self::Pbkdf2Sha1 => "$pbkdf2-sha1$",
            Self::Pbkdf2Sha256 => "$pbkdf2-sha256$",
            Self::Pbkdf2Sha512 => "$pbkdf2-sha512$",
            Self::Pbkdf2B64SaltSha256 => "$pbkdf2-b64salt-sha256$",
            Self::Md5Crypt => "$1$",
            Self::Apr1 => "$apr1$",
            Self::Sha256Crypt => "$5$",
            Self::Sha512Crypt => "$6$",
            Self::Yescrypt => "$y$",
            Self::Md5Digest => "{MD5}",
            Self::Sha256Digest => "{SHA256}",
            Self::Sha512Digest => "{SHA512}",
        }
    }

    /// A short human-readable name, used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bcrypt => "bcrypt",
            Self::Argon2id => "argon2id",
            Self::Pbkdf2Sha1 => "pbkdf2-sha1",
            Self::Pbkdf2Sha256 => "pbkdf2-sha256",
            Self::Pbkdf2Sha512 => "pbkdf2-sha512",
            Self::Pbkdf2B64SaltSha256 => "pbkdf2-b64salt-sha256",
            Self::Md5Crypt => "md5crypt",
            Self::Apr1 => "apr1",
            Self::Sha256Crypt => "sha256crypt",
            Self::Sha512Crypt => "sha512crypt",
            Self::Yescrypt => "yescrypt",
            Self::Md5Digest => "MD5 digest",
            Self::Sha256Digest => "SHA-256 digest",
            Self::Sha512Digest => "SHA-512 digest",
        }
    }

    /// The format of a stored hash, from its prefix; `None` when it is not a hash.
    ///
    /// Unlike [`super::is_hash`], this also recognises bcrypt's `$2b$` and `$2y$` prefixes.
    pub fn detect(stored: &str) -> Option<Self> {
        if stored.starts_with("$2b$") || stored.starts_with("$2y$") {
            return Some(Self::Bcrypt);
        }
        Self::ALL.into_iter().find(|f| stored.starts_with(f.prefix()))
    }
}

impl fmt::Display for HashFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_do_not_shadow_each_other() {
        for a in HashFormat::ALL {
            for b in HashFormat::ALL {
                if a != b {
                    assert!(!a.prefix().starts_with(b.prefix()), "{a} vs {b}");
                }
            }
            assert_eq!(HashFormat::detect(a.prefix()), Some(a));
        }
    }

    #[test]
    fn detects_bcrypt_variants() {
        assert_eq!(HashFormat::detect("$2b$10$x"), Some(HashFormat::Bcrypt));
        assert_eq!(HashFormat::detect("$2y$10$x"), Some(HashFormat::Bcrypt));
        assert_eq!(HashFormat::detect("$2x$10$x"), None);
        assert_eq!(HashFormat::detect("plain"), None);
    }
}
