#!/usr/bin/env python3
"""h5py's side of the single-bit-flip measurement (crates/cli/tests/bitflips_h5py.rs).

Usage: bitflips_h5py.py H5CANON MANIFEST START

MANIFEST is a JSON list of {"file", "original", "engine"}: a flipped file, the unflipped
seed it came from, and (when loomfile read the flipped file without an error) the path of
loomfile's `loom h5 dump --json` of it. For each case from index START on, one JSON line:

    {"i": index, "h5py": "identical" | "different" | "error", "agree": bool, "diff": [...]}

"identical"/"different": h5py read everything (every object, attribute and dataset, through
h5canon's dump) and the content equals / differs from the seed's (h5canon's comparison:
paths, kinds, dtypes, shapes, attributes, data; floats bit for bit). "error": some read
raised. "agree" (only when h5py read it and loomfile's dump is given): h5py's content equals
loomfile's. Lines are flushed one by one: the caller restarts after a crash or a hang from
the next index.
"""
import importlib.util
import json
import resource
import sys

# As in the reference measurement: a 2 GiB address-space cap turns runaway allocations
# (a flipped dimension) into MemoryError instead of swapping the machine.
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

spec = importlib.util.spec_from_file_location("h5canon", sys.argv[1])
canon = importlib.util.module_from_spec(spec)
spec.loader.exec_module(canon)
import h5py  # noqa: E402

try:
    h5py._errors.silence_errors()
except Exception:
    pass

cases = json.load(open(sys.argv[2]))
start = int(sys.argv[3])
# The test runs one process per core, each over its own range [start, end).
end = int(sys.argv[4]) if len(sys.argv) > 4 else len(cases)
originals = {}


def dump(path):
    with h5py.File(path, "r") as f:
        return json.loads(json.dumps(canon.dump(f)))


for i in range(start, end):
    c = cases[i]
    if c["original"] not in originals:
        originals[c["original"]] = dump(c["original"])
    ref = originals[c["original"]]
    try:
        got = dump(c["file"])
    except BaseException as e:  # MemoryError, RecursionError, h5py errors alike
        if isinstance(e, KeyboardInterrupt):
            raise
        print(json.dumps({"i": i, "h5py": "error", "detail": repr(e)[:200]}), flush=True)
        continue
    try:
        same = not canon.compare(ref, got)
    except Exception as e:
        same = False
    rec = {"i": i, "h5py": "identical" if same else "different"}
    if c.get("engine"):
        try:
            eng = json.load(open(c["engine"]))
            if isinstance(eng, dict) and "nodes" in eng:
                eng = eng["nodes"]
            d = canon.compare(got, eng)
        except Exception as e:
            d = [f"compare failed: {e!r}"]
        rec["agree"] = not d
        rec["diff"] = d[:4]
    print(json.dumps(rec), flush=True)
