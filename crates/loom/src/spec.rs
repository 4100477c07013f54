//! What the Loom specification fixes: paths, spec versions, and the storage layout loompy
//! 3.0.8 writes (64x64 gzip-2 layers, h5py-guessed attribute chunks, `/attrs` globals).
//!
//! # Examples
//!
//! ```
//! use loomfile::spec::{SPEC_VERSION, SpecVersion, layer_chunks};
//! let written = SpecVersion { text: Some(SPEC_VERSION.to_string()) };
//! assert_eq!(written.number(), 300);
//! assert_eq!(layer_chunks(20_000, 5_000), [64, 64]); // loompy's layer chunks
//! ```

/// The spec version this crate writes.
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
/// assert_eq!(loomfile::spec::SPEC_VERSION, "3.0.0");
/// assert_eq!(
///     LoomFile::open(&path)?.global("LOOM_SPEC_VERSION")?.as_string(),
///     Some("3.0.0")
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const SPEC_VERSION: &str = "3.0.0";

/// A parsed spec version, compared like loompy does (digits joined: "3.0.0" -> 300).
///
/// # Examples
///
/// ```
/// use loomfile::SpecVersion;
/// let old = SpecVersion { text: Some("2.0.1".into()) };
/// assert_eq!((old.number(), old.is_v3()), (201, false));
/// assert_eq!(SpecVersion { text: None }.number(), 0); // undeclared: legacy
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecVersion {
    /// The text as stored (`None` when the file declares none).
    pub text: Option<String>,
}

impl SpecVersion {
    /// loompy's numeric form ("2.0.1" -> 201; missing -> 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::SpecVersion;
    /// assert_eq!(SpecVersion { text: Some("3.0.0".into()) }.number(), 300);
    /// assert_eq!(SpecVersion { text: Some("2.0.1".into()) }.number(), 201);
    /// ```
    pub fn number(&self) -> u64 {
        self.text
            .as_deref()
            .map(|t| t.chars().filter(|c| c.is_ascii_digit()).collect::<String>())
            .and_then(|d| d.parse().ok())
            .unwrap_or(0)
    }

    /// True for spec 3 and later: UTF-8 strings, globals under `/attrs`.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::SpecVersion;
    /// assert!(SpecVersion { text: Some("3.0.0".into()) }.is_v3());
    /// assert!(!SpecVersion { text: Some("2.0.1".into()) }.is_v3());
    /// ```
    pub fn is_v3(&self) -> bool {
        self.number() >= 300
    }
}

/// h5py's chunk guess (`h5py._hl.filters.guess_chunk`), which loompy relies on for
/// attributes: halve axes round-robin until the chunk is below (or within 50% of) a target
/// of 16 KiB x 2^log10(total MiB), clamped to [8 KiB, 1 MiB].
///
/// # Examples
///
/// ```
/// use loomfile::spec::guess_chunk;
/// assert_eq!(guess_chunk(&[100_000], 4), [3125]); // what h5py picks for 100k float32
/// assert_eq!(guess_chunk(&[100_000, 50], 4), [3125, 4]);
/// ```
pub fn guess_chunk(shape: &[u64], typesize: u64) -> Vec<u64> {
    const BASE: f64 = 16.0 * 1024.0;
    const MIN: f64 = 8.0 * 1024.0;
    const MAX: f64 = 1024.0 * 1024.0;
    let mut chunks: Vec<f64> =
        shape.iter().map(|&x| if x == 0 { 1024.0 } else { x as f64 }).collect();
    if chunks.is_empty() {
        return Vec::new();
    }
    let ts = typesize as f64;
    let dset = chunks.iter().product::<f64>() * ts;
    let target = (BASE * 2f64.powf((dset / (1024.0 * 1024.0)).log10())).clamp(MIN, MAX);
    let n = chunks.len();
    let mut idx = 0;
    loop {
        let bytes = chunks.iter().product::<f64>() * ts;
        if (bytes < target || (bytes - target).abs() / target < 0.5) && bytes < MAX {
            break;
        }
        if chunks.iter().product::<f64>() == 1.0 {
            break;
        }
        chunks[idx % n] = (chunks[idx % n] / 2.0).ceil();
        idx += 1;
    }
    chunks.into_iter().map(|c| c as u64).collect()
}

/// Chunk shape of matrix layers: `(min(64, rows), min(64, cols))`, at least 1.
///
/// # Examples
///
/// ```
/// use loomfile::spec::layer_chunks;
/// assert_eq!(layer_chunks(30_000, 8_000), [64, 64]);
/// assert_eq!(layer_chunks(10, 0), [10, 1]);
/// ```
pub fn layer_chunks(rows: u64, cols: u64) -> [u64; 2] {
    [rows.clamp(1, 64), cols.clamp(1, 64)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_like_h5py() {
        // Values h5py 3.16 chose for loompy attributes (loom-spec.md section 2.1).
        assert_eq!(guess_chunk(&[33_694], 8), vec![1053]);
        assert_eq!(guess_chunk(&[100_000], 8), vec![1563]);
        assert_eq!(guess_chunk(&[100_000], 4), vec![3125]);
        assert_eq!(guess_chunk(&[100_000], 1), vec![6250]);
        assert_eq!(guess_chunk(&[100_000, 50], 4), vec![3125, 4]);
    }

    #[test]
    fn versions() {
        let v = |t: &str| SpecVersion { text: Some(t.into()) };
        assert!(v("3.0.0").is_v3());
        assert!(!v("2.0.1").is_v3());
        assert_eq!(SpecVersion { text: None }.number(), 0);
    }
}
