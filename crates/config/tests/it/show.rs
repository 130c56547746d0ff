//! Printing the effective configuration and resolving paths.

use std::path::PathBuf;

use crate::support::load_text;

#[test]
fn printed_configuration_masks_secrets_from_file_and_environment() {
    let (_dir, loaded) = load_text(
        "json",
        r#"{"data_provider": {"password": "file-db-pw"}, "kms": {"secrets": {"master_key": "file-master"}},
            "common": {"post_connect_hook": "https://u:hook-pw@hooks.example.com/c"}}"#,
        &[("SFTPGO_SMTP__PASSWORD", "env-smtp-pw"), ("SFTPGO_HTTPD__SIGNING_PASSPHRASE", "env-sign")],
    );
    let json = loaded.config.to_json_pretty().unwrap();
    for secret in ["file-db-pw", "file-master", "hook-pw", "env-smtp-pw", "env-sign"] {
        assert!(!json.contains(secret), "{secret} is visible");
    }
    assert!(json.contains("https://u:[redacted]@hooks.example.com/c"));
    // The loaded configuration itself keeps the real values.
    assert_eq!(loaded.config.data_provider.password, "file-db-pw");
}

#[test]
fn relative_paths_resolve_against_the_config_dir() {
    let (dir, loaded) = load_text("json", r#"{"sftpd": {"host_keys": ["keys/id_ed25519", "/abs/id_rsa"]}}"#, &[]);
    let keys: Vec<_> = loaded.config.sftpd.host_keys.iter().map(|k| loaded.resolve_path(k)).collect();
    assert_eq!(keys, [Some(dir.path().join("keys/id_ed25519")), Some(PathBuf::from("/abs/id_rsa"))]);
    assert_eq!(loaded.resolve_path(""), None);
}
