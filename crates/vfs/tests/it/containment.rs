//! Kernel-enforced containment of the local backend (placeholder).
