//! Stored hashes in every format SFTPGo accepts must verify their password and reject others.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use wharf_secrets::password::{self, HashAlgo, HashFormat, PasswordError};

/// The hash vectors of SFTPGo's own hashed-password tests, with their plaintexts.
const SFTPGO_VECTORS: &[(&str, &str)] = &[
    ("password", "$argon2id$v=19$m=65536,t=3,p=2$xtcO/oRkC8O2Tn+mryl2mw$O7bn24f2kuSGRMi9s5Cm61Wqd810px1jDsAasrGWkzQ"),
    ("password", "$pbkdf2-sha1$150000$DveVjgYUD05R$X6ydQZdyMeOvpgND2nqGR/0GGic="),
    ("password", "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo="),
    (
        "password",
        "$pbkdf2-sha512$150000$dsu7T5R3IaVQ$1hFXPO1ntRBcoWkSLKw+s4sAP09Xtu4Ya7CyxFq64jM9zdUg8eRJVr3NcR2vQgb0W9HHvZaILHsL4Q/Vr6arCg==",
    ),
    ("password", "$1$b5caebda$VODr/nyhGWgZaY8sJ4x05."),
    ("secret", "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK"),
    (
        "secret",
        "$6$459ead56b72e44bc$uog86fUxscjt28BZxqFBE2pp2QD8P/1e98MNF75Z9xJfQvOckZnQ/1YJqiq1XeytPuDieHZvDAMoP7352ELkO1",
    ),
    ("password", "$5$h4Aalt0fJdGX8sgv$Rd2ew0fvgzUN.DzAVlKa9QL4q/DZWo4SsKpB9.3AyZ/"),
    ("password", "$apr1$OBWLeSme$WoJbB736e7kKxMBIAqilb1"),
    ("password", "{MD5}5f4dcc3b5aa765d61d8327deb882cf99"),
    ("password", "{SHA256}5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
    (
        "password",
        "{SHA512}b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86",
    ),
];

/// Extra vectors made with Python's hashlib and libxcrypt (`mkpasswd -m yescrypt`).
const OTHER_VECTORS: &[(&str, &str)] = &[
    ("password", "$pbkdf2-sha1$1000$NaCl$lyyzCFlAUpkzVJDKKPSl1PyJGrk="),
    ("pässwörd", "$pbkdf2-sha256$1000$saltsalt$48x5uCaVNWWLVkyLaRqhNAqjN+vMTFM9KOF0XuPOdR0="),
    ("password", "$y$j9T$Ss7TnfsDIk2Z.rokdvAfb/$cvqCXH9zwspnQHkrfk3cKVx4QpUqQKEeE1AreFm34o6"),
];

#[test]
fn sftpgo_vectors_verify_and_reject_wrong_passwords() {
    for &(plain, stored) in SFTPGO_VECTORS.iter().chain(OTHER_VECTORS) {
        assert!(password::is_hash(stored), "{stored}");
        assert_eq!(password::verify(plain, stored), Ok(true), "{stored}");
        assert_eq!(password::verify(&format!("{plain}x"), stored), Ok(false), "{stored}");
        assert_eq!(password::verify("", stored), Ok(false), "{stored}");
        assert!(password::needs_rehash(stored, &HashAlgo::ARGON2ID_DEFAULT) || stored.starts_with("$argon2id$"));
    }
}

/// A 389-DS `{PBKDF2_SHA256}` value (base64 of a big-endian u32 iteration count, a 64-byte salt
/// and a 256-byte key, made with Python's hashlib for "password") converted into the
/// `$pbkdf2-b64salt-sha256$` form, the way SFTPGo documents importing such hashes.
#[test]
fn converted_389ds_hash_verifies() {
    const DS: &str = "AAAnEAMKERgfJi00O0JJUFdeZWxzeoGIj5adpKuyucDHztXc4+rx+P8GDRQbIikwNz5FTFNaYWhvdn2Ei5KZoKeutbwTAMPq3vXX4fgb1ECaHosa0bFRRI8hYZy7dBgKZDDKFuXc8jktNKCMGHQdpy4F5OgLC+PGoold3Zh5vbCDpJx0N083ZexMXeqErhlcjPy221p9Qh8h8czvprc0TXrgaRdNY/LmqHkH65BCJWzIvjPVn0ukzZMvtT+dkFGwuq6rWVh6HFqOq82+FywI/ta+gO924iWLzLNEOmmsEfVSL5hhZXtH/f5EWP1jEGkgU4yd4gc4ISVOU+XgXvdqKliJwBpD6ntlOahbW6ZlqEDZgo8Xf5Js17HeCdSlWrQxV+xESkG4Z6VVeZIHoqeBwrtpsq+5B3x5AP3xJ5yXExvmWfqc";
    let raw = STANDARD.decode(DS).unwrap();
    let iterations = u32::from_be_bytes(raw[..4].try_into().unwrap());
    let (salt, key) = raw[4..].split_at(64);
    assert_eq!((iterations, key.len()), (10_000, 256));
    let stored = format!("$pbkdf2-b64salt-sha256${iterations}${}${}", STANDARD.encode(salt), STANDARD.encode(key));
    assert_eq!(HashFormat::detect(&stored), Some(HashFormat::Pbkdf2B64SaltSha256));
    assert!(password::is_hash(&stored));
    assert_eq!(password::verify("password", &stored), Ok(true));
    assert_eq!(password::verify("Password", &stored), Ok(false));
}

#[test]
fn new_hashes_verify_and_match_the_preferred_algorithm() {
    let bcrypt = HashAlgo::Bcrypt { cost: 4 };
    let argon = HashAlgo::Argon2id { memory_kib: 256, iterations: 1, parallelism: 2 };
    for algo in [bcrypt, argon] {
        let stored = password::hash("correct horse", &algo).unwrap();
        assert!(password::is_hash(&stored) && password::is_admin_hash(&stored), "{stored}");
        assert!(!password::needs_rehash(&stored, &algo));
        assert_eq!(password::verify("correct horse", &stored), Ok(true));
        assert_eq!(password::verify("correct horse ", &stored), Ok(false));
        // Two hashes of the same password differ (fresh salt).
        assert_ne!(stored, password::hash("correct horse", &algo).unwrap());
    }
    assert!(password::hash("x", &bcrypt).unwrap().starts_with("$2a$04$"));
    assert!(password::hash("x", &argon).unwrap().starts_with("$argon2id$v=19$m=256,t=1,p=2$"));
}

#[test]
fn errors_never_mention_the_password_or_the_hash() {
    let secret = "S3cr3t-Pa55";
    let cases = [
        "$2a$10$S3cr3t-Pa55".to_string(),
        format!("$pbkdf2-sha256$0${secret}$AAAA"),
        format!("$argon2id$v=19$m=64,t=1,p=1${secret}$AAAA"),
        format!("{{SHA256}}{secret}"),
        format!("$1${secret}$short"),
        format!("$6${secret}"),
        format!("$y${secret}$a$b"),
        secret.to_string(),
    ];
    for stored in cases {
        let err = password::verify(secret, &stored).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains(secret), "{text}");
    }
    let err = password::hash(&"p".repeat(100), &HashAlgo::BCRYPT_DEFAULT).unwrap_err();
    assert_eq!(err, PasswordError::PasswordTooLong { max: 72 });
}
