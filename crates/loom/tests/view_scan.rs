//! Views, scans and maps against direct reads of the same data (fixtures/loom/rich_v3.loom:
//! four layers, 2-D attributes, row and column graphs).

use loomfile::view::{ScanOptions, ViewOptions, slice_graph};
use loomfile::{Axis, Graph, LoomFile, Sel, Values};

fn rich() -> LoomFile {
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/loom/rich_v3.loom");
    LoomFile::from_bytes(std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn view_slices_layers_attributes_and_graphs_in_selection_order() {
    let f = rich();
    let rows = vec![5u64, 0, 5, 39];
    let cols = vec![49u64, 3, 7];
    let v = f
        .view::<f64>(&Sel::Index(rows.clone()), &Sel::Index(cols.clone()), &ViewOptions::default())
        .unwrap();
    assert_eq!(v.shape(), (4, 3));
    for name in f.layer_names() {
        let full = f.read_layer::<f64>(&name, &Sel::All, &Sel::All).unwrap();
        let a = v.layer(&name).unwrap();
        for (i, &r) in rows.iter().enumerate() {
            for (j, &c) in cols.iter().enumerate() {
                assert_eq!(a[[i, j]], full[[r as usize, c as usize]], "layer {name:?}");
            }
        }
    }
    let genes = f.attr(Axis::Rows, "Gene").unwrap().as_strings().unwrap();
    let got = v.row_attr("Gene").unwrap().as_strings().unwrap();
    assert_eq!(got, rows.iter().map(|&r| genes[r as usize].clone()).collect::<Vec<_>>());
    // 2-D attribute rows follow the selection too.
    let pca = f.attr(Axis::Cols, "PCA").unwrap();
    assert_eq!(v.col_attr("PCA").unwrap(), &pca.select(&[49, 3, 7]).unwrap());
    // The file's globals come along whole (loompy's view.attrs).
    assert_eq!(*v.globals, f.globals().unwrap());
    assert!(!v.globals.is_empty());
    for name in f.global_names() {
        assert_eq!(v.global(&name), Some(&f.global(&name).unwrap()), "{name}");
    }
    let bare = ViewOptions { attrs: false, ..ViewOptions::default() };
    let b = f.view::<f64>(&Sel::Index(rows.clone()), &Sel::Index(cols.clone()), &bare).unwrap();
    assert!(b.globals.is_empty() && b.row_attrs.is_empty());
    // Graph edges keep both ends selected, renumbered in view order (repeats duplicate).
    let knn = f.graph(Axis::Cols, "KNN").unwrap();
    let expect = slice_graph(&knn, &cols);
    assert_eq!(v.col_graphs.iter().find(|(n, _)| n == "KNN").unwrap().1, expect);
    for k in 0..expect.edges() {
        let (a, b) = (cols[expect.a[k] as usize], cols[expect.b[k] as usize]);
        assert!(
            (0..knn.edges()).any(|e| knn.a[e] == a && knn.b[e] == b && knn.w[e] == expect.w[k])
        );
    }
}

#[test]
fn slice_graph_keeps_order_and_repeats() {
    let g = Graph { a: vec![0, 1, 2, 3], b: vec![1, 2, 3, 0], w: vec![1.0, 2.0, 3.0, 4.0] };
    let s = slice_graph(&g, &[2, 1, 2]);
    // Edge 1->2 (w 2) with 1 at position 1 and 2 at positions 0 and 2.
    assert_eq!(s, Graph { a: vec![1, 1], b: vec![0, 2], w: vec![2.0, 2.0] });
}

#[test]
fn scan_yields_items_in_the_callers_order_with_key_reordering() {
    let f = rich();
    let items: Vec<u64> = vec![30, 2, 2, 39, 0, 17, 9];
    let opts = ScanOptions {
        items: Some(items.clone()),
        batch_size: 3,
        key: Some("CellID".into()),
        ..ScanOptions::default()
    };
    let cell_ids = f.attr(Axis::Cols, "CellID").unwrap().as_strings().unwrap();
    let mut order: Vec<usize> = (0..cell_ids.len()).collect();
    order.sort_by(|&a, &b| cell_ids[a].cmp(&cell_ids[b]));
    let main = f.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap();
    let order64: Vec<u64> = order.iter().map(|&c| c as u64).collect();
    let sorted_ids: Vec<&str> = order.iter().map(|&c| cell_ids[c].as_str()).collect();
    let genes = f.attr(Axis::Rows, "Gene").unwrap().as_strings().unwrap();
    let (row_g, col_g) = (&f.graph_names(Axis::Rows)[0], &f.graph_names(Axis::Cols)[0]);
    let (row_graph, col_graph) =
        (f.graph(Axis::Rows, row_g).unwrap(), f.graph(Axis::Cols, col_g).unwrap());
    let mut seen = Vec::new();
    let mut first_cols: Option<loomfile::View<f32>> = None;
    for b in f.scan::<f32>(Axis::Rows, opts).unwrap() {
        let b = b.unwrap();
        assert!(b.indexes.len() <= 3);
        assert_eq!(b.view.cols, order64);
        // The other axis's attributes and graphs in key order, sliced once and shared by
        // every batch; the scanned axis's sliced to the batch.
        assert_eq!(b.view.col_attr("CellID").unwrap().as_strings().unwrap(), sorted_ids);
        let g = &b.view.col_graphs.iter().find(|(n, _)| n == col_g).unwrap().1;
        assert_eq!(*g, slice_graph(&col_graph, &order64));
        let batch_genes: Vec<&str> =
            b.indexes.iter().map(|&r| genes[r as usize].as_str()).collect();
        assert_eq!(b.view.row_attr("Gene").unwrap().as_strings().unwrap(), batch_genes);
        let g = &b.view.row_graphs.iter().find(|(n, _)| n == row_g).unwrap().1;
        assert_eq!(*g, slice_graph(&row_graph, &b.indexes));
        match &first_cols {
            None => first_cols = Some(b.view.clone()),
            Some(v) => {
                assert!(std::sync::Arc::ptr_eq(&v.col_attrs, &b.view.col_attrs));
                assert!(std::sync::Arc::ptr_eq(&v.col_graphs, &b.view.col_graphs));
            }
        }
        let m = b.view.layer("").unwrap();
        for (i, &r) in b.indexes.iter().enumerate() {
            for (j, &c) in order.iter().enumerate() {
                assert_eq!(m[[i, j]], main[[r as usize, c]]);
            }
        }
        seen.extend(b.indexes);
    }
    assert_eq!(seen, items);
    // Items beyond the axis are refused up front.
    let bad = ScanOptions { items: Some(vec![40]), ..ScanOptions::default() };
    assert!(f.scan::<f32>(Axis::Rows, bad).is_err());
}

#[test]
fn scan_columns_main_layer_only_covers_everything_once() {
    let f = rich();
    let opts = ScanOptions {
        batch_size: 16,
        view: ViewOptions { layers: Some(vec!["".into()]), attrs: false, graphs: false },
        ..ScanOptions::default()
    };
    let main = f.read_layer::<f64>("", &Sel::All, &Sel::All).unwrap();
    let mut total = 0.0;
    let mut cols = 0;
    for b in f.scan::<f64>(Axis::Cols, opts).unwrap() {
        let b = b.unwrap();
        assert_eq!(b.view.layers.len(), 1);
        total += b.view.layer("").unwrap().sum();
        cols += b.indexes.len();
    }
    assert_eq!(cols, 50);
    assert_eq!(total, main.sum());
}

#[test]
fn map_applies_several_functions_in_one_pass() {
    let f = rich();
    let main = f.read_layer::<f64>("", &Sel::All, &Sel::All).unwrap();
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let max = |v: &[f64]| v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    for axis in [Axis::Rows, Axis::Cols] {
        let out = f.map("", axis, &[&sum, &max], &Sel::All).unwrap();
        let (s, m): (Vec<f64>, Vec<f64>) = match axis {
            Axis::Rows => main
                .outer_iter()
                .map(|r| (r.sum(), r.iter().cloned().fold(f64::NEG_INFINITY, f64::max)))
                .unzip(),
            Axis::Cols => main
                .columns()
                .into_iter()
                .map(|c| (c.sum(), c.iter().cloned().fold(f64::NEG_INFINITY, f64::max)))
                .unzip(),
        };
        assert_eq!(out[0], s);
        assert_eq!(out[1], m);
    }
    // A selection on the other axis.
    let out = f.map("", Axis::Rows, &[&sum], &Sel::Range(10, 20)).unwrap();
    let expect: Vec<f64> = main.outer_iter().map(|r| r.slice(ndarray::s![10..20]).sum()).collect();
    assert_eq!(out[0], expect);
    let _ = Values::string("unused");
}

fn medium() -> LoomFile {
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/loom/medium.loom");
    // By bytes, so the test also runs without the `fs` feature (wasm32-wasip1).
    LoomFile::from_bytes(std::fs::read(p).unwrap()).unwrap()
}

/// medium.loom (300 x 200, 5 x 4 chunks, float32 and uint16 layers): items of a batch are
/// mapped in parallel (columns in groups), results in item order, equal to a direct
/// computation for both layers and both axes.
#[test]
fn map_in_parallel_keeps_item_order_on_every_layer() {
    let f = medium();
    let first = |v: &[f64]| v.first().copied().unwrap_or(f64::NAN);
    let weighted = |v: &[f64]| v.iter().enumerate().map(|(i, x)| (i as f64 + 1.0) * x).sum();
    for layer in ["", "spliced"] {
        let dense = f.read_layer::<f64>(layer, &Sel::All, &Sel::All).unwrap();
        for axis in [Axis::Rows, Axis::Cols] {
            let out = f.map(layer, axis, &[&first, &weighted], &Sel::All).unwrap();
            let items: Vec<Vec<f64>> = match axis {
                Axis::Rows => dense.outer_iter().map(|r| r.to_vec()).collect(),
                Axis::Cols => dense.columns().into_iter().map(|c| c.to_vec()).collect(),
            };
            assert_eq!(out[0], items.iter().map(|v| first(v)).collect::<Vec<_>>());
            assert_eq!(out[1], items.iter().map(|v| weighted(v)).collect::<Vec<_>>());
        }
    }
}

/// The whole layer as COO (through the core's CSR path) holds exactly the non-zero values
/// in row-major order; selections give the same entries relative to the selection.
#[test]
fn sparse_whole_layer_and_selections_match_the_dense_layer() {
    let f = medium();
    let dense = f.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap();
    let coo = f.sparse::<f32>("", &Sel::All, &Sel::All).unwrap();
    let mut want = (Vec::new(), Vec::new(), Vec::new());
    for ((r, c), &x) in dense.indexed_iter() {
        if x != 0.0 {
            want.0.push(r as u64);
            want.1.push(c as u64);
            want.2.push(x);
        }
    }
    assert_eq!((coo.rows, coo.cols), (300, 200));
    assert_eq!((coo.row, coo.col, coo.data), want);
    let sub = f.sparse::<f32>("", &Sel::Range(60, 130), &Sel::Index(vec![199, 3, 3])).unwrap();
    for k in 0..sub.nnz() {
        let src_col = [199usize, 3, 3][sub.col[k] as usize];
        assert_eq!(dense[[60 + sub.row[k] as usize, src_col]], sub.data[k]);
    }
    let nz = (60..130).flat_map(|r| [199, 3, 3].map(|c| dense[[r, c]])).filter(|&x| x != 0.0);
    assert_eq!(sub.nnz(), nz.count());
}

/// Reading into the caller's array gives what `read_layer` returns; a wrong shape is an
/// error, not a panic. Views with consecutive selections (read as ranges) equal views with
/// the same indices listed out of order and put back.
#[test]
fn read_into_and_range_views_match_index_reads() {
    let f = medium();
    let want = f.read_layer::<f32>("spliced", &Sel::Range(5, 250), &Sel::All).unwrap();
    let mut out = ndarray::Array2::<f32>::from_elem((245, 200), -1.0);
    f.read_layer_into("spliced", &Sel::Range(5, 250), &Sel::All, &mut out.view_mut()).unwrap();
    assert_eq!(out, want);
    let mut bad = ndarray::Array2::<f32>::zeros((244, 200));
    assert!(
        f.read_layer_into("spliced", &Sel::Range(5, 250), &Sel::All, &mut bad.view_mut()).is_err()
    );
    let opts = ViewOptions::default();
    let ranged = f.view::<f32>(&Sel::Range(64, 200), &Sel::All, &opts).unwrap();
    let listed = f
        .view::<f32>(&Sel::Index((64..200).collect()), &Sel::Mask(vec![true; 200]), &opts)
        .unwrap();
    assert_eq!(ranged, listed);
    let main = f.read_layer::<f32>("", &Sel::Range(64, 200), &Sel::All).unwrap();
    assert_eq!(ranged.layer(""), Some(&main));
}

/// A scan whose batches are handed back with `Scan::recycle` gives the same views as one
/// whose batches are dropped, on both axes, every layer, items reordered and the last batch
/// shorter; same-size batches decode into the recycled arrays.
#[test]
fn recycled_scan_batches_equal_fresh_ones() {
    let f = medium();
    for axis in [Axis::Rows, Axis::Cols] {
        let n = if axis == Axis::Rows { 300u64 } else { 200 };
        let items: Vec<u64> = (0..n).map(|i| (i * 37 + 5) % n).collect();
        let opts = || ScanOptions {
            items: Some(items.clone()),
            batch_size: 48,
            view: ViewOptions { attrs: false, graphs: false, ..ViewOptions::default() },
            ..ScanOptions::default()
        };
        let fresh: Vec<_> = f.scan::<f64>(axis, opts()).unwrap().map(|b| b.unwrap()).collect();
        let mut scan = f.scan::<f64>(axis, opts()).unwrap();
        let (mut k, mut reused) = (0, 0);
        let mut seen = std::collections::HashSet::new();
        let mut hogs = Vec::new();
        while let Some(b) = scan.next() {
            let b = b.unwrap();
            assert_eq!(b.indexes, fresh[k].indexes);
            assert_eq!(b.view.layers, fresh[k].view.layers, "{axis:?} batch {k}");
            assert!(b.view.layers.len() >= 2, "both layers of medium.loom");
            for (_, a) in &b.view.layers {
                reused += usize::from(!seen.insert(a.as_ptr() as usize));
            }
            let sizes: Vec<usize> = b.view.layers.iter().map(|(_, a)| a.len()).collect();
            scan.recycle(b);
            // Blocks the allocator could hand out again are taken, so a batch that did not
            // reuse its predecessor's arrays would get new addresses.
            // alloc: one batch's size per layer, a test's hold
            hogs.extend(sizes.into_iter().map(Vec::<f64>::with_capacity));
            k += 1;
        }
        assert_eq!(k, fresh.len());
        assert!(reused >= 2 * (k - 2), "{axis:?}: only {reused} arrays reused over {k} batches");
    }
}
