//! Per-row or per-column summary statistics of a layer in one pass over bands of rows:
//! non-zero count, sum, mean, population standard deviation (computed in f64 with two-pass
//! band moments merged by Chan's formula, so it agrees with numpy to ~1e-12), min and max.

use crate::error::Result;
use crate::file::{Axis, LoomFile};
use crate::layers::Sel;

/// Statistics along one axis; vectors have one entry per row (or column).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxisStats {
    /// Non-zero values.
    pub nnz: Vec<u64>,
    /// Sum.
    pub sum: Vec<f64>,
    /// Mean.
    pub mean: Vec<f64>,
    /// Population standard deviation.
    pub sd: Vec<f64>,
    /// Minimum (NaN when the other axis is empty).
    pub min: Vec<f64>,
    /// Maximum.
    pub max: Vec<f64>,
}

/// Running moments of one row or column.
#[derive(Clone, Copy, Debug)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn merge(&mut self, n: f64, mean: f64, m2: f64) {
        if n == 0.0 {
            return;
        }
        let total = self.n + n;
        let delta = mean - self.mean;
        self.mean += delta * n / total;
        self.m2 += m2 + delta * delta * self.n * n / total;
        self.n = total;
    }
}

/// Rows per band.
const BAND: u64 = 64;

impl LoomFile {
    /// Statistics of `layer` along `axis` (one entry per row for `Axis::Rows`).
    pub fn stats(&self, layer: &str, axis: Axis) -> Result<AxisStats> {
        let (n, m) = self.shape();
        let len = if axis == Axis::Rows { n } else { m };
        // Seven f64/u64 per item: the shape comes from the file, so budget it like a read.
        let limit = self.reader.source().limits.max_read_bytes;
        let bytes = len.saturating_mul(7 * 8);
        if bytes > limit {
            let e = loomfile_hdf5::Error::limit("statistics bytes", bytes, limit);
            return Err(e.at(&crate::layers::layer_path(layer)).into());
        }
        let len = len as usize;
        let mut st = AxisStats {
            nnz: vec![0; len],
            sum: vec![0.0; len],
            mean: vec![f64::NAN; len],
            sd: vec![f64::NAN; len],
            min: vec![f64::INFINITY; len],
            max: vec![f64::NEG_INFINITY; len],
        };
        let mut mom = vec![Moments { n: 0.0, mean: 0.0, m2: 0.0 }; len];
        // An empty axis leaves every item without values (no bands to read: a file may
        // claim 2^40 rows of zero columns).
        let mut start = if m == 0 { n } else { 0 };
        while start < n {
            let end = (start + BAND).min(n);
            let band = self.read_layer::<f64>(layer, &Sel::Range(start, end), &Sel::All)?;
            match axis {
                Axis::Rows => {
                    for (i, row) in band.outer_iter().enumerate() {
                        let r = start as usize + i;
                        let k = row.len() as f64;
                        let s: f64 = row.iter().sum();
                        let mean = s / k;
                        let m2: f64 = row.iter().map(|&x| (x - mean) * (x - mean)).sum();
                        mom[r].merge(k, mean, m2);
                        st.sum[r] = s;
                        for &x in row {
                            if x != 0.0 {
                                st.nnz[r] += 1;
                            }
                            st.min[r] = st.min[r].min(x);
                            st.max[r] = st.max[r].max(x);
                        }
                    }
                }
                Axis::Cols => {
                    let k = band.nrows() as f64;
                    for (j, col) in band.columns().into_iter().enumerate() {
                        let s: f64 = col.iter().sum();
                        let mean = s / k;
                        let m2: f64 = col.iter().map(|&x| (x - mean) * (x - mean)).sum();
                        mom[j].merge(k, mean, m2);
                        st.sum[j] += s;
                        for &x in col {
                            if x != 0.0 {
                                st.nnz[j] += 1;
                            }
                            st.min[j] = st.min[j].min(x);
                            st.max[j] = st.max[j].max(x);
                        }
                    }
                }
            }
            start = end;
        }
        for (i, mo) in mom.iter().enumerate() {
            if mo.n > 0.0 {
                st.mean[i] = mo.mean;
                st.sd[i] = (mo.m2 / mo.n).max(0.0).sqrt();
            } else {
                st.min[i] = f64::NAN;
                st.max[i] = f64::NAN;
            }
        }
        Ok(st)
    }
}
