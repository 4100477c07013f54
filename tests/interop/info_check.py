#!/usr/bin/env python3
"""`loom info --json` and `loom attrs --json` against h5py-level truth (spec/cli.md contract).

Usage: info_check.py LOOM_BIN FILE...     (exit 1 if any file disagrees)

For each file, h5py gives: the spec version (loompy's rule), the shape of /matrix, every layer
(main matrix first as "", then sorted) with its dtype, chunks, compression ("gzip:LEVEL" or
null) and stored bytes; row/col attribute names (sorted), dtype words and shapes; row/col graph
names (current and legacy *_edges groups) with their edge counts; global attributes and their
values; and every attribute's values. Values are compared exactly: strings as loomtruth.py
defines them (UTF-8 verbatim in spec 3, XML references decoded in spec 2 and legacy files),
floats bit for bit after JSON (NaN and infinities as null), compounds as objects of fields,
enums as integers, bools as true/false. The TSV form of `loom attrs` is checked too, for
every 1-D attribute (integers digit for digit, floats parsed back exactly).
"""
import json
import os
import struct
import subprocess
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loomtruth as lt  # noqa: E402


def plain(v):
    """Canonical loomtruth values -> the contract's JSON values."""
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, str) and v.startswith("f:"):
        if v == "f:nan":
            return None
        x = struct.unpack(">d", bytes.fromhex(v[2:]))[0]
        return None if x in (float("inf"), float("-inf")) else x
    return v


def expected_info(path):
    t = lt.truth(path)
    with h5py.File(path, "r") as f:
        def layer(name, d):
            comp = None
            if d.compression == "gzip":
                comp = f"gzip:{d.compression_opts}"
            elif d.compression is not None:
                comp = d.compression
            return {"name": name, "dtype": d.dtype.name,
                    "chunks": list(d.chunks) if d.chunks else None,
                    "compression": comp, "stored_bytes": d.id.get_storage_size()}
        layers = [layer("", f["matrix"])] if "matrix" in f else []
        layers += [layer(n, f["layers"][n]) for n in lt.members_of(f, "layers", "dataset")]
        out = {"spec_version": t["spec"], "shape": t["shape"], "layers": layers}
        for axis in ("row", "col"):
            g = f.get(f"{axis}_attrs")
            out[f"{axis}_attrs"] = [
                {"name": n, "dtype": lt.dtype_word(g[n].dtype), "shape": list(g[n].shape)}
                for n in lt.members_of(f, f"{axis}_attrs", "dataset")]
            out[f"{axis}_graphs"] = [{"name": n, "edges": len(e["a"])}
                                     for n, e in sorted(t[f"{axis}_graphs"].items())]
        out["global_attrs"] = {k: plain(v["values"]) for k, v in t["globals"].items()}
        out["other"] = lt.other_members(f)
    return out, t


def run(args):
    r = subprocess.run(args, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"{args}: exit {r.returncode}: {r.stderr.decode()}")
    return json.loads(r.stdout)


def info_diffs(path, exp, got):
    """`loom info --json` against the expected object. dead_bytes has no h5py counterpart: it
    must be a count of bytes inside the file for every file the space map covers (superblock
    versions 0 and 1, which the writer edits; the h5py oracle for the map itself is
    h5_interop.rs::space_map_gaps_are_dead_for_h5py) and null, "not known", for the newer
    superblocks, which are read-only here."""
    got = dict(got)
    dead = got.pop("dead_bytes", "missing")
    size = os.path.getsize(path)
    if superblock_version(path) > 1:
        ok = dead is None
    else:
        ok = isinstance(dead, int) and not isinstance(dead, bool) and 0 <= dead < size
    problems = [] if ok else [
        f"/dead_bytes: {dead!r} is not a byte count below the file size {size}"]
    return problems + diffs(exp, got)


