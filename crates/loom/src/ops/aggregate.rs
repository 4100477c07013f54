//! loompy's `aggregate`: one value per row and group of columns (clusters, samples), in one
//! pass over bands of rows, rows of a band reduced in parallel.
//!
//! Groups are column labels mapped to `0..k` (loompy: the sorted distinct labels); the
//! result is rows x k float64. The reductions are numpy-groupies' names that make sense
//! for a count matrix: `sum`, `prod`, `mean`, `var`, `std` (population), `min`, `max`,
//! `first`, `last`, `len` (the group's size), `median`, and `nansum`, `nanmean`, `nanmin`,
//! `nanmax` (NaN skipped). loompy computes through numpy_groupies on dense bands; its
//! `mode` aggregation of column attributes crashes (it is not in this list either:
//! attributes are aggregated by the caller).
//!
//! # Examples
//!
//! ```
//! # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
//! # let contents = Contents {
//! #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
//! #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
//! #     file_attrs: vec![("title", Values::from("demo"))],
//! # };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! use loomfile::{Aggregation, Axis};
//! let mut f = LoomFile::open_rw(&path)?;
//! f.set_attr(Axis::Cols, "ClusterID", &Values::from(vec![1u32, 0, 0]))?;
//! let clusters: Vec<u32> = f
//!     .attr(Axis::Cols, "ClusterID")?
//!     .as_i64s()
//!     .unwrap()
//!     .iter()
//!     .map(|&c| c as u32)
//!     .collect();
//! let means = f.aggregate("", &clusters, Aggregation::Mean)?; // genes x clusters
//! assert_eq!(means.row(0).to_vec(), [1.5, 0.0]); // cluster 0: y and z; cluster 1: x
//! assert_eq!(means.row(3).to_vec(), [10.5, 9.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};
use crate::file::LoomFile;
use crate::layers::Sel;
use ndarray::Array2;

/// How a group of values becomes one.
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// use loomfile::Aggregation;
/// let f = LoomFile::open(&path)?;
/// let groups = [0, 0, 1]; // x and y, then z
/// let max = f.aggregate("", &groups, Aggregation::Max)?;
/// let size = f.aggregate("", &groups, Aggregation::Len)?;
/// assert_eq!(max.row(2).to_vec(), [7.0, 8.0]);
/// assert_eq!(size.row(2).to_vec(), [2.0, 1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    /// Sum.
    Sum,
    /// Product.
    Prod,
    /// Mean.
    Mean,
    /// Population variance.
    Var,
    /// Population standard deviation.
    Std,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
    /// The group's first column (in file order).
    First,
    /// The group's last column.
    Last,
    /// Number of columns in the group.
    Len,
    /// Median (mean of the two middle values for an even count).
    Median,
    /// Sum, NaN skipped.
    NanSum,
    /// Mean, NaN skipped.
    NanMean,
    /// Minimum, NaN skipped.
    NanMin,
    /// Maximum, NaN skipped.
    NanMax,
}

impl Aggregation {
    /// By numpy-groupies' name (`"mean"`, `"sum"`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Aggregation;
    /// assert_eq!(Aggregation::parse("mean"), Some(Aggregation::Mean));
    /// assert_eq!(Aggregation::parse("nanmax"), Some(Aggregation::NanMax));
    /// assert_eq!(Aggregation::parse("mode"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Aggregation> {
        Some(match name {
            "sum" => Aggregation::Sum,
            "prod" => Aggregation::Prod,
            "mean" => Aggregation::Mean,
            "var" => Aggregation::Var,
            "std" => Aggregation::Std,
            "min" | "amin" => Aggregation::Min,
            "max" | "amax" => Aggregation::Max,
            "first" => Aggregation::First,
            "last" => Aggregation::Last,
            "len" | "size" => Aggregation::Len,
            "median" => Aggregation::Median,
            "nansum" => Aggregation::NanSum,
            "nanmean" => Aggregation::NanMean,
            "nanmin" => Aggregation::NanMin,
            "nanmax" => Aggregation::NanMax,
            _ => return None,
        })
    }

    /// Reduce one group's values (never empty).
    fn reduce(self, v: &mut [f64]) -> f64 {
        let n = v.len() as f64;
        let kept = || v.iter().copied().filter(|x| !x.is_nan());
        match self {
            Aggregation::Sum => v.iter().sum(),
            Aggregation::Prod => v.iter().product(),
            Aggregation::Mean => v.iter().sum::<f64>() / n,
            Aggregation::Var | Aggregation::Std => {
                let mean = v.iter().sum::<f64>() / n;
                let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
                if self == Aggregation::Var { var } else { var.sqrt() }
            }
            Aggregation::Min => v
                .iter()
                .copied()
                .fold(f64::INFINITY, |a, x| if x < a || x.is_nan() { x } else { a }),
            Aggregation::Max => v
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, |a, x| if x > a || x.is_nan() { x } else { a }),
            Aggregation::First => v[0],
            Aggregation::Last => v[v.len() - 1],
            Aggregation::Len => n,
            Aggregation::Median => {
                if v.iter().any(|x| x.is_nan()) {
                    return f64::NAN;
                }
                v.sort_by(f64::total_cmp);
                let m = v.len() / 2;
                if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
            }
            Aggregation::NanSum => kept().sum(),
            Aggregation::NanMean => {
                let (s, c) = kept().fold((0.0, 0.0), |(s, c), x| (s + x, c + 1.0));
                if c == 0.0 { f64::NAN } else { s / c }
            }
            Aggregation::NanMin => kept().reduce(f64::min).unwrap_or(f64::NAN),
            Aggregation::NanMax => kept().reduce(f64::max).unwrap_or(f64::NAN),
        }
    }
}

