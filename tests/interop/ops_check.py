"""loompy 3.0.8 / scipy as the independent truth for loomfile's operations
(crates/cli/tests/ops_interop.rs drives this script).

Usage:
    ops_check.py validate FILE...                       loompy.connect(f, 'r', validate=True)
    ops_check.py add_columns INPUT OURS K WORK          loompy add_columns on a copy vs ours
    ops_check.py combine OURS KEY WORK INPUT...         loompy.combine on the inputs vs ours
    ops_check.py combine_faster OURS SKIP WORK (SEL INPUT)...
                                                        loompy.combine_faster, columns SEL of each
                                                        input, column attributes SKIP left out
    ops_check.py permute INPUT OURS COLS ROWS WORK      loompy permute on a copy vs ours
    ops_check.py mex DIR OURS WORK                      scipy mmread + create_from_cellranger vs ours
    ops_check.py loompy_add FILE K                      loompy add_columns on FILE (in place)
    ops_check.py subset INPUT OURS ROWS COLS            numpy fancy indexing of INPUT vs ours
    ops_check.py create_from_tsv OURS TSV REF COLMETA SAMPLE WORK
                                                        loompy.create_from_tsv vs ours (REF and
                                                        COLMETA "-" for none)
    ops_check.py create_from_mtx OURS SAMPLE GENES BARCODES TRANSPOSED WORK (NAME PATH)...
                                                        loompy.create_from_matrix_market vs ours
                                                        (NAME "main" is the layer "")

COLS/ROWS are comma-separated orderings ("-" for none). Every comparison reads both files
with h5py (loompy's own readers drop non-ASCII text); where loompy itself is lossy (it
re-encodes strings it rewrites: non-ASCII dropped, HTML entities unescaped) our text is
compared in loompy's lossy form. Exits non-zero with the differences on failure.
"""
import gzip
import html
import os
import shutil
import sys
import warnings

import h5py
import numpy as np

warnings.filterwarnings("ignore")
import logging  # noqa: E402

logging.disable(logging.CRITICAL)
import loompy  # noqa: E402
import scipy.io  # noqa: E402

FAIL = []


def check(cond, msg):
    if not cond:
        FAIL.append(msg)


def lossy(s):
    """loompy 3.0.8's reading of stored text (h5py >= 3)."""
    return html.unescape(s.encode("utf-8").decode("ascii", "ignore"))


def text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def attr(f, path):
    d = f[path]
    v = d[()]
    if isinstance(v, bytes):
        return text(v)
    if d.dtype.kind in ("O", "S"):
        return np.vectorize(text, otypes=[object])(v) if v.ndim else text(v)
    return v


def layers(f):
    out = {"": f["matrix"]}
    if "layers" in f:
        for k in f["layers"]:
            out[k] = f["layers"][k]
    return out


def block(n, k, o=0):
    i = np.arange(n)[:, None]
    j = np.arange(k)[None, :] + o
    main = (((i * 7 + j * 3) % 11) * 0.5).astype(np.float32)
    spliced = ((i + 2 * j) % 5).astype(np.uint16)
    return main, spliced, np.array([f"new_{x}" for x in range(o, o + k)], dtype=object)


def same_layers(ours, theirs, what, exact_dtype=True):
    lo, lt = layers(ours), layers(theirs)
    check(sorted(lo) == sorted(lt), f"{what}: layers {sorted(lo)} vs {sorted(lt)}")
    for k in lo:
        if k not in lt:
            continue
        a, b = lo[k][()], lt[k][()]
        check(a.shape == b.shape, f"{what}: layer {k!r} shape {a.shape} vs {b.shape}")
        if exact_dtype:
            check(a.dtype == b.dtype, f"{what}: layer {k!r} dtype {a.dtype} vs {b.dtype}")
        if a.shape == b.shape:
            bad = np.argwhere(a != b)
            check(len(bad) == 0, f"{what}: layer {k!r} differs at {bad[:5].tolist()}")


