"""Synthetic Loom files for `cargo xtask bench` (perf-baselines.md, section 2). Not committed.

    target/venv/bin/python bench/gen_data.py medium target/bench-data
    target/venv/bin/python bench/gen_data.py large target/bench-data
    target/venv/bin/python bench/gen_data.py create5k target/bench-data
    target/venv/bin/python bench/gen_data.py tenx target/bench-data      (after medium)

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
- create5k: 20,000 x 5,000, main matrix only, written by one `loompy.create` of a dense
  float32 matrix (the file of issue 12's measurements).
- tenx: medium's main matrix as a Cell Ranger v3 `filtered_feature_bc_matrix.h5`
  (`medium-10x.h5`: CSC over barcodes, int32 counts, gzip 1 + shuffle, features with ids,
  names, types and genome), the input of the `convert` benchmark.

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
SHAPES = {
    "medium": (20_000, 10_000),
    "large": (30_000, 50_000),
    "create5k": (20_000, 5_000),
    "tenx": (20_000, 10_000),
}


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


def create5k(out_dir, seed=4):
    n_genes, n_cells = SHAPES["create5k"]
    rng = np.random.default_rng(seed)
    gene_mean = rng.lognormal(-3.5, 1.8, n_genes)
    size = rng.lognormal(0.0, 0.4, n_cells)
    dense = counts_block(rng, gene_mean, size)
    rows, cols = attrs(n_genes, n_cells)
    tmp = os.path.join(out_dir, "create5k.tmp.loom")
    loompy.create(tmp, dense, rows, cols)
    os.replace(tmp, os.path.join(out_dir, "create5k.loom"))
    return {"nnz": int(np.count_nonzero(dense)), "layers": [""]}


def tenx(out_dir):
    """medium's main matrix as a Cell Ranger v3 HDF5 file."""
    import h5py

    npz = os.path.join(out_dir, "medium-main.npz")
    if not os.path.exists(npz):
        medium(out_dir)
    m = sp.load_npz(npz).tocsc()
    m.sort_indices()
    n_genes, n_cells = m.shape
    big = dict(chunks=(80_000,), maxshape=(None,), compression="gzip", compression_opts=1,
               shuffle=True)
    small = dict(compression="gzip", compression_opts=1, shuffle=True)

    def sbytes(values):
        return np.array([v.encode("ascii") for v in values])

    tmp = os.path.join(out_dir, "medium-10x.tmp.h5")
    with h5py.File(tmp, "w") as f:
        f.attrs["filetype"] = np.bytes_(b"matrix")
        f.attrs["version"] = np.int64(2)
        f.attrs["library_ids"] = np.array([b"bench_lib"])
        f.attrs["original_gem_groups"] = np.array([1], dtype=np.int64)
        f.attrs["chemistry_description"] = np.bytes_(b"Single Cell 3' v3")
        f.attrs["software_version"] = np.bytes_(b"cellranger-7.1.0")
        g = f.create_group("matrix")
        g.create_dataset("barcodes", data=sbytes([f"AAAC{j:012d}-1" for j in range(n_cells)]),
                         **small)
        g.create_dataset("data", data=m.data.astype(np.int32), **big)
        g.create_dataset("indices", data=m.indices.astype(np.int64), **big)
        g.create_dataset("indptr", data=m.indptr.astype(np.int64), **big)
        g.create_dataset("shape", data=np.array(m.shape, dtype=np.int32))
        fe = g.create_group("features")
        fe.create_dataset("_all_tag_keys", data=np.array([b"genome"]))
        fe.create_dataset("feature_type", data=sbytes(["Gene Expression"] * n_genes), **small)
        fe.create_dataset("genome", data=sbytes(["GRCh38"] * n_genes), **small)
        fe.create_dataset("id", data=sbytes([f"ENSG{i:011d}" for i in range(n_genes)]), **small)
        fe.create_dataset("name", data=sbytes([f"G{i}" for i in range(n_genes)]), **small)
    os.replace(tmp, os.path.join(out_dir, "medium-10x.h5"))
    return {"nnz": int(m.nnz), "layers": [""]}


GENERATORS = {"medium": medium, "large": large, "create5k": create5k, "tenx": tenx}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SHAPES:
        sys.exit(f"usage: gen_data.py {'|'.join(SHAPES)} OUT_DIR")
    name, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    t = time.perf_counter()
    info = GENERATORS[name](out_dir)
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
