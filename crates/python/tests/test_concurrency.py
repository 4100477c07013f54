"""Threads and processes: readers in several threads share one connection (the engine
releases the GIL while it decodes, so Python threads run meanwhile), and the file locks
are HDF5's, so h5py and loomfile exclude each other as two h5py processes would."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import loomfile


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    fn = str(tmp_path_factory.mktemp("big") / "big.loom")
    rng = np.random.default_rng(0)
    m = rng.poisson(0.3, size=(1500, 2000)).astype(np.float32)
    loomfile.create(fn, m, {"Gene": np.arange(1500)}, {"CellID": np.arange(2000)})
    return fn, m


def test_threads_share_one_connection(big):
    fn, m = big
    errors = []
    with loomfile.connect(fn, "r") as ds:

        def reader(seed):
            rng = np.random.default_rng(seed)
            try:
                for _ in range(20):
                    r = np.sort(rng.choice(m.shape[0], 50, replace=False))
                    c0 = int(rng.integers(0, m.shape[1] - 100))
                    np.testing.assert_array_equal(ds[r, c0:c0 + 100], m[r, c0:c0 + 100])
                    cols = rng.choice(m.shape[1], 7)
                    np.testing.assert_array_equal(ds[:, cols], m[:, cols])
                np.testing.assert_allclose(ds.map([np.sum], axis=1)[0], m.sum(axis=0), rtol=1e-6)
            except BaseException as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=reader, args=(s,)) for s in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors


def test_threads_with_their_own_connections(big):
    fn, m = big
    results = [None] * 4

    def worker(i):
        with loomfile.connect(fn, "r") as ds:
            results[i] = [b[2][:, :].sum() for b in ds.scan(axis=i % 2, batch_size=300)]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, r in enumerate(results):
        assert np.isclose(sum(r), m.sum(dtype=np.float64)), i


def test_gil_is_released_while_decoding(big):
    """While one thread is inside a full read, another thread runs Python code: the engine
    does not hold the GIL while it decodes."""
    fn, _ = big
    with loomfile.connect(fn, "r") as ds:
        ds[:, :]  # warm up
        inside = []
        stop = threading.Event()

        def ticker():
            while not stop.is_set():
                inside.append(time.perf_counter())

        spans = []
        t = threading.Thread(target=ticker)
        t.start()
        try:
            for _ in range(5):
                t0 = time.perf_counter()
                ds._core.read("", None, None)
                spans.append((t0, time.perf_counter()))
        finally:
            stop.set()
            t.join()
    ticks = np.array(inside)
    during = sum(int(((ticks > a) & (ticks < b)).sum()) for a, b in spans)
    assert during > 0, "no Python ran in another thread while the engine was reading"


H5PY_HOLD = """
import sys, time, h5py
f = h5py.File(sys.argv[1], sys.argv[2])
print("open", flush=True)
sys.stdin.readline()
f.close()
"""


def hold_with_h5py(fn, mode):
    p = subprocess.Popen(
        [sys.executable, "-c", H5PY_HOLD, fn, mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if k != "HDF5_USE_FILE_LOCKING"},
    )
    assert p.stdout.readline().strip() == "open"
    return p


def release(p):
    p.stdin.write("\n")
    p.stdin.flush()
    p.wait(timeout=30)


def test_h5py_writer_excludes_loomfile(tmp_path):
    fn = str(tmp_path / "x.loom")
    loomfile.create(fn, np.ones((4, 4)), {}, {})
    p = hold_with_h5py(fn, "r+")
    try:
        with pytest.raises(OSError):
            loomfile.connect(fn, "r")
        with pytest.raises(OSError):
            loomfile.connect(fn, "r+")
    finally:
        release(p)
    with loomfile.connect(fn, "r+") as ds:  # free again
        assert ds.shape == (4, 4)


def test_h5py_reader_shares_with_loomfile_readers(tmp_path):
    fn = str(tmp_path / "x.loom")
    loomfile.create(fn, np.ones((4, 4)), {}, {})
    p = hold_with_h5py(fn, "r")
    try:
        with loomfile.connect(fn, "r") as ds:
            assert ds[:, :].sum() == 16
        with pytest.raises(OSError):
            loomfile.connect(fn, "r+")
    finally:
        release(p)


def test_loomfile_writer_excludes_h5py(tmp_path):
    fn = str(tmp_path / "x.loom")
    loomfile.create(fn, np.ones((4, 4)), {}, {})
    code = "import sys, h5py\ntry:\n    h5py.File(sys.argv[1], 'r')\nexcept OSError:\n    print('locked')\nelse:\n    print('opened')"
    env = {k: v for k, v in os.environ.items() if k != "HDF5_USE_FILE_LOCKING"}
    with loomfile.connect(fn, "r+"):
        out = subprocess.run([sys.executable, "-c", code, fn], capture_output=True, text=True, env=env).stdout
        assert out.strip() == "locked"
    with loomfile.connect(fn, "r"):
        out = subprocess.run([sys.executable, "-c", code, fn], capture_output=True, text=True, env=env).stdout
        assert out.strip() == "opened"
