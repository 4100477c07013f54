//! Data object headers (spec IV.A.1): version 1 (8-byte aligned messages, continuation
//! blocks without signature) and version 2 (`OHDR` + `OCHK` blocks with checksums).
//!
//! Parsing gathers every message of every block into one list, following continuation
//! messages iteratively with a visited set and the block/message limits of [`crate::Limits`].

use super::checksum;
use super::cursor::{Cursor, Encoder};
use super::source::Source;
use crate::{Error, Result};
use std::collections::HashSet;

/// Header message type numbers (spec IV.A.2).
pub mod kind {
    /// NIL (padding).
    pub const NIL: u16 = 0x0000;
    /// Dataspace.
    pub const DATASPACE: u16 = 0x0001;
    /// Link info.
    pub const LINK_INFO: u16 = 0x0002;
    /// Datatype.
    pub const DATATYPE: u16 = 0x0003;
    /// Fill value (old).
    pub const FILL_VALUE_OLD: u16 = 0x0004;
    /// Fill value.
    pub const FILL_VALUE: u16 = 0x0005;
    /// Link.
    pub const LINK: u16 = 0x0006;
    /// External data files.
    pub const EXTERNAL_FILES: u16 = 0x0007;
    /// Data layout.
    pub const LAYOUT: u16 = 0x0008;
    /// Bogus (testing only).
    pub const BOGUS: u16 = 0x0009;
    /// Group info.
    pub const GROUP_INFO: u16 = 0x000A;
    /// Filter pipeline.
    pub const FILTER_PIPELINE: u16 = 0x000B;
    /// Attribute.
    pub const ATTRIBUTE: u16 = 0x000C;
    /// Object comment.
    pub const COMMENT: u16 = 0x000D;
    /// Modification time (old).
    pub const MTIME_OLD: u16 = 0x000E;
    /// Shared message table.
    pub const SHARED_TABLE: u16 = 0x000F;
    /// Continuation.
    pub const CONTINUATION: u16 = 0x0010;
    /// Symbol table.
    pub const SYMBOL_TABLE: u16 = 0x0011;
    /// Modification time.
    pub const MTIME: u16 = 0x0012;
    /// B-tree 'K' values.
    pub const BTREE_K: u16 = 0x0013;
    /// Driver info.
    pub const DRIVER_INFO: u16 = 0x0014;
    /// Attribute info.
    pub const ATTRIBUTE_INFO: u16 = 0x0015;
    /// Reference count.
    pub const REFCOUNT: u16 = 0x0016;
    /// File space info.
    pub const FSINFO: u16 = 0x0017;
}

/// Message flag bits.
pub mod flag {
    /// The message is constant.
    pub const CONSTANT: u8 = 0x01;
    /// The message is stored elsewhere (shared).
    pub const SHARED: u8 = 0x02;
    /// Fail on unknown message types whatever the access mode.
    pub const FAIL_IF_UNKNOWN_ALWAYS: u8 = 0x80;
}

/// One header message, its data copied out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Message type.
    pub kind: u16,
    /// Message flags.
    pub flags: u8,
    /// Creation order (v2 headers that track attribute order).
    pub creation_order: Option<u16>,
    /// The message body.
    pub data: Vec<u8>,
    /// File address of the body (for errors and the editor).
    pub offset: u64,
}

/// A block of a header (the first one or a continuation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    /// Address of the block (for v1 continuation blocks: the first message).
    pub address: u64,
    /// Length in bytes.
    pub length: u64,
}

/// A decoded object header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectHeader {
    /// 1 or 2.
    pub version: u8,
    /// Address of the header.
    pub address: u64,
    /// Reference count (v1 prefix; v2 from the refcount message, 1 by default).
    pub refcount: u32,
    /// v2 header flags.
    pub flags: u8,
    /// All messages in order, continuation messages included.
    pub messages: Vec<Message>,
    /// Blocks making up the header.
    pub blocks: Vec<Block>,
}

