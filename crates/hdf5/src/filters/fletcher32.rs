//! The Fletcher-32 filter (id 3): a checksum appended to each chunk, verified on read.

/// HDF5's Fletcher-32 over 16-bit big-endian words (an odd trailing byte is the high byte).
pub fn checksum(data: &[u8]) -> u32 {
    let mut sum1: u32 = 0;
    let mut sum2: u32 = 0;
    let mut words = data.chunks_exact(2);
    let mut pending = 0usize;
    for w in &mut words {
        sum1 += ((w[0] as u32) << 8) | w[1] as u32;
        sum2 += sum1;
        pending += 1;
        if pending == 360 {
            sum1 = (sum1 & 0xffff) + (sum1 >> 16);
            sum2 = (sum2 & 0xffff) + (sum2 >> 16);
            pending = 0;
        }
    }
    if pending > 0 {
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    if let [last] = words.remainder() {
        sum1 += (*last as u32) << 8;
        sum2 += sum1;
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    (sum2 << 16) | sum1
}

/// Check the trailing checksum of `data` (payload + 4 bytes). libhdf5 also accepts the
/// byte-swapped value written by old big-endian releases.
pub fn verify(data: &[u8]) -> Result<&[u8], (u32, u32)> {
    if data.len() < 4 {
        return Err((0, 0));
    }
    let (payload, tail) = data.split_at(data.len() - 4);
    let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let computed = checksum(payload);
    let b = computed.to_le_bytes();
    let reversed = u32::from_le_bytes([b[1], b[0], b[3], b[2]]);
    if stored == computed || stored == reversed { Ok(payload) } else { Err((stored, computed)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_verification() {
        // "abcde": words 0x6162, 0x6364, then the odd byte 0x65 as high byte.
        assert_eq!(checksum(b"abcde"), 0x4FF0_29C7);
        assert_eq!(checksum(b"abcdef"), 0x5056_2A2D);
        let long: Vec<u8> = (0..5).flat_map(|_| 0..=255u8).collect();
        assert_eq!(checksum(&long), 0xEA0B_C13E);
        let mut d = b"abcdef".to_vec();
        d.extend_from_slice(&checksum(b"abcdef").to_le_bytes());
        assert_eq!(verify(&d).unwrap(), b"abcdef");
        d[0] ^= 1;
        assert!(verify(&d).is_err());
    }
}
