"""Layers: ``ds.layers`` (:class:`LayerManager`), one layer on disk (:class:`LoomLayer`) and
one held in memory by a view (:class:`MemoryLoomLayer`).

Reads come back in the layer's own dtype, C order, straight from the engine's buffers.
Writes take dense arrays, any scipy sparse matrix (written band by band, never densified
as a whole) or a dtype name (an empty layer). Slice assignment accepts the same keys as
reads; lists and masks update the bounding block in one atomic commit.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from . import _index

REDUCTIONS = {}


def _reductions():
    """numpy functions that ``map`` answers from the engine's one-pass statistics."""
    if not REDUCTIONS:
        REDUCTIONS.update({
            np.mean: "mean", np.std: "sd", np.sum: "sum", np.min: "min", np.max: "max",
            np.amin: "min", np.amax: "max", np.count_nonzero: "nnz",
            np.nanmean: "mean", np.nanstd: "sd", np.nansum: "sum",
        })
    return REDUCTIONS


def sparse_parts(matrix: Any):
    """A dense or sparse matrix as what the engine writes: an array or a CSR tuple."""
    import scipy.sparse as sp

    if sp.issparse(matrix):
        csr = sp.csr_matrix(matrix)
        csr.sum_duplicates()
        return (
            "csr",
            (int(csr.shape[0]), int(csr.shape[1])),
            csr.indptr.astype(np.uint64),
            csr.indices.astype(np.uint64),
            np.ascontiguousarray(csr.data),
        )
    a = np.asarray(matrix)
    if a.ndim != 2:
        raise ValueError(f"a layer is 2-D, not {a.ndim}-D")
    if a.dtype.kind == "b":
        raise ValueError("Matrix elements must be integer or float (not bool)")
    if a.dtype.kind not in "iuf":
        raise ValueError(f"Matrix elements must be integer or float, not {a.dtype}")
    return a.astype(a.dtype.newbyteorder("="), copy=False)


def coo(row, col, data, shape):
    import scipy.sparse as sp

    return sp.coo_matrix((data, (row, col)), shape=shape, copy=False)


class LoomLayer:
    """One layer of a file (``ds.layers[name]``; ``""`` is the main matrix)."""

    def __init__(self, name: str, ds: Any) -> None:
        self.ds = ds
        self.name = name
        self.dtype = np.dtype(ds._core.layer_dtype(name))

    @property
    def shape(self):
        return self.ds.shape

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"<LoomLayer {self.name!r} {self.shape} {self.dtype}>"

    def __getitem__(self, key: Any) -> np.ndarray:
        rows, dr, cols, dc = _index.split_key(key, self.shape)
        a = self.ds._core.read(self.name, rows, cols)
        return _index.drop_axes(a, dr, dc)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.ds._check_writable()
        rows, dr, cols, dc = _index.split_key(key, self.shape)
        n, m = self.shape
        ri, ci = _index.indices(rows, n), _index.indices(cols, m)
        v = np.asarray(value)
        if dc and not dr and v.ndim == 1:
            v = v[:, None]
        target = (ri.size, ci.size)
        v = np.broadcast_to(v.astype(self.dtype, copy=False), target)
        if ri.size == 0 or ci.size == 0:
            return
        r_range = isinstance(rows, tuple) or rows is None
        c_range = isinstance(cols, tuple) or cols is None
        r0, r1 = int(ri.min()), int(ri.max()) + 1
        c0, c1 = int(ci.min()), int(ci.max()) + 1
        if r_range and c_range:
            block = np.ascontiguousarray(v)
        else:
            # Lists and masks: update the bounding block, written in one commit.
            block = self.ds._core.read(self.name, (r0, r1), (c0, c1))
            block[np.ix_(ri - r0, ci - c0)] = v
        self.ds._core.write_block(self.name, (r0, r1), (c0, c1), block)

    def sparse(self, rows: Any = None, cols: Any = None, dtype: Any = None):
        """The layer (or a selection) as a ``scipy.sparse.coo_matrix``, without densifying."""
        r = None if rows is None else _index.axis_key(rows, self.shape[0], "rows")[0]
        c = None if cols is None else _index.axis_key(cols, self.shape[1], "columns")[0]
        row, col, data, shape = self.ds._core.sparse(self.name, r, c)
        if dtype is not None:
            data = data.astype(dtype, copy=False)
        return coo(row, col, data, shape)

    def map(self, f_list: List[Any], axis: int = 0, chunksize: int = 1000, selection: Any = None):
        """Apply each function to every row (axis 0) or column; one float64 array each."""
        return self.ds._map(self.name, f_list, axis, chunksize, selection)

    def last_modified(self) -> str:
        return self.ds.layers.last_modified(self.name)


