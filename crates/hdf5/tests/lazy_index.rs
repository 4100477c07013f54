//! Chunk indexes read on demand, over storage whose reads are costly
//! ([`ReadAt::is_remote`]): every lookup, every list of entries and every read equals the
//! index read whole, on every fixture; one row of a file with a large index reads a small
//! part of it; a damaged node on the way is an error naming the dataset.

mod common;

use loomfile_hdf5::storage::{MemStorage, ReadAt};
#[cfg(not(target_family = "wasm"))]
use loomfile_hdf5::{ChunkIndex, NodeKind, WalkOptions, walk};
use loomfile_hdf5::{DatasetSpec, Datatype, File, Layout, Limits, Selection, Writer};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// In-memory bytes that call themselves remote and count what is read.
struct Remote {
    inner: MemStorage,
    read: AtomicU64,
}

impl Remote {
    fn new(bytes: Vec<u8>) -> Arc<Remote> {
        Arc::new(Remote { inner: MemStorage::frozen(bytes), read: AtomicU64::new(0) })
    }
    fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

impl ReadAt for Remote {
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.read.fetch_add(buf.len() as u64, Ordering::Relaxed);
        self.inner.read_exact_at(offset, buf)
    }
    fn is_remote(&self) -> bool {
        true
    }
}

#[cfg(not(target_family = "wasm"))]
fn fixture_files() -> Vec<std::path::PathBuf> {
    let root = common::root().join("fixtures");
    let mut out = Vec::new();
    for (dir, ext) in [
        ("hdf5", ".h5"),
        ("loom", ".loom"),
        ("real-world", ".loom"),
        ("writers", ""),
        ("10x", ".h5"),
    ] {
        let d = root.join(dir);
        if d.is_dir() {
            let exts: &[&str] = if ext.is_empty() { &[] } else { &[ext] };
            out.extend(common::files(&d, exts).into_iter().filter(|p| p.is_file()));
        }
    }
    out
}

/// Every grid coordinate of `grid`, at most `cap` of them (spread over the grid).
#[cfg(not(target_family = "wasm"))]
fn coords(grid: &[u64], cap: u64) -> Vec<Vec<u64>> {
    let n: u64 = grid.iter().product();
    let step = n.div_ceil(cap).max(1);
    (0..n)
        .step_by(step as usize)
        .map(|mut i| {
            let mut c = vec![0; grid.len()];
            for k in (0..grid.len()).rev() {
                c[k] = i % grid[k];
                i /= grid[k];
            }
            c
        })
        .collect()
}

// The fixtures are not preopened for wasm32-wasip1.
#[cfg(not(target_family = "wasm"))]
#[test]
fn lazy_lookups_equal_the_whole_index_on_every_fixture() {
    let mut checked = 0;
    for path in fixture_files() {
        let bytes = std::fs::read(&path).unwrap();
        let (Ok(eager), Ok(lazy)) = (
            File::from_bytes(bytes.clone()),
            File::from_storage(Remote::new(bytes), Limits::default()),
        ) else {
            continue;
        };
        let opts = WalkOptions { data: false, attrs: false, ..Default::default() };
        let Ok(nodes) = walk(&eager, "/", opts) else { continue };
        for node in nodes {
            let NodeKind::Dataset { .. } = node.kind else { continue };
            let (Ok(e), Ok(l)) = (eager.dataset(&node.path), lazy.dataset(&node.path)) else {
                continue;
            };
            let btree = matches!(
                e.layout(),
                Layout::Chunked { index: ChunkIndex::BTreeV1, address: Some(_), .. }
            );
            let (em, lm) = match (e.chunks(), l.chunks()) {
                (Ok(em), Ok(lm)) => (em, lm),
                (Err(_), _) => continue,
                (Ok(_), Err(err)) => panic!("{}:{}: {err}", path.display(), node.path),
            };
            let what = format!("{}:{}", path.display(), node.path);
            assert_eq!(lm.is_lazy(), btree, "{what}");
            assert_eq!(em.grid(), lm.grid(), "{what}");
            for c in coords(em.grid(), 5000) {
                assert_eq!(em.get(&c).unwrap(), lm.get(&c).unwrap(), "{what} at {c:?}");
            }
            assert_eq!(em.entries().unwrap(), lm.entries().unwrap(), "{what}");
            assert_eq!(e.read_raw_all().ok(), l.read_raw_all().ok(), "{what}");
            checked += btree as usize;
        }
    }
    assert!(checked >= 20, "only {checked} v1 B-tree datasets among the fixtures");
}

