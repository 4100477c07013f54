//! Jenkins' lookup3 `hashlittle`, the checksum of every version-2+ HDF5 metadata structure
//! (superblock v2/v3, `OHDR`/`OCHK`, v2 B-tree nodes, fractal heap, fixed and extensible arrays),
//! computed over a slice or streamed from a reader (how `binary::Sealed` verifies
//! a structure as it is parsed).

use std::io::Read;

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

fn word(bytes: &[u8]) -> u32 {
    // Little-endian assembly of up to 4 bytes, missing ones counted as zero.
    bytes.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (b as u32) << (8 * i))
}

/// lookup3 `hashlittle(data, initval)`.
pub fn lookup3(data: &[u8], initval: u32) -> u32 {
    let init = 0xdead_beefu32.wrapping_add(data.len() as u32).wrapping_add(initval);
    let (mut a, mut b, mut c) = (init, init, init);
    let mut rest = data;
    while rest.len() > 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    if rest.is_empty() {
        return c;
    }
    a = a.wrapping_add(word(&rest[..rest.len().min(4)]));
    if rest.len() > 4 {
        b = b.wrapping_add(word(&rest[4..rest.len().min(8)]));
    }
    if rest.len() > 8 {
        c = c.wrapping_add(word(&rest[8..]));
    }
    final_mix(&mut a, &mut b, &mut c);
    c
}

/// lookup3 `hashlittle(data, 0)` of the next `len` bytes of `r`, read through a small stack
/// buffer (the checksum of a structure parsed from a stream, without copying it out).
pub(crate) fn lookup3_read<R: Read>(r: &mut R, len: u64) -> std::io::Result<u32> {
    let init = 0xdead_beefu32.wrapping_add(len as u32);
    let (mut a, mut b, mut c) = (init, init, init);
    if len == 0 {
        return Ok(c);
    }
    // Every 12-byte block but the last (1 to 12 bytes) is mixed; the last is zero-padded.
    let mut blocks = (len - 1) / 12;
    let mut buf = [0u8; 252];
    while blocks > 0 {
        let n = blocks.min(21) as usize;
        r.read_exact(&mut buf[..12 * n])?;
        for k in buf[..12 * n].chunks_exact(12) {
            a = a.wrapping_add(word(&k[0..4]));
            b = b.wrapping_add(word(&k[4..8]));
            c = c.wrapping_add(word(&k[8..12]));
            mix(&mut a, &mut b, &mut c);
        }
        blocks -= n as u64;
    }
    let tail = (len - 12 * ((len - 1) / 12)) as usize;
    let mut last = [0u8; 12];
    r.read_exact(&mut last[..tail])?;
    a = a.wrapping_add(word(&last[0..4]));
    b = b.wrapping_add(word(&last[4..8]));
    c = c.wrapping_add(word(&last[8..12]));
    final_mix(&mut a, &mut b, &mut c);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::{lookup3, lookup3_read};

    #[test]
    fn matches_reference_vectors() {
        // Values from the test driver published with lookup3.c (driver5 / "Four score ...").
        assert_eq!(lookup3(b"", 0), 0xdead_beef);
        assert_eq!(lookup3(b"", 0xdead_beef), 0xbd5b_7dde);
        assert_eq!(lookup3(b"Four score and seven years ago", 0), 0x1777_0551);
        assert_eq!(lookup3(b"Four score and seven years ago", 1), 0xcd62_8161);
    }

    #[test]
    fn streamed_hash_matches_the_slice_hash() {
        let data: Vec<u8> = (0..700u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in [0, 1, 4, 11, 12, 13, 24, 25, 251, 252, 253, 264, 265, 700] {
            let mut r = &data[..n];
            assert_eq!(lookup3_read(&mut r, n as u64).unwrap(), lookup3(&data[..n], 0), "{n}");
        }
    }
}
