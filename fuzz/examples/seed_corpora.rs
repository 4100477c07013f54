//! Seed extractor for `fuzz/seed_corpora.sh`: cuts the inputs of every target out of real
//! HDF5 files (structures at their addresses, message bodies, stored chunks with their
//! pipeline) in the input layouts documented in `src/lib.rs`.
//!
//! Usage: `seed_corpora <corpus dir> <file>...`; writes `<corpus dir>/<target>/<hash>`.

use loomfile_fuzz::{Prefix, kind_of, sizes_cfg};
use loomfile_hdf5::raw::btree_v1;
use loomfile_hdf5::raw::messages::symbol_table::SymbolTable;
use loomfile_hdf5::raw::object_header::{ObjectHeader, kind};
use loomfile_hdf5::{ChunkIndex, Layout};
use loomfile_hdf5::{Datatype, File, Object};
use loomfile_hdf5::{NodeKind, WalkOptions, walk};
use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

/// Seeds of one file, by target.
#[derive(Default)]
struct Seeds(HashMap<&'static str, Vec<Vec<u8>>>);

impl Seeds {
    fn add(&mut self, target: &'static str, bytes: Vec<u8>) {
        self.0.entry(target).or_default().push(bytes);
    }
}

/// Collection addresses referenced by the variable-length elements in `raw`.
fn vlen_collections(file: &File, dtype: &Datatype, raw: &[u8], out: &mut BTreeSet<u64>) {
    if !matches!(dtype, Datatype::VarString { .. } | Datatype::VarSequence { .. }) {
        return;
    }
    let sizes = file.source().sizes;
    for e in raw.chunks_exact(dtype.size().max(1) as usize).take(256) {
        // Length (4 bytes), then the collection address.
        let width = sizes.offset as usize;
        if let Some(a) = e.get(4..4 + width) {
            let mut b = [0u8; 8];
            b[..width].copy_from_slice(a);
            let addr = u64::from_le_bytes(b);
            if addr != sizes.undefined() {
                out.insert(addr);
            }
        }
    }
}

fn header_seeds(file: &File, image: &[u8], h: &ObjectHeader, seeds: &mut Seeds) {
    let src = file.source();
    let cfg = sizes_cfg(src.sizes);
    let sb = file.superblock();
    let at = |cfg: u8, param: u16, addr: u64| Prefix { cfg, param, addr }.encode(image);
    seeds.add("object_header", at(cfg, 0, h.address));
    for m in &h.messages {
        let with_cfg = || [&[cfg][..], &m.data].concat();
        match m.kind {
            kind::DATASPACE => seeds.add("dataspace", with_cfg()),
            kind::DATATYPE => seeds.add("datatype", m.data.to_vec()),
            kind::LAYOUT => seeds.add("layout", with_cfg()),
            kind::FILTER_PIPELINE => seeds.add("filter_pipeline", m.data.to_vec()),
            kind::ATTRIBUTE => seeds.add("attribute", with_cfg()),
            kind::LINK => seeds.add("link", with_cfg()),
            kind::FILL_VALUE | kind::FILL_VALUE_OLD => seeds.add("fill_value", m.data.to_vec()),
            kind::SYMBOL_TABLE => {
                let Ok(st) = SymbolTable::decode(&m.data, m.offset, src.sizes) else { continue };
                seeds.add("btree_v1", at(cfg, sb.group_internal_k, st.btree));
                seeds.add("local_heap", at(cfg, 0, st.heap));
                for node in
                    btree_v1::group_nodes(src, st.btree, sb.group_internal_k).unwrap_or_default()
                {
                    seeds.add("symbol_node", at(cfg, sb.group_leaf_k, node));
                }
            }
            _ => {}
        }
        if m.kind == kind::LAYOUT
            && let Ok(Layout::Chunked { chunk, index: ChunkIndex::BTreeV1, address, .. }) =
                Layout::decode(&m.data, m.offset, src.sizes)
            && let Some(a) = address
        {
            let rank = (chunk.len().min(7) as u8) << 5;
            seeds.add("btree_v1", at(cfg | 0x10 | rank, sb.indexed_storage_k, a));
        }
    }
}

/// Stored chunks of a filtered dataset, with its pipeline, in the filters target layout.
fn chunk_seeds(d: &loomfile_hdf5::Dataset, seeds: &mut Seeds) {
    let filters = &d.pipeline().filters;
    let Some(geo) = d.geometry() else { return };
    if filters.is_empty() || filters.len() > 3 || geo.chunk_bytes > 1 << 20 {
        return;
    }
    let Ok(map) = d.chunks() else { return };
    let Ok(entries) = map.entries() else { return };
    for e in entries.iter().take(4) {
        let mut stored = vec![0u8; e.size.min(1 << 20) as usize];
        if d.file().source().read_into(e.address, &mut stored, "chunk").is_err() {
            continue;
        }
        let mut v = vec![filters.len() as u8];
        for f in filters {
            let param = f.params.first().copied().unwrap_or(0).min(255) as u8;
            v.extend_from_slice(&[kind_of(f.id), param]);
        }
        v.push(e.filter_mask.min(255) as u8);
        v.extend_from_slice(&(geo.chunk_bytes as u32).to_le_bytes());
        v.push(255);
        v.extend_from_slice(&stored);
        seeds.add("filters", v);
    }
}

fn seeds_of(bytes: &[u8]) -> Seeds {
    let mut seeds = Seeds::default();
    seeds.add("open_walk_read", bytes.to_vec());
    seeds.add("loom_open_validate", bytes.to_vec());
    seeds.add("superblock", bytes[..bytes.len().min(16 << 10)].to_vec());
    seeds.add("writer_ops", bytes[..bytes.len().min(4 << 10)].to_vec());
    let Ok(file) = File::from_bytes(bytes.to_vec()) else { return seeds };
    // Structure targets read from address 0 of their image: drop any userblock.
    let image = &bytes[(file.superblock().base as usize).min(bytes.len())..];
    let opts = WalkOptions { data: false, attrs: false, ..WalkOptions::default() };
    let Ok(nodes) = walk(&file, "/", opts) else { return seeds };
    let mut collections = BTreeSet::new();
    let mut headers = BTreeSet::new();
    for node in &nodes {
        if !matches!(node.kind, NodeKind::Group { .. } | NodeKind::Dataset { .. }) {
            continue;
        }
        let Ok(obj) = file.object(&node.path) else { continue };
        let (header, attrs) = match &obj {
            Object::Group(g) => (g.header().clone(), g.attributes()),
            Object::Dataset(d) => {
                chunk_seeds(d, &mut seeds);
                if let Ok(raw) = d.read_raw_all() {
                    vlen_collections(&file, d.dtype(), &raw, &mut collections);
                }
                (d.header().clone(), d.attributes())
            }
            Object::Datatype(_) => continue,
        };
        if headers.insert(header.address) {
            header_seeds(&file, image, &header, &mut seeds);
        }
        for a in attrs.into_iter().flatten() {
            vlen_collections(&file, a.dtype(), a.raw(), &mut collections);
        }
    }
    let cfg = sizes_cfg(file.source().sizes);
    for addr in collections {
        seeds.add("global_heap", Prefix { cfg, param: 1, addr }.encode(image));
    }
    // Structure seeds carry the whole file image: keep the corpora small (a few per target
    // from files up to 64 KiB, spread over the file's structures).
    for target in STRUCTURE_TARGETS {
        if let Some(v) = seeds.0.get_mut(target) {
            if image.len() > 64 << 10 {
                v.clear();
            } else {
                let step = v.len().div_ceil(PER_FILE).max(1);
                *v = v.iter().step_by(step).take(PER_FILE).cloned().collect();
            }
        }
    }
    seeds
}

/// Targets whose seeds hold a file image.
const STRUCTURE_TARGETS: [&str; 5] =
    ["object_header", "btree_v1", "symbol_node", "local_heap", "global_heap"];
/// Most seeds per structure target and file.
const PER_FILE: usize = 4;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out, files)) = args.split_first() else {
        eprintln!("usage: seed_corpora <corpus dir> <file>...");
        std::process::exit(2);
    };
    let mut written: HashMap<&'static str, usize> = HashMap::new();
    for f in files {
        let Ok(bytes) = std::fs::read(f) else {
            eprintln!("skipping unreadable {f}");
            continue;
        };
        for (target, inputs) in seeds_of(&bytes).0 {
            let dir = Path::new(out).join(target);
            std::fs::create_dir_all(&dir).expect("create the corpus folder");
            for input in inputs {
                let mut h = DefaultHasher::new();
                input.hash(&mut h);
                let path = dir.join(format!("{:016x}", h.finish()));
                if !path.exists() {
                    std::fs::write(&path, &input).expect("write a seed");
                    *written.entry(target).or_default() += 1;
                }
            }
        }
    }
    let mut counts: Vec<_> = written.into_iter().collect();
    counts.sort();
    for (target, n) in counts {
        println!("{target}: {n} new seeds");
    }
}
