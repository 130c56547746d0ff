//! Bad files fail with a message naming the file and the key.

use crate::support::{load_err, load_text_err, opts};

#[test]
fn unknown_key_names_key_and_file() {
    let (dir, err) = load_text_err("yaml", "sftpd:\n  bindings:\n    - port: 22\n      prot: 1\n", &[]);
    let file = dir.path().join("wharf.yaml");
    assert_eq!(err, format!("{}: unknown configuration key sftpd.bindings[0].prot", file.display()));
    let (dir, err) = load_text_err("json", r#"{"nosuchsection": {}}"#, &[]);
    let file = dir.path().join("wharf.json");
    assert_eq!(err, format!("{}: unknown configuration key nosuchsection", file.display()));
}

#[test]
fn unknown_key_in_env_file_names_key_and_file() {
    let (dir, err) = load_text_err("env", "SFTPD__NOPE=1\n", &[]);
    assert_eq!(err, format!("{}: unknown configuration key SFTPD__NOPE", dir.path().join("wharf.env").display()));
}

#[test]
fn bad_type_names_key_and_file() {
    let (dir, err) = load_text_err("yaml", "sftpd:\n  bindings:\n    - port: x\n", &[]);
    assert_eq!(
        err,
        format!(
            "{}: sftpd.bindings[0].port: invalid type: string \"x\", expected u16",
            dir.path().join("wharf.yaml").display()
        )
    );
    let (dir, err) = load_text_err("toml", "[common]\nidle_timeout = [1]\n", &[]);
    assert!(
        err.starts_with(&format!("{}: common.idle_timeout: invalid type", dir.path().join("wharf.toml").display())),
        "{err}"
    );
}

#[test]
fn out_of_range_number_names_key_and_file() {
    let (dir, err) = load_text_err("json", r#"{"httpd": {"bindings": [{}, {"port": 70000}]}}"#, &[]);
    assert_eq!(
        err,
        format!(
            "{}: httpd.bindings[1].port: invalid value: integer `70000`, expected u16",
            dir.path().join("wharf.json").display()
        )
    );
}

#[test]
fn bad_value_in_env_file_names_key_and_file() {
    let (dir, err) = load_text_err("env", "COMMON__IDLE_TIMEOUT=soon\n", &[]);
    assert_eq!(
        err,
        format!("{}: COMMON__IDLE_TIMEOUT: expected an integer, got \"soon\"", dir.path().join("wharf.env").display())
    );
}

#[test]
fn syntax_errors_name_the_file() {
    for (ext, text, format) in [
        ("json", "{\"common\": ", "JSON"),
        ("yaml", "common: [", "YAML"),
        ("toml", "[common\n", "TOML"),
        ("hcl", "common {", "HCL"),
        ("env", "not a pair\n", "env file"),
    ] {
        let (dir, err) = load_text_err(ext, text, &[]);
        let prefix = format!("{}: invalid {format}", dir.path().join(format!("wharf.{ext}")).display());
        assert!(err.starts_with(&prefix), "{ext}: {err}");
    }
}

#[test]
fn top_level_must_be_a_mapping() {
    let (_dir, err) = load_text_err("yaml", "- a\n- b\n", &[]);
    assert!(err.contains("top level must be a mapping"), "{err}");
}

#[test]
fn explicit_file_with_unsupported_extension_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["sftpgo.properties", "sftpgo.ini", "sftpgo"] {
        std::fs::write(dir.path().join(name), "").unwrap();
        let err = load_err(opts(dir.path(), &[]).with_config_file(name));
        assert!(err.contains("unsupported configuration file extension"), "{name}: {err}");
        assert!(err.starts_with(&dir.path().join(name).display().to_string()), "{err}");
    }
}

#[test]
fn explicit_file_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_err(opts(dir.path(), &[]).with_config_file("missing.json"));
    assert_eq!(err, format!("{}: configuration file not found", dir.path().join("missing.json").display()));
}

#[test]
fn validation_errors_name_the_key() {
    let (_dir, err) = load_text_err("json", r#"{"data_provider": {"driver": "oracle"}}"#, &[]);
    assert!(err.starts_with("invalid configuration: data_provider.driver:"), "{err}");
    let (_dir, err) = load_text_err("json", r#"{"common": {"upload_mode": 64}}"#, &[]);
    assert!(err.starts_with("invalid configuration: common.upload_mode:"), "{err}");
    let (_dir, err) = load_text_err("json", r#"{"data_provider": {"password_hashing": {"algo": "sha1"}}}"#, &[]);
    assert!(err.starts_with("invalid configuration: data_provider.password_hashing.algo:"), "{err}");
    let (_dir, err) = load_text_err("json", r#"{"data_provider": {"sql_tables_prefix": "a-b"}}"#, &[]);
    assert!(err.starts_with("invalid configuration: data_provider.sql_tables_prefix:"), "{err}");
}

#[test]
fn out_of_range_modes_are_reset_with_a_warning() {
    let (_dir, loaded) = crate::support::load_text(
        "json",
        r#"{"common": {"proxy_protocol": 7, "symlink_mode": 9},
            "data_provider": {"external_auth_scope": 99},
            "httpd": {"setup": {"installation_code_hint": " "}}}"#,
        &[],
    );
    assert_eq!(loaded.config, wharf_config::Config::default());
    assert_eq!(loaded.warnings.len(), 3, "{:?}", loaded.warnings);
}
