//! Text settings that name configuration keys: environment variables
//! (`SFTPGO_SFTPD__BINDINGS__0__PORT=2222`) and the lines of `.env` configuration files.
//!
//! A name is split into segments (`__`, or `.` for dotted names), matched against the schema,
//! and its text value converted to the key's type. Settings are then applied to a complete value
//! tree: an index below a list's current length changes that element, a larger one appends a new
//! element built from the element defaults (indexes are processed in increasing order, so gaps
//! close up, as in SFTPGo).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::{Map, Number, Value};

use crate::env::{EnvSource, SFTPGO_PREFIX, WHARF_PREFIX};
use crate::error::Error;
use crate::removed::{self, RemovedKey};
use crate::schema::{ListSpec, Node};

/// One `name=value` setting.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    /// Name as written (full variable name, or key as written in the file).
    pub name: String,
    /// Raw text value.
    pub value: String,
}

/// Where settings come from; decides how problems are reported.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin<'a> {
    /// Process environment: unknown names are not configuration keys and are ignored.
    Env,
    /// A `.env` configuration file: unknown names are errors.
    File(&'a Path),
}

/// What a setting name designates.
enum Target {
    Key(Vec<Seg>),
    Removed(&'static RemovedKey),
    NotAKey,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug, Default)]
struct Trie {
    leaf: Option<Setting>,
    keys: BTreeMap<String, Trie>,
    indices: BTreeMap<usize, Trie>,
}

impl Trie {
    fn insert(&mut self, path: &[Seg], setting: Setting) {
        match path.split_first() {
            None => self.leaf = Some(setting),
            Some((Seg::Key(k), rest)) => self.keys.entry(k.clone()).or_default().insert(rest, setting),
            Some((Seg::Index(i), rest)) => self.indices.entry(*i).or_default().insert(rest, setting),
        }
    }

    fn names(&self, out: &mut Vec<String>) {
        if let Some(leaf) = &self.leaf {
            out.push(leaf.name.clone());
        }
        self.keys.values().chain(self.indices.values()).for_each(|t| t.names(out));
    }
}

/// Result of applying settings to a tree.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Dotted path of every value set (`sftpd.bindings[0].port`) → setting name.
    pub sources: HashMap<String, String>,
    /// Non-fatal problems (removed keys, incomplete list entries).
    pub warnings: Vec<String>,
}

/// Collects the process variables that carry a `WHARF_` or `SFTPGO_` prefix, keyed by the name
/// without prefix; `WHARF_` wins when both are set.
pub(crate) fn env_settings(env: &EnvSource) -> Vec<(String, Setting)> {
    let mut by_key: BTreeMap<String, (u8, Setting)> = BTreeMap::new();
    for (name, value) in env.iter() {
        let (rest, rank) = if let Some(rest) = name.strip_prefix(WHARF_PREFIX) {
            (rest, 1)
        } else if let Some(rest) = name.strip_prefix(SFTPGO_PREFIX) {
            (rest, 0)
        } else {
            continue;
        };
        // Like viper, only the upper-case spelling of a key is looked up.
        if rest.is_empty() || rest != rest.to_ascii_uppercase() {
            continue;
        }
        let setting = Setting { name: name.to_owned(), value: value.to_owned() };
        match by_key.get(rest) {
            Some((existing, _)) if *existing > rank => {}
            _ => {
                by_key.insert(rest.to_owned(), (rank, setting));
            }
        }
    }
    by_key.into_iter().map(|(k, (_, s))| (k, s)).collect()
}

