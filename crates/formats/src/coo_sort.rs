//! Coordinate entries (row, column, value) in any order, returned in row-major order in
//! bounded memory: an external merge sort.
//!
//! Entries are gathered in a buffer of fixed size. When it fills, it is sorted (stably, so
//! duplicates keep their input order) and spilled as a run to a temporary file in the spill
//! folder; at the end the runs are merged, earlier runs first on equal coordinates. Without
//! a spill folder (readers that are not files, in-memory outputs) nothing is spilled and
//! memory grows with the entries (16 bytes each). Run files are removed when dropped.
//!
//! Consumers pull the entries of a band of rows at a time ([`SortedEntries::take_rows_below`]),
//! so a converter holds one chunk band of entries, plus the sort buffer while reading.

use loomfile::error::{Error, Result};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers run files uniquely within the process.
static RUN_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Default memory for the sort buffer: 64 MiB.
pub const DEFAULT_SORT_MEMORY: usize = 64 << 20;

/// Where to spill runs for an output file: its folder (the current one for a bare name).
pub fn spill_dir_for(output: &Path) -> &Path {
    match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// One entry: 0-based coordinates and the value's 64 bits (its meaning is the caller's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Row.
    pub row: u32,
    /// Column.
    pub col: u32,
    /// Value bits.
    pub bits: u64,
}

impl Entry {
    fn key(&self) -> u64 {
        ((self.row as u64) << 32) | self.col as u64
    }
    fn encode(&self, out: &mut [u8; 16]) {
        out[..8].copy_from_slice(&self.key().to_le_bytes());
        out[8..].copy_from_slice(&self.bits.to_le_bytes());
    }
    fn decode(b: &[u8; 16]) -> Entry {
        let mut k = [0u8; 8];
        k.copy_from_slice(&b[..8]);
        let mut v = [0u8; 8];
        v.copy_from_slice(&b[8..]);
        let key = u64::from_le_bytes(k);
        Entry { row: (key >> 32) as u32, col: key as u32, bits: u64::from_le_bytes(v) }
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Hdf5(loomfile_hdf5::Error::io(e))
}

/// A spilled run: a temporary file removed on drop.
struct Run {
    path: PathBuf,
    len: u64,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Gathers entries; see the module documentation.
pub struct CooSorter {
    buf: Vec<Entry>,
    cap: usize,
    spill: Option<PathBuf>,
    runs: Vec<Run>,
    /// Swap row and column of every pushed entry.
    transpose: bool,
}

impl CooSorter {
    /// A sorter using about `memory` bytes for its buffer (at least 1 MiB), spilling runs to
    /// `spill_dir` when given.
    pub fn new(spill_dir: Option<&Path>, memory: usize) -> CooSorter {
        // 16 bytes an entry plus half of that for the stable sort's scratch space.
        let cap = (memory.max(1 << 20) / 24).max(1);
        CooSorter {
            buf: Vec::new(),
            cap,
            spill: spill_dir.map(Path::to_path_buf),
            runs: Vec::new(),
            transpose: false,
        }
    }

    /// This sorter swaps the row and the column of every entry pushed: it sorts the
    /// transposed matrix.
    pub fn transposed(mut self) -> CooSorter {
        self.transpose = true;
        self
    }

    /// A sorter with a buffer of exactly `entries` entries (tests of the spilling paths).
    #[cfg(test)]
    fn with_capacity(spill_dir: &Path, entries: usize) -> CooSorter {
        CooSorter { cap: entries.max(1), ..CooSorter::new(Some(spill_dir), 0) }
    }

    /// Add an entry.
    pub fn push(&mut self, mut e: Entry) -> Result<()> {
        if self.transpose {
            std::mem::swap(&mut e.row, &mut e.col);
        }
        if self.buf.len() >= self.cap && self.spill.is_some() {
            self.spill_run()?;
        }
        self.buf.push(e);
        Ok(())
    }

    fn spill_run(&mut self) -> Result<()> {
        let Some(dir) = &self.spill else { return Ok(()) };
        self.buf.sort_by_key(Entry::key);
        let n = RUN_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".loomfile-sort.{}.{n}.tmp", std::process::id()));
        let run = Run { path, len: self.buf.len() as u64 };
        let file = std::fs::File::create(&run.path)
            .map_err(|e| Error::invalid(format!("{}: {e}", run.path.display())))?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        let mut b = [0u8; 16];
        for e in &self.buf {
            e.encode(&mut b);
            w.write_all(&b).map_err(io)?;
        }
        w.flush().map_err(io)?;
        self.runs.push(run);
        self.buf.clear();
        Ok(())
    }

    /// Sort what is left and return the entries in row-major order.
    pub fn finish(mut self) -> Result<SortedEntries> {
        if self.runs.is_empty() {
            self.buf.sort_by_key(Entry::key);
            let buf = std::mem::take(&mut self.buf);
            return Ok(SortedEntries { mem: buf.into_iter().peekable(), merge: None });
        }
        if !self.buf.is_empty() {
            self.spill_run()?;
        }
        // alloc: runs.len(), spill files written
        let mut readers = Vec::with_capacity(self.runs.len());
        // alloc: runs.len(), spill files written
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        for (i, run) in self.runs.iter().enumerate() {
            let file = std::fs::File::open(&run.path).map_err(io)?;
            let mut r = RunReader { r: BufReader::with_capacity(1 << 16, file), left: run.len };
            if let Some(e) = r.next()? {
                heap.push(Reverse((e.key(), i, e.bits)));
            }
            readers.push(r);
        }
        let runs = std::mem::take(&mut self.runs);
        Ok(SortedEntries {
            mem: Vec::new().into_iter().peekable(),
            merge: Some(Merge { heap, readers, _runs: runs }),
        })
    }
}

