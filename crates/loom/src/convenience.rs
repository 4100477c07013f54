//! Conversions that make the common calls short: `From` impls that build [`Values`] from
//! vectors, slices, arrays and scalars and [`Sel`] from ranges, index lists and masks, and
//! typed getters on [`Values`] (a string scalar in one call, numbers as f64 or i64 without
//! silent truncation), and [`Graph`] to and from [`Coo`] (the adjacency matrix).
//!
//! ```
//! use loomfile::{Sel, Values};
//! let genes = Values::from(&["Actb", "Gapdh"][..]);
//! assert_eq!(genes.as_strings().unwrap(), ["Actb", "Gapdh"]);
//! assert_eq!(Values::from("title").as_string(), Some("title"));
//! assert_eq!(Values::from(vec![1i64, 2]).as_i64s(), Some(vec![1, 2]));
//! assert_eq!(Values::from(2.5).as_f64(), Some(2.5));
//! assert_eq!(Sel::from(0..10), Sel::Range(0, 10));
//! assert_eq!(Sel::from(vec![0, 3, 5]), Sel::Index(vec![0, 3, 5]));
//! assert_eq!(Sel::from(vec![true, false]), Sel::Mask(vec![true, false]));
//! ```

use crate::graphs::Graph;
use crate::layers::Sel;
use crate::sparse::Coo;
use crate::values::{Element, Values};
use ndarray::{Array1, ArrayD, IxDyn};

macro_rules! numeric_from {
    ($($t:ty),*) => {$(
        impl From<Vec<$t>> for Values {
            /// A 1-D array.
            fn from(v: Vec<$t>) -> Values {
                Values::from_vec(v)
            }
        }
        impl From<&[$t]> for Values {
            /// A 1-D array (copied).
            fn from(v: &[$t]) -> Values {
                Values::from_vec(v.to_vec())
            }
        }
        impl From<$t> for Values {
            /// A 0-d (scalar) value.
            fn from(v: $t) -> Values {
                Values::scalar(v)
            }
        }
        impl From<ArrayD<$t>> for Values {
            /// An N-d array of any shape.
            fn from(a: ArrayD<$t>) -> Values {
                <$t as Element>::wrap(a)
            }
        }
        impl From<Array1<$t>> for Values {
            /// A 1-D array.
            fn from(a: Array1<$t>) -> Values {
                <$t as Element>::wrap(a.into_dyn())
            }
        }
    )*};
}
numeric_from!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl From<Vec<bool>> for Values {
    /// A 1-D boolean array.
    fn from(v: Vec<bool>) -> Values {
        let n = v.len();
        Values::Bool(ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("1-D shape matches"))
    }
}

impl From<bool> for Values {
    /// A boolean scalar.
    fn from(v: bool) -> Values {
        Values::Bool(ArrayD::from_elem(IxDyn(&[]), v))
    }
}

impl From<Vec<String>> for Values {
    /// A 1-D string array.
    fn from(v: Vec<String>) -> Values {
        let n = v.len();
        Values::String(ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("1-D shape matches"))
    }
}

impl From<Vec<&str>> for Values {
    /// A 1-D string array.
    fn from(v: Vec<&str>) -> Values {
        Values::strings(&v)
    }
}

impl From<&[&str]> for Values {
    /// A 1-D string array.
    fn from(v: &[&str]) -> Values {
        Values::strings(v)
    }
}

impl From<&[String]> for Values {
    /// A 1-D string array.
    fn from(v: &[String]) -> Values {
        Values::strings(v)
    }
}

impl From<&str> for Values {
    /// A string scalar.
    fn from(s: &str) -> Values {
        Values::string(s)
    }
}

impl From<String> for Values {
    /// A string scalar.
    fn from(s: String) -> Values {
        Values::String(ArrayD::from_elem(IxDyn(&[]), s))
    }
}

impl Values {
    /// The single element of a scalar (or one-element) value, for getters.
    fn single(&self) -> Option<()> {
        (self.shape().iter().product::<usize>() == 1).then_some(())
    }

