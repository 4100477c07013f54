//! Data object headers (spec IV.A.1): version 1 (8-byte aligned messages, continuation
//! blocks without signature) and version 2 (`OHDR` + `OCHK` blocks with checksums).
//!
//! Parsing gathers every message of every block into one list, following continuation
//! messages iteratively with a visited set and the block/message limits of [`crate::Limits`].

use super::binary::{self, Sealed, fail, malformed, remaining, uint, uint_w};
use super::messages::continuation::Continuation;
use super::messages::refcount::RefCount;
use super::source::Source;
use crate::{Error, Result};
use binrw::io::{Read, Seek, SeekFrom};
use binrw::{BinRead, BinResult, Endian, binrw};
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

const WHAT: &str = "object header";

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

/// The 16-byte prefix of a version 1 header; its messages start at the next 8-byte boundary.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PrefixV1 {
    #[br(assert(version == 1, "version {} (expected 1, or an OHDR signature)", version))]
    #[bw(calc = 1)]
    version: u8,
    #[br(temp)]
    #[bw(calc = 0)]
    _reserved: u8,
    /// Messages in all blocks.
    pub message_count: u16,
    /// Hard links to the object.
    pub refcount: u32,
    /// Bytes of the first block of messages.
    #[brw(pad_after = 4)]
    pub header_size: u32,
}

/// Parser of a message body of `size` bytes: checked to lie in the block and stepped over.
/// The body is not copied out: it stays in the block, at `at..at + size`, and the reader
/// shares the block between its messages ([`Body`]), one allocation per block instead of one
/// per message. The parsed field is left empty.
fn body<R: Read + Seek>(r: &mut R, _: Endian, (kind, size): (u16, u16)) -> BinResult<Vec<u8>> {
    let pos = r.stream_position()?;
    if (size as u64) > remaining(r)? {
        return Err(malformed(
            pos,
            format!("message of type {kind:#x} and size {size} overruns its block"),
        ));
    }
    r.seek(SeekFrom::Current(size as i64))?;
    Ok(Vec::new())
}

/// Parser of the current position (the file offset of a message body, relative to its block).
fn position<R: Read + Seek>(r: &mut R, _: Endian, _: ()) -> BinResult<u64> {
    Ok(r.stream_position()?)
}

/// A version 1 message: type, size, flags, 3 reserved bytes, then the body, padded to 8
/// bytes (the size counts the padding).
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MessageV1 {
    pub kind: u16,
    pub size: u16,
    pub flags: u8,
    #[br(temp)]
    #[bw(calc = [0; 3])]
    _reserved: [u8; 3],
    /// Position of the body in its block.
    #[br(parse_with = position)]
    #[bw(ignore)]
    pub at: u64,
    /// Written; when read, left empty (the body stays in the block at `at`, see [`body`]).
    #[br(parse_with = body, args(kind, size))]
    pub body: Vec<u8>,
}

/// The messages of a version 1 block: messages until fewer than 8 bytes are left (v1 bodies
/// are padded to 8 bytes; unpadded writers are tolerated), at most `limit` of them.
fn messages_v1<R: Read + Seek>(
    r: &mut R,
    e: Endian,
    (limit, total): (usize, usize),
) -> BinResult<Vec<MessageV1>> {
    let start = r.stream_position()?;
    let end = start + remaining(r)?;
    // Room for messages of about 32 bytes (a guess from real headers), never past the limit.
    // alloc: <= block bytes / 32 and <= max_header_messages
    let mut out = Vec::with_capacity(((end - start) / 32).min(limit as u64) as usize);
    let mut pos = start;
    while end - pos >= 8 {
        if out.len() >= limit {
            let (needed, total) = (total as u64 + 1, total as u64);
            return Err(fail(pos, Error::limit("object header messages", needed, total)));
        }
        out.push(MessageV1::read_options(r, e, ())?);
        pos = r.stream_position()?;
        let pad = (8 - (pos - start) % 8) % 8;
        if pad <= end - pos {
            pos = r.seek(SeekFrom::Current(pad as i64))?;
        }
    }
    Ok(out)
}

/// A block of version 1 messages (the first one, after the prefix, or a continuation).
#[binrw]
#[brw(little, import(limit: usize, total: usize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlockV1 {
    #[br(parse_with = messages_v1, args(limit, total))]
    pub messages: Vec<MessageV1>,
}

/// The prefix of a version 2 header: signature, version, flags, optional times and
/// attribute phase change values, and the size of the first chunk's messages.
#[binrw]
#[brw(little, magic = b"OHDR")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PrefixV2 {
    #[br(assert(version == 2, "OHDR version {}", version))]
    #[bw(calc = 2)]
    version: u8,
    /// Bits 0-1: width of the chunk size; 2: creation order tracked; 4: phase change values
    /// stored; 5: times stored.
    pub flags: u8,
    /// Access, modification, change and birth times.
    #[brw(if(flags & 0x20 != 0))]
    pub times: Option<[u32; 4]>,
    /// Maximum compact and minimum dense attributes.
    #[brw(if(flags & 0x10 != 0))]
    pub attribute_phase: Option<(u16, u16)>,
    #[br(parse_with = uint, args(1 << (flags & 3)))]
    #[bw(write_with = uint_w, args(1 << (flags & 3)))]
    pub chunk_size: u64,
}

