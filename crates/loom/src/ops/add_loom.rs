//! loompy's `add_loom`: append the columns of other loom files, rows aligned by a key, in
//! column batches (memory: one batch of all rows), in one atomic commit. The other files are
//! only read. The same machinery builds [`combine`](super::combine::combine)'s output.
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
//! use loomfile::{AddLoomOptions, Axis};
//! let copy = dir.path().join("copy.loom");
//! std::fs::copy(&path, &copy)?;
//! let mut f = LoomFile::open_rw(&path)?;
//! f.add_loom(&LoomFile::open(&copy)?, &AddLoomOptions::default())?;
//! assert_eq!(f.shape(), (4, 6));
//! assert_eq!(f.attr(Axis::Cols, "CellID")?.len(), 6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::convert::{fill, repeat};
use super::region::{RowMap, Target, read_sel, read_tile, write_region};
use super::{FillValues, Side, align, is_bookkeeping_global, merge_attrs};
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::graphs::Graph;
use crate::layers::{Sel, layer_path};
use crate::timestamp;
use crate::values::{NumType, Values};
use loomfile_hdf5::Layout;
use std::collections::BTreeSet;

/// Options of [`LoomFile::add_loom`].
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
/// use loomfile::{AddLoomOptions, Axis, Sel};
/// let other = dir.path().join("other.loom");
/// std::fs::copy(&path, &other)?;
/// LoomFile::open_rw(&other)?.permute(&[3, 2, 1, 0], Axis::Rows)?; // genes reversed
/// let mut f = LoomFile::open_rw(&path)?;
/// // Rows are matched by gene, not by position.
/// let opts = AddLoomOptions { key: Some("Gene"), batch_size: 64, ..Default::default() };
/// f.add_loom(&LoomFile::open(&other)?, &opts)?;
/// assert_eq!(
///     f.read_row::<f32>("", 0, &Sel::All)?.to_vec(),
///     [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct AddLoomOptions<'a> {
    /// Row attribute whose values align the rows of the other file with this one (unique
    /// values, the same set in both files). `None`: the rows are in the same order.
    pub key: Option<&'a str>,
    /// Column attributes present on one side only (default: filled, never dropped).
    pub fill_values: FillValues,
    /// Columns read and written per batch (rounded up to whole chunks); memory is about
    /// rows x batch_size elements.
    pub batch_size: usize,
    /// Global attributes that differ between the files (or exist in one only) become
    /// column attributes of this file (and are removed from its globals).
    pub convert_attrs: bool,
    /// Column graphs present in both files are joined block-diagonally.
    pub include_graphs: bool,
}

impl Default for AddLoomOptions<'_> {
    fn default() -> Self {
        AddLoomOptions {
            key: None,
            fill_values: FillValues::Auto,
            batch_size: 512,
            convert_attrs: false,
            include_graphs: false,
        }
    }
}

/// Chained setters, for building options step by step (the fields are public as well).
impl<'a> AddLoomOptions<'a> {
    /// The defaults: rows in the same order, attributes filled, 512-column batches.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::AddLoomOptions;
    /// let opts = AddLoomOptions::new().key("Accession").batch_size(256).include_graphs(true);
    /// assert_eq!((opts.key, opts.batch_size, opts.include_graphs), (Some("Accession"), 256, true));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Align the other file's rows with this one by this row attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile::AddLoomOptions::new().key("Gene").key, Some("Gene"));
    /// ```
    pub fn key(mut self, name: &'a str) -> Self {
        self.key = Some(name);
        self
    }

    /// What to do with column attributes present on one side only.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{AddLoomOptions, FillValues};
    /// let opts = AddLoomOptions::new().fill_values(FillValues::Drop);
    /// assert!(matches!(opts.fill_values, FillValues::Drop));
    /// ```
    pub fn fill_values(mut self, fill: FillValues) -> Self {
        self.fill_values = fill;
        self
    }