struct RunReader {
    r: BufReader<std::fs::File>,
    left: u64,
}

impl RunReader {
    fn next(&mut self) -> Result<Option<Entry>> {
        if self.left == 0 {
            return Ok(None);
        }
        let mut b = [0u8; 16];
        self.r.read_exact(&mut b).map_err(io)?;
        self.left -= 1;
        Ok(Some(Entry::decode(&b)))
    }
}

/// The k-way merge of spilled runs: the heap holds the next entry of each run, ordered by
/// key and then by run (earlier input first).
struct Merge {
    heap: BinaryHeap<Reverse<(u64, usize, u64)>>,
    readers: Vec<RunReader>,
    _runs: Vec<Run>,
}

/// Entries in row-major order (equal coordinates in input order).
pub struct SortedEntries {
    mem: std::iter::Peekable<std::vec::IntoIter<Entry>>,
    merge: Option<Merge>,
}

impl SortedEntries {
    /// Move every remaining entry with `row < end` into `out` (appended, in order).
    pub fn take_rows_below(&mut self, end: u64, out: &mut Vec<Entry>) -> Result<()> {
        let Some(m) = &mut self.merge else {
            while let Some(e) = self.mem.next_if(|e| (e.row as u64) < end) {
                out.push(e);
            }
            return Ok(());
        };
        while let Some(&Reverse((key, run, bits))) = m.heap.peek() {
            if key >> 32 >= end {
                break;
            }
            m.heap.pop();
            out.push(Entry { row: (key >> 32) as u32, col: key as u32, bits });
            if let Some(e) = m.readers[run].next()? {
                m.heap.push(Reverse((e.key(), run, e.bits)));
            }
        }
        Ok(())
    }
}

/// Replace runs of entries with equal coordinates (adjacent in sorted order) by one entry
/// whose value is the fold of theirs with `add`.
pub fn merge_duplicates(v: &mut Vec<Entry>, add: impl Fn(u64, u64) -> u64) {
    let mut w = 0usize;
    for k in 0..v.len() {
        if w > 0 && v[w - 1].row == v[k].row && v[w - 1].col == v[k].col {
            v[w - 1].bits = add(v[w - 1].bits, v[k].bits);
        } else {
            v[w] = v[k];
            w += 1;
        }
    }
    v.truncate(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: u64, seed: u64) -> Vec<Entry> {
        let mut s = seed;
        (0..n)
            .map(|i| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                Entry { row: ((s >> 40) % 50) as u32, col: ((s >> 20) % 70) as u32, bits: i }
            })
            .collect()
    }

    fn drain(mut s: SortedEntries, bands: &[u64]) -> Vec<Entry> {
        let mut out = Vec::new();
        for &b in bands {
            let before = out.len();
            s.take_rows_below(b, &mut out).unwrap();
            assert!(out[before..].iter().all(|e| (e.row as u64) < b));
        }
        out
    }

    #[test]
    fn spilled_and_in_memory_sorts_agree_with_a_stable_sort() {
        let dir = tempfile::tempdir().unwrap();
        for (n, cap) in [(0u64, 10usize), (1, 1), (999, 1000), (1000, 1000), (5000, 333), (3000, 1)]
        {
            let input = entries(n, n + cap as u64);
            let mut want = input.clone();
            want.sort_by_key(Entry::key); // stable: duplicates keep input order
            let mut s = CooSorter::with_capacity(dir.path(), cap);
            for &e in &input {
                s.push(e).unwrap();
            }
            let spilled = n as usize > cap;
            let got = drain(s.finish().unwrap(), &[0, 7, 8, 30, 50]);
            assert_eq!(got, want, "n={n} cap={cap} spilled={spilled}");
            // Run files are gone once the entries are dropped.
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
        // No spill folder: everything in memory.
        let input = entries(2000, 3);
        let mut s = CooSorter::new(None, 0);
        for &e in &input {
            s.push(e).unwrap();
        }
        let mut want = input;
        want.sort_by_key(Entry::key);
        assert_eq!(drain(s.finish().unwrap(), &[u64::MAX]), want);
    }

    #[test]
    fn duplicates_merge_in_order() {
        let e = |row, col, bits| Entry { row, col, bits };
        let mut v = vec![e(0, 1, 1), e(0, 1, 2), e(0, 2, 5), e(1, 1, 3), e(1, 1, 4), e(1, 1, 5)];
        merge_duplicates(&mut v, |a, b| a * 10 + b);
        assert_eq!(v, vec![e(0, 1, 12), e(0, 2, 5), e(1, 1, 345)]);
    }

    #[test]
    fn an_unwritable_spill_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let mut s = CooSorter::with_capacity(&missing, 2);
        let e = Entry { row: 0, col: 0, bits: 0 };
        s.push(e).unwrap();
        s.push(e).unwrap();
        assert!(s.push(e).is_err());
    }
}
