//! The chunk filter pipeline: decode a stored chunk into a bounded buffer of exactly the
//! chunk's size; and for pipelines the writer can encode, encode then decode must give the
//! input back.
//!
//! Input: `[n][kind, param] x n [mask][out_len: u32 LE][max][stored chunk...]`, where the low
//! two bits of `n` count the filters, `kind % 5` picks deflate, shuffle, fletcher32, lzf or an
//! unsupported filter (szip), `out_len` (capped at 1 MiB) is the decoded chunk size and
//! `(max + 1) * 16 KiB` the limit on intermediate sizes.

use loomfile_hdf5::filters::{ChunkDecoder, ChunkEncoder};
use loomfile_hdf5::raw::messages::filter_pipeline::{Filter, FilterPipeline, id};

/// Largest decoded chunk the harness asks for.
const MAX_OUT: usize = 1 << 20;

/// The filter kind byte for a filter id (the seed extractor's inverse of [`filter`]).
pub fn kind_of(filter_id: u16) -> u8 {
    match filter_id {
        id::DEFLATE => 0,
        id::SHUFFLE => 1,
        id::FLETCHER32 => 2,
        id::LZF => 3,
        _ => 4,
    }
}

fn filter(kind: u8, param: u8) -> Filter {
    let (id, params) = match kind % 5 {
        0 => (id::DEFLATE, vec![u32::from(param % 10)]),
        1 => (id::SHUFFLE, vec![u32::from(param)]),
        2 => (id::FLETCHER32, vec![]),
        3 => (id::LZF, if param == 0 { vec![] } else { vec![4, 0, u32::from(param) << 8] }),
        _ => (id::SZIP, vec![u32::from(param)]),
    };
    Filter { id, name: None, flags: 0, params }
}

/// Split an input into (pipeline, mask, decoded size, limit, stored bytes).
fn parse(data: &[u8]) -> Option<(FilterPipeline, u32, usize, u64, &[u8])> {
    let (&n, mut rest) = data.split_first()?;
    let mut filters = Vec::new();
    for _ in 0..(n & 3) {
        let (f, r) = rest.split_at_checked(2)?;
        filters.push(filter(f[0], f[1]));
        rest = r;
    }
    let (head, stored) = rest.split_at_checked(6)?;
    let mask = u32::from(head[0]);
    let out_len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let max = (u64::from(head[5]) + 1) << 14;
    Some((FilterPipeline { filters }, mask, out_len.min(MAX_OUT), max, stored))
}

/// The filters target.
pub fn filters(data: &[u8]) {
    let Some((pipeline, mask, out_len, max, stored)) = parse(data) else { return };
    let mut decoder = ChunkDecoder::new();
    let mut out = vec![0u8; out_len];
    let _ = decoder.decode(&pipeline, mask, stored, &mut out, max);
    // Round trip through the writer's encoder, reusing the decoder (its buffers carry over).
    let Ok(mut encoder) = ChunkEncoder::new(&pipeline) else { return };
    let chunk = &stored[..stored.len().min(1 << 16)];
    let mut encoded = Vec::new();
    encoder.encode(&pipeline, chunk, &mut encoded);
    let mut back = vec![0u8; chunk.len()];
    if let Err(e) = decoder.decode(&pipeline, 0, &encoded, &mut back, 1 << 22) {
        panic!("decoding an encoded chunk failed: {e}");
    }
    assert!(back == chunk, "filter round trip changed the chunk");
}
