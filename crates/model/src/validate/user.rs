//! Validation of users and of the pieces users and groups share: filters, permissions and virtual
//! folder mappings.

use std::collections::BTreeMap;

use super::checks::{check_cidr, check_public_key, check_secret, check_tls_cert, is_valid_email};
use super::filesystem::validate_filesystem;
use super::{Errs, VResult, Validate, ValidationContext, ValidationError, dedup, join};
use crate::glob;
use crate::kind::Kind;
use crate::names::{NamingRules, is_reserved_username};
use crate::perms::{
    LOGIN_METHODS, LOGIN_PASSWORD, MFA_PROTOCOLS, PERM_ANY, PERM_DOWNLOAD, PERM_LIST, PROTOCOLS, USER_PERMISSIONS,
    WEB_CLIENT_OPTIONS,
};
use crate::user::{GroupType, Permissions, User, UserFilters, UserTotpConfig, VirtualFolder};
use crate::vpath;

const WEB_CLIENT_MFA_DISABLED: &str = "mfa-disabled";
const WEB_CLIENT_PASSWORD_CHANGE_DISABLED: &str = "password-change-disabled";
const TLS_USERNAMES: [&str; 2] = ["None", "CommonName"];
const MAX_SUBPATH_LEN: usize = 255;

impl Validate for User {
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError> {
        let rules = ctx.naming_rules;
        self.username = rules.normalize(&self.username);
        self.role = rules.normalize(&self.role);
        for g in &mut self.groups {
            g.name = rules.normalize(&g.name);
        }
        let e = Errs::new(Kind::User, &self.username);
        self.oidc_custom_fields = None;
        self.has_password = false;

        check_name(rules, &self.username, &e, "username")?;
        if is_reserved_username(&self.username) {
            return Err(e.err("username", "this username is reserved"));
        }
        if !self.email.is_empty() && !is_valid_email(&self.email) {
            return Err(e.err("email", format!("{:?} is not a valid email address", self.email)));
        }
        for (i, email) in self.filters.additional_emails.iter().enumerate() {
            if !is_valid_email(email) {
                return Err(e.err(
                    format!("filters.additional_emails[{i}]"),
                    format!("{email:?} is not a valid email address"),
                ));
            }
        }
        if self.filters.totp_config.secret.is_redacted() {
            return Err(e.err("filters.totp_config.secret", "cannot save a redacted secret"));
        }

        // Default home dir, as SFTPGo builds it.
        if self.home_dir.is_empty() {
            if !ctx.users_base_dir.is_empty() {
                self.home_dir = format!("{}/{}", ctx.users_base_dir.trim_end_matches('/'), self.username);
            } else if !self.filesystem.provider.is_local_or_crypt() {
                self.home_dir = format!("{}/{}", ctx.temp_dir.trim_end_matches('/'), self.username);
            }
        }
        if self.home_dir.is_empty() {
            return Err(e.err("home_dir", "is mandatory"));
        }
        self.home_dir = vpath::clean(&self.home_dir);
        if !vpath::is_abs(&self.home_dir) {
            return Err(e.err("home_dir", "must be an absolute path"));
        }
        if self.download_bandwidth < 0 {
            self.download_bandwidth = 0;
        }
        if self.upload_bandwidth < 0 {
            self.upload_bandwidth = 0;
        }
        if self.total_data_transfer > 0 {
            // A total limit replaces the separate upload and download limits.
            self.upload_data_transfer = 0;
            self.download_data_transfer = 0;
        }
        if self.filters.is_anonymous {
            apply_anonymous_settings(self);
        }
        validate_filesystem(&mut self.filesystem, &e, "filesystem")?;

        let mut has_primary = false;
        let mut seen = std::collections::HashSet::new();
        for (i, g) in self.groups.iter().enumerate() {
            if g.name.is_empty() {
                return Err(e.err(format!("groups[{i}].name"), "is mandatory"));
            }
            if g.group_type == GroupType::Primary {
                if has_primary {
                    return Err(e.err(format!("groups[{i}]"), "only one primary group is allowed"));
                }
                has_primary = true;
            }
            if !seen.insert(g.name.clone()) {
                return Err(e.err(format!("groups[{i}]"), format!("the group {:?} is duplicated", g.name)));
            }
        }

        if self.permissions.is_empty() {
            return Err(e.err("permissions", "please grant some permissions to this user"));
        }
        if !self.permissions.contains_key("/") {
            return Err(e.err("permissions", "permissions for the root dir \"/\" must be set"));
        }
        self.permissions = validate_permissions(&self.permissions, &e, "permissions")?;

        validate_user_totp(&mut self.filters.totp_config, ctx, &e)?;
        for (i, code) in self.filters.recovery_codes.iter().enumerate() {
            let field = format!("filters.recovery_codes[{i}].secret");
            if code.secret.payload.is_empty() || code.secret.is_redacted() {
                return Err(e.err(field, "a recovery code cannot be empty"));
            }
            check_secret(&code.secret).map_err(|m| e.err(field, m))?;
        }
        validate_virtual_folders(&mut self.virtual_folders, rules, &e)?;
        if self.status != 0 && self.status != 1 {
            return Err(e.err("status", format!("invalid status {}, it must be 0 or 1", self.status)));
        }

        let mut keys = Vec::with_capacity(self.public_keys.len());
        for (i, key) in self.public_keys.iter().enumerate() {
            if key.is_empty() {
                continue;
            }
            check_public_key(key).map_err(|m| e.err(format!("public_keys[{i}]"), m))?;
            keys.push(key.clone());
        }
        dedup(&mut keys);
        self.public_keys = keys;

        validate_filters(&mut self.filters, &e, "filters")?;
        if !ctx.external_auth || self.filters.hooks.external_auth_disabled {
            self.filters.external_auth_cache_time = 0;
        }
        let web_client = &self.filters.web_client;
        let mfa_disabled = web_client.iter().any(|o| o == WEB_CLIENT_MFA_DISABLED);
        if self.filters.totp_config.enabled && mfa_disabled {
            return Err(e.err(
                "filters.web_client",
                "two-factor authentication cannot be disabled for a user with an active configuration",
            ));
        }
        if self.filters.require_password_change && web_client.iter().any(|o| o == WEB_CLIENT_PASSWORD_CHANGE_DISABLED) {
            return Err(
                e.err("filters.web_client", "a password change cannot be required and disallowed at the same time")
            );
        }
        if !self.filters.two_factor_protocols.is_empty() && mfa_disabled {
            return Err(e.err(
                "filters.web_client",
                "two-factor authentication cannot be required and disallowed at the same time",
            ));
        }
        Ok(())
    }
}

