//! Validation of folders, groups, admins, API keys, shares, roles and IP list entries.

use std::net::IpAddr;

use super::checks::{check_cidr, check_secret, is_valid_email};
use super::filesystem::validate_filesystem;
use super::user::{check_name, validate_filters, validate_permissions, validate_virtual_folders};
use super::{Errs, Validate, ValidationContext, ValidationError, dedup};
use crate::admin::{AddToUsersAs, Admin};
use crate::apikey::{ApiKey, ApiKeyScope};
use crate::folder::Folder;
use crate::group::Group;
use crate::iplist::{IpListEntry, IpListMode, IpListType};
use crate::kind::Kind;
use crate::names::is_reserved_username;
use crate::perms::{ADMIN_PERM_ANY, ADMIN_PERMISSIONS};
use crate::role::Role;
use crate::share::{REDACTED_SHARE_PASSWORD, Share, ShareScope};
use crate::user::{RecoveryCode, UserFilters};
use crate::vpath;

impl Validate for Folder {
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError> {
        self.name = ctx.naming_rules.normalize(&self.name);
        let e = Errs::new(Kind::Folder, &self.name);
        check_name(ctx.naming_rules, &self.name, &e, "name")?;
        if self.filesystem.provider.is_local_or_crypt() || !self.mapped_path.is_empty() {
            let cleaned = vpath::clean(&self.mapped_path);
            if self.mapped_path.is_empty() || !vpath::is_abs(&cleaned) {
                return Err(e.err("mapped_path", "must be an absolute path"));
            }
            self.mapped_path = cleaned;
        }
        validate_filesystem(&mut self.filesystem, &e, "filesystem")?;
        self.users.clear();
        self.groups.clear();
        Ok(())
    }
}

impl Validate for Group {
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError> {
        self.name = ctx.naming_rules.normalize(&self.name);
        let e = Errs::new(Kind::Group, &self.name);
        check_name(ctx.naming_rules, &self.name, &e, "name")?;
        validate_virtual_folders(&mut self.virtual_folders, ctx.naming_rules, &e)?;
        let s = &mut self.user_settings;
        if !s.home_dir.is_empty() {
            s.home_dir = vpath::clean(&s.home_dir);
            if !vpath::is_abs(&s.home_dir) {
                return Err(e.err("user_settings.home_dir", "must be an absolute path"));
            }
        }
        validate_filesystem(&mut s.filesystem, &e, "user_settings.filesystem")?;
        if s.total_data_transfer > 0 {
            s.upload_data_transfer = 0;
            s.download_data_transfer = 0;
        }
        if !s.permissions.is_empty() {
            s.permissions = validate_permissions(&s.permissions, &e, "user_settings.permissions")?;
        }
        validate_filters(&mut s.filters, &e, "user_settings.filters")?;
        clear_user_only_filters(&mut s.filters);
        if !ctx.external_auth || s.filters.hooks.external_auth_disabled {
            s.filters.external_auth_cache_time = 0;
        }
        s.filters.user_type.clear();
        self.users.clear();
        self.admins.clear();
        Ok(())
    }
}

/// Groups carry SFTPGo's `BaseUserFilters`: the user-only fields do not exist there.
fn clear_user_only_filters(f: &mut UserFilters) {
    f.require_password_change = false;
    f.totp_config = Default::default();
    f.recovery_codes.clear();
    f.additional_emails.clear();
}

fn check_recovery_codes(codes: &[RecoveryCode], e: &Errs) -> Result<(), ValidationError> {
    for (i, code) in codes.iter().enumerate() {
        let field = format!("filters.recovery_codes[{i}].secret");
        if code.secret.payload.is_empty() || code.secret.is_redacted() {
            return Err(e.err(field, "a recovery code cannot be empty"));
        }
        check_secret(&code.secret).map_err(|m| e.err(field, m))?;
    }
    Ok(())
}