/// Turns the lines of a `.env` configuration file into settings keyed by the name without
/// prefix (`WHARF_`/`SFTPGO_` are optional; `WHARF_` wins over the other spellings).
pub(crate) fn file_settings(pairs: Vec<(String, String)>) -> Vec<(String, Setting)> {
    let mut by_key: Vec<(String, u8, Setting)> = Vec::new();
    for (name, value) in pairs {
        let upper = name.to_ascii_uppercase();
        let (rest, rank) = if let Some(rest) = upper.strip_prefix(WHARF_PREFIX) {
            (rest.to_owned(), 1)
        } else if let Some(rest) = upper.strip_prefix(SFTPGO_PREFIX) {
            (rest.to_owned(), 0)
        } else {
            (upper.clone(), 0)
        };
        let setting = Setting { name, value };
        if let Some(slot) = by_key.iter_mut().find(|(k, _, _)| *k == rest) {
            if rank >= slot.1 {
                *slot = (rest, rank, setting);
            }
        } else {
            by_key.push((rest, rank, setting));
        }
    }
    by_key.into_iter().map(|(k, _, s)| (k, s)).collect()
}

/// Applies `settings` (keyed by name without prefix) to `tree`, a complete configuration value.
pub(crate) fn apply(
    tree: &mut Value,
    schema: &Node,
    settings: Vec<(String, Setting)>,
    origin: Origin<'_>,
) -> Result<Applied, Error> {
    let mut applied = Applied::default();
    let mut trie = Trie::default();
    for (key, setting) in settings {
        match classify(&key, schema, matches!(origin, Origin::File(_))) {
            Target::Key(path) => trie.insert(&path, setting),
            Target::Removed(removed) => {
                let where_ = match origin {
                    Origin::Env => format!("environment variable {}", setting.name),
                    Origin::File(path) => format!("{}: {}", path.display(), setting.name),
                };
                applied.warnings.push(format!(
                    "{where_}: {} was removed from the configuration and is ignored ({})",
                    removed.pattern, removed.hint
                ));
            }
            Target::NotAKey => match origin {
                Origin::Env => {
                    tracing::debug!(var = %setting.name, "environment variable is not a configuration key, ignored");
                }
                Origin::File(path) => {
                    return Err(Error::UnknownKey { path: path.to_owned(), key: setting.name });
                }
            },
        }
    }
    apply_node(&trie, tree, schema, "", origin, &mut applied)?;
    Ok(applied)
}

/// Matches a name without prefix against the schema.
fn classify(key: &str, schema: &Node, allow_dots: bool) -> Target {
    let tokens: Vec<&str> = if !allow_dots || key.contains("__") || !key.contains('.') {
        key.split("__").collect()
    } else {
        key.split('.').collect()
    };
    let mut path = Vec::new();
    let mut pattern = String::new();
    let mut node = schema;
    for token in tokens {
        if token.is_empty() {
            return Target::NotAKey;
        }
        match node {
            Node::Object(map) => {
                let name = token.to_ascii_lowercase();
                pattern = if pattern.is_empty() { name.clone() } else { format!("{pattern}.{name}") };
                match map.get(&name) {
                    Some(child) => {
                        path.push(Seg::Key(name));
                        node = child;
                    }
                    None => {
                        return match removed::find(&pattern) {
                            Some(removed) => Target::Removed(removed),
                            None => Target::NotAKey,
                        };
                    }
                }
            }
            Node::StructList(spec) => {
                let Some(index) = parse_index(token).filter(|i| *i <= spec.max_index) else {
                    return Target::NotAKey;
                };
                path.push(Seg::Index(index));
                pattern.push_str("[]");
                node = &spec.elem;
            }
            _ => return Target::NotAKey,
        }
    }
    match node {
        Node::Object(_) | Node::StructList(_) => Target::NotAKey,
        _ => Target::Key(path),
    }
}

fn parse_index(token: &str) -> Option<usize> {
    if token.is_empty() || token.len() > 2 || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

fn apply_node(
    trie: &Trie,
    target: &mut Value,
    node: &Node,
    path: &str,
    origin: Origin<'_>,
    applied: &mut Applied,
) -> Result<bool, Error> {
    if let Some(setting) = &trie.leaf {
        *target = coerce(&setting.value, node).map_err(|message| match origin {
            Origin::Env => Error::InvalidEnv { var: setting.name.clone(), message },
            Origin::File(file) => Error::InvalidValue { path: file.to_owned(), key: setting.name.clone(), message },
        })?;
        applied.sources.insert(path.to_owned(), setting.name.clone());
        return Ok(true);
    }
    match node {
        Node::Object(schema) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let mut any = false;
            for (key, child) in &trie.keys {
                let (Some(child_node), Some(obj)) = (schema.get(key), target.as_object_mut()) else {
                    continue;
                };
                let slot = obj.entry(key.clone()).or_insert(Value::Null);
                let child_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                any |= apply_node(child, slot, child_node, &child_path, origin, applied)?;
            }
            Ok(any)
        }
        Node::StructList(spec) => apply_list(trie, target, spec, path, origin, applied),
        _ => Ok(false),
    }
}

