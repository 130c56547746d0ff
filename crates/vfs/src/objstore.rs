//! The object-store backend (placeholder, being written).
