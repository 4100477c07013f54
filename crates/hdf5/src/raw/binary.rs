//! The binrw vocabulary every structure is declared with: the file's field widths ([`Sizes`],
//! the context passed down as binrw arguments), address and length fields of those widths,
//! bounded byte and element runs, checksummed structures, and the entry points that parse a
//! structure from a bounded block or encode it, mapping binrw's errors to [`crate::Error`].
//!
//! Every HDF5 metadata field is little-endian with an explicit width. A structure is parsed
//! from a block fetched in one bounded read ([`super::Source::block`]); running off the end of
//! the block, a failed assertion or a bad signature is a [`crate::Error::Malformed`] naming the
//! structure and the file offset, never a panic. Nothing is allocated from a count field
//! before the bytes it counts are known to be in the block ([`bytes`], [`vec`]): binrw's own
//! `count` reserves a `Vec<u8>` of the full count up front, so it is not used for file counts.

use super::checksum;
use crate::{Error, Result};
use binrw::io::{Cursor, Read, Seek, SeekFrom, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};
use std::fmt;

/// Widths of file addresses ("size of offsets") and lengths ("size of lengths") in bytes: the
/// argument of every structure whose fields take these widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Size of offsets: 2, 4 or 8.
    pub offset: u8,
    /// Size of lengths: 2, 4 or 8.
    pub length: u8,
}

impl Sizes {
    /// The widths loompy, h5py and every default libhdf5 file use.
    pub const DEFAULT: Sizes = Sizes { offset: 8, length: 8 };

    /// The widths from a superblock's fields (by value when reading, by reference when
    /// writing).
    pub(crate) fn new(
        offset: impl std::borrow::Borrow<u8>,
        length: impl std::borrow::Borrow<u8>,
    ) -> Sizes {
        Sizes { offset: *offset.borrow(), length: *length.borrow() }
    }

    /// The all-ones "undefined address" for this offset width.
    pub fn undefined(&self) -> u64 {
        all_ones(self.offset)
    }
}

/// The value with the low `width` bytes set.
pub(crate) fn all_ones(width: u8) -> u64 {
    if width >= 8 { u64::MAX } else { (1u64 << (8 * width as u32)) - 1 }
}

/// Why a parser gave up, carried through binrw as its custom error: a malformed detail (the
/// structure and offset are added by [`parse`]) or a finished crate error (unsupported
/// feature, limit).
#[derive(Debug)]
pub(crate) enum Fault {
    /// The bytes contradict the format.
    Malformed(String),
    /// Any other crate error, passed through unchanged.
    Error(Error),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Malformed(d) => f.write_str(d),
            Fault::Error(e) => write!(f, "{e}"),
        }
    }
}

/// A binrw error for malformed bytes at stream position `pos`.
pub(crate) fn malformed(pos: u64, detail: impl Into<String>) -> binrw::Error {
    binrw::Error::Custom { pos, err: Box::new(Fault::Malformed(detail.into())) }
}

/// A binrw error carrying a finished crate error (unsupported feature, limit).
pub(crate) fn fail(pos: u64, e: Error) -> binrw::Error {
    binrw::Error::Custom { pos, err: Box::new(Fault::Error(e)) }
}

