//! Keys that older SFTPGo releases accepted and later dropped. Configuration files written for
//! those releases still load: such keys are ignored with a warning instead of failing as unknown.

/// A removed key: its pattern (`[]` stands for any list index) and a hint for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemovedKey {
    /// Dotted key pattern, e.g. `ftpd.bindings[].tls_session_reuse`. A pattern naming an object
    /// covers everything below it.
    pub pattern: &'static str,
    /// What replaced it, or why it is gone.
    pub hint: &'static str,
}

const fn key(pattern: &'static str, hint: &'static str) -> RemovedKey {
    RemovedKey { pattern, hint }
}

/// Every removed key Wharf recognises.
pub const REMOVED_KEYS: &[RemovedKey] = &[
    key("common.temp_path", "atomic upload temporary files are now created next to their target"),
    key("common.data_retention_hook", "use the Event Manager instead"),
    key("common.whitelist_file", "use the allow list (IP lists) and common.allowlist_status"),
    key("common.defender.safelist_file", "use the defender IP list instead"),
    key("common.defender.blocklist_file", "use the defender IP list instead"),
    key("common.rate_limiters[].allow_list", "use the rate limiter IP list instead"),
    key("sftpd.bind_port", "use sftpd.bindings[].port"),
    key("sftpd.bind_address", "use sftpd.bindings[].address"),
    key("sftpd.banner", "use common.server_version"),
    key("sftpd.keys", "use sftpd.host_keys"),
    key("sftpd.idle_timeout", "use common.idle_timeout"),
    key("sftpd.actions", "use common.actions"),
    key("sftpd.setstat_mode", "use common.setstat_mode"),
    key("sftpd.upload_mode", "use common.upload_mode"),
    key("sftpd.proxy_protocol", "use common.proxy_protocol"),
    key("sftpd.proxy_allowed", "use common.proxy_allowed"),
    key("sftpd.moduli", "no longer configurable"),
    key("sftpd.folder_prefix", "no longer supported"),
    key("sftpd.min_dh_group_exchange_key_size", "no longer configurable"),
    key("ftpd.bind_port", "use ftpd.bindings[].port"),
    key("ftpd.bind_address", "use ftpd.bindings[].address"),
    key("ftpd.banner", "use ftpd.banner_file or common.server_version"),
    key("ftpd.force_passive_ip", "use ftpd.bindings[].force_passive_ip"),
    key("ftpd.tls_mode", "use ftpd.bindings[].tls_mode"),
    key("ftpd.bindings[].tls_session_reuse", "no longer configurable"),
    key("ftpd.bindings[].ignore_ascii_transfer_type", "no longer configurable"),
    key("webdavd.bind_port", "use webdavd.bindings[].port"),
    key("webdavd.bind_address", "use webdavd.bindings[].address"),
    key("data_provider.manage_users", "no longer configurable"),
    key("data_provider.credentials_path", "credentials are stored in the data provider"),
    key("data_provider.prefer_database_credentials", "credentials are stored in the data provider"),
    key("data_provider.skip_natural_keys_validation", "use data_provider.naming_rules"),
    key("data_provider.auto_backup", "use an Event Manager backup action instead"),
    key("httpd.bind_port", "use httpd.bindings[].port"),
    key("httpd.bind_address", "use httpd.bindings[].address"),
    key("httpd.backups_path", "use data_provider.backups_path"),
    key("httpd.auth_user_file", "the REST API uses admin accounts; telemetry has its own auth_user_file"),
    key("httpd.bindings[].web_client_integrations", "no longer supported"),
    key("httpd.bindings[].extra_css", "use httpd.bindings[].branding"),
    key("httpd.bindings[].security.expect_ct_header", "the Expect-CT header is obsolete"),
    key("httpd.bindings[].branding.web_admin.login_image_path", "no longer supported"),
    key("httpd.bindings[].branding.web_client.login_image_path", "no longer supported"),
];

/// Returns the removed key covering `pattern` (the key itself or one of its parents).
pub(crate) fn find(pattern: &str) -> Option<&'static RemovedKey> {
    REMOVED_KEYS.iter().find(|removed| {
        pattern == removed.pattern
            || pattern.strip_prefix(removed.pattern).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_their_children() {
        assert_eq!(find("common.temp_path").map(|k| k.pattern), Some("common.temp_path"));
        assert_eq!(find("data_provider.auto_backup.hour").map(|k| k.pattern), Some("data_provider.auto_backup"));
        assert!(find("common.temp_paths").is_none());
        assert!(find("common.idle_timeout").is_none());
    }

    #[test]
    fn no_removed_key_is_a_current_key() {
        let defaults = serde_json::to_value(crate::Config::default()).unwrap_or_default();
        for removed in REMOVED_KEYS {
            let mut node = &defaults;
            let mut present = true;
            for seg in removed.pattern.split('.') {
                let name = seg.trim_end_matches("[]");
                node = match node.get(name) {
                    Some(child) => child,
                    None => {
                        present = false;
                        break;
                    }
                };
                if seg.ends_with("[]") {
                    node = match node.get(0) {
                        Some(child) => child,
                        None => {
                            present = false;
                            break;
                        }
                    };
                }
            }
            assert!(!present, "{} is still a configuration key", removed.pattern);
        }
    }
}
