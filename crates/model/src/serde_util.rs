//! Predicates used by `skip_serializing_if` to mirror Go's `omitempty`.

/// True for the type's zero value (0, false, "", empty collection…).
pub(crate) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// True for `false` (Go omits false booleans tagged `omitempty`).
pub(crate) fn is_false(v: &bool) -> bool {
    !*v
}

/// True for 0.
pub(crate) fn is_zero(v: &i64) -> bool {
    *v == 0
}
