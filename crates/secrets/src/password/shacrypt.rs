//! SHA-crypt (Ulrich Drepper's scheme used by glibc): `$5$` (SHA-256) and `$6$` (SHA-512),
//! `[rounds=<n>$]<salt>$<hash>`. Without `rounds=` the count is 5000; the salt is at most 16
//! characters (longer ones are cut, as crypt does). The core function comes from RustCrypto's
//! `sha-crypt`; this module parses the string, bounds the round count, and writes the digest
//! in the scheme's byte order with crypt's base64 (43 or 86 characters).

use sha_crypt::{Params, sha256_crypt, sha512_crypt};
use subtle::ConstantTimeEq;

use super::crypt_b64;
use super::{HashFormat, MAX_SHA_CRYPT_ROUNDS, PasswordError};

/// Lowest round count crypt(3) ever writes (smaller requests are raised to it).
const MIN_ROUNDS: u32 = 1000;
const DEFAULT_ROUNDS: u32 = 5000;

/// Output order of the SHA-256 digest bytes, three per encoded group (the last two bytes,
/// 31 and 30, form a final 16-bit group).
const SHA256_ORDER: [[usize; 3]; 10] = [
    [0, 10, 20],
    [21, 1, 11],
    [12, 22, 2],
    [3, 13, 23],
    [24, 4, 14],
    [15, 25, 5],
    [6, 16, 26],
    [27, 7, 17],
    [18, 28, 8],
    [9, 19, 29],
];

/// Output order of the SHA-512 digest bytes (byte 63 forms a final 8-bit group).
const SHA512_ORDER: [[usize; 3]; 21] = [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
];

pub(super) fn verify(format: HashFormat, password: &[u8], stored: &str) -> Result<bool, PasswordError> {
    let bad = |reason| PasswordError::malformed(format, reason);
    let rest = stored.get(format.prefix().len()..).unwrap_or_default();
    let fields: Vec<&str> = rest.split('$').collect();
    let (rounds, salt, encoded) = match fields.as_slice() {
        [salt, encoded] => (DEFAULT_ROUNDS, *salt, *encoded),
        [rounds, salt, encoded] => {
            let rounds = rounds
                .strip_prefix("rounds=")
                .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| bad("expected rounds=<number>"))?;
            let rounds = match rounds.parse::<u32>() {
                Ok(n) if n < MIN_ROUNDS => return Err(bad("rounds below 1000")),
                Ok(n) if n <= MAX_SHA_CRYPT_ROUNDS => n,
                _ => return Err(PasswordError::limit(format, "more than 10,000,000 rounds")),
            };
            (rounds, *salt, *encoded)
        }
        _ => return Err(bad("expected [rounds=<n>$]<salt>$<hash>")),
    };
    if salt.is_empty() {
        return Err(bad("empty salt"));
    }
    let expected_len = if format == HashFormat::Sha256Crypt { 43 } else { 86 };
    if encoded.len() != expected_len || !crypt_b64::is_valid(encoded) {
        return Err(bad("hash has the wrong length or characters"));
    }
    let params = Params::new(rounds).map_err(|_| bad("invalid round count"))?;
    let actual = if format == HashFormat::Sha256Crypt {
        let digest = sha256_crypt(password, salt.as_bytes(), params);
        let mut out = String::with_capacity(43);
        for [a, b, c] in SHA256_ORDER {
            crypt_b64::push_group(&mut out, digest[a], digest[b], digest[c]);
        }
        crypt_b64::push(&mut out, (u32::from(digest[31]) << 8) | u32::from(digest[30]), 3);
        out
    } else {
        let digest = sha512_crypt(password, salt.as_bytes(), params);
        let mut out = String::with_capacity(86);
        for [a, b, c] in SHA512_ORDER {
            crypt_b64::push_group(&mut out, digest[a], digest[b], digest[c]);
        }
        crypt_b64::push(&mut out, u32::from(digest[63]), 2);
        out
    };
    Ok(bool::from(actual.as_bytes().ct_eq(encoded.as_bytes())))
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
            (
                "password",
                "$6$ab./cd$zFixOvVkY06PcEqDfTVvGgsL4bBF0W8fQe0.STptxhXoD6Cl7kTAWE/Fg9DC1kZhp/4zWaaKIjHLxAE4BbSzw/",
            ),
            ("password", "$5$rounds=5000$x/y.z$X8j.OW5tOyqCTWn4t2w32Jup4OMVSyQe2IJKEyUOxX5"),
            ("password", "$5$a-b_c$qJ0sh4yRZSXESU4YuKeNwVIX2.uw3V5/4V11gkZMlH2"),
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
