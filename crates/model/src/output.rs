//! Output-only fields and redaction.
//!
//! - [`Output::clear_output_only`] drops what SFTPGo computes on output and ignores on input
//!   (`has_password`, the `users`/`groups`/`admins`/`rules` back-references, folder and action
//!   details embedded in mappings), giving the stored form.
//! - [`Output::redact`] prepares an object for API responses without confidential access:
//!   passwords and key hashes are removed (shares show `[**redacted**]`), every secret becomes
//!   `{"status":"Redacted"}`. Dumps are written unredacted, as in SFTPGo.

use crate::configs::Configs;
use crate::event::{ActionOptions, EventAction, EventRule};
use crate::share::REDACTED_SHARE_PASSWORD;
use crate::user::RecoveryCode;
use crate::{Admin, ApiKey, BackupData, Folder, Group, IpListEntry, Role, Share, User};

/// Output-form helpers implemented by every object.
pub trait Output {
    /// Clears the fields that are computed on output and never stored.
    fn clear_output_only(&mut self);

    /// Hides confidential data for API responses.
    fn redact(&mut self);
}

fn redact_codes(codes: &mut [RecoveryCode]) {
    for c in codes {
        c.secret = c.secret.redacted();
    }
}

impl Output for User {
    fn clear_output_only(&mut self) {
        self.has_password = false;
        self.oidc_custom_fields = None;
        for f in &mut self.virtual_folders {
            f.clear_output_only();
        }
    }

    /// Sets `has_password`, then removes the password and redacts every secret.
    fn redact(&mut self) {
        self.has_password = !self.password.is_empty();
        self.password.clear();
        self.filesystem.redact_secrets();
        for f in &mut self.virtual_folders {
            f.filesystem.redact_secrets();
        }
        let totp = &mut self.filters.totp_config;
        totp.secret = totp.secret.redacted();
        redact_codes(&mut self.filters.recovery_codes);
    }
}

impl Output for Folder {
    fn clear_output_only(&mut self) {
        self.users.clear();
        self.groups.clear();
    }

    fn redact(&mut self) {
        self.filesystem.redact_secrets();
    }
}

impl Output for Group {
    fn clear_output_only(&mut self) {
        self.users.clear();
        self.admins.clear();
        for f in &mut self.virtual_folders {
            f.clear_output_only();
        }
    }

    fn redact(&mut self) {
        self.user_settings.filesystem.redact_secrets();
        for f in &mut self.virtual_folders {
            f.filesystem.redact_secrets();
        }
    }
}

impl Output for Admin {
    fn clear_output_only(&mut self) {}

    fn redact(&mut self) {
        self.password.clear();
        let totp = &mut self.filters.totp_config;
        totp.secret = totp.secret.redacted();
        redact_codes(&mut self.filters.recovery_codes);
    }
}

impl Output for ApiKey {
    fn clear_output_only(&mut self) {}

    fn redact(&mut self) {
        self.key.clear();
    }
}

impl Output for Share {
    fn clear_output_only(&mut self) {}

    fn redact(&mut self) {
        if !self.password.is_empty() {
            self.password = REDACTED_SHARE_PASSWORD.to_string();
        }
    }
}

impl Output for Role {
    fn clear_output_only(&mut self) {
        self.users.clear();
        self.admins.clear();
    }

    fn redact(&mut self) {}
}

impl Output for IpListEntry {
    fn clear_output_only(&mut self) {}

    fn redact(&mut self) {}
}

fn redact_action_options(o: &mut ActionOptions) {
    o.http_config.password = o.http_config.password.redacted();
}

impl Output for EventAction {
    fn clear_output_only(&mut self) {
        self.rules.clear();
    }

    fn redact(&mut self) {
        redact_action_options(&mut self.options);
    }
}

impl Output for EventRule {
    fn clear_output_only(&mut self) {
        for a in &mut self.actions {
            a.clear_output_only();
        }
    }

    fn redact(&mut self) {
        for a in &mut self.actions {
            if let Some(o) = a.options.as_mut() {
                redact_action_options(o);
            }
        }
    }
}

impl Output for Configs {
    fn clear_output_only(&mut self) {}

    fn redact(&mut self) {
        for (_, s) in self.secrets_mut() {
            *s = s.redacted();
        }
    }
}

impl Output for BackupData {
    fn clear_output_only(&mut self) {
        self.users.iter_mut().for_each(Output::clear_output_only);
        self.groups.iter_mut().for_each(Output::clear_output_only);
        self.folders.iter_mut().for_each(Output::clear_output_only);
        self.roles.iter_mut().for_each(Output::clear_output_only);
        self.event_actions.iter_mut().for_each(Output::clear_output_only);
        self.event_rules.iter_mut().for_each(Output::clear_output_only);
    }

    fn redact(&mut self) {
        self.users.iter_mut().for_each(Output::redact);
        self.groups.iter_mut().for_each(Output::redact);
        self.folders.iter_mut().for_each(Output::redact);
        self.admins.iter_mut().for_each(Output::redact);
        self.api_keys.iter_mut().for_each(Output::redact);
        self.shares.iter_mut().for_each(Output::redact);
        self.event_actions.iter_mut().for_each(Output::redact);
        self.event_rules.iter_mut().for_each(Output::redact);
        if let Some(c) = self.configs.as_mut() {
            c.redact();
        }
    }
}
