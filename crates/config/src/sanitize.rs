//! Post-load sanitisation: values SFTPGo silently replaces instead of refusing to start.

use crate::paths::is_path_input_valid;
use crate::sections::{Config, DEFAULT_INSTALLATION_CODE_HINT};

/// Data provider drivers that can host the shared defender.
const SHARED_DRIVERS: &[&str] = &["mysql", "postgresql", "cockroachdb"];

impl Config {
    /// Resets out-of-range values to their defaults, as SFTPGo does after loading, and returns one
    /// message per change: an unusable `data_provider.users_base_dir` is cleared; `proxy_protocol`
    /// outside 0..=2, `external_auth_scope` outside 0..=15, `rename_mode` outside 0..=1 and
    /// `symlink_mode` outside 0..=3 become 0; an enabled `provider` defender without a shared
    /// database driver becomes `memory`; a blank installation code hint gets its default text.
    pub fn reset_invalid(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        let dp = &mut self.data_provider;
        if !dp.users_base_dir.is_empty() && !is_path_input_valid(&dp.users_base_dir) {
            notes.push(format!("data_provider.users_base_dir: invalid value {:?} ignored", dp.users_base_dir));
            dp.users_base_dir.clear();
        }
        let common = &mut self.common;
        reset_range(&mut notes, "common.proxy_protocol", &mut common.proxy_protocol, 0..=2);
        reset_range(&mut notes, "common.rename_mode", &mut common.rename_mode, 0..=1);
        reset_range(&mut notes, "common.symlink_mode", &mut common.symlink_mode, 0..=3);
        reset_range(
            &mut notes,
            "data_provider.external_auth_scope",
            &mut self.data_provider.external_auth_scope,
            0..=15,
        );
        let defender = &mut self.common.defender;
        if defender.enabled
            && defender.driver == "provider"
            && !SHARED_DRIVERS.contains(&self.data_provider.driver.as_str())
        {
            notes.push(format!(
                "common.defender.driver: the provider defender needs a shared database (mysql, \
                 postgresql or cockroachdb), not {:?}; using memory",
                self.data_provider.driver
            ));
            defender.driver = "memory".to_owned();
        }
        let setup = &mut self.httpd.setup;
        if setup.installation_code_hint.trim().is_empty() {
            setup.installation_code_hint = DEFAULT_INSTALLATION_CODE_HINT.to_owned();
        }
        notes
    }
}

fn reset_range(notes: &mut Vec<String>, key: &str, value: &mut i64, range: std::ops::RangeInclusive<i64>) {
    if !range.contains(value) {
        notes.push(format!("{key}: {value} is not between {} and {}, reset to 0", range.start(), range.end()));
        *value = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_change() {
        let mut config = Config::default();
        assert!(config.reset_invalid().is_empty());
        assert_eq!(config, Config::default());
    }

    #[test]
    fn out_of_range_values_are_reset() {
        let mut config = Config::default();
        config.common.proxy_protocol = 3;
        config.common.rename_mode = -1;
        config.common.symlink_mode = 4;
        config.data_provider.external_auth_scope = 16;
        config.data_provider.users_base_dir = "a/..".to_owned();
        config.common.defender.enabled = true;
        config.common.defender.driver = "provider".to_owned();
        config.httpd.setup.installation_code_hint = "  ".to_owned();
        let notes = config.reset_invalid();
        assert_eq!(notes.len(), 6, "{notes:?}");
        let mut expected = Config::default();
        expected.common.defender.enabled = true;
        assert_eq!(config, expected);
    }

    #[test]
    fn provider_defender_kept_with_a_shared_driver() {
        let mut config = Config::default();
        config.common.defender.enabled = true;
        config.common.defender.driver = "provider".to_owned();
        config.data_provider.driver = "postgresql".to_owned();
        assert!(config.reset_invalid().is_empty());
        assert_eq!(config.common.defender.driver, "provider");
    }
}
