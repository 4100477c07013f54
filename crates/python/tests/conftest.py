"""Shared pieces of the loomfile test suite: the two implementations under comparison,
fixture files, and a structural equality for results (arrays, sparse matrices, nested
containers)."""

from __future__ import annotations

import os
import pathlib

import numpy as np
import pytest
import scipy.sparse as sp

ROOT = pathlib.Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures"


def same(a, b, path="result"):
    """Assert that two results are equal: arrays by value and dtype kind, sparse matrices
    densely, strings (numpy str or str) as text, containers element by element."""
    if sp.issparse(a) or sp.issparse(b):
        assert sp.issparse(a) and sp.issparse(b), f"{path}: sparse vs dense"
        assert a.shape == b.shape, f"{path}: shape {a.shape} != {b.shape}"
        np.testing.assert_array_equal(a.toarray(), b.toarray(), err_msg=path)
        return
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
        return
    if isinstance(a, (list, tuple)) and not isinstance(a, np.ndarray):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{path}: {a!r} vs {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
        return
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        x, y = np.asarray(a), np.asarray(b)
        assert x.shape == y.shape, f"{path}: shape {x.shape} != {y.shape}"
        if x.dtype.kind in "OUS" or y.dtype.kind in "OUS":
            assert [str(v) for v in x.ravel()] == [str(v) for v in y.ravel()], path
        else:
            assert x.dtype.kind == y.dtype.kind or {x.dtype.kind, y.dtype.kind} <= {"i", "u"}, (
                f"{path}: dtype {x.dtype} vs {y.dtype}"
            )
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=0, err_msg=path)
        return
    assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


@pytest.fixture(scope="session")
def loompy_mod():
    return pytest.importorskip("loompy")


@pytest.fixture(scope="session")
def loomfile_mod():
    import loomfile

    return loomfile


def pytest_report_header(config):
    import loomfile

    return f"loomfile {loomfile.__version__} from {os.path.dirname(loomfile.__file__)}"
