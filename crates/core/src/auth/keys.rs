//! Credential matching that needs no data provider: a user's OpenSSH public keys, SSH user
//! certificates signed by trusted CAs, and TLS client certificates (FTP/WebDAV).

use std::collections::HashSet;
use std::net::IpAddr;

use base64::Engine as _;
use ssh_key::certificate::CertType;
use ssh_key::{Certificate, Fingerprint, HashAlg, PublicKey};
use wharf_model::User;
use wharf_model::validate::parse_authorized_key;

/// The only critical option of a user certificate Wharf understands (as SFTPGo).
pub const SOURCE_ADDRESS_OPTION: &str = "source-address";
/// `filters.tls_username` value that maps the certificate's common name to the user.
pub const TLS_USERNAME_CN: &str = "CommonName";

/// Which of the user's keys matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMatch {
    /// Position in `public_keys`.
    pub index: usize,
    /// `SHA256:…` fingerprint.
    pub fingerprint: String,
    /// The key's comment in `public_keys`.
    pub comment: String,
}

/// Finds `offered` among the user's `public_keys`, comparing key material only (comments and
/// `authorized_keys` options do not matter). Stored keys that no longer parse are skipped with a
/// warning instead of failing the login.
pub fn find_public_key(user: &User, offered: &PublicKey) -> Option<KeyMatch> {
    user.public_keys.iter().enumerate().find_map(|(index, text)| match parse_authorized_key(text) {
        Ok(stored) if stored.key_data() == offered.key_data() => Some(KeyMatch {
            index,
            fingerprint: stored.fingerprint(HashAlg::Sha256).to_string(),
            comment: stored.comment().to_string(),
        }),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(username = %user.username, index, error = %e, "stored public key cannot be parsed, skipped");
            None
        }
    })
}

/// The CAs trusted to sign user certificates (`sftpd.trusted_user_ca_keys`) and the revoked
/// certificates (`sftpd.revoked_user_certs_file`: SHA-256 fingerprints of certified keys).
#[derive(Debug, Clone, Default)]
pub struct CertAuthorities {
    trusted: Vec<Fingerprint>,
    revoked: HashSet<String>,
}

impl CertAuthorities {
    /// Trusts these CA keys and refuses certificates whose key has one of these fingerprints
    /// (`SHA256:…`, as `ssh-keygen -l` prints them).
    pub fn new(
        trusted_ca_keys: impl IntoIterator<Item = PublicKey>,
        revoked_fingerprints: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            trusted: trusted_ca_keys.into_iter().map(|k| k.fingerprint(HashAlg::Sha256)).collect(),
            revoked: revoked_fingerprints.into_iter().collect(),
        }
    }

    /// True if no CA is trusted (certificate logins are then refused).
    pub fn is_empty(&self) -> bool {
        self.trusted.is_empty()
    }
}

/// Checks an SSH user certificate presented for `username` from `ip` at `now_secs` (Unix time):
/// a user (not host) certificate, signed by a trusted CA with a valid signature, inside its validity
/// window, with at least one principal and `username` among them, not revoked, and with no critical
/// option but `source-address`, which must then list `ip`. The error says what failed.
pub fn check_user_certificate(
    cert: &Certificate,
    username: &str,
    ip: IpAddr,
    now_secs: u64,
    cas: &CertAuthorities,
) -> Result<(), String> {
    let fingerprint = cert.public_key().fingerprint(HashAlg::Sha256).to_string();
    if cert.cert_type() != CertType::User {
        return Err(format!("certificate {fingerprint} is not a user certificate"));
    }
    let ca = cert.signature_key().fingerprint(HashAlg::Sha256);
    if !cas.trusted.contains(&ca) {
        return Err(format!("certificate {fingerprint} is signed by an untrusted authority {ca}"));
    }
    if cert.valid_principals().is_empty() {
        return Err(format!("certificate {fingerprint} has no principals"));
    }
    if cas.revoked.contains(&fingerprint) {
        return Err(format!("certificate {fingerprint} is revoked"));
    }
    if !cert.valid_principals().iter().any(|p| p == username) {
        return Err(format!("certificate {fingerprint} is not valid for user {username:?}"));
    }
    for (name, value) in cert.critical_options().iter() {
        if name != SOURCE_ADDRESS_OPTION {
            return Err(format!("certificate {fingerprint} has an unsupported critical option {name:?}"));
        }
        source_address_allows(value, ip).map_err(|e| format!("certificate {fingerprint}: {e}"))?;
    }
    cert.validate_at(now_secs, &cas.trusted).map_err(|_| {
        format!(
            "certificate {fingerprint} is not valid at {now_secs} (valid from {} before {}) or its signature does not verify",
            cert.valid_after(),
            cert.valid_before()
        )
    })
}

