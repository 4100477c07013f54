//! Sparse matrices: COO triplets (what loompy's `sparse()` returns), CSR (rows compressed)
//! and CSC (columns compressed: scipy's `csc_matrix`, 10x Genomics' HDF5 matrices), used to
//! write layers and graphs without dense copies.
//!
//! # Examples
//!
//! ```
//! use loomfile::Coo;
//! // [[0, 5, 0],
//! //  [7, 0, 8]]
//! let coo = Coo {
//!     rows: 2,
//!     cols: 3,
//!     row: vec![1, 0, 1],
//!     col: vec![2, 1, 0],
//!     data: vec![8, 5, 7],
//! };
//! let csr = coo.to_csr()?;
//! assert_eq!(csr.indptr, [0, 1, 3]); // row 0 holds one entry, row 1 two
//! assert_eq!((csr.indices, csr.data), (vec![1, 0, 2], vec![5, 7, 8]));
//! # Ok::<(), loomfile::Error>(())
//! ```

use crate::error::{Error, Result};

/// Coordinate format: `data[k]` is at (`row[k]`, `col[k]`).
///
/// # Examples
///
/// ```
/// use loomfile::Coo;
/// // [[0.0, 2.5],
/// //  [1.0, 0.0]]
/// let m =
///     Coo { rows: 2, cols: 2, row: vec![0, 1], col: vec![1, 0], data: vec![2.5f32, 1.0] };
/// assert_eq!(m.nnz(), 2);
/// ```
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
///
/// # Examples
///
/// ```
/// use loomfile::Csr;
/// // [[0, 0, 1],
/// //  [2, 3, 0]]
/// let m = Csr {
///     rows: 2,
///     cols: 3,
///     indptr: vec![0, 1, 3],
///     indices: vec![2, 0, 1],
///     data: vec![1u32, 2, 3],
/// };
/// m.check()?;
/// assert_eq!(m.to_coo().row, [0, 1, 1]);
/// # Ok::<(), loomfile::Error>(())
/// ```
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

/// Compressed sparse columns: column `j` holds the rows `indices[indptr[j]..indptr[j+1]]`.
///
/// # Examples
///
/// ```
/// use loomfile::Csc;
/// // [[0, 0, 1],
/// //  [2, 3, 0]]
/// let m = Csc {
///     rows: 2,
///     cols: 3,
///     indptr: vec![0, 1, 2, 3],
///     indices: vec![1, 1, 0],
///     data: vec![2u32, 3, 1],
/// };
/// m.check()?;
/// let csr = m.to_csr()?;
/// assert_eq!((csr.indptr, csr.indices, csr.data), (vec![0, 1, 3], vec![2, 0, 1], vec![1, 2, 3]));
/// # Ok::<(), loomfile::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Csc<T> {
    /// Number of rows.
    pub rows: u64,
    /// Number of columns.
    pub cols: u64,
    /// Column pointers (`cols + 1` entries).
    pub indptr: Vec<u64>,
    /// Row indices.
    pub indices: Vec<u64>,
    /// Values.
    pub data: Vec<T>,
}