    /// The numbers as f64, flattened row-major (integers above 2^53 round); `None` for
    /// strings and compounds. The same as [`Values::to_f64`].
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(vec![1u64, 2]).as_f64s(), Some(vec![1.0, 2.0]));
    /// assert_eq!(Values::from(vec!["1"]).as_f64s(), None); // text is not parsed
    /// ```
    pub fn as_f64s(&self) -> Option<Vec<f64>> {
        self.to_f64()
    }

    /// The numbers as i64, flattened row-major, for integer, bool and enum values; `None`
    /// for floats (no silent truncation) and for a uint64 value above `i64::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(vec![3u8, 4]).as_i64s(), Some(vec![3, 4]));
    /// assert_eq!(Values::from(vec![true, false]).as_i64s(), Some(vec![1, 0]));
    /// assert_eq!(Values::from(vec![0.5f64]).as_i64s(), None); // no truncation
    /// assert_eq!(Values::from(vec![u64::MAX]).as_i64s(), None); // no wrap-around
    /// ```
    pub fn as_i64s(&self) -> Option<Vec<i64>> {
        fn conv<T: Copy + TryInto<i64>>(a: &ArrayD<T>) -> Option<Vec<i64>> {
            a.iter().map(|&x| x.try_into().ok()).collect()
        }
        match self {
            Values::Int8(a) => conv(a),
            Values::Int16(a) => conv(a),
            Values::Int32(a) => conv(a),
            Values::Int64(a) => Some(a.iter().copied().collect()),
            Values::UInt8(a) => conv(a),
            Values::UInt16(a) => conv(a),
            Values::UInt32(a) => conv(a),
            Values::UInt64(a) => conv(a),
            Values::Bool(a) => Some(a.iter().map(|&b| b as i64).collect()),
            Values::Enum { values, .. } => Some(values.iter().copied().collect()),
            _ => None,
        }
    }

    /// A numeric scalar (or the one element of a one-element array) as f64.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(0.25f32).as_f64(), Some(0.25));
    /// assert_eq!(Values::from(vec![7i64]).as_f64(), Some(7.0)); // one element is enough
    /// assert_eq!(Values::from(vec![1.0f64, 2.0]).as_f64(), None); // two are not a scalar
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        self.single()?;
        self.to_f64()?.first().copied()
    }

    /// An integer scalar (or one-element array) as i64; `None` for floats.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(42u32).as_i64(), Some(42));
    /// assert_eq!(Values::from(42.0f64).as_i64(), None); // a float, even an integral one
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        self.single()?;
        self.as_i64s()?.first().copied()
    }

    /// A boolean scalar (or one-element array).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(true).as_bool(), Some(true));
    /// assert_eq!(Values::from(vec![false]).as_bool(), Some(false));
    /// assert_eq!(Values::from(1u8).as_bool(), None); // numbers are not booleans here
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        self.single()?;
        match self {
            Values::Bool(a) => a.iter().next().copied(),
            _ => None,
        }
    }

    /// A string scalar (or the one element of a one-element string array), borrowed.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from("hello").as_string(), Some("hello"));
    /// assert_eq!(Values::from(vec!["only"]).as_string(), Some("only"));
    /// assert_eq!(Values::from(vec!["a", "b"]).as_string(), None);
    /// ```
    pub fn as_string(&self) -> Option<&str> {
        self.single()?;
        match self {
            Values::String(a) => a.iter().next().map(String::as_str),
            _ => None,
        }
    }
}

impl From<std::ops::Range<u64>> for Sel {
    /// `start..end`.
    fn from(r: std::ops::Range<u64>) -> Sel {
        Sel::Range(r.start, r.end)
    }
}

impl From<std::ops::RangeFull> for Sel {
    /// `..`: everything.
    fn from(_: std::ops::RangeFull) -> Sel {
        Sel::All
    }
}

impl From<u64> for Sel {
    /// One index (a range of one).
    fn from(i: u64) -> Sel {
        Sel::Range(i, i + 1)
    }
}

impl From<Vec<u64>> for Sel {
    /// These indices, in this order.
    fn from(v: Vec<u64>) -> Sel {
        Sel::Index(v)
    }
}

impl From<&[u64]> for Sel {
    /// These indices, in this order.
    fn from(v: &[u64]) -> Sel {
        Sel::Index(v.to_vec())
    }
}

impl From<Vec<bool>> for Sel {
    /// A mask over the axis.
    fn from(v: Vec<bool>) -> Sel {
        Sel::Mask(v)
    }
}

impl From<&[bool]> for Sel {
    /// A mask over the axis.
    fn from(v: &[bool]) -> Sel {
        Sel::Mask(v.to_vec())
    }
}

impl Graph {
    /// The adjacency matrix of a graph over `n` vertices as COO (what loompy returns for a
    /// graph), one entry per edge in edge order (a multigraph keeps its repeated edges).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Graph;
    /// let g = Graph { a: vec![0, 2], b: vec![1, 0], w: vec![1.0, 0.5] };
    /// let adj = g.to_coo(3);
    /// assert_eq!((adj.rows, adj.cols, adj.nnz()), (3, 3, 2));
    /// assert_eq!(Graph::from(&adj), g); // and back
    /// ```
    pub fn to_coo(&self, n: u64) -> Coo<f64> {
        Coo { rows: n, cols: n, row: self.a.clone(), col: self.b.clone(), data: self.w.clone() }
    }
}