/// Checks a name with the naming rules (already normalised).
pub(crate) fn check_name(rules: NamingRules, name: &str, e: &Errs, field: &str) -> VResult {
    rules.check(name).map_err(|m| e.err(field, m))
}

/// Anonymous users are read-only, FTP/WebDAV only, password only.
fn apply_anonymous_settings(user: &mut User) {
    for perms in user.permissions.values_mut() {
        *perms = vec![PERM_LIST.to_string(), PERM_DOWNLOAD.to_string()];
    }
    let denied = &mut user.filters.denied_protocols;
    denied.push("SSH".to_string());
    denied.push("HTTP".to_string());
    dedup(denied);
    let methods = &mut user.filters.denied_login_methods;
    methods.extend(LOGIN_METHODS.iter().filter(|m| **m != LOGIN_PASSWORD).map(|m| m.to_string()));
    dedup(methods);
}

fn validate_user_totp(c: &mut UserTotpConfig, ctx: &ValidationContext, e: &Errs) -> VResult {
    if !c.enabled {
        *c = UserTotpConfig::default();
        return Ok(());
    }
    if c.config_name.is_empty() {
        return Err(e.err("filters.totp_config.config_name", "is mandatory"));
    }
    if let Some(names) = &ctx.totp_config_names
        && !names.contains(&c.config_name)
    {
        return Err(
            e.err("filters.totp_config.config_name", format!("TOTP configuration {:?} not found", c.config_name))
        );
    }
    if c.secret.payload.is_empty() {
        return Err(e.err("filters.totp_config.secret", "is mandatory"));
    }
    check_secret(&c.secret).map_err(|m| e.err("filters.totp_config.secret", m))?;
    if c.protocols.is_empty() {
        return Err(e.err("filters.totp_config.protocols", "specify at least one protocol"));
    }
    for (i, p) in c.protocols.iter().enumerate() {
        if !MFA_PROTOCOLS.contains(&p.as_str()) {
            return Err(e.err(format!("filters.totp_config.protocols[{i}]"), format!("invalid protocol {p:?}")));
        }
    }
    Ok(())
}

