//! Version 2 B-trees for the writer (spec III.A.2): a header (`BTHD`) and one leaf
//! (`BTLF`) holding every record, the node size chosen so that they fit.
//!
//! Records must arrive sorted as the tree type orders them. libhdf5 splits and merges the
//! tree as it grows later; the split and merge percentages are its defaults.

use super::space::Space;
use crate::raw::Sizes;
use crate::raw::binary::{self, Len, MaybeAddr};
use crate::raw::btree_v2::{Header, NodeV2};
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
    let leaf = NodeV2 {
        signature: *b"BTLF",
        version: 0,
        kind,
        records: records.concat(),
        children: Vec::new(),
    };
    let mut bytes = binary::encode(&leaf, (sizes, false, 0, 0, 0, 0));
    bytes.resize(node as usize, 0);
    let leaf_at = space.append(&bytes)?;

    let header = Header {
        version: 0,
        kind,
        node_size: node as u32,
        record_size,
        depth: 0,
        split_percent: 100,
        merge_percent: 40,
        root: MaybeAddr(Some(leaf_at)),
        root_records: n as u16,
        total_records: Len(n),
    };
    space.append(&binary::encode(&header, sizes))
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
