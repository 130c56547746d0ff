//! Algorithm lists: `sftpd.kex_algorithms`, `ciphers`, `macs`, `host_key_algorithms` and
//! `public_key_algorithms`, with safe defaults when a list is empty. A name russh does not know is
//! a configuration error naming the key.

use std::borrow::Cow;
use std::str::FromStr;

use russh::keys::Algorithm;
use russh::{Preferred, cipher, kex, mac};

use crate::SshError;

/// Key exchanges offered by default, strongest first.
pub const DEFAULT_KEX: [&str; 9] = [
    "mlkem768x25519-sha256",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group14-sha256",
];

/// Ciphers offered by default: AES-GCM first (hardware accelerated on most servers), then
/// ChaCha20-Poly1305, then the CTR modes.
pub const DEFAULT_CIPHERS: [&str; 6] = [
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
];

/// MACs offered by default (unused with the AEAD ciphers).
pub const DEFAULT_MACS: [&str; 4] =
    ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"];

/// Host key signature algorithms offered by default (those of the loaded keys are used).
pub const DEFAULT_HOST_KEY_ALGOS: [&str; 6] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

/// Client public key algorithms accepted by default (`ssh-rsa` with SHA-1 and DSA are not).
pub const DEFAULT_PUBLIC_KEY_ALGOS: [&str; 8] = [
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-256",
    "rsa-sha2-512",
];

/// Builds russh's preference lists from the configuration.
pub fn preferred(cfg: &wharf_config::SftpdConfig) -> Result<Preferred, SshError> {
    let kex_names = names(&cfg.kex_algorithms, &DEFAULT_KEX);
    let mut kex_list = Vec::with_capacity(kex_names.len() + 2);
    for (i, n) in kex_names.iter().enumerate() {
        kex_list.push(kex::Name::try_from(n.as_str()).map_err(|_| unknown("sftpd.kex_algorithms", i, n))?);
    }
    // Protocol extensions every server offers: extension negotiation and strict key exchange
    // (the Terrapin countermeasure).
    kex_list.push(kex::EXTENSION_SUPPORT_AS_SERVER);
    kex_list.push(kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER);

    let mut ciphers = Vec::new();
    for (i, n) in names(&cfg.ciphers, &DEFAULT_CIPHERS).iter().enumerate() {
        ciphers.push(cipher::Name::try_from(n.as_str()).map_err(|_| unknown("sftpd.ciphers", i, n))?);
    }
    let mut macs = Vec::new();
    for (i, n) in names(&cfg.macs, &DEFAULT_MACS).iter().enumerate() {
        macs.push(mac::Name::try_from(n.as_str()).map_err(|_| unknown("sftpd.macs", i, n))?);
    }
    let mut keys = Vec::new();
    for (i, n) in names(&cfg.host_key_algorithms, &DEFAULT_HOST_KEY_ALGOS).iter().enumerate() {
        keys.push(Algorithm::from_str(n).map_err(|_| unknown("sftpd.host_key_algorithms", i, n))?);
    }
    Ok(Preferred {
        kex: Cow::Owned(kex_list),
        key: Cow::Owned(keys),
        cipher: Cow::Owned(ciphers),
        mac: Cow::Owned(macs),
        compression: Cow::Borrowed(&[russh::compression::NONE]),
    })
}

/// The client public key algorithms accepted for logins, checked (names must be known).
pub fn public_key_algorithms(cfg: &wharf_config::SftpdConfig) -> Result<Vec<String>, SshError> {
    let list = names(&cfg.public_key_algorithms, &DEFAULT_PUBLIC_KEY_ALGOS);
    for (i, n) in list.iter().enumerate() {
        Algorithm::from_str(n).map_err(|_| unknown("sftpd.public_key_algorithms", i, n))?;
    }
    Ok(list)
}

fn names(configured: &[String], defaults: &[&str]) -> Vec<String> {
    if configured.is_empty() {
        defaults.iter().map(|s| (*s).to_owned()).collect()
    } else {
        configured.iter().map(|s| s.trim().to_owned()).collect()
    }
}

fn unknown(key: &str, index: usize, name: &str) -> SshError {
    SshError::Config { key: format!("{key}[{index}]"), reason: format!("unknown or unsupported algorithm {name:?}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_known_to_russh() {
        let cfg = wharf_config::SftpdConfig::default();
        let p = preferred(&cfg).unwrap();
        assert_eq!(p.cipher.first().map(|c| c.as_ref()), Some("aes128-gcm@openssh.com"));
        assert_eq!(p.kex.len(), DEFAULT_KEX.len() + 2);
        assert_eq!(public_key_algorithms(&cfg).unwrap().len(), DEFAULT_PUBLIC_KEY_ALGOS.len());
    }

    #[test]
    fn unknown_names_are_errors_naming_the_key() {
        let cfg =
            wharf_config::SftpdConfig { ciphers: vec!["aes128-ctr".into(), "rot13".into()], ..Default::default() };
        let err = preferred(&cfg).unwrap_err().to_string();
        assert!(err.contains("sftpd.ciphers[1]") && err.contains("rot13"), "{err}");
        let cfg = wharf_config::SftpdConfig { kex_algorithms: vec!["nope".into()], ..Default::default() };
        assert!(preferred(&cfg).unwrap_err().to_string().contains("sftpd.kex_algorithms[0]"));
    }
}
