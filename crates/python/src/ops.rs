//! Module-level operations: `combine`, the Cell Ranger import, validation by path, a loompy
//! timestamp; and [`SparseParts`], the non-zeros of a layer on their way to a scipy
//! `coo_matrix` (index arrays already in scipy's index dtype, so scipy keeps them as given).

use crate::error::IntoPy;
use crate::typed::vec_to_py;
use loomfile::ops::{CombineOptions, FillValues};
use loomfile::{Coo, NumType, Values};
use loomfile_formats::MexOptions;
use numpy::Element;
use pyo3::prelude::*;
use std::path::PathBuf;

/// Row and column indices in scipy's index dtype: int32 when every index fits.
pub enum Index {
    I32(Vec<i32>),
    I64(Vec<i64>),
}

impl Index {
    fn new(v: Vec<u64>, n: u64) -> Index {
        if n <= i32::MAX as u64 {
            Index::I32(v.into_iter().map(|x| x as i32).collect())
        } else {
            // Same size: collected in place, no new buffer.
            Index::I64(v.into_iter().map(|x| x as i64).collect())
        }
    }

    fn from_u32(v: Vec<u32>, n: u64) -> Index {
        if n <= i32::MAX as u64 {
            // Same size: collected in place.
            Index::I32(v.into_iter().map(|x| x as i32).collect())
        } else {
            Index::I64(v.into_iter().map(i64::from).collect())
        }
    }

    fn into_py(self, py: Python<'_>) -> Bound<'_, PyAny> {
        match self {
            Index::I32(v) => vec_to_py(py, v),
            Index::I64(v) => vec_to_py(py, v),
        }
    }
}

/// COO parts of any element type.
pub struct SparseParts {
    shape: (u64, u64),
    row: Index,
    col: Index,
    data: Box<dyn FnOnce(Python<'_>) -> Bound<'_, PyAny> + Send>,
}

impl SparseParts {
    /// From the library's COO.
    pub fn of<T: Element + Send + 'static>(c: Coo<T>) -> SparseParts {
        let n = c.rows.max(c.cols);
        let data = c.data;
        SparseParts {
            shape: (c.rows, c.cols),
            row: Index::new(c.row, n),
            col: Index::new(c.col, n),
            data: Box::new(move |py| vec_to_py(py, data)),
        }
    }

    /// From the scan core's CSR (the whole layer): rows expanded from the offsets.
    pub fn of_csr<T: Element + Send + 'static>(c: loomfile_scan::Csr<T>) -> SparseParts {
        let n = c.nrows.max(c.ncols);
        // Row indices expanded from the offsets straight in scipy's index dtype (no u64
        // array to convert afterwards: half the memory to fault in for int32).
        fn expand<I: Copy>(indptr: &[u64], len: usize, of: impl Fn(usize) -> I) -> Vec<I> {
            // alloc: len = the number of values, already read
            let mut row = Vec::with_capacity(len);
            for (r, w) in indptr.windows(2).enumerate() {
                row.extend(std::iter::repeat_n(of(r), (w[1] - w[0]) as usize));
            }
            row
        }
        let len = c.values.len();
        let row = if n <= i32::MAX as u64 {
            Index::I32(expand(&c.indptr, len, |r| r as i32))
        } else {
            Index::I64(expand(&c.indptr, len, |r| r as i64))
        };
        let data = c.values;
        SparseParts {
            shape: (c.nrows, c.ncols),
            row,
            col: Index::from_u32(c.indices, n),
            data: Box::new(move |py| vec_to_py(py, data)),
        }
    }