    /// Columns read and written per batch.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile::AddLoomOptions::new().batch_size(64).batch_size, 64);
    /// ```
    pub fn batch_size(mut self, columns: usize) -> Self {
        self.batch_size = columns;
        self
    }

    /// Turn global attributes that differ between the files into column attributes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(loomfile::AddLoomOptions::new().convert_attrs(true).convert_attrs);
    /// ```
    pub fn convert_attrs(mut self, yes: bool) -> Self {
        self.convert_attrs = yes;
        self
    }

    /// Join the column graphs present in both files block-diagonally.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(loomfile::AddLoomOptions::new().include_graphs(true).include_graphs);
    /// ```
    pub fn include_graphs(mut self, yes: bool) -> Self {
        self.include_graphs = yes;
        self
    }
}

/// How to append a list of files.
pub(crate) struct Append<'a> {
    pub key: Option<&'a str>,
    pub fill_values: &'a FillValues,
    pub batch_size: usize,
    pub convert_attrs: bool,
    pub include_graphs: bool,
    /// Columns taken from each source (empty: all of every source; else one per source).
    pub selections: &'a [Sel],
    /// Column attributes of the sources not copied.
    pub skip_attrs: &'a [&'a str],
}

/// What an append did.
#[derive(Clone, Debug, Default)]
pub(crate) struct Appended {
    pub layers: Vec<String>,
    pub layers_dropped: Vec<String>,
    pub chunks_copied: u64,
    pub converted_globals: Vec<String>,
}

