#!/usr/bin/env python3
"""Loom interop between loomfile and loompy 3.0.8 (driven by crates/cli/tests/loom_interop.rs).

Usage:
  loom_interop.py truth OUT.json FILE...   h5py truth (loomtruth.py's canonical form) of each
                                           file, written as {path: truth} to OUT.json
  loom_interop.py gen OUTDIR               write fresh loompy 3.0.8 files into OUTDIR, print
                                           their paths (one per line)
  loom_interop.py check-ours DIR           for each DIR/X.loom written by loomfile with its
                                           DIR/X.expect.json (loomfile's own read, canonical):
    1. h5py's truth equals the expectation, value by value (so h5py reads what we wrote);
    2. loompy.connect(X, 'r', validate=True) opens it (LoomValidator passes) and reads the
       same layers, attributes, graphs and globals -- strings compared with loompy's known
       lossy read (loomtruth.loompy_text: non-ASCII dropped, html.unescape), and 2-D string
       attributes, which loompy returns as None (its materialize_attr_values fails on them);
    3. loompy add_columns on a copy (X.added.loom) appends the same columns again; the result
       is checked here (shape, concatenated values) and its h5py truth is written to
       X.added.truth.json for the Rust side to compare its own read against.
Exit status 1 on any mismatch; each problem is printed.
"""
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loomtruth as lt  # noqa: E402

PROBLEMS = []


def problem(msg):
    PROBLEMS.append(msg)
    print("FAIL", msg)


def diff(expected, got, path="", out=None, limit=20):
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(expected, dict) and isinstance(got, dict):
        for k in list(expected) + [k for k in got if k not in expected]:
            if k not in got:
                out.append(f"{path}/{k}: missing from h5py's read")
            elif k not in expected:
                out.append(f"{path}/{k}: only in h5py's read")
            else:
                diff(expected[k], got[k], f"{path}/{k}", out, limit)
    elif isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        for i, (a, b) in enumerate(zip(expected, got)):
            diff(a, b, f"{path}[{i}]", out, limit)
    elif expected != got:
        out.append(f"{path}: expected {str(expected)[:200]} got {str(got)[:200]}")
    return out


# ---------------------------------------------------------------------------------------------
# gen: fresh loompy files
# ---------------------------------------------------------------------------------------------

GENES_SPECIAL = ["Ménage", "β-actin", "日本", "&lt;b&gt;", "<b>", "a&b", "emoji 🧬", "", "tab\there"]