    /// `(row, col, data, shape)`; float16 layers come back as float16.
    pub fn into_py(self, py: Python<'_>, t: NumType) -> PyResult<Bound<'_, PyAny>> {
        let mut data = (self.data)(py);
        if t == NumType::Float16 {
            data = data.call_method1("astype", ("float16",))?;
        }
        let tuple = (self.row.into_py(py), self.col.into_py(py), data, self.shape);
        Ok(tuple.into_pyobject(py)?.into_any())
    }
}

fn fill(obj: Option<&Bound<'_, PyAny>>) -> PyResult<FillValues> {
    crate::file::fill_values_from(obj)
}

/// Combine loom files column-wise into a new file (rows aligned by `key`).
#[pyfunction]
#[pyo3(signature = (files, output, key=None, file_attrs=Vec::new(), batch_size=512, convert_attrs=false, fill_values=None, include_graphs=false, selections=None, skip_attrs=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub fn combine(
    py: Python<'_>,
    files: Vec<PathBuf>,
    output: PathBuf,
    key: Option<String>,
    file_attrs: Vec<(String, Bound<'_, PyAny>)>,
    batch_size: usize,
    convert_attrs: bool,
    fill_values: Option<&Bound<'_, PyAny>>,
    include_graphs: bool,
    selections: Option<Vec<Option<Vec<u64>>>>,
    skip_attrs: Vec<String>,
) -> PyResult<()> {
    let attrs = engine_attrs(file_attrs)?;
    let fv = fill(fill_values)?;
    py.detach(move || {
        let opts = CombineOptions {
            add: loomfile::AddLoomOptions {
                key: key.as_deref(),
                batch_size,
                convert_attrs,
                fill_values: fv,
                include_graphs,
            },
            file_attrs: attrs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(),
            selections: selections
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.map_or(loomfile::Sel::All, loomfile::Sel::Index))
                .collect(),
            skip_attrs: skip_attrs.iter().map(String::as_str).collect(),
        };
        loomfile::ops::combine(&files, &output, &opts).map(|_| ()).py()
    })
}

/// Stack loom files holding different genes of the same cells row-wise into a new file
/// (columns aligned to the first file's by `key`).
#[pyfunction]
#[pyo3(signature = (files, output, key=None, file_attrs=Vec::new(), fill_values=None))]
pub fn combine_rows(
    py: Python<'_>,
    files: Vec<PathBuf>,
    output: PathBuf,
    key: Option<String>,
    file_attrs: Vec<(String, Bound<'_, PyAny>)>,
    fill_values: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let attrs = engine_attrs(file_attrs)?;
    let fv = fill(fill_values)?;
    py.detach(move || {
        let opts = loomfile::CombineRowsOptions {
            key: key.as_deref(),
            file_attrs: attrs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(),
            fill_values: fv,
        };
        loomfile::combine_rows(&files, &output, &opts).map(|_| ()).py()
    })
}

/// Import a 10x Genomics Cell Ranger output (MEX folder) into a loom file; returns its path.
#[pyfunction]
#[pyo3(signature = (folder, output, genome=None, sample_id=None, file_attrs=Vec::new()))]
pub fn import_cellranger(
    py: Python<'_>,
    folder: PathBuf,
    output: PathBuf,
    genome: Option<String>,
    sample_id: Option<String>,
    file_attrs: Vec<(String, Bound<'_, PyAny>)>,
) -> PyResult<PathBuf> {
    let attrs = engine_attrs(file_attrs)?;
    py.detach(move || {
        let opts = MexOptions {
            sample_id: sample_id.as_deref(),
            genome: genome.as_deref(),
            file_attrs: attrs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(),
            ..MexOptions::default()
        };
        loomfile_formats::import_mex(&folder, &output, &opts).py()?;
        Ok(output)
    })
}

/// Global attributes from Python values.
fn engine_attrs(file_attrs: Vec<(String, Bound<'_, PyAny>)>) -> PyResult<Vec<(String, Values)>> {
    file_attrs.into_iter().map(|(k, v)| Ok((k, crate::values::from_py(&v)?))).collect()
}

/// One byte of a delimiter argument.
fn delim_byte(d: &str) -> PyResult<u8> {
    match d.as_bytes() {
        [b] => Ok(*b),
        _ => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "the delimiter must be one byte, not {d:?}"
        ))),
    }
}

