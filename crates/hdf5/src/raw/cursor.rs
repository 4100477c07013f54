//! A bounds-checked little-endian cursor over one structure's bytes, and the encoder that mirrors it.
//!
//! Every HDF5 metadata field is little-endian with an explicit width; addresses and lengths
//! take the widths the superblock declares ([`Sizes`]). Reading past the block is a
//! [`crate::Error::Malformed`] naming the structure and the file offset, never a panic.

use crate::{Error, Result};

pub use super::binary::Sizes;

/// Reads fields from a byte block that starts at file offset `base`.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    /// A cursor over `buf`, which was read from file offset `base`, decoding structure `what`.
    pub fn new(buf: &'a [u8], base: u64, what: &'static str) -> Self {
        Cursor { buf, pos: 0, base, what }
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The file offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos as u64)
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The unread bytes.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    /// The structure name used in errors.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// A malformed-structure error at the current position.
    pub fn error(&self, detail: impl Into<String>) -> Error {
        Error::malformed(self.what, self.offset(), detail)
    }

    /// Take the next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| {
            self.error(format!("needs {n} more bytes, {} left", self.remaining()))
        })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// Take the next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    /// Skip `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// Move to absolute position `pos` within the block.
    pub fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.buf.len() {
            return Err(self.error(format!("position {pos} past the block end {}", self.buf.len())));
        }
        self.pos = pos;
        Ok(())
    }

    /// Skip to the next multiple of `align` (relative to the block start).
    pub fn align(&mut self, align: usize) -> Result<()> {
        let pad = (align - self.pos % align) % align;
        self.skip(pad)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    /// Little-endian u16.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    /// Little-endian u32.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    /// Little-endian u64.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A little-endian unsigned integer of `width` bytes (0..=8).
    pub fn uint(&mut self, width: u8) -> Result<u64> {
        if width > 8 {
            return Err(self.error(format!("integer width {width} over 8 bytes")));
        }
        let b = self.bytes(width as usize)?;
        Ok(b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64))
    }

    /// An address; `None` for the undefined address (all bits set).
    pub fn addr(&mut self, sizes: Sizes) -> Result<Option<u64>> {
        let v = self.uint(sizes.offset)?;
        Ok(if v == sizes.undefined() { None } else { Some(v) })
    }

    /// An address that must be defined.
    pub fn addr_defined(&mut self, sizes: Sizes, field: &str) -> Result<u64> {
        let at = self.offset();
        self.addr(sizes)?
            .ok_or_else(|| Error::malformed(self.what, at, format!("{field} is undefined")))
    }

    /// A length field.
    pub fn length(&mut self, sizes: Sizes) -> Result<u64> {
        self.uint(sizes.length)
    }

    /// A length that must fit in memory and in what is left of this block (for counts of
    /// bytes that follow in the same block).
    pub fn length_in_block(&mut self, sizes: Sizes) -> Result<usize> {
        let v = self.length(sizes)?;
        usize::try_from(v).ok().filter(|&n| n <= self.remaining()).ok_or_else(|| {
            self.error(format!("length {v} exceeds the {} bytes left", self.remaining()))
        })
    }

    /// Expect a 4-byte signature.
    pub fn signature(&mut self, sig: &[u8; 4]) -> Result<()> {
        let at = self.offset();
        let got = self.array::<4>()?;
        if &got != sig {
            return Err(Error::malformed(
                self.what,
                at,
                format!(
                    "signature {:?} expected, found {:?}",
                    String::from_utf8_lossy(sig),
                    String::from_utf8_lossy(&got)
                ),
            ));
        }
        Ok(())
    }

    /// A NUL-terminated byte string (terminator consumed, not returned).
    pub fn cstr(&mut self) -> Result<&'a [u8]> {
        let rest = self.rest();
        let n = rest.iter().position(|&b| b == 0).ok_or_else(|| self.error("unterminated name"))?;
        let s = &rest[..n];
        self.pos += n + 1;
        Ok(s)
    }
}

/// Appends little-endian fields to a byte vector; the writer's mirror of [`Cursor`].
#[derive(Clone, Debug, Default)]
pub struct Encoder {
    /// The encoded bytes.
    pub buf: Vec<u8>,
}

impl Encoder {
    /// An empty encoder.
    pub fn new() -> Self {
        Encoder { buf: Vec::new() }
    }
    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    /// One byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    /// Little-endian u16.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Little-endian u32.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Little-endian u64.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// `width` low bytes of `v`, little-endian.
    pub fn uint(&mut self, v: u64, width: u8) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes()[..width.min(8) as usize]);
        self
    }
    /// An address (`None` = undefined).
    pub fn addr(&mut self, sizes: Sizes, v: Option<u64>) -> &mut Self {
        self.uint(v.unwrap_or(sizes.undefined()), sizes.offset)
    }
    /// A length.
    pub fn length(&mut self, sizes: Sizes, v: u64) -> &mut Self {
        self.uint(v, sizes.length)
    }
    /// Raw bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
    /// `n` zero bytes.
    pub fn zeros(&mut self, n: usize) -> &mut Self {
        self.buf.resize(self.buf.len() + n, 0);
        self
    }
    /// Zero-pad to a multiple of `align`.
    pub fn align(&mut self, align: usize) -> &mut Self {
        let pad = (align - self.buf.len() % align) % align;
        self.zeros(pad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_reports_truncation_with_offset() {
        // u16 0x0201, u32 0x06050403, then a 3-byte address of width 8 that is cut short.
        let bytes = [1, 2, 3, 4, 5, 6, 0xff, 0xff, 0xff];
        let mut c = Cursor::new(&bytes, 0x100, "test block");
        assert_eq!(c.u16().unwrap(), 0x0201);
        assert_eq!(c.u32().unwrap(), 0x0605_0403);
        let err = c.addr(Sizes::DEFAULT).unwrap_err();
        match err {
            Error::Malformed { what, offset, .. } => {
                assert_eq!(what, "test block");
                assert_eq!(offset, 0x106);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn undefined_address_of_each_width() {
        for width in [2u8, 4, 8] {
            let sizes = Sizes { offset: width, length: 8 };
            let bytes = vec![0xff; width as usize];
            assert_eq!(Cursor::new(&bytes, 0, "t").addr(sizes).unwrap(), None);
            let mut e = Encoder::new();
            e.addr(sizes, None);
            assert_eq!(e.buf, bytes);
        }
    }

    #[test]
    fn encoder_mirrors_cursor() {
        let mut e = Encoder::new();
        e.u8(7).u16(513).u32(70000).u64(1 << 40).uint(0x0304, 2).align(8);
        let mut c = Cursor::new(&e.buf, 0, "t");
        assert_eq!((c.u8().unwrap(), c.u16().unwrap()), (7, 513));
        assert_eq!(c.u32().unwrap(), 70000);
        assert_eq!(c.u64().unwrap(), 1 << 40);
        assert_eq!(c.uint(2).unwrap(), 0x0304);
        assert_eq!(e.buf.len() % 8, 0);
    }
}
