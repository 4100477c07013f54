//! The two axes of a loom matrix, shared by every crate above the HDF5 layer: rows (genes,
//! numpy axis 0) and columns (cells, axis 1), with the groups each axis owns in a loom file.

use loomfile_hdf5::{Error, Result};

/// The row axis (genes) or the column axis (cells).
///
/// # Examples
///
/// ```
/// use loomfile_scan::Axis;
/// // loompy's axis numbers, and the groups each axis owns
/// assert_eq!((Axis::Rows.index(), Axis::Cols.index()), (0, 1));
/// assert_eq!(Axis::Rows.other(), Axis::Cols);
/// assert_eq!(Axis::Cols.attrs_group(), "/col_attrs");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    /// Rows (axis 0).
    Rows,
    /// Columns (axis 1).
    Cols,
}

impl Axis {
    /// The axis numbered as numpy and loompy number them (0 rows, 1 columns).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_scan::Axis;
    /// assert_eq!(Axis::from_index(1)?, Axis::Cols);
    /// assert!(Axis::from_index(2).is_err());
    /// # Ok::<(), loomfile_hdf5::Error>(())
    /// ```
    pub fn from_index(axis: usize) -> Result<Axis> {
        match axis {
            0 => Ok(Axis::Rows),
            1 => Ok(Axis::Cols),
            n => Err(Error::invalid(format!("axis {n} of a 2-D matrix"))),
        }
    }

    /// loompy's axis number.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_scan::Axis;
    /// assert_eq!(Axis::Rows.index(), 0);
    /// assert_eq!(Axis::Cols.index(), 1);
    /// ```
    pub fn index(self) -> usize {
        match self {
            Axis::Rows => 0,
            Axis::Cols => 1,
        }
    }

    /// The other axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_scan::Axis;
    /// assert_eq!(Axis::Rows.other(), Axis::Cols);
    /// assert_eq!(Axis::Cols.other().other(), Axis::Cols);
    /// ```
    pub fn other(self) -> Axis {
        match self {
            Axis::Rows => Axis::Cols,
            Axis::Cols => Axis::Rows,
        }
    }

    /// The attribute group (`/row_attrs` or `/col_attrs`).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_scan::Axis;
    /// assert_eq!(Axis::Rows.attrs_group(), "/row_attrs");
    /// assert_eq!(Axis::Cols.attrs_group(), "/col_attrs");
    /// ```
    pub fn attrs_group(self) -> &'static str {
        match self {
            Axis::Rows => "/row_attrs",
            Axis::Cols => "/col_attrs",
        }
    }

    /// The graph group (`/row_graphs` or `/col_graphs`).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_scan::Axis;
    /// assert_eq!(Axis::Rows.graphs_group(), "/row_graphs");
    /// assert_eq!(Axis::Cols.graphs_group(), "/col_graphs");
    /// ```
    pub fn graphs_group(self) -> &'static str {
        match self {
            Axis::Rows => "/row_graphs",
            Axis::Cols => "/col_graphs",
        }
    }

    /// The legacy graph group (`/row_edges` or `/col_edges`).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_scan::Axis;
    /// assert_eq!(Axis::Rows.legacy_graphs_group(), "/row_edges");
    /// assert_eq!(Axis::Cols.legacy_graphs_group(), "/col_edges");
    /// ```
    pub fn legacy_graphs_group(self) -> &'static str {
        match self {
            Axis::Rows => "/row_edges",
            Axis::Cols => "/col_edges",
        }
    }
}