impl Validate for Admin {
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError> {
        let rules = ctx.naming_rules;
        self.username = rules.normalize(&self.username);
        self.role = rules.normalize(&self.role);
        for g in &mut self.groups {
            g.name = rules.normalize(&g.name);
        }
        let e = Errs::new(Kind::Admin, &self.username);
        self.password = self.password.trim().to_string();
        check_name(rules, &self.username, &e, "username")?;
        if is_reserved_username(&self.username) {
            return Err(e.err("username", "this username is reserved"));
        }
        if self.password.is_empty() {
            return Err(e.err("password", "is mandatory"));
        }
        let totp = &mut self.filters.totp_config;
        if totp.secret.is_redacted() {
            return Err(e.err("filters.totp_config.secret", "cannot save a redacted secret"));
        }
        if !totp.enabled {
            *totp = Default::default();
        } else {
            if totp.config_name.is_empty() {
                return Err(e.err("filters.totp_config.config_name", "is mandatory"));
            }
            if let Some(names) = &ctx.totp_config_names
                && !names.contains(&totp.config_name)
            {
                return Err(e.err(
                    "filters.totp_config.config_name",
                    format!("TOTP configuration {:?} not found", totp.config_name),
                ));
            }
            if totp.secret.payload.is_empty() {
                return Err(e.err("filters.totp_config.secret", "is mandatory"));
            }
            check_secret(&totp.secret).map_err(|m| e.err("filters.totp_config.secret", m))?;
        }
        check_recovery_codes(&self.filters.recovery_codes, &e)?;

        dedup(&mut self.permissions);
        if self.permissions.is_empty() {
            return Err(e.err("permissions", "please grant some permissions to this admin"));
        }
        if self.permissions.iter().any(|p| p == ADMIN_PERM_ANY) {
            self.permissions = vec![ADMIN_PERM_ANY.to_string()];
        }
        for (i, p) in self.permissions.iter().enumerate() {
            if !ADMIN_PERMISSIONS.contains(&p.as_str()) {
                return Err(e.err(format!("permissions[{i}]"), format!("invalid permission {p:?}")));
            }
            if !self.role.is_empty() && p == ADMIN_PERM_ANY {
                return Err(e.err("permissions", "a role admin cannot be a super admin"));
            }
        }
        if !self.email.is_empty() && !is_valid_email(&self.email) {
            return Err(e.err("email", format!("{:?} is not a valid email address", self.email)));
        }
        dedup(&mut self.filters.allow_list);
        for (i, net) in self.filters.allow_list.iter().enumerate() {
            check_cidr(net).map_err(|m| e.err(format!("filters.allow_list[{i}]"), m))?;
        }
        let mut has_primary = false;
        for (i, g) in self.groups.iter().enumerate() {
            if g.name.is_empty() {
                return Err(e.err(format!("groups[{i}].name"), "is mandatory"));
            }
            if g.options.add_to_users_as == AddToUsersAs::Primary {
                if has_primary {
                    return Err(e.err(format!("groups[{i}]"), "only one primary group is allowed"));
                }
                has_primary = true;
            }
        }
        Ok(())
    }
}

impl Validate for ApiKey {
    fn validate(&mut self, _ctx: &ValidationContext) -> Result<(), ValidationError> {
        let e = Errs::new(Kind::ApiKey, &self.id);
        if self.id.is_empty() {
            return Err(e.err("id", "is mandatory"));
        }
        if self.name.is_empty() {
            return Err(e.err("name", "is mandatory"));
        }
        check_name(crate::names::NamingRules(1), &self.name, &e, "name")?;
        if !self.user.is_empty() && !self.admin.is_empty() {
            return Err(e.err("user", "an API key can be bound to a user or to an admin, not both"));
        }
        match self.scope {
            ApiKeyScope::Admin => self.user.clear(),
            ApiKeyScope::User => self.admin.clear(),
        }
        Ok(())
    }
}

