"""h5py-level truth about a loom file, in the canonical JSON form the Rust tests also produce
(crates/cli/tests/loomcanon/mod.rs), so that the two can be compared value by value.

Canonical form of a file:
    {"spec": "3.0.0" | null, "shape": [n, m],
     "layers": {name: {"dtype": word, "data": [[...], ...]}},          # "" = /matrix
     "row_attrs": {name: {"dtype": word, "shape": [...], "values": nested}},
     "col_attrs": {...},
     "row_graphs": {name: {"a": [int...], "b": [int...], "w": [float...]}},  # + legacy *_edges
     "col_graphs": {...},
     "globals": {name: {"dtype": word, "shape": [...], "values": nested}}}

Values: integers as JSON integers; floats as "f:<16 hex digits of the float64 bits>" (float32
and float16 widened exactly), NaN as "f:nan"; bools as true/false; enums as their integers;
compounds as {field: values}; strings as text. Dtype words are those of `loom info`
(numeric names, "string", "bool", "enum", "compound").

The text of a string is the raw bytes h5py returns (vlen: the heap bytes; fixed: numpy's
bytes, trailing NULs removed) decoded as UTF-8; in spec-2 and legacy files XML numeric
character references and the five XML entities are then decoded (the spec's rule). This is
what a correct reader returns. What loompy 3.0.8 returns instead is `loompy_text(raw)`:
the bytes decoded as ASCII with non-ASCII bytes *dropped*, then `html.unescape`d (in every
spec version) -- see loom-spec.md section 1.7.
"""
import html
import re
import struct

import h5py
import numpy as np

_REF = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_ENT = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def xml_unescape(s):
    def sub(m):
        body = m.group(1)
        if body in _ENT:
            return _ENT[body]
        try:
            cp = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
            return chr(cp)
        except (ValueError, OverflowError):
            return m.group(0)
    return _REF.sub(sub, s)


def loompy_text(raw):
    """What loompy 3.0.8 returns for stored string bytes `raw` (h5py >= 3)."""
    return html.unescape(raw.decode("ascii", "ignore"))


def fbits(x):
    x = float(x)
    if x != x:
        return "f:nan"
    return "f:" + struct.pack(">d", x).hex()


def raw_bytes(x):
    if isinstance(x, (bytes, np.bytes_)):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("utf-8")
    raise TypeError(f"not a string element: {type(x)}")


def dtype_word(dt):
    if dt.names or dt.kind == "c":          # h5py maps an HDF5 compound {r, i} to complex
        return "compound"
    if dt.kind == "b":
        return "bool"
    if h5py.check_enum_dtype(dt) is not None:
        return "enum"
    if dt.kind in "SU" or h5py.check_string_dtype(dt) is not None:
        return "string"
    return dt.name


def values(arr, dt, legacy):
    """Canonical nested values of a numpy array (or scalar) of dtype `dt`."""
    if dt.names:
        return {name: values(arr[name], dt.fields[name][0], legacy) for name in dt.names}
    if dt.kind == "c":                      # stored as the compound {r, i}
        part = np.dtype(f"f{dt.itemsize // 2}")
        a = np.asarray(arr)
        return {"r": values(a.real, part, legacy), "i": values(a.imag, part, legacy)}
    if dt.subdtype is not None:                       # array member of a compound
        return values(arr, dt.subdtype[0], legacy)
    a = np.asarray(arr)
    word = dtype_word(dt)

    def elem(x):
        if word == "string":
            s = raw_bytes(x).decode("utf-8")
            return xml_unescape(s) if legacy else s
        if word == "bool":
            return bool(x)
        if word == "enum" or dt.kind in "iu":
            return int(x)
        if dt.kind == "f":
            return fbits(x)
        raise TypeError(f"unexpected dtype {dt}")

    def rec(x):
        if isinstance(x, np.ndarray) and x.ndim > 0:
            return [rec(y) for y in x]
        if isinstance(x, np.ndarray):
            return elem(x[()])
        return elem(x)
    return rec(a)


def spec_version(f):
    v = None
    if "attrs" in f and "LOOM_SPEC_VERSION" in f["attrs"]:
        x = f["attrs"]["LOOM_SPEC_VERSION"][()]
        if isinstance(x, np.ndarray):
            x = x.flat[0]
        v = raw_bytes(x).decode("utf-8")
    if "LOOM_SPEC_VERSION" in f.attrs:
        x = f.attrs["LOOM_SPEC_VERSION"]
        if isinstance(x, np.ndarray):
            x = x.flat[0]
        v = raw_bytes(x).decode("utf-8")
    return v