class MemoryLoomLayer:
    """A layer held in memory (in a view)."""

    def __init__(self, name: str, matrix: np.ndarray) -> None:
        self.name = name
        self.values = matrix
        self.shape = matrix.shape
        self.dtype = matrix.dtype

    def __repr__(self) -> str:
        return f"<MemoryLoomLayer {self.name!r} {self.shape} {self.dtype}>"

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple) and len(key) == 2:
            rows, dr, cols, dc = _index.split_key(key, self.shape)
            r = _index.indices(rows, self.shape[0])
            c = _index.indices(cols, self.shape[1])
            return _index.drop_axes(self.values[np.ix_(r, c)], dr, dc)
        return self.values[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.values[key] = value

    def sparse(self, rows: Any = None, cols: Any = None, dtype: Any = None):
        import scipy.sparse as sp

        r = _index.as_index_array(rows, self.shape[0])
        c = _index.as_index_array(cols, self.shape[1])
        m = sp.coo_matrix(self.values[np.ix_(r, c)])
        return m.astype(dtype) if dtype is not None else m

    def permute(self, ordering: Any, *, axis: int) -> None:
        o = np.asarray(ordering)
        self.values = self.values[o, :] if axis == 0 else self.values[:, o]


class LayerManager:
    """``ds.layers``: the layers of a file (or of a view) by name, ``""`` first."""

    def __init__(self, ds: Any, layers: Optional[Dict[str, MemoryLoomLayer]] = None) -> None:
        object.__setattr__(self, "ds", ds)
        object.__setattr__(self, "_memory", layers)

    # -- names
    def keys(self) -> List[str]:
        if self._memory is not None:
            return list(self._memory.keys())
        return self.ds._core.layer_names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __contains__(self, name: object) -> bool:
        return name in self.keys()

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]

    def __repr__(self) -> str:
        return f"<LayerManager {self.keys()}>"

    # -- access
    def __getitem__(self, thing: Any):
        if isinstance(thing, str):
            if self._memory is not None:
                if thing not in self._memory:
                    raise KeyError(f"no layer {thing!r}")
                return self._memory[thing]
            if thing not in self.ds._core.layer_names():
                raise KeyError(f"no layer {thing!r}")
            return LoomLayer(thing, self.ds)
        # A slice of every layer at once.
        return LayerManager(None, {k: MemoryLoomLayer(k, np.asarray(self[k][thing])) for k in self.keys()})

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no layer {name!r}") from None

    def __setitem__(self, name: str, value: Any) -> None:
        if not isinstance(name, str):
            raise TypeError("layer names are strings")
        if "/" in name:
            raise ValueError("layer names cannot contain '/'")
        if self._memory is not None:
            self._memory[name] = MemoryLoomLayer(name, np.asarray(value))
            return
        ds = self.ds
        ds._check_writable()
        if isinstance(value, (LoomLayer, MemoryLoomLayer)):
            value = value[:, :]
        if isinstance(value, (str, type, np.dtype)):
            ds._core.set_layer_empty(name, np.dtype(value).name)
        else:
            parts = sparse_parts(value)
            if isinstance(parts, tuple):
                ds._core.set_layer_sparse(name, parts)
            else:
                ds._core.set_layer(name, parts)
        ds._changed()

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delitem__(self, name: str) -> None:
        if name == "":
            raise ValueError("the main matrix cannot be deleted")
        if self._memory is not None:
            del self._memory[name]
            return
        self.ds._check_writable()
        self.ds._core.delete_layer(name)
        self.ds._changed()

    def __delattr__(self, name: str) -> None:
        del self[name]

    def last_modified(self, name: Optional[str] = None) -> str:
        return self.ds._last_modified("layer", name)