/// loompy's `create_from_tsv`; returns the report's warnings.
#[pyfunction]
#[pyo3(signature = (out_file, tsv_file, row_metadata_loomfile=None, row_metadata_attr="Accession".to_string(), delim="\t".to_string(), dtype="float32".to_string(), sample_id=String::new(), file_attrs=Vec::new(), col_metadata_tsv=None, metadata_delim="\t".to_string()))]
#[allow(clippy::too_many_arguments)]
pub fn create_from_tsv(
    py: Python<'_>,
    out_file: PathBuf,
    tsv_file: PathBuf,
    row_metadata_loomfile: Option<PathBuf>,
    row_metadata_attr: String,
    delim: String,
    dtype: String,
    sample_id: String,
    file_attrs: Vec<(String, Bound<'_, PyAny>)>,
    col_metadata_tsv: Option<PathBuf>,
    metadata_delim: String,
) -> PyResult<Vec<String>> {
    let dtype = NumType::parse(&dtype).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!("unknown dtype {dtype:?}"))
    })?;
    let opts = loomfile_formats::TsvImport {
        delim: delim_byte(&delim)?,
        dtype,
        sample_id,
        row_metadata_loom: row_metadata_loomfile,
        row_metadata_attr,
        col_metadata: col_metadata_tsv,
        metadata_delim: delim_byte(&metadata_delim)?,
        file_attrs: engine_attrs(file_attrs)?,
        ..Default::default()
    };
    py.detach(move || {
        let r = loomfile_formats::create_from_tsv(&out_file, &tsv_file, &opts).py()?;
        Ok(r.warnings)
    })
}

/// loompy's `create_from_matrix_market`; returns the report's warnings.
#[pyfunction]
#[pyo3(signature = (out_file, sample_id, layer_paths, row_metadata_path, column_metadata_path, delim="\t".to_string(), skip_row_headers=false, skip_column_headers=false, file_attrs=Vec::new(), matrix_transposed=false))]
#[allow(clippy::too_many_arguments)]
pub fn create_from_matrix_market(
    py: Python<'_>,
    out_file: PathBuf,
    sample_id: String,
    layer_paths: Vec<(String, PathBuf)>,
    row_metadata_path: PathBuf,
    column_metadata_path: PathBuf,
    delim: String,
    skip_row_headers: bool,
    skip_column_headers: bool,
    file_attrs: Vec<(String, Bound<'_, PyAny>)>,
    matrix_transposed: bool,
) -> PyResult<Vec<String>> {
    let opts = loomfile_formats::MtxImport {
        delim: delim_byte(&delim)?,
        skip_row_header: skip_row_headers,
        skip_col_header: skip_column_headers,
        matrix_transposed,
        file_attrs: engine_attrs(file_attrs)?,
        ..Default::default()
    };
    py.detach(move || {
        let layers: Vec<(&str, &PathBuf)> =
            layer_paths.iter().map(|(n, p)| (n.as_str(), p)).collect();
        let r = loomfile_formats::create_from_matrix_market(
            &out_file,
            &sample_id,
            &layers,
            &row_metadata_path,
            &column_metadata_path,
            &opts,
        )
        .py()?;
        Ok(r.warnings)
    })
}

/// Copy a selection of rows and columns of `src` into a new loom file at `output`.
#[pyfunction]
#[pyo3(signature = (src, output, rows=None, cols=None))]
pub fn subset(
    py: Python<'_>,
    src: PathBuf,
    output: PathBuf,
    rows: Option<&Bound<'_, PyAny>>,
    cols: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let (rows, cols) = (crate::sel::from_py(rows)?, crate::sel::from_py(cols)?);
    py.detach(move || {
        let f = loomfile::LoomFile::open(&src).py()?;
        loomfile::ops::subset(&f, &output, &rows, &cols).map(|_| ()).py()
    })
}

/// Validate the file at `path`: `(errors, warnings)`.
#[pyfunction]
#[pyo3(signature = (path, strict=false))]
pub fn validate(
    py: Python<'_>,
    path: PathBuf,
    strict: bool,
) -> PyResult<(Vec<String>, Vec<String>)> {
    py.detach(|| {
        let r = loomfile::validate::validate_path(&path, strict).py()?;
        Ok(r.messages())
    })
}

/// The current time in loompy's timestamp format (`%Y%m%dT%H%M%S.%fZ`, UTC).
#[pyfunction]
pub fn timestamp() -> String {
    loomfile::timestamp::now()
}