def same_attrs(ours, theirs, group, what, lossy_strings=False, only=None):
    go, gt = ours[group], theirs[group]
    names = sorted(go) if only is None else only
    check(only is not None or sorted(go) == sorted(gt),
          f"{what}: {group} {sorted(go)} vs {sorted(gt)}")
    for k in names:
        if k not in gt or k not in go:
            check(False, f"{what}: {group}/{k} missing on one side")
            continue
        a, b = attr(ours, f"{group}/{k}"), attr(theirs, f"{group}/{k}")
        if isinstance(a, np.ndarray) and a.dtype == object and lossy_strings:
            a = np.vectorize(lossy, otypes=[object])(a)
        check(np.shape(a) == np.shape(b), f"{what}: {group}/{k} shape {np.shape(a)} vs {np.shape(b)}")
        if np.shape(a) == np.shape(b):
            eq = np.array_equal(a, b) if getattr(a, "dtype", None) == object else np.array_equal(
                np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)
            check(eq, f"{what}: {group}/{k} differs: {np.asarray(a).ravel()[:5]} vs {np.asarray(b).ravel()[:5]}")


def graphs(f, group):
    out = {}
    if group in f:
        for k in f[group]:
            g = f[group][k]
            out[k] = (g["a"][()], g["b"][()], g["w"][()])
    return out


def validate(paths):
    for p in paths:
        try:
            with loompy.connect(p, "r", validate=True) as ds:
                check(ds.shape[0] > 0 and ds.shape[1] > 0, f"{p}: empty shape {ds.shape}")
        except Exception as e:  # noqa: BLE001
            check(False, f"{p}: loompy.connect(validate=True) failed: {e}")


def add_columns(inp, ours, k, work):
    k = int(k)
    cp = os.path.join(work, "loompy_add_columns.loom")
    shutil.copyfile(inp, cp)
    with loompy.connect(cp, validate=False) as ds:
        n = ds.shape[0]
        main, spliced, ids = block(n, k)
        lay = {"": main}
        if "spliced" in ds.layers.keys():
            lay["spliced"] = spliced
        ds.add_columns(lay, {"CellID": ids}, fill_values="auto")
    with h5py.File(ours, "r") as a, h5py.File(cp, "r") as b:
        same_layers(a, b, "add_columns")
        same_attrs(a, b, "col_attrs", "add_columns")
        same_attrs(a, b, "row_attrs", "add_columns")
    validate([ours, cp])


def create(ours, n, k, work):
    """loompy.create with a dict of layers against our create_layers of the same data."""
    n, k = int(n), int(k)
    cp = os.path.join(work, "loompy_create.loom")
    main, spliced, ids = block(n, k)
    genes = np.array([f"g{i}" for i in range(n)], dtype=object)
    loompy.create(cp, {"": main, "spliced": spliced}, row_attrs={"Gene": genes},
                  col_attrs={"CellID": ids})
    with h5py.File(ours, "r") as a, h5py.File(cp, "r") as b:
        same_layers(a, b, "create")
        same_attrs(a, b, "col_attrs", "create")
        same_attrs(a, b, "row_attrs", "create")
    validate([ours, cp])


def combine(ours, key, work, inputs):
    out = os.path.join(work, "loompy_combine.loom")
    loompy.combine(list(inputs), out, key=None if key == "-" else key)
    with h5py.File(ours, "r") as a, h5py.File(out, "r") as b:
        same_layers(a, b, "combine")
        same_attrs(a, b, "col_attrs", "combine")
        same_attrs(a, b, "row_attrs", "combine")
    validate([ours, out])


def combine_faster(ours, skip, work, pairs):
    out = os.path.join(work, "loompy_combine_faster.loom")
    inputs, sels = pairs[1::2], []
    for sel, path in zip(pairs[0::2], inputs):
        if sel == "-":
            sels.append(None)
            continue
        with h5py.File(path, "r") as f:
            mask = np.zeros(f["matrix"].shape[1], dtype=bool)
        mask[[int(x) for x in sel.split(",")]] = True
        sels.append(mask)
    skip_attrs = [] if skip == "-" else skip.split(",")
    loompy.combine_faster(list(inputs), out, selections=sels, skip_attrs=skip_attrs)
    with h5py.File(ours, "r") as a, h5py.File(out, "r") as b:
        same_layers(a, b, "combine_faster")
        same_attrs(a, b, "col_attrs", "combine_faster")
        same_attrs(a, b, "row_attrs", "combine_faster")
    validate([ours, out])


