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
