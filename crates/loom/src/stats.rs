//! Per-row or per-column summary statistics of a layer (non-zero count, sum, mean,
//! population standard deviation, min, max), in f64: a view of the scan core's single
//! statistics engine ([`loomfile_scan::Matrix::stats`]: one parallel pass over the chunks,
//! per-tile moments merged with Chan's formula, so it agrees with numpy to ~1e-12 even for
//! large values close together).

use crate::error::Result;
use crate::file::{Axis, LoomFile};

/// Statistics along one axis; vectors have one entry per row (or column).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxisStats {
    /// Non-zero values.
    pub nnz: Vec<u64>,
    /// Sum.
    pub sum: Vec<f64>,
    /// Mean (NaN when the other axis is empty).
    pub mean: Vec<f64>,
    /// Population standard deviation (NaN when the other axis is empty).
    pub sd: Vec<f64>,
    /// Minimum (NaN when the other axis is empty).
    pub min: Vec<f64>,
    /// Maximum.
    pub max: Vec<f64>,
}

impl From<loomfile_scan::Stats> for AxisStats {
    fn from(s: loomfile_scan::Stats) -> AxisStats {
        AxisStats { mean: s.mean(), sd: s.sd(), nnz: s.nnz, sum: s.sum, min: s.min, max: s.max }
    }
}

impl LoomFile {
    /// Statistics of `layer` along `axis` (one entry per row for `Axis::Rows`), in one
    /// parallel pass over the layer's chunks in the caller's rayon pool.
    pub fn stats(&self, layer: &str, axis: Axis) -> Result<AxisStats> {
        let m = self.matrix(layer)?;
        let (rows, cols) = m.shape();
        self.check_area(&crate::layers::layer_path(layer), "statistics over", rows, cols)?;
        Ok(m.stats(axis.into())?.into())
    }
}
