"""Row and column graphs (``ds.row_graphs``, ``ds.col_graphs``): ``scipy.sparse.coo_matrix``
adjacency matrices stored as edge lists.

Selections keep the edges whose two ends are selected, renumbered in the *selection's*
order (loompy renumbers by sorted index, and its slicing needs ``np.in1d``, which numpy 2.4
removed).
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from . import _index
from .attributes import MissingError


def slice_graph(g: Any, sel: np.ndarray):
    """The subgraph on the vertices ``sel`` (in that order; repeats allowed)."""
    import scipy.sparse as sp

    g = sp.coo_matrix(g)
    n = g.shape[0]
    sel = np.asarray(sel, dtype=np.int64)
    if np.unique(sel).size == sel.size:
        pos = np.full(n, -1, dtype=np.int64)
        pos[sel] = np.arange(sel.size)
        a, b = pos[g.row], pos[g.col]
        keep = (a >= 0) & (b >= 0)
        return sp.coo_matrix((g.data[keep], (a[keep], b[keep])), shape=(sel.size, sel.size))
    # Repeated vertices: every copy of each end.
    where: Dict[int, List[int]] = {}
    for i, v in enumerate(sel.tolist()):
        where.setdefault(v, []).append(i)
    rows, cols, data = [], [], []
    for r, c, w in zip(g.row.tolist(), g.col.tolist(), g.data.tolist()):
        for x in where.get(r, ()):
            for y in where.get(c, ()):
                rows.append(x)
                cols.append(y)
                data.append(w)
    return sp.coo_matrix((np.asarray(data, dtype=g.dtype), (rows, cols)), shape=(sel.size, sel.size))


class GraphManager:
    """Graphs over rows (axis 0) or columns (axis 1) of a file or of a view."""

    def __init__(self, ds: Any, *, axis: int, graphs: Optional[Dict[str, Any]] = None) -> None:
        object.__setattr__(self, "ds", ds)
        object.__setattr__(self, "axis", axis)
        object.__setattr__(self, "_memory", graphs is not None)
        object.__setattr__(self, "_cache", dict(graphs) if graphs is not None else {})

    def keys(self) -> List[str]:
        if self._memory:
            return list(self._cache.keys())
        return self.ds._core.graph_names(self.axis)

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
        return f"<GraphManager axis={self.axis} {self.keys()}>"

    def _clear(self) -> None:
        if not self._memory:
            self._cache.clear()

    def _load(self, name: str):
        import scipy.sparse as sp

        if name in self._cache:
            return self._cache[name]
        if self._memory:
            raise MissingError(f"no graph {name!r}")
        try:
            a, b, w = self.ds._core.graph(self.axis, name)
        except KeyError:
            raise MissingError(f"no graph {name!r}") from None
        n = self.ds.shape[self.axis]
        g = sp.coo_matrix((w, (a, b)), shape=(n, n))
        self._cache[name] = g
        return g

    def __getitem__(self, thing: Any):
        if isinstance(thing, str):
            return self._load(thing)
        if isinstance(thing, tuple):
            for n in thing:
                if n in self:
                    return self._load(n)
            raise MissingError(f"none of the graphs {list(thing)} exists")
        n = self._length()
        idx = _index.as_index_array(thing, n)
        return GraphManager(None, axis=self.axis, graphs={k: slice_graph(self[k], idx) for k in self.keys()})

    def _length(self) -> int:
        if self._memory:
            for g in self._cache.values():
                return g.shape[0]
            return 0
        return self.ds.shape[self.axis]

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._load(name)

    def __setitem__(self, name: str, g: Any) -> None:
        import scipy.sparse as sp

        if "/" in name:
            raise ValueError("graph names cannot contain '/'")
        g = sp.coo_matrix(g)
        if self._memory:
            self._cache[name] = g
            return
        ds = self.ds
        ds._check_writable()
        n = ds.shape[self.axis]
        if g.shape != (n, n):
            raise ValueError(f"graph {name!r} has shape {g.shape}; expected ({n}, {n})")
        ds._core.set_graph(
            self.axis,
            name,
            g.row.astype(np.uint64),
            g.col.astype(np.uint64),
            g.data.astype(np.float64),
        )
        self._cache.pop(name, None)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delitem__(self, name: str) -> None:
        if self._memory:
            del self._cache[name]
            return
        self.ds._check_writable()
        try:
            self.ds._core.delete_graph(self.axis, name)
        except KeyError:
            raise MissingError(f"no graph {name!r}") from None
        self._cache.pop(name, None)

    def __delattr__(self, name: str) -> None:
        del self[name]

    def last_modified(self, name: Optional[str] = None) -> str:
        return self.ds._last_modified("row_graphs" if self.axis == 0 else "col_graphs", name)