/// A 2048 x 2048 float32 dataset in 16 x 16 chunks: 16,384 chunks, an index of some
/// 800 KB across ~260 leaves.
fn big_file() -> Vec<u8> {
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    let n = 2048u64;
    w.create_dataset("/m", DatasetSpec::chunked(Datatype::float(4), &[n, n], &[16, 16]).gzip(1))
        .unwrap();
    let v: Vec<f32> = (0..n * n).map(|i| (i % 7919) as f32).collect();
    w.write::<f32>("/m", &[], &v).unwrap();
    w.commit().unwrap();
    st.to_vec()
}

#[test]
fn one_row_reads_a_small_part_of_a_large_index() {
    let bytes = big_file();
    let eager = File::from_bytes(bytes.clone()).unwrap();
    let index_bytes: u64 = {
        let d = eager.dataset("/m").unwrap();
        let map = d.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 128 * 128);
        // 40 bytes of key and address per chunk, at least.
        map.entries().unwrap().len() as u64 * 40
    };
    let remote = Remote::new(bytes);
    let lazy = File::from_storage(remote.clone(), Limits::default()).unwrap();
    let d = lazy.dataset("/m").unwrap();
    let opened = remote.bytes_read();
    let row: Vec<f32> =
        d.read_selection(&[Selection::Range(1000, 1001), Selection::Range(0, 2048)]).unwrap();
    let want: Vec<f32> = (0..2048u64).map(|j| ((1000 * 2048 + j) % 7919) as f32).collect();
    assert_eq!(row, want);
    let read = remote.bytes_read() - opened;
    // The row's 128 chunks (each ~1 KB deflated here) and the nodes on their paths.
    assert!(read < index_bytes / 4, "read {read} bytes for one row; the index is {index_bytes}");
    assert!(d.chunks().unwrap().is_lazy());
    // The whole list is there when asked for, and equals the eager one.
    let all = d.chunks().unwrap().entries().unwrap().to_vec();
    assert_eq!(all, eager.dataset("/m").unwrap().chunks().unwrap().entries().unwrap());
}

#[test]
fn a_damaged_node_on_the_way_is_an_error_naming_the_dataset() {
    let bytes = big_file();
    let eager = File::from_bytes(bytes.clone()).unwrap();
    let d = eager.dataset("/m").unwrap();
    let Layout::Chunked { address: Some(root), .. } = d.layout() else { panic!("not chunked") };
    // Break the "TREE" signature of every chunk node (node type 1) but the root, so any
    // lookup below the root fails.
    let root_at = (eager.source().base + root) as usize;
    let mut broken = bytes.clone();
    let mut hits = 0;
    let mut i = 0;
    while let Some(p) = broken[i..].windows(4).position(|w| w == b"TREE") {
        let at = i + p;
        if at != root_at && broken.get(at + 4) == Some(&1) {
            broken[at] = b'X';
            hits += 1;
        }
        i = at + 4;
    }
    assert!(hits > 1);
    let lazy = File::from_storage(Remote::new(broken), Limits::default()).unwrap();
    let d = lazy.dataset("/m").unwrap();
    let err = d
        .read_selection::<f32>(&[Selection::Range(5, 6), Selection::Range(0, 2048)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("B-tree") && err.contains("/m"), "{err}");
    assert!(d.chunks().unwrap().entries().is_err());
}
