//! Print every object header's messages (type, flags, size, offset) of an HDF5 file: a
//! debugging aid for comparing what different writers put on disk.
//!
//! `cargo run -p loomfile-hdf5 --example headers -- FILE`

use loomfile_hdf5::{File, Object};
use loomfile_hdf5::{NodeKind, WalkOptions, walk};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: headers FILE")?;
    let f = File::open(&path)?;
    let sb = f.superblock();
    println!(
        "superblock v{} base {} eof {} root {:#x}",
        sb.version,
        sb.base,
        sb.eof,
        sb.root_address()
    );
    let opts = WalkOptions { data: false, attrs: false, ..WalkOptions::default() };
    for node in walk(&f, "/", opts)? {
        if matches!(
            node.kind,
            NodeKind::SoftLink(_) | NodeKind::External { .. } | NodeKind::Cycle(_)
        ) {
            continue;
        }
        let obj = f.object(&node.path)?;
        let h = match &obj {
            Object::Group(g) => g.header().clone(),
            Object::Dataset(d) => d.header().clone(),
            Object::Datatype(_) => continue,
        };
        println!(
            "{} @ {:#x} v{} refcount {} blocks {:?}",
            node.path,
            obj.address(),
            h.version,
            h.refcount,
            h.blocks
        );
        for m in &h.messages {
            println!(
                "    type {:#06x} flags {:#04x} size {:5} at {:#x}",
                m.kind,
                m.flags,
                m.data.len(),
                m.offset
            );
        }
    }
    Ok(())
}
