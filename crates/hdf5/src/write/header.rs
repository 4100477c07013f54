//! Version 1 object headers for the writer: a 16-byte prefix and one block of 8-byte aligned
//! messages, padded with a NIL message to at least 256 bytes (as libhdf5 does) so that
//! libhdf5 can later add messages or a continuation in place.

use crate::raw::Encoder;
use crate::raw::object_header::{encode_v1_message, kind, v1_message_len};
use crate::{Error, Result};

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
        if m.body.len() > 0xfff8 {
            return Err(Error::unsupported(format!(
                "a {}-byte header message (type {:#x}); the earliest format caps messages at 64 KiB",
                m.body.len(),
                m.kind
            )));
        }
    }
    let block = block_size(messages);
    let used: usize = messages.iter().map(|m| v1_message_len(m.body.len())).sum();
    let mut count = messages.len();
    let mut e = Encoder::new();
    let pad = block - used;
    if pad > 0 {
        count += 1;
    }
    e.u8(1).u8(0).u16(count as u16).u32(refcount).u32(block as u32).u32(0);
    for m in messages {
        encode_v1_message(&mut e, m.kind, m.flags, &m.body);
    }
    if pad > 0 {
        encode_v1_message(&mut e, kind::NIL, 0, &vec![0u8; pad - 8]);
    }
    debug_assert_eq!(e.len(), 16 + block);
    Ok(e.buf)
}