/// What a version 2 chunk starts with: the header prefix (first chunk) or `OCHK`.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChunkStart {
    Header(PrefixV2),
    #[brw(magic = b"OCHK")]
    Continuation,
}

/// A version 2 message: type, size, flags, creation order when tracked, body.
#[binrw]
#[brw(little, import(track_order: bool))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MessageV2 {
    pub kind: u8,
    pub size: u16,
    pub flags: u8,
    #[brw(if(track_order))]
    pub creation_order: Option<u16>,
    #[br(parse_with = position)]
    #[bw(ignore)]
    pub at: u64,
    /// Written; when read, left empty (the body stays in the block at `at`, see [`body`]).
    #[br(parse_with = body, args(kind as u16, size))]
    pub body: Vec<u8>,
}

/// The messages of a version 2 chunk: messages while one fits before the checksum (a gap
/// of fewer bytes may follow), at most `limit` of them.
fn messages_v2<R: Read + Seek>(
    r: &mut R,
    e: Endian,
    (track_order, limit, total): (bool, usize, usize),
) -> BinResult<Vec<MessageV2>> {
    let header_len = if track_order { 6 } else { 4 };
    let mut pos = r.stream_position()?;
    let end = pos + remaining(r)?;
    // alloc: <= block bytes / 32 and <= max_header_messages
    let mut out = Vec::with_capacity(((end - pos) / 32).min(limit as u64) as usize);
    while end - pos >= header_len + 4 {
        if out.len() >= limit {
            let (needed, total) = (total as u64 + 1, total as u64);
            return Err(fail(pos, Error::limit("object header messages", needed, total)));
        }
        out.push(MessageV2::read_options(r, e, (track_order,))?);
        pos = r.stream_position()?;
    }
    // The gap: too short for a message.
    let gap = (end - pos).saturating_sub(4);
    r.seek(SeekFrom::Current(gap as i64))?;
    Ok(out)
}

/// A version 2 chunk: its start, messages, a gap, and a checksum over everything before it.
#[binrw]
#[brw(little, import(track_order: bool, limit: usize, total: usize))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkV2 {
    pub start: ChunkStart,
    #[br(parse_with = messages_v2, args(track_order, limit, total))]
    #[bw(args(track_order))]
    pub messages: Vec<MessageV2>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
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
    pub data: Body,
    /// File address of the body (for errors and the editor).
    pub offset: u64,
}

/// A message body: a range of its header block, which the block's messages share (read as
/// `&[u8]` through `Deref`).
#[derive(Clone)]
pub struct Body {
    block: Arc<Vec<u8>>,
    start: usize,
    end: usize,
}

impl Body {
    /// The bytes `start..end` of `block` (the caller has checked the range).
    fn new(block: &Arc<Vec<u8>>, start: usize, end: usize) -> Body {
        Body { block: Arc::clone(block), start, end }
    }
}

impl Deref for Body {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.block[self.start..self.end]
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Body {
        let end = v.len();
        Body { block: Arc::new(v), start: 0, end }
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        **self == **other
    }
}

