""":class:`LoomConnection`: an open loom file with loompy's interface.

Opening does not load data. ``mode="r"`` takes a shared lock and never writes (loompy
writes to legacy files even then in ``r+``, its default); ``mode="r+"`` takes the exclusive
lock and every change is one atomic commit. Locks are HDF5's, so h5py and loomfile exclude
each other as two h5py processes would.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from . import _core, _index, _values
from .attributes import AttributeManager, GlobalAttributeManager, MissingError
from .graphs import GraphManager, slice_graph
from .layers import LayerManager, LoomLayer, _reductions, sparse_parts
from .view import LoomView, ViewManager

DEFAULT_WHAT = ("col_attrs", "row_attrs", "layers", "col_graphs", "row_graphs")


def _mapping(obj: Any) -> Dict[str, Any]:
    """A dict, a manager (its values read) or None as a dict of name -> values."""
    if obj is None:
        return {}
    if isinstance(obj, (AttributeManager, GlobalAttributeManager, LayerManager)):
        return {k: obj[k] for k in obj.keys()}
    return dict(obj)


def _layer_input(value: Any):
    if isinstance(value, (LoomLayer,)):
        value = value[:, :]
    elif hasattr(value, "values") and hasattr(value, "permute") and not callable(value.values):
        value = value.values  # MemoryLoomLayer
    return sparse_parts(value)


class LoomConnection:
    """A connection to a loom file (use :func:`connect`, :func:`new`)."""

    def __init__(self, filename: str, mode: str = "r+", *, validate: bool = True, _core_file: Any = None) -> None:
        if mode not in ("r", "r+"):
            raise ValueError("Mode must be either 'r' or 'r+'")
        self.filename = os.fspath(filename)
        self._mode = mode
        if _core_file is None:
            if validate:
                _validate_or_raise(self.filename)
            _core_file = _core.File.open(self.filename, mode == "r+")
        self._core = _core_file
        self._from_new = False
        self.layers = self.layer = LayerManager(self)
        self.ra = self.row_attrs = AttributeManager(self, axis=0)
        self.ca = self.col_attrs = AttributeManager(self, axis=1)
        self.attrs = GlobalAttributeManager(self)
        self.row_graphs = GraphManager(self, axis=0)
        self.col_graphs = GraphManager(self, axis=1)
        self.view = ViewManager(self)

    # -- the file
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def closed(self) -> bool:
        return self._core.closed

    @property
    def shape(self) -> Tuple[int, int]:
        if self._core.closed:
            return (0, 0)
        return tuple(self._core.shape)

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.shape[0]} x {self.shape[1]}, mode {self._mode!r}"
        return f"<LoomConnection {self.filename!r} ({state})>"

    def _repr_html_(self) -> str:
        """The notebook display (loompy's ``to_html``): shape, layers, and the main matrix's
        10 x 10 corner with the column attributes above it and the row attributes beside it."""
        import html

        return f"<p>{html.escape(self.filename)}</p>" + self._core.summary()[1]

    def to_html(self) -> str:
        """The same table as the notebook display."""
        return self._repr_html_()

    def summary(self) -> str:
        """Shape, layers, attributes, graphs, global attributes and the main matrix's corner,
        as text."""
        return self._core.summary()[0]

    def close(self, suppress_warning: bool = False) -> None:
        """Commit and close; later calls do nothing."""
        self._core.close()

    def __enter__(self) -> "LoomConnection":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close()

    def _check_writable(self) -> None:
        if self._core.closed:
            raise ValueError("the loom file is closed")
        if self._mode != "r+":
            raise ValueError(f"{self.filename} is open read-only (mode 'r'); connect with mode='r+' to modify it")

    def _changed(self, keep_attrs: bool = False) -> None:
        """Forget cached values after a change of shape or order."""
        if not keep_attrs:
            self.ra._clear()
            self.ca._clear()
        self.row_graphs._clear()
        self.col_graphs._clear()

    # -- the main matrix and layers
    def __getitem__(self, thing: Any):
        if isinstance(thing, str):
            return self.layers[thing]
        return self.layers[""][thing]

    def __setitem__(self, thing: Any, value: Any) -> None:
        if isinstance(thing, str):
            self.layers[thing] = value
        else:
            self.layers[""][thing] = value

    def __delitem__(self, thing: str) -> None:
        del self.layers[thing]

    def sparse(self, rows: Any = None, cols: Any = None, layer: Optional[str] = None):
        """A layer (default the main matrix) as a ``scipy.sparse.coo_matrix``."""
        return self.layers["" if layer is None else layer].sparse(rows, cols)

    # -- views and scans
    def _view(self, rows: np.ndarray, cols: np.ndarray) -> LoomView:
        rsel = _index._as_range(rows.astype(np.uint64))
        csel = _index._as_range(cols.astype(np.uint64))
        mem = {
            name: _mem_layer(name, self._core.read(name, rsel, csel)) for name in self.layers.keys()
        }
        return LoomView(
            LayerManager(None, mem),
            AttributeManager(None, axis=0, values={k: v[rows] for k, v in self.ra.items()}),
            AttributeManager(None, axis=1, values={k: v[cols] for k, v in self.ca.items()}),
            GraphManager(None, axis=0, graphs={k: slice_graph(g, rows) for k, g in self.row_graphs.items()}),
            GraphManager(None, axis=1, graphs={k: slice_graph(g, cols) for k, g in self.col_graphs.items()}),
            filename=self.filename,
            file_attrs=self.attrs,
        )

    def scan(
        self,
        *,
        items: Any = None,
        axis: Optional[int] = None,
        layers: Optional[Sequence[str]] = None,
        key: Optional[str] = None,
        batch_size: int = 512,
        what: Sequence[str] = DEFAULT_WHAT,
    ) -> Iterator[Tuple[int, np.ndarray, LoomView]]:
        """Walk rows (``axis=0``) or columns in batches, yielding ``(ix, selection, view)``.

        Without ``items``, or with ``items`` in ascending order, batches are loompy's:
        windows ``ix = 0, b, 2b, ...`` of absolute positions, each with the items inside
        (empty windows skipped). ``items`` in any other order are kept in that order
        (loompy sorts them): batches of ``batch_size`` consecutive items, ``ix`` the offset
        of the batch in ``items``. ``items`` may be indices (a list or an array), a mask, or
        an int (start there). ``key`` orders the other axis by that attribute.
        """
        if axis not in (0, 1):
            raise ValueError("Axis must be given (0 = rows, 1 = cols)")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if isinstance(layers, str):
            layers = [layers]
        names = self.layers.keys() if layers is None else list(layers)
        for name in names:
            if name not in self.layers:
                raise KeyError(f"no layer {name!r}")
        if "layers" not in what:
            names = []
        n = self.shape[axis]
        other_n = self.shape[1 - axis]
        if items is None:
            idx = None
        elif isinstance(items, (int, np.integer)) and not isinstance(items, (bool, np.bool_)):
            idx = np.arange(int(items), n, dtype=np.int64)
        else:
            idx = _index.as_index_array(items, n)
        if key is not None:
            other_attrs = self.ca if axis == 0 else self.ra
            other_idx = np.argsort(other_attrs[key], kind="stable").astype(np.int64)
            other_sel: Any = _index._as_range(other_idx.astype(np.uint64))
        else:
            other_idx = np.arange(other_n, dtype=np.int64)
            other_sel = None
        # The other axis is the same in every batch: slice its attributes and graphs once.
        o_attrs_mgr = self.ca if axis == 0 else self.ra
        o_graphs_mgr = self.col_graphs if axis == 0 else self.row_graphs
        o_attr_kind = "col_attrs" if axis == 0 else "row_attrs"
        o_graph_kind = "col_graphs" if axis == 0 else "row_graphs"
        i_attr_kind = "row_attrs" if axis == 0 else "col_attrs"
        i_graph_kind = "row_graphs" if axis == 0 else "col_graphs"
        o_attrs = {k: v[other_idx] for k, v in o_attrs_mgr.items()} if o_attr_kind in what else {}
        o_graphs = (
            {k: slice_graph(g, other_idx) for k, g in o_graphs_mgr.items()} if o_graph_kind in what else {}
        )
        i_attrs_full = (self.ra if axis == 0 else self.ca).items() if i_attr_kind in what else []
        i_attrs_full = dict(i_attrs_full)
        i_graphs_full = (
            dict((self.row_graphs if axis == 0 else self.col_graphs).items()) if i_graph_kind in what else {}
        )

        # Arrays of earlier batches, per layer: one the caller no longer holds is decoded
        # into again rather than page-faulting a fresh one per batch.
        spent: Dict[str, List[np.ndarray]] = {name: [] for name in names}
        for ix, sel in _batches(idx, n, batch_size):
            item_sel = _index._as_range(sel.astype(np.uint64))
            rows, cols = (item_sel, other_sel) if axis == 0 else (other_sel, item_sel)
            shape = (sel.size, other_n) if axis == 0 else (other_n, sel.size)
            mem = {}
            for name in names:
                a = _unshared(spent[name], shape)
                if a is None:
                    a = self._core.read(name, rows, cols)
                else:
                    self._core.read_into(name, rows, cols, a)
                spent[name].append(a)
                del spent[name][:-_KEEP_SPENT]
                mem[name] = _mem_layer(name, a)
            i_attrs = AttributeManager(None, axis=axis, values={k: v[sel] for k, v in i_attrs_full.items()})
            i_graphs = GraphManager(None, axis=axis, graphs={k: slice_graph(g, sel) for k, g in i_graphs_full.items()})
            o_a = AttributeManager(None, axis=1 - axis, values=o_attrs)
            o_g = GraphManager(None, axis=1 - axis, graphs=o_graphs)
            if axis == 0:
                view = LoomView(LayerManager(None, mem), i_attrs, o_a, i_graphs, o_g,
                                filename=self.filename, file_attrs=self.attrs)
            else:
                view = LoomView(LayerManager(None, mem), o_a, i_attrs, o_g, i_graphs,
                                filename=self.filename, file_attrs=self.attrs)
            yield ix, sel, view

    def map(
        self,
        f_list: List[Any],
        *,
        axis: int = 0,
        chunksize: int = 1000,
        selection: Any = None,
        layer: str = "",
    ) -> List[np.ndarray]:
        """Apply each function to every row (``axis=0``) or column of a layer; returns one
        float64 array per function. numpy's mean, std, sum, min, max and count_nonzero are
        computed by the engine in one parallel pass; other functions get each row or column
        as an array (``selection``, a mask or indices over the other axis, restricts it)."""
        return self._map(layer, f_list, axis, chunksize, selection)

    def _map(self, layer: str, f_list: List[Any], axis: int, chunksize: int, selection: Any):
        if not isinstance(f_list, (list, tuple)):
            raise ValueError("f_list must be a list of functions, not a function")
        if axis not in (0, 1):
            raise ValueError("axis must be 0 (rows) or 1 (columns)")
        red = _reductions()
        if selection is None and f_list and all(_hashable(f) and f in red for f in f_list):
            st = self._core.stats(layer, axis)
            return [np.asarray(st[red[f]], dtype=np.float64) for f in f_list]
        n = self.shape[axis]
        other = None
        if selection is not None:
            other = _index._as_range(_index.as_index_array(selection, self.shape[1 - axis]).astype(np.uint64))
        out = [np.zeros(n, dtype=np.float64) for _ in f_list]
        for ix in range(0, n, max(1, chunksize)):
            end = min(n, ix + max(1, chunksize))
            if axis == 0:
                block = self._core.read(layer, (ix, end), other)
            else:
                block = self._core.read(layer, other, (ix, end)).T
            for j, f in enumerate(f_list):
                out[j][ix:end] = [f(block[i]) for i in range(block.shape[0])]
        return out

    def permute(self, ordering: Any, axis: int) -> None:
        """Reorder rows (``axis=0``) or columns on disk, everything together: position ``i``
        gets what was at ``ordering[i]``."""
        self._check_writable()
        o = np.asarray(ordering)
        if o.dtype == bool or not np.issubdtype(o.dtype, np.integer):
            raise ValueError("ordering must be integer indices")
        self._core.permute(np.ascontiguousarray(o, dtype=np.uint64), axis)
        self._changed()

    def aggregate(
        self,
        out_file: Optional[str] = None,
        select: Any = None,
        group_by: Any = "Clusters",
        aggr_by: str = "mean",
        aggr_ca_by: Optional[Dict[str, str]] = None,
        layer: str = "",
        aggr_ca_if_equal: bool = False,
    ):
        """Aggregate the columns by group (a column attribute name, or labels per column):
        a rows x groups float64 matrix, groups in the order of their sorted labels. Column
        attributes listed in ``aggr_ca_by`` are aggregated too (``"first"``, ``"mean"``,
        ``"tally"``, ``"mode"``); with ``aggr_ca_if_equal`` attributes constant within every
        group are kept. With ``out_file`` a loom file is created from the result (and the
        file's row attributes) and nothing is returned."""
        if select is not None:
            raise ValueError("The 'select' argument is deprecated")
        labels = np.asarray(self.ca[group_by] if isinstance(group_by, str) else group_by)
        if labels.shape != (self.shape[1],):
            raise ValueError(f"group_by must give one label per column ({self.shape[1]})")
        if isinstance(group_by, str) and labels.dtype.kind in "iuf":
            labels = labels.astype(int)
        uniq, inverse = np.unique(labels, return_inverse=True)
        m = self._core.aggregate(layer, inverse.astype(np.uint32), aggr_by)
        ca: Dict[str, np.ndarray] = {}
        for key, how in (aggr_ca_by or {}).items():
            if key not in self.ca:
                continue
            ca.update(_aggregate_attr(key, np.asarray(self.ca[key]), inverse, uniq.size, how))
        if aggr_ca_if_equal:
            for key in self.ca.keys():
                if aggr_ca_by and key in aggr_ca_by:
                    continue
                v = np.asarray(self.ca[key])
                if v.ndim != 1:
                    continue
                firsts = v[_first_index(inverse, uniq.size)]
                if np.all(v == firsts[inverse]):
                    ca[key] = firsts
        if out_file is not None:
            from . import create

            create(out_file, m, {k: self.ra[k] for k in self.ra.keys()}, ca)
            return None
        return m

    # -- appending
    def add_columns(
        self,
        layers: Any,
        col_attrs: Any,
        *,
        row_attrs: Any = None,
        fill_values: Any = None,
    ) -> None:
        """Append columns to every layer (one atomic commit). ``layers`` is a matrix (the main
        layer), a dict of matrices or a :class:`LayerManager`. Column attributes missing on
        one side are filled (zeros or empty text; ``fill_values`` a dict gives values), never
        deleted as loompy does; ``fill_values="drop"`` drops them explicitly."""
        self._check_writable()
        if isinstance(layers, LayerManager):
            layers = {k: layers[k] for k in layers.keys()}
        elif not isinstance(layers, dict):
            layers = {"": layers}
        if "" not in layers:
            raise ValueError("add_columns needs the main matrix (layer '')")
        lays = [(k, _layer_input(v)) for k, v in layers.items()]
        ca = [(k, _values.to_engine(v, scalar_ok=False)) for k, v in _mapping(col_attrs).items()]
        ra = [(k, _values.to_engine(v, scalar_ok=False)) for k, v in _mapping(row_attrs).items()]
        self._core.add_columns(lays, ca, ra, _fill(fill_values))
        self._changed()

    def add_loom(
        self,
        other_file: Any,
        key: Optional[str] = None,
        fill_values: Any = None,
        batch_size: int = 1000,
        convert_attrs: bool = False,
        include_graphs: bool = False,
    ) -> None:
        """Append the columns of another loom file, rows aligned by the row attribute
        ``key``. The other file is only read (loompy opens it read-write)."""
        self._check_writable()
        path = other_file.filename if isinstance(other_file, LoomConnection) else os.fspath(other_file)
        self._core.add_loom(path, key, _fill(fill_values), int(batch_size), bool(convert_attrs), bool(include_graphs))
        self._changed()
        self.attrs._clear()

    # -- timestamps
    def last_modified(self) -> str:
        """The file's ``last_modified`` timestamp (now, if it records none); never writes."""
        return self._core.last_modified() or _core.timestamp()

    def _last_modified(self, kind: str, name: Optional[str]) -> str:
        """The stamp of one object, or the newest of its kind (now when none is stamped;
        nothing is written, unlike loompy in r+ mode)."""
        if kind == "layer" and name is None:
            stamps = [self._core.stamp("layer", n) for n in self.layers.keys()]
        else:
            stamps = [self._core.stamp(kind, name)]
        if any(s is None for s in stamps) or not stamps:
            return _core.timestamp()
        return max(stamps)

    def get_changes_since(self, timestamp: str) -> Dict[str, List[str]]:
        """Names of the layers, attributes and graphs written after ``timestamp`` (or never
        stamped), by kind: ``{"layers", "row_attrs", "col_attrs", "row_graphs", "col_graphs"}``."""
        return self._core.changes_since(timestamp)


def _first_index(inverse: np.ndarray, k: int) -> np.ndarray:
    """The first column of each group."""
    return np.unique(inverse, return_index=True)[1]


def _aggregate_attr(key: str, v: np.ndarray, inverse: np.ndarray, k: int, how: str) -> Dict[str, np.ndarray]:
    """A column attribute aggregated by group (loompy's ``aggr_ca_by``)."""
    if how == "first":
        return {key: v[_first_index(inverse, k)]}
    if how == "mean":
        sums = np.zeros(k)
        np.add.at(sums, inverse, v.astype(np.float64))
        return {key: sums / np.bincount(inverse, minlength=k)}
    if how == "tally":
        out = {}
        for val in np.unique(v):
            name = f"{key}_{val}".replace("/", "-").replace(".", "_")
            out[name] = np.bincount(inverse, weights=(v == val).astype(np.float64), minlength=k).astype(np.int64)
        return out
    if how == "mode":
        out = np.empty(k, dtype=v.dtype)
        for g in range(k):
            vals, counts = np.unique(v[inverse == g], return_counts=True)
            out[g] = vals[np.argmax(counts)]
        return {key: out}
    raise ValueError(f"column attribute aggregation {how!r} is not supported (first, mean, tally, mode)")


def _hashable(f: Any) -> bool:
    try:
        hash(f)
        return True
    except TypeError:
        return False


# Earlier batch arrays kept per layer for reuse (the caller usually holds the last one).
_KEEP_SPENT = 3


def _refs(arrays: List[np.ndarray], i: int) -> int:
    return sys.getrefcount(arrays[i])


# What `_refs` reports for an array that only its list holds (measured, not assumed: the
# interpreter's own count of temporary references varies between versions).
_ALONE = _refs([np.empty(1)], 0)


def _unshared(arrays: List[np.ndarray], shape: Tuple[int, int]) -> Optional[np.ndarray]:
    """Take from ``arrays`` one of ``shape`` that nothing else references (no view, no
    slice, no other name): overwriting it cannot change anything the caller can see.
    float16 arrays are never reused (the engine reads them as float32)."""
    for i in range(len(arrays)):
        a = arrays[i]
        if a.shape == shape and a.dtype != np.float16 and a.flags.writeable and a.flags.c_contiguous:
            del a
            if _refs(arrays, i) <= _ALONE:
                return arrays.pop(i)
        else:
            del a
    return None


def _mem_layer(name: str, a: np.ndarray):
    from .layers import MemoryLoomLayer

    return MemoryLoomLayer(name, a)


def _batches(idx: Optional[np.ndarray], n: int, b: int):
    """``(ix, items)`` per batch (see :meth:`LoomConnection.scan`)."""
    if idx is None:
        for ix in range(0, n, b):
            yield ix, np.arange(ix, min(n, ix + b), dtype=np.int64)
        return
    if idx.size == 0:
        return
    if idx.size == 1 or np.all(np.diff(idx) >= 0):
        windows = np.unique(idx // b)
        for w in windows.tolist():
            lo = np.searchsorted(idx, w * b, side="left")
            hi = np.searchsorted(idx, (w + 1) * b, side="left")
            yield w * b, idx[lo:hi]
        return
    for off in range(0, idx.size, b):
        yield off, idx[off:off + b]


def _fill(fill_values: Any):
    if fill_values is None or isinstance(fill_values, str):
        return fill_values
    return [(k, _values.to_engine(v, scalar_ok=True)) for k, v in dict(fill_values).items()]


def _validate_or_raise(path: str) -> None:
    errors, _ = _core.validate(path)
    if errors:
        raise ValueError(
            f"{path} does not appear to be a valid Loom file:\n" + "\n".join(f"  {e}" for e in errors)
        )
