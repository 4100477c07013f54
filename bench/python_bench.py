"""The Python side of `cargo xtask bench`: the same loompy calls timed with loomfile (the
wheel, imported as loompy) and with loompy 3.0.8, in one process, interleaved per
repetition so load changes hit both alike. Writes JSON lines
{"op", "threads", "loomfile_s", "loompy_s", "call"} (medians) and prints a table; xtask joins
them with the Rust API's times for the same work (crates/loom/examples/api_bench.rs) when
those are present.

    python bench/python_bench.py FILE --reps 3 --threads 2 --json out.jsonl

The engine's thread count is set with RAYON_NUM_THREADS before loomfile is imported, so run
one process per thread count (xtask does).
"""

import argparse
import json
import os
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", required=True)
    ap.add_argument("--skip-loompy", action="store_true")
    a = ap.parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(a.threads)

    import numpy as np

    import loomfile

    sides = {"loomfile": loomfile}
    if not a.skip_loompy:
        import loompy

        sides["loompy"] = loompy

    conns = {k: m.connect(a.file, "r", validate=False) for k, m in sides.items()}
    nr, nc = conns["loomfile"].shape
    rng = np.random.default_rng(0)
    cols1000 = np.sort(rng.choice(nc, min(1000, nc), replace=False))

    def scan(axis, what=("layers",)):
        def run(ds):
            for _ in ds.scan(axis=axis, layers=[""], what=list(what)):
                pass
        return run

    ops = [
        ("full read", "ds[:, :]", lambda ds: ds[:, :]),
        ("scan axis 0", "for _ in ds.scan(axis=0, layers=[''], what=['layers']): pass", scan(0)),
        ("scan axis 1", "for _ in ds.scan(axis=1, layers=[''], what=['layers']): pass", scan(1)),
        ("scan axis 0, attributes", "for _ in ds.scan(axis=0, layers=['']): pass",
         scan(0, ("layers", "row_attrs", "col_attrs", "row_graphs", "col_graphs"))),
        ("stats axis 0", "ds.map([np.mean, np.std], axis=0)", lambda ds: ds.map([np.mean, np.std], axis=0)),
        ("stats axis 1", "ds.map([np.mean, np.std], axis=1)", lambda ds: ds.map([np.mean, np.std], axis=1)),
        ("sparse", "ds.sparse()", lambda ds: ds.sparse()),
        ("1,000 random columns", "ds[:, sorted idx]", lambda ds: ds[:, cols1000]),
        ("1 row", "ds[i, :]", lambda ds: ds[nr // 2, :]),
        ("1 column", "ds[:, j]", lambda ds: ds[:, nc // 2]),
    ]
    lines = []
    print(f"{'operation':<22} {'loomfile':>11} {'loompy':>11} {'speed-up':>9}   call ({a.threads} threads)")
    for op, call, fn in ops:
        times = {k: [] for k in conns}
        for k, ds in conns.items():
            fn(ds)  # warm-up
        for _ in range(a.reps):
            for k, ds in conns.items():
                t = time.perf_counter()
                fn(ds)
                times[k].append(time.perf_counter() - t)
        med = {k: statistics.median(v) for k, v in times.items()}
        row = {"op": op, "threads": a.threads, "call": call, "loomfile_s": med["loomfile"]}
        if "loompy" in med:
            row["loompy_s"] = med["loompy"]
        lines.append(row)
        theirs = med.get("loompy")
        print(
            f"{op:<22} {med['loomfile'] * 1e3:>9.1f}ms "
            + (f"{theirs * 1e3:>9.1f}ms {theirs / med['loomfile']:>8.1f}x" if theirs else " " * 21)
            + f"   {call}",
            flush=True,
        )
    for ds in conns.values():
        ds.close()
    with open(a.json, "a") as f:
        for r in lines:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    sys.exit(main())
