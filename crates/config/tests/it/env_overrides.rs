//! `WHARF_`/`SFTPGO_` environment overrides.

use wharf_config::{Config, Error, FtpdBinding, PassiveIpOverride, SftpdBinding};

use crate::support::{load, load_err, load_text, opts};

fn with_env(env: &[(&str, &str)]) -> Config {
    let dir = tempfile::tempdir().unwrap();
    load(opts(dir.path(), env)).config
}

fn env_err(env: &[(&str, &str)]) -> Error {
    let dir = tempfile::tempdir().unwrap();
    Config::load(opts(dir.path(), env)).expect_err("load should fail")
}

#[test]
fn scalars_of_every_type() {
    let c = with_env(&[
        ("SFTPGO_COMMON__IDLE_TIMEOUT", "5"),
        ("SFTPGO_COMMON__SECRET_MIN_ENTROPY", "12.5"),
        ("SFTPGO_WEBDAVD__CORS__ENABLED", "true"),
        ("SFTPGO_DATA_PROVIDER__PASSWORD_CACHING", "0"),
        ("SFTPGO_DATA_PROVIDER__DRIVER", "bolt"),
        ("SFTPGO_DATA_PROVIDER__PORT", " 3306 "),
        ("SFTPGO_DATA_PROVIDER__PASSWORD_HASHING__ARGON2_OPTIONS__PARALLELISM", "4"),
        ("SFTPGO_COMMON__DEFENDER__LOGIN_DELAY__SUCCESS", "-1"),
    ]);
    let mut expected = Config::default();
    expected.common.idle_timeout = 5;
    expected.common.secret_min_entropy = 12.5;
    expected.webdavd.cors.enabled = true;
    expected.data_provider.password_caching = false;
    expected.data_provider.driver = "bolt".into();
    expected.data_provider.port = 3306;
    expected.data_provider.password_hashing.argon2_options.parallelism = 4;
    expected.common.defender.login_delay.success = -1;
    assert_eq!(c, expected);
}

#[test]
fn booleans_accept_go_spellings() {
    for (text, value) in [
        ("1", true),
        ("t", true),
        ("T", true),
        ("TRUE", true),
        ("true", true),
        ("True", true),
        ("0", false),
        ("f", false),
        ("F", false),
        ("FALSE", false),
        ("false", false),
        ("False", false),
    ] {
        let c = with_env(&[("SFTPGO_SFTPD__PASSWORD_AUTHENTICATION", text)]);
        assert_eq!(c.sftpd.password_authentication, value, "{text}");
    }
}

#[test]
fn lists_are_comma_separated() {
    let c = with_env(&[
        ("SFTPGO_COMMON__ACTIONS__EXECUTE_ON", "upload, download,,rename"),
        ("SFTPGO_SFTPD__ENABLED_SSH_COMMANDS", "*"),
    ]);
    assert_eq!(c.common.actions.execute_on, ["upload", "download", "rename"]);
    assert_eq!(c.sftpd.enabled_ssh_commands, ["*"]);
}

#[test]
fn empty_values_set_empty_or_zero() {
    let c = with_env(&[
        ("SFTPGO_SFTPD__ENABLED_SSH_COMMANDS", ""),
        ("SFTPGO_TELEMETRY__BIND_ADDRESS", ""),
        ("SFTPGO_COMMON__IDLE_TIMEOUT", ""),
        ("SFTPGO_SFTPD__PASSWORD_AUTHENTICATION", ""),
        ("SFTPGO_HTTPD__BINDINGS__0__LANGUAGES", ""),
    ]);
    assert!(c.sftpd.enabled_ssh_commands.is_empty());
    assert_eq!(c.telemetry.bind_address, "");
    assert_eq!(c.common.idle_timeout, 0);
    assert!(!c.sftpd.password_authentication);
    assert!(c.httpd.bindings[0].languages.is_empty());
}

#[test]
fn keys_without_a_built_in_default_in_sftpgo_are_overridable() {
    let c = with_env(&[
        ("SFTPGO_COMMON__STARTUP_HOOK", "/bin/true"),
        ("SFTPGO_SMTP__DEBUG", "1"),
        ("SFTPGO_SMTP__OAUTH2__TENANT", "t"),
    ]);
    assert_eq!(c.common.startup_hook, "/bin/true");
    assert_eq!(c.smtp.debug, 1);
    assert_eq!(c.smtp.oauth2.tenant, "t");
}

#[test]
fn indexed_struct_lists_modify_and_extend() {
    let c = with_env(&[
        ("SFTPGO_SFTPD__BINDINGS__0__ADDRESS", "127.0.0.1"),
        ("SFTPGO_SFTPD__BINDINGS__1__PORT", "2222"),
        ("SFTPGO_SFTPD__BINDINGS__1__APPLY_PROXY_CONFIG", "false"),
    ]);
    assert_eq!(
        c.sftpd.bindings,
        [
            SftpdBinding { address: "127.0.0.1".into(), ..Default::default() },
            SftpdBinding { port: 2222, address: String::new(), apply_proxy_config: false },
        ]
    );
}

