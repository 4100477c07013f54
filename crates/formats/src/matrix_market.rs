//! The Matrix Market coordinate reader shared by `convert` (`.mtx`) and the 10x MEX import:
//! `%%MatrixMarket matrix coordinate {integer|real|double|pattern}
//! {general|symmetric|skew-symmetric}`, `%` comment lines, blank lines, entries in any
//! order. Entries go to a [`CooSorter`] as they are read (symmetric entries mirrored), so
//! the caller decides how much memory sorting takes; values are carried as 64 bits
//! (`i64` for integer and pattern files, `f64` for real ones).

use crate::coo_sort::{CooSorter, Entry};
use loomfile::error::{Error, Result};
use std::io::BufRead;

/// The value field of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `integer`: values are `i64` bits.
    Integer,
    /// `real` or `double`: values are `f64` bits.
    Real,
    /// `pattern`: every value is 1 (`i64` bits; -1 for mirrored skew-symmetric entries).
    Pattern,
}

/// What the reader found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Rows from the size line.
    pub rows: u64,
    /// Columns from the size line.
    pub cols: u64,
    /// Value field.
    pub field: Field,
    /// Smallest and largest integer value read (integer and pattern files).
    pub int_range: (i64, i64),
}

impl Summary {
    /// The sum of two values (integers saturate), for duplicate entries.
    pub fn add(&self, a: u64, b: u64) -> u64 {
        match self.field {
            Field::Real => (f64::from_bits(a) + f64::from_bits(b)).to_bits(),
            Field::Integer | Field::Pattern => (a as i64).saturating_add(b as i64) as u64,
        }
    }

    /// True when every integer value fits `i32` (real files: false).
    pub fn fits_i32(&self) -> bool {
        self.field != Field::Real
            && self.int_range.0 >= i32::MIN as i64
            && self.int_range.1 <= i32::MAX as i64
    }
}

/// `"what: "`, or nothing for an unnamed input (the caller adds the file name).
fn prefix(what: &str) -> String {
    if what.is_empty() { String::new() } else { format!("{what}: ") }
}

fn err(what: &str, line: u64, msg: impl std::fmt::Display) -> Error {
    if what.is_empty() {
        Error::input(format!("line {line}: {msg}"))
    } else {
        Error::input(format!("{what} line {line}: {msg}"))
    }
}

