//! Password hashes as SFTPGo stores them.
//!
//! A stored password is always a hash; its format is recognised by its prefix (see
//! [`HashFormat`]). Users may carry any of the supported formats (they are typically imported
//! from other systems); admins and API keys only bcrypt or argon2id. New hashes are produced with
//! the configured [`HashAlgo`], and [`needs_rehash`] tells when a stored hash should be replaced
//! after a successful login.
//!
//! Every verifier bounds the work a stored hash can ask for (iterations, memory, cost), so a
//! hostile or corrupt hash cannot stall the server, and compares derived values in constant time.

mod argon2id;
mod bcrypt_hash;
mod cache;
mod crypt_b64;
mod digest;
mod error;
mod format;
mod md5crypt;
mod pbkdf2;
mod shacrypt;
mod yescrypt;

pub use cache::VerifiedCache;
pub use error::PasswordError;
pub use format::HashFormat;

/// Highest bcrypt cost accepted, for verifying and for hashing (the algorithm's own maximum).
pub const MAX_BCRYPT_COST: u32 = 31;
/// Highest PBKDF2 iteration count accepted in a stored hash.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// Highest SHA-crypt `rounds=` value accepted in a stored hash (glibc allows up to 999,999,999).
pub const MAX_SHA_CRYPT_ROUNDS: u32 = 10_000_000;
/// Highest argon2 memory cost (KiB) accepted in a stored hash or in a [`HashAlgo`]: 1 GiB.
pub const MAX_ARGON2_MEMORY_KIB: u32 = 1024 * 1024;
/// Highest argon2 iteration count accepted in a stored hash or in a [`HashAlgo`].
pub const MAX_ARGON2_ITERATIONS: u32 = 1_000;

/// The algorithm used for new hashes (SFTPGo's `data_provider.password_hashing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgo {
    /// bcrypt, emitted with the `$2a$` prefix. SFTPGo's default, cost 10.
    Bcrypt {
        /// Work factor (log2 of the number of rounds). Below 4 means the default (10), as in
        /// Go's bcrypt package; above [`MAX_BCRYPT_COST`] is an error.
        cost: u32,
    },
    /// argon2id (version 19) in the PHC string format. SFTPGo's defaults: m=65536, t=1, p=2.
    Argon2id {
        /// Memory cost in KiB.
        memory_kib: u32,
        /// Number of passes over the memory.
        iterations: u32,
        /// Number of lanes (1 to 255).
        parallelism: u32,
    },
}

impl HashAlgo {
    /// bcrypt with SFTPGo's default cost.
    pub const BCRYPT_DEFAULT: Self = Self::Bcrypt { cost: 10 };
    /// argon2id with SFTPGo's default parameters.
    pub const ARGON2ID_DEFAULT: Self = Self::Argon2id { memory_kib: 65_536, iterations: 1, parallelism: 2 };

    /// The format of the hashes this algorithm produces.
    pub fn format(&self) -> HashFormat {
        match self {
            Self::Bcrypt { .. } => HashFormat::Bcrypt,
            Self::Argon2id { .. } => HashFormat::Argon2id,
        }
    }
}

impl Default for HashAlgo {
    fn default() -> Self {
        Self::BCRYPT_DEFAULT
    }
}

/// Checks `password` against a stored hash of any supported format.
///
/// Returns `Ok(false)` for a wrong password. A stored value without a known prefix is not a hash
/// (plain passwords are hashed when saved), so it is an error ([`PasswordError::UnknownFormat`]),
/// as is a hash that is malformed or asks for more work than the limits in this module allow.
/// bcrypt hashes are accepted with the `$2a$`, `$2b$` and `$2y$` prefixes.
pub fn verify(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let format = HashFormat::detect(stored).ok_or(PasswordError::UnknownFormat)?;
    let pw = password.as_bytes();
    match format {
        HashFormat::Bcrypt => bcrypt_hash::verify(pw, stored),
        HashFormat::Argon2id => argon2id::verify(pw, stored),
        HashFormat::Pbkdf2Sha1
        | HashFormat::Pbkdf2Sha256
        | HashFormat::Pbkdf2Sha512
        | HashFormat::Pbkdf2B64SaltSha256 => pbkdf2::verify(format, pw, stored),
        HashFormat::Md5Crypt | HashFormat::Apr1 => md5crypt::verify(format, pw, stored),
        HashFormat::Sha256Crypt | HashFormat::Sha512Crypt => shacrypt::verify(format, pw, stored),
        HashFormat::Yescrypt => yescrypt::verify(pw, stored),
        HashFormat::Md5Digest | HashFormat::Sha256Digest | HashFormat::Sha512Digest => {
            digest::verify(format, pw, stored)
        }
    }
}

