//! The metadata workload for instruction counts (`valgrind --tool=callgrind`): open every
//! file named on the command line and walk it with attributes (`PROBE=walk`), or also plan
//! every chunked dataset's chunk index (`PROBE=chunks`, the default). Nothing is printed but
//! one checksum line, so the counts measure parsing alone.

use loomfile_hdf5::File;
use loomfile_hdf5::{NodeKind, WalkOptions, walk};

fn main() {
    let mut sum = 0u64;
    let mut failed = 0usize;
    let chunks = std::env::var("PROBE").map_or(true, |p| p != "walk");
    for path in std::env::args().skip(1) {
        let Ok(file) = File::open(&path) else {
            failed += 1;
            continue;
        };
        let opts = WalkOptions { data: false, attrs: true, ..WalkOptions::default() };
        let Ok(nodes) = walk(&file, "/", opts) else {
            failed += 1;
            continue;
        };
        for n in &nodes {
            sum = sum.wrapping_add(n.path.len() as u64);
            if let NodeKind::Dataset { dataset, attrs, .. } = &n.kind {
                sum = sum.wrapping_add(attrs.len() as u64);
                if chunks && dataset.chunk_shape().is_some() {
                    match dataset.chunks() {
                        Ok(map) => sum = sum.wrapping_add(map.grid().iter().product::<u64>()),
                        Err(_) => failed += 1,
                    }
                }
            }
        }
    }
    println!("checksum {sum} failed {failed}");
}
