//! 10x Genomics MEX folders (Cell Ranger `filtered_feature_bc_matrix/` or
//! `filtered_gene_bc_matrices/<genome>/`) to loom.
//!
//! The importer is [`crate::ops::import_mex`] (loompy's `create_from_cellranger`, streaming
//! and sparse); this is the `convert` entry point for it. Its naming follows loompy:
//! `CellID` = `"<sample>:<barcode>"` with the bare barcode in `Barcode`, `Accession`,
//! `Gene` and (v3+) `FeatureType` per feature. `genome` picks the genome folder of a v2
//! layout, `gex_only` keeps `Gene Expression` features, `dtype`, `chunks` and `gzip` apply
//! to the main matrix.

use super::util::Ctx;
use super::{ConvertOptions, Report};
use crate::error::Result;
use crate::ops::{MexOptions, import_mex};
use std::path::Path;

/// Convert a 10x MEX folder to a loom file.
///
/// # Examples
///
/// ```
/// use loomfile::formats::{ConvertOptions, mex};
/// use loomfile::{Axis, LoomFile};
/// # let dir = tempfile::tempdir()?;
/// # let folder = dir.path().join("filtered_feature_bc_matrix");
/// # std::fs::create_dir(&folder)?;
/// # std::fs::write(
/// #     folder.join("matrix.mtx"),
/// #     "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 5\n2 2 7\n",
/// # )?;
/// # std::fs::write(
/// #     folder.join("features.tsv"),
/// #     "G1\tActb\tGene Expression\nG2\tCd3e\tGene Expression\n",
/// # )?;
/// # std::fs::write(folder.join("barcodes.tsv"), "AAAC-1\nAAAG-1\n")?;
/// // `folder` holds matrix.mtx, features.tsv and barcodes.tsv, as Cell Ranger writes them.
/// let out = dir.path().join("sample.loom");
/// let report = mex::to_loom(&folder, &out, &ConvertOptions::default())?;
/// assert_eq!((report.shape, report.nnz), ((2, 2), Some(2)));
/// let f = LoomFile::open(&out)?;
/// assert_eq!(f.attr(Axis::Cols, "Barcode")?.as_strings().unwrap(), ["AAAC-1", "AAAG-1"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let mo = MexOptions {
        sample_id: None,
        genome: opts.genome.as_deref(),
        dtype: opts.dtype,
        file_attrs: Vec::new(),
        gex_only: opts.gex_only,
        layer: opts.layer_options(),
        sort_memory: opts.sort_memory,
    };
    opts.begin("importing 10x MEX", None);
    let r = import_mex(input, output, &mo).at(input);
    opts.end();
    let r = r?;
    Ok(Report {
        shape: r.shape,
        nnz: Some(r.nnz),
        dtype: Some(r.dtype.name().into()),
        warnings: Vec::new(),
    })
}