/// Translate a binrw error from parsing structure `what` out of a block of `len` bytes read
/// at file offset `base` (stream positions are relative to the block).
pub(crate) fn to_error(e: binrw::Error, base: u64, what: &'static str, len: usize) -> Error {
    let at = |pos: u64| base.saturating_add(pos);
    let mut context = None;
    let mut e = e;
    // The innermost frame names the field being read.
    if let binrw::Error::Backtrace(bt) = e {
        context = bt.frames.first().map(|f| match f {
            binrw::error::BacktraceFrame::Full { message, .. }
            | binrw::error::BacktraceFrame::Message(message) => message.to_string(),
            binrw::error::BacktraceFrame::Custom(c) => c.to_string(),
        });
        e = *bt.error;
    }
    let with_context = |detail: String| match &context {
        Some(c) => format!("{detail} ({})", c.to_lowercase()),
        None => detail,
    };
    match e {
        binrw::Error::Custom { pos, err } => match err.downcast::<Fault>() {
            Ok(f) => match *f {
                Fault::Malformed(detail) => Error::malformed(what, at(pos), detail),
                Fault::Error(e) => e,
            },
            Err(other) => Error::malformed(what, at(pos), other.to_string()),
        },
        // Structures check their version byte with `assert(.., "unsupported version {}", ..)`:
        // a version this reader does not know is unsupported, not corrupt.
        binrw::Error::AssertFail { message, .. } if message.starts_with("unsupported version") => {
            Error::unsupported(format!("{what}: {message}"))
        }
        binrw::Error::AssertFail { pos, message } => Error::malformed(what, at(pos), message),
        binrw::Error::BadMagic { pos, found } => Error::malformed(
            what,
            at(pos),
            with_context(format!("unexpected signature {}", magic_text(&format!("{found:?}")))),
        ),
        binrw::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => Error::malformed(
            what,
            base,
            with_context(format!("runs past the end of its {len}-byte block")),
        ),
        binrw::Error::Io(io) => Error::io(io),
        binrw::Error::EnumErrors { pos, variant_errors } => {
            // A variant whose signature or type matched failed inside: report that failure.
            match variant_errors
                .into_iter()
                .map(|(_, e)| e)
                .find(|e| !matches!(e.root_cause(), binrw::Error::BadMagic { .. }))
            {
                Some(inner) => to_error(inner, base, what, len),
                None => Error::malformed(what, at(pos), with_context("unknown type".into())),
            }
        }
        binrw::Error::NoVariantMatch { pos } => {
            Error::malformed(what, at(pos), with_context("unknown type".into()))
        }
        other => Error::malformed(what, base, with_context(one_line(&other.to_string()))),
    }
}

/// A byte-array magic (`[72, 69, 65, 80]`) as text (`"HEAP"`); other values unchanged.
fn magic_text(debug: &str) -> String {
    let bytes: Option<Vec<u8>> = debug
        .strip_prefix('[')
        .and_then(|d| d.strip_suffix(']'))
        .map(|d| d.split(',').map(|b| b.trim().parse::<u8>().ok()).collect())
        .unwrap_or(None);
    match bytes {
        Some(b) => format!("{:?}", String::from_utf8_lossy(&b)),
        None => debug.to_string(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parse a `T` from `block`, which was read at file offset `base`, as structure `what`.
pub(crate) fn parse<'a, T: BinRead>(
    block: &[u8],
    base: u64,
    what: &'static str,
    args: T::Args<'a>,
) -> Result<T> {
    parse_prefix(block, base, what, args).map(|(v, _)| v)
}

/// Parse a `T` from the start of `block` and return it with the number of bytes it took.
pub(crate) fn parse_prefix<'a, T: BinRead>(
    block: &[u8],
    base: u64,
    what: &'static str,
    args: T::Args<'a>,
) -> Result<(T, usize)> {
    let mut c = Cursor::new(block);
    match T::read_options(&mut c, Endian::Little, args) {
        // The cursor never moves past the block.
        Ok(v) => Ok((v, c.position() as usize)),
        Err(e) => Err(to_error(e, base, what, block.len())),
    }
}

/// Encode `v`, appending to `out`.
pub(crate) fn encode_into<'a, T: BinWrite>(v: &T, args: T::Args<'a>, out: &mut Vec<u8>) {
    let start = out.len();
    let mut c = Cursor::new(std::mem::take(out));
    c.set_position(start as u64);
    // Writing to a Vec cannot fail, and no structure asserts on write: every value encodes.
    v.write_options(&mut c, Endian::Little, args)
        .unwrap_or_else(|e| unreachable!("encoding into memory failed: {e}"));
    *out = c.into_inner();
}

/// Encode `v` into a new vector.
pub(crate) fn encode<'a, T: BinWrite>(v: &T, args: T::Args<'a>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(v, args, &mut out);
    out
}