impl<T: Copy> Coo<T> {
    /// Number of stored entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Coo;
    /// let m =
    ///     Coo { rows: 10, cols: 10, row: vec![0, 9], col: vec![9, 0], data: vec![1u8, 1] };
    /// assert_eq!(m.nnz(), 2);
    /// ```
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Convert to CSR (duplicates kept; within a row, entries sorted by column).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Coo;
    /// let coo = Coo {
    ///     rows: 2,
    ///     cols: 2,
    ///     row: vec![1, 0, 1],
    ///     col: vec![1, 0, 0],
    ///     data: vec![4, 1, 3],
    /// };
    /// let csr = coo.to_csr()?;
    /// assert_eq!(
    ///     (csr.indptr, csr.indices, csr.data),
    ///     (vec![0, 1, 3], vec![0, 0, 1], vec![1, 3, 4])
    /// );
    /// let outside = Coo { rows: 2, cols: 2, row: vec![2], col: vec![0], data: vec![1] };
    /// assert!(outside.to_csr().is_err());
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn to_csr(&self) -> Result<Csr<T>> {
        if self.row.len() != self.data.len() || self.col.len() != self.data.len() {
            return Err(Error::invalid("COO arrays of different lengths"));
        }
        if self.row.iter().any(|&r| r >= self.rows) || self.col.iter().any(|&c| c >= self.cols) {
            return Err(Error::invalid("COO index outside the matrix"));
        }
        // alloc: caller's Coo: rows of its matrix (loom builds these only under check_area)
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
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Csr;
    /// let ok =
    ///     Csr { rows: 1, cols: 2, indptr: vec![0, 1], indices: vec![1], data: vec![1.0] };
    /// assert!(ok.check().is_ok());
    /// let short = Csr { indptr: vec![0], ..ok.clone() }; // needs rows + 1 pointers
    /// assert!(short.check().is_err());
    /// let wide = Csr { indices: vec![2], ..ok }; // column 2 of a 2-column matrix
    /// assert!(wide.check().is_err());
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Csr;
    /// let csr = Csr {
    ///     rows: 3,
    ///     cols: 2,
    ///     indptr: vec![0, 1, 1, 2],
    ///     indices: vec![1, 0],
    ///     data: vec![5, 6],
    /// };
    /// let coo = csr.to_coo();
    /// assert_eq!((coo.row, coo.col, coo.data), (vec![0, 2], vec![1, 0], vec![5, 6]));
    /// ```
    pub fn to_coo(&self) -> Coo<T> {
        // alloc: caller's data: self.data.len()
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

impl<T: Copy> Csr<T> {
    /// As CSC (within a column, entries sorted by row).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Csr;
    /// let csr =
    ///     Csr { rows: 2, cols: 2, indptr: vec![0, 2, 3], indices: vec![0, 1, 1], data: vec![1, 2, 3] };
    /// let csc = csr.to_csc()?;
    /// assert_eq!(csc.to_csr()?, csr);
    /// assert_eq!((csc.indptr, csc.indices, csc.data), (vec![0, 1, 3], vec![0, 0, 1], vec![1, 2, 3]));
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn to_csc(&self) -> Result<Csc<T>> {
        self.check()?;
        let (indptr, indices, data) =
            transpose(self.rows, self.cols, &self.indptr, &self.indices, &self.data);
        Ok(Csc { rows: self.rows, cols: self.cols, indptr, indices, data })
    }
}

impl<T: Copy> Csc<T> {
    /// Number of stored entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Csc;
    /// let m = Csc { rows: 3, cols: 1, indptr: vec![0, 2], indices: vec![0, 2], data: vec![1.0] };
    /// assert_eq!(m.nnz(), 1); // the data decides; check() would refuse this matrix
    /// ```
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Check the structure (pointer monotonicity, bounds).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Csc;
    /// let ok = Csc { rows: 2, cols: 1, indptr: vec![0, 1], indices: vec![1], data: vec![1.0] };
    /// assert!(ok.check().is_ok());
    /// let tall = Csc { indices: vec![2], ..ok }; // row 2 of a 2-row matrix
    /// assert!(tall.check().is_err());
    /// ```
    pub fn check(&self) -> Result<()> {
        if self.indptr.len() as u64 != self.cols + 1 || self.indptr.first() != Some(&0) {
            return Err(Error::invalid("CSC indptr must have cols + 1 entries starting at 0"));
        }
        if self.indptr.windows(2).any(|w| w[0] > w[1])
            || self.indptr.last().copied() != Some(self.data.len() as u64)
        {
            return Err(Error::invalid("CSC indptr must be non-decreasing and end at nnz"));
        }
        if self.indices.len() != self.data.len() || self.indices.iter().any(|&r| r >= self.rows) {
            return Err(Error::invalid("CSC indices out of range"));
        }
        Ok(())
    }

    /// True when the rows of every column are in increasing order (scipy's
    /// `has_sorted_indices`); such a matrix is written band by band without a copy.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Csc;
    /// let m = Csc { rows: 3, cols: 1, indptr: vec![0, 2], indices: vec![2, 0], data: vec![1, 2] };
    /// assert!(!m.has_sorted_indices());
    /// assert!(m.to_csr()?.to_csc()?.has_sorted_indices());
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn has_sorted_indices(&self) -> bool {
        self.indptr.windows(2).all(|w| {
            let (lo, hi) = (w[0] as usize, w[1] as usize);
            self.indices.get(lo..hi).is_some_and(|c| c.windows(2).all(|p| p[0] < p[1]))
        })
    }

    /// As CSR (within a row, entries sorted by column).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Csc;
    /// let m = Csc { rows: 2, cols: 2, indptr: vec![0, 2, 3], indices: vec![1, 0, 1], data: vec![5, 6, 7] };
    /// let csr = m.to_csr()?;
    /// assert_eq!((csr.indptr, csr.indices, csr.data), (vec![0, 1, 3], vec![0, 0, 1], vec![6, 5, 7]));
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn to_csr(&self) -> Result<Csr<T>> {
        self.check()?;
        let (indptr, indices, data) =
            transpose(self.cols, self.rows, &self.indptr, &self.indices, &self.data);
        Ok(Csr { rows: self.rows, cols: self.cols, indptr, indices, data })
    }

    /// As COO (column by column).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Csc;
    /// let m = Csc { rows: 2, cols: 2, indptr: vec![0, 0, 1], indices: vec![1], data: vec![9] };
    /// let coo = m.to_coo();
    /// assert_eq!((coo.row, coo.col, coo.data), (vec![1], vec![1], vec![9]));
    /// ```
    pub fn to_coo(&self) -> Coo<T> {
        // alloc: caller's data: self.data.len()
        let mut col = Vec::with_capacity(self.data.len());
        for j in 0..self.cols as usize {
            let n = self.indptr.get(j + 1).zip(self.indptr.get(j)).map_or(0, |(b, a)| b - a);
            col.extend(std::iter::repeat_n(j as u64, n as usize));
        }
        Coo {
            rows: self.rows,
            cols: self.cols,
            row: self.indices.clone(),
            col,
            data: self.data.clone(),
        }
    }

    /// The positions (into `indices`/`data`) of column `j`'s entries in rows `r0..r1`, for
    /// a checked matrix whose rows are sorted in every column ([`Csc::has_sorted_indices`]).
    pub(crate) fn sorted_rows_in(&self, j: usize, (r0, r1): (u64, u64)) -> std::ops::Range<usize> {
        let (lo, hi) = (self.indptr[j] as usize, self.indptr[j + 1] as usize);
        let rows = &self.indices[lo..hi];
        lo + rows.partition_point(|&r| r < r0)..lo + rows.partition_point(|&r| r < r1)
    }
}

/// Transpose a compressed matrix of `major` lines over `minor` positions (checked by the
/// caller): the compressed form of the other orientation, positions sorted in every line.
fn transpose<T: Copy>(
    major: u64,
    minor: u64,
    indptr: &[u64],
    indices: &[u64],
    data: &[T],
) -> (Vec<u64>, Vec<u64>, Vec<T>) {
    // alloc: minor + 1 pointers, checked dimensions of the caller's matrix
    let mut ptr = vec![0u64; minor as usize + 1];
    for &i in indices {
        ptr[i as usize + 1] += 1;
    }
    for i in 0..minor as usize {
        ptr[i + 1] += ptr[i];
    }
    let mut next = ptr.clone();
    // alloc: nnz of the caller's matrix
    let mut out_idx = vec![0u64; indices.len()];
    // Every slot is overwritten below (one entry per slot); the copy only sizes it.
    let mut out_data = data.to_vec();
    for line in 0..major as usize {
        for k in indptr[line] as usize..indptr[line + 1] as usize {
            let at = &mut next[indices[k] as usize];
            out_idx[*at as usize] = line as u64;
            out_data[*at as usize] = data[k];
            *at += 1;
        }
    }
    (ptr, out_idx, out_data)
}
