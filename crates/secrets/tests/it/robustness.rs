//! Mutated hashes and secrets must give a result or an error, never a panic.

use wharf_model::{Secret, SecretStatus};
use wharf_secrets::kms::{Kms, KmsConfig};
use wharf_secrets::password::{self, HashAlgo};

/// Truncations and single-character substitutions of `original`.
fn mutations(original: &str) -> Vec<String> {
    let chars: Vec<char> = original.chars().collect();
    let mut out = Vec::new();
    for i in 0..chars.len() {
        out.push(chars[..i].iter().collect());
        for replacement in ['$', 'z', '0', '9', '.', '=', ',', 'é'] {
            let mut changed = chars.clone();
            changed[i] = replacement;
            out.push(changed.into_iter().collect());
        }
    }
    out.push(format!("{original}$"));
    out.push(format!("{original}{original}"));
    out
}

#[test]
fn mutated_password_hashes_never_panic() {
    let cheap = [
        password::hash("pw", &HashAlgo::Bcrypt { cost: 4 }).unwrap(),
        password::hash("pw", &HashAlgo::Argon2id { memory_kib: 32, iterations: 1, parallelism: 1 }).unwrap(),
        "$pbkdf2-sha1$2$salt$6mwBTcctb4zNHtkqzh1B8NjeiVc=".to_string(),
        "$pbkdf2-b64salt-sha256$2$c2FsdA==$6mwBTcctb4zNHtkqzh1B8NjeiVc=".to_string(),
        "$1$b5caebda$VODr/nyhGWgZaY8sJ4x05.".to_string(),
        "$apr1$OBWLeSme$WoJbB736e7kKxMBIAqilb1".to_string(),
        "$5$rounds=1000$longsaltlongsalt$Js92hVQgrUWZovkFcD09Gqx284wI5vp0SzJN7uVH83D".to_string(),
        "$y$j75$7uQlxQQ8NIhusO1iYttaK1$VkT4okObM1tDNO7rkbTRi/b4SMJ.VGzvXGYGnr6TsDA".to_string(),
        "{MD5}5f4dcc3b5aa765d61d8327deb882cf99".to_string(),
    ];
    let mut outcomes = [0usize; 3];
    for original in &cheap {
        for stored in mutations(original) {
            match password::verify("pw", &stored) {
                Ok(true) => outcomes[0] += 1,
                Ok(false) => outcomes[1] += 1,
                Err(_) => outcomes[2] += 1,
            }
        }
    }
    // The mutations reach all three outcomes, so the verifiers' checks are being exercised.
    assert!(outcomes.iter().all(|&n| n > 0), "{outcomes:?}");
}

#[test]
fn mutated_secrets_never_panic() {
    let kms = Kms::new(KmsConfig { url: String::new(), master_key: Some(b"mk".to_vec()) }).unwrap();
    let aes = Kms::new(KmsConfig { url: "builtin://".into(), master_key: None }).unwrap();
    let mut originals = Vec::new();
    for k in [&kms, &aes] {
        let mut s = Secret::plain("value");
        k.encrypt(&mut s, "user").unwrap();
        originals.push(s);
    }
    // "value" seals to 24 + 16 + 5 = 45 bytes, a multiple of 3: its base64 has no padding bits,
    // so every changed character changes the decoded bytes.
    let mut decrypted = 0;
    for original in &originals {
        for payload in mutations(&original.payload).into_iter().filter(|p| *p != original.payload) {
            let s = Secret { payload, ..original.clone() };
            decrypted += usize::from(kms.decrypt(&s).is_ok());
        }
        for key in mutations(&original.key).into_iter().filter(|k| *k != original.key) {
            let s = Secret { key, ..original.clone() };
            decrypted += usize::from(kms.decrypt(&s).is_ok());
        }
        for mode in [-1, 0, 1, 2, i32::MAX] {
            let s = Secret { mode, ..original.clone() };
            let _ = kms.decrypt(&s);
        }
    }
    assert_eq!(decrypted, 0);
    let s = Secret { status: SecretStatus::Secretbox, ..Secret::default() };
    assert!(kms.decrypt(&s).is_err());
}