def combine_rows(ours, key, inputs):
    """loompy has no row-wise combine: the expected file is built from loompy's reads of the
    inputs with numpy (columns in the first file's order by `key`, rows stacked), and compared
    with loompy's read of ours, which must validate."""
    conns = [loompy.connect(p, "r", validate=False) for p in inputs]
    try:
        first = conns[0]
        orders = []
        for ds in conns:
            if key == "-":
                orders.append(np.arange(ds.shape[1]))
            else:
                pos = {v: j for j, v in enumerate(ds.ca[key])}
                orders.append(np.array([pos[v] for v in first.ca[key]]))
        common = [k for k in first.layers.keys() if all(k in ds.layers.keys() for ds in conns)]
        with loompy.connect(ours, "r", validate=True) as out:
            check(sorted(out.layers.keys()) == sorted(common),
                  f"combine_rows: layers {sorted(out.layers.keys())} vs {sorted(common)}")
            for k in common:
                want = np.vstack([ds.layers[k][:, :][:, o] for ds, o in zip(conns, orders)])
                got = out.layers[k][:, :]
                check(got.shape == want.shape and np.array_equal(got, want),
                      f"combine_rows: layer {k!r} differs ({got.shape} vs {want.shape})")
            for k in first.ra.keys():
                if all(k in ds.ra.keys() for ds in conns):
                    want = np.concatenate([ds.ra[k] for ds in conns])
                    check(np.array_equal(out.ra[k], want), f"combine_rows: row attribute {k} differs")
            for k in first.ca.keys():
                check(np.array_equal(out.ca[k], first.ca[k]), f"combine_rows: column attribute {k} differs")
    finally:
        for ds in conns:
            ds.close()


def permute(inp, ours, cols, rows, work):
    cp = os.path.join(work, "loompy_permute.loom")
    shutil.copyfile(inp, cp)
    with loompy.connect(cp, validate=False) as ds:
        if cols != "-":
            ds.permute(np.array([int(x) for x in cols.split(",")]), axis=1)
        if rows != "-":
            ds.permute(np.array([int(x) for x in rows.split(",")]), axis=0)
    with h5py.File(ours, "r") as a, h5py.File(cp, "r") as b:
        same_layers(a, b, "permute")
        # loompy re-encodes the strings it rewrites (non-ASCII dropped): compare ours in that form.
        same_attrs(a, b, "col_attrs", "permute", lossy_strings=cols != "-")
        same_attrs(a, b, "row_attrs", "permute", lossy_strings=rows != "-")
        for g in ("col_graphs", "row_graphs"):
            ga, gb = graphs(a, g), graphs(b, g)
            check(sorted(ga) == sorted(gb), f"permute: {g} {sorted(ga)} vs {sorted(gb)}")
            for name in ga:
                if name in gb:
                    for x, y, c in zip(ga[name], gb[name], "abw"):
                        check(np.array_equal(x, y), f"permute: {g}/{name}/{c} {x[:5]} vs {y[:5]}")
        check("tiles" not in a, "permute: /tiles left in our output")
        # Our text is kept verbatim: it must equal the input's, permuted.
        with h5py.File(inp, "r") as o:
            for grp, order in (("row_attrs", rows), ("col_attrs", cols)):
                idx = None if order == "-" else np.array([int(x) for x in order.split(",")])
                for k in o[grp]:
                    v = attr(o, f"{grp}/{k}")
                    if getattr(v, "dtype", None) == object:
                        want = v if idx is None else v[idx]
                        check(np.array_equal(attr(a, f"{grp}/{k}"), want),
                              f"permute: our {grp}/{k} is not the input's text permuted")
    validate([ours])


