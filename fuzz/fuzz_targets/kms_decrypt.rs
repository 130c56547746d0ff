//! Encrypted secrets come from dumps and the database: decrypting a corrupt or hostile one must
//! fail with an error, never panic, with or without a master key. Input layout: byte 0 picks the
//! status, byte 1 the mode (as a signed byte), the rest is `payload NUL key NUL additional_data`.
//!
//! Plain secrets are also encrypted with both schemes and must decrypt to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wharf_model::{Secret, SecretStatus};
use wharf_secrets::kms::{Kms, KmsConfig};

/// The master key of the KMS vectors in crates/secrets/tests, so seeds made from them decrypt.
const MASTER_KEY: &[u8] = b"a master key from config";

const STATUSES: [SecretStatus; 10] = [
    SecretStatus::Empty,
    SecretStatus::Plain,
    SecretStatus::Aes256Gcm,
    SecretStatus::Secretbox,
    SecretStatus::Gcp,
    SecretStatus::Aws,
    SecretStatus::VaultTransit,
    SecretStatus::AzureKeyVault,
    SecretStatus::OracleKeyVault,
    SecretStatus::Redacted,
];

fn kms(url: &str, master_key: Option<&[u8]>) -> Kms {
    match Kms::new(KmsConfig { url: url.to_string(), master_key: master_key.map(<[u8]>::to_vec) }) {
        Ok(kms) => kms,
        Err(e) => panic!("local KMS {url:?} refused: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let [status, mode, rest @ ..] = data else {
        return;
    };
    let mut parts = rest.splitn(3, |&b| b == 0).map(|p| String::from_utf8_lossy(p).into_owned());
    let secret = Secret {
        status: STATUSES[usize::from(*status) % STATUSES.len()],
        payload: parts.next().unwrap_or_default(),
        key: parts.next().unwrap_or_default(),
        additional_data: parts.next().unwrap_or_default(),
        mode: i32::from(*mode as i8),
    };
    let without_master = kms("", None);
    let with_master = kms("local://", Some(MASTER_KEY));
    let builtin = kms("builtin://", None);
    for kms in [&without_master, &with_master, &builtin] {
        let _ = kms.decrypt(&secret);
    }

    if secret.status == SecretStatus::Plain && !secret.payload.is_empty() {
        for kms in [&without_master, &with_master, &builtin] {
            let mut sealed = secret.clone();
            if let Err(e) = kms.encrypt(&mut sealed, &secret.additional_data) {
                panic!("{kms:?} cannot encrypt a plain secret: {e}");
            }
            match kms.decrypt(&sealed) {
                Ok(text) => assert_eq!(text, secret.payload, "{kms:?}: decrypted text differs"),
                Err(e) => panic!("{kms:?} cannot decrypt what it encrypted: {e}"),
            }
        }
    }
});
