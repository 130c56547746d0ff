//! Group inheritance (placeholder).
