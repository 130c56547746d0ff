//! Host keys: the configured ones (`sftpd.host_keys`), or, when none is configured, `id_rsa`,
//! `id_ecdsa` and `id_ed25519` in the config dir, generated at first start as SFTPGo does.

use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, EcdsaCurve, HashAlg, PrivateKey};

use crate::SshError;

/// The default host keys: file name and algorithm, in the order they are offered.
const DEFAULT_KEYS: [(&str, DefaultAlgo); 3] =
    [("id_ed25519", DefaultAlgo::Ed25519), ("id_ecdsa", DefaultAlgo::EcdsaP256), ("id_rsa", DefaultAlgo::Rsa3072)];

#[derive(Debug, Clone, Copy)]
enum DefaultAlgo {
    Ed25519,
    EcdsaP256,
    Rsa3072,
}

impl DefaultAlgo {
    fn algorithm(self) -> Algorithm {
        match self {
            DefaultAlgo::Ed25519 => Algorithm::Ed25519,
            DefaultAlgo::EcdsaP256 => Algorithm::Ecdsa { curve: EcdsaCurve::NistP256 },
            DefaultAlgo::Rsa3072 => Algorithm::Rsa { hash: Some(HashAlg::Sha256) },
        }
    }
}

/// Loads the host keys. `configured` are paths relative to `config_dir` unless absolute; when the
/// list is empty the default keys are read from `config_dir`, and generated (mode 0600) when
/// missing.
pub fn load_host_keys(configured: &[String], config_dir: &Path) -> Result<Vec<PrivateKey>, SshError> {
    if configured.is_empty() {
        return DEFAULT_KEYS.iter().map(|(name, algo)| load_or_generate(&config_dir.join(name), *algo)).collect();
    }
    configured
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let path = wharf_config::resolve_path(config_dir, value).ok_or_else(|| SshError::Config {
                key: format!("sftpd.host_keys[{i}]"),
                reason: format!("{value:?} is not a usable path"),
            })?;
            read_key(&path).map_err(|reason| SshError::Config { key: format!("sftpd.host_keys[{i}]"), reason })
        })
        .collect()
}

fn read_key(path: &Path) -> Result<PrivateKey, String> {
    russh::keys::load_secret_key(path, None).map_err(|e| format!("{}: {e}", path.display()))
}

fn load_or_generate(path: &Path, algo: DefaultAlgo) -> Result<PrivateKey, SshError> {
    let host_key_error = |reason: String| SshError::HostKey { path: PathBuf::from(path), reason };
    if path.exists() {
        return read_key(path).map_err(host_key_error);
    }
    let key = PrivateKey::random(&mut rand::rng(), algo.algorithm())
        .map_err(|e| host_key_error(format!("cannot generate the key: {e}")))?;
    let text = key.to_openssh(LineEnding::LF).map_err(|e| host_key_error(format!("cannot encode the key: {e}")))?;
    write_private(path, text.as_bytes()).map_err(|e| host_key_error(format!("cannot write the key: {e}")))?;
    if let Ok(public) = key.public_key().to_openssh() {
        let mut pub_path = path.as_os_str().to_owned();
        pub_path.push(".pub");
        if let Err(e) = std::fs::write(&pub_path, format!("{public}\n")) {
            tracing::warn!(path = %PathBuf::from(pub_path).display(), error = %e, "cannot write the public host key");
        }
    }
    tracing::info!(path = %path.display(), fingerprint = %key.public_key().fingerprint(HashAlg::Sha256), "host key generated");
    Ok(key)
}

/// Writes a new file readable by its owner only, failing if it appeared meanwhile (another
/// process generating the same key at the same time wins, and its key is read back).
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    drop(f);
    // hard_link fails if the target exists: first writer wins, without a window where the key
    // file is incomplete.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keys_are_generated_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_host_keys(&[], dir.path()).unwrap();
        assert_eq!(first.len(), 3);
        for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
            let meta = std::fs::metadata(dir.path().join(name)).unwrap();
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
            assert!(dir.path().join(format!("{name}.pub")).exists());
        }
        let again = load_host_keys(&[], dir.path()).unwrap();
        let fp = |k: &PrivateKey| k.public_key().fingerprint(HashAlg::Sha256).to_string();
        assert_eq!(first.iter().map(fp).collect::<Vec<_>>(), again.iter().map(fp).collect::<Vec<_>>());
    }

    #[test]
    fn configured_keys_must_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad"), "not a key").unwrap();
        let err = load_host_keys(&["bad".into()], dir.path()).unwrap_err().to_string();
        assert!(err.contains("sftpd.host_keys[0]") && err.contains("bad"), "{err}");
        let err = load_host_keys(&["missing".into()], dir.path()).unwrap_err().to_string();
        assert!(err.contains("missing"), "{err}");
    }
}
