//! Version 2 B-trees for the writer (spec III.A.2): a header (`BTHD`) and one leaf
//! (`BTLF`) holding every record, the node size chosen so that they fit.
//!
//! Records must arrive sorted as the tree type orders them. libhdf5 splits and merges the
//! tree as it grows later; the split and merge percentages are its defaults.

use super::space::Space;
use crate::raw::checksum::lookup3;
use crate::raw::{Encoder, Sizes};
use crate::{Error, Result};

/// Signature, version, type and checksum of a node.
const NODE_OVERHEAD: u64 = 10;
/// libhdf5's node size for name and creation-order indexes.
const MIN_NODE: u64 = 512;

/// Write a depth-0 tree of type `kind` over `records` (each `record_size` bytes, sorted);
/// returns the header address.
pub fn write_single_leaf(
    space: &mut Space,
    sizes: Sizes,
    kind: u8,
    record_size: u16,
    records: &[Vec<u8>],
) -> Result<u64> {
    if records.iter().any(|r| r.len() != record_size as usize) {
        return Err(Error::invalid("internal: a B-tree record of the wrong size"));
    }
    let n = records.len() as u64;
    if n > u16::MAX as u64 {
        return Err(Error::unsupported(format!("{n} records in one v2 B-tree leaf")));
    }
    let node = (NODE_OVERHEAD + n * record_size as u64).max(MIN_NODE).next_power_of_two();
    if node > u32::MAX as u64 {
        return Err(Error::unsupported(format!("a v2 B-tree node of {node} bytes")));
    }
    let mut leaf = Encoder::new();
    leaf.bytes(b"BTLF").u8(0).u8(kind);
    for r in records {
        leaf.bytes(r);
    }
    let sum = lookup3(&leaf.buf, 0);
    leaf.u32(sum);
    leaf.zeros(node as usize - leaf.len());
    let leaf_at = space.append(&leaf.buf)?;

    let mut h = Encoder::new();
    h.bytes(b"BTHD").u8(0).u8(kind).u32(node as u32).u16(record_size).u16(0);
    h.u8(100).u8(40); // split and merge percentages
    h.addr(sizes, Some(leaf_at)).u16(n as u16).length(sizes, n);
    let sum = lookup3(&h.buf, 0);
    h.u32(sum);
    space.append(&h.buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::btree_v2::BTreeV2;
    use crate::raw::btree_v2::tests::source;
    use crate::storage::{MemStorage, WriteAt};
    use std::sync::Arc;

    #[test]
    fn records_read_back_in_order_at_any_count() {
        // 0 records, one node's worth at 512 bytes (29 of 17 bytes), and more (a 1 KiB node).
        for n in [0usize, 29, 30, 200] {
            let records: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; 17]).collect();
            let st = Arc::new(MemStorage::new(Vec::new()));
            let dynst: Arc<dyn WriteAt> = st.clone();
            let mut space = Space::new(dynst, 0, 0);
            let at = write_single_leaf(&mut space, Sizes::DEFAULT, 8, 17, &records).unwrap();
            let src = source(st.to_vec());
            let t = BTreeV2::read(&src, at).unwrap();
            assert_eq!((t.kind, t.record_size, t.depth), (8, 17, 0));
            assert_eq!(t.node_size, ((10 + 17 * n as u32).max(512)).next_power_of_two());
            assert_eq!(t.records(&src).unwrap(), records);
        }
    }

    #[test]
    fn records_of_the_wrong_size_are_refused() {
        let st: Arc<dyn WriteAt> = Arc::new(MemStorage::new(Vec::new()));
        let mut space = Space::new(st, 0, 0);
        assert!(write_single_leaf(&mut space, Sizes::DEFAULT, 8, 17, &[vec![0; 16]]).is_err());
    }
}
