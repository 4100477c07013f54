//! Parallel chunk decoding (placeholder while the reader lands).
