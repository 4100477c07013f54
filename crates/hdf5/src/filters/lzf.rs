//! LZF decompression (h5py's filter 32000), bounds-checked.

/// Decompress `src` into `dst`; returns the number of bytes produced, or `None` when the
/// stream is corrupt or would overflow `dst`.
pub fn decompress(src: &[u8], dst: &mut [u8]) -> Option<usize> {
    let (mut ip, mut op) = (0usize, 0usize);
    while ip < src.len() {
        let ctrl = src[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            let lit = src.get(ip..ip + n)?;
            dst.get_mut(op..op + n)?.copy_from_slice(lit);
            ip += n;
            op += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *src.get(ip)? as usize;
                ip += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *src.get(ip)? as usize + 1;
            ip += 1;
            len += 2;
            let from = op.checked_sub(back)?;
            if op + len > dst.len() {
                return None;
            }
            for k in 0..len {
                dst[op + k] = dst[from + k];
            }
            op += len;
        }
    }
    Some(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_backreference() {
        // Literal "abc" (ctrl 2), then a back-reference of length 6 at distance 3 (ctrl
        // len 4 -> 4+2=6, offset high bits 0, low byte 2 -> distance 3).
        let src = [2, b'a', b'b', b'c', (4 << 5), 2];
        let mut out = [0u8; 9];
        assert_eq!(decompress(&src, &mut out), Some(9));
        assert_eq!(&out, b"abcabcabc");
        let mut small = [0u8; 5];
        assert_eq!(decompress(&src, &mut small), None);
        assert_eq!(decompress(&[4 << 5, 9], &mut out), None);
    }
}
