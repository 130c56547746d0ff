//! bcrypt: `$2a$` / `$2b$` / `$2y$`, a two-digit cost, then 22 + 31 characters of bcrypt's own
//! base64 (16-byte salt, 23-byte hash). The three prefixes only differ in how old C libraries
//! handled non-ASCII bytes and lengths; modern implementations compute them identically.

use super::{HashFormat, MAX_BCRYPT_COST, PasswordError};

const FORMAT: HashFormat = HashFormat::Bcrypt;
/// bcrypt ignores everything after the 72nd byte of a password.
const MAX_PASSWORD_LEN: usize = 72;
const MIN_COST: u32 = 4;
/// What Go's bcrypt package uses when asked for a cost below the minimum.
const FALLBACK_COST: u32 = 10;

pub(super) fn verify(password: &[u8], stored: &str) -> Result<bool, PasswordError> {
    let bytes = stored.as_bytes();
    if bytes.len() != 60 || !stored.is_ascii() {
        return Err(PasswordError::malformed(FORMAT, "expected 60 ASCII characters"));
    }
    if bytes[6] != b'$' || !bytes[4].is_ascii_digit() || !bytes[5].is_ascii_digit() {
        return Err(PasswordError::malformed(FORMAT, "missing or invalid cost"));
    }
    let cost = u32::from(bytes[4] - b'0') * 10 + u32::from(bytes[5] - b'0');
    if cost < MIN_COST {
        return Err(PasswordError::malformed(FORMAT, "cost below 4"));
    }
    if cost > MAX_BCRYPT_COST {
        return Err(PasswordError::limit(FORMAT, "cost above 31"));
    }
    // Longer passwords are truncated to 72 bytes, like every other bcrypt verifier does.
    bcrypt::verify(password, stored).map_err(|e| match e {
        bcrypt::BcryptError::InvalidHash(reason) => PasswordError::malformed(FORMAT, reason),
        _ => PasswordError::malformed(FORMAT, "rejected by the bcrypt decoder"),
    })
}

pub(super) fn hash(password: &[u8], cost: u32) -> Result<String, PasswordError> {
    if password.len() > MAX_PASSWORD_LEN {
        return Err(PasswordError::PasswordTooLong { max: MAX_PASSWORD_LEN });
    }
    let cost = if cost < MIN_COST { FALLBACK_COST } else { cost };
    if cost > MAX_BCRYPT_COST {
        return Err(PasswordError::InvalidParams { format: FORMAT, reason: "cost above 31" });
    }
    let salt: [u8; 16] = rand::random();
    let parts = bcrypt::hash_with_salt(password, cost, salt)
        .map_err(|e| PasswordError::Hashing { format: FORMAT, reason: e.to_string() })?;
    Ok(parts.format_for_version(bcrypt::Version::TwoA))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_2a_prefix_and_verifies() {
        let h = hash(b"hunter2", 4).unwrap();
        assert!(h.starts_with("$2a$04$"), "{h}");
        assert_eq!(h.len(), 60);
        assert!(verify(b"hunter2", &h).unwrap());
        assert!(!verify(b"hunter3", &h).unwrap());
    }

    #[test]
    fn low_cost_falls_back_to_default_and_high_cost_is_refused() {
        let h = hash(b"pw", 0).unwrap();
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert!(matches!(hash(b"pw", 32), Err(PasswordError::InvalidParams { .. })));
    }

    #[test]
    fn long_passwords_are_refused_when_hashing() {
        assert!(hash(&[b'a'; 72], 4).is_ok());
        assert_eq!(hash(&[b'a'; 73], 4), Err(PasswordError::PasswordTooLong { max: 72 }));
    }

    #[test]
    fn other_prefixes_verify_the_same_hash() {
        let h = hash(b"hunter2", 4).unwrap();
        for prefix in ["$2b$", "$2y$"] {
            let other = format!("{prefix}{}", &h[4..]);
            assert!(verify(b"hunter2", &other).unwrap(), "{other}");
            assert!(!verify(b"nope", &other).unwrap(), "{other}");
        }
    }

    #[test]
    fn malformed_hashes_are_errors() {
        let good = hash(b"x", 4).unwrap();
        let cases = [
            "$2a$10$short".to_string(),
            format!("{}!", &good[..59]),
            good.replacen("$04$", "$0x$", 1),
            good.replacen("$04$", "$03$", 1),
            good.replacen("$04$", "$32$", 1),
            good.replacen("$04$", "$99$", 1),
            format!("{}é", &good[..58]),
        ];
        for case in cases {
            assert!(verify(b"x", &case).is_err(), "{case}");
        }
        assert!(matches!(verify(b"x", &good.replacen("$04$", "$40$", 1)), Err(PasswordError::LimitExceeded { .. })));
    }
}
