//! Group inheritance: the effective settings of a user with primary and secondary groups.
//!
//! From the **primary** group (applied first): the home dir (with `%username%`/`%role%`
//! placeholders), the whole filesystem when the group's provider is not local (placeholders in
//! key prefixes and SFTP/HTTP usernames), numeric limits the user leaves at 0, transfer quotas if
//! the user has none, flag filters the user leaves unset, the start directory, and the account
//! expiration (`expires_in` days from the user's creation) if the user has none.
//!
//! From the primary **and secondary** groups: virtual folders and file patterns for paths the
//! user does not define, permissions for paths the user does not define, per-source bandwidth
//! limits, allowed/denied IPs, denied login methods and protocols, two-factor protocols, web
//! client restrictions and access times. Secondary groups never contribute `/` (neither as a
//! virtual folder, a file pattern nor a permission entry); the primary group's `/` permissions
//! replace the user's.
//!
//! **Membership** groups contribute nothing.

use crate::filesystem::{Filesystem, FsProvider};
use crate::group::Group;
use crate::user::{GroupType, User};
use crate::validate::dedup_strings;

const MS_PER_DAY: i64 = 86_400_000;

/// Replaces `%username%` and `%role%` in one left-to-right pass.
struct Placeholders<'a> {
    username: &'a str,
    role: &'a str,
}

