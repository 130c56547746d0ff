//! Stored password hashes come from dumps, imports and the database, and the password from any
//! client: checking one against the other must never panic. The input is `password NUL stored`.
//!
//! Hashes whose parameters ask for real work (bcrypt cost above 6, many PBKDF2 iterations or
//! SHA-crypt rounds, large argon2 or yescrypt memory) are skipped: the crate accepts costs that
//! take seconds to minutes by design, which would only slow the fuzzer down.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use wharf_secrets::password;

const MAX_BCRYPT_COST: u64 = 6;
const MAX_ITERATIONS: u64 = 5_000;
const MAX_ARGON2_MEMORY_KIB: u64 = 1024;
const MAX_ARGON2_PASSES: u64 = 4;
const MAX_ARGON2_LANES: u64 = 4;
const MAX_YESCRYPT_MEMORY: u64 = 1 << 20;

/// A number as the verifiers read it, or `None` when it is not one (the verifier then fails
/// fast). Values too large for a `u64` count as huge.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// True when verifying against `stored` could take more than a few milliseconds.
fn too_costly(stored: &str) -> bool {
    let fields: Vec<&str> = stored.split('$').collect();
    if ["$2a$", "$2b$", "$2y$"].iter().any(|p| stored.starts_with(p)) {
        return stored.get(4..6).and_then(number).is_some_and(|cost| cost > MAX_BCRYPT_COST);
    }
    if stored.starts_with("$argon2id$") {
        let params = fields.get(3).copied().unwrap_or_default();
        return params.split(',').any(|pair| {
            let Some((name, value)) = pair.split_once('=') else { return false };
            let limit = match name {
                "m" => MAX_ARGON2_MEMORY_KIB,
                "t" => MAX_ARGON2_PASSES,
                "p" => MAX_ARGON2_LANES,
                _ => return false,
            };
            number(value).is_some_and(|n| n > limit)
        });
    }
    if stored.starts_with("$pbkdf2-") {
        return fields.get(2).and_then(|f| number(f)).is_some_and(|n| n > MAX_ITERATIONS);
    }
    if stored.starts_with("$5$") || stored.starts_with("$6$") {
        return fields
            .get(2)
            .and_then(|f| f.strip_prefix("rounds="))
            .is_some_and(|r| r.parse::<u64>().map_or(r.bytes().all(|b| b.is_ascii_digit()), |n| n > MAX_ITERATIONS));
    }
    if stored.starts_with("$y$") {
        let params = fields.get(2).copied().unwrap_or_default();
        return match yescrypt::Params::from_str(params) {
            Ok(p) => 128u128 * u128::from(p.n()) * u128::from(p.r()) > u128::from(MAX_YESCRYPT_MEMORY) || p.p() > 2,
            Err(_) => false,
        };
    }
    false
}

fuzz_target!(|data: &[u8]| {
    let (password, stored) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..0], data),
    };
    let password = String::from_utf8_lossy(password);
    let stored = String::from_utf8_lossy(stored);
    if too_costly(&stored) {
        return;
    }
    let _ = password::verify(&password, &stored);
    let _ = password::is_hash(&stored);
    let _ = password::is_admin_hash(&stored);
});
