"""Every snippet of loompy's API walkthrough (shared/seed/loompy-api-walkthrough.txt), run
unchanged against loompy 3.0.8 and against ``loomfile`` imported as ``loompy``; the results
must be equal. Where the walkthrough's code cannot run as printed (``samples``, ``cells``,
``bool_array`` and friends are left to the reader; one snippet names ``ds`` for ``dsin``),
the blanks are filled the same way for both.

loompy's graph slicing needs ``np.in1d``, which numpy 2.4 removed: snippets that slice
graphs (views, scans with graphs) run on files without graphs, where loompy still works.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.sparse as sparse

from conftest import FIXTURES, same


def make(lp, d, name="test.loom", n=100, m=100, extra_layers=False):
    """The walkthrough's first file, plus the attributes later snippets use."""
    filename = os.path.join(d, name)
    matrix = np.arange(n * m).reshape(n, m)
    row_attrs = {
        "SomeRowAttr": np.arange(n),
        "Gene": np.array([f"G{i}" for i in range(n)]),
        "Attribute": np.array([f"A{i}" for i in range(n)]),
        "Accession": np.array([f"ENSG{i:05d}" for i in range(n)]),
    }
    row_attrs["Gene"][5] = "Actb"
    row_attrs["Gene"][7] = "Gapdh"
    col_attrs = {
        "SomeColAttr": np.arange(m),
        "CellID": np.array([f"C{i}" for i in range(m)]),
        "PCA1": np.linspace(0, 1, m),
        "PCA2": np.linspace(1, 2, m),
    }
    col_attrs["CellID"][3] = "AAACATACATTCTC-1"
    layers = matrix
    if extra_layers:
        layers = {"": matrix, "exons": (matrix % 7).astype(np.float32), "unspliced": matrix % 3}
    lp.create(filename, layers, row_attrs, col_attrs)
    return filename


SNIPPETS = {}


def snippet(f):
    SNIPPETS[f.__name__] = f
    return f


def contents(lp, filename):
    """Everything in a file, for comparing what two implementations wrote."""
    with lp.connect(filename, "r", validate=False) as ds:
        return {
            "shape": tuple(ds.shape),
            "layers": {k: ds.layers[k][:, :] for k in ds.layers.keys()},
            "ra": {k: ds.ra[k] for k in ds.ra.keys()},
            "ca": {k: ds.ca[k] for k in ds.ca.keys()},
            "graphs": {k: ds.col_graphs[k] for k in ds.col_graphs.keys()},
        }


@snippet
def creating_dense(lp, d):
    filename = os.path.join(d, "test.loom")
    matrix = np.arange(10000).reshape(100, 100)
    row_attrs = {"SomeRowAttr": np.arange(100)}
    col_attrs = {"SomeColAttr": np.arange(100)}
    lp.create(filename, matrix, row_attrs, col_attrs)
    return contents(lp, filename)


@snippet
def creating_sparse(lp, d):
    filename = os.path.join(d, "test.loom")
    matrix = sparse.coo_matrix((100, 100))
    row_attrs = {"SomeRowAttr": np.arange(100)}
    col_attrs = {"SomeColAttr": np.arange(100)}
    lp.create(filename, matrix, row_attrs, col_attrs)
    return contents(lp, filename)


@snippet
def new_and_add_columns(lp, d):
    samples = [make(lp, d, f"s{i}.loom", n=20, m=30 + i) for i in range(3)]
    with lp.new(os.path.join(d, "outfile.loom")) as dsout:
        for sample in samples:
            with lp.connect(sample) as dsin:
                dsout.add_columns(dsin.layers, col_attrs=dsin.col_attrs, row_attrs=dsin.row_attrs)
    return contents(lp, os.path.join(d, "outfile.loom"))


@snippet
def combine_with_key(lp, d):
    a = make(lp, d, "a.loom", n=40, m=30)
    b = make(lp, d, "b.loom", n=40, m=20)
    with lp.connect(b) as ds:  # the second file's rows in another order
        ds.permute(np.random.default_rng(1).permutation(40), axis=0)
    files = [a, b]
    output_filename = os.path.join(d, "combined.loom")
    lp.combine(files, output_filename, key="Accession")
    return contents(lp, output_filename)


