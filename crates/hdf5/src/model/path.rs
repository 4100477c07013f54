//! Path resolution: `/a/b/c` from the root, soft links followed up to the hop limit,
//! external links reported (never followed).

use super::file::File;
use super::object::{Group, Object, links_of, not_found};
use crate::raw::messages::link::LinkTarget;
use crate::{Error, Result};

/// Resolve an absolute path (relative paths are taken from the root).
pub fn resolve(file: &File, path: &str) -> Result<Object> {
    let mut hops = 0u32;
    let addr = resolve_addr(file, path, &mut hops)?;
    let canonical = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    Object::open(file.clone(), canonical, addr)
}

fn resolve_addr(file: &File, path: &str, hops: &mut u32) -> Result<u64> {
    let root = file.superblock().root_address();
    let mut addr = root;
    let mut walked: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    for (i, name) in parts.iter().enumerate() {
        let here = format!("/{}", walked.join("/"));
        let group = Group::open(file.clone(), here.clone(), addr)?;
        let links = links_of(file, &group.header).map_err(|e| e.at(&here))?;
        let link = links
            .into_iter()
            .find(|l| l.name == *name)
            .ok_or_else(|| not_found(&format!("/{}", parts[..=i].join("/"))))?;
        addr = match link.target {
            LinkTarget::Hard(a) => a,
            LinkTarget::Soft(target) => {
                *hops += 1;
                if *hops > file.inner.src.limits.max_soft_link_hops {
                    return Err(Error::limit(
                        "soft link chain",
                        *hops as u64,
                        file.inner.src.limits.max_soft_link_hops as u64,
                    )
                    .at(path));
                }
                let full = if target.starts_with('/') {
                    target
                } else {
                    format!("{}/{}", here.trim_end_matches('/'), target)
                };
                resolve_addr(file, &full, hops)?
            }
            LinkTarget::External { file: f, path: p } => {
                return Err(Error::unsupported(format!("following external link to {f}:{p}"))
                    .at(&format!("/{}", parts[..=i].join("/"))));
            }
        };
        walked.push(name);
    }
    Ok(addr)
}
