"""Attribute and global values on their way to the engine, and back.

What goes in: numpy arrays of numbers (kept in their dtype), bools (stored as uint8, as
loompy does), text (variable-length UTF-8, every character kept; bytes are decoded as UTF-8,
not stringified as loompy does). Lists, tuples, ``np.matrix`` and scipy sparse vectors are
accepted. What comes out: numpy arrays; text as object arrays of ``str``; compound records
(SCope-style embeddings) as numpy structured arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NUMERIC = {
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
}


def _text(x: Any) -> str:
    if isinstance(x, (bytes, np.bytes_)):
        return bytes(x).decode("utf-8", errors="surrogateescape")
    return str(x)


def to_engine(value: Any, *, scalar_ok: bool):
    """A Python value as the engine takes it: a numpy array of a numeric/bool dtype, or
    ``("str", flat list, shape)``."""
    if value is None:
        raise ValueError("None cannot be stored as a loom attribute")
    try:
        import scipy.sparse as sp

        if sp.issparse(value):
            value = value.toarray()
    except ImportError:  # pragma: no cover - scipy is a dependency
        pass
    if isinstance(value, np.matrix):
        value = np.asarray(value)
        if value.ndim == 2 and 1 in value.shape:
            value = value.ravel()
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        arr = np.array(_text(value), dtype=object)
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        arr = np.asarray(value)
        if arr.dtype.kind in "US":
            arr = arr.astype(object)
    if arr.ndim == 0 and not scalar_ok:
        raise ValueError("attribute values must be arrays (one value per row or column), not a scalar")
    kind = arr.dtype.kind
    if kind == "b":
        return np.ascontiguousarray(arr)
    if kind in "iuf" and arr.dtype.name in NUMERIC:
        return np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("="), copy=False))
    if kind in "USO":
        flat = [_text(x) for x in arr.reshape(-1)]
        return ("str", flat, list(arr.shape))
    if kind == "c":
        raise ValueError("complex values cannot be stored in a loom file")
    raise ValueError(f"values of dtype {arr.dtype} cannot be stored in a loom file")


def from_engine(value: Any):
    """An engine value as numpy: compound records become a structured array."""
    if isinstance(value, list):
        names = [n for n, _ in value]
        arrays = [a for _, a in value]
        if not arrays:
            return np.zeros(0)
        shape = arrays[0].shape[: max(0, arrays[0].ndim)]
        dtype = [(n, a.dtype, a.shape[len(shape):]) for n, a in zip(names, arrays)]
        out = np.empty(shape, dtype=dtype)
        for n, a in zip(names, arrays):
            out[n] = a
        return out
    return value


def scalar(value: Any):
    """A 0-d array as a numpy scalar (loompy returns globals as scalars)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value
