//! Field-level checks shared by the validators: e-mail syntax, OpenSSH public keys, X.509
//! certificates, CIDR networks, secrets, PNG images, URLs.

use base64::Engine as _;
use ssh_key::PublicKey;
use ssh_key::public::KeyData;

use crate::secret::{Secret, SecretStatus};

/// Loose e-mail syntax check, close to SFTPGo's: `local@domain.tld`, where the local part is a
/// dot-separated run of atom characters (or a quoted string) and the domain has at least two
/// labels with an alphabetic top-level label.
pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    valid_local_part(local) && valid_domain(domain)
}

fn valid_local_part(local: &str) -> bool {
    if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        return !local[1..local.len() - 1].contains(['"', '\r', '\n']);
    }
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || (c as u32) >= 0xA0;
    !local.is_empty() && local.split('.').all(|atom| !atom.is_empty() && atom.chars().all(atom_char))
}

fn valid_domain(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let wide = |c: char| (c as u32) >= 0xA0;
    let edge = |c: char| c.is_ascii_alphanumeric() || wide(c);
    let inner = |c: char| edge(c) || c == '-' || c == '~';
    let label_ok = |label: &str| {
        let (Some(first), Some(last)) = (label.chars().next(), label.chars().last()) else {
            return false;
        };
        edge(first) && edge(last) && label.chars().all(inner)
    };
    let tld_ok = |label: &str| {
        let letter = |c: char| c.is_ascii_alphabetic() || wide(c);
        label.chars().next().is_some_and(letter) && label.chars().last().is_some_and(letter)
    };
    labels.iter().all(|l| label_ok(l)) && labels.last().is_some_and(|l| tld_ok(l))
}

/// Parses the first key of an `authorized_keys` text: blank and `#` lines are skipped, and a
/// leading options field (`from="…",no-pty …`) is allowed, as in OpenSSH.
pub fn parse_authorized_key(text: &str) -> Result<PublicKey, String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| "no key found".to_string())?;
    match PublicKey::from_openssh(line) {
        Ok(key) => Ok(key),
        Err(first_err) => {
            let rest = skip_options(line).trim_start();
            if rest.is_empty() || rest.len() == line.len() {
                return Err(first_err.to_string());
            }
            PublicKey::from_openssh(rest).map_err(|_| first_err.to_string())
        }
    }
}

/// Skips the options field of an authorized_keys line (up to the first unquoted blank).
fn skip_options(line: &str) -> &str {
    let mut in_quotes = false;
    let mut escaped = false;
    for (idx, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => in_quotes = !in_quotes,
            ' ' | '\t' if !in_quotes => return &line[idx..],
            _ => {}
        }
    }
    ""
}

/// The size of an RSA key in bits (of its modulus).
fn rsa_bits(key: &ssh_key::public::RsaPublicKey) -> usize {
    match key.n.as_positive_bytes() {
        Some(bytes) => match bytes.iter().position(|b| *b != 0) {
            Some(i) => (bytes.len() - i) * 8 - bytes[i].leading_zeros() as usize,
            None => 0,
        },
        None => 0,
    }
}

/// Why a public key is refused, if it is: unparsable, DSA, or RSA shorter than 2048 bits.
pub(crate) fn check_public_key(text: &str) -> Result<(), String> {
    let key = parse_authorized_key(text).map_err(|e| format!("invalid public key: {e}"))?;
    match key.key_data() {
        KeyData::Dsa(_) => Err("DSA keys are insecure and not accepted".to_string()),
        KeyData::Rsa(rsa) if rsa_bits(rsa) < 2048 => {
            Err(format!("RSA key of {} bits is too small, the minimum is 2048", rsa_bits(rsa)))
        }
        _ => Ok(()),
    }
}

/// Parses a CIDR network (`192.0.2.0/24`, `2001:db8::/32`); host bits may be set, as Go allows.
pub(crate) fn check_cidr(value: &str) -> Result<(), String> {
    value.parse::<ipnet::IpNet>().map(|_| ()).map_err(|_| format!("{value:?} is not a valid network in CIDR notation"))
}

/// Checks that a secret is either unset or consistent: a status, and a payload unless redacted.
pub(crate) fn check_secret(secret: &Secret) -> Result<(), String> {
    match secret.status {
        SecretStatus::Empty if secret.payload.is_empty() => Ok(()),
        SecretStatus::Empty => Err("a secret with a payload needs a status".to_string()),
        SecretStatus::Redacted => Ok(()),
        _ if secret.payload.is_empty() => Err("the secret payload is empty".to_string()),
        _ => Ok(()),
    }
}

