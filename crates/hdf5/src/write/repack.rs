//! Repack: copy every object of a readable file into a writer, in the earliest format —
//! same tree, attributes, types, shapes, chunking and data; dead space dropped. Stored chunks
//! are copied byte for byte when the filter pipeline is kept, re-encoded otherwise.

use super::Writer;
use super::attr::{AttrValue, Data};
use super::dataset::{DatasetSpec, LayoutSpec};
use crate::model::walk::{NodeKind, WalkOptions, walk};
use crate::raw::messages::datatype::Datatype;
use crate::raw::messages::filter_pipeline::{Filter, id};
use crate::raw::messages::layout::Layout;
use crate::{Attribute, Dataset, Error, File, Result, ResultExt};
use std::collections::HashMap;

/// Options for [`repack`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RepackOptions {
    /// Recompress every chunked dataset with deflate at this level.
    pub gzip: Option<u32>,
}

/// What [`repack`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepackReport {
    /// Groups written.
    pub groups: usize,
    /// Datasets written.
    pub datasets: usize,
    /// Chunks copied without decoding.
    pub chunks_copied: usize,
    /// Chunks decoded and re-encoded.
    pub chunks_recoded: usize,
    /// Notes on conversions (e.g. lzf replaced by deflate).
    pub notes: Vec<String>,
}

fn attr_value(a: &Attribute, path: &str) -> Result<AttrValue> {
    let space = a.space().clone();
    let data = match a.dtype() {
        Datatype::VarString { .. } => Data::Strings(a.read_strings()?),
        t if t.has_vlen() => {
            return Err(Error::unsupported(
                "attributes of variable-length types other than strings",
            )
            .at(&format!("{path}@{}", a.name())));
        }
        Datatype::Reference { .. } => {
            return Err(
                Error::unsupported("reference attributes").at(&format!("{path}@{}", a.name()))
            );
        }
        _ => Data::Raw(a.raw().to_vec()),
    };
    Ok(AttrValue { dtype: a.dtype().clone(), space, data })
}

fn copy_attrs(w: &mut Writer, path: &str, attrs: &[Attribute]) -> Result<()> {
    for a in attrs {
        w.set_attr(path, a.name(), attr_value(a, path)?)?;
    }
    Ok(())
}

/// Copy everything reachable in `src` into `w` (a writer on an empty file).
pub fn repack(src: &File, w: &mut Writer, opts: RepackOptions) -> Result<RepackReport> {
    let nodes = walk(src, "/", WalkOptions { data: false, ..WalkOptions::default() })?;
    let mut report = RepackReport::default();
    let mut first_path: HashMap<u64, String> = HashMap::new();
    for node in &nodes {
        let p = node.path.as_str();
        match &node.kind {
            NodeKind::Group { attrs } => {
                let addr = src.object(p)?.address();
                if p != "/" {
                    if let Some(first) = first_path.get(&addr) {
                        w.link_hard(p, first)?;
                        continue;
                    }
                    w.create_group(p)?;
                }
                first_path.insert(addr, p.to_string());
                copy_attrs(w, p, attrs)?;
                report.groups += 1;
            }
            NodeKind::Dataset { dataset, attrs, .. } => {
                if let Some(first) = first_path.get(&dataset.address()) {
                    w.link_hard(p, first)?;
                    continue;
                }
                first_path.insert(dataset.address(), p.to_string());
                copy_dataset(w, dataset, opts, &mut report).at(p)?;
                copy_attrs(w, p, attrs)?;
                report.datasets += 1;
            }
            NodeKind::SoftLink(t) => w.link_soft(p, t)?,
            NodeKind::External { file, path } => w.link_external(p, file, path)?,
            NodeKind::Cycle(target) => w.link_hard(p, target)?,
            NodeKind::Datatype(_) => {
                return Err(Error::unsupported("committed datatypes").at(p));
            }
        }
    }
    Ok(report)
}

