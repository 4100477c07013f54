"""The wheel and the run-time environment: the wheel carries the type stubs and
``py.typed`` and an abi3 manylinux tag; the extension needs no libhdf5, and the package
works with h5py made unimportable."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

import loomfile


def test_wheel_contents():
    wheel = os.environ.get("LOOMFILE_WHEEL")
    if not wheel:
        pytest.skip("LOOMFILE_WHEEL not set (run through `cargo xtask python`)")
    name = os.path.basename(wheel)
    assert "-cp39-abi3-" in name and "manylinux" in name, name
    names = zipfile.ZipFile(wheel).namelist()
    for want in ["loomfile/__init__.py", "loomfile/py.typed", "loomfile/_core.pyi", "loomfile/dask.py"]:
        assert want in names, f"{want} missing from {name}"
    assert any(n.startswith("loomfile/_core") and n.endswith(".so") for n in names), names


def test_extension_links_no_hdf5():
    so = loomfile._core.__file__
    out = subprocess.run(["readelf", "-d", so], capture_output=True, text=True, check=True).stdout
    needed = [line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]
    assert needed, out
    assert not [n for n in needed if "hdf5" in n or "python" in n], needed


def test_works_without_h5py(tmp_path):
    code = f"""
import sys
sys.modules["h5py"] = None  # any import of h5py now fails
import numpy as np, loomfile
fn = {str(tmp_path / "x.loom")!r}
loomfile.create(fn, np.arange(12.0).reshape(3, 4), {{"Gene": np.array(["a", "b", "c"])}}, {{"CellID": np.arange(4)}})
with loomfile.connect(fn, "r") as ds:
    assert ds[:, :].sum() == 66.0 and list(ds.ra.Gene) == ["a", "b", "c"]
assert not any(m.startswith("h5py") and sys.modules[m] is not None for m in sys.modules)
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_read_only_open_never_writes(tmp_path):
    fn = str(tmp_path / "x.loom")
    loomfile.create(fn, np.ones((5, 6), dtype=np.float32), {"Gene": np.arange(5)}, {"CellID": np.arange(6)})
    before = (os.stat(fn).st_mtime_ns, open(fn, "rb").read())
    with loomfile.connect(fn, "r") as ds:
        ds[:, :], ds.ra.Gene, ds.attrs.keys(), ds.last_modified(), list(ds.scan(axis=1))
        with pytest.raises(ValueError):
            ds.ca.X = np.zeros(6)
        with pytest.raises(ValueError):
            ds[0, 0] = 3
    assert (os.stat(fn).st_mtime_ns, open(fn, "rb").read()) == before


def test_results_are_numpy_in_the_layer_dtype(tmp_path):
    fn = str(tmp_path / "x.loom")
    # (float16 layers are written as float32: the engine has no float16 element type yet.)
    for dt in ["uint16", "int32", "float32", "float64", "int8", "uint64"]:
        m = (np.arange(30).reshape(5, 6) % 7).astype(dt)
        loomfile.create(fn, m, {}, {})
        with loomfile.connect(fn, "r") as ds:
            a = ds[:, :]
            assert a.dtype == np.dtype(dt) and a.flags.c_contiguous
            np.testing.assert_array_equal(a, m)
            s = ds.sparse()
            assert s.dtype == np.dtype(dt) and s.row.dtype == np.int32
            np.testing.assert_array_equal(s.toarray(), m)


def test_missing_names_raise_key_and_attribute_errors(tmp_path):
    fn = str(tmp_path / "x.loom")
    loomfile.create(fn, np.ones((2, 2)), {}, {})
    with loomfile.connect(fn, "r") as ds:
        with pytest.raises(AttributeError):
            ds.ca.Nope
        with pytest.raises(KeyError):
            ds.ca["Nope"]
        with pytest.raises(KeyError):
            ds.layers["nope"]
        assert ds.attrs.get("nope", 5) == 5


def test_timestamps_and_changes_since(tmp_path):
    """loompy's ``last_modified(name)`` and ``get_changes_since`` (which loompy cannot
    answer on a file with graphs), read without writing."""
    import scipy.sparse as sp

    fn = str(tmp_path / "x.loom")
    loomfile.create(fn, np.ones((6, 5)), {"Gene": np.arange(6)}, {"CellID": np.arange(5)})
    t0 = loomfile.timestamp()
    time.sleep(0.01)
    with loomfile.connect(fn) as ds:
        ds.ca.Cluster = np.arange(5) % 2
        ds.col_graphs.KNN = sp.eye(5)
        assert ds.ca.last_modified("Cluster") > t0
        assert ds.col_graphs.last_modified("KNN") > t0
        assert ds.ra.last_modified("Gene") < t0
        ch = ds.get_changes_since(t0)
    assert ch["col_attrs"] == ["Cluster"] and ch["col_graphs"] == ["KNN"] and ch["row_attrs"] == []


