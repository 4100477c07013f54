//! What an HDF5 file that is not a loom file is: an AnnData `.h5ad`, a MuData `.h5mu`, or a
//! 10x Genomics HDF5 matrix (Cell Ranger 1.x/2.x genome groups, 3.x+ `/matrix` with
//! features). Opening such a file as loom fails with a message that says what it is, and the
//! converters use the same test to check their input.
//!
//! # Examples
//!
//! ```
//! use loomfile::sniff::{Foreign, identify};
//! use loomfile::{LoomFile, hdf5};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("cells.h5");
//! // The layout of an AnnData file: /X and /obs.
//! let mut w = hdf5::Writer::create(&path)?;
//! w.create_group("/X")?;
//! w.create_group("/obs")?;
//! w.finish()?;
//! assert_eq!(identify(&hdf5::File::open(&path)?), Some(Foreign::H5ad));
//! let err = LoomFile::open(&path).unwrap_err().to_string();
//! assert!(err.contains("AnnData") && err.contains("loom convert"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use loomfile_hdf5::{self as hdf5, Object};

/// A single-cell format other than loom, recognised by its layout.
///
/// # Examples
///
/// ```
/// use loomfile::sniff::Foreign;
/// let v3 = Foreign::TenxH5 { genomes: vec![] };
/// assert_eq!(v3.to_string(), "a 10x Genomics HDF5 matrix (Cell Ranger 3.0 or later)");
/// assert_eq!(Foreign::MuData.to_string(), "a MuData (h5mu) file");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Foreign {
    /// An AnnData file (`encoding-type = anndata`, or `/X` with `/obs`).
    H5ad,
    /// A MuData file (`/mod` with one AnnData per modality).
    MuData,
    /// A 10x Genomics HDF5 matrix: `genomes` lists the genome groups of the Cell Ranger 1.x/2.x
    /// layout; empty for the 3.x+ layout (`/matrix` with `features`).
    TenxH5 {
        /// Genome groups (1.x/2.x); empty for 3.x+.
        genomes: Vec<String>,
    },
}

impl Foreign {
    /// The format's name in the `convert` contract (`h5ad`, `10x-h5`), when `convert` reads it.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::sniff::Foreign;
    /// assert_eq!(Foreign::H5ad.convert_name(), Some("h5ad"));
    /// assert_eq!(
    ///     Foreign::TenxH5 { genomes: vec!["GRCh38".into()] }.convert_name(),
    ///     Some("10x-h5")
    /// );
    /// assert_eq!(Foreign::MuData.convert_name(), None); // no converter
    /// ```
    pub fn convert_name(&self) -> Option<&'static str> {
        match self {
            Foreign::H5ad => Some("h5ad"),
            Foreign::TenxH5 { .. } => Some("10x-h5"),
            Foreign::MuData => None,
        }
    }
}

impl std::fmt::Display for Foreign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Foreign::H5ad => f.write_str("an AnnData (h5ad) file"),
            Foreign::MuData => f.write_str("a MuData (h5mu) file"),
            Foreign::TenxH5 { genomes } if genomes.is_empty() => {
                f.write_str("a 10x Genomics HDF5 matrix (Cell Ranger 3.0 or later)")
            }
            Foreign::TenxH5 { genomes } => write!(
                f,
                "a 10x Genomics HDF5 matrix (Cell Ranger 1.x/2.x, genome{} {})",
                if genomes.len() == 1 { "" } else { "s" },
                genomes.join(", ")
            ),
        }
    }
}

fn root_attr(f: &hdf5::File, name: &str) -> Option<String> {
    let a = f.root().ok()?.attribute(name).ok()??;
    a.read_strings().ok()?.into_iter().next()
}

fn is_group(f: &hdf5::File, path: &str) -> bool {
    matches!(f.object(path), Ok(Object::Group(_)))
}

/// A Cell Ranger matrix group: CSC arrays plus barcodes.
fn tenx_group(f: &hdf5::File, path: &str) -> bool {
    ["barcodes", "data", "indices", "indptr", "shape"]
        .iter()
        .all(|m| f.exists(&format!("{path}/{m}")))
}

/// Recognise a foreign single-cell layout; `None` for anything else (including loom files).
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// use loomfile::sniff::identify;
/// let f = LoomFile::open(&path)?;
/// assert_eq!(identify(f.hdf5()), None); // a loom file is not foreign
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn identify(f: &hdf5::File) -> Option<Foreign> {
    let enc = root_attr(f, "encoding-type").unwrap_or_default();
    if enc.eq_ignore_ascii_case("mudata") || (is_group(f, "/mod") && !f.exists("/X")) {
        return Some(Foreign::MuData);
    }
    if enc == "anndata" || (f.exists("/X") || f.exists("/layers")) && f.exists("/obs") {
        return Some(Foreign::H5ad);
    }
    if is_group(f, "/matrix") && tenx_group(f, "/matrix") {
        return Some(Foreign::TenxH5 { genomes: Vec::new() });
    }
    let root = f.root().ok()?;
    let genomes: Vec<String> = root
        .member_names()
        .ok()?
        .into_iter()
        .filter(|g| {
            let p = format!("/{g}");
            is_group(f, &p)
                && tenx_group(f, &p)
                && (f.exists(&format!("{p}/genes")) || f.exists(&format!("{p}/gene_names")))
        })
        .collect();
    if !genomes.is_empty() {
        return Some(Foreign::TenxH5 { genomes });
    }
    None
}
