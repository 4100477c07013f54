//! Write a large loompy-layout file for the browser test (`cargo xtask web --test`):
//! float32 counts in 64 x 64 gzip chunks, string attributes on both axes and a 2-d UMAP
//! embedding, grown by column batches until the file holds at least the bytes asked for.
//!
//! `cargo run --release -p loomfile --example big_loom -- OUT.loom [MEGABYTES]` (default
//! 1000). About half the values are 0 and the rest small counts, so chunks deflate to a
//! third of their size or so and the chunk index alone is several megabytes.

use loomfile::{Block, Contents, FillValues, LayerData, LoomFile, Values};
use ndarray::{Array2, ArrayD};

const ROWS: usize = 20_000;
const BATCH: usize = 1024;

/// A deterministic stream of counts (xorshift).
struct Counts(u64);

impl Counts {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A rows x cols batch: per gene a level, per value 0 half the time, else up to 4x it.
    fn batch(&mut self, cols: usize) -> Array2<f32> {
        Array2::from_shape_fn((ROWS, cols), |(i, _)| {
            let r = self.next();
            if r & 1 == 0 { 0.0 } else { ((r >> 8) % (4 + (i as u64 % 29) * 4)) as f32 }
        })
    }
}

fn cell_attrs(from: usize, n: usize) -> Vec<(&'static str, Values)> {
    let ids: Vec<String> = (from..from + n).map(|j| format!("cell_{j:07}")).collect();
    let umap = ArrayD::from_shape_fn(vec![n, 2], |ix| {
        let j = (from + ix[0]) as f32;
        let (cluster, t) = ((from + ix[0]) % 12, j * 0.618);
        let centre = cluster as f32 * 2.5;
        if ix[1] == 0 { centre + t.sin() * 1.2 } else { (cluster as f32).sqrt() * 3.0 + t.cos() }
    });
    vec![
        ("CellID", Values::strings(&ids)),
        (
            "Cluster",
            Values::strings(&(from..from + n).map(|j| format!("c{}", j % 12)).collect::<Vec<_>>()),
        ),
        ("X_umap", Values::Float32(umap)),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: big_loom OUT.loom [MEGABYTES]")?;
    let megabytes: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let want = megabytes * 1_000_000;
    let mut counts = Counts(0x9E37_79B9_7F4A_7C15);
    let genes: Vec<String> = (0..ROWS).map(|i| format!("Gene{i:05}")).collect();
    let first = counts.batch(BATCH);
    let contents = Contents {
        row_attrs: vec![
            ("Gene", Values::strings(&genes)),
            (
                "Accession",
                Values::strings(&genes.iter().map(|g| format!("ENSG{g}")).collect::<Vec<_>>()),
            ),
        ],
        col_attrs: cell_attrs(0, BATCH),
        file_attrs: vec![("title", Values::from("big_loom: a generated loompy-layout file"))],
    };
    LoomFile::create(&out, LayerData::Dense(first.view()), &contents)?;
    let mut cols = BATCH;
    let mut f = LoomFile::open_rw(&out)?;
    while std::fs::metadata(&out)?.len() < want {
        let b = counts.batch(BATCH);
        let attrs = cell_attrs(cols, BATCH);
        f.add_columns(&[("", Block::from(b.view()))], &attrs, &[], &FillValues::default())?;
        cols += BATCH;
        eprint!("\r{out}: {ROWS} x {cols}, {} MB", std::fs::metadata(&out)?.len() / 1_000_000);
    }
    f.close()?;
    eprintln!();
    Ok(())
}
