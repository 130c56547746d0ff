//! Validation and normalisation of objects before they are stored, following SFTPGo's rules.
//!
//! [`Validate::validate`] checks an object and normalises it in place where SFTPGo normalises
//! (cleaned paths, `*` permissions collapsed to `["*"]`, duplicates removed, settings of unused
//! providers or action types reset, names converted by `naming_rules`…). It also clears the
//! output-only fields (`has_password`, the `users`/`groups`/`admins`/`rules` back-references and
//! the folder/action details embedded in mappings), so the result is the stored form.
//!
//! What is *not* done here, because it needs the store, the clock, randomness or crypto: hashing
//! plain passwords and API keys (see [`crate::hashes`]), encrypting `Plain` secrets, generating
//! API key and share ids, checking that referenced objects exist ([`crate::Object::references`]),
//! and password strength checks.
//!
//! Errors name the object and the field: `user "alice": home_dir: must be an absolute path`.

mod checks;
mod configs;
mod event;
mod filesystem;
mod objects;
mod user;

pub use checks::{is_valid_email, parse_authorized_key};
pub use event::{CronField, validate_cron_field};

use crate::kind::Kind;
use crate::names::NamingRules;

/// An object is not valid: names the object kind, the object and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {name:?}: {field}: {message}")]
pub struct ValidationError {
    /// Object kind.
    pub kind: Kind,
    /// Object key as given (username, name, key id…); may be empty.
    pub name: String,
    /// JSON path of the offending field, relative to the object (`filters.allowed_ip[0]`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Server settings that validation depends on. The default suits tests and tools: SFTPGo's
/// default naming rules, no TOTP config or command allow-list checks, no clock.
#[derive(Debug, Clone)]
pub struct ValidationContext {
    /// `data_provider.naming_rules`.
    pub naming_rules: NamingRules,
    /// Names of the `mfa.totp` configurations; `None` skips the check.
    pub totp_config_names: Option<Vec<String>>,
    /// Commands event actions may run; `None` skips the check (SFTPGo refuses every command
    /// that is not explicitly enabled).
    pub allowed_action_commands: Option<Vec<String>>,
    /// Current time in ms, to refuse shares that expire in the past; `None` (restores) skips it.
    pub now_ms: Option<i64>,
    /// The provider is shared between nodes (`is_shared`): keeps `concurrent_execution`.
    pub is_shared: bool,
    /// An external auth hook or plugin is configured: keeps `external_auth_cache_time`.
    pub external_auth: bool,
    /// `data_provider.users_base_dir`: default home is `<base>/<username>`.
    pub users_base_dir: String,
    /// Directory used as default home for users of remote providers without a home dir.
    pub temp_dir: String,
}

impl Default for ValidationContext {
    fn default() -> Self {
        Self {
            naming_rules: NamingRules::default(),
            totp_config_names: None,
            allowed_action_commands: None,
            now_ms: None,
            is_shared: false,
            external_auth: false,
            users_base_dir: String::new(),
            temp_dir: "/tmp".to_string(),
        }
    }
}

/// Objects that can be validated and normalised.
pub trait Validate {
    /// Checks the object and normalises it in place as SFTPGo does before saving.
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError>;
}

/// Builds errors for one object.
#[derive(Debug, Clone)]
pub(crate) struct Errs {
    kind: Kind,
    name: String,
}

impl Errs {
    pub(crate) fn new(kind: Kind, name: &str) -> Self {
        Self { kind, name: name.to_string() }
    }

    pub(crate) fn err(&self, field: impl Into<String>, message: impl Into<String>) -> ValidationError {
        ValidationError { kind: self.kind, name: self.name.clone(), field: field.into(), message: message.into() }
    }
}

pub(crate) type VResult = Result<(), ValidationError>;

/// Removes duplicates keeping the first occurrence (SFTPGo's `RemoveDuplicates`).
pub fn dedup_strings(items: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
}

pub(crate) use dedup_strings as dedup;

/// Joins a field prefix and a name: `join("filters", "allowed_ip")` → `filters.allowed_ip`.
pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}
