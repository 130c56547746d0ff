//! auth tests (placeholder).
