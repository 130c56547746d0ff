//! KMS secrets: ciphertexts produced independently (libsodium through PyNaCl, and
//! pyca/cryptography; see `tests/vectors/gen_kms_vectors.py`) must decrypt, and the Kms must
//! round-trip and refuse anything tampered with.

use wharf_model::{Secret, SecretStatus};
use wharf_secrets::kms::{Kms, KmsConfig, KmsError, Scheme};

const MASTER_KEY: &str = "a master key from config";

fn kms(url: &str, master_key: Option<&str>) -> Kms {
    Kms::new(KmsConfig { url: url.into(), master_key: master_key.map(|k| k.as_bytes().to_vec()) }).unwrap()
}

fn secret(status: SecretStatus, key: &str, additional_data: &str, mode: i32, payload: &str) -> Secret {
    Secret { status, payload: payload.into(), key: key.into(), additional_data: additional_data.into(), mode }
}

fn secretbox_mode0() -> Secret {
    secret(
        SecretStatus::Secretbox,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "alice",
        0,
        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXz0mNxIAIkZhLQUk5yxkssBPpXDEteKqEhyjDHZHVStUqDUUN",
    )
}

fn secretbox_mode1() -> Secret {
    secret(
        SecretStatus::Secretbox,
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
        "folder_shared",
        1,
        "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ34RxdiXiDTvL9dOQeREaMicqMgD4vBNHPdNLZ2yS5bw==",
    )
}

fn secretbox_no_ad() -> Secret {
    secret(
        SecretStatus::Secretbox,
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        "",
        0,
        "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3yslJQ0lF/elENifBb/0Zml0yRh0RmStJ2U5y3kf9qMs3LA==",
    )
}

fn aes() -> Secret {
    secret(
        SecretStatus::Aes256Gcm,
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
        "bob",
        0,
        "e0e1e2e3e4e5e6e7e8e9eaeb94186fdbf22e6b6af98ab6f4bcc4f8d576c64fa7912744a4363805fdf4",
    )
}

fn aes_no_ad() -> Secret {
    secret(
        SecretStatus::Aes256Gcm,
        "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f",
        "",
        0,
        "303132333435363738393a3b7cc69bd6dc9baeb345aaa5e68be02532f22046d598ce5d3e6fbbcd471e3764a9b03d66c1935f0355702f",
    )
}

#[test]
fn independent_vectors_decrypt() {
    let with_master = kms("", Some(MASTER_KEY));
    let without = kms("builtin://", None);
    for k in [&with_master, &without] {
        assert_eq!(k.decrypt(&secretbox_mode0()).unwrap(), "my secret access key");
        assert_eq!(k.decrypt(&secretbox_no_ad()).unwrap(), "no additional data");
        assert_eq!(k.decrypt(&aes()).unwrap(), "legacy secret");
        assert_eq!(k.decrypt(&aes_no_ad()).unwrap(), "legacy, no additional data");
    }
    assert_eq!(with_master.decrypt(&secretbox_mode1()).unwrap(), "pässwörd 🔐");
}

#[test]
fn mode1_needs_the_right_master_key() {
    assert_eq!(kms("", None).decrypt(&secretbox_mode1()), Err(KmsError::MasterKeyRequired));
    assert_eq!(
        kms("", Some("another master key")).decrypt(&secretbox_mode1()),
        Err(KmsError::DecryptionFailed { status: "Secretbox" })
    );
    let mut odd = secretbox_mode1();
    odd.mode = 2;
    assert_eq!(kms("", Some(MASTER_KEY)).decrypt(&odd), Err(KmsError::UnknownMode(2)));
}

#[test]
fn wrong_additional_data_or_key_fails() {
    let k = kms("", Some(MASTER_KEY));
    for mut s in [secretbox_mode0(), secretbox_mode1(), aes()] {
        s.additional_data.push('x');
        assert!(matches!(k.decrypt(&s), Err(KmsError::DecryptionFailed { .. })), "{s:?}");
    }
    for mut s in [secretbox_mode0(), aes()] {
        s.key = s.key.replace("0c", "0d").replace("cc", "cd");
        assert!(matches!(k.decrypt(&s), Err(KmsError::DecryptionFailed { .. })), "{s:?}");
    }
}

