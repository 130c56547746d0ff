//! Unsalted digests: `{MD5}`, `{SHA256}` or `{SHA512}` followed by the hex digest of the
//! password. SFTPGo writes lowercase hex; uppercase is accepted too.

use md5::Md5;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::{HashFormat, PasswordError};

pub(super) fn verify(format: HashFormat, password: &[u8], stored: &str) -> Result<bool, PasswordError> {
    let text = stored.get(format.prefix().len()..).unwrap_or_default();
    let expected = hex::decode(text).map_err(|_| PasswordError::malformed(format, "digest is not valid hex"))?;
    let actual = match format {
        HashFormat::Md5Digest => Md5::digest(password).to_vec(),
        HashFormat::Sha256Digest => Sha256::digest(password).to_vec(),
        _ => Sha512::digest(password).to_vec(),
    };
    if expected.len() != actual.len() {
        return Err(PasswordError::malformed(format, "digest has the wrong length"));
    }
    Ok(bool::from(actual.ct_eq(&expected)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppercase_hex_is_accepted() {
        let stored = "{MD5}5F4DCC3B5AA765D61D8327DEB882CF99";
        assert!(verify(HashFormat::Md5Digest, b"password", stored).unwrap());
    }

    #[test]
    fn malformed_values_are_errors() {
        for (format, stored) in [
            (HashFormat::Md5Digest, "{MD5}"),
            (HashFormat::Md5Digest, "{MD5}5f4dcc3b5aa765d61d8327deb882cf9"),
            (HashFormat::Md5Digest, "{MD5}5f4dcc3b5aa765d61d8327deb882cf990"),
            (HashFormat::Md5Digest, "{MD5}zz4dcc3b5aa765d61d8327deb882cf99"),
            // A SHA-256 digest under the SHA-512 prefix.
            (HashFormat::Sha512Digest, "{SHA512}5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
        ] {
            assert!(matches!(verify(format, b"x", stored), Err(PasswordError::Malformed { .. })), "{stored}");
        }
    }
}
