//! The filter pipeline: decode a stored chunk into a caller-owned buffer of exactly the
//! chunk's size (deflate, shuffle, fletcher32, lzf), and encode chunks for the writer
//! (deflate, shuffle, fletcher32). Any other filter is a typed `Unsupported` error naming it.

mod deflate;
mod fletcher32;
mod lzf;
mod shuffle;

use crate::raw::messages::filter_pipeline::{Filter, FilterPipeline, id};
use crate::{Error, Result};
use deflate::{Deflater, InflateError, Inflater};

/// Per-thread state for decoding chunks: an inflater and scratch buffers, reused.
#[derive(Debug, Default)]
pub struct ChunkDecoder {
    inflater: Inflater,
    a: Vec<u8>,
    b: Vec<u8>,
}

fn check_supported(f: &Filter) -> Result<()> {
    match f.id {
        id::DEFLATE | id::SHUFFLE | id::FLETCHER32 | id::LZF => Ok(()),
        other => Err(Error::unsupported(format!("filter {other} ({})", f.label()))),
    }
}

/// Fail with `Unsupported` if any filter of the pipeline cannot be decoded.
pub fn check_pipeline(p: &FilterPipeline) -> Result<()> {
    p.filters.iter().try_for_each(check_supported)
}

impl ChunkDecoder {
    /// A fresh decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decode `raw` (as stored) through `pipeline` (filters whose bit is set in `mask` are
    /// skipped) into `out`, which must end up exactly full.
    pub fn decode(
        &mut self,
        pipeline: &FilterPipeline,
        mask: u32,
        raw: &[u8],
        out: &mut [u8],
        max: u64,
    ) -> Result<()> {
        let active: Vec<&Filter> = pipeline
            .filters
            .iter()
            .enumerate()
            .filter(|(i, _)| *i >= 32 || mask & (1u32 << i) == 0)
            .map(|(_, f)| f)
            .collect();
        if active.is_empty() {
            if raw.len() != out.len() {
                return Err(chunk_err(format!(
                    "unfiltered chunk of {} bytes, expected {}",
                    raw.len(),
                    out.len()
                )));
            }
            out.copy_from_slice(raw);
            return Ok(());
        }
        // Expected size before each filter (write order): known unless a compressor precedes it.
        // alloc: one per filter of the parsed pipeline message (bounded by its bytes)
        let mut expected: Vec<Option<usize>> = Vec::with_capacity(active.len());
        let mut size = Some(out.len());
        for f in &active {
            check_supported(f)?;
            expected.push(size);
            size = match f.id {
                id::FLETCHER32 => size.map(|s| s + 4),
                id::SHUFFLE => size,
                _ => None,
            };
        }
        // Fast path: a single deflate straight into the output.
        if active.len() == 1 && active[0].id == id::DEFLATE {
            return self.inflater.inflate_exact(raw, out).map_err(inflate_err);
        }
        let mut cur: Vec<u8> = std::mem::take(&mut self.a);
        cur.clear();
        cur.extend_from_slice(raw);
        let mut next: Vec<u8> = std::mem::take(&mut self.b);
        for (k, f) in active.iter().enumerate().rev() {
            let want = expected[k];
            match f.id {
                id::FLETCHER32 => {
                    let n = fletcher32::verify(&cur)
                        .map_err(|(s, c)| {
                            chunk_err(format!(
                                "fletcher32 checksum mismatch: stored {s:#010x}, computed {c:#010x}"
                            ))
                        })?
                        .len();
                    cur.truncate(n);
                    continue;
                }
                id::DEFLATE => {
                    // Unknown size (another compressor follows): deflate expands at most
                    // 1032:1, so the input bounds the buffer well below `max` on small chunks.
                    let bound = (cur.len() as u64).saturating_mul(1032).saturating_add(1024);
                    let n = want.map(|w| w as u64).unwrap_or(max.min(bound));
                    if n > max {
                        return Err(Error::limit("decoded chunk bytes", n, max));
                    }
                    next.clear();
                    next.resize(n as usize, 0);
                    match want {
                        Some(_) => {
                            self.inflater.inflate_exact(&cur, &mut next).map_err(inflate_err)?
                        }
                        None => match self.inflater.inflate_exact(&cur, &mut next) {
                            Ok(()) => {}
                            Err(InflateError::TooShort(p)) => next.truncate(p as usize),
                            Err(e) => return Err(inflate_err(e)),
                        },
                    }
                }
                id::LZF => {
                    let n = want
                        .map(|w| w as u64)
                        .unwrap_or_else(|| f.params.get(2).map_or(max, |&v| v as u64));
                    if n > max {
                        return Err(Error::limit("decoded chunk bytes", n, max));
                    }
                    next.clear();
                    next.resize(n as usize, 0);
                    let got = lzf::decompress(&cur, &mut next)
                        .ok_or_else(|| chunk_err("corrupt lzf stream".into()))?;
                    if want.is_some_and(|w| w != got) {
                        return Err(chunk_err(format!("lzf produced {got} bytes, expected {n}")));
                    }
                    next.truncate(got);
                }
                id::SHUFFLE => {
                    let es = f.params.first().copied().unwrap_or(1).max(1) as usize;
                    next.clear();
                    next.resize(cur.len(), 0);
                    shuffle::unshuffle(&cur, &mut next, es);
                }
                _ => unreachable!("checked above"),
            }
            std::mem::swap(&mut cur, &mut next);
        }
        let result = if cur.len() == out.len() {
            out.copy_from_slice(&cur);
            Ok(())
        } else {
            Err(chunk_err(format!("filters produced {} bytes, expected {}", cur.len(), out.len())))
        };
        self.a = cur;
        self.b = next;
        result
    }
}

