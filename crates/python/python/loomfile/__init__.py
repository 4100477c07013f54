"""loomfile: Loom files with loompy's API, on a pure-Rust engine.

``import loomfile as loompy`` runs loompy code: :func:`connect`, :func:`new`, :func:`create`,
:func:`combine`, :func:`combine_faster`, :func:`combine_rows`, :func:`create_from_cellranger`, :func:`create_from_tsv`,
:func:`create_from_matrix_market` and :class:`LoomConnection` (layers, ``ra``,
``ca``, ``attrs``, graphs, views, ``scan``, ``map``, ``sparse``, ``add_columns``,
``add_loom``, ``permute``, ``aggregate``). No libhdf5 or h5py is needed: the engine reads
and writes HDF5 itself, decodes in parallel and releases the GIL while it works. Results are
numpy arrays in the layer's dtype and scipy sparse matrices.

Where loompy is wrong, loomfile is not: text is returned exactly as stored, ``connect``
defaults to ``r+`` like loompy but ``mode="r"`` never writes, ``add_columns`` never deletes
attributes, scans keep the order of ``items``, graphs slice in the selection's order, and
every write is one atomic commit (a killed process leaves the old file or the new one).

For data larger than one machine: :mod:`loomfile.dask` (``from_loom``), and ``loom refs``
(the command-line tool) for zarr/kerchunk readers.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import _core, _values
from .attributes import AttributeManager, GlobalAttributeManager, MissingError
from .connection import LoomConnection
from .graphs import GraphManager
from .layers import LayerManager, LoomLayer, MemoryLoomLayer
from .view import LoomView, ViewManager

__version__ = _core.ENGINE_VERSION
loom_spec_version = "3.0.0"

__all__ = [
    "AttributeManager", "GlobalAttributeManager", "GraphManager", "LayerManager", "LoomConnection",
    "LoomLayer", "LoomValidator", "LoomView", "MemoryLoomLayer", "MissingError", "ViewManager",
    "combine", "combine_faster", "combine_rows", "connect", "create", "create_from_cellranger", "create_from_matrix_market",
    "create_from_tsv", "new", "timestamp", "to_html",
    "loom_spec_version", "__version__",
]


def to_html(ds: Any) -> str:
    """loompy's ``to_html``: the 10 x 10 corner of a connection or a view, column attributes
    above it and row attributes beside it (text escaped, unlike loompy)."""
    if isinstance(ds, LoomConnection):
        return ds.to_html()
    import html

    import numpy as np

    n, m = ds.shape
    r, c = min(n, 10), min(m, 10)
    esc = lambda x: html.escape(str(x))  # noqa: E731
    ras = [k for k in ds.ra.keys() if np.ndim(ds.ra[k]) == 1]
    out = [f"<p>{n} rows x {m} columns</p><table>"]
    for k in ds.ca.keys():
        if np.ndim(ds.ca[k]) == 1:
            cells = "".join(f"<td>{esc(v)}</td>" for v in ds.ca[k][:c])
            out.append("<tr>" + "<td></td>" * max(len(ras) - 1, 0) + f"<th>{esc(k)}</th>{cells}</tr>")
    out.append("<tr>" + "".join(f"<th>{esc(k)}</th>" for k in ras) + "</tr>")
    corner = ds[:r, :c] if "" in ds.layers.keys() else np.zeros((0, 0))
    for i in range(corner.shape[0]):
        lead = "".join(f"<td>{esc(ds.ra[k][i])}</td>" for k in ras)
        out.append("<tr>" + lead + "".join(f"<td>{esc(v)}</td>" for v in corner[i]) + "</tr>")
    out.append("</table>")
    return "".join(out)


def timestamp() -> str:
    """Now, as loompy writes timestamps (``%Y%m%dT%H%M%S.%fZ``, UTC)."""
    return _core.timestamp()


def connect(filename: Any, mode: str = "r+", *, validate: bool = True, spec_version: str = "3.0.0") -> LoomConnection:
    """Open a loom file. ``mode`` is ``"r+"`` (read-write, loompy's default) or ``"r"``
    (read-only: shared lock, nothing is ever written). With ``validate`` the file is checked
    against the loom spec first (ValueError listing the problems)."""
    if mode not in ("r", "r+"):
        raise ValueError("Mode must be either 'r' or 'r+'")
    filename = os.path.expanduser(os.fspath(filename))
    if not os.path.exists(filename):
        raise IOError(f"File '{filename}' not found")
    return LoomConnection(filename, mode, validate=validate)


def _file_attrs(file_attrs: Optional[Dict[str, Any]]):
    out = []
    for k, v in (file_attrs or {}).items():
        if v is None:
            v = "None"  # as loompy
        if isinstance(v, bool):
            v = np.uint8(v)
        elif isinstance(v, int) and not isinstance(v, np.integer):
            v = np.int64(v)
        elif isinstance(v, float):
            v = np.float64(v)
        out.append((k, _values.to_engine(v, scalar_ok=True)))
    return out


def new(filename: Any, *, file_attrs: Optional[Dict[str, Any]] = None) -> LoomConnection:
    """Start an empty loom file (replacing any file there) and return a read-write
    connection; fill it with ``add_columns`` or ``ds.layers[""] = ...``. The file appears at
    ``filename`` complete when the connection is closed."""
    filename = os.path.expanduser(os.fspath(filename))
    core = _core.File.new(filename, _file_attrs(file_attrs))
    ds = LoomConnection(filename, "r+", validate=False, _core_file=core)
    ds._from_new = True
    return ds


def create(
    filename: Any,
    layers: Any,
    row_attrs: Any,
    col_attrs: Any,
    *,
    file_attrs: Optional[Dict[str, Any]] = None,
) -> None:
    """Create a loom file from a main matrix (or a dict of layers with ``""``), row and
    column attributes, atomically: on any error no file appears (an existing one is kept)."""
    from .connection import _mapping

    if isinstance(layers, LayerManager):
        layers = {k: layers[k][:, :] for k in layers.keys()}
    if not isinstance(layers, dict):
        layers = {"": layers}
    if "" not in layers:
        raise ValueError("the layers must include the main matrix ''")
    main = layers[""]
    if getattr(main, "shape", (0, 0))[0] == 0 or getattr(main, "shape", (0, 0))[1] == 0:
        raise ValueError("the main matrix must not be empty")
    for k, v in layers.items():
        if getattr(v, "shape", None) != getattr(main, "shape", None):
            raise ValueError(f"layer {k!r} has shape {getattr(v, 'shape', None)}, the main matrix {main.shape}")
    filename = os.path.expanduser(os.fspath(filename))
    ds = new(filename, file_attrs=file_attrs)
    try:
        ds.layers[""] = main
        for k, v in layers.items():
            if k != "":
                ds.layers[k] = v
        for k, v in _mapping(row_attrs).items():
            ds.ra[k] = v
        for k, v in _mapping(col_attrs).items():
            ds.ca[k] = v
    except BaseException:
        ds._core.discard()
        raise
    ds.close()


def combine(
    files: Sequence[Any],
    output_file: Any,
    key: Optional[str] = None,
    file_attrs: Optional[Dict[str, Any]] = None,
    batch_size: int = 1000,
    convert_attrs: bool = False,
    *,
    fill_values: Any = None,
    include_graphs: bool = False,
) -> None:
    """Concatenate loom files along columns into a new file (rows aligned by the row
    attribute ``key``). The inputs are only read; the output appears when complete."""
    _core.combine(
        [os.fspath(f) for f in files],
        os.fspath(output_file),
        key,
        _file_attrs(file_attrs),
        int(batch_size),
        bool(convert_attrs),
        fill_values if fill_values is None or isinstance(fill_values, str)
        else [(k, _values.to_engine(v, scalar_ok=True)) for k, v in dict(fill_values).items()],
        bool(include_graphs),
    )


def combine_faster(
    files: Sequence[Any],
    output_file: Any,
    file_attrs: Optional[Dict[str, Any]] = None,
    selections: Optional[Sequence[Any]] = None,
    key: Optional[str] = None,
    skip_attrs: Optional[Sequence[str]] = None,
) -> None:
    """loompy's ``combine_faster``: the columns ``selections[i]`` (a boolean mask or
    indices; ``None`` for all) of each file, column attributes in ``skip_attrs`` left out.
    Unlike loompy, rows keep the first file's order (aligned by ``key`` when given) and a
    layer missing from some file is left out rather than written as zeros."""
    sels = None
    if selections is not None:
        if len(selections) != len(files):
            raise ValueError(f"{len(selections)} selections for {len(files)} files")
        sels = []
        for s in selections:
            if s is None:
                sels.append(None)
                continue
            a = np.asarray(s)
            idx = np.flatnonzero(a) if a.dtype == bool else a.astype(np.int64).ravel()
            if idx.size and idx.min() < 0:
                raise ValueError("selections hold negative column indices")
            sels.append([int(i) for i in idx])
    _core.combine(
        [os.fspath(f) for f in files],
        os.fspath(output_file),
        key,
        _file_attrs(file_attrs),
        512,
        False,
        None,
        False,
        sels,
        list(skip_attrs or []),
    )


def combine_rows(
    files: Sequence[Any],
    output_file: Any,
    key: Optional[str] = None,
    file_attrs: Optional[Dict[str, Any]] = None,
    *,
    fill_values: Any = None,
) -> None:
    """Stack files that hold different genes of the same cells into a new file, row-wise
    (loompy has no such function). Columns follow the first file, the others aligned to it
    by the column attribute ``key`` (without a key they must already be in the same order);
    layers present in every file are kept, type-promoted; row attributes missing from some
    file are filled; streaming, the output appears when complete."""
    _core.combine_rows(
        [os.fspath(f) for f in files],
        os.fspath(output_file),
        key,
        _file_attrs(file_attrs),
        fill_values if fill_values is None or isinstance(fill_values, str)
        else [(k, _values.to_engine(v, scalar_ok=True)) for k, v in dict(fill_values).items()],
    )


def create_from_cellranger(
    indir: Any,
    outdir: Any = None,
    genome: Optional[str] = None,
    file_attrs: Optional[Dict[str, Any]] = None,
    selected_cellids: Optional[Sequence[str]] = None,
) -> str:
    """Import a Cell Ranger output folder (2.x or 3+, streaming, never dense) to
    ``<outdir>/<sampleid>.loom`` and return that path. ``selected_cellids`` (``CellID``
    values, ``"<sampleid>:<barcode>"``) keeps only those cells (loompy ignores it)."""
    indir = os.fspath(indir)
    sampleid = os.path.basename(os.path.normpath(indir))
    outdir = indir if outdir is None else os.fspath(outdir)
    out = os.path.join(outdir, sampleid + ".loom")
    if selected_cellids is None:
        _core.import_cellranger(indir, out, genome, sampleid, _file_attrs(file_attrs))
        return out
    with tempfile.TemporaryDirectory(dir=outdir) as tmp:
        full = os.path.join(tmp, "all.loom")
        _core.import_cellranger(indir, full, genome, sampleid, _file_attrs(file_attrs))
        with connect(full, "r", validate=False) as ds:
            keep = np.flatnonzero(np.isin(ds.ca.CellID, np.asarray(list(selected_cellids), dtype=object)))
        _core.subset(full, out, None, keep.astype(np.uint64))
    return out


def create_from_tsv(
    out_file: Any,
    tsv_file: Any,
    row_metadata_loomfile: Any = None,
    row_metadata_attr: str = "Accession",
    delim: str = "\t",
    dtype: str = "float32",
    sample_id: str = "",
    file_attrs: Optional[Dict[str, Any]] = None,
    col_metadata_tsv: Any = None,
    metadata_delim: str = "\t",
) -> None:
    """loompy's ``create_from_tsv``, streaming (the matrix is never held whole): genes from
    ``row_metadata_loomfile`` when given (matched by ``row_metadata_attr``), cell ids
    prefixed by ``sample_id``, cell attributes from ``col_metadata_tsv``. Prints loompy's
    summary line. Unlike loompy, metadata columns of numbers are stored as numbers."""
    warnings = _core.create_from_tsv(
        os.fspath(out_file), os.fspath(tsv_file),
        None if row_metadata_loomfile is None else os.fspath(row_metadata_loomfile),
        row_metadata_attr, delim, str(np.dtype(dtype)), sample_id, _file_attrs(file_attrs),
        None if col_metadata_tsv is None else os.fspath(col_metadata_tsv), metadata_delim,
    )
    for w in warnings:
        print(w)


def create_from_matrix_market(
    out_file: Any,
    sample_id: str,
    layer_paths: Dict[str, Any],
    row_metadata_path: Any,
    column_metadata_path: Any,
    delim: str = "\t",
    skip_row_headers: bool = False,
    skip_colums_headers: bool = False,
    file_attrs: Optional[Dict[str, Any]] = None,
    matrix_transposed: bool = False,
) -> None:
    """loompy's ``create_from_matrix_market``, streaming: one layer per ``.mtx`` file (the
    main layer ``""`` is the sum of the others when not given). Unlike loompy, ``delim`` and
    the header-skipping flags are honoured (loompy ignores them; its misspelt
    ``skip_colums_headers`` keyword is kept)."""
    _core.create_from_matrix_market(
        os.fspath(out_file), sample_id, [(k, os.fspath(v)) for k, v in layer_paths.items()],
        os.fspath(row_metadata_path), os.fspath(column_metadata_path), delim,
        bool(skip_row_headers), bool(skip_colums_headers), _file_attrs(file_attrs),
        bool(matrix_transposed),
    )


class LoomValidator:
    """Check files against the loom spec (``strictness="conventions"`` adds loompy's naming
    conventions). ``validate`` returns True when valid and fills ``errors``/``warnings``."""

    def __init__(self, version: Optional[str] = None) -> None:
        self.version = version
        self.errors: List[str] = []
        self.warnings: List[str] = []
        self.summary: List[str] = []

    def validate(self, path: Any, strictness: str = "speconly") -> bool:
        self.errors, self.warnings = _core.validate(os.fspath(path), strictness == "conventions")
        return not self.errors
