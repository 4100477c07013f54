//! 10x Genomics HDF5 matrices (`filtered_feature_bc_matrix.h5`, `raw_feature_bc_matrix.h5`)
//! to loom.
//!
//! - **v3+** (Cell Ranger 3 and later): `/matrix` with CSC `data`/`indices`/`indptr`/`shape`
//!   (one column per barcode), `barcodes`, and `features/{id, name, feature_type, genome,
//!   _all_tag_keys, ...}`.
//! - **v2** (Cell Ranger 2): one group per genome (`/hg19`, `/mm10`, ...) with `barcodes`,
//!   `genes`, `gene_names` and the same CSC datasets.
//!
//! Options behave like scanpy's `read_10x_h5`: `genome` picks the v2 group (required when
//! there are several; the error lists them) or, in v3+, the features of that genome (an
//! unknown genome is an error listing the available ones); `gex_only` keeps the
//! `Gene Expression` features (v3+ only: v2 files carry no feature types).
//!
//! The loom file has one row per kept feature and one column per barcode:
//! row attributes `Accession` (id), `Gene` (name), `FeatureType` and `Genome` (v3+:
//! per feature; v2: the group name), plus any other per-feature dataset of `features`
//! (e.g. `interval`) under its own name; in probe-barcode matrices (a `features/gene_id`
//! dataset) `Accession` is the gene id and `ProbeID` the probe id, as scanpy reads them.
//! Column attribute `CellID` (the barcode as stored, no sample prefix), plus any other
//! per-barcode dataset of the matrix group (Space Ranger's `filtered_barcodes`) under its
//! own name. The main matrix keeps the stored integer type (or `dtype`) and is
//! streamed from the CSC columns one band of loom columns at a time
//! (`stored_sparse`): memory is one chunk band, never the non-zeros or features x
//! barcodes.

use crate::stored_sparse::StoredSparse;
use crate::util::{Ctx, num_type};
use crate::{ConvertOptions, Report};
use loomfile::error::{Error, Result};
use loomfile::file::{Axis, LoomFile};
use loomfile::values::Values;
use loomfile_hdf5::{Dataset, File, Object};
use std::path::Path;

/// A 10x matrix located in a file: the group holding the CSC arrays, and its features.
struct Located {
    group: String,
    version: u8,
    n_features: u64,
    n_barcodes: u64,
    /// Row attributes over all features of the group.
    features: Vec<(String, Values)>,
    barcodes: Vec<String>,
    /// Column attributes besides `CellID` (per-barcode datasets).
    barcode_attrs: Vec<(String, Values)>,
}

fn dataset(f: &File, path: &str) -> Result<Dataset> {
    match f.object(path) {
        Ok(Object::Dataset(d)) => Ok(d),
        Ok(_) => Err(Error::input(format!("{path} is not a dataset"))),
        Err(loomfile_hdf5::Error::NotFound { .. }) => {
            Err(Error::input(format!("not a 10x HDF5 matrix: {path} is missing")))
        }
        Err(e) => Err(e.into()),
    }
}

fn strings(f: &File, path: &str) -> Result<Vec<String>> {
    Ok(dataset(f, path)?.read_strings()?)
}

fn is_matrix_group(f: &File, g: &str) -> bool {
    ["data", "indices", "indptr", "shape"]
        .iter()
        .all(|m| matches!(f.object(&format!("{g}/{m}")), Ok(Object::Dataset(_))))
}

/// The genome groups of a v2 file.
fn v2_genomes(f: &File) -> Result<Vec<String>> {
    let root = f.root()?;
    let mut v = Vec::new();
    for name in root.member_names()? {
        let g = format!("/{name}");
        if matches!(f.object(&g), Ok(Object::Group(_))) && is_matrix_group(f, &g) {
            v.push(name);
        }
    }
    Ok(v)
}

fn shape_of(f: &File, g: &str) -> Result<(u64, u64)> {
    let s: Vec<i64> = dataset(f, &format!("{g}/shape"))?.read()?;
    match s.as_slice() {
        [r, c] if *r >= 0 && *c >= 0 => Ok((*r as u64, *c as u64)),
        _ => Err(Error::input(format!("{g}/shape must hold two sizes, not {s:?}"))),
    }
}

