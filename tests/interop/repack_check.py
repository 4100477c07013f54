#!/usr/bin/env python3
"""Check `loom h5 repack`: the output dumps identically to the input with h5py (h5canon's
rules); h5py can reopen the output read-write and modify it (a root attribute, a group, an
attribute on every dataset, one resize); and loomfile reads the edited file as h5py does.

Usage: repack_check.py LOOM_BIN H5CANON OUTDIR FILE...   (exit 1 if any file fails)
"""
import importlib.util, json, os, shutil, subprocess, sys

def load_oracle(path):
    spec = importlib.util.spec_from_file_location("h5canon", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def failed_with(f, what, diffs):
    """Print the first differences under a FAIL line; True when there are any."""
    if diffs:
        print(f"FAIL {f}: {what}:")
        for d in diffs[:10]:
            print("   ", d)
    return bool(diffs)


def main():
    loom, canon_path, outdir, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    canon = load_oracle(canon_path)
    import h5py, numpy as np
    os.makedirs(outdir, exist_ok=True)
    failed = 0
    for f in files:
        out = os.path.join(outdir, os.path.basename(f) + ".repacked.h5")
        r = subprocess.run([loom, "--quiet", "h5", "repack", f, out], capture_output=True)
        if r.returncode != 0:
            print(f"FAIL {f}: repack exit {r.returncode}: {r.stderr.decode().strip()}")
            failed += 1
            continue
        with h5py.File(f, "r") as a:
            ref = json.loads(json.dumps(canon.dump(a)))
        with h5py.File(out, "r") as b:
            got = json.loads(json.dumps(canon.dump(b)))
        if failed_with(f, "repacked file differs", canon.compare(ref, got)):
            failed += 1
            continue
        # h5py reopens read-write and edits the repacked file.
        try:
            with h5py.File(out, "r+") as b:
                b.attrs["repack_check"] = "edited"
                b.create_group("repack_check_group")
                for obj in b.values():
                    if isinstance(obj, h5py.Dataset):
                        obj.attrs["repack_check"] = np.arange(3)
                for name, obj in list(b.items()):
                    if isinstance(obj, h5py.Dataset) and obj.maxshape and obj.chunks and None in obj.maxshape:
                        axis = obj.maxshape.index(None)
                        shape = list(obj.shape); shape[axis] += 1
                        obj.resize(tuple(shape))
                        break
            with h5py.File(out, "r") as b:
                assert b.attrs["repack_check"] == "edited"
        except Exception as e:
            failed += 1
            print(f"FAIL {f}: h5py r+ on the repacked file: {e!r}")
            continue
        # loomfile reads what h5py made of the repacked file.
        d = subprocess.run([loom, "h5", "dump", "--json", out], capture_output=True)
        with h5py.File(out, "r") as b:
            ref = json.loads(json.dumps(canon.dump(b)))
        if d.returncode:
            diffs = ["dump failed: " + d.stderr.decode().strip()]
        else:
            got = json.loads(d.stdout)
            diffs = canon.compare(ref, got["nodes"] if isinstance(got, dict) else got)
        if failed_with(f, "loomfile reads the h5py-edited repacked file differently", diffs):
            failed += 1
            continue
        print(f"ok   {f}")
    print(f"{len(files) - failed}/{len(files)} files repacked identically")
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
