//! Rejection of configurations that cannot work. Only values that are clearly broken are refused;
//! anything SFTPGo would start with (possibly falling back to a default) is accepted.

use std::collections::HashSet;
use std::path::Path;

use crate::error::Error;
use crate::sections::{Config, RateLimiterConfig};

/// Supported `data_provider.driver` values.
pub const PROVIDER_DRIVERS: &[&str] = &["sqlite", "mysql", "postgresql", "cockroachdb", "bolt", "memory"];
/// Supported `data_provider.password_hashing.algo` values.
pub const HASHING_ALGOS: &[&str] = &["bcrypt", "argon2id"];
/// Supported `mfa.totp[].algo` values.
pub const TOTP_ALGOS: &[&str] = &["sha1", "sha256", "sha512"];
/// Supported `common.rate_limiters[].protocols` values.
pub const RATE_LIMITER_PROTOCOLS: &[&str] = &["SSH", "FTP", "DAV", "HTTP"];
/// Supported `plugins[].type` values.
pub const PLUGIN_TYPES: &[&str] = &["notifier", "kms", "auth", "eventsearcher", "ipfilter"];
/// Hook names `command.commands[].hook` may restrict an override to.
pub const COMMAND_HOOKS: &[&str] = &[
    "fs_actions",
    "provider_actions",
    "startup",
    "post_connect",
    "post_disconnect",
    "check_password",
    "pre_login",
    "post_login",
    "external_auth",
    "keyboard_interactive",
];
/// All upload mode bits.
const UPLOAD_MODE_BITS: i64 = 1 | 2 | 4 | 8 | 16;

fn invalid(key: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Invalid { key: key.into(), message: message.into() }
}

fn one_of(key: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(key, format!("{value:?} is not one of {}", allowed.join(", "))))
    }
}

impl Config {
    /// Checks the configuration for values that cannot work and returns the first problem found,
    /// naming its key.
    pub fn validate(&self) -> Result<(), Error> {
        self.validate_common()?;
        self.validate_provider()?;
        self.validate_services()
    }

    fn validate_common(&self) -> Result<(), Error> {
        let common = &self.common;
        if common.upload_mode < 0 || common.upload_mode & !UPLOAD_MODE_BITS != 0 {
            return Err(invalid(
                "common.upload_mode",
                format!("{} is not a combination of the bits 1, 2, 4, 8 and 16", common.upload_mode),
            ));
        }
        let defender = &common.defender;
        one_of("common.defender.driver", &defender.driver, &["memory", "provider"])?;
        if defender.enabled {
            let key = |k: &str| format!("common.defender.{k}");
            for (name, score) in [
                ("score_invalid", defender.score_invalid),
                ("score_valid", defender.score_valid),
                ("score_limit_exceeded", defender.score_limit_exceeded),
                ("score_no_auth", defender.score_no_auth),
            ] {
                if score >= defender.threshold {
                    return Err(invalid(
                        key(name),
                        format!("{score} must be lower than threshold ({})", defender.threshold),
                    ));
                }
            }
            for (name, value) in [
                ("ban_time", defender.ban_time),
                ("ban_time_increment", defender.ban_time_increment),
                ("observation_time", defender.observation_time),
                ("entries_soft_limit", defender.entries_soft_limit),
            ] {
                if value <= 0 {
                    return Err(invalid(key(name), format!("{value} must be greater than 0")));
                }
            }
            if defender.entries_hard_limit <= defender.entries_soft_limit {
                return Err(invalid(key("entries_hard_limit"), "must be greater than entries_soft_limit"));
            }
        }
        for (i, limiter) in common.rate_limiters.iter().enumerate() {
            validate_rate_limiter(&format!("common.rate_limiters[{i}]"), limiter)?;
        }
        Ok(())
    }

    fn validate_provider(&self) -> Result<(), Error> {
        let dp = &self.data_provider;
        one_of("data_provider.driver", &dp.driver, PROVIDER_DRIVERS)?;
        if !dp.sql_tables_prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(invalid(
                "data_provider.sql_tables_prefix",
                format!("{:?} may only contain a-z, 0-9 and _", dp.sql_tables_prefix),
            ));
        }
        let hashing = &dp.password_hashing;
        one_of("data_provider.password_hashing.algo", &hashing.algo, HASHING_ALGOS)?;
        if hashing.bcrypt_options.cost > 31 {
            return Err(invalid(
                "data_provider.password_hashing.bcrypt_options.cost",
                format!("{} is above the bcrypt maximum of 31", hashing.bcrypt_options.cost),
            ));
        }
        if hashing.algo == "argon2id" {
            let argon = &hashing.argon2_options;
            let key = |k: &str| format!("data_provider.password_hashing.argon2_options.{k}");
            if argon.iterations == 0 {
                return Err(invalid(key("iterations"), "must be at least 1"));
            }
            if argon.parallelism == 0 {
                return Err(invalid(key("parallelism"), "must be at least 1"));
            }
            if argon.memory < 8 * u32::from(argon.parallelism) {
                return Err(invalid(key("memory"), format!("{} KiB is below 8 KiB per lane", argon.memory)));
            }
        }
        Ok(())
    }

    fn validate_services(&self) -> Result<(), Error> {
        let ftpd = &self.ftpd;
        let range = &ftpd.passive_port_range;
        if ftpd.bindings.iter().any(|b| b.port > 0) && range.start > range.end {
            return Err(invalid(
                "ftpd.passive_port_range",
                format!("start {} is after end {}", range.start, range.end),
            ));
        }
        let command = &self.command;
        if !(1..=300).contains(&command.timeout) {
            return Err(invalid("command.timeout", format!("{} is not between 1 and 300 seconds", command.timeout)));
        }
        for (i, cmd) in command.commands.iter().enumerate() {
            let key = |k: &str| format!("command.commands[{i}].{k}");
            if !Path::new(&cmd.path).is_absolute() {
                return Err(invalid(key("path"), format!("{:?} is not an absolute path", cmd.path)));
            }
            if cmd.timeout != 0 && !(1..=300).contains(&cmd.timeout) {
                return Err(invalid(key("timeout"), format!("{} is not 0 or between 1 and 300 seconds", cmd.timeout)));
            }
            if !cmd.hook.is_empty() {
                one_of(&key("hook"), &cmd.hook, COMMAND_HOOKS)?;
            }
        }
        let mut names = HashSet::new();
        for (i, totp) in self.mfa.totp.iter().enumerate() {
            let key = |k: &str| format!("mfa.totp[{i}].{k}");
            if totp.name.is_empty() {
                return Err(invalid(key("name"), "must not be empty"));
            }
            if !names.insert(totp.name.as_str()) {
                return Err(invalid(key("name"), format!("{:?} is used twice", totp.name)));
            }
            if totp.issuer.is_empty() {
                return Err(invalid(key("issuer"), "must not be empty"));
            }
            one_of(&key("algo"), &totp.algo, TOTP_ALGOS)?;
        }
        for (i, plugin) in self.plugins.iter().enumerate() {
            one_of(&format!("plugins[{i}].type"), &plugin.plugin_type, PLUGIN_TYPES)?;
            if plugin.cmd.is_empty() {
                return Err(invalid(format!("plugins[{i}].cmd"), "must not be empty"));
            }
        }
        Ok(())
    }
}

