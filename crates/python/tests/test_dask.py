"""Scale-out on Dask, both ways, on a ``dask.distributed`` LocalCluster with several worker
processes: ``loomfile.dask.from_loom`` (each task reads one chunk band through the engine)
and ``loom refs`` (kerchunk JSON: zarr and xarray read the loom file's chunks, no loomfile
involved). Sums and means must equal loompy's."""

from __future__ import annotations

import json
import logging
import os
import subprocess

import numpy as np
import pytest

from conftest import FIXTURES

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

FILE = str(FIXTURES / "loom" / "medium.loom")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster, distributed.Client(cluster) as c:
        c.wait_for_workers(3)
        yield c


@pytest.fixture(scope="module")
def reference(loompy_mod):
    with loompy_mod.connect(FILE, "r", validate=False) as ds:
        m = ds[:, :]
        # In float64 (loompy's own map accumulates float32 layers in float32).
        return {
            "sum": m.sum(dtype=np.float64),
            "col_means": m.mean(axis=0, dtype=np.float64),
            "row_sums": m.sum(axis=1, dtype=np.float64),
            "shape": ds.shape,
            "dtype": m.dtype,
        }


def check(x, reference, client):
    assert x.shape == reference["shape"] and x.dtype == reference["dtype"]
    total, col_means, row_sums = client.compute(
        [x.sum(dtype=np.float64), x.mean(axis=0, dtype=np.float64), x.sum(axis=1, dtype=np.float64)], sync=True
    )
    np.testing.assert_allclose(total, reference["sum"], rtol=1e-12)
    np.testing.assert_allclose(col_means, reference["col_means"], rtol=1e-12)
    np.testing.assert_allclose(row_sums, reference["row_sums"], rtol=1e-12)


def test_from_loom_on_a_cluster(client, reference):
    from loomfile.dask import from_loom

    x = from_loom(FILE)
    assert x.chunks[1] == (reference["shape"][1],) and set(x.chunks[0][:-1]) == {64}
    check(x, reference, client)
    # The tasks ran in the worker processes (each opened the file there).
    who = client.run(lambda: __import__("loomfile.dask").dask._OPEN and True)
    assert sum(bool(v) for v in who.values()) >= 2, who


def test_kerchunk_references_on_a_cluster(client, reference, tmp_path):
    import fsspec
    import zarr

    loom = os.environ.get("LOOM_BIN")
    if not loom:
        pytest.skip("LOOM_BIN not set (run through `cargo xtask python`)")
    refs = tmp_path / "refs.json"
    subprocess.run([loom, "refs", FILE, "-o", str(refs)], check=True)
    spec = json.loads(refs.read_text())
    assert spec["version"] == 1 and "matrix/0.0" in spec["refs"]
    fs = fsspec.filesystem("reference", fo=str(refs))
    z = zarr.open_array(fs.get_mapper("matrix"), mode="r", zarr_format=2)
    x = da.from_zarr(z)
    check(x, reference, client)
    # Attributes read through the references equal loompy's.
    root = zarr.open_group(fs.get_mapper(""), mode="r", zarr_format=2)
    import loompy

    with loompy.connect(FILE, "r", validate=False) as ds:
        for k in ds.ra.keys():
            got = root["row_attrs"][k][:]
            assert [str(v) for v in np.asarray(got).ravel()] == [str(v) for v in ds.ra[k].ravel()], k
        for k in ds.ca.keys():
            got = root["col_attrs"][k][:]
            assert [str(v) for v in np.asarray(got).ravel()] == [str(v) for v in ds.ca[k].ravel()], k


def test_kerchunk_references_open_in_xarray(loompy_mod, tmp_path):
    """xarray opens the references as datasets: the matrix with every zero kept (a zarr v2
    fill value of 0 would make xarray mask them as missing), the attributes as loompy has
    them, dimensions named after the axes."""
    import fsspec

    xr = pytest.importorskip("xarray")
    loom = os.environ.get("LOOM_BIN")
    if not loom:
        pytest.skip("LOOM_BIN not set (run through `cargo xtask python`)")
    refs = tmp_path / "refs.json"
    subprocess.run([loom, "refs", FILE, "-o", str(refs)], check=True)
    fs = fsspec.filesystem("reference", fo=str(refs))
    opened = {
        g: xr.open_zarr(fs.get_mapper(g), consolidated=False, zarr_format=2)
        for g in ["", "layers", "row_attrs", "col_attrs"]
    }
    with loompy_mod.connect(FILE, "r", validate=False) as ds:
        m = opened[""]["matrix"]
        assert m.dims == ("row", "col")
        got = m.values
        assert got.dtype == ds[:, :].dtype and np.array_equal(got, ds[:, :])
        assert (got == 0).any()
        for name in ds.layers.keys():
            if name:
                v = opened["layers"][name].values
                assert v.dtype == ds.layers[name][:, :].dtype, name
                assert np.array_equal(v, ds.layers[name][:, :]), name
        for axis, attrs in [("row_attrs", ds.ra), ("col_attrs", ds.ca)]:
            for k in attrs.keys():
                v = opened[axis][k].values
                want = attrs[k]
                if want.dtype.kind in "OUS":
                    assert [str(x) for x in v.ravel()] == [str(x) for x in want.ravel()], k
                else:
                    assert v.dtype == want.dtype and np.array_equal(v, want), k
