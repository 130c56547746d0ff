//! Validation of the [`Configs`] singleton.

use super::checks::{check_png, check_secret, is_http_url};
use super::{Errs, VResult, Validate, ValidationContext, ValidationError};
use crate::configs::{BrandingConfig, Configs, SftpdConfigs, SmtpConfigs, SmtpOAuth2};
use crate::kind::{CONFIGS_KEY, Kind};
use crate::secret::Secret;

const HOST_KEY_ALGOS: [&str; 1] = ["ssh-rsa"];
const PUBLIC_KEY_ALGOS: [&str; 2] = ["ssh-rsa", "ssh-dss"];
const KEX_ALGOS: [&str; 4] = [
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group-exchange-sha1",
];
const CIPHERS: [&str; 4] = ["aes128-cbc", "3des-cbc", "aes192-cbc", "aes256-cbc"];
const MACS: [&str; 4] = ["hmac-sha2-512-etm@openssh.com", "hmac-sha2-512", "hmac-sha1", "hmac-sha1-96"];
/// Values that are enabled by default and silently dropped from the lists.
const DROPPED_HOST_KEY_ALGOS: [&str; 1] = ["ssh-rsa-cert-v01@openssh.com"];
const DROPPED_KEX_ALGOS: [&str; 2] = ["diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha256"];

impl Validate for Configs {
    fn validate(&mut self, _ctx: &ValidationContext) -> Result<(), ValidationError> {
        let e = Errs::new(Kind::Configs, CONFIGS_KEY);
        if let Some(sftpd) = &mut self.sftpd {
            validate_sftpd(sftpd, &e)?;
        }
        if let Some(smtp) = &mut self.smtp {
            validate_smtp(smtp, &e)?;
        }
        if let Some(acme) = &self.acme
            && !acme.domain.is_empty()
        {
            if acme.email.is_empty() {
                return Err(e.err("acme.email", "is mandatory"));
            }
            if !(1..=65535).contains(&acme.http01_challenge.port) {
                return Err(e.err("acme.http01_challenge.port", format!("invalid port {}", acme.http01_challenge.port)));
            }
        }
        if let Some(branding) = &self.branding {
            validate_branding(&branding.web_admin, &e, "branding.WebAdmin")?;
            validate_branding(&branding.web_client, &e, "branding.WebClient")?;
        }
        Ok(())
    }
}

fn check_list(list: &[String], valid: &[&str], e: &Errs, field: &str, what: &str) -> VResult {
    for (i, v) in list.iter().enumerate() {
        if !valid.contains(&v.as_str()) {
            return Err(e.err(format!("{field}[{i}]"), format!("unsupported {what} {v:?}")));
        }
    }
    Ok(())
}

fn validate_sftpd(c: &mut SftpdConfigs, e: &Errs) -> VResult {
    c.host_key_algos.retain(|a| !DROPPED_HOST_KEY_ALGOS.contains(&a.as_str()));
    check_list(&c.host_key_algos, &HOST_KEY_ALGOS, e, "sftpd.host_key_algos", "host key algorithm")?;
    c.kex_algorithms.retain(|a| !DROPPED_KEX_ALGOS.contains(&a.as_str()));
    check_list(&c.kex_algorithms, &KEX_ALGOS, e, "sftpd.kex_algorithms", "KEX algorithm")?;
    check_list(&c.ciphers, &CIPHERS, e, "sftpd.ciphers", "cipher")?;
    check_list(&c.macs, &MACS, e, "sftpd.macs", "MAC algorithm")?;
    check_list(&c.public_key_algos, &PUBLIC_KEY_ALGOS, e, "sftpd.public_key_algos", "public key algorithm")
}

fn check_smtp_secret(s: &Secret, e: &Errs, field: &str) -> VResult {
    if s.is_redacted() {
        return Err(e.err(field, "cannot save a redacted secret"));
    }
    check_secret(s).map_err(|m| e.err(field, m))
}

fn validate_smtp(c: &mut SmtpConfigs, e: &Errs) -> VResult {
    if c.host.is_empty() {
        return Ok(());
    }
    if !(1..=65535).contains(&c.port) {
        return Err(e.err("smtp.port", format!("invalid port {}", c.port)));
    }
    if c.auth_type != 3 {
        check_smtp_secret(&c.password, e, "smtp.password")?;
    }
    if c.user.is_empty() && c.from.is_empty() {
        return Err(e.err("smtp.from", "the from address and the user cannot both be empty"));
    }
    if !(0..=3).contains(&c.auth_type) {
        return Err(e.err("smtp.auth_type", format!("invalid auth type {}", c.auth_type)));
    }
    if !(0..=2).contains(&c.encryption) {
        return Err(e.err("smtp.encryption", format!("invalid encryption {}", c.encryption)));
    }
    if c.auth_type == 3 {
        c.password = Secret::default();
        let o = &c.oauth2;
        if o.provider != 0 && o.provider != 1 {
            return Err(e.err("smtp.oauth2.provider", format!("unsupported provider {}", o.provider)));
        }
        if o.client_id.is_empty() {
            return Err(e.err("smtp.oauth2.client_id", "is mandatory"));
        }
        if o.client_secret.payload.is_empty() && !o.client_secret.is_redacted() {
            return Err(e.err("smtp.oauth2.client_secret", "is mandatory"));
        }
        if o.refresh_token.payload.is_empty() && !o.refresh_token.is_redacted() {
            return Err(e.err("smtp.oauth2.refresh_token", "is mandatory"));
        }
        check_smtp_secret(&o.client_secret, e, "smtp.oauth2.client_secret")?;
        check_smtp_secret(&o.refresh_token, e, "smtp.oauth2.refresh_token")?;
    } else {
        c.oauth2 = SmtpOAuth2::default();
    }
    Ok(())
}

fn validate_branding(b: &BrandingConfig, e: &Errs, field: &str) -> VResult {
    if !b.disclaimer_url.is_empty() && !is_http_url(&b.disclaimer_url) {
        return Err(e.err(format!("{field}.disclaimer_url"), "must be an http or https URL"));
    }
    if !b.logo.is_empty() {
        check_png(&b.logo, 512, 512).map_err(|m| e.err(format!("{field}.logo"), m))?;
    }
    if !b.favicon.is_empty() {
        check_png(&b.favicon, 256, 256).map_err(|m| e.err(format!("{field}.favicon"), m))?;
    }
    Ok(())
}