impl ObjectHeader {
    /// Messages of one type.
    pub fn all(&self, kind: u16) -> impl Iterator<Item = &Message> {
        self.messages.iter().filter(move |m| m.kind == kind)
    }

    /// The first message of one type.
    pub fn first(&self, kind: u16) -> Option<&Message> {
        self.all(kind).next()
    }

    /// Read and decode the header at `address`.
    pub fn read(src: &Source, address: u64) -> Result<ObjectHeader> {
        // Both prefixes fit in 64 bytes; the v1 prefix is 16 bytes.
        let head = src.block_upto(address, 64, "object header")?;
        if head.starts_with(b"OHDR") {
            Self::read_v2(src, address, &head)
        } else {
            Self::read_v1(src, address, &head)
        }
    }

    fn read_v1(src: &Source, address: u64, head: &[u8]) -> Result<ObjectHeader> {
        let mut c = Cursor::new(head, address, "object header");
        let version = c.u8()?;
        if version != 1 {
            return Err(c.error(format!("version {version} (expected 1, or an OHDR signature)")));
        }
        c.skip(1)?;
        let _count = c.u16()?;
        let refcount = c.u32()?;
        let size = c.u32()? as u64;
        let mut header = ObjectHeader {
            version: 1,
            address,
            refcount,
            flags: 0,
            messages: Vec::new(),
            blocks: Vec::new(),
        };
        let first = address.checked_add(16).ok_or_else(|| c.error("address overflow"))?;
        header.walk(src, Block { address: first, length: size })?;
        Ok(header)
    }

    fn read_v2(src: &Source, address: u64, head: &[u8]) -> Result<ObjectHeader> {
        let mut c = Cursor::new(head, address, "object header");
        c.signature(b"OHDR")?;
        let version = c.u8()?;
        if version != 2 {
            return Err(c.error(format!("OHDR version {version}")));
        }
        let flags = c.u8()?;
        if flags & 0x20 != 0 {
            c.skip(16)?;
        }
        if flags & 0x10 != 0 {
            c.skip(4)?;
        }
        let size = c.uint(1 << (flags & 3))?;
        let prefix = c.pos() as u64;
        let mut header = ObjectHeader {
            version: 2,
            address,
            refcount: 1,
            flags,
            messages: Vec::new(),
            blocks: Vec::new(),
        };
        let length = prefix
            .checked_add(size)
            .and_then(|n| n.checked_add(4))
            .ok_or_else(|| c.error("chunk size overflow"))?;
        header.walk(src, Block { address, length })?;
        if let Some(m) = header.first(kind::REFCOUNT) {
            let mut rc = Cursor::new(&m.data, m.offset, "reference count message");
            let _version = rc.u8()?;
            header.refcount = rc.u32()?;
        }
        Ok(header)
    }

    /// Parse the first block and every continuation block reachable from it.
    fn walk(&mut self, src: &Source, first: Block) -> Result<()> {
        let mut pending = vec![first];
        let mut seen = HashSet::new();
        while let Some(block) = pending.pop() {
            if !seen.insert(block.address) {
                return Err(Error::malformed(
                    "object header",
                    block.address,
                    "continuation chain loops back to an earlier block",
                ));
            }
            if self.blocks.len() as u32 >= src.limits.max_header_blocks {
                return Err(Error::limit(
                    "object header continuation blocks",
                    self.blocks.len() as u64 + 1,
                    src.limits.max_header_blocks as u64,
                ));
            }
            self.blocks.push(block);
            let bytes = src.block(block.address, block.length, "object header")?;
            let before = self.messages.len();
            if self.version == 1 {
                self.parse_v1_block(&bytes, block.address, src.limits.max_header_messages)?;
            } else {
                self.parse_v2_block(
                    &bytes,
                    block,
                    self.blocks.len() == 1,
                    src.limits.max_header_messages,
                )?;
            }
            // Continuations found in this block are visited in order.
            let mut next = Vec::new();
            for m in &self.messages[before..] {
                if m.kind == kind::CONTINUATION {
                    let mut c = Cursor::new(&m.data, m.offset, "continuation message");
                    let address = c.addr_defined(src.sizes, "continuation address")?;
                    let length = c.length(src.sizes)?;
                    if length == 0 {
                        return Err(c.error("continuation block of length 0"));
                    }
                    next.push(Block { address, length });
                }
            }
            pending.extend(next.into_iter().rev());
        }
        Ok(())
    }