@snippet
def combine_faster_with_selections(lp, d):
    a = make(lp, d, "a.loom", n=40, m=30, extra_layers=True)
    b = make(lp, d, "b.loom", n=40, m=20, extra_layers=True)
    keep_a = np.zeros(30, dtype=bool)
    keep_a[[1, 4, 5, 17, 29]] = True
    output_filename = os.path.join(d, "faster.loom")
    lp.combine_faster([a, b], output_filename, selections=[keep_a, None], skip_attrs=["PCA2"])
    return contents(lp, output_filename)


@snippet
def cellranger(lp, d):
    import shutil

    folder = os.path.join(d, "sample1")
    shutil.copytree(FIXTURES / "10x" / "v2_mex", folder)
    output_filename = lp.create_from_cellranger(folder, d)
    with lp.connect(output_filename, "r", validate=False) as ds:
        return {
            "matrix": ds[:, :],
            "CellID": ds.ca.CellID,
            "Gene": ds.ra.Gene,
            "Accession": ds.ra.Accession,
        }


def put(d, name, text):
    """Write `text` to `d/name` and return that path."""
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


@snippet
def from_tsv(lp, d):
    ref = make(lp, d, "ref.loom", n=10, m=5)
    with lp.connect(ref, "r", validate=False) as ds:
        acc = list(ds.ra.Accession)
    lines = [f"{acc[3]}\t1\t0\t2.5", f"{acc[0]}\t4\t4\t4", "nope\t7\t7\t7", f"{acc[0]}\t0\t5\t0"]
    tsv = put(d, "m.tsv", "\"c1\"\t\"c2\"\t\"c3\"\n" + "\n".join(lines) + "\n")
    meta = put(d, "cells.tsv", "CellID\tnGenes\tbatch\nS_c1\t10\tx\nS_c2\t20\ty\nS_c3\t30\tx\n")
    out = os.path.join(d, "from_tsv.loom")
    lp.create_from_tsv(out, tsv, row_metadata_loomfile=ref, sample_id="S_",
                       col_metadata_tsv=meta)
    return contents(lp, out)


@snippet
def from_matrix_market(lp, d):
    head = "%%MatrixMarket matrix coordinate integer general\n"
    sp = put(d, "s.mtx", head + "4 3 3\n1 1 4\n4 3 2\n2 2 6\n")
    un = put(d, "u.mtx", head + "4 3 2\n1 1 1\n3 2 9\n")
    genes = put(d, "genes.tsv", "ENSG1\tActb\nENSG2\tGapdh\nENSG3\tSox2\n")
    bcs = put(d, "barcodes.tsv", "AAAC\nAAAG\nAAAT\nAACC\n")
    out = os.path.join(d, "from_mtx.loom")
    lp.create_from_matrix_market(out, "s1", {"spliced": sp, "unspliced": un}, genes, bcs,
                                 matrix_transposed=True)
    return contents(lp, out)


@snippet
def connecting(lp, d):
    fn = make(lp, d)
    with lp.connect(fn) as ds:
        shape = ds.shape
    ds = lp.connect(fn)
    top = ds[0, 0]
    ds.close()
    return [shape, top, ds.closed]


@snippet
def indexing(lp, d):
    ds = lp.connect(make(lp, d))
    bool_array = np.zeros(ds.shape[1], dtype=bool)
    bool_array[[1, 50, 99]] = True
    out = [
        ds.shape,
        ds[:, :],
        ds[0:10, 0:10],
        ds[99, :],
        ds[:, 99],
        ds[[0, 3, 5], :],
        ds[:, bool_array],
    ]
    ds.close()
    return out


@snippet
def sparse_data(lp, d):
    ds = lp.connect(make(lp, d, extra_layers=True))
    rows = np.array([1, 4, 50])
    cols = np.zeros(ds.shape[1], dtype=bool)
    cols[10:40] = True
    out = [ds.layers["exons"].sparse(), ds.layers["unspliced"].sparse(rows, cols), ds.sparse()]
    my_sparse_matrix = sparse.random(100, 100, density=0.1, random_state=3, format="csr")
    ds.layers["exons"] = my_sparse_matrix
    out.append(ds.layers["exons"][:, :])
    ds.close()
    return out


@snippet
def modifying_layers(lp, d):
    ds = lp.connect(make(lp, d, m=600))
    newdata = np.arange(100 * 600).reshape(100, 600)[::-1].copy()
    rowdata = np.arange(600) * 2
    coldata = np.arange(100) * 3
    ds[:, :] = newdata
    ds[3, 500] = 31
    ds[99, :] = rowdata
    ds[:, 99] = coldata
    out = ds[:, :]
    ds.close()
    return out


