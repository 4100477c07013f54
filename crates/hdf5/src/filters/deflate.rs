//! The deflate filter (id 1): zlib streams, inflated by flate2's pure-Rust zlib-rs backend
//! into a buffer of exactly the expected size (a stream that would produce more is a
//! decompression bomb and an error; one that produces less is corrupt).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Why an inflate failed.
#[derive(Debug, PartialEq, Eq)]
pub enum InflateError {
    /// The stream holds more than the expected bytes.
    TooLong,
    /// The stream ended early, after this many bytes.
    TooShort(u64),
    /// The zlib stream is corrupt.
    Corrupt(String),
}

/// A reusable inflater (one per thread).
pub struct Inflater {
    d: Decompress,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater { d: Decompress::new(true) }
    }
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inflater")
    }
}

impl Inflater {
    /// Inflate the zlib stream `src` into exactly `dst.len()` bytes.
    pub fn inflate_exact(&mut self, src: &[u8], dst: &mut [u8]) -> Result<(), InflateError> {
        self.d.reset(true);
        let status = self
            .d
            .decompress(src, dst, FlushDecompress::Finish)
            .map_err(|e| InflateError::Corrupt(e.to_string()))?;
        let produced = self.d.total_out();
        match status {
            Status::StreamEnd if produced == dst.len() as u64 => Ok(()),
            Status::StreamEnd => Err(InflateError::TooShort(produced)),
            _ if produced == dst.len() as u64 => {
                // Output is full but the stream goes on: probe one more byte.
                let mut probe = [0u8; 1];
                let consumed = self.d.total_in() as usize;
                let rest = src.get(consumed..).unwrap_or(&[]);
                match self.d.decompress(rest, &mut probe, FlushDecompress::Finish) {
                    Ok(Status::StreamEnd) if self.d.total_out() == dst.len() as u64 => Ok(()),
                    Ok(_) if self.d.total_out() > dst.len() as u64 => Err(InflateError::TooLong),
                    Ok(_) => Err(InflateError::Corrupt("truncated zlib stream".into())),
                    Err(e) => Err(InflateError::Corrupt(e.to_string())),
                }
            }
            _ => Err(InflateError::TooShort(produced)),
        }
    }
}

/// A reusable deflater at a fixed level.
pub struct Deflater {
    c: Compress,
}

impl std::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deflater")
    }
}

impl Deflater {
    /// A zlib-format deflater at `level` (0-9).
    pub fn new(level: u32) -> Self {
        Deflater { c: Compress::new(Compression::new(level.min(9)), true) }
    }

    /// Compress `src` into a new zlib stream appended to `out`.
    pub fn deflate(&mut self, src: &[u8], out: &mut Vec<u8>) {
        self.c.reset();
        let start = out.len();
        // A zlib stream never exceeds the input by more than ~0.1% plus a few bytes.
        out.reserve(src.len() + src.len() / 1000 + 64);
        loop {
            let in_before = self.c.total_in() as usize;
            let status = self
                .c
                .compress_vec(&src[in_before..], out, FlushCompress::Finish)
                .expect("deflate into a growable vector cannot fail");
            if status == Status::StreamEnd {
                break;
            }
            out.reserve(out.capacity().max(1024));
        }
        debug_assert!(out.len() > start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bombs() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 7) as u8).collect();
        let mut z = Vec::new();
        Deflater::new(2).deflate(&data, &mut z);
        let mut inf = Inflater::default();
        let mut out = vec![0u8; data.len()];
        inf.inflate_exact(&z, &mut out).unwrap();
        assert_eq!(out, data);
        let mut small = vec![0u8; data.len() - 1];
        assert_eq!(inf.inflate_exact(&z, &mut small), Err(InflateError::TooLong));
        let mut big = vec![0u8; data.len() + 1];
        assert!(matches!(inf.inflate_exact(&z, &mut big), Err(InflateError::TooShort(_))));
        assert!(inf.inflate_exact(&z[..z.len() / 2], &mut out).is_err());
    }
}
