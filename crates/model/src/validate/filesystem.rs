//! Validation of [`Filesystem`] configurations.

use super::checks::{check_secret, is_http_url};
use super::{Errs, VResult, join};
use crate::filesystem::{Filesystem, FsProvider};
use crate::secret::Secret;
use crate::vpath;

const VALID_ACCESS_TIERS: [&str; 4] = ["", "Archive", "Hot", "Cool"];

/// Validates the selected provider's settings, normalises them and resets the others.
pub(crate) fn validate_filesystem(fs: &mut Filesystem, e: &Errs, prefix: &str) -> VResult {
    let f = |name: &str| join(prefix, name);
    for (path, secret) in fs.secrets() {
        if secret.is_redacted() {
            return Err(e.err(f(path), "cannot save a redacted secret"));
        }
        check_secret(secret).map_err(|m| e.err(f(path), m))?;
    }
    match fs.provider {
        FsProvider::Local => {
            check_buffers(fs.osconfig.read_buffer_size, fs.osconfig.write_buffer_size, e, &f("osconfig"))?
        }
        FsProvider::Crypt => {
            let c = &mut fs.cryptconfig;
            if c.passphrase.is_unset() || c.passphrase.payload.is_empty() {
                return Err(e.err(f("cryptconfig.passphrase"), "is mandatory"));
            }
            check_buffers(c.read_buffer_size, c.write_buffer_size, e, &f("cryptconfig"))?;
        }
        FsProvider::S3 => {
            let c = &mut fs.s3config;
            let p = |n: &str| f(&format!("s3config.{n}"));
            if c.bucket.is_empty() {
                return Err(e.err(p("bucket"), "is mandatory"));
            }
            // The region may be embedded in the endpoint of some S3-compatible services.
            if c.endpoint.is_empty() && c.region.is_empty() {
                return Err(e.err(p("region"), "is mandatory when no endpoint is set"));
            }
            if c.access_key.is_empty() && !is_empty_secret(&c.access_secret) {
                return Err(e.err(p("access_key"), "is mandatory when access_secret is set"));
            }
            if !c.access_key.is_empty() && is_empty_secret(&c.access_secret) {
                return Err(e.err(p("access_secret"), "is mandatory when access_key is set"));
            }
            normalize_key_prefix(&mut c.key_prefix).map_err(|m| e.err(p("key_prefix"), m))?;
            c.storage_class = c.storage_class.trim().to_string();
            c.acl = c.acl.trim().to_string();
            if c.upload_part_size != 0 && !(5..=2000).contains(&c.upload_part_size) {
                return Err(e.err(p("upload_part_size"), "must be 0 or between 5 and 2000 (MB)"));
            }
            check_range(c.upload_concurrency, 0, 64, e, &p("upload_concurrency"))?;
            if c.download_part_size != 0 && !(5..=2000).contains(&c.download_part_size) {
                return Err(e.err(p("download_part_size"), "must be 0 or between 5 and 2000 (MB)"));
            }
            check_range(c.download_concurrency, 0, 64, e, &p("download_concurrency"))?;
        }
        FsProvider::Gcs => {
            let c = &mut fs.gcsconfig;
            let p = |n: &str| f(&format!("gcsconfig.{n}"));
            check_range(c.automatic_credentials, 0, 1, e, &p("automatic_credentials"))?;
            if c.automatic_credentials == 1 {
                c.credentials = Secret::default();
            }
            if c.bucket.is_empty() {
                return Err(e.err(p("bucket"), "is mandatory"));
            }
            normalize_key_prefix(&mut c.key_prefix).map_err(|m| e.err(p("key_prefix"), m))?;
            if c.automatic_credentials == 0 && is_empty_secret(&c.credentials) {
                return Err(e.err(p("credentials"), "is mandatory without automatic credentials"));
            }
            c.storage_class = c.storage_class.trim().to_string();
            c.acl = c.acl.trim().to_string();
            if !(0..=2000).contains(&c.upload_part_size) {
                c.upload_part_size = 0;
            }
            if c.upload_part_max_time < 0 {
                c.upload_part_max_time = 0;
            }
        }
        FsProvider::AzureBlob => {
            let c = &mut fs.azblobconfig;
            let p = |n: &str| f(&format!("azblobconfig.{n}"));
            // The container may be embedded in the SAS URL.
            if is_empty_secret(&c.sas_url) {
                if c.container.is_empty() {
                    return Err(e.err(p("container"), "is mandatory without a SAS URL"));
                }
                if c.account_name.is_empty() {
                    return Err(e.err(p("account_name"), "is mandatory without a SAS URL"));
                }
            }
            normalize_key_prefix(&mut c.key_prefix).map_err(|m| e.err(p("key_prefix"), m))?;
            check_range(c.upload_part_size, 0, 2000, e, &p("upload_part_size"))?;
            check_range(c.upload_concurrency, 0, 64, e, &p("upload_concurrency"))?;
            check_range(c.download_part_size, 0, 2000, e, &p("download_part_size"))?;
            check_range(c.download_concurrency, 0, 64, e, &p("download_concurrency"))?;
            if !VALID_ACCESS_TIERS.contains(&c.access_tier.as_str()) {
                return Err(e.err(
                    p("access_tier"),
                    format!("invalid access tier {:?}, valid values: \"\", Archive, Hot, Cool", c.access_tier),
                ));
            }
        }
        FsProvider::Sftp => {
            let c = &mut fs.sftpconfig;
            let p = |n: &str| f(&format!("sftpconfig.{n}"));
            if c.endpoint.is_empty() {
                return Err(e.err(p("endpoint"), "is mandatory"));
            }
            if !c.endpoint.contains(':') {
                c.endpoint.push_str(":22");
            }
            check_host_port(&c.endpoint).map_err(|m| e.err(p("endpoint"), m))?;
            if c.username.is_empty() {
                return Err(e.err(p("username"), "is mandatory"));
            }
            check_range(c.buffer_size, 0, 16, e, &p("buffer_size"))?;
            check_range(c.equality_check_mode, 0, 1, e, &p("equality_check_mode"))?;
            if is_empty_secret(&c.password) && is_empty_secret(&c.private_key) {
                return Err(e.err(p("password"), "a password or a private key is mandatory"));
            }
            c.prefix = if c.prefix.is_empty() { "/".to_string() } else { vpath::clean_abs(&c.prefix) };
        }
        FsProvider::Http => {
            let c = &mut fs.httpconfig;
            let p = |n: &str| f(&format!("httpconfig.{n}"));
            if c.endpoint.is_empty() {
                return Err(e.err(p("endpoint"), "is mandatory"));
            }
            if !is_http_url(&c.endpoint) {
                return Err(e.err(p("endpoint"), "must be an http or https URL"));
            }
            while c.endpoint.len() > "https://".len() && c.endpoint.ends_with('/') {
                c.endpoint.pop();
            }
            check_range(c.equality_check_mode, 0, 1, e, &p("equality_check_mode"))?;
        }
    }
    fs.clear_inactive();
    Ok(())
}

