//! The base64 variant of Unix crypt(3) hashes: alphabet `./0-9A-Za-z`, each 24-bit group
//! written least significant six bits first.

/// crypt's 64 characters, in value order.
pub(super) const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// True when every byte of `text` is in [`ALPHABET`].
pub(super) fn is_valid(text: &str) -> bool {
    text.bytes().all(|b| ALPHABET.contains(&b))
}

/// Appends `count` characters for the low bits of `value`, least significant six bits first.
pub(super) fn push(out: &mut String, mut value: u32, count: usize) {
    for _ in 0..count {
        out.push(char::from(ALPHABET[(value & 0x3f) as usize]));
        value >>= 6;
    }
}

/// Appends the encoding of three bytes taken as one big-endian 24-bit group.
pub(super) fn push_group(out: &mut String, a: u8, b: u8, c: u8) {
    push(out, (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c), 4);
}