/// Bytes left in the stream after the current position.
pub(crate) fn remaining<R: Read + Seek>(r: &mut R) -> BinResult<u64> {
    let pos = r.stream_position()?;
    let end = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(pos))?;
    Ok(end.saturating_sub(pos))
}

/// Read a little-endian unsigned integer of `width` bytes (0..=8).
pub(crate) fn read_uint<R: Read + Seek>(r: &mut R, width: u8) -> BinResult<u64> {
    if width > 8 {
        let pos = r.stream_position()?;
        return Err(malformed(pos, format!("integer width {width} over 8 bytes")));
    }
    let mut b = [0u8; 8];
    r.read_exact(&mut b[..width as usize])?;
    Ok(u64::from_le_bytes(b))
}

/// Write the low `width` bytes of `v`, little-endian.
pub(crate) fn write_uint<W: Write>(w: &mut W, v: u64, width: u8) -> BinResult<()> {
    w.write_all(&v.to_le_bytes()[..width.min(8) as usize])?;
    Ok(())
}

/// Parser for a variable-width unsigned integer field: `#[br(parse_with = uint, args(width))]`.
pub(crate) fn uint<R: Read + Seek>(r: &mut R, _: Endian, (width,): (u8,)) -> BinResult<u64> {
    read_uint(r, width)
}

/// Writer for a variable-width unsigned integer field: `#[bw(write_with = uint_w, args(width))]`.
pub(crate) fn uint_w<W: Write + Seek>(
    v: &u64,
    w: &mut W,
    _: Endian,
    (width,): (u8,),
) -> BinResult<()> {
    write_uint(w, *v, width)
}

/// Parser for a defined address kept as a plain `u64`: `#[br(parse_with = addr, args(s))]`.
pub(crate) fn addr<R: Read + Seek>(r: &mut R, e: Endian, (s,): (Sizes,)) -> BinResult<u64> {
    Addr::read_options(r, e, s).map(|a| a.0)
}

/// Writer for a defined address kept as a plain `u64`: `#[bw(write_with = addr_w, args(s))]`.
pub(crate) fn addr_w<W: Write + Seek>(
    v: &u64,
    w: &mut W,
    _: Endian,
    (s,): (Sizes,),
) -> BinResult<()> {
    write_uint(w, *v, s.offset)
}

/// Parser for an optional address kept as `Option<u64>`.
pub(crate) fn maybe_addr<R: Read + Seek>(
    r: &mut R,
    e: Endian,
    (s,): (Sizes,),
) -> BinResult<Option<u64>> {
    MaybeAddr::read_options(r, e, s).map(|a| a.0)
}

/// Writer for an optional address kept as `Option<u64>`.
pub(crate) fn maybe_addr_w<W: Write + Seek>(
    v: &Option<u64>,
    w: &mut W,
    _: Endian,
    (s,): (Sizes,),
) -> BinResult<()> {
    write_uint(w, v.unwrap_or(s.undefined()), s.offset)
}

/// Parser for `n` unsigned integers of `width` bytes each, checked against the block first.
pub(crate) fn uints<R: Read + Seek>(
    r: &mut R,
    _: Endian,
    (n, width): (usize, u8),
) -> BinResult<Vec<u64>> {
    let left = remaining(r)?;
    if (n as u128) * (width.max(1) as u128) > left as u128 {
        let pos = r.stream_position()?;
        return Err(malformed(pos, format!("{n} values do not fit the {left} bytes left")));
    }
    (0..n).map(|_| read_uint(r, width)).collect()
}

/// Writer for [`uints`] (binrw hands `write_with` functions the field itself: a `&Vec`).
#[allow(clippy::ptr_arg)]
pub(crate) fn uints_w<W: Write + Seek>(
    v: &Vec<u64>,
    w: &mut W,
    _: Endian,
    (width,): (u8,),
) -> BinResult<()> {
    v.iter().try_for_each(|&x| write_uint(w, x, width))
}