def superblock_version(path):
    """The version byte after the HDF5 signature, which sits at 0, 512, 1024, ... ."""
    sig = b"\x89HDF\r\n\x1a\n"
    with open(path, "rb") as f:
        at = 0
        while True:
            f.seek(at)
            head = f.read(9)
            if len(head) < 9:
                return -1
            if head[:8] == sig:
                return head[8]
            at = 512 if at == 0 else at * 2


def diffs(exp, got, path=""):
    if isinstance(exp, dict) and isinstance(got, dict):
        out = []
        for k in sorted(set(exp) | set(got)):
            if k not in got:
                out.append(f"{path}/{k}: missing from loom's output")
            elif k not in exp:
                out.append(f"{path}/{k}: not expected")
            else:
                out += diffs(exp[k], got[k], f"{path}/{k}")
        return out
    if isinstance(exp, list) and isinstance(got, list) and len(exp) == len(got):
        out = []
        for i, (a, b) in enumerate(zip(exp, got)):
            out += diffs(a, b, f"{path}[{i}]")
        return out
    if exp == got and type(exp) is type(got) or (isinstance(exp, (int, float)) and not isinstance(exp, bool)
                                                  and isinstance(got, (int, float)) and not isinstance(got, bool)
                                                  and float(exp) == float(got)):
        return []
    return [f"{path}: expected {str(exp)[:120]} got {str(got)[:120]}"]


def tsv_diffs(loom, path, axis, t):
    """The TSV form: one column per 1-D attribute, values exact (integers as integers, floats
    parsed back bit for bit, NaN/Infinity by name, tabs and newlines in text as spaces)."""
    r = subprocess.run([loom, "attrs", path, "--axis", axis], capture_output=True, text=True)
    if r.returncode != 0:
        return [f"exit {r.returncode}: {r.stderr}"]
    lines = r.stdout.split("\n")
    header = lines[0].split("\t") if lines[0] else []
    rows = [l.split("\t") for l in lines[1:] if l != ""]
    out = []
    for name, e in t[f"{axis}_attrs"].items():
        if len(e["shape"]) != 1 or e["dtype"] in ("compound",):
            continue
        if name not in header:
            out.append(f"{name}: no TSV column")
            continue
        col = header.index(name)
        for i, want in enumerate(e["values"]):
            cell = rows[i][col] if i < len(rows) and col < len(rows[i]) else None
            if e["dtype"] == "string":
                ok = cell == want.replace("\t", " ").replace("\n", " ")
            elif e["dtype"] == "bool":
                ok = cell == ("true" if want else "false")
            elif isinstance(want, str):          # a float, canonical
                v = lt_float(want)
                ok = cell is not None and (float(cell) == v or (v != v and cell == "NaN"))
            else:
                ok = cell == str(want)
            if not ok:
                out.append(f"{name}[{i}]: TSV has {cell!r}, expected {want!r}")
                break
    return out


def lt_float(v):
    if v == "f:nan":
        return float("nan")
    return struct.unpack(">d", bytes.fromhex(v[2:]))[0]


def main():
    loom, files = sys.argv[1], sys.argv[2:]
    failed = 0
    for path in files:
        exp, t = expected_info(path)
        problems = info_diffs(path, exp, run([loom, "info", "--json", path]))
        for axis in ("row", "col"):
            want = {k: plain(v["values"]) for k, v in t[f"{axis}_attrs"].items()}
            got = run([loom, "attrs", path, "--axis", axis, "--json"])
            problems += [f"attrs --axis {axis}: {d}" for d in diffs(want, got)]
            if want:
                some = sorted(want)[: 2]
                got = run([loom, "attrs", path, "--axis", axis, "--json", "--names", ",".join(some)])
                problems += [f"attrs --names: {d}" for d in diffs({k: want[k] for k in some}, got)]
            problems += [f"attrs --axis {axis} (TSV): {d}" for d in tsv_diffs(loom, path, axis, t)]
        if problems:
            failed += 1
            print(f"FAIL {path}")
            for p in problems[:15]:
                print("    ", p)
        else:
            print(f"ok   {path}")
    print(f"{len(files) - failed}/{len(files)} files agree")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