/// Validates and normalises a permissions map: keys absolute and cleaned, names valid, `*`
/// collapsed to `["*"]`, duplicates removed. `/` may not have an empty list.
pub(crate) fn validate_permissions(perms: &Permissions, e: &Errs, field: &str) -> Result<Permissions, ValidationError> {
    let mut out: Permissions = BTreeMap::new();
    for (dir, list) in perms {
        let f = format!("{field}[{dir:?}]");
        if list.is_empty() && dir == "/" {
            return Err(e.err(f, "no permissions granted for the root directory"));
        }
        for p in list {
            if !USER_PERMISSIONS.contains(&p.as_str()) {
                return Err(e.err(f, format!("invalid permission {p:?}")));
            }
        }
        let cleaned = vpath::clean(&dir.replace('\\', "/"));
        if !vpath::is_abs(&cleaned) {
            return Err(e.err(f, "permissions can only be set for absolute paths"));
        }
        if dir != &cleaned && cleaned == "/" {
            return Err(e.err(f, format!("{dir:?} is an alias for \"/\"")));
        }
        if glob::has_meta(&cleaned) {
            glob::validate(&cleaned).map_err(|_| e.err(&f, "invalid pattern"))?;
        }
        let normalized = if list.iter().any(|p| p == PERM_ANY) {
            vec![PERM_ANY.to_string()]
        } else {
            let mut l = list.clone();
            dedup(&mut l);
            l
        };
        if out.insert(cleaned.clone(), normalized).is_some() {
            return Err(e.err(f, format!("duplicate permissions for {cleaned:?}")));
        }
    }
    Ok(out)
}

/// Normalises a virtual folder's `subpath`: relative, `/`-separated, cleaned, no escape.
pub(crate) fn normalize_subpath(subpath: &str) -> Result<String, String> {
    let s = subpath.replace('\\', "/");
    if s.starts_with('/') {
        return Err("must be a relative path".to_string());
    }
    let cleaned = vpath::clean(&s);
    if cleaned == "." {
        return Ok(String::new());
    }
    if cleaned == ".." || cleaned.starts_with("../") {
        return Err("cannot point outside the folder".to_string());
    }
    if cleaned.len() > MAX_SUBPATH_LEN {
        return Err(format!("is too long, the maximum is {MAX_SUBPATH_LEN} bytes"));
    }
    Ok(cleaned)
}

