//! The same behaviour on every backend (placeholder).