fn apply_list(
    trie: &Trie,
    target: &mut Value,
    spec: &ListSpec,
    path: &str,
    origin: Origin<'_>,
    applied: &mut Applied,
) -> Result<bool, Error> {
    if !target.is_array() {
        *target = Value::Array(Vec::new());
    }
    let mut any = false;
    for (index, child) in &trie.indices {
        let Some(list) = target.as_array_mut() else {
            break;
        };
        let existing = *index < list.len();
        let position = if existing { *index } else { list.len() };
        let mut elem = if existing { list[position].clone() } else { spec.default_elem.clone() };
        let elem_path = format!("{path}[{position}]");
        if !apply_node(child, &mut elem, &spec.elem, &elem_path, origin, applied)? {
            continue;
        }
        let missing: Vec<&str> = spec.required.iter().copied().filter(|field| is_empty(elem.get(*field))).collect();
        if !missing.is_empty() {
            let mut names = Vec::new();
            child.names(&mut names);
            applied.warnings.push(format!(
                "{}: ignored, the {elem_path} entry would have no {}",
                names.join(", "),
                missing.join(" and ")
            ));
            continue;
        }
        if existing {
            list[position] = elem;
        } else {
            list.push(elem);
        }
        any = true;
    }
    Ok(any)
}

fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

