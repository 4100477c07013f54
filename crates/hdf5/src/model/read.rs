//! Selection reads: each axis takes all, a half-open range, or a list of indices (any order,
//! repeats allowed). Chunks are visited once each; unallocated chunks read as the fill value;
//! edge chunks are clipped. Contiguous data is read as virtual row chunks so a one-row read
//! touches one row.

use super::dataset::Dataset;
use crate::filters::ChunkDecoder;
use crate::raw::messages::layout::Layout;
use crate::{Error, Result};
use std::collections::BTreeMap;

/// What to take along one axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Every index.
    All,
    /// Indices `start..end`.
    Range(u64, u64),
    /// These indices, in this order (repeats allowed).
    Index(Vec<u64>),
}

impl Selection {
    /// The selected indices along an axis of length `dim`.
    ///
    /// A list longer than the process-wide work budget
    /// ([`crate::limits::set_default_max_elements`]) is an [`Error::Budget`], and one the
    /// allocator refuses an [`Error::Limit`]: an axis length read from a file never drives an
    /// unchecked allocation.
    pub fn indices(&self, dim: u64) -> Result<Vec<u64>> {
        self.indices_within(dim, &crate::Limits::default())
    }

    /// [`Selection::indices`] against a file's own `limits` (its work budget).
    pub fn indices_within(&self, dim: u64, limits: &crate::Limits) -> Result<Vec<u64>> {
        let span = |a: u64, b: u64| -> Result<Vec<u64>> {
            let n = b - a;
            limits.check_elements("", "a list of indices of", n)?;
            let mut v = Vec::new();
            usize::try_from(n).ok().and_then(|n| v.try_reserve_exact(n).ok()).ok_or_else(|| {
                Error::limit("index list bytes", n.saturating_mul(8), isize::MAX as u64)
            })?;
            v.extend(a..b);
            Ok(v)
        };
        match self {
            Selection::All => span(0, dim),
            Selection::Range(a, b) => {
                if a > b || *b > dim {
                    return Err(Error::invalid(format!("range {a}:{b} outside 0:{dim}")));
                }
                span(*a, *b)
            }
            Selection::Index(v) => {
                if let Some(&bad) = v.iter().find(|&&i| i >= dim) {
                    return Err(Error::invalid(format!(
                        "index {bad} out of range for axis of length {dim}"
                    )));
                }
                Ok(v.clone())
            }
        }
    }

    /// Number of indices selected along an axis of length `dim`.
    pub fn len(&self, dim: u64) -> u64 {
        match self {
            Selection::All => dim,
            Selection::Range(a, b) => b.saturating_sub(*a),
            Selection::Index(v) => v.len() as u64,
        }
    }

    /// True when nothing is selected along an axis of length `dim`.
    pub fn is_empty(&self, dim: u64) -> bool {
        self.len(dim) == 0
    }
}