impl Placeholders<'_> {
    fn apply(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(idx) = rest.find('%') {
            out.push_str(&rest[..idx]);
            let tail = &rest[idx..];
            if let Some(after) = tail.strip_prefix("%username%") {
                out.push_str(self.username);
                rest = after;
            } else if let Some(after) = tail.strip_prefix("%role%") {
                out.push_str(self.role);
                rest = after;
            } else {
                out.push('%');
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
        out
    }

    fn apply_fs(&self, fs: &Filesystem) -> Filesystem {
        let mut fs = fs.clone();
        match fs.provider {
            FsProvider::S3 => fs.s3config.key_prefix = self.apply(&fs.s3config.key_prefix),
            FsProvider::Gcs => fs.gcsconfig.key_prefix = self.apply(&fs.gcsconfig.key_prefix),
            FsProvider::AzureBlob => fs.azblobconfig.key_prefix = self.apply(&fs.azblobconfig.key_prefix),
            FsProvider::Sftp => {
                fs.sftpconfig.username = self.apply(&fs.sftpconfig.username);
                fs.sftpconfig.prefix = self.apply(&fs.sftpconfig.prefix);
            }
            FsProvider::Http => fs.httpconfig.username = self.apply(&fs.httpconfig.username),
            FsProvider::Local | FsProvider::Crypt => {}
        }
        fs
    }
}

/// True if any group of the user contributes settings (primary or secondary).
pub fn has_settings_from_groups(user: &User) -> bool {
    user.groups.iter().any(|g| g.group_type != GroupType::Membership)
}

/// Applies the settings of the user's groups to `user`. `groups` may contain more groups than
/// the user belongs to; groups the user names but that are missing from `groups` are skipped.
pub fn apply_group_settings(user: &mut User, groups: &[Group]) {
    if !has_settings_from_groups(user) {
        return;
    }
    let username = user.username.clone();
    let role = user.role.clone();
    let ph = Placeholders { username: &username, role: &role };
    let find = |name: &str| groups.iter().find(|g| g.name == name);
    let memberships = user.groups.clone();
    if let Some(primary) = memberships.iter().find(|g| g.group_type == GroupType::Primary)
        && let Some(group) = find(&primary.name)
    {
        merge_primary(user, group, &ph);
    }
    for m in memberships.iter().filter(|g| g.group_type == GroupType::Secondary) {
        if let Some(group) = find(&m.name) {
            merge_additive(user, group, GroupType::Secondary, &ph);
        }
    }
    let f = &mut user.filters;
    for list in [
        &mut f.allowed_ip,
        &mut f.denied_ip,
        &mut f.denied_login_methods,
        &mut f.denied_protocols,
        &mut f.web_client,
        &mut f.two_factor_protocols,
    ] {
        dedup_strings(list);
    }
}

impl User {
    /// A copy of the user with its groups' settings applied (see [`apply_group_settings`]).
    pub fn with_group_settings(&self, groups: &[Group]) -> User {
        let mut u = self.clone();
        apply_group_settings(&mut u, groups);
        u
    }
}

fn merge_primary(u: &mut User, g: &Group, ph: &Placeholders<'_>) {
    let s = &g.user_settings;
    if !s.home_dir.is_empty() {
        u.home_dir = ph.apply(&s.home_dir);
    }
    if s.filesystem.provider != FsProvider::Local {
        u.filesystem = ph.apply_fs(&s.filesystem);
        if s.filesystem.provider == FsProvider::Crypt {
            let c = &mut u.filesystem.cryptconfig;
            if c.read_buffer_size == 0 {
                c.read_buffer_size = s.filesystem.cryptconfig.read_buffer_size;
            }
            if c.write_buffer_size == 0 {
                c.write_buffer_size = s.filesystem.cryptconfig.write_buffer_size;
            }
        }
    } else {
        let o = &mut u.filesystem.osconfig;
        if o.read_buffer_size == 0 {
            o.read_buffer_size = s.filesystem.osconfig.read_buffer_size;
        }
        if o.write_buffer_size == 0 {
            o.write_buffer_size = s.filesystem.osconfig.write_buffer_size;
        }
    }
    fill_zero(&mut u.max_sessions, s.max_sessions);
    fill_zero(&mut u.quota_size, s.quota_size);
    fill_zero(&mut u.quota_files, s.quota_files);
    fill_zero(&mut u.upload_bandwidth, s.upload_bandwidth);
    fill_zero(&mut u.download_bandwidth, s.download_bandwidth);
    if u.upload_data_transfer <= 0 && u.download_data_transfer <= 0 && u.total_data_transfer <= 0 {
        u.upload_data_transfer = s.upload_data_transfer;
        u.download_data_transfer = s.download_data_transfer;
        u.total_data_transfer = s.total_data_transfer;
    }
    if u.expiration_date == 0 && s.expires_in > 0 {
        u.expiration_date = u.created_at.saturating_add(s.expires_in.saturating_mul(MS_PER_DAY));
    }

    let gf = &s.filters;
    let uf = &mut u.filters;
    fill_zero(&mut uf.max_upload_file_size, gf.max_upload_file_size);
    let tls_verification = !uf.tls_certs.is_empty() || (!uf.tls_username.is_empty() && uf.tls_username != "None");
    if !tls_verification {
        uf.tls_username = gf.tls_username.clone();
    }
    uf.hooks.check_password_disabled |= gf.hooks.check_password_disabled;
    uf.hooks.pre_login_disabled |= gf.hooks.pre_login_disabled;
    uf.hooks.external_auth_disabled |= gf.hooks.external_auth_disabled;
    uf.disable_fs_checks |= gf.disable_fs_checks;
    uf.allow_api_key_auth |= gf.allow_api_key_auth;
    uf.is_anonymous |= gf.is_anonymous;
    fill_zero(&mut uf.external_auth_cache_time, gf.external_auth_cache_time);
    fill_zero(&mut uf.ftp_security, gf.ftp_security);
    if uf.start_directory.is_empty() {
        uf.start_directory = ph.apply(&gf.start_directory);
    }
    fill_zero(&mut uf.default_shares_expiration, gf.default_shares_expiration);
    fill_zero(&mut uf.max_shares_expiration, gf.max_shares_expiration);
    fill_zero(&mut uf.password_expiration, gf.password_expiration);
    fill_zero(&mut uf.password_strength, gf.password_strength);

    merge_additive(u, g, GroupType::Primary, ph);
}

fn fill_zero(target: &mut i64, value: i64) {
    if *target == 0 {
        *target = value;
    }
}

fn merge_additive(u: &mut User, g: &Group, kind: GroupType, ph: &Placeholders<'_>) {
    let primary = kind == GroupType::Primary;

    let existing: Vec<String> = u.virtual_folders.iter().map(|f| f.virtual_path.clone()).collect();
    for folder in &g.virtual_folders {
        if folder.virtual_path == "/" && !primary {
            continue;
        }
        let virtual_path = ph.apply(&folder.virtual_path);
        if existing.contains(&virtual_path) {
            continue;
        }
        let mut f = folder.clone();
        f.virtual_path = virtual_path;
        f.mapped_path = ph.apply(&f.mapped_path);
        f.subpath = ph.apply(&f.subpath);
        f.filesystem = ph.apply_fs(&f.filesystem);
        u.virtual_folders.push(f);
    }

    for (key, perms) in &g.user_settings.permissions {
        if key == "/" {
            if primary {
                u.permissions.insert(key.clone(), perms.clone());
            }
            continue;
        }
        u.permissions.entry(ph.apply(key)).or_insert_with(|| perms.clone());
    }

    let gf = &g.user_settings.filters;
    let existing: Vec<String> = u.filters.file_patterns.iter().map(|p| p.path.clone()).collect();
    for pattern in &gf.file_patterns {
        if pattern.path == "/" && !primary {
            continue;
        }
        let path = ph.apply(&pattern.path);
        if existing.contains(&path) {
            continue;
        }
        let mut p = pattern.clone();
        p.path = path;
        u.filters.file_patterns.push(p);
    }

    let uf = &mut u.filters;
    uf.bandwidth_limits.extend(gf.bandwidth_limits.iter().cloned());
    uf.allowed_ip.extend(gf.allowed_ip.iter().cloned());
    uf.denied_ip.extend(gf.denied_ip.iter().cloned());
    uf.denied_login_methods.extend(gf.denied_login_methods.iter().cloned());
    uf.denied_protocols.extend(gf.denied_protocols.iter().cloned());
    uf.web_client.extend(gf.web_client.iter().cloned());
    uf.two_factor_protocols.extend(gf.two_factor_protocols.iter().cloned());
    uf.access_time.extend(gf.access_time.iter().cloned());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_in_one_pass() {
        let ph = Placeholders { username: "%role%", role: "r" };
        assert_eq!(ph.apply("/home/%username%/%role%"), "/home/%role%/r");
        assert_eq!(ph.apply("100%"), "100%");
        assert_eq!(ph.apply("%user%"), "%user%");
    }
}