#[test]
fn new_elements_start_from_the_element_defaults_and_gaps_close_up() {
    let c = with_env(&[
        ("SFTPGO_HTTPD__BINDINGS__3__PORT", "9000"),
        ("SFTPGO_MFA__TOTP__2__NAME", "extra"),
        ("SFTPGO_COMMON__RATE_LIMITERS__1__AVERAGE", "5"),
    ]);
    assert_eq!(c.httpd.bindings.len(), 2);
    assert_eq!(c.httpd.bindings[0], wharf_config::HttpdBinding::default());
    assert_eq!(c.httpd.bindings[1].port, 9000);
    assert!(c.httpd.bindings[1].enable_web_admin);
    assert_eq!(c.httpd.bindings[1].oidc.scopes, ["openid", "profile", "email"]);
    assert_eq!(c.mfa.totp.len(), 2);
    assert_eq!((c.mfa.totp[1].name.as_str(), c.mfa.totp[1].issuer.as_str()), ("extra", "SFTPGo"));
    assert_eq!(c.common.rate_limiters[1].average, 5);
    assert_eq!(c.common.rate_limiters[1].protocols, ["SSH", "FTP", "DAV", "HTTP"]);
}

#[test]
fn nested_struct_lists() {
    let c = with_env(&[
        ("SFTPGO_FTPD__BINDINGS__0__PORT", "2121"),
        ("SFTPGO_FTPD__BINDINGS__0__PASSIVE_IP_OVERRIDES__0__IP", "1.2.3.4"),
        ("SFTPGO_FTPD__BINDINGS__0__PASSIVE_IP_OVERRIDES__0__NETWORKS", "10.0.0.0/8"),
        ("SFTPGO_FTPD__BINDINGS__1__PASSIVE_IP_OVERRIDES__0__IP", "5.6.7.8"),
        ("SFTPGO_FTPD__BINDINGS__1__PASSIVE_IP_OVERRIDES__0__NETWORKS", "192.168.0.0/16,172.16.0.0/12"),
        ("SFTPGO_HTTPD__BINDINGS__0__SECURITY__HTTPS_PROXY_HEADERS__0__KEY", "X-Forwarded-Proto"),
        ("SFTPGO_HTTPD__BINDINGS__0__SECURITY__HTTPS_PROXY_HEADERS__0__VALUE", "https"),
        ("SFTPGO_HTTPD__BINDINGS__0__OIDC__SCOPES", "openid,email"),
        ("SFTPGO_HTTPD__BINDINGS__0__BRANDING__WEB_ADMIN__NAME", "Admin"),
        ("SFTPGO_WEBDAVD__CACHE__MIME_TYPES__CUSTOM_MAPPINGS__0__EXT", ".x"),
        ("SFTPGO_WEBDAVD__CACHE__MIME_TYPES__CUSTOM_MAPPINGS__0__MIME", "text/x"),
        ("SFTPGO_PLUGINS__0__TYPE", "notifier"),
        ("SFTPGO_PLUGINS__0__CMD", "/bin/n"),
        ("SFTPGO_PLUGINS__0__NOTIFIER_OPTIONS__LOG_EVENTS", "1,3"),
        ("SFTPGO_HTTP__CERTIFICATES__0__CERT", "c"),
        ("SFTPGO_HTTP__CERTIFICATES__0__KEY", "k"),
        ("SFTPGO_COMMAND__COMMANDS__0__PATH", "/bin/hook"),
        ("SFTPGO_COMMAND__COMMANDS__0__ARGS", "a,b"),
    ]);
    assert_eq!(
        c.ftpd.bindings,
        [
            FtpdBinding {
                port: 2121,
                passive_ip_overrides: vec![PassiveIpOverride {
                    networks: vec!["10.0.0.0/8".into()],
                    ip: "1.2.3.4".into()
                }],
                ..Default::default()
            },
            FtpdBinding {
                passive_ip_overrides: vec![PassiveIpOverride {
                    networks: vec!["192.168.0.0/16".into(), "172.16.0.0/12".into()],
                    ip: "5.6.7.8".into()
                }],
                ..Default::default()
            },
        ]
    );
    let security = &c.httpd.bindings[0].security;
    assert_eq!(security.https_proxy_headers.len(), 1);
    assert_eq!(security.https_proxy_headers[0].key, "X-Forwarded-Proto");
    assert_eq!(c.httpd.bindings[0].oidc.scopes, ["openid", "email"]);
    assert_eq!(c.httpd.bindings[0].branding.web_admin.name, "Admin");
    assert_eq!(c.webdavd.cache.mime_types.custom_mappings[0].mime, "text/x");
    assert_eq!(c.plugins[0].notifier_options.log_events, [1, 3]);
    assert_eq!(c.http.certificates[0].key, "k");
    assert_eq!(c.command.commands[0].args, ["a", "b"]);
}

