//! Shared helpers: fixture paths, hermetic load options and the expected custom configuration.

use std::path::{Path, PathBuf};

use wharf_config::{
    CommandOverride, Config, EnvSource, HttpHeader, HttpsProxyHeader, LoadOptions, Loaded, MimeMapping,
    PassiveIpOverride, PluginConfig, RateLimiterConfig, SftpdBinding, TlsKeyPair, TotpConfig,
};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures").join(name)
}

/// Options that never look outside `dir` and see only the given variables.
pub fn opts(dir: &Path, env: &[(&str, &str)]) -> LoadOptions {
    LoadOptions::new(dir, env.iter().copied().collect::<EnvSource>()).with_search_dirs(Vec::new())
}

pub fn load(opts: LoadOptions) -> Loaded {
    match Config::load(opts) {
        Ok(loaded) => loaded,
        Err(e) => panic!("load failed: {e}"),
    }
}

pub fn load_err(opts: LoadOptions) -> String {
    match Config::load(opts) {
        Ok(loaded) => panic!("load succeeded: {:?}", loaded.file),
        Err(e) => e.to_string(),
    }
}

/// Loads `text` as `<dir>/wharf.<ext>` with the given environment.
pub fn load_text(ext: &str, text: &str, env: &[(&str, &str)]) -> (tempfile::TempDir, Loaded) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("wharf.{ext}")), text).unwrap();
    let loaded = load(opts(dir.path(), env));
    (dir, loaded)
}

pub fn load_text_err(ext: &str, text: &str, env: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("wharf.{ext}")), text).unwrap();
    let err = load_err(opts(dir.path(), env));
    (dir, err)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The configuration described by `custom.{yaml,toml,hcl,env}`.
pub fn expected_custom() -> Config {
    let mut c = Config::default();

    let common = &mut c.common;
    common.idle_timeout = 5;
    common.upload_mode = 1;
    common.proxy_protocol = 1;
    common.proxy_allowed = strings(&["10.0.0.0/8", "192.168.1.1"]);
    common.post_connect_hook = "/usr/local/bin/connect-hook".into();
    common.max_per_host_connections = 50;
    common.umask = "022".into();
    common.secret_min_entropy = 60.5;
    common.defender.enabled = true;
    common.defender.threshold = 20;
    common.defender.login_delay.password_failed = 500;
    common.rate_limiters = vec![
        RateLimiterConfig {
            average: 100,
            burst: 10,
            protocols: strings(&["SSH", "FTP"]),
            generate_defender_events: true,
            ..Default::default()
        },
        RateLimiterConfig { average: 50, limiter_type: 1, ..Default::default() },
    ];

    c.sftpd.bindings = vec![
        SftpdBinding { port: 2222, ..Default::default() },
        SftpdBinding { port: 2223, address: "127.0.0.1".into(), apply_proxy_config: false },
    ];
    c.sftpd.host_keys = strings(&["id_ed25519", "/etc/wharf/id_rsa"]);
    c.sftpd.enabled_ssh_commands = strings(&["*"]);
    c.sftpd.password_authentication = false;

    let ftp = &mut c.ftpd.bindings[0];
    ftp.port = 2121;
    ftp.tls_mode = 1;
    ftp.debug = true;
    ftp.passive_ip_overrides =
        vec![PassiveIpOverride { networks: strings(&["192.168.0.0/16", "10.0.0.0/8"]), ip: "192.168.1.10".into() }];
    c.ftpd.passive_port_range.start = 51000;
    c.ftpd.passive_port_range.end = 51010;

    c.webdavd.bindings[0].port = 8090;
    c.webdavd.bindings[0].prefix = "/dav".into();
    c.webdavd.cache.mime_types.custom_mappings =
        vec![MimeMapping { ext: ".dat".into(), mime: "application/x-wharf".into() }];

    let dp = &mut c.data_provider;
    dp.driver = "postgresql".into();
    dp.name = "wharf".into();
    dp.host = "db.example.com".into();
    dp.port = 5432;
    dp.username = "wharf".into();
    dp.password = "s3cret#1".into();
    dp.sql_tables_prefix = "wharf_".into();
    dp.create_default_admin = true;
    dp.password_hashing.algo = "argon2id".into();
    dp.password_validation.users.min_entropy = 50.5;

    let http = &mut c.httpd.bindings[0];
    http.port = 9090;
    http.address = "127.0.0.1".into();
    http.enable_rest_api = false;
    http.languages = strings(&["en", "it"]);
    http.oidc.client_id = "wharf".into();
    http.oidc.config_url = "https://id.example.com".into();
    http.oidc.scopes = strings(&["openid"]);
    http.security.enabled = true;
    http.security.https_proxy_headers =
        vec![HttpsProxyHeader { key: "X-Forwarded-Proto".into(), value: "https".into() }];
    http.branding.web_client.name = "Wharf Files".into();
    c.httpd.signing_passphrase = "sign-me".into();
    c.httpd.setup.installation_code = "1234".into();

    c.telemetry.bind_port = 10000;
    c.http.certificates = vec![TlsKeyPair { cert: "c.pem".into(), key: "k.pem".into() }];
    c.http.headers = vec![HttpHeader {
        key: "Authorization".into(),
        value: "Bearer t".into(),
        url: "https://hooks.example.com".into(),
    }];
    c.command.timeout = 60;
    c.command.env = strings(&["PATH=/usr/bin"]);
    c.command.commands = vec![CommandOverride {
        path: "/usr/local/bin/hook".into(),
        timeout: 10,
        env: strings(&["A=1"]),
        args: strings(&["--x"]),
        hook: "pre_login".into(),
    }];
    c.kms.secrets.master_key_path = "/etc/wharf/mkey".into();
    c.mfa.totp.push(TotpConfig { name: "strong".into(), issuer: "Wharf".into(), algo: "sha512".into() });
    c.smtp.host = "smtp.example.com".into();
    c.smtp.port = 465;
    c.smtp.encryption = 1;
    c.smtp.debug = 1;
    c.smtp.oauth2.tenant = "contoso".into();

    let mut plugin = PluginConfig {
        plugin_type: "notifier".into(),
        cmd: "/usr/local/bin/notifier".into(),
        args: strings(&["--verbose"]),
        auto_mtls: true,
        ..Default::default()
    };
    plugin.notifier_options.fs_events = strings(&["upload", "download"]);
    plugin.notifier_options.log_events = vec![1, 2];
    c.plugins = vec![plugin];
    c
}
