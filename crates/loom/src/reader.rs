//! The seam between loom semantics and matrix decoding: every layer read goes through a
//! `loomfile_scan::Matrix` (chunk index planned once per layer and cached until the next
//! commit; chunks decoded in parallel), plus non-zero extraction and element re-typing.

use crate::error::Result;
use crate::file::LoomFile;
use crate::sparse::Coo;
use crate::values::{NumType, f32_to_f16};
use loomfile_hdf5::{H5Type, Selection};
use loomfile_scan::{Axis as ScanAxis, Matrix};
use std::sync::Arc;

impl LoomFile {
    /// The planned matrix of a layer (cached until the next commit).
    pub fn matrix(&self, name: &str) -> Result<Arc<Matrix>> {
        if let Ok(cache) = self.matrices.lock() {
            if let Some(m) = cache.get(name) {
                return Ok(m.clone());
            }
        }
        let d = self.layer_dataset(name)?;
        let m = Arc::new(Matrix::new(&d)?);
        if let Ok(mut cache) = self.matrices.lock() {
            cache.insert(name.to_string(), m.clone());
        }
        Ok(m)
    }
}

/// The non-zero entries of a selection, as COO relative to the selection (row-major order).
pub fn nonzeros<T: H5Type + PartialEq>(
    m: &Matrix,
    rows: &Selection,
    cols: &Selection,
) -> Result<Coo<T>> {
    let (n, ncols) = m.shape();
    if *rows == Selection::All && *cols == Selection::All {
        let mut coo = Coo { rows: n, cols: ncols, ..Coo::default() };
        for block in m.nonzeros::<T>(ScanAxis::Rows) {
            let block = block?;
            coo.row.extend(block.rows.iter().copied());
            coo.col.extend(block.cols.iter().copied());
            coo.data.extend(block.values.iter().copied());
        }
        return Ok(coo);
    }
    let ri = rows.indices(n)?;
    let nc = cols.len(ncols);
    let zero = T::default();
    let mut coo = Coo { rows: ri.len() as u64, cols: nc, ..Coo::default() };
    // One band of rows at a time keeps memory at band x columns.
    for (b, band) in ri.chunks(256).enumerate() {
        let v = m.read::<T>(&Selection::Index(band.to_vec()), cols)?;
        for (i, row) in v.chunks(nc.max(1) as usize).enumerate() {
            for (j, &x) in row.iter().enumerate() {
                if x != zero {
                    coo.row.push((b * 256 + i) as u64);
                    coo.col.push(j as u64);
                    coo.data.push(x);
                }
            }
        }
    }
    Ok(coo)
}

/// Append `x` encoded as the stored numeric type `t` (little-endian; integers saturate).
pub fn write_as(t: NumType, x: f64, out: &mut Vec<u8>) {
    match t {
        NumType::Int8 => out.extend_from_slice(&(x as i8).to_le_bytes()),
        NumType::Int16 => out.extend_from_slice(&(x as i16).to_le_bytes()),
        NumType::Int32 => out.extend_from_slice(&(x as i32).to_le_bytes()),
        NumType::Int64 => out.extend_from_slice(&(x as i64).to_le_bytes()),
        NumType::UInt8 => out.extend_from_slice(&(x as u8).to_le_bytes()),
        NumType::UInt16 => out.extend_from_slice(&(x as u16).to_le_bytes()),
        NumType::UInt32 => out.extend_from_slice(&(x as u32).to_le_bytes()),
        NumType::UInt64 => out.extend_from_slice(&(x as u64).to_le_bytes()),
        NumType::Float16 => out.extend_from_slice(&f32_to_f16(x as f32).to_le_bytes()),
        NumType::Float32 => out.extend_from_slice(&(x as f32).to_le_bytes()),
        NumType::Float64 => out.extend_from_slice(&x.to_le_bytes()),
    }
}
