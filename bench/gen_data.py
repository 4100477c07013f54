"""Synthetic Loom files for `cargo xtask bench` (perf-baselines.md, section 2). Not committed.

    target/venv/bin/python bench/gen_data.py medium target/bench-data
    target/venv/bin/python bench/gen_data.py large target/bench-data

Count-like float32 values: per-gene mean ~ lognormal(-3.5, 1.8), per-cell size factor
~ lognormal(0, 0.4), negative-binomial zeros (k = 2), positive values = 1 + Poisson(lambda * Gamma):
about 9 % non-zero. Written by loompy itself (64x64 chunks, gzip 2, maxshape (N, None)), with
string attributes Gene, Accession (rows) and CellID, ClusterName (columns).

- medium: 20,000 genes x 10,000 cells, written by `loompy.create` from scipy CSC matrices: the
  main matrix and a layer `unspliced` (binomial thinning of the counts, p = 0.3). Also writes
  `medium-main.npz` (the main matrix as scipy CSC: loompy's input for the `create` benchmark).
  The main matrix is the same as the one of the former crates/scan/examples/gen_medium.py (seed 1).
- large: 30,000 x 50,000, main matrix only, written as loompy users write big files:
  `loompy.create` from the first 6,400 columns (dense), then `add_columns` of dense blocks.

Each file is written under a temporary name and renamed; `NAME.json` (written last) records
the generator version and what was written. `cargo xtask bench` regenerates a file whose
`.json` is missing or of another version.
"""

import json
import os
import sys
import time

import loompy
import numpy as np
import scipy.sparse as sp

VERSION = 2
SHAPES = {"medium": (20_000, 10_000), "large": (30_000, 50_000)}


def counts_block(rng, gene_mean, size, k=2.0):
    """One dense float32 block of count-like values (genes x len(size) cells)."""
    lam = gene_mean[:, None] * size[None, :]
    p0 = (k / (k + lam)) ** k
    nz = rng.random(lam.shape) >= p0
    g = rng.gamma(k, 1.0 / k, lam.shape)
    vals = 1.0 + rng.poisson(lam * g)
    return np.where(nz, vals, 0.0).astype(np.float32)


def attrs(n_genes, n_cells, c0=0):
    rows = {
        "Gene": np.array([f"G{i}" for i in range(n_genes)]),
        "Accession": np.array([f"ENSG{i:011d}" for i in range(n_genes)]),
    }
    cols = {
        "CellID": np.array([f"cell_{i}" for i in range(c0, c0 + n_cells)]),
        "ClusterName": np.array([f"cluster_{i % 17}" for i in range(c0, c0 + n_cells)]),
    }
    return rows, cols


def medium(out_dir, seed=1):
    n_genes, n_cells = SHAPES["medium"]
    rng = np.random.default_rng(seed)
    gene_mean = rng.lognormal(-3.5, 1.8, n_genes)
    size = rng.lognormal(0.0, 0.4, n_cells)
    step = 500
    blocks = [
        sp.csc_matrix(counts_block(rng, gene_mean, size[c0 : c0 + step]))
        for c0 in range(0, n_cells, step)
    ]
    m = sp.hstack(blocks).tocsc()
    # A separate generator, so the main matrix does not depend on the layer.
    thin = np.random.default_rng(seed + 1)
    u = m.copy()
    u.data = thin.binomial(u.data.astype(np.int64), 0.3).astype(np.float32)
    u.eliminate_zeros()
    rows, cols = attrs(n_genes, n_cells)
    npz = os.path.join(out_dir, "medium-main.npz")
    sp.save_npz(npz + ".tmp.npz", m)
    os.replace(npz + ".tmp.npz", npz)
    tmp = os.path.join(out_dir, "medium.tmp.loom")
    loompy.create(tmp, {"": m, "unspliced": u}, rows, cols)
    os.replace(tmp, os.path.join(out_dir, "medium.loom"))
    return {"nnz": int(m.nnz), "nnz_unspliced": int(u.nnz), "layers": ["", "unspliced"]}


def large(out_dir, seed=3, block=6_400):
    n_genes, n_cells = SHAPES["large"]
    rng = np.random.default_rng(seed)
    gene_mean = rng.lognormal(-3.5, 1.8, n_genes)
    size = rng.lognormal(0.0, 0.4, n_cells)
    tmp = os.path.join(out_dir, "large.tmp.loom")
    nnz = 0
    for c0 in range(0, n_cells, block):
        c1 = min(n_cells, c0 + block)
        dense = counts_block(rng, gene_mean, size[c0:c1])
        nnz += int(np.count_nonzero(dense))
        rows, cols = attrs(n_genes, c1 - c0, c0)
        if c0 == 0:
            loompy.create(tmp, dense, rows, cols)
        else:
            with loompy.connect(tmp, "r+", validate=False) as ds:
                ds.add_columns({"": dense}, cols)
        del dense
        print(f"  large: {c1} / {n_cells} columns", flush=True)
    os.replace(tmp, os.path.join(out_dir, "large.loom"))
    return {"nnz": nnz, "layers": [""]}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SHAPES:
        sys.exit("usage: gen_data.py medium|large OUT_DIR")
    name, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    t = time.perf_counter()
    info = (medium if name == "medium" else large)(out_dir)
    n_genes, n_cells = SHAPES[name]
    info.update(
        {
            "version": VERSION,
            "shape": [n_genes, n_cells],
            "density": info["nnz"] / (n_genes * n_cells),
            "seconds": round(time.perf_counter() - t, 1),
            "loompy": loompy.__version__,
        }
    )
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"{name}: {json.dumps(info)}")


if __name__ == "__main__":
    main()
