//! Layout v4/v5 chunk indexes: fixed array, extensible array, version 2 B-tree.

use super::chunks::{ChunkEntry, ChunkGeometry};
use crate::raw::Source;
use crate::{Error, Result};

/// Chunks of a fixed-array index.
pub fn fixed_array(_src: &Source, _addr: u64, _geo: &ChunkGeometry) -> Result<Vec<ChunkEntry>> {
    Err(Error::unsupported("fixed array chunk index"))
}

/// Chunks of an extensible-array index.
pub fn extensible_array(
    _src: &Source,
    _addr: u64,
    _geo: &ChunkGeometry,
) -> Result<Vec<ChunkEntry>> {
    Err(Error::unsupported("extensible array chunk index"))
}

/// Chunks of a version 2 B-tree index.
pub fn btree_v2(_src: &Source, _addr: u64, _geo: &ChunkGeometry) -> Result<Vec<ChunkEntry>> {
    Err(Error::unsupported("version 2 B-tree chunk index"))
}