/// Validates the virtual folder mappings of a user or group and reduces them to the stored form.
pub(crate) fn validate_virtual_folders(folders: &mut Vec<VirtualFolder>, rules: NamingRules, e: &Errs) -> VResult {
    let mut out: Vec<VirtualFolder> = Vec::with_capacity(folders.len());
    for (i, v) in folders.iter().enumerate() {
        let f = |n: &str| format!("virtual_folders[{i}].{n}");
        let name = rules.normalize(&v.name);
        if v.virtual_path.is_empty() {
            return Err(e.err(f("virtual_path"), "is mandatory"));
        }
        let vpath = vpath::clean_abs(&v.virtual_path);
        if v.quota_size < -1 {
            return Err(e.err(f("quota_size"), format!("invalid quota {}", v.quota_size)));
        }
        if v.quota_files < -1 {
            return Err(e.err(f("quota_files"), format!("invalid quota {}", v.quota_files)));
        }
        if (v.quota_size == -1) != (v.quota_files == -1) {
            return Err(e.err(f("quota_size"), "quota_size and quota_files must be both -1 or both >= 0"));
        }
        if name.is_empty() {
            return Err(e.err(f("name"), "is mandatory"));
        }
        let subpath = normalize_subpath(&v.subpath).map_err(|m| e.err(f("subpath"), m))?;
        let unlimited_or_included = v.quota_size == v.quota_files && (v.quota_size == 0 || v.quota_size == -1);
        if !subpath.is_empty() && !unlimited_or_included {
            return Err(e.err(
                f("quota_size"),
                "a folder mounted with a subpath can only be unlimited (0) or included in the user quota (-1)",
            ));
        }
        if out.iter().any(|o| o.name == name && o.subpath == subpath) {
            return Err(e.err(f("name"), format!("the folder {name:?} is duplicated")));
        }
        if let Some(o) = out.iter().find(|o| o.virtual_path == vpath) {
            return Err(e.err(
                f("virtual_path"),
                format!("{:?} overlaps with the virtual folder {:?}", v.virtual_path, o.name),
            ));
        }
        out.push(VirtualFolder {
            name,
            virtual_path: vpath,
            quota_size: v.quota_size,
            quota_files: v.quota_files,
            subpath,
            ..VirtualFolder::default()
        });
    }
    *folders = out;
    Ok(())
}

