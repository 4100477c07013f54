#!/usr/bin/env python3
"""Check `loom stats` against numpy (1e-9 relative) and `loom export` against h5py.

Usage: check_stats_export.py LOOM_BIN OUTDIR FILE...   (exit 1 on any mismatch)
For every loom file and every layer: stats on both axes; npy and tsv export of the whole
layer and of a selection (a range of rows, an index list of columns with repeats).
"""
import io, os, subprocess, sys
import numpy as np
import h5py

def run(args):
    r = subprocess.run(args, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.decode()}")
    return r.stdout

def close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    ok = np.isclose(a, b, rtol=1e-9, atol=1e-12) | both_nan
    return bool(ok.all())

def main():
    loom, outdir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(outdir, exist_ok=True)
    failures = 0
    checks = 0
    for f in files:
        with h5py.File(f, "r") as h:
            layers = [("", h["matrix"][()])]
            if "layers" in h:
                layers += [(k, h["layers"][k][()]) for k in sorted(h["layers"].keys())]
        for name, m in layers:
            m64 = m.astype(np.float64)
            for axis, ax in (("row", 1), ("col", 0)):
                out = run([loom, "stats", f, "--axis", axis, "--layer", name]).decode()
                lines = [l.split("\t") for l in out.strip().split("\n")]
                head, rows = lines[0], lines[1:]
                col = {k: i for i, k in enumerate(head)}
                got = {k: np.array([float(r[col[k]]) for r in rows]) for k in ("nnz", "sum", "mean", "sd", "min", "max")}
                want = {"nnz": (m64 != 0).sum(axis=ax), "sum": m64.sum(axis=ax), "mean": m64.mean(axis=ax),
                        "sd": m64.std(axis=ax), "min": m64.min(axis=ax), "max": m64.max(axis=ax)}
                for k in want:
                    checks += 1
                    if not close(got[k], want[k]):
                        failures += 1
                        print(f"FAIL {f} layer {name!r} axis {axis}: {k} differs")
            npy = os.path.join(outdir, "x.npy")
            run([loom, "export", f, "--layer", name, "--format", "npy", "-o", npy])
            a = np.load(npy)
            checks += 1
            if a.dtype != m.dtype or a.shape != m.shape or not (a == m).all():
                failures += 1
                print(f"FAIL {f} layer {name!r}: npy export differs ({a.dtype} {a.shape})")
            n, c = m.shape
            cols = [c - 1, 0, min(2, c - 1), 0]
            run([loom, "export", f, "--layer", name, "--format", "npy", "-o", npy,
                 "--rows", f"1:{n}", "--cols", ",".join(map(str, cols))])
            a = np.load(npy)
            checks += 1
            if not (a == m[1:n][:, cols]).all():
                failures += 1
                print(f"FAIL {f} layer {name!r}: npy export of a selection differs")
            tsv = run([loom, "export", f, "--layer", name, "--format", "tsv"]).decode()
            body = np.array([[float(x) for x in l.split("\t")[1:]] for l in tsv.strip().split("\n")[1:]])
            checks += 1
            if body.shape != m.shape or not close(body, m64):
                failures += 1
                print(f"FAIL {f} layer {name!r}: tsv export differs")
    print(f"{checks - failures}/{checks} checks passed")
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    main()