fn is_empty_secret(s: &Secret) -> bool {
    s.is_unset() || (s.payload.is_empty() && !s.is_redacted())
}

fn check_buffers(read: i64, write: i64, e: &Errs, prefix: &str) -> VResult {
    check_range(read, 0, 10, e, &join(prefix, "read_buffer_size"))?;
    check_range(write, 0, 10, e, &join(prefix, "write_buffer_size"))
}

pub(crate) fn check_range(value: i64, min: i64, max: i64, e: &Errs, field: &str) -> VResult {
    if value < min || value > max {
        return Err(e.err(field, format!("invalid value {value}, the valid range is {min}-{max}")));
    }
    Ok(())
}

/// Object-storage key prefixes never start with `/` and always end with one.
fn normalize_key_prefix(prefix: &mut String) -> Result<(), String> {
    if prefix.is_empty() {
        return Ok(());
    }
    if prefix.starts_with('/') {
        return Err("cannot start with \"/\"".to_string());
    }
    let mut cleaned = vpath::clean(prefix);
    if !cleaned.ends_with('/') {
        cleaned.push('/');
    }
    *prefix = cleaned;
    Ok(())
}

fn check_host_port(endpoint: &str) -> Result<(), String> {
    let (host, port) = if let Some(rest) = endpoint.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or("invalid IPv6 address")?;
        (host, after.strip_prefix(':').ok_or("missing port")?)
    } else {
        let (host, port) = endpoint.rsplit_once(':').ok_or("missing port")?;
        if host.contains(':') {
            return Err("IPv6 addresses must be enclosed in brackets".to_string());
        }
        (host, port)
    };
    if host.is_empty() {
        return Err("missing host".to_string());
    }
    port.parse::<u16>().map_err(|_| format!("invalid port {port:?}"))?;
    Ok(())
}
