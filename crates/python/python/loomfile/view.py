"""Views: ``ds.view[rows, cols]`` (:class:`ViewManager`) gives a :class:`LoomView`, a
selection of the file held in memory: every layer, row and column attribute and graph
sliced the same way (graphs renumbered in the selection's order). Scans yield views too.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np

from . import _index
from .attributes import AttributeManager
from .graphs import GraphManager, slice_graph
from .layers import LayerManager, MemoryLoomLayer


class LoomView:
    """A selection of a loom file, in memory."""

    def __init__(
        self,
        layers: LayerManager,
        row_attrs: AttributeManager,
        col_attrs: AttributeManager,
        row_graphs: GraphManager,
        col_graphs: GraphManager,
        *,
        filename: str,
        file_attrs: Any,
    ) -> None:
        self.layers = layers
        self.ra = self.row_attrs = row_attrs
        self.ca = self.col_attrs = col_attrs
        self.row_graphs = row_graphs
        self.col_graphs = col_graphs
        self.attrs = file_attrs
        self.filename = filename

    @property
    def view(self) -> "ViewManager":
        """``view.view[rows, cols]``: a view of this view. Made on access rather than kept,
        so a view is not in a reference cycle: a scan's batch (and its arrays) is freed as
        soon as the caller lets go of it, not at the next garbage collection."""
        return ViewManager(self)

    @property
    def shape(self):
        for name in self.layers.keys():
            return self.layers[name].shape
        return (self.ra._length(), self.ca._length())

    def __repr__(self) -> str:
        return f"<LoomView {self.shape} of {self.filename}>"

    def __getitem__(self, thing: Any):
        if isinstance(thing, str):
            return self.layers[thing]
        return self.layers[""][thing]

    def permute(self, ordering: Any, *, axis: int) -> None:
        """Reorder rows (axis 0) or columns of every layer, attribute and graph."""
        o = np.asarray(ordering, dtype=np.int64)
        for name in self.layers.keys():
            self.layers[name].permute(o, axis=axis)
        attrs = self.ra if axis == 0 else self.ca
        attrs._permute(o)
        graphs = self.row_graphs if axis == 0 else self.col_graphs
        for name in graphs.keys():
            graphs._cache[name] = slice_graph(graphs[name], o)


class ViewManager:
    """``ds.view[rows, cols]``: a :class:`LoomView` of a selection."""

    def __init__(self, ds: Any) -> None:
        self.ds = ds

    def __getitem__(self, key: Any) -> LoomView:
        if not isinstance(key, tuple) or len(key) != 2:
            raise ValueError("a view takes two selections: ds.view[rows, cols]")
        n, m = self.ds.shape
        rows = _index.as_index_array(key[0], n)
        cols = _index.as_index_array(key[1], m)
        if isinstance(self.ds, LoomView):
            return _view_of_view(self.ds, rows, cols)
        return self.ds._view(rows, cols)


def _view_of_view(v: LoomView, rows: np.ndarray, cols: np.ndarray) -> LoomView:
    layers = LayerManager(
        None, {k: MemoryLoomLayer(k, v.layers[k].values[np.ix_(rows, cols)]) for k in v.layers.keys()}
    )
    return LoomView(
        layers,
        v.ra[rows],
        v.ca[cols],
        v.row_graphs[rows],
        v.col_graphs[cols],
        filename=v.filename,
        file_attrs=v.attrs,
    )


def build_view(
    ds: Any,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    row_sel: Any,
    col_sel: Any,
    layers: Optional[Sequence[str]],
    what: Sequence[str],
    attr_cache: Dict[str, Any],
) -> LoomView:
    """A view of ``rows`` x ``cols`` (index arrays; ``row_sel``/``col_sel`` the same as the
    engine reads them). ``attr_cache`` holds the attributes and graphs loaded once."""
    names = ds.layers.keys() if layers is None else list(layers)
    mem: Dict[str, MemoryLoomLayer] = {}
    if "layers" in what:
        for name in names:
            mem[name] = MemoryLoomLayer(name, ds._core.read(name, row_sel, col_sel))

    def attrs(kind: str, axis: int, idx: np.ndarray) -> AttributeManager:
        if kind not in what:
            return AttributeManager(None, axis=axis, values={})
        full = attr_cache.setdefault(kind, {k: v for k, v in (ds.ra if axis == 0 else ds.ca).items()})
        return AttributeManager(None, axis=axis, values={k: v[idx] for k, v in full.items()})

    def graphs(kind: str, axis: int, idx: np.ndarray) -> GraphManager:
        if kind not in what:
            return GraphManager(None, axis=axis, graphs={})
        full = attr_cache.setdefault(
            kind, {k: g for k, g in (ds.row_graphs if axis == 0 else ds.col_graphs).items()}
        )
        return GraphManager(None, axis=axis, graphs={k: slice_graph(g, idx) for k, g in full.items()})

    return LoomView(
        LayerManager(None, mem),
        attrs("row_attrs", 0, rows),
        attrs("col_attrs", 1, cols),
        graphs("row_graphs", 0, rows),
        graphs("col_graphs", 1, cols),
        filename=ds.filename,
        file_attrs=ds.attrs,
    )
