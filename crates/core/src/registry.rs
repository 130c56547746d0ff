//! Connection registry (placeholder).
