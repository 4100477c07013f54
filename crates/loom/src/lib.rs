//! Loom semantics (placeholder while the reader lands).