/// Read a coordinate file from `r` (`what` names it in errors) into `sink`.
pub fn read_coordinates(r: &mut dyn BufRead, what: &str, sink: &mut CooSorter) -> Result<Summary> {
    let mut line = Vec::new();
    let mut no = 0u64;
    let mut next = |line: &mut Vec<u8>, no: &mut u64| -> Result<bool> {
        line.clear();
        let n =
            r.read_until(b'\n', line).map_err(|e| Error::input(format!("{}{e}", prefix(what))))?;
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        *no += 1;
        Ok(n > 0)
    };
    if !next(&mut line, &mut no)? {
        return Err(err(what, 1, "empty file (no %%MatrixMarket header line)"));
    }
    let head = String::from_utf8_lossy(&line).to_ascii_lowercase();
    let t: Vec<&str> = head.split_ascii_whitespace().collect();
    if t.first() != Some(&"%%matrixmarket") || t.len() < 5 {
        return Err(err(what, 1, "not a Matrix Market file (no %%MatrixMarket header line)"));
    }
    if t[1] != "matrix" || t[2] != "coordinate" {
        return Err(err(
            what,
            1,
            format!("only 'matrix coordinate' files are supported, not '{} {}'", t[1], t[2]),
        ));
    }
    let field = match t[3] {
        "integer" => Field::Integer,
        "real" | "double" => Field::Real,
        "pattern" => Field::Pattern,
        other => return Err(err(what, 1, format!("{other} values are not supported"))),
    };
    let sym: i8 = match t[4] {
        "general" => 0,
        "symmetric" => 1,
        "skew-symmetric" => -1,
        other => return Err(err(what, 1, format!("{other} matrices are not supported"))),
    };
    let (rows, cols, nnz) = loop {
        if !next(&mut line, &mut no)? {
            return Err(err(what, no, "no size line"));
        }
        let s = String::from_utf8_lossy(&line);
        let s = s.trim();
        if s.is_empty() || s.starts_with('%') {
            continue;
        }
        let v: Vec<u64> = s
            .split_ascii_whitespace()
            .map(|x| x.parse::<u64>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| err(what, no, format!("bad size line {s:?}")))?;
        if v.len() != 3 {
            return Err(err(what, no, format!("bad size line {s:?} (expected rows cols entries)")));
        }
        break (v[0], v[1], v[2]);
    };
    if rows > u32::MAX as u64 || cols > u32::MAX as u64 {
        return Err(err(what, no, format!("{rows} x {cols} is too large (at most 2^32 per side)")));
    }
    let mut range = (i64::MAX, i64::MIN);
    let mut seen = 0u64;
    while next(&mut line, &mut no)? {
        let s = std::str::from_utf8(&line).map_err(|_| err(what, no, "not UTF-8 text"))?;
        let mut it = s.split_ascii_whitespace();
        let Some(a) = it.next() else { continue };
        if a.starts_with('%') {
            continue;
        }
        seen += 1;
        if seen > nnz {
            return Err(err(what, no, format!("more entries than the {nnz} declared")));
        }
        let idx = |x: Option<&str>, n: u64, name: &str| -> Result<u32> {
            let v: u64 = x
                .and_then(|x| x.parse().ok())
                .ok_or_else(|| err(what, no, format!("bad or missing {name} index")))?;
            if v == 0 || v > n {
                return Err(err(what, no, format!("{name} index {v} outside 1..={n}")));
            }
            Ok((v - 1) as u32)
        };
        let i = idx(Some(a), rows, "row")?;
        let j = idx(it.next(), cols, "column")?;
        let mirror = sym != 0 && i != j;
        let (bits, mirrored) = match field {
            Field::Pattern => (1u64, if sym < 0 { (-1i64) as u64 } else { 1 }),
            Field::Integer => {
                let tok = it.next().ok_or_else(|| err(what, no, "missing value"))?;
                let x: i64 =
                    tok.parse().map_err(|_| err(what, no, format!("bad integer value {tok:?}")))?;
                (x as u64, if sym < 0 { x.saturating_neg() as u64 } else { x as u64 })
            }
            Field::Real => {
                let tok = it.next().ok_or_else(|| err(what, no, "missing value"))?;
                let x: f64 =
                    tok.parse().map_err(|_| err(what, no, format!("bad real value {tok:?}")))?;
                (x.to_bits(), if sym < 0 { (-x).to_bits() } else { x.to_bits() })
            }
        };
        if field != Field::Real {
            let (x, m) = (bits as i64, if mirror { mirrored as i64 } else { bits as i64 });
            range = (range.0.min(x).min(m), range.1.max(x).max(m));
        }
        sink.push(Entry { row: i, col: j, bits })?;
        if mirror {
            sink.push(Entry { row: j, col: i, bits: mirrored })?;
        }
    }
    if seen != nnz {
        return Err(Error::input(format!(
            "{}{seen} entries, the size line declares {nnz}",
            prefix(what)
        )));
    }
    if range.0 > range.1 {
        range = (0, 0);
    }
    Ok(Summary { rows, cols, field, int_range: range })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(Summary, Vec<Entry>)> {
        let mut s = CooSorter::new(None, 0);
        let sum = read_coordinates(&mut text.as_bytes(), "m", &mut s)?;
        let mut out = Vec::new();
        s.finish()?.take_rows_below(u64::MAX, &mut out)?;
        Ok((sum, out))
    }

    fn e(row: u32, col: u32, bits: u64) -> Entry {
        Entry { row, col, bits }
    }

    #[test]
    fn symmetric_skew_and_pattern_entries_are_mirrored() {
        let t = "%%MatrixMarket matrix coordinate real symmetric\n% c\n\n3 3 2\n2 1 1.5\n3 3 2\n";
        let (s, v) = read(t).unwrap();
        assert_eq!((s.rows, s.cols, s.field), (3, 3, Field::Real));
        let f = |x: f64| x.to_bits();
        assert_eq!(v, vec![e(0, 1, f(1.5)), e(1, 0, f(1.5)), e(2, 2, f(2.0))]);
        let t = "%%MatrixMarket matrix coordinate integer skew-symmetric\n2 2 1\n2 1 -7\n";
        let (s, v) = read(t).unwrap();
        assert_eq!(v, vec![e(0, 1, 7), e(1, 0, (-7i64) as u64)]);
        assert_eq!(s.int_range, (-7, 7));
        assert!(s.fits_i32());
        let (s, v) =
            read("%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n1 2\n").unwrap();
        assert_eq!(v, vec![e(0, 1, 1), e(0, 1, 1)]);
        assert_eq!((s.field, s.int_range), (Field::Pattern, (1, 1)));
        let (s, _) =
            read("%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 3000000000\n")
                .unwrap();
        assert!(!s.fits_i32());
        assert_eq!(s.add(5, (-7i64) as u64) as i64, -2);
        assert_eq!(s.add(i64::MAX as u64, 1) as i64, i64::MAX);
    }

    #[test]
    fn bad_input_is_an_error_naming_the_line() {
        for (t, want) in [
            ("", "line 1: empty file"),
            ("hello\n", "line 1: not a Matrix Market file"),
            (
                "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n",
                "only 'matrix coordinate'",
            ),
            ("%%MatrixMarket matrix coordinate complex general\n1 1 1\n", "complex values"),
            ("%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n", "hermitian matrices"),
            ("%%MatrixMarket matrix coordinate real general\n", "no size line"),
            ("%%MatrixMarket matrix coordinate real general\n2 2\n", "line 2: bad size line"),
            (
                "%%MatrixMarket matrix coordinate integer general\n2 2 1\n3 1 1\n",
                "line 3: row index 3 outside",
            ),
            (
                "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 0 1\n",
                "column index 0 outside",
            ),
            (
                "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n",
                "1 entries, the size line declares 2",
            ),
            (
                "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1\n2 2 2\n",
                "line 4: more entries",
            ),
            (
                "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 x\n",
                "bad integer value",
            ),
            ("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1\n", "missing value"),
            ("%%MatrixMarket matrix coordinate real general\n5000000000 2 0\n", "too large"),
        ] {
            let msg = read(t).unwrap_err().to_string();
            assert!(msg.contains(want) && msg.contains("m"), "{t:?}: {msg}");
        }
    }
}
