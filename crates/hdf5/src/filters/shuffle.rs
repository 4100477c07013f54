//! The shuffle filter (id 2): bytes regrouped by position within the element, so that
//! similar bytes sit together before compression.

/// Undo shuffle: `src` holds byte 0 of every element, then byte 1, ...; trailing bytes
/// that do not form a whole element are copied as they are (as libhdf5 does).
pub fn unshuffle(src: &[u8], dst: &mut [u8], elem_size: usize) {
    debug_assert_eq!(src.len(), dst.len());
    if elem_size <= 1 || src.len() < elem_size {
        dst.copy_from_slice(src);
        return;
    }
    let n = src.len() / elem_size;
    for j in 0..elem_size {
        let plane = &src[j * n..(j + 1) * n];
        for (i, &b) in plane.iter().enumerate() {
            dst[i * elem_size + j] = b;
        }
    }
    let tail = n * elem_size;
    dst[tail..].copy_from_slice(&src[tail..]);
}

/// Apply shuffle (the writer's direction).
pub fn shuffle(src: &[u8], dst: &mut [u8], elem_size: usize) {
    debug_assert_eq!(src.len(), dst.len());
    if elem_size <= 1 || src.len() < elem_size {
        dst.copy_from_slice(src);
        return;
    }
    let n = src.len() / elem_size;
    for j in 0..elem_size {
        for i in 0..n {
            dst[j * n + i] = src[i * elem_size + j];
        }
    }
    let tail = n * elem_size;
    dst[tail..].copy_from_slice(&src[tail..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_layout_and_inverse() {
        // Two 4-byte elements plus 1 trailing byte: planes of byte 0, 1, 2, 3, then the tail.
        let src = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        let mut s = [0u8; 9];
        shuffle(&src, &mut s, 4);
        assert_eq!(s, [1, 5, 2, 6, 3, 7, 4, 8, 9]);
        let mut back = [0u8; 9];
        unshuffle(&s, &mut back, 4);
        assert_eq!(back, src);
    }
}
