//! Normalisation of a parsed configuration file before it is turned into [`crate::Config`]:
//! key case folding, removed keys, unknown keys, and the loose typing SFTPGo's loader tolerates.
//!
//! SFTPGo decodes its files with "weak" typing, so existing files may hold `"2022"` where a number
//! is expected, `1` for `true`, a comma separated string for a list, or a single object for a list
//! of objects. Those forms are converted here; anything else is left alone so that deserialisation
//! reports it with the key path.

use std::path::Path;

use serde_json::{Map, Number, Value};

use crate::error::Error;
use crate::overrides::{parse_bool, parse_int, split_list};
use crate::removed;
use crate::schema::Node;

/// Context of one normalisation pass.
pub(crate) struct Normalizer<'a> {
    /// File being loaded (for messages).
    pub file: &'a Path,
    /// HCL decoders turn blocks into one-element lists; unwrap them where an object is expected.
    pub unwrap_singleton_objects: bool,
    /// Warnings about removed keys.
    pub warnings: Vec<String>,
}

impl Normalizer<'_> {
    /// Normalises the top level of a file; it must be an object (or empty).
    pub(crate) fn root(&mut self, value: Value, schema: &Node) -> Result<Value, Error> {
        match value {
            Value::Null => Ok(Value::Object(Map::new())),
            Value::Object(_) => Ok(self.walk(value, schema, "", "")?.unwrap_or(Value::Null)),
            _ => Err(Error::InvalidValue {
                path: self.file.to_owned(),
                key: ".".to_owned(),
                message: "the top level must be a mapping of sections".to_owned(),
            }),
        }
    }

    /// Returns `None` for values that must be dropped (nulls: the default is kept).
    fn walk(&mut self, value: Value, node: &Node, path: &str, pattern: &str) -> Result<Option<Value>, Error> {
        if value.is_null() {
            return Ok(None);
        }
        Ok(Some(match node {
            Node::Object(schema) => match value {
                Value::Object(map) => Value::Object(self.object(map, schema, path, pattern)?),
                Value::Array(mut items)
                    if self.unwrap_singleton_objects && items.len() == 1 && items[0].is_object() =>
                {
                    return self.walk(items.remove(0), node, path, pattern);
                }
                other => other,
            },
            Node::StructList(spec) => {
                let items = match value {
                    Value::Array(items) => items,
                    single @ Value::Object(_) => vec![single],
                    other => return Ok(Some(other)),
                };
                let elem_pattern = format!("{pattern}[]");
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    // A null element becomes a default element, keeping the positions.
                    let item =
                        self.walk(item, &spec.elem, &item_path, &elem_pattern)?.unwrap_or(Value::Object(Map::new()));
                    out.push(item);
                }
                Value::Array(out)
            }
            Node::Int => weak_int(value),
            Node::Float => weak_float(value),
            Node::Bool => weak_bool(value),
            Node::Str => weak_str(value),
            Node::StrList => match value {
                Value::String(s) => Value::Array(split_list(&s).into_iter().map(Value::String).collect()),
                Value::Array(items) => Value::Array(items.into_iter().map(weak_str).collect()),
                other => other,
            },
            Node::IntList => match value {
                Value::String(s) => {
                    Value::Array(split_list(&s).into_iter().map(|item| weak_int(Value::String(item))).collect())
                }
                Value::Number(n) => Value::Array(vec![weak_int(Value::Number(n))]),
                Value::Array(items) => Value::Array(items.into_iter().map(weak_int).collect()),
                other => other,
            },
        }))
    }

    fn object(
        &mut self,
        map: Map<String, Value>,
        schema: &std::collections::BTreeMap<String, Node>,
        path: &str,
        pattern: &str,
    ) -> Result<Map<String, Value>, Error> {
        let mut out = Map::new();
        for (key, child) in map {
            // Keys are case-insensitive, as with SFTPGo's loader.
            let name = key.to_lowercase();
            let child_path = join(path, &name);
            let child_pattern = join(pattern, &name);
            if out.contains_key(&name) {
                return Err(Error::DuplicateKey { path: self.file.to_owned(), key: child_path });
            }
            match schema.get(&name) {
                Some(child_node) => {
                    if let Some(value) = self.walk(child, child_node, &child_path, &child_pattern)? {
                        out.insert(name, value);
                    }
                }
                None => match removed::find(&child_pattern) {
                    Some(removed) => {
                        let message = format!(
                            "{}: {child_path} was removed from the configuration and is ignored ({})",
                            self.file.display(),
                            removed.hint
                        );
                        self.warnings.push(message);
                    }
                    None => {
                        return Err(Error::UnknownKey { path: self.file.to_owned(), key: child_path });
                    }
                },
            }
        }
        Ok(out)
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

fn weak_int(value: Value) -> Value {
    match value {
        Value::String(s) => parse_int(&s).map_or(Value::String(s), Value::from),
        Value::Bool(b) => Value::from(i64::from(b)),
        Value::Number(n) => match n.as_f64() {
            // Integral floats (TOML/YAML `2022.0`) become integers.
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        other => other,
    }
}

fn weak_float(value: Value) -> Value {
    match value {
        Value::String(s) => {
            s.trim().parse::<f64>().ok().and_then(Number::from_f64).map_or(Value::String(s), Value::Number)
        }
        other => other,
    }
}

fn weak_bool(value: Value) -> Value {
    match value {
        Value::String(s) => parse_bool(&s).map_or(Value::String(s), Value::Bool),
        Value::Number(n) => match n.as_f64() {
            Some(f) => Value::Bool(f != 0.0),
            None => Value::Number(n),
        },
        other => other,
    }
}

fn weak_str(value: Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(if b { "1" } else { "0" }.to_owned()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::config_schema;

    fn normalize(value: Value, hcl: bool) -> Result<(Value, Vec<String>), Error> {
        let mut n =
            Normalizer { file: Path::new("/x/wharf.json"), unwrap_singleton_objects: hcl, warnings: Vec::new() };
        let out = n.root(value, &config_schema())?;
        Ok((out, n.warnings))
    }

    #[test]
    fn weak_typing_and_case() {
        let (out, warnings) = normalize(
            json!({
                "COMMON": {"Idle_Timeout": "5", "proxy_allowed": "1.1.1.1, 2.2.2.2", "secret_min_entropy": "7.5"},
                "sftpd": {"bindings": {"port": 2222.0, "apply_proxy_config": 0}, "host_keys": [1]},
                "plugins": [{"notifier_options": {"log_events": "1,2"}}],
                "smtp": {"host": null, "user": true}
            }),
            false,
        )
        .unwrap();
        assert!(warnings.is_empty());
        assert_eq!(
            out,
            json!({
                "common": {"idle_timeout": 5, "proxy_allowed": ["1.1.1.1", "2.2.2.2"], "secret_min_entropy": 7.5},
                "sftpd": {"bindings": [{"port": 2222, "apply_proxy_config": false}], "host_keys": ["1"]},
                "plugins": [{"notifier_options": {"log_events": [1, 2]}}],
                "smtp": {"user": "1"}
            })
        );
    }

    #[test]
    fn hcl_blocks_are_unwrapped_only_when_asked() {
        let input = json!({"common": [{"idle_timeout": 3}]});
        let (out, _) = normalize(input.clone(), true).unwrap();
        assert_eq!(out, json!({"common": {"idle_timeout": 3}}));
        let (out, _) = normalize(input, false).unwrap();
        assert_eq!(out, json!({"common": [{"idle_timeout": 3}]}));
    }

    #[test]
    fn unknown_removed_and_duplicate_keys() {
        let err = normalize(json!({"sftpd": {"bindings": [{}, {"prot": 1}]}}), false).unwrap_err();
        assert!(matches!(&err, Error::UnknownKey { key, .. } if key == "sftpd.bindings[1].prot"), "{err}");
        let err = normalize(json!({"common": {"a": 1, "A": 2}}), false).unwrap_err();
        assert!(matches!(&err, Error::UnknownKey { .. }));
        let err = normalize(json!({"common": {"tz": "", "TZ": ""}}), false).unwrap_err();
        assert!(matches!(&err, Error::DuplicateKey { key, .. } if key == "common.tz"), "{err}");
        let (out, warnings) = normalize(
            json!({"common": {"temp_path": "/tmp"}, "ftpd": {"bindings": [{"tls_session_reuse": 1}]}}),
            false,
        )
        .unwrap();
        assert_eq!(out, json!({"common": {}, "ftpd": {"bindings": [{}]}}));
        assert_eq!(warnings.len(), 2);
        assert!(warnings[0].contains("common.temp_path"));
        assert!(warnings[1].contains("ftpd.bindings[0].tls_session_reuse"));
    }

    #[test]
    fn top_level_must_be_an_object() {
        assert!(normalize(json!([1]), false).is_err());
        assert_eq!(normalize(Value::Null, false).unwrap().0, json!({}));
    }
}
