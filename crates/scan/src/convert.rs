//! Converting runs of stored elements into `T`, resolved once per call into a tight,
//! monomorphized loop per stored kind (the common integer and float kinds, either byte order);
//! the rare kinds (float16, odd-sized integers) go through `loomfile-hdf5`'s element-wise
//! conversion. Both follow the same HDF5 conversion rules (integers saturate, floats truncate
//! toward zero, NaN to 0).

use crate::stream;
use loomfile_hdf5::convert::{convert_into, element};
use loomfile_hdf5::{ByteOrder, H5Type, NumKind};

/// A converter from stored bytes to `T`.
#[derive(Clone, Copy)]
pub(crate) enum Conv<T> {
    /// A specialized loop.
    Fast(fn(&[u8], &mut [T])),
    /// The generic element-wise path.
    Slow(NumKind),
    /// Values stored exactly as `T`, copied with streaming stores (large outputs; see
    /// `stream`), the specialized loop where streaming is unavailable.
    Stream(fn(&[u8], &mut [T])),
}

impl<T: H5Type> Conv<T> {
    /// The converter for values stored as `kind`.
    pub(crate) fn new(kind: NumKind) -> Self {
        use ByteOrder::{Big, Little};
        // `$n`-byte words read as `$prim` (with `$load`), widened to `$via`, converted by `$from`.
        macro_rules! fast {
            ($n:literal, $prim:ty, $load:ident, $via:ty, $from:ident) => {
                Conv::Fast(|src: &[u8], dst: &mut [T]| {
                    let (words, _) = src.as_chunks::<$n>();
                    for (d, w) in dst.iter_mut().zip(words) {
                        *d = T::$from(<$prim>::$load(*w) as $via);
                    }
                })
            };
        }
        match kind {
            NumKind::Float(4, Little) => fast!(4, f32, from_le_bytes, f64, from_f64),
            NumKind::Float(4, Big) => fast!(4, f32, from_be_bytes, f64, from_f64),
            NumKind::Float(8, Little) => fast!(8, f64, from_le_bytes, f64, from_f64),
            NumKind::Float(8, Big) => fast!(8, f64, from_be_bytes, f64, from_f64),
            NumKind::Int(1, _) => fast!(1, i8, from_le_bytes, i64, from_i64),
            NumKind::Int(2, Little) => fast!(2, i16, from_le_bytes, i64, from_i64),
            NumKind::Int(2, Big) => fast!(2, i16, from_be_bytes, i64, from_i64),
            NumKind::Int(4, Little) => fast!(4, i32, from_le_bytes, i64, from_i64),
            NumKind::Int(4, Big) => fast!(4, i32, from_be_bytes, i64, from_i64),
            NumKind::Int(8, Little) => fast!(8, i64, from_le_bytes, i64, from_i64),
            NumKind::Int(8, Big) => fast!(8, i64, from_be_bytes, i64, from_i64),
            NumKind::UInt(1, _) => fast!(1, u8, from_le_bytes, u64, from_u64),
            NumKind::UInt(2, Little) => fast!(2, u16, from_le_bytes, u64, from_u64),
            NumKind::UInt(2, Big) => fast!(2, u16, from_be_bytes, u64, from_u64),
            NumKind::UInt(4, Little) => fast!(4, u32, from_le_bytes, u64, from_u64),
            NumKind::UInt(4, Big) => fast!(4, u32, from_be_bytes, u64, from_u64),
            NumKind::UInt(8, Little) => fast!(8, u64, from_le_bytes, u64, from_u64),
            NumKind::UInt(8, Big) => fast!(8, u64, from_be_bytes, u64, from_u64),
            other => Conv::Slow(other),
        }
    }

    /// The converter for an output of `bytes` bytes: streaming stores when the values are
    /// stored exactly as `T` and the output is too large to stay cached. Tasks using it
    /// hold a [`stream::Fence`] armed by [`Conv::streams`].
    pub(crate) fn for_output(kind: NumKind, bytes: usize) -> Self {
        match Self::new(kind) {
            Conv::Fast(f)
                if bytes >= stream::STREAM_MIN_BYTES
                    && cfg!(target_endian = "little")
                    && kind.is_native_le::<T>()
                    && stream::available::<T>() =>
            {
                Conv::Stream(f)
            }
            c => c,
        }
    }

    /// True when this converter uses streaming stores.
    pub(crate) fn streams(&self) -> bool {
        matches!(self, Conv::Stream(_))
    }

    /// Convert the elements of `src` into `dst` (as many as `dst` holds).
    #[inline]
    pub(crate) fn run(&self, src: &[u8], dst: &mut [T]) {
        match self {
            Conv::Fast(f) => f(src, dst),
            Conv::Slow(k) => convert_into(*k, src, dst),
            Conv::Stream(f) => {
                if !stream::copy(src, dst) {
                    f(src, dst)
                }
            }
        }
    }
}

/// One stored element (`raw` holds exactly one element) as `T`.
pub(crate) fn one<T: H5Type>(kind: NumKind, raw: &[u8]) -> T {
    if raw.len() < kind.size() {
        return T::default();
    }
    element(kind, &raw[..kind.size()])
}