def is_v3(v):
    if v is None:
        return False
    digits = "".join(c for c in v if c.isdigit())
    return bool(digits) and int(digits) >= 300


def dataset_entry(d, legacy):
    dt = d.dtype
    return {"dtype": dtype_word(dt), "shape": list(d.shape), "values": values(d[()], dt, legacy)}


ROOT_MEMBERS = ("matrix", "layers", "row_attrs", "col_attrs", "row_graphs", "col_graphs",
                "row_edges", "col_edges", "attrs")


def kind(parent, name):
    """What a member is, in `loom info`'s words (soft links followed, as h5py does)."""
    link = parent.get(name, getlink=True)
    if isinstance(link, h5py.ExternalLink):
        return "external"
    obj = parent.get(name)
    if obj is None:
        return "softlink"
    if isinstance(obj, h5py.Group):
        return "group"
    if isinstance(obj, h5py.Dataset):
        return "dataset"
    return "datatype"


def members_of(f, path, want):
    """Names of the members of group `path` that are of kind `want` (sorted)."""
    g = f.get(path)
    if not isinstance(g, h5py.Group):
        return []
    return sorted(n for n in g if kind(g, n) == want)


def other_members(f):
    """Members beyond the loom spec, as `loom info` lists them under "other": non-datasets in
    row_attrs/col_attrs/layers/attrs, non-groups in the graph groups, members of a graph
    other than a/b/w, and anything at the root beyond the spec's names."""
    out = []
    def beyond(path, want):
        g = f.get(path)
        if not isinstance(g, h5py.Group):
            return
        for n in g:
            k = kind(g, n)
            if k != want:
                out.append({"path": f"{path}/{n}", "type": k})
            elif want == "group":
                sub = g[n]
                for m in sub:
                    if m not in ("a", "b", "w"):
                        out.append({"path": f"{path}/{n}/{m}", "type": kind(sub, m)})
    for p in ("/row_attrs", "/col_attrs", "/layers", "/attrs"):
        beyond(p, "dataset")
    for p in ("/row_graphs", "/col_graphs", "/row_edges", "/col_edges"):
        beyond(p, "group")
    for n in f:
        k = kind(f, n)
        if n == "matrix" and k == "dataset":
            continue
        if n in ROOT_MEMBERS and n != "matrix" and k == "group":
            continue
        out.append({"path": f"/{n}", "type": k})
    uniq = {o["path"]: o for o in out}
    return [uniq[p] for p in sorted(uniq)]


def graphs(f, axis):
    out = {}
    for group in (f"{axis}_graphs", f"{axis}_edges"):
        if group not in f:
            continue
        for name in members_of(f, group, "group"):
            g = f[group][name]
            if name in out:
                continue
            out[name] = {
                "a": [int(x) for x in g["a"][()]],
                "b": [int(x) for x in g["b"][()]],
                "w": [fbits(x) for x in g["w"][()]],
            }
    return out


def truth(path):
    with h5py.File(path, "r") as f:
        spec = spec_version(f)
        legacy = not is_v3(spec)
        shape = list(f["matrix"].shape) if "matrix" in f else [0, 0]
        layers = {}
        if "matrix" in f:
            layers[""] = {"dtype": f["matrix"].dtype.name,
                          "data": values(f["matrix"][()], f["matrix"].dtype, legacy)}
        for name in members_of(f, "layers", "dataset"):
            d = f["layers"][name]
            layers[name] = {"dtype": d.dtype.name, "data": values(d[()], d.dtype, legacy)}
        out = {"spec": spec, "shape": shape, "layers": layers}
        for axis in ("row", "col"):
            out[f"{axis}_attrs"] = {n: dataset_entry(f[f"{axis}_attrs"][n], legacy)
                                    for n in members_of(f, f"{axis}_attrs", "dataset")}
            out[f"{axis}_graphs"] = graphs(f, axis)
        glob = {}
        if "attrs" in f:
            for n in members_of(f, "attrs", "dataset"):
                glob[n] = dataset_entry(f["attrs"][n], legacy)
        else:
            for n in f.attrs:
                a = f.attrs.get_id(n)
                dt = a.dtype
                v = f.attrs[n]
                glob[n] = {"dtype": dtype_word(dt), "shape": list(a.shape),
                           "values": values(v, dt, legacy)}
        out["globals"] = glob
        return out


def raw_strings(d):
    """The raw stored bytes of a string dataset, flattened."""
    return [raw_bytes(x) for x in np.asarray(d[()]).ravel()]