@snippet
def global_attributes(lp, d):
    ds = lp.connect(make(lp, d))
    ds.attrs.title = "The title of the dataset"
    ds.attrs.description = "Fancy dataset"
    out = [ds.attrs.title]
    ds.attrs.title = "New title"
    out.append(ds.attrs["title"])
    keys = [k for k in ds.attrs.keys() if k not in ("CreationDate", "last_modified")]
    out.append(sorted(keys))
    printed = []
    for key, value in ds.attrs.items():
        if key in ("title", "description"):
            printed.append(f"{key} = {value}")
    out.append(sorted(printed))  # loompy lists names added in this session last
    del ds.attrs.title
    out.append("title" in ds.attrs.keys())
    ds.close()
    return out


@snippet
def row_and_column_attributes(lp, d):
    ds = lp.connect(make(lp, d))
    out = [sorted(ds.ra.keys()), sorted(ds.ca.keys())]
    ds.ra.Gene2 = np.array([f"X{i}" for i in range(100)])
    a = ds.ra.Gene2
    out.append(a)
    del ds.ra.Gene2
    out.append("Gene2" in ds.ra.keys())
    out.append(ds.ra["Gene"])
    ds.ra.Tmp = np.arange(100)
    del ds.ra["Tmp"]
    out.append(sorted(ds.ra.keys()))
    out.append(ds.ra["Gene", "Attribute"])
    out.append(ds.ca["PCA1", "PCA2"])
    out.append(ds.ra["Gene", "GeneName"])
    out.append(ds.ca["TSNE", "PCA1", "UMAP"])
    out.append(ds[ds.ra.Gene == "Actb", :])
    out.append(ds[(ds.ra.Gene == "Actb") | (ds.ra.Gene == "Gapdh"), :])
    out.append(ds[:, ds.ca.CellID == "AAACATACATTCTC-1"])
    ds.close()
    return out


@snippet
def modifying_attributes(lp, d):
    fn = make(lp, d)
    values = np.array([f"cluster{i % 4}" for i in range(100)])
    with lp.connect(fn) as ds:
        ds.ca.ClusterNames = values
        ds.ca.ClusterNames[10] = "banana"
    with lp.connect(fn) as ds:
        return ds.ca.ClusterNames


@snippet
def adding_columns(lp, d):
    fn = make(lp, d, n=50, m=30)
    other_file = make(lp, d, "other.loom", n=50, m=20)
    with lp.connect(other_file) as ds:
        ds.permute(np.random.default_rng(2).permutation(50), axis=0)
    with lp.connect(fn) as ds:
        submatrix = np.ones((50, 10), dtype=np.int64)
        col_attrs = {
            "SomeColAttr": np.arange(10),
            "CellID": np.array([f"N{i}" for i in range(10)]),
            "PCA1": np.zeros(10),
            "PCA2": np.ones(10),
        }
        ds.add_columns(submatrix, col_attrs)
        ds.add_loom(other_file, key="Gene")
    return contents(lp, fn)


@snippet
def adding_columns_to_empty_file(lp, d):
    genes = np.array([f"g{i}" for i in range(20)])
    with lp.new(os.path.join(d, "empty.loom")) as ds:
        submatrix = np.arange(20 * 5, dtype=np.float32).reshape(20, 5)
        col_attrs = {"CellID": np.array([f"c{i}" for i in range(5)])}
        ds.add_columns(submatrix, col_attrs, row_attrs={"Gene": genes})
    return contents(lp, os.path.join(d, "empty.loom"))


@snippet
def layers(lp, d):
    ds = lp.connect(make(lp, d, extra_layers=True))
    out = [list(ds.layers.keys()), ds.layers["unspliced"][:, :]]
    ds.layers["spliced"] = np.arange(10000, dtype=np.float32).reshape(100, 100)
    a = ds.layers["spliced"][:, 10]
    out.append(a)
    del ds.layers["spliced"]
    out.append(ds["unspliced"][:, :])
    ds["spliced"] = np.ones((100, 100), dtype=np.int32)
    a = ds["spliced"][:, 10]
    out.append(a)
    try:
        del ds["spliced"]
    except AttributeError:
        # loompy 3.0.8 has no LoomConnection.__delitem__, although the walkthrough uses it.
        assert lp.__name__ == "loompy"
        del ds.layers["spliced"]
    ds["empty_floats"] = "float32"
    ds["empty_ints"] = "int64"
    out.append(ds["empty_floats"][:, :])
    out.append(ds["empty_ints"][:, :])
    out.append(sorted(k for k in ds.layers.keys() if k != "spliced"))
    ds.close()
    return out