impl Validate for Share {
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError> {
        let e = Errs::new(Kind::Share, &self.id);
        if self.id.is_empty() {
            return Err(e.err("id", "is mandatory"));
        }
        if self.name.is_empty() {
            return Err(e.err("name", "is mandatory"));
        }
        check_name(crate::names::NamingRules(1), &self.name, &e, "name")?;
        let mut paths: Vec<String> =
            self.paths.iter().filter(|p| !p.trim().is_empty()).map(|p| vpath::clean_abs(p)).collect();
        if paths.is_empty() {
            return Err(e.err("paths", "at least one shared path is required"));
        }
        dedup(&mut paths);
        if self.scope != ShareScope::Read && paths.len() != 1 {
            return Err(e.err("paths", "write scopes require exactly one path"));
        }
        if paths.len() > 1 {
            for (i, a) in paths.iter().enumerate() {
                for b in &paths[i + 1..] {
                    if a == "/" || b == "/" || vpath::is_overlapped(a, b, true) {
                        return Err(e.err("paths", "shared paths cannot be nested"));
                    }
                }
            }
        }
        self.paths = paths;
        if self.expires_at > 0 {
            if let Some(now) = ctx.now_ms
                && self.expires_at < now
            {
                return Err(e.err("expires_at", "the expiration must be in the future"));
            }
        } else {
            self.expires_at = 0;
        }
        if self.max_tokens < 0 {
            return Err(e.err("max_tokens", format!("invalid value {}", self.max_tokens)));
        }
        if self.username.is_empty() {
            return Err(e.err("username", "is mandatory"));
        }
        if self.password == REDACTED_SHARE_PASSWORD {
            return Err(e.err("password", "cannot save a redacted password"));
        }
        dedup(&mut self.allow_from);
        for (i, net) in self.allow_from.iter().enumerate() {
            check_cidr(net).map_err(|m| e.err(format!("allow_from[{i}]"), m))?;
        }
        Ok(())
    }
}

impl Validate for Role {
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError> {
        self.name = ctx.naming_rules.normalize(&self.name);
        let e = Errs::new(Kind::Role, &self.name);
        check_name(ctx.naming_rules, &self.name, &e, "name")?;
        self.users.clear();
        self.admins.clear();
        Ok(())
    }
}

impl Validate for IpListEntry {
    fn validate(&mut self, _ctx: &ValidationContext) -> Result<(), ValidationError> {
        let e = Errs::new(Kind::IpListEntry, &self.ipornet);
        if self.protocols & 0b1111 == 0b1111 {
            self.protocols = 0;
        }
        if self.protocols < 0 || self.protocols > 15 {
            return Err(e.err("protocols", format!("invalid protocols bit mask {}", self.protocols)));
        }
        if self.mode == IpListMode::Deny && self.list_type != IpListType::Defender {
            return Err(e.err("mode", "the deny mode is only supported for the defender list"));
        }
        self.ipornet = normalize_ipornet(&self.ipornet).map_err(|m| e.err("ipornet", m))?;
        Ok(())
    }
}

/// A single IP gets a host prefix (`/32`, `/128`); IPv4-mapped IPv6 becomes IPv4; otherwise the
/// network is kept as written (SFTPGo does not mask host bits).
fn normalize_ipornet(value: &str) -> Result<String, String> {
    match value.split_once('/') {
        None => {
            let ip: IpAddr = value.parse().map_err(|_| format!("invalid IP {value:?}"))?;
            Ok(match ip {
                IpAddr::V4(v4) => format!("{v4}/32"),
                IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                    Some(v4) => format!("{v4}/32"),
                    None => format!("{v6}/128"),
                },
            })
        }
        Some(_) => {
            let net: ipnet::IpNet = value.parse().map_err(|_| format!("invalid network {value:?}"))?;
            if let ipnet::IpNet::V6(v6) = net
                && v6.prefix_len() >= 96
                && let Some(v4) = v6.trunc().addr().to_ipv4_mapped()
            {
                return Ok(format!("{v4}/{}", v6.prefix_len() - 96));
            }
            Ok(value.to_string())
        }
    }
}