/// Read a selection of `ds` into raw bytes (file byte order), returning the result shape.
pub fn read_selection(ds: &Dataset, sel: &[Selection]) -> Result<(Vec<u8>, Vec<u64>)> {
    let shape = ds.shape().ok_or_else(|| Error::invalid("a null dataspace holds no data"))?;
    let rank = shape.len();
    if !sel.is_empty() && sel.len() != rank {
        return Err(Error::invalid(format!(
            "selection of rank {} for a dataset of rank {rank}",
            sel.len()
        )));
    }
    let es = ds.dtype().size() as usize;
    if es == 0 {
        return Err(Error::malformed("datatype", 0, "element size 0"));
    }
    let limits = ds.file().source().limits;
    let all = Selection::All;
    let axis_sel = |d: usize| sel.get(d).unwrap_or(&all);
    // Sizes first: index lists are only built once the result is known to fit the budget.
    let out_shape: Vec<u64> = (0..rank).map(|d| axis_sel(d).len(shape[d])).collect();
    let count = out_shape
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .ok_or_else(|| Error::invalid("selection too large"))?;
    limits.check_elements(ds.path(), "a read of", count)?;
    let bytes =
        count.checked_mul(es as u64).filter(|&b| b <= limits.max_read_bytes).ok_or_else(|| {
            Error::limit("bytes to read", count.saturating_mul(es as u64), limits.max_read_bytes)
        })?;
    let axes: Vec<Vec<u64>> = if count == 0 {
        Vec::new()
    } else {
        (0..rank).map(|d| axis_sel(d).indices_within(shape[d], &limits)).collect::<Result<_>>()?
    };
    // Compact and contiguous data must be stored in full before the output (and the fill
    // element) is allocated: a hostile element size or shape must not make the reader
    // allocate more than the file holds.
    let src = ds.file().source();
    let need = match ds.layout() {
        Layout::Compact { data } if count > 0 => {
            let need = stored_bytes(&shape, es, ds)?;
            if (data.len() as u64) < need {
                return Err(Error::malformed(
                    "layout message",
                    ds.address(),
                    format!("compact data of {} bytes, {need} needed", data.len()),
                ));
            }
            need
        }
        Layout::Contiguous { address: Some(addr), size } if count > 0 => {
            let need = stored_bytes(&shape, es, ds)?;
            if *size < need {
                return Err(Error::malformed(
                    "layout message",
                    ds.address(),
                    format!("contiguous storage of {size} bytes, {need} needed"),
                ));
            }
            src.check_range(*addr, need, "contiguous data")?;
            need
        }
        _ => 0,
    };
    let fill = ds.fill_bytes();
    let mut out = if fill.iter().all(|&b| b == 0) {
        // alloc: bytes <= max_read_bytes (checked above), stored in full for contiguous/compact
        vec![0u8; bytes as usize]
    } else {
        // `fill` is one element: `bytes` = `count` elements (a memcpy per element, not per byte).
        fill.repeat(count as usize)
    };
    if count == 0 {
        return Ok((out, out_shape));
    }
    match ds.layout() {
        Layout::Compact { data } => {
            if rank == 0 {
                out.copy_from_slice(&data[..es]);
            } else {
                let whole = shape.clone();
                scatter(&axes, &whole, &shape, es, &mut out, &out_shape, |_, buf| {
                    buf.clear();
                    buf.extend_from_slice(&data[..need as usize]);
                    Ok(true)
                })?;
            }
        }
        Layout::Contiguous { address: None, .. } => {}
        Layout::Contiguous { address: Some(addr), .. } => {
            if rank == 0 || sel.iter().all(|s| *s == Selection::All) {
                src.read_into(*addr, &mut out, "contiguous data")?;
            } else {
                // Virtual chunks: one row of the last axis each.
                // alloc: rank <= MAX_RANK (32, dataspace decoder)
                let mut chunk = vec![1u64; rank];
                chunk[rank - 1] = shape[rank - 1];
                let row_bytes = shape[rank - 1] * es as u64;
                let strides = strides(&shape);
                scatter(&axes, &chunk, &shape, es, &mut out, &out_shape, |coords, buf| {
                    let row: u64 = coords[..rank - 1]
                        .iter()
                        .zip(&strides[..rank - 1])
                        .map(|(c, s)| c * s)
                        .sum::<u64>()
                        / shape[rank - 1].max(1);
                    buf.clear();
                    buf.resize(row_bytes as usize, 0);
                    src.read_into(addr + row * row_bytes, buf, "contiguous data")?;
                    Ok(true)
                })?;
            }
        }
        Layout::Chunked { chunk, .. } => {
            if rank == 0 {
                return Err(Error::malformed("layout message", ds.address(), "chunked scalar"));
            }
            let map = ds.chunks()?;
            let geo = ds.geometry().ok_or_else(|| {
                Error::malformed("layout message", ds.address(), "chunk size overflows")
            })?;
            let mut decoder = ChunkDecoder::new();
            let mut raw = Vec::new();
            scatter(&axes, chunk, &shape, es, &mut out, &out_shape, |coords, buf| {
                let Some(entry) = map.get(coords)? else {
                    return Ok(false);
                };
                buf.clear();
                buf.resize(geo.chunk_bytes as usize, 0);
                ds.decode_chunk(entry, &mut decoder, &mut raw, buf)?;
                Ok(true)
            })?;
        }
        Layout::Virtual => return Err(Error::unsupported("virtual dataset layout")),
    }
    Ok((out, out_shape))
}

