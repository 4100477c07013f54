//! loompy's `permute`: reorder the rows or the columns of every layer, the attributes of that
//! axis and the graphs of that axis (vertices renumbered), in one atomic commit; `/tiles`
//! (loom-viewer's cache) is deleted.
//!
//! Memory is one band per layer: 64 rows x all columns for a column permutation, all rows x
//! 64 columns for a row permutation (each band is read from the committed file with an index
//! list, so every stored chunk is decoded once per band it feeds). Layers are rewritten in
//! place with their own chunking and filters. Attributes are rewritten in place too, byte
//! for byte (strings are moved verbatim: unlike loompy, nothing is re-encoded, so
//! non-ASCII text and spec-2 escapes survive); graph edge weights are untouched.
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
//! use loomfile::{Axis, Graph};
//! let mut f = LoomFile::open_rw(&path)?;
//! f.set_graph(Axis::Rows, "coexpr", &Graph { a: vec![0], b: vec![3], w: vec![1.0] })?;
//! f.permute(&[3, 2, 1, 0], Axis::Rows)?; // genes reversed
//! assert_eq!(f.attr(Axis::Rows, "Gene")?.as_strings().unwrap(), ["d", "c", "b", "a"]);
//! // The edge a -> d now reads 3 -> 0.
//! let g = f.graph(Axis::Rows, "coexpr")?;
//! assert_eq!((g.a, g.b), (vec![3], vec![0]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::region::{RowMap, Target, fill_is_zero, no_chunks, read_sel, read_tile, write_region};
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::layers::layer_path;
use crate::numeric::{Encoding, Scalar, decode, encode};
use crate::timestamp;
use loomfile_hdf5::Layout;
use loomfile_hdf5::filters::ChunkEncoder;
use loomfile_hdf5::{Datatype, Selection};

impl LoomFile {
    /// Permute rows or columns: afterwards, position `i` holds what was at `ordering[i]`
    /// (loompy's convention). `ordering` must be a permutation of `0..len(axis)`.
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
    /// use loomfile::{Axis, Sel};
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.permute(&[2, 0, 1], Axis::Cols)?; // position i now holds old column ordering[i]
    /// assert_eq!(f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(), ["z", "x", "y"]);
    /// assert_eq!(f.read_row::<f32>("", 0, &Sel::All)?.to_vec(), [2.0, 0.0, 1.0]);
    /// assert!(f.permute(&[0, 0, 1], Axis::Cols).is_err()); // not a permutation
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn permute(&mut self, ordering: &[u64], axis: Axis) -> Result<()> {
        self.writer()?;
        if !self.exists("/matrix") {
            return Err(Error::invalid("the file has no main matrix to permute"));
        }
        let n = self.len(axis);
        if ordering.len() as u64 != n {
            return Err(Error::invalid(format!(
                "the ordering has {} entries for an axis of length {n}",
                ordering.len()
            )));
        }
        // alloc: n == ordering.len(), the caller's ordering (checked above)
        let mut inv = vec![u64::MAX; n as usize];
        for (i, &o) in ordering.iter().enumerate() {
            if o >= n {
                return Err(Error::invalid(format!("ordering[{i}] = {o} is outside 0..{n}")));
            }
            if inv[o as usize] != u64::MAX {
                return Err(Error::invalid(format!(
                    "the ordering is not a permutation: {o} appears twice"
                )));
            }
            inv[o as usize] = i as u64;
        }
        let identity = ordering.iter().enumerate().all(|(i, &o)| i as u64 == o);
        if identity && !self.exists("/tiles") {
            return Ok(());
        }
        let ts = timestamp::now();
        self.atomically(|f| {
            if f.exists("/tiles") {
                f.writer()?.delete("/tiles")?;
            }
            if !identity {
                for name in f.layer_names() {
                    f.permute_layer(&name, ordering, axis)?;
                }
                for name in f.attr_names(axis) {
                    f.permute_attr(axis, &name, ordering, &ts)?;
                }
                for name in f.graph_names(axis) {
                    f.permute_graph(axis, &name, &inv, &ts)?;
                }
            }
            f.stamp("/", &ts)
        })
    }

