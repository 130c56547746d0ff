//! The `Secretbox` scheme (`local://`): HKDF-SHA256 key derivation and NaCl secretbox.

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Nonce, XSalsa20Poly1305};
use hkdf::Hkdf;
use sha2::Sha256;

use super::{KmsError, hash_key};

pub(super) const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const STATUS: &str = "Secretbox";

/// Standard padded base64; like Go's decoder, non-zero trailing bits are tolerated.
const B64: GeneralPurpose =
    GeneralPurpose::new(&STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));

/// The secretbox key: HKDF-SHA256(ikm = master key, or SHA-256(K ‖ AD ‖ K) without one,
/// salt = K, info = AD), 32 bytes.
fn derive(key: &[u8], additional_data: &[u8], master_key: Option<&[u8]>) -> Result<[u8; 32], KmsError> {
    let hashed;
    let ikm = match master_key {
        Some(master) => master,
        None => {
            hashed = hash_key(key, additional_data);
            &hashed[..]
        }
    };
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(Some(key), ikm).expand(additional_data, &mut out).map_err(|_| KmsError::EncryptionFailed)?;
    Ok(out)
}

/// Encrypts `plaintext`; returns the base64 payload (nonce ‖ tag ‖ ciphertext).
pub(super) fn seal(
    key: &[u8],
    additional_data: &[u8],
    master_key: Option<&[u8]>,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> Result<String, KmsError> {
    let cipher = XSalsa20Poly1305::new(&derive(key, additional_data, master_key)?.into());
    let sealed = cipher.encrypt(&Nonce::from(*nonce), plaintext).map_err(|_| KmsError::EncryptionFailed)?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(nonce);
    out.extend_from_slice(&sealed);
    Ok(B64.encode(out))
}

/// Decrypts a base64 payload written by [`seal`] (or by SFTPGo).
pub(super) fn open(
    key: &[u8],
    additional_data: &[u8],
    master_key: Option<&[u8]>,
    payload: &str,
) -> Result<Vec<u8>, KmsError> {
    let data = B64
        .decode(payload)
        .map_err(|_| KmsError::Malformed { status: STATUS, reason: "payload is not valid base64" })?;
    if data.len() < NONCE_LEN + TAG_LEN {
        return Err(KmsError::Malformed { status: STATUS, reason: "payload is too short" });
    }
    let (nonce, sealed) = data.split_at(NONCE_LEN);
    let mut nonce_bytes = [0u8; NONCE_LEN];
    nonce_bytes.copy_from_slice(nonce);
    let cipher = XSalsa20Poly1305::new(&derive(key, additional_data, master_key)?.into());
    cipher.decrypt(&Nonce::from(nonce_bytes), sealed).map_err(|_| KmsError::DecryptionFailed { status: STATUS })
}
