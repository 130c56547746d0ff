//! The local filesystem backend (placeholder, being written).
