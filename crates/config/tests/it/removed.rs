//! Keys SFTPGo removed over the years load with a warning instead of an error.

use wharf_config::Config;

use crate::support::{load_text, opts};

#[test]
fn removed_keys_in_a_file_are_dropped_with_warnings() {
    let text = r#"{
        "common": {"temp_path": "/tmp/x", "data_retention_hook": "", "idle_timeout": 4,
                   "rate_limiters": [{"average": 0, "allow_list": ["1.1.1.1"]}]},
        "sftpd": {"bind_port": 2022, "min_dh_group_exchange_key_size": 2048, "folder_prefix": "/f",
                  "keys": [{"private_key": "id_rsa"}]},
        "ftpd": {"bindings": [{"port": 0, "tls_session_reuse": 1, "ignore_ascii_transfer_type": 1}]},
        "data_provider": {"auto_backup": {"enabled": true, "hour": "0"}}
    }"#;
    let (dir, loaded) = load_text("json", text, &[]);
    let mut expected = Config::default();
    expected.common.idle_timeout = 4;
    assert_eq!(loaded.config, expected);
    let file = dir.path().join("wharf.json");
    let keys = [
        "common.temp_path",
        "common.data_retention_hook",
        "common.rate_limiters[0].allow_list",
        "sftpd.bind_port",
        "sftpd.min_dh_group_exchange_key_size",
        "sftpd.folder_prefix",
        "sftpd.keys",
        "ftpd.bindings[0].tls_session_reuse",
        "ftpd.bindings[0].ignore_ascii_transfer_type",
        "data_provider.auto_backup",
    ];
    assert_eq!(loaded.warnings.len(), keys.len(), "{:?}", loaded.warnings);
    for key in keys {
        let warning = loaded
            .warnings
            .iter()
            .find(|w| w.contains(&format!(" {key} ")))
            .unwrap_or_else(|| panic!("no warning for {key}: {:?}", loaded.warnings));
        assert!(warning.starts_with(&file.display().to_string()), "{warning}");
        assert!(warning.contains("removed"), "{warning}");
    }
}

#[test]
fn removed_keys_in_env_files_and_variables_warn_too() {
    let (_dir, loaded) = load_text(
        "env",
        "COMMON__TEMP_PATH=/tmp\nsftpd.banner=hello\n",
        &[("SFTPGO_FTPD__BINDINGS__0__TLS_SESSION_REUSE", "1"), ("SFTPGO_HTTPD__BIND_PORT", "80")],
    );
    assert_eq!(loaded.config, Config::default());
    assert_eq!(loaded.warnings.len(), 4, "{:?}", loaded.warnings);
    for needle in
        ["common.temp_path", "sftpd.banner", "SFTPGO_FTPD__BINDINGS__0__TLS_SESSION_REUSE", "SFTPGO_HTTPD__BIND_PORT"]
    {
        assert!(loaded.warnings.iter().any(|w| w.contains(needle)), "{needle}: {:?}", loaded.warnings);
    }
}

#[test]
fn removed_key_table_covers_the_documented_removals() {
    for key in [
        "common.temp_path",
        "common.data_retention_hook",
        "sftpd.min_dh_group_exchange_key_size",
        "sftpd.folder_prefix",
        "ftpd.bindings[].tls_session_reuse",
        "ftpd.bindings[].ignore_ascii_transfer_type",
    ] {
        assert!(wharf_config::REMOVED_KEYS.iter().any(|k| k.pattern == key), "{key} missing");
    }
}

#[test]
fn near_misses_of_removed_keys_are_still_unknown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sftpgo.json"), r#"{"common": {"temp_paths": ""}}"#).unwrap();
    let err = Config::load(opts(dir.path(), &[])).unwrap_err().to_string();
    assert!(err.contains("unknown configuration key common.temp_paths"), "{err}");
}
