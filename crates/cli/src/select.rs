//! Parsing `--rows SEL` / `--cols SEL`: `A:B` (half-open range), `i,j,k` (indices in the
//! given order, repeats allowed), or `@FILE` (one index or one name per line; names match
//! `Gene`/`Accession` for rows and `CellID` for columns, or the attribute given by `--key`).

use crate::CliError;
use loomfile::{Axis, LoomFile, Sel};
use std::collections::HashMap;

/// `--rows SEL`, `--cols SEL` and `--key NAME`, shared by the commands that select.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct SelectArgs {
    /// Rows: A:B, i,j,k or @FILE.
    #[arg(long)]
    pub rows: Option<String>,
    /// Columns: A:B, i,j,k or @FILE.
    #[arg(long)]
    pub cols: Option<String>,
    /// Attribute to match names from @FILE against.
    #[arg(long)]
    pub key: Option<String>,
}

impl SelectArgs {
    /// The (rows, columns) selections of `f`.
    pub fn parse(&self, f: &LoomFile) -> Result<(Sel, Sel), CliError> {
        let key = self.key.as_deref();
        Ok((
            parse(f, Axis::Rows, self.rows.as_deref(), key)?,
            parse(f, Axis::Cols, self.cols.as_deref(), key)?,
        ))
    }
}

/// Parse a selection for `axis` of `f`.
pub fn parse(
    f: &LoomFile,
    axis: Axis,
    spec: Option<&str>,
    key: Option<&str>,
) -> Result<Sel, CliError> {
    let Some(spec) = spec else { return Ok(Sel::All) };
    let n = f.len(axis);
    if let Some(path) = spec.strip_prefix('@') {
        let text =
            std::fs::read_to_string(path).map_err(|e| CliError::fail(format!("{path}: {e}")))?;
        let items: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if items.iter().all(|s| s.parse::<u64>().is_ok()) {
            return indices(items.iter().map(|s| s.parse::<u64>().unwrap_or(0)).collect(), n);
        }
        return by_name(f, axis, &items, key);
    }
    if let Some((a, b)) = spec.split_once(':') {
        let a: u64 = if a.is_empty() { 0 } else { a.parse().map_err(|_| usage(spec))? };
        let b: u64 = if b.is_empty() { n } else { b.parse().map_err(|_| usage(spec))? };
        if a > b || b > n {
            return Err(CliError::usage(format!("range {spec} outside 0:{n}")));
        }
        return Ok(Sel::Range(a, b));
    }
    let v: Vec<u64> = spec
        .split(',')
        .map(|s| s.trim().parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| usage(spec))?;
    indices(v, n)
}

fn usage(spec: &str) -> CliError {
    CliError::usage(format!("bad selection {spec:?}: use A:B, i,j,k or @FILE"))
}

fn indices(v: Vec<u64>, n: u64) -> Result<Sel, CliError> {
    if let Some(bad) = v.iter().find(|&&i| i >= n) {
        return Err(CliError::usage(format!("index {bad} out of range (axis length {n})")));
    }
    Ok(Sel::Index(v))
}

fn by_name(f: &LoomFile, axis: Axis, names: &[&str], key: Option<&str>) -> Result<Sel, CliError> {
    let candidates: Vec<&str> = match (key, axis) {
        (Some(k), _) => vec![k],
        (None, Axis::Rows) => vec!["Gene", "Accession"],
        (None, Axis::Cols) => vec!["CellID"],
    };
    let mut index: HashMap<String, u64> = HashMap::new();
    let mut found_any = false;
    for c in &candidates {
        if let Ok(v) = f.attr(axis, c)
            && let Some(s) = v.as_strings()
        {
            found_any = true;
            for (i, name) in s.into_iter().enumerate() {
                index.entry(name).or_insert(i as u64);
            }
        }
    }
    if !found_any {
        return Err(CliError::fail(format!(
            "no string attribute {} to match names against",
            candidates.join(" or ")
        )));
    }
    // alloc: names.len(), caller's list
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        match index.get(*n) {
            Some(&i) => out.push(i),
            None => {
                return Err(CliError::fail(format!(
                    "name {n:?} not found in {}",
                    candidates.join("/")
                )));
            }
        }
    }
    Ok(Sel::Index(out))
}