/// Splits a comma separated list, trimming items and dropping empty ones.
pub(crate) fn split_list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Parses an integer the way the loader accepts it (decimal, optional sign, surrounding blanks).
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// Parses a boolean with the spellings Go's `strconv.ParseBool` accepts.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Converts a text value to the type of `node`. An empty text is the zero value.
fn coerce(text: &str, node: &Node) -> Result<Value, String> {
    let blank = text.trim().is_empty();
    match node {
        Node::Str => Ok(Value::String(text.to_owned())),
        Node::Int if blank => Ok(Value::from(0)),
        Node::Int => parse_int(text).map(Value::from).ok_or_else(|| format!("expected an integer, got {text:?}")),
        Node::Float if blank => Ok(Value::from(0.0)),
        Node::Float => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("expected a number, got {text:?}")),
        Node::Bool if blank => Ok(Value::Bool(false)),
        Node::Bool => parse_bool(text)
            .map(Value::Bool)
            .ok_or_else(|| format!("expected a boolean (true, false, 1, 0, t, f), got {text:?}")),
        Node::StrList => Ok(Value::Array(split_list(text).into_iter().map(Value::String).collect())),
        Node::IntList => split_list(text)
            .iter()
            .map(|item| {
                parse_int(item)
                    .map(Value::from)
                    .ok_or_else(|| format!("expected a comma separated list of integers, got {text:?}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Node::Object(_) | Node::StructList(_) => Err("not a single value".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::config_schema;

    fn settings(pairs: &[(&str, &str)]) -> EnvSource {
        pairs.iter().copied().collect()
    }

    fn apply_env(pairs: &[(&str, &str)]) -> Result<(Value, Applied), Error> {
        let mut tree = serde_json::to_value(crate::Config::default()).unwrap();
        let applied = apply(&mut tree, &config_schema(), env_settings(&settings(pairs)), Origin::Env)?;
        Ok((tree, applied))
    }

    #[test]
    fn classify_keys() {
        let schema = config_schema();
        assert!(matches!(classify("COMMON__IDLE_TIMEOUT", &schema, false), Target::Key(_)));
        assert!(matches!(classify("common.idle_timeout", &schema, true), Target::Key(_)));
        assert!(matches!(classify("SFTPD__BINDINGS__9__PORT", &schema, false), Target::Key(_)));
        assert!(matches!(classify("SFTPD__BINDINGS__10__PORT", &schema, false), Target::NotAKey));
        assert!(matches!(classify("SFTPD__BINDINGS__PORT", &schema, false), Target::NotAKey));
        assert!(matches!(classify("SFTPD__BINDINGS", &schema, false), Target::NotAKey));
        assert!(matches!(classify("COMMON__DEFENDER", &schema, false), Target::NotAKey));
        assert!(matches!(classify("CONFIG_DIR", &schema, false), Target::NotAKey));
        assert!(matches!(classify("COMMON____IDLE_TIMEOUT", &schema, false), Target::NotAKey));
        assert!(matches!(classify("COMMON__IDLE_TIMEOUT__X", &schema, false), Target::NotAKey));
        assert!(matches!(
            classify("WEBDAVD__CACHE__MIME_TYPES__CUSTOM_MAPPINGS__29__EXT", &schema, false),
            Target::Key(_)
        ));
        assert!(matches!(classify("COMMON__TEMP_PATH", &schema, false), Target::Removed(_)));
        assert!(matches!(classify("FTPD__BINDINGS__0__TLS_SESSION_REUSE", &schema, false), Target::Removed(_)));
    }

    #[test]
    fn lower_case_env_names_are_not_keys() {
        let (tree, _) = apply_env(&[("SFTPGO_common__idle_timeout", "1")]).unwrap();
        assert_eq!(tree["common"]["idle_timeout"], 15);
    }

    #[test]
    fn incomplete_entries_are_dropped_with_a_warning() {
        let (tree, applied) = apply_env(&[
            ("SFTPGO_HTTP__HEADERS__0__KEY", "X-A"),
            ("SFTPGO_HTTP__HEADERS__1__KEY", "X-B"),
            ("SFTPGO_HTTP__HEADERS__1__VALUE", "b"),
        ])
        .unwrap();
        assert_eq!(tree["http"]["headers"], serde_json::json!([{"key": "X-B", "value": "b", "url": ""}]));
        assert_eq!(applied.warnings.len(), 1);
        assert!(applied.warnings[0].contains("SFTPGO_HTTP__HEADERS__0__KEY"), "{:?}", applied.warnings);
    }

    #[test]
    fn sources_record_the_final_position() {
        let (_, applied) = apply_env(&[("SFTPGO_SFTPD__BINDINGS__5__PORT", "2")]).unwrap();
        assert_eq!(
            applied.sources.get("sftpd.bindings[1].port").map(String::as_str),
            Some("SFTPGO_SFTPD__BINDINGS__5__PORT")
        );
    }

    #[test]
    fn coercions() {
        assert_eq!(coerce(" 42 ", &Node::Int), Ok(Value::from(42)));
        assert_eq!(coerce("-1", &Node::Int), Ok(Value::from(-1)));
        assert!(coerce("4x", &Node::Int).is_err());
        assert_eq!(coerce("", &Node::Int), Ok(Value::from(0)));
        assert_eq!(coerce("T", &Node::Bool), Ok(Value::Bool(true)));
        assert_eq!(coerce("False", &Node::Bool), Ok(Value::Bool(false)));
        assert!(coerce("yes", &Node::Bool).is_err());
        assert_eq!(coerce("", &Node::Bool), Ok(Value::Bool(false)));
        assert_eq!(coerce("2.5", &Node::Float), Ok(serde_json::json!(2.5)));
        assert_eq!(coerce(" a, ,b ", &Node::StrList), Ok(serde_json::json!(["a", "b"])));
        assert_eq!(coerce("", &Node::StrList), Ok(serde_json::json!([])));
        assert_eq!(coerce("1,2", &Node::IntList), Ok(serde_json::json!([1, 2])));
        assert!(coerce("1,x", &Node::IntList).is_err());
        assert_eq!(coerce(" keep ", &Node::Str), Ok(Value::from(" keep ")));
    }
}