/// Rows per band.
const BAND: u64 = 256;

impl LoomFile {
    /// Aggregate the columns of `layer` by group: `groups[j]` is the group (`0..k`) of
    /// column `j`; the result has one row per row of the file and one column per group.
    /// Every group in `0..k` must have a column.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// use loomfile::Aggregation;
    /// let f = LoomFile::open(&path)?;
    /// // Columns x, y, z in groups 0, 1, 0.
    /// let sums = f.aggregate("", &[0, 1, 0], Aggregation::Sum)?;
    /// assert_eq!(sums.dim(), (4, 2));
    /// assert_eq!(sums.row(1).to_vec(), [3.0 + 5.0, 4.0]);
    /// assert!(f.aggregate("", &[0, 2, 0], Aggregation::Sum).is_err()); // group 1 has no column
    /// // A label of 2^32 - 1 is refused before room is taken for that many groups.
    /// let err = f.aggregate("", &[0, u32::MAX, 0], Aggregation::Sum).unwrap_err();
    /// assert!(err.to_string().contains("group 1 has no column"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn aggregate(&self, layer: &str, groups: &[u32], how: Aggregation) -> Result<Array2<f64>> {
        let (n, m) = self.shape();
        let path = crate::layers::layer_path(layer);
        self.check_area(&path, "an aggregation of", n, m)?;
        if groups.len() as u64 != m {
            return Err(Error::Shape {
                what: "aggregate groups".into(),
                expected: vec![m],
                got: vec![groups.len() as u64],
            });
        }
        let k = groups.iter().map(|&g| g as usize + 1).max().unwrap_or(0);
        if k > groups.len() {
            // More labels than columns: some group at or below m is empty; find the first
            // before room is taken for k groups.
            let mut seen = vec![false; groups.len() + 1]; // alloc: m + 1, the caller's labels
            for &g in groups {
                if let Some(s) = seen.get_mut(g as usize) {
                    *s = true;
                }
            }
            let g = seen.iter().position(|&s| !s).unwrap_or(groups.len());
            return Err(Error::invalid(format!("aggregate: group {g} has no column")));
        }
        // Columns of each group, in file order.
        // alloc: k <= groups.len() == m, the caller's labels (checked above)
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (j, &g) in groups.iter().enumerate() {
            members[g as usize].push(j);
        }
        if let Some(g) = members.iter().position(|c| c.is_empty()) {
            return Err(Error::invalid(format!("aggregate: group {g} has no column")));
        }
        let bytes = n.saturating_mul(k as u64).saturating_mul(8);
        self.reader.source().limits.check_bytes(&path, "aggregate result bytes", bytes)?;
        let mut out = Array2::<f64>::zeros((n as usize, k));
        let mut start = 0u64;
        while start < n {
            let end = (start + BAND).min(n);
            let band = self.read_layer::<f64>(layer, &Sel::Range(start, end), &Sel::All)?;
            let rows: Vec<usize> = (0..(end - start) as usize).collect();
            let reduced = crate::parallel::map_init(&rows, Vec::new, |buf: &mut Vec<f64>, &i| {
                let row = band.row(i);
                members
                    .iter()
                    .map(|cols| {
                        buf.clear();
                        buf.extend(cols.iter().map(|&j| row[j]));
                        how.reduce(buf)
                    })
                    .collect::<Vec<f64>>()
            });
            for (i, r) in reduced.into_iter().enumerate() {
                for (g, x) in r.into_iter().enumerate() {
                    out[[start as usize + i, g]] = x;
                }
            }
            start = end;
        }
        Ok(out)
    }
}
