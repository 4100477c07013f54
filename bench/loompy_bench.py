"""The loompy / h5py side of `cargo xtask bench`: the same operations as
crates/scan/examples/scan_bench.rs on the same file, timed in-process (perf_counter around
the operation only, one warm-up, median and best of N runs).

    target/venv/bin/python bench/loompy_bench.py FILE.loom --reps 3 --json OUT.jsonl

Each line of OUT: {"op", "median_s", "best_s", "how"}. `op` names match scan_bench's so
xtask can put them side by side. Random picks use the same generator as scan_bench
(64-bit LCG, sorted, deduplicated), so both sides read the same rows and columns.
"""

import argparse
import json
import logging
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


def timed(reps, fn):
    fn(0)
    ts = []
    for k in range(1, reps + 1):
        t = time.perf_counter()
        fn(k)
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2], ts[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", required=True)
    a = ap.parse_args()
    out = []

    def record(op, how, fn, reps=a.reps):
        med, best = timed(reps, fn)
        out.append({"op": op, "median_s": med, "best_s": best, "how": how})
        print(f"{op:<34} {med * 1e3:>9.1f} ms / {best * 1e3:>9.1f} ms   ({how})", flush=True)

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
        record("10 random rows", "loompy ds[sorted idx, :]",
               lambda k: ds[picks(nr, 10, k), :], reps)
    with open(a.json, "w") as f:
        for r in out:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
