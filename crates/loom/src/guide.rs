//! # Guide: loompy's API walkthrough in Rust
//!
//! This module holds no code: it is loompy's "API walkthrough", step by step, with every
//! example a doctest that runs (`cargo test -p loomfile --doc`). Where loompy writes
//! `ds.ca.Foo`, Rust writes `ds.attr(Axis::Cols, "Foo")`; where loompy slices with `ds[a, b]`,
//! Rust passes a [`Sel`](crate::Sel) per axis.
//!
//! Use the arrays of [`loomfile::ndarray`](crate::ndarray) (or the same ndarray version in
//! your own `Cargo.toml`): the library's arrays and yours are then the same types.
//!
//! ## Creating loom files
//!
//! [`LoomFile::create`](crate::LoomFile::create) writes a whole file from a main matrix and
//! row and column attributes (loompy's `loompy.create`). The file appears at its path
//! atomically.
//!
//! ```
//! use loomfile::ndarray::Array2;
//! use loomfile::{Contents, LayerData, LoomFile, Values};
//!
//! let dir = tempfile::tempdir()?;
//! let filename = dir.path().join("test.loom");
//! let matrix = Array2::from_shape_fn((100, 100), |(i, j)| (i * 100 + j) as i64);
//! let contents = Contents {
//!     row_attrs: vec![("SomeRowAttr", Values::from((0..100).collect::<Vec<i64>>()))],
//!     col_attrs: vec![("SomeColAttr", Values::from((0..100).collect::<Vec<i64>>()))],
//!     file_attrs: vec![],
//! };
//! LoomFile::create(&filename, LayerData::Dense(matrix.view()), &contents)?;
//! assert_eq!(LoomFile::open(&filename)?.shape(), (100, 100));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A sparse main matrix (loompy accepts scipy's COO, CSC and CSR) is given as a
//! [`Csr`](crate::Csr); a [`Coo`](crate::Coo) converts with `to_csr`:
//!
//! ```
//! use loomfile::{Contents, Coo, LayerData, LoomFile, Values};
//!
//! let dir = tempfile::tempdir()?;
//! let filename = dir.path().join("sparse.loom");
//! // A 100 x 100 matrix with three non-zeros.
//! let coo = Coo { rows: 100, cols: 100, row: vec![0, 5, 99], col: vec![1, 5, 0], data: vec![1.5f32, 2.0, 3.0] };
//! let csr = coo.to_csr()?;
//! let contents = Contents {
//!     row_attrs: vec![("SomeRowAttr", Values::from((0..100).collect::<Vec<i64>>()))],
//!     col_attrs: vec![("SomeColAttr", Values::from((0..100).collect::<Vec<i64>>()))],
//!     file_attrs: vec![],
//! };
//! LoomFile::create(&filename, LayerData::Sparse(&csr), &contents)?;
//! let ds = LoomFile::open(&filename)?;
//! assert_eq!(ds.sparse::<f32>("", &loomfile::Sel::All, &loomfile::Sel::All)?.data.len(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With several layers (loompy's `create(filename, {"": m, "spliced": s}, ...)`), each
//! keeping its own element type: [`LoomFile::create_layers`](crate::LoomFile::create_layers).
//! One file's layers and attributes, as collections ([`read_layers`](crate::LoomFile::read_layers),
//! [`attrs`](crate::LoomFile::attrs)), go into another file the same way.
//!
//! ```
//! use loomfile::ndarray::array;
//! use loomfile::{Block, Contents, LoomFile, Sel, Values};
//!
//! let dir = tempfile::tempdir()?;
//! let filename = dir.path().join("layers.loom");
//! let (m, spliced) = (array![[1.5f32, 0.0], [2.0, 3.0]], array![[1u16, 0], [2, 2]]);
//! let contents = Contents {
//!     col_attrs: vec![("CellID", Values::from(vec!["c1", "c2"]))],
//!     ..Default::default()
//! };
//! LoomFile::create_layers(
//!     &filename,
//!     &[("", Block::from(&m)), ("spliced", Block::from(&spliced))],
//!     &contents,
//! )?;
//! // A copy through the collections.
//! let ds = LoomFile::open(&filename)?;
//! let layers = ds.read_layers(&Sel::All, &Sel::All)?;
//! let blocks: Vec<(&str, Block)> = layers.iter().map(|(n, a)| (n.as_str(), Block::from(a))).collect();
//! let col_attrs = ds.attrs(loomfile::Axis::Cols)?;
//! let contents = Contents {
//!     col_attrs: col_attrs.iter().map(|(n, v)| (n.as_str(), v.clone())).collect(),
//!     ..Default::default()
//! };
//! let copy = dir.path().join("copy.loom");
//! LoomFile::create_layers(&copy, &blocks, &contents)?;
//! assert_eq!(LoomFile::open(&copy)?.read_layer::<u16>("spliced", &Sel::All, &Sel::All)?, spliced);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`LoomFile::new`](crate::LoomFile::new) starts an empty file and returns a read-write
//! handle; it is filled incrementally, e.g. by pooling columns of other files with
//! [`add_columns`](crate::LoomFile::add_columns) (or [`add_loom`](crate::LoomFile::add_loom)).
//! [`close`](crate::LoomFile::close) makes the file appear at its path and reports errors;
//! a handle dropped without `close` still commits (see [`LoomFile`](crate::LoomFile)).
//!
//! ```
//! use loomfile::ndarray::Array2;
//! use loomfile::{Block, FillValues, LoomFile, Values};
//!
//! let dir = tempfile::tempdir()?;
//! let out = dir.path().join("outfile.loom");
//! let mut dsout = LoomFile::new(&out, &[])?;
//! let genes: Vec<String> = (0..10).map(|i| format!("g{i}")).collect();
//! for sample in 0..3 {
//!     // In a real program each sample is another loom file, read with LoomFile::open.
//!     let m = Array2::from_elem((10, 4), sample as f32);
//!     let cells: Vec<String> = (0..4).map(|j| format!("s{sample}_c{j}")).collect();
//!     dsout.add_columns(
//!         &[("", Block::from(&m))],
//!         &[("CellID", Values::strings(&cells))],
//!         &[("Gene", Values::strings(&genes))],
//!         &FillValues::Auto,
//!     )?;
//! }
//! dsout.close()?;
//! assert_eq!(LoomFile::open(&out)?.shape(), (10, 12));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`combine`](fn@crate::combine) concatenates files along the columns, rows aligned by an
//! optional key (loompy's `loompy.combine(files, output, key="Accession")`):
//!
//! ```
//! use loomfile::ndarray::Array2;
//! use loomfile::{AddLoomOptions, CombineOptions, Contents, LayerData, LoomFile, Values};
//!
//! let dir = tempfile::tempdir()?;
//! let mut files = Vec::new();
//! for k in 0..2 {
//!     let path = dir.path().join(format!("part{k}.loom"));
//!     let m = Array2::from_elem((3, 2), k as f32);
//!     // The second file lists the genes in another order.
//!     let acc = if k == 0 { ["a", "b", "c"] } else { ["c", "a", "b"] };
//!     let contents = Contents {
//!         row_attrs: vec![("Accession", Values::from(&acc[..]))],
//!         col_attrs: vec![("CellID", Values::strings(&[format!("{k}x"), format!("{k}y")]))],
//!         file_attrs: vec![],
//!     };
//!     LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//!     files.push(path);
//! }
//! let output = dir.path().join("combined.loom");
//! let opts = CombineOptions::new().add_options(AddLoomOptions::new().key("Accession"));
//! let report = loomfile::combine(&files, &output, &opts)?;
//! assert_eq!(report.shape, (3, 4));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! 10x Genomics output folders (loompy's `create_from_cellranger`), loompy's other
//! `create_from_*` importers and every other format are the `loomfile-formats` crate.
//!
//! ## Connecting
//!
//! [`LoomFile::open`](crate::LoomFile::open) connects read-only (loompy's `connect(...,
//! "r")`), [`LoomFile::open_rw`](crate::LoomFile::open_rw) read-write. Nothing is loaded
//! until asked for. The handle closes when it goes out of scope (Rust's `with`); call
//! [`close`](crate::LoomFile::close) to see errors of the final commit.
//!
//! The examples below start from this file (hidden in the rendered docs):
//!
//! ```
//! # use loomfile::ndarray::Array2;
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((100, 50), |(i, j)| ((i + j) % 7) as f32);
//! # let genes: Vec<String> = (0..100).map(|i| format!("gene{i}")).collect();
//! # let cells: Vec<String> = (0..50).map(|j| format!("cell{j}")).collect();
//! # let contents = Contents {
//! #     row_attrs: vec![("Gene", Values::strings(&genes))],
//! #     col_attrs: vec![
//! #         ("CellID", Values::strings(&cells)),
//! #         ("ClusterID", Values::from((0..50).map(|j| (j % 3) as i64).collect::<Vec<_>>())),
//! #     ],
//! #     file_attrs: vec![("title", Values::from("The title of the dataset"))],
//! # };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! let ds = LoomFile::open(&path)?;
//! assert_eq!(ds.shape(), (100, 50));
//! ds.close()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Shape, indexing and slicing
//!
//! `ds[rows, cols]` is [`read_layer`](crate::LoomFile::read_layer) with `""` (the main
//! matrix) and one [`Sel`](crate::Sel) per axis: everything, a range, a list of indices or a
//! mask (lists and masks may be used on both axes at once, unlike loompy).
//!
//! ```
//! # use loomfile::ndarray::Array2;
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((100, 50), |(i, j)| ((i + j) % 7) as f32);
//! # let genes: Vec<String> = (0..100).map(|i| format!("gene{i}")).collect();
//! # let contents = Contents { row_attrs: vec![("Gene", Values::strings(&genes))], ..Default::default() };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! use loomfile::{Axis, Sel};
//! let ds = LoomFile::open(&path)?;
//! let all = ds.read_layer::<f32>("", &Sel::All, &Sel::All)?; // ds[:, :]
//! assert_eq!(all.dim(), (100, 50));
//! let block = ds.read_layer::<f32>("", &Sel::from(0..10), &Sel::from(0..10))?; // ds[0:10, 0:10]
//! assert_eq!(block[[3, 2]], 5.0);
//! let row = ds.read_layer::<f32>("", &Sel::from(99..100), &Sel::All)?; // ds[99, :]
//! assert_eq!(row.dim(), (1, 50));
//! let rows = ds.read_layer::<f32>("", &Sel::from(vec![0, 3, 5]), &Sel::All)?; // ds[[0, 3, 5], :]
//! assert_eq!(rows.row(2), all.row(5));
//! // ds[ds.ra.Gene == "gene7", :]: a mask built from an attribute.
//! let genes = ds.attr(Axis::Rows, "Gene")?.as_strings().unwrap();
//! let mask: Vec<bool> = genes.iter().map(|g| g == "gene7").collect();
//! let actb = ds.read_layer::<f32>("", &Sel::from(mask), &Sel::All)?;
//! assert_eq!(actb.row(0), all.row(7));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Sparse data
//!
//! [`sparse`](crate::LoomFile::sparse) returns the non-zeros of a selection as COO without
//! densifying the layer (loompy's `ds.layers["exons"].sparse(rows, cols)`); layers are
//! assigned from sparse matrices with [`LayerData::Sparse`](crate::LayerData::Sparse).
//!
//! ```
//! # use loomfile::ndarray::Array2;
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((100, 50), |(i, j)| ((i + j) % 7) as f32);
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
//! use loomfile::{Coo, Sel};
//! let mut ds = LoomFile::open_rw(&path)?;
//! let coo = ds.sparse::<f32>("", &Sel::All, &Sel::All)?;
//! assert_eq!(coo.data.len(), m.iter().filter(|&&x| x != 0.0).count());
//! let exons = Coo { rows: 100, cols: 50, row: vec![1, 2], col: vec![3, 4], data: vec![7u32, 8] };
//! ds.set_layer("exons", LayerData::Sparse(&exons.to_csr()?))?;
//! assert_eq!(ds.read_layer::<u32>("exons", &Sel::All, &Sel::All)?[[2, 4]], 8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modifying layers
//!
//! `ds[a:b, c:d] = data` is [`write_layer_block`](crate::LoomFile::write_layer_block);
//! `ds[:, :] = newdata` is [`set_layer`](crate::LoomFile::set_layer) with `""`.
//!
//! ```
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((100, 50), |(i, j)| ((i + j) % 7) as f32);
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
//! use loomfile::ndarray::{Array2, array};
//! use loomfile::Sel;
//! let mut ds = LoomFile::open_rw(&path)?;
//! ds.write_layer_block("", (3, 4), (40, 41), array![[31.0f32]].view())?; // ds[3, 40] = 31
//! let rowdata = Array2::<f32>::ones((1, 50));
//! ds.write_layer_block("", (99, 100), (0, 50), rowdata.view())?; // ds[99, :] = rowdata
//! let m = ds.read_layer::<f32>("", &Sel::All, &Sel::All)?;
//! assert_eq!((m[[3, 40]], m[[99, 7]]), (31.0, 1.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Global attributes
//!
//! `ds.attrs` is [`global`](crate::LoomFile::global), [`set_global`](crate::LoomFile::set_global),
//! [`delete_global`](crate::LoomFile::delete_global) and
//! [`global_names`](crate::LoomFile::global_names). Values come back as [`Values`](crate::Values),
//! with typed getters.
//!
//! ```
//! # use loomfile::ndarray::Array2;
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::<f32>::zeros((4, 3));
//! # let contents = Contents { file_attrs: vec![("title", Values::from("The title of the dataset"))], ..Default::default() };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! let mut ds = LoomFile::open_rw(&path)?;
//! assert_eq!(ds.global("title")?.as_string(), Some("The title of the dataset"));
//! ds.set_global("title", &Values::from("New title"))?;
//! ds.set_global("description", &Values::from("Fancy dataset"))?;
//! assert_eq!(ds.global("title")?.as_string(), Some("New title"));
//! for key in ds.global_names() {
//!     println!("{key} = {:?}", ds.global(&key)?);
//! }
//! ds.delete_global("title")?;
//! assert!(!ds.global_names().contains(&"title".to_string()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Row and column attributes
//!
//! `ds.ra` / `ds.ca` are [`attr`](crate::LoomFile::attr), [`set_attr`](crate::LoomFile::set_attr),
//! [`delete_attr`](crate::LoomFile::delete_attr) and [`attr_names`](crate::LoomFile::attr_names)
//! with [`Axis::Rows`](crate::Axis) or [`Axis::Cols`](crate::Axis). `ds.ra["Gene",
//! "GeneName"]` is [`attr_stack`](crate::LoomFile::attr_stack) (missing names skipped).
//! Attributes are read and written whole, as in loompy.
//!
//! ```
//! # use loomfile::ndarray::Array2;
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::<f32>::zeros((4, 3));
//! # let contents = Contents { row_attrs: vec![("Gene", Values::from(&["a", "b", "c", "d"][..]))], ..Default::default() };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! use loomfile::Axis;
//! let mut ds = LoomFile::open_rw(&path)?;
//! assert_eq!(ds.attr_names(Axis::Rows), ["Gene"]);
//! let genes = ds.attr(Axis::Rows, "Gene")?;
//! assert_eq!(genes.as_strings().unwrap(), ["a", "b", "c", "d"]);
//! ds.set_attr(Axis::Cols, "PCA1", &Values::from(vec![0.1, 0.2, 0.3]))?;
//! ds.set_attr(Axis::Cols, "PCA2", &Values::from(vec![1.0, 2.0, 3.0]))?;
//! let pca = ds.attr_stack(Axis::Cols, &["PCA1", "PCA2", "Missing"])?;
//! assert_eq!(pca.shape(), [3, 2]);
//! ds.delete_attr(Axis::Rows, "Gene")?;
//! assert!(ds.attr_names(Axis::Rows).is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Layers
//!
//! `ds.layers` is [`layer_names`](crate::LoomFile::layer_names),
//! [`read_layer`](crate::LoomFile::read_layer), [`set_layer`](crate::LoomFile::set_layer),
//! [`set_layer_empty`](crate::LoomFile::set_layer_empty) (`ds["empty_floats"] = "float32"`)
//! and [`delete_layer`](crate::LoomFile::delete_layer). The main matrix is the layer `""`.
//!
//! ```
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::<f32>::zeros((4, 3));
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
//! use loomfile::ndarray::Array2;
//! use loomfile::{NumType, Sel};
//! let mut ds = LoomFile::open_rw(&path)?;
//! let spliced = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as u16);
//! ds.set_layer("spliced", LayerData::Dense(spliced.view()))?;
//! ds.set_layer_empty("empty_floats", NumType::Float32)?;
//! assert_eq!(ds.layer_names(), ["", "empty_floats", "spliced"]);
//! let col = ds.read_layer::<u16>("spliced", &Sel::All, &Sel::from(2..3))?; // [:, 2]
//! assert_eq!(col.column(0).to_vec(), [2, 5, 8, 11]);
//! ds.delete_layer("spliced")?;
//! assert_eq!(ds.layer_names(), ["", "empty_floats"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Graphs
//!
//! `ds.row_graphs` / `ds.col_graphs` are [`graph`](crate::LoomFile::graph),
//! [`set_graph`](crate::LoomFile::set_graph), [`delete_graph`](crate::LoomFile::delete_graph)
//! and [`graph_names`](crate::LoomFile::graph_names); a [`Graph`](crate::Graph) is an edge
//! list (the COO adjacency matrix loompy returns).
//!
//! ```
//! # use loomfile::ndarray::Array2;
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::<f32>::zeros((4, 3));
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
//! use loomfile::{Axis, Graph};
//! let mut ds = LoomFile::open_rw(&path)?;
//! let knn = Graph { a: vec![0, 1, 2], b: vec![1, 2, 0], w: vec![1.0, 0.5, 0.25] };
//! ds.set_graph(Axis::Cols, "KNN", &knn)?;
//! assert_eq!(ds.graph_names(Axis::Cols), ["KNN"]);
//! assert_eq!(ds.graph(Axis::Cols, "KNN")?, knn);
//! ds.delete_graph(Axis::Cols, "KNN")?;
//! assert!(ds.graph_names(Axis::Cols).is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Views
//!
//! `ds.view[:, 10:20]` is [`view`](crate::LoomFile::view): the selected block of every
//! layer, the attributes sliced the same way and the graphs restricted to the selection.
//!
//! ```
//! # use loomfile::ndarray::Array2;
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((100, 50), |(i, j)| ((i + j) % 7) as f32);
//! # let cells: Vec<String> = (0..50).map(|j| format!("cell{j}")).collect();
//! # let contents = Contents { col_attrs: vec![("CellID", Values::strings(&cells))], ..Default::default() };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! use loomfile::{Sel, ViewOptions};
//! let ds = LoomFile::open(&path)?;
//! let view = ds.view::<f32>(&Sel::All, &Sel::from(10..20), &ViewOptions::default())?;
//! assert_eq!(view.shape(), (100, 10));
//! assert_eq!(view.col_attr("CellID").unwrap().as_strings().unwrap()[0], "cell10");
//! assert_eq!(view.layer("").unwrap()[[0, 0]], 3.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Map, permutation, scan
//!
//! `ds.map([np.mean, np.std], axis=1)` is [`map`](crate::LoomFile::map) with closures over
//! `&[f64]`; [`stats`](crate::LoomFile::stats) computes the usual ones in one pass.
//! [`permute`](crate::LoomFile::permute) reorders rows or columns on disk.
//! [`scan`](crate::LoomFile::scan) walks an axis in batches, each a view.
//!
//! ```
//! # use loomfile::ndarray::Array2;
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((100, 50), |(i, j)| ((i + j) % 7) as f32);
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
//! use loomfile::{Axis, ScanOptions, Sel};
//! let mut ds = LoomFile::open_rw(&path)?;
//!
//! // (means, maxima) = ds.map([np.mean, np.max], axis=1): one value per column.
//! let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
//! let max = |x: &[f64]| x.iter().cloned().fold(f64::MIN, f64::max);
//! let res = ds.map("", Axis::Cols, &[&mean, &max], &Sel::All)?;
//! assert_eq!((res[0].len(), res[1][0]), (50, 6.0));
//! let stats = ds.stats("", Axis::Cols)?;
//! assert!((stats.mean[0] - res[0][0]).abs() < 1e-12);
//!
//! // ds.permute(ordering, axis=1): reverse the columns.
//! let ordering: Vec<u64> = (0..50).rev().collect();
//! ds.permute(&ordering, Axis::Cols)?;
//! assert_eq!(ds.read_layer::<f32>("", &Sel::from(0..1), &Sel::from(0..1))?[[0, 0]], m[[0, 49]]);
//!
//! // for (ix, selection, view) in ds.scan(items=cells, axis=1)
//! let cells: Vec<u64> = (0..50).step_by(2).collect();
//! let opts = ScanOptions { items: Some(cells), batch_size: 10, ..Default::default() };
//! let mut seen = 0;
//! for batch in ds.scan::<f32>(Axis::Cols, opts)? {
//!     let batch = batch?;
//!     assert_eq!(batch.offset, seen);
//!     assert_eq!(batch.view.shape(), (100, batch.indexes.len()));
//!     seen += batch.indexes.len();
//! }
//! assert_eq!(seen, 25);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Adding columns and other files
//!
//! `ds.add_columns(submatrix, col_attrs)` is [`add_columns`](crate::LoomFile::add_columns)
//! with one [`Block`](crate::Block) per layer; `ds.add_loom(other, key="Gene")` is
//! [`add_loom`](crate::LoomFile::add_loom) with [`AddLoomOptions`](crate::AddLoomOptions).
//!
//! ```
//! # use loomfile::{Contents, LayerData, LoomFile, Values};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let other_path = dir.path().join("other.loom");
//! # let genes = Values::from(&["a", "b", "c", "d"][..]);
//! # let m = Array2::<f32>::zeros((4, 3));
//! # let contents = Contents { row_attrs: vec![("Gene", genes.clone())], col_attrs: vec![("CellID", Values::from(&["x", "y", "z"][..]))], ..Default::default() };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! # LoomFile::create(&other_path, LayerData::Dense(m.view()), &contents)?;
//! use loomfile::ndarray::Array2;
//! use loomfile::{AddLoomOptions, Block, FillValues};
//! let mut ds = LoomFile::open_rw(&path)?;
//! let submatrix = Array2::<f32>::ones((4, 2));
//! ds.add_columns(
//!     &[("", Block::from(&submatrix))],
//!     &[("CellID", Values::from(&["u", "v"][..]))],
//!     &[],
//!     &FillValues::Auto,
//! )?;
//! assert_eq!(ds.shape(), (4, 5));
//! let other = LoomFile::open(&other_path)?;
//! ds.add_loom(&other, &AddLoomOptions { key: Some("Gene"), ..Default::default() })?;
//! assert_eq!(ds.shape(), (4, 8));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
