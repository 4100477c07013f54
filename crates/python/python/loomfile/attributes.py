"""Row and column attributes (``ds.ra``, ``ds.ca``: :class:`AttributeManager`) and global
attributes (``ds.attrs``: :class:`GlobalAttributeManager`).

Both read lazily and cache what they read (so, as in loompy, editing a returned array in
place does not change the file: assign the whole array). Unlike loompy: text comes back
exactly as stored (no dropped non-ASCII characters, no HTML unescaping of spec-3 text),
any number of names can be stacked (``ds.ca["PCA1", "PCA2", "PCA3"]``), lists of strings can
be globals, ``del ds.attrs["X"]`` works, and a missing name raises an error that is both a
``KeyError`` and an ``AttributeError``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from . import _index, _values


class MissingError(KeyError, AttributeError):
    """A name that does not exist (catchable as KeyError or AttributeError)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AttributeManager:
    """Row (axis 0) or column (axis 1) attributes of a file or of a view."""

    def __init__(self, ds: Any, *, axis: int, values: Optional[Dict[str, np.ndarray]] = None) -> None:
        object.__setattr__(self, "ds", ds)
        object.__setattr__(self, "axis", axis)
        object.__setattr__(self, "_memory", values is not None)
        object.__setattr__(self, "_cache", dict(values) if values is not None else {})

    @property
    def _kind(self) -> str:
        return "row attribute" if self.axis == 0 else "column attribute"

    # -- names
    def keys(self) -> List[str]:
        if self._memory:
            return list(self._cache.keys())
        return self.ds._core.attr_names(self.axis)

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
        return f"<AttributeManager axis={self.axis} {self.keys()}>"

    def _clear(self) -> None:
        if not self._memory:
            self._cache.clear()

    # -- reading
    def _load(self, name: str) -> np.ndarray:
        if name in self._cache:
            return self._cache[name]
        if self._memory:
            raise MissingError(f"no {self._kind} {name!r}")
        try:
            v = _values.from_engine(self.ds._core.attr(self.axis, name))
        except KeyError:
            raise MissingError(f"no {self._kind} {name!r}") from None
        if isinstance(v, str):
            v = np.array([v], dtype=object)
        self._cache[name] = v
        return v

    def __getitem__(self, thing: Any):
        if isinstance(thing, str):
            return self._load(thing)
        if isinstance(thing, tuple):
            present = [self._load(n) for n in thing if n in self]
            if not present:
                raise MissingError(f"none of the {self._kind}s {list(thing)} exists")
            if len(present) == 1:
                return present[0]
            if any(a.ndim != 1 for a in present):
                raise ValueError("only 1-D attributes can be stacked")
            if len({a.dtype for a in present}) > 1:
                raise ValueError("cannot stack attributes of different types")
            return np.column_stack(present)
        # A selection of every attribute (slice, indices, mask): an in-memory manager.
        n = self._length()
        idx = _index.as_index_array(thing, n)
        return AttributeManager(None, axis=self.axis, values={k: self[k][idx] for k in self.keys()})

    def _length(self) -> int:
        if self._memory:
            for v in self._cache.values():
                return len(v)
            return 0
        return self.ds.shape[self.axis]

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._load(name)

    def get(self, name: str, default: Any = None):
        """The attribute, or ``default`` when it does not exist."""
        if name in self:
            return self[name]
        return default

    # -- writing
    def __setitem__(self, name: str, value: Any) -> None:
        if not isinstance(name, str):
            raise TypeError("attribute names are strings")
        if "/" in name:
            raise ValueError("attribute names cannot contain '/'")
        if self._memory:
            self._cache[name] = np.asarray(value)
            return
        self.ds._check_writable()
        self.ds._core.set_attr(self.axis, name, _values.to_engine(value, scalar_ok=False))
        self._cache.pop(name, None)
        self.ds._changed(keep_attrs=True)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delitem__(self, name: str) -> None:
        if self._memory:
            del self._cache[name]
            return
        self.ds._check_writable()
        try:
            self.ds._core.delete_attr(self.axis, name)
        except KeyError:
            raise MissingError(f"no {self._kind} {name!r}") from None
        self._cache.pop(name, None)
        self.ds._changed(keep_attrs=True)

    def __delattr__(self, name: str) -> None:
        del self[name]

    def last_modified(self, name: Optional[str] = None) -> str:
        return self.ds._last_modified("row_attrs" if self.axis == 0 else "col_attrs", name)

    def _permute(self, ordering: np.ndarray) -> None:
        for k in list(self._cache):
            self._cache[k] = self._cache[k][ordering]


class GlobalAttributeManager:
    """Global attributes (``ds.attrs``): scalars or arrays of numbers or text."""

    def __init__(self, ds: Any) -> None:
        object.__setattr__(self, "ds", ds)
        object.__setattr__(self, "_cache", {})

    def keys(self) -> List[str]:
        return self.ds._core.global_names()

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
        return f"<GlobalAttributeManager {self.keys()}>"

    def _clear(self) -> None:
        self._cache.clear()

    def __getitem__(self, name: str):
        if name in self._cache:
            return self._cache[name]
        try:
            v = self.ds._core.global_value(name)
        except KeyError:
            raise MissingError(f"File has no global attribute '{name}'") from None
        v = _values.scalar(_values.from_engine(v))
        self._cache[name] = v
        return v

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def get(self, name: str, default: Any = None):
        try:
            return self[name]
        except KeyError:
            return default

    def __setitem__(self, name: str, value: Any) -> None:
        if "/" in name:
            raise ValueError("attribute names cannot contain '/'")
        self.ds._check_writable()
        if isinstance(value, bool):
            value = np.uint8(value)
        elif isinstance(value, int) and not isinstance(value, np.integer):
            value = np.int64(value)
        elif isinstance(value, float):
            value = np.float64(value)
        self.ds._core.set_global(name, _values.to_engine(value, scalar_ok=True))
        self._cache.pop(name, None)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delitem__(self, name: str) -> None:
        self.ds._check_writable()
        try:
            self.ds._core.delete_global(name)
        except KeyError:
            raise MissingError(f"File has no global attribute '{name}'") from None
        self._cache.pop(name, None)

    def __delattr__(self, name: str) -> None:
        del self[name]