def gen(outdir):
    import loompy
    import scipy.sparse as sp
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(2024)
    written = []

    # 1. many dtypes, 2-D attributes, graphs, globals of every kind loompy can write
    p = os.path.join(outdir, "lp_dtypes.loom")
    n, m = 70, 130
    main = np.where(rng.random((n, m)) < 0.2, rng.integers(1, 50, size=(n, m)), 0).astype(np.float32)
    layers = {
        "": main,
        "i8": rng.integers(-128, 128, size=(n, m)).astype(np.int8),
        "i16": rng.integers(-3000, 3000, size=(n, m)).astype(np.int16),
        "u32": rng.integers(0, 2**32, size=(n, m), dtype=np.uint64).astype(np.uint32),
        "u64": (np.uint64(2**63) + rng.integers(0, 1000, size=(n, m)).astype(np.uint64)),
        "f16": rng.normal(size=(n, m)).astype(np.float16),
        "f64": rng.normal(size=(n, m)),
        "i64": rng.integers(-2**62, 2**62, size=(n, m), dtype=np.int64),
    }
    genes = GENES_SPECIAL + [f"G{i:03d}" for i in range(len(GENES_SPECIAL), n)]
    f32 = rng.normal(size=n).astype(np.float32)
    f32[3] = np.nan
    f32[4] = np.inf
    f32[5] = -np.inf
    row_attrs = {
        "Gene": np.array(genes, dtype=object),
        "Accession": np.array([f"ENSG{i:011d}" for i in range(n)]),
        "I8": rng.integers(-100, 100, size=n).astype(np.int8),
        "U64": np.uint64(2**64 - 1) - rng.integers(0, 10, size=n).astype(np.uint64),
        "F16": rng.normal(size=n).astype(np.float16),
        "F32": f32,
        "IsMito": np.arange(n) % 9 == 0,
        "Emb": rng.normal(size=(n, 3)).astype(np.float32),
        "Ints2D": rng.integers(0, 9, size=(n, 4)),
    }
    col_attrs = {
        "CellID": np.array([f"cell-{i:03d}" if i != 7 else "Zellé-7" for i in range(m)]),
        "ClusterID": (np.arange(m) % 6).astype(np.int64),
        "Total": main.sum(axis=0),
        "Valid": (np.arange(m) % 5 != 0).astype(np.uint8),
    }
    file_attrs = {
        "Title": "Fresh — café ☕ 日本 &amp; <i>",
        "Number": 42,
        "Neg": -7,
        "Pi": 3.141592653589793,
        "F32": np.float32(1.25),
        "IntList": [1, 2, 3, 5, 8],
        "FloatList": [0.5, -1.5, 1e-300],
        "Mat": np.array([[1.5, -2.0], [0.25, 4.0]]),
    }
    loompy.create(p, layers, row_attrs, col_attrs, file_attrs=file_attrs)
    a = np.repeat(np.arange(m), 2)
    b = (a + np.tile([1, 3], m)) % m
    with loompy.connect(p, validate=False) as ds:
        ds.col_graphs["KNN"] = sp.coo_matrix((rng.uniform(size=a.size), (a, b)), shape=(m, m))
        ds.col_graphs["MKNN"] = sp.coo_matrix((np.ones(a.size, dtype=np.float32), (a, b)), shape=(m, m))
        ds.col_graphs["none"] = sp.coo_matrix((m, m))
        ds.row_graphs["coexp"] = sp.coo_matrix((rng.uniform(-1, 1, size=5), ([0, 1, 2, 69, 10], [1, 2, 0, 3, 69])), shape=(n, n))
        ds.layers["empty"] = "float32"
        ds["i16"][2:10, 3:70] = np.full((8, 67), 1234, dtype=np.int16)   # slice assignment
        ds.layers["gone"] = main
        del ds.layers["gone"]
        ds.attrs["Later"] = "added later"
    written.append(p)

    # 2. from a scipy sparse matrix (uint16 kept)
    p = os.path.join(outdir, "lp_sparse.loom")
    n, m = 200, 300
    s = sp.random(n, m, density=0.03, format="coo", random_state=7, dtype=np.float64)
    s.data = np.ceil(s.data * 100)
    s = s.astype(np.uint16)
    loompy.create(p, s, {"Gene": np.array([f"g{i}" for i in range(n)])},
                  {"CellID": np.array([f"c{i}" for i in range(m)])})
    with loompy.connect(p, validate=False) as ds:
        ds.layers["csr"] = s.tocsr().astype(np.float32)
    written.append(p)

    # 3. new() + add_columns (loompy's own test_new pattern)
    p = os.path.join(outdir, "lp_new_add_columns.loom")
    with loompy.new(p, file_attrs={"Title": "new + add_columns"}) as ds:
        ds.add_columns(np.arange(20 * 10, dtype=np.float64).reshape(20, 10),
                       {"CellID": np.array([f"a{i}" for i in range(10)]),
                        "Batch": np.zeros(10, dtype=np.int64)},
                       row_attrs={"Gene": np.array([f"g{i}" for i in range(20)])})
        ds.add_columns(-np.arange(20 * 15, dtype=np.float64).reshape(20, 15),
                       {"CellID": np.array([f"b{i}" for i in range(15)]),
                        "Batch": np.ones(15, dtype=np.int64)})
    written.append(p)

    # 4. loompy editing a spec 2.0.1 file: writes v2-style strings (|S with XML references)
    here = os.path.dirname(os.path.abspath(__file__))
    spec2 = os.path.join(here, "..", "..", "fixtures", "loom", "spec2.loom")
    p = os.path.join(outdir, "lp_v2_edit.loom")
    shutil.copyfile(spec2, p)
    with loompy.connect(p, validate=False) as ds:
        n, m = ds.shape
        ds.ra["Symbol"] = np.array([["Ménage", "β", "x&y", "&#233;"][i % 4] for i in range(n)])
        ds.ca["Score"] = np.linspace(0, 1, m)
        ds.attrs["Extra"] = "naïve"
    written.append(p)

    # 5. loompy writing complex numbers (stored as an HDF5 compound {r, i}: 3.15 #4), plus
    #    compound attributes h5py writes with full-range uint64 fields and array fields
    p = os.path.join(outdir, "lp_compound.loom")
    n, m = 5, 4
    loompy.create(p, np.ones((n, m), dtype=np.float32), {"Gene": np.array(list("abcde"))},
                  {"CellID": np.array(list("wxyz"))})
    with loompy.connect(p, validate=False) as ds:
        ds.ca["Cplx"] = np.array([1 + 2j, -0.5j, 3.0, 1e300 - 1e-300j])
    with h5py_file(p) as f:
        wide = np.zeros(m, dtype=[("big", "<u8"), ("small", "u1"), ("neg", "<i2"),
                                  ("vec", "<f4", (2,))])
        wide["big"] = [2**64 - 1, 2**63, 5, 0]
        wide["small"] = [1, 2, 3, 255]
        wide["neg"] = [-32768, -1, 0, 32767]
        wide["vec"] = [[0.5, 1.5], [2.5, 3.5], [-1, 1], [0, 0]]
        f["col_attrs"].create_dataset("Wide", data=wide)
    written.append(p)
    return written


