//! hooks tests (placeholder).