def mex(d, ours, work):
    for sub in ("outs/filtered_gene_bc_matrices", "outs/filtered_feature_bc_matrix"):
        if os.path.isdir(os.path.join(d, sub)):
            break
    folder = os.path.join(d, sub)
    if sub.endswith("matrices"):
        folder = os.path.join(folder, sorted(os.listdir(folder))[0])
    names = os.listdir(folder)
    mtx = os.path.join(folder, "matrix.mtx" if "matrix.mtx" in names else "matrix.mtx.gz")
    m = scipy.io.mmread(mtx).toarray()
    feat = [x for x in names if x.startswith(("genes", "features"))][0]
    bc = [x for x in names if x.startswith("barcodes")][0]

    def lines(p):
        op = gzip.open if p.endswith(".gz") else open
        with op(p, "rt") as f:
            return [x.rstrip("\n").split("\t") for x in f if x.strip()]

    fl = lines(os.path.join(folder, feat))
    bl = [x[0] for x in lines(os.path.join(folder, bc))]
    sample = os.path.basename(os.path.abspath(d))
    with h5py.File(ours, "r") as a:
        got = a["matrix"][()]
        check(got.shape == m.shape and np.array_equal(got, m), "mex: matrix differs from scipy mmread")
        check(list(attr(a, "row_attrs/Accession")) == [x[0] for x in fl], "mex: Accession")
        check(list(attr(a, "row_attrs/Gene")) == [x[1] for x in fl], "mex: Gene")
        if len(fl[0]) >= 3:
            check(list(attr(a, "row_attrs/FeatureType")) == [x[2] for x in fl], "mex: FeatureType")
        check(list(attr(a, "col_attrs/CellID")) == [f"{sample}:{b}" for b in bl], "mex: CellID")
        check(list(attr(a, "col_attrs/Barcode")) == bl, "mex: Barcode")
    # loompy's own importer agrees (it densifies; int64).
    outdir = os.path.join(work, "loompy_mex_" + sample)
    os.makedirs(outdir, exist_ok=True)
    p = loompy.create_from_cellranger(d, outdir)
    with h5py.File(ours, "r") as a, h5py.File(p, "r") as b:
        check(np.array_equal(a["matrix"][()], b["matrix"][()]), "mex: matrix differs from loompy's")
        same_attrs(a, b, "col_attrs", "mex vs loompy", only=["CellID"])
        same_attrs(a, b, "row_attrs", "mex vs loompy", only=["Accession", "Gene"])
        ga = attr(a, "attrs/Genome") if "Genome" in a["attrs"] else None
        gb = attr(b, "attrs/Genome") if "Genome" in b["attrs"] else None
        check(ga == gb, f"mex: Genome {ga!r} vs loompy {gb!r}")
    validate([ours])


def subset(inp, ours, rows, cols):
    """`loom subset` output against h5py + numpy indexing of the input: every layer in its
    own dtype, every row/column attribute, graphs restricted and renumbered in selection
    order, globals kept; loompy validates and opens the output."""
    with h5py.File(inp, "r") as a:
        n, m = a["matrix"].shape
    ri = np.arange(n) if rows == "-" else np.array([int(x) for x in rows.split(",")])
    ci = np.arange(m) if cols == "-" else np.array([int(x) for x in cols.split(",")])
    with h5py.File(inp, "r") as a, h5py.File(ours, "r") as b:
        la, lb = layers(a), layers(b)
        check(sorted(la) == sorted(lb), f"subset: layers {sorted(la)} vs {sorted(lb)}")
        for k in la:
            if k not in lb:
                continue
            want = la[k][()][ri][:, ci]
            got = lb[k][()]
            check(got.dtype == want.dtype, f"subset: layer {k!r} dtype {got.dtype} vs {want.dtype}")
            check(got.shape == want.shape and np.array_equal(got, want, equal_nan=True),
                  f"subset: layer {k!r} differs")
        for group, idx in (("row_attrs", ri), ("col_attrs", ci)):
            check(sorted(a[group]) == sorted(b[group]), f"subset: {group} names differ")
            for k in a[group]:
                want = attr(a, f"{group}/{k}")[idx]
                got = attr(b, f"{group}/{k}")
                check(np.shape(got) == np.shape(want) and np.array_equal(got, want),
                      f"subset: {group}/{k} differs: {np.asarray(got).ravel()[:4]} vs {np.asarray(want).ravel()[:4]}")
        for group, idx in (("row_graphs", ri), ("col_graphs", ci)):
            pos = {}
            for new, old in enumerate(idx):
                pos.setdefault(int(old), []).append(new)
            ga, gb = graphs(a, group), graphs(b, group)
            check(sorted(ga) == sorted(gb), f"subset: {group} names differ")
            for k, (ea, eb, ew) in ga.items():
                want = sorted((x, y, float(w)) for s, t, w in zip(ea, eb, ew)
                              for x in pos.get(int(s), []) for y in pos.get(int(t), []))
                if k in gb:
                    got = sorted(zip(gb[k][0].tolist(), gb[k][1].tolist(), map(float, gb[k][2])))
                    check(got == want, f"subset: {group}/{k}: {len(got)} edges vs {len(want)}")
        if "attrs" in a:
            for k in a["attrs"]:
                if k in ("CreationDate", "LOOM_SPEC_VERSION", "last_modified"):
                    continue
                check(k in b["attrs"] and np.array_equal(attr(a, f"attrs/{k}"), attr(b, f"attrs/{k}")),
                      f"subset: global {k} not kept")
    validate([ours])


