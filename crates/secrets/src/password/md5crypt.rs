//! md5crypt (`$1$`) and Apache's variant (`$apr1$`): `<magic><salt>$<22 chars>`.
//!
//! The two differ only in the magic string mixed into the digest. The algorithm (Poul-Henning
//! Kamp's, from FreeBSD): an alternate MD5 of password‖salt‖password seeds a digest of
//! password‖magic‖salt, then 1000 rounds re-mix password, salt and the previous digest; the
//! 16-byte result is written with crypt's 64-character alphabet in a fixed byte order. The salt
//! is at most 8 characters.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use super::crypt_b64;
use super::{HashFormat, PasswordError};

const MAX_SALT_LEN: usize = 8;
const ENCODED_LEN: usize = 22;

pub(super) fn verify(format: HashFormat, password: &[u8], stored: &str) -> Result<bool, PasswordError> {
    let magic = format.prefix();
    let rest = stored.get(magic.len()..).unwrap_or_default();
    let (salt, encoded) = rest
        .split_once('$')
        .ok_or_else(|| PasswordError::malformed(format, "expected <salt>$<hash> after the prefix"))?;
    if encoded.len() != ENCODED_LEN || !crypt_b64::is_valid(encoded) {
        return Err(PasswordError::malformed(format, "hash must be 22 characters of crypt base64"));
    }
    let actual = md5_crypt(password, salt.as_bytes(), magic.as_bytes());
    Ok(bool::from(actual.as_bytes().ct_eq(encoded.as_bytes())))
}

/// The 22-character encoded hash of `password` (salt truncated to 8 bytes, as crypt does).
fn md5_crypt(password: &[u8], salt: &[u8], magic: &[u8]) -> String {
    let salt = &salt[..salt.len().min(MAX_SALT_LEN)];

    let alternate = Md5::new().chain_update(password).chain_update(salt).chain_update(password).finalize();

    let mut ctx = Md5::new().chain_update(password).chain_update(magic).chain_update(salt);
    let mut remaining = password.len();
    while remaining > 0 {
        let n = remaining.min(16);
        ctx.update(&alternate[..n]);
        remaining -= n;
    }
    // One byte per bit of the password length: a NUL for set bits, the first password byte
    // for clear ones (an oddity of the original code that every implementation keeps).
    let mut bits = password.len();
    while bits > 0 {
        if bits & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&password[..1]);
        }
        bits >>= 1;
    }
    let mut digest: [u8; 16] = ctx.finalize().into();

    for round in 0..1000 {
        let mut ctx = Md5::new();
        if round % 2 == 1 {
            ctx.update(password);
        } else {
            ctx.update(digest);
        }
        if round % 3 != 0 {
            ctx.update(salt);
        }
        if round % 7 != 0 {
            ctx.update(password);
        }
        if round % 2 == 1 {
            ctx.update(digest);
        } else {
            ctx.update(password);
        }
        digest = ctx.finalize().into();
    }

    let mut out = String::with_capacity(ENCODED_LEN);
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        crypt_b64::push_group(&mut out, digest[a], digest[b], digest[c]);
    }
    crypt_b64::push(&mut out, u32::from(digest[11]), 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Produced on a Linux machine with `openssl passwd -1|-apr1 -salt <salt> <password>` and
    // Python's crypt module (libxcrypt).
    #[test]
    fn matches_openssl_and_libxcrypt() {
        let cases = [
            ("password", "$1$b5caebda$VODr/nyhGWgZaY8sJ4x05."),
            ("pässwörd", "$1$saltsalt$VReRfkQ8Hs1aayf/oxMkG/"),
            ("", "$1$abc$Or2rbeUYTvt12aiVzMuS/."),
            ("password", "$apr1$OBWLeSme$WoJbB736e7kKxMBIAqilb1"),
            ("a much longer password than usual, 1234567890", "$apr1$x.y/Z$xhnkvKf1Qbccdaa0OzJ2c1"),
            ("", "$apr1$abcdefgh$L.PT565ESX4Tp2bqNs7Ie."),
        ];
        for (password, stored) in cases {
            let format = HashFormat::detect(stored).unwrap();
            assert!(verify(format, password.as_bytes(), stored).unwrap(), "{stored}");
            assert!(!verify(format, b"wrong", stored).unwrap(), "{stored}");
        }
    }

    #[test]
    fn long_salt_is_truncated_to_eight() {
        // crypt("password", "$1$abcdefghijkl$") yields the salt "abcdefgh".
        let stored = "$1$abcdefghijkl$G//4keteveJp0qb8z2DxG/";
        assert!(verify(HashFormat::Md5Crypt, b"password", stored).unwrap());
    }

    #[test]
    fn malformed_values_are_errors() {
        for stored in
            ["$1$", "$1$salt", "$1$salt$short", "$1$salt$VODr/nyhGWgZaY8sJ4x05.x", "$1$s$VODr/nyhGWgZaY8sJ4x0!."]
        {
            assert!(
                matches!(verify(HashFormat::Md5Crypt, b"x", stored), Err(PasswordError::Malformed { .. })),
                "{stored}"
            );
        }
    }
}
