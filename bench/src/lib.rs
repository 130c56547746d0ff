//! Wharf benchmarks: see the binaries in src/bin.