def h5py_file(p):
    import h5py
    return h5py.File(p, "r+")


# ---------------------------------------------------------------------------------------------
# check-ours
# ---------------------------------------------------------------------------------------------

def decode(x):
    """Canonical scalar -> python value."""
    if isinstance(x, str) and x.startswith("f:"):
        if x == "f:nan":
            return float("nan")
        import struct
        return struct.unpack(">d", bytes.fromhex(x[2:]))[0]
    return x


def decode_nested(v):
    if isinstance(v, list):
        return [decode_nested(x) for x in v]
    if isinstance(v, dict):
        return {k: decode_nested(x) for k, x in v.items()}
    return decode(v)


def same_numbers(expected, got):
    e = np.asarray(decode_nested(expected), dtype=np.float64 if "f:" in json.dumps(expected) else None)
    g = np.asarray(got)
    if e.shape != g.shape:
        return False
    if e.dtype.kind == "f":
        return bool(np.array_equal(e, g.astype(np.float64), equal_nan=True))
    return bool(np.array_equal(e.astype(object), g.astype(object)))


def raw_of(path, obj, name):
    """Raw stored bytes of a string dataset, or of root attribute `name` when `obj` is a
    global and the file has no /attrs."""
    import h5py
    with h5py.File(path, "r") as f:
        if obj.startswith("attrs/") and "attrs" not in f:
            return [lt.raw_bytes(x) for x in np.ravel(np.asarray(f.attrs[name]))]
        return lt.raw_strings(f[obj])


def check_loompy_reads(path, exp):
    """loompy.connect(validate=True) and compare every object with the expectation; strings
    must be exactly loompy's documented lossy read of the stored bytes."""
    import loompy
    lossy = 0

    def strings(what, got, true, raw):
        nonlocal lossy
        if got is None and np.ndim(np.array(true, dtype=object)) > 1:
            # materialize_attr_values cannot handle 2-D string arrays (html.unescape of a row
            # raises, the fallback leaves `result = None`): loompy returns None for them.
            lossy += int(np.size(np.array(true, dtype=object)))
            return
        want = [lt.loompy_text(r) for r in raw]
        got = [str(x) for x in np.ravel(np.asarray(got, dtype=object))]
        if got != want:
            problem(f"{path}: loompy's {what} is not the documented lossy read: {got[:5]} vs {want[:5]}")
        lossy += sum(1 for a, b in zip(got, np.ravel(np.array(true, dtype=object))) if a != b)

    with loompy.connect(path, "r", validate=True) as ds:
        if list(ds.shape) != exp["shape"]:
            problem(f"{path}: loompy shape {ds.shape} != {exp['shape']}")
        for name, layer in exp["layers"].items():
            got = ds.layers[name][:, :]
            if str(got.dtype) != layer["dtype"] or not same_numbers(layer["data"], got):
                problem(f"{path}: loompy reads layer {name!r} differently ({got.dtype})")
        for axis, mgr in (("row", ds.ra), ("col", ds.ca)):
            for name, e in exp[f"{axis}_attrs"].items():
                got = mgr[name]
                if e["dtype"] == "string":
                    strings(f"{axis} attr {name}", got, e["values"],
                            raw_of(path, f"{axis}_attrs/{name}", name))
                elif not same_numbers(e["values"], got):
                    problem(f"{path}: loompy reads {axis} attr {name} differently")
        for axis, mgr in (("row", ds.row_graphs), ("col", ds.col_graphs)):
            for name, e in exp[f"{axis}_graphs"].items():
                g = mgr[name]
                if not (np.array_equal(g.row, e["a"]) and np.array_equal(g.col, e["b"])
                        and same_numbers(e["w"], g.data)):
                    problem(f"{path}: loompy reads {axis} graph {name} differently")
        for name, e in exp["globals"].items():
            got = ds.attrs[name]
            if e["dtype"] == "string":
                raw = raw_of(path, f"attrs/{name}", name)
                strings(f"global {name}", got, e["values"], raw)
            elif not same_numbers(e["values"], got):
                problem(f"{path}: loompy reads global {name} differently: {got!r}")
    return lossy


