"""Write the synthetic "medium" loom file of perf-baselines.md section 2 (not committed).

20,000 genes x 10,000 cells, float32, ~9 % non-zero count-like values: per-gene mean
~ lognormal(-3.5, 1.8), per-cell size factor ~ lognormal(0, 0.4), negative-binomial zeros
(k = 2), positive values = 1 + Poisson(lambda * Gamma). Written by loompy.create from a scipy
CSC matrix (64x64 chunks, gzip 2, maxshape (N, None)).

    target/venv/bin/python crates/scan/examples/gen_medium.py target/bench-data/medium.loom
"""

import sys

import loompy
import numpy as np
import scipy.sparse as sp


def main(out, n_genes=20_000, n_cells=10_000, seed=1):
    rng = np.random.default_rng(seed)
    gene_mean = rng.lognormal(-3.5, 1.8, n_genes)
    size = rng.lognormal(0.0, 0.4, n_cells)
    k = 2.0
    blocks = []
    step = 500
    for c0 in range(0, n_cells, step):
        lam = gene_mean[:, None] * size[None, c0 : c0 + step]
        p0 = (k / (k + lam)) ** k
        nz = rng.random(lam.shape) >= p0
        g = rng.gamma(k, 1.0 / k, lam.shape)
        vals = 1.0 + rng.poisson(lam * g)
        blocks.append(sp.csc_matrix(np.where(nz, vals, 0.0).astype(np.float32)))
    m = sp.hstack(blocks).tocsc()
    print(f"nnz {m.nnz} ({100.0 * m.nnz / (n_genes * n_cells):.2f} %), max {m.max()}")
    row_attrs = {
        "Gene": np.array([f"G{i}" for i in range(n_genes)]),
        "Accession": np.array([f"ENSG{i:011d}" for i in range(n_genes)]),
    }
    col_attrs = {
        "CellID": np.array([f"cell_{i}" for i in range(n_cells)]),
        "ClusterName": np.array([f"cluster_{i % 17}" for i in range(n_cells)]),
    }
    loompy.create(out, m, row_attrs, col_attrs)


if __name__ == "__main__":
    main(sys.argv[1])
