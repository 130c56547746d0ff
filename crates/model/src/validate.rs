//! Validation and normalisation of objects before they are stored (placeholder).

use crate::kind::Kind;
use crate::names::NamingRules;

/// An object is not valid: names the object kind, the object and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {name:?}: {field}: {message}")]
pub struct ValidationError {
    /// Object kind.
    pub kind: Kind,
    /// Object key (username, name…).
    pub name: String,
    /// JSON path of the offending field, relative to the object.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Server settings validation depends on.
#[derive(Debug, Clone, Default)]
pub struct ValidationContext {
    /// `data_provider.naming_rules`.
    pub naming_rules: NamingRules,
}

/// Objects that can be validated and normalised.
pub trait Validate {
    /// Checks the object and normalises it in place as SFTPGo does before saving.
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError>;
}