def add_columns(path, exp):
    """loompy add_columns on a copy, appending the same columns again."""
    import loompy
    out = path[:-5] + ".added.loom"
    shutil.copyfile(path, out)
    with loompy.connect(out) as ds:                     # r+, validate=True
        n, m = ds.shape
        layers = {name: np.asarray(decode_nested(l["data"]), dtype=l["dtype"]) for name, l in exp["layers"].items()}
        cols = {}
        for name, e in exp["col_attrs"].items():
            if e["dtype"] == "string":
                cols[name] = np.array(e["values"], dtype=object)
            else:
                cols[name] = np.asarray(decode_nested(e["values"]), dtype=e["dtype"])
        ds.add_columns(layers, cols)
        if ds.shape != (n, 2 * m):
            problem(f"{out}: shape after add_columns {ds.shape}, expected {(n, 2 * m)}")
    t = lt.truth(out)
    for name, l in exp["layers"].items():
        want = [r + r for r in l["data"]]
        if t["layers"][name]["data"] != want:
            problem(f"{out}: layer {name!r} is not the old columns twice")
    for name, e in exp["col_attrs"].items():
        got = t["col_attrs"].get(name)
        if got is None:
            problem(f"{out}: col attr {name} deleted by add_columns")
            continue
        if e["dtype"] == "string" and lt.is_v3(exp["spec"]):
            # loompy concatenates its own (lossy) read of the old values with the new ones:
            # non-ASCII text already in the file is rewritten without it (bug 1 of 3.15).
            old = [lt.loompy_text(s.encode("utf-8")) for s in e["values"]]
            want = old + e["values"]
        else:
            want = e["values"] + e["values"]
        if got["values"] != want:
            problem(f"{out}: col attr {name} is not the concatenation loompy should write")
    for axis in ("row",):
        if t[f"{axis}_attrs"] != exp[f"{axis}_attrs"]:
            problem(f"{out}: row attributes changed by add_columns")
    with open(out[:-5] + ".truth.json", "w") as fh:
        json.dump(t, fh)
    return out


def check_ours(d):
    files = sorted(x for x in os.listdir(d) if x.endswith(".loom") and not x.endswith(".added.loom"))
    checked = 0
    for fname in files:
        path = os.path.join(d, fname)
        expf = path[:-5] + ".expect.json"
        if not os.path.exists(expf):
            continue
        with open(expf) as fh:
            exp = json.load(fh)
        got = lt.truth(path)
        for line in diff(exp, got):
            problem(f"{path}: h5py {line}")
        lossy = check_loompy_reads(path, exp)
        add_columns(path, exp)
        checked += 1
        print(f"ok   {path} (loompy read {lossy} strings lossily, as documented)")
    if checked == 0:
        problem(f"{d}: no files with .expect.json")


def main(argv):
    if len(argv) >= 3 and argv[1] == "truth":
        out = {p: lt.truth(p) for p in argv[3:]}
        with open(argv[2], "w") as fh:
            json.dump(out, fh)
    elif len(argv) == 3 and argv[1] == "gen":
        for p in gen(argv[2]):
            print(p)
    elif len(argv) == 3 and argv[1] == "check-ours":
        check_ours(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