fn locate(f: &File, opts: &ConvertOptions) -> Result<Located> {
    if is_matrix_group(f, "/matrix") && f.object("/matrix/features").is_ok() {
        let (nf, nb) = shape_of(f, "/matrix")?;
        let fg = "/matrix/features";
        // Probe-barcode matrices (Cell Ranger 7+ Flex, Space Ranger 2+ probe sets): `id` is
        // the probe, `gene_id` the gene.
        let probes = f.object(&format!("{fg}/gene_id")).is_ok();
        let mut features: Vec<(String, Values)> = if probes {
            vec![
                ("Accession".into(), Values::strings(&strings(f, &format!("{fg}/gene_id"))?)),
                ("Gene".into(), Values::strings(&strings(f, &format!("{fg}/name"))?)),
                ("ProbeID".into(), Values::strings(&strings(f, &format!("{fg}/id"))?)),
            ]
        } else {
            vec![
                ("Accession".into(), Values::strings(&strings(f, &format!("{fg}/id"))?)),
                ("Gene".into(), Values::strings(&strings(f, &format!("{fg}/name"))?)),
            ]
        };
        if f.object(&format!("{fg}/feature_type")).is_ok() {
            features.push((
                "FeatureType".into(),
                Values::strings(&strings(f, &format!("{fg}/feature_type"))?),
            ));
        }
        if f.object(&format!("{fg}/genome")).is_ok() {
            features
                .push(("Genome".into(), Values::strings(&strings(f, &format!("{fg}/genome"))?)));
        }
        // Other per-feature datasets (tag keys such as `interval`) under their own names.
        let known = ["id", "name", "feature_type", "genome", "gene_id", "_all_tag_keys"];
        for name in f.group(fg)?.member_names()? {
            if known.contains(&name.as_str())
                || features.iter().any(|(n, _)| n == &name)
                || loomfile::attrs::check_name(&name).is_err()
            {
                continue;
            }
            if let Ok(Object::Dataset(d)) = f.object(&format!("{fg}/{name}"))
                && d.shape().as_deref() == Some(&[nf][..])
                && let Ok(v) = loomfile::values::read_dataset(&d, false)
            {
                features.push((name, v));
            }
        }
        let barcodes = strings(f, "/matrix/barcodes")?;
        let barcode_attrs = per_barcode(f, "/matrix", nb)?;
        return Ok(Located {
            group: "/matrix".into(),
            version: 3,
            n_features: nf,
            n_barcodes: nb,
            features,
            barcodes,
            barcode_attrs,
        });
    }
    let genomes = v2_genomes(f)?;
    if genomes.is_empty() {
        return Err(Error::input(
            "not a 10x HDF5 matrix: no /matrix group (v3+) and no genome group with \
             data/indices/indptr/shape (v2)",
        ));
    }
    let genome = match &opts.genome {
        Some(g) => {
            if !genomes.contains(g) {
                return Err(Error::invalid(format!(
                    "genome {g:?} not found; available genomes: {}",
                    genomes.join(", ")
                )));
            }
            g.clone()
        }
        None if genomes.len() == 1 => genomes[0].clone(),
        None => {
            return Err(Error::invalid(format!(
                "several genomes in this 10x v2 file, choose one with --genome: {}",
                genomes.join(", ")
            )));
        }
    };
    let g = format!("/{genome}");
    let (nf, nb) = shape_of(f, &g)?;
    let ids = strings(f, &format!("{g}/genes"))?;
    let names = if f.object(&format!("{g}/gene_names")).is_ok() {
        strings(f, &format!("{g}/gene_names"))?
    } else {
        ids.clone()
    };
    let features = vec![
        ("Accession".into(), Values::strings(&ids)),
        ("Gene".into(), Values::strings(&names)),
        // alloc: ids.len(), feature ids already read
        ("Genome".into(), Values::strings(&vec![genome.clone(); ids.len()])),
    ];
    let barcodes = strings(f, &format!("{g}/barcodes"))?;
    let barcode_attrs = per_barcode(f, &g, nb)?;
    Ok(Located {
        group: g,
        version: 2,
        n_features: nf,
        n_barcodes: nb,
        features,
        barcodes,
        barcode_attrs,
    })
}

/// Per-barcode datasets of the matrix group besides the barcodes themselves (Space Ranger's
/// `filtered_barcodes`, which scanpy reads into obs): kept as column attributes.
fn per_barcode(f: &File, group: &str, nb: u64) -> Result<Vec<(String, Values)>> {
    let known = ["barcodes", "data", "indices", "indptr", "shape", "genes", "gene_names"];
    let mut out = Vec::new();
    for name in f.group(group)?.member_names()? {
        if known.contains(&name.as_str()) || loomfile::attrs::check_name(&name).is_err() {
            continue;
        }
        if let Ok(Object::Dataset(d)) = f.object(&format!("{group}/{name}"))
            && d.shape().as_deref() == Some(&[nb][..])
            && let Ok(v) = loomfile::values::read_dataset(&d, false)
            && (v.num_type().is_some() || matches!(v, Values::String(_) | Values::Bool(_)))
        {
            out.push((name, v));
        }
    }
    Ok(out)
}

fn attr_strings(features: &[(String, Values)], name: &str) -> Option<Vec<String>> {
    features.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_strings())
}

