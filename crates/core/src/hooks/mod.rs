//! Hooks (placeholder).
