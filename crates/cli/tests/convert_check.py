"""Oracle checks for `loom convert` (crates/cli/tests/convert.rs), run with the reference venv.

    convert_check.py tenx LOOM EXPECTED_JSON [--block mm10] [--gex-only] [--mex] [--feature-types]
    convert_check.py h5ad ORIGINAL.h5ad CONVERTED.loom BACK.h5ad
    convert_check.py make-rich OUT.h5ad          (an AnnData with the harder cases, see below)
    convert_check.py mtx FILE.mtx[.gz] LOOM      (scipy.io.mmread(FILE) == the loom's main matrix)
    convert_check.py same LOOM_A LOOM_B          (same matrix, row and column attributes)
    convert_check.py matrix LOOM_A LOOM_B        (same matrix, Gene and CellID)

Every loom is opened with loompy.connect(validate=True) and read with anndata.io.read_loom.
Exit 0 when every check passes; an AssertionError otherwise.
"""

import json
import sys
import warnings

import anndata as ad
import loompy
import numpy as np
import pandas as pd
import scipy.io
import scipy.sparse as sp

warnings.filterwarnings("ignore")


def dense(x):
    return x.toarray() if sp.issparse(x) else np.asarray(x)


def open_loom(path):
    assert loompy.LoomValidator().validate(path), f"{path}: loompy validator failed"
    with loompy.connect(path, "r", validate=True) as ds:
        m = ds[:, :]
        ra = {k: ds.ra[k] for k in ds.ra.keys()}
        ca = {k: ds.ca[k] for k in ds.ca.keys()}
    return m, ra, ca


def tenx(args):
    path, exp_path = args[0], args[1]
    exp = json.load(open(exp_path))
    block = None
    if "--block" in args:
        block = args[args.index("--block") + 1]
        exp = exp[block]
    truth = np.array(exp["matrix"])
    ids = exp.get("feature_ids", exp.get("gene_ids"))
    names = exp.get("feature_names", exp.get("gene_names"))
    barcodes = exp["barcodes"]
    types = exp.get("feature_types")
    if "--gex-only" in args:
        keep = [i for i, t in enumerate(types) if t == "Gene Expression"]
        truth, ids, names, types = (
            truth[keep],
            [ids[i] for i in keep],
            [names[i] for i in keep],
            [types[i] for i in keep],
        )
    m, ra, ca = open_loom(path)
    assert m.shape == truth.shape, (m.shape, truth.shape)
    assert np.array_equal(m, truth), "matrix differs (loompy)"
    a = ad.io.read_loom(path)
    assert a.shape == truth.T.shape
    assert np.array_equal(dense(a.X), truth.T), "matrix differs (anndata)"
    assert list(a.var["Accession"]) == ids
    assert list(a.var_names) == names
    if "--mex" in args:
        assert list(a.obs["Barcode"]) == barcodes
        assert all(c.endswith(":" + b) for c, b in zip(a.obs_names, barcodes))
    else:
        assert list(a.obs_names) == barcodes
    if "--feature-types" in args:
        assert list(a.var["FeatureType"]) == types
    print(f"ok {path}: {m.shape}")


def frames_equal(x, y, what):
    pd.testing.assert_frame_equal(x, y, obj=what)


def h5ad(args):
    orig, loom, back = args
    a = ad.read_h5ad(orig)
    m, ra, ca = open_loom(loom)
    assert np.array_equal(m, dense(a.X).T), "loom matrix != X.T"
    # The naming rule: the index goes to CellID / Gene unless the frame has such a column,
    # then to obs_names / var_names.
    for attrs, frame, names, primary, fallback in [
        (ca, a.obs, a.obs_names, "CellID", "obs_names"),
        (ra, a.var, a.var_names, "Gene", "var_names"),
    ]:
        if primary in frame.columns:
            assert list(attrs[primary]) == list(frame[primary].astype(str)), primary
            assert list(attrs[fallback]) == list(names), fallback
        else:
            assert list(attrs[primary]) == list(names), primary
            assert fallback not in attrs
    r = ad.io.read_loom(loom)
    assert np.array_equal(dense(r.X), dense(a.X).astype(r.X.dtype))
    for k in a.layers:
        assert np.array_equal(dense(r.layers[k]), dense(a.layers[k]).astype(r.layers[k].dtype)), k
    b = ad.read_h5ad(back)
    assert sp.issparse(b.X) and b.X.format == "csr"
    assert b.X.dtype == a.X.dtype, (b.X.dtype, a.X.dtype)
    assert np.array_equal(dense(b.X), dense(a.X)), "X differs"
    assert set(b.layers) == set(a.layers), (set(b.layers), set(a.layers))
    for k in a.layers:
        assert b.layers[k].dtype == a.layers[k].dtype, k
        assert np.array_equal(dense(b.layers[k]), dense(a.layers[k])), k
    frames_equal(a.obs, b.obs, "obs")
    frames_equal(a.var, b.var, "var")
    for k in a.obsm:
        if sp.issparse(a.obsm[k]) or isinstance(a.obsm[k], pd.DataFrame):
            assert k not in b.obsm, k  # left out with a warning
            continue
        assert np.array_equal(b.obsm[k], a.obsm[k]), k
    for k in a.varm:
        assert np.array_equal(b.varm[k], a.varm[k]), k
    for k in a.obsp:
        assert np.allclose(dense(b.obsp[k]), dense(a.obsp[k])), k
    for k, v in a.uns.items():
        if np.isscalar(v):
            assert b.uns[k] == v, k
    print(f"ok {orig}: {a.shape}")


