//! The built-in defaults are SFTPGo's defaults.

use serde_json::Value;
use wharf_config::Config;

use crate::support::{fixture, load, opts};

#[test]
fn full_default_file_loads_to_the_built_in_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(opts(dir.path(), &[]).with_config_file(fixture("defaults.json")));
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.file, Some(fixture("defaults.json")));
}

#[test]
fn no_configuration_file_means_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(opts(dir.path(), &[]));
    assert_eq!(loaded.file, None);
    assert_eq!(loaded.config, Config::default());
}

#[test]
fn empty_or_partial_files_keep_the_other_defaults() {
    for (ext, text) in [("json", "{}"), ("yaml", ""), ("toml", "\n"), ("hcl", "")] {
        let (_dir, loaded) = crate::support::load_text(ext, text, &[]);
        assert_eq!(loaded.config, Config::default(), "{ext}");
    }
    let (_dir, loaded) = crate::support::load_text("json", r#"{"sftpd": {"max_auth_tries": 3}}"#, &[]);
    let mut expected = Config::default();
    expected.sftpd.max_auth_tries = 3;
    assert_eq!(loaded.config, expected);
}

/// Numbers are compared by value (80 and 80.0 are the same setting).
fn normalize(value: &Value) -> Value {
    match value {
        Value::Number(n) => serde_json::json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect()),
        other => other.clone(),
    }
}

fn keys_in_order(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{prefix}.{k}");
                out.push(path.clone());
                keys_in_order(v, &path, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                keys_in_order(v, &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn printed_defaults_have_the_same_keys_order_and_values_as_the_default_file() {
    let text = std::fs::read_to_string(fixture("defaults.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let printed: Value = serde_json::from_str(&Config::default().to_json_pretty().unwrap()).unwrap();
    assert_eq!(normalize(&printed), normalize(&reference));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    keys_in_order(&printed, "", &mut a);
    keys_in_order(&reference, "", &mut b);
    assert_eq!(a, b);
}