impl Eq for Body {}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
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
        let head = src.block_upto(address, 64, WHAT)?;
        if head.starts_with(b"OHDR") {
            Self::read_v2(src, address, &head)
        } else {
            Self::read_v1(src, address, &head)
        }
    }

    fn read_v1(src: &Source, address: u64, head: &[u8]) -> Result<ObjectHeader> {
        let p: PrefixV1 = binary::parse(head, address, WHAT, ())?;
        let mut header = ObjectHeader {
            version: 1,
            address,
            refcount: p.refcount,
            flags: 0,
            messages: Vec::new(),
            blocks: Vec::new(),
        };
        let first = address
            .checked_add(16)
            .ok_or_else(|| Error::malformed(WHAT, address, "address overflow"))?;
        header.walk(src, Block { address: first, length: p.header_size as u64 })?;
        Ok(header)
    }

    fn read_v2(src: &Source, address: u64, head: &[u8]) -> Result<ObjectHeader> {
        let (p, prefix): (PrefixV2, usize) = binary::parse_prefix(head, address, WHAT, ())?;
        let mut header = ObjectHeader {
            version: 2,
            address,
            refcount: 1,
            flags: p.flags,
            messages: Vec::new(),
            blocks: Vec::new(),
        };
        let length = (prefix as u64)
            .checked_add(p.chunk_size)
            .and_then(|n| n.checked_add(4))
            .ok_or_else(|| Error::malformed(WHAT, address, "chunk size overflow"))?;
        header.walk(src, Block { address, length })?;
        if let Some(m) = header.first(kind::REFCOUNT) {
            let rc: RefCount = binary::parse(&m.data, m.offset, "reference count message", ())?;
            header.refcount = rc.count;
        }
        Ok(header)
    }

    /// Parse the first block and every continuation block reachable from it.
    fn walk(&mut self, src: &Source, first: Block) -> Result<()> {
        let mut pending = vec![first];
        let mut seen = HashSet::new();
        let limit = src.limits.max_header_messages as usize;
        while let Some(block) = pending.pop() {
            if !seen.insert(block.address) {
                return Err(Error::malformed(
                    WHAT,
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
            let bytes = Arc::new(src.block(block.address, block.length, WHAT)?);
            let before = self.messages.len();
            let left = limit.saturating_sub(before);
            if self.version == 1 {
                let b: BlockV1 = binary::parse(&bytes, block.address, WHAT, (left, limit))?;
                self.messages.reserve(b.messages.len());
                for m in b.messages {
                    let at = m.at as usize;
                    self.push(Message {
                        kind: m.kind,
                        flags: m.flags,
                        creation_order: None,
                        data: Body::new(&bytes, at, at + m.size as usize),
                        offset: block.address + m.at,
                    })?;
                }
            } else {
                let track_order = self.flags & 0x04 != 0;
                let c: ChunkV2 =
                    binary::parse(&bytes, block.address, WHAT, (track_order, left, limit))?;
                let first = self.blocks.len() == 1;
                if first != matches!(c.start, ChunkStart::Header(_)) {
                    let want = if first { "OHDR" } else { "OCHK" };
                    return Err(Error::malformed(WHAT, block.address, format!("{want} expected")));
                }
                self.messages.reserve(c.messages.len());
                for m in c.messages {
                    let at = m.at as usize;
                    self.push(Message {
                        kind: m.kind as u16,
                        flags: m.flags,
                        creation_order: m.creation_order,
                        data: Body::new(&bytes, at, at + m.size as usize),
                        offset: block.address + m.at,
                    })?;
                }
            }
            // Continuations found in this block are visited in order.
            let mut next = Vec::new();
            for m in &self.messages[before..] {
                if m.kind == kind::CONTINUATION {
                    let c: Continuation =
                        binary::parse(&m.data, m.offset, "continuation message", src.sizes)?;
                    next.push(Block { address: c.offset.0, length: c.length.0 });
                }
            }
            pending.extend(next.into_iter().rev());
        }
        Ok(())
    }

    fn push(&mut self, m: Message) -> Result<()> {
        if m.kind > kind::FSINFO && m.flags & flag::FAIL_IF_UNKNOWN_ALWAYS != 0 {
            return Err(Error::unsupported(format!(
                "header message type {:#x} (at {:#x}) marked fail-if-unknown",
                m.kind, m.offset
            )));
        }
        self.messages.push(m);
        Ok(())
    }
}

/// Bytes of a version 1 message padded to 8 bytes; a body of up to `0xfff8` bytes fits.
fn padded(body: &[u8]) -> Vec<u8> {
    let mut b = body.to_vec();
    b.resize(body.len().div_ceil(8) * 8, 0);
    b
}

/// A version 1 message as the writer stores it (body padded to 8 bytes).
pub(crate) fn message_v1(kind: u16, flags: u8, body: &[u8]) -> MessageV1 {
    let body = padded(body);
    MessageV1 { kind, size: body.len() as u16, flags, at: 0, body }
}

/// Encode a version 1 header: prefix, then one block holding `messages`.
pub(crate) fn encode_v1(refcount: u32, messages: Vec<MessageV1>) -> Vec<u8> {
    let size: usize = messages.iter().map(|m| 8 + m.body.len()).sum();
    let p = PrefixV1 { message_count: messages.len() as u16, refcount, header_size: size as u32 };
    let mut out = binary::encode(&p, ());
    binary::encode_into(&BlockV1 { messages }, (0, 0), &mut out);
    out
}

/// Encode a version 2 header of one chunk (flags 0x02: a 4-byte chunk size, no times).
pub(crate) fn encode_v2(messages: Vec<MessageV2>) -> Vec<u8> {
    let size: usize = messages.iter().map(|m| 4 + m.body.len()).sum();
    let start = ChunkStart::Header(PrefixV2 {
        flags: 0x02,
        times: None,
        attribute_phase: None,
        chunk_size: size as u64,
    });
    binary::encode(&ChunkV2 { start, messages }, (false, 0, 0))
}

/// Encoded length of a v1 message with a body of `body_len` bytes.
pub fn v1_message_len(body_len: usize) -> usize {
    8 + body_len.div_ceil(8) * 8
}
