//! argon2id in the PHC string format written by SFTPGo (and most libraries):
//! `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`, salt and hash in standard base64
//! without padding. The hash length is whatever the stored hash decodes to.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use subtle::ConstantTimeEq;

use super::{HashFormat, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB, PasswordError};

const FORMAT: HashFormat = HashFormat::Argon2id;
/// Cap on memory × passes (in KiB-passes): four passes over 1 GiB.
const MAX_WORK: u64 = 4 * MAX_ARGON2_MEMORY_KIB as u64;
const MAX_LANES: u32 = 255;
const MIN_SALT_LEN: usize = 8;
const MAX_SALT_LEN: usize = 1024;
const MIN_HASH_LEN: usize = 4;
const MAX_HASH_LEN: usize = 1024;
/// Salt and hash sizes of new hashes.
const NEW_SALT_LEN: usize = 16;
const NEW_HASH_LEN: usize = 32;

/// Standard alphabet; padding is tolerated on input and never written.
const B64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

struct Cost {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

pub(super) fn verify(password: &[u8], stored: &str) -> Result<bool, PasswordError> {
    let fields: Vec<&str> = stored.split('$').collect();
    let [_, _, version, params, salt, expected] = fields.as_slice() else {
        return Err(PasswordError::malformed(FORMAT, "expected $argon2id$v=19$<params>$<salt>$<hash>"));
    };
    if *version != "v=19" {
        return Err(PasswordError::malformed(FORMAT, "only version 19 (v=19) is supported"));
    }
    let cost = parse_params(params)?;
    check_cost(&cost).map_err(|reason| PasswordError::limit(FORMAT, reason))?;
    let salt = B64.decode(salt).map_err(|_| PasswordError::malformed(FORMAT, "salt is not valid base64"))?;
    if !(MIN_SALT_LEN..=MAX_SALT_LEN).contains(&salt.len()) {
        return Err(PasswordError::malformed(FORMAT, "salt must be 8 to 1024 bytes"));
    }
    let expected = B64.decode(expected).map_err(|_| PasswordError::malformed(FORMAT, "hash is not valid base64"))?;
    if !(MIN_HASH_LEN..=MAX_HASH_LEN).contains(&expected.len()) {
        return Err(PasswordError::malformed(FORMAT, "hash must be 4 to 1024 bytes"));
    }
    let actual = derive(password, &salt, &cost, expected.len())
        .map_err(|_| PasswordError::malformed(FORMAT, "parameters rejected by argon2"))?;
    Ok(bool::from(actual.ct_eq(&expected)))
}

pub(super) fn hash(
    password: &[u8],
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
) -> Result<String, PasswordError> {
    let cost = Cost { memory_kib, iterations, parallelism };
    check_cost(&cost).map_err(|reason| PasswordError::InvalidParams { format: FORMAT, reason })?;
    let salt: [u8; NEW_SALT_LEN] = rand::random();
    let out = derive(password, &salt, &cost, NEW_HASH_LEN)
        .map_err(|e| PasswordError::Hashing { format: FORMAT, reason: e.to_string() })?;
    Ok(format!("$argon2id$v=19$m={memory_kib},t={iterations},p={parallelism}${}${}", B64.encode(salt), B64.encode(out)))
}

fn derive(password: &[u8], salt: &[u8], cost: &Cost, len: usize) -> Result<Vec<u8>, argon2::Error> {
    let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, Some(len))?;
    let mut out = vec![0u8; len];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password_into(password, salt, &mut out)?;
    Ok(out)
}

/// Parses `m=…,t=…,p=…` (each exactly once, any order, nothing else).
fn parse_params(text: &str) -> Result<Cost, PasswordError> {
    let bad = || PasswordError::malformed(FORMAT, "parameters must be m=<KiB>,t=<passes>,p=<lanes>");
    let (mut m, mut t, mut p) = (None, None, None);
    for pair in text.split(',') {
        let (name, value) = pair.split_once('=').ok_or_else(bad)?;
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let value: u32 =
            value.parse().map_err(|_| PasswordError::limit(FORMAT, "parameter value does not fit 32 bits"))?;
        let slot = match name {
            "m" => &mut m,
            "t" => &mut t,
            "p" => &mut p,
            _ => return Err(bad()),
        };
        if slot.replace(value).is_some() {
            return Err(bad());
        }
    }
    match (m, t, p) {
        (Some(memory_kib), Some(iterations), Some(parallelism)) => Ok(Cost { memory_kib, iterations, parallelism }),
        _ => Err(bad()),
    }
}

