//! A loom file over storage whose reads are costly (what the browser package gives the
//! engine): opening it, its summary and its attributes read the metadata only, one row reads
//! the chunks of that row and the index nodes on their way, and every value equals the file
//! read from memory.

#![cfg(feature = "json")]

use loomfile::{
    Axis, Contents, LayerData, LayerOptions, LoomFile, MemStorage, ReadAt, Sel, Values,
};
use ndarray::Array2;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

struct Remote {
    inner: MemStorage,
    read: AtomicU64,
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

#[test]
fn a_remote_file_opens_from_its_metadata_and_reads_one_row_from_its_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lazy.loom");
    let (n, m) = (1024usize, 1024usize);
    let small = Array2::<f32>::zeros((n, m));
    let genes: Vec<String> = (0..n).map(|i| format!("g{i}")).collect();
    let cells: Vec<String> = (0..m).map(|j| format!("c{j}")).collect();
    let contents = Contents {
        row_attrs: vec![("Gene", Values::strings(&genes))],
        col_attrs: vec![("CellID", Values::strings(&cells))],
        file_attrs: vec![],
    };
    LoomFile::create(&path, LayerData::Dense(small.view()), &contents).unwrap();
    // The main matrix again, in 8 x 8 chunks: 16,384 of them, an index of ~700 KB.
    let data = Array2::from_shape_fn((n, m), |(i, j)| ((i * 31 + j * 17) % 97) as f32);
    let mut f = LoomFile::open_rw(&path).unwrap();
    let opts = LayerOptions { chunks: (8, 8), gzip: Some(1) };
    f.set_layer_with("", LayerData::Dense(data.view()), &opts).unwrap();
    f.close().unwrap();

    let bytes = std::fs::read(&path).unwrap();
    let eager = LoomFile::from_bytes(bytes.clone()).unwrap();
    let remote = Arc::new(Remote { inner: MemStorage::frozen(bytes), read: AtomicU64::new(0) });
    let lazy = LoomFile::from_reader_storage(remote.clone()).unwrap();

    // The summary: everything but the sizes, which need the whole index.
    let summary = lazy.info_json_summary().unwrap();
    let mut full = eager.info_json().unwrap();
    full["layers"][0]["stored_bytes"] = serde_json::Value::Null;
    full["dead_bytes"] = serde_json::Value::Null;
    assert_eq!(summary, full);
    assert_eq!(lazy.attr(Axis::Rows, "Gene").unwrap(), eager.attr(Axis::Rows, "Gene").unwrap());
    let opened = remote.read.load(Ordering::Relaxed);

    let row = lazy.read_layer::<f32>("", &Sel::Range(500, 501), &Sel::All).unwrap();
    assert_eq!(row, data.slice(ndarray::s![500..501, ..]));
    let for_row = remote.read.load(Ordering::Relaxed) - opened;
    // 128 chunks of 8 x 8 (each < 300 bytes deflated) and a few index nodes: far below the
    // index (16,384 entries of 32 bytes at least).
    assert!(for_row < 16_384 * 32 / 4, "{for_row} bytes read for one row");
    assert!(opened + for_row < 16_384 * 32, "{opened} bytes to open, {for_row} for a row");

    // Sizes on demand equal the eager ones, and so do whole reads.
    assert_eq!(lazy.layer_info("").unwrap(), eager.layer_info("").unwrap());
    assert_eq!(
        lazy.read_layer::<f32>("", &Sel::All, &Sel::Range(100, 300)).unwrap(),
        eager.read_layer::<f32>("", &Sel::All, &Sel::Range(100, 300)).unwrap()
    );
}
