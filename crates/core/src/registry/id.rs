//! Connection identifiers: 12 bytes (seconds since the epoch, a random process tag, the process id
//! and a counter), written as 20 lowercase base32hex characters. This is the layout of the "xid"
//! identifiers SFTPGo shows, so ids look alike in logs and in the REST API, sort by creation time
//! and stay unique across restarts and across processes sharing a database.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// Makes unique ids for one registry.
#[derive(Debug)]
pub(crate) struct IdGen {
    /// Three random bytes identifying this generator (SFTPGo's xid uses a machine id here).
    tag: [u8; 3],
    pid: u16,
    counter: AtomicU32,
}

/// 64 random bits from the standard library's randomly keyed hasher (no extra dependency needed
/// for ids that only have to be unique, not secret).
fn random_u64(salt: u64) -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(salt);
    h.finish()
}

impl IdGen {
    pub(crate) fn new() -> Self {
        let r = random_u64(u64::from(std::process::id()));
        let [a, b, c, ..] = r.to_be_bytes();
        Self {
            tag: [a, b, c],
            // Truncation is intended: the id holds the low 16 bits of the process id.
            pid: (std::process::id() & 0xffff) as u16,
            // A random start, as xid does, so that two generators rarely walk the same values.
            counter: AtomicU32::new((r & 0x00ff_ffff) as u32),
        }
    }

    /// A new id (20 characters, `[0-9a-v]`).
    pub(crate) fn next(&self) -> String {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let secs = u32::try_from(secs).unwrap_or(u32::MAX);
        let count = self.counter.fetch_add(1, Ordering::Relaxed) & 0x00ff_ffff;
        let mut raw = [0u8; 12];
        raw[..4].copy_from_slice(&secs.to_be_bytes());
        raw[4..7].copy_from_slice(&self.tag);
        raw[7..9].copy_from_slice(&self.pid.to_be_bytes());
        raw[9..].copy_from_slice(&count.to_be_bytes()[1..]);
        encode(&raw)
    }
}

/// Base32hex (lowercase, no padding) of 12 bytes: 96 bits → 20 characters, the last one carrying
/// the final bit followed by zero bits.
fn encode(raw: &[u8; 12]) -> String {
    let mut out = String::with_capacity(20);
    let (mut acc, mut bits) = (0u32, 0u32);
    for byte in raw {
        acc = (acc << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_twenty_base32hex_characters_and_unique() {
        let g = IdGen::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let id = g.next();
            assert_eq!(id.len(), 20, "{id}");
            assert!(id.bytes().all(|b| ALPHABET.contains(&b)), "{id}");
            assert!(seen.insert(id));
        }
    }

    #[test]
    fn encoding_is_big_endian_base32hex() {
        assert_eq!(encode(&[0; 12]), "00000000000000000000");
        let mut raw = [0u8; 12];
        raw[0] = 0b1000_0100; // 10000 10000… → "g" then "g"-prefix bits
        assert!(encode(&raw).starts_with("gg"));
        assert_eq!(encode(&[0xff; 12]), "vvvvvvvvvvvvvvvvvvvg");
    }
}