fn check_cost(cost: &Cost) -> Result<(), &'static str> {
    if cost.parallelism == 0 || cost.parallelism > MAX_LANES {
        return Err("parallelism must be 1 to 255");
    }
    if cost.iterations == 0 {
        return Err("iterations must be at least 1");
    }
    if cost.memory_kib < 8 * cost.parallelism {
        return Err("memory must be at least 8 KiB per lane");
    }
    if cost.memory_kib > MAX_ARGON2_MEMORY_KIB {
        return Err("memory above 1 GiB");
    }
    if cost.iterations > MAX_ARGON2_ITERATIONS {
        return Err("more than 1000 iterations");
    }
    if u64::from(cost.memory_kib) * u64::from(cost.iterations) > MAX_WORK {
        return Err("memory × iterations above 4 GiB");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: (u32, u32, u32) = (64, 1, 1);

    #[test]
    fn hash_round_trips_in_phc_format() {
        let h = hash(b"hunter2", SMALL.0, SMALL.1, SMALL.2).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{h}");
        let fields: Vec<&str> = h.split('$').collect();
        assert_eq!(fields.len(), 6);
        assert_eq!(B64.decode(fields[4]).unwrap().len(), 16);
        assert_eq!(B64.decode(fields[5]).unwrap().len(), 32);
        assert!(!fields[4].contains('=') && !fields[5].contains('='));
        assert!(verify(b"hunter2", &h).unwrap());
        assert!(!verify(b"hunter3", &h).unwrap());
    }

    #[test]
    fn params_may_come_in_any_order_and_padding_is_tolerated() {
        let h = hash(b"pw", 64, 2, 1).unwrap();
        let reordered = h.replace("m=64,t=2,p=1", "p=1,m=64,t=2");
        assert!(verify(b"pw", &reordered).unwrap());
        let fields: Vec<&str> = h.split('$').collect();
        let padded = format!("$argon2id$v=19${}${}=${}=", fields[3], fields[4], fields[5]);
        assert!(verify(b"pw", &padded).unwrap());
    }

    #[test]
    fn bad_params_are_refused_for_new_hashes() {
        for (m, t, p) in [(64, 0, 1), (64, 1, 0), (64, 1, 256), (7, 1, 1), (2 * 1024 * 1024, 1, 1)] {
            assert!(matches!(hash(b"pw", m, t, p), Err(PasswordError::InvalidParams { .. })), "{m} {t} {p}");
        }
    }

    #[test]
    fn malformed_or_expensive_hashes_are_errors() {
        let salt = "c2FsdHNhbHRzYWx0"; // "saltsaltsalt"
        let key = "aGFzaGhhc2hoYXNoaGFzaA"; // 16 bytes
        let limit = |params: &str| {
            let stored = format!("$argon2id$v=19${params}${salt}${key}");
            verify(b"pw", &stored)
        };
        assert!(matches!(limit("m=4194304,t=1,p=1"), Err(PasswordError::LimitExceeded { .. })));
        assert!(matches!(limit("m=1048576,t=5,p=1"), Err(PasswordError::LimitExceeded { .. })));
        assert!(matches!(limit("m=64,t=1001,p=1"), Err(PasswordError::LimitExceeded { .. })));
        assert!(matches!(limit("m=64,t=0,p=1"), Err(PasswordError::LimitExceeded { .. })));
        assert!(matches!(limit("m=99999999999,t=1,p=1"), Err(PasswordError::LimitExceeded { .. })));
        for params in ["m=64,t=1", "m=64,t=1,p=1,x=2", "m=64,m=64,t=1,p=1", "m=,t=1,p=1", "m=-1,t=1,p=1", ""] {
            assert!(matches!(limit(params), Err(PasswordError::Malformed { .. })), "{params}");
        }
        for stored in [
            "$argon2id$".to_string(),
            format!("$argon2id$v=16$m=64,t=1,p=1${salt}${key}"),
            format!("$argon2id$m=64,t=1,p=1${salt}${key}"),
            format!("$argon2id$v=19$m=64,t=1,p=1$!!!${key}"),
            format!("$argon2id$v=19$m=64,t=1,p=1${salt}$***"),
            format!("$argon2id$v=19$m=64,t=1,p=1$c2FsdA${key}"),
            format!("$argon2id$v=19$m=64,t=1,p=1${salt}$"),
            format!("$argon2id$v=19$m=64,t=1,p=1${salt}${key}$extra"),
        ] {
            assert!(matches!(verify(b"pw", &stored), Err(PasswordError::Malformed { .. })), "{stored}");
        }
    }
}
