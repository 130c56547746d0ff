//! What each object kind needs from the store beyond its JSON: which fields are counters, which are
//! timestamps the server manages, which hold passwords to hash and secrets to encrypt, and what
//! happens to objects that point to one being deleted.

use wharf_model::{
    Admin, ApiKey, Configs, EventAction, EventRule, Folder, Group, IpListEntry, Kind, Object, Role, Secret,
    SecretStatus, Share, User, Validate,
};

use crate::backend::Counters;

/// How objects pointing to a deleted object are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// The deletion is refused while such objects exist.
    Refuse,
    /// They are deleted too.
    Cascade,
    /// The reference is removed from them ([`Stored::detach`]).
    Detach,
}

/// Store-side behaviour of an object kind.
pub trait Stored: Object + Validate {
    /// Moves the usage counters out of the object (they live beside the document).
    fn take_counters(&mut self) -> Counters {
        Counters::default()
    }

    /// Puts the stored counters back into the object.
    fn put_counters(&mut self, _c: &Counters) {}

    /// Sets the server-managed timestamps. `old` is the stored version on update. In a restore,
    /// timestamps present in the input are kept (so that a dump loads back unchanged).
    fn stamp(&mut self, _now: i64, _old: Option<&Self>, _restore: bool) {}

    /// On update: takes from the stored version what the input may leave out (an empty password
    /// means "unchanged", a redacted secret means "keep the stored one") and the fields the server
    /// manages (last login, first transfer, last use…). In a restore, usage values present in the
    /// dump win, so that a dump loads back unchanged.
    fn keep_from(&mut self, _old: &Self, _restore: bool) {}

    /// On add (not in a restore): resets the usage fields the server manages, whatever the input says.
    fn clear_usage(&mut self) {}

    /// Called when a plain password of the object was hashed, with the current time.
    fn password_hashed(&mut self, _now: i64) {}

    /// Plain-text credentials that must be hashed before saving, as mutable slots, with whether the
    /// slot accepts every user hash format (true) or only bcrypt/argon2id (false).
    fn credentials_mut(&mut self) -> Vec<(&mut String, bool)> {
        Vec::new()
    }

    /// The secrets inside the object, with their JSON path, and the additional data they are
    /// encrypted with.
    fn secrets_mut(&mut self) -> (String, Vec<(String, &mut Secret)>) {
        (String::new(), Vec::new())
    }

    /// Which kinds may point to this one, and what happens to them when it is deleted.
    fn referrers() -> &'static [(Kind, OnDelete)] {
        &[]
    }

    /// Removes references to `(kind, name)` (for [`OnDelete::Detach`]).
    fn detach(&mut self, _kind: Kind, _name: &str) {}
}

fn stamp_pair(created: &mut i64, updated: &mut i64, now: i64, old_created: Option<i64>, restore: bool) {
    match old_created {
        Some(c) if !(restore && *created != 0) => *created = c,
        _ if restore && *created != 0 => {}
        _ => *created = now,
    }
    if !(restore && *updated != 0) {
        *updated = now;
    }
}

/// A server-managed value on update: the stored one, except in a restore where a value from the dump wins.
fn keep_usage(mine: &mut i64, theirs: i64, restore: bool) {
    if !restore || *mine == 0 {
        *mine = theirs;
    }
}

fn keep_secret(new: &mut Secret, old: &Secret) {
    if new.status == SecretStatus::Redacted {
        *new = old.clone();
    }
}

fn keep_fs_secrets(new: &mut wharf_model::Filesystem, old: &wharf_model::Filesystem) {
    let mut old = old.clone();
    for (n, o) in new.all_secrets_mut().into_iter().zip(old.all_secrets_mut()) {
        keep_secret(n, o);
    }
}

impl Stored for User {
    fn take_counters(&mut self) -> Counters {
        let c = Counters {
            used_quota_size: self.used_quota_size,
            used_quota_files: self.used_quota_files,
            last_quota_update: self.last_quota_update,
            used_upload: self.used_upload_data_transfer,
            used_download: self.used_download_data_transfer,
        };
        self.used_quota_size = 0;
        self.used_quota_files = 0;
        self.last_quota_update = 0;
        self.used_upload_data_transfer = 0;
        self.used_download_data_transfer = 0;
        c
    }

    fn put_counters(&mut self, c: &Counters) {
        self.used_quota_size = c.used_quota_size;
        self.used_quota_files = c.used_quota_files;
        self.last_quota_update = c.last_quota_update;
        self.used_upload_data_transfer = c.used_upload;
        self.used_download_data_transfer = c.used_download;
    }