fn validate_rate_limiter(prefix: &str, limiter: &RateLimiterConfig) -> Result<(), Error> {
    // Disabled limiters (average 0) are not checked, as in SFTPGo.
    if limiter.average <= 0 {
        return Ok(());
    }
    let key = |k: &str| format!("{prefix}.{k}");
    if limiter.period <= 0 {
        return Err(invalid(key("period"), "must be greater than 0"));
    }
    if limiter.burst < 1 {
        return Err(invalid(key("burst"), "must be at least 1"));
    }
    if limiter.limiter_type != 1 && limiter.limiter_type != 2 {
        return Err(invalid(key("type"), format!("{} is not 1 (global) or 2 (per source)", limiter.limiter_type)));
    }
    if limiter.protocols.is_empty() {
        return Err(invalid(key("protocols"), "must not be empty"));
    }
    for protocol in &limiter.protocols {
        one_of(&key("protocols"), protocol, RATE_LIMITER_PROTOCOLS)?;
    }
    if limiter.limiter_type == 2 {
        if limiter.entries_soft_limit <= 0 {
            return Err(invalid(key("entries_soft_limit"), "must be greater than 0"));
        }
        if limiter.entries_hard_limit <= limiter.entries_soft_limit {
            return Err(invalid(key("entries_hard_limit"), "must be greater than entries_soft_limit"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(config: &Config) -> String {
        match config.validate() {
            Err(Error::Invalid { key, .. }) => key,
            other => panic!("expected an invalid key, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn broken_values_name_their_key() {
        let mut c = Config::default();
        c.data_provider.driver = "oracle".to_owned();
        assert_eq!(key_of(&c), "data_provider.driver");

        let mut c = Config::default();
        c.common.upload_mode = 32;
        assert_eq!(key_of(&c), "common.upload_mode");
        c.common.upload_mode = 1 | 2 | 16;
        c.validate().unwrap();

        let mut c = Config::default();
        c.data_provider.password_hashing.algo = "md5".to_owned();
        assert_eq!(key_of(&c), "data_provider.password_hashing.algo");

        let mut c = Config::default();
        c.data_provider.sql_tables_prefix = "My-".to_owned();
        assert_eq!(key_of(&c), "data_provider.sql_tables_prefix");
        c.data_provider.sql_tables_prefix = "prefix_1".to_owned();
        c.validate().unwrap();

        let mut c = Config::default();
        c.mfa.totp.push(c.mfa.totp[0].clone());
        assert_eq!(key_of(&c), "mfa.totp[1].name");

        let mut c = Config::default();
        c.mfa.totp[0].algo = "md5".to_owned();
        assert_eq!(key_of(&c), "mfa.totp[0].algo");

        let mut c = Config::default();
        c.common.rate_limiters[0].average = 10;
        c.common.rate_limiters[0].protocols.push("SMTP".to_owned());
        assert_eq!(key_of(&c), "common.rate_limiters[0].protocols");

        let mut c = Config::default();
        c.common.defender.enabled = true;
        c.common.defender.score_invalid = 15;
        assert_eq!(key_of(&c), "common.defender.score_invalid");

        let mut c = Config::default();
        c.command.timeout = 0;
        assert_eq!(key_of(&c), "command.timeout");

        let mut c = Config::default();
        c.command.commands.push(crate::CommandOverride { path: "relative/prog".to_owned(), ..Default::default() });
        assert_eq!(key_of(&c), "command.commands[0].path");

        let mut c = Config::default();
        c.ftpd.bindings[0].port = 21;
        c.ftpd.passive_port_range.start = 60000;
        assert_eq!(key_of(&c), "ftpd.passive_port_range");

        let mut c = Config::default();
        c.plugins.push(crate::PluginConfig {
            plugin_type: "metadata".to_owned(),
            cmd: "/bin/p".to_owned(),
            ..Default::default()
        });
        assert_eq!(key_of(&c), "plugins[0].type");
    }
}
