//! Time-based one-time passcodes (RFC 6238, HOTP of RFC 4226 over 30-second steps) as
//! authenticator apps and SFTPGo use them: 6 digits, a base32 secret, HMAC with SHA-1, SHA-256 or
//! SHA-512, and one step of clock skew accepted either way.

use aws_lc_rs::hmac;

/// Seconds per time step.
pub const PERIOD: u64 = 30;
/// Digits of a passcode.
pub const DIGITS: usize = 6;
/// Steps of clock difference accepted before and after the current one.
pub const SKEW: u64 = 1;

/// The HMAC of a TOTP configuration (`mfa.totp[].algo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TotpAlgo {
    /// `sha1`, what most authenticator apps support.
    #[default]
    Sha1,
    /// `sha256`.
    Sha256,
    /// `sha512`.
    Sha512,
}

impl TotpAlgo {
    /// From the configuration name (case-insensitive); None for an unknown name.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sha1" => Some(Self::Sha1),
            "sha256" => Some(Self::Sha256),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            Self::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

/// Why a secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// The secret is not base32 (RFC 4648, padding optional, case-insensitive).
    #[error("the TOTP secret is not valid base32")]
    BadSecret,
}

/// Decodes a base32 secret as authenticator apps show it (spaces and padding ignored).
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, TotpError> {
    let cleaned: String = secret.chars().filter(|c| !c.is_whitespace() && *c != '=').collect();
    let cleaned = cleaned.to_ascii_uppercase();
    if cleaned.is_empty() {
        return Err(TotpError::BadSecret);
    }
    data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()).map_err(|_| TotpError::BadSecret)
}

/// The passcode of `key` for time step `counter` (RFC 4226 dynamic truncation).
pub fn hotp(key: &[u8], algo: TotpAlgo, counter: u64) -> String {
    let tag = hmac::sign(&hmac::Key::new(algo.hmac(), key), &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let code = u32::from_be_bytes([mac[offset] & 0x7f, mac[offset + 1], mac[offset + 2], mac[offset + 3]]);
    format!("{:0width$}", code % 10u32.pow(DIGITS as u32), width = DIGITS)
}

/// The passcode for `unix_secs`.
pub fn generate(key: &[u8], algo: TotpAlgo, unix_secs: u64) -> String {
    hotp(key, algo, unix_secs / PERIOD)
}

/// The time step `passcode` belongs to, if it is valid at `unix_secs` (within [`SKEW`] steps).
/// Comparisons are constant-time.
pub fn verify(key: &[u8], algo: TotpAlgo, passcode: &str, unix_secs: u64) -> Option<u64> {
    if passcode.len() != DIGITS || !passcode.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_secs / PERIOD;
    let mut found = None;
    for step in now.saturating_sub(SKEW)..=now.saturating_add(SKEW) {
        let expected = hotp(key, algo, step);
        if subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), passcode.as_bytes()).into() {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B (8-digit codes there; the last 6 digits are the 6-digit codes).
    #[test]
    fn rfc_6238_vectors() {
        let sha1 = b"12345678901234567890";
        let sha256 = b"12345678901234567890123456789012";
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234";
        let cases: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, a, b, c) in cases {
            assert_eq!(generate(sha1, TotpAlgo::Sha1, t), a[2..], "sha1 at {t}");
            assert_eq!(generate(sha256, TotpAlgo::Sha256, t), b[2..], "sha256 at {t}");
            assert_eq!(generate(sha512, TotpAlgo::Sha512, t), c[2..], "sha512 at {t}");
        }
    }

    #[test]
    fn verify_accepts_one_step_of_skew_and_nothing_else() {
        let key = decode_secret("JBSW Y3DP EHPK 3PXP").unwrap();
        let t = 1_700_000_000;
        let code = generate(&key, TotpAlgo::Sha1, t);
        assert_eq!(verify(&key, TotpAlgo::Sha1, &code, t), Some(t / PERIOD));
        assert!(verify(&key, TotpAlgo::Sha1, &code, t + PERIOD).is_some());
        assert!(verify(&key, TotpAlgo::Sha1, &code, t - PERIOD).is_some());
        assert!(verify(&key, TotpAlgo::Sha1, &code, t + 3 * PERIOD).is_none());
        assert!(verify(&key, TotpAlgo::Sha256, &code, t).is_none() || generate(&key, TotpAlgo::Sha256, t) == code);
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert!(verify(&key, TotpAlgo::Sha1, bad, t).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_are_base32() {
        assert_eq!(decode_secret("mzxw6===").unwrap(), b"foo");
        assert_eq!(decode_secret("MZXW6").unwrap(), b"foo");
        assert!(decode_secret("not base32!").is_err());
        assert!(decode_secret("").is_err());
        assert_eq!(TotpAlgo::parse("SHA256"), Some(TotpAlgo::Sha256));
        assert_eq!(TotpAlgo::parse("md5"), None);
    }
}