#[test]
fn tampered_payloads_fail() {
    let k = kms("", Some(MASTER_KEY));
    // Flip one character at a few positions in each payload (nonce, tag and ciphertext bytes).
    for original in [secretbox_mode0(), secretbox_mode1(), aes(), aes_no_ad()] {
        for pos in [0, 30, original.payload.len() - 5] {
            let mut s = original.clone();
            let mut chars: Vec<char> = s.payload.chars().collect();
            chars[pos] = if chars[pos] == 'a' { 'b' } else { 'a' };
            s.payload = chars.into_iter().collect();
            assert!(matches!(k.decrypt(&s), Err(KmsError::DecryptionFailed { .. })), "{pos} {s:?}");
        }
    }
}

#[test]
fn malformed_secrets_are_errors_not_panics() {
    let k = kms("", None);
    let bad = |mut s: Secret, edit: &dyn Fn(&mut Secret)| {
        edit(&mut s);
        k.decrypt(&s)
    };
    for s in [secretbox_mode0(), aes()] {
        for edit in [
            &(|s: &mut Secret| s.key = "zz".into()) as &dyn Fn(&mut Secret),
            &|s: &mut Secret| s.key = String::new(),
            &|s: &mut Secret| s.key = "00ff".into(),
            &|s: &mut Secret| s.key.push('0'),
            &|s: &mut Secret| s.payload = String::new(),
            &|s: &mut Secret| s.payload = "%%%%".into(),
            &|s: &mut Secret| s.payload.truncate(20),
            &|s: &mut Secret| s.payload.push('!'),
        ] {
            assert!(matches!(bad(s.clone(), edit), Err(KmsError::Malformed { .. })), "{s:?}");
        }
    }
}

#[test]
fn encrypt_then_decrypt_round_trips() {
    for (url, master, status, mode) in [
        ("", None, SecretStatus::Secretbox, 0),
        ("local://", Some(MASTER_KEY), SecretStatus::Secretbox, 1),
        ("builtin://", None, SecretStatus::Aes256Gcm, 0),
        ("builtin://", Some(MASTER_KEY), SecretStatus::Aes256Gcm, 0),
    ] {
        let k = kms(url, master);
        let mut s = Secret::plain("hunter2 ✓");
        k.encrypt(&mut s, "user1").unwrap();
        assert_eq!((s.status, s.mode, s.additional_data.as_str()), (status, mode, "user1"));
        assert_eq!(s.key.len(), 64);
        assert!(!s.payload.contains("hunter2"));
        assert_eq!(k.decrypt(&s).unwrap(), "hunter2 ✓");

        // Fresh key and nonce every time.
        let mut again = Secret::plain("hunter2 ✓");
        k.encrypt(&mut again, "user1").unwrap();
        assert_ne!((&again.key, &again.payload), (&s.key, &s.payload));

        // Encrypting again leaves an encrypted secret untouched.
        let before = s.clone();
        k.encrypt(&mut s, "someone else").unwrap();
        assert_eq!(s, before);
    }
}

#[test]
fn mode0_secrets_survive_adding_a_master_key() {
    let mut s = Secret::plain("cloud key");
    kms("", None).encrypt(&mut s, "bob").unwrap();
    assert_eq!(s.mode, 0);
    assert_eq!(kms("", Some(MASTER_KEY)).decrypt(&s).unwrap(), "cloud key");
}

#[test]
fn secrets_of_any_local_scheme_decrypt_whatever_the_url() {
    let mut s = Secret::plain("v");
    kms("builtin://", None).encrypt(&mut s, "x").unwrap();
    assert_eq!(kms("local://", None).decrypt(&s).unwrap(), "v");
}