@snippet
def graphs(lp, d):
    ds = lp.connect(make(lp, d))
    out = [list(ds.row_graphs.keys())]
    knn = sparse.random(100, 100, density=0.05, random_state=5, format="coo")
    ds.col_graphs.KNN = knn
    a = ds.col_graphs.KNN
    out.append(a)
    ds.col_graphs.Dense = np.eye(100)
    out.append(ds.col_graphs.Dense)
    del ds.col_graphs.KNN
    out.append(list(ds.col_graphs.keys()))
    ds.close()
    return out


@snippet
def views(lp, d):
    ds = lp.connect(make(lp, d, extra_layers=True))
    v = ds.view[:, 10:20]
    out = [v.shape, v[:, :], v["exons"][:, :], v.ca.CellID, v.ra.Gene]
    mask = ds.ca.SomeColAttr % 3 == 0
    # loompy: a list raises TypeError, and only one axis may be fancy (h5py's rule).
    v2 = ds.view[np.array([1, 5, 7]), :]
    v3 = ds.view[:, mask]
    out += [v2.shape, v2[:, :], v2.ra.Gene, v3.shape, v3[:, :], v3.ca.SomeColAttr]
    ds.close()
    return out


@snippet
def map_functions(lp, d):
    ds = lp.connect(make(lp, d))
    out = ds.map([np.mean, np.std], axis=1)
    (means,) = ds.map([np.mean], axis=1)
    out.append(means)
    out += ds.map([np.mean, np.std, np.max], axis=0)
    out += ds.map([np.median], axis=0)
    ds.close()
    return out


@snippet
def permutation(lp, d):
    fn = make(lp, d)
    with lp.connect(fn) as ds:
        ordering = np.random.default_rng(7).permutation(np.arange(ds.shape[1]))
        ds.permute(ordering, axis=1)
    return contents(lp, fn)


@snippet
def scan(lp, d):
    ds = lp.connect(make(lp, d, m=1300, extra_layers=True))
    out = []
    for (ix, selection, view) in ds.scan(axis=1):
        out.append([ix, selection, view[:, :], view.layers["exons"][:, :], view.ca.CellID, view.ra.Gene])
    cells = np.array([3, 4, 600, 1299])
    for (ix, selection, view) in ds.scan(items=cells, axis=1):
        out.append([ix, selection, view[:, :], view.ca.CellID])
    for (ix, selection, view) in ds.scan(axis=0, batch_size=32, layers=["exons"]):
        out.append([ix, selection, view.layers["exons"][:, :], view.ra.Gene])
    ds.close()
    return out


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_walkthrough(name, tmp_path, loompy_mod, loomfile_mod):
    """Each walkthrough snippet gives the same result under loompy and under loomfile."""
    f = SNIPPETS[name]
    (tmp_path / "loompy").mkdir()
    (tmp_path / "loomfile").mkdir()
    theirs = f(loompy_mod, str(tmp_path / "loompy"))
    ours = f(loomfile_mod, str(tmp_path / "loomfile"))
    same(ours, theirs, name)


def test_import_as_loompy(tmp_path):
    """``import loomfile as loompy`` gives the names the walkthrough uses."""
    import loomfile as loompy

    for name in ["connect", "create", "new", "combine", "create_from_cellranger", "LoomConnection"]:
        assert hasattr(loompy, name), name
    fn = str(tmp_path / "x.loom")
    loompy.create(fn, np.ones((3, 4), dtype=np.float32), {"Gene": np.array(list("abc"))}, {"CellID": np.arange(4)})
    with loompy.connect(fn, "r") as ds:
        assert ds.shape == (3, 4)
        assert ds[:, :].dtype == np.float32