    fn stamp(&mut self, now: i64, old: Option<&Self>, restore: bool) {
        stamp_pair(&mut self.created_at, &mut self.updated_at, now, old.map(|o| o.created_at), restore);
    }

    fn keep_from(&mut self, old: &Self, restore: bool) {
        if self.password.is_empty() {
            self.password = old.password.clone();
        }
        if self.password == old.password {
            keep_usage(&mut self.last_password_change, old.last_password_change, restore);
        }
        keep_usage(&mut self.last_login, old.last_login, restore);
        keep_usage(&mut self.first_download, old.first_download, restore);
        keep_usage(&mut self.first_upload, old.first_upload, restore);
        keep_fs_secrets(&mut self.filesystem, &old.filesystem);
        keep_secret(&mut self.filters.totp_config.secret, &old.filters.totp_config.secret);
    }

    fn clear_usage(&mut self) {
        self.last_login = 0;
        self.first_download = 0;
        self.first_upload = 0;
        self.last_password_change = 0;
    }

    fn password_hashed(&mut self, now: i64) {
        self.last_password_change = now;
    }

    fn credentials_mut(&mut self) -> Vec<(&mut String, bool)> {
        vec![(&mut self.password, true)]
    }

    fn secrets_mut(&mut self) -> (String, Vec<(String, &mut Secret)>) {
        let mut out: Vec<(String, &mut Secret)> =
            self.filesystem.secrets_mut().into_iter().map(|(p, s)| (format!("filesystem.{p}"), s)).collect();
        out.push(("filters.totp_config.secret".into(), &mut self.filters.totp_config.secret));
        for (i, c) in self.filters.recovery_codes.iter_mut().enumerate() {
            out.push((format!("filters.recovery_codes[{i}].secret"), &mut c.secret));
        }
        (self.username.clone(), out)
    }

    fn referrers() -> &'static [(Kind, OnDelete)] {
        &[(Kind::Share, OnDelete::Cascade), (Kind::ApiKey, OnDelete::Cascade)]
    }

    fn detach(&mut self, kind: Kind, name: &str) {
        match kind {
            Kind::Folder => self.virtual_folders.retain(|f| f.name != name),
            Kind::Group => self.groups.retain(|g| g.name != name),
            Kind::Role if self.role == name => self.role.clear(),
            _ => {}
        }
    }
}

impl Stored for Folder {
    fn take_counters(&mut self) -> Counters {
        let c = Counters {
            used_quota_size: self.used_quota_size,
            used_quota_files: self.used_quota_files,
            last_quota_update: self.last_quota_update,
            ..Counters::default()
        };
        self.used_quota_size = 0;
        self.used_quota_files = 0;
        self.last_quota_update = 0;
        c
    }

    fn put_counters(&mut self, c: &Counters) {
        self.used_quota_size = c.used_quota_size;
        self.used_quota_files = c.used_quota_files;
        self.last_quota_update = c.last_quota_update;
    }

    fn keep_from(&mut self, old: &Self, _restore: bool) {
        keep_fs_secrets(&mut self.filesystem, &old.filesystem);
    }

    fn secrets_mut(&mut self) -> (String, Vec<(String, &mut Secret)>) {
        let ad = format!("folder_{}", self.name);
        let out = self.filesystem.secrets_mut().into_iter().map(|(p, s)| (format!("filesystem.{p}"), s)).collect();
        (ad, out)
    }

    fn referrers() -> &'static [(Kind, OnDelete)] {
        &[(Kind::User, OnDelete::Detach), (Kind::Group, OnDelete::Detach)]
    }
}

impl Stored for Group {
    fn stamp(&mut self, now: i64, old: Option<&Self>, restore: bool) {
        stamp_pair(&mut self.created_at, &mut self.updated_at, now, old.map(|o| o.created_at), restore);
    }

    fn keep_from(&mut self, old: &Self, _restore: bool) {
        keep_fs_secrets(&mut self.user_settings.filesystem, &old.user_settings.filesystem);
    }

    fn secrets_mut(&mut self) -> (String, Vec<(String, &mut Secret)>) {
        let ad = format!("group_{}", self.name);
        let out = self
            .user_settings
            .filesystem
            .secrets_mut()
            .into_iter()
            .map(|(p, s)| (format!("user_settings.filesystem.{p}"), s))
            .collect();
        (ad, out)
    }

