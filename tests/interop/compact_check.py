#!/usr/bin/env python3
"""Check `loom compact`: the compacted file dumps with h5py exactly as the edited file did
before compaction (h5canon's rules), and loompy opens it and reads the same matrix.

Usage: compact_check.py H5CANON BEFORE_COPY COMPACTED   (exit 1 on any difference)
"""
import importlib.util, json, sys


def main():
    canon_path, before, after = sys.argv[1:4]
    spec = importlib.util.spec_from_file_location("h5canon", canon_path)
    canon = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(canon)
    import h5py, loompy, numpy as np
    with h5py.File(before, "r") as a:
        ref = json.loads(json.dumps(canon.dump(a)))
    with h5py.File(after, "r") as b:
        got = json.loads(json.dumps(canon.dump(b)))
    diffs = canon.compare(ref, got)
    if diffs:
        print("FAIL compacted file differs:", *diffs[:10], sep="\n    ")
        sys.exit(1)
    with loompy.connect(before, "r", validate=False) as a, loompy.connect(after, "r", validate=False) as b:
        assert a.shape == b.shape, (a.shape, b.shape)
        if not np.array_equal(a[:, :], b[:, :]):
            print("FAIL loompy reads another matrix")
            sys.exit(1)
        assert sorted(a.attrs.keys()) == sorted(b.attrs.keys())
    print("ok   compacted file identical for h5py and loompy")


main()
