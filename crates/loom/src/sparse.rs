//! Sparse matrices: COO triplets (what loompy's `sparse()` returns) and CSR (rows
//! compressed), used to write layers and graphs without dense copies.

use crate::error::{Error, Result};

/// Coordinate format: `data[k]` is at (`row[k]`, `col[k]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coo<T> {
    /// Number of rows.
    pub rows: u64,
    /// Number of columns.
    pub cols: u64,
    /// Row indices.
    pub row: Vec<u64>,
    /// Column indices.
    pub col: Vec<u64>,
    /// Values.
    pub data: Vec<T>,
}

/// Compressed sparse rows: row `i` holds `indices[indptr[i]..indptr[i+1]]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Csr<T> {
    /// Number of rows.
    pub rows: u64,
    /// Number of columns.
    pub cols: u64,
    /// Row pointers (`rows + 1` entries).
    pub indptr: Vec<u64>,
    /// Column indices.
    pub indices: Vec<u64>,
    /// Values.
    pub data: Vec<T>,
}

impl<T: Copy> Coo<T> {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Convert to CSR (duplicates kept; within a row, entries sorted by column).
    pub fn to_csr(&self) -> Result<Csr<T>> {
        if self.row.len() != self.data.len() || self.col.len() != self.data.len() {
            return Err(Error::invalid("COO arrays of different lengths"));
        }
        if self.row.iter().any(|&r| r >= self.rows) || self.col.iter().any(|&c| c >= self.cols) {
            return Err(Error::invalid("COO index outside the matrix"));
        }
        let mut counts = vec![0u64; self.rows as usize + 1];
        for &r in &self.row {
            counts[r as usize + 1] += 1;
        }
        for i in 0..self.rows as usize {
            counts[i + 1] += counts[i];
        }
        let mut order: Vec<usize> = (0..self.data.len()).collect();
        order.sort_by_key(|&k| (self.row[k], self.col[k]));
        Ok(Csr {
            rows: self.rows,
            cols: self.cols,
            indptr: counts,
            indices: order.iter().map(|&k| self.col[k]).collect(),
            data: order.iter().map(|&k| self.data[k]).collect(),
        })
    }
}

impl<T: Copy> Csr<T> {
    /// Check the structure (pointer monotonicity, bounds).
    pub fn check(&self) -> Result<()> {
        if self.indptr.len() as u64 != self.rows + 1 || self.indptr.first() != Some(&0) {
            return Err(Error::invalid("CSR indptr must have rows + 1 entries starting at 0"));
        }
        if self.indptr.windows(2).any(|w| w[0] > w[1])
            || self.indptr.last().copied() != Some(self.data.len() as u64)
        {
            return Err(Error::invalid("CSR indptr must be non-decreasing and end at nnz"));
        }
        if self.indices.len() != self.data.len() || self.indices.iter().any(|&c| c >= self.cols) {
            return Err(Error::invalid("CSR indices out of range"));
        }
        Ok(())
    }

    /// As COO.
    pub fn to_coo(&self) -> Coo<T> {
        let mut row = Vec::with_capacity(self.data.len());
        for i in 0..self.rows as usize {
            for _ in self.indptr[i]..self.indptr[i + 1] {
                row.push(i as u64);
            }
        }
        Coo {
            rows: self.rows,
            cols: self.cols,
            row,
            col: self.indices.clone(),
            data: self.data.clone(),
        }
    }
}