impl LoomFile {
    /// Append the columns of `other` (loompy's `add_loom`), in one atomic commit.
    ///
    /// `other` is only read (open it with [`LoomFile::open`]). Every layer of this file
    /// must exist in `other` (values are converted exactly to this file's layer types; layers
    /// only in `other` are not copied, as in loompy). Rows are aligned by `opts.key`; column
    /// attributes are merged as in [`LoomFile::add_columns`]. Appending to an empty file
    /// (from [`LoomFile::new`]) copies `other` whole: its layers, row attributes, graphs and
    /// global attributes.
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
    /// use loomfile::{AddLoomOptions, Axis};
    /// let other = dir.path().join("other.loom");
    /// std::fs::copy(&path, &other)?;
    /// LoomFile::open_rw(&other)?.set_global("title", &Values::from("second batch"))?;
    /// let mut f = LoomFile::open_rw(&path)?;
    /// // The titles differ: they become a column attribute telling each cell's origin.
    /// let opts = AddLoomOptions { convert_attrs: true, ..Default::default() };
    /// f.add_loom(&LoomFile::open(&other)?, &opts)?;
    /// let origin = f.attr(Axis::Cols, "title")?.as_strings().unwrap();
    /// assert_eq!(
    ///     origin,
    ///     ["demo", "demo", "demo", "second batch", "second batch", "second batch"]
    /// );
    /// assert!(!f.has_global("title"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_loom(&mut self, other: &LoomFile, opts: &AddLoomOptions<'_>) -> Result<()> {
        self.append_looms(
            &[other],
            &Append {
                key: opts.key,
                fill_values: &opts.fill_values,
                batch_size: opts.batch_size,
                convert_attrs: opts.convert_attrs,
                include_graphs: opts.include_graphs,
                selections: &[],
                skip_attrs: &[],
            },
        )
        .map(|_| ())
    }

    /// Append the columns of `sources`, in order. An empty `self` takes its rows, row
    /// attributes, row graphs, globals and layers (those present in every source, types
    /// promoted) from the sources, the first one giving the row order.
    pub(crate) fn append_looms(
        &mut self,
        sources: &[&LoomFile],
        opts: &Append<'_>,
    ) -> Result<Appended> {
        self.writer()?;
        let fresh = self.shape == (0, 0) || !self.exists("/matrix");
        let Some(&first) = sources.first() else {
            return Err(Error::invalid("no files to append"));
        };
        for (i, s) in sources.iter().enumerate() {
            if !s.exists("/matrix") {
                return Err(Error::invalid(format!("input {} has no main matrix", i + 1)));
            }
        }
        if !opts.selections.is_empty() && opts.selections.len() != sources.len() {
            return Err(Error::invalid(format!(
                "{} column selections for {} input files (one per file, or none)",
                opts.selections.len(),
                sources.len()
            )));
        }
        // The columns taken from each source: None for all of them, in order.
        let picks: Vec<Option<Vec<u64>>> = sources
            .iter()
            .enumerate()
            .map(|(i, s)| match opts.selections.get(i) {
                None | Some(Sel::All) => Ok(None),
                Some(sel) => sel
                    .indices_within(s.shape().1, &s.limits())
                    .map(Some)
                    .map_err(|e| Error::invalid(format!("selection of input {}: {e}", i + 1))),
            })
            .collect::<Result<_>>()?;
        let base: &LoomFile = if fresh { first } else { self };
        let n = base.shape().0;
        let rowmaps: Vec<RowMap> = sources
            .iter()
            .map(|s| {
                Ok(match align(base, s, Axis::Rows, opts.key)? {
                    Some(v) => RowMap::Order(v),
                    None => RowMap::Same,
                })
            })
            .collect::<Result<_>>()?;

        // Layers and their types.
        let mut report = Appended::default();
        let mut plan: Vec<(String, Option<NumType>)> = Vec::new();
        if fresh {
            for name in first.layer_names() {
                if !sources.iter().all(|s| s.layer_names().contains(&name)) {
                    continue;
                }
                let mut t = first.layer_dtype(&name)?;
                for s in &sources[1..] {
                    t = crate::numeric::promote(t, s.layer_dtype(&name)?);
                }
                plan.push((name, Some(t)));
            }
            let all: BTreeSet<String> = sources.iter().flat_map(|s| s.layer_names()).collect();
            report.layers_dropped =
                all.into_iter().filter(|l| !plan.iter().any(|(p, _)| p == l)).collect();
        } else {
            for name in self.layer_names() {
                for (i, s) in sources.iter().enumerate() {
                    if !s.layer_names().contains(&name) {
                        return Err(Error::invalid(format!(
                            "layer {name:?} is missing from {} (every layer of this file is needed)",
                            if sources.len() == 1 {
                                "the other file".to_string()
                            } else {
                                format!("input {}", i + 1)
                            }
                        )));
                    }
                }
                plan.push((name, None));
            }
        }
        report.layers = plan.iter().map(|(l, _)| l.clone()).collect();

        // Columns.
        let m_self = if fresh { 0 } else { self.shape.1 };
        let widths: Vec<u64> = sources
            .iter()
            .zip(&picks)
            .map(|(s, p)| p.as_ref().map_or(s.shape().1, |p| p.len() as u64))
            .collect();
        let total = m_self + widths.iter().sum::<u64>();

        // Global attributes turned into column attributes.
        let mut global_sides: Vec<Vec<(String, Values)>> = Vec::new();
        if !fresh {
            global_sides.push(globals_of(self)?);
        }
        for s in sources {
            global_sides.push(globals_of(s)?);
        }
        let mut converted: Vec<String> = Vec::new();
        if opts.convert_attrs {
            let names: BTreeSet<String> =
                global_sides.iter().flat_map(|g| g.iter().map(|(k, _)| k.clone())).collect();
            for name in names {
                let vals: Vec<Option<&Values>> = global_sides
                    .iter()
                    .map(|g| g.iter().find(|(k, _)| *k == name).map(|(_, v)| v))
                    .collect();
                let first_v = vals[0];
                if vals.iter().all(|v| v.is_some() && *v == first_v) {
                    continue;
                }
                converted.push(name);
            }
        }
        let mut side_list: Vec<Side> = Vec::new();
        let side_cols: Vec<u64> = if fresh {
            widths.clone()
        } else {
            std::iter::once(m_self).chain(widths.iter().copied()).collect()
        };
        let side_files: Vec<&LoomFile> = if fresh {
            sources.to_vec()
        } else {
            std::iter::once(&*self).chain(sources.iter().copied()).collect()
        };
        for (i, (f, &cols)) in side_files.iter().zip(&side_cols).enumerate() {
            let mut attrs = f.all_attrs(Axis::Cols)?;
            // The sides of the sources (after this file's own, when appending).
            if let Some(k) = i.checked_sub(usize::from(!fresh)) {
                attrs.retain(|(name, _)| !opts.skip_attrs.contains(&name.as_str()));
                if let Some(p) = &picks[k] {
                    let pos: Vec<usize> = p.iter().map(|&c| c as usize).collect();
                    for (_, v) in attrs.iter_mut() {
                        *v = v.select(&pos)?;
                    }
                }
            }
            for name in &converted {
                if attrs.iter().any(|(k, _)| k == name) {
                    continue;
                }
                let own = global_sides[i].iter().find(|(k, _)| k == name).map(|(_, v)| v);
                let v = match own {
                    Some(v) => repeat(v, cols as usize),
                    None => {
                        let t = global_sides
                            .iter()
                            .find_map(|g| g.iter().find(|(k, _)| k == name).map(|(_, v)| v))
                            .expect("a converted global exists somewhere");
                        let what = format!("global attribute {name:?}");
                        fill(&repeat(t, 0), cols as usize, None, &what)?
                    }
                };
                attrs.push((name.clone(), v));
            }
            side_list.push(Side { items: cols as usize, attrs });
        }
        let merged = merge_attrs(Axis::Cols, &side_list, opts.fill_values)?;
        report.converted_globals = converted.clone();

        // Graphs.
        let offsets: Vec<u64> = {
            // alloc: sources.len(), caller's list
            let mut o = Vec::with_capacity(sources.len());
            let mut at = m_self;
            for w in &widths {
                o.push(at);
                at += w;
            }
            o
        };
        let mut col_graphs: Vec<(String, Graph)> = Vec::new();
        let joined = |name: &str, start: Option<Graph>| -> Result<Graph> {
            let mut g = start.unwrap_or_default();
            for ((s, &off), p) in sources.iter().zip(&offsets).zip(&picks) {
                let h = picked_graph(s, name, p.as_deref())?;
                g.a.extend(h.a.iter().map(|&x| x + off));
                g.b.extend(h.b.iter().map(|&x| x + off));
                g.w.extend(h.w);
            }
            Ok(g)
        };
        let in_all =
            |name: &String| sources.iter().all(|s| s.graph_names(Axis::Cols).contains(name));
        if fresh {
            for name in first.graph_names(Axis::Cols) {
                let g = if opts.include_graphs && in_all(&name) {
                    joined(&name, None)?
                } else {
                    picked_graph(first, &name, picks[0].as_deref())?
                };
                col_graphs.push((name, g));
            }
        } else if opts.include_graphs {
            for name in self.graph_names(Axis::Cols) {
                if in_all(&name) {
                    let g = joined(&name, Some(self.graph(Axis::Cols, &name)?))?;
                    col_graphs.push((name, g));
                }
            }
        }

        let batch = opts.batch_size.max(1) as u64;
        let ts = timestamp::now();
        self.atomically(|f| {
            let mut order: Vec<&(String, Option<NumType>)> = plan.iter().collect();
            order.sort_by_key(|(l, _)| !l.is_empty());
            for (name, dtype) in order {
                let path = layer_path(name);
                let t = match dtype {
                    Some(dt) => Target::create(f.writer()?, &path, *dt, n, total)?,
                    None => f.grow_layer(name, total)?,
                };
                for (i, s) in sources.iter().enumerate() {
                    let src = s.layer_dataset(name)?;
                    let planned = s.matrix(name)?;
                    let off = offsets[i];
                    let w = f.writer()?;
                    if fresh
                        && i == 0
                        && picks[0].is_none()
                        && let Some(k) = copy_chunks(w, &t, &src, n, widths[0])?
                    {
                        report.chunks_copied += k;
                        continue;
                    }
                    let map = &rowmaps[i];
                    let (pick, src_m) = (&picks[i], s.shape().1);
                    write_region(
                        w,
                        &t,
                        (0, n),
                        (off, off + widths[i]),
                        (n, batch),
                        |r0, h, c0, wd, out| match pick {
                            None => read_tile(&planned, map, (r0, h), (c0 - off, wd), t.enc, out),
                            Some(p) => {
                                let at = (c0 - off) as usize;
                                let cols = crate::view::compact(&p[at..at + wd as usize], src_m);
                                read_sel(&planned, &map.select(r0, h), &cols, t.enc, out)
                            }
                        },
                    )?;
                }
                if !fresh {
                    f.stamp_layer(&path, &ts)?;
                }
            }
            f.shape = (n, total);
            if fresh {
                for (name, v) in first.all_attrs(Axis::Rows)? {
                    f.stage_attr(Axis::Rows, &name, &v)?;
                }
                for name in first.graph_names(Axis::Rows) {
                    f.stage_graph(Axis::Rows, &name, &first.graph(Axis::Rows, &name)?)?;
                }
                let have = f.global_names();
                for (name, v) in &global_sides[0] {
                    if !converted.contains(name) && !have.contains(name) {
                        f.stage_global(name, v)?;
                    }
                }
            } else {
                let have = f.global_names();
                for name in &converted {
                    if have.contains(name) {
                        f.stage_delete_global(name)?;
                    }
                }
            }
            f.stage_col_attrs(&merged)?;
            for (name, g) in &col_graphs {
                f.stage_graph(Axis::Cols, name, g)?;
            }
            f.stamp("/", &ts)?;
            Ok(())
        })?;
        Ok(report)
    }
}

