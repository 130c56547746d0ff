//! yescrypt as written by libxcrypt (the default on current Debian, Ubuntu and Fedora):
//! `$y$<params>$<salt>$<hash>`, all three fields in crypt's base64 alphabet. The computation is
//! delegated to RustCrypto's `yescrypt` crate, which verifies hashes produced by libxcrypt
//! (checked with `mkpasswd -m yescrypt` vectors below); this module bounds the memory and time
//! the parameters may ask for before running it.

use std::str::FromStr;

use yescrypt::{Mode, Params, PasswordVerifier, Yescrypt};

use super::{HashFormat, PasswordError};

const FORMAT: HashFormat = HashFormat::Yescrypt;
/// Largest block memory (128 × N × r bytes) accepted: 1 GiB. libxcrypt's costliest preset uses
/// 1 GiB too; its default uses 16 MiB.
const MAX_MEMORY: u128 = 1 << 30;
const MAX_P: u32 = 16;
/// Largest `t` (extra time factor) accepted.
const MAX_T: u32 = 8;

pub(super) fn verify(password: &[u8], stored: &str) -> Result<bool, PasswordError> {
    let bad = |reason| PasswordError::malformed(FORMAT, reason);
    let rest = stored.get(FORMAT.prefix().len()..).unwrap_or_default();
    let fields: Vec<&str> = rest.split('$').collect();
    let [params, salt, hash] = fields.as_slice() else {
        return Err(bad("expected $y$<params>$<salt>$<hash>"));
    };
    if salt.is_empty() || hash.is_empty() {
        return Err(bad("empty salt or hash"));
    }
    let parsed = Params::from_str(params).map_err(|_| bad("invalid parameters"))?;
    check_cost(params, &parsed)?;
    match Yescrypt::default().verify_password(password, stored) {
        Ok(()) => Ok(true),
        Err(yescrypt::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(_) => Err(bad("rejected by the yescrypt decoder")),
    }
}

/// Rejects parameters that would need too much memory or time.
///
/// The parsed [`Params`] exposes N, r and p but not `t`, so `t` is found by re-encoding
/// candidates with the same N, r, p and each mode and comparing with the stored text; a
/// parameter string that matches none (t above [`MAX_T`], or unusual fields) is refused.
fn check_cost(text: &str, params: &Params) -> Result<(), PasswordError> {
    let (n, r, p) = (params.n(), params.r(), params.p());
    if n < 2 || r == 0 || p == 0 {
        return Err(PasswordError::malformed(FORMAT, "N, r and p must be positive"));
    }
    if 128 * u128::from(n) * u128::from(r) > MAX_MEMORY {
        return Err(PasswordError::limit(FORMAT, "more than 1 GiB of memory"));
    }
    if p > MAX_P {
        return Err(PasswordError::limit(FORMAT, "parallelism above 16"));
    }
    // Both bounds above keep r × p far below 2^30, so re-encoding cannot fail.
    for mode in [Mode::Rw, Mode::Worm, Mode::Classic] {
        for t in 0..=MAX_T {
            if let Ok(candidate) = Params::new_with_all_params(mode, n, r, p, t, 0)
                && candidate.to_string() == text
            {
                return Ok(());
            }
        }
    }
    Err(PasswordError::limit(FORMAT, "unsupported or too costly parameters"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Produced on Debian with `mkpasswd -m yescrypt [-R n]` (libxcrypt) and Python's crypt module.
    const VECTORS: [(&str, &str); 6] = [
        ("password", "$y$j9T$Ss7TnfsDIk2Z.rokdvAfb/$cvqCXH9zwspnQHkrfk3cKVx4QpUqQKEeE1AreFm34o6"),
        ("pässwörd", "$y$jBT$Epy9WKQtdO0ss4R2q4x.1.$AnHniOegiJwJDl44XvQ.3.ORfGOsilLK95wNeGjLo0A"),
        ("password", "$y$j9T$saltsaltsaltsalt$Uxvkjnhdr/2B6SINV1mXACdXVbd5kc899ms5aqhxMQD"),
        ("password", "$y$j75$7uQlxQQ8NIhusO1iYttaK1$VkT4okObM1tDNO7rkbTRi/b4SMJ.VGzvXGYGnr6TsDA"),
        ("password", "$y$jCT$f8NIGsyAVzOcajQLXEpeL.$JD7rmDMLG0WZbd7DbGuyG2/DVzDIV9EYV7Z2YnJJnJ."),
        ("password", "$y$jFT$ZhagoAsk3fIfj/5QZCTq7.$/YGzww0IH.AbgTm/Rpu/zJIeLixA/gy1ybEsp9oPDL8"),
    ];

    #[test]
    fn verifies_libxcrypt_hashes() {
        for (password, stored) in VECTORS {
            assert!(verify(password.as_bytes(), stored).unwrap(), "{stored}");
            assert!(!verify(b"wrong", stored).unwrap(), "{stored}");
        }
    }

    #[test]
    fn malformed_or_expensive_values_are_errors() {
        let tail = "Ss7TnfsDIk2Z.rokdvAfb/$cvqCXH9zwspnQHkrfk3cKVx4QpUqQKEeE1AreFm34o6";
        for stored in [
            "$y$".to_string(),
            "$y$j9T$salt".to_string(),
            format!("$y$!!!${tail}"),
            format!("$y$j9T$${}", "cvqCXH9zwspnQHkrfk3cKVx4QpUqQKEeE1AreFm34o6"),
            format!("$y$j9T${tail}$extra"),
            "$y$j9T$Ss7TnfsDIk2Z.rokdvAfb/$!!!".to_string(),
        ] {
            assert!(matches!(verify(b"x", &stored), Err(PasswordError::Malformed { .. })), "{stored}");
        }
        // "jZT": N = 2^26 with r = 32 would need 256 GiB.
        assert!(matches!(verify(b"x", &format!("$y$jZT${tail}")), Err(PasswordError::LimitExceeded { .. })));
    }
}