def test_aggregate_equals_loompy(tmp_path, loompy_mod, loomfile_mod):
    """``aggregate`` (not in the walkthrough, in loompy's API) gives loompy's matrices and
    column attributes; loompy's ``mode`` crashes, ours answers."""
    out = {}
    for lp in (loompy_mod, loomfile_mod):
        d = tmp_path / lp.__name__
        d.mkdir()
        fn = make(lp, str(d), m=90, extra_layers=True)
        with lp.connect(fn) as ds:
            ds.ca.Clusters = np.arange(90) % 4
            ds.ca.Sample = np.array(["s1", "s2", "s3"])[np.arange(90) % 3]
            res = [ds.aggregate(aggr_by=how) for how in ("mean", "sum", "max", "first", "median")]
            res.append(ds.aggregate(group_by="Clusters", layer="exons", aggr_by="mean"))
            res.append(ds.aggregate(group_by=np.arange(90) // 30))
            ds.aggregate(str(d / "agg.loom"), aggr_ca_by={"SomeColAttr": "first", "PCA1": "mean", "Sample": "tally"})
            res.append(contents(lp, str(d / "agg.loom")))
        out[lp.__name__] = res
    # loompy aggregates a float32 layer in float32 (numpy_groupies keeps the input type);
    # loomfile accumulates in float64.
    np.testing.assert_allclose(out["loomfile"].pop(5), out["loompy"].pop(5), rtol=1e-6)
    same(out["loomfile"], out["loompy"], "aggregate")


def test_scan_with_key_equals_loompy(tmp_path, loompy_mod, loomfile_mod):
    """``scan(key=...)`` orders the other axis by that attribute, as loompy does."""
    out = {}
    for lp in (loompy_mod, loomfile_mod):
        d = tmp_path / lp.__name__
        d.mkdir()
        fn = make(lp, str(d), n=70, m=150)
        with lp.connect(fn) as ds:
            ds.ra.Key = np.random.default_rng(4).permutation(70)
            res = []
            for ix, sel, view in ds.scan(axis=1, key="Key", batch_size=64):
                res.append([ix, sel, view[:, :], view.ra.Gene, view.ca.CellID])
            for ix, sel, view in ds.scan(axis=0, batch_size=16, items=np.arange(3, 60, 2)):
                res.append([ix, sel, view[:, :], view.ra.Gene])
        out[lp.__name__] = res
    same(out["loomfile"], out["loompy"], "scan with key")


def test_cellranger_selected_cellids(tmp_path, loomfile_mod):
    """``selected_cellids`` keeps those cells (loompy ignores it)."""
    import shutil

    folder = tmp_path / "sample1"
    shutil.copytree(FIXTURES / "10x" / "v2_mex", folder)
    out_all = tmp_path / "all"
    out_all.mkdir()
    path = loomfile_mod.create_from_cellranger(str(folder), str(out_all))
    with loomfile_mod.connect(path, "r") as ds:
        ids = ds.ca.CellID
        m = ds[:, :]
    keep = ids[::3]
    out_sel = tmp_path / "sel"
    out_sel.mkdir()
    path = loomfile_mod.create_from_cellranger(str(folder), str(out_sel), selected_cellids=list(keep))
    with loomfile_mod.connect(path, "r") as ds:
        assert list(ds.ca.CellID) == list(keep)
        np.testing.assert_array_equal(ds[:, :], m[:, ::3])


def test_combine_rows_stacks_genes(tmp_path, loompy_mod, loomfile_mod):
    """``combine_rows`` (loompy has none): the second file's columns, shuffled, are put back
    in the first file's order by ``key``; its matrix, read with loompy, lands under the
    first's; row attributes are concatenated."""
    a = make(loompy_mod, str(tmp_path), "a.loom", n=12, m=9, extra_layers=True)
    b = make(loompy_mod, str(tmp_path), "b2.loom", n=8, m=9, extra_layers=True)
    with loompy_mod.connect(b) as ds:
        ds.permute(np.array([4, 0, 8, 2, 6, 1, 3, 5, 7]), axis=1)
    out = str(tmp_path / "rows.loom")
    loomfile_mod.combine_rows([a, b], out, key="CellID", file_attrs={"title": "stacked"})
    with loompy_mod.connect(a, "r", validate=False) as da, loompy_mod.connect(b, "r", validate=False) as db:
        order = [list(db.ca.CellID).index(c) for c in da.ca.CellID]
        want = {k: np.vstack([da.layers[k][:, :], db.layers[k][:, :][:, order]]) for k in da.layers.keys()}
        genes = list(da.ra.Gene) + list(db.ra.Gene)
    with loompy_mod.connect(out, "r", validate=True) as ds:
        assert ds.shape == (20, 9)
        assert ds.attrs.title == "stacked"
        assert list(ds.ra.Gene) == genes
        for k, v in want.items():
            np.testing.assert_array_equal(ds.layers[k][:, :], v, err_msg=k)