/// The column graph `name` of `f`, cut to the columns `pick` (renumbered in pick order).
fn picked_graph(f: &LoomFile, name: &str, pick: Option<&[u64]>) -> Result<Graph> {
    let g = f.graph(Axis::Cols, name)?;
    Ok(match pick {
        Some(p) => crate::view::slice_graph(&g, p),
        None => g,
    })
}

/// A file's global attributes, without bookkeeping entries.
pub(crate) fn globals_of(f: &LoomFile) -> Result<Vec<(String, Values)>> {
    f.global_names()
        .into_iter()
        .filter(|n| !is_bookkeeping_global(n))
        .map(|n| Ok((n.clone(), f.global(&n)?)))
        .collect()
}

/// Copy the stored chunks of `src` (rows `0..n`, columns `0..m`) into the new dataset `t`
/// byte for byte when both store chunks the same way; `None` when they do not.
fn copy_chunks(
    w: &mut loomfile_hdf5::Writer,
    t: &Target,
    src: &loomfile_hdf5::Dataset,
    n: u64,
    m: u64,
) -> Result<Option<u64>> {
    let Layout::Chunked { chunk, unfiltered_edges: false, .. } = src.layout() else {
        return Ok(None);
    };
    let same_filters = |a: &[loomfile_hdf5::Filter], b: &[loomfile_hdf5::Filter]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.id == y.id && x.params == y.params)
    };
    if chunk.as_slice() != [t.chunk.0, t.chunk.1]
        || src.dtype() != &w.dtype(&t.path)?
        || !same_filters(&src.pipeline().filters, &t.pipeline.filters)
        || !super::region::fill_is_zero(src)
        || src.shape() != Some(vec![n, m])
    {
        return Ok(None);
    }
    let map = src.chunks()?;
    let source = src.file().source();
    let mut raw = Vec::new();
    let mut copied = 0;
    for e in map.entries()? {
        if e.offset.len() != 2 || e.offset[0] >= n || e.offset[1] >= m {
            continue;
        }
        // The stored size is the file's claim: in the file before room is taken.
        source.check_range(e.address, e.size, "chunk").map_err(|err| err.at(src.path()))?;
        raw.clear();
        raw.resize(e.size as usize, 0);
        source.read_into(e.address, &mut raw, "chunk")?;
        w.write_encoded_chunk(&t.path, &e.offset, &raw, e.filter_mask)?;
        copied += 1;
    }
    Ok(Some(copied))
}
