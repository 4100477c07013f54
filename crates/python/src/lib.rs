//! `loomfile._core`: the Rust side of the `loomfile` Python package.
//!
//! A thin binding of the `loomfile` library: one class, [`file::File`] (an open loom file),
//! and the whole-file operations of [`ops`] (combine, 10x import, validation). Everything
//! loompy-shaped (connections, managers, views, indexing rules) is Python, in
//! `python/loomfile/`; this crate moves typed data between the engine and numpy:
//!
//! - [`typed`]: the numeric element types, dispatch from a dtype to a Rust type, and typed
//!   2-D arrays handed to numpy without copying (the engine's own buffers become the arrays);
//! - [`values`]: attribute and global values (numbers, strings, compound records) both ways;
//! - [`sel`]: selections along one axis (everything, a range, indices);
//! - [`error`]: library errors as Python exceptions (`KeyError` for missing names,
//!   `ValueError` for bad requests, `OSError` for files that cannot be read or locked).
//!
//! Every call that decodes or encodes releases the GIL (`Python::detach`); the engine
//! decodes in parallel on its rayon pool. Locks on the open file are taken only while
//! detached, so a thread waiting for a write never holds the GIL.

mod error;
mod file;
mod ops;
mod sel;
mod typed;
mod values;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<file::File>()?;
    m.add_function(wrap_pyfunction!(ops::combine, m)?)?;
    m.add_function(wrap_pyfunction!(ops::combine_rows, m)?)?;
    m.add_function(wrap_pyfunction!(ops::import_cellranger, m)?)?;
    m.add_function(wrap_pyfunction!(ops::create_from_tsv, m)?)?;
    m.add_function(wrap_pyfunction!(ops::create_from_matrix_market, m)?)?;
    m.add_function(wrap_pyfunction!(ops::subset, m)?)?;
    m.add_function(wrap_pyfunction!(ops::validate, m)?)?;
    m.add_function(wrap_pyfunction!(ops::timestamp, m)?)?;
    m.add("ENGINE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