def test_connect_validates_unless_told_not_to(tmp_path):
    h5py = pytest.importorskip("h5py")
    fn = str(tmp_path / "bad.loom")
    loomfile.create(fn, np.arange(12, dtype=np.float32).reshape(3, 4),
                    {"Gene": np.array(["a", "b", "c"])}, {"CellID": np.array(["w", "x", "y", "z"])})
    with h5py.File(fn, "r+") as f:
        del f["col_attrs/CellID"]
        f["col_attrs/CellID"] = np.array([b"w", b"x"])  # 2 values for 4 columns
    before = open(fn, "rb").read()
    with pytest.raises(ValueError, match="CellID"):
        loomfile.connect(fn, "r")
    with pytest.raises(ValueError, match="does not appear to be a valid Loom file"):
        loomfile.connect(fn)
    assert open(fn, "rb").read() == before, "a refused open wrote to the file"
    with loomfile.connect(fn, "r", validate=False) as ds:
        assert ds.shape == (3, 4)
        np.testing.assert_array_equal(ds[:, :], np.arange(12, dtype=np.float32).reshape(3, 4))


def test_scan_reuses_only_batches_the_caller_let_go_of(tmp_path):
    """A scan decodes into the arrays of earlier batches nobody holds any more; a batch the
    caller keeps (the view, its layer array or a slice of it) is never overwritten, and a
    dropped batch is freed at once (no reference cycle waits for the garbage collector)."""
    import gc
    import weakref

    rng = np.random.default_rng(7)
    main = rng.integers(0, 50, size=(90, 70)).astype(np.float32)
    fn = str(tmp_path / "reuse.loom")
    loomfile.create(
        fn,
        {"": main, "u8": (main % 7).astype(np.uint8), "half": (main / 4).astype(np.float16)},
        {"Gene": np.array([f"g{i}" for i in range(90)])},
        {"CellID": np.array([f"c{j:03d}" for j in rng.permutation(70)])},
    )
    gc.disable()
    try:
        with loomfile.connect(fn) as ds:
            full = {name: ds.layers[name][:, :] for name in ds.layers.keys()}
            order = np.argsort(ds.ca["CellID"], kind="stable")
            for axis in (0, 1):
                kept, freed = [], []
                for ix, sel, view in ds.scan(axis=axis, batch_size=16, key="CellID" if axis == 0 else None):
                    for name, want in full.items():
                        want = want[sel, :][:, order] if axis == 0 else want[:, sel]
                        got = view.layers[name][:, :]
                        assert got.dtype == want.dtype and np.array_equal(got, want), (axis, ix, name)
                    if ix % 32 == 0:
                        kept.append((sel, view.layers[""].values[:3]))  # a slice keeps its base
                    freed.append(weakref.ref(view))
                del view
                assert all(r() is None for r in freed)
                for sel, part in kept:
                    want = full[""][sel, :][:, order] if axis == 0 else full[""][:, sel]
                    assert np.array_equal(part, want[:3]), (axis, sel[:3])
    finally:
        gc.enable()


def test_html_and_text_summary(tmp_path):
    """The notebook display and ``loompy.to_html``: the corner under the column attributes,
    beside the row attributes, text escaped (loompy writes attribute text into the HTML
    as it is); views too."""
    fn = str(tmp_path / "html.loom")
    main = np.arange(12 * 15, dtype=np.float32).reshape(12, 15)
    loomfile.create(
        fn,
        main,
        {"Gene": np.array(["<b>x</b>"] + [f"g{i}" for i in range(11)])},
        {"CellID": np.array([f"c{j}" for j in range(15)])},
        file_attrs={"title": "demo"},
    )
    with loomfile.connect(fn, "r") as ds:
        page = ds._repr_html_()
        assert page == loomfile.to_html(ds) == ds.to_html()
        assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
        assert "<th>CellID</th><td>c0</td>" in page and "<td>...</td>" in page
        assert "<td>&lt;b&gt;x&lt;/b&gt;</td><td>0</td><td>1</td>" in page
        text = ds.summary()
        assert text.startswith("12 rows x 15 columns") and "global title: demo" in text
        view = ds.view[:3, :4]
        vpage = loomfile.to_html(view)
        assert "<td>&lt;b&gt;x&lt;/b&gt;</td><td>0.0</td><td>1.0</td>" in vpage
