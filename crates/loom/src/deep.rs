//! The deep check behind `loom validate --deep`: decode every stored chunk of every dataset
//! (layers, attributes, graphs, anything else in the file), which verifies the fletcher32
//! checksum where the pipeline has one, and read every contiguous or compact dataset in full,
//! reporting each damaged chunk with its dataset and chunk coordinates. It tells a truncated
//! or corrupt file from a good one before a long analysis. Work stays within the file's
//! budgets: one chunk buffer per task, sized from the chunk geometry after it is checked;
//! with the `parallel` feature the chunks of each dataset are decoded on the threads of the
//! caller's rayon pool, with at most 512 MiB of chunk buffers at once.
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
//! use loomfile::deep::deep_check_path;
//! let report = deep_check_path(&path)?;
//! assert!(report.damaged.is_empty());
//! // Cut off the last bytes, as an interrupted copy would:
//! let bytes = std::fs::read(&path)?;
//! std::fs::write(&path, &bytes[..bytes.len() - 10])?;
//! let report = deep_check_path(&path)?;
//! assert_eq!(report.damaged[0].dataset, "/"); // the file as a whole
//! assert!(report.damaged[0].error.contains("truncated file"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use loomfile_hdf5::filters::ChunkDecoder;
use loomfile_hdf5::{self as hdf5, Dataset};
use loomfile_hdf5::{NodeKind, WalkOptions, walk};

/// One damaged chunk (or dataset, for unchunked data and unreadable chunk indexes).
///
/// # Examples
///
/// ```
/// use loomfile::deep::Damage;
/// let d = Damage {
///     dataset: "/matrix".into(),
///     chunk: Some(vec![0, 1]),
///     error: "inflate failed".into(),
/// };
/// assert_eq!(d.to_string(), "/matrix: chunk [0, 1] is damaged: inflate failed");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// The dataset's path.
    pub dataset: String,
    /// Chunk coordinates (offset divided by the chunk shape); `None` for the whole dataset.
    pub chunk: Option<Vec<u64>>,
    /// What failed.
    pub error: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.chunk {
            Some(c) => write!(f, "{}: chunk {c:?} is damaged: {}", self.dataset, self.error),
            None => write!(f, "{}: {}", self.dataset, self.error),
        }
    }
}

/// `msg` without a leading `path: ` (the damage entry names the dataset already).
fn without_prefix(msg: String, path: &str) -> String {
    match msg.strip_prefix(path).and_then(|m| m.strip_prefix(": ")) {
        Some(rest) => rest.to_string(),
        None => msg,
    }
}

/// What the deep check saw.
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
/// let f = LoomFile::open(&path)?;
/// let report = loomfile::deep::deep_check(f.hdf5())?;
/// // The matrix, the two attributes and the globals, every chunk decoded.
/// assert!(report.datasets >= 3 && report.chunks >= 1);
/// assert!(report.damaged.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct DeepReport {
    /// Datasets visited.
    pub datasets: usize,
    /// Stored chunks decoded (damaged ones included).
    pub chunks: u64,
    /// Damaged chunks and datasets, in path order.
    pub damaged: Vec<Damage>,
}

/// Decode every chunk of every dataset of `f`.
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
/// use loomfile::deep::deep_check;
/// let f = LoomFile::open(&path)?;
/// let report = deep_check(f.hdf5())?;
/// assert_eq!(report.damaged, []);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn deep_check(f: &hdf5::File) -> hdf5::Result<DeepReport> {
    let opts = WalkOptions { data: false, attrs: false, ..WalkOptions::default() };
    let mut report = DeepReport::default();
    for node in walk(f, "/", opts)? {
        if let NodeKind::Dataset { dataset, .. } = node.kind {
            report.datasets += 1;
            check_dataset(&node.path, &dataset, &mut report);
        }
    }
    Ok(report)
}

