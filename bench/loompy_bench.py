"""The loompy / h5py side of `cargo xtask bench`: the same operations as
crates/scan/examples/scan_bench.rs on the same file, timed in-process (perf_counter around
the operation only, one warm-up, median and best of N runs).

    target/venv/bin/python bench/loompy_bench.py FILE.loom --group reads --reps 3 --json OUT.jsonl

Groups: `reads` (full read, rows, columns, scans, map, sparse), one whole-file operation
per process for `create`, `add_columns`, `combine`, `permute` (the work of
crates/loom/examples/ops_bench.rs; a process each, so its peak RSS is that operation's), and
the references of the `loom` commands timed as whole processes: `export` (the main matrix
to .npy), `subset` (2,000 random columns, every layer, the scan + add_columns recipe of
loompy's documentation) and `convert` (FILE is a Cell Ranger HDF5 file: scanpy's
read_10x_h5 + write_loom; needs scanpy, in the bench venv).
Each line appended to OUT: {"op", "median_s", "best_s", "how", "peak_kib"}. `op` names match
the Rust side's so xtask can put them side by side. Random picks use the same generators as
scan_bench and ops_bench (64-bit LCG), so both sides do the same work.
"""

import argparse
import json
import logging
import os
import shutil
import time
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)

import h5py  # noqa: E402
import loompy  # noqa: E402
import numpy as np  # noqa: E402

MASK = (1 << 64) - 1


def picks(dim, n, seed):
    x, out = seed, []
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & MASK
        out.append((x >> 33) % dim)
    return sorted(set(out))


def timed(reps, fn, setup=None):
    """Median and best of `reps` runs of fn(k) after a warm-up fn(0); `setup()` (untimed)
    before each."""
    ts = []
    for k in range(reps + 1):
        if setup is not None:
            setup()
        t = time.perf_counter()
        fn(k)
        if k:
            ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2], ts[0]


def status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def peak_kib():
    return status_kib("VmHWM:")


