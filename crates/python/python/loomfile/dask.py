"""Scale-out with Dask: :func:`from_loom` gives a ``dask.array.Array`` of one layer whose
tasks each read one band of chunk rows through the engine (parallel inflate, GIL released),
so it runs on any Dask scheduler, a ``dask.distributed`` cluster included (the file must be
on a filesystem every worker sees).

For readers without this package, ``loom refs FILE -o refs.json`` writes kerchunk (fsspec
reference) JSON: zarr, xarray and dask then open the layers and attributes directly.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, Optional, Tuple

import numpy as np

from . import _core

__all__ = ["from_loom"]

_OPEN: Dict[Tuple[str, int], Any] = {}
_OPEN_LOCK = threading.Lock()


def _file(path: str):
    """The read-only engine file for ``path``, opened once per process (and reopened when
    the file changes on disk)."""
    key = (path, os.stat(path).st_mtime_ns)
    with _OPEN_LOCK:
        f = _OPEN.get(key)
        if f is None or f.closed:
            for k in [k for k in _OPEN if k[0] == path]:
                _OPEN.pop(k).close()
            f = _OPEN[key] = _core.File.open(path, False)
        return f


class LoomLayerArray:
    """What dask reads blocks from: a layer of a loom file by path (picklable: only the path
    and the layer travel to the workers)."""

    def __init__(self, path: str, layer: str, shape: Tuple[int, int], dtype: np.dtype) -> None:
        self.path = path
        self.layer = layer
        self.shape = shape
        self.dtype = dtype
        self.ndim = 2

    def __getitem__(self, key: Tuple[slice, slice]) -> np.ndarray:
        rows, cols = key
        r = rows.indices(self.shape[0])
        c = cols.indices(self.shape[1])
        if r[2] != 1 or c[2] != 1:
            raise IndexError("blocks are read as unit-step slices")
        rsel = None if (r[0], r[1]) == (0, self.shape[0]) else (r[0], r[1])
        csel = None if (c[0], c[1]) == (0, self.shape[1]) else (c[0], c[1])
        return _file(self.path).read(self.layer, rsel, csel)

    def __reduce__(self):
        return (LoomLayerArray, (self.path, self.layer, self.shape, self.dtype))


def from_loom(path: Any, layer: str = "", *, bands_per_task: int = 1, name: Optional[str] = None):
    """One layer of the loom file at ``path`` as a dask array, one task per band of chunk
    rows (``bands_per_task`` bands per task for bigger tasks); blocks come in the layer's
    dtype. The file is opened read-only (a shared lock) by each worker process."""
    import dask.array as da

    path = os.path.abspath(os.fspath(path))
    f = _core.File.open(path, False)
    try:
        shape = tuple(f.shape)
        dtype = np.dtype(f.layer_dtype(layer))
        chunk_rows = f.layer_chunks(layer)[0]
    finally:
        f.close()
    band = max(1, int(chunk_rows)) * max(1, int(bands_per_task))
    arr = LoomLayerArray(path, layer, shape, dtype)
    token = f"{path}:{layer}:{os.stat(path).st_mtime_ns}"
    return da.from_array(
        arr,
        chunks=(band, shape[1]),
        name=name or f"loom-{abs(hash(token)):x}",
        asarray=False,
        fancy=False,
        lock=False,
        meta=np.empty((0, 0), dtype=dtype),
    )