fn copy_dataset(
    w: &mut Writer,
    ds: &Dataset,
    opts: RepackOptions,
    report: &mut RepackReport,
) -> Result<()> {
    let p = ds.path().to_string();
    let Some(shape) = ds.shape() else {
        return w.create_dataset(&p, DatasetSpec::null(ds.dtype().clone()));
    };
    if matches!(ds.dtype(), Datatype::Reference { .. }) {
        return Err(Error::unsupported("reference datasets"));
    }
    let strings = matches!(ds.dtype(), Datatype::VarString { .. });
    if ds.dtype().has_vlen() && !strings {
        return Err(Error::unsupported("variable-length types other than strings"));
    }
    let max: Vec<Option<u64>> = ds.max_shape();
    let (layout, unfiltered_edges) = match ds.layout() {
        Layout::Compact { .. } => (LayoutSpec::Compact, false),
        Layout::Contiguous { .. } => (LayoutSpec::Contiguous, false),
        Layout::Chunked { chunk, unfiltered_edges, .. } => {
            (LayoutSpec::Chunked(chunk.clone()), *unfiltered_edges)
        }
        Layout::Virtual => return Err(Error::unsupported("virtual datasets")),
    };
    let mut filters: Vec<Filter> = Vec::new();
    let mut same_pipeline = true;
    for f in &ds.pipeline().filters {
        match f.id {
            id::DEFLATE | id::SHUFFLE | id::FLETCHER32 => filters.push(f.clone()),
            id::LZF => {
                same_pipeline = false;
                report
                    .notes
                    .push(format!("{p}: lzf (not writable here) replaced by deflate level 4"));
                filters.push(Filter { id: id::DEFLATE, name: None, flags: 1, params: vec![4] });
            }
            other => return Err(Error::unsupported(format!("filter {other} ({})", f.label()))),
        }
    }
    if let (Some(level), LayoutSpec::Chunked(_)) = (opts.gzip, &layout) {
        let keep_shuffle = filters.iter().find(|f| f.id == id::SHUFFLE).cloned();
        let keep_fletcher = filters.iter().find(|f| f.id == id::FLETCHER32).cloned();
        let old_level =
            filters.iter().find(|f| f.id == id::DEFLATE).and_then(|f| f.params.first().copied());
        if old_level != Some(level) {
            same_pipeline = false;
        }
        filters = keep_shuffle.into_iter().collect();
        filters.push(Filter { id: id::DEFLATE, name: None, flags: 1, params: vec![level] });
        filters.extend(keep_fletcher);
    }
    let fill = ds
        .fill_value()
        .and_then(|f| f.value.clone())
        .filter(|v| v.len() as u64 == ds.dtype().size());
    let spec = DatasetSpec {
        dtype: ds.dtype().clone(),
        shape: shape.clone(),
        max_shape: if max.is_empty() { None } else { Some(max) },
        layout: layout.clone(),
        filters,
        fill: if strings { None } else { fill },
        null_space: false,
    };
    w.create_dataset(&p, spec)?;
    match layout {
        LayoutSpec::Chunked(chunk) if !strings => {
            let map = ds.chunks()?;
            let src = ds.file().source();
            let copy_raw = same_pipeline && !unfiltered_edges;
            let geo = ds
                .geometry()
                .ok_or_else(|| Error::malformed("layout", ds.address(), "chunk size overflows"))?;
            let mut decoder = crate::filters::ChunkDecoder::new();
            let mut raw = Vec::new();
            // alloc: chunk size, under max_chunk_bytes (check_readable in ds.chunks() above)
            let mut decoded = vec![0u8; geo.chunk_bytes as usize];
            for e in map.entries()? {
                if copy_raw {
                    // The stored size is the file's claim: in the file before room is taken.
                    src.check_range(e.address, e.size, "chunk").at(ds.path())?;
                    raw.clear();
                    raw.resize(e.size as usize, 0);
                    src.read_into(e.address, &mut raw, "chunk")?;
                    w.write_encoded_chunk(&p, &e.offset, &raw, e.filter_mask)?;
                    report.chunks_copied += 1;
                } else {
                    ds.decode_chunk(e, &mut decoder, &mut raw, &mut decoded)?;
                    // Write the valid part of the chunk through the selection writer.
                    let sel: Vec<crate::Selection> = e
                        .offset
                        .iter()
                        .zip(&chunk)
                        .zip(&shape)
                        .map(|((o, c), d)| crate::Selection::Range(*o, (o + c).min(*d)))
                        .collect();
                    let part =
                        clip_chunk(&decoded, &chunk, &e.offset, &shape, ds.dtype().size() as usize);
                    w.write_raw(&p, &sel, &part)?;
                    report.chunks_recoded += 1;
                }
            }
        }
        _ => {
            if shape.iter().product::<u64>() > 0 || shape.is_empty() {
                if strings {
                    let v = ds.read_strings()?;
                    w.write_strings(&p, &[], &v)?;
                } else if !matches!(ds.layout(), Layout::Contiguous { address: None, .. }) {
                    let raw = ds.read_raw_all()?;
                    w.write_raw(&p, &[], &raw)?;
                }
            }
        }
    }
    Ok(())
}

/// The part of a decoded chunk inside the dataset, row-major.
fn clip_chunk(buf: &[u8], chunk: &[u64], offset: &[u64], dims: &[u64], es: usize) -> Vec<u8> {
    let rank = chunk.len();
    let count: Vec<u64> =
        (0..rank).map(|d| (offset[d] + chunk[d]).min(dims[d]) - offset[d]).collect();
    if count == chunk {
        return buf.to_vec();
    }
    // alloc: rank <= MAX_RANK (32)
    let mut strides = vec![1u64; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * chunk[d + 1];
    }
    let total: u64 = count.iter().product();
    // alloc: rank <= MAX_RANK (32)
    let mut out = Vec::with_capacity(total as usize * es);
    if total == 0 {
        return out;
    }
    let run = count[rank - 1] as usize * es;
    // alloc: total <= one chunk, under max_chunk_bytes
    let mut pos = vec![0u64; rank];
    loop {
        let at = (0..rank).map(|d| pos[d] * strides[d]).sum::<u64>() as usize * es;
        out.extend_from_slice(&buf[at..at + run]);
        let mut d = rank - 1;
        loop {
            if d == 0 {
                return out;
            }
            d -= 1;
            pos[d] += 1;
            if pos[d] < count[d] {
                break;
            }
            pos[d] = 0;
        }
    }
}