def reset_peak():
    """Forget the set-up's peak RSS (Linux clear_refs); return what is resident now."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return status_kib("VmRSS:")


def permutation(n):
    v = list(range(n))
    x = 42
    for i in range(n - 1, 0, -1):
        x = (x * 6364136223846793005 + 1442695040888963407) & MASK
        j = (x >> 33) % (i + 1)
        v[i], v[j] = v[j], v[i]
    return np.array(v)


EDITS = 224


def ops(a, record):
    """One whole-file operation (a.group), the work of ops_bench.rs."""
    work = a.work
    os.makedirs(work, exist_ok=True)
    with loompy.connect(a.file, "r", validate=False) as ds:
        names = list(ds.layers.keys())
        n, m = ds.shape
        if a.group == "create":
            mats = {k: ds.layers[k].sparse().tocsc() for k in names}
            rows = {k: ds.ra[k] for k in ("Gene", "Accession")}
            cols = {k: ds.ca[k] for k in ("CellID", "ClusterName")}
        if a.group == "edits":
            block8 = {name: ds.layers[name][:, :8] for name in names}
        if a.group == "add_columns":
            k = min(1000, m)
            block = {name: ds.layers[name][:, :k] for name in names}
            cols = {"CellID": np.array([f"new_{j}" for j in range(k)]),
                    "ClusterName": np.array([f"cluster_{j % 17}" for j in range(k)])}
    out = os.path.join(work, "loompy_out.loom")
    a.base_kib = reset_peak()

    def fresh_copy():
        shutil.copyfile(a.file, out)

    if a.group == "create":
        record("create", "loompy.create(CSC layers + 4 string attrs)",
               lambda k: loompy.create(out, mats, rows, cols))
    elif a.group == "add_columns":
        def add(k):
            with loompy.connect(out, "r+", validate=False) as d:
                d.add_columns(block, cols)
        record("add_columns", "loompy add_columns (r+ on a copy, copy not timed)", add,
               setup=fresh_copy)
    elif a.group == "edits":
        def edits(k):
            with loompy.connect(out, "r+", validate=False) as d:
                for e in range(EDITS):
                    cols = {key: np.repeat(d.ca[key][:1], 8, axis=0) for key in d.ca.keys()}
                    cols["CellID"] = np.array([f"edit{e}_{j}" for j in range(8)])
                    d.add_columns(block8, cols)
        record("edits", f"loompy add_columns x {EDITS} (8 columns each, r+ on a copy)", edits,
               setup=fresh_copy)
    elif a.group == "combine":
        record("combine", "loompy.combine([f, f])",
               lambda k: loompy.combine([a.file, a.file], out))
    elif a.group == "permute":
        perm = permutation(m)

        def permute(k):
            with loompy.connect(out, "r+", validate=False) as d:
                d.permute(perm, axis=1)
        record("permute", "loompy permute(axis=1) (r+ on a copy, copy not timed)", permute,
               setup=fresh_copy)


def commands(a, record):
    """The loompy/scanpy side of one `loom` command (a.group)."""
    os.makedirs(a.work, exist_ok=True)
    if a.group == "export":
        out = os.path.join(a.work, "loompy_export.npy")

        def export(k):
            with loompy.connect(a.file, "r", validate=False) as ds:
                np.save(out, ds[:, :])
        record("export npy", "loompy ds[:, :] + np.save", export)
    elif a.group == "subset":
        out = os.path.join(a.work, "loompy_subset.loom")
        with h5py.File(a.file, "r") as f:
            cols = picks(f["matrix"].shape[1], SUBSET_COLUMNS, 1)

        def remove():
            if os.path.exists(out):
                os.remove(out)

        def subset(k):
            with loompy.connect(a.file, "r", validate=False) as ds, loompy.new(out) as dst:
                for _, _, view in ds.scan(items=np.array(cols), axis=1):
                    dst.add_columns(view.layers, col_attrs=view.ca, row_attrs=view.ra)
        record("subset", f"loompy scan(items={len(cols)} columns, axis=1) + add_columns",
               subset, setup=remove)
    elif a.group == "convert":
        import scanpy as sc
        out = os.path.join(a.work, "scanpy_convert.loom")

        def convert(k):
            sc.read_10x_h5(a.file).write_loom(out)
        record("convert 10x h5", "scanpy read_10x_h5 + AnnData.write_loom", convert)


# Random columns of the `subset` benchmark (the same picks as api_bench and xtask's `loom
# subset --cols`).
SUBSET_COLUMNS = 2000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", required=True)
    ap.add_argument("--group", default="reads",
                    choices=["reads", "create", "add_columns", "combine", "permute", "edits", "export",
                             "subset", "convert"])
    ap.add_argument("--work", default="target/bench-data/work")
    a = ap.parse_args()
    out = []

    def record(op, how, fn, reps=a.reps, setup=None):
        med, best = timed(reps, fn, setup)
        out.append({"op": op, "median_s": med, "best_s": best, "how": how})
        print(f"{op:<34} {med * 1e3:>9.1f} ms / {best * 1e3:>9.1f} ms   ({how})", flush=True)

    if a.group in ("export", "subset", "convert"):
        commands(a, record)
        with open(a.json, "a") as f:
            for r in out:
                r["peak_kib"] = peak_kib()
                f.write(json.dumps(r) + "\n")
        return
    if a.group != "reads":
        ops(a, record)
        result = os.path.join(a.work, "loompy_out.loom")
        for r in out:
            r["peak_kib"] = peak_kib()
            r["base_kib"] = a.base_kib
            if os.path.exists(result):
                r["bytes"] = os.path.getsize(result)
        with open(a.json, "a") as f:
            for r in out:
                f.write(json.dumps(r) + "\n")
        return

    with h5py.File(a.file, "r") as f:
        m = f["matrix"]
        nr, nc = m.shape
        record("full read, fresh Vec", "h5py File['matrix'][()]", lambda k: m[()])
        record("1,000 random columns", "h5py m[:, sorted idx]",
               lambda k: m[:, picks(nc, 1000, k)])
    with loompy.connect(a.file, "r", validate=False) as ds:
        record("full read (loompy)", "loompy ds[:, :]", lambda k: ds[:, :])

        def scan(axis):
            def run(k):
                for _ in ds.scan(axis=axis, layers=[""]):
                    pass
            return run

        record("scan axis 0, fresh batches", "loompy scan(axis=0, layers=[''])", scan(0))
        record("scan axis 1, fresh batches", "loompy scan(axis=1, layers=[''])", scan(1))
        record("stats axis 0", "loompy map([mean, std], axis=0)",
               lambda k: ds.map([np.mean, np.std], axis=0))
        record("stats axis 1", "loompy map([mean, std], axis=1)",
               lambda k: ds.map([np.mean, np.std], axis=1))
        record("to_csr", "loompy ds.sparse() (COO)", lambda k: ds.sparse())
        reps = max(a.reps, 10)
        record("1 row", "loompy ds[i, :]", lambda k: ds[(k * 7919) % nr, :], reps)
        record("1 column", "loompy ds[:, j]", lambda k: ds[:, (k * 7919) % nc], reps)
        def rows_one_by_one(k):
            r0 = (k * 7919) % (nr - min(nr, 64))
            return [ds[r, :] for r in range(r0, r0 + min(nr, 64))]

        record("64 rows one by one", "loompy ds[i, :] for 64 consecutive i (libhdf5's "
               "1 MiB chunk cache)", rows_one_by_one)
        record("10 random rows", "loompy ds[sorted idx, :]",
               lambda k: ds[picks(nr, 10, k), :], reps)
    with open(a.json, "a") as f:
        for r in out:
            r["peak_kib"] = peak_kib()
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
