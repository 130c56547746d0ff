//! PBKDF2-HMAC hashes: `$pbkdf2-<hash>$<iterations>$<salt>$<key>`.
//!
//! The key is standard (padded) base64 and its decoded length is the derived-key length. The
//! salt is used as the literal bytes of its text, except for `$pbkdf2-b64salt-sha256$` where it
//! is standard base64 (the shape 389-DS `{PBKDF2_SHA256}` values are converted to).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::{HashFormat, MAX_PBKDF2_ITERATIONS, PasswordError};

/// Largest derived key accepted (389-DS uses 256 bytes).
const MAX_KEY_LEN: usize = 1024;
/// Cap on iterations × output blocks, the real cost of a PBKDF2 computation.
const MAX_WORK: u64 = 2 * MAX_PBKDF2_ITERATIONS as u64;

pub(super) fn verify(format: HashFormat, password: &[u8], stored: &str) -> Result<bool, PasswordError> {
    let bad = |reason| PasswordError::malformed(format, reason);
    let fields: Vec<&str> = stored.split('$').collect();
    let [_, _, iterations, salt, key] = fields.as_slice() else {
        return Err(bad("expected $<prefix>$<iterations>$<salt>$<key>"));
    };
    if iterations.is_empty() || !iterations.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("iteration count is not a number"));
    }
    let iterations: u32 = match iterations.parse() {
        Ok(n) if n <= MAX_PBKDF2_ITERATIONS => n,
        _ => return Err(PasswordError::limit(format, "more than 10,000,000 iterations")),
    };
    if iterations == 0 {
        return Err(bad("iteration count is 0"));
    }
    let salt = match format {
        HashFormat::Pbkdf2B64SaltSha256 => STANDARD.decode(salt).map_err(|_| bad("salt is not valid base64"))?,
        _ => salt.as_bytes().to_vec(),
    };
    let expected = STANDARD.decode(key).map_err(|_| bad("key is not valid base64"))?;
    if expected.is_empty() {
        return Err(bad("key is empty"));
    }
    if expected.len() > MAX_KEY_LEN {
        return Err(PasswordError::limit(format, "key longer than 1024 bytes"));
    }
    let block_len = match format {
        HashFormat::Pbkdf2Sha1 => 20,
        HashFormat::Pbkdf2Sha512 => 64,
        _ => 32,
    };
    let blocks = expected.len().div_ceil(block_len) as u64;
    if u64::from(iterations) * blocks > MAX_WORK {
        return Err(PasswordError::limit(format, "iterations × key blocks above 20,000,000"));
    }
    let mut actual = vec![0u8; expected.len()];
    match format {
        HashFormat::Pbkdf2Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, &salt, iterations, &mut actual),
        HashFormat::Pbkdf2Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, &salt, iterations, &mut actual),
        _ => pbkdf2::pbkdf2_hmac::<Sha256>(password, &salt, iterations, &mut actual),
    }
    Ok(bool::from(actual.ct_eq(&expected)))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6070 test vector 2 (P = "password", S = "salt", c = 2, dkLen = 20):
    // ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957.
    const RFC6070: &str = "$pbkdf2-sha1$2$salt$6mwBTcctb4zNHtkqzh1B8NjeiVc=";

    #[test]
    fn rfc6070_vector() {
        assert!(verify(HashFormat::Pbkdf2Sha1, b"password", RFC6070).unwrap());
        assert!(!verify(HashFormat::Pbkdf2Sha1, b"passwore", RFC6070).unwrap());
    }

    #[test]
    fn malformed_values_are_errors() {
        let f = HashFormat::Pbkdf2Sha256;
        for stored in [
            "$pbkdf2-sha256$",
            "$pbkdf2-sha256$1000$salt",
            "$pbkdf2-sha256$1000$salt$key$extra",
            "$pbkdf2-sha256$abc$salt$AAAA",
            "$pbkdf2-sha256$-5$salt$AAAA",
            "$pbkdf2-sha256$$salt$AAAA",
            "$pbkdf2-sha256$0$salt$AAAA",
            "$pbkdf2-sha256$1000$salt$not base64!",
            "$pbkdf2-sha256$1000$salt$AAA",
            "$pbkdf2-sha256$1000$salt$",
        ] {
            assert!(matches!(verify(f, b"x", stored), Err(PasswordError::Malformed { .. })), "{stored}");
        }
        assert!(matches!(
            verify(HashFormat::Pbkdf2B64SaltSha256, b"x", "$pbkdf2-b64salt-sha256$1$***$AAAA"),
            Err(PasswordError::Malformed { .. })
        ));
    }

    #[test]
    fn expensive_values_are_refused() {
        let f = HashFormat::Pbkdf2Sha1;
        for stored in [
            "$pbkdf2-sha1$10000001$salt$AAAA".to_string(),
            "$pbkdf2-sha1$99999999999999999999$salt$AAAA".to_string(),
            // 10M iterations over 3 SHA-1 blocks.
            format!("$pbkdf2-sha1$10000000$salt${}", STANDARD.encode([0u8; 41])),
            format!("$pbkdf2-sha1$1$salt${}", STANDARD.encode([0u8; 1025])),
        ] {
            assert!(matches!(verify(f, b"x", &stored), Err(PasswordError::LimitExceeded { .. })), "{stored}");
        }
    }
}