/// Parser for `n` raw bytes, checked against what the block holds before allocating.
pub(crate) fn bytes<R: Read + Seek>(r: &mut R, _: Endian, (n,): (usize,)) -> BinResult<Vec<u8>> {
    let left = remaining(r)?;
    if n as u64 > left {
        let pos = r.stream_position()?;
        return Err(malformed(pos, format!("{n} bytes needed, {left} left in the block")));
    }
    // Small bodies (most metadata) go through a stack buffer: one malloc and one copy, no
    // zeroing; larger ones through `take` + `read_to_end`, which fills the reserved space
    // without zeroing it when the stream reads into uninitialised buffers (cursors do).
    // alloc: n <= bytes remaining in the block (checked above)
    let mut v = Vec::with_capacity(n);
    if n <= 256 {
        let mut buf = [0u8; 256];
        r.read_exact(&mut buf[..n])?;
        v.extend_from_slice(&buf[..n]);
    } else {
        r.take(n as u64).read_to_end(&mut v)?;
        if v.len() < n {
            let pos = r.stream_position()?;
            return Err(malformed(pos, format!("{n} bytes needed, {} read", v.len())));
        }
    }
    Ok(v)
}

/// Parser for `n` elements of at least `min_size` bytes each, checked against what the block
/// holds before allocating.
pub(crate) fn vec<'a, R, T>(
    r: &mut R,
    endian: Endian,
    (n, min_size, args): (usize, usize, T::Args<'a>),
) -> BinResult<Vec<T>>
where
    R: Read + Seek,
    T: BinRead,
    T::Args<'a>: Clone,
{
    let left = remaining(r)?;
    if (n as u128) * (min_size.max(1) as u128) > left as u128 {
        let pos = r.stream_position()?;
        return Err(malformed(pos, format!("{n} entries do not fit the {left} bytes left")));
    }
    // alloc: n * min_size <= bytes remaining in the block (checked above)
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(T::read_options(r, endian, args.clone())?);
    }
    Ok(out)
}

/// [`vec`] for an optional field: `None` unless `present`.
pub(crate) fn vec_if<'a, R, T>(
    r: &mut R,
    endian: Endian,
    (present, n, min_size, args): (bool, usize, usize, T::Args<'a>),
) -> BinResult<Option<Vec<T>>>
where
    R: Read + Seek,
    T: BinRead,
    T::Args<'a>: Clone,
{
    if present { vec(r, endian, (n, min_size, args)).map(Some) } else { Ok(None) }
}

/// Parser for a NUL-terminated byte string (the terminator is consumed, not returned).
pub(crate) fn cstr<R: Read + Seek>(r: &mut R, _: Endian, _: ()) -> BinResult<Vec<u8>> {
    let start = r.stream_position()?;
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        if r.read(&mut b)? == 0 {
            return Err(malformed(start, "unterminated name"));
        }
        if b[0] == 0 {
            return Ok(out);
        }
        out.push(b[0]);
    }
}

/// An address field that must be defined ("size of offsets" bytes; all ones is undefined).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Addr(pub u64);

/// An address field that may be undefined (all ones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MaybeAddr(pub Option<u64>);

/// A length field ("size of lengths" bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Len(pub u64);

impl BinRead for MaybeAddr {
    type Args<'a> = Sizes;
    fn read_options<R: Read + Seek>(r: &mut R, _: Endian, s: Sizes) -> BinResult<Self> {
        let v = read_uint(r, s.offset)?;
        Ok(MaybeAddr(if v == s.undefined() { None } else { Some(v) }))
    }
}

impl BinWrite for MaybeAddr {
    type Args<'a> = Sizes;
    fn write_options<W: Write + Seek>(&self, w: &mut W, _: Endian, s: Sizes) -> BinResult<()> {
        write_uint(w, self.0.unwrap_or(s.undefined()), s.offset)
    }
}

impl BinRead for Addr {
    type Args<'a> = Sizes;
    fn read_options<R: Read + Seek>(r: &mut R, e: Endian, s: Sizes) -> BinResult<Self> {
        let pos = r.stream_position()?;
        match MaybeAddr::read_options(r, e, s)?.0 {
            Some(v) => Ok(Addr(v)),
            None => Err(malformed(pos, "address is undefined")),
        }
    }
}

