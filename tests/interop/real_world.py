#!/usr/bin/env python3
"""The real-world corpus against h5py, anndata and scanpy, file by file.

Usage: real_world.py LOOM_BIN OUTDIR H5CANON FILE...    (exit 1 if any check fails)

Every file is classified by its content (loom, h5ad, 10x HDF5, h5mu, other HDF5) and checked:

  dump      `loom h5 dump --json` equals h5canon.py's dump (object references as paths)
  robust    info, validate, attrs and convert never panic; exit codes are 0, 1 or 2; every
            error line names the file it is about (the input), never only the output
  loom      `info --json` and `attrs --json` agree with h5py (info_check.py's rules, with
            members beyond the spec under "other"); `export --format npy` equals h5py's
            matrix; loom -> h5ad gives a file anndata reads with X = the matrix transposed,
            obs/var = the column/row attributes (1-D ones, bools as bools)
  10x       scanpy.read_10x_h5(gex_only=False) -> the same matrix, var_names = Gene, gene_ids
            = Accession, feature_types = FeatureType, every other var and obs column under
            its name (genome -> Genome); files scanpy refuses (several legacy genomes without
            `genome`) are refused by us too, and read with --genome as scanpy does with genome
  h5ad      anndata.read_h5ad -> the same matrix, obs_names/var_names = CellID/Gene, every
            obs/var column (categoricals as strings, bools as 0/1, missing nullable values as
            NaN); a file without X converts with --layer (the first layer), or is refused
            with a message naming --layer
Prints one line per file and check, then pass counts per category.
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import info_check  # noqa: E402

warnings.filterwarnings("ignore")
LOOM = None
H5CANON = None
RESULTS = {}          # category -> [passed, failed]
COMPARED = []         # what the last comparison covered (for the report line)
LINES = []


def record(category, path, problems, note=""):
    ok = not problems
    RESULTS.setdefault(category, [0, 0])[0 if ok else 1] += 1
    LINES.append(f"{'ok  ' if ok else 'FAIL'} {category:7s} {os.path.basename(path)}"
                 + (f"  ({note})" if note else ""))
    for p in problems[:12]:
        LINES.append(f"       {p}")


def run(args, **kw):
    return subprocess.run([LOOM] + args, capture_output=True, text=True, **kw)


def kind_of(path):
    try:
        f = h5py.File(path, "r")
    except OSError:
        return "not-hdf5"
    with f:
        enc = f.attrs.get("encoding-type", b"")
        enc = enc.decode() if isinstance(enc, bytes) else str(enc)
        if isinstance(f.get("matrix"), h5py.Dataset):
            return "loom"
        if enc.lower() == "mudata" or ("mod" in f and "X" not in f):
            return "h5mu"
        if enc == "anndata" or ("obs" in f and ("X" in f or "layers" in f)):
            return "h5ad"
        if isinstance(f.get("matrix"), h5py.Group):
            return "10x"
        for g in f.values():
            if isinstance(g, h5py.Group) and all(k in g for k in ("data", "indices", "indptr")):
                return "10x"
        return "hdf5"


# ---- dump --------------------------------------------------------------------------------------

def check_dump(path, out):
    r = run(["h5", "dump", "--json", path])
    if r.returncode != 0:
        record("dump", path, [f"h5 dump exit {r.returncode}: {r.stderr.strip()[:300]}"])
        return
    j = os.path.join(out, os.path.basename(path) + ".dump.json")
    with open(j, "w") as fh:
        fh.write(r.stdout)
    c = subprocess.run([sys.executable, H5CANON, "--compare", path, j], capture_output=True,
                       text=True)
    record("dump", path, [] if c.returncode == 0 else c.stdout.strip().split("\n"))


# ---- robustness ----------------------------------------------------------------------------------

def robust(path, out, kind):
    problems = []
    name = os.path.basename(path)
    cmds = [["info", "--json", path], ["info", path], ["validate", "--json", path],
            ["validate", "--strict", path], ["h5", "ls", "-r", path]]
    if kind == "loom":
        cmds += [["attrs", path, "--axis", "row"], ["attrs", path, "--axis", "col", "--json"],
                 ["stats", path], ["convert", path, os.path.join(out, name + ".r.h5ad")]]
    elif kind in ("h5ad", "10x", "h5mu", "hdf5"):
        cmds += [["convert", path, os.path.join(out, name + ".r.loom")]]
    for c in cmds:
        r = run(c)
        if r.returncode not in (0, 1, 2):
            problems.append(f"{' '.join(c[:2])}: exit {r.returncode}")
        if "panicked" in r.stderr or "RUST_BACKTRACE" in r.stderr:
            problems.append(f"{' '.join(c[:2])}: panic: {r.stderr.strip()[:300]}")
        for line in r.stderr.split("\n"):
            if line.startswith("error: ") and path not in line:
                problems.append(f"{' '.join(c[:2])}: error does not name the input: {line}")
    record("robust", path, problems)


# ---- loom ----------------------------------------------------------------------------------------

def check_loom(path, out):
    problems = []
    exp, t = info_check.expected_info(path)
    r = run(["info", "--json", path])
    if r.returncode != 0:
        record("loom", path, [f"info exit {r.returncode}: {r.stderr.strip()}"])
        return
    problems += info_check.info_diffs(path, exp, json.loads(r.stdout))
    for axis in ("row", "col"):
        want = {k: info_check.plain(v["values"]) for k, v in t[f"{axis}_attrs"].items()}
        r = run(["attrs", path, "--axis", axis, "--json"])
        got = json.loads(r.stdout) if r.returncode == 0 else {}
        problems += [f"attrs {axis}: {d}" for d in info_check.diffs(want, got)]
    npy = os.path.join(out, os.path.basename(path) + ".npy")
    r = run(["export", path, "--format", "npy", "-o", npy])
    with h5py.File(path, "r") as f:
        m = f["matrix"][()]
    if r.returncode != 0:
        problems.append(f"export: exit {r.returncode}: {r.stderr.strip()}")
    elif not np.array_equal(np.load(npy), m, equal_nan=True):
        problems.append("export npy differs from h5py's matrix")
    record("loom", path, problems)
    # loom -> h5ad read by anndata
    import anndata
    problems = []
    h5ad = os.path.join(out, os.path.basename(path) + ".h5ad")
    r = run(["convert", path, h5ad])
    if r.returncode != 0:
        record("loom>h5ad", path, [f"convert exit {r.returncode}: {r.stderr.strip()}"])
        return
    a = anndata.read_h5ad(h5ad)
    x = a.X.toarray() if hasattr(a.X, "toarray") else np.asarray(a.X)
    if not np.array_equal(x, m.T.astype(x.dtype), equal_nan=True):
        problems.append("X differs from the matrix transposed")
    for axis, frame, names, index_keys in (("col", a.obs, a.obs_names, ("obs_names", "CellID")),
                                           ("row", a.var, a.var_names, ("var_names", "Gene"))):
        attrs = t[f"{axis}_attrs"]
        key = next((k for k in index_keys if k in attrs and len(attrs[k]["shape"]) == 1), None)
        if key is not None:
            want = [str(x) for x in info_check.plain(attrs[key]["values"])]
            if list(names) != want:
                problems.append(f"{axis} index differs from {key}")
        for k, e in attrs.items():
            if k == key or len(e["shape"]) != 1 or e["dtype"] in ("compound", "enum"):
                continue
            if k not in frame.columns:
                problems.append(f"{axis} attribute {k} missing from the frame")
                continue
            want = info_check.plain(e["values"])
            got = frame[k].tolist()
            if e["dtype"] == "bool":
                got = [bool(x) for x in got]
            if not same_values(want, got):
                problems.append(f"{axis} attribute {k}: {str(got)[:80]} != {str(want)[:80]}")
    record("loom>h5ad", path, problems)


def same_values(want, got):
    if len(want) != len(got):
        return False
    for w, g in zip(want, got):
        if w is None and (g is None or (isinstance(g, float) and g != g)):
            continue
        if isinstance(w, (int, float)) and not isinstance(w, bool) and isinstance(g, (int, float)):
            if float(w) != float(g) and not (w != w and g != g):
                return False
            continue
        if w != g and str(w) != str(g):
            return False
    return True


# ---- converted loom files, compared with an AnnData ----------------------------------------------

def loom_truth(path):
    with h5py.File(path, "r") as f:
        m = f["matrix"][()]
        def attrs(g):
            out = {}
            for k, d in f[g].items():
                if isinstance(d, h5py.Dataset):
                    v = d[()]
                    if v.dtype.kind in "SO":
                        v = np.array([x.decode() if isinstance(x, bytes) else str(x) for x in v])
                    out[k] = v
            return out
        return m, attrs("row_attrs"), attrs("col_attrs")


def column_problems(frame, attrs, rename, what):
    """Every column of `frame` is the attribute of the same (or renamed) name."""
    import pandas as pd
    out = []
    for col in frame.columns:
        name = rename.get(col, col)
        if name not in attrs:
            out.append(f"{what} column {col!r}: no attribute {name!r}")
            continue
        s = frame[col]
        got = attrs[name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            want = np.array(["" if pd.isna(x) else str(x) for x in s.astype(object)])
            got = np.array([str(x) for x in got])
        elif s.dtype == bool or str(s.dtype) == "boolean" and not s.isna().any():
            want = s.to_numpy(dtype=np.uint8)
            got = np.asarray(got).astype(np.uint8)
        elif str(s.dtype) in ("boolean",) or str(s.dtype).startswith(("Int", "UInt")):
            want = s.astype("float64").to_numpy() if s.isna().any() else s.to_numpy(dtype="int64")
            got = np.asarray(got, dtype=np.float64 if s.isna().any() else np.int64)
        elif s.dtype.kind in "iuf":
            want = s.to_numpy()
        else:
            want = np.array(["" if pd.isna(x) else str(x) for x in s.astype(object)])
            got = np.array([str(x) for x in got])
        if want.shape != np.shape(got):
            out.append(f"{what} column {col!r}: {np.shape(got)} values, expected {want.shape}")
        elif want.dtype.kind in "iuf":
            if not np.array_equal(np.asarray(want, dtype=np.float64),
                                  np.asarray(got, dtype=np.float64), equal_nan=True):
                out.append(f"{what} column {col!r}: values differ")
        elif list(want) != list(got):
            out.append(f"{what} column {col!r}: {list(got)[:4]} != {list(want)[:4]}")
    return out


def compare_anndata(a, loom_path, var_rename, obs_rename, index_names=("CellID", "Gene")):
    m, ra, ca = loom_truth(loom_path)
    x = a.X.toarray() if hasattr(a.X, "toarray") else np.asarray(a.X)
    problems = []
    if m.shape != x.T.shape:
        return [f"shape {m.shape} != {x.T.shape}"]
    if not np.array_equal(np.asarray(m, dtype=np.float64), np.asarray(x.T, dtype=np.float64),
                          equal_nan=True):
        problems.append("matrix differs")
    obs_index = "obs_names" if "CellID" in a.obs.columns else index_names[0]
    var_index = "var_names" if "Gene" in a.var.columns else index_names[1]
    if list(ca.get(obs_index, [])) != [str(s) for s in a.obs_names]:
        problems.append(f"{obs_index} differs from obs_names")
    if list(ra.get(var_index, [])) != [str(s) for s in a.var_names]:
        problems.append(f"{var_index} differs from var_names")
    problems += column_problems(a.obs, ca, obs_rename, "obs")
    problems += column_problems(a.var, ra, var_rename, "var")
    COMPARED.append(f"{a.n_obs}x{a.n_vars}, {len(a.obs.columns)} obs + {len(a.var.columns)} var "
                    "columns")
    return problems


def check_tenx(path, out):
    import scanpy as sc
    loom = os.path.join(out, os.path.basename(path) + ".loom")
    genome_args = []
    try:
        a = sc.read_10x_h5(path, gex_only=False)
        note = ""
    except Exception as e:                             # noqa: BLE001  scanpy refuses it
        r = run(["convert", path, loom])
        if "several genomes" in str(e) or "more than one genome" in str(e):
            if r.returncode != 1 or "--genome" not in r.stderr:
                record("10x", path, [f"scanpy refuses ({e}); we should ask for --genome: "
                                     f"{r.stderr.strip()}"])
                return
            with h5py.File(path, "r") as f:
                genome = sorted(f.keys())[0]
            a = sc.read_10x_h5(path, genome=genome)
            genome_args = ["--genome", genome]
            note = f"several genomes: refused as scanpy does, then --genome {genome}"
        else:
            ok = r.returncode == 1 and path in r.stderr
            record("10x", path, [] if ok else [f"scanpy refuses ({e}); ours: {r.returncode}"],
                   note=f"scanpy cannot read it ({type(e).__name__}); refused with an error")
            return
    r = run(["convert", path, loom] + genome_args)
    if r.returncode != 0:
        record("10x", path, [f"convert exit {r.returncode}: {r.stderr.strip()}"])
        return
    rename = {"gene_ids": "Accession", "feature_types": "FeatureType", "genome": "Genome",
              "probe_ids": "ProbeID"}
    with h5py.File(path, "r") as f:
        legacy = "matrix" not in f
    if legacy:
        a.var = a.var.drop(columns=[c for c in a.var.columns if c == "feature_types"])
    problems = compare_anndata(a, loom, rename, {})
    record("10x", path, problems, note=", ".join(x for x in (note, COMPARED[-1]) if x))


def check_h5ad(path, out):
    import anndata
    loom = os.path.join(out, os.path.basename(path) + ".loom")
    try:
        a = anndata.read_h5ad(path)
    except Exception as e:                             # noqa: BLE001
        r = run(["convert", path, loom])
        ok = r.returncode == 1 and path in r.stderr
        record("h5ad", path, [] if ok else [f"anndata refuses ({e}); ours exit {r.returncode}"],
               note="anndata cannot read it; refused with an error")
        return
    args, note = [], ""
    if a.X is None:
        r = run(["convert", path, loom])
        if r.returncode != 1 or "X is absent" not in r.stderr:
            record("h5ad", path, [f"no X: expected a refusal naming --layer: {r.stderr}"])
            return
        if not a.layers:
            record("h5ad", path, [], note="no X and no layers: refused, saying so")
            return
        layer = sorted(a.layers.keys())[0]
        args = ["--layer", layer]
        note = f"no X: refused with a hint, then --layer {layer}"
        a = anndata.AnnData(a.layers[layer], obs=a.obs, var=a.var)
    r = run(["convert", path, loom] + args)
    if r.returncode != 0:
        record("h5ad", path, [f"convert exit {r.returncode}: {r.stderr.strip()}"])
        return
    # A frame column named like the index attribute is kept under its name; the index moves.
    problems = compare_anndata(a, loom, {}, {})
    record("h5ad", path, problems, note=", ".join(x for x in (note, COMPARED[-1]) if x))


def main():
    global LOOM, H5CANON
    LOOM, out, H5CANON = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    files = sys.argv[4:]
    kinds = {}
    for p in files:
        k = kind_of(p)
        kinds[k] = kinds.get(k, 0) + 1
        if k == "not-hdf5":
            continue
        with tempfile.TemporaryDirectory(dir=out) as d:
            check_dump(p, d)
            robust(p, d, k)
            try:
                if k == "loom":
                    check_loom(p, d)
                elif k == "10x":
                    check_tenx(p, d)
                elif k == "h5ad":
                    check_h5ad(p, d)
            except Exception as e:                     # noqa: BLE001  a crash of the check
                record(k, p, [f"check crashed: {type(e).__name__}: {e}"])
    print("\n".join(LINES))
    print("files by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    failed = 0
    for cat, (ok, bad) in sorted(RESULTS.items()):
        print(f"{cat:10s} {ok} passed, {bad} failed")
        failed += bad
    print(f"{sum(v[0] for v in RESULTS.values())} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
