//! The same non-default configuration written in every supported format.

use wharf_config::Config;

use crate::support::{expected_custom, fixture, load, load_text, opts};

fn load_fixture(name: &str) -> Config {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(opts(dir.path(), &[]).with_config_file(fixture(name)));
    assert!(loaded.warnings.is_empty(), "{name}: {:?}", loaded.warnings);
    loaded.config
}

#[test]
fn yaml() {
    assert_eq!(load_fixture("custom.yaml"), expected_custom());
}

#[test]
fn toml() {
    assert_eq!(load_fixture("custom.toml"), expected_custom());
}

#[test]
fn hcl() {
    assert_eq!(load_fixture("custom.hcl"), expected_custom());
}

#[test]
fn env_file() {
    assert_eq!(load_fixture("custom.env"), expected_custom());
}

#[test]
fn yml_extension_and_uppercase_keys() {
    let (_dir, loaded) = load_text("yml", "COMMON:\n  Idle_Timeout: 7\n", &[]);
    assert_eq!(loaded.config.common.idle_timeout, 7);
}

#[test]
fn loosely_typed_values_are_accepted_like_sftpgo() {
    // Quoted numbers and booleans, 0/1 booleans, comma separated lists and a single object for a
    // list of objects all decode, as they do with SFTPGo's loader.
    let (_dir, loaded) = load_text(
        "yaml",
        "common:\n  idle_timeout: \"9\"\n  proxy_allowed: 10.0.0.1, 10.0.0.2\nsftpd:\n  bindings:\n    port: \"2200\"\n    apply_proxy_config: 0\n  password_authentication: \"false\"\n",
        &[],
    );
    let c = loaded.config;
    assert_eq!(c.common.idle_timeout, 9);
    assert_eq!(c.common.proxy_allowed, ["10.0.0.1", "10.0.0.2"]);
    assert_eq!(c.sftpd.bindings.len(), 1);
    assert_eq!(c.sftpd.bindings[0].port, 2200);
    assert!(!c.sftpd.bindings[0].apply_proxy_config);
    assert!(!c.sftpd.password_authentication);
}

#[test]
fn struct_lists_in_a_file_replace_the_default_elements() {
    let (_dir, loaded) = load_text(
        "json",
        r#"{"mfa": {"totp": [{"name": "only", "issuer": "Me"}]},
            "common": {"rate_limiters": []},
            "httpd": {"bindings": [{"port": 9000, "oidc": {"scopes": ["openid"]}}]}}"#,
        &[],
    );
    let c = loaded.config;
    assert_eq!(c.mfa.totp.len(), 1);
    assert_eq!(c.mfa.totp[0].name, "only");
    assert_eq!(c.mfa.totp[0].algo, "sha1", "missing fields take the element default");
    assert!(c.common.rate_limiters.is_empty());
    assert_eq!(c.httpd.bindings.len(), 1);
    assert_eq!(c.httpd.bindings[0].oidc.scopes, ["openid"]);
    assert!(c.httpd.bindings[0].enable_web_admin);
}

#[test]
fn null_values_keep_the_default() {
    let (_dir, loaded) = load_text("yaml", "common:\n  idle_timeout:\nsmtp: ~\n", &[]);
    assert_eq!(loaded.config, Config::default());
}

#[test]
fn from_str_with_format_parses_without_environment() {
    let (config, warnings) = Config::from_str_with_format(
        "[sftpd]\nmax_auth_tries = 2\nbanner = \"x\"\n",
        wharf_config::Format::Toml,
        std::path::Path::new("inline.toml"),
    )
    .unwrap();
    assert_eq!(config.sftpd.max_auth_tries, 2);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("sftpd.banner"), "{warnings:?}");
}