impl BinWrite for Addr {
    type Args<'a> = Sizes;
    fn write_options<W: Write + Seek>(&self, w: &mut W, _: Endian, s: Sizes) -> BinResult<()> {
        write_uint(w, self.0, s.offset)
    }
}

impl BinRead for Len {
    type Args<'a> = Sizes;
    fn read_options<R: Read + Seek>(r: &mut R, _: Endian, s: Sizes) -> BinResult<Self> {
        Ok(Len(read_uint(r, s.length)?))
    }
}

impl BinWrite for Len {
    type Args<'a> = Sizes;
    fn write_options<W: Write + Seek>(&self, w: &mut W, _: Endian, s: Sizes) -> BinResult<()> {
        write_uint(w, self.0, s.length)
    }
}

impl From<Option<u64>> for MaybeAddr {
    fn from(v: Option<u64>) -> Self {
        MaybeAddr(v)
    }
}

/// The stream of a checksummed structure (`#[brw(stream = s, map_stream = Sealed::new)]`):
/// reading, its checksum field ([`Sealed::check`]) re-reads the bytes from the structure's
/// start and compares their lookup3 hash; writing, it keeps the bytes written so far so that
/// the checksum field can be computed from them ([`Sealed::checksum`]).
pub(crate) struct Sealed<S> {
    inner: S,
    start: u64,
    written: Vec<u8>,
}

impl<S: Seek> Sealed<S> {
    /// Wrap the stream at its current position.
    pub(crate) fn new(mut inner: S) -> Self {
        // Positions of in-memory cursors are always available.
        let start = inner.stream_position().unwrap_or(0);
        Sealed { inner, start, written: Vec::new() }
    }
}

impl<S: Read + Seek> Sealed<S> {
    /// Parser of a checksum field: read the stored lookup3 hash and compare it with the hash of
    /// every byte of the structure before it.
    pub(crate) fn check(r: &mut Self, _: Endian, _: ()) -> BinResult<u32> {
        let body_end = r.inner.stream_position()?;
        let mut stored = [0u8; 4];
        r.inner.read_exact(&mut stored)?;
        let stored = u32::from_le_bytes(stored);
        let end = body_end + 4;
        r.inner.seek(SeekFrom::Start(r.start))?;
        let computed = checksum::lookup3_read(&mut r.inner, body_end - r.start)?;
        r.inner.seek(SeekFrom::Start(end))?;
        if stored != computed {
            return Err(malformed(
                body_end,
                format!("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"),
            ));
        }
        Ok(stored)
    }
}

impl<S> Sealed<S> {
    /// The lookup3 hash of the bytes written so far (the value of a checksum field).
    pub(crate) fn checksum(&self) -> u32 {
        checksum::lookup3(&self.written, 0)
    }
}

