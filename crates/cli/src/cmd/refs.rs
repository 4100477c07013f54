//! `loom refs FILE [-o OUT] [--url URL]`: kerchunk (fsspec "reference" file system) JSON
//! for a loom file, so that zarr, xarray and dask read its matrix, layers, attributes,
//! graphs and globals without loomfile or libhdf5:
//!
//! ```python
//! import fsspec, zarr
//! fs = fsspec.filesystem("reference", fo="refs.json")
//! root = zarr.open_group(fs.get_mapper(""), mode="r", zarr_format=2)
//! root["matrix"][:10, :10]
//! ```
//!
//! The layout is zarr v2: one array per dataset (`matrix`, `layers/NAME`,
//! `row_attrs/NAME`, `col_attrs/NAME`, `row_graphs/NAME/{a,b,w}`, `attrs/NAME`), chunks
//! pointing into the loom file (HDF5 deflate is numcodecs' `zlib`, shuffle its `shuffle`),
//! text inlined with `vlen-utf8`, xarray's `_ARRAY_DIMENSIONS` on every array. What has no
//! zarr form (compound attributes, other filters) is listed on stderr and left out.

use crate::{CliError, CliResult};
use loomfile::LoomFile;
use loomfile::refs::{ArrayRef, ChunkRef, Codec};
use serde_json::{Map, Value, json};
use std::io::Write;

fn codec(c: &Codec) -> Value {
    match c {
        Codec::Zlib { level } => json!({"id": "zlib", "level": level}),
        Codec::Shuffle { elementsize } => json!({"id": "shuffle", "elementsize": elementsize}),
        Codec::VlenUtf8 => json!({"id": "vlen-utf8"}),
    }
}

/// Standard base64 (RFC 4648, padded), for inlined chunks.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // alloc: caller's data: 4/3 of bytes.len()
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (c.get(1).copied().unwrap_or(0) as u32) << 8
            | c.get(2).copied().unwrap_or(0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn zarray(a: &ArrayRef) -> Value {
    let fill = match a.fill_value {
        None => Value::Null,
        Some(v) if a.dtype.contains('f') => json!(v),
        Some(v) => json!(v as i64),
    };
    json!({
        "zarr_format": 2,
        "shape": a.shape,
        "chunks": a.chunks,
        "dtype": a.dtype,
        "compressor": a.compressor.as_ref().map(codec),
        "filters": if a.filters.is_empty() { Value::Null } else { Value::Array(a.filters.iter().map(codec).collect()) },
        "fill_value": fill,
        "order": "C",
    })
}

/// The reference JSON of `file`, chunks addressed by `url`.
pub fn references(file: &str, url: &str) -> Result<(Value, Vec<(String, String)>), CliError> {
    let f = LoomFile::open(file).map_err(|e| CliError::loom(file, e))?;
    let r = f.chunk_refs().map_err(|e| CliError::loom(file, e))?;
    let mut refs = Map::new();
    for g in &r.groups {
        let key = if g.is_empty() { ".zgroup".to_string() } else { format!("{g}/.zgroup") };
        refs.insert(key, Value::String(json!({"zarr_format": 2}).to_string()));
    }
    for a in &r.arrays {
        refs.insert(format!("{}/.zarray", a.path), Value::String(zarray(a).to_string()));
        refs.insert(
            format!("{}/.zattrs", a.path),
            Value::String(json!({"_ARRAY_DIMENSIONS": a.dims}).to_string()),
        );
        for c in &a.chunk_refs {
            match c {
                ChunkRef::Range { key, offset, size } => {
                    refs.insert(format!("{}/{key}", a.path), json!([url, offset, size]));
                }
                ChunkRef::Inline { key, bytes } => {
                    refs.insert(
                        format!("{}/{key}", a.path),
                        Value::String(format!("base64:{}", base64(bytes))),
                    );
                }
            }
        }
    }
    Ok((json!({"version": 1, "refs": refs}), r.skipped))
}

/// `loom refs`.
pub fn refs(file: &str, output: Option<&str>, url: Option<&str>) -> CliResult {
    let url = match url {
        Some(u) => u.to_string(),
        None => std::path::Path::new(file)
            .canonicalize()
            .map_err(|e| CliError::fail(format!("{file}: {e}")))?
            .to_string_lossy()
            .into_owned(),
    };
    let (j, skipped) = references(file, &url)?;
    for (path, why) in &skipped {
        eprintln!("loom refs: {path} left out: {why}");
    }
    match output {
        Some(o) => {
            let mut w =
                std::fs::File::create(o).map_err(|e| CliError::fail(format!("{o}: {e}")))?;
            serde_json::to_writer(&mut w, &j).map_err(CliError::io)?;
            w.write_all(b"\n").map_err(CliError::io_std)?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &j).map_err(CliError::io)?;
            writeln!(out).map_err(CliError::io_std)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }
}
