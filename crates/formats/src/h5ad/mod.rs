//! AnnData `.h5ad` files to and from loom.
//!
//! AnnData is cells x genes (`obs` x `var`); loom is genes x cells. Matrices are transposed
//! one chunk band at a time, never densified or held whole: a CSR `X` (rows = cells) fills
//! bands of loom columns, a CSC `X` bands of loom rows (`stored_sparse`), and a
//! dense `X` is copied one band of cells at a time straight into the loom chunk grid.
//!
//! ## h5ad -> loom
//!
//! | h5ad | loom |
//! |---|---|
//! | `X` (csr, csc or dense) | main matrix (type kept, or `dtype`) |
//! | `layers/NAME` | layer `NAME` |
//! | `obs` columns / `var` columns | column / row attributes of the same names |
//! | `obsm/K`, `varm/K` (dense arrays) | multi-column (2-D) column / row attributes `K` |
//! | `obsp/K`, `varp/K` (sparse) | column / row graphs `K` |
//! | `uns` strings and numeric scalars | global attributes |
//!
//! **Naming rule (index -> `CellID` / `Gene`).** The `obs` index becomes the column attribute
//! `CellID`, unless `obs` already has a column named `CellID`: then that column is `CellID`
//! and the index is stored as `obs_names` (the name `anndata.write_loom` uses). Likewise the
//! `var` index becomes `Gene`, unless `var` has a `Gene` column, in which case the index is
//! stored as `var_names`. The name of a named index (an `_index` attribute other than
//! `"_index"`, e.g. `barcode`) is kept in the HDF5 attribute `anndata-index` of the loom
//! attribute that holds the index.
//!
//! Column types: string arrays -> strings; numeric arrays -> the same type; booleans ->
//! uint8 (loom has no bool type) marked `anndata-dtype = "bool"`; categoricals -> their
//! values as strings (missing -> `""`), marked `anndata-dtype = "category"` with the
//! category list (`anndata-categories`, up to 2000) and order flag (`anndata-ordered`);
//! nullable integers/booleans -> the plain type when nothing is missing, float64 with NaN
//! otherwise; nullable strings -> strings with `""` for missing. The frame's column order
//! is kept in `anndata-column-order` on `/row_attrs` / `/col_attrs`. These HDF5 attributes
//! are invisible to loompy and let loom -> h5ad restore the exact frames. Other elements
//! (sparse or dataframe `obsm`, nested `uns`, ...) are left out with a warning.
//!
//! ## loom -> h5ad
//!
//! An anndata 0.12 file written like `anndata.write_h5ad` (encoding-type/-version attributes
//! as anndata writes them): `X` is the main matrix (or `layer`) transposed, as
//! `csr_matrix` (data in the layer's type, int32 indices, indptr int32 or int64), streamed
//! one band of cells at a time; other layers go to `layers` (with `layer`, the main matrix
//! becomes `layers/matrix`, as `anndata.read_loom` names it). Column attributes become
//! `obs`, row attributes `var`: the index is `obs_names` if present, else `CellID`, else
//! `0..n` (`var_names`, else `Gene`), named by `anndata-index` when present; the marks above
//! restore booleans and categoricals; 2-D attributes go to `obsm`/`varm`, graphs to
//! `obsp`/`varp` (csr, float64), globals (except `LOOM_SPEC_VERSION`, `CreationDate`,
//! `last_modified`) to `uns`. Chunks are uncompressed unless `gzip` is set.

mod legacy;
mod read;
mod write;

pub use read::to_loom;
pub use write::from_loom;

/// HDF5 attribute marking a loom attribute that held a frame's index (value: index name).
pub const INDEX_MARK: &str = "anndata-index";
/// HDF5 attribute marking the pandas dtype of a column (`bool`, `category`).
pub const DTYPE_MARK: &str = "anndata-dtype";
/// HDF5 attribute with the categories of a categorical column.
pub const CATEGORIES_MARK: &str = "anndata-categories";
/// HDF5 attribute with the ordered flag of a categorical column (uint8 1 when ordered).
pub const ORDERED_MARK: &str = "anndata-ordered";
/// HDF5 attribute on `/row_attrs` / `/col_attrs` with the frame's column order.
pub const ORDER_MARK: &str = "anndata-column-order";

/// Most categories recorded in a mark (larger lists are left out of the mark).
const MAX_CATEGORIES: usize = 2000;
