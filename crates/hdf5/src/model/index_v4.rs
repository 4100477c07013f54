//! Layout v4/v5 chunk indexes: fixed array, extensible array, version 2 B-tree.

use super::chunks::{ChunkEntry, ChunkGeometry, unravel};
use crate::raw::Source;
use crate::raw::binary;
use crate::raw::btree_v2::{self, BTreeV2, ChunkRecord};
use crate::raw::extensible_array::ExtensibleArray;
use crate::raw::fixed_array::{ChunkElement, ElementFormat, FixedArray};
use crate::{Error, Result};

/// Chunks of a fixed-array index. Entry `i` is chunk `i` of the row-major grid over the
/// maximum dimensions (libhdf5's `max_down_chunks`), which may exceed the current extent.
pub fn fixed_array(src: &Source, addr: u64, geo: &ChunkGeometry) -> Result<Vec<ChunkEntry>> {
    const WHAT: &str = "fixed array header";
    let fa = FixedArray::read(src, addr)?;
    check_element_format(&fa.format, geo, src, WHAT, addr)?;
    if geo.max_dims.contains(&u64::MAX) {
        return Err(Error::malformed(WHAT, addr, "fixed array index for an unlimited dimension"));
    }
    let grid = geo.grid(&geo.max_dims);
    let count = grid.iter().try_fold(1u64, |a, &g| a.checked_mul(g));
    if count != Some(fa.max_entries) {
        return Err(Error::malformed(
            WHAT,
            addr,
            format!("{} entries for a grid of {grid:?} chunks", fa.max_entries),
        ));
    }
    let mut out = Vec::new();
    fa.for_each(src, |i, e| {
        push_entry(&mut out, geo, unravel(i, &grid), e);
        Ok(())
    })?;
    Ok(out)
}

/// Chunks of an extensible-array index. The linear index runs row-major over the maximum
/// chunk grid with the unlimited dimension moved first (libhdf5 "swizzles" it there when it
/// is not already dimension 0); the other dimensions keep their order.
pub fn extensible_array(src: &Source, addr: u64, geo: &ChunkGeometry) -> Result<Vec<ChunkEntry>> {
    const WHAT: &str = "extensible array header";
    let ea = ExtensibleArray::read(src, addr)?;
    check_element_format(&ea.format, geo, src, WHAT, addr)?;
    let unlimited: Vec<usize> =
        geo.max_dims.iter().enumerate().filter(|&(_, &m)| m == u64::MAX).map(|(k, _)| k).collect();
    let &[unlim] = unlimited.as_slice() else {
        return Err(Error::malformed(
            WHAT,
            addr,
            format!("extensible array index for {} unlimited dimensions", unlimited.len()),
        ));
    };
    // The fixed dimensions' chunk counts, in order, without the unlimited one.
    let mut fixed = geo.grid(&geo.max_dims);
    fixed.remove(unlim);
    let Some(per_row) = fixed.iter().try_fold(1u64, |a, &g| a.checked_mul(g)) else {
        return Err(Error::malformed(WHAT, addr, format!("chunk grid {fixed:?} overflows")));
    };
    if per_row == 0 {
        // A fixed dimension of maximum size 0: the dataset can hold no chunk.
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    ea.for_each(src, |i, e| {
        let mut coords = unravel(i % per_row, &fixed);
        coords.insert(unlim, i / per_row);
        push_entry(&mut out, geo, coords, e);
        Ok(())
    })?;
    Ok(out)
}

/// The entry format must match the dataset: filtered entries exactly when there is a filter
/// pipeline, with a chunk size field of the layout v4 or v5 width.
fn check_element_format(
    format: &ElementFormat,
    geo: &ChunkGeometry,
    src: &Source,
    what: &'static str,
    addr: u64,
) -> Result<()> {
    if format.filtered != geo.filtered {
        let (index, dataset) = if format.filtered { ("", "out") } else { ("un", "") };
        return Err(Error::malformed(
            what,
            addr,
            format!("{index}filtered chunk entries for a dataset with{dataset} filters"),
        ));
    }
    format.check_size_width(geo.chunk_bytes, src.sizes, what, addr)
}

/// Append the chunk at grid coordinates `coords`, unless it lies outside the current extent
/// (left there by a shrink, or never reachable).
fn push_entry(out: &mut Vec<ChunkEntry>, geo: &ChunkGeometry, coords: Vec<u64>, e: ChunkElement) {
    let mut offset = coords;
    for ((o, &c), &d) in offset.iter_mut().zip(&geo.chunk).zip(&geo.dims) {
        match o.checked_mul(c) {
            Some(v) if v < d => *o = v,
            _ => return,
        }
    }
    out.push(ChunkEntry {
        offset,
        address: e.address,
        size: e.size.unwrap_or(geo.chunk_bytes),
        filter_mask: e.filter_mask,
    });
}

/// Chunks of a version 2 B-tree index (datasets with more than one unlimited dimension).
/// Records of type 10 (unfiltered) hold the chunk address and one 8-byte scaled offset (chunk
/// index) per dimension; type 11 (filtered) adds the stored size, whose width is the layout
/// v4 rule or "Size of Lengths" for layout v5 (see [`ElementFormat`]), and the filter mask.
pub fn btree_v2(src: &Source, addr: u64, geo: &ChunkGeometry) -> Result<Vec<ChunkEntry>> {
    const WHAT: &str = "v2 B-tree chunk index";
    let tree = BTreeV2::read(src, addr)?;
    let want = if geo.filtered { btree_v2::kind::CHUNK_FILTERED } else { btree_v2::kind::CHUNK };
    if tree.kind != want {
        return Err(Error::malformed(
            WHAT,
            addr,
            format!(
                "B-tree of type {} for a dataset {} filters",
                tree.kind,
                if geo.filtered { "with" } else { "without" }
            ),
        ));
    }
    let sizes = src.sizes;
    let rank = geo.chunk.len();
    // Address and scaled offsets, plus (filtered) the size field and the 4-byte mask.
    let fixed = sizes.offset as usize + 8 * rank + if geo.filtered { 4 } else { 0 };
    let size_width = (tree.record_size as usize).checked_sub(fixed).unwrap_or(usize::MAX);
    let valid = if geo.filtered {
        let v4 = crate::raw::fixed_array::v4_size_width(geo.chunk_bytes) as usize;
        size_width == v4 || size_width == sizes.length as usize
    } else {
        size_width == 0
    };
    if !valid {
        return Err(Error::malformed(
            WHAT,
            addr,
            format!("{}-byte records for chunks of rank {rank}", tree.record_size),
        ));
    }
    let mut out = Vec::new();
    // `size_width` is 1..=8 for filtered records, 0 otherwise (checked above).
    let args = (sizes, size_width as u8, rank);
    tree.for_each(src, |r| {
        let rec: ChunkRecord = binary::parse(r, addr, WHAT, args)?;
        let size = rec.size.unwrap_or(geo.chunk_bytes);
        let filter_mask = rec.filter_mask.unwrap_or(0);
        let mut offset = rec.scaled;
        for (o, &dim) in offset.iter_mut().zip(&geo.chunk) {
            match o.checked_mul(dim) {
                Some(v) => *o = v,
                // Beyond any extent: dropped like the chunks past the current one.
                None => return Ok(()),
            }
        }
        out.push(ChunkEntry { offset, address: rec.address.0, size, filter_mask });
        Ok(())
    })?;
    Ok(out)
}