/// Bytes of the whole dataset (compact or contiguous storage). A selection read checks only
/// the selected size against the budget, so the full size of a hostile shape may overflow.
fn stored_bytes(shape: &[u64], es: usize, ds: &Dataset) -> Result<u64> {
    shape.iter().try_fold(es as u64, |a, &d| a.checked_mul(d)).ok_or_else(|| {
        Error::malformed("dataspace message", ds.address(), "dataset size overflows")
    })
}

fn strides(shape: &[u64]) -> Vec<u64> {
    // alloc: rank <= MAX_RANK (32, dataspace decoder)
    let mut s = vec![1u64; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

/// Copy selected elements chunk by chunk. `provide(chunk_coords, buf)` fills `buf` with the
/// chunk's bytes (row-major over `chunk` dims) and returns false for an unallocated chunk.
fn scatter(
    axes: &[Vec<u64>],
    chunk: &[u64],
    _shape: &[u64],
    es: usize,
    out: &mut [u8],
    out_shape: &[u64],
    mut provide: impl FnMut(&[u64], &mut Vec<u8>) -> Result<bool>,
) -> Result<()> {
    let rank = axes.len();
    // Per axis: chunk index -> (output position, index within the chunk), in output order.
    let groups: Vec<BTreeMap<u64, Vec<(u64, u64)>>> = axes
        .iter()
        .zip(chunk)
        .map(|(idx, &c)| {
            let mut g: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
            for (pos, &i) in idx.iter().enumerate() {
                g.entry(i / c).or_default().push((pos as u64, i % c));
            }
            g
        })
        .collect();
    let keys: Vec<Vec<u64>> = groups.iter().map(|g| g.keys().copied().collect()).collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Ok(());
    }
    let cstr = strides(chunk);
    let ostr = strides(out_shape);
    let mut buf = Vec::new();
    // alloc: rank <= MAX_RANK (32, dataspace decoder)
    let mut odo = vec![0usize; rank];
    // alloc: rank <= MAX_RANK (32, dataspace decoder)
    let mut coords = vec![0u64; rank];
    loop {
        for d in 0..rank {
            coords[d] = keys[d][odo[d]];
        }
        if provide(&coords, &mut buf)? {
            let lists: Vec<&Vec<(u64, u64)>> = (0..rank).map(|d| &groups[d][&coords[d]]).collect();
            // Runs along the last axis: consecutive in both output and chunk.
            let last = lists[rank - 1];
            let mut runs: Vec<(u64, u64, u64)> = Vec::new();
            for &(o, w) in last {
                match runs.last_mut() {
                    Some((ro, rw, n)) if *ro + *n == o && *rw + *n == w => *n += 1,
                    _ => runs.push((o, w, 1)),
                }
            }
            // alloc: rank <= MAX_RANK (32, dataspace decoder)
            let mut inner = vec![0usize; rank - 1];
            'rows: loop {
                let mut sbase = 0u64;
                let mut dbase = 0u64;
                for d in 0..rank - 1 {
                    let (o, w) = lists[d][inner[d]];
                    sbase += w * cstr[d];
                    dbase += o * ostr[d];
                }
                for &(o, w, n) in &runs {
                    let s = ((sbase + w) as usize) * es;
                    let t = ((dbase + o) as usize) * es;
                    let len = n as usize * es;
                    let src = buf.get(s..s + len).ok_or_else(|| {
                        Error::malformed("chunk", 0, "chunk shorter than its dimensions")
                    })?;
                    out[t..t + len].copy_from_slice(src);
                }
                // Advance the odometer over the leading axes.
                let mut d = rank - 1;
                loop {
                    if d == 0 {
                        break 'rows;
                    }
                    d -= 1;
                    inner[d] += 1;
                    if inner[d] < lists[d].len() {
                        break;
                    }
                    inner[d] = 0;
                }
            }
        }
        // Advance the chunk odometer.
        let mut d = rank;
        loop {
            if d == 0 {
                return Ok(());
            }
            d -= 1;
            odo[d] += 1;
            if odo[d] < keys[d].len() {
                break;
            }
            odo[d] = 0;
        }
    }
}