    fn referrers() -> &'static [(Kind, OnDelete)] {
        // Users inherit settings from their groups: silently changing them would be a surprise.
        &[(Kind::User, OnDelete::Refuse), (Kind::Admin, OnDelete::Detach)]
    }

    fn detach(&mut self, kind: Kind, name: &str) {
        if kind == Kind::Folder {
            self.virtual_folders.retain(|f| f.name != name);
        }
    }
}

impl Stored for Admin {
    fn stamp(&mut self, now: i64, old: Option<&Self>, restore: bool) {
        stamp_pair(&mut self.created_at, &mut self.updated_at, now, old.map(|o| o.created_at), restore);
    }

    fn keep_from(&mut self, old: &Self, restore: bool) {
        if self.password.is_empty() {
            self.password = old.password.clone();
        }
        keep_usage(&mut self.last_login, old.last_login, restore);
        keep_secret(&mut self.filters.totp_config.secret, &old.filters.totp_config.secret);
    }

    fn clear_usage(&mut self) {
        self.last_login = 0;
    }

    fn credentials_mut(&mut self) -> Vec<(&mut String, bool)> {
        vec![(&mut self.password, false)]
    }

    fn secrets_mut(&mut self) -> (String, Vec<(String, &mut Secret)>) {
        let mut out: Vec<(String, &mut Secret)> =
            vec![("filters.totp_config.secret".into(), &mut self.filters.totp_config.secret)];
        for (i, c) in self.filters.recovery_codes.iter_mut().enumerate() {
            out.push((format!("filters.recovery_codes[{i}].secret"), &mut c.secret));
        }
        (self.username.clone(), out)
    }

    fn referrers() -> &'static [(Kind, OnDelete)] {
        &[(Kind::ApiKey, OnDelete::Cascade)]
    }

    fn detach(&mut self, kind: Kind, name: &str) {
        match kind {
            Kind::Group => self.groups.retain(|g| g.name != name),
            Kind::Role if self.role == name => self.role.clear(),
            _ => {}
        }
    }
}

impl Stored for ApiKey {
    fn stamp(&mut self, now: i64, old: Option<&Self>, restore: bool) {
        stamp_pair(&mut self.created_at, &mut self.updated_at, now, old.map(|o| o.created_at), restore);
    }

    fn keep_from(&mut self, old: &Self, restore: bool) {
        if self.key.is_empty() {
            self.key = old.key.clone();
        }
        keep_usage(&mut self.last_use_at, old.last_use_at, restore);
    }

    fn clear_usage(&mut self) {
        self.last_use_at = 0;
    }

    fn credentials_mut(&mut self) -> Vec<(&mut String, bool)> {
        vec![(&mut self.key, false)]
    }
}

impl Stored for Share {
    fn stamp(&mut self, now: i64, old: Option<&Self>, restore: bool) {
        stamp_pair(&mut self.created_at, &mut self.updated_at, now, old.map(|o| o.created_at), restore);
    }

    fn keep_from(&mut self, old: &Self, restore: bool) {
        if self.password.is_empty() || self.password == wharf_model::share::REDACTED_SHARE_PASSWORD {
            self.password = old.password.clone();
        }
        keep_usage(&mut self.last_use_at, old.last_use_at, restore);
        keep_usage(&mut self.used_tokens, old.used_tokens, restore);
    }

    fn clear_usage(&mut self) {
        self.last_use_at = 0;
        self.used_tokens = 0;
    }

    fn credentials_mut(&mut self) -> Vec<(&mut String, bool)> {
        vec![(&mut self.password, false)]
    }
}

impl Stored for Role {
    fn stamp(&mut self, now: i64, old: Option<&Self>, restore: bool) {
        stamp_pair(&mut self.created_at, &mut self.updated_at, now, old.map(|o| o.created_at), restore);
    }

    fn referrers() -> &'static [(Kind, OnDelete)] {
        &[(Kind::User, OnDelete::Detach), (Kind::Admin, OnDelete::Detach)]
    }
}

impl Stored for IpListEntry {
    fn stamp(&mut self, now: i64, old: Option<&Self>, restore: bool) {
        stamp_pair(&mut self.created_at, &mut self.updated_at, now, old.map(|o| o.created_at), restore);
    }
}

impl Stored for EventAction {
    fn keep_from(&mut self, old: &Self, _restore: bool) {
        keep_secret(&mut self.options.http_config.password, &old.options.http_config.password);
    }