def make_rich(args):
    """CellID and Gene columns, a named index, nullable and categorical (ordered, numeric,
    with missing) columns, 2-D obsm, a graph, a dense int layer, and elements left out."""
    (out,) = args
    rng = np.random.default_rng(7)
    n, m = 30, 12
    x = sp.random(n, m, density=0.3, format="csr", dtype=np.float32, random_state=1)
    obs = pd.DataFrame(
        {
            "CellID": [f"c{i}" for i in range(n)],
            "nint": pd.array([1, None] + list(range(n - 2)), dtype="Int64"),
            "nint_full": pd.array(list(range(n)), dtype="Int32"),
            "nbool": pd.array([True, None] + [False] * (n - 2), dtype="boolean"),
            "ocat": pd.Categorical(["lo", "hi", "mid"] * 10, categories=["lo", "mid", "hi"], ordered=True),
            "ncat": pd.Categorical(["a", None] * 15),
            "flag": np.arange(n) % 3 == 0,
            "f32": np.arange(n, dtype=np.float32) / 4,
        },
        index=pd.Index([f"bc{i}" for i in range(n)], name="barcode"),
    )
    var = pd.DataFrame(
        {"Gene": [f"G{i}" for i in range(m)], "num_cat": pd.Categorical([1, 2] * 6)},
        index=pd.Index([f"id{i}" for i in range(m)]),
    )
    a = ad.AnnData(x, obs=obs, var=var)
    a.obsm["X_umap"] = rng.normal(size=(n, 2))
    a.obsm["sparse"] = sp.random(n, 3, density=0.5, format="csr", random_state=2)
    a.obsp["connectivities"] = sp.random(n, n, density=0.1, format="csr", random_state=3)
    a.uns["nested"] = {"a": 1}
    a.uns["title"] = "rich"
    a.layers["dense_int"] = rng.integers(0, 5, size=(n, m)).astype(np.int16)
    a.write_h5ad(out)
    print(f"wrote {out}")


def mtx(args):
    path, loom = args
    m = scipy.io.mmread(path)
    x, _, _ = open_loom(loom)
    assert m.shape == x.shape, (m.shape, x.shape)
    assert np.array_equal(dense(m), x), "mtx differs"
    print(f"ok {path}: {m.shape} {m.dtype}")


def same(args):
    a, b = args
    ma, raa, caa = open_loom(a)
    mb, rab, cab = open_loom(b)
    assert ma.shape == mb.shape and np.array_equal(ma, mb), "matrices differ"
    for x, y, what in [(raa, rab, "row"), (caa, cab, "col")]:
        assert set(x) == set(y), (what, set(x), set(y))
        for k in x:
            assert np.array_equal(np.asarray(x[k]), np.asarray(y[k])), (what, k)
    print(f"ok {a} == {b}")


def matrix(args):
    a, b = args
    ma, raa, caa = open_loom(a)
    mb, rab, cab = open_loom(b)
    assert ma.shape == mb.shape and np.array_equal(ma, mb), "matrices differ"
    assert list(raa["Gene"]) == list(rab["Gene"]), "Gene differs"
    assert list(caa["CellID"]) == list(cab["CellID"]), "CellID differs"
    print(f"ok {a} ~ {b}")


if __name__ == "__main__":
    modes = {
        "tenx": tenx,
        "h5ad": h5ad,
        "make-rich": make_rich,
        "mtx": mtx,
        "same": same,
        "matrix": matrix,
    }
    modes[sys.argv[1]](sys.argv[2:])
