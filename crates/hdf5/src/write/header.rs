//! Object headers for the writer.
//!
//! Version 1 (what every object gets, as in libhdf5's earliest format): a 16-byte prefix
//! and one block of 8-byte aligned messages, padded with a NIL message to at least 256 bytes
//! (as libhdf5 does) so that libhdf5 can later add messages or a continuation in place.
//!
//! Version 2 (`OHDR`), only for objects whose attributes live in dense storage (an attribute
//! too large for a header message): libhdf5 ignores attribute info messages in version 1
//! headers. One chunk of unaligned messages, a 4-byte chunk size, no times, the reference
//! count as a message when above 1, and a lookup3 checksum.

use crate::raw::messages::refcount::RefCount;
use crate::raw::object_header::{self, MessageV2, kind, message_v1, v1_message_len};
use crate::{Error, Result};

/// Largest message body a version 1 header holds (the size field is 16 bits and bodies are
/// padded to 8 bytes).
pub const V1_MAX_BODY: usize = 0xfff8;
/// Largest message body of a version 2 header.
const V2_MAX_BODY: usize = 0xffff;

/// Smallest message block libhdf5 allocates for a new header.
const MIN_BLOCK: usize = 256;

/// A message to write: type, flags and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutMessage {
    /// Message type.
    pub kind: u16,
    /// Flags.
    pub flags: u8,
    /// Body (padded to 8 bytes when encoded).
    pub body: Vec<u8>,
}

impl OutMessage {
    /// A message.
    pub fn new(kind: u16, flags: u8, body: Vec<u8>) -> Self {
        OutMessage { kind, flags, body }
    }
}

/// Encoded size of a header holding `messages`.
pub fn header_size(messages: &[OutMessage]) -> usize {
    16 + block_size(messages)
}

fn block_size(messages: &[OutMessage]) -> usize {
    let used: usize = messages.iter().map(|m| v1_message_len(m.body.len())).sum();
    used.max(MIN_BLOCK)
}

/// Encode a v1 header with reference count `refcount`.
pub fn encode(messages: &[OutMessage], refcount: u32) -> Result<Vec<u8>> {
    for m in messages {
        if m.body.len() > V1_MAX_BODY {
            return Err(Error::unsupported(format!(
                "a {}-byte header message (type {:#x}); the earliest format caps messages at 64 KiB",
                m.body.len(),
                m.kind
            )));
        }
    }
    let block = block_size(messages);
    let used: usize = messages.iter().map(|m| v1_message_len(m.body.len())).sum();
    let mut out: Vec<_> = messages.iter().map(|m| message_v1(m.kind, m.flags, &m.body)).collect();
    if block > used {
        // A NIL message pads the block to its allocated size.
        // alloc: padding inside a header block the writer sized
        out.push(message_v1(kind::NIL, 0, &vec![0u8; block - used - 8]));
    }
    let bytes = object_header::encode_v1(refcount, out);
    debug_assert_eq!(bytes.len(), 16 + block);
    Ok(bytes)
}

/// The reference count message a v2 header carries when the count is above 1.
fn refcount_message(refcount: u32) -> Option<OutMessage> {
    (refcount > 1)
        .then(|| OutMessage::new(kind::REFCOUNT, 0, RefCount { count: refcount }.encode()))
}

/// Prefix (signature, version, flags, 4-byte chunk size) and checksum of a v2 header.
const V2_OVERHEAD: usize = 4 + 1 + 1 + 4 + 4;

/// Bytes of the messages of a v2 header (type, size, flags, body each).
fn v2_chunk(messages: &[OutMessage], refcount: u32) -> usize {
    messages.iter().chain(&refcount_message(refcount)).map(|m| 4 + m.body.len()).sum()
}

/// Encoded size of a v2 header holding `messages` with reference count `refcount`.
pub fn header_size_v2(messages: &[OutMessage], refcount: u32) -> usize {
    V2_OVERHEAD + v2_chunk(messages, refcount)
}

/// Encode a v2 header with reference count `refcount`.
pub fn encode_v2(messages: &[OutMessage], refcount: u32) -> Result<Vec<u8>> {
    let rc = refcount_message(refcount);
    let all = || messages.iter().chain(&rc);
    for m in all() {
        if m.body.len() > V2_MAX_BODY || m.kind > 0xff {
            return Err(Error::unsupported(format!(
                "a {}-byte header message of type {:#x} in a version 2 header",
                m.body.len(),
                m.kind
            )));
        }
    }
    let out = all()
        .map(|m| MessageV2 {
            kind: m.kind as u8,
            size: m.body.len() as u16,
            flags: m.flags,
            creation_order: None,
            at: 0,
            body: m.body.clone(),
        })
        .collect();
    let bytes = object_header::encode_v2(out);
    debug_assert_eq!(bytes.len(), header_size_v2(messages, refcount));
    Ok(bytes)
}