fn chunk_err(detail: String) -> Error {
    Error::malformed("chunk", 0, detail)
}

fn inflate_err(e: InflateError) -> Error {
    match e {
        InflateError::TooLong => {
            chunk_err("deflate stream inflates past the chunk size (decompression bomb)".into())
        }
        InflateError::TooShort(n) => {
            chunk_err(format!("deflate stream ends after {n} bytes, short of the chunk size"))
        }
        InflateError::Corrupt(m) => chunk_err(format!("corrupt deflate stream: {m}")),
    }
}

/// Encodes chunks for the writer: shuffle, deflate and fletcher32, in pipeline order.
#[derive(Debug)]
pub struct ChunkEncoder {
    deflater: Option<Deflater>,
    tmp: Vec<u8>,
}

impl ChunkEncoder {
    /// `Unsupported` if `pipeline` holds a filter we cannot write. Cheap, unlike
    /// [`ChunkEncoder::new`], which sets up a compressor (a few hundred KiB).
    pub fn check(pipeline: &FilterPipeline) -> Result<()> {
        match pipeline
            .filters
            .iter()
            .find(|f| !matches!(f.id, id::DEFLATE | id::SHUFFLE | id::FLETCHER32))
        {
            Some(f) => Err(Error::unsupported(format!("writing filter {} ({})", f.id, f.label()))),
            None => Ok(()),
        }
    }

    /// The deflate level of `pipeline` (`None`: no deflate): encoders of pipelines with the
    /// same level are interchangeable, since [`ChunkEncoder::encode`] takes the pipeline.
    pub fn level(pipeline: &FilterPipeline) -> Option<u32> {
        pipeline
            .filters
            .iter()
            .rfind(|f| f.id == id::DEFLATE)
            .map(|f| f.params.first().copied().unwrap_or(6))
    }

    /// An encoder for `pipeline`; `Unsupported` if it holds a filter we cannot write.
    pub fn new(pipeline: &FilterPipeline) -> Result<Self> {
        Self::check(pipeline)?;
        let deflater = Self::level(pipeline).map(Deflater::new);
        Ok(ChunkEncoder { deflater, tmp: Vec::new() })
    }

    /// Encode `chunk` through `pipeline` into `out` (cleared first).
    pub fn encode(&mut self, pipeline: &FilterPipeline, chunk: &[u8], out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(chunk);
        for f in &pipeline.filters {
            match f.id {
                id::SHUFFLE => {
                    let es = f.params.first().copied().unwrap_or(1).max(1) as usize;
                    self.tmp.clear();
                    self.tmp.resize(out.len(), 0);
                    shuffle::shuffle(out, &mut self.tmp, es);
                    std::mem::swap(out, &mut self.tmp);
                }
                id::DEFLATE => {
                    if let Some(d) = self.deflater.as_mut() {
                        self.tmp.clear();
                        d.deflate(out, &mut self.tmp);
                        std::mem::swap(out, &mut self.tmp);
                    }
                }
                id::FLETCHER32 => {
                    let sum = fletcher32::checksum(out);
                    out.extend_from_slice(&sum.to_le_bytes());
                }
                _ => {}
            }
        }
    }
}
