"""Property tests (hypothesis) on random files: indexing on both axes, scans, sparse
extraction and attribute round trips, against numpy on the same data (and, for what
loomfile writes, against h5py reading the file)."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import loomfile

DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def matrices(draw, max_side=150):
    n = draw(st.integers(1, max_side))
    m = draw(st.integers(1, max_side))
    dt = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 50, size=(n, m)) * (rng.random((n, m)) < 0.3)
    return a.astype(dt)


def axis_keys(n):
    """Every kind of key along an axis of length n."""
    ints = st.integers(-n, n - 1)
    slices = st.builds(
        slice,
        st.none() | st.integers(-n - 2, n + 2),
        st.none() | st.integers(-n - 2, n + 2),
        st.none() | st.integers(1, 5) | st.integers(-5, -1),
    )
    lists = st.lists(st.integers(0, n - 1), min_size=1, max_size=20)
    masks = hnp.arrays(bool, n)
    return st.one_of(ints, slices, lists, masks)


def write(m, **kw):
    d = tempfile.mkdtemp()
    fn = os.path.join(d, "p.loom")
    loomfile.create(fn, m, kw.get("ra", {}), kw.get("ca", {}))
    return fn


def numpy_index(m, rk, ck):
    """What numpy gives for an outer (orthogonal) index on both axes."""
    def idx(k, n):
        if isinstance(k, (int, np.integer)):
            return k
        if isinstance(k, slice):
            return np.arange(n)[k]
        return np.asarray(k)

    r, c = idx(rk, m.shape[0]), idx(ck, m.shape[1])
    if np.ndim(r) == 0 or np.ndim(c) == 0:
        return m[r][..., c] if np.ndim(r) == 0 else m[r, :][:, c]
    return m[np.ix_(r, c)] if not (isinstance(r, np.ndarray) and r.dtype == bool) else m[r][:, c]


@SETTINGS
@given(data=st.data(), m=matrices())
def test_indexing_matches_numpy(data, m):
    fn = write(m)
    with loomfile.connect(fn, "r") as ds:
        for _ in range(5):
            rk = data.draw(axis_keys(m.shape[0]))
            ck = data.draw(axis_keys(m.shape[1]))
            got = ds[rk, ck]
            want = numpy_index(m, rk, ck)
            assert np.asarray(got).dtype == m.dtype
            np.testing.assert_array_equal(got, want)


@SETTINGS
@given(data=st.data(), m=matrices())
def test_assignment_matches_numpy(data, m):
    fn = write(m)
    want = m.copy()
    with loomfile.connect(fn, "r+") as ds:
        for _ in range(3):
            rk = data.draw(axis_keys(m.shape[0]))
            ck = data.draw(axis_keys(m.shape[1]))
            if isinstance(rk, list):
                rk = sorted(set(rk))
            if isinstance(ck, list):
                ck = sorted(set(ck))
            v = data.draw(st.integers(0, 100))
            ds[rk, ck] = v
            r = np.arange(m.shape[0])[rk] if not isinstance(rk, (int,)) else rk
            c = np.arange(m.shape[1])[ck] if not isinstance(ck, (int,)) else ck
            want[np.ix_(np.atleast_1d(r), np.atleast_1d(c))] = v
        np.testing.assert_array_equal(ds[:, :], want)


@SETTINGS
@given(data=st.data(), m=matrices())
def test_scans_cover_the_items(data, m):
    fn = write(m, ca={"CellID": np.arange(m.shape[1])}, ra={"Gene": np.arange(m.shape[0])})
    axis = data.draw(st.sampled_from([0, 1]))
    n = m.shape[axis]
    b = data.draw(st.integers(1, 70))
    items = data.draw(st.none() | st.lists(st.integers(0, n - 1), min_size=1, max_size=40))
    with loomfile.connect(fn, "r") as ds:
        seen = []
        for ix, sel, view in ds.scan(items=items, axis=axis, batch_size=b):
            block = view[:, :]
            want = m[sel, :] if axis == 0 else m[:, sel]
            np.testing.assert_array_equal(block, want)
            np.testing.assert_array_equal((view.ra.Gene if axis == 0 else view.ca.CellID), sel)
            # A window holds at most b positions; an item listed twice is there twice.
            assert len(np.unique(sel)) <= b
            seen.extend(sel.tolist())
        if items is None:
            assert seen == list(range(n))
        elif items == sorted(items):
            assert seen == items
        else:
            assert seen == items  # caller's order kept (loompy sorts)


@SETTINGS
@given(data=st.data(), m=matrices())
def test_sparse_matches_dense(data, m):
    fn = write(m)
    with loomfile.connect(fn, "r") as ds:
        s = ds.sparse()
        assert s.dtype == m.dtype
        np.testing.assert_array_equal(s.toarray(), m)
        rows = data.draw(st.lists(st.integers(0, m.shape[0] - 1), min_size=1, max_size=10))
        cols = data.draw(hnp.arrays(bool, m.shape[1]))
        s = ds.layers[""].sparse(np.array(rows), cols)
        np.testing.assert_array_equal(s.toarray(), m[np.array(rows)][:, cols])


text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@st.composite
def attributes(draw, n):
    kind = draw(st.sampled_from(["num", "text", "bool", "2d"]))
    if kind == "num":
        dt = draw(st.sampled_from(DTYPES + ["float16"]))
        return draw(hnp.arrays(dt, n, elements=hnp.from_dtype(np.dtype(dt), allow_nan=False)))
    if kind == "text":
        return np.array(draw(st.lists(text, min_size=n, max_size=n)), dtype=object)
    if kind == "bool":
        return draw(hnp.arrays(bool, n))
    k = draw(st.integers(1, 4))
    return draw(hnp.arrays("float64", (n, k), elements=st.floats(-1e6, 1e6)))


@SETTINGS
@given(data=st.data(), n=st.integers(1, 40))
def test_attribute_round_trips(data, n):
    import h5py

    m = np.zeros((n, 3), dtype=np.float32)
    fn = write(m)
    values = {f"a{i}": data.draw(attributes(n)) for i in range(3)}
    g = data.draw(st.one_of(text, st.integers(-2**62, 2**62), st.floats(allow_nan=False), st.lists(text, min_size=1, max_size=5)))
    with loomfile.connect(fn, "r+") as ds:
        for k, v in values.items():
            ds.ra[k] = v
        ds.attrs.G = g
    with loomfile.connect(fn, "r") as ds:
        for k, v in values.items():
            got = ds.ra[k]
            if v.dtype == bool:
                assert got.dtype == np.uint8
                np.testing.assert_array_equal(got, v.astype(np.uint8))
            elif v.dtype.kind == "O":
                assert list(got) == list(v)  # every character kept
            else:
                assert got.dtype == v.dtype
                np.testing.assert_array_equal(got, v)
        got_g = ds.attrs.G
        if isinstance(g, list):
            assert list(got_g) == g
        else:
            assert got_g == g
    with h5py.File(fn, "r") as f:  # what h5py sees
        for k, v in values.items():
            h = f["row_attrs"][k][()]
            if v.dtype.kind == "O":
                assert [x.decode("utf-8") for x in h] == list(v)
            else:
                np.testing.assert_array_equal(h, v.astype(np.uint8) if v.dtype == bool else v)