#[test]
fn incomplete_list_entries_from_the_environment_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(opts(
        dir.path(),
        &[
            ("SFTPGO_HTTP__HEADERS__0__KEY", "X-Only-Key"),
            ("SFTPGO_FTPD__BINDINGS__0__PASSIVE_IP_OVERRIDES__0__IP", "1.2.3.4"),
            ("SFTPGO_COMMAND__COMMANDS__0__TIMEOUT", "5"),
        ],
    ));
    assert_eq!(loaded.config, Config::default());
    assert_eq!(loaded.warnings.len(), 3, "{:?}", loaded.warnings);
}

#[test]
fn environment_overrides_the_file_and_extends_its_lists() {
    let (_dir, loaded) = load_text(
        "yaml",
        "common:\n  idle_timeout: 3\nsftpd:\n  bindings:\n    - port: 22\n    - port: 23\n",
        &[
            ("SFTPGO_COMMON__IDLE_TIMEOUT", "4"),
            ("SFTPGO_SFTPD__BINDINGS__1__ADDRESS", "::1"),
            ("SFTPGO_SFTPD__BINDINGS__2__PORT", "24"),
        ],
    );
    let c = loaded.config;
    assert_eq!(c.common.idle_timeout, 4);
    let ports: Vec<_> = c.sftpd.bindings.iter().map(|b| (b.port, b.address.as_str())).collect();
    assert_eq!(ports, [(22, ""), (23, "::1"), (24, "")]);
}

#[test]
fn wharf_prefix_wins_over_sftpgo_prefix() {
    let c = with_env(&[
        ("SFTPGO_COMMON__IDLE_TIMEOUT", "1"),
        ("WHARF_COMMON__IDLE_TIMEOUT", "2"),
        ("SFTPGO_SFTPD__BINDINGS__0__PORT", "not-a-number"),
        ("WHARF_SFTPD__BINDINGS__0__PORT", "2200"),
        ("WHARF_MFA__TOTP__0__ISSUER", "Wharf"),
    ]);
    assert_eq!(c.common.idle_timeout, 2);
    assert_eq!(c.sftpd.bindings[0].port, 2200);
    assert_eq!(c.mfa.totp[0].issuer, "Wharf");
}

#[test]
fn variables_that_are_not_keys_are_ignored() {
    let c = with_env(&[
        ("SFTPGO_CONFIG_DIR", "/nope"),
        ("SFTPGO_CONFIG_FILE", "nope.json"),
        ("SFTPGO_LOG_LEVEL", "info"),
        ("SFTPGO_LOADDATA_FROM", "/x"),
        ("SFTPGO_COMMON__NOPE", "1"),
        ("SFTPGO_COMMON__DEFENDER", "1"),
        ("SFTPGO_SFTPD__BINDINGS", "1"),
        ("SFTPGO_SFTPD__BINDINGS__10__PORT", "1"),
        ("SFTPGO_common__idle_timeout", "1"),
        ("WHARF_", "1"),
        ("COMMON__IDLE_TIMEOUT", "1"),
        ("HOME", "/root"),
    ]);
    assert_eq!(c, Config::default());
}

#[test]
fn bad_values_name_the_variable() {
    let err = env_err(&[("SFTPGO_COMMON__IDLE_TIMEOUT", "soon")]);
    assert_eq!(err.to_string(), "environment variable SFTPGO_COMMON__IDLE_TIMEOUT: expected an integer, got \"soon\"");
    let err = env_err(&[("WHARF_SFTPD__BINDINGS__0__APPLY_PROXY_CONFIG", "yes")]);
    assert!(
        matches!(&err, Error::InvalidEnv { var, .. } if var == "WHARF_SFTPD__BINDINGS__0__APPLY_PROXY_CONFIG"),
        "{err}"
    );
    let err = env_err(&[("SFTPGO_PLUGINS__0__NOTIFIER_OPTIONS__LOG_EVENTS", "1,x")]);
    assert!(matches!(&err, Error::InvalidEnv { .. }), "{err}");
}

#[test]
fn out_of_range_values_name_the_variable() {
    let err = env_err(&[("SFTPGO_HTTPD__BINDINGS__4__PORT", "70000")]);
    assert_eq!(
        err.to_string(),
        "environment variable SFTPGO_HTTPD__BINDINGS__4__PORT: invalid value: integer `70000`, expected u16"
    );
}

#[test]
fn values_that_fail_validation_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_err(opts(dir.path(), &[("SFTPGO_DATA_PROVIDER__DRIVER", "oracle")]));
    assert!(err.starts_with("invalid configuration: data_provider.driver"), "{err}");
}

#[test]
fn default_admin_credentials_are_exposed() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(opts(
        dir.path(),
        &[
            ("SFTPGO_DEFAULT_ADMIN_USERNAME", "admin"),
            ("SFTPGO_DEFAULT_ADMIN_PASSWORD", "old"),
            ("WHARF_DEFAULT_ADMIN_PASSWORD", "new"),
        ],
    ));
    assert_eq!(loaded.default_admin.username.as_deref(), Some("admin"));
    assert_eq!(loaded.default_admin.password.as_deref(), Some("new"));
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(opts(dir.path(), &[]));
    assert_eq!(loaded.default_admin, wharf_config::DefaultAdmin::default());
}