impl<T: Copy + Into<f64>> From<&Coo<T>> for Graph {
    /// The edges of an adjacency matrix in COO form: `row -> col`, weighted by the value.
    fn from(c: &Coo<T>) -> Graph {
        Graph { a: c.row.clone(), b: c.col.clone(), w: c.data.iter().map(|&x| x.into()).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::NumType;

    #[test]
    fn values_from_vectors_slices_and_scalars() {
        assert_eq!(Values::from(vec![1.5f64, 2.0]).num_type(), Some(NumType::Float64));
        assert_eq!(Values::from(vec![1i64, 2]).shape(), [2]);
        assert_eq!(Values::from(&[1u8, 2, 3][..]).num_type(), Some(NumType::UInt8));
        assert_eq!(Values::from(7i32).shape(), Vec::<usize>::new());
        assert_eq!(Values::from(vec![true, false]).dtype_name(), "bool");
        let s = Values::from(vec!["a".to_string(), "b".to_string()]);
        assert_eq!(s, Values::from(&["a", "b"][..]));
        assert_eq!(s, Values::from(vec!["a", "b"]));
        assert_eq!(s, Values::from(&["a".to_string(), "b".to_string()][..]));
        assert_eq!(Values::from("x"), Values::from("x".to_string()));
        assert_eq!(Values::from("x").shape(), Vec::<usize>::new());
        let a = ndarray::Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as f32).into_dyn();
        assert_eq!(Values::from(a).shape(), [2, 3]);
        assert_eq!(Values::from(ndarray::arr1(&[1u16, 2])).as_i64s(), Some(vec![1, 2]));
    }

    #[test]
    fn typed_getters() {
        assert_eq!(Values::from(3i64).as_i64(), Some(3));
        assert_eq!(Values::from(3i64).as_f64(), Some(3.0));
        assert_eq!(Values::from(0.5f32).as_f64(), Some(0.5));
        // Floats never come back as integers (no silent truncation).
        assert_eq!(Values::from(0.5f32).as_i64(), None);
        assert_eq!(Values::from(vec![0.5f64]).as_i64s(), None);
        assert_eq!(Values::from(vec![u64::MAX]).as_i64s(), None);
        assert_eq!(Values::from(vec![1u64, 2]).as_i64s(), Some(vec![1, 2]));
        assert_eq!(Values::from(vec![1u64, 2]).as_f64s(), Some(vec![1.0, 2.0]));
        // Several elements are not a scalar.
        assert_eq!(Values::from(vec![1i64, 2]).as_i64(), None);
        assert_eq!(Values::from(vec!["a", "b"]).as_string(), None);
        assert_eq!(Values::from(vec!["a"]).as_string(), Some("a"));
        assert_eq!(Values::from("t").as_string(), Some("t"));
        assert_eq!(Values::from("t").as_f64(), None);
        assert_eq!(Values::from(true).as_bool(), Some(true));
        assert_eq!(Values::from(1i64).as_bool(), None);
        assert_eq!(Values::from(vec![true, false]).as_i64s(), Some(vec![1, 0]));
    }

    #[test]
    fn graph_and_coo_round_trip() {
        let g = Graph { a: vec![0, 2, 2], b: vec![1, 0, 0], w: vec![1.0, 0.5, 0.5] };
        let c = g.to_coo(3);
        assert_eq!((c.rows, c.cols, c.data.len()), (3, 3, 3));
        assert_eq!(Graph::from(&c), g);
        let ints = Coo { rows: 4, cols: 4, row: vec![3], col: vec![1], data: vec![2u32] };
        assert_eq!(Graph::from(&ints), Graph { a: vec![3], b: vec![1], w: vec![2.0] });
        // The CSR built from the COO holds the same edges.
        let csr = c.to_csr().unwrap();
        assert_eq!(csr.indptr, [0, 1, 1, 3]);
    }

    #[test]
    fn sel_from_ranges_lists_and_masks() {
        assert_eq!(Sel::from(2..5), Sel::Range(2, 5));
        assert_eq!(Sel::from(..), Sel::All);
        assert_eq!(Sel::from(99u64), Sel::Range(99, 100));
        assert_eq!(Sel::from(vec![0, 3, 5]), Sel::Index(vec![0, 3, 5]));
        assert_eq!(Sel::from(&[4u64, 1][..]), Sel::Index(vec![4, 1]));
        assert_eq!(Sel::from(vec![true, false, true]), Sel::Mask(vec![true, false, true]));
        assert_eq!(Sel::from(&[false][..]), Sel::Mask(vec![false]));
        // They select what the variants select.
        assert_eq!(Sel::from(vec![false, true, true]).indices(3).unwrap(), [1, 2]);
        assert_eq!(Sel::from(1..3).indices(5).unwrap(), [1, 2]);
    }
}
