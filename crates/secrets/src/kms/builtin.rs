//! The legacy `AES-256-GCM` scheme (`builtin://`): hash-derived key, hex payload.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

use super::{KmsError, hash_key};

pub(super) const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const STATUS: &str = "AES-256-GCM";

fn cipher(key: &[u8], additional_data: &[u8]) -> Result<LessSafeKey, KmsError> {
    let key = UnboundKey::new(&AES_256_GCM, &hash_key(key, additional_data)).map_err(|_| KmsError::EncryptionFailed)?;
    Ok(LessSafeKey::new(key))
}

/// Encrypts `plaintext`; returns the hex payload (nonce ‖ ciphertext ‖ tag).
pub(super) fn seal(
    key: &[u8],
    additional_data: &[u8],
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> Result<String, KmsError> {
    let mut sealed = plaintext.to_vec();
    cipher(key, additional_data)?
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(*nonce), Aad::from(additional_data), &mut sealed)
        .map_err(|_| KmsError::EncryptionFailed)?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(nonce);
    out.extend_from_slice(&sealed);
    Ok(hex::encode(out))
}

/// Decrypts a hex payload written by [`seal`] (or by SFTPGo).
pub(super) fn open(key: &[u8], additional_data: &[u8], payload: &str) -> Result<Vec<u8>, KmsError> {
    let data =
        hex::decode(payload).map_err(|_| KmsError::Malformed { status: STATUS, reason: "payload is not valid hex" })?;
    if data.len() < NONCE_LEN + TAG_LEN {
        return Err(KmsError::Malformed { status: STATUS, reason: "payload is too short" });
    }
    let (nonce, sealed) = data.split_at(NONCE_LEN);
    let mut nonce_bytes = [0u8; NONCE_LEN];
    nonce_bytes.copy_from_slice(nonce);
    let mut buf = sealed.to_vec();
    let plain = cipher(key, additional_data)
        .map_err(|_| KmsError::DecryptionFailed { status: STATUS })?
        .open_in_place(Nonce::assume_unique_for_key(nonce_bytes), Aad::from(additional_data), &mut buf)
        .map_err(|_| KmsError::DecryptionFailed { status: STATUS })?;
    Ok(plain.to_vec())
}
