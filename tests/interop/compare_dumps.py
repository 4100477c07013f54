#!/usr/bin/env python3
"""Compare `loom h5 dump --json` with the h5py oracle (h5canon.py) for many files at once.

Usage: compare_dumps.py LOOM_BIN H5CANON FILE...   (exit 1 if any file differs)
Each file is dumped by the engine and by h5py, then compared with h5canon's own rules
(bit-exact floats, identical structure, attributes, shapes and values).
"""
import importlib.util, json, subprocess, sys

def load_oracle(path):
    spec = importlib.util.spec_from_file_location("h5canon", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def main():
    loom, canon_path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    canon = load_oracle(canon_path)
    import h5py
    failed = 0
    for f in files:
        r = subprocess.run([loom, "h5", "dump", "--json", f], capture_output=True)
        if r.returncode != 0:
            print(f"FAIL {f}: engine exit {r.returncode}: {r.stderr.decode().strip()}")
            failed += 1
            continue
        got = json.loads(r.stdout)
        with h5py.File(f, "r") as h:
            ref = json.loads(json.dumps(canon.dump(h)))
        diffs = canon.compare(ref, got)
        if diffs:
            failed += 1
            print(f"FAIL {f}:")
            for d in diffs[:10]:
                print("   ", d)
        else:
            print(f"ok   {f}")
    print(f"{len(files) - failed}/{len(files)} files identical")
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