impl<S: Read> Read for Sealed<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Write> Write for Sealed<S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<S: Seek> Seek for Sealed<S> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Hand-built bytes for tests of hostile input (truncated, inconsistent or corrupt
/// structures that the binrw declarations would never produce).
#[cfg(test)]
pub(crate) mod test_bytes {
    use super::Sizes;

    /// Appends little-endian fields to a byte vector.
    #[derive(Clone, Debug, Default)]
    pub(crate) struct Bytes {
        pub(crate) buf: Vec<u8>,
    }

    impl Bytes {
        pub(crate) fn new() -> Self {
            Bytes::default()
        }
        pub(crate) fn len(&self) -> usize {
            self.buf.len()
        }
        pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
            self.buf.push(v);
            self
        }
        pub(crate) fn u16(&mut self, v: u16) -> &mut Self {
            self.bytes(&v.to_le_bytes())
        }
        pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
            self.bytes(&v.to_le_bytes())
        }
        pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
            self.bytes(&v.to_le_bytes())
        }
        pub(crate) fn uint(&mut self, v: u64, width: u8) -> &mut Self {
            self.bytes(&v.to_le_bytes()[..width.min(8) as usize])
        }
        pub(crate) fn addr(&mut self, s: Sizes, v: Option<u64>) -> &mut Self {
            self.uint(v.unwrap_or(s.undefined()), s.offset)
        }
        pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Self {
            self.buf.extend_from_slice(b);
            self
        }
        pub(crate) fn zeros(&mut self, n: usize) -> &mut Self {
            self.buf.resize(self.buf.len() + n, 0);
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binrw::binrw;

    #[binrw]
    #[brw(little, import_raw(s: Sizes))]
    #[br(stream = r, map_stream = Sealed::new)]
    #[bw(stream = w, map_stream = Sealed::new)]
    #[derive(Debug, PartialEq)]
    struct Sample {
        #[brw(magic = b"TEST")]
        small: u16,
        #[brw(args_raw = s)]
        addr: MaybeAddr,
        #[brw(args_raw = s)]
        len: Len,
        #[br(temp, parse_with = Sealed::check)]
        #[bw(calc = w.checksum())]
        checksum: u32,
    }

    #[test]
    fn fields_round_trip_and_checksums_are_verified() {
        for width in [2u8, 4, 8] {
            let s = Sizes { offset: width, length: width };
            let v = Sample { small: 513, addr: MaybeAddr(None), len: Len(7) };
            let bytes = encode(&v, s);
            assert_eq!(bytes.len(), 4 + 2 + 2 * width as usize + 4);
            assert!(bytes[6..6 + width as usize].iter().all(|&b| b == 0xff));
            assert_eq!(parse::<Sample>(&bytes, 0, "sample", s).unwrap(), v);
            let mut bad = bytes.clone();
            bad[5] ^= 1;
            let err = parse::<Sample>(&bad, 0x100, "sample", s).unwrap_err();
            assert!(err.to_string().contains("checksum mismatch"), "{err}");
        }
    }

    #[test]
    fn truncation_and_bad_signatures_are_malformed_with_offsets() {
        let s = Sizes::DEFAULT;
        let bytes = encode(&Sample { small: 1, addr: MaybeAddr(Some(9)), len: Len(3) }, s);
        match parse::<Sample>(&bytes[..10], 0x100, "sample", s).unwrap_err() {
            Error::Malformed { what, offset, detail, .. } => {
                assert_eq!((what, offset), ("sample", 0x100));
                assert!(detail.contains("past the end"), "{detail}");
                assert!(!detail.contains('\n'));
            }
            other => panic!("unexpected {other:?}"),
        }
        let mut bad = bytes;
        bad[0] = b'X';
        assert!(parse::<Sample>(&bad, 0, "sample", s).unwrap_err().is_corrupt());
    }

    #[test]
    fn counts_are_checked_before_allocating() {
        let mut c = Cursor::new(&[1u8, 2, 3][..]);
        assert!(bytes(&mut c, Endian::Little, (usize::MAX / 2,)).is_err());
        assert_eq!(bytes(&mut c, Endian::Little, (2,)).unwrap(), vec![1, 2]);
        let mut c = Cursor::new(&[0u8; 16][..]);
        let r: BinResult<Vec<u64>> = vec(&mut c, Endian::Little, (usize::MAX, 8, ()));
        assert!(r.is_err());
        let r: Vec<u64> = vec(&mut c, Endian::Little, (2, 8, ())).unwrap();
        assert_eq!(r, vec![0, 0]);
    }

    #[test]
    fn undefined_address_of_each_width() {
        for width in [2u8, 4, 8] {
            let sizes = Sizes { offset: width, length: 8 };
            let bytes = vec![0xff; width as usize];
            assert_eq!(parse::<MaybeAddr>(&bytes, 0, "t", sizes).unwrap(), MaybeAddr(None));
            assert!(parse::<Addr>(&bytes, 0, "t", sizes).is_err());
            assert_eq!(encode(&MaybeAddr(None), sizes), bytes);
        }
    }
}