fn check_dataset(path: &str, d: &Dataset, report: &mut DeepReport) {
    let whole = |error: String| Damage { dataset: path.to_string(), chunk: None, error };
    let Some(chunk_shape) = d.chunk_shape().map(<[u64]>::to_vec) else {
        // Contiguous or compact: the bytes must be there (within the read budget).
        if d.shape().is_some()
            && let Err(e) = d.read_raw_all()
        {
            report.damaged.push(whole(without_prefix(e.to_string(), path)));
        }
        return;
    };
    let map = match d.chunks() {
        Ok(m) => m,
        Err(e) => return report.damaged.push(whole(format!("chunk index: {e}"))),
    };
    let entries = match map.entries() {
        Ok(e) => e,
        Err(e) => return report.damaged.push(whole(format!("chunk index: {e}"))),
    };
    if entries.is_empty() {
        return;
    }
    let limits = d.file().source().limits;
    let Some(bytes) = d.geometry().map(|g| g.chunk_bytes) else { return };
    let size = match usize::try_from(bytes) {
        Ok(n) if bytes <= limits.max_chunk_bytes => n,
        _ => {
            return report
                .damaged
                .push(whole(format!("chunks of {bytes} bytes are over the limit")));
        }
    };
    // One chunk buffer (and one stored-chunk buffer) per task, as many tasks as threads but
    // no more than fit in DEEP_MEMORY: memory is bounded whatever the machine's thread count.
    #[cfg(feature = "parallel")]
    let (decoded, damaged) = {
        use rayon::prelude::*;
        let tasks = rayon::current_num_threads().clamp(1, (DEEP_MEMORY / size.max(1)).max(1));
        let per_task = entries.len().div_ceil(tasks).max(1);
        let parts: Vec<(u64, Vec<Damage>)> = entries
            .par_chunks(per_task)
            .map(|entries| decode_chunks(path, d, &chunk_shape, entries, size))
            .collect();
        let decoded = parts.iter().map(|p| p.0).sum::<u64>();
        let mut damaged: Vec<Damage> = parts.into_iter().flat_map(|p| p.1).collect();
        // A buffer refused to several tasks is one entry for the dataset.
        damaged.dedup();
        (decoded, damaged)
    };
    #[cfg(not(feature = "parallel"))]
    let (decoded, damaged) = decode_chunks(path, d, &chunk_shape, entries, size);
    report.chunks += decoded;
    report.damaged.extend(damaged);
}

/// Most bytes of chunk buffers the parallel deep check holds at once (one task still runs
/// when a single chunk is larger).
#[cfg(feature = "parallel")]
const DEEP_MEMORY: usize = 512 << 20;

/// Decode `entries` of `d` one by one into one buffer of `size` bytes: the number decoded
/// (damaged ones included) and the damaged ones, in order; one entry for the dataset when
/// there is no memory for the buffer.
fn decode_chunks(
    path: &str,
    d: &Dataset,
    chunk_shape: &[u64],
    entries: &[hdf5::ChunkEntry],
    size: usize,
) -> (u64, Vec<Damage>) {
    let mut out = Vec::new();
    if out.try_reserve_exact(size).is_err() {
        let error = format!("no memory for a chunk of {size} bytes");
        return (0, vec![Damage { dataset: path.to_string(), chunk: None, error }]);
    }
    out.resize(size, 0);
    let (mut decoder, mut raw, mut damaged) = (ChunkDecoder::new(), Vec::new(), Vec::new());
    for e in entries {
        if let Err(err) = d.decode_chunk(e, &mut decoder, &mut raw, &mut out) {
            let coords = e.offset.iter().zip(chunk_shape).map(|(&o, &c)| o / c.max(1)).collect();
            damaged.push(Damage {
                dataset: path.to_string(),
                chunk: Some(coords),
                error: without_prefix(err.to_string(), path),
            });
        }
    }
    (entries.len() as u64, damaged)
}

/// A file cut short reads as if it had its claimed length: every read past the real end fails,
/// so the chunks that were lost are reported one by one instead of the open failing.
#[cfg(feature = "fs")]
struct CutShort(hdf5::storage::FileStorage);