/// True for `http://host…` and `https://host…`.
pub(crate) fn is_http_url(value: &str) -> bool {
    let rest = value.strip_prefix("http://").or_else(|| value.strip_prefix("https://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

/// Checks a PEM certificate: it must decode and parse as X.509, and an RSA key must have at
/// least 2048 bits.
pub(crate) fn check_tls_cert(pem: &str) -> Result<(), String> {
    let der = pem_body(pem).ok_or_else(|| "not a PEM encoded certificate".to_string())?;
    match rsa_modulus_bits(&der) {
        Err(()) => Err("cannot parse the X.509 certificate".to_string()),
        Ok(Some(bits)) if bits < 2048 => Err(format!("RSA key of {bits} bits is too small, the minimum is 2048")),
        Ok(_) => Ok(()),
    }
}

fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let start = pem.find("-----BEGIN ")?;
    let after = &pem[start..];
    let header_end = after.find('\n')?;
    let body_and_rest = &after[header_end + 1..];
    let end = body_and_rest.find("-----END ")?;
    let body: String = body_and_rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(body.as_bytes()).ok()
}

/// One DER element: (tag, content, rest).
fn der(input: &[u8]) -> Result<(u8, &[u8], &[u8]), ()> {
    let (&tag, rest) = input.split_first().ok_or(())?;
    let (&first, rest) = rest.split_first().ok_or(())?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(());
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(());
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const RSA_OID: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Walks a DER certificate down to its public key; returns the RSA modulus size in bits for
/// RSA keys, `None` for other key types, `Err` if the structure is not a certificate.
fn rsa_modulus_bits(cert: &[u8]) -> Result<Option<usize>, ()> {
    let (tag, cert_body, trailing) = der(cert)?;
    if tag != SEQUENCE || !trailing.is_empty() {
        return Err(());
    }
    let (tag, tbs, after_tbs) = der(cert_body)?;
    if tag != SEQUENCE {
        return Err(());
    }
    // signatureAlgorithm and signatureValue must follow the TBS certificate.
    let (tag, _, rest) = der(after_tbs)?;
    if tag != SEQUENCE {
        return Err(());
    }
    let (tag, _, _) = der(rest)?;
    if tag != 0x03 {
        return Err(());
    }
    let mut fields = tbs;
    let (mut tag, _, mut rest) = der(fields)?;
    if tag == 0xa0 {
        // explicit version
        fields = rest;
        (tag, _, rest) = der(fields)?;
    }
    if tag != 0x02 {
        return Err(()); // serial number
    }
    // signature, issuer, validity, subject
    for _ in 0..4 {
        let (tag, _, next) = der(rest)?;
        if tag != SEQUENCE {
            return Err(());
        }
        rest = next;
    }
    let (tag, spki, _) = der(rest)?;
    if tag != SEQUENCE {
        return Err(());
    }
    let (tag, alg, after_alg) = der(spki)?;
    if tag != SEQUENCE {
        return Err(());
    }
    let (tag, oid, _) = der(alg)?;
    if tag != 0x06 {
        return Err(());
    }
    let (tag, bits, _) = der(after_alg)?;
    if tag != 0x03 || bits.is_empty() {
        return Err(());
    }
    if oid != RSA_OID {
        return Ok(None);
    }
    let (tag, rsa_key, _) = der(&bits[1..])?;
    if tag != SEQUENCE {
        return Err(());
    }
    let (tag, modulus, _) = der(rsa_key)?;
    if tag != 0x02 {
        return Err(());
    }
    let digits: &[u8] = match modulus.iter().position(|b| *b != 0) {
        Some(p) => &modulus[p..],
        None => &[],
    };
    Ok(Some(match digits.first() {
        Some(first) => (digits.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }))
}

/// Checks a PNG image's signature and header and that it fits in `max_w`×`max_h`.
pub(crate) fn check_png(bytes: &[u8], max_w: u32, max_h: u32) -> Result<(), String> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    if bytes.len() < 24 || bytes[..8] != SIGNATURE || &bytes[12..16] != b"IHDR" {
        return Err("invalid PNG image".to_string());
    }
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    if w == 0 || h == 0 || w > max_w || h > max_h {
        return Err(format!("invalid PNG image size {w}x{h}, the maximum is {max_w}x{max_h}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in
            ["a@b.co", "first.last+tag@example.com", "\"odd name\"@example.org", "x@sub.example.it.", "jörg@exämple.de"]
        {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a..b@example.com",
            ".a@example.com",
            "a@-x.com",
            "a@example.123",
            "a b@example.com",
            "a@exa mple.com",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn cidr() {
        assert!(check_cidr("192.0.2.0/24").is_ok());
        assert!(check_cidr("192.0.2.7/24").is_ok());
        assert!(check_cidr("2001:db8::/32").is_ok());
        assert_eq!(check_cidr("192.0.2.1").unwrap_err(), "\"192.0.2.1\" is not a valid network in CIDR notation");
        assert!(check_cidr("300.0.0.0/8").is_err());
    }

    #[test]
    fn secrets() {
        assert!(check_secret(&Secret::default()).is_ok());
        assert!(check_secret(&Secret::plain("x")).is_ok());
        assert!(check_secret(&Secret::plain("")).is_err());
        let no_status = Secret { payload: "x".into(), ..Secret::default() };
        assert!(check_secret(&no_status).is_err());
    }

    #[test]
    fn urls() {
        assert!(is_http_url("http://a"));
        assert!(is_http_url("https://example.com/x?y"));
        assert!(!is_http_url("ftp://a"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("example.com"));
    }

    #[test]
    fn png_header() {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&64u32.to_be_bytes());
        png.extend_from_slice(&32u32.to_be_bytes());
        assert!(check_png(&png, 512, 512).is_ok());
        assert!(check_png(&png, 32, 32).is_err());
        assert!(check_png(b"GIF89a", 512, 512).is_err());
    }

    #[test]
    fn der_rejects_garbage() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";
        assert_eq!(check_tls_cert(pem).unwrap_err(), "cannot parse the X.509 certificate");
        assert_eq!(check_tls_cert("nope").unwrap_err(), "not a PEM encoded certificate");
    }
}