    fn permute_layer(&mut self, name: &str, ordering: &[u64], axis: Axis) -> Result<()> {
        let ds = self.layer_dataset(name)?;
        if no_chunks(&ds)? {
            return Ok(()); // every element is the fill value
        }
        let path = layer_path(name);
        let (n, m) = match ds.shape().unwrap_or_default().as_slice() {
            [a, b] => (*a, *b),
            _ => return Err(Error::invalid(format!("layer {name:?} is not 2-D"))),
        };
        let enc = Encoding::of(ds.dtype())
            .ok_or_else(|| Error::invalid(format!("layer {name:?} is not numeric")))?;
        let in_place = matches!(ds.layout(), Layout::Chunked { .. })
            && ChunkEncoder::check(ds.pipeline()).is_ok();
        let src = self.matrix(name)?;
        let w = self.writer()?;
        let t = if in_place {
            let mut t = Target::of(w, &path, fill_is_zero(&ds))?;
            t.existing = ds
                .chunks()?
                .entries()?
                .iter()
                .filter(|e| e.offset.len() == 2)
                .map(|e| (e.offset[0], e.offset[1]))
                .collect();
            t
        } else {
            Target::create(w, &path, enc.t, n, m)?
        };
        match axis {
            Axis::Cols => {
                let cols = Selection::Index(ordering.to_vec());
                write_region(w, &t, (0, n), (0, m), (t.chunk.0, m), |r0, h, _c0, _wd, out| {
                    read_sel(&src, &Selection::Range(r0, r0 + h), &cols, t.enc, out)
                })
            }
            Axis::Rows => {
                let rows = RowMap::Order(ordering.to_vec());
                write_region(w, &t, (0, n), (0, m), (n, t.chunk.1), |r0, h, c0, wd, out| {
                    read_tile(&src, &rows, (r0, h), (c0, wd), t.enc, out)
                })
            }
        }
    }

    fn permute_attr(&mut self, axis: Axis, name: &str, ordering: &[u64], ts: &str) -> Result<()> {
        let path = format!("{}/{name}", axis.attrs_group());
        let ds = self.dataset(&path)?;
        let shape = ds.shape().unwrap_or_default();
        if shape.first().copied() != Some(ordering.len() as u64) {
            return Err(Error::invalid(format!(
                "{path} has shape {shape:?}, not {} along its first axis",
                ordering.len()
            )));
        }
        let per_row: usize = shape[1..].iter().product::<u64>() as usize;
        let w = self.writer.as_mut().ok_or_else(|| Error::invalid("read-only"))?;
        if ds.dtype().has_vlen() {
            if !matches!(ds.dtype(), Datatype::VarString { .. }) {
                return Err(Error::invalid(format!(
                    "{path}: permuting variable-length data other than strings is not supported"
                )));
            }
            let s = ds.read_strings()?;
            // alloc: s.len(), strings already read
            let mut out = Vec::with_capacity(s.len());
            for &o in ordering {
                let at = o as usize * per_row;
                out.extend_from_slice(&s[at..at + per_row]);
            }
            w.write_strings(&path, &[], &out)?;
        } else {
            let raw = ds.read_raw_all()?;
            let row = per_row * ds.dtype().size() as usize;
            // alloc: raw.len(), data already read (read_raw_all checks the budget)
            let mut out = Vec::with_capacity(raw.len());
            for &o in ordering {
                let at = o as usize * row;
                out.extend_from_slice(&raw[at..at + row]);
            }
            w.write_raw(&path, &[], &out)?;
        }
        self.stamp(&path, ts)?;
        self.stamp(axis.attrs_group(), ts)
    }

    fn permute_graph(&mut self, axis: Axis, name: &str, inv: &[u64], ts: &str) -> Result<()> {
        for group in [axis.graphs_group(), axis.legacy_graphs_group()] {
            let g = format!("{group}/{name}");
            if !self.exists(&g) {
                continue;
            }
            for col in ["a", "b"] {
                let path = format!("{g}/{col}");
                let ds = self.dataset(&path)?;
                let enc = Encoding::of(ds.dtype())
                    .ok_or_else(|| Error::invalid(format!("{path} is not numeric")))?;
                let raw = ds.read_raw_all()?;
                // alloc: raw.len(), data already read (read_raw_all checks the budget)
                let mut out = Vec::with_capacity(raw.len());
                for e in raw.chunks_exact(enc.size()) {
                    let v = match decode(enc, e) {
                        Scalar::I(i) if i >= 0 && (i as u128) < inv.len() as u128 => i as usize,
                        Scalar::F(x)
                            if x >= 0.0 && x.fract() == 0.0 && (x as usize) < inv.len() =>
                        {
                            x as usize
                        }
                        other => {
                            return Err(Error::invalid(format!(
                                "{path}: vertex {other} outside 0..{}",
                                inv.len()
                            )));
                        }
                    };
                    encode(enc, Scalar::I(inv[v] as i128), &mut out)
                        .map_err(|x| crate::numeric::not_exact(path.clone(), x, enc.t))?;
                }
                self.writer()?.write_raw(&path, &[], &out)?;
            }
            self.stamp(&g, ts)?;
            self.stamp(group, ts)?;
        }
        Ok(())
    }
}