    fn push(&mut self, m: Message, limit: u32) -> Result<()> {
        if self.messages.len() as u32 >= limit {
            return Err(Error::limit(
                "object header messages",
                self.messages.len() as u64 + 1,
                limit as u64,
            ));
        }
        self.messages.push(m);
        Ok(())
    }

    fn parse_v1_block(&mut self, bytes: &[u8], base: u64, limit: u32) -> Result<()> {
        let mut c = Cursor::new(bytes, base, "object header");
        while c.remaining() >= 8 {
            let kind = c.u16()?;
            let size = c.u16()? as usize;
            let flags = c.u8()?;
            c.skip(3)?;
            let offset = c.offset();
            let data = c.bytes(size).map_err(|_| {
                c.error(format!("message of type {kind:#x} and size {size} overruns its block"))
            })?;
            self.check_unknown(kind, flags, offset)?;
            self.push(
                Message { kind, flags, creation_order: None, data: data.to_vec(), offset },
                limit,
            )?;
            // v1 message bodies are padded to multiples of 8; tolerate unpadded writers.
            let pad = (8 - c.pos() % 8) % 8;
            if pad <= c.remaining() {
                c.skip(pad)?;
            }
        }
        Ok(())
    }

    fn parse_v2_block(
        &mut self,
        bytes: &[u8],
        block: Block,
        first: bool,
        limit: u32,
    ) -> Result<()> {
        let what = "object header";
        let n = bytes.len();
        if n < 4 {
            return Err(Error::malformed(what, block.address, "block shorter than its checksum"));
        }
        checksum::verify(bytes, n - 4, block.address, what)?;
        let mut c = Cursor::new(&bytes[..n - 4], block.address, what);
        if first {
            // Re-skip the prefix: signature, version, flags, optional fields, size field.
            c.skip(6)?;
            if self.flags & 0x20 != 0 {
                c.skip(16)?;
            }
            if self.flags & 0x10 != 0 {
                c.skip(4)?;
            }
            c.skip(1 << (self.flags & 3))?;
        } else {
            c.signature(b"OCHK")?;
        }
        let order = self.flags & 0x04 != 0;
        let header_len = if order { 6 } else { 4 };
        while c.remaining() >= header_len {
            let kind = c.u8()? as u16;
            let size = c.u16()? as usize;
            let flags = c.u8()?;
            let creation_order = if order { Some(c.u16()?) } else { None };
            let offset = c.offset();
            let data = c.bytes(size).map_err(|_| {
                c.error(format!("message of type {kind:#x} and size {size} overruns its block"))
            })?;
            self.check_unknown(kind, flags, offset)?;
            self.push(Message { kind, flags, creation_order, data: data.to_vec(), offset }, limit)?;
        }
        Ok(())
    }

    fn check_unknown(&self, kind: u16, flags: u8, offset: u64) -> Result<()> {
        if kind > kind::FSINFO && flags & flag::FAIL_IF_UNKNOWN_ALWAYS != 0 {
            return Err(Error::unsupported(format!(
                "header message type {kind:#x} (at {offset:#x}) marked fail-if-unknown"
            )));
        }
        Ok(())
    }
}

/// Encode a v1 message (type, size, flags, reserved, body padded to 8 bytes).
pub fn encode_v1_message(e: &mut Encoder, kind: u16, flags: u8, body: &[u8]) {
    let padded = body.len().div_ceil(8) * 8;
    e.u16(kind).u16(padded as u16).u8(flags).zeros(3).bytes(body).zeros(padded - body.len());
}

/// Encoded length of a v1 message with a body of `body_len` bytes.
pub fn v1_message_len(body_len: usize) -> usize {
    8 + body_len.div_ceil(8) * 8
}