    fn secrets_mut(&mut self) -> (String, Vec<(String, &mut Secret)>) {
        // SFTPGo binds an HTTP action's password to the action name.
        let ad = self.name.clone();
        (ad, vec![("options.http_config.password".into(), &mut self.options.http_config.password)])
    }

    fn referrers() -> &'static [(Kind, OnDelete)] {
        &[(Kind::EventRule, OnDelete::Refuse)]
    }
}

impl Stored for EventRule {
    fn stamp(&mut self, now: i64, old: Option<&Self>, restore: bool) {
        stamp_pair(&mut self.created_at, &mut self.updated_at, now, old.map(|o| o.created_at), restore);
    }
}

impl Stored for Configs {
    fn stamp(&mut self, now: i64, _old: Option<&Self>, restore: bool) {
        if !(restore && self.updated_at != 0) {
            self.updated_at = now;
        }
    }

    fn keep_from(&mut self, old: &Self, _restore: bool) {
        let mut old = old.clone();
        let olds = old.secrets_mut();
        for ((np, n), (op, o)) in Configs::secrets_mut(self).into_iter().zip(olds) {
            if np == op {
                keep_secret(n, o);
            }
        }
    }

    fn secrets_mut(&mut self) -> (String, Vec<(String, &mut Secret)>) {
        let out = Configs::secrets_mut(self).into_iter().map(|(p, s)| (p.to_owned(), s)).collect();
        // SFTPGo binds every SMTP secret to "smtp".
        ("smtp".into(), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamping_new_update_and_restore() {
        let (mut c, mut u) = (0, 0);
        stamp_pair(&mut c, &mut u, 100, None, false);
        assert_eq!((c, u), (100, 100));
        let (mut c, mut u) = (5, 6);
        stamp_pair(&mut c, &mut u, 100, Some(1), false);
        assert_eq!((c, u), (1, 100), "update keeps the stored creation time");
        let (mut c, mut u) = (5, 6);
        stamp_pair(&mut c, &mut u, 100, None, true);
        assert_eq!((c, u), (5, 6), "restore keeps given timestamps");
        let (mut c, mut u) = (0, 0);
        stamp_pair(&mut c, &mut u, 100, Some(1), true);
        assert_eq!((c, u), (1, 100));
    }

    #[test]
    fn usage_fields_are_server_managed_except_in_restores() {
        let old = User { last_login: 10, first_upload: 11, first_download: 12, ..User::default() };
        let mut new = User { last_login: 99, first_upload: 0, ..User::default() };
        new.keep_from(&old, false);
        assert_eq!((new.last_login, new.first_upload, new.first_download), (10, 11, 12));
        let mut restored = User { last_login: 99, first_upload: 0, ..User::default() };
        restored.keep_from(&old, true);
        assert_eq!((restored.last_login, restored.first_upload), (99, 11), "a dump's values win when set");
        let mut added = User { last_login: 5, last_password_change: 6, ..User::default() };
        added.clear_usage();
        assert_eq!((added.last_login, added.last_password_change), (0, 0));
        let mut share = Share::new("s", "n", wharf_model::ShareScope::Read, "u", vec!["/".into()]);
        share.used_tokens = 3;
        share.last_use_at = 4;
        share.clear_usage();
        assert_eq!((share.used_tokens, share.last_use_at), (0, 0));
    }

    #[test]
    fn user_counters_move_out_and_back() {
        let mut u = User { used_quota_size: 10, used_quota_files: 2, used_upload_data_transfer: 7, ..User::default() };
        let c = u.take_counters();
        assert_eq!((u.used_quota_size, u.used_quota_files, u.used_upload_data_transfer), (0, 0, 0));
        let mut v = User::default();
        v.put_counters(&c);
        assert_eq!((v.used_quota_size, v.used_quota_files, v.used_upload_data_transfer), (10, 2, 7));
    }

    #[test]
    fn redacted_secrets_keep_stored_values() {
        let mut old = User::default();
        old.filesystem.provider = wharf_model::FsProvider::S3;
        old.filesystem.s3config.access_secret =
            Secret { status: SecretStatus::Secretbox, payload: "x".into(), ..Secret::default() };
        let mut new = old.clone();
        new.filesystem.s3config.access_secret = old.filesystem.s3config.access_secret.redacted();
        new.password.clear();
        old.password = "$2a$10$hash".into();
        new.keep_from(&old, false);
        assert_eq!(new.filesystem.s3config.access_secret.payload, "x");
        assert_eq!(new.password, "$2a$10$hash");
    }
}
