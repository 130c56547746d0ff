//! registry tests (placeholder).