/// True when a user's password value is already a hash and must be stored as is.
///
/// Same rule as SFTPGo: the value starts with one of the known prefixes. Among bcrypt prefixes
/// only `$2a$` counts, so a `$2b$`/`$2y$` value sent in a user object is taken as a plain
/// password and hashed again (even though [`verify`] would accept it as a hash).
pub fn is_hash(value: &str) -> bool {
    HashFormat::ALL.iter().any(|f| value.starts_with(f.prefix()))
}

/// True when an admin password (or API key) value is already a hash: only `$2a$` (bcrypt) and
/// `$argon2id$` count, anything else is hashed on save.
pub fn is_admin_hash(value: &str) -> bool {
    [HashFormat::Bcrypt, HashFormat::Argon2id].iter().any(|f| value.starts_with(f.prefix()))
}

/// Hashes `password` with `algo`, with a fresh random salt.
///
/// bcrypt output uses the `$2a$` prefix; passwords longer than 72 bytes are refused (bcrypt would
/// silently ignore the rest). argon2id output is `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` with
/// a 16-byte salt and a 32-byte hash, both unpadded standard base64.
pub fn hash(password: &str, algo: &HashAlgo) -> Result<String, PasswordError> {
    match *algo {
        HashAlgo::Bcrypt { cost } => bcrypt_hash::hash(password.as_bytes(), cost),
        HashAlgo::Argon2id { memory_kib, iterations, parallelism } => {
            argon2id::hash(password.as_bytes(), memory_kib, iterations, parallelism)
        }
    }
}

/// True when `stored` should be replaced by a hash made with `algo` after a successful login:
/// it is not in the preferred algorithm's format (other formats, bcrypt vs argon2id, or bcrypt
/// written with `$2b$`/`$2y$` instead of `$2a$`). Cost or parameter differences within the same
/// algorithm do not trigger a rehash, as in SFTPGo.
pub fn needs_rehash(stored: &str, algo: &HashAlgo) -> bool {
    !stored.starts_with(algo.format().prefix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_hash_follows_sftpgo_prefixes() {
        for value in [
            "$2a$10$x",
            "$argon2id$v=19$",
            "$pbkdf2-sha1$1$a$b",
            "$pbkdf2-sha256$",
            "$pbkdf2-sha512$",
            "$pbkdf2-b64salt-sha256$",
            "$1$salt$x",
            "$apr1$salt$x",
            "$5$salt$x",
            "$6$salt$x",
            "$y$j9T$",
            "{MD5}00",
            "{SHA256}00",
            "{SHA512}00",
        ] {
            assert!(is_hash(value), "{value}");
        }
        for value in ["", "password", "$2b$10$x", "$2y$10$x", "$argon2i$v=19$", "{SHA}x", "$7$"] {
            assert!(!is_hash(value), "{value}");
        }
    }

    #[test]
    fn admin_hashes_are_bcrypt_2a_or_argon2id_only() {
        assert!(is_admin_hash("$2a$10$abc"));
        assert!(is_admin_hash("$argon2id$v=19$m=1,t=1,p=1$a$b"));
        for value in ["$2b$10$abc", "$6$salt$x", "$pbkdf2-sha256$1$a$b", "{MD5}00", "secret"] {
            assert!(!is_admin_hash(value), "{value}");
        }
    }

    #[test]
    fn unknown_format_is_an_error_not_a_mismatch() {
        assert!(matches!(verify("password", "password"), Err(PasswordError::UnknownFormat)));
        assert!(matches!(verify("x", ""), Err(PasswordError::UnknownFormat)));
        assert!(matches!(
            verify("x", "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA"),
            Err(PasswordError::UnknownFormat)
        ));
    }

    #[test]
    fn rehash_when_format_differs_from_preferred() {
        let bcrypt = HashAlgo::BCRYPT_DEFAULT;
        let argon = HashAlgo::ARGON2ID_DEFAULT;
        assert!(!needs_rehash("$2a$14$abc", &bcrypt));
        assert!(needs_rehash("$2a$14$abc", &argon));
        assert!(!needs_rehash("$argon2id$v=19$m=1,t=3,p=2$a$b", &argon));
        assert!(needs_rehash("$argon2id$v=19$m=1,t=3,p=2$a$b", &bcrypt));
        assert!(needs_rehash("$2y$10$abc", &bcrypt));
        for legacy in ["$6$salt$x", "$1$salt$x", "{SHA256}00", "$pbkdf2-sha1$1$a$b", "$y$j9T$a$b"] {
            assert!(needs_rehash(legacy, &bcrypt), "{legacy}");
            assert!(needs_rehash(legacy, &argon), "{legacy}");
        }
    }

    #[test]
    fn default_algo_is_bcrypt_cost_10() {
        assert_eq!(HashAlgo::default(), HashAlgo::Bcrypt { cost: 10 });
        assert_eq!(HashAlgo::ARGON2ID_DEFAULT.format(), HashFormat::Argon2id);
    }
}
