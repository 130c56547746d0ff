//! The dump (backup) file: every object kind under its top-level key, plus `version`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json::{self, JsonError};
use crate::{Admin, ApiKey, Configs, EventAction, EventRule, Folder, Group, IpListEntry, Role, Share, User};

/// The dump format version written by this implementation (SFTPGo 2.7: 17).
pub const DUMP_VERSION: i32 = 17;

/// The oldest dump version that can be restored (the previous one, as in SFTPGo).
pub const MIN_DUMP_VERSION: i32 = 16;

/// Largest dump accepted for restore (SFTPGo's `MaxRestoreSize`: 20 MiB).
pub const MAX_DUMP_SIZE: usize = 20 * 1024 * 1024;

/// Why a dump could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
    /// Malformed JSON, too large, or a value of the wrong shape (with its JSON path).
    #[error("invalid dump: {0}")]
    Json(#[from] JsonError),
    /// The document is not a JSON object.
    #[error("invalid dump: the document must be a JSON object")]
    NotAnObject,
    /// The `version` key is missing.
    #[error("invalid dump: the \"version\" field is missing (supported versions: {MIN_DUMP_VERSION}, {DUMP_VERSION})")]
    MissingVersion,
    /// The version is not one this implementation can restore.
    #[error("unsupported dump version {version} (supported versions: {MIN_DUMP_VERSION}, {DUMP_VERSION})")]
    UnsupportedVersion {
        /// The version found in the dump.
        version: i64,
    },
}

/// A complete dump. Empty lists are written as `[]`, a missing configs object as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupData {
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Folders.
    pub folders: Vec<Folder>,
    /// Admins.
    pub admins: Vec<Admin>,
    /// API keys.
    pub api_keys: Vec<ApiKey>,
    /// Shares.
    pub shares: Vec<Share>,
    /// Event actions.
    pub event_actions: Vec<EventAction>,
    /// Event rules.
    pub event_rules: Vec<EventRule>,
    /// Roles.
    pub roles: Vec<Role>,
    /// IP list entries.
    pub ip_lists: Vec<IpListEntry>,
    /// Configs singleton.
    pub configs: Option<Configs>,
    /// Format version.
    pub version: i32,
}

impl Default for BackupData {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            groups: Vec::new(),
            folders: Vec::new(),
            admins: Vec::new(),
            api_keys: Vec::new(),
            shares: Vec::new(),
            event_actions: Vec::new(),
            event_rules: Vec::new(),
            roles: Vec::new(),
            ip_lists: Vec::new(),
            configs: None,
            version: DUMP_VERSION,
        }
    }
}

impl BackupData {
    /// An empty dump of the current version.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a dump of at most `max_size` bytes (use [`MAX_DUMP_SIZE`] for restores).
    ///
    /// Versions 17 and 16 are accepted; for 16, event action templates are upgraded from
    /// `{{Name}}` to `{{.Name}}` placeholders as SFTPGo does. Errors name the JSON path of the
    /// offending value.
    pub fn from_json(bytes: &[u8], max_size: usize) -> Result<Self, DumpError> {
        let mut value = json::parse_value(bytes, max_size)?;
        let obj = value.as_object_mut().ok_or(DumpError::NotAnObject)?;
        let version = match obj.get("version") {
            None | Some(Value::Null) => return Err(DumpError::MissingVersion),
            Some(v) => v.as_i64().ok_or_else(|| JsonError::Invalid {
                path: "version".to_string(),
                message: format!("expected an integer, found {v}"),
            })?,
        };
        if version != i64::from(DUMP_VERSION) && version != i64::from(MIN_DUMP_VERSION) {
            return Err(DumpError::UnsupportedVersion { version });
        }
        if version < i64::from(DUMP_VERSION)
            && let Some(Value::Array(actions)) = obj.get_mut("event_actions")
        {
            for action in actions {
                if let Some(options) = action.get_mut("options") {
                    upgrade_placeholders_in(options);
                }
            }
        }
        Ok(json::from_value(value)?)
    }

    /// Writes the dump as JSON (two-space indented when `pretty`).
    pub fn to_json(&self, pretty: bool) -> Vec<u8> {
        let result = if pretty { serde_json::to_vec_pretty(self) } else { serde_json::to_vec(self) };
        // Serializing these plain data types cannot fail (string keys, no custom errors).
        result.unwrap_or_default()
    }
}

/// Rewrites old-style `{{Name}}` template placeholders to Go-template `{{.Name}}`, leaving
/// `{{.X}}`, `{{ x }}` and `{{-` forms and unterminated braces untouched.
pub fn upgrade_placeholders(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    let mut rest = input;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let keep = matches!(after.as_bytes().first(), Some(b' ' | b'.' | b'-'));
        match after.find("}}") {
            Some(end) if !keep => {
                out.push_str("{{.");
                out.push_str(&after[..end]);
                out.push_str("}}");
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn upgrade_placeholders_in(value: &mut Value) {
    match value {
        Value::String(s) if s.contains("{{") => *s = upgrade_placeholders(s),
        Value::Array(items) => items.iter_mut().for_each(upgrade_placeholders_in),
        Value::Object(map) => map.values_mut().for_each(upgrade_placeholders_in),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_upgrade() {
        assert_eq!(upgrade_placeholders("{{Name}} did {{Event}}"), "{{.Name}} did {{.Event}}");
        assert_eq!(upgrade_placeholders("{{.Name}}"), "{{.Name}}");
        assert_eq!(upgrade_placeholders("{{ .Name }}"), "{{ .Name }}");
        assert_eq!(upgrade_placeholders("{{- x}}"), "{{- x}}");
        assert_eq!(upgrade_placeholders("open {{Name"), "open {{Name");
        assert_eq!(upgrade_placeholders("no braces"), "no braces");
        assert_eq!(upgrade_placeholders("{{IDPFieldemail}}x"), "{{.IDPFieldemail}}x");
    }
}