#[test]
fn statuses_other_than_plain_are_handled() {
    let k = kms("", None);
    let mut empty = Secret::default();
    k.encrypt(&mut empty, "u").unwrap();
    assert!(empty.is_empty());
    assert_eq!(k.decrypt(&empty), Err(KmsError::Empty));

    let mut redacted = Secret::plain("x").redacted();
    assert_eq!(k.encrypt(&mut redacted, "u"), Err(KmsError::Redacted));
    assert_eq!(k.decrypt(&redacted), Err(KmsError::Redacted));

    let mut blank = Secret::plain("");
    assert_eq!(k.encrypt(&mut blank, "u"), Err(KmsError::EmptyPayload));

    let mut no_status = secret(SecretStatus::Empty, "", "", 0, "abc");
    assert_eq!(k.encrypt(&mut no_status, "u"), Err(KmsError::MissingStatus));

    assert_eq!(k.decrypt(&Secret::plain("as is")).unwrap(), "as is");

    for status in [
        SecretStatus::Aws,
        SecretStatus::Gcp,
        SecretStatus::VaultTransit,
        SecretStatus::AzureKeyVault,
        SecretStatus::OracleKeyVault,
    ] {
        let mut s = secret(status, "", "u", 0, "opaque");
        assert_eq!(k.decrypt(&s), Err(KmsError::UnsupportedStatus { status: status.as_str() }));
        k.encrypt(&mut s, "u").unwrap();
        assert_eq!(s.payload, "opaque");
    }
}

#[test]
fn non_utf8_plaintext_is_an_error() {
    // Secretbox of the bytes ff fe under the mode 0 key of `secretbox_mode0` (made by PyNaCl).
    let mut s = secretbox_mode0();
    s.payload = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXTIx9Ga19GwxJVRQT8mCUkoFu".into();
    assert_eq!(kms("", None).decrypt(&s), Err(KmsError::NotUtf8 { status: "Secretbox" }));
}

#[test]
fn url_selects_the_scheme() {
    assert_eq!(kms("", None).scheme(), Scheme::Secretbox);
    assert_eq!(kms("local://", None).scheme(), Scheme::Secretbox);
    assert_eq!(kms("builtin://", None).scheme(), Scheme::Aes256Gcm);
    for (url, scheme) in [
        ("awskms:///alias/key", "awskms"),
        ("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", "gcpkms"),
        ("hashivault://key", "hashivault"),
        ("azurekeyvault://vault/keys/k", "azurekeyvault"),
        ("ocikeyvault://x", "ocikeyvault"),
    ] {
        let err = Kms::new(KmsConfig { url: url.into(), master_key: None }).unwrap_err();
        assert_eq!(err, KmsError::ExternalKms { scheme: scheme.into() });
    }
    let err = Kms::new(KmsConfig { url: "lcoal://".into(), master_key: None }).unwrap_err();
    assert_eq!(err, KmsError::UnsupportedScheme { scheme: "lcoal".into() });
}

#[test]
fn master_key_from_config_parts() {
    let c = KmsConfig::from_parts("", "from-string", Some(b"  from-file\n"));
    assert_eq!(c.master_key.as_deref(), Some(&b"from-file"[..]));
    let c = KmsConfig::from_parts("", "from-string", None);
    assert_eq!(c.master_key.as_deref(), Some(&b"from-string"[..]));
    let c = KmsConfig::from_parts("local://", "", None);
    assert_eq!(c.master_key, None);
    assert_eq!(c.url, "local://");
    // An empty file means no master key, even when the string setting has one.
    let c = KmsConfig::from_parts("", "from-string", Some(b"\n"));
    assert_eq!(c.master_key, None);
    assert!(!Kms::new(c).unwrap().has_master_key());
    // The key never shows in Debug output.
    let c = KmsConfig::from_parts("", MASTER_KEY, None);
    assert!(!format!("{c:?} {:?}", Kms::new(c.clone()).unwrap()).contains("master key from"));
}
