"""Inputs and truth for crates/cli/tests/convert_memory.rs (run with the reference venv).

    convert_memory.py gen DIR     writes DIR/truth.npz (genes x cells CSR, int32) and the same
                                  matrix as DIR/tenx.h5 (10x v3), DIR/csr.h5ad, DIR/csc.h5ad,
                                  DIR/shuffled.mtx.gz (entries in random order, some split
                                  into duplicates) and DIR/mex/ (Cell Ranger 3 folder, shuffled)
    convert_memory.py check DIR   every DIR/out_*.loom holds exactly the truth (loompy reads it)
"""

import glob
import gzip
import os
import sys

import anndata as ad
import h5py
import loompy
import numpy as np
import pandas as pd
import scipy.sparse as sp

GENES, CELLS, DENSITY = 2000, 12000, 0.3


def gen(d):
    rng = np.random.default_rng(7)
    m = sp.random(GENES, CELLS, density=DENSITY, format="csr", random_state=rng,
                  data_rvs=lambda n: rng.integers(1, 1000, n)).astype(np.int32)
    m.sort_indices()
    sp.save_npz(os.path.join(d, "truth.npz"), m)
    genes = [f"G{i}" for i in range(GENES)]
    cells = [f"C{j}-1" for j in range(CELLS)]
    csc = m.tocsc()  # features x barcodes, compressed by barcode: 10x's layout
    with h5py.File(os.path.join(d, "tenx.h5"), "w") as f:
        g = f.create_group("matrix")
        g["barcodes"] = np.array(cells, dtype="S")
        g.create_dataset("data", data=csc.data, chunks=(80000,), compression="gzip")
        g.create_dataset("indices", data=csc.indices.astype(np.int64), chunks=(80000,),
                         compression="gzip")
        g["indptr"] = csc.indptr.astype(np.int64)
        g["shape"] = np.array([GENES, CELLS], dtype=np.int32)
        fe = g.create_group("features")
        fe["id"] = np.array([f"ENSG{i}" for i in range(GENES)], dtype="S")
        fe["name"] = np.array(genes, dtype="S")
        fe["feature_type"] = np.array(["Gene Expression"] * GENES, dtype="S")
        fe["genome"] = np.array(["GRCh38"] * GENES, dtype="S")
    obs, var = pd.DataFrame(index=cells), pd.DataFrame(index=genes)
    for name, x in [("csr", m.T.tocsr()), ("csc", m.T.tocsc())]:
        ad.AnnData(X=x, obs=obs, var=var).write_h5ad(os.path.join(d, f"{name}.h5ad"))
    # Coordinates in random order; every 10th entry split in two (duplicates add up).
    coo = m.tocoo()
    r, c, v = coo.row + 1, coo.col + 1, coo.data.astype(np.int64)
    split = np.arange(len(v)) % 10 == 0
    half = v[split] // 2
    r = np.concatenate([r, r[split]]); c = np.concatenate([c, c[split]])
    v = np.concatenate([np.where(split, v - np.where(split, v // 2, 0), v), half])
    order = rng.permutation(len(v))
    body = "".join(f"{a} {b} {x}\n" for a, b, x in zip(r[order], c[order], v[order]))
    head = f"%%MatrixMarket matrix coordinate integer general\n{GENES} {CELLS} {len(v)}\n"
    with gzip.open(os.path.join(d, "shuffled.mtx.gz"), "wt", compresslevel=1) as f:
        f.write(head + body)
    mex = os.path.join(d, "mex")
    os.makedirs(mex, exist_ok=True)
    with gzip.open(os.path.join(mex, "matrix.mtx.gz"), "wt", compresslevel=1) as f:
        f.write(head + body)
    with gzip.open(os.path.join(mex, "features.tsv.gz"), "wt") as f:
        f.writelines(f"ENSG{i}\t{g}\tGene Expression\n" for i, g in enumerate(genes))
    with gzip.open(os.path.join(mex, "barcodes.tsv.gz"), "wt") as f:
        f.writelines(f"{b}\n" for b in cells)


def check(d):
    truth = sp.load_npz(os.path.join(d, "truth.npz")).tocsr()
    outs = sorted(glob.glob(os.path.join(d, "out_*.loom")))
    assert len(outs) == 5, outs
    for p in outs:
        with loompy.connect(p, "r", validate=True) as ds:
            got = ds.sparse().tocsr()
        assert got.shape == truth.shape, (p, got.shape)
        diff = (got.astype(np.int64) - truth.astype(np.int64))
        assert diff.count_nonzero() == 0, f"{p}: {diff.count_nonzero()} values differ"
        print(f"ok {os.path.basename(p)}: {truth.nnz} non-zeros")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