/// Checks a `source-address` option: comma-separated addresses and CIDR networks, one of which
/// must hold `ip`.
fn source_address_allows(list: &str, ip: IpAddr) -> Result<(), String> {
    let ip = ip.to_canonical();
    for item in list.split(',').map(str::trim) {
        let allowed = match item.parse::<IpAddr>() {
            Ok(addr) => addr.to_canonical() == ip,
            Err(_) => item
                .parse::<ipnet::IpNet>()
                .map_err(|_| format!("source-address restriction {item:?} cannot be parsed"))?
                .contains(&ip),
        };
        if allowed {
            return Ok(());
        }
    }
    Err(format!("address {ip} is not allowed by the source-address restriction {list:?}"))
}

/// True if a TLS client certificate (`der`, with the subject's common name if any) identifies
/// `user`: it is one of the PEM certificates in `filters.tls_certs`, or `filters.tls_username` is
/// `CommonName` and the common name is the username.
pub fn tls_certificate_matches(user: &User, der: &[u8], common_name: Option<&str>) -> bool {
    if user.filters.tls_certs.iter().any(|pem| pem_certificate_der(pem).is_some_and(|d| d == der)) {
        return true;
    }
    user.filters.tls_username == TLS_USERNAME_CN && common_name == Some(user.username.as_str())
}

/// The DER bytes of the first `CERTIFICATE` block of a PEM text.
pub fn pem_certificate_der(pem: &str) -> Option<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = pem.find(BEGIN)? + BEGIN.len();
    let len = pem[start..].find(END)?;
    let body: String = pem[start..start + len].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_address_lists() {
        let ip: IpAddr = "192.0.2.10".parse().unwrap();
        assert!(source_address_allows("192.0.2.10", ip).is_ok());
        assert!(source_address_allows("10.0.0.0/8, 192.0.2.0/24", ip).is_ok());
        assert!(source_address_allows("::ffff:192.0.2.10", ip).is_ok());
        assert!(source_address_allows("10.0.0.0/8", ip).unwrap_err().contains("not allowed"));
        assert!(source_address_allows("bogus", ip).unwrap_err().contains("cannot be parsed"));
    }

    #[test]
    fn pem_blocks_decode() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_certificate_der(pem), Some(vec![0, 1, 2, 3]));
        assert_eq!(pem_certificate_der("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----"), None);
        assert_eq!(pem_certificate_der("no pem"), None);
    }

    #[test]
    fn tls_certificates_match_by_der_or_common_name() {
        let mut u = User { username: "alice".into(), ..User::default() };
        u.filters.tls_certs = vec!["-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----".into()];
        assert!(tls_certificate_matches(&u, &[0, 1, 2], None));
        assert!(!tls_certificate_matches(&u, &[9], Some("alice")), "CN mapping is off");
        u.filters.tls_username = TLS_USERNAME_CN.into();
        assert!(tls_certificate_matches(&u, &[9], Some("alice")));
        assert!(!tls_certificate_matches(&u, &[9], Some("bob")));
        assert!(!tls_certificate_matches(&u, &[9], None));
    }
}
