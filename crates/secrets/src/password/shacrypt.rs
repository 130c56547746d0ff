//! SHA-crypt (Ulrich Drepper's scheme used by glibc): `$5$` (SHA-256) and `$6$` (SHA-512),
//! `[rounds=<n>$]<salt>$<hash>`, the hash in crypt's base64 (43 or 86 characters). Without
//! `rounds=` the count is 5000. The computation is delegated to RustCrypto's `sha-crypt`; this
//! module checks the shape and bounds the round count first.

use sha_crypt::{PasswordVerifier, ShaCrypt};

use super::{HashFormat, MAX_SHA_CRYPT_ROUNDS, PasswordError};

const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Lowest round count crypt(3) ever writes (smaller requests are raised to it).
const MIN_ROUNDS: u32 = 1000;

pub(super) fn verify(format: HashFormat, password: &[u8], stored: &str) -> Result<bool, PasswordError> {
    let bad = |reason| PasswordError::malformed(format, reason);
    let rest = stored.get(format.prefix().len()..).unwrap_or_default();
    let fields: Vec<&str> = rest.split('$').collect();
    let (salt, encoded) = match fields.as_slice() {
        [salt, encoded] => (*salt, *encoded),
        [rounds, salt, encoded] => {
            let rounds = rounds
                .strip_prefix("rounds=")
                .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| bad("expected rounds=<number>"))?;
            match rounds.parse::<u32>() {
                Ok(n) if n < MIN_ROUNDS => return Err(bad("rounds below 1000")),
                Ok(n) if n <= MAX_SHA_CRYPT_ROUNDS => {}
                _ => return Err(PasswordError::limit(format, "more than 10,000,000 rounds")),
            }
            (*salt, *encoded)
        }
        _ => return Err(bad("expected [rounds=<n>$]<salt>$<hash>")),
    };
    if salt.is_empty() {
        return Err(bad("empty salt"));
    }
    let expected_len = if format == HashFormat::Sha256Crypt { 43 } else { 86 };
    if encoded.len() != expected_len || !encoded.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(bad("hash has the wrong length or characters"));
    }
    match ShaCrypt::default().verify_password(password, stored) {
        Ok(()) => Ok(true),
        Err(sha_crypt::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(_) => Err(bad("rejected by the SHA-crypt decoder")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Produced with Python's crypt module (libxcrypt) on Linux.
    #[test]
    fn matches_libxcrypt() {
        let cases = [
            ("password", "$5$rounds=1000$longsaltlongsalt$Js92hVQgrUWZovkFcD09Gqx284wI5vp0SzJN7uVH83D"),
            (
                "password",
                "$6$rounds=2000$shortsalt$kVNo/OQxcJuvEJ7Ybb964fIU4lC/lib9Dhmj04VqJZPylMl8sIMJh6yZj5jQFUj/qqEximHG1V7QLXkn6WcX81",
            ),
            (
                "password",
                "$6$dg6RosVg2kZKIKm0$Uy5X4.7DyU/2/I9MANOtivK9gWlaa1LAVm2YT1cQqTIhl2QS6bsWnketKpwH.12bMMRc9v2PnOk/UASHN8H481",
            ),
        ];
        for (password, stored) in cases {
            let format = HashFormat::detect(stored).unwrap();
            assert!(verify(format, password.as_bytes(), stored).unwrap(), "{stored}");
            assert!(!verify(format, b"Password", stored).unwrap(), "{stored}");
        }
    }

    #[test]
    fn malformed_or_expensive_values_are_errors() {
        let f = HashFormat::Sha256Crypt;
        let hash43 = "Js92hVQgrUWZovkFcD09Gqx284wI5vp0SzJN7uVH83D";
        for stored in [
            "$5$".to_string(),
            "$5$salt".to_string(),
            format!("$5$${hash43}"),
            format!("$5$salt${}", &hash43[1..]),
            format!("$5$salt${}!", &hash43[1..]),
            format!("$5$rounds=$salt${hash43}"),
            format!("$5$rounds=abc$salt${hash43}"),
            format!("$5$rounds=999$salt${hash43}"),
            format!("$5$round=5000$salt${hash43}"),
            format!("$5$rounds=5000$salt${hash43}$x"),
        ] {
            assert!(matches!(verify(f, b"x", &stored), Err(PasswordError::Malformed { .. })), "{stored}");
        }
        for stored in [format!("$5$rounds=10000001$salt${hash43}"), format!("$5$rounds=99999999999$salt${hash43}")] {
            assert!(matches!(verify(f, b"x", &stored), Err(PasswordError::LimitExceeded { .. })), "{stored}");
        }
    }
}