#[cfg(feature = "fs")]
impl hdf5::storage::ReadAt for CutShort {
    fn len(&self) -> std::io::Result<u64> {
        // Past any end-of-file address a superblock can claim for a real file; reads beyond
        // the stored bytes fail in `read_exact_at`.
        Ok(self.0.len()?.max(1 << 56))
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.0.read_exact_at(offset, buf)
    }
}

/// [`deep_check`] of the file at `path`. A truncated file (its superblock claims more bytes
/// than are stored) is one damage entry for the file, then checked chunk by chunk as far as
/// its metadata is still there; when the cut took the root's metadata, a second entry for
/// `/` says so. Only a file that cannot be opened at all is an error.
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
/// use loomfile::deep::deep_check_path;
/// let report = deep_check_path(&path)?;
/// assert!(report.damaged.is_empty(), "{:?}", report.damaged);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "fs")]
pub fn deep_check_path(path: impl AsRef<std::path::Path>) -> hdf5::Result<DeepReport> {
    let path = path.as_ref();
    match hdf5::File::open(path) {
        Ok(f) => deep_check(&f),
        Err(e) if e.to_string().contains("truncated file") => {
            let file = std::fs::File::open(path).map_err(hdf5::Error::io)?;
            let storage = std::sync::Arc::new(CutShort(hdf5::storage::FileStorage::new(file)));
            let first = Damage { dataset: "/".into(), chunk: None, error: e.to_string() };
            let checked = hdf5::File::from_storage(storage, hdf5::Limits::default())
                .and_then(|f| deep_check(&f));
            Ok(match checked {
                Ok(mut report) => {
                    report.damaged.insert(0, first);
                    report
                }
                // The cut took the root's own metadata: nothing below it can be reached.
                Err(lost) => DeepReport {
                    damaged: vec![
                        first,
                        Damage {
                            dataset: "/".into(),
                            chunk: None,
                            error: format!("the file's metadata is past the cut: {lost}"),
                        },
                    ],
                    ..DeepReport::default()
                },
            })
        }
        Err(e) => Err(e),
    }
}

#[cfg(all(test, feature = "fs"))]
mod tests {
    use super::*;
    use crate::{Contents, LayerData, LoomFile, Values};

    /// Every cut of a file gives a report that starts with the truncation, never an error:
    /// the writer puts metadata last, so most cuts take the root's metadata too.
    #[test]
    fn a_file_cut_anywhere_is_reported_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("whole.loom");
        let m = ndarray::Array2::from_shape_fn((300, 200), |(i, j)| ((i * 7 + j) % 13) as f32);
        let genes: Vec<String> = (0..300).map(|i| format!("g{i}")).collect();
        let cells: Vec<String> = (0..200).map(|j| format!("c{j}")).collect();
        let contents = Contents {
            row_attrs: vec![("Gene", Values::from(genes))],
            col_attrs: vec![("CellID", Values::from(cells))],
            file_attrs: vec![],
        };
        LoomFile::create(&path, LayerData::Dense(m.view()), &contents).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let whole = deep_check_path(&path).unwrap();
        assert!(whole.damaged.is_empty(), "{:?}", whole.damaged);
        let cut_path = dir.path().join("cut.loom");
        let mut root_lost = 0;
        for cut in [10, 100, 500, 2_000, bytes.len() / 2, bytes.len() - 1_000] {
            std::fs::write(&cut_path, &bytes[..bytes.len() - cut]).unwrap();
            let report = deep_check_path(&cut_path).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
            let first = report.damaged.first().expect("a damage entry");
            assert!(first.error.contains("truncated file"), "cut {cut}: {first}");
            if report.damaged.iter().any(|d| d.error.contains("metadata is past the cut")) {
                root_lost += 1;
            }
        }
        assert!(root_lost > 0, "no cut reached the root's metadata: the test lost its point");
    }
}