def same_values(ours, theirs, what):
    """Every layer and attribute of `theirs` equals ours by value (loompy keeps metadata as
    text and stores int64 / float32 where we may choose another width): numbers compare as
    numbers, text as text, and a number of ours against loompy's text as that text's value."""
    lo, lt = layers(ours), layers(theirs)
    check(sorted(lo) == sorted(lt), f"{what}: layers {sorted(lo)} vs {sorted(lt)}")
    for k in lt:
        if k in lo:
            a, b = lo[k][()], lt[k][()]
            check(a.shape == b.shape and np.array_equal(a.astype(np.float64), b.astype(np.float64)),
                  f"{what}: layer {k!r} differs ({a.dtype} {a.shape} vs {b.dtype} {b.shape})")
    for group in ("row_attrs", "col_attrs"):
        check(sorted(ours[group]) == sorted(theirs[group]),
              f"{what}: {group} {sorted(ours[group])} vs {sorted(theirs[group])}")
        for k in theirs[group]:
            if k not in ours[group]:
                continue
            a, b = attr(ours, f"{group}/{k}"), attr(theirs, f"{group}/{k}")
            if b.dtype == object and a.dtype != object:
                a, b = a.astype(np.float64), np.array([float(x) for x in b])
            check(np.array_equal(a, b), f"{what}: {group}/{k} differs: {list(a[:5])} vs {list(b[:5])}")
    for k in theirs["attrs"]:
        if k not in ("CreationDate", "LOOM_SPEC_VERSION", "last_modified"):
            check(k in ours["attrs"] and attr(ours, f"attrs/{k}") == attr(theirs, f"attrs/{k}"),
                  f"{what}: global {k}")


def create_from_tsv(ours, tsv, ref, colmeta, sample, work):
    theirs = os.path.join(work, "loompy_from_tsv.loom")
    kw = {"sample_id": sample, "file_attrs": {"title": "tsv import"}}
    if ref != "-":
        kw["row_metadata_loomfile"] = ref
    if colmeta != "-":
        kw["col_metadata_tsv"] = colmeta
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        loompy.create_from_tsv(theirs, tsv, **kw)
    with h5py.File(ours, "r") as a, h5py.File(theirs, "r") as b:
        same_values(a, b, "create_from_tsv")
    validate([ours])


def create_from_mtx(ours, sample, genes, barcodes, transposed, work, pairs):
    theirs = os.path.join(work, "loompy_from_mtx.loom")
    paths = {("" if n == "main" else n): p for n, p in zip(pairs[::2], pairs[1::2])}
    loompy.create_from_matrix_market(theirs, sample, paths, genes, barcodes,
                                     file_attrs={"title": "mtx import"},
                                     matrix_transposed=transposed == "1")
    with h5py.File(ours, "r") as a, h5py.File(theirs, "r") as b:
        same_values(a, b, "create_from_matrix_market")
    validate([ours])


def loompy_add(path, k):
    k = int(k)
    with loompy.connect(path, validate=True) as ds:
        n, m = ds.shape
        main, spliced, ids = block(n, k, m)
        lay = {"": main}
        if "spliced" in ds.layers.keys():
            lay["spliced"] = spliced
        ds.add_columns(lay, {"CellID": ids}, fill_values="auto")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "validate":
        validate(args)
    elif cmd == "add_columns":
        add_columns(*args)
    elif cmd == "create":
        create(*args)
    elif cmd == "combine":
        combine(args[0], args[1], args[2], args[3:])
    elif cmd == "combine_faster":
        combine_faster(args[0], args[1], args[2], args[3:])
    elif cmd == "combine_rows":
        combine_rows(args[0], args[1], args[2:])
    elif cmd == "permute":
        permute(*args)
    elif cmd == "mex":
        mex(*args)
    elif cmd == "subset":
        subset(*args)
    elif cmd == "create_from_tsv":
        create_from_tsv(*args)
    elif cmd == "create_from_mtx":
        create_from_mtx(args[0], args[1], args[2], args[3], args[4], args[5], args[6:])
    elif cmd == "loompy_add":
        loompy_add(*args)
    else:
        raise SystemExit(f"unknown command {cmd}")
    if FAIL:
        print("\n".join(FAIL))
        sys.exit(1)
    print(f"OK {cmd}")


if __name__ == "__main__":
    main()