/// The features kept by `genome` (v3+) and `gex_only`, as a row map (old -> new or MAX).
fn selection(loc: &Located, opts: &ConvertOptions) -> Result<Option<Vec<u64>>> {
    if loc.version < 3 {
        return Ok(None);
    }
    let n = loc.n_features as usize;
    // alloc: n_features == the length of every feature list already read (checked by the caller)
    let mut keep = vec![true; n];
    if let Some(g) = &opts.genome {
        let genomes = attr_strings(&loc.features, "Genome")
            .ok_or_else(|| Error::invalid("--genome: this file has no features/genome dataset"))?;
        if !genomes.iter().any(|x| x == g) {
            let mut avail: Vec<&String> = Vec::new();
            for x in &genomes {
                if !avail.contains(&x) {
                    avail.push(x);
                }
            }
            let avail: Vec<&str> = avail.iter().map(|s| s.as_str()).collect();
            return Err(Error::invalid(format!(
                "genome {g:?} not found; available genomes: {}",
                avail.join(", ")
            )));
        }
        for (k, x) in keep.iter_mut().zip(&genomes) {
            *k &= x == g;
        }
    }
    if opts.gex_only
        && let Some(types) = attr_strings(&loc.features, "FeatureType")
    {
        for (k, t) in keep.iter_mut().zip(&types) {
            *k &= t == "Gene Expression";
        }
    }
    if keep.iter().all(|&k| k) {
        return Ok(None);
    }
    let mut next = 0u64;
    Ok(Some(
        keep.iter()
            .map(|&k| {
                if k {
                    next += 1;
                    next - 1
                } else {
                    u64::MAX
                }
            })
            .collect(),
    ))
}

/// Convert a 10x HDF5 matrix to a loom file (see the module documentation).
///
/// # Examples
///
/// ```
/// use loomfile_formats::{ConvertOptions, tenx_h5};
/// use loomfile::{Axis, LoomFile};
/// # let dir = tempfile::tempdir()?;
/// # let input = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/10x/v3.h5");
/// // `input` is a Cell Ranger 3 `filtered_feature_bc_matrix.h5`.
/// let out = dir.path().join("sample.loom");
/// let report = tenx_h5::to_loom(&input, &out, &ConvertOptions::default())?;
/// assert_eq!(report.shape, (60, 25)); // features x barcodes
/// let f = LoomFile::open(&out)?;
/// assert!(f.has_attr(Axis::Rows, "Accession") && f.has_attr(Axis::Rows, "FeatureType"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let f = File::open(input).at(input)?;
    let loc = locate(&f, opts).at(input)?;
    if loc.barcodes.len() as u64 != loc.n_barcodes {
        return Err(Error::input(format!(
            "{}/barcodes has {} entries, shape says {}",
            loc.group,
            loc.barcodes.len(),
            loc.n_barcodes
        )))
        .at(input);
    }
    if let Some((n, v)) = loc.features.iter().find(|(_, v)| v.len() as u64 != loc.n_features) {
        return Err(Error::input(format!(
            "feature attribute {n} has {} entries, shape says {}",
            v.len(),
            loc.n_features
        )))
        .at(input);
    }
    let keep = selection(&loc, opts).at(input)?;
    let kept = keep
        .as_ref()
        .map_or(loc.n_features, |k| k.iter().filter(|&&r| r != u64::MAX).count() as u64);
    if kept == 0 {
        return Err(Error::invalid("no features left after --genome/--gex-only")).at(input);
    }
    let stored = num_type(&dataset(&f, &format!("{}/data", loc.group)).at(input)?).at(input)?;
    let t = opts.dtype.unwrap_or(stored);
    let rows_sel: Vec<usize> = match &keep {
        Some(k) => (0..k.len()).filter(|&i| k[i] != u64::MAX).collect(),
        None => (0..loc.n_features as usize).collect(),
    };
    let mut report = Report { dtype: Some(t.name().into()), ..Report::default() };
    report.shape = (kept, loc.n_barcodes);
    // CSC: one compressed column per barcode, the loom columns; streamed band by band.
    let m = StoredSparse::open(&f, &loc.group, loc.n_barcodes, loc.n_features).at(input)?;
    loomfile::with_num_type!(t, T => {
        let mut out = LoomFile::new_all_or_nothing(output, &[]).at(output)?;
        let mut b = out.batch().at(output)?;
        report.nnz = Some(m.stage::<T>(&mut b, "", true, keep.as_deref(), opts).at(input)?);
        for (name, v) in &loc.features {
            let v = if keep.is_some() { v.select(&rows_sel)? } else { v.clone() };
            b.set_attr(Axis::Rows, name, &v).at(output)?;
        }
        b.set_attr(Axis::Cols, "CellID", &Values::strings(&loc.barcodes)).at(output)?;
        for (name, v) in &loc.barcode_attrs {
            if name != "CellID" {
                b.set_attr(Axis::Cols, name, v).at(output)?;
            }
        }
        b.commit().at(output)?;
        out.close().at(output)?;
    });
    Ok(report)
}
