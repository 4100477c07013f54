//! The seam between loom semantics and matrix decoding: selection reads, non-zero
//! extraction and element re-typing for layers.

use crate::error::Result;
use crate::sparse::Coo;
use crate::values::{NumType, f32_to_f16};
use loomfile_hdf5::{Dataset, H5Type, Selection};

/// Read a selection of a 2-D layer as `T`, row-major.
pub fn read_matrix<T: H5Type>(d: &Dataset, rows: &Selection, cols: &Selection) -> Result<Vec<T>> {
    Ok(d.read_selection::<T>(&[rows.clone(), cols.clone()])?)
}

/// The non-zero entries of a selection, as COO relative to the selection (row-major order).
pub fn nonzeros<T: H5Type + PartialEq>(
    d: &Dataset,
    rows: &Selection,
    cols: &Selection,
) -> Result<Coo<T>> {
    let shape = d.shape().unwrap_or_default();
    let (n, m) = (shape.first().copied().unwrap_or(0), shape.get(1).copied().unwrap_or(0));
    let ri = rows.indices(n)?;
    let nc = cols.len(m);
    let zero = T::default();
    let mut coo = Coo { rows: ri.len() as u64, cols: nc, ..Coo::default() };
    // One band of rows at a time keeps memory at band x columns.
    for (b, band) in ri.chunks(64).enumerate() {
        let v = d.read_selection::<T>(&[Selection::Index(band.to_vec()), cols.clone()])?;
        for (i, row) in v.chunks(nc.max(1) as usize).enumerate() {
            for (j, &x) in row.iter().enumerate() {
                if x != zero {
                    coo.row.push((b * 64 + i) as u64);
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
