//! `<config dir>/env.d` files feed the environment before overrides are applied.

use crate::support::{load, opts};

fn write_envd(dir: &std::path::Path, files: &[(&str, &str)]) {
    let envd = dir.join("env.d");
    std::fs::create_dir_all(&envd).unwrap();
    for (name, content) in files {
        std::fs::write(envd.join(name), content).unwrap();
    }
}

#[test]
fn env_files_provide_overrides() {
    let dir = tempfile::tempdir().unwrap();
    write_envd(
        dir.path(),
        &[(
            "sftpgo.env",
            "SFTPGO_COMMON__IDLE_TIMEOUT=6\nexport SFTPGO_DEFAULT_ADMIN_USERNAME=boss\nWHARF_SFTPD__BINDINGS__0__PORT=\"2200\"\n",
        )],
    );
    let loaded = load(opts(dir.path(), &[]));
    assert_eq!(loaded.config.common.idle_timeout, 6);
    assert_eq!(loaded.config.sftpd.bindings[0].port, 2200);
    assert_eq!(loaded.default_admin.username.as_deref(), Some("boss"));
    assert_eq!(loaded.env.get("SFTPGO_COMMON__IDLE_TIMEOUT"), Some("6"));
}

#[test]
fn real_environment_and_earlier_files_win() {
    let dir = tempfile::tempdir().unwrap();
    write_envd(
        dir.path(),
        &[
            ("01-first", "SFTPGO_COMMON__IDLE_TIMEOUT=1\nSFTPGO_COMMON__MAX_TOTAL_CONNECTIONS=10\n"),
            (
                "02-second",
                "SFTPGO_COMMON__MAX_TOTAL_CONNECTIONS=20\nSFTPGO_COMMON__UMASK=$SFTPGO_COMMON__IDLE_TIMEOUT$X\n",
            ),
        ],
    );
    let loaded = load(opts(dir.path(), &[("SFTPGO_COMMON__IDLE_TIMEOUT", "9"), ("X", "7")]));
    assert_eq!(loaded.config.common.idle_timeout, 9);
    assert_eq!(loaded.config.common.max_total_connections, 10);
    assert_eq!(loaded.config.common.umask, "97");
}

#[test]
fn env_files_override_the_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sftpgo.json"), r#"{"common": {"idle_timeout": 2}}"#).unwrap();
    write_envd(dir.path(), &[("a.env", "SFTPGO_COMMON__IDLE_TIMEOUT=3\n")]);
    assert_eq!(load(opts(dir.path(), &[])).config.common.idle_timeout, 3);
}

#[test]
fn unusable_env_files_are_skipped_with_warnings() {
    let dir = tempfile::tempdir().unwrap();
    write_envd(dir.path(), &[("bad.env", "=oops\n"), ("good.env", "SFTPGO_COMMON__IDLE_TIMEOUT=8\n")]);
    std::fs::write(dir.path().join("env.d/huge.env"), format!("SFTPGO_COMMON__UMASK=1\n{}", "#".repeat(1024 * 1024)))
        .unwrap();
    let loaded = load(opts(dir.path(), &[]));
    assert_eq!(loaded.config.common.idle_timeout, 8);
    assert_eq!(loaded.config.common.umask, "");
    assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
}

#[test]
fn env_dir_reading_can_be_left_to_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    write_envd(dir.path(), &[("a.env", "SFTPGO_COMMON__IDLE_TIMEOUT=3\nSFTPGO_LOG_LEVEL=info\n")]);
    // A CLI reads env.d itself to pick up its own flag variables...
    let mut env = wharf_config::EnvSource::new();
    assert!(env.load_env_dir(dir.path()).is_empty());
    assert_eq!(env.get("SFTPGO_LOG_LEVEL"), Some("info"));
    // ...and then loads without reading it again.
    let mut options = wharf_config::LoadOptions::new(dir.path(), env).with_search_dirs(Vec::new());
    options.read_env_dir = false;
    assert_eq!(load(options).config.common.idle_timeout, 3);

    let mut options = opts(dir.path(), &[]);
    options.read_env_dir = false;
    assert_eq!(load(options).config.common.idle_timeout, 15);
}