/// Validates the filters shared by users and groups (SFTPGo's `BaseUserFilters`).
pub(crate) fn validate_filters(filters: &mut UserFilters, e: &Errs, prefix: &str) -> VResult {
    let f = |n: &str| join(prefix, n);
    dedup(&mut filters.denied_ip);
    for (i, net) in filters.denied_ip.iter().enumerate() {
        check_cidr(net).map_err(|m| e.err(f(&format!("denied_ip[{i}]")), m))?;
    }
    dedup(&mut filters.allowed_ip);
    for (i, net) in filters.allowed_ip.iter().enumerate() {
        check_cidr(net).map_err(|m| e.err(f(&format!("allowed_ip[{i}]")), m))?;
    }
    for (i, limit) in filters.bandwidth_limits.iter_mut().enumerate() {
        let lf = f(&format!("bandwidth_limits[{i}].sources"));
        if limit.sources.is_empty() {
            return Err(e.err(lf, "no bandwidth limit source specified"));
        }
        for (j, s) in limit.sources.iter().enumerate() {
            check_cidr(s).map_err(|m| e.err(format!("{lf}[{j}]"), m))?;
        }
        limit.upload_bandwidth = limit.upload_bandwidth.max(0);
        limit.download_bandwidth = limit.download_bandwidth.max(0);
    }
    if filters.denied_login_methods.len() >= LOGIN_METHODS.len() {
        return Err(e.err(f("denied_login_methods"), "at least one login method must be allowed"));
    }
    for (i, m) in filters.denied_login_methods.iter().enumerate() {
        if !LOGIN_METHODS.contains(&m.as_str()) {
            return Err(e.err(f(&format!("denied_login_methods[{i}]")), format!("invalid login method {m:?}")));
        }
    }
    if filters.denied_protocols.len() >= PROTOCOLS.len() {
        return Err(e.err(f("denied_protocols"), "at least one protocol must be allowed"));
    }
    for (i, p) in filters.denied_protocols.iter().enumerate() {
        if !PROTOCOLS.contains(&p.as_str()) {
            return Err(e.err(f(&format!("denied_protocols[{i}]")), format!("invalid protocol {p:?}")));
        }
    }
    for (i, p) in filters.two_factor_protocols.iter().enumerate() {
        if !MFA_PROTOCOLS.contains(&p.as_str()) {
            return Err(e.err(f(&format!("two_factor_protocols[{i}]")), format!("invalid protocol {p:?}")));
        }
    }
    if !filters.tls_username.is_empty() && !TLS_USERNAMES.contains(&filters.tls_username.as_str()) {
        return Err(e.err(f("tls_username"), format!("invalid TLS username {:?}", filters.tls_username)));
    }
    let mut certs = Vec::new();
    for (i, cert) in filters.tls_certs.iter().enumerate() {
        if cert.is_empty() {
            continue;
        }
        check_tls_cert(cert).map_err(|m| e.err(f(&format!("tls_certs[{i}]")), m))?;
        certs.push(cert.clone());
    }
    filters.tls_certs = certs;
    for (i, o) in filters.web_client.iter().enumerate() {
        if !WEB_CLIENT_OPTIONS.contains(&o.as_str()) {
            return Err(e.err(f(&format!("web_client[{i}]")), format!("invalid web client option {o:?}")));
        }
    }
    if filters.max_shares_expiration > 0 && filters.max_shares_expiration < filters.default_shares_expiration {
        return Err(e.err(
            f("default_shares_expiration"),
            format!(
                "{} must be less than or equal to max_shares_expiration ({})",
                filters.default_shares_expiration, filters.max_shares_expiration
            ),
        ));
    }
    if !filters.start_directory.is_empty() {
        filters.start_directory = vpath::clean_abs(&filters.start_directory);
        if filters.start_directory == "/" {
            filters.start_directory.clear();
        }
    }
    if filters.ftp_security != 0 && filters.ftp_security != 1 {
        return Err(e.err(f("ftp_security"), format!("invalid value {}, it must be 0 or 1", filters.ftp_security)));
    }
    for (i, period) in filters.access_time.iter().enumerate() {
        let pf = |n: &str| f(&format!("access_time[{i}].{n}"));
        if !(0..=6).contains(&period.day_of_week) {
            return Err(e.err(pf("day_of_week"), format!("invalid day of week {}", period.day_of_week)));
        }
        if !is_time_of_day(&period.from) {
            return Err(e.err(pf("from"), "invalid time of day, the format is HH:MM"));
        }
        if !is_time_of_day(&period.to) {
            return Err(e.err(pf("to"), "invalid time of day, the format is HH:MM"));
        }
        if period.to <= period.from {
            return Err(e.err(pf("to"), "the end time must be later than the start time"));
        }
    }
    let mut seen_paths: Vec<String> = Vec::new();
    for (i, pf) in filters.file_patterns.iter_mut().enumerate() {
        let ff = |n: &str| f(&format!("file_patterns[{i}].{n}"));
        let cleaned = vpath::clean(&pf.path.replace('\\', "/"));
        if !vpath::is_abs(&cleaned) {
            return Err(e.err(ff("path"), format!("invalid path {:?}, it must be absolute", pf.path)));
        }
        if seen_paths.contains(&cleaned) {
            return Err(e.err(ff("path"), format!("duplicate file patterns filter for path {:?}", pf.path)));
        }
        if pf.allowed_patterns.is_empty() && pf.denied_patterns.is_empty() {
            return Err(e.err(ff("path"), format!("empty file patterns filter for path {:?}", pf.path)));
        }
        pf.path = cleaned.clone();
        for (field, list) in
            [("allowed_patterns", &mut pf.allowed_patterns), ("denied_patterns", &mut pf.denied_patterns)]
        {
            for (j, pattern) in list.iter_mut().enumerate() {
                glob::validate(pattern)
                    .map_err(|_| e.err(ff(&format!("{field}[{j}]")), format!("invalid pattern {pattern:?}")))?;
                *pattern = pattern.to_lowercase();
            }
            dedup(list);
        }
        seen_paths.push(cleaned);
    }
    Ok(())
}

fn is_time_of_day(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 5 || b[2] != b':' || !b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit) {
        return false;
    }
    let hour = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let minute = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    hour <= 23 && minute <= 59
}
