//! A description of the key tree, derived from the default configuration, used to type values that
//! arrive as text (environment variables, `.env` files) or loosely typed (YAML/TOML/HCL quirks),
//! and to tell configuration keys from everything else.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::sections::{
    CommandOverride, Config, FtpdBinding, HttpHeader, HttpdBinding, HttpsProxyHeader, MimeMapping, PassiveIpOverride,
    PluginConfig, RateLimiterConfig, SftpdBinding, TlsKeyPair, TotpConfig, WebdavdBinding,
};

/// The shape of one key.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// Integer number.
    Int,
    /// Floating point number.
    Float,
    /// Boolean.
    Bool,
    /// String.
    Str,
    /// List of strings (comma separated in text form).
    StrList,
    /// List of integers (comma separated in text form).
    IntList,
    /// Nested object with its known keys.
    Object(BTreeMap<String, Node>),
    /// List of objects, addressed by index in text form.
    StructList(Box<ListSpec>),
}

/// What a list of objects looks like.
#[derive(Debug, Clone)]
pub(crate) struct ListSpec {
    /// Shape of one element (always an `Object`).
    pub elem: Node,
    /// Value of a freshly created element.
    pub default_elem: Value,
    /// Highest index accepted in environment variable names.
    pub max_index: usize,
    /// Fields that must be non-empty for an element created or changed from the environment to be
    /// kept (SFTPGo silently drops such incomplete entries).
    pub required: &'static [&'static str],
}

/// Specification of one struct list, by pattern path (`[]` marks list elements).
struct ListDef {
    pattern: &'static str,
    default_elem: Value,
    max_index: usize,
    required: &'static [&'static str],
}

fn to_value<T: Serialize>(value: T) -> Value {
    // Serialising these plain structs cannot fail; fall back to null defensively.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn list_defs() -> Vec<ListDef> {
    let def = |pattern, default_elem, required| ListDef { pattern, default_elem, max_index: 9, required };
    vec![
        def("common.rate_limiters", to_value(RateLimiterConfig::default()), &[]),
        def("sftpd.bindings", to_value(SftpdBinding::default()), &[]),
        def("ftpd.bindings", to_value(FtpdBinding::default()), &[]),
        def("ftpd.bindings[].passive_ip_overrides", to_value(PassiveIpOverride::default()), &["networks"]),
        def("webdavd.bindings", to_value(WebdavdBinding::default()), &[]),
        ListDef {
            pattern: "webdavd.cache.mime_types.custom_mappings",
            default_elem: to_value(MimeMapping::default()),
            max_index: 29,
            required: &["ext", "mime"],
        },
        def("httpd.bindings", to_value(HttpdBinding::default()), &[]),
        def("httpd.bindings[].security.https_proxy_headers", to_value(HttpsProxyHeader::default()), &["key", "value"]),
        def("http.certificates", to_value(TlsKeyPair::default()), &["cert", "key"]),
        def("http.headers", to_value(HttpHeader::default()), &["key", "value"]),
        def("command.commands", to_value(CommandOverride::default()), &["path"]),
        def("mfa.totp", to_value(TotpConfig::default()), &[]),
        def("plugins", to_value(PluginConfig::default()), &[]),
    ]
}

/// Lists whose elements are integers; every other scalar list holds strings.
const INT_LISTS: &[&str] = &["plugins[].notifier_options.log_events"];

/// Builds the schema of the whole configuration.
pub(crate) fn config_schema() -> Node {
    let defs = list_defs();
    build(&to_value(Config::default()), "", &defs)
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

fn build(value: &Value, pattern: &str, defs: &[ListDef]) -> Node {
    match value {
        Value::Bool(_) => Node::Bool,
        Value::Number(n) if n.is_f64() => Node::Float,
        Value::Number(_) => Node::Int,
        Value::String(_) | Value::Null => Node::Str,
        Value::Object(map) => Node::Object(
            map.iter().map(|(key, child)| (key.clone(), build(child, &join(pattern, key), defs))).collect(),
        ),
        Value::Array(_) => {
            if let Some(def) = defs.iter().find(|d| d.pattern == pattern) {
                let elem_pattern = format!("{pattern}[]");
                Node::StructList(Box::new(ListSpec {
                    elem: build(&def.default_elem, &elem_pattern, defs),
                    default_elem: def.default_elem.clone(),
                    max_index: def.max_index,
                    required: def.required,
                }))
            } else if INT_LISTS.contains(&pattern) {
                Node::IntList
            } else {
                Node::StrList
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
        let mut node = node;
        for seg in path {
            node = match node {
                Node::Object(map) => &map[*seg],
                Node::StructList(spec) => match &spec.elem {
                    Node::Object(map) => &map[*seg],
                    other => panic!("element is not an object: {other:?}"),
                },
                other => panic!("cannot descend into {other:?}"),
            };
        }
        node
    }

    #[test]
    fn kinds_follow_the_default_values() {
        let schema = config_schema();
        assert!(matches!(lookup(&schema, &["common", "idle_timeout"]), Node::Int));
        assert!(matches!(lookup(&schema, &["common", "secret_min_entropy"]), Node::Float));
        assert!(matches!(lookup(&schema, &["sftpd", "bindings"]), Node::StructList(_)));
        assert!(matches!(lookup(&schema, &["sftpd", "bindings", "port"]), Node::Int));
        assert!(matches!(lookup(&schema, &["ftpd", "bindings", "passive_ip_overrides", "networks"]), Node::StrList));
        assert!(matches!(lookup(&schema, &["plugins", "notifier_options", "log_events"]), Node::IntList));
        assert!(matches!(lookup(&schema, &["acme", "domains"]), Node::StrList));
        assert!(matches!(lookup(&schema, &["smtp", "oauth2", "tenant"]), Node::Str));
    }

    #[test]
    fn every_struct_list_definition_matches_a_list_of_the_tree() {
        // A typo in a pattern would silently turn a struct list into a string list.
        let schema = config_schema();
        for def in list_defs() {
            let path: Vec<&str> = def.pattern.split('.').map(|s| s.trim_end_matches("[]")).collect();
            assert!(matches!(lookup(&schema, &path), Node::StructList(_)), "{} is not a struct list", def.pattern);
        }
    }
}
