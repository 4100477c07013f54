#!/usr/bin/env python3
"""Check the writer's space map: a file whose dead bytes (the gaps the space map leaves) are
overwritten with garbage dumps with h5py exactly as the original (h5canon's rules). A gap
that some structure still used would change or break the dump.

Usage: gaps_check.py H5CANON ORIGINAL SCRAMBLED [ORIGINAL SCRAMBLED ...]  (exit 1 on any difference)
"""
import importlib.util, json, sys


def main():
    canon_path, files = sys.argv[1], sys.argv[2:]
    spec = importlib.util.spec_from_file_location("h5canon", canon_path)
    canon = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(canon)
    import h5py
    failed = 0
    for original, scrambled in zip(files[0::2], files[1::2]):
        with h5py.File(original, "r") as a:
            ref = json.loads(json.dumps(canon.dump(a)))
        try:
            with h5py.File(scrambled, "r") as b:
                got = json.loads(json.dumps(canon.dump(b)))
        except Exception as e:  # a live byte was scrambled
            print(f"FAIL {original}: h5py cannot read it with the gaps scrambled: {e!r}")
            failed += 1
            continue
        diffs = canon.compare(ref, got)
        if diffs:
            print(f"FAIL {original}: differs with the gaps scrambled:", *diffs[:5], sep="\n    ")
            failed += 1
    print(f"{len(files) // 2 - failed}/{len(files) // 2} files read the same with their dead bytes scrambled")
    sys.exit(1 if failed else 0)


main()
