"""Selections along one axis: what ``ds[rows, cols]`` accepts, resolved to what the engine
reads (everything, a range, or indices in any order with repeats).

Unlike loompy (h5py's rules) both axes may be lists or masks at once, lists need not be
sorted or unique, negative indices and steps work as in numpy.
"""

from __future__ import annotations

import operator
from typing import Any, Optional, Tuple, Union

import numpy as np

Sel = Union[None, Tuple[int, int], np.ndarray]


def _as_range(idx: np.ndarray) -> Sel:
    """A run of consecutive ascending indices as a range (the engine's fast path)."""
    if idx.size == 0:
        return (0, 0)
    first = int(idx[0])
    if idx.size == 1 or (int(idx[-1]) - first == idx.size - 1 and np.all(np.diff(idx) == 1)):
        return (first, first + idx.size)
    return idx


def axis_key(key: Any, n: int, axis_name: str = "axis") -> Tuple[Sel, bool, int]:
    """Resolve one axis of an index: ``(selection, drop, count)``; ``drop`` is True for a
    single integer (that axis disappears from the result, as in numpy)."""
    if key is None or key is Ellipsis:
        return None, False, n
    if isinstance(key, slice):
        start, stop, step = key.indices(n)
        if step == 1:
            stop = max(start, stop)
            if start == 0 and stop == n:
                return None, False, n
            return (start, stop), False, stop - start
        idx = np.arange(start, stop, step, dtype=np.int64)
        return _as_range(idx.astype(np.uint64)), False, idx.size
    if isinstance(key, (bool, np.bool_)):
        raise IndexError(f"a boolean is not an index along the {axis_name}")
    try:
        i = operator.index(key)
    except TypeError:
        pass
    else:
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {key} is out of range for the {axis_name} of length {n}")
        return (i, i + 1), True, 1
    arr = np.asarray(key)
    if arr.dtype == bool:
        if arr.ndim != 1 or arr.shape[0] != n:
            raise IndexError(
                f"boolean mask of shape {arr.shape} does not match the {axis_name} of length {n}"
            )
        idx = np.flatnonzero(arr).astype(np.uint64)
        return _as_range(idx), False, idx.size
    if arr.ndim == 0:
        return axis_key(arr.item(), n, axis_name)
    if arr.size == 0:
        return np.zeros(0, dtype=np.uint64), False, 0
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise IndexError(f"cannot index the {axis_name} with {type(key).__name__} {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.min() < -n or arr.max() >= n:
        raise IndexError(f"index out of range for the {axis_name} of length {n}")
    if arr.min() < 0:
        arr = np.where(arr < 0, arr + n, arr)
    idx = arr.astype(np.uint64)
    return _as_range(idx), False, idx.size


def split_key(key: Any, shape: Tuple[int, int]):
    """``ds[key]`` as ``(rows, drop_rows, cols, drop_cols)``."""
    if not isinstance(key, tuple):
        key = (key, slice(None))
    if len(key) == 1:
        key = (key[0], slice(None))
    if len(key) != 2:
        raise IndexError(f"a loom matrix has 2 axes, not {len(key)}")
    rows, dr, _ = axis_key(key[0], shape[0], "rows")
    cols, dc, _ = axis_key(key[1], shape[1], "columns")
    return rows, dr, cols, dc


def indices(sel: Sel, n: int) -> np.ndarray:
    """The selected indices (int64)."""
    if sel is None:
        return np.arange(n, dtype=np.int64)
    if isinstance(sel, tuple):
        return np.arange(sel[0], sel[1], dtype=np.int64)
    return sel.astype(np.int64)


def as_index_array(items: Any, n: int) -> np.ndarray:
    """Items of an axis (a mask, indices, a range) as int64 indices; None means all."""
    sel, drop, _ = axis_key(items, n)
    return indices(sel, n)


def drop_axes(a: np.ndarray, drop_rows: bool, drop_cols: bool):
    """Remove the axes indexed by a single integer (views, no copy)."""
    if drop_rows and drop_cols:
        return a[0, 0]
    if drop_rows:
        return a[0]
    if drop_cols:
        return a[:, 0]
    return a
