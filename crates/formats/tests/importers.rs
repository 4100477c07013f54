//! loompy's importers without Python: `create_from_matrix_market` on inputs large enough
//! for the external sort to spill (transposed, layers summed), compared with a dense matrix
//! built here; `create_from_tsv`'s refusals (non-integer text for an integer type, a
//! reference without the key attribute) leave no output behind. ops_interop.rs compares
//! both importers with loompy's.

use loomfile::ndarray::Array2;
use loomfile::{Axis, Contents, Error, LayerData, LoomFile, NumType, Sel, Values};
use loomfile_formats::{MtxImport, TsvImport, create_from_matrix_market, create_from_tsv};
use std::fmt::Write as _;

/// A coordinate file of `m` (written transposed when `t`), entries in a scrambled order.
fn mtx(m: &Array2<i64>, t: bool) -> String {
    let (r, c) = m.dim();
    let mut entries: Vec<(usize, usize, i64)> =
        m.indexed_iter().filter(|(_, v)| **v != 0).map(|((i, j), v)| (i, j, *v)).collect();
    let n = entries.len();
    for k in 0..n {
        entries.swap(k, (k * 7919 + 13) % n);
    }
    let (rr, cc) = if t { (c, r) } else { (r, c) };
    let mut s = format!("%%MatrixMarket matrix coordinate integer general\n{rr} {cc} {n}\n");
    for (i, j, v) in entries {
        let (a, b) = if t { (j, i) } else { (i, j) };
        writeln!(s, "{} {} {v}", a + 1, b + 1).unwrap();
    }
    s
}

#[test]
fn matrix_market_layers_summed_through_spilled_sorts() {
    let d = tempfile::tempdir().unwrap();
    let (genes, cells) = (300usize, 400usize);
    // About 80k entries per layer: past the 1 MiB sort buffer (43k entries), so runs spill.
    let a = Array2::from_shape_fn((genes, cells), |(i, j)| ((i * 31 + j * 17) % 3) as i64 * 5);
    let b = Array2::from_shape_fn((genes, cells), |(i, j)| ((i * 13 + j * 7) % 4) as i64);
    std::fs::write(d.path().join("a.mtx"), mtx(&a, true)).unwrap();
    std::fs::write(d.path().join("b.mtx"), mtx(&b, true)).unwrap();
    let gene_list: String = (0..genes).map(|i| format!("G{i}\tgene{i}\n")).collect();
    std::fs::write(d.path().join("genes.tsv"), format!("id\tname\n{gene_list}")).unwrap();
    let bcs: String = (0..cells).map(|j| format!("BC{j},x\n")).collect();
    std::fs::write(d.path().join("bcs.csv"), bcs).unwrap();
    let out = d.path().join("out.loom");
    let layers = [("a", d.path().join("a.mtx")), ("b", d.path().join("b.mtx"))];
    let opts = MtxImport::new().transposed(true).skip_headers(true, false).delim(b',');
    // The gene list is tab-separated: with a comma it is one field a line (no Gene).
    let report = create_from_matrix_market(
        &out,
        "run",
        &layers,
        d.path().join("genes.tsv"),
        d.path().join("bcs.csv"),
        &opts.clone().sort_memory(1 << 20),
    )
    .unwrap();
    assert_eq!(report.shape, (genes as u64, cells as u64));
    assert_eq!(report.dtype.as_deref(), Some("int64"));
    let f = LoomFile::open(&out).unwrap();
    assert_eq!(f.read_layer::<i64>("", &Sel::All, &Sel::All).unwrap(), &a + &b);
    assert_eq!(f.read_layer::<i64>("a", &Sel::All, &Sel::All).unwrap(), a);
    assert_eq!(f.read_layer::<i64>("b", &Sel::All, &Sel::All).unwrap(), b);
    assert_eq!(f.layer_dtype("a").unwrap(), NumType::Int32);
    let acc = f.attr(Axis::Rows, "Accession").unwrap().as_strings().unwrap();
    assert_eq!((acc[0].as_str(), acc.len()), ("G0\tgene0", genes));
    assert!(!f.attr_names(Axis::Rows).iter().any(|n| n == "Gene"));
    let ids = f.attr(Axis::Cols, "CellID").unwrap().as_strings().unwrap();
    assert_eq!((ids[0].as_str(), ids[cells - 1].as_str()), ("run:BC0", "run:BC399"));
    // No spill file is left beside the output.
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Without the transposition the shapes disagree with the lists: refused, no output.
    let e = create_from_matrix_market(
        d.path().join("t.loom"),
        "run",
        &layers,
        d.path().join("genes.tsv"),
        d.path().join("bcs.csv"),
        &opts.transposed(false),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("a.mtx") && e.contains("400 x 300"), "{e}");
    assert!(!d.path().join("t.loom").exists());
}

#[test]
fn tsv_import_refusals_leave_nothing() {
    let d = tempfile::tempdir().unwrap();
    let tsv = d.path().join("m.tsv");
    std::fs::write(&tsv, "c1\tc2\nA\t1\t0.5\nB\t0\t2\n").unwrap();
    let out = d.path().join("out.loom");
    // The caller's type does not fit the text: an argument error, not a bad input.
    let e = create_from_tsv(&out, &tsv, &TsvImport::new().dtype(NumType::Int32)).unwrap_err();
    assert!(matches!(e.cause(), Error::Invalid(_)), "{e:?}");
    let e = e.to_string();
    assert!(e.contains("m.tsv") && e.contains("not integers"), "{e}");
    assert!(!out.exists());
    // A line of the text that is not numbers: an input-format error naming file and line.
    let bad = d.path().join("bad.tsv");
    std::fs::write(&bad, "c1\tc2\nA\t1\t0.5\nB\tx\t2\n").unwrap();
    let e = create_from_tsv(&out, &bad, &TsvImport::new()).unwrap_err();
    assert!(matches!(e.cause(), Error::Input(m) if m.contains("line 3")), "{e:?}");
    assert!(e.to_string().contains("bad.tsv"), "{e}");
    let reference = d.path().join("ref.loom");
    let contents =
        Contents { row_attrs: vec![("Gene", Values::from(vec!["A", "B"]))], ..Default::default() };
    let z = Array2::<f32>::zeros((2, 2));
    LoomFile::create(&reference, LayerData::Dense(z.view()), &contents).unwrap();
    // The default key is Accession, which the reference lacks.
    let e = create_from_tsv(&out, &tsv, &TsvImport::new().row_metadata(&reference, "Accession"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ref.loom") && e.contains("Accession"), "{e}");
    assert!(!out.exists());
    // Keyed by Gene it works: the reference's Gene attribute is copied, nothing else.
    let opts = TsvImport::new().row_metadata(&reference, "Gene").dtype(NumType::Float64);
    let r = create_from_tsv(&out, &tsv, &opts).unwrap();
    assert_eq!((r.shape, r.nnz), ((2, 2), Some(3)));
    let f = LoomFile::open(&out).unwrap();
    assert_eq!(f.attr_names(Axis::Rows), ["Gene"]);
    assert_eq!(f.read_row::<f64>("", 0, &Sel::All).unwrap().to_vec(), [1.0, 0.5]);
}
